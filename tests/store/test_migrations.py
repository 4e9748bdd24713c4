import asyncio
import hashlib
import shutil

import asyncpg
import pytest

from store.db import StoreError, create_pool
from store.migrate import MIGRATIONS_DIR, apply_migrations, load_migrations
from tests.support.postgres import fresh_database

EXPECTED_TABLES = {"events", "patients", "obligations", "reminders", "neurologists", "centres", "schema_migrations"}


@pytest.fixture
async def empty_pool(pg_server):
    async with fresh_database(pg_server, migrate=False) as dsn, await create_pool(dsn, min_size=1, max_size=4) as pool:
        yield pool


async def tables(pool) -> set[str]:
    rows = await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r["tablename"] for r in rows}


async def test_migrations_are_applied_in_order_and_recorded_with_their_checksums(empty_pool):
    applied = await apply_migrations(empty_pool)

    files = sorted(MIGRATIONS_DIR.glob("*.sql"))
    assert applied == [f.stem for f in files]
    recorded = await empty_pool.fetch("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
    assert [r["name"] for r in recorded] == applied
    assert [r["version"] for r in recorded] == [int(f.name[:4]) for f in files]
    assert [r["checksum"] for r in recorded] == [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    assert all(r["applied_at"] is not None for r in recorded)
    assert EXPECTED_TABLES <= await tables(empty_pool)


async def test_applying_twice_is_a_no_op(empty_pool):
    await apply_migrations(empty_pool)
    before = await empty_pool.fetch("SELECT * FROM schema_migrations ORDER BY version")

    assert await apply_migrations(empty_pool) == []
    assert await empty_pool.fetch("SELECT * FROM schema_migrations ORDER BY version") == before


async def test_a_migration_changed_after_it_was_applied_is_refused_by_name(empty_pool, tmp_path):
    shutil.copytree(MIGRATIONS_DIR, tmp_path, dirs_exist_ok=True)
    await apply_migrations(empty_pool, tmp_path)
    first = sorted(tmp_path.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- an edit\n")

    with pytest.raises(StoreError, match=first.stem):
        await apply_migrations(empty_pool, tmp_path)


async def test_a_new_migration_is_applied_after_the_existing_ones(empty_pool, tmp_path):
    shutil.copytree(MIGRATIONS_DIR, tmp_path, dirs_exist_ok=True)
    await apply_migrations(empty_pool, tmp_path)
    (tmp_path / "9000_add_notes.sql").write_text("ALTER TABLE patients ADD COLUMN notes text;")

    assert await apply_migrations(empty_pool, tmp_path) == ["9000_add_notes"]
    assert await empty_pool.fetchval("SELECT count(*) FROM information_schema.columns WHERE column_name = 'notes'") == 1


async def test_a_failing_migration_is_rolled_back_alone_and_named(empty_pool, tmp_path):
    shutil.copytree(MIGRATIONS_DIR, tmp_path, dirs_exist_ok=True)
    (tmp_path / "9000_broken.sql").write_text("CREATE TABLE half_done (id int); SELECT no_such_function();")

    with pytest.raises(StoreError, match="9000_broken"):
        await apply_migrations(empty_pool, tmp_path)

    names = [r["name"] for r in await empty_pool.fetch("SELECT name FROM schema_migrations ORDER BY version")]
    assert names == [m.name for m in load_migrations()]
    assert "half_done" not in await tables(empty_pool)


async def test_two_processes_migrating_at_once_apply_each_migration_once(pg_server):
    async with fresh_database(pg_server, migrate=False) as dsn:
        async with await create_pool(dsn, min_size=1, max_size=1) as one, \
                await create_pool(dsn, min_size=1, max_size=1) as two:
            results = await asyncio.gather(apply_migrations(one), apply_migrations(two))

    assert sorted(results, key=len) == [[], [m.name for m in load_migrations()]]


def test_a_misnamed_migration_file_is_refused(tmp_path):
    (tmp_path / "1_initial.sql").write_text("SELECT 1;")

    with pytest.raises(StoreError, match="1_initial.sql"):
        load_migrations(tmp_path)


async def test_token_names_reused_before_0005_are_told_apart_and_never_given_again(empty_pool, tmp_path):
    for path in MIGRATIONS_DIR.glob("000[1-4]_*.sql"):
        shutil.copy(path, tmp_path)
    await apply_migrations(empty_pool, tmp_path)
    await empty_pool.execute(
        "INSERT INTO api_tokens (name, role, token_sha256, revoked_at) VALUES ('lab-1', 'integration', 'a', now()), "
        "('lab-1', 'integration', 'b', now()), ('lab-1', 'integration', 'c', NULL), ('x' || repeat('y', 63), "
        "'staff', 'd', now()), ('x' || repeat('y', 63), 'staff', 'e', NULL)")

    shutil.copy(next(MIGRATIONS_DIR.glob("0005_*.sql")), tmp_path)  # later migrations are not this test's
    assert await apply_migrations(empty_pool, tmp_path) == ["0005_token_names_never_reused"]

    rows = await empty_pool.fetch("SELECT token_id, name, token_sha256 FROM api_tokens ORDER BY token_id")
    names = {r["token_sha256"]: r["name"] for r in rows}
    ids = {r["token_sha256"]: r["token_id"] for r in rows}
    assert (names["a"], names["b"], names["c"]) == (f"lab-1-r{ids['a']}", f"lab-1-r{ids['b']}", "lab-1")
    assert names["e"] == "x" + "y" * 63 and len(names["d"]) == 64 and names["d"].endswith(f"-r{ids['d']}")
    with pytest.raises(asyncpg.UniqueViolationError):
        await empty_pool.execute("INSERT INTO api_tokens (name, role, token_sha256) VALUES ('lab-1', 'staff', 'f')")
