"""Plain-text tables for engineers' terminals."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from contracts.pathway import PlanSummary
from domain.plan import OPEN_STATUSES, Obligation, Plan
from domain.ruleset import Ruleset
from domain.settings import DEFAULT_SETTINGS
from store.reminder_log import ReminderRow

CENTRE_ZONE = ZoneInfo(DEFAULT_SETTINGS.timezone)
"""The default ruleset's time zone (Europe/Paris), for rows whose centre is not known."""


def centre_time(moment: datetime | None, zone: ZoneInfo = CENTRE_ZONE) -> str:
    """An instant as the centre's wall clock (with its offset), like plans show it."""
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def render_plan(plan: Plan, show_closed: bool = False, zone: ZoneInfo = CENTRE_ZONE) -> str:
    """Open obligations first, by due date (what staff must act on); the closed ones (satisfied,
    cancelled: the history) only with `show_closed`, each with the date of the act that closed it.
    Instants in `zone`, the time zone of the patient's ruleset."""
    head = [
        f"patient {plan.patient_ref}  as of {plan.as_of}  ruleset {plan.ruleset_version}",
        f"stage: {plan.stage.value if plan.stage else '-'}   molecule: {plan.molecule or '-'}   "
        f"tracks: {', '.join(plan.tracks) or '-'}   ended: {plan.ended or '-'}",
        f"care team: {f'{plan.care_team.neurologist_id} / {plan.care_team.centre_id}' if plan.care_team else '-'}"
        f"   next reminder: {centre_time(plan.next_reminder_at, zone) or '-'}",
        "",
    ]
    open_items = sorted((o for o in plan.obligations if o.status in OPEN_STATUSES), key=lambda o: (o.due_on, o.rule))
    closed = sorted((o for o in plan.obligations if o.status not in OPEN_STATUSES),
                    key=lambda o: (_closed_on(o), o.rule))
    body = [f"open ({len(open_items)}):",
            table(["due", "status", "rule", "kind", "detail", "obligation id"],
                  [[o.due_on.isoformat(), o.status.value, o.rule, o.kind.value, _detail(o), o.id]
                   for o in open_items])]
    if show_closed:
        body += ["", f"closed ({len(closed)}):",
                 table(["due", "status", "closed on", "satisfied by", "rule", "kind", "detail", "obligation id"],
                       [[o.due_on.isoformat(), o.status.value, _closed_on(o), o.satisfied_by or "", o.rule,
                         o.kind.value, _detail(o), o.id] for o in closed])]
    elif closed:
        body += ["", f"{len(closed)} closed (satisfied or cancelled) not shown; --all shows them"]
    anomalies = [f"  ! {a.code}: {a.message}" + (f" (event {a.event_id})" if a.event_id else "") for a in plan.anomalies]
    return "\n".join(head + body + (["", "anomalies:"] + anomalies if anomalies else []))


def _detail(obligation: Obligation) -> str:
    return obligation.molecule or "+".join(obligation.regions)


def _closed_on(obligation: Obligation) -> str:
    """The date of the act that satisfied it, or the date it was cancelled."""
    closed_on = obligation.satisfied_on or obligation.cancelled_on
    return closed_on.isoformat() if closed_on else ""


def render_summary(summary: PlanSummary) -> str:
    lines = [
        f"patient {summary.patient_ref}: accepted {len(summary.accepted)}, duplicates {len(summary.duplicates)}, "
        f"events recorded {summary.events_recorded}"
        + ("" if summary.delivery == "settled" else " (stored; the pathway has not taken them yet, its plan follows)"),
        f"  stage {summary.stage or '-'}, molecule {summary.molecule or '-'}, open {summary.open_obligations}, "
        f"overdue {summary.overdue}, anomalies {summary.anomalies}, ended {summary.ended or '-'}",
    ]
    lines += [f"  next: {d.due_on} {d.rule} {d.kind} ({d.status})" for d in summary.next_due]
    return "\n".join(lines)


def render_reminders(sent: list[ReminderRow]) -> str:
    """Reminders sent, from the reminder log (one row per reminder and channel)."""
    rows = [[centre_time(r.sent_at), r.channel, r.rule, r.kind, r.step,
             r.due_on.isoformat(), ", ".join(f"{x['role']}:{x['id']}" for x in r.recipients), r.reminder_id]
            for r in sent]
    return table(["sent at", "channel", "rule", "kind", "step", "due", "recipients", "reminder id"], rows)


def render_rules(ruleset: Ruleset) -> str:
    """One ruleset as tables: rules, molecules, tracks, and the centre's monitoring rows."""
    rules = table(["id", "applies to", "obligation", "due", "months", "milestones", "source"],
                  [[r.id, r.applies_to, r.obligation, r.due, str(r.every_months or ""),
                    ", ".join(f"M{m}" for m in r.milestones_months), r.source] for r in ruleset.rules])
    molecules = table(["molecule", "name", "line", "validation every (months)", "after stop", "aliases"],
                      [[m.code, m.name, m.line.value, str(m.validation_every_months or "-"), m.post_stop_track or "-",
                        ", ".join(m.aliases)] for m in ruleset.molecules])
    tracks = table(["track", "after", "every (months)", "rule"],
                   [[t.code, t.after_molecule, str(t.every_months), t.rule] for t in ruleset.tracks])
    parts = [f"ruleset {ruleset.reference} ({ruleset.status})", rules, molecules, tracks]
    if ruleset.monitoring:
        parts.append(table(["id", "molecule", "panel", "every (months)", "period", "source"],
                           [[m.id, m.molecule, m.panel, str(m.every_months),
                             m.period + (f" {m.for_months} months" if m.for_months else ""), m.source]
                            for m in ruleset.monitoring]))
    return "\n\n".join(parts)
