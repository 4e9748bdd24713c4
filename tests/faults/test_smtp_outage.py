"""The SMTP relay refusing (451) for over an hour of virtual time, with the production
retry policy of deliveries (from 5 s, doubling, at most 30 min apart): the reminders are
retried with backoff, not hammered, and each is delivered once when the relay accepts again."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from contracts.pathway import PathwayTimings
from store.reminder_log import ReminderLog
from tests.faults.support import delivery_attempts, delivery_spans
from tests.integration.scenario import Scenario
from tests.integration.staff_stack import staff_stack
from tests.support.waiting import eventually

CARE_TEAM = ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"})
# Started without validation, MRI or ETP assessment: R8, R11 and R15 are due at once.
UNPREPARED_START = [("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}), CARE_TEAM,
                    ("treatment_started", {"molecule": "natalizumab"})]
OUTAGE = timedelta(hours=1, minutes=5)
PRODUCTION = PathwayTimings(quiet_seconds=0)
"""The production retry policy of deliveries (the quiet period is not what this test is about)."""


def attempt_times(timeouts: PathwayTimings, until: timedelta) -> list[timedelta]:
    """When a delivery failing from time 0 is attempted: the retry interval starts at
    `retry_initial_seconds` and doubles up to `retry_maximum_seconds` (the workflow's policy)."""
    times, at, interval = [], 0.0, timeouts.retry_initial_seconds
    while at <= until.total_seconds():
        times.append(timedelta(seconds=at))
        at += interval
        interval = min(interval * 2, timeouts.retry_maximum_seconds)
    return times


# 0, 5, 15, 35, 75 s ... 2555 s: 10 attempts within the outage; the 11th, at 4355 s, after it.
IN_THE_OUTAGE = attempt_times(PRODUCTION, OUTAGE)


async def test_smtp_refusing_for_an_hour_retries_with_backoff_then_delivers_each_reminder_once(env, pool, patient_ref):
    async with staff_stack(env.client, pool, timings=PRODUCTION) as stack:
        stack.catcher.refuse(451)
        s = Scenario(env, stack, patient_ref)
        await s.record_all(UNPREPARED_START)
        await eventually(lambda: _rows(pool, patient_ref, "failed"), what="the first refusals")
        began = await env.get_current_time(s.handle)

        await env.fast_forward(s.handle, OUTAGE)
        refused = await ReminderLog(pool).history(patient_ref)
        assert await env.get_current_time(s.handle) - began >= OUTAGE
        assert stack.catcher.received == []

        accepted_at = await env.get_current_time(s.handle)
        stack.catcher.accept()
        await env.fast_forward(s.handle, timedelta(seconds=PRODUCTION.retry_maximum_seconds + 300))
        sent = await eventually(lambda: _rows(pool, patient_ref, "sent"), what="the deliveries after the outage")
        await s.settle()
        attempts = await delivery_attempts(s.handle)
        spans = await delivery_spans(s.handle)

    assert all(r.status == "failed" and "451" in r.last_error for r in refused)
    assert [r.attempts for r in refused] == [len(IN_THE_OUTAGE)] * 3, "retried on the backoff schedule, not hammered"
    assert [r.attempts for r in sent] == [len(IN_THE_OUTAGE) + 1] * 3, "one more attempt: the send"
    assert attempts == [len(IN_THE_OUTAGE) + 1] * 3, "Temporal's count of each delivery's attempts agrees"
    assert Counter(m["Message-ID"] for m in stack.catcher.messages) == Counter({r.message_id: 1 for r in sent})
    assert len(spans) == 3
    # Sent by the first retry once the SMTP server accepts again: after it does, and within one
    # maximum retry interval of it (virtual time). Not an exact instant: the test sees the
    # first refusals, and the end of the outage, after real seconds the virtual clock counts too.
    window = timedelta(seconds=PRODUCTION.retry_maximum_seconds)
    assert all(accepted_at < completed <= accepted_at + window for _, completed in spans), \
        f"sent at the first retry after the outage: {[c - accepted_at for _, c in spans]} after it ended"


async def _rows(pool, patient_ref: str, status: str):
    rows = await ReminderLog(pool).history(patient_ref)
    return rows if len(rows) == 3 and all(r.status == status for r in rows) else None
