"""The digest outbox and log (migration 0009): one digest per (recipient, day), created once with
its Message-ID; items attached unless it went out; what comes after waits for the next day;
an undelivered digest's items go into the next day's; the reminder log follows."""

from datetime import UTC, date, datetime

from domain.dispatch import ReminderMessage
from domain.plan import Recipient
from store.digests import DigestStore, digest_id_for
from store.reminder_log import ReminderLog

TODAY, TOMORROW = date(2026, 12, 1), date(2026, 12, 2)
NEURO, COORD = Recipient(role="neurologist", id="N12"), Recipient(role="crc_coordinator", id="C13")
RESOLVED = [{"role": "neurologist", "id": "N12", "address": "a.martin@example.org"}]


def item(patient_ref: str, n: int, recipients=(NEURO,)) -> ReminderMessage:
    return ReminderMessage(
        reminder_id=f"{patient_ref}-{n}", patient_ref=patient_ref, obligation_id=f"o{n}", rule="R1", kind="mri",
        step="heads_up", due_on=date(2027, 1, 5), scheduled_at=datetime(2026, 12, 1, 7, tzinfo=UTC),
        escalated=False, recipients=recipients, centre=f"C-{patient_ref}", mode="digest")


def message_id(digest_id: str) -> str:
    return f"<digest-{digest_id}@test.invalid>"


async def test_a_digest_is_created_once_per_recipient_and_day_with_a_deterministic_message_id(pool, patient_ref):
    store = DigestStore(pool)
    centre = f"C-{patient_ref}"
    for n in (1, 2):
        await store.queue(item(patient_ref, n, (NEURO, COORD)), RESOLVED, f"<reminder-{n}>")
        await store.queue(item(patient_ref, n, (NEURO, COORD)), RESOLVED, f"<reminder-{n}>")  # queued twice: once

    first = await store.prepare([centre], TODAY, message_id)
    again = await store.prepare([centre], TODAY, message_id)

    assert [(d.row.role, len(d.messages)) for d in first] == [("crc_coordinator", 2), ("neurologist", 2)]
    assert [d.row.digest_id for d in again] == [d.row.digest_id for d in first]
    neuro = next(d.row for d in first if d.row.role == "neurologist")
    assert neuro.digest_id == digest_id_for(centre, "neurologist", "N12", TODAY)
    assert neuro.message_id == message_id(neuro.digest_id) and neuro.status == "pending"
    assert {r.status for r in await ReminderLog(pool).history(patient_ref)} == {"queued"}


async def test_after_the_days_digest_went_out_new_items_wait_for_tomorrows(pool, patient_ref):
    store, centre = DigestStore(pool), f"C-{patient_ref}"
    await store.queue(item(patient_ref, 1), RESOLVED, "<reminder-1>")
    [today] = await store.prepare([centre], TODAY, message_id)
    await store.mark_sent(today.row.digest_id)

    await store.queue(item(patient_ref, 2), RESOLVED, "<reminder-2>")

    assert await store.prepare([centre], TODAY, message_id) == [], "one e-mail per recipient a day"
    [tomorrow] = await store.prepare([centre], TOMORROW, message_id)
    assert [m.reminder_id for m in tomorrow.messages] == [f"{patient_ref}-2"]
    rows = {r.reminder_id: r for r in await ReminderLog(pool).history(patient_ref)}
    assert (rows[f"{patient_ref}-1"].status, rows[f"{patient_ref}-1"].digest_id) == ("sent", today.row.digest_id)
    assert rows[f"{patient_ref}-2"].status == "queued"


async def test_a_reminder_to_two_recipients_is_sent_once_both_digests_are(pool, patient_ref):
    store, centre = DigestStore(pool), f"C-{patient_ref}"
    await store.queue(item(patient_ref, 1, (NEURO, COORD)), RESOLVED, "<reminder-1>")
    coordinator, neurologist = await store.prepare([centre], TODAY, message_id)

    await store.mark_sent(neurologist.row.digest_id)
    [row] = await ReminderLog(pool).history(patient_ref)
    assert row.status == "queued", "the coordinator's digest has not gone out yet"
    await store.mark_sent(coordinator.row.digest_id)
    [row] = await ReminderLog(pool).history(patient_ref)
    assert row.status == "sent"


async def test_an_undelivered_digest_shows_on_the_reminder_log_and_its_items_go_into_the_next_days(pool, patient_ref):
    store, centre = DigestStore(pool), f"C-{patient_ref}"
    await store.queue(item(patient_ref, 1), RESOLVED, "<reminder-1>")
    [today] = await store.prepare([centre], TODAY, message_id)

    marked = await store.mark_undelivered(today.row.digest_id, "failed", "550 mailbox unavailable")

    assert (marked.status, marked.attempts, marked.last_error) == ("failed", 1, "550 mailbox unavailable")
    [row] = await ReminderLog(pool).history(patient_ref)
    assert (row.status, row.last_error) == ("failed", "550 mailbox unavailable")
    [tomorrow] = await store.prepare([centre], TOMORROW, message_id)
    assert [m.reminder_id for m in tomorrow.messages] == [f"{patient_ref}-1"]
    assert tomorrow.row.digest_id != today.row.digest_id
