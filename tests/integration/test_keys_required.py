"""Every client of Temporal refuses to start without payload-encryption keys, naming the
setting, unless the loudly named opt-out PATHWAY_INSECURE_PLAINTEXT_PAYLOADS=true says it
may run in clear. Keys come from the configuration (PATHWAY_CODEC_KEYS, PATHWAY_CODEC_KEYS_FILE,
or the stack file of `pathway dev`), never from the working directory."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter

from codec.aes import AesGcmCodec
from pathway_runtime.config import ConfigError, load_config
from pathway_runtime.temporal import codec_keys, converter_for
from store.event_store import EventStore
from tests.support.cli import PATHWAY, TEST_CODEC_KEYS

NO_KEYS = {"PATHWAY_CODEC_KEYS": "", "PATHWAY_CODEC_KEYS_FILE": "", "PATHWAY_STACK_ENV": "",
           "PATHWAY_INSECURE_PLAINTEXT_PAYLOADS": ""}


def run_in(directory: Path, *command: str, env: dict[str, str], stdin: str | None = None):
    """A command run from `directory`, with the test's environment but no key."""
    environment = {**os.environ, "PATHWAY_LOG_FORMAT": "json", **NO_KEYS, **env}
    return subprocess.run(list(command), cwd=directory, input=stdin, capture_output=True, text=True,
                          env=environment, timeout=60)


def one_event(patient_ref: str) -> str:
    return json.dumps({"event_id": f"{patient_ref}-1", "patient_ref": patient_ref, "type": "diagnosis_recorded",
                       "occurred_on": "2026-01-10", "diagnosis": "relapsing_remitting"})


async def test_pathway_submit_without_keys_refuses_to_start_and_stores_nothing(env, pathway_worker, database,
                                                                                 tmp_path):
    # A key file where the old default looked (the working directory): it must not be used.
    (tmp_path / ".pathway").mkdir()
    (tmp_path / ".pathway" / "codec-keys").write_text(TEST_CODEC_KEYS + "\n")
    patient_ref = f"NOKEY-{uuid.uuid4().hex[:8]}"
    variables = {"TEMPORAL_ADDRESS": env.client.service_client.config.target_host, "DATABASE_URL": database,
                 "PATHWAY_TASK_QUEUE": pathway_worker.task_queue}

    refused = await asyncio.to_thread(run_in, tmp_path, PATHWAY, "submit", "-", env=variables,
                                      stdin=one_event(patient_ref))

    assert refused.returncode != 0
    assert "no payload-encryption key: set PATHWAY_CODEC_KEYS" in refused.stderr
    assert "PATHWAY_INSECURE_PLAINTEXT_PAYLOADS=true" in refused.stderr
    assert await EventStore(pathway_worker.pool).pathway(patient_ref) is None
    assert [w async for w in env.client.list_workflows(f"WorkflowId = 'patient-{patient_ref}'")] == []


@pytest.mark.parametrize("command", [
    (PATHWAY, "reconcile"), (PATHWAY, "rebuild", "P1"), (PATHWAY, "temporal", "setup"), (PATHWAY, "api"),
    (PATHWAY, "codec-server"), (sys.executable, "-m", "worker"),
], ids=lambda c: " ".join(Path(c[0]).name if i == 0 else p for i, p in enumerate(c)))
def test_every_other_client_without_keys_refuses_to_start_naming_the_setting(command, tmp_path):
    refused = run_in(tmp_path, *command, env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
                                              "TEMPORAL_ADDRESS": "127.0.0.1:1",
                                              "PYTHONPATH": str(Path(__file__).resolve().parents[2])})

    assert refused.returncode != 0
    assert "PATHWAY_CODEC_KEYS" in refused.stdout + refused.stderr


def test_the_opt_out_runs_in_clear_and_says_so_loudly(tmp_path):
    bad = json.dumps({"event_id": "x", "patient_ref": "P1", "type": "mri_performed", "occurred_on": "2026-01-10",
                      "regions": ["knee"]})
    ran = run_in(tmp_path, PATHWAY, "submit", "-", stdin=bad,
                 env={"PATHWAY_INSECURE_PLAINTEXT_PAYLOADS": "true", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"})

    assert "PAYLOADS ARE NOT ENCRYPTED" in ran.stderr, "the opt-out is loud"
    assert ran.returncode == 2 and "regions" in ran.stderr, "past the key check, the input is what is refused"
    assert converter_for(load_config({"PATHWAY_INSECURE_PLAINTEXT_PAYLOADS": "true"})) is pydantic_data_converter


def test_keys_come_from_the_configuration_and_their_errors_name_the_setting(tmp_path):
    keys_file = tmp_path / "keys"
    keys_file.write_text(TEST_CODEC_KEYS + "\n")
    from_file = converter_for(load_config({"PATHWAY_CODEC_KEYS_FILE": str(keys_file)}))
    assert isinstance(from_file.payload_codec, AesGcmCodec)

    stack_file = tmp_path / "stack.env"
    stack_file.write_text(f"PATHWAY_CODEC_KEYS_FILE={keys_file}\n")
    beside_dev = run_in(tmp_path, sys.executable, "-c",
                        "from pathway_runtime.config import load_config; from pathway_runtime.temporal import "
                        "codec_keys; print(sorted(codec_keys(load_config()).keys))",
                        env={"PATHWAY_STACK_ENV": str(stack_file)})
    assert beside_dev.stdout.strip() == "['test1']", beside_dev.stderr

    problems = {
        "PATHWAY_CODEC_KEYS_FILE: cannot read": {"PATHWAY_CODEC_KEYS_FILE": str(tmp_path / "missing")},
        "PATHWAY_INSECURE_PLAINTEXT_PAYLOADS=true beside PATHWAY_CODEC_KEYS":
            {"PATHWAY_CODEC_KEYS": TEST_CODEC_KEYS, "PATHWAY_INSECURE_PLAINTEXT_PAYLOADS": "true"},
        "PATHWAY_CODEC_KEYS: key 'k1' must be 32 bytes": {"PATHWAY_CODEC_KEYS": "k1:AAAA"},
    }
    for message, environ in problems.items():
        with pytest.raises(ConfigError, match=message):
            codec_keys(load_config(environ))
