"""A settled plan in the few, bounded things its workflow run needs (`PlanDigest`): the
summary answered to clients, the reminders due now, when to wake next, the search
attribute values (nothing clinical) and the markdown the Temporal UI shows as current details."""

from __future__ import annotations

from datetime import UTC, datetime, time

from contracts.pathway import IndexValues, PlanDigest, PlanSummary
from domain.dispatch import ReminderMessage
from domain.plan import Plan, Status


def digest_of(plan: Plan, stored_seq: int, events: int, reminders: tuple[ReminderMessage, ...]) -> PlanDigest:
    """`stored_seq`: the event-store position the plan was computed from; `events`: how many."""
    at, summary = next_wake(plan)
    return PlanDigest(summary=PlanSummary.of(plan, events), stored_seq=stored_seq, reminders=reminders,
                      next_wake_at=at, wake_summary=summary, index=index_values(plan), details=current_details(plan))


def next_wake(plan: Plan) -> tuple[datetime | None, str | None]:
    """The next reminder, or an earlier status change (a worklist and search attributes to
    refresh), with the words the Temporal UI shows on the timer."""
    at, summary = plan.next_reminder_at, None
    if at is not None:
        summary = next(
            (f"sleep until {o.rule} {o.kind.value} {step.step}, {at.date().isoformat()}"
             for o in plan.obligations for step in o.reminders if step.at == at),
            f"sleep until {at.isoformat()}")
    change = plan.next_status_change_at
    if change is not None and (at is None or change < at):
        at, summary = change, f"wake to refresh statuses, {change.date().isoformat()}"
    return at, summary


def index_values(plan: Plan) -> IndexValues:
    """What engineers find pathways by: the centre, the earliest due date of an open item,
    how many are overdue (defaulted included), whether the pathway has ended. Nothing
    clinical: the server keeps these in clear (docs/privacy.md)."""
    open_items = plan.open_obligations()
    overdue = [o for o in open_items if o.status in (Status.OVERDUE, Status.DEFAULTED)]
    next_due = min((o.due_on for o in open_items), default=None)
    return IndexValues(
        centre=plan.care_team.centre_id if plan.care_team else None,
        next_due_at=datetime.combine(next_due, time(0, 0), tzinfo=UTC) if next_due else None,
        overdue_count=len(overdue),
        ended=plan.ended is not None,
    )


def current_details(plan: Plan) -> str:
    """The markdown a pathway shows as its current details in the Temporal UI."""
    centre = plan.care_team.centre_id if plan.care_team else "none assigned"
    lines = [
        f"**Patient** `{plan.patient_ref}` · **stage** {plan.stage.value if plan.stage else '—'}"
        f" · **molecule** {plan.molecule or '—'} · **centre** {centre}"
        + (f" · **ended** {plan.ended}" if plan.ended else ""),
        "",
        f"**Next due** (as of {plan.as_of.isoformat()})",
    ]
    upcoming = plan.open_obligations()[:3]
    lines += [f"- {o.due_on.isoformat()} · {o.rule} {o.kind.value} · {o.status.value}" for o in upcoming] or ["- nothing open"]
    if plan.tracks:
        lines += ["", f"**Surveillance** {', '.join(plan.tracks)}"]
    if plan.anomalies:
        shown = plan.anomalies[:10]  # bounded: the digest is recorded in history at every settle
        lines += ["", "**Anomalies**"] + [f"- {a.code} (event `{a.event_id}`)" if a.event_id else f"- {a.code}"
                                          for a in shown]
        if len(plan.anomalies) > len(shown):
            lines.append(f"- … and {len(plan.anomalies) - len(shown)} more (see the plan)")
    return "\n".join(lines)
