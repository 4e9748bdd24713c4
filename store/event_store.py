"""The event store: the system of record of every patient's pathway.

It alone says which events a patient has (`events`, `event_id` unique across patients,
kept in order of receipt) and whether the pathway has ended (`pathways.ended_by`). A
patient's workflow run is a projection of it: it reads the events from here at each
settle, and records here how far it has settled (`pathways.settled_seq`), which is what a
reconcile compares.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from domain.ending import end_after
from domain.events import EVENT_ADAPTER, ClinicalEvent, EventRetracted
from store import queries
from store.db import StoreError, connection, transaction

APPEND_ATTEMPTS = 3
"""Two requests of different patients reusing the same ids in opposite orders can deadlock;
PostgreSQL aborts one, which is tried again (and then refused as a conflict)."""


@dataclass(frozen=True)
class IdConflict:
    event_id: str
    other_patient: bool
    """Stored for another patient (else: for other content of this patient)."""


class EventConflict(StoreError):
    """An `event_id` already stored with other content: the audit log is never rewritten."""

    def __init__(self, conflicts: Sequence[IdConflict]) -> None:
        super().__init__("event_id already used for a different event: " + ", ".join(c.event_id for c in conflicts))
        self.conflicts = tuple(conflicts)


@dataclass(frozen=True)
class PathwayRecord:
    """What the store says of one patient's pathway."""

    patient_ref: str
    stored_seq: int
    """`events.seq` of the patient's latest event (0: none)."""
    events: int
    ended_by: str | None
    """The `follow_up_ended` in force; None: the pathway is open."""
    settled_seq: int
    """How far the patient's run has settled (read the store and published the plan)."""
    settled_run_id: str | None
    centre_id: str | None = None
    """The patient's centre, which decides its ruleset (`domain.history.centre_of`)."""

    @property
    def unsettled(self) -> bool:
        return self.settled_seq < self.stored_seq

    @classmethod
    def of(cls, row: asyncpg.Record) -> PathwayRecord:
        return cls(**dict(row))


@dataclass(frozen=True)
class Appended:
    """The outcome of one patient's append."""

    record: PathwayRecord
    """The pathway after the append."""
    accepted: tuple[str, ...]
    duplicates: tuple[str, ...]
    """Ids stored before with the same content: nothing changed for them."""
    reopened_by: str | None = None
    """The retraction of the end that reopened an ended pathway."""


@dataclass(frozen=True)
class StoredEvent:
    """An event as the store keeps it: receipt order, time and sending client beside the payload."""

    seq: int
    event: ClinicalEvent
    received_at: datetime
    sender: str | None


def _payload(event: ClinicalEvent) -> dict[str, Any]:
    return event.model_dump(mode="json")


class EventStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def append(self, patient_ref: str, events: Sequence[ClinicalEvent], sender: str | None = None) -> Appended:
        """Store one patient's events in order, all or nothing, and return what changed.

        Each id already stored with the same content is a duplicate (nothing changes). Raises
        `EventConflict` when an id is stored with other content, for this patient or another,
        and `domain.errors.PathwayEnded` for an event that comes after the end in force
        (`domain.ending`); then nothing of the batch is stored. Events must be this patient's,
        with distinct ids.
        """
        if any(e.patient_ref != patient_ref for e in events):
            raise StoreError(f"every event of one append must be patient {patient_ref}'s")
        for attempt in range(1, APPEND_ATTEMPTS + 1):
            try:
                async with transaction(self._pool) as conn:
                    return await self._append_in(conn, patient_ref, events, sender)
            except asyncpg.exceptions.DeadlockDetectedError:
                if attempt == APPEND_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    async def _append_in(self, conn: asyncpg.Connection, patient_ref: str, events: Sequence[ClinicalEvent],
                         sender: str | None) -> Appended:
        await conn.execute(queries.PATHWAYS_CREATE, patient_ref)
        record = PathwayRecord.of(await conn.fetchrow(queries.PATHWAYS_LOCK, patient_ref))
        payloads = {e.event_id: _payload(e) for e in events}
        stored = {r["event_id"]: r for r in await conn.fetch(queries.EVENTS_STORED, list(payloads))}
        _refuse_conflicts(events, payloads, stored)
        new = [e for e in events if e.event_id not in stored]
        duplicates = tuple(e.event_id for e in events if e.event_id in stored)
        if not new:
            return Appended(record, (), duplicates)
        ended_by = end_after(record.ended_by, new)
        inserted = await conn.fetch(
            queries.EVENTS_APPEND,
            [e.event_id for e in new], [e.patient_ref for e in new], [e.type for e in new],
            [e.occurred_on for e in new], [e.source for e in new], sender,
            [json.dumps(payloads[e.event_id]) for e in new],
        )
        if len(inserted) < len(new):  # stored meanwhile by another patient's request
            taken = {r["event_id"]: r for r in await conn.fetch(
                queries.EVENTS_STORED, [e.event_id for e in new if e.event_id not in {i["event_id"] for i in inserted}])}
            _refuse_conflicts(new, payloads, taken, always=True)
        after = PathwayRecord.of(await conn.fetchrow(
            queries.PATHWAYS_APPENDED, patient_ref, max(r["seq"] for r in inserted), len(inserted), ended_by))
        if any(e.type in ("care_team_assigned", "event_retracted") for e in new):
            after = PathwayRecord.of(await conn.fetchrow(queries.PATHWAYS_CENTRE, patient_ref))
        reopened = next((e.event_id for e in new if isinstance(e, EventRetracted)
                         and record.ended_by is not None and e.retracted_event_id == record.ended_by), None)
        return Appended(after, tuple(e.event_id for e in new), duplicates, reopened)

    async def pathway(self, patient_ref: str) -> PathwayRecord | None:
        async with connection(self._pool) as conn:
            row = await conn.fetchrow(queries.PATHWAYS_GET, patient_ref)
        return PathwayRecord.of(row) if row is not None else None

    async def pathways(self, page_size: int = 1000) -> AsyncIterator[PathwayRecord]:
        """Every pathway, in patient order, a page at a time."""
        after = ""
        while True:
            async with connection(self._pool) as conn:
                rows = await conn.fetch(queries.PATHWAYS_PAGE, after, page_size)
            for row in rows:
                yield PathwayRecord.of(row)
            if len(rows) < page_size:
                return
            after = rows[-1]["patient_ref"]

    async def patients_of_centre(self, centre_id: str | None, page_size: int = 1000) -> AsyncIterator[str]:
        """The patients of a centre (every patient when None), in patient order, a page at a time."""
        after = ""
        while True:
            async with connection(self._pool) as conn:
                rows = await conn.fetch(queries.PATHWAYS_OF_CENTRE, centre_id, after, page_size)
            for row in rows:
                yield row["patient_ref"]
            if len(rows) < page_size:
                return
            after = rows[-1]["patient_ref"]

    async def events_and_first_receipt(self, patient_ref: str) -> tuple[list[ClinicalEvent], int, datetime | None]:
        """`events_after(patient_ref)` and when the store first received events of the patient
        (its go-live import, for a history sent back-dated; None for a patient it has never heard
        of), on one connection: a settle needs both, at every event."""
        async with connection(self._pool) as conn:
            rows = await conn.fetch(queries.EVENTS_FOR_PATIENT, patient_ref, 0)
            first = await conn.fetchval(queries.PATHWAYS_CREATED_AT, patient_ref) if rows else None
        return [EVENT_ADAPTER.validate_json(r["payload"]) for r in rows], (rows[-1]["seq"] if rows else 0), first

    async def events_after(self, patient_ref: str, seq: int = 0) -> tuple[list[ClinicalEvent], int]:
        """The patient's events stored after position `seq`, in order of receipt, and the
        position of the last one (`seq` when there is none)."""
        async with connection(self._pool) as conn:
            rows = await conn.fetch(queries.EVENTS_FOR_PATIENT, patient_ref, seq)
        return [EVENT_ADAPTER.validate_json(r["payload"]) for r in rows], (rows[-1]["seq"] if rows else seq)

    async def of_patients(self, patient_refs: Sequence[str]) -> dict[str, list[ClinicalEvent]]:
        """Each of these patients' events in order of receipt, in one query."""
        async with connection(self._pool) as conn:
            rows = await conn.fetch(queries.EVENTS_OF_PATIENTS, list(patient_refs))
        found: dict[str, list[ClinicalEvent]] = {ref: [] for ref in patient_refs}
        for row in rows:
            found[row["patient_ref"]].append(EVENT_ADAPTER.validate_json(row["payload"]))
        return found

    async def for_patient(self, patient_ref: str) -> list[ClinicalEvent]:
        """The patient's events in order of receipt, retractions included."""
        return (await self.events_after(patient_ref))[0]

    async def records_for_patient(self, patient_ref: str) -> list[StoredEvent]:
        """Like `for_patient`, with when each event was stored and which client sent it."""
        async with connection(self._pool) as conn:
            rows = await conn.fetch(queries.EVENTS_RECORDS_FOR_PATIENT, patient_ref)
        return [StoredEvent(seq=r["seq"], event=EVENT_ADAPTER.validate_json(r["payload"]),
                            received_at=r["received_at"], sender=r["sender"]) for r in rows]

    @staticmethod
    async def record_settled_in(conn: asyncpg.Connection, patient_ref: str, seq: int, run_id: str | None) -> None:
        """Within the caller's transaction (the one publishing the plan): the run `run_id` has
        settled the patient's events up to `seq`."""
        await conn.execute(queries.PATHWAYS_SETTLED, patient_ref, seq, run_id)


def _refuse_conflicts(events: Sequence[ClinicalEvent], payloads: dict[str, dict[str, Any]],
                      stored: dict[str, asyncpg.Record], always: bool = False) -> None:
    conflicts = [IdConflict(e.event_id, stored[e.event_id]["patient_ref"] != e.patient_ref)
                 for e in events if e.event_id in stored
                 and (always or stored[e.event_id]["payload"] != payloads[e.event_id])]
    if conflicts:
        raise EventConflict(conflicts)
