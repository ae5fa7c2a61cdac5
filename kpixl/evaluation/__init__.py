"""Check and score many returned workbooks in one pass.

:func:`evaluate` takes the read workbooks (any number, told apart by their ``source``) and:

1. decides which definitions count (:mod:`kpixl.evaluation.sources`);
2. builds the typed frames (:mod:`kpixl.evaluation.frames`);
3. computes every KPI's value, kind by kind, chooses the scored value by the one rule and
   looks the levels up rubric by rubric over all workbooks at once
   (:mod:`kpixl.evaluation.values`);
4. totals each division (:mod:`kpixl.scoring`);
5. runs every registered check (:mod:`kpixl.checks`);
6. says what the annotated copies fill in (:mod:`kpixl.evaluation.fills`).

It returns frames only; writing them out is the writers' job. Nothing here reads Excel.
When the batch as a whole fails on something nobody foresaw, each workbook is evaluated on
its own, so the failure becomes that file's ``internal-error`` finding, never the batch's
end.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import take

from kpixl import layout as L
from kpixl.checks import run_checks
from kpixl.checks.cells import message_columns as cell_messages
from kpixl.checks.cells import plan_allowed
from kpixl.checks.forms import target_messages, target_table
from kpixl.definitions import Definitions
from kpixl.evaluation import frames as F
from kpixl.evaluation.fills import FILL_COLUMNS, build_fills
from kpixl.evaluation.sources import choose_all
from kpixl.evaluation.values import message_columns as kpi_messages
from kpixl.evaluation.values import score
from kpixl.findings import concat_findings, finding, findings_frame
from kpixl.master import Master
from kpixl.normalize import lookup, lookup_positions, map_distinct, text_test
from kpixl.rubric import Rubric, lookup_each
from kpixl.scoring import division_totals, weight_total_text
from kpixl.thai import format_number
from kpixl.workbook import WorkbookData, cells_frame

__all__ = ["KPI_COLUMNS", "TOTAL_COLUMNS", "Evaluation", "evaluate"]

KEYS = F.KEYS
KPI_COLUMNS = [
    "source", "division_code", "kpi_id", "name", "kind", "quarter", "weight", "reported",
    "computed", "value", "level", "status", "weighted",
    "sheet", "result_row", "result_column", "level_row", "level_column", "weighted_column",
]  # fmt: skip
"""Columns of :attr:`Evaluation.kpis`."""
TOTAL_COLUMNS = ["source", "kpis", "unscored", "weight_total", "total", "score_100", "complete"]
"""Columns of :attr:`Evaluation.totals`."""
SIGNED_OFF = {L.SIGNOFF_YES.lower(), "ใช่", "yes", "✓", "sign off", "signed off"}


@dataclass
class Evaluation:
    """The outcome of checking and scoring a batch of workbooks.

    Attributes:
        workbooks: one row per workbook: ``source, division_code, division_name,
            fiscal_year_be, template_version, checked_copy, scored`` (``scored``: the
            workbook had definitions that count), ``signed_off`` (form A says นำส่งแล้ว),
            ``filled_inputs`` (input cells holding anything: 0 for an untouched template).
        kpis: one row per scored KPI row of each workbook: :data:`KPI_COLUMNS`.
        totals: one row per workbook: :data:`TOTAL_COLUMNS` (``total``/``score_100`` NaN
            when nothing is scored).
        findings: every finding (see :data:`kpixl.findings.FINDING_COLUMNS`).
        fills: what the annotated copies fill in: ``source, sheet, cell, value``.
        targets: the target sheets (form A) as data (see
            :func:`kpixl.evaluation.frames.target_values`).
    """

    workbooks: pd.DataFrame
    kpis: pd.DataFrame
    totals: pd.DataFrame
    findings: pd.DataFrame
    fills: pd.DataFrame
    targets: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)


def evaluate(
    workbooks: Iterable[WorkbookData],
    master: Master | Sequence[Master] | None = None,
    *,
    share: bool = True,
) -> Evaluation:
    """Check and score the workbooks, all at once.

    Args:
        workbooks: read with :func:`kpixl.reader.read_workbook`; sources must be unique.
        master: the centre's master (or several: each workbook takes the one that defines
            its division, of its fiscal year first); when given, its definitions are the ones
            that count and each workbook's embedded definitions are compared with them.
        share: the results of several workbooks share one object per distinct value
            (:func:`shared_values`); False for a caller that shares them itself, as a batch
            does across its chunks.

    Raises:
        ValueError: two workbooks share a source (a programmer error).
    """
    books = list(workbooks)
    sources = [b.source for b in books]
    if len(set(sources)) != len(sources):
        raise ValueError("workbook sources must be unique")
    masters = [] if master is None else [master] if isinstance(master, Master) else list(master)
    try:
        # One workbook checked alone (``kpixl check``) keeps its results to itself.
        return _evaluate(books, masters, share=share and len(books) > 1)
    except Exception:
        if len(books) <= 1:
            if not books:
                raise
            return _failed(books[0], masters)
    return combine([_evaluate_or_fail(book, masters) for book in books])


def _evaluate_or_fail(book: WorkbookData, masters: Sequence[Master]) -> Evaluation:
    try:
        return _evaluate([book], masters)
    except Exception:
        return _failed(book, masters)


def _failed(book: WorkbookData, masters: Sequence[Master]) -> Evaluation:
    import traceback

    reason = traceback.format_exc(limit=1).strip().splitlines()[-1][:200]
    info = F.workbook_info([book], {}).assign(signed_off=False, filled_inputs=0)
    record = finding("internal-error", source=book.source, reason=reason)
    return Evaluation(
        info,
        pd.DataFrame(columns=KPI_COLUMNS),
        _no_totals(info),
        findings_frame([*book.finding_records, record]),
        pd.DataFrame(columns=FILL_COLUMNS),
    )


def combine(parts: Sequence[Evaluation]) -> Evaluation:
    """The evaluations of disjoint sets of workbooks as one (findings sorted as
    :func:`evaluate` sorts them)."""
    if len(parts) == 1:
        return parts[0]

    def cat(frames: list[pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
        filled = [f for f in frames if not f.empty]
        return pd.concat(filled, ignore_index=True) if filled else pd.DataFrame(columns=columns)

    return Evaluation(
        cat([p.workbooks for p in parts], F.INFO_COLUMNS),
        cat([p.kpis for p in parts], KPI_COLUMNS),
        cat([p.totals for p in parts], TOTAL_COLUMNS),
        _sorted(concat_findings([p.findings for p in parts])),
        cat([p.fills for p in parts], FILL_COLUMNS),
        cat([p.targets for p in parts], ["source", "kpi_id"]),
    )


def _no_totals(info: pd.DataFrame) -> pd.DataFrame:
    frame = info[["source"]].assign(
        kpis=0, unscored=0, weight_total=0.0, total=np.nan, score_100=np.nan, complete=False
    )
    return frame[TOTAL_COLUMNS]


def _evaluate(
    books: Sequence[WorkbookData], masters: Sequence[Master], *, share: bool = True
) -> Evaluation:
    """The evaluation of ``books``; ``share``: its frames share one object per distinct
    value (:func:`shared_values`), for results that are kept together with others."""
    used, choice, compared = choose_all(books, masters)
    info = F.workbook_info(books, used)
    rubrics = F.Rubrics()
    kpis = F.kpi_frame(used, info, rubrics)
    fields = F.data_fields(used)
    targets = F.target_definitions(used)
    evaluated = set(info["source"])
    read = cells_frame(b for b in books if b.source in evaluated)
    empty = texts = None
    if len(evaluated) >= _APART_FROM:
        empty, texts, read = F.split_apart(read)
    cells = F.prepare_cells(read, info, kpis, fields, targets)
    target = F.target_cells(cells, empty, info, targets)
    kpis = F.locate_form(kpis, cells)
    inputs = F.kind_inputs(cells, used, fields)
    kpis = score(kpis, inputs, rubrics.by_id)
    totals = _totals(kpis, info)
    locked = F.locked_table(cells, texts, kpis, targets, used)
    tables = {
        "cells": _cells_for_checks(cells, kpis, inputs.month_ends, rubrics.by_id, used),
        "kpis": kpis.assign(raw=kpis["written"]),
        "target": target_table(target),
        "target_rows": F.target_rows(cells, targets),
        "locked": locked,
        "definitions": compared,
        "scores": _shown_scores(cells, kpis, totals),
        "workbooks": (workbooks := _workbooks_for_checks(info, cells, totals)),
    }
    found = run_checks(
        tables,
        prepare={
            "cells": cell_messages,
            "kpis": lambda f: kpi_messages(f, rubrics.by_id),
            "target": target_messages,
        },
    )
    read = findings_frame(itertools.chain.from_iterable(b.finding_records for b in books))
    findings = concat_findings([read, choice, found])
    frames = (
        info.assign(
            signed_off=workbooks["signed_off"].to_numpy(),
            filled_inputs=_filled_inputs(cells, info),
        ),
        kpis[KPI_COLUMNS].reset_index(drop=True),
        totals,
        _sorted(_without_repeats(findings)),
        build_fills(kpis, totals, cells, locked),
        F.target_values(target, targets, info),
    )
    evaluation = Evaluation(*frames)
    return shared_values(evaluation) if share else evaluation


_APART_FROM = 16
"""Workbooks evaluated together from which the empty plan cells are typed apart and the
forms' locked texts read apart (:func:`kpixl.evaluation.frames.split_apart`): splitting
and rejoining them costs a few ms, and saves ~0.25 and ~0.15 ms a workbook; fewer
workbooks type them with the others."""


def shared_values(evaluation: Evaluation, pool: dict[Any, Any] | None = None) -> Evaluation:
    """``evaluation`` with one object per distinct value in each text column and each
    column of mixed values (the fills'); with ``pool``, one per distinct value across every
    evaluation given it.

    What an evaluation returns outlives its cells (a batch keeps every chunk's), and its
    values repeat: the source on every row, the codes, severities, KPI names, most messages,
    the levels and scores filled in. Each row built its own copy of the same value; sharing
    one keeps the values and the dtypes and makes a batch's memory grow by little per
    workbook.
    """
    pool = {} if pool is None else pool
    return Evaluation(
        *(_shared(getattr(evaluation, f.name), pool) for f in dataclasses.fields(evaluation))
    )


def _shared(frame: pd.DataFrame, pool: dict[Any, Any]) -> pd.DataFrame:
    out = frame.copy(deep=False)
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.StringDtype):
            codes, uniques = column.array.factorize()
            canonical = [pool.setdefault(text, text) for text in uniques]
            out[name] = pd.Series(
                pd.array(canonical, dtype=column.dtype).take(codes, allow_fill=True),
                index=frame.index,
            )
        elif column.dtype == object:
            # Mixed values (a level 3, a score 3.0, a text): keyed by type as well, so
            # that 3, 3.0 and True stay what they are. NaN equals nothing: left alone.
            values = column.to_numpy(copy=True)
            for i, value in enumerate(values):
                if isinstance(value, int | float | str) and value == value:
                    values[i] = pool.setdefault((type(value), value), value)
            out[name] = pd.Series(values, index=frame.index, dtype=object)
    return out


def _filled_inputs(cells: pd.DataFrame, info: pd.DataFrame) -> np.ndarray:
    """Per workbook, how many input cells hold anything: 0 for an untouched template."""
    counts = cells.loc[cells["expect"].ne("") & ~cells["blank"], "source"].value_counts()
    filled: np.ndarray = info["source"].map(counts).fillna(0).astype("int64").to_numpy()
    return filled


def _totals(kpis: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    if kpis.empty:
        return _no_totals(info)
    totals = division_totals(kpis[["source", "level", "weight", "weighted"]], keys=["source"])
    at = lookup_positions(info, totals, ["source"])

    def column(name: str, missing: Any) -> np.ndarray:
        # A workbook without scored rows (a target sheet only, or not scored) totals nothing.
        chosen: np.ndarray = take(totals[name].to_numpy(), at, allow_fill=True, fill_value=missing)
        return chosen

    return pd.DataFrame(
        {
            "source": info["source"].array,
            "kpis": column("kpis", 0),
            "unscored": column("unscored", 0),
            "weight_total": column("weight_total", 0.0),
            "total": column("total", np.nan),
            "score_100": column("score_100", np.nan),
            "complete": column("complete", False),
        }
    )[TOTAL_COLUMNS]


def _cells_for_checks(
    cells: pd.DataFrame,
    kpis: pd.DataFrame,
    month_ends: pd.DataFrame,
    rubrics: Mapping[int, Rubric],
    used: Mapping[str, Definitions],
) -> pd.DataFrame:
    """The cells with what their KPI's computation found, for the supporting-data and
    survey checks."""
    out = cells.assign(**lookup(cells, kpis, KEYS, ["computed_status"]), plan_allowed=plan_allowed)
    out["survey_rounds"] = F.survey_rounds(out, used)
    row = ["source", "sheet", "row"]
    in_survey = out["table"].eq("survey").to_numpy()
    survey = out.loc[in_survey, [*row, "field", "blank"]]
    answered = survey[survey["field"].str.startswith("item:") & ~survey["blank"]][row]
    on_answered_row = np.zeros(len(out), dtype=bool)
    on_answered_row[in_survey] = lookup_positions(survey, answered, row) >= 0
    out["answered"] = on_answered_row
    data = out["table"].eq("data")
    denominator = data & out["field"].eq("denominator") & out["state"].eq("ok")
    denominators = out.loc[denominator, [*KEYS, "number"]]
    out["denominator"] = lookup(out, denominators, KEYS, ["number"])["number"]
    out["denominator_shown"] = map_distinct(out["denominator"], format_number)
    steps = out[text_test(data, out["field"], lambda s: s.startswith("step:"))]
    stray = pd.Series(False, index=out.index)
    if not steps.empty:
        ordered = steps.assign(
            step=steps["field"].str.slice(5).astype(int),
            done=steps["tick"].fillna(False).astype(bool) & steps["state"].eq("ok"),
        ).sort_values([*KEYS, "step"])
        gaps = (~ordered["done"]).astype("int64").groupby([ordered[k] for k in KEYS]).cumsum()
        stray[ordered.index] = (ordered["done"] & gaps.gt(0)).to_numpy()
    out["stray"] = stray
    out["late"] = _late_months(out, kpis, month_ends, rubrics)
    out["what_th"] = out["label"].where(out["label"].ne(""), "ข้อมูลประกอบ")
    out["what_en"] = map_distinct(out["field"], lambda key: f"The supporting value {key}")
    return out


def _late_months(
    cells: pd.DataFrame,
    kpis: pd.DataFrame,
    month_ends: pd.DataFrame,
    rubrics: Mapping[int, Rubric],
) -> pd.Series:
    """Monthly reports delivered after the level 1 deadline: the month's own delay is below
    the rubric (the worst month decides the level, and each such month is named)."""
    late = pd.Series(False, index=cells.index)
    data = cells["table"].eq("data") & cells["state"].eq("ok")
    months = cells.loc[
        text_test(data, cells["field"], lambda s: s.startswith("month:")),
        [*KEYS, "field", "date"],
    ]
    if months.empty:
        return late
    months = (
        months.reset_index(names="_cell")
        .merge(month_ends, on=[*KEYS, "field"])
        .merge(kpis[[*KEYS, "rubric_id"]].drop_duplicates(KEYS), on=KEYS)
    )
    delay = (pd.to_datetime(months["date"], errors="coerce") - months["month_end"]).dt.days
    # A KPI without a rubric (id -1) has none to be late by: its months are "missing".
    looked = lookup_each(rubrics, months["rubric_id"].to_numpy(), delay.astype("float64"))
    late[months["_cell"].to_numpy()] = looked["status"].eq("below").to_numpy()
    return late


def _shown_scores(cells: pd.DataFrame, kpis: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """(ก), (ค), รวม or score cells that show a number, with kpixl's value beside it.

    ``typed``: a number typed over the formula. Otherwise the cell keeps its formula and the
    number is the result Excel or LibreOffice stored when the division saved the workbook:
    what the division saw on screen.
    """
    form = cells[
        cells["table"].eq("form") & cells["field"].isin(["level", "weighted", "total", "score_100"])
    ]
    typed = form["formula"].eq("")
    shown = form[form["number"].notna() & (typed | form["cached"].astype(bool))]
    if shown.empty:
        return shown.assign(typed=pd.Series(dtype=bool))
    computed = pd.concat(
        [
            kpis[[*KEYS, "level"]].rename(columns={"level": "computed"}).assign(field="level"),
            kpis[[*KEYS, "weighted"]]
            .rename(columns={"weighted": "computed"})
            .assign(field="weighted"),
            totals[["source", "total"]]
            .rename(columns={"total": "computed"})
            .assign(kpi_id="", field="total"),
            totals[["source", "score_100"]]
            .rename(columns={"score_100": "computed"})
            .assign(kpi_id="", field="score_100"),
        ],
        ignore_index=True,
    )
    computed["computed"] = pd.to_numeric(computed["computed"], errors="coerce")
    both = shown.merge(computed, on=[*KEYS, "field"], how="left")
    read_otherwise = _read_otherwise(cells)
    explained = pd.MultiIndex.from_frame(both[KEYS]).isin(read_otherwise)
    return both.assign(
        typed=both["formula"].eq(""),
        shown=both["written"],
        computed_text=map_distinct(
            both["computed"], lambda v: "ยังคิดคะแนนไม่ได้" if pd.isna(v) else format_number(v)
        ),
        computed_text_en=map_distinct(
            both["computed"], lambda v: "none" if pd.isna(v) else format_number(v)
        ),
        reason_th=np.where(explained, _READ_OTHERWISE_TH, _STALE_TH),
        reason_en=np.where(explained, _READ_OTHERWISE_EN, _STALE_EN),
    )


_READ_OTHERWISE_TH = "สูตรในไฟล์อ่านค่าที่กรอกบางช่องของตัวชี้วัดนี้ไม่ได้หรืออ่านต่างไป (ดูหมายเหตุที่ช่องนั้น)"
_READ_OTHERWISE_EN = (
    "the workbook's formulas read some entries of this KPI differently (see the notes on "
    "those cells)"
)
_STALE_TH = "ผลที่บันทึกไว้ในไฟล์ยังไม่ได้คำนวณใหม่หลังแก้ไขค่า หรือสูตรในไฟล์ถูกแก้"
_STALE_EN = (
    "the results stored in the workbook were not recalculated after an edit, or its formula "
    "was changed"
)


def _read_otherwise(cells: pd.DataFrame) -> pd.MultiIndex:
    """KPIs with an entry the workbook's own formulas may read otherwise than kpixl: one
    kpixl read after normalising it (text for a number or a date, "85%"), or one it left out
    as unusable where a formula may still use it."""
    inputs = cells[cells["expect"].ne("")]
    read = inputs["number"].notna() | inputs["date"].notna()
    as_text = inputs["is_text"] & read
    otherwise = inputs["number_status"].eq("normalised") | as_text | inputs["state"].eq("invalid")
    return pd.MultiIndex.from_frame(inputs.loc[otherwise, KEYS].drop_duplicates())


def _workbooks_for_checks(
    info: pd.DataFrame, cells: pd.DataFrame, totals: pd.DataFrame
) -> pd.DataFrame:
    signoff = cells.loc[
        cells["table"].eq("signoff") & cells["field"].eq("signed_off"),
        ["source", "sheet", "row", "column", "text"],
    ].drop_duplicates("source")
    signoff = signoff.assign(signed_off=signoff["text"].str.lower().isin(SIGNED_OFF))
    # A workbook's own findings have no cell; the sign-off's is the sign-off cell.
    place = lookup(info, signoff, ["source"], ["sheet", "row", "column", "signed_off"])
    scored = lookup(info, totals, ["source"], ["kpis", "weight_total"])
    out = info.assign(
        signoff_sheet=place["sheet"],
        signoff_row=place["row"],
        signoff_column=place["column"],
        signed_off=pd.array(place["signed_off"], dtype="boolean").fillna(False).to_numpy(bool),
        kpis=pd.Series(scored["kpis"], index=info.index).fillna(0),
        weight_total=scored["weight_total"],
        sheet="",
        row=np.nan,
        column=np.nan,
        has_target=info["scored"].astype(bool),
    )
    out["weight_shown"] = out["weight_total"].map(weight_total_text)
    named = out["division_name"].fillna("").astype(str)
    out["division_th"] = named.where(named.ne(""), "กอง " + out["division_code"].astype(str))
    out["division_en"] = "division " + out["division_code"].astype(str)
    return out


def _without_repeats(findings: pd.DataFrame) -> pd.DataFrame:
    """Drop ``value-missing`` on a cell that already has another error: text that cannot be
    read or a date that cannot be true is not also "missing"."""
    located = findings["cell"].ne("")
    key = findings["source"] + "\0" + findings["sheet"] + "\0" + findings["cell"]
    other_errors = set(
        key[located & findings["severity"].eq("error") & findings["code"].ne("value-missing")]
    )
    repeat = located & findings["code"].eq("value-missing") & key.isin(other_errors)
    return findings[~repeat].reset_index(drop=True)


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _sorted(findings: pd.DataFrame) -> pd.DataFrame:
    order = findings["severity"].map(_SEVERITY_ORDER)
    return (
        findings.assign(_order=order)
        .sort_values(
            ["source", "_order", "sheet", "row", "column", "code"],
            kind="stable",
            na_position="first",
        )
        .drop(columns="_order")
        .reset_index(drop=True)
    )
