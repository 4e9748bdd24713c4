"""Acts: dated events that can satisfy an obligation, by kind (the "satisfied by" column)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from domain.events import (
    ClinicalEvent,
    CrcInformed,
    EdssRecorded,
    EtpAssessed,
    EtpReferralProposed,
    LabTestPerformed,
    MriPerformed,
    TreatmentValidated,
    VisitCompleted,
)
from domain.settings import PathwaySettings

BRAIN = ("brain",)
BRAIN_AND_SPINAL = ("brain", "spinal")


@dataclass(frozen=True)
class Act:
    on: date
    event_id: str
    event: ClinicalEvent


def acts_where(events: Iterable[ClinicalEvent], predicate: Callable[[ClinicalEvent], bool]) -> list[Act]:
    return [Act(e.occurred_on, e.event_id, e) for e in events if predicate(e)]


def mri_exams(
    events: Sequence[ClinicalEvent],
    regions: tuple[str, ...],
    settings: PathwaySettings,
    ofsep_only: bool = False,
) -> list[Act]:
    """MRIs covering `regions`. R14: a brain and a spinal exam a few days apart are one
    combined MRI, dated (and identified) by the exam that completes it."""
    mris = [
        e for e in events
        if isinstance(e, MriPerformed) and (e.ofsep_protocol or not (ofsep_only and settings.require_ofsep_protocol))
    ]
    if set(regions) <= {"brain"}:
        return acts_where(mris, lambda e: "brain" in e.regions)  # type: ignore[attr-defined]
    exams = acts_where(mris, lambda e: set(e.regions) >= set(regions))  # type: ignore[attr-defined]
    brains = [m for m in mris if m.regions == ("brain",)]
    spinals = [m for m in mris if m.regions == ("spinal",)]
    used: set[str] = set()
    for brain in brains:
        for spinal in spinals:
            if spinal.event_id in used:
                continue
            if abs((spinal.occurred_on - brain.occurred_on).days) <= settings.combined_mri_days:
                used.add(spinal.event_id)
                later = max((brain, spinal), key=lambda m: m.occurred_on)
                exams.append(Act(later.occurred_on, later.event_id, later))
                break
    exams.sort(key=lambda a: a.on)
    return exams


def is_initial_crc_visit(e: ClinicalEvent) -> bool:
    return (
        isinstance(e, VisitCompleted)
        and e.setting in ("crc", "hospital_platform")
        and "neurological_evaluation" in e.components
    )


def is_follow_up_visit(e: ClinicalEvent) -> bool:
    if not isinstance(e, VisitCompleted) or "neurological_evaluation" not in e.components:
        return False
    return e.setting in ("crc", "hospital_platform") or (e.setting == "neurologist" and e.transmitted_to_crc)


@cache  # one predicate per argument, so a rule context can memoise the acts it selects
def has_component(component: str) -> Callable[[ClinicalEvent], bool]:
    return lambda e: isinstance(e, VisitCompleted) and component in e.components


def is_crc_information(e: ClinicalEvent) -> bool:
    return isinstance(e, CrcInformed) or (isinstance(e, VisitCompleted) and e.setting == "crc")


def is_edss(e: ClinicalEvent) -> bool:
    return isinstance(e, EdssRecorded)


def is_etp_assessment(e: ClinicalEvent) -> bool:
    return isinstance(e, EtpAssessed)


def is_etp_referral(e: ClinicalEvent) -> bool:
    return isinstance(e, EtpReferralProposed)


@cache  # one predicate per argument, so a rule context can memoise the acts it selects
def validates(molecule: str) -> Callable[[ClinicalEvent], bool]:
    return lambda e: isinstance(e, TreatmentValidated) and e.molecule == molecule


@cache  # one predicate per argument, so a rule context can memoise the acts it selects
def is_lab_test(panel: str) -> Callable[[ClinicalEvent], bool]:
    return lambda e: isinstance(e, LabTestPerformed) and e.panel == panel
