"""Which reminders go out now, from a settled plan and what the reminder log already holds
(`PATHWAY_RULES.md`, "Reminders" and "Clarifications").

- Each open obligation gets the latest rung whose time has come, unless that rung was
  delivered already. Earlier missed rungs (a back-dated history, a late onboarding, a
  worker outage) are not replayed one by one.
- Escalation belongs to the obligation, not to a rung: the first overdue rung that goes
  out, whichever it is, goes to the CRC coordinator too (R19); later ones do not.
- **Interpretation** of "after 6 overdue reminders the obligation is marked `defaulted`":
  the last overdue rung is what defaults the obligation, so it goes out on its own day
  only. Once that day has passed unsent (a late onboarding, an outage), the obligation is
  defaulted without a message, and no message follows it.
- **Interpretation** of the quiet go-live (issue 14): a history is imported simply by sending it
  back-dated (no import flag to forget or misuse); "the import" is when the store first received
  the patient's events. No rung before it is replayed (above); an obligation whose current rung
  at that point is an overdue one is `found_at_import`: listed once, under its own heading, in
  the recipients' next digest, and flagged on the worklist. Nothing is e-mailed during the
  import in `digest` mode: everything waits for the digest.
- A rung whose delivery waits for a recipient (no address in the directory yet) or failed
  is not delivered: it is offered again at every settle, and the plan shows an anomaly.

Everything here is pure: the caller reads the reminder log and passes what it says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from domain.plan import Anomaly, Obligation, Plan, Recipient, ReminderStep
from domain.planner import local_date
from domain.reminders import recipients
from domain.ruleset import Ruleset

UNDELIVERED = "reminder_undelivered"
"""The anomaly code of an obligation whose current reminder has not reached anyone."""


class ReminderMessage(BaseModel):
    """What a delivery channel receives: identifiers, dates and the rule's instructions; no
    molecule, diagnosis or score."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reminder_id: str
    """Deterministic (patient, obligation, due date, step): the idempotency key of every channel."""
    patient_ref: str
    obligation_id: str
    rule: str
    kind: str
    step: str
    """`heads_up`, `due`, `overdue_1` … `overdue_N`."""
    due_on: date
    scheduled_at: datetime
    escalated: bool
    recipients: tuple[Recipient, ...]
    rule_text: str = ""
    """What the rule asks, as the ruleset words it (no molecule, diagnosis or score)."""
    instructions: tuple[str, ...] = ()
    """The obligation's instructions (R14's, for a brain and spinal MRI order), shown as they are."""
    last: bool = False
    """The last reminder: the obligation is marked `defaulted` with it."""
    based_on_seq: int = 0
    """The event-store position of the plan it was computed from: a newer stored event makes
    it stale, and it is computed again before anything is sent."""
    ruleset: str = ""
    """The ruleset that computed it, `id/version@content-hash`."""
    centre: str = ""
    """The centre of the patient's care team (R19's default centre without one): whose
    directory names, language and digest the reminder follows."""
    mode: str = "immediate"
    """E-mail delivery: `immediate` or `digest` (the centre's `delivery_mode_for` the kind)."""
    locale: str = "fr"
    """The centre's language for what staff read."""
    found_at_import: bool = False
    """Overdue already when the pathway's history arrived (a go-live import): listed once
    under its own heading, never as a fresh reminder."""


HANDED = frozenset({"sent", "queued"})
"""Statuses of a reminder no longer offered: sent, or queued for a digest (the digest run
delivers it; if it cannot, the row turns `waiting` or `failed` and it is offered again)."""


@dataclass(frozen=True)
class DeliveryRecord:
    """One row of the reminder log (one reminder on one channel), as far as choosing matters."""

    reminder_id: str
    obligation_id: str
    due_on: date
    escalated: bool
    status: str
    """`pending`, `queued` (in the recipients' next digest), `sent`, `waiting` (no recipient
    address yet) or `failed`."""
    last_error: str | None = None


@dataclass(frozen=True)
class DeliveryHistory:
    """What the reminder log says about a patient's reminders."""

    delivered: frozenset[str] = frozenset()
    """Reminder ids sent (or queued for a digest) on every channel they were claimed on."""
    escalated: frozenset[tuple[str, date]] = frozenset()
    """(obligation id, due date) of the obligations whose escalation went out."""
    undelivered: dict[str, str] = field(default_factory=dict)
    """Reminder id -> why it has not reached anyone (waiting for an address, or failed)."""

    @classmethod
    def of(cls, records: Iterable[DeliveryRecord]) -> DeliveryHistory:
        statuses: dict[str, list[DeliveryRecord]] = {}
        for record in records:
            statuses.setdefault(record.reminder_id, []).append(record)
        delivered = frozenset(rid for rid, rows in statuses.items() if all(r.status in HANDED for r in rows))
        escalated = frozenset((r.obligation_id, r.due_on) for rows in statuses.values() for r in rows
                              if r.escalated and r.status in HANDED)
        undelivered = {rid: next((r.last_error or r.status) for r in rows if r.status in ("waiting", "failed"))
                       for rid, rows in statuses.items() if any(r.status in ("waiting", "failed") for r in rows)}
        return cls(delivered=delivered, escalated=escalated, undelivered=undelivered)


def current_rung(obligation: Obligation, now: datetime) -> ReminderStep | None:
    """The latest rung of an open obligation whose time has come (None: none yet)."""
    passed = [step for step in obligation.reminders if step.at <= now]
    return passed[-1] if passed else None


def _latest_attempted(obligation: Obligation, now: datetime, history: DeliveryHistory) -> ReminderStep | None:
    """The current rung, or a later one the reminder log has already tried: the log is the
    authority on what was attempted, even when this reader's clock is behind the clock of the
    run that sent it (a few seconds of skew at the reminder hour, or a run in virtual time)."""
    tried = [step for step in obligation.reminders
             if step.at <= now or step.reminder_id in history.undelivered or step.reminder_id in history.delivered]
    return tried[-1] if tried else None


def due_reminders(plan: Plan, now: datetime, history: DeliveryHistory, ruleset: Ruleset,
                  based_on_seq: int = 0, imported_at: datetime | None = None) -> tuple[ReminderMessage, ...]:
    """The reminders to send at `now` (an aware instant), one at most per open obligation;
    `ruleset` is the one that computed the plan; `imported_at`, when the store first received
    the patient's events (an overdue rung before it is `found_at_import`)."""
    settings = ruleset.settings
    today = local_date(now, settings)
    due: list[ReminderMessage] = []
    for obligation in plan.open_obligations():
        rung = current_rung(obligation, now)
        if rung is None or rung.reminder_id in history.delivered:
            continue
        last = rung == obligation.reminders[-1] and rung.step.startswith("overdue_")
        if last and local_date(rung.at, settings) < today:
            continue  # defaulted while nobody could be told: no late message
        escalated = rung.step.startswith("overdue_") and (obligation.id, obligation.due_on) not in history.escalated
        due.append(ReminderMessage(
            reminder_id=rung.reminder_id, patient_ref=plan.patient_ref, obligation_id=obligation.id,
            rule=obligation.rule, kind=obligation.kind.value, step=rung.step, due_on=obligation.due_on,
            scheduled_at=rung.at, escalated=escalated,
            recipients=recipients(obligation.kind.value, settings, plan.care_team, escalated),
            rule_text=rule_text(ruleset, obligation.rule), instructions=obligation.instructions, last=last,
            based_on_seq=based_on_seq, ruleset=ruleset.reference,
            centre=plan.care_team.centre_id if plan.care_team else settings.default_centre_id,
            mode=settings.delivery_mode_for(obligation.kind.value, escalated).value, locale=settings.locale,
            found_at_import=imported_at is not None and rung.step.startswith("overdue_") and rung.at < imported_at,
        ))
    return tuple(due)


def rule_text(ruleset: Ruleset, rule_id: str) -> str:
    """The rule's obligation as the ruleset words it; a monitoring row by its id alone (a panel's
    name could tell the treatment, which a reminder never does)."""
    try:
        return ruleset.rule(rule_id).obligation
    except KeyError:
        return f"laboratory monitoring ({rule_id}) set by the centre's ruleset"


def with_delivery_anomalies(plan: Plan, now: datetime, history: DeliveryHistory) -> Plan:
    """The plan with one `reminder_undelivered` anomaly per open obligation whose current
    reminder has not reached anyone (so staff see it on the plan and the worklist)."""
    if not history.undelivered:
        return plan
    found = []
    for obligation in plan.open_obligations():
        rung = _latest_attempted(obligation, now, history)
        if rung is not None and rung.reminder_id in history.undelivered:
            found.append(Anomaly(
                code=UNDELIVERED,
                message=f"the {rung.step} reminder of {obligation.rule} {obligation.kind.value} (due "
                        f"{obligation.due_on.isoformat()}) has not been delivered: {history.undelivered[rung.reminder_id]}",
            ))
    return plan.model_copy(update={"anomalies": plan.anomalies + tuple(found)}) if found else plan
