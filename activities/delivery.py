"""Staff delivery: each reminder is recorded in PostgreSQL, then handed to every channel.

At-least-once and deduplicated: a channel's row is claimed before sending and marked
sent after; a retried activity finds it sent and sends nothing more. If the worker
dies between the channel's acceptance and the record, the one resend carries the same
Message-ID (e-mail) or Idempotency-Key (webhook), so it can be dropped downstream.
A retryable failure is raised for Temporal to retry with backoff; a permanent one is
recorded as `failed` and stays visible on the reminder log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from delivery.email import message_id_for
from delivery.errors import DeliveryFailed
from pathway_runtime.metrics import REMINDERS_ALREADY_SENT, REMINDERS_FAILED, REMINDERS_SENT
from store.directory import Directory
from store.reminder_log import ReminderLog
from workflows.messages import ReminderMessage


class Channel(Protocol):
    name: str

    async def send(self, message: ReminderMessage, to: list[str]) -> str: ...


class StaffDelivery:
    """A `Notifier` (activities/notifications.py) backed by the reminder log and real channels."""

    def __init__(self, log: ReminderLog, directory: Directory, channels: Sequence[Channel],
                 message_id_domain: str) -> None:
        self._log = log
        self._directory = directory
        self._channels = channels
        self._domain = message_id_domain
        self._logger = structlog.get_logger("delivery")

    async def send(self, message: ReminderMessage) -> None:
        recipients = await self._directory.addresses(message.recipients)
        for channel in self._channels:
            await self._deliver(channel, message, recipients)

    def delivery_id(self, channel: Channel, message: ReminderMessage) -> str:
        return message_id_for(message.reminder_id, self._domain) if channel.name == "email" else message.reminder_id

    async def _deliver(self, channel: Channel, message: ReminderMessage, recipients: list[dict]) -> None:
        row = await self._log.claim(message, channel.name, recipients, self.delivery_id(channel, message))
        if row.status == "sent":
            REMINDERS_ALREADY_SENT.labels(channel.name).inc()
            await self._logger.ainfo("already sent", channel=channel.name)
            return
        to = [r["address"] for r in recipients if r.get("address")]
        if activity.in_activity():
            activity.heartbeat(channel.name)
        try:
            await channel.send(message, to)
        except DeliveryFailed as failure:
            await self._log.mark_failed(message.reminder_id, channel.name, failure.reason)
            REMINDERS_FAILED.labels(channel.name, str(failure.retryable).lower()).inc()
            await self._logger.awarning("delivery failed", channel=channel.name, retryable=failure.retryable,
                                        reason=failure.reason)
            if failure.retryable:
                raise ApplicationError(str(failure), type="DeliveryFailed") from None
            return
        await self._log.mark_sent(message.reminder_id, channel.name)
        REMINDERS_SENT.labels(channel.name).inc()
        await self._logger.ainfo("delivered", channel=channel.name, recipients=len(to))
