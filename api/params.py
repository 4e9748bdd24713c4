"""Path and query parameters shared by the read endpoints."""

from __future__ import annotations

from datetime import date
from typing import Annotated, get_args, get_origin

from fastapi import Path, Request

from api.problems import ApiProblem, FieldError
from domain.calendar import ISO_DATE_PATTERN, iso_date
from domain.errors import shown
from domain.events import PATIENT_REF_PATTERN

__all__ = ["DATE_DOC", "ISO_DATE_PATTERN", "PatientRefPath", "no_unknown_query", "to_date"]

PatientRefPath = Annotated[str, Path(pattern=PATIENT_REF_PATTERN, description="The patient's pseudonymous id")]

DATE_DOC = {"format": "date"}


def to_date(value: str | None, name: str) -> date | None:
    """Query dates arrive as strings (so that only `YYYY-MM-DD` is taken, not a timestamp)."""
    if value is None:
        return None
    try:
        return iso_date(value)
    except ValueError as error:
        raise ApiProblem(422, "invalid-parameters", "Invalid parameters", "a query parameter is malformed",
                         [FieldError(field=name, message=str(error))]) from None


async def no_unknown_query(request: Request) -> None:
    """Refuse query parameters the route does not declare, and a single-valued one given twice:
    a misspelt filter (`?centr=C13`) or a repeated one (`?centre=A&centre=B`, of which only one
    would count) must not silently widen or change a worklist."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    declared = dict(_query_params(dependant))
    errors = [FieldError(field=shown(name), message=f"unknown query parameter; known: {', '.join(sorted(declared)) or 'none'}")
              for name in sorted(set(request.query_params) - set(declared))[:20]]
    errors += [FieldError(field=name, message="given more than once; it takes one value")
               for name, repeatable in sorted(declared.items())
               if not repeatable and len(request.query_params.getlist(name)) > 1]
    if errors:
        raise ApiProblem(422, "invalid-parameters", "Invalid parameters", "unknown or repeated query parameters", errors)


def _query_params(dependant) -> list[tuple[str, bool]]:
    """(name, repeatable) of every query parameter of a route and its dependencies."""
    params = [(p.alias, _is_list(p.field_info.annotation)) for p in dependant.query_params]
    for sub in dependant.dependencies:
        params += _query_params(sub)
    return params


def _is_list(annotation) -> bool:
    return get_origin(annotation) is list or any(get_origin(a) is list for a in get_args(annotation))
