"""One patient's history arriving at once from several integration clients over HTTP, in
shares, singly and in batches, some events sent by two clients, the first requests racing
to start the pathway: every event is recorded once, and the plan is the one computed from
all of them, whatever order they arrived in."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
from temporalio.client import WorkflowHistory
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Replayer

from codec.aes import data_converter, parse_keys
from domain.events import parse_event
from domain.planner import compute_plan
from store.event_store import EventStore
from store.read_model import ReadModel
from tests.api.conftest import Api, bearer, event, today
from tests.cli_support import TEST_CODEC_KEYS
from tests.support.waiting import eventually
from workflows.gateway import fetch_plan, submit_events
from workflows.messages import workflow_id_for
from workflows.patient_pathway import PatientPathwayWorkflow

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
    in_workflow = await api.client.get_workflow_handle(workflow_id_for(patient_ref)).query(
        PatientPathwayWorkflow.events)
    # As sets: the store does not always keep the pathway's order of receipt (the bug that
    # test_the_event_store_keeps_the_order_of_receipt_of_events_from_several_clients pins).
    assert Counter(e.event_id for e in in_workflow) == Counter(ids)

    expected = compute_plan(patient_ref, [r.event for r in stored], today())
    plan = await api.get(f"/v1/patients/{patient_ref}/plan")
    assert plan.status_code == 200
    assert plan.json() == expected.model_dump(mode="json")
    in_sent_order = compute_plan(patient_ref, [parse_event(e) for e in events], today())
    assert in_sent_order == expected, "the plan does not depend on the order the events arrived in"
    await eventually(lambda: ReadModel(pool).obligations(patient_ref),
                     lambda rows: sorted((o["obligation_id"], o["status"]) for o in rows)
                     == sorted((o.id, o.status.value) for o in expected.obligations),
                     what="the read model's obligations of the plan of all events")


async def test_events_of_one_patient_through_concurrent_gateway_calls_give_the_plan_of_all_of_them(
    pathway_worker, pool, patient_ref
):
    """The same through the gateway the CLI uses (update-with-start), one call per event."""
    events = [parse_event(e) for e in history(patient_ref)]
    client, task_queue = pathway_worker.client, pathway_worker.task_queue

    summaries = await asyncio.gather(*(submit_events(client, patient_ref, [e], task_queue=task_queue)
                                       for e in events + events[:3]))

    # A resend racing its original gets the original's answer (same update id): "accepted" twice.
    assert all(s.accepted or s.duplicates for s in summaries)
    handle = client.get_workflow_handle(workflow_id_for(patient_ref))
    in_workflow = await handle.query(PatientPathwayWorkflow.events)
    assert Counter(e.event_id for e in in_workflow) == Counter(e.event_id for e in events)
    stored = await eventually(lambda: EventStore(pool).for_patient(patient_ref), lambda s: len(s) >= len(events),
                              what="every event in the event store")
    assert Counter(e.event_id for e in stored) == Counter(e.event_id for e in in_workflow)
    assert await fetch_plan(client, patient_ref, today()) == compute_plan(patient_ref, stored, today())


async def test_the_event_store_keeps_the_order_of_receipt_of_events_from_several_clients(
    pathway_worker, pool, database, patient_ref
):
    """Events from two clients accepted while an earlier write waits (PostgreSQL slow, or
    down): the store must append them in the pathway's order of receipt, which decides
    between same-day events, or a plan rebuilt from the store (rebuild, what-if) differs.
    Each answer waits for the store: the pathway has taken an event (it is in history and
    in its events) before the write that acknowledges it is done."""
    client, task_queue = pathway_worker.client, pathway_worker.task_queue
    day = today()

    def one(type_: str, **fields):
        return parse_event(event(patient_ref, type_, on=day, **fields))

    handle = client.get_workflow_handle(workflow_id_for(patient_ref))
    sends: list[asyncio.Task] = []

    async def send_and_see_it_taken(sender: str, e) -> None:
        sends.append(asyncio.create_task(submit_events(client, patient_ref, [e], task_queue=task_queue, sender=sender)))
        await eventually(lambda: _taken_ids(handle), lambda taken: e.event_id in taken,
                         what=f"event {e.event_id} taken by the pathway")

    blocker = await asyncpg.connect(database)
    try:
        async with blocker.transaction():
            await blocker.execute("LOCK TABLE events IN SHARE MODE")  # inserts wait; reads go on
            await send_and_see_it_taken("lab", one("diagnosis_recorded", diagnosis="relapsing_remitting"))
            await send_and_see_it_taken("records", one("edss_recorded", score=2.0))
            await send_and_see_it_taken("admissions", one("care_team_assigned", neurologist_id="N12", centre_id="C13"))
            await send_and_see_it_taken("records", one("care_team_assigned", neurologist_id="N21", centre_id="C06"))
            assert not any(t.done() for t in sends), "no answer before the events are stored"
    finally:
        await blocker.close()
    answers = await asyncio.wait_for(asyncio.gather(*sends), timeout=30)

    stored = await EventStore(pool).for_patient(patient_ref)
    assert len(stored) == 4, "every answered event is in the store"
    assert [len(a.accepted) for a in answers] == [1, 1, 1, 1]
    in_workflow = await handle.query(PatientPathwayWorkflow.events)
    pathway = await fetch_plan(client, patient_ref, day)
    assert pathway.care_team.neurologist_id == "N21", "the later of two same-day assignments holds"
    assert compute_plan(patient_ref, stored, day).care_team == pathway.care_team, \
        "a plan rebuilt from the event store has the pathway's care team"
    assert [e.event_id for e in stored] == [e.event_id for e in in_workflow]
    senders = [r.sender for r in await EventStore(pool).records_for_patient(patient_ref)]
    assert senders == ["lab", "records", "admissions", "records"]


async def _taken_ids(handle) -> list[str]:  # noqa: ANN001
    try:
        return [e.event_id for e in await handle.query(PatientPathwayWorkflow.events)]
    except RPCError as error:  # the first update may not have started the workflow yet
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        return []


RECORDED_BATCHED_BY_SENDER = Path(__file__).parent / "histories" / "senders-interleaved-behind-a-slow-write.json"


async def test_a_pathway_whose_writes_were_batched_by_sender_before_the_receipt_order_fix_still_replays():
    """Recorded with the workflow of d13a34e..e6ab1b8 in the scenario above: the events of
    one sender were stored in one write ahead of another sender's. A running pathway with
    such a history must keep replaying after the change (worker restart, cache eviction)."""
    history = WorkflowHistory.from_json("batched-by-sender", RECORDED_BATCHED_BY_SENDER.read_text())
    replayer = Replayer(workflows=[PatientPathwayWorkflow],
                        data_converter=data_converter(parse_keys(TEST_CODEC_KEYS, None)))

    await replayer.replay_workflow(history)
