"""Reading returned division workbooks: cells and addresses, robustness to what divisions do
to a workbook, formulas, merged cells, dates, Thai text, the hidden sheet, macro packages,
and a workbook filled and saved by LibreOffice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import math
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hostile
import openpyxl
import pandas as pd
import pytest
from build_samples import fill_edu, fill_fin
from hypothesis import given
from hypothesis import strategies as st
from libreoffice import fill_and_save, recalculate

from kpixl import layout as L
from kpixl import reader
from kpixl.cells import cell_ref, parse_cell
from kpixl.evaluation import evaluate
from kpixl.fill import Filler
from kpixl.master import Master, division_definitions, fingerprint, text_fingerprint
from kpixl.reader import CELL_COLUMNS, WorkbookData, read_workbook
from kpixl.safety import UnusableFile
from kpixl.workbook import RUN_COLUMNS, Runs, cells_frame

FORM, DATA, TARGET, META = L.FORM_SHEET, L.DATA_SHEET, L.TARGET_SHEET, L.META_SHEET


def fill(template: Path, out: Path, *steps: Callable[[Filler], Any]) -> Path:
    filler = Filler(template)
    for step in steps:
        step(filler)
    filler.save(out)
    return out


def at(book: WorkbookData, table: str, kpi_id: str, field: str) -> dict[str, Any]:
    """The one cell read for (table, kpi_id, field), with its A1 address."""
    cells = book.cells
    rows = cells[cells["table"].eq(table) & cells["kpi_id"].eq(kpi_id) & cells["field"].eq(field)]
    assert len(rows) == 1, (table, kpi_id, field, len(rows))
    rec = dict(rows.iloc[0])
    rec["cell"] = cell_ref(int(rec["row"]), int(rec["column"]))
    return rec


def extras(f: Filler) -> None:
    """Values beyond build_samples' clean FIN: Thai text, Thai digits, a date as text."""
    f.target("1.1", {"success_factor": "ส่งรายงานตรงเวลา ๑๒ เดือน", "plan_2562": "๑๒"})
    f.target("8", {"success_factor": "ผ่านเกณฑ์ LPA ทุกด้าน"})
    f.form("3", "๙๘.๖๗")  # KPI 3 reported with Thai digits, as text
    f.data("6", "this_year", "๑๓๒,๕๐๐,๐๐๐")


@pytest.fixture(scope="module")
def fin_filled(templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("filled") / "FIN.xlsx"
    return fill(templates["FIN"], out, fill_fin, extras)


# --- the template and a filled workbook ---------------------------------------------------


def test_a_template_reads_as_its_meta_definitions_and_empty_inputs(
    templates: dict[str, Path], master: Master
) -> None:
    book = read_workbook(templates["FIN"])
    assert list(book.cells.columns) == CELL_COLUMNS
    assert book.source == "kpixl_2565_FIN.xlsx"
    assert book.division_code == "FIN"
    assert book.fiscal_year_be == 2565
    assert book.meta["kpixl"] == L.MARKER
    assert book.meta["template_version"] == str(L.TEMPLATE_VERSION)
    assert book.meta["division_name"] == "กองคลัง"
    assert "definitions" not in book.meta
    assert book.definitions == division_definitions(master, "FIN")
    assert book.meta["fingerprint"] == fingerprint(division_definitions(master, "FIN"))
    assert book.findings.empty
    assert book.trusted and book.altered is None
    assert not book.macro_enabled and not book.checked_copy
    assert set(book.cells["sheet"]) == {FORM, DATA, TARGET}  # the hidden sheet is not a table
    assert set(book.cells["table"]) == {"form", "data", "target", "signoff"}
    # 23 form rows of the 14 fields read (not the help column), the two total rows; 11
    # target rows of every target field
    form = book.cells[book.cells["table"].eq("form")]
    assert len(form) == 23 * (len(L.FORM_FIELDS) - len(L.UNREAD_FIELDS)) + 2
    target = book.cells[book.cells["table"].eq("target")]
    assert len(target) == 11 * len(L.target_fields(2565))
    # every input is blank: None, never NaN, on every sheet
    cells = book.cells
    inputs = cells[cells["table"].isin(["data", "signoff"]) | cells["field"].isin(["m10", "total"])]
    blank = inputs[inputs["formula"].eq("")]
    assert set(blank["table"]) == {"data", "target", "signoff"}
    assert len(blank) > 80
    assert all(v is None for v in blank["raw"])
    assert not blank["percent"].any() and not blank["cached"].any()
    assert set(blank["error"]) == {""}
    # xlsxwriter writes no result for a formula: the template's formulas are uncalculated
    # (a returned workbook's formulas have been calculated by Excel or LibreOffice).
    formulas = cells[cells["formula"].ne("")]
    assert len(formulas) > 50 and not formulas["cached"].any()


@pytest.mark.parametrize(
    ("table", "kpi_id", "field", "cell", "raw", "formula"),
    [
        ("form", "1.1", "kpi_id", "A7", "1.1", ""),
        ("form", "1.1", "name", "C7", "ระยะเวลาการจัดส่งรายงานทางการเงินประจำทุกเดือน", ""),
        ("form", "1.1", "level_1", "E7", "ภายในวันที่ ๓๐ ของเดือนถัดไป", ""),
        # Template version 2 (FORM_FIELDS): result J, (ก) K, (ข) L, (ค) M, the value N.
        ("form", "1.1", "result", "J7", None, "=IF(ISNUMBER('ข้อมูลประกอบ'!$D$19),"),
        ("form", "1.2", "result", "J8", None, ""),
        ("form", "1.1", "level", "K7", None, "=IF(ISNUMBER(N7),"),
        ("form", "1.1", "weight", "L7", 10.0, ""),
        ("form", "1.1", "weighted", "M7", None, '=IF(ISNUMBER(K7),K7*L7/100,"")'),
        ("form", "1.1", "value", "N7", None, '=IF(ISNUMBER(J7),ROUND(J7,2),"")'),
        ("form", "8", "kpi_id", "A29", "8", ""),
        ("form", "", "total", "M30", None, '=IF(COUNT(M7:M29)=0,"",SUM(M7:M29))'),
        ("form", "", "score_100", "M31", None, '=IF(ISNUMBER(M30),M30*20,"")'),
        ("data", "1.1", "month:10", "D7", None, ""),
        ("data", "1.1", "month:9", "D18", None, ""),
        ("data", "1.1", "computed", "D19", None, "=IF(COUNT(F7:F18)=12,MAX(F7:F18),"),
        ("data", "2.1.1", "numerator", "D22", None, ""),
        ("data", "8", "step:1", "D128", None, ""),
        ("target", "1.1", "kpi_id", "A8", "1.1", ""),
        ("target", "1.1", "m10", "E8", None, ""),
        ("target", "2.1", "total", "U10", None, ""),
        ("target", "8", "success_factor", "AH18", None, ""),
        # The sign-off values: right of their labels' merged range A:B.
        ("signoff", "", "signed_off", "C20", None, ""),
        ("signoff", "", "signed_on", "C22", None, ""),
    ],
)
def test_template_cells_and_addresses(
    templates: dict[str, Path],
    table: str,
    kpi_id: str,
    field: str,
    cell: str,
    raw: Any,
    formula: str,
) -> None:
    got = at(read_workbook(templates["FIN"]), table, kpi_id, field)
    assert got["cell"] == cell
    assert got["raw"] == raw if raw is not None else got["raw"] is None
    assert got["formula"].startswith(formula)
    assert bool(got["formula"]) == bool(formula)
    sheet = {"form": FORM, "data": DATA}.get(table, TARGET)
    assert got["sheet"] == sheet


FILLED = [
    # (table, kpi_id, field, cell, raw as read)
    ("form", "1.2", "result", "J8", dt.date(2022, 11, 20)),  # a real date cell
    ("form", "2.1.1", "result", "J9", 3.8),
    ("form", "3", "result", "J17", "๙๘.๖๗"),  # Thai digits typed as text stay text
    ("form", "6", "result", "J20", 5.16),
    ("data", "1.1", "month:10", "D7", dt.date(2021, 11, 12)),
    ("data", "1.1", "month:9", "D18", dt.date(2022, 10, 17)),
    ("data", "2.1.1", "numerator", "D22", 9_500_000.0),
    ("data", "2.1.1", "denominator", "D23", 250_000_000.0),
    ("data", "4", "step:5", "D71", "✓"),
    ("data", "5", "step:5", "D79", L.NOT_DONE),
    ("data", "6", "this_year", "D83", "๑๓๒,๕๐๐,๐๐๐"),
    ("data", "6", "last_year", "D84", 126_000_000.0),
    ("target", "1.1", "success_factor", "AH8", "ส่งรายงานตรงเวลา ๑๒ เดือน"),
    ("target", "1.1", "plan_2562", "V8", "๑๒"),
    ("target", "2.1", "m10", "E10", 2.0),
    ("target", "2.1", "q4", "T10", 14.0),
    ("target", "2.1", "total", "U10", 14.0),
    ("target", "2.1", "result_2564", "AA10", 84.0),
    ("target", "3", "total", "U12", 1200.0),
    ("target", "8", "success_factor", "AH18", "ผ่านเกณฑ์ LPA ทุกด้าน"),
    ("signoff", "", "signed_off", "C20", L.SIGNOFF_YES),
    ("signoff", "", "signed_by", "C21", "นางอวยพร สุขไสย"),
    ("signoff", "", "signed_on", "C22", dt.date(2022, 10, 14)),
]


@pytest.mark.parametrize(("table", "kpi_id", "field", "cell", "raw"), FILLED)
def test_filled_values_at_their_cells(
    fin_filled: Path, table: str, kpi_id: str, field: str, cell: str, raw: Any
) -> None:
    got = at(read_workbook(fin_filled), table, kpi_id, field)
    assert got["cell"] == cell
    assert got["raw"] == raw
    assert type(got["raw"]) is type(raw)
    assert got["formula"] == ""


def test_a_chunks_cells_are_one_frame_of_every_books_cells(
    fin_filled: Path, templates: dict[str, Path]
) -> None:
    books = [read_workbook(fin_filled), read_workbook(templates["EDU"], source="edu.xlsx")]
    together = cells_frame(books)
    keys = dict.fromkeys(["source", "kpi_id", "table", "field"], str)  # categories of its own
    alone = pd.concat([b.cells.astype(keys) for b in books], ignore_index=True)
    assert together.astype(keys).equals(alone)
    assert list(together.columns) == CELL_COLUMNS
    assert together["source"].cat.categories.tolist() == [b.source for b in books]
    assert together["source"].value_counts().to_dict() == {
        b.source: len(b.cell_columns["sheet"]) for b in books
    }
    # a blank stays None (not NaN) and a date a date, beside numbers and texts
    assert together["raw"].dtype == object
    raws = {type(v) for v in together["raw"]}
    assert {type(None), float, str, dt.date} <= raws
    assert together[["row", "column"]].dtypes.tolist() == ["int64", "int64"]
    assert together[["percent", "cached"]].dtypes.tolist() == [bool, bool]
    assert cells_frame([]).columns.tolist() == CELL_COLUMNS and cells_frame([]).empty


def test_a_rows_sheet_table_kpi_and_row_are_read_as_runs(fin_filled: Path) -> None:
    book = read_workbook(fin_filled)
    columns = book.cell_columns
    cells = len(columns["field"])
    for name in RUN_COLUMNS:
        runs = columns[name]
        assert isinstance(runs, Runs)
        assert len(runs) == cells and len(runs.values) == len(runs.counts)
        # a run per row read at most, consecutive equal runs joined
        assert len(runs.values) < cells / 3
    keys = list(zip(*(columns[name].values for name in RUN_COLUMNS), strict=True))
    assert all(a != b for a, b in itertools.pairwise(keys))
    # each cell still has its own value, as the frame of the workbook shows
    frame = book.cells
    for name in RUN_COLUMNS:
        assert list(columns[name]) == frame[name].astype(object).tolist()
        assert columns[name][-1] == frame[name].iloc[-1]


def test_cells_as_runs_make_the_frame_that_cells_one_by_one_make(
    fin_filled: Path, templates: dict[str, Path]
) -> None:
    books = [read_workbook(fin_filled), read_workbook(templates["EDU"], source="edu.xlsx")]
    # the second workbook's columns one value per cell, as any other maker may give them
    plain = dataclasses.replace(
        books[1], cell_columns={k: list(v) for k, v in books[1].cell_columns.items()}
    )
    assert not any(isinstance(v, Runs) for v in plain.cell_columns.values())
    pd.testing.assert_frame_equal(cells_frame([books[0], plain]), cells_frame(books))
    runs = Runs(("a", "b", "c"), (2, 1, 3))
    assert list(runs) == runs[:] == ["a", "a", "b", "c", "c", "c"] and len(runs) == 6
    assert (runs[1], runs[2], runs[-1], runs[-4]) == ("a", "b", "c", "b")
    with pytest.raises(IndexError):
        runs[6]
    assert len(Runs((), ())) == 0


def test_a_source_name_can_be_given(fin_filled: Path) -> None:
    book = read_workbook(fin_filled, source="กองคลัง ส่งกลับ.xlsx")
    assert book.source == "กองคลัง ส่งกลับ.xlsx"
    assert set(book.cells["source"]) == {"กองคลัง ส่งกลับ.xlsx"}
    assert book.path == fin_filled


def test_dates_typed_as_text_and_with_a_time(templates: dict[str, Path], tmp_path: Path) -> None:
    def edu(f: Filler) -> None:
        f.form("4", "17 ธ.ค. 2564")

    def fin(f: Filler) -> None:
        f.data("1.1", "month:10", dt.datetime(2021, 11, 12, 16, 45))
        f.data("1.1", "month:11", "๑๐/๑๒/๒๕๖๔")

    book = read_workbook(fill(templates["EDU"], tmp_path / "EDU.xlsx", edu))
    assert at(book, "form", "4", "result")["raw"] == "17 ธ.ค. 2564"
    book = read_workbook(fill(templates["FIN"], tmp_path / "FIN.xlsx", fin))
    assert at(book, "data", "1.1", "month:10")["raw"] == dt.datetime(2021, 11, 12, 16, 45)
    assert at(book, "data", "1.1", "month:11")["raw"] == "๑๐/๑๒/๒๕๖๔"


# --- what divisions do to a workbook ------------------------------------------------------


def test_inserted_rows_and_columns_and_a_moved_signoff_block(
    fin_filled: Path, tmp_path: Path
) -> None:
    before = read_workbook(fin_filled).cells
    book = openpyxl.load_workbook(fin_filled)
    form, data, target = book[FORM], book[DATA], book[TARGET]
    form.insert_rows(2, 2)  # two rows above the key row: every row from 2 moves down 2
    form.insert_rows(11, 1)  # a blank row between KPI rows (old row 9, now 11)
    form.insert_cols(3, 1)  # a column between issue (B) and name (C)
    data.insert_rows(1, 3)
    data.insert_cols(1, 2)
    # the sign-off block (A20:E22: labels merged over A:B, values over C:E) cut and pasted
    # 4 rows lower and 3 columns to the right, before a column and a row are inserted on
    # the target sheet
    for merged in [r for r in target.merged_cells.ranges if r.min_row >= 20]:
        target.unmerge_cells(str(merged))
    target.move_range("A20:E22", rows=4, cols=3)
    target.insert_cols(5, 1)  # a column before ต.ค. (E)
    target.insert_rows(4, 1)
    moved = tmp_path / "moved.xlsx"
    book.save(moved)
    after = read_workbook(moved).cells

    keys = ["sheet", "table", "kpi_id", "field"]
    both = before.merge(after, on=keys, how="outer", suffixes=("", "_new"), indicator=True)
    assert (both["_merge"] == "both").all()  # every cell is found again, no cell is new
    for rec in both.to_dict("records"):
        assert rec["raw"] == rec["raw_new"] or rec["raw"] is rec["raw_new"] is None, rec
        assert rec["formula"] == rec["formula_new"], rec
        row, column = rec["row"], rec["column"]
        if rec["table"] == "form":
            shift = (2 if row < 9 else 3, 1 if column >= 3 else 0)
        elif rec["table"] == "data":
            shift = (3, 2)
        elif rec["table"] == "target":
            shift = (1 if row >= 4 else 0, 1 if column >= 5 else 0)
        else:  # the sign-off block: moved by (4, 3), then the inserted row and column
            shift = (4 + 1, 3 + 1)
        assert (rec["row_new"] - row, rec["column_new"] - column) == shift, rec

    book_after = read_workbook(moved)
    assert at(book_after, "form", "1.2", "result")["cell"] == "K10"
    assert at(book_after, "form", "1.2", "result")["raw"] == dt.date(2022, 11, 20)
    assert at(book_after, "form", "2.1.1", "result")["cell"] == "K12"
    assert at(book_after, "form", "", "total")["cell"] == "N33"
    assert at(book_after, "data", "2.1.1", "numerator")["cell"] == "F25"
    assert at(book_after, "target", "2.1", "m10")["cell"] == "F11"
    assert at(book_after, "signoff", "", "signed_by")["cell"] == "G26"
    assert at(book_after, "signoff", "", "signed_by")["raw"] == "นางอวยพร สุขไสย"


@pytest.mark.parametrize(
    ("column", "value"),
    # The labels are merged over A:B, the values over C:E (openpyxl leaves the merged
    # ranges where they were): a column inserted inside the label's range or just after
    # it moves the value to D; one inserted after the value's first cell leaves it in C.
    [(2, "D"), (3, "D"), (4, "C")],
)
def test_a_column_inserted_between_the_signoff_label_and_its_value(
    fin_filled: Path, tmp_path: Path, column: int, value: str
) -> None:
    book = openpyxl.load_workbook(fin_filled)
    book[TARGET].insert_cols(column)
    book.save(tmp_path / "inserted.xlsx")
    read = read_workbook(tmp_path / "inserted.xlsx")
    assert at(read, "signoff", "", "signed_off")["cell"] == f"{value}20"
    assert at(read, "signoff", "", "signed_off")["raw"] == L.SIGNOFF_YES
    assert at(read, "signoff", "", "signed_on")["raw"] == dt.date(2022, 10, 14)
    assert "not-signed-off" not in set(evaluate([read]).findings["code"])


def test_a_deleted_kpi_row_is_kpi_row_missing(
    fin_filled: Path, master: Master, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(fin_filled)
    book[FORM].delete_rows(17)  # KPI 3, a ratio: its supporting data are still there
    book[FORM].delete_rows(8)  # KPI 1.2, a date typed on the form: nothing else to score
    deleted = tmp_path / "deleted.xlsx"
    book.save(deleted)
    read = read_workbook(deleted)
    form = read.cells[read.cells["table"].eq("form")]
    assert not form["kpi_id"].isin(["1.2", "3"]).any()
    assert at(read, "form", "2.1.1", "kpi_id")["cell"] == "A8"  # the rows below moved up
    assert at(read, "form", "4", "kpi_id")["cell"] == "A16"

    evaluation = evaluate([read], master)
    findings = evaluation.findings
    missing = findings[findings["code"] == "kpi-row-missing"]
    assert set(zip(missing["sheet"], missing["cell"], missing["kpi_id"], strict=True)) == {
        (FORM, "", "1.2"),
        (FORM, "", "3"),
    }
    kpis = evaluation.kpis.set_index("kpi_id")
    assert pd.isna(kpis.loc["1.2", "level"])
    assert kpis.loc["1.2", "status"] == "missing"
    assert not evaluation.totals["complete"].item()
    # the other KPIs are read and scored as in the untouched workbook, at their new rows
    full = evaluate([read_workbook(fin_filled)], master).kpis.set_index("kpi_id")
    others = [k for k in full.index if k != "1.2"]
    assert kpis.loc[others, "level"].tolist() == full.loc[others, "level"].tolist()
    assert kpis.loc["3", "level"] == 5  # 1184 of 1200 from the supporting data: 98.67 %
    assert kpis.loc["4", "level_row"] == 16
    # (ก), (ค) and the value used are filled in on KPI 4's new row
    assert set(evaluation.fills["cell"]) >= {"K16", "M16", "N16"}


def test_merged_cells_are_read_from_their_top_left_cell(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    def merge(f: Filler) -> None:
        f.target("3", {"m10": 100, "m11": 100, "m12": 100})
        f.target("4", {"success_factor": "ทำงานเป็นทีม"})
        f.form("3", 98.5)
        sheet = f.book[TARGET]
        sheet.merge_cells("E12:G12")  # the three months of Q1 of KPI 3: one value left
        sheet.merge_cells("AH13:AH14")  # a success factor over two KPI rows
        f.book[FORM].merge_cells("J17:J18")  # a result merged down over the next KPI's

    book = read_workbook(fill(templates["FIN"], tmp_path / "merged.xlsx", merge))
    assert at(book, "target", "3", "m10")["raw"] == 100.0
    assert at(book, "target", "3", "m11")["raw"] is None
    assert at(book, "target", "3", "m12")["raw"] is None
    assert at(book, "target", "4", "success_factor")["raw"] == "ทำงานเป็นทีม"
    assert at(book, "target", "5", "success_factor")["raw"] is None
    assert at(book, "form", "3", "result")["raw"] == 98.5
    assert at(book, "form", "4", "result")["raw"] is None
    assert at(book, "form", "4", "result")["formula"] == ""  # the merge removed the formula


# --- formulas -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recalculated(templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A filled workbook recalculated and saved by LibreOffice: every formula has a cached
    value (xlsxwriter caches nothing useful)."""
    folder = tmp_path_factory.mktemp("recalculated")
    filled = fill(templates["EDU"], folder / "EDU.xlsx", fill_edu)
    (out,) = recalculate([filled], folder / "out")
    return out


def test_a_formula_is_read_by_its_cached_value_with_its_text(
    recalculated: Path, master: Master
) -> None:
    # Item 5 of issue 7: a formula's cached result is the value the workbook shows, and
    # kpixl reads it (before, raw was None for every formula cell).
    cached = openpyxl.load_workbook(recalculated, data_only=True)[FORM]
    assert cached["N7"].value == 90  # the value used of KPI 1: 18 × 100 / 20
    assert cached["K7"].value == 5
    assert cached["M7"].value == pytest.approx(0.85)
    assert cached["J13"].value == 5  # milestones: the result is a formula too
    book = read_workbook(recalculated)
    for field, cell, raw, text in (
        ("value", "N7", 90, "=IF(IF(COUNT("),
        ("level", "K7", 5, "=IF(ISNUMBER(N7)"),
        ("weighted", "M7", 0.85, "=IF(ISNUMBER(K7),K7*L7/100,"),
    ):
        got = at(book, "form", "1", field)
        assert (got["cell"], got["raw"], got["cached"]) == (cell, pytest.approx(raw), True)
        assert got["formula"].startswith(text)
        assert got["error"] == ""
    milestone = at(book, "form", "6", "result")
    assert (milestone["cell"], milestone["raw"], milestone["cached"]) == ("J13", 5, True)
    assert milestone["formula"].startswith("=IF(ISNUMBER(")
    computed = at(book, "data", "1", "computed")
    assert computed["raw"] == 90 and computed["formula"].startswith("=IF(AND(ISNUMBER(")
    total = at(book, "form", "", "total")
    assert total["formula"] == '=IF(COUNT(M7:M13)=0,"",SUM(M7:M13))'
    assert total["raw"] == pytest.approx(4.58) and total["cached"]
    # the typed inputs are values as before
    assert at(book, "data", "1", "numerator")["raw"] == 18.0
    assert at(book, "data", "1", "numerator")["formula"] == ""
    assert at(book, "form", "4", "result")["raw"] == dt.date(2021, 12, 17)
    # The template's own formulas are not the division's: no finding on them.
    evaluation = evaluate([book], master)
    assert not set(evaluation.findings["code"]) & {"value-from-formula", "formula-not-calculated"}
    assert evaluation.totals["total"].item() == pytest.approx(4.58)


_MAIN_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _prefixed(sheet: bytes, prefix: bytes) -> bytes:
    """The sheet with its own namespace bound to ``prefix`` and every one of its elements
    named with it (as the Open XML SDK can write them)."""
    assert _MAIN_NS in sheet
    bound = sheet.replace(_MAIN_NS, b"xmlns:" + prefix + _MAIN_NS[5:], 1)
    return re.sub(rb"<(/?)([A-Za-z][\w.-]*)(?=[\s/>])", rb"<\1" + prefix + rb":\2", bound)


def test_sheets_whose_elements_are_prefixed_read_the_same(
    recalculated: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(recalculated) as package:
        sheets = {
            n: _prefixed(package.read(n), b"x")
            for n in package.namelist()
            if n.startswith("xl/worksheets/sheet")
        }
    assert sum(xml.count(b"<x:f ") for xml in sheets.values()) > 20
    prefixed = hostile.rewrite_parts(recalculated, tmp_path / "prefixed.xlsx", sheets)
    plain, read = read_workbook(recalculated), read_workbook(prefixed)
    assert read.cells.drop(columns="source").equals(plain.cells.drop(columns="source"))
    assert plain.cells["formula"].ne("").sum() > 20 and plain.cells["cached"].sum() > 20


def test_a_formula_in_a_cdata_section_is_a_formula(recalculated: Path, tmp_path: Path) -> None:
    """No spreadsheet writes one, but XML allows it: the cell stays a formula cell."""
    with zipfile.ZipFile(recalculated) as package:
        sheets = {
            n: re.sub(rb"(<f[^>]*>)([^<]+)</f>", rb"\1<![CDATA[\2]]></f>", package.read(n))
            for n in package.namelist()
            if n.startswith("xl/worksheets/sheet")
        }
    assert sum(xml.count(b"<![CDATA[") for xml in sheets.values()) > 20
    wrapped = hostile.rewrite_parts(recalculated, tmp_path / "cdata.xlsx", sheets)
    plain, read = read_workbook(recalculated), read_workbook(wrapped)
    formulas = plain.cells["formula"].ne("")
    assert formulas.sum() > 20
    assert read.cells["formula"].ne("").equals(formulas)
    assert read.cells["cached"].equals(plain.cells["cached"])
    assert read.cells["raw"].equals(plain.cells["raw"])


def test_a_value_typed_over_a_formula_is_read_as_a_value(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    def typed(f: Filler) -> None:
        f.form("1", 4, field="level")
        f.form("1", 0.68, field="weighted")
        f.form("6", 3)  # the milestone result is a formula in the template
        f.book[FORM]["M14"] = 99  # รวม
        f.book[FORM]["M15"] = "๙๙"  # the score, as text

    book = read_workbook(fill(templates["EDU"], tmp_path / "typed.xlsx", typed))
    for field, kpi_id, cell, raw in (
        ("level", "1", "K7", 4.0),
        ("weighted", "1", "M7", 0.68),
        ("result", "6", "J13", 3.0),
        ("total", "", "M14", 99.0),
        ("score_100", "", "M15", "๙๙"),
    ):
        got = at(book, "form", kpi_id, field)
        assert (got["cell"], got["raw"], got["formula"]) == (cell, raw, "")
    assert at(book, "form", "2", "level")["formula"].startswith("=IF(")


# --- the hidden sheet ---------------------------------------------------------------------


def definitions_rows(f: Filler) -> list[Any]:
    return [row for row in f.book[META].iter_rows() if row[0].value == "definitions"]


def test_definitions_over_several_chunks(
    templates: dict[str, Path], master: Master, tmp_path: Path
) -> None:
    chunks: list[int] = []

    def count(f: Filler) -> None:
        chunks.append(len(definitions_rows(f)))

    # FIN's definitions (over 60,000 characters) do not fit one cell of 32,767: chunks of
    # 30,000 characters
    text = json.dumps(division_definitions(master, "FIN"), ensure_ascii=False, sort_keys=True)
    book = read_workbook(fill(templates["FIN"], tmp_path / "two.xlsx", count))
    assert chunks == [math.ceil(len(text) / 30000)] and chunks[0] > 1
    assert book.definitions == division_definitions(master, "FIN")
    assert book.findings.empty

    def rechunk(f: Filler) -> None:
        sheet = f.book[META]
        rows = definitions_rows(f)
        text = "".join(str(r[1].value) for r in rows)
        first = rows[0][0].row
        sheet.delete_rows(first, len(rows))
        size = len(text) // 6  # seven chunks, some starting or ending with a space
        for n, start in enumerate(range(0, len(text), size)):
            sheet.cell(first + n, 1).value = "definitions"
            sheet.cell(first + n, 2).value = text[start : start + size]

    book = read_workbook(fill(templates["FIN"], tmp_path / "seven.xlsx", rechunk, count))
    assert chunks[-1] == 7
    assert book.definitions == division_definitions(master, "FIN")
    assert book.findings.empty


def test_definitions_embedded_as_an_older_template_wrote_them_are_intact(
    templates: dict[str, Path], master: Master, tmp_path: Path
) -> None:
    """A template embeds the canonical JSON, whose own hash is the fingerprint; an older one
    wrote the same definitions spaced out (``", "``, ``": "``): they are still the centre's."""
    spaced: list[str] = []

    def respace(f: Filler) -> None:
        (row,) = definitions_rows(f)
        text = str(row[1].value)
        assert fingerprint(json.loads(text)) == text_fingerprint(text)  # canonical as made
        row[1].value = json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True)
        spaced.append(row[1].value)

    book = read_workbook(fill(templates["EDU"], tmp_path / "spaced.xlsx", respace))
    assert text_fingerprint(spaced[0]) != book.meta["fingerprint"]  # the slower path is taken
    assert book.trusted and book.intact
    assert book.definitions == division_definitions(master, "EDU")
    assert book.findings.empty


def test_tampered_definitions_are_fingerprint_mismatch(
    templates: dict[str, Path], master: Master, tmp_path: Path
) -> None:
    def tamper(f: Filler) -> None:
        (row,) = definitions_rows(f)
        text = str(row[1].value)
        assert text.count('"weight":"17"') == 4
        row[1].value = text.replace('"weight":"17"', '"weight":"20"', 1)

    book = read_workbook(fill(templates["EDU"], tmp_path / "tampered.xlsx", tamper))
    # The reader says what no longer matches; whether that matters depends on a master
    # being at hand, so the finding is the evaluation's.
    assert book.findings.empty
    assert book.altered == ("ข้อมูลตัวชี้วัด เกณฑ์ หรือค่าน้ำหนัก", "KPIs, criteria or weights")
    assert not book.trusted
    assert book.definitions is not None  # read, but not to be trusted
    assert [k["weight"] for k in book.definitions["kpis"]][:2] == ["20", "17"]
    # Without the master nothing in the file can be trusted: it is not scored (item 6).
    alone = evaluate([book])
    codes = alone.findings[["code", "sheet", "cell"]].to_records(index=False).tolist()
    assert ("fingerprint-mismatch", META, "") in codes
    assert alone.kpis.empty and pd.isna(alone.totals["total"].item())
    # With it, the centre's weights count and the difference is named.
    checked = evaluate([book], master)
    differs = checked.findings[checked.findings["code"].eq("differs-from-master")]
    assert differs[["kpi_id", "value"]].to_records(index=False).tolist() == [("1", "20")]
    assert "(“17”)" in differs["message_th"].item()
    assert checked.kpis.set_index("kpi_id").loc["1", "weight"] == 17


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[:-40],  # cut off
        lambda text: "{" + text,
        lambda text: "[1, 2, 3]",  # JSON, but not the definitions object
        lambda text: "",
    ],
    ids=["truncated", "broken", "not-an-object", "emptied"],
)
def test_unreadable_definitions(
    templates: dict[str, Path], tmp_path: Path, damage: Callable[[str], str]
) -> None:
    def spoil(f: Filler) -> None:
        (row,) = definitions_rows(f)
        row[1].value = damage(str(row[1].value)) or None

    book = read_workbook(fill(templates["EDU"], tmp_path / "spoilt.xlsx", spoil))
    assert book.definitions is None
    assert book.altered == ("อ่านข้อมูลกำกับไม่ได้", "the definitions cannot be read")
    assert book.findings.empty  # the evaluation reports it (see the tampered case)
    assert book.division_code == "EDU"  # the rest of the hidden sheet is still read
    assert book.fiscal_year_be == 2565
    assert at(book, "form", "1", "kpi_id")["cell"] == "A7"


def test_an_older_template_version_is_outdated(templates: dict[str, Path], tmp_path: Path) -> None:
    book = read_workbook(
        fill(templates["EDU"], tmp_path / "old.xlsx", lambda f: f.meta("template_version", "0"))
    )
    findings = book.findings
    assert list(zip(findings["code"], findings["sheet"], findings["value"], strict=True)) == [
        ("template-outdated", META, "0")
    ]
    assert findings["message_en"].item() == (
        f"This workbook was made from template version 0, older than {L.TEMPLATE_VERSION}."
    )


def remove_meta(f: Filler) -> None:
    del f.book[META]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (remove_meta, f"no sheet {META}"),
        (lambda f: f.meta("kpixl", "other-template"), "no kpixl marker"),
        (lambda f: f.meta("template_version", str(L.TEMPLATE_VERSION + 1)), "newer"),
        (lambda f: f.meta("template_version", "รุ่นแรก"), "no template version"),
    ],
    ids=["no-meta-sheet", "no-marker", "newer-version", "unreadable-version"],
)
def test_unknown_templates_are_unusable(
    templates: dict[str, Path], tmp_path: Path, change: Callable[[Filler], Any], reason: str
) -> None:
    path = fill(templates["EDU"], tmp_path / "unknown.xlsx", change)
    with pytest.raises(UnusableFile) as raised:
        read_workbook(path)
    assert raised.value.code == "file-unknown-template"
    assert reason in raised.value.params["reason"]


def test_a_plain_workbook_is_not_a_template(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    sheet["A1"], sheet["B1"] = "kpixl", L.MARKER
    book.save(tmp_path / "plain.xlsx")
    with pytest.raises(UnusableFile) as raised:
        read_workbook(tmp_path / "plain.xlsx")
    assert raised.value.code == "file-unknown-template"


# --- a macro-enabled package --------------------------------------------------------------


def macro_enabled(src: Path, dst: Path) -> Path:
    """``src`` as an .xlsm: a VBA project part, its relationship and the macro content types."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "[Content_Types].xml":
                text = data.decode()
                assert "spreadsheetml.sheet.main+xml" in text
                text = text.replace(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(
                    "<Default ",
                    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                    "<Default ",
                    1,
                )
                data = text.encode()
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
                    b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
                )
            zout.writestr(info, data)
        zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return dst


def test_a_macro_enabled_package_is_read_with_a_warning(fin_filled: Path, tmp_path: Path) -> None:
    book = read_workbook(macro_enabled(fin_filled, tmp_path / "FIN.xlsm"))
    assert book.macro_enabled
    findings = book.findings
    assert list(zip(findings["code"], findings["severity"], strict=True)) == [
        ("file-macro-enabled", "warning")
    ]
    plain = read_workbook(fin_filled)
    pd.testing.assert_frame_equal(
        book.cells.drop(columns="source"), plain.cells.drop(columns="source")
    )
    assert at(book, "data", "2.1.1", "numerator")["raw"] == 9_500_000.0


# --- a workbook filled and saved by LibreOffice -------------------------------------------

LO_FILL: list[tuple[str, str, str | None, str, Any]] = [
    # (table, kpi_id, data field, column key, value): EDU, every KPI and form A
    ("data", "1", "numerator", "input", 18),
    ("data", "1", "denominator", "input", 20),
    ("form", "1", None, "result", 90),
    ("data", "2", "numerator", "input", 11),
    ("data", "2", "denominator", "input", 12),
    ("form", "2", None, "result", 91.67),
    ("data", "3", "numerator", "input", 1480),
    ("data", "3", "denominator", "input", 1520),
    ("form", "3", None, "result", "๙๗.๓๗"),  # Thai digits as text
    ("form", "4", None, "result", dt.date(2021, 12, 17)),
    ("data", "5.1", "numerator", "input", 4_100_000),
    ("data", "5.1", "denominator", "input", 12_000_000),
    ("form", "5.1", None, "result", 34.17),
    ("data", "5.2", "numerator", "input", 21_500_000.5),
    ("data", "5.2", "denominator", "input", 45_000_000),
    ("form", "5.2", None, "result", 47.78),
    ("data", "6", "step:1", "input", "✓"),
    ("data", "6", "step:2", "input", "ทำแล้ว"),
    ("data", "6", "step:3", "input", "✓"),
    ("data", "6", "step:4", "input", L.NOT_DONE),
    ("data", "6", "step:5", "input", "✓"),  # out of order: does not count
    ("target", "1", None, "m10", 5),
    ("target", "1", None, "m11", "1,000"),  # Q1 has no total
    ("target", "1", None, "q2", 1005),  # a quarter total, no grand total
    ("target", "1", None, "plan_2563", "10 ครั้ง"),
    ("target", "1", None, "result_2564", 88.5),
    ("target", "1", None, "success_factor", "ครูและผู้ปกครองร่วมมือ ๑๐๐%"),
]
SIGNOFF = {"signed_off": L.SIGNOFF_YES, "signed_by": "นางสาวอร่าม วัฒนะ", "signed_on": "12/10/2565"}


def lo_cells(template: Path) -> dict[tuple[str, str], Any]:
    """(sheet, A1) → value of every cell LO_FILL and SIGNOFF type, found by the key rows."""
    filler = Filler(template)
    cells: dict[tuple[str, str], Any] = {}
    for table, kpi_id, data_field, column, value in LO_FILL:
        sheet, row, keys = filler._row(table, kpi_id, data_field)
        cells[(sheet.title, cell_ref(row, keys[column]))] = value
    target = filler.tables["target"][0]
    for row in target.iter_rows():
        for key, label in L.SIGNOFF_LABELS.items():
            if row[0].value == label:
                # right of the label's merged range A:B
                cells[(target.title, cell_ref(row[0].row, 3))] = SIGNOFF[key]
    return cells


def test_a_workbook_filled_and_saved_by_libreoffice(
    templates: dict[str, Path], master: Master, tmp_path: Path
) -> None:
    template = templates["EDU"]
    cells = lo_cells(template)
    assert len(cells) == len(LO_FILL) + 3
    by_openpyxl = tmp_path / "openpyxl" / "EDU.xlsx"
    by_openpyxl.parent.mkdir()
    shutil.copy(template, by_openpyxl)
    book = openpyxl.load_workbook(by_openpyxl)
    for (sheet, address), value in cells.items():
        book[sheet][address] = value
    book.save(by_openpyxl)
    by_libreoffice = fill_and_save(template, tmp_path / "libreoffice" / "EDU.xlsx", cells)

    ours = read_workbook(by_openpyxl, source="openpyxl.xlsx")
    theirs = read_workbook(by_libreoffice, source="libreoffice.xlsx")
    assert theirs.findings.empty
    assert theirs.definitions == division_definitions(master, "EDU")
    for (sheet, address), value in cells.items():
        row, column = parse_cell(address)
        for book_read in (ours, theirs):
            frame = book_read.cells
            hit = frame[
                frame["sheet"].eq(sheet) & frame["row"].eq(row) & frame["column"].eq(column)
            ]
            assert hit["raw"].tolist() == [value], (address, book_read.path)

    evaluation = evaluate([ours, theirs], master)
    kpis = evaluation.kpis.drop(columns="source")
    mine = kpis[evaluation.kpis["source"].eq(ours.source)].reset_index(drop=True)
    lo = kpis[evaluation.kpis["source"].eq(theirs.source)].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, lo)
    assert mine.set_index("kpi_id")["level"].to_dict() == {
        "1": 5, "2": 5, "3": 5, "4": 3, "5.1": 4, "5.2": 5, "6": 3,
    }  # fmt: skip
    totals = evaluation.totals.drop(columns="source")
    pd.testing.assert_frame_equal(
        totals.iloc[[0]].reset_index(drop=True), totals.iloc[[1]].reset_index(drop=True)
    )
    findings = evaluation.findings
    columns = ["sheet", "cell", "kpi_id", "code", "value"]
    pairs = [
        sorted(map(tuple, findings.loc[findings["source"].eq(s), columns].to_numpy().tolist()))
        for s in (ours.source, theirs.source)
    ]
    assert pairs[0] == pairs[1]
    assert {(code, cell) for _, cell, _, code, _ in pairs[0]} == {
        ("value-normalised", "J9"),
        ("value-normalised", "F8"),  # form A's "1,000" is read as 1000 (issue 7 item 8)
        ("milestone-out-of-order", "D36"),
        ("missing-quarter-total", "H8"),
        ("missing-grand-total", "U8"),
        ("invalid-characters", "X8"),
        ("missing-prior-result", "W8"),
        ("missing-prior-result", "Y8"),
    }
    # LibreOffice recalculated its copy: its own levels agree with kpixl's
    cached = openpyxl.load_workbook(by_libreoffice, data_only=True)[FORM]
    for rec in evaluation.kpis[evaluation.kpis["source"].eq(theirs.source)].to_dict("records"):
        assert cached.cell(int(rec["level_row"]), int(rec["level_column"])).value == rec["level"]
    assert json.loads(json.dumps(theirs.meta))["division_code"] == "EDU"


_GRID_VALUES = st.sampled_from(["", None, " ", "x", "\u00a0", 0.0, 1, False, dt.date(2022, 1, 5)])
_GRID_META = st.sampled_from(
    [reader._CellMeta(formula="=A1"), reader._CellMeta(error="#REF!"), reader._CellMeta(style=3)]
)


@given(
    st.lists(st.lists(_GRID_VALUES, max_size=7), max_size=9),
    st.dictionaries(st.tuples(st.integers(1, 10), st.integers(1, 8)), _GRID_META, max_size=6),
    st.lists(st.integers(1, 8), min_size=1, max_size=4, unique=True),
    st.integers(0, 3),
)
def test_answered_rows_are_the_rows_with_a_filled_cell(
    values: list[list[Any]],
    meta: dict[tuple[int, int], Any],
    columns: list[int],
    key_row: int,
) -> None:
    """The survey's row-wise test gives what the cell-wise rule gives, on short and long
    rows, blanks of every kind, and cells with a formula, an error or only a style."""
    grid = reader._Grid(values, meta, frozenset({3}), ())
    by_cell = {
        row
        for row in range(key_row + 1, len(values) + 1)
        if any(reader._filled(grid, row, column) for column in columns)
    }
    # (a formula or an error value below the last row calamine gave counts too)
    beyond = {
        r
        for (r, c), m in meta.items()
        if r > len(values) and r > key_row and c in columns and (m.formula or m.error)
    }
    assert reader._answered_rows(grid, columns, key_row) == by_cell | beyond


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_percent_styles_are_the_cell_formats_that_show_a_percentage(prefix: str) -> None:
    """The positions in cellXfs (not cellStyleXfs) whose number format shows a value × 100
    with a % sign: built-in 9 and 10, a custom code with a bare %, not a quoted or escaped
    one; any namespace prefix."""
    p = prefix
    ns = f' xmlns:x="{reader._MAIN[1:-1]}"' if prefix else f' xmlns="{reader._MAIN[1:-1]}"'
    styles = (
        f'<{p}styleSheet{ns}><{p}numFmts count="3">'
        f'<{p}numFmt numFmtId="164" formatCode="0.0%"/>'
        f'<{p}numFmt numFmtId="165" formatCode="0&quot;%&quot;"/>'
        f'<{p}numFmt numFmtId="166" formatCode="[Red]0\\%"/></{p}numFmts>'
        f'<{p}cellStyleXfs count="2"><{p}xf numFmtId="9"/><{p}xf numFmtId="10"/></{p}cellStyleXfs>'
        f'<{p}cellXfs count="6"><{p}xf numFmtId="0" fontId="0"/>'
        f'<{p}xf numFmtId="9" applyNumberFormat="1"><{p}alignment horizontal="center"/></{p}xf>'
        f'<{p}xf fontId="1" numFmtId="164"/><{p}xf numFmtId="165"/><{p}xf numFmtId="166"/>'
        f'<{p}xf numFmtId="10"></{p}xf></{p}cellXfs></{p}styleSheet>'
    ).encode()
    assert reader._percent_styles(styles) == {1, 2, 5}
    assert reader._percent_styles(b"<styleSheet/>") == frozenset()
