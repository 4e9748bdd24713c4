"""POST /v1/events: one event or `{"events": [...]}`, from integration services."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request, Response

from api.auth import Integration
from api.intake import parse_submission, read_body
from api.models import BatchResult
from api.params import no_unknown_query
from api.problems import ApiProblem, FieldError, problem_responses
from api.runtime import runtime
from api.submission import Outcome, record
from domain.planner import local_date
from workflows.messages import PlanSummary

router = APIRouter(tags=["events"], dependencies=[Depends(no_unknown_query)])

REQUEST_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventSubmission"}}},
}
ANSWER = {"description": "The patient's plan summary (one event), or one per patient (a batch)"}


@router.post(
    "/v1/events",
    status_code=201,
    response_model=PlanSummary | BatchResult,
    summary="Record clinical events",
    description=(
        "One event (the contract of PATHWAY_RULES.md, \"Events\") or `{\"events\": [...]}` with up to 1,000 "
        "events of one or many patients. Everything is validated before anything is recorded; each patient's "
        "events go to its pathway in one update, all or nothing. `201`: something new was recorded; `200`: "
        "every event was already recorded with the same content. Resending is always safe."
    ),
    responses={201: ANSWER, 200: ANSWER, **problem_responses(400, 401, 403, 409, 413, 415, 422, 503)},
    openapi_extra={"requestBody": REQUEST_BODY},
)
async def post_events(request: Request, response: Response, token: Integration) -> PlanSummary | BatchResult:
    rt = runtime(request)
    body = await read_body(request, rt.config.api_max_body_bytes)
    submission = parse_submission(body, local_date(datetime.now(UTC)))
    outcomes = await record(rt, submission.events, token.name, submission.batch)
    failed = [o for o in outcomes if o.problem is not None]
    if failed:
        raise failed[0].problem if not submission.batch else _partial(outcomes, failed)
    summaries = [o.summary for o in outcomes if o.summary is not None]
    accepted = sum(len(s.accepted) for s in summaries)
    response.status_code = 201 if accepted else 200
    if not submission.batch:
        return summaries[0]
    return BatchResult(patients=summaries, accepted=accepted, duplicates=sum(len(s.duplicates) for s in summaries))


def _partial(outcomes: list[Outcome], failed: list[Outcome]) -> ApiProblem:
    """Some (or all) patients' events were not recorded: the worst status (503 before 422 before
    409), every failure named, and the summaries of the patients whose events were recorded."""
    problems = [o.problem.problem for o in failed if o.problem is not None]
    status = next((s for s in (503, 422, 409, 404) if s in {p.status for p in problems}), 500)
    errors: list[FieldError] = []
    for outcome, problem in zip(failed, problems):
        errors += [e.model_copy(update={"patient_ref": outcome.patient_ref}) for e in problem.errors] \
            or [FieldError(message=problem.detail or problem.title, patient_ref=outcome.patient_ref)]
    recorded = [o.summary.model_dump(mode="json") for o in outcomes if o.summary is not None]
    if recorded:
        title = "Some patients' events were not recorded"
    else:
        title = problems[0].title if len({p.type for p in problems}) == 1 else "Events not recorded"
    headers = {"Retry-After": "5"} if status == 503 else {}
    return ApiProblem(status, "batch-not-recorded", title,
                      f"{len(failed)} of {len(outcomes)} patients' events were not recorded (see errors); "
                      f"{len(recorded)} were (see patients). Resending the whole batch is safe.",
                      errors, headers=headers, extra={"patients": recorded})
