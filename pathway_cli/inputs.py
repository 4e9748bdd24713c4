"""Reading events from a file or stdin, validated before anything reaches Temporal."""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from datetime import date

from pydantic import ValidationError

from contracts.pathway import MAX_EVENTS_PER_REQUEST
from domain.calendar import iso_date
from domain.errors import EventRefused, quoted
from domain.events import (
    MAX_NESTING,
    ClinicalEvent,
    check_admissible,
    describe_errors,
    nested_deeper_than,
    parse_event,
)


class InvalidInput(Exception):
    """Refused input, with one line per problem (event index and field)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def calendar_date(text: str) -> date:
    """An argparse type: a calendar date written YYYY-MM-DD, refused in the user's words."""
    try:
        return iso_date(text)  # the API's and the events' one definition: YYYY-MM-DD only, no epoch
    except ValueError:
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not a calendar date; write it YYYY-MM-DD, "
                                         "e.g. 2027-03-01") from None


def whole_number(text: str) -> int:
    """An argparse type: a whole number, 0 or more."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (0, 1, 2, …)")
    return int(text)


def parse_events_text(text: str, today: date) -> list[ClinicalEvent]:
    """One event object, a list of them, or {"events": [...]}; all or nothing."""
    too_deep = InvalidInput([f"objects and arrays nested more than {MAX_NESTING} deep (events nest at most 4)"])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput([f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"]) from None
    except RecursionError:
        raise too_deep from None
    if nested_deeper_than(data):
        raise too_deep
    items = data["events"] if isinstance(data, dict) and set(data) == {"events"} else data
    items = items if isinstance(items, list) else [items]
    if not items:
        raise InvalidInput(["no event given"])
    if len(items) > MAX_EVENTS_PER_REQUEST:
        raise InvalidInput([f"at most {MAX_EVENTS_PER_REQUEST} events at once, got {len(items)}"])
    events, problems = [], []
    for index, item in enumerate(items):
        prefix = f"event {index}" if len(items) > 1 else "event"
        try:
            event = parse_event(item)
            check_admissible(event, today)
            events.append(event)
        except ValidationError as error:
            problems += [f"{prefix}: {p['field']}: {p['message']}" for p in describe_errors(error)]
        except EventRefused as error:
            problems.append(f"{prefix}: {error.field}: {error}")
    _check_duplicates(events, problems)
    if problems:
        raise InvalidInput(problems)
    return events


def _check_duplicates(events: list[ClinicalEvent], problems: list[str]) -> None:
    first: dict[str, ClinicalEvent] = {}
    for event in events:
        earlier = first.setdefault(event.event_id, event)
        if earlier is not event and earlier != event:
            problems.append(f"event_id {event.event_id}: used twice for different events")


def by_patient(events: list[ClinicalEvent]) -> dict[str, list[ClinicalEvent]]:
    grouped: dict[str, list[ClinicalEvent]] = defaultdict(list)
    for event in events:
        grouped[event.patient_ref].append(event)
    return dict(grouped)
