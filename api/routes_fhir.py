"""`/fhir/r4`: a hospital's FHIR R4 feed (integration tokens), one more sender into the one
intake (`service.fhir`). Answers and refusals are FHIR resources (`application/fhir+json`):
a transaction-response or batch-response Bundle, an OperationOutcome for one resource, and
OperationOutcomes naming the element (FHIRPath) for everything refused."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.auth import Integration
from api.runtime import runtime
from domain.events import nested_deeper_than
from fhir_r4.capability import capability_statement
from fhir_r4.outcome import FhirRefused, Issue, operation_outcome
from fhir_r4.parse import MAPPED_TYPES, read_submission
from fhir_r4.reader import Facts
from service.fhir import FhirRecorded, record_fhir

# Out of the OpenAPI document: a FHIR client discovers these through /fhir/r4/metadata (the
# CapabilityStatement), and their bodies are FHIR resources, not the /v1 contract (docs/fhir.md).
router = APIRouter(tags=["fhir"], include_in_schema=False)
FHIR_JSON = "application/fhir+json"
MEDIA_TYPES = (FHIR_JSON, "application/json")
MAX_NESTING = 16
"""FHIR resources nest deeper than our events (Bundle.entry.resource.code.coding ...)."""


def fhir_response(body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON, headers=headers)


def refusal(refused: FhirRefused) -> JSONResponse:
    headers = {"Retry-After": "5"} if refused.status == 503 else None
    return fhir_response(operation_outcome(refused.issues), refused.status, headers)


@router.get("/fhir/r4/metadata", summary="The FHIR CapabilityStatement: what the intake accepts",
            response_class=JSONResponse)
async def metadata(request: Request) -> JSONResponse:
    rt = runtime(request)
    return fhir_response(capability_statement(rt.fhir_mapping, request.app.version, rt.intake.today().isoformat()),
                         200)


@router.post("/fhir/r4", summary="Record a FHIR Bundle (transaction, batch or collection)",
             response_class=JSONResponse)
@router.post("/fhir/r4/", response_class=JSONResponse)  # the base as FHIR clients join it, with its slash
async def post_bundle(request: Request, token: Integration) -> JSONResponse:
    return await _post(request, token.name, None)


@router.post("/fhir/r4/{resource_type}", summary="Record one FHIR resource", response_class=JSONResponse,
             description=f"Accepted types: {', '.join(MAPPED_TYPES)}.")
async def post_resource(request: Request, resource_type: str, token: Integration) -> JSONResponse:
    return await _post(request, token.name, resource_type)


@router.put("/fhir/r4/{resource_type}/{resource_id}", summary="Record a version of one FHIR resource",
            response_class=JSONResponse)
async def put_resource(request: Request, resource_type: str, resource_id: str, token: Integration) -> JSONResponse:
    """FHIR's update: the same as a POST of the resource, whose `id` must be the one of the URL."""
    return await _post(request, token.name, resource_type, resource_id)


async def _post(request: Request, sender: str, resource_type: str | None, url_id: str | None = None) -> JSONResponse:
    rt = runtime(request)
    try:
        data = await _read(request, rt.config.api_max_body_bytes)
        if url_id is not None and (not isinstance(data, dict) or data.get("id") != url_id):
            raise FhirRefused(400, [Issue("invalid", "the resource's id must be the id of the URL",
                                          f"{resource_type}.id")])
        submission = read_submission(data, resource_type)
        recorded = await record_fhir(rt.intake, rt.fhir_mapping, submission, sender)
    except FhirRefused as refused:
        return refusal(refused)
    if submission.bundle_type is None:
        return _one(recorded)
    return fhir_response(_response_bundle(recorded, submission.bundle_type, len(submission.entries)), 200)


async def _read(request: Request, max_bytes: int) -> Any:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        raise FhirRefused(415, [Issue("not-supported", f"send {FHIR_JSON} (or application/json)")])
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise FhirRefused(413, [Issue("too-costly", f"the body is over {max_bytes} bytes (split the Bundle)")])
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        message = f"{error.msg} at line {error.lineno}" if isinstance(error, json.JSONDecodeError) else "not JSON"
        raise FhirRefused(400, [Issue("structure", f"malformed JSON: {message}")]) from None
    if nested_deeper_than(data, MAX_NESTING):
        raise FhirRefused(400, [Issue("structure", f"nested more than {MAX_NESTING} deep")])
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _one(recorded: FhirRecorded) -> JSONResponse:
    [fact] = recorded.facts
    changed = recorded.changed(fact)
    status = 202 if changed and recorded.pending() else 201 if changed else 200
    location = f"{fact.resource_type}/{fact.resource_id}" + (f"/_history/{fact.version}" if fact.version else "")
    return fhir_response(operation_outcome([_informational(recorded, fact, changed)]), status,
                         {"Location": location})


def _informational(recorded: FhirRecorded, fact: Facts, changed: bool) -> Issue:
    what = "recorded" if changed else "the treatment it names was in force that day already: no new start" \
        if recorded.restated(fact) else "already recorded with the same content: nothing changed"
    delivery = "; the pathway takes it later (delivery pending)" if changed and recorded.pending() else ""
    return Issue("informational", what + delivery, severity="information")


def _response_bundle(recorded: FhirRecorded, bundle_type: str, count: int) -> dict[str, Any]:
    """One response entry per request entry, in order (FHIR's rule for transaction and batch)."""
    by_path = {f.path: f for f in recorded.facts}
    entries = []
    for index in range(count):
        fact = by_path.get(f"Bundle.entry[{index}].resource")
        if fact is None:  # a Patient: it identified the others, nothing of it is kept
            entries.append({"response": {"status": "200 OK"}})
            continue
        changed = recorded.changed(fact)
        location = f"{fact.resource_type}/{fact.resource_id}" + (f"/_history/{fact.version}" if fact.version else "")
        entries.append({"response": {"status": "201 Created" if changed else "200 OK", "location": location,
                                     "outcome": operation_outcome([_informational(recorded, fact, changed)])}})
    kind = "transaction-response" if bundle_type == "transaction" else "batch-response"
    return {"resourceType": "Bundle", "type": kind, "entry": entries}

