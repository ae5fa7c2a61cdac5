"""Division workbooks: what the centre sends out, read back with openpyxl and LibreOffice.

The workbooks of the bundled masters are made once per session (``templates`` in
conftest) or per module (the Krabi master's). Tables are found by their hidden key rows (as
the reader does), so these tests check the layout's contract rather than fixed
coordinates; the form's formulas are then checked cell by cell. The independent check at
the end has LibreOffice open every workbook, and type values into two of them the way a
division would: its recalculated (ก), (ค), รวม and score must be what kpixl computes.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from libreoffice import fill_and_save, recalculate

from kpixl import kinds as K
from kpixl import layout as L
from kpixl.definitions import KpiDef, parse_definitions
from kpixl.evaluation import evaluate
from kpixl.master import (
    DIVISIONS,
    ITEMS,
    KPIS,
    SURVEY_ITEMS,
    Master,
    division_definitions,
    fingerprint,
    table_frame,
)
from kpixl.reader import read_workbook
from kpixl.templates import styles as S
from kpixl.templates import workbook_name, write_templates
from kpixl.templates.styles import FONT

CODES = ["PER", "EDU", "COM", "FIN", "SEC", "SUP", "STR", "WEL", "HLT", "PAL", "AUD"]
ERRORS = ("#VALUE!", "#NAME?", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:")
PAGES = [L.AGREEMENT_SHEET, L.FORM_SHEET, L.DETAIL_SHEET]


@pytest.fixture(scope="module")
def krabi_templates(
    krabi_master: Master, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    paths = write_templates(krabi_master, tmp_path_factory.mktemp("krabi"))
    return dict(zip(krabi_master.division_codes(), paths, strict=True))


@pytest.fixture(scope="module")
def paths(templates: dict[str, Path], krabi_templates: dict[str, Path]) -> dict[str, Path]:
    return {**templates, **krabi_templates}


@pytest.fixture(scope="module")
def books(paths: dict[str, Path]) -> dict[str, Any]:
    return {code: openpyxl.load_workbook(path) for code, path in paths.items()}


# --- finding tables by their key rows ------------------------------------------------------


def key_row(ws: Any, required: set[str]) -> tuple[int, dict[str, int]]:
    """The hidden key row of a table: its row and key → column."""
    for row in ws.iter_rows(max_row=40):
        keys = {c.value: c.column for c in row if isinstance(c.value, str)}
        if required <= set(keys):
            return row[0].row, keys
    raise LookupError(required)


def form_rows(ws: Any) -> tuple[dict[str, int], dict[str, int]]:
    """Form: kpi_id → row (and the two total rows), key → column; the table ends at the
    score row (the signature blocks follow)."""
    top, cols = key_row(ws, {"kpi_id", "result", "level"})
    rows = {}
    for r in range(top + 1, ws.max_row + 1):
        value = ws.cell(r, cols["kpi_id"]).value
        if value:
            rows[str(value)] = r
        if value == L.SCORE_LABEL:
            break
    return rows, cols


def data_rows(ws: Any) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    """Supporting data: (kpi_id, field) → row, key → column."""
    top, cols = key_row(ws, {"kpi_id", "field", "input"})
    rows = {}
    for r in range(top + 1, ws.max_row + 1):
        kpi_id, key = ws.cell(r, cols["kpi_id"]).value, ws.cell(r, cols["field"]).value
        if kpi_id and key:
            rows[(str(kpi_id), str(key))] = r
    return rows, cols


def target_rows(ws: Any) -> tuple[list[tuple[int, str]], dict[str, int]]:
    top, cols = key_row(ws, {"kpi_id", "m10", "total"})
    rows = []
    for r in range(top + 1, ws.max_row + 1):
        value = ws.cell(r, cols["kpi_id"]).value
        if value in L.SIGNOFF_LABELS.values():
            break
        if value:
            rows.append((r, str(value)))
    return rows, cols


def coord(row: int, col: int) -> str:
    return f"{openpyxl.utils.get_column_letter(col)}{row}"


def validation(ws: Any, cell: str) -> Any:
    hits = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(hits) == 1, (ws.title, cell, hits)
    return hits[0]


def excel_serial(date: dt.date) -> int:
    return (date - dt.date(1899, 12, 30)).days


def kpis_of(master: Master, code: str) -> list[dict[str, str]]:
    return division_definitions(master, code)["kpis"]


def typed_kpis(master: Master, code: str) -> tuple[KpiDef, ...]:
    return parse_definitions(division_definitions(master, code)).scored


def texts(ws: Any, first: int, last: int) -> list[list[str]]:
    """The non-blank texts of rows ``first``..``last``, row by row."""
    return [
        [str(c.value) for c in row if c.value not in (None, "")]
        for row in ws.iter_rows(min_row=first, max_row=last)
    ]


# --- files ---------------------------------------------------------------------------------


def test_one_workbook_per_division_named_by_year_and_code(
    master: Master, paths: dict[str, Path], templates: dict[str, Path]
) -> None:
    assert list(paths) == [*CODES, "75105"]
    assert paths["FIN"].name == "kpixl_2565_FIN.xlsx"
    assert paths["75105"].name == "kpixl_2564_75105.xlsx"
    assert workbook_name(master, "FIN") == "kpixl_2565_FIN.xlsx"
    # Every file in the folder is a finished workbook: no temp files left behind.
    folder = templates["FIN"].parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in templates.values())


@pytest.mark.parametrize(
    ("code", "name"),
    [("A B", "kpixl_2565_A_B.xlsx"), ("กอง/1", "kpixl_2565__1.xlsx"), ("ก", "kpixl_2565__.xlsx")],
)
def test_workbook_names_are_safe_file_names(master: Master, code: str, name: str) -> None:
    assert workbook_name(master, code) == name


def test_writing_again_replaces_the_files_atomically(master: Master, tmp_path: Path) -> None:
    target = tmp_path / "kpixl_2565_FIN.xlsx"
    target.write_bytes(b"an old, broken attachment")
    written = write_templates(master, tmp_path)
    assert len(written) == len(CODES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)
    assert openpyxl.load_workbook(target).sheetnames[:2] == [L.AGREEMENT_SHEET, L.FORM_SHEET]


# --- sheets and the hidden definitions -----------------------------------------------------


@pytest.mark.parametrize(
    ("code", "sheets"),
    [
        # Template version 2: the agreement page first, the detail pages after the form.
        ("COM", [*PAGES, L.DATA_SHEET, "สำรวจ 1", "สำรวจ 3", "สำรวจ 5", "สำรวจ 6"]),
        ("WEL", [*PAGES, L.DATA_SHEET, "สำรวจ 2", "สำรวจ 3", "สำรวจ 4", "สำรวจ 5"]),
        ("FIN", [*PAGES, L.DATA_SHEET]),
        # No scored KPI: only the target sheet (no agreement, form, details or data).
        ("75105", []),
    ],
)
def test_sheet_names_and_order(books: dict[str, Any], code: str, sheets: list[str]) -> None:
    book = books[code]
    assert book.sheetnames == [*sheets, L.TARGET_SHEET, L.META_SHEET]
    states = {ws.title: ws.sheet_state for ws in book.worksheets}
    assert states.pop(L.META_SHEET) == "veryHidden"
    assert set(states.values()) == {"visible"}
    # The workbook opens on the form, or on the target sheet when nothing is scored.
    assert book.active.title == (L.TARGET_SHEET if code == "75105" else L.FORM_SHEET)


@pytest.mark.parametrize("code", [*CODES, "75105"])
def test_meta_sheet_holds_the_definitions_and_their_fingerprint(
    books: dict[str, Any], master: Master, krabi_master: Master, code: str
) -> None:
    source = krabi_master if code == "75105" else master
    ws = books[code][L.META_SHEET]
    pairs = [(r[0].value, r[1].value) for r in ws.iter_rows(max_col=2)]
    meta = {k: v for k, v in pairs if k != "definitions"}
    assert meta["kpixl"] == L.MARKER
    assert meta["template_version"] == str(L.TEMPLATE_VERSION) == "2"
    assert meta["division_code"] == code
    division = source.divisions.set_index("division_code").loc[code]
    assert meta["division_name"] == division["division_name"]
    assert meta["fiscal_year_be"] == str(source.fiscal_year_be)
    dt.datetime.strptime(meta["created"], "%Y-%m-%dT%H:%M:%SZ")
    definitions = json.loads("".join(v for k, v in pairs if k == "definitions"))
    assert definitions == division_definitions(source, code)
    assert meta["fingerprint"] == fingerprint(definitions)
    sheets = json.loads(meta["sheets"])
    # a division with nothing to score has no scoring form
    form = {"form": L.FORM_SHEET} if code != "75105" else {}
    assert {k: v for k, v in sheets.items() if not k.startswith("survey:")} == {
        **form,
        "data": L.DATA_SHEET,
        "target": L.TARGET_SHEET,
    }
    surveys = {k: v for k, v in sheets.items() if k.startswith("survey:")}
    assert surveys == {
        f"survey:{k['kpi_id']}": L.survey_sheet_name(k["kpi_id"])
        for k in definitions["kpis"]
        if k["kind"] == "survey"
    }


def test_long_definitions_are_split_over_cells_excel_can_hold(books: dict[str, Any]) -> None:
    ws = books["FIN"][L.META_SHEET]
    chunks = [r[1].value for r in ws.iter_rows(max_col=2) if r[0].value == "definitions"]
    assert len(chunks) > 1
    assert all(len(chunk) <= 32767 for chunk in chunks)


@pytest.mark.parametrize("code", ["COM", "FIN", "75105"])
def test_every_sheet_is_protected(books: dict[str, Any], code: str) -> None:
    for ws in books[code].worksheets:
        assert ws.protection.sheet, ws.title
        assert ws.protection.formatColumns is False  # widths may be changed
        assert not ws.protection.password  # the bundled master sets no password


def test_a_sheet_password_from_the_master_protects_every_sheet(
    master: Master, tmp_path: Path
) -> None:
    locked = Master({**master.organisation, "sheet_password": "ลับ"}, master.frames)
    (path,) = [p for p in write_templates(locked, tmp_path) if "_EDU" in p.name]
    for ws in openpyxl.load_workbook(path).worksheets:
        assert ws.protection.sheet and ws.protection.password, ws.title


# --- the agreement page and the detail pages -------------------------------------------------


def test_the_agreement_page_names_both_parties_and_the_period(books: dict[str, Any]) -> None:
    ws = books["FIN"][L.AGREEMENT_SHEET]
    lines = [line for line in texts(ws, 1, ws.max_row) if line]
    assert lines[:4] == [
        ["ข้อตกลงการปฏิบัติราชการ"],
        ["กองคลัง"],
        ["องค์การบริหารส่วนจังหวัดนครสวรรค์"],
        ["ประจำปีงบประมาณ พ.ศ. 2565"],
    ]
    body = " ".join(line[0] for line in lines[4:9])
    assert "1. ข้อตกลงระหว่าง พลตำรวจเอก สมศักดิ์ จันทะพิงค์" in body
    assert "นางอวยพร สุขไสย ตำแหน่ง ผู้อำนวยการกองคลัง" in body
    assert "เริ่มตั้งแต่วันที่ 1 ตุลาคม 2564 ถึงวันที่ 30 กันยายน 2565" in body
    # The signature blocks: the division's director signs as ผู้ทำข้อตกลง, the executive
    # as ผู้รับข้อตกลง, side by side.
    assert lines[9:] == [
        ["ลงชื่อ " + "." * 60] * 2,
        ["( นางอวยพร สุขไสย )", "( พลตำรวจเอก สมศักดิ์ จันทะพิงค์ )"],
        ["ตำแหน่ง ผู้อำนวยการกองคลัง", "ตำแหน่ง นายกองค์การบริหารส่วนจังหวัดนครสวรรค์"],
        ["ผู้ทำข้อตกลง", "ผู้รับข้อตกลง"],
        ["วันที่ ........ เดือน .................... พ.ศ. .........."] * 2,
    ]
    assert ws.page_setup.orientation == "portrait"
    assert int(ws.page_setup.paperSize) == 9


def test_one_detail_page_per_kpi_quarter_rows_on_one_page(
    books: dict[str, Any], master: Master
) -> None:
    ws = books["FIN"][L.DETAIL_SHEET]
    firsts = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "ประเด็นการประเมินผล"]
    titles = [ws.cell(r + 1, 1).value for r in firsts]
    # The quarter rows 2.1.1–2.1.4 share the page of 2.1, as in the paper agreement.
    assert titles == [
        f"ตัวชี้วัดที่ {i}" for i in ("1.1", "1.2", "2.1", "2.2", "3", "4", "5", "6", "7.1", "7.2", "8")
    ]
    # Each page starts on a new sheet of paper: a break above every page but the first.
    assert [b.id for b in ws.row_breaks.brk] == [r - 2 for r in firsts[1:]]
    kpis = {k["kpi_id"]: k for k in kpis_of(master, "FIN")}
    page = firsts[2]  # 2.1: four quarter rows under one header
    labels = [ws.cell(page + n, 1).value for n in range(7)]
    assert labels == ["ประเด็นการประเมินผล", "ตัวชี้วัดที่ 2.1", "หน่วยวัด", "คำอธิบาย",
                      "สูตรการคำนวณ", "เกณฑ์การให้คะแนน", "ตัวชี้วัด"]  # fmt: skip
    assert [ws.cell(page + 6, c).value for c in range(2, 7)] == [f"ระดับ {n}" for n in range(1, 6)]
    for quarter in range(1, 5):
        row = page + 6 + quarter
        assert ws.cell(row, 1).value == f"ไตรมาส {quarter}"
        rec = kpis[f"2.1.{quarter}"]
        assert [ws.cell(row, c).value for c in range(2, 7)] == [
            rec[f"level_{n}"] for n in range(1, 6)
        ]
    assert ws.cell(page + 11, 1).value == "ผู้กำกับดูแลตัวชี้วัด"
    assert ws.cell(page + 12, 1).value == "ผู้จัดเก็บข้อมูล"
    assert ws.page_setup.orientation == "portrait"


# --- locked and unlocked cells -------------------------------------------------------------


def test_form_columns_follow_form_fields(books: dict[str, Any]) -> None:
    ws = books["FIN"][L.FORM_SHEET]
    top, cols = key_row(ws, {"kpi_id", "result", "level"})
    keys = [f.key for f in L.FORM_FIELDS]
    assert [ws.cell(top, c).value for c in range(1, len(keys) + 1)] == keys
    assert [ws.cell(top - 1, c).value for c in range(1, len(keys) + 1)] == [
        f.label for f in L.FORM_FIELDS
    ]
    assert ws.row_dimensions[top].hidden
    # The printed form ends with (ค); the value used and how to fill in come after it.
    assert keys[-3:] == [L.FORM_PRINTED, "value", "hint"]
    assert cols["weighted"] == 13 and cols["value"] == 14 and cols["hint"] == 15


@pytest.mark.parametrize("code", CODES)
def test_form_cells_the_centre_defines_are_locked_and_inputs_unlocked(
    books: dict[str, Any], master: Master, code: str
) -> None:
    ws = books[code][L.FORM_SHEET]
    rows, cols = form_rows(ws)
    scored = typed_kpis(master, code)
    assert [k for k in rows if k not in (L.TOTAL_LABEL, L.SCORE_LABEL)] == [
        k.kpi_id for k in scored
    ]
    for kpi in scored:
        row = rows[kpi.kpi_id]

        def cell(key: str, row: int = row) -> Any:
            return ws.cell(row, cols[key])

        for key in L.FORM_LOCKED:
            assert cell(key).protection.locked, (kpi.kpi_id, key)
        assert cell("name").value == kpi.name
        assert cell("level_3").value == kpi.texts[2]
        result = cell("result")
        if K.KINDS[kpi.kind].result == "formula":
            assert str(result.value).startswith("="), kpi.kpi_id
            assert result.protection.locked
        else:
            assert result.value is None
            assert not result.protection.locked, kpi.kpi_id
        for key in ("value", "weighted"):
            assert str(cell(key).value).startswith("="), (kpi.kpi_id, key)
            assert cell(key).protection.locked
        assert cell("level").protection.locked
        assert cell("weight").value == kpi.weight
        assert cell("name").font.name == FONT


@pytest.mark.parametrize("code", ["EDU", "FIN", "COM", "PAL"])
def test_supporting_data_inputs_are_unlocked_and_computed_cells_locked(
    books: dict[str, Any], master: Master, code: str
) -> None:
    ws = books[code][L.DATA_SHEET]
    rows, cols = data_rows(ws)
    with_data = [k for k in typed_kpis(master, code) if K.KINDS[k.kind].on_data_sheet]
    assert {kpi_id for kpi_id, _ in rows} == {k.kpi_id for k in with_data}
    for (kpi_id, key), row in rows.items():
        cell = ws.cell(row, cols["input"])
        if key == L.COMPUTED:
            assert str(cell.value).startswith("="), kpi_id
            assert cell.protection.locked
        else:
            assert cell.value is None
            assert not cell.protection.locked, (kpi_id, key)
            assert ws.cell(row, cols["label"]).protection.locked
    # The field keys only kpixl reads are hidden from the division.
    letter = openpyxl.utils.get_column_letter(cols["field"])
    assert ws.column_dimensions[letter].hidden


def test_supporting_data_rows_per_kind(books: dict[str, Any]) -> None:
    rows, _ = data_rows(books["FIN"][L.DATA_SHEET])
    fields: dict[str, list[str]] = {}
    for kpi_id, key in rows:
        fields.setdefault(kpi_id, []).append(key)
    months = [f"month:{m}" for m in (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9)]
    assert fields["1.1"] == [*months, "computed"]
    assert fields["2.1.1"] == ["numerator", "denominator", "computed"]
    assert fields["4"] == ["step:1", "step:2", "step:3", "step:4", "step:5", "computed"]
    assert fields["6"] == ["this_year", "last_year", "computed"]
    assert "1.2" not in fields  # a date typed on the form itself
    per, _ = data_rows(books["PER"][L.DATA_SHEET])
    assert [k for i, k in per if i == "4"] == [*(f"item:{n}" for n in range(1, 6)), "computed"]


def test_target_sheet_inputs_unlocked_and_definitions_locked(books: dict[str, Any]) -> None:
    ws = books["FIN"][L.TARGET_SHEET]
    rows, cols = target_rows(ws)
    for row, _ in rows:
        for key in ("kpi_id", "name", "unit", "kpi_type"):
            assert ws.cell(row, cols[key]).protection.locked
        for key in ("m10", "q1", "total", "plan_2562", "result_2564", "est_2566", "success_factor"):
            assert not ws.cell(row, cols[key]).protection.locked, key


def test_survey_answers_unlocked(books: dict[str, Any]) -> None:
    ws = books["COM"]["สำรวจ 1"]
    top, cols = key_row(ws, {"round", "respondent"})
    items = [c for k, c in cols.items() if k.startswith("item:")]
    assert len(items) == 6
    for row in (top + 1, top + 150):
        for col in [cols["round"], *items]:
            assert not ws.cell(row, col).protection.locked
        assert ws.cell(row, cols["respondent"]).protection.locked
    assert ws.cell(top + 151, items[0]).protection.locked  # only 150 respondent rows


# --- data validation -------------------------------------------------------------------------


def test_percent_results_accept_0_to_100(books: dict[str, Any]) -> None:
    ws = books["FIN"][L.FORM_SHEET]
    rows, cols = form_rows(ws)
    for kpi_id in ("2.1.1", "3", "7.2.4"):
        dv = validation(ws, coord(rows[kpi_id], cols["result"]))
        assert (dv.type, dv.operator) == ("decimal", None)  # None: "between"
        assert (float(dv.formula1), float(dv.formula2)) == (0, 100)
        assert "ไม่ต้องใส่ %" in dv.prompt
    # Growth may be negative or pass 100.
    dv = validation(ws, coord(rows["6"], cols["result"]))
    assert dv.type == "decimal"
    assert float(dv.formula1) <= -1e15 and float(dv.formula2) >= 1e15


def test_a_percent_kpi_whose_criteria_cannot_be_read_still_takes_0_to_100(
    books: dict[str, Any],
) -> None:
    ws = books["PER"][L.FORM_SHEET]
    rows, cols = form_rows(ws)
    dv = validation(ws, coord(rows["4"], cols["result"]))
    assert (dv.type, float(dv.formula1), float(dv.formula2)) == ("decimal", 0, 100)


def test_dates_are_validated_inside_the_fiscal_window(books: dict[str, Any]) -> None:
    # FY 2565 runs 1 Oct 2021 – 30 Sep 2022; a report may come up to a year later.
    window = (str(excel_serial(dt.date(2021, 10, 1))), str(excel_serial(dt.date(2023, 9, 30))))
    form = books["FIN"][L.FORM_SHEET]
    rows, cols = form_rows(form)
    dv = validation(form, coord(rows["1.2"], cols["result"]))
    assert (dv.type, dv.errorStyle, (dv.formula1, dv.formula2)) == ("date", None, window)
    edu = books["EDU"][L.FORM_SHEET]
    edu_rows, edu_cols = form_rows(edu)
    assert validation(edu, coord(edu_rows["4"], edu_cols["result"])).type == "date"
    data = books["FIN"][L.DATA_SHEET]
    drows, dcols = data_rows(data)
    dv = validation(data, coord(drows[("1.1", "month:2")], dcols["input"]))
    assert (dv.type, (dv.formula1, dv.formula2)) == ("date", window)


def test_milestone_steps_take_a_tick_from_a_list(books: dict[str, Any]) -> None:
    ws = books["FIN"][L.DATA_SHEET]
    rows, cols = data_rows(ws)
    for step in range(1, 6):
        dv = validation(ws, coord(rows[("8", f"step:{step}")], cols["input"]))
        assert (dv.type, dv.formula1) == ("list", f'"✓,{L.NOT_DONE}"')


def test_survey_answers_are_likert_1_to_5(books: dict[str, Any]) -> None:
    ws = books["COM"]["สำรวจ 1"]
    top, cols = key_row(ws, {"round", "respondent"})
    dv = validation(ws, coord(top + 1, cols["item:1.1"]))
    assert (dv.type, dv.formula1, dv.formula2) == ("whole", "1", "5")
    assert coord(top + 150, cols["item:3.2"]) in dv.sqref
    rounds = validation(ws, coord(top + 1, cols["round"]))
    assert (rounds.type, rounds.formula1, rounds.formula2) == ("whole", "1", "2")


def test_target_plan_cells_take_numbers(books: dict[str, Any]) -> None:
    ws = books["75105"][L.TARGET_SHEET]
    rows, cols = target_rows(ws)
    for row, _ in rows:
        dv = validation(ws, coord(row, cols["m10"]))
        assert dv.type == "decimal"
        assert coord(row, cols["est_2578_2580"]) in dv.sqref
        assert coord(row, cols["success_factor"]) not in dv.sqref


# --- conditional formats, print set-up, look -----------------------------------------------


def test_target_sheet_flags_missing_quarter_and_grand_totals(books: dict[str, Any]) -> None:
    ws = books["FIN"][L.TARGET_SHEET]
    rows, cols = target_rows(ws)
    first, last = rows[0][0], rows[-1][0]
    rules = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in ws.conditional_formatting}
    letter = {k: openpyxl.utils.get_column_letter(c) for k, c in cols.items()}
    for quarter, (m0, m2) in {1: ("m10", "m12"), 2: ("m1", "m3"), 3: ("m4", "m6")}.items():
        q = letter[f"q{quarter}"]
        formula = f'AND(COUNTA(${letter[m0]}{first}:${letter[m2]}{first})>0,LEN(${q}{first}&"")=0)'
        assert rules[f"{q}{first}:{q}{last}"] == [formula]
    total = letter["total"]
    quarters = ",".join(f"${letter[f'q{q}']}{first}" for q in range(1, 5))
    assert rules[f"{total}{first}:{total}{last}"] == [
        f'AND(COUNTA({quarters})>0,LEN(${total}{first}&"")=0)'
    ]


def test_counts_that_add_up_are_checked_as_you_type(books: dict[str, Any]) -> None:
    # PAL 6 is the one KPI with aggregate "sum": its totals must equal the sum of the parts.
    ws = books["PAL"][L.TARGET_SHEET]
    rows, cols = target_rows(ws)
    (row,) = [r for r, kpi_id in rows if kpi_id == "6"]
    single = {str(cf.sqref) for cf in ws.conditional_formatting}
    for key in ("q1", "q2", "q3", "q4", "total"):
        assert coord(row, cols[key]) in single
    other = next(r for r, kpi_id in rows if kpi_id == "2")
    assert coord(other, cols["q1"]) not in single


@pytest.mark.parametrize(
    ("sheet", "titles", "freeze", "orientation"),
    [
        (L.FORM_SHEET, "$4:$5", "D7", "landscape"),
        (L.DATA_SHEET, "$4:$4", "A6", "portrait"),
        ("สำรวจ 1", "$10:$10", "C12", "landscape"),
        (L.TARGET_SHEET, "$4:$6", "C8", "landscape"),
        (L.AGREEMENT_SHEET, None, None, "portrait"),
        (L.DETAIL_SHEET, None, None, "portrait"),
    ],
)
def test_print_set_up_and_frozen_headers(
    books: dict[str, Any], sheet: str, titles: str | None, freeze: str | None, orientation: str
) -> None:
    ws = books["COM"][sheet]
    assert ws.page_setup.orientation == orientation
    assert int(ws.page_setup.paperSize) == 9  # A4
    # A fixed scale, never "fit to page" (under which Excel ignores the page breaks that
    # keep a KPI on one page), and never so small that body text prints under 9 pt.
    assert not ws.sheet_properties.pageSetUpPr.fitToPage
    assert S.MIN_SCALE <= int(ws.page_setup.scale) <= 100
    assert S.BODY * int(ws.page_setup.scale) / 100 >= 9
    assert ws.print_title_rows == titles
    assert ws.freeze_panes == freeze
    assert ws.oddFooter.center.text == "&A — หน้า &P / &N"  # the sheet's name, the page
    assert ws.oddFooter.center.font == FONT


def test_the_form_prints_to_its_weighted_score_column_signatures_included(
    books: dict[str, Any],
) -> None:
    ws = books["COM"][L.FORM_SHEET]
    rows, cols = form_rows(ws)
    signed = [
        r
        for r in range(rows[L.SCORE_LABEL] + 1, ws.max_row + 1)
        if str(ws.cell(r, 1).value or "").startswith(("ลงชื่อ", "วันที่"))
    ]
    assert len(signed) == 2
    last_column = openpyxl.utils.get_column_letter(cols[L.FORM_PRINTED])
    # A bounded area (openpyxl cannot read a whole-column one), ending with (ค): the value
    # used and how to fill in stay on screen only.
    area = ws.print_area.split("!")[1]
    first, last = area.replace("$", "").split(":")
    assert first == "A1"
    assert last.rstrip("0123456789") == last_column == "M"
    assert int(last.removeprefix(last_column)) >= signed[-1]


def test_signature_blocks_below_the_form(books: dict[str, Any]) -> None:
    ws = books["FIN"][L.FORM_SHEET]
    rows, _ = form_rows(ws)
    first = rows[L.SCORE_LABEL] + 3
    assert texts(ws, first, first + 4) == [
        ["ลงชื่อ " + "." * 60] * 2,
        ["( นางอวยพร สุขไสย )", "( พลตำรวจเอก สมศักดิ์ จันทะพิงค์ )"],
        ["ตำแหน่ง ผู้อำนวยการกองคลัง", "ตำแหน่ง นายกองค์การบริหารส่วนจังหวัดนครสวรรค์"],
        ["ผู้ทำข้อตกลง", "ผู้รับข้อตกลง"],
        ["วันที่ ........ เดือน .................... พ.ศ. .........."] * 2,
    ]
    # Side by side over the printed columns: A–G for the division, H–M for the executive.
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {f"A{first}:G{first}", f"H{first}:M{first}"} <= merged


def test_thai_font_throughout(books: dict[str, Any]) -> None:
    book = books["COM"]
    for sheet, cells in {
        L.AGREEMENT_SHEET: ("A1", "A6", "A12"),
        L.FORM_SHEET: ("A1", "C5", "C7", "J7", "K7", "M7", "N7", "O7", "A26"),
        L.DETAIL_SHEET: ("A1", "A2", "B2"),
        L.DATA_SHEET: ("A1", "C7", "D7"),
        L.TARGET_SHEET: ("A1", "B8"),
        "สำรวจ 1": ("C5", "C12"),
    }.items():
        for cell in cells:
            assert book[sheet][cell].font.name == FONT == "TH Sarabun New", (sheet, cell)
    form = book[L.FORM_SHEET]
    assert (form["A1"].font.sz, form["C7"].font.sz) == (18, 14)  # title, body text


# --- the form's formulas -------------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_form_formulas(books: dict[str, Any], master: Master, code: str) -> None:
    ws = books[code][L.FORM_SHEET]
    rows, cols = form_rows(ws)
    letter = {k: openpyxl.utils.get_column_letter(c) for k, c in cols.items()}
    scored = typed_kpis(master, code)
    first, last = rows[scored[0].kpi_id], rows[scored[-1].kpi_id]
    assert last - first + 1 == len(scored)
    for kpi in scored:
        r = rows[kpi.kpi_id]
        lv, wt, wd = (f"{letter[k]}{r}" for k in ("level", "weight", "weighted"))
        assert ws[wd].value == f'=IF(ISNUMBER({lv}),{lv}*{wt}/100,"")'
    n, m = letter["weighted"], letter["weight"]
    total, score = rows[L.TOTAL_LABEL], rows[L.SCORE_LABEL]
    assert (total, score) == (last + 1, last + 2)
    # Item 10 of issue 7: nothing scored is no score (kpixl's null), never 0.
    assert (
        ws[f"{n}{total}"].value
        == f'=IF(COUNT({n}{first}:{n}{last})=0,"",SUM({n}{first}:{n}{last}))'
    )
    assert ws[f"{m}{total}"].value == f"=SUM({m}{first}:{m}{last})"
    assert ws[f"{n}{score}"].value == f'=IF(ISNUMBER({n}{total}),{n}{total}*20,"")'


@pytest.mark.parametrize("code", CODES)
def test_level_formula_is_the_rubrics_excel_formula(
    books: dict[str, Any], master: Master, code: str
) -> None:
    ws = books[code][L.FORM_SHEET]
    rows, cols = form_rows(ws)
    value = openpyxl.utils.get_column_letter(cols["value"])
    for kpi in typed_kpis(master, code):
        row = rows[kpi.kpi_id]
        level = ws.cell(row, cols["level"]).value
        hint = ws.cell(row, cols["hint"]).value
        if kpi.problem is not None:
            assert level in (None, ""), kpi.kpi_id
            assert hint.startswith("ยังคิดคะแนนไม่ได้"), kpi.kpi_id
            continue
        assert kpi.rubric is not None
        assert level == "=" + kpi.rubric.excel_formula(f"{value}{row}"), kpi.kpi_id
        assert not hint.startswith("ยังคิดคะแนนไม่ได้")


def test_the_seeds_unreadable_criteria_get_no_level_formula(books: dict[str, Any]) -> None:
    for code, kpi_id, text in (("PER", "4", "แต่ไม่น้อยกว่า"), ("WEL", "5", "ไม่มีเกณฑ์ระดับ 1")):
        ws = books[code][L.FORM_SHEET]
        rows, cols = form_rows(ws)
        assert ws.cell(rows[kpi_id], cols["level"]).value in (None, "")
        hint = ws.cell(rows[kpi_id], cols["hint"]).value
        assert text in hint
        # Item 11 of issue 7: the centre owns the criteria; the division is told so, and
        # is not asked to rewrite them.
        assert hint.endswith("ส่วนกลางจะแก้ไข ไม่ต้องดำเนินการใด ๆ"), hint


DATA = "'ข้อมูลประกอบ'"
TYPED_PERCENT = 'ROUND(IF(LEFT(CELL("format",J{r}),1)="P",J{r}*100,J{r}),2)'
NOTHING = K.excel_nothing_entered  # "no input given", as kpixl reads blank (tests/test_kinds.py)
SURVEY_ANSWERS = "'สำรวจ 1'!$C$12:$H$161"
# A B.E. year typed into a date cell is B.E.; a time of day is dropped (kpixl reads the day).
BE_DATE = "IF(YEAR(J{r})>=2400,DATE(YEAR(J{r})-543,MONTH(J{r}),DAY(J{r})),INT(J{r}))"
IN_WINDOW = f"AND({BE_DATE}>=DATE(2021,10,1),{BE_DATE}<=DATE(2023,9,30))"


@pytest.mark.parametrize(
    ("code", "kpi_id", "result", "value"),
    [
        # A number typed on the form, rounded as kpixl rounds (item 1 of issue 7).
        ("PAL", "6", None, '=IF(ISNUMBER(J{r}),ROUND(J{r},2),"")'),
        # A percentage typed as 85% is stored 0.85 with a percent format: it counts 85, as
        # kpixl reads it (item 2).
        ("SEC", "1", None, f'=IF(ISNUMBER(J{{r}}),{TYPED_PERCENT},"")'),
        # The one rule (item 9): the computed value when any supporting data was given (no
        # value while it is incomplete), the typed result only when none was. EDU's
        # supporting data: header row 4, key row 5, then per KPI a title, its input rows,
        # the computed row and a blank: KPI 1's inputs are rows 7–8, its computed row 9;
        # after four more ratio KPIs, KPI 6's title is row 31, its five steps 32–36, its
        # computed row 37.
        (
            "EDU",
            "1",
            None,
            f'=IF({NOTHING(f"{DATA}!$D$7:$D$8")},IF(ISNUMBER(J{{r}}),{TYPED_PERCENT},""),'
            f'IF(ISNUMBER({DATA}!$D$9),ROUND({DATA}!$D$9,2),""))',
        ),
        # Steps ticked on the supporting data: the result is their count.
        (
            "EDU",
            "6",
            f'=IF(ISNUMBER({DATA}!$D$37),{DATA}!$D$37,"")',
            '=IF(ISNUMBER(J{r}),ROUND(J{r},2),"")',
        ),
        # A growth may be negative: no percent scaling.
        (
            "COM",
            "2",
            None,
            f'=IF({NOTHING(f"{DATA}!$D$7:$D$8")},IF(ISNUMBER(J{{r}}),ROUND(J{{r}},2),""),'
            f'IF(ISNUMBER({DATA}!$D$9),ROUND({DATA}!$D$9,2),""))',
        ),
        # A survey: its answer sheet's satisfaction averaged over the two rounds (rows 6–7
        # per round, the average in row 8; answers from row 12 in C–H, six items).
        (
            "COM",
            "1",
            None,
            f"=IF({NOTHING(SURVEY_ANSWERS)},"
            f'IF(ISNUMBER(J{{r}}),{TYPED_PERCENT},""),'
            "IF(ISNUMBER('สำรวจ 1'!$M$8),ROUND('สำรวจ 1'!$M$8,2),\"\"))",
        ),
        # A date: a B.E. year typed into a date cell is taken as B.E., and a date outside
        # the fiscal year's window (FY 2565 and the year after) is not used, as kpixl
        # reads them.
        ("EDU", "4", None, f'=IF(ISNUMBER(J{{r}}),IF({IN_WINDOW},{BE_DATE},""),"")'),
        # Days after the fiscal year's end (30 Sep 2022).
        (
            "FIN",
            "1.2",
            None,
            f'=IF(ISNUMBER(J{{r}}),IF({IN_WINDOW},{BE_DATE}-DATE(2022,9,30),""),"")',
        ),
    ],
)
def test_value_formulas(
    books: dict[str, Any], code: str, kpi_id: str, result: str | None, value: str
) -> None:
    ws = books[code][L.FORM_SHEET]
    rows, cols = form_rows(ws)
    r = rows[kpi_id]
    assert ws.cell(r, cols["result"]).value == result
    assert ws.cell(r, cols["value"]).value == value.format(r=r)


def test_supporting_data_formulas(books: dict[str, Any]) -> None:
    ws = books["FIN"][L.DATA_SHEET]
    rows, cols = data_rows(ws)

    def at(kpi_id: str, key: str, col: str = "input") -> Any:
        return ws.cell(rows[(kpi_id, key)], cols[col]).value

    n, d = (coord(rows[("2.1.1", k)], cols["input"]) for k in ("numerator", "denominator"))
    # The same input errors as kpixl's: no value for a zero denominator or n > d.
    assert at("2.1.1", L.COMPUTED) == (
        f'=IF(AND(ISNUMBER({n}),ISNUMBER({d})),IF(AND({d}<>0,{n}<={d}),{n}*100/{d},""),"")'
    )
    # The worst month decides, and only once every month is reported.
    first, last = rows[("1.1", "month:10")], rows[("1.1", "month:9")]
    assert at("1.1", L.COMPUTED) == f'=IF(COUNT(F{first}:F{last})=12,MAX(F{first}:F{last}),"")'
    d = coord(first, cols["input"])
    be = f"IF(YEAR({d})>=2400,DATE(YEAR({d})-543,MONTH({d}),DAY({d})),INT({d}))"
    window = f"AND({be}>=DATE(2021,10,1),{be}<=DATE(2023,9,30))"
    assert at("1.1", "month:10", "helper") == (
        f'=IF(ISNUMBER({d}),IF({window},{be}-DATE(2021,10,31),""),"")'
    )
    steps = [coord(rows[("4", f"step:{s}")], cols["input"]) for s in range(1, 6)]
    formula = at("4", L.COMPUTED)
    nothing = NOTHING(f"{steps[0]}:{steps[-1]}")
    assert formula.startswith(f'=IF({nothing},"",IF(ISNUMBER(MATCH(TRIM(')
    assert all(f'TRIM({s}&"")' in formula for s in steps)
    # Weighted sub-items: each as kpixl reads it in the helper column (85% typed counts 85,
    # item 2 of issue 7), then their weighted mean once all are given.
    per_ws = books["PER"][L.DATA_SHEET]
    per, per_cols = data_rows(per_ws)
    first, last = per[("4", "item:1")], per[("4", "item:5")]
    helpers, weights = f"F{first}:F{last}", f"E{first}:E{last}"
    assert per_ws.cell(per[("4", L.COMPUTED)], per_cols["input"]).value == (
        f'=IF(COUNT({helpers})=5,SUMPRODUCT({helpers},{weights})/SUM({weights}),"")'
    )
    item = f"D{first}"
    assert per_ws.cell(first, per_cols["helper"]).value == (
        f'=IF(ISNUMBER({item}),IF(LEFT(CELL("format",{item}),1)="P",{item}*100,{item}),"")'
    )
    assert per_ws.cell(first, per_cols["helper"]).protection.locked


# --- the target sheet (form A) -------------------------------------------------------------


def test_target_sheet_lists_each_kpi_once_quarters_collapsed(
    books: dict[str, Any], master: Master
) -> None:
    ws = books["FIN"][L.TARGET_SHEET]
    rows, cols = target_rows(ws)
    ids = [kpi_id for _, kpi_id in rows]
    assert ids == ["1.1", "1.2", "2.1", "2.2", "3", "4", "5", "6", "7.1", "7.2", "8"]
    kpis = {k["kpi_id"]: k for k in kpis_of(master, "FIN")}
    names = {kpi_id: ws.cell(r, cols["name"]).value for r, kpi_id in rows}
    assert names["2.1"] == kpis["2.1.1"]["group_name"]
    assert names["7.2"] == kpis["7.2.1"]["group_name"]
    assert names["3"] == kpis["3"]["name"]
    assert names["2.1"] != kpis["2.1.1"]["name"]  # the quarter label is left out


def test_target_sheet_columns_follow_the_budget_bureau_screen(books: dict[str, Any]) -> None:
    ws = books["75105"][L.TARGET_SHEET]  # FY 2564, as in the seed's screen
    top, _ = key_row(ws, {"kpi_id", "m10", "total"})
    keys = [ws.cell(top, c).value for c in range(1, ws.max_column + 1)]
    labels = [ws.cell(top - 1, c).value for c in range(1, ws.max_column + 1)]
    plan = keys[4:21]
    assert plan == [
        "m10", "m11", "m12", "q1", "m1", "m2", "m3", "q2",
        "m4", "m5", "m6", "q3", "m7", "m8", "m9", "q4", "total",
    ]  # fmt: skip
    assert labels[4:21] == [
        "ต.ค.", "พ.ย.", "ธ.ค.", "รวม", "ม.ค.", "ก.พ.", "มี.ค.", "รวม",
        "เม.ย.", "พ.ค.", "มิ.ย.", "รวม", "ก.ค.", "ส.ค.", "ก.ย.", "รวม", "รวมทั้งสิ้น",
    ]  # fmt: skip
    assert keys[21:27] == [
        "plan_2561", "result_2561", "plan_2562", "result_2562", "plan_2563", "result_2563",
    ]  # fmt: skip
    assert keys[27:33] == [
        "est_2565", "est_2566", "est_2567", "est_2568_2572", "est_2573_2577", "est_2578_2580",
    ]  # fmt: skip
    assert labels[27:33] == ["2565", "2566", "2567", "2568–2572", "2573–2577", "2578–2580"]
    assert keys[:4] == ["kpi_id", "name", "unit", "kpi_type"]
    assert keys[33:] == ["success_factor"]
    rows, _ = target_rows(ws)
    assert [kpi_id for _, kpi_id in rows] == ["01", "02"]
    assert ws.row_dimensions[top].hidden


# --- a master the checks reject still gives a usable workbook ------------------------------

BANDS = {
    "level_1": "ไม่ถึงร้อยละ ๖๐",
    "level_2": "ตั้งแต่ร้อยละ ๖๐ แต่ไม่ถึงร้อยละ ๗๐",
    "level_3": "ตั้งแต่ร้อยละ ๗๐ แต่ไม่ถึงร้อยละ ๘๐",
    "level_4": "ตั้งแต่ร้อยละ ๘๐ แต่ไม่ถึงร้อยละ ๙๐",
    "level_5": "ตั้งแต่ร้อยละ ๙๐ ถึงร้อยละ ๑๐๐",
}


def flawed_master() -> Master:
    """Values check_master reports as errors; the workbook must still be written whole."""

    def kpi(kpi_id: str, **fields: str) -> dict[str, str]:
        base = {"division_code": "X", "kpi_id": kpi_id, "name": f"ตัวชี้วัด {kpi_id}"}
        return {**base, "unit": "ร้อยละ", "kind": "bands", **BANDS, "weight": "25", **fields}

    return Master(
        {"org_name": "อบจ.ทดสอบ", "fiscal_year_be": "2565"},
        {
            "divisions": table_frame(DIVISIONS, [{"division_code": "X", "division_name": "กอง"}]),
            "kpis": table_frame(
                KPIS,
                [
                    kpi("1", weight="ยี่สิบห้า"),
                    kpi("2", kind="Bands"),
                    kpi("3", kind="survey", survey_rounds="สอง"),
                    kpi("4", kind="weighted_items"),
                    kpi("5", weight="๒๕"),  # Thai digits are a number (item 3 of issue 7)
                ],
            ),
            "survey_items": table_frame(
                SURVEY_ITEMS,
                [
                    {
                        "division_code": "X",
                        "kpi_id": "3",
                        "aspect_no": "1",
                        "aspect": "ด้าน",
                        "item_no": "1",
                        "item": "ข้อ",
                    }
                ],
            ),
            "items": table_frame(
                ITEMS,
                [
                    {
                        "division_code": "X",
                        "kpi_id": "4",
                        "item_no": "1",
                        "item": "ก",
                        "weight": "ครึ่ง",
                    }
                ],
            ),
        },
    )


@pytest.fixture(scope="module")
def flawed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    (path,) = write_templates(flawed_master(), tmp_path_factory.mktemp("flawed"))
    return path


def test_a_flawed_master_still_gives_a_whole_workbook(flawed: Path) -> None:
    book = openpyxl.load_workbook(flawed)
    ws = book[L.FORM_SHEET]
    rows, cols = form_rows(ws)
    letter = {k: openpyxl.utils.get_column_letter(c) for k, c in cols.items()}

    def at(kpi_id: str, key: str) -> Any:
        return ws.cell(rows[kpi_id], cols[key]).value

    # Definitions are typed once (issue 7, Structure): a weight that is no number is not
    # copied as text into the weight column; the KPI is not scored, and the row says why.
    assert at("1", "weight") is None
    assert at("1", "level") is None
    assert "ไม่มีค่าน้ำหนักที่เป็นตัวเลข" in at("1", "hint")
    assert at("5", "weight") == 25
    assert str(at("5", "level")).startswith("=IF(ISNUMBER(")
    # An unknown kind has an input cell but neither a value nor a level formula.
    assert at("2", "value") is None and at("2", "level") is None
    assert "ชนิดเกณฑ์ “Bands” ไม่มีในระบบ" in at("2", "hint")
    assert ws.cell(rows["2"], cols["result"]).protection.locked is False
    # A weighted-items KPI whose item weight is no number cannot be scored either.
    assert at("4", "level") is None
    assert "ค่าน้ำหนักของรายการย่อย" in at("4", "hint")
    total = f"{letter['weighted']}{rows[L.TOTAL_LABEL]}"
    assert at(L.SCORE_LABEL, "weighted") == f'=IF(ISNUMBER({total}),{total}*20,"")'
    # One survey round when the count cannot be read.
    survey = book["สำรวจ 3"]
    top, scols = key_row(survey, {"round", "respondent"})
    assert survey.cell(top + 1, scols["round"]).value == 1
    data_ws = book[L.DATA_SHEET]
    drows, dcols = data_rows(data_ws)
    assert data_ws.cell(drows[("4", "item:1")], dcols["unit"]).value in (None, "")


# --- LibreOffice: an independent spreadsheet program ---------------------------------------


@pytest.fixture(scope="module")
def recalculated(
    paths: dict[str, Path], flawed: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    sources = [*paths.values(), flawed]
    outputs = recalculate(sources, tmp_path_factory.mktemp("recalculated"))
    return {src.name: out for src, out in zip(sources, outputs, strict=True)}


def test_libreoffice_opens_every_workbook_and_no_formula_fails(
    recalculated: dict[str, Path], paths: dict[str, Path]
) -> None:
    assert len(recalculated) == len(paths) + 1
    for name, path in recalculated.items():
        assert path.is_file() and path.stat().st_size > 0, name
        book = openpyxl.load_workbook(path, data_only=True)
        assert L.TARGET_SHEET in book.sheetnames, name
        errors = [
            (ws.title, c.coordinate, c.value)
            for ws in book.worksheets
            for row in ws.iter_rows()
            for c in row
            if isinstance(c.value, str) and c.value.startswith(ERRORS)
        ]
        assert errors == [], (name, errors[:5])


def test_libreoffice_reads_an_empty_template_as_unscored(recalculated: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(recalculated["kpixl_2565_FIN.xlsx"], data_only=True)[L.FORM_SHEET]
    rows, cols = form_rows(ws)
    for kpi_id, row in rows.items():
        assert ws.cell(row, cols["weighted"]).value in (None, ""), kpi_id
        if kpi_id not in (L.TOTAL_LABEL, L.SCORE_LABEL):
            assert ws.cell(row, cols["level"]).value in (None, ""), kpi_id
            assert ws.cell(row, cols["value"]).value in (None, ""), kpi_id
    # Item 10 of issue 7: รวม and the score are blank, not 0, while nothing is scored.
    assert ws.cell(rows[L.TOTAL_LABEL], cols["weight"]).value == 100


def _cells(path: Path) -> tuple[Any, Any]:
    book = openpyxl.load_workbook(path)
    return book[L.FORM_SHEET], book[L.DATA_SHEET]


def edu_values(path: Path) -> dict[tuple[str, str], object]:
    form, data = _cells(path)
    frows, fcols = form_rows(form)
    drows, dcols = data_rows(data)

    def f(kpi_id: str) -> tuple[str, str]:
        return (L.FORM_SHEET, coord(frows[kpi_id], fcols["result"]))

    def d(kpi_id: str, key: str) -> tuple[str, str]:
        return (L.DATA_SHEET, coord(drows[(kpi_id, key)], dcols["input"]))

    return {
        d("1", "numerator"): 45,  # 90 % > 80 → 5
        d("1", "denominator"): 50,
        f("1"): 90,
        d("2", "numerator"): 30,  # 30 % in (20, 40] → 2
        d("2", "denominator"): 100,
        # KPI 3 left empty: no level.
        f("4"): dt.date(2021, 12, 18),  # by 20 Dec → 3
        d("5.1", "numerator"): 12,  # 30 % in (25, 35] → 4
        d("5.1", "denominator"): 40,
        f("5.2"): 55,  # no supporting data: the typed 55 > 45 → 5
        d("6", "step:1"): "✓",  # steps 1–3 in a row, 4 not done → 3
        d("6", "step:2"): "✓",
        d("6", "step:3"): "ทำแล้ว",
        d("6", "step:5"): "✓",
    }


def fin_values(path: Path) -> dict[tuple[str, str], object]:
    form, data = _cells(path)
    frows, fcols = form_rows(form)
    drows, dcols = data_rows(data)

    def f(kpi_id: str) -> tuple[str, str]:
        return (L.FORM_SHEET, coord(frows[kpi_id], fcols["result"]))

    def d(kpi_id: str, key: str) -> tuple[str, str]:
        return (L.DATA_SHEET, coord(drows[(kpi_id, key)], dcols["input"]))

    # 1.1: each month's report by the 10th of the next, but February's on 22 March: the
    # worst month is 22 days late, within 25 → 2.
    monthly: dict[tuple[str, str], object] = {}
    for month in (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9):
        year = 2021 if month >= 10 else 2022
        due = dt.date(year + (month == 12), month % 12 + 1, 10)
        monthly[d("1.1", f"month:{month}")] = dt.date(2022, 3, 22) if month == 2 else due
    return {
        **monthly,
        f("1.2"): dt.date(2022, 11, 20),  # 51 days after 30 Sep 2022: within 60 → 3
        d("2.1.1", "numerator"): 5,  # 5 % in (3, 6] → 2; the typed 4 is overruled
        d("2.1.1", "denominator"): 100,
        f("2.1.1"): 4,
        d("2.1.2", "numerator"): 18,  # 18 % in (15, 20] → 2
        d("2.1.2", "denominator"): 100,
        f("2.1.3"): 55,  # typed only: 55 in (50, 60] → 3
        d("2.1.4", "numerator"): 83.5,  # 83.5 % > 82 → 5
        d("2.1.4", "denominator"): 100,
        d("3", "numerator"): 160,  # 80 % in (70, 80] → 4
        d("3", "denominator"): 200,
        **{d("4", f"step:{n}"): "✓" for n in range(1, 6)},  # all five → 5
        d("5", "step:2"): "✓",  # step 1 not done → 0
        d("6", "this_year"): 990,  # growth −1 % ≤ 1 → 1
        d("6", "last_year"): 1000,
        d("7.1.1", "numerator"): 1,  # 2.5 % ≤ 3 → 1
        d("7.1.1", "denominator"): 40,
        d("8", "step:1"): "✓",  # "/" and "ใช่" count as ticks; step 4 not done → 3
        d("8", "step:2"): "/",
        d("8", "step:3"): "ใช่",
        d("8", "step:4"): L.NOT_DONE,
        d("8", "step:5"): "✓",
    }


# kpi_id → (level, weighted), reasoned from the criteria and weights above.
EDU_EXPECTED = {
    "1": (5, 0.85),
    "2": (2, 0.34),
    "3": (None, None),
    "4": (3, 0.51),
    "5.1": (4, 0.32),
    "5.2": (5, 0.40),
    "6": (3, 0.48),
}
FIN_EXPECTED = {
    "1.1": (2, 0.2),
    "1.2": (3, 0.3),
    "2.1.1": (2, 0.04),
    "2.1.2": (2, 0.04),
    "2.1.3": (3, 0.09),
    "2.1.4": (5, 0.15),
    "2.2.1": (None, None),
    "2.2.2": (None, None),
    "2.2.3": (None, None),
    "2.2.4": (None, None),
    "3": (4, 0.4),
    "4": (5, 0.5),
    "5": (0, 0.0),
    "6": (1, 0.1),
    "7.1.1": (1, 0.01),
    "7.1.2": (None, None),
    "7.1.3": (None, None),
    "7.1.4": (None, None),
    "7.2.1": (None, None),
    "7.2.2": (None, None),
    "7.2.3": (None, None),
    "7.2.4": (None, None),
    "8": (3, 0.3),
}


@pytest.mark.parametrize(
    ("code", "values", "expected", "total"),
    [
        ("EDU", edu_values, EDU_EXPECTED, 2.90),
        ("FIN", fin_values, FIN_EXPECTED, 2.13),
    ],
)
def test_a_workbook_filled_in_libreoffice_scores_the_same_there_and_in_kpixl(
    paths: dict[str, Path],
    master: Master,
    tmp_path: Path,
    code: str,
    values: Any,
    expected: dict[str, tuple[int | None, float | None]],
    total: float,
) -> None:
    filled = fill_and_save(paths[code], tmp_path / f"{code}_filled.xlsx", values(paths[code]))
    # LibreOffice's own results, recalculated and saved by it.
    ws = openpyxl.load_workbook(filled, data_only=True)[L.FORM_SHEET]
    rows, cols = form_rows(ws)
    office = {
        kpi_id: (ws.cell(r, cols["level"]).value, ws.cell(r, cols["weighted"]).value)
        for kpi_id, r in rows.items()
        if kpi_id not in (L.TOTAL_LABEL, L.SCORE_LABEL)
    }
    # kpixl's, from the same file as LibreOffice saved it.
    evaluation = evaluate([read_workbook(filled)], master)
    kpis = evaluation.kpis.set_index("kpi_id")
    assert list(kpis.index) == list(expected)
    for kpi_id, (level, weighted) in expected.items():
        mine = kpis.loc[kpi_id]
        theirs = office[kpi_id]
        if level is None:
            assert pd.isna(mine["level"]) and pd.isna(mine["weighted"]), kpi_id
            assert theirs[0] in (None, "") and theirs[1] in (None, ""), kpi_id
            continue
        assert (int(mine["level"]), theirs[0]) == (level, level), kpi_id
        assert mine["weighted"] == pytest.approx(weighted), kpi_id
        assert theirs[1] == pytest.approx(weighted), kpi_id
        assert (mine["level_row"], mine["level_column"]) == (rows[kpi_id], cols["level"])
    totals = evaluation.totals.iloc[0]
    assert totals["total"] == pytest.approx(total)
    assert totals["score_100"] == pytest.approx(total * 20)
    assert ws.cell(rows[L.TOTAL_LABEL], cols["weighted"]).value == pytest.approx(total)
    assert ws.cell(rows[L.SCORE_LABEL], cols["weighted"]).value == pytest.approx(total * 20)
    assert ws.cell(rows[L.TOTAL_LABEL], cols["weight"]).value == 100
    # Nothing in the LibreOffice-saved file was mistaken for an edit of the centre's cells.
    codes = set(evaluation.findings["code"])
    assert not codes & {
        "locked-field-changed",
        "fingerprint-mismatch",
        "differs-from-master",
        "typed-score-mismatch",
        "kpi-row-missing",
        "file-unknown-template",
    }, evaluation.findings[["cell", "code", "value"]].to_string()
