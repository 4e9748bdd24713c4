"""Issue 10 through the HTTP API on the real stack: the event store is the system of record.
Each failure the issue saw is one test, with its input and its expected value.

Dates are the issue's (the centre's "today" of the trial was 2026-11-30) where the expected
values are due dates, which do not depend on today; a test whose outcome depends on today
(which reminder rung is due) shifts its dates by the days since 2026-11-30.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import httpx

from api.app import create_app
from api.temporal import connect_lazily
from contracts.pathway import workflow_id_for
from domain.events import parse_event
from domain.planner import compute_plan
from pathway_runtime.config import AppConfig
from rulesets import default as default_ruleset
from store.db import create_pool
from store.event_store import EventStore
from store.reminder_log import ReminderLog
from tests.api.test_readiness import UNREACHABLE
from tests.integration import runs
from tests.support.api import Api, api_on, config_for, event, serving, today
from tests.support.cli import TEST_CODEC_KEYS
from tests.support.waiting import eventually

TRIAL_DAY = date(2026, 11, 30)
CARE_TEAM = {"neurologist_id": "N12", "centre_id": "C13"}
NATALIZUMAB = {"molecule": "natalizumab"}


def shifted(day: str) -> date:
    """A date of the issue moved by the days since its trial, so that ages stay the same."""
    return date.fromisoformat(day) + (today() - TRIAL_DAY)


def natalizumab_ten(ref: str) -> list[dict]:
    """Issue 10, case 1: ten events of a natalizumab patient."""
    def at(day: str, type_: str, **fields) -> dict:
        return event(ref, type_, on=date.fromisoformat(day), **fields)

    return [
        at("2025-01-10", "diagnosis_recorded", diagnosis="relapsing_remitting"),
        at("2025-01-10", "care_team_assigned", **CARE_TEAM),
        at("2025-01-20", "mri_performed", regions=["brain", "spinal"]),
        at("2025-02-01", "treatment_started", **NATALIZUMAB),
        at("2025-02-01", "treatment_validated", via="rcp_meeting", **NATALIZUMAB),
        at("2025-08-01", "treatment_validated", via="crc_visit", **NATALIZUMAB),
        at("2026-02-01", "treatment_validated", via="crc_visit", **NATALIZUMAB),
        at("2026-08-01", "treatment_validated", via="crc_visit", **NATALIZUMAB),
        at("2026-01-15", "mri_performed", regions=["brain"]),
        at("2025-02-01", "etp_assessed", referral_needed=False),
    ]


def open_dues(plan: dict) -> dict[str, str]:
    return {o["rule"]: o["due_on"] for o in plan["obligations"]
            if o["status"] in ("upcoming", "due", "overdue", "defaulted")}


EXPECTED_AFTER_CASE_1 = {"R18": "2027-01-15", "R15": "2027-02-01"}


async def test_case_1_a_terminated_run_is_rebuilt_from_the_store_before_it_takes_a_new_event(api: Api, patient_ref):
    assert (await api.post({"events": natalizumab_ten(patient_ref)})).status_code == 201
    await runs.terminate(api.client, patient_ref)

    answer = await api.post(event(patient_ref, "edss_recorded", on=today(), score=3.0))

    assert answer.status_code == 201, answer.text
    summary = answer.json()
    assert (summary["stage"], summary["events_recorded"], summary["delivery"]) == ("risk_therapy", 11, "settled")
    plan = (await api.get(f"/v1/patients/{patient_ref}/plan")).json()
    assert plan["stage"] == "risk_therapy" and open_dues(plan) == EXPECTED_AFTER_CASE_1
    worklist = await eventually(
        lambda: api.get("/v1/worklist", params={"centre": "C13", "limit": 500}),
        lambda r: {(i["rule"], i["due_on"]) for i in r.json()["items"] if i["patient_ref"] == patient_ref}
        == set(EXPECTED_AFTER_CASE_1.items()), what="R18 and R15 of the rebuilt pathway on the worklist")
    assert worklist.status_code == 200
    assert (await runs.runs(api.client, patient_ref)).count("RUNNING") == 1


async def test_case_2_an_ended_pathway_whose_run_is_gone_stays_ended_and_a_resend_changes_nothing(
    api: Api, pathway_worker, patient_ref
):
    def at(day: str, type_: str, **fields) -> dict:
        return event(patient_ref, type_, on=date.fromisoformat(day), **fields)

    history = [at("2025-03-01", "diagnosis_recorded", diagnosis="relapsing_remitting"),
               at("2025-03-01", "care_team_assigned", **CARE_TEAM),
               at("2025-03-10", "treatment_started", molecule="fingolimod")]
    assert (await api.post({"events": history})).status_code == 201
    assert (await api.post(at("2026-10-01", "follow_up_ended", reason="deceased"))).status_code == 201
    await api.client.get_workflow_handle(workflow_id_for(patient_ref)).result()
    await runs.delete(api.client, patient_ref)  # retention: 24 h in dev, 30 days in compose
    delivered = len(pathway_worker.notifier.received)

    resent = await api.post(history[0])
    late = await api.post(at("2026-11-01", "edss_recorded", score=2.0))

    assert resent.status_code == 200 and resent.json()["duplicates"] == [history[0]["event_id"]]
    assert resent.json()["ended"] == "deceased"
    assert late.status_code == 409 and late.json()["title"] == "Pathway ended"
    await asyncio.sleep(1)
    assert await runs.runs(api.client, patient_ref) == [], "no run was started for an ended pathway"
    assert len(pathway_worker.notifier.received) == delivered, "no reminder went out"


async def test_case_3_the_retraction_of_an_end_reopens_monitoring_with_the_plan_without_it(api: Api, patient_ref):
    assert (await api.post({"events": natalizumab_ten(patient_ref)})).status_code == 201
    end = event(patient_ref, "follow_up_ended", on=date(2026, 11, 20), reason="moved_away")
    assert (await api.post(end)).status_code == 201
    ended = (await api.get(f"/v1/patients/{patient_ref}/plan")).json()
    assert ended["ended"] == "moved_away" and open_dues(ended) == {}

    reopened = await api.post(event(patient_ref, "event_retracted", retracted_event_id=end["event_id"]))

    assert reopened.status_code == 201, reopened.text
    assert reopened.json()["ended"] is None and reopened.json()["delivery"] == "settled"
    plan = (await api.get(f"/v1/patients/{patient_ref}/plan")).json()
    assert plan["ended"] is None and open_dues(plan) == EXPECTED_AFTER_CASE_1
    statuses = await runs.runs(api.client, patient_ref)
    assert sorted(statuses) == ["COMPLETED", "RUNNING"], "the end closed one run; its retraction started another"
    started = await _start_reason(api, patient_ref)
    assert started == f"reopened by {reopened.json()['accepted'][0]}"


async def test_case_3_an_event_after_the_end_in_the_same_batch_is_refused_as_in_separate_requests(api: Api, patient_ref):
    batch = {"events": [event(patient_ref, "diagnosis_recorded", diagnosis="relapsing_remitting"),
                        event(patient_ref, "follow_up_ended", reason="deceased"),
                        event(patient_ref, "edss_recorded", score=2.0)]}

    refused = await api.post(batch)

    assert refused.status_code == 409 and refused.json()["title"] == "Pathway ended"
    assert await EventStore(api.pool).pathway(patient_ref) is None or \
        (await EventStore(api.pool).pathway(patient_ref)).events == 0


async def test_case_4_a_history_sent_one_event_per_request_sends_no_reminder_for_what_it_satisfies(
    pathway_worker, pool, patient_ref
):
    """The start arrives before its validation, ETP and MRI; later validations arrive after the
    gaps they fill. Each intermediate plan has overdue or defaulted items; the final one none due."""
    def at(day: str, type_: str, **fields) -> dict:
        return event(patient_ref, type_, on=shifted(day), **fields)

    history = [at("2025-01-10", "diagnosis_recorded", diagnosis="relapsing_remitting"),
               at("2025-01-10", "care_team_assigned", **CARE_TEAM),
               at("2025-03-01", "treatment_started", **NATALIZUMAB),
               at("2025-02-27", "treatment_validated", via="rcp_meeting", **NATALIZUMAB),
               at("2025-02-27", "etp_assessed", referral_needed=False),
               at("2025-02-20", "mri_performed", regions=["brain", "spinal"]),
               at("2025-08-28", "treatment_validated", via="crc_visit", **NATALIZUMAB),
               at("2026-02-26", "treatment_validated", via="crc_visit", **NATALIZUMAB),
               at("2026-02-20", "mri_performed", regions=["brain"]),
               at("2026-08-27", "treatment_validated", via="crc_visit", **NATALIZUMAB)]
    traps = _intermediate_traps(patient_ref, history)
    assert traps["defaulted"] and traps["overdue"], "the history must pass through stale alarms to test anything"
    quiet_s = 3.0
    async with api_on(pathway_worker, pool, reminder_quiet_seconds=quiet_s) as api:
        for body in history:
            assert (await api.post(body)).status_code == 201
        final = (await api.get(f"/v1/patients/{patient_ref}/plan")).json()
        await asyncio.sleep(quiet_s + 2)  # past the quiet period: what was due would have gone

    assert [o for o in final["obligations"] if o["status"] in ("due", "overdue", "defaulted")] == []
    assert [m for m in pathway_worker.notifier.received if m.patient_ref == patient_ref] == []
    assert await ReminderLog(pool).history(patient_ref) == []


def _intermediate_traps(ref: str, history: list[dict]) -> dict[str, set[str]]:
    """The rules of the obligations overdue (not defaulted) or defaulted in some prefix's plan."""
    found: dict[str, set[str]] = {"overdue": set(), "defaulted": set()}
    events = [parse_event(e) for e in history]
    for end in range(1, len(events)):
        for o in compute_plan(ref, events[:end], today(), default_ruleset()).open_obligations():
            if o.status.value in found:
                found[o.status.value].add(o.rule)
    return found


async def test_case_5_a_late_onboarding_tells_the_coordinator_once(pathway_worker, pool, patient_ref):
    """The last MRI 441 days ago: R18 was due 76 days ago; the history arrives today."""
    def at(day: str, type_: str, **fields) -> dict:
        return event(patient_ref, type_, on=shifted(day), **fields)

    history = [at("2025-01-10", "diagnosis_recorded", diagnosis="relapsing_remitting"),
               at("2025-01-10", "care_team_assigned", **CARE_TEAM),
               at("2025-01-20", "mri_performed", regions=["brain", "spinal"]),
               at("2025-02-01", "treatment_started", **NATALIZUMAB),
               at("2025-02-01", "treatment_validated", via="rcp_meeting", **NATALIZUMAB),
               at("2025-02-01", "etp_assessed", referral_needed=False),
               at("2026-08-01", "treatment_validated", via="crc_visit", **NATALIZUMAB),
               at("2025-09-15", "mri_performed", regions=["brain"])]
    async with api_on(pathway_worker, pool) as api:
        assert (await api.post({"events": history})).status_code == 201
        r18 = await eventually(lambda: _sent(pathway_worker, patient_ref, "R18"), lambda sent: len(sent) >= 1,
                               what="the R18 reminder of the late onboarding")

    [reminder] = r18
    assert reminder.step == "overdue_2" and reminder.escalated
    assert {(r.role, r.id) for r in reminder.recipients} == {("neurologist", "N12"), ("crc_coordinator", "C13")}


async def _sent(running, ref: str, rule: str) -> list:
    return [m for m in running.notifier.received if m.patient_ref == ref and m.rule == rule]


async def test_case_6_overdue_on_the_worklist_includes_defaulted_items_each_with_its_status(api: Api, patient_ref):
    # Diagnosed two years ago and nothing since: R5, R6, R7 were due a year ago, defaulted since.
    two_years = today() - timedelta(days=730)
    centre = f"C{uuid.uuid4().hex[:6]}"
    await api.post({"events": [event(patient_ref, "diagnosis_recorded", on=two_years, diagnosis="relapsing_remitting"),
                               event(patient_ref, "care_team_assigned", on=two_years, neurologist_id="N12",
                                     centre_id=centre)]})

    overdue = await eventually(lambda: api.get("/v1/worklist", params={"centre": centre, "status": "overdue"}),
                               lambda r: len(r.json()["items"]) == 3, what="three items on the centre's worklist")
    defaulted = await api.get("/v1/worklist", params={"centre": centre, "status": "defaulted"})

    assert {(i["rule"], i["status"]) for i in overdue.json()["items"]} == {
        ("R5", "defaulted"), ("R6", "defaulted"), ("R7", "defaulted")}
    assert {i["rule"] for i in defaulted.json()["items"]} == {"R5", "R6", "R7"}


async def test_case_8c_a_patient_with_ten_thousand_events_keeps_working_and_its_run_stays_small(api: Api, patient_ref):
    day = today()
    first = [event(patient_ref, "diagnosis_recorded", on=day - timedelta(days=10_000), diagnosis="relapsing_remitting")]
    batches = [first + [event(patient_ref, "edss_recorded", on=day - timedelta(days=10_000 - n), score=2.0)
                        for n in range(1, 1000)]]
    batches += [[event(patient_ref, "edss_recorded", on=day - timedelta(days=10_000 - n), score=2.5)
                 for n in range(1000 * k, 1000 * (k + 1))] for k in range(1, 10)]
    for batch in batches:
        answer = await api.post({"events": batch})
        assert answer.status_code == 201, answer.text[:500]

    one_more = await api.post(event(patient_ref, "crc_informed", on=day, via="letter"))

    assert one_more.status_code == 201 and one_more.json()["events_recorded"] == 10_001
    history = await api.client.get_workflow_handle(workflow_id_for(patient_ref)).fetch_history()
    largest = max(len(p.data) for e in history.events for p in _payloads(e))
    assert largest < 64 * 1024, f"a payload of {largest} bytes in the run's history"


def _payloads(event) -> list:
    found = []
    for field in ("marker_recorded_event_attributes",):
        if event.HasField(field):
            for payloads in event.marker_recorded_event_attributes.details.values():
                found += list(payloads.payloads)
    if event.HasField("workflow_execution_started_event_attributes"):
        found += list(event.workflow_execution_started_event_attributes.input.payloads)
    return found


async def test_case_9_twenty_identical_posts_at_once_answer_exactly_one_201(api: Api, patient_ref):
    body = event(patient_ref, "diagnosis_recorded", diagnosis="relapsing_remitting")

    answers = await asyncio.gather(*(api.post(body) for _ in range(20)))

    assert sorted(a.status_code for a in answers) == [200] * 19 + [201]
    assert all(a.json()["events_recorded"] == 1 for a in answers)


async def test_case_9_an_id_is_taken_only_by_what_was_stored(api: Api, pathway_worker, pool, patient_ref):
    """There are no claims beside the store. A request that fails before storing (PostgreSQL
    down: 503) leaves its id free for the corrected resend. A request stored while Temporal
    did not answer (202) has taken its id: its corrected resend is a conflict (409)."""
    wrong = event(patient_ref, "edss_recorded", score=7.0)
    dead = await create_pool(f"postgresql://postgres@{UNREACHABLE}/postgres", min_size=0, max_size=1)
    down = create_app(config_for(pathway_worker), client=pathway_worker.client, pool=dead)
    try:
        async with serving(down) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
            refused = await http.post("/v1/events", json=wrong, headers=api.integration)
    finally:
        await dead.close()
    corrected = await api.post({**wrong, "score": 2.0})
    assert (refused.status_code, corrected.status_code) == (503, 201)

    other = event(patient_ref, "edss_recorded", score=7.0)
    unreachable = await connect_lazily(AppConfig(temporal_address=UNREACHABLE, codec_keys=TEST_CODEC_KEYS))
    without_temporal = create_app(config_for(pathway_worker), client=unreachable, pool=pool)
    async with serving(without_temporal) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        pending = await http.post("/v1/events", json=other, headers=api.integration)
    changed = await api.post({**other, "score": 2.0})
    assert (pending.status_code, pending.json()["delivery"]) == (202, "pending")
    assert changed.status_code == 409 and changed.json()["title"] == "Event id reused"


async def _start_reason(api: Api, patient_ref: str) -> str:
    handle = api.client.get_workflow_handle(workflow_id_for(patient_ref))
    async for e in handle.fetch_history_events():
        if e.HasField("workflow_execution_started_event_attributes"):
            [payload] = e.workflow_execution_started_event_attributes.input.payloads
            decoded = await api.client.data_converter.decode([payload], [dict])
            return decoded[0]["reason"]
    raise AssertionError("no start event")
