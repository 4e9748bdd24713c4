"""Logging in the test process. Left unconfigured, structlog prints each record to the process's
stdout, and records written after a test's answer (the API's `request` line, a worker's
reminder) land between pytest's progress dots. Here they go to the standard library's logging
instead, which pytest captures per test (shown with a failing test's report) and drops between
tests. `structlog.testing.capture_logs` works as before."""

from __future__ import annotations

import logging

import structlog


def route_structlog_to_logging() -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.KeyValueRenderer(key_order=["event"], sort_keys=True),
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    # With no handler at all, the standard library's last resort prints warnings to stderr.
    logging.getLogger().addHandler(logging.NullHandler())
