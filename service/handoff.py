"""Handing a patient's stored events to its workflow run: at least once, idempotent.

What happens depends on what the store says, never on the run:
- the pathway is open: the running run is told how far the store goes; with no running run
  (never started, terminated, failed, timed out, deleted by retention, or completed on an
  end since retracted) a new run is started, and it starts from the store;
- the pathway has ended: a running run is told (it settles on the end, then completes);
  nothing is started. With no run to take the end, the plan is published from the store
  here, so the worklist drops the patient's open items all the same.

A delivery that Temporal does not answer in time is left pending (`None`): the events are
in the store, `pathways.settled_seq` says they were not taken, and a reconcile (or the next
request for the patient) delivers them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import structlog
from temporalio.client import Client, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from contracts.pathway import PathwayInput, PathwayTimings, PlanSummary, SyncRequest
from domain.ruleset import RulesetRegistry
from service import gateway
from service.settlement import Settlement
from store.event_store import PathwayRecord

log = structlog.get_logger("handoff")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Handoff:
    client: Client
    settlement: Settlement
    task_queue: str
    timings: PathwayTimings
    timeout_s: float
    """How long to wait for a run's answer before leaving the delivery pending."""
    clock: Callable[[], datetime]
    """Now (aware): what a pathway ended with no run is published at."""

    @classmethod
    def on(cls, client: Client, pool: asyncpg.Pool, task_queue: str, rulesets: RulesetRegistry,
           timings: PathwayTimings | None = None, timeout_s: float = 30.0,
           clock: Callable[[], datetime] = utc_now) -> Handoff:
        return cls(client=client, settlement=Settlement(pool, rulesets), task_queue=task_queue,
                   timings=timings or PathwayTimings(), timeout_s=timeout_s, clock=clock)

    @property
    def rulesets(self) -> RulesetRegistry:
        return self.settlement.rulesets

    async def deliver(self, record: PathwayRecord, reason: str = "events", centre_id: str | None = None,
                      fresh: bool = False) -> PlanSummary | None:
        """The summary of the plan the run settled (or, for an ended pathway with no run, of
        the plan published from the store); None if Temporal did not answer in time.

        `fresh`: a new update id, so a run that already took this position settles again (a
        rebuild, a reconcile); otherwise a resend of the same position gets the first answer.
        """
        update_id = f"{reason.split()[0]}-{uuid.uuid4().hex}" if fresh else f"sync-{record.stored_seq}"
        request = SyncRequest(through_seq=record.stored_seq, reason=reason)
        try:
            async with asyncio.timeout(self.timeout_s):
                if record.ended_by is not None:
                    summary = await gateway.sync_running(self.client, record.patient_ref, request, update_id)
                    return summary or await self.publish_from_store(record.patient_ref)
                return await self._sync_or_start(record, request, update_id, reason, centre_id)
        except (TimeoutError, RPCError, WorkflowUpdateRPCTimeoutOrCancelledError) as error:
            await log.awarning("delivery pending", patient_ref=record.patient_ref, error=type(error).__name__)
            return None
        except RuntimeError as error:  # a lazy client that cannot connect
            if "connect" not in str(error).lower():
                raise
            await log.awarning("delivery pending", patient_ref=record.patient_ref, error="cannot connect")
            return None

    async def _sync_or_start(self, record: PathwayRecord, request: SyncRequest, update_id: str, reason: str,
                             centre_id: str | None) -> PlanSummary:
        start = PathwayInput(patient_ref=record.patient_ref, timings=self.timings, reason=reason)
        try:
            return await gateway.sync_or_start(self.client, start, request, update_id, self.task_queue, centre_id)
        except gateway.RunClosed:
            # The run was completing (on an end that is no longer in force, say): once more,
            # which starts a new run.
            return await gateway.sync_or_start(self.client, start, request, f"{update_id}-again", self.task_queue,
                                               centre_id)

    async def publish_from_store(self, patient_ref: str) -> PlanSummary:
        """Settle without a run (an ended pathway): the plan of the stored events published."""
        digest = await self.settlement.settle(patient_ref, self.clock(), run_id=None)
        return digest.summary

    async def summary_from_store(self, patient_ref: str) -> PlanSummary:
        """The summary of the plan the stored events give now (nothing is written)."""
        now = self.clock()
        plan, _, events = await self.settlement.plan(patient_ref, now, now=now)
        return PlanSummary.of(plan, events)
