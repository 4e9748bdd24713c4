"""Every error the API answers, walked over real HTTP: each problem type with a request that
provokes it, and the words a user reads (title, detail, each field's message), written for the
person who sent the request: no pydantic jargon, no Python repr, no grammar slip."""

from __future__ import annotations

import re

import pytest

from api.token_gate import FAILURES_ALLOWED
from tests.support.api import Api, event

JARGON = re.compile(r"Input should|should have|after validation|String should|Tuple|Value error|\^\\d|"
                    r"Traceback|Exception|\ba [aeiou]\w+ token")

ISSUE_12 = {  # what the issue saw, and what a user now reads instead
    "an empty regions": "must name at least one region: brain, spinal, or both",
    "due_before=2026-1-5": "must be a calendar date written YYYY-MM-DD, e.g. 2027-03-01",
    "a staff token posting": "this needs an integration token; this token's role is staff",
}


def words(problem: dict) -> list[str]:
    return [problem.get("title", ""), problem.get("detail", ""), *(e["message"] for e in problem.get("errors", []))]


async def provoke(api: Api, case: str, ref: str):
    post, get = api.http.post, api.get
    json_body = {**api.integration, "Content-Type": "application/json"}
    match case:
        case "malformed-json":
            return await post("/v1/events", content=b'{"event_id": ', headers=json_body)
        case "unauthorized":
            return await api.http.get("/v1/worklist")
        case "forbidden":
            return await post("/v1/events", json=event(ref, "edss_recorded", score=2.0), headers=api.staff)
        case "not-found":
            return await get(f"/v1/patients/{ref}-nobody/plan")
        case "event-id-conflict":
            first = event(ref, "edss_recorded", score=2.0)
            assert (await api.post(first)).status_code == 201
            return await api.post({**first, "score": 3.0})
        case "pathway-ended":
            assert (await api.post(event(ref, "follow_up_ended", reason="moved_away"))).status_code == 201
            return await api.post(event(ref, "edss_recorded", score=2.0))
        case "too-large":
            return await api.post({"events": [event(ref, "edss_recorded", score=2.0)] * 1001})
        case "unsupported-media-type":
            return await post("/v1/events", content=b"score=2", headers={**api.integration, "Content-Type": "text/plain"})
        case "invalid-events":
            return await api.post(event(ref, "mri_performed", regions=[]))
        case "invalid-parameters":
            return await get("/v1/worklist?due_before=2026-1-5")
        case "invalid-simulation":
            return await post("/v1/simulations", json={"events": [event(ref, "edss_recorded", score=2.0)], "years": 0},
                              headers=api.staff)
        case "unknown-parameter":
            return await get("/v1/worklist?centr=C13")
        case "bad-limit":
            return await get("/v1/worklist?limit=ten")
        case "bad-status":
            return await get("/v1/worklist?status=late")
        case "too-many-bad-tokens":
            for attempt in range(FAILURES_ALLOWED):
                await api.http.get("/v1/worklist", headers={"Authorization": f"Bearer pw_unknown-{attempt}"})
            return await api.http.get("/v1/worklist", headers={"Authorization": "Bearer pw_unknown-again"})
        case "nested-too-deep":
            return await post("/v1/events", content=b"[" * 100 + b"]" * 100, headers=json_body)
        case "bad-patient-ref":
            return await get("/v1/patients/Jean%20Dupont/plan")
    raise AssertionError(case)


CATALOGUE = {  # case: (status, problem type, a message the user reads)
    "malformed-json": (400, "malformed-json", "at line 1 column"),
    "unauthorized": (401, "unauthorized", "send Authorization: Bearer <token>"),
    "forbidden": (403, "forbidden", ISSUE_12["a staff token posting"]),
    "not-found": (404, None, None),
    "event-id-conflict": (409, "event-id-conflict", "was already used for a different event of this patient"),
    "pathway-ended": (409, "pathway-ended", None),
    "too-large": (413, "too-large", "at most 1000 (split the batch)"),
    "unsupported-media-type": (415, "unsupported-media-type", "send the events as application/json"),
    "invalid-events": (422, "invalid-events", ISSUE_12["an empty regions"]),
    "invalid-parameters": (422, "invalid-parameters", ISSUE_12["due_before=2026-1-5"]),
    "invalid-simulation": (422, "invalid-simulation", "must be at least 1"),
    "unknown-parameter": (422, "invalid-parameters", "unknown query parameter; known: "),
    "bad-limit": (422, "invalid-parameters", "must be a whole number"),
    "bad-status": (422, "invalid-parameters", "must be 'upcoming', 'due', 'overdue', 'defaulted', 'satisfied' or "
                                              "'cancelled'"),
    "bad-patient-ref": (422, "invalid-parameters", "a pseudonymous reference, never a name"),
    "too-many-bad-tokens": (429, "too-many-bad-tokens", "too many unknown or revoked tokens from this client"),
    "nested-too-deep": (400, "malformed-json", "nested more than 8 deep"),
}


@pytest.mark.parametrize("case", list(CATALOGUE))
async def test_each_error_answers_its_problem_in_the_user_s_words(api, patient_ref, case):
    status, kind, message = CATALOGUE[case]
    response = await provoke(api, case, patient_ref)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    if kind is not None:
        assert problem["type"].endswith(f":problem:{kind}"), problem
    said = words(problem)
    if message is not None:
        assert any(message in text for text in said), said
    assert not [text for text in said if JARGON.search(text)], said
