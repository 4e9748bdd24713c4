import socket

import pytest

from store.db import DatabaseUnavailable, StoreError, create_pool, redact_dsn, translate_errors


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_an_unreachable_server_is_reported_without_the_password():
    dsn = f"postgresql://app:s3cret-pw@127.0.0.1:{closed_port()}/pathway"

    with pytest.raises(DatabaseUnavailable) as unavailable:
        await create_pool(dsn, timeout=2)

    message = str(unavailable.value)
    assert "PostgreSQL is unavailable at postgresql://app:***@127.0.0.1" in message
    assert "s3cret-pw" not in message


async def test_a_missing_database_is_reported_as_unavailable(database):
    with pytest.raises(DatabaseUnavailable, match="does not exist"):
        await create_pool(database + "_absent", timeout=5)


async def test_a_statement_error_is_not_mistaken_for_an_outage(pool):
    with pytest.raises(Exception) as raised:
        async with translate_errors():
            await pool.execute("SELECT no_such_column FROM events")
    assert not isinstance(raised.value, StoreError)


async def test_jsonb_columns_take_and_return_python_values(pool):
    value = {"list": [1, 2.5, "x", None], "nested": {"ok": True}}
    assert await pool.fetchval("SELECT $1::jsonb", value) == value
    assert await pool.fetchval("SELECT $1::jsonb", [1, 2]) == [1, 2]


def test_passwords_are_redacted_in_every_dsn_form():
    assert redact_dsn("postgresql://u:pw@h:5432/db?sslmode=require") == "postgresql://u:***@h:5432/db?sslmode=require"
    assert redact_dsn("postgresql://u@h/db?password=pw&x=1") == "postgresql://u@h/db?password=***&x=1"
    assert redact_dsn("postgresql://postgres:@/postgres?host=/tmp/s") == "postgresql://postgres:***@/postgres?host=/tmp/s"
    assert redact_dsn("host=h password=pw dbname=d") == "host=h password=*** dbname=d"


async def test_translate_errors_also_works_as_a_decorator():
    @translate_errors("postgresql://u:pw@db:5432/x")
    async def lose_the_connection() -> None:
        raise ConnectionResetError("connection reset by peer")

    with pytest.raises(DatabaseUnavailable, match=r"at postgresql://u:\*\*\*@db:5432/x: ConnectionResetError"):
        await lose_the_connection()
    with pytest.raises(DatabaseUnavailable):
        await lose_the_connection()
