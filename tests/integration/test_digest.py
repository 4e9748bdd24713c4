"""The daily digest end to end (shipped ruleset: `delivery_mode: digest`): a pathway queues its
due reminders instead of e-mailing them; the centre's digest sends each recipient one French
e-mail listing them, exactly once per (recipient, day); the reminder log and the worklist say
which digest carried each item."""

from __future__ import annotations

import contextlib
import uuid
from datetime import time, timedelta

from domain.ruleset import RulesetRegistry, single
from rulesets import default as default_ruleset
from service.schedule import digest_schedules, ensure_digest_schedules
from store.reminder_log import ReminderLog
from store.worklist import Worklist
from tests.integration.digest_support import cis_first_events, own_centre, run_digest
from tests.integration.scenario import Scenario
from tests.integration.staff_stack import DOMAIN, eventually, staff_stack


async def queued(pool, patient_ref: str, count: int):
    rows = await ReminderLog(pool).history(patient_ref)
    return rows if len(rows) == count and all(r.status == "queued" for r in rows) else None


async def test_the_cis_patients_r1_items_go_out_as_one_digest_per_recipient_once_a_day(
        env, pool, patient_ref, tmp_path):
    centre, neurologist = await own_centre(pool, tmp_path, patient_ref)
    async with staff_stack(env.client, pool, rulesets=single(default_ruleset()), directory=False) as stack:
        s = Scenario(env, stack, patient_ref)
        diagnosed = await s.today() - timedelta(days=1)  # its 08:00 heads-up has come, whatever the hour
        await s.record_all(cis_first_events(centre, neurologist, diagnosed), on=diagnosed)

        rows = await eventually(lambda: queued(pool, patient_ref, 4), what="the four R1 items queued")
        assert stack.catcher.received == [], "nothing is e-mailed before the digest"
        assert {(r.rule, r.step, r.channel) for r in rows} == {("R1", "heads_up", "email")}

        report = await run_digest(env.client, stack.task_queue, centre)
        again = await run_digest(env.client, stack.task_queue, centre)

    assert (report.sent, report.items, report.already_sent) == (2, 6, 0)
    assert (again.sent, again.already_sent) == (0, 2), "a second run the same day sends nothing"
    mails = {m["To"]: m for m in stack.catcher.messages}
    assert set(mails) == {f"{neurologist.lower()}@example.org", f"coord-{centre}@example.org"}

    to_neurologist = mails[f"{neurologist.lower()}@example.org"]
    text = to_neurologist.get_body(("plain",)).get_content()
    day = report.day.strftime("%d/%m/%Y")
    assert to_neurologist["Subject"] == f"[Rappel parcours] Récapitulatif du {day} : 4 éléments à suivre, 1 patient"
    assert to_neurologist["Message-ID"].startswith("<digest-") and to_neurologist["Message-ID"].endswith(f"@{DOMAIN}>")
    assert text.startswith("Bonjour Dr A. Martin,")
    assert "== À prévoir (4) ==" in text and text.count("(règle R1)") == 4
    assert to_neurologist.get_body(("html",)).get_content().count("<li>") == 4
    coordinator_text = mails[f"coord-{centre}@example.org"].get_body(("plain",)).get_content()
    assert coordinator_text.count("(règle R1)") == 2, "the coordinator gets the CRC items (R19)"

    rows = await ReminderLog(pool).history(patient_ref)
    assert all(r.status == "sent" and r.digest_id for r in rows), "each item's delivery is in the reminder log"
    worklist = [w for w in await Worklist(pool).open_obligations(centre_id=centre) if w["patient_ref"] == patient_ref]
    assert {(w["reminder_email"], w["digest_day"]) for w in worklist} == {("sent", report.day)}


async def test_a_back_dated_history_sends_nothing_at_import_and_lists_its_overdue_items_under_their_own_heading(
        env, pool, patient_ref, tmp_path):
    centre, neurologist = await own_centre(pool, tmp_path, patient_ref)
    async with staff_stack(env.client, pool, rulesets=single(default_ruleset()), directory=False) as stack:
        s = Scenario(env, stack, patient_ref)
        diagnosed = await s.today() - timedelta(days=400)  # yearly R5, R6, R7 due 35 days ago
        await s.record_events([s.event("diagnosis_recorded", diagnosed, diagnosis="relapsing_remitting"),
                               s.event("care_team_assigned", diagnosed, neurologist_id=neurologist, centre_id=centre)])
        rows = await eventually(lambda: queued(pool, patient_ref, 3), what="the overdue items queued")
        assert stack.catcher.received == [], "nothing is e-mailed during the import"
        worklist = [w for w in await Worklist(pool).open_obligations(centre_id=centre) if w["patient_ref"] == patient_ref]
        assert {(w["rule"], w["reminder_email"], w["found_at_import"]) for w in worklist} == {
            ("R5", "queued", True), ("R6", "queued", True), ("R7", "queued", True)}

        report = await run_digest(env.client, stack.task_queue, centre)

    assert report.sent == 2, "one message to the neurologist, one to the coordinator (escalated)"
    text = next(m for m in stack.catcher.messages if m["To"].startswith(neurologist.lower())).get_body(
        ("plain",)).get_content()
    assert "== En retard constaté à l'import (3) ==" in text
    assert "(35\u00a0jours de retard)" in text
    assert {r.rule for r in rows} == {"R5", "R6", "R7"}


async def test_a_centre_configured_immediate_emails_each_reminder_at_once_as_before_digests(
        env, pool, patient_ref, tmp_path):
    centre, neurologist = await own_centre(pool, tmp_path, patient_ref)
    async with staff_stack(env.client, pool, directory=False) as stack:  # the shipped ruleset, immediate
        s = Scenario(env, stack, patient_ref)
        diagnosed = await s.today() - timedelta(days=1)
        await s.record_all(cis_first_events(centre, neurologist, diagnosed), on=diagnosed)

        async def all_sent():
            rows = await ReminderLog(pool).history(patient_ref)
            return rows if len(rows) == 4 and all(r.status == "sent" for r in rows) else None
        rows = await eventually(all_sent, what="the four R1 reminders e-mailed")
        mails = await stack.catcher.wait_for(4)

    assert sorted(m["Message-ID"] for m in mails) == sorted(r.message_id for r in rows), "one e-mail per reminder"
    assert all(m["Message-ID"].startswith("<reminder-") and r.digest_id is None for m, r in zip(mails, rows))
    assert all(m["Subject"].startswith("[Rappel parcours] Préavis : ") for m in mails)
    text = mails[0].get_body(("plain",)).get_content()
    assert text.startswith("Bonjour Dr A. Martin,") and "(règle R1)" in text


async def test_a_digest_schedule_per_ruleset_in_force_fires_after_the_reminder_hour_in_the_centre_zone(env):
    nice = default_ruleset().with_settings(default_ruleset().settings.model_copy(
        update={"reminder_time": time(7, 45), "digest_after_minutes": 15}))
    registry = RulesetRegistry(default=default_ruleset(), by_centre={"C06": nice})
    task_queue = f"digest-schedules-{uuid.uuid4()}"
    try:
        first = await ensure_digest_schedules(env.client, task_queue, registry)
        again = await ensure_digest_schedules(env.client, task_queue, registry)
        described = {i: await env.client.get_schedule_handle(i).describe() for i in first}
    finally:
        for schedule_id in digest_schedules(task_queue, registry):
            with contextlib.suppress(Exception):
                await env.client.get_schedule_handle(schedule_id).delete()

    assert first == {"pathway-digest-default": "created", "pathway-digest-C06": "created"}
    assert set(again.values()) == {"updated"}
    when = {i: (d.schedule.spec.time_zone_name, d.schedule.spec.calendars[0].hour[0].start,
                d.schedule.spec.calendars[0].minute[0].start) for i, d in described.items()}
    assert when == {"pathway-digest-default": ("Europe/Paris", 8, 30), "pathway-digest-C06": ("Europe/Paris", 8, 0)}
    default_action = described["pathway-digest-default"].schedule.action
    assert default_action.workflow == "PathwayDigest" and default_action.task_queue == task_queue
