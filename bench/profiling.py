"""Sampling profiles of the stack's Python processes with py-spy (`--profile`), summed up as
where the CPU samples fall: by area (plan computation, logging, pydantic, SDK, driver...)
and by function (self time)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.stack import Child

# Frames read `name (path:line)`, paths relative to sys.path. A sample counts for the first
# INCLUSIVE area any of its frames matches (the project's own hot spots, whoever calls them),
# else for the area of its innermost frame that matches one of AREAS.
INCLUSIVE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("plan computation (domain/)", ("(domain/",)),
    ("logging (structlog, logging)", ("(structlog/", "(logging/")),
    ("payload codec, data converter", ("(temporalio/converter/", "(codec/aes", "(temporalio/contrib/pydantic")),
)
AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("pydantic (validation, serialisation)", ("(pydantic/", "(pydantic_core/")),
    ("PostgreSQL driver (asyncpg), store/", ("(asyncpg/", "(store/")),
    ("workflow code (workflows/)", ("(workflows/",)),
    ("Temporal SDK worker (sandbox, activations)", ("(temporalio/worker/",)),
    ("Temporal SDK client, bridge", ("(temporalio/client", "(temporalio/service", "(temporalio/bridge/")),
    ("API code (api/)", ("(api/",)),
    ("e-mail (aiosmtplib, email)", ("(aiosmtplib/", "(email/")),
    ("HTTP (uvicorn, starlette, fastapi, h11)", ("(uvicorn/", "(starlette/", "(fastapi/", "(h11/", "(httptools/")),
    ("asyncio event loop, sockets", ("(asyncio/", "(selectors.py")),
    ("thread pool", ("(concurrent/futures/", "(threading.py")),
)
IDLE_LEAVES = ("EpollSelector.select (selectors.py", "_worker (concurrent/futures/thread.py",
               "Condition.wait (threading.py", "Event.wait (threading.py")
"""Leaves of threads waiting (for I/O, for work): counted apart, not as CPU."""


def _area(frames: list[str]) -> str:
    joined = ";".join(frames)
    for name, marks in INCLUSIVE:
        if any(m in joined for m in marks):
            return name
    for frame in reversed(frames):
        for name, marks in AREAS:
            if any(m in frame for m in marks):
                return name
    return "other"


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise RuntimeError("py-spy is not installed: pip install py-spy (it is in the dev extra)")
    return found


@dataclass
class Recording:
    child: Child
    output: Path
    process: asyncio.subprocess.Process

    async def stop(self) -> None:
        """Ctrl-C makes py-spy write what it sampled."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def record(child: Child, output: Path, rate: int = 100) -> Recording:
    output.parent.mkdir(parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        py_spy(), "record", "--pid", str(child.pid), "--rate", str(rate), "--format", "raw", "--nonblocking",
        "--output", str(output), stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)
    return Recording(child, output, process)


def _stacks(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks.append((frames.split(";"), int(count)))
    return stacks


def _function(frame: str) -> str:
    """`name (path:line)` -> `name (short path)`."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})"


def summarize(path: Path, top: int = 12) -> dict[str, Any]:
    stacks = _stacks(path) if path.exists() else []
    busy = [(frames, count) for frames, count in stacks if not frames[-1].startswith(IDLE_LEAVES)]
    total = sum(count for _, count in busy)
    areas: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in busy:
        areas[_area(frames)] += count
        leaves[_function(frames[-1])] += count
        for function in {_function(f) for f in frames}:
            inclusive[function] += count

    def share(counter: Counter[str], n: int) -> list[list[Any]]:
        return [[name, round(100 * c / total, 1)] for name, c in counter.most_common(n)] if total else []

    return {"samples": total, "idle_samples": sum(c for _, c in stacks) - total,
            "areas_pct": share(areas, len(AREAS) + len(INCLUSIVE) + 1), "self_pct": share(leaves, top),
            "inclusive_pct": share(inclusive, top * 2)}


def render(name: str, summary: dict[str, Any]) -> str:
    lines = [f"  profile of the {name}: {summary['samples']} samples (CPU, not idle)"]
    lines += [f"    {pct:5.1f}%  {area}" for area, pct in summary["areas_pct"]]
    lines += ["    top functions (self):"] + [f"    {pct:5.1f}%  {fn}" for fn, pct in summary["self_pct"][:8]]
    return "\n".join(lines)
