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

ITEM_WIDTH = 10
MEAN_WIDTH = 10
PERCENT_WIDTH = 11


def write_survey(
    sheet: Any, f: dict[str, Any], kpi: KpiDef, survey: SurveyPlan, password: str
) -> None:
    """Write the answer sheet of one survey KPI."""
    widths = [fld.width for fld in L.SURVEY_FIXED]
    widths += [ITEM_WIDTH] * len(survey.item_cols)
    widths += [MEAN_WIDTH] * (len(survey.aspect_cols) + 1) + [PERCENT_WIDTH]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    # A survey of many items prints on pages side by side, an aspect's items on one page,
    # the round and respondent columns on each: the titles stay on the first page.
    groups = _column_groups(survey)
    _, breaks = S.column_pages(widths, landscape=True, groups=groups, repeat_columns=(0, 1))
    first_page = (breaks[0] if breaks else len(widths)) - 1
    first_width = sum(widths[: first_page + 1])
    title = f"แบบสำรวจความพึงพอใจ ตัวชี้วัดที่ {kpi.kpi_id}: {kpi.name}"
    note = "กรอกคำตอบ 1–5 (5 = พอใจมากที่สุด) หนึ่งแถวต่อผู้ตอบหนึ่งคน; ครั้งที่สำรวจ = รอบของการสำรวจ"
    for row, text, style, size in ((0, title, "title", S.TITLE), (1, note, "note", S.BODY)):
        sheet.merge_range(row, 0, row, first_page, text, f[style])
        sheet.set_row(row, S.row_height([(text, first_width)], size, bold=True))
    aspect_row, item_row = 3, 4
    fixed = widths[0] + widths[1]
    sheet.merge_range(aspect_row, 0, aspect_row, 1, "ด้าน", f["header"])
    sheet.merge_range(item_row, 0, item_row, 1, "ข้อคำถาม", f["header"])
    col = survey.item_cols[0] if survey.item_cols else len(L.SURVEY_FIXED)
    aspect_heights = [S.LINE + 4]
    item_heights = [S.LINE + 4]
    for aspect_no, members in survey.aspects.items():
        label = f"ด้านที่ {aspect_no} {members[0].aspect}"
        if len(members) > 1:
            sheet.merge_range(
                aspect_row, col, aspect_row, col + len(members) - 1, label, f["header"]
            )
        else:
            sheet.write_string(aspect_row, col, label, f["header"])
        aspect_heights.append(S.row_height([(label, ITEM_WIDTH * len(members))], bold=True))
        for item in members:
            text = f"{aspect_no}.{item.item_no} {item.item}"
            sheet.write_string(item_row, col, text, f["text"])
            item_heights.append(S.row_height([(text, ITEM_WIDTH)]))
            code = f"{aspect_no}.{item.item_no}"
            sheet.write_string(survey.table_header, col, code, f["header"])
            sheet.write_string(survey.key_row, col, L.item_key(aspect_no, item.item_no), f["key"])
            col += 1
    means = [f"ค่าเฉลี่ยด้านที่ {a}" for a in survey.aspects] + ["ค่าเฉลี่ยรวม"]
    for mean_col, label in zip([*survey.aspect_cols, survey.overall_col], means, strict=True):
        sheet.write_string(item_row, mean_col, label, f["header"])
        sheet.write_blank(aspect_row, mean_col, None, f["header"])
        item_heights.append(S.row_height([(label, MEAN_WIDTH)], bold=True))
    sheet.write_string(item_row, survey.percent_col, "ร้อยละความพึงพอใจ", f["header"])
    sheet.write_blank(aspect_row, survey.percent_col, None, f["header"])
    item_heights.append(S.row_height([("ร้อยละความพึงพอใจ", PERCENT_WIDTH)], bold=True))
    item_heights.append(S.row_height([("ข้อคำถาม", fixed)], bold=True))
    sheet.set_row(aspect_row, max(aspect_heights))
    sheet.set_row(item_row, max(item_heights))
    _write_means(sheet, f, survey, fixed)
    for col_no, fld in enumerate(L.SURVEY_FIXED):
        sheet.write_string(survey.table_header, col_no, fld.label, f["header"])
        sheet.write_string(survey.key_row, col_no, fld.key, f["key"])
    sheet.set_row(
        survey.table_header,
        S.row_height(((fld.label, fld.width) for fld in L.SURVEY_FIXED), bold=True),
    )
    sheet.write_string(survey.key_row, survey.percent_col, f"kpi:{kpi.kpi_id}", f["key"])
    sheet.set_row(survey.key_row, None, None, {"hidden": True})
    _write_answers(sheet, f, survey)
    sheet.freeze_panes(survey.key_row + 1, len(L.SURVEY_FIXED))
    S.print_setup(
        sheet,
        widths=widths,
        landscape=True,
        last_row=survey.last_answer,
        repeat=(survey.table_header, survey.table_header),
        groups=groups,
        repeat_columns=(0, 1),
        # The means, their headings and the answers' header row print together.
        keep=[(aspect_row, survey.key_row)],
        title_rows=aspect_row,
        title=title,
    )
    S.protect(sheet, password)


def _column_groups(survey: SurveyPlan) -> list[tuple[int, int]]:
    """Each aspect's items, then the means: the columns kept on one page."""
    groups = []
    col = survey.item_cols[0] if survey.item_cols else len(L.SURVEY_FIXED)
    for members in survey.aspects.values():
        groups.append((col, col + len(members) - 1))
        col += len(members)
    first_mean = survey.aspect_cols[0] if survey.aspect_cols else survey.overall_col
    groups.append((first_mean, survey.percent_col))
    return groups


def _write_means(sheet: Any, f: dict[str, Any], survey: SurveyPlan, fixed: float) -> None:
    first, last = survey.first_answer, survey.last_answer
    rounds = (
        f"{xl_rowcol_to_cell(first, 0, row_abs=True, col_abs=True)}"
        f":{xl_rowcol_to_cell(last, 0, row_abs=True, col_abs=True)}"
    )
    for number in range(1, survey.rounds + 1):
        row = survey.mean_row0 + number - 1
        label = f"ค่าเฉลี่ยครั้งที่ {number}"
        sheet.merge_range(row, 0, row, 1, label, f["total_label"])
        sheet.set_row(row, S.row_height([(label, fixed)], bold=True))
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
    label = "ร้อยละความพึงพอใจ (เฉลี่ยทุกครั้ง)"
    sheet.merge_range(survey.avg_row, 0, survey.avg_row, 1, label, f["total_label"])
    sheet.set_row(survey.avg_row, S.row_height([(label, fixed)], bold=True))
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
        sheet.set_row(row, S.LINE + 2)
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
