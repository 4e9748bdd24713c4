"""French words for stages, tracks and event types (`labels.toml` beside this module), and the
templates' environment: `rendering.environment` with this package's templates first and the
`staff` filter for these groups."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from jinja2 import Environment

from rendering import environment

TEMPLATES = Path(__file__).with_name("templates")


@cache
def _table() -> dict[str, dict[str, dict[str, str]]]:
    with Path(__file__).with_name("labels.toml").open("rb") as handle:
        return tomllib.load(handle)


def word(code: str, group: str, locale: str = "fr") -> str:
    """The label of `code` in `group` (`stage`, `track`, `event`); the code itself if unknown,
    so a new code shows, never a blank. An unknown group raises `KeyError`."""
    entry = _table()[group].get(code)
    return entry[locale] if entry else code


@cache
def pages() -> Environment:
    """The French environment of the staff pages (cached, as `rendering.environment` is)."""
    env = environment("fr", [TEMPLATES])
    env.filters["word"] = word
    return env
