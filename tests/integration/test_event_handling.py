"""The intake on the real stack: idempotency, refusals, end of follow-up and its retraction."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowExecutionStatus

from domain.calendar import add_days
from domain.errors import EventRefused, PathwayEnded
from store.event_store import EventConflict, EventStore
from tests.integration.scenario import Scenario


async def test_resending_an_event_is_reported_as_duplicate_and_changes_nothing(env, pathway_worker, patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    today = await s.today()
    diagnosis = s.event("diagnosis_recorded", today, diagnosis="relapsing_remitting")
    first = await s.record_events([diagnosis])
    edss = s.event("edss_recorded", today, score=2.5)
    await s.record_events([edss])
    before = await s.plan()

    again = await s.record_events([diagnosis, edss])

    assert first.accepted == (diagnosis.event_id,)
    assert again.accepted == () and set(again.duplicates) == {diagnosis.event_id, edss.event_id}
    assert again.events_recorded == 2 and again.delivery == "settled"
    assert await s.plan() == before


async def test_reusing_an_event_id_for_a_different_event_is_refused_and_nothing_is_stored(env, pathway_worker,
                                                                                         patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    today = await s.today()
    edss = s.event("edss_recorded", today, score=2.5)
    await s.record_events([edss])
    changed = edss.model_copy(update={"score": 3.0})
    visit = s.event("visit_completed", today, setting="crc", components=["neurological_evaluation"])

    with pytest.raises(EventConflict, match="already used for a different event") as refused:
        await s.record_events([visit, changed])
    assert [(c.event_id, c.other_patient) for c in refused.value.conflicts] == [(edss.event_id, False)]
    assert [e.model_dump()["score"] for e in await EventStore(s.running.pool).for_patient(patient_ref)] == [2.5]


async def test_an_event_dated_after_the_pathways_today_is_refused(env, pathway_worker, patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    today = await s.today()
    await s.record("diagnosis_recorded", diagnosis="relapsing_remitting")
    future = s.event("edss_recorded", add_days(today, 2), score=1.0)

    with pytest.raises(EventRefused, match="after today"):
        await s.record_events([future])
    assert len(await EventStore(s.running.pool).for_patient(patient_ref)) == 1


async def test_follow_up_ended_completes_the_pathway_and_only_its_retraction_is_taken(env, pathway_worker,
                                                                                     patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    await s.record_all([("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}),
                        ("treatment_started", {"molecule": "natalizumab"})])
    summary = await s.record("follow_up_ended", reason="moved_away")
    end_id = f"{patient_ref}-3"
    assert summary.ended == "moved_away"

    result = await s.handle.result()
    assert result.ended == "moved_away" and result.open_obligations == 0
    assert (await s.handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    with pytest.raises(PathwayEnded, match="has ended"):
        await s.record("edss_recorded", score=2.0)

    reopened = await s.record("event_retracted", retracted_event_id=end_id)

    assert reopened.ended is None and reopened.open_obligations > 0
    description = await s.handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    assert await s.record("edss_recorded", score=2.0)  # taken again
