"""CLI commands on patients' pathways, through the same service layer as the HTTP API:
`submit` (the one intake: validate, store, hand off), `plan` and `sent` (read from
PostgreSQL, the system of record), `rebuild` and `reconcile` (repair runs from the store).
Each needs DATABASE_URL; `submit`, `rebuild` and `reconcile` need Temporal too."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from contracts.pathway import ReconcileReport
from domain.errors import EventRefused, PathwayEnded
from domain.events import PATIENT_REF_PATTERN
from domain.field_messages import REFERENCE_RULE
from pathway_cli.inputs import InvalidInput, calendar_date, parse_events_text
from pathway_cli.reach import temporal_client
from pathway_cli.render import centre_time, render_plan, render_reminders, render_summary
from pathway_runtime.bootstrap import Services, handoff_for, intake_for, services
from pathway_runtime.config import AppConfig, ConfigError
from pathway_runtime.temporal import converter_for
from service.handoff import utc_now
from service.intake import InvalidEvents, record
from service.plans import current_plan
from service.rebuild import rebuild
from service.reconcile import reconcile
from store.db import DatabaseUnavailable
from store.event_store import EventConflict

COMMANDS = {"submit", "plan", "sent", "rebuild", "reconcile"}
EXIT_REFUSED = 2


def add_parsers(commands) -> None:
    submit = commands.add_parser("submit", help="record clinical events (JSON: one event, a list, or {\"events\": [...]})")
    submit.add_argument("file", nargs="?", default="-", help="a JSON file, or - for standard input (default)")
    submit.add_argument("--json", action="store_true", help="print the plan summaries as JSON")

    plan = commands.add_parser("plan", help="a patient's care plan, from the event store")
    plan.add_argument("patient_ref")
    plan.add_argument("--as-of", type=calendar_date, help="the plan on that date (YYYY-MM-DD); default today")
    plan.add_argument("--all", action="store_true", help="also the closed obligations (satisfied, cancelled)")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON (every obligation)")

    sent = commands.add_parser("sent", help="reminders sent to staff for a patient (the reminder log)")
    sent.add_argument("patient_ref")
    sent.add_argument("--json", action="store_true")

    rebuild_parser = commands.add_parser("rebuild", help="repair a patient's pathway from the event store")
    rebuild_parser.add_argument("patient_ref")
    rebuild_parser.add_argument("--check", action="store_true",
                                help="only compare what staff see with the plan of the stored events")

    reconcile_parser = commands.add_parser(
        "reconcile", help="repair every pathway whose run disagrees with the event store (also runs on a schedule)")
    reconcile_parser.add_argument("--json", action="store_true", help="print the report as JSON")


async def run(args: argparse.Namespace, config: AppConfig, today: date) -> int:
    if args.command in ("submit", "rebuild", "reconcile"):
        converter_for(config)  # no payload-encryption key: refuse before reading or storing anything
    if not config.database_url:
        raise ConfigError("DATABASE_URL is not set; `pathway dev` writes it to .pathway/stack.env, "
                          "which commands run from the same directory read (see README)")
    if args.command == "submit":  # read and check the input before connecting to anything
        text = sys.stdin.read() if args.file == "-" else _read(args.file)
        events = parse_events_text(text, today)
    elif args.command in ("plan", "sent", "rebuild"):
        _check_patient_ref(args.patient_ref)
    async with services(config) as wired:
        if args.command == "plan":
            return await _plan(wired, args)
        if args.command == "sent":
            return await _sent(wired, args)
        client = await temporal_client(config)
        if args.command == "submit":
            return await _submit(config, client, wired, events, args.json)
        handoff = handoff_for(config, client, wired.pool)
        if args.command == "rebuild":
            return await _rebuild(handoff, wired, args)
        report = await reconcile(handoff, wired.events, wired.reminders,
                                 progress=lambda n: print(f"… {n} pathways checked", file=sys.stderr, flush=True))
        print(report.model_dump_json(indent=2) if args.json else render_reconcile(report))
        return 1 if report.failed else 0


async def _submit(config: AppConfig, client, wired: Services, events, as_json: bool) -> int:
    try:
        outcomes = await record(intake_for(config, client, wired.pool), events, sender=f"cli:{getpass.getuser()}")
    except InvalidEvents as invalid:
        raise InvalidInput([f"event {r.event_id}: {r.field}: {r.message}" for r in invalid.refusals]) from None
    refused = [o for o in outcomes if o.error is not None]
    for outcome in refused:
        print(f"pathway: refused, nothing recorded for patient {outcome.patient_ref}: {_why(outcome.error)}",
              file=sys.stderr)
    summaries = [o.recorded.summary for o in outcomes if o.recorded is not None]
    if summaries:
        print(json.dumps([json.loads(s.model_dump_json()) for s in summaries], indent=2) if as_json
              else "\n".join(render_summary(s) for s in summaries))
    return EXIT_REFUSED if refused else 0


def _why(error: Exception | None) -> str:
    if isinstance(error, EventConflict):
        return "; ".join(f"event_id {c.event_id} is already used for a different event of "
                         f"{'another patient' if c.other_patient else 'this patient'}" for c in error.conflicts)
    if isinstance(error, DatabaseUnavailable):
        return "PostgreSQL cannot be reached"
    if isinstance(error, PathwayEnded | EventRefused):
        return str(error)
    return f"{type(error).__name__}: {error}"


async def _plan(wired: Services, args) -> int:
    plan = await current_plan(wired.settlement, utc_now, args.patient_ref, args.as_of)
    if plan is None:
        raise LookupError(f"no stored event for patient {args.patient_ref}")
    ruleset = wired.settlement.rulesets.for_centre(plan.care_team.centre_id if plan.care_team else None)
    zone = ZoneInfo(ruleset.settings.timezone)
    print(plan.model_dump_json(indent=2) if args.json else render_plan(plan, show_closed=args.all, zone=zone))
    return 0


async def _sent(wired: Services, args) -> int:
    rows = [r for r in await wired.reminders.history(args.patient_ref) if r.status == "sent"]
    print(json.dumps([{k: centre_time(v) if isinstance(v, datetime) else v for k, v in vars(r).items()}
                      for r in rows], indent=2, default=str) if args.json else render_reminders(rows))
    return 0


async def _rebuild(handoff, wired: Services, args) -> int:
    report = await rebuild(handoff, wired.events, wired.read_model, args.patient_ref, check_only=args.check)
    print(f"patient {report.patient_ref}: {report.stored_events} stored events; run before: {report.run_before}; "
          f"{report.action}; {'consistent with the store' if report.consistent else 'DIFFERS from the store'}")
    for difference in report.differences:
        print(f"  {difference}")
    return 0 if report.consistent else 1


def render_reconcile(report: ReconcileReport) -> str:
    lines = [f"{report.pathways} pathways checked against the event store"]
    for name in ("restarted", "resynced", "redelivered", "closed", "orphans", "failed"):
        items = getattr(report, name)
        lines.append(f"  {name}: {len(items)}" + (f"  ({', '.join(items[:20])}{', …' if len(items) > 20 else ''})"
                                                   if items else ""))
    return "\n".join(lines)


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as error:
        raise InvalidInput([f"cannot read {path}: {error.strerror}"]) from None


def _check_patient_ref(patient_ref: str) -> None:
    import re

    if not re.match(PATIENT_REF_PATTERN, patient_ref):
        raise InvalidInput([f"patient_ref {patient_ref!r} must be {REFERENCE_RULE} (a pseudonymous reference)"])


