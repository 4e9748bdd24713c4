"""PostgreSQL (an embedded server this test owns) stopped for a while under event traffic
from three API clients, with a real worker process: the API answers 503 with Retry-After
wherever it needs the database (every /v1 call: tokens are checked there), the pathway
keeps taking events sent straight to Temporal while its writes to PostgreSQL are retried,
and once the database is back every accepted event is stored, once, and the read model
shows the plan computed from them."""

from __future__ import annotations

import asyncio
import shutil
import struct
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from structlog.testing import capture_logs
from temporalio.service import RPCError, RPCStatusCode

from api.app import create_app
from contracts.pathway import SETTLE_ACTIVITY, SUMMARY_QUERY, SYNC_UPDATE, PathwayInput, PlanSummary, SyncRequest
from delivery.mail_catcher import MailCatcher
from domain.planner import compute_plan
from rulesets import default as default_ruleset
from service.gateway import sync_or_start
from store.db import DatabaseUnavailable, create_pool
from store.directory import Directory
from store.embedded import EmbeddedPostgres
from store.event_store import EventStore
from store.read_model import ReadModel
from store.reminder_log import ReminderLog
from tests.faults.support import postgres_proxy
from tests.integration.scenario import Scenario
from tests.integration.stack import FAST, RecordingChannel, Running, worker_on
from tests.support.api import Api, api_on, bearer, config_for, event, serving, today
from tests.support.cli import EXAMPLES
from tests.support.postgres import create_database
from tests.support.waiting import eventually
from tests.support.worker_process import WorkerProcess, worker_environment

OPENING = [("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}),
           ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"})]
# Sent to Temporal while PostgreSQL is down: R8, R11 and R15 fall due at once.
UNPREPARED_START = [("treatment_started", {"molecule": "natalizumab"})]
EVENTS_PER_CLIENT = 8
TRAFFIC_TIMEOUT_S = 60.0
NOTHING_LISTENS = "127.0.0.1:9"  # the discard port


class Traffic:
    """One API client per patient posting EDSS scores one by one, each resent after a 503
    (resending is safe) until it is taken."""

    def __init__(self, api: Api, refs: list[str]) -> None:
        self.api = api
        self.accepted: dict[str, list[str]] = {ref: [] for ref in refs}
        self.unavailable: list[httpx.Response] = []
        self.server_errors: list[httpx.Response] = []
        self._tasks = [asyncio.create_task(self._client(ref)) for ref in refs]

    def _events(self, ref: str) -> list[dict]:
        return [event(ref, "edss_recorded", event_id=f"{ref}-api-{k}", on=today() - timedelta(days=EVENTS_PER_CLIENT - k),
                      score=1.0 + k / 2) for k in range(EVENTS_PER_CLIENT)]

    async def _client(self, ref: str) -> None:
        async with httpx.AsyncClient(base_url=self.api.url, headers=self.api.integration, timeout=60) as http:
            for body in self._events(ref):
                await self._post_until_taken(http, body)
                self.accepted[ref].append(body["event_id"])
                await asyncio.sleep(0.1)

    async def _post_until_taken(self, http: httpx.AsyncClient, body: dict) -> None:
        deadline = asyncio.get_running_loop().time() + TRAFFIC_TIMEOUT_S
        while True:
            response = await http.post("/v1/events", json=body)
            if response.status_code in (200, 201, 202):  # 202: stored, the pathway takes it later
                return
            assert response.status_code in (500, 503), response.text
            (self.unavailable if response.status_code == 503 else self.server_errors).append(response)
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"event {body['event_id']} not taken within {TRAFFIC_TIMEOUT_S:.0f} s")
            await asyncio.sleep(0.2)

    def taken(self) -> int:
        return sum(len(ids) for ids in self.accepted.values())

    async def finish(self) -> None:
        await asyncio.gather(*self._tasks)

    async def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def test_postgresql_stopped_under_event_traffic_loses_no_event_and_the_read_model_catches_up(env, patient_ref):
    data_dir = Path(tempfile.mkdtemp(prefix="pgfault-"))  # short: the server's socket lives there
    postgres = EmbeddedPostgres(data_dir / "data")
    try:
        dsn = await create_database(await asyncio.to_thread(postgres.start))
        async with await create_pool(dsn, min_size=0, max_size=4) as pool, MailCatcher() as catcher:
            server_errors = await _run(env, postgres, dsn, pool, catcher, patient_ref)
    finally:
        await asyncio.to_thread(postgres.stop)
        shutil.rmtree(data_dir, ignore_errors=True)
    assert server_errors == 0, f"{server_errors} POST(s) answered 500 while PostgreSQL shut down"


async def _run(env, postgres: EmbeddedPostgres, dsn: str, pool, catcher: MailCatcher, patient_ref: str) -> int:
    """The scenario; returns how many requests were answered 500."""
    await Directory(pool).load(EXAMPLES / "directory.json")
    refs = [f"{patient_ref}-{n}" for n in range(3)]
    running = Running(env.client, f"fault-{patient_ref}", pool, None, FAST)
    worker = WorkerProcess(worker_environment(env.client.service_client.config.target_host, dsn, running.task_queue,
                                              catcher.port))
    await worker.start()
    api_pool = await create_pool(dsn, min_size=0, max_size=10)  # as the API's own: it starts without PostgreSQL
    try:
        scenarios = {ref: Scenario(env, running, ref) for ref in refs}
        for s in scenarios.values():
            await s.record_all(OPENING)
        async with api_on(running, api_pool) as api:
            traffic = Traffic(api, refs)
            try:
                await eventually(lambda: _at_least(traffic.taken, 3), what="events taken before the outage")
                await asyncio.to_thread(postgres.stop)

                await eventually(lambda: _at_least(lambda: len(traffic.unavailable), 1), what="a 503 to the traffic")
                await _every_database_read_answers_503(api, refs[0])
                first = scenarios[refs[0]]
                # The store is the authority: with it down nothing is taken, by any path.
                start = [first.event(t, today(), **f) for t, f in UNPREPARED_START]
                with pytest.raises(DatabaseUnavailable):
                    await first.record_events(start)
                # A pathway woken meanwhile (here by a sync, as a reconcile sends) retries its
                # settle as a visible activity until PostgreSQL answers.
                woken = asyncio.create_task(first.handle.execute_update(
                    SYNC_UPDATE, SyncRequest(through_seq=0, reason="test"), result_type=PlanSummary))
                await eventually(lambda: _settle_retrying(first), what="the pathway's settle retried")
                assert not woken.done(), "answered before the store could be read"

                await asyncio.to_thread(postgres.start)
                await asyncio.wait_for(woken, timeout=60)
                summary = await first.record_events(start)  # the resend of what was refused
                assert summary.accepted == (f"{refs[0]}-3",)
                await traffic.finish()
            finally:
                await traffic.cancel()
            assert all(r.headers.get("retry-after") for r in traffic.unavailable)

            for ref in refs:
                expected = [f"{ref}-1", f"{ref}-2", *traffic.accepted[ref]] + ([f"{ref}-3"] if ref == refs[0] else [])
                await _everything_stored_once(pool, scenarios[ref], expected)
                await eventually(lambda ref=ref: _read_model_caught_up(pool, ref), what=f"the read model of {ref}")
            rows = await eventually(lambda: _all_sent(pool, refs[0], 3), timeout_s=30, what="the reminders sent")
            assert Counter(m["Message-ID"] for m in catcher.messages) == Counter({r.message_id: 1 for r in rows})
            worklist = await api.get("/v1/worklist", params={"centre": "C13", "limit": 500})
            assert worklist.status_code == 200
            assert {i["patient_ref"] for i in worklist.json()["items"]} >= set(refs)
            return len(traffic.server_errors)
    finally:
        await api_pool.close()
        await worker.stop()


async def _every_database_read_answers_503(api: Api, ref: str) -> None:
    worklist = await api.get("/v1/worklist")
    what_if = await api.get(f"/v1/patients/{ref}/plan", params={"as_of": today().isoformat()})
    events = await api.get(f"/v1/patients/{ref}/events")
    for response in (worklist, what_if, events):
        assert response.status_code == 503 and response.headers["retry-after"], response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == "Database is unavailable"
    ready = await api.http.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["postgresql"] == "unreachable"


async def _settle_retrying(s: Scenario) -> bool:
    pending = (await s.handle.describe()).raw_description.pending_activities
    return any(a.activity_type.name == SETTLE_ACTIVITY and a.attempt >= 2 for a in pending)


async def _everything_stored_once(pool, s: Scenario, expected: list[str]) -> None:
    ref = s.patient_ref
    stored = await eventually(lambda: _stored(pool, ref, len(expected)), timeout_s=30, what=f"the events of {ref}")
    assert Counter(e.event_id for e in stored) == Counter(expected), "every accepted event stored, once"
    await eventually(lambda: _settled_on(s, len(stored)), timeout_s=30, what=f"the pathway of {ref} settled on all")


async def _settled_on(s: Scenario, count: int) -> bool:
    summary = await s.handle.query(SUMMARY_QUERY, result_type=PlanSummary)
    return summary is not None and summary.events_recorded == count


async def _read_model_caught_up(pool, ref: str) -> bool:
    events = await EventStore(pool).for_patient(ref)
    plan = compute_plan(ref, events, datetime.now(UTC), default_ruleset())
    patient = await ReadModel(pool).patient(ref)
    obligations = await ReadModel(pool).obligations(ref)
    return (patient is not None and (patient["stage"], patient["molecule"]) == (plan.stage.value, plan.molecule)
            and sorted((o["obligation_id"], o["status"], o["due_on"]) for o in obligations)
            == sorted((o.id, o.status.value, o.due_on) for o in plan.obligations))


async def _stored(pool, ref: str, count: int):
    events = await EventStore(pool).for_patient(ref)
    return events if len(events) >= count else None


async def _all_sent(pool, ref: str, count: int):
    rows = await ReminderLog(pool).history(ref)
    return rows if len(rows) == count and all(r.is_sent for r in rows) else None


async def _at_least(count, n: int) -> bool:  # noqa: ANN001
    return count() >= n


def _error_response(severity: str, code: str, message: str) -> bytes:
    fields = b"".join(tag + value.encode() + b"\0" for tag, value in
                      ((b"S", severity), (b"V", severity), (b"C", code), (b"M", message))) + b"\0"
    return b"E" + struct.pack("!I", 4 + len(fields)) + fields


# What every session receives from a PostgreSQL server shutting down (`pg_ctl stop`, fast mode).
ADMIN_SHUTDOWN = _error_response("FATAL", "57P01", "terminating connection due to administrator command")


async def test_a_request_on_a_connection_postgresql_is_shutting_down_is_answered_503(pathway_worker, database):
    """Under traffic, a PostgreSQL shutdown sometimes reaches a pooled connection as its
    FATAL message before the socket closes; the next query on it then fails inside
    asyncpg. Holding the close back makes that moment certain."""
    proxy, through = postgres_proxy(database)
    await proxy.start()
    pool = await create_pool(through(proxy), min_size=0, max_size=1)  # one connection: each request reuses it
    try:
        app = create_app(config_for(pathway_worker), client=pathway_worker.client, pool=pool)
        _, staff = await bearer(pool, "staff")
        async with serving(app) as url, httpx.AsyncClient(base_url=url, headers=staff) as http:
            before = await http.get("/v1/worklist")
            proxy.inject_downstream(ADMIN_SHUTDOWN)
            await asyncio.sleep(0.2)
            during = await http.get("/v1/worklist")
    finally:
        await pool.close()
        await proxy.close()

    assert before.status_code == 200
    assert during.status_code == 503 and during.headers["retry-after"], (during.status_code, during.text)


async def test_while_postgresql_is_down_temporal_shows_why_the_pathway_cannot_settle(env, patient_ref):
    """What an operator sees on the pending activity (UI, `temporal workflow describe` through the
    codec server): the
    settle local activity gives up after a few quick attempts and goes on as an activity,
    whose last failure Temporal shows."""
    dead = await create_pool(f"postgresql://postgres@{NOTHING_LISTENS}/postgres", min_size=0, max_size=1)
    try:
        async with worker_on(env.client, dead, [RecordingChannel()]) as (task_queue, _):
            s = Scenario(env, Running(env.client, task_queue, dead, None, FAST), patient_ref)
            start = PathwayInput(patient_ref=patient_ref, timings=FAST, reason="test")
            woken = asyncio.create_task(sync_or_start(env.client, start, SyncRequest(through_seq=0), "test-1",
                                                      task_queue))
            try:
                failure = await eventually(lambda: _write_failure(s), what="a failed settle")
            finally:
                await s.handle.terminate("test over")
                woken.cancel()
                await asyncio.gather(woken, return_exceptions=True)
    finally:
        await dead.close()

    assert "PostgreSQL is unavailable" in failure, failure


async def _write_failure(s: Scenario) -> str | None:
    try:
        pending = (await s.handle.describe()).raw_description.pending_activities
    except RPCError as error:  # not started yet
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        return None
    failure = next((a.last_failure for a in pending if a.attempt >= 2), None)
    # Failure messages are encrypted (they may quote what failed): shown decoded to a key holder.
    return None if failure is None else str(await s.client.data_converter.decode_failure(failure))


async def test_while_postgresql_is_down_the_api_logs_which_driver_error_it_met(pathway_worker):
    """Connection refused, too many connections and a bad password each need another fix."""
    dead = await create_pool(f"postgresql://postgres@{NOTHING_LISTENS}/postgres", min_size=0, max_size=1)
    app = create_app(config_for(pathway_worker), client=pathway_worker.client, pool=dead)
    try:
        with capture_logs() as logs:
            async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
                response = await http.get("/v1/worklist", headers={"Authorization": "Bearer pw_anything"})
    finally:
        await dead.close()

    assert response.status_code == 503
    assert [line["error"] for line in logs if line["event"] == "postgresql unavailable"] == ["ConnectionRefusedError"]
