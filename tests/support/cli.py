"""Running the `pathway` console command as users do: a subprocess with its environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.events import EXAMPLES

PATHWAY = str(Path(sys.executable).parent / "pathway")
TEST_CODEC_KEYS = "test1:" + "A" * 43 + "="
"""A fixed 32-byte test key: every test client encrypts payloads, as production does."""

__all__ = ["EXAMPLES", "PATHWAY", "TEST_CODEC_KEYS", "run_cli"]


def run_cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 60):
    environment = {**os.environ, "PATHWAY_LOG_FORMAT": "json", "PATHWAY_CODEC_KEYS": TEST_CODEC_KEYS, **(env or {})}
    return subprocess.run([PATHWAY, *args], input=stdin, capture_output=True, text=True, env=environment, timeout=timeout)
