"""Every store test gets its own freshly migrated database on a real PostgreSQL server
(see tests/support/postgres.py for where the server comes from): these fixtures override the
session-wide `database` and `pool` of tests/support/stack_fixtures.py."""

from __future__ import annotations

import pytest_asyncio

from store.db import create_pool
from tests.support.postgres import FAST_SETTINGS, DatabaseSupply, server_dsn


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
