"""One input and one result model per workflow entry point, update, query and activity."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from domain.events import ClinicalEvent
from domain.plan import Obligation, Plan, Recipient
from domain.settings import DEFAULT_SETTINGS, PathwaySettings

TASK_QUEUE = "patient-pathway"
MAX_EVENTS_PER_UPDATE = 1000


def workflow_id_for(patient_ref: str) -> str:
    return f"patient-{patient_ref}"


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SentReminder(_Message):
    reminder_id: str
    obligation_id: str
    rule: str
    kind: str
    step: str
    due_on: date
    scheduled_at: datetime
    sent_at: datetime
    recipients: tuple[Recipient, ...]


class PathwayState(_Message):
    """Everything a pathway run carries into the next one (continue-as-new)."""

    events: tuple[ClinicalEvent, ...] = ()
    """Accepted events in order of receipt, retractions included."""
    sent: tuple[SentReminder, ...] = ()
    plan: Plan | None = None
    unstored_event_ids: tuple[str, ...] = ()
    """Accepted events not yet appended to the event store."""
    senders: dict[str, str] = {}
    """Who sent each unstored event (the API client), when known."""


class DeliveryTimeouts(_Message):
    """How long a reminder delivery may take; the heartbeat timeout is how soon a
    delivery cut short by a dead worker is retried elsewhere."""

    send_seconds: float = Field(default=60.0, gt=0)
    heartbeat_seconds: float = Field(default=30.0, gt=0)
    retry_initial_seconds: float = Field(default=5.0, gt=0)
    retry_maximum_seconds: float = Field(default=1800.0, gt=0)
    """A failed delivery is retried with exponential backoff between these bounds."""


class PathwayInput(_Message):
    patient_ref: str
    settings: PathwaySettings = DEFAULT_SETTINGS
    timeouts: DeliveryTimeouts = DeliveryTimeouts()
    state: PathwayState | None = None
    generation: int = Field(default=0, ge=0)
    """Which changes of the workflow code the run has from its start (see
    `workflows.patient_pathway.GENERATIONS`); 0 for runs started before generations."""


class RecordEvent(_Message):
    event: ClinicalEvent
    sender: str | None = None
    """The client that sent it (kept in the event store for audit)."""


class RecordEvents(_Message):
    events: tuple[ClinicalEvent, ...] = Field(min_length=1, max_length=MAX_EVENTS_PER_UPDATE)
    sender: str | None = None


class DueItem(_Message):
    obligation_id: str
    rule: str
    kind: str
    due_on: date
    status: str


class PlanSummary(_Message):
    patient_ref: str
    accepted: tuple[str, ...] = ()
    duplicates: tuple[str, ...] = ()
    stage: str | None
    molecule: str | None
    tracks: tuple[str, ...]
    open_obligations: int
    overdue: int
    next_due: tuple[DueItem, ...]
    next_reminder_at: datetime | None
    anomalies: int
    ended: str | None
    ruleset_version: str
    events_recorded: int

    @classmethod
    def of(cls, plan: Plan, events_recorded: int, accepted: tuple[str, ...] = (), duplicates: tuple[str, ...] = ()) -> PlanSummary:
        open_items = plan.open_obligations()
        return cls(
            patient_ref=plan.patient_ref, accepted=accepted, duplicates=duplicates,
            stage=plan.stage.value if plan.stage else None, molecule=plan.molecule, tracks=plan.tracks,
            open_obligations=len(open_items),
            overdue=sum(1 for o in open_items if o.status.value in ("overdue", "defaulted")),
            next_due=tuple(_due_item(o) for o in open_items[:3]),
            next_reminder_at=plan.next_reminder_at, anomalies=len(plan.anomalies), ended=plan.ended,
            ruleset_version=plan.ruleset_version, events_recorded=events_recorded,
        )


def _due_item(o: Obligation) -> DueItem:
    return DueItem(obligation_id=o.id, rule=o.rule, kind=o.kind.value, due_on=o.due_on, status=o.status.value)


class PlanQuery(_Message):
    as_of: date | None = None
    """None: the plan now (the workflow's clock)."""


class ComputePlanInput(_Message):
    patient_ref: str
    events: tuple[ClinicalEvent, ...]
    settings: PathwaySettings
    now: datetime


class StoreEventsInput(_Message):
    patient_ref: str
    events: tuple[ClinicalEvent, ...]
    sender: str | None = None


class PublishPlanInput(_Message):
    plan: Plan
    version: int
    """Grows with every publication, so an older write never overwrites a newer one."""


class SettleInput(_Message):
    """What one pass of the pathway needs after a change: the plan from every event, the
    events still to store (in order of receipt, with who sent them) and the version under
    which the plan is published."""

    patient_ref: str
    events: tuple[ClinicalEvent, ...]
    settings: PathwaySettings
    now: datetime
    unstored_event_ids: tuple[str, ...] = ()
    senders: dict[str, str] = {}
    version: int
    """Grows with every publication, so an older write never overwrites a newer one."""


class ReminderMessage(_Message):
    """What a notification channel receives: identifiers and dates, no other health data."""

    reminder_id: str
    patient_ref: str
    obligation_id: str
    rule: str
    kind: str
    step: str
    due_on: date
    scheduled_at: datetime
    escalated: bool
    recipients: tuple[Recipient, ...]
