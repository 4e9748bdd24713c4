"""Ordered SQL migrations (`store/migrations/NNNN_name.sql`), applied by a command:

    python -m store.migrate            # uses DATABASE_URL

Each file runs in its own transaction and is recorded in `schema_migrations` with its
sha256; a file changed after it was applied is refused, by name. A session-level
advisory lock lets several processes migrate the same database at once safely.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from store import queries
from store.db import StoreError, connection, create_pool

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
FILE_PATTERN = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Any constant shared by every process migrating this schema; advisory locks are per database.
LOCK_KEY = 0x6D735F7061746877  # "ms_pathw"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    """The file's stem, e.g. `0001_initial`."""
    sql: str
    checksum: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in version order; a misnamed `.sql` file or a repeated version is an error."""
    migrations: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = FILE_PATTERN.match(path.name)
        if match is None:
            raise StoreError(f"migration file {path.name!r} is not named NNNN_lower_snake_name.sql")
        version = int(match.group(1))
        if version in migrations:
            raise StoreError(f"migrations {migrations[version].name!r} and {path.stem!r} share version {version}")
        data = path.read_bytes()
        migrations[version] = Migration(version, path.stem, data.decode("utf-8"), hashlib.sha256(data).hexdigest())
    return [migrations[v] for v in sorted(migrations)]


def _check_unchanged(migrations: list[Migration], applied: dict[int, asyncpg.Record]) -> None:
    for migration in migrations:
        record = applied.get(migration.version)
        if record is not None and record["checksum"] != migration.checksum:
            raise StoreError(
                f"migration {migration.name!r} was changed after it was applied "
                f"(recorded sha256 {record['checksum'][:12]}…, file {migration.checksum[:12]}…); "
                "add a new migration instead of editing an applied one"
            )


async def _apply_one(conn: asyncpg.Connection, migration: Migration) -> None:
    try:
        async with conn.transaction():
            await conn.execute(migration.sql)
            await conn.execute(queries.MIGRATIONS_RECORD, migration.version, migration.name, migration.checksum)
    except asyncpg.PostgresError as error:
        raise StoreError(f"migration {migration.name!r} failed and was rolled back: {error}") from error


async def apply_migrations(pool: asyncpg.Pool, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the pending migrations in order; return the names applied by this call.

    Versions recorded in the database but absent from `directory` (a newer release
    migrated first) are left alone.
    """
    migrations = load_migrations(directory)
    async with connection(pool) as conn:
        await conn.execute(queries.MIGRATIONS_LOCK, LOCK_KEY)
        try:
            await conn.execute(queries.MIGRATIONS_BOOTSTRAP)
            applied = {r["version"]: r for r in await conn.fetch(queries.MIGRATIONS_APPLIED)}
            _check_unchanged(migrations, applied)
            done = []
            for migration in migrations:
                if migration.version not in applied:
                    await _apply_one(conn, migration)
                    done.append(migration.name)
            return done
        finally:
            await conn.execute(queries.MIGRATIONS_UNLOCK, LOCK_KEY)


async def _main() -> int:
    dsn = os.environ.get("DATABASE_URL")
    if not dsn:
        print("store.migrate: DATABASE_URL is not set", file=sys.stderr)
        return 2
    try:
        async with await create_pool(dsn, min_size=1, max_size=1) as pool:
            applied = await apply_migrations(pool)
    except StoreError as error:
        print(f"store.migrate: {error}", file=sys.stderr)
        return 1
    print("applied: " + ", ".join(applied) if applied else "schema up to date")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
