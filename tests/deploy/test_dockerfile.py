"""The Dockerfile and .dockerignore, checked by reading them (no Docker engine here)."""

from __future__ import annotations

import re

from tests.deploy import stack


def final_stage() -> list[stack.Instruction]:
    return stack.dockerfile_stages()[-1]


def last(keyword: str) -> stack.Instruction | None:
    return next((i for i in reversed(final_stage()) if i.keyword == keyword), None)


def test_image_is_built_in_stages_on_python_3_11_slim():
    stages = stack.dockerfile_stages()
    assert len(stages) >= 2, "build and runtime stages"
    names = {stage[0].args.split()[-1] for stage in stages if " AS " in stage[0].args.upper()}
    for stage in stages:
        image = stack.base_image(stage[0])
        assert image in names or image.startswith("python:3.11-slim"), f"FROM {image}"


def test_image_runs_as_a_non_root_user():
    user = last("USER")
    assert user is not None, "the final stage sets no USER (root by default)"
    assert user.args.split(":")[0] not in ("root", "0")


def test_image_installs_the_project_with_pip_and_without_the_dev_extra():
    runs = " ; ".join(i.args for stage in stack.dockerfile_stages() for i in stage if i.keyword == "RUN")
    assert re.search(r"pip install( --?[\w-]+)* \.(\s|$)", runs), "pip install . of the project"
    assert "[dev]" not in stack.DOCKERFILE.read_text()
    assert "-e ." not in runs and "--editable" not in runs


def test_image_runs_the_worker_by_default_and_checks_its_health():
    assert stack.exec_form(last("CMD")) == ["python", "-m", "worker"]
    healthcheck = last("HEALTHCHECK")
    assert healthcheck is not None and "NONE" not in healthcheck.args


def test_build_context_leaves_out_secrets_and_local_state():
    patterns = stack.dockerignore_patterns()
    for excluded in (".env", "**/.env", "**/*.env", ".git", ".venv", ".pathway"):
        assert excluded in patterns, f".dockerignore: add {excluded}"
    for needed in ("pyproject.toml", "README.md", "*.md", "*.toml"):
        assert needed not in patterns, f".dockerignore leaves out {needed}, which `pip install .` needs"
