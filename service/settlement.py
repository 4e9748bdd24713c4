"""Settling a patient's pathway from the event store: the one computation behind the
workflow's settle activity and behind a pathway that ended with no run to take its end.

Read every stored event of the patient, compute the plan at `now`, read what the reminder
log holds for its open obligations, choose the reminders due now (`domain.dispatch`), and
publish the plan to the read model together with the store position it covers and the
run that settled it, in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from contracts.pathway import PlanDigest
from domain.dispatch import DeliveryHistory, due_reminders, with_delivery_anomalies
from domain.plan import Plan
from domain.planner import compute_plan
from domain.settings import PathwaySettings
from service.digest import digest_of
from store.db import transaction
from store.event_store import EventStore
from store.read_model import ReadModel
from store.reminder_log import ReminderLog


class Settlement:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._events = EventStore(pool)
        self._reminders = ReminderLog(pool)

    async def plan(self, patient_ref: str, as_of: date | datetime, settings: PathwaySettings,
                   now: datetime | None = None) -> tuple[Plan, int, int]:
        """The plan of every stored event as of a date (the start of that day) or an aware
        instant, with the store position and the number of events it covers. With `now`, the
        reminders undelivered at that instant show as anomalies (the live view)."""
        events, seq = await self._events.events_after(patient_ref)
        plan = compute_plan(patient_ref, events, as_of, settings)
        if now is not None:
            plan, _ = await self._with_deliveries(plan, now, settings, seq)
        return plan, seq, len(events)

    async def settle(self, patient_ref: str, now: datetime, settings: PathwaySettings,
                     run_id: str | None) -> PlanDigest:
        """Plan, reminders due now, and the read model written; `run_id` is recorded as the run
        that settled (None: settled without a run, e.g. a pathway that ended)."""
        events, seq = await self._events.events_after(patient_ref)
        plan, reminders = await self._with_deliveries(compute_plan(patient_ref, events, now, settings), now,
                                                      settings, seq)
        if events:
            async with transaction(self._pool) as conn:
                await ReadModel.upsert_plan_in(conn, plan, seq)
                await EventStore.record_settled_in(conn, patient_ref, seq, run_id)
        return digest_of(plan, seq, len(events), reminders)

    async def _with_deliveries(self, plan: Plan, now: datetime, settings: PathwaySettings, seq: int):
        open_ids = [o.id for o in plan.open_obligations() if o.reminders]
        history = DeliveryHistory.of(await self._reminders.delivery_records(plan.patient_ref, open_ids))
        plan = with_delivery_anomalies(plan, now, history)
        reminders = () if plan.ended else due_reminders(plan, now, history, settings, seq)
        return plan, reminders
