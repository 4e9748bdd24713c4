"""Reconcile: runs terminated or deleted behind the product's back are found and rebuilt from
the event store, by `pathway reconcile` and by the `pathway-reconcile` Temporal Schedule."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from contracts.pathway import RECONCILE_SCHEDULE, ReconcileReport
from service.gateway import running_summary
from service.schedule import ensure_reconcile_schedule
from store.db import create_pool
from tests.integration import runs
from tests.integration.scenario import Scenario
from tests.integration.stack import recording_stack
from tests.support.cli import run_cli
from tests.support.postgres import fresh_database
from tests.support.waiting import eventually

START = [("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}),
         ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"}),
         ("treatment_started", {"molecule": "ocrelizumab"})]


async def test_reconcile_rebuilds_the_runs_terminated_or_deleted_and_reports_them(env, patient_ref):
    # A database of its own: a reconcile checks every pathway of its store.
    async with fresh_database() as dsn, await create_pool(dsn) as pool, recording_stack(env.client, pool) as running:
        refs = [f"{patient_ref}-{n}" for n in range(5)]
        for ref in refs:
            await Scenario(env, running, ref).record_all(START)
        for ref in refs[:3]:
            await runs.terminate(env.client, ref)
        await runs.delete(env.client, refs[3])

        answer = await asyncio.to_thread(run_cli, "reconcile", "--json", env={
            "TEMPORAL_ADDRESS": env.client.service_client.config.target_host, "DATABASE_URL": dsn,
            "PATHWAY_TASK_QUEUE": running.task_queue})

        assert answer.returncode == 0, answer.stdout + answer.stderr
        report = ReconcileReport.model_validate(json.loads(answer.stdout))
        assert report.pathways == 5 and report.failed == ()
        assert report.restarted == tuple(sorted(refs[:4])) and report.resynced == report.closed == ()
        for ref in refs:
            summary = await running_summary(env.client, ref)
            assert summary is not None and summary.events_recorded == len(START) and summary.stage == "risk_therapy"

        # The schedule runs the same pass on a worker.
        await runs.terminate(env.client, refs[4])
        await ensure_reconcile_schedule(env.client, running.task_queue, timedelta(hours=1))
        schedule = env.client.get_schedule_handle(RECONCILE_SCHEDULE)
        try:
            await schedule.trigger()
            result = await eventually(lambda: _last_result(env.client, schedule), what="a scheduled reconcile")
        finally:
            await schedule.delete()
        assert result.restarted == (refs[4],)


async def _last_result(client, schedule) -> ReconcileReport | None:
    description = await schedule.describe()
    actions = description.info.recent_actions
    if not actions:
        return None
    action = actions[-1].action
    handle = client.get_workflow_handle(action.workflow_id, run_id=action.first_execution_run_id,
                                        result_type=ReconcileReport)
    if (await handle.describe()).status.name != "COMPLETED":
        return None
    return await handle.result()
