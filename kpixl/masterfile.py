"""The master workbook on disk: read it into a :class:`~kpixl.master.Master`, write one.

Layout a budget officer can keep by hand: one sheet per table, row 1 holds the headers,
data from row 2, any column order. Each header cell carries the Thai label and, on its
second line, the column key (``ตัวชี้วัดผลงาน`` / ``name``); either one is enough for the
reader. The ``องค์กร`` sheet is a list of label / value pairs in columns A and B.

The writer adds what a clerk needs and the reader ignores: a guidance sheet with a worked
example (:mod:`kpixl.master_guide`), drop-downs, the meaning of the chosen kind beside it,
and each division's live weight total (:data:`kpixl.master.HELPER_COLUMNS`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import xlsxwriter

from kpixl.atomic import atomic_path
from kpixl.cells import column_letter
from kpixl.findings import finding, findings_frame
from kpixl.kinds import KINDS as KIND_REGISTRY
from kpixl.master import (
    AGGREGATES,
    DIVISIONS,
    HELPER_COLUMNS,
    KINDS,
    KPI_TYPES,
    KPIS,
    LEVELS,
    ORGANISATION,
    SHEETS,
    Master,
    SheetSpec,
    is_example,
    table_frame,
    written_columns,
    written_keys,
)
from kpixl.master_guide import KINDS_SHEET, row_height, write_guidance, write_kinds_sheet
from kpixl.precision import round_value
from kpixl.safety import UnusableFile, inspect_workbook
from kpixl.scoring import WEIGHT_TOLERANCE, WEIGHT_TOTAL, weights_add_up
from kpixl.templates.styles import FONT
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
        :func:`kpixl.checks.master.check_master` for the checks of the content.

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
    "division_code": 14,
    "kpi_id": 9,
    "name": 48,
    "issue": 36,
    "detail_name": 30,
    "description": 60,
    "formula": 40,
    "item": 40,
    "aspect": 30,
    "division_name": 36,
    "director": 28,
    "director_title": 36,
    "notes": 48,
    "group_name": 36,
    "kind": 22,
    "kind_help": 46,
    "weight_total": 12,
    "weight_status": 30,
    **{f"level_{n}": 34 for n in LEVELS},
    **{f"detail_level_{n}": 30 for n in LEVELS},
}
_LISTS = {
    "kind": list(KINDS),
    "aggregate": list(AGGREGATES),
    "kpi_type": list(KPI_TYPES),
    "quarter": ["1", "2", "3", "4"],
}
_PROMPTS = {
    "kind": (
        "ชนิดเกณฑ์",
        "เลือกจากรายการ แล้วดูความหมายในคอลัมน์ถัดไป (ทุกชนิดอยู่ในแผ่นงาน ชนิดเกณฑ์) "
        "เว้นว่าง = ตัวชี้วัดของแผนเป้าหมาย (แบบ ก) ที่ไม่คิดคะแนน",
    ),
    "aggregate": (
        "การรวมยอด",
        "sum = จำนวนที่นำมาบวกกันได้ · last = ค่าสะสม ใช้ค่าล่าสุด · none = ร้อยละหรือระดับ ไม่นำมารวม",
    ),
    "kpi_type": ("ประเภทตัวชี้วัด", "เลือก เชิงปริมาณ หรือ เชิงคุณภาพ"),
    "quarter": ("ไตรมาส", "เฉพาะตัวชี้วัดที่แยกแถวรายไตรมาส: 1 ถึง 4"),
    "division_code": ("รหัสกอง", "เลือกรหัสกองจากแผ่นงาน กอง"),
}
_VALIDATED_ROWS = 5000
_HELPER_ROWS = 200
"""Rows below the data that carry the helper formulas, for the rows a clerk adds."""
_DIVISION_LIST_ROWS = 1000
_BLANK_KIND_TH = "(ว่าง) ไม่คิดคะแนน: ตัวชี้วัดของแผนเป้าหมาย (แบบ ก) เท่านั้น"
_UNKNOWN_KIND_TH = "⚠ ไม่ใช่ชนิดเกณฑ์ในรายการ (ดูแผ่นงาน ชนิดเกณฑ์)"
_NO_SCORED_TH = "— ยังไม่มีตัวชี้วัดที่คิดคะแนน"
_TEXT_WEIGHT_TH = "⚠ ค่าน้ำหนักบางแถวเป็นข้อความ (เช่น เลขไทย) รวมในแผ่นงานนี้ไม่ได้"
_WEIGHT_OK_TH = "✓ รวมได้ 100"
_ORGANISATION_NOTES = {
    "org_name": "ชื่อเต็มขององค์กร เช่น องค์การบริหารส่วนจังหวัดนครสวรรค์ (ต้องกรอก)",
    "fiscal_year_be": "ปีงบประมาณเป็น พ.ศ. เช่น 2569 (ต้องกรอก)",
    "executive": "ชื่อผู้รับข้อตกลง เช่น นายก อบจ. แสดงในหน้าข้อตกลงและช่องลงนาม",
    "executive_title": "ตำแหน่งของผู้รับข้อตกลง",
    "agency_code": "รหัสหน่วยงานตามระบบของสำนักงบประมาณ (ถ้ามี)",
    "office": "ส่วนราชการที่รับแบบประเมินคืน เช่น กองยุทธศาสตร์และงบประมาณ",
    "office_email": "อีเมลที่กอง/สำนักส่งไฟล์คืน",
    "sheet_password": "รหัสผ่านป้องกันแผ่นงานในไฟล์ของกอง/สำนัก (เว้นว่างได้)",
}


def write_master(master: Master, path: Path | str) -> Path:
    """Write ``master`` as a master workbook at ``path`` (atomically).

    Besides the centre's sheets: a guidance sheet first (คำแนะนำ, with a worked example),
    the kinds and their meaning (ชนิดเกณฑ์) last, drop-downs for the kind, the division
    code and the other closed lists, what the chosen kind means beside it, and each
    division's live weight total with a visible warning when it is not 100. Rows whose
    ``notes`` mark them as examples are shown in grey italics.

    Returns:
        The path written.
    """
    path = Path(path)
    with atomic_path(path) as temp:
        book = xlsxwriter.Workbook(str(temp))
        formats = _formats(book)
        write_guidance(book, formats, master.fiscal_year_be or None)
        _write_organisation(book, formats, master)
        for spec in SHEETS[1:]:
            _write_table(book, formats, master, spec)
        write_kinds_sheet(book, formats)
        book.close()
    return path


def _formats(book: Any) -> dict[str, Any]:
    base = {"font_name": FONT, "font_size": 14, "valign": "top", "text_wrap": True}

    def fmt(**extra: Any) -> Any:
        return book.add_format({**base, **extra})

    return {
        "header": fmt(bold=True, bg_color="#DDEBF7", border=1),
        "helper_header": fmt(bold=True, bg_color="#E2EFDA", border=1),
        "text": fmt(),
        "example": fmt(italic=True, font_color="#595959", bg_color="#F2F2F2"),
        "helper": fmt(bg_color="#E2EFDA", font_color="#1F3A1F"),
        "title": fmt(bold=True, font_size=18, text_wrap=False),
        "heading": fmt(bold=True, font_size=16, text_wrap=False),
        "label": fmt(bold=True),
        "note": fmt(italic=True, font_color="#404040"),
        "warn": book.add_format({"bold": True, "bg_color": "#F4B183", "font_color": "#7F2704"}),
        "ok": book.add_format({"bg_color": "#E2EFDA", "font_color": "#1F3A1F"}),
    }


def _print_setup(
    sheet: Any, *, landscape: bool, repeat_columns: int = 0, repeat_header: bool = True
) -> None:
    """A4 at the written size (14 pt stays 14 pt: a master is wide, so it prints across
    pages rather than shrunk), header row and key columns repeated, page numbers."""
    if landscape:
        sheet.set_landscape()
    sheet.set_paper(9)
    if repeat_header:
        sheet.repeat_rows(0)
    if repeat_columns:
        sheet.repeat_columns(0, repeat_columns - 1)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer(f'&C&"{FONT}"&12&A หน้า &P / &N')


def _write_organisation(book: Any, formats: dict[str, Any], master: Master) -> None:
    sheet = book.add_worksheet(ORGANISATION.name)
    widths = (28, 46, 50)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    for row, column in enumerate(ORGANISATION.columns):
        label = f"{column.thai}\n{column.key}"
        value = master.organisation.get(column.key, "")
        note = _ORGANISATION_NOTES.get(column.key, "")
        sheet.write_string(row, 0, label, formats["header"])
        _write_value(sheet, row, 1, column.key, value, formats["text"])
        sheet.write_string(row, 2, note, formats["note"])
        sheet.set_row(row, row_height(zip((label, value, note), widths, strict=True)))
    _print_setup(sheet, landscape=True, repeat_header=False)
    sheet.fit_to_pages(1, 0)
    sheet.print_area(0, 0, len(ORGANISATION.columns) - 1, len(widths) - 1)


def _write_table(book: Any, formats: dict[str, Any], master: Master, spec: SheetSpec) -> None:
    sheet = book.add_worksheet(spec.name)
    frame = master.frame(spec.key)
    keys = written_keys(spec)
    helpers = {h.key: h for h in HELPER_COLUMNS.get(spec.key, ())}
    thai = {c.key: c.thai for c in spec.columns}
    widths = [_WIDTHS.get(k, 14 if len(thai.get(k, "")) < 14 else 22) for k in keys]
    headers = []
    for col, key in enumerate(keys):
        if key in helpers:
            label = f"{helpers[key].thai}\n(คำนวณให้ ไม่ต้องกรอก)"
            sheet.write_string(0, col, label, formats["helper_header"])
        else:
            label = f"{thai[key]}\n{key}"
            sheet.write_string(0, col, label, formats["header"])
        headers.append(label)
        sheet.set_column(col, col, widths[col])
        _validate(sheet, col, key, spec)
    sheet.set_row(0, row_height(zip(headers, widths, strict=True)))
    examples = is_example(frame).tolist()
    weights = weight_status(master) if spec.key == "divisions" else {}
    for row, rec in enumerate(frame[spec.keys].to_dict("records"), 1):
        fmt = formats["example"] if examples[row - 1] else formats["text"]
        for col, key in enumerate(keys):
            if key not in helpers:
                _write_value(sheet, row, col, key, rec[key], fmt)
        texts = [_helper_text(spec.key, key, rec, weights) or rec.get(key, "") for key in keys]
        sheet.set_row(row, row_height(zip(texts, widths, strict=True)))
    if spec.key == "kpis":
        _kind_help(sheet, formats, frame, keys)
    if spec.key == "divisions":
        _weight_totals(sheet, formats, master, keys)
    sheet.freeze_panes(1, 2 if spec.key == "kpis" else 0)
    sheet.autofilter(0, 0, max(len(frame), 1), len(keys) - 1)
    _print_setup(sheet, landscape=True, repeat_columns=2 if spec.key == "kpis" else 0)
    # The rows written: the helper formulas of the spare rows below would print as pages
    # of empty cells (the guidance says how to print rows a clerk adds).
    sheet.print_area(0, 0, max(len(frame), 1), len(keys) - 1)


def _helper_text(
    sheet: str, key: str, rec: dict[str, str], weights: dict[str, tuple[float | None, str]]
) -> str:
    """What a helper cell of a written row shows (for its row's height)."""
    if key == "kind_help":
        return kind_meaning(rec["kind"], rec["kpi_id"])
    if key == "weight_status":
        return weights.get(rec["division_code"], (None, ""))[1]
    return ""


def _validate(sheet: Any, col: int, key: str, spec: SheetSpec) -> None:
    options: dict[str, Any] | None = None
    if key in _LISTS:
        options = {
            "validate": "list",
            "source": _LISTS[key],
            "error_title": "ค่าที่เลือกได้",
            "error_message": "เลือกจากรายการในช่องนี้เท่านั้น (ดูแผ่นงาน คำแนะนำ)",
        }
    elif key == "division_code" and spec.key != "divisions":
        code_col = column_letter(written_columns(DIVISIONS)["division_code"])
        options = {
            "validate": "list",
            "source": f"='{DIVISIONS.name}'!${code_col}$2:${code_col}${_DIVISION_LIST_ROWS}",
            "error_type": "warning",
            "error_title": "รหัสกอง",
            "error_message": "รหัสกองนี้ยังไม่มีในแผ่นงาน กอง — เพิ่มกองในแผ่นงาน กอง ก่อน",
        }
    if options is None:
        return
    if key in _PROMPTS:
        options["input_title"], options["input_message"] = _PROMPTS[key]
    sheet.data_validation(1, col, _VALIDATED_ROWS, col, options)


def kind_meaning(kind: str, kpi_id: str = "") -> str:
    """What the kind column's helper shows for ``kind`` (as its formula computes it)."""
    if not kind:
        return _BLANK_KIND_TH if kpi_id else ""
    entry = KIND_REGISTRY.get(kind)
    return f"{entry.title_th}: {entry.explain_th}" if entry else _UNKNOWN_KIND_TH


def _kind_help(sheet: Any, formats: dict[str, Any], frame: pd.DataFrame, keys: list[str]) -> None:
    col = keys.index("kind_help")
    kind, kpi_id = (column_letter(keys.index(k) + 1) for k in ("kind", "kpi_id"))
    table = f"'{KINDS_SHEET}'!$A$2:$C${len(KIND_REGISTRY) + 1}"
    records = frame[["kind", "kpi_id"]].to_dict("records")
    for row in range(1, len(frame) + _HELPER_ROWS + 1):
        k, i = f"{kind}{row + 1}", f"{kpi_id}{row + 1}"
        formula = (
            f'=IF({k}="",IF({i}="","","{_BLANK_KIND_TH}"),'
            f'IFERROR(VLOOKUP({k},{table},2,FALSE)&": "&VLOOKUP({k},{table},3,FALSE),'
            f'"{_UNKNOWN_KIND_TH}"))'
        )
        rec = records[row - 1] if row <= len(records) else {"kind": "", "kpi_id": ""}
        cached = kind_meaning(rec["kind"], rec["kpi_id"])
        sheet.write_formula(row, col, formula, formats["helper"], cached)


_TOLERANCE = np.format_float_positional(WEIGHT_TOLERANCE)
"""The formulas' tolerance of a weights' total, the checks' own (``0.000000001``)."""


def _total_text(total: float) -> str:
    """A weights' total as the status formula writes it: rounded as ROUND(…, 2) rounds
    (half away from zero), unless that shows 100 for a total that is not (then every
    digit)."""
    rounded = round_value(total)
    return f"{total:.15g}" if rounded == WEIGHT_TOTAL else _text(rounded)


def weight_status(master: Master) -> dict[str, tuple[float | None, str]]:
    """Division code → (weight total, status) as the division sheet's formulas compute
    them from the written cells: weights written as numbers add up; a weight kept as text
    (Thai digits, "2.50") cannot be added by the spreadsheet and is said so."""
    kpis = master.kpis
    result: dict[str, tuple[float | None, str]] = {}
    for code in master.division_codes():
        scored = kpis[kpis["division_code"].eq(code) & kpis["kind"].ne("")]
        numbers = [_number_cell("weight", w) for w in scored["weight"]]
        total = float(sum(n for n in numbers if n is not None))
        if scored.empty:
            status = _NO_SCORED_TH
        elif any(n is None and w for n, w in zip(numbers, scored["weight"], strict=True)):
            status = _TEXT_WEIGHT_TH
        elif weights_add_up(total):
            status = _WEIGHT_OK_TH
        else:
            status = f"⚠ รวมได้ {_total_text(total)} ไม่เท่ากับ 100"
        result[code] = (total, status)
    return result


def _weight_totals(sheet: Any, formats: dict[str, Any], master: Master, keys: list[str]) -> None:
    kpi_cols = written_columns(KPIS)
    quoted = f"'{KPIS.name}'!"
    code_k, kind_k, weight_k = (
        column_letter(kpi_cols[k]) for k in ("division_code", "kind", "weight")
    )
    last = _VALIDATED_ROWS

    def whole(letter: str) -> str:
        return f"{quoted}${letter}:${letter}"

    def rows(letter: str) -> str:
        return f"{quoted}${letter}$2:${letter}${last}"

    total_col, status_col = keys.index("weight_total"), keys.index("weight_status")
    total_letter = column_letter(total_col + 1)
    code_letter = column_letter(keys.index("division_code") + 1)
    status = weight_status(master)
    codes = master.divisions["division_code"].tolist()
    for row in range(1, len(codes) + 51):
        code, total = f"${code_letter}{row + 1}", f"{total_letter}{row + 1}"
        cached = status.get(codes[row - 1], (None, "")) if row <= len(codes) else (None, "")
        sheet.write_formula(
            row,
            total_col,
            f'=IF({code}="","",SUMIFS({whole(weight_k)},{whole(code_k)},{code},'
            f'{whole(kind_k)},"<>"))',
            formats["helper"],
            "" if cached[0] is None else cached[0],
        )
        sheet.write_formula(
            row,
            status_col,
            f'=IF({code}="","",IF(COUNTIFS({whole(code_k)},{code},{whole(kind_k)},"<>")=0,'
            f'"{_NO_SCORED_TH}",IF(SUMPRODUCT(({rows(code_k)}={code})*({rows(kind_k)}<>"")'
            f'*ISTEXT({rows(weight_k)}))>0,"{_TEXT_WEIGHT_TH}",IF(ABS({total}-100)<={_TOLERANCE},'
            f'"{_WEIGHT_OK_TH}","⚠ รวมได้ "&IF(ROUND({total},2)=100,{total},ROUND({total},2))'
            f'&" ไม่เท่ากับ 100"))))',
            formats["helper"],
            cached[1],
        )
    last_row = len(codes) + 50
    for col in (total_col, status_col):
        sheet.conditional_format(
            1,
            col,
            last_row,
            col,
            {
                "type": "formula",
                "criteria": f'=LEFT(${column_letter(status_col + 1)}2,1)="⚠"',
                "format": formats["warn"],
            },
        )
    sheet.conditional_format(
        1,
        status_col,
        last_row,
        status_col,
        {"type": "text", "criteria": "begins with", "value": "✓", "format": formats["ok"]},
    )


def _number_cell(key: str, value: str) -> float | None:
    """The number a cell of column ``key`` is written as, or None when it stays text."""
    number = parse_number_text(value) if key in _NUMERIC and value else None
    # A number cell only where it reads back as the same text: "๑๗" or "2.50" stay text,
    # so a master written and read again has the same definitions and fingerprint.
    return number if number is not None and _text(number) == value else None


def _write_value(sheet: Any, row: int, col: int, key: str, value: str, fmt: Any) -> None:
    number = _number_cell(key, value)
    if number is not None:
        sheet.write_number(row, col, number, fmt)
    elif value:
        sheet.write_string(row, col, value, fmt)
