"""Issue 3 end to end: events land in the event store, plans in the read model, and
reminders reach staff by e-mail, recorded once in the reminder log."""

from __future__ import annotations

from collections import Counter

from domain.calendar import add_days, add_months
from domain.dispatch import ReminderMessage
from rulesets import default as default_ruleset
from service.metrics import REMINDERS_SENT
from service.rebuild import rebuild
from store.event_store import EventStore
from store.read_model import ReadModel
from store.reminder_log import ReminderLog
from tests.integration.scenario import Scenario
from tests.integration.staff_stack import DOMAIN, staff_stack
from tests.support.waiting import eventually

CARE_TEAM = ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"})
NATALIZUMAB_START = [
    ("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}), CARE_TEAM,
    ("mri_performed", {"regions": ["brain", "spinal"]}),
    ("treatment_started", {"molecule": "natalizumab"}),
    ("treatment_validated", {"via": "rcp_meeting", "molecule": "natalizumab"}),
    ("etp_assessed", {"referral_needed": False}),
]
# Started without validation, MRI or ETP assessment: R8, R11 and R15 are due at once.
UNPREPARED_START = [("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}), CARE_TEAM,
                    ("treatment_started", {"molecule": "natalizumab"})]


async def test_natalizumab_patient_gets_obligation_rows_then_reminder_rows_and_emails(env, pool, patient_ref):
    async with staff_stack(env.client, pool) as stack:
        s = Scenario(env, stack, patient_ref)
        t0 = await s.today()
        await s.record_all(NATALIZUMAB_START)

        validation = await eventually(lambda: _obligation(pool, patient_ref, "R15", "upcoming"),
                                      what="the upcoming R15 obligation row")
        assert validation["due_on"] == add_months(t0, 6)
        patient = await ReadModel(pool).patient(patient_ref)
        assert (patient["stage"], patient["molecule"], patient["neurologist_id"]) == ("risk_therapy", "natalizumab", "N12")
        assert len(await EventStore(pool).for_patient(patient_ref)) == len(NATALIZUMAB_START)

        await s.advance_to(add_days(add_months(t0, 6), -30))
        # A row is claimed (pending) before the e-mail goes out and marked sent after.
        reminders = await eventually(lambda: ReminderLog(pool).history(patient_ref),
                                     lambda rows: bool(rows) and all(r.status != "pending" for r in rows),
                                     what="reminder rows past pending")
        assert [(r.rule, r.step, r.channel, r.status, r.attempts) for r in reminders] == [
            ("R15", "heads_up", "email", "sent", 1)]
        mail = stack.catcher.received[-1]
        assert mail.message["Message-ID"] == f"<reminder-{reminders[0].reminder_id}@{DOMAIN}>"
        assert set(mail.rcpt_tos) == {"a.martin@example.org", "crc-coordination@example.org"}
        assert patient_ref in mail.message.get_body(("plain",)).get_content() and "natalizumab" not in mail.message.as_string()


async def test_reminders_refused_by_smtp_are_retried_and_each_delivered_once(env, pool, patient_ref):
    async with staff_stack(env.client, pool) as stack:
        stack.catcher.refuse(451, at="data")
        s = Scenario(env, stack, patient_ref)
        await s.record_all(UNPREPARED_START)

        async def retried_and_failing():
            rows = await ReminderLog(pool).history(patient_ref)
            return len(rows) == 3 and all(r.status == "failed" and r.attempts >= 2 for r in rows) and rows
        failing = await eventually(retried_and_failing, what="failed, retried deliveries")
        assert all("451" in r.last_error for r in failing) and stack.catcher.received == []

        stack.catcher.accept()

        async def all_sent():
            rows = await ReminderLog(pool).history(patient_ref)
            return all(r.status == "sent" for r in rows) and rows
        sent = await eventually(all_sent, what="deliveries after the outage")
        ids = Counter(m["Message-ID"] for m in stack.catcher.messages)
        assert sorted(ids) == sorted(r.message_id for r in sent) and set(ids.values()) == {1}


async def test_a_retried_delivery_after_the_send_was_recorded_sends_nothing_more(env, pool, patient_ref):
    async with staff_stack(env.client, pool, with_worker=False) as stack:
        s = Scenario(env, stack, patient_ref)
        plan_events = [s.event(t, await s.today(), **f) for t, f in UNPREPARED_START]
        from domain.planner import compute_plan

        plan = compute_plan(patient_ref, plan_events, await s.today(), default_ruleset())
        obligation = next(o for o in plan.obligations if o.rule == "R15")
        step = obligation.reminders[1]
        message = ReminderMessage(
            reminder_id=step.reminder_id, patient_ref=patient_ref, obligation_id=obligation.id, rule="R15",
            kind="treatment_validation", step=step.step, due_on=obligation.due_on, scheduled_at=step.at,
            escalated=False, recipients=step.recipients)

        sent_before = REMINDERS_SENT.labels("email")._value.get()
        await stack.delivery.send(message)
        await stack.delivery.send(message)  # what a retried activity does

        assert len(stack.catcher.messages) == 1
        assert REMINDERS_SENT.labels("email")._value.get() == sent_before + 1
        [row] = await ReminderLog(pool).history(patient_ref)
        assert (row.status, row.attempts) == ("sent", 1)


async def test_a_pathway_rebuilt_from_the_event_store_has_the_same_plan_and_resends_nothing(env, pool, patient_ref):
    async with staff_stack(env.client, pool) as stack:
        s = Scenario(env, stack, patient_ref)
        await s.record_all(UNPREPARED_START)
        await eventually(lambda: _all_sent(pool, patient_ref, 3), what="first deliveries")
        await s.record("mri_performed", regions=["brain", "spinal"])
        await s.settle()
        before = await s.plan()
        delivered = len(stack.catcher.messages)
        await s.handle.terminate("simulating a lost pathway")

        report = await rebuild(stack.intake().handoff, EventStore(pool), ReadModel(pool), patient_ref)

        assert (report.run_before, report.action) == ("TERMINATED", "restarted")
        assert report.consistent, report.differences
        assert report.stored_events == len(UNPREPARED_START) + 1
        assert await s.plan() == before
        await s.settle()
        assert len(stack.catcher.messages) == delivered, "a reminder recorded as sent was sent again"


async def _all_sent(pool, patient_ref: str, count: int) -> bool:
    rows = await ReminderLog(pool).history(patient_ref)
    return len(rows) == count and all(r.status == "sent" for r in rows)


async def _obligation(pool, patient_ref: str, rule: str, status: str) -> dict | None:
    rows = await ReadModel(pool).obligations(patient_ref)
    return next((r for r in rows if r["rule"] == rule and r["status"] == status), None)
