"""A process makes itself known (its kind and the rulesets it loaded) while it runs: announced
at start, refreshed every minute, removed at a clean stop (`store.runtime_processes`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import structlog

from store.db import DatabaseUnavailable
from store.runtime_processes import HEARTBEAT_S, RuntimeProcesses


@contextlib.asynccontextmanager
async def announced(pool: asyncpg.Pool, kind: str, rulesets: dict[str, str]) -> AsyncIterator[None]:
    """Within the block, this process is listed with `rulesets`; PostgreSQL being down only
    delays the announcement (a process starts, and reports why it is not ready, without it)."""
    processes = RuntimeProcesses(pool)
    task = asyncio.create_task(_keep(processes, kind, rulesets))
    try:
        yield
    finally:
        task.cancel()
        process_id = await asyncio.gather(task, return_exceptions=True)
        if isinstance(process_id[0], str):
            with contextlib.suppress(Exception):
                await processes.gone(process_id[0])


async def _keep(processes: RuntimeProcesses, kind: str, rulesets: dict[str, str]) -> str | None:
    log = structlog.get_logger("presence")
    process_id: str | None = None
    try:
        while True:
            try:
                if process_id is None:
                    process_id = await processes.announce(kind, rulesets)
                else:
                    await processes.seen(process_id)
            except (DatabaseUnavailable, asyncpg.UndefinedTableError) as error:
                await log.awarning("not announced yet", kind=kind, reason=type(error).__name__)
            await asyncio.sleep(HEARTBEAT_S)
    except asyncio.CancelledError:
        return process_id
