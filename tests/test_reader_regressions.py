"""Regressions of issue 7: what divisions do to a returned workbook that kpixl read wrongly.

Each test reproduces one wrong result of the issue on a division workbook of the bundled
master and says why the code before the restructuring (d67a843) failed it:

* item 4 — a backup copy of the form placed before the real one was read instead of it;
* item 5 — a formula typed in an input cell was "not filled", an Excel error value was
  "missing" (or vanished, on form A);
* item 6 — a hidden sheet whose fiscal year was blanked or whose division code was changed
  passed unnoticed (or crashed the batch);
* item 8 — form A cells such as "1.2.3", "1/2" or a lone "-" read as nothing with no
  finding, yet counted as filled; a deleted form A row went unnoticed;
* item 12 — a deleted hidden key row gave a false "row deleted" for every KPI; √ was no
  tick, and an unreadable tick was told to "enter numbers";
* item 13 — merged result and level cells.

The filled workbooks are built once per module; LibreOffice runs once, for the formulas.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from build_samples import fill_fin
from libreoffice import recalculate

from kpixl import layout as L
from kpixl.batch import run_batch
from kpixl.evaluation import Evaluation, evaluate
from kpixl.fill import Filler
from kpixl.master import Master
from kpixl.reader import read_workbook

FORM, DATA, TARGET, META = L.FORM_SHEET, L.DATA_SHEET, L.TARGET_SHEET, L.META_SHEET


def fill(template: Path, out: Path, *steps: Callable[[Filler], Any]) -> Path:
    filler = Filler(template)
    for step in steps:
        step(filler)
    filler.save(out)
    return out


def edit(src: Path, out: Path, change: Callable[[openpyxl.Workbook], Any]) -> Path:
    """``src`` changed with openpyxl, as a division changes a workbook in Excel."""
    book = openpyxl.load_workbook(src)
    change(book)
    book.save(out)
    return out


def at(findings: pd.DataFrame, code: str) -> set[tuple[str, str]]:
    """(sheet, cell) of every finding of ``code``."""
    hits = findings[findings["code"].eq(code)]
    return set(zip(hits["sheet"], hits["cell"], strict=True))


def codes_at(findings: pd.DataFrame, sheet: str, cell: str) -> set[str]:
    """The codes of the findings on one cell."""
    hits = findings[findings["sheet"].eq(sheet) & findings["cell"].eq(cell)]
    return set(hits["code"])


def levels(evaluation: Evaluation) -> dict[str, Any]:
    kpis = evaluation.kpis
    pairs = zip(kpis["kpi_id"], kpis["level"], strict=True)
    return {k: (None if pd.isna(v) else int(v)) for k, v in pairs}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("regressions")


@pytest.fixture(scope="module")
def fin(templates: dict[str, Path], folder: Path) -> Path:
    """กองคลัง's clean sample (``build_samples.fill_fin``)."""
    return fill(templates["FIN"], folder / "FIN.xlsx", fill_fin)


@pytest.fixture(scope="module")
def fin_scores(fin: Path, master: Master) -> Evaluation:
    return evaluate([read_workbook(fin)], master)


def test_the_clean_sample_is_what_the_variants_are_compared_with(fin_scores: Evaluation) -> None:
    assert fin_scores.totals["complete"].item()
    assert fin_scores.totals["total"].item() == pytest.approx(4.14)
    assert not fin_scores.findings["severity"].eq("error").any()


# --- item 4: a backup copy of the form before the real one -----------------------------------


def backup_copy_first(book: openpyxl.Workbook) -> None:
    """Excel's Move/Copy: a copy named "แบบประเมิน (2)", put first; then the division changes
    the copy (a later date, an edited weight) and leaves the real form as it was."""
    copy = book.copy_worksheet(book[FORM])
    copy.title = f"{FORM} (2)"
    book.move_sheet(copy, offset=-book.index(copy))
    copy["J8"] = dt.date(2023, 1, 30)  # KPI 1.2: 122 days after the year's end → level 0
    copy["L9"] = 20  # KPI 2.1.1's weight


def test_a_backup_copy_of_the_form_before_the_real_one(
    fin: Path, fin_scores: Evaluation, master: Master, folder: Path
) -> None:
    path = edit(fin, folder / "backup.xlsx", backup_copy_first)
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    assert names[0] == f"{FORM} (2)" and names.index(FORM) > 0
    book = read_workbook(path)
    form = book.cells[book.cells["table"].eq("form")]
    assert set(form["sheet"]) == {FORM}
    # Before d67a843 the first sheet holding a form was read: the copy, KPI 1.2 at level 0
    # and a changed weight, with no word about the copy.
    evaluation = evaluate([book], master)
    assert levels(evaluation) == levels(fin_scores)
    assert evaluation.totals["total"].item() == pytest.approx(4.14)
    found = evaluation.findings
    duplicated = found[found["code"].eq("sheet-duplicated")]
    assert len(duplicated) == 1
    assert duplicated["sheet"].item() == FORM
    for message in (duplicated["message_th"].item(), duplicated["message_en"].item()):
        assert f"“{FORM}”" in message and f"“{FORM} (2)”" in message
    assert "ใช้แผ่นงาน “แบบประเมิน” ที่มาจากแม่แบบ" in duplicated["message_th"].item()
    assert not at(found, "locked-field-changed")
    assert not at(found, "deadline-missed")


def test_the_sign_off_of_the_target_sheet_not_of_a_copy(fin: Path, folder: Path) -> None:
    def backup_target_first(book: openpyxl.Workbook) -> None:
        copy = book.copy_worksheet(book[L.TARGET_SHEET])
        copy.title = f"{L.TARGET_SHEET} (2)"
        book.move_sheet(copy, offset=-book.index(copy))
        label = next(c for row in copy.iter_rows() for c in row if c.value == "ผู้นำส่งข้อมูล")
        copy.cell(label.row, 3, "ผู้อื่น")

    before = read_workbook(fin).cells
    cells = read_workbook(edit(fin, folder / "target-copy.xlsx", backup_target_first)).cells
    signoff = cells[cells["table"].eq("signoff")]
    assert set(signoff["sheet"]) == {L.TARGET_SHEET}
    assert signoff["raw"].tolist() == before.loc[before["table"].eq("signoff"), "raw"].tolist()
    assert "ผู้อื่น" not in set(signoff["raw"])


def into_the_sheets_made_to_be_read(book: openpyxl.Workbook) -> None:
    """What would be a second form and a sign-off, written into the agreement and the KPI
    details (their protection removed) and into a copy of the details sheet."""
    form = book[FORM]
    key_row = next(r for r in range(1, 40) if form.cell(r, 1).value == "kpi_id")
    details, agreement = book[L.DETAIL_SHEET], book[L.AGREEMENT_SHEET]
    for sheet in (details, agreement):
        for merged in list(sheet.merged_cells.ranges):
            sheet.unmerge_cells(str(merged))
    for row in range(key_row, key_row + 3):
        for column in range(1, form.max_column + 1):
            details.cell(row, column, form.cell(row, column).value)
    agreement["A40"] = L.SIGNOFF_LABELS["signed_on"]
    agreement["B40"] = dt.date(2022, 10, 3)
    copy = book.copy_worksheet(details)
    copy.title = f"{L.DETAIL_SHEET} (2)"


def test_the_sheets_made_to_be_read_are_not_read(
    fin: Path, fin_scores: Evaluation, master: Master, folder: Path
) -> None:
    path = edit(fin, folder / "agreement-edited.xlsx", into_the_sheets_made_to_be_read)
    cells = read_workbook(path).cells
    # The agreement and the details hold no cell a division fills in: nothing of them is
    # read. A copy under another name is read as any sheet: there, its form is a copy.
    assert not set(cells["sheet"]) & L.UNREAD_SHEETS
    assert set(cells.loc[cells["table"].eq("form"), "sheet"]) == {FORM}
    evaluation = evaluate([read_workbook(path)], master)
    assert levels(evaluation) == levels(fin_scores)
    duplicated = evaluation.findings.query("code == 'sheet-duplicated'")
    assert f"“{L.DETAIL_SHEET} (2)”" in duplicated["message_th"].item()


def test_the_forms_help_column_is_not_read(
    fin: Path, fin_scores: Evaluation, master: Master, folder: Path
) -> None:
    """What a division types over the centre's "how to fill in" is read nowhere (it is help
    on screen, not printed): no cell of that column is read, and the scores stay."""

    def typed_over_the_help(book: openpyxl.Workbook) -> None:
        form = book[FORM]
        key_row = next(r for r in range(1, 40) if form.cell(r, 1).value == "kpi_id")
        keys = [form.cell(key_row, c).value for c in range(1, form.max_column + 1)]
        column = keys.index("hint") + 1
        for row in range(key_row + 1, key_row + 4):
            form.cell(row, column, "=1/0")  # an error value, not only text

    # (the same round trip through openpyxl without the typing, for the rest to compare)
    before = read_workbook(edit(fin, folder / "help-untouched.xlsx", lambda book: None)).cells
    path = edit(fin, folder / "help-typed-over.xlsx", typed_over_the_help)
    cells = read_workbook(path).cells
    assert "hint" not in set(cells["field"])
    pd.testing.assert_frame_equal(cells.drop(columns="source"), before.drop(columns="source"))
    assert levels(evaluate([read_workbook(path)], master)) == levels(fin_scores)


# --- item 5: formulas and Excel error values in input cells ----------------------------------


def formulas(f: Filler) -> None:
    """กองป้องกันฯ (SEC) typing formulas where numbers belong, one of them in error."""
    f.form("1", "=40+45")  # bands: 85 → level 5
    f.form("2", "=1/0")  # #DIV/0!
    f.data("6.1", "numerator", "=10+2")  # 12 of 100 → 12 % → level 3
    f.data("6.1", "denominator", 100)
    f.form("6.1", 25)  # the figure reported: level 5 if the numerator were ignored
    f.data("6.2", "numerator", "=NA()")  # #N/A
    f.data("6.2", "denominator", 100)
    f.data("6.3", "numerator", 50)  # plain values beside them: 50 % → level 2
    f.data("6.3", "denominator", 100)
    f.form("6.3", 50)
    f.target("1", {"m10": "=#REF!"})  # a reference to a deleted cell


FORMULA_CELLS = {
    # (sheet, cell): the SEC workbook's cells holding the formulas above
    (FORM, "J7"): "=40+45",
    (FORM, "J8"): "=1/0",
    (DATA, "D31"): "=10+2",
    (DATA, "D36"): "=NA()",
    (TARGET, "E8"): "=#REF!",
}


@pytest.fixture(scope="module")
def typed_formulas(templates: dict[str, Path], folder: Path) -> Path:
    """Saved by openpyxl: the formulas have no calculated result."""
    return fill(templates["SEC"], folder / "SEC_formulas.xlsx", formulas)


@pytest.fixture(scope="module")
def calculated(typed_formulas: Path, folder: Path) -> Path:
    """The same workbook opened, recalculated and saved by LibreOffice."""
    (out,) = recalculate([typed_formulas], folder / "calculated")
    return out


def test_a_formula_with_a_result_is_read_by_it(calculated: Path, master: Master) -> None:
    book = read_workbook(calculated)
    cells = book.cells.set_index(["sheet", "row", "column"])
    assert cells.loc[(FORM, 7, 10), "raw"] == 85
    assert cells.loc[(FORM, 7, 10), "formula"] == "=40+45"
    assert cells.loc[(DATA, 31, 4), "raw"] == 12
    assert bool(cells.loc[(DATA, 31, 4), "cached"])
    evaluation = evaluate([book], master)
    kpis = evaluation.kpis.set_index("kpi_id")
    # Before d67a843 a formula cell read as blank: KPI 1 had no level ("ยังไม่ได้กรอก"), and
    # KPI 6.1's reported 25 was scored (level 5) instead of 12 % (level 3).
    assert (kpis.loc["1", "value"], kpis.loc["1", "level"]) == (85, 5)
    assert (kpis.loc["6.1", "computed"], kpis.loc["6.1", "level"]) == (12, 3)
    assert kpis.loc["6.3", "level"] == 2
    found = evaluation.findings
    assert at(found, "value-from-formula") == {(FORM, "J7"), (DATA, "D31")}
    info = found[found["code"].eq("value-from-formula") & found["cell"].eq("J7")]
    assert info["severity"].item() == "info"
    assert "=40+45" in info["message_th"].item() and "85" in info["message_th"].item()
    assert not at(found, "formula-not-calculated")


@pytest.mark.parametrize(
    ("sheet", "cell", "error", "kpi_id"),
    [
        (FORM, "J8", "#DIV/0!", "2"),  # a result cell
        (DATA, "D36", "#N/A", "6.2"),  # a numerator
        (TARGET, "E8", "#REF!", ""),  # a form A plan cell
    ],
)
def test_a_formula_in_error_is_an_error_on_its_own_cell(
    calculated: Path, master: Master, sheet: str, cell: str, error: str, kpi_id: str
) -> None:
    book = read_workbook(calculated)
    evaluation = evaluate([book], master)
    found = evaluation.findings
    # Before d67a843 an error result was "ยังไม่ได้กรอก" (value-missing) and a plan cell's
    # error vanished.
    assert codes_at(found, sheet, cell) == {"value-error"}
    (message,) = found.loc[found["code"].eq("value-error") & found["cell"].eq(cell), "message_th"]
    assert error in message
    if kpi_id:
        kpis = evaluation.kpis.set_index("kpi_id")
        assert pd.isna(kpis.loc[kpi_id, "level"])
        assert kpis.loc[kpi_id, "status"] == "input_error"
        mine = found[found["kpi_id"].eq(kpi_id)]
        assert not mine["code"].eq("value-missing").any()


def test_a_plan_cell_in_error_is_not_a_filled_month(calculated: Path, master: Master) -> None:
    found = evaluate([read_workbook(calculated)], master).findings
    # KPI 1's Q1 holds only the error: no quarter total is asked for.
    assert (TARGET, "H8") not in at(found, "missing-quarter-total")


def test_a_formula_without_a_result_is_not_calculated(typed_formulas: Path, master: Master) -> None:
    evaluation = evaluate([read_workbook(typed_formulas)], master)
    found = evaluation.findings
    # openpyxl writes no result for a formula: nothing can be scored from it, and the
    # division is told to open and save the file (before d67a843: "ยังไม่ได้กรอก").
    assert at(found, "formula-not-calculated") == set(FORMULA_CELLS)
    for (sheet, cell), text in FORMULA_CELLS.items():
        assert codes_at(found, sheet, cell) == {"formula-not-calculated"}, cell
        mine = found[found["code"].eq("formula-not-calculated") & found["cell"].eq(cell)]
        assert text in mine["message_th"].item()
    kpis = evaluation.kpis.set_index("kpi_id")
    for kpi_id in ("1", "2", "6.1", "6.2"):
        assert pd.isna(kpis.loc[kpi_id, "level"]), kpi_id
        assert kpis.loc[kpi_id, "status"] == "input_error", kpi_id
    assert kpis.loc["6.3", "level"] == 2
    assert not at(found, "value-missing") & set(FORMULA_CELLS)


def error_values(f: Filler) -> None:
    """Excel error values stored as such (openpyxl writes "#REF!" as an error cell)."""
    f.form("1", "#REF!")
    f.data("6.1", "numerator", "#DIV/0!")
    f.data("6.1", "denominator", 100)
    f.target("1", {"m10": "#N/A", "m11": 5})


def test_error_values_in_input_cells(
    templates: dict[str, Path], folder: Path, master: Master
) -> None:
    path = fill(templates["SEC"], folder / "SEC_errors.xlsx", error_values)
    book = read_workbook(path)
    errors = book.cells[book.cells["error"].ne("")]
    where = zip(errors["sheet"], errors["row"], errors["column"], errors["error"], strict=True)
    assert sorted(where) == [
        (DATA, 31, 4, "#DIV/0!"),
        (FORM, 7, 10, "#REF!"),
        (TARGET, 8, 5, "#N/A"),
    ]
    assert errors["raw"].isna().all()  # an error is no value
    evaluation = evaluate([book], master)
    found = evaluation.findings
    for sheet, cell in ((FORM, "J7"), (DATA, "D31"), (TARGET, "E8")):
        assert codes_at(found, sheet, cell) == {"value-error"}, cell
    kpis = evaluation.kpis.set_index("kpi_id")
    assert pd.isna(kpis.loc["1", "level"]) and pd.isna(kpis.loc["6.1", "level"])
    # November's 5 is the quarter's only usable month: its total is still asked for.
    assert at(found, "missing-quarter-total") == {(TARGET, "H8")}


# --- item 6: the hidden sheet's own fields ----------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "what"),
    [("fiscal_year_be", "", "ปีงบประมาณ"), ("division_code", "EDU", "รหัสกอง")],
    ids=["fiscal-year-blanked", "division-changed"],
)
def test_an_altered_hidden_sheet_is_not_trusted(
    templates: dict[str, Path], folder: Path, key: str, value: str, what: str
) -> None:
    path = fill(
        templates["FIN"],
        folder / f"FIN_meta_{key}.xlsx",
        fill_fin,
        lambda f: f.meta(key, value),
    )
    book = read_workbook(path)
    assert not book.trusted and book.altered is not None and book.altered[0] == what
    # Before d67a843 a blanked fiscal year gave no finding at all, or ended the whole batch
    # with "year -543 is out of range"; a changed division code was trusted.
    result = run_batch([path])
    evaluation = result.evaluation
    found = evaluation.findings
    assert at(found, "fingerprint-mismatch") == {(META, "")}
    message = found.loc[found["code"].eq("fingerprint-mismatch"), "message_th"].item()
    assert what in message and "--master" in message
    assert not found["code"].eq("internal-error").any()
    # Without the master nothing in the file is trusted: nothing is scored, and no score
    # is null, never 0.
    assert evaluation.kpis.empty
    assert pd.isna(evaluation.totals["total"].item())
    assert result.exit_code == 1
    entry = json.loads(json.dumps(result.to_json(), allow_nan=False))["workbooks"][0]
    assert (entry["kpis"], entry["total"], entry["score_100"]) == ([], None, None)


def test_a_blanked_fiscal_year_is_scored_with_the_master(
    templates: dict[str, Path], folder: Path, master: Master, fin_scores: Evaluation
) -> None:
    path = fill(
        templates["FIN"],
        folder / "FIN_meta_blank_year.xlsx",
        fill_fin,
        lambda f: f.meta("fiscal_year_be", ""),
    )
    evaluation = evaluate([read_workbook(path)], master)
    assert at(evaluation.findings, "fingerprint-mismatch") == {(META, "")}
    assert levels(evaluation) == levels(fin_scores)
    assert evaluation.totals["total"].item() == pytest.approx(4.14)


# --- item 8: form A cells that pass the character rule but are no number ---------------------


def unreadable_plans(book: openpyxl.Workbook) -> None:
    target = book[TARGET]
    # KPI 1.1 (row 8): nothing else on its row is filled.
    target["E8"], target["F8"], target["G8"] = "1.2.3", "1/2", "-"
    target.delete_rows(12)  # KPI 3's row
    for merged in list(target.merged_cells.ranges):
        if merged.min_row > 12:
            merged.shift(0, -1)


def test_form_a_cells_that_are_no_number(fin: Path, folder: Path, master: Master) -> None:
    path = edit(fin, folder / "FIN_plans.xlsx", unreadable_plans)
    evaluation = evaluate([read_workbook(path)], master)
    found = evaluation.findings
    # Before d67a843 they read as nothing, with no finding, and still counted as filled.
    for cell, text in (("E8", "1.2.3"), ("F8", "1/2"), ("G8", "-")):
        assert codes_at(found, TARGET, cell) == {"value-unreadable"}, cell
        message = found.loc[found["code"].eq("value-unreadable") & found["cell"].eq(cell)]
        assert f"“{text}”" in message["message_th"].item()
        assert "ตัวเลขเพียงจำนวนเดียว" in message["message_th"].item()
    row_8 = found[found["sheet"].eq(TARGET) & found["row"].eq(8)]
    assert set(row_8["code"]) == {"value-unreadable"}  # no total asked for: nothing filled
    # A deleted row of form A is detected as on the scoring form (before: not at all).
    missing = found[found["code"].eq("kpi-row-missing")]
    assert missing[["sheet", "cell", "kpi_id", "value"]].to_records(index=False).tolist() == [
        (TARGET, "", "3", "3")
    ]


# --- item 12: hidden key rows deleted, ticks ----------------------------------------------


def delete_key_rows(book: openpyxl.Workbook) -> None:
    """Delete the hidden key row of the form (row 6), the supporting data (5) and form A (7),
    moving merged ranges below it up as Excel does."""
    for sheet, row in ((FORM, 6), (DATA, 5), (TARGET, 7)):
        ws = book[sheet]
        assert ws.cell(row, 1).value == "kpi_id"
        ws.delete_rows(row)
        for merged in list(ws.merged_cells.ranges):
            if merged.min_row > row:
                merged.shift(0, -1)


def test_deleted_key_rows_are_recovered_from_the_headers(
    fin: Path, fin_scores: Evaluation, master: Master, folder: Path
) -> None:
    path = edit(fin, folder / "FIN_no_key_rows.xlsx", delete_key_rows)
    book = read_workbook(path)
    evaluation = evaluate([book], master)
    found = evaluation.findings
    # Before d67a843 every KPI got a false "row deleted" error.
    assert not found["code"].eq("kpi-row-missing").any()
    assert at(found, "key-row-recovered") == {(FORM, ""), (DATA, ""), (TARGET, "")}
    assert set(found.loc[found["code"].eq("key-row-recovered"), "severity"]) == {"info"}
    assert levels(evaluation) == levels(fin_scores)
    assert evaluation.totals["total"].item() == pytest.approx(4.14)
    kpis = evaluation.kpis.set_index("kpi_id")
    assert kpis.loc["1.2", "result_row"] == 7  # one row up
    assert not found["severity"].eq("error").any()


def ticks(f: Filler) -> None:
    for step in range(1, 6):
        f.data("4", f"step:{step}", "√")  # the square-root sign, as many fonts show ✓
    f.data("8", "step:3", "ทำไปบางส่วน")  # "partly done": no tick kpixl can read


def test_square_root_ticks_and_advice_for_an_unreadable_tick(
    templates: dict[str, Path], folder: Path, master: Master
) -> None:
    path = fill(templates["FIN"], folder / "FIN_ticks.xlsx", fill_fin, ticks)
    evaluation = evaluate([read_workbook(path)], master)
    kpis = evaluation.kpis.set_index("kpi_id")
    assert kpis.loc["4", "level"] == 5  # before d67a843: √ was unreadable
    found = evaluation.findings
    unreadable = found[found["code"].eq("value-unreadable")]
    assert unreadable["cell"].tolist() == ["D130"]  # KPI 8's step 3
    message = unreadable["message_th"].item()
    assert "“ทำไปบางส่วน”" in message and "✓" in message and L.NOT_DONE in message
    assert "ตัวเลข" not in message  # before: "กรุณากรอกเฉพาะตัวเลข"
    assert "✓" in unreadable["message_en"].item()
    assert pd.isna(kpis.loc["8", "level"])  # not scored from a tick it cannot read


# --- item 13: merged result and level cells --------------------------------------------------


def merge_result_and_level(book: openpyxl.Workbook) -> None:
    form = book[FORM]
    form.merge_cells("J8:K8")  # KPI 1.2: its date and its (ก)
    form.merge_cells("J13:J14")  # KPI 2.2.1's result over 2.2.2's


def test_merged_result_and_level_cells_are_read_at_their_top_left(
    fin: Path, fin_scores: Evaluation, master: Master, folder: Path
) -> None:
    path = edit(fin, folder / "FIN_merged.xlsx", merge_result_and_level)
    book = read_workbook(path)
    cells = book.cells.set_index(["table", "kpi_id", "field"])
    assert cells.loc[("form", "1.2", "result"), "raw"] == dt.date(2022, 11, 20)
    assert cells.loc[("form", "1.2", "level"), "raw"] is None  # hidden by the merge
    assert cells.loc[("form", "1.2", "level"), "formula"] == ""
    assert cells.loc[("form", "2.2.1", "result"), "raw"] == pytest.approx(17.78)
    assert cells.loc[("form", "2.2.2", "result"), "raw"] is None
    result = run_batch([path], master=master, out_dir=folder / "merged_out")
    evaluation = result.evaluation
    assert levels(evaluation) == levels(fin_scores)
    found = evaluation.findings
    assert not found["code"].isin(["typed-score-mismatch", "annotation-failed"]).any()
    # The annotated copy is written (before: annotation-failed, no copy for the division).
    copy = openpyxl.load_workbook(result.annotated["FIN_merged.xlsx"])[FORM]
    assert copy["J8"].value == dt.datetime(2022, 11, 20)
    assert "J8:K8" in {str(r) for r in copy.merged_cells.ranges}
