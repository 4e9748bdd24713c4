"""A followed patient's timeline picture, from what the API reads: the plan (from the event
store), the stored events, the reminder log, and the stage and track periods the domain folds
from the same events (`domain.history`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from domain.calendar import add_months
from domain.history import build_timeline, select_events
from domain.plan import Obligation, Plan, Status
from domain.ruleset import Ruleset
from rendering import format_date, label
from staff_view.timeline import Band, Bar, Mark, Tick, Timeline, row_label
from store.event_store import StoredEvent
from store.reminder_log import ReminderRow

AHEAD_MONTHS = 12
"""How far past today the picture goes."""


def patient_timeline(plan: Plan, records: Sequence[StoredEvent], reminders: Sequence[ReminderRow],
                     ruleset: Ruleset, today: date) -> Timeline:
    events = [r.event for r in records]
    start = min((e.occurred_on for e in events), default=today)
    end = add_months(today, AHEAD_MONTHS)
    periods = build_timeline(select_events(events, ruleset.settings, today).events, ruleset)
    obligations = [o for o in plan.obligations if (o.heads_up_on or o.due_on) <= end]
    rows = list(dict.fromkeys(row_label(o.rule, o.kind.value) for o in obligations))
    ticks = [_tick(r) for r in _one_per_reminder(reminders)]
    rows += [t.row for t in ticks if t.row not in rows]
    return Timeline(
        title=f"Parcours du patient {plan.patient_ref}, du {format_date(start)} au {format_date(end)}",
        description=f"{len(obligations)} obligations, {len(ticks)} rappels et {len(events)} événements ; "
                    f"aujourd'hui le {format_date(today)}.",
        start=start, end=end, rows=tuple(rows), bars=tuple(_bar(o) for o in obligations), ticks=tuple(ticks),
        marks=tuple(Mark(on=e.occurred_on, title=f"{label(e.type, 'event')} le {format_date(e.occurred_on)}")
                    for e in events),
        bands=tuple([Band("stage", label(p.stage.value, "stage"), p.start, p.end) for p in periods.stages]
                    + [Band("track", label(p.track, "track"), p.start, p.end) for p in periods.tracks]),
        today=today,
    )


def _bar(o: Obligation) -> Bar:
    outcome = {Status.SATISFIED: "satisfied", Status.CANCELLED: "cancelled",
               Status.DEFAULTED: "defaulted"}.get(o.status, "open")
    closed = o.satisfied_on or o.cancelled_on
    if o.status is Status.DEFAULTED and o.reminders:
        closed = o.reminders[-1].at.date()
    return Bar(row=row_label(o.rule, o.kind.value), start=o.heads_up_on or o.due_on, due=o.due_on, closed=closed,
               outcome=outcome, title=f"{row_label(o.rule, o.kind.value)}, échéance le {format_date(o.due_on)} "
                                      f"({label(o.status.value, 'status')})")


def _one_per_reminder(rows: Sequence[ReminderRow]) -> list[ReminderRow]:
    """A reminder is a row per channel: the least delivered stands for it."""
    order = {"failed": 0, "waiting": 1, "pending": 2, "sent": 3}
    chosen: dict[str, ReminderRow] = {}
    for row in rows:
        kept = chosen.get(row.reminder_id)
        if kept is None or order.get(row.status, 0) < order.get(kept.status, 0):
            chosen[row.reminder_id] = row
    return list(chosen.values())


def _tick(row: ReminderRow) -> Tick:
    at = row.sent_at or row.scheduled_at
    rung = "escalated" if row.escalated else row.step
    return Tick(row=row_label(row.rule, row.kind), on=at.date(), rung=row.step, escalated=row.escalated,
                title=f"{label(rung, 'rung')} {row.rule} (échéance {format_date(row.due_on)}) : "
                      f"{label(row.status, 'delivery')}, le {format_date(at.date())}")
