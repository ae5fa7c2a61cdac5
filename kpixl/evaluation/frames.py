"""The frames an evaluation works on, built from the read workbooks and the definitions
that count: one per workbook, one per scored KPI, the typed cells, the inputs of each
kind's computation, and the tables the form checks read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import take

from kpixl import kinds as K
from kpixl import layout as L
from kpixl.checks.cells import implausible
from kpixl.checks.forms import by_field
from kpixl.definitions import Definitions, KpiDef, parse_number
from kpixl.evaluation.sources import FIELD_TH
from kpixl.fiscal import fiscal_year_end, fiscal_year_start, month_year_ce
from kpixl.normalize import (
    lookup,
    lookup_positions,
    map_distinct,
    normalize_cells,
    scale_percent,
    select_category,
    text_cells,
    text_test,
)
from kpixl.rubric import Rubric
from kpixl.thai import clean_text, format_number
from kpixl.workbook import WorkbookData

KEYS = K.KEYS
INFO_COLUMNS = [
    "source", "division_code", "division_name", "fiscal_year_be", "template_version",
    "checked_copy", "scored",
]  # fmt: skip
"""Columns of the workbook frame as built here (the evaluation adds ``signed_off``)."""


def workbook_info(books: Sequence[WorkbookData], used: Mapping[str, Definitions]) -> pd.DataFrame:
    """One row per workbook: columns :data:`INFO_COLUMNS`."""
    rows = []
    for book in books:
        defs = used.get(book.source)
        rows.append(
            {
                "source": book.source,
                "division_code": defs.division_code if defs else book.division_code,
                "division_name": (defs.division_name if defs else "")
                or book.meta.get("division_name", ""),
                "fiscal_year_be": (defs.fiscal_year_be if defs else None)
                or book.fiscal_year_be
                or 0,
                "template_version": book.meta.get("template_version", ""),
                "checked_copy": book.checked_copy,
                "scored": defs is not None,
            }
        )
    frame = pd.DataFrame(rows, columns=INFO_COLUMNS)
    frame["fiscal_year_be"] = frame["fiscal_year_be"].astype("int64")
    return frame


class Rubrics:
    """The rubrics of a batch, each built once however many workbooks share it."""

    def __init__(self) -> None:
        self.by_id: dict[int, Rubric] = {}
        self._ids: dict[tuple[Any, ...], int] = {}

    def id_of(self, kpi: KpiDef) -> int:
        """A number standing for the KPI's rubric (-1 when it has none)."""
        if kpi.rubric is None or kpi.problem is not None:
            return -1
        key = (kpi.kind, kpi.texts, kpi.value_range)
        if key not in self._ids:
            self._ids[key] = len(self._ids)
            self.by_id[self._ids[key]] = kpi.rubric
        return self._ids[key]


def kpi_frame(
    used: Mapping[str, Definitions], info: pd.DataFrame, rubrics: Rubrics
) -> pd.DataFrame:
    """One row per scored KPI row of each workbook, from the definitions that count.

    Columns: ``source, division_code, kpi_id, name, kind, quarter, weight, rubric_id,
    problem_th, problem_en, percent, fiscal_year_be``.
    """

    def rows_of(defs: Definitions) -> list[tuple[Any, ...]]:
        return [
            (
                defs.division_code,
                kpi.kpi_id,
                kpi.name,
                kpi.kind,
                kpi.quarter,
                np.nan if kpi.weight is None else kpi.weight,
                rubrics.id_of(kpi),
                kpi.problem.th if kpi.problem else "",
                kpi.problem.en if kpi.problem else "",
                kpi.percent,
            )
            for kpi in defs.scored
        ]

    columns = [
        "division_code", "kpi_id", "name", "kind", "quarter", "weight", "rubric_id",
        "problem_th", "problem_en", "percent",
    ]  # fmt: skip
    frame = by_source(used, rows_of, columns)
    frame["fiscal_year_be"] = pd.array(_fiscal_years(frame, info), dtype="int64")
    frame["weight"] = frame["weight"].astype("float64")
    frame["quarter"] = pd.array(frame["quarter"], dtype="Int64")
    return frame


def data_fields(used: Mapping[str, Definitions]) -> pd.DataFrame:
    """Every supporting-data row the centre's definitions ask for.

    Columns: ``source, kpi_id, field, expect, label, weight``.
    """

    def rows_of(defs: Definitions) -> list[tuple[Any, ...]]:
        return [
            (kpi.kpi_id, item.key, item.expect, item.label, item.weight)
            for kpi in defs.scored
            if kpi.kind in K.KINDS
            for item in K.KINDS[kpi.kind].fields(kpi, defs.fiscal_year_be or 0)
        ]

    return by_source(used, rows_of, ["kpi_id", "field", "expect", "label", "weight"])


def by_source(
    used: Mapping[str, Definitions],
    rows_of: Callable[[Definitions], list[tuple[Any, ...]]],
    columns: list[str],
) -> pd.DataFrame:
    """Columns ``source`` and ``columns``: for each workbook in turn, the rows
    ``rows_of`` makes of the definitions that count for it (see :func:`_by_source`)."""
    found = _by_source(used, rows_of, columns)
    if not found["source"]:
        return pd.DataFrame(columns=list(found))
    return pd.DataFrame(found)


def _by_source(
    used: Mapping[str, Definitions],
    rows_of: Callable[[Definitions], list[tuple[Any, ...]]],
    columns: list[str],
) -> dict[str, list[Any]]:
    """The columns of :func:`by_source`, as lists.

    A round's hundreds of workbooks share a few divisions' definitions: the rows of each
    are made once and repeated for every workbook of that division (``rows_of`` is called
    once per distinct definitions, in the order the workbooks first use them). Columns,
    not rows: a frame made of tuples infers each value's type row by row (several times
    slower)."""
    made: dict[int, list[list[Any]]] = {}
    out: dict[str, list[Any]] = {name: [] for name in ["source", *columns]}
    for source, defs in used.items():
        made_of = made.get(id(defs))
        if made_of is None:
            rows = rows_of(defs)
            made_of = made[id(defs)] = [list(c) for c in zip(*rows, strict=True)] if rows else []
        if made_of:
            out["source"] += [source] * len(made_of[0])
            for name, column in zip(columns, made_of, strict=True):
                out[name] += column
    return out


def survey_items(used: Mapping[str, Definitions]) -> pd.DataFrame:
    """Every survey question: ``source, kpi_id, field, aspect``."""

    def rows_of(defs: Definitions) -> list[tuple[Any, ...]]:
        return [
            (kpi.kpi_id, L.item_key(item.aspect_no, item.item_no), item.aspect_no)
            for kpi in defs.scored
            for item in kpi.survey_items
        ]

    return by_source(used, rows_of, ["kpi_id", "field", "aspect"])


def target_definitions(used: Mapping[str, Definitions]) -> pd.DataFrame:
    """One row per target-sheet row the centre defines.

    Columns: ``source, kpi_id, name, unit, kpi_type, aggregate``.
    """

    def rows_of(defs: Definitions) -> list[tuple[Any, ...]]:
        return [
            (row.kpi_id, row.name, row.unit, row.kpi_type, row.aggregate)
            for row in defs.target_rows()
        ]

    return by_source(used, rows_of, ["kpi_id", "name", "unit", "kpi_type", "aggregate"])


# --- cells ------------------------------------------------------------------------------


def split_apart(cells: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The cells read, split in three: the empty plan cells, the forms' locked texts, and
    every other cell (taken once, in the order read).

    Most of a target sheet is left empty (a plan for a few months of a few KPIs): a plan
    cell of a target sheet that holds nothing (no value, no formula, no error value) says
    nothing to any check of cells, and the target table needs only where it is
    (:func:`target_cells`; columns :data:`_EMPTY_COLUMNS`).

    The scoring forms' cells of the centre's texts (a KPI's issue, name, unit and
    criteria) are a quarter of a round's cells, and each is only compared with the
    centre's text (:func:`locked_table`): no check of cells applies to them and nothing
    is scored from them. They are read as text (columns :data:`_LOCKED_CELL_COLUMNS`,
    ``number`` NaN: a text's is not read).

    Neither need be typed with every other cell (:func:`prepare_cells`)."""
    table = cells["table"]
    plans = np.flatnonzero((table.eq("target") & _plan_fields(table, cells["field"])).to_numpy())
    nothing = (
        pd.isna(cells["raw"].to_numpy()[plans])
        & (cells["formula"].to_numpy(dtype=object)[plans] == "")
        & (cells["error"].to_numpy(dtype=object)[plans] == "")
    )
    empty = plans[nothing]
    texts = (table.eq("form") & cells["field"].isin(_LOCKED_TEXTS)).to_numpy()
    rest = ~texts
    rest[empty] = False
    return (
        cells.iloc[empty][_EMPTY_COLUMNS].reset_index(drop=True),
        text_cells(cells[texts].reset_index(drop=True)).assign(number=np.nan)[_LOCKED_CELL_COLUMNS],
        cells[rest].reset_index(drop=True),
    )


_EMPTY_COLUMNS = ["source", "sheet", "table", "kpi_id", "field", "row", "column"]
"""What is kept of an empty plan cell: where it is."""


_LOCKED_TEXTS = [key for key in L.FORM_LOCKED if key not in ("kpi_id", "weight")]
"""The form's locked fields that are texts: the KPI's id (by which it is located) and its
weight (a number) stay with the other cells."""


def _plan_fields(table: pd.Series, field_key: pd.Series) -> pd.Series:
    """Per cell, whether its field is a plan field (a month, a quarter, the total, a
    previous year's plan or result, an estimate) — of a target sheet's table."""
    return field_key.isin(L.TARGET_PLAN_KEYS) | text_test(
        table.eq("target"), field_key, lambda s: s.match(r"^(plan|result|est)_")
    )


def prepare_cells(
    cells: pd.DataFrame,
    info: pd.DataFrame,
    kpis: pd.DataFrame,
    fields: pd.DataFrame,
    targets: pd.DataFrame,
) -> pd.DataFrame:
    """The cells read (:func:`kpixl.workbook.cells_frame`), typed, with what each should
    hold and whether it can be used.

    Adds to the normalised cells (:func:`kpixl.normalize.normalize_cells`): ``kind``,
    ``expect``, ``label`` (a supporting row's label), ``fiscal_year_be``,
    ``window_start``/``window_end`` (plausible dates: the fiscal year and the year after),
    ``implausible`` (a date outside them), ``aggregate`` (target rows) and ``state``
    (``blank``, ``ok``, ``invalid``).
    """
    cells = normalize_cells(cells)
    per_kpi = lookup(cells, kpis, KEYS, ["kind", "percent"])
    data = lookup(cells, fields, [*KEYS, "field"], ["expect", "label"])
    cells = cells.assign(
        kind=pd.Series(per_kpi["kind"]).fillna("").to_numpy(),
        percent_kpi=pd.array(per_kpi["percent"], dtype="boolean").fillna(False).to_numpy(bool),
        data_expect=data["expect"],
        label=pd.Series(data["label"]).fillna("").to_numpy(),
        fiscal_year_be=_fiscal_years(cells, info),
        aggregate=_aggregates(cells, targets),
    )
    # (table and field are categories already: see cells_frame)
    cells["expect"] = _expectations(cells)
    cells = scale_percent(cells, cells["expect"].eq("percent"))
    fy = cells["fiscal_year_be"].fillna(0).astype(int)
    cells["window_start"] = map_distinct(fy, lambda y: fiscal_year_start(y) if y else None)
    cells["window_end"] = map_distinct(
        fy, lambda y: fiscal_year_end(y) + dt.timedelta(days=365) if y else None
    )
    cells["implausible"] = implausible(cells)
    cells["state"] = _states(cells)
    return cells


def _fiscal_years(rows: pd.DataFrame, info: pd.DataFrame) -> Any:
    """Each row's workbook's fiscal year (B.E.)."""
    return lookup(rows, info, ["source"], ["fiscal_year_be"])["fiscal_year_be"]


def _aggregates(cells: pd.DataFrame, targets: pd.DataFrame) -> np.ndarray:
    """How each cell's target KPI adds up (``none`` for a cell of no target KPI)."""
    found = lookup(cells, targets, KEYS, ["aggregate"])["aggregate"]
    aggregates: np.ndarray = pd.Series(found).fillna("none").to_numpy()
    return aggregates


def target_cells(
    cells: pd.DataFrame, empty: pd.DataFrame | None, info: pd.DataFrame, targets: pd.DataFrame
) -> pd.DataFrame:
    """The cells of the target sheets' tables, typed (``cells``) and the empty plan cells
    among them again (``empty``, see :func:`split_apart`; None when they were typed with
    the others), in the order they were read: what the target table and the target values
    are laid out from."""
    target = cells.loc[
        (cells["table"].eq("target") & cells["expect"].isin(["plan", "text"])).to_numpy(),
        _TARGET_COLUMNS,
    ]
    if empty is None or empty.empty:
        return target
    count = len(empty)
    blank = pd.DataFrame(
        {
            **{name: empty[name] for name in _EMPTY_COLUMNS},
            "expect": pd.Categorical.from_codes(np.zeros(count, dtype=int), ["plan"]),
            "aggregate": _aggregates(empty, targets),
            "fiscal_year_be": _fiscal_years(empty, info),
            "number": np.full(count, np.nan),
            "state": pd.Categorical.from_codes(np.zeros(count, dtype=int), dtype=STATES),
            "blank": np.ones(count, dtype=bool),
            "text": np.full(count, "", dtype=object),
        }
    )[_TARGET_COLUMNS]
    return _as_read(pd.concat([target, blank], ignore_index=True)).reset_index(drop=True)


def _as_read(cells: pd.DataFrame) -> pd.DataFrame:
    """``cells`` in the order they were read: by workbook (the sources' categories are in
    reading order), its scoring form before its target sheet, row by row, each row left to
    right (for cells split apart and joined again)."""
    order = [cells[name].to_numpy() for name in ("column", "row")]
    order += [cells[name].cat.codes.to_numpy() for name in ("table", "source")]
    return cells.iloc[np.lexsort(order)]


_TARGET_COLUMNS = [
    *("source", "sheet", "table", "kpi_id", "field", "row", "column", "expect", "aggregate"),
    *("fiscal_year_be", "number", "state", "blank", "text"),
]
"""The typed cells' columns the target table and the target values read."""


STATES = pd.CategoricalDtype(["blank", "invalid", "ok"])
"""A cell's ``state``: nothing typed, typed but unusable, usable."""


def _expectations(cells: pd.DataFrame) -> pd.Series:
    table, field_key, kind = cells["table"], cells["field"], cells["kind"]
    result_kind = map_distinct(kind, lambda k: K.KINDS[k].result if k in K.KINDS else "")
    target, survey = table.eq("target"), table.eq("survey")
    plan = _plan_fields(table, field_key)
    item = text_test(survey, field_key, lambda s: s.startswith("item:"))
    form_result = table.eq("form") & field_key.eq("result")
    number_result = form_result & result_kind.eq("number")
    return select_category(
        [
            (number_result & cells["percent_kpi"], "percent"),
            (number_result, "number"),
            (form_result & result_kind.eq("date"), "date"),
            (table.eq("data") & cells["data_expect"].notna(), cells["data_expect"]),
            (item, "likert"),
            (survey & field_key.eq("round"), "round"),
            (target & plan, "plan"),
            (table.eq("signoff") & field_key.eq("signed_on"), "date"),
            # free text: nothing is read from it, but an error value or a formula without a
            # result is lost text all the same
            ((target & field_key.eq("success_factor")) | table.eq("signoff"), "text"),
        ],
        "",
        cells.index,
    )


def _states(cells: pd.DataFrame) -> pd.Series:
    """``blank`` (nothing typed), ``invalid`` (typed but unusable) or ``ok``."""
    expect, status = cells["expect"], cells["number_status"]
    broken = status.isin(["error", "uncalculated"])
    number = cells["number"]
    invalid = pd.Series(
        np.select(
            [
                expect.isin(["number", "percent", "round", "plan"]),
                expect.eq("date"),
                expect.eq("tick"),
                expect.eq("likert"),
                expect.eq("text"),
            ],
            [
                status.eq("unreadable") | broken | (number.isna() & ~cells["blank"]),
                cells["date"].isna() | broken | cells["implausible"],
                cells["tick"].isna() | broken,
                ~(number.between(1, 5) & number.eq(np.floor(number))) | broken,
                broken,
            ],
            default=False,
        ).astype(bool),
        index=cells.index,
    )
    return select_category(
        [(cells["blank"], "blank"), (invalid, "invalid")], "ok", cells.index, STATES
    )


def locate_form(kpis: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """``kpis`` with where each row's form cells are: ``sheet, result_row, result_column,
    value_column, level_row, level_column, weighted_column`` (NaN where the row was not
    found) and the result cell's ``raw``/``written``/``number``/``date``/``state``."""
    # (selecting only the columns read: the cells table is ~40 columns wide)
    form = cells.loc[
        cells["table"].eq("form") & cells["kpi_id"].ne(""),
        [*KEYS, "sheet", "field", *_FORM_PLACE_COLUMNS, *_RESULT_COLUMNS],
    ]
    sheets = form.drop_duplicates("source").set_index("source")["sheet"]
    added = {"sheet": kpis["source"].map(sheets).fillna(L.FORM_SHEET)}
    part = form[form["field"].isin(_FORM_PLACES)]
    # every KPI row once per place, looked up at once
    places = len(_FORM_PLACES)
    wanted = pd.DataFrame(
        {
            **{key: np.tile(kpis[key].to_numpy(), places) for key in KEYS},
            "field": np.repeat(np.array(_FORM_PLACES, dtype=object), len(kpis)),
        }
    )
    at = lookup_positions(wanted, part, [*KEYS, "field"]).reshape(places, len(kpis))
    for name, positions in zip(_FORM_PLACES, at, strict=True):
        columns = _FORM_PLACE_COLUMNS | (_RESULT_COLUMNS if name == "result" else {})
        added |= {
            to.format(name): take(part[column].array, positions, allow_fill=True)
            for column, to in columns.items()
        }
    out = kpis.assign(**added)
    out["result_state"] = out["result_state"].fillna("blank")
    return out


_FORM_PLACES = ("result", "value", "level", "weighted")
_FORM_PLACE_COLUMNS = {"row": "{}_row", "column": "{}_column"}
_RESULT_COLUMNS = {
    **{"raw": "raw", "written": "written", "number": "reported_number"},
    **{"date": "reported_date", "state": "result_state", "number_status": "number_status"},
}
"""The result cell's columns a KPI row takes, and their names there."""


def survey_rounds(frame: pd.DataFrame, used: Mapping[str, Definitions]) -> pd.Series:
    """The number of rounds the centre defines for each row's survey KPI (NaN elsewhere)."""

    def rows_of(defs: Definitions) -> list[tuple[Any, ...]]:
        return [(k.kpi_id, float(k.survey_rounds)) for k in defs.scored if k.kind == "survey"]

    rounds = by_source(used, rows_of, ["kpi_id", "rounds"])
    found = lookup(frame, rounds, KEYS, ["rounds"])["rounds"]
    return pd.Series(found, index=frame.index, dtype="float64")


def usable_rounds(answers: pd.DataFrame, used: Mapping[str, Definitions]) -> pd.Series:
    """Each answer row's survey round as the survey sheet's formulas count it: a whole
    number from 1 to the KPI's rounds, else NaN (the row is left out, and the round cell has
    its finding). A one-round survey's answers are round 1 even where its pre-filled round
    was cleared."""
    defined = survey_rounds(answers, used)
    typed = answers["round"]
    valid = typed.between(1, defined) & typed.eq(np.floor(typed))
    single = defined.eq(1) & typed.isna()
    return typed.where(valid, np.nan).where(~single, 1.0)


def kind_inputs(
    cells: pd.DataFrame, used: Mapping[str, Definitions], fields: pd.DataFrame
) -> K.Inputs:
    """What the kinds' computations read (see :class:`kpixl.kinds.Inputs`)."""
    table = cells["table"]
    data = cells.loc[table.eq("data") & cells["expect"].ne(""), [*KEYS, *_KIND_DATA]]
    survey = table.eq("survey")
    rounds = cells.loc[survey & cells["field"].eq("round"), ["source", "sheet", "row", "number"]]
    answered = text_test(survey, cells["field"], lambda s: s.startswith("item:"))
    answers = cells.loc[answered, [*KEYS, "sheet", "row", "field", "number", "state"]]
    row = ["source", "sheet", "row"]
    answers["round"] = lookup(answers, rounds, row, ["number"])["number"]
    answers["round"] = usable_rounds(answers, used)
    items = fields[fields["field"].str.startswith("item:") & fields["weight"].notna()]
    items = items[[*KEYS, "field", "weight"]].astype({"weight": "float64"})
    months = fields[fields["field"].str.startswith("month:")][[*KEYS, "field"]]
    years = {s: d.fiscal_year_be or 0 for s, d in used.items()}
    month_ends = months.assign(
        month_end=[
            _month_end(years.get(s, 0), int(f.split(":")[1]))
            for s, f in zip(months["source"], months["field"], strict=True)
        ]
    )
    month_ends["month_end"] = pd.to_datetime(month_ends["month_end"])
    return K.Inputs(data, answers, survey_items(used), items, month_ends)


_KIND_DATA = ["field", "number", "tick", "date", "state"]
"""The supporting-data cells' columns the kinds' computations read."""


def _month_end(fiscal_year_be: int, month: int) -> dt.date | None:
    if not fiscal_year_be:
        return None
    year = month_year_ce(fiscal_year_be, month)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


# --- the tables of the form checks ------------------------------------------------------


def locked_table(
    cells: pd.DataFrame,
    texts: pd.DataFrame | None,
    kpis: pd.DataFrame,
    targets: pd.DataFrame,
    used: Mapping[str, Definitions],
) -> pd.DataFrame:
    """Cells the centre defines, each with the centre's value: ``expected`` (text),
    ``shown`` (what the cell holds), ``same``, ``field_th``, ``fill`` (what the annotated
    copy puts back: the centre's value, a number for a weight). ``texts``: the forms'
    locked texts where they were read apart (:func:`split_apart`), else None."""
    expected = _centre_values(targets, used)
    shown = cells.loc[
        cells["table"].isin(["form", "target"]) & cells["kpi_id"].ne(""), _LOCKED_CELL_COLUMNS
    ]
    if texts is not None and not texts.empty:
        shown = _as_read(pd.concat([shown, texts], ignore_index=True))
    # Only the tables and fields the cells have (a key of the cells' own categories).
    keys = {name: _like(expected[name], cells[name]) for name in ("table", "field")}
    expected = expected.assign(**keys)[pd.notna(keys["table"]) & pd.notna(keys["field"])]
    # Each cell beside the centre's value of its field (one per KPI and field).
    at = lookup_positions(shown, expected, ["table", *KEYS, "field"])
    both = shown[at >= 0].reset_index(drop=True)
    both["expected"] = expected["expected"].to_numpy()[at[at >= 0]]
    actual = both["text"].where(both["formula"].eq(""), both["formula"])
    expected_text = map_distinct(both["expected"], lambda v: clean_text(str(v)))
    same = actual.eq(expected_text)
    weight = both["field"].eq("weight")
    # the centre's weight, read as a number where the field is one (NaN elsewhere)
    is_weight = weight.to_numpy()
    weights = np.full(len(both), np.nan)
    weights[is_weight] = map_distinct(both["expected"][is_weight], parse_number).astype("float64")
    centre_weight = pd.Series(weights, index=both.index)
    same = same.where(~weight, (centre_weight - both["number"]).abs().lt(1e-9))
    fill = both["expected"].astype(object).where(~weight, centre_weight)
    locked = both.assign(
        shown=both["written"].where(both["formula"].eq(""), both["formula"]),
        same=same,
        field_th=both["field"].map(FIELD_TH).fillna(both["field"]),
        expected=both["expected"].where(~weight, map_distinct(centre_weight, format_number)),
        fill=fill,
    )
    unknown = _unknown_rows(shown, kpis, targets)
    return pd.concat([locked, unknown], ignore_index=True) if not unknown.empty else locked


def _centre_values(targets: pd.DataFrame, used: Mapping[str, Definitions]) -> pd.DataFrame:
    """The centre's value of each locked field of each KPI row: of the scoring forms (the
    fields of :data:`kpixl.layout.FORM_LOCKED`) and of the target sheets (name, unit,
    type). Columns ``table, source, kpi_id, field, expected``."""
    locked = [key for key in L.FORM_LOCKED if key != "kpi_id"]

    def rows_of(defs: Definitions) -> list[tuple[Any, ...]]:
        return [(kpi.kpi_id, key, kpi.text(key)) for kpi in defs.scored for key in locked]

    form = _by_source(used, rows_of, ["kpi_id", "field", "expected"])
    sources, ids, keys, texts = form["source"], form["kpi_id"], form["field"], form["expected"]
    form_rows = len(ids)
    target_keys = ["name", "unit", "kpi_type"]
    each = len(target_keys)
    sources += np.repeat(targets["source"].to_numpy(dtype=object), each).tolist()
    ids += np.repeat(targets["kpi_id"].to_numpy(dtype=object), each).tolist()
    keys += target_keys * len(targets)
    texts += [str(t) for t in targets[target_keys].to_numpy(dtype=object).ravel().tolist()]
    return pd.DataFrame(
        {
            "table": ["form"] * form_rows + ["target"] * (len(ids) - form_rows),
            "source": sources,
            "kpi_id": ids,
            "field": keys,
            "expected": texts,
        }
    )


_LOCKED_CELL_COLUMNS = [
    *("table", "source", "sheet", "kpi_id", "field", "row", "column"),
    *("raw", "text", "formula", "written", "number"),
]
"""The cells' columns a locked cell's check and fill read."""


def _unknown_rows(shown: pd.DataFrame, kpis: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """A row whose KPI id is not one of the centre's, reported on its id cell."""

    known = pd.DataFrame(
        {
            "table": ["form"] * len(kpis) + ["target"] * len(targets),
            **{
                k: np.concatenate([kpis[k].to_numpy(object), targets[k].to_numpy(object)])
                for k in KEYS
            },
        }
    )
    ids = shown[shown["field"].eq("kpi_id")]
    # Only workbooks whose definitions count: the others are not compared at all.
    compared = ids["source"].isin(known["source"]).to_numpy()
    unknown = ids[compared & (lookup_positions(ids, known, ["table", *KEYS]) < 0)]
    return unknown.assign(
        shown=unknown["written"],
        expected="—",
        same=False,
        field_th=FIELD_TH["kpi_id"],
        fill=None,
    )


def _like(values: pd.Series, cells: pd.Series) -> pd.Series:
    """``values`` as a category of ``cells``'s categories when ``cells`` is one (NaN for a
    value that is not one of them)."""
    if isinstance(cells.dtype, pd.CategoricalDtype):
        return values.astype(cells.dtype)
    return values


def target_rows(cells: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """The centre's target rows of each workbook that has a target sheet, with ``present``.

    Columns: ``source, kpi_id, sheet, present``.
    """
    target = cells.loc[cells["table"].eq("target") & cells["kpi_id"].ne(""), [*KEYS, "sheet"]]
    sheets = target.drop_duplicates("source").set_index("source")["sheet"]
    having = targets[targets["source"].isin(sheets.index)]
    present = pd.MultiIndex.from_frame(target[KEYS]).unique()
    return having[KEYS].assign(
        sheet=having["source"].map(sheets),
        present=pd.MultiIndex.from_frame(having[KEYS]).isin(present),
        row=np.nan,
        column=np.nan,
    )


def target_values(cells: pd.DataFrame, targets: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    """The target sheets (form A) as data, one row per workbook × target KPI.

    Columns: ``source, kpi_id, name, unit, kpi_type, aggregate, fiscal_year_be``, one column
    per plan key of :func:`kpixl.layout.target_fields` that any workbook has (its number,
    NaN when blank or unreadable) and ``success_factor`` (text).
    """
    part = cells.loc[
        cells["table"].eq("target") & cells["kpi_id"].ne(""),
        [*KEYS, "field", "expect", "number", "text"],
    ]
    base = targets.assign(fiscal_year_be=_fiscal_years(targets, info))
    if part.empty:
        return base.assign(success_factor="")
    plan = part[part["expect"].eq("plan").to_numpy()]
    first, numbers = by_field(
        plan, {"number": plan["number"].to_numpy(dtype="float64", na_value=np.nan)}
    )
    at = lookup_positions(base, plan[KEYS].iloc[first], KEYS)
    found = {key: take(value, at, allow_fill=True) for key, value in numbers.items()}
    texts = part[part["field"].eq("success_factor")]
    text = lookup(base, texts, KEYS, ["text"])["text"]
    found["success_factor"] = pd.Series(text).fillna("").to_numpy()
    out = pd.concat([base, pd.DataFrame(found, index=base.index)], axis=1)
    order = [
        f.key
        for year in sorted(set(base["fiscal_year_be"]) - {0})
        for f in L.target_fields(int(year))
    ]
    known = [c for c in dict.fromkeys(order) if c in numbers and c != "success_factor"]
    rest = [c for c in numbers if c not in known]
    return out[[*base.columns, *known, *rest, "success_factor"]]
