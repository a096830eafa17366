"""The commanders' filters as URL text, both ways: what the Carte de commandement and Analyse
write to their address (`?grav=3,4&statut=nouvelle`) and what the map's route reads back.

Pure: no Streamlit, no database. The page (diagnostics/ui/filters.py) decodes the URL into its
widgets with these functions; the map's route (diagnostics/web/map_api.py) turns the same
parameters into the same `ObservationFilter` with `criteria_from_params`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from diagnostics import taxonomy
from diagnostics.services.observations import ObservationFilter

PERIODS = {
    "all": "Toute la période",
    "30d": "30 derniers jours",
    "3m": "3 derniers mois",
    "12m": "12 derniers mois",
    "year": "Année en cours",
    "custom": "Dates choisies…",
}
# widget (key without prefix) → URL parameter
PARAMS = {
    "period_choice": "periode",
    "period": "dates",
    "categories": "cat",
    "severities": "grav",
    "statuses": "statut",
    "communes": "communes",
    "teams": "equipes",
    "heat": "chaleur",
    "outside": "hors",
    "view": "vue",
    "overdue": "retard",
}
# The parameters that change which observations are kept (not how the page shows them).
CRITERIA_PARAMS = tuple(PARAMS[name] for name in (
    "period_choice", "period", "categories", "severities", "statuses", "communes", "teams", "overdue"
))  # fmt: skip


def criteria_from_params(params: Mapping[str, str], today: dt.date) -> ObservationFilter:
    """The filters an address names, as the page builds them from the same address.

    Unknown values are dropped as the page drops them; communes and teams are not checked
    against a list here (an unknown one keeps nothing, and the scope still applies)."""
    choice = one_of(list(PERIODS))(params.get(PARAMS["period_choice"], "")) or "all"
    if choice == "custom":
        start, end = period_bounds(dates(params.get(PARAMS["period"], "")) or ())
    else:
        start, end = preset_bounds(choice, today)
    return ObservationFilter(
        start=start,
        end=end,
        categories=tuple(many([c.code for c in taxonomy.CATEGORIES])(params.get(PARAMS["categories"], ""))),
        severities=tuple(many(list(taxonomy.SEVERITIES), int)(params.get(PARAMS["severities"], ""))),
        statuses=tuple(many(list(taxonomy.STATUSES))(params.get(PARAMS["statuses"], ""))),
        communes=tuple(_codes(params.get(PARAMS["communes"], ""))),
        team_ids=tuple(many(None, int)(params.get(PARAMS["teams"], ""))),
        overdue_on=today if params.get(PARAMS["overdue"]) == "1" else None,
    )


def encode(name: str, value) -> str:
    """A widget value as URL text; empty for the default (left out of the URL)."""
    if value is None or value == [] or value == () or value is False:
        return ""
    if name == "period_choice":
        return "" if value == "all" else str(value)
    if name == "period":
        days = [day for day in tuple(value) if isinstance(day, dt.date)]
        return "_".join(day.isoformat() for day in days)
    if isinstance(value, bool):
        return "1"
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)


def one_of(options: list[str]) -> Callable[[str], str | None]:
    return lambda raw: raw if raw in options else None


def many(options: list | None, cast: Callable = str) -> Callable[[str], list]:
    """Comma-separated values, each cast and kept once; only `options` when given."""

    def decode(raw: str) -> list:
        values = []
        for part in raw.split(","):
            try:
                value = cast(part.strip())
            except ValueError:
                continue
            if (options is None or value in options) and value not in values and value != "":
                values.append(value)
        return values

    return decode


def dates(raw: str) -> tuple[dt.date, ...] | None:
    try:
        days = tuple(dt.date.fromisoformat(part) for part in raw.split("_") if part)
    except ValueError:
        return None
    return days[:2] if days else None


def preset_bounds(choice: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    if choice == "30d":
        return today - dt.timedelta(days=29), today
    if choice == "3m":
        return _months_before(today, 3), today
    if choice == "12m":
        return _months_before(today, 12), today
    if choice == "year":
        return dt.date(today.year, 1, 1), today
    return None, None


def period_bounds(period) -> tuple[dt.date | None, dt.date | None]:
    """A date range picker gives (), (start,) while choosing, or (start, end)."""
    if isinstance(period, dt.date):
        return period, period
    values = tuple(period or ())
    if len(values) == 1:
        return values[0], None
    if len(values) == 2:
        return values[0], values[1]
    return None, None


def _codes(raw: str) -> list[str]:
    return [code for code in many(None)(raw) if code.isalnum() and len(code) <= 5]


def _months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return dt.date(year, month + 1, min(day.day, 28)) + dt.timedelta(days=1)
