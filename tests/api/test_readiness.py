"""Readiness, 503 with Retry-After when PostgreSQL cannot be reached, and what still works\nwhen Temporal cannot be: events are stored (202, the plan to follow) and plans are read."""

from __future__ import annotations

import uuid

import httpx

from api.app import create_app
from api.temporal import connect_lazily
from pathway_runtime.config import AppConfig
from rulesets import default as default_ruleset
from store.db import create_pool
from store.event_store import EventStore
from store.runtime_processes import RuntimeProcesses
from tests.support.api import bearer, config_for, event, serving
from tests.support.cli import TEST_CODEC_KEYS
from tests.support.postgres import fresh_database

UNREACHABLE = "127.0.0.1:9"  # discard port: nothing listens there


async def test_readyz_is_200_when_temporal_and_postgresql_answer_and_names_the_rulesets_in_force(api):
    response = await api.http.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["checks"]) == ("ready", {"temporal": "ok", "postgresql": "ok", "rulesets": "ok"})
    assert body["rulesets"]["api"] == {"default": default_ruleset().reference}


async def test_readyz_shows_a_worker_that_runs_other_rulesets(api, pool):
    processes = RuntimeProcesses(pool)
    other = await processes.announce("worker", {"default": "crc-sep-marseille/2026-12.1@000000000000"})
    try:
        body = (await api.http.get("/readyz")).json()
    finally:
        await processes.gone(other)

    assert body["status"] == "ready" and body["checks"]["rulesets"] == "mismatch"
    assert {"default": "crc-sep-marseille/2026-12.1@000000000000"} in body["rulesets"]["workers"]
    assert body["rulesets"]["consistent"] is False


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


async def test_without_temporal_readyz_is_503_but_plans_are_read_from_the_store(pathway_worker, pool):
    client = await connect_lazily(AppConfig(temporal_address=UNREACHABLE, codec_keys=TEST_CODEC_KEYS))
    app = create_app(config_for(pathway_worker), client=client, pool=pool)
    _, staff = await bearer(pool, "staff")
    _, integration = await bearer(pool, "integration")
    ref = f"T-{uuid.uuid4().hex[:8]}"
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        ready = await http.get("/readyz")
        await http.post("/v1/events", json=event(ref, "diagnosis_recorded", diagnosis="relapsing_remitting"),
                        headers=integration)
        plan = await http.get(f"/v1/patients/{ref}/plan", headers=staff)
        unknown = await http.get("/v1/patients/P-nobody/plan", headers=staff)

    assert ready.status_code == 503
    assert ready.json()["checks"] == {"temporal": "unreachable", "postgresql": "ok", "rulesets": "ok"}
    assert plan.status_code == 200 and plan.json()["stage"] == "untreated_other"
    assert unknown.status_code == 404


async def test_without_temporal_posted_events_are_stored_and_answered_202_with_the_plan_to_follow(pathway_worker,
                                                                                                 pool):
    client = await connect_lazily(AppConfig(temporal_address=UNREACHABLE, codec_keys=TEST_CODEC_KEYS))
    app = create_app(config_for(pathway_worker), client=client, pool=pool)
    _, integration = await bearer(pool, "integration")
    refs = [f"T-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    batch = {"events": [event(ref, "edss_recorded", score=1.0) for ref in refs]}
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        single = await http.post("/v1/events", json=batch["events"][0], headers=integration)
        several = await http.post("/v1/events", json=batch, headers=integration)

    assert single.status_code == 202 and single.json()["delivery"] == "pending"
    assert single.json()["accepted"] == [batch["events"][0]["event_id"]]
    assert several.status_code == 202
    assert [(p["patient_ref"], p["delivery"], len(p["accepted"]), len(p["duplicates"]))
            for p in several.json()["patients"]] == [(refs[0], "pending", 0, 1), (refs[1], "pending", 1, 0)]
    for ref in refs:
        record = await EventStore(pool).pathway(ref)
        assert (record.events, record.unsettled) == (1, True), "stored, waiting for a run to take it"
