"""The annotated copy: findings marked, scores filled in, a report first, the rest untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from libreoffice import recalculate
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.worksheet.worksheet import Worksheet

from kpixl import layout as L
from kpixl.annotate import AUTHOR, SEVERITY_FILL, SEVERITY_TH, annotate_workbook
from kpixl.cells import cell_ref, parse_cell
from kpixl.findings import FINDING_COLUMNS, finding, findings_frame
from kpixl.master import master_from_csv
from kpixl.templates import write_division_workbook

SOURCE = Path(__file__).resolve().parent.parent / "sample_workbooks/source/nakhonsawan_2565"
INJECTIONS = ("=1+1", '=HYPERLINK("http://evil.example","คลิก")', "+66", "-5%", "@SUM(A1)")
DATA = "ข้อมูล กอง"  # a space: links must quote the sheet name
SUMMARY: dict[str, Any] = {
    "division_code": "COM",
    "division_name": "กองกิจการสภา",
    "fiscal_year_be": 2565,
    "total": 3.45,
    "score_100": 69.0,
    "complete": False,
    "kpis": 9,
    "unscored": 2,
    "template_version": 1,
    "source": "kpixl_2565_COM.xlsx",
    "checked_at": dt.datetime(2022, 10, 20, 9, 30),
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path, keep_links=True)


def at(ws: Worksheet, address: str) -> Cell:
    cell = ws[address]
    assert isinstance(cell, Cell), f"{ws.title}!{address} is a merged cell"
    return cell


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real division workbook (four survey sheets, supporting data, target sheet)."""
    out = tmp_path_factory.mktemp("template") / "kpixl_2565_COM.xlsx"
    return write_division_workbook(master_from_csv(SOURCE), "COM", out)


def write_small_workbook(path: Path) -> Path:
    """Everything openpyxl has to carry across, on a few cells (xlsxwriter, like templates)."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    bold = book.add_format({"bold": True, "font_name": "Tahoma", "font_size": 14})
    unlocked = book.add_format({"locked": False, "bg_color": "#FFF2CC", "num_format": "0.00"})
    money = book.add_format({"num_format": "#,##0.00", "align": "right", "italic": True})
    date = book.add_format({"num_format": "d mmm yyyy"})
    red = book.add_format({"bg_color": "#FFC7CE"})
    wrap = book.add_format({"text_wrap": True, "valign": "top", "font_color": "#1F4E78"})

    data = book.add_worksheet(DATA)
    data.merge_range("A1:D1", "แบบทดสอบ กองคลัง ปีงบประมาณ ๒๕๖๕", bold)
    data.write_string("A2", "รายการ", wrap)
    data.write_string("B2", "ผล", wrap)
    for row, (label, value) in enumerate([("ตัวตั้ง", 40), ("ตัวหาร", 50), ("ร้อยละ", 80)], 2):
        data.write_string(row, 0, label)
        data.write_number(row, 1, value, unlocked)
    data.write_formula("B6", "=SUM(B3:B5)", money, 170)
    data.write_formula("C6", "=B6*2", money, 340)
    data.write_formula("C3", "=IF(B3>B4,1,0)", money, 0)
    data.write_datetime("A7", dt.datetime(2022, 9, 30), date)
    data.write_string("A8", "แถวที่ซ่อน")
    data.write_string("A9", "ข้อความ “ไทย” ๑๒๓")
    data.write_rich_string("A10", "ตัวหนา ", book.add_format({"bold": True}), "ตรงนี้")
    data.write_url("A11", "internal:'สรุป'!A1", string="ไปที่สรุป")
    data.write_comment("A3", "หมายเหตุของกอง: ตรวจแล้ว", {"author": "สมชาย"})
    data.write_comment("D5", "อีกหนึ่งหมายเหตุ", {"author": "สมหญิง"})
    data.merge_range("A12:B13", "ช่องรวม", wrap)
    data.set_column("A:A", 24)
    data.set_column("B:B", 11.5)
    data.set_column("D:D", 8, None, {"hidden": True})
    data.set_row(1, 33)
    data.set_row(7, None, None, {"hidden": True})
    data.data_validation(
        "B3:B5",
        {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100},
    )
    data.data_validation("D3", {"validate": "list", "source": ["ใช่", "ไม่ใช่"]})
    data.conditional_format("B3:B5", {"type": "cell", "criteria": ">", "value": 90, "format": red})
    data.freeze_panes(2, 1)
    data.protect("secret", {"format_columns": True})
    data.set_landscape()
    data.repeat_rows(1)

    summary = book.add_worksheet("สรุป")
    summary.write_formula("A1", f"='{DATA}'!B6", None, 170)
    summary.write_string("A2", "ซ่อนไว้")
    summary.hide()

    secret = book.add_worksheet("ลับ")
    secret.write_string("A1", "very hidden")
    secret.very_hidden()

    book.define_name("ผลรวม", f"='{DATA}'!$B$6")
    book.define_name(f"'{DATA}'!ตัวตั้ง", f"='{DATA}'!$B$3")
    data.activate()
    book.close()
    return path


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return write_small_workbook(tmp_path / "small.xlsx")


@dataclass
class Case:
    """One annotation: its input, output, and what it was told to change."""

    src: Path
    dst: Path
    findings: pd.DataFrame
    fills: pd.DataFrame
    returned: pd.DataFrame
    flagged: dict[tuple[str, str], list[str]]  # (sheet, cell) -> severities, worst first
    filled: dict[tuple[str, str], Any]


def form_cells(path: Path) -> dict[str, str]:
    """A1 addresses in the template's scoring form, found through its key row."""
    ws = load(path)[L.FORM_SHEET]
    keys = {str(c.value): c.column for c in ws[6] if c.value}
    rows = [c.row for c in ws["A"] if c.row > 6 and c.value not in (None, "")]
    first, total, score = rows[0], rows[-2], rows[-1]
    assert at(ws, f"A{total}").value == L.TOTAL_LABEL
    assert at(ws, f"A{score}").value == L.SCORE_LABEL

    def ref(row: int, key: str) -> str:
        return cell_ref(row, keys[key])

    return {
        "result_1": ref(first, "result"),
        "result_2": ref(first + 1, "result"),
        "level_1": ref(first, "level"),
        "level_2": ref(first + 1, "level"),
        "weighted_1": ref(first, "weighted"),
        "weighted_2": ref(first + 1, "weighted"),
        "total": ref(total, "weighted"),
        "score": ref(score, "weighted"),
        "name_1": ref(first, "name"),
    }


def annotate_case(
    src: Path,
    dst: Path,
    records: list[dict[str, Any]],
    fills: list[tuple[str, str, Any]],
    dropped_parts: tuple[str, ...] = (),
) -> Case:
    frame = findings_frame(records)
    fill_frame = pd.DataFrame(fills, columns=["sheet", "cell", "value"])
    returned = annotate_workbook(
        src,
        dst,
        findings=frame,
        fills=fill_frame,
        summary=SUMMARY,
        dropped_parts=dropped_parts,
    )
    rank = {"error": 0, "warning": 1, "info": 2}
    flagged: dict[tuple[str, str], list[str]] = {}
    for rec in sorted(records, key=lambda r: rank[r["severity"]]):
        if rec["cell"]:
            flagged.setdefault((rec["sheet"], rec["cell"]), []).append(rec["severity"])
    filled = {(sheet, cell): value for sheet, cell, value in fills}
    return Case(src, dst, frame, fill_frame, returned, flagged, filled)


def at_cell(code: str, sheet: str, address: str, **params: Any) -> dict[str, Any]:
    row, column = parse_cell(address)
    return finding(code, source="in.xlsx", sheet=sheet, row=row, column=column, **params)


@pytest.fixture
def template_case(template: Path, tmp_path: Path) -> Case:
    cells = form_cells(template)
    form = L.FORM_SHEET
    records = [
        at_cell("value-missing", form, cells["result_1"], kpi_id="1", what="ผล", what_en="Result"),
        at_cell("value-normalised", form, cells["result_1"], kpi_id="1", value="๘๐", normalised=80),
        at_cell("value-in-gap", form, cells["result_2"], kpi_id="2", value=3.5, level=3),
        at_cell("locked-field-changed", form, cells["name_1"], kpi_id="1", field="ชื่อ"),
        at_cell("missing-prior-result", L.TARGET_SHEET, "AB8", kpi_id="1", year=2564),
        at_cell("not-signed-off", "แผ่นที่ไม่มี", "B2"),
        finding("template-outdated", source="in.xlsx", value=0, expected=1),
    ]
    fills = [
        (form, cells["level_1"], 3),
        (form, cells["weighted_1"], 0.3),
        (form, cells["level_2"], None),
        (form, cells["weighted_2"], None),
        (form, cells["total"], 0.3),
        (form, cells["score"], 6.0),
    ]
    return annotate_case(template, tmp_path / "out" / "annotated.xlsx", records, fills)


@pytest.fixture
def small_case(small: Path, tmp_path: Path) -> Case:
    records = [
        at_cell("value-out-of-range", DATA, "B3", kpi_id="1", value=140, minimum=0, maximum=100),
        at_cell(
            "value-unreadable",
            DATA,
            "B4",
            kpi_id="1",
            value="=1+1",
            expected="ตัวเลข",
            expected_en="a number",
        ),
        at_cell("value-above-rubric", DATA, "B4", kpi_id="1", value=99),
        at_cell("value-normalised", DATA, "A3", value="๔๐", normalised=40),  # has a note
        at_cell("reported-value-mismatch", DATA, "B13", value=1, computed=2),  # merged A12:B13
        at_cell("value-normalised", "ลับ", "A1", value="x", normalised="y"),
        at_cell("not-signed-off", DATA, "XFE1"),  # beyond the last column
        finding("template-outdated", source="in.xlsx", value=0, expected=1),
    ]
    fills = [(DATA, "C6", 340.5), (DATA, "B6", None), (DATA, "C3", "ผ่าน")]
    return annotate_case(small, tmp_path / "small-annotated.xlsx", records, fills)


# -- comparing original and copy -----------------------------------------------------------


def style(obj: Any) -> bytes:
    """A style object as XML: openpyxl's style proxies do not compare equal to each other."""
    return ET.tostring(obj.to_tree())


def cell_state(cell: Cell | MergedCell) -> dict[str, Any]:
    return {
        "value": cell.value,
        "data_type": cell.data_type,
        "font": style(cell.font),
        "fill": style(cell.fill),
        "border": style(cell.border),
        "number_format": cell.number_format,
        "alignment": style(cell.alignment),
        "protection": style(cell.protection),
        "hyperlink": None if cell.hyperlink is None else cell.hyperlink.location,
        "comment": None if cell.comment is None else (cell.comment.text, cell.comment.author),
    }


def sheet_state(ws: Worksheet) -> dict[str, Any]:
    return {
        "state": ws.sheet_state,
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "validations": list(ws.data_validations.dataValidation),
        "conditional": [(str(cf.sqref), cf.rules) for cf in ws.conditional_formatting],
        "protection": ws.protection,
        "columns": {
            k: (d.min, d.max, d.width, d.hidden, d.customWidth)
            for k, d in ws.column_dimensions.items()
        },
        "rows": {k: (d.height, d.hidden) for k, d in ws.row_dimensions.items()},
        "freeze": ws.freeze_panes,
        "print_titles": ws.print_title_rows,
        "orientation": ws.page_setup.orientation,
        "names": {k: v.attr_text for k, v in ws.defined_names.items()},
        "dimensions": ws.dimensions,
    }


def cells_of(ws: Worksheet, rows: int, cols: int) -> Iterator[Cell | MergedCell]:
    for row in ws.iter_rows(min_row=1, max_row=rows, max_col=cols):
        yield from row


def assert_copy_preserves(case: Case) -> None:
    """Every sheet of the original, cell by cell, equals the copy but for what was asked."""
    original, copy = load(case.src), load(case.dst)
    assert copy.sheetnames == [L.REPORT_SHEET, *original.sheetnames]
    assert {k: v.attr_text for k, v in copy.defined_names.items()} == {
        k: v.attr_text for k, v in original.defined_names.items()
    }
    for ws in original.worksheets:
        other = copy[ws.title]
        assert isinstance(other, Worksheet)
        rows = max(ws.max_row, other.max_row)
        cols = max(ws.max_column, other.max_column)
        pairs = zip(cells_of(ws, rows, cols), cells_of(other, rows, cols), strict=True)
        for before, after in pairs:
            key = (ws.title, before.coordinate)
            want, got = cell_state(before), cell_state(after)
            if want["value"] == "" and got["value"] is None:
                # openpyxl writes an empty string as an empty inline string, read as blank.
                assert got["data_type"] == "inlineStr", key
                want.update(value=None, data_type="inlineStr")
            if key in case.filled:
                value = case.filled[key]
                want["value"] = value
                want["data_type"] = {type(None): "n", str: "s"}.get(type(value), "n")
            if key in case.flagged:
                colour = SEVERITY_FILL[case.flagged[key][0]]
                assert after.fill.fgColor.rgb == "00" + colour, key
                got.pop("fill")
                want.pop("fill")
                comment = got.pop("comment")
                assert comment is not None, key
                old = want.pop("comment")
                if old is not None:  # their note is kept whole, ours appended
                    assert comment[0].startswith(old[0]) and comment[1] == old[1], key
                else:
                    assert comment[1] == AUTHOR, key
            assert got == want, key
        assert sheet_state(other) == sheet_state(ws), ws.title


def flagged_by(case: Case) -> dict[tuple[str, str], list[dict[str, Any]]]:
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rec in case.findings.to_dict("records"):
        if rec["cell"]:
            found.setdefault((rec["sheet"], rec["cell"]), []).append(rec)
    return found


# -- raw package parts: an independent look at what openpyxl might silently lose ------------

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def sheet_parts(path: Path) -> dict[str, tuple[ET.Element, str]]:
    """Sheet name -> (parsed sheet XML, state) straight from the zip."""
    with zipfile.ZipFile(path) as z:
        book = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", NS)}
        parts = {}
        for sheet in book.findall("m:sheets/m:sheet", NS):
            target = targets[sheet.get(f"{{{NS['r']}}}id")].lstrip("/")
            name = target if target.startswith("xl/") else f"xl/{target}"
            parts[sheet.get("name", "")] = (
                ET.fromstring(z.read(name)),
                sheet.get("state", "visible"),
            )
        return parts


PROTECTION_DEFAULTS = {  # ECMA-376 CT_SheetProtection: absent attribute = this value
    **dict.fromkeys(("sheet", "objects", "scenarios"), False),
    **dict.fromkeys(("selectLockedCells", "selectUnlockedCells"), False),
    **dict.fromkeys(
        (
            "formatCells",
            "formatColumns",
            "formatRows",
            "insertColumns",
            "insertRows",
            "insertHyperlinks",
            "deleteColumns",
            "deleteRows",
            "sort",
            "autoFilter",
            "pivotTables",
        ),
        True,
    ),
}


def raw_protection(element: ET.Element | None) -> dict[str, Any] | None:
    """The effective sheet protection flags (writers differ in which they spell out)."""
    if element is None:
        return None
    flags = {
        name: element.get(name, str(int(default))) in ("1", "true")
        for name, default in PROTECTION_DEFAULTS.items()
    }
    return {**flags, "password": element.get("password")}


def raw_structure(root: ET.Element, state: str) -> dict[str, Any]:
    widths: dict[int, tuple[str | None, str | None]] = {}
    for col in root.findall("m:cols/m:col", NS):
        for number in range(int(col.get("min", 0)), int(col.get("max", 0)) + 1):
            widths[number] = (col.get("width"), col.get("hidden"))
    return {
        "state": state,
        "merged": sorted(m.get("ref", "") for m in root.iter(f"{{{NS['m']}}}mergeCell")),
        "validations": sorted(
            (d.get("sqref", ""), d.get("type", ""))
            for d in root.iter(f"{{{NS['m']}}}dataValidation")
        ),
        "rules": sorted(
            (cf.get("sqref", ""), len(cf.findall("m:cfRule", NS)))
            for cf in root.findall("m:conditionalFormatting", NS)
        ),
        "protection": raw_protection(root.find("m:sheetProtection", NS)),
        "columns": {
            k: (float(w) if w else None, h in ("1", "true")) for k, (w, h) in widths.items()
        },
        "rows": {
            r.get("r"): (float(r.get("ht", 0)), r.get("hidden") in ("1", "true"))
            for r in root.iter(f"{{{NS['m']}}}row")
            if r.get("customHeight") or r.get("hidden")
        },
    }


def assert_raw_structure_kept(src: Path, dst: Path) -> None:
    before, after = sheet_parts(src), sheet_parts(dst)
    assert list(after) == [L.REPORT_SHEET, *before]
    for name, (root, state) in before.items():
        assert raw_structure(*after[name]) == raw_structure(root, state), name


# -- the tests -------------------------------------------------------------------------------


def test_template_copy_keeps_every_cell_but_the_marked_and_filled(template_case: Case) -> None:
    assert_copy_preserves(template_case)
    assert_raw_structure_kept(template_case.src, template_case.dst)


def test_small_copy_keeps_every_cell_but_the_marked_and_filled(small_case: Case) -> None:
    case = small_case
    # The finding on B13 marks the merged range's visible cell A12; compare on that.
    case.flagged[(DATA, "A12")] = case.flagged.pop((DATA, "B13"))
    del case.flagged[(DATA, "XFE1")]
    assert_copy_preserves(case)
    assert_raw_structure_kept(case.src, case.dst)


def test_small_copy_keeps_what_was_written(small_case: Case) -> None:
    """Checked against what the fixture wrote, not against openpyxl reading the original."""
    copy = load(small_case.dst)
    data = copy[DATA]
    assert isinstance(data, Worksheet)
    assert data.protection.sheet and data.protection.password
    assert not at(data, "B3").protection.locked and at(data, "A3").protection.locked
    assert data.column_dimensions["A"].width == pytest.approx(24.71, abs=0.01)
    assert data.column_dimensions["D"].hidden
    assert data.row_dimensions[8].hidden and data.row_dimensions[2].height == 33
    assert sorted(str(r) for r in data.merged_cells.ranges) == ["A12:B13", "A1:D1"]
    assert [str(v.sqref) for v in data.data_validations.dataValidation] == ["B3:B5", "D3"]
    assert [str(cf.sqref) for cf in data.conditional_formatting] == ["B3:B5"]
    assert data.freeze_panes == "B3"
    assert at(copy["สรุป"], "A1").value == f"='{DATA}'!B6"  # formulas elsewhere stay
    assert at(data, "A1").value == "แบบทดสอบ กองคลัง ปีงบประมาณ ๒๕๖๕"
    assert at(data, "A7").value == dt.datetime(2022, 9, 30)
    assert at(data, "A7").number_format == "d mmm yyyy"
    assert at(data, "A11").hyperlink is not None
    assert at(data, "D5").comment is not None and at(data, "D5").comment.author == "สมหญิง"
    assert copy["สรุป"].sheet_state == "hidden"
    assert copy["ลับ"].sheet_state == "veryHidden"
    assert copy.defined_names["ผลรวม"].attr_text == f"'{DATA}'!$B$6"
    assert data.defined_names["ตัวตั้ง"].attr_text == f"'{DATA}'!$B$3"
    rich = openpyxl.load_workbook(small_case.dst, rich_text=True)[DATA]["A10"].value
    assert str(rich) == "ตัวหนา ตรงนี้" and len(rich) == 2  # two runs, the bold one kept


def test_fills_replace_formulas_with_values_and_keep_the_style(small_case: Case) -> None:
    original, copy = load(small_case.src)[DATA], load(small_case.dst)[DATA]
    assert at(original, "C6").data_type == "f"
    assert at(copy, "C6").value == 340.5 and at(copy, "C6").data_type == "n"
    assert at(copy, "B6").value is None
    assert at(copy, "C3").value == "ผ่าน" and at(copy, "C3").data_type == "s"
    for address in ("C6", "B6", "C3"):
        assert at(copy, address).number_format == "#,##0.00"
        assert style(at(copy, address).font) == style(at(original, address).font)
    assert at(copy, "A1").value == at(original, "A1").value


def test_template_fills_and_marks(template_case: Case) -> None:
    cells = form_cells(template_case.src)
    form = load(template_case.dst)[L.FORM_SHEET]
    assert at(form, cells["level_1"]).value == 3
    assert at(form, cells["score"]).value == 6.0
    assert at(form, cells["level_2"]).value is None
    result = at(form, cells["result_1"])
    assert result.fill.fgColor.rgb == "00" + SEVERITY_FILL["error"]
    assert not result.protection.locked  # still an input cell of a protected sheet
    assert form.protection.sheet
    assert at(form, cells["result_2"]).fill.fgColor.rgb == "00" + SEVERITY_FILL["warning"]


def test_comments_explain_in_thai_and_combine(small_case: Case) -> None:
    data = load(small_case.dst)[DATA]
    by_cell = flagged_by(small_case)
    both = at(data, "B4").comment
    assert both is not None and both.author == AUTHOR
    for rec in by_cell[(DATA, "B4")]:
        assert rec["message_th"] in both.text and rec["message_en"] in both.text
    # The error comes first, labelled in Thai.
    assert both.text.startswith(f"[{SEVERITY_TH['error']}] ")
    error, warning = by_cell[(DATA, "B4")]
    assert both.text.index(error["message_th"]) < both.text.index(warning["message_th"])
    assert at(data, "B4").fill.fgColor.rgb == "00" + SEVERITY_FILL["error"]
    kept = at(data, "A3").comment
    assert kept is not None and kept.author == "สมชาย"
    assert kept.text.startswith("หมายเหตุของกอง: ตรวจแล้ว")
    assert by_cell[(DATA, "A3")][0]["message_th"] in kept.text
    merged = at(data, "A12").comment
    assert merged is not None and "ไม่ตรงกับที่คำนวณ" in merged.text
    # Sized to fit: a long comment gets a bigger box than openpyxl's default 144 x 79 px.
    # openpyxl does not read box sizes back, so look at the drawing itself.
    width, height = comment_box(small_case.dst, DATA, "B4")
    assert height > 79 and width > 144
    assert comment_box(small_case.dst, DATA, "B3")[1] < height


def comment_box(path: Path, sheet: str, address: str) -> tuple[int, int]:
    """(width, height) in px of the comment box on ``sheet``!``address``, from the VML."""
    row, column = parse_cell(address)
    with zipfile.ZipFile(path) as z:
        index = list(sheet_parts(path)).index(sheet) + 1
        rels = z.read(f"xl/worksheets/_rels/sheet{index}.xml.rels").decode()
        vml = re.search(r'Target="/?([^"]+\.vml)"', rels)
        assert vml is not None
        name = vml.group(1).replace("../", "xl/")
        text = z.read(name).decode()
    for shape in re.findall(r"<(?:\w+:)?shape\b.*?</(?:\w+:)?shape>", text, re.S):
        r = re.search(r"Row>(\d+)<", shape)
        c = re.search(r"Column>(\d+)<", shape)
        if r and c and (int(r.group(1)), int(c.group(1))) == (row - 1, column - 1):
            size = re.search(r"width:(\d+)px;height:(\d+)px", shape)
            assert size is not None
            return int(size.group(1)), int(size.group(2))
    raise AssertionError(f"no comment box on {sheet}!{address}")


def report_rows(ws: Worksheet) -> tuple[int, list[list[Cell]]]:
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "ระดับ")
    rows = [
        [at(ws, cell_ref(r, c)) for c in range(1, 9)] for r in range(header + 1, ws.max_row + 1)
    ]
    return header, rows


def summary_values(ws: Worksheet, header: int) -> dict[str, Any]:
    return {
        str(ws.cell(r, 1).value): ws.cell(r, 3).value
        for r in range(4, header)
        if ws.cell(r, 1).value is not None
    }


def test_report_sheet_is_first_active_and_counts(small_case: Case) -> None:
    copy = load(small_case.dst)
    ws = copy.worksheets[0]
    assert ws.title == L.REPORT_SHEET and copy.active == ws
    assert [s.title for s in copy.worksheets if s.sheet_view.tabSelected] == [L.REPORT_SHEET]
    assert "รายงานผลการตรวจ" in str(ws["A1"].value)
    header, rows = report_rows(ws)
    assert len(rows) == len(small_case.findings)
    summary = summary_values(ws, header)
    assert summary["สรุปคะแนน เต็ม ๑๐๐"] == 69.0
    assert summary["รวมคะแนน (ค) (เต็ม ๕)"] == 3.45
    assert str(summary["ความครบถ้วน"]).startswith("ยังไม่ครบ")
    assert summary["กอง/สำนัก"] == "กองกิจการสภา"
    assert summary["ตรวจเมื่อ"] == "20 ต.ค. 2565 09:30"
    counts = small_case.findings["severity"].value_counts()
    for severity, label in SEVERITY_TH.items():
        assert summary[f"{label} (ช่องสีนี้)"] == counts.get(severity, 0)
    severities = [row[0].value for row in rows]
    assert severities == sorted(severities, key=list(SEVERITY_TH.values()).index)
    codes = {row[4].value for row in rows}
    assert codes == set(small_case.findings["code"])


def test_report_sheet_links_jump_to_existing_cells(template_case: Case) -> None:
    copy = load(template_case.dst)
    ws = copy[L.REPORT_SHEET]
    _, rows = report_rows(ws)
    linked = 0
    for _, sheet, cell, *_ in rows:
        if cell.hyperlink is None:
            # Only findings without a cell in the workbook go without a link.
            assert sheet.value not in copy.sheetnames or not cell.value
            continue
        match = re.fullmatch(r"'((?:[^']|'')+)'!([A-Z]+[0-9]+)", cell.hyperlink.location or "")
        assert match, cell.hyperlink.location
        name = match.group(1).replace("''", "'")
        assert name == sheet.value and match.group(2) == cell.value
        target = copy[name]
        assert isinstance(target, Worksheet)
        parse_cell(match.group(2))
        assert target.sheet_state == "visible"
        assert cell.hyperlink.target is None  # internal: no external relationship
        linked += 1
    assert linked == 5
    assert {row[1].value for row in rows if row[2].hyperlink is None} == {"แผ่นที่ไม่มี", None}


def test_report_sheet_links_quote_sheet_names(small_case: Case) -> None:
    ws = load(small_case.dst)[L.REPORT_SHEET]
    _, rows = report_rows(ws)
    locations = {row[2].hyperlink.location for row in rows if row[2].hyperlink is not None}
    assert f"'{DATA}'!B4" in locations
    # B13 lies in a merged range: the link still names it, the mark goes on A12.
    assert f"'{DATA}'!B13" in locations
    # No link into a very hidden sheet (Excel cannot show it) nor past the last column.
    assert not any(loc.startswith("'ลับ'") for loc in locations)
    assert not any("XFE1" in loc for loc in locations)


def test_report_sheet_is_readable(small_case: Case) -> None:
    ws = load(small_case.dst)[L.REPORT_SHEET]
    header, rows = report_rows(ws)
    assert ws.freeze_panes == f"A{header + 1}"
    assert ws.auto_filter.ref == f"A{header}:H{header + len(rows)}"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == int(ws.PAPERSIZE_A4)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${header}:${header}"
    assert ws.column_dimensions["G"].width >= 50
    for cell in ws[header]:
        assert cell.font.b and cell.font.name == "Tahoma" and cell.fill.fgColor.rgb != "00000000"
    for row in rows:
        assert all(c.font.name == "Tahoma" for c in row)
        assert row[6].alignment.wrap_text
        assert row[0].value in SEVERITY_TH.values()


def test_file_part_dropped_reported_and_returned(small: Path, tmp_path: Path) -> None:
    case = annotate_case(
        small, tmp_path / "out.xlsx", [], [], dropped_parts=("xl/vbaProject.bin", "รูปร่าง")
    )
    assert list(case.returned.columns) == FINDING_COLUMNS
    assert list(case.returned["code"]) == ["file-part-dropped"] * 2
    assert list(case.returned["value"]) == ["xl/vbaProject.bin", "รูปร่าง"]
    assert "xl/vbaProject.bin" in case.returned["message_th"].iloc[0]
    assert set(case.returned["source"]) == {SUMMARY["source"]}
    _, rows = report_rows(load(case.dst)[L.REPORT_SHEET])
    assert [row[4].value for row in rows] == ["file-part-dropped"] * 2
    assert [row[0].value for row in rows] == [SEVERITY_TH["warning"]] * 2


def test_nothing_to_report_gives_an_empty_frame_and_a_report(small: Path, tmp_path: Path) -> None:
    case = annotate_case(small, tmp_path / "out.xlsx", [], [])
    assert case.returned.empty and list(case.returned.columns) == FINDING_COLUMNS
    ws = load(case.dst)[L.REPORT_SHEET]
    header, rows = report_rows(ws)
    assert rows == []
    assert summary_values(ws, header)[f"{SEVERITY_TH['error']} (ช่องสีนี้)"] == 0


def test_losses_openpyxl_announces_become_findings(tmp_path: Path) -> None:
    src = tmp_path / "sparkline.xlsx"
    book = xlsxwriter.Workbook(str(src))
    sheet = book.add_worksheet("ข้อมูล")
    sheet.write_row("A1", [1, 2, 3])
    sheet.add_sparkline("D1", {"range": "ข้อมูล!A1:C1"})
    book.close()
    returned = annotate_workbook(
        src,
        tmp_path / "out.xlsx",
        findings=findings_frame(),
        fills=pd.DataFrame(columns=["sheet", "cell", "value"]),
        summary={},
    )
    assert list(returned["code"]) == ["file-part-dropped"]
    assert "Sparkline Group extension" in returned["value"].iloc[0]


def test_copy_recalculates_on_opening(small_case: Case) -> None:
    """openpyxl keeps no cached formula results, so Excel must recalculate on opening."""
    with zipfile.ZipFile(small_case.dst) as z:
        calc = ET.fromstring(z.read("xl/workbook.xml")).find("m:calcPr", NS)
    assert calc is not None and calc.get("fullCalcOnLoad") == "1"


def picture_workbook(path: Path) -> Path:
    png = io.BytesIO()
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("รูป")
    sheet.write_string("A1", "โลโก้")
    # A 1x1 PNG, written by hand so the fixture does not need Pillow.
    png.write(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
            "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082"
        )
    )
    sheet.insert_image("B2", "logo.png", {"image_data": png})
    book.close()
    return path


def test_pictures_are_kept_or_their_loss_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = picture_workbook(tmp_path / "picture.xlsx")
    no_fills = pd.DataFrame(columns=["sheet", "cell", "value"])
    kept = annotate_workbook(
        src, tmp_path / "kept.xlsx", findings=findings_frame(), fills=no_fills, summary={}
    )
    assert kept.empty
    with zipfile.ZipFile(tmp_path / "kept.xlsx") as z:
        assert [n for n in z.namelist() if n.startswith("xl/media/")]
    import openpyxl.reader.drawings

    monkeypatch.setattr(openpyxl.reader.drawings, "PILImage", False)  # Pillow missing
    lost = annotate_workbook(
        src, tmp_path / "lost.xlsx", findings=findings_frame(), fills=no_fills, summary={}
    )
    assert list(lost["code"]) == ["file-part-dropped"]
    assert "Pillow" in lost["value"].iloc[0]


def test_numpy_and_missing_values_are_written_plainly(small: Path, tmp_path: Path) -> None:
    fills = pd.DataFrame(
        {"sheet": [DATA] * 3, "cell": ["C6", "B6", "C3"], "value": [np.float64(2.5), pd.NA, 4]}
    )
    fills["value"] = fills["value"].astype(object)
    dst = tmp_path / "out.xlsx"
    annotate_workbook(
        small,
        dst,
        findings=findings_frame(),
        fills=fills,
        summary={"checked_at": pd.Timestamp("2022-10-01 08:05"), "kpis": np.int64(7)},
    )
    copy = load(dst)
    assert at(copy[DATA], "C6").value == 2.5 and at(copy[DATA], "B6").value is None
    assert at(copy[DATA], "C3").value == 4
    ws = copy[L.REPORT_SHEET]
    header, _ = report_rows(ws)
    summary = summary_values(ws, header)
    assert summary["ตรวจเมื่อ"] == "1 ต.ค. 2565 08:05" and summary["จำนวนตัวชี้วัด"] == 7


@pytest.mark.parametrize("text", INJECTIONS)
def test_user_text_never_becomes_a_formula(small: Path, tmp_path: Path, text: str) -> None:
    rec = at_cell(
        "value-unreadable", DATA, "B3", value=text, expected="ตัวเลข", expected_en="a number"
    )
    rec.update(kpi_id=text, message_th=text, message_en=text)
    dst = tmp_path / "out.xlsx"
    annotate_workbook(
        small,
        dst,
        findings=findings_frame([rec, finding("template-outdated", value=text, expected=text)]),
        fills=pd.DataFrame([(DATA, "C6", text)], columns=["sheet", "cell", "value"]),
        summary={**SUMMARY, "division_name": text, "source": text, "extra": text},
    )
    copy = load(dst)
    ws = copy[L.REPORT_SHEET]
    header, rows = report_rows(ws)
    written = [c for row in rows for c in row if c.value == text]
    written += [c for c in ws["C"][:header] if c.value == text]
    assert len(written) >= 6  # kpi, value, both messages (x2 rows), summary entries
    for cell in written:
        assert cell.data_type == "s"
    filled = at(copy[DATA], "C6")
    assert filled.value == text and filled.data_type == "s"
    comment = at(copy[DATA], "B3").comment
    assert comment is not None and text in comment.text
    report_xml, _ = sheet_parts(dst)[L.REPORT_SHEET]
    assert report_xml.find(".//m:f", NS) is None  # not a single formula on the report


def test_control_characters_are_made_safe(small: Path, tmp_path: Path) -> None:
    rec = at_cell(
        "value-unreadable",
        DATA,
        "B3",
        value="a\x01b\x0bc",
        expected="ตัวเลข",
        expected_en="a number",
    )
    dst = tmp_path / "out.xlsx"
    annotate_workbook(
        small,
        dst,
        findings=findings_frame([rec]),
        fills=pd.DataFrame(columns=["sheet", "cell", "value"]),
        summary={},
    )
    _, rows = report_rows(load(dst)[L.REPORT_SHEET])
    assert rows[0][5].value == "a\ufffdb\ufffdc"


def test_input_is_never_written(small_case: Case, small: Path, tmp_path: Path) -> None:
    digest = sha256(small)
    annotate_case(small, tmp_path / "again.xlsx", small_case.findings.to_dict("records"), [])
    assert sha256(small) == digest
    with pytest.raises(ValueError, match="over its input"):
        annotate_case(small, small, [], [])
    with pytest.raises(ValueError, match="over its input"):
        annotate_case(small, small.parent / "." / small.name, [], [])
    link = tmp_path / "link.xlsx"
    link.hardlink_to(small)
    with pytest.raises(ValueError, match="over its input"):
        annotate_case(small, link, [], [])
    assert sha256(small) == digest


def test_annotated_copy_of_an_annotated_copy_has_one_fresh_report(
    small_case: Case, tmp_path: Path
) -> None:
    again = annotate_case(small_case.dst, tmp_path / "again.xlsx", [], [])
    copy = load(again.dst)
    assert copy.sheetnames == load(small_case.dst).sheetnames
    header, _ = report_rows(copy[L.REPORT_SHEET])
    assert summary_values(copy[L.REPORT_SHEET], header)[f"{SEVERITY_TH['error']} (ช่องสีนี้)"] == 0


@pytest.mark.parametrize(
    ("fills", "findings", "message"),
    [
        ([("ไม่มี", "A1", 1)], [], "does not exist"),
        ([(DATA, "not a cell", 1)], [], "does not exist"),
        ([(DATA, "B1", 1)], [], "merged"),
        ([], [{**finding("not-signed-off"), "severity": "fatal"}], "severities"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_written(
    small: Path,
    tmp_path: Path,
    fills: list[tuple[str, str, Any]],
    findings: list[dict[str, Any]],
    message: str,
) -> None:
    dst = tmp_path / "out.xlsx"
    with pytest.raises(ValueError, match=message):
        annotate_workbook(
            small,
            dst,
            findings=findings_frame(findings),
            fills=pd.DataFrame(fills, columns=["sheet", "cell", "value"]),
            summary={},
        )
    assert not dst.exists() and list(tmp_path.iterdir()) == [small]


def test_frames_and_destination_are_checked(small: Path, tmp_path: Path) -> None:
    no_fills = pd.DataFrame(columns=["sheet", "cell", "value"])
    with pytest.raises(ValueError, match=r"always \.xlsx"):
        annotate_workbook(
            small, tmp_path / "out.xlsm", findings=findings_frame(), fills=no_fills, summary={}
        )
    with pytest.raises(ValueError, match="lacks columns"):
        annotate_workbook(
            small,
            tmp_path / "out.xlsx",
            findings=pd.DataFrame({"code": []}),
            fills=no_fills,
            summary={},
        )
    with pytest.raises(ValueError, match="lacks columns"):
        annotate_workbook(
            small,
            tmp_path / "out.xlsx",
            findings=findings_frame(),
            fills=pd.DataFrame({"sheet": []}),
            summary={},
        )


# -- macro-enabled input -------------------------------------------------------------------

MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
MACRO_TEMPLATE = "application/vnd.ms-excel.template.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
VBA_TYPE = "application/vnd.ms-office.vbaProject"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"


def make_xlsm(xlsx: Path, xlsm: Path, main: str = MACRO_MAIN) -> Path:
    """Turn an .xlsx into an .xlsm: a vbaProject part, its relationship and content types."""
    out = io.BytesIO()
    with zipfile.ZipFile(xlsx) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                text = data.decode().replace(XLSX_MAIN, main)
                text = text.replace(
                    "<Default ", f'<Default Extension="bin" ContentType="{VBA_TYPE}"/><Default ', 1
                )
                data = text.encode()
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rIdVba" Type="{VBA_REL}" Target="vbaProject.bin"/>'
                    "</Relationships>".encode(),
                )
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    xlsm.write_bytes(out.getvalue())
    return xlsm


@pytest.fixture(params=[MACRO_MAIN, MACRO_TEMPLATE], ids=["xlsm", "xltm"])
def xlsm_case(small: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Case:
    return annotate_xlsm(small, tmp_path, request.param)


def annotate_xlsm(small: Path, tmp_path: Path, main: str) -> Case:
    src = make_xlsm(small, tmp_path / "macro.xlsm", main)
    with zipfile.ZipFile(src) as z:
        assert "xl/vbaProject.bin" in z.namelist()
        assert main in z.read("[Content_Types].xml").decode()
    records = [
        at_cell("value-missing", DATA, "B5", what="ผล", what_en="Result"),
        at_cell("value-unreadable", DATA, "B4", value="=1+1", expected="ตัวเลข"),
    ]
    return annotate_case(
        src, tmp_path / "macro-annotated.xlsx", records, [], dropped_parts=("xl/vbaProject.bin",)
    )


def test_xlsm_gives_a_macro_free_xlsx_and_says_so(xlsm_case: Case) -> None:
    with zipfile.ZipFile(xlsm_case.dst) as z:
        assert z.testzip() is None
        names = z.namelist()
        types = z.read("[Content_Types].xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    assert not [n for n in names if "vba" in n.lower()]
    assert XLSX_MAIN in types and "macroEnabled" not in types and VBA_TYPE not in types
    assert "template" not in types
    assert "vbaProject" not in rels
    assert list(xlsm_case.returned["code"]) == ["file-part-dropped"]
    assert list(xlsm_case.returned["value"]) == ["xl/vbaProject.bin"]
    copy = load(xlsm_case.dst)
    _, rows = report_rows(copy[L.REPORT_SHEET])
    assert {row[4].value for row in rows} == {
        "file-part-dropped",
        "value-missing",
        "value-unreadable",
    }
    assert at(copy[DATA], "B5").comment is not None
    assert_copy_preserves(xlsm_case)


# -- a real spreadsheet client -------------------------------------------------------------


def test_libreoffice_opens_the_annotated_copies(
    template_case: Case, small: Path, tmp_path: Path
) -> None:
    """One LibreOffice run (it fails, never skips, without LibreOffice) on two copies."""
    xlsm_case = annotate_xlsm(small, tmp_path, MACRO_MAIN)
    outputs = recalculate([template_case.dst, xlsm_case.dst], tmp_path / "lo")
    for out, case in zip(outputs, (template_case, xlsm_case), strict=True):
        assert out.is_file() and out.stat().st_size > 0
        book = openpyxl.load_workbook(out)
        assert book.sheetnames[0] == L.REPORT_SHEET
        ws = book[L.REPORT_SHEET]
        assert "รายงานผลการตรวจ" in str(ws["A1"].value)
        _, rows = report_rows(ws)
        assert {row[4].value for row in rows} == set(case.findings["code"]) | set(
            case.returned["code"]
        )
        messages = {row[6].value for row in rows}
        assert set(case.findings["message_th"]) <= messages
    # A text that looks like a formula is still text after LibreOffice saved the copy.
    _, rows = report_rows(openpyxl.load_workbook(outputs[1])[L.REPORT_SHEET])
    injected = [row[5] for row in rows if row[5].value == "=1+1"]
    assert len(injected) == 1 and injected[0].data_type == "s"
    form = openpyxl.load_workbook(outputs[0])[L.FORM_SHEET]
    cells = form_cells(template_case.src)
    # LibreOffice recalculated everything; kpixl's filled values are plain values now.
    assert form[cells["score"]].value == 6.0 and form[cells["level_1"]].value == 3
