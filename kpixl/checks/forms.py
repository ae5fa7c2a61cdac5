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

import numpy as np
import pandas as pd

from kpixl import layout as L
from kpixl.checks.registry import Mask, check
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
    target = cells[cells["table"].eq("target") & cells["expect"].eq("plan")]
    if target.empty:
        return pd.DataFrame(columns=["source", "kpi_id", "sheet", "aggregate", "fiscal_year_be"])
    target = target.assign(filled=target["state"].eq("ok"), typed=~target["blank"])
    index = ["source", "kpi_id"]
    wide = target.pivot_table(
        index=index,
        columns="field",
        values=["number", "filled", "typed", "row", "column"],
        aggfunc="first",
        dropna=False,
    )
    wide.columns = [f"{k}" if v == "number" else f"{k}_{v}" for v, k in wide.columns]
    wide = wide.reset_index()
    meta = (
        target.groupby(index, sort=False)
        .agg(
            aggregate=("aggregate", "first"),
            sheet=("sheet", "first"),
            fiscal_year_be=("fiscal_year_be", "first"),
        )
        .reset_index()
    )
    table = meta.merge(wide, on=index, how="left")
    return _with_prior_years(table)


def _with_prior_years(table: pd.DataFrame) -> pd.DataFrame:
    """``prior_<n>_filled/_row/_column``: the result cell of the year ``n`` years before
    each row's fiscal year (workbooks of different years have different columns)."""
    years = table["fiscal_year_be"].fillna(0).astype(int)
    for back in (3, 2, 1):
        for suffix in ("filled", "typed", "row", "column"):
            values = pd.Series(np.nan, index=table.index, dtype=object)
            for year in years.unique():
                column = f"result_{year - back}_{suffix}"
                if column in table:
                    rows = years.eq(year)
                    values[rows] = table.loc[rows, column]
            table[f"prior_{back}_{suffix}"] = values
    # Without a fiscal year no previous year is known, so none is asked for.
    for back in (3, 2, 1):
        for suffix in ("filled", "typed"):
            column = f"prior_{back}_{suffix}"
            table[column] = table[column].where(years.gt(0), True)
    return table


def _filled(table: pd.DataFrame, key: str, suffix: str = "filled") -> pd.Series:
    column = f"{key}_{suffix}"
    if column not in table:
        return pd.Series(False, index=table.index)
    return table[column].fillna(False).astype(bool)


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
    if key == "total":
        quarters = pd.concat([_number(f, f"q{q}") for q in range(1, 5)], axis=1)
        summed = quarters.sum(axis=1, min_count=1)
        last = quarters.ffill(axis=1).iloc[:, -1]
        # Counts add up; a cumulative figure's total is its last quarter.
        return summed.where(f["aggregate"].eq("sum"), last)
    months = L.QUARTER_MONTHS[int(key[1])]
    return pd.concat([_number(f, L.month_key(m)) for m in months], axis=1).sum(axis=1, min_count=1)


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
        out[f"{key}_shown"] = _number(f, key).map(format_number)
        out[f"{key}_expected"] = _sum_of(f, key).map(format_number)
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
