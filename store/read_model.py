"""The care-plan read model: one `patients` row and its `obligations`, from the latest plan."""

from __future__ import annotations

from typing import Any

import asyncpg

from domain.plan import Plan
from store import queries
from store.db import connection, transaction


def _patient_args(plan: Plan, version: int) -> tuple[Any, ...]:
    team = plan.care_team
    return (
        plan.patient_ref,
        plan.stage.value if plan.stage else None,
        plan.molecule,
        list(plan.tracks),
        team.neurologist_id if team else None,
        team.centre_id if team else None,
        plan.next_reminder_at,
        plan.ended,
        plan.ruleset_version,
        plan.as_of,
        version,
        [a.model_dump(mode="json") for a in plan.anomalies],
    )


def _obligation_columns(plan: Plan) -> tuple[list[Any], ...]:
    o = plan.obligations
    return (
        [x.id for x in o],
        [x.rule for x in o],
        [x.kind.value for x in o],
        [x.due_on for x in o],
        [x.deadline_on for x in o],
        [x.status.value for x in o],
        [x.satisfied_by for x in o],
        [x.satisfied_on for x in o],
    )


class ReadModel:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def upsert_plan(self, plan: Plan, version: int) -> bool:
        """Write the plan if `version` is newer than the stored one; return whether it was written.

        An older or equal version changes nothing, so writes that arrive out of order (or
        twice) leave the newest plan in place. The obligations are replaced as a whole.
        """
        async with transaction(self._pool) as conn:
            return await self.upsert_plan_in(conn, plan, version)

    @staticmethod
    async def upsert_plan_in(conn: asyncpg.Connection, plan: Plan, version: int) -> bool:
        """`upsert_plan` inside the caller's transaction (with the events it stores, say)."""
        written = await conn.fetchval(queries.PATIENTS_UPSERT, *_patient_args(plan, version))
        if written is None:
            return False
        await conn.execute(queries.OBLIGATIONS_DELETE, plan.patient_ref)
        await conn.execute(queries.OBLIGATIONS_INSERT, plan.patient_ref, *_obligation_columns(plan))
        return True

    async def patient(self, patient_ref: str) -> dict[str, Any] | None:
        async with connection(self._pool) as conn:
            row = await conn.fetchrow(queries.PATIENTS_GET, patient_ref)
        return dict(row) if row is not None else None

    async def obligations(self, patient_ref: str) -> list[dict[str, Any]]:
        """The patient's obligations (all statuses), by due date."""
        async with connection(self._pool) as conn:
            rows = await conn.fetch(queries.OBLIGATIONS_FOR_PATIENT, patient_ref)
        return [dict(r) for r in rows]
