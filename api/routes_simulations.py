"""POST /v1/simulations: what the pathway asks of one patient over the next years, computed from
its events (real or invented) by the same domain code as the workflow; nothing is stored."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.auth import Staff
from api.body import load_json, parse_submission, read_body
from api.models import MAX_BATCH
from api.params import no_unknown_query
from api.problems import ApiProblem, FieldError, problem_responses
from api.runtime import runtime
from domain.calendar import add_months
from domain.errors import EventRefused
from domain.events import ClinicalEvent, describe_errors
from service.simulation import MAX_YEARS, Simulation, SimulationError, simulate_patient

router = APIRouter(tags=["simulations"], dependencies=[Depends(no_unknown_query)])
REQUEST_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimulationRequest"}}},
}


class SimulationOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    years: int = Field(default=3, ge=1, le=MAX_YEARS, description="How far from the first event, in years.")
    compliant: bool = Field(default=True, description=(
        "true: each act is done on its due date (after that day's reminders); false: nothing is done, the "
        "reminder ladders run up to `defaulted`."))


class SimulationRequest(SimulationOptions):
    """One patient's events, real or invented; they may be dated after today (each is taken on its day)."""

    events: list[ClinicalEvent] = Field(min_length=1, max_length=MAX_BATCH)


@router.post(
    "/v1/simulations",
    response_model=Simulation,
    summary="Simulate one patient's pathway over years (nothing stored)",
    description=(
        "Every obligation, status change and reminder (with its recipients) from the first event to `years` "
        "ahead, computed by the same functions as the patient's workflow, under the ruleset of the patient's "
        "centre (its `care_team_assigned`). Nothing is stored and no workflow is started."),
    responses=problem_responses(400, 401, 403, 413, 415, 422, 429, 503),
    openapi_extra={"requestBody": REQUEST_BODY},
)
async def post_simulation(request: Request, token: Staff) -> Simulation:
    rt = runtime(request)
    data = load_json(await read_body(request, rt.config.api_max_body_bytes))
    if not isinstance(data, dict):
        raise _refused([FieldError(field="(body)", message='expected {"events": [...], "years": N}')])
    try:
        options = SimulationOptions.model_validate_json(json.dumps({k: v for k, v in data.items() if k != "events"}))
    except ValidationError as error:
        raise _refused([FieldError(field=p["field"], message=p["message"]) for p in describe_errors(error)]) from None
    latest = add_months(rt.intake.today(), 12 * MAX_YEARS)
    submission = parse_submission(json.dumps({"events": data.get("events")}).encode(), latest)
    try:
        return await asyncio.to_thread(simulate_patient, submission.events, rt.intake.rulesets, options.years,
                                       options.compliant)
    except EventRefused as error:
        raise _refused([FieldError(field=error.field, message=str(error))]) from None
    except SimulationError as error:
        raise _refused([FieldError(field="events", message=str(error))]) from None


def _refused(errors: list[FieldError]) -> ApiProblem:
    return ApiProblem(422, "invalid-simulation", "Invalid simulation", "nothing was simulated; fix the fields named",
                      errors)
