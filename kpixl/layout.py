"""The layout of a division workbook: the contract between the template writer and the reader.

Every table in a division workbook has a hidden *key row* just above its data: one field key
per column (``kpi_id``, ``result``, ``m10`` …). The reader finds tables by their key rows
and KPIs by their ``kpi_id`` cells, never by fixed coordinates, so rows or columns a
division inserts do not break reading. Sheet names are only a first guess.

Sheets:

* ``ข้อตกลง`` — the agreement page: who agrees with whom, the period, signature blocks.
* ``แบบประเมิน`` — the scoring form (form B): one row per scored KPI row, signature blocks.
* ``รายละเอียดตัวชี้วัด`` — one detail page per KPI, as in the paper agreement.
* ``ข้อมูลประกอบ`` — supporting data: numerators and denominators, this and last year,
  milestone ticks, monthly delivery dates, sub-item values; one row per input, keyed by
  (``kpi_id``, ``field``).
* ``สำรวจ <kpi_id>`` — one per survey KPI: Likert answers, one row per respondent.
* ``แผนเป้าหมาย`` — the target sheet (form A): monthly plan, quarter totals, grand total,
  previous years, estimates, Success Factor; and the sign-off fields.
* ``_kpixl`` — very hidden: template version, division, fiscal year, the centre's
  definitions as JSON, and their fingerprint.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kpixl.fiscal import FISCAL_MONTHS, MONTHS_TH_ABBR

TEMPLATE_VERSION = 2
"""Bump when the layout changes; older workbooks then get ``template-outdated``."""
MARKER = "kpixl-template"

AGREEMENT_SHEET = "ข้อตกลง"
FORM_SHEET = "แบบประเมิน"
DETAIL_SHEET = "รายละเอียดตัวชี้วัด"
DATA_SHEET = "ข้อมูลประกอบ"
TARGET_SHEET = "แผนเป้าหมาย"
META_SHEET = "_kpixl"
SURVEY_PREFIX = "สำรวจ "
REPORT_SHEET = "รายงานผลตรวจ"
UNREAD_SHEETS = frozenset({AGREEMENT_SHEET, DETAIL_SHEET, REPORT_SHEET})
"""The sheets made for people to read, where no cell is for a division to fill in: the
agreement and the KPI details (protected, every cell locked) and the report of a checked
copy. The reader leaves them unread; a copy of one under another name is read as any
sheet is."""

TOTAL_LABEL = "รวม"
SCORE_LABEL = "คะแนนเต็ม 100"
SIGNOFF_LABELS = {
    "signed_off": "นำส่งข้อมูล (Sign Off)",
    "signed_by": "ผู้นำส่งข้อมูล",
    "signed_on": "วันที่นำส่ง",
}
SIGNOFF_YES = "นำส่งแล้ว"
SIGNOFF_NO = "ยังไม่นำส่ง"

TICKS_DONE = (
    "✓", "✔", "☑", "√", "✅", "/", "x", "1", "ใช่", "ถูก", "yes", "true", "ทำแล้ว", "เสร็จ",
    "เสร็จแล้ว", "done",
)  # fmt: skip
"""What marks a milestone step as done (compared case-insensitively, trimmed)."""
NOT_DONE = "ยังไม่ทำ"
TICKS_NOT_DONE = ("", "-", "0", "ไม่", "no", "false", "✗", "ยังไม่ทำ", "ยังไม่เสร็จ")


@dataclass(frozen=True)
class Field:
    """A column of a table: key, Thai header, width."""

    key: str
    label: str
    width: float = 12


@functools.lru_cache(maxsize=8192)
def visible_length(text: str) -> int:
    """Characters that take width: Thai vowel and tone marks above or below take none."""
    return sum(unicodedata.category(ch) not in ("Mn", "Cf") for ch in text)


_NARROW = frozenset(" ilj!'|.,:;()[]{}-`\"เโใไๅrtf/")
_WIDE = frozenset("mwMW@%ฌญฒณฑ—✖⚠ℹ✓๐๑๒๓๔๕๖๗๘๙")
LINE_PT = 23.5
"""Points per line of wrapped TH Sarabun New 14 pt: its line spacing is about 1.65 em
(LibreOffice with Debian's metric clone Laksaman measured 23.2)."""
BOLD = 1.08
"""Bold TH Sarabun New is wider than regular by about this much."""
BREAK_LOSS = 4.0
"""Width units a wrapped line leaves empty (a third of a narrow column's line): Thai breaks
between words only, and LibreOffice keeps some runs of words together (``กระบวนการ/
ขั้นตอนการให้``), so a line can end well before its column does."""


@functools.lru_cache(maxsize=8192)
def text_units(text: str) -> float:
    """Width units ``text`` takes in TH Sarabun New 14 pt, where a unit is one digit (the
    workbooks' default font sets the unit): most Thai letters about 1, marks above or
    below a letter 0, spaces and dots about half, ``m`` and ``ณ`` 1.5."""
    total = 0.0
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Cf"):
            continue
        total += 0.55 if ch in _NARROW else 1.5 if ch in _WIDE else 1.0
    return total


def wrapped_lines(text: str, width: float, chars_per_unit: float = 1.0) -> int:
    """Lines ``text`` takes when wrapped in a column (or merged range) ``width`` units wide.

    Measured in LibreOffice (A4 PDF of TH Sarabun New 14 pt, shown as Laksaman): a column
    of width 8 holds about 7 Thai letters a line, 16 about 14.5, 24 about 23.
    """
    per_line = max((width - 0.5) * chars_per_unit, 1.0)
    total = 0
    for part in str(text).split("\n"):
        size = text_units(part)
        lines = max(1, math.ceil(size / per_line))
        while size + min(BREAK_LOSS, per_line / 3) * (lines - 1) > lines * per_line:
            lines += 1
        if not _THAI.search(part):
            lines = max(lines, _greedy_lines(part, per_line))
        total += lines
    return total


_THAI = re.compile("[\u0e00-\u0e7f]")
_BREAKS = re.compile(r"(?<=[ /\-])")
"""Where a line of text without Thai may break: after a space, a slash or a hyphen."""


def _greedy_lines(text: str, per_line: float) -> int:
    """Lines ``text`` takes when each line is filled up to its last break opportunity: a
    path breaks only after its slashes, and its lines leave far more room empty than Thai
    text does. A part longer than a line is broken anywhere."""
    lines, used = 1, 0.0
    for part in _BREAKS.split(text):
        size = text_units(part)
        if used + size <= per_line:
            used += size
            continue
        if used > 0:
            lines, used = lines + 1, 0.0
        while size > per_line:
            lines, size = lines + 1, size - per_line
        used = size
    return lines


def cut_columns(
    points: Sequence[float],
    blocks: Sequence[tuple[int, int]],
    *,
    lead: float,
    repeated: float,
    room: float,
) -> tuple[tuple[int, ...], float]:
    """Cut a sheet's column ``blocks`` (inclusive ranges kept on one page) into pages side by
    side, each at most ``room`` points wide where a block allows.

    Args:
        points: every column's printed width (points at 100 %).
        blocks: the column ranges to place, left to right.
        lead: points of the columns left of the first block (on the first page only).
        repeated: points of the columns repeated on every later page.
        room: the widest a page may be.

    Returns:
        The first column of each page after the first (the vertical page breaks), and the
        width of the widest page.
    """
    pages: list[list[tuple[int, int]]] = [[]]
    used = lead
    for a, b in blocks:
        size = sum(points[a : b + 1])
        if pages[-1] and used + size > room:
            pages.append([])
            used = repeated
        pages[-1].append((a, b))
        used += size
    widest = max(
        (repeated if number else lead) + sum(points[page[0][0] : page[-1][1] + 1])
        for number, page in enumerate(pages)
    )
    return tuple(page[0][0] for page in pages[1:]), widest


def row_height(
    cells: Iterable[tuple[str, float]],
    line: float = LINE_PT,
    chars_per_unit: float = 1.0,
    size: float = 14,
    bold: bool = False,
) -> float:
    """Row height (points) that shows wrapped text whole: neither xlsxwriter nor openpyxl
    can autofit, and Excel does not refit rows on opening.

    Args:
        cells: (text, column width) pairs of one row.
        line: points per line of 14 pt text.
        chars_per_unit: characters of 14 pt text per unit of column width.
        size: the text's size in points (lines and letters grow with it).
        bold: the text is bold (its letters are a little wider).
    """
    factor = size / 14 * (BOLD if bold else 1.0)
    lines = max(
        (wrapped_lines(text, width, chars_per_unit / factor) for text, width in cells), default=1
    )
    return round(lines * line * size / 14 + 4, 2)


FORM_FIELDS: tuple[Field, ...] = (
    Field("kpi_id", "ตัวชี้วัดที่", 6),
    Field("issue", "งานที่นำเสนอเป็นข้อตกลงการปฏิบัติราชการ", 14),
    Field("name", "ตัวชี้วัดผลงาน", 19),
    Field("unit", "หน่วยวัด", 7),
    *(Field(f"level_{n}", "12345"[n - 1], 11) for n in range(1, 6)),
    Field("result", "ผลการปฏิบัติงาน", 10),
    Field("level", "คะแนนที่ได้ (ก)", 8),
    Field("weight", "ค่าน้ำหนัก (ข)", 8),
    Field("weighted", "รวมคะแนน (ค) = (ก) × (ข) / 100", 10),
    Field("value", "ค่าที่ใช้คิดคะแนน", 11),
    Field("hint", "วิธีกรอก", 30),
)
"""The scoring form's columns. The printed ones (to :data:`FORM_PRINTED`) add up to 137
units: one A4 landscape page wide at 67 % (body text 9.4 pt)."""
FORM_PRINTED = "weighted"
"""The last printed column of the form: the helper columns right of it (the value used
and how to fill in) stay on screen, not on paper."""
FORM_LOCKED = (
    "kpi_id",
    "issue",
    "name",
    "unit",
    "level_1",
    "level_2",
    "level_3",
    "level_4",
    "level_5",
    "weight",
)
"""Form cells the centre defines: a division changing one is a ``locked-field-changed``."""

UNREAD_FIELDS = frozenset({"hint"})
"""Columns of the tables the reader leaves unread: the form's "how to fill in" (the centre's
help, on screen only, not printed): nothing is taken from it."""

DATA_FIELDS: tuple[Field, ...] = (
    Field("kpi_id", "ตัวชี้วัดที่", 8),
    Field("field", "รหัสรายการ", 11),
    Field("label", "รายการ", 54),
    Field("input", "ข้อมูล (กรอก)", 16),
    Field("unit", "หน่วย / ค่าน้ำหนัก", 14),
    Field("helper", "ค่าช่วยคำนวณ", 12),
)
HIDDEN_DATA_FIELDS = ("field",)
"""Columns of the supporting-data sheet that only kpixl reads: hidden from the division."""

SURVEY_FIXED = (Field("round", "ครั้งที่สำรวจ", 9), Field("respondent", "ผู้ตอบคนที่", 9))


def month_key(month: int) -> str:
    """Target-sheet key of a calendar month: ``m10`` for ต.ค."""
    return f"m{month}"


def target_fields(fiscal_year_be: int) -> tuple[Field, ...]:
    """Columns of the target sheet for fiscal year ``fiscal_year_be``, in order."""
    fields = [
        Field("kpi_id", "รหัส", 6),
        Field("name", "ชื่อตัวชี้วัด", 22),
        Field("unit", "หน่วยนับ", 7),
        Field("kpi_type", "ประเภทตัวชี้วัด", 9),
    ]
    for quarter in range(1, 5):
        for month in FISCAL_MONTHS[(quarter - 1) * 3 : quarter * 3]:
            fields.append(Field(month_key(month), MONTHS_TH_ABBR[month - 1], 6.5))
        fields.append(Field(f"q{quarter}", "รวม", 7))
    fields.append(Field("total", "รวมทั้งสิ้น", 8))
    for year in range(fiscal_year_be - 3, fiscal_year_be):
        fields.append(Field(f"plan_{year}", "แผน", 7))
        fields.append(Field(f"result_{year}", "ผล", 7))
    for key, label in estimate_years(fiscal_year_be):
        fields.append(Field(key, label, 8))
    fields.append(Field("success_factor", "Success Factor", 24))
    return tuple(fields)


def estimate_years(fiscal_year_be: int) -> list[tuple[str, str]]:
    """The estimate columns as in the Bureau of the Budget screen: three single years, then
    ranges of five, five and three years (FY 64 → 65, 66, 67, 68–72, 73–77, 78–80)."""
    spans = [(1, 1), (2, 2), (3, 3), (4, 8), (9, 13), (14, 16)]
    result = []
    for start, end in spans:
        first, last = fiscal_year_be + start, fiscal_year_be + end
        if first == last:
            result.append((f"est_{first}", str(first)))
        else:
            result.append((f"est_{first}_{last}", f"{first}–{last}"))
    return result


QUARTER_MONTHS = {q: FISCAL_MONTHS[(q - 1) * 3 : q * 3] for q in range(1, 5)}
TARGET_PLAN_KEYS = (
    *(month_key(m) for m in FISCAL_MONTHS),
    "q1",
    "q2",
    "q3",
    "q4",
    "total",
)


def survey_sheet_name(kpi_id: str) -> str:
    """Sheet name of a survey KPI's answers: Excel allows 31 characters and none of
    ``[]:*?/\\`` (an id such as ``1/2`` becomes ``1-2``)."""
    safe = re.sub(r"[\[\]:*?/\\]", "-", kpi_id).strip("'")
    return f"{SURVEY_PREFIX}{safe}"[:31]


def item_key(aspect_no: str, item_no: str) -> str:
    """Survey key-row key of an item: ``item:1.2``."""
    return f"item:{aspect_no}.{item_no}"


COMPUTED = "computed"
"""The key of the supporting-data row holding a KPI's computed value."""
DATE_FORMAT = "[$-107041E]d mmm yyyy"
"""Dates as a Thai form writes them, in B.E. with Thai month names (``30 ธ.ค. 2564``):
Excel's Thai Buddhist calendar (07) in the Thai locale (041E); LibreOffice shows the same."""
