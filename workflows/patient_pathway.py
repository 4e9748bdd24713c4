"""One long-running workflow per patient: a durable projection of the event store, with timers.

The PostgreSQL event store is the system of record: it alone says which events a patient
has and whether the pathway has ended. A run holds none of the events. A client appends
events to the store, then tells the run how far the store goes (update `sync`). The run
settles: one local activity reads the store, computes the plan at the workflow's time,
chooses the reminders due now and publishes the plan to the read model, and returns a
bounded digest of it. The update answers with the plan's summary. The run then sleeps
until the next reminder or status change, settles again when it wakes, and sends what is
due.

Reminders go out only once the pathway has been quiet (no new event) for
`PathwayTimings.quiet_seconds`, from a plan settled after that, and each send first checks
that no event was stored since that plan (else it is `stale` and the run settles again).
Sends run beside the loop, so an SMTP outage never keeps a pathway from taking events.

So a run may be terminated, reset or lost at any time: the next one starts from the store.
What a run carries into the next (`PathwayState`) is bounded whatever the number of events.
Once the store says the pathway has ended, the run completes; the retraction of that end
starts a new run (`reason` "reopened by …").

Replay safety: the settle is a local activity, so the digest each decision used is in
history; a change to the rules table never breaks the replay of a running pathway.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, CancelledError, FailureError

with workflow.unsafe.imports_passed_through():
    from contracts.pathway import (
        SEND_REMINDER_ACTIVITY,
        SETTLE_ACTIVITY,
        SUMMARY_QUERY,
        SYNC_UPDATE,
        WORKFLOW,
        PathwayInput,
        PathwayState,
        PlanDigest,
        PlanSummary,
        SettleInput,
        SyncRequest,
    )
    from domain.dispatch import ReminderMessage
    from workflows import search_attributes
    from workflows.wake_timer import WakeTimer

SETTLE_TIMEOUT = timedelta(seconds=30)
SETTLE_LOCAL_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=500), backoff_coefficient=2.0,
                                 maximum_attempts=3)
"""A settle that still fails after these (PostgreSQL down, say) goes on as an ordinary
activity: retried as long as it takes, each failure shown on the pending activity (UI,
describe), which a local activity's retries are not."""
SETTLE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                           maximum_interval=timedelta(minutes=5))


@workflow.defn(name=WORKFLOW)
class PatientPathwayWorkflow:
    @workflow.init
    def __init__(self, start: PathwayInput) -> None:
        self._patient_ref = start.patient_ref
        self._timings = start.timings
        self._state = start.state or PathwayState()
        """Everything the run carries into the next one (one object, bounded)."""
        self._requested = 0
        """Syncs received by this run."""
        self._settled = 0
        """Of those, how many a finished settle covers (it started after they arrived)."""
        self._resettle = False
        """A send found newer events in the store: settle again without waiting for a sync."""
        self._timer = WakeTimer()
        self._sending: dict[str, asyncio.Task[None]] = {}
        """Reminder id -> its send in flight."""
        self._offered: set[str] = set()
        """Reminder ids of the current digest already sent or being sent."""

    @property
    def _digest(self) -> PlanDigest:
        assert self._state.digest is not None, "settled at the start of every run"
        return self._state.digest

    @workflow.run
    async def run(self, start: PathwayInput) -> PlanSummary:
        await self._settle()  # every run starts from the store, whatever it carries
        while True:
            if self._digest.ended and not self._pending():
                if await self._may_finish():
                    break
                await self._settle()
                continue
            self._send_due()
            await self._sleep()
            await self._settle()
            if workflow.info().is_continue_as_new_suggested() and await self._may_finish(or_wake=True):
                workflow.continue_as_new(self._carry_over(start))
        return self._digest.summary

    # --- messages ------------------------------------------------------------------

    @workflow.update(name=SYNC_UPDATE)
    async def sync(self, request: SyncRequest) -> PlanSummary:
        """The store holds this patient's events up to `request.through_seq`: answer with the
        summary of a plan settled after this update arrived (so it covers them)."""
        self._requested += 1
        ticket = self._requested
        await workflow.wait_condition(lambda: self._settled >= ticket)
        return self._digest.summary

    @workflow.query(name=SUMMARY_QUERY)
    def summary(self) -> PlanSummary | None:
        return self._state.digest.summary if self._state.digest else None

    # --- settling ------------------------------------------------------------------

    def _pending(self) -> bool:
        return self._requested > self._settled or self._resettle

    async def _settle(self) -> None:
        ticket = self._requested
        self._resettle = False
        before = self._state.digest
        digest = await self._read_store()
        new_events = before is None or digest.stored_seq > before.stored_seq
        self._state = self._state.model_copy(update={
            "digest": digest,
            "last_event_at": workflow.now() if new_events else self._state.last_event_at,
        })
        self._offered = {rid for rid in self._offered if rid in self._sending}
        self._settled = max(self._settled, ticket)
        self._show(digest)

    async def _read_store(self) -> PlanDigest:
        request = SettleInput(patient_ref=self._patient_ref, now=workflow.now(),
                              run_id=workflow.info().run_id)
        try:
            return await workflow.execute_local_activity(
                SETTLE_ACTIVITY, request, result_type=PlanDigest, start_to_close_timeout=SETTLE_TIMEOUT,
                retry_policy=SETTLE_LOCAL_RETRY, summary="settle: plan from the event store, publish it",
            )
        except CancelledError:
            raise
        except FailureError:  # a local activity's failure arrives as its cause (ApplicationError, timeout)
            return await workflow.execute_activity(
                SETTLE_ACTIVITY, request, result_type=PlanDigest, start_to_close_timeout=SETTLE_TIMEOUT,
                retry_policy=SETTLE_RETRY, summary="settle (retried until PostgreSQL answers)",
            )

    def _show(self, digest: PlanDigest) -> None:
        """Search attributes (coded values, upserted when they change) and the UI's details."""
        workflow.set_current_details(digest.details)
        updates = search_attributes.changes(digest.index, self._state.indexed)
        if updates:
            workflow.upsert_search_attributes(updates)
            self._state = self._state.model_copy(update={"indexed": digest.index})

    # --- waiting -------------------------------------------------------------------

    def _quiet_until(self) -> datetime | None:
        """When reminders may go out: the quiet period after the latest new events."""
        if self._state.last_event_at is None:
            return None
        return self._state.last_event_at + timedelta(seconds=self._timings.quiet_seconds)

    def _unoffered(self) -> list[ReminderMessage]:
        return [m for m in self._digest.reminders if m.reminder_id not in self._offered]

    async def _sleep(self) -> None:
        """Until a sync, a stale send, the next reminder or status change, or the end of the
        quiet period when reminders are waiting for it."""
        at, summary = self._digest.next_wake_at, self._digest.wake_summary
        quiet_until = self._quiet_until()
        if self._unoffered() and quiet_until is not None and quiet_until > workflow.now() \
                and (at is None or quiet_until < at):
            at, summary = quiet_until, f"quiet period: reminders go out {self._timings.quiet_seconds:g} s after the latest event"
        self._timer.set(at, summary)
        await workflow.wait_condition(lambda: self._pending() or self._timer.fired)
        self._timer.take()

    async def _may_finish(self, or_wake: bool = False) -> bool:
        """Wait until sends and handlers are done; False if a sync came meanwhile (or, with
        `or_wake`, the timer fired: a long SMTP outage must not hold up the next reminders)."""
        await workflow.wait_condition(
            lambda: self._pending() or (or_wake and self._timer.fired)
            or (not self._sending and workflow.all_handlers_finished()))
        return not self._pending() and not (or_wake and self._timer.fired)

    # --- reminders -----------------------------------------------------------------

    def _send_due(self) -> None:
        quiet_until = self._quiet_until()
        if quiet_until is not None and workflow.now() < quiet_until:
            return
        for message in self._unoffered():
            self._offered.add(message.reminder_id)
            self._sending[message.reminder_id] = asyncio.create_task(self._send(message))

    async def _send(self, message: ReminderMessage) -> None:
        recipients = ", ".join(f"{r.role} {r.id}" for r in message.recipients)
        t = self._timings
        try:
            outcome = await workflow.execute_activity(
                SEND_REMINDER_ACTIVITY, message, result_type=str,
                start_to_close_timeout=timedelta(seconds=t.send_seconds),
                heartbeat_timeout=timedelta(seconds=t.heartbeat_seconds),
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=t.retry_initial_seconds),
                                         backoff_coefficient=2.0,
                                         maximum_interval=timedelta(seconds=t.retry_maximum_seconds)),
                summary=f"reminder {message.rule} {message.kind} {message.step} to {recipients}",
            )
            if outcome == "stale":
                self._resettle = True
        except ActivityError as error:  # refused for good: the reminder log and the plan show it
            workflow.logger.warning("reminder not sent", extra={"reminder_id": message.reminder_id,
                                                                "error": type(error.cause).__name__})
        finally:
            self._sending.pop(message.reminder_id, None)

    def _carry_over(self, start: PathwayInput) -> PathwayInput:
        return start.model_copy(update={"state": self._state, "reason": "continued"})
