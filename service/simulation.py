"""A clinician's simulation: what the pathway asks of one patient over the next years, in
seconds, with nothing stored (`pathway simulate`, `POST /v1/simulations`).

It walks virtual time the way a patient's workflow does, with the very functions the workflow
runs at each settle: `domain.planner.compute_plan` at the instant, `domain.dispatch.due_reminders`
against what was sent so far, then `service.digest.next_wake` for when to wake next. So the
reminders it lists are those a run would send (tests/integration/test_simulation_agreement.py
proves it on the real server); there is no second implementation of any rule.

- Input events are taken at 00:00 (centre time) of their day, or from `start` when they are
  dated before it (the instant they were recorded, for the agreement test).
- **Compliant** (`compliant=True`): from the day after the last input event (the recorded
  history is what happened), each open obligation's act is simulated at 12:00 centre time on
  its due date (after that day's 08:00 reminders, so its `due` reminder goes out), or on that
  first day if it was already due. The acts are plain events (`Simulation.acts`) a test can
  record as they are. Not compliant: nothing is done, and the ladders run up to `defaulted`.
- Every reminder is taken as delivered when it is due (no outage, every address known).

Pure: no clock, no I/O; "now" is the `start` parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from domain.calendar import add_days, add_months
from domain.catalogue import in_catalogue
from domain.dispatch import DeliveryHistory, ReminderMessage, due_reminders
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
from domain.history import centre_of
from domain.plan import OPEN_STATUSES, Obligation, ObligationKind, Plan, Recipient, Status
from domain.planner import compute_plan, local_date
from domain.ruleset import Ruleset, RulesetRegistry
from service.digest import next_wake

ACT_TIME = time(12, 0)
"""When a compliant patient's simulated act happens on its day (centre time)."""
MAX_STEPS = 100_000
"""A bound on the walk, far above what 30 years of any pathway needs (a few thousand)."""
MAX_YEARS = 30


class SimulationError(ValueError):
    """Input a simulation cannot run on (no event, several patients, a bad horizon)."""


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EventMark(_Out):
    """An event on the simulated time line: recorded (given) or simulated (a compliant act)."""

    event_id: str
    type: str
    on: date
    simulated: bool = False


class StatusChange(_Out):
    on: date
    """The centre day from which the obligation has that status."""
    status: Status


class SimulatedObligation(_Out):
    """One obligation as it ended in the simulation, with every status it went through."""

    id: str
    rule: str
    kind: ObligationKind
    due_on: date
    heads_up_on: date | None = None
    status: Status
    satisfied_on: date | None = None
    satisfied_by: str | None = None
    cancelled_on: date | None = None
    molecule: str | None = None
    panel: str | None = None
    regions: tuple[str, ...] = ()
    changes: tuple[StatusChange, ...]


class SimulatedReminder(_Out):
    """One reminder as the workflow would send it (the `ReminderMessage` fields a reader needs)."""

    reminder_id: str
    obligation_id: str
    rule: str
    kind: str
    step: str
    due_on: date
    scheduled_at: datetime
    sent_at: datetime
    """When it goes out: its rung's time, or the instant the simulation reached if it was
    already past (a back-dated history gets only the latest rung, as a run sends it)."""
    escalated: bool
    last: bool
    recipients: tuple[Recipient, ...]


class Period(_Out):
    """A stage or a surveillance track, from `start` to `end` (None: still on at the horizon)."""

    name: str
    start: date
    end: date | None = None


class Simulation(_Out):
    patient_ref: str
    ruleset: str
    """`id/version@content-hash` of the ruleset simulated."""
    compliant: bool
    start: datetime
    until: date
    """The horizon (inclusive): the first event's day plus the years asked."""
    ended: str | None = None
    """The end of follow-up's reason, if the input ends it."""
    events: tuple[EventMark, ...]
    obligations: tuple[SimulatedObligation, ...]
    reminders: tuple[SimulatedReminder, ...]
    stages: tuple[Period, ...]
    tracks: tuple[Period, ...]
    acts: tuple[ClinicalEvent, ...] = ()
    """The events a compliant patient's acts are simulated as, in order (empty otherwise)."""


def horizon(events: Sequence[ClinicalEvent], years: int) -> date:
    """The first event's day plus `years` years (1 to 30). Raises `SimulationError`."""
    if not 1 <= years <= MAX_YEARS:
        raise SimulationError(f"years must be between 1 and {MAX_YEARS}, got {years}")
    return add_months(min(e.occurred_on for e in events), 12 * years)


def simulate_patient(events: Sequence[ClinicalEvent], rulesets: RulesetRegistry, years: int, compliant: bool = True,
                     ruleset: Ruleset | None = None) -> Simulation:
    """What `pathway simulate` and `POST /v1/simulations` run: under `ruleset`, or else the one
    the events put the patient under (its centre's, as the intake does), the events' names
    turned into that ruleset's codes. Raises `EventRefused` (a code the ruleset lacks, naming the
    field) or `SimulationError`."""
    if not events:
        raise SimulationError("no event given: a simulation starts from a patient's events")
    chosen = ruleset or rulesets.for_centre(centre_of(events))
    return simulate([in_catalogue(e, chosen) for e in events], chosen, years, compliant)


def simulate(events: Sequence[ClinicalEvent], ruleset: Ruleset, years: int, compliant: bool = True,
             start: datetime | None = None) -> Simulation:
    """Walk one patient's pathway from `start` (default: 00:00 centre time of the first event's
    day) through the end of `horizon(events, years)`. `events` are one patient's, their codes
    already the ruleset's (`domain.catalogue.in_catalogue`). Raises `SimulationError`."""
    if not events:
        raise SimulationError("no event given: a simulation starts from a patient's events")
    refs = sorted({e.patient_ref for e in events})
    if len(refs) > 1:
        raise SimulationError(f"events of one patient only; got {len(refs)} ({', '.join(refs[:5])})")
    zone = ZoneInfo(ruleset.settings.timezone)
    until = horizon(events, years)
    first = min(e.occurred_on for e in events)
    walk = _Walk(refs[0], list(events), ruleset, compliant,
                 start or datetime.combine(first, time(0, 0), tzinfo=zone))
    walk.run(datetime.combine(add_days(until, 1), time(0, 0), tzinfo=zone))
    return walk.result(until)


class _Walk:
    """The walk's state: what a run would know (events, deliveries) and what the reader sees."""

    def __init__(self, patient_ref: str, events: list[ClinicalEvent], ruleset: Ruleset, compliant: bool,
                 start: datetime) -> None:
        self.ref, self.ruleset, self.compliant, self.start = patient_ref, ruleset, compliant, start
        self.zone = ZoneInfo(ruleset.settings.timezone)
        self.given = sorted(events, key=lambda e: e.occurred_on)
        self.acts_from = add_days(max(e.occurred_on for e in events), 1)
        self.acts: list[ClinicalEvent] = []
        self.pending: dict[tuple[str, date], tuple[datetime, Obligation]] = {}
        self.history = DeliveryHistory()
        self.sent: list[SimulatedReminder] = []
        self.obligations: dict[str, Obligation] = {}
        self.changes: dict[str, list[StatusChange]] = {}
        self.stages: list[Period] = []
        self.tracks: dict[str, Period] = {}
        self.closed_tracks: list[Period] = []
        self.ended: str | None = None

    def run(self, end: datetime) -> None:
        now = self.start
        for _ in range(MAX_STEPS):
            if now >= end:
                return
            plan = self._settle(now)
            if plan.ended:
                self.ended = plan.ended
                return
            now = self._next(plan, now)
            if now is None:
                return
        raise SimulationError(f"the simulation did not reach its horizon in {MAX_STEPS} steps")

    def _known(self, now: datetime) -> list[ClinicalEvent]:
        day = local_date(now, self.ruleset.settings)
        return [e for e in self.given if e.occurred_on <= day] + self.acts

    def _settle(self, now: datetime) -> Plan:
        """What a run does at a settle: the plan at `now`, then the reminders due now."""
        plan = compute_plan(self.ref, self._known(now), now, self.ruleset)
        self._observe(plan)
        if not plan.ended:
            for message in due_reminders(plan, now, self.history, self.ruleset):
                self._deliver(message, now)
            if self.compliant:
                self._schedule_acts(plan)
        return plan

    def _deliver(self, message: ReminderMessage, now: datetime) -> None:
        self.sent.append(SimulatedReminder(
            reminder_id=message.reminder_id, obligation_id=message.obligation_id, rule=message.rule,
            kind=message.kind, step=message.step, due_on=message.due_on, scheduled_at=message.scheduled_at,
            sent_at=now, escalated=message.escalated, last=message.last, recipients=message.recipients))
        escalated = {(message.obligation_id, message.due_on)} if message.escalated else set()
        self.history = DeliveryHistory(delivered=self.history.delivered | {message.reminder_id},
                                       escalated=self.history.escalated | escalated)

    def _schedule_acts(self, plan: Plan) -> None:
        """Each open obligation's act at noon of its due date (not before `acts_from`); an act
        planned for an obligation that moved or closed meanwhile is dropped."""
        open_now = {(o.id, o.due_on): o for o in plan.obligations if o.status in OPEN_STATUSES}
        self.pending = {key: planned for key, planned in self.pending.items() if key in open_now}
        for key, obligation in open_now.items():
            if key not in self.pending:
                day = max(obligation.due_on, self.acts_from)
                self.pending[key] = (datetime.combine(day, ACT_TIME, tzinfo=self.zone), obligation)

    def _next(self, plan: Plan, now: datetime) -> datetime | None:
        """The next instant anything can change: the run's own wake-up, an input event's day,
        a simulated act; acts whose time has come are recorded then."""
        wake, _ = next_wake(plan)
        day_starts = [datetime.combine(e.occurred_on, time(0, 0), tzinfo=self.zone) for e in self.given]
        candidates = [t for t in [wake, *day_starts, *(at for at, _ in self.pending.values())]
                      if t is not None and t > now]
        if not candidates:
            return None
        following = min(candidates)
        for key, (at, obligation) in sorted(self.pending.items(), key=lambda item: (item[1][0], item[0])):
            if at <= following:
                day = local_date(at, self.ruleset.settings)
                self.acts.append(act_for(obligation, self.ref, day, f"{self.ref}-sim-{len(self.acts) + 1:04d}"))
                del self.pending[key]
        return following

    def _observe(self, plan: Plan) -> None:
        day = plan.as_of
        for o in plan.obligations:
            self.obligations[o.id] = o
            seen = self.changes.setdefault(o.id, [])
            if not seen or seen[-1].status != o.status:
                seen.append(StatusChange(on=o.satisfied_on or o.cancelled_on or day, status=o.status))
        stage = plan.stage.value if plan.stage else None
        current = self.stages[-1] if self.stages and self.stages[-1].end is None else None
        if current is not None and current.name != stage:
            self.stages[-1] = current.model_copy(update={"end": day})
        if stage is not None and (current is None or current.name != stage):
            self.stages.append(Period(name=stage, start=day))
        for name in set(self.tracks) - set(plan.tracks):
            self.closed_tracks.append(self.tracks.pop(name).model_copy(update={"end": day}))
        for name in plan.tracks:
            self.tracks.setdefault(name, Period(name=name, start=day))

    def result(self, until: date) -> Simulation:
        acts = {e.event_id for e in self.acts}
        marks = [EventMark(event_id=e.event_id, type=e.type, on=e.occurred_on, simulated=e.event_id in acts)
                 for e in [*self.given, *self.acts] if e.occurred_on <= until]
        obligations = [SimulatedObligation(
            id=o.id, rule=o.rule, kind=o.kind, due_on=o.due_on, heads_up_on=o.heads_up_on, status=o.status,
            satisfied_on=o.satisfied_on, satisfied_by=o.satisfied_by, cancelled_on=o.cancelled_on,
            molecule=o.molecule, panel=o.panel, regions=o.regions, changes=tuple(self.changes[o.id]),
        ) for o in sorted(self.obligations.values(), key=lambda o: (o.due_on, o.id))]
        return Simulation(
            patient_ref=self.ref, ruleset=self.ruleset.reference, compliant=self.compliant, start=self.start,
            until=until, ended=self.ended, events=tuple(sorted(marks, key=lambda m: m.on)),
            obligations=tuple(obligations), reminders=tuple(self.sent), stages=tuple(self.stages),
            tracks=tuple(sorted([*self.closed_tracks, *self.tracks.values()], key=lambda p: (p.start, p.name))),
            acts=tuple(self.acts),
        )


def act_for(obligation: Obligation, patient_ref: str, on: date, event_id: str) -> ClinicalEvent:
    """The event a compliant patient's act is simulated as: the plainest one that satisfies the
    obligation's kind (`domain.acts`, the "satisfied by" column of PATHWAY_RULES.md)."""
    common = dict(event_id=event_id, patient_ref=patient_ref, occurred_on=on, source="simulation")
    kind = obligation.kind
    if kind is ObligationKind.MRI:
        return MriPerformed(**common, regions=obligation.regions or ("brain",))
    if kind is ObligationKind.TREATMENT_VALIDATION:
        return TreatmentValidated(**common, via="rcp_meeting", molecule=obligation.molecule or "")
    if kind is ObligationKind.LAB_TEST:
        return LabTestPerformed(**common, panel=obligation.panel or "")
    if kind is ObligationKind.CRC_INFORMATION:
        return CrcInformed(**common, via="letter")
    if kind is ObligationKind.EDSS:
        return EdssRecorded(**common, score=0.0)
    if kind is ObligationKind.ETP_ASSESSMENT:
        return EtpAssessed(**common, referral_needed=False)
    if kind is ObligationKind.ETP_REFERRAL:
        return EtpReferralProposed(**common)
    components = {ObligationKind.SELF_QUESTIONNAIRES: ("self_questionnaires",),
                  ObligationKind.BIOLOGICAL_SAMPLES: ("biological_samples",)}.get(kind, ("neurological_evaluation",))
    setting = "hospital_platform" if kind in (ObligationKind.INITIAL_CRC_VISIT, ObligationKind.FOLLOW_UP_VISIT) \
        else "neurologist"
    return VisitCompleted(**common, setting=setting, components=components)

