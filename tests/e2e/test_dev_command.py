"""`pathway dev` as a user runs it: server + worker up, UI address printed, events in,
plan out, and Ctrl-C stops everything."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request

from tests.cli_support import EXAMPLES, run_cli
from tests.e2e.dev_stack import start_dev


def wait_for_rows(command, timeout: float = 20) -> list[dict]:
    """The read model is written by the workflow just after it answers: poll briefly."""
    deadline = time.monotonic() + timeout
    while True:
        result = command()
        assert result.returncode == 0, result.stderr
        rows = json.loads(result.stdout)
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def test_dev_runs_server_and_worker_prints_the_ui_and_stops_on_ctrl_c(tmp_path):
    stack = start_dev(tmp_path / "data")
    try:
        assert f"{stack.ui}/" in stack.printed
        with urllib.request.urlopen(f"{stack.ui}/", timeout=10) as ui:
            assert ui.status == 200

        # The CLI finds the stack (addresses, the encryption keys it generated) from its stack file.
        variables = stack.cli_env
        submitted = run_cli("submit", str(EXAMPLES / "natalizumab-patient.json"), env=variables)
        assert submitted.returncode == 0, submitted.stderr
        plan = json.loads(run_cli("plan", "DEMO-0001", "--json", env=variables).stdout)
        assert plan["molecule"] == "natalizumab" and plan["stage"] == "risk_therapy"
        assert (tmp_path / "data" / "temporal.db").exists()

        worklist = wait_for_rows(lambda: run_cli("worklist", "--centre", "C13", "--json", env=variables))
        assert {(row["patient_ref"], row["rule"]) for row in worklist} >= {("DEMO-0001", "R15"), ("DEMO-0001", "R18")}
    finally:
        output = stack.stop()
    assert stack.process.returncode == 0
    assert "Stopped." in output
    assert not (tmp_path / "data" / "stack.env").exists(), "the stack file goes with the stack"
    server = ["pgrep", "-f", "--", f"--port {stack.temporal_port} "]
    assert subprocess.run(server, capture_output=True).returncode == 1, "server left running"
