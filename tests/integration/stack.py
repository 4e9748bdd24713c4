"""What integration tests run pathways on: a worker on a fresh task queue with the real event
store, read model and reminder log, and the intake that clients use, on the same queue."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
from temporalio import activity
from temporalio.client import Client

from activities.delivery import Channel, StaffDelivery
from contracts.pathway import PathwayTimings
from domain.dispatch import ReminderMessage
from domain.ruleset import RulesetRegistry, single
from rulesets import default as default_ruleset
from service.handoff import utc_now
from service.intake import Intake
from store.directory import Directory
from store.reminder_log import ReminderLog
from worker import build_worker

DOMAIN = "test.invalid"
FAST = PathwayTimings(send_seconds=10, heartbeat_seconds=2, retry_initial_seconds=0.2, retry_maximum_seconds=1,
                      quiet_seconds=0)
"""Deliveries retried quickly, and reminders sent as soon as a plan is settled (no quiet
period) unless a test is about the quiet period."""


@dataclass
class RecordingChannel:
    """A channel that keeps what it was given; `sent_at[i]` is the workflow's (virtual) time at
    which the delivery of `received[i]` was scheduled."""

    name: str = "log"
    received: list[ReminderMessage] = field(default_factory=list)
    sent_at: list[datetime] = field(default_factory=list)

    async def send(self, message: ReminderMessage, to: list[str], content: object = None) -> str:
        self.received.append(message)
        self.sent_at.append(activity.info().scheduled_time if activity.in_activity() else utc_now())
        return message.reminder_id


@dataclass
class Running:
    client: Client
    task_queue: str
    pool: asyncpg.Pool
    notifier: RecordingChannel | None
    timings: PathwayTimings = FAST
    catcher: object = None
    delivery: StaffDelivery | None = None

    rulesets: RulesetRegistry = field(default_factory=lambda: single(default_ruleset()))

    def intake(self, clock: Callable[[], datetime] = utc_now, timeout_s: float = 30.0) -> Intake:
        """The intake clients use, on this stack's task queue; `clock` is "now" (virtual in
        time-skipping tests)."""
        return Intake.on(self.client, self.pool, self.task_queue, self.rulesets, self.timings,
                         temporal_timeout_s=timeout_s, clock=clock)


@asynccontextmanager
async def worker_on(client: Client, pool: asyncpg.Pool, channels: Sequence[Channel], task_queue: str | None = None,
                    timings: PathwayTimings = FAST,
                    rulesets: RulesetRegistry | None = None) -> AsyncIterator[tuple[str, StaffDelivery]]:
    task_queue = task_queue or f"test-{uuid.uuid4()}"
    delivery = StaffDelivery(ReminderLog(pool), Directory(pool), channels, DOMAIN)
    async with build_worker(client, task_queue, pool, delivery, rulesets or single(default_ruleset()), timings):
        yield task_queue, delivery


@asynccontextmanager
async def recording_stack(client: Client, pool: asyncpg.Pool, timings: PathwayTimings = FAST,
                          rulesets: RulesetRegistry | None = None) -> AsyncIterator[Running]:
    channel = RecordingChannel()
    registry = rulesets or single(default_ruleset())
    async with worker_on(client, pool, [channel], timings=timings, rulesets=registry) as (task_queue, delivery):
        yield Running(client, task_queue, pool, channel, timings, delivery=delivery, rulesets=registry)
