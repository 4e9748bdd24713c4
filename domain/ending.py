"""Whether a pathway has ended, as a fact of its events (`PATHWAY_RULES.md`, "Clarifications").

Follow-up ends with a `follow_up_ended` event. Once it has ended, every other event is
refused, in the same batch as in later requests; the one event still taken is the
retraction of that end, which reopens the pathway as if it had never ended. The event
store applies this rule when it appends, so whether a pathway has ended is decided by the
stored events alone, never by the state of a workflow run.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.errors import PathwayEnded
from domain.events import ClinicalEvent, EventRetracted, FollowUpEnded


def end_after(ended_by: str | None, events: Sequence[ClinicalEvent]) -> str | None:
    """The id of the `follow_up_ended` in force after taking `events` in order (None: the
    pathway is open), starting from `ended_by`.

    Raises `PathwayEnded` (field `type`) at the first event that comes while the pathway is
    ended and is not the retraction of its end.
    """
    for event in events:
        if ended_by is None:
            if isinstance(event, FollowUpEnded):
                ended_by = event.event_id
        elif isinstance(event, EventRetracted) and event.retracted_event_id == ended_by:
            ended_by = None
        else:
            raise PathwayEnded(
                f"follow-up of patient {event.patient_ref} has ended (event {ended_by}); event {event.event_id} "
                f"is refused. Only the retraction of that end (event_retracted of {ended_by}) is taken.",
                field="type",
            )
    return ended_by


def end_in_force(events: Sequence[ClinicalEvent]) -> str | None:
    """The `follow_up_ended` still in force among events already stored (the latest one that no
    stored retraction names), without refusing anything: for stores filled before the rule."""
    retracted = {e.retracted_event_id for e in events if isinstance(e, EventRetracted)}
    ends = [e.event_id for e in events if isinstance(e, FollowUpEnded) and e.event_id not in retracted]
    return ends[-1] if ends else None
