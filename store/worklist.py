"""Staff queries: open obligations across patients, a patient's reminder history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import Enum
from typing import Any

import asyncpg

from domain.plan import OPEN_STATUSES
from store import queries
from store.db import connection
from store.reminder_log import ReminderLog, ReminderRow

MAX_PAGE = 1000
OPEN = sorted(s.value for s in OPEN_STATUSES)


def _text(value: str | Enum) -> str:
    return value.value if isinstance(value, Enum) else value


def statuses_for(requested: Sequence[str | Enum] | str | Enum | None) -> list[str]:
    """The stored statuses a filter means: the open ones by default; `overdue` means past the due
    date, so it takes `defaulted` too (`PATHWAY_RULES.md`, "Clarifications"): a worklist never
    hides the worst cases. `defaulted` alone narrows to them."""
    if requested is None:
        return OPEN
    wanted = set(_texts(requested) or ())
    if "overdue" in wanted:
        wanted.add("defaulted")
    return sorted(wanted)


def _texts(values: str | Enum | Sequence[str | Enum] | None) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str | Enum):
        return [_text(values)]
    return [_text(v) for v in values]


class Worklist:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._reminders = ReminderLog(pool)

    async def open_obligations(
        self,
        *,
        centre_id: str | None = None,
        neurologist_id: str | None = None,
        status: Sequence[str] | None = None,
        kind: str | Sequence[str] | None = None,
        due_before: date | None = None,
        due_after: date | None = None,
        limit: int = 100,
        offset: int = 0,
        latest_first: bool = False,
    ) -> list[dict[str, Any]]:
        """Obligations joined with their patient, by due date then patient: the most late first,
        or with `latest_first` the least late first (the staff worklist's sort by lateness).

        `status` defaults to the open ones (upcoming, due, overdue, defaulted), and `overdue`
        includes `defaulted` (`statuses_for`); `kind`
        is one kind or several; `due_after <= due_on <= due_before`, both inclusive.
        """
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}, not {limit}")
        if offset < 0:
            raise ValueError(f"offset must not be negative, not {offset}")
        async with connection(self._pool) as conn:
            rows = await conn.fetch(
                queries.WORKLIST_OPEN_OBLIGATIONS_LATEST_FIRST if latest_first else queries.WORKLIST_OPEN_OBLIGATIONS,
                statuses_for(status), centre_id, neurologist_id, _texts(kind), due_after, due_before, limit, offset,
            )
        return [dict(r) for r in rows]

    async def reminder_history(self, patient_ref: str) -> list[ReminderRow]:
        return await self._reminders.history(patient_ref)
