"""Reading FHIR R4 JSON into validated resources (`fhir.resources`' R4B models: R4B changed
none of the resources mapped here from R4 4.0.1), each refusal an `Issue` naming the element
by FHIRPath (`Bundle.entry[2].resource.onsetDateTime`)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from fhir_r4.outcome import FhirRefused, Issue

MAPPED_TYPES = ("Condition", "MedicationStatement", "MedicationAdministration", "MedicationRequest", "Procedure",
                "ImagingStudy", "Encounter", "Observation", "CareTeam", "Patient")
"""The resource types the intake reads (the CapabilityStatement lists these); any other is refused."""
BUNDLE_TYPES = ("transaction", "batch", "collection")
ENTRY_METHODS = ("POST", "PUT")


@dataclass(frozen=True)
class Entry:
    path: str
    """FHIRPath of the resource: `Condition` alone, `Bundle.entry[3].resource` in a Bundle."""
    resource: Resource
    full_url: str | None = None


@dataclass(frozen=True)
class Submission:
    entries: tuple[Entry, ...]
    bundle_type: str | None
    """None for a single resource."""


def fhir_path(prefix: str, location: Sequence[Any]) -> str:
    """`prefix` then a pydantic error location as FHIRPath: `entry, 0, code` -> `.entry[0].code`."""
    path = prefix
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _model_of(resource_type: str) -> type[Resource]:
    module = importlib.import_module(f"fhir.resources.R4B.{resource_type.lower()}")
    return getattr(module, resource_type)


def _unsupported(resource_type: object, path: str) -> Issue:
    shown = resource_type if isinstance(resource_type, str) and len(resource_type) <= 64 else "(unreadable)"
    return Issue("not-supported", f"resource type {shown} is not mapped to the pathway; accepted: "
                 f"{', '.join(MAPPED_TYPES)} (see /fhir/r4/metadata)", path)


def read_resource(data: Any, path: str, expected: str | None = None) -> Resource:
    """One resource, validated. Raises `FhirRefused` (404 for an unknown type on its own
    endpoint, 422 for a type the mapping lacks or an invalid element)."""
    if not isinstance(data, dict) or "resourceType" not in data:
        raise FhirRefused(400, [Issue("structure", "expected a FHIR resource (a JSON object with resourceType)",
                                      path)])
    resource_type = data["resourceType"]
    if expected is not None and resource_type != expected:
        raise FhirRefused(400, [Issue("invalid", f"resourceType must be {expected} on this endpoint",
                                      f"{path}.resourceType")])
    if resource_type not in MAPPED_TYPES:
        raise FhirRefused(404 if expected else 422, [_unsupported(resource_type, path)])
    try:
        return _model_of(resource_type).model_validate(data)
    except ValidationError as error:
        raise FhirRefused(422, _issues(error, path)) from None
    except (KeyError, TypeError, ValueError):  # the library's own lookups (a contained resource of unknown type)
        raise FhirRefused(422, [Issue("structure", "not a valid FHIR R4 resource", path)]) from None


def _issues(error: ValidationError, prefix: str) -> list[Issue]:
    return [Issue("required" if e["type"] == "missing" else "structure" if e["type"] == "extra_forbidden" else "value",
                  str(e["msg"]).removeprefix("Value error, "), fhir_path(prefix, e["loc"]))
            for e in error.errors()[:20]]


def read_submission(data: Any, resource_type: str | None = None) -> Submission:
    """A Bundle (`resource_type` None, the base endpoint) or one resource of `resource_type`.
    Every entry is read before any is used: raises `FhirRefused` with every issue found."""
    if resource_type is not None:
        return Submission((Entry(resource_type, read_resource(data, resource_type, resource_type)),), None)
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise FhirRefused(400, [Issue("invalid", "POST /fhir/r4 takes a Bundle; send a single resource to "
                                      "/fhir/r4/{type}", "Bundle.resourceType")])
    raw_entries = data.get("entry")
    shell = {**data, "entry": [{k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e
                               for e in raw_entries]} if isinstance(raw_entries, list) else data
    try:
        bundle = Bundle.model_validate(shell)
    except ValidationError as error:
        raise FhirRefused(422, _issues(error, "Bundle")) from None
    except (KeyError, TypeError, ValueError):
        raise FhirRefused(422, [Issue("structure", "not a valid FHIR R4 Bundle", "Bundle")]) from None
    issues = _bundle_issues(bundle)
    entries = []
    for i, entry in enumerate(bundle.entry or []):
        path = f"Bundle.entry[{i}].resource"
        try:
            entries.append(Entry(path, read_resource(raw_entries[i].get("resource"), path), entry.fullUrl))
        except FhirRefused as refused:
            issues += refused.issues
    if issues:
        raise FhirRefused(422, issues)
    return Submission(tuple(entries), bundle.type)


def _bundle_issues(bundle: Bundle) -> list[Issue]:
    issues = []
    if bundle.type not in BUNDLE_TYPES:
        issues.append(Issue("not-supported", f"Bundle.type must be one of {', '.join(BUNDLE_TYPES)}", "Bundle.type"))
    if not bundle.entry:
        issues.append(Issue("required", "a Bundle needs at least one entry", "Bundle.entry"))
    for i, entry in enumerate(bundle.entry or []):
        if bundle.type in ("transaction", "batch") and (entry.request is None or entry.request.method not in
                                                         ENTRY_METHODS):
            issues.append(Issue("not-supported", f"each entry is created or updated: request.method "
                                f"{' or '.join(ENTRY_METHODS)}", f"Bundle.entry[{i}].request.method"))
    return issues
