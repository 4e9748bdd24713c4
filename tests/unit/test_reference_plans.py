"""The default ruleset gives exactly the plans of the code before rulesets became files.

`reference/plans-2026-11.json.gz` holds 300 histories (220 random ones over every event type,
80 realistic ones from `bench.histories`), each with settings variants (MRI policy, windows,
ladder, time zone) and an as-of date, and the plan the code computed for each on 2026-11-30,
before the rules were read from `rulesets/crc-sep-marseille.yaml`. Fields added to plans
since (the ruleset's content hash, lab panels) are left out of the comparison: what was
there must be unchanged, value for value.
"""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest

from domain import compute_plan, parse_event
from domain.settings import PathwaySettings
from tests.unit.builders import ruleset_with

REFERENCE = Path(__file__).parent / "reference" / "plans-2026-11.json.gz"
CASES = json.loads(gzip.decompress(REFERENCE.read_bytes()))["cases"]


def as_before(actual, expected):
    """`actual` restricted to the keys `expected` has (recursively): fields added later drop out."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {k: as_before(actual.get(k), v) for k, v in expected.items()}
    if isinstance(expected, list) and isinstance(actual, list) and len(actual) == len(expected):
        return [as_before(a, e) for a, e in zip(actual, expected)]
    return actual


def test_the_reference_corpus_covers_every_event_type_and_every_status():
    types = {e["type"] for c in CASES for e in c["events"]}
    statuses = {o["status"] for c in CASES for o in c["plan"]["obligations"]}
    assert len(CASES) == 300 and len(types) == 16
    assert statuses == {"upcoming", "due", "overdue", "defaulted", "satisfied", "cancelled"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["patient_ref"])
def test_the_default_ruleset_gives_the_reference_plan(case):
    events = [parse_event(e) for e in case["events"]]
    plan = compute_plan(case["patient_ref"], events, date.fromisoformat(case["as_of"]),
                        ruleset_with(PathwaySettings(**case["settings"])))
    actual = plan.model_dump(mode="json")
    assert as_before(actual, case["plan"]) == case["plan"]
