"""What the API takes and returns, beside the domain's own models (events, plans) that it
uses as they are. The OpenAPI document is generated from these."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.pathway import MAX_EVENTS_PER_REQUEST, PlanSummary
from domain.events import ClinicalEvent
from domain.plan import ObligationKind, Status

MAX_BATCH = MAX_EVENTS_PER_REQUEST


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EventBatch(BaseModel):
    """Several events, of one or many patients; each patient's events are taken all or none."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    events: list[ClinicalEvent] = Field(min_length=1, max_length=MAX_BATCH)


EventSubmission = Annotated[ClinicalEvent | EventBatch, Field(description="One event, or {\"events\": [...]}")]


class BatchResult(_Out):
    """One plan summary per patient of the batch, in order of first appearance."""

    patients: list[PlanSummary]
    accepted: int
    """Events newly recorded by this request."""
    duplicates: int
    """Events already recorded with the same content (nothing changed for them)."""


class RecordedEvent(_Out):
    seq: int
    """Order of receipt in the event store."""
    received_at: datetime
    sender: str | None
    """Name of the API token that sent it (null for events sent otherwise, e.g. the CLI)."""
    event: ClinicalEvent


class PatientEvents(_Out):
    patient_ref: str
    events: list[RecordedEvent]


class ReminderRecord(_Out):
    reminder_id: str
    channel: str
    obligation_id: str
    rule: str
    kind: str
    step: str
    due_on: date
    scheduled_at: datetime
    escalated: bool
    recipients: list[dict[str, Any]]
    status: Literal["pending", "queued", "sent", "waiting", "failed"]
    """`queued`: waiting for the recipients' daily digest; `waiting`: no recipient address in the
    directory yet; it goes out once one is known."""
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    digest_id: str | None = None
    """The digest its e-mail went out in (null: sent on its own, or not yet)."""


class PatientReminders(_Out):
    patient_ref: str
    reminders: list[ReminderRecord]


class WorklistItem(_Out):
    patient_ref: str
    obligation_id: str
    rule: str
    kind: ObligationKind
    due_on: date
    deadline_on: date | None
    status: Status
    satisfied_by: str | None
    satisfied_on: date | None
    stage: str | None
    molecule: str | None
    neurologist_id: str | None
    centre_id: str | None
    next_reminder_at: datetime | None
    undelivered_reminder: str | None = None
    """Why the obligation's latest reminder has not reached anyone (no address in the
    directory, a refused address); null when it was delivered or none is due yet."""
    reminder_email: Literal["pending", "queued", "sent", "waiting", "failed"] | None = None
    """Where the latest reminder's e-mail stands (`queued`: in the recipients' next digest)."""
    digest_id: str | None = None
    digest_day: date | None = None
    """The digest (and its day) the latest reminder went out in, or is attached to."""
    found_at_import: bool = False
    """The latest reminder was found overdue when the history arrived (a go-live import)."""


class WorklistPage(_Out):
    items: list[WorklistItem]
    limit: int
    offset: int
    next_offset: int | None
    """Pass as `offset` for the next page; null on the last page."""


class Health(_Out):
    status: Literal["ok"]


class RulesetsInForce(_Out):
    api: dict[str, str]
    """`default` and each centre with its own ruleset -> `id/version@content-hash` this API runs."""
    workers: list[dict[str, str]]
    """What each worker seen in the last 3 minutes runs (the same shape)."""
    consistent: bool
    """Every worker runs what the API runs: plans and checks at the intake follow the same rules."""


class Readiness(_Out):
    status: Literal["ready", "unavailable"]
    checks: dict[str, Literal["ok", "unreachable", "unmigrated", "mismatch"]]
    """`temporal`, `postgresql` and `rulesets`; `unmigrated`: run `pathway db migrate`; `mismatch`:
    a worker runs other rulesets than this API (a deployment under way, or a configuration error)."""
    rulesets: RulesetsInForce | None = None
