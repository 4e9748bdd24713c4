"""What the Temporal server holds of a full scenario names no molecule, diagnosis, stage or
score: its raw history (read with no key), its visibility records (search attributes,
memo) and the bytes of its database file, history and visibility both (SQLite, as
`pathway dev` keeps it).

The scenario: a diagnosis with a free-text source, an EDSS score, a treatment started,
switched and stopped, reminders sent and escalated by e-mail, months of virtual time."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest_asyncio
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from codec.aes import ENCODING
from contracts.pathway import workflow_id_for
from domain.calendar import add_days
from rulesets import default as default_ruleset
from store.reminder_log import ReminderLog
from tests.integration.scenario import Scenario
from tests.integration.staff_stack import staff_stack
from tests.support.temporal import time_skipping_environment
from tests.support.waiting import eventually

DIAGNOSES = ["relapsing_remitting", "secondary_progressive", "primary_progressive"]
STAGES = ["risk_therapy", "first_line", "untreated_cis_priority", "untreated_other"]
CLINICAL_WORDS = [*default_ruleset().molecule_codes(), *DIAGNOSES, *STAGES, "dpi-source-text", "treatment_validation",
                  "edss_recorded", "diagnosis_recorded", "treatment_started", "treatment_switched", '"score"']
"""Words that only a clear clinical payload would hold (long enough not to turn up by chance
in ciphertext); the score itself (7.5) is looked for in every value the server shows."""


@pytest_asyncio.fixture(scope="module")
async def persisted(tmp_path_factory):
    """Its own dev server, keeping history and visibility in a SQLite file."""
    db = tmp_path_factory.mktemp("temporal") / "temporal.db"
    environment = await time_skipping_environment("--db-filename", str(db))  # encrypting, as every client
    async with environment:
        yield environment, db


def clinical(text: str) -> list[str]:
    return [word for word in CLINICAL_WORDS if word in text]


def payloads_of(node, kind: str = "ours", key: str = ""):
    """(payload, kind) for every payload of a history in JSON: `indexed` (a search attribute
    value, which the server needs in clear), `marker` (the SDK's own bookkeeping of a local
    activity: sequence number, attempt, times) or `ours` (everything the project wrote)."""
    if isinstance(node, dict):
        if "metadata" in node and "data" in node:
            yield node, kind
            return
        for name, value in node.items():
            inner = "indexed" if name == "indexedFields" else "marker" if (key, name) == ("details", "data") else kind
            yield from payloads_of(value, inner, name)
    elif isinstance(node, list):
        for value in node:
            yield from payloads_of(value, kind, key)


async def test_temporal_holds_no_molecule_diagnosis_or_score_of_a_full_scenario(persisted, pool, patient_ref):
    env, db = persisted
    async with staff_stack(env.client, pool) as stack:
        s = Scenario(env, stack, patient_ref)
        t0 = await s.today()
        await s.record_all([
            ("diagnosis_recorded", {"diagnosis": "relapsing_remitting", "source": "dpi-source-text"}),
            ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"}),
            ("edss_recorded", {"score": 7.5}),
            ("treatment_started", {"molecule": "fingolimod"}),
        ])
        await s.advance_to(add_days(t0, 31))
        await s.record("treatment_switched", from_molecule="fingolimod", to_molecule="natalizumab")
        await s.advance_to(add_days(t0, 95))
        await eventually(lambda: ReminderLog(pool).history(patient_ref), what="reminders")
        await s.settle()

    plain = await Client.connect(env.client.service_client.config.target_host, data_converter=pydantic_data_converter)
    history = (await plain.get_workflow_handle(workflow_id_for(patient_ref)).fetch_history()).to_json()
    found = list(payloads_of(json.loads(history)))
    ours = [p for p, kind in found if kind == "ours"]
    assert ours and [p for p in ours if base64.b64decode(p["metadata"].get("encoding", "")) != ENCODING] == []
    clear = [base64.b64decode(p["data"]).decode() for p, kind in found if kind != "ours"]
    assert any('"PathwayCentre"' in v or "C13" in v for v in clear)
    assert [v for v in clear if clinical(v) or "7.5" in v] == []
    assert clinical(history) == []

    [listed] = [w async for w in plain.list_workflows(f'WorkflowId = "{workflow_id_for(patient_ref)}"')]
    shown = json.dumps({pair.key.name: pair.value for pair in listed.typed_search_attributes}, default=str)
    assert clinical(shown) == [] and "7.5" not in shown
    memo = (await plain.get_workflow_handle(listed.id).describe()).raw_description.workflow_execution_info.memo
    assert all(p.metadata["encoding"] == ENCODING for p in memo.fields.values())

    stored = b"".join(path.read_bytes() for path in Path(db).parent.glob("temporal.db*"))
    assert patient_ref.encode() in stored, "the scenario is in the server's database file"
    assert [word for word in CLINICAL_WORDS if word.encode() in stored] == []
