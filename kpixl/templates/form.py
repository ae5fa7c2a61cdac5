"""The scoring form (แบบกำหนดและประเมินผลสัมฤทธิ์ของงาน), with live formulas.

One row per scored KPI row: the centre's columns (locked), the result the division types
(or a formula fed by its supporting data), and (ก) level, (ข) weight, (ค) = (ก) × (ข) /
100, then รวม = Σ(ค) and the score out of 100 = รวม × 20, all computed as kpixl computes
them (:mod:`kpixl.kinds`, :mod:`kpixl.rubric`, :mod:`kpixl.precision`). The value used
and how to fill each row in stay right of the printed area; signature blocks follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from kpixl import layout as L
from kpixl.definitions import Definitions
from kpixl.kinds import excel_value
from kpixl.templates import styles as S
from kpixl.templates.plan import KpiPlan, Plan, span
from kpixl.templates.validation import date_validation, range_validation

COLS = {fld.key: i for i, fld in enumerate(L.FORM_FIELDS)}
WIDTHS = {fld.key: fld.width for fld in L.FORM_FIELDS}
PRINTED = COLS[L.FORM_PRINTED]


def write_form(sheet: Any, f: dict[str, Any], plan: Plan, password: str) -> None:
    """Write the scoring form of ``plan``."""
    defs, form = plan.definitions, plan.form
    org = defs.organisation.get("org_name", "")
    printed = sum(WIDTHS[fld.key] for fld in L.FORM_FIELDS[: PRINTED + 1])
    title = f"แบบกำหนดและประเมินผลสัมฤทธิ์ของงานของ {defs.division_name}"
    subtitle = f"{org} ประจำปีงบประมาณ พ.ศ. {plan.fiscal_year_be}"
    note = (
        "กรอกเฉพาะช่องสีเหลือง ช่องสีเขียวคำนวณให้อัตโนมัติ (ตัวชี้วัดที่ต้องใช้ข้อมูลประกอบ กรอกในแผ่นงาน “ข้อมูลประกอบ”)"
    )
    for row, text, style, size in (
        (0, title, "title_center", S.TITLE),
        (1, subtitle, "subtitle_center", S.SUBTITLE),
        (2, note, "note", S.BODY),
    ):
        sheet.merge_range(row, 0, row, PRINTED, text, f[style])
        sheet.set_row(row, S.row_height([(text, printed)], size, bold=True))
    groups = (
        (0, 3, "เป้าหมายในการปฏิบัติงาน"),
        (4, 8, "คะแนนตามระดับค่าเป้าหมาย"),
        (9, PRINTED, "ผลสัมฤทธิ์ของงาน"),
    )
    for first, last, label in groups:
        sheet.merge_range(form.group_row, first, form.group_row, last, label, f["header"])
    sheet.set_row(
        form.group_row,
        S.row_height(
            ((label, sum(fld.width for fld in L.FORM_FIELDS[a : b + 1])) for a, b, label in groups),
            bold=True,
        ),
    )
    for col in range(PRINTED + 1, len(L.FORM_FIELDS)):
        sheet.write_blank(form.group_row, col, None, f["header"])
    for col, fld in enumerate(L.FORM_FIELDS):
        sheet.write_string(form.header_row, col, fld.label, f["header"])
        sheet.write_string(form.key_row, col, fld.key, f["key"])
        sheet.set_column(col, col, fld.width)
    sheet.set_row(
        form.header_row,
        S.row_height(((fld.label, fld.width) for fld in L.FORM_FIELDS), bold=True),
    )
    sheet.set_row(form.key_row, None, None, {"hidden": True})
    for kpi_plan in plan.kpis:
        _write_row(sheet, f, kpi_plan, plan.fiscal_year_be)
    _write_totals(sheet, f, plan)
    widths = [fld.width for fld in L.FORM_FIELDS[: PRINTED + 1]]
    end = write_signatures(sheet, f, defs, form.signature_row, widths)
    sheet.freeze_panes(form.key_row + 1, 3)
    S.print_setup(
        sheet,
        widths=widths,
        landscape=True,
        last_row=end - 1,
        repeat=(form.group_row, form.header_row),
        # The totals stay with the signatures that sign them.
        keep=[(form.total_row, end - 1)],
    )
    S.protect(sheet, password)


def _write_row(sheet: Any, f: dict[str, Any], plan: KpiPlan, fy: int) -> None:
    kpi, kind, row = plan.kpi, plan.kind, plan.form_row
    sheet.write_string(row, COLS["kpi_id"], kpi.kpi_id, f["center"])
    sheet.write_string(row, COLS["issue"], kpi.text("issue"), f["text"])
    sheet.write_string(row, COLS["name"], kpi.name, f["text"])
    sheet.write_string(row, COLS["unit"], kpi.unit, f["center"])
    for n, text in enumerate(kpi.texts, 1):
        sheet.write_string(row, COLS[f"level_{n}"], text, f["text"])
    result = xl_rowcol_to_cell(row, COLS["result"])
    hint = ""
    if kind is None:
        sheet.write_blank(row, COLS["result"], None, f["input"])
        value = ""
    elif kind.result == "formula":
        computed = plan.computed_ref
        sheet.write_formula(
            row, COLS["result"], f'IF(ISNUMBER({computed}),{computed},"")', f["formula"], ""
        )
        value = excel_value(kind, result, computed, "", percent=False, fiscal_year_be=fy)
        hint = kind.hint_th
    elif kind.result == "date":
        sheet.write_blank(row, COLS["result"], None, f["input_date"])
        date_validation(sheet, row, COLS["result"], fy)
        value = excel_value(kind, result, "", "", percent=False, fiscal_year_be=fy)
        hint = kind.hint_th
    else:
        sheet.write_blank(row, COLS["result"], None, f["input"])
        range_validation(sheet, row, COLS["result"], kpi.value_range, kpi.percent)
        value = excel_value(
            kind, result, plan.computed_ref, plan.inputs_ref, percent=kpi.percent, fiscal_year_be=fy
        )
        survey = plan.survey.sheet if plan.survey else ""
        hint = kind.hint_th.format(unit=kpi.unit, survey_sheet=survey)
    value_format = f["formula_date"] if kpi.kind == "deadline_date" else f["formula"]
    if value:
        sheet.write_formula(row, COLS["value"], value, value_format, "")
    else:
        sheet.write_blank(row, COLS["value"], None, value_format)
    value_cell = xl_rowcol_to_cell(row, COLS["value"])
    level_cell = xl_rowcol_to_cell(row, COLS["level"])
    weight_cell = xl_rowcol_to_cell(row, COLS["weight"])
    if kpi.rubric is not None and kpi.problem is None:
        sheet.write_formula(
            row, COLS["level"], kpi.rubric.excel_formula(value_cell), f["formula"], ""
        )
    else:
        sheet.write_blank(row, COLS["level"], None, f["formula"])
        problem = kpi.problem.th if kpi.problem else ""
        hint = f"ยังคิดคะแนนไม่ได้: {problem} — ส่วนกลางจะแก้ไข ไม่ต้องดำเนินการใด ๆ"
    if kpi.weight is not None:
        sheet.write_number(row, COLS["weight"], kpi.weight, f["number"])
    else:
        sheet.write_blank(row, COLS["weight"], None, f["number"])
    sheet.write_formula(
        row,
        COLS["weighted"],
        f'IF(ISNUMBER({level_cell}),{level_cell}*{weight_cell}/100,"")',
        f["formula"],
        "",
    )
    sheet.write_string(row, COLS["hint"], hint, f["text"])
    texts = [
        (kpi.text("issue"), WIDTHS["issue"]),
        (kpi.name, WIDTHS["name"]),
        (hint, WIDTHS["hint"]),
    ]
    texts += [(text, WIDTHS[f"level_{n}"]) for n, text in enumerate(kpi.texts, 1)]
    sheet.set_row(row, S.row_height(texts))


def _write_totals(sheet: Any, f: dict[str, Any], plan: Plan) -> None:
    form = plan.form
    total_row, score_row = form.total_row, form.score_row
    # The reader finds the two rows by their labels in column A.
    sheet.merge_range(total_row, 0, total_row, COLS["level"], L.TOTAL_LABEL, f["total_label"])
    sheet.merge_range(score_row, 0, score_row, 1, L.SCORE_LABEL, f["total_label"])
    sheet.merge_range(
        score_row, 2, score_row, COLS["weight"], "= รวมคะแนน (ค) × 20", f["total_label"]
    )
    sheet.set_row(total_row, S.row_height([(L.TOTAL_LABEL, 10)], bold=True))
    sheet.set_row(
        score_row,
        S.row_height([(L.SCORE_LABEL, WIDTHS["kpi_id"] + WIDTHS["issue"])], bold=True),
    )
    for row in (total_row, score_row):
        for col in range(PRINTED + 1, len(L.FORM_FIELDS)):
            sheet.write_blank(row, col, None, f["text"])
    if not plan.kpis:
        # No scored KPI (a target-sheet-only division): a SUM over no rows would refer to
        # the total cell itself, a circular reference; kpixl gives no total either.
        for at, key in ((total_row, "weight"), (total_row, "weighted"), (score_row, "weighted")):
            sheet.write_blank(at, COLS[key], None, f["total"])
        return
    weighted = span(form.first, form.last, COLS["weighted"])
    weights = span(form.first, form.last, COLS["weight"])
    total = sum(p.kpi.weight or 0.0 for p in plan.kpis)
    sheet.write_formula(total_row, COLS["weight"], f"SUM({weights})", f["total"], total)
    # Nothing scored is no score (kpixl's null), never 0.
    sheet.write_formula(
        total_row, COLS["weighted"], f'IF(COUNT({weighted})=0,"",SUM({weighted}))', f["total"], ""
    )
    total_cell = xl_rowcol_to_cell(total_row, COLS["weighted"])
    sheet.write_formula(
        score_row,
        COLS["weighted"],
        f'IF(ISNUMBER({total_cell}),{total_cell}*20,"")',
        f["total"],
        "",
    )


def write_signatures(
    sheet: Any, f: dict[str, Any], defs: Definitions, row: int, widths: Sequence[float]
) -> int:
    """Signature blocks of ผู้ทำข้อตกลง (the division's director) and ผู้รับข้อตกลง (the
    executive) side by side from ``row``, over the columns of ``widths``; returns the row
    after them. A long position wraps within its block, its row made tall enough."""
    last_col = len(widths) - 1
    middle = last_col // 2
    blocks = (
        (
            0,
            middle,
            defs.division.get("director", ""),
            defs.division.get("director_title", ""),
            "ผู้ทำข้อตกลง",
        ),
        (
            middle + 1,
            last_col,
            defs.organisation.get("executive", ""),
            defs.organisation.get("executive_title", ""),
            "ผู้รับข้อตกลง",
        ),
    )
    heights = [S.LINE + 6] * 5
    for first, last, name, title, role in blocks:
        width = sum(widths[first : last + 1])
        lines = (
            "ลงชื่อ ............................................................",
            f"( {name} )"
            if name
            else "( ............................................................ )",
            f"ตำแหน่ง {title}"
            if title
            else "ตำแหน่ง ............................................................",
            role,
            "วันที่ ........ เดือน .................... พ.ศ. ..........",
        )
        for offset, line in enumerate(lines):
            sheet.merge_range(row + offset, first, row + offset, last, line, f["signature"])
            heights[offset] = max(heights[offset], S.row_height([(line, width)]) + 6)
    for offset, height in enumerate(heights):
        sheet.set_row(row + offset, height)
    return row + 5
