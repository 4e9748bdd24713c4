"""Clinical events for tests, built as clients send them: JSON-shaped data (`event_data`, what
the API and the CLI receive) or parsed through the domain's strict models (`event`), so every
test exercises the contract's own path. Every suite builds its events here."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from domain.events import ClinicalEvent, parse_event
from domain.planner import local_date

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
"""The example files the README uses."""

_ids = itertools.count(1)

Day = date | str


def day(value: Day) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def today() -> date:
    """The centre's date now (Europe/Paris), as the intake checks `occurred_on` against."""
    return local_date(datetime.now(UTC))


def event_data(type_: str, on: Day | None = None, *, patient_ref: str, event_id: str | None = None,
               **fields: Any) -> dict[str, Any]:
    """One event as JSON-shaped data; `event_id` defaults to a fresh one; `on` to today."""
    return {"event_id": event_id or f"{patient_ref}-{type_}-{next(_ids)}-{uuid.uuid4().hex[:6]}",
            "patient_ref": patient_ref, "type": type_, "occurred_on": day(on or today()).isoformat(),
            **{k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}}


def event(type_: str, on: Day | None = None, *, patient_ref: str, event_id: str | None = None,
          **fields: Any) -> ClinicalEvent:
    """One event through `parse_event`, as the intake validates it."""
    return parse_event(event_data(type_, on, patient_ref=patient_ref, event_id=event_id, **fields))
