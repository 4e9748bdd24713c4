"""What every benchmark shares: the command line, the machine description, the table,
the JSON result file, percentiles, and the process entry point."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.stack import RESULTS_DIR

RATIO_NOTE = "ratio = project / baseline"


@dataclass
class Row:
    """One line of a benchmark's table: a measure of the project beside the baseline's."""

    measure: str
    unit: str
    project: float | None
    baseline: float | None
    higher_is_better: bool = True
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.project is None or not self.baseline:
            return None
        return self.project / self.baseline

    def as_json(self) -> dict[str, Any]:
        return {"measure": self.measure, "unit": self.unit, "project": self.project, "baseline": self.baseline,
                "ratio": None if self.ratio is None else round(self.ratio, 3),
                "higher_is_better": self.higher_is_better, "note": self.note}


@dataclass
class Report:
    name: str
    quick: bool
    settings: dict[str, Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    rounds: list[dict[str, Any]] = field(default_factory=list)
    """Raw figures of each round, in the order they ran."""
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def parse_args(name: str, description: str, argv: Sequence[str] | None = None,
               options: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m bench.{name}", description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes: proves the benchmark runs (CI)")
    if options is not None:
        options(parser)
    return parser.parse_args(argv)


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _version(argv: list[str]) -> str | None:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return " ".join(out.split()) or None


def machine() -> dict[str, Any]:
    meminfo = {line.split(":")[0]: line.split(":")[1].strip() for line in _read("/proc/meminfo").splitlines()
               if ":" in line}
    model = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                  if line.startswith("model name")), platform.processor())
    from pathway_cli.temporal_server import find_temporal_binary

    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "ram_gib": round(int(meminfo.get("MemTotal", "0 kB").split()[0]) / 1024 / 1024, 1),
        "loadavg_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "temporalio": metadata.version("temporalio"),
        "temporal_cli": _version([find_temporal_binary(), "--version"]),
        "kernel": platform.release(),
    }


def _cell(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def table(rows: Sequence[Row]) -> str:
    header = ["measure", "unit", "project", "baseline", "ratio"]
    body = [[r.measure, r.unit, _cell(r.project), _cell(r.baseline),
             "-" if r.ratio is None else f"{r.ratio:.2f}"] for r in rows]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, w) in enumerate(zip(line, widths)))
             for line in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: Sequence[Row]) -> str:
    lines = ["| measure | unit | project | baseline | ratio |", "|---|---|---:|---:|---:|"]
    lines += [f"| {r.measure} | {r.unit} | {_cell(r.project)} | {_cell(r.baseline)} | "
              f"{'-' if r.ratio is None else f'{r.ratio:.2f}'} |" for r in rows]
    return "\n".join(lines)


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def write(report: Report, started: float, started_at: datetime, info: dict[str, Any]) -> Path:
    """The report as JSON; `info` is the machine as `machine()` saw it at the start."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{report.name}.json"
    info = {**info, "loadavg_at_end": os.getloadavg()}
    data = {
        "benchmark": report.name,
        "quick": report.quick,
        "command": f"python -m bench.{report.name}" + (" --quick" if report.quick else ""),
        "date": started_at.isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - started, 1),
        "machine": info,
        "settings": report.settings,
        "rows": [r.as_json() for r in report.rows],
        "rounds": report.rounds,
        "notes": report.notes,
        **report.extra,
    }
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def show(report: Report, path: Path) -> None:
    title = f"{report.name}{' (quick)' if report.quick else ''}"
    print(f"\n== {title}   [{RATIO_NOTE}]")
    print(table(report.rows))
    for note in report.notes:
        print(f"  - {note}")
    print(f"  -> {path}", flush=True)


def main(name: str, description: str, body: Callable[[argparse.Namespace], Awaitable[Report]],
         options: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """Parse the command line, run the benchmark, print its table, write its JSON, exit.

    Exits with os._exit after flushing: the Temporal SDK can abort at interpreter exit
    (see pathway_cli/main.py), which would turn a good run into exit code 134."""
    args = parse_args(name, description, options=options)
    started, started_at, info = time.monotonic(), datetime.now(UTC), machine()
    code = 0
    try:
        report = asyncio.run(body(args))
        show(report, write(report, started, started_at, info))
    except KeyboardInterrupt:
        code = 130
    except Exception as error:  # printed whole: a benchmark that fails says where
        import traceback

        traceback.print_exception(error)
        code = 1
    finally:
        from tests.support.postgres import stop_embedded

        stop_embedded()
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)
