"""Fixtures of the real stack, for every suite that drives pathways (integration, API, faults):
the Temporal dev server with server-side time skipping (one per session), one migrated
PostgreSQL database (one per session; patients differ per test), a worker on a fresh task
queue per test. Registered by the root `tests/conftest.py`; a suite may override one (the
store suite takes a fresh database per test)."""

from __future__ import annotations

import uuid

import pytest
import pytest_asyncio

from store.db import create_pool
from tests.integration.stack import recording_stack
from tests.support.postgres import fresh_database
from tests.support.temporal import time_skipping_environment


@pytest_asyncio.fixture(scope="session")
async def env():
    async with await time_skipping_environment() as environment:
        yield environment


@pytest_asyncio.fixture(scope="session")
async def database():
    """One migrated database for the session (patients differ per test)."""
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
