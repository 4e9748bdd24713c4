"""Dates, times and durations in the reader's locale (Babel, CLDR data).

French: `01/12/2025`, `01/12/2025 08:00`, `35 jours`; English: `Dec 1, 2025`,
`Dec 1, 2025, 8:00 AM`, `35 days`.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.units import format_unit

from rendering.labels import DEFAULT_LOCALE, check_locale

_DATE = {"fr": "dd/MM/yyyy", "en": "medium"}
_DATETIME = {"fr": "dd/MM/yyyy HH:mm", "en": "MMM d, y, h:mm a"}


def format_date(value: date, locale: str = DEFAULT_LOCALE) -> str:
    """A calendar date: `01/12/2025` (fr), `Dec 1, 2025` (en). Raises `UnknownLocale`."""
    return _babel_date(value, _DATE[check_locale(locale)], locale=locale)


def format_datetime(value: datetime, locale: str = DEFAULT_LOCALE, tz: str | tzinfo | None = None) -> str:
    """An instant at the wall clock of `tz` (an IANA name or tzinfo; default: the value's own
    zone): `01/12/2025 08:00` (fr), `Dec 1, 2025, 8:00 AM` (en). A naive value raises ValueError."""
    if value.tzinfo is None:
        raise ValueError("format_datetime needs an aware datetime")
    zone = ZoneInfo(tz) if isinstance(tz, str) else (tz or value.tzinfo)
    return _babel_datetime(value, _DATETIME[check_locale(locale)], tzinfo=zone, locale=locale)


def format_days(days: int, locale: str = DEFAULT_LOCALE) -> str:
    """A whole number of days with its plural: `1 jour`, `35 jours` (fr), `35 days` (en)."""
    return format_unit(days, "duration-day", length="long", locale=check_locale(locale))
