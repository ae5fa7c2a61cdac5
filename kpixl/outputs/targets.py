"""The แผนเป้าหมาย sheet of ``results.xlsx``: form A of every division, consolidated.

The headers are grouped as on the Bureau of the Budget's screen (and the division
workbook's own target sheet): the year's plan by month with a total per quarter and the
grand total, the three previous years' plan and result, the estimates for later years,
and the Success Factor. One row per division × KPI, filterable by division.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kpixl import layout as L
from kpixl.findings import value_text
from kpixl.fiscal import MONTHS_TH_ABBR
from kpixl.outputs.book import Book, Col, lines_needed, print_setup, row_points

GROUP_ROW, SUB_ROW, HEADER_ROW = 3, 4, 5
_IDENT = (
    Col("division_code", "รหัสกอง", "code"),
    Col("kpi_id", "รหัส", "code"),
    Col("name", "ชื่อตัวชี้วัด", wrap=True, max_width=22),
    Col("unit", "หน่วยนับ", wrap=True, max_width=8),
    Col("kpi_type", "ประเภท\nตัวชี้วัด", wrap=True, max_width=9),
)


def target_columns(fiscal_year_be: int) -> tuple[Col, ...]:
    """The columns of the consolidated target sheet for fiscal year ``fiscal_year_be``."""
    plan = tuple(
        Col(
            f.key,
            "รวม\nทั้งสิ้น" if f.key == "total" else f.label,
            "amount",
            max_width=12,
            # Two of them carry "ปีงบประมาณ 2562" above: each must hold half of it.
            min_width=5.5 if f.key.startswith(("plan_", "result_")) else 4,
        )
        for f in L.target_fields(fiscal_year_be)
        if f.key not in ("kpi_id", "name", "unit", "kpi_type", "success_factor")
    )
    factor = Col("success_factor", "Success Factor", wrap=True, max_width=30)
    return (*_IDENT, *plan, factor)


def write_targets(
    book: Book,
    sheet: Any,
    targets: pd.DataFrame,
    status: pd.DataFrame,
    fiscal_year_be: int,
    title: str,
    subtitle: str,
) -> None:
    """Write the consolidated form A.

    Args:
        book: the results workbook being written.
        sheet: its แผนเป้าหมาย worksheet.
        targets: one row per division × target KPI: ``division_code, kpi_id, name, unit,
            kpi_type, fiscal_year_be``, the plan keys of :func:`kpixl.layout.target_fields`
            (floats, NaN when blank) and ``success_factor`` (text); extra columns ignored.
        status: the status frame (unused columns tolerated); divisions are listed in its
            order, those it lacks after.
        fiscal_year_be: the round's fiscal year.
        title: the sheet's title line.
        subtitle: the line below it.
    """
    cols = target_columns(fiscal_year_be)
    keys = {c.key: i for i, c in enumerate(cols)}
    book.titles(sheet, title, subtitle)
    written = book.table(sheet, HEADER_ROW, cols, _records(targets, status), freeze_cols=3)
    _group_headers(sheet, book.header_format(), keys, fiscal_year_be)
    # The quarter and year headings span several columns: one or two lines each.
    sub_lines = max(
        lines_needed(f"ปีงบประมาณ {fiscal_year_be}", sum(written.widths[i : i + 2]), bold=True)
        for i in (keys[f"plan_{fiscal_year_be - 3}"],)
    )
    sheet.set_row(GROUP_ROW, row_points(1))
    sheet.set_row(SUB_ROW, row_points(max(sub_lines, 1)))
    estimates = L.estimate_years(fiscal_year_be)
    groups = [
        (0, keys["kpi_type"]),
        (keys["m10"], keys["total"]),
        (keys[f"plan_{fiscal_year_be - 3}"], keys[f"result_{fiscal_year_be - 1}"]),
        (keys[estimates[0][0]], keys[estimates[-1][0]]),
        (keys["success_factor"], keys["success_factor"]),
    ]
    print_setup(
        sheet,
        written.widths,
        last_row=written.last,
        repeat_rows=(GROUP_ROW, HEADER_ROW),
        groups=groups,
        repeat_cols=(0, keys["name"]),
        title=f"{title} · {subtitle}",
    )


def _records(targets: pd.DataFrame, status: pd.DataFrame) -> list[dict[str, Any]]:
    order = {value_text(c).strip(): i for i, c in enumerate(status.get("division_code", []))}
    records = []
    for position, rec in enumerate(targets.to_dict("records")):
        code = value_text(rec.get("division_code")).strip()
        records.append(
            {
                **rec,
                "division_code": code,
                "kpi_id": value_text(rec.get("kpi_id")).strip(),
                "_order": (order.get(code, len(order)), code, position),
            }
        )
    return sorted(records, key=lambda r: r["_order"])


def _group_headers(sheet: Any, head: Any, keys: dict[str, int], fy: int) -> None:
    sheet.merge_range(GROUP_ROW, 0, SUB_ROW, keys["kpi_type"], "กองและตัวชี้วัด", head)
    sheet.merge_range(
        GROUP_ROW, keys["m10"], GROUP_ROW, keys["total"], f"แผนการดำเนินงาน ปีงบประมาณ {fy}", head
    )
    for quarter, months in L.QUARTER_MONTHS.items():
        names = f"{MONTHS_TH_ABBR[months[0] - 1]}–{MONTHS_TH_ABBR[months[-1] - 1]}"
        sheet.merge_range(
            SUB_ROW,
            keys[L.month_key(months[0])],
            SUB_ROW,
            keys[f"q{quarter}"],
            f"ไตรมาส {quarter} ({names})",
            head,
        )
    sheet.write_blank(SUB_ROW, keys["total"], None, head)
    first_prior = keys[f"plan_{fy - 3}"]
    sheet.merge_range(GROUP_ROW, first_prior, GROUP_ROW, first_prior + 5, "ปีก่อนหน้า: แผน / ผล", head)
    for offset, year in enumerate(range(fy - 3, fy)):
        col = first_prior + 2 * offset
        sheet.merge_range(SUB_ROW, col, SUB_ROW, col + 1, f"ปีงบประมาณ {year}", head)
    estimates = L.estimate_years(fy)
    first_est, last_est = keys[estimates[0][0]], keys[estimates[-1][0]]
    sheet.merge_range(GROUP_ROW, first_est, GROUP_ROW, last_est, "ประมาณการ (แผน)", head)
    sheet.merge_range(SUB_ROW, first_est, SUB_ROW, last_est, "ปีงบประมาณ (พ.ศ.)", head)
    col = keys["success_factor"]
    sheet.merge_range(GROUP_ROW, col, SUB_ROW, col, "ปัจจัยแห่งความสำเร็จ", head)
