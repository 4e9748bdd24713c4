"""Liveness and readiness, without authentication (for orchestrators and load balancers)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Literal

import asyncpg
from fastapi import APIRouter, Request, Response

from api.models import Health, Readiness, RulesetsInForce
from api.runtime import Runtime, runtime
from store import queries
from store.db import connection
from store.migrate import load_migrations
from store.runtime_processes import RuntimeProcesses

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
    checks = {"temporal": "ok" if temporal else "unreachable", "postgresql": postgresql}
    rulesets = await _rulesets(rt) if postgresql == "ok" else None
    if rulesets is not None:
        checks["rulesets"] = "ok" if rulesets.consistent else "mismatch"
    return Readiness(status="ready" if ready else "unavailable", checks=checks, rulesets=rulesets)


async def _rulesets(rt: Runtime) -> RulesetsInForce | None:
    """A mismatch is shown, not made a refusal: during a deployment it is expected for a while."""
    mine = rt.intake.rulesets.versions()
    try:
        workers = [p.rulesets for p in await RuntimeProcesses(rt.pool).live() if p.kind == "worker"]
    except Exception:  # the table may not exist yet on an old schema: nothing to compare
        return None
    return RulesetsInForce(api=mine, workers=workers, consistent=all(w == mine for w in workers))


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
