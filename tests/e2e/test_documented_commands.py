"""Every command in the README and in docs/ runs as written.

The shell blocks (```bash) are extracted. Those made only of commands a user runs beside the
stack (`pathway`, `curl`, `temporal`, variables, the venv's activation) are run, in order,
as bash scripts from the directory of a `pathway dev` stack started as a user starts it
(`tests/e2e/conftest.py`), on free ports: the one thing changed is the default port numbers,
replaced by the stack's. The others (the two commands, `--reset`, Docker Compose, key
generation) cannot run inside a test: each `pathway`, `scripts/dev` and `scripts/test`
invocation in them is checked against the real argument parsers instead, so no option they
name is missing. Relative links of every page must point to a file of the repository."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from pathway_cli.main import build_parser

REPOSITORY = Path(__file__).resolve().parents[2]
PAGES = [REPOSITORY / "README.md", *sorted((REPOSITORY / "docs").glob("*.md"))]
RUN_ORDER = ["README.md", "cli.md", "api.md", "architecture.md", "privacy.md", "rulesets.md", "fhir.md", "simulation.md"]
"""Pages whose runnable blocks run against the stack, in this order (the README's tour first)."""
RUNNABLE = {"pathway", "curl", "temporal", "."}
BLOCK = re.compile(r"^```(?:bash|sh)\n(.*?)^```", re.MULTILINE | re.DOTALL)
ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def shell_blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text())


def commands(block: str) -> list[list[str]]:
    """Each command of a block as words (continuations joined, comments dropped)."""
    joined = block.replace("\\\n", " ")
    return [words for line in joined.splitlines() if (words := shlex.split(line, comments=True))]


def runnable(block: str) -> bool:
    return all(words[0] in RUNNABLE or ASSIGNMENT.match(words[0]) for words in commands(block))


def every_block() -> list[tuple[str, int, str]]:
    return [(page.name, n, block) for page in PAGES for n, block in enumerate(shell_blocks(page), 1)]


def to_run() -> list[tuple[str, int, str]]:
    blocks = [b for b in every_block() if runnable(b[2])]
    assert {name for name, _, _ in blocks} <= set(RUN_ORDER), "a page with runnable blocks is missing from RUN_ORDER"
    return sorted(blocks, key=lambda b: RUN_ORDER.index(b[0]))


def test_the_readme_s_tour_is_among_the_commands_run():
    tour = [b for name, _, b in to_run() if name == "README.md"]
    assert tour and "pathway submit examples/natalizumab-patient.json" in tour[0]


@pytest.mark.parametrize(("page", "number", "block"), to_run(), ids=lambda v: v if isinstance(v, str) and
                         v.endswith(".md") else None)
def test_each_runnable_block_runs_as_written_against_the_stack(user_stack, page, number, block):
    home = user_stack.data_dir.parent
    script = (block.replace("127.0.0.1:8000", f"127.0.0.1:{user_stack.api_port}")
                   .replace("127.0.0.1:8233", f"127.0.0.1:{user_stack.ui_port}"))
    environment = {"PATH": f"{home / '.venv' / 'bin'}:{os.environ['PATH']}", "HOME": str(home), "LANG": "C.UTF-8"}
    if any(words[0] == "temporal" for words in commands(block)):
        # The temporal CLI's own variable: what `--address` would say for a stack off the default port.
        environment["TEMPORAL_ADDRESS"] = f"127.0.0.1:{user_stack.temporal_port}"
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=home, env=environment,
                            capture_output=True, text=True, timeout=180)
    said = f"{page} block {number}:\n{block}\n--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
    assert result.returncode == 0, said
    assert ":problem:" not in result.stdout and "Traceback" not in result.stderr, said


def _check_pathway(words: list[str], where: str) -> None:
    try:
        build_parser().parse_args(words)
    except SystemExit as exited:
        assert exited.code == 0, f"{where}: `pathway {' '.join(words)}` does not parse"


def _check_scripts_test(words: list[str], where: str) -> None:
    text = (REPOSITORY / "scripts" / "test").read_text()
    for word in words:
        if word.startswith("--"):
            assert f'"{word}"' in text, f"{where}: scripts/test has no {word}"


@pytest.mark.parametrize(("page", "number", "block"), every_block(),
                         ids=lambda v: v if isinstance(v, str) and v.endswith(".md") else None)
def test_every_documented_invocation_names_options_that_exist(page, number, block):
    where = f"{page} block {number}"
    for words in commands(block):
        for i, word in enumerate(words):
            if word == "pathway" and (i == 0 or words[i - 1] in ("api", "migrate", "worker")):
                _check_pathway(words[i + 1:], where)
            elif word.endswith("scripts/dev"):
                _check_pathway(["dev", *words[i + 1:]], where)
            elif word.endswith("scripts/test"):
                _check_scripts_test(words[i + 1:], where)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_points_to_a_file_of_the_repository(page):
    for target in LINK.findall(page.read_text()):
        if "://" in target or target.startswith("mailto:"):
            continue
        resolved = (page.parent / target).resolve()
        assert resolved.is_relative_to(REPOSITORY), f"{page.name}: {target} is outside the repository"
        assert resolved.exists(), f"{page.name}: {target}"


USER_FILES = [*PAGES, *sorted((REPOSITORY / "rulesets").rglob("*.yaml")), *sorted((REPOSITORY / "examples").rglob("*.json"))]
"""What a user of the project gets: the pages, the ruleset files and the examples."""


@pytest.mark.parametrize("path", USER_FILES, ids=lambda p: str(p.relative_to(REPOSITORY)))
def test_no_user_file_points_outside_the_repository(path):
    # The kind: a path into the team's notes beside the checkout (../shared/...), which users do
    # not have; the project's own files must hold what they need.
    outside = [named for named in re.findall(r"(?:\.\./)+[\w./-]*", path.read_text())
               if not (path.parent / named).resolve().is_relative_to(REPOSITORY)]
    assert outside == [], f"{path.relative_to(REPOSITORY)} names paths outside the repository"
