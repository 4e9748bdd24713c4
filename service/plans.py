"""Reading a patient's plan for staff (API, CLI): always from the event store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from domain.plan import Plan
from domain.planner import local_date
from domain.settings import PathwaySettings
from service.settlement import Settlement


async def current_plan(settlement: Settlement, settings: PathwaySettings, clock: Callable[[], datetime],
                       patient_ref: str, as_of: date | None = None) -> Plan | None:
    """The plan of the stored events as of `as_of` (a what-if), or as of today (centre time)
    with the reminders not delivered shown as anomalies; None if the store has no event for
    the patient."""
    now = clock()
    day = as_of or local_date(now, settings)
    plan, _, events = await settlement.plan(patient_ref, day, settings, now=None if as_of else now)
    return plan if events else None
