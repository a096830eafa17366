"""Spreadsheets (.xlsx through openpyxl, .ods through GDAL's ODS driver) read like CSV files:
the first row names the columns, positions and values are recognised as in `csvfile`.

Both formats are zip archives. The archive is checked before a parser sees it (members
encrypted, declared sizes past a budget: a zip bomb or huge shared strings are refused
unread), and parsing happens in the import child with its memory and time limits. Formulas are
never evaluated: openpyxl gives the value the spreadsheet saved with the file (`data_only`),
links to other workbooks are not followed (`keep_links=False`).

Writing (.xlsx): a header row, real numbers and date cells shown as 01/12/2026 (Paris time for
date-times), a frozen header, column widths; text is always stored as text, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from diagnostics.errors import DiagnosticsError
from diagnostics.io import csvfile
from diagnostics.localtime import to_paris
from diagnostics.texts import imports_text as text

FORMATS = ("xlsx", "ods")
MAX_MEMBERS = 10_000
MAX_UNCOMPRESSED = 500_000_000
CELL_LIMIT = 32_767  # characters in one cell (Excel's limit; longer text makes Excel "repair" the file)
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_DATE_FORMAT = "DD/MM/YYYY"
_DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
# Control characters XML 1.0 cannot carry (openpyxl refuses them): dropped from exported text.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def check_archive(path: Path, fmt: str, *, max_uncompressed: int = MAX_UNCOMPRESSED) -> None:
    """Refuse (French DiagnosticsError) a workbook that is corrupt, protected, not a workbook of
    `fmt`, or whose members would decompress past `max_uncompressed` bytes."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise DiagnosticsError(text("sheet_not_workbook", format=_label(fmt)))
            if any(member.flag_bits & 0x1 for member in members):
                raise DiagnosticsError(text("sheet_protected"))
            total = sum(member.file_size for member in members)
            if total > max_uncompressed:
                raise DiagnosticsError(
                    text("zip_too_large", size=f"{total / 1e6:.0f}", limit=f"{max_uncompressed / 1e6:.0f}")
                )
            names = {member.filename for member in members}
            if fmt == "xlsx" and "xl/workbook.xml" not in names:
                raise DiagnosticsError(text("sheet_not_workbook", format=_label(fmt)))
            if fmt == "ods":
                _check_ods(archive, names)
    except zipfile.BadZipFile as exc:
        raise DiagnosticsError(text("sheet_broken", format=_label(fmt), reason=exc)) from exc


def _check_ods(archive: zipfile.ZipFile, names: set[str]) -> None:
    if "mimetype" not in names or archive.getinfo("mimetype").file_size > 200:
        raise DiagnosticsError(text("sheet_not_workbook", format=_label("ods")))
    if archive.read("mimetype").strip() != _ODS_MIME or "content.xml" not in names:
        raise DiagnosticsError(text("sheet_not_workbook", format=_label("ods")))
    manifest = "META-INF/manifest.xml"
    small = manifest in names and archive.getinfo(manifest).file_size < 1_000_000
    if small and b"encryption-data" in archive.read(manifest):  # LibreOffice's « enregistrer avec mot de passe »
        raise DiagnosticsError(text("sheet_protected"))


def _label(fmt: str) -> str:
    return {"xlsx": "Excel (.xlsx)", "ods": "OpenDocument (.ods)"}[fmt]


# --- Reading ----------------------------------------------------------------------------------


def read(
    path: Path,
    fmt: str,
    *,
    sheet: str | None = None,
    max_uncompressed: int = MAX_UNCOMPRESSED,
    sheets_only: bool = False,
    **position,
) -> gpd.GeoDataFrame:
    """The rows of the first sheet (or of `sheet`) as a GeoDataFrame, positions as `csvfile.read`
    finds them (`x`, `y`, `wkt`, `crs`, `require_position`). The sheet names are in
    `frame.attrs["sheets"]` (for a picker); with `sheets_only`, the frame is empty."""
    check_archive(path, fmt, max_uncompressed=max_uncompressed)
    if sheets_only:
        frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries([]), crs=None)
        frame.attrs["sheets"] = _sheet_names(path, fmt)
        return frame
    reader = _xlsx_rows if fmt == "xlsx" else _ods_rows
    names, rows = reader(path, sheet)
    table = _table(rows, names[0] if sheet is None else sheet)
    frame = csvfile.positioned(table, **position)
    frame.attrs["sheets"] = names
    return frame


def _sheet_names(path: Path, fmt: str) -> list[str]:
    if fmt == "ods":
        import pyogrio

        return [str(name) for name, _ in pyogrio.list_layers(path)]
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, keep_links=False)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _chosen(names: list[str], sheet: str | None) -> str:
    if not names:
        raise DiagnosticsError(text("sheet_empty", sheet="?"))
    if sheet is None:
        return names[0]
    if sheet not in names:
        raise DiagnosticsError(text("sheet_unknown", sheet=sheet, sheets=", ".join(f"« {n} »" for n in names)))
    return sheet


def _xlsx_rows(path: Path, sheet: str | None) -> tuple[list[str], list[tuple]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True, keep_links=False, keep_vba=False)
    try:
        names = list(book.sheetnames)
        worksheet = book[_chosen(names, sheet)]
        if not hasattr(worksheet, "iter_rows"):  # a chart sheet
            raise DiagnosticsError(text("sheet_empty", sheet=_chosen(names, sheet)))
        return names, [tuple(row) for row in worksheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _ods_rows(path: Path, sheet: str | None) -> tuple[list[str], list[tuple]]:
    import pyogrio

    # FORCE: the first row is the header even when every cell below is text (AUTO would guess).
    pyogrio.set_gdal_config_options({"OGR_ODS_HEADERS": "FORCE", "OGR_ODS_FIELD_TYPES": "AUTO"})
    try:
        if pyogrio.read_info(path)["driver"] != "ODS":
            raise DiagnosticsError(text("sheet_not_workbook", format=_label("ods")))
        names = [str(name) for name, _ in pyogrio.list_layers(path)]
    except pyogrio.errors.DataSourceError as exc:  # content.xml GDAL cannot parse
        raise DiagnosticsError(text("sheet_broken", format=_label("ods"), reason=exc)) from exc
    chosen = _chosen(names, sheet)
    table = pyogrio.read_dataframe(path, layer=chosen, read_geometry=False)
    header = tuple(str(c) for c in table.columns)
    return names, [header, *table.itertuples(index=False, name=None)]


def _table(rows: list[tuple], sheet: str) -> pd.DataFrame:
    """Text cells under the first non-empty row's names; empty rows and unnamed columns dropped."""
    rows = [row for row in rows if any(_text(v) for v in row)]
    if len(rows) < 2:
        raise DiagnosticsError(text("sheet_empty", sheet=sheet))
    header = [_text(v) for v in rows[0]]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    cells = [[_text(v) for v in row[:width]] + [""] * (width - len(row)) for row in rows[1:]]
    table = pd.DataFrame(cells, columns=[name or f"colonne_{i + 1}" for i, name in enumerate(header)])
    return table.loc[:, [bool(name) for name in header]]


def _text(value) -> str:
    """A cell as the CSV reader would have it: numbers with a point, dates in ISO."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # an INSEE code or a gravité typed as a number
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


# --- Writing ----------------------------------------------------------------------------------


def write(frame: gpd.GeoDataFrame, path: Path, *, layer: str = "layer") -> int:
    """One sheet named after the layer: the columns of the CSV export (positions as longitude,
    latitude and WKT), typed cells, header frozen and bold, widths from the contents."""
    path.write_bytes(workbook_bytes(frame, layer=layer))
    return len(frame)


def workbook_bytes(frame: gpd.GeoDataFrame, *, layer: str = "layer") -> bytes:
    """The workbook `write` writes, as bytes (for a download)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    table = csvfile.table_with_positions(frame)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_BAD_TITLE.sub(" ", layer)[:31] or "couche")
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(column, table[column])
    bold = Font(bold=True)
    sheet.append([_cell(sheet, str(column), font=bold) for column in table.columns])
    for row in table.itertuples(index=False, name=None):
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value, *, font=None):
    from openpyxl.cell import WriteOnlyCell

    value = _excel_value(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula nor an error code, whatever the text starts with
        cell.quotePrefix = value[:1] in csvfile.FORMULA_START  # stays text when someone edits it
    elif isinstance(value, dt.datetime):
        cell.number_format = _DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = _DATE_FORMAT
    if font is not None:
        cell.font = font
    return cell


def _excel_value(value):
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, pd.Timestamp):  # numpy scalars
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):  # stored in UTC: shown in Paris time, as every page does
        return to_paris(value).replace(tzinfo=None, microsecond=0)
    if isinstance(value, bool | int | float | dt.date):
        return value
    content = _ILLEGAL.sub("", str(value))
    if len(content) > CELL_LIMIT:
        raise DiagnosticsError(text("sheet_cell_too_long", length=len(content), limit=CELL_LIMIT))
    return content


def _width(name: str, values: pd.Series) -> float:
    sample = values.head(200).map(lambda v: len(_shown(v)))
    longest = max([len(name), *sample.tolist()])
    return float(min(max(longest + 2, 8), 60))


def _shown(value) -> str:
    value = _excel_value(value)
    if isinstance(value, dt.datetime):
        return "01/12/2026 23:47"
    if isinstance(value, dt.date):
        return "01/12/2026"
    return "" if value is None else str(value)
