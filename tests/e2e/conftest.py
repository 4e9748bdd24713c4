"""One `pathway dev` stack shared by the e2e tests that only read from it or add their own
patients: started as a user starts it, from a directory of its own (a temporary one holding
`.venv`, `examples/` and `rulesets/` as a clone does), data in its default `.pathway`, on free ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.dev_stack import DevStack, start_dev

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def user_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    home = tmp_path_factory.mktemp("clone")
    for name in (".venv", "examples", "rulesets", "scripts"):
        (home / name).symlink_to(REPOSITORY / name)
    stack = start_dev(home / ".pathway", cwd=home)
    try:
        yield stack
    finally:
        stack.stop()
