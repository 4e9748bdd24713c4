"""Footprint: the resident memory (VmRSS) of a worker process holding N open pathways, beside
a worker of the same settings holding N bare workflows.

Pathways are created the production way, each patient's 20 events (the last year of a
history generated from the rules) in one update-with-start through the gateway, as the
API's batch endpoint sends them; bare workflows get the same events in one update. Then,
for each kind in turn, a fresh worker process (`python -m worker`, `python -m
bench.bare_worker`) is started, its idle RSS read, and its workflows loaded into its cache
by a query each (a replay of their history), N at a time, the RSS read once it is idle.

The worker keeps the SDK's default cache of 1,000 workflows (build_worker does not change
it): beyond that, the least recently used are evicted and replayed at their next task, so
memory is bounded by the cache, not by the number of open pathways.

    python -m bench.footprint [--quick] [--sizes 1000,10000]
"""

from __future__ import annotations

import argparse
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.bare import BareWorkflow
from bench.common import Report, Row
from bench.common import main as bench_main
from bench.drivers import bare_updates, for_each_concurrently
from bench.histories import patient_history
from bench.stack import Child, Stack, open_stack, wait_idle
from contracts.pathway import SUMMARY_QUERY, workflow_id_for
from domain.events import parse_event
from domain.planner import local_date
from service.intake import record_patient

NAME = "footprint"
EVENTS_EACH = 20
HISTORY_YEARS = 1.0
CREATE_CONCURRENCY = 32
TOUCH_CONCURRENCY = 16
CACHE_SIZE = 1000
"""temporalio.worker.Worker's default max_cached_workflows, kept by worker.build_worker."""
IDLE_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class Sizes:
    counts: tuple[int, ...]


FULL = Sizes(counts=(500, 1000, 1250))
QUICK = Sizes(counts=(40, 120))


async def create_pathways(stack: Stack, queue: str, refs: list[str]) -> dict[str, Any]:
    worker = await stack.worker("project", queue)
    today = local_date(datetime.now(UTC))
    failures: list[str] = []
    intake = stack.intake(queue)

    async def create(ref: str) -> None:
        events = [parse_event(e) for e in patient_history(ref, EVENTS_EACH, today, seed=4, years=HISTORY_YEARS)]
        try:
            await record_patient(intake, ref, events, "bench")
        except Exception as error:  # counted and shown
            failures.append(f"{type(error).__name__}: {error}"[:300])

    started = time.monotonic()
    await for_each_concurrently(refs, CREATE_CONCURRENCY, create)
    settled = time.monotonic() - started + await wait_idle([worker], IDLE_TIMEOUT_S)
    await stack.stop(worker)
    return {"path": "project", "created": len(refs) - len(failures), "seconds": round(settled, 1),
            "failures": len(failures), "errors": failures[:5]}


async def create_bare(stack: Stack, queue: str, refs: list[str]) -> dict[str, Any]:
    worker = await stack.worker("bare", queue)
    today = local_date(datetime.now(UTC))
    calls = [(f"bare-{ref}", {"events": patient_history(ref, EVENTS_EACH, today, seed=4, years=HISTORY_YEARS)})
             for ref in refs]
    started = time.monotonic()
    run = await bare_updates(stack.client, queue, calls, CREATE_CONCURRENCY, EVENTS_EACH)
    settled = time.monotonic() - started + await wait_idle([worker], IDLE_TIMEOUT_S)
    await stack.stop(worker)
    return {"path": "bare", "created": run.requests, "seconds": round(settled, 1), "failures": run.failures,
            "errors": run.errors}


async def touch(stack: Stack, kind: str, refs: list[str]) -> int:
    """Query each workflow once: a fresh worker replays it and keeps it in its cache."""
    failures = 0

    async def one(ref: str) -> None:
        nonlocal failures
        try:
            if kind == "project":
                await stack.client.get_workflow_handle(workflow_id_for(ref)).query(SUMMARY_QUERY)
            else:
                await stack.client.get_workflow_handle(f"bare-{ref}").query(BareWorkflow.updates)
        except Exception:  # counted: a workflow that did not answer is not in the cache
            failures += 1

    await for_each_concurrently(refs, TOUCH_CONCURRENCY, one)
    return failures


async def measure(stack: Stack, kind: str, queue: str, refs: list[str], counts: tuple[int, ...]) -> dict[str, Any]:
    worker: Child = await stack.worker(kind, queue)
    await wait_idle([worker], IDLE_TIMEOUT_S)
    figures: dict[str, Any] = {"path": kind, "rss_kb": {"0": worker.rss_kb()}, "touch_s": {}, "touch_failures": 0}
    loaded = 0
    for count in counts:
        started = time.monotonic()
        figures["touch_failures"] += await touch(stack, kind, refs[loaded:count])
        await wait_idle([worker], IDLE_TIMEOUT_S)
        figures["touch_s"][str(count)] = round(time.monotonic() - started, 1)
        figures["rss_kb"][str(count)] = worker.rss_kb()
        loaded = count
        print(f"  {kind:7} worker with {count:6} workflows: RSS {figures['rss_kb'][str(count)] / 1024:7.1f} MiB",
              flush=True)
    await stack.stop(worker)
    return figures


async def run(args: argparse.Namespace) -> Report:
    sizes = QUICK if args.quick else FULL
    if args.sizes:
        sizes = Sizes(counts=tuple(sorted(int(n) for n in args.sizes.split(","))))
    report = Report(NAME, args.quick, settings={"counts": sizes.counts, "events_each": EVENTS_EACH,
                                                "history_years": HISTORY_YEARS, "max_cached_workflows": CACHE_SIZE,
                                                "create_concurrency": CREATE_CONCURRENCY})
    run_id = uuid.uuid4().hex[:6]
    refs = [f"{run_id}f{i}" for i in range(max(sizes.counts))]
    queues = {"project": f"pathway-{run_id}", "bare": f"bare-{run_id}"}
    async with open_stack(NAME) as stack:
        created = [await create_pathways(stack, queues["project"], refs), await create_bare(stack, queues["bare"], refs)]
        for c in created:
            print(f"  created {c['created']} {c['path']} workflows in {c['seconds']} s", flush=True)
        measured = {}
        for kind in ("project", "bare"):
            measured[kind] = await measure(stack, kind, queues[kind], refs, sizes.counts)
    report.rounds = created + list(measured.values())
    project, bare = measured["project"]["rss_kb"], measured["bare"]["rss_kb"]
    report.rows = [Row("worker RSS, idle, no workflow", "MiB", project["0"] / 1024, bare["0"] / 1024,
                       higher_is_better=False)]
    for count in sizes.counts:
        report.rows.append(Row(f"worker RSS, {count:,} open workflows", "MiB", project[str(count)] / 1024,
                               bare[str(count)] / 1024, higher_is_better=False,
                               note="cache-bound" if count > CACHE_SIZE else ""))
    first = sizes.counts[0]
    report.rows.append(Row(f"RSS per cached workflow (first {first:,})", "KiB",
                           (project[str(first)] - project["0"]) / first, (bare[str(first)] - bare["0"]) / first,
                           higher_is_better=False))
    report.rows.append(Row(f"time to load {max(sizes.counts):,} into a fresh worker", "s",
                           sum(measured["project"]["touch_s"].values()), sum(measured["bare"]["touch_s"].values()),
                           higher_is_better=False, note="a query each: replay of the history"))
    report.notes.append(f"the worker caches at most {CACHE_SIZE:,} workflows (SDK default): beyond, RSS is bounded "
                        "by the cache and evicted pathways are replayed at their next task")
    failures = sum(c["failures"] for c in created) + sum(m["touch_failures"] for m in measured.values())
    if failures:
        report.notes.append(f"{failures} creations or queries failed (see rounds)")
    return report


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="", help="comma-separated counts of open workflows (default 500,1000,1250)")


if __name__ == "__main__":
    bench_main(NAME, __doc__.splitlines()[0], run, options)
