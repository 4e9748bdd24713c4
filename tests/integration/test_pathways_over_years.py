"""Pathways followed over virtual months and years on the real Temporal server."""

from __future__ import annotations

from datetime import date

from domain.calendar import add_days, add_months
from domain.plan import Recipient
from tests.integration.scenario import Scenario

NEUROLOGIST = Recipient(role="neurologist", id="N12")
COORDINATOR = Recipient(role="crc_coordinator", id="C13")
CARE_TEAM = ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"})


def ladder(rule: str, kind: str, due: date, *, overdue: int = 0) -> list[tuple[str, str, str, date]]:
    steps = [(rule, kind, "heads_up", add_days(due, -30)), (rule, kind, "due", due)]
    steps += [(rule, kind, f"overdue_{k}", add_days(due, 30 * k)) for k in range(1, overdue + 1)]
    return steps


async def test_natalizumab_patient_gets_six_monthly_validations_and_yearly_mris_for_three_years(
    env, pathway_worker, patient_ref
):
    s = Scenario(env, pathway_worker, patient_ref)
    t0 = await s.today()
    await s.record_all([
        ("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}), CARE_TEAM,
        ("mri_performed", {"regions": ["brain", "spinal"]}),
        ("treatment_started", {"molecule": "natalizumab"}),
        ("treatment_validated", {"via": "rcp_meeting", "molecule": "natalizumab"}),
        ("etp_assessed", {"referral_needed": False}),
    ])
    # The script: validations on their due date, except the third, done after its first
    # overdue reminder; yearly MRIs on their due date.
    acts: dict[date, list] = {}
    expected: list[tuple[str, str, str, date]] = []
    last_validation = t0
    for cycle in range(1, 7):
        due = add_months(last_validation, 6)
        late = cycle == 3
        expected += ladder("R15", "treatment_validation", due, overdue=1 if late else 0)
        last_validation = add_days(due, 30) if late else due
        acts.setdefault(last_validation, []).append(("treatment_validated", {"via": "crc_visit", "molecule": "natalizumab"}))
    for year in range(1, 4):
        due = add_months(t0, 12 * year)
        expected += ladder("R18", "mri", due)
        acts.setdefault(due, []).append(("mri_performed", {"regions": ["brain"]}))

    checkpoints = sorted({d for *_, d in expected} | set(acts))
    for day in checkpoints:
        await s.advance_to(day)
        if day in acts:
            await s.record_all(acts[day], on=day)

    assert sorted(s.received(), key=lambda r: (r[3], r[0], r[2])) == sorted(expected, key=lambda r: (r[3], r[0], r[2]))
    sent = await s.sent()
    assert all(r.sent_at.astimezone(r.scheduled_at.tzinfo).date() == r.scheduled_at.date() for r in sent)
    escalations = [r for r in sent if r.step == "overdue_1"]
    assert len(escalations) == 1 and COORDINATOR in escalations[0].recipients
    plan = await s.plan()
    next_validation = [o for o in plan.open_obligations() if o.rule == "R15"]
    assert [o.due_on for o in next_validation] == [add_months(last_validation, 6)]


async def test_cis_priority_patient_without_samples_at_initial_visit_gets_r2_crc_visit_reminder_three_months_later(
    env, pathway_worker, patient_ref
):
    s = Scenario(env, pathway_worker, patient_ref)
    t0 = await s.today()
    await s.record_all([
        ("diagnosis_recorded", {"diagnosis": "cis", "onset_on": add_months(t0, -2).isoformat()}), CARE_TEAM,
        ("visit_completed", {"setting": "hospital_platform",
                             "components": ["neurological_evaluation", "self_questionnaires"]}),
        ("mri_performed", {"regions": ["brain"]}),
    ])
    plan = await s.plan()
    assert plan.stage.value == "untreated_cis_priority"
    r2 = [o for o in plan.obligations if o.rule == "R2"]
    assert [(o.kind.value, o.due_on, o.status.value) for o in r2] == [("biological_samples", add_months(t0, 3), "upcoming")]

    await s.advance_to(add_days(add_months(t0, 3), -1))
    assert [r for r in s.received() if r[0] == "R2"] == []
    await s.advance_to(add_months(t0, 3))
    assert [r for r in s.received() if r[0] == "R2"] == [("R2", "biological_samples", "due", add_months(t0, 3))]
    delivered = [m for m in s.notifier.received if m.rule == "R2"][0]
    assert delivered.recipients == (NEUROLOGIST, COORDINATOR)

    await s.record("visit_completed", setting="crc", components=["biological_samples"])
    plan = await s.plan()
    assert [o.status.value for o in plan.obligations if o.rule == "R2"] == ["satisfied"]


async def test_switch_from_fingolimod_to_ocrelizumab_changes_validation_rhythm_from_12_to_6_months(
    env, pathway_worker, patient_ref
):
    s = Scenario(env, pathway_worker, patient_ref)
    t0 = await s.today()
    await s.record_all([
        ("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}), CARE_TEAM,
        ("mri_performed", {"regions": ["brain", "spinal"]}),
        ("treatment_started", {"molecule": "fingolimod"}),
        ("treatment_validated", {"via": "rcp_meeting", "molecule": "fingolimod"}),
        ("etp_assessed", {"referral_needed": False}),
    ])
    plan = await s.plan()
    assert [o.due_on for o in plan.open_obligations() if o.rule == "R15"] == [add_months(t0, 12)]

    switch_day = add_months(t0, 2)
    await s.advance_to(switch_day)
    await s.record_all([
        ("treatment_switched", {"from_molecule": "fingolimod", "to_molecule": "ocrelizumab"}),
        ("treatment_validated", {"via": "crc_visit", "molecule": "ocrelizumab"}),
        ("etp_assessed", {"referral_needed": False}),
    ], on=switch_day)
    plan = await s.plan()
    assert plan.molecule == "ocrelizumab"
    validations = [o for o in plan.obligations if o.rule == "R15"]
    assert [(o.molecule, o.status.value) for o in validations if o.status.value == "cancelled"] == [("fingolimod", "cancelled")]
    assert [(o.molecule, o.due_on) for o in plan.open_obligations() if o.rule == "R15"] == [
        ("ocrelizumab", add_months(switch_day, 6))]

    due = add_months(switch_day, 6)
    await s.advance_to(due)
    assert [r for r in s.received() if r[0] == "R15"] == ladder("R15", "treatment_validation", due)


async def test_first_line_patient_gets_m6_m12_then_yearly_mri_reminders(env, pathway_worker, patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    t0 = await s.today()
    await s.record_all([
        ("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}), CARE_TEAM,
        ("mri_performed", {"regions": ["brain", "spinal"]}),
        ("treatment_started", {"molecule": "glatiramer_acetate"}),
        ("etp_assessed", {"referral_needed": False}),
        ("crc_informed", {"via": "letter"}),
    ])
    m6, m12 = add_months(t0, 6), add_months(t0, 12)
    for milestone in (m6, m12):
        await s.advance_to(milestone)
        await s.record("mri_performed", on=milestone, regions=["brain", "spinal"], gadolinium=True)
    yearly = add_months(m12, 12)
    await s.advance_to(yearly)

    mri_reminders = [r for r in s.received() if r[1] == "mri"]
    assert mri_reminders == ladder("R12", "mri", m6) + ladder("R12", "mri", m12) + ladder("R12", "mri", yearly)
    plan = await s.plan()
    open_mri = [o for o in plan.open_obligations() if o.kind.value == "mri"]
    assert [(o.rule, o.due_on, o.regions) for o in open_mri] == [("R12", yearly, ("brain", "spinal"))]
    assert any(text.startswith("R14") for text in open_mri[0].instructions)


async def test_retracted_mri_removes_its_effect_and_the_pre_start_mri_is_asked_again(env, pathway_worker, patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    t0 = await s.today()
    await s.record_all([
        ("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}), CARE_TEAM,
        ("mri_performed", {"regions": ["brain", "spinal"]}),
        ("treatment_started", {"molecule": "teriflunomide"}),
        ("etp_assessed", {"referral_needed": False}),
    ])
    plan = await s.plan()
    mri_event = next(o.satisfied_by for o in plan.obligations if o.rule == "R11")
    assert mri_event is not None

    await s.advance_to(add_days(t0, 3))
    await s.record("event_retracted", retracted_event_id=mri_event)
    await s.settle()
    plan = await s.plan()
    r11 = next(o for o in plan.obligations if o.rule == "R11")
    assert (r11.status.value, r11.satisfied_by, r11.due_on) == ("overdue", None, t0)
    assert [r for r in s.received() if r[0] == "R11"] == [("R11", "mri", "due", t0)]
