"""The annotated copy: findings marked, scores as cached values, a report first, the rest
untouched byte for byte."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from libreoffice import fill_and_save, to_csv
from python_calamine import CalamineWorkbook

from kpixl import layout as L
from kpixl.annotate import (
    AUTHOR,
    COMPLETE_TEXT,
    NOTHING_TO_SCORE,
    SEVERITY_FILL,
    WAITING_FOR_CENTRE,
    annotate_workbook,
    severity_label,
)
from kpixl.cells import cell_ref, parse_cell
from kpixl.findings import FINDING_COLUMNS, finding, findings_frame
from kpixl.master import master_from_csv
from kpixl.patch import record as R
from kpixl.patch.package import Package
from kpixl.patch.sheet import Worksheet
from kpixl.patch.workbook import Workbook as PatchWorkbook
from kpixl.templates import write_division_workbook

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "sample_workbooks/source/nakhonsawan_2565"
SAMPLES = sorted(
    p for p in (ROOT / "sample_workbooks/filled").glob("*.xlsx") if "BROKEN" not in p.name
)
DATA = "ข้อมูล กอง"  # a space: links must quote the sheet name
INJECTIONS = ("=1+1", '=HYPERLINK("http://evil.example","คลิก")', "+66", "@SUM(A1)")
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
SUMMARY: dict[str, Any] = {
    "division_code": "COM",
    "division_name": "กองกิจการสภา",
    "fiscal_year_be": 2565,
    "total": 3.45,
    "score_100": 69.0,
    "complete": False,
    "kpis": 9,
    "unscored": 2,
    "source": "kpixl_2565_COM.xlsx",
    "checked_at": dt.datetime(2022, 10, 20, 9, 30),
}
NO_FILLS: list[tuple[str, str, Any]] = []


# -- helpers -------------------------------------------------------------------------------


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> part name."""
    with zipfile.ZipFile(path) as z:
        book = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    found = {}
    for sheet in book.iter(f"{M}sheet"):
        target = targets[sheet.get(R_ID)]
        found[sheet.get("name", "")] = (
            target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        )
    return found


def cells(xml: bytes) -> dict[str, dict[str, Any]]:
    """Every <c> of a sheet part: style, type, formula, value, inline text."""
    found = {}
    for c in ET.fromstring(xml).iter(f"{M}c"):
        f, v = c.find(f"{M}f"), c.find(f"{M}v")
        found[c.get("r", "")] = {
            "s": c.get("s", "0"),
            "t": c.get("t", "n"),
            "f": None if f is None else (f.text, dict(f.attrib)),
            "v": None if v is None else v.text or "",
            "is": "".join(t.text or "" for t in c.iter(f"{M}t")),
        }
    return found


def form_cells(path: Path) -> dict[str, str]:
    """A1 addresses in a division workbook's scoring form, found through its key row."""
    ws = openpyxl.load_workbook(path)[L.FORM_SHEET]
    keys = {str(c.value): c.column for c in ws[6] if c.value}
    rows = [c.row for c in ws["A"] if c.row > 6 and c.value not in (None, "")]
    labels = {c.value: c.row for c in ws["A"] if c.value in (L.TOTAL_LABEL, L.SCORE_LABEL)}
    first, total, score = rows[0], labels[L.TOTAL_LABEL], labels[L.SCORE_LABEL]

    def ref(row: int, key: str) -> str:
        return cell_ref(row, keys[key])

    return {
        "result_1": ref(first, "result"),
        "result_2": ref(first + 1, "result"),
        "level_1": ref(first, "level"),
        "level_2": ref(first + 1, "level"),
        "weighted_1": ref(first, "weighted"),
        "total": ref(total, "weighted"),
        "score": ref(score, "weighted"),
        "name_1": ref(first, "name"),
    }


def at_cell(code: str, sheet: str, address: str, **params: Any) -> dict[str, Any]:
    row, column = parse_cell(address)
    return finding(code, source="in.xlsx", sheet=sheet, row=row, column=column, **params)


def annotate(
    src: Path,
    dst: Path,
    records: list[dict[str, Any]],
    fills: list[tuple[str, str, Any]],
    *,
    summary: dict[str, Any] | None = None,
    dropped_parts: tuple[str, ...] = (),
    extra: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    frame = findings_frame(records)
    for column, values in (extra or {}).items():
        frame[column] = values
    return annotate_workbook(
        src,
        dst,
        findings=frame,
        fills=pd.DataFrame(fills, columns=["sheet", "cell", "value"]),
        summary=SUMMARY if summary is None else summary,
        dropped_parts=dropped_parts,
    )


def report_rows(path: Path) -> tuple[int, list[list[Any]]]:
    ws = openpyxl.load_workbook(path)[L.REPORT_SHEET]
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "ระดับ")
    rows = [[ws.cell(r, c) for c in range(1, 10)] for r in range(header + 1, ws.max_row + 1)]
    return header, rows


def summary_values(path: Path) -> dict[str, Any]:
    ws = openpyxl.load_workbook(path)[L.REPORT_SHEET]
    return {
        str(ws.cell(r, 1).value): ws.cell(r, 3).value for r in range(4, 30) if ws.cell(r, 1).value
    }


def fill_colour(path: Path, sheet: str, address: str) -> str:
    cell = openpyxl.load_workbook(path)[sheet][address]
    return str(cell.fill.fgColor.rgb)[-6:]


def small_workbook(path: Path) -> Path:
    """Comments, merged cells, formulas, a hidden and a very hidden sheet (xlsxwriter)."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    unlocked = book.add_format({"locked": False, "bg_color": "#FFF2CC", "num_format": "0.00"})
    money = book.add_format({"num_format": "#,##0.00"})
    data = book.add_worksheet(DATA)
    data.merge_range("A1:D1", "แบบทดสอบ", book.add_format({"bold": True}))
    for row, (label, value) in enumerate([("ตัวตั้ง", 40), ("ตัวหาร", 50), ("ร้อยละ", 80)], 2):
        data.write_string(row, 0, label)
        data.write_number(row, 1, value, unlocked)
    data.write_formula("B6", "=SUM(B3:B5)", money, 170)
    data.write_formula("C6", "=B6*2", money, 340)
    data.write_comment("A3", "หมายเหตุของกอง: ตรวจแล้ว", {"author": "สมชาย"})
    data.merge_range("A12:B13", "ช่องรวม")
    data.protect("secret")
    data.repeat_rows(1)
    book.add_worksheet("สรุป").write_formula("A1", f"='{DATA}'!B6", None, 170)
    book.worksheets()[1].hide()
    secret = book.add_worksheet("ลับ")
    secret.write_string("A1", "very hidden")
    secret.very_hidden()
    book.define_name("ผลรวม", f"='{DATA}'!$B$6")
    data.activate()
    book.close()
    return path


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082"
)


def rich_workbook(path: Path) -> Path:
    """A chart, a picture and a list validation from another sheet (Excel writes it as an
    x14 extension), on a kpixl-like sheet."""
    book = xlsxwriter.Workbook(str(path))
    data = book.add_worksheet("ข้อมูล")
    lists = book.add_worksheet("รายการ")
    for row, (label, value) in enumerate([("ก", 1), ("ข", 3), ("ค", 2)]):
        data.write_string(row, 0, label)
        data.write_number(row, 1, value)
        lists.write_string(row, 0, label)
    data.write_formula("B5", "=SUM(B1:B3)", None, 6)
    data.data_validation("C1:C3", {"validate": "list", "source": "='รายการ'!$A$1:$A$3"})
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "='ข้อมูล'!$B$1:$B$3", "categories": "='ข้อมูล'!$A$1:$A$3"})
    data.insert_chart("E2", chart)
    data.insert_image("E20", "logo.png", {"image_data": io.BytesIO(PNG)})
    book.close()
    return path


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("template") / "kpixl_2565_COM.xlsx"
    return write_division_workbook(master_from_csv(SOURCE), "COM", out)


@pytest.fixture(scope="module")
def lo_rich(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rich workbook as LibreOffice saves it (other part names, prefixes, strings)."""
    folder = tmp_path_factory.mktemp("lo")
    return fill_and_save(
        rich_workbook(folder / "rich.xlsx"), folder / "rich_lo.xlsx", {("ข้อมูล", "B2"): 4}
    )


def template_job(path: Path) -> tuple[list[dict[str, Any]], list[tuple[str, str, Any]]]:
    c = form_cells(path)
    form = L.FORM_SHEET
    records = [
        at_cell("value-missing", form, c["result_1"], kpi_id="1", what="ผล", what_en="Result"),
        at_cell("value-normalised", form, c["result_1"], kpi_id="1", value="๘๐", normalised=80),
        at_cell("value-in-gap", form, c["result_2"], kpi_id="2", value=3.5, level=3),
        at_cell("locked-field-changed", form, c["name_1"], kpi_id="1", field="ชื่อ"),
        at_cell("not-signed-off", "แผ่นที่ไม่มี", "B2"),
        finding("template-outdated", source="in.xlsx", value=0, expected=1),
    ]
    fills = [
        (form, c["level_1"], 3),
        (form, c["weighted_1"], 0.3),
        (form, c["level_2"], None),
        (form, c["total"], 0.3),
        (form, c["score"], 6.0),
    ]
    return records, fills


# -- what changes and what does not --------------------------------------------------------

FIXED = {
    "xl/styles.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "[Content_Types].xml",
    "docProps/app.xml",
}


def assert_only_allowed_parts_change(src: Path, dst: Path, touched: set[str]) -> None:
    before, after = parts(src), parts(dst)
    names = sheet_parts(src)
    allowed = FIXED | {names[s] for s in touched if s in names}
    allowed |= {n for n in after if n.startswith(("xl/comments", "xl/drawings/vmlDrawing"))}
    allowed |= {n for n in after if n.startswith("xl/worksheets/_rels/")}
    with zipfile.ZipFile(src) as z:
        selected = {
            n
            for n in before
            if (n.startswith("xl/worksheets/sheet") and b'tabSelected="1"' in z.read(n))
            or b'tabSelected="true"' in z.read(n)
        }
    allowed |= selected
    allowed.add(sheet_parts(dst)[L.REPORT_SHEET])
    for name, data in before.items():
        if name in allowed:
            continue
        assert name in after, name
        assert after[name] == data, f"{name} changed"
    assert not set(before) - set(after) - allowed


def _has_form(path: Path) -> bool:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return L.FORM_SHEET in book.sheetnames
    finally:
        book.close()


SCORED = [p for p in SAMPLES if _has_form(p)]
"""The samples with a scoring form (a target-sheet-only workbook has none)."""


@pytest.mark.parametrize("sample", SCORED, ids=[p.stem for p in SCORED])
def test_samples_change_only_the_parts_they_must(sample: Path, tmp_path: Path) -> None:
    records, fills = template_job(sample)
    dst = tmp_path / "out.xlsx"
    assert annotate(sample, dst, records, fills).empty
    assert_only_allowed_parts_change(sample, dst, {L.FORM_SHEET, L.META_SHEET})
    assert_only_intended_cells_change(sample, dst, records, fills)


def test_a_target_sheet_only_sample_changes_only_its_target_sheet(tmp_path: Path) -> None:
    sample = ROOT / "sample_workbooks/filled/KRABI_target_sheet.xlsx"
    assert sample not in SCORED
    target = L.TARGET_SHEET
    records = [
        at_cell("value-missing", target, "E8", kpi_id="01", what="แผน", what_en="Plan"),
        at_cell("not-signed-off", target, "C11"),
    ]
    dst = tmp_path / "out.xlsx"
    assert annotate(sample, dst, records, []).empty
    assert_only_allowed_parts_change(sample, dst, {target, L.META_SHEET})
    assert_only_intended_cells_change(sample, dst, records, [])


def test_libreoffice_and_x14_packages_keep_chart_picture_and_validation(
    lo_rich: Path, tmp_path: Path
) -> None:
    xlsxwriter_rich = rich_workbook(tmp_path / "rich.xlsx")
    records = [at_cell("value-unreadable", "ข้อมูล", "B2", value="x", expected="ตัวเลข")]
    fills = [("ข้อมูล", "B5", 7.0)]
    for src in (lo_rich, xlsxwriter_rich):
        dst = tmp_path / f"{src.stem}.checked.xlsx"
        annotate(src, dst, records, fills)
        assert_only_allowed_parts_change(src, dst, {"ข้อมูล"})
        after = parts(dst)
        assert any(n.startswith("xl/charts/chart") for n in after)
        assert any(n.startswith("xl/media/") for n in after)
        xml = after[sheet_parts(dst)["ข้อมูล"]]
        assert b"$A$1:$A$3" in xml  # the list validation is still there
        assert cells(xml)["B5"]["f"] is not None and cells(xml)["B5"]["v"] == "7"
        assert_only_intended_cells_change(src, dst, records, fills)


def assert_only_intended_cells_change(
    src: Path, dst: Path, records: list[dict[str, Any]], fills: list[tuple[str, str, Any]]
) -> None:
    before, after = parts(src), parts(dst)
    names = sheet_parts(src)
    book = openpyxl.load_workbook(src)

    def top_left(sheet: str, address: str) -> tuple[str, str]:
        if sheet in book.sheetnames:
            for merged in book[sheet].merged_cells.ranges:
                if address in merged:
                    return sheet, cell_ref(merged.min_row, merged.min_col)
        return sheet, address

    marked = {top_left(r["sheet"], r["cell"]) for r in records if r["cell"]}
    filled = {top_left(s, c): v for s, c, v in fills}
    for sheet, part in names.items():
        if sheet == L.META_SHEET:
            continue
        old, new = cells(before[part]), cells(after[part])
        for ref in set(old) | set(new):
            key = (sheet, ref)
            if key not in marked and key not in filled:
                assert old.get(ref) == new.get(ref), key
                continue
            was, now = old.get(ref) or {"s": "0", "f": None}, new[ref]
            if key in marked:
                assert now["s"] != was["s"], key
            else:
                assert now["s"] == was["s"], key
            if key in filled:
                assert now["f"] == was["f"], key  # a formula stays a formula
                if was["f"] is not None and filled[key] is None:
                    assert (now["t"], now["v"]) == ("str", ""), key
            else:
                assert {k: now[k] for k in ("f", "v", "is", "t")} == {
                    k: was.get(k, now[k]) for k in ("f", "v", "is", "t")
                }, key


def test_formulas_keep_their_formula_and_carry_the_filled_values(
    template: Path, tmp_path: Path
) -> None:
    records, fills = template_job(template)
    dst = tmp_path / "out.xlsx"
    annotate(template, dst, records, fills)
    c = form_cells(template)
    formulas = openpyxl.load_workbook(dst)[L.FORM_SHEET]
    for key in ("level_1", "weighted_1", "total", "score"):
        assert str(formulas[c[key]].value).startswith("="), key
    cached = openpyxl.load_workbook(dst, data_only=True)[L.FORM_SHEET]
    assert cached[c["level_1"]].value == 3 and cached[c["score"]].value == 6.0
    values = CalamineWorkbook.from_path(str(dst)).get_sheet_by_name(L.FORM_SHEET).to_python()
    row, column = parse_cell(c["weighted_1"])
    assert values[row - 1][column - 1] == 0.3
    level2_row, level2_col = parse_cell(c["level_2"])
    assert values[level2_row - 1][level2_col - 1] == ""
    with zipfile.ZipFile(dst) as z:
        assert b'fullCalcOnLoad="1"' in z.read("xl/workbook.xml")


# -- marks, comments and the report ---------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return small_workbook(tmp_path / "small.xlsx")


def test_marks_comments_and_merged_cells(small: Path, tmp_path: Path) -> None:
    dst = tmp_path / "out.xlsx"
    records = [
        at_cell("value-out-of-range", DATA, "B3", value=140, minimum=0, maximum=100),
        at_cell("value-above-rubric", DATA, "B4", value=99),
        at_cell(
            "value-unreadable", DATA, "B4", value="x", expected="ตัวเลข", expected_en="a number"
        ),
        at_cell("value-normalised", DATA, "A3", value="๔๐", normalised=40),  # has a note
        at_cell("reported-value-mismatch", DATA, "B13", value=1, computed=2),  # in A12:B13
        at_cell("not-signed-off", DATA, "XFE1"),  # beyond the last column
    ]
    annotate(small, dst, records, [(DATA, "B12", "ผ่าน")])
    book = openpyxl.load_workbook(dst)
    data = book[DATA]
    assert fill_colour(dst, DATA, "B3") == SEVERITY_FILL["error"]
    assert fill_colour(dst, DATA, "A3") == SEVERITY_FILL["info"]
    assert fill_colour(dst, DATA, "A12") == SEVERITY_FILL["warning"]
    # A fill of a cell hidden inside a merged range is left out: the range's top-left cell
    # keeps what it shows (it is the division's, not kpixl's).
    assert data["A12"].value == "ช่องรวม"
    both = data["B4"].comment
    assert both is not None and both.author == AUTHOR
    assert both.text.startswith(severity_label("error"))  # the worst first, in words
    assert both.text.index(records[2]["message_th"]) < both.text.index(records[1]["message_th"])
    assert records[1]["message_en"] in both.text
    kept = data["A3"].comment
    assert kept is not None and kept.author == "สมชาย"
    assert kept.text.startswith("หมายเหตุของกอง: ตรวจแล้ว") and "— kpixl —" in kept.text
    assert not data["B3"].protection.locked  # still an input cell of a protected sheet
    assert data.protection.sheet


def test_report_sheet_first_active_linked_and_counted(template: Path, tmp_path: Path) -> None:
    records, fills = template_job(template)
    dst = tmp_path / "out.xlsx"
    extra = {"actor": ["division"] * 5 + ["centre"], "kpi_name": ["ชื่อ"] * 6}
    annotate(template, dst, records, fills, extra=extra)
    book = openpyxl.load_workbook(dst)
    assert book.sheetnames[0] == L.REPORT_SHEET and book.active.title == L.REPORT_SHEET
    assert [s.title for s in book.worksheets if s.sheet_view.tabSelected] == [L.REPORT_SHEET]
    header, rows = report_rows(dst)
    assert len(rows) == len(records)
    assert {r[8].value for r in rows} == {r["code"] for r in records}
    assert {r[5].value for r in rows} == {"กอง", "ส่วนกลาง"}
    linked = [r for r in rows if r[2].hyperlink is not None]
    assert len(linked) == 4
    for row in linked:
        assert row[2].hyperlink.location == f"'{row[1].value}'!{row[2].value}"
    values = summary_values(dst)
    assert values["ตรวจเมื่อ"] == "20 ต.ค. 2565 09:30"
    assert values[f"{severity_label('error')} (ช่องสีนี้)"] == 2
    ws = book[L.REPORT_SHEET]
    assert ws.freeze_panes == f"A{header + 1}"
    assert ws.print_title_rows == f"${header}:${header}"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert ws.oddFooter.center.text == "หน้า &P / &N" and ws.oddFooter.center.size == 14
    assert ws.auto_filter.ref == f"A{header}:I{header + len(rows)}"
    assert ws["A1"].font.name == "TH Sarabun New" and ws["A1"].font.sz == 16
    assert rows[0][6].font.sz == 14 and rows[0][6].alignment.wrap_text
    # Print titles of the other sheets still name their own sheets after the shift.
    for ws in book.worksheets[1:]:
        if ws.print_title_rows:
            assert ws.title in str(book.defined_names) or ws.print_title_rows


def test_the_time_of_checking_is_shown_in_bangkok_time(small: Path, tmp_path: Path) -> None:
    """kpixl records when it checked in UTC; the clerk reads Bangkok time (UTC+7), whatever
    the zone of the machine that checked."""
    dst = tmp_path / "out.xlsx"
    moment = dt.datetime(2026, 11, 30, 20, 15, tzinfo=dt.UTC)
    annotate(small, dst, [], [], summary={"checked_at": moment})
    assert summary_values(dst)["ตรวจเมื่อ"] == "1 ธ.ค. 2569 03:15"


def test_nothing_to_score_and_numpy_values(small: Path, tmp_path: Path) -> None:
    dst = tmp_path / "out.xlsx"
    summary = {
        "kpis": np.int64(0),
        "complete": False,
        "total": None,
        "checked_at": "2026-12-01 10:55",
    }
    annotate(small, dst, [], [(DATA, "C6", np.float64(2.5)), (DATA, "B6", pd.NA)], summary=summary)
    values = summary_values(dst)
    assert values["ความครบถ้วน"] == NOTHING_TO_SCORE
    assert values["ตรวจเมื่อ"] == "1 ธ.ค. 2569 10:55"
    cached = openpyxl.load_workbook(dst, data_only=True)[DATA]
    assert cached["C6"].value == 2.5 and cached["B6"].value in (None, "")


@pytest.mark.parametrize(
    ("unscored", "shown"), [(1, WAITING_FOR_CENTRE), (2, COMPLETE_TEXT[False]), (0, None)]
)
def test_a_score_incomplete_only_for_the_centre_tells_the_division_to_wait(
    small: Path, tmp_path: Path, unscored: int, shown: str | None
) -> None:
    """A KPI whose criteria the centre must correct is not the division's to fix: when such
    KPIs are all that is not scored, the report says the division need do nothing."""
    dst = tmp_path / "out.xlsx"
    records = [at_cell("kpi-unscorable", DATA, "C6", kpi_id="4", problem="x", problem_en="x")]
    summary = {"kpis": 5, "unscored": unscored, "complete": unscored == 0, "total": 3.5}
    annotate(small, dst, records, [], summary=summary)
    values = summary_values(dst)
    assert values["ความครบถ้วน"] == (shown or COMPLETE_TEXT[True])


@pytest.mark.parametrize("text", INJECTIONS)
def test_user_text_never_becomes_a_formula(small: Path, tmp_path: Path, text: str) -> None:
    rec = at_cell("value-unreadable", DATA, "B3", value=text, expected=text)
    rec.update(kpi_id=text, message_th=text, message_en=text)
    dst = tmp_path / "out.xlsx"
    annotate(small, dst, [rec], [(DATA, "B4", text)], summary={**SUMMARY, "division_name": text})
    report = parts(dst)[sheet_parts(dst)[L.REPORT_SHEET]]
    assert b"<f>" not in report and b"<f " not in report
    assert openpyxl.load_workbook(dst)[DATA]["B4"].value == text
    assert openpyxl.load_workbook(dst)[DATA]["B4"].data_type == "s"


def test_control_characters_and_long_text_are_made_safe(small: Path, tmp_path: Path) -> None:
    rec = at_cell("value-unreadable", DATA, "B3", value="a\x01b", expected="x")
    rec["message_th"] = "ก" * 40_000
    dst = tmp_path / "out.xlsx"
    annotate(small, dst, [rec], [(DATA, "B4", "c\x0bd")])
    assert openpyxl.load_workbook(dst)[DATA]["B4"].value == "c\ufffdd"
    _, rows = report_rows(dst)
    assert len(rows[0][6].value) == 32_767 and rows[0][6].value.endswith("…")


def test_input_is_never_written_and_bad_requests_are_refused(small: Path, tmp_path: Path) -> None:
    digest = hashlib.sha256(small.read_bytes()).hexdigest()
    with pytest.raises(ValueError, match="over its input"):
        annotate(small, small, [], NO_FILLS)
    with pytest.raises(ValueError, match=r"always \.xlsx"):
        annotate(small, tmp_path / "out.xlsm", [], NO_FILLS)
    with pytest.raises(ValueError, match="does not exist"):
        annotate(small, tmp_path / "out.xlsx", [], [("ไม่มี", "A1", 1)])
    with pytest.raises(ValueError, match="severities"):
        annotate(
            small,
            tmp_path / "out.xlsx",
            [{**finding("not-signed-off"), "severity": "fatal"}],
            NO_FILLS,
        )
    with pytest.raises(ValueError, match="lacks columns"):
        annotate_workbook(
            small,
            tmp_path / "out.xlsx",
            findings=pd.DataFrame({"code": []}),
            fills=pd.DataFrame(),
            summary={},
        )
    assert hashlib.sha256(small.read_bytes()).hexdigest() == digest
    assert not (tmp_path / "out.xlsx").exists()


# -- macros and the fallback ----------------------------------------------------------------

MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
VBA_TYPE = "application/vnd.ms-office.vbaProject"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"


def rewrite(src: Path, dst: Path, change: Any, extra: dict[str, bytes] | None = None) -> Path:
    out = io.BytesIO()
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as b:
        for info in a.infolist():
            b.writestr(info, change(info.filename, a.read(info.filename)))
        for name, data in (extra or {}).items():
            b.writestr(name, data)
    dst.write_bytes(out.getvalue())
    return dst


def test_a_copy_is_written_with_the_older_objects_left_out_of_full_collections(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full pass of the collector over pandas and the rest costs several copies' time:
    while a copy is written, the objects there before are frozen (and only then)."""
    seen: list[int] = []
    save = Package.save

    def saving(self: Package, target: Path) -> None:
        seen.append(gc.get_freeze_count())
        save(self, target)

    monkeypatch.setattr(Package, "save", saving)
    assert gc.get_freeze_count() == 0
    annotate(small, tmp_path / "out.xlsx", [], NO_FILLS)
    assert len(seen) == 1 and seen[0] > 0
    assert gc.get_freeze_count() == 0
    with pytest.raises(ValueError, match="does not exist"):
        annotate(small, tmp_path / "again.xlsx", [], [("ไม่มี", "A1", 1)])
    assert gc.get_freeze_count() == 0


def test_xlsm_gives_a_macro_free_xlsx_and_says_so(small: Path, tmp_path: Path) -> None:
    def change(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            text = data.decode().replace(XLSX_MAIN, MACRO_MAIN)
            return text.replace(
                "<Default ", f'<Default Extension="bin" ContentType="{VBA_TYPE}"/><Default ', 1
            ).encode()
        if name == "xl/_rels/workbook.xml.rels":
            rel = f'<Relationship Id="rIdVba" Type="{VBA_REL}" Target="vbaProject.bin"/>'
            return data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
        return data

    src = rewrite(
        small,
        tmp_path / "macro.xlsm",
        change,
        {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(508)},
    )
    dst = tmp_path / "out.xlsx"
    returned = annotate(src, dst, [at_cell("value-missing", DATA, "B5", what="ผล")], NO_FILLS)
    assert list(returned.columns) == FINDING_COLUMNS
    assert list(returned["code"]) == ["file-part-dropped"] and "VBA" in returned["value"].iloc[0]
    after = parts(dst)
    assert not [n for n in after if "vba" in n.lower()]
    assert (
        XLSX_MAIN.encode() in after["[Content_Types].xml"]
        and b"macroEnabled" not in after["[Content_Types].xml"]
    )
    assert b"vbaProject" not in after["xl/_rels/workbook.xml.rels"]
    _, rows = report_rows(dst)
    assert {r[8].value for r in rows} == {"file-part-dropped", "value-missing"}


def test_a_package_the_patcher_refuses_goes_through_openpyxl(small: Path, tmp_path: Path) -> None:
    """Cells without references (r), as some generators write them: openpyxl counts."""

    def change(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            import re

            return re.sub(rb'(<c) r="[A-Z]+[0-9]+"', rb"\1", data)
        return data

    src = rewrite(small, tmp_path / "no-refs.xlsx", change)
    dst = tmp_path / "out.xlsx"
    returned = annotate(
        src,
        dst,
        [at_cell("value-missing", DATA, "B5", what="ผล")],
        [(DATA, "C6", 1.5)],
        dropped_parts=("รูปร่าง",),
    )
    assert list(returned["value"]) == ["รูปร่าง"]
    book = openpyxl.load_workbook(dst)
    assert book.sheetnames[0] == L.REPORT_SHEET
    assert fill_colour(dst, DATA, "B5") == SEVERITY_FILL["error"]
    _, rows = report_rows(dst)
    assert "file-part-dropped" in {r[8].value for r in rows}


def test_a_broken_package_is_an_unusable_file(tmp_path: Path) -> None:
    from kpixl.safety import UnusableFile

    src = tmp_path / "broken.xlsx"
    src.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(UnusableFile):
        annotate(src, tmp_path / "out.xlsx", [], NO_FILLS)


# -- the correction loop --------------------------------------------------------------------


def set_value(src: Path, dst: Path, sheet: str, address: str, value: float) -> Path:
    """A division's edit of one cell, as Excel would make it (style and the rest kept)."""
    part = sheet_parts(src)[sheet]

    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        import re

        pattern = re.compile(rb'<c r="' + address.encode() + rb'"([^>]*?)(/>|>.*?</c>)', re.S)
        match = pattern.search(data)
        assert match is not None
        attrs = re.sub(rb'\st="[^"]*"', b"", match.group(1)).rstrip(b"/")
        new = (
            b'<c r="'
            + address.encode()
            + b'"'
            + attrs
            + b"><v>"
            + str(value).encode()
            + b"</v></c>"
        )
        return data[: match.start()] + new + data[match.end() :]

    return rewrite(src, dst, change)


def test_reannotating_a_corrected_copy_leaves_no_trace_of_fixed_findings(
    template: Path, tmp_path: Path
) -> None:
    records, fills = template_job(template)
    c = form_cells(template)
    first = tmp_path / "first.checked.xlsx"
    annotate(template, first, records, fills)
    # The record keeps each original byte once: a marked cell's XML is in its splices only.
    pkg = Package.open(first)
    book = PatchWorkbook(pkg)
    record = R.recorded(R.read_meta(pkg, book))
    pkg.close()
    assert record is not None
    part = sheet_parts(template)[L.FORM_SHEET]
    was = "".join(w for _, w, _ in record["parts"][part]["splices"])
    source = Package.open(template)
    original_cells = Worksheet(source, part).cells()
    source.close()
    assert {c["cell"] for c in record["cells"]} >= {c["result_1"], c["result_2"]}
    for item in record["cells"]:
        assert set(item) == {"sheet", "cell", "xf", "filled"}
        old = original_cells.get(parse_cell(item["cell"]))
        assert old is None or old.xml.decode() in was
    # Annotating the copy again with the same findings gives the same parts.
    again = tmp_path / "again.checked.xlsx"
    annotate(first, again, records, fills)
    assert parts(again) == parts(first)
    # The division fixes result_1 and sends the copy back; result_2 is still wrong.
    fixed = set_value(first, tmp_path / "fixed.xlsx", L.FORM_SHEET, c["result_1"], 85)
    remaining = [r for r in records if r["cell"] != c["result_1"]]
    second = tmp_path / "second.checked.xlsx"
    annotate(fixed, second, remaining, fills)
    part = sheet_parts(template)[L.FORM_SHEET]
    original, now = cells(parts(template)[part]), cells(parts(second)[part])
    assert now[c["result_1"]]["s"] == original[c["result_1"]]["s"]
    assert now[c["result_1"]]["v"] == "85"
    book = openpyxl.load_workbook(second)
    form = book[L.FORM_SHEET]
    assert form[c["result_1"]].comment is None
    note = form[c["result_2"]].comment
    assert note is not None and note.text.count(records[2]["message_th"]) == 1
    assert fill_colour(second, L.FORM_SHEET, c["result_2"]) == SEVERITY_FILL["warning"]
    assert book.sheetnames.count(L.REPORT_SHEET) == 1
    _, rows = report_rows(second)
    assert len(rows) == len(remaining)
    # Styles do not pile up: the style sheet is the first copy's, not bigger.
    assert len(parts(second)["xl/styles.xml"]) <= len(parts(first)["xl/styles.xml"]) + 200


def test_the_record_takes_rows_of_its_own_and_gives_the_hidden_sheet_back(
    template: Path, tmp_path: Path
) -> None:
    """The record goes after every row of the hidden sheet, empty ones too (as openpyxl
    leaves them), so that taking it away gives the sheet back byte for byte."""
    part = sheet_parts(template)[L.META_SHEET]
    last = max(int(n) for n in re.findall(rb'<row r="(\d+)"', parts(template)[part]))
    empty = f'<row r="{last + 1}"/><row r="{last + 2}" ht="20" customHeight="1"></row>'.encode()

    def with_empty_rows(name: str, data: bytes) -> bytes:
        return data.replace(b"</sheetData>", empty + b"</sheetData>") if name == part else data

    src = rewrite(template, tmp_path / "rows.xlsx", with_empty_rows)
    records, fills = template_job(template)
    copy = tmp_path / "rows.checked.xlsx"
    annotate(src, copy, records, fills)
    pkg = Package.open(copy)
    book = PatchWorkbook(pkg)
    meta = R.read_meta(pkg, book)
    assert meta is not None and min(r for r, (k, _) in meta.rows.items() if k in R.KEYS) > last + 2
    R.restore(pkg, book, R.recorded(meta), meta)
    assert pkg.read(part) == parts(src)[part]
    pkg.close()


def test_merged_result_and_level_cells_are_marked_at_their_top_left(
    template: Path, tmp_path: Path
) -> None:
    """Issue 7 item 13: a division merged its result, value and level cells (J7:L7 in the
    old layout's spirit: result and level side by side) and the level cells of two rows."""
    c = form_cells(template)
    book = openpyxl.load_workbook(template)
    form = book[L.FORM_SHEET]
    row, column = parse_cell(c["result_1"])
    level_row, level_column = parse_cell(c["level_2"])
    form.merge_cells(start_row=row, start_column=column, end_row=row, end_column=column + 1)
    form.merge_cells(
        start_row=level_row,
        start_column=level_column,
        end_row=level_row + 1,
        end_column=level_column,
    )
    form.cell(row, column).value = 80
    merged = tmp_path / "merged.xlsx"
    book.save(merged)
    dst = tmp_path / "out.xlsx"
    hidden_level = c["level_1"]  # inside the merged result
    annotate(
        merged,
        dst,
        [
            at_cell("value-missing", L.FORM_SHEET, hidden_level, what="ผล"),
            at_cell("value-in-gap", L.FORM_SHEET, cell_ref(level_row + 1, level_column), level=2),
        ],
        [
            (L.FORM_SHEET, hidden_level, 3),  # hidden by the merge: left out
            (L.FORM_SHEET, c["level_2"], 4),  # the merged range's own cell
            (L.FORM_SHEET, cell_ref(level_row + 1, level_column), 5),  # hidden: left out
        ],
    )
    # findings are marked at the top-left cell of the range that hides their cell
    assert fill_colour(dst, L.FORM_SHEET, c["result_1"]) == SEVERITY_FILL["error"]
    assert openpyxl.load_workbook(dst)[L.FORM_SHEET][c["result_1"]].comment is not None
    assert fill_colour(dst, L.FORM_SHEET, c["level_2"]) == SEVERITY_FILL["warning"]
    cached = openpyxl.load_workbook(dst, data_only=True)[L.FORM_SHEET]
    assert cached[c["result_1"]].value == 80  # what the division typed is kept
    assert cached[c["level_2"]].value == 4


# -- a real spreadsheet client --------------------------------------------------------------


def copies(
    template: Path, lo_rich: Path, folder: Path
) -> Iterator[tuple[Path, list[dict[str, Any]]]]:
    records, fills = template_job(template)
    annotate(template, folder / "template.checked.xlsx", records, fills)
    yield folder / "template.checked.xlsx", records
    lo_records = [at_cell("value-unreadable", "ข้อมูล", "B2", value="x", expected="ตัวเลข")]
    annotate(lo_rich, folder / "lo.checked.xlsx", lo_records, [("ข้อมูล", "B5", 7.0)])
    yield folder / "lo.checked.xlsx", lo_records


def test_libreoffice_opens_every_copy_and_shows_the_findings(
    template: Path, lo_rich: Path, tmp_path: Path
) -> None:
    made = list(copies(template, lo_rich, tmp_path))
    exported = to_csv([p for p, _ in made], tmp_path / "csv")
    for path, records in made:
        report = exported[path.resolve()][L.REPORT_SHEET].read_text(encoding="utf-8")
        for rec in records:
            assert rec["message_th"] in report
        openpyxl.load_workbook(path)  # and openpyxl reads it without a warning


def test_the_report_prints_on_a4_at_nine_points_or_more(template: Path, tmp_path: Path) -> None:
    import pdfplumber
    from pdf import to_pdf

    records, fills = template_job(template)
    many = records * 8  # a report longer than one page: the header repeats
    dst = tmp_path / "report.checked.xlsx"
    annotate(template, dst, many, fills)
    (pdf,) = to_pdf([dst], tmp_path / "pdf")
    with pdfplumber.open(pdf) as document:
        # Thai text extracts mangled from PDF; the English header marks the report pages.
        pages = [p for p in document.pages if "Message (English)" in (p.extract_text() or "")]
        assert len(pages) >= 2
        for page in pages:
            assert (round(page.width), round(page.height)) == (842, 595)  # A4 landscape
            sizes = [ch["size"] for ch in page.chars if ch["text"].strip()]
            assert min(sizes) >= 9, min(sizes)
