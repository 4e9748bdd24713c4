"""The simulation's French page (`pathway simulate … --html OUT`): the timeline picture, then
the reminders in the order they go out and every obligation with what became of it."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup

from domain.plan import Status
from rendering import format_date, label
from service.simulation import SimulatedObligation, SimulatedReminder, Simulation
from staff_view.timeline import Band, Bar, Mark, Tick, Timeline, render_svg, row_label
from staff_view.words import pages


def simulation_timeline(simulation: Simulation, today: date | None = None) -> Timeline:
    """The picture of a simulation, from its start day to its horizon."""
    start, end = simulation.start.date(), simulation.until
    shown = [o for o in simulation.obligations if (o.heads_up_on or o.due_on) <= end and _closed(o, end) >= start]
    rows = list(dict.fromkeys(row_label(o.rule, o.kind.value) for o in shown))
    ticks = [_tick(r) for r in simulation.reminders]
    rows += [t.row for t in ticks if t.row not in rows]
    mode = "patient observant (chaque acte fait à son échéance)" if simulation.compliant \
        else "patient non observant (aucun acte : relances jusqu'à l'abandon)"
    return Timeline(
        title=f"Parcours simulé du patient {simulation.patient_ref}, du {format_date(start)} au {format_date(end)}",
        description=f"{len(shown)} obligations et {len(ticks)} rappels sur {len(rows)} lignes ; {mode}.",
        start=start, end=end, rows=tuple(rows), bars=tuple(_bar(o, end) for o in shown), ticks=tuple(ticks),
        marks=tuple(Mark(on=e.on, simulated=e.simulated,
                         title=f"{label(e.type, 'event')} le {format_date(e.on)}" + (" (simulé)" if e.simulated else ""))
                    for e in simulation.events),
        bands=tuple([Band("stage", label(p.name, "stage"), p.start, p.end) for p in simulation.stages]
                    + [Band("track", label(p.name, "track"), p.start, p.end) for p in simulation.tracks]),
        today=today, open_until=end,
    )


def simulation_page(simulation: Simulation, today: date | None = None) -> str:
    """The whole HTML page (French, printable, no script)."""
    svg = render_svg(simulation_timeline(simulation, today))
    return pages().get_template("simulation.html").render(s=simulation, timeline=Markup(svg), today=today)


def _closed(o: SimulatedObligation, end: date) -> date:
    defaulted = next((c.on for c in o.changes if c.status is Status.DEFAULTED), None)
    return o.satisfied_on or o.cancelled_on or defaulted or end


def _bar(o: SimulatedObligation, end: date) -> Bar:
    outcome = {Status.SATISFIED: "satisfied", Status.CANCELLED: "cancelled",
               Status.DEFAULTED: "defaulted"}.get(o.status, "open")
    closed = None if outcome == "open" else _closed(o, end)
    what = row_label(o.rule, o.kind.value) + (f" ({o.molecule})" if o.molecule else "")
    return Bar(row=row_label(o.rule, o.kind.value), start=o.heads_up_on or o.due_on, due=o.due_on, closed=closed,
               outcome=outcome, title=f"{what}, échéance le {format_date(o.due_on)}")


def _tick(r: SimulatedReminder) -> Tick:
    rung = "escalated" if r.escalated else ("last" if r.last else r.step)
    to = ", ".join(f"{label(p.role, 'role')} {p.id}" for p in r.recipients)
    return Tick(row=row_label(r.rule, r.kind), on=r.sent_at.date(), rung=r.step, escalated=r.escalated,
                title=f"{label(rung, 'rung')} {r.rule} (échéance {format_date(r.due_on)}) : envoyé le "
                      f"{format_date(r.sent_at.date())} à {to}")
