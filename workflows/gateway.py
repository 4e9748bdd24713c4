"""Client-side access to pathways: submit events (update-with-start), read plans. Used by
the CLI and the HTTP API; clients come from `pathway_runtime.temporal.connect_temporal`."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from domain.errors import EventIdConflict, EventRefused, PathwayEnded
from domain.events import CareTeamAssigned, ClinicalEvent
from domain.plan import Plan
from domain.settings import DEFAULT_SETTINGS, PathwaySettings
from workflows.messages import (
    TASK_QUEUE,
    DeliveryTimeouts,
    PathwayInput,
    PlanQuery,
    PlanSummary,
    RecordEvent,
    RecordEvents,
    SentReminder,
    workflow_id_for,
)
from workflows.patient_pathway import CURRENT_GENERATION, PatientPathwayWorkflow


def update_id_for(events: Sequence[ClinicalEvent]) -> str:
    """Same events (ids and payloads), same update id: Temporal answers a resend with the
    first answer. A reused event_id with another payload gets a new id, so the workflow's
    validator sees it and refuses it."""
    digest = hashlib.sha256()
    for event in events:
        digest.update(event.model_dump_json().encode())
    return f"events-{digest.hexdigest()}"


def static_summary(patient_ref: str, events: Sequence[ClinicalEvent]) -> str:
    """What the Temporal UI shows at the top of a pathway: identifiers only."""
    centres = [e.centre_id for e in events if isinstance(e, CareTeamAssigned)]
    return f"Follow-up pathway of patient {patient_ref}" + (f", centre {centres[-1]}" if centres else "")


async def submit_events(
    client: Client,
    patient_ref: str,
    events: Sequence[ClinicalEvent],
    task_queue: str = TASK_QUEUE,
    settings: PathwaySettings = DEFAULT_SETTINGS,
    timeouts: DeliveryTimeouts | None = None,
    sender: str | None = None,
) -> PlanSummary:
    """Send one patient's events in one update, starting its pathway if needed.
    Events must already be validated (schema and date): the workflow's validator is
    the last line, and a rejected first update leaves a started, empty workflow."""
    if any(e.patient_ref != patient_ref for e in events):
        raise EventRefused("all events of one submission must share the patient_ref", "patient_ref")
    start = WithStartWorkflowOperation(
        PatientPathwayWorkflow.run,
        PathwayInput(patient_ref=patient_ref, settings=settings, timeouts=timeouts or DeliveryTimeouts(),
                     generation=CURRENT_GENERATION),
        id=workflow_id_for(patient_ref),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        # A pathway that ended (follow_up_ended) is not silently restarted empty.
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        static_summary=static_summary(patient_ref, events),
    )
    # One event goes through `record_event`, several through `record_events`: same
    # handling, one update either way.
    update, argument = (
        (PatientPathwayWorkflow.record_event, RecordEvent(event=events[0], sender=sender)) if len(events) == 1
        else (PatientPathwayWorkflow.record_events, RecordEvents(events=tuple(events), sender=sender))
    )
    try:
        return await client.execute_update_with_start_workflow(
            update, argument, start_workflow_operation=start, id=update_id_for(events),
        )
    except WorkflowAlreadyStartedError:
        await _consume_start_failure(start)
        raise PathwayEnded(f"the pathway of patient {patient_ref} has ended; no further event is taken") from None
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        message = cause.message if isinstance(cause, ApplicationError) else str(cause or error)
        if isinstance(cause, ApplicationError) and cause.type == EventIdConflict.__name__:
            raise EventIdConflict(message, "event_id") from None
        if isinstance(cause, ApplicationError) and cause.type == PathwayEnded.__name__:
            raise PathwayEnded(message) from None
        raise EventRefused(message) from None


async def _consume_start_failure(start: WithStartWorkflowOperation) -> None:
    """The start operation holds the same failure; read it so asyncio does not warn."""
    try:
        await start.workflow_handle()
    except WorkflowAlreadyStartedError:
        pass


async def fetch_plan(client: Client, patient_ref: str, as_of: date | None = None) -> Plan:
    handle = client.get_workflow_handle(workflow_id_for(patient_ref))
    return await handle.query(PatientPathwayWorkflow.plan, PlanQuery(as_of=as_of))


async def fetch_sent_reminders(client: Client, patient_ref: str) -> list[SentReminder]:
    handle = client.get_workflow_handle(workflow_id_for(patient_ref))
    return await handle.query(PatientPathwayWorkflow.sent_reminders)
