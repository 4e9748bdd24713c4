"""Sending validated events to the patients' workflows: one update per patient, patients
in parallel (bounded).

Before anything is sent:
1. an `event_id` stored with other content (for this patient or another) refuses the
   whole request (409);
2. the ids are claimed for their patient and content (`store.event_claims`), which
   refuses a reuse the store cannot see yet (a request close behind another; the
   workflow appends its events a moment after it accepts them);
3. events stored with the same content are known duplicates and are not sent again.
   This matters because the gateway's update id is a hash of the events: Temporal would
   answer a resend with the first answer ("accepted"), while the client must learn that
   nothing new was recorded (200).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.problems import ApiProblem, FieldError
from api.runtime import Runtime
from api.temporal import temporal_call
from domain.errors import EventIdConflict, EventRefused, PathwayEnded
from domain.events import ClinicalEvent
from store.event_claims import EventIdsTaken
from workflows.gateway import submit_events
from workflows.messages import PlanSummary, workflow_id_for
from workflows.patient_pathway import PatientPathwayWorkflow

log = structlog.get_logger("api.events")


@dataclass(frozen=True)
class Outcome:
    patient_ref: str
    summary: PlanSummary | None = None
    problem: ApiProblem | None = None


def _id_conflict(errors: list[FieldError]) -> ApiProblem:
    return ApiProblem(409, "event-id-conflict", "Event id reused",
                      "an event_id is already used for other content; nothing was recorded", errors)


def _reused(events: Sequence[ClinicalEvent], other_patient: dict[str, bool], batch: bool) -> list[FieldError]:
    """One error per event whose id is taken, by its position in the request."""
    return [FieldError(index=position if batch else None, field="event_id",
                       message=f"event_id {e.event_id} was already used for a different event of "
                               f"{'another patient' if other_patient[e.event_id] else 'this patient'}")
            for position, e in enumerate(events) if e.event_id in other_patient]


def _stored_conflicts(events: Sequence[ClinicalEvent], stored: dict[str, dict[str, Any]]) -> dict[str, bool]:
    """Ids stored with other content -> whether that content is another patient's."""
    return {e.event_id: stored[e.event_id].get("patient_ref") != e.patient_ref for e in events
            if e.event_id in stored and stored[e.event_id] != e.model_dump(mode="json")}


def _by_patient(events: Sequence[ClinicalEvent]) -> dict[str, list[ClinicalEvent]]:
    """Each patient's events in request order; an event repeated identically is sent once."""
    groups: dict[str, dict[str, ClinicalEvent]] = {}
    for event in events:
        groups.setdefault(event.patient_ref, {}).setdefault(event.event_id, event)
    return {ref: list(group.values()) for ref, group in groups.items()}


async def record(rt: Runtime, events: Sequence[ClinicalEvent], sender: str, batch: bool) -> list[Outcome]:
    stored = await rt.events.stored_payloads([e.event_id for e in events])
    if conflicts := _stored_conflicts(events, stored):
        raise _id_conflict(_reused(events, conflicts, batch))
    try:
        claimed = await rt.claims.claim(events)
    except EventIdsTaken as taken:
        raise _id_conflict(_reused(events, {c.event_id: c.other_patient for c in taken.conflicts}, batch)) from None
    limit = asyncio.Semaphore(rt.config.api_concurrency)

    async def one(ref: str, group: list[ClinicalEvent]) -> Outcome:
        async with limit:
            outcome = await _record_patient(rt, ref, group, set(stored), sender)
        if outcome.problem is not None and outcome.problem.problem.status != 503:
            await rt.claims.release([e.event_id for e in group if e.event_id in claimed])
        return outcome

    return list(await asyncio.gather(*(one(ref, group) for ref, group in _by_patient(events).items())))


async def _record_patient(rt: Runtime, ref: str, events: list[ClinicalEvent], stored: set[str],
                          sender: str) -> Outcome:
    structlog.contextvars.bind_contextvars(patient_ref=ref)
    if len(events) == 1:
        structlog.contextvars.bind_contextvars(event_id=events[0].event_id)
    fresh = [e for e in events if e.event_id not in stored]
    known = tuple(e.event_id for e in events if e.event_id in stored)
    try:
        async with temporal_call(rt.config.api_temporal_timeout_s):
            summary = await _send(rt, ref, fresh, sender) if fresh else await _summary_or_send(rt, ref, events, sender)
    except ApiProblem as problem:
        return Outcome(ref, problem=problem)
    except EventRefused as refused:
        return Outcome(ref, problem=_refusal(ref, refused))
    if fresh:
        summary = summary.model_copy(update={"duplicates": known + summary.duplicates})
    else:
        summary = summary.model_copy(update={"accepted": (), "duplicates": known})
    await log.ainfo("events recorded", accepted=len(summary.accepted), duplicates=len(summary.duplicates))
    return Outcome(ref, summary=summary)


def _refusal(ref: str, error: EventRefused) -> ApiProblem:
    """What the pathway itself refused (after every check here passed)."""
    if isinstance(error, PathwayEnded):
        status, kind, title = 409, "pathway-ended", "Pathway ended"
    elif isinstance(error, EventIdConflict):
        status, kind, title = 409, "event-id-conflict", "Event id reused"
    else:
        status, kind, title = 422, "refused-by-pathway", "Refused by the pathway"
    return ApiProblem(status, kind, title, str(error),
                      [FieldError(field=error.field or "patient_ref", message=str(error), patient_ref=ref)])


async def _send(rt: Runtime, ref: str, events: list[ClinicalEvent], sender: str) -> PlanSummary:
    return await submit_events(rt.client, ref, events, task_queue=rt.config.task_queue, sender=sender)


async def _summary_or_send(rt: Runtime, ref: str, events: list[ClinicalEvent], sender: str) -> PlanSummary:
    """Every event is stored already: the pathway's current summary. Should the workflow be gone
    (its history expired), the stored events are sent again, which starts it anew."""
    try:
        return await _current_summary(rt.client, ref)
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
    return await _send(rt, ref, events, sender)


async def _current_summary(client: Client, ref: str) -> PlanSummary:
    return await client.get_workflow_handle(workflow_id_for(ref)).query(PatientPathwayWorkflow.summary)
