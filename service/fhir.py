"""Recording a FHIR R4 submission (a Bundle or one resource) through the one intake.

The adapter (`fhir_r4`) reads the resources into facts; here the patients' stored events say
which earlier versions are still in force, `fhir_r4.corrections` turns the facts into events
(retractions of earlier versions, entered-in-error), and `service.intake.record` validates,
appends and hands them off exactly as for `POST /v1/events`: the same idempotency, the same
all-or-nothing per patient, the same plans. Every refusal is a `FhirRefused` naming the FHIR
element (nothing stored for a refused patient).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import PathwayEnded
from domain.fhir_mapping import FhirMapping
from fhir_r4.corrections import Events, event_id, to_events
from fhir_r4.outcome import FhirRefused, Issue
from fhir_r4.parse import Submission
from fhir_r4.reader import Facts, read_facts
from service.intake import Intake, InvalidEvents, Outcome, record
from store.db import DatabaseUnavailable
from store.event_store import EventConflict


@dataclass(frozen=True)
class FhirRecorded:
    facts: list[Facts]
    events: Events
    outcomes: list[Outcome]

    def accepted(self) -> set[str]:
        return {eid for o in self.outcomes if o.recorded for eid in o.recorded.summary.accepted}

    def pending(self) -> bool:
        return any(o.recorded and o.recorded.summary.delivery == "pending" for o in self.outcomes)

    def restated(self, fact: Facts) -> bool:
        """Whether the start this resource implies was left out: its treatment was in force already."""
        return any(event_id(fact, e.role) in self.events.restated for e in fact.events)

    def changed(self, fact: Facts) -> bool:
        """Whether this resource recorded something new (an event or a retraction)."""
        accepted = self.accepted()
        ids = {event_id(fact, e.role) for e in fact.events} | {
            eid for eid, origin in self.events.origins.items() if origin.path == fact.path}
        return bool(ids & accepted)


async def record_fhir(intake: Intake, mapping: FhirMapping, submission: Submission, sender: str | None) -> FhirRecorded:
    """Read, map and record `submission`. Raises `FhirRefused`: 422 (the mapping or the
    contract refuses an element), 409 (an event id stored with other content, a pathway
    ended), 503 (PostgreSQL unreachable); the patients named in it had nothing stored."""
    facts = read_facts(submission, mapping)
    refs = sorted({f.patient_ref for f in facts})
    try:
        stored = await intake.events.of_patients(refs)
    except DatabaseUnavailable:
        raise FhirRefused(503, [Issue("transient", "PostgreSQL cannot be reached; nothing was recorded; retry "
                                      "later")]) from None
    events = to_events(facts, stored, intake.today(), intake.rulesets.default)
    try:
        outcomes = await record(intake, events.events, sender)
    except InvalidEvents as invalid:
        raise FhirRefused(422, [Issue("business-rule", r.message, events.origins[r.event_id].element(r.field))
                                for r in invalid.refusals]) from None
    failed = [o for o in outcomes if o.error is not None]
    if failed:
        refused = _refused(failed, events)
        recorded = len(outcomes) - len(failed)
        if recorded:  # each patient is all or nothing: say what was kept
            refused = FhirRefused(refused.status, [*refused.issues, Issue(
                "informational", f"the resources of {recorded} other patient(s) were recorded; sending the whole "
                "Bundle again is safe (recorded versions are duplicates)", severity="information")])
        raise refused
    return FhirRecorded(facts, events, outcomes)


def _refused(failed: list[Outcome], events: Events) -> FhirRefused:
    """The worst status first (503, then 409, then 422), one issue per refused patient."""
    issues, statuses = [], set()
    for outcome in failed:
        error = outcome.error
        if isinstance(error, DatabaseUnavailable):
            statuses.add(503)
            issues.append(Issue("transient", "PostgreSQL cannot be reached; nothing was recorded; retry later"))
        elif isinstance(error, EventConflict):
            statuses.add(409)
            issues += [Issue("conflict", "this resource version was already recorded with other content; send "
                             "it with a new meta.versionId", events.origins[c.event_id].path
                             if c.event_id in events.origins else None) for c in error.conflicts]
        elif isinstance(error, PathwayEnded):
            statuses.add(409)
            issues.append(Issue("business-rule", str(error)))
        else:
            statuses.add(422)
            issues.append(Issue("business-rule", str(error)))
    status = next(s for s in (503, 409, 422) if s in statuses)
    return FhirRefused(status, issues)
