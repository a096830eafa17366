"""The mayor's PDF: the map page (vector, as in the PNG), then the list of observations with
their counts by catégorie, on as many A4 portrait pages as needed."""

from __future__ import annotations

import datetime
import io
import textwrap

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from diagnostics import taxonomy
from diagnostics.snapshots.layers import SnapshotLayers
from diagnostics.snapshots.layout import A4_LONG, A4_SHORT
from diagnostics.snapshots.numbers import observation_number
from diagnostics.snapshots.page import commune_map_figure
from diagnostics.snapshots.styles import PLAIN, RULE_GREY, TEXT_DARK, TEXT_GREY, category_color, severity_levels
from diagnostics.snapshots.text import TEXT, Period, format_int, french_date, issued_line, period_text, plain

# Page geometry of the list (A4 portrait, inches) and its table columns: key, width, header.
LIST_MARGIN = 0.5
LIST_FONT = 7.5  # points
LIST_LINE_H = LIST_FONT * 1.3 / 72  # inches per line of text
LIST_ROW_PAD = 0.07
LIST_MAX_LINES = 14  # a cell longer than this is cut with "…" so a row always fits a page
CHARS_PER_INCH = 17.0  # DejaVu Sans at LIST_FONT, measured on French text, rounded down
LIST_COLUMNS = (
    ("number", 0.5, "col_number"),
    ("date", 0.72, "col_date"),
    ("category", 1.45, "col_category"),
    ("severity", 0.84, "col_severity"),
    ("status", 0.76, "col_status"),
    ("description", 1.45, "col_description"),
    ("recommendation", 1.55, "col_recommendation"),
)
ZEBRA = "#f2f2f0"
LIST_HEADINGS_H = 0.3 + 0.32  # the list's title and the table's header row


def render_commune_pdf(
    layers: SnapshotLayers, *, issued_on: datetime.date, period: Period | None = None, dpi: int = 150
) -> bytes:
    """An A4 PDF for a mayor: the map page (vector, as in the PNG), then the observations.

    The list shows, for each observation, its N° (as on the map), date, catégorie, gravité,
    statut and préconisation, and the constat (description) only where the observation is
    marked ``shareable``; it opens with the counts by catégorie. The caller is expected to have
    redacted the frame already (see ``diagnostics.redaction``): this check is a second line of
    defence, not the rule.
    """
    from matplotlib.backends.backend_pdf import PdfPages

    figures = [commune_map_figure(layers, issued_on=issued_on, period=period, dpi=dpi)]
    try:
        figures += _observation_pages(layers, issued_on=issued_on, period=period)
        metadata = {
            "Title": TEXT["title"].format(name=layers.name, insee=layers.insee),
            "Subject": period_text(period),
            "Creator": "PSQ diagnostics",
            "CreationDate": None,  # reproducible files: same data, same bytes
        }
        buffer = io.BytesIO()
        with PdfPages(buffer, metadata=metadata) as pdf:
            pdf.savefig(figures[0], facecolor="white")
            # The list is mostly text: the PDF's standard fonts (Helvetica, cp1252) write each
            # string at once, where embedded TrueType is laid out glyph by glyph, which made a
            # commune with 260 observations take 2 s instead of 0.5 s. A character outside
            # cp1252 prints as "?" there; the map page keeps the embedded font.
            with matplotlib.rc_context({"pdf.use14corefonts": True}):
                for fig in figures[1:]:
                    pdf.savefig(fig, facecolor="white")
        return buffer.getvalue()
    finally:
        for fig in figures:
            fig.clear()


def _wrap_cell(text: str, width_in: float) -> list[str]:
    chars = max(4, int(width_in * CHARS_PER_INCH))
    lines = []
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, chars, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > LIST_MAX_LINES:
        lines = lines[: LIST_MAX_LINES - 1] + [lines[LIST_MAX_LINES - 1][: chars - 1] + "…"]
    return lines


def observation_cells(obs: pd.DataFrame) -> list[dict[str, str]]:
    """One dict of printable cells per observation, worst gravité first, then newest."""
    frame = pd.DataFrame(obs.drop(columns="geometry", errors="ignore"))
    frame["_severity"] = severity_levels(frame["severity"]) if "severity" in frame else 1
    frame["_date"] = pd.to_datetime(frame["observed_on"], errors="coerce") if "observed_on" in frame else pd.NaT
    frame = frame.sort_values(["_severity", "_date"], ascending=[False, False], kind="stable")
    cells = []
    for _, row in frame.iterrows():
        shared = bool(row.get("shareable")) if pd.notna(row.get("shareable")) else False
        description = plain(row.get("description")).strip() if shared else ""
        date = row["_date"]
        cells.append(
            {
                "number": observation_number(row),
                "date": french_date(date) if pd.notna(date) else "",
                "category": taxonomy.category_label(plain(row.get("category"))),
                "severity": f"{row['_severity']} — {taxonomy.severity_label(row['_severity'])}",
                "status": taxonomy.status_label(plain(row.get("status"))),
                "description": description or TEXT["not_shared"],
                "recommendation": plain(row.get("recommendation")).strip() or TEXT["not_shared"],
            }
        )
    return cells


def _category_counts(obs: pd.DataFrame) -> list[tuple[str, str, int, int]]:
    """(colour, label, total, still open) per catégorie present, in taxonomy order."""
    if len(obs) == 0 or "category" not in obs:
        return []
    codes = obs["category"].map(plain)
    open_ = obs["status"].isin(taxonomy.OPEN_STATUSES) if "status" in obs else pd.Series(False, index=obs.index)
    known = [c.code for c in taxonomy.CATEGORIES if c.code in set(codes)]
    rows = []
    for code in known + sorted(set(codes) - set(known)):
        mask = codes == code
        rows.append((category_color(code), taxonomy.category_label(code), int(mask.sum()), int((mask & open_).sum())))
    return rows


class _Page:
    """One A4 portrait page of the list, written in inches from its lower-left corner."""

    def __init__(self) -> None:
        self.width, self.height = A4_SHORT, A4_LONG
        self.fig = Figure(figsize=(self.width, self.height), dpi=100, facecolor="white")
        FigureCanvasAgg(self.fig)
        self.left, self.right = LIST_MARGIN, self.width - LIST_MARGIN

    def text(self, x: float, y: float, s: str, **kwargs):
        # The PDF's Helvetica exists as "medium" and "bold": asking for "normal" logs a
        # findfont warning per string.
        kwargs.setdefault("fontweight", "medium")
        kwargs.setdefault("color", TEXT_DARK)
        return self.fig.text(x, y, s, transform=self.fig.dpi_scale_trans, **PLAIN, **kwargs)

    def rule(self, x0: float, x1: float, y: float, color: str = RULE_GREY, width: float = 0.8) -> None:
        self.fig.add_artist(Line2D([x0, x1], [y, y], transform=self.fig.dpi_scale_trans, color=color, linewidth=width))

    def box(self, x: float, y: float, w: float, h: float, **style) -> None:
        self.fig.add_artist(Rectangle((x, y), w, h, transform=self.fig.dpi_scale_trans, **style))


def _observation_pages(layers: SnapshotLayers, *, issued_on: datetime.date, period) -> list[Figure]:
    """The list of observations on as many A4 portrait pages as it needs."""
    title = TEXT["list_title"].format(name=layers.name, insee=layers.insee)
    subtitle = issued_line(period, issued_on, recipient=layers.recipient)
    counts = _category_counts(layers.observations)
    cells = observation_cells(layers.observations)
    wrapped = [{key: _wrap_cell(c[key], width - 0.08) for key, width, _ in LIST_COLUMNS} for c in cells]
    heights = [max(len(v) for v in w.values()) * LIST_LINE_H + LIST_ROW_PAD for w in wrapped]
    pages = _paginate(heights, _counts_height(len(counts)) if counts else 0.0)
    total_pages = len(pages) + 1  # the map is page 1

    figures = []
    for page_number, indexes in enumerate(pages, start=2):
        page = _Page()
        figures.append(page.fig)
        top = page.height - LIST_MARGIN
        page.text(page.left, top, title, va="top", fontsize=14, fontweight="bold")
        page.text(page.left, top - 0.32, subtitle, va="top", fontsize=10)
        page.rule(page.left, page.right, top - 0.7)
        y = _list_top()
        if page_number == 2:
            y = _draw_counts(page, counts, y) if counts else y
            if not cells:
                page.text(page.left, y, TEXT["list_none"], va="top", fontsize=10)
            else:
                page.text(page.left, y, TEXT["list_rows"], va="top", fontsize=10.5, fontweight="bold")
                y -= 0.3
        else:
            page.text(page.left, y, TEXT["list_continued"], va="top", fontsize=10.5, fontweight="bold")
            y -= 0.3
        if indexes:
            y = _draw_table_header(page, y)
        for n, i in enumerate(indexes):
            if n % 2 == 0:
                page.box(page.left, y - heights[i], page.right - page.left, heights[i], facecolor=ZEBRA)
            x = page.left
            for key, col_width, _ in LIST_COLUMNS:
                cell = "\n".join(wrapped[i][key])
                page.text(x + 0.04, y - LIST_ROW_PAD / 2, cell, va="top", fontsize=LIST_FONT, linespacing=1.3)
                x += col_width
            y -= heights[i]
        _draw_list_footer(page, page_number, total_pages)
    return figures


def _list_top() -> float:
    return A4_LONG - LIST_MARGIN - 0.95  # below the header


def _paginate(heights: list[float], counts_h: float) -> list[list[int]]:
    """Rows per page: the first page starts below the counts and the headings."""
    bottom = LIST_MARGIN + 0.55  # above the footer
    pages: list[list[int]] = [[]]
    y = _list_top() - counts_h - LIST_HEADINGS_H
    for i, h in enumerate(heights):
        if y - h < bottom and pages[-1]:
            pages.append([])
            y = _list_top() - LIST_HEADINGS_H
        pages[-1].append(i)
        y -= h
    return pages


def _draw_list_footer(page: _Page, page_number: int, total_pages: int) -> None:
    foot = LIST_MARGIN + 0.4
    page.rule(page.left, page.right, foot)
    page.text(page.left, foot - 0.08, textwrap.fill(TEXT["confidential"], 150), va="top", fontsize=7, color=TEXT_GREY)
    page_text = TEXT["page"].format(n=page_number, total=total_pages)
    page.text(page.right, LIST_MARGIN, page_text, ha="right", va="bottom", fontsize=7.5, color=TEXT_GREY)
    page.text(page.left, LIST_MARGIN, TEXT["credits"], va="bottom", fontsize=6.5, color=TEXT_GREY)


def _counts_height(n: int) -> float:
    return 0.32 + 0.2 * n + 0.22 + 0.45  # what _draw_counts uses: title, rows, total, gap


def _draw_counts(page: _Page, counts, y: float) -> float:
    """The counts by catégorie, as a small table; returns the height below it (inches)."""
    left = page.left
    page.text(left, y, TEXT["list_counts"], va="top", fontsize=10.5, fontweight="bold")
    y -= 0.32
    label_x, total_x, open_x = left + 0.25, left + 4.3, left + 5.4
    heading = {"va": "top", "fontsize": 8, "fontweight": "bold", "color": TEXT_GREY}
    page.text(label_x, y, TEXT["col_category"], **heading)
    page.text(total_x, y, TEXT["col_total"], ha="right", **heading)
    page.text(open_x, y, TEXT["col_open"], ha="right", **heading)
    for color, label, total, still_open in counts:
        y -= 0.2
        page.box(left + 0.03, y - 0.13, 0.13, 0.11, facecolor=color, edgecolor="#111111", linewidth=0.5)
        page.text(label_x, y, label, va="top", fontsize=8.5)
        page.text(total_x, y, format_int(total), ha="right", va="top", fontsize=8.5)
        page.text(open_x, y, format_int(still_open), ha="right", va="top", fontsize=8.5)
    y -= 0.22
    page.rule(label_x, open_x, y + 0.03, width=0.6)
    bold = {"va": "top", "fontsize": 8.5, "fontweight": "bold"}
    page.text(label_x, y, TEXT["total"], **bold)
    page.text(total_x, y, format_int(sum(c[2] for c in counts)), ha="right", **bold)
    page.text(open_x, y, format_int(sum(c[3] for c in counts)), ha="right", **bold)
    return y - 0.45


def _draw_table_header(page: _Page, y: float) -> float:
    x = page.left
    for _, col_width, key in LIST_COLUMNS:
        header = textwrap.fill(TEXT[key], int(col_width * CHARS_PER_INCH * 0.9))
        page.text(x + 0.04, y, header, va="top", fontsize=7.5, fontweight="bold", linespacing=1.2)
        x += col_width
    y -= 0.3
    page.rule(page.left, page.right, y + 0.02, color="#444444")
    return y - 0.02
