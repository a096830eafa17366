"""Checks of a whole column at once, for files of a million rows: a file's cells as plain values,
each distinct value parsed once, text lengths measured by column, and the problems found kept as
blocks of rows until they are told row by row, in the order the row-by-row checks tell them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from diagnostics.services.imports.shapes import ERROR, REPAIRED

Parse = Callable[[object, list], object]  # (value, problems) → parsed value; appends (level, message)


class Problems:
    """The problems of a file's rows, told by `issues` in row order; within a row by stage (the
    layer's fields in order, then its shape, its place, its key) and, within a stage, as found."""

    def __init__(self, count: int):
        self.count = count
        self._positions: list[np.ndarray] = []
        self._stages: list[np.ndarray] = []
        self._kinds: list[np.ndarray] = []
        self._told: list[tuple[str, str]] = []  # (level, message) of each kind
        self._pending: tuple[list, list, list] = ([], [], [])  # single rows, arrayed on the next block

    def add(self, positions: np.ndarray, stage: int, level: str, message: str) -> None:
        """The same problem for every row in `positions`."""
        if not len(positions):
            return
        self._flush()
        self._told.append((level, message))
        self._positions.append(np.asarray(positions, dtype=np.int64))
        self._stages.append(np.full(len(positions), stage, dtype=np.int64))
        self._kinds.append(np.full(len(positions), len(self._told) - 1, dtype=np.int64))

    def add_row(self, position: int, stage: int, problems: list[tuple[str, str]]) -> None:
        """A row's problems, as the row-by-row checks found them."""
        positions, stages, kinds = self._pending
        for problem in problems:
            self._told.append(problem)
            positions.append(position)
            stages.append(stage)
            kinds.append(len(self._told) - 1)

    def rows_with(self, level: str) -> np.ndarray:
        """A mask of the rows that have a problem of `level`."""
        self._flush()
        mask = np.zeros(self.count, dtype=bool)
        wanted = np.array([told_level == level for told_level, _ in self._told] or [False])
        for positions, kinds in zip(self._positions, self._kinds, strict=True):
            mask[positions[wanted[kinds]]] = True
        return mask

    def statuses(self, valid: str, fixed: str, rejected: str) -> np.ndarray:
        status = np.full(self.count, valid, dtype=object)
        status[self.rows_with(REPAIRED)] = fixed
        status[self.rows_with(ERROR)] = rejected
        return status

    def issues(self, first_row: int, where: str, issue: type) -> list:
        """Every problem as an `issue(row, level, message, where)`, in row order."""
        self._flush()
        if not self._positions:
            return []
        positions, stages, kinds = (np.concatenate(p) for p in (self._positions, self._stages, self._kinds))
        order = np.lexsort((kinds, stages, positions))  # kinds grow as problems are found
        told = self._told
        return [
            issue(row + first_row, *told[kind], where)
            for row, kind in zip(positions[order].tolist(), kinds[order].tolist(), strict=True)
        ]

    def _flush(self) -> None:
        positions, stages, kinds = self._pending
        if positions:
            self._positions.append(np.array(positions, dtype=np.int64))
            self._stages.append(np.array(stages, dtype=np.int64))
            self._kinds.append(np.array(kinds, dtype=np.int64))
            self._pending = ([], [], [])


def cells(column: pd.Series, one: Callable[[object], object]) -> np.ndarray:
    """A column's cells as plain Python values (None for blanks), as `one` gives them one by one:
    text columns trimmed, numbers as Python numbers, anything else cell by cell."""
    count = len(column)
    kind = column.dtype.kind
    if kind in ("i", "u", "b"):
        return np.fromiter(column.tolist(), dtype=object, count=count)
    if kind == "f":
        values = np.fromiter(column.tolist(), dtype=object, count=count)
        values[column.isna().to_numpy()] = None
        return values
    values = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        # Python's str.strip (Arrow's trim knows other spaces), without pandas' call per cell
        stripped = np.empty(count, dtype=object)
        stripped[:] = [v.strip() or None if isinstance(v, str) else None for v in values]
        return stripped
    return np.fromiter((one(value) for value in values), dtype=object, count=count)


def is_text(values: np.ndarray) -> bool:
    """Whether every value present is a str (the cells of a CSV or a spreadsheet of text)."""
    return pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")


def parsed(values: np.ndarray, parse: Parse) -> tuple[np.ndarray, list[tuple[np.ndarray, list]]]:
    """Each value parsed, and the rows of each distinct problem list found.

    Text is parsed once per distinct value (a large file repeats a few catégories, gravités and
    dates); other values (numbers, booleans, lists of a GeoJSON) one by one, as their types count.
    Missing values (None) stay None and are not parsed."""
    if is_text(values):
        codes, distinct = pd.factorize(values, use_na_sentinel=True)
    else:
        codes = np.full(len(values), -1, dtype=np.int64)
        present = np.flatnonzero(~none(values))
        codes[present] = np.arange(len(present))
        distinct = values[present]
    results = np.empty(len(distinct) + 1, dtype=object)  # the last one for missing values (code -1)
    found: dict[int, list] = {}
    for code, value in enumerate(distinct):
        problems: list = []
        results[code] = parse(value, problems)
        if problems:
            found[code] = problems
    out = results[codes]
    if not found:
        return out, []
    bad = np.zeros(len(results), dtype=bool)
    bad[list(found)] = True
    rows = np.flatnonzero(bad[codes])
    rows = rows[np.argsort(codes[rows], kind="stable")]
    starts = np.flatnonzero(np.r_[True, np.diff(codes[rows]) != 0])
    groups = np.split(rows, starts[1:])
    return out, [(group, found[int(codes[group[0]])]) for group in groups]


def missing(values: np.ndarray) -> np.ndarray:
    """The rows whose value is None."""
    return np.flatnonzero(none(values))


def none(values: np.ndarray) -> np.ndarray:
    """A mask of the values that are None."""
    return np.fromiter((value is None for value in values), dtype=bool, count=len(values))
