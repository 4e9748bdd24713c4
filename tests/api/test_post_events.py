"""POST /v1/events: validation before anything is recorded, idempotency, conflicts, batches."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from temporalio.service import RPCError, RPCStatusCode

from contracts.pathway import workflow_id_for
from domain.calendar import add_days
from store.event_store import EventStore
from tests.support.api import event, stored_events, today


async def assert_nothing_recorded(api, *patient_refs: str) -> None:
    for ref in patient_refs:
        with pytest.raises(RPCError) as raised:
            await api.client.get_workflow_handle(workflow_id_for(ref)).describe()
        assert raised.value.status == RPCStatusCode.NOT_FOUND
        assert await EventStore(api.pool).for_patient(ref) == []


async def test_a_new_event_is_answered_201_with_the_plan_summary_and_the_same_event_again_200(api, patient_ref):
    diagnosis = event(patient_ref, "diagnosis_recorded", diagnosis="relapsing_remitting")

    first = await api.post(diagnosis)
    assert first.status_code == 201, first.text
    assert first.json()["accepted"] == [diagnosis["event_id"]]
    assert first.json()["stage"] == "untreated_other"
    await stored_events(api, patient_ref, 1)

    again = await api.post(diagnosis)
    assert again.status_code == 200, again.text
    assert again.json()["accepted"] == [] and again.json()["duplicates"] == [diagnosis["event_id"]]
    assert again.json()["events_recorded"] == 1


async def test_each_recorded_event_keeps_the_name_of_the_token_that_sent_it(api, patient_ref):
    await api.post(event(patient_ref, "diagnosis_recorded", diagnosis="relapsing_remitting"))

    [stored] = await stored_events(api, patient_ref, 1)

    assert stored["sender"] == api.integration_name
    assert stored["received_at"] and stored["event"]["diagnosis"] == "relapsing_remitting"


async def test_an_event_id_reused_with_other_content_is_refused_409_and_changes_nothing(api, patient_ref):
    edss = event(patient_ref, "edss_recorded", score=2.5)
    assert (await api.post(edss)).status_code == 201
    await stored_events(api, patient_ref, 1)

    refused = await api.post({**edss, "score": 3.0})

    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "event_id"
    assert [e["event"]["score"] for e in await stored_events(api, patient_ref, 1)] == [2.5]


async def test_an_event_id_already_used_for_another_patient_refuses_that_patients_events_409(api, patient_ref):
    edss = event(patient_ref, "edss_recorded", score=2.5)
    assert (await api.post(edss)).status_code == 201
    await stored_events(api, patient_ref, 1)
    other = f"O{uuid.uuid4().hex[:12]}"

    refused = await api.post({"events": [event(other, "diagnosis_recorded", diagnosis="relapsing_remitting"),
                                         {**edss, "patient_ref": other}]})

    assert refused.status_code == 409
    assert refused.json()["errors"] == [{"index": 1, "field": "event_id", "patient_ref": other,
                                         "message": refused.json()["errors"][0]["message"]}]
    assert "another patient" in refused.json()["errors"][0]["message"]
    await assert_nothing_recorded(api, other)


async def test_a_batch_with_one_bad_event_is_refused_422_naming_its_index_and_field_and_nothing_is_recorded(api):
    first, second = (f"B{uuid.uuid4().hex[:12]}" for _ in range(2))
    batch = {"events": [
        event(first, "diagnosis_recorded", diagnosis="relapsing_remitting"),
        event(first, "treatment_started", molecule="natalizumabb"),
        event(second, "edss_recorded", score=2.0),
    ]}

    refused = await api.post(batch)

    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["status"] == 422 and problem["type"].endswith("invalid-events") and problem["title"]
    assert [(e["index"], e["field"]) for e in problem["errors"]] == [(1, "molecule")]
    assert "unknown molecule 'natalizumabb'" in problem["errors"][0]["message"]
    await assert_nothing_recorded(api, first, second)


@pytest.mark.parametrize(("change", "field"), [
    ({"colour": "blue"}, "colour"),
    ({"score": "2.5"}, "score"),
    ({"score": 2.25}, "score"),
    ({"occurred_on": add_days(today(), 1).isoformat()}, "occurred_on"),
    ({"occurred_on": "2026-02-30"}, "occurred_on"),
    ({"occurred_on": "0001-01-01"}, "occurred_on"),
    ({"patient_ref": "has space"}, "patient_ref"),
    ({"event_id": 12}, "event_id"),
    ({"type": "edss_taken"}, "type"),
    ({"source": None, "event_id": ""}, "event_id"),
])
async def test_a_malformed_event_is_refused_422_naming_the_field(api, patient_ref, change, field):
    refused = await api.post({**event(patient_ref, "edss_recorded", score=2.0), **change})

    assert refused.status_code == 422, refused.text
    assert field in [e["field"] for e in refused.json()["errors"]]
    assert all("index" not in e for e in refused.json()["errors"])
    await assert_nothing_recorded(api, patient_ref)


@pytest.mark.parametrize("field", ["event_id", "source"])
@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800"])
async def test_a_string_the_event_store_cannot_keep_is_refused_422_before_anything_is_sent(api, patient_ref, field, bad):
    good = json.dumps(event(patient_ref, "edss_recorded", score=2.0, source="lab"))
    body = good.replace(f'"{field}": "', f'"{field}": "x{bad}', 1).encode()

    refused = await api.http.post("/v1/events", content=body,
                                  headers={**api.integration, "Content-Type": "application/json"})

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    await assert_nothing_recorded(api, patient_ref)


@pytest.mark.parametrize(("body", "status"), [
    (b'{"event_id": "x",', 400),
    (b'{"a": NaN}', 400),
    (b'{"event_id": "a", "event_id": "b"}', 400),
    (b'\xff\xfe', 400),
    (b'[]', 422),
    (b'{"events": []}', 422),
    (b'{"events": [], "more": 1}', 422),
])
async def test_a_body_that_is_not_one_event_or_a_batch_is_refused(api, body, status):
    response = await api.http.post("/v1/events", content=body,
                                   headers={**api.integration, "Content-Type": "application/json"})

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_body_that_is_not_json_is_refused_415(api, patient_ref):
    body = json.dumps(event(patient_ref, "edss_recorded", score=2.0))
    response = await api.http.post("/v1/events", content=body, headers={**api.integration, "Content-Type": "text/plain"})

    assert response.status_code == 415


async def test_a_body_over_the_size_cap_is_refused_413_whether_its_length_is_declared_or_streamed(api, patient_ref):
    big = json.dumps({**event(patient_ref, "edss_recorded", score=2.0), "source": "x" * (3 * 1024 * 1024)}).encode()

    declared = await api.http.post("/v1/events", content=big,
                                   headers={**api.integration, "Content-Type": "application/json"})

    async def chunks():
        for start in range(0, len(big), 64 * 1024):
            yield big[start:start + 64 * 1024]

    streamed = await api.http.post("/v1/events", content=chunks(),
                                   headers={**api.integration, "Content-Type": "application/json"})

    assert declared.status_code == 413 and streamed.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    await assert_nothing_recorded(api, patient_ref)


async def test_a_batch_of_more_than_1000_events_is_refused_413(api, patient_ref):
    batch = {"events": [event(patient_ref, "edss_recorded", score=2.0) for _ in range(1001)]}

    refused = await api.post(batch)

    assert refused.status_code == 413
    assert "1000" in refused.json()["detail"]


async def test_a_batch_for_several_patients_is_answered_with_one_summary_per_patient(api):
    refs = [f"M{uuid.uuid4().hex[:12]}" for _ in range(3)]
    batch = {"events": [e for ref in refs for e in (
        event(ref, "diagnosis_recorded", diagnosis="relapsing_remitting"),
        event(ref, "treatment_started", molecule="natalizumab"),
    )]}

    response = await api.post(batch)

    assert response.status_code == 201, response.text
    result = response.json()
    assert result["accepted"] == 6 and result["duplicates"] == 0
    assert [s["patient_ref"] for s in result["patients"]] == refs
    assert all(s["stage"] == "risk_therapy" and s["events_recorded"] == 2 for s in result["patients"])
    for ref in refs:
        plan = (await api.get(f"/v1/patients/{ref}/plan")).json()
        assert plan["molecule"] == "natalizumab"


async def test_events_after_follow_up_ended_are_refused_409_and_their_ids_stay_free(api, patient_ref):
    ended = await api.post({"events": [event(patient_ref, "diagnosis_recorded", diagnosis="relapsing_remitting"),
                                       event(patient_ref, "follow_up_ended", reason="moved_away")]})
    assert ended.status_code == 201 and ended.json()["patients"][0]["ended"] == "moved_away"
    assert (await api.get(f"/v1/patients/{patient_ref}/plan")).json()["ended"] == "moved_away"
    # Ended in the store from its first request: no run is started for nothing to follow.
    assert [w async for w in api.client.list_workflows(f"WorkflowId = '{workflow_id_for(patient_ref)}'")] == []

    late = event(patient_ref, "edss_recorded", score=2.0)
    refused = await api.post(late)

    assert refused.status_code == 409
    assert refused.json()["title"] == "Pathway ended"
    elsewhere = f"E{uuid.uuid4().hex[:12]}"
    moved = await api.post({**late, "patient_ref": elsewhere})  # never recorded: its id is free again
    assert moved.status_code == 201, moved.text


async def test_an_event_id_reused_for_another_patient_at_once_is_refused_409_though_not_stored_yet(api):
    first, second = (f"R{uuid.uuid4().hex[:12]}" for _ in range(2))
    shared = f"shared-{uuid.uuid4().hex[:8]}"

    answers = await asyncio.gather(*(api.post(event(ref, "edss_recorded", event_id=shared, score=2.0))
                                     for ref in (first, second)))

    assert sorted(a.status_code for a in answers) == [201, 409]
    winner, loser = (first, second) if answers[0].status_code == 201 else (second, first)
    await stored_events(api, winner, 1)
    await assert_nothing_recorded(api, loser)
