"""The agenda of a cellule de veille and the pack of each recipient as PDF (issue 17): pure builders
(data in, bytes out), A4 portrait, text only; every page is footed with « Document confidentiel —
diffusion restreinte aux membres de la cellule », the recipient and the date of issue.

A pack is the agenda followed by the detail of the meeting's observations and the sites of the
territory. What it holds is decided before it gets here: `services.meeting_packs` scopes and
redacts a partner's pack through `diagnostics.redaction`; this module prints what it is given.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from dataclasses import dataclass, field

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from diagnostics import localtime, taxonomy
from diagnostics.services.agenda import Agenda

CONFIDENTIAL = "Document confidentiel — diffusion restreinte aux membres de la cellule"
FORCES = "Forces de sécurité intérieure (gendarmerie, police nationale)"
A4_WIDTH, A4_HEIGHT = 8.27, 11.69  # inches
MARGIN = 0.7
LINE_H = 0.2  # inches
WRAP = 100  # characters per line at 9 points
SIZES = {"title": 15, "section": 11.5, "text": 9}


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
    """A site of the territory (a reference layer row, redacted for a partner): kind, name."""

    kind: str
    name: str
    commune: str = ""


@dataclass(frozen=True)
class Pack:
    """What one recipient's PDF holds. `partner` is None for the forces' pack."""

    agenda: Agenda
    recipient: str
    partner: str | None = None
    observations: tuple[PackObservation, ...] = ()
    more_observations: int = 0  # left out past the pack's limit
    sites: tuple[PackSite, ...] = field(default=())


def agenda_lines(agenda: Agenda) -> list[tuple[str, str]]:
    """The agenda as (style, text) lines, in French."""
    date = localtime.format_date
    lines = [("title", f"Ordre du jour — {agenda.cellule}")]
    if agenda.previous_meeting:
        since = f"données depuis la réunion précédente du {date(agenda.since)}"
    else:
        since = f"première réunion : données des quatre semaines depuis le {date(agenda.since)}"
    lines.append(("text", f"Réunion du {date(agenda.meeting_on)} — {since}."))
    lines.append(("section", "1. Nouvelles observations"))
    if not agenda.new_by_severity:
        lines.append(("text", "Aucune nouvelle observation."))
    else:
        by_severity = ", ".join(f"{taxonomy.severity_label(k)} : {n}" for k, n in agenda.new_by_severity.items())
        lines.append(("text", f"Par gravité — {by_severity}."))
        lines.append(("text", "Par secteur :"))
    for sector, count in agenda.new_by_sector.items():
        lines.append(("text", f"• {sector} : {count}"))
    lines.append(("section", "2. Préconisations en retard, par partenaire"))
    if not agenda.overdue:
        lines.append(("text", "Aucune préconisation en retard."))
    for partner, items in agenda.overdue.items():
        lines.append(("text", f"{partner} : {len(items)} en retard"))
        for item in items:
            lines.append(
                (
                    "text",
                    f"   – N° {item.observation_id}, {taxonomy.category_label(item.category)}, "
                    f"{taxonomy.severity_label(item.severity)}, échéance {date(item.due_on)}",
                )
            )
    lines.append(("section", "3. Contre-visites"))
    due = ", ".join(f"N° {v.observation_id} ({taxonomy.category_label(v.category)})" for v in agenda.revisits_due)
    lines.append(("text", f"À faire : {due or 'aucune'}."))
    for visit in agenda.revisit_results:
        finding = taxonomy.VISIT_FINDINGS.get(visit.finding or "", visit.finding or "")
        lines.append(("text", f"• N° {visit.observation_id} visitée le {date(visit.visited_on)} : {finding}"))
    lines.append(("section", "4. Alertes diffusées sur le territoire"))
    if not agenda.alerts:
        lines.append(("text", "Aucune alerte diffusée."))
    for alert in agenda.alerts:
        lines.append(("text", f"• {localtime.format_datetime(alert.sent_at)} — {alert.text}"))
    lines.append(("section", "5. Secteurs en hausse"))
    if not agenda.rising_sectors:
        lines.append(("text", "Aucun secteur en hausse."))
    for sector, before, now in agenda.rising_sectors:
        lines.append(("text", f"• {sector} : {now} depuis la réunion précédente, {before} sur la période d'avant"))
    return [(style, part) for style, text in lines for part in _wrapped(style, text)]


def pack_lines(pack: Pack) -> list[tuple[str, str]]:
    """The pack as (style, text) lines: the agenda, the observations of the period, the sites."""
    date = localtime.format_date
    lines = [("title", f"Dossier de réunion — {pack.agenda.cellule}")]
    lines.append(("text", f"Dossier {'de : ' + pack.partner if pack.partner else 'des forces (complet)'}."))
    lines += agenda_lines(pack.agenda)
    lines.append(("section", "6. Détail des nouvelles observations"))
    if pack.partner:
        lines.append(("text", "Observations qui vous sont attribuées ou situées sur vos communes."))
    if not pack.observations:
        lines.append(("text", "Aucune observation."))
    for item in pack.observations:
        head = (
            f"N° {item.id} du {date(item.observed_on)} — {item.commune} — {taxonomy.category_label(item.category)}, "
            f"{taxonomy.severity_label(item.severity)}, {taxonomy.status_label(item.status)}"
        )
        lines.append(("text", head))
        details = [
            ("Lieu", item.place),
            ("Constat", item.description),
            ("Mesures préconisées", item.recommendation),
            ("Partenaire", item.partner),
            ("Échéance", date(item.due_on) if item.due_on else ""),
            ("Équipe", item.team),
            ("Auteur", item.author),
        ]
        lines += [("text", f"   {label} : {value}") for label, value in details if value]
        lines += [("text", f"   Commentaire interne : {comment}") for comment in item.comments]
    if pack.more_observations:
        lines.append(
            ("text", f"… et {pack.more_observations} autre(s) observation(s), à consulter dans l'application.")
        )
    lines.append(("section", "7. Sites du territoire"))
    if not pack.sites:
        lines.append(("text", "Aucun site."))
    for site in pack.sites:
        where = f" ({site.commune})" if site.commune else ""
        lines.append(("text", f"• {(site.kind or 'site').capitalize()} : {site.name or 'sans nom'}{where}"))
    return [(style, part) for style, text in lines for part in _wrapped(style, text)]


def render_agenda_pdf(agenda: Agenda, *, recipient: str = FORCES, issued_on: dt.date) -> bytes:
    """The forces' agenda PDF; every page names the recipient and the date and says it is confidential."""
    return _render(agenda_lines(agenda), f"Ordre du jour — {agenda.cellule}", recipient, issued_on)


def render_pack_pdf(pack: Pack, *, issued_on: dt.date) -> bytes:
    """One recipient's pack as PDF; every page names the recipient and the date and says it is confidential."""
    return _render(pack_lines(pack), f"Dossier de réunion — {pack.agenda.cellule}", pack.recipient, issued_on)


def _render(lines: list[tuple[str, str]], title: str, recipient: str, issued_on: dt.date) -> bytes:
    per_page = int((A4_HEIGHT - 2 * MARGIN - 0.6) / LINE_H)
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    buffer = io.BytesIO()
    metadata = {"Title": title, "Creator": "PSQ diagnostics", "CreationDate": None}
    with matplotlib.rc_context({"pdf.use14corefonts": True}), PdfPages(buffer, metadata=metadata) as pdf:
        for number, page in enumerate(pages, start=1):
            figure = _page(page, f"Destinataire : {recipient} — édité le {localtime.format_date(issued_on)}")
            figure.text(
                1 - MARGIN / A4_WIDTH, 0.5 * MARGIN / A4_HEIGHT, f"Page {number}/{len(pages)}", ha="right", fontsize=7
            )
            pdf.savefig(figure, facecolor="white")
            figure.clear()
    return buffer.getvalue()


def _wrapped(style: str, text: str) -> list[str]:
    width = WRAP if style == "text" else int(WRAP * SIZES["text"] / SIZES[style])
    return textwrap.wrap(text, width=width, subsequent_indent="     ") or [""]


def _page(lines: list[tuple[str, str]], recipient_line: str) -> Figure:
    figure = Figure(figsize=(A4_WIDTH, A4_HEIGHT))
    y = A4_HEIGHT - MARGIN
    for style, text in lines:
        weight = "normal" if style == "text" else "bold"
        figure.text(
            MARGIN / A4_WIDTH, y / A4_HEIGHT, text, fontsize=SIZES[style], weight=weight, va="top", parse_math=False
        )
        y -= LINE_H * (1.6 if style == "title" else 1.25 if style == "section" else 1)
    for offset, text in ((0.9, CONFIDENTIAL), (0.72, recipient_line)):
        figure.text(0.5, offset * MARGIN / A4_HEIGHT, text, ha="center", fontsize=8, weight="bold", parse_math=False)
    return figure
