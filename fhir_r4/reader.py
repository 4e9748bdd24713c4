"""FHIR resources to pathway facts, through a centre's mapping (`domain.fhir_mapping`).

Each resource gives `Facts`: its key (`Condition/abc`) and version (`meta.versionId`), its
patient (the identifier in the mapping's patient system, on the subject or on the Bundle's
Patient entry) and the events it states, or that it was `entered-in-error`. Event ids and
retractions are `fhir_r4.corrections`' job. Nothing read here beyond the codes, dates and
staff ids the events need: names, birth dates and INS stay in the resource, never in a fact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.fhir_mapping import FhirMapping
from fhir_r4.outcome import FhirRefused, Issue
from fhir_r4.parse import Entry, Submission


@dataclass(frozen=True)
class MappedEvent:
    role: str
    """Which of the resource's events (`start`, `stop`), empty when it states one."""
    data: dict[str, Any]
    """The event, JSON-shaped, without `event_id` and `patient_ref`."""
    paths: dict[str, str] = field(default_factory=dict)
    """Event field -> FHIRPath of the element it comes from, to name it in a refusal."""
    unless_current: bool = False
    """A start that a prescription or an administration implies: recorded only when the patient
    is not on that molecule on that day already (`fhir_r4.corrections`), so that a renewal or
    the next infusion is not taken for a new start."""


@dataclass(frozen=True)
class Facts:
    resource_type: str
    resource_id: str
    version: str
    """`meta.versionId`, or empty when the sender keeps no versions."""
    patient_ref: str
    path: str
    events: tuple[MappedEvent, ...] = ()
    entered_in_error: bool = False


class _Refused(Exception):
    def __init__(self, issue: Issue) -> None:
        self.issue = issue


def read_facts(submission: Submission, mapping: FhirMapping) -> list[Facts]:
    """The facts of every entry but Patients (which only identify). Raises `FhirRefused` (422)
    with one issue per resource the mapping refuses; nothing is partly read."""
    patients, issues = _patients(submission.entries, mapping)
    facts = []
    for entry in submission.entries:
        if entry.resource.get_resource_type() == "Patient":
            continue
        try:
            facts.append(_Reader(mapping, patients, entry).facts())
        except _Refused as refused:
            issues.append(refused.issue)
    if not issues and not facts:
        issues.append(Issue("not-supported", "a Patient alone records nothing: it identifies the patient of the "
                            "other resources of a Bundle", submission.entries[0].path))
    if issues:
        raise FhirRefused(422, issues)
    return facts


def _patients(entries: Sequence[Entry], mapping: FhirMapping) -> tuple[dict[str, str], list[Issue]]:
    """References to the Bundle's Patient entries (`Patient/id`, the fullUrl) -> patient_ref."""
    refs: dict[str, str] = {}
    issues = []
    for entry in entries:
        resource = entry.resource
        if resource.get_resource_type() != "Patient":
            continue
        ref = next((i.value for i in resource.identifier or [] if i.system == mapping.identifiers.patient), None)
        if ref is None:
            issues.append(Issue("required", f"a Patient needs an identifier of system {mapping.identifiers.patient} "
                                "(the pseudonymous reference)", f"{entry.path}.identifier"))
            continue
        for key in (entry.full_url, f"Patient/{resource.id}" if resource.id else None):
            if key:
                refs[key] = ref
    return refs, issues


def _codings(concepts: Any) -> list[Any]:
    if concepts is None:
        return []
    if not isinstance(concepts, list):
        concepts = [concepts]
    return [c for concept in concepts for c in (getattr(concept, "coding", None) or [concept])]


def _day(value: Any, path: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise _Refused(Issue("required" if value is None else "value", "a full date (YYYY-MM-DD) is needed here", path))


class _Reader:
    def __init__(self, mapping: FhirMapping, patients: dict[str, str], entry: Entry) -> None:
        self.mapping = mapping
        self.patients = patients
        self.entry = entry
        self.r: Any = entry.resource
        self.path = entry.path

    def at(self, element: str) -> str:
        return f"{self.path}.{element}"

    def refuse(self, code: str, message: str, element: str) -> _Refused:
        return _Refused(Issue(code, message, self.at(element)))  # type: ignore[arg-type]

    def facts(self) -> Facts:
        kind = self.r.get_resource_type()
        resource_id = self.r.id or (self.entry.full_url or "").rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        if not resource_id:
            raise self.refuse("required", "the resource needs an id (or a fullUrl): the event id derives from it",
                              "id")
        version = self.r.meta.versionId if self.r.meta is not None and self.r.meta.versionId else ""
        patient = self.patient()
        if self.entered_in_error():
            return Facts(kind, resource_id, version, patient, self.path, entered_in_error=True)
        events = getattr(self, f"_{kind}")()
        return Facts(kind, resource_id, version, patient, self.path, tuple(events))

    def patient(self) -> str:
        subject = self.r.subject
        if subject is not None and subject.identifier is not None \
                and subject.identifier.system == self.mapping.identifiers.patient and subject.identifier.value:
            return subject.identifier.value
        if subject is not None and subject.reference in self.patients:
            return self.patients[subject.reference]
        raise self.refuse("required", "the patient must be identified by an identifier of system "
                          f"{self.mapping.identifiers.patient}: on subject.identifier, or on the Bundle's Patient "
                          "entry that subject.reference names", "subject")

    def entered_in_error(self) -> bool:
        if self.r.get_resource_type() == "Condition":
            return any(c.code == "entered-in-error" for c in _codings(self.r.verificationStatus))
        return getattr(self.r, "status", None) == "entered-in-error"

    def status(self, *accepted: str) -> None:
        if self.r.status not in accepted:
            raise self.refuse("business-rule", f"status {self.r.status} states no act yet; accepted: "
                              f"{', '.join(accepted)} (or entered-in-error to retract)", "status")

    def row(self, table: str, concepts: Any, element: str, what: str) -> Any:
        for coding in _codings(concepts):
            row = self.mapping.lookup(table, coding.system, coding.code)
            if row is not None:
                return row
        raise self.refuse("code-invalid", f"no {what} code of the mapping {self.mapping.id}; accepted: "
                          f"{', '.join(self.mapping.accepted_codes(table))}", element)

    def rows(self, table: str, concepts: Any) -> list[Any]:
        found = (self.mapping.lookup(table, c.system, c.code) for c in _codings(concepts))
        return [row for row in found if row is not None]

    def day(self, *candidates: tuple[str, Any]) -> tuple[date, str]:
        for element, value in candidates:
            if value is not None:
                return _day(value, self.at(element)), self.at(element)
        raise self.refuse("required", "a date is needed: " + " or ".join(e for e, _ in candidates),
                          candidates[0][0])

    # One method per resource type, named after it.

    def _Condition(self) -> list[MappedEvent]:
        row = self.row("conditions", self.r.code, "code", "diagnosis")
        onset = _day(self.r.onsetDateTime, self.at("onsetDateTime")) if self.r.onsetDateTime else None
        on, on_path = self.day(("recordedDate", self.r.recordedDate), ("onsetDateTime", self.r.onsetDateTime))
        data: dict[str, Any] = {"type": "diagnosis_recorded", "occurred_on": on.isoformat(),
                                "diagnosis": row.diagnosis}
        if onset is not None:
            data["onset_on"] = onset.isoformat()
        return [MappedEvent("", data, {"occurred_on": on_path, "onset_on": self.at("onsetDateTime"),
                                       "diagnosis": self.at("code")})]

    def _MedicationStatement(self) -> list[MappedEvent]:
        molecule, paths = self.molecule()
        self.status("active", "completed", "stopped")
        period = self.r.effectivePeriod
        start, start_path = self.day(("effectivePeriod.start", period.start if period else None),
                                     ("effectiveDateTime", self.r.effectiveDateTime))
        events = [MappedEvent("start", {"type": "treatment_started", "occurred_on": start.isoformat(),
                                        "molecule": molecule}, {**paths, "occurred_on": start_path})]
        if self.r.status in ("completed", "stopped"):
            end, end_path = self.day(("effectivePeriod.end", period.end if period else None))
            events.append(MappedEvent("stop", {"type": "treatment_stopped", "occurred_on": end.isoformat(),
                                               "molecule": molecule}, {**paths, "occurred_on": end_path}))
        return events

    def molecule(self) -> tuple[str, dict[str, str]]:
        if self.r.medicationCodeableConcept is None:
            raise self.refuse("not-supported", "give the drug as medicationCodeableConcept (ATC)",
                              "medicationReference")
        row = self.row("medications", self.r.medicationCodeableConcept, "medicationCodeableConcept", "medication")
        return row.molecule, {"molecule": self.at("medicationCodeableConcept")}

    def _MedicationAdministration(self) -> list[MappedEvent]:
        molecule, paths = self.molecule()
        self.status("completed", "in-progress")
        period = self.r.effectivePeriod
        on, on_path = self.day(("effectiveDateTime", self.r.effectiveDateTime),
                               ("effectivePeriod.start", period.start if period else None))
        return [MappedEvent("start", {"type": "treatment_started", "occurred_on": on.isoformat(), "molecule": molecule},
                            {**paths, "occurred_on": on_path}, unless_current=True)]

    def _MedicationRequest(self) -> list[MappedEvent]:
        molecule, paths = self.molecule()
        self.status("active", "completed")
        on, on_path = self.day(("authoredOn", self.r.authoredOn))
        return [MappedEvent("start", {"type": "treatment_started", "occurred_on": on.isoformat(), "molecule": molecule},
                            {**paths, "occurred_on": on_path}, unless_current=True)]

    def _Procedure(self) -> list[MappedEvent]:
        self.status("completed")
        period = self.r.performedPeriod
        on, on_path = self.day(("performedDateTime", self.r.performedDateTime),
                               ("performedPeriod.start", period.start if period else None))
        base = {"occurred_on": on.isoformat()}
        if self.rows("mri.procedures", self.r.code):
            regions = self.regions(self.r.bodySite, "bodySite")
            gadolinium = bool(self.rows("mri.contrast_agents", self.r.usedCode))
            return [MappedEvent("", {**base, "type": "mri_performed", "regions": regions, "gadolinium": gadolinium},
                                {"occurred_on": on_path, "regions": self.at("bodySite")})]
        row = self.row("procedures", self.r.code, "code", "procedure")
        paths = {"occurred_on": on_path}
        if row.event == "treatment_validated":
            molecule = self.row("medications", self.r.usedCode, "usedCode", "medication (the treatment validated)")
            return [MappedEvent("", {**base, "type": row.event, "via": row.via, "molecule": molecule.molecule},
                                {**paths, "molecule": self.at("usedCode")})]
        if row.event == "etp_assessed":
            outcome = self.row("etp_outcomes", self.r.outcome, "outcome", "ETP assessment outcome")
            return [MappedEvent("", {**base, "type": row.event, "referral_needed": outcome.referral_needed}, paths)]
        return [MappedEvent("", {**base, "type": row.event}, paths)]

    def regions(self, sites: Any, element: str) -> list[str]:
        regions = sorted({row.region for row in self.rows("mri.body_sites", sites)})
        if not regions:
            raise self.refuse("code-invalid", "an MRI needs a body site the mapping knows; accepted: "
                              f"{', '.join(self.mapping.accepted_codes('mri.body_sites'))}", element)
        return regions

    def _ImagingStudy(self) -> list[MappedEvent]:
        self.status("available")
        series = self.r.series or []
        modalities = [*(self.r.modality or []), *(s.modality for s in series)]
        if not self.rows("mri.modalities", modalities) and not self.rows("mri.procedures", self.r.procedureCode):
            raise self.refuse("code-invalid", "not an MRI: no modality or procedureCode of the mapping; accepted: "
                              f"{', '.join(self.mapping.accepted_codes('mri.modalities'))}", "modality")
        regions = self.regions([s.bodySite for s in series if s.bodySite is not None], "series.bodySite")
        on, on_path = self.day(("started", self.r.started))
        # An ImagingStudy has no element for contrast: gadolinium stays false (a Procedure with
        # usedCode says it, docs/fhir.md).
        return [MappedEvent("", {"type": "mri_performed", "occurred_on": on.isoformat(), "regions": regions},
                            {"occurred_on": on_path, "regions": self.at("series.bodySite")})]

    def _Encounter(self) -> list[MappedEvent]:
        self.status("finished")
        kinds = [*(self.r.type or []), *([self.r.serviceType] if self.r.serviceType else [])]
        setting = self.row("visit_settings", kinds, "type", "visit setting")
        components = sorted({row.component for row in self.rows("visit_components", self.r.type)})
        period = self.r.period
        on, on_path = self.day(("period.start", period.start if period else None))
        return [MappedEvent("", {"type": "visit_completed", "occurred_on": on.isoformat(), "setting": setting.setting,
                                 "components": components}, {"occurred_on": on_path, "setting": self.at("type")})]

    def _Observation(self) -> list[MappedEvent]:
        self.row("edss", self.r.code, "code", "EDSS")
        self.status("final", "amended", "corrected")
        quantity = self.r.valueQuantity
        if quantity is None or quantity.value is None:
            raise self.refuse("required", "an EDSS score is a valueQuantity (0 to 10, steps of 0.5)", "valueQuantity")
        period = self.r.effectivePeriod
        on, on_path = self.day(("effectiveDateTime", self.r.effectiveDateTime),
                               ("effectivePeriod.start", period.start if period else None))
        return [MappedEvent("", {"type": "edss_recorded", "occurred_on": on.isoformat(),
                                 "score": float(quantity.value)},
                            {"occurred_on": on_path, "score": self.at("valueQuantity.value")})]

    def _CareTeam(self) -> list[MappedEvent]:
        self.status("active")
        systems = self.mapping.identifiers
        neurologist = self.identifier((p.member for p in self.r.participant or []), systems.neurologist,
                                      "participant.member.identifier")
        centre = self.identifier(self.r.managingOrganization or [], systems.centre,
                                 "managingOrganization.identifier")
        period = self.r.period
        on, on_path = self.day(("period.start", period.start if period else None))
        return [MappedEvent("", {"type": "care_team_assigned", "occurred_on": on.isoformat(),
                                 "neurologist_id": neurologist, "centre_id": centre},
                            {"occurred_on": on_path, "neurologist_id": self.at("participant.member.identifier"),
                             "centre_id": self.at("managingOrganization.identifier")})]

    def identifier(self, references: Iterable[Any], system: str, element: str) -> str:
        for reference in references:
            if reference is not None and reference.identifier is not None \
                    and reference.identifier.system == system and reference.identifier.value:
                return reference.identifier.value
        raise self.refuse("required", f"needs a logical reference with an identifier of system {system} "
                          "(an id of the staff directory)", element)
