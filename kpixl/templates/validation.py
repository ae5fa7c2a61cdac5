"""Data validation shared by the sheets: numbers and dates checked as they are typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kpixl.fiscal import fiscal_year_end, fiscal_year_start, format_date_th
from kpixl.rubric import Range
from kpixl.thai import format_number


def date_validation(sheet: Any, row: int, col: int, fiscal_year_be: int) -> None:
    """A date of the fiscal year or the year after it (a report may come late)."""
    if not fiscal_year_be:
        return
    start = fiscal_year_start(fiscal_year_be)
    end = fiscal_year_end(fiscal_year_be) + dt.timedelta(days=365)
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
            "error_message": f"กรอกวันที่ระหว่าง {format_date_th(start)} ถึง {format_date_th(end)} "
            "เช่น 30/12/2564",
            "input_title": "วันที่",
            "input_message": "พิมพ์วันที่ เช่น 30/12/2564 หรือ 30 ธ.ค. 2564",
        },
    )


def number_validation(sheet: Any, row: int, col: int, *, allow_negative: bool = False) -> None:
    """A number (a warning, not a stop: a division may paste text that kpixl still reads)."""
    sheet.data_validation(
        row,
        col,
        row,
        col,
        {
            "validate": "decimal",
            "criteria": ">=",
            "value": -1e15 if allow_negative else 0,
            "error_type": "warning",
            "error_title": "ตัวเลขเท่านั้น",
            "error_message": "กรอกเป็นตัวเลข เช่น 85 หรือ 1250",
            "ignore_blank": True,
        },
    )


def range_validation(
    sheet: Any, row: int, col: int, value_range: Range | None, percent: bool
) -> None:
    """A result within the KPI's possible range; a percentage is typed without ``%``."""
    low, high = value_range or (None, None)
    options: dict[str, Any] = {"error_title": "ตรวจสอบค่า", "ignore_blank": True}
    hint = " (พิมพ์ตัวเลขโดยไม่ต้องใส่ %)" if percent else ""
    if low is not None and high is not None:
        options.update(
            validate="decimal",
            criteria="between",
            minimum=low,
            maximum=high,
            error_message=f"กรอกตัวเลขตั้งแต่ {format_number(low)} ถึง {format_number(high)}{hint}",
        )
    elif low is not None:
        options.update(
            validate="decimal",
            criteria=">=",
            value=low,
            error_message=f"กรอกตัวเลขตั้งแต่ {format_number(low)} ขึ้นไป{hint}",
        )
    else:
        options.update(
            validate="decimal",
            criteria="between",
            minimum=-1e15,
            maximum=1e15,
            error_message="กรอกเป็นตัวเลข",
        )
    if percent:
        options.update(input_title="ร้อยละ", input_message="พิมพ์ตัวเลข เช่น 85 (ไม่ต้องใส่ %)")
    sheet.data_validation(row, col, row, col, options)
