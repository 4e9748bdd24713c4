"""The worker process: registers the pathway workflow, the reconcile workflow and their
activities, logs with structlog, stops cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta

import asyncpg
import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from activities.delivery import StaffDelivery
from activities.digests import DigestActivities
from activities.notifications import NotificationActivities, Notifier
from activities.reconcile import ReconcileActivities
from activities.settlement import SettlementActivities
from contracts.pathway import PathwayTimings
from domain.ruleset import RulesetRegistry
from pathway_runtime.bootstrap import services
from pathway_runtime.config import AppConfig, ConfigError, load_config
from pathway_runtime.logs import configure_logging
from pathway_runtime.metrics import serve_metrics
from pathway_runtime.presence import announced
from pathway_runtime.temporal import connect_temporal, workflow_runner
from service.handoff import Handoff
from store.event_store import EventStore
from store.reminder_log import ReminderLog
from workflows.digest import DigestWorkflow
from workflows.patient_pathway import PatientPathwayWorkflow
from workflows.reconcile import ReconcileWorkflow


def build_worker(
    client: Client,
    task_queue: str,
    pool: asyncpg.Pool,
    notifier: Notifier,
    rulesets: RulesetRegistry,
    timings: PathwayTimings | None = None,
    sandboxed: bool = True,
    handoff_timeout_s: float = 30.0,
) -> Worker:
    """A worker of pathways on `task_queue`. `timings`: what the reconcile starts runs with;
    `sandboxed`: the SDK's workflow sandbox (tests keep it, to catch non-deterministic code;
    the worker process follows PATHWAY_WORKFLOW_SANDBOX)."""
    events = EventStore(pool)
    handoff = Handoff.on(client, pool, task_queue, rulesets, timings, handoff_timeout_s)
    settlement = handoff.settlement
    digests = [DigestActivities(notifier, notifier.message_id_domain).send_digests] \
        if isinstance(notifier, StaffDelivery) else []
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[PatientPathwayWorkflow, ReconcileWorkflow, DigestWorkflow],
        activities=[SettlementActivities(settlement).settle,
                    NotificationActivities(notifier, events).send_reminder,
                    ReconcileActivities(handoff, events, ReminderLog(pool)).reconcile, *digests],
        # On SIGTERM, running deliveries get time to finish (compose waits 30 s).
        graceful_shutdown_timeout=timedelta(seconds=20),
        **workflow_runner(sandboxed),
    )


async def run_worker(config: AppConfig, stop: asyncio.Event | None = None) -> None:
    log = structlog.get_logger("worker")
    stop = stop or stop_on_signals()
    client = await connect_temporal(config)
    if config.metrics_port:
        serve_metrics(config.metrics_host, config.metrics_port)
    async with services(config) as wired:
        worker = build_worker(client, config.task_queue, wired.pool, wired.delivery, wired.rulesets, config.timings(),
                              sandboxed=config.workflow_sandbox, handoff_timeout_s=config.api_temporal_timeout_s)
        log.info("worker started", temporal_address=config.temporal_address, task_queue=config.task_queue,
                 channels=[c.name for c in wired.channels], sandboxed=config.workflow_sandbox,
                 rulesets=wired.rulesets.versions())
        async with worker, announced(wired.pool, "worker", wired.rulesets.versions()):
            await stop.wait()
            log.info("worker stopping")
    log.info("worker stopped")


def stop_on_signals() -> asyncio.Event:
    """An event set on SIGINT or SIGTERM (the worker and `pathway dev` stop on it)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def main() -> int:
    try:
        config = load_config()
    except ConfigError as error:
        print(f"worker: {error}")
        return 2
    configure_logging(config.log_format, config.log_level)
    try:
        asyncio.run(run_worker(config))
    except ConfigError as error:
        structlog.get_logger("worker").error("cannot start", reason=str(error))
        return 2
    return 0


if __name__ == "__main__":
    import os
    import sys

    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # see pathway_cli/main.py: avoid the SDK's abort at interpreter exit
