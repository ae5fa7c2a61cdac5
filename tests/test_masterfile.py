"""The master workbook on disk: write_master / read_master, headers, missing parts, safety."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from kpixl.cli import main
from kpixl.findings import CATALOGUE
from kpixl.master import (
    DIVISIONS,
    ITEMS,
    KPIS,
    ORGANISATION,
    SHEETS,
    STEPS,
    SURVEY_ITEMS,
    SURVEY_SCALE,
    Master,
    check_master,
    master_from_csv,
    table_frame,
)
from kpixl.masterfile import read_master, write_master
from kpixl.safety import UnusableFile

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "sample_workbooks" / "source"

LEVELS = {
    "level_1": "ไม่ถึงร้อยละ ๖๐",
    "level_2": "ตั้งแต่ร้อยละ ๖๐ แต่ไม่ถึงร้อยละ ๗๐",
    "level_3": "ตั้งแต่ร้อยละ ๗๐ แต่ไม่ถึงร้อยละ ๘๐",
    "level_4": "ตั้งแต่ร้อยละ ๘๐ แต่ไม่ถึงร้อยละ ๙๐",
    "level_5": "ตั้งแต่ร้อยละ ๙๐ ถึงร้อยละ ๑๐๐",
}


def tricky_master() -> Master:
    """Every sheet filled, with what a spreadsheet likes to mangle."""
    organisation = {
        "org_name": "องค์การบริหารส่วนจังหวัดทดสอบ",
        "fiscal_year_be": "2565",
        "executive": "นาย ก  ข",  # two spaces inside stay (only the ends are trimmed)
        "executive_title": "นายก อบจ.",
        "agency_code": "00123",  # a code, not a number: leading zeros stay
        "office": "กองยุทธศาสตร์และงบประมาณ",
        "office_email": "+strategy@example",  # "+" would be a formula in a careless writer
        "sheet_password": "=ลับ",
    }
    kpis = [
        {
            "division_code": "D1",
            "kpi_id": "01",
            "issue": "=ประเด็นที่ ๑",
            "name": "-ร้อยละของงาน ๘๕%",
            "unit": "ร้อยละ",
            "kpi_type": "เชิงปริมาณ",
            "kind": "bands",
            **LEVELS,
            "level_1": "-ไม่ถึงร้อยละ ๖๐",
            "detail_level_5": "=ร้อยละ ๙๐ ขึ้นไป",
            "weight": "๑๗",  # Thai digits in a number column stay as typed
            "weight_assumed": "yes",
            "aggregate": "none",
            "min_value": "0",
            "max_value": "2.50",  # not the canonical 2.5: stays as typed
            "notes": "บรรทัดหนึ่ง\nบรรทัดสอง",
        },
        {
            "division_code": "D1",
            "kpi_id": "2.1.1",
            "group_id": "2.1",
            "group_name": "การเบิกจ่าย",
            "quarter": "1",
            "name": "การเบิกจ่าย ไตรมาส ๑",
            "unit": "ร้อยละ",
            "kind": "ratio",
            **LEVELS,
            "weight": "83",
            "survey_rounds": "2",
            "numerator_label": "1,234",
            "source_lines": "12",
        },
    ]
    frames = {
        "divisions": table_frame(
            DIVISIONS,
            [
                {
                    "division_code": "D1",
                    "division_name": "กองหนึ่ง",
                    "email": "d1@x.example",
                    "notes": "+66 1",
                }
            ],
        ),
        "kpis": table_frame(KPIS, kpis),
        "steps": table_frame(
            STEPS,
            [{"division_code": "D1", "kpi_id": "3", "step": "1", "description": "=SUM(A1)"}],
        ),
        "survey_items": table_frame(
            SURVEY_ITEMS,
            [
                {
                    "division_code": "D1",
                    "kpi_id": "4",
                    "aspect_no": "1",
                    "aspect": "ด้าน ๑",
                    "item_no": "2",
                    "item": "ข้อ ๒",
                    "assumed": "yes",
                }
            ],
        ),
        "survey_scale": table_frame(
            SURVEY_SCALE,
            [
                {
                    "division_code": "D1",
                    "kpi_id": "4",
                    "score": "5",
                    "range": "๔.๕๑-๕.๐๐",
                    "label": "พอใจ",
                }
            ],
        ),
        "items": table_frame(
            ITEMS,
            [{"division_code": "D1", "kpi_id": "5", "item_no": "1", "item": "ก", "weight": "0.5"}],
        ),
    }
    return Master(organisation, frames)


def test_write_then_read_round_trips_every_frame_and_the_organisation(tmp_path: Path) -> None:
    master = tricky_master()
    path = write_master(master, tmp_path / "master.xlsx")
    assert path == tmp_path / "master.xlsx"
    back, findings = read_master(path)
    assert findings.empty, findings.to_string()
    assert back.organisation == master.organisation
    assert back.source == str(path)
    for key, frame in master.frames.items():
        pd.testing.assert_frame_equal(back.frames[key], frame, obj=key)
    # Headers are in the sheet's column order, data from row 2, the organisation's values in
    # column B from row 1: where findings will point.
    for spec in SHEETS[1:]:
        assert back.columns[spec.key] == {k: n for n, k in enumerate(spec.keys, 1)}
    assert back.organisation_rows == {c.key: n for n, c in enumerate(ORGANISATION.columns, 1)}


def test_written_cells_are_numbers_only_where_they_read_back_the_same(tmp_path: Path) -> None:
    path = write_master(tricky_master(), tmp_path / "master.xlsx")
    book = openpyxl.load_workbook(path)
    kpis = book["ตัวชี้วัด"]
    header = {str(c.value).split("\n")[1]: c.column for c in kpis[1]}

    def cell(row: int, key: str) -> Any:
        return kpis.cell(row, header[key]).value

    assert cell(2, "weight") == "๑๗"
    assert cell(2, "max_value") == "2.50"
    assert cell(2, "min_value") == 0
    assert cell(2, "kpi_id") == "01"
    assert cell(2, "level_1") == "-ไม่ถึงร้อยละ ๖๐"
    assert cell(2, "issue") == "=ประเด็นที่ ๑"
    assert cell(3, "weight") == 83
    assert cell(3, "quarter") == 1
    assert cell(3, "numerator_label") == "1,234"
    assert book["ขั้นตอน"]["D2"].value == "=SUM(A1)"
    assert book["ขั้นตอน"]["D2"].data_type == "s"  # text, not a formula
    assert book["องค์กร"]["B2"].value == 2565
    assert book["องค์กร"]["B5"].value == "00123"
    assert book["องค์กร"]["A1"].value == "ชื่อองค์กร\norg_name"
    assert book.sheetnames == [
        "คำอธิบาย",
        "องค์กร",
        "กอง",
        "ตัวชี้วัด",
        "ขั้นตอน",
        "แบบสำรวจ",
        "เกณฑ์แปลผลสำรวจ",
        "รายการย่อย",
    ]


@pytest.mark.parametrize("folder", ["nakhonsawan_2565", "krabi_2564"])
def test_bundled_master_round_trips_and_its_findings_point_at_the_same_cells(
    tmp_path: Path, folder: str
) -> None:
    from_csv = master_from_csv(SOURCES / folder)
    back, read_findings = read_master(write_master(from_csv, tmp_path / "m.xlsx"))
    assert read_findings.empty
    assert back.organisation == from_csv.organisation
    for key, frame in from_csv.frames.items():
        pd.testing.assert_frame_equal(back.frames[key], frame, obj=key)
    columns = ["sheet", "cell", "row", "column", "kpi_id", "code", "value", "message_en"]
    expected = check_master(from_csv)[columns]
    got = check_master(back)[columns]
    pd.testing.assert_frame_equal(got, expected)
    assert len(expected) == (116 if folder == "nakhonsawan_2565" else 0)


# --- headers by label or key, any order ----------------------------------------------------


def _sheet(book: Any, name: str, rows: list[list[Any]]) -> None:
    sheet = book.create_sheet(name)
    for row in rows:
        sheet.append(row)


def hand_made_master(path: Path) -> Path:
    """A master typed by hand: Thai-only or key-only headers, shuffled, extra columns."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    _sheet(
        book,
        "องค์กร",
        [
            ["ปีงบประมาณ (พ.ศ.)", 2565],  # Thai label only, fiscal year first
            [None, None],
            ["org_name", "  อบจ.มือ  "],  # key only
            ["หมายเหตุ", "ไม่ใช่ช่องของแผ่นนี้"],  # not an organisation field: ignored
        ],
    )
    _sheet(
        book,
        "กอง",
        [
            ["division_name", "อีเมล", "รหัสกอง"],
            ["กองหนึ่ง", None, "D1"],
            ["กองสอง", "d2@x.example", "D2"],
        ],
    )
    kpi_header = [
        "หมายเหตุ",
        "ตัวชี้วัดผลงาน",
        "ค่าน้ำหนัก (ข)\nweight",
        "คอลัมน์ของเราเอง",
        "ตัวชี้วัดที่",
        "kind",
        "หน่วยวัด",
        "เกณฑ์ระดับ 5",  # Arabic digit, extra space: still level_5
        "เกณฑ์ระดับ ๔",
        "เกณฑ์ระดับ๓",
        "เกณฑ์ระดับ ๒",
        "LEVEL_1",  # keys are matched case-insensitively
        "รหัสกอง",
        "ไตรมาส",
    ]
    levels = [LEVELS[f"level_{n}"] for n in (5, 4, 3, 2, 1)]
    _sheet(
        book,
        "kpis",  # the sheet named by its key
        [
            kpi_header,
            ["", "ก", 60, "x", 1, "bands", "ร้อยละ", *levels, "D1", None],
            [None] * len(kpi_header),  # a blank row is skipped, rows keep their numbers
            ["", "ข", 40.0, "y", 1.0, "bands", "ร้อยละ", *levels, "D1", None],
            ["", "ค", 100, "", "2.1.1", "ratio", "ร้อยละ", *levels, "D2", 1.0],
        ],
    )
    book.save(path)
    return path


def test_headers_are_found_by_thai_label_or_key_in_any_order(tmp_path: Path) -> None:
    master, findings = read_master(hand_made_master(tmp_path / "hand.xlsx"))
    assert findings.empty, findings.to_string()
    assert master.organisation == {"fiscal_year_be": "2565", "org_name": "อบจ.มือ"}
    assert master.organisation_rows == {"fiscal_year_be": 1, "org_name": 3}
    assert master.divisions[["division_code", "division_name", "email", "_row"]].to_dict(
        "records"
    ) == [
        {"division_code": "D1", "division_name": "กองหนึ่ง", "email": "", "_row": 2},
        {"division_code": "D2", "division_name": "กองสอง", "email": "d2@x.example", "_row": 3},
    ]
    kpis = master.kpis
    assert kpis["_row"].tolist() == [2, 4, 5]
    assert kpis["kpi_id"].tolist() == ["1", "1", "2.1.1"]
    assert kpis["weight"].tolist() == ["60", "40", "100"]
    assert kpis["quarter"].tolist() == ["", "", "1"]
    assert kpis["level_1"].tolist() == [LEVELS["level_1"]] * 3
    assert kpis["level_5"].tolist() == [LEVELS["level_5"]] * 3
    assert kpis["notes"].tolist() == ["", "", ""]
    assert master.columns["kpis"]["kpi_id"] == 5
    assert master.columns["kpis"]["level_1"] == 12
    assert "group_id" not in master.columns["kpis"]


def test_findings_of_a_hand_made_master_point_at_its_own_columns(tmp_path: Path) -> None:
    master, _ = read_master(hand_made_master(tmp_path / "hand.xlsx"))
    findings = check_master(master)
    got = set(zip(findings["code"], findings["sheet"], findings["cell"], strict=True))
    assert got == {
        # KPI id "1" twice in D1: the second is on row 4, the id column is E.
        ("master-duplicate-id", "ตัวชี้วัด", "E4"),
        # D2's quarter row needs a group_id; the sheet has no such column to point at.
        ("master-field-missing", "ตัวชี้วัด", ""),
    }
    missing = findings[findings["code"] == "master-field-missing"].iloc[0]
    assert (missing["row"], missing["kpi_id"]) == (5, "2.1.1")


# --- missing sheets and columns ------------------------------------------------------------


@pytest.mark.parametrize(
    ("drop", "sheet"),
    [("องค์กร", "องค์กร"), ("กอง", "กอง"), ("ตัวชี้วัด", "ตัวชี้วัด")],
    ids=["organisation", "divisions", "kpis"],
)
def test_a_required_sheet_missing(tmp_path: Path, drop: str, sheet: str) -> None:
    path = write_master(tricky_master(), tmp_path / "m.xlsx")
    book = openpyxl.load_workbook(path)
    del book[drop]
    book.save(path)
    master, findings = read_master(path)
    assert findings[["code", "sheet", "cell"]].values.tolist() == [
        ["master-sheet-missing", sheet, ""]
    ]
    assert f"“{sheet}”" in findings.iloc[0]["message_th"]
    if drop == "องค์กร":
        assert master.organisation == {}
    else:
        key = {"กอง": "divisions", "ตัวชี้วัด": "kpis"}[drop]
        assert master.frames[key].empty
        assert list(master.frames[key].columns)[-1] == "_row"
    check_master(master)  # still checkable


def test_an_optional_sheet_missing_is_an_empty_table(tmp_path: Path) -> None:
    path = write_master(tricky_master(), tmp_path / "m.xlsx")
    book = openpyxl.load_workbook(path)
    del book["ขั้นตอน"]
    book.save(path)
    master, findings = read_master(path)
    assert findings.empty
    assert master.frame("steps").empty
    assert list(master.frame("steps").columns) == [*STEPS.keys, "_row"]


@pytest.mark.parametrize(
    ("sheet", "column", "thai"),
    [
        ("ตัวชี้วัด", "name", "ตัวชี้วัดผลงาน"),
        ("กอง", "division_code", "รหัสกอง"),
        ("ขั้นตอน", "description", "รายละเอียดการดำเนินการ"),
    ],
)
def test_a_required_column_missing(tmp_path: Path, sheet: str, column: str, thai: str) -> None:
    path = write_master(tricky_master(), tmp_path / "m.xlsx")
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    position = next(c.column for c in ws[1] if str(c.value).endswith(f"\n{column}"))
    ws.delete_cols(position)
    book.save(path)
    master, findings = read_master(path)
    assert findings[["code", "sheet", "cell"]].values.tolist() == [
        ["master-column-missing", sheet, "A1"]
    ]
    assert f"“{thai}”" in findings.iloc[0]["message_th"]
    assert (
        column not in master.columns[{"ตัวชี้วัด": "kpis", "กอง": "divisions", "ขั้นตอน": "steps"}[sheet]]
    )


def test_an_optional_column_missing_is_no_finding(tmp_path: Path) -> None:
    path = write_master(tricky_master(), tmp_path / "m.xlsx")
    book = openpyxl.load_workbook(path)
    ws = book["ตัวชี้วัด"]
    ws.delete_cols(next(c.column for c in ws[1] if str(c.value).endswith("\nnotes")))
    book.save(path)
    master, findings = read_master(path)
    assert findings.empty
    assert master.kpis["notes"].tolist() == ["", ""]


# --- master init, unusable files, atomic output --------------------------------------------


def test_master_init_reads_back_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "master_2569.xlsx"
    assert main(["master", "init", str(path), "--fiscal-year", "2569"]) == 0
    capsys.readouterr()
    master, findings = read_master(path)
    assert findings.empty
    assert master.organisation["fiscal_year_be"] == "2569"
    assert master.fiscal_year_be == 2569
    assert {k for k, v in master.organisation.items() if v} == {"fiscal_year_be"}
    for spec in SHEETS[1:]:
        assert master.frame(spec.key).empty, spec.key
        assert master.columns[spec.key] == {k: n for n, k in enumerate(spec.keys, 1)}
    # Only the organisation's name is left to fill in before it is a valid (empty) master.
    checked = check_master(master)
    assert checked[["code", "cell"]].values.tolist() == [["master-field-missing", "B1"]]


@pytest.mark.parametrize(
    ("content", "codes"),
    [
        (b"division_code,kpi_id\nD1,1\n", {"file-not-workbook"}),
        (b"PK\x03\x04 cut short", {"file-not-workbook", "file-corrupt"}),
        (b"", {"file-not-workbook", "file-corrupt"}),
    ],
    ids=["csv-named-xlsx", "truncated-zip", "empty"],
)
def test_read_master_on_a_non_workbook_raises(
    tmp_path: Path, content: bytes, codes: set[str]
) -> None:
    path = tmp_path / "master.xlsx"
    path.write_bytes(content)
    with pytest.raises(UnusableFile) as raised:
        read_master(path)
    assert raised.value.code in codes
    assert raised.value.code in CATALOGUE


def test_read_master_on_a_zip_that_is_no_workbook_raises(tmp_path: Path) -> None:
    path = tmp_path / "master.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "สวัสดี")
    with pytest.raises(UnusableFile):
        read_master(path)


def test_write_master_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "out" / "master.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"an older file")
    write_master(tricky_master(), target)
    assert [p.name for p in target.parent.iterdir()] == ["master.xlsx"]
    master, findings = read_master(target)
    assert findings.empty
    assert master.organisation["org_name"] == "องค์การบริหารส่วนจังหวัดทดสอบ"


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "master.xlsx"
    target.write_bytes(b"the old master")
    broken = tricky_master()
    broken.frames["kpis"] = broken.frames["kpis"].drop(columns=["name"])  # a programmer error
    with pytest.raises(KeyError):
        write_master(broken, target)
    assert target.read_bytes() == b"the old master"
    assert [p.name for p in tmp_path.iterdir()] == ["master.xlsx"]
