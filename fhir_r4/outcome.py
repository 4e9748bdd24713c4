"""Refusals as FHIR OperationOutcome (http://hl7.org/fhir/R4/operationoutcome.html): each issue
names the element with a FHIRPath expression and a code of the IssueType value set
(http://hl7.org/fhir/R4/valueset-issue-type.html)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

IssueCode = Literal["invalid", "structure", "required", "value", "code-invalid", "not-supported", "business-rule",
                    "conflict", "duplicate", "processing", "transient", "security", "too-costly", "informational"]

MAX_DIAGNOSTICS = 600


@dataclass(frozen=True)
class Issue:
    code: IssueCode
    message: str
    expression: str | None = None
    """FHIRPath of the element, e.g. `Bundle.entry[2].resource.medicationCodeableConcept`."""
    severity: Literal["fatal", "error", "warning", "information"] = "error"


class FhirRefused(Exception):
    """Input refused before anything was stored: `status` is the HTTP status FHIR expects
    (400 unreadable, 404 unknown type, 409 conflict, 422 a rule or the mapping refuses)."""

    def __init__(self, status: int, issues: Sequence[Issue]) -> None:
        super().__init__("; ".join(f"{i.expression}: {i.message}" for i in issues))
        self.status = status
        self.issues = tuple(issues)


def operation_outcome(issues: Sequence[Issue]) -> dict[str, Any]:
    """The OperationOutcome resource (JSON) for `issues`; messages are cut at 600 characters,
    so nothing a sender wrote is echoed in full."""
    return {"resourceType": "OperationOutcome", "issue": [_issue(i) for i in issues]}


def _issue(issue: Issue) -> dict[str, Any]:
    message = issue.message if len(issue.message) <= MAX_DIAGNOSTICS else issue.message[:MAX_DIAGNOSTICS - 1] + "…"
    data: dict[str, Any] = {"severity": issue.severity, "code": issue.code, "diagnostics": message}
    if issue.expression:
        data["expression"] = [issue.expression]
    return data
