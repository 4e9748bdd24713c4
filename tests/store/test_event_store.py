"""The event store, the system of record: appends all or nothing per patient, duplicates,
conflicts across patients, the end of follow-up in force, and the pathway's bookkeeping."""

import asyncio

import pytest

from domain.errors import PathwayEnded
from store.event_store import EventConflict, EventStore
from tests.support.events import event as support_event


def event(patient_ref: str, event_id: str, type_: str, occurred_on: str, **fields):
    return support_event(type_, occurred_on, patient_ref=patient_ref, event_id=event_id, **fields)


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


def ended(patient_ref: str, event_id: str = "end-1"):
    return event(patient_ref, event_id, "follow_up_ended", "2026-10-01", reason="deceased")


async def test_events_round_trip_equal_to_the_originals_in_receipt_order(pool, patient_ref):
    events = history(patient_ref)
    store = EventStore(pool)

    first = await store.append(patient_ref, events[:2])
    second = await store.append(patient_ref, events[2:])

    assert (len(first.accepted), len(second.accepted)) == (2, 4)
    assert await store.for_patient(patient_ref) == events
    record = await store.pathway(patient_ref)
    assert (record.events, record.ended_by, record.settled_seq) == (6, None, 0)
    assert record.stored_seq == second.record.stored_seq and record.unsettled


async def test_appending_the_same_events_again_stores_nothing_and_names_the_duplicates(pool, patient_ref):
    events = history(patient_ref)
    store = EventStore(pool)
    first = await store.append(patient_ref, events)

    again = await store.append(patient_ref, [*events[3:], *events[:3]])

    assert again.accepted == () and set(again.duplicates) == {e.event_id for e in events}
    assert again.record == first.record
    assert await pool.fetchval("SELECT count(*) FROM events WHERE patient_ref = $1", patient_ref) == len(events)


async def test_a_batch_with_some_known_events_stores_only_the_new_ones(pool, patient_ref):
    events = history(patient_ref)
    store = EventStore(pool)
    await store.append(patient_ref, events[:3])

    appended = await store.append(patient_ref, events)

    assert appended.accepted == tuple(e.event_id for e in events[3:])
    assert appended.duplicates == tuple(e.event_id for e in events[:3])
    assert await store.for_patient(patient_ref) == events


async def test_each_row_keeps_its_columns_sender_and_payload(pool, patient_ref):
    first = history(patient_ref)[0]
    await EventStore(pool).append(patient_ref, [first], sender="dpi-gateway")

    row = await pool.fetchrow("SELECT * FROM events WHERE event_id = $1", first.event_id)
    assert (row["patient_ref"], row["type"], row["occurred_on"], row["source"], row["sender"]) == (
        patient_ref, "diagnosis_recorded", first.occurred_on, "dpi-marseille", "dpi-gateway")
    assert row["received_at"] is not None and row["payload"] == first.model_dump(mode="json")


async def test_another_patients_events_are_not_returned(pool, patient_ref):
    store = EventStore(pool)
    await store.append(patient_ref, history(patient_ref))
    await store.append(f"{patient_ref}-other", history(f"{patient_ref}-other"))

    assert {e.patient_ref for e in await store.for_patient(patient_ref)} == {patient_ref}
    assert await store.for_patient("nobody") == [] and await store.pathway("nobody") is None


async def test_events_after_a_position_are_the_later_ones_only(pool, patient_ref):
    events = history(patient_ref)
    store = EventStore(pool)
    first = await store.append(patient_ref, events[:4])
    await store.append(patient_ref, events[4:])

    later, last = await store.events_after(patient_ref, first.record.stored_seq)

    assert later == events[4:] and last == (await store.pathway(patient_ref)).stored_seq
    assert await store.events_after(patient_ref, last) == ([], last)


async def test_an_event_id_reused_with_other_content_is_refused_and_nothing_of_the_batch_is_stored(pool, patient_ref):
    store = EventStore(pool)
    original = event(patient_ref, f"{patient_ref}-e1", "edss_recorded", "2026-02-01", score=3.5)
    await store.append(patient_ref, [original])
    changed = event(patient_ref, f"{patient_ref}-e1", "edss_recorded", "2026-02-01", score=5.0)
    new = event(patient_ref, f"{patient_ref}-e2", "edss_recorded", "2026-02-03", score=3.0)

    with pytest.raises(EventConflict, match=f"{patient_ref}-e1") as refused:
        await store.append(patient_ref, [new, changed])

    assert [(c.event_id, c.other_patient) for c in refused.value.conflicts] == [(f"{patient_ref}-e1", False)]
    assert await store.for_patient(patient_ref) == [original]


async def test_an_event_id_of_another_patient_is_refused_for_this_one(pool, patient_ref):
    store = EventStore(pool)
    theirs = event(f"{patient_ref}-b", "shared-id", "edss_recorded", "2026-02-01", score=3.5)
    await store.append(theirs.patient_ref, [theirs])
    mine = event(patient_ref, "shared-id", "edss_recorded", "2026-02-01", score=3.5)

    with pytest.raises(EventConflict) as refused:
        await store.append(patient_ref, [mine])

    assert [(c.event_id, c.other_patient) for c in refused.value.conflicts] == [("shared-id", True)]
    assert await store.pathway(patient_ref) is None or (await store.pathway(patient_ref)).events == 0


async def test_the_same_id_sent_for_two_patients_at_once_is_stored_for_one_only(pool, patient_ref):
    store = EventStore(pool)
    a = event(f"{patient_ref}-a", "raced-id", "edss_recorded", "2026-02-01", score=1.0)
    b = event(f"{patient_ref}-b", "raced-id", "edss_recorded", "2026-02-01", score=1.0)

    results = await asyncio.gather(store.append(a.patient_ref, [a]), store.append(b.patient_ref, [b]),
                                   return_exceptions=True)

    assert sorted(type(r).__name__ for r in results) == ["Appended", "EventConflict"]
    assert await pool.fetchval("SELECT count(*) FROM events WHERE event_id = 'raced-id'") == 1


async def test_twenty_identical_appends_at_once_accept_the_events_exactly_once(pool, patient_ref):
    events = history(patient_ref)
    store = EventStore(pool)

    results = await asyncio.gather(*(store.append(patient_ref, events) for _ in range(20)))

    assert sum(1 for r in results if r.accepted) == 1
    assert all(r.duplicates == tuple(e.event_id for e in events) for r in results if not r.accepted)
    assert (await store.pathway(patient_ref)).events == len(events)


async def test_after_the_end_every_other_event_is_refused_in_the_same_batch_as_later(pool, patient_ref):
    store = EventStore(pool)
    base = history(patient_ref)[:2]
    late = event(patient_ref, f"{patient_ref}-late", "edss_recorded", "2026-10-02", score=2.0)

    with pytest.raises(PathwayEnded, match="has ended"):
        await store.append(patient_ref, [*base, ended(patient_ref), late])
    assert await store.for_patient(patient_ref) == []

    appended = await store.append(patient_ref, [*base, ended(patient_ref)])
    assert appended.record.ended_by == "end-1"
    with pytest.raises(PathwayEnded):
        await store.append(patient_ref, [late])
    again = await store.append(patient_ref, [ended(patient_ref)])  # a resend of the end itself
    assert again.duplicates == ("end-1",) and again.record.ended_by == "end-1"


async def test_the_retraction_of_the_end_reopens_the_pathway_and_says_so(pool, patient_ref):
    store = EventStore(pool)
    await store.append(patient_ref, [*history(patient_ref)[:2], ended(patient_ref)])
    retraction = event(patient_ref, f"{patient_ref}-undo", "event_retracted", "2026-10-05", retracted_event_id="end-1")
    late = event(patient_ref, f"{patient_ref}-late", "edss_recorded", "2026-10-06", score=2.0)

    appended = await store.append(patient_ref, [retraction, late])

    assert appended.record.ended_by is None and appended.reopened_by == retraction.event_id
    assert appended.accepted == (retraction.event_id, late.event_id)


async def test_appending_nothing_stores_nothing(pool, patient_ref):
    appended = await EventStore(pool).append(patient_ref, [])
    assert appended.accepted == () and appended.record.events == 0
