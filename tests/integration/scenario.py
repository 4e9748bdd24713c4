"""A patient's pathway driven through virtual time on the real server.

`advance_to(day)` fast-forwards the workflow's own clock to noon (centre time) of a
clinical date, after that day's 08:00 reminders; `record(type, **fields)` records an event
dated today (virtual) through the same intake as the API and the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from contracts.pathway import PlanSummary, workflow_id_for
from domain.plan import Plan, Recipient
from domain.planner import local_date
from service.intake import record_patient
from service.settlement import Settlement
from store.reminder_log import ReminderLog
from tests.support.events import event
from tests.support.temporal import move_to_reminder_time
from tests.support.waiting import eventually

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Sent:
    """A reminder sent, as the recording channel saw it: the workflow's time of the send."""

    reminder_id: str
    rule: str
    kind: str
    step: str
    due_on: date
    scheduled_at: datetime
    sent_at: datetime
    escalated: bool
    recipients: tuple[Recipient, ...]


class Scenario:
    def __init__(self, env: WorkflowEnvironment, running, patient_ref: str) -> None:
        self.env = env
        self.running = running
        self.client = running.client
        self.task_queue = running.task_queue
        self.notifier = running.notifier
        self.patient_ref = patient_ref
        self._ids = count(1)

    @property
    def handle(self) -> WorkflowHandle:
        return self.client.get_workflow_handle(workflow_id_for(self.patient_ref), result_type=PlanSummary)

    async def now(self) -> datetime:
        """The workflow's virtual time (real time before it exists)."""
        try:
            return await self.env.get_current_time(self.handle)
        except RPCError:
            return datetime.now(PARIS)

    async def today(self) -> date:
        return local_date(await self.now())

    def event(self, type_: str, on: date, **fields):
        return event(type_, on, patient_ref=self.patient_ref, event_id=f"{self.patient_ref}-{next(self._ids)}",
                     **fields)

    async def record(self, type_: str, on: date | None = None, **fields) -> PlanSummary:
        return await self.record_all([(type_, fields)], on)

    async def record_all(self, items: list[tuple[str, dict]], on: date | None = None) -> PlanSummary:
        now = await self.now()
        day = on or local_date(now)
        events = [self.event(t, day, **f) for t, f in items]
        return await self.record_events(events, now)

    async def record_events(self, events, now: datetime | None = None) -> PlanSummary:
        started = await self.started()
        at = now or await self.now()
        recorded = await record_patient(self.running.intake(clock=lambda: at), self.patient_ref, events, "test")
        if not started:
            await move_to_reminder_time(self.env, self.handle)
        return recorded.summary

    async def started(self) -> bool:
        try:
            await self.handle.describe()
        except RPCError:
            return False
        return True

    async def advance_to(self, day: date) -> None:
        target = datetime.combine(day, time(12, 0), tzinfo=PARIS)
        now = await self.env.get_current_time(self.handle)
        if target <= now:
            raise AssertionError(f"cannot go back in time to {day} (virtual now {now})")
        await self.env.fast_forward(self.handle, target - now)
        await self.settle()

    async def settle(self) -> None:
        """Wait until the workflow is idle (no activity, no workflow task pending, twice in
        a row): the reminders and writes its last wake-up started have finished."""
        idle_in_a_row = 0

        async def pending() -> dict:
            raw = (await self.handle.describe()).raw_description
            return {"activities": [a.activity_type.name for a in raw.pending_activities],
                    "workflow_task": raw.HasField("pending_workflow_task")}

        def idle_twice(state: dict) -> bool:
            nonlocal idle_in_a_row
            busy = bool(state["activities"]) or state["workflow_task"]
            idle_in_a_row = 0 if busy else idle_in_a_row + 1
            return idle_in_a_row == 2

        await eventually(pending, idle_twice, interval_s=0.05,
                         what=f"{self.handle.id} idle (nothing pending, twice in a row)")

    async def plan(self, as_of: date | None = None) -> Plan:
        """The plan of the stored events (the system of record) on a day (default: virtual today)."""
        plan, _, _ = await Settlement(self.running.pool, self.running.rulesets).plan(
            self.patient_ref, as_of or await self.today())
        return plan

    async def sent(self) -> list[Sent]:
        """Reminders delivered, in order, with the workflow's time of each send."""
        return [Sent(m.reminder_id, m.rule, m.kind, m.step, m.due_on, m.scheduled_at, at, m.escalated, m.recipients)
                for m, at in zip(self.notifier.received, self.notifier.sent_at) if m.patient_ref == self.patient_ref]

    async def logged(self):
        """The reminder log's rows for this patient."""
        return await ReminderLog(self.running.pool).history(self.patient_ref)

    def received(self) -> list[tuple[str, str, str, date]]:
        """(rule, kind, step, scheduled date) of every delivery, in order."""
        return [(m.rule, m.kind, m.step, m.scheduled_at.astimezone(PARIS).date())
                for m in self.notifier.received if m.patient_ref == self.patient_ref]


def days(n: int) -> timedelta:
    return timedelta(days=n)
