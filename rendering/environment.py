"""The Jinja2 environment per locale: loaders, autoescaping, the locale-aware filters."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache, partial
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from rendering.formatting import format_date, format_datetime, format_days
from rendering.labels import DEFAULT_LOCALE, check_locale, label

TEMPLATES = Path(__file__).with_name("templates")


def environment(locale: str = DEFAULT_LOCALE, search_path: Sequence[str | Path] = ()) -> Environment:
    """The environment for `locale` (see the package docstring); the same object for the same
    arguments. Raises `UnknownLocale`."""
    return _environment(check_locale(locale), tuple(str(p) for p in search_path))


@lru_cache(maxsize=32)
def _environment(locale: str, search_path: tuple[str, ...]) -> Environment:
    directories: list[Path] = []
    for extra in map(Path, search_path):
        directories += [extra / locale, extra]
    directories += [TEMPLATES / locale, TEMPLATES / "common"]
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(d) for d in directories]),
        autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=False),
        undefined=StrictUndefined,  # a misspelt variable fails the render, never an empty hole in a reminder
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date"] = partial(_date, locale=locale)
    env.filters["datetime"] = partial(_datetime, locale=locale)
    env.filters["days"] = partial(_days, locale=locale)
    env.filters["label"] = partial(_label, locale=locale)
    env.globals["locale"] = locale
    return env


def _date(value, locale: str) -> str:  # type: ignore[no-untyped-def]
    return format_date(value, locale)


def _datetime(value, tz=None, locale: str = DEFAULT_LOCALE) -> str:  # type: ignore[no-untyped-def]
    return format_datetime(value, locale, tz)


def _days(value: int, locale: str) -> str:
    return format_days(value, locale)


def _label(code: str, group: str, locale: str) -> str:
    return label(code, group, locale)
