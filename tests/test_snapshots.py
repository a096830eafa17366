"""Commune snapshots: PNG output, layout, robustness to user text, and the small helpers."""

from __future__ import annotations

import datetime
import io
import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import pytest
from PIL import Image
from shapely.geometry import LineString, Point, Polygon, box

from diagnostics import taxonomy
from diagnostics.snapshots import SnapshotLayers, french_date, render_commune_png, scale_bar_length
from diagnostics.snapshots.text import count_text as _count_text
from diagnostics.snapshots.text import period_text as _period_text

ISSUED = datetime.date(2025, 4, 15)
# A square commune of about 3 km near Vesoul (WGS84 degrees: 0.04° of longitude ≈ 3 km at 47.6° N).
LON, LAT = 6.13, 47.61
SQUARE = box(LON, LAT, LON + 0.04, LAT + 0.027)
USED_CATEGORY = "stupefiants"
UNUSED_CATEGORY = "nuisances"


def _frame(rows: list[dict], columns: list[str]) -> gpd.GeoDataFrame:
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _commune(name="Testville", insee="70999", geometry=SQUARE) -> gpd.GeoDataFrame:
    return _frame(
        [{"insee": insee, "name": name, "department": "70", "population": 1234, "geometry": geometry}],
        ["insee", "name", "department", "population"],
    )


def _observations() -> gpd.GeoDataFrame:
    rows = []
    codes = [c.code for c in taxonomy.CATEGORIES if c.code != UNUSED_CATEGORY]
    for i in range(20):
        x, y = LON + 0.004 + 0.0016 * i, LAT + 0.004 + 0.001 * (i % 7) * 2.5
        rows.append(
            {
                "id": i,
                "category": codes[i % len(codes)],
                "severity": 1 + i % 4,
                "status": "nouvelle" if i % 2 else "traitee",
                "geometry": Point(x, y),
            }
        )
    rows.append(
        {
            "id": 100,
            "category": USED_CATEGORY,
            "severity": 4,
            "status": "en_cours",
            "geometry": Point(LON + 0.02, LAT + 0.013),
        }
    )
    rows.append(
        {
            "id": 101,
            "category": "eclairage",
            "severity": 3,
            "status": "transmise",
            "geometry": LineString([(LON + 0.005, LAT + 0.02), (LON + 0.015, LAT + 0.022)]),
        }
    )
    rows.append(
        {
            "id": 102,
            "category": "depots",
            "severity": 2,
            "status": "nouvelle",
            "geometry": Point(LON + 0.03, LAT + 0.006).buffer(0.001),
        }
    )
    return _frame(rows, [])


def _layers(commune=None, observations=None, **overrides) -> SnapshotLayers:
    commune = commune if commune is not None else _commune()
    neighbour = box(LON + 0.04, LAT - 0.01, LON + 0.08, LAT + 0.04)
    layers = {
        "commune": commune,
        "neighbours": _frame(
            [{"insee": "70998", "name": "Voisinville", "department": "70", "population": 321, "geometry": neighbour}],
            [],
        ),
        "observations": observations if observations is not None else _observations(),
        "sectors": _frame(
            [
                {
                    "name": "Quartier des Tests",
                    "kind": "qpv",
                    "geometry": box(LON + 0.01, LAT + 0.01, LON + 0.02, LAT + 0.018),
                }
            ],
            [],
        ),
        "patrol_zones": _frame(
            [{"name": "Zone VTT", "unit": "Groupe VTT", "geometry": Point(LON + 0.025, LAT + 0.015).buffer(0.006)}],
            [],
        ),
        "sites": _frame(
            [
                {"name": "Kiosque de test", "kind": "kiosque", "geometry": Point(LON + 0.012, LAT + 0.006)},
                {"name": "Brigade", "kind": "brigade", "geometry": Point(LON + 0.034, LAT + 0.022)},
            ],
            [],
        ),
    }
    layers.update(overrides)
    return SnapshotLayers(**layers)


def _image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    return image.convert("RGB")


def _count_colour(image: Image.Image, hex_colour: str) -> int:
    target = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return sum(n for n, colour in image.getcolors(maxcolors=1 << 24) if colour == target)


def _assert_a4(image: Image.Image) -> None:
    long_side, short_side = max(image.size), min(image.size)
    assert long_side / short_side == pytest.approx(math.sqrt(2), rel=0.01)
    assert long_side == pytest.approx(11.69 * 150, abs=2)


# --- The PNG -------------------------------------------------------------------------------------------


def test_render_is_an_a4_png_with_the_categories_used():
    image = _image(render_commune_png(_layers(), issued_on=ISSUED, period=(datetime.date(2025, 1, 1), ISSUED)))
    _assert_a4(image)
    colours = image.getcolors(maxcolors=1 << 24)
    assert len(colours) > 200  # not blank: map, text antialiasing, legend
    assert _count_colour(image, taxonomy.category(USED_CATEGORY).color) > 50
    # Only categories present are drawn or listed in the legend.
    assert _count_colour(image, taxonomy.category(UNUSED_CATEGORY).color) == 0


@pytest.mark.parametrize("shape", ["portrait", "landscape"])
def test_the_footer_s_texts_never_run_into_each_other(shape):
    """Credits, « Édité le … pour : <recipient> », projection, count and caveat: on a portrait page
    the credits and a mayor's « pour : Mairie de Gray (Maire) » used to overlap."""
    import dataclasses

    from diagnostics.snapshots.page import commune_map_figure

    geometry = box(LON, LAT, LON + 0.01, LAT + 0.04) if shape == "portrait" else box(LON, LAT, LON + 0.08, LAT + 0.012)
    layers = dataclasses.replace(
        _layers(_commune(geometry=geometry)), recipient="Mairie de Saint-Loup-sur-Semouse (Maire)"
    )
    fig = commune_map_figure(layers, issued_on=ISSUED, dpi=72)
    try:
        renderer = fig.canvas.get_renderer()
        footer = [t for t in fig.texts if t.get_window_extent(renderer).y1 < 0.8 * fig.dpi]  # FOOTER_H inches
        assert {"Édité le 15/04/2025 pour : Mairie de Saint-Loup-sur-Semouse (Maire)"} <= {t.get_text() for t in footer}
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in footer]
        for i, (a, one) in enumerate(boxes):
            for b, other in boxes[i + 1 :]:
                assert not one.overlaps(other), (a, b)
            assert one.x0 >= 0 and one.x1 <= fig.bbox.width and one.y0 >= 0, a  # inside the page
    finally:
        fig.clear()


def test_orientation_follows_the_commune_shape():
    tall = box(LON, LAT, LON + 0.01, LAT + 0.04)
    wide = box(LON, LAT, LON + 0.08, LAT + 0.012)
    portrait = _image(render_commune_png(_layers(_commune(geometry=tall)), issued_on=ISSUED))
    landscape = _image(render_commune_png(_layers(_commune(geometry=wide)), issued_on=ISSUED))
    _assert_a4(portrait)
    _assert_a4(landscape)
    assert portrait.height > portrait.width
    assert landscape.width > landscape.height


def test_empty_layers_render():
    empty_obs = _frame([], ["id", "category", "severity", "status"])
    layers = _layers(
        observations=empty_obs,
        neighbours=_frame([], ["insee", "name", "department", "population"]),
        sectors=_frame([], ["name", "kind"]),
        patrol_zones=_frame([], ["name", "unit"]),
        sites=_frame([], ["name", "kind"]),
    )
    image = _image(render_commune_png(layers, issued_on=ISSUED))
    _assert_a4(image)
    assert len(image.getcolors(maxcolors=1 << 24)) > 20
    assert _count_colour(image, taxonomy.category(USED_CATEGORY).color) == 0
    assert _count_text(empty_obs) == "Aucune observation sur la période"


def test_user_text_is_never_parsed_as_mathtext():
    # With mathtext on, "$\frac{x$" is a parse error: rendering proves names are plain text.
    hostile = "Saint-$\\frac{x$ <script>alert(1)</script> $x^2$"
    observations = _observations()
    observations.loc[0, "category"] = "$\\frac{y$"  # an unknown code is shown as is
    layers = _layers(
        _commune(name=hostile, insee="$70$"),
        observations,
        sectors=_frame(
            [{"name": hostile, "kind": "$", "geometry": box(LON + 0.01, LAT + 0.01, LON + 0.02, LAT + 0.018)}], []
        ),
        sites=_frame([{"name": hostile, "kind": "$\\frac{", "geometry": Point(LON + 0.01, LAT + 0.01)}], []),
    )
    _assert_a4(_image(render_commune_png(layers, issued_on=ISSUED)))


def test_view_stays_on_the_commune_and_other_inputs():
    # Far-away features and odd values must neither fail nor zoom the map out.
    observations = _observations()
    observations.loc[1, "geometry"] = Point(5.55, 46.67)  # Lons-le-Saunier, 110 km away
    observations.loc[2, "severity"] = None
    observations.loc[3, "severity"] = 9
    observations.loc[4, "geometry"] = None
    far_zone = _frame([{"name": "Loin", "unit": "x", "geometry": Point(5.5, 47.1).buffer(0.2)}], [])
    multi = _frame(
        [
            {
                "id": 1,
                "category": "acces",
                "severity": 2,
                "status": "nouvelle",
                "geometry": Polygon([(LON, LAT), (LON + 0.01, LAT), (LON, LAT + 0.01)]).union(
                    box(LON + 0.02, LAT + 0.02, LON + 0.03, LAT + 0.025)
                ),
            }
        ],
        [],
    )
    for layers in (_layers(observations=observations, patrol_zones=far_zone), _layers(observations=multi)):
        _assert_a4(_image(render_commune_png(layers, issued_on=ISSUED, dpi=150)))


def test_dpi_and_invalid_input():
    small = _image(render_commune_png(_layers(), issued_on=ISSUED, dpi=72))
    assert max(small.size) == pytest.approx(11.69 * 72, abs=2)
    two = _frame([_commune().iloc[0].to_dict(), _commune(insee="70998").iloc[0].to_dict()], [])
    with pytest.raises(ValueError):
        render_commune_png(_layers(two), issued_on=ISSUED)
    with pytest.raises(ValueError):
        render_commune_png(_layers(), issued_on=ISSUED, period=(ISSUED, datetime.date(2025, 1, 1)))


def test_concurrent_renders_are_identical_and_leave_no_pyplot_state():
    layers = _layers()
    expected = render_commune_png(layers, issued_on=ISSUED)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: render_commune_png(layers, issued_on=ISSUED), range(2)))
    assert results == [expected, expected]


def test_pyplot_is_not_used(tmp_path: Path):
    script = tmp_path / "render.py"
    script.write_text(
        "import sys, datetime\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_snapshots import _layers\n"
        "from diagnostics.snapshots import render_commune_png\n"
        "render_commune_png(_layers(), issued_on=datetime.date(2025, 1, 1))\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'\n"
    )
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, str(script)], check=True, cwd=root, env={"PYTHONPATH": str(root)})


# --- Helpers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (10_000, 2000),
        (5_000, 1000),
        (9_000, 2000),
        (1_234, 200),
        (30_000, 5000),
        (800, 200),
        (3_500, 500),
        (70_000, 10_000),
        (2.5, 0.5),
    ],
)
def test_scale_bar_length(width, expected):
    assert scale_bar_length(width) == pytest.approx(expected)


@pytest.mark.parametrize("width", [1.0, 37.0, 999.0, 4_321.0, 15_000.0, 123_456.0])
def test_scale_bar_length_is_round_and_about_a_fifth(width):
    length = scale_bar_length(width)
    mantissa = length / 10 ** math.floor(math.log10(length) + 1e-9)
    assert round(mantissa, 9) in (1.0, 2.0, 5.0)
    assert width / 5 / 1.6 <= length <= width / 5 * 1.6


@pytest.mark.parametrize("width", [0, -5, math.nan, math.inf])
def test_scale_bar_length_rejects_bad_widths(width):
    with pytest.raises(ValueError):
        scale_bar_length(width)


def test_french_date():
    assert french_date(datetime.date(2025, 1, 5)) == "05/01/2025"
    assert french_date(datetime.date(2024, 12, 31)) == "31/12/2024"
    assert french_date(datetime.datetime(2025, 7, 14, 23, 59)) == "14/07/2025"
    assert french_date(datetime.date(987, 3, 4)) == "04/03/0987"


def test_period_and_count_texts():
    jan, mar = datetime.date(2025, 1, 1), datetime.date(2025, 3, 31)
    assert _period_text((jan, mar)) == "Période : du 01/01/2025 au 31/03/2025"
    assert _period_text(None) == _period_text((None, None)) == "Toutes les observations"
    assert _period_text((jan, None)) == "Période : depuis le 01/01/2025"
    assert _period_text((None, mar)) == "Période : jusqu'au 31/03/2025"
    observations = _observations()
    n_open = int(observations["status"].isin(taxonomy.OPEN_STATUSES).sum())
    assert _count_text(observations) == (
        f"{len(observations)} observations (dont {n_open} à traiter : nouvelle, transmise ou en cours)"
    )
    assert _count_text(observations.iloc[:1]) == "1 observation"


def test_the_standalone_html_map_speaks_french():
    from diagnostics.snapshots.html import render_commune_html

    html = render_commune_html(_layers(), issued_on=datetime.date(2026, 12, 1))
    assert '"zoomIn":"Zoom avant"' in html and '"layers":"Couches"' in html and "setPrefix" in html
