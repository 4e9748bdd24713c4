"""The staff pages' templates environment: `rendering.environment` with this package's
templates first (words for codes, stages and event types included, come from
`rendering/labels.toml` through the `label` filter)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment

from rendering import environment

TEMPLATES = Path(__file__).with_name("templates")


@cache
def pages() -> Environment:
    """The French environment of the staff pages (cached, as `rendering.environment` is)."""
    return environment("fr", [TEMPLATES])
