"""The centre's definitions (the master workbook) as data.

A :class:`Master` holds one organisation's definitions for one fiscal year as DataFrames,
one per master sheet (see ``sample_workbooks/source/README.md`` for every column). Each
frame keeps the Excel row it came from in ``_row`` so a finding can point at its cell.
Reading and writing the .xlsx lives in :mod:`kpixl.masterfile` and the checks of the
definitions in :mod:`kpixl.checks.master`; nothing here touches Excel.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl.kinds import KIND_NAMES
from kpixl.thai import parse_number_text

KINDS: tuple[str, ...] = KIND_NAMES
"""How a KPI's value is obtained and scored (the registry of :mod:`kpixl.kinds`); blank =
a target-sheet-only KPI (form A)."""
BAND_KINDS = ("bands", "ratio", "growth", "survey", "weighted_items")
DEADLINE_KINDS = {
    "deadline_date": "date",
    "deadline_monthly": "day_of_next_month",
    "deadline_after_year_end": "days_after_year_end",
}
AGGREGATES = ("sum", "last", "none")
KPI_TYPES = ("เชิงปริมาณ", "เชิงคุณภาพ")
LEVELS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Column:
    """A master column: its key, its Thai header, whether it must be filled."""

    key: str
    thai: str
    required: bool = False


@dataclass(frozen=True)
class SheetSpec:
    """A master sheet: its name and columns."""

    key: str
    name: str
    columns: tuple[Column, ...]

    @property
    def keys(self) -> list[str]:
        """Column keys in order."""
        return [c.key for c in self.columns]


def _levels(prefix: str, thai: str) -> tuple[Column, ...]:
    return tuple(Column(f"{prefix}{n}", f"{thai} {'๐๑๒๓๔๕'[n]}") for n in LEVELS)


ORGANISATION = SheetSpec(
    "organisation",
    "องค์กร",
    (
        Column("org_name", "ชื่อองค์กร", True),
        Column("fiscal_year_be", "ปีงบประมาณ (พ.ศ.)", True),
        Column("executive", "ผู้รับข้อตกลง"),
        Column("executive_title", "ตำแหน่งผู้รับข้อตกลง"),
        Column("agency_code", "รหัสหน่วยงาน"),
        Column("office", "ส่วนราชการผู้รับแบบประเมิน"),
        Column("office_email", "อีเมลของส่วนราชการผู้รับ"),
        Column("sheet_password", "รหัสผ่านป้องกันแผ่นงาน"),
    ),
)
DIVISIONS = SheetSpec(
    "divisions",
    "กอง",
    (
        Column("division_code", "รหัสกอง", True),
        Column("division_name", "ชื่อกอง/สำนัก", True),
        Column("director", "ผู้ทำข้อตกลง"),
        Column("director_title", "ตำแหน่ง"),
        Column("email", "อีเมล"),
        Column("agreement_lines", "ที่มาของหน้าข้อตกลง"),
        Column("notes", "หมายเหตุ"),
    ),
)
KPIS = SheetSpec(
    "kpis",
    "ตัวชี้วัด",
    (
        Column("division_code", "รหัสกอง", True),
        Column("kpi_id", "ตัวชี้วัดที่", True),
        Column("group_id", "ตัวชี้วัดหลัก (แถวรายไตรมาส)"),
        Column("group_name", "ชื่อตัวชี้วัดหลัก (แถวรายไตรมาส)"),
        Column("quarter", "ไตรมาส"),
        Column("issue", "งานที่นำเสนอ / ประเด็นการประเมินผล"),
        Column("name", "ตัวชี้วัดผลงาน", True),
        Column("detail_name", "ชื่อในหน้ารายละเอียด"),
        Column("unit", "หน่วยวัด", True),
        Column("kpi_type", "ประเภทตัวชี้วัด"),
        Column("kind", "ชนิดเกณฑ์"),
        *_levels("level_", "เกณฑ์ระดับ"),
        *_levels("detail_level_", "เกณฑ์ในหน้ารายละเอียด ระดับ"),
        Column("weight", "ค่าน้ำหนัก (ข)"),
        Column("weight_assumed", "น้ำหนักที่กำหนดเอง"),
        Column("aggregate", "การรวมยอด"),
        Column("numerator_label", "ตัวตั้ง / ผลปีนี้"),
        Column("denominator_label", "ตัวหาร / ผลปีที่แล้ว"),
        Column("survey_rounds", "จำนวนครั้งที่สำรวจ"),
        Column("min_value", "ค่าต่ำสุดที่เป็นไปได้"),
        Column("max_value", "ค่าสูงสุดที่เป็นไปได้"),
        Column("description", "คำอธิบาย"),
        Column("formula", "สูตรการคำนวณ"),
        Column("supervisor", "ผู้กำกับดูแลตัวชี้วัด"),
        Column("supervisor_phone", "โทรศัพท์ผู้กำกับดูแล"),
        Column("data_collector", "ผู้จัดเก็บข้อมูล"),
        Column("data_collector_phone", "โทรศัพท์ผู้จัดเก็บข้อมูล"),
        Column("criteria_provenance", "ที่มาของเกณฑ์"),
        Column("weight_provenance", "ที่มาของค่าน้ำหนัก"),
        Column("kpi_type_provenance", "ที่มาของประเภทตัวชี้วัด"),
        Column("source_lines", "ที่มา"),
        Column("notes", "หมายเหตุ"),
    ),
)
STEPS = SheetSpec(
    "steps",
    "ขั้นตอน",
    (
        Column("division_code", "รหัสกอง", True),
        Column("kpi_id", "ตัวชี้วัดที่", True),
        Column("step", "ขั้นตอนที่", True),
        Column("description", "รายละเอียดการดำเนินการ", True),
        Column("provenance", "ที่มา"),
    ),
)
SURVEY_ITEMS = SheetSpec(
    "survey_items",
    "แบบสำรวจ",
    (
        Column("division_code", "รหัสกอง", True),
        Column("kpi_id", "ตัวชี้วัดที่", True),
        Column("aspect_no", "ด้านที่", True),
        Column("aspect", "ด้าน", True),
        Column("item_no", "ข้อที่", True),
        Column("item", "ข้อคำถาม", True),
        Column("assumed", "กำหนดเอง"),
        Column("aspect_provenance", "ที่มาของด้าน"),
        Column("item_provenance", "ที่มาของข้อคำถาม"),
    ),
)
SURVEY_SCALE = SheetSpec(
    "survey_scale",
    "เกณฑ์แปลผลสำรวจ",
    (
        Column("division_code", "รหัสกอง", True),
        Column("kpi_id", "ตัวชี้วัดที่", True),
        Column("score", "คะแนน", True),
        Column("range", "ช่วงคะแนน", True),
        Column("label", "ระดับความคิดเห็น"),
    ),
)
ITEMS = SheetSpec(
    "items",
    "รายการย่อย",
    (
        Column("division_code", "รหัสกอง", True),
        Column("kpi_id", "ตัวชี้วัดที่", True),
        Column("item_no", "ลำดับ", True),
        Column("item", "รายการ", True),
        Column("weight", "ค่าน้ำหนัก", True),
    ),
)
SHEETS: tuple[SheetSpec, ...] = (
    ORGANISATION,
    DIVISIONS,
    KPIS,
    STEPS,
    SURVEY_ITEMS,
    SURVEY_SCALE,
    ITEMS,
)
"""Every master sheet; ``organisation`` is a key/value sheet, the others are tables."""
SHEET_BY_KEY = {s.key: s for s in SHEETS}
OPTIONAL_SHEETS = ("steps", "survey_items", "survey_scale", "items")


@dataclass(frozen=True)
class HelperColumn:
    """A column the written master adds for the clerk (a live formula, never read back)."""

    after: str
    """The column key it follows."""
    key: str
    thai: str


HELPER_COLUMNS: dict[str, tuple[HelperColumn, ...]] = {
    "divisions": (
        HelperColumn("division_name", "weight_total", "ค่าน้ำหนักรวม"),
        HelperColumn("division_name", "weight_status", "ตรวจค่าน้ำหนัก"),
    ),
    "kpis": (HelperColumn("kind", "kind_help", "ชนิดเกณฑ์ที่เลือกหมายถึง"),),
}
"""Per sheet, the helper columns :func:`kpixl.masterfile.write_master` writes beside the
centre's columns: the weight total of each division and its check, and what the chosen
kind means. Their headers match no column, so a master reads back the same."""


def written_keys(spec: SheetSpec) -> list[str]:
    """The column keys of a sheet in the order the master is written, helpers included."""
    keys: list[str] = []
    helpers = HELPER_COLUMNS.get(spec.key, ())
    for key in spec.keys:
        keys.append(key)
        keys += [h.key for h in helpers if h.after == key]
    return keys


def written_columns(spec: SheetSpec) -> dict[str, int]:
    """Column key → 1-based column of a written master (the centre's columns only)."""
    columns = set(spec.keys)
    return {key: n for n, key in enumerate(written_keys(spec), 1) if key in columns}


@dataclass
class Master:
    """One organisation's definitions for one fiscal year.

    Attributes:
        organisation: key → value of the ``องค์กร`` sheet.
        frames: sheet key → DataFrame with that sheet's column keys (strings, "" when
            blank) and ``_row`` (the 1-based Excel row).
        columns: sheet key → column key → 1-based Excel column, where the sheet has it.
        source: where the master came from (a path), for findings.
        organisation_rows: organisation key → Excel row of its value.
    """

    organisation: dict[str, str]
    frames: dict[str, pd.DataFrame]
    columns: dict[str, dict[str, int]] = field(default_factory=dict)
    source: str = ""
    organisation_rows: dict[str, int] = field(default_factory=dict)

    @property
    def fiscal_year_be(self) -> int:
        """The fiscal year (B.E.)."""
        return int(parse_number_text(self.organisation.get("fiscal_year_be", "")) or 0)

    @property
    def divisions(self) -> pd.DataFrame:
        """The ``กอง`` sheet."""
        return self.frames["divisions"]

    @property
    def kpis(self) -> pd.DataFrame:
        """The ``ตัวชี้วัด`` sheet."""
        return self.frames["kpis"]

    def frame(self, key: str) -> pd.DataFrame:
        """A sheet's frame (empty, with the right columns, when the sheet is absent)."""
        if key in self.frames:
            return self.frames[key]
        return pd.DataFrame(columns=[*SHEET_BY_KEY[key].keys, "_row"])

    def division_codes(self) -> list[str]:
        """Division codes in sheet order."""
        return [c for c in self.divisions["division_code"].tolist() if c]


def table_frame(
    spec: SheetSpec, rows: Iterable[dict[str, Any]], first_row: int = 2
) -> pd.DataFrame:
    """A master frame from records (missing keys blank), ``_row`` counted from ``first_row``."""
    records = []
    for offset, rec in enumerate(rows):
        clean = {k: _cell_text(rec.get(k)) for k in spec.keys}
        clean["_row"] = rec.get("_row", first_row + offset)
        records.append(clean)
    return pd.DataFrame(records, columns=[*spec.keys, "_row"])


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float) and value != value:
        return ""
    return str(value).strip()


# --- rubrics of the definitions ---------------------------------------------------------


def level_texts(kpi: pd.Series | dict[str, Any], prefix: str = "level_") -> list[str]:
    """The five criteria of a KPI as written (blank ones included)."""
    return [str(kpi.get(f"{prefix}{n}", "")) for n in LEVELS]


def canonical_json(definitions: dict[str, Any]) -> str:
    """The canonical JSON of a division's definitions: what :func:`fingerprint` hashes, and
    the text a workbook embeds."""
    return json.dumps(definitions, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def fingerprint(definitions: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a division's definitions."""
    return text_fingerprint(canonical_json(definitions))


def text_fingerprint(text: str) -> str:
    """SHA-256 of a text (the canonical JSON of definitions, for :func:`fingerprint`)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def division_definitions(master: Master, division_code: str) -> dict[str, Any]:
    """Everything the centre defines for one division, as plain JSON-able data.

    This is what a division workbook embeds (with its :func:`fingerprint`) and what a
    returned workbook is compared against.
    """

    def records(key: str) -> list[dict[str, str]]:
        frame = master.frame(key)
        rows = frame[frame["division_code"] == division_code].drop(columns=["_row"])
        return [
            {k: v for k, v in rec.items() if k != "division_code"}
            for rec in rows.to_dict("records")
        ]

    division = master.divisions[master.divisions["division_code"] == division_code]
    if division.empty:
        raise KeyError(division_code)
    organisation = {k: v for k, v in master.organisation.items() if k != "sheet_password"}
    return {
        "organisation": organisation,
        "division": division.drop(columns=["_row"]).iloc[0].to_dict(),
        "kpis": records("kpis"),
        "steps": records("steps"),
        "survey_items": records("survey_items"),
        "survey_scale": records("survey_scale"),
        "items": records("items"),
    }


# --- example rows and where findings belong -------------------------------------------


EXAMPLE_MARK = "[ตัวอย่าง]"
"""How ``kpixl master init`` marks its example rows: their ``notes`` start with it."""


def is_example(frame: pd.DataFrame) -> pd.Series:
    """True for the rows of a master frame marked as kpixl's examples."""
    if "notes" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["notes"].str.strip().str.startswith(EXAMPLE_MARK)


def finding_divisions(master: Master, findings: pd.DataFrame) -> pd.Series:
    """The division code each master finding is about ("" for the organisation's and the
    whole master's), from the division code on the finding's own row.

    Args:
        master: the master the findings are of.
        findings: a findings frame of :func:`kpixl.checks.master.check_master` or the reader.

    Returns:
        A text Series aligned with ``findings``.
    """
    by_row: dict[tuple[str, int], str] = {}
    for spec in SHEETS[1:]:
        frame = master.frame(spec.key)
        for code, row in zip(frame["division_code"], frame["_row"], strict=True):
            by_row[(spec.name, int(row))] = code
    return pd.Series(
        [
            by_row.get((sheet, int(row)), "") if not pd.isna(row) else ""
            for sheet, row in zip(findings["sheet"], findings["row"], strict=True)
        ],
        index=findings.index,
        dtype=object,
    )


def master_from_csv(folder: Path | str) -> Master:
    """A master from a folder of CSV files, one per sheet (``kpis.csv``, …).

    This is the reviewable source of the bundled masters (``sample_workbooks/source``).
    Rows and columns are numbered as :func:`kpixl.masterfile.write_master` lays them out,
    so findings point at the same cells in the written workbook.
    """
    folder = Path(folder)
    organisation: dict[str, str] = {}
    organisation_rows: dict[str, int] = {}
    # Every key, blank when the CSV leaves it out: as a master workbook reads back.
    organisation = {column.key: "" for column in ORGANISATION.columns}
    with open(folder / "organisation.csv", encoding="utf-8", newline="") as handle:
        for rec in csv.DictReader(handle):
            organisation[rec["key"]] = rec["value"].strip()
    for number, column in enumerate(ORGANISATION.columns, 1):
        organisation_rows[column.key] = number
    frames: dict[str, pd.DataFrame] = {}
    columns: dict[str, dict[str, int]] = {}
    for spec in SHEETS[1:]:
        path = folder / f"{spec.key}.csv"
        rows: list[dict[str, Any]] = []
        if path.exists():
            with open(path, encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
        frames[spec.key] = table_frame(spec, rows)
        columns[spec.key] = written_columns(spec)
    return Master(organisation, frames, columns, str(folder), organisation_rows)
