"""Calendar arithmetic for clinical dates.

Clinical dates carry no time of day. "N months after D" clamps to the end of the
month (2026-01-31 + 1 month = 2026-02-28), as the pathway contract requires.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

ISO_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
DATE_FORMAT_MESSAGE = "must be a calendar date written YYYY-MM-DD, e.g. 2027-03-01"
"""Only `YYYY-MM-DD` is a date: not an epoch in seconds or milliseconds ("1772323200"), which
pydantic and FastAPI would otherwise read as a timestamp, nor the basic form "20260301",
which `date.fromisoformat` takes since Python 3.11."""


def iso_date(text: str) -> date:
    """`YYYY-MM-DD` as a date; raises ValueError (saying the format) for anything else."""
    if not re.fullmatch(ISO_DATE_PATTERN, text):
        raise ValueError(DATE_FORMAT_MESSAGE)
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"{DATE_FORMAT_MESSAGE} ({error})") from None


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    # Not calendar.monthrange: it also computes the month's first weekday, and a long pathway's
    # plan adds months a few thousand times.
    last_day = 29 if month == 1 and calendar.isleap(year) else _DAYS_IN_MONTH[month]
    return date(year, month + 1, min(day.day, last_day))


def add_days(day: date, days: int) -> date:
    return day + timedelta(days=days)
