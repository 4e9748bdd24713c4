"""A real `python -m worker` SIGKILLed while sending the daily digest, between the SMTP server's
acceptance and the record: after a restart every recipient has the day's digest, the one cut
short at most twice and then with the same Message-ID, and the log says each was sent once."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections import Counter
from datetime import timedelta

from contracts.pathway import DIGEST_WORKFLOW, DigestInput, DigestReport
from delivery.mail_catcher import MailCatcher
from store.digests import DigestStore
from store.reminder_log import ReminderLog
from tests.integration.digest_support import cis_first_events, own_centre
from tests.integration.scenario import Scenario
from tests.integration.stack import FAST, Running
from tests.support.waiting import eventually
from tests.support.worker_process import WorkerProcess, worker_environment


async def test_worker_killed_between_digest_send_and_record_gives_one_copy_or_a_second_with_the_same_message_id(
        env, pool, database, patient_ref, tmp_path):
    centre, neurologist = await own_centre(pool, tmp_path, patient_ref)
    task_queue = f"digest-crash-{patient_ref}"
    async with MailCatcher() as catcher:
        environment = worker_environment(env.client.service_client.config.target_host, database, task_queue,
                                         catcher.port, delivery_mode="digest")
        first, second = WorkerProcess(environment), WorkerProcess(environment)
        killed_message_id: list[str] = []
        killed = asyncio.Event()

        async def kill_on_first_acceptance(message) -> None:  # noqa: ANN001
            if not killed_message_id:
                killed_message_id.append(message["Message-ID"])
                first.kill()  # before the server answers "250": the worker never records the send
                killed.set()

        catcher.on_accept = kill_on_first_acceptance
        await first.start()
        try:
            s = Scenario(env, Running(env.client, task_queue, pool, None, FAST), patient_ref)
            diagnosed = await s.today() - timedelta(days=1)
            await s.record_all(cis_first_events(centre, neurologist, diagnosed), on=diagnosed)

            async def queued():
                rows = await ReminderLog(pool).history(patient_ref)
                return len(rows) == 4 and all(r.status == "queued" for r in rows)
            await eventually(queued, timeout_s=60, what="the four R1 items queued for the digest")
            handle = await env.client.start_workflow(
                DIGEST_WORKFLOW, DigestInput(scope=centre, timezone="Europe/Paris"), id=f"digest-{uuid.uuid4()}",
                task_queue=task_queue, result_type=DigestReport)
            await asyncio.wait_for(killed.wait(), timeout=30)
            await eventually(lambda: _exited(first), what="the killed worker's exit")
            assert first.process.returncode == -signal.SIGKILL
            assert [d.status for d in await DigestStore(pool).of_day([centre], await s.today())].count("sent") == 0

            await second.start()
            report = await asyncio.wait_for(handle.result(), timeout=120)
        finally:
            await first.stop()
            await second.stop()

    digests = await DigestStore(pool).of_day([centre], report.day)
    assert len(digests) == 2 and all(d.status == "sent" and d.attempts == 1 for d in digests)
    copies = Counter(m["Message-ID"] for m in catcher.messages)
    assert set(copies) == {d.message_id for d in digests}, "every recipient got the day's digest"
    assert copies[killed_message_id[0]] == 2, "the digest cut short was sent again, with the same Message-ID"
    assert max(copies.values()) <= 2 and sum(copies.values()) <= 3
    assert all(r.status == "sent" for r in await ReminderLog(pool).history(patient_ref))


async def _exited(worker: WorkerProcess) -> bool:
    return worker.process.returncode is not None
