"""Staff delivery: each reminder is recorded in PostgreSQL, then handed to every channel, or,
by e-mail in `digest` mode, queued for the recipients' daily digest (`store.digests`).

At-least-once and deduplicated: a channel's row is claimed before sending and marked
sent after; a retried activity finds it sent and sends nothing more. If the worker
dies between the channel's acceptance and the record, the one resend carries the same
Message-ID (e-mail) or Idempotency-Key (webhook), so it can be dropped downstream.
A retryable failure is raised for Temporal to retry with backoff; a permanent one is
recorded as `failed`. A channel with nobody to send to (no address in the directory) marks
the reminder `waiting`: it stays undelivered and visible, and a later settle offers it again.

What people read is rendered here (`rendering.letters`: the centre's language, names from the
staff directory) and handed to the channels, which format nothing themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.pathway import SendOutcome
from delivery.content import Content
from delivery.email import message_id_for
from delivery.errors import DeliveryFailed, NoRecipient
from domain.dispatch import ReminderMessage
from rendering.letters import Addressee, Letter, render_letter
from service.metrics import REMINDERS_ALREADY_SENT, REMINDERS_FAILED, REMINDERS_SENT, REMINDERS_WAITING
from store.digests import DigestStore
from store.directory import Directory
from store.reminder_log import ReminderLog

DIGEST_MODE = "digest"


class Channel(Protocol):
    name: str

    async def send(self, message: ReminderMessage, to: list[str], content: Content) -> str: ...


def _missing(recipients: list[dict]) -> str:
    names = ", ".join(f"{r['role']} {r['id']}" for r in recipients if not r.get("address"))
    return f"no address for {names} in the staff directory (pathway directory load)"


def addressee(resolved: dict) -> Addressee:
    return Addressee(role=resolved["role"], id=resolved["id"], display_name=resolved.get("display_name"))


class StaffDelivery:
    """The reminder log and the channels behind one `send`, which says what became of it."""

    def __init__(self, log: ReminderLog, directory: Directory, channels: Sequence[Channel],
                 message_id_domain: str, staff_view_url: str | None = None,
                 digests: DigestStore | None = None) -> None:
        self._log = log
        self._directory = directory
        self._channels = channels
        self._domain = message_id_domain
        self._staff_view_url = staff_view_url
        self._digests = digests or DigestStore(log.pool)
        self._logger = structlog.get_logger("delivery")

    @property
    def channels(self) -> Sequence[Channel]:
        return self._channels

    @property
    def directory(self) -> Directory:
        return self._directory

    @property
    def message_id_domain(self) -> str:
        return self._domain

    @property
    def digests(self) -> DigestStore:
        return self._digests

    @property
    def staff_view_url(self) -> str | None:
        return self._staff_view_url

    async def send(self, message: ReminderMessage) -> SendOutcome:
        """`sent` once every channel has it; `queued` when its e-mail waits for the recipients'
        digest (the other channels have it); `waiting` when a channel has nobody to send to;
        `failed` when a channel refused it for good. Raises `ApplicationError` for a failure
        worth retrying (Temporal retries the activity with backoff)."""
        recipients = await self._directory.addresses(message.recipients)
        now = [c for c in self._channels if not self._queued(c, message)]
        content = await self.render(message, recipients) if now else None  # nothing to render for the outbox
        outcomes = [await self._deliver(channel, message, recipients, content) for channel in self._channels]
        return next((o for o in ("waiting", "failed", "queued") if o in outcomes), "sent")

    @staticmethod
    def _queued(channel: Channel, message: ReminderMessage) -> bool:
        """E-mail in `digest` mode goes to the outbox; every other delivery is sent now."""
        return channel.name == "email" and message.mode == DIGEST_MODE

    async def render(self, message: ReminderMessage, recipients: list[dict]) -> Content:
        """The one-reminder letter: greeting the first recipient, naming the others."""
        people = [addressee(r) for r in recipients] or [Addressee("default_queue", message.centre or "?")]
        centre = await self._directory.centre_name(message.centre) if message.centre else ""
        return render_letter(Letter(
            to=people[0], cc=tuple(people[1:]), items=(message,), day=message.scheduled_at.date(),
            centre_name=centre, locale=message.locale, staff_view_url=self._staff_view_url,
        ))

    def delivery_id(self, channel: Channel, message: ReminderMessage) -> str:
        return message_id_for(message.reminder_id, self._domain) if channel.name == "email" else message.reminder_id

    async def _deliver(self, channel: Channel, message: ReminderMessage, recipients: list[dict],
                       content: Content | None) -> str:
        if self._queued(channel, message):
            await self._digests.queue(message, recipients, self.delivery_id(channel, message))
            await self._logger.ainfo("queued for the digest", channel=channel.name)
            return "queued"
        row = await self._log.claim(message, channel.name, recipients, self.delivery_id(channel, message))
        if row.status == "sent":
            REMINDERS_ALREADY_SENT.labels(channel.name).inc()
            await self._logger.ainfo("already sent", channel=channel.name)
            return "sent"
        to = [r["address"] for r in recipients if r.get("address")]
        if activity.in_activity():
            activity.heartbeat(channel.name)
        try:
            if getattr(channel, "needs_addresses", False) and not to:
                raise NoRecipient(channel.name, _missing(recipients))
            assert content is not None, "rendered for every channel that sends now"
            await channel.send(message, to, content)
        except NoRecipient as nobody:
            await self._log.mark_waiting(message.reminder_id, channel.name, nobody.reason)
            REMINDERS_WAITING.labels(channel.name).inc()
            await self._logger.awarning("waiting for a recipient", channel=channel.name)
            return "waiting"
        except DeliveryFailed as failure:
            await self._log.mark_failed(message.reminder_id, channel.name, failure.reason)
            REMINDERS_FAILED.labels(channel.name, str(failure.retryable).lower()).inc()
            await self._logger.awarning("delivery failed", channel=channel.name, retryable=failure.retryable,
                                        reason=failure.reason)
            if failure.retryable:
                raise ApplicationError(str(failure), type="DeliveryFailed") from None
            return "failed"
        await self._log.mark_sent(message.reminder_id, channel.name)
        REMINDERS_SENT.labels(channel.name).inc()
        await self._logger.ainfo("delivered", channel=channel.name, recipients=len(to))
        return "sent"
