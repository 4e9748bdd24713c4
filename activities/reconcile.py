"""The reconcile activity (`service.reconcile`), heartbeating its progress: the number of
pathways checked so far."""

from __future__ import annotations

from temporalio import activity

from activities.failures import retryable_database_failures
from contracts.pathway import RECONCILE_ACTIVITY, ReconcileReport
from service.handoff import Handoff
from service.reconcile import reconcile
from store.event_store import EventStore
from store.reminder_log import ReminderLog


class ReconcileActivities:
    def __init__(self, handoff: Handoff, events: EventStore, reminders: ReminderLog) -> None:
        self._handoff = handoff
        self._events = events
        self._reminders = reminders

    @activity.defn(name=RECONCILE_ACTIVITY)
    async def reconcile(self) -> ReconcileReport:
        with retryable_database_failures():
            return await reconcile(self._handoff, self._events, self._reminders,
                                   progress=lambda checked: activity.heartbeat(checked))
