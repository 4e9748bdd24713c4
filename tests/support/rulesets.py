"""Rulesets for tests that are about one reminder, one e-mail (the behaviour before digests):
the shipped ruleset with `delivery_mode: immediate`. Tests of digests use the shipped one."""

from __future__ import annotations

from pathlib import Path

from domain.ruleset import Ruleset, RulesetRegistry, single
from domain.settings import DeliveryMode
from rulesets import DEFAULT_FILE
from rulesets import default as default_ruleset


def immediate(ruleset: Ruleset | None = None) -> Ruleset:
    ruleset = ruleset or default_ruleset()
    return ruleset.with_settings(ruleset.settings.model_copy(update={"delivery_mode": DeliveryMode.IMMEDIATE}))


def immediate_registry() -> RulesetRegistry:
    return single(immediate())


def immediate_ruleset_file(directory: Path) -> Path:
    """The shipped ruleset file with `delivery_mode: immediate`, for a worker process (`PATHWAY_RULESET`)."""
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    assert "delivery_mode: digest" in text, "the shipped ruleset names its delivery mode"
    path = directory / "immediate.yaml"
    path.write_text(text.replace("delivery_mode: digest", "delivery_mode: immediate", 1), encoding="utf-8")
    return path
