"""The digest outbox and log (migration 0009): reminders queued per recipient, and one digest
per (recipient, day) with its deterministic id and Message-ID, what makes "one e-mail a day"
hold across retries and crashes.

A reminder in `digest` mode is queued (`queue`: one item per recipient, its e-mail row in the
reminder log `queued`). A centre's digest run `prepare`s each recipient's digest of the day
(created once; waiting items attached unless it went out already), sends it, then records it
(`mark_sent`, or `mark_undelivered`), which also settles the reminder log's e-mail rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from domain.dispatch import ReminderMessage
from store import queries
from store.db import connection, transaction
from store.reminder_log import MAX_ERROR_CHARS, ReminderLog

EMAIL = "email"


def digest_id_for(centre_id: str, role: str, recipient_id: str, day: date) -> str:
    """Deterministic: the same recipient's digest of the same day has the same id (and Message-ID)."""
    key = f"digest|{centre_id}|{role}|{recipient_id}|{day.isoformat()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class DigestRow:
    digest_id: str
    centre_id: str
    role: str
    recipient_id: str
    day: date
    message_id: str
    items: int
    status: str
    """`pending` (prepared, being sent), `sent`, `waiting` (no address) or `failed`."""
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, record: asyncpg.Record) -> DigestRow:
        return cls(**dict(record))


@dataclass(frozen=True)
class PreparedDigest:
    row: DigestRow
    messages: tuple[ReminderMessage, ...]


class DigestStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def queue(self, message: ReminderMessage, recipients: Sequence[dict[str, Any]], message_id: str) -> None:
        """Queue `message` for each recipient's next digest and mark its e-mail row `queued`,
        in one transaction; queuing it again changes nothing (a sent row stays sent)."""
        async with transaction(self._pool) as conn:
            await ReminderLog.claim_in(conn, message, EMAIL, list(recipients), message_id)
            for r in message.recipients:
                await conn.execute(queries.DIGEST_ITEMS_QUEUE, message.reminder_id, r.role, r.id,
                                   message.centre, message.patient_ref, message.model_dump(mode="json"))
            await conn.execute(queries.REMINDERS_MARK_QUEUED, message.reminder_id, EMAIL)

    async def prepare(self, centres: Sequence[str], day: date, message_id_for: Any) -> list[PreparedDigest]:
        """Each recipient's digest of `day` for these centres, created if needed, with the items
        it carries; a digest already sent is left out. `message_id_for(digest_id) -> str`."""
        prepared: list[PreparedDigest] = []
        async with connection(self._pool) as conn:
            recipients = await conn.fetch(queries.DIGEST_RECIPIENTS_WAITING, list(centres), day)
        for r in recipients:
            digest_id = digest_id_for(r["centre_id"], r["role"], r["recipient_id"], day)
            async with transaction(self._pool) as conn:
                await conn.execute(queries.DIGESTS_CLAIM, digest_id, r["centre_id"], r["role"], r["recipient_id"],
                                   day, message_id_for(digest_id))
                await conn.execute(queries.DIGEST_ITEMS_ATTACH, digest_id, r["centre_id"], r["role"],
                                   r["recipient_id"], day)
                await conn.execute(queries.DIGESTS_COUNT_ITEMS, digest_id)
                row = DigestRow.of(await conn.fetchrow(queries.DIGESTS_GET, digest_id))
                items = await conn.fetch(queries.DIGEST_ITEMS_OF_DIGEST, digest_id)
            if row.status != "sent" and items:
                prepared.append(PreparedDigest(row, tuple(ReminderMessage.model_validate(i["message"]) for i in items)))
        return prepared

    async def mark_sent(self, digest_id: str) -> DigestRow:
        """Record the digest sent, and the reminders it completes (idempotent)."""
        async with transaction(self._pool) as conn:
            await conn.execute(queries.DIGESTS_MARK_SENT, digest_id)
            await conn.execute(queries.REMINDERS_MARK_DIGEST_SENT, digest_id)
            return DigestRow.of(await conn.fetchrow(queries.DIGESTS_GET, digest_id))

    async def mark_undelivered(self, digest_id: str, status: str, reason: str) -> DigestRow:
        """`waiting` (no address) or `failed`: the digest and its reminders' e-mail rows say why;
        the items go into the recipient's next digest."""
        reason = reason[:MAX_ERROR_CHARS]
        async with transaction(self._pool) as conn:
            await conn.execute(queries.DIGESTS_MARK_UNDELIVERED, digest_id, status, reason)
            await conn.execute(queries.REMINDERS_MARK_DIGEST_UNDELIVERED, digest_id, status, reason)
            return DigestRow.of(await conn.fetchrow(queries.DIGESTS_GET, digest_id))

    async def of_day(self, centres: Sequence[str], day: date) -> list[DigestRow]:
        async with connection(self._pool) as conn:
            return [DigestRow.of(r) for r in await conn.fetch(queries.DIGESTS_OF_DAY, list(centres), day)]

    async def centres_waiting(self) -> list[str]:
        """Centres with items no digest carries yet."""
        async with connection(self._pool) as conn:
            return [r["centre_id"] for r in await conn.fetch(queries.DIGEST_CENTRES_WAITING)]
