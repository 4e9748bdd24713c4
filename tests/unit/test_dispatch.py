"""Which reminders go out (domain.dispatch): the latest rung only, escalation once per
obligation whichever rung goes first, nothing for satisfied or defaulted items, and
undelivered reminders shown as anomalies."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain import DEFAULT_SETTINGS, compute_plan
from domain.dispatch import UNDELIVERED, DeliveryHistory, DeliveryRecord, due_reminders, with_delivery_anomalies
from domain.plan import Recipient
from rulesets import default as default_ruleset
from tests.unit.builders import PATIENT, brain_mri, care_team, diagnosed, etp_assessed, mri, started, validated

PARIS = ZoneInfo("Europe/Paris")
NEUROLOGIST = Recipient(role="neurologist", id="N12")
COORDINATOR = Recipient(role="crc_coordinator", id="C13")

# Issue 10, case 5: a natalizumab patient whose last MRI was 2025-09-15 (R18 due 2026-09-15),
# whose history arrives on 2026-11-30.
LATE_ONBOARDING = [diagnosed("2025-01-10"), care_team("2025-01-10", "N12", "C13"), mri("2025-01-20"),
                   started("2025-02-01", "natalizumab"), validated("2025-02-01", "natalizumab"),
                   etp_assessed("2025-02-01"), validated("2025-08-01", "natalizumab"),
                   validated("2026-02-01", "natalizumab"), validated("2026-08-01", "natalizumab"),
                   brain_mri("2025-09-15")]


def at(day: str, hour: int = 12) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), tzinfo=PARIS)


NOTHING_SENT = DeliveryHistory()


def due_at(events, moment: datetime, history: DeliveryHistory = NOTHING_SENT):
    plan = compute_plan(PATIENT, events, moment, default_ruleset())
    return plan, due_reminders(plan, moment, history, default_ruleset(), based_on_seq=7)


def sent(*messages) -> DeliveryHistory:
    return DeliveryHistory.of(DeliveryRecord(m.reminder_id, m.obligation_id, m.due_on, m.escalated, "sent")
                              for m in messages)


def test_a_late_onboarding_sends_the_latest_rung_escalated_to_the_coordinator():
    _, reminders = due_at(LATE_ONBOARDING, at("2026-11-30"))

    [r18] = [r for r in reminders if r.rule == "R18"]
    assert (r18.step, r18.due_on, r18.escalated) == ("overdue_2", date(2026, 9, 15), True)
    assert r18.recipients == (NEUROLOGIST, COORDINATOR)
    assert r18.based_on_seq == 7 and not r18.last


def test_the_escalation_goes_once_per_obligation_whichever_rung_went_first():
    _, first = due_at(LATE_ONBOARDING, at("2026-11-30"))
    history = sent(*first)

    _, later = due_at(LATE_ONBOARDING, at("2026-12-15"), history)

    [r18] = [r for r in later if r.rule == "R18"]
    assert (r18.step, r18.escalated, r18.recipients) == ("overdue_3", False, (NEUROLOGIST,))


def test_a_delivered_rung_is_not_sent_again_and_an_undelivered_one_is_offered_again():
    _, first = due_at(LATE_ONBOARDING, at("2026-11-30"))
    _, delivered = due_at(LATE_ONBOARDING, at("2026-11-30", 15), sent(*first))
    waiting = DeliveryHistory.of(DeliveryRecord(m.reminder_id, m.obligation_id, m.due_on, m.escalated, "waiting",
                                                "no address for neurologist N12") for m in first)
    plan, offered = due_at(LATE_ONBOARDING, at("2026-11-30", 15), waiting)

    assert delivered == ()
    assert [m.reminder_id for m in offered] == [m.reminder_id for m in first]
    shown = with_delivery_anomalies(plan, at("2026-11-30", 15), waiting)
    assert [a.code for a in shown.anomalies].count(UNDELIVERED) == len(first)
    assert "no address for neurologist N12" in shown.anomalies[-1].message


def test_an_undelivered_reminder_shows_on_a_plan_read_by_a_clock_behind_the_sender():
    # Sent by a run whose clock said 08:00; the plan read at 07:59 by another process still
    # shows it undelivered: the reminder log is the authority on what was tried.
    _, first = due_at(LATE_ONBOARDING, at("2026-11-30", 9))
    waiting = DeliveryHistory.of(DeliveryRecord(m.reminder_id, m.obligation_id, m.due_on, m.escalated, "waiting",
                                                "no address for neurologist N12") for m in first)
    plan, _ = due_at(LATE_ONBOARDING, at("2026-11-30", 9), waiting)
    before = min(m.scheduled_at for m in first) - timedelta(minutes=1)

    shown = with_delivery_anomalies(plan, before, waiting)

    assert [a.code for a in shown.anomalies].count(UNDELIVERED) == len(first)


def test_an_obligation_defaulted_before_anyone_could_be_told_gets_no_message():
    # R18 due 2026-09-15: its last (sixth) overdue rung was on 2027-03-14.
    plan, reminders = due_at(LATE_ONBOARDING, at("2027-04-01"))

    assert [o.status.value for o in plan.open_obligations() if o.rule == "R18"] == ["defaulted"]
    assert [r for r in reminders if r.rule == "R18"] == []


def test_the_last_rung_goes_out_on_its_own_day_and_says_it_is_the_last():
    _, reminders = due_at(LATE_ONBOARDING, at("2027-03-14", 9))

    [r18] = [r for r in reminders if r.rule == "R18"]
    assert (r18.step, r18.last, r18.escalated) == ("overdue_6", True, True)


def test_satisfied_obligations_get_nothing():
    done = [*LATE_ONBOARDING, brain_mri("2026-11-29")]
    _, reminders = due_at(done, at("2026-11-30"))

    assert [r for r in reminders if r.rule == "R18"] == []


def test_no_care_team_sends_to_the_default_queue_without_escalation_target():
    events = [e for e in LATE_ONBOARDING if e.type != "care_team_assigned"]
    _, reminders = due_at(events, at("2026-11-30"))

    [r18] = [r for r in reminders if r.rule == "R18"]
    assert r18.recipients == (Recipient(role="default_queue", id=DEFAULT_SETTINGS.default_centre_id),)


def test_the_obligation_carries_its_instructions_to_the_message():
    first_line = [diagnosed("2026-01-10"), care_team("2026-01-10", "N12", "C13"), started("2026-01-10", "teriflunomide")]
    _, reminders = due_at(first_line, at("2026-01-10") + timedelta(hours=1))

    [r11] = [r for r in reminders if r.rule == "R11"]
    assert r11.instructions and r11.instructions[0].startswith("R14")


# --- issue 14: delivery mode, locale, quiet go-live --------------------------------------------

def test_a_late_onboardings_overdue_items_are_found_at_import_and_later_rungs_are_not():
    imported = at("2026-11-30", 10)
    plan = compute_plan(PATIENT, LATE_ONBOARDING, at("2026-11-30"), default_ruleset())
    [r18] = [r for r in due_reminders(plan, at("2026-11-30"), NOTHING_SENT, default_ruleset(), imported_at=imported)
             if r.rule == "R18"]
    assert (r18.step, r18.found_at_import) == ("overdue_2", True)

    later = compute_plan(PATIENT, LATE_ONBOARDING, at("2026-12-15"), default_ruleset())
    [next_r18] = [r for r in due_reminders(later, at("2026-12-15"), sent(r18), default_ruleset(), imported_at=imported)
                  if r.rule == "R18"]
    assert (next_r18.step, next_r18.found_at_import) == ("overdue_3", False)


def test_without_an_import_time_nothing_is_found_at_import():
    _, reminders = due_at(LATE_ONBOARDING, at("2026-11-30"))
    assert not any(r.found_at_import for r in reminders)


def test_a_queued_reminder_is_not_offered_again_and_its_escalation_counts():
    _, first = due_at(LATE_ONBOARDING, at("2026-11-30"))
    history = DeliveryHistory.of(DeliveryRecord(m.reminder_id, m.obligation_id, m.due_on, m.escalated, "queued")
                                 for m in first)
    _, again = due_at(LATE_ONBOARDING, at("2026-11-30", 13), history)
    assert again == ()
    _, later = due_at(LATE_ONBOARDING, at("2026-12-15"), history)
    assert not any(r.escalated for r in later if r.rule == "R18")


def test_reminders_carry_the_centre_its_language_and_its_delivery_mode_per_kind_and_escalation():
    settings = type(DEFAULT_SETTINGS).model_validate(default_ruleset().settings.model_dump() | {
        "delivery_mode_by_kind": {"treatment_validation": "immediate"}, "escalation_delivery_mode": "immediate",
        "locale": "en"})
    ruleset = default_ruleset().with_settings(settings)
    plan = compute_plan(PATIENT, LATE_ONBOARDING, at("2026-11-30"), ruleset)
    modes = {(r.rule, r.escalated): r.mode for r in due_reminders(plan, at("2026-11-30"), NOTHING_SENT, ruleset)}

    assert modes[("R18", True)] == "immediate", "escalations configured immediate"
    assert all(r.centre == "C13" and r.locale == "en"
               for r in due_reminders(plan, at("2026-11-30"), NOTHING_SENT, ruleset))
    assert default_ruleset().settings.delivery_mode_for("mri", escalated=False).value == "digest"
    assert settings.delivery_mode_for("treatment_validation", escalated=False).value == "immediate"
    assert settings.delivery_mode_for("mri", escalated=False).value == "digest"
