"""Bearer tokens and roles: integration posts events, staff reads."""

from __future__ import annotations

import hashlib

from store.tokens import TokenStore
from tests.support.api import event


async def test_a_call_without_a_token_is_refused_401_with_a_bearer_challenge(api, patient_ref):
    response = await api.http.post("/v1/events", json=event(patient_ref, "edss_recorded", score=2.0))

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer realm=")
    assert response.json()["title"] == "Unauthorized"


async def test_an_unknown_token_or_another_scheme_is_refused_401(api, patient_ref):
    for header in ("Bearer pw_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000):
        response = await api.http.get(f"/v1/patients/{patient_ref}/plan", headers={"Authorization": header})
        assert response.status_code == 401, header[:20]
        assert "Bearer" in response.headers["www-authenticate"]


async def test_a_staff_token_may_not_post_events_and_an_integration_token_may_not_read(api, patient_ref):
    posted = await api.http.post("/v1/events", json=event(patient_ref, "edss_recorded", score=2.0), headers=api.staff)
    read = await api.http.get(f"/v1/patients/{patient_ref}/plan", headers=api.integration)

    assert posted.status_code == 403 and read.status_code == 403
    assert posted.headers["content-type"] == "application/problem+json"
    assert "integration token" in posted.json()["detail"]


async def test_health_needs_no_token(api):
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}


async def test_only_the_hash_of_a_token_is_stored(pool):
    token, record = await TokenStore(pool).create("hash-check-" + hashlib.md5(b"x").hexdigest()[:6], "staff")

    async with pool.acquire() as conn:
        rows = [dict(r) for r in await conn.fetch("SELECT * FROM api_tokens WHERE name = $1", record.name)]
    assert rows and all(token not in str(value) for row in rows for value in row.values())
    assert rows[0]["token_sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert await TokenStore(pool).authenticate(token) == record
