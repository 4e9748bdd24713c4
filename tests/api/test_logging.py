"""What the API logs: one line per request with the client and the patient, never a token,
never an event's content, never an exception's message."""

from __future__ import annotations

import httpx
import structlog
from structlog.testing import capture_logs

from api.app import create_app
from tests.support.api import config_for, event, serving
from tests.support.waiting import eventually


def first_line(logs: list[dict], event_name: str) -> dict | None:
    return next((line for line in logs if line["event"] == event_name), None)


async def test_a_request_is_logged_with_client_and_patient_and_without_token_or_content(api, patient_ref):
    body = event(patient_ref, "edss_recorded", score=4.5, source="neurology-ward-7")
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        assert (await api.post(body)).status_code == 201
        # Written once the response is on its way: it may land after the answer, so wait
        # for it here, while the capture lasts. It is the request's last line.
        request = await eventually(lambda: first_line(logs, "request"), what="the 'request' log line")
        recorded = await eventually(lambda: first_line(logs, "events recorded"), what="the 'events recorded' log line")

    assert request["path"] == "/v1/events" and request["status"] == 201
    assert request["client"] == api.integration_name and request["request_id"]
    assert recorded["patient_ref"] == patient_ref and recorded["event_id"] == body["event_id"]
    text = repr(logs)
    assert api.integration["Authorization"].removeprefix("Bearer ") not in text
    assert "neurology-ward-7" not in text and "score" not in text
    # Not `"4.5" not in text`: a request's duration_ms (14.5, say) would match it now and then.
    assert all(value != 4.5 for line in logs for value in line.values())


async def test_an_unexpected_error_is_a_bare_500_problem_logged_by_type_and_place_only(pathway_worker, pool):
    app = create_app(config_for(pathway_worker), client=pathway_worker.client, pool=pool)

    async def boom() -> None:
        raise ValueError("patient P-1 has EDSS 6.5")

    app.add_api_route("/boom", boom)
    with capture_logs() as logs:
        async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
            response = await http.get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "EDSS" not in response.text and "EDSS" not in repr(logs)
    assert any(line.get("error") == "ValueError" and "test_logging.py" in line.get("where", "") for line in logs)
