"""`pathway dev` after a crash: the servers a run killed outright left behind are found and
stopped by the next run (on the same ports: no "port in use"), the data survives, and its
Ctrl-C then stops everything; `--reset` starts from an empty data directory."""

from __future__ import annotations

import json

import psutil

from pathway_cli.dev_state import leftovers
from tests.e2e.dev_stack import start_dev
from tests.support.cli import EXAMPLES, run_cli


def test_a_crashed_stack_is_cleaned_up_by_the_next_run_whose_stop_leaves_nothing_behind(tmp_path):
    data = tmp_path / "data"
    first = start_dev(data)
    try:
        assert run_cli("submit", str(EXAMPLES / "natalizumab-patient.json"), env=first.cli_env).returncode == 0
    finally:
        first.crash()
    left = leftovers(data)
    assert sorted(leftover.what for leftover in left) == ["PostgreSQL", "Temporal server"], "the crash as seen"

    second = start_dev(data, ports=first.ports)
    try:
        assert "stopped what an earlier run left" in second.printed, second.printed
        assert not any(leftover.process.is_running() for leftover in left)
        plan = run_cli("plan", "DEMO-0001", "--json", env=second.cli_env)
        assert plan.returncode == 0, plan.stderr
        assert json.loads(plan.stdout)["molecule"] == "natalizumab", "the events survive the crash"
    finally:
        output = second.stop()
    assert second.process.returncode == 0, output
    assert leftovers(data) == [], "a clean stop after a crash stops PostgreSQL and Temporal again"
    assert not (data / "stack.env").exists() and not (data / "dev.json").exists()


def test_reset_wipes_the_data_directory_and_starts_afresh(tmp_path):
    data = tmp_path / "data"
    first = start_dev(data)
    try:
        assert run_cli("submit", str(EXAMPLES / "natalizumab-patient.json"), env=first.cli_env).returncode == 0
    finally:
        first.crash()

    fresh = start_dev(data, "--reset", ports=first.ports)
    try:
        assert f"reset: {data} wiped" in fresh.printed, fresh.printed
        plan = run_cli("plan", "DEMO-0001", env=fresh.cli_env)
        assert plan.returncode == 1 and "no stored event for patient DEMO-0001" in plan.stderr
    finally:
        fresh.stop()
    assert fresh.process.returncode == 0
    assert leftovers(data) == []
    assert not any(p.info["cmdline"] and str(data) in " ".join(p.info["cmdline"])
                   for p in psutil.process_iter(["cmdline"])), "no process of the stack left"


def test_a_live_stack_is_never_stopped_by_a_second_run_on_its_data_directory(tmp_path):
    data = tmp_path / "data"
    running = start_dev(data)
    try:
        second = run_cli("dev", "--data-dir", str(data), "--port", str(running.temporal_port), timeout=60)
        assert second.returncode == 1
        assert f"a pathway dev is already running on {data} (pid {running.process.pid})" in second.stderr
        assert run_cli("plan", "DEMO-0001", env=running.cli_env).returncode == 1, "the first stack still answers"
    finally:
        running.stop()
    assert running.process.returncode == 0
