"""One long-running workflow per patient: receives clinical events, keeps the care plan,
sleeps until the next reminder is due, then sends it.

Replay safety: the plan is computed by a local activity, so the plan each decision
used is recorded in history; changing the rules table never breaks the replay of a
running pathway. Queries, which are never replayed, compute with the current rules.

An event costs one workflow task, as a bare update does (`SETTLE_PATCH`): the update
handler appends the events and waits; the main loop then runs one local activity that
computes the plan, appends the new events to the PostgreSQL event store and publishes
the plan to the read model in one transaction (retried until PostgreSQL answers), and
the update answers with the new plan. Updates arriving meanwhile are settled together.
So an acknowledged event is in history, in the event store and in the read model.

Pathways recorded before that keep, on replay and until their next continue-as-new, the
earlier flow (`workflow.patched`): the plan computed in the update, then `store_events`
and `publish_plan` as activities; and before that, no persistence at all.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import CancelledError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.notifications import NotificationActivities
    from activities.persistence import PersistenceActivities
    from activities.planning import compute_plan_activity
    from domain.errors import EventIdConflict, EventRefused, PathwayEnded
    from domain.events import ClinicalEvent, check_admissible
    from domain.plan import Obligation, Plan, ReminderStep
    from domain.planner import compute_plan, local_date
    from store.event_store import runs_of_one_sender
    from workflows import search_attributes
    from workflows.details import current_details
    from workflows.messages import (
        ComputePlanInput,
        PathwayInput,
        PathwayState,
        PlanQuery,
        PlanSummary,
        PublishPlanInput,
        RecordEvent,
        RecordEvents,
        ReminderMessage,
        SentReminder,
        SettleInput,
        StoreEventsInput,
    )

PLAN_TIMEOUT = timedelta(seconds=30)
STORE_TIMEOUT = timedelta(seconds=30)
STORE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                          maximum_interval=timedelta(minutes=5))
PERSISTENCE_PATCH = "store-events-and-publish-plan"
SEARCH_ATTRIBUTES_PATCH = "search-attributes"
STATUS_WAKEUPS_PATCH = "status-wakeups"
RECEIPT_ORDER_PATCH = "store-events-in-receipt-order"
SETTLE_PATCH = "settle-in-one-task"
KEPT_TIMER_PATCH = "keep-timer-while-unchanged"
GENERATIONS: dict[int, frozenset[str]] = {
    0: frozenset(),
    1: frozenset({PERSISTENCE_PATCH, SEARCH_ATTRIBUTES_PATCH, STATUS_WAKEUPS_PATCH, RECEIPT_ORDER_PATCH,
                  SETTLE_PATCH, KEPT_TIMER_PATCH}),
}
"""The changes each generation of pathway starts with. A run of generation 0 (started before
generations existed) asks `workflow.patched` for each; a newer run has them from its start,
so it records no patch marker (and no TemporalChangeVersion search-attribute update) for
them. A change made later is added as a patch, then folded into a new generation."""
CURRENT_GENERATION = 1

SETTLE_LOCAL_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=500), backoff_coefficient=2.0,
                                 maximum_attempts=3)
"""A settle that still fails after these (PostgreSQL down, say) goes on as activities:
retried as long as it takes, each failure shown on the pending activity (UI, describe),
which a local activity's retries are not."""


@workflow.defn(name="PatientPathway")
class PatientPathwayWorkflow:
    @workflow.init
    def __init__(self, start: PathwayInput) -> None:
        state = start.state or PathwayState()
        self._patient_ref = start.patient_ref
        self._settings = start.settings
        self._timeouts = start.timeouts
        self._generation = start.generation
        self._timer: asyncio.Task[None] | None = None
        self._timer_at: datetime | None = None
        self._events = list(state.events)
        self._by_id = {e.event_id: e for e in self._events}
        self._sent = list(state.sent)
        self._sent_ids = {s.reminder_id for s in self._sent}
        self._plan: Plan | None = state.plan
        self._plan_changed = False
        self._lock = asyncio.Lock()
        self._unstored = [self._by_id[i] for i in state.unstored_event_ids]
        self._senders = dict(state.senders)
        self._indexed: dict[str, object] = {}
        self._publish_seq = 0
        self._received = 0
        """Updates that brought new events (settle flow)."""
        self._settled = 0
        """Of those, how many a finished settle has taken into the plan and the stores."""

    @workflow.run
    async def run(self, start: PathwayInput) -> PlanSummary:
        if self._plan is None and self._events:
            if self._uses(SETTLE_PATCH):
                self._plan_changed = True  # the loop's first settle computes it
            else:
                self._plan = await self._compute()
        while not self._ended():
            await self._sleep_until_next_reminder_or_change()
            if self._uses(SETTLE_PATCH):
                await self._settle()
            else:
                async with self._lock:
                    if not self._plan_changed:
                        self._plan = await self._compute()
                    self._plan_changed = False
                if self._uses(PERSISTENCE_PATCH):
                    await self._persist()
            self._show()
            if self._ended():
                break
            await self._send_due_reminders()
            if workflow.info().is_continue_as_new_suggested():
                # Updates waiting for a settle would never finish while we wait for them:
                # settle them first (next turn of the loop), then carry over.
                await workflow.wait_condition(lambda: workflow.all_handlers_finished() or self._unsettled())
                if not self._unsettled():
                    workflow.continue_as_new(self._carry_over(start))
        while self._unsettled():  # taken before the pathway's end showed: stored, then answered
            await self._settle()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._summary()

    # --- messages ------------------------------------------------------------------

    @workflow.update(name="record_event")
    async def record_event(self, request: RecordEvent) -> PlanSummary:
        """One event; idempotent by event_id: a duplicate is reported and changes nothing."""
        return await self._record((request.event,), request.sender)

    @record_event.validator
    def _validate_one(self, request: RecordEvent) -> None:
        self._check((request.event,))

    @workflow.update(name="record_events")
    async def record_events(self, request: RecordEvents) -> PlanSummary:
        """Several events of this patient in one update (a batch is all or nothing)."""
        return await self._record(request.events, request.sender)

    @record_events.validator
    def _validate_many(self, request: RecordEvents) -> None:
        self._check(request.events)

    async def _record(self, events: tuple[ClinicalEvent, ...], sender: str | None) -> PlanSummary:
        if self._uses(SETTLE_PATCH):
            accepted, duplicates = self._append(events, sender)
            if accepted:
                self._received += 1
                self._plan_changed = True
            # The main loop settles (plan, event store, read model); answer after it has, a
            # duplicate too: the event it repeats may be on its way to the store.
            ticket = self._received
            await workflow.wait_condition(lambda: self._settled >= ticket)
            return self._summary(accepted, duplicates)
        async with self._lock:
            accepted, duplicates = self._append(events, sender)
            if accepted:
                self._plan = await self._compute()
                self._plan_changed = True
            return self._summary(accepted, duplicates)

    def _append(self, events: tuple[ClinicalEvent, ...], sender: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Take the events not seen yet, in order; return (accepted ids, duplicate ids)."""
        accepted, duplicates = [], []
        for event in events:
            if event.event_id in self._by_id:
                duplicates.append(event.event_id)
                continue
            self._events.append(event)
            self._by_id[event.event_id] = event
            self._unstored.append(event)
            if sender is not None:
                self._senders[event.event_id] = sender
            accepted.append(event.event_id)
        return tuple(accepted), tuple(duplicates)

    def _check(self, events: tuple[ClinicalEvent, ...]) -> None:
        """Validators run before the update is recorded: a refusal leaves no trace."""
        if self._ended():
            raise PathwayEnded("follow-up has ended for this patient; no further event is taken")
        today = local_date(workflow.now(), self._settings)
        seen: dict[str, object] = {}
        for event in events:
            if event.patient_ref != self._patient_ref:
                raise EventRefused(f"event {event.event_id}: patient_ref does not match this pathway", "patient_ref")
            check_admissible(event, today)
            earlier = self._by_id.get(event.event_id) or seen.get(event.event_id)
            if earlier is not None and earlier != event:
                raise EventIdConflict(f"event_id {event.event_id} was already used for a different event", "event_id")
            seen[event.event_id] = event

    @workflow.query(name="plan")
    def plan(self, request: PlanQuery) -> Plan:
        as_of = request.as_of or workflow.now()
        return compute_plan(self._patient_ref, self._events, as_of, self._settings)

    @workflow.query(name="summary")
    def summary(self) -> PlanSummary:
        return self._summary()

    @workflow.query(name="sent_reminders")
    def sent_reminders(self) -> list[SentReminder]:
        return list(self._sent)

    @workflow.query(name="events")
    def events(self) -> list[ClinicalEvent]:
        return list(self._events)

    # --- internals -----------------------------------------------------------------

    def _uses(self, change: str) -> bool:
        """Whether this run has `change` (see GENERATIONS); a patch check for older runs."""
        return change in GENERATIONS[self._generation] or workflow.patched(change)

    def _unsettled(self) -> bool:
        return self._received > self._settled

    def _ended(self) -> bool:
        return self._plan is not None and self._plan.ended is not None

    async def _compute(self) -> Plan:
        return await workflow.execute_local_activity(
            compute_plan_activity,
            ComputePlanInput(patient_ref=self._patient_ref, events=tuple(self._events),
                             settings=self._settings, now=workflow.now()),
            start_to_close_timeout=PLAN_TIMEOUT,
            summary=f"plan from {len(self._events)} events",
        )

    def _show(self) -> None:
        """Search attributes (coded values, upserted when they change) and UI details."""
        if self._plan is None:
            return
        workflow.set_current_details(current_details(self._plan))
        if not self._uses(SEARCH_ATTRIBUTES_PATCH):
            return
        values = search_attributes.values_for(self._plan)
        changed = {k: v for k, v in values.items() if self._indexed.get(k, "unset") != v}
        if changed:
            workflow.upsert_search_attributes(search_attributes.updates(changed))
            self._indexed.update(changed)

    async def _settle(self) -> None:
        """One local activity: the plan from every event, the unstored events and the plan
        written to PostgreSQL together. Updates arriving while it runs wait for the next one."""
        self._plan_changed = False
        ticket = self._received
        unstored = tuple(e.event_id for e in self._unstored)
        try:
            self._plan = await workflow.execute_local_activity_method(
                PersistenceActivities.settle,
                SettleInput(patient_ref=self._patient_ref, events=tuple(self._events), settings=self._settings,
                            now=workflow.now(), unstored_event_ids=unstored,
                            senders={i: self._senders[i] for i in unstored if i in self._senders},
                            version=self._next_version()),
                start_to_close_timeout=STORE_TIMEOUT, retry_policy=SETTLE_LOCAL_RETRY,
                summary=f"plan from {len(self._events)} events; store {len(unstored)}, publish the plan",
            )
        except CancelledError:
            raise
        except FailureError:  # a local activity's failure arrives as its cause (ApplicationError, timeout)
            self._plan = await self._compute()
            await self._persist()
        else:
            self._forget_stored(set(unstored))
        self._settled = ticket

    def _forget_stored(self, stored: set[str]) -> None:
        self._unstored = [e for e in self._unstored if e.event_id not in stored]
        for event_id in stored:
            self._senders.pop(event_id, None)

    def _next_version(self) -> int:
        self._publish_seq += 1
        return int(workflow.now().timestamp() * 1_000_000) * 1000 + self._publish_seq % 1000

    async def _persist(self) -> None:
        """Event store first (the audit trail), then the read model."""
        while self._unstored:
            # The longest run of events from one sender, in order of receipt: the store's
            # order is the order of receipt (it breaks same-day ties in a rebuilt plan).
            sender = self._senders.get(self._unstored[0].event_id)
            if self._uses(RECEIPT_ORDER_PATCH):
                batch = tuple(runs_of_one_sender(self._unstored, self._senders)[0][1])
            else:  # as pathways recorded before the change ran: one sender's whole backlog at once
                batch = tuple(e for e in self._unstored if self._senders.get(e.event_id) == sender)
            await workflow.execute_activity_method(
                PersistenceActivities.store_events,
                StoreEventsInput(patient_ref=self._patient_ref, events=batch, sender=sender),
                start_to_close_timeout=STORE_TIMEOUT, retry_policy=STORE_RETRY,
                summary=f"append {len(batch)} events to the event store",
            )
            self._forget_stored({e.event_id for e in batch})
        if self._plan is not None:
            version = self._next_version()
            await workflow.execute_activity_method(
                PersistenceActivities.publish_plan,
                PublishPlanInput(plan=self._plan, version=version),
                start_to_close_timeout=STORE_TIMEOUT, retry_policy=STORE_RETRY,
                summary=f"publish plan: {len(self._plan.open_obligations())} open obligations",
            )

    async def _sleep_until_next_reminder_or_change(self) -> None:
        next_at = self._plan.next_reminder_at if self._plan else None
        summary = self._describe_next(next_at) if next_at else None
        status_change = self._plan.next_status_change_at if self._plan else None
        if status_change is not None and (next_at is None or status_change < next_at) \
                and self._uses(STATUS_WAKEUPS_PATCH):
            next_at, summary = status_change, f"wake to refresh statuses, {status_change.date().isoformat()}"
        if self._uses(KEPT_TIMER_PATCH):
            await self._wait_on_kept_timer(next_at, summary)
            return
        timeout = max(next_at - workflow.now(), timedelta(seconds=1)) if next_at else None
        try:
            await workflow.wait_condition(lambda: self._plan_changed, timeout=timeout, timeout_summary=summary)
        except TimeoutError:
            pass

    async def _wait_on_kept_timer(self, next_at: datetime | None, summary: str | None) -> None:
        """The timer is replaced only when the wake-up time changes: most events (a score, a
        visit) leave it, and each replacement is a cancel and a start in history."""
        if next_at != self._timer_at:
            if self._timer is not None:
                self._timer.cancel()
            self._timer, self._timer_at = None, next_at
            if next_at is not None:
                delay = max(next_at - workflow.now(), timedelta(seconds=1))
                self._timer = asyncio.create_task(workflow.sleep(delay, summary=summary))
        await workflow.wait_condition(lambda: self._plan_changed or (self._timer is not None and self._timer.done()))
        if self._timer is not None and self._timer.done():
            self._timer, self._timer_at = None, None

    def _describe_next(self, at) -> str:
        for obligation, step in self._steps():
            if step.at == at:
                return f"sleep until {obligation.rule} {obligation.kind.value} {step.step}, {at.date().isoformat()}"
        return f"sleep until {at.isoformat()}"

    def _steps(self) -> list[tuple[Obligation, ReminderStep]]:
        if self._plan is None:
            return []
        return [(o, step) for o in self._plan.obligations for step in o.reminders]

    async def _send_due_reminders(self) -> None:
        """For each open obligation, the latest rung whose time has come, if not sent yet.
        Earlier rungs missed (back-dated events, a late onboarding) are not replayed."""
        now = workflow.now()
        due: list[tuple[Obligation, ReminderStep]] = []
        if self._plan is None:
            return
        for obligation in self._plan.obligations:
            passed = [s for s in obligation.reminders if s.at <= now]
            if passed and passed[-1].reminder_id not in self._sent_ids:
                due.append((obligation, passed[-1]))
        await asyncio.gather(*(self._send(o, s) for o, s in due))

    async def _send(self, obligation: Obligation, step: ReminderStep) -> None:
        message = ReminderMessage(
            reminder_id=step.reminder_id, patient_ref=self._patient_ref, obligation_id=obligation.id,
            rule=obligation.rule, kind=obligation.kind.value, step=step.step, due_on=obligation.due_on,
            scheduled_at=step.at, escalated=step.escalated, recipients=step.recipients,
        )
        recipients = ", ".join(f"{r.role} {r.id}" for r in step.recipients)
        await workflow.execute_activity_method(
            NotificationActivities.send_reminder,
            message,
            start_to_close_timeout=timedelta(seconds=self._timeouts.send_seconds),
            heartbeat_timeout=timedelta(seconds=self._timeouts.heartbeat_seconds),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=self._timeouts.retry_initial_seconds), backoff_coefficient=2.0,
                maximum_interval=timedelta(seconds=self._timeouts.retry_maximum_seconds)),
            summary=f"reminder {obligation.rule} {obligation.kind.value} {step.step} to {recipients}",
        )
        if step.reminder_id not in self._sent_ids:
            self._sent_ids.add(step.reminder_id)
            self._sent.append(SentReminder(
                reminder_id=step.reminder_id, obligation_id=obligation.id, rule=obligation.rule,
                kind=obligation.kind.value, step=step.step, due_on=obligation.due_on, scheduled_at=step.at,
                sent_at=workflow.now(), recipients=step.recipients,
            ))

    def _summary(self, accepted: tuple[str, ...] = (), duplicates: tuple[str, ...] = ()) -> PlanSummary:
        plan = self._plan or compute_plan(self._patient_ref, [], workflow.now(), self._settings)
        return PlanSummary.of(plan, len(self._events), accepted, duplicates)

    def _carry_over(self, start: PathwayInput) -> PathwayInput:
        state = PathwayState(events=tuple(self._events), sent=tuple(self._sent), plan=self._plan,
                             unstored_event_ids=tuple(e.event_id for e in self._unstored), senders=self._senders)
        return PathwayInput(patient_ref=self._patient_ref, settings=self._settings, timeouts=self._timeouts,
                            generation=CURRENT_GENERATION,
                            state=state)
