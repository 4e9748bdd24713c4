"""Activity failures short enough for Temporal to keep.

The server keeps at most 4 KB of an activity's last failure
(`limit.mutableStateActivityFailureSize.error`) and shows "Failure exceeds size limit."
beyond that. The traceback chain of a driver error (asyncpg's connect path) is larger, so
the reason an activity is being retried would be lost just when an operator looks for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from temporalio.exceptions import ApplicationError

from store.db import DatabaseUnavailable


@contextmanager
def retryable_database_failures() -> Iterator[None]:
    """PostgreSQL unreachable: fail this attempt (Temporal retries it) with the reason alone."""
    try:
        yield
    except DatabaseUnavailable as error:
        raise ApplicationError(str(error), type=type(error).__name__) from None
