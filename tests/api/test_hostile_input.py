"""Inputs an attacker or a careless integration sends (issue 11), each refused with its
status and a message that says what is expected, nothing stored: dates that are not
`YYYY-MM-DD`, deep nesting, huge keys and values echoed back, floods of bad tokens, and a
token name given again after its revocation."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from api.token_gate import FAILURES_ALLOWED, TOKEN_CACHE_SECONDS
from domain.field_messages import CATALOGUE, DATE
from store.tokens import TokenError, TokenStore
from tests.api.test_post_events import assert_nothing_recorded
from tests.support.api import bearer, event, stored_events
from tests.support.waiting import eventually

DATE_MESSAGE = DATE  # the error catalogue's one wording of a date (domain.field_messages)


async def post_raw(api, body: bytes, headers: dict[str, str] | None = None):
    return await api.http.post("/v1/events", content=body,
                               headers={**(headers or api.integration), "Content-Type": "application/json"})


# --- 4. only YYYY-MM-DD is a date -------------------------------------------------------------

@pytest.mark.parametrize("written", ["1772323200", "1772323200000", "20260301", "2026-03-01T00:00:00", "2026-3-1"])
async def test_a_date_not_written_yyyy_mm_dd_is_refused_422_naming_the_field_and_the_format(api, patient_ref, written):
    refused = await api.post({"event_id": f"{patient_ref}-x1", "patient_ref": patient_ref, "type": "diagnosis_recorded",
                              "occurred_on": written, "diagnosis": "cis", "onset_on": "2026-01-10"})

    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [{"field": "occurred_on", "message": DATE_MESSAGE}]
    await assert_nothing_recorded(api, patient_ref)


async def test_an_epoch_onset_and_an_epoch_what_if_date_are_refused_too(api, patient_ref):
    refused = await api.post({"event_id": f"{patient_ref}-x2", "patient_ref": patient_ref, "type": "diagnosis_recorded",
                              "occurred_on": "2026-03-01", "diagnosis": "cis", "onset_on": 1772323200})
    what_if = await api.get(f"/v1/patients/{patient_ref}/plan", params={"as_of": "1772323200"})

    assert refused.status_code == 422 and refused.json()["errors"] == [{"field": "onset_on", "message": DATE_MESSAGE}]
    assert what_if.status_code == 422 and what_if.json()["errors"][0]["field"] == "as_of"


# --- 5. deep nesting -------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    b'{"a":' * 500 + b"1" + b"}" * 500,
    b"[" * 5000 + b"]" * 5000,
    b'{"event_id":"n1","patient_ref":"P1","type":"edss_recorded","occurred_on":"2026-01-10","score":2.0,"source":'
    + b'{"a":' * 20 + b"1" + b"}" * 20 + b"}",
], ids=["500 nested objects", "5000 nested arrays", "nesting inside an event"])
async def test_deep_nesting_is_refused_400_before_anything_walks_it(api, body):
    refused = await post_raw(api, body)

    assert refused.status_code == 400, refused.text
    assert refused.json()["title"] == "Malformed JSON"
    assert "nested more than 8 deep" in refused.json()["detail"]


# --- 6. bounded echo -------------------------------------------------------------------------

async def test_a_1_mb_unknown_key_is_refused_without_being_echoed(api, patient_ref):
    key = "k" * (1024 * 1024)
    body = json.dumps({**event(patient_ref, "edss_recorded", score=2.0), key: 1}).encode()

    refused = await post_raw(api, body)

    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error == {"field": "k" * 64 + "…", "message": CATALOGUE["extra_forbidden"]({})}
    assert len(refused.content) < 1024


async def test_a_long_unknown_molecule_a_long_repeated_key_and_a_long_query_parameter_are_cut_at_64(api, patient_ref):
    molecule = "m" * 64 + "tail"
    refused = await api.post(event(patient_ref, "treatment_started", molecule=molecule[:64]))
    repeated = await post_raw(api, ('{"' + "r" * 5000 + '": 1, "' + "r" * 5000 + '": 2}').encode())
    unknown = await api.get("/v1/worklist", params={"q" * 5000: "1"})

    assert refused.status_code == 422
    assert f"unknown molecule '{'m' * 64}'" in refused.json()["errors"][0]["message"]
    assert repeated.status_code == 400 and "r" * 65 not in repeated.text and "…" in repeated.json()["detail"]
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "q" * 64 + "…"
    assert len(repeated.content) < 1024 and len(unknown.content) < 1024


# --- 7. bad tokens cost the database nothing a valid request needs --------------------------

async def test_a_flood_of_bad_tokens_is_answered_429_with_retry_after_and_a_valid_token_still_answers(api):
    await api.http.get("/v1/worklist", headers=api.staff)  # the staff token is now known (cached)

    flood = await asyncio.gather(*(api.http.get("/v1/worklist", headers={"Authorization": f"Bearer pw_bad-{i}"})
                                   for i in range(300)))
    during = await api.http.get("/v1/worklist", headers=api.staff)

    statuses = [r.status_code for r in flood]
    assert statuses.count(401) == FAILURES_ALLOWED and statuses.count(429) == 300 - FAILURES_ALLOWED
    held_back = next(r for r in flood if r.status_code == 429)
    assert held_back.headers["content-type"] == "application/problem+json"
    assert 1 <= int(held_back.headers["retry-after"]) <= 60
    assert "too many unknown or revoked tokens" in held_back.json()["detail"]
    assert during.status_code == 200


async def test_a_burst_with_one_valid_token_is_served_whole_before_it_is_known(api, pool):
    _, headers = await bearer(pool, "staff")

    burst = await asyncio.gather(*(api.http.get("/v1/worklist", headers=headers) for _ in range(40)))

    assert [r.status_code for r in burst] == [200] * 40


async def test_a_revoked_token_is_refused_within_the_cache_bound(api, pool):
    name, headers = await bearer(pool, "staff")
    assert (await api.http.get("/v1/worklist", headers=headers)).status_code == 200

    await TokenStore(pool).revoke(name)
    revoked_at = time.monotonic()

    response = await eventually(lambda: api.http.get("/v1/worklist", headers=headers), lambda r: r.status_code == 401,
                                timeout_s=TOKEN_CACHE_SECONDS + 5, interval_s=0.5, what="the revocation in force")
    assert time.monotonic() - revoked_at <= TOKEN_CACHE_SECONDS + 1
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


# --- 8. a sender names one token for ever ----------------------------------------------------

async def test_a_token_name_is_never_given_again_so_each_sender_names_one_token(api, pool, patient_ref):
    posted = await api.post(event(patient_ref, "edss_recorded", score=2.0))
    assert posted.status_code == 201
    await TokenStore(pool).revoke(api.integration_name)

    with pytest.raises(TokenError, match="names are never reused"):
        await TokenStore(pool).create(api.integration_name, "integration")

    [stored] = await stored_events(api, patient_ref, 1)
    owners = [t for t in await TokenStore(pool).list() if t.name == stored["sender"]]
    assert len(owners) == 1 and owners[0].revoked_at is not None
