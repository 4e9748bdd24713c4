"""Event ids claimed by the HTTP API before it sends events (see migration 0003): an
event_id is bound to one patient and one content the first time it is posted."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from domain.events import ClinicalEvent
from store import queries
from store.db import StoreError, transaction


@dataclass(frozen=True)
class ClaimConflict:
    event_id: str
    other_patient: bool
    """The id is claimed for another patient (else: for other content of this patient)."""


class EventIdsTaken(StoreError):
    """Some event ids are claimed with other content; nothing of the batch was claimed."""

    def __init__(self, conflicts: list[ClaimConflict]) -> None:
        super().__init__("event_id already used for a different event: " + ", ".join(c.event_id for c in conflicts))
        self.conflicts = conflicts


def content_hash(event: ClinicalEvent) -> str:
    return hashlib.sha256(event.model_dump_json().encode()).hexdigest()


class EventClaims:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def claim(self, events: Sequence[ClinicalEvent]) -> set[str]:
        """Claim every event's id for its patient and content, all or none; return the ids this
        call claimed (the others were claimed before, the same way: a resend). An id claimed
        for another patient or content raises `EventIdsTaken`."""
        mine = {e.event_id: (e.patient_ref, content_hash(e)) for e in events}
        if not mine:
            return set()
        ids = list(mine)
        async with transaction(self._pool) as conn:
            new = await conn.fetch(queries.EVENT_CLAIMS_INSERT, ids, [mine[i][0] for i in ids],
                                   [mine[i][1] for i in ids])
            claimed = await conn.fetch(queries.EVENT_CLAIMS_GET, ids)
            conflicts = [ClaimConflict(r["event_id"], r["patient_ref"] != mine[r["event_id"]][0]) for r in claimed
                         if (r["patient_ref"], r["payload_sha256"]) != mine[r["event_id"]]]
            if conflicts:
                raise EventIdsTaken(sorted(conflicts, key=lambda c: c.event_id))  # rolls the claims back
        return {r["event_id"] for r in new}

    async def release(self, event_ids: Sequence[str]) -> None:
        """Give back ids claimed by a request whose events the pathway then refused: they were
        never recorded, so the client may correct the events and send them under the same ids."""
        if event_ids:
            async with transaction(self._pool) as conn:
                await conn.execute(queries.EVENT_CLAIMS_RELEASE, list(event_ids))
