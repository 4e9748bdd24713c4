"""`pathway dev` as a user runs it: server + worker up, UI address printed, events in,
plan out, and Ctrl-C stops everything."""

from __future__ import annotations

import json
import stat
import subprocess
import urllib.request
from pathlib import Path

from tests.e2e.dev_stack import start_dev
from tests.support.cli import EXAMPLES, run_cli
from tests.support.waiting import eventually_blocking


def worklist(centre: str, env: dict[str, str]) -> list[dict]:
    result = run_cli("worklist", "--centre", centre, "--json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def owner_only(data_dir: Path) -> dict[str, str]:
    """What of the data directory others may read or enter (empty: nothing). As root the
    directory itself lets the embedded PostgreSQL's `pgserver` group traverse it (0710)."""
    directory = stat.S_IMODE(data_dir.stat().st_mode)
    loose = {} if directory in (0o700, 0o710) else {".": oct(directory)}
    for name in ("api-tokens", "codec-keys", "stack.env", "dev.json", "temporal.db", "temporal.log"):
        mode = stat.S_IMODE((data_dir / name).stat().st_mode)
        if mode & 0o077:
            loose[name] = oct(mode)
    postgres = stat.S_IMODE((data_dir / "postgres").stat().st_mode)
    if postgres != 0o700:
        loose["postgres"] = oct(postgres)
    return loose


def rules_of(rows: list[dict]) -> set[tuple[str, str]]:
    return {(row["patient_ref"], row["rule"]) for row in rows}


def summary_is_the_last_thing_before_running(printed: str) -> list[str]:
    """The lines printed from the first address to "Worker running": nothing else among them."""
    lines = printed.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("PostgreSQL:"))
    return lines[first:]


def test_dev_runs_server_and_worker_prints_the_ui_and_stops_on_ctrl_c(tmp_path):
    stack = start_dev(tmp_path / "data")
    try:
        assert f"{stack.ui}/" in stack.printed
        # Quiet start: no library's INFO (the embedded PostgreSQL's command lines, initdb's output,
        # uvicorn's banner), then the addresses, what to try, and "running" last.
        lines = stack.printed.splitlines()
        assert lines[0].startswith("pathway dev: starting the local stack in ")
        assert not any(noise in stack.printed for noise in ("Running commandline", "initdb", "pixeltable",
                                                              "Press CTRL+C", "Uvicorn running", '"level"'))
        summary = summary_is_the_last_thing_before_running(stack.printed)
        assert f"TEMPORAL_ADDRESS=127.0.0.1:{stack.temporal_port}" in "\n".join(summary)
        assert any(line.strip().startswith("DATABASE_URL=postgresql://") for line in summary)
        assert "  pathway plan DEMO-0001" in summary and summary[-1] == "Worker running. Ctrl-C stops everything."
        with urllib.request.urlopen(f"{stack.ui}/", timeout=10) as ui:
            assert ui.status == 200

        # The CLI finds the stack (addresses, the encryption keys it generated) from its stack file.
        variables = stack.cli_env
        submitted = run_cli("submit", str(EXAMPLES / "natalizumab-patient.json"), env=variables)
        assert submitted.returncode == 0, submitted.stderr
        plan = json.loads(run_cli("plan", "DEMO-0001", "--json", env=variables).stdout)
        assert plan["molecule"] == "natalizumab" and plan["stage"] == "risk_therapy"
        assert (tmp_path / "data" / "temporal.db").exists()
        assert owner_only(tmp_path / "data") == {}

        # The read model is written by the pathway's settle: poll.
        expected = {("DEMO-0001", "R15"), ("DEMO-0001", "R18")}
        rows = eventually_blocking(lambda: worklist("C13", variables), lambda rows: rules_of(rows) >= expected,
                                   interval_s=0.2, what="R15 and R18 of DEMO-0001 on the worklist of centre C13")
        assert rules_of(rows) >= expected
    finally:
        output = stack.stop()
    assert stack.process.returncode == 0
    assert "Stopped." in output
    assert "dev only: decodes without a token for requests from" in stack.printed
    assert not (tmp_path / "data" / "stack.env").exists(), "the stack file goes with the stack"
    server = ["pgrep", "-f", "--", f"--port {stack.temporal_port} "]
    assert subprocess.run(server, capture_output=True).returncode == 1, "server left running"
