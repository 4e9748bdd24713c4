"""`pathway`: the engineers' command line.

    pathway dev [--reset]            the local stack (PostgreSQL, Temporal, API, worker); --reset wipes it first
    pathway submit events.json       record events (a file, or - for stdin): store, then the pathway
    pathway plan P-0001 [--json]     a patient's plan, from the event store
    pathway sent P-0001              reminders sent for a patient (the reminder log)
    pathway reminders P-0001         reminder history with delivery status (PostgreSQL)
    pathway worklist --centre C13    open obligations for staff (PostgreSQL)
    pathway db migrate               apply SQL migrations
    pathway directory load FILE      load neurologists and centres
    pathway rebuild P-0001 [--check] repair a pathway from the event store
    pathway reconcile                repair every pathway that disagrees with the event store
    pathway rules [check|diff|preview] the rulesets in force; check, compare, preview one
    pathway simulate EVENTS --years N  what the pathway asks of one patient over N years (nothing stored)
    pathway worker                   the worker alone (TEMPORAL_ADDRESS, DATABASE_URL)
    pathway api [--host H --port P]  the HTTP API (OpenAPI docs at /docs)
    pathway token create|revoke|list bearer tokens of the HTTP API
    pathway --version                this program's version, its ruleset and Temporal SDK

Exit codes: 0 done; 1 failed (see the message); 2 refused input, nothing was recorded;
3 Temporal or PostgreSQL cannot be reached, nothing was done.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path

from temporalio.service import RPCError

from domain.errors import EventRefused
from domain.planner import local_date
from pathway_cli import (
    api_commands,
    codec_commands,
    db_commands,
    pathway_commands,
    rules_commands,
    simulate_commands,
    temporal_commands,
)
from pathway_cli.inputs import InvalidInput
from pathway_cli.reach import Unreachable, database_unreachable
from pathway_runtime.config import ConfigError, load_config
from pathway_runtime.logs import configure_logging
from store.db import DatabaseUnavailable, StoreError

EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_UNREACHABLE = 3
EXIT_CODES = """exit codes: 0 done; 1 failed (the message says why); 2 refused input (nothing was recorded);
3 Temporal or PostgreSQL cannot be reached (nothing was done)"""


def version() -> str:
    """`pathway --version`: the installed distribution, the deployment's default ruleset
    (`label@content_hash`, as configured), the Temporal SDK."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    from pathway_runtime.bootstrap import rulesets_for

    def of(name: str) -> str:
        try:
            return installed(name)
        except PackageNotFoundError:
            return "not installed"

    try:
        ruleset = rulesets_for(load_config()).default.reference
    except ConfigError as error:
        ruleset = f"not loaded: {error}"
    return f"pathway {of('ms-pathway')} (ruleset {ruleset}, temporalio {of('temporalio')})"


class _VersionAction(argparse.Action):
    """`--version`, computed only when asked: it loads the configured ruleset file."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print the version, the ruleset and the Temporal SDK, then exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(version())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pathway", description="MS follow-up pathway engine (CRC SEP Marseille).",
                                     epilog=EXIT_CODES)
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", required=True)

    dev = commands.add_parser("dev", help="run a local Temporal dev server and the worker")
    dev.add_argument("--data-dir", default=".pathway", type=Path, help="where the server's database lives (default .pathway)")
    dev.add_argument("--port", default=7233, type=int, help="Temporal gRPC port (default 7233)")
    dev.add_argument("--ui-port", default=8233, type=int, help="Temporal Web UI port (default 8233)")
    dev.add_argument("--smtp-port", default=2525, type=int, help="local SMTP catcher port when SMTP_HOST is unset (default 2525)")
    dev.add_argument("--codec-port", default=8081, type=int, help="codec server port (default 8081)")
    dev.add_argument("--api-port", default=8000, type=int, help="HTTP API port (default 8000)")
    dev.add_argument("--directory", type=Path, help="load this staff directory (JSON/CSV) at start")
    dev.add_argument("--reset", action="store_true",
                     help="wipe the data directory first (events, pathways, reminders, tokens, keys, e-mails), "
                          "then start afresh")

    pathway_commands.add_parsers(commands)
    rules_commands.add_parsers(commands)
    simulate_commands.add_parsers(commands)
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
    try:
        code = run(sys.argv[1:])
    except SystemExit as done:  # argparse: --help, --version, a usage error
        code = done.code if isinstance(done.code, int) else EXIT_FAILED
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
        return main_dev(config, args.data_dir, ports, args.directory, wipe=args.reset)
    if args.command == "worker":
        import worker

        return worker.main()
    for commands in (codec_commands, simulate_commands, rules_commands):  # local work: no client to reach
        if args.command in commands.COMMANDS:
            try:
                return commands.run(args, config)
            except ConfigError as error:
                print(f"pathway: {error}", file=sys.stderr)
                return EXIT_INVALID
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
        return EXIT_FAILED
    except Unreachable as error:
        print(f"pathway: {error}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except DatabaseUnavailable as error:
        print(f"pathway: {database_unreachable(error, config.database_url)}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except (ConfigError, StoreError, LookupError) as error:
        print(f"pathway: {error}", file=sys.stderr)
        return EXIT_FAILED


async def _client_command(args: argparse.Namespace, config) -> int:
    today = local_date(datetime.now().astimezone())
    if args.command in temporal_commands.COMMANDS:
        return await temporal_commands.run(args, config)
    if args.command in db_commands.DB_COMMANDS:
        return await db_commands.run_db_command(args, config, today)
    return await pathway_commands.run(args, config, today)


if __name__ == "__main__":
    main()
