"""Treatment: every start (R8, R9, R11), first line (R10, R12, R14), risk therapy (R15, R18)."""

from datetime import date

from domain import MriPolicy, PathwaySettings, Stage, Status
from rulesets import default as default_ruleset
from tests.unit.builders import (
    anomaly_codes,
    brain_mri,
    care_team,
    crc_informed,
    diagnosed,
    etp_assessed,
    etp_referral,
    find,
    mri,
    mri_rhythm,
    only,
    open_one,
    plan_of,
    spinal_mri,
    started,
    switched,
    validated,
)

START = "2026-03-01"
EPIDEMIOLOGICAL = "ofsep_epidemiological"
OFSEP_MINIMUM = PathwaySettings(mri_policy=MriPolicy.OFSEP_MINIMUM)


def on_treatment(molecule: str, *events, start: str = START):
    return [diagnosed("2025-06-01"), care_team("2025-06-01"), started(start, molecule), *events]


# --- R8, R9 ---------------------------------------------------------------------------


def test_r8_etp_assessment_is_due_at_treatment_start_without_heads_up():
    plan = plan_of(on_treatment("interferon_beta_1a"), START)
    r8 = only(plan, "R8", "etp_assessment")
    assert (r8.due_on, r8.heads_up_on, r8.status) == (date(2026, 3, 1), None, Status.DUE)


def test_r8_etp_assessment_is_overdue_the_day_after_the_start():
    assert only(plan_of(on_treatment("interferon_beta_1a"), "2026-03-02"), "R8").status is Status.OVERDUE


def test_r8_an_assessment_from_90_days_before_the_start_counts():
    plan = plan_of(on_treatment("interferon_beta_1a", etp_assessed("2025-12-01", event_id="etp")), START)
    assert only(plan, "R8").satisfied_by == "etp"


def test_r8_an_assessment_from_91_days_before_the_start_does_not_count():
    plan = plan_of(on_treatment("interferon_beta_1a", etp_assessed("2025-11-30")), START)
    assert only(plan, "R8").status is Status.DUE


def test_r9_referral_is_due_on_the_assessment_date_when_a_need_was_found():
    plan = plan_of(on_treatment("interferon_beta_1a", etp_assessed("2026-03-05", referral_needed=True)), "2026-03-10")
    r9 = only(plan, "R9", "etp_referral")
    assert (r9.due_on, r9.status, r9.heads_up_on) == (date(2026, 3, 5), Status.OVERDUE, None)


def test_r9_referral_is_satisfied_by_a_proposed_referral():
    events = on_treatment("interferon_beta_1a", etp_assessed("2026-03-05", referral_needed=True),
                          etp_referral("2026-03-20", event_id="ref"))
    r9 = only(plan_of(events, "2026-03-21"), "R9")
    assert (r9.status, r9.satisfied_by) == (Status.SATISFIED, "ref")


def test_r9_no_referral_is_asked_when_the_assessment_found_no_need():
    plan = plan_of(on_treatment("interferon_beta_1a", etp_assessed("2026-03-05", referral_needed=False)), "2026-03-10")
    assert only(plan, "R8").status is Status.SATISFIED
    assert find(plan, "R9") == []


# --- R10 ------------------------------------------------------------------------------


def test_r10_first_line_crc_information_is_due_a_year_after_the_start_without_earlier_information():
    plan = plan_of(on_treatment("glatiramer_acetate"), START)
    assert plan.stage is Stage.FIRST_LINE
    r10 = open_one(plan, "R10", "crc_information")
    assert (r10.due_on, r10.heads_up_on) == (date(2027, 3, 1), date(2027, 2, 15))


def test_r10_counts_crc_information_given_before_the_start():
    plan = plan_of(on_treatment("glatiramer_acetate", crc_informed("2025-10-01")), START)
    assert open_one(plan, "R10").due_on == date(2026, 10, 1)


def test_r10_runs_on_across_a_switch_between_first_line_drugs():
    before = plan_of(on_treatment("interferon_beta_1a"), "2026-08-31")
    after = plan_of(on_treatment("interferon_beta_1a", switched("2026-09-01", "interferon_beta_1a", "teriflunomide")),
                    "2026-09-01")
    assert open_one(after, "R10").id == open_one(before, "R10").id
    assert open_one(after, "R10").due_on == date(2027, 3, 1)
    assert find(after, "R10", status=Status.CANCELLED) == []


# --- R11 ------------------------------------------------------------------------------


def test_r11_a_brain_and_spinal_mri_within_three_months_before_start_satisfies_it():
    plan = plan_of(on_treatment("interferon_beta_1a", mri("2025-12-01", event_id="pre")), START)
    r11 = only(plan, "R11", "mri")
    assert (r11.status, r11.satisfied_by, r11.regions) == (Status.SATISFIED, "pre", ("brain", "spinal"))


def test_r11_without_a_recent_mri_is_due_at_the_start_and_overdue_after():
    events = on_treatment("interferon_beta_1a", mri("2025-11-30"))
    assert only(plan_of(events, START), "R11").status is Status.DUE
    r11 = only(plan_of(events, "2026-03-02"), "R11")
    assert (r11.due_on, r11.heads_up_on, r11.status) == (date(2026, 3, 1), None, Status.OVERDUE)


def test_r11_a_brain_only_mri_does_not_satisfy_the_crc_policy():
    plan = plan_of(on_treatment("interferon_beta_1a", brain_mri("2026-02-01")), START)
    assert only(plan, "R11").status is Status.DUE


def test_r11_a_brain_only_mri_satisfies_the_ofsep_minimum_policy():
    plan = plan_of(on_treatment("interferon_beta_1a", brain_mri("2026-02-01", event_id="b")), START, OFSEP_MINIMUM)
    r11 = only(plan, "R11")
    assert (r11.satisfied_by, r11.regions) == ("b", ("brain",))


def test_r11_applies_to_risk_therapies_as_well_brain_and_spinal_without_r14_text():
    plan = plan_of(on_treatment("natalizumab"), START)
    r11 = only(plan, "R11")
    assert (r11.status, r11.regions, r11.instructions, r11.tags) == (Status.DUE, ("brain", "spinal"), (), ())


def test_r11_is_tagged_ofsep_epidemiological_as_the_m0_mri_of_first_line():
    assert only(plan_of(on_treatment("interferon_beta_1a"), START), "R11").tags == (EPIDEMIOLOGICAL,)


# --- R12 ------------------------------------------------------------------------------


def test_r12_reference_mri_at_m6_and_efficacy_mri_at_m12_are_fixed_dates_from_the_start():
    plan = plan_of(on_treatment("interferon_beta_1a"), START)
    m6, m12 = find(plan, "R12")
    assert (m6.due_on, m6.heads_up_on, m6.regions, m6.tags) == (date(2026, 9, 1), date(2026, 8, 2), ("brain", "spinal"), ())
    assert (m12.due_on, m12.tags) == (date(2027, 3, 1), (EPIDEMIOLOGICAL,))


def test_r12_an_mri_from_30_days_before_a_milestone_counts_for_it():
    plan = plan_of(on_treatment("interferon_beta_1a", mri("2026-08-02", event_id="m6")), "2026-08-03")
    m6, m12 = find(plan, "R12")
    assert (m6.status, m6.satisfied_by) == (Status.SATISFIED, "m6")
    assert m12.status is Status.UPCOMING


def test_r12_an_mri_from_more_than_30_days_before_m6_does_not_count_for_it():
    plan = plan_of(on_treatment("interferon_beta_1a", mri("2026-08-01")), "2026-09-02")
    assert find(plan, "R12")[0].status is Status.OVERDUE


def test_r12_a_single_late_mri_in_the_m12_window_is_the_efficacy_mri_and_the_missed_m6_is_cancelled():
    plan = plan_of(on_treatment("interferon_beta_1a", mri("2027-02-15", event_id="late")), "2027-03-02")
    m6, m12, yearly = find(plan, "R12")
    assert (m12.status, m12.satisfied_by) == (Status.SATISFIED, "late")
    assert yearly.due_on == date(2028, 2, 15)
    assert (m6.status, m6.cancelled_on, m6.reminders) == (Status.CANCELLED, date(2027, 2, 15), ())


def test_r12_after_m12_one_mri_every_twelve_months_from_the_m12_one():
    events = on_treatment("interferon_beta_1a", mri("2026-08-10"), mri("2027-02-20", event_id="m12"))
    plan = plan_of(events, "2027-03-01")
    assert find(plan, "R12")[1].satisfied_by == "m12"
    assert open_one(plan, "R12").due_on == date(2028, 2, 20)


def test_r12_every_third_yearly_mri_is_tagged_ofsep_epidemiological():
    exams = [mri(f"{year}-03-01") for year in range(2026, 2031)]
    plan = plan_of(on_treatment("interferon_beta_1a", mri("2026-09-01"), *exams[1:]), "2030-03-02")
    tags_by_due = {o.due_on: o.tags for o in find(plan, "R12")}
    assert tags_by_due == {
        date(2026, 9, 1): (),
        date(2027, 3, 1): (EPIDEMIOLOGICAL,),
        date(2028, 3, 1): (),
        date(2029, 3, 1): (),
        date(2030, 3, 1): (EPIDEMIOLOGICAL,),
        date(2031, 3, 1): (),
    }


# --- R13 ------------------------------------------------------------------------------


def test_r13_ofsep_minimum_asks_a_brain_mri_at_m12_then_every_36_months():
    plan = plan_of(on_treatment("interferon_beta_1a", brain_mri("2027-03-10", event_id="m12")), "2027-03-11", OFSEP_MINIMUM)
    assert find(plan, "R12") == []
    m12 = only(plan, "R13", status=Status.SATISFIED)
    assert (m12.due_on, m12.satisfied_by, m12.regions, m12.tags) == (date(2027, 3, 1), "m12", ("brain",), (EPIDEMIOLOGICAL,))
    following = open_one(plan, "R13")
    assert (following.due_on, following.tags) == (date(2030, 3, 10), (EPIDEMIOLOGICAL,))


# --- R14 ------------------------------------------------------------------------------


def test_r14_first_line_mri_obligations_carry_the_single_gadolinium_injection_instruction():
    plan = plan_of(on_treatment("interferon_beta_1a"), START)
    for o in [only(plan, "R11"), *find(plan, "R12")]:
        assert o.instructions == (default_ruleset().instructions['R14'],)
    assert "gadolinium" in default_ruleset().instructions['R14'] and "brain and spinal cord" in default_ruleset().instructions['R14']


def test_r14_a_brain_and_a_spinal_exam_seven_days_apart_count_as_one_combined_mri():
    events = on_treatment("interferon_beta_1a", brain_mri("2026-08-20"), spinal_mri("2026-08-27", event_id="sp"))
    m6 = find(plan_of(events, "2026-09-02"), "R12")[0]
    assert (m6.status, m6.satisfied_by, m6.satisfied_on) == (Status.SATISFIED, "sp", date(2026, 8, 27))


def test_r14_a_brain_and_a_spinal_exam_eight_days_apart_do_not_combine():
    events = on_treatment("interferon_beta_1a", brain_mri("2026-08-20"), spinal_mri("2026-08-28"))
    assert find(plan_of(events, "2026-09-02"), "R12")[0].status is Status.OVERDUE


def test_r14_instruction_is_not_given_for_risk_therapy_or_brain_only_orders():
    assert only(plan_of(on_treatment("fingolimod"), START), "R18").instructions == ()
    ofsep = plan_of(on_treatment("interferon_beta_1a"), START, OFSEP_MINIMUM)
    assert [(o.rule, o.instructions) for o in find(ofsep, kind="mri") if o.rule in ("R11", "R13")] == [
        ("R11", ()), ("R13", ()),
    ]


# --- R15 ------------------------------------------------------------------------------


def test_r15_initial_validation_is_due_at_the_start_of_a_risk_therapy():
    plan = plan_of(on_treatment("natalizumab"), START)
    assert plan.stage is Stage.RISK_THERAPY
    r15 = only(plan, "R15", "treatment_validation")
    assert (r15.due_on, r15.heads_up_on, r15.status, r15.molecule) == (date(2026, 3, 1), None, Status.DUE, "natalizumab")


def test_r15_natalizumab_validation_due_six_months_after_the_last_one():
    events = on_treatment("natalizumab", validated("2026-02-20", "natalizumab", via="rcp_meeting", event_id="v0"))
    plan = plan_of(events, START)
    assert only(plan, "R15", status=Status.SATISFIED).satisfied_by == "v0"
    following = open_one(plan, "R15")
    assert (following.due_on, following.heads_up_on, following.status) == (date(2026, 8, 20), date(2026, 7, 21), Status.UPCOMING)


def test_r15_fingolimod_validation_due_twelve_months_after_the_last_one():
    events = on_treatment("fingolimod", validated(START, "fingolimod"), validated("2027-02-10", "fingolimod"))
    assert open_one(plan_of(events, "2027-02-11"), "R15").due_on == date(2028, 2, 10)


def test_r15_a_validation_of_another_molecule_does_not_count():
    plan = plan_of(on_treatment("natalizumab", validated(START, "fingolimod")), START)
    assert only(plan, "R15").status is Status.DUE


def test_r15_induction_therapies_have_the_initial_validation_only():
    plan = plan_of(on_treatment("mitoxantrone", validated(START, "mitoxantrone")), "2030-01-01")
    assert [(o.rule, o.status) for o in find(plan, "R15")] == [("R15", Status.SATISFIED)]
    assert plan.stage is Stage.RISK_THERAPY


# --- R18 ------------------------------------------------------------------------------


def test_r18_risk_therapy_mri_is_due_a_year_after_the_previous_one():
    plan = plan_of(on_treatment("fingolimod", mri("2026-02-01")), START)
    r18 = open_one(plan, "R18", "mri")
    assert (r18.due_on, r18.regions, r18.heads_up_on) == (date(2027, 2, 1), ("brain",), date(2027, 1, 2))


def test_r18_a_clinician_rhythm_for_the_patient_replaces_the_yearly_default():
    plan = plan_of(on_treatment("fingolimod", mri("2026-02-01"), mri_rhythm("2026-04-01", 6)), "2026-04-01")
    assert open_one(plan, "R18").due_on == date(2026, 8, 1)


def test_r18_a_null_rhythm_goes_back_to_the_yearly_default():
    events = on_treatment("fingolimod", mri("2026-02-01"), mri_rhythm("2026-04-01", 6), mri_rhythm("2026-05-01", None))
    assert open_one(plan_of(events, "2026-05-01"), "R18").due_on == date(2027, 2, 1)


def test_r18_a_rhythm_set_outside_a_risk_therapy_is_an_anomaly():
    plan = plan_of(on_treatment("interferon_beta_1a", mri_rhythm("2026-04-01", 6, event_id="rh")), "2026-04-01")
    assert [(a.code, a.event_id) for a in plan.anomalies] == [("mri_rhythm_outside_risk_therapy", "rh")]
    assert find(plan, "R18") == []


def test_r18_the_clinician_rhythm_is_reset_by_a_switch():
    events = on_treatment("fingolimod", mri("2026-02-01"), mri_rhythm("2026-04-01", 6),
                          switched("2026-06-01", "fingolimod", "natalizumab"))
    plan = plan_of(events, "2026-06-01")
    assert open_one(plan, "R18").due_on == date(2027, 2, 1)
    assert anomaly_codes(plan) == []
