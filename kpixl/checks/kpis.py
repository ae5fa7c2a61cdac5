"""Checks of each scored KPI row: how its value and level came about.

The ``kpis`` table has one row per scored KPI row of each workbook (see
:data:`kpixl.evaluation.KPI_COLUMNS`) and, for the messages, ``what_th``/``what_en``
(what is missing), ``shown`` (the scored value as written in messages), ``level_text``,
``levels`` (the overlapping levels), ``minimum``/``maximum`` (the possible range),
``date_th``, ``reported_shown``, ``computed_shown``, ``tolerance``. Findings go to the
result cell (ผลการปฏิบัติงาน) unless a check says otherwise.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kpixl import kinds as K
from kpixl.checks.registry import Mask, check, never

_BANDS = list(K.BAND_KINDS)
_REPORTED_DATES = K.kinds_where(lambda k: k.result == "date")


def _status(*states: str, kinds: list[str] | None = None) -> Mask:
    def applies(f: pd.DataFrame) -> pd.Series:
        rows = f["status"].isin(states)
        return rows & f["kind"].isin(kinds) if kinds is not None else rows

    return applies


@check(
    "kpi-row-missing", "kpis", lambda f: f["result_row"].isna(), value="kpi_id", sheet_name="sheet"
)
def _row_present(f: pd.DataFrame) -> pd.Series:
    return never(f)


@check(
    "value-missing",
    "kpis",
    lambda f: f["status"].eq("missing") & f["result_row"].notna(),
    what="what_th",
    what_en="what_en",
)
def _has_value(f: pd.DataFrame) -> pd.Series:
    # Missing inputs of an incomplete computation have their findings on their own cells.
    return f["computed_status"].eq("incomplete")


@check(
    "kpi-unscorable",
    "kpis",
    _status("no_rubric"),
    at="level",
    problem="problem_th",
    problem_en="problem_en",
)
def _scorable(f: pd.DataFrame) -> pd.Series:
    return never(f)


_OUTSIDE_BANDS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("gap", "value-in-gap", {"level": "level_text"}),
    ("overlap", "value-in-overlap", {"level": "level_text", "levels": "levels"}),
    ("below", "value-below-rubric", {}),
    ("above", "value-above-rubric", {}),
)
for _state, _code, _params in _OUTSIDE_BANDS:
    check(_code, "kpis", _status(_state, kinds=_BANDS), value="shown", **_params)(never)

check(
    "value-out-of-range",
    "kpis",
    _status("out_of_range"),
    value="shown",
    minimum="minimum",
    maximum="maximum",
)(never)
check("milestone-none-done", "kpis", _status("below", kinds=["milestones"]), value="shown")(never)
check("deadline-missed", "kpis", _status("below", kinds=_REPORTED_DATES), value="date_th")(never)


@check(
    "reported-value-mismatch",
    "kpis",
    lambda f: f["value_source"].eq("computed") & f["reported"].notna(),
    value="reported_shown",
    computed="computed_shown",
)
def _reported_agrees(f: pd.DataFrame) -> pd.Series:
    # The unrounded value: a division that rounds 82.125 to 82.12 or to 82.13 agrees.
    return (f["computed"] - f["reported"]).abs() <= f["tolerance"]


@check(
    "supporting-data-missing",
    "kpis",
    lambda f: f["value_source"].eq("reported_fallback"),
    value="reported_shown",
    where="where_th",
    where_en="where_en",
)
def _supported(f: pd.DataFrame) -> pd.Series:
    return never(f)
