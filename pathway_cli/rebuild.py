"""Rebuild a patient's pathway from the PostgreSQL event store, and check that the plan
of the running pathway equals the plan the stored events give."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from domain.planner import compute_plan
from store.event_store import EventStore
from workflows.gateway import fetch_plan, submit_events
from workflows.messages import MAX_EVENTS_PER_UPDATE, workflow_id_for

LOST = {WorkflowExecutionStatus.TERMINATED, WorkflowExecutionStatus.FAILED, WorkflowExecutionStatus.TIMED_OUT}
"""A pathway in one of these states (or missing, e.g. a lost namespace) is rebuilt; a
running or completed (follow-up ended) one is only checked."""


@dataclass(frozen=True)
class RebuildReport:
    patient_ref: str
    stored_events: int
    rebuilt: bool
    plans_equal: bool
    differences: list[str]


async def pathway_status(client: Client, patient_ref: str) -> WorkflowExecutionStatus | None:
    try:
        return (await client.get_workflow_handle(workflow_id_for(patient_ref)).describe()).status
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise


async def rebuild(client: Client, store: EventStore, patient_ref: str, today: date, task_queue: str,
                  check_only: bool) -> RebuildReport:
    events = await store.for_patient(patient_ref)
    if not events:
        raise LookupError(f"no stored event for patient {patient_ref}")
    status = await pathway_status(client, patient_ref)
    lost = status is None or status in LOST
    rebuilt = False
    if lost and not check_only:
        for start in range(0, len(events), MAX_EVENTS_PER_UPDATE):
            await submit_events(client, patient_ref, events[start:start + MAX_EVENTS_PER_UPDATE], task_queue=task_queue)
        rebuilt = True
    elif lost:
        raise LookupError(f"no live pathway for patient {patient_ref} in Temporal; run without --check to rebuild it")
    expected = compute_plan(patient_ref, events, today)
    running = await fetch_plan(client, patient_ref, today)
    differences = plan_differences(expected.model_dump(mode="json"), running.model_dump(mode="json"))
    return RebuildReport(patient_ref, len(events), rebuilt, not differences, differences)


def plan_differences(expected: dict, running: dict) -> list[str]:
    found = []
    for key in sorted(set(expected) | set(running)):
        if key == "obligations":
            continue
        if expected.get(key) != running.get(key):
            found.append(f"{key}: stored events give {expected.get(key)!r}, the pathway has {running.get(key)!r}")
    by_id = {o["id"]: o for o in running.get("obligations", [])}
    for obligation in expected.get("obligations", []):
        other = by_id.pop(obligation["id"], None)
        if other != obligation:
            found.append(f"obligation {obligation['id']}: differs" if other else f"obligation {obligation['id']}: missing")
    found += [f"obligation {oid}: not in the stored events' plan" for oid in by_id]
    return found
