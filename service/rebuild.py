"""Rebuild one patient's pathway from the event store (`pathway rebuild P`), and check that
what staff see (the read model) and what the run holds agree with the stored events.

A rebuild repairs whatever state the run is in: none or closed (a new run starts from the
store), running (it settles again from the store), running but unresponsive (stuck on a
failing workflow task, say: it is terminated and replaced, which is safe because the store
holds every event and the reminder log every delivery), or the pathway ended (a running
run completes; the plan is published from the store).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from temporalio.client import WorkflowExecutionStatus

from contracts.pathway import PlanSummary
from domain.history import centre_of
from domain.planner import compute_plan
from service import gateway
from service.handoff import Handoff
from store.event_store import EventStore
from store.read_model import ReadModel


@dataclass(frozen=True)
class RebuildReport:
    patient_ref: str
    stored_events: int
    run_before: str
    """The run's status before (`RUNNING`, `TERMINATED`, …, or `none`)."""
    action: str
    """`checked`, `restarted`, `resynced`, `replaced` (an unresponsive run), `closed` (ended)."""
    differences: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.differences


async def rebuild(handoff: Handoff, events: EventStore, read_model: ReadModel, patient_ref: str,
                  check_only: bool = False) -> RebuildReport:
    """Raises `LookupError` if the store has no event for the patient."""
    record = await events.pathway(patient_ref)
    if record is None or record.events == 0:
        raise LookupError(f"no stored event for patient {patient_ref}")
    status, _ = await gateway.run_status(handoff.client, patient_ref)
    before = status.name if status is not None else "none"
    action, summary = "checked", None
    if not check_only:
        action, summary = await _repair(handoff, record, status)
    differences = await _differences(handoff, events, read_model, patient_ref, summary)
    return RebuildReport(patient_ref, record.events, before, action, differences)


async def _repair(handoff: Handoff, record, status) -> tuple[str, PlanSummary]:
    running = status == WorkflowExecutionStatus.RUNNING
    action = "closed" if record.ended_by else "resynced" if running else "restarted"
    summary = await handoff.deliver(record, reason="rebuild", fresh=True)
    if summary is None and running:
        await gateway.terminate(handoff.client, record.patient_ref,
                                f"rebuilt from the event store: the run did not answer within {handoff.timeout_s:g} s")
        action, summary = "replaced", await handoff.deliver(record, reason="rebuild", fresh=True)
    if summary is None:
        raise LookupError(f"the pathway of {record.patient_ref} did not answer within {handoff.timeout_s:g} s; "
                          "is a worker running?")
    return action, summary


async def _differences(handoff: Handoff, events: EventStore, read_model: ReadModel, patient_ref: str,
                       summary: PlanSummary | None) -> list[str]:
    """What staff see (the read model) against the plan of the stored events on the same day."""
    record = await events.pathway(patient_ref)
    patient = await read_model.patient(patient_ref)
    if patient is None:
        return ["the read model has no plan for this patient"]
    found = []
    if record is not None and patient["plan_version"] != record.stored_seq:
        found.append(f"the read model's plan covers the store up to {patient['plan_version']}, "
                     f"the store goes to {record.stored_seq}")
    stored = await events.for_patient(patient_ref)
    expected = compute_plan(patient_ref, stored, patient["as_of"], handoff.rulesets.for_centre(centre_of(stored)))
    found += _header_differences(expected, patient)
    found += obligation_differences(expected, await read_model.obligations(patient_ref))
    if summary is not None and summary.events_recorded != len(stored):
        found.append(f"the run settled {summary.events_recorded} events, the store holds {len(stored)}")
    return found


def _header_differences(expected, patient: dict) -> list[str]:
    pairs = {"stage": (expected.stage.value if expected.stage else None, patient["stage"]),
             "molecule": (expected.molecule, patient["molecule"]), "ended": (expected.ended, patient["ended"])}
    return [f"{name}: stored events give {want!r}, the read model has {have!r}"
            for name, (want, have) in pairs.items() if want != have]


def obligation_differences(expected, rows: list[dict]) -> list[str]:
    """Obligations of a plan against read-model rows: missing, extra, or different."""
    have = {r["obligation_id"]: r for r in rows}
    found = []
    for o in expected.obligations:
        row = have.pop(o.id, None)
        if row is None:
            found.append(f"obligation {o.id}: missing from the read model")
        elif (row["rule"], row["kind"], row["due_on"], row["status"], row["satisfied_by"]) != \
                (o.rule, o.kind.value, o.due_on, o.status.value, o.satisfied_by):
            found.append(f"obligation {o.id}: the read model has {row['status']} due {row['due_on']}, "
                         f"the stored events give {o.status.value} due {o.due_on}")
    found += [f"obligation {oid}: in the read model, not in the stored events' plan" for oid in have]
    return found
