"""Search attributes of a pathway. The Temporal server stores them in clear, serves them to
any client and shows them in the UI, even though payloads are encrypted: so they carry
nothing that reveals a diagnosis, a treatment or a score (no stage, no molecule, not even a
keyed hash of one: a handful of molecules, each shared by many patients, would be told
apart by how often each hash occurs; no kinds of overdue items: a treatment validation
names a risky therapy). What is left is what engineers find pathways by: the centre, the
earliest due date of an open item, how many are overdue, whether the pathway has ended.
The values come with each settle (`contracts.pathway.IndexValues`); a run upserts only
those that changed.

Ready-made queries (Temporal UI search box, or `temporal workflow list --query '…'`):
    PathwayCentre = "C13" AND PathwayOverdueCount > 0
    PathwayOverdueCount > 0 AND PathwayEnded = false
    PathwayNextDueAt < "2027-01-01T00:00:00Z" AND PathwayEnded = false
What is overdue, and why, is for staff: the worklist (`pathway worklist`, GET /v1/worklist).
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey, SearchAttributePair, SearchAttributeUpdate

from contracts.pathway import IndexValues

CENTRE = SearchAttributeKey.for_keyword("PathwayCentre")
NEXT_DUE_AT = SearchAttributeKey.for_datetime("PathwayNextDueAt")
OVERDUE_COUNT = SearchAttributeKey.for_int("PathwayOverdueCount")
ENDED = SearchAttributeKey.for_bool("PathwayEnded")

ALL: tuple[SearchAttributeKey, ...] = (CENTRE, NEXT_DUE_AT, OVERDUE_COUNT, ENDED)
_KEY_BY_FIELD = {"centre": CENTRE, "next_due_at": NEXT_DUE_AT, "overdue_count": OVERDUE_COUNT, "ended": ENDED}

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
        updates.append(key.value_unset() if value is None else key.value_set(value))
    return updates
