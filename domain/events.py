"""Clinical events: past-tense facts sent by integration services.

Field names and `type` values are the contract of `PATHWAY_RULES.md` ("Events").
Every model is frozen, strict and refuses unknown fields; the union is
discriminated by `type`, so a bad event is refused with the field it names.

Molecule and panel codes are checked against the patient's ruleset by the intake
(`domain.catalogue`), not here: which codes exist depends on the centre.
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

PATIENT_REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
PatientRef = Annotated[str, Field(pattern=PATIENT_REF_PATTERN)]
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

    event_id: EventId
    patient_ref: PatientRef
    occurred_on: ClinicalDate
    source: Annotated[str, Field(min_length=1, max_length=128)] | None = None

    @field_validator("*")
    @classmethod
    def _printable_text(cls, value: object) -> object:
        """NUL and unpaired surrogates break PostgreSQL text and JSON encoders downstream."""
        if isinstance(value, str) and any(c == "\x00" or "\ud800" <= c <= "\udfff" for c in value):
            raise ValueError("must not contain NUL characters or unpaired surrogates")
        return value


class DiagnosisRecorded(_Event):
    type: Literal["diagnosis_recorded"] = "diagnosis_recorded"
    diagnosis: Diagnosis
    onset_on: ClinicalDate | None = Field(default=None, validate_default=True)

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
    type: Literal["treatment_started"] = "treatment_started"
    molecule: MoleculeCode


class TreatmentSwitched(_Event):
    type: Literal["treatment_switched"] = "treatment_switched"
    from_molecule: MoleculeCode
    to_molecule: MoleculeCode

    @field_validator("to_molecule")
    @classmethod
    def _different_molecules(cls, to_molecule: str, info: ValidationInfo) -> str:
        if to_molecule == info.data.get("from_molecule"):
            raise ValueError("to_molecule must differ from from_molecule")
        return to_molecule


class TreatmentStopped(_Event):
    type: Literal["treatment_stopped"] = "treatment_stopped"
    molecule: MoleculeCode


class MriPerformed(_Event):
    type: Literal["mri_performed"] = "mri_performed"
    regions: Annotated[tuple[Region, ...], Field(min_length=1, max_length=2)]
    ofsep_protocol: bool = True
    gadolinium: bool = False

    @field_validator("regions")
    @classmethod
    def _unique_regions(cls, regions: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(regions)) != len(regions):
            raise ValueError("regions must not repeat")
        return tuple(sorted(regions))


class VisitCompleted(_Event):
    type: Literal["visit_completed"] = "visit_completed"
    setting: VisitSetting
    components: Annotated[tuple[VisitComponent, ...], Field(max_length=3)] = ()
    transmitted_to_crc: bool = False

    @field_validator("components")
    @classmethod
    def _unique_components(cls, components: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(components)) != len(components):
            raise ValueError("components must not repeat")
        return tuple(sorted(components))


class EdssRecorded(_Event):
    type: Literal["edss_recorded"] = "edss_recorded"
    score: Annotated[float, Field(ge=0.0, le=10.0, multiple_of=0.5)]


class TreatmentValidated(_Event):
    type: Literal["treatment_validated"] = "treatment_validated"
    via: Literal["crc_visit", "rcp_meeting"]
    molecule: MoleculeCode


class CrcInformed(_Event):
    type: Literal["crc_informed"] = "crc_informed"
    via: Literal["consultation", "letter", "ofsep_form"]


class EtpAssessed(_Event):
    type: Literal["etp_assessed"] = "etp_assessed"
    referral_needed: bool


class EtpReferralProposed(_Event):
    type: Literal["etp_referral_proposed"] = "etp_referral_proposed"


class MriRhythmSet(_Event):
    type: Literal["mri_rhythm_set"] = "mri_rhythm_set"
    every_months: Annotated[int, Field(ge=1, le=36)] | None


class SurveillanceEnded(_Event):
    type: Literal["surveillance_ended"] = "surveillance_ended"
    track: TrackCode


class CareTeamAssigned(_Event):
    type: Literal["care_team_assigned"] = "care_team_assigned"
    neurologist_id: StaffId
    centre_id: StaffId


class FollowUpEnded(_Event):
    type: Literal["follow_up_ended"] = "follow_up_ended"
    reason: EndReason


class EventRetracted(_Event):
    type: Literal["event_retracted"] = "event_retracted"
    retracted_event_id: EventId


class LabTestPerformed(_Event):
    """A laboratory test of a panel the ruleset names (anti-JCV serology, blood count, ...): it
    satisfies the monitoring rows of that panel. No result: the pathway needs the date only."""

    type: Literal["lab_test_performed"] = "lab_test_performed"
    panel: PanelCode


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
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
            location = ["type"]
            message = f"missing or unknown event type; expected one of: {', '.join(EVENT_TYPES)}"
        described.append({"field": ".".join(location) or "(event)", "message": message})
    return described
