"""Importing layers from other tools: parse → validate → preview → commit.

`preview_import` reads a file and checks every row (a French message per problem, with its row
number) and says what importing would do; nothing is written. `commit_import` then writes the
valid rows in one transaction, or nothing when a row was rejected, unless the user chose to keep
the valid rows.

Modules: `specs` (what each layer is), `rows` (attribute checks), `shapes` (geometry checks),
`columns` (the checks column by column, for files of a million rows), `preview`, `commit`. Value
matchers live in `diagnostics.values`, the territory in `services.territory`, messages in
`texts.IMPORTS`.
"""

from __future__ import annotations

from diagnostics.services.imports.commit import ImportResult, commit_import
from diagnostics.services.imports.preview import (
    ADDED,
    UNCHANGED,
    UPDATED,
    ImportPreview,
    ImportRefused,
    columns_to_map,
    preview_import,
    workbook_sheets,
)
from diagnostics.services.imports.rows import FIXED, REJECTED, VALID, RowIssue
from diagnostics.services.imports.specs import FIELD_LABELS, FIELDS, LAYERS, SPECS
from diagnostics.values import match_category, match_severity, parse_bool, parse_date

__all__ = [
    "ADDED",
    "FIELDS",
    "FIELD_LABELS",
    "FIXED",
    "LAYERS",
    "REJECTED",
    "SPECS",
    "UNCHANGED",
    "UPDATED",
    "VALID",
    "ImportPreview",
    "ImportRefused",
    "ImportResult",
    "RowIssue",
    "columns_to_map",
    "commit_import",
    "match_category",
    "match_severity",
    "parse_bool",
    "parse_date",
    "preview_import",
    "workbook_sheets",
]
