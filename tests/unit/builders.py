"""Concise builders for clinical events and plans.

Events go through `parse_event` with JSON-shaped data, as a client sends them: the
models are strict, so this is also the path the tests of the contract exercise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from domain import DEFAULT_SETTINGS, ClinicalEvent, PathwaySettings, Plan, compute_plan
from domain.plan import Obligation, Status
from domain.ruleset import Ruleset
from rulesets import default as default_ruleset
from tests.support import events
from tests.support.events import Day, day

__all__ = ["Day", "day", "compute_plan"]

PATIENT = "patient-0001"
NEUROLOGIST = "neuro-42"
CENTRE = "crc-sep-13"

def event(type_: str, on: Day, *, event_id: str | None = None, patient_ref: str = PATIENT, **fields: object) -> ClinicalEvent:
    return events.event(type_, on, patient_ref=patient_ref, event_id=event_id, **fields)


def diagnosed(on: Day, diagnosis: str = "relapsing_remitting", **kw: object) -> ClinicalEvent:
    return event("diagnosis_recorded", on, diagnosis=diagnosis, **kw)


def cis(on: Day, onset_on: Day, **kw: object) -> ClinicalEvent:
    return event("diagnosis_recorded", on, diagnosis="cis", onset_on=day(onset_on).isoformat(), **kw)


def started(on: Day, molecule: str, **kw: object) -> ClinicalEvent:
    return event("treatment_started", on, molecule=molecule, **kw)


def switched(on: Day, from_molecule: str, to_molecule: str, **kw: object) -> ClinicalEvent:
    return event("treatment_switched", on, from_molecule=from_molecule, to_molecule=to_molecule, **kw)


def stopped(on: Day, molecule: str, **kw: object) -> ClinicalEvent:
    return event("treatment_stopped", on, molecule=molecule, **kw)


def mri(on: Day, regions: Iterable[str] = ("brain", "spinal"), **kw: object) -> ClinicalEvent:
    return event("mri_performed", on, regions=list(regions), **kw)


def brain_mri(on: Day, **kw: object) -> ClinicalEvent:
    return mri(on, ("brain",), **kw)


def spinal_mri(on: Day, **kw: object) -> ClinicalEvent:
    return mri(on, ("spinal",), **kw)


ALL_COMPONENTS = ("neurological_evaluation", "self_questionnaires", "biological_samples")


def visit(on: Day, setting: str = "crc", components: Iterable[str] = ALL_COMPONENTS, **kw: object) -> ClinicalEvent:
    return event("visit_completed", on, setting=setting, components=list(components), **kw)


def edss(on: Day, score: float = 2.0, **kw: object) -> ClinicalEvent:
    return event("edss_recorded", on, score=score, **kw)


def validated(on: Day, molecule: str, via: str = "crc_visit", **kw: object) -> ClinicalEvent:
    return event("treatment_validated", on, via=via, molecule=molecule, **kw)


def crc_informed(on: Day, via: str = "letter", **kw: object) -> ClinicalEvent:
    return event("crc_informed", on, via=via, **kw)


def etp_assessed(on: Day, referral_needed: bool = False, **kw: object) -> ClinicalEvent:
    return event("etp_assessed", on, referral_needed=referral_needed, **kw)


def etp_referral(on: Day, **kw: object) -> ClinicalEvent:
    return event("etp_referral_proposed", on, **kw)


def mri_rhythm(on: Day, every_months: int | None, **kw: object) -> ClinicalEvent:
    return event("mri_rhythm_set", on, every_months=every_months, **kw)


def surveillance_ended(on: Day, track: str, **kw: object) -> ClinicalEvent:
    return event("surveillance_ended", on, track=track, **kw)


def care_team(on: Day, neurologist_id: str = NEUROLOGIST, centre_id: str = CENTRE, **kw: object) -> ClinicalEvent:
    return event("care_team_assigned", on, neurologist_id=neurologist_id, centre_id=centre_id, **kw)


def follow_up_ended(on: Day, reason: str = "moved_away", **kw: object) -> ClinicalEvent:
    return event("follow_up_ended", on, reason=reason, **kw)


def retraction(on: Day, retracted_event_id: str, **kw: object) -> ClinicalEvent:
    return event("event_retracted", on, retracted_event_id=retracted_event_id, **kw)


def ruleset_with(settings: PathwaySettings = DEFAULT_SETTINGS) -> Ruleset:
    """The shipped default ruleset, with other settings (interpretations) when a test needs them."""
    return default_ruleset() if settings is DEFAULT_SETTINGS else default_ruleset().with_settings(settings)


def plan_of(events: Sequence[ClinicalEvent], as_of: Day, settings: PathwaySettings | Ruleset = DEFAULT_SETTINGS) -> Plan:
    ruleset = settings if isinstance(settings, Ruleset) else ruleset_with(settings)
    return compute_plan(PATIENT, list(events), day(as_of), ruleset)


def find(plan: Plan, rule: str | None = None, kind: str | None = None, status: Status | None = None) -> list[Obligation]:
    return [
        o for o in plan.obligations
        if (rule is None or o.rule == rule) and (kind is None or o.kind.value == kind)
        and (status is None or o.status is status)
    ]


def only(plan: Plan, rule: str, kind: str | None = None, status: Status | None = None) -> Obligation:
    found = find(plan, rule, kind, status)
    assert len(found) == 1, f"expected one {rule} {kind or ''} {status or ''}, got {[o.id for o in found]}"
    return found[0]


def open_one(plan: Plan, rule: str, kind: str | None = None) -> Obligation:
    """The single open (not satisfied, not cancelled) obligation of a rule."""
    found = [o for o in find(plan, rule, kind) if o.status not in (Status.SATISFIED, Status.CANCELLED)]
    assert len(found) == 1, f"expected one open {rule}, got {[(o.id, o.status.value) for o in find(plan, rule, kind)]}"
    return found[0]


def anomaly_codes(plan: Plan) -> list[str]:
    return [a.code for a in plan.anomalies]
