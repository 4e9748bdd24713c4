"""What engineers see in Temporal: search attributes to find pathways, a static summary,
live details, and summaries on timers and activities."""

from __future__ import annotations

from domain.calendar import add_days
from tests.integration.scenario import Scenario
from tests.support.waiting import eventually

START = [("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}),
         ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"}),
         ("treatment_started", {"molecule": "natalizumab"})]


async def found(client, query: str) -> list:
    return [w async for w in client.list_workflows(query)]


async def test_overdue_pathways_of_a_centre_are_found_by_search_attributes_that_say_nothing_clinical(
        env, pathway_worker, patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    t0 = await s.today()
    await s.record_all(START)
    await s.advance_to(add_days(t0, 2))
    query = (f'WorkflowId = "patient-{patient_ref}" AND PathwayCentre = "C13" AND PathwayOverdueCount = 3'
             f' AND PathwayEnded = false AND PathwayNextDueAt < "{add_days(t0, 1).isoformat()}T00:00:00Z"')

    # Visibility lags the upsert of search attributes.
    matches = await eventually(lambda: found(s.client, query), what=f"a pathway found by {query}")

    assert [w.id for w in matches] == [f"patient-{patient_ref}"]
    assert await found(s.client, f'WorkflowId = "patient-{patient_ref}" AND PathwayCentre = "C14"') == []
    shown = {pair.key.name: pair.value for pair in matches[0].typed_search_attributes if pair.key.name != "BuildIds"}
    assert set(shown) == {"PathwayCentre", "PathwayNextDueAt", "PathwayOverdueCount", "PathwayEnded"}
    assert "natalizumab" not in str(shown) and "risk_therapy" not in str(shown)


async def test_a_pathway_reads_as_a_story_in_the_ui(env, pathway_worker, patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    t0 = await s.today()
    await s.record_all(START)
    await s.advance_to(add_days(t0, 2))

    description = await s.handle.describe()
    assert await description.static_summary() == f"Follow-up pathway of patient {patient_ref}, centre C13"
    metadata = await s.handle.query("__temporal_workflow_metadata")
    details = metadata.current_details
    assert "**stage** risk_therapy" in details and "R15 treatment_validation" in details

    history = await s.handle.fetch_history()
    summaries = [e.user_metadata.summary for e in history.events if e.HasField("user_metadata")]
    converter = pathway_worker.client.data_converter
    texts = [converter.payload_converter.from_payload(p, str) for p in await converter.payload_codec.decode(summaries)]
    assert any(t.startswith("wake to refresh statuses, ") for t in texts), texts
    assert any(t.startswith("reminder R15 treatment_validation due to neurologist N12") for t in texts), texts
    assert any(t == "settle: plan from the event store, publish it" for t in texts), texts
    overdue_timer = f"overdue_1, {add_days(t0, 30).isoformat()}"
    assert any(t.startswith("sleep until R") and t.endswith(overdue_timer) for t in texts), "\n".join(texts)
