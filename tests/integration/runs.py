"""What an operator (or the server) can do to a pathway's run behind the product's back:
terminate it, reset it to its first workflow task, delete it (as retention does)."""

from __future__ import annotations

import asyncio
import uuid

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType, ResetReapplyType
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest, ResetWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from contracts.pathway import workflow_id_for


async def terminate(client: Client, patient_ref: str) -> None:
    await client.get_workflow_handle(workflow_id_for(patient_ref)).terminate(reason="test: terminated by an operator")


async def reset_to_first_task(client: Client, patient_ref: str) -> str:
    """`temporal workflow reset --type FirstWorkflowTask`, updates not reapplied; the new run id."""
    handle = client.get_workflow_handle(workflow_id_for(patient_ref))
    first = [e.event_id async for e in handle.fetch_history_events()
             if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED][0]
    description = await handle.describe()
    answer = await client.workflow_service.reset_workflow_execution(ResetWorkflowExecutionRequest(
        namespace=client.namespace, reason="test: reset by an operator", request_id=str(uuid.uuid4()),
        workflow_execution=WorkflowExecution(workflow_id=handle.id, run_id=description.run_id),
        workflow_task_finish_event_id=first, reset_reapply_type=ResetReapplyType.RESET_REAPPLY_TYPE_NONE))
    return answer.run_id


async def delete(client: Client, patient_ref: str) -> None:
    """Delete the pathway's current run, as retention does; wait until it is gone. A running run
    goes at once; the dev server takes about 30 s to delete a closed one."""
    workflow_id = workflow_id_for(patient_ref)
    asked = False
    for _ in range(600):
        try:
            description = await client.get_workflow_handle(workflow_id).describe()
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return
            raise
        if not asked:
            await client.workflow_service.delete_workflow_execution(DeleteWorkflowExecutionRequest(
                namespace=client.namespace,
                workflow_execution=WorkflowExecution(workflow_id=workflow_id, run_id=description.run_id)))
            asked = True
        await asyncio.sleep(0.1)
    raise AssertionError(f"{workflow_id} was not deleted within 60 s")


async def runs(client: Client, patient_ref: str) -> list[str]:
    """The status of every run of the pathway the visibility store lists."""
    return [w.status.name async for w in client.list_workflows(f"WorkflowId = '{workflow_id_for(patient_ref)}'")]
