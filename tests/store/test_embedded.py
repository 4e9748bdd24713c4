import tempfile
from pathlib import Path

import asyncpg

from store.embedded import EmbeddedPostgres


async def test_the_embedded_server_starts_and_answers_on_its_unix_socket():
    # Under /tmp, not pytest's tmp_path: as root the library opens up every parent
    # directory of the data directory to the `pgserver` user it runs PostgreSQL as.
    with tempfile.TemporaryDirectory(prefix="pgembedded-") as scratch:
        with EmbeddedPostgres(Path(scratch) / "data") as pg:
            assert "host=" in pg.uri
            conn = await asyncpg.connect(pg.uri)
            try:
                assert await conn.fetchval("SELECT 40 + $1::int", 2) == 42
            finally:
                await conn.close()
        assert not (Path(scratch) / "data" / "postmaster.pid").exists()
