"""The processes running and the rulesets each loaded (migration 0008), so that a worker and
an API configured differently show up (`/readyz`, `pathway rules`)."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from store import queries
from store.db import connection

LIVE_WITHIN_S = 180.0
"""A process not seen for this long is taken as gone (it refreshes every minute)."""
HEARTBEAT_S = 60.0


@dataclass(frozen=True)
class ProcessRecord:
    process_id: str
    kind: str
    host: str
    pid: int
    rulesets: dict[str, str]
    started_at: datetime
    seen_at: datetime


class RuntimeProcesses:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def announce(self, kind: str, rulesets: dict[str, str]) -> str:
        """Record this process (`worker` or `api`) and the rulesets it loaded; returns its id."""
        process_id = f"{kind}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        async with connection(self._pool) as conn:
            await conn.execute(queries.RUNTIME_ANNOUNCE, process_id, kind, socket.gethostname(), os.getpid(), rulesets)
        return process_id

    async def seen(self, process_id: str) -> None:
        async with connection(self._pool) as conn:
            await conn.execute(queries.RUNTIME_SEEN, process_id)

    async def gone(self, process_id: str) -> None:
        async with connection(self._pool) as conn:
            await conn.execute(queries.RUNTIME_GONE, process_id)

    async def live(self, within_s: float = LIVE_WITHIN_S) -> list[ProcessRecord]:
        async with connection(self._pool) as conn:
            rows = await conn.fetch(queries.RUNTIME_LIVE, within_s)
        return [ProcessRecord(**_row(r)) for r in rows]


def _row(record: asyncpg.Record) -> dict[str, Any]:
    return dict(record)
