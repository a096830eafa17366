"""Importing the partners' lists of subscribers (CCI, CMA, Chambre d'agriculture…): CSV or spreadsheet.

Read as `import` reads them (comma or semicolon, UTF-8 or Windows-1252, `.xlsx` / `.ods` first
sheet), in the isolated child process. All or nothing: with any rejected row nothing is written,
unless `keep_valid`. Each row is named by its line in the file. Rows with the same number (in the
file, or already in the database) are merged: the last row's fields win, the communes add up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics import config
from diagnostics.alert_models import Subscriber, TradeCategory
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.errors import DiagnosticsError
from diagnostics.io import files
from diagnostics.models import Commune
from diagnostics.services import audit
from diagnostics.services.subscribers import SubscriberDraft, area_of, is_stopped, normalise_phone, store
from diagnostics.values import clean_text, match_code, normalise_name

COLUMNS = {
    "name": ("nom", "raison_sociale", "nom_ou_raison_sociale", "name", "enseigne", "entreprise", "exploitation"),
    "phone": ("mobile", "telephone", "portable", "tel", "numero", "phone", "telephone_mobile", "gsm"),
    "email": ("email", "e_mail", "courriel", "mail", "adresse_electronique"),
    "category": ("categorie", "metier", "activite", "category", "secteur_d_activite", "categorie_professionnelle"),
    "communes": ("communes", "commune", "code_insee", "insee", "codes_insee"),
    "convention": ("convention", "dispositif", "partenaire", "reseau"),
    "zone": ("zone", "zone_dessinee", "zone_wkt", "perimetre"),
    "consent_on": ("date_consentement", "consentement", "date_de_consentement", "consent", "date_d_inscription"),
}
REQUIRED = ("name", "phone", "category")
COLUMN_LABELS = {"name": "nom", "phone": "mobile", "category": "métier"}
_SEPARATORS = re.compile(r"[,;/|+]")


@dataclass(frozen=True)
class RowResult:
    line: int
    status: str  # "ajout", "fusion", "rejet"
    message: str = ""

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.status}" + (f" — {self.message}" if self.message else "")


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    written: int = 0
    dry_run: bool = False

    @property
    def rejected(self) -> list[RowResult]:
        return [row for row in self.rows if row.status == "rejet"]

    def summary(self) -> str:
        counts = {kind: sum(row.status == kind for row in self.rows) for kind in ("ajout", "fusion", "rejet")}
        head = f"{counts['ajout']} ajout(s), {counts['fusion']} fusion(s), {counts['rejet']} ligne(s) rejetée(s)"
        if self.dry_run:
            return head + " — essai : rien n'a été écrit"
        if self.rejected and not self.written:
            return head + " — rien n'a été écrit (corrigez les lignes rejetées ou utilisez --keep-valid)"
        return head + f" — {self.written} abonné(s) enregistré(s)"


def import_subscribers(
    db: Database, actor: Actor, path: Path, *, dry_run: bool = False, keep_valid: bool = False, name: str | None = None
) -> ImportReport:
    require(actor, "manage_subscribers")
    fmt = files.check_file(path, max_bytes=config.import_max_bytes(), name=name)
    if fmt not in ("csv", "xlsx", "ods"):
        raise DiagnosticsError("Les abonnés s'importent d'un fichier CSV, .xlsx ou .ods.")
    frame, _notes = files.read_upload(path, fmt, require_position=False)
    columns = _columns([str(c) for c in frame.columns if c != "geometry"])
    missing = [COLUMN_LABELS[key] for key in REQUIRED if key not in columns]
    if missing:
        raise DiagnosticsError(f"Colonnes manquantes : {', '.join(missing)} (colonnes du fichier : "
                               f"{', '.join(str(c) for c in frame.columns if c != 'geometry')}).")  # fmt: skip
    report = ImportReport(dry_run=dry_run)
    with db.session() as session:
        lookup = _Lookup(session)
        drafts: dict[str, tuple[int, SubscriberDraft]] = {}
        for index, record in enumerate(frame.to_dict("records")):
            line = index + 2  # the header is line 1
            values = {key: clean_text(str(record.get(column) or "")) for key, column in columns.items()}
            try:
                draft = _draft(lookup, values, record.get("geometry"))
            except ValueError as exc:
                report.rows.append(RowResult(line, "rejet", str(exc)))
                continue
            earlier = drafts.get(draft.phone)
            if earlier is not None:
                draft = _merged(earlier[1], draft)
                report.rows.append(RowResult(line, "fusion", f"même numéro que la ligne {earlier[0]}"))
            else:
                exists = session.scalar(select(Subscriber.id).where(Subscriber.phone == draft.phone))
                report.rows.append(
                    RowResult(line, "fusion" if exists else "ajout", "abonné existant" if exists else "")
                )
            drafts[draft.phone] = (earlier[0] if earlier else line, draft)
        if dry_run or (report.rejected and not keep_valid):
            return report
        for _line, draft in drafts.values():
            store(session, draft, area_of(session, draft.communes, draft.zone))
        report.written = len(drafts)
        audit.record(
            session, actor, "import", entity="subscribers", entity_id=path.name[:40],
            after={"written": report.written, "rejected": [row.line for row in report.rejected]},
        )  # fmt: skip
    return report


def _merged(earlier: SubscriberDraft, later: SubscriberDraft) -> SubscriberDraft:
    """Two rows of one number: the later row's fields where it has them, the communes of both."""
    return dataclasses.replace(
        later,
        email=later.email or earlier.email,
        convention=later.convention or earlier.convention,
        communes=tuple(dict.fromkeys(earlier.communes + later.communes)),
        zone=later.zone or earlier.zone,
    )


def _columns(names: list[str]) -> dict[str, str]:
    by_normal = {normalise_name(name): name for name in names}
    found = {}
    for key, candidates in COLUMNS.items():
        column = next((by_normal[c] for c in candidates if c in by_normal), None)
        if column is not None:
            found[key] = column
    return found


class _Lookup:
    """Trades and communes of the installation, read once per import."""

    def __init__(self, session: Session):
        self.session = session
        self.categories = dict(session.execute(select(TradeCategory.code, TradeCategory.label)).all())
        rows = session.execute(
            select(Commune.insee, Commune.name).where(Commune.department.in_(config.departments()))
        ).all()
        self.insee = {insee for insee, _ in rows}
        self.by_name: dict[str, list[str]] = {}
        for insee, commune_name in rows:
            self.by_name.setdefault(normalise_name(commune_name), []).append(insee)

    def commune(self, value: str) -> str:
        value = value.strip()
        if value in self.insee:
            return value
        matches = self.by_name.get(normalise_name(value), [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ValueError(f"commune « {value} » ambiguë : donnez son code INSEE ({', '.join(matches)})")
        raise ValueError(f"commune inconnue dans les départements couverts : « {value} »")


def _draft(lookup: _Lookup, values: dict[str, str], zone: BaseGeometry | None) -> SubscriberDraft:
    problems = []
    try:
        phone = normalise_phone(values.get("phone", ""))
        if is_stopped(lookup.session, phone):
            problems.append("ce numéro a demandé STOP : il ne peut pas être inscrit à nouveau")
    except ValueError as exc:
        phone = ""
        problems.append(str(exc))
    name = values.get("name", "")
    if not name:
        problems.append("nom ou raison sociale manquant")
    category = match_code(values.get("category", ""), lookup.categories)
    if category is None:
        problems.append(f"métier inconnu : « {values.get('category', '')} »")
    email = values.get("email", "")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        problems.append(f"adresse électronique invalide : « {email} »")
    communes: list[str] = []
    for part in _SEPARATORS.split(values.get("communes", "")):
        if part.strip():
            try:
                communes.append(lookup.commune(part))
            except ValueError as exc:
                problems.append(str(exc))
    if values.get("zone"):
        try:
            zone = shapely.from_wkt(values["zone"])
        except shapely.errors.GEOSException:
            problems.append("zone illisible (WKT attendu : POLYGON((lon lat, …)))")
    has_zone = zone is not None and not zone.is_empty and zone.geom_type.endswith("Polygon")
    if has_zone and not zone.is_valid:
        problems.append("zone invalide (son contour se recoupe)")
    if not communes and not has_zone and not values.get("communes", "").strip():
        problems.append("ni commune ni zone : à quel endroit envoyer les alertes ?")
    consent = _date(values.get("consent_on", ""), problems)
    if problems:
        raise ValueError(" ; ".join(problems))
    return SubscriberDraft(
        name=name[:200], phone=phone, category=category, consent_on=consent, email=email[:200],
        convention=values.get("convention", "")[:80], communes=tuple(communes), zone=zone if has_zone else None,
    )  # fmt: skip


def _date(value: str, problems: list[str]) -> dt.date:
    if not value:
        return dt.date.today()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%d/%m/%y"):
        try:
            return dt.datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    problems.append(f"date de consentement illisible : « {value} » (attendu JJ/MM/AAAA)")
    return dt.date.today()
