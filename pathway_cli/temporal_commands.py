"""`pathway temporal setup`: register the pathway search attributes on an existing
namespace (the dev server gets them at start) and create the `pathway-reconcile` schedule.
Running it again changes nothing (the schedule takes the configured interval)."""

from __future__ import annotations

import argparse
from datetime import timedelta

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest

from contracts.pathway import RECONCILE_SCHEDULE
from pathway_cli.reach import temporal_client
from pathway_runtime.config import AppConfig
from service.schedule import ensure_reconcile_schedule
from workflows import search_attributes

COMMANDS = {"temporal"}


def add_parsers(commands) -> None:
    temporal = commands.add_parser("temporal", help="Temporal namespace set-up")
    sub = temporal.add_subparsers(dest="temporal_command", required=True)
    sub.add_parser("setup", help="register the pathway search attributes and the reconcile schedule (idempotent)")


async def run(args: argparse.Namespace, config: AppConfig) -> int:
    client = await temporal_client(config)
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
    return 0
