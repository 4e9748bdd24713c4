"""Ingestion: events/s through `POST /v1/events` (the production API process, `pathway api`),
one event per request from N concurrent keep-alive clients, beside bare update-with-start
of a trivial workflow with the same concurrency and the same events; then batches of 1,000
events of many patients per request, beside the same single-event baseline (the issue's
target) and beside bare update-with-start carrying each patient's events in one update.

A third single-event path, the HTTP floor (`bench.bare_api`): the same bare update-with-start
behind the same HTTP server as the API, with nothing else; what it loses against bare
update-with-start is the cost of any HTTP front, which bounds the ratio the API can reach.

Rounds alternate: project single, bare single, floor single, project batched, bare batched,
and again.
Each round uses new patients: the first event of each starts its pathway, the next ones
go to a running one. Two project figures: acknowledged (the API answered 201) and stored
(every event of the round in the PostgreSQL event store; the intake stores an event before it
answers, so the two agree). Between rounds the stack is left to finish the work a round
queued (worker CPU back to idle), so one round's tail never slows the next.

    python -m bench.ingestion [--quick] [--clients N] [--profile]
"""

from __future__ import annotations

import argparse
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench import history_cost, profiling
from bench.common import Report, Row, main, median
from bench.drivers import CpuMeter, Run, bare_updates, post_events, wait_stored
from bench.histories import patient_history
from bench.stack import Child, Stack, open_stack, wait_idle
from contracts.pathway import workflow_id_for
from domain.planner import local_date
from pathway_runtime.config import AppConfig

NAME = "ingestion"
API_CONCURRENCY = AppConfig().api_concurrency
"""Patients of one batch the API sends to their pathways at once (PATHWAY_API_CONCURRENCY)."""
DRAIN_TIMEOUT_S = 300.0
LIVE_YEARS = 1.0
"""Events of a live feed: each patient's history spans the last year, up to today (onboarding
benchmarks the 5-year backfill)."""
HISTORY_SAMPLE = 200
"""Workflows of each path and kind whose histories are fetched after the rounds (every k-th)."""


@dataclass(frozen=True)
class Sizes:
    rounds: int
    clients: int
    patients: int
    """New patients per single-event round."""
    events_each: int
    """Events per patient in a single-event round (one request each)."""
    batches: int
    """Batch requests per batched round."""
    batch_clients: int
    batch_patients: int
    batch_events_each: int
    warmup_requests: int


FULL = Sizes(rounds=3, clients=8, patients=60, events_each=5, batches=2, batch_clients=2, batch_patients=100,
             batch_events_each=10, warmup_requests=40)
QUICK = Sizes(rounds=1, clients=4, patients=8, events_each=3, batches=1, batch_clients=1, batch_patients=10,
              batch_events_each=10, warmup_requests=8)


def single_event_bodies(prefix: str, sizes: Sizes, today) -> tuple[list[str], list[dict[str, Any]]]:
    """Every patient's first event, then every patient's second... (the same patient is never
    posted twice at once), each a request of its own."""
    refs = [f"{prefix}-{i}" for i in range(sizes.patients)]
    histories = [patient_history(ref, sizes.events_each, today, seed=1, years=LIVE_YEARS) for ref in refs]
    return refs, [h[k] for k in range(sizes.events_each) for h in histories]


def batch_bodies(prefix: str, sizes: Sizes, today) -> tuple[list[str], list[dict[str, Any]]]:
    refs, bodies = [], []
    for b in range(sizes.batches):
        batch_refs = [f"{prefix}-{b}-{i}" for i in range(sizes.batch_patients)]
        refs += batch_refs
        bodies.append({"events": [e for ref in batch_refs
                                  for e in patient_history(ref, sizes.batch_events_each, today, seed=2,
                                                                    years=LIVE_YEARS)]})
    return refs, bodies


def bare_calls(events: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"bare-{e['patient_ref']}", e) for e in events]


def bare_batch_calls(bodies: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """One update per patient carrying its events, as the API sends a batch."""
    calls: dict[str, list[dict[str, Any]]] = {}
    for body in bodies:
        for e in body["events"]:
            calls.setdefault(f"bare-{e['patient_ref']}", []).append(e)
    return [(wid, {"events": events}) for wid, events in calls.items()]


class Bench:
    def __init__(self, stack: Stack, sizes: Sizes, run_id: str) -> None:
        self.stack = stack
        self.sizes = sizes
        self.run_id = run_id
        self.today = local_date(datetime.now(UTC))
        self.queues = {"project": f"pathway-{run_id}", "bare": f"bare-{run_id}"}
        self.workers: dict[str, Child] = {}
        self.api: Child | None = None
        self.url = ""
        self.floor: Child | None = None
        self.floor_url = ""
        self.token = ""
        self.given: dict[str, dict[str, int]] = {}
        """"<path> <kind>" -> workflow id -> clinical events it was given, over the timed rounds."""

    def _given(self, path: str, kind: str, refs: list[str], events_each: int) -> None:
        workflow_ids = [workflow_id_for(r) if path == "project" else f"bare-{r}" for r in refs]
        self.given.setdefault(f"{path} {kind}", {}).update(dict.fromkeys(workflow_ids, events_each))

    async def history_costs(self) -> dict[str, tuple[history_cost.HistoryCost, int]]:
        """Per path and kind: the summed cost of a sample of its workflows and their clinical events."""
        return {key: await history_cost.measure_sample(self.stack.client, given, HISTORY_SAMPLE)
                for key, given in self.given.items()}

    async def start(self) -> None:
        self.workers["project"] = await self.stack.worker("project", self.queues["project"])
        self.workers["bare"] = await self.stack.worker("bare", self.queues["bare"])
        self.api, self.url = await self.stack.api(self.queues["project"])
        self.floor, self.floor_url = await self.stack.api(self.queues["bare"], bare=True)
        self.token = await self.stack.integration_token(f"bench-{self.run_id}")

    def processes(self) -> list[Child]:
        assert self.api is not None and self.floor is not None
        return [self.stack.server, self.workers["project"], self.workers["bare"], self.api, self.floor]

    async def settle(self) -> float:
        assert self.api is not None and self.floor is not None
        return await wait_idle([self.workers["project"], self.workers["bare"], self.api, self.floor], DRAIN_TIMEOUT_S)

    async def http_floor(self, tag: str) -> dict[str, Any]:
        """The single-event round through the HTTP floor: same bodies, same clients."""
        _, bodies = single_event_bodies(f"{self.run_id}{tag}", self.sizes, self.today)
        meter = CpuMeter(self.processes())
        run = await post_events(self.floor_url, self.token, bodies, self.sizes.clients)
        drained = await self.settle()
        return self._round("floor", "single", run, len(bodies), meter, stored_s=None, drained_s=drained)

    async def project(self, kind: str, tag: str) -> dict[str, Any]:
        if kind == "single":
            refs, bodies = single_event_bodies(f"{self.run_id}{tag}", self.sizes, self.today)
            concurrency, events_each = self.sizes.clients, self.sizes.events_each
        else:
            refs, bodies = batch_bodies(f"{self.run_id}{tag}", self.sizes, self.today)
            concurrency, events_each = self.sizes.batch_clients, self.sizes.batch_events_each
        self._given("project", kind, refs, events_each)
        expected = sum(len(b["events"]) if "events" in b else 1 for b in bodies)
        meter = CpuMeter(self.processes())
        started = time.monotonic()
        run = await post_events(self.url, self.token, bodies, concurrency)
        stored_at = await wait_stored(self.stack.pool, refs, run.events, DRAIN_TIMEOUT_S) if run.events else started
        drained = await self.settle()
        return self._round("project", kind, run, expected, meter, stored_s=stored_at - started, drained_s=drained)

    async def bare(self, kind: str, tag: str) -> dict[str, Any]:
        if kind == "single":
            refs, events = single_event_bodies(f"{self.run_id}{tag}", self.sizes, self.today)
            calls, concurrency, per_call = bare_calls(events), self.sizes.clients, 1
            self._given("bare", kind, refs, self.sizes.events_each)
        else:
            refs, bodies = batch_bodies(f"{self.run_id}{tag}", self.sizes, self.today)
            calls = bare_batch_calls(bodies)
            concurrency, per_call = self.sizes.batch_clients * API_CONCURRENCY, self.sizes.batch_events_each
            self._given("bare", kind, refs, per_call)
        meter = CpuMeter(self.processes())
        run = await bare_updates(self.stack.client, self.queues["bare"], calls, concurrency, per_call)
        drained = await self.settle()
        return self._round("bare", kind, run, len(calls) * per_call, meter, stored_s=None, drained_s=drained)

    def _round(self, path: str, kind: str, run: Run, expected: int, meter: CpuMeter, stored_s: float | None,
               drained_s: float) -> dict[str, Any]:
        cpu = meter.used()
        figures = {"path": path, "kind": kind, **run.summary(), "expected_events": expected,
                   "stored_s": None if stored_s is None else round(stored_s, 3),
                   "stored_events_per_s": round(run.events / stored_s, 2) if stored_s else None,
                   "drain_after_s": round(drained_s, 2), "cpu_s": cpu,
                   "cpu_ms_per_event": round(1000 * sum(cpu.values()) / run.events, 2) if run.events else None}
        print(f"  {path:7} {kind:7} {run.events:6} events  {run.rate:7.1f} ev/s acknowledged"
              + (f"  {figures['stored_events_per_s']:7.1f} ev/s stored" if stored_s else "")
              + (f"  FAILURES {run.failures}: {run.errors[:1]}" if run.failures else ""), flush=True)
        return figures

    async def warm_up(self) -> None:
        """A few un-timed requests on each path: connections, caches, the first workflows."""
        warm = Sizes(**{**self.sizes.__dict__, "patients": max(2, self.sizes.warmup_requests // 2), "events_each": 2})
        refs, bodies = single_event_bodies(f"{self.run_id}w", warm, self.today)
        await post_events(self.url, self.token, bodies, self.sizes.clients)
        await bare_updates(self.stack.client, self.queues["bare"], bare_calls(bodies), self.sizes.clients)
        await post_events(self.floor_url, self.token, bodies, self.sizes.clients)
        await self.settle()


def _total_rate(rounds: list[dict[str, Any]], path: str, kind: str, stored: bool = False) -> float | None:
    chosen = [r for r in rounds if r["path"] == path and r["kind"] == kind]
    seconds = sum(r["stored_s"] if stored else r["seconds"] for r in chosen)
    return sum(r["events"] for r in chosen) / seconds if chosen and seconds else None


def _median_of(rounds: list[dict[str, Any]], path: str, kind: str, key: str) -> float | None:
    return median([r[key] for r in rounds if r["path"] == path and r["kind"] == kind and r[key] is not None])


def rows(rounds: list[dict[str, Any]], sizes: Sizes) -> list[Row]:
    bare_single = _total_rate(rounds, "bare", "single")
    n = sizes.clients
    return [
        Row(f"1 event/request, {n} clients: acknowledged", "events/s", _total_rate(rounds, "project", "single"),
            bare_single, note="target ratio >= 0.8"),
        Row(f"HTTP floor: bare update-with-start behind the API's HTTP server, {n} clients", "events/s",
            _total_rate(rounds, "floor", "single"), bare_single,
            note="no token, validation or database: the best ratio any HTTP front reaches here"),
        Row("1 event/request: project vs the HTTP floor", "events/s", _total_rate(rounds, "project", "single"),
            _total_rate(rounds, "floor", "single"), note="what the pathway itself costs beyond HTTP"),
        Row(f"1 event/request, {n} clients: stored", "events/s", _total_rate(rounds, "project", "single", True),
            bare_single, note="until every event is in the event store"),
        Row(f"batch of {sizes.batch_patients * sizes.batch_events_each}, {sizes.batch_clients} client(s): acknowledged",
            "events/s", _total_rate(rounds, "project", "batched"), bare_single,
            note="vs the single-event baseline; target ratio > 1"),
        Row(f"batch of {sizes.batch_patients * sizes.batch_events_each}: stored", "events/s",
            _total_rate(rounds, "project", "batched", True), bare_single, note="vs the single-event baseline"),
        Row("batch vs bare batched (1 update/patient)", "events/s", _total_rate(rounds, "project", "batched"),
            _total_rate(rounds, "bare", "batched"),
            note=f"bare: one update per patient, {sizes.batch_clients * API_CONCURRENCY} at once"),
        Row("1 event/request: latency p50", "ms", _median_of(rounds, "project", "single", "latency_p50_ms"),
            _median_of(rounds, "bare", "single", "latency_p50_ms"), higher_is_better=False),
        Row("1 event/request: latency p95", "ms", _median_of(rounds, "project", "single", "latency_p95_ms"),
            _median_of(rounds, "bare", "single", "latency_p95_ms"), higher_is_better=False),
        Row("1 event/request: CPU, all processes", "ms/event", _median_of(rounds, "project", "single", "cpu_ms_per_event"),
            _median_of(rounds, "bare", "single", "cpu_ms_per_event"), higher_is_better=False,
            note="server + workers + API + load generator"),
    ]


def cost_rows(costs: dict[str, tuple[history_cost.HistoryCost, int]]) -> list[Row]:
    """History events, bytes and billable actions per clinical event, project beside bare,
    one event per request and in batches (bare batched: one update per patient)."""
    found = []
    for kind, per in (("single", "clinical event, 1 event/request"), ("batched", "clinical event, batches")):
        (project, project_events), (bare, bare_events) = costs[f"project {kind}"], costs[f"bare {kind}"]
        found += history_cost.rows(project, project_events, bare, bare_events, per)
    return found


def cpu_split(rounds: list[dict[str, Any]], path: str, kind: str) -> dict[str, float]:
    """CPU ms per event by process, over the rounds of this path and kind."""
    chosen = [r for r in rounds if r["path"] == path and r["kind"] == kind]
    events = sum(r["events"] for r in chosen)
    names = {name for r in chosen for name in r["cpu_s"]}
    return {name: round(1000 * sum(r["cpu_s"].get(name, 0) for r in chosen) / events, 2)
            for name in sorted(names)} if events else {}


async def run(args: argparse.Namespace) -> Report:
    sizes = QUICK if args.quick else FULL
    if args.clients:
        sizes = Sizes(**{**sizes.__dict__, "clients": args.clients})
    report = Report(NAME, args.quick, settings=dict(sizes.__dict__, api_concurrency=API_CONCURRENCY))
    run_id = uuid.uuid4().hex[:6]
    async with open_stack(NAME) as stack:
        bench = Bench(stack, sizes, run_id)
        await bench.start()
        await bench.warm_up()
        recordings: list[profiling.Recording] = []
        for r in range(sizes.rounds):
            if args.profile and r == 0:
                recordings = [await profiling.record(child, stack.log_dir / f"profile-{child.name.replace(' ', '-')}.txt")
                              for child in (bench.api, bench.workers["project"]) if child is not None]
            report.rounds.append(await bench.project("single", f"s{r}"))
            for recording in recordings:
                await recording.stop()
            recordings = []
            report.rounds.append(await bench.bare("single", f"s{r}"))
            report.rounds.append(await bench.http_floor(f"s{r}"))
            report.rounds.append(await bench.project("batched", f"b{r}"))
            report.rounds.append(await bench.bare("batched", f"b{r}"))
        fetch_started = time.monotonic()
        costs = await bench.history_costs()
        report.extra["history_fetch_s"] = round(time.monotonic() - fetch_started, 2)
        if args.profile:
            report.extra["profile"] = {name: profiling.summarize(stack.log_dir / f"profile-{name.replace(' ', '-')}.txt")
                                       for name in ("api", "project worker")}
    report.rows = rows(report.rounds, sizes) + cost_rows(costs)
    report.extra["history_cost"] = {key: {**cost.as_json(), "clinical_events": events}
                                    for key, (cost, events) in costs.items()}
    report.extra["cpu_ms_per_event"] = {f"{path} {kind}": cpu_split(report.rounds, path, kind)
                                        for path in ("project", "bare", "floor") for kind in ("single", "batched")}
    failures = sum(r["failures"] for r in report.rounds)
    report.notes.append(f"rounds alternate project/bare; {sizes.rounds} of each kind; "
                        f"{sizes.patients} new patients x {sizes.events_each} events per single-event round")
    report.notes.append("CPU ms/event by process, project single: " + ", ".join(
        f"{k} {v}" for k, v in report.extra["cpu_ms_per_event"]["project single"].items()))
    report.notes.append("CPU ms/event by process, bare single: " + ", ".join(
        f"{k} {v}" for k, v in report.extra["cpu_ms_per_event"]["bare single"].items()))
    report.notes.append("CPU ms/event by process, HTTP floor single: " + ", ".join(
        f"{k} {v}" for k, v in report.extra["cpu_ms_per_event"]["floor single"].items()))
    report.notes.append(f"history costs: every run of a sample of at most {HISTORY_SAMPLE} workflows of each "
                        "path and kind, fetched after the rounds (history_cost in the JSON)")
    if failures:
        report.notes.append(f"{failures} requests failed (see rounds[].errors)")
    for name, summary in report.extra.get("profile", {}).items():
        print(profiling.render(name, summary))
    return report


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=0, help="concurrent clients (default 8; quick 4)")
    parser.add_argument("--profile", action="store_true",
                        help="sample the API and the project worker with py-spy during the first project round")


if __name__ == "__main__":
    main(NAME, __doc__.splitlines()[0], run, options)
