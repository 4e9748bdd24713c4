"""The engineers' CLI against the real server: submit, plan, refusals."""

from __future__ import annotations

import asyncio
import json
from datetime import date

from domain.calendar import add_months
from store.event_store import EventStore
from tests.support.cli import EXAMPLES, run_cli


def cli_env(env, pathway_worker, database) -> dict[str, str]:
    return {"TEMPORAL_ADDRESS": env.client.service_client.config.target_host, "DATABASE_URL": database,
            "PATHWAY_TASK_QUEUE": pathway_worker.task_queue}


async def test_submitting_a_natalizumab_patient_prints_a_plan_with_next_validation_six_months_after_the_last(
    env, pathway_worker, database
):
    variables = cli_env(env, pathway_worker, database)
    submitted = await asyncio.to_thread(run_cli, "submit", str(EXAMPLES / "natalizumab-patient.json"), env=variables)
    assert submitted.returncode == 0, submitted.stderr
    assert "accepted 7" in submitted.stdout

    shown = await asyncio.to_thread(run_cli, "plan", "DEMO-0001", "--json", env=variables)
    assert shown.returncode == 0, shown.stderr
    plan = json.loads(shown.stdout)
    last_validation = max(date.fromisoformat(o["satisfied_on"]) for o in plan["obligations"]
                          if o["rule"] == "R15" and o["status"] == "satisfied")
    open_validations = [o["due_on"] for o in plan["obligations"] if o["rule"] == "R15" and o["status"] != "satisfied"]
    assert open_validations == [add_months(last_validation, 6).isoformat()]

    table = await asyncio.to_thread(run_cli, "plan", "DEMO-0001", env=variables)
    assert "R15" in table.stdout and "risk_therapy" in table.stdout


async def test_a_malformed_event_is_refused_naming_the_field_and_nothing_reaches_temporal(env, pathway_worker, database):
    variables = cli_env(env, pathway_worker, database)
    bad = {"event_id": "cli-bad-1", "patient_ref": "CLI-BAD-0001", "type": "mri_performed",
           "occurred_on": "2026-01-10", "regions": ["brain", "knee"]}

    refused = await asyncio.to_thread(run_cli, "submit", "-", env=variables, stdin=json.dumps(bad))

    assert refused.returncode == 2
    assert "regions" in refused.stderr and "nothing was sent" in refused.stderr
    found = [w async for w in env.client.list_workflows("WorkflowId = 'patient-CLI-BAD-0001'")]
    assert found == [] and await EventStore(pathway_worker.pool).pathway("CLI-BAD-0001") is None


async def test_a_batch_with_one_bad_event_is_refused_whole_with_its_index(env, pathway_worker, database):
    variables = cli_env(env, pathway_worker, database)
    good = {"event_id": "cli-b-1", "patient_ref": "CLI-BATCH-0001", "type": "edss_recorded",
            "occurred_on": "2026-01-10", "score": 2.0}
    future = {**good, "event_id": "cli-b-2", "occurred_on": "2099-01-01"}

    refused = await asyncio.to_thread(run_cli, "submit", env=variables, stdin=json.dumps({"events": [good, future]}))

    assert refused.returncode == 2
    assert "event 1: occurred_on" in refused.stderr
    found = [w async for w in env.client.list_workflows("WorkflowId = 'patient-CLI-BATCH-0001'")]
    assert found == [] and await EventStore(pathway_worker.pool).pathway("CLI-BATCH-0001") is None
