"""Calendar arithmetic for clinical dates.

Clinical dates carry no time of day. "N months after D" clamps to the end of the
month (2026-01-31 + 1 month = 2026-02-28), as the pathway contract requires.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def add_days(day: date, days: int) -> date:
    return day + timedelta(days=days)
