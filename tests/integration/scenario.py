"""A patient's pathway driven through virtual time on the real server.

`advance_to(day)` fast-forwards the workflow's own clock to noon (centre time) of a
clinical date, after that day's 08:00 reminders; `record(type, **fields)` sends an
event dated today (virtual) through the same gateway the CLI uses.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.events import parse_event
from domain.plan import Plan
from domain.planner import local_date
from tests.support.waiting import eventually
from workflows.gateway import fetch_plan, fetch_sent_reminders, submit_events
from workflows.messages import PlanSummary, SentReminder, workflow_id_for
from workflows.patient_pathway import PatientPathwayWorkflow

PARIS = ZoneInfo("Europe/Paris")


class Scenario:
    def __init__(self, env: WorkflowEnvironment, running, patient_ref: str) -> None:
        self.env = env
        self.client = running.client
        self.task_queue = running.task_queue
        self.notifier = running.notifier
        self.timeouts = getattr(running, "timeouts", None)
        self.patient_ref = patient_ref
        self._ids = count(1)
        self._handle: WorkflowHandle | None = None

    @property
    def handle(self) -> WorkflowHandle:
        if self._handle is None:
            self._handle = self.client.get_workflow_handle_for(PatientPathwayWorkflow.run, workflow_id_for(self.patient_ref))
        return self._handle

    async def today(self) -> date:
        if self._handle is None:
            return local_date(datetime.now(PARIS))
        return local_date(await self.env.get_current_time(self.handle))

    def event(self, type_: str, on: date, **fields):
        return parse_event(dict(event_id=f"{self.patient_ref}-{next(self._ids)}", patient_ref=self.patient_ref,
                                type=type_, occurred_on=on.isoformat(), **fields))

    async def record(self, type_: str, on: date | None = None, **fields) -> PlanSummary:
        return await self.record_all([(type_, fields)], on)

    async def record_all(self, items: list[tuple[str, dict]], on: date | None = None) -> PlanSummary:
        day = on or await self.today()
        events = [self.event(t, day, **f) for t, f in items]
        return await submit_events(self.client, self.patient_ref, events, task_queue=self.task_queue,
                                   timeouts=self.timeouts)

    async def advance_to(self, day: date) -> None:
        target = datetime.combine(day, time(12, 0), tzinfo=PARIS)
        now = await self.env.get_current_time(self.handle)
        if target <= now:
            raise AssertionError(f"cannot go back in time to {day} (virtual now {now})")
        await self.env.fast_forward(self.handle, target - now)
        await self._settle()

    async def _settle(self) -> None:
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
        return await fetch_plan(self.client, self.patient_ref, as_of or await self.today())

    async def sent(self) -> list[SentReminder]:
        return await fetch_sent_reminders(self.client, self.patient_ref)

    def received(self) -> list[tuple[str, str, str, date]]:
        """(rule, kind, step, scheduled date) of every delivery, in order."""
        return [(m.rule, m.kind, m.step, m.scheduled_at.astimezone(PARIS).date())
                for m in self.notifier.received if m.patient_ref == self.patient_ref]


def days(n: int) -> timedelta:
    return timedelta(days=n)
