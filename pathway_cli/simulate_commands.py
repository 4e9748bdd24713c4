"""`pathway simulate EVENTS.json --years N [--ruleset FILE] [--non-compliant] [--json | --html OUT]`:
what the pathway asks of one patient over N years, computed in seconds from its events
(real or invented), with nothing stored and no server needed (`service.simulation`).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.errors import EventRefused
from pathway_cli.inputs import InvalidInput, parse_events_text
from pathway_cli.render import centre_time, table
from pathway_runtime.bootstrap import rulesets_for
from pathway_runtime.config import AppConfig, ConfigError
from rulesets import RulesetError, load
from service.simulation import MAX_YEARS, Simulation, SimulationError, simulate_patient

COMMANDS = {"simulate"}
EXIT_INVALID = 2


def add_parsers(commands) -> None:
    sim = commands.add_parser("simulate", help="what the pathway asks of one patient over N years (nothing stored)")
    sim.add_argument("events", type=Path, help="the patient's events (JSON: one event, a list, or {\"events\": [...]})")
    sim.add_argument("--years", type=int, default=3, help=f"how far from the first event (1 to {MAX_YEARS}; default 3)")
    sim.add_argument("--ruleset", type=Path, help="simulate under this ruleset file (default: the patient's centre's)")
    sim.add_argument("--non-compliant", action="store_true",
                     help="leave every obligation unsatisfied (the ladders run up to defaulted); default: each "
                          "act is done on its due date")
    out = sim.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the simulation as JSON")
    out.add_argument("--html", type=Path, metavar="OUT", help="write a French page with the timeline to OUT")


def run(args: argparse.Namespace, config: AppConfig) -> int:
    try:
        text = args.events.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read {args.events}: {error.strerror}") from None
    try:
        # Invented events may lie ahead: a simulation takes each on its day, so no "not after today".
        events = parse_events_text(text, date.max)
        ruleset = load(args.ruleset) if args.ruleset else None
        simulation = simulate_patient(events, rulesets_for(config), args.years, not args.non_compliant, ruleset)
    except InvalidInput as error:
        print("pathway: refused:\n" + "\n".join(f"  {p}" for p in error.problems), file=sys.stderr)
        return EXIT_INVALID
    except (EventRefused, SimulationError) as error:
        print(f"pathway: refused: {error}", file=sys.stderr)
        return EXIT_INVALID
    except RulesetError as error:
        print("pathway: " + "\n".join(error.problems), file=sys.stderr)
        return EXIT_INVALID
    if args.json:
        print(simulation.model_dump_json(indent=2))
    elif args.html:
        from staff_view.simulation_page import simulation_page

        today = datetime.now(ZoneInfo(simulation.start.tzinfo.key)).date() if isinstance(
            simulation.start.tzinfo, ZoneInfo) else None
        args.html.write_text(simulation_page(simulation, today), encoding="utf-8")
        print(f"wrote {args.html}: {len(simulation.obligations)} obligations, {len(simulation.reminders)} reminders")
    else:
        print(render_simulation(simulation))
    return 0


def render_simulation(simulation: Simulation) -> str:
    """The reminders in the order they go out, then the obligations still open at the horizon."""
    head = (f"patient {simulation.patient_ref}  ruleset {simulation.ruleset}  through {simulation.until}  "
            f"{'compliant' if simulation.compliant else 'non-compliant'}"
            + (f"  ended: {simulation.ended}" if simulation.ended else ""))
    rows = [[centre_time(r.sent_at), r.rule, r.kind, r.step, str(r.due_on),
             ", ".join(f"{p.role} {p.id}" for p in r.recipients)] for r in simulation.reminders]
    open_rows = [[o.rule, o.kind.value, str(o.due_on), o.status.value] for o in simulation.obligations
                 if o.status.value in ("upcoming", "due", "overdue", "defaulted")]
    return "\n\n".join([
        head,
        table(["sent at", "rule", "kind", "step", "due", "to"], rows) if rows else "no reminder",
        "open at the horizon:\n" + (table(["rule", "kind", "due", "status"], open_rows) if open_rows else "nothing"),
    ])
