"""CSV as French spreadsheets write it: comma or semicolon, decimal point or comma, UTF-8 or
Windows-1252; positions as latitude/longitude, Lambert-93 X/Y, or a WKT column.

Column names are recognised whatever their accents and case (`Latitude`, `LAT`, `Coord. X`…);
others can be named by the caller (`x=`, `y=`, `crs=`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from diagnostics.errors import DiagnosticsError
from diagnostics.io import odk
from diagnostics.texts import imports_text as text
from diagnostics.values import normalise_name

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"

LATITUDE_NAMES = ("latitude", "lat", "y_wgs84", "lat_wgs84", "latitude_wgs84", "gps_lat")
LONGITUDE_NAMES = ("longitude", "lon", "lng", "long", "x_wgs84", "lon_wgs84", "longitude_wgs84", "gps_lon")
X_NAMES = ("x", "x_l93", "x_lambert93", "x_lambert_93", "coord_x", "coordonnee_x", "lambert_x", "xl93", "easting")
Y_NAMES = ("y", "y_l93", "y_lambert93", "y_lambert_93", "coord_y", "coordonnee_y", "lambert_y", "yl93", "northing")
WKT_NAMES = ("wkt", "geometry", "geometrie", "geom", "the_geom", "forme")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def read(
    path: Path,
    *,
    x: str | None = None,
    y: str | None = None,
    wkt: str | None = None,
    crs: str | None = None,
    require_position: bool = True,
    notes: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """The rows of a CSV as a GeoDataFrame: columns `x`/`y` (or `wkt`) given, else recognised.

    The CRS is `crs` when given, else WGS84 for recognised latitude/longitude and WKT, Lambert-93
    for recognised X/Y, and unknown (None) for columns named by the caller: the importer then
    tells from the values and says so. Rows without a readable position get an empty geometry.
    """
    table = _read_table(path.read_bytes())
    return positioned(table, x=x, y=y, wkt=wkt, crs=crs, require_position=require_position, notes=notes)


def positioned(
    frame: pd.DataFrame,
    *,
    x: str | None = None,
    y: str | None = None,
    wkt: str | None = None,
    crs: str | None = None,
    require_position: bool = True,
    notes: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """A table of text cells (a CSV's, a spreadsheet's) with its position columns turned into a
    geometry, as `read` describes."""
    columns = {normalise_name(c): c for c in frame.columns}
    export = odk.read_export(frame) if x is None and y is None and wkt is None else None
    if export is not None:  # KoboToolbox, ODK: their own position, date and key columns
        table, geometry, note = export
        if notes is not None:
            notes.append(note)
        return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geometry), crs=crs or WGS84)
    if x is None and y is None and wkt is None:
        wkt = _first(columns, WKT_NAMES)
        x, y = _first(columns, LONGITUDE_NAMES), _first(columns, LATITUDE_NAMES)
        guessed = WGS84
        if x is None or y is None:
            x, y, guessed = _first(columns, X_NAMES), _first(columns, Y_NAMES), LAMBERT93
        crs = crs or (WGS84 if wkt else guessed)
    if wkt:  # a shape beats a point: lines and polygons survive the round trip
        geometry = [_wkt(value) for value in frame[wkt]]
        frame = frame.drop(columns=[c for c in (wkt, x, y) if c])
    elif x and y:
        xs, ys = _numbers(frame[x]).to_numpy(dtype=float), _numbers(frame[y]).to_numpy(dtype=float)
        geometry = shapely.points(xs, ys)
        geometry[np.isnan(xs) | np.isnan(ys)] = None
        frame = frame.drop(columns=[x, y])
    elif not require_position:  # a table of attributes only (dispositifs of communes)
        geometry = [None] * len(frame)
    else:
        raise DiagnosticsError(text("no_position", columns=", ".join(map(str, columns.values()))))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry), crs=crs)


def columns_of(path: Path) -> list[str]:
    """The column names of a CSV (its first line only), for the page's column pickers."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16).split(b"\n", 1)[0]
    return [str(c) for c in _read_table(head + b"\n").columns]


def _read_table(content: bytes) -> pd.DataFrame:
    if b"\x00" in content:  # PostgreSQL refuses NUL in text; no spreadsheet writes one
        raise DiagnosticsError(text("nul_bytes"))
    encoding = _encoding(content)
    delimiter = _delimiter(content[: 1 << 16].decode(encoding, errors="ignore"))
    frame = _read_with_arrow(content, encoding, delimiter)
    if frame is None:
        frame = _read_with_pandas(content, encoding, delimiter)
    frame.columns = [str(c).strip() for c in frame.columns]
    return _unquote_formulas(frame)


def _read_with_arrow(content: bytes, encoding: str, delimiter: str) -> pd.DataFrame | None:
    """The table as `_read_with_pandas` reads it, by Arrow's CSV reader (ten times faster on a
    million rows, and its text is pandas' own storage), or None for any file where the two
    could differ: not UTF-8, a header with a blank or repeated name, rows of another length
    (Arrow refuses them), a cell starting with a space (pandas skips the spaces after a
    separator, and reads a quote after them as quoting)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as arrow_csv

    if encoding not in ("utf-8", "utf-8-sig"):
        return None
    body = content[3:] if encoding == "utf-8-sig" else content
    header = next(csv.reader([body[: 1 << 16].split(b"\n", 1)[0].decode("utf-8", "replace")], delimiter=delimiter))
    names = [name.strip() for name in header]
    if not all(names) or len(set(names)) != len(names) or any(name.startswith(" ") for name in header):
        return None
    try:
        table = arrow_csv.read_csv(
            pa.py_buffer(body),
            parse_options=arrow_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=arrow_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.large_string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError):
        return None
    if table.column_names != header:
        return None
    for column in table.columns:
        if pc.any(pc.starts_with(column, " ")).as_py():
            return None
    text_type = pd.StringDtype("pyarrow", na_value=np.nan)  # what read_csv gives for dtype=str
    return table.to_pandas(types_mapper=lambda _type: text_type)


def _read_with_pandas(content: bytes, encoding: str, delimiter: str) -> pd.DataFrame:
    # The bytes, not their text: pandas decodes as it parses; a str of a 150 MB file with
    # accents takes twice its size, and a StringIO of it four times (the parsing child's memory).
    return pd.read_csv(
        io.BytesIO(content),
        sep=delimiter,
        dtype=str,
        keep_default_na=False,
        skipinitialspace=True,
        encoding=encoding,
        encoding_errors="replace",
    )


def _encoding(content: bytes) -> str:
    """UTF-8 (with its mark, or without), else Windows-1252 (its undefined bytes replaced)."""
    if content.startswith(b"\xef\xbb\xbf"):
        content[3:].decode("utf-8")  # a file that says UTF-8 and is not is unreadable
        return "utf-8-sig"
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _delimiter(text: str) -> str:
    header = text.splitlines()[0] if text else ""
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def _numbers(values: pd.Series) -> pd.Series:
    """`47,4452` and `47.4452` alike; `947 000,5` too (spaces as thousands separators). The
    spaces are taken out only of the cells not read without (a spreadsheet's column has few)."""
    values = values.astype(str)
    numbers = pd.to_numeric(values.str.replace(",", ".", regex=False), errors="coerce")
    again = numbers.isna() & (values != "")
    if again.any():
        cleaned = values[again].str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".", regex=False)
        numbers[again] = pd.to_numeric(cleaned, errors="coerce")
    return numbers


def _wkt(value: str):
    try:
        return shapely.from_wkt(value) if value and value.strip() else None
    except shapely.errors.GEOSException:
        return None


def _first(columns: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((columns[n] for n in names if n in columns), None)


def _unquote_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo the quote our own exports put before cells a spreadsheet would evaluate (column by
    column: a million rows rarely have one)."""
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        quoted = values.str.startswith("'").to_numpy(dtype=bool, na_value=False)
        if not quoted.any():
            continue
        quoted = quoted & values.str[1:2].isin(FORMULA_START).to_numpy()
        frame.iloc[:, position] = values.where(~quoted, values.str[1:])
    return frame


def write(frame: gpd.GeoDataFrame, path: Path, *, layer: str = "layer") -> int:
    """`;`-separated UTF-8 with BOM (French Excel), positions as WKT plus longitude/latitude of a
    point on each shape; cells a spreadsheet would evaluate get a leading quote."""
    table = table_with_positions(frame)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.itertuples(index=False):
        writer.writerow([_cell(value) for value in row])
    path.write_bytes(("\ufeff" + buffer.getvalue()).encode("utf-8"))
    return len(frame)


def table_with_positions(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """The attributes, then the longitude/latitude of a point on each shape and its WKT (WGS84):
    the columns of the tabular exports (CSV, spreadsheets), which `read` recognises."""
    frame = frame.to_crs(WGS84) if frame.crs is not None else frame
    points = frame.geometry.representative_point()
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table["longitude"] = points.x.round(7)
    table["latitude"] = points.y.round(7)
    table["wkt"] = frame.geometry.to_wkt(rounding_precision=8)
    return table


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text[:1] in FORMULA_START else text
