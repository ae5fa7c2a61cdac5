"""Division workbooks (templates) written with xlsxwriter, one per division.

Each workbook holds the scoring form with live formulas for (ก), (ค), รวม and the score out
of 100, the supporting data each rubric kind needs, one answer sheet per survey KPI, the
target sheet (form A) and a very hidden sheet with the centre's definitions and their
fingerprint. Cells the centre defines are locked (sheet protection); input cells are
unlocked, yellow, and validated as you type. See :mod:`kpixl.layout` for the contract with
the reader.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from kpixl import layout as L
from kpixl.atomic import atomic_path
from kpixl.criteria import CriterionError
from kpixl.fiscal import (
    FISCAL_MONTHS,
    MONTHS_TH_ABBR,
    ce_to_be,
    fiscal_year_end,
    fiscal_year_start,
    month_year_ce,
)
from kpixl.master import Master, division_definitions, fingerprint, kpi_rubric, kpi_value_range
from kpixl.rubric import BandRubric, MilestoneRubric, Rubric
from kpixl.thai import parse_number_text

FONT = "Tahoma"
SURVEY_ROWS = 150
"""Respondent rows prepared on each survey sheet."""
DEFINITIONS_CHUNK = 30000
"""Excel keeps at most 32,767 characters in a cell; the definitions JSON is split."""


def ref(sheet: str, row: int, col: int) -> str:
    """An absolute cross-sheet reference from 0-based row and column."""
    return f"'{sheet}'!{xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)}"


def _tick_done(cell: str) -> str:
    choices = ",".join(f'"{t}"' for t in L.TICKS_DONE)
    return f'ISNUMBER(MATCH(TRIM({cell}&""),{{{choices}}},0))'


def workbook_name(master: Master, division_code: str) -> str:
    """File name of a division's workbook: ``kpixl_2565_FIN.xlsx``."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", division_code) or "division"
    return f"kpixl_{master.fiscal_year_be}_{safe}.xlsx"


def write_templates(master: Master, out_dir: Path | str) -> list[Path]:
    """Write one division workbook per division of ``master`` into ``out_dir``.

    Returns:
        The paths written, in division order.
    """
    out = Path(out_dir)
    return [
        write_division_workbook(master, code, out / workbook_name(master, code))
        for code in master.division_codes()
    ]


@dataclass
class _Kpi:
    """One scored row of the form, with where its pieces go."""

    rec: dict[str, Any]
    rubric: Rubric | None
    rubric_error: str = ""
    form_row: int = 0
    data_rows: dict[str, int] = field(default_factory=dict)
    survey_sheet: str = ""
    survey_percent: str = ""


def write_division_workbook(master: Master, division_code: str, path: Path | str) -> Path:
    """Write the workbook of one division (atomically).

    Raises:
        KeyError: ``division_code`` is not in the master.
    """
    definitions = division_definitions(master, division_code)
    with atomic_path(Path(path)) as temp:
        book = xlsxwriter.Workbook(
            str(temp), {"strings_to_formulas": False, "strings_to_urls": False}
        )
        _Writer(book, master, definitions).write()
        book.close()
    return Path(path)


class _Writer:
    def __init__(self, book: Any, master: Master, definitions: dict[str, Any]) -> None:
        self.book = book
        self.master = master
        self.defs = definitions
        self.fy = master.fiscal_year_be
        self.password = master.organisation.get("sheet_password", "")
        self.division = definitions["division"]
        self.kpis = [r for r in definitions["kpis"] if r.get("kind")]
        self.f = self._formats()

    # -- formats ------------------------------------------------------------------------
    def _formats(self) -> dict[str, Any]:
        base = {"font_name": FONT, "font_size": 10, "valign": "top", "text_wrap": True}
        border = {**base, "border": 1}

        def fmt(**extra: Any) -> Any:
            return self.book.add_format({**border, **extra})

        return {
            "title": self.book.add_format(
                {**base, "bold": True, "font_size": 14, "text_wrap": False}
            ),
            "subtitle": self.book.add_format({**base, "font_size": 11, "text_wrap": False}),
            "note": self.book.add_format(
                {**base, "italic": True, "font_color": "#555555", "text_wrap": False}
            ),
            "header": fmt(bold=True, align="center", valign="vcenter", bg_color="#DDEBF7"),
            "key": self.book.add_format({"font_size": 8, "font_color": "#999999"}),
            "text": fmt(),
            "center": fmt(align="center"),
            "number": fmt(num_format="#,##0.##", align="center"),
            "group": fmt(bold=True, bg_color="#F2F2F2"),
            "input": fmt(locked=False, bg_color="#FFF2CC", num_format="#,##0.##"),
            "input_text": fmt(locked=False, bg_color="#FFF2CC"),
            "input_date": fmt(locked=False, bg_color="#FFF2CC", num_format="d mmm yyyy"),
            "input_tick": fmt(locked=False, bg_color="#FFF2CC", align="center"),
            "formula": fmt(bg_color="#E2EFDA", num_format="#,##0.##", align="center"),
            "formula_date": fmt(bg_color="#E2EFDA", num_format="d mmm yyyy", align="center"),
            "total": fmt(bold=True, bg_color="#E2EFDA", num_format="#,##0.00", align="center"),
            "total_label": fmt(bold=True, align="right"),
            "bad": self.book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"}),
            "warn": self.book.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"}),
        }

    def _protect(self, sheet: Any) -> None:
        sheet.protect(
            self.password,
            {
                "format_columns": True,
                "format_rows": True,
                "select_locked_cells": True,
                "select_unlocked_cells": True,
            },
        )

    def _print_setup(self, sheet: Any, repeat: tuple[int, int]) -> None:
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(*repeat)
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        sheet.set_footer("&Cหน้า &P / &N")

    # -- the whole workbook -------------------------------------------------------------
    def write(self) -> None:
        plans = [self._plan(rec) for rec in self.kpis]
        form = self.book.add_worksheet(L.FORM_SHEET)
        data = self.book.add_worksheet(L.DATA_SHEET) if self._needs_data(plans) else None
        surveys = {
            p.rec["kpi_id"]: self.book.add_worksheet(L.survey_sheet_name(p.rec["kpi_id"]))
            for p in plans
            if p.rec["kind"] == "survey"
        }
        target = self.book.add_worksheet(L.TARGET_SHEET)
        meta = self.book.add_worksheet(L.META_SHEET)
        for plan in plans:
            if plan.rec["kind"] == "survey":
                self._write_survey(surveys[plan.rec["kpi_id"]], plan)
        if data is not None:
            self._write_data(data, plans)
        self._write_form(form, plans)
        self._write_target(target)
        self._write_meta(meta)
        form.activate()

    def _plan(self, rec: dict[str, Any]) -> _Kpi:
        try:
            return _Kpi(rec, kpi_rubric(rec))
        except (CriterionError, ValueError) as error:
            return _Kpi(rec, None, str(error))

    def _needs_data(self, plans: list[_Kpi]) -> bool:
        return any(
            p.rec["kind"] in L.KINDS_WITH_COMPUTED and p.rec["kind"] != "survey" for p in plans
        )

    def _items(self, key: str, kpi_id: str) -> list[dict[str, Any]]:
        return [r for r in self.defs[key] if r["kpi_id"] == kpi_id]

    # -- supporting data ----------------------------------------------------------------
    def _write_data(self, sheet: Any, plans: list[_Kpi]) -> None:
        f = self.f
        sheet.write_string(
            0, 0, f"ข้อมูลประกอบการคิดคะแนน — {self.division['division_name']}", f["title"]
        )
        sheet.write_string(
            1, 0, "กรอกเฉพาะช่องสีเหลือง ช่องสีเขียวคำนวณให้อัตโนมัติ ขั้นตอนที่ทำแล้วให้ใส่ ✓", f["note"]
        )
        header_row, key_row = 3, 4
        for col, fld in enumerate(L.DATA_FIELDS):
            sheet.write_string(header_row, col, fld.label, f["header"])
            sheet.write_string(key_row, col, fld.key, f["key"])
            sheet.set_column(col, col, fld.width)
        sheet.set_row(key_row, None, None, {"hidden": True})
        row = key_row + 1
        for plan in plans:
            kind = plan.rec["kind"]
            if kind not in L.KINDS_WITH_COMPUTED or kind == "survey":
                continue
            kpi_id = plan.rec["kpi_id"]
            sheet.merge_range(
                row,
                0,
                row,
                len(L.DATA_FIELDS) - 1,
                f"ตัวชี้วัดที่ {kpi_id} {plan.rec['name']}",
                f["group"],
            )
            row += 1
            fields = self._data_rows(plan)
            first = row
            for key, label, unit in fields:
                plan.data_rows[key] = row
                sheet.write_string(row, 0, kpi_id, f["center"])
                sheet.write_string(row, 1, key, f["key"])
                sheet.write_string(row, 2, label, f["text"])
                sheet.set_row(row, L.row_height([(label, L.DATA_FIELDS[2].width)]))
                self._write_data_input(sheet, row, kind, key, unit)
                row += 1
            last = row - 1
            plan.data_rows[L.COMPUTED] = row
            sheet.write_string(row, 0, kpi_id, f["center"])
            sheet.write_string(row, 1, L.COMPUTED, f["key"])
            sheet.write_string(row, 2, "ผลที่คำนวณได้ (ใช้คิดคะแนน)", f["total_label"])
            sheet.write_formula(row, 3, self._computed_formula(plan, first, last), f["formula"], "")
            sheet.write_string(
                row, 4, "ร้อยละ" if kind in ("ratio", "growth", "weighted_items") else "", f["text"]
            )
            sheet.write_blank(row, 5, None, f["text"])
            row += 2
        sheet.freeze_panes(key_row + 1, 0)
        self._print_setup(sheet, (header_row, header_row))
        self._protect(sheet)

    def _data_rows(self, plan: _Kpi) -> list[tuple[str, str, str]]:
        rec, kind = plan.rec, plan.rec["kind"]
        if kind == "ratio":
            return [
                ("numerator", "ตัวตั้ง: " + (rec["numerator_label"] or "จำนวนที่ทำได้"), ""),
                ("denominator", "ตัวหาร: " + (rec["denominator_label"] or "จำนวนทั้งหมด"), ""),
            ]
        if kind == "growth":
            return [
                ("this_year", "ผลปีนี้: " + (rec["numerator_label"] or f"ปี {self.fy}"), ""),
                ("last_year", "ผลปีที่แล้ว: " + (rec["denominator_label"] or f"ปี {self.fy - 1}"), ""),
            ]
        if kind == "milestones":
            steps = {s["step"]: s["description"] for s in self._items("steps", rec["kpi_id"])}
            count = plan.rubric.steps if isinstance(plan.rubric, MilestoneRubric) else 5
            return [
                (f"step:{n}", f"ขั้นตอนที่ {n}: {steps.get(str(n), '')}".strip(), "✓")
                for n in range(1, count + 1)
            ]
        if kind == "deadline_monthly":
            rows = []
            for month in FISCAL_MONTHS:
                year_be = ce_to_be(month_year_ce(self.fy, month))
                label = f"รายงานประจำเดือน {MONTHS_TH_ABBR[month - 1]} {year_be}: วันที่จัดส่ง"
                rows.append((f"month:{month}", label, "วัน"))
            return rows
        if kind == "weighted_items":
            return [
                (
                    f"item:{i['item_no']}",
                    f"รายการที่ {i['item_no']}: {i['item']} (ร้อยละ)",
                    i["weight"],
                )
                for i in self._items("items", rec["kpi_id"])
            ]
        return []

    def _write_data_input(self, sheet: Any, row: int, kind: str, key: str, unit: str) -> None:
        f = self.f
        if kind == "milestones":
            sheet.write_blank(row, 3, None, f["input_tick"])
            sheet.data_validation(
                row,
                3,
                row,
                3,
                {
                    "validate": "list",
                    "source": ["✓", L.NOT_DONE],
                    "input_title": "ทำแล้ว?",
                    "input_message": f"ใส่ ✓ เมื่อทำขั้นตอนนี้เสร็จแล้ว หรือ {L.NOT_DONE}",
                },
            )
            sheet.write_string(row, 4, "", f["text"])
            sheet.write_blank(row, 5, None, f["text"])
            return
        if kind == "deadline_monthly":
            sheet.write_blank(row, 3, None, f["input_date"])
            self._date_validation(sheet, row, 3)
            month = int(key.split(":")[1])
            year = month_year_ce(self.fy, month)
            month_end = f"DATE({year},{month + 1},0)" if month < 12 else f"DATE({year},12,31)"
            cell = xl_rowcol_to_cell(row, 3)
            sheet.write_string(row, 4, "วันหลังสิ้นเดือน", f["text"])
            sheet.write_formula(
                row, 5, f'IF(ISNUMBER({cell}),{cell}-{month_end},"")', f["formula"], ""
            )
            return
        sheet.write_blank(row, 3, None, f["input"])
        sheet.data_validation(
            row,
            3,
            row,
            3,
            {
                "validate": "decimal",
                "criteria": ">=",
                "value": 0 if kind != "growth" else -1e15,
                "error_type": "warning",
                "error_title": "ตัวเลขเท่านั้น",
                "error_message": "กรอกเป็นตัวเลข",
                "ignore_blank": True,
            },
        )
        item_weight = parse_number_text(unit) if kind == "weighted_items" else None
        if item_weight is not None:
            sheet.write_number(row, 4, item_weight, f["number"])
        else:
            sheet.write_string(row, 4, unit, f["text"])
        sheet.write_blank(row, 5, None, f["text"])

    def _computed_formula(self, plan: _Kpi, first: int, last: int) -> str:
        kind = plan.rec["kind"]
        cells = {k: xl_rowcol_to_cell(r, 3) for k, r in plan.data_rows.items()}
        if kind == "ratio":
            n, d = cells["numerator"], cells["denominator"]
            return f'IF(AND(ISNUMBER({n}),ISNUMBER({d})),IF({d}<>0,{n}*100/{d},""),"")'
        if kind == "growth":
            t, p = cells["this_year"], cells["last_year"]
            return f'IF(AND(ISNUMBER({t}),ISNUMBER({p})),IF({p}<>0,({t}-{p})*100/{p},""),"")'
        if kind == "milestones":
            steps = [cells[f"step:{n}"] for n in range(1, len(cells))]
            formula = str(len(steps))
            for number in range(len(steps), 0, -1):
                formula = f"IF({_tick_done(steps[number - 1])},{formula},{number - 1})"
            ticks = f"{xl_rowcol_to_cell(first, 3)}:{xl_rowcol_to_cell(last, 3)}"
            # Nothing entered at all is "not reported" (no level), not "no step done".
            return f'IF(COUNTA({ticks})=0,"",{formula})'
        if kind == "deadline_monthly":
            helper = f"{xl_rowcol_to_cell(first, 5)}:{xl_rowcol_to_cell(last, 5)}"
            # every month must be reported before the worst one is known (as kpixl scores it)
            months = last - first + 1
            return f'IF(COUNT({helper})={months},MAX({helper}),"")'
        if kind == "weighted_items":
            values = f"{xl_rowcol_to_cell(first, 3)}:{xl_rowcol_to_cell(last, 3)}"
            weights = f"{xl_rowcol_to_cell(first, 4)}:{xl_rowcol_to_cell(last, 4)}"
            count = last - first + 1
            return f'IF(COUNT({values})={count},SUMPRODUCT({values},{weights})/SUM({weights}),"")'
        raise ValueError(kind)

    def _date_validation(self, sheet: Any, row: int, col: int) -> None:
        start = fiscal_year_start(self.fy)
        end = fiscal_year_end(self.fy) + dt.timedelta(days=365)
        sheet.data_validation(
            row,
            col,
            row,
            col,
            {
                "validate": "date",
                "criteria": "between",
                "minimum": dt.datetime.combine(start, dt.time()),
                "maximum": dt.datetime.combine(end, dt.time()),
                "error_type": "stop",
                "error_title": "วันที่ไม่อยู่ในช่วง",
                "error_message": f"กรอกวันที่ระหว่าง {start:%d/%m}/{ce_to_be(start.year)} ถึง "
                f"{end:%d/%m}/{ce_to_be(end.year)} (ระบบเก็บเป็นวันที่ ค.ศ.)",
            },
        )

    # -- surveys ------------------------------------------------------------------------
    def _write_survey(self, sheet: Any, plan: _Kpi) -> None:
        f = self.f
        rec = plan.rec
        # A count the master check rejects (blank, 0, text) must not break the sheet.
        given = parse_number_text(str(rec.get("survey_rounds", "")))
        rounds = int(given) if given is not None and given >= 1 and given.is_integer() else 1
        items = self._items("survey_items", rec["kpi_id"])
        aspects: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            aspects.setdefault(item["aspect_no"], []).append(item)
        sheet.write_string(
            0, 0, f"แบบสำรวจความพึงพอใจ ตัวชี้วัดที่ {rec['kpi_id']}: {rec['name']}", f["title"]
        )
        sheet.write_string(
            1,
            0,
            "กรอกคำตอบ ๑–๕ (๕ = พอใจมากที่สุด) หนึ่งแถวต่อผู้ตอบหนึ่งคน; ครั้งที่สำรวจ = รอบของการสำรวจ",
            f["note"],
        )
        first_item_col = len(L.SURVEY_FIXED)
        item_cols = list(range(first_item_col, first_item_col + len(items)))
        aspect_cols = list(
            range(
                item_cols[-1] + 1 if item_cols else first_item_col,
                (item_cols[-1] + 1 if item_cols else first_item_col) + len(aspects),
            )
        )
        overall_col = (aspect_cols[-1] + 1) if aspect_cols else first_item_col
        percent_col = overall_col + 1
        aspect_row, item_row = 3, 4
        mean_row0 = 5
        avg_row = mean_row0 + rounds
        table_header = avg_row + 2
        key_row = table_header + 1
        first_answer, last_answer = key_row + 1, key_row + SURVEY_ROWS
        sheet.write_string(aspect_row, 0, "ด้าน", f["header"])
        sheet.write_string(item_row, 0, "ข้อคำถาม", f["header"])
        sheet.write_blank(aspect_row, 1, None, f["header"])
        sheet.write_blank(item_row, 1, None, f["header"])
        col = first_item_col
        for aspect_no, members in aspects.items():
            label = f"ด้านที่ {aspect_no} {members[0]['aspect']}"
            if len(members) > 1:
                sheet.merge_range(
                    aspect_row, col, aspect_row, col + len(members) - 1, label, f["header"]
                )
            else:
                sheet.write_string(aspect_row, col, label, f["header"])
            for item in members:
                sheet.write_string(
                    item_row, col, f"{aspect_no}.{item['item_no']} {item['item']}", f["text"]
                )
                sheet.write_string(table_header, col, f"{aspect_no}.{item['item_no']}", f["header"])
                sheet.write_string(key_row, col, L.item_key(aspect_no, item["item_no"]), f["key"])
                sheet.set_column(col, col, 14)
                col += 1
        for aspect_col, aspect_no in zip(aspect_cols, aspects, strict=True):
            sheet.write_string(item_row, aspect_col, f"ค่าเฉลี่ยด้านที่ {aspect_no}", f["header"])
            sheet.set_column(aspect_col, aspect_col, 12)
        sheet.write_string(item_row, overall_col, "ค่าเฉลี่ยรวม", f["header"])
        sheet.write_string(item_row, percent_col, "ร้อยละความพึงพอใจ", f["header"])
        sheet.set_column(overall_col, percent_col, 13)
        sheet.set_column(0, 1, 12)
        round_range = (
            f"{xl_rowcol_to_cell(first_answer, 0, row_abs=True, col_abs=True)}"
            f":{xl_rowcol_to_cell(last_answer, 0, row_abs=True, col_abs=True)}"
        )
        for r in range(1, rounds + 1):
            row = mean_row0 + r - 1
            sheet.write_string(row, 0, f"ค่าเฉลี่ยครั้งที่ {r}", f["total_label"])
            sheet.write_blank(row, 1, None, f["text"])
            for item_col in item_cols:
                answers = (
                    f"{xl_rowcol_to_cell(first_answer, item_col, row_abs=True)}:"
                    f"{xl_rowcol_to_cell(last_answer, item_col, row_abs=True)}"
                )
                sheet.write_formula(
                    row,
                    item_col,
                    f'IFERROR(AVERAGEIFS({answers},{round_range},{r},{answers},">=1",'
                    f'{answers},"<=5"),"")',
                    f["formula"],
                    "",
                )
            col = first_item_col
            for aspect_col, members in zip(aspect_cols, aspects.values(), strict=True):
                span = (
                    f"{xl_rowcol_to_cell(row, col)}:"
                    f"{xl_rowcol_to_cell(row, col + len(members) - 1)}"
                )
                sheet.write_formula(
                    row, aspect_col, f'IFERROR(AVERAGE({span}),"")', f["formula"], ""
                )
                col += len(members)
            span = ":".join(xl_rowcol_to_cell(row, c) for c in (aspect_cols[0], aspect_cols[-1]))
            overall = xl_rowcol_to_cell(row, overall_col)
            sheet.write_formula(row, overall_col, f'IFERROR(AVERAGE({span}),"")', f["formula"], "")
            sheet.write_formula(
                row, percent_col, f'IF(ISNUMBER({overall}),{overall}*100/5,"")', f["formula"], ""
            )
        sheet.write_string(avg_row, 0, "ร้อยละความพึงพอใจ (เฉลี่ยทุกครั้ง)", f["total_label"])
        percents = (
            f"{xl_rowcol_to_cell(mean_row0, percent_col)}:"
            f"{xl_rowcol_to_cell(avg_row - 1, percent_col)}"
        )
        sheet.write_formula(
            avg_row, percent_col, f'IFERROR(AVERAGE({percents}),"")', f["total"], ""
        )
        plan.survey_sheet = sheet.name
        plan.survey_percent = ref(sheet.name, avg_row, percent_col)
        for col, fld in enumerate(L.SURVEY_FIXED):
            sheet.write_string(table_header, col, fld.label, f["header"])
            sheet.write_string(key_row, col, fld.key, f["key"])
        sheet.write_string(key_row, percent_col, f"kpi:{rec['kpi_id']}", f["key"])
        sheet.set_row(key_row, None, None, {"hidden": True})
        for row in range(first_answer, last_answer + 1):
            if rounds == 1:
                sheet.write_number(row, 0, 1, f["input"])
            else:
                sheet.write_blank(row, 0, None, f["input"])
            sheet.write_number(row, 1, row - first_answer + 1, f["center"])
            for item_col in item_cols:
                sheet.write_blank(row, item_col, None, f["input"])
        sheet.data_validation(
            first_answer,
            0,
            last_answer,
            0,
            {
                "validate": "integer",
                "criteria": "between",
                "minimum": 1,
                "maximum": rounds,
                "error_title": "ครั้งที่สำรวจ",
                "error_message": f"ครั้งที่ 1 ถึง {rounds}",
            },
        )
        if item_cols:
            sheet.data_validation(
                first_answer,
                item_cols[0],
                last_answer,
                item_cols[-1],
                {
                    "validate": "integer",
                    "criteria": "between",
                    "minimum": 1,
                    "maximum": 5,
                    "error_title": "คำตอบ ๑–๕",
                    "error_message": "คำตอบต้องเป็นเลข 1 ถึง 5",
                },
            )
        sheet.freeze_panes(key_row + 1, len(L.SURVEY_FIXED))
        self._print_setup(sheet, (table_header, table_header))
        self._protect(sheet)

    # -- the scoring form ---------------------------------------------------------------
    def _write_form(self, sheet: Any, plans: list[_Kpi]) -> None:
        f = self.f
        cols = {fld.key: i for i, fld in enumerate(L.FORM_FIELDS)}
        last_col = len(L.FORM_FIELDS) - 1
        sheet.write_string(
            0, 0, f"แบบกำหนดและประเมินผลสัมฤทธิ์ของงานของ {self.division['division_name']}", f["title"]
        )
        sheet.write_string(
            1,
            0,
            f"{self.master.organisation.get('org_name', '')} ประจำปีงบประมาณ พ.ศ. {self.fy}",
            f["subtitle"],
        )
        sheet.write_string(
            2,
            0,
            "กรอกเฉพาะช่องสีเหลือง ช่องสีเขียวคำนวณให้อัตโนมัติ "
            "(รายละเอียดตัวชี้วัดที่ต้องใช้ข้อมูลประกอบ กรอกในแผ่นงาน “ข้อมูลประกอบ”)",
            f["note"],
        )
        group_row, header_row, key_row = 3, 4, 5
        sheet.merge_range(group_row, 0, group_row, 3, "เป้าหมายในการปฏิบัติงาน", f["header"])
        sheet.merge_range(group_row, 4, group_row, 8, "คะแนนตามระดับค่าเป้าหมาย", f["header"])
        sheet.merge_range(group_row, 9, group_row, last_col - 1, "ผลสัมฤทธิ์ของงาน", f["header"])
        sheet.write_blank(group_row, last_col, None, f["header"])
        for col, fld in enumerate(L.FORM_FIELDS):
            sheet.write_string(header_row, col, fld.label, f["header"])
            sheet.write_string(key_row, col, fld.key, f["key"])
            sheet.set_column(col, col, fld.width)
        sheet.set_row(header_row, 48)
        sheet.set_row(key_row, None, None, {"hidden": True})
        row = key_row + 1
        first = row
        for plan in plans:
            plan.form_row = row
            self._write_form_row(sheet, row, plan, cols)
            row += 1
        last = row - 1
        total_row, score_row = row, row + 1
        weighted_range = (
            f"{xl_rowcol_to_cell(first, cols['weighted'])}:"
            f"{xl_rowcol_to_cell(last, cols['weighted'])}"
        )
        weight_range = (
            f"{xl_rowcol_to_cell(first, cols['weight'])}:{xl_rowcol_to_cell(last, cols['weight'])}"
        )
        sheet.write_string(total_row, 0, L.TOTAL_LABEL, f["total_label"])
        sheet.merge_range(total_row, 1, total_row, cols["level"], "รวม", f["total_label"])
        if plans:
            sheet.write_formula(
                total_row,
                cols["weight"],
                f"SUM({weight_range})",
                f["total"],
                sum(parse_number_text(p.rec["weight"]) or 0.0 for p in plans),
            )
            sheet.write_formula(
                total_row, cols["weighted"], f"SUM({weighted_range})", f["total"], 0
            )
        else:
            # No scored KPI (a target-sheet-only division): a SUM over no rows would refer
            # to the total cell itself, a circular reference; kpixl gives no total either.
            sheet.write_blank(total_row, cols["weight"], None, f["total"])
            sheet.write_blank(total_row, cols["weighted"], None, f["total"])
        sheet.write_blank(total_row, cols["hint"], None, f["text"])
        sheet.write_string(score_row, 0, L.SCORE_LABEL, f["total_label"])
        sheet.merge_range(
            score_row,
            1,
            score_row,
            cols["weight"],
            "สรุปคะแนน เต็ม ๑๐๐ = รวมคะแนน (ค) × ๒๐",
            f["total_label"],
        )
        total_cell = xl_rowcol_to_cell(total_row, cols["weighted"])
        if plans:
            sheet.write_formula(score_row, cols["weighted"], f"{total_cell}*20", f["total"], 0)
        else:
            sheet.write_blank(score_row, cols["weighted"], None, f["total"])
        sheet.write_blank(score_row, cols["hint"], None, f["text"])
        sheet.freeze_panes(key_row + 1, 3)
        self._print_setup(sheet, (group_row, header_row))
        self._protect(sheet)

    def _write_form_row(self, sheet: Any, row: int, plan: _Kpi, cols: dict[str, int]) -> None:
        f, rec, kind = self.f, plan.rec, plan.rec["kind"]
        sheet.write_string(row, cols["kpi_id"], rec["kpi_id"], f["center"])
        issue = rec["issue"]
        sheet.write_string(row, cols["issue"], issue, f["text"])
        sheet.write_string(row, cols["name"], rec["name"], f["text"])
        sheet.write_string(row, cols["unit"], rec["unit"], f["center"])
        for n in range(1, 6):
            sheet.write_string(row, cols[f"level_{n}"], rec[f"level_{n}"], f["text"])
        result = cols["result"]
        result_cell = xl_rowcol_to_cell(row, result)
        computed = (
            ref(L.DATA_SHEET, plan.data_rows[L.COMPUTED], 3)
            if L.COMPUTED in plan.data_rows
            else plan.survey_percent
        )
        hint = ""
        if kind in L.KINDS_RESULT_IS_FORMULA:
            sheet.write_formula(
                row, result, f'IF(ISNUMBER({computed}),{computed},"")', f["formula"], ""
            )
            value = f'IF(ISNUMBER({result_cell}),{result_cell},"")'
            hint = (
                "ใส่ ✓ ขั้นตอนที่ทำแล้วในแผ่นงาน ข้อมูลประกอบ"
                if kind == "milestones"
                else "กรอกวันที่ส่งรายงานแต่ละเดือนในแผ่นงาน ข้อมูลประกอบ (ช่องนี้ = จำนวนวัน"
                "หลังสิ้นเดือนของเดือนที่ช้าที่สุด เมื่อกรอกครบทุกเดือน)"
            )
        elif kind in ("deadline_date", "deadline_after_year_end"):
            sheet.write_blank(row, result, None, f["input_date"])
            self._date_validation(sheet, row, result)
            if kind == "deadline_date":
                value = f'IF(ISNUMBER({result_cell}),{result_cell},"")'
            else:
                end = fiscal_year_end(self.fy)
                value = (
                    f"IF(ISNUMBER({result_cell}),{result_cell}-DATE({end.year},{end.month},"
                    f'{end.day}),"")'
                )
            hint = "กรอกวันที่ส่ง (วัน/เดือน/ปี)"
        else:
            sheet.write_blank(row, result, None, f["input"])
            self._result_validation(sheet, row, result, plan)
            if kind == "bands" or not computed:  # not computed: a kind the master rejects
                value = f'IF(ISNUMBER({result_cell}),{result_cell},"")'
                hint = f"กรอกผลการดำเนินงาน ({rec['unit']})"
            else:
                value = (
                    f"IF(ISNUMBER({computed}),{computed},"
                    f'IF(ISNUMBER({result_cell}),{result_cell},""))'
                )
                hint = (
                    f"กรอกผลที่รายงาน และกรอกคำตอบแบบสำรวจในแผ่นงาน “{plan.survey_sheet}”"
                    if kind == "survey"
                    else "กรอกผลที่รายงาน และข้อมูลประกอบในแผ่นงาน ข้อมูลประกอบ"
                )
        value_fmt = f["formula_date"] if kind == "deadline_date" else f["formula"]
        sheet.write_formula(row, cols["value"], value, value_fmt, "")
        value_cell = xl_rowcol_to_cell(row, cols["value"])
        level_cell = xl_rowcol_to_cell(row, cols["level"])
        weight_cell = xl_rowcol_to_cell(row, cols["weight"])
        if plan.rubric is not None:
            sheet.write_formula(
                row, cols["level"], plan.rubric.excel_formula(value_cell), f["formula"], ""
            )
        else:
            sheet.write_string(row, cols["level"], "", f["formula"])
            hint = f"เกณฑ์อ่านไม่ได้ — ส่วนกลางจะแก้ไข ({plan.rubric_error})"
        weight = rec["weight"]
        weight_number = parse_number_text(weight)
        if weight_number is not None:
            sheet.write_number(row, cols["weight"], weight_number, f["number"])
        else:
            sheet.write_string(row, cols["weight"], weight, f["number"])
        sheet.write_formula(
            row,
            cols["weighted"],
            f'IF(ISNUMBER({level_cell}),{level_cell}*{weight_cell}/100,"")',
            f["formula"],
            "",
        )
        sheet.write_string(row, cols["hint"], hint, f["text"])
        widths = {fld.key: fld.width for fld in L.FORM_FIELDS}
        texts = [(issue, widths["issue"]), (rec["name"], widths["name"]), (hint, widths["hint"])]
        texts += [(rec[f"level_{n}"], widths[f"level_{n}"]) for n in range(1, 6)]
        sheet.set_row(row, L.row_height(texts))

    def _result_validation(self, sheet: Any, row: int, col: int, plan: _Kpi) -> None:
        rubric = plan.rubric
        # The master's range also holds when the criteria cannot be read.
        low, high = (
            rubric.value_range
            if isinstance(rubric, BandRubric)
            else kpi_value_range(plan.rec) or (None, None)
        )
        options: dict[str, Any] = {"error_title": "ตรวจสอบค่า", "ignore_blank": True}
        if low is not None and high is not None:
            options.update(
                validate="decimal",
                criteria="between",
                minimum=low,
                maximum=high,
                error_message=f"กรอกตัวเลขระหว่าง {low:g} ถึง {high:g}",
            )
        elif low is not None:
            options.update(
                validate="decimal",
                criteria=">=",
                value=low,
                error_message=f"กรอกตัวเลขตั้งแต่ {low:g} ขึ้นไป",
            )
        else:
            options.update(
                validate="decimal",
                criteria="between",
                minimum=-1e15,
                maximum=1e15,
                error_message="กรอกเป็นตัวเลข",
            )
        sheet.data_validation(row, col, row, col, options)

    # -- the target sheet (form A) ------------------------------------------------------
    def _write_target(self, sheet: Any) -> None:
        f = self.f
        fields = L.target_fields(self.fy)
        cols = {fld.key: i for i, fld in enumerate(fields)}
        sheet.write_string(
            0, 0, f"แผนการดำเนินงานและค่าเป้าหมายตัวชี้วัด — {self.division['division_name']}", f["title"]
        )
        sheet.write_string(
            1,
            0,
            f"ปีงบประมาณ พ.ศ. {self.fy} (รหัส ชื่อตัวชี้วัด หน่วยนับ และประเภท ส่วนกลางกำหนด แก้ไขไม่ได้)",
            f["subtitle"],
        )
        sheet.write_string(
            2,
            0,
            "ช่องแผน/ผลรับเฉพาะตัวเลข ๐–๙ และ , / . - · กรอกรายเดือนแล้วต้องกรอก"
            "รวมไตรมาส · กรอกรวมไตรมาสแล้วต้องกรอกรวมทั้งสิ้น",
            f["note"],
        )
        group_row, sub_row, header_row, key_row = 3, 4, 5, 6
        sheet.merge_range(group_row, 0, sub_row, 3, "ตัวชี้วัด", f["header"])
        sheet.merge_range(
            group_row,
            cols["m10"],
            group_row,
            cols["total"],
            f"แผนการดำเนินงาน ปีงบประมาณ {self.fy}",
            f["header"],
        )
        for quarter, months in L.QUARTER_MONTHS.items():
            start = cols[L.month_key(months[0])]
            names = f"{MONTHS_TH_ABBR[months[0] - 1]}–{MONTHS_TH_ABBR[months[-1] - 1]}"
            sheet.merge_range(
                sub_row,
                start,
                sub_row,
                cols[f"q{quarter}"],
                f"ไตรมาส {quarter} ({names})",
                f["header"],
            )
        sheet.write_string(sub_row, cols["total"], "", f["header"])
        first_prior = cols[f"plan_{self.fy - 3}"]
        sheet.merge_range(
            group_row,
            first_prior,
            group_row,
            first_prior + 5,
            "ปีก่อนหน้า: แผน / ผลการดำเนินงาน",
            f["header"],
        )
        for offset, year in enumerate(range(self.fy - 3, self.fy)):
            col = first_prior + 2 * offset
            sheet.merge_range(sub_row, col, sub_row, col + 1, f"ปีงบประมาณ {year}", f["header"])
        estimates = L.estimate_years(self.fy)
        first_est = cols[estimates[0][0]]
        sheet.merge_range(
            group_row,
            first_est,
            group_row,
            first_est + len(estimates) - 1,
            "ปีประมาณการ (แผน)",
            f["header"],
        )
        for key, _label in estimates:
            sheet.write_string(sub_row, cols[key], "ปีงบประมาณ", f["header"])
        sheet.merge_range(
            group_row,
            cols["success_factor"],
            sub_row,
            cols["success_factor"],
            "Success Factor",
            f["header"],
        )
        for col, fld in enumerate(fields):
            sheet.write_string(header_row, col, fld.label, f["header"])
            sheet.write_string(key_row, col, fld.key, f["key"])
            sheet.set_column(col, col, fld.width)
        sheet.set_row(key_row, None, None, {"hidden": True})
        row = key_row + 1
        first = row
        for rec in self._target_kpis():
            self._write_target_row(sheet, row, rec, cols)
            row += 1
        last = row - 1
        if last >= first:
            self._target_formatting(sheet, first, last, cols)
        row += 1
        for key, label in L.SIGNOFF_LABELS.items():
            sheet.write_string(row, 0, label, f["total_label"])
            sheet.merge_range(
                row, 1, row, 2, "", f["input_date" if key == "signed_on" else "input_text"]
            )
            if key == "signed_off":
                sheet.data_validation(
                    row, 1, row, 1, {"validate": "list", "source": [L.SIGNOFF_YES, L.SIGNOFF_NO]}
                )
            elif key == "signed_on":
                self._date_validation(sheet, row, 1)
            row += 1
        sheet.freeze_panes(key_row + 1, 2)
        self._print_setup(sheet, (group_row, header_row))
        self._protect(sheet)

    def _target_kpis(self) -> list[dict[str, Any]]:
        """One row per KPI; the quarter rows of a quarterly KPI become one row."""
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        for rec in self.defs["kpis"]:
            if rec.get("group_id"):
                if rec["group_id"] in seen:
                    continue
                seen.add(rec["group_id"])
                rows.append(
                    {**rec, "kpi_id": rec["group_id"], "name": rec.get("group_name") or rec["name"]}
                )
            else:
                rows.append(rec)
        return rows

    def _write_target_row(
        self, sheet: Any, row: int, rec: dict[str, Any], cols: dict[str, int]
    ) -> None:
        f = self.f
        sheet.write_string(row, cols["kpi_id"], rec["kpi_id"], f["center"])
        sheet.write_string(row, cols["name"], rec["name"], f["text"])
        sheet.set_row(row, L.row_height([(rec["name"], 40)]))
        sheet.write_string(row, cols["unit"], rec["unit"], f["center"])
        sheet.write_string(row, cols["kpi_type"], rec.get("kpi_type", ""), f["center"])
        first_plan, last_plan = cols["m10"], cols[f"est_{self.fy + 14}_{self.fy + 16}"]
        for col in range(first_plan, last_plan + 1):
            sheet.write_blank(row, col, None, f["input"])
        sheet.data_validation(
            row,
            first_plan,
            row,
            last_plan,
            {
                "validate": "decimal",
                "criteria": "between",
                "minimum": -1e15,
                "maximum": 1e15,
                "error_type": "warning",
                "error_title": "ตัวเลขเท่านั้น",
                "error_message": "ช่องแผน/ผลรับเฉพาะตัวเลข ๐–๙ และ , / . -",
                "input_title": "แผน/ผล",
                "input_message": "ตัวเลข ๐–๙ และ , / . - เท่านั้น",
            },
        )
        sheet.write_blank(row, cols["success_factor"], None, f["input_text"])
        if rec.get("aggregate") == "sum":
            self._sum_rules(sheet, row, cols)

    def _sum_rules(self, sheet: Any, row: int, cols: dict[str, int]) -> None:
        """Counts add up: highlight a quarter total or grand total that is not the sum."""

        def cell(key: str) -> str:
            return str(xl_rowcol_to_cell(row, cols[key]))

        for quarter, months in L.QUARTER_MONTHS.items():
            parts = ",".join(cell(L.month_key(m)) for m in months)
            total = cell(f"q{quarter}")
            sheet.conditional_format(
                total,
                {
                    "type": "formula",
                    "format": self.f["warn"],
                    "criteria": f"=AND(COUNT({parts})>0,ISNUMBER({total}),"
                    f"ABS({total}-SUM({parts}))>0.000001)",
                },
            )
        quarters = ",".join(cell(f"q{q}") for q in range(1, 5))
        total = cell("total")
        sheet.conditional_format(
            total,
            {
                "type": "formula",
                "format": self.f["warn"],
                "criteria": f"=AND(COUNT({quarters})>0,ISNUMBER({total}),"
                f"ABS({total}-SUM({quarters}))>0.000001)",
            },
        )

    def _target_formatting(self, sheet: Any, first: int, last: int, cols: dict[str, int]) -> None:
        """The seed's saving rules, shown as you type."""
        for quarter, months in L.QUARTER_MONTHS.items():
            m0 = xl_rowcol_to_cell(first, cols[L.month_key(months[0])], col_abs=True)
            m2 = xl_rowcol_to_cell(first, cols[L.month_key(months[-1])], col_abs=True)
            q = xl_rowcol_to_cell(first, cols[f"q{quarter}"], col_abs=True)
            sheet.conditional_format(
                first,
                cols[f"q{quarter}"],
                last,
                cols[f"q{quarter}"],
                {
                    "type": "formula",
                    "format": self.f["bad"],
                    "criteria": f'=AND(COUNTA({m0}:{m2})>0,LEN({q}&"")=0)',
                },
            )
        quarters = ",".join(
            xl_rowcol_to_cell(first, cols[f"q{q}"], col_abs=True) for q in range(1, 5)
        )
        total = xl_rowcol_to_cell(first, cols["total"], col_abs=True)
        sheet.conditional_format(
            first,
            cols["total"],
            last,
            cols["total"],
            {
                "type": "formula",
                "format": self.f["bad"],
                "criteria": f'=AND(COUNTA({quarters})>0,LEN({total}&"")=0)',
            },
        )

    # -- metadata -----------------------------------------------------------------------
    def _write_meta(self, sheet: Any) -> None:
        text = json.dumps(self.defs, ensure_ascii=False, sort_keys=True)
        rows: list[tuple[str, str]] = [
            ("kpixl", L.MARKER),
            ("template_version", str(L.TEMPLATE_VERSION)),
            ("division_code", self.division["division_code"]),
            ("division_name", self.division["division_name"]),
            ("fiscal_year_be", str(self.fy)),
            ("created", dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
            ("fingerprint", fingerprint(self.defs)),
        ]
        rows += [
            ("definitions", text[i : i + DEFINITIONS_CHUNK])
            for i in range(0, len(text), DEFINITIONS_CHUNK)
        ]
        for row, (key, value) in enumerate(rows):
            sheet.write_string(row, 0, key)
            sheet.write_string(row, 1, value)
        sheet.very_hidden()
        self._protect(sheet)
