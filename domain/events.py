"""Clinical events: past-tense facts sent by integration services.

Field names and `type` values are the contract of `PATHWAY_RULES.md` ("Events").
Every model is frozen, strict and refuses unknown fields; the union is
discriminated by `type`, so a bad event is refused with the field it names.

Each model carries its own documentation for integrators (the OpenAPI document is generated
from it): a description, one per field (with the rules a schema cannot express: conditional
fields, dates against today), and an example. Molecule and panel codes are checked against the
patient's ruleset by the intake (`domain.catalogue`), not here: which codes exist depends on the
centre. The API lists the codes of the rulesets in force when it generates the document.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from domain.calendar import DATE_FORMAT_MESSAGE, iso_date
from domain.errors import EventRefused, shown
from domain.field_messages import user_message

PATIENT_REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
PatientRef = Annotated[str, Field(pattern=PATIENT_REF_PATTERN, description=(
    "The patient's pseudonymous reference in your system, never a name: 1 to 64 letters, digits, `.`, `_` "
    "or `-`, starting with a letter or a digit."))]
StaffId = Annotated[str, Field(pattern=PATIENT_REF_PATTERN)]
EventId = Annotated[str, Field(min_length=1, max_length=128)]

Diagnosis = Literal["cis", "relapsing_remitting", "secondary_progressive", "primary_progressive"]
Region = Literal["brain", "spinal"]
VisitSetting = Literal["crc", "hospital_platform", "neurologist"]
VisitComponent = Literal["neurological_evaluation", "self_questionnaires", "biological_samples"]
TrackCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
"""A surveillance track of the patient's ruleset (post_mitoxantrone, post_alemtuzumab, ...)."""
EndReason = Literal["deceased", "moved_away", "lost_to_follow_up", "consent_withdrawn"]


MoleculeCode = Annotated[str, Field(min_length=1, max_length=64)]
"""A code of the patient's ruleset, or a name or alias of one (the intake turns it into the code)."""
PanelCode = Annotated[str, Field(min_length=1, max_length=64)]
"""A laboratory panel code of the patient's ruleset."""


def _example(**fields: object) -> ConfigDict:
    """An event's JSON-schema example: the fields common to every event, then its own."""
    common = {"event_id": "lab-2026-000123", "patient_ref": "PSEUDO-8F3A21", "occurred_on": "2026-03-02"}
    return ConfigDict(json_schema_extra={"examples": [{**common, **fields}]})


def _written_as_iso_date(value: object) -> object:
    """A date from JSON must be written `YYYY-MM-DD`: pydantic would also read an epoch in
    seconds or milliseconds ("1772323200") as a date. Dates given as `date` pass."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(DATE_FORMAT_MESSAGE)
    return iso_date(value)


ClinicalDate = Annotated[date, BeforeValidator(_written_as_iso_date)]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    event_id: EventId = Field(description=(
        "Your unique id for this event (1 to 128 characters), its idempotency key: sending the same event again "
        "is a harmless duplicate; the same id with other content, for this patient or another, is refused (409)."))
    patient_ref: PatientRef
    occurred_on: ClinicalDate = Field(description=(
        "The date of the clinical act (YYYY-MM-DD), not after today in the centre's time zone (Europe/Paris) "
        "and not before 1900-01-01."))
    source: Annotated[str, Field(min_length=1, max_length=128)] | None = Field(default=None, description=(
        "Optional: the system the event comes from (1 to 128 characters), kept with the event."))

    @field_validator("*")
    @classmethod
    def _printable_text(cls, value: object) -> object:
        """NUL and unpaired surrogates break PostgreSQL text and JSON encoders downstream."""
        if isinstance(value, str) and any(c == "\x00" or "\ud800" <= c <= "\udfff" for c in value):
            raise ValueError("must not contain NUL characters or unpaired surrogates")
        return value


class DiagnosisRecorded(_Event):
    """A diagnosis of multiple sclerosis was made or changed. It places the patient on the pathway
    (a clinically isolated syndrome, `cis`, opens the CIS priority cohort of rule R1); a later
    diagnosis replaces the earlier one from its date."""

    model_config = _example(type="diagnosis_recorded", diagnosis="cis", onset_on="2026-02-10")

    type: Literal["diagnosis_recorded"] = "diagnosis_recorded"
    diagnosis: Diagnosis = Field(description=(
        "`cis` (clinically isolated syndrome), `relapsing_remitting`, `secondary_progressive` or "
        "`primary_progressive`."))
    onset_on: ClinicalDate | None = Field(default=None, validate_default=True, description=(
        "Date of the first symptoms (YYYY-MM-DD). Required when `diagnosis` is `cis` (the R1 cohort window runs "
        "from it); optional otherwise; not after `occurred_on`."))

    @field_validator("onset_on")
    @classmethod
    def _onset_for_cis(cls, onset_on: date | None, info: ValidationInfo) -> date | None:
        if info.data.get("diagnosis") == "cis" and onset_on is None:
            raise ValueError("onset_on is required when diagnosis is 'cis'")
        occurred_on = info.data.get("occurred_on")
        if onset_on is not None and occurred_on is not None and onset_on > occurred_on:
            raise ValueError("onset_on must not be after occurred_on")
        return onset_on


class TreatmentStarted(_Event):
    """A disease-modifying treatment was started. The molecule's line (first line, risk therapy,
    induction) sets the patient's stage and its obligations (pre-start MRI R11, validation R15,
    therapeutic education R8). A start while another drug is current is taken as a switch and
    shown as an anomaly on the plan."""

    model_config = _example(type="treatment_started", molecule="natalizumab")

    type: Literal["treatment_started"] = "treatment_started"
    molecule: MoleculeCode = Field(description=(
        "The molecule started: a code of the patient's ruleset"
        " (or a name or alias of one, such as a brand name; the codes in force are listed in the API description)."))


class TreatmentSwitched(_Event):
    """The patient moved from one treatment to another on that date: the old molecule's
    obligations that the new stage does not have are cancelled, the new one's open. A switch
    from a drug the patient is not on is accepted and shown as an anomaly."""

    model_config = _example(type="treatment_switched", from_molecule="fingolimod", to_molecule="ocrelizumab")

    type: Literal["treatment_switched"] = "treatment_switched"
    from_molecule: MoleculeCode = Field(description=(
        "The molecule stopped: a code of the patient's ruleset"
        " (or a name or alias of one, such as a brand name; the codes in force are listed in the API description)."))
    to_molecule: MoleculeCode = Field(description=(
        "The molecule started: a code of the patient's ruleset, different from `from_molecule`"
        " (or a name or alias of one, such as a brand name; the codes in force are listed in the API description)."))

    @field_validator("to_molecule")
    @classmethod
    def _different_molecules(cls, to_molecule: str, info: ValidationInfo) -> str:
        if to_molecule == info.data.get("from_molecule"):
            raise ValueError("to_molecule must differ from from_molecule")
        return to_molecule


class TreatmentStopped(_Event):
    """A treatment was stopped with no other started. After mitoxantrone or alemtuzumab a
    surveillance track opens (R16, R17). A stop without a start is accepted and shown as an anomaly."""

    model_config = _example(type="treatment_stopped", molecule="dimethyl_fumarate")

    type: Literal["treatment_stopped"] = "treatment_stopped"
    molecule: MoleculeCode = Field(description=(
        "The molecule stopped: a code of the patient's ruleset"
        " (or a name or alias of one, such as a brand name; the codes in force are listed in the API description)."))


class MriPerformed(_Event):
    """An MRI was performed. It satisfies the MRI obligations (R1, R4, R7, R11, R12, R13, R18)
    whose regions it covers; a brain and a spinal exam within 7 days count as one combined MRI (R14)."""

    model_config = _example(type="mri_performed", regions=["brain", "spinal"], ofsep_protocol=True, gadolinium=True)

    type: Literal["mri_performed"] = "mri_performed"
    regions: Annotated[tuple[Region, ...], Field(min_length=1, max_length=2)] = Field(description=(
        "The regions imaged: `brain`, `spinal` or both, at least one, each once."))
    ofsep_protocol: bool = Field(default=True, description="Whether the exam followed the OFSEP protocol (default true).")
    gadolinium: bool = Field(default=False, description="Whether gadolinium was injected (default false).")

    @field_validator("regions")
    @classmethod
    def _unique_regions(cls, regions: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(regions)) != len(regions):
            raise ValueError("regions must not repeat")
        return tuple(sorted(regions))


class VisitCompleted(_Event):
    """A follow-up visit took place. With a neurological evaluation at the CRC or a hospital
    platform it is the initial CRC visit (R1) or a yearly follow-up (R3); at a private
    neurologist it counts for R3 once transmitted to the CRC; a CRC visit also informs the CRC (R5, R10)."""

    model_config = _example(type="visit_completed", setting="crc",
                            components=["neurological_evaluation", "self_questionnaires"])

    type: Literal["visit_completed"] = "visit_completed"
    setting: VisitSetting = Field(description=(
        "Where: `crc` (the MS resource centre), `hospital_platform` or `neurologist` (a private neurologist)."))
    components: Annotated[tuple[VisitComponent, ...], Field(max_length=3)] = Field(default=(), description=(
        "What the visit included, each at most once: `neurological_evaluation`, `self_questionnaires`, "
        "`biological_samples` (default none)."))
    transmitted_to_crc: bool = Field(default=False, description=(
        "For a visit at a `neurologist`: whether its report was sent to the CRC (default false)."))

    @field_validator("components")
    @classmethod
    def _unique_components(cls, components: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(components)) != len(components):
            raise ValueError("components must not repeat")
        return tuple(sorted(components))


class EdssRecorded(_Event):
    """An EDSS (Expanded Disability Status Scale) score was recorded (R6)."""

    model_config = _example(type="edss_recorded", score=2.5)

    type: Literal["edss_recorded"] = "edss_recorded"
    score: Annotated[float, Field(ge=0.0, le=10.0, multiple_of=0.5)] = Field(description=(
        "The score, from 0.0 to 10.0 in steps of 0.5 (a JSON number)."))


class TreatmentValidated(_Event):
    """A risk therapy was validated for the patient, at the start and then at the molecule's
    rhythm (R15; after mitoxantrone or alemtuzumab, R16 and R17)."""

    model_config = _example(type="treatment_validated", via="rcp_meeting", molecule="natalizumab")

    type: Literal["treatment_validated"] = "treatment_validated"
    via: Literal["crc_visit", "rcp_meeting"] = Field(description=(
        "How: `crc_visit` (a visit at the CRC) or `rcp_meeting` (a multidisciplinary meeting)."))
    molecule: MoleculeCode = Field(description=(
        "The molecule validated: a code of the patient's ruleset"
        " (or a name or alias of one, such as a brand name; the codes in force are listed in the API description)."))


class CrcInformed(_Event):
    """The CRC was informed of the patient's follow-up (R5, R10)."""

    model_config = _example(type="crc_informed", via="letter")

    type: Literal["crc_informed"] = "crc_informed"
    via: Literal["consultation", "letter", "ofsep_form"] = Field(description=(
        "How: `consultation`, `letter` or `ofsep_form`."))


class EtpAssessed(_Event):
    """The patient's need for therapeutic patient education (ETP) was assessed (R8); a referral
    found needed is then due (R9)."""

    model_config = _example(type="etp_assessed", referral_needed=True)

    type: Literal["etp_assessed"] = "etp_assessed"
    referral_needed: bool = Field(description="Whether a referral to an ETP programme is needed.")


class EtpReferralProposed(_Event):
    """A referral to a therapeutic patient education programme was proposed (R9). No field of its own."""

    model_config = _example(type="etp_referral_proposed")

    type: Literal["etp_referral_proposed"] = "etp_referral_proposed"


class MriRhythmSet(_Event):
    """A clinician set the rhythm of the patient's follow-up MRIs (R18), until the next start,
    switch or stop of a treatment."""

    model_config = _example(type="mri_rhythm_set", every_months=6)

    type: Literal["mri_rhythm_set"] = "mri_rhythm_set"
    every_months: Annotated[int, Field(ge=1, le=36)] | None = Field(description=(
        "Months between MRIs, a whole number from 1 to 36; null goes back to the default rhythm. Required "
        "(give null explicitly)."))


class SurveillanceEnded(_Event):
    """A post-treatment surveillance track ended (R16 after mitoxantrone, R17 after alemtuzumab)."""

    model_config = _example(type="surveillance_ended", track="post_mitoxantrone")

    type: Literal["surveillance_ended"] = "surveillance_ended"
    track: TrackCode = Field(description="The track: `post_mitoxantrone` or `post_alemtuzumab`.")


class CareTeamAssigned(_Event):
    """The patient's neurologist and centre: who receives the reminders (ids of the staff
    directory; without an address there, a reminder waits and shows on the worklist)."""

    model_config = _example(type="care_team_assigned", neurologist_id="N12", centre_id="C13")

    type: Literal["care_team_assigned"] = "care_team_assigned"
    neurologist_id: StaffId = Field(description=(
        "The neurologist's id in the staff directory (1 to 64 letters, digits, `.`, `_` or `-`)."))
    centre_id: StaffId = Field(description="The centre's id in the staff directory (same form).")


class FollowUpEnded(_Event):
    """The patient's follow-up ended: no more reminders, and every later event for the patient is
    refused (409 `pathway-ended`), except the retraction of this end, which reopens the pathway."""

    model_config = _example(type="follow_up_ended", reason="moved_away")

    type: Literal["follow_up_ended"] = "follow_up_ended"
    reason: EndReason = Field(description=(
        "Why: `deceased`, `moved_away`, `lost_to_follow_up` or `consent_withdrawn`."))


class EventRetracted(_Event):
    """An earlier event was sent in error: the plan is computed again as if it had never come.
    Retracting an id never received is accepted and shown as an anomaly."""

    model_config = _example(type="event_retracted", retracted_event_id="lab-2026-000099")

    type: Literal["event_retracted"] = "event_retracted"
    retracted_event_id: EventId = Field(description="The `event_id` of the event to retract.")


class LabTestPerformed(_Event):
    """A laboratory test of a panel the ruleset names (anti-JCV serology, blood count, ...): it
    satisfies the monitoring rows of that panel. No result: the pathway needs the date only."""

    model_config = _example(type="lab_test_performed", panel="anti_jcv_serology")

    type: Literal["lab_test_performed"] = "lab_test_performed"
    panel: PanelCode = Field(description=(
        "The laboratory panel: a panel code of the patient's ruleset (the codes in force are listed in the API "
        "description). A centre whose ruleset names no panel refuses this event."))


ClinicalEvent = Annotated[
    DiagnosisRecorded | TreatmentStarted | TreatmentSwitched | TreatmentStopped | MriPerformed | VisitCompleted | EdssRecorded | TreatmentValidated | CrcInformed | EtpAssessed | EtpReferralProposed | MriRhythmSet | SurveillanceEnded | CareTeamAssigned | FollowUpEnded | EventRetracted | LabTestPerformed,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[ClinicalEvent] = TypeAdapter(ClinicalEvent)
EVENT_TYPES: tuple[str, ...] = tuple(
    m.model_fields["type"].default for m in ClinicalEvent.__origin__.__args__  # type: ignore[attr-defined]
)


MAX_NESTING = 8
"""How deep a body of events may nest (objects and arrays): `{"events": [{"regions": [...]}]}`
is 4 deep. Deeper input is refused before anything walks it recursively."""


def nested_deeper_than(data: object, limit: int = MAX_NESTING) -> bool:
    """Whether JSON-shaped `data` nests objects and arrays more than `limit` deep (walked
    without recursion, so any depth is answered)."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def parse_event(data: object) -> ClinicalEvent:
    """Validate one event from JSON-shaped data (dates as ISO strings), as a client sends it."""
    return EVENT_ADAPTER.validate_json(json.dumps(data))


def parse_event_json(text: str | bytes) -> ClinicalEvent:
    return EVENT_ADAPTER.validate_json(text)


EARLIEST_CLINICAL_DATE = date(1900, 1, 1)
"""Interpretation: no clinical date before this is plausible (and calendar arithmetic on
year-1 dates would overflow)."""


def check_admissible(event: ClinicalEvent, today: date, earliest: date = EARLIEST_CLINICAL_DATE) -> None:
    """What the schema cannot know: the clinic's date. Raises `EventRefused`."""
    if event.occurred_on > today:
        raise EventRefused(
            f"occurred_on {event.occurred_on.isoformat()} is after today ({today.isoformat()})",
            field="occurred_on",
        )
    for name in ("occurred_on", "onset_on"):
        value = getattr(event, name, None)
        if value is not None and value < earliest:
            raise EventRefused(f"{name} {value.isoformat()} is before {earliest.isoformat()}", field=name)


def describe_errors(error: ValidationError) -> list[dict[str, str]]:
    """One entry per bad field, named by its JSON path (without the union tag)."""
    described = []
    for item in error.errors():
        location = [shown(part) for part in item["loc"]]  # a key the sender made up may be long
        if location and location[0] in EVENT_TYPES:
            location = location[1:]
        message = user_message(item)
        if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
            location = ["type"]
            message = f"missing or unknown event type; expected one of: {', '.join(EVENT_TYPES)}"
        described.append({"field": ".".join(location) or "(event)", "message": message})
    return described
