"""The messages of a patient's pathway: what its clients, its workflow and its activities
exchange, by name and shape only. The workflow, the activities, the service layer and the
store all import this module and none of them imports another for its messages.

The event store is the system of record. A workflow run is a projection of it with
timers: a client appends events to the store, then tells the run how far the store goes
(`SyncRequest`); the run settles (`SettleInput` -> `PlanDigest`, read from the store) and
sends the reminders the digest names. Nothing a run carries grows with the patient's
history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.dispatch import ReminderMessage
from domain.plan import Obligation, Plan

TASK_QUEUE = "patient-pathway"
WORKFLOW = "PatientPathway"
SYNC_UPDATE = "sync"
SUMMARY_QUERY = "summary"
SETTLE_ACTIVITY = "settle_pathway"
SEND_REMINDER_ACTIVITY = "send_reminder"
RECONCILE_WORKFLOW = "PathwayReconcile"
RECONCILE_ACTIVITY = "reconcile_pathways"
RECONCILE_SCHEDULE = "pathway-reconcile"
DIGEST_WORKFLOW = "PathwayDigest"
DIGEST_ACTIVITY = "send_digests"
DIGEST_SCHEDULE_PREFIX = "pathway-digest-"
"""`pathway-digest-default` (every centre without its own ruleset), `pathway-digest-<centre>`."""
MAX_EVENTS_PER_REQUEST = 1000


def workflow_id_for(patient_ref: str) -> str:
    return f"patient-{patient_ref}"


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PathwayTimings(_Message):
    """How a run waits and retries: reminder delivery (the heartbeat timeout is how soon a
    delivery cut short by a dead worker is retried elsewhere) and the quiet period."""

    send_seconds: float = Field(default=60.0, gt=0)
    heartbeat_seconds: float = Field(default=30.0, gt=0)
    retry_initial_seconds: float = Field(default=5.0, gt=0)
    retry_maximum_seconds: float = Field(default=1800.0, gt=0)
    """A failed delivery is retried with exponential backoff between these bounds."""
    quiet_seconds: float = Field(default=30.0, ge=0)
    """Reminders go out once the pathway has taken no new event for this long, from a plan
    settled again just before (`PATHWAY_REMINDER_QUIET_SECONDS`): a history sent one event per
    request is complete before anyone is told that something is missing."""


class DueItem(_Message):
    obligation_id: str
    rule: str
    kind: str
    due_on: date
    status: str


class PlanSummary(_Message):
    """A plan in a few fields: what an answer to new events carries."""

    patient_ref: str
    accepted: tuple[str, ...] = ()
    duplicates: tuple[str, ...] = ()
    stage: str | None
    molecule: str | None
    tracks: tuple[str, ...]
    open_obligations: int
    overdue: int
    """Open obligations past their due date, `defaulted` ones included."""
    next_due: tuple[DueItem, ...]
    next_reminder_at: datetime | None
    anomalies: int
    ended: str | None
    ruleset_version: str
    events_recorded: int
    delivery: Literal["settled", "pending"] = "settled"
    """`settled`: the patient's pathway has taken the events and this is its plan. `pending`:
    the events are stored, the pathway has not answered yet (Temporal unreachable or slow);
    this is the plan the stored events give, and the pathway takes them later."""

    @classmethod
    def of(cls, plan: Plan, events_recorded: int) -> PlanSummary:
        open_items = plan.open_obligations()
        return cls(
            patient_ref=plan.patient_ref, stage=plan.stage.value if plan.stage else None, molecule=plan.molecule,
            tracks=plan.tracks, open_obligations=len(open_items),
            overdue=sum(1 for o in open_items if o.status.value in ("overdue", "defaulted")),
            next_due=tuple(_due_item(o) for o in open_items[:3]),
            next_reminder_at=plan.next_reminder_at, anomalies=len(plan.anomalies), ended=plan.ended,
            ruleset_version=plan.ruleset_version, events_recorded=events_recorded,
        )


def _due_item(o: Obligation) -> DueItem:
    return DueItem(obligation_id=o.id, rule=o.rule, kind=o.kind.value, due_on=o.due_on, status=o.status.value)


class IndexValues(_Message):
    """The search attributes a plan gives (None: unset). The Temporal server keeps and serves
    them in clear, so nothing here says what a patient has or takes: no stage, molecule,
    diagnosis, score, nor the kinds of the items overdue (a treatment validation names a
    risky therapy). See docs/privacy.md."""

    centre: str | None = None
    next_due_at: datetime | None = None
    overdue_count: int = 0
    ended: bool = False


class PlanDigest(_Message):
    """What a settle tells the run, bounded whatever the length of the patient's history: the
    summary, the reminders due now, when to wake next, and what the Temporal UI shows."""

    summary: PlanSummary
    stored_seq: int
    """The event-store position the plan was computed from."""
    reminders: tuple[ReminderMessage, ...] = ()
    next_wake_at: datetime | None = None
    wake_summary: str | None = None
    index: IndexValues = IndexValues()
    details: str = ""

    @property
    def ended(self) -> bool:
        return self.summary.ended is not None


class PathwayState(_Message):
    """What a run carries into the next one (continue-as-new): never the events."""

    digest: PlanDigest | None = None
    last_event_at: datetime | None = None
    """When the latest sync brought new events (the quiet period counts from it)."""
    indexed: IndexValues | None = None
    """The search attributes as last upserted."""


class PathwayInput(_Message):
    """How a run starts. The rules it follows are not in its input: each settle takes the
    patient's ruleset (its centre's) as configured in the worker at that moment."""

    patient_ref: str
    timings: PathwayTimings = PathwayTimings()
    state: PathwayState | None = None
    reason: str = Field(default="events", max_length=200)
    """Why this run started: `events`, `rebuild`, `reconcile`, `continued`, or `reopened by <event id>`
    (the retraction of an end); shown in the run's history."""


class SyncRequest(_Message):
    """The event store holds the patient's events up to `through_seq`: settle at least that far."""

    through_seq: int = Field(ge=0)
    reason: str = Field(default="events", max_length=200)


class SettleInput(_Message):
    patient_ref: str
    now: datetime
    run_id: str
    """Recorded beside the position delivered, so that a reconcile can tell a run that has
    not settled since it was reset or replaced."""


SendOutcome = Literal["sent", "queued", "waiting", "failed", "stale"]
"""`sent`: delivered on every channel (now or before). `queued`: its e-mail waits for the
recipients' daily digest (the other channels have it). `waiting`: no recipient address yet;
`failed`: refused for good by a channel (a bad address): both stay undelivered, shown on the
plan, and are offered again at later settles. `stale`: the store has newer events than the
plan the reminder came from; nothing was sent and the run settles again first."""


class ReconcileReport(_Message):
    """What a reconcile pass found and did (`pathway reconcile`, the schedule)."""

    pathways: int = 0
    """Patients with stored events, checked."""
    restarted: tuple[str, ...] = ()
    """No running run although the store says the pathway is open: started from the store."""
    resynced: tuple[str, ...] = ()
    """A running run behind the store (undelivered events, a reset or replaced run): synced."""
    closed: tuple[str, ...] = ()
    """A running run although the store says the pathway ended: told, so it completes."""
    redelivered: tuple[str, ...] = ()
    """Reminders waiting for a recipient or failed: offered again."""
    orphans: tuple[str, ...] = ()
    """Running pathway workflows with no stored event (left alone, reported)."""
    failed: tuple[str, ...] = ()
    """`patient_ref: reason` for each pathway that could not be repaired in this pass."""


class DigestInput(_Message):
    """What a centre's digest schedule starts its workflow with: the centres it covers."""

    scope: str
    """`default` (every centre without a ruleset of its own) or a centre id."""
    timezone: str
    """The ruleset's time zone: the digest's day is the date there when the run starts."""
    excluded: tuple[str, ...] = ()
    """For `default`: the centres with their own ruleset (and their own schedule)."""


class DigestRequest(_Message):
    scope: str
    excluded: tuple[str, ...] = ()
    at: datetime
    """The run's start (workflow time): fixed across the activity's retries, so is the day."""
    timezone: str


class DigestReport(_Message):
    """One digest run: digests per outcome and the items they carry."""

    day: date
    sent: int = 0
    """Digests handed to the SMTP server in this run."""
    already_sent: int = 0
    """Digests of the day found sent (a retry after a crash, a second run the same day)."""
    waiting: int = 0
    """Recipients without an address in the directory (the items wait; shown as undelivered)."""
    failed: int = 0
    items: int = 0
    """Items carried by the digests sent in this run."""
