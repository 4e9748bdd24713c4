"""The `pathway-reconcile` Temporal Schedule: a reconcile every few minutes, never two at once."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from contracts.pathway import RECONCILE_SCHEDULE, RECONCILE_WORKFLOW


def reconcile_schedule(task_queue: str, every: timedelta) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(RECONCILE_WORKFLOW, id=RECONCILE_SCHEDULE, task_queue=task_queue,
                                           static_summary="reconcile every pathway with the event store"),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_reconcile_schedule(client: Client, task_queue: str, every: timedelta) -> str:
    """Create the schedule, or bring an existing one to this task queue and interval;
    returns `created` or `updated`."""
    schedule = reconcile_schedule(task_queue, every)
    try:
        await client.create_schedule(RECONCILE_SCHEDULE, schedule)
        return "created"
    except ScheduleAlreadyRunningError:
        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(RECONCILE_SCHEDULE).update(replace)
        return "updated"
