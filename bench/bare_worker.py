"""The baseline's worker process, `python -m bench.bare_worker`: configured from the same
environment as `python -m worker` and built with the same settings as `worker.build_worker`
(activity executor of 4 threads, 20 s graceful shutdown, the sandbox per
PATHWAY_WORKFLOW_SANDBOX, SDK defaults otherwise, the project's data converter); it registers the bare workflow instead of the pathway."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import structlog
from temporalio.worker import Worker

from bench.bare import BareActivities, BareWorkflow
from delivery.email import SmtpChannel, SmtpSettings
from pathway_runtime.config import AppConfig, load_config
from pathway_runtime.logs import configure_logging
from pathway_runtime.temporal import connect_temporal, workflow_runner


def smtp_channel(config: AppConfig) -> SmtpChannel | None:
    if not config.smtp_host:
        return None
    return SmtpChannel(SmtpSettings(host=config.smtp_host, port=config.smtp_port, sender=config.smtp_sender,
                                    message_id_domain=config.message_id_domain))


async def run(config: AppConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    client = await connect_temporal(config)
    activities = BareActivities(smtp_channel(config))
    with ThreadPoolExecutor(max_workers=4) as executor:
        worker = Worker(client, task_queue=config.task_queue, workflows=[BareWorkflow],
                        activities=[activities.send_email], activity_executor=executor,
                        graceful_shutdown_timeout=timedelta(seconds=20),
                        # The project's worker setting (PATHWAY_WORKFLOW_SANDBOX), for a like-for-like baseline.
                        **workflow_runner(config.workflow_sandbox))
        structlog.get_logger("worker").info("worker started", task_queue=config.task_queue, kind="bare")
        async with worker:
            await stop.wait()


def main() -> int:
    config = load_config()
    configure_logging(config.log_format, config.log_level)
    asyncio.run(run(config))
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # as worker.py: avoid the SDK's abort at interpreter exit
