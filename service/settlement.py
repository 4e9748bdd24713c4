"""Settling a patient's pathway from the event store: the one computation behind the
workflow's settle activity and behind a pathway that ended with no run to take its end.

Read every stored event of the patient, find its ruleset (its centre's, `domain.ruleset`),
compute the plan at `now`, read what the reminder log holds for its open obligations,
choose the reminders due now (`domain.dispatch`), and publish the plan to the read model
together with the store position it covers and the run that settled it, in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from contracts.pathway import PlanDigest
from domain.dispatch import DeliveryHistory, ReminderMessage, due_reminders, with_delivery_anomalies
from domain.history import centre_of
from domain.plan import Plan
from domain.planner import compute_plan
from domain.ruleset import Ruleset, RulesetRegistry
from service.digest import digest_of
from store.db import transaction
from store.event_store import EventStore
from store.read_model import ReadModel
from store.reminder_log import ReminderLog


class Settlement:
    def __init__(self, pool: asyncpg.Pool, rulesets: RulesetRegistry) -> None:
        self._pool = pool
        self._events = EventStore(pool)
        self._reminders = ReminderLog(pool)
        self.rulesets = rulesets

    async def ruleset_of(self, patient_ref: str) -> Ruleset:
        """The ruleset the patient's stored events put it under (its centre's, else the default)."""
        events, _ = await self._events.events_after(patient_ref)
        return self.rulesets.for_centre(centre_of(events))

    async def plan(self, patient_ref: str, as_of: date | datetime, now: datetime | None = None,
                   ruleset: Ruleset | None = None) -> tuple[Plan, int, int]:
        """The plan of every stored event as of a date (the start of that day) or an aware
        instant, under the patient's ruleset (or `ruleset`, for a preview), with the store
        position and the number of events it covers. With `now`, the reminders undelivered at
        that instant show as anomalies (the live view)."""
        events, seq = await self._events.events_after(patient_ref)
        ruleset = ruleset or self.rulesets.for_centre(centre_of(events))
        plan = compute_plan(patient_ref, events, as_of, ruleset)
        if now is not None:
            plan, _ = await self._with_deliveries(plan, now, ruleset, seq)
        return plan, seq, len(events)

    async def settle(self, patient_ref: str, now: datetime, run_id: str | None) -> PlanDigest:
        """Plan, reminders due now, and the read model written; `run_id` is recorded as the run
        that settled (None: settled without a run, e.g. a pathway that ended)."""
        events, seq, imported_at = await self._events.events_and_first_receipt(patient_ref)
        ruleset = self.rulesets.for_centre(centre_of(events))
        plan, reminders = await self._with_deliveries(compute_plan(patient_ref, events, now, ruleset), now,
                                                      ruleset, seq, imported_at)
        if events:
            async with transaction(self._pool) as conn:
                await ReadModel.upsert_plan_in(conn, plan, seq)
                await EventStore.record_settled_in(conn, patient_ref, seq, run_id)
        return digest_of(plan, seq, len(events), reminders)

    async def _with_deliveries(self, plan: Plan, now: datetime, ruleset: Ruleset, seq: int,
                               imported_at: datetime | None = None) -> tuple[Plan, tuple[ReminderMessage, ...]]:
        open_ids = [o.id for o in plan.open_obligations() if o.reminders]
        history = DeliveryHistory.of(await self._reminders.delivery_records(plan.patient_ref, open_ids))
        plan = with_delivery_anomalies(plan, now, history)
        reminders = () if plan.ended else due_reminders(plan, now, history, ruleset, seq, imported_at)
        return plan, reminders
