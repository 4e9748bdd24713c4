"""The staff worklist: open obligations across patients, from the read model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.auth import Staff
from api.models import WorklistItem, WorklistPage
from api.params import DATE_DOC, ISO_DATE_PATTERN, no_unknown_query, to_date
from api.problems import problem_responses
from api.runtime import runtime
from domain.events import PATIENT_REF_PATTERN
from domain.plan import ObligationKind, Status

router = APIRouter(tags=["worklist"], dependencies=[Depends(no_unknown_query)])
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000

DueBound = Annotated[str | None, Query(pattern=ISO_DATE_PATTERN, json_schema_extra=DATE_DOC)]


@router.get("/v1/worklist", response_model=WorklistPage, summary="Obligations across patients, by due date",
            responses=problem_responses(401, 403, 422, 429, 503))
async def get_worklist(
    request: Request,
    token: Staff,
    centre: Annotated[str | None, Query(pattern=PATIENT_REF_PATTERN, description="centre_id of the care team")] = None,
    neurologist: Annotated[str | None, Query(pattern=PATIENT_REF_PATTERN, description="neurologist_id")] = None,
    status: Annotated[list[Status] | None, Query(description=(
        "Repeatable; default: the open statuses (upcoming, due, overdue, defaulted). `overdue` means past "
        "the due date, `defaulted` items included (each row's `status` says which); `defaulted` narrows "
        "to those."))] = None,
    kind: Annotated[list[ObligationKind] | None, Query(description="Repeatable")] = None,
    due_before: Annotated[DueBound, Query(description="due_on on or before this date")] = None,
    due_after: Annotated[DueBound, Query(description="due_on on or after this date")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> WorklistPage:
    # One row more than asked tells whether there is a next page.
    rows = await runtime(request).worklist.open_obligations(
        centre_id=centre, neurologist_id=neurologist, status=status, kind=kind,
        due_before=to_date(due_before, "due_before"), due_after=to_date(due_after, "due_after"),
        limit=limit + 1, offset=offset,
    )
    more = len(rows) > limit
    return WorklistPage(items=[WorklistItem(**r) for r in rows[:limit]], limit=limit, offset=offset,
                        next_offset=offset + limit if more else None)
