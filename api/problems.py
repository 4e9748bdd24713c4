"""Errors as `application/problem+json` (RFC 9457): type, title, status, detail, and for
refused input an `errors` list naming each bad field (and, in a batch, its index)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import shown
from domain.field_messages import user_message
from store.db import DatabaseUnavailable

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "tag:ms-pathway,2026:problem:"
RETRY_AFTER_S = 5


MAX_FIELD_CHARS = 200
MAX_MESSAGE_CHARS = 600


class FieldError(BaseModel):
    """One refused field. Whatever of the input it quotes is cut at 64 characters where it is
    quoted (`domain.errors.shown`); as a last guard, a field path and a message are cut here
    too, so no error ever echoes a sender's input in full."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int | None = None
    """The event's position in `{"events": [...]}`; null for a single event or a query parameter."""
    field: str | None = None
    """Dotted path of the bad field, e.g. `regions.1`, or the query parameter's name."""
    message: str
    patient_ref: str | None = None
    """For a batch answered in part: the patient whose events were not taken."""

    @field_validator("field")
    @classmethod
    def _bounded_field(cls, field: str | None) -> str | None:
        return None if field is None else shown(field, MAX_FIELD_CHARS)

    @field_validator("message")
    @classmethod
    def _bounded_message(cls, message: str) -> str:
        return shown(message, MAX_MESSAGE_CHARS)


class Problem(BaseModel):
    """An RFC 9457 problem; `type` is a tag URI naming the kind of problem."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] = []


class ApiProblem(Exception):
    """Raised anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str | None = None,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(title)
        self.problem = Problem(type=TYPE_PREFIX + kind, title=title, status=status, detail=detail,
                               errors=list(errors), **(extra or {}))
        self.headers = dict(headers or {})


def unavailable(what: str, detail: str) -> ApiProblem:
    return ApiProblem(503, f"{what}-unavailable", f"{what.capitalize()} is unavailable", detail,
                      headers={"Retry-After": str(RETRY_AFTER_S)})


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(problem.model_dump(mode="json", exclude_none=True), status_code=problem.status,
                        media_type=PROBLEM_JSON, headers=dict(headers or {}))


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these error statuses, all problem documents."""
    descriptions = {400: "Malformed request body", 401: "Missing, unknown or revoked bearer token",
                    403: "The token's role may not do this", 404: "Unknown patient",
                    409: "Conflict: reused event_id, or the pathway has ended",
                    413: "Body or batch too large", 415: "Body is not JSON",
                    422: "Refused input, each bad field named",
                    429: "Too many unknown or revoked tokens from this client lately (see Retry-After)",
                    503: "Temporal or PostgreSQL unavailable"}
    return {s: {"model": Problem, "description": descriptions[s], "content": {PROBLEM_JSON: {}}} for s in statuses}


async def _api_problem(request: Request, error: ApiProblem) -> JSONResponse:
    return problem_response(error.problem, error.headers)


async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = [FieldError(field=".".join(shown(p) for p in e["loc"][1:]) or shown(e["loc"][0]),
                         message=user_message(e)) for e in error.errors()]
    problem = Problem(type=TYPE_PREFIX + "invalid-parameters", title="Invalid parameters", status=422,
                      detail="a path or query parameter is missing or malformed", errors=errors)
    return problem_response(problem)


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    problem = Problem(type="about:blank", title=_reason(error.status_code), status=error.status_code,
                      detail=error.detail if isinstance(error.detail, str) else None)
    return problem_response(problem, getattr(error, "headers", None))


async def _database_unavailable(request: Request, error: DatabaseUnavailable) -> JSONResponse:
    await structlog.get_logger("api").awarning("postgresql unavailable", error=type(error.__cause__).__name__)
    problem = unavailable("database", "PostgreSQL cannot be reached; retry later").problem
    return problem_response(problem, {"Retry-After": str(RETRY_AFTER_S)})


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DatabaseUnavailable, _database_unavailable)
