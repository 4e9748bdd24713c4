"""`pathway dev` as a user runs it: server + worker up, UI address printed, events in,
plan out, and Ctrl-C stops everything."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request

from tests.cli_support import EXAMPLES, PATHWAY, free_port, run_cli


def wait_for_line(process: subprocess.Popen, needle: str, timeout: float = 30) -> list[str]:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} not printed; got {lines}")


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
    port, ui_port, codec_port, api_port = free_port(), free_port(), free_port(), free_port()
    dev = subprocess.Popen(
        [PATHWAY, "dev", "--data-dir", str(tmp_path / "data"), "--port", str(port), "--ui-port", str(ui_port),
         "--smtp-port", str(free_port()), "--codec-port", str(codec_port), "--api-port", str(api_port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PATHWAY_LOG_FORMAT": "json"},
    )
    try:
        printed = "".join(wait_for_line(dev, "Worker running", timeout=60))
        assert f"http://127.0.0.1:{ui_port}/" in printed
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/", timeout=10) as ui:
            assert ui.status == 200

        # The dev stack encrypts payloads with keys it generated into its data directory.
        variables = {"TEMPORAL_ADDRESS": f"127.0.0.1:{port}", "PATHWAY_CODEC_KEYS": "",
                     "PATHWAY_CODEC_KEYS_FILE": str(tmp_path / "data" / "codec-keys")}
        submitted = run_cli("submit", str(EXAMPLES / "natalizumab-patient.json"), env=variables)
        assert submitted.returncode == 0, submitted.stderr
        plan = json.loads(run_cli("plan", "DEMO-0001", "--json", env=variables).stdout)
        assert plan["molecule"] == "natalizumab" and plan["stage"] == "risk_therapy"
        assert (tmp_path / "data" / "temporal.db").exists()

        database_url = next(line.split("DATABASE_URL=", 1)[1].strip() for line in printed.splitlines()
                            if "DATABASE_URL=" in line)
        worklist = wait_for_rows(lambda: run_cli("worklist", "--centre", "C13", "--json",
                                                 env={**variables, "DATABASE_URL": database_url}))
        assert {(row["patient_ref"], row["rule"]) for row in worklist} >= {("DEMO-0001", "R15"), ("DEMO-0001", "R18")}
    finally:
        dev.send_signal(signal.SIGINT)
        output, _ = dev.communicate(timeout=30)
    assert dev.returncode == 0
    assert "Stopped." in output
    assert subprocess.run(["pgrep", "-f", "--", f"--port {port} "], capture_output=True).returncode == 1, "server left running"
