"""Liveness and readiness, without authentication (for orchestrators and load balancers)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Literal

import asyncpg
from fastapi import APIRouter, Request, Response

from api.models import Health, Readiness
from api.runtime import Runtime, runtime
from store import queries
from store.db import connection
from store.migrate import load_migrations

router = APIRouter(tags=["health"])
PROBE_TIMEOUT_S = 2.0
MIGRATIONS = load_migrations()


@router.get("/healthz", response_model=Health, summary="The process is up")
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, summary="Temporal and PostgreSQL are reachable, the schema migrated",
            responses={503: {"model": Readiness, "description": "Temporal or PostgreSQL is unreachable, or "
                                                                "the database lacks migrations (`pathway db migrate`)"}})
async def readyz(request: Request, response: Response) -> Readiness:
    rt = runtime(request)
    temporal, postgresql = await asyncio.gather(_temporal_ok(rt), _postgresql_state(rt))
    ready = temporal and postgresql == "ok"
    if not ready:
        response.status_code = 503
        response.headers["Retry-After"] = "5"
    return Readiness(status="ready" if ready else "unavailable",
                     checks={"temporal": "ok" if temporal else "unreachable", "postgresql": postgresql})


async def _temporal_ok(rt: Runtime) -> bool:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            return await rt.client.service_client.check_health(timeout=timedelta(seconds=PROBE_TIMEOUT_S))
    except Exception:  # any failure means "not ready"; the reason is not the prober's business
        return False


async def _postgresql_state(rt: Runtime) -> Literal["ok", "unreachable", "unmigrated"]:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S), connection(rt.pool) as conn:
            await conn.fetchval(queries.PING)
            try:
                applied = {r["version"] for r in await conn.fetch(queries.MIGRATIONS_APPLIED)}
            except asyncpg.UndefinedTableError:
                applied = set()
    except Exception:
        return "unreachable"
    return "ok" if {m.version for m in MIGRATIONS} <= applied else "unmigrated"
