"""POST /v1/simulations over real HTTP: staff only, the same answer as `pathway simulate`,
nothing stored, refusals naming the field."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from pathway_cli.inputs import parse_events_text
from rulesets import default as default_ruleset
from service.simulation import simulate

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "natalizumab-patient.json"


def example(ref: str) -> list[dict]:
    return [{**e, "patient_ref": ref, "event_id": f"{ref}-{e['event_id']}"}
            for e in json.loads(EXAMPLE.read_text())["events"]]


async def test_a_staff_token_gets_the_simulation_the_command_line_computes_and_nothing_is_stored(api, patient_ref):
    body = {"events": example(patient_ref), "years": 3, "compliant": False}
    response = await api.http.post("/v1/simulations", json=body, headers=api.staff)
    assert response.status_code == 200, response.text
    answer = response.json()
    expected = simulate(parse_events_text(json.dumps(body["events"]), date.max), default_ruleset(), 3, compliant=False)
    assert answer == json.loads(expected.model_dump_json())
    assert [r["step"] for r in answer["reminders"] if r["rule"] == "R18"][-1] == "overdue_6"
    assert (await api.get(f"/v1/patients/{patient_ref}/events")).status_code == 404  # nothing stored


async def test_an_integration_token_may_not_simulate(api, patient_ref):
    response = await api.http.post("/v1/simulations", json={"events": example(patient_ref)}, headers=api.integration)
    assert response.status_code == 403


async def test_a_bad_horizon_or_event_is_refused_naming_the_field(api, patient_ref):
    too_far = await api.http.post("/v1/simulations", json={"events": example(patient_ref), "years": 31},
                                  headers=api.staff)
    assert too_far.status_code == 422
    assert too_far.json()["errors"][0]["field"] == "years"
    bad_event = example(patient_ref)[:1] + [{**example(patient_ref)[3], "molecule": "aspirin"}]
    refused = await api.http.post("/v1/simulations", json={"events": bad_event}, headers=api.staff)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "molecule"
    assert "unknown molecule 'aspirin'" in refused.json()["errors"][0]["message"]
