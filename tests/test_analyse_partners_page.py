"""Analyse › Partenaires shows its medians with a decimal comma and « — » where nothing is
measured yet, never the table grid's « None »."""

from __future__ import annotations

import pandas as pd

from diagnostics.ui.analyse_partners import shown_measures


def test_empty_medians_read_as_a_dash_and_decimals_with_a_comma():
    table = pd.DataFrame(
        {"group": ["Habitat 70", "Mairie de Gray"], "observations": [2, 1], "days_to_taken": [3.5, float("nan")]}
    )
    shown = shown_measures(table)
    assert list(shown["days_to_taken"]) == ["3,5", "—"]
    assert list(shown["observations"]) == [2, 1]  # counts stay numbers
    assert table["days_to_taken"].isna().iloc[1]  # the measures themselves are not changed
