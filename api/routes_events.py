"""POST /v1/events: one event or `{"events": [...]}`, from integration services."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from api.auth import Integration
from api.body import parse_submission, read_body
from api.models import BatchResult
from api.params import no_unknown_query
from api.problems import ApiProblem, FieldError, problem_responses
from api.runtime import runtime
from api.submission import problem_for, refused, status_of
from contracts.pathway import PlanSummary
from domain.events import ClinicalEvent
from service.intake import InvalidEvents, Outcome, record

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
        "One event or `{\"events\": [...]}` with up to 1,000 events of one or many patients (the event contract: "
        "the API's description above, and one schema per event type). Everything is validated before anything "
        "is recorded; each patient's "
        "events are stored in the event store all or nothing, then handed to the patient's pathway.\n\n"
        "* `201`: recorded, and the pathways have taken the events: the summaries are their new plans.\n"
        "* `202`: recorded (stored for good), but a pathway did not answer in time: its summary says "
        "`delivery: pending` and is the plan the stored events give; the pathway takes the events later "
        "(a reconcile runs every few minutes). Nothing needs resending.\n"
        "* `200`: every event was already recorded with the same content; nothing changed.\n\n"
        "Resending is always safe: an `event_id` is an idempotency key. Once a patient's follow-up has "
        "ended (`follow_up_ended`), every other event is refused (409), in the same batch as later; only "
        "the retraction of that end is taken, and it reopens the pathway."
    ),
    responses={201: ANSWER, 200: ANSWER, 202: ANSWER, **problem_responses(400, 401, 403, 409, 413, 415, 422, 429, 503)},
    openapi_extra={"requestBody": REQUEST_BODY},
)
async def post_events(request: Request, response: Response, token: Integration) -> PlanSummary | BatchResult:
    rt = runtime(request)
    body = await read_body(request, rt.config.api_max_body_bytes)
    submission = parse_submission(body, rt.intake.today())
    try:
        outcomes = await record(rt.intake, submission.events, token.name)
    except InvalidEvents as invalid:
        raise refused(invalid, submission.events, submission.batch) from None
    failed = [o for o in outcomes if o.error is not None]
    if failed:
        raise _partial(outcomes, failed, submission.events) if submission.batch \
            else problem_for(failed[0], submission.events, batch=False)
    summaries = [o.recorded.summary for o in outcomes if o.recorded is not None]
    response.status_code = status_of(summaries)
    if not submission.batch:
        return summaries[0]
    return BatchResult(patients=summaries, accepted=sum(len(s.accepted) for s in summaries),
                       duplicates=sum(len(s.duplicates) for s in summaries))


def _partial(outcomes: list[Outcome], failed: list[Outcome], events: list[ClinicalEvent]) -> ApiProblem:
    """Some (or all) patients' events were not recorded: the worst status (503 before 422 before
    409), every failure named, and the summaries of the patients whose events were recorded."""
    problems = [problem_for(o, events, batch=True).problem for o in failed]
    status = next((s for s in (503, 422, 409) if s in {p.status for p in problems}), 500)
    errors: list[FieldError] = []
    for outcome, problem in zip(failed, problems):
        errors += [e.model_copy(update={"patient_ref": outcome.patient_ref}) for e in problem.errors] \
            or [FieldError(message=problem.detail or problem.title, patient_ref=outcome.patient_ref)]
    recorded = [o.recorded.summary.model_dump(mode="json") for o in outcomes if o.recorded is not None]
    if recorded:
        title = "Some patients' events were not recorded"
    else:
        title = problems[0].title if len({p.type for p in problems}) == 1 else "Events not recorded"
    headers = {"Retry-After": "5"} if status == 503 else {}
    return ApiProblem(status, "batch-not-recorded", title,
                      f"{len(failed)} of {len(outcomes)} patients' events were not recorded (see errors); "
                      f"{len(recorded)} were (see patients). Resending the whole batch is safe.",
                      errors, headers=headers, extra={"patients": recorded})
