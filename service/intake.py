"""The one intake of clinical events, used by the HTTP API, the CLI and the tests.

For each patient of a submission (patients in parallel, bounded):
1. validate: the schema was checked by the caller's parser; here, what needs the patient's
   ruleset (its centre's): the centre's date (`domain.events.check_admissible`) and the
   catalogue, whose codes replace the names and aliases a feed sends (`domain.catalogue`);
2. append to the event store, all or nothing per patient (`store.event_store`): it refuses
   an `event_id` stored with other content (for this patient or another) and any event
   after the end in force; an id stored with the same content is a duplicate;
3. hand the patient's stored events to its workflow run (`service.handoff`).

The store is the authority: once step 2 has committed, the events are recorded whatever
happens to step 3. If the run does not answer in time (Temporal unreachable, a slow
worker), the answer says `pending` and a reconcile delivers them later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import asyncpg
import structlog
from temporalio.client import Client

from contracts.pathway import PathwayTimings, PlanSummary
from domain.catalogue import in_catalogue
from domain.errors import EventRefused
from domain.events import CareTeamAssigned, ClinicalEvent, check_admissible
from domain.history import centre_of
from domain.planner import local_date
from domain.ruleset import Ruleset, RulesetRegistry
from service.handoff import Handoff, utc_now
from service.metrics import DELIVERIES_PENDING, EVENTS_DUPLICATE, EVENTS_REFUSED, EVENTS_STORED
from store.db import StoreError
from store.event_store import EventStore

log = structlog.get_logger("intake")


@dataclass(frozen=True)
class Intake:
    """What recording events needs; one per process (the API's, the CLI's), or per test."""

    events: EventStore
    handoff: Handoff
    concurrency: int = 16
    """How many patients of one submission are recorded at once."""
    clock: Callable[[], datetime] = field(default_factory=lambda: utc_now)
    """Now (aware): the clinic's "today" for admissibility. Tests on virtual time pass theirs."""

    @classmethod
    def on(cls, client: Client, pool: asyncpg.Pool, task_queue: str, rulesets: RulesetRegistry,
           timings: PathwayTimings | None = None, temporal_timeout_s: float = 30.0, concurrency: int = 16,
           clock: Callable[[], datetime] = utc_now) -> Intake:
        handoff = Handoff.on(client, pool, task_queue, rulesets, timings, temporal_timeout_s, clock)
        return cls(events=EventStore(pool), handoff=handoff, concurrency=concurrency, clock=clock)

    @property
    def rulesets(self) -> RulesetRegistry:
        return self.handoff.rulesets

    def today(self, ruleset: Ruleset | None = None) -> date:
        """The centre's date (the deployment default's when no ruleset is given)."""
        return local_date(self.clock(), (ruleset or self.rulesets.default).settings)


@dataclass(frozen=True)
class Refusal:
    event_id: str
    field: str | None
    message: str


class InvalidEvents(EventRefused):
    """Events of a submission its patients' rulesets or dates refuse: nothing was stored."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        super().__init__("; ".join(f"event {r.event_id}: {r.field}: {r.message}" for r in refusals))
        self.refusals = tuple(refusals)


@dataclass(frozen=True)
class Recorded:
    """One patient's events, recorded (or all duplicates)."""

    patient_ref: str
    summary: PlanSummary
    """With `accepted`, `duplicates` and `delivery` (`settled` or `pending`)."""

    @property
    def accepted(self) -> bool:
        return bool(self.summary.accepted)


@dataclass(frozen=True)
class Outcome:
    """A patient's result: recorded, or the error that refused its events (nothing stored)."""

    patient_ref: str
    recorded: Recorded | None = None
    error: Exception | None = None


def by_patient(events: Sequence[ClinicalEvent]) -> dict[str, list[ClinicalEvent]]:
    """Each patient's events in submission order; an event repeated identically is taken once
    (a different event under a repeated id is the caller's to refuse, before this)."""
    groups: dict[str, dict[str, ClinicalEvent]] = {}
    for event in events:
        groups.setdefault(event.patient_ref, {}).setdefault(event.event_id, event)
    return {ref: list(group.values()) for ref, group in groups.items()}


async def record_patient(intake: Intake, patient_ref: str, events: Sequence[ClinicalEvent],
                         sender: str | None) -> Recorded:
    """Validate, append and hand off one patient's events (in order, all or nothing).

    Raises `EventRefused` (not admissible today, a code the patient's ruleset lacks, or another
    patient's event), `store.event_store.EventConflict` (an id stored with other content),
    `domain.errors.PathwayEnded` (an event after the end in force) and
    `store.db.DatabaseUnavailable`; in each case nothing was stored.
    """
    events = await _admitted(intake, patient_ref, events)
    appended = await intake.events.append(patient_ref, events, sender)
    EVENTS_STORED.inc(len(appended.accepted))
    EVENTS_DUPLICATE.inc(len(appended.duplicates))
    centres = [e.centre_id for e in events if isinstance(e, CareTeamAssigned)]
    if appended.accepted or appended.record.unsettled:
        reason = f"reopened by {appended.reopened_by}" if appended.reopened_by else "events"
        summary = await intake.handoff.deliver(appended.record, reason=reason,
                                               centre_id=centres[-1] if centres else None)
    else:
        summary = None
    if summary is None:
        summary = await intake.handoff.summary_from_store(patient_ref)
        if appended.accepted or appended.record.unsettled:
            summary = summary.model_copy(update={"delivery": "pending"})
            DELIVERIES_PENDING.inc()
    summary = summary.model_copy(update={"accepted": appended.accepted, "duplicates": appended.duplicates})
    await log.ainfo("events recorded", patient_ref=patient_ref, accepted=len(appended.accepted),
                    duplicates=len(appended.duplicates), delivery=summary.delivery)
    return Recorded(patient_ref, summary)


async def _admitted(intake: Intake, patient_ref: str, events: Sequence[ClinicalEvent]) -> list[ClinicalEvent]:
    """The events as the patient's ruleset names them (codes for names and aliases), or
    `InvalidEvents` naming each one its date or its ruleset refuses."""
    ruleset = await _ruleset(intake, patient_ref, events)
    today = intake.today(ruleset)
    admitted, refusals = [], []
    for event in events:
        try:
            if event.patient_ref != patient_ref:
                raise EventRefused(f"event {event.event_id} is not patient {patient_ref}'s", "patient_ref")
            check_admissible(event, today)
            admitted.append(in_catalogue(event, ruleset))
        except EventRefused as error:
            refusals.append(Refusal(event.event_id, error.field, str(error)))
    if refusals:
        raise InvalidEvents(refusals)
    return admitted


async def _ruleset(intake: Intake, patient_ref: str, events: Sequence[ClinicalEvent]) -> Ruleset:
    """The ruleset the patient will be under: its centre's, the centre being named in these
    events, or else kept beside its stored ones; the deployment default before any."""
    centre = centre_of(events)
    if centre is None:
        record = await intake.events.pathway(patient_ref)
        centre = record.centre_id if record is not None else None
    return intake.rulesets.for_centre(centre)


async def record(intake: Intake, events: Sequence[ClinicalEvent], sender: str | None) -> list[Outcome]:
    """Every patient's events of one submission, patients in parallel (at most
    `intake.concurrency` at once), each all or nothing; one `Outcome` per patient.

    Every event is checked against its patient's ruleset before anything is stored: raises
    `InvalidEvents` naming each refused event (nothing of the submission stored)."""
    groups = by_patient(events)
    refusals = []
    for ref, group in groups.items():
        try:
            await _admitted(intake, ref, group)
        except InvalidEvents as invalid:
            refusals += invalid.refusals
    if refusals:
        raise InvalidEvents(refusals)
    limit = asyncio.Semaphore(intake.concurrency)

    async def one(ref: str, group: list[ClinicalEvent]) -> Outcome:
        async with limit:
            with structlog.contextvars.bound_contextvars(patient_ref=ref):
                if len(group) == 1:
                    structlog.contextvars.bind_contextvars(event_id=group[0].event_id)
                try:
                    return Outcome(ref, recorded=await record_patient(intake, ref, group, sender))
                except Exception as error:  # each patient's refusal is reported by the caller
                    if not _expected(error):
                        raise
                    EVENTS_REFUSED.labels(type(error).__name__).inc()
                    return Outcome(ref, error=error)

    return list(await asyncio.gather(*(one(ref, group) for ref, group in groups.items())))


def _expected(error: Exception) -> bool:
    return isinstance(error, EventRefused | StoreError)
