"""The annotated copy the central office sends back to a division.

:func:`annotate_workbook` loads a returned workbook with openpyxl and writes a *copy* that

* holds kpixl's computed values (level (ก), weighted (ค), รวม, score out of 100) in place of
  the workbook's own formulas for them;
* colours every cell a finding points at (red = error, yellow = warning, light blue = info)
  and explains it in a Thai comment (English on the line below);
* starts with a report sheet (:data:`kpixl.layout.REPORT_SHEET`): the summary and a table of
  every finding, each cell address a link that jumps to the cell.

Everything else is carried across as openpyxl loads it: values, formulas, styles, merged
cells, data validation, conditional formatting, sheet protection, column widths, row heights,
hidden rows, sheet states, defined names, comments, hyperlinks, rich text, charts, pictures
(tests/test_annotate.py compares original and copy cell by cell and part by part).
What openpyxl cannot carry is never dropped silently: the caller passes the parts
:mod:`kpixl.safety` found (``dropped_parts``), and every warning openpyxl gives while
loading (each announces something it discards: an ``extLst`` extension such as sparklines
or data bars, unreadable drawings, …) becomes a ``file-part-dropped`` finding too, as do
pictures when Pillow is missing. openpyxl also loses, without a word: VBA (the copy is
always a macro-free .xlsx), cached formula results (the copy asks for a full recalculation
on opening), the size and visibility of existing comment boxes, text boxes, shapes and form
controls (left to :mod:`kpixl.safety` to report), and the difference between an empty string
cell and a blank cell.

Text that came from a workbook or a user is always written as a string cell, so a value
such as ``=HYPERLINK(...)`` or ``+66`` can never turn into a formula in the copy.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.reader import drawings
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.properties import CalcProperties
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from kpixl import layout as L
from kpixl.atomic import atomic_path
from kpixl.cells import cell_ref, column_letter, parse_cell
from kpixl.findings import FINDING_COLUMNS, SEVERITIES, concat_findings, finding, findings_frame
from kpixl.fiscal import format_date_th

AUTHOR = "kpixl"
"""Author of the comments kpixl adds."""
FONT = "Tahoma"
"""Has Thai glyphs on every Windows machine; also Excel's default comment font."""

SEVERITY_TH: dict[str, str] = {"error": "ข้อผิดพลาด", "warning": "คำเตือน", "info": "ข้อมูล"}
SEVERITY_FILL: dict[str, str] = {"error": "FF9C9C", "warning": "FFD966", "info": "9DC3E6"}
"""Fill (RGB) of a flagged cell by its worst finding: red, yellow, light blue. The yellow is
darker than the templates' pale input yellow (FFF2CC) so a flagged input cell stands out."""

FILLS_COLUMNS: tuple[str, ...] = ("sheet", "cell", "value")

MAX_ROW = 1_048_576
MAX_COLUMN = 16_384
MAX_CELL_TEXT = 32_767
"""Excel keeps at most this many characters in a cell."""


REPORT_COLUMNS: tuple[L.Field, ...] = (
    L.Field("severity", "ระดับ", 12),
    L.Field("sheet", "แผ่นงาน", 18),
    L.Field("cell", "ช่อง", 9),
    L.Field("kpi_id", "ตัวชี้วัด", 10),
    L.Field("code", "รหัสปัญหา", 24),
    L.Field("value", "ค่าที่พบ", 18),
    L.Field("message_th", "ปัญหาและวิธีแก้ไข", 60),
    L.Field("message_en", "Message (English)", 50),
)

SUMMARY_LABELS: dict[str, str] = {
    "division_name": "กอง/สำนัก",
    "division_code": "รหัสกอง",
    "fiscal_year_be": "ปีงบประมาณ พ.ศ.",
    "source": "ไฟล์ที่ตรวจ",
    "checked_at": "ตรวจเมื่อ",
    "template_version": "รุ่นแม่แบบ",
    "kpis": "จำนวนตัวชี้วัด",
    "unscored": "ตัวชี้วัดที่ยังไม่มีคะแนน",
    "total": "รวมคะแนน (ค) (เต็ม ๕)",
    "score_100": "สรุปคะแนน เต็ม ๑๐๐",
    "complete": "ความครบถ้วน",
}
"""Summary keys in the order the report shows them, with their Thai labels. Other keys are
shown after these, under their own names."""
COMPLETE_TEXT = {
    True: "ครบ — คิดคะแนนได้ทุกตัวชี้วัด",
    False: "ยังไม่ครบ — มีตัวชี้วัดที่ยังคิดคะแนนไม่ได้ คะแนนนี้จึงยังไม่ใช่คะแนนสุดท้าย",
}
SCORE_KEYS = ("total", "score_100")

_EXTENSION_WARNING = re.compile(r"^(.*) extension is not supported and will be removed$")


def annotate_workbook(
    src: Path,
    dst: Path,
    *,
    findings: pd.DataFrame,
    fills: pd.DataFrame,
    summary: Mapping[str, Any],
    dropped_parts: Sequence[str] = (),
) -> pd.DataFrame:
    """Write the annotated copy of workbook ``src`` to ``dst`` (atomically).

    Args:
        src: The workbook a division returned (.xlsx or .xlsm). Never written to.
        dst: Where the copy goes; must end in ``.xlsx`` (the copy never keeps macros) and
            must not be ``src``.
        findings: Findings about this workbook; columns :data:`kpixl.findings.FINDING_COLUMNS`.
            A finding whose ``sheet`` and ``cell`` (or ``row``/``column``) exist marks that
            cell; every finding is listed on the report sheet.
        fills: Computed values to put into the copy; columns ``sheet, cell, value``
            (``value`` None/NA leaves the cell empty). They replace what the cell held,
            formulas included; the cell's style stays.
        summary: What the report's summary shows; keys as in :data:`SUMMARY_LABELS`
            (``complete`` a bool), all optional, others shown under their own names.
        dropped_parts: Names of the parts of ``src`` the copy cannot carry (from
            :mod:`kpixl.safety`); each becomes a ``file-part-dropped`` finding.

    Returns:
        The findings the annotation itself raised (``file-part-dropped``: the given
        ``dropped_parts`` and the losses openpyxl announced while loading); columns
        :data:`kpixl.findings.FINDING_COLUMNS`. They are on the report sheet too.

    Raises:
        ValueError: ``dst`` is ``src`` or not an .xlsx path; a frame lacks a column; a
            finding has an unknown severity; a fill names a sheet or cell that does not
            exist or lies inside a merged range.
    """
    src, dst = Path(src), Path(dst)
    if _same_file(src, dst):
        raise ValueError(f"refusing to write the annotated copy over its input {src}")
    if dst.suffix.lower() != ".xlsx":
        raise ValueError(f"the annotated copy is always .xlsx, got {dst.name!r}")
    _require_columns(findings, FINDING_COLUMNS, "findings")
    _require_columns(fills, FILLS_COLUMNS, "fills")
    unknown = set(findings["severity"].astype(str)) - set(SEVERITIES)
    if unknown:
        raise ValueError(f"unknown finding severities: {sorted(unknown)}")

    book, load_warnings = _load(src, extensions_known=bool(dropped_parts))
    if L.REPORT_SHEET in book.sheetnames:
        # An annotated copy sent back in: its old report describes an earlier check.
        book.remove(book[L.REPORT_SHEET])
    source = str(summary.get("source") or src.name)
    parts = [*dropped_parts, *load_warnings]
    own = findings_frame(
        finding("file-part-dropped", source=source, value=part, part=part)
        for part in dict.fromkeys(parts)
    )
    _apply_fills(book, fills)
    everything = concat_findings([findings_frame(findings.to_dict("records")), own])
    rows = _resolve(book, everything)
    _mark_cells(book, rows)
    _write_report(book, rows, summary)
    with atomic_path(dst) as temp:
        book.save(temp)
    return own


# -- loading ---------------------------------------------------------------------------------


def _same_file(src: Path, dst: Path) -> bool:
    if src.resolve() == dst.resolve():
        return True
    try:
        return os.path.samefile(src, dst)
    except OSError:
        return False


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} frame lacks columns {missing}")


def _load(src: Path, *, extensions_known: bool = False) -> tuple[Workbook, list[str]]:
    """Load ``src`` for editing; return the workbook and what openpyxl said it discards.

    With ``extensions_known`` (kpixl.safety listed the package's parts, worksheet extensions
    included) openpyxl's "extension is not supported" warnings would only repeat those.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        book = openpyxl.load_workbook(src, keep_vba=False, keep_links=True, rich_text=True)
    losses = []
    for item in caught:
        if issubclass(item.category, UserWarning):
            text = str(item.message)
            match = _EXTENSION_WARNING.match(text)
            if match and extensions_known:
                continue
            losses.append(f"{match.group(1)} extension (extLst)" if match else text)
        else:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    if not getattr(drawings, "PILImage", None) and _has_media(src):
        # Without Pillow openpyxl drops every picture, and says nothing.
        losses.append("images (xl/media): Pillow is not installed")
    # A template (.xltx/.xltm) would keep its template content type in an .xlsx.
    book.template = False
    # openpyxl keeps no cached formula results: have Excel recalculate on opening.
    if book.calculation is None:
        book.calculation = CalcProperties()
    book.calculation.fullCalcOnLoad = True
    return book, losses


def _has_media(src: Path) -> bool:
    with zipfile.ZipFile(src) as archive:
        return any(name.startswith("xl/media/") for name in archive.namelist())


# -- computed values -------------------------------------------------------------------------


def _apply_fills(book: Workbook, fills: pd.DataFrame) -> None:
    for rec in fills.to_dict("records"):
        sheet, address = str(rec["sheet"]), str(rec["cell"])
        ws = _worksheet(book, sheet)
        target = _address(address)
        if ws is None or target is None:
            raise ValueError(f"fill for a cell that does not exist: {sheet!r}!{address}")
        cell = ws.cell(*target)
        if isinstance(cell, MergedCell):
            raise ValueError(f"fill for {sheet!r}!{address}, inside a merged range")
        _set_value(cell, _plain(rec["value"]))


def _plain(value: Any) -> Any:
    """A value openpyxl can store: numpy scalars unwrapped, NA/NaN as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _set_value(cell: Cell, value: Any) -> None:
    """Store ``value``; a string always as a string, never read as a formula."""
    if value == "":
        cell.value = None
    elif isinstance(value, str):
        cell.value = _safe_text(value)
        cell.data_type = "s"
    else:
        cell.value = value


def _safe_text(text: str) -> str:
    """``text`` as Excel can hold it: no XML-illegal control characters, not too long."""
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    if len(text) > MAX_CELL_TEXT:
        text = text[: MAX_CELL_TEXT - 1] + "…"
    return text


# -- findings on cells -----------------------------------------------------------------------


@dataclass
class _Row:
    """One finding, with the cell it marks (None when that cell is not in the workbook)."""

    rec: dict[str, Any]
    order: int
    target: tuple[str, int, int] | None
    link: str | None


def _worksheet(book: Workbook, name: str) -> Worksheet | None:
    if name not in book.sheetnames:
        return None
    sheet = book[name]
    return sheet if isinstance(sheet, Worksheet) else None


def _address(text: str) -> tuple[int, int] | None:
    try:
        row, column = parse_cell(text)
    except ValueError:
        return None
    if not (1 <= row <= MAX_ROW and 1 <= column <= MAX_COLUMN):
        return None
    return row, column


def _resolve(book: Workbook, frame: pd.DataFrame) -> list[_Row]:
    """Each finding with its target cell (a merged range's top-left cell) and link."""
    sheet_order = {name: i for i, name in enumerate(book.sheetnames)}
    rows = []
    for order, rec in enumerate(frame.to_dict("records")):
        sheet, address = rec["sheet"], rec["cell"]
        if not address and _int(rec["row"]) and _int(rec["column"]):
            address = cell_ref(_int(rec["row"]), _int(rec["column"]))
            rec["cell"] = address
        ws = _worksheet(book, sheet) if sheet else None
        where = _address(address) if address else None
        target = link = None
        if ws is not None and where is not None:
            target = (sheet, *_anchor(ws, *where))
            if ws.sheet_state == "visible":
                link = f"{_quote_sheet(sheet)}!{cell_ref(*where)}"
        rows.append(_Row(rec, order, target, link))
    rank = {s: i for i, s in enumerate(SEVERITIES)}

    def key(row: _Row) -> tuple[int, int, int, int, int]:
        sheet = row.rec["sheet"]
        position = sheet_order.get(sheet, len(sheet_order)) + 1 if sheet else 0
        where = _address(row.rec["cell"]) if row.rec["cell"] else None
        r, c = where or (0, 0)
        return rank[row.rec["severity"]], position, r, c, row.order

    return sorted(rows, key=key)


def _int(value: Any) -> int:
    return 0 if value is None or value is pd.NA or pd.isna(value) else int(value)


def _anchor(ws: Worksheet, row: int, column: int) -> tuple[int, int]:
    """The cell that shows (row, column): the top-left cell of a merged range."""
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= column <= merged.max_col:
            return merged.min_row, merged.min_col
    return row, column


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _mark_cells(book: Workbook, rows: list[_Row]) -> None:
    """Fill each target cell by its worst finding; explain all of them in one comment."""
    by_cell: dict[tuple[str, int, int], list[_Row]] = {}
    for row in rows:
        if row.target is not None:
            by_cell.setdefault(row.target, []).append(row)
    for (sheet, r, c), hits in by_cell.items():
        cell = book[sheet].cell(r, c)
        worst = hits[0].rec["severity"]  # rows are sorted by severity
        colour = SEVERITY_FILL[worst]
        cell.fill = PatternFill(fill_type="solid", start_color=colour, end_color=colour)
        text = "\n\n".join(_comment_entry(hit.rec) for hit in hits)
        old = cell.comment
        if old is not None:
            # Keep their note whole and who wrote it; mark where kpixl's part begins.
            text = f"{old.text.rstrip()}\n\n— {AUTHOR} —\n{text}"
            author = old.author or AUTHOR
        else:
            author = AUTHOR
        text = _safe_text(text)
        width, height = _comment_size(text)
        cell.comment = Comment(text, author, height=height, width=width)


def _comment_entry(rec: Mapping[str, Any]) -> str:
    lines = [f"[{SEVERITY_TH[rec['severity']]}] {rec['message_th']}"]
    if rec["message_en"]:
        lines.append(str(rec["message_en"]))
    return "\n".join(lines)


def _comment_size(text: str) -> tuple[int, int]:
    """(width, height) in pixels of a comment box that shows ``text`` whole (Tahoma 9)."""
    char_px, line_px, pad = 7, 15, 16
    lines = text.split("\n")
    longest = max(L.visible_length(line) for line in lines)
    per_line = min(max(longest, 24), 56)
    count = sum(max(1, math.ceil(L.visible_length(line) / per_line)) for line in lines)
    return per_line * char_px + pad, count * line_px + pad


# -- the report sheet ------------------------------------------------------------------------


class _Styles:
    """The report sheet's look: Tahoma throughout, bordered table, wrapped messages."""

    thin = Side(style="thin", color="A6A6A6")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    title = Font(name=FONT, size=14, bold=True)
    subtitle = Font(name=FONT, size=11)
    note = Font(name=FONT, size=10, italic=True, color="555555")
    label = Font(name=FONT, size=10, bold=True)
    text = Font(name=FONT, size=10)
    link = Font(name=FONT, size=10, color="0563C1", underline="single")
    header_fill = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
    header_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    top_wrap = Alignment(vertical="top", wrap_text=True)
    top = Alignment(vertical="top")
    left = Alignment(horizontal="left", vertical="top")


def _write_report(book: Workbook, rows: list[_Row], summary: Mapping[str, Any]) -> None:
    ws = book.create_sheet(L.REPORT_SHEET, 0)
    # Only one selected tab, or Excel opens the sheets grouped and edits them all.
    for views in [s.views.sheetView for s in book.worksheets] + [
        c.sheetViews.sheetView for c in book.chartsheets
    ]:
        for view in views:
            view.tabSelected = False
    ws.sheet_view.tabSelected = True
    book.active = 0
    for number, column in enumerate(REPORT_COLUMNS, 1):
        ws.column_dimensions[column_letter(number)].width = column.width

    s = _Styles
    _put(ws, 1, 1, "รายงานผลการตรวจแบบประเมินผลสัมฤทธิ์ของงาน (kpixl)", font=s.title)
    heading = " ".join(
        str(summary[k]) for k in ("division_name", "division_code") if _present(summary.get(k))
    )
    if _present(summary.get("fiscal_year_be")):
        heading = f"{heading} ปีงบประมาณ พ.ศ. {summary['fiscal_year_be']}".strip()
    _put(ws, 2, 1, heading, font=s.subtitle)
    _put(
        ws,
        3,
        1,
        "ช่องที่มีปัญหาในแผ่นงานอื่นระบายสีไว้ และมีข้อคิดเห็น (comment) บอกวิธีแก้ไข · "
        "คลิกที่ช่องในคอลัมน์ “ช่อง” เพื่อไปยังตำแหน่งนั้น · "
        "ช่องคะแนน (ก) (ค) รวม และคะแนนเต็ม ๑๐๐ เป็นค่าที่ kpixl คำนวณ",
        font=s.note,
    )
    row = 5
    for key, label, value in _summary_items(summary):
        _put(ws, row, 1, label, font=s.label)
        cell = _put(ws, row, 3, value, font=s.label if key in SCORE_KEYS else s.text)
        cell.alignment = s.left
        if key in SCORE_KEYS and isinstance(value, float):
            cell.number_format = "0.00"
        row += 1
    counts = {sev: sum(r.rec["severity"] == sev for r in rows) for sev in SEVERITIES}
    for severity in SEVERITIES:
        colour = SEVERITY_FILL[severity]
        legend = _put(ws, row, 1, f"{SEVERITY_TH[severity]} (ช่องสีนี้)", font=s.label)
        legend.fill = PatternFill(fill_type="solid", start_color=colour, end_color=colour)
        _put(ws, row, 3, counts[severity], font=s.text).alignment = s.left
        row += 1

    header = row + 1
    for number, column in enumerate(REPORT_COLUMNS, 1):
        cell = _put(ws, header, number, column.label, font=s.label)
        cell.fill, cell.alignment, cell.border = s.header_fill, s.header_align, s.border
    for index, item in enumerate(rows, header + 1):
        _write_finding(ws, index, item)
    last = header + max(len(rows), 1)
    ws.freeze_panes = ws.cell(header + 1, 1)
    ws.auto_filter.ref = f"A{header}:{column_letter(len(REPORT_COLUMNS))}{last}"
    ws.print_title_rows = f"{header}:{header}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "หน้า &P / &N"


def _write_finding(ws: Worksheet, row: int, item: _Row) -> None:
    s = _Styles
    rec = item.rec
    values = {**rec, "severity": SEVERITY_TH[rec["severity"]]}
    for number, column in enumerate(REPORT_COLUMNS, 1):
        cell = _put(ws, row, number, str(values[column.key]), font=s.text)
        cell.border = s.border
        cell.alignment = s.top_wrap if column.width >= 18 else s.top
    severity = ws.cell(row, 1)
    colour = SEVERITY_FILL[rec["severity"]]
    severity.fill = PatternFill(fill_type="solid", start_color=colour, end_color=colour)
    if item.link is not None:
        link = ws.cell(row, 3)
        tip = f"ไปที่ช่อง {rec['cell']} ในแผ่นงาน {rec['sheet']}"
        link.hyperlink = Hyperlink(ref=link.coordinate, location=item.link, tooltip=tip)
        link.font = s.link
    ws.row_dimensions[row].height = L.row_height(
        ((str(values[c.key]), c.width) for c in REPORT_COLUMNS), line=13.5
    )


def _put(ws: Worksheet, row: int, column: int, value: Any, *, font: Font) -> Cell:
    cell = ws.cell(row, column)
    if isinstance(cell, MergedCell):  # the report sheet merges nothing
        raise TypeError(f"report cell {cell.coordinate} is merged")
    _set_value(cell, value)
    cell.font = font
    return cell


def _present(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def _summary_items(summary: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """(key, Thai label, cell value) for each summary entry, known keys first."""
    keys = [k for k in SUMMARY_LABELS if k in summary]
    keys += [k for k in summary if k not in SUMMARY_LABELS]
    items = []
    for key in keys:
        value = summary[key]
        if key == "complete" and _present(value):
            shown: Any = COMPLETE_TEXT[bool(value)]
        elif key in SCORE_KEYS and not _present(value):
            shown = "— (ยังคิดคะแนนไม่ได้)"
        else:
            shown = _summary_value(value)
        items.append((key, SUMMARY_LABELS.get(key, str(key)), shown))
    return items


def _summary_value(value: Any) -> Any:
    value = _plain(value)
    if not _present(value):
        return "—"
    if isinstance(value, bool):
        return "ใช่" if value else "ไม่ใช่"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime):
        return f"{format_date_th(value)} {value:%H:%M}"
    if isinstance(value, dt.date):
        return format_date_th(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        return ", ".join(str(v) for v in value)
    return str(value)
