"""Checks of whole forms: the target sheet's saving rules (form A), the sign-off, the
cells and the hidden definitions the centre defines, the scores typed over formulas, the
weights.

Tables (see :mod:`kpixl.checks.registry`):

* ``target`` — :func:`target_table`: one row per (source, kpi_id) of the target sheet with,
  per field key ``k``, ``k`` (its number), ``k_filled``, ``k_row``, ``k_column``;
* ``target_rows`` — the centre's target rows with ``present`` (the sheet has the row);
* ``locked`` — cells the centre defines: ``shown`` (what the cell holds), ``expected``
  (the centre's), ``same``, ``field_th``;
* ``definitions`` — the fields of a workbook's hidden definitions beside the centre's
  (:data:`kpixl.evaluation.sources.COMPARED_COLUMNS`);
* ``scores`` — (ก)/(ค)/รวม/score cells holding a typed number: ``number``, ``computed``;
* ``workbooks`` — one row per workbook: ``signed_off`` and the sign-off cell
  (``signoff_sheet``, ``signoff_row``, ``signoff_column``), the weight total of its scored
  rows; a workbook's other findings have no cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kpixl import layout as L
from kpixl.checks.registry import Mask, check
from kpixl.normalize import map_distinct
from kpixl.scoring import weights_add_up
from kpixl.thai import clean_text, format_number

_TOLERANCE = 1e-6


def target_table(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per (source, kpi_id) of the target sheet: numbers and cells of every field.

    Args:
        cells: the cells frame (uses ``table, expect, field, number, blank, state, row,
            column, sheet, aggregate, fiscal_year_be``).

    Returns:
        Columns ``source, kpi_id, sheet, aggregate, fiscal_year_be`` and, per field key
        ``k``, ``k`` (number), ``k_filled`` (a usable number: "1.2.3", "1/2", a lone "-"
        or an error value do not fill a month), ``k_typed`` (anything at all, for "a
        total is missing": an unreadable total has its own finding), ``k_row``,
        ``k_column``.
    """
    selected = (cells["table"].eq("target") & cells["expect"].eq("plan")).to_numpy()
    if not selected.any():
        return pd.DataFrame(columns=["source", "kpi_id", "sheet", "aggregate", "fiscal_year_be"])
    target = cells.loc[selected, _TARGET_CELL_COLUMNS]
    values = {
        "number": target["number"].to_numpy(dtype="float64", na_value=np.nan),
        "filled": target["state"].eq("ok").to_numpy(),
        "typed": ~target["blank"].to_numpy(dtype=bool),
        "row": target["row"].to_numpy(dtype="float64"),
        "column": target["column"].to_numpy(dtype="float64"),
    }
    first, wide = by_field(target, values)
    table: dict[str, Any] = {
        name: target[name].to_numpy()[first]
        for name in ("source", "kpi_id", "sheet", "aggregate", "fiscal_year_be")
    }
    table |= wide
    _add_prior_years(table)
    return pd.DataFrame(table)


_TARGET_CELL_COLUMNS = [
    *("source", "kpi_id", "sheet", "field", "aggregate", "fiscal_year_be"),
    *("number", "state", "blank", "row", "column"),
]
"""The cells' columns the target table reads."""


def by_field(
    cells: pd.DataFrame, values: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The ``values`` (arrays beside ``cells``) laid out one row per KPI of ``cells``, in the
    order the KPIs come, one column per field and value.

    Returns:
        The position of each KPI's first cell, and the columns: per field key ``k``, ``k``
        for the ``number`` value, else ``k_<value>``. Each holds the first of the KPI's cells
        of the field with a value (NaN, or False for a boolean value, where none has one).
    """
    kpi = cells.groupby(["source", "kpi_id"], sort=False, dropna=False).ngroup().to_numpy()
    field, fields = pd.factorize(cells["field"].astype(str), sort=True)
    place = kpi * len(fields) + field
    first = np.unique(kpi, return_index=True)[1]
    columns = {}
    for name, value in values.items():
        flag = value.dtype == bool
        size = len(first) * len(fields)
        grid = np.zeros(size, dtype=bool) if flag else np.full(size, np.nan)
        known = np.arange(len(value)) if flag else np.flatnonzero(~np.isnan(value))
        at, earliest = np.unique(place[known], return_index=True)
        grid[at] = value[known[earliest]]
        wide = grid.reshape(len(first), len(fields))
        for j, key in enumerate(fields):
            columns[key if name == "number" else f"{key}_{name}"] = wide[:, j]
    return first, columns


_FLAGS = ("filled", "typed")


def _add_prior_years(table: dict[str, Any]) -> None:
    """Add ``prior_<n>_filled/_typed/_row/_column`` to the columns of ``table``: the result
    cell of the year ``n`` years before each row's fiscal year (workbooks of different years
    have different columns)."""
    years = pd.Series(table["fiscal_year_be"]).fillna(0).astype(int).to_numpy()
    for back in (3, 2, 1):
        for suffix in (*_FLAGS, "row", "column"):
            flag = suffix in _FLAGS
            values = np.zeros(len(years), dtype=bool) if flag else np.full(len(years), np.nan)
            for year in np.unique(years):
                column = f"result_{year - back}_{suffix}"
                if column in table:
                    rows = years == year
                    values[rows] = table[column][rows]
            if flag:
                # Without a fiscal year no previous year is known, so none is asked for.
                values[years <= 0] = True
            table[f"prior_{back}_{suffix}"] = values


def _filled(table: pd.DataFrame, key: str, suffix: str = "filled") -> pd.Series:
    column = f"{key}_{suffix}"
    if column not in table:
        return pd.Series(False, index=table.index)
    return table[column]


def _typed(table: pd.DataFrame, key: str) -> pd.Series:
    return _filled(table, key, "typed")


def _number(table: pd.DataFrame, key: str) -> pd.Series:
    return table[key] if key in table else pd.Series(np.nan, index=table.index)


def _has(key: str) -> Mask:
    return lambda f: pd.Series(f"{key}_row" in f, index=f.index)


# --- form A: the seed's saving rules ----------------------------------------------------

for _quarter, _months in L.QUARTER_MONTHS.items():
    _key = f"q{_quarter}"

    def _months_need_total(
        f: pd.DataFrame, key: str = _key, months: tuple[int, ...] = _months
    ) -> pd.Series:
        filled = np.logical_or.reduce([_filled(f, L.month_key(m)) for m in months])
        return ~(filled & ~_typed(f, key))

    check(
        "missing-quarter-total",
        "target",
        _has(_key),
        at=_key,
        value="none",
        quarter=f"quarter_{_quarter}",
    )(_months_need_total)


@check("missing-grand-total", "target", _has("total"), at="total", value="none")
def _quarters_need_total(f: pd.DataFrame) -> pd.Series:
    filled = np.logical_or.reduce([_filled(f, f"q{q}") for q in range(1, 5)])
    return ~(filled & ~_typed(f, "total"))


def _sum_of(f: pd.DataFrame, key: str) -> pd.Series:
    parts = (
        [f"q{q}" for q in range(1, 5)]
        if key == "total"
        else [L.month_key(m) for m in L.QUARTER_MONTHS[int(key[1])]]
    )
    values = np.column_stack([_number(f, k).to_numpy(dtype="float64") for k in parts])
    present = ~np.isnan(values)
    summed = np.where(present.any(axis=1), np.nansum(values, axis=1), np.nan)
    if key == "total":
        # Counts add up; a cumulative figure's total is its last quarter.
        last = values[np.arange(len(f)), len(parts) - 1 - present[:, ::-1].argmax(axis=1)]
        summed = np.where(f["aggregate"].eq("sum").to_numpy(), summed, last)
    return pd.Series(summed, index=f.index)


for _key, _aggregates in (*((f"q{q}", ("sum",)) for q in range(1, 5)), ("total", ("sum", "last"))):

    def _adds_up(f: pd.DataFrame, key: str = _key) -> pd.Series:
        expected, actual = _sum_of(f, key), _number(f, key)
        return ~(expected.notna() & actual.notna() & (actual - expected).abs().gt(_TOLERANCE))

    def _applies(
        f: pd.DataFrame, key: str = _key, aggregates: tuple[str, ...] = _aggregates
    ) -> pd.Series:
        return f["aggregate"].isin(aggregates) & (f"{key}_row" in f)

    check(
        "total-mismatch",
        "target",
        _applies,
        at=_key,
        value=f"{_key}_shown",
        expected=f"{_key}_expected",
    )(_adds_up)


for _back in (3, 2, 1):

    def _prior(f: pd.DataFrame, back: int = _back) -> pd.Series:
        active = np.logical_or.reduce([_filled(f, k) for k in L.TARGET_PLAN_KEYS])
        return ~active | _typed(f, f"prior_{back}")

    check(
        "missing-prior-result",
        "target",
        at=f"prior_{_back}",
        value="none",
        year=f"prior_{_back}_year",
    )(_prior)


def target_messages(f: pd.DataFrame) -> pd.DataFrame:
    """Message and location columns of the failing target rows."""
    out = f.assign(none="")
    for quarter in range(1, 5):
        out[f"quarter_{quarter}"] = str(quarter)
    for key in ("q1", "q2", "q3", "q4", "total"):
        out[f"{key}_shown"] = map_distinct(_number(f, key), format_number)
        out[f"{key}_expected"] = map_distinct(_sum_of(f, key), format_number)
    for back in (3, 2, 1):
        years = f["fiscal_year_be"].fillna(0).astype(int) - back
        out[f"prior_{back}_year"] = years.astype(str)
    return out


@check("kpi-row-missing", "target_rows", value="kpi_id", sheet_name="sheet")
def _target_row_present(f: pd.DataFrame) -> pd.Series:
    return f["present"].astype(bool)


# --- what the centre defines ------------------------------------------------------------


@check("locked-field-changed", "locked", value="shown", expected="expected", field="field_th")
def _unchanged(f: pd.DataFrame) -> pd.Series:
    return f["same"].astype(bool)


@check("differs-from-master", "definitions", value="value", expected="expected", field="field")
def _as_the_centres(f: pd.DataFrame) -> pd.Series:
    same = [
        clean_text(str(mine)) == clean_text(str(theirs)) if as_text else mine == theirs
        for mine, theirs, as_text in zip(f["value"], f["expected"], f["as_text"], strict=True)
    ]
    return pd.Series(same, index=f.index, dtype=bool)


@check(
    "typed-score-mismatch",
    "scores",
    lambda f: f["typed"].astype(bool),
    value="shown",
    computed="computed_text",
    computed_en="computed_text_en",
)
def _typed_agrees(f: pd.DataFrame) -> pd.Series:
    return f["computed"].notna() & (f["number"] - f["computed"]).abs().le(_TOLERANCE)


@check(
    "display-differs",
    "scores",
    lambda f: ~f["typed"].astype(bool) & f["field"].eq("level") & f["computed"].notna(),
    value="shown",
    shown="shown",
    level="computed_text",
    reason="reason_th",
    reason_en="reason_en",
)
def _display_agrees(f: pd.DataFrame) -> pd.Series:
    # What the division saw on screen (the result its spreadsheet stored) against the level
    # the centre gives.
    return (f["number"] - f["computed"]).abs().le(_TOLERANCE)


# --- whole workbooks ----------------------------------------------------------------------


@check(
    "not-signed-off",
    "workbooks",
    lambda f: f["has_target"].astype(bool),
    at="signoff",
    value="none",
)
def _signed_off(f: pd.DataFrame) -> pd.Series:
    return f["signed_off"].astype(bool)


@check(
    "weights-not-100",
    "workbooks",
    lambda f: f["kpis"].gt(0),
    value="weight_shown",
    division="division_th",
    division_en="division_en",
    total="weight_shown",
)
def _weights_100(f: pd.DataFrame) -> pd.Series:
    return weights_add_up(f["weight_total"])
