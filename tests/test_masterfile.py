"""The master workbook on disk: write_master / read_master, headers, missing parts, safety."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from kpixl.cells import column_letter
from kpixl.checks.master import check_master
from kpixl.cli import main
from kpixl.definitions import parse_definitions
from kpixl.findings import CATALOGUE
from kpixl.kinds import KINDS as KIND_REGISTRY
from kpixl.layout import visible_length
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
    division_definitions,
    is_example,
    master_from_csv,
    table_frame,
    written_columns,
    written_keys,
)
from kpixl.master_example import EXAMPLE_CODE, example_master, worked_example
from kpixl.masterfile import kind_meaning, read_master, weight_status, write_master
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
        assert back.columns[spec.key] == written_columns(spec)
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
        "คำแนะนำ",
        "องค์กร",
        "กอง",
        "ตัวชี้วัด",
        "ขั้นตอน",
        "แบบสำรวจ",
        "เกณฑ์แปลผลสำรวจ",
        "รายการย่อย",
        "ชนิดเกณฑ์",
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


def test_master_init_writes_example_rows_that_check_recognises(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "master_2569.xlsx"
    assert main(["master", "init", str(path), "--fiscal-year", "2569"]) == 0
    capsys.readouterr()
    master, findings = read_master(path)
    assert findings.empty
    assert master.fiscal_year_be == 2569
    assert {k for k, v in master.organisation.items() if v} == {"fiscal_year_be"}
    for spec in SHEETS[1:]:
        assert master.columns[spec.key] == written_columns(spec)
    # The example reads back as the definitions it is: one division, three KPIs of three
    # kinds whose weights sum to 100, five milestone steps; each one scorable.
    assert master.division_codes() == [EXAMPLE_CODE]
    assert master.kpis["kind"].tolist() == ["ratio", "milestones", "deadline_date"]
    assert master.kpis["weight"].astype(float).sum() == 100
    assert len(master.frame("steps")) == 5
    definitions = parse_definitions(division_definitions(master, EXAMPLE_CODE))
    assert [k.problem for k in definitions.scored] == [None, None, None]
    # Marked as examples, and recognised as such: the organisation's name and the example
    # are all that is left to do.
    assert is_example(master.divisions).all() and is_example(master.kpis).all()
    checked = check_master(master)
    assert checked[["code", "sheet", "cell"]].values.tolist() == [
        ["master-field-missing", "องค์กร", "B1"],
        ["master-example-row", "กอง", f"{column_letter(written_columns(DIVISIONS)['notes'])}2"],
    ]
    assert "กอง EX และตัวชี้วัด 3 ตัว" in checked["message_th"].iloc[1]
    assert checked["message_en"].iloc[1].startswith("Division EX with its 3 KPIs")


def test_an_example_kpi_moved_under_a_real_division_is_still_recognised() -> None:
    master = example_master(2569)
    master.divisions.loc[0, ["division_code", "notes"]] = ["FIN", ""]
    master.kpis.loc[master.kpis["kpi_id"] == "2", "division_code"] = "FIN"
    master.kpis.loc[master.kpis["kpi_id"] != "2", "notes"] = ""  # replaced by the clerk
    found = check_master(master)
    examples = found[found["code"] == "master-example-row"]
    assert examples["kpi_id"].tolist() == ["2"]
    assert "ตัวชี้วัด 2 ของกอง FIN" in examples["message_th"].iloc[0]


@pytest.mark.parametrize("lang", ["th", "en"])
def test_master_init_never_overwrites_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    path = tmp_path / "master_2569.xlsx"
    path.write_bytes(b"a master the clerk filled in")
    assert main(["master", "init", str(path), "--lang", lang]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "--force" in err
    assert ("อยู่แล้ว" in err) == (lang == "th") and ("exists" in err) == (lang == "en")
    assert path.read_bytes() == b"a master the clerk filled in"
    assert [p.name for p in tmp_path.iterdir()] == ["master_2569.xlsx"]
    assert main(["master", "init", str(path), "--fiscal-year", "2570", "--force"]) == 0
    assert read_master(path)[0].fiscal_year_be == 2570


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


# --- kept by a clerk: layout, drop-downs, helpers (issue 10) --------------------------------


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled master of อบจ.นครสวรรค์ as write_master writes it."""
    master = master_from_csv(SOURCES / "nakhonsawan_2565")
    return write_master(master, tmp_path_factory.mktemp("bundled") / "nakhonsawan.xlsx")


def _header(sheet: Any) -> dict[str, int]:
    """Column key (the header's second line) → column number; helpers by their key too."""
    keys: dict[str, int] = {}
    for cell in sheet[1]:
        lines = str(cell.value or "").split("\n")
        keys[lines[-1]] = cell.column
    return keys


def _width(sheet: Any, column: int) -> float:
    """A column's width (openpyxl keeps neighbours of one width as one range)."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min <= column <= dimension.max:
            return float(dimension.width)
    return 8.43


def test_criteria_columns_are_wide_and_wrapped(bundled: Path) -> None:
    sheet = openpyxl.load_workbook(bundled)[KPIS.name]
    header = _header(sheet)
    for n in range(1, 6):
        letter = column_letter(header[f"level_{n}"])
        assert _width(sheet, header[f"level_{n}"]) >= 30, letter
        assert sheet[f"{letter}2"].alignment.wrap_text
    # a row whose criteria run longer than their column is tall enough for two lines
    long_rows = [
        row
        for row in range(2, sheet.max_row + 1)
        if any(
            visible_length(str(sheet.cell(row, header[f"level_{n}"]).value or "")) > 34
            for n in range(1, 6)
        )
    ]
    assert long_rows
    for row in long_rows:
        assert sheet.row_dimensions[row].height >= 40, row


def test_the_kind_drop_down_and_its_meaning_beside_it(bundled: Path) -> None:
    book = openpyxl.load_workbook(bundled)
    sheet = book[KPIS.name]
    header = _header(sheet)
    kind, helper = header["kind"], column_letter(header["kind"] + 1)
    assert written_keys(KPIS)[kind] == "kind_help"  # the next column
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    drop_down = validations[f"{column_letter(kind)}2:{column_letter(kind)}5001"]
    assert drop_down.type == "list"
    assert drop_down.formula1.strip('"').split(",") == list(KIND_REGISTRY)
    assert drop_down.promptTitle and "ชนิดเกณฑ์" in (drop_down.prompt or "")
    formula = sheet[f"{helper}2"].value
    assert formula.startswith("=IF(") and "'ชนิดเกณฑ์'!" in formula
    # The kinds sheet is the registry in Thai: one source of truth for the meanings.
    kinds = book["ชนิดเกณฑ์"]
    rows = {r[0]: r[1:3] for r in kinds.iter_rows(min_row=2, max_col=3, values_only=True) if r[0]}
    for name, entry in KIND_REGISTRY.items():
        assert rows[name] == (entry.title_th, entry.explain_th)
    ratio = KIND_REGISTRY["ratio"]
    assert kind_meaning("ratio") == f"{ratio.title_th}: {ratio.explain_th}"
    assert sheet[f"{helper}2"].value and kind_meaning("", "") == ""
    assert kind_meaning("", "1").startswith("(ว่าง) ไม่คิดคะแนน")  # a target-sheet-only KPI
    assert kind_meaning("Bands").startswith("⚠")


def test_division_code_is_a_drop_down_of_the_division_sheet(bundled: Path) -> None:
    book = openpyxl.load_workbook(bundled)
    code = column_letter(written_columns(DIVISIONS)["division_code"])
    for spec in SHEETS[2:]:
        sheet = book[spec.name]
        column = column_letter(_header(sheet)["division_code"])
        validation = next(
            v
            for v in sheet.data_validations.dataValidation
            if str(v.sqref).startswith(f"{column}2:")
        )
        assert validation.type == "list"
        assert validation.formula1 == f"'กอง'!${code}$2:${code}$1000", spec.name
        assert validation.errorStyle == "warning"  # a code typed before its division: warned


def test_organisation_labels_are_not_clipped(bundled: Path) -> None:
    sheet = openpyxl.load_workbook(bundled)[ORGANISATION.name]
    width = _width(sheet, 1)
    for row, column in enumerate(ORGANISATION.columns, 1):
        label = sheet.cell(row, 1).value
        assert label == f"{column.thai}\n{column.key}"
        assert sheet.cell(row, 1).alignment.wrap_text
        # two lines of 14 pt text fit the row; the longest line fits the column
        assert sheet.row_dimensions[row].height >= 2 * 18, column.key
        assert max(len(line) for line in label.split("\n")) <= width, column.key


def test_example_rows_stand_out(tmp_path: Path) -> None:
    path = write_master(example_master(2569), tmp_path / "m.xlsx")
    sheet = openpyxl.load_workbook(path)[KPIS.name]
    for row in (2, 3, 4):
        assert sheet.cell(row, 1).font.italic
        assert str(sheet.cell(row, _header(sheet)["notes"]).value).startswith("[ตัวอย่าง]")


def test_guidance_sheet_has_the_steps_and_a_worked_example(tmp_path: Path) -> None:
    path = write_master(example_master(2569), tmp_path / "m.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "คำแนะนำ" and book.active.title == "คำแนะนำ"
    text = "\n".join(
        str(v) for row in book["คำแนะนำ"].iter_rows(values_only=True) for v in row if v
    )
    for sheet_name in ("องค์กร", "กอง", "ตัวชี้วัด", "ขั้นตอน", "แบบสำรวจ", "รายการย่อย"):
        assert sheet_name in text
    assert "kpixl master check" in text and "kpixl templates" in text
    # The worked example, computed by hand from the example's criteria: 17 of 20 projects
    # = 85 % → level 4 (80–90); steps 1–3 → level 3; delivered 10 Aug, after 31 Jul but by
    # 15 Aug → level 4. (ค) = 4×40/100 + 3×30/100 + 4×30/100 = 1.6 + 0.9 + 1.2 = 3.7 → 74.
    example = worked_example(2569)
    assert [r.level for r in example.rows] == [4, 3, 4]
    assert (example.total, example.score_100) == (pytest.approx(3.7), pytest.approx(74))
    assert "1.6 + 0.9 + 1.2 = 3.7" in text
    assert "3.7 × 20 = 74" in text
    for column in KPIS.columns:
        assert f"ตัวชี้วัด / {column.key}" in text


def test_weight_status_is_what_the_formulas_say(tmp_path: Path) -> None:
    master = Master(
        {"org_name": "อบจ.ทดสอบ", "fiscal_year_be": "2565"},
        {
            "divisions": table_frame(
                DIVISIONS,
                [
                    {"division_code": code, "division_name": f"กอง {code}"}
                    for code in ("D1", "D2", "D3", "D4", "D5", "D6")
                ],
            ),
            "kpis": table_frame(
                KPIS,
                [
                    {"division_code": "D1", "kpi_id": "1", "kind": "bands", "weight": "60"},
                    {"division_code": "D1", "kpi_id": "2", "kind": "ratio", "weight": "30"},
                    {"division_code": "D1", "kpi_id": "3", "kind": "", "weight": "99"},
                    {"division_code": "D2", "kpi_id": "1", "kind": "bands", "weight": "100"},
                    {"division_code": "D3", "kpi_id": "1", "kind": "bands", "weight": "๑๐๐"},
                    {"division_code": "D4", "kpi_id": "1", "kind": "", "weight": ""},
                    {"division_code": "D5", "kpi_id": "1", "kind": "bands", "weight": "60"},
                    {"division_code": "D5", "kpi_id": "2", "kind": "bands", "weight": "40.0000005"},
                    {"division_code": "D6", "kpi_id": "1", "kind": "bands", "weight": "50"},
                    {"division_code": "D6", "kpi_id": "2", "kind": "bands", "weight": "40.125"},
                ],
            ),
        },
    )
    status = weight_status(master)
    assert status["D1"] == (90.0, "⚠ รวมได้ 90 ไม่เท่ากับ 100")  # the unscored 99 is left out
    assert status["D2"] == (100.0, "✓ รวมได้ 100")
    assert status["D3"][1].startswith("⚠ ค่าน้ำหนักบางแถวเป็นข้อความ")
    assert status["D4"] == (0.0, "— ยังไม่มีตัวชี้วัดที่คิดคะแนน")
    # what the checks call not 100 (weights-not-100), the sheet does too, with its digits
    assert status["D5"] == (100.0000005, "⚠ รวมได้ 100.0000005 ไม่เท่ากับ 100")
    assert status["D6"][1] == "⚠ รวมได้ 90.13 ไม่เท่ากับ 100"  # ROUND: half away from zero


@pytest.fixture(scope="module")
def recalculated_helpers(
    bundled: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """LibreOffice recalculates (one run): the bundled master as written, and a small
    master edited afterwards with openpyxl (which keeps the formulas and drops every
    cached value), so only live formulas can show the edits."""
    from libreoffice import recalculate

    folder = tmp_path_factory.mktemp("helpers")
    master = Master(
        {"org_name": "อบจ.ทดสอบ", "fiscal_year_be": "2565"},
        {
            "divisions": table_frame(
                DIVISIONS,
                [
                    {"division_code": c, "division_name": f"กอง {c}"}
                    for c in ("D1", "D2", "D3", "D4", "D5")
                ],
            ),
            "kpis": table_frame(
                KPIS,
                [
                    {"division_code": "D1", "kpi_id": "1", "kind": "bands", "weight": "60"},
                    {"division_code": "D1", "kpi_id": "2", "kind": "ratio", "weight": "40"},
                    {"division_code": "D2", "kpi_id": "1", "kind": "bands", "weight": "100"},
                    {"division_code": "D3", "kpi_id": "1", "kind": "bands", "weight": "๑๐๐"},
                    {"division_code": "D4", "kpi_id": "1", "kind": "bands", "weight": "60"},
                    {"division_code": "D4", "kpi_id": "2", "kind": "bands", "weight": "40.0000005"},
                    {"division_code": "D5", "kpi_id": "1", "kind": "bands", "weight": "50"},
                    {"division_code": "D5", "kpi_id": "2", "kind": "bands", "weight": "40.125"},
                ],
            ),
        },
    )
    edited = write_master(master, folder / "edited.xlsx")
    book = openpyxl.load_workbook(edited)
    sheet = book[KPIS.name]
    header = _header(sheet)
    sheet.cell(3, header["weight"]).value = 30  # D1: 60 + 30 = 90
    sheet.cell(4, header["kind"]).value = "milestones"  # D2's KPI changes kind
    for key, value in (("division_code", "D2"), ("kpi_id", "9"), ("kind", "survey")):
        sheet.cell(10, header[key]).value = value  # a row the clerk adds below the last
    sheet.cell(10, header["weight"]).value = 5  # D2: 100 + 5 = 105
    book.save(edited)
    out = folder / "out"
    return dict(zip(("bundled", "edited"), recalculate([bundled, edited], out), strict=True))


def test_libreoffice_computes_the_weight_totals_and_kind_meanings(
    recalculated_helpers: dict[str, Path],
) -> None:
    book = openpyxl.load_workbook(recalculated_helpers["edited"], data_only=True)
    divisions = book[DIVISIONS.name]
    header = _header(divisions)
    got = {
        divisions.cell(row, 1).value: (
            divisions.cell(row, header["(คำนวณให้ ไม่ต้องกรอก)"] - 1).value,
            divisions.cell(row, header["(คำนวณให้ ไม่ต้องกรอก)"]).value,
        )
        for row in (2, 3, 4, 5, 6)
    }
    assert got["D1"] == (90, "⚠ รวมได้ 90 ไม่เท่ากับ 100")
    assert got["D2"] == (105, "⚠ รวมได้ 105 ไม่เท่ากับ 100")
    assert got["D3"][1].startswith("⚠ ค่าน้ำหนักบางแถวเป็นข้อความ")  # Thai digits: text
    # not 100 for the checks (weights-not-100), nor for the sheet, which shows its digits
    assert got["D4"] == (100.0000005, "⚠ รวมได้ 100.0000005 ไม่เท่ากับ 100")
    assert got["D5"] == (90.125, "⚠ รวมได้ 90.13 ไม่เท่ากับ 100")
    kpis = book[KPIS.name]
    helper = _header(kpis)["kind"] + 1
    assert kpis.cell(4, helper).value == kind_meaning("milestones")
    assert kpis.cell(10, helper).value == kind_meaning("survey")  # the row added below
    assert kpis.cell(11, helper).value in (None, "")


def test_cached_helper_values_are_what_libreoffice_computes(
    bundled: Path, recalculated_helpers: dict[str, Path]
) -> None:
    """What kpixl caches (a viewer that does not recalculate shows it) is what the formulas
    give, for every division and every KPI row of the bundled master."""
    written = openpyxl.load_workbook(bundled, data_only=True)
    recalculated = openpyxl.load_workbook(recalculated_helpers["bundled"], data_only=True)
    for name in (DIVISIONS.name, KPIS.name):
        mine, theirs = written[name], recalculated[name]
        helpers = [c.column for c in mine[1] if "(คำนวณให้ ไม่ต้องกรอก)" in str(c.value)]
        assert helpers, name
        for row in range(2, mine.max_row + 1):
            if mine.cell(row, 1).value is None:
                continue
            for col in helpers:
                assert mine.cell(row, col).value == theirs.cell(row, col).value, (name, row)
    status = {
        recalculated[DIVISIONS.name].cell(row, 1).value: recalculated[DIVISIONS.name]
        .cell(row, 4)
        .value
        for row in range(2, 13)
    }
    assert set(status.values()) == {"✓ รวมได้ 100"}, status  # every bundled division sums


def test_every_page_of_a_master_prints_on_a4_at_9_pt_or_more(tmp_path: Path) -> None:
    import pdfplumber
    from pdf import to_pdf

    path = write_master(example_master(2569), tmp_path / "init.xlsx")
    (pdf,) = to_pdf([path], tmp_path / "pdf")
    with pdfplumber.open(pdf) as document:
        assert len(document.pages) < 40
        for number, page in enumerate(document.pages, 1):
            size = sorted((round(page.width), round(page.height)))
            assert size == [595, 842], number
            assert page.chars, number
            assert min(c["size"] for c in page.chars) >= 9, number
