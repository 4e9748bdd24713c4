"""A pathway's run terminated, reset or deleted behind the product's back, then a new event:
the plan afterwards is the plan of the stored events, and no reminder goes out for a
satisfied or defaulted item. An ended pathway stays ended whatever happens to its runs.
(Deleting a closed run, as retention does, is in tests/api/test_system_of_record.py, case 2.)"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from contracts.pathway import workflow_id_for
from domain.planner import compute_plan
from rulesets import default as default_ruleset
from store.event_store import EventStore
from tests.integration import runs
from tests.support.api import Api, event, today
from tests.support.waiting import eventually

NATALIZUMAB = {"molecule": "natalizumab"}


def history(ref: str) -> list[dict]:
    """A natalizumab patient whose ETP assessment found a need two years ago, never followed
    (R9 defaulted), every other item satisfied; next R18 due 2027-01-15, R15 2027-02-01."""
    def at(day: str, type_: str, **fields) -> dict:
        return event(ref, type_, on=date.fromisoformat(day), **fields)

    return [at("2025-01-10", "diagnosis_recorded", diagnosis="relapsing_remitting"),
            at("2025-01-10", "care_team_assigned", neurologist_id="N12", centre_id="C13"),
            at("2025-01-20", "mri_performed", regions=["brain", "spinal"]),
            at("2025-02-01", "treatment_started", **NATALIZUMAB),
            at("2025-02-01", "treatment_validated", via="rcp_meeting", **NATALIZUMAB),
            at("2025-02-01", "etp_assessed", referral_needed=True),
            at("2025-08-01", "treatment_validated", via="crc_visit", **NATALIZUMAB),
            at("2026-02-01", "treatment_validated", via="crc_visit", **NATALIZUMAB),
            at("2026-08-01", "treatment_validated", via="crc_visit", **NATALIZUMAB),
            at("2026-01-15", "mri_performed", regions=["brain"])]


OPERATIONS = {"terminate": runs.terminate, "reset": runs.reset_to_first_task, "delete": runs.delete}


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_a_lost_run_is_rebuilt_from_the_store_and_sends_nothing_for_settled_items(
    api: Api, pathway_worker, pool, patient_ref, operation
):
    assert (await api.post({"events": history(patient_ref)})).status_code == 201
    await OPERATIONS[operation](api.client, patient_ref)

    answer = await api.post(event(patient_ref, "edss_recorded", score=3.0))

    assert answer.status_code == 201, answer.text
    stored = await EventStore(pool).for_patient(patient_ref)
    expected = compute_plan(patient_ref, stored, today(), default_ruleset())
    plan = (await api.get(f"/v1/patients/{patient_ref}/plan")).json()
    assert plan == expected.model_dump(mode="json")
    assert {(o["rule"], o["status"]) for o in plan["obligations"] if o["status"] in ("upcoming", "defaulted")} == {
        ("R18", "upcoming"), ("R15", "upcoming"), ("R9", "defaulted")}
    assert answer.json()["events_recorded"] == len(stored) == 11
    await _settled(api, patient_ref)
    await asyncio.sleep(1)
    assert [m for m in pathway_worker.notifier.received if m.patient_ref == patient_ref] == []


async def test_an_ended_pathway_reset_behind_the_product_ends_again_and_takes_nothing(
    api: Api, pathway_worker, patient_ref
):
    assert (await api.post({"events": history(patient_ref)})).status_code == 201
    assert (await api.post(event(patient_ref, "follow_up_ended", reason="deceased"))).status_code == 201
    handle = api.client.get_workflow_handle(workflow_id_for(patient_ref))
    await handle.result()

    await runs.reset_to_first_task(api.client, patient_ref)  # a completed run comes back running
    await eventually(lambda: runs.runs(api.client, patient_ref), lambda statuses: "RUNNING" not in statuses,
                     what="the reset run closed")
    late = await api.post(event(patient_ref, "edss_recorded", score=3.0))

    assert late.status_code == 409 and late.json()["title"] == "Pathway ended"
    assert (await handle.describe()).status.name == "COMPLETED", "the reset run read the store and ended"
    assert [m for m in pathway_worker.notifier.received if m.patient_ref == patient_ref] == []


async def _settled(api: Api, patient_ref: str) -> None:
    from service.gateway import running_summary

    await eventually(lambda: running_summary(api.client, patient_ref),
                     lambda summary: summary is not None and summary.events_recorded == 11,
                     what="the pathway settled on the 11 stored events")
