"""Issue 10 through the CLI and the HTTP API on the real stack, the cases that need e-mail
delivery, the CLI or virtual time: a reminder waiting for a recipient, events refused by
the one intake whatever path they take, the escalation of a late onboarding over months."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from datetime import date, timedelta

from contracts.pathway import workflow_id_for
from domain.calendar import add_days, add_months
from domain.dispatch import UNDELIVERED
from pathway_cli.temporal_server import find_temporal_binary
from service.gateway import running_summary
from store.event_store import EventStore
from store.reminder_log import ReminderLog
from tests.integration import runs
from tests.integration.scenario import Scenario
from tests.integration.staff_stack import staff_stack
from tests.support.api import api_on, event
from tests.support.cli import run_cli
from tests.support.temporal import move_to_reminder_time
from tests.support.waiting import eventually


def cli_env(env, database: str, task_queue: str) -> dict[str, str]:
    return {"TEMPORAL_ADDRESS": env.client.service_client.config.target_host, "DATABASE_URL": database,
            "PATHWAY_TASK_QUEUE": task_queue, "PATHWAY_REMINDER_QUIET_SECONDS": "0"}


async def cli(*args: str, env: dict[str, str], stdin: str | None = None):
    return await asyncio.to_thread(run_cli, *args, env=env, stdin=stdin)


async def test_case_7_a_reminder_without_a_recipient_stays_pending_and_visible_then_goes_out(
    env, pool, database, patient_ref, tmp_path
):
    neurologist = f"N{uuid.uuid4().hex[:6]}"  # not in any directory yet
    async with staff_stack(env.client, pool) as stack, api_on(stack, pool) as api:
        start = [event(patient_ref, "diagnosis_recorded", diagnosis="relapsing_remitting"),
                 event(patient_ref, "care_team_assigned", neurologist_id=neurologist, centre_id="C13"),
                 event(patient_ref, "treatment_started", molecule="natalizumab")]
        assert (await api.post({"events": start})).status_code == 201
        await move_to_reminder_time(env, env.client.get_workflow_handle(workflow_id_for(patient_ref)))
        # R8 and R11 go to the neurologist alone: nobody to send them to.
        waiting = await eventually(lambda: _with_status(pool, patient_ref, "waiting", 2), what="reminders waiting")
        assert {r.rule for r in waiting} == {"R8", "R11"}
        assert all(f"neurologist {neurologist}" in r.last_error for r in waiting)
        plan = (await api.get(f"/v1/patients/{patient_ref}/plan")).json()
        assert [a["code"] for a in plan["anomalies"]].count(UNDELIVERED) == 2
        worklist = (await api.get("/v1/worklist", params={"neurologist": neurologist})).json()["items"]
        assert {i["rule"] for i in worklist if i["undelivered_reminder"]} == {"R8", "R11"}

        directory = tmp_path / "directory.json"
        directory.write_text(json.dumps({"centres": [], "neurologists": [
            {"neurologist_id": neurologist, "display_name": "Dr N. Nouveau", "email": "n.nouveau@example.org",
             "centre_id": "C13"}]}))
        loaded = await cli("directory", "load", str(directory), env=cli_env(env, database, stack.task_queue))

        assert loaded.returncode == 0, loaded.stderr
        assert "offered again for 1 patients" in loaded.stdout
        sent = await eventually(lambda: _with_status(pool, patient_ref, "sent", 3), what="the reminders sent")
        assert {r.rule for r in sent} == {"R8", "R11", "R15"}
        to = {a for m in stack.catcher.received for a in m.rcpt_tos}
        assert "n.nouveau@example.org" in to


async def _with_status(pool, ref: str, status: str, count: int):
    rows = [r for r in await ReminderLog(pool).history(ref) if r.status == status]
    return rows if len(rows) >= count else None


async def test_case_8a_the_cli_refuses_an_event_id_stored_for_another_patient_and_stores_nothing(
    env, pathway_worker, database, patient_ref
):
    names = cli_env(env, database, pathway_worker.task_queue)
    other = f"O{uuid.uuid4().hex[:10]}"
    theirs = event(other, "edss_recorded", score=2.0)
    assert (await cli("submit", env=names, stdin=json.dumps(theirs))).returncode == 0
    mine = {**theirs, "patient_ref": patient_ref}

    refused = await cli("submit", env=names, stdin=json.dumps(mine))
    later = await cli("submit", env=names, stdin=json.dumps(event(patient_ref, "edss_recorded", score=3.0)))

    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "already used for a different event of another patient" in refused.stderr
    assert later.returncode == 0, later.stderr
    stored = await EventStore(pathway_worker.pool).for_patient(patient_ref)
    assert [e.model_dump()["score"] for e in stored] == [3.0], "only the later event is this patient's"


async def test_case_8b_an_update_sent_to_a_pathway_behind_the_intake_is_refused_and_stores_nothing(
    env, pathway_worker, patient_ref
):
    s = Scenario(env, pathway_worker, patient_ref)
    await s.record("diagnosis_recorded", diagnosis="relapsing_remitting")
    forged = {"event": {"event_id": "inject-1", "patient_ref": patient_ref, "type": "follow_up_ended",
                        "occurred_on": date.today().isoformat(), "reason": "deceased"}, "sender": "forged-sender"}

    result = await asyncio.to_thread(subprocess.run, [
        find_temporal_binary(), "workflow", "update", "execute", "--address",
        env.client.service_client.config.target_host, "-w", workflow_id_for(patient_ref),
        "--name", "record_event", "--input", json.dumps(forged)], capture_output=True, text=True, timeout=60)

    assert result.returncode != 0  # refused: no handler takes it, and its plain payload would be refused anyway
    assert "unable to update workflow" in result.stdout + result.stderr
    assert [e.event_id for e in await EventStore(pathway_worker.pool).for_patient(patient_ref)] == [f"{patient_ref}-1"]
    assert (await s.record("edss_recorded", score=2.0)).events_recorded == 2, "the pathway goes on"


async def test_case_5_after_the_escalation_of_a_late_onboarding_later_rungs_go_to_the_neurologist_alone(
    env, pathway_worker, patient_ref
):
    s = Scenario(env, pathway_worker, patient_ref)
    t0 = await s.today()
    mri = t0 - timedelta(days=441)  # R18 due 76 days ago: the overdue_2 rung is the current one
    await s.record_all([("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}),
                        ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"})], on=mri)
    await s.record_all([("treatment_started", {"molecule": "natalizumab"}),
                        ("treatment_validated", {"via": "rcp_meeting", "molecule": "natalizumab"}),
                        ("etp_assessed", {"referral_needed": False}),
                        ("mri_performed", {"regions": ["brain", "spinal"]})], on=mri)
    await s.record("treatment_validated", on=add_days(t0, -20), via="crc_visit", molecule="natalizumab")
    due = add_months(mri, 12)

    await s.advance_to(add_days(due, 95))  # past the overdue_3 rung (due + 90 days)
    await s.advance_to(add_days(due, 125))  # past the overdue_4 rung

    r18 = [(m.step, m.escalated, {r.role for r in m.recipients}) for m in s.notifier.received
           if m.patient_ref == patient_ref and m.rule == "R18"]
    assert r18 == [("overdue_2", True, {"neurologist", "crc_coordinator"}),
                   ("overdue_3", False, {"neurologist"}), ("overdue_4", False, {"neurologist"})]


async def test_case_6_the_cli_worklist_takes_the_statuses_the_api_takes(env, database, pathway_worker):
    names = cli_env(env, database, pathway_worker.task_queue)
    for status in ("upcoming", "due", "overdue", "defaulted", "satisfied", "cancelled"):
        answer = await cli("worklist", "--status", status, "--json", env=names)
        assert answer.returncode == 0, (status, answer.stderr)




async def test_case_1_pathway_rebuild_repairs_a_running_run_reset_behind_the_store(
    env, pathway_worker, database, patient_ref
):
    s = Scenario(env, pathway_worker, patient_ref)
    await s.record_all([("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}),
                        ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"})])
    await s.record("treatment_started", molecule="ocrelizumab")
    await runs.reset_to_first_task(env.client, patient_ref)  # the new run starts over, behind the store
    names = cli_env(env, database, pathway_worker.task_queue)

    rebuilt = await cli("rebuild", patient_ref, env=names)

    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "run before: RUNNING; resynced; consistent with the store" in rebuilt.stdout
    summary = await running_summary(env.client, patient_ref)
    assert (summary.events_recorded, summary.molecule) == (3, "ocrelizumab")
