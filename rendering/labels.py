"""Staff-facing labels for the engine's codes (kinds, statuses, reminder rungs, roles...), French
first, English available, read from `labels.toml` beside this module.

A plain keyed data file rather than gettext catalogues: what needs words here are codes the
domain emits (`mri`, `overdue_3`), not sentences in code, so a table keyed by code, one column
per language, is what a centre can read and reword; it needs no extraction or `.mo` compile step.
Sentences live in the templates, one directory per locale.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
_FILE = Path(__file__).with_name("labels.toml")


class UnknownLocale(ValueError):
    """A locale this package has no words for (supported: `LOCALES`)."""


def check_locale(locale: str) -> str:
    """`locale` itself if supported (`fr`, `en`); raises `UnknownLocale` otherwise."""
    if locale not in LOCALES:
        raise UnknownLocale(f"unknown locale {locale!r}; supported: {', '.join(LOCALES)}")
    return locale


@cache
def table() -> dict[str, dict[str, dict[str, str]]]:
    """group -> code -> locale -> label, as in `labels.toml`."""
    with _FILE.open("rb") as handle:
        return tomllib.load(handle)


def label(code: str, group: str, locale: str = DEFAULT_LOCALE) -> str:
    """The label of `code` in `group` (`kind`, `closed_by`, `status`, `rung`, `role`, `urgency`,
    `delivery`, `mode`, and for the staff pages `stage`, `track`, `event`). A rung `overdue_N` reads as `overdue`. An unknown group raises
    `KeyError`; an unknown code gives the code itself, so a new code is visible, never blank."""
    check_locale(locale)
    entries = table()[group]
    if group == "rung" and code.startswith("overdue_"):
        code = "overdue"
    entry = entries.get(code)
    return entry[locale] if entry else code
