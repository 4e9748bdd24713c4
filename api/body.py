"""Reading and validating a request body before anything touches Temporal or PostgreSQL:
size caps, strict JSON, then every event through the domain's strict models and the
clinic's date. Any problem refuses the whole request, naming each bad field."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request
from pydantic import ValidationError

from api.models import MAX_BATCH
from api.problems import ApiProblem, FieldError
from domain.errors import EventRefused, quoted, shown
from domain.events import MAX_NESTING, ClinicalEvent, check_admissible, describe_errors, nested_deeper_than, parse_event

JSON_TYPES = ("application/json",)
EARLIEST_DATE = date(1900, 1, 1)
"""Clinical dates before this are refused: none is real, and the planner's date arithmetic
(look-backs of months before a start) fails near year 1."""


@dataclass(frozen=True)
class Submission:
    events: list[ClinicalEvent]
    batch: bool
    """`{"events": [...]}` (answered with one summary per patient) rather than one event."""


def _refused(errors: list[FieldError], detail: str = "nothing was recorded; fix the fields named and resend") -> ApiProblem:
    return ApiProblem(422, "invalid-events", "Invalid events", detail, errors)


def _too_large(detail: str) -> ApiProblem:
    return ApiProblem(413, "too-large", "Content Too Large", detail)


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The body, refused with 415 unless JSON and 413 beyond `max_bytes` (checked as it streams in)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in JSON_TYPES:
        raise ApiProblem(415, "unsupported-media-type", "Unsupported Media Type", "send the events as application/json")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(f"the body is {declared} bytes; at most {max_bytes} are taken (split the batch)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(f"the body is over {max_bytes} bytes (split the batch)")
        chunks.append(chunk)
    return b"".join(chunks)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        repeated = sorted(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
        raise ValueError(f"an object repeats the key(s) {', '.join(map(quoted, repeated[:5]))}")
    return data


def load_json(body: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN/Infinity, no key given twice in an object, nested at most
    `MAX_NESTING` deep (400 otherwise, however deep: nothing walks it recursively first)."""
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_no_constants, object_pairs_hook=_no_repeated_keys)
    except UnicodeDecodeError:
        raise ApiProblem(400, "malformed-json", "Malformed JSON", "the body is not UTF-8") from None
    except json.JSONDecodeError as error:
        raise ApiProblem(400, "malformed-json", "Malformed JSON",
                         f"{error.msg} at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError as error:
        raise ApiProblem(400, "malformed-json", "Malformed JSON", shown(error, 200)) from None
    if nested_deeper_than(data):
        raise _too_deep()
    return data


def _too_deep() -> ApiProblem:
    return ApiProblem(400, "malformed-json", "Malformed JSON",
                      f"objects and arrays nested more than {MAX_NESTING} deep; events nest at most 4 "
                      '({"events": [{"regions": [...]}]})')


def _items(data: Any) -> tuple[list[Any], bool]:
    if isinstance(data, dict) and "events" in data:
        unknown = sorted(set(data) - {"events"})
        if unknown:
            raise _refused([FieldError(field=shown(k), message="extra inputs are not permitted") for k in unknown[:20]])
        if not isinstance(data["events"], list) or not data["events"]:
            raise _refused([FieldError(field="events", message="must be a non-empty list of events")])
        if len(data["events"]) > MAX_BATCH:
            raise _too_large(f"{len(data['events'])} events in one batch; at most {MAX_BATCH} (split the batch)")
        return data["events"], True
    if not isinstance(data, dict):
        raise _refused([FieldError(field="(body)", message='expected one event object or {"events": [...]}')])
    return [data], False


def _unstorable(value: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Paths of strings PostgreSQL cannot store (NUL) or UTF-8 cannot encode (a lone surrogate
    from a JSON escape such as \\ud800). The schema allows them; the event store does not,
    and an event the workflow took but the store refuses would be retried forever."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [".".join(path) or "(event)"]
        return [".".join(path) or "(event)"] if "\x00" in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _unstorable(k, path) + _unstorable(v, (*path, shown(k)))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _unstorable(v, (*path, str(i)))]
    return []


def _check_one(item: Any, index: int | None, today: date) -> tuple[ClinicalEvent | None, list[FieldError]]:
    unstorable = _unstorable(item)
    if unstorable:
        return None, [FieldError(index=index, field=f, message="must not contain NUL characters or unpaired surrogates")
                      for f in dict.fromkeys(unstorable)]
    try:
        event = parse_event(item)
        check_admissible(event, today)
    except ValidationError as error:
        return None, [FieldError(index=index, field=p["field"], message=p["message"]) for p in describe_errors(error)]
    except EventRefused as error:
        return None, [FieldError(index=index, field=error.field, message=str(error))]
    too_early = _too_early(event, index)
    return (None, too_early) if too_early else (event, [])


def _too_early(event: ClinicalEvent, index: int | None) -> list[FieldError]:
    return [FieldError(index=index, field=name, message=f"must not be before {EARLIEST_DATE.isoformat()}")
            for name, value in event if isinstance(value, date) and value < EARLIEST_DATE]


def _repeated_ids(events: list[tuple[int | None, ClinicalEvent]]) -> list[FieldError]:
    first: dict[str, ClinicalEvent] = {}
    errors = []
    for index, event in events:
        earlier = first.setdefault(event.event_id, event)
        if earlier != event:
            errors.append(FieldError(index=index, field="event_id",
                                     message=f"event_id {shown(event.event_id)} is used earlier in the batch for a "
                                             "different event"))
    return errors


def parse_submission(body: bytes, today: date) -> Submission:
    items, batch = _items(load_json(body))
    events: list[tuple[int | None, ClinicalEvent]] = []
    errors: list[FieldError] = []
    for position, item in enumerate(items):
        index = position if batch else None
        event, problems = _check_one(item, index, today)
        errors += problems
        if event is not None:
            events.append((index, event))
    errors += _repeated_ids(events)
    if errors:
        raise _refused(errors)
    return Submission(events=[e for _, e in events], batch=batch)
