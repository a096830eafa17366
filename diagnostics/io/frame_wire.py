"""How the parsing child hands a GeoDataFrame to the app: one Arrow IPC stream of data only.

The child writes a stream whose schema carries a JSON head (the columns' names, the row count,
the CRS, the reader's notes, a workbook's sheets) and whose columns are the frame's columns
(named c0, c1, …) followed by the shapes: x and y doubles when every shape is a 2D point, else
one WKB column. Text read by pandas is Arrow already and goes as it is; numbers and booleans go
as their buffers; a column of mixed Python values goes as each value's JSON, flagged in the head.

The parent does not trust the child: it reads nothing but this stream (never a pickle), has
Arrow validate every buffer, and checks the names, types and lengths against the head; anything
else is the French « parser crashed » refusal. The frame it builds holds what the JSON lines
used to give: text as Python str objects (which the checks read), whole numbers with blanks as
floats, booleans with blanks as objects.
"""

from __future__ import annotations

import datetime as dt
import json
import math

from diagnostics.errors import DiagnosticsError
from diagnostics.texts import imports_text as text

_HEAD = b"psq-head"
# The Arrow types a column may arrive as, besides the JSON-flagged ones (strings).
_PLAIN_TYPES = ("string", "large_string", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32")
_PLAIN_TYPES += ("uint64", "float", "double", "bool", "null")


def encode(frame, notes: list[str]):
    """The frame as a pyarrow Table whose schema metadata is the head (see `write`)."""
    import numpy as np
    import pyarrow as pa

    geometry = frame.geometry
    positions = [position for position, c in enumerate(frame.columns) if c != geometry.name]
    arrays, flagged = [], []
    for index, position in enumerate(positions):
        column = frame.iloc[:, position]
        array = _buffered_column(column)
        if array is None:
            plain = _plain_column(column)
            array = _plain_array(plain)
            if array is None:
                flagged.append(index)
                array = pa.array([json.dumps(v) for v in plain], type=pa.string())
        arrays.append(array)
    names = [f"c{index}" for index in range(len(positions))]
    shapes = np.asarray(geometry.values, dtype=object)
    coordinates = _point_coordinates(shapes)
    if coordinates is not None:
        arrays += [pa.array(coordinates[0]), pa.array(coordinates[1])]
        names += ["x", "y"]
    else:
        import shapely

        arrays.append(pa.array(shapely.to_wkb(shapes), type=pa.binary()))
        names.append("wkb")
    head = {
        "columns": [str(frame.columns[position]) for position in positions],
        "rows": len(frame),
        "crs": frame.crs.to_wkt() if frame.crs is not None else None,
        "notes": notes,
        "sheets": [str(name) for name in frame.attrs.get("sheets", [])],
        "json": flagged,
        "shapes": "points" if coordinates is not None else "wkb",
    }
    table = pa.table(arrays, names=names)
    return table.replace_schema_metadata({_HEAD: json.dumps(head).encode()})


def write(table, out) -> None:
    """`table` as one Arrow IPC stream on the binary file `out`."""
    import pyarrow as pa

    with pa.ipc.new_stream(out, table.schema) as writer:
        writer.write_table(table, max_chunksize=65536)


def decode(answer: bytes) -> tuple:
    """(GeoDataFrame, notes) from the child's stream; DiagnosticsError when it is not one `encode` wrote."""
    import pyarrow as pa

    try:
        table = pa.ipc.open_stream(pa.py_buffer(answer)).read_all()
        table.validate(full=True)
        head = json.loads(table.schema.metadata[_HEAD])
        return _frame(table, head)
    except (pa.ArrowException, OSError, KeyError, TypeError, ValueError, AttributeError):
        raise DiagnosticsError(text("parser_crashed")) from None


def _frame(table, head: dict) -> tuple:
    import geopandas as gpd
    import pandas as pd

    columns, rows, flagged = list(head["columns"]), int(head["rows"]), set(head["json"])
    shape_names = ["x", "y"] if head["shapes"] == "points" else ["wkb"]
    if table.column_names != [f"c{i}" for i in range(len(columns))] + shape_names or table.num_rows != rows:
        raise ValueError("not the stream the head describes")
    if not flagged <= set(range(len(columns))):
        raise ValueError("JSON flags beyond the columns")
    data = {}
    for index in range(len(columns)):
        column = table.column(index)
        if index in flagged:
            if str(column.type) != "string":
                raise ValueError("a JSON column that is not text")
            data[index] = _inferred([json.loads(v) for v in column.to_pylist()])
        elif str(column.type) in _PLAIN_TYPES:
            data[index] = _pandas_column(column)
        else:
            raise ValueError(f"a column of type {column.type}")
    frame = pd.DataFrame(data, index=pd.RangeIndex(rows), copy=False)  # its columns are new already
    frame.columns = columns
    shapes = _shapes(table, head["shapes"])
    result = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(shapes, index=frame.index), crs=head["crs"], copy=False)
    result.attrs["sheets"] = [str(name) for name in head.get("sheets", [])]  # a workbook's, for a picker
    return result, [str(note) for note in head["notes"]]


def _pandas_column(column):
    """An Arrow column as the frame wants it: text (with blanks) as Python str objects, numbers and
    booleans as numpy (blanks as NaN, or None among booleans), as pandas infers from Python values."""
    import pandas as pd

    values = column.to_numpy(zero_copy_only=False)
    if values.dtype.kind == "O":
        return pd.Series(values, dtype=object)
    return pd.Series(values)


def _inferred(values: list):
    """A column of Python values, as pandas infers it; text (with blanks) kept as str objects."""
    import pandas as pd

    column = pd.Series(values, dtype=object)
    if pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        return column
    return pd.Series(values)


def _shapes(table, kind: str):
    import numpy as np
    import shapely

    if kind == "points":
        x, y = (table.column(name) for name in ("x", "y"))
        if str(x.type) != "double" or str(y.type) != "double" or x.null_count or y.null_count:
            raise ValueError("points that are not doubles")
        x, y = x.to_numpy(), y.to_numpy()
        shapes = shapely.points(x, y)
        shapes[np.isnan(x) | np.isnan(y)] = None
        return shapes
    wkb = table.column("wkb")
    if str(wkb.type) != "binary":
        raise ValueError("shapes that are not WKB")
    try:
        return shapely.from_wkb(wkb.to_numpy(zero_copy_only=False))
    except shapely.errors.GEOSException:
        raise ValueError("WKB that GEOS cannot read") from None


# --- The child's side ----------------------------------------------------------------------------


def _buffered_column(values):
    """The column as an Arrow array made from its buffers (text pandas holds in Arrow, numpy
    numbers and booleans), without a Python value per cell; None for any other column."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    if isinstance(values.dtype, np.dtype) and values.dtype.kind in ("i", "u", "b", "f"):
        return pa.array(values.to_numpy(), from_pandas=True)  # float NaN: null
    if isinstance(values.dtype, pd.StringDtype):
        return pa.array(values, from_pandas=True)
    return None


def _plain_array(plain: list):
    """Python values of one plain type as an Arrow array; None when they are of mixed or other
    types (they then go as JSON)."""
    import pyarrow as pa

    try:
        array = pa.array(plain, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None
    return array if str(array.type) in _PLAIN_TYPES else None


def _point_coordinates(shapes):
    """(x, y) of every shape when each is a 2D point with finite coordinates or missing (NaN),
    so that a CSV's million points are neither made into WKB nor parsed back; else None."""
    import numpy as np
    import shapely

    missing = shapely.is_missing(shapes)
    present = shapes[~missing]
    points = (shapely.get_type_id(present) == 0).all() and not shapely.has_z(present).any()
    if not points or shapely.is_empty(present).any():
        return None
    coordinates = np.full((2, len(shapes)), np.nan)
    coordinates[0, ~missing], coordinates[1, ~missing] = shapely.get_x(present), shapely.get_y(present)
    return coordinates if np.isfinite(coordinates[:, ~missing]).all() else None


def _plain_column(values) -> list:
    """The column's values as plain Python values (None for any blank), dates as ISO text."""
    import pandas as pd

    cells = values.to_numpy(dtype=object)
    missing = pd.isna(cells)
    if missing.any():
        cells = cells.copy()
        cells[missing] = None
    if pd.api.types.infer_dtype(cells, skipna=True) in ("string", "empty"):
        return cells.tolist()
    return [_plain(v) for v in cells]


def _plain(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    if isinstance(value, dt.date | dt.datetime) or hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
