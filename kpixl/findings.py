"""The one catalogue of finding codes, and the findings frame.

A finding is a row of data, not an exception: every stage returns a DataFrame with the
columns in :data:`FINDING_COLUMNS`. Codes are stable kebab-case strings; each has a
severity and a Thai and an English message template (``str.format`` fields). A code is
never renamed: tools downstream filter on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kpixl.cells import cell_ref

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
]
"""Columns of every findings frame, in order. ``row``/``column`` are 1-based Excel numbers
(NA where the finding is not about a cell); ``cell`` is the matching A1 address."""

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class FindingCode:
    """One entry of the catalogue."""

    code: str
    severity: str
    message_th: str
    message_en: str


def _c(code: str, severity: str, th: str, en: str) -> tuple[str, FindingCode]:
    return code, FindingCode(code, severity, th, en)


CATALOGUE: dict[str, FindingCode] = dict(
    [
        # --- rubric definitions (lint) -------------------------------------------------
        _c(
            "rubric-unparseable",
            "error",
            "อ่านเกณฑ์ระดับ {level} ไม่ได้: “{text}” ({reason}) — กรุณาเขียนเกณฑ์ใหม่ให้ชัดเจน",
            "Cannot read the level {level} criterion “{text}” ({reason}); rewrite it clearly.",
        ),
        _c(
            "rubric-level-count",
            "error",
            "เกณฑ์การให้คะแนนต้องมี ๕ ระดับ แต่พบ {count} ระดับ",
            "A rubric needs five levels; found {count}.",
        ),
        _c(
            "rubric-kind-mismatch",
            "error",
            "เกณฑ์ระดับ {level} “{text}” ไม่ตรงกับชนิดเกณฑ์ “{kind}”",
            "The level {level} criterion “{text}” does not fit the rubric kind “{kind}”.",
        ),
        _c(
            "rubric-gap",
            "warning",
            "เกณฑ์มีช่องว่างระหว่างระดับ {lower_level} และ {upper_level}: ค่า {gap} "
            "ไม่อยู่ในเกณฑ์ระดับใด (จะได้ระดับ {lower_level})",
            "Gap between levels {lower_level} and {upper_level}: values {gap} meet no criterion "
            "(they score level {lower_level}).",
        ),
        _c(
            "rubric-overlap",
            "warning",
            "เกณฑ์ระดับ {lower_level} และ {upper_level} ซ้อนกันที่ค่า {overlap} (จะได้ระดับที่ดีกว่า)",
            "Levels {lower_level} and {upper_level} overlap at {overlap} (the better level is "
            "given).",
        ),
        _c(
            "rubric-order",
            "error",
            "เกณฑ์ระดับ {level} อยู่ผิดลำดับ: ควรดีกว่าระดับ {previous}",
            "Level {level} is out of order: it should be better than level {previous}.",
        ),
        _c(
            "rubric-mixed-direction",
            "error",
            "เกณฑ์บางระดับยิ่งมากยิ่งดี บางระดับยิ่งน้อยยิ่งดี — ต้องเป็นทิศทางเดียวกัน",
            "Some levels improve upwards and some downwards; a rubric needs one direction.",
        ),
        _c(
            "rubric-bottom-uncovered",
            "warning",
            "เกณฑ์ระดับ ๑ ไม่ครอบคลุมผลที่แย่ที่สุดที่เป็นไปได้: ค่า {uncovered} ไม่อยู่ในระดับใด และจะได้ ๐ คะแนน",
            "Level 1 does not reach the worst possible results: values {uncovered} meet no "
            "criterion and score 0.",
        ),
        _c(
            "rubric-top-capped",
            "warning",
            "เกณฑ์ระดับ ๕ มีเพดาน: ค่า {uncovered} เกินเกณฑ์ระดับ ๕ (จะได้ ๕ คะแนน)",
            "Level 5 is capped: values {uncovered} lie beyond it (they score 5).",
        ),
        _c(
            "rubric-quarters-missing",
            "error",
            "ตัวชี้วัดรายไตรมาส {group} ไม่มีเกณฑ์ของไตรมาส {quarters}",
            "Quarterly KPI {group} has no criteria for quarter(s) {quarters}.",
        ),
        _c(
            "rubric-detail-mismatch",
            "warning",
            "เกณฑ์ระดับ {level} ในหน้ารายละเอียด “{detail}” ไม่ตรงกับแบบประเมิน “{summary}”",
            "The level {level} criterion on the detail page “{detail}” differs from the scoring "
            "form “{summary}”.",
        ),
        _c(
            "rubric-steps-missing",
            "error",
            "ตัวชี้วัดแบบขั้นตอนไม่มีรายละเอียดขั้นตอนที่ {steps}",
            "Milestone KPI has no description for step(s) {steps}.",
        ),
        _c(
            "survey-items-missing",
            "error",
            "ตัวชี้วัดความพึงพอใจไม่มีรายการคำถามในแบบสำรวจ",
            "Satisfaction KPI has no survey items.",
        ),
        _c(
            "weighted-items-missing",
            "error",
            "ตัวชี้วัดแบบรายการย่อยไม่มีรายการย่อยหรือค่าน้ำหนักรายการ",
            "Weighted-items KPI has no sub-items or item weights.",
        ),
        # --- master workbook -----------------------------------------------------------
        _c(
            "master-sheet-missing",
            "error",
            "ไม่พบแผ่นงาน “{sheet_name}” ในไฟล์ข้อมูลหลัก",
            "The master workbook has no sheet “{sheet_name}”.",
        ),
        _c(
            "master-column-missing",
            "error",
            "แผ่นงาน “{sheet_name}” ไม่มีคอลัมน์ “{column_name}”",
            "Sheet “{sheet_name}” has no column “{column_name}”.",
        ),
        _c(
            "master-field-missing",
            "error",
            "ต้องกรอก “{field}”",
            "“{field}” is required.",
        ),
        _c(
            "master-bad-value",
            "error",
            "ค่า “{value}” ใช้ไม่ได้สำหรับ “{field}”: {reason}",
            "“{value}” is not valid for “{field}”: {reason}.",
        ),
        _c(
            "master-duplicate-id",
            "error",
            "รหัส “{value}” ซ้ำกันในกองเดียวกัน",
            "Id “{value}” is used twice in the same division.",
        ),
        _c(
            "master-unknown-division",
            "error",
            "ไม่พบรหัสกอง “{value}” ในแผ่นงานกอง",
            "Division code “{value}” is not on the divisions sheet.",
        ),
        _c(
            "master-unknown-kpi",
            "error",
            "ไม่พบตัวชี้วัด “{value}” ของกองนี้ในแผ่นงานตัวชี้วัด",
            "KPI “{value}” of this division is not on the KPI sheet.",
        ),
        _c(
            "weights-not-100",
            "error",
            "ค่าน้ำหนักของกอง {division} รวมได้ {total} ต้องรวมได้ ๑๐๐",
            "The weights of division {division} sum to {total}; they must sum to 100.",
        ),
        # --- values (form B scoring) ---------------------------------------------------
        _c(
            "value-missing",
            "error",
            "ยังไม่ได้กรอก{what} — ตัวชี้วัดนี้จึงยังไม่มีคะแนน",
            "{what_en} is missing, so this KPI cannot be scored.",
        ),
        _c(
            "value-unreadable",
            "error",
            "อ่าน “{value}” เป็น{expected}ไม่ได้ — กรุณากรอกเฉพาะตัวเลข",
            "Cannot read “{value}” as {expected_en}; enter a plain number.",
        ),
        _c(
            "value-out-of-range",
            "error",
            "ค่า {value} อยู่นอกช่วงที่เป็นไปได้ ({minimum} ถึง {maximum}) — ตัวชี้วัดนี้จึงยังไม่มีคะแนน",
            "{value} is outside the possible range ({minimum} to {maximum}); the KPI is not "
            "scored.",
        ),
        _c(
            "value-in-gap",
            "warning",
            "ค่า {value} ตกอยู่ในช่องว่างของเกณฑ์ (ไม่ตรงระดับใด) จึงให้ระดับ {level}",
            "{value} falls into a gap of the rubric (no criterion matches); level {level} given.",
        ),
        _c(
            "value-in-overlap",
            "warning",
            "ค่า {value} ตรงกับเกณฑ์มากกว่าหนึ่งระดับ ({levels}) จึงให้ระดับที่ดีกว่า {level}",
            "{value} meets more than one criterion ({levels}); the better level {level} given.",
        ),
        _c(
            "value-below-rubric",
            "warning",
            "ค่า {value} ไม่ถึงเกณฑ์ระดับ ๑ จึงได้ ๐ คะแนน",
            "{value} does not reach the level 1 criterion; level 0 given.",
        ),
        _c(
            "value-above-rubric",
            "warning",
            "ค่า {value} เกินเกณฑ์ระดับ ๕ ที่กำหนดไว้ จึงให้ระดับ ๕",
            "{value} is beyond the capped level 5 criterion; level 5 given.",
        ),
        _c(
            "value-normalised",
            "info",
            "อ่าน “{value}” เป็น {normalised}",
            "Read “{value}” as {normalised}.",
        ),
        _c(
            "milestone-out-of-order",
            "warning",
            "ทำขั้นตอนที่ {step} แล้ว แต่ขั้นตอนก่อนหน้ายังไม่ทำ — นับเฉพาะขั้นตอนที่ทำต่อเนื่องจากขั้นตอนที่ ๑",
            "Step {step} is ticked while an earlier step is not; only consecutive steps from step "
            "1 count.",
        ),
        _c(
            "milestone-none-done",
            "warning",
            "ยังไม่ได้ทำขั้นตอนที่ ๑ จึงได้ ๐ คะแนน",
            "Step 1 is not done; level 0 given.",
        ),
        _c(
            "deadline-missed",
            "warning",
            "ส่งเมื่อ {value} เกินกำหนดของระดับ ๑ จึงได้ ๐ คะแนน",
            "Delivered on {value}, after the level 1 deadline; level 0 given.",
        ),
        _c(
            "date-implausible",
            "error",
            "วันที่ {value} อยู่นอกช่วงที่เป็นไปได้ของปีงบประมาณ ({minimum} ถึง {maximum})",
            "The date {value} is outside the plausible window ({minimum} to {maximum}).",
        ),
        _c(
            "date-era-confused",
            "warning",
            "ปี {year} น่าจะเป็น {era_wrong} จึงอ่านเป็น พ.ศ. {year_be} — กรุณาตรวจสอบ",
            "Year {year} looks like {era_wrong_en}; read as B.E. {year_be}. Please check.",
        ),
        _c(
            "ratio-zero-denominator",
            "error",
            "ตัวหารเป็นศูนย์ คำนวณร้อยละไม่ได้",
            "The denominator is zero; the percentage cannot be computed.",
        ),
        _c(
            "ratio-numerator-exceeds",
            "error",
            "ตัวตั้ง ({numerator}) มากกว่าตัวหาร ({denominator}) — ร้อยละเกิน ๑๐๐ เป็นไปไม่ได้",
            "The numerator ({numerator}) exceeds the denominator ({denominator}).",
        ),
        _c(
            "reported-value-mismatch",
            "warning",
            "ผลที่รายงาน {value} ไม่ตรงกับที่คำนวณจากข้อมูลประกอบ ({computed}) — ใช้ค่าที่คำนวณ",
            "The reported result {value} disagrees with the one computed from the supporting "
            "data ({computed}); the computed value is used.",
        ),
        _c(
            "supporting-data-missing",
            "warning",
            "ไม่มีข้อมูลประกอบสำหรับคำนวณ จึงใช้ผลที่รายงาน {value}",
            "No supporting data to compute the result; the reported {value} is used.",
        ),
        _c(
            "likert-out-of-range",
            "error",
            "คำตอบ “{value}” ต้องเป็นเลข ๑ ถึง ๕ — ไม่นำมาคำนวณ",
            "Answer “{value}” must be 1 to 5; it is left out.",
        ),
        _c(
            "typed-score-mismatch",
            "warning",
            "คะแนนที่กรอกไว้ {value} ไม่ตรงกับที่ kpixl คำนวณ ({computed})",
            "The score typed in the workbook, {value}, disagrees with kpixl's ({computed}).",
        ),
        # --- form A (target sheet) -----------------------------------------------------
        _c(
            "invalid-characters",
            "error",
            "“{value}” มีอักขระที่ไม่อนุญาต — ช่องแผน/ผลรับเฉพาะตัวเลข ๐-๙ และ , / . - เท่านั้น",
            "“{value}” has characters that are not allowed; plan and result cells take only "
            "digits and , / . -",
        ),
        _c(
            "missing-quarter-total",
            "error",
            "กรอกรายเดือนของไตรมาส {quarter} แล้ว แต่ยังไม่กรอกรวมไตรมาส",
            "Months of quarter {quarter} are filled but the quarter total is empty.",
        ),
        _c(
            "missing-grand-total",
            "error",
            "กรอกรวมไตรมาสแล้ว แต่ยังไม่กรอกรวมทั้งสิ้น",
            "Quarter totals are filled but the grand total is empty.",
        ),
        _c(
            "total-mismatch",
            "error",
            "ผลรวม {value} ไม่เท่ากับผลรวมของรายการ ({expected})",
            "The total {value} is not the sum of its parts ({expected}).",
        ),
        _c(
            "missing-prior-result",
            "warning",
            "ยังไม่กรอกผลการดำเนินงานปีงบประมาณ {year}",
            "The result of fiscal year {year} is missing.",
        ),
        _c(
            "not-signed-off",
            "warning",
            "ยังไม่ได้นำส่งข้อมูล (Sign Off)",
            "The workbook is not signed off.",
        ),
        # --- definitions ---------------------------------------------------------------
        _c(
            "locked-field-changed",
            "error",
            "“{field}” ถูกแก้ไขจาก “{expected}” เป็น “{value}” — ส่วนราชการแก้ไขรายละเอียดที่ส่วนกลาง"
            "กำหนดไม่ได้ จึงใช้ค่าของส่วนกลาง",
            "“{field}” was changed from “{expected}” to “{value}”; divisions may not change what "
            "the centre defines, so the centre's value is used.",
        ),
        _c(
            "differs-from-master",
            "error",
            "“{field}” ในไฟล์ (“{value}”) ไม่ตรงกับข้อมูลหลัก (“{expected}”) — ใช้ข้อมูลหลัก",
            "“{field}” in the workbook (“{value}”) differs from the master (“{expected}”); the "
            "master is used.",
        ),
        _c(
            "fingerprint-mismatch",
            "error",
            "ข้อมูลกำกับแม่แบบถูกแก้ไข (ลายนิ้วมือไม่ตรง)",
            "The template's hidden definitions were altered (fingerprint mismatch).",
        ),
        _c(
            "template-outdated",
            "warning",
            "ไฟล์นี้สร้างจากแม่แบบรุ่น {value} ซึ่งเก่ากว่ารุ่นปัจจุบัน ({expected})",
            "This workbook was made from template version {value}, older than {expected}.",
        ),
        _c(
            "kpi-row-missing",
            "error",
            "ไม่พบแถวของตัวชี้วัด {value} ในแผ่นงาน — อาจถูกลบ",
            "The row of KPI {value} is missing from the sheet; it may have been deleted.",
        ),
        # --- the file itself -----------------------------------------------------------
        _c(
            "file-not-found",
            "error",
            "ไม่พบไฟล์",
            "File not found.",
        ),
        _c(
            "file-not-workbook",
            "error",
            "ไฟล์นี้ไม่ใช่ไฟล์ Excel (.xlsx)",
            "This file is not an Excel workbook (.xlsx).",
        ),
        _c(
            "file-legacy-xls",
            "error",
            "ไฟล์นี้เป็น Excel รุ่นเก่า (.xls) — กรุณาบันทึกเป็น .xlsx แล้วส่งใหม่",
            "This is a legacy Excel file (.xls); save it as .xlsx and send it again.",
        ),
        _c(
            "file-encrypted",
            "error",
            "ไฟล์ถูกตั้งรหัสผ่าน — กรุณาเอารหัสผ่านออกแล้วส่งใหม่",
            "The file is password-protected (encrypted); remove the password and send it again.",
        ),
        _c(
            "file-corrupt",
            "error",
            "ไฟล์เสียหายหรือไม่สมบูรณ์ ({reason})",
            "The file is damaged or incomplete ({reason}).",
        ),
        _c(
            "file-xml-entities",
            "error",
            "ไฟล์มีการประกาศ entity ใน XML ซึ่งไม่อนุญาตเพื่อความปลอดภัย",
            "The file's XML declares entities, which is refused for safety.",
        ),
        _c(
            "file-too-large",
            "error",
            "ไฟล์ขยายตัวได้ใหญ่เกินกำหนด ({reason}) — ไม่เปิดเพื่อความปลอดภัย",
            "The file would inflate beyond the limit ({reason}); refused for safety.",
        ),
        _c(
            "file-macro-enabled",
            "warning",
            "ไฟล์มีมาโคร (.xlsm) — อ่านเฉพาะค่า ไม่เรียกใช้มาโคร",
            "The file is macro-enabled (.xlsm); values are read, macros are never run.",
        ),
        _c(
            "file-unknown-template",
            "error",
            "ไฟล์นี้ไม่ได้สร้างจากแม่แบบของ kpixl ({reason})",
            "This workbook was not made from a kpixl template ({reason}).",
        ),
        _c(
            "annotation-failed",
            "error",
            "เขียนสำเนาที่ตรวจแล้วของไฟล์นี้ไม่ได้ ({reason}) — ผลตรวจและคะแนนยังอยู่ในรายงานรวม",
            "The annotated copy of this file could not be written ({reason}); its findings and "
            "scores are still in the batch results.",
        ),
        _c(
            "file-part-dropped",
            "warning",
            "สำเนาที่ตรวจแล้วไม่มี {part} ของไฟล์ต้นฉบับ (โปรแกรมคัดลอกไม่ได้)",
            "The annotated copy lacks the original's {part} (it cannot be carried across).",
        ),
    ]
)
"""Every finding code kpixl can emit."""


def _format(template: str, params: Mapping[str, Any]) -> str:
    class _Defaulting(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "?"

    return template.format_map(_Defaulting(params))


def finding(
    code: str,
    *,
    source: str = "",
    sheet: str = "",
    row: int | None = None,
    column: int | None = None,
    kpi_id: str = "",
    value: Any = "",
    **params: Any,
) -> dict[str, Any]:
    """Build one finding record (a dict with :data:`FINDING_COLUMNS` keys).

    ``params`` fill the message templates; ``value`` is also available to them.

    Raises:
        KeyError: ``code`` is not in :data:`CATALOGUE` (a programmer error).
    """
    entry = CATALOGUE[code]
    fields = {"value": value_text(value), **params}
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
    }


def findings_frame(records: Iterable[Mapping[str, Any]] = ()) -> pd.DataFrame:
    """A findings DataFrame from finding records, with the fixed columns and dtypes.

    Columns: see :data:`FINDING_COLUMNS`.
    """
    frame = pd.DataFrame(list(records), columns=FINDING_COLUMNS)
    for name in FINDING_COLUMNS:
        if name in ("row", "column"):
            frame[name] = pd.array(frame[name], dtype="Int64")
        else:
            frame[name] = frame[name].fillna("").astype(str)
    return frame


def findings_where(
    frame: pd.DataFrame,
    failed: pd.Series,
    code: str,
    **params: str,
) -> pd.DataFrame:
    """Findings for the rows of ``frame`` where ``failed`` is True.

    ``frame`` may carry ``source, sheet, row, column, kpi_id, raw`` columns (those absent are
    left empty). Each value of ``params`` names a column of ``frame`` whose value fills the
    message field of that name; ``value`` defaults to the ``raw`` column.
    """
    hits = frame.loc[failed.fillna(False).astype(bool)]
    records = []
    value_column = params.pop("value", "raw")
    for rec in hits.to_dict("records"):
        fields = {name: rec.get(column, "") for name, column in params.items()}
        records.append(
            finding(
                code,
                source=str(rec.get("source", "")),
                sheet=str(rec.get("sheet", "")),
                row=_opt_int(rec.get("row")),
                column=_opt_int(rec.get("column")),
                kpi_id=str(rec.get("kpi_id", "")),
                value=rec.get(value_column, ""),
                **fields,
            )
        )
    return findings_frame(records)


def concat_findings(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate findings frames, keeping the fixed columns even when all are empty."""
    parts = [f for f in frames if not f.empty]
    if not parts:
        return findings_frame()
    return findings_frame(pd.concat(parts, ignore_index=True).to_dict("records"))


def value_text(value: Any) -> str:
    """A value as a finding shows it: 7.0 → "7", None and NaN → ""."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
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
