"""Untreated stages: the CIS priority cohort (R1-R4) and other untreated patients (R5-R7)."""

from datetime import date

from domain import Stage, Status
from tests.unit.builders import (
    brain_mri,
    care_team,
    cis,
    crc_informed,
    diagnosed,
    edss,
    find,
    mri,
    only,
    open_one,
    plan_of,
    started,
    stopped,
    visit,
)

ONSET, DIAGNOSIS = "2025-11-01", "2026-01-10"
R1_DEADLINE = date(2026, 5, 1)
R1_KINDS = {"initial_crc_visit", "mri", "self_questionnaires", "biological_samples"}


def cis_patient(*events):
    return [cis(DIAGNOSIS, onset_on=ONSET), care_team(DIAGNOSIS), *events]


# --- stages ---------------------------------------------------------------------------


def test_cis_with_onset_less_than_six_months_before_diagnosis_is_in_the_priority_cohort():
    assert plan_of([cis("2026-01-10", onset_on="2025-07-11")], "2026-01-10").stage is Stage.UNTREATED_CIS_PRIORITY


def test_cis_with_onset_exactly_six_months_before_diagnosis_is_not_in_the_priority_cohort():
    assert plan_of([cis("2026-01-10", onset_on="2025-07-10")], "2026-01-10").stage is Stage.UNTREATED_OTHER


def test_a_relapsing_remitting_diagnosis_without_treatment_is_untreated_other():
    assert plan_of([diagnosed("2026-01-10")], "2026-01-10").stage is Stage.UNTREATED_OTHER


def test_no_diagnosis_means_no_stage_and_no_obligation():
    plan = plan_of([care_team("2026-01-10")], "2026-01-10")
    assert plan.stage is None and plan.obligations == ()


# --- R1 -------------------------------------------------------------------------------


def test_r1_initial_visit_items_are_due_at_once_with_deadline_cis_onset_plus_six_months():
    plan = plan_of(cis_patient(), "2026-02-01")
    r1 = find(plan, "R1")
    assert {o.kind.value for o in r1} == R1_KINDS
    for o in r1:
        assert (o.due_on, o.deadline_on, o.heads_up_on, o.status) == (R1_DEADLINE, R1_DEADLINE, date(2026, 1, 10), Status.DUE)
    assert only(plan, "R1", "mri").regions == ("brain",)


def test_r1_items_are_satisfied_by_a_full_crc_visit_and_a_brain_mri():
    full_visit, exam = visit("2026-02-15", "crc", event_id="visit-1"), brain_mri("2026-02-10", event_id="mri-1")
    plan = plan_of(cis_patient(full_visit, exam), "2026-03-01")
    assert {o.kind.value: o.satisfied_by for o in find(plan, "R1")} == {
        "initial_crc_visit": "visit-1", "mri": "mri-1", "self_questionnaires": "visit-1", "biological_samples": "visit-1",
    }
    assert all(o.status is Status.SATISFIED for o in find(plan, "R1"))


def test_r1_initial_visit_may_be_at_a_hospital_with_the_platform():
    plan = plan_of(cis_patient(visit("2026-02-15", "hospital_platform", event_id="visit-h")), "2026-03-01")
    assert only(plan, "R1", "initial_crc_visit").satisfied_by == "visit-h"


def test_r1_initial_visit_is_not_satisfied_by_a_visit_at_the_neurologist():
    plan = plan_of(cis_patient(visit("2026-02-15", "neurologist", transmitted_to_crc=True)), "2026-03-01")
    assert only(plan, "R1", "initial_crc_visit").status is Status.DUE


def test_r1_items_become_overdue_after_the_cohort_deadline():
    plan = plan_of(cis_patient(), "2026-05-02")
    assert {o.status for o in find(plan, "R1")} == {Status.OVERDUE}


def test_r1_open_items_are_cancelled_when_treatment_starts():
    plan = plan_of(cis_patient(started("2026-03-01", "interferon_beta_1a")), "2026-03-02")
    assert plan.stage is Stage.FIRST_LINE
    assert {(o.status, o.cancelled_on) for o in find(plan, "R1")} == {(Status.CANCELLED, date(2026, 3, 1))}


# --- R2 -------------------------------------------------------------------------------


def test_r2_samples_the_initial_visit_could_not_take_are_due_at_the_crc_three_months_after_it():
    initial = visit("2026-02-15", "hospital_platform", ["neurological_evaluation", "self_questionnaires"])
    plan = plan_of(cis_patient(initial), "2026-03-01")
    r2 = only(plan, "R2", "biological_samples")
    assert (r2.due_on, r2.deadline_on, r2.status) == (date(2026, 5, 15), date(2026, 5, 15), Status.UPCOMING)
    assert find(plan, "R1", "biological_samples") == []


def test_r2_is_satisfied_by_a_later_visit_collecting_the_samples():
    initial = visit("2026-02-15", "hospital_platform", ["neurological_evaluation"])
    samples = visit("2026-04-01", "crc", ["biological_samples"], event_id="samples-1")
    plan = plan_of(cis_patient(initial, samples), "2026-04-02")
    r2 = only(plan, "R2")
    assert (r2.status, r2.satisfied_by, r2.satisfied_on) == (Status.SATISFIED, "samples-1", date(2026, 4, 1))


def test_r2_is_not_needed_when_the_initial_visit_took_the_samples():
    plan = plan_of(cis_patient(visit("2026-02-15", "crc")), "2026-03-01")
    assert find(plan, "R2") == []
    assert only(plan, "R1", "biological_samples").status is Status.SATISFIED


# --- R3 -------------------------------------------------------------------------------


def test_r3_annual_follow_up_visit_is_due_twelve_months_after_the_initial_visit():
    plan = plan_of(cis_patient(visit("2026-02-15", "crc")), "2026-03-01")
    r3 = open_one(plan, "R3", "follow_up_visit")
    assert (r3.due_on, r3.heads_up_on, r3.status) == (date(2027, 2, 15), date(2027, 1, 16), Status.UPCOMING)


def test_r3_a_neurologist_visit_transmitted_to_the_crc_counts_and_restarts_the_year():
    events = cis_patient(
        visit("2026-02-15", "crc"),
        visit("2027-02-01", "neurologist", ["neurological_evaluation"], transmitted_to_crc=True, event_id="neuro-visit"),
    )
    plan = plan_of(events, "2027-02-02")
    assert only(plan, "R3", status=Status.SATISFIED).satisfied_by == "neuro-visit"
    assert open_one(plan, "R3").due_on == date(2028, 2, 1)


def test_r3_a_neurologist_visit_not_transmitted_to_the_crc_does_not_count():
    events = cis_patient(
        visit("2026-02-15", "crc"),
        visit("2027-02-01", "neurologist", ["neurological_evaluation"], transmitted_to_crc=False),
    )
    plan = plan_of(events, "2027-02-20")
    r3 = open_one(plan, "R3")
    assert (r3.due_on, r3.status) == (date(2027, 2, 15), Status.OVERDUE)


# --- R4 -------------------------------------------------------------------------------


def test_r4_annual_ofsep_brain_mri_is_due_twelve_months_after_the_previous_one():
    events = cis_patient(brain_mri("2026-02-10"), brain_mri("2027-01-20", event_id="mri-2"))
    plan = plan_of(events, "2027-02-01")
    assert only(plan, "R4", status=Status.SATISFIED).satisfied_by == "mri-2"
    r4 = open_one(plan, "R4", "mri")
    assert (r4.due_on, r4.regions) == (date(2028, 1, 20), ("brain",))


# --- R5, R6, R7 -----------------------------------------------------------------------


def test_r5_r6_r7_are_due_a_year_after_diagnosis_when_nothing_was_done_before():
    plan = plan_of([diagnosed("2026-01-10")], "2026-01-10")
    assert {(o.rule, o.kind.value, o.due_on) for o in plan.obligations} == {
        ("R5", "crc_information", date(2027, 1, 10)),
        ("R6", "edss", date(2027, 1, 10)),
        ("R7", "mri", date(2027, 1, 10)),
    }


def test_r5_r6_r7_count_acts_from_before_the_diagnosis_so_an_old_mri_is_overdue_at_once():
    events = [crc_informed("2025-09-01"), edss("2025-12-01"), brain_mri("2024-12-01"), diagnosed("2026-01-10")]
    plan = plan_of(events, "2026-01-10")
    assert (open_one(plan, "R5").due_on, open_one(plan, "R6").due_on) == (date(2026, 9, 1), date(2026, 12, 1))
    r7 = open_one(plan, "R7")
    assert (r7.due_on, r7.status) == (date(2025, 12, 1), Status.OVERDUE)


def test_r5_crc_information_is_satisfied_by_a_letter_or_any_crc_visit():
    events = [diagnosed("2026-01-10"), crc_informed("2026-12-20", event_id="letter"),
              visit("2027-06-01", "crc", ["self_questionnaires"], event_id="crc-visit")]
    plan = plan_of(events, "2027-06-02")
    assert [o.satisfied_by for o in find(plan, "R5", status=Status.SATISFIED)] == ["letter", "crc-visit"]
    assert open_one(plan, "R5").due_on == date(2028, 6, 1)


def test_r6_edss_recorded_restarts_the_yearly_rhythm():
    plan = plan_of([diagnosed("2026-01-10"), edss("2026-11-30", 3.5, event_id="edss-1")], "2026-12-01")
    assert only(plan, "R6", status=Status.SATISFIED).satisfied_by == "edss-1"
    assert open_one(plan, "R6").due_on == date(2027, 11, 30)


def test_r7_yearly_mri_is_brain_only_and_satisfied_by_a_brain_and_spinal_exam():
    events = [diagnosed("2026-01-10"), mri("2026-12-01", ["brain", "spinal"], event_id="b")]
    plan = plan_of(events, "2027-01-02")
    assert only(plan, "R7", status=Status.SATISFIED).satisfied_by == "b"
    r7 = open_one(plan, "R7")
    assert (r7.due_on, r7.regions) == (date(2027, 12, 1), ("brain",))


def test_stopping_treatment_of_a_former_cis_patient_leads_to_untreated_other_not_back_to_priority():
    events = [cis("2026-01-10", onset_on="2025-11-01"), started("2026-02-01", "teriflunomide"),
              stopped("2026-03-01", "teriflunomide")]
    plan = plan_of(events, "2026-03-02")
    assert plan.stage is Stage.UNTREATED_OTHER
    assert {o.rule for o in plan.open_obligations()} == {"R5", "R6", "R7"}


def test_r1_a_cis_converting_to_relapsing_remitting_ms_cancels_open_r1_items_and_opens_r5_to_r7():
    events = cis_patient(visit("2026-02-01", "crc", ["neurological_evaluation"]), diagnosed("2026-04-01"))
    plan = plan_of(events, "2026-05-01")
    assert plan.stage is Stage.UNTREATED_OTHER
    assert {(o.kind.value, o.status) for o in find(plan, "R1")} == {
        ("initial_crc_visit", Status.SATISFIED), ("mri", Status.CANCELLED),
        ("self_questionnaires", Status.CANCELLED),
    }
    assert {o.due_on for o in find(plan, "R1")} == {R1_DEADLINE}
    assert only(plan, "R2").status is Status.CANCELLED
    assert {(o.rule, o.due_on) for o in plan.open_obligations()} == {
        ("R5", date(2027, 2, 1)), ("R6", date(2027, 4, 1)), ("R7", date(2027, 4, 1)),
    }
