"""Payload encryption: the server's history holds ciphertext; the codec (in clients and
in the codec server the UI calls) turns it back into clear text, and refuses whatever is
not sealed with one of its keys (tests/integration/test_forged_payloads.py: on the server)."""

from __future__ import annotations

import httpx
import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError

from codec.aes import (
    REFUSAL_REASON,
    REFUSED_ENCODING,
    REFUSED_TYPE,
    AesGcmCodec,
    CodecKeyError,
    data_converter,
    parse_keys,
)
from codec.server import create_codec_app
from pathway_runtime.http_server import serving
from tests.integration.scenario import Scenario
from tests.support.cli import TEST_CODEC_KEYS

CLINICAL = [("diagnosis_recorded", {"diagnosis": "secondary_progressive", "source": "dpi-timone-neuro"}),
            ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"}),
            ("edss_recorded", {"score": 6.5}),
            ("treatment_started", {"molecule": "ocrelizumab"})]
CLEAR_TEXT = ["secondary_progressive", "dpi-timone-neuro", '"score"', "edss_recorded", "diagnosis_recorded", "ocrelizumab"]
"""(Not the score itself: "6.5" turns up in the history's timestamps.)"""


async def raw_history_json(env, workflow_id: str) -> str:
    plain = await Client.connect(env.client.service_client.config.target_host, data_converter=pydantic_data_converter)
    return (await plain.get_workflow_handle(workflow_id).fetch_history()).to_json()


async def test_the_raw_history_holds_no_clinical_field_in_clear_and_the_codec_decodes_it(env, pathway_worker, patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    await s.record_all(CLINICAL)
    await s.settle()

    raw = await raw_history_json(env, f"patient-{patient_ref}")
    assert [word for word in CLEAR_TEXT if word in raw] == []

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


async def test_decoding_refuses_a_plain_payload_an_unknown_key_and_a_tampered_one():
    codec = AesGcmCodec(parse_keys(TEST_CODEC_KEYS, None))
    plain = pydantic_data_converter.payload_converter.to_payloads(["relapsing_remitting"])[0]
    [foreign] = await AesGcmCodec(parse_keys("other:" + "B" * 43 + "=", None)).encode([plain])
    [same_id_other_key] = await AesGcmCodec(parse_keys("test1:" + "B" * 43 + "=", None)).encode([plain])
    [sealed] = await codec.encode([plain])
    tampered = Payload(metadata=sealed.metadata, data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))

    opened = await codec.decode([plain, foreign, same_id_other_key, tampered, sealed])

    reasons = [p.metadata.get(REFUSAL_REASON, b"").decode() for p in opened[:4]]
    assert [p.metadata["encoding"] for p in opened] == [REFUSED_ENCODING.encode()] * 4 + [b"json/plain"]
    assert "not encrypted" in reasons[0] and "unknown key id 'other'" in reasons[1]
    assert "does not authenticate" in reasons[2] and "does not authenticate" in reasons[3]
    assert all(p.data == b"" for p in opened[:4]), "nothing of a refused payload is passed on"
    converter = data_converter(parse_keys(TEST_CODEC_KEYS, None))
    with pytest.raises(ApplicationError) as refused:
        await converter.decode([plain], [str])
    assert refused.value.type == REFUSED_TYPE and refused.value.non_retryable
    assert await converter.decode([sealed], [str]) == ["relapsing_remitting"]
    with pytest.raises(CodecKeyError):
        await codec.open_all([sealed, plain])


async def test_codec_server_refuses_to_decode_a_plain_payload_and_trusts_no_origin_unless_built_by_dev():
    keys = parse_keys(TEST_CODEC_KEYS, None)
    plain = pydantic_data_converter.payload_converter.to_payloads(["relapsing_remitting"])[0]
    body = json_format.MessageToJson(Payloads(payloads=[plain]))
    token = {"Authorization": "Bearer " + "t" * 24}
    ui = {"Origin": "http://127.0.0.1:8233"}
    production = create_codec_app(keys, token="t" * 24, ui_origin=ui["Origin"])
    dev = create_codec_app(keys, token=None, ui_origin=ui["Origin"], dev_trust_ui_origin=True)

    async with serving(production, "127.0.0.1", 0) as port, httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        refused = await http.post("/decode", content=body, headers=token)
        by_origin = await http.post("/decode", content=body, headers=ui)
    async with serving(dev, "127.0.0.1", 0) as port, httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        dev_by_origin = await http.post("/decode", content=body, headers=ui)
        dev_without_origin = await http.post("/decode", content=body)

    assert refused.status_code == 422 and "not encrypted" in refused.json()["detail"]
    assert by_origin.status_code == 401, "outside dev an Origin header proves nothing"
    assert dev_by_origin.status_code == 422, "dev trusts the UI origin on loopback, and still refuses plain payloads"
    assert dev_without_origin.status_code == 401
    with pytest.raises(ValueError):
        create_codec_app(keys, token=None, ui_origin=ui["Origin"])
