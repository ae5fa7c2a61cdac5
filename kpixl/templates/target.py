"""The target sheet (form A, the Bureau of the Budget's lao621001 screen): monthly plan,
quarter totals, grand total, the three previous years' plan and result, estimates for later
years, the Success Factor, and the sign-off. The seed's saving rules show as you type."""

from __future__ import annotations

from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from kpixl import layout as L
from kpixl.definitions import TargetRow
from kpixl.fiscal import quarter_label_th
from kpixl.templates import styles as S
from kpixl.templates.plan import Plan
from kpixl.templates.validation import date_validation

GROUP_ROW, SUB_ROW, HEADER_ROW, KEY_ROW = 3, 4, 5, 6


def write_target(sheet: Any, f: dict[str, Any], plan: Plan, password: str) -> None:
    """Write the target sheet of ``plan``."""
    fy = plan.fiscal_year_be
    fields = L.target_fields(fy)
    cols = {fld.key: i for i, fld in enumerate(fields)}
    division = plan.definitions.division_name
    widths = [fld.width for fld in fields]
    groups = _column_groups(cols, fy)
    _, breaks = S.column_pages(widths, landscape=True, groups=groups, repeat_columns=(0, 1))
    # The titles stay on the first page of a sheet printed on pages side by side.
    first_page = (breaks[0] if breaks else len(fields)) - 1
    first_width = sum(widths[: first_page + 1])
    lines = (
        ("title", S.TITLE, f"แผนการดำเนินงานและค่าเป้าหมายตัวชี้วัด — {division}"),
        (
            "subtitle",
            S.SUBTITLE,
            f"ปีงบประมาณ พ.ศ. {fy} (รหัส ชื่อตัวชี้วัด หน่วยนับ และประเภท ส่วนกลางกำหนด แก้ไขไม่ได้)",
        ),
        (
            "note",
            S.BODY,
            "ช่องแผน/ผลรับเฉพาะตัวเลข 0–9 และ , / . - · กรอกรายเดือนแล้วต้องกรอกรวมไตรมาส · "
            "กรอกรวมไตรมาสแล้วต้องกรอกรวมทั้งสิ้น · ช่องรวมที่ยังต้องกรอกขึ้นสีแดงมีกรอบเส้นประ · "
            "ยอดรวมที่ไม่เท่ากับผลบวกขึ้นสีส้มมีเครื่องหมาย ⚠",
        ),
    )
    for row, (style, size, text) in enumerate(lines):
        sheet.merge_range(row, 0, row, first_page, text, f[style])
        sheet.set_row(row, S.row_height([(text, first_width)], size, bold=True))
    _write_headers(sheet, f, fy, cols, breaks)
    for col, fld in enumerate(fields):
        sheet.write_string(HEADER_ROW, col, fld.label, f["header"])
        sheet.write_string(KEY_ROW, col, fld.key, f["key"])
        sheet.set_column(col, col, fld.width)
    sheet.set_row(HEADER_ROW, S.row_height(((fld.label, fld.width) for fld in fields), bold=True))
    sheet.set_row(KEY_ROW, None, None, {"hidden": True})
    rows = plan.definitions.target_rows()
    first = KEY_ROW + 1
    for offset, rec in enumerate(rows):
        _write_row(sheet, f, first + offset, rec, cols, fy)
    if rows:
        _saving_rules(sheet, f, first, first + len(rows) - 1, cols)
    row = first + len(rows) + 1
    label_width = widths[0] + widths[1]
    for key, label in L.SIGNOFF_LABELS.items():
        sheet.merge_range(row, 0, row, 1, label, f["total_label"])
        # Who signs off: wide enough for a position (ผู้อำนวยการกองยุทธศาสตร์และงบประมาณ)
        # on one line, a merged cell never grows to fit; within the first printed page.
        last = cols["q2"] if key == "signed_by" else 4
        sheet.merge_range(
            row, 2, row, last, "", f["input_date" if key == "signed_on" else "input_text"]
        )
        if key == "signed_off":
            sheet.data_validation(
                row, 2, row, 2, {"validate": "list", "source": [L.SIGNOFF_YES, L.SIGNOFF_NO]}
            )
        elif key == "signed_on":
            date_validation(sheet, row, 2, fy)
        sheet.set_row(row, S.row_height([(label, label_width)], bold=True) + 4)
        row += 1
    sheet.freeze_panes(KEY_ROW + 1, 2)
    S.print_setup(
        sheet,
        widths=widths,
        landscape=True,
        last_row=row - 1,
        repeat=(GROUP_ROW, HEADER_ROW),
        groups=groups,
        repeat_columns=(0, 1),
        keep=[(first + len(rows) + 1, row - 1)],
        title_rows=GROUP_ROW,
        title=f"{lines[0][2]} ปีงบประมาณ พ.ศ. {fy}",
    )
    S.protect(sheet, password)


def _column_groups(cols: dict[str, int], fy: int) -> list[tuple[int, int]]:
    """Columns kept on one printed page: the unit, type and first half-year; the second
    half-year with the grand total; the previous years; the estimates."""
    estimates = L.estimate_years(fy)
    return [
        (cols["unit"], cols["q2"]),
        (cols["m4"], cols["total"]),
        (cols[f"plan_{fy - 3}"], cols[f"result_{fy - 1}"]),
        (cols[estimates[0][0]], cols[estimates[-1][0]]),
    ]


def _write_headers(
    sheet: Any, f: dict[str, Any], fy: int, cols: dict[str, int], breaks: tuple[int, ...]
) -> None:
    def heading(rows: tuple[int, int], columns: tuple[int, int], text: str) -> None:
        S.merge_on_pages(sheet, rows, columns, text, f["header"], breaks)

    both, group, sub = (GROUP_ROW, SUB_ROW), (GROUP_ROW, GROUP_ROW), (SUB_ROW, SUB_ROW)
    # Columns A:B are repeated on every page: their heading must not run on into C:D.
    heading(both, (cols["kpi_id"], cols["name"]), "ตัวชี้วัด")
    heading(both, (cols["unit"], cols["kpi_type"]), "")
    heading(group, (cols["m10"], cols["total"]), f"แผนการดำเนินงาน ปีงบประมาณ {fy}")
    for quarter, months in L.QUARTER_MONTHS.items():
        start = cols[L.month_key(months[0])]
        heading(sub, (start, cols[f"q{quarter}"]), quarter_label_th(quarter))
    sheet.write_string(SUB_ROW, cols["total"], "", f["header"])
    first_prior = cols[f"plan_{fy - 3}"]
    heading(group, (first_prior, first_prior + 5), "ปีก่อนหน้า: แผน / ผลการดำเนินงาน")
    for offset, year in enumerate(range(fy - 3, fy)):
        col = first_prior + 2 * offset
        heading(sub, (col, col + 1), f"ปีงบประมาณ {year}")
    estimates = L.estimate_years(fy)
    first_est = cols[estimates[0][0]]
    heading(group, (first_est, first_est + len(estimates) - 1), "ปีประมาณการ (แผน)")
    for key, _label in estimates:
        sheet.write_string(SUB_ROW, cols[key], "ปีงบประมาณ", f["header"])
    heading(both, (cols["success_factor"], cols["success_factor"]), "Success Factor")
    fields = L.target_fields(fy)
    sheet.set_row(GROUP_ROW, S.LINE + 4)
    sheet.set_row(
        SUB_ROW,
        S.row_height(
            [
                (quarter_label_th(1), sum(fld.width for fld in fields[4:8])),
                (f"ปีงบประมาณ {fy - 1}", 2 * fields[cols[f"plan_{fy - 1}"]].width),
                ("ปีงบประมาณ", fields[first_est].width),
            ],
            bold=True,
        ),
    )


def _write_row(
    sheet: Any, f: dict[str, Any], row: int, rec: TargetRow, cols: dict[str, int], fy: int
) -> None:
    sheet.write_string(row, cols["kpi_id"], rec.kpi_id, f["center"])
    sheet.write_string(row, cols["name"], rec.name, f["text"])
    fields = L.target_fields(fy)
    sheet.set_row(
        row,
        S.row_height(
            (text, fields[cols[key]].width)
            for key, text in (("name", rec.name), ("unit", rec.unit), ("kpi_type", rec.kpi_type))
        ),
    )
    sheet.write_string(row, cols["unit"], rec.unit, f["center"])
    sheet.write_string(row, cols["kpi_type"], rec.kpi_type, f["center"])
    first_plan, last_plan = cols["m10"], cols["success_factor"] - 1
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
            "error_message": "ช่องแผน/ผลรับเฉพาะตัวเลข 0–9 และ , / . -",
            "input_title": "แผน/ผล",
            "input_message": "ตัวเลข 0–9 และ , / . - เท่านั้น",
        },
    )
    sheet.write_blank(row, cols["success_factor"], None, f["input_text"])
    if rec.aggregate == "sum":
        _sum_rules(sheet, f, row, cols)


def _sum_rules(sheet: Any, f: dict[str, Any], row: int, cols: dict[str, int]) -> None:
    """Counts add up: highlight a quarter total or grand total that is not the sum."""

    def cell(key: str) -> str:
        return str(xl_rowcol_to_cell(row, cols[key]))

    def rule(total: str, parts: str) -> None:
        sheet.conditional_format(
            total,
            {
                "type": "formula",
                "format": f["warn"],
                "criteria": f"=AND(COUNT({parts})>0,ISNUMBER({total}),"
                f"ABS({total}-SUM({parts}))>0.000001)",
            },
        )

    for quarter, months in L.QUARTER_MONTHS.items():
        rule(cell(f"q{quarter}"), ",".join(cell(L.month_key(m)) for m in months))
    rule(cell("total"), ",".join(cell(f"q{q}") for q in range(1, 5)))


def _saving_rules(
    sheet: Any, f: dict[str, Any], first: int, last: int, cols: dict[str, int]
) -> None:
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
                "format": f["bad"],
                "criteria": f'=AND(COUNTA({m0}:{m2})>0,LEN({q}&"")=0)',
            },
        )
    quarters = ",".join(xl_rowcol_to_cell(first, cols[f"q{q}"], col_abs=True) for q in range(1, 5))
    total = xl_rowcol_to_cell(first, cols["total"], col_abs=True)
    sheet.conditional_format(
        first,
        cols["total"],
        last,
        cols["total"],
        {
            "type": "formula",
            "format": f["bad"],
            "criteria": f'=AND(COUNTA({quarters})>0,LEN({total}&"")=0)',
        },
    )
