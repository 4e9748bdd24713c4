"""Search attributes of a pathway: coded values only (stage, molecule code, centre id,
dates, counts), never free text or names, since the server stores and shows them in
clear even when payloads are encrypted. The values come with each settle
(`contracts.pathway.IndexValues`); a run upserts only those that changed.

Ready-made queries (Temporal UI search box, or `temporal workflow list --query '…'`):
    PathwayStage = "risk_therapy"
    PathwayMolecule = "natalizumab" AND PathwayOverdueKinds = "treatment_validation" AND PathwayCentre = "C13"
    PathwayOverdueCount > 0 AND PathwayEnded = false
    PathwayNextDueAt < "2027-01-01T00:00:00Z"
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey, SearchAttributePair, SearchAttributeUpdate

from contracts.pathway import IndexValues

STAGE = SearchAttributeKey.for_keyword("PathwayStage")
MOLECULE = SearchAttributeKey.for_keyword("PathwayMolecule")
CENTRE = SearchAttributeKey.for_keyword("PathwayCentre")
NEXT_DUE_AT = SearchAttributeKey.for_datetime("PathwayNextDueAt")
OVERDUE_COUNT = SearchAttributeKey.for_int("PathwayOverdueCount")
OVERDUE_KINDS = SearchAttributeKey.for_keyword_list("PathwayOverdueKinds")
ENDED = SearchAttributeKey.for_bool("PathwayEnded")

ALL: tuple[SearchAttributeKey, ...] = (STAGE, MOLECULE, CENTRE, NEXT_DUE_AT, OVERDUE_COUNT, OVERDUE_KINDS, ENDED)
_KEY_BY_FIELD = {"stage": STAGE, "molecule": MOLECULE, "centre": CENTRE, "next_due_at": NEXT_DUE_AT,
                 "overdue_count": OVERDUE_COUNT, "overdue_kinds": OVERDUE_KINDS, "ended": ENDED}

_TYPE_NAMES = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "INT": "Int", "KEYWORD_LIST": "KeywordList", "BOOL": "Bool"}


def dev_server_flags() -> list[str]:
    """`temporal server start-dev` flags registering every attribute."""
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={_TYPE_NAMES[key.indexed_value_type.name]}"]
    return flags


def changes(values: IndexValues, previous: IndexValues | None) -> list[SearchAttributeUpdate | SearchAttributePair]:
    """The upserts that take the run from `previous` (None: nothing set yet) to `values`."""
    updates = []
    for field, key in _KEY_BY_FIELD.items():
        value = getattr(values, field)
        if previous is not None and getattr(previous, field) == value:
            continue
        if value is None or value == ():
            updates.append(key.value_unset())
        else:
            updates.append(key.value_set(list(value) if isinstance(value, tuple) else value))
    return updates
