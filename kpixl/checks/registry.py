"""The one registry of checks: small vectorised functions over frames.

A check is a function from a frame to a boolean mask over its rows (True = passes),
registered under the finding code it raises, for one *table*:

* ``cells`` — one row per cell read from the returned workbooks (the normalised cells
  frame, with ``expect``, ``state`` and the KPI's kind);
* ``kpis`` — one row per scored KPI row of each workbook (values, levels, statuses);
* ``target`` — one row per KPI of each target sheet (form A), wide: every field's number
  and cell;
* ``target_rows`` — every target row the centre defines, with whether the sheet has it;
* ``locked`` — every cell the centre defines, with the centre's value beside it;
* ``definitions`` — every field of a workbook's hidden definitions, when they are not
  the centre's own, beside the centre's;
* ``scores`` — the (ก)/(ค)/รวม/score cells showing a number (typed over the formula, or
  the formula's stored result), with kpixl's value;
* ``workbooks`` — one row per workbook;
* ``master_cells`` — one row per cell of the centre's master (see
  :mod:`kpixl.checks.master`), with its row's division, KPI and kind;
* ``master_weights`` — one row per division of the master with scored KPIs, with their
  weights' total;
* ``master_kpis`` — one row per KPI of the master whose criteria read, with what its
  steps, survey items or sub-items give it;
* ``master_groups`` — one row per group of quarterly KPI rows, with its missing quarters.

The runner turns each failing row into a finding at the row's cell: the frame's ``sheet``,
``row`` and ``column`` columns, or, when a check names a place ``at``, its ``<at>_row`` and
``<at>_column`` columns, and ``<at>_sheet`` where the table has one (``at="level"`` puts a
KPI's finding on its (ก) cell; a KPI's findings go to its result cell by default). A
check's ``params`` name the columns that fill its message fields. Checks run over many workbooks
at once (the ``source`` column tells them apart); none loops over cells.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from kpixl.findings import PLACE_COLUMNS, findings_frame, frame_records, row_findings

Mask = Callable[[pd.DataFrame], pd.Series]
TABLES = (
    "cells",
    "kpis",
    "target",
    "target_rows",
    "locked",
    "definitions",
    "scores",
    "workbooks",
    "master_cells",
    "master_weights",
    "master_kpis",
    "master_groups",
)


@dataclass(frozen=True)
class Check:
    """A registered check: the rows ``applies`` selects fail where ``passes`` is False."""

    code: str
    table: str
    applies: Mask
    passes: Mask
    params: tuple[tuple[str, str], ...] = ()
    at: str = ""
    value: str = "written"
    texts: tuple[tuple[str, str], ...] = ()


CHECKS: list[Check] = []
_DEFAULT_AT = {"kpis": "result"}
"""Where a table's findings go when a check does not say: a KPI's result cell."""


def _everything(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(True, index=frame.index)


def never(frame: pd.DataFrame) -> pd.Series:
    """A check's ``passes`` when every row it applies to is a finding (``applies`` says it
    all)."""
    return pd.Series(False, index=frame.index)


def check(
    code: str,
    table: str,
    applies: Mask = _everything,
    *,
    at: str = "",
    value: str = "written",
    texts: Mapping[str, str] | None = None,
    **params: str,
) -> Callable[[Mask], Mask]:
    """Register ``passes`` as the check of ``code`` on the rows of ``table`` where
    ``applies`` holds.

    Args:
        code: a code of :data:`kpixl.findings.CATALOGUE`.
        table: one of :data:`TABLES`.
        applies: the rows the check is about.
        at: the place of the finding (``<at>_row``/``<at>_column``); "" for the row's own
            ``row``/``column``.
        value: the column shown as the finding's value.
        texts: message field → a fixed text (what the rule allows, say).
        params: message field → column of the frame.
    """
    if table not in TABLES:
        raise ValueError(f"unknown check table {table!r}")

    def register(passes: Mask) -> Mask:
        fixed = tuple((texts or {}).items())
        CHECKS.append(Check(code, table, applies, passes, tuple(params.items()), at, value, fixed))
        return passes

    return register


def run_checks(
    tables: Mapping[str, pd.DataFrame],
    prepare: Mapping[str, Callable[[pd.DataFrame], pd.DataFrame]] | None = None,
) -> pd.DataFrame:
    """Run every registered check on the tables given.

    Args:
        tables: table name → frame (tables not given are not checked).
        prepare: table name → a function adding the columns only messages need, applied
            once to the rows of that table that fail any check.

    Returns:
        A findings frame.
    """
    # The latest selection of rows of each table: consecutive checks often apply to the
    # same rows (every input cell, every date cell) and share the columns taken of them.
    selections: dict[str, tuple[np.ndarray, _Rows]] = {}
    applied: dict[tuple[str, Mask], np.ndarray] = {}  # a mask several checks share, once
    failures = [
        (item, at) for item in CHECKS if len(at := _failing(item, tables, selections, applied))
    ]
    by_table: dict[str, list[tuple[Check, np.ndarray]]] = {}
    for item, at in failures:
        by_table.setdefault(item.table, []).append((item, at))
    # The failing rows of each table, once, as dicts of the columns the findings read.
    failing: dict[str, dict[int, dict[str, object]]] = {}
    for name, found_here in by_table.items():
        positions = np.unique(np.concatenate([at for _, at in found_here]))
        rows = tables[name].iloc[positions]
        if prepare and name in prepare:
            rows = prepare[name](rows)
        wanted = {*PLACE_COLUMNS, *(c for item, _ in found_here for c in _read_columns(item))}
        found = frame_records(rows, [c for c in rows.columns if c in wanted])
        failing[name] = dict(zip(positions.tolist(), found, strict=True))
    records = []
    for item, at in failures:
        table = failing[item.table]
        hits = [table[p] for p in at.tolist()]
        place = _place(item)
        if place:
            sheet = f"{place}_sheet"
            hits = [
                {
                    **hit,
                    "row": hit[f"{place}_row"],
                    "column": hit[f"{place}_column"],
                    **({"sheet": hit[sheet]} if sheet in hit else {}),
                }
                for hit in hits
            ]
        records.extend(
            row_findings(
                hits, item.code, dict(item.texts), **{"value": item.value, **dict(item.params)}
            )
        )
    return findings_frame(records)


def _place(item: Check) -> str:
    """Where ``item``'s findings go: "" for the row's own ``row``/``column``."""
    return item.at or _DEFAULT_AT.get(item.table, "")


def _read_columns(item: Check) -> list[str]:
    """The columns of its table that ``item``'s findings read, besides the place columns."""
    place = _place(item)
    at = [f"{place}_row", f"{place}_column", f"{place}_sheet"] if place else []
    return [item.value, *(column for _, column in item.params), *at]


def _failing(
    item: Check,
    tables: Mapping[str, pd.DataFrame],
    selections: dict[str, tuple[np.ndarray, _Rows]],
    applied: dict[tuple[str, Mask], np.ndarray],
) -> np.ndarray:
    """The positions of the rows of ``item``'s table that fail it (``selections``: the latest
    selection of rows of each table, reused when ``item`` applies to the same rows;
    ``applied``: the ``applies`` masks computed, by table and function)."""
    frame = tables.get(item.table)
    if frame is None or frame.empty:
        return _NONE
    key = (item.table, item.applies)
    applies = applied.get(key)
    if applies is None:
        applies = applied[key] = _flags(item.applies(frame), missing=False)
    if not applies.any():
        return _NONE
    if applies.all():
        failed: np.ndarray = np.flatnonzero(~_flags(item.passes(frame), missing=True))
        return failed
    positions = np.flatnonzero(applies)
    latest = selections.get(item.table)
    if latest is None or not np.array_equal(latest[0], positions):
        latest = selections[item.table] = (positions, _Rows(frame, positions))
    # A check reads a frame's columns and index: _Rows gives it those of the selected rows.
    failed = positions[~_flags(item.passes(cast(pd.DataFrame, latest[1])), missing=True)]
    return failed


class _Rows:
    """Some rows of a table, for a check's ``passes``, selected column by column as the
    check reads them: selecting the rows of every column of the ~40-column cells table
    cost more than most checks, which read two or three. Anything else of a frame (a
    list of columns, ``assign``, ``groupby`` …) is that of the rows selected whole."""

    def __init__(self, frame: pd.DataFrame, positions: np.ndarray) -> None:
        self._frame = frame
        self._positions = positions
        self._columns: dict[str, pd.Series] = {}
        self._whole: pd.DataFrame | None = None

    def __getitem__(self, key: object) -> object:
        if isinstance(key, str):
            column = self._columns.get(key)
            if column is None:
                column = self._columns[key] = self._frame[key].iloc[self._positions]
            return column
        return self._selected()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._frame

    def __len__(self) -> int:
        return len(self._positions)

    @property
    def index(self) -> pd.Index:
        return self._frame.index[self._positions]

    def __getattr__(self, name: str) -> object:
        return getattr(self._selected(), name)

    def _selected(self) -> pd.DataFrame:
        if self._whole is None:
            self._whole = self._frame.iloc[self._positions]
        return self._whole


_NONE = np.empty(0, dtype="int64")


def _flags(mask: pd.Series, missing: bool) -> np.ndarray:
    """``mask`` as a numpy bool array, ``missing`` where it has no value."""
    flags: np.ndarray = (mask if mask.dtype == bool else mask.fillna(missing)).to_numpy(dtype=bool)
    return flags
