"""Periods: KPI periods ("2026-Q4", "2026-H2", "2026-11", "2026") and check-in weeks (ISO weeks)."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?:Q(?P<q>[1-4])|H(?P<h>[12])|(?P<m>0[1-9]|1[0-2])))?$")


class PeriodError(ValueError):
    """A period string kpibot cannot read."""


@lru_cache(maxsize=4096)
def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a KPI period, inclusive. Also ``2027-01-01..2027-03-31`` (an agreed range).

    Remembered per text (the result is immutable): an organisation import asks it three times per KPI.
    """
    if ".." in period:
        first, _, last = period.partition("..")
        try:
            start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
        except ValueError as exc:
            raise PeriodError(f"'{period}' is not a date range; use 2027-01-01..2027-03-31") from exc
        if end < start:
            raise PeriodError(f"'{period}' ends before it starts")
        return start, end
    match = _PERIOD.match(period.strip())
    if not match:
        raise PeriodError(f"'{period}' is not a period; use 2026, 2026-H2, 2026-Q4 or 2026-11")
    year = int(match["year"])
    if match["q"]:
        first_month, months = (int(match["q"]) - 1) * 3 + 1, 3
    elif match["h"]:
        first_month, months = (int(match["h"]) - 1) * 6 + 1, 6
    elif match["m"]:
        first_month, months = int(match["m"]), 1
    else:
        first_month, months = 1, 12
    last_month = first_month + months - 1
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def week_key(day: date) -> str:
    """The ISO week a day belongs to, e.g. ``2026-W48``: the key of a check-in period."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_start(day: date) -> date:
    """The Monday of the ISO week of ``day``."""
    return day - timedelta(days=day.weekday())


def week_start_of_key(key: str) -> date:
    """The Monday of an ISO week key."""
    year, week = key.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def weeks_in(start: date, end: date) -> int:
    """How many check-in weeks a period spans (at least one)."""
    return max(1, ((week_start(end) - week_start(start)).days // 7) + 1)


def next_quarter_start(day: date) -> date:
    """The first day of the quarter after ``day``: when an agreed KPI set takes effect."""
    quarter = (day.month - 1) // 3
    return date(day.year + (quarter == 3), (quarter + 1) % 4 * 3 + 1, 1)
