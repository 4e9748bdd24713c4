"""Stored histories replay against the current code, and keep replaying after a change
to the rules table: the plans a running pathway acted on are recorded in its history."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from codec.aes import data_converter, parse_keys
from domain.events import parse_event
from domain.planner import compute_plan
from domain.ruleset import MOLECULE_BY_CODE
from tests.cli_support import TEST_CODEC_KEYS
from workflows.patient_pathway import PatientPathwayWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))
RECORDED_BEFORE_RULE_CHANGE = Path(__file__).parent / "histories" / "natalizumab-ruleset-2026-11.1.json"


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text())


async def replay(history: WorkflowHistory) -> None:
    # The production converter: encrypted payloads decrypt, older plain ones pass through.
    replayer = Replayer(workflows=[PatientPathwayWorkflow], data_converter=data_converter(parse_keys(TEST_CODEC_KEYS, None)))
    await replayer.replay_workflow(history)


def recorded_plans(path: Path) -> list[dict]:
    """The results of the compute_plan local activity, as recorded in the history."""
    plans = []
    for event in json.loads(path.read_text())["events"]:
        marker = event.get("markerRecordedEventAttributes")
        if marker and "result" in marker.get("details", {}):
            plans += [json.loads(base64.b64decode(p["data"])) for p in marker["details"]["result"]["payloads"]]
    return plans


def test_there_are_stored_histories_to_replay():
    assert RECORDED_BEFORE_RULE_CHANGE in HISTORIES


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_stored_history_replays_with_the_current_workflow(path):
    await replay(load(path))


async def test_history_recorded_before_a_rule_change_still_replays(monkeypatch):
    path = RECORDED_BEFORE_RULE_CHANGE
    plans = recorded_plans(path)
    assert plans, "the history holds the plans its decisions used"
    natalizumab_events = [parse_event(e) for e in _events_sent(path)]

    as_of = date.fromisoformat(plans[-1]["as_of"])
    before = compute_plan("REPLAY-NATALIZUMAB-1", natalizumab_events, as_of)
    assert _validation_dues(before) == [date.fromisoformat(o["due_on"]) for o in plans[-1]["obligations"] if o["rule"] == "R15"]
    slower = MOLECULE_BY_CODE["natalizumab"].model_copy(update={"validation_every_months": 3})
    monkeypatch.setitem(MOLECULE_BY_CODE, "natalizumab", slower)
    after = compute_plan("REPLAY-NATALIZUMAB-1", natalizumab_events, as_of)

    assert _validation_dues(before) != _validation_dues(after), "the rule change must change the plan"
    await replay(load(path))


def _validation_dues(plan) -> list:
    return [o.due_on for o in plan.obligations if o.rule == "R15"]


def _events_sent(path: Path) -> list[dict]:
    """The clinical events carried by the record_events updates of the history."""
    sent = []
    for event in json.loads(path.read_text())["events"]:
        accepted = event.get("workflowExecutionUpdateAcceptedEventAttributes")
        if accepted:
            for payload in accepted["acceptedRequest"]["input"]["args"]["payloads"]:
                sent += json.loads(base64.b64decode(payload["data"]))["events"]
    return sent
