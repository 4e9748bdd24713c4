"""Writes to PostgreSQL: the event store (audit trail, rebuild source) and the read model
(plans and worklists for staff). Both are idempotent, so a retried activity changes
nothing more.

`settle` is what a pathway runs after each change, as one local activity: the plan from
every event, then the new events and that plan written in one transaction. Being local,
it costs no extra round of workflow tasks (an event is taken in one workflow task, as a
bare update is), and its result, the plan, is recorded in history for replay.
`store_events` and `publish_plan` are the activities of pathways recorded before it."""

from __future__ import annotations

import structlog
from temporalio import activity

from activities.failures import retryable_database_failures
from domain.plan import Plan
from domain.planner import compute_plan
from pathway_runtime.metrics import EVENTS_STORED
from store.event_store import EventStore
from store.read_model import ReadModel
from workflows.messages import PublishPlanInput, SettleInput, StoreEventsInput


class PersistenceActivities:
    def __init__(self, event_store: EventStore, read_model: ReadModel) -> None:
        self._events = event_store
        self._read_model = read_model
        self._log = structlog.get_logger("persistence")

    @activity.defn(name="store_events")
    async def store_events(self, request: StoreEventsInput) -> int:
        with structlog.contextvars.bound_contextvars(patient_ref=request.patient_ref,
                                                     workflow_id=activity.info().workflow_id), \
                retryable_database_failures():
            inserted = await self._events.append(request.events, sender=request.sender)
            EVENTS_STORED.inc(inserted)
            await self._log.ainfo("events stored", received=len(request.events), inserted=inserted)
            return inserted

    @activity.defn(name="publish_plan")
    async def publish_plan(self, request: PublishPlanInput) -> bool:
        with structlog.contextvars.bound_contextvars(patient_ref=request.plan.patient_ref,
                                                     workflow_id=activity.info().workflow_id), \
                retryable_database_failures():
            return await self._read_model.upsert_plan(request.plan, request.version)

    @activity.defn(name="settle_pathway")
    async def settle(self, request: SettleInput) -> Plan:
        """The plan, then the unstored events (in order of receipt, each with its sender) and the
        plan in one statement: the read model never shows a plan whose events the store lacks."""
        plan = compute_plan(request.patient_ref, request.events, request.now, request.settings)
        by_id = {e.event_id: e for e in request.events}
        with structlog.contextvars.bound_contextvars(patient_ref=request.patient_ref,
                                                     workflow_id=activity.info().workflow_id), \
                retryable_database_failures():
            unstored = [by_id[i] for i in request.unstored_event_ids]
            inserted, _ = await self._events.append_with_plan(unstored, request.senders, plan, request.version)
            EVENTS_STORED.inc(inserted)
            if unstored:
                await self._log.ainfo("events stored", received=len(unstored), inserted=inserted)
        return plan

