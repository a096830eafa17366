"""The choropleth: no more classes than the data carries, fragile rates said so."""

from __future__ import annotations

import numpy as np
import pandas as pd
from shapely.geometry import box

from diagnostics import maps
from diagnostics.maps.choropleth import quantile_breaks
from tests.maps.samples import frame, rendered


def test_three_communes_get_one_class_not_five():
    assert quantile_breaks(np.array([0.5, 1.2, 3.4])) == [3.4]
    assert len(quantile_breaks(np.arange(1, 31, dtype=float))) == 5


def test_a_rate_from_two_observations_is_said_to_be_fragile():
    communes = frame(
        [
            {"insee": "70279", "name": "Gray", "population": 5500},
            {"insee": "70001", "name": "Autre", "population": 100},
        ],
        [box(5.55, 47.42, 5.63, 47.47), box(5.63, 47.42, 5.70, 47.47)],
    )
    values = pd.DataFrame(
        {"observations": [2, 40], "pour 1 000 habitants": [0.36, 400.0]}, index=pd.Index(["70279", "70001"])
    )
    m = maps.build_choropleth(communes, values, column="pour 1 000 habitants", legend="obs. pour 1 000 hab.")
    html = rendered(m)
    assert "taux fragile" in html and "Contour pointill" in html and "0,36" in html
    assert html.count("aucune") == 1 and "dashArray" in html
