"""The care plan: what queries, the CLI and the API return (`PATHWAY_RULES.md`, "The plan")."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from pydantic import BaseModel, ConfigDict


class Stage(str, Enum):
    UNTREATED_CIS_PRIORITY = "untreated_cis_priority"
    UNTREATED_OTHER = "untreated_other"
    FIRST_LINE = "first_line"
    RISK_THERAPY = "risk_therapy"


class ObligationKind(str, Enum):
    INITIAL_CRC_VISIT = "initial_crc_visit"
    MRI = "mri"
    SELF_QUESTIONNAIRES = "self_questionnaires"
    BIOLOGICAL_SAMPLES = "biological_samples"
    FOLLOW_UP_VISIT = "follow_up_visit"
    CRC_INFORMATION = "crc_information"
    EDSS = "edss"
    ETP_ASSESSMENT = "etp_assessment"
    ETP_REFERRAL = "etp_referral"
    TREATMENT_VALIDATION = "treatment_validation"
    LAB_TEST = "lab_test"
    """A centre's monitoring row (`Ruleset.monitoring`): a laboratory panel at a rhythm."""


class Status(str, Enum):
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    DEFAULTED = "defaulted"
    SATISFIED = "satisfied"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset({Status.UPCOMING, Status.DUE, Status.OVERDUE, Status.DEFAULTED})


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str
    """`neurologist`, `crc_coordinator` or `default_queue`."""
    id: str


class ReminderStep(BaseModel):
    """One rung of an obligation's reminder ladder, with its deterministic id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reminder_id: str
    step: str
    """`heads_up`, `due`, `overdue_1` ... `overdue_6`."""
    at: datetime
    escalated: bool = False
    recipients: tuple[Recipient, ...]


class Obligation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    rule: str
    kind: ObligationKind
    due_on: date
    deadline_on: date | None = None
    heads_up_on: date | None = None
    status: Status
    satisfied_by: str | None = None
    satisfied_on: date | None = None
    cancelled_on: date | None = None
    regions: tuple[str, ...] = ()
    """For `mri`: the regions one combined exam must cover."""
    molecule: str | None = None
    """For `treatment_validation`: the molecule being validated."""
    panel: str | None = None
    """For `lab_test`: the laboratory panel (`lab_test_performed` of it satisfies it)."""
    tags: tuple[str, ...] = ()
    instructions: tuple[str, ...] = ()
    reminders: tuple[ReminderStep, ...] = ()
    """The ladder, for open obligations only."""


class Anomaly(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    message: str
    event_id: str | None = None


class CareTeam(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    neurologist_id: str
    centre_id: str


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    patient_ref: str
    as_of: date
    stage: Stage | None
    tracks: tuple[str, ...] = ()
    molecule: str | None = None
    care_team: CareTeam | None = None
    obligations: tuple[Obligation, ...] = ()
    next_reminder_at: datetime | None = None
    next_status_change_at: datetime | None = None
    """The next instant an open obligation changes status without a reminder (e.g. it
    becomes overdue the day after its due date): when worklists and search attributes
    must be refreshed."""
    anomalies: tuple[Anomaly, ...] = ()
    ruleset_version: str
    """The ruleset that computed the plan, `id/version` (`crc-sep-marseille/2026-11.1`)."""
    ruleset_hash: str = ""
    """Its content version: a change to any row changes it, whatever the version label says."""
    ended: str | None = None
    events_applied: int = 0

    def open_obligations(self) -> list[Obligation]:
        return [o for o in self.obligations if o.status in OPEN_STATUSES]
