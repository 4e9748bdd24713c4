"""From the intake's per-patient outcomes (`service.intake`) to the HTTP answer.

`201`: something new was recorded and the pathways took it; `202`: recorded (stored), but
a pathway had not answered in time: its plan follows (`delivery: pending`); `200`: every
event was recorded before with the same content. A patient's events refused (409, 422,
503) were not stored at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from api.problems import ApiProblem, FieldError, unavailable
from contracts.pathway import PlanSummary
from domain.errors import EventRefused, PathwayEnded, shown
from domain.events import ClinicalEvent
from service.intake import InvalidEvents, Outcome
from store.db import DatabaseUnavailable
from store.event_store import EventConflict


def status_of(summaries: Sequence[PlanSummary]) -> int:
    if any(s.delivery == "pending" for s in summaries):
        return 202
    return 201 if any(s.accepted for s in summaries) else 200


def refused(invalid: InvalidEvents, events: Sequence[ClinicalEvent], batch: bool) -> ApiProblem:
    """422 naming each event its patient's ruleset or date refuses (nothing was stored)."""
    positions = {e.event_id: i for i, e in enumerate(events)}
    errors = [FieldError(index=positions.get(r.event_id) if batch else None, field=r.field, message=r.message)
              for r in invalid.refusals]
    return ApiProblem(422, "invalid-events", "Invalid events", "nothing was recorded; fix the fields named and resend",
                      errors)


def problem_for(outcome: Outcome, events: Sequence[ClinicalEvent], batch: bool) -> ApiProblem:
    """The problem of one patient whose events were refused (nothing of them stored)."""
    error = outcome.error
    ref = outcome.patient_ref
    if isinstance(error, EventConflict):
        positions = {e.event_id: i for i, e in enumerate(events)}
        errors = [FieldError(index=positions.get(c.event_id) if batch else None, field="event_id",
                             message=f"event_id {shown(c.event_id)} was already used for a different event of "
                                     f"{'another patient' if c.other_patient else 'this patient'}")
                  for c in error.conflicts]
        return ApiProblem(409, "event-id-conflict", "Event id reused",
                          "an event_id is already used for other content; nothing was recorded", errors)
    if isinstance(error, PathwayEnded):
        return ApiProblem(409, "pathway-ended", "Pathway ended", str(error),
                          [FieldError(field=error.field or "type", message=str(error), patient_ref=ref)])
    if isinstance(error, EventRefused):
        return ApiProblem(422, "refused-by-pathway", "Refused by the pathway", str(error),
                          [FieldError(field=error.field or "patient_ref", message=str(error), patient_ref=ref)])
    if isinstance(error, DatabaseUnavailable):
        return unavailable("postgresql", "PostgreSQL cannot be reached; nothing was recorded; retry later")
    raise error  # not a refusal: let the app's handler answer 500
