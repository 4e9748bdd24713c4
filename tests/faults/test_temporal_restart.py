"""The Temporal dev server, persisted to a file, stopped and restarted in the middle of a
patient's pathway, with a real worker process riding it out: events recorded before and
after, reminders sent before, and one whose timer was set before the restart and falls
due after it. Nothing is lost or duplicated in the event store, the reminder log or the
mailbox, and the pathway settles on every stored event."""

from __future__ import annotations

import asyncio
from collections import Counter

from temporalio.service import RPCError
from temporalio.testing import TimeSkipper, TimeSkippingConfig

from contracts.pathway import SUMMARY_QUERY, PlanSummary
from delivery.mail_catcher import MailCatcher
from domain.calendar import add_days, add_months
from store.directory import Directory
from store.event_store import EventStore
from store.reminder_log import ReminderLog
from tests.faults.support import TemporalDevServer, connect_client, delivery_completions
from tests.integration.scenario import PARIS, Scenario
from tests.integration.stack import FAST, Running
from tests.support.cli import EXAMPLES
from tests.support.waiting import eventually
from tests.support.worker_process import WorkerProcess, worker_environment

CARE_TEAM = ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"})
# Started without validation, MRI or ETP assessment: R8, R11 and R15 are due at once.
UNPREPARED_START = [("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}), CARE_TEAM,
                    ("treatment_started", {"molecule": "natalizumab"})]
# What satisfies them; the next validation (R15) is then due in 6 months, its heads-up 30 days before.
PREPARATION = [("mri_performed", {"regions": ["brain", "spinal"]}),
               ("treatment_validated", {"via": "rcp_meeting", "molecule": "natalizumab"}),
               ("etp_assessed", {"referral_needed": False})]
AT_THE_STOP = [("edss_recorded", {"score": 2.0})]
FOLLOW_UP = [("visit_completed", {"setting": "neurologist"}), ("crc_informed", {"via": "consultation"})]


async def sent_rows(pool, patient_ref: str, count: int):
    rows = await ReminderLog(pool).history(patient_ref)
    return rows if len(rows) >= count and all(r.is_sent for r in rows) else None


async def test_temporal_stopped_and_restarted_mid_pathway_loses_and_duplicates_no_event_or_reminder(
    pool, database, patient_ref, tmp_path
):
    await Directory(pool).load(EXAMPLES / "directory.json")
    async with TemporalDevServer(tmp_path / "temporal.db") as server, MailCatcher() as catcher:
        s = Scenario(*await _on(server, pool, patient_ref))
        worker = WorkerProcess(worker_environment(server.address, database, s.task_queue, catcher.port))
        await worker.start()
        try:
            t0 = await s.today()
            await s.record_all(UNPREPARED_START)
            await eventually(lambda: sent_rows(pool, patient_ref, 3), what="the reminders due at once")
            await s.record_all(PREPARATION)
            heads_up = add_days(add_months(t0, 6), -30)
            await s.advance_to(add_days(heads_up, -1))
            assert len(catcher.messages) == 3
            await s.record_all(AT_THE_STOP)  # accepted; its writes to PostgreSQL are still to come

            await server.stop()
            await server.start()

            await s.advance_to(add_days(heads_up, 1))
            await eventually(lambda: sent_rows(pool, patient_ref, 4), what="the reminder due across the restart")
            await s.record_all(FOLLOW_UP)
            await s.settle()
            completed = await delivery_completions(s.handle)
            summary = await s.handle.query(SUMMARY_QUERY, result_type=PlanSummary)
            stored = await eventually(lambda: _stored(pool, patient_ref, 9), what="the events stored")
            assert worker.process.returncode is None, "the worker rode out the restart"
        finally:
            await worker.stop()

    expected = [f"{patient_ref}-{n}" for n in range(1, 10)]
    assert [e.event_id for e in stored] == expected
    assert summary.events_recorded == len(expected)

    rows = await ReminderLog(pool).history(patient_ref)
    assert len(rows) == 4 and all((r.status, r.attempts) == ("sent", 1) for r in rows)
    assert (rows[-1].rule, rows[-1].step) == ("R15", "heads_up")
    assert len(completed) == 4
    assert completed[-1].astimezone(PARIS).date() == heads_up, "the timer set before the restart fired on its day"
    copies = Counter(m["Message-ID"] for m in catcher.messages)
    assert copies == Counter({r.message_id: 1 for r in rows})


async def test_temporal_killed_during_deliveries_sends_each_reminder_once_after_restart(
    pool, database, patient_ref, tmp_path
):
    """SIGKILL when the SMTP server accepts the first of three reminders: the deliveries
    under way finish their SMTP transactions and records while Temporal is gone; their
    completions reach it once it is back (the SDK retries them), or the activities are
    retried and find their rows sent. Either way each reminder goes out once."""
    await Directory(pool).load(EXAMPLES / "directory.json")
    async with TemporalDevServer(tmp_path / "temporal.db") as server, MailCatcher() as catcher:
        s = Scenario(*await _on(server, pool, patient_ref))
        worker = WorkerProcess(worker_environment(server.address, database, s.task_queue, catcher.port))
        killed = asyncio.Event()

        async def kill_the_server_at_the_first_acceptance(message) -> None:  # noqa: ANN001
            if not killed.is_set():
                killed.set()
                server.process.kill()

        catcher.on_accept = kill_the_server_at_the_first_acceptance
        await worker.start()
        try:
            await s.record_all(UNPREPARED_START)
            await asyncio.wait_for(killed.wait(), timeout=30)
            await server.process.wait()
            await server.start()

            rows = await eventually(lambda: sent_rows(pool, patient_ref, 3), timeout_s=30, what="every reminder sent")
            completed = await eventually(lambda: _completed(s, 3), timeout_s=30, what="the deliveries completed")
            stored = await eventually(lambda: _stored(pool, patient_ref, 3), what="the events stored")
            assert worker.process.returncode is None, "the worker rode out the crash"
        finally:
            await worker.stop()

    expected = [f"{patient_ref}-{n}" for n in range(1, 4)]
    assert [e.event_id for e in stored] == expected
    assert all((r.status, r.attempts) == ("sent", 1) for r in rows)
    assert len(completed) >= 3
    copies = Counter(m["Message-ID"] for m in catcher.messages)
    assert copies == Counter({r.message_id: 1 for r in rows})


async def _on(server: TemporalDevServer, pool, patient_ref: str) -> tuple[TimeSkipper, Running, str]:
    """What a Scenario needs on this server: a clock (fast-forward) and a client."""
    client = await connect_client(server.address)
    running = Running(client, f"fault-{patient_ref}", pool, None, FAST)
    return TimeSkipper(client, config=TimeSkippingConfig(enabled=False)), running, patient_ref


async def _stored(pool, patient_ref: str, count: int):
    events = await EventStore(pool).for_patient(patient_ref)
    return events if len(events) >= count else None


async def _completed(s: Scenario, count: int):
    try:
        done = await delivery_completions(s.handle)
    except RPCError:  # the server may still be starting
        return None
    return done if len(done) >= count else None
