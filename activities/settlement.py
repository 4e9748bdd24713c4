"""The settle activity: a pathway's plan from the event store, the reminders due now, and
the read model written (`service.settlement`). The workflow runs it as a local activity,
so its result (a bounded `PlanDigest`) is recorded in history and replay never reads the
store; if it keeps failing (PostgreSQL down), the workflow runs it as an ordinary activity,
retried with backoff and shown pending in the UI and `temporal workflow describe`."""

from __future__ import annotations

import structlog
from temporalio import activity

from activities.failures import retryable_database_failures
from contracts.pathway import SETTLE_ACTIVITY, PlanDigest, SettleInput
from service.settlement import Settlement


class SettlementActivities:
    def __init__(self, settlement: Settlement) -> None:
        self._settlement = settlement

    @activity.defn(name=SETTLE_ACTIVITY)
    async def settle(self, request: SettleInput) -> PlanDigest:
        with structlog.contextvars.bound_contextvars(patient_ref=request.patient_ref,
                                                     workflow_id=activity.info().workflow_id), \
                retryable_database_failures():
            return await self._settlement.settle(request.patient_ref, request.now, request.run_id)
