import pytest

from domain.events import parse_event
from store.event_store import EventConflict, EventStore


def event(patient_ref: str, event_id: str, type_: str, occurred_on: str, **fields):
    return parse_event({"event_id": event_id, "patient_ref": patient_ref, "type": type_, "occurred_on": occurred_on,
                        **fields})


def history(patient_ref: str) -> list:
    # Receipt order differs from clinical order on purpose: the store keeps receipt order.
    return [
        event(patient_ref, f"{patient_ref}-1", "diagnosis_recorded", "2026-01-12", diagnosis="cis",
              onset_on="2025-12-01", source="dpi-marseille"),
        event(patient_ref, f"{patient_ref}-2", "mri_performed", "2026-03-01", regions=["spinal", "brain"],
              gadolinium=True),
        event(patient_ref, f"{patient_ref}-3", "edss_recorded", "2026-02-01", score=3.5),
        event(patient_ref, f"{patient_ref}-4", "edss_recorded", "2026-02-02", score=4.0),
        event(patient_ref, f"{patient_ref}-5", "treatment_started", "2026-02-15", molecule="natalizumab"),
        event(patient_ref, f"{patient_ref}-6", "event_retracted", "2026-03-02",
              retracted_event_id=f"{patient_ref}-4"),
    ]


async def test_events_round_trip_equal_to_the_originals_in_receipt_order(pool, patient_ref):
    events = history(patient_ref)
    store = EventStore(pool)

    assert await store.append(events[:2]) == 2
    assert await store.append(events[2:]) == 4

    assert await store.for_patient(patient_ref) == events


async def test_appending_the_same_events_again_stores_nothing_more(pool, patient_ref):
    events = history(patient_ref)
    store = EventStore(pool)
    await store.append(events)

    assert await store.append(events) == 0
    assert await store.append([*events[3:], *events[:3]]) == 0
    assert await pool.fetchval("SELECT count(*) FROM events WHERE patient_ref = $1", patient_ref) == len(events)
    assert await store.for_patient(patient_ref) == events


async def test_a_batch_with_some_known_events_stores_only_the_new_ones(pool, patient_ref):
    events = history(patient_ref)
    store = EventStore(pool)
    await store.append(events[:3])

    assert await store.append(events) == 3
    assert await store.for_patient(patient_ref) == events


async def test_each_row_keeps_its_columns_sender_and_payload(pool, patient_ref):
    first = history(patient_ref)[0]
    await EventStore(pool).append([first], sender="dpi-gateway")

    row = await pool.fetchrow("SELECT * FROM events WHERE event_id = $1", first.event_id)
    assert (row["patient_ref"], row["type"], row["occurred_on"], row["source"], row["sender"]) == (
        patient_ref, "diagnosis_recorded", first.occurred_on, "dpi-marseille", "dpi-gateway")
    assert row["received_at"] is not None
    assert await EventStore(pool).stored_payload(first.event_id) == first.model_dump(mode="json")


async def test_an_unknown_event_has_no_stored_payload(pool):
    assert await EventStore(pool).stored_payload("never-sent") is None


async def test_another_patients_events_are_not_returned(pool, patient_ref):
    store = EventStore(pool)
    await store.append(history(patient_ref))
    await store.append(history(f"{patient_ref}-other"))

    assert {e.patient_ref for e in await store.for_patient(patient_ref)} == {patient_ref}
    assert await store.for_patient("nobody") == []


async def test_an_event_id_reused_with_other_content_is_refused_and_nothing_of_the_batch_is_stored(pool, patient_ref):
    store = EventStore(pool)
    original = event(patient_ref, "e-1", "edss_recorded", "2026-02-01", score=3.5)
    await store.append([original])
    changed = event(patient_ref, "e-1", "edss_recorded", "2026-02-01", score=5.0)
    new = event(patient_ref, "e-2", "edss_recorded", "2026-02-03", score=3.0)

    with pytest.raises(EventConflict, match="e-1"):
        await store.append([new, changed])

    assert await store.for_patient(patient_ref) == [original]


async def test_appending_nothing_stores_nothing(pool):
    assert await EventStore(pool).append([]) == 0
