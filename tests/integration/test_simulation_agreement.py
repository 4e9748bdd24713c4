"""The simulation agrees with the workflow: on the real Temporal server with time skipping, a
patient is followed for 3 virtual years, its simulated acts recorded through the intake on
their days; the reminders the workflow actually sends (ids, rungs, virtual dates, recipients,
escalations, from the reminder log and the recording channel) equal `service.simulation`'s."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from domain.calendar import add_months
from domain.planner import local_date
from rulesets import default as default_ruleset
from service.simulation import Simulation, simulate
from tests.integration.scenario import PARIS, Scenario

CARE_TEAM = ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"})


async def follow(s: Scenario, items: list[tuple[str, dict]], years: int) -> Simulation:
    """Record the patient's first events now (virtual), simulate from that instant, then live the
    simulation's acts on their days and go on to its horizon."""
    start = await s.now()
    events = [s.event(type_, local_date(start), **fields) for type_, fields in items]
    await s.record_events(events, start)
    simulation = simulate(events, default_ruleset(), years, compliant=True, start=start)
    by_day: dict[date, list] = defaultdict(list)
    for act in simulation.acts:
        by_day[act.occurred_on].append(act)
    for day in sorted(by_day):
        await s.advance_to(day)
        await s.record_events(by_day[day])
    if simulation.until not in by_day:
        await s.advance_to(simulation.until)
    return simulation


def in_order(rows: list[tuple]) -> list[tuple]:
    """By sending day, then id: reminders of the same instant go out concurrently, in any order."""
    return sorted(rows, key=lambda row: (row[5], row[0]))


def simulated(simulation: Simulation) -> list[tuple]:
    return in_order([(r.reminder_id, r.rule, r.kind, r.step, r.scheduled_at, r.sent_at.astimezone(PARIS).date(), r.escalated,
             r.recipients) for r in simulation.reminders])


async def sent(s: Scenario) -> list[tuple]:
    return in_order([(r.reminder_id, r.rule, r.kind, r.step, r.scheduled_at, r.sent_at.astimezone(PARIS).date(), r.escalated,
             r.recipients) for r in await s.sent()])


async def test_r15_r18_natalizumab_patient_three_virtual_years_the_workflow_sends_exactly_the_simulated_reminders(
    env, pathway_worker, patient_ref
):
    s = Scenario(env, pathway_worker, patient_ref)
    simulation = await follow(s, [
        ("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}), CARE_TEAM,
        ("mri_performed", {"regions": ["brain", "spinal"]}),
        ("treatment_started", {"molecule": "natalizumab"}),
        ("treatment_validated", {"via": "rcp_meeting", "molecule": "natalizumab"}),
        ("etp_assessed", {"referral_needed": False}),
    ], years=3)

    assert {r.rule for r in simulation.reminders} == {"R15", "R18"}
    assert len([r for r in simulation.reminders if r.rule == "R15" and r.step == "due"]) == 6
    assert await sent(s) == simulated(simulation)
    logged = {(row.reminder_id, row.status) for row in await s.logged()}
    assert logged == {(r.reminder_id, "sent") for r in simulation.reminders}


async def test_r1_r4_cis_priority_patient_three_virtual_years_the_workflow_sends_exactly_the_simulated_reminders(
    env, pathway_worker, patient_ref
):
    s = Scenario(env, pathway_worker, patient_ref)
    t0 = await s.today()
    simulation = await follow(s, [
        ("diagnosis_recorded", {"diagnosis": "cis", "onset_on": add_months(t0, -2).isoformat()}), CARE_TEAM,
    ], years=3)

    assert {"R1", "R3", "R4"} <= {r.rule for r in simulation.reminders}
    assert await sent(s) == simulated(simulation)
    logged = {(row.reminder_id, row.status) for row in await s.logged()}
    assert logged == {(r.reminder_id, "sent") for r in simulation.reminders}
