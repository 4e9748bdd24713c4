"""One patient's history arriving at once from several integration clients over HTTP, in
shares, singly and in batches, some events sent by two clients, the first requests racing
to start the pathway: every event is recorded once, and the plan is the one computed from
all of them, whatever order they arrived in."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import asyncpg
import httpx

from contracts.pathway import PlanSummary, workflow_id_for
from domain.events import parse_event
from domain.planner import compute_plan
from rulesets import default as default_ruleset
from service.gateway import running_summary
from service.intake import record_patient
from store.event_store import EventStore
from store.read_model import ReadModel
from tests.support.api import Api, bearer, event, today
from tests.support.waiting import eventually

CLIENTS = 4


def history(ref: str) -> list[dict]:
    """Two years of a natalizumab patient's follow-up, one event per item."""
    t = today()

    def on(days_ago: int, type_: str, **fields) -> dict:
        return event(ref, type_, on=t - timedelta(days=days_ago), **fields)

    natalizumab = {"molecule": "natalizumab"}
    return [
        on(730, "diagnosis_recorded", diagnosis="relapsing_remitting"),
        on(730, "care_team_assigned", neurologist_id="N12", centre_id="C13"),
        on(720, "mri_performed", regions=["brain", "spinal"]),
        on(700, "treatment_started", **natalizumab),
        on(700, "treatment_validated", via="rcp_meeting", **natalizumab),
        on(690, "etp_assessed", referral_needed=False),
        on(690, "crc_informed", via="consultation"),
        on(600, "edss_recorded", score=2.0),
        on(520, "mri_performed", regions=["brain"]),
        on(520, "treatment_validated", via="crc_visit", **natalizumab),
        on(500, "visit_completed", setting="neurologist"),
        on(400, "edss_recorded", score=2.5),
        on(340, "mri_performed", regions=["brain", "spinal"]),
        on(340, "treatment_validated", via="rcp_meeting", **natalizumab),
        on(300, "visit_completed", setting="crc"),
        on(200, "edss_recorded", score=3.0),
        on(160, "mri_performed", regions=["brain"]),
        on(160, "treatment_validated", via="crc_visit", **natalizumab),
    ]


async def test_events_of_one_patient_from_concurrent_clients_give_the_plan_of_all_of_them(api: Api, pool, patient_ref):
    events = history(patient_ref)
    shares = [events[k::CLIENTS] for k in range(CLIENTS)]
    # Each client also sends two events of the next client's share: the same event twice, at once.
    resent = [shares[(k + 1) % CLIENTS][:2] for k in range(CLIENTS)]
    tokens = [await bearer(pool, "integration") for _ in range(CLIENTS)]
    start = asyncio.Barrier(CLIENTS)

    async def client(k: int) -> list[httpx.Response]:
        name, authorization = tokens[k]
        async with httpx.AsyncClient(base_url=api.url, headers=authorization, timeout=60) as http:
            await start.wait()
            if k == 0:  # one batch
                return [await http.post("/v1/events", json={"events": shares[k] + resent[k]})]
            return [await http.post("/v1/events", json=body) for body in shares[k] + resent[k]]

    answers = [r for rs in await asyncio.gather(*(client(k) for k in range(CLIENTS))) for r in rs]

    assert {r.status_code for r in answers} <= {200, 201}, [r.text for r in answers if r.status_code > 201]
    stored = await eventually(lambda: EventStore(pool).records_for_patient(patient_ref),
                              lambda records: len(records) >= len(events), what="every event in the event store")
    ids = [r.event.event_id for r in stored]
    assert Counter(ids) == Counter(e["event_id"] for e in events), "every event recorded once"
    assert {r.sender for r in stored} <= {name for name, _ in tokens}
    summary = await api.client.get_workflow_handle(workflow_id_for(patient_ref)).query(
        "summary", result_type=PlanSummary)
    assert summary.events_recorded == len(events), "the pathway settled on every stored event"

    expected = compute_plan(patient_ref, [r.event for r in stored], today(), default_ruleset())
    plan = await api.get(f"/v1/patients/{patient_ref}/plan")
    assert plan.status_code == 200
    assert plan.json() == expected.model_dump(mode="json")
    in_sent_order = compute_plan(patient_ref, [parse_event(e) for e in events], today(), default_ruleset())
    assert in_sent_order == expected, "the plan does not depend on the order the events arrived in"
    await eventually(lambda: ReadModel(pool).obligations(patient_ref),
                     lambda rows: sorted((o["obligation_id"], o["status"]) for o in rows)
                     == sorted((o.id, o.status.value) for o in expected.obligations),
                     what="the read model's obligations of the plan of all events")


async def test_events_of_one_patient_through_the_intake_at_once_are_each_accepted_exactly_once(
    pathway_worker, pool, patient_ref
):
    """The same through the intake the CLI uses, one call per event, some sent twice at once:
    the store decides, so each event is accepted once and its resend is a duplicate."""
    events = [parse_event(e) for e in history(patient_ref)]
    intake = pathway_worker.intake()

    recorded = await asyncio.gather(*(record_patient(intake, patient_ref, [e], "cli:test")
                                      for e in events + events[:3]))

    assert sum(len(r.summary.accepted) for r in recorded) == len(events)
    assert sorted(i for r in recorded for i in r.summary.duplicates) == sorted(e.event_id for e in events[:3])
    stored = await EventStore(pool).for_patient(patient_ref)
    assert Counter(e.event_id for e in stored) == Counter(e.event_id for e in events)
    summary = await running_summary(pathway_worker.client, patient_ref)
    assert summary.events_recorded == len(events)
    expected = compute_plan(patient_ref, stored, today(), default_ruleset())
    assert (summary.stage, summary.open_obligations) == (expected.stage.value, len(expected.open_obligations()))


async def test_requests_waiting_on_a_slow_store_answer_once_stored_and_the_pathway_follows_the_stores_order(
    pathway_worker, pool, database, patient_ref
):
    """Four requests arrive while the store is slow (its table locked): no answer comes before
    the events are stored. Requests that wait together are stored in some order, and that
    order is the one order there is: the pathway reads its events from the store, so the plan
    staff see (read model) is the plan of the stored events, same-day ties included."""
    day = today()
    intake = pathway_worker.intake()

    def one(type_: str, **fields):
        return parse_event(event(patient_ref, type_, on=day, **fields))

    sends: list[asyncio.Task] = []
    blocker = await asyncpg.connect(database)
    try:
        async with blocker.transaction():
            await blocker.execute("LOCK TABLE events IN SHARE MODE")  # inserts wait; reads go on
            for sender, e in [("lab", one("diagnosis_recorded", diagnosis="relapsing_remitting")),
                              ("records", one("edss_recorded", score=2.0)),
                              ("admissions", one("care_team_assigned", neurologist_id="N12", centre_id="C13")),
                              ("records", one("care_team_assigned", neurologist_id="N21", centre_id="C06"))]:
                sends.append(asyncio.create_task(record_patient(intake, patient_ref, [e], sender)))
                queued = len(sends)
                await eventually(lambda: _waiting_on_locks(blocker), lambda n, k=queued: n >= k)
            assert not any(t.done() for t in sends), "no answer before the events are stored"
    finally:
        await blocker.close()
    answers = await asyncio.wait_for(asyncio.gather(*sends), timeout=30)

    assert [len(a.summary.accepted) for a in answers] == [1, 1, 1, 1]
    records = await EventStore(pool).records_for_patient(patient_ref)
    assert Counter(r.sender for r in records) == Counter(["lab", "records", "admissions", "records"])
    expected = compute_plan(patient_ref, [r.event for r in records], day, default_ruleset())
    last_assigned = [r.event for r in records if r.event.type == "care_team_assigned"][-1]
    assert expected.care_team.neurologist_id == last_assigned.neurologist_id, "the later stored of two holds"
    patient = await eventually(lambda: ReadModel(pool).patient(patient_ref),
                               lambda p: p is not None and p["plan_version"] == records[-1].seq)
    assert patient["neurologist_id"] == expected.care_team.neurologist_id


async def _waiting_on_locks(conn: asyncpg.Connection) -> int:
    """Backends of this database waiting for a lock (the requests queued behind the store)."""
    return await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND wait_event_type = 'Lock'")
