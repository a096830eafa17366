"""The « fiche diagnostic » PDF: one diagnostic's map, grid scores and comments, observations and
photos (thumbnails with their caption, position and time). Pure: data in (`FicheData`), PDF
bytes out; no database. The service gives it what the reader may see: for partners, observations
already redacted and shareable photos only (`services.fiches`).

Observations carry their N° (the id the forces use) on the map and in the list, coloured by
catégorie as on the mayor's snapshots.

User text is drawn with `parse_math=False`, so a « $ » in a description stays a dollar sign.
"""

from __future__ import annotations

import datetime
import io
import textwrap
from dataclasses import dataclass, field

import geopandas
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from diagnostics import grids, localtime, taxonomy
from diagnostics.crs import to_lambert93
from diagnostics.snapshots.numbers import observation_number
from diagnostics.snapshots.styles import category_color
from diagnostics.snapshots.text import french_date, plain

A4_PORTRAIT = (8.27, 11.69)
MARGIN = 0.07
CREDITS = "Fonds : IGN ADMIN EXPRESS (Licence Ouverte 2.0) — PSQ diagnostics"


@dataclass(frozen=True)
class FichePhoto:
    jpeg: bytes
    title: str  # « Observation N° 12 — Éclairage » or « Photo du diagnostic »
    caption: str = ""
    position: str = ""  # « 47,44520 N — 5,59250 E »
    taken: str = ""  # « 01/12/2026 14:32 »


@dataclass
class FicheData:
    title: str  # « Quartier de l'île, Gray »
    team: str
    visited_on: datetime.date
    participants: str
    context: str
    closed: str  # « clôturé le … par … » or ""
    commune: geopandas.GeoDataFrame
    observations: geopandas.GeoDataFrame  # observations_frame columns
    grid: grids.GridScore | None
    photos: list[FichePhoto] = field(default_factory=list)
    issued_on: datetime.date = field(default_factory=datetime.date.today)
    for_partners: bool = False  # no participants, context nor grid comments
    grid_comments: list[tuple[str, str]] = field(default_factory=list)  # (item label, comment)


def render_fiche_pdf(data: FicheData) -> bytes:
    out = io.BytesIO()
    with PdfPages(out, metadata={"Title": f"Fiche diagnostic — {data.title}", "Creator": "PSQ diagnostics"}) as pdf:
        for figure in [_summary_page(data), *_observation_pages(data), *_photo_pages(data)]:
            pdf.savefig(figure)
            figure.clear()
    return out.getvalue()


def _page() -> Figure:
    """A new A4 page on its own canvas: no pyplot, so renders in threads share no state."""
    fig = Figure(figsize=A4_PORTRAIT)
    FigureCanvasAgg(fig)
    return fig


def _text(fig: Figure, x: float, y: float, text: str, **kwargs):
    return fig.text(x, y, text, parse_math=False, **kwargs)


def _summary_page(data: FicheData) -> Figure:
    fig = _page()
    _text(fig, MARGIN, 0.955, "Fiche diagnostic de sûreté", fontsize=18, weight="bold")
    _text(fig, MARGIN, 0.925, data.title, fontsize=13)
    lines = [
        f"Date de la visite : {french_date(data.visited_on)} — Équipe : {data.team}",
        f"Observations : {len(data.observations)}" + (f" — Diagnostic {data.closed}" if data.closed else ""),
    ]
    if not data.for_partners:
        lines += _wrapped(f"Participants : {data.participants}", 100, 2) if data.participants else []
        lines += _wrapped(f"Contexte : {data.context}", 100, 3) if data.context else []
    for i, line in enumerate(lines):
        _text(fig, MARGIN, 0.895 - i * 0.02, line, fontsize=9)
    ax = fig.add_axes([MARGIN, 0.37, 1 - 2 * MARGIN, 0.40])
    _draw_map(ax, data)
    _draw_scores(fig, data.grid, top=0.34)
    _text(fig, MARGIN, 0.02, f"Édité le {french_date(data.issued_on)} — {CREDITS}", fontsize=7, color="#555555")
    return fig


def _draw_map(ax, data: FicheData) -> None:
    ax.set_axis_off()
    commune = to_lambert93(data.commune)
    if len(commune):
        commune.plot(ax=ax, facecolor="#dfe6f0", edgecolor="#1b3c73", linewidth=1.5)
    observations = to_lambert93(data.observations)
    for kind in ("Polygon", "LineString", "Point"):
        part = observations[observations.geom_type.str.replace("Multi", "") == kind] if len(observations) else []
        if not len(part):
            continue
        colours = [category_color(c) for c in part["category"]]
        if kind == "Point":
            part.plot(ax=ax, color=colours, markersize=60, edgecolor="#222222", zorder=4)
        elif kind == "LineString":
            part.plot(ax=ax, color=colours, linewidth=3, zorder=3)
        else:
            part.plot(ax=ax, facecolor=colours, alpha=0.35, edgecolor=colours, zorder=2)
    if len(observations):
        for _, row in observations.iterrows():
            point = row.geometry.representative_point()
            ax.annotate(
                observation_number(row), (point.x, point.y), xytext=(5, 5), textcoords="offset points", fontsize=8
            )
        xmin, ymin, xmax, ymax = observations.total_bounds
        pad = max(xmax - xmin, ymax - ymin, 400) * 0.25
        ax.set_xlim(xmin - pad, xmax + pad)
        ax.set_ylim(ymin - pad, ymax + pad)
    ax.set_aspect("equal")
    ax.set_title("Carte des observations (Lambert-93 ; numéros : voir la liste)", fontsize=9)


def _draw_scores(fig: Figure, score: grids.GridScore | None, *, top: float) -> None:
    _text(fig, MARGIN, top, "Grille de diagnostic", fontsize=12, weight="bold")
    if score is None or score.answered == 0:
        _text(fig, MARGIN, top - 0.03, "Grille non renseignée.", fontsize=9)
        return
    y = top - 0.035
    for theme in score.themes:
        value = "—" if theme.score is None else f"{localtime.format_decimal(theme.score)} / 5"
        _text(fig, MARGIN, y, theme.label, fontsize=9)
        _text(fig, 0.62, y, value, fontsize=9, ha="right")
        if theme.score is not None:
            fig.add_artist(
                Rectangle((0.65, y - 0.002), 0.25 * theme.score / 5, 0.012, color=_score_colour(theme.score))
            )
        y -= 0.022
    overall = "—" if score.score is None else f"{localtime.format_decimal(score.score)} / 5"
    _text(fig, MARGIN, y - 0.01, f"Note du diagnostic : {overall}", fontsize=11, weight="bold")
    _text(
        fig,
        MARGIN,
        y - 0.032,
        f"{score.answered} critère(s) renseigné(s) sur {score.total}.",
        fontsize=8,
        color="#555555",
    )


def _score_colour(value: float) -> str:
    return "#c0392b" if value < 2.5 else "#e67e22" if value < 3.5 else "#27ae60"


def _observation_pages(data: FicheData) -> list[Figure]:
    blocks = []
    for _, row in data.observations.iterrows():
        title = (
            f"N° {observation_number(row)}. {taxonomy.category_label(row['category'])} — gravité "
            f"{taxonomy.severity_label(row['severity'])} — {taxonomy.status_label(row['status'])}"
        )
        body = []  # what the service left (redacted for partners)
        if plain(row.get("description")):
            body += _wrapped(f"Description : {plain(row.get('description'))}", 105, 6)
        if plain(row.get("recommendation")):
            body += _wrapped(f"Préconisation : {plain(row.get('recommendation'))}", 105, 4)
        if plain(row.get("partner")):
            body.append(f"Partenaire : {plain(row.get('partner'))}")
        blocks.append((title, body))
    pages, fig, y = [], None, 0.0
    for title, body in blocks:
        height = 0.025 + 0.017 * len(body) + 0.012
        if fig is None or y - height < 0.05:
            fig = _page()
            pages.append(fig)
            _text(fig, MARGIN, 0.955, f"Observations — {data.title}", fontsize=13, weight="bold")
            y = 0.92
        _text(fig, MARGIN, y, title, fontsize=9.5, weight="bold")
        y -= 0.022
        for line in body:
            _text(fig, MARGIN + 0.02, y, line, fontsize=8.5)
            y -= 0.017
        y -= 0.012
    return pages


PHOTOS_PER_PAGE = 6  # two columns, three rows of thumbnails
THUMBNAIL_PX = 900  # longest side: sharp on paper, small in the file


def _photo_pages(data: FicheData) -> list[Figure]:
    """Thumbnails with their observation, caption, position and time; then the grid's comments."""
    pages = []
    width = (1 - 2 * MARGIN - 0.04) / 2
    for start in range(0, len(data.photos), PHOTOS_PER_PAGE):
        fig = _page()
        _text(fig, MARGIN, 0.955, f"Photos — {data.title}", fontsize=13, weight="bold")
        for slot, photo in enumerate(data.photos[start : start + PHOTOS_PER_PAGE]):
            column, row = slot % 2, slot // 2
            left, bottom = MARGIN + column * (width + 0.04), 0.66 - row * 0.3
            ax = fig.add_axes([left, bottom, width, 0.22])
            ax.imshow(_thumbnail(photo.jpeg))
            ax.set_axis_off()
            lines = [
                photo.title,
                *_wrapped(photo.caption, 55, 2),
                " — ".join(p for p in (photo.position, photo.taken) if p),
            ]
            for i, line in enumerate(line for line in lines if line):
                _text(fig, left, bottom - 0.015 - i * 0.015, line, fontsize=7.5, weight="bold" if i == 0 else "normal")
        pages.append(fig)
    if data.grid_comments and not data.for_partners:
        pages += _grid_comment_pages(data)
    return pages


def _thumbnail(jpeg: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    return image


def _grid_comment_pages(data: FicheData) -> list[Figure]:
    pages, fig, y = [], None, 0.0
    for label, comment in data.grid_comments:
        lines = _wrapped(comment, 105, 6)
        if fig is None or y - 0.02 * (len(lines) + 1) < 0.05:
            fig = _page()
            pages.append(fig)
            _text(fig, MARGIN, 0.955, f"Commentaires de la grille — {data.title}", fontsize=13, weight="bold")
            y = 0.92
        _text(fig, MARGIN, y, label, fontsize=9, weight="bold")
        y -= 0.018
        for line in lines:
            _text(fig, MARGIN + 0.02, y, line, fontsize=8.5)
            y -= 0.016
        y -= 0.01
    return pages


def _wrapped(text: str, width: int, max_lines: int) -> list[str]:
    lines = textwrap.wrap(" ".join(text.split()), width) or [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1][: width - 1] + "…"]
    return lines
