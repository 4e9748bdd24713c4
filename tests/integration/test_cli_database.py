"""The database side of the CLI against real PostgreSQL and the real Temporal server."""

from __future__ import annotations

import asyncio
import json

from store.read_model import ReadModel
from tests.integration.scenario import Scenario
from tests.integration.staff_stack import staff_stack
from tests.support.cli import EXAMPLES, run_cli
from tests.support.waiting import eventually


def variables(env, database: str, task_queue: str = "unused") -> dict[str, str]:
    return {"TEMPORAL_ADDRESS": env.client.service_client.config.target_host, "DATABASE_URL": database,
            "PATHWAY_TASK_QUEUE": task_queue}


async def cli(*args: str, env: dict[str, str]):
    return await asyncio.to_thread(run_cli, *args, env=env)


async def test_migrate_twice_is_a_no_op_and_the_directory_loads_with_errors_naming_the_row(env, database, tmp_path):
    names = variables(env, database)
    first = await cli("db", "migrate", env=names)
    again = await cli("db", "migrate", env=names)
    assert first.returncode == 0 and again.returncode == 0
    assert again.stdout.strip() == "database is up to date"

    loaded = await cli("directory", "load", str(EXAMPLES / "directory.json"), env=names)
    assert loaded.returncode == 0 and "loaded 3 neurologists and 3 centres" in loaded.stdout

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"centres": [], "neurologists": [
        {"neurologist_id": "N99", "display_name": "Dr X", "email": "not-an-address", "centre_id": "C13"}]}))
    refused = await cli("directory", "load", str(bad), env=names)
    assert refused.returncode == 1 and "neurologists[0]" in refused.stderr and "email" in refused.stderr


async def test_worklist_reminders_and_rebuild_check_read_what_the_pathway_wrote(env, pool, database, patient_ref):
    async with staff_stack(env.client, pool) as stack:
        s = Scenario(env, stack, patient_ref)
        await s.record_all([("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}),
                            ("care_team_assigned", {"neurologist_id": "N14", "centre_id": "C13"}),
                            ("treatment_started", {"molecule": "ocrelizumab"})])
        await eventually(lambda: ReadModel(pool).obligations(patient_ref), what="obligation rows")
        await s.settle()
        names = variables(env, database, stack.task_queue)

        worklist = await cli("worklist", "--neurologist", "N14", "--status", "overdue", "--status", "due", "--json", env=names)
        rows = [r for r in json.loads(worklist.stdout) if r["patient_ref"] == patient_ref]
        assert {r["rule"] for r in rows} == {"R8", "R11", "R15"}

        reminders = await cli("reminders", patient_ref, "--json", env=names)
        assert {(r["rule"], r["step"], r["status"]) for r in json.loads(reminders.stdout)} == {
            ("R8", "due", "sent"), ("R11", "due", "sent"), ("R15", "due", "sent")}

        checked = await cli("rebuild", patient_ref, "--check", env=names)
        assert checked.returncode == 0 and "consistent with the store" in checked.stdout, checked.stdout + checked.stderr
