"""Writes to PostgreSQL: the event store (audit trail, rebuild source) and the read model
(plans and worklists for staff). Both are idempotent, so a retried activity changes
nothing more."""

from __future__ import annotations

import structlog
from temporalio import activity

from activities.failures import retryable_database_failures
from pathway_runtime.metrics import EVENTS_STORED
from store.event_store import EventStore
from store.read_model import ReadModel
from workflows.messages import PublishPlanInput, StoreEventsInput


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
