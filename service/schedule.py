"""The Temporal Schedules: `pathway-reconcile` (a reconcile every few minutes, never two at
once) and the daily digests, one per ruleset in force (`pathway-digest-default`, and
`pathway-digest-<centre>` for a centre with its own)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from contracts.pathway import (
    DIGEST_SCHEDULE_PREFIX,
    DIGEST_WORKFLOW,
    RECONCILE_SCHEDULE,
    RECONCILE_WORKFLOW,
    DigestInput,
)
from domain.ruleset import RulesetRegistry


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
    return await _ensure(client, RECONCILE_SCHEDULE, reconcile_schedule(task_queue, every))


def digest_schedules(task_queue: str, rulesets: RulesetRegistry) -> dict[str, Schedule]:
    """One schedule per ruleset in force: `pathway-digest-default` for every centre without a
    ruleset of its own, `pathway-digest-<centre>` for each centre with one; each fires daily at
    the ruleset's `reminder_time` + `digest_after_minutes`, in its time zone."""
    scopes = [("default", rulesets.default, tuple(sorted(rulesets.by_centre)))]
    scopes += [(centre, ruleset, ()) for centre, ruleset in sorted(rulesets.by_centre.items())]
    schedules = {}
    for scope, ruleset, excluded in scopes:
        s = ruleset.settings
        at = datetime.combine(date(2000, 1, 1), s.reminder_time) + timedelta(minutes=s.digest_after_minutes)
        schedule_id = f"{DIGEST_SCHEDULE_PREFIX}{scope}"
        schedules[schedule_id] = Schedule(
            action=ScheduleActionStartWorkflow(
                DIGEST_WORKFLOW, DigestInput(scope=scope, timezone=s.timezone, excluded=excluded),
                id=schedule_id, task_queue=task_queue, static_summary=f"daily reminder digest of {scope}"),
            spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(at.hour)],
                                                              minute=[ScheduleRange(at.minute)])],
                              time_zone_name=s.timezone),
            policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        )
    return schedules


async def ensure_digest_schedules(client: Client, task_queue: str, rulesets: RulesetRegistry) -> dict[str, str]:
    """Create or update each digest schedule (`digest_schedules`); schedule id -> `created` or `updated`."""
    return {schedule_id: await _ensure(client, schedule_id, schedule)
            for schedule_id, schedule in digest_schedules(task_queue, rulesets).items()}


async def _ensure(client: Client, schedule_id: str, schedule: Schedule) -> str:
    try:
        await client.create_schedule(schedule_id, schedule)
        return "created"
    except ScheduleAlreadyRunningError:
        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(replace)
        return "updated"
