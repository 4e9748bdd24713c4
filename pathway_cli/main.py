"""`pathway`: the engineers' command line.

    pathway dev                      Temporal dev server + worker, UI address printed
    pathway submit events.json       send events (a file, or - for stdin)
    pathway plan P-0001 [--json]     show a patient's plan
    pathway sent P-0001              reminders the pathway has sent (workflow record)
    pathway reminders P-0001         reminder history with delivery status (PostgreSQL)
    pathway worklist --centre C13    open obligations for staff (PostgreSQL)
    pathway db migrate               apply SQL migrations
    pathway directory load FILE      load neurologists and centres
    pathway rebuild P-0001 [--check] rebuild a pathway from the event store
    pathway rules                    the rules table
    pathway worker                   the worker alone (TEMPORAL_ADDRESS, DATABASE_URL)
    pathway api [--host H --port P]  the HTTP API (OpenAPI docs at /docs)
    pathway token create|revoke|list bearer tokens of the HTTP API
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import date, datetime
from pathlib import Path

from pydantic import TypeAdapter
from temporalio.service import RPCError

from domain.errors import EventRefused
from domain.events import PATIENT_REF_PATTERN
from domain.planner import local_date
from pathway_cli import api_commands, codec_commands, db_commands, temporal_commands
from pathway_cli.inputs import InvalidInput, by_patient, parse_events_text
from pathway_cli.render import render_plan, render_reminders, render_rules, render_summary
from pathway_runtime.config import ConfigError, load_config
from pathway_runtime.logs import configure_logging
from pathway_runtime.temporal import connect_temporal
from store.db import StoreError
from workflows.gateway import fetch_plan, fetch_sent_reminders, submit_events

EXIT_INVALID = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pathway", description="MS follow-up pathway engine (CRC SEP Marseille).")
    commands = parser.add_subparsers(dest="command", required=True)

    dev = commands.add_parser("dev", help="run a local Temporal dev server and the worker")
    dev.add_argument("--data-dir", default=".pathway", type=Path, help="where the server's database lives (default .pathway)")
    dev.add_argument("--port", default=7233, type=int, help="Temporal gRPC port (default 7233)")
    dev.add_argument("--ui-port", default=8233, type=int, help="Temporal Web UI port (default 8233)")
    dev.add_argument("--smtp-port", default=2525, type=int, help="local SMTP catcher port when SMTP_HOST is unset (default 2525)")
    dev.add_argument("--codec-port", default=8081, type=int, help="codec server port (default 8081)")
    dev.add_argument("--api-port", default=8000, type=int, help="HTTP API port (default 8000)")
    dev.add_argument("--directory", type=Path, help="load this staff directory (JSON/CSV) at start")

    submit = commands.add_parser("submit", help="send clinical events (JSON: one event, a list, or {\"events\": [...]})")
    submit.add_argument("file", nargs="?", default="-", help="a JSON file, or - for standard input (default)")
    submit.add_argument("--json", action="store_true", help="print the plan summaries as JSON")

    plan = commands.add_parser("plan", help="show a patient's care plan")
    plan.add_argument("patient_ref")
    plan.add_argument("--as-of", type=date.fromisoformat, help="the plan on that date (YYYY-MM-DD); default today")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")

    sent = commands.add_parser("sent", help="reminders the pathway workflow has sent (its own record)")
    sent.add_argument("patient_ref")
    sent.add_argument("--json", action="store_true")

    commands.add_parser("rules", help="print the rules table (R1-R20, molecules, tracks)")
    commands.add_parser("worker", help="run the worker against TEMPORAL_ADDRESS and DATABASE_URL")
    db_commands.add_parsers(commands)
    codec_commands.add_parsers(commands)
    temporal_commands.add_parsers(commands)
    api_commands.add_parsers(commands)
    return parser


def main() -> None:
    """Console entry point. Exits with `os._exit` after flushing: at interpreter
    finalization the Temporal SDK's Rust threads can abort the process
    (PyGILState_Release, exit 134), which would hide the command's real exit code."""
    code = run(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config()
    except ConfigError as error:
        print(f"pathway: {error}", file=sys.stderr)
        return EXIT_INVALID
    configure_logging(config.log_format, config.log_level)
    if args.command == "dev":
        from pathway_cli.dev import DevPorts, main_dev

        ports = DevPorts(temporal=args.port, ui=args.ui_port, smtp=args.smtp_port, codec=args.codec_port,
                         api=args.api_port)
        return main_dev(config, args.data_dir, ports, args.directory)
    if args.command == "worker":
        import worker

        return worker.main()
    if args.command in codec_commands.COMMANDS:
        try:
            return codec_commands.run(args, config)
        except ConfigError as error:
            print(f"pathway: {error}", file=sys.stderr)
            return EXIT_INVALID
    if args.command == "rules":
        print(render_rules())
        return 0
    try:
        if args.command in api_commands.API_COMMANDS:
            return api_commands.run_api_command(args, config)
        return asyncio.run(_client_command(args, config))
    except InvalidInput as error:
        print("pathway: refused, nothing was sent:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INVALID
    except EventRefused as error:
        print(f"pathway: refused: {error}", file=sys.stderr)
        return EXIT_INVALID
    except RPCError as error:
        print(f"pathway: Temporal at {config.temporal_address} answered: {error.message}", file=sys.stderr)
        return 1
    except (ConfigError, StoreError, LookupError) as error:
        print(f"pathway: {error}", file=sys.stderr)
        return 1


async def _client_command(args: argparse.Namespace, config) -> int:
    today = local_date(datetime.now().astimezone())
    if args.command in temporal_commands.COMMANDS:
        return await temporal_commands.run(args, config)
    if args.command in db_commands.DB_COMMANDS:
        return await db_commands.run_db_command(args, config, today)
    if args.command == "submit":
        text = sys.stdin.read() if args.file == "-" else _read(args.file)
        events = parse_events_text(text, today)
        client = await _connect(config)
        summaries = [await submit_events(client, ref, group, task_queue=config.task_queue)
                     for ref, group in by_patient(events).items()]
        print(json.dumps([json.loads(s.model_dump_json()) for s in summaries], indent=2) if args.json
              else "\n".join(render_summary(s) for s in summaries))
        return 0
    _check_patient_ref(args.patient_ref)
    client = await _connect(config)
    if args.command == "plan":
        plan = await fetch_plan(client, args.patient_ref, args.as_of or today)
        print(plan.model_dump_json(indent=2) if args.json else render_plan(plan))
    else:
        sent = await fetch_sent_reminders(client, args.patient_ref)
        print(TypeAdapter(list).dump_json([json.loads(r.model_dump_json()) for r in sent], indent=2).decode()
              if args.json else render_reminders(sent))
    return 0


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as error:
        raise InvalidInput([f"cannot read {path}: {error.strerror}"]) from None


def _check_patient_ref(patient_ref: str) -> None:
    import re

    if not re.match(PATIENT_REF_PATTERN, patient_ref):
        raise InvalidInput([f"patient_ref {patient_ref!r} does not match {PATIENT_REF_PATTERN}"])


async def _connect(config):
    try:
        return await connect_temporal(config)
    except RuntimeError as error:
        raise EventRefused(f"cannot reach Temporal at {config.temporal_address} ({error}); is `pathway dev` running?") from None


if __name__ == "__main__":
    main()
