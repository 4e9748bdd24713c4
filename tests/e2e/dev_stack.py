"""`pathway dev` as a subprocess on free ports, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pathway_runtime.ports import free_port
from tests.support.cli import PATHWAY


@dataclass
class DevStack:
    process: subprocess.Popen
    data_dir: Path
    temporal_port: int
    ui_port: int
    smtp_port: int
    codec_port: int
    api_port: int
    printed: str = ""

    @property
    def cli_env(self) -> dict[str, str]:
        """What a CLI next to the stack needs: nothing but the stack file `pathway dev` wrote
        (addresses and the key file), as a user running it from the same directory has."""
        return {"PATHWAY_STACK_ENV": str(self.data_dir / "stack.env"), "PATHWAY_CODEC_KEYS": "",
                "TEMPORAL_ADDRESS": "", "DATABASE_URL": ""}

    @property
    def ui(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"

    def token(self, role: str) -> str:
        lines = (self.data_dir / "api-tokens").read_text().splitlines()
        return next(line.split("=", 1)[1] for line in lines if line.startswith(f"{role}="))

    @property
    def ports(self) -> list[int]:
        """temporal, ui, smtp, codec, api: what `start_dev(..., ports=)` takes to start on the same ones."""
        return [self.temporal_port, self.ui_port, self.smtp_port, self.codec_port, self.api_port]

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        output, _ = self.process.communicate(timeout=30)
        return output

    def crash(self) -> None:
        """SIGKILL, as a crash, an OOM kill or a closed terminal's second signal: no clean-up runs."""
        self.process.kill()
        self.process.communicate(timeout=30)


def start_dev(data_dir: Path, *extra: str, ports: list[int] | None = None, cwd: Path | None = None) -> DevStack:
    ports = ports or [free_port() for _ in range(5)]
    process = subprocess.Popen(
        [PATHWAY, "dev", "--data-dir", str(data_dir), "--port", str(ports[0]), "--ui-port", str(ports[1]),
         "--smtp-port", str(ports[2]), "--codec-port", str(ports[3]), "--api-port", str(ports[4]), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PATHWAY_LOG_FORMAT": "json"}, cwd=cwd,
    )
    stack = DevStack(process, data_dir, ports[0], ports[1], ports[2], ports[3], ports[4])
    stack.printed = "".join(wait_for_line(process, "Worker running", timeout=60))
    return stack


def wait_for_line(process: subprocess.Popen, needle: str, timeout: float = 30) -> list[str]:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} not printed; got {lines}")
