"""The CLI when the stack is not where it looks: one line in the user's words, naming the
server and the address, exit code 3 (not 2, which means refused input), and no driver dump."""

from __future__ import annotations

import json
import re

from pathway_runtime.ports import free_port
from tests.support.cli import run_cli
from tests.support.events import event_data

EXIT_UNREACHABLE = 3
NO_STACK_FILE = {"PATHWAY_STACK_ENV": "/nonexistent/stack.env"}


def test_submit_with_temporal_unreachable_says_so_with_its_own_exit_code_and_records_nothing(database, patient_ref):
    address = f"127.0.0.1:{free_port()}"
    event = json.dumps(event_data("edss_recorded", patient_ref=patient_ref, score=2.0))
    result = run_cli("submit", "-", stdin=event,
                     env={**NO_STACK_FILE, "TEMPORAL_ADDRESS": address, "DATABASE_URL": database})
    assert result.returncode == EXIT_UNREACHABLE, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"pathway: cannot reach Temporal at {address} (connection refused). Is `pathway dev` running? Commands run "
        "from its directory find it through .pathway/stack.env (PATHWAY_STACK_ENV names another file)."]
    assert not re.search(r"tonic|transport|Error\(", result.stderr)
    plan = run_cli("plan", patient_ref, env={**NO_STACK_FILE, "DATABASE_URL": database})
    assert plan.returncode == 1 and "no stored event" in plan.stderr, "nothing was recorded"


def test_a_command_with_postgresql_unreachable_says_so_without_the_password(database):
    url = f"postgresql://postgres:s3cret@127.0.0.1:{free_port()}/postgres"
    result = run_cli("plan", "DEMO-0001", env={**NO_STACK_FILE, "DATABASE_URL": url})
    assert result.returncode == EXIT_UNREACHABLE, result.stderr
    assert result.stderr.startswith("pathway: cannot reach PostgreSQL at postgresql://postgres:***@127.0.0.1:")
    assert "(connection refused)" in result.stderr and "s3cret" not in result.stderr
    assert "Errno" not in result.stderr and "Traceback" not in result.stderr


def test_version_names_the_program_its_ruleset_and_the_temporal_sdk():
    result = run_cli("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"pathway \d+\.\d+\.\d+ \(ruleset \S+, temporalio \d+\.\d+\.\d+\)\n", result.stdout)
