"""Reading events from a file or stdin, validated before anything reaches Temporal."""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from datetime import date

from pydantic import ValidationError

from contracts.pathway import MAX_EVENTS_PER_REQUEST
from domain.errors import EventRefused
from domain.events import ClinicalEvent, check_admissible, describe_errors, parse_event


class InvalidInput(Exception):
    """Refused input, with one line per problem (event index and field)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def calendar_date(text: str) -> date:
    """An argparse type: a calendar date written YYYY-MM-DD, refused in the user's words."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a calendar date; write it YYYY-MM-DD, e.g. 2027-03-01")


def whole_number(text: str) -> int:
    """An argparse type: a whole number, 0 or more."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (0, 1, 2, …)")
    return int(text)


def parse_events_text(text: str, today: date) -> list[ClinicalEvent]:
    """One event object, a list of them, or {"events": [...]}; all or nothing."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput([f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"]) from None
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
