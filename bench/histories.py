"""Realistic patient histories generated from the rules, as integration services would send
them: a diagnosis (mostly relapsing-remitting, some CIS with its onset, some progressive), a
care team of the example directory, a first treatment (first line or risk therapy) prepared
as R8/R11/R15 ask, validations at the molecule's rhythm (R15), switches (R20), an occasional
stop, and the routine of the follow-up: MRIs (R4/R7/R12/R18), EDSS (R6), CRC information
(R5/R10) and visits (R3). Each clinician is on time most of the time, late or forgetful
sometimes, so plans carry overdue items as real ones do.

Seeded: the same seed gives the same histories. Dates are clinical dates up to `end`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.calendar import add_days, add_months

CARE_TEAMS = (("N12", "C13"), ("N14", "C13"), ("N21", "C06"))
"""Neurologists and centres of examples/directory.json, so reminders find addresses."""
FIRST_LINE = ("interferon_beta_1a", "interferon_beta_1b", "peginterferon_beta_1a", "glatiramer_acetate",
              "teriflunomide")
RISK_RHYTHM = {"natalizumab": 6, "ocrelizumab": 6, "fingolimod": 12, "dimethyl_fumarate": 12}
DIAGNOSES = (("relapsing_remitting", 0.65), ("cis", 0.15), ("secondary_progressive", 0.1),
             ("primary_progressive", 0.1))
STRUCTURAL = frozenset({"diagnosis_recorded", "care_team_assigned", "treatment_started", "treatment_switched",
                        "treatment_stopped"})
"""Kept whatever the size asked; routine events are what a size adds or removes."""


@dataclass
class _Draft:
    on: date
    type: str
    fields: dict[str, Any]


class _Story:
    def __init__(self, rng: random.Random, start: date, end: date) -> None:
        self.rng = rng
        self.start = start
        self.end = end
        self.events: list[_Draft] = []

    def add(self, on: date, type_: str, **fields: Any) -> None:
        if on <= self.end:
            self.events.append(_Draft(on, type_, fields))

    def jitter(self, day: date, days: int) -> date:
        return add_days(day, self.rng.randint(-days, days))

    def mri(self, on: date) -> None:
        self.add(on, "mri_performed", regions=self.rng.choice([["brain"], ["brain", "spinal"], ["brain", "spinal"]]),
                 gadolinium=self.rng.random() < 0.3)

    def routine(self, first: date, until: date, every_months: int, make) -> None:
        """A recurring act, mostly on time, sometimes late, now and then forgotten."""
        day = first
        while day <= until:
            if self.rng.random() > 0.08:
                make(self.jitter(day, 20))
            day = add_months(day, every_months + (1 if self.rng.random() < 0.15 else 0))

    def treatment(self, molecule: str, on: date, switched_from: str | None) -> None:
        if switched_from is None:
            self.add(on, "treatment_started", molecule=molecule)
        else:
            self.add(on, "treatment_switched", from_molecule=switched_from, to_molecule=molecule)
        if self.rng.random() < 0.85:
            self.mri(add_days(on, -self.rng.randint(5, 80)))  # R11
        if self.rng.random() < 0.9:
            needed = self.rng.random() < 0.2
            self.add(on, "etp_assessed", referral_needed=needed)  # R8
            if needed:
                self.add(add_days(on, self.rng.randint(0, 20)), "etp_referral_proposed")  # R9

    def validations(self, molecule: str, start: date, until: date) -> None:
        rhythm = RISK_RHYTHM[molecule]
        self.add(start, "treatment_validated", via="crc_visit", molecule=molecule)  # R15 initial
        self.routine(add_months(start, rhythm), until, rhythm,
                     lambda d: self.add(d, "treatment_validated", via=self.rng.choice(["crc_visit", "rcp_meeting"]),
                                        molecule=molecule))


def _story(rng: random.Random, start: date, end: date) -> _Story:
    s = _Story(rng, start, end)
    diagnosis = rng.choices([d for d, _ in DIAGNOSES], [w for _, w in DIAGNOSES])[0]
    fields: dict[str, Any] = {"diagnosis": diagnosis}
    if diagnosis == "cis":
        fields["onset_on"] = add_days(start, -rng.randint(10, 150)).isoformat()
    s.add(start, "diagnosis_recorded", **fields)
    neurologist, centre = rng.choice(CARE_TEAMS)
    s.add(start, "care_team_assigned", neurologist_id=neurologist, centre_id=centre)
    s.mri(start)
    s.add(start, "edss_recorded", score=rng.choice([1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]))
    if diagnosis == "cis":
        s.add(add_days(start, rng.randint(20, 90)), "visit_completed", setting="crc",
              components=["neurological_evaluation", "self_questionnaires", "biological_samples"])
    s.routine(add_months(start, 12), end, 12, lambda d: s.add(d, "edss_recorded", score=rng.choice([1.5, 2.0, 3.0, 4.0])))
    s.routine(add_months(start, 12), end, 12, lambda d: s.add(d, "crc_informed",
                                                               via=rng.choice(["consultation", "letter", "ofsep_form"])))
    s.routine(add_months(start, 6), end, 12, lambda d: s.add(d, "visit_completed", setting="neurologist",
                                                             components=["neurological_evaluation"],
                                                             transmitted_to_crc=rng.random() < 0.7))
    treated = diagnosis in ("relapsing_remitting", "cis") and rng.random() < 0.8
    if not treated:
        s.routine(add_months(start, 12), end, 12, s.mri)
        return s
    molecule = rng.choice(FIRST_LINE) if rng.random() < 0.6 else rng.choice(list(RISK_RHYTHM))
    begun = add_days(start, rng.randint(30, 200))
    total_days = (end - begun).days
    switch_on = add_days(begun, rng.randint(total_days // 3, max(total_days // 3, total_days - 60))) \
        if total_days > 200 and rng.random() < 0.35 else None
    s.treatment(molecule, begun, None)
    until = add_days(switch_on, -1) if switch_on else end
    _course(s, molecule, begun, until)
    if switch_on is not None:
        new = rng.choice([m for m in RISK_RHYTHM if m != molecule])  # escalation, or another risk drug
        s.treatment(new, switch_on, molecule)
        _course(s, new, switch_on, end)
        molecule = new
    if rng.random() < 0.1:
        stop = add_days(end, -rng.randint(10, 120))
        if stop > (switch_on or begun):
            s.add(stop, "treatment_stopped", molecule=molecule)
    return s


def _course(s: _Story, molecule: str, start: date, until: date) -> None:
    if molecule in RISK_RHYTHM:
        s.validations(molecule, start, until)
        s.routine(add_months(start, 12), until, 12, s.mri)  # R18
    else:
        s.mri(s.jitter(add_months(start, 6), 15))  # R12: M6, M12, then yearly
        s.routine(add_months(start, 12), until, 12, s.mri)


def _routine_filler(s: _Story, rng: random.Random) -> None:
    day = add_days(s.start, rng.randint(0, max(0, (s.end - s.start).days)))
    kind = rng.random()
    if kind < 0.4:
        s.mri(day)
    elif kind < 0.7:
        s.add(day, "edss_recorded", score=rng.choice([2.0, 2.5, 3.0]))
    else:
        s.add(day, "visit_completed", setting="neurologist", components=["neurological_evaluation"],
              transmitted_to_crc=True)


def patient_history(patient_ref: str, n_events: int, end: date, seed: int, years: float = 5.0) -> list[dict[str, Any]]:
    """`n_events` events of one patient over about `years` years up to `end`, as JSON-shaped
    dicts (the API's contract), in clinical-date order, ids `<patient_ref>-<n>`."""
    rng = random.Random(f"{seed}:{patient_ref}")
    start = add_days(end, -int(years * 365.25) + rng.randint(0, 60))
    s = _story(rng, start, end)
    for _ in range(10 * n_events):  # pad with routine acts: a bounded loop
        if len(s.events) >= n_events:
            break
        _routine_filler(s, rng)
    events = sorted(s.events, key=lambda e: e.on)
    extra = len(events) - n_events
    if extra > 0:  # drop routine acts at random, then (short histories) keep the earliest
        routine = [i for i, e in enumerate(events) if e.type not in STRUCTURAL]
        dropped = set(rng.sample(routine, min(extra, len(routine))))
        events = [e for i, e in enumerate(events) if i not in dropped][:n_events]
    return [{"event_id": f"{patient_ref}-{n}", "patient_ref": patient_ref, "type": e.type,
             "occurred_on": e.on.isoformat(), **e.fields} for n, e in enumerate(events, 1)]


def span_years(n_events: int) -> float:
    """A history's length: 5 years for the onboarding size, longer for longer histories
    (about 25 events a year, a closely followed patient)."""
    return max(5.0, n_events / 25)
