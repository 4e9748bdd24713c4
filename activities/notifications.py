"""The reminder activity: checks that the plan a reminder came from is still the latest,
then hands it to the notifier (in production `StaffDelivery`: the reminder log and the
channels). A `LogChannel` writes one JSON line per reminder, for a stack with no SMTP
server or webhook."""

from __future__ import annotations

from typing import Protocol

import structlog
from temporalio import activity

from activities.failures import retryable_database_failures
from contracts.pathway import SEND_REMINDER_ACTIVITY, SendOutcome
from domain.dispatch import ReminderMessage
from service.metrics import REMINDERS_STALE
from store.event_store import EventStore


class Notifier(Protocol):
    async def send(self, message: ReminderMessage) -> SendOutcome:
        """Deliver one reminder, recording it in the reminder log; `message.reminder_id` is the
        idempotency key."""


class NotificationActivities:
    def __init__(self, notifier: Notifier, events: EventStore) -> None:
        self._notifier = notifier
        self._events = events
        self._log = structlog.get_logger("reminders")

    @activity.defn(name=SEND_REMINDER_ACTIVITY)
    async def send_reminder(self, message: ReminderMessage) -> SendOutcome:
        """`stale` (nothing sent) when events were stored after the plan the reminder came from:
        the run settles again and decides anew. Otherwise what the notifier says."""
        info = activity.info()
        with structlog.contextvars.bound_contextvars(
            patient_ref=message.patient_ref, workflow_id=info.workflow_id, reminder_id=message.reminder_id
        ), retryable_database_failures():
            pathway = await self._events.pathway(message.patient_ref)
            if pathway is not None and pathway.stored_seq > message.based_on_seq:
                REMINDERS_STALE.inc()
                await self._log.ainfo("reminder stale: newer events stored", step=message.step)
                return "stale"
            return await self._notifier.send(message)


class LogChannel:
    """The log line as a delivery channel: identifiers, rule, dates and recipients only."""

    name = "log"

    def __init__(self, logger: structlog.typing.FilteringBoundLogger | None = None) -> None:
        self._log = logger or structlog.get_logger("reminders")

    async def send(self, message: ReminderMessage, to: list[str], content: object = None) -> str:
        """Logs identifiers only, never the rendered text (`content` is ignored)."""
        await self._log.ainfo(
            "reminder",
            reminder_id=message.reminder_id,
            patient_ref=message.patient_ref,
            obligation_id=message.obligation_id,
            rule=message.rule,
            kind=message.kind,
            step=message.step,
            due_on=message.due_on.isoformat(),
            scheduled_at=message.scheduled_at.isoformat(),
            escalated=message.escalated,
            recipients=[f"{r.role}:{r.id}" for r in message.recipients],
        )
        return message.reminder_id
