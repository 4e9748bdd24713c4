"""Settling from the store (service.settlement): the plan of every stored event, published
with the store position it covers; the reminders due chosen against the reminder log."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from domain.dispatch import UNDELIVERED
from domain.ruleset import single
from rulesets import default as default_ruleset
from service.settlement import Settlement
from store.event_store import EventStore
from store.read_model import ReadModel
from store.reminder_log import ReminderLog
from tests.store.test_event_store import event

PARIS = ZoneInfo("Europe/Paris")
REGISTRY = single(default_ruleset())


def late_onboarding(ref: str) -> list:
    """A natalizumab patient whose R18 MRI was due 2026-09-15; the history arrives 2026-11-30."""
    return [
        event(ref, f"{ref}-1", "diagnosis_recorded", "2025-01-10", diagnosis="relapsing_remitting"),
        event(ref, f"{ref}-2", "care_team_assigned", "2025-01-10", neurologist_id="N12", centre_id="C13"),
        event(ref, f"{ref}-3", "mri_performed", "2025-01-20", regions=["brain", "spinal"]),
        event(ref, f"{ref}-4", "treatment_started", "2025-02-01", molecule="natalizumab"),
        event(ref, f"{ref}-5", "treatment_validated", "2025-02-01", via="rcp_meeting", molecule="natalizumab"),
        event(ref, f"{ref}-6", "etp_assessed", "2025-02-01", referral_needed=False),
        event(ref, f"{ref}-7", "treatment_validated", "2026-08-01", via="crc_visit", molecule="natalizumab"),
        event(ref, f"{ref}-8", "mri_performed", "2025-09-15", regions=["brain"]),
    ]


def noon(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(12), tzinfo=PARIS)


async def test_a_settle_publishes_the_plan_with_the_store_position_and_the_run(pool, patient_ref):
    appended = await EventStore(pool).append(patient_ref, late_onboarding(patient_ref))

    digest = await Settlement(pool, REGISTRY).settle(patient_ref, noon("2026-11-30"), run_id="run-1")

    assert digest.stored_seq == appended.record.stored_seq and digest.summary.events_recorded == 8
    patient = await ReadModel(pool).patient(patient_ref)
    assert (patient["plan_version"], patient["stage"], patient["as_of"]) == (
        appended.record.stored_seq, "risk_therapy", date(2026, 11, 30))
    record = await EventStore(pool).pathway(patient_ref)
    assert (record.settled_seq, record.settled_run_id, record.unsettled) == (appended.record.stored_seq, "run-1", False)
    assert [(r.rule, r.step, r.escalated) for r in digest.reminders if r.rule == "R18"] == [("R18", "overdue_2", True)]


async def test_what_the_reminder_log_holds_decides_what_is_offered_again(pool, patient_ref):
    await EventStore(pool).append(patient_ref, late_onboarding(patient_ref))
    settlement, log = Settlement(pool, REGISTRY), ReminderLog(pool)
    first = await settlement.settle(patient_ref, noon("2026-11-30"), run_id="run-1")
    r18 = next(r for r in first.reminders if r.rule == "R18")
    await log.claim(r18, "email", [], "mid-1")
    await log.mark_waiting(r18.reminder_id, "email", "no address for neurologist N12")

    waiting = await settlement.settle(patient_ref, noon("2026-11-30"), run_id="run-1")
    shown = [a["code"] for a in (await ReadModel(pool).patient(patient_ref))["anomalies"]]
    await log.mark_sent(r18.reminder_id, "email")
    delivered = await settlement.settle(patient_ref, noon("2026-12-15"), run_id="run-1")

    assert r18.reminder_id in {r.reminder_id for r in waiting.reminders}
    assert UNDELIVERED in shown and waiting.summary.anomalies == first.summary.anomalies + 1
    later = next(r for r in delivered.reminders if r.rule == "R18")
    assert (later.step, later.escalated) == ("overdue_3", False)
