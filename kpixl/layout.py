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

import math
import re
import unicodedata
from collections.abc import Iterable
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


def visible_length(text: str) -> int:
    """Characters that take width: Thai vowel and tone marks above or below take none."""
    return sum(unicodedata.category(ch) not in ("Mn", "Cf") for ch in text)


def row_height(
    cells: Iterable[tuple[str, float]], line: float = 14.5, chars_per_unit: float = 1.15
) -> float:
    """Row height (points) that shows wrapped text whole: neither xlsxwriter nor openpyxl
    can autofit, and Excel does not refit rows on opening.

    Args:
        cells: (text, column width) pairs of one row.
        line: points per line of text.
        chars_per_unit: characters of the font per unit of column width.
    """
    lines = 1
    for text, width in cells:
        per_line = max(width * chars_per_unit - 1, 1.0)
        count = sum(
            max(1, math.ceil(visible_length(part) / per_line)) for part in str(text).split("\n")
        )
        lines = max(lines, count)
    return lines * line + 3


FORM_FIELDS: tuple[Field, ...] = (
    Field("kpi_id", "ตัวชี้วัดที่", 7),
    Field("issue", "งานที่นำเสนอเป็นข้อตกลงการปฏิบัติราชการ", 20),
    Field("name", "ตัวชี้วัดผลงาน", 28),
    Field("unit", "หน่วยวัด", 7),
    *(Field(f"level_{n}", "12345"[n - 1], 14) for n in range(1, 6)),
    Field("result", "ผลการปฏิบัติงาน", 11),
    Field("level", "คะแนนที่ได้ (ก)", 9),
    Field("weight", "ค่าน้ำหนัก (ข)", 9),
    Field("weighted", "รวมคะแนน (ค) = (ก) × (ข) / 100", 11),
    Field("value", "ค่าที่ใช้คิดคะแนน", 11),
    Field("hint", "วิธีกรอก", 30),
)
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

DATA_FIELDS: tuple[Field, ...] = (
    Field("kpi_id", "ตัวชี้วัดที่", 8),
    Field("field", "รหัสรายการ", 11),
    Field("label", "รายการ", 60),
    Field("input", "ข้อมูล (กรอก)", 16),
    Field("unit", "หน่วย / ค่าน้ำหนัก", 14),
    Field("helper", "ค่าช่วยคำนวณ", 12),
)
HIDDEN_DATA_FIELDS = ("field",)
"""Columns of the supporting-data sheet that only kpixl reads: hidden from the division."""

SURVEY_FIXED = (Field("round", "ครั้งที่สำรวจ", 10), Field("respondent", "ผู้ตอบคนที่", 10))


def month_key(month: int) -> str:
    """Target-sheet key of a calendar month: ``m10`` for ต.ค."""
    return f"m{month}"


def target_fields(fiscal_year_be: int) -> tuple[Field, ...]:
    """Columns of the target sheet for fiscal year ``fiscal_year_be``, in order."""
    fields = [
        Field("kpi_id", "รหัส", 7),
        Field("name", "ชื่อตัวชี้วัด", 40),
        Field("unit", "หน่วยนับ", 9),
        Field("kpi_type", "ประเภทตัวชี้วัด", 11),
    ]
    for quarter in range(1, 5):
        for month in FISCAL_MONTHS[(quarter - 1) * 3 : quarter * 3]:
            fields.append(Field(month_key(month), MONTHS_TH_ABBR[month - 1], 7))
        fields.append(Field(f"q{quarter}", "รวม", 8))
    fields.append(Field("total", "รวมทั้งสิ้น", 9))
    for year in range(fiscal_year_be - 3, fiscal_year_be):
        fields.append(Field(f"plan_{year}", "แผน", 8))
        fields.append(Field(f"result_{year}", "ผล", 8))
    for key, label in estimate_years(fiscal_year_be):
        fields.append(Field(key, label, 9))
    fields.append(Field("success_factor", "Success Factor", 30))
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
