"""A real `python -m worker` SIGKILLed at the steps of a delivery that
tests/integration/test_delivery_crash.py does not cover: before the send (the reminder
row claimed, the SMTP transaction not yet accepted) and after the record (the row marked
sent, the activity's completion not yet known to Temporal). After a restart every
reminder is delivered, once."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter

from delivery.mail_catcher import MailCatcher
from store.directory import Directory
from store.reminder_log import ReminderLog, ReminderRow
from tests.faults.support import TcpProxy, delivery_attempts
from tests.integration.scenario import Scenario
from tests.integration.stack import FAST, Running
from tests.support.cli import EXAMPLES
from tests.support.waiting import eventually
from tests.support.worker_process import WorkerProcess, worker_environment

CARE_TEAM = ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"})
# Started without validation, MRI or ETP assessment: R8, R11 and R15 are due at once.
UNPREPARED_START = [("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}), CARE_TEAM,
                    ("treatment_started", {"molecule": "natalizumab"})]
# Prepared but for the ETP assessment: one reminder (R8) is due at once.
ETP_MISSING = [("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}), CARE_TEAM,
               ("mri_performed", {"regions": ["brain", "spinal"]}),
               ("treatment_started", {"molecule": "natalizumab"}),
               ("treatment_validated", {"via": "rcp_meeting", "molecule": "natalizumab"})]


def scenario(env, pool, task_queue: str, patient_ref: str) -> Scenario:
    return Scenario(env, Running(env.client, task_queue, pool, None, FAST), patient_ref)


async def all_sent(pool, patient_ref: str, count: int) -> list[ReminderRow] | None:
    rows = await ReminderLog(pool).history(patient_ref)
    return rows if len(rows) == count and all(r.is_sent for r in rows) else None


async def test_worker_killed_before_the_send_delivers_every_reminder_once_after_restart(
    env, pool, database, patient_ref
):
    await Directory(pool).load(EXAMPLES / "directory.json")
    task_queue = f"fault-{patient_ref}"
    async with MailCatcher() as catcher:
        environment = worker_environment(env.client.service_client.config.target_host, database, task_queue,
                                         catcher.port)
        first, second = WorkerProcess(environment), WorkerProcess(environment)
        killed = asyncio.Event()

        async def kill_at_the_first_rcpt(address: str) -> None:
            # Before this RCPT is answered, so the worker cannot reach DATA. (Nothing may be
            # awaited after the kill: the SMTP server cancels a handler whose client is gone.)
            if not killed.is_set():
                killed.set()
                first.kill()

        catcher.on_rcpt = kill_at_the_first_rcpt
        await first.start()
        try:
            await scenario(env, pool, task_queue, patient_ref).record_all(UNPREPARED_START)
            await asyncio.wait_for(killed.wait(), timeout=30)
            await eventually(lambda: _exited(first), what="the killed worker's exit")
            assert first.process.returncode == -signal.SIGKILL
            rows_at_kill = await ReminderLog(pool).history(patient_ref)
            assert rows_at_kill and all((r.status, r.attempts) == ("pending", 0) for r in rows_at_kill), \
                "the worker died with its reminders claimed and none sent"
            assert catcher.received == []

            await second.start()
            rows = await eventually(lambda: all_sent(pool, patient_ref, 3), timeout_s=60,
                                    what="every reminder delivered after the restart")
            handle = scenario(env, pool, task_queue, patient_ref).handle
            attempts = await eventually(lambda: _finished(handle, 3), what="the deliveries' completions")
        finally:
            await first.stop()
            await second.stop()

    copies = Counter(m["Message-ID"] for m in catcher.messages)
    assert copies == Counter({r.message_id: 1 for r in rows}), "every reminder delivered, each once"
    assert all(r.attempts == 1 for r in rows)
    assert max(attempts) >= 2, "the delivery cut short was retried on the new worker"


async def test_worker_killed_after_the_record_sends_nothing_more_after_restart(env, pool, database, patient_ref):
    """The kill cannot be timed between two statements of another process, so the worker
    is cut off from Temporal when the SMTP server accepts the message (before the worker
    records it): its record then lands in PostgreSQL, its completion never reaches Temporal,
    and the kill comes once the row says `sent`. For Temporal this is a worker lost after
    the record; deterministic, since the completion cannot overtake the cut."""
    await Directory(pool).load(EXAMPLES / "directory.json")
    task_queue = f"fault-{patient_ref}"
    temporal_host, temporal_port = env.client.service_client.config.target_host.rsplit(":", 1)
    proxy = TcpProxy((temporal_host, int(temporal_port)))
    await proxy.start()
    async with MailCatcher() as catcher:
        direct = worker_environment(env.client.service_client.config.target_host, database, task_queue, catcher.port)
        first, second = WorkerProcess({**direct, "TEMPORAL_ADDRESS": proxy.address}), WorkerProcess(direct)

        async def cut_off_from_temporal(message) -> None:  # noqa: ANN001
            proxy.cut_upstream()

        catcher.on_accept = cut_off_from_temporal
        s = scenario(env, pool, task_queue, patient_ref)
        await first.start()
        try:
            await s.record_all(ETP_MISSING)
            [recorded] = await eventually(lambda: all_sent(pool, patient_ref, 1), what="the record of the send")
            first.kill()
            await eventually(lambda: _exited(first), what="the killed worker's exit")
            await proxy.close()
            pending = (await s.handle.describe()).raw_description.pending_activities
            assert [a.activity_type.name for a in pending] == ["send_reminder"], \
                "Temporal never learnt that the delivery finished"

            await second.start()
            attempts = await eventually(lambda: _finished(s.handle, 1), timeout_s=30,
                                        what="the retried delivery's completion")
        finally:
            await first.stop()
            await second.stop()
            await proxy.close()

    assert attempts == [2], "the delivery was retried after the kill"
    assert [m["Message-ID"] for m in catcher.messages] == [recorded.message_id], "a reminder recorded as sent is not sent again"
    [row] = await ReminderLog(pool).history(patient_ref)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, recorded.sent_at)


async def _finished(handle, count: int) -> list[int] | None:  # noqa: ANN001
    attempts = await delivery_attempts(handle)
    return attempts if len(attempts) == count else None


async def _exited(worker: WorkerProcess) -> bool:
    return worker.process.returncode is not None
