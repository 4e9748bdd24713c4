"""Payloads that are not sealed with a configured key are refused, whoever sends them: a
plain (unencrypted) update, signal or start sent with the Temporal CLI (`temporal` from the
venv, no codec, no key, no token) or with a plain SDK client, and one sealed with a key the
worker does not know. Nothing is stored, and no workflow is left stuck on a failing task:
an update is rejected (nothing in history), a signal is dropped, a start fails the run."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError

from codec.aes import ENCODING, REFUSED_TYPE, data_converter, new_key, parse_keys
from contracts.pathway import SYNC_UPDATE, WORKFLOW, PathwayInput, SyncRequest, workflow_id_for
from pathway_cli.temporal_server import find_temporal_binary
from store.event_store import EventStore
from tests.integration.scenario import Scenario
from tests.support.waiting import eventually

START = [("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}),
         ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"}),
         ("treatment_started", {"molecule": "natalizumab"})]


def forged_end(patient_ref: str) -> str:
    """The issue's forged input: an end of follow-up with a forged sender, in plain JSON."""
    return json.dumps({"event": {"event_id": "inject-1", "patient_ref": patient_ref, "type": "follow_up_ended",
                                 "occurred_on": "2026-11-29", "reason": "deceased"}, "sender": "forged-sender"})


@dataclass(frozen=True)
class Ran:
    returncode: int
    output: str


async def temporal_cli(env, *args: str) -> Ran:
    """The Temporal CLI, as an asyncio subprocess: the worker runs in this event loop."""
    address = env.client.service_client.config.target_host
    process = await asyncio.create_subprocess_exec(find_temporal_binary(), *args, "--address", address,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    return Ran(process.returncode, output.decode())


async def plain_client(env) -> Client:
    return await Client.connect(env.client.service_client.config.target_host, data_converter=pydantic_data_converter)


async def foreign_key_client(env) -> Client:
    """Encrypts properly, with a key the worker does not have (same key id as the worker's)."""
    keys = parse_keys(f"test1:{new_key()}", None)
    return await Client.connect(env.client.service_client.config.target_host, data_converter=data_converter(keys))


async def running_pathway(env, pathway_worker, patient_ref: str) -> Scenario:
    s = Scenario(env, pathway_worker, patient_ref)
    await s.record_all(START)
    await s.settle()
    return s


async def assert_untouched(s: Scenario, events: int) -> None:
    """The store holds only the real events, the run still runs, takes a real event and
    has no workflow task failing over and over."""
    stored = await EventStore(s.running.pool).records_for_patient(s.patient_ref)
    assert [r.sender for r in stored] == ["test"] * events
    description = await s.handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    summary = await s.record("edss_recorded", score=2.0)
    assert summary.events_recorded == events + 1 and summary.ended is None
    history = await s.handle.fetch_history()
    failed_tasks = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]
    assert failed_tasks == []


def accepted_update_inputs(history) -> list:
    return [p for e in history.events if e.HasField("workflow_execution_update_accepted_event_attributes")
            for p in e.workflow_execution_update_accepted_event_attributes.accepted_request.input.args.payloads]


@pytest.mark.parametrize("update", ["record_event", SYNC_UPDATE])
async def test_a_plain_update_from_the_temporal_cli_is_rejected_and_stores_nothing(env, pathway_worker, patient_ref,
                                                                                   update):
    s = await running_pathway(env, pathway_worker, patient_ref)
    body = forged_end(patient_ref) if update == "record_event" else '{"through_seq": 99}'

    result = await temporal_cli(env, "workflow", "update", "execute", "-w", workflow_id_for(patient_ref),
                          "--name", update, "--input", body)

    assert result.returncode != 0, result.output
    assert "unable to update workflow" in result.output
    if update == SYNC_UPDATE:  # record_event has no handler: rejected before its input is even read
        assert f"type: {REFUSED_TYPE}" in result.output, result.output
    history = await s.handle.fetch_history()
    assert all(p.metadata["encoding"] == ENCODING for p in accepted_update_inputs(history)), "a plain update accepted"
    await assert_untouched(s, events=len(START))


async def test_a_plain_signal_from_the_temporal_cli_is_dropped_and_the_pathway_goes_on(env, pathway_worker, patient_ref):
    s = await running_pathway(env, pathway_worker, patient_ref)

    for name in ("record_event", SYNC_UPDATE):
        result = await temporal_cli(env, "workflow", "signal", "-w", workflow_id_for(patient_ref), "--name", name,
                              "--input", forged_end(patient_ref))
        assert result.returncode == 0, result.output  # the server takes a signal; the worker drops it

    await assert_untouched(s, events=len(START))


async def test_a_plain_start_from_the_temporal_cli_fails_the_run_at_once_and_stores_nothing(env, pathway_worker):
    patient_ref = f"FORGED-{uuid.uuid4().hex[:8]}"

    result = await temporal_cli(env, "workflow", "start", "--type", WORKFLOW, "--task-queue", pathway_worker.task_queue,
                          "-w", workflow_id_for(patient_ref), "--input", json.dumps({"patient_ref": patient_ref}))

    assert result.returncode == 0, result.output  # the server starts it; the worker refuses its input
    handle = pathway_worker.client.get_workflow_handle(workflow_id_for(patient_ref))
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    assert isinstance(failed.value.cause, ApplicationError) and failed.value.cause.type == REFUSED_TYPE
    assert "not encrypted" in failed.value.cause.message
    assert (await handle.describe()).status == WorkflowExecutionStatus.FAILED
    assert await EventStore(pathway_worker.pool).pathway(patient_ref) is None


async def test_a_plain_sdk_client_is_refused_for_an_update_a_signal_and_a_start(env, pathway_worker, patient_ref):
    s = await running_pathway(env, pathway_worker, patient_ref)
    plain = await plain_client(env)
    handle = plain.get_workflow_handle(workflow_id_for(patient_ref))

    with pytest.raises(WorkflowUpdateFailedError) as rejected:
        await handle.execute_update(SYNC_UPDATE, SyncRequest(through_seq=99))
    assert isinstance(rejected.value.cause, ApplicationError) and rejected.value.cause.type == REFUSED_TYPE
    await handle.signal(SYNC_UPDATE, SyncRequest(through_seq=99))
    await assert_untouched(s, events=len(START))

    other = f"FORGED-{uuid.uuid4().hex[:8]}"
    started = await plain.start_workflow(WORKFLOW, PathwayInput(patient_ref=other), id=workflow_id_for(other),
                                         task_queue=pathway_worker.task_queue)
    await eventually(lambda: started.describe(), lambda d: d.status == WorkflowExecutionStatus.FAILED,
                     what="the plainly started run failed")
    assert await EventStore(pathway_worker.pool).pathway(other) is None


async def test_a_payload_sealed_with_an_unknown_key_is_refused(env, pathway_worker, patient_ref):
    s = await running_pathway(env, pathway_worker, patient_ref)
    foreign = await foreign_key_client(env)

    with pytest.raises(WorkflowUpdateFailedError) as rejected:
        await foreign.get_workflow_handle(workflow_id_for(patient_ref)).execute_update(
            SYNC_UPDATE, SyncRequest(through_seq=99))

    assert isinstance(rejected.value.cause, ApplicationError) and rejected.value.cause.type == REFUSED_TYPE
    await assert_untouched(s, events=len(START))
