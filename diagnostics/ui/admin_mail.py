"""Administration › Courriels: the outbox (pending, sent, failed with the error), retrying failed
messages, and the delivery log of the mayors' monthly maps."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from diagnostics import localtime
from diagnostics.notify.compose import KINDS
from diagnostics.services import deliveries, outbox
from diagnostics.ui import tables

SHOWN = {"pending": "En attente", "failed": "En échec", "sent": "Envoyés", "held": "Pour le résumé quotidien"}
RETRIED = "{count} message(s) remis en file d'envoi."


def section(db, actor) -> None:
    counts = outbox.outbox_counts(db, actor)
    columns = st.columns(len(SHOWN))
    for column, (status, label) in zip(columns, SHOWN.items(), strict=True):
        column.metric(label, counts.get(status, 0))
    statuses = st.multiselect(
        "Messages à afficher",
        list(outbox.STATUS_LABELS),
        default=["pending", "sending", "failed"],
        format_func=outbox.STATUS_LABELS.get,
        key="outbox_statuses",
        placeholder="Tous",
        select_all=False,
    )
    rows = outbox.outbox_rows(db, actor, statuses=tuple(statuses))
    st.caption("Dates et heures de Paris. Les 500 messages les plus récents.")
    if rows:
        st.dataframe(outbox_table(rows), hide_index=True, width="stretch")
    else:
        st.info("Aucun message.")
    failed = [row["id"] for row in rows if row["status"] == "failed"]
    if failed and st.button(f"Renvoyer les {len(failed)} message(s) en échec", icon=":material/replay:"):
        st.success(RETRIED.format(count=outbox.retry(db, actor, failed)))
    st.subheader("Cartes envoyées aux maires")
    log = deliveries.delivery_log(db, actor)
    if log:
        st.dataframe(delivery_table(log), hide_index=True, width="stretch")
    else:
        st.info("Aucun envoi : `python -m diagnostics deliver --department 70 --period last-month`.")


def outbox_table(rows: list[dict]) -> pd.DataFrame:
    return tables.readable(
        pd.DataFrame(
            {
                "N°": [row["id"] for row in rows],
                "Écrit le": [localtime.format_datetime(row["created_at"]) for row in rows],
                "Type": [KINDS.get(row["kind"], row["kind"]) for row in rows],
                "Destinataire": [row["recipient"] for row in rows],
                "Objet": [row["subject"] for row in rows],
                "État": [outbox.STATUS_LABELS.get(row["status"], row["status"]) for row in rows],
                "Tentatives": [row["attempts"] for row in rows],
                "Prochain essai": [
                    localtime.format_datetime(row["next_attempt_at"]) if row["status"] == "pending" else ""
                    for row in rows
                ],
                "Envoyé le": [localtime.format_datetime(row["sent_at"]) if row["sent_at"] else "" for row in rows],
                "Erreur": [row["last_error"] for row in rows],
            }
        )
    )


def delivery_table(rows: list[dict]) -> pd.DataFrame:
    return tables.readable(
        pd.DataFrame(
            {
                "Le": [localtime.format_datetime(row["created_at"]) for row in rows],
                "Période": [deliveries.period_label((row["period_start"], row["period_end"])) for row in rows],
                "Commune": [f"{row['commune_name']} ({row['commune_insee']})" for row in rows],
                "Résultat": [deliveries.OUTCOMES.get(row["outcome"], row["outcome"]) for row in rows],
                "Destinataires": [row["recipients"].replace(",", ", ") for row in rows],
                "Observations": [row["observations"] for row in rows],
                "Par": [row["actor"] for row in rows],
            }
        )
    )
