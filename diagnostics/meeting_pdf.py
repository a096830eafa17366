"""The agenda of a cellule de veille and the pack of each recipient as PDF (issue 17): pure builders
(data in, bytes out), A4 text pages; every page is footed with « Document confidentiel —
diffusion restreinte aux membres de la cellule », the recipient and the date of issue.

A pack is the agenda, the map of the territory (the snapshots' map page, `Pack.map`), then two
annexes: the detail of the period's observations and the sites of the territory. What it holds
is decided before it gets here: `services.meeting_packs` scopes and redacts a partner's pack through
`diagnostics.redaction`; this module prints what it is given.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from diagnostics import localtime, taxonomy
from diagnostics.services.agenda import Agenda
from diagnostics.snapshots import SnapshotLayers, commune_map_figure

CONFIDENTIAL = "Document confidentiel — diffusion restreinte aux membres de la cellule"
FORCES = "Forces de sécurité intérieure (gendarmerie, police nationale)"
A4_WIDTH, A4_HEIGHT = 8.27, 11.69  # inches
MARGIN = 0.7
LINE_H = 0.2  # inches
WRAP = 100  # characters per line at 9 points
SIZES = {"title": 15, "section": 11.5, "text": 9}
# The text is written in the PDF's standard Helvetica (pdf.use14corefonts: every string at once, no
# font embedded; embedding DejaVu made a 10-page pack 18 times slower). Matplotlib ships Helvetica's
# metrics as weights "medium" and "bold" only: asking for "normal" (the default) printed a findfont
# warning per string on stderr. Every text, the default weight included, asks for one that exists.
CORE_FONTS = {"pdf.use14corefonts": True, "font.weight": "medium"}
REGULAR, BOLD = "medium", "bold"


@dataclass(frozen=True)
class PackObservation:
    """An observation as the pack's reader may read it: the forces' fields (team, author,
    comments) are empty in a partner's pack, the free text blank unless shared."""

    id: int
    observed_on: dt.date
    commune: str
    category: str
    severity: int
    status: str
    place: str = ""
    description: str = ""
    recommendation: str = ""
    partner: str = ""
    due_on: dt.date | None = None
    team: str = ""
    author: str = ""
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackSite:
    """A site of the territory (a reference layer row, redacted for a partner): its kind and name."""

    kind: str
    name: str


@dataclass(frozen=True)
class Pack:
    """What one recipient's PDF holds. `partner` is None for the forces' pack."""

    agenda: Agenda
    recipient: str
    partner: str | None = None
    observations: tuple[PackObservation, ...] = ()
    more_observations: int = 0  # left out past the pack's limit
    sites: tuple[PackSite, ...] = ()
    map: SnapshotLayers | None = None  # the territory's map, drawn from the same (redacted) data


def agenda_lines(agenda: Agenda) -> list[tuple[str, str]]:
    """The agenda as (style, text) lines, in French, its points in the commander's order (dropped
    ones left out), numbered from 1."""
    date = localtime.format_date
    lines = [("title", f"Ordre du jour — {agenda.cellule}")]
    if agenda.previous_meeting:
        since = f"données depuis la réunion précédente du {date(agenda.since)}"
    else:
        since = f"première réunion : données des quatre semaines depuis le {date(agenda.since)}"
    lines.append(("text", f"Réunion du {date(agenda.meeting_on)} — {since}."))
    kept = [point for point in agenda.points if not point.dropped]
    for number, point in enumerate(kept, start=1):
        lines.append(("section", f"{number}. {point.heading}"))
        if point.section is None:
            lines += [("text", part) for part in (point.body or "").splitlines() if part.strip()]
        else:
            lines += SECTION_LINES[point.section](agenda)
    return [(style, part) for style, text in lines for part in _wrapped(style, text)]


def decision_lines(items) -> list[tuple[str, str]]:
    """Decisions and where each stands (the agenda's first point, the relevé de décisions)."""
    if not items:
        return [("text", "Aucune décision à suivre.")]
    lines = []
    for item in items:
        answer = f" — réponse : {item.answer_label}" if item.answer else ""
        comment = f" ({item.answer_comment})" if item.answer_comment else ""
        lines.append(
            (
                "text",
                f"• {item.text} — {item.who}, échéance {localtime.format_date(item.due_on)} "
                f"[{item.state_label}]{answer}{comment}",
            )
        )
    return lines


def _new_observations(agenda: Agenda) -> list[tuple[str, str]]:
    if not agenda.new_by_severity:
        lines = [("text", "Aucune nouvelle observation.")]
    else:
        by_severity = ", ".join(f"{taxonomy.severity_label(k)} : {n}" for k, n in agenda.new_by_severity.items())
        lines = [("text", f"Par gravité — {by_severity}."), ("text", "Par secteur :")]
    return lines + [("text", f"• {sector} : {count}") for sector, count in agenda.new_by_sector.items()]


def _overdue(agenda: Agenda) -> list[tuple[str, str]]:
    if not agenda.overdue:
        return [("text", "Aucune préconisation ni décision en retard.")]
    lines = []
    for partner, items in agenda.overdue.items():
        lines.append(("text", f"{partner} : {len(items)} en retard"))
        lines += [("text", f"   – {_overdue_item(item)}") for item in items]
    return lines


def _overdue_item(item) -> str:
    due = f"échéance {localtime.format_date(item.due_on)}"
    if item.decision is None:
        return (
            f"N° {item.observation_id}, {taxonomy.category_label(item.category)}, "
            f"{taxonomy.severity_label(item.severity)}, {due}"
        )
    about = f" (observation n° {item.observation_id})" if item.observation_id is not None else ""
    return f"Décision du {localtime.format_date(item.decided_on)} : {item.decision}{about}, {due}"


def _revisits(agenda: Agenda) -> list[tuple[str, str]]:
    due = ", ".join(f"N° {v.observation_id} ({taxonomy.category_label(v.category)})" for v in agenda.revisits_due)
    lines = [("text", f"À faire : {due or 'aucune'}.")]
    for visit in agenda.revisit_results:
        finding = taxonomy.VISIT_FINDINGS.get(visit.finding or "", visit.finding or "")
        lines.append(
            ("text", f"• N° {visit.observation_id} visitée le {localtime.format_date(visit.visited_on)} : {finding}")
        )
    return lines


def _alerts(agenda: Agenda) -> list[tuple[str, str]]:
    if not agenda.alerts:
        return [("text", "Aucune alerte diffusée.")]
    return [("text", f"• {localtime.format_datetime(a.sent_at)} — {a.text}") for a in agenda.alerts]


def _rising(agenda: Agenda) -> list[tuple[str, str]]:
    if not agenda.rising_sectors:
        return [("text", "Aucun secteur en hausse.")]
    return [
        ("text", f"• {sector} : {now} depuis la réunion précédente, {before} sur la période d'avant")
        for sector, before, now in agenda.rising_sectors
    ]


def _outside_cameras(agenda: Agenda) -> list[tuple[str, str]]:
    if not agenda.outside_cameras:
        return [("text", "Aucune observation de vidéoprotection hors du champ des caméras.")]
    return [
        (
            "text",
            f"• N° {item.observation_id} — {taxonomy.category_label(item.category)}, "
            f"{taxonomy.severity_label(item.severity)}, {localtime.format_date(item.observed_on)}",
        )
        for item in agenda.outside_cameras
    ]


# One renderer per generated section (services.meeting_agenda.SECTIONS): a new section adds one here.
SECTION_LINES: dict[str, Callable[[Agenda], list[tuple[str, str]]]] = {
    "decisions": lambda agenda: decision_lines(agenda.decisions),
    "new_observations": _new_observations,
    "overdue": _overdue,
    "revisits": _revisits,
    "alerts": _alerts,
    "rising": _rising,
    "videoprotection": _outside_cameras,
}


def render_agenda_pdf(agenda: Agenda, *, recipient: str = FORCES, issued_on: dt.date) -> bytes:
    """The forces' agenda PDF; every page names the recipient and the date and says it is confidential."""
    return lines_pdf(agenda_lines(agenda), title=f"Ordre du jour — {agenda.cellule}", recipient=recipient,
                     issued_on=issued_on)  # fmt: skip


def render_pack_pdf(pack: Pack, *, issued_on: dt.date) -> bytes:
    """One recipient's pack: the agenda, the map of the territory (when given), the annexes; every
    page names the recipient and the date and says it is confidential."""
    title = f"Dossier de réunion — {pack.agenda.cellule}"
    agenda, annexes = _pack_parts(pack)
    if pack.map is None:
        return lines_pdf(agenda + annexes, title=title, recipient=pack.recipient, issued_on=issued_on)
    period = (pack.agenda.since, max(pack.agenda.since, pack.agenda.meeting_on - dt.timedelta(days=1)))
    figure = commune_map_figure(pack.map, issued_on=issued_on, period=period, dpi=100)
    return lines_pdf(agenda, title=title, recipient=pack.recipient, issued_on=issued_on, figures=[figure], then=annexes)


def pack_lines(pack: Pack) -> list[tuple[str, str]]:
    """The pack as (style, text) lines: the agenda, then the observations of the period, the sites."""
    agenda, annexes = _pack_parts(pack)
    return agenda + annexes


def _pack_parts(pack: Pack) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    lines = [("section", "Annexe 1. Détail des nouvelles observations")]
    if pack.partner:
        lines.append(("text", "Les observations qui vous sont attribuées ou situées sur vos communes."))
    if not pack.observations:
        lines.append(("text", "Aucune observation."))
    for item in pack.observations:
        lines += _observation_lines(item)
    if pack.more_observations:
        lines.append(("text", f"… et {pack.more_observations} autre(s), à consulter dans l'application."))
    lines.append(("section", "Annexe 2. Sites du territoire"))
    if not pack.sites:
        lines.append(("text", "Aucun site."))
    lines += [("text", f"• {(site.kind or 'site').capitalize()} : {site.name}") for site in pack.sites]
    title, *agenda = agenda_lines(pack.agenda)
    whose = ("text", f"Dossier {'de : ' + pack.partner if pack.partner else 'des forces (complet)'}.")
    return [title, whose, *agenda], wrapped_lines(lines)


def _observation_lines(item: PackObservation) -> list[tuple[str, str]]:
    date = localtime.format_date
    head = (
        f"N° {item.id} du {date(item.observed_on)} — {item.commune} — {taxonomy.category_label(item.category)}, "
        f"{taxonomy.severity_label(item.severity)}, {taxonomy.status_label(item.status)}"
    )
    details = (
        ("Lieu", item.place),
        ("Constat", item.description),
        ("Mesures préconisées", item.recommendation),
        ("Partenaire", item.partner),
        ("Échéance", date(item.due_on) if item.due_on else ""),
        ("Équipe", item.team),
        ("Auteur", item.author),
    )
    lines = [("text", head)] + [("text", f"   {label} : {value}") for label, value in details if value]
    return lines + [("text", f"   Commentaire interne : {comment}") for comment in item.comments]


def lines_pdf(
    lines: list[tuple[str, str]],
    *,
    title: str,
    recipient: str,
    issued_on: dt.date,
    figures: list[Figure] = (),
    then: list[tuple[str, str]] = (),
) -> bytes:
    """(style, text) lines as an A4 PDF, then `figures` (whole pages: the map), then the lines
    `then` on pages of their own; every page footed with the confidential notice, the recipient
    and the date of issue, and numbered. The figures are cleared."""
    per_page = int((A4_HEIGHT - 2 * MARGIN - 0.6) / LINE_H)
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    later = [then[i : i + per_page] for i in range(0, len(then), per_page)]
    total = len(pages) + len(figures) + len(later)
    footer = f"Destinataire : {recipient} — édité le {localtime.format_date(issued_on)}"
    buffer = io.BytesIO()
    metadata = {"Title": title, "Creator": "PSQ diagnostics", "CreationDate": None}
    try:
        with PdfPages(buffer, metadata=metadata) as pdf:
            for number, figure in enumerate(figures, start=len(pages) + 1):
                _foot_figure(figure, footer, f"Page {number}/{total}")
            numbered = [*enumerate(pages, start=1), *enumerate(figures, start=len(pages) + 1),
                        *enumerate(later, start=len(pages) + len(figures) + 1)]  # fmt: skip
            for number, page in numbered:
                if isinstance(page, Figure):  # the map keeps its embedded DejaVu, as in the snapshots
                    pdf.savefig(page, facecolor="white")
                    continue
                with matplotlib.rc_context(CORE_FONTS):
                    figure = _page(page, footer)
                    figure.text(1 - MARGIN / A4_WIDTH, 0.5 * MARGIN / A4_HEIGHT, f"Page {number}/{total}", ha="right",
                                fontsize=7)  # fmt: skip
                    pdf.savefig(figure, facecolor="white")
                figure.clear()
    finally:
        for figure in figures:
            figure.clear()
    return buffer.getvalue()


def _foot_figure(figure: Figure, footer: str, page: str) -> None:
    """The pack's notice, recipient, date and page number under a snapshot page's own footer."""
    width, _ = figure.get_size_inches()
    for y, text in ((0.13, CONFIDENTIAL), (0.03, footer)):
        figure.text(0.5, y / figure.get_size_inches()[1], text, ha="center", va="bottom", fontsize=6.5,
                    fontweight="bold", parse_math=False)  # fmt: skip
    figure.text(1 - 0.42 / width, 0.03 / figure.get_size_inches()[1], page, ha="right", va="bottom", fontsize=6.5)


def wrapped_lines(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(style, part) for style, text in lines for part in _wrapped(style, text)]


def _wrapped(style: str, text: str) -> list[str]:
    width = WRAP if style == "text" else int(WRAP * SIZES["text"] / SIZES[style])
    return textwrap.wrap(text, width=width, subsequent_indent="     ") or [""]


def _page(lines: list[tuple[str, str]], recipient_line: str) -> Figure:
    figure = Figure(figsize=(A4_WIDTH, A4_HEIGHT))
    y = A4_HEIGHT - MARGIN
    for style, text in lines:
        weight = REGULAR if style == "text" else BOLD
        figure.text(
            MARGIN / A4_WIDTH, y / A4_HEIGHT, text, fontsize=SIZES[style], weight=weight, va="top", parse_math=False
        )
        y -= LINE_H * (1.6 if style == "title" else 1.25 if style == "section" else 1)
    for offset, text in ((0.9, CONFIDENTIAL), (0.72, recipient_line)):
        figure.text(0.5, offset * MARGIN / A4_HEIGHT, text, ha="center", fontsize=8, weight=BOLD, parse_math=False)
    return figure
