"""The rules a returned workbook must meet, as small vectorised checks.

Each cell check is a function from the normalised cells frame to a boolean mask over its
rows (True = passes), registered under its failure code with :func:`cell_check`. Checks
run over the cells of many workbooks at once (the ``source`` column tells them apart).
Table checks (form A totals) work on one row per KPI and return findings directly.

The cells frame carries, besides :data:`kpixl.reader.CELL_COLUMNS` and the typed columns
of :func:`kpixl.normalize.normalize_cells`: ``expect`` (what the cell should hold:
``number``, ``date``, ``tick``, ``likert``, ``round``, ``plan``, ``signoff``, ``text`` or
""), ``window_start``/``window_end`` (plausible dates) and ``aggregate`` (target rows).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpixl import layout as L
from kpixl.findings import concat_findings, finding, findings_frame, findings_where
from kpixl.fiscal import format_date_th
from kpixl.thai import format_number

Mask = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class CellCheck:
    """A registered cell check: the rows it applies to fail where ``passes`` is False."""

    code: str
    applies: Mask
    passes: Mask
    params: tuple[tuple[str, str], ...] = ()


CELL_CHECKS: list[CellCheck] = []


def cell_check(code: str, applies: Mask, **params: str) -> Callable[[Mask], Mask]:
    """Register ``passes`` as the check of ``code`` on the rows where ``applies`` holds.

    ``params`` map message fields to columns of the cells frame.
    """

    def register(passes: Mask) -> Mask:
        CELL_CHECKS.append(CellCheck(code, applies, passes, tuple(params.items())))
        return passes

    return register


def _expect(*kinds: str) -> Mask:
    return lambda f: f["expect"].isin(kinds)


def _blank(f: pd.DataFrame) -> pd.Series:
    return f["text"].eq("") & f["formula"].fillna("").eq("")


@cell_check(
    "value-unreadable",
    _expect("number", "round"),
    expected="expected_th",
    expected_en="expected_en",
)
def _number_readable(f: pd.DataFrame) -> pd.Series:
    return f["number_status"].ne("unreadable")


@cell_check("value-unreadable", _expect("date"), expected="expected_th", expected_en="expected_en")
def _date_readable(f: pd.DataFrame) -> pd.Series:
    return _blank(f) | f["date"].notna() | f["formula"].fillna("").ne("")


@cell_check("value-unreadable", _expect("tick"), expected="expected_th", expected_en="expected_en")
def _tick_readable(f: pd.DataFrame) -> pd.Series:
    return _blank(f) | f["tick"].notna()


@cell_check("value-normalised", _expect("number", "round", "likert"), normalised="shown")
def _plain_number(f: pd.DataFrame) -> pd.Series:
    return f["number_status"].ne("normalised")


@cell_check("likert-out-of-range", _expect("likert"))
def _likert(f: pd.DataFrame) -> pd.Series:
    n = f["number"]
    ok = n.between(1, 5) & n.eq(np.floor(n))
    return _blank(f) | ok


_PLAN_TEXT = re.compile(r"^[0-9๐-๙,/.\-]*$")


@cell_check("invalid-characters", _expect("plan"))
def _plan_characters(f: pd.DataFrame) -> pd.Series:
    is_text = f["raw"].map(lambda v: isinstance(v, str))
    return ~is_text | f["text"].str.fullmatch(_PLAN_TEXT.pattern)


@cell_check(
    "date-era-confused",
    _expect("date"),
    year="year_written",
    era_wrong="era_th",
    era_wrong_en="era_en",
    year_be="year_be",
)
def _date_era(f: pd.DataFrame) -> pd.Series:
    is_date_cell = f["raw"].map(lambda v: isinstance(v, dt.date))
    return ~((is_date_cell & f["date_era"].eq("be")) | (~is_date_cell & f["date_era"].eq("ce")))


@cell_check(
    "date-implausible",
    _expect("date"),
    value="date_th",
    minimum="window_start_th",
    maximum="window_end_th",
)
def _date_plausible(f: pd.DataFrame) -> pd.Series:
    date = pd.to_datetime(f["date"], errors="coerce")
    start = pd.to_datetime(f["window_start"], errors="coerce")
    end = pd.to_datetime(f["window_end"], errors="coerce")
    return date.isna() | ((date >= start) & (date <= end))


def _messages_columns(f: pd.DataFrame) -> pd.DataFrame:
    """Columns only messages need, computed once for every check."""
    expected_th = f["expect"].map({"date": "วันที่", "tick": "เครื่องหมาย ✓", "round": "ครั้งที่สำรวจ"})
    expected_en = f["expect"].map({"date": "a date", "tick": "a tick (✓)", "round": "a round"})
    written = f["raw"].map(lambda v: v.year if isinstance(v, dt.date) else None)
    text_year = f["text"].str.extract(r"(\d{4})\s*$")[0]
    year = written.fillna(pd.to_numeric(text_year, errors="coerce"))
    dates = f["date"].map(lambda d: format_date_th(d) if isinstance(d, dt.date) else "")
    return f.assign(
        expected_th=expected_th.fillna("ตัวเลข"),
        expected_en=expected_en.fillna("a number"),
        year_written=year.map(lambda y: "" if pd.isna(y) else str(int(y))),
        era_th=f["date_era"].map({"ce": "ปี ค.ศ.", "be": "ปี พ.ศ. ในช่องวันที่"}).fillna(""),
        era_en=f["date_era"]
        .map({"ce": "a C.E. year", "be": "a B.E. year in a date cell"})
        .fillna(""),
        year_be=f["date"].map(lambda d: str(d.year + 543) if isinstance(d, dt.date) else ""),
        date_th=dates,
        window_start_th=f["window_start"].map(lambda d: format_date_th(d) if d else ""),
        window_end_th=f["window_end"].map(lambda d: format_date_th(d) if d else ""),
    )


def run_cell_checks(cells: pd.DataFrame) -> pd.DataFrame:
    """Run every registered cell check.

    Returns:
        A findings frame.
    """
    if cells.empty:
        return findings_frame()
    frame = _messages_columns(cells)
    results = []
    for check in CELL_CHECKS:
        rows = frame[check.applies(frame)]
        if rows.empty:
            continue
        failed = ~check.passes(rows).fillna(True).astype(bool)
        results.append(findings_where(rows, failed, check.code, **dict(check.params)))
    return concat_findings(results)


# --- form A: the target sheet, one row per KPI -----------------------------------------


def target_table(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per (source, kpi_id) of the target sheet: numbers and cells of every field.

    Returns:
        Columns ``source, kpi_id, aggregate`` and, per field key ``k``, ``k`` (number),
        ``k_filled`` (bool), ``k_row``, ``k_column``, ``k_sheet``.
    """
    target = cells[cells["table"].eq("target") & cells["expect"].eq("plan")]
    if target.empty:
        return pd.DataFrame(columns=["source", "kpi_id", "aggregate"])
    target = target.assign(filled=~_blank(target))
    index = ["source", "kpi_id"]
    wide = target.pivot_table(
        index=index,
        columns="field",
        values=["number", "filled", "row", "column"],
        aggfunc="first",
        dropna=False,
    )
    wide.columns = [f"{k}" if v == "number" else f"{k}_{v}" for v, k in wide.columns]
    wide = wide.reset_index()
    meta = (
        target.groupby(index, sort=False)
        .agg(aggregate=("aggregate", "first"), sheet=("sheet", "first"))
        .reset_index()
    )
    return meta.merge(wide, on=index, how="left")


def _at(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """The findings location columns of field ``key`` of a target table."""
    return pd.DataFrame(
        {
            "source": rows["source"],
            "sheet": rows["sheet"],
            "kpi_id": rows["kpi_id"],
            "row": rows.get(f"{key}_row"),
            "column": rows.get(f"{key}_column"),
        }
    )


def _filled(table: pd.DataFrame, key: str) -> pd.Series:
    column = f"{key}_filled"
    if column not in table:
        return pd.Series(False, index=table.index)
    return table[column].fillna(False).astype(bool)


def _number(table: pd.DataFrame, key: str) -> pd.Series:
    return table[key] if key in table else pd.Series(np.nan, index=table.index)


def check_target(table: pd.DataFrame, fiscal_year_be: pd.Series | None = None) -> pd.DataFrame:
    """The seed's saving rules and the totals of the target sheet.

    * ``missing-quarter-total``: a month of a quarter filled, its total empty;
    * ``missing-grand-total``: a quarter total filled, the grand total empty;
    * ``total-mismatch``: for counts (aggregate ``sum``) a quarter total that is not the
      sum of its months or a grand total that is not the sum of the quarters; for
      cumulative figures (``last``) a grand total that is not the last quarter's total.
      Percentages (``none``) are not added up (the seed's own 15+25+20+20 ≠ 85);
    * ``missing-prior-result``: a KPI with plans this year but no result for a previous
      year.

    Args:
        table: output of :func:`target_table`.
        fiscal_year_be: per row, the fiscal year (for the previous years' keys).
    """
    if table.empty:
        return findings_frame()
    results = []
    for quarter, months in L.QUARTER_MONTHS.items():
        months_filled = np.logical_or.reduce([_filled(table, L.month_key(m)) for m in months])
        key = f"q{quarter}"
        rows = _at(table, key).assign(raw="", quarter=str(quarter))
        missing = months_filled & ~_filled(table, key)
        results.append(findings_where(rows, missing, "missing-quarter-total", quarter="quarter"))
    quarters_filled = np.logical_or.reduce([_filled(table, f"q{q}") for q in range(1, 5)])
    at_total = _at(table, "total")
    results.append(
        findings_where(
            at_total.assign(raw=""),
            quarters_filled & ~_filled(table, "total"),
            "missing-grand-total",
        )
    )
    results.append(_sum_mismatch(table))
    if fiscal_year_be is not None:
        results.append(_prior_results(table, fiscal_year_be))
    return concat_findings(results)


def _sum_mismatch(table: pd.DataFrame) -> pd.DataFrame:
    results = []
    is_sum = table["aggregate"].eq("sum")
    for quarter, months in L.QUARTER_MONTHS.items():
        key = f"q{quarter}"
        parts = pd.concat([_number(table, L.month_key(m)) for m in months], axis=1)
        expected = parts.sum(axis=1, min_count=1)
        actual = _number(table, key)
        bad = is_sum & expected.notna() & actual.notna() & (actual - expected).abs().gt(1e-6)
        results.append(_mismatch(table, key, actual, expected, bad))
    quarters = pd.concat([_number(table, f"q{q}") for q in range(1, 5)], axis=1)
    total = _number(table, "total")
    summed = quarters.sum(axis=1, min_count=1)
    last = quarters.ffill(axis=1).iloc[:, -1]
    expected = summed.where(is_sum, last)
    bad = (
        table["aggregate"].isin(["sum", "last"])
        & expected.notna()
        & total.notna()
        & (total - expected).abs().gt(1e-6)
    )
    results.append(_mismatch(table, "total", total, expected, bad))
    return concat_findings(results)


def _mismatch(
    table: pd.DataFrame, key: str, actual: pd.Series, expected: pd.Series, bad: pd.Series
) -> pd.DataFrame:
    rows = _at(table, key).assign(
        raw=actual.map(format_number), expected=expected.map(format_number)
    )
    return findings_where(rows, bad, "total-mismatch", expected="expected")


def _prior_results(table: pd.DataFrame, fiscal_year_be: pd.Series) -> pd.DataFrame:
    active = np.logical_or.reduce([_filled(table, k) for k in L.TARGET_PLAN_KEYS])
    frame = table.assign(_fy=fiscal_year_be.to_numpy(), _active=active)
    results = []
    for year_be, rows in frame.groupby("_fy", sort=False):
        for back in (3, 2, 1):
            year = str(int(year_be) - back)
            key = f"result_{year}"
            missing = rows["_active"] & ~_filled(rows, key)
            at = _at(rows, key).assign(raw="", year=year)
            results.append(findings_where(at, missing, "missing-prior-result", year="year"))
    return concat_findings(results)


def _int(value: object) -> int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return int(value)  # type: ignore[call-overload, no-any-return]


def check_signoff(cells: pd.DataFrame, sources: pd.Series) -> pd.DataFrame:
    """``not-signed-off`` for every workbook whose sign-off field is not ``นำส่งแล้ว``."""
    signoff = cells[cells["table"].eq("signoff") & cells["field"].eq("signed_off")]
    done = signoff[
        signoff["text"]
        .str.lower()
        .isin([L.SIGNOFF_YES.lower(), "ใช่", "yes", "✓", "sign off", "signed off"])
    ]
    missing = sorted(set(sources) - set(done["source"]))
    at = signoff.drop_duplicates("source").set_index("source")
    records = [
        finding(
            "not-signed-off",
            source=s,
            sheet=str(at.loc[s, "sheet"]) if s in at.index else "",
            row=_int(at.loc[s, "row"]) if s in at.index else None,
            column=_int(at.loc[s, "column"]) if s in at.index else None,
        )
        for s in missing
    ]
    return findings_frame(records)
