"""Every accepted clinical event, appended once (unique `event_id`), kept in receipt order."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from domain.events import EVENT_ADAPTER, ClinicalEvent
from domain.plan import Plan
from store import queries
from store.db import StoreError, connection, transaction
from store.read_model import ReadModel


class EventConflict(StoreError):
    """An `event_id` already stored with other content: the audit log is never rewritten."""


def _payload(event: ClinicalEvent) -> dict[str, Any]:
    return event.model_dump(mode="json")


def _check_batch(events: Sequence[ClinicalEvent], payloads: list[dict[str, Any]]) -> None:
    first: dict[str, dict[str, Any]] = {}
    for event, payload in zip(events, payloads):
        if first.setdefault(event.event_id, payload) != payload:
            raise EventConflict(f"event_id {event.event_id} appears twice in the batch with other content")


def runs_of_one_sender(events: Sequence[ClinicalEvent],
                        senders: dict[str, str]) -> list[tuple[str | None, list[ClinicalEvent]]]:
    """Consecutive events of one sender together, in order: the store's order is the order of
    receipt (it breaks same-day ties in a rebuilt plan) and each row names its sender."""
    runs: list[tuple[str | None, list[ClinicalEvent]]] = []
    for event in events:
        sender = senders.get(event.event_id)
        if runs and runs[-1][0] == sender:
            runs[-1][1].append(event)
        else:
            runs.append((sender, [event]))
    return runs


@dataclass(frozen=True)
class StoredEvent:
    """An event as the store keeps it: receipt order, time and sending client beside the payload."""

    seq: int
    event: ClinicalEvent
    received_at: datetime
    sender: str | None


class EventStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def append(self, events: Sequence[ClinicalEvent], sender: str | None = None) -> int:
        """Store the events not stored yet, in order, in one transaction; return how many were new.

        Calling again with the same events stores nothing more (a retried activity is safe).
        An `event_id` already stored with a different payload raises `EventConflict`, and
        nothing of the batch is stored.
        """
        if not events:
            return 0
        async with transaction(self._pool) as conn:
            return await self.append_in(conn, events, sender)

    async def append_in(self, conn: asyncpg.Connection, events: Sequence[ClinicalEvent],
                        sender: str | None = None) -> int:
        """`append` inside the caller's transaction (with the plan it publishes, say)."""
        if not events:
            return 0
        payloads = [_payload(e) for e in events]
        _check_batch(events, payloads)
        inserted = await conn.fetch(
            queries.EVENTS_APPEND,
            [e.event_id for e in events],
            [e.patient_ref for e in events],
            [e.type for e in events],
            [e.occurred_on for e in events],
            [e.source for e in events],
            sender,
            [json.dumps(p) for p in payloads],
        )
        new_ids = {r["event_id"] for r in inserted}
        await self._check_known(conn, {e.event_id: p for e, p in zip(events, payloads) if e.event_id not in new_ids})
        return len(new_ids)

    async def append_with_plan(self, events: Sequence[ClinicalEvent], senders: dict[str, str], plan: Plan,
                               version: int) -> tuple[int, bool]:
        """Append the events (in order; each with its sender, if known) and publish the plan to
        the read model if `version` is newer than the stored one, in one transaction. Return
        (events inserted now, whether the plan was written). An `event_id` stored before with
        other content raises `EventConflict`, and nothing is written.

        (Measured against one statement doing all of it with CTEs: PostgreSQL took about twice
        as long per call, planning included, for fewer round trips.)"""
        inserted = 0
        async with transaction(self._pool) as conn:
            for sender, run in runs_of_one_sender(events, senders):
                inserted += await self.append_in(conn, run, sender)
            published = await ReadModel.upsert_plan_in(conn, plan, version)
        return inserted, published

    @staticmethod
    async def _check_known(conn: asyncpg.Connection, known: dict[str, dict[str, Any]]) -> None:
        if not known:
            return
        stored = await conn.fetch(queries.EVENTS_PAYLOADS, list(known))
        differing = sorted(r["event_id"] for r in stored if r["payload"] != known[r["event_id"]])
        if differing:
            raise EventConflict(f"event_id already stored with other content: {', '.join(differing)}")

    async def for_patient(self, patient_ref: str) -> list[ClinicalEvent]:
        """The patient's events in order of receipt, retractions included."""
        async with connection(self._pool) as conn:
            rows = await conn.fetch(queries.EVENTS_FOR_PATIENT, patient_ref)
        return [EVENT_ADAPTER.validate_json(r["payload"]) for r in rows]

    async def stored_payload(self, event_id: str) -> dict[str, Any] | None:
        async with connection(self._pool) as conn:
            return await conn.fetchval(queries.EVENTS_PAYLOAD, event_id)

    async def records_for_patient(self, patient_ref: str) -> list[StoredEvent]:
        """Like `for_patient`, with when each event was stored and which client sent it."""
        async with connection(self._pool) as conn:
            rows = await conn.fetch(queries.EVENTS_RECORDS_FOR_PATIENT, patient_ref)
        return [StoredEvent(seq=r["seq"], event=EVENT_ADAPTER.validate_json(r["payload"]),
                            received_at=r["received_at"], sender=r["sender"]) for r in rows]

    async def stored_payloads(self, event_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored payload of each of these event ids that is stored (one query for a batch)."""
        if not event_ids:
            return {}
        async with connection(self._pool) as conn:
            rows = await conn.fetch(queries.EVENTS_PAYLOADS, list(dict.fromkeys(event_ids)))
        return {r["event_id"]: r["payload"] for r in rows}
