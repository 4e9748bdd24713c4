"""Root of the test tree: what every suite shares. Fixtures of the real stack (Temporal dev
server, PostgreSQL, a worker, the API over HTTP) come from `tests/support` as plugins, so no
conftest imports another; helpers are plain modules of `tests/support`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.logs import route_structlog_to_logging

pytest_plugins = ["tests.support.stack_fixtures", "tests.support.api"]

TESTS = Path(__file__).resolve().parent
STARTS_SERVERS = ("faults", "e2e", "bench")
"""Suites whose tests start their own Temporal dev server (beside those using the `env` fixture)."""


def pytest_configure(config: pytest.Config) -> None:
    route_structlog_to_logging()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `integration` every test that needs the real Temporal dev server: those using the
    `env` fixture (directly or through another fixture) and the suites that start their own, so
    that `pytest -m "not integration"` runs the rest (unit, store, delivery, replay, deploy, ...)."""
    for item in items:
        path = Path(str(item.path)).resolve()
        suite = path.relative_to(TESTS).parts[0] if path.is_relative_to(TESTS) else ""
        if "env" in getattr(item, "fixturenames", ()) or suite in STARTS_SERVERS:
            item.add_marker(pytest.mark.integration)
