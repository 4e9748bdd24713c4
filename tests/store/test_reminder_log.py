from datetime import UTC, date, datetime

import pytest

from domain.dispatch import ReminderMessage
from domain.plan import Recipient
from store.db import StoreError
from store.reminder_log import MAX_ERROR_CHARS, ReminderLog
from store.worklist import Worklist

RECIPIENTS = [{"role": "neurologist", "id": "N12", "address": "a.martin@example.org"}]


def reminder(patient_ref: str, step: str = "due", scheduled_at: datetime = datetime(2026, 9, 1, 7, tzinfo=UTC),
             obligation_id: str = "mri-1") -> ReminderMessage:
    return ReminderMessage(
        reminder_id=f"{patient_ref}:{obligation_id}:{step}", patient_ref=patient_ref, obligation_id=obligation_id,
        rule="R18", kind="mri", step=step, due_on=date(2026, 9, 1), scheduled_at=scheduled_at,
        escalated=step == "overdue_1", recipients=(Recipient(role="neurologist", id="N12"),),
    )


async def test_a_claim_creates_one_pending_row_with_the_message(pool, patient_ref):
    message = reminder(patient_ref)

    row = await ReminderLog(pool).claim(message, "email", RECIPIENTS, "<r1@pathway.example.org>")

    assert (row.reminder_id, row.channel, row.status, row.attempts, row.last_error, row.sent_at) == (
        message.reminder_id, "email", "pending", 0, None, None)
    assert (row.patient_ref, row.obligation_id, row.rule, row.kind, row.step, row.due_on, row.scheduled_at) == (
        patient_ref, "mri-1", "R18", "mri", "due", date(2026, 9, 1), message.scheduled_at)
    assert row.recipients == RECIPIENTS
    assert row.message_id == "<r1@pathway.example.org>"
    assert not row.is_sent


async def test_claiming_again_returns_the_stored_row_and_keeps_its_message_id(pool, patient_ref):
    log, message = ReminderLog(pool), reminder(patient_ref)
    await log.claim(message, "email", RECIPIENTS, "<first@example.org>")
    await log.mark_failed(message.reminder_id, "email", "smtp down")

    again = await log.claim(message, "email", [], "<second@example.org>")

    # The Message-ID, status and attempts stay; who it goes to is refreshed until it is sent.
    assert (again.message_id, again.status, again.attempts, again.recipients) == (
        "<first@example.org>", "failed", 1, [])
    assert await pool.fetchval("SELECT count(*) FROM reminders") == 1


async def test_each_channel_has_its_own_row(pool, patient_ref):
    log, message = ReminderLog(pool), reminder(patient_ref)
    await log.claim(message, "email", RECIPIENTS, "<m@example.org>")
    await log.claim(message, "webhook", RECIPIENTS, message.reminder_id)
    await log.mark_sent(message.reminder_id, "webhook")

    assert {(r.channel, r.status) for r in await log.history(patient_ref)} == {("email", "pending"), ("webhook", "sent")}


async def test_a_failure_counts_an_attempt_and_keeps_a_truncated_error(pool, patient_ref):
    log, message = ReminderLog(pool), reminder(patient_ref)
    await log.claim(message, "email", RECIPIENTS, "<m@example.org>")

    await log.mark_failed(message.reminder_id, "email", "first")
    row = await log.mark_failed(message.reminder_id, "email", "x" * 2000)

    assert (row.status, row.attempts, row.last_error) == ("failed", 2, "x" * MAX_ERROR_CHARS)


async def test_a_sent_reminder_stays_sent_whatever_is_reported_after(pool, patient_ref):
    log, message = ReminderLog(pool), reminder(patient_ref)
    await log.claim(message, "email", RECIPIENTS, "<m@example.org>")
    await log.mark_failed(message.reminder_id, "email", "timeout")

    sent = await log.mark_sent(message.reminder_id, "email")
    assert (sent.status, sent.attempts, sent.last_error, sent.is_sent) == ("sent", 2, "timeout", True)
    assert sent.sent_at is not None

    assert await log.mark_sent(message.reminder_id, "email") == sent
    assert await log.mark_failed(message.reminder_id, "email", "late failure") == sent
    assert (await log.claim(message, "email", RECIPIENTS, "<other@example.org>")).is_sent


async def test_marking_a_reminder_never_claimed_is_refused(pool):
    with pytest.raises(StoreError, match="never-claimed"):
        await ReminderLog(pool).mark_sent("never-claimed", "email")


async def test_an_unknown_channel_is_refused(pool, patient_ref):
    with pytest.raises(StoreError, match="sms"):
        await ReminderLog(pool).claim(reminder(patient_ref), "sms", RECIPIENTS, "id")


async def test_history_lists_a_patients_reminders_by_scheduled_time(pool, patient_ref):
    log = ReminderLog(pool)
    later = reminder(patient_ref, "overdue_1", datetime(2026, 10, 1, 7, tzinfo=UTC))
    earlier = reminder(patient_ref, "heads_up", datetime(2026, 8, 2, 7, tzinfo=UTC))
    for message in (later, earlier, reminder("someone-else")):
        await log.claim(message, "log", RECIPIENTS, message.reminder_id)

    rows = await log.history(patient_ref)

    assert [r.step for r in rows] == ["heads_up", "overdue_1"]
    assert [r.escalated for r in rows] == [False, True]
    assert [r.reminder_id for r in await Worklist(pool).reminder_history(patient_ref)] == [r.reminder_id for r in rows]
