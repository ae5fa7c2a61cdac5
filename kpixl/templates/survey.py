"""One answer sheet per satisfaction-survey KPI: Likert answers, one row per respondent,
and the computation the seed describes in words: item means → aspect means → overall mean
→ × 100 / 5, per survey round, then averaged over the rounds."""

from __future__ import annotations

from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from kpixl import layout as L
from kpixl.definitions import KpiDef
from kpixl.templates import styles as S
from kpixl.templates.plan import SurveyPlan


def write_survey(
    sheet: Any, f: dict[str, Any], kpi: KpiDef, survey: SurveyPlan, password: str
) -> None:
    """Write the answer sheet of one survey KPI."""
    sheet.write_string(0, 0, f"แบบสำรวจความพึงพอใจ ตัวชี้วัดที่ {kpi.kpi_id}: {kpi.name}", f["title"])
    sheet.write_string(
        1,
        0,
        "กรอกคำตอบ 1–5 (5 = พอใจมากที่สุด) หนึ่งแถวต่อผู้ตอบหนึ่งคน; ครั้งที่สำรวจ = รอบของการสำรวจ",
        f["note"],
    )
    aspect_row, item_row = 3, 4
    for row in (aspect_row, item_row):
        sheet.write_blank(row, 1, None, f["header"])
    sheet.write_string(aspect_row, 0, "ด้าน", f["header"])
    sheet.write_string(item_row, 0, "ข้อคำถาม", f["header"])
    col = survey.item_cols[0] if survey.item_cols else len(L.SURVEY_FIXED)
    item_height = 0.0
    for aspect_no, members in survey.aspects.items():
        label = f"ด้านที่ {aspect_no} {members[0].aspect}"
        if len(members) > 1:
            sheet.merge_range(
                aspect_row, col, aspect_row, col + len(members) - 1, label, f["header"]
            )
        else:
            sheet.write_string(aspect_row, col, label, f["header"])
        for item in members:
            text = f"{aspect_no}.{item.item_no} {item.item}"
            sheet.write_string(item_row, col, text, f["text"])
            item_height = max(item_height, S.row_height([(text, 16)]))
            code = f"{aspect_no}.{item.item_no}"
            sheet.write_string(survey.table_header, col, code, f["header"])
            sheet.write_string(survey.key_row, col, L.item_key(aspect_no, item.item_no), f["key"])
            sheet.set_column(col, col, 16)
            col += 1
    # The aspect headers span their items: tall enough for the longest aspect name.
    widths = {a: 16 * len(m) for a, m in survey.aspects.items()}
    sheet.set_row(
        aspect_row,
        max(
            (
                S.row_height([(f"ด้านที่ {a} {m[0].aspect}", widths[a])])
                for a, m in survey.aspects.items()
            ),
            default=S.LINE + 3,
        ),
    )
    sheet.set_row(item_row, max(item_height, S.row_height([("ค่าเฉลี่ยด้านที่ 9", 12)])))
    for aspect_col, aspect_no in zip(survey.aspect_cols, survey.aspects, strict=True):
        sheet.write_string(item_row, aspect_col, f"ค่าเฉลี่ยด้านที่ {aspect_no}", f["header"])
        sheet.set_column(aspect_col, aspect_col, 12)
    sheet.write_string(item_row, survey.overall_col, "ค่าเฉลี่ยรวม", f["header"])
    sheet.write_string(item_row, survey.percent_col, "ร้อยละความพึงพอใจ", f["header"])
    sheet.set_column(survey.overall_col, survey.percent_col, 13)
    sheet.set_column(0, 1, 14)
    _write_means(sheet, f, survey)
    for col_no, fld in enumerate(L.SURVEY_FIXED):
        sheet.write_string(survey.table_header, col_no, fld.label, f["header"])
        sheet.write_string(survey.key_row, col_no, fld.key, f["key"])
    sheet.write_string(survey.key_row, survey.percent_col, f"kpi:{kpi.kpi_id}", f["key"])
    sheet.set_row(survey.key_row, None, None, {"hidden": True})
    _write_answers(sheet, f, survey)
    sheet.freeze_panes(survey.key_row + 1, len(L.SURVEY_FIXED))
    S.print_setup(sheet, repeat=(survey.table_header, survey.table_header), landscape=True)
    S.protect(sheet, password)


def _write_means(sheet: Any, f: dict[str, Any], survey: SurveyPlan) -> None:
    first, last = survey.first_answer, survey.last_answer
    rounds = (
        f"{xl_rowcol_to_cell(first, 0, row_abs=True, col_abs=True)}"
        f":{xl_rowcol_to_cell(last, 0, row_abs=True, col_abs=True)}"
    )
    for number in range(1, survey.rounds + 1):
        row = survey.mean_row0 + number - 1
        sheet.write_string(row, 0, f"ค่าเฉลี่ยครั้งที่ {number}", f["total_label"])
        sheet.write_blank(row, 1, None, f["text"])
        for item_col in survey.item_cols:
            answers = (
                f"{xl_rowcol_to_cell(first, item_col, row_abs=True)}:"
                f"{xl_rowcol_to_cell(last, item_col, row_abs=True)}"
            )
            sheet.write_formula(
                row,
                item_col,
                f'IFERROR(AVERAGEIFS({answers},{rounds},{number},{answers},">=1",'
                f'{answers},"<=5"),"")',
                f["formula"],
                "",
            )
        col = survey.item_cols[0] if survey.item_cols else 0
        for aspect_col, members in zip(survey.aspect_cols, survey.aspects.values(), strict=True):
            items = (
                f"{xl_rowcol_to_cell(row, col)}:{xl_rowcol_to_cell(row, col + len(members) - 1)}"
            )
            sheet.write_formula(row, aspect_col, f'IFERROR(AVERAGE({items}),"")', f["formula"], "")
            col += len(members)
        if survey.aspect_cols:
            aspects = ":".join(
                xl_rowcol_to_cell(row, c) for c in (survey.aspect_cols[0], survey.aspect_cols[-1])
            )
            sheet.write_formula(
                row, survey.overall_col, f'IFERROR(AVERAGE({aspects}),"")', f["formula"], ""
            )
        overall = xl_rowcol_to_cell(row, survey.overall_col)
        sheet.write_formula(
            row, survey.percent_col, f'IF(ISNUMBER({overall}),{overall}*100/5,"")', f["formula"], ""
        )
    sheet.write_string(survey.avg_row, 0, "ร้อยละความพึงพอใจ (เฉลี่ยทุกครั้ง)", f["total_label"])
    percents = (
        f"{xl_rowcol_to_cell(survey.mean_row0, survey.percent_col)}:"
        f"{xl_rowcol_to_cell(survey.avg_row - 1, survey.percent_col)}"
    )
    sheet.write_formula(
        survey.avg_row, survey.percent_col, f'IFERROR(AVERAGE({percents}),"")', f["total"], ""
    )


def _write_answers(sheet: Any, f: dict[str, Any], survey: SurveyPlan) -> None:
    first, last = survey.first_answer, survey.last_answer
    for row in range(first, last + 1):
        if survey.rounds == 1:
            sheet.write_number(row, 0, 1, f["input"])
        else:
            sheet.write_blank(row, 0, None, f["input"])
        sheet.write_number(row, 1, row - first + 1, f["center"])
        for item_col in survey.item_cols:
            sheet.write_blank(row, item_col, None, f["input"])
    sheet.data_validation(
        first,
        0,
        last,
        0,
        {
            "validate": "integer",
            "criteria": "between",
            "minimum": 1,
            "maximum": survey.rounds,
            "error_title": "ครั้งที่สำรวจ",
            "error_message": f"ครั้งที่ 1 ถึง {survey.rounds}",
        },
    )
    if survey.item_cols:
        sheet.data_validation(
            first,
            survey.item_cols[0],
            last,
            survey.item_cols[-1],
            {
                "validate": "integer",
                "criteria": "between",
                "minimum": 1,
                "maximum": 5,
                "error_title": "คำตอบ 1–5",
                "error_message": "คำตอบต้องเป็นจำนวนเต็ม 1 ถึง 5",
            },
        )
