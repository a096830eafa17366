"""The mayors' map, delivered: each commune's PDF snapshot of a period, e-mailed to its mayor
account(s) through the outbox, with a delivery log.

The PDF is the Export maire one (`exports.snapshot_layers`, redacted for partners, then
`exports.render_snapshot`), stored with the message so that a retry sends the same file. Each
commune's delivery row, its messages and its audit event are one transaction; the row is unique
per (commune, period), so running `deliver` twice for a period sends nothing twice (a commune
without a mayor's address, or left out as empty, is looked at again by the next run).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from diagnostics import localtime
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.models import Commune, Observation
from diagnostics.outbox_models import Delivery
from diagnostics.services import audit, outbox
from diagnostics.services.exports import render_snapshot, snapshot_file_name, snapshot_layers
from diagnostics.services.snapshot_batch import department_communes

QUEUED, SKIPPED_EMPTY, NO_RECIPIENT, ALREADY, FAILED = "queued", "skipped_empty", "no_recipient", "already", "failed"
OUTCOMES: dict[str, str] = {
    QUEUED: "Carte mise en file d'envoi",
    SKIPPED_EMPTY: "Aucune observation : rien envoyé",
    NO_RECIPIENT: "Aucun compte maire avec une adresse de courriel",
}
PDF = "application/pdf"


def parse_period(text: str, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """`last-month` (the calendar month before today, Paris) or `YYYY-MM`: (first day, last day)."""
    today = today or localtime.now_paris().date()
    if text == "last-month":
        last = today.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    try:
        first = dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise ValueError(f"période invalide : {text!r} (attendu last-month ou AAAA-MM, par exemple 2026-11)") from None
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def period_label(period: tuple[dt.date, dt.date]) -> str:
    start, end = period
    if start.day == 1 and (end + dt.timedelta(days=1)).day == 1 and start.month == end.month:
        return localtime.format_month(start.year, start.month)
    return f"du {localtime.format_date(start)} au {localtime.format_date(end)}"


@dataclass(frozen=True)
class CommuneDelivery:
    insee: str
    name: str
    outcome: str
    recipients: tuple[str, ...] = ()
    observations: int = 0
    error: str = ""


@dataclass
class DeliveryReport:
    department: str
    period: tuple[dt.date, dt.date]
    dry_run: bool
    results: list[CommuneDelivery] = field(default_factory=list)

    @property
    def failed(self) -> list[CommuneDelivery]:
        return [r for r in self.results if r.outcome == FAILED]

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.results)

    def lines(self) -> list[str]:
        verb = "serait envoyée" if self.dry_run else "mise en file d'envoi"
        lines = []
        for r in self.results:
            if r.outcome == QUEUED:
                lines.append(f"{r.insee} {r.name} : carte {verb} pour {', '.join(r.recipients)}")
            elif r.outcome == FAILED:
                lines.append(f"{r.insee} {r.name} : échec : {r.error}")
        lines.append(
            f"{period_label(self.period)}, département {self.department} : {self.count(QUEUED)} carte(s) "
            f"{'à envoyer' if self.dry_run else 'en file d’envoi'}, {self.count(ALREADY)} déjà envoyée(s), "
            f"{self.count(SKIPPED_EMPTY)} commune(s) sans observation, {self.count(NO_RECIPIENT)} sans adresse de "
            f"maire, {self.count(FAILED)} en échec"
        )
        return lines


def deliver_department(
    db: Database,
    actor: Actor,
    department: str,
    period: tuple[dt.date, dt.date],
    *,
    skip_empty: bool = False,
    dry_run: bool = False,
    issued_on: dt.date | None = None,
) -> DeliveryReport:
    """Queue each commune's PDF for its mayors (see the module docstring); `dry_run` writes nothing."""
    require(actor, "manage_accounts")
    report = DeliveryReport(department, period, dry_run)
    communes = department_communes(db, actor, department)
    counts, done = _counts_and_done(db, [insee for insee, _ in communes], period)
    for insee, name in communes:
        if insee in done:
            report.results.append(CommuneDelivery(insee, name, ALREADY))
            continue
        try:
            count = counts.get(insee, 0)
            result = _deliver_commune(db, actor, insee, name, period, count, skip_empty, dry_run, issued_on)
        except Exception as exc:  # one commune's failure is reported, the others go on
            result = CommuneDelivery(insee, name, FAILED, error=f"{type(exc).__name__}: {exc}")
        report.results.append(result)
    if not dry_run:
        audit.record_now(
            db, actor, "export", entity="delivery", entity_id=department,
            detail=f"cartes mensuelles {period_label(period)} : {report.count(QUEUED)} en file d'envoi, "
            f"{report.count(FAILED)} en échec",
        )  # fmt: skip
    return report


def _counts_and_done(db: Database, communes: list[str], period) -> tuple[dict[str, int], set[str]]:
    """Observations of the period per commune, and the communes already delivered: two queries for
    the whole département (one per commune made a 536-commune run take seconds)."""
    start, end = period
    with db.session() as session:
        counts = dict(
            session.execute(
                select(Observation.commune_insee, func.count(Observation.id))
                .where(Observation.observed_on >= start, Observation.observed_on <= end)
                .group_by(Observation.commune_insee)
            ).all()
        )
        done = set(
            session.scalars(
                select(Delivery.commune_insee).where(
                    Delivery.period_start == start, Delivery.period_end == end, Delivery.outcome == QUEUED
                )
            )
        )
    return {insee: counts[insee] for insee in communes if insee in counts}, done


def _deliver_commune(db, actor, insee, name, period, count, skip_empty, dry_run, issued_on) -> CommuneDelivery:
    start, end = period
    if skip_empty and not count:
        return _log(db, actor, insee, name, period, SKIPPED_EMPTY, (), count, dry_run)
    with db.session() as session:
        recipients = outbox.mayors_of(session, insee)
    if not recipients:
        return _log(db, actor, insee, name, period, NO_RECIPIENT, (), count, dry_run)
    addresses = tuple(r.email for r in recipients)
    if dry_run:
        return CommuneDelivery(insee, name, QUEUED, addresses, count)
    issued_on = issued_on or localtime.now_paris().date()
    # Printed on every page with the date: « Édité le … pour : Maire de Gray (adresse) ».
    layers = replace(snapshot_layers(db, actor, insee, period), recipient=f"Maire de {name} ({', '.join(addresses)})")
    pdf = render_snapshot(layers, "pdf", issued_on=issued_on, period=period)
    attachment = outbox.Attachment(snapshot_file_name(insee, name, "pdf", end), PDF, pdf)
    try:
        with db.session() as session:
            _write_log(session, actor, insee, period, QUEUED, addresses, count)
            outbox.notify(
                session, "delivery", recipients=recipients, attachments=[attachment], immediate=True,
                data={"commune": name, "period": period_label(period)},
                dedup_key=f"delivery:{insee}:{start}:{end}",
            )  # fmt: skip
            audit.record(session, actor, "export", entity="delivery", entity_id=insee,
                         detail=f"carte PDF {period_label(period)} pour {', '.join(addresses)}")  # fmt: skip
    except IntegrityError:  # another run delivered it in between
        return CommuneDelivery(insee, name, ALREADY)
    return CommuneDelivery(insee, name, QUEUED, addresses, count)


def _log(db, actor, insee, name, period, outcome, addresses, count, dry_run) -> CommuneDelivery:
    if not dry_run:
        with db.session() as session:
            _write_log(session, actor, insee, period, outcome, addresses, count)
    return CommuneDelivery(insee, name, outcome, addresses, count)


def _delivery(insee: str, period: tuple[dt.date, dt.date]):
    start, end = period
    return select(Delivery).where(
        Delivery.commune_insee == insee, Delivery.period_start == start, Delivery.period_end == end
    )


def _write_log(session, actor, insee, period, outcome, addresses, count) -> None:
    row = session.scalar(_delivery(insee, period)) or Delivery(
        commune_insee=insee, period_start=period[0], period_end=period[1]
    )
    row.outcome, row.recipients, row.observations = outcome, ",".join(addresses), count
    row.actor, row.created_at = actor.login, dt.datetime.now(dt.UTC).replace(tzinfo=None)
    session.add(row)


def delivery_log(db: Database, actor: Actor, *, limit: int = 1000) -> list[dict]:
    """The newest deliveries, for administrators."""
    require(actor, "manage_accounts")
    statement = (
        select(
            Delivery.created_at,
            Delivery.period_start,
            Delivery.period_end,
            Delivery.commune_insee,
            Commune.name.label("commune_name"),
            Delivery.outcome,
            Delivery.recipients,
            Delivery.observations,
            Delivery.actor,
        )
        .join(Commune, Commune.insee == Delivery.commune_insee)
        .order_by(Delivery.created_at.desc(), Delivery.commune_insee)
        .limit(limit)
    )
    with db.session() as session:
        return [dict(row._mapping) for row in session.execute(statement)]
