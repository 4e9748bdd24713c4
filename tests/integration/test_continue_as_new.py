"""Continue-as-new carries every event and every sent reminder into the next run.

Kept apart from the date-exact tests: with server 1.32, time skipping makes the
virtual clock jump at a run boundary (../shared/TEMPORAL_NOTES.md), so this test
asserts on what is kept, not on exact dates. Its own server suggests
continue-as-new after 40 history events.
"""

from __future__ import annotations

import asyncio

import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

from domain.calendar import add_days
from pathway_cli.temporal_server import TIME_SKIPPING_FLAGS, find_temporal_binary
from tests.integration.scenario import Scenario
from tests.support.waiting import eventually
from workflows import search_attributes
from workflows.gateway import submit_events
from workflows.messages import workflow_id_for


@pytest_asyncio.fixture(scope="module")
async def env():
    environment = await WorkflowEnvironment.start_time_skipping_v2(
        ts_config=TimeSkippingConfig(enabled=False),
        dev_server_existing_path=find_temporal_binary(),
        dev_server_extra_args=[*TIME_SKIPPING_FLAGS, "--headless",
                               "--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=40"],
        data_converter=pydantic_data_converter,
        search_attributes=search_attributes.ALL,
    )
    async with environment:
        yield environment


async def runs_of(client, workflow_id: str) -> list[str]:
    return [w.status.name async for w in client.list_workflows(f"WorkflowId = '{workflow_id}'")]


async def test_continue_as_new_keeps_every_event_and_every_reminder(env, pathway_worker, patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    t0 = await s.today()
    await s.record_all([
        ("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}),
        ("care_team_assigned", {"neurologist_id": "N1", "centre_id": "C1"}),
        ("treatment_started", {"molecule": "natalizumab"}),
    ])
    # R8, R11 and R15 are open at start: their due reminders go out in the first run.
    await s._settle()
    first_run_reminders = {m.reminder_id for m in s.notifier.received}
    assert len(first_run_reminders) == 3

    # One update per event, several concurrently, to cross run boundaries under load.
    events = [s.event("edss_recorded", t0, score=float(i % 10)) for i in range(30)]
    for batch in (events[:10], events[10:20], events[20:]):
        await asyncio.gather(*(submit_events(s.client, patient_ref, [e], task_queue=s.task_queue) for e in batch))

    # Time passes: overdue reminders of the still-open items go out in later runs.
    await s.advance_to(add_days(t0, 65))

    # Visibility lags the runs: wait until it shows a run continued as new and its successor.
    await eventually(lambda: runs_of(s.client, workflow_id_for(patient_ref)),
                     lambda runs: runs.count("CONTINUED_AS_NEW") >= 1 and runs.count("RUNNING") == 1,
                     what="runs continued as new and one running, in visibility")

    recorded = await s.handle.query("events")
    assert sorted(e["event_id"] for e in recorded) == sorted(
        [f"{patient_ref}-{i}" for i in (1, 2, 3)] + [e.event_id for e in events])

    sent_ids = [r.reminder_id for r in await s.sent()]
    delivered_ids = [m.reminder_id for m in s.notifier.received]
    assert len(sent_ids) == len(set(sent_ids)), "a reminder was recorded twice"
    assert len(delivered_ids) == len(set(delivered_ids)), "a reminder was delivered twice"
    assert first_run_reminders <= set(sent_ids)
    assert set(delivered_ids) == set(sent_ids)
    steps = sorted({r.step for r in await s.sent()})
    assert steps == ["due", "overdue_1", "overdue_2"]
