"""Check and score many returned workbooks in one pass.

:func:`evaluate` takes the read workbooks (any number, told apart by their ``source``),
decides which definitions count (the master's when given, else the ones embedded in each
workbook — never the division's visible, possibly edited, cells), runs every check,
computes every KPI's value and level rubric by rubric over all workbooks at once, and the
division totals. It returns frames only; writing them out is the job of the writers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kpixl import layout as L
from kpixl.cells import cell_ref
from kpixl.checks import check_signoff, check_target, run_cell_checks, target_table
from kpixl.criteria import CriterionError
from kpixl.findings import concat_findings, finding, findings_frame, findings_where, value_text
from kpixl.fiscal import fiscal_year_end, fiscal_year_start, format_date_th, month_year_ce
from kpixl.master import Master, division_definitions, kpi_rubric
from kpixl.measures import (
    growth,
    milestone_steps,
    ratio,
    survey_item_means,
    survey_percent_from_means,
    weighted_mean,
)
from kpixl.normalize import normalize_cells
from kpixl.reader import CELL_COLUMNS, WorkbookData
from kpixl.rubric import BandRubric, DeadlineRubric, Rubric
from kpixl.scoring import division_totals, weight_findings, weighted_scores
from kpixl.thai import clean_text, format_number

KEYS = ["source", "kpi_id"]
KPI_COLUMNS = [
    "source", "division_code", "kpi_id", "kind", "quarter", "weight", "reported", "computed",
    "value", "level", "status", "weighted",
    "form_sheet", "result_row", "result_column", "level_row", "level_column", "weighted_column",
]  # fmt: skip
"""Columns of :attr:`Evaluation.kpis`."""
COMPUTED_KINDS = ("ratio", "growth", "survey", "weighted_items")
_FIELD_TH = {
    "kpi_id": "ตัวชี้วัดที่",
    "issue": "งานที่นำเสนอ",
    "name": "ตัวชี้วัดผลงาน",
    "unit": "หน่วยวัด",
    "kpi_type": "ประเภทตัวชี้วัด",
    "weight": "ค่าน้ำหนัก (ข)",
    "kind": "ชนิดเกณฑ์",
    "quarter": "ไตรมาส",
    "group_id": "ตัวชี้วัดหลัก",
    "fiscal_year_be": "ปีงบประมาณ",
    **{f"level_{n}": f"เกณฑ์ระดับ {'๐๑๒๓๔๕'[n]}" for n in range(1, 6)},
}


@dataclass
class Evaluation:
    """The outcome of checking and scoring a batch of workbooks.

    Attributes:
        workbooks: one row per workbook: ``source, division_code, division_name,
            fiscal_year_be, template_version``.
        kpis: one row per scored KPI row of each workbook: ``source, division_code,
            kpi_id, kind, quarter, weight, reported, computed, value, level, status,
            weighted`` and where the form cells are (``form_sheet, result_row,
            result_column, level_row, level_column, weighted_column``).
        totals: one row per workbook (see :func:`kpixl.scoring.division_totals`).
        findings: every finding (see :data:`kpixl.findings.FINDING_COLUMNS`).
        fills: what the annotated copies fill in: ``source, sheet, cell, value``.
    """

    workbooks: pd.DataFrame
    kpis: pd.DataFrame
    totals: pd.DataFrame
    findings: pd.DataFrame
    fills: pd.DataFrame


def evaluate(
    workbooks: Iterable[WorkbookData], master: Master | Sequence[Master] | None = None
) -> Evaluation:
    """Check and score the workbooks, all at once.

    Args:
        workbooks: read with :func:`kpixl.reader.read_workbook`; sources must be unique.
        master: the centre's master (or several: each workbook takes the one that defines
            its division, of its fiscal year first); when given, its definitions are the ones
            that count and each workbook's embedded definitions are compared with them.
    """
    books = list(workbooks)
    sources = [b.source for b in books]
    if len(set(sources)) != len(sources):
        raise ValueError("workbook sources must be unique")
    findings: list[pd.DataFrame] = [b.findings for b in books]
    used: dict[str, dict[str, Any]] = {}
    masters = [] if master is None else [master] if isinstance(master, Master) else list(master)
    centre: dict[tuple[int, str], dict[str, Any]] = {}  # one master's division, built once
    for book in books:
        definitions, found = _definitions_for(book, masters, centre)
        findings.append(found)
        if definitions is not None:
            used[book.source] = definitions
    info = _workbook_info(books, used)
    kdefs = _kpi_definitions(used)
    cells = _prepare_cells(books, used, info)
    findings.append(run_cell_checks(cells))
    findings.append(_locked_fields(cells, used))
    findings.append(check_target(*_target_inputs(cells, info)))
    findings.append(check_signoff(cells, info["source"]))
    kpis, found = _score_kpis(kdefs, cells, used, info)
    findings.append(found)
    totals = (
        division_totals(kpis[["source", "level", "weight"]], keys=["source"])
        if not kpis.empty
        else _empty_totals()
    )
    totals = info[["source"]].merge(totals, on="source", how="left")
    # a workbook without scored rows (a target sheet only) has nothing to total
    totals = totals.fillna({"kpis": 0, "unscored": 0, "weight_total": 0.0, "complete": False})
    totals = totals.astype({"kpis": "int64", "unscored": "int64", "complete": bool})
    # the message names the division by its code, not by the file it came in
    named = totals.merge(info[["source", "division_code"]], on="source", how="left")
    findings.append(weight_findings(named[named["kpis"].gt(0)], keys=["division_code"]))
    findings.append(_typed_scores(cells, kpis, totals))
    all_findings = _without_repeats(concat_findings(findings))
    return Evaluation(info, kpis, totals, _sorted(all_findings), _fills(cells, kpis, totals))


# --- definitions ------------------------------------------------------------------------


def _master_for(book: WorkbookData, masters: Sequence[Master]) -> Master | None:
    """The master that defines this workbook's division, its fiscal year's first."""
    having = [m for m in masters if book.division_code in m.division_codes()]
    same_year = [m for m in having if m.fiscal_year_be == book.fiscal_year_be]
    candidates = same_year or having
    return candidates[0] if candidates else None


def _definitions_for(
    book: WorkbookData,
    masters: Sequence[Master],
    cache: dict[tuple[int, str], dict[str, Any]],
) -> tuple[dict[str, Any] | None, pd.DataFrame]:
    embedded = book.definitions
    if not masters:
        return embedded, findings_frame()
    code = book.division_code
    master = _master_for(book, masters)
    if master is None:
        record = finding(
            "master-unknown-division", source=book.source, sheet=L.META_SHEET, value=code
        )
        return embedded, findings_frame([record])
    key = (id(master), code)
    if key not in cache:
        cache[key] = division_definitions(master, code)
    centre = cache[key]
    if embedded is None:
        return centre, findings_frame()
    return centre, _compare_definitions(book, embedded, centre)


def _compare_definitions(
    book: WorkbookData, embedded: dict[str, Any], centre: dict[str, Any]
) -> pd.DataFrame:
    """``differs-from-master`` for each field the workbook's definitions have otherwise."""
    records = []
    at: dict[str, Any] = {"source": book.source, "sheet": L.META_SHEET}
    fy_book = str(embedded.get("organisation", {}).get("fiscal_year_be", ""))
    fy_master = str(centre.get("organisation", {}).get("fiscal_year_be", ""))
    if fy_book != fy_master:
        records.append(
            finding(
                "differs-from-master",
                **at,
                value=fy_book,
                expected=fy_master,
                field=_FIELD_TH["fiscal_year_be"],
            )
        )
    mine = {k["kpi_id"]: k for k in embedded.get("kpis", [])}
    theirs = {k["kpi_id"]: k for k in centre.get("kpis", [])}
    for kpi_id in sorted(set(mine) | set(theirs)):
        a, b = mine.get(kpi_id), theirs.get(kpi_id)
        if a is None or b is None:
            records.append(
                finding(
                    "differs-from-master",
                    **at,
                    kpi_id=kpi_id,
                    value=kpi_id if a else "—",
                    expected=kpi_id if b else "—",
                    field=_FIELD_TH["kpi_id"],
                )
            )
            continue
        for key, label in _FIELD_TH.items():
            if key in a and key in b and clean_text(str(a[key])) != clean_text(str(b[key])):
                records.append(
                    finding(
                        "differs-from-master",
                        **at,
                        kpi_id=kpi_id,
                        value=a[key],
                        expected=b[key],
                        field=label,
                    )
                )
    return findings_frame(records)


def _workbook_info(books: Sequence[WorkbookData], used: dict[str, dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for book in books:
        defs = used.get(book.source, {})
        fy = str(defs.get("organisation", {}).get("fiscal_year_be", "")) or str(book.fiscal_year_be)
        rows.append(
            {
                "source": book.source,
                "division_code": book.division_code
                or defs.get("division", {}).get("division_code", ""),
                "division_name": defs.get("division", {}).get("division_name", "")
                or book.meta.get("division_name", ""),
                "fiscal_year_be": int(fy) if fy.isdigit() else 0,
                "template_version": book.meta.get("template_version", ""),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["source", "division_code", "division_name", "fiscal_year_be", "template_version"],
    )


def _kpi_definitions(used: dict[str, dict[str, Any]]) -> pd.DataFrame:
    rows = [{"source": source, **kpi} for source, defs in used.items() for kpi in defs["kpis"]]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=["source", "kpi_id", "kind", "weight"])
    return frame


def _parts(used: dict[str, dict[str, Any]], key: str) -> pd.DataFrame:
    rows = [{"source": source, **rec} for source, defs in used.items() for rec in defs.get(key, [])]
    return pd.DataFrame(rows)


# --- cells ------------------------------------------------------------------------------


def _prepare_cells(
    books: Sequence[WorkbookData], used: dict[str, dict[str, Any]], info: pd.DataFrame
) -> pd.DataFrame:
    frames = [b.cells for b in books if not b.cells.empty]
    cells = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CELL_COLUMNS)
    cells = normalize_cells(cells)
    kinds = (
        _kpi_definitions(used)[["source", "kpi_id", "kind"]]
        if used
        else pd.DataFrame(columns=["source", "kpi_id", "kind"])
    )
    cells = cells.merge(kinds.drop_duplicates(KEYS), on=KEYS, how="left")
    cells["kind"] = cells["kind"].fillna("")
    cells = cells.merge(info[["source", "fiscal_year_be"]], on="source", how="left")
    cells["expect"] = _expectations(cells)
    fy = cells["fiscal_year_be"].fillna(0).astype(int)
    cells["window_start"] = fy.map(lambda y: fiscal_year_start(y) if y else None)
    cells["window_end"] = fy.map(
        lambda y: fiscal_year_end(y) + dt.timedelta(days=365) if y else None
    )
    aggregates = _target_definitions(used)[["source", "kpi_id", "aggregate"]]
    cells = cells.merge(aggregates, on=KEYS, how="left")
    cells["aggregate"] = cells["aggregate"].fillna("none")
    return cells


def _expectations(cells: pd.DataFrame) -> pd.Series:
    table, field_key, kind = cells["table"], cells["field"], cells["kind"]
    plan = field_key.isin(L.TARGET_PLAN_KEYS) | field_key.str.match(r"^(plan|result|est)_")
    return pd.Series(
        np.select(
            [
                table.eq("form") & field_key.eq("result") & kind.isin(["bands", *COMPUTED_KINDS]),
                table.eq("form")
                & field_key.eq("result")
                & kind.isin(["deadline_date", "deadline_after_year_end"]),
                table.eq("data") & field_key.str.startswith("step:"),
                table.eq("data") & field_key.str.startswith("month:"),
                table.eq("data"),
                table.eq("survey") & field_key.str.startswith("item:"),
                table.eq("survey") & field_key.eq("round"),
                table.eq("target") & plan,
                table.eq("signoff") & field_key.eq("signed_on"),
            ],
            ["number", "date", "tick", "date", "number", "likert", "round", "plan", "date"],
            default="",
        ),
        index=cells.index,
    )


def _target_definitions(used: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One definition per target-sheet row: quarter rows of a KPI collapse into its group."""
    rows = []
    for source, defs in used.items():
        seen = set()
        for kpi in defs["kpis"]:
            kpi_id, name = kpi["kpi_id"], kpi["name"]
            if kpi.get("group_id"):
                kpi_id, name = kpi["group_id"], kpi.get("group_name") or kpi["name"]
            if kpi_id in seen:
                continue
            seen.add(kpi_id)
            rows.append(
                {
                    "source": source,
                    "kpi_id": kpi_id,
                    "name": name,
                    "unit": kpi["unit"],
                    "kpi_type": kpi.get("kpi_type", ""),
                    "aggregate": kpi.get("aggregate") or "none",
                }
            )
    return pd.DataFrame(rows, columns=["source", "kpi_id", "name", "unit", "kpi_type", "aggregate"])


def _target_inputs(cells: pd.DataFrame, info: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    table = target_table(cells)
    years = table[["source"]].merge(info[["source", "fiscal_year_be"]], on="source", how="left")
    return table, years["fiscal_year_be"].fillna(0).astype(int)


def _locked_fields(cells: pd.DataFrame, used: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Cells the centre defines that the division changed, on the form and the target sheet.

    A row whose KPI id is not one of the centre's is reported on its id cell.
    """
    kdefs = _kpi_definitions(used)
    results = []
    for table, defs, fields in (
        ("form", kdefs, L.FORM_LOCKED),
        ("target", _target_definitions(used), ("name", "unit", "kpi_type")),
    ):
        shown = cells[cells["table"].eq(table) & cells["kpi_id"].ne("")]
        if shown.empty or defs.empty:
            continue
        known = shown.merge(defs[KEYS].drop_duplicates(), on=KEYS, how="left", indicator=True)
        unknown = known[known["_merge"].eq("left_only") & known["field"].eq("kpi_id")]
        results.append(
            findings_where(
                unknown.assign(expected="—", field_th=_FIELD_TH["kpi_id"], raw=unknown["kpi_id"]),
                pd.Series(True, index=unknown.index),
                "locked-field-changed",
                expected="expected",
                field="field_th",
            )
        )
        long = defs.melt(
            id_vars=KEYS,
            value_vars=[f for f in fields if f in defs and f != "kpi_id"],
            var_name="field",
            value_name="expected",
        )
        both = shown.merge(long, on=[*KEYS, "field"], how="inner")
        expected = both["expected"].fillna("").map(lambda v: clean_text(str(v)))
        actual = both["text"].where(both["formula"].fillna("").eq(""), both["formula"])
        same = actual.eq(expected)
        shown = (
            both["raw"].map(value_text).where(both["formula"].fillna("").eq(""), both["formula"])
        )
        weight_same = (
            pd.to_numeric(both["expected"], errors="coerce") - both["number"]
        ).abs() < 1e-9
        same = same.where(~both["field"].eq("weight"), weight_same)
        frame = both.assign(
            expected=both["expected"].fillna(""),
            raw=shown,
            field_th=both["field"].map(_FIELD_TH).fillna(both["field"]),
        )
        results.append(
            findings_where(
                frame, ~same, "locked-field-changed", expected="expected", field="field_th"
            )
        )
    return concat_findings(results)


# --- values and levels ------------------------------------------------------------------


def _pivot(cells: pd.DataFrame, table: str, values: Sequence[str]) -> pd.DataFrame:
    part = cells[cells["table"].eq(table) & cells["kpi_id"].ne("")]
    if part.empty:
        return pd.DataFrame(columns=KEYS)
    wide = part.pivot_table(
        index=KEYS, columns="field", values=list(values), aggfunc="first", dropna=False
    )
    wide.columns = [f"{f}.{v}" for v, f in wide.columns]
    return wide.reset_index()


def _score_kpis(
    kdefs: pd.DataFrame, cells: pd.DataFrame, used: dict[str, dict[str, Any]], info: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    scored = kdefs[kdefs["kind"].ne("")] if not kdefs.empty else kdefs
    if scored.empty:
        return _empty_kpis(), findings_frame()
    form = cells[cells["table"].eq("form") & cells["kpi_id"].ne("")]
    located = (
        form.pivot_table(
            index=KEYS, columns="field", values=["row", "column"], aggfunc="first"
        ).reset_index()
        if not form.empty
        else None
    )
    kp = scored.merge(
        info[["source", "division_code", "fiscal_year_be"]],
        on="source",
        how="left",
        suffixes=("", "_wb"),
    )
    kp["weight"] = pd.to_numeric(kp["weight"], errors="coerce").fillna(0.0)
    kp = kp.assign(
        form_sheet="",
        result_row=np.nan,
        result_column=np.nan,
        level_row=np.nan,
        level_column=np.nan,
        weighted_column=np.nan,
    )
    if located is not None:
        loc = pd.DataFrame(
            {
                "source": located["source"],
                "kpi_id": located["kpi_id"],
                "result_row": located[("row", "result")],
                "result_column": located[("column", "result")],
                "level_row": located[("row", "level")],
                "level_column": located[("column", "level")],
                "weighted_column": located[("column", "weighted")],
            }
        )
        loc.columns = [c if isinstance(c, str) else c[0] for c in loc.columns]
        kp = kp.drop(
            columns=["result_row", "result_column", "level_row", "level_column", "weighted_column"]
        ).merge(loc, on=KEYS, how="left")
        sheets = form.drop_duplicates("source").set_index("source")["sheet"]
        kp["form_sheet"] = kp["source"].map(sheets).fillna("")
    findings: list[pd.DataFrame] = [_missing_rows(kp)]
    result = _pivot(cells, "form", ["number", "number_status", "date", "text", "raw"])
    kp = kp.merge(result, on=KEYS, how="left")
    kp["reported"] = kp.get("result.number", pd.Series(np.nan, index=kp.index))
    kp["computed"] = np.nan
    kp["value"] = np.nan
    kp["status"] = ""
    data = cells[cells["table"].eq("data")]
    for kind, function in (
        ("ratio", _ratio),
        ("growth", _growth),
        ("weighted_items", _weighted_items),
        ("survey", _survey),
        ("milestones", _milestones),
    ):
        rows = kp["kind"].eq(kind)
        if rows.any():
            found = function(kp, rows, data, cells, used)
            findings.append(found)
    _choose_values(kp)
    findings.append(_value_findings(kp, data))
    kp["level"] = pd.array([pd.NA] * len(kp), dtype="Int64")
    findings.append(_levels(kp, data))
    kp["weighted"] = weighted_scores(kp)
    return kp[KPI_COLUMNS], concat_findings(findings)


def _empty_kpis() -> pd.DataFrame:
    return pd.DataFrame(columns=KPI_COLUMNS)


def _empty_totals() -> pd.DataFrame:
    return pd.DataFrame(
        columns=["source", "kpis", "unscored", "weight_total", "total", "score_100", "complete"]
    )


def _missing_rows(kp: pd.DataFrame) -> pd.DataFrame:
    missing = kp["result_row"].isna()
    frame = kp.assign(sheet=L.FORM_SHEET, raw=kp["kpi_id"], row=np.nan, column=np.nan)
    return findings_where(frame, missing, "kpi-row-missing")


def _data_values(
    data: pd.DataFrame,
    kp: pd.DataFrame,
    rows: pd.Series,
    fields: Sequence[str],
    column: str = "number",
) -> pd.DataFrame:
    """Per KPI row of ``kp[rows]``, the supporting-data ``column`` of each field."""
    wanted = data[data["field"].isin(fields)]
    wide = (
        wanted.pivot_table(
            index=KEYS, columns="field", values=column, aggfunc="first", dropna=False
        )
        if not wanted.empty
        else pd.DataFrame()
    )
    base = kp.loc[rows, KEYS]
    merged = base.merge(
        wide.reset_index() if not wide.empty else pd.DataFrame(columns=KEYS), on=KEYS, how="left"
    )
    merged.index = base.index
    for name in fields:
        if name not in merged:
            merged[name] = np.nan
    return merged


def _cell_of(data: pd.DataFrame, field_key: str) -> pd.DataFrame:
    part = data[data["field"].eq(field_key)]
    return part[[*KEYS, "sheet", "row", "column", "raw"]]


def _at_field(
    kp: pd.DataFrame, rows: pd.Series, data: pd.DataFrame, field_key: str
) -> pd.DataFrame:
    base = kp.loc[rows, KEYS]
    where = base.merge(_cell_of(data, field_key), on=KEYS, how="left")
    where.index = base.index
    return where


def _ratio_like(
    kp: pd.DataFrame, rows: pd.Series, data: pd.DataFrame, fields: tuple[str, str], compute: Any
) -> pd.DataFrame:
    values = _data_values(data, kp, rows, fields)
    result = compute(values[fields[0]], values[fields[1]])
    kp.loc[rows, "computed"] = result["value"]
    kp.loc[rows, "computed_status"] = result["status"]
    at_den = _at_field(kp, rows, data, fields[1])
    at_num = _at_field(kp, rows, data, fields[0]).assign(
        numerator=values[fields[0]].map(format_number),
        denominator=values[fields[1]].map(format_number),
    )
    return concat_findings(
        [
            findings_where(
                at_den, result["status"].eq("zero_denominator"), "ratio-zero-denominator"
            ),
            findings_where(
                at_num,
                result["status"].eq("numerator_exceeds"),
                "ratio-numerator-exceeds",
                numerator="numerator",
                denominator="denominator",
            ),
        ]
    )


def _ratio(kp: pd.DataFrame, rows: pd.Series, data: pd.DataFrame, *_: Any) -> pd.DataFrame:
    return _ratio_like(kp, rows, data, ("numerator", "denominator"), ratio)


def _growth(kp: pd.DataFrame, rows: pd.Series, data: pd.DataFrame, *_: Any) -> pd.DataFrame:
    return _ratio_like(kp, rows, data, ("this_year", "last_year"), growth)


def _weighted_items(
    kp: pd.DataFrame,
    rows: pd.Series,
    data: pd.DataFrame,
    cells: pd.DataFrame,
    used: dict[str, dict[str, Any]],
) -> pd.DataFrame:
    items = _parts(used, "items")
    if items.empty:
        return findings_frame()
    items = items.assign(
        field="item:" + items["item_no"].astype(str),
        weight=pd.to_numeric(items["weight"], errors="coerce"),
    )
    values = data[data["field"].str.startswith("item:")][[*KEYS, "field", "number"]]
    long = items.merge(kp.loc[rows, KEYS], on=KEYS).merge(values, on=[*KEYS, "field"], how="left")
    result = weighted_mean(long.rename(columns={"number": "value"}), KEYS)
    merged = kp.loc[rows, KEYS].merge(result, on=KEYS, how="left")
    kp.loc[rows, "computed"] = merged["value"].to_numpy()
    return findings_frame()


def _survey(
    kp: pd.DataFrame,
    rows: pd.Series,
    data: pd.DataFrame,
    cells: pd.DataFrame,
    used: dict[str, dict[str, Any]],
) -> pd.DataFrame:
    survey = cells[cells["table"].eq("survey")]
    items = _parts(used, "survey_items")
    if survey.empty or items.empty:
        return findings_frame()
    rounds = survey[survey["field"].eq("round")][["source", "sheet", "row", "number"]].rename(
        columns={"number": "round"}
    )
    answers = survey[survey["field"].str.startswith("item:")][
        [*KEYS, "sheet", "row", "field", "number", "number_status"]
    ]
    items = items.assign(
        field="item:" + items["aspect_no"].astype(str) + "." + items["item_no"].astype(str)
    )
    long = answers.merge(rounds, on=["source", "sheet", "row"], how="left").merge(
        items[[*KEYS, "field", "aspect_no"]], on=[*KEYS, "field"], how="inner"
    )
    long = long.rename(columns={"number": "answer", "aspect_no": "aspect", "field": "item"})
    long = long[long["round"].notna()]
    means = survey_item_means(long, KEYS)
    percent = survey_percent_from_means(means, KEYS)
    merged = kp.loc[rows, KEYS].merge(percent, on=KEYS, how="left")
    kp.loc[rows, "computed"] = merged["value"].to_numpy()
    return findings_frame()


def _milestones(kp: pd.DataFrame, rows: pd.Series, data: pd.DataFrame, *_: Any) -> pd.DataFrame:
    ticks = data[data["field"].str.startswith("step:")][
        [*KEYS, "field", "tick", "sheet", "row", "column", "raw"]
    ]
    ticks = ticks.merge(kp.loc[rows, KEYS], on=KEYS)
    if ticks.empty:
        return findings_frame()
    ticks = ticks.assign(
        step=ticks["field"].str.slice(5).astype(int), done=ticks["tick"].fillna(False).astype(bool)
    )
    counted = milestone_steps(ticks, KEYS)
    answered = ticks.groupby(KEYS)["tick"].apply(lambda t: t.notna().any()).rename("answered")
    counted = counted.merge(answered.reset_index(), on=KEYS, how="left")
    counted.loc[~counted["answered"].astype(bool), "value"] = np.nan
    merged = kp.loc[rows, KEYS].merge(counted, on=KEYS, how="left")
    kp.loc[rows, "computed"] = merged["value"].to_numpy()
    stray = ticks.merge(counted[[*KEYS, "stray_steps"]], on=KEYS)
    is_stray = stray.apply(lambda r: str(r["step"]) in str(r["stray_steps"]).split(","), axis=1)
    return findings_where(
        stray.assign(step_text=stray["step"].astype(str)),
        is_stray,
        "milestone-out-of-order",
        step="step_text",
    )


def _choose_values(kp: pd.DataFrame) -> None:
    """The value that is scored: computed from supporting data when it can be, else reported."""
    kind = kp["kind"]
    computed_kind = kind.isin([*COMPUTED_KINDS, "milestones"])
    kp["value"] = np.where(
        computed_kind & kp["computed"].notna(),
        kp["computed"],
        np.where(kind.isin(["bands", *COMPUTED_KINDS]), kp["reported"], np.nan),
    )
    dates = kp.get("result.date", pd.Series([None] * len(kp), index=kp.index))
    # An implausible date (date-implausible) is not scored on, as no out-of-range value is.
    when = _plausible(pd.to_datetime(dates, errors="coerce"), kp["fiscal_year_be"])
    # the same numbers DeadlineRubric.quantities gives: a date's ordinal, days after year end
    ordinal = (when - pd.Timestamp(dt.date(1, 1, 1))).dt.days.astype("float64") + 1
    year_end = pd.to_datetime(kp["fiscal_year_be"].map(lambda y: fiscal_year_end(int(y))))
    after_end = (when - year_end).dt.days.astype("float64")
    kp["value"] = np.where(
        kind.eq("deadline_date"),
        ordinal,
        np.where(kind.eq("deadline_after_year_end"), after_end, kp["value"]),
    )


def _plausible(when: pd.Series, fiscal_year_be: pd.Series) -> pd.Series:
    """``when`` with dates outside the fiscal year's window (see checks) made NaT."""
    years = fiscal_year_be.fillna(0).astype(int)
    start = pd.to_datetime(years.map(lambda y: fiscal_year_start(y) if y else None))
    end = pd.to_datetime(
        years.map(lambda y: fiscal_year_end(y) + dt.timedelta(days=365) if y else None)
    )
    return when.where((when >= start) & (when <= end))


def _result_at(kp: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": kp["source"],
            "sheet": kp["form_sheet"],
            "kpi_id": kp["kpi_id"],
            "row": kp["result_row"],
            "column": kp["result_column"],
            "raw": kp.get("result.raw", pd.Series([None] * len(kp), index=kp.index)),
        },
        index=kp.index,
    )


def _tolerance(raw: pd.Series) -> pd.Series:
    """Half a unit of the last digit the division wrote: 67 → 0.5, 66.7 → 0.05.

    A number cell typed 67 is read as the float 67.0: ``value_text`` shows it as "67"."""
    text = raw.map(value_text)
    decimals = text.str.extract(r"\.(\d+)")[0].str.len().fillna(0)
    return 0.5 * 10.0 ** (-decimals) + 1e-9


def _value_findings(kp: pd.DataFrame, data: pd.DataFrame) -> pd.DataFrame:
    at = _result_at(kp).assign(
        computed=kp["computed"].map(format_number), shown=kp["reported"].map(format_number)
    )
    computed_kind = kp["kind"].isin(COMPUTED_KINDS)
    has_computed, has_reported = kp["computed"].notna(), kp["reported"].notna()
    mismatch = (
        computed_kind
        & has_computed
        & has_reported
        & ((kp["computed"] - kp["reported"]).abs() > _tolerance(at["raw"]))
    )
    zero = kp.get("computed_status", pd.Series("", index=kp.index)).eq("zero_denominator")
    fallback = computed_kind & ~has_computed & has_reported & ~zero
    return concat_findings(
        [
            findings_where(
                at, mismatch, "reported-value-mismatch", value="shown", computed="computed"
            ),
            findings_where(at, fallback, "supporting-data-missing", value="shown"),
        ]
    )


_STATUS_CODES = {
    "gap": "value-in-gap",
    "overlap": "value-in-overlap",
    "below": "value-below-rubric",
    "above": "value-above-rubric",
    "out_of_range": "value-out-of-range",
}
_MISSING_WHAT = {
    "milestones": ("ขั้นตอนที่ทำแล้ว (แผ่นงาน ข้อมูลประกอบ)", "The steps done (supporting data)"),
    "deadline_monthly": ("วันที่ส่งรายงาน (แผ่นงาน ข้อมูลประกอบ)", "The delivery dates"),
    "deadline_date": ("วันที่ส่ง", "The delivery date"),
    "deadline_after_year_end": ("วันที่ส่ง", "The delivery date"),
}


class _RubricCache:
    def __init__(self) -> None:
        self.cache: dict[tuple[str, ...], Rubric | CriterionError] = {}

    def get(self, rec: dict[str, Any]) -> Rubric | CriterionError:
        key = tuple(
            str(rec.get(k, ""))
            for k in (
                "kind",
                "unit",
                "min_value",
                "max_value",
                *(f"level_{n}" for n in range(1, 6)),
            )
        )
        if key not in self.cache:
            try:
                self.cache[key] = kpi_rubric(rec)
            except (CriterionError, ValueError) as error:
                self.cache[key] = (
                    error if isinstance(error, CriterionError) else CriterionError("", str(error))
                )
        return self.cache[key]


def _levels(kp: pd.DataFrame, data: pd.DataFrame) -> pd.DataFrame:
    """Look up levels rubric by rubric, each over every workbook at once."""
    cache = _RubricCache()
    rubrics = [cache.get(rec) for rec in kp.to_dict("records")]
    kp["_rubric"] = [id(r) for r in rubrics]
    by_id = {id(r): r for r in rubrics}
    findings: list[pd.DataFrame] = []
    monthly = kp["kind"].eq("deadline_monthly")
    for rubric_id, rows in kp[~monthly].groupby("_rubric", sort=False).groups.items():
        rubric = by_id[rubric_id]
        if isinstance(rubric, CriterionError):
            kp.loc[rows, "status"] = "no_rubric"
            continue
        looked = rubric.lookup(kp.loc[rows, "value"])
        kp.loc[rows, "level"] = looked["level"]
        kp.loc[rows, "status"] = looked["status"]
    for rubric_id, rows in kp[monthly].groupby("_rubric", sort=False).groups.items():
        rubric = by_id[rubric_id]
        if isinstance(rubric, DeadlineRubric):
            findings.append(_monthly_levels(kp, rows, data, rubric))
        else:
            kp.loc[rows, "status"] = "no_rubric"
    findings.append(_level_findings(kp, by_id))
    del kp["_rubric"]
    return concat_findings(findings)


def _monthly_levels(
    kp: pd.DataFrame, rows: Any, data: pd.DataFrame, rubric: DeadlineRubric
) -> pd.DataFrame:
    """A KPI reported every month: each month's delay, then the worst month decides.

    Every month must be reported (with a plausible date): while one is missing the worst
    month is unknown, so the KPI has no level — the Excel formula agrees — and each missing
    month gets ``value-missing`` at its cell (the result cell when no month is reported).
    """
    part = kp.loc[rows, [*KEYS, "fiscal_year_be"]]
    months = (
        data[data["field"].str.startswith("month:")]
        .drop(columns="fiscal_year_be")
        .merge(part, on=KEYS)
    )
    kp.loc[rows, "status"] = "missing"
    none_at_all = _result_at(kp.loc[rows]).assign(
        what=_MISSING_WHAT["deadline_monthly"][0], what_en=_MISSING_WHAT["deadline_monthly"][1]
    )
    if months.empty:
        return findings_where(
            none_at_all,
            pd.Series(True, index=none_at_all.index),
            "value-missing",
            what="what",
            what_en="what_en",
        )
    month = months["field"].str.slice(6).astype(int)
    year = [
        month_year_ce(int(fy), int(m))
        for fy, m in zip(months["fiscal_year_be"], month, strict=True)
    ]
    month_end = pd.to_datetime(
        pd.DataFrame({"year": year, "month": month, "day": 1})
    ) + pd.offsets.MonthEnd(0)
    when = _plausible(pd.to_datetime(months["date"], errors="coerce"), months["fiscal_year_be"])
    quantity = (when - month_end).dt.days
    looked = rubric.lookup(quantity.astype("float64"))
    months = months.assign(
        level=looked["level"].to_numpy(),
        month_status=looked["status"].to_numpy(),
        quantity=quantity.to_numpy(),
        usable=when.notna().to_numpy(),
    )
    per_kpi = months.groupby(KEYS, sort=False).agg(
        level=("level", "min"),
        delay=("quantity", "max"),
        usable=("usable", "sum"),
        expected=("usable", "size"),
    )
    merged = part[KEYS].merge(per_kpi.reset_index(), on=KEYS, how="left")
    merged.index = part.index
    complete = merged["usable"].eq(merged["expected"]) & merged["expected"].gt(0)
    level = merged["level"].astype("Int64").where(complete)
    kp.loc[rows, "level"] = level
    kp.loc[rows, "value"] = merged["delay"].where(complete)
    levels = level.to_numpy(dtype="float64", na_value=np.nan)
    kp.loc[rows, "status"] = np.where(
        np.isnan(levels), "missing", np.where(levels == 0, "below", "ok")
    )
    reported = merged.set_index(KEYS)["usable"].gt(0)
    any_month = reported.reindex(pd.MultiIndex.from_frame(months[KEYS])).to_numpy()
    at = months.assign(
        shown=months["date"].map(lambda d: format_date_th(d) if d else ""),
        what="วันที่ส่งรายงานเดือนนี้",
        what_en="This month's delivery date",
    )
    nothing = ~merged["usable"].fillna(0).gt(0)
    return concat_findings(
        [
            findings_where(
                at,
                pd.Series(~months["usable"] & any_month, index=months.index),
                "value-missing",
                what="what",
                what_en="what_en",
            ),
            findings_where(none_at_all, nothing, "value-missing", what="what", what_en="what_en"),
            findings_where(
                at, months["month_status"].eq("below"), "deadline-missed", value="shown"
            ),
        ]
    )


def _level_findings(kp: pd.DataFrame, by_id: dict[int, Any]) -> pd.DataFrame:
    at = _result_at(kp).assign(
        level_text=kp["level"].map(lambda v: "" if pd.isna(v) else str(int(v))),
        shown=kp["value"].map(format_number),
    )
    results = []
    kind, status = kp["kind"], kp["status"]
    what = kind.map(lambda k: _MISSING_WHAT.get(k, ("ผลการปฏิบัติงาน", "The result")))
    results.append(
        findings_where(
            at.assign(what=what.str[0], what_en=what.str[1]),
            status.eq("missing") & kind.ne("deadline_monthly") & kp["result_row"].notna(),
            "value-missing",
            what="what",
            what_en="what_en",
        )
    )
    bands = kind.isin(["bands", *COMPUTED_KINDS])
    rubrics = kp["_rubric"].map(by_id)
    for state, code in _STATUS_CODES.items():
        rows = status.eq(state) & (bands | (state == "out_of_range"))
        if not rows.any():
            continue
        frame = at.assign(**_range_params(rubrics)) if state == "out_of_range" else at
        if state == "overlap":
            frame = at.assign(levels=_overlapping(rubrics, kp["value"]))
        results.append(
            findings_where(
                frame,
                rows,
                code,
                value="shown",
                level="level_text",
                **({"levels": "levels"} if state == "overlap" else {}),
                **({"minimum": "minimum", "maximum": "maximum"} if state == "out_of_range" else {}),
            )
        )
    results.append(
        findings_where(at, kind.eq("milestones") & status.eq("below"), "milestone-none-done")
    )
    dates = kp.get("result.date", pd.Series([None] * len(kp), index=kp.index))
    deadline = kind.isin(["deadline_date", "deadline_after_year_end"])
    results.append(
        findings_where(
            at.assign(
                date=dates.map(lambda d: format_date_th(d) if isinstance(d, dt.date) else "")
            ),
            deadline & status.eq("below"),
            "deadline-missed",
            value="date",
        )
    )
    no_rubric = status.eq("no_rubric")
    if no_rubric.any():
        errors = rubrics
        texts = errors.map(lambda e: e.text if isinstance(e, CriterionError) else "")
        levels = kp[[f"level_{n}" for n in range(1, 6)]].astype(str)
        level_no = [
            next((str(n) for n in range(1, 6) if row[n - 1] == text), "")
            for row, text in zip(levels.to_numpy(), texts, strict=True)
        ]
        level_at = at.assign(
            column=kp["level_column"],
            text=texts,
            reason=errors.map(lambda e: getattr(e, "reason", "")),
            level_no=level_no,
        )
        results.append(
            findings_where(
                level_at,
                no_rubric,
                "rubric-unparseable",
                text="text",
                reason="reason",
                level="level_no",
            )
        )
    return concat_findings(results)


def _range_params(rubrics: pd.Series) -> dict[str, pd.Series]:
    """The possible range of each row's band rubric, for ``value-out-of-range``."""

    def end(rubric: Any, side: int, infinite: str) -> str:
        bound = rubric.value_range[side] if isinstance(rubric, BandRubric) else None
        return infinite if bound is None else format_number(bound)

    return {
        "minimum": rubrics.map(lambda r: end(r, 0, "-∞")),
        "maximum": rubrics.map(lambda r: end(r, 1, "∞")),
    }


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


# --- typed scores, fills ----------------------------------------------------------------


def _typed_scores(cells: pd.DataFrame, kpis: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """A number typed over a formula cell of (ก), (ค), รวม or the score that is not kpixl's."""
    form = cells[
        cells["table"].eq("form") & cells["field"].isin(["level", "weighted", "total", "score_100"])
    ]
    typed = form[form["formula"].fillna("").eq("") & form["number"].notna()]
    if typed.empty:
        return findings_frame()
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
    both = typed.merge(computed, on=[*KEYS, "field"], how="left")
    differs = both["computed"].isna() | (both["number"] - both["computed"]).abs().gt(1e-6)
    both = both.assign(
        computed_text=both["computed"].map(lambda v: "—" if pd.isna(v) else format_number(v))
    )
    return findings_where(both, differs, "typed-score-mismatch", computed="computed_text")


def _fills(cells: pd.DataFrame, kpis: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """The cells the annotated copy fills in with kpixl's numbers."""
    rows: list[tuple[str, str, str, float | None]] = []
    for rec in kpis.to_dict("records"):
        if pd.isna(rec.get("level_row")):
            continue
        row = int(rec["level_row"])
        level = None if pd.isna(rec["level"]) else int(rec["level"])
        weighted = None if pd.isna(rec["weighted"]) else float(rec["weighted"])
        rows.append(
            (rec["source"], rec["form_sheet"], cell_ref(row, int(rec["level_column"])), level)
        )
        rows.append(
            (rec["source"], rec["form_sheet"], cell_ref(row, int(rec["weighted_column"])), weighted)
        )
    form = cells[cells["table"].eq("form") & cells["field"].isin(["total", "score_100"])]
    values = totals.set_index("source")
    for rec in form.to_dict("records"):
        if rec["source"] not in values.index:
            continue
        value = values.loc[rec["source"], "total" if rec["field"] == "total" else "score_100"]
        rows.append(
            (
                rec["source"],
                rec["sheet"],
                cell_ref(int(rec["row"]), int(rec["column"])),
                None if pd.isna(value) else round(float(value), 6),
            )
        )
    return pd.DataFrame(rows, columns=["source", "sheet", "cell", "value"])


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
            ["source", "_order", "sheet", "row", "column"], kind="stable", na_position="first"
        )
        .drop(columns="_order")
        .reset_index(drop=True)
    )
