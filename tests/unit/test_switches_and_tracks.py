"""Switches (R20) and the post-treatment surveillance tracks (R16, R17)."""

from datetime import date

from domain import Stage, Status
from tests.unit.builders import (
    anomaly_codes,
    care_team,
    diagnosed,
    find,
    mri,
    only,
    open_one,
    plan_of,
    started,
    stopped,
    surveillance_ended,
    switched,
    validated,
)


def diagnosed_patient(*events):
    return [diagnosed("2024-06-01"), care_team("2024-06-01"), *events]


def after_mitoxantrone(*events):
    return diagnosed_patient(started("2025-01-10", "mitoxantrone"), validated("2025-01-10", "mitoxantrone"),
                             stopped("2026-01-15", "mitoxantrone"), *events)


def after_alemtuzumab(*events):
    return diagnosed_patient(started("2025-01-10", "alemtuzumab"), stopped("2026-01-15", "alemtuzumab"), *events)


# --- R16 ------------------------------------------------------------------------------


def test_r16_stopping_mitoxantrone_opens_the_post_mitoxantrone_track_beside_the_untreated_stage():
    plan = plan_of(after_mitoxantrone(), "2026-01-16")
    assert (plan.stage, plan.tracks, plan.molecule) == (Stage.UNTREATED_OTHER, ("post_mitoxantrone",), None)
    r16 = open_one(plan, "R16", "treatment_validation")
    assert (r16.due_on, r16.molecule, r16.heads_up_on) == (date(2027, 1, 15), "mitoxantrone", date(2026, 12, 16))


def test_r16_a_validation_on_the_stop_day_does_not_count_for_the_surveillance():
    plan = plan_of(after_mitoxantrone(validated("2026-01-15", "mitoxantrone")), "2026-01-16")
    assert open_one(plan, "R16").due_on == date(2027, 1, 15)
    assert find(plan, "R16", status=Status.SATISFIED) == []


def test_r16_surveillance_is_due_every_twelve_months_after_the_last_validation():
    plan = plan_of(after_mitoxantrone(validated("2027-01-05", "mitoxantrone", event_id="s1")), "2027-01-06")
    assert only(plan, "R16", status=Status.SATISFIED).satisfied_by == "s1"
    assert open_one(plan, "R16").due_on == date(2028, 1, 5)


def test_r16_surveillance_is_open_ended_until_a_clinician_ends_it():
    validations = [validated(f"{year}-01-10", "mitoxantrone") for year in range(2027, 2033)]
    plan = plan_of(after_mitoxantrone(*validations), "2032-06-01")
    assert plan.tracks == ("post_mitoxantrone",)
    assert len(find(plan, "R16", status=Status.SATISFIED)) == 6
    assert open_one(plan, "R16").due_on == date(2033, 1, 10)


def test_r16_surveillance_ended_closes_the_track_and_cancels_the_open_validation():
    plan = plan_of(after_mitoxantrone(surveillance_ended("2026-06-01", "post_mitoxantrone")), "2026-06-02")
    assert plan.tracks == ()
    r16 = only(plan, "R16")
    assert (r16.status, r16.cancelled_on) == (Status.CANCELLED, date(2026, 6, 1))


def test_r16_ending_a_track_that_is_not_open_is_an_anomaly():
    plan = plan_of(diagnosed_patient(surveillance_ended("2026-06-01", "post_mitoxantrone", event_id="end")), "2026-06-02")
    assert [(a.code, a.event_id) for a in plan.anomalies] == [("surveillance_ended_without_track", "end")]


# --- R17 ------------------------------------------------------------------------------


def test_r17_post_alemtuzumab_validation_is_due_three_months_after_the_stop_then_every_three_months():
    plan = plan_of(after_alemtuzumab(validated("2026-04-10", "alemtuzumab", event_id="a1")), "2026-04-11")
    assert plan.tracks == ("post_alemtuzumab",)
    first = only(plan, "R17", status=Status.SATISFIED)
    assert (first.due_on, first.satisfied_by) == (date(2026, 4, 15), "a1")
    assert open_one(plan, "R17").due_on == date(2026, 7, 10)


def test_r17_track_runs_beside_a_later_first_line_treatment():
    plan = plan_of(after_alemtuzumab(started("2026-06-01", "interferon_beta_1a")), "2026-06-02")
    assert (plan.stage, plan.tracks, plan.molecule) == (Stage.FIRST_LINE, ("post_alemtuzumab",), "interferon_beta_1a")
    assert open_one(plan, "R17").due_on == date(2026, 4, 15)
    assert open_one(plan, "R17").status is Status.OVERDUE


# --- R20 ------------------------------------------------------------------------------


def test_r20_switch_fingolimod_to_ocrelizumab_follows_the_new_molecule_rhythm():
    events = diagnosed_patient(
        started("2026-03-01", "fingolimod"), validated("2026-03-01", "fingolimod"),
        switched("2026-10-01", "fingolimod", "ocrelizumab"), validated("2026-10-01", "ocrelizumab", event_id="v-ocr"),
    )
    plan = plan_of(events, "2026-10-02")
    assert (plan.stage, plan.molecule, plan.tracks) == (Stage.RISK_THERAPY, "ocrelizumab", ())
    old = only(plan, "R15", status=Status.CANCELLED)
    assert (old.molecule, old.due_on, old.cancelled_on) == ("fingolimod", date(2027, 3, 1), date(2026, 10, 1))
    satisfied = find(plan, "R15", status=Status.SATISFIED)
    assert [(o.molecule, o.due_on) for o in satisfied] == [("fingolimod", date(2026, 3, 1)), ("ocrelizumab", date(2026, 10, 1))]
    assert satisfied[1].satisfied_by == "v-ocr"
    following = open_one(plan, "R15")
    assert (following.molecule, following.due_on) == ("ocrelizumab", date(2027, 4, 1))
    assert anomaly_codes(plan) == []


def test_r20_switch_from_first_line_to_risk_therapy_cancels_first_line_obligations_and_opens_risk_ones():
    events = diagnosed_patient(started("2026-03-01", "interferon_beta_1a"), mri("2026-02-15"),
                               switched("2026-05-01", "interferon_beta_1a", "natalizumab"))
    plan = plan_of(events, "2026-05-01")
    assert (plan.stage, plan.molecule) == (Stage.RISK_THERAPY, "natalizumab")
    for rule in ("R10", "R12"):
        assert {(o.status, o.cancelled_on) for o in find(plan, rule)} == {(Status.CANCELLED, date(2026, 5, 1))}
    assert {o.rule for o in plan.open_obligations()} == {"R8", "R15", "R18"}
    assert {o.due_on for o in plan.open_obligations() if o.rule in ("R8", "R15")} == {date(2026, 5, 1)}
    assert [o.status for o in find(plan, "R11")] == [Status.SATISFIED, Status.SATISFIED]
    assert open_one(plan, "R18").due_on == date(2027, 2, 15)


def test_r20_switching_away_from_alemtuzumab_opens_the_post_alemtuzumab_track():
    events = diagnosed_patient(started("2025-01-10", "alemtuzumab"), switched("2026-01-15", "alemtuzumab", "ocrelizumab"))
    plan = plan_of(events, "2026-01-16")
    assert (plan.stage, plan.molecule, plan.tracks) == (Stage.RISK_THERAPY, "ocrelizumab", ("post_alemtuzumab",))
    assert open_one(plan, "R17").due_on == date(2026, 4, 15)
    assert open_one(plan, "R15").molecule == "ocrelizumab"


def test_r20_switching_away_from_mitoxantrone_opens_the_post_mitoxantrone_track():
    events = diagnosed_patient(started("2025-01-10", "mitoxantrone"), switched("2026-01-15", "mitoxantrone", "teriflunomide"))
    plan = plan_of(events, "2026-01-16")
    assert (plan.stage, plan.tracks) == (Stage.FIRST_LINE, ("post_mitoxantrone",))
    assert open_one(plan, "R16").due_on == date(2027, 1, 15)


def test_r20_restarting_the_induction_molecule_closes_its_surveillance_track():
    plan = plan_of(after_alemtuzumab(started("2026-06-01", "alemtuzumab")), "2026-06-02")
    assert (plan.stage, plan.tracks) == (Stage.RISK_THERAPY, ())
    assert {(o.status, o.cancelled_on) for o in find(plan, "R17")} == {(Status.CANCELLED, date(2026, 6, 1))}


def test_r20_a_start_while_another_drug_is_current_is_taken_as_a_switch_with_an_anomaly():
    events = diagnosed_patient(started("2026-03-01", "fingolimod"), started("2026-09-01", "natalizumab", event_id="s2"))
    plan = plan_of(events, "2026-09-01")
    assert plan.molecule == "natalizumab"
    assert [(a.code, a.event_id) for a in plan.anomalies] == [("start_while_on_treatment", "s2")]
    assert {o.molecule for o in plan.open_obligations() if o.rule == "R15"} == {"natalizumab"}


def test_r20_a_switch_from_a_drug_the_patient_is_not_on_is_applied_and_reported():
    events = diagnosed_patient(started("2026-03-01", "fingolimod"),
                               switched("2026-09-01", "dimethyl_fumarate", "natalizumab", event_id="sw"))
    plan = plan_of(events, "2026-09-01")
    assert plan.molecule == "natalizumab"
    assert [(a.code, a.event_id) for a in plan.anomalies] == [("switch_from_other_molecule", "sw")]


def test_r20_a_switch_without_current_treatment_is_taken_as_a_start_with_an_anomaly():
    plan = plan_of(diagnosed_patient(switched("2026-09-01", "fingolimod", "natalizumab", event_id="sw")), "2026-09-01")
    assert (plan.stage, plan.molecule) == (Stage.RISK_THERAPY, "natalizumab")
    assert anomaly_codes(plan) == ["switch_without_treatment"]


def test_r20_a_stop_without_a_start_is_accepted_and_reported_as_an_anomaly():
    plan = plan_of(diagnosed_patient(stopped("2026-09-01", "fingolimod", event_id="st")), "2026-09-01")
    assert (plan.stage, plan.molecule) == (Stage.UNTREATED_OTHER, None)
    assert [(a.code, a.event_id) for a in plan.anomalies] == [("stop_without_start", "st")]


def test_r20_stopping_a_risk_therapy_cancels_its_obligations_and_opens_untreated_ones():
    events = diagnosed_patient(started("2026-03-01", "natalizumab"), stopped("2026-06-01", "natalizumab"))
    plan = plan_of(events, "2026-06-01")
    assert plan.stage is Stage.UNTREATED_OTHER
    assert {o.rule for o in plan.open_obligations()} == {"R5", "R6", "R7"}
    assert {o.cancelled_on for o in find(plan, status=Status.CANCELLED) if o.rule in ("R8", "R11", "R15", "R18")} == {
        date(2026, 6, 1)
    }


def test_r20_switch_between_first_line_drugs_restarts_the_mri_schedule_from_the_switch_date():
    events = diagnosed_patient(started("2026-03-01", "interferon_beta_1a"), mri("2026-02-20"),
                               switched("2026-08-01", "interferon_beta_1a", "teriflunomide"))
    plan = plan_of(events, "2026-08-01")
    assert (plan.stage, plan.molecule) == (Stage.FIRST_LINE, "teriflunomide")
    r12 = [(o.due_on, o.status, o.cancelled_on) for o in find(plan, "R12")]
    assert r12 == [
        (date(2026, 9, 1), Status.CANCELLED, date(2026, 8, 1)),
        (date(2027, 2, 1), Status.UPCOMING, None),
        (date(2027, 3, 1), Status.CANCELLED, date(2026, 8, 1)),
        (date(2027, 8, 1), Status.UPCOMING, None),
    ]
    assert [o.status for o in find(plan, "R11")] == [Status.SATISFIED, Status.DUE]
