"""Status ladder, reminder rungs, deterministic reminder ids and recipients (R19)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain import PathwaySettings, Status, compute_plan, local_date
from domain.reminders import reminder_id
from rulesets import default as default_ruleset
from tests.unit.builders import (
    CENTRE,
    NEUROLOGIST,
    PATIENT,
    anomaly_codes,
    care_team,
    cis,
    diagnosed,
    find,
    mri,
    mri_rhythm,
    only,
    open_one,
    plan_of,
    started,
    validated,
    visit,
)

PARIS = ZoneInfo("Europe/Paris")
DUE = date(2027, 1, 10)  # R5, R6, R7 for a patient diagnosed on 2026-01-10
UNTREATED = [diagnosed("2026-01-10"), care_team("2026-01-10")]


def r7_on(as_of: date):
    return only(plan_of(UNTREATED, as_of), "R7")


# --- status ladder --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        (DUE - timedelta(days=31), Status.UPCOMING),
        (DUE - timedelta(days=30), Status.DUE),
        (DUE, Status.DUE),
        (DUE + timedelta(days=1), Status.OVERDUE),
        (DUE + timedelta(days=179), Status.OVERDUE),
        (DUE + timedelta(days=180), Status.DEFAULTED),
        (DUE + timedelta(days=800), Status.DEFAULTED),
    ],
)
def test_status_is_upcoming_then_due_from_heads_up_then_overdue_then_defaulted_after_six_overdue_reminders(as_of, status):
    assert r7_on(as_of).status is status


def test_the_ladder_has_a_heads_up_a_due_reminder_and_six_overdue_ones_thirty_days_apart():
    rungs = [(r.step, r.at) for r in r7_on(DUE).reminders]
    expected_days = [DUE - timedelta(days=30), DUE] + [DUE + timedelta(days=30 * k) for k in range(1, 7)]
    expected_steps = ["heads_up", "due"] + [f"overdue_{k}" for k in range(1, 7)]
    assert rungs == [(s, datetime(d.year, d.month, d.day, 8, 0, tzinfo=PARIS)) for s, d in zip(expected_steps, expected_days)]


def test_a_defaulted_obligation_stays_on_the_worklist_and_gets_no_reminder_after_the_last_one():
    plan = plan_of(UNTREATED, DUE + timedelta(days=181))
    r7 = only(plan, "R7")
    assert r7 in plan.open_obligations() and r7.status is Status.DEFAULTED
    assert all(step.at.date() <= DUE + timedelta(days=180) for step in r7.reminders)
    assert plan.next_reminder_at is None


def test_satisfied_and_cancelled_obligations_carry_no_reminders():
    plan = plan_of([*UNTREATED, mri("2026-06-01"), started("2026-07-01", "interferon_beta_1a")], "2026-07-01")
    closed = [o for o in plan.obligations if o.status in (Status.SATISFIED, Status.CANCELLED)]
    assert {o.status for o in closed} == {Status.SATISFIED, Status.CANCELLED}
    assert all(o.reminders == () for o in closed)


# --- heads-up per kind ----------------------------------------------------------------


def test_heads_up_is_thirty_days_before_for_mri_and_fourteen_for_crc_information_and_edss():
    plan = plan_of(UNTREATED, "2026-01-10")
    assert {o.kind.value: o.heads_up_on for o in plan.obligations} == {
        "mri": date(2026, 12, 11), "crc_information": date(2026, 12, 27), "edss": date(2026, 12, 27),
    }


def test_heads_up_is_thirty_days_before_a_follow_up_visit_and_a_treatment_validation():
    cis_plan = plan_of([cis("2026-01-10", "2025-11-01"), visit("2026-02-15", "crc")], "2026-03-01")
    assert open_one(cis_plan, "R3").heads_up_on == date(2027, 1, 16)
    risk = plan_of([*UNTREATED, started("2026-03-01", "natalizumab"), validated("2026-03-01", "natalizumab")], "2026-03-01")
    assert open_one(risk, "R15").heads_up_on == date(2026, 8, 2)


def test_items_due_at_treatment_start_have_no_heads_up_and_are_due_at_once():
    plan = plan_of([*UNTREATED, started("2026-03-01", "natalizumab")], "2026-03-01")
    at_start = [o for o in plan.open_obligations() if o.rule in ("R8", "R11", "R15")]
    assert {(o.rule, o.heads_up_on, o.status) for o in at_start} == {
        ("R8", None, Status.DUE), ("R11", None, Status.DUE), ("R15", None, Status.DUE),
    }
    assert all(o.reminders[0].step == "due" for o in at_start)


def test_heads_up_days_are_a_setting():
    settings = PathwaySettings(heads_up_days={"mri": 60, "edss": 7})
    plan = plan_of(UNTREATED, "2026-01-10", settings)
    assert {o.kind.value: o.heads_up_on for o in plan.obligations} == {
        "mri": date(2026, 11, 11), "edss": date(2027, 1, 3), "crc_information": None,
    }


# --- reminder ids ---------------------------------------------------------------------


def test_reminder_ids_are_the_same_for_the_same_inputs():
    first, second = plan_of(UNTREATED, "2026-06-01"), plan_of(UNTREATED, "2026-09-01")
    assert [r.reminder_id for r in only(first, "R7").reminders] == [r.reminder_id for r in only(second, "R7").reminders]
    assert reminder_id(PATIENT, "x/R7/mri/1", DUE, "due") == reminder_id(PATIENT, "x/R7/mri/1", DUE, "due")


def test_reminder_ids_differ_by_step_obligation_patient_and_due_date():
    base = reminder_id(PATIENT, "x/R7/mri/1", DUE, "due")
    assert len({
        base,
        reminder_id(PATIENT, "x/R7/mri/1", DUE, "overdue_1"),
        reminder_id(PATIENT, "x/R6/edss/1", DUE, "due"),
        reminder_id("patient-0002", "x/R7/mri/1", DUE, "due"),
        reminder_id(PATIENT, "x/R7/mri/1", DUE + timedelta(days=1), "due"),
    }) == 5


def test_a_new_due_date_for_the_same_obligation_gives_new_reminder_ids():
    events = [*UNTREATED, started("2026-03-01", "fingolimod"), mri("2026-02-01")]
    yearly = open_one(plan_of(events, "2026-04-01"), "R18")
    six_monthly = open_one(plan_of([*events, mri_rhythm("2026-04-01", 6)], "2026-04-01"), "R18")
    assert yearly.id == six_monthly.id and yearly.due_on != six_monthly.due_on
    assert not {r.reminder_id for r in yearly.reminders} & {r.reminder_id for r in six_monthly.reminders}


def test_every_reminder_of_a_plan_has_a_distinct_id():
    plan = plan_of([*UNTREATED, started("2026-03-01", "natalizumab")], "2026-03-01")
    ids = [r.reminder_id for o in plan.obligations for r in o.reminders]
    assert len(ids) > 10 and len(ids) == len(set(ids))


# --- next_reminder_at -----------------------------------------------------------------


def test_next_reminder_is_the_earliest_rung_at_the_centre_reminder_hour():
    plan = plan_of(UNTREATED, "2026-01-10")
    assert plan.next_reminder_at == datetime(2026, 12, 11, 8, 0, tzinfo=PARIS)


def test_next_reminder_on_its_own_day_is_still_ahead_at_the_start_of_that_day():
    assert plan_of(UNTREATED, "2026-12-11").next_reminder_at == datetime(2026, 12, 11, 8, 0, tzinfo=PARIS)


def test_next_reminder_after_an_instant_skips_the_rungs_already_past():
    plan = compute_plan(PATIENT, UNTREATED, datetime(2026, 12, 11, 9, 0, tzinfo=PARIS), default_ruleset())
    assert plan.as_of == date(2026, 12, 11)
    assert plan.next_reminder_at == datetime(2026, 12, 27, 8, 0, tzinfo=PARIS)


# --- R19 recipients -------------------------------------------------------------------


def roles(step) -> list[tuple[str, str]]:
    return [(r.role, r.id) for r in step.recipients]


def test_r19_reminders_go_to_the_treating_neurologist():
    for step in r7_on(DUE).reminders:
        expected = [("neurologist", NEUROLOGIST)] + ([("crc_coordinator", CENTRE)] if step.step == "overdue_1" else [])
        assert roles(step) == expected


def test_r19_the_first_overdue_reminder_is_escalated_to_the_crc_coordinator():
    steps = {s.step: s for s in r7_on(DUE).reminders}
    assert [name for name, s in steps.items() if s.escalated] == ["overdue_1"]
    assert ("crc_coordinator", CENTRE) in roles(steps["overdue_1"])
    assert ("crc_coordinator", CENTRE) not in roles(steps["overdue_2"])


@pytest.mark.parametrize("rule", ["R5", "R15"])
def test_r19_crc_information_and_validations_also_go_to_the_crc_coordinator(rule):
    plan = plan_of([*UNTREATED, started("2027-06-01", "natalizumab")] if rule == "R15" else UNTREATED, "2027-06-01")
    obligation = [o for o in find(plan, rule) if o.reminders][0]
    assert all(roles(s)[:2] == [("neurologist", NEUROLOGIST), ("crc_coordinator", CENTRE)] for s in obligation.reminders)


def test_r19_initial_visit_and_samples_also_go_to_the_crc_coordinator():
    plan = plan_of([cis("2026-01-10", "2025-11-01"), care_team("2026-01-10")], "2026-01-10")
    for kind in ("initial_crc_visit", "biological_samples"):
        assert roles(only(plan, "R1", kind).reminders[0]) == [("neurologist", NEUROLOGIST), ("crc_coordinator", CENTRE)]
    assert roles(only(plan, "R1", "mri").reminders[0]) == [("neurologist", NEUROLOGIST)]


def test_r19_without_care_team_reminders_go_to_the_default_queue_with_an_anomaly():
    plan = plan_of([diagnosed("2026-01-10")], "2026-01-10")
    recipients = {roles(s)[0] for o in plan.obligations for s in o.reminders}
    assert recipients == {("default_queue", "crc-sep-marseille")}
    assert anomaly_codes(plan) == ["no_care_team"]


def test_r19_the_latest_care_team_assignment_wins():
    events = [*UNTREATED, care_team("2026-05-01", neurologist_id="neuro-99", centre_id="crc-nice")]
    steps = {s.step: s for s in only(plan_of(events, "2026-05-01"), "R7").reminders}
    assert roles(steps["overdue_1"]) == [("neurologist", "neuro-99"), ("crc_coordinator", "crc-nice")]


def test_the_clinical_today_is_the_centre_local_date_of_an_instant():
    assert local_date(datetime(2026, 12, 10, 23, 30, tzinfo=ZoneInfo("UTC"))) == date(2026, 12, 11)
    assert local_date(datetime(2026, 7, 1, 21, 59, tzinfo=ZoneInfo("UTC"))) == date(2026, 7, 1)
