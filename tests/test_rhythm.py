"""The next meeting date of a cellule from its rhythm (issue 17): weekly on a weekday, every N
weeks from an anchor, monthly on the anchor's day (month ends clamped), yearly."""

from __future__ import annotations

import datetime as dt

import pytest

from diagnostics.rhythm import next_meeting

D = dt.date
WEDNESDAY = 2


def test_weekly_on_wednesday():
    anchor = D(2026, 1, 7)
    assert next_meeting("weekly", D(2026, 12, 1), anchor, weekday=WEDNESDAY) == D(2026, 12, 2)  # Tuesday → next day
    assert next_meeting("weekly", D(2026, 12, 2), anchor, weekday=WEDNESDAY) == D(2026, 12, 9)  # strictly after
    assert next_meeting("weekly", D(2026, 12, 3), anchor, weekday=WEDNESDAY) == D(2026, 12, 9)
    assert next_meeting("weekly", D(2026, 12, 30), anchor, weekday=WEDNESDAY) == D(2027, 1, 6)  # over the year end


def test_every_three_weeks_from_the_anchor():
    anchor = D(2026, 11, 10)  # a Tuesday
    assert next_meeting("every_n_weeks", D(2026, 11, 10), anchor, interval_weeks=3) == D(2026, 12, 1)
    assert next_meeting("every_n_weeks", D(2026, 11, 30), anchor, interval_weeks=3) == D(2026, 12, 1)
    assert next_meeting("every_n_weeks", D(2026, 12, 1), anchor, interval_weeks=3) == D(2026, 12, 22)
    assert next_meeting("every_n_weeks", D(2026, 10, 1), anchor, interval_weeks=3) == anchor  # before it started


def test_monthly_on_the_31st_clamps_to_month_ends():
    anchor = D(2026, 1, 31)
    assert next_meeting("monthly", D(2026, 1, 31), anchor) == D(2026, 2, 28)
    assert next_meeting("monthly", D(2026, 2, 28), anchor) == D(2026, 3, 31)
    assert next_meeting("monthly", D(2026, 4, 1), anchor) == D(2026, 4, 30)
    assert next_meeting("monthly", D(2027, 12, 31), anchor) == D(2028, 1, 31)
    assert next_meeting("monthly", D(2028, 1, 31), anchor) == D(2028, 2, 29)  # leap year
    assert next_meeting("monthly", D(2025, 6, 1), anchor) == anchor


def test_yearly_on_the_anchor_day():
    assert next_meeting("yearly", D(2026, 12, 2), D(2026, 3, 15)) == D(2027, 3, 15)
    assert next_meeting("yearly", D(2027, 3, 14), D(2026, 3, 15)) == D(2027, 3, 15)
    assert next_meeting("yearly", D(2028, 2, 29), D(2028, 2, 29)) == D(2029, 2, 28)


def test_bad_rhythms_are_refused():
    with pytest.raises(ValueError):
        next_meeting("weekly", D(2026, 12, 1), D(2026, 1, 1))
    with pytest.raises(ValueError):
        next_meeting("every_n_weeks", D(2026, 12, 1), D(2026, 1, 1), interval_weeks=0)
    with pytest.raises(ValueError):
        next_meeting("fortnightly", D(2026, 12, 1), D(2026, 1, 1))
