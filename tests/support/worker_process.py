"""A real `python -m worker` process for crash and fault tests, and the environment it reads."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from pathlib import Path

from tests.integration.staff_stack import DOMAIN
from tests.support.cli import TEST_CODEC_KEYS
from tests.support.rulesets import immediate_ruleset_file

_RULESETS = Path(tempfile.mkdtemp(prefix="pathway-test-rulesets-"))


def worker_environment(temporal_address: str, database: str, task_queue: str, smtp_port: int,
                       delivery_mode: str = "immediate") -> dict[str, str]:
    """What `python -m worker` reads: the stack under test, e-mail to the catcher. With
    `delivery_mode` immediate (one e-mail per reminder) the worker reads the shipped ruleset
    so changed; `digest` keeps the shipped ruleset as it is."""
    environment = {
        "TEMPORAL_ADDRESS": temporal_address, "DATABASE_URL": database, "PATHWAY_TASK_QUEUE": task_queue,
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port), "PATHWAY_MESSAGE_ID_DOMAIN": DOMAIN,
        "PATHWAY_LOG_FORMAT": "json", "PATHWAY_CODEC_KEYS": TEST_CODEC_KEYS,
    }
    if delivery_mode == "immediate":
        environment["PATHWAY_RULESET"] = str(immediate_ruleset_file(_RULESETS))
    return environment



class WorkerProcess:
    def __init__(self, environment: dict[str, str]) -> None:
        self.environment = environment
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "worker", env={**os.environ, **self.environment},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        while True:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout=30)
            if not line:
                raise AssertionError("the worker exited before starting")
            if b"worker started" in line:
                asyncio.get_running_loop().create_task(self._drain())
                return

    async def _drain(self) -> None:
        while self.process and await self.process.stdout.readline():
            pass

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), timeout=20)
