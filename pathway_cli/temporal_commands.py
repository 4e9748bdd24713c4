"""`pathway temporal setup`: register the pathway search attributes on an existing
namespace (the dev server gets them at start) and create the `pathway-reconcile` schedule and
the daily digest schedules (`pathway-digest-default`, one per centre with its own ruleset).
Running it again changes nothing (the schedules take the configured interval and hours)."""

from __future__ import annotations

import argparse
from datetime import timedelta

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest

from contracts.pathway import RECONCILE_SCHEDULE
from pathway_cli.reach import temporal_client
from pathway_runtime.bootstrap import rulesets_for
from pathway_runtime.config import AppConfig
from service.schedule import digest_schedules, ensure_digest_schedules, ensure_reconcile_schedule
from workflows import search_attributes

COMMANDS = {"temporal", "digest"}


def add_parsers(commands) -> None:
    commands.add_parser("digest", help="send today's reminder digests now (triggers each digest schedule; "
                                       "a recipient who had today's gets nothing more)")
    temporal = commands.add_parser("temporal", help="Temporal namespace set-up")
    sub = temporal.add_subparsers(dest="temporal_command", required=True)
    sub.add_parser("setup", help="register the pathway search attributes, the reconcile and digest schedules "
                                 "(idempotent)")


async def run(args: argparse.Namespace, config: AppConfig) -> int:
    client = await temporal_client(config)
    if args.command == "digest":
        for schedule_id in digest_schedules(config.task_queue, rulesets_for(config)):
            await client.get_schedule_handle(schedule_id).trigger()
            print(f"triggered {schedule_id}")
        return 0
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=config.temporal_namespace))
    known = set(existing.custom_attributes)
    missing = {key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
               for key in search_attributes.ALL if key.name not in known}
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=config.temporal_namespace, search_attributes=missing))
    print(f"registered {', '.join(missing)}" if missing else "search attributes already registered")
    done = await ensure_reconcile_schedule(client, config.task_queue, timedelta(minutes=config.reconcile_every_minutes))
    print(f"schedule {RECONCILE_SCHEDULE} {done}: a reconcile every {config.reconcile_every_minutes:g} min")
    for schedule_id, outcome in (await ensure_digest_schedules(client, config.task_queue, rulesets_for(config))).items():
        print(f"schedule {schedule_id} {outcome}: the daily reminder digest")
    return 0
