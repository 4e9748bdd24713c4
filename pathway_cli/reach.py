"""Reaching the stack from the command line, and saying so in one line when it cannot be
reached: which server, at which address, what to check. The driver's own report (a Rust
transport error, an errno) is reduced to its cause."""

from __future__ import annotations

from temporalio.client import Client

from pathway_runtime.config import AppConfig
from pathway_runtime.temporal import connect_temporal
from store.db import DatabaseUnavailable, redact_dsn

HINT = ("Is `pathway dev` running? Commands run from its directory find it through .pathway/stack.env "
        "(PATHWAY_STACK_ENV names another file).")


class Unreachable(Exception):
    """Temporal or PostgreSQL cannot be reached: nothing was done. The message is the user's."""


def _cause(text: str) -> str:
    lowered = text.lower()
    for needle, cause in (("refused", "connection refused"), ("timed out", "timed out"), ("timeout", "timed out"),
                          ("no such file", "no server socket there"), ("dns", "unknown host"),
                          ("name or service not known", "unknown host"), ("does not exist", "no such database"),
                          ("password", "authentication refused"), ("authentication", "authentication refused")):
        if needle in lowered:
            return cause
    return "no answer"


async def temporal_client(config: AppConfig) -> Client:
    """The project's client on TEMPORAL_ADDRESS; raises `Unreachable` when no server answers."""
    try:
        return await connect_temporal(config)
    except RuntimeError as error:  # the SDK's connect failure (a tonic transport error)
        raise temporal_unreachable(config.temporal_address, str(error)) from None


def temporal_unreachable(address: str, detail: str) -> Unreachable:
    return Unreachable(f"cannot reach Temporal at {address} ({_cause(detail)}). {HINT}")


def database_unreachable(error: DatabaseUnavailable, dsn: str | None) -> Unreachable:
    cause = error.__cause__
    detail = f"{type(cause).__name__} {cause}" if cause is not None else str(error)
    where = f" at {redact_dsn(dsn)}" if dsn else ""
    return Unreachable(f"cannot reach PostgreSQL{where} ({_cause(detail)}). {HINT}")
