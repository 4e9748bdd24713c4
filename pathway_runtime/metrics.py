"""Serving the application's Prometheus metrics (the counters are in `service.metrics`; the
Temporal SDK exports its own runtime metrics on PATHWAY_TEMPORAL_METRICS_PORT)."""

from __future__ import annotations

from prometheus_client import start_http_server


def serve_metrics(host: str, port: int) -> None:
    """Expose /metrics on its own port (a daemon thread of prometheus_client)."""
    start_http_server(port, addr=host)
