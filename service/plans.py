"""Reading a patient's plan for staff (API, CLI): always from the event store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from domain.plan import Plan
from domain.planner import local_date
from service.settlement import Settlement


async def current_plan(settlement: Settlement, clock: Callable[[], datetime], patient_ref: str,
                       as_of: date | None = None) -> Plan | None:
    """The plan of the stored events under the patient's ruleset, as of `as_of` (a what-if), or
    as of today (the centre's date) with the reminders not delivered shown as anomalies; None if
    the store has no event for the patient."""
    now = clock()
    if as_of is not None:
        plan, _, events = await settlement.plan(patient_ref, as_of)
    else:
        ruleset = await settlement.ruleset_of(patient_ref)
        plan, _, events = await settlement.plan(patient_ref, local_date(now, ruleset.settings), now=now,
                                                ruleset=ruleset)
    return plan if events else None
