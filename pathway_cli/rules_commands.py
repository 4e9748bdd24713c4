"""`pathway rules`: the rulesets a deployment runs, and changing one safely.

    pathway rules [--centre C | --file F]        the ruleset in force (tables) and the versions
                                                 each centre, the API and the workers run
    pathway rules check FILE                      validate a file on its own (exit 0, or 1)
    pathway rules diff OLD NEW                    what changed, row by row
    pathway rules preview NEW [--centre C] [--json]
                                                 what NEW would do to the patients followed
    pathway rules schema                          the JSON Schema of a ruleset file
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path

from domain.planner import local_date
from domain.ruleset import Ruleset
from domain.ruleset_diff import ruleset_changes
from pathway_cli.render import render_rules, table
from pathway_runtime.bootstrap import rulesets_for
from pathway_runtime.config import AppConfig, ConfigError
from rulesets import RulesetError, load
from service.preview import PreviewReport, preview
from store.db import StoreError, create_pool
from store.event_store import EventStore
from store.runtime_processes import RuntimeProcesses

COMMANDS = {"rules"}


def add_parsers(commands) -> None:
    rules = commands.add_parser("rules", help="the rulesets in force; check, diff and preview a ruleset file")
    rules.add_argument("--centre", help="show the ruleset of this centre (default: the deployment's default)")
    rules.add_argument("--file", type=Path, help="show this ruleset file instead")
    sub = rules.add_subparsers(dest="rules_command")
    check = sub.add_parser("check", help="validate a ruleset file on its own (exit 0, or 1 naming each problem)")
    check.add_argument("file", type=Path)
    diff = sub.add_parser("diff", help="what changed between two ruleset files, row by row")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)
    look = sub.add_parser("preview", help="what a new ruleset would do to the patients followed (needs DATABASE_URL)")
    look.add_argument("new", type=Path)
    look.add_argument("--centre", dest="preview_centre",
                      help="the centre adopting it (default: the patients on the default ruleset)")
    look.add_argument("--json", action="store_true", help="print the report as JSON")
    sub.add_parser("schema", help="print the JSON Schema of a ruleset file (docs/ruleset.schema.json)")


def run(args: argparse.Namespace, config: AppConfig) -> int:
    """Synchronous commands; `preview` and the versions of running processes use asyncio."""
    import asyncio

    command = args.rules_command
    if command == "check":
        return _check(args.file)
    if command == "diff":
        old, new = _load(args.old), _load(args.new)
        changes = ruleset_changes(old, new)
        print(f"{old.reference} -> {new.reference}")
        print("\n".join(f"  {line}" for line in changes) if changes else "  no change")
        return 0
    if command == "schema":
        print(json.dumps(schema(), indent=2))
        return 0
    if command == "preview":
        return asyncio.run(_preview(args, config))
    return asyncio.run(_show(args, config))


def schema() -> dict:
    document = Ruleset.model_json_schema(mode="validation")
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "MS follow-up pathway ruleset"
    return document


def _check(path: Path) -> int:
    try:
        ruleset = load(path)
    except RulesetError as error:
        print("\n".join(error.problems), file=sys.stderr)
        return 1
    print(f"{path}: ok, {ruleset.reference} ({ruleset.status}): {len(ruleset.molecules)} molecules, "
          f"{len(ruleset.rules)} rules, {len(ruleset.monitoring)} monitoring rows")
    return 0


def _load(path: Path) -> Ruleset:
    try:
        return load(path)
    except RulesetError as error:
        raise ConfigError(str(error)) from None


async def _show(args: argparse.Namespace, config: AppConfig) -> int:
    registry = rulesets_for(config)
    ruleset = _load(args.file) if args.file else registry.for_centre(args.centre)
    print(render_rules(ruleset))
    print()
    rows = [[who, version] for who, version in registry.versions().items()]
    print(table(["centre", "ruleset (this configuration)"], rows))
    workers = await _running(config)
    if workers is not None:
        mismatched = [p for p in workers if p.rulesets != registry.versions()]
        print(f"\n{len(workers)} process(es) running seen in the last 3 minutes"
              + (f"; {len(mismatched)} run other rulesets:" if mismatched else ", all with these rulesets"))
        for p in mismatched:
            print(f"  {p.kind} {p.host} pid {p.pid}: {json.dumps(p.rulesets)}")
    return 0


async def _running(config: AppConfig):
    if not config.database_url:
        return None
    try:
        pool = await create_pool(config.database_url, min_size=0, max_size=1)
    except StoreError:
        return None
    try:
        return await RuntimeProcesses(pool).live()
    except Exception:  # an old schema, or PostgreSQL down: the configuration alone is shown
        return None
    finally:
        await pool.close()


async def _preview(args: argparse.Namespace, config: AppConfig) -> int:
    if not config.database_url:
        raise ConfigError("DATABASE_URL is not set; a preview reads the event store (see README)")
    new = _load(args.new)
    registry = rulesets_for(config)
    today = local_date(datetime.now().astimezone(), registry.for_centre(args.preview_centre).settings)
    pool = await create_pool(config.database_url)
    try:
        report = await preview(EventStore(pool), registry, new, args.preview_centre, today, progress=_progress())
    finally:
        await pool.close()
    print(report.model_dump_json(indent=2) if args.json else render_preview(report))
    return 0


def _progress():
    """Progress on a terminal (rich), nothing when the output is redirected."""
    if not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress("recomputing plans", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True)
    task = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            bar.start()
            task = bar.add_task("plans", total=total)
        bar.update(task, completed=done)
        if done >= total:
            bar.stop()

    return update


def render_preview(report: PreviewReport) -> str:
    who = f"centre {report.centre}" if report.centre else "the patients on the default ruleset"
    lines = [f"preview of {report.new} for {who}, adopted on {report.adoption_day.isoformat()}",
             f"  now: {', '.join(report.current) or '-'}",
             f"  {report.patients} patients, {report.affected} affected ({report.seconds:g} s)"]
    for name in ("added", "removed", "moved"):
        counts = getattr(report, name)
        lines.append(f"  obligations {name}: {sum(counts.values())}")
        for key, count in counts.items():
            lines.append(f"    {key}: {count}")
            lines += [f"      e.g. {example}" for example in report.examples.get(f"{name}: {key}", [])]
    day = date.fromordinal(report.adoption_day.toordinal() + 1).isoformat()
    lines.append(f"  reminders on {day}: {sum(report.reminders_new.values())} under the new ruleset, "
                 f"{report.reminders_current} under the current one")
    lines += [f"    {key}: {count}" for key, count in report.reminders_new.items()]
    return "\n".join(lines)
