"""The vectorised checks on inline cells frames: every cell check, form A, the sign-off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd
import pytest

from kpixl import layout as L
from kpixl.cells import cell_ref, parse_cell
from kpixl.checks import CELL_CHECKS, check_signoff, check_target, run_cell_checks, target_table
from kpixl.findings import CATALOGUE, FINDING_COLUMNS
from kpixl.normalize import normalize_cells
from kpixl.reader import CELL_COLUMNS

FY = 2565
WINDOW = (dt.date(2021, 10, 1), dt.date(2023, 9, 30))  # FY 2565 and the year after it
SHEET = "แบบประเมิน"
TARGET = "แผนเป้าหมาย"


def cells_frame(entries: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """The frame run_cell_checks works on: CELL_COLUMNS, the typed columns, and what the
    evaluation adds (``expect``, the date window, ``aggregate``, ``kind``, the year)."""
    records = []
    for entry in entries:
        row, column = parse_cell(entry["cell"])
        records.append(
            {
                "source": entry.get("source", "a.xlsx"),
                "sheet": entry.get("sheet", SHEET),
                "table": entry.get("table", "form"),
                "kpi_id": entry.get("kpi_id", "1"),
                "field": entry.get("field", "result"),
                "raw": entry.get("raw"),
                "formula": entry.get("formula", ""),
                "row": row,
                "column": column,
                "expect": entry.get("expect", ""),
                "aggregate": entry.get("aggregate", "none"),
            }
        )
    frame = pd.DataFrame(records, columns=[*CELL_COLUMNS, "expect", "aggregate"])
    frame["raw"] = pd.Series([r["raw"] for r in records], dtype=object)
    frame = normalize_cells(frame)
    frame["window_start"] = WINDOW[0]
    frame["window_end"] = WINDOW[1]
    frame["kind"] = ""
    frame["fiscal_year_be"] = FY
    return frame


def found(findings: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(zip(findings["code"], findings["sheet"], findings["cell"], strict=True))


# --- the registry ----------------------------------------------------------------------


def test_every_cell_check_is_registered_under_a_catalogue_code() -> None:
    codes = {check.code for check in CELL_CHECKS}
    assert codes == {
        "value-unreadable",
        "value-normalised",
        "likert-out-of-range",
        "invalid-characters",
        "date-era-confused",
        "date-implausible",
    }
    assert codes <= set(CATALOGUE)
    # value-unreadable is three checks (numbers, dates, ticks); the others one each
    assert sorted(c.code for c in CELL_CHECKS).count("value-unreadable") == 3
    assert len(CELL_CHECKS) == 8
    assert len({id(c.passes) for c in CELL_CHECKS}) == len(CELL_CHECKS)


def test_every_message_parameter_of_a_check_is_a_field_of_its_messages() -> None:
    for check in CELL_CHECKS:
        entry = CATALOGUE[check.code]
        for name, _column in check.params:
            assert "{" + name + "}" in entry.message_th + entry.message_en, (check.code, name)


# --- cell checks, one cell at a time ---------------------------------------------------

CASES: list[tuple[str, Any, str, set[str]]] = [
    # (expect, raw, formula, codes)
    ("number", 85.0, "", set()),
    ("number", "85%", "", {"value-normalised"}),
    ("number", "๘๕.๕", "", {"value-normalised"}),
    ("number", "1,234", "", {"value-normalised"}),
    ("number", "8 5", "", {"value-unreadable"}),
    ("number", "ประมาณสองล้าน", "", {"value-unreadable"}),
    ("number", True, "", {"value-unreadable"}),
    ("number", dt.date(2022, 1, 5), "", {"value-unreadable"}),
    ("number", None, "", set()),
    ("number", None, "=D9*100/D10", set()),
    ("round", 2.0, "", set()),
    ("round", "๒", "", {"value-normalised"}),
    ("round", "ครั้งที่สอง", "", {"value-unreadable"}),
    ("date", dt.date(2021, 12, 17), "", set()),
    ("date", dt.datetime(2021, 12, 17, 10, 30), "", set()),
    ("date", "17 ธ.ค. 2564", "", set()),
    ("date", "17/12/64", "", set()),
    ("date", "หลังปีใหม่", "", {"value-unreadable"}),
    ("date", "31/02/2565", "", {"value-unreadable"}),
    ("date", 44547.0, "", {"value-unreadable"}),  # a serial number without a date format
    ("date", None, "", set()),
    ("date", None, "=TODAY()", set()),
    ("date", "15/10/2022", "", {"date-era-confused"}),  # C.E. typed as text
    ("date", "2022-10-15", "", {"date-era-confused"}),
    ("date", dt.date(2565, 10, 3), "", {"date-era-confused"}),  # B.E. in a date cell
    ("date", "15/10/2565", "", set()),
    ("date", dt.date(2021, 10, 1), "", set()),  # first day of the window
    ("date", dt.date(2023, 9, 30), "", set()),  # last day of the window
    ("date", dt.date(2021, 9, 30), "", {"date-implausible"}),
    ("date", dt.date(2023, 10, 1), "", {"date-implausible"}),
    ("date", dt.date(2020, 12, 20), "", {"date-implausible"}),  # a year too early
    ("date", "20 ธ.ค. 2566", "", {"date-implausible"}),  # B.E. 2566 = 2023-12-20
    ("date", dt.date(2563, 12, 20), "", {"date-implausible", "date-era-confused"}),
    ("tick", "✓", "", set()),
    ("tick", L.NOT_DONE, "", set()),
    ("tick", "ใช่", "", set()),
    ("tick", None, "", set()),
    ("tick", "maybe", "", {"value-unreadable"}),
    ("tick", "ทำไปครึ่งหนึ่ง", "", {"value-unreadable"}),
    ("likert", 1.0, "", set()),
    ("likert", 5.0, "", set()),
    ("likert", "๕", "", {"value-normalised"}),
    ("likert", None, "", set()),
    ("likert", 0.0, "", {"likert-out-of-range"}),
    ("likert", 6.0, "", {"likert-out-of-range"}),
    ("likert", 2.5, "", {"likert-out-of-range"}),
    ("likert", "x", "", {"likert-out-of-range"}),
    ("plan", 85.0, "", set()),
    ("plan", "1,234", "", set()),
    ("plan", "12/5", "", set()),
    ("plan", "3.5", "", set()),
    ("plan", "-", "", set()),
    ("plan", "๑๒", "", set()),
    ("plan", None, "", set()),
    ("plan", "10 ครั้ง", "", {"invalid-characters"}),
    ("plan", "85%", "", {"invalid-characters"}),
    ("plan", "n/a", "", {"invalid-characters"}),
    ("plan", "1 234", "", {"invalid-characters"}),
    ("", "ข้อความใดก็ได้", "", set()),  # a cell nothing is expected of
    ("", dt.date(1999, 1, 1), "", set()),
]


@pytest.mark.parametrize(("expect", "raw", "formula", "codes"), CASES)
def test_cell_check(expect: str, raw: Any, formula: str, codes: set[str]) -> None:
    findings = run_cell_checks(
        cells_frame([{"cell": "J7", "expect": expect, "raw": raw, "formula": formula}])
    )
    assert found(findings) == {(code, SHEET, "J7") for code in codes}
    assert (findings["kpi_id"] == "1").all()


def test_many_cells_of_many_workbooks_at_once_equal_one_by_one() -> None:
    entries = [
        {
            "cell": cell_ref(row, 4 + n % 3),
            "source": f"{n % 4}.xlsx",
            "expect": expect,
            "raw": raw,
            "formula": formula,
        }
        for n, (row, (expect, raw, formula, _)) in enumerate(enumerate(CASES, 7))
    ]
    together = run_cell_checks(cells_frame(entries))
    expected = {
        (e["source"], code, e["cell"])
        for e, (_, _, _, codes) in zip(entries, CASES, strict=True)
        for code in codes
    }
    assert set(zip(together["source"], together["code"], together["cell"], strict=True)) == (
        expected
    )
    assert len(together) == len(expected)
    assert list(together.columns) == FINDING_COLUMNS


def test_no_cells_no_findings() -> None:
    assert run_cell_checks(cells_frame([])).empty


def test_messages_of_the_date_checks() -> None:
    findings = run_cell_checks(
        cells_frame(
            [
                {"cell": "B20", "expect": "date", "raw": "15/10/2022"},
                {"cell": "J13", "expect": "date", "raw": dt.date(2020, 12, 20)},
                {"cell": "D7", "expect": "number", "raw": "abc"},
                {"cell": "D8", "expect": "number", "raw": "๘๕.๕"},
            ]
        )
    ).set_index("cell")
    era = findings.loc["B20"]
    assert era["code"] == "date-era-confused"
    assert "2022" in era["message_th"] and "2565" in era["message_th"]
    assert era["message_en"] == (
        "Year 2022 looks like a C.E. year; read as B.E. 2565. Please check."
    )
    late = findings.loc["J13"]
    assert late["code"] == "date-implausible"
    assert late["message_th"] == (
        "วันที่ 20 ธ.ค. 2563 อยู่นอกช่วงที่เป็นไปได้ของปีงบประมาณ (1 ต.ค. 2564 ถึง 30 ก.ย. 2566)"
    )
    assert (
        findings.loc["D7", "message_en"] == "Cannot read “abc” as a number; enter a plain number."
    )
    assert findings.loc["D8", "message_en"] == "Read “๘๕.๕” as 85.5."
    assert findings.loc["D8", "severity"] == "info"


# --- form A: the target sheet -----------------------------------------------------------

TARGET_COLUMNS = {f.key: n for n, f in enumerate(L.target_fields(FY), 1)}
PLAN_KEYS = [
    k
    for k in TARGET_COLUMNS
    if k in L.TARGET_PLAN_KEYS or k.startswith(("plan_", "result_", "est_"))
]


def target_cells(rows: dict[str, tuple[int, str, dict[str, Any]]]) -> pd.DataFrame:
    """Target-sheet cells: kpi_id → (Excel row, aggregate, typed values); every plan cell of
    the row is there, blank unless typed."""
    entries = []
    for kpi_id, (row, aggregate, values) in rows.items():
        for key in PLAN_KEYS:
            entries.append(
                {
                    "cell": cell_ref(row, TARGET_COLUMNS[key]),
                    "sheet": TARGET,
                    "table": "target",
                    "kpi_id": kpi_id,
                    "field": key,
                    "raw": values.get(key),
                    "expect": "plan",
                    "aggregate": aggregate,
                }
            )
    return cells_frame(entries)


RESULTS = {"result_2562": 80, "result_2563": 82, "result_2564": 85}


def test_target_columns_are_where_the_assertions_expect_them() -> None:
    # the letters the tests below are written with
    letters = {k: cell_ref(1, c)[:-1] for k, c in TARGET_COLUMNS.items()}
    assert [letters[k] for k in ("m10", "q1", "q2", "q3", "q4", "total")] == [
        "E",
        "H",
        "L",
        "P",
        "T",
        "U",
    ]
    assert [letters[f"result_{y}"] for y in (2562, 2563, 2564)] == ["W", "Y", "AA"]


@pytest.mark.parametrize(
    ("aggregate", "values", "expected"),
    [
        # counts add up: months to the quarter, quarters to the grand total
        (
            "sum",
            {
                "m10": 5,
                "m11": 8,
                "m12": 10,
                "q1": 23,
                "m1": 8,
                "m2": 9,
                "m3": 9,
                "q2": 26,
                "total": 49,
            },
            set(),
        ),
        (
            "sum",
            {
                "m10": 5,
                "m11": 8,
                "m12": 10,
                "q1": 25,
                "m1": 8,
                "m2": 9,
                "m3": 9,
                "q2": 26,
                "total": 60,
            },
            {("H8", "25", "23"), ("U8", "60", "51")},
        ),
        # typed as text with thousands separators and Thai digits: still added up
        ("sum", {"m10": "1,000", "m11": "๒,๐๐๐", "m12": 500, "q1": "3,500", "total": 3500}, set()),
        (
            "sum",
            {"m10": "1,000", "m11": "๒,๐๐๐", "q1": "3,500", "total": 3500},
            {("H8", "3500", "3000")},
        ),
        # cumulative figures: the grand total is the last quarter filled, months are not added
        ("last", {"m10": 2, "m11": 5, "m12": 10, "q1": 10, "q2": 20, "q3": 30, "total": 30}, set()),
        ("last", {"q1": 10, "q2": 20, "q3": 30, "q4": 40, "total": 100}, {("U8", "100", "40")}),
        ("last", {"q1": 10, "q2": 20, "q3": 30, "total": 60}, {("U8", "60", "30")}),
        # percentages are never added: the seed's own 15 + 25 + 20 + 20 with a total of 85
        ("none", {"q1": 15, "q2": 25, "q3": 20, "q4": 20, "total": 85}, set()),
        ("none", {"m10": 50, "m11": 60, "m12": 70, "q1": 5, "total": 5}, set()),
    ],
)
def test_totals(
    aggregate: str, values: dict[str, Any], expected: set[tuple[str, str, str]]
) -> None:
    table = target_table(target_cells({"2.1": (8, aggregate, {**values, **RESULTS})}))
    result = check_target(table, pd.Series(FY, index=table.index))
    assert set(result["code"]) <= {"total-mismatch"}
    assert set(zip(result["cell"], result["value"], strict=True)) == {
        (cell, value) for cell, value, _ in expected
    }
    for cell, value, parts in expected:
        message = result.loc[result["cell"] == cell, "message_en"].item()
        assert message == f"The total {value} is not the sum of its parts ({parts})."
    assert (result["kpi_id"] == "2.1").all()
    assert (result["sheet"] == TARGET).all()


def test_missing_totals_and_prior_results() -> None:
    rows = {
        # months of Q1 filled, no quarter total (and so no grand total either)
        "1": (8, "sum", {"m10": 10, "m11": 20, **RESULTS}),
        # quarter totals filled, no grand total
        "2": (9, "none", {"q1": 20, "q2": 40, **RESULTS}),
        # a month of Q3 only, its quarter total missing; Q1 complete with a grand total
        "3": (10, "none", {"m10": 1, "q1": 1, "m5": 4, "total": 1, **RESULTS}),
        # entries this year, results of 2563 and 2564 missing
        "4": (11, "sum", {"m10": 3, "q1": 3, "total": 3, "result_2562": 2}),
        # nothing this year (an old plan only): no result is asked for
        "5": (12, "sum", {"plan_2562": 5}),
        # the seed's percentage row, complete
        "6": (13, "none", {"q1": 15, "q2": 25, "q3": 20, "q4": 20, "total": 85, **RESULTS}),
    }
    table = target_table(target_cells(rows))
    result = check_target(table, pd.Series(FY, index=table.index))
    assert set(zip(result["code"], result["cell"], result["kpi_id"], strict=True)) == {
        ("missing-quarter-total", "H8", "1"),
        ("missing-grand-total", "U9", "2"),
        ("missing-quarter-total", "P10", "3"),
        ("missing-prior-result", "Y11", "4"),
        ("missing-prior-result", "AA11", "4"),
    }
    assert len(result) == 5
    messages = dict(zip(result["cell"], result["message_th"], strict=True))
    assert messages["P10"] == "กรอกรายเดือนของไตรมาส 3 แล้ว แต่ยังไม่กรอกรวมไตรมาส"
    assert messages["Y11"] == "ยังไม่กรอกผลการดำเนินงานปีงบประมาณ 2563"


def test_prior_results_follow_each_workbooks_fiscal_year() -> None:
    """Two workbooks of different years in one table: each asks for its own three years."""
    cells = pd.concat(
        [
            target_cells({"1": (8, "sum", {"m10": 3, "q1": 3, "total": 3, **RESULTS})}).assign(
                source="2565.xlsx"
            ),
            target_cells({"1": (8, "sum", {"m10": 3, "q1": 3, "total": 3, **RESULTS})}).assign(
                source="2566.xlsx"
            ),
        ],
        ignore_index=True,
    )
    table = target_table(cells)
    years = table["source"].map({"2565.xlsx": 2565, "2566.xlsx": 2566})
    result = check_target(table, years)
    # 2566 wants 2563–2565; the sheet (laid out for 2565) has no column for 2565
    assert set(zip(result["source"], result["code"], result["cell"], strict=True)) == {
        ("2566.xlsx", "missing-prior-result", ""),
    }
    assert result["message_en"].tolist() == ["The result of fiscal year 2565 is missing."]


def test_without_the_fiscal_year_no_prior_results_are_asked_for() -> None:
    table = target_table(target_cells({"1": (8, "sum", {"m10": 3, "q1": 3, "total": 3})}))
    assert check_target(table).empty


def test_no_target_rows_no_findings() -> None:
    table = target_table(cells_frame([{"cell": "J7", "expect": "number", "raw": 1.0}]))
    assert table.empty
    assert check_target(table, pd.Series(dtype="int64")).empty


def test_plan_cells_with_letters_are_invalid_and_not_added_up() -> None:
    cells = target_cells({"1": (8, "sum", {"m10": "10 ครั้ง", "m11": 5, "q1": 15, "total": 15})})
    assert found(run_cell_checks(cells)) == {("invalid-characters", TARGET, "E8")}
    table = target_table(cells)
    # "10 ครั้ง" is not a number: Q1 = 5 is not compared with a guess
    codes = set(check_target(table, pd.Series(FY, index=table.index))["code"])
    assert codes == {"missing-prior-result"}


# --- sign-off ---------------------------------------------------------------------------


def signoff_cells(values: dict[str, Any]) -> pd.DataFrame:
    return cells_frame(
        [
            {
                "source": source,
                "cell": "B20",
                "sheet": TARGET,
                "table": "signoff",
                "kpi_id": "",
                "field": "signed_off",
                "raw": raw,
            }
            for source, raw in values.items()
        ]
        + [
            {
                "source": source,
                "cell": "B21",
                "sheet": TARGET,
                "table": "signoff",
                "kpi_id": "",
                "field": "signed_by",
                "raw": "นายสมชาย ใจดี",
            }
            for source in values
        ]
    )


@pytest.mark.parametrize(
    "text",
    [L.SIGNOFF_YES, f"  {L.SIGNOFF_YES} ", "ใช่", "yes", "YES", "✓", "Sign Off", "signed off"],
)
def test_signed_off(text: str) -> None:
    assert check_signoff(signoff_cells({"a.xlsx": text}), pd.Series(["a.xlsx"])).empty


@pytest.mark.parametrize("text", [None, L.SIGNOFF_NO, "no", "ยังไม่ส่ง", "x", 1.0])
def test_not_signed_off(text: Any) -> None:
    findings = check_signoff(signoff_cells({"a.xlsx": text}), pd.Series(["a.xlsx"]))
    assert found(findings) == {("not-signed-off", TARGET, "B20")}
    assert findings["severity"].tolist() == ["warning"]


def test_signoff_of_many_workbooks_and_one_without_the_field() -> None:
    cells = signoff_cells({"a.xlsx": L.SIGNOFF_YES, "b.xlsx": L.SIGNOFF_NO, "c.xlsx": None})
    findings = check_signoff(cells, pd.Series(["a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx"]))
    assert set(zip(findings["source"], findings["sheet"], findings["cell"], strict=True)) == {
        ("b.xlsx", TARGET, "B20"),
        ("c.xlsx", TARGET, "B20"),
        ("d.xlsx", "", ""),  # no sign-off field at all (its block was deleted)
    }
    assert set(findings["code"]) == {"not-signed-off"}
