"""When a cellule meets next: a pure function of its rhythm (issue 17)."""

from __future__ import annotations

import calendar
import datetime as dt


def _on_day(year: int, month: int, day: int) -> dt.date:
    """`day` of that month, or the month's last day when it is shorter (31 → 30, 28 or 29)."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_meeting(
    rhythm: str, after: dt.date, anchor: dt.date, *, weekday: int | None = None, interval_weeks: int | None = None
) -> dt.date:
    """The first meeting date strictly after `after`.

    weekly: the next `weekday` (0 = Monday); every_n_weeks: anchor + k × N weeks; monthly: the
    anchor's day of the month (the last day in a shorter month); yearly: the anchor's day and month
    (28 February when the anchor is a 29 February and the year is not a leap year).
    """
    if rhythm == "weekly":
        if weekday is None or not 0 <= weekday <= 6:
            raise ValueError("weekly rhythm needs a weekday 0-6")
        return after + dt.timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)
    if rhythm == "every_n_weeks":
        if not interval_weeks or interval_weeks < 1:
            raise ValueError("every_n_weeks rhythm needs interval_weeks >= 1")
        step = 7 * interval_weeks
        if after < anchor:
            return anchor
        return anchor + dt.timedelta(days=((after - anchor).days // step + 1) * step)
    if rhythm in ("monthly", "yearly"):
        first = max(after, anchor - dt.timedelta(days=1))
        year, month = first.year, (first.month if rhythm == "monthly" else anchor.month)
        while True:
            candidate = _on_day(year, month, anchor.day)
            if candidate > after and candidate >= anchor:
                return candidate
            if rhythm == "yearly" or month == 12:
                year, month = year + 1, (1 if rhythm == "monthly" else month)
            else:
                month += 1
    raise ValueError(f"unknown rhythm {rhythm!r}")
