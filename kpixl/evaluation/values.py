"""Each KPI's value and level: the kinds compute, the one rule chooses, the rubric scores.

See :mod:`kpixl.kinds` for the rule that chooses the scored value and
:mod:`kpixl.precision` for the rounding applied, once, before any lookup.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from kpixl import kinds as K
from kpixl.fiscal import fiscal_year_end, format_date_th
from kpixl.normalize import map_distinct
from kpixl.precision import round_values
from kpixl.rubric import BandRubric, Rubric, lookup_each
from kpixl.scoring import weighted_scores
from kpixl.thai import format_number

KEYS = K.KEYS
_EPOCH = pd.Timestamp(1970, 1, 1)


def reported_values(kpis: pd.DataFrame) -> pd.Series:
    """The result each division reported, as the number its rubric compares.

    A number for a number result; for a date result the date's ordinal (``deadline_date``)
    or the days after the fiscal year's end; NaN where the result cell is blank or cannot
    be used.
    """
    result = kpis["kind"].map(lambda k: K.KINDS[k].result if k in K.KINDS else "")
    usable = kpis["result_state"].eq("ok")
    number = pd.to_numeric(kpis["reported_number"], errors="coerce").where(
        result.eq("number") & usable
    )
    when = pd.to_datetime(kpis["reported_date"], errors="coerce").where(result.eq("date") & usable)
    ordinal = (when - _EPOCH).dt.days.astype("float64") + _EPOCH.toordinal()
    year_end = pd.to_datetime(
        kpis["fiscal_year_be"].map(lambda y: fiscal_year_end(int(y)) if y else None)
    )
    after_end = (when - year_end).dt.days.astype("float64")
    dated = np.where(kpis["kind"].eq("deadline_date"), ordinal, after_end)
    return pd.Series(np.where(result.eq("date"), dated, number), index=kpis.index, dtype="float64")


def computed_values(kpis: pd.DataFrame, inputs: K.Inputs) -> pd.DataFrame:
    """Each kind's computation over its rows: ``computed`` and ``computed_status``."""
    computed = np.full(len(kpis), np.nan)
    status = np.full(len(kpis), "not_computed", dtype=object)
    kinds = kpis["kind"].to_numpy(dtype=object)
    for name in set(kinds):
        kind = K.KINDS.get(name)
        if kind is None or kind.compute is None:
            continue
        rows = kinds == name
        result = kind.compute(kpis.loc[rows, KEYS], inputs)
        computed[rows] = result["computed"].to_numpy()
        status[rows] = result["computed_status"].to_numpy()
    return pd.DataFrame({"computed": computed, "computed_status": status}, index=kpis.index)


def choose_values(kpis: pd.DataFrame) -> pd.DataFrame:
    """The one rule (see :mod:`kpixl.kinds`): ``value``, ``value_source`` (``computed``,
    ``reported``, ``reported_fallback`` or "") and the status of a row without a value
    (``missing`` or ``input_error``)."""
    source = kpis["kind"].map(lambda k: K.KINDS[k].source if k in K.KINDS else "")
    state, computed = kpis["computed_status"], kpis["computed"]
    has_reported = kpis["reported"].notna()
    result_invalid = kpis["result_state"].eq("invalid")
    use_computed = source.isin(["computed", "computed_or_reported"]) & state.eq("ok")
    use_reported = source.eq("reported") & has_reported
    fallback = source.eq("computed_or_reported") & state.eq("blank") & has_reported
    value = np.where(
        use_computed, computed, np.where(use_reported | fallback, kpis["reported"], np.nan)
    )
    value_source = np.select(
        [use_computed, use_reported, fallback], ["computed", "reported", "reported_fallback"], ""
    )
    input_error = (
        (source.eq("reported") & result_invalid)
        | (source.isin(["computed", "computed_or_reported"]) & state.eq("invalid"))
        | (source.eq("computed_or_reported") & state.eq("blank") & result_invalid)
    )
    status = np.where(input_error, "input_error", "missing")
    return pd.DataFrame(
        {
            "value": round_values(pd.Series(value, index=kpis.index)),
            "value_source": value_source,
            "pending_status": status,
        },
        index=kpis.index,
    )


def levels(kpis: pd.DataFrame, rubrics: Mapping[int, Rubric]) -> pd.DataFrame:
    """Look up levels rubric by rubric, each over every workbook at once.

    Returns:
        ``level`` (Int64) and ``status``: a status of :data:`kpixl.rubric.LEVEL_STATUSES`,
        ``input_error`` (an input cannot be used) or ``no_rubric`` (the centre's definition
        cannot be scored).
    """
    level = pd.array([pd.NA] * len(kpis), dtype="Int64")
    status = kpis["pending_status"].to_numpy(dtype=object).copy()
    ids = kpis["rubric_id"].to_numpy()
    status[ids < 0] = "no_rubric"
    rows = np.flatnonzero(kpis["value"].notna().to_numpy() & (ids >= 0))
    looked = lookup_each(rubrics, ids[rows], kpis["value"].iloc[rows])
    level[rows] = looked["level"].to_numpy()
    status[rows] = looked["status"].to_numpy()
    return pd.DataFrame({"level": level, "status": status}, index=kpis.index)


def score(kpis: pd.DataFrame, inputs: K.Inputs, rubrics: Mapping[int, Rubric]) -> pd.DataFrame:
    """``kpis`` (located on the form) with ``reported, computed, computed_status, value,
    value_source, level, status, weighted``."""
    out = kpis.assign(reported=reported_values(kpis))
    out = out.join(computed_values(out, inputs))
    out = out.join(choose_values(out))
    out = out.join(levels(out, rubrics))
    out["weighted"] = weighted_scores(out)
    out["tolerance"] = _tolerance(out["written"])
    return out.drop(columns=["pending_status"])


def message_columns(kpis: pd.DataFrame, rubrics: Mapping[int, Rubric]) -> pd.DataFrame:
    """Columns only the KPI checks' messages need, for the failing rows."""
    kind = kpis["kind"].map(lambda k: K.KINDS.get(k))
    rubric = kpis["rubric_id"].map(lambda i: rubrics.get(int(i)))
    dates = kpis["reported_date"].map(lambda d: format_date_th(d) if isinstance(d, dt.date) else "")
    survey = kpis["kind"].eq("survey")
    return kpis.assign(
        what_th=kind.map(lambda k: k.missing_th if k else "ผลการปฏิบัติงาน"),
        what_en=kind.map(lambda k: k.missing_en if k else "The result"),
        shown=map_distinct(kpis["value"], format_number),
        level_text=kpis["level"].map(lambda v: "" if pd.isna(v) else str(int(v))),
        levels=_overlapping(rubric, kpis["value"]),
        minimum=rubric.map(lambda r: _end(r, 0, "-∞")),
        maximum=rubric.map(lambda r: _end(r, 1, "∞")),
        date_th=dates,
        reported_shown=kpis["written"]
        .fillna("")
        .astype(str)
        .where(
            kpis["written"].fillna("").astype(str).ne(""),
            map_distinct(kpis["reported"], format_number),
        ),
        computed_shown=map_distinct(kpis["computed"], format_number),
        where_th=np.where(survey, " ในแผ่นงานแบบสำรวจ", " ในแผ่นงาน ข้อมูลประกอบ"),
        where_en=np.where(survey, " on the survey sheet", " on the supporting-data sheet"),
    )


def _end(rubric: Rubric | None, side: int, infinite: str) -> str:
    bound = rubric.value_range[side] if isinstance(rubric, BandRubric) else None
    return infinite if bound is None else format_number(bound)


def _overlapping(rubrics: pd.Series, values: pd.Series) -> pd.Series:
    """The levels whose bands hold each row's value, for ``value-in-overlap``."""
    return pd.Series(
        [
            ", ".join(str(n) for n, band in enumerate(r.bands, 1) if band.contains(float(v)))
            if isinstance(r, BandRubric) and not pd.isna(v)
            else ""
            for r, v in zip(rubrics, values, strict=True)
        ],
        index=values.index,
    )


def _tolerance(written: pd.Series) -> pd.Series:
    """Half a unit of the last digit the division wrote: 67 → 0.5, 66.7 → 0.05."""
    decimals = map_distinct(written.fillna("").astype(str), _decimals).astype("float64")
    return 0.5 * 10.0 ** (-decimals) + 1e-9


def _decimals(text: str) -> int:
    """The digits after the first decimal point followed by any (0 for none)."""
    found = _DECIMALS.search(text)
    return len(found.group(1)) if found else 0


_DECIMALS = re.compile(r"\.(\d+)")
