"""Hand-built plans: the store does not care how a plan was computed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.plan import Anomaly, CareTeam, Obligation, ObligationKind, Plan, Stage, Status


def obligation(ident: str, due_on: str, status: Status = Status.UPCOMING, kind: ObligationKind = ObligationKind.MRI,
               rule: str = "R18", **fields) -> Obligation:
    return Obligation(id=ident, rule=rule, kind=kind, due_on=date.fromisoformat(due_on), status=status, **fields)


def plan(patient_ref: str, *obligations: Obligation, neurologist_id: str | None = "N12", centre_id: str = "C13",
         **fields) -> Plan:
    team = CareTeam(neurologist_id=neurologist_id, centre_id=centre_id) if neurologist_id else None
    defaults = dict(
        as_of=date(2026, 6, 1), stage=Stage.RISK_THERAPY, molecule="natalizumab", tracks=(), care_team=team,
        next_reminder_at=datetime(2026, 7, 1, 7, 0, tzinfo=UTC), ruleset_version="2026.1",
    )
    return Plan(patient_ref=patient_ref, obligations=obligations, **{**defaults, **fields})


ANOMALY = Anomaly(code="stop_without_start", message="treatment stopped but never started", event_id="e-9")
