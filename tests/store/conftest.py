"""Every store test gets its own freshly migrated database on a real PostgreSQL server
(see tests/pg_support.py for where the server comes from)."""

from __future__ import annotations

import uuid

import pytest
import pytest_asyncio

from store.db import create_pool
from tests.pg_support import FAST_SETTINGS, DatabaseSupply, server_dsn


@pytest_asyncio.fixture(scope="session")
async def pg_server() -> str:
    # An embedded server, if one had to be started, stops at interpreter exit: other
    # suites in the same session may still be using it when this fixture is torn down.
    return await server_dsn()


@pytest_asyncio.fixture(scope="session")
async def database_supply(pg_server):
    supply = DatabaseSupply(pg_server)
    yield supply
    await supply.close()


@pytest_asyncio.fixture
async def database(database_supply):
    async with database_supply.database() as dsn:
        yield dsn


@pytest_asyncio.fixture
async def pool(database):
    async with await create_pool(database, min_size=1, max_size=4, server_settings=FAST_SETTINGS) as pool:
        yield pool


@pytest.fixture
def patient_ref() -> str:
    return f"P{uuid.uuid4().hex[:12]}"
