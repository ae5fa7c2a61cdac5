"""Checks of the centre's master: its cells, references and weights, and its rubrics.

The cell and row rules are registered checks (see :mod:`kpixl.checks.registry`) over two
tables built here from a :class:`~kpixl.master.Master`:

* ``master_cells`` — one row per cell of every master sheet (the ``องค์กร`` sheet's values
  included): ``source, sheet, sheet_key, row, column, key, field`` (the column's Thai
  header), ``value`` (the text as read), ``required`` (the sheet's own rule), and its row's
  ``division_code, kpi_id, kind, quarter``, with what the rest of the master says of that
  row: ``division_known`` (its division is on the ``กอง`` sheet), ``kpi_known`` (its
  division and KPI are on the ``ตัวชี้วัด`` sheet), ``example`` (marked as kpixl's example)
  and ``division_example`` (its division is an example);
* ``master_weights`` — one row per division with scored KPIs: its weights' ``total``, at
  the weight cell of its first scored KPI.

The rubric checks read each KPI's criteria as a :class:`~kpixl.rubric.Rubric` and report
what :meth:`~kpixl.rubric.Rubric.lint` finds, and what its steps, items or Likert table
lack; they run per KPI, after the registered checks.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kpixl.checks.registry import check, run_checks
from kpixl.criteria import CriterionError
from kpixl.definitions import build_rubric
from kpixl.findings import concat_findings, finding, findings_frame
from kpixl.master import (
    AGGREGATES,
    KINDS,
    KPI_TYPES,
    LEVELS,
    OPTIONAL_SHEETS,
    ORGANISATION,
    SHEET_BY_KEY,
    SHEETS,
    Master,
    is_example,
    level_texts,
)
from kpixl.rubric import BandRubric, MilestoneRubric, Rubric, RubricIssue, lint_detail
from kpixl.thai import format_number, parse_number_text


def check_master(master: Master) -> pd.DataFrame:
    """Every problem in the centre's definitions, with its sheet and cell.

    Returns:
        A findings frame (see :data:`kpixl.findings.FINDING_COLUMNS`).
    """
    cells = master_cells(master)
    tables = {"master_cells": cells, "master_weights": master_weights(master)}
    found = run_checks(tables, prepare={"master_cells": lambda hits: _example_texts(hits, cells)})
    return concat_findings([found, _check_rubrics(master)])


# --- the tables -------------------------------------------------------------------------

_ROW_CONTEXT = ("division_code", "kpi_id", "kind", "quarter")


def master_cells(master: Master) -> pd.DataFrame:
    """The ``master_cells`` table (see the module's documentation)."""
    codes = set(master.division_codes())
    kpis = master.kpis
    known_kpis = pd.MultiIndex.from_frame(kpis[["division_code", "kpi_id"]])
    divisions = master.divisions
    example_codes = set(divisions.loc[is_example(divisions), "division_code"])
    parts = [_organisation_cells(master)]
    for spec in SHEETS[1:]:
        frame = master.frame(spec.key)
        context = frame.reindex(columns=[*_ROW_CONTEXT, "notes"], fill_value="")
        facts = pd.DataFrame(
            {
                "row": frame["_row"].astype("int64"),
                **{name: context[name] for name in _ROW_CONTEXT},
                "division_known": context["division_code"].isin(codes),
                "kpi_known": pd.MultiIndex.from_frame(context[["division_code", "kpi_id"]]).isin(
                    known_kpis
                ),
                "example": is_example(context),
                "division_example": context["division_code"].isin(example_codes),
            },
            index=frame.index,
        )
        columns = master.columns.get(spec.key, {})
        for column in spec.columns:
            if column.key not in frame:
                continue
            parts.append(
                facts.assign(
                    sheet=spec.name,
                    sheet_key=spec.key,
                    key=column.key,
                    field=column.thai,
                    required=column.required,
                    column=columns.get(column.key, pd.NA),
                    value=frame[column.key].astype(str),
                )
            )
    cells = pd.concat(parts, ignore_index=True)
    cells["column"] = pd.array(cells["column"], dtype="Int64")
    return cells.assign(source=master.source)


def _organisation_cells(master: Master) -> pd.DataFrame:
    keys = [c.key for c in ORGANISATION.columns]
    return pd.DataFrame(
        {
            "sheet": ORGANISATION.name,
            "sheet_key": ORGANISATION.key,
            "key": keys,
            "field": [c.thai for c in ORGANISATION.columns],
            "required": [c.required for c in ORGANISATION.columns],
            "row": pd.array([master.organisation_rows.get(k) for k in keys], dtype="Int64"),
            "column": 2,
            "value": [master.organisation.get(k, "") for k in keys],
            **{name: "" for name in _ROW_CONTEXT},
            "division_known": False,
            "kpi_known": False,
            "example": False,
            "division_example": False,
        }
    )


def master_weights(master: Master) -> pd.DataFrame:
    """The ``master_weights`` table (see the module's documentation)."""
    kpis = master.kpis
    scored = kpis[kpis["kind"].ne("") & kpis["division_code"].ne("")]
    weights = scored["weight"].map(parse_number_text).astype("float64")
    per = pd.DataFrame(
        {
            "total": weights.groupby(scored["division_code"], sort=False).sum(),
            "row": scored.groupby("division_code", sort=False)["_row"].min(),
        }
    ).reset_index()
    names = dict(
        zip(master.divisions["division_code"], master.divisions["division_name"], strict=True)
    )
    named = per["division_code"].map(lambda code: names.get(code) or "")
    return per.assign(
        source=master.source,
        sheet=SHEET_BY_KEY["kpis"].name,
        column=master.columns.get("kpis", {}).get("weight", pd.NA),
        total_shown=per["total"].map(format_number),
        division=named.where(named.ne(""), "กอง " + per["division_code"]),
        division_en="division " + per["division_code"],
    )


def _example_texts(hits: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """What an example row is, for ``master-example-row``: a division with its KPIs, or
    one KPI."""
    kpi_rows = cells[cells["sheet_key"].eq("kpis") & cells["key"].eq("kpi_id")]
    counts = kpi_rows.groupby("division_code").size()
    division = hits["sheet_key"].eq("divisions")
    code = hits["division_code"].where(hits["division_code"].ne(""), "?")
    count = hits["division_code"].map(counts).fillna(0).astype("int64").astype(str)
    return hits.assign(
        named=hits["division_code"].where(division, hits["kpi_id"]),
        what=("กอง " + code + " และตัวชี้วัด " + count + " ตัวของกองนี้").where(
            division, "ตัวชี้วัด " + hits["kpi_id"] + " ของกอง " + hits["division_code"]
        ),
        what_en=("Division " + code + " with its " + count + " KPIs").where(
            division, "KPI " + hits["kpi_id"] + " of division " + hits["division_code"]
        ),
    )


# --- the cells --------------------------------------------------------------------------

_SCORED_NEEDS = ("weight", *(f"level_{n}" for n in LEVELS))
"""What a scored KPI (one with a kind) must also have: a weight and five criteria."""


def _cells_of(sheet: str, *keys: str) -> Any:
    def applies(f: pd.DataFrame) -> pd.Series:
        return f["sheet_key"].eq(sheet) & f["key"].isin(keys)

    return applies


def _filled(f: pd.DataFrame) -> pd.Series:
    return f["value"].ne("")


@check(
    "master-field-missing",
    "master_cells",
    lambda f: (
        f["required"].astype(bool)
        | (f["sheet_key"].eq("kpis") & f["key"].isin(_SCORED_NEEDS) & f["kind"].ne(""))
    ),
    value="value",
    field="field",
)
def _required_filled(f: pd.DataFrame) -> pd.Series:
    return _filled(f)


_YEAR = {"reason": "ต้องเป็นปี พ.ศ. เช่น 2565", "reason_en": "a B.E. year such as 2565"}


@check(
    "master-bad-value",
    "master_cells",
    lambda f: _cells_of("organisation", "fiscal_year_be")(f) & _filled(f),
    value="value",
    texts=_YEAR,
    field="field",
)
def _fiscal_year_be(f: pd.DataFrame) -> pd.Series:
    year = f["value"].map(parse_number_text)
    return year.map(lambda y: y is not None and y.is_integer() and 2400 <= y <= 2700)


def _one_of(
    sheet: str, key: str, allowed: Any, reason: str, reason_en: str, *, number: bool = False
) -> None:
    """Register the check that a filled ``key`` cell of ``sheet`` is allowed: in
    ``allowed`` (a collection, or a regular expression the whole text must match), or a
    number when ``number``."""

    def passes(f: pd.DataFrame) -> pd.Series:
        if number:
            return f["value"].map(lambda t: parse_number_text(t) is not None)
        if isinstance(allowed, str):
            return f["value"].str.fullmatch(allowed).astype(bool)
        return f["value"].isin(list(allowed))

    check(
        "master-bad-value",
        "master_cells",
        lambda f: _cells_of(sheet, key)(f) & _filled(f),
        value="value",
        texts={"reason": reason, "reason_en": reason_en},
        field="field",
    )(passes)


_NUMBER = ("ต้องเป็นตัวเลข", "must be a number")
_one_of(
    "kpis",
    "kind",
    KINDS,
    "ต้องเลือกจากรายการ (ดูความหมายของแต่ละชนิดในแผ่นงาน ชนิดเกณฑ์)",
    "one of " + ", ".join(KINDS),
)
_one_of(
    "kpis",
    "aggregate",
    AGGREGATES,
    "ต้องเป็น “sum”, “last” หรือ “none” (ดูแผ่นงาน คำแนะนำ)",
    "one of sum, last, none",
)
_one_of(
    "kpis",
    "kpi_type",
    KPI_TYPES,
    "ต้องเป็น “เชิงปริมาณ” หรือ “เชิงคุณภาพ”",
    "“เชิงปริมาณ” or “เชิงคุณภาพ”",
)
_one_of("kpis", "quarter", ("1", "2", "3", "4"), "ต้องเป็นไตรมาส 1 ถึง 4", "a quarter from 1 to 4")
_one_of("kpis", "weight", (), *_NUMBER, number=True)
_one_of("kpis", "survey_rounds", r"[1-9]\d*", "ต้องเป็นจำนวนเต็มตั้งแต่ 1 ขึ้นไป", "a whole number from 1")
_one_of("kpis", "min_value", (), *_NUMBER, number=True)
_one_of("kpis", "max_value", (), *_NUMBER, number=True)


@check(
    "master-field-missing",
    "master_cells",
    lambda f: _cells_of("kpis", "group_id")(f) & f["quarter"].ne(""),
    value="value",
    field="field",
)
def _quarter_has_group(f: pd.DataFrame) -> pd.Series:
    return _filled(f)


_one_of("steps", "step", (), *_NUMBER, number=True)
_one_of("items", "weight", (), *_NUMBER, number=True)
_one_of("survey_scale", "score", (), *_NUMBER, number=True)


# --- the references ---------------------------------------------------------------------


@check(
    "master-duplicate-id",
    "master_cells",
    lambda f: _cells_of("divisions", "division_code")(f) & _filled(f),
    value="value",
)
def _division_code_unique(f: pd.DataFrame) -> pd.Series:
    return ~f["value"].duplicated(keep="first")


@check(
    "master-duplicate-id",
    "master_cells",
    lambda f: _cells_of("kpis", "kpi_id")(f) & _filled(f),
    value="value",
)
def _kpi_id_unique(f: pd.DataFrame) -> pd.Series:
    return ~f.duplicated(["division_code", "value"], keep="first")


@check(
    "master-unknown-division",
    "master_cells",
    lambda f: (
        f["sheet_key"].isin(["kpis", *OPTIONAL_SHEETS]) & f["key"].eq("division_code") & _filled(f)
    ),
    value="value",
)
def _division_known(f: pd.DataFrame) -> pd.Series:
    return f["division_known"].astype(bool)


@check(
    "master-unknown-kpi",
    "master_cells",
    lambda f: (
        f["sheet_key"].isin(list(OPTIONAL_SHEETS))
        & f["key"].eq("kpi_id")
        & f["division_known"].astype(bool)
    ),
    value="value",
)
def _kpi_known(f: pd.DataFrame) -> pd.Series:
    return f["kpi_known"].astype(bool)


@check(
    "weights-not-100",
    "master_weights",
    value="total_shown",
    division="division",
    division_en="division_en",
    total="total_shown",
)
def _weights_total_100(f: pd.DataFrame) -> pd.Series:
    return (f["total"] - 100).abs().le(1e-9)


@check(
    "master-example-row",
    "master_cells",
    lambda f: (
        f["key"].eq("notes")
        & f["example"].astype(bool)
        & (
            f["sheet_key"].eq("divisions")
            | (f["sheet_key"].eq("kpis") & ~f["division_example"].astype(bool))
        )
    ),
    value="named",
    what="what",
    what_en="what_en",
)
def _no_example_left(f: pd.DataFrame) -> pd.Series:
    return pd.Series(False, index=f.index)


# --- the rubrics ------------------------------------------------------------------------


def _at(master: Master, sheet: str, row: int | None, column: str | None) -> dict[str, Any]:
    col = master.columns.get(sheet, {}).get(column or "")
    return {
        "source": master.source,
        "sheet": SHEET_BY_KEY[sheet].name,
        "row": row,
        "column": col if row else None,
    }


def _issue_finding(
    master: Master, rec: dict[str, Any], issue: RubricIssue, prefix: str = "level_"
) -> dict[str, Any]:
    column = f"{prefix}{issue.level}" if issue.level else "kpi_id"
    params: dict[str, Any] = dict(issue.params)
    params.setdefault("level", str(issue.level or ""))
    return finding(
        issue.code,
        **_at(master, "kpis", rec["_row"], column),
        kpi_id=rec["kpi_id"],
        value=rec.get(column, ""),
        **params,
    )


def _check_rubrics(master: Master) -> pd.DataFrame:
    records = []
    kpis = master.kpis
    scored = kpis[kpis["kind"].isin(KINDS)]
    for rec in scored.to_dict("records"):
        if any(not rec[f"level_{n}"] for n in LEVELS):
            continue  # reported as master-field-missing
        try:
            rubric = build_rubric(rec)
        except CriterionError as error:
            records.append(_unparseable(master, rec, error))
            continue
        records += [_issue_finding(master, rec, issue) for issue in rubric.lint()]
        detail = level_texts(rec, "detail_level_")
        if any(detail):
            records += [
                _issue_finding(master, rec, issue, "detail_level_")
                for issue in lint_detail(level_texts(rec), detail)
            ]
        records += _check_parts(master, rec, rubric)
    records += _check_quarters(master, scored)
    records += _check_survey_scales(master)
    return findings_frame(records)


def _unparseable(master: Master, rec: dict[str, Any], error: CriterionError) -> dict[str, Any]:
    texts = level_texts(rec)
    level = texts.index(error.text) + 1 if error.text in texts else 1
    if error.kind_mismatch:
        return finding(
            "rubric-kind-mismatch",
            **_at(master, "kpis", rec["_row"], f"level_{level}"),
            kpi_id=rec["kpi_id"],
            value=error.text,
            level=str(level),
            text=error.text,
            kind=rec["kind"],
        )
    return finding(
        "rubric-unparseable",
        **_at(master, "kpis", rec["_row"], f"level_{level}"),
        kpi_id=rec["kpi_id"],
        value=error.text,
        level=str(level),
        text=error.text,
        reason=error.reason_th,
        reason_en=error.reason,
    )


def _check_parts(master: Master, rec: dict[str, Any], rubric: Rubric) -> list[dict[str, Any]]:
    """Steps of milestone KPIs, items of survey and weighted-items KPIs."""

    def rows_of(key: str) -> pd.DataFrame:
        frame = master.frame(key)
        return frame[
            (frame["division_code"] == rec["division_code"]) & (frame["kpi_id"] == rec["kpi_id"])
        ]

    where = _at(master, "kpis", rec["_row"], "kind")
    if isinstance(rubric, MilestoneRubric):
        steps = rows_of("steps")
        have = set(steps.loc[steps["description"].ne(""), "step"])
        missing = [str(n) for n in range(1, rubric.steps + 1) if str(n) not in have]
        if missing:
            return [
                finding(
                    "rubric-steps-missing", **where, kpi_id=rec["kpi_id"], steps=", ".join(missing)
                )
            ]
    if rec["kind"] == "survey" and rows_of("survey_items").empty:
        return [finding("survey-items-missing", **where, kpi_id=rec["kpi_id"])]
    if rec["kind"] == "weighted_items":
        items = rows_of("items")
        weights = items["weight"].map(parse_number_text)
        if items.empty or weights.isna().any():
            return [finding("weighted-items-missing", **where, kpi_id=rec["kpi_id"])]
    return []


def _check_quarters(master: Master, scored: pd.DataFrame) -> list[dict[str, Any]]:
    records = []
    quarterly = scored[scored["group_id"].ne("")]
    for (_, group), rows in quarterly.groupby(["division_code", "group_id"], sort=False):
        # Missing means no row for the quarter. A quarter row whose criteria are blank or
        # cannot be read is reported at its own cells, not as a missing quarter as well.
        missing = [q for q in ("1", "2", "3", "4") if q not in set(rows["quarter"])]
        if missing:
            first = rows.iloc[0]
            records.append(
                finding(
                    "rubric-quarters-missing",
                    **_at(master, "kpis", int(first["_row"]), "quarter"),
                    kpi_id=group,
                    group=group,
                    quarters=", ".join(missing),
                )
            )
    return records


def _check_survey_scales(master: Master) -> list[dict[str, Any]]:
    """The Likert interpretation tables: read as five bands on a mean of 1–5."""
    records = []
    scale = master.frame("survey_scale")
    for (_, kpi_id), rows in scale.groupby(["division_code", "kpi_id"], sort=False):
        ordered = rows.assign(n=rows["score"].map(parse_number_text)).sort_values("n")
        if ordered["n"].isna().any():
            continue  # a blank or unreadable score is reported; the levels are unknown
        # As written: the parser cleans the text itself, and a finding names what was typed.
        texts = list(ordered["range"])
        try:
            rubric = BandRubric.from_texts(texts, value_range=(1.0, 5.0))
        except CriterionError as error:
            bad = ordered[ordered["range"] == error.text]
            row: int | None = int((bad if not bad.empty else ordered)["_row"].iloc[0])
            records.append(
                finding(
                    "rubric-unparseable",
                    **_at(master, "survey_scale", row, "range"),
                    kpi_id=kpi_id,
                    value=error.text,
                    level="",
                    text=error.text,
                    reason=error.reason_th,
                    reason_en=error.reason,
                )
            )
            continue
        row_of_level = dict(enumerate(ordered["_row"].astype(int), 1))
        for issue in rubric.lint():
            row = row_of_level.get(issue.level or 1)
            params: dict[str, Any] = {"level": str(issue.level or ""), **issue.params}
            records.append(
                finding(
                    issue.code,
                    **_at(master, "survey_scale", row, "range"),
                    kpi_id=kpi_id,
                    value="",
                    **params,
                )
            )
    return records
