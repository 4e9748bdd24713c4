"""The stack a benchmark runs on, on loopback, every piece stopped when the block ends:
PostgreSQL (a fresh migrated database: the local server, else an embedded one, see
`tests/support/postgres.py`), the Temporal dev server (in memory, headless, the project's
search attributes registered), and as subprocesses started from the production entry
points: the project's worker (`python -m worker`), the baseline's worker
(`python -m bench.bare_worker`) and the HTTP API (`pathway api`).

Every process gets the same Temporal address, namespace and payload encryption key, and
writes its (JSON) log under `bench/results/logs/<benchmark>/`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from codec.aes import data_converter, new_key, parse_keys
from contracts.pathway import PathwayTimings
from domain.ruleset import RulesetRegistry, single
from pathway_cli.temporal_server import dev_server_argv
from pathway_runtime.ports import free_port
from rulesets import default as default_ruleset
from service.intake import Intake
from store.db import create_pool
from store.tokens import TokenStore
from tests.support.postgres import fresh_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(os.environ.get("PATHWAY_BENCH_RESULTS") or ROOT / "bench" / "results")
"""Where results and logs go (the test of the quick mode points it at a temporary directory)."""
PATHWAY = str(Path(sys.executable).parent / "pathway")
NAMESPACE = "default"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 25.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Variables of the caller's shell that would point a child elsewhere than this stack.
FOREIGN_ENV = ("DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "PATHWAY_TASK_QUEUE", "SMTP_HOST",
               "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_STARTTLS", "WEBHOOK_URL", "WEBHOOK_SECRET",
               "PATHWAY_CODEC_KEYS", "PATHWAY_CODEC_KEYS_FILE", "PATHWAY_CODEC_ACTIVE_KEY",
               "PATHWAY_INSECURE_PLAINTEXT_PAYLOADS", "PATHWAY_STACK_ENV", "PATHWAY_METRICS_PORT",
               "PATHWAY_TEMPORAL_METRICS_PORT", "PATHWAY_API_PORT", "PATHWAY_API_HOST")


class StackError(RuntimeError):
    pass


@dataclass
class Child:
    """A subprocess of the benchmark, its output in a log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> Child:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv, env=self.env, cwd=ROOT, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def check_alive(self) -> None:
        if self.process is None or self.process.returncode is not None:
            code = None if self.process is None else self.process.returncode
            raise StackError(f"{self.name} exited (code {code}); last lines of {self.log_path}:\n{self.tail()}")

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def rss_kb(self) -> int:
        """VmRSS of the process, from /proc."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise StackError(f"no VmRSS for {self.name} ({self.pid})")

    def cpu_s(self) -> float:
        """User + system CPU seconds the process has used so far."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    async def stop(self) -> None:
        """SIGTERM (a graceful stop), SIGKILL if it has not ended in STOP_TIMEOUT_S."""
        if self.process is None or self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


async def _wait_for(what: str, probe, child: Child, timeout_s: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        child.check_alive()
        with contextlib.suppress(Exception):
            if await probe():
                return
        if time.monotonic() > deadline:
            raise StackError(f"{what} not ready within {timeout_s:.0f} s; last lines of {child.log_path}:\n"
                             f"{child.tail()}")
        await asyncio.sleep(0.2)


@dataclass
class Stack:
    name: str
    temporal_address: str
    database_url: str
    codec_keys: str
    client: Client
    pool: asyncpg.Pool
    log_dir: Path
    server: Child
    _exits: AsyncExitStack = field(default_factory=AsyncExitStack)
    _children: list[Child] = field(default_factory=list)

    def env(self, task_queue: str, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
        return {**base, "TEMPORAL_ADDRESS": self.temporal_address, "TEMPORAL_NAMESPACE": NAMESPACE,
                "PATHWAY_TASK_QUEUE": task_queue, "DATABASE_URL": self.database_url,
                "PATHWAY_CODEC_KEYS": self.codec_keys, "PATHWAY_LOG_FORMAT": "json",
                "PATHWAY_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1", **extra}

    async def _start(self, child: Child) -> Child:
        await child.start()
        self._children.append(child)
        self._exits.push_async_callback(child.stop)
        return child

    async def worker(self, kind: str, task_queue: str, **extra_env: str) -> Child:
        """The project's worker (`kind="project"`, production `python -m worker`) or the bare
        one (`kind="bare"`), polling `task_queue` before this returns."""
        module = {"project": "worker", "bare": "bench.bare_worker"}[kind]
        child = await self._start(Child(f"{kind} worker", [sys.executable, "-m", module],
                                        self.env(task_queue, **extra_env),
                                        self.log_dir / f"{kind}-worker-{task_queue[-8:]}.log"))
        await _wait_for(f"{kind} worker", lambda: self._has_poller(task_queue), child)
        return child

    async def stop(self, child: Child) -> None:
        await child.stop()

    async def _has_poller(self, task_queue: str) -> bool:
        answer = await self.client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
            namespace=NAMESPACE, task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW))
        return len(answer.pollers) > 0

    async def api(self, task_queue: str, bare: bool = False, **extra_env: str) -> tuple[Child, str]:
        """The HTTP API as production serves it (`pathway api`), or with `bare` the HTTP floor
        (`bench.bare_api`: bare update-with-start behind the same HTTP server); returns it
        and its base URL."""
        port = free_port()
        argv = [sys.executable, "-m", "bench.bare_api", "--port", str(port)] if bare \
            else [PATHWAY, "api", "--host", "127.0.0.1", "--port", str(port)]
        name = "bare api" if bare else "api"
        child = await self._start(Child(name, argv, self.env(task_queue, **extra_env),
                                        self.log_dir / f"{name.replace(' ', '-')}.log"))
        url = f"http://127.0.0.1:{port}"

        async def healthy() -> bool:
            async with httpx.AsyncClient(timeout=2) as http:
                return (await http.get(f"{url}/healthz")).status_code == 200

        await _wait_for("the API", healthy, child)
        return child, url

    def intake(self, task_queue: str, rulesets: RulesetRegistry | None = None,
               timings: PathwayTimings | None = None) -> Intake:
        """The service layer's intake (what the API and the CLI call) on this stack, in this process."""
        return Intake.on(self.client, self.pool, task_queue, rulesets or single(default_ruleset()), timings)

    async def integration_token(self, name: str) -> str:
        token, _ = await TokenStore(self.pool).create(name, "integration")
        return token

    def children(self) -> Sequence[Child]:
        return [self.server, *self._children]


def temporal_server_argv(port: int, extra: Sequence[str] = ()) -> list[str]:
    return dev_server_argv(port, extra=["--http-port", str(free_port()), "--metrics-port", str(free_port()), *extra])


@asynccontextmanager
async def temporal_server(log_dir: Path, extra: Sequence[str] = ()) -> AsyncIterator[tuple[Child, str]]:
    """A Temporal dev server in memory on a free loopback port; yields it and its address."""
    port = free_port()
    server = Child("temporal dev server", temporal_server_argv(port, extra), dict(os.environ),
                   log_dir / "temporal.log")
    await server.start()
    address = f"127.0.0.1:{port}"
    try:
        await _wait_for("the Temporal dev server", lambda: Client.connect(address, namespace=NAMESPACE), server)
        yield server, address
    finally:
        await server.stop()


@asynccontextmanager
async def open_stack(name: str, server_flags: Sequence[str] = ()) -> AsyncIterator[Stack]:
    """Database, Temporal server and a client for the benchmark; the block starts workers
    and the API with `stack.worker(...)` / `stack.api(...)`; all stop at its end."""
    log_dir = RESULTS_DIR / "logs" / name
    log_dir.mkdir(parents=True, exist_ok=True)
    codec_keys = f"bench:{new_key()}"
    async with fresh_database() as dsn, temporal_server(log_dir, server_flags) as (server, address):
        client = await Client.connect(address, namespace=NAMESPACE,
                                      data_converter=data_converter(parse_keys(codec_keys, None)))
        pool = await create_pool(dsn, min_size=1, max_size=4)
        stack = Stack(name, address, dsn, codec_keys, client, pool, log_dir, server)
        try:
            async with stack._exits:
                yield stack
        finally:
            await pool.close()


async def wait_idle(children: Sequence[Child], timeout_s: float, window_s: float = 0.5,
                    threshold: float = 0.05) -> float:
    """Wait until the processes together use less than `threshold` of a core over two windows in
    a row (the work a round left queued is done); returns the seconds until that quiet began."""
    started = time.monotonic()
    quiet_since: float | None = None
    quiet = 0
    while quiet < 2:
        window_start = time.monotonic()
        before = sum(c.cpu_s() for c in children)
        await asyncio.sleep(window_s)
        used = sum(c.cpu_s() for c in children) - before
        if used / window_s < threshold:
            quiet += 1
            quiet_since = window_start if quiet == 1 else quiet_since
        else:
            quiet, quiet_since = 0, None
        if time.monotonic() - started > timeout_s:
            raise StackError(f"still busy after {timeout_s:.0f} s: {', '.join(c.name for c in children)}")
    assert quiet_since is not None
    return quiet_since - started
