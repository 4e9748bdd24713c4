"""Load drivers: HTTP requests to the API with N concurrent keep-alive clients, and bare
update-with-start calls with the same concurrency; CPU accounting per process."""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from bench.bare import BareInput, BareWorkflow
from bench.common import percentile
from bench.stack import Child, StackError

MAX_ERRORS_KEPT = 5


@dataclass
class Run:
    """What one timed pass of a driver did."""

    requests: int = 0
    events: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    errors: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.failures += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message[:300])

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        return {"requests": self.requests, "events": self.events, "seconds": round(self.seconds, 3),
                "events_per_s": round(self.rate, 2), "failures": self.failures, "errors": self.errors,
                "latency_p50_ms": _ms(percentile(self.latencies, 50)),
                "latency_p95_ms": _ms(percentile(self.latencies, 95))}


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


async def for_each_concurrently(items: Iterable[Any], concurrency: int, one) -> None:
    """`concurrency` coroutines taking the next item in order until none is left."""
    iterator = iter(items)

    async def worker() -> None:
        for item in iterator:
            await one(item)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def post_events(url: str, token: str, bodies: Sequence[dict[str, Any]], concurrency: int,
                      timeout_s: float = 120.0) -> Run:
    """POST each body to /v1/events, `concurrency` at a time over keep-alive connections."""
    run = Run()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout_s, headers=headers) as http:

        async def one(body: dict[str, Any]) -> None:
            started = time.perf_counter()
            try:
                response = await http.post("/v1/events", json=body)
            except httpx.HTTPError as error:
                run.fail(f"{type(error).__name__}: {error}")
                return
            run.latencies.append(time.perf_counter() - started)
            run.requests += 1
            if response.status_code in (200, 201):
                run.events += len(body["events"]) if "events" in body else 1
            else:
                run.fail(f"{response.status_code}: {response.text}")

        started = time.perf_counter()
        await for_each_concurrently(bodies, concurrency, one)
        run.seconds = time.perf_counter() - started
    return run


async def bare_update(client: Client, task_queue: str, workflow_id: str, item: dict[str, Any]) -> int:
    start = WithStartWorkflowOperation(BareWorkflow.run, BareInput(), id=workflow_id, task_queue=task_queue,
                                       id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
    return await client.execute_update_with_start_workflow(BareWorkflow.record, item, start_workflow_operation=start)


async def bare_updates(client: Client, task_queue: str, calls: Sequence[tuple[str, dict[str, Any]]],
                       concurrency: int, events_per_call: int = 1) -> Run:
    """Update-with-start of the bare workflow for each (workflow id, argument), `concurrency` at a time."""
    run = Run()

    async def one(call: tuple[str, dict[str, Any]]) -> None:
        started = time.perf_counter()
        try:
            await bare_update(client, task_queue, *call)
        except Exception as error:  # counted and shown, never hidden
            run.fail(f"{type(error).__name__}: {error}")
            return
        run.latencies.append(time.perf_counter() - started)
        run.requests += 1
        run.events += events_per_call

    started = time.perf_counter()
    await for_each_concurrently(calls, concurrency, one)
    run.seconds = time.perf_counter() - started
    return run


class CpuMeter:
    """CPU seconds used by each process of the stack (and this one, the load generator)."""

    def __init__(self, children: Sequence[Child]) -> None:
        self._children = children
        self._start = self._now()

    def _now(self) -> dict[str, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        found = {"load generator (bench)": usage.ru_utime + usage.ru_stime}
        for child in self._children:
            found[child.name] = child.cpu_s()
        return found

    def used(self) -> dict[str, float]:
        now = self._now()
        return {name: round(now[name] - self._start.get(name, 0.0), 3) for name in now}


async def wait_stored(pool: asyncpg.Pool, refs: Sequence[str], expected: int, timeout_s: float) -> float:
    """Wait until the event store holds `expected` events of these patients; returns when (monotonic)."""
    deadline = time.monotonic() + timeout_s
    while True:
        async with pool.acquire() as conn:
            count = await conn.fetchval("SELECT count(*) FROM events WHERE patient_ref = ANY($1::text[])", list(refs))
        if count >= expected:
            return time.monotonic()
        if time.monotonic() > deadline:
            raise StackError(f"the event store has {count} of {expected} events after {timeout_s:.0f} s")
        await asyncio.sleep(0.1)
