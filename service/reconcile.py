"""Reconcile: find every pathway whose run disagrees with the event store and repair it from
the store. `pathway reconcile` runs it once; the `pathway-reconcile` Temporal Schedule runs
it periodically on a worker (`activities.reconcile`).

For each patient of the store (a page at a time), compared with the running runs the
visibility store lists:
- open pathway, no running run (terminated, failed, timed out, reset away, deleted by
  retention, never started): start one, which starts from the store (`restarted`);
- open pathway, a running run behind the store (undelivered events) or other than the run
  that last settled (a reset, a replaced run): sync it (`resynced`);
- open pathway with a reminder waiting for a recipient or failed: sync it, so it offers the
  reminder again (`redelivered`): after `pathway directory load`, say;
- ended pathway with a running run: tell it, so it completes; ended with no run and its plan
  not published: publish it from the store (`closed`);
- a running pathway run with no stored event is reported (`orphans`), never touched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from contracts.pathway import ReconcileReport, workflow_id_for
from service import gateway
from service.handoff import Handoff
from store.event_store import EventStore, PathwayRecord
from store.reminder_log import ReminderLog

log = structlog.get_logger("reconcile")
PROGRESS_EVERY = 1000


def action_for(record: PathwayRecord, running_run_id: str | None, undelivered: bool) -> str | None:
    """What a pathway needs: `restarted`, `resynced`, `redelivered`, `closed`, or None."""
    if record.ended_by is not None:
        return "closed" if running_run_id is not None or record.unsettled else None
    if running_run_id is None:
        return "restarted"
    if record.unsettled or record.settled_run_id != running_run_id:
        return "resynced"
    return "redelivered" if undelivered else None


async def reconcile(handoff: Handoff, events: EventStore, reminders: ReminderLog, concurrency: int = 8,
                    progress: Callable[[int], Awaitable[None] | None] | None = None) -> ReconcileReport:
    """One pass over every stored pathway; `progress(n)` every 1,000 pathways checked."""
    running = {wid: run_id async for wid, run_id in gateway.running_runs(handoff.client)}
    undelivered = set(await reminders.undelivered_patients())
    done: dict[str, list[str]] = {"restarted": [], "resynced": [], "redelivered": [], "closed": []}
    failed: list[str] = []
    limit = asyncio.Semaphore(concurrency)
    checked, seen, tasks = 0, set(), []

    async def repair(record: PathwayRecord, action: str) -> None:
        async with limit:
            try:
                summary = await handoff.deliver(record, reason="reconcile", fresh=True)
            except Exception as error:  # reported per pathway; the pass goes on
                failed.append(f"{record.patient_ref}: {type(error).__name__}: {str(error)[:200]}")
                return
        if summary is None:
            failed.append(f"{record.patient_ref}: the run did not answer within {handoff.timeout_s:g} s "
                          "(see `pathway rebuild`)")
        else:
            done[action].append(record.patient_ref)

    async for record in events.pathways():
        checked += 1
        wid = workflow_id_for(record.patient_ref)
        seen.add(wid)
        action = action_for(record, running.get(wid), record.patient_ref in undelivered)
        if action is not None:
            tasks.append(asyncio.create_task(repair(record, action)))
        if progress is not None and checked % PROGRESS_EVERY == 0:
            await _call(progress, checked)
    await asyncio.gather(*tasks)
    report = ReconcileReport(
        pathways=checked, restarted=tuple(sorted(done["restarted"])), resynced=tuple(sorted(done["resynced"])),
        redelivered=tuple(sorted(done["redelivered"])), closed=tuple(sorted(done["closed"])),
        orphans=tuple(sorted(w for w in running if w not in seen)), failed=tuple(sorted(failed)),
    )
    await log.ainfo("reconciled", pathways=checked, restarted=len(report.restarted), resynced=len(report.resynced),
                    redelivered=len(report.redelivered), closed=len(report.closed), orphans=len(report.orphans),
                    failed=len(report.failed))
    return report


async def redeliver(handoff: Handoff, events: EventStore, reminders: ReminderLog) -> tuple[list[str], list[str]]:
    """Sync every open pathway with a reminder waiting for a recipient or failed, so it offers it
    again now (after `pathway directory load`, say); (patients synced, patients not answering)."""
    synced, pending = [], []
    for patient_ref in await reminders.undelivered_patients():
        record = await events.pathway(patient_ref)
        if record is None or record.ended_by is not None:
            continue
        summary = await handoff.deliver(record, reason="redeliver", fresh=True)
        (synced if summary is not None else pending).append(patient_ref)
    return synced, pending


async def _call(progress: Callable[[int], Awaitable[None] | None], checked: int) -> None:
    result = progress(checked)
    if asyncio.iscoroutine(result):
        await result
