"""Search attributes of a pathway: coded values only (stage, molecule code, centre id,
dates, counts), never free text or names, since the server stores and shows them in
clear even when payloads are encrypted.

Ready-made queries (Temporal UI search box, or `temporal workflow list --query '…'`):
    PathwayStage = "risk_therapy"
    PathwayMolecule = "natalizumab" AND PathwayOverdueKinds = "treatment_validation" AND PathwayCentre = "C13"
    PathwayOverdueCount > 0 AND PathwayEnded = false
    PathwayNextDueAt < "2027-01-01T00:00:00Z"
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from temporalio.common import SearchAttributeKey, SearchAttributePair

from domain.plan import Plan, Status

STAGE = SearchAttributeKey.for_keyword("PathwayStage")
MOLECULE = SearchAttributeKey.for_keyword("PathwayMolecule")
CENTRE = SearchAttributeKey.for_keyword("PathwayCentre")
NEXT_DUE_AT = SearchAttributeKey.for_datetime("PathwayNextDueAt")
OVERDUE_COUNT = SearchAttributeKey.for_int("PathwayOverdueCount")
OVERDUE_KINDS = SearchAttributeKey.for_keyword_list("PathwayOverdueKinds")
ENDED = SearchAttributeKey.for_bool("PathwayEnded")

ALL: tuple[SearchAttributeKey, ...] = (STAGE, MOLECULE, CENTRE, NEXT_DUE_AT, OVERDUE_COUNT, OVERDUE_KINDS, ENDED)

_TYPE_NAMES = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "INT": "Int", "KEYWORD_LIST": "KeywordList", "BOOL": "Bool"}


def dev_server_flags() -> list[str]:
    """`temporal server start-dev` flags registering every attribute."""
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={_TYPE_NAMES[key.indexed_value_type.name]}"]
    return flags


def values_for(plan: Plan) -> dict[str, object]:
    """The attribute values a plan gives (None: unset)."""
    open_items = plan.open_obligations()
    overdue = [o for o in open_items if o.status in (Status.OVERDUE, Status.DEFAULTED)]
    next_due = min((o.due_on for o in open_items), default=None)
    return {
        STAGE.name: plan.stage.value if plan.stage else None,
        MOLECULE.name: plan.molecule,
        CENTRE.name: plan.care_team.centre_id if plan.care_team else None,
        NEXT_DUE_AT.name: datetime.combine(next_due, time(0, 0), tzinfo=UTC) if next_due else None,
        OVERDUE_COUNT.name: len(overdue),
        OVERDUE_KINDS.name: sorted({o.kind.value for o in overdue}) or None,
        ENDED.name: plan.ended is not None,
    }


def updates(values: dict[str, object]) -> list[SearchAttributePair | object]:
    by_name = {key.name: key for key in ALL}
    return [by_name[name].value_unset() if value is None else by_name[name].value_set(value)
            for name, value in values.items()]
