"""The centre's definitions (the master workbook) as data, and their checks.

A :class:`Master` holds one organisation's definitions for one fiscal year as DataFrames,
one per master sheet (see ``sample_workbooks/source/README.md`` for every column). Each
frame keeps the Excel row it came from in ``_row`` so a finding can point at its cell.
Reading and writing the .xlsx lives in :mod:`kpixl.masterfile`; nothing here touches Excel.
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

from kpixl.criteria import CriterionError
from kpixl.definitions import build_rubric
from kpixl.findings import concat_findings, finding, findings_frame
from kpixl.kinds import KIND_NAMES
from kpixl.rubric import (
    BandRubric,
    MilestoneRubric,
    Rubric,
    RubricIssue,
    lint_detail,
)
from kpixl.thai import format_number, parse_number_text

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


def fingerprint(definitions: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a division's definitions."""
    canonical = json.dumps(definitions, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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


# --- checking the master ----------------------------------------------------------------


def _at(master: Master, sheet: str, row: int | None, column: str | None) -> dict[str, Any]:
    col = master.columns.get(sheet, {}).get(column or "")
    return {
        "source": master.source,
        "sheet": SHEET_BY_KEY[sheet].name,
        "row": row,
        "column": col if row else None,
    }


def check_master(master: Master) -> pd.DataFrame:
    """Every problem in the centre's definitions, with its sheet and cell.

    Returns:
        A findings frame (see :data:`kpixl.findings.FINDING_COLUMNS`).
    """
    return concat_findings(
        [
            _check_required(master),
            _check_values(master),
            _check_references(master),
            _check_weights(master),
            _check_rubrics(master),
            _check_examples(master),
        ]
    )


EXAMPLE_MARK = "[ตัวอย่าง]"
"""How ``kpixl master init`` marks its example rows: their ``notes`` start with it."""


def is_example(frame: pd.DataFrame) -> pd.Series:
    """True for the rows of a master frame marked as kpixl's examples."""
    if "notes" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["notes"].str.strip().str.startswith(EXAMPLE_MARK)


def _check_examples(master: Master) -> pd.DataFrame:
    """One finding per example division (with its example KPIs), and one per example KPI
    row left under a real division."""
    divisions, kpis = master.divisions, master.kpis
    example_codes = set(divisions.loc[is_example(divisions), "division_code"])
    records = []
    for rec in divisions[is_example(divisions)].to_dict("records"):
        count = int(kpis["division_code"].eq(rec["division_code"]).sum())
        code = rec["division_code"] or "?"
        records.append(
            finding(
                "master-example-row",
                **_at(master, "divisions", rec["_row"], "notes"),
                value=rec["division_code"],
                what=f"กอง {code} และตัวชี้วัด {count} ตัวของกองนี้",
                what_en=f"Division {code} with its {count} KPIs",
            )
        )
    stray = is_example(kpis) & ~kpis["division_code"].isin(example_codes)
    for rec in kpis[stray].to_dict("records"):
        records.append(
            finding(
                "master-example-row",
                **_at(master, "kpis", rec["_row"], "notes"),
                kpi_id=rec["kpi_id"],
                value=rec["kpi_id"],
                what=f"ตัวชี้วัด {rec['kpi_id']} ของกอง {rec['division_code']}",
                what_en=f"KPI {rec['kpi_id']} of division {rec['division_code']}",
            )
        )
    return findings_frame(records)


def finding_divisions(master: Master, findings: pd.DataFrame) -> pd.Series:
    """The division code each master finding is about ("" for the organisation's and the
    whole master's), from the division code on the finding's own row.

    Args:
        master: the master the findings are of.
        findings: a findings frame of :func:`check_master` or the reader.

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


def _check_required(master: Master) -> pd.DataFrame:
    records = []
    for key in ("org_name", "fiscal_year_be"):
        if not master.organisation.get(key):
            column = next(c for c in ORGANISATION.columns if c.key == key)
            records.append(
                finding(
                    "master-field-missing",
                    source=master.source,
                    sheet=ORGANISATION.name,
                    row=master.organisation_rows.get(key),
                    column=2,
                    field=column.thai,
                )
            )
    for spec in SHEETS[1:]:
        frame = master.frame(spec.key)
        for column in spec.columns:
            required = column.required or (
                spec.key == "kpis"
                and column.key in ("weight", "level_1", "level_2", "level_3", "level_4", "level_5")
            )
            if not required or column.key not in frame:
                continue
            blank = frame[column.key].eq("")
            if spec.key == "kpis" and not column.required:
                blank &= frame["kind"].ne("")  # only scored KPIs need criteria and a weight
            for rec in frame[blank].to_dict("records"):
                records.append(
                    finding(
                        "master-field-missing",
                        **_at(master, spec.key, rec["_row"], column.key),
                        kpi_id=rec.get("kpi_id", ""),
                        field=column.thai,
                    )
                )
    return findings_frame(records)


def _bad(
    master: Master, sheet: str, rec: dict[str, Any], key: str, reason: tuple[str, str]
) -> dict[str, Any]:
    column = next(c for c in SHEET_BY_KEY[sheet].columns if c.key == key)
    return finding(
        "master-bad-value",
        **_at(master, sheet, rec["_row"], key),
        kpi_id=rec.get("kpi_id", ""),
        value=rec[key],
        field=column.thai,
        reason=reason[0],
        reason_en=reason[1],
    )


def _number_or_blank(series: pd.Series) -> pd.Series:
    """True where a text column is blank or reads as a number."""
    return series.eq("") | series.map(lambda t: parse_number_text(t) is not None)


_NUMBER = ("ต้องเป็นตัวเลข", "must be a number")


def _check_values(master: Master) -> pd.DataFrame:
    kpis = master.kpis
    records = []
    fy = parse_number_text(master.organisation.get("fiscal_year_be", ""))
    if master.organisation.get("fiscal_year_be") and (
        fy is None or not fy.is_integer() or not 2400 <= fy <= 2700
    ):
        records.append(
            finding(
                "master-bad-value",
                source=master.source,
                sheet=ORGANISATION.name,
                row=master.organisation_rows.get("fiscal_year_be"),
                column=2,
                value=master.organisation.get("fiscal_year_be"),
                field="ปีงบประมาณ (พ.ศ.)",
                reason="ต้องเป็นปี พ.ศ. เช่น 2565",
                reason_en="a B.E. year such as 2565",
            )
        )
    rules: list[tuple[str, pd.Series, tuple[str, str]]] = [
        (
            "kind",
            kpis["kind"].eq("") | kpis["kind"].isin(KINDS),
            (
                "ต้องเลือกจากรายการ (ดูความหมายของแต่ละชนิดในแผ่นงาน ชนิดเกณฑ์)",
                "one of " + ", ".join(KINDS),
            ),
        ),
        (
            "aggregate",
            kpis["aggregate"].eq("") | kpis["aggregate"].isin(AGGREGATES),
            (
                "ต้องเป็น “sum”, “last” หรือ “none” (ดูแผ่นงาน คำแนะนำ)",
                "one of sum, last, none",
            ),
        ),
        (
            "kpi_type",
            kpis["kpi_type"].eq("") | kpis["kpi_type"].isin(KPI_TYPES),
            ("ต้องเป็น “เชิงปริมาณ” หรือ “เชิงคุณภาพ”", "“เชิงปริมาณ” or “เชิงคุณภาพ”"),
        ),
        (
            "quarter",
            kpis["quarter"].eq("") | kpis["quarter"].isin(["1", "2", "3", "4"]),
            ("ต้องเป็นไตรมาส 1 ถึง 4", "a quarter from 1 to 4"),
        ),
        ("weight", _number_or_blank(kpis["weight"]), _NUMBER),
        (
            "survey_rounds",
            kpis["survey_rounds"].eq("") | kpis["survey_rounds"].str.fullmatch(r"[1-9]\d*"),
            ("ต้องเป็นจำนวนเต็มตั้งแต่ 1 ขึ้นไป", "a whole number from 1"),
        ),
        ("min_value", _number_or_blank(kpis["min_value"]), _NUMBER),
        ("max_value", _number_or_blank(kpis["max_value"]), _NUMBER),
    ]
    for key, ok, reason in rules:
        records += [_bad(master, "kpis", rec, key, reason) for rec in kpis[~ok].to_dict("records")]
    quarter_without_group = kpis["quarter"].ne("") & kpis["group_id"].eq("")
    for rec in kpis[quarter_without_group].to_dict("records"):
        records.append(
            finding(
                "master-field-missing",
                **_at(master, "kpis", rec["_row"], "group_id"),
                kpi_id=rec["kpi_id"],
                field="ตัวชี้วัดหลัก (แถวรายไตรมาส)",
            )
        )
    for key, column in (("steps", "step"), ("items", "weight"), ("survey_scale", "score")):
        frame = master.frame(key)
        ok = _number_or_blank(frame[column])
        records += [
            _bad(master, key, rec, column, _NUMBER) for rec in frame[~ok].to_dict("records")
        ]
    return findings_frame(records)


def _check_references(master: Master) -> pd.DataFrame:
    records = []
    codes = set(master.division_codes())
    dup_divisions = master.divisions["division_code"].ne("") & master.divisions.duplicated(
        "division_code", keep="first"
    )
    for rec in master.divisions[dup_divisions].to_dict("records"):
        records.append(
            finding(
                "master-duplicate-id",
                **_at(master, "divisions", rec["_row"], "division_code"),
                value=rec["division_code"],
            )
        )
    kpis = master.kpis
    dup = kpis["kpi_id"].ne("") & kpis.duplicated(["division_code", "kpi_id"], keep="first")
    for rec in kpis[dup].to_dict("records"):
        records.append(
            finding(
                "master-duplicate-id",
                **_at(master, "kpis", rec["_row"], "kpi_id"),
                kpi_id=rec["kpi_id"],
                value=rec["kpi_id"],
            )
        )
    for key in ("kpis", *OPTIONAL_SHEETS):
        frame = master.frame(key)
        unknown = frame["division_code"].ne("") & ~frame["division_code"].isin(codes)
        for rec in frame[unknown].to_dict("records"):
            records.append(
                finding(
                    "master-unknown-division",
                    **_at(master, key, rec["_row"], "division_code"),
                    kpi_id=rec.get("kpi_id", ""),
                    value=rec["division_code"],
                )
            )
    known = set(zip(kpis["division_code"], kpis["kpi_id"], strict=True))
    for key in OPTIONAL_SHEETS:
        frame = master.frame(key)
        pairs = pd.Series(
            list(zip(frame["division_code"], frame["kpi_id"], strict=True)),
            index=frame.index,
            dtype=object,
        )
        unknown = frame["division_code"].isin(codes) & ~pairs.isin(known)
        for rec in frame[unknown].to_dict("records"):
            records.append(
                finding(
                    "master-unknown-kpi",
                    **_at(master, key, rec["_row"], "kpi_id"),
                    kpi_id=rec["kpi_id"],
                    value=rec["kpi_id"],
                )
            )
    return findings_frame(records)


def _check_weights(master: Master) -> pd.DataFrame:
    kpis = master.kpis
    scored = kpis[kpis["kind"].ne("") & kpis["division_code"].ne("")]
    weights = scored["weight"].map(parse_number_text).astype("float64")
    totals = weights.groupby(scored["division_code"], sort=False).sum()
    first_rows = scored.groupby("division_code", sort=False)["_row"].min()
    names = dict(
        zip(master.divisions["division_code"], master.divisions["division_name"], strict=True)
    )
    records = []
    for code, total in totals.items():
        if abs(total - 100) > 1e-9:
            records.append(
                finding(
                    "weights-not-100",
                    **_at(master, "kpis", int(first_rows[code]), "weight"),
                    value=format_number(total),
                    division=names.get(code) or f"กอง {code}",
                    division_en=f"division {code}",
                    total=format_number(total),
                )
            )
    return findings_frame(records)


def _issue_finding(
    master: Master, rec: dict[str, Any], issue: RubricIssue, prefix: str = "level_"
) -> dict[str, Any]:
    column = f"{prefix}{issue.level}" if issue.level else "kpi_id"
    params: dict[str, Any] = dict(issue.params)
    params.setdefault("level", str(issue.level or ""))
    return finding(
        issue.code,
        **_at(master, "kpis", rec["_row"], column),
        kpi_id=rec["kpi_id"],
        value=rec.get(column, ""),
        **params,
    )


def _check_rubrics(master: Master) -> pd.DataFrame:
    records = []
    kpis = master.kpis
    scored = kpis[kpis["kind"].isin(KINDS)]
    for rec in scored.to_dict("records"):
        if any(not rec[f"level_{n}"] for n in LEVELS):
            continue  # reported as master-field-missing
        try:
            rubric = build_rubric(rec)
        except CriterionError as error:
            records.append(_unparseable(master, rec, error))
            continue
        records += [_issue_finding(master, rec, issue) for issue in rubric.lint()]
        detail = level_texts(rec, "detail_level_")
        if any(detail):
            records += [
                _issue_finding(master, rec, issue, "detail_level_")
                for issue in lint_detail(level_texts(rec), detail)
            ]
        records += _check_parts(master, rec, rubric)
    records += _check_quarters(master, scored)
    records += _check_survey_scales(master)
    return findings_frame(records)


def _unparseable(master: Master, rec: dict[str, Any], error: CriterionError) -> dict[str, Any]:
    texts = level_texts(rec)
    level = texts.index(error.text) + 1 if error.text in texts else 1
    if error.kind_mismatch:
        return finding(
            "rubric-kind-mismatch",
            **_at(master, "kpis", rec["_row"], f"level_{level}"),
            kpi_id=rec["kpi_id"],
            value=error.text,
            level=str(level),
            text=error.text,
            kind=rec["kind"],
        )
    return finding(
        "rubric-unparseable",
        **_at(master, "kpis", rec["_row"], f"level_{level}"),
        kpi_id=rec["kpi_id"],
        value=error.text,
        level=str(level),
        text=error.text,
        reason=error.reason_th,
        reason_en=error.reason,
    )


def _check_parts(master: Master, rec: dict[str, Any], rubric: Rubric) -> list[dict[str, Any]]:
    """Steps of milestone KPIs, items of survey and weighted-items KPIs."""

    def rows_of(key: str) -> pd.DataFrame:
        frame = master.frame(key)
        return frame[
            (frame["division_code"] == rec["division_code"]) & (frame["kpi_id"] == rec["kpi_id"])
        ]

    where = _at(master, "kpis", rec["_row"], "kind")
    if isinstance(rubric, MilestoneRubric):
        steps = rows_of("steps")
        have = set(steps.loc[steps["description"].ne(""), "step"])
        missing = [str(n) for n in range(1, rubric.steps + 1) if str(n) not in have]
        if missing:
            return [
                finding(
                    "rubric-steps-missing", **where, kpi_id=rec["kpi_id"], steps=", ".join(missing)
                )
            ]
    if rec["kind"] == "survey" and rows_of("survey_items").empty:
        return [finding("survey-items-missing", **where, kpi_id=rec["kpi_id"])]
    if rec["kind"] == "weighted_items":
        items = rows_of("items")
        weights = items["weight"].map(parse_number_text)
        if items.empty or weights.isna().any():
            return [finding("weighted-items-missing", **where, kpi_id=rec["kpi_id"])]
    return []


def _check_quarters(master: Master, scored: pd.DataFrame) -> list[dict[str, Any]]:
    records = []
    quarterly = scored[scored["group_id"].ne("")]
    for (_, group), rows in quarterly.groupby(["division_code", "group_id"], sort=False):
        # Missing means no row for the quarter. A quarter row whose criteria are blank or
        # cannot be read is reported at its own cells, not as a missing quarter as well.
        missing = [q for q in ("1", "2", "3", "4") if q not in set(rows["quarter"])]
        if missing:
            first = rows.iloc[0]
            records.append(
                finding(
                    "rubric-quarters-missing",
                    **_at(master, "kpis", int(first["_row"]), "quarter"),
                    kpi_id=group,
                    group=group,
                    quarters=", ".join(missing),
                )
            )
    return records


def _check_survey_scales(master: Master) -> list[dict[str, Any]]:
    """The Likert interpretation tables: read as five bands on a mean of 1–5."""
    records = []
    scale = master.frame("survey_scale")
    for (_, kpi_id), rows in scale.groupby(["division_code", "kpi_id"], sort=False):
        ordered = rows.assign(n=rows["score"].map(parse_number_text)).sort_values("n")
        if ordered["n"].isna().any():
            continue  # a blank or unreadable score is reported; the levels are unknown
        # As written: the parser cleans the text itself, and a finding names what was typed.
        texts = list(ordered["range"])
        try:
            rubric = BandRubric.from_texts(texts, value_range=(1.0, 5.0))
        except CriterionError as error:
            bad = ordered[ordered["range"] == error.text]
            row: int | None = int((bad if not bad.empty else ordered)["_row"].iloc[0])
            records.append(
                finding(
                    "rubric-unparseable",
                    **_at(master, "survey_scale", row, "range"),
                    kpi_id=kpi_id,
                    value=error.text,
                    level="",
                    text=error.text,
                    reason=error.reason_th,
                    reason_en=error.reason,
                )
            )
            continue
        row_of_level = dict(enumerate(ordered["_row"].astype(int), 1))
        for issue in rubric.lint():
            row = row_of_level.get(issue.level or 1)
            params: dict[str, Any] = {"level": str(issue.level or ""), **issue.params}
            records.append(
                finding(
                    issue.code,
                    **_at(master, "survey_scale", row, "range"),
                    kpi_id=kpi_id,
                    value="",
                    **params,
                )
            )
    return records


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
