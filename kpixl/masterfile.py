"""The master workbook on disk: read it into a :class:`~kpixl.master.Master`, write one.

Layout a budget officer can keep by hand: one sheet per table, row 1 holds the headers,
data from row 2, any column order. Each header cell carries the Thai label and, on its
second line, the column key (``ตัวชี้วัดผลงาน`` / ``name``); either one is enough for the
reader. The ``องค์กร`` sheet is a list of label / value pairs in columns A and B.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import xlsxwriter

from kpixl.atomic import atomic_path
from kpixl.findings import finding, findings_frame
from kpixl.master import (
    AGGREGATES,
    KINDS,
    KPI_TYPES,
    ORGANISATION,
    SHEETS,
    Master,
    SheetSpec,
    table_frame,
)
from kpixl.safety import UnusableFile, inspect_workbook
from kpixl.thai import clean_text, parse_number_text

_NUMERIC = {
    "fiscal_year_be",
    "quarter",
    "weight",
    "survey_rounds",
    "min_value",
    "max_value",
    "step",
    "aspect_no",
    "item_no",
    "score",
}


def _label_keys(spec: SheetSpec) -> dict[str, str]:
    """Every accepted header spelling (Thai label or key, spaces ignored) → column key."""
    names: dict[str, str] = {}
    for column in spec.columns:
        names[_norm(column.key)] = column.key
        names[_norm(column.thai)] = column.key
    return names


def _norm(text: str) -> str:
    return clean_text(text).replace(" ", "").lower()


def _header_key(value: Any, names: dict[str, str]) -> str | None:
    if value is None:
        return None
    for line in [str(value), *str(value).splitlines()]:
        key = names.get(_norm(line))
        if key:
            return key
    return None


def read_master(path: Path | str) -> tuple[Master, pd.DataFrame]:
    """Read a master workbook.

    Returns:
        The master and the findings met while reading (missing sheets or columns). Call
        :func:`kpixl.master.check_master` for the checks of the content.

    Raises:
        UnusableFile: the file is not a readable workbook (see :mod:`kpixl.safety`).
    """
    path = Path(path)
    inspect_workbook(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken package
        raise UnusableFile("file-corrupt", {"reason": type(error).__name__}) from error
    source = str(path)
    records: list[dict[str, Any]] = []
    try:
        sheet_names = {_norm(n): n for n in book.sheetnames}
        frames: dict[str, pd.DataFrame] = {}
        columns: dict[str, dict[str, int]] = {}
        organisation: dict[str, str] = {}
        organisation_rows: dict[str, int] = {}
        for spec in SHEETS:
            name = sheet_names.get(_norm(spec.name)) or sheet_names.get(_norm(spec.key))
            if name is None:
                if spec.key in ("organisation", "divisions", "kpis"):
                    records.append(
                        finding(
                            "master-sheet-missing",
                            source=source,
                            sheet=spec.name,
                            sheet_name=spec.name,
                        )
                    )
                frames[spec.key] = table_frame(spec, [])
                continue
            rows = list(book[name].iter_rows(values_only=True))
            if spec is ORGANISATION:
                organisation, organisation_rows = _read_pairs(spec, rows)
                continue
            frame, found, missing = _read_table(spec, rows)
            frames[spec.key] = frame
            columns[spec.key] = found
            for column in missing:
                records.append(
                    finding(
                        "master-column-missing",
                        source=source,
                        sheet=name,
                        row=1,
                        column=1,
                        sheet_name=name,
                        column_name=column,
                    )
                )
    finally:
        book.close()
    master = Master(organisation, frames, columns, source, organisation_rows)
    return master, findings_frame(records)


def _read_pairs(
    spec: SheetSpec, rows: list[tuple[Any, ...]]
) -> tuple[dict[str, str], dict[str, int]]:
    names = _label_keys(spec)
    values: dict[str, str] = {}
    where: dict[str, int] = {}
    for number, row in enumerate(rows, 1):
        if not row:
            continue
        key = _header_key(row[0], names)
        if key:
            values[key] = _text(row[1] if len(row) > 1 else None)
            where[key] = number
    return values, where


def _read_table(
    spec: SheetSpec, rows: list[tuple[Any, ...]]
) -> tuple[pd.DataFrame, dict[str, int], list[str]]:
    names = _label_keys(spec)
    header = rows[0] if rows else ()
    found: dict[str, int] = {}
    for number, value in enumerate(header, 1):
        key = _header_key(value, names)
        if key and key not in found:
            found[key] = number
    missing = [c.thai for c in spec.columns if c.required and c.key not in found]
    records: list[dict[str, Any]] = []
    for number, row in enumerate(rows[1:], 2):
        rec: dict[str, Any] = {
            key: _text(row[col - 1] if col - 1 < len(row) else None) for key, col in found.items()
        }
        if not any(rec.values()):
            continue
        rec["_row"] = number
        records.append(rec)
    return table_frame(spec, records), found, missing


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- writing ----------------------------------------------------------------------------

_WIDTHS = {
    "name": 48,
    "issue": 36,
    "detail_name": 30,
    "description": 60,
    "item": 40,
    "aspect": 30,
    "division_name": 36,
    "notes": 40,
    "group_name": 36,
}
_LISTS = {
    "kind": list(KINDS),
    "aggregate": list(AGGREGATES),
    "kpi_type": list(KPI_TYPES),
    "quarter": ["1", "2", "3", "4"],
}


def write_master(master: Master, path: Path | str) -> Path:
    """Write ``master`` as a master workbook at ``path`` (atomically).

    Returns:
        The path written.
    """
    path = Path(path)
    with atomic_path(path) as temp:
        book = xlsxwriter.Workbook(str(temp))
        header = book.add_format(
            {
                "bold": True,
                "text_wrap": True,
                "valign": "top",
                "bg_color": "#DDEBF7",
                "border": 1,
                "font_name": "Tahoma",
            }
        )
        text = book.add_format({"text_wrap": True, "valign": "top", "font_name": "Tahoma"})
        _write_readme(book, header, text)
        org = book.add_worksheet(ORGANISATION.name)
        org.set_column(0, 0, 34)
        org.set_column(1, 1, 60)
        for number, column in enumerate(ORGANISATION.columns):
            org.write_string(number, 0, f"{column.thai}\n{column.key}", header)
            _write_value(org, number, 1, column.key, master.organisation.get(column.key, ""), text)
        for spec in SHEETS[1:]:
            sheet = book.add_worksheet(spec.name)
            frame = master.frame(spec.key)
            for col, column in enumerate(spec.columns):
                sheet.write_string(0, col, f"{column.thai}\n{column.key}", header)
                sheet.set_column(
                    col, col, _WIDTHS.get(column.key, 14 if len(column.thai) < 14 else 22)
                )
                if column.key in _LISTS:
                    sheet.data_validation(
                        1, col, 5000, col, {"validate": "list", "source": _LISTS[column.key]}
                    )
            for row, rec in enumerate(frame[spec.keys].to_dict("records"), 1):
                for col, key in enumerate(spec.keys):
                    _write_value(sheet, row, col, key, rec[key], text)
            sheet.freeze_panes(1, 0)
            sheet.set_row(0, 45)
            sheet.autofilter(0, 0, max(len(frame), 1), len(spec.columns) - 1)
        book.close()
    return path


def _write_value(sheet: Any, row: int, col: int, key: str, value: str, fmt: Any) -> None:
    number = parse_number_text(value) if key in _NUMERIC and value else None
    # A number cell only where it reads back as the same text: "๑๗" or "2.50" stay text,
    # so a master written and read again has the same definitions and fingerprint.
    if number is not None and _text(number) == value:
        sheet.write_number(row, col, number, fmt)
    elif value:
        sheet.write_string(row, col, value, fmt)


def _write_readme(book: Any, header: Any, text: Any) -> None:
    sheet = book.add_worksheet("คำอธิบาย")
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 26)
    sheet.set_column(2, 2, 90)
    lines = [
        (
            "ไฟล์ข้อมูลหลัก kpixl",
            "kpixl master workbook",
            "ส่วนกลางกำหนดตัวชี้วัดของทุกกองในไฟล์นี้ "
            "แล้วใช้คำสั่ง kpixl templates สร้างไฟล์สำหรับส่งให้แต่ละกอง / The centre defines every "
            "division's KPIs here; `kpixl templates` makes the division workbooks.",
        ),
        ("", "", "ตรวจไฟล์นี้ด้วย `kpixl master check` / Check it with `kpixl master check`."),
        ("ชนิดเกณฑ์ (kind)", "", ", ".join(KINDS)),
        (
            "การรวมยอด (aggregate)",
            "",
            "sum = นับรวมได้ (จำนวน) · last = ค่าสะสม ใช้ค่าล่าสุด · none = ร้อยละ/ระดับ ไม่รวม",
        ),
        (
            "เกณฑ์ระดับ ๑–๕",
            "",
            "พิมพ์ตามที่เขียนในแบบฟอร์ม เช่น “ไม่ถึงร้อยละ ๖๐”, "
            "“ทำขั้นตอนที่ ๑-๒ ได้ ๒ คะแนน”, “ภายในวันที่ ๓๐ ธันวาคม ๒๕๖๔”",
        ),
    ]
    sheet.write_row(0, 0, ["หัวข้อ", "Topic", "คำอธิบาย / Description"], header)
    for number, line in enumerate(lines, 1):
        for col, value in enumerate(line):
            sheet.write_string(number, col, value, text)
    row = len(lines) + 2
    sheet.write_row(row, 0, ["แผ่นงาน / sheet", "คอลัมน์ / column", "หัวคอลัมน์ภาษาไทย"], header)
    for spec in SHEETS:
        for column in spec.columns:
            row += 1
            mark = " *" if column.required else ""
            sheet.write_string(row, 0, spec.name, text)
            sheet.write_string(row, 1, column.key + mark, text)
            sheet.write_string(row, 2, column.thai, text)
