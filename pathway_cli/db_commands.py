"""CLI commands that read or write PostgreSQL: migrations, the staff directory, worklists,
reminder history."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from pathlib import Path

from domain.plan import Status
from pathway_cli.inputs import calendar_date, whole_number
from pathway_cli.reach import Unreachable, temporal_client
from pathway_cli.render import centre_time, table
from pathway_runtime.config import AppConfig, ConfigError
from store.db import create_pool
from store.directory import Directory
from store.event_store import EventStore
from store.migrate import apply_migrations
from store.reminder_log import ReminderLog
from store.worklist import Worklist


def add_parsers(commands) -> None:
    db = commands.add_parser("db", help="database commands")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("migrate", help="apply the SQL migrations (a no-op when up to date)")

    directory = commands.add_parser("directory", help="the staff directory (neurologists, centres)")
    directory_commands = directory.add_subparsers(dest="directory_command", required=True)
    load = directory_commands.add_parser("load", help="load neurologists and centres from a JSON or CSV file")
    load.add_argument("file", type=Path)

    worklist = commands.add_parser("worklist", help="open obligations for staff")
    worklist.add_argument("--centre")
    worklist.add_argument("--neurologist")
    worklist.add_argument("--status", action="append", choices=[s.value for s in Status],
                          help="repeatable; default the open ones; overdue includes defaulted (as the API)")
    worklist.add_argument("--kind")
    worklist.add_argument("--due-before", type=calendar_date, help="due on or before this date (YYYY-MM-DD)")
    worklist.add_argument("--due-after", type=calendar_date, help="due on or after this date (YYYY-MM-DD)")
    worklist.add_argument("--limit", type=whole_number, default=100, help="rows at most (default 100)")
    worklist.add_argument("--offset", type=whole_number, default=0, help="rows to skip (default 0)")
    worklist.add_argument("--json", action="store_true")

    reminders = commands.add_parser("reminders", help="a patient's reminder history (delivery status per channel)")
    reminders.add_argument("patient_ref")
    reminders.add_argument("--json", action="store_true")


DB_COMMANDS = {"db", "directory", "worklist", "reminders"}


async def run_db_command(args: argparse.Namespace, config: AppConfig, today: date) -> int:
    if not config.database_url:
        raise ConfigError("DATABASE_URL is not set; point it at PostgreSQL (see README)")
    pool = await create_pool(config.database_url)
    try:
        if args.command == "db":
            applied = await apply_migrations(pool)
            print("\n".join(f"applied {name}" for name in applied) or "database is up to date")
        elif args.command == "directory":
            neurologists, centres = await Directory(pool).load(args.file)
            print(f"loaded {neurologists} neurologists and {centres} centres from {args.file}")
            await _redeliver(config, pool)
        elif args.command == "worklist":
            rows = await Worklist(pool).open_obligations(
                centre_id=args.centre, neurologist_id=args.neurologist, status=args.status, kind=args.kind,
                due_before=args.due_before, due_after=args.due_after, limit=args.limit, offset=args.offset)
            _print_rows(rows, args.json, ["due_on", "status", "patient_ref", "rule", "kind", "neurologist_id",
                                          "centre_id", "reminder_email", "digest_day", "obligation_id"])
        elif args.command == "reminders":
            rows = [r.model_dump(mode="json") if hasattr(r, "model_dump") else vars(r)
                    for r in await ReminderLog(pool).history(args.patient_ref)]
            _print_rows(rows, args.json, ["scheduled_at", "sent_at", "rule", "kind", "step", "channel", "status", "attempts",
                                          "last_error", "digest_id", "reminder_id"])
    finally:
        await pool.close()
    return 0


async def _redeliver(config: AppConfig, pool) -> None:
    """Reminders that waited for an address go out now (else at the next reconcile)."""
    from pathway_runtime.bootstrap import handoff_for
    from service.reconcile import redeliver

    reminders = ReminderLog(pool)
    if not await reminders.undelivered_patients():
        return
    try:
        client = await temporal_client(config)
    except ConfigError as error:  # no payload-encryption key here: the directory is loaded all the same
        print(f"reminders waiting for an address: not offered from here ({error}); the next reconcile sends them")
        return
    except Unreachable:
        print("reminders waiting for an address: Temporal cannot be reached now; the next reconcile sends them")
        return
    synced, pending = await redeliver(handoff_for(config, client, pool), EventStore(pool), reminders)
    print(f"reminders waiting for an address: offered again for {len(synced)} patients"
          + (f"; {len(pending)} did not answer (the next reconcile retries)" if pending else ""))


def _print_rows(rows: list[dict], as_json: bool, columns: list[str]) -> None:
    """Instants in the centre's time zone (as plans show them), dates as they are."""
    rows = [{k: centre_time(v) if isinstance(v, datetime) else v for k, v in row.items()} for row in rows]
    if as_json:
        print(json.dumps(rows, indent=2, default=str))
        return
    print(table(columns, [[_cell(row.get(c)) for c in columns] for row in rows]))
    print(f"({len(rows)} rows)")


def _cell(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
