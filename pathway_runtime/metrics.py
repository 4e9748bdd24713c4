"""Prometheus metrics of the application (the Temporal SDK exports its own runtime
metrics on PATHWAY_TEMPORAL_METRICS_PORT). Labels are channels and outcomes, never
patient data."""

from __future__ import annotations

from prometheus_client import Counter, start_http_server

REMINDERS_SENT = Counter("pathway_reminders_sent", "Reminders handed to a channel", ["channel"])
REMINDERS_FAILED = Counter("pathway_reminders_failed", "Reminder deliveries that failed", ["channel", "retryable"])
REMINDERS_WAITING = Counter("pathway_reminders_waiting",
                            "Reminders kept pending: no recipient address in the directory yet", ["channel"])
REMINDERS_ALREADY_SENT = Counter("pathway_reminders_already_sent",
                                 "Deliveries skipped because the reminder log says sent (retries)", ["channel"])
REMINDERS_STALE = Counter("pathway_reminders_stale",
                          "Reminders not sent because newer events were stored since their plan")
EVENTS_STORED = Counter("pathway_events_stored", "Clinical events appended to the event store")
EVENTS_ACCEPTED = Counter("pathway_events_accepted", "Clinical events accepted by the API", ["outcome"])
EVENTS_REFUSED = Counter("pathway_events_refused", "Requests with clinical events refused by the API", ["reason"])


def serve_metrics(host: str, port: int) -> None:
    """Expose /metrics on its own port (a daemon thread of prometheus_client)."""
    start_http_server(port, addr=host)
