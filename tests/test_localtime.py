"""What people read: Paris time, French dates and decimal commas."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from diagnostics import localtime


def test_stored_utc_is_shown_in_paris_winter_and_summer():
    assert localtime.format_datetime(dt.datetime(2026, 12, 1, 22, 47)) == "01/12/2026 23:47"
    assert localtime.format_datetime(dt.datetime(2026, 7, 14, 22, 5)) == "15/07/2026 00:05"
    assert localtime.format_time(dt.datetime(2026, 12, 1, 19, 47)) == "20:47"


def test_aware_values_are_converted_not_relabelled():
    aware = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert localtime.format_datetime(aware) == "01/12/2026 18:00"


def test_dates_and_missing_values():
    assert localtime.format_date(dt.date(2026, 12, 1)) == "01/12/2026"
    assert localtime.format_date(None) == localtime.MISSING
    assert localtime.format_datetime(pd.NaT) == localtime.MISSING
    assert localtime.format_month(2026, 8) == "août 2026"


def test_decimal_comma():
    assert localtime.format_decimal(3.456) == "3,5"
    assert localtime.format_decimal(2, digits=0) == "2"
    assert localtime.format_decimal(float("nan")) == localtime.MISSING


def test_table_columns():
    stored = pd.Series([pd.Timestamp("2026-12-01 22:47"), None])
    assert list(localtime.datetime_column(stored)) == ["01/12/2026 23:47", localtime.MISSING]
    assert list(localtime.date_column(pd.Series([dt.date(2026, 1, 2)]))) == ["02/01/2026"]
