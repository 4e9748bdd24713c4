"""Every benchmark, one after the other, each in its own process with its own stack:
`python -m bench.all [--quick] [--only a,b] [--reference]`.

Writes bench/results/all.json (every benchmark's JSON together); with `--reference`, also
bench/results/reference.json and the markdown section bench/RESULTS.md. `--from-results`
runs nothing and puts together the <name>.json files already there (after re-running one
benchmark alone, say). Exits non-zero if a benchmark failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from bench.common import RATIO_NOTE, machine
from bench.stack import RESULTS_DIR, ROOT

BENCHMARKS = ("domain", "ingestion", "onboarding", "storm", "footprint", "preview", "worklist")
TIMEOUT_S = {"quick": 300, "full": 2400}
MARKDOWN = ROOT / "bench" / "RESULTS.md"


def run_one(name: str, quick: bool) -> tuple[int, float]:
    started = time.monotonic()
    argv = [sys.executable, "-m", f"bench.{name}", *(["--quick"] if quick else [])]
    try:
        code = subprocess.run(argv, cwd=ROOT, timeout=TIMEOUT_S["quick" if quick else "full"]).returncode
    except subprocess.TimeoutExpired:  # subprocess.run has killed it
        print(f"bench.{name}: timed out", file=sys.stderr)
        code = -1
    return code, time.monotonic() - started


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 100):
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}" if abs(value) >= 10 else f"{value:.3g}"
    return str(value)


def markdown(combined: dict[str, Any]) -> str:
    info = combined["machine"]
    lines = [
        "## Benchmarks",
        "",
        f"Measured {combined['date'][:10]} with `python -m bench.all{' --quick' if combined['quick'] else ''}` "
        f"(the benchmarks took {combined['duration_s'] / 60:.0f} min in all) on {info['nproc']} cores ({info['cpu']}), {info['ram_gib']} GiB RAM, "
        f"Python {info['python']}, temporalio {info['temporalio']}, {info['temporal_cli'] or 'temporal CLI'}. "
        f"Every figure beside a bare Temporal baseline of the same run ({RATIO_NOTE}); each "
        "benchmark runs alone: `python -m bench.<name> [--quick]`, JSON in `bench/results/<name>.json`.",
    ]
    for name in BENCHMARKS:
        data = combined["benchmarks"].get(name)
        if data is None:
            continue
        load = data["machine"].get("loadavg_at_end")
        load_text = f"; load average (1, 5, 15 min) at its end {', '.join(f'{x:.1f}' for x in load)}" if load else ""
        lines += ["", f"### {name}", "", f"`{data['command']}` — {data['duration_s']:.0f} s, {data['date']}{load_text}", "",
                  "| measure | unit | project | baseline | ratio | |", "|---|---|---:|---:|---:|---|"]
        for row in data["rows"]:
            better = "higher is better" if row["higher_is_better"] else "lower is better"
            note = f"{better}; {row['note']}" if row["note"] else better
            ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}"
            lines.append(f"| {row['measure']} | {row['unit']} | {_cell(row['project'])} | {_cell(row['baseline'])} "
                         f"| {ratio} | {note} |")
        lines += [""] + [f"- {note}" for note in data["notes"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.all", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: proves every benchmark runs (CI)")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {', '.join(BENCHMARKS)}")
    parser.add_argument("--reference", action="store_true",
                        help="also write bench/results/reference.json and bench/RESULTS.md")
    parser.add_argument("--from-results", action="store_true",
                        help="run nothing: combine the results already in bench/results")
    args = parser.parse_args()
    chosen = [n for n in BENCHMARKS if not args.only or n in args.only.split(",")]
    started, started_at = time.monotonic(), datetime.now(UTC)
    combined: dict[str, Any] = {"date": started_at.isoformat(timespec="seconds"), "quick": args.quick,
                                "machine": machine(), "benchmarks": {}, "failed": []}
    for name in chosen:
        result = RESULTS_DIR / f"{name}.json"
        if not args.from_results:
            result.unlink(missing_ok=True)
            code, seconds = run_one(name, args.quick)
            print(f"bench.{name}: exit {code} in {seconds:.0f} s", flush=True)
        if not result.exists():
            combined["failed"].append(name)
            continue
        combined["benchmarks"][name] = json.loads(result.read_text())
    combined["duration_s"] = round(time.monotonic() - started, 1)
    if args.from_results:
        found = combined["benchmarks"].values()
        combined["duration_s"] = round(sum(b["duration_s"] for b in found), 1)
        combined["date"] = min((b["date"] for b in found), default=combined["date"])
        combined["quick"] = any(b["quick"] for b in found)
    path = RESULTS_DIR / "all.json"
    path.write_text(json.dumps(combined, indent=2) + "\n")
    print(f"\nall benchmarks: {combined['duration_s'] / 60:.1f} min; -> {path}"
          + (f"; FAILED: {', '.join(combined['failed'])}" if combined["failed"] else ""))
    if args.reference and not combined["failed"]:
        shutil.copyfile(path, RESULTS_DIR / "reference.json")
        MARKDOWN.write_text(markdown(combined))
        print(f"-> {RESULTS_DIR / 'reference.json'}, {MARKDOWN}")
    return 1 if combined["failed"] else 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)
