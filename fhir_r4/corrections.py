"""FHIR's corrections as the contract's retractions, and FHIR ids as event ids.

An event id derives from the resource's type, id and version (`meta.versionId`):
`fhir:MedicationStatement/ms-1/2#start`; the same version sent again is the same id, a
duplicate for the event store. A new version retracts the events of the versions before it
that are still in force, and records its own; `entered-in-error` retracts them and records
nothing. Pure: the caller gives the patient's stored events and the centre's date.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError

from domain.events import (
    ClinicalEvent,
    EventRetracted,
    TreatmentStarted,
    TreatmentStopped,
    describe_errors,
    parse_event,
)
from domain.history import build_timeline, select_events
from domain.ruleset import Ruleset
from fhir_r4.outcome import FhirRefused, Issue
from fhir_r4.reader import Facts

PREFIX = "fhir:"


def _short(text: str, limit: int) -> str:
    """`text`, or a digest of it when longer than `limit` (event ids are at most 128 characters)."""
    return text if len(text) <= limit else "~" + hashlib.sha256(text.encode()).hexdigest()[:limit - 2]


def resource_prefix(facts: Facts) -> str:
    """What every event id of every version of this resource starts with."""
    return f"{PREFIX}{facts.resource_type}/{_short(facts.resource_id, 64)}/"


def event_id(facts: Facts, role: str) -> str:
    version = _short(facts.version, 16) if facts.version else "-"
    return resource_prefix(facts) + version + (f"#{role}" if role else "")


def _retraction_id(facts: Facts, retracted: str) -> str:
    return event_id(facts, "") + "~retracts-" + hashlib.sha256(retracted.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Origin:
    """Where an event came from, to name the FHIR element when the intake refuses a field."""

    path: str
    fields: dict[str, str]

    def element(self, field: str | None) -> str:
        return self.fields.get(field or "", self.path)


@dataclass(frozen=True)
class Events:
    events: list[ClinicalEvent]
    origins: dict[str, Origin]
    restated: frozenset[str] = frozenset()
    """Ids of the starts a prescription or an administration implied but that were not recorded:
    the patient was on that molecule that day already."""


def to_events(facts: Sequence[Facts], stored: dict[str, list[ClinicalEvent]], today: date,
              ruleset: Ruleset) -> Events:
    """The events to record for `facts`, given each patient's `stored` events: retractions of
    the earlier versions still in force first, then every stop before the other events (a
    stop and a start on one day is a switch, R20), else in the order of the submission. A
    start that only a prescription or an administration implies is left out when, under
    `ruleset`, the patient is on that molecule that day already. Raises `FhirRefused` (422)
    naming the element of each event the contract refuses."""
    live = {ref: _in_force(events) for ref, events in stored.items()}
    retractions: list[dict] = []
    mapped: list[dict] = []
    origins: dict[str, Origin] = {}
    conditional: set[str] = set()
    for fact in facts:
        in_force = live.setdefault(fact.patient_ref, [])
        prefix = resource_prefix(fact)
        current = {event_id(fact, e.role) for e in ([] if fact.entered_in_error else fact.events)}
        for old in [i for i in in_force if i.startswith(prefix) and i not in current]:
            in_force.remove(old)
            rid = _retraction_id(fact, old)
            retractions.append({"event_id": rid, "patient_ref": fact.patient_ref, "type": "event_retracted",
                                "occurred_on": today.isoformat(), "retracted_event_id": old})
            origins[rid] = Origin(fact.path, {})
        for event in [] if fact.entered_in_error else fact.events:
            eid = event_id(fact, event.role)
            mapped.append({"event_id": eid, "patient_ref": fact.patient_ref, **event.data})
            origins[eid] = Origin(fact.path, event.paths)
            if event.unless_current:
                conditional.add(eid)
            if eid not in in_force:
                in_force.append(eid)
    events, issues = _parsed(retractions + mapped, origins)
    if issues:
        raise FhirRefused(422, issues)
    events, restated = _without_restated_starts(events, conditional, stored, ruleset)
    events.sort(key=lambda e: 0 if isinstance(e, EventRetracted) else 1 if isinstance(e, TreatmentStopped) else 2)
    return Events(events, origins, frozenset(restated))


def _without_restated_starts(events: list[ClinicalEvent], conditional: set[str], stored: dict[str, list[ClinicalEvent]],
                             ruleset: Ruleset) -> tuple[list[ClinicalEvent], set[str]]:
    """`events` less the conditional starts of a molecule the patient is on that day, taken in
    date order (the first infusion of a series starts the treatment, the next ones do not)."""
    if not conditional:
        return events, set()
    order = {e.event_id: i for i, e in enumerate(events)}
    kept = [e for e in events if e.event_id not in conditional]
    restated = set()
    for start in sorted((e for e in events if e.event_id in conditional), key=lambda e: e.occurred_on):
        history = [*stored.get(start.patient_ref, []), *(e for e in kept if e.patient_ref == start.patient_ref)]
        if _on_molecule(history, start, ruleset):
            restated.add(start.event_id)
        else:
            kept.append(start)
    return sorted(kept, key=lambda e: order[e.event_id]), restated


def _on_molecule(history: list[ClinicalEvent], start: ClinicalEvent, ruleset: Ruleset) -> bool:
    molecule = start.molecule if isinstance(start, TreatmentStarted) else None
    current = build_timeline(select_events(history, ruleset.settings, start.occurred_on).events, ruleset).current_episode
    return current is not None and molecule is not None and current.molecule == (ruleset.resolve_molecule(molecule)
                                                                                  or molecule)


def _in_force(events: Sequence[ClinicalEvent]) -> list[str]:
    retracted = {e.retracted_event_id for e in events if isinstance(e, EventRetracted)}
    return [e.event_id for e in events if e.event_id.startswith(PREFIX) and not isinstance(e, EventRetracted)
            and e.event_id not in retracted]


def _parsed(items: list[dict], origins: dict[str, Origin]) -> tuple[list[ClinicalEvent], list[Issue]]:
    events, issues = [], []
    for item in items:
        try:
            events.append(parse_event(item))
        except ValidationError as error:
            origin = origins[item["event_id"]]
            issues += [Issue("value", p["message"], origin.element(p["field"])) for p in describe_errors(error)]
    return events, issues
