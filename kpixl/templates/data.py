"""The supporting-data sheet (ข้อมูลประกอบ): numerators and denominators, this year and
last year, milestone ticks, monthly delivery dates, sub-item values; each KPI's computed
value below its inputs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from kpixl import kinds as K
from kpixl import layout as L
from kpixl.fiscal import month_year_ce
from kpixl.templates import styles as S
from kpixl.templates.plan import DATA_HELPER, DATA_INPUT, DATA_UNIT, KpiPlan, Plan
from kpixl.templates.validation import date_validation, number_validation

PRINTED = DATA_UNIT
"""The last printed column: the helper values right of it are kpixl's, not the clerk's."""
WIDTHS = [
    0.0 if fld.key in L.HIDDEN_DATA_FIELDS else fld.width for fld in L.DATA_FIELDS[: PRINTED + 1]
]
PRINTED_WIDTH = sum(WIDTHS)


def write_data(sheet: Any, f: dict[str, Any], plan: Plan, password: str) -> None:
    """Write the supporting-data sheet of ``plan``."""
    division = plan.definitions.division_name
    title = f"ข้อมูลประกอบการคิดคะแนน — {division}"
    note = "กรอกเฉพาะช่องสีเหลือง ช่องสีเขียวคำนวณให้อัตโนมัติ ขั้นตอนที่ทำแล้วให้ใส่ ✓"
    for row, text, style, size in ((0, title, "title", S.TITLE), (1, note, "note", S.BODY)):
        sheet.merge_range(row, 0, row, PRINTED, text, f[style])
        sheet.set_row(row, S.row_height([(text, PRINTED_WIDTH)], size, bold=True))
    header_row, key_row = 3, 4
    for col, fld in enumerate(L.DATA_FIELDS):
        sheet.write_string(header_row, col, fld.label, f["header"])
        sheet.write_string(key_row, col, fld.key, f["key"])
        hidden = fld.key in L.HIDDEN_DATA_FIELDS
        sheet.set_column(col, col, fld.width, None, {"hidden": hidden})
    sheet.set_row(
        header_row, S.row_height(((fld.label, fld.width) for fld in L.DATA_FIELDS), bold=True)
    )
    sheet.set_row(key_row, None, None, {"hidden": True})
    groups = []
    for kpi_plan in plan.kpis:
        if kpi_plan.group_row >= 0:
            _write_kpi(sheet, f, kpi_plan, plan.fiscal_year_be)
            groups.append((kpi_plan.group_row, kpi_plan.computed_row))
    sheet.freeze_panes(key_row + 1, 0)
    S.print_setup(
        sheet,
        widths=WIDTHS,
        landscape=False,
        last_row=max((b for _, b in groups), default=key_row),
        repeat=(header_row, header_row),
        keep=groups,
    )
    S.protect(sheet, password)


def _write_kpi(sheet: Any, f: dict[str, Any], plan: KpiPlan, fy: int) -> None:
    kpi, kind = plan.kpi, plan.kind
    assert kind is not None and kind.excel_computed is not None
    heading = f"ตัวชี้วัดที่ {kpi.kpi_id} {kpi.name}"
    sheet.merge_range(plan.group_row, 0, plan.group_row, PRINTED, heading, f["group"])
    sheet.write_blank(plan.group_row, DATA_HELPER, None, f["group"])
    sheet.set_row(plan.group_row, S.row_height([(heading, PRINTED_WIDTH)], bold=True))
    for item in plan.fields:
        row = plan.data_rows[item.key]
        sheet.write_string(row, 0, kpi.kpi_id, f["center"])
        sheet.write_string(row, 1, item.key, f["key"])
        sheet.write_string(row, 2, item.label, f["text"])
        sheet.set_row(
            row,
            S.row_height(
                [(item.label, L.DATA_FIELDS[2].width), (item.unit, L.DATA_FIELDS[DATA_UNIT].width)]
            ),
        )
        _write_input(sheet, f, row, item, fy)
    row = plan.computed_row
    sheet.write_string(row, 0, kpi.kpi_id, f["center"])
    sheet.write_string(row, 1, L.COMPUTED, f["key"])
    sheet.write_string(row, 2, "ผลที่คำนวณได้ (ใช้คิดคะแนน)", f["total_label"])
    sheet.set_row(row, S.row_height([(kind.computed_unit, L.DATA_FIELDS[DATA_UNIT].width)]))
    sheet.write_formula(row, DATA_INPUT, kind.excel_computed(plan.refs()), f["formula"], "")
    sheet.write_string(row, DATA_UNIT, kind.computed_unit, f["text"])
    sheet.write_blank(row, DATA_HELPER, None, f["text"])


def _write_input(sheet: Any, f: dict[str, Any], row: int, item: K.DataField, fy: int) -> None:
    if item.expect == "tick":
        sheet.write_blank(row, DATA_INPUT, None, f["input_tick"])
        sheet.data_validation(
            row,
            DATA_INPUT,
            row,
            DATA_INPUT,
            {
                "validate": "list",
                "source": ["✓", L.NOT_DONE],
                "input_title": "ทำแล้ว?",
                "input_message": f"ใส่ ✓ เมื่อทำขั้นตอนนี้เสร็จแล้ว หรือ {L.NOT_DONE}",
            },
        )
        sheet.write_string(row, DATA_UNIT, "", f["text"])
        sheet.write_blank(row, DATA_HELPER, None, f["text"])
        return
    if item.expect == "date":
        sheet.write_blank(row, DATA_INPUT, None, f["input_date"])
        date_validation(sheet, row, DATA_INPUT, fy)
        month = int(item.key.split(":")[1])
        year = month_year_ce(fy, month)
        month_end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
        cell = xl_rowcol_to_cell(row, DATA_INPUT)
        sheet.write_string(row, DATA_UNIT, item.unit or "วันหลังสิ้นเดือน", f["text"])
        sheet.write_formula(
            row, DATA_HELPER, K.excel_usable_date(cell, fy, month_end), f["formula"], ""
        )
        return
    sheet.write_blank(row, DATA_INPUT, None, f["input"])
    number_validation(sheet, row, DATA_INPUT, allow_negative=item.key in ("this_year", "last_year"))
    if item.weight is not None:
        sheet.write_number(row, DATA_UNIT, item.weight, f["number"])
    else:
        sheet.write_string(row, DATA_UNIT, item.unit, f["text"])
    if item.expect == "percent":
        cell = xl_rowcol_to_cell(row, DATA_INPUT)
        helper = f'IF(ISNUMBER({cell}),{K.excel_percent(cell)},"")'
        sheet.write_formula(row, DATA_HELPER, helper, f["formula"], "")
    else:
        sheet.write_blank(row, DATA_HELPER, None, f["text"])
