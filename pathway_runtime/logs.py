"""structlog, configured once per process: JSON off a terminal, readable on one; stdlib
records (Temporal's included) go through the same processors.

Libraries speak only when something is wrong: below WARNING, records of loggers that are not
the project's own (the embedded PostgreSQL's command lines and initdb output, uvicorn's
banners, Temporal's polls) are dropped unless PATHWAY_LOG_LEVEL=debug."""

from __future__ import annotations

import logging
import sys

import structlog

PROJECT_LOGGERS = frozenset({"api", "codec", "delivery", "dev", "handoff", "intake", "presence", "reconcile", "reminders",
                             "worker"})
"""Top-level names of the project's loggers (`structlog.get_logger(NAME)`); a test checks that
every name used in the code is here."""

_configured = False


class LibrariesAtWarning(logging.Filter):
    """Lets through every record of the project's loggers, and the libraries' from WARNING up."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.split(".", 1)[0] in PROJECT_LOGGERS


def configure_logging(fmt: str = "auto", level: str = "INFO", stream=None) -> None:
    global _configured
    if _configured:
        return
    level = level.upper()
    stream = stream or sys.stderr
    as_json = fmt == "json" or (fmt == "auto" and not stream.isatty())
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    # Tracebacks without local variables: a frame's locals may hold an event's payload
    # or a bearer token, and neither may reach a log.
    renderer = (
        [structlog.processors.ExceptionRenderer(structlog.tracebacks.ExceptionDictTransformer(show_locals=False)),
         structlog.processors.JSONRenderer()]
        if as_json else [structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)]
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=[
        structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer]))
    if level != "DEBUG":
        handler.addFilter(LibrariesAtWarning())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    _configured = True
