"""Calls to patients' workflow runs, by name: the one module that talks to them.

A run is told how far the store goes (`sync`); it is started when needed by update-with-start
(`USE_EXISTING` on a running run; a closed run of any kind is replaced, since the caller
checked the store first and only starts the pathway of a patient the store says is open).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from contracts.pathway import (
    SUMMARY_QUERY,
    SYNC_UPDATE,
    WORKFLOW,
    PathwayInput,
    PlanSummary,
    SyncRequest,
    workflow_id_for,
)

RUNNING_QUERY = f'WorkflowType = "{WORKFLOW}" AND ExecutionStatus = "Running"'


class RunClosed(Exception):
    """The run closed while it was being told (it completed on a stored end, say)."""


def static_summary(patient_ref: str, centre_id: str | None = None) -> str:
    """What the Temporal UI shows at the top of a pathway: identifiers only."""
    return f"Follow-up pathway of patient {patient_ref}" + (f", centre {centre_id}" if centre_id else "")


async def sync_or_start(client: Client, start: PathwayInput, request: SyncRequest, update_id: str,
                        task_queue: str, centre_id: str | None = None) -> PlanSummary:
    """Tell the patient's running run, or start one (from the store) and tell it; the summary
    of the plan it settled. Raises `RunClosed` if the run closed meanwhile."""
    operation = WithStartWorkflowOperation(
        WORKFLOW, start, id=workflow_id_for(start.patient_ref), task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        static_summary=static_summary(start.patient_ref, centre_id), result_type=PlanSummary,
    )
    try:
        return await client.execute_update_with_start_workflow(
            SYNC_UPDATE, request, start_workflow_operation=operation, id=update_id, result_type=PlanSummary)
    except (RPCError, WorkflowUpdateFailedError) as error:
        if _closed(error):
            raise RunClosed(str(error)) from None
        raise


async def sync_running(client: Client, patient_ref: str, request: SyncRequest, update_id: str) -> PlanSummary | None:
    """Tell the patient's run if one is running; None if there is none (nothing is started)."""
    handle = client.get_workflow_handle(workflow_id_for(patient_ref))
    try:
        return await handle.execute_update(SYNC_UPDATE, request, id=update_id, result_type=PlanSummary)
    except (RPCError, WorkflowUpdateFailedError) as error:
        if _closed(error) or (isinstance(error, RPCError) and error.status == RPCStatusCode.NOT_FOUND):
            return None
        raise


async def run_status(client: Client, patient_ref: str) -> tuple[WorkflowExecutionStatus | None, str | None]:
    """(status, run id) of the patient's latest run; (None, None) if it has none."""
    try:
        description = await client.get_workflow_handle(workflow_id_for(patient_ref)).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None, None
        raise
    return description.status, description.run_id


async def running_summary(client: Client, patient_ref: str) -> PlanSummary | None:
    return await client.get_workflow_handle(workflow_id_for(patient_ref)).query(SUMMARY_QUERY, result_type=PlanSummary)


async def terminate(client: Client, patient_ref: str, reason: str) -> None:
    try:
        await client.get_workflow_handle(workflow_id_for(patient_ref)).terminate(reason=reason)
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise


async def running_runs(client: Client) -> AsyncIterator[tuple[str, str]]:
    """(workflow id, run id) of every running pathway run (the visibility store; it may lag
    a moment behind a start or a close)."""
    async for execution in client.list_workflows(RUNNING_QUERY):
        yield execution.id, execution.run_id


def _closed(error: Exception) -> bool:
    text = str(error).lower()
    if isinstance(error, WorkflowUpdateFailedError) and error.cause is not None:
        text += " " + str(error.cause).lower()
    return "completed" in text or "already finished" in text or "workflow execution already" in text
