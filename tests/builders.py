"""Division workbooks built in memory, cell for cell as :func:`kpixl.reader.read_workbook`
reads the template kpixl writes, and filled as a person would type into them.

:class:`Book` lays out the tables ``form``, ``data``, ``survey``, ``target`` and ``signoff``
at the addresses the template's planning pass gives (:func:`kpixl.templates.plan.plan_workbook`),
with the centre's texts where the template writes them and a formula where it writes one.
:meth:`Book.workbook` returns the :class:`~kpixl.workbook.WorkbookData` the reader would
return, without writing or reading any file: evaluation tests run in milliseconds.
``test_evaluation.py`` checks that a blank :class:`Book` equals the reader's reading of the
real template, and that a filled one is evaluated as the same workbook filled with
:class:`kpixl.fill.Filler` and read back.

Values are typed as Excel stores them: an ``int`` becomes a float, ``""`` is blank, a text
``"=…"`` is a formula without a calculated result, an error text such as ``"#REF!"`` an
error value (as :class:`kpixl.fill.Filler` types them); :class:`Formula`, :class:`Error`
and :class:`Percent` say exactly what a cell holds.

:func:`make_master` builds the small inline master of the evaluation tests and the fuzz
test: division A, FY 2565, nine KPIs, one per kind (:data:`KPIS`).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl import layout as L
from kpixl import master as M
from kpixl.definitions import Definitions, parse_definitions
from kpixl.master import Master, division_definitions, fingerprint
from kpixl.reader import hidden_sheet_state
from kpixl.templates.plan import DATA_INPUT, plan_workbook
from kpixl.templates.target import KEY_ROW as TARGET_KEY_ROW
from kpixl.workbook import BOOK_CELL_COLUMNS, CELL_COLUMNS, WorkbookData

ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
"""Excel's error values."""
TEMPLATE_FORMULA = "=(template)"
"""The formula text of a cell where the template writes a formula (its text is the
templates' tests' business; the evaluation only needs to know that it is one)."""


@dataclass(frozen=True)
class Formula:
    """A formula cell: its text and, when the file carries one, its calculated result."""

    text: str
    cached: Any = None


@dataclass(frozen=True)
class Error:
    """A cell holding an Excel error value (optionally the result of a formula)."""

    code: str
    formula: str = ""


@dataclass(frozen=True)
class Percent:
    """A number in a %-formatted cell: "85%" typed in Excel is stored as 0.85."""

    number: float


def cell_fields(value: Any) -> dict[str, Any]:
    """The cells-frame fields (``raw, formula, error, percent, cached``) of a typed value."""
    fields: dict[str, Any] = {
        "raw": None,
        "formula": "",
        "error": "",
        "percent": False,
        "cached": False,
    }
    if isinstance(value, Formula):
        cached = _stored(value.cached)
        fields.update(raw=cached, formula=value.text, cached=cached is not None)
    elif isinstance(value, Error):
        fields.update(error=value.code, formula=value.formula)
    elif isinstance(value, Percent):
        fields.update(raw=_stored(value.number), percent=True)
    elif isinstance(value, str) and value in ERRORS:
        fields.update(error=value)
    elif isinstance(value, str) and value.startswith("=") and len(value) > 1:
        fields.update(formula=value)
    else:
        fields["raw"] = _stored(value)
    return fields


def _stored(value: Any) -> Any:
    """A value as the reader returns it: numbers as floats, "" as blank."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    return value


class Book:
    """One division workbook, in memory (see the module docstring).

    Args:
        definitions: the centre's definitions of the division (as
            :func:`kpixl.master.division_definitions` gives them); a :class:`Master` and
            ``division`` may be given instead.
        source: the workbook's source key.
    """

    def __init__(
        self,
        definitions: dict[str, Any] | Master,
        division: str = "",
        *,
        source: str = "A.xlsx",
    ) -> None:
        if isinstance(definitions, Master):
            definitions = division_definitions(definitions, division)
        self.source = source
        self.definitions: dict[str, Any] | None = copy.deepcopy(definitions)
        typed = parse_definitions(definitions)
        self.meta = _meta(typed, definitions)
        self.altered: tuple[str, str] | None = None
        self._cells: dict[tuple[str, int, int], dict[str, Any]] = {}
        self._at: dict[tuple[str, str, str], tuple[str, int, int]] = {}
        self._surveys: dict[str, tuple[str, int, dict[str, int], int]] = {}
        self._lay_out(typed)

    def copy(self, source: str) -> Book:
        """An independent copy under another source key (cheaper than laying out again)."""
        other = object.__new__(Book)
        other.source = source
        other.definitions = copy.deepcopy(self.definitions)
        other.meta = dict(self.meta)
        other.altered = self.altered
        other._cells = {key: dict(rec) for key, rec in self._cells.items()}
        other._at = dict(self._at)
        other._surveys = dict(self._surveys)
        return other

    # --- the template's cells ---------------------------------------------------------

    def _put(
        self, table: str, kpi_id: str, key: str, sheet: str, row: int, column: int, value: Any
    ) -> None:
        self._cells[(sheet, row, column)] = {
            "sheet": sheet,
            "table": table,
            "kpi_id": kpi_id,
            "field": key,
            "row": row,
            "column": column,
            **cell_fields(value),
        }
        if table != "survey":
            self._at[(table, kpi_id, key)] = (sheet, row, column)

    def _lay_out(self, defs: Definitions) -> None:
        plan = plan_workbook(defs)
        form = L.FORM_SHEET
        for kpi_plan in plan.kpis:
            kpi, kind, row = kpi_plan.kpi, kpi_plan.kind, kpi_plan.form_row + 1
            scorable = kpi.rubric is not None and kpi.problem is None
            values: dict[str, Any] = {
                "kpi_id": kpi.kpi_id,
                "issue": kpi.text("issue"),
                "name": kpi.name,
                "unit": kpi.unit,
                **{f"level_{n}": text for n, text in enumerate(kpi.texts, 1)},
                "result": TEMPLATE_FORMULA
                if kind is not None and kind.result == "formula"
                else None,
                "level": TEMPLATE_FORMULA if scorable else None,
                "weight": kpi.weight,
                "weighted": TEMPLATE_FORMULA,
                "value": TEMPLATE_FORMULA if kind is not None else None,
            }
            for column, fld in enumerate(L.FORM_FIELDS, 1):
                if fld.key not in L.UNREAD_FIELDS:
                    self._put("form", kpi.kpi_id, fld.key, form, row, column, values[fld.key])
            if kpi_plan.group_row >= 0:
                for key, data_row in kpi_plan.data_rows.items():
                    self._put(
                        "data", kpi.kpi_id, key, L.DATA_SHEET, data_row + 1, DATA_INPUT + 1, None
                    )
                self._put(
                    "data",
                    kpi.kpi_id,
                    L.COMPUTED,
                    L.DATA_SHEET,
                    kpi_plan.computed_row + 1,
                    DATA_INPUT + 1,
                    TEMPLATE_FORMULA,
                )
            if kpi_plan.survey is not None:
                survey = kpi_plan.survey
                columns = {"round": 1, "respondent": 2}
                for item, column in zip(kpi.survey_items, survey.item_cols, strict=True):
                    columns[L.item_key(item.aspect_no, item.item_no)] = column + 1
                self._surveys[kpi.kpi_id] = (
                    survey.sheet,
                    survey.first_answer + 1,
                    columns,
                    survey.rounds,
                )
        weighted = [f.key for f in L.FORM_FIELDS].index("weighted") + 1
        if plan.kpis:
            self._put(
                "form", "", "total", form, plan.form.total_row + 1, weighted, TEMPLATE_FORMULA
            )
            self._put(
                "form", "", "score_100", form, plan.form.score_row + 1, weighted, TEMPLATE_FORMULA
            )
        else:
            self._put("form", "", "total", form, plan.form.total_row + 1, weighted, None)
            self._put("form", "", "score_100", form, plan.form.score_row + 1, weighted, None)
        target_rows = defs.target_rows()
        fields = L.target_fields(plan.fiscal_year_be) if plan.fiscal_year_be else ()
        first = TARGET_KEY_ROW + 2
        for offset, rec in enumerate(target_rows):
            texts = {
                "kpi_id": rec.kpi_id,
                "name": rec.name,
                "unit": rec.unit,
                "kpi_type": rec.kpi_type,
            }
            for column, fld in enumerate(fields, 1):
                self._put(
                    "target",
                    rec.kpi_id,
                    fld.key,
                    L.TARGET_SHEET,
                    first + offset,
                    column,
                    texts.get(fld.key),
                )
        row = first + len(target_rows) + 1
        for key in L.SIGNOFF_LABELS:
            self._put("signoff", "", key, L.TARGET_SHEET, row, 3, None)
            row += 1

    # --- typing -----------------------------------------------------------------------

    def address(self, table: str, kpi_id: str, field: str) -> str:
        """The A1 address of a cell of a table (``form``, ``data``, ``target``, ``signoff``)."""
        from kpixl.cells import cell_ref

        _sheet, row, column = self._at[(table, kpi_id, field)]
        return cell_ref(row, column)

    def set(self, table: str, kpi_id: str, field: str, value: Any) -> Book:
        """Type ``value`` into a cell of a table.

        Raises:
            KeyError: the table has no such cell.
        """
        sheet, row, column = self._at[(table, kpi_id, field)]
        self._put(table, kpi_id, field, sheet, row, column, value)
        return self

    def form(self, kpi_id: str, value: Any, field: str = "result") -> Book:
        """A form cell of a KPI's row (its result unless ``field`` says otherwise)."""
        return self.set("form", kpi_id, field, value)

    def total(self, value: Any) -> Book:
        """Type over the form's รวม."""
        return self.set("form", "", "total", value)

    def score(self, value: Any) -> Book:
        """Type over the form's score out of 100."""
        return self.set("form", "", "score_100", value)

    def data(self, kpi_id: str, field: str, value: Any) -> Book:
        """A supporting-data input (``numerator``, ``step:1``, ``month:10``, ``item:2`` …)."""
        return self.set("data", kpi_id, field, value)

    def target(self, kpi_id: str, values: dict[str, Any]) -> Book:
        """Cells of a KPI's target-sheet row, by field key (``{"m10": 5, "q1": 15}``)."""
        for key, value in values.items():
            self.set("target", kpi_id, key, value)
        return self

    def signoff_field(self, key: str, value: Any) -> Book:
        """One sign-off field: ``signed_off``, ``signed_by`` or ``signed_on``."""
        return self.set("signoff", "", key, value)

    def signoff(self, who: str, when: dt.date | str) -> Book:
        """Signed off (นำส่งแล้ว) by ``who`` on ``when``."""
        self.signoff_field("signed_off", L.SIGNOFF_YES)
        self.signoff_field("signed_by", who)
        return self.signoff_field("signed_on", when)

    def survey(self, kpi_id: str, answers: list[tuple[Any, list[Any]]]) -> Book:
        """Survey answers, one (round, answers by item) per respondent, from the first row
        (rows below are left as they are, as :meth:`kpixl.fill.Filler.survey` does).

        A row whose answers are all blank is not read (the reader skips it)."""
        sheet, first, columns, rounds = self._surveys[kpi_id]
        items = [k for k in columns if k.startswith("item:")]
        for offset, (round_no, values) in enumerate(answers):
            row = first + offset
            round_value = round_no if round_no is not None or rounds != 1 else 1
            given = {
                "round": round_value,
                "respondent": offset + 1,
                **dict(zip(items, values, strict=True)),
            }
            for key, column in columns.items():
                self._cells[(sheet, row, column)] = {
                    "sheet": sheet,
                    "table": "survey",
                    "kpi_id": kpi_id,
                    "field": key,
                    "row": row,
                    "column": column,
                    **cell_fields(given.get(key)),
                }
        return self

    def input_cells(self) -> list[tuple[str, str, str]]:
        """Every (table, kpi_id, field) a division types into, survey answers aside: the
        form's results (where the template has no formula), every supporting input, every
        target-sheet cell but the centre's, and the sign-off fields."""
        centre = {"kpi_id", "name", "unit", "kpi_type"}
        cells = []
        for (table, kpi_id, key), (sheet, row, column) in self._at.items():
            typed = {
                "form": key == "result"
                and self._cells[(sheet, row, column)]["formula"] != TEMPLATE_FORMULA,
                "data": key != L.COMPUTED,
                "target": key not in centre,
                "signoff": True,
            }
            if typed[table]:
                cells.append((table, kpi_id, key))
        return cells

    def survey_kpis(self) -> list[str]:
        """The survey KPIs, each with its answer sheet."""
        return list(self._surveys)

    def survey_cell(self, kpi_id: str, respondent: int, key: str) -> str:
        """The A1 address of a survey cell (``round`` or an item key) of a respondent (1-based)."""
        from kpixl.cells import cell_ref

        _sheet, first, columns, _rounds = self._surveys[kpi_id]
        return cell_ref(first + respondent - 1, columns[key])

    def survey_items(self, kpi_id: str) -> list[str]:
        """The item keys of a survey KPI, in sheet order."""
        return [k for k in self._surveys[kpi_id][2] if k.startswith("item:")]

    def survey_sheet(self, kpi_id: str) -> str:
        """The answer sheet's name."""
        return self._surveys[kpi_id][0]

    # --- editing the layout -----------------------------------------------------------

    def delete_form_row(self, kpi_id: str) -> Book:
        """Delete a KPI's form row; the rows below move up."""
        _sheet, row, _column = self._at[("form", kpi_id, "kpi_id")]
        self._shift(L.FORM_SHEET, row, -1)
        return self

    def insert_form_row(self, kpi_id: str, **values: Any) -> Book:
        """A row the division added above รวม (field key → value; the others blank)."""
        _sheet, row, _column = self._at[("form", "", "total")]
        self._shift(L.FORM_SHEET, row, +1)
        given = {"kpi_id": kpi_id, **values}
        for column, fld in enumerate(L.FORM_FIELDS, 1):
            self._put("form", kpi_id, fld.key, L.FORM_SHEET, row, column, given.get(fld.key))
        return self

    def _shift(self, sheet: str, row: int, by: int) -> None:
        """Rows from ``row`` move by ``by`` (−1: ``row`` itself is deleted)."""
        moved: dict[tuple[str, int, int], dict[str, Any]] = {}
        for (name, r, c), rec in self._cells.items():
            if name != sheet or r < row:
                moved[(name, r, c)] = rec
            elif by < 0 and r == row:
                continue
            else:
                moved[(name, r + by, c)] = {**rec, "row": r + by}
        self._cells = moved
        self._at = {
            (rec["table"], rec["kpi_id"], rec["field"]): key
            for key, rec in moved.items()
            if rec["table"] != "survey"
        }

    def meta_field(self, key: str, value: str) -> Book:
        """Change a field of the hidden sheet (``fiscal_year_be``, ``division_code`` …)."""
        self.meta[key] = value
        return self

    def tamper(self, change: Any) -> Book:
        """Alter the hidden definitions without their fingerprint (``change(definitions)``);
        the reader then says what no longer matches."""
        assert self.definitions is not None
        change(self.definitions)
        return self

    # --- the result -------------------------------------------------------------------

    def cells(self) -> pd.DataFrame:
        """The cells frame, as the reader builds it (columns :data:`CELL_COLUMNS`): a
        survey row is read when one of its answer cells holds something."""
        answered = {
            (rec["sheet"], rec["row"])
            for rec in self._cells.values()
            if rec["table"] == "survey" and rec["field"].startswith("item:") and _filled(rec)
        }
        records = [
            {"source": self.source, **rec}
            for _key, rec in sorted(self._cells.items(), key=lambda kv: _order(kv[1]))
            if rec["table"] != "survey" or (rec["sheet"], rec["row"]) in answered
        ]
        frame = pd.DataFrame(records, columns=CELL_COLUMNS)
        frame["raw"] = pd.Series([r["raw"] for r in records], index=frame.index, dtype=object)
        frame["percent"] = frame["percent"].astype(bool)
        frame["cached"] = frame["cached"].astype(bool)
        return frame

    def workbook(self) -> WorkbookData:
        """The workbook as :func:`kpixl.reader.read_workbook` would return it."""
        definitions = copy.deepcopy(self.definitions)
        altered, intact = hidden_sheet_state(self.meta, definitions)
        cells = self.cells()
        return WorkbookData(
            source=self.source,
            path=Path(self.source),
            meta=dict(self.meta),
            definitions=definitions,
            cell_columns={name: cells[name].tolist() for name in BOOK_CELL_COLUMNS},
            altered=self.altered if self.altered is not None else altered,
            intact=intact if self.altered is None else False,
        )


# --- a small inline master ------------------------------------------------------------
# Nine KPIs, one per kind, so that every address follows from the layout: form rows 7–15,
# supporting data KPI 2 rows 7–8, KPI 3 rows 12–13, KPI 4 rows 17–19, KPI 6 rows 23–27,
# KPI 8 rows 31–42, survey KPI 5 (two rounds, three questions in two aspects).

PERCENT = [
    "ไม่ถึงร้อยละ ๖๐",
    "ตั้งแต่ร้อยละ ๖๐ แต่ไม่ถึงร้อยละ ๗๐",
    "ตั้งแต่ร้อยละ ๗๐ แต่ไม่ถึงร้อยละ ๘๐",
    "ตั้งแต่ร้อยละ ๘๐ แต่ไม่ถึงร้อยละ ๙๐",
    "ตั้งแต่ร้อยละ ๙๐ ถึงร้อยละ ๑๐๐",
]
GROWTH = [
    "ไม่เกิน ร้อยละ ๑",
    "มากกว่า ร้อยละ ๑ ถึงร้อยละ ๒",
    "มากกว่า ร้อยละ ๒ ถึงร้อยละ ๓",
    "มากกว่า ร้อยละ ๓ ถึงร้อยละ ๔",
    "มากกว่า ร้อยละ ๔",
]
STEPS = [
    "ทำขั้นตอน ที่ ๑ ได้ ๑ คะแนน",
    "ทำขั้นตอน ที่ ๑-๒ ได้ ๒ คะแนน",
    "ทำขั้นตอน ที่ ๑-๓ ได้ ๓ คะแนน",
    "ทำขั้นตอน ที่ ๑-๔ ได้ ๔ คะแนน",
    "ทำขั้นตอน ที่ ๑-๕ ได้ ๕ คะแนน",
]
DATES = [f"ภายในวันที่ {d} ธันวาคม ๒๕๖๔" for d in ("๓๐", "๒๕", "๒๐", "๑๕", "๑๐")]
MONTHLY = [f"ภายในวันที่ {d} ของเดือนถัดไป" for d in ("๓๐", "๒๕", "๒๐", "๑๕", "๑๐")]
AFTER_YEAR_END = [f"ภายใน {d} วัน นับแต่วันสิ้นปี" for d in ("๙๐", "๗๕", "๖๐", "๔๕", "๓๐")]


def kpi(
    kpi_id: str, kind: str, levels: Sequence[str], weight: Any, unit: str = "ร้อยละ", **extra: Any
) -> dict[str, Any]:
    return {
        "kpi_id": kpi_id,
        "issue": "งานทดสอบ",
        "name": f"ตัวชี้วัดทดสอบที่ {kpi_id}",
        "unit": unit,
        "kpi_type": "เชิงปริมาณ",
        "kind": kind,
        **{f"level_{n}": text for n, text in enumerate(levels, 1)},
        "weight": weight,
        **extra,
    }


KPIS = [
    kpi("1", "bands", PERCENT, 20),
    kpi("2", "ratio", PERCENT, 10),
    kpi("3", "growth", GROWTH, 10),
    kpi("4", "weighted_items", PERCENT, 10),
    kpi("5", "survey", PERCENT, 10, survey_rounds=2),
    kpi("6", "milestones", STEPS, 10, unit="ระดับ"),
    kpi("7", "deadline_date", DATES, 10, unit="วัน"),
    kpi("8", "deadline_monthly", MONTHLY, 10, unit="วัน"),
    kpi("9", "deadline_after_year_end", AFTER_YEAR_END, 10, unit="วัน"),
]


def make_master(
    fiscal_year_be: int | str = 2565,
    kpis: Sequence[dict[str, Any]] = KPIS,
    divisions: Sequence[str] = ("A",),
    org: str = "อบจ.ทดสอบ",
) -> M.Master:
    """A master with ``kpis`` for every division in ``divisions``."""

    def each(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"division_code": d, **r} for d in divisions for r in rows]

    return M.Master(
        {"org_name": org, "fiscal_year_be": str(fiscal_year_be)},
        {
            "divisions": M.table_frame(
                M.DIVISIONS, [{"division_code": d, "division_name": f"กอง {d}"} for d in divisions]
            ),
            "kpis": M.table_frame(M.KPIS, each(list(kpis))),
            "steps": M.table_frame(
                M.STEPS,
                each([{"kpi_id": "6", "step": s, "description": f"ขั้นที่ {s}"} for s in range(1, 6)]),
            ),
            "survey_items": M.table_frame(
                M.SURVEY_ITEMS,
                each(
                    [
                        {
                            "kpi_id": "5",
                            "aspect_no": a,
                            "aspect": f"ด้าน {a}",
                            "item_no": i,
                            "item": "ข้อ",
                        }
                        for a, i in ((1, 1), (1, 2), (2, 1))
                    ]
                ),
            ),
            "survey_scale": M.table_frame(M.SURVEY_SCALE, []),
            "items": M.table_frame(
                M.ITEMS,
                each(
                    [
                        {"kpi_id": "4", "item_no": n, "item": f"รายการ {n}", "weight": w}
                        for n, w in ((1, 50), (2, 30), (3, 20))
                    ]
                ),
            ),
        },
    )


def with_kpi(kpi_id: str, **changes: Any) -> list[dict[str, Any]]:
    return [{**k, **changes} if k["kpi_id"] == kpi_id else k for k in KPIS]


_TABLE_ORDER = {"form": 0, "data": 1, "survey": 2, "target": 3, "signoff": 4}


def _filled(rec: dict[str, Any]) -> bool:
    if rec["formula"] or rec["error"]:
        return True
    return rec["raw"] is not None and str(rec["raw"]).strip() != ""


def _order(rec: dict[str, Any]) -> tuple[Any, ...]:
    return (_TABLE_ORDER[rec["table"]], rec["sheet"], rec["row"], rec["column"])


def _meta(defs: Definitions, raw: dict[str, Any]) -> dict[str, str]:
    plan = plan_workbook(defs)
    sheets = {"form": L.FORM_SHEET, "data": L.DATA_SHEET, "target": L.TARGET_SHEET}
    sheets.update({f"survey:{p.kpi.kpi_id}": p.survey.sheet for p in plan.kpis if p.survey})

    return {
        "kpixl": L.MARKER,
        "template_version": str(L.TEMPLATE_VERSION),
        "division_code": defs.division_code,
        "division_name": defs.division_name,
        "fiscal_year_be": str(raw.get("organisation", {}).get("fiscal_year_be", "")),
        "created": "2022-10-01T00:00:00Z",
        "sheets": json.dumps(sheets, ensure_ascii=False, sort_keys=True),
        "fingerprint": fingerprint(raw),
    }
