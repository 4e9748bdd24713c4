"""The benchmarks still run: `python -m bench.all --quick` as a user runs it, in a subprocess
(it starts and stops its own Temporal server, workers and API on loopback). Only that they
complete and write their results is checked, never a timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ("domain", "ingestion", "onboarding", "storm", "footprint", "preview", "worklist")
RESULT_KEYS = {"benchmark", "quick", "command", "date", "duration_s", "machine", "settings", "rows", "rounds", "notes"}
ROW_KEYS = {"measure", "unit", "project", "baseline", "ratio", "higher_is_better", "note"}


def test_every_benchmark_runs_in_quick_mode_and_writes_its_table_as_json(tmp_path):
    env = {**os.environ, "PATHWAY_BENCH_RESULTS": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "bench.all", "--quick"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=900)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    combined = json.loads((tmp_path / "all.json").read_text())
    assert combined["failed"] == [] and set(combined["benchmarks"]) == set(BENCHMARKS)
    for name in BENCHMARKS:
        result = json.loads((tmp_path / f"{name}.json").read_text())
        assert RESULT_KEYS <= set(result), name
        assert result["benchmark"] == name and result["quick"] is True
        assert result["rows"] and all(ROW_KEYS <= set(row) for row in result["rows"]), name
        assert all(row["project"] is not None and row["baseline"] is not None for row in result["rows"]), name
        assert {"nproc", "ram_gib"} <= set(result["machine"]), name
