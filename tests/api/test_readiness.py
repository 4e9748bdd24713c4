"""Readiness, and 503 with Retry-After when PostgreSQL or Temporal cannot be reached."""

from __future__ import annotations

import httpx

from api.app import create_app
from api.temporal import connect_lazily
from pathway_runtime.config import AppConfig
from store.db import create_pool
from tests.api.conftest import bearer, config_for, event, serving
from tests.pg_support import fresh_database

UNREACHABLE = "127.0.0.1:9"  # discard port: nothing listens there


async def test_readyz_is_200_when_temporal_and_postgresql_answer(api):
    response = await api.http.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"temporal": "ok", "postgresql": "ok"}}


async def test_readyz_is_503_while_the_database_lacks_the_api_migrations(pathway_worker):
    async with fresh_database(migrate=False) as dsn, await create_pool(dsn, min_size=0, max_size=1) as bare:
        app = create_app(config_for(pathway_worker), client=pathway_worker.client, pool=bare)
        async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
            ready = await http.get("/readyz")

    assert ready.status_code == 503 and ready.json()["checks"]["postgresql"] == "unmigrated"


async def test_without_postgresql_readyz_and_every_v1_call_answer_503_with_retry_after(pathway_worker):
    dead_pool = await create_pool(f"postgresql://postgres@{UNREACHABLE}/postgres", min_size=0, max_size=1)
    app = create_app(config_for(pathway_worker), client=pathway_worker.client, pool=dead_pool)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
        ready = await http.get("/readyz")
        read = await http.get("/v1/worklist", headers={"Authorization": "Bearer pw_anything"})
        alive = await http.get("/healthz")
    await dead_pool.close()

    assert ready.status_code == 503 and ready.json()["checks"] == {"temporal": "ok", "postgresql": "unreachable"}
    assert read.status_code == 503 and read.headers["retry-after"]
    assert read.headers["content-type"] == "application/problem+json"
    assert alive.status_code == 200


async def test_without_temporal_readyz_and_plan_reads_answer_503_with_retry_after(pathway_worker, pool):
    client = await connect_lazily(AppConfig(temporal_address=UNREACHABLE))
    app = create_app(config_for(pathway_worker), client=client, pool=pool)
    _, staff = await bearer(pool, "staff")
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        ready = await http.get("/readyz")
        plan = await http.get("/v1/patients/P-1/plan", headers=staff)

    assert ready.status_code == 503 and ready.json()["checks"] == {"temporal": "unreachable", "postgresql": "ok"}
    assert plan.status_code == 503 and plan.headers["retry-after"]
    assert plan.json()["title"] == "Temporal is unavailable"


async def test_without_temporal_posted_events_answer_503_and_a_batch_names_each_patient(pathway_worker, pool):
    client = await connect_lazily(AppConfig(temporal_address=UNREACHABLE))
    app = create_app(config_for(pathway_worker), client=client, pool=pool)
    _, integration = await bearer(pool, "integration")
    batch = {"events": [event(ref, "edss_recorded", score=1.0) for ref in ("T-1", "T-2")]}
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        single = await http.post("/v1/events", json=batch["events"][0], headers=integration)
        several = await http.post("/v1/events", json=batch, headers=integration)

    assert single.status_code == 503 and single.headers["retry-after"]
    assert several.status_code == 503 and several.json()["title"] == "Temporal is unavailable"
    assert {e["patient_ref"] for e in several.json()["errors"]} == {"T-1", "T-2"}
    assert several.json()["patients"] == []
