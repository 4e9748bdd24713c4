"""The simulation (`service.simulation`, `pathway simulate`): fixed expected values for the
example natalizumab patient, compliant and not, a CIS patient, and the refusals. The
agreement with the workflow on the real server is tests/integration/test_simulation_agreement.py."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from domain.errors import EventRefused
from pathway_cli.inputs import parse_events_text
from pathway_cli.main import run
from rulesets import default as default_ruleset
from service.simulation import SimulationError, simulate, simulate_patient
from tests.unit.builders import event

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "natalizumab-patient.json"
RULESET = default_ruleset()
BOTH = "neurologist N12, crc_coordinator C13"


def example_events():
    return parse_events_text(EXAMPLE.read_text(), date.max)


def rows(simulation) -> list[tuple[str, str, str, str, str]]:
    """(sent on, rule, kind, step, recipients) of every reminder, in order."""
    return [(r.sent_at.date().isoformat(), r.rule, r.kind, r.step, ", ".join(f"{p.role} {p.id}" for p in r.recipients))
            for r in simulation.reminders]


def test_r15_r18_compliant_natalizumab_patient_gets_six_monthly_validations_and_yearly_mris_over_three_years():
    simulation = simulate_patient(example_events(), _single(), years=3)
    assert (simulation.start.isoformat(), simulation.until.isoformat()) == ("2026-01-12T00:00:00+01:00", "2029-01-12")
    assert rows(simulation) == [
        ("2026-08-03", "R15", "treatment_validation", "heads_up", BOTH),
        ("2027-01-21", "R18", "mri", "heads_up", "neurologist N12"),
        ("2027-01-30", "R15", "treatment_validation", "heads_up", BOTH),
        ("2027-02-20", "R18", "mri", "due", "neurologist N12"),
        ("2027-03-01", "R15", "treatment_validation", "due", BOTH),
        ("2027-08-02", "R15", "treatment_validation", "heads_up", BOTH),
        ("2027-09-01", "R15", "treatment_validation", "due", BOTH),
        ("2028-01-21", "R18", "mri", "heads_up", "neurologist N12"),
        ("2028-01-31", "R15", "treatment_validation", "heads_up", BOTH),
        ("2028-02-20", "R18", "mri", "due", "neurologist N12"),
        ("2028-03-01", "R15", "treatment_validation", "due", BOTH),
        ("2028-08-02", "R15", "treatment_validation", "heads_up", BOTH),
        ("2028-09-01", "R15", "treatment_validation", "due", BOTH),
    ]
    assert all(r.sent_at == r.scheduled_at and r.sent_at.hour == 8 for r in simulation.reminders)
    assert [(a.type, a.occurred_on.isoformat(), a.source) for a in simulation.acts] == [
        ("mri_performed", "2027-02-20", "simulation"), ("treatment_validated", "2027-03-01", "simulation"),
        ("treatment_validated", "2027-09-01", "simulation"), ("mri_performed", "2028-02-20", "simulation"),
        ("treatment_validated", "2028-03-01", "simulation"), ("treatment_validated", "2028-09-01", "simulation"),
    ]
    validations = [(o.due_on.isoformat(), o.status.value, o.satisfied_by) for o in simulation.obligations
                   if o.rule == "R15"]
    assert validations == [
        ("2026-03-02", "satisfied", "demo-nat-5"), ("2026-09-02", "satisfied", "demo-nat-7"),
        ("2027-03-01", "satisfied", "DEMO-0001-sim-0002"), ("2027-09-01", "satisfied", "DEMO-0001-sim-0003"),
        ("2028-03-01", "satisfied", "DEMO-0001-sim-0005"), ("2028-09-01", "satisfied", "DEMO-0001-sim-0006"),
        ("2029-03-01", "upcoming", None),
    ]
    assert [(p.name, str(p.start), str(p.end)) for p in simulation.stages] == [
        ("untreated_other", "2026-01-12", "2026-03-02"), ("risk_therapy", "2026-03-02", "None")]


def test_status_changes_of_an_obligation_follow_its_ladder_heads_up_due_then_satisfied():
    simulation = simulate_patient(example_events(), _single(), years=3)
    mri = next(o for o in simulation.obligations if o.id == "stage@2026-03-02/R18/mri/1")
    assert [(c.on.isoformat(), c.status.value) for c in mri.changes] == [
        ("2026-03-02", "upcoming"), ("2027-01-21", "due"), ("2027-02-20", "satisfied")]


def test_r19_non_compliant_patient_runs_the_ladders_to_defaulted_escalating_once_to_the_coordinator():
    simulation = simulate_patient(example_events(), _single(), years=3, compliant=False)
    assert simulation.acts == ()
    mri = [(d, step, to) for d, rule, _, step, to in rows(simulation) if rule == "R18"]
    assert mri == [
        ("2027-01-21", "heads_up", "neurologist N12"), ("2027-02-20", "due", "neurologist N12"),
        ("2027-03-22", "overdue_1", BOTH), ("2027-04-21", "overdue_2", "neurologist N12"),
        ("2027-05-21", "overdue_3", "neurologist N12"), ("2027-06-20", "overdue_4", "neurologist N12"),
        ("2027-07-20", "overdue_5", "neurologist N12"), ("2027-08-19", "overdue_6", "neurologist N12"),
    ]
    last = [r for r in simulation.reminders if r.last]
    assert [(r.rule, r.step) for r in last] == [("R18", "overdue_6"), ("R15", "overdue_6")]
    escalated = [(r.rule, r.step) for r in simulation.reminders if r.escalated]
    assert escalated == [("R18", "overdue_1"), ("R15", "overdue_1")]
    mri_obligation = next(o for o in simulation.obligations if o.id == "stage@2026-03-02/R18/mri/1")
    assert [(c.on.isoformat(), c.status.value) for c in mri_obligation.changes] == [
        ("2026-03-02", "upcoming"), ("2027-01-21", "due"), ("2027-02-21", "overdue"), ("2027-08-19", "defaulted")]
    assert len(simulation.reminders) == 17  # 1 validation satisfied in the history, then two ladders of 8


def test_r1_r2_cis_patient_without_samples_at_the_initial_visit_gets_an_r2_samples_visit_three_months_later():
    events = [
        event("diagnosis_recorded", "2026-01-05", diagnosis="cis", onset_on="2025-12-01"),
        event("care_team_assigned", "2026-01-05", neurologist_id="N12", centre_id="C13"),
        event("visit_completed", "2026-01-20", setting="hospital_platform",
              components=["neurological_evaluation", "self_questionnaires"]),
        event("mri_performed", "2026-01-20", regions=["brain"]),
    ]
    simulation = simulate(events, RULESET, years=1)
    r2 = [(r.sent_at.date().isoformat(), r.step, [p.role for p in r.recipients]) for r in simulation.reminders
          if r.rule == "R2"]
    assert r2 == [("2026-04-20", "due", ["neurologist", "crc_coordinator"])]
    assert [(a.type, a.occurred_on.isoformat()) for a in simulation.acts if a.occurred_on.month == 4] == [
        ("visit_completed", "2026-04-20")]
    assert simulation.stages[0].name == "untreated_cis_priority"
    assert next(o for o in simulation.obligations if o.rule == "R2").status.value == "satisfied"


def test_a_simulation_refuses_events_of_two_patients_no_event_and_a_horizon_beyond_thirty_years():
    two = [event("diagnosis_recorded", "2026-01-05", diagnosis="relapsing_remitting"), event("edss_recorded", "2026-01-05", patient_ref="other",
                                                             score=2.0)]
    with pytest.raises(SimulationError, match="events of one patient only"):
        simulate(two, RULESET, years=1)
    with pytest.raises(SimulationError, match="no event given"):
        simulate_patient([], _single(), years=1)
    with pytest.raises(SimulationError, match="years must be between 1 and 30"):
        simulate([two[0]], RULESET, years=31)


def test_a_molecule_unknown_to_the_ruleset_is_refused_naming_the_field():
    events = [event("diagnosis_recorded", "2026-01-05", diagnosis="relapsing_remitting"), event("treatment_started", "2026-01-06", molecule="aspirin")]
    with pytest.raises(EventRefused) as refused:
        simulate_patient(events, _single(), years=1)
    assert refused.value.field == "molecule"


def test_pathway_simulate_json_prints_the_simulation_with_its_fixed_values(capsys):
    assert run(["simulate", str(EXAMPLE), "--years", "3", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["patient_ref"], printed["compliant"], printed["until"]) == ("DEMO-0001", True, "2029-01-12")
    assert len(printed["reminders"]) == 13
    assert printed["reminders"][0] == {
        "reminder_id": printed["reminders"][0]["reminder_id"], "obligation_id": "treatment@2026-03-02/R15/treatment_validation/2",
        "rule": "R15", "kind": "treatment_validation", "step": "heads_up", "due_on": "2026-09-02",
        "scheduled_at": "2026-08-03T08:00:00+02:00", "sent_at": "2026-08-03T08:00:00+02:00", "escalated": False,
        "last": False, "recipients": [{"role": "neurologist", "id": "N12"}, {"role": "crc_coordinator", "id": "C13"}],
    }
    assert len(printed["reminders"][0]["reminder_id"]) == 32


def test_pathway_simulate_refuses_a_file_of_two_patients_with_exit_code_2(tmp_path, capsys):
    data = json.loads(EXAMPLE.read_text())
    data["events"][1]["patient_ref"] = "DEMO-0002"
    path = tmp_path / "two.json"
    path.write_text(json.dumps(data))
    assert run(["simulate", str(path), "--years", "1"]) == 2
    assert "events of one patient only" in capsys.readouterr().err


def _single():
    from domain.ruleset import single

    return single(RULESET)
