"""Payload encryption: the server's history holds ciphertext; the codec (in clients and
in the codec server the UI calls) turns it back into clear text."""

from __future__ import annotations

import json

import httpx
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from codec.aes import AesGcmCodec, parse_keys
from codec.server import create_codec_app
from pathway_runtime.http_server import serving
from tests.integration.scenario import Scenario
from tests.support.cli import TEST_CODEC_KEYS

CLINICAL = [("diagnosis_recorded", {"diagnosis": "secondary_progressive", "source": "dpi-timone-neuro"}),
            ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"}),
            ("edss_recorded", {"score": 6.5}),
            ("treatment_started", {"molecule": "ocrelizumab"})]
CLEAR_TEXT = ["secondary_progressive", "dpi-timone-neuro", "6.5", "edss_recorded", "diagnosis_recorded"]


async def raw_history_json(env, workflow_id: str) -> str:
    plain = await Client.connect(env.client.service_client.config.target_host, data_converter=pydantic_data_converter)
    return (await plain.get_workflow_handle(workflow_id).fetch_history()).to_json()


async def test_the_raw_history_holds_no_clinical_field_in_clear_and_the_codec_decodes_it(env, pathway_worker, patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    await s.record_all(CLINICAL)
    await s.settle()

    raw = await raw_history_json(env, f"patient-{patient_ref}")
    assert [word for word in CLEAR_TEXT if word in raw] == []
    events = json.loads(raw)["events"]
    clear_molecule = [e["eventType"] for e in events if "ocrelizumab" in json.dumps(e)]
    assert set(clear_molecule) <= {"EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES"}, "molecule only as a search attribute"

    decoded = await s.handle.query("summary")
    assert (decoded["stage"], decoded["molecule"], decoded["events_recorded"]) == ("risk_therapy", "ocrelizumab", 4)


async def test_old_keys_still_decrypt_after_rotation():
    old = parse_keys(TEST_CODEC_KEYS, None)
    rotated = parse_keys(TEST_CODEC_KEYS + ",k2:" + "Bw" * 21 + "w=", "k2")
    payload = pydantic_data_converter.payload_converter.to_payloads(["secondary_progressive"])[0]
    [sealed] = await AesGcmCodec(old).encode([payload])

    [opened] = await AesGcmCodec(rotated).decode([sealed])
    [resealed] = await AesGcmCodec(rotated).encode([payload])

    assert opened == payload
    assert resealed.metadata["encryption-key-id"] == b"k2"


async def test_codec_server_decodes_for_a_token_holder_and_refuses_others():
    keys = parse_keys(TEST_CODEC_KEYS, None)
    payload = pydantic_data_converter.payload_converter.to_payloads(["relapsing_remitting"])[0]
    [sealed] = await AesGcmCodec(keys).encode([payload])
    body = json_format.MessageToJson(Payloads(payloads=[sealed]))
    app = create_codec_app(keys, token="t" * 24, ui_origin="http://127.0.0.1:8233")

    async with serving(app, "127.0.0.1", 0) as port, httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        refused = await http.post("/decode", content=body)
        decoded = await http.post("/decode", content=body, headers={"Authorization": "Bearer " + "t" * 24})
        preflight = await http.options("/decode", headers={"Origin": "http://127.0.0.1:8233",
                                                            "Access-Control-Request-Method": "POST"})

    assert refused.status_code == 401
    assert decoded.status_code == 200
    [clear] = json_format.Parse(decoded.text, Payloads()).payloads
    assert clear == payload
    assert preflight.headers["access-control-allow-origin"] == "http://127.0.0.1:8233"
