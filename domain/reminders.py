"""Status and reminder ladder of an open obligation (`PATHWAY_RULES.md`, "Reminders").

Heads-up (per kind), one on the due date, then one every 30 days while overdue; the
first overdue one is escalated to the CRC coordinator; after the last overdue one the
obligation is `defaulted` and gets no further message. Each rung has a deterministic
id (patient, obligation, due date, step), so it is delivered once however often the
workflow or an activity is retried; a new due date makes new rungs.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.calendar import add_days
from domain.events import CareTeamAssigned
from domain.plan import CareTeam, Recipient, ReminderStep, Status
from domain.schedule import Draft
from domain.settings import PathwaySettings


def reminder_id(patient_ref: str, obligation_id: str, due_on: date, step: str) -> str:
    key = f"{patient_ref}|{obligation_id}|{due_on.isoformat()}|{step}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def heads_up_on(draft: Draft, settings: PathwaySettings) -> date | None:
    if draft.heads_up_on is not None:
        return draft.heads_up_on
    days = settings.heads_up_days.get(draft.kind.value)
    if draft.at_once or not days:
        return None
    return add_days(draft.due_on, -days)


def ladder_dates(draft: Draft, settings: PathwaySettings) -> list[tuple[str, date]]:
    steps: list[tuple[str, date]] = []
    heads_up = heads_up_on(draft, settings)
    if heads_up is not None and heads_up < draft.due_on:
        steps.append(("heads_up", heads_up))
    steps.append(("due", draft.due_on))
    for k in range(1, settings.overdue_reminders_before_default + 1):
        steps.append((f"overdue_{k}", add_days(draft.due_on, k * settings.overdue_every_days)))
    return steps


def open_status(draft: Draft, settings: PathwaySettings, as_of: date) -> Status:
    ladder = ladder_dates(draft, settings)
    if as_of < ladder[0][1]:
        return Status.UPCOMING
    if as_of <= draft.due_on:
        return Status.DUE
    if as_of >= ladder[-1][1]:
        return Status.DEFAULTED
    return Status.OVERDUE


def recipients(
    kind: str, settings: PathwaySettings, care_team: CareTeam | CareTeamAssigned | None, escalated: bool
) -> tuple[Recipient, ...]:
    """R19: the treating neurologist always; the CRC coordinator for CRC matters (the
    `coordinator_kinds`) and for escalations; the centre's default queue with no care team."""
    if care_team is None:
        return (Recipient(role="default_queue", id=settings.default_centre_id),)
    found = [Recipient(role="neurologist", id=care_team.neurologist_id)]
    if escalated or kind in settings.coordinator_kinds:
        found.append(Recipient(role="crc_coordinator", id=care_team.centre_id))
    return tuple(found)


def ladder(
    patient_ref: str, draft: Draft, settings: PathwaySettings, care_team: CareTeamAssigned | None
) -> tuple[ReminderStep, ...]:
    zone = ZoneInfo(settings.timezone)
    return tuple(
        ReminderStep(
            reminder_id=reminder_id(patient_ref, draft.id, draft.due_on, step),
            step=step,
            at=datetime.combine(on, settings.reminder_time, tzinfo=zone),
            escalated=step == "overdue_1",
            recipients=recipients(draft.kind.value, settings, care_team, escalated=step == "overdue_1"),
        )
        for step, on in ladder_dates(draft, settings)
    )
