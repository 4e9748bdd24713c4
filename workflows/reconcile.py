"""The periodic reconcile, started by the `pathway-reconcile` Temporal Schedule: one activity
that compares every stored pathway with its run and repairs it from the store
(`service.reconcile`). Its result, the report, is the workflow's result."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.pathway import RECONCILE_ACTIVITY, RECONCILE_WORKFLOW, ReconcileReport


@workflow.defn(name=RECONCILE_WORKFLOW)
class ReconcileWorkflow:
    @workflow.run
    async def run(self) -> ReconcileReport:
        return await workflow.execute_activity(
            RECONCILE_ACTIVITY, result_type=ReconcileReport,
            start_to_close_timeout=timedelta(hours=2), heartbeat_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=10), maximum_attempts=3),
            summary="reconcile every pathway with the event store",
        )
