"""The pool, the store's errors, and the boundary where driver errors become ours."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

CONNECT_TIMEOUT_S = 10.0

# Failures that mean "the server cannot be reached or will not take us", as opposed to a
# bad statement: these, and only these, become DatabaseUnavailable.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,  # refused, unreachable, DNS, missing unix socket, TimeoutError
    asyncpg.exceptions.PostgresConnectionError,  # SQLSTATE class 08, connection lost mid-call
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InvalidAuthorizationSpecificationError,  # unknown role, bad password
    asyncpg.exceptions.InvalidCatalogNameError,  # database does not exist
    # A shutdown's FATAL message read on a pooled connection before its socket closes:
    # the next query fails inside the driver ("cannot perform operation: another operation
    # is in progress" / protocol state errors), which asyncpg reports as InternalClientError.
    asyncpg.exceptions.InternalClientError,
)


class StoreError(Exception):
    """Something the store refuses or cannot do; the message says what."""


class DatabaseUnavailable(StoreError):
    """PostgreSQL cannot be reached (or refuses the connection); worth retrying later."""


def redact_dsn(dsn: str) -> str:
    """The DSN without its password, for messages and logs."""
    if "://" not in dsn:  # libpq keyword form: host=... password=...
        return re.sub(r"(?i)(password\s*=\s*)\S+", r"\1***", dsn)
    parts = urlsplit(dsn)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostinfo = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{hostinfo}" if ":" in userinfo else f"{user}@{hostinfo}"
    query = re.sub(r"(?i)(^|&)(password)=[^&]*", r"\1\2=***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


@asynccontextmanager
async def translate_errors(dsn: str | None = None) -> AsyncIterator[None]:
    """Turn connection failures raised inside the block into `DatabaseUnavailable`.

    Usable as `async with translate_errors():` or as a decorator `@translate_errors()`.
    Other database errors (constraint violations, bad SQL) pass through unchanged.
    """
    try:
        yield
    except _UNAVAILABLE as error:
        where = f" at {redact_dsn(dsn)}" if dsn else ""
        raise DatabaseUnavailable(f"PostgreSQL is unavailable{where}: {type(error).__name__}: {error}"[:500]) from error
    except asyncpg.exceptions.InterfaceError as error:
        # A connection the server closed (a shutdown) found closed by the next call on it,
        # e.g. the rollback of a transaction: the server is going, not the statement wrong.
        if "closed" not in str(error):
            raise
        where = f" at {redact_dsn(dsn)}" if dsn else ""
        raise DatabaseUnavailable(f"PostgreSQL is unavailable{where}: {type(error).__name__}: {error}"[:500]) from error


async def _set_json_codecs(connection: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await connection.set_type_codec(type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, **kw: Any) -> asyncpg.Pool:
    """The process's pool: call once at start-up, close at shut-down (`async with pool:`).

    json/jsonb columns take and return Python dicts and lists. Keyword arguments go to
    `asyncpg.create_pool`; an `init` callback given there runs after the codecs are set.
    """
    user_init: Callable[[asyncpg.Connection], Awaitable[None]] | None = kw.pop("init", None)

    async def init(connection: asyncpg.Connection) -> None:
        await _set_json_codecs(connection)
        if user_init is not None:
            await user_init(connection)

    kw.setdefault("timeout", CONNECT_TIMEOUT_S)
    try:
        async with translate_errors(dsn):
            return await asyncpg.create_pool(dsn, init=init, **kw)
    except ValueError as error:  # a malformed DSN; the driver's message may quote it, password included
        raise StoreError(f"invalid PostgreSQL DSN {redact_dsn(dsn)!r}: {type(error).__name__}") from None


@asynccontextmanager
async def connection(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """One connection from the pool for one unit of work, connection failures translated."""
    async with translate_errors(), pool.acquire() as conn:
        yield conn


@asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """`connection()` inside a transaction: every write goes through here."""
    async with connection(pool) as conn, conn.transaction():
        yield conn
