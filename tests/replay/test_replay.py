"""Stored histories replay against the current code, and keep replaying after a change to
the rules table: the digests of the plans a running pathway acted on are recorded in its
history (the settle local activity's results), so replay never reads the event store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from codec.aes import AesGcmCodec, data_converter, parse_keys
from domain.events import parse_event
from domain.planner import compute_plan
from domain.ruleset import Ruleset
from rulesets import default as default_ruleset
from tests.replay.record_history import PATIENT, events_file
from tests.support.cli import TEST_CODEC_KEYS
from workflows.patient_pathway import PatientPathwayWorkflow
from workflows.reconcile import ReconcileWorkflow

HISTORIES = sorted(p for p in (Path(__file__).parent / "histories").glob("*.json") if not p.name.endswith(".events.json"))
RECORDED_BEFORE_RULE_CHANGE = Path(__file__).parent / "histories" / "natalizumab-13-months.json"


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text())


async def replay(history: WorkflowHistory) -> None:
    # The production converter: encrypted payloads decrypt; a plain one would be refused.
    replayer = Replayer(workflows=[PatientPathwayWorkflow, ReconcileWorkflow],
                        data_converter=data_converter(parse_keys(TEST_CODEC_KEYS, None)))
    await replayer.replay_workflow(history)


CODEC = AesGcmCodec(parse_keys(TEST_CODEC_KEYS, None))


def recorded_digests(path: Path) -> list[dict]:
    """The results of the settle local activity, as recorded in the history (decrypted)."""
    digests = []
    for event in json.loads(path.read_text())["events"]:
        marker = event.get("markerRecordedEventAttributes")
        if marker and "result" in marker.get("details", {}):
            sealed = [json_format.ParseDict(p, Payload()) for p in marker["details"]["result"]["payloads"]]
            digests += [json.loads(CODEC.open(p).data) for p in sealed]
    return digests


def test_there_are_stored_histories_to_replay():
    assert RECORDED_BEFORE_RULE_CHANGE in HISTORIES


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_stored_history_replays_with_the_current_workflow(path):
    await replay(load(path))


def test_a_recorded_run_carries_digests_not_events():
    digests = recorded_digests(RECORDED_BEFORE_RULE_CHANGE)
    assert digests and all("stored_seq" in d and "events" not in d for d in digests)
    assert max(d["summary"]["events_recorded"] for d in digests) == 8


async def test_history_recorded_under_an_older_ruleset_still_replays_under_a_new_one():
    """Rules are the worker's configuration, read by the settle activity alone; the digests a
    run acted on are in its history. A new ruleset version (natalizumab validated every 3
    months instead of 6) changes the plans computed from now on, never the replay."""
    path = RECORDED_BEFORE_RULE_CHANGE
    last = recorded_digests(path)[-1]
    events = [parse_event(e) for e in json.loads(events_file(path).read_text())]
    as_of = date.fromisoformat(_as_of(last))
    old = default_ruleset()
    new = old.model_copy(update={"version": "2026-12.1", "molecules": tuple(
        m.model_copy(update={"validation_every_months": 3}) if m.code == "natalizumab" else m for m in old.molecules)})
    new = Ruleset.model_validate(new.model_dump())  # a ruleset as loaded: its content hash recomputed

    before, after = compute_plan(PATIENT, events, as_of, old), compute_plan(PATIENT, events, as_of, new)

    assert last["summary"]["ruleset_version"] == old.label != new.label
    assert new.content_hash != old.content_hash
    recorded_dues = [date.fromisoformat(d["due_on"]) for d in last["summary"]["next_due"] if d["rule"] == "R15"]
    assert recorded_dues and recorded_dues[0] in _validation_dues(before)
    assert _validation_dues(before) != _validation_dues(after), "the new ruleset changes the plan"
    await replay(load(path))


def _as_of(digest: dict) -> str:
    """The date of the plan a digest came from, from its details (`as of YYYY-MM-DD`)."""
    return digest["details"].split("(as of ")[1][:10]


def _validation_dues(plan) -> list:
    return [o.due_on for o in plan.obligations if o.rule == "R15" and o.status.value != "satisfied"]
