"""The pathway's settle write: events and plan in one transaction (`EventStore.append_with_plan`)."""

from datetime import date

import pytest

from domain.plan import ObligationKind, Status
from store.event_store import EventConflict, EventStore
from store.read_model import ReadModel
from tests.store.plans import ANOMALY, obligation, plan
from tests.store.test_event_store import event, history


async def test_events_and_plan_are_written_together_each_event_with_its_sender(pool, patient_ref):
    events = history(patient_ref)
    senders = {events[0].event_id: "lab", events[1].event_id: "records"}  # the others: unknown sender
    written = plan(patient_ref, obligation("mri-1", "2026-09-01"), anomalies=(ANOMALY,))

    assert await EventStore(pool).append_with_plan(events, senders, written, 1) == (len(events), True)

    records = await EventStore(pool).records_for_patient(patient_ref)
    assert [r.event for r in records] == events
    assert [r.sender for r in records] == ["lab", "records"] + [None] * (len(events) - 2)
    patient = await ReadModel(pool).patient(patient_ref)
    assert (patient["plan_version"], patient["molecule"], patient["anomalies"]) == \
        (1, "natalizumab", [ANOMALY.model_dump(mode="json")])
    assert [o["obligation_id"] for o in await ReadModel(pool).obligations(patient_ref)] == ["mri-1"]


async def test_a_newer_plan_replaces_the_obligations_and_an_older_one_changes_nothing(pool, patient_ref):
    store, read_model = EventStore(pool), ReadModel(pool)
    first = plan(patient_ref, obligation("mri-1", "2026-09-01"), obligation("val-1", "2026-03-02",
                                                                            kind=ObligationKind.TREATMENT_VALIDATION))
    second = plan(patient_ref, obligation("mri-1", "2026-09-01", Status.SATISFIED, satisfied_by="e-2",
                                          satisfied_on=date(2026, 9, 1)), obligation("mri-2", "2027-03-01"))
    await store.append_with_plan([], {}, first, 1)

    assert await store.append_with_plan([], {}, second, 2) == (0, True)
    assert await store.append_with_plan([], {}, first, 1) == (0, False)

    rows = await read_model.obligations(patient_ref)
    assert [(o["obligation_id"], o["status"], o["satisfied_by"]) for o in rows] == [
        ("mri-1", "satisfied", "e-2"), ("mri-2", "upcoming", None)]


async def test_a_retry_stores_nothing_twice(pool, patient_ref):
    events = history(patient_ref)
    store = EventStore(pool)
    await store.append_with_plan(events[:3], {}, plan(patient_ref), 1)

    assert await store.append_with_plan(events, {}, plan(patient_ref), 2) == (len(events) - 3, True)
    assert await store.for_patient(patient_ref) == events


async def test_an_event_id_stored_with_other_content_writes_nothing(pool, patient_ref):
    events = history(patient_ref)
    store = EventStore(pool)
    await store.append_with_plan(events[:1], {}, plan(patient_ref, molecule="natalizumab"), 1)
    changed = event(patient_ref, events[0].event_id, "diagnosis_recorded", "2026-01-12", diagnosis="relapsing_remitting")

    with pytest.raises(EventConflict, match=events[0].event_id):
        await store.append_with_plan([*events[1:], changed], {}, plan(patient_ref, molecule="ocrelizumab"), 2)

    assert await store.for_patient(patient_ref) == events[:1]
    assert (await ReadModel(pool).patient(patient_ref))["molecule"] == "natalizumab"
