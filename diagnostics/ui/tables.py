"""Tables as people read them: no « None », « NaN », « True » or « False » in a cell."""

from __future__ import annotations

import pandas as pd
import streamlit as st

YES_NO = {True: "oui", False: "non"}


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """Missing values become empty cells and booleans « oui » / « non », in every text-like
    column (pandas 3 keeps a missing text as NaN, which st.dataframe shows as « None »).
    Numbers and dates are left as they are, so that they still sort as such."""
    shown = table.copy()
    for column in shown.columns:
        values = shown[column]
        if pd.api.types.is_bool_dtype(values):
            shown[column] = values.map(YES_NO)
        elif values.dtype == object or pd.api.types.is_string_dtype(values):
            cells = values.astype(object)
            shown[column] = cells.map(lambda cell: YES_NO.get(cell, cell) if isinstance(cell, bool) else cell).where(
                cells.notna(), ""
            )
    return shown


AUDITED_KEY = "audited_table"  # french_widgets.css hides the toolbar's CSV download inside these


def audited(name: str):
    """A container whose tables offer no browser-side « Download as CSV »: on pages where every
    download goes through an audited button, that one would leave unrecorded."""
    return st.container(key=f"{AUDITED_KEY}_{name}")
