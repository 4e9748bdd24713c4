"""The delivery record of each reminder on each channel: what makes sending idempotent.

A sender claims the row (created `pending` once, with the `message_id` it will carry),
sends unless the row says `sent`, then marks it `sent` or `failed`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from domain.dispatch import DeliveryRecord, ReminderMessage
from store import queries
from store.db import StoreError, connection, transaction

CHANNELS = ("email", "webhook", "log")
MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class ReminderRow:
    reminder_id: str
    channel: str
    patient_ref: str
    obligation_id: str
    rule: str
    kind: str
    step: str
    due_on: date
    scheduled_at: datetime
    escalated: bool
    recipients: list[dict[str, Any]]
    """`{"role", "id", "address", ...}` as resolved when the reminder was claimed."""
    message_id: str
    status: str
    """`pending` (claimed, being sent), `queued` (waiting for the recipients' digest), `sent`,
    `waiting` (no recipient address yet) or `failed`."""
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    digest_id: str | None = None
    """The digest its e-mail went out in (`store.digests`); None: sent on its own, or not yet."""

    @property
    def is_sent(self) -> bool:
        return self.status == "sent"

    @classmethod
    def of(cls, record: asyncpg.Record) -> ReminderRow:
        return cls(**dict(record))


class ReminderLog:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @property
    def pool(self) -> asyncpg.Pool:
        return self._pool

    async def claim(
        self, message: ReminderMessage, channel: str, recipients: list[dict[str, Any]], message_id: str
    ) -> ReminderRow:
        """Create the `pending` row unless it exists; return the row as stored.

        A row claimed before keeps its status, attempts and `message_id` (send the stored
        one, not the argument): so a resend after a crash carries the same Message-ID.
        """
        if channel not in CHANNELS:
            raise StoreError(f"unknown reminder channel {channel!r}; expected one of {', '.join(CHANNELS)}")
        async with transaction(self._pool) as conn:
            return await self.claim_in(conn, message, channel, recipients, message_id)

    @staticmethod
    async def claim_in(conn: asyncpg.Connection, message: ReminderMessage, channel: str,
                       recipients: list[dict[str, Any]], message_id: str) -> ReminderRow:
        """`claim` inside the caller's transaction."""
        if channel not in CHANNELS:
            raise StoreError(f"unknown reminder channel {channel!r}; expected one of {', '.join(CHANNELS)}")
        m = message
        await conn.execute(
            queries.REMINDERS_CLAIM,
            m.reminder_id, channel, m.patient_ref, m.obligation_id, m.rule, m.kind, m.step, m.due_on,
            m.scheduled_at, m.escalated, recipients, message_id,
        )
        return ReminderRow.of(await conn.fetchrow(queries.REMINDERS_GET, m.reminder_id, channel))

    async def mark_sent(self, reminder_id: str, channel: str) -> ReminderRow:
        """Record the delivery (idempotent: a sent row stays as it was); return the row."""
        return await self._update(queries.REMINDERS_MARK_SENT, reminder_id, channel)

    async def mark_failed(self, reminder_id: str, channel: str, error: str) -> ReminderRow:
        """Count a failed attempt and keep its error (first 500 characters); a sent row is left alone."""
        return await self._update(queries.REMINDERS_MARK_FAILED, reminder_id, channel, error[:MAX_ERROR_CHARS])

    async def mark_waiting(self, reminder_id: str, channel: str, reason: str) -> ReminderRow:
        """No recipient address yet: the reminder stays undelivered and visible (a sent row is left alone)."""
        return await self._update(queries.REMINDERS_MARK_WAITING, reminder_id, channel, reason[:MAX_ERROR_CHARS])

    async def delivery_records(self, patient_ref: str, obligation_ids: Sequence[str]) -> list[DeliveryRecord]:
        """What was claimed and delivered for these obligations of the patient, every channel."""
        if not obligation_ids:
            return []
        async with connection(self._pool) as conn:
            rows = await conn.fetch(queries.REMINDERS_FOR_OBLIGATIONS, patient_ref, list(obligation_ids))
        return [DeliveryRecord(**dict(r)) for r in rows]

    async def undelivered_patients(self) -> list[str]:
        """Patients with a reminder waiting for a recipient or failed."""
        async with connection(self._pool) as conn:
            return [r["patient_ref"] for r in await conn.fetch(queries.REMINDERS_UNDELIVERED_PATIENTS)]

    async def _update(self, statement: str, reminder_id: str, channel: str, *args: Any) -> ReminderRow:
        async with transaction(self._pool) as conn:
            await conn.execute(statement, reminder_id, channel, *args)
            row = await conn.fetchrow(queries.REMINDERS_GET, reminder_id, channel)
        if row is None:
            raise StoreError(f"no reminder {reminder_id!r} on channel {channel!r} was claimed")
        return ReminderRow.of(row)

    async def history(self, patient_ref: str) -> list[ReminderRow]:
        """The patient's reminders on every channel, by scheduled time."""
        async with connection(self._pool) as conn:
            rows = await conn.fetch(queries.REMINDERS_HISTORY, patient_ref)
        return [ReminderRow.of(r) for r in rows]
