"""Reminder delivery behind a small notifier interface.

The one channel for now writes a structured JSON line per reminder on the worker's
log; PostgreSQL and e-mail channels plug in behind the same `Notifier` protocol.
"""

from __future__ import annotations

from typing import Protocol

import structlog
from temporalio import activity

from activities.failures import retryable_database_failures
from workflows.messages import ReminderMessage


class Notifier(Protocol):
    async def send(self, message: ReminderMessage) -> None:
        """Deliver one reminder; `message.reminder_id` is the idempotency key."""


class LogNotifier:
    """One JSON line per reminder: identifiers, rule, dates and recipients only."""

    def __init__(self, logger: structlog.typing.FilteringBoundLogger | None = None) -> None:
        self._log = logger or structlog.get_logger("reminders")

    async def send(self, message: ReminderMessage) -> None:
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


class NotificationActivities:
    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    @activity.defn(name="send_reminder")
    async def send_reminder(self, message: ReminderMessage) -> None:
        info = activity.info()
        with structlog.contextvars.bound_contextvars(
            patient_ref=message.patient_ref, workflow_id=info.workflow_id, reminder_id=message.reminder_id
        ), retryable_database_failures():
            await self._notifier.send(message)


class LogChannel:
    """The log line as a delivery channel, for a stack with no SMTP server or webhook."""

    name = "log"

    def __init__(self) -> None:
        self._notifier = LogNotifier()

    async def send(self, message: ReminderMessage, to: list[str]) -> str:
        await self._notifier.send(message)
        return message.reminder_id
