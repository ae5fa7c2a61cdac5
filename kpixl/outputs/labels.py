"""The Thai words of the results workbook: states, statuses and kinds, with their colours.

Colours come from ColorBrewer's colour-blind-safe RdBu and YlOrBr schemes, chosen so that
neighbouring states also differ in lightness (they stay apart in a greyscale print), and a
word always stands beside a colour: no one has to tell colours apart.
"""

from __future__ import annotations

from collections.abc import Mapping

from kpixl.kinds import KINDS
from kpixl.outputs.status import STATE_TH

Look = Mapping[str, str | bool]
"""xlsxwriter format properties: a fill, and the font colour and weight it needs."""

GREY: Look = {"bg_color": "#D9D9D9"}
ORANGE: Look = {"bg_color": "#F4A582"}
YELLOW: Look = {"bg_color": "#FEE08B"}
LIGHT_BLUE: Look = {"bg_color": "#D1E5F0"}
BLUE: Look = {"bg_color": "#92C5DE"}
DARK_BLUE: Look = {"bg_color": "#2166AC", "font_color": "#FFFFFF", "bold": True}

STATE_FILLS: Mapping[str, Look] = {
    "not_received": GREY,
    "errors": ORANGE,
    "scored": BLUE,
    "signed_off": DARK_BLUE,
}
STATE_WORDS = STATE_TH

SEVERITY_WORDS = {"error": "✖ ข้อผิดพลาด", "warning": "⚠ คำเตือน", "info": "ℹ ข้อมูล"}
SEVERITY_FILLS: Mapping[str, Look] = {
    "error": ORANGE,
    "warning": YELLOW,
    "info": LIGHT_BLUE,
}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

ACTOR_WORDS = {"centre": "ส่วนกลาง", "division": "กอง/สำนัก"}

SUBMISSION_WORDS = {
    "counted": "นับคะแนน",
    "superseded": "มีฉบับใหม่กว่า",
    "duplicate": "ซ้ำกับที่ส่งแล้ว",
    "rejected": "ไม่รับ (ลงนามแล้ว)",
    "unreadable": "เปิดไฟล์ไม่ได้",
}
SUBMISSION_FILLS: Mapping[str, Look] = {
    "counted": BLUE,
    "superseded": GREY,
    "duplicate": GREY,
    "rejected": ORANGE,
    "unreadable": ORANGE,
}

KPI_STATUS_WORDS = {
    "ok": "ตามเกณฑ์",
    "gap": "อยู่ในช่องว่างของเกณฑ์",
    "overlap": "ตรงกับเกณฑ์สองระดับ",
    "below": "ไม่ถึงเกณฑ์ระดับ 1",
    "above": "เกินเกณฑ์ระดับ 5",
    "out_of_range": "ค่าอยู่นอกช่วงที่เป็นไปได้",
    "missing": "ยังไม่ได้กรอก",
    "input_error": "ข้อมูลผิดพลาด",
    "no_rubric": "เกณฑ์ยังใช้ไม่ได้ (ส่วนกลางแก้ไข)",
}
"""How a KPI's level came about (the ``status`` of a KPI row), in words."""
KPI_STATUS_FILLS: Mapping[str, Look] = {
    "gap": YELLOW,
    "overlap": YELLOW,
    "below": YELLOW,
    "above": YELLOW,
    "out_of_range": ORANGE,
    "missing": ORANGE,
    "input_error": ORANGE,
    "no_rubric": GREY,
}

KIND_WORDS = {name: kind.title_th for name, kind in KINDS.items()}
"""The KPI kinds in a few Thai words (the master's drop-down help)."""

COMPLETE_WORDS = {"True": "ครบ", "False": "ยังไม่ครบ"}
