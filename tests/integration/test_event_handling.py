"""The record_events update: idempotency, refusals, end of follow-up."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowExecutionStatus

from domain.calendar import add_days
from domain.errors import EventIdConflict, EventRefused, PathwayEnded
from tests.integration.scenario import Scenario
from workflows.gateway import submit_events


async def test_resending_an_event_is_reported_as_duplicate_and_changes_nothing(env, pathway_worker, patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    today = await s.today()
    diagnosis = s.event("diagnosis_recorded", today, diagnosis="relapsing_remitting")
    first = await submit_events(s.client, patient_ref, [diagnosis], task_queue=s.task_queue)
    edss = s.event("edss_recorded", today, score=2.5)
    await submit_events(s.client, patient_ref, [edss], task_queue=s.task_queue)
    before = await s.plan()

    again = await submit_events(s.client, patient_ref, [diagnosis, edss], task_queue=s.task_queue)

    assert first.accepted == (diagnosis.event_id,)
    assert again.accepted == () and set(again.duplicates) == {diagnosis.event_id, edss.event_id}
    assert again.events_recorded == 2
    assert await s.plan() == before


async def test_reusing_an_event_id_for_a_different_event_is_refused(env, pathway_worker, patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    today = await s.today()
    edss = s.event("edss_recorded", today, score=2.5)
    await submit_events(s.client, patient_ref, [edss], task_queue=s.task_queue)
    changed = edss.model_copy(update={"score": 3.0})

    with pytest.raises(EventIdConflict, match="already used for a different event"):
        await submit_events(s.client, patient_ref, [changed], task_queue=s.task_queue)
    events = await s.handle.query("events")
    assert [e["score"] for e in events] == [2.5]


async def test_an_event_dated_after_the_pathways_today_is_refused_by_the_workflow(env, pathway_worker, patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    today = await s.today()
    await s.record("diagnosis_recorded", diagnosis="relapsing_remitting")
    future = s.event("edss_recorded", add_days(today, 2), score=1.0)

    with pytest.raises(EventRefused, match="after today"):
        await submit_events(s.client, patient_ref, [future], task_queue=s.task_queue)
    assert (await s.handle.query("summary"))["events_recorded"] == 1


async def test_follow_up_ended_completes_the_pathway_and_no_further_event_is_taken(env, pathway_worker, patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    await s.record_all([("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}),
                        ("treatment_started", {"molecule": "natalizumab"})])
    summary = await s.record("follow_up_ended", reason="moved_away")
    assert summary.ended == "moved_away"

    result = await s.handle.result()
    assert result.ended == "moved_away" and result.open_obligations == 0
    assert (await s.handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    with pytest.raises(PathwayEnded, match="has ended"):
        await s.record("edss_recorded", score=2.0)
