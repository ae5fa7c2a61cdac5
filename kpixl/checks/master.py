"""Checks of the centre's master: its cells, references and weights, and its rubrics.

The cell, row and KPI rules are registered checks (see :mod:`kpixl.checks.registry`) over
four tables built here from a :class:`~kpixl.master.Master`:

* ``master_cells`` — one row per cell of every master sheet (the ``องค์กร`` sheet's values
  included): ``source, sheet, sheet_key, row, column, key, field`` (the column's Thai
  header), ``value`` (the text as read), ``required`` (the sheet's own rule), and its row's
  ``division_code, kpi_id, kind, quarter``, with what the rest of the master says of that
  row: ``division_known`` (its division is on the ``กอง`` sheet), ``kpi_known`` (its
  division and KPI are on the ``ตัวชี้วัด`` sheet), ``example`` (marked as kpixl's example)
  and ``division_example`` (its division is an example);
* ``master_weights`` — one row per division with scored KPIs: its weights' ``total``, at
  the weight cell of its first scored KPI;
* ``master_kpis`` — one row per KPI whose criteria read (:func:`master_kpis`): what its
  steps, survey items or sub-items give it;
* ``master_groups`` — one row per group of quarterly KPI rows: the quarters it lacks.

Each KPI's criteria are read once as a :class:`~kpixl.rubric.Rubric`; what
:meth:`~kpixl.rubric.Rubric.lint` finds in them (gaps, overlaps, order …), criteria that
cannot be read and the Likert tables' flaws are reported after the registered checks.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kpixl.checks.registry import check, never, run_checks
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
from kpixl.scoring import weight_total_text, weights_add_up
from kpixl.thai import parse_number_text


def check_master(master: Master) -> pd.DataFrame:
    """Every problem in the centre's definitions, with its sheet and cell.

    Returns:
        A findings frame (see :data:`kpixl.findings.FINDING_COLUMNS`).
    """
    cells = master_cells(master)
    parsed = parsed_rubrics(master)
    tables = {
        "master_cells": cells,
        "master_weights": master_weights(master),
        "master_kpis": master_kpis(master, parsed),
        "master_groups": master_groups(master),
    }
    found = run_checks(tables, prepare={"master_cells": lambda hits: _example_texts(hits, cells)})
    return concat_findings([found, _check_rubrics(master, parsed)])


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
    shown = per.assign(
        total_shown=per["total"].map(weight_total_text),
        division=named.where(named.ne(""), "กอง " + per["division_code"]),
        division_en="division " + per["division_code"],
    )
    return _at_column(master, shown, "weight")


Parsed = tuple[dict[str, Any], Rubric | CriterionError]
"""A scored KPI's row and its rubric, or why its criteria cannot be read."""


def parsed_rubrics(master: Master) -> list[Parsed]:
    """Each scored KPI with its five criteria filled (a blank one is a
    ``master-field-missing``), read once as a rubric."""
    parsed: list[Parsed] = []
    for rec in master.kpis[master.kpis["kind"].isin(KINDS)].to_dict("records"):
        if any(not rec[f"level_{n}"] for n in LEVELS):
            continue
        try:
            parsed.append((rec, build_rubric(rec)))
        except CriterionError as error:
            parsed.append((rec, error))
    return parsed


def master_kpis(master: Master, parsed: list[Parsed]) -> pd.DataFrame:
    """The ``master_kpis`` table: each KPI whose criteria read, at its ``kind`` cell, with
    what its parts on the other sheets give it: ``steps_missing`` (the steps of a
    milestone rubric without a description), ``survey_items`` (how many survey items),
    ``items_weighted`` (it has sub-items, each with a numeric weight)."""

    def parts(key: str) -> pd.core.groupby.DataFrameGroupBy:
        frame = master.frame(key)
        return frame.groupby([frame["division_code"], frame["kpi_id"]], sort=False)

    described = {
        key: set(rows.loc[rows["description"].ne(""), "step"]) for key, rows in parts("steps")
    }
    survey_items = parts("survey_items").size().to_dict()
    items_weighted = {
        key: bool(rows["weight"].map(lambda t: parse_number_text(t) is not None).all())
        for key, rows in parts("items")
    }
    rows = []
    for rec, rubric in parsed:
        if isinstance(rubric, CriterionError):
            continue
        key = (rec["division_code"], rec["kpi_id"])
        steps = rubric.steps if isinstance(rubric, MilestoneRubric) else 0
        have = described.get(key, set())
        rows.append(
            {
                "row": rec["_row"],
                "kpi_id": rec["kpi_id"],
                "kind": rec["kind"],
                "milestones": isinstance(rubric, MilestoneRubric),
                "steps_missing": ", ".join(
                    str(n) for n in range(1, steps + 1) if str(n) not in have
                ),
                "survey_items": survey_items.get(key, 0),
                "items_weighted": items_weighted.get(key, False),
            }
        )
    return _at_column(master, pd.DataFrame(rows), "kind")


def master_groups(master: Master) -> pd.DataFrame:
    """The ``master_groups`` table: each group of quarterly KPI rows of a division, at the
    ``quarter`` cell of its first row, with the quarters it has no row for
    (``quarters_missing``). A quarter row whose criteria are blank or cannot be read is
    reported at its own cells, not as a missing quarter as well."""
    kpis = master.kpis
    quarterly = kpis[kpis["kind"].isin(KINDS) & kpis["group_id"].ne("")]
    rows = []
    for (_, group), members in quarterly.groupby(["division_code", "group_id"], sort=False):
        have = set(members["quarter"])
        rows.append(
            {
                "row": int(members["_row"].iloc[0]),
                "kpi_id": group,
                "quarter": members["quarter"].iloc[0],
                "quarters_missing": ", ".join(q for q in ("1", "2", "3", "4") if q not in have),
            }
        )
    return _at_column(master, pd.DataFrame(rows), "quarter")


def _at_column(master: Master, frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """``frame``'s rows of the ``ตัวชี้วัด`` sheet, at their ``key`` cell."""
    return frame.assign(
        source=master.source,
        sheet=SHEET_BY_KEY["kpis"].name,
        column=master.columns.get("kpis", {}).get(key, pd.NA),
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
    return weights_add_up(f["total"])


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
    return never(f)


# --- each KPI's parts, each quarterly group's quarters ---------------------------------


@check(
    "rubric-steps-missing",
    "master_kpis",
    lambda f: f["milestones"].astype(bool),
    value="kind",
    steps="steps_missing",
)
def _steps_described(f: pd.DataFrame) -> pd.Series:
    return f["steps_missing"].eq("")


@check("survey-items-missing", "master_kpis", lambda f: f["kind"].eq("survey"), value="kind")
def _survey_has_items(f: pd.DataFrame) -> pd.Series:
    return f["survey_items"].gt(0)


@check(
    "weighted-items-missing",
    "master_kpis",
    lambda f: f["kind"].eq("weighted_items"),
    value="kind",
)
def _items_weighted(f: pd.DataFrame) -> pd.Series:
    return f["items_weighted"].astype(bool)


@check(
    "rubric-quarters-missing",
    "master_groups",
    value="quarter",
    group="kpi_id",
    quarters="quarters_missing",
)
def _four_quarters(f: pd.DataFrame) -> pd.Series:
    return f["quarters_missing"].eq("")


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


def _check_rubrics(master: Master, parsed: list[Parsed]) -> pd.DataFrame:
    """What each KPI's rubric and the Likert tables' lint finds, and criteria that cannot
    be read."""
    records = []
    for rec, rubric in parsed:
        if isinstance(rubric, CriterionError):
            records.append(_unparseable(master, rec, rubric))
            continue
        records += [_issue_finding(master, rec, issue) for issue in rubric.lint()]
        detail = level_texts(rec, "detail_level_")
        if any(detail):
            records += [
                _issue_finding(master, rec, issue, "detail_level_")
                for issue in lint_detail(level_texts(rec), detail)
            ]
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
