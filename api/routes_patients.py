"""A patient's plan (now, or what-if on a date), events and reminders, for staff."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Query, Request

from api.auth import Staff
from api.models import PatientEvents, PatientReminders, RecordedEvent, ReminderRecord
from api.params import DATE_DOC, ISO_DATE_PATTERN, PatientRefPath, no_unknown_query, to_date
from api.problems import problem_responses
from api.runtime import runtime
from api.temporal import not_found
from domain.plan import Plan
from service.plans import current_plan

router = APIRouter(prefix="/v1/patients/{patient_ref}", tags=["patients"], dependencies=[Depends(no_unknown_query)])
READ_ERRORS = problem_responses(401, 403, 404, 422, 429, 503)

AsOf = Annotated[str | None, Query(
    pattern=ISO_DATE_PATTERN, json_schema_extra=DATE_DOC,
    description="What-if: the plan on that date. Default: today (centre time), with the reminders not "
                "delivered shown as anomalies.",
)]


@router.get("/plan", response_model=Plan, summary="The patient's care plan", responses=READ_ERRORS,
            description="Computed from the event store, the system of record: every recorded event counts, "
                        "whatever the state of the patient's workflow.")
async def get_plan(request: Request, patient_ref: PatientRefPath, token: Staff, as_of: AsOf = None) -> Plan:
    structlog.contextvars.bind_contextvars(patient_ref=patient_ref)
    handoff = runtime(request).intake.handoff
    plan = await current_plan(handoff.settlement, handoff.clock, patient_ref, to_date(as_of, "as_of"))
    if plan is None:
        raise not_found(patient_ref)
    return plan


@router.get("/events", response_model=PatientEvents, summary="The patient's recorded events", responses=READ_ERRORS)
async def get_events(request: Request, patient_ref: PatientRefPath, token: Staff) -> PatientEvents:
    """In order of receipt, retractions included, with when each was stored and which client sent it."""
    structlog.contextvars.bind_contextvars(patient_ref=patient_ref)
    records = await runtime(request).events.records_for_patient(patient_ref)
    if not records:
        raise not_found(patient_ref)
    return PatientEvents(patient_ref=patient_ref, events=[
        RecordedEvent(seq=r.seq, received_at=r.received_at, sender=r.sender, event=r.event) for r in records])


@router.get("/reminders", response_model=PatientReminders, summary="The patient's reminders and their delivery",
            responses=READ_ERRORS)
async def get_reminders(request: Request, patient_ref: PatientRefPath, token: Staff) -> PatientReminders:
    structlog.contextvars.bind_contextvars(patient_ref=patient_ref)
    rt = runtime(request)
    rows = await rt.reminders.history(patient_ref)
    if not rows and await rt.read_model.patient(patient_ref) is None:
        raise not_found(patient_ref)
    return PatientReminders(patient_ref=patient_ref, reminders=[
        ReminderRecord(**{k: v for k, v in vars(r).items() if k != "patient_ref" and k != "message_id"}) for r in rows])
