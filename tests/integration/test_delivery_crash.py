"""A worker killed (SIGKILL) between the SMTP server's acceptance and the record of the
send: after a restart every reminder is delivered, and the one resend carries the same
Message-ID. The worker is a real `python -m worker` process."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter

from delivery.mail_catcher import MailCatcher
from store.directory import Directory
from store.reminder_log import ReminderLog
from tests.integration.scenario import Scenario
from tests.integration.stack import FAST, Running
from tests.support.cli import EXAMPLES
from tests.support.waiting import eventually
from tests.support.worker_process import WorkerProcess, worker_environment

UNPREPARED_START = [("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}),
                    ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"}),
                    ("treatment_started", {"molecule": "natalizumab"})]


async def test_worker_killed_after_smtp_acceptance_resends_once_with_the_same_message_id(
    env, pool, database, patient_ref
):
    await Directory(pool).load(EXAMPLES / "directory.json")
    async with MailCatcher() as catcher:
        task_queue = f"crash-{patient_ref}"
        environment = worker_environment(env.client.service_client.config.target_host, database, task_queue,
                                         catcher.port)
        first, second = WorkerProcess(environment), WorkerProcess(environment)
        killed_message_id: list[str] = []
        killed = asyncio.Event()

        async def kill_on_first_acceptance(message) -> None:
            if not killed_message_id:
                killed_message_id.append(message["Message-ID"])
                first.kill()  # before this server answers "250": the worker never records the send
                killed.set()

        catcher.on_accept = kill_on_first_acceptance
        await first.start()
        try:
            s = Scenario(env, Running(env.client, task_queue, pool, None, FAST), patient_ref)
            await s.record_all(UNPREPARED_START)
            await asyncio.wait_for(killed.wait(), timeout=30)
            await eventually(lambda: _exited(first), what="the killed worker's exit")
            assert first.process.returncode == -signal.SIGKILL

            await second.start()

            async def all_sent():
                rows = await ReminderLog(pool).history(patient_ref)
                return len(rows) == 3 and all(r.status == "sent" for r in rows) and rows
            rows = await eventually(all_sent, timeout_s=60, what="every reminder delivered after the restart")
        finally:
            await first.stop()
            await second.stop()

    copies = Counter(m["Message-ID"] for m in catcher.messages)
    assert set(copies) == {r.message_id for r in rows}, "every reminder was delivered"
    assert copies[killed_message_id[0]] == 2, "the send cut short by the crash was resent once"
    assert max(copies.values()) <= 2


async def _exited(worker: WorkerProcess) -> bool:
    return worker.process.returncode is not None
