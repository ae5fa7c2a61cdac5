"""The one catalogue of finding codes, and the findings frame.

A finding is a row of data, not an exception: every stage returns a DataFrame with the
columns in :data:`FINDING_COLUMNS`. Codes are stable kebab-case strings; each has a
severity and a Thai and an English message template (``str.format`` fields). A code is
never renamed: tools downstream filter on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kpixl.cells import cell_ref
from kpixl.thai import to_arabic_digits

FINDING_COLUMNS: list[str] = [
    "source",
    "sheet",
    "cell",
    "row",
    "column",
    "kpi_id",
    "code",
    "severity",
    "value",
    "message_th",
    "message_en",
    "actor",
]
"""Columns of every findings frame, in order. ``row``/``column`` are 1-based Excel numbers
(NA where the finding is not about a cell); ``cell`` is the matching A1 address; ``actor``
says who must act: :data:`CENTRE` or :data:`DIVISION`."""

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
CENTRE = "centre"
"""The central office: its master (criteria, weights, names) or its tools must change."""
DIVISION = "division"
"""The division: its workbook must change (or it should check what it typed)."""
ACTORS: tuple[str, ...] = (CENTRE, DIVISION)
ACTOR_TH: dict[str, str] = {CENTRE: "ส่วนกลาง", DIVISION: "กอง/สำนัก"}


@dataclass(frozen=True)
class FindingCode:
    """One entry of the catalogue.

    Messages are written for the person who reads them: Arabic digits throughout, no
    interval notation, no English inside Thai, and a division is never asked to change
    what the centre owns (codes whose ``actor`` is the centre say that the centre acts).
    """

    code: str
    severity: str
    actor: str
    message_th: str
    message_en: str


def _c(code: str, severity: str, actor: str, th: str, en: str) -> tuple[str, FindingCode]:
    return code, FindingCode(code, severity, actor, th, en)


_C, _D = CENTRE, DIVISION
_NOT_SCORED_TH = "ตัวชี้วัดนี้จึงยังไม่มีคะแนน"
_NOT_SCORED_EN = "the KPI is not scored"

CATALOGUE: dict[str, FindingCode] = dict(
    [
        # --- rubric definitions (lint): the centre's criteria ---------------------------
        _c(
            "rubric-unparseable",
            "error",
            _C,
            "อ่านเกณฑ์ระดับ {level} ไม่ได้: “{text}” ({reason}) — กรุณาเขียนเกณฑ์ใหม่ให้ชัดเจน",
            "Cannot read the level {level} criterion “{text}” ({reason_en}); rewrite it clearly.",
        ),
        _c(
            "rubric-level-count",
            "error",
            _C,
            "เกณฑ์การให้คะแนนต้องมี 5 ระดับ แต่พบ {count} ระดับ",
            "A rubric needs five levels; found {count}.",
        ),
        _c(
            "rubric-kind-mismatch",
            "error",
            _C,
            "เกณฑ์ระดับ {level} “{text}” ไม่ตรงกับชนิดเกณฑ์ “{kind}” — กรุณาแก้ชนิดเกณฑ์หรือข้อความเกณฑ์",
            "The level {level} criterion “{text}” does not fit the rubric kind “{kind}”.",
        ),
        _c(
            "rubric-gap",
            "warning",
            _C,
            "เกณฑ์มีช่องว่างระหว่างระดับ {lower_level} กับ {upper_level}: {gap} ไม่ตรงกับเกณฑ์ระดับใด "
            "(จะได้ระดับ {lower_level})",
            "Gap between levels {lower_level} and {upper_level}: no criterion covers {gap_en} "
            "(level {lower_level} is given).",
        ),
        _c(
            "rubric-overlap",
            "warning",
            _C,
            "เกณฑ์ระดับ {lower_level} กับ {upper_level} ซ้อนกัน: {overlap} ตรงกับทั้งสองระดับ "
            "(จะได้ระดับที่ดีกว่า)",
            "Levels {lower_level} and {upper_level} overlap: both cover {overlap_en} (the better "
            "level is given).",
        ),
        _c(
            "rubric-order",
            "error",
            _C,
            "เกณฑ์ระดับ {level} อยู่ผิดลำดับ: ควรดีกว่าระดับ {previous}",
            "Level {level} is out of order: it should be better than level {previous}.",
        ),
        _c(
            "rubric-mixed-direction",
            "error",
            _C,
            "เกณฑ์บางระดับยิ่งมากยิ่งดี บางระดับยิ่งน้อยยิ่งดี — ต้องเป็นทิศทางเดียวกัน",
            "Some levels improve upwards and some downwards; a rubric needs one direction.",
        ),
        _c(
            "rubric-bottom-uncovered",
            "warning",
            _C,
            "เกณฑ์ระดับ 1 ไม่ครอบคลุมผลที่แย่ที่สุดที่เป็นไปได้: {uncovered} ไม่ตรงกับระดับใด และจะได้ 0 คะแนน",
            "Level 1 does not reach the worst possible results: no criterion covers "
            "{uncovered_en} (level 0 is given).",
        ),
        _c(
            "rubric-top-capped",
            "warning",
            _C,
            "เกณฑ์ระดับ 5 มีเพดาน: {uncovered} เกินเกณฑ์ระดับ 5 (จะได้ 5 คะแนน)",
            "Level 5 is capped: beyond it, level 5 is given to {uncovered_en}.",
        ),
        _c(
            "rubric-quarters-missing",
            "error",
            _C,
            "ตัวชี้วัดรายไตรมาส {group} ไม่มีเกณฑ์ของไตรมาส {quarters}",
            "Quarterly KPI {group} has no criteria for quarter(s) {quarters}.",
        ),
        _c(
            "rubric-detail-mismatch",
            "warning",
            _C,
            "เกณฑ์ระดับ {level} ในหน้ารายละเอียด “{detail}” ไม่ตรงกับแบบประเมิน “{summary}”",
            "The level {level} criterion on the detail page “{detail}” differs from the scoring "
            "form “{summary}”.",
        ),
        _c(
            "rubric-steps-missing",
            "error",
            _C,
            "ตัวชี้วัดแบบขั้นตอนไม่มีรายละเอียดขั้นตอนที่ {steps} ในแผ่นงานขั้นตอน",
            "Milestone KPI has no description for step(s) {steps}.",
        ),
        _c(
            "survey-items-missing",
            "error",
            _C,
            "ตัวชี้วัดความพึงพอใจไม่มีข้อคำถามในแผ่นงานแบบสำรวจ",
            "Satisfaction KPI has no survey items.",
        ),
        _c(
            "weighted-items-missing",
            "error",
            _C,
            "ตัวชี้วัดแบบรายการย่อยไม่มีรายการย่อย หรือรายการย่อยไม่มีค่าน้ำหนักที่เป็นตัวเลข",
            "Weighted-items KPI has no sub-items or an item weight that is not a number.",
        ),
        _c(
            "kpi-unscorable",
            "error",
            _C,
            "ตัวชี้วัดนี้ยังคิดคะแนนไม่ได้ เพราะ{problem} — ส่วนกลางจะแก้ไขในไฟล์ข้อมูลหลัก "
            "กอง/สำนักไม่ต้องดำเนินการใด ๆ",
            "This KPI cannot be scored: {problem_en}. The centre will correct its master; the "
            "division need do nothing.",
        ),
        # --- master workbook -----------------------------------------------------------
        _c(
            "master-sheet-missing",
            "error",
            _C,
            "ไม่พบแผ่นงาน “{sheet_name}” ในไฟล์ข้อมูลหลัก",
            "The master workbook has no sheet “{sheet_name}”.",
        ),
        _c(
            "master-column-missing",
            "error",
            _C,
            "แผ่นงาน “{sheet_name}” ไม่มีคอลัมน์ “{column_name}”",
            "Sheet “{sheet_name}” has no column “{column_name}”.",
        ),
        _c(
            "master-field-missing",
            "error",
            _C,
            "ต้องกรอก “{field}”",
            "“{field}” is required.",
        ),
        _c(
            "master-bad-value",
            "error",
            _C,
            "ค่า “{value}” ใช้ไม่ได้สำหรับ “{field}”: {reason}",
            "“{value}” is not valid for “{field}”: {reason_en}.",
        ),
        _c(
            "master-duplicate-id",
            "error",
            _C,
            "รหัส “{value}” ซ้ำกันในกองเดียวกัน",
            "Id “{value}” is used twice in the same division.",
        ),
        _c(
            "master-unknown-division",
            "error",
            _C,
            "ไม่พบรหัสกอง “{value}” ในแผ่นงานกอง",
            "Division code “{value}” is not on the divisions sheet.",
        ),
        _c(
            "master-unknown-kpi",
            "error",
            _C,
            "ไม่พบตัวชี้วัด “{value}” ของกองนี้ในแผ่นงานตัวชี้วัด",
            "KPI “{value}” of this division is not on the KPI sheet.",
        ),
        _c(
            "master-example-row",
            "warning",
            _C,
            "{what}เป็นแถวตัวอย่างที่ kpixl ใส่ไว้ — แทนที่ด้วยข้อมูลจริงหรือลบแถวออก ก่อนสร้างไฟล์ส่งให้กอง/สำนัก",
            "{what_en} is an example kpixl wrote: replace it with real data or delete its rows "
            "before making the division workbooks.",
        ),
        _c(
            "weights-not-100",
            "error",
            _C,
            "ค่าน้ำหนักของ{division} รวมได้ {total} ต้องรวมได้ 100 — ส่วนกลางต้องแก้ค่าน้ำหนักในไฟล์ข้อมูลหลัก",
            "The weights of {division_en} sum to {total}; they must sum to 100 (the centre "
            "corrects them in its master).",
        ),
        # --- values (form B scoring) ---------------------------------------------------
        _c(
            "value-missing",
            "error",
            _D,
            "ยังไม่ได้กรอก{what} — " + _NOT_SCORED_TH,
            "{what_en} is missing: " + _NOT_SCORED_EN + ".",
        ),
        _c(
            "value-unreadable",
            "error",
            _D,
            "อ่าน “{value}” เป็น{expected}ไม่ได้ — {advice}",
            "Cannot read “{value}” as {expected_en}; {advice_en}.",
        ),
        _c(
            "value-error",
            "error",
            _D,
            "ช่องนี้แสดงค่าผิดพลาด {value} ของ Excel — กรุณาแก้สูตรหรือพิมพ์ตัวเลขแทน "
            "ช่องที่ผิดพลาดนำมาคิดคะแนนไม่ได้",
            "The cell shows the Excel error {value}; correct the formula or type the number. A "
            "cell in error cannot be scored.",
        ),
        _c(
            "value-from-formula",
            "info",
            _D,
            "ช่องนี้เป็นสูตร “{formula}” — ใช้ผลของสูตร {value}",
            "The cell holds the formula “{formula}”; its result {value} is used.",
        ),
        _c(
            "formula-not-calculated",
            "error",
            _D,
            "ช่องนี้เป็นสูตร “{formula}” ที่ยังไม่มีผลคำนวณ — กรุณาเปิดไฟล์ด้วย Excel หรือ LibreOffice "
            "แล้วบันทึกใหม่ หรือพิมพ์ตัวเลขแทนสูตร",
            "The cell holds the formula “{formula}” with no calculated result; open and save "
            "the file in Excel or LibreOffice, or type the number instead.",
        ),
        _c(
            "value-out-of-range",
            "error",
            _D,
            "ค่า {value} อยู่นอกช่วงที่เป็นไปได้ ({minimum} ถึง {maximum}) — " + _NOT_SCORED_TH,
            "{value} is outside the possible range ({minimum} to {maximum}); the KPI is not "
            "scored.",
        ),
        _c(
            "value-in-gap",
            "warning",
            _C,
            "ค่า {value} ตกอยู่ในช่องว่างของเกณฑ์ (ไม่ตรงกับเกณฑ์ระดับใด) จึงให้ระดับ {level} "
            "ตามหลักเกณฑ์ของ kpixl — ส่วนกลางควรปิดช่องว่างของเกณฑ์",
            "{value} falls into a gap of the rubric (no criterion matches); level {level} "
            "given by kpixl's policy. The centre should close the gap.",
        ),
        _c(
            "value-in-overlap",
            "warning",
            _C,
            "ค่า {value} ตรงกับเกณฑ์มากกว่าหนึ่งระดับ (ระดับ {levels}) จึงให้ระดับที่ดีกว่า คือระดับ {level} "
            "— ส่วนกลางควรแก้เกณฑ์ที่ซ้อนกัน",
            "{value} meets more than one criterion ({levels}); the better level {level} given. "
            "The centre should correct the overlap.",
        ),
        _c(
            "value-below-rubric",
            "warning",
            _C,
            "ค่า {value} ไม่ถึงเกณฑ์ระดับ 1 จึงได้ 0 คะแนน",
            "{value} does not reach the level 1 criterion; level 0 given.",
        ),
        _c(
            "value-above-rubric",
            "warning",
            _C,
            "ค่า {value} เกินเกณฑ์ระดับ 5 ที่กำหนดไว้ จึงให้ระดับ 5",
            "{value} is beyond the capped level 5 criterion; level 5 given.",
        ),
        _c(
            "value-normalised",
            "info",
            _D,
            "อ่าน “{value}” เป็น {normalised}{excel_note}",
            "Read “{value}” as {normalised}{excel_note_en}.",
        ),
        _c(
            "milestone-out-of-order",
            "warning",
            _D,
            "ทำขั้นตอนที่ {step} แล้ว แต่ขั้นตอนก่อนหน้ายังไม่ทำ — นับเฉพาะขั้นตอนที่ทำต่อเนื่องตั้งแต่ขั้นตอนที่ 1",
            "Step {step} is ticked while an earlier step is not; only consecutive steps from step "
            "1 count.",
        ),
        _c(
            "milestone-none-done",
            "warning",
            _D,
            "ยังไม่ได้ทำขั้นตอนที่ 1 จึงได้ 0 คะแนน",
            "Step 1 is not done; level 0 given.",
        ),
        _c(
            "deadline-missed",
            "warning",
            _D,
            "ส่งเมื่อ {value} ช้ากว่ากำหนดของระดับ 1 จึงได้ 0 คะแนน",
            "Delivered on {value}, after the level 1 deadline; level 0 given.",
        ),
        _c(
            "date-implausible",
            "error",
            _D,
            "วันที่ {value} อยู่นอกช่วงของปีงบประมาณ ({minimum} ถึง {maximum}) — กรุณาตรวจสอบ"
            "วันที่ " + _NOT_SCORED_TH,
            "The date {value} is outside the fiscal year's window ({minimum} to {maximum}); "
            "check it. The KPI is not scored on it.",
        ),
        _c(
            "date-era-confused",
            "warning",
            _D,
            "ปี {year} น่าจะเป็น{era_wrong} จึงอ่านเป็น พ.ศ. {year_be} — กรุณาตรวจสอบ",
            "Year {year} looks like {era_wrong_en}; read as B.E. {year_be}. Please check.",
        ),
        _c(
            "ratio-zero-denominator",
            "error",
            _D,
            "ตัวหารเป็นศูนย์ จึงคำนวณร้อยละไม่ได้ — " + _NOT_SCORED_TH,
            "The denominator is zero: the percentage cannot be computed and "
            + _NOT_SCORED_EN
            + ".",
        ),
        _c(
            "ratio-numerator-exceeds",
            "error",
            _D,
            "ตัวตั้ง ({numerator}) มากกว่าตัวหาร ({denominator}) ร้อยละจึงเกิน 100 ซึ่งเป็นไปไม่ได้ — "
            "กรุณาตรวจสอบตัวเลข " + _NOT_SCORED_TH,
            "The numerator ({numerator}) exceeds the denominator ({denominator}); "
            + _NOT_SCORED_EN
            + ".",
        ),
        _c(
            "reported-value-mismatch",
            "warning",
            _D,
            "ผลที่รายงาน {value} ไม่ตรงกับที่คำนวณจากข้อมูลประกอบ ({computed}) — ใช้ค่าที่คำนวณ",
            "The reported result {value} disagrees with the one computed from the supporting "
            "data ({computed}); the computed value is used.",
        ),
        _c(
            "supporting-data-missing",
            "warning",
            _D,
            "ยังไม่ได้กรอกข้อมูลประกอบ จึงใช้ผลที่รายงาน {value} — กรุณากรอกข้อมูลประกอบ{where}",
            "No supporting data; the reported {value} is used. Please fill in the supporting "
            "data{where_en}.",
        ),
        _c(
            "likert-out-of-range",
            "error",
            _D,
            "คำตอบ “{value}” ต้องเป็นจำนวนเต็ม 1 ถึง 5 — ไม่นำมาคำนวณ{excel_note}",
            "Answer “{value}” must be a whole number from 1 to 5; it is left out{excel_note_en}.",
        ),
        _c(
            "survey-round-invalid",
            "error",
            _D,
            "แถวนี้มีคำตอบ แต่ช่องครั้งที่สำรวจ{round} จึงยังไม่นำคำตอบแถวนี้ไปคิดคะแนน "
            "— กรุณากรอกครั้งที่สำรวจเป็นจำนวนเต็ม 1 ถึง {rounds}",
            "This row has answers but its survey round is {round_en}, so they are left out; "
            "enter the round, a whole number from 1 to {rounds}.",
        ),
        _c(
            "typed-score-mismatch",
            "warning",
            _D,
            "คะแนนที่พิมพ์ทับสูตรไว้ {value} ไม่ตรงกับที่ส่วนกลางคำนวณ ({computed}) — ใช้ค่าที่คำนวณ",
            "The score typed over the formula, {value}, disagrees with the computed one "
            "({computed_en}); the computed one is used.",
        ),
        _c(
            "display-differs",
            "warning",
            _D,
            "ไฟล์แสดงระดับ {shown} แต่ส่วนกลางให้ระดับ {level} เพราะ{reason}",
            "The workbook shows level {shown} but the centre gives level {level}: {reason_en}.",
        ),
        # --- form A (target sheet) -----------------------------------------------------
        _c(
            "invalid-characters",
            "error",
            _D,
            "“{value}” มีอักขระที่ไม่อนุญาต — ช่องแผน/ผลรับเฉพาะตัวเลข 0-9 และ , / . - เท่านั้น",
            "“{value}” has characters that are not allowed; plan and result cells take only "
            "digits and , / . -",
        ),
        _c(
            "missing-quarter-total",
            "error",
            _D,
            "กรอกรายเดือนของไตรมาส {quarter} แล้ว แต่ยังไม่กรอกรวมไตรมาส",
            "Months of quarter {quarter} are filled but the quarter total is empty.",
        ),
        _c(
            "missing-grand-total",
            "error",
            _D,
            "กรอกรวมไตรมาสแล้ว แต่ยังไม่กรอกรวมทั้งสิ้น",
            "Quarter totals are filled but the grand total is empty.",
        ),
        _c(
            "total-mismatch",
            "error",
            _D,
            "ผลรวม {value} ไม่เท่ากับผลรวมของรายการ ({expected})",
            "The total {value} is not the sum of its parts ({expected}).",
        ),
        _c(
            "missing-prior-result",
            "warning",
            _D,
            "ยังไม่กรอกผลการดำเนินงานปีงบประมาณ {year}",
            "The result of fiscal year {year} is missing.",
        ),
        _c(
            "not-signed-off",
            "warning",
            _D,
            "ยังไม่ได้นำส่งข้อมูล (“Sign Off”) — เลือก “นำส่งแล้ว” ในช่องนำส่งข้อมูลเมื่อกรอกครบ",
            "The workbook is not signed off; choose “นำส่งแล้ว” when it is complete.",
        ),
        # --- definitions ---------------------------------------------------------------
        _c(
            "locked-field-changed",
            "error",
            _D,
            "“{field}” ถูกแก้ไขจาก “{expected}” เป็น “{value}” — กอง/สำนักแก้ไขรายละเอียดที่ส่วนกลาง"
            "กำหนดไม่ได้ จึงใช้ค่าของส่วนกลาง",
            "“{field}” was changed from “{expected}” to “{value}”; divisions may not change what "
            "the centre defines, so the centre's value is used.",
        ),
        _c(
            "differs-from-master",
            "error",
            _C,
            "“{field}” ในไฟล์ (“{value}”) ไม่ตรงกับข้อมูลหลัก (“{expected}”) — ใช้ข้อมูลหลัก",
            "“{field}” in the workbook (“{value}”) differs from the master (“{expected}”); the "
            "master is used.",
        ),
        _c(
            "fingerprint-mismatch",
            "error",
            _D,
            "ข้อมูลของส่วนกลางที่ซ่อนอยู่ในไฟล์ถูกแก้ไข ({what}) จึงเชื่อถือไม่ได้{consequence}",
            "The centre's hidden definitions in the workbook were altered ({what_en}), so they "
            "cannot be trusted{consequence_en}.",
        ),
        _c(
            "template-outdated",
            "warning",
            _C,
            "ไฟล์นี้สร้างจากแม่แบบรุ่น {value} ซึ่งเก่ากว่ารุ่นปัจจุบัน ({expected})",
            "This workbook was made from template version {value}, older than {expected}.",
        ),
        _c(
            "kpi-row-missing",
            "error",
            _D,
            "ไม่พบแถวของตัวชี้วัด {value} ในแผ่นงาน “{sheet_name}” — อาจถูกลบ กรุณาใช้ไฟล์แม่แบบเดิม"
            "หรือคัดลอกแถวกลับมา",
            "The row of KPI {value} is missing from sheet “{sheet_name}”; it may have been "
            "deleted.",
        ),
        _c(
            "sheet-duplicated",
            "warning",
            _D,
            "พบแผ่นงานแบบฟอร์มเดียวกันมากกว่าหนึ่งแผ่น ({sheets}) — ใช้แผ่นงาน “{used}” ที่มาจาก"
            "แม่แบบ กรุณาลบแผ่นงานที่คัดลอกไว้",
            "More than one sheet holds the same form ({sheets}); “{used}”, the template's own, "
            "is used. Please delete the copies.",
        ),
        _c(
            "key-row-recovered",
            "info",
            _D,
            "แถวกำกับที่ซ่อนไว้ของแผ่นงานนี้ถูกลบ — อ่านตารางจากหัวตารางแทน",
            "The sheet's hidden key row was deleted; the table was read by its headers.",
        ),
        # --- the round: what became of a submission ------------------------------------
        _c(
            "submission-after-signoff",
            "warning",
            _D,
            "กอง/สำนักนำส่งข้อมูลรอบนี้แล้ว (ไฟล์ “{signed}”) ไฟล์ที่ส่งมาภายหลังนี้จึงไม่นำมาใช้ — "
            "หากต้องการแก้ไขข้อมูลที่นำส่งแล้ว กรุณาติดต่อส่วนกลาง",
            "The division already signed off this round (file “{signed}”), so this later file "
            "is not used; to change signed-off data, contact the centre.",
        ),
        _c(
            "submission-superseded",
            "info",
            _D,
            "ไฟล์นี้ถูกแทนที่ด้วยไฟล์ที่ส่งมาภายหลัง (“{newer}”) — ใช้ไฟล์ที่ใหม่กว่า",
            "This file was replaced by a later one (“{newer}”); the newer one is used.",
        ),
        _c(
            "submission-duplicate",
            "info",
            _D,
            "ได้รับไฟล์นี้ซ้ำ (เนื้อหาเหมือนไฟล์ที่ได้รับแล้วทุกประการ) — ไม่นับซ้ำ",
            "This file was received again (identical content); it is not counted twice.",
        ),
        _c(
            "submission-empty",
            "warning",
            _D,
            "ไฟล์นี้ยังไม่ได้กรอกข้อมูลใด ๆ (เป็นแม่แบบเปล่า) จึงไม่นับเป็นการส่งงาน — กรุณากรอกข้อมูลแล้วส่งใหม่",
            "Nothing is filled in (a blank template), so it is not counted as a return; please "
            "fill it in and send it again.",
        ),
        _c(
            "submission-unknown-division",
            "error",
            _C,
            "ไฟล์นี้ไม่ใช่ของกองใดในไฟล์ข้อมูลหลักของรอบนี้ — ส่วนกลางต้องตรวจสอบว่าเป็นไฟล์ของหน่วยงานใด",
            "This workbook belongs to no division of this round's master; the centre must check "
            "whose it is.",
        ),
        # --- the file itself -----------------------------------------------------------
        _c(
            "file-not-found",
            "error",
            _D,
            "ไม่พบไฟล์",
            "File not found.",
        ),
        _c(
            "file-not-workbook",
            "error",
            _D,
            "ไฟล์นี้ไม่ใช่ไฟล์ Excel (.xlsx){advice}",
            "This file is not an Excel workbook (.xlsx){advice_en}.",
        ),
        _c(
            "file-legacy-xls",
            "error",
            _D,
            "ไฟล์นี้เป็น Excel รุ่นเก่า (.xls) — เปิดไฟล์แล้วเลือก “บันทึกเป็น” (“Save As”) ชนิด "
            "“Excel Workbook (*.xlsx)” แล้วส่งใหม่",
            "This is a legacy Excel file (.xls); open it, Save As “Excel Workbook (*.xlsx)” and "
            "send it again.",
        ),
        _c(
            "file-encrypted",
            "error",
            _D,
            "ไฟล์ถูกตั้งรหัสผ่าน — กรุณาเอารหัสผ่านออก (ไฟล์ > ข้อมูล > ป้องกันเวิร์กบุ๊ก) แล้วส่งใหม่",
            "The file is password-protected (encrypted); remove the password and send it again.",
        ),
        _c(
            "file-corrupt",
            "error",
            _D,
            "ไฟล์เสียหายหรือไม่สมบูรณ์ — กรุณาเปิดไฟล์ต้นฉบับ บันทึกใหม่ แล้วส่งอีกครั้ง",
            "The file is damaged or incomplete ({reason}); save it again and resend it.",
        ),
        _c(
            "file-xml-entities",
            "error",
            _D,
            "ไฟล์มีการประกาศเอนทิตีใน XML ซึ่งไม่อนุญาตเพื่อความปลอดภัย — กรุณาบันทึกใหม่ด้วย Excel",
            "The file's XML declares entities, which is refused for safety; save it again "
            "with Excel.",
        ),
        _c(
            "file-too-large",
            "error",
            _D,
            "ไฟล์มีขนาดเมื่อขยายใหญ่เกินกำหนด จึงไม่เปิดเพื่อความปลอดภัย — กรุณาตรวจสอบว่าส่งไฟล์ถูกต้อง",
            "The file would inflate beyond the limit ({reason}); refused for safety.",
        ),
        _c(
            "file-macro-enabled",
            "warning",
            _D,
            "ไฟล์มีมาโคร (.xlsm) — อ่านเฉพาะค่า ไม่เรียกใช้มาโคร",
            "The file is macro-enabled (.xlsm); values are read, macros are never run.",
        ),
        _c(
            "file-unknown-template",
            "error",
            _D,
            "ไฟล์นี้ไม่ได้สร้างจากแม่แบบของส่วนกลาง ({reason_th}) — กรุณากรอกในไฟล์ที่ส่วนกลางส่งให้",
            "This workbook was not made from the centre's template ({reason}); please fill "
            "in the file the centre sent.",
        ),
        _c(
            "annotation-failed",
            "error",
            _C,
            "เขียนสำเนาที่ตรวจแล้วของไฟล์นี้ไม่ได้ — ผลตรวจและคะแนนยังอยู่ในรายงานรวม",
            "The annotated copy of this file could not be written ({reason}); its findings "
            "and scores are still in the batch results.",
        ),
        _c(
            "file-part-dropped",
            "warning",
            _C,
            "สำเนาที่ตรวจแล้วไม่มี {part} ของไฟล์ต้นฉบับ (โปรแกรมคัดลอกไม่ได้)",
            "The annotated copy lacks the original's {part} (it cannot be carried across).",
        ),
        _c(
            "internal-error",
            "error",
            _C,
            "kpixl ตรวจไฟล์นี้ไม่สำเร็จเพราะข้อผิดพลาดภายในโปรแกรม — ไฟล์อื่นตรวจตามปกติ "
            "กรุณาแจ้งผู้ดูแลระบบพร้อมไฟล์นี้",
            "kpixl failed on this file with an internal error ({reason}); the other files are "
            "checked as usual. Please report it with the file.",
        ),
        _c(
            "text-truncated",
            "info",
            _C,
            "ข้อความยาวเกิน 32,767 ตัวอักษรที่ Excel เก็บได้ จึงตัดให้สั้นลง",
            "The text is longer than Excel's 32,767 characters and was cut.",
        ),
    ]
)
"""Every finding code kpixl can emit."""


_OPTIONAL_FIELDS = frozenset(
    f"{name}{suffix}"
    for name in ("excel_note", "where", "advice", "consequence")
    for suffix in ("", "_en")
)
"""Message fields that may be left out: they add a clause, or nothing."""


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        # "?" makes a forgotten field visible in tests and reviews.
        return "" if key in _OPTIONAL_FIELDS else "?"


def _format(template: str, params: Mapping[str, Any]) -> str:
    return template.format_map(_Defaulting(params))


DIGITS_AS_TYPED = frozenset({"value-normalised"})
"""Codes whose message quotes what was typed in Thai digits beside the number read from it
(“๑๔๐.๕” is read as 140.5): the quotation keeps its digits. Every other message quotes
texts (criteria, names, values) with Arabic digits, as it writes its own."""


def finding(
    code: str,
    *,
    source: str = "",
    sheet: str = "",
    row: int | None = None,
    column: int | None = None,
    kpi_id: str = "",
    value: Any = "",
    actor: str = "",
    **params: Any,
) -> dict[str, Any]:
    """Build one finding record (a dict with :data:`FINDING_COLUMNS` keys).

    ``params`` fill the message templates; ``value`` is also available to them. A field
    ending in ``_en`` that is not given takes its Thai field's value (numbers and texts
    as written read the same in both languages). ``actor`` overrides the code's own.
    Thai digits in the fields are written as Arabic ones in the messages (but for
    :data:`DIGITS_AS_TYPED`); the ``value`` column keeps what was written.

    Raises:
        KeyError: ``code`` is not in :data:`CATALOGUE` (a programmer error).
    """
    entry = CATALOGUE[code]
    fields = {"value": value_text(value), **params}
    if code not in DIGITS_AS_TYPED:
        # One digit style in a message: what it quotes is written in its Arabic digits.
        fields = {k: to_arabic_digits(v) if isinstance(v, str) else v for k, v in fields.items()}
    for key, text in list(fields.items()):
        fields.setdefault(f"{key}_en", text)
    return {
        "source": source,
        "sheet": sheet,
        "cell": cell_ref(row, column) if row and column else "",
        "row": row,
        "column": column,
        "kpi_id": kpi_id,
        "code": code,
        "severity": entry.severity,
        "value": value_text(value),
        "message_th": _format(entry.message_th, fields),
        "message_en": _format(entry.message_en, fields),
        "actor": actor or entry.actor,
    }


def frame_records(
    frame: pd.DataFrame, columns: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts of Python values, as ``to_dict("records")`` gives them
    except that a missing value in a nullable column (``row``, ``column``) is ``pd.NA``.

    For the small frames of one workbook (its findings, its fills), where ``to_dict`` costs
    a pandas lookup per column per call, several times what building the dicts costs.
    """
    names = list(frame.columns if columns is None else columns)
    rows = zip(*(frame[n].tolist() for n in names), strict=True)
    return [dict(zip(names, row, strict=True)) for row in rows]


def findings_frame(records: Iterable[Mapping[str, Any]] = ()) -> pd.DataFrame:
    """A findings DataFrame from finding records, with the fixed columns and dtypes.

    Columns: see :data:`FINDING_COLUMNS`.
    """
    rows = list(records)
    if not rows:
        # Most stages of most workbooks find nothing: copying is cheaper than typing.
        return _EMPTY.copy()
    return _typed(pd.DataFrame(rows, columns=FINDING_COLUMNS))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for name in FINDING_COLUMNS:
        column = frame[name]
        if name in ("row", "column"):
            if column.dtype != "Int64":
                frame[name] = pd.array(column, dtype="Int64")
        elif column.dtype != _TEXT or column.hasnans:
            # object first: a column of NaN only (read back from a database) is float64
            frame[name] = column.astype(object).where(column.notna(), "").astype(str)
    return frame


_TEXT = pd.Series([""]).astype(str).dtype
"""The dtype of a findings frame's text columns."""


_EMPTY = pd.DataFrame(
    {
        name: pd.array([], dtype="Int64")
        if name in ("row", "column")
        else pd.Series([], dtype=_TEXT)
        for name in FINDING_COLUMNS
    }
)


PLACE_COLUMNS = ("source", "sheet", "row", "column", "kpi_id", "actor")
"""The columns of a checked frame that say where a finding is and whose it is."""


def findings_where(
    frame: pd.DataFrame,
    failed: pd.Series,
    code: str,
    **params: str,
) -> pd.DataFrame:
    """Findings for the rows of ``frame`` where ``failed`` is True.

    ``frame`` may carry ``source, sheet, row, column, kpi_id, raw, actor`` columns (those
    absent are left empty; ``actor`` empty means the code's own). Each value of ``params``
    names a column of ``frame`` whose value fills the message field of that name;
    ``value`` defaults to the ``raw`` column.
    """
    hits = frame[failed.fillna(False).astype(bool).to_numpy()]
    return findings_frame(finding_records(hits, code, **params))


def finding_records(frame: pd.DataFrame, code: str, **params: str) -> list[dict[str, Any]]:
    """A finding record of ``code`` for every row of ``frame`` (the columns and ``params``
    as :func:`findings_where` reads them)."""
    # Only the columns a finding reads: the tables the checks run on are wide.
    wanted = {*PLACE_COLUMNS, params.get("value", "raw"), *params.values()}
    rows = frame_records(frame, [c for c in frame.columns if c in wanted])
    return row_findings(rows, code, **params)


def row_findings(
    rows: Iterable[Mapping[str, Any]],
    code: str,
    texts: Mapping[str, str] | None = None,
    /,
    **params: str,
) -> list[dict[str, Any]]:
    """A finding record of ``code`` for every row (column → value, as :func:`frame_records`
    gives them), read as :func:`finding_records` reads a frame's; ``texts``: message fields
    of fixed text."""
    value_column = params.pop("value", "raw")
    fixed = dict(texts or {})
    return [
        finding(
            code,
            source=_opt_str(rec.get("source")),
            sheet=_opt_str(rec.get("sheet")),
            row=_opt_int(rec.get("row")),
            column=_opt_int(rec.get("column")),
            kpi_id=_opt_str(rec.get("kpi_id")),
            value=rec.get(value_column, ""),
            actor=_opt_str(rec.get("actor")),
            **{**{name: rec.get(column, "") for name, column in params.items()}, **fixed},
        )
        for rec in rows
    ]


def concat_findings(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate findings frames, keeping the fixed columns even when all are empty."""
    parts = [f for f in frames if not f.empty]
    if not parts:
        return findings_frame()
    return _typed(pd.concat(parts, ignore_index=True)[FINDING_COLUMNS])


def with_kpi_names(findings: pd.DataFrame, *named: pd.DataFrame) -> pd.DataFrame:
    """``findings`` (of one workbook) with a ``kpi_name`` column, for a clerk who reads
    the finding's KPI by its name, not only its id.

    Args:
        findings: a findings frame of one workbook.
        named: frames of that workbook with ``kpi_id`` and ``name`` columns (its scored
            KPIs, its target sheet's rows); the first that names a KPI wins.

    Returns:
        A copy with ``kpi_name`` ("" where no frame names the finding's KPI).
    """
    names: dict[str, str] = {}
    for frame in reversed(named):
        if {"kpi_id", "name"} <= set(frame.columns):
            names.update(zip(frame["kpi_id"].astype(str), frame["name"].astype(str), strict=True))
    return findings.assign(kpi_name=findings["kpi_id"].astype(str).map(names).fillna(""))


def value_text(value: Any) -> str:
    """A value as a finding shows it: 7.0 → "7", None and NaN → ""."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _opt_str(value: Any) -> str:
    """A text column's value, "" where a merge left it missing (never "nan")."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _opt_int(value: Any) -> int | None:
    if value is None or value is pd.NA:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return None
    return int(value)
