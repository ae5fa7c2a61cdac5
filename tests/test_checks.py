"""The one registry of checks (kpixl.checks), on inline frames: every registered check of
every table (cells, kpis, target, target_rows, locked, scores, workbooks), asserted as
(code, cell) pairs; the registry's own rules; every code used is catalogued."""

from __future__ import annotations

import ast
import datetime as dt
import string
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kpixl
from kpixl import layout as L
from kpixl.cells import cell_ref, parse_cell
from kpixl.checks import CHECKS, TABLES, check, run_checks
from kpixl.checks.cells import implausible, plan_allowed
from kpixl.checks.cells import message_columns as cell_messages
from kpixl.checks.forms import target_messages, target_table
from kpixl.evaluation.sources import COMPARED_COLUMNS
from kpixl.evaluation.values import message_columns as kpi_messages
from kpixl.findings import CATALOGUE, FINDING_COLUMNS
from kpixl.normalize import normalize_cells, scale_percent
from kpixl.rubric import Rubric
from kpixl.thai import format_number
from kpixl.workbook import CELL_COLUMNS

FY = 2565
WINDOW = (dt.date(2021, 10, 1), dt.date(2023, 9, 30))  # FY 2565 and the year after it
SHEET = L.FORM_SHEET
DATA = L.DATA_SHEET
TARGET = L.TARGET_SHEET
BANDS = ["ไม่เกิน 20", "มากกว่า 20 ถึง 40", "มากกว่า 40 ถึง 60", "มากกว่า 60 ถึง 80", "มากกว่า 80"]
RUBRICS = {0: Rubric.from_texts(BANDS, value_range=(0.0, 100.0))}
PREPARE = {
    "cells": cell_messages,
    "kpis": lambda f: kpi_messages(f, RUBRICS),
    "target": target_messages,
}
ERROR = object()  # marker: the cell holds an Excel error value (see ``error=``)


def checked(**tables: pd.DataFrame) -> pd.DataFrame:
    """Every registered check over the tables given, messages prepared as the evaluation
    prepares them."""
    found = run_checks(tables, PREPARE)
    assert list(found.columns) == FINDING_COLUMNS
    return found


def pairs(findings: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(findings["code"], findings["cell"], strict=True))


# --- the cells table ---------------------------------------------------------------------------


def cells_frame(entries: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """The ``cells`` table as the evaluation gives it to the checks: the reader's columns
    (``CELL_COLUMNS``), normalised, with what the evaluation adds (``expect``, ``state``,
    ``kind``, the date window, ``implausible``, ``plan_allowed``, and for supporting data
    its KPI's ``computed_status``, ``denominator``, ``stray``, ``late``, ``what_th``)."""
    entries = list(entries)
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
                "error": entry.get("error", ""),
                "percent": entry.get("percent", False),
                "cached": entry.get("cached", False),
            }
        )
    frame = pd.DataFrame(records, columns=CELL_COLUMNS)
    frame["raw"] = pd.Series([r["raw"] for r in records], dtype=object)
    frame = normalize_cells(frame)
    frame["expect"] = [e.get("expect", "") for e in entries]
    frame = scale_percent(frame, frame["expect"].eq("percent"))
    frame["kind"] = [e.get("kind", "") for e in entries]
    frame["aggregate"] = [e.get("aggregate", "none") for e in entries]
    frame["fiscal_year_be"] = FY
    frame["window_start"] = WINDOW[0]
    frame["window_end"] = WINDOW[1]
    frame["implausible"] = implausible(frame)
    frame["plan_allowed"] = plan_allowed(frame)
    frame["label"] = [e.get("label", "") for e in entries]
    typed = frame.to_dict("records")
    frame["state"] = [e.get("state") or _state(r) for e, r in zip(entries, typed, strict=True)]
    frame["computed_status"] = [e.get("computed_status", "") for e in entries]
    frame["denominator"] = [float(e.get("denominator", np.nan)) for e in entries]
    frame["denominator_shown"] = frame["denominator"].map(format_number)
    frame["stray"] = [bool(e.get("stray", False)) for e in entries]
    frame["late"] = [bool(e.get("late", False)) for e in entries]
    frame["what_th"] = frame["label"].where(frame["label"].ne(""), "ข้อมูลประกอบ")
    frame["what_en"] = "The supporting value " + frame["field"]
    frame["survey_rounds"] = [float(e.get("survey_rounds", np.nan)) for e in entries]
    frame["answered"] = [bool(e.get("answered", False)) for e in entries]
    return frame


def survey_round_cells() -> pd.DataFrame:
    """Round cells of a two-round and a one-round survey's answer rows (C12…)."""

    def entry(cell: str, raw: Any, rounds: int = 2, answered: bool = True) -> dict[str, Any]:
        return {"cell": cell, "raw": raw, "table": "survey", "field": "round",
                "expect": "round", "survey_rounds": rounds, "answered": answered}  # fmt: skip

    return cells_frame(
        [
            entry("C12", 1.0),
            entry("C13", 2.0),
            entry("C14", None),  # answers, no round
            entry("C15", 3.0),  # a round the survey does not have
            entry("C16", 1.5),
            entry("C17", None, answered=False),  # a row with no answers: nothing to say
            entry("C18", None, rounds=1),  # one round: its answers are round 1
            entry("C19", "ครั้งแรก"),  # unreadable: value-unreadable says so
        ]
    )


def test_a_survey_row_with_answers_needs_a_round_the_survey_has() -> None:
    found = checked(cells=survey_round_cells())
    assert pairs(found) == {
        ("survey-round-invalid", "C14"),
        ("survey-round-invalid", "C15"),
        ("survey-round-invalid", "C16"),
        ("value-unreadable", "C19"),
    }
    by_cell = found.set_index("cell")
    assert "ว่างอยู่" in by_cell.loc["C14", "message_th"]
    assert "เป็น “3”" in by_cell.loc["C15", "message_th"]
    assert by_cell.loc["C16", "message_en"].startswith(
        "This row has answers but its survey round is “1.5”"
    )


def _state(cell: dict[str, Any]) -> str:
    """A typed cell's state, as the evaluation decides it for a number cell."""
    if cell["blank"]:
        return "blank"
    if cell["number_status"] in ("unreadable", "error", "uncalculated") or pd.isna(cell["number"]):
        return "invalid"
    return "ok"


# (expect, raw, formula, cached, error, codes) — one cell J7 of the form
CELL_CASES: list[tuple[str, Any, str, bool, str, set[str]]] = [
    ("number", 85.0, "", False, "", set()),
    ("number", "85%", "", False, "", {"value-normalised"}),
    ("number", "๘๕.๕", "", False, "", {"value-normalised"}),
    ("number", "1,234", "", False, "", {"value-normalised"}),
    ("number", "8 5", "", False, "", {"value-unreadable"}),
    ("number", "ประมาณสองล้าน", "", False, "", {"value-unreadable"}),
    ("number", True, "", False, "", {"value-unreadable"}),
    ("number", dt.date(2022, 1, 5), "", False, "", {"value-unreadable"}),
    ("number", None, "", False, "", set()),
    # issue 7 item 5: a formula a division typed is read by its result, said so; without a
    # result it is "not calculated", never "not filled"; an error value is its own finding
    ("number", 85.0, "=D9*100/D10", True, "", {"value-from-formula"}),
    ("number", None, "=D9*100/D10", False, "", {"formula-not-calculated"}),
    ("number", None, "", False, "#REF!", {"value-error"}),
    ("number", None, "=D9/D10", False, "#DIV/0!", {"value-error"}),
    ("number", "๘๕", '=""&"๘๕"', True, "", {"value-from-formula", "value-normalised"}),
    # issue 7 item 2: "85%" typed in Excel is 0.85 in a %-formatted cell
    ("percent", 85.0, "", False, "", set()),
    ("percent", "85%", "", False, "", {"value-normalised"}),
    ("round", 2.0, "", False, "", set()),
    ("round", "๒", "", False, "", {"value-normalised"}),
    ("round", "ครั้งที่สอง", "", False, "", {"value-unreadable"}),
    ("date", dt.date(2021, 12, 17), "", False, "", set()),
    ("date", dt.datetime(2021, 12, 17, 10, 30), "", False, "", set()),
    # a date typed as text is read, and the division told its workbook cannot use it
    ("date", "17 ธ.ค. 2564", "", False, "", {"value-normalised"}),
    ("date", "17/12/64", "", False, "", {"value-normalised"}),
    ("date", "15/10/2565", "", False, "", {"value-normalised"}),
    ("date", "15/10/2022", "", False, "", {"date-era-confused", "value-normalised"}),
    ("date", "2022-10-15", "", False, "", {"date-era-confused", "value-normalised"}),
    ("date", "20 ธ.ค. 2566", "", False, "", {"date-implausible", "value-normalised"}),
    ("date", "หลังปีใหม่", "", False, "", {"value-unreadable"}),
    ("date", "31/02/2565", "", False, "", {"value-unreadable"}),
    ("date", 44547.0, "", False, "", {"value-unreadable"}),  # a serial without a date format
    ("date", None, "", False, "", set()),
    ("date", None, "=TODAY()", False, "", {"formula-not-calculated"}),
    ("date", None, "", False, "#N/A", {"value-error"}),
    ("date", dt.date(2565, 10, 3), "", False, "", {"date-era-confused"}),  # B.E. in a date cell
    ("date", dt.date(2021, 10, 1), "", False, "", set()),  # first day of the window
    ("date", dt.date(2023, 9, 30), "", False, "", set()),  # last day of the window
    ("date", dt.date(2021, 9, 30), "", False, "", {"date-implausible"}),
    ("date", dt.date(2023, 10, 1), "", False, "", {"date-implausible"}),
    ("date", dt.date(2563, 12, 20), "", False, "", {"date-implausible", "date-era-confused"}),
    ("tick", "✓", "", False, "", set()),
    ("tick", "√", "", False, "", set()),  # issue 7 item 12: √ is a tick
    ("tick", L.NOT_DONE, "", False, "", set()),
    ("tick", "ใช่", "", False, "", set()),
    ("tick", None, "", False, "", set()),
    ("tick", "maybe", "", False, "", {"value-unreadable"}),
    ("tick", "ทำไปครึ่งหนึ่ง", "", False, "", {"value-unreadable"}),
    ("tick", None, "", False, "#VALUE!", {"value-error"}),
    ("likert", 1.0, "", False, "", set()),
    ("likert", 5.0, "", False, "", set()),
    ("likert", "๕", "", False, "", {"value-normalised"}),
    ("likert", None, "", False, "", set()),
    ("likert", 0.0, "", False, "", {"likert-out-of-range"}),
    ("likert", 6.0, "", False, "", {"likert-out-of-range"}),
    ("likert", 2.5, "", False, "", {"likert-out-of-range"}),
    ("likert", "x", "", False, "", {"likert-out-of-range"}),
    ("plan", 85.0, "", False, "", set()),
    ("plan", "1,234", "", False, "", {"value-normalised"}),
    ("plan", "3.5", "", False, "", {"value-normalised"}),
    ("plan", "๑๒", "", False, "", {"value-normalised"}),
    ("plan", None, "", False, "", set()),
    # issue 7 item 8: these pass the seed's character rule but are no number
    ("plan", "1.2.3", "", False, "", {"value-unreadable"}),
    ("plan", "1/2", "", False, "", {"value-unreadable"}),
    ("plan", "-", "", False, "", {"value-unreadable"}),
    ("plan", True, "", False, "", {"value-unreadable"}),
    ("plan", None, "", False, "#N/A", {"value-error"}),  # item 5: #N/A does not vanish
    ("plan", "10 ครั้ง", "", False, "", {"invalid-characters"}),
    ("plan", "85%", "", False, "", {"invalid-characters"}),
    ("plan", "n/a", "", False, "", {"invalid-characters"}),
    ("plan", "1 234", "", False, "", {"invalid-characters"}),
    ("text", "ปัจจัยความสำเร็จ", "", False, "", set()),
    ("text", "ok", '="o"&"k"', True, "", {"value-from-formula"}),
    ("", "ข้อความใดก็ได้", "", False, "", set()),  # a cell nothing is expected of
    ("", dt.date(1999, 1, 1), "", False, "", set()),
    ("", None, "", False, "#REF!", set()),
]


def _cell_entry(case: tuple[str, Any, str, bool, str, set[str]], cell: str = "J7") -> dict:
    expect, raw, formula, cached, error, _ = case
    return {
        "cell": cell,
        "expect": expect,
        "raw": raw,
        "formula": formula,
        "cached": cached,
        "error": error,
    }


def test_cell_checks() -> None:
    """Every case on its own cell (J7, J8, …), all checked at once."""
    cells = [f"J{row}" for row in range(7, 7 + len(CELL_CASES))]
    found = checked(
        cells=cells_frame([_cell_entry(c, cell) for c, cell in zip(CELL_CASES, cells, strict=True)])
    )
    got = {cell: set(found.loc[found["cell"] == cell, "code"]) for cell in cells}
    wrong = {
        f"{case[0]}-{case[1]!r}-{case[2]}{case[4]}": (got[cell], case[5])
        for case, cell in zip(CELL_CASES, cells, strict=True)
        if got[cell] != case[5]
    }
    assert wrong == {}
    assert set(found["cell"]) <= set(cells)
    assert set(found["sheet"]) == {SHEET}
    assert (found["kpi_id"] == "1").all()
    assert "?" not in "".join(found["message_th"]) + "".join(found["message_en"])


def test_a_percent_formatted_cell_of_a_percent_kpi() -> None:
    """Issue 7 item 2: 0.85 in a %-formatted result cell of a percent KPI is 85, said so."""
    cells = cells_frame(
        [
            {"cell": "J7", "expect": "percent", "raw": 0.85, "percent": True},
            {"cell": "J8", "expect": "number", "raw": 0.85, "percent": True},  # not a percent KPI
        ]
    )
    found = checked(cells=cells)
    assert pairs(found) == {("value-normalised", "J7")}
    assert found["message_en"].tolist() == ["Read “85%” as 85."]
    assert cells["number"].tolist() == [85.0, 0.85]


def test_many_cells_of_many_workbooks_at_once_equal_one_by_one() -> None:
    entries = [
        {**_cell_entry(case, cell_ref(row, 4 + n % 3)), "source": f"{n % 4}.xlsx"}
        for n, (row, case) in enumerate(enumerate(CELL_CASES, 7))
    ]
    together = checked(cells=cells_frame(entries))
    expected = {
        (e["source"], code, e["cell"])
        for e, case in zip(entries, CELL_CASES, strict=True)
        for code in case[5]
    }
    assert set(zip(together["source"], together["code"], together["cell"], strict=True)) == (
        expected
    )
    assert len(together) == len(expected)


def test_cell_messages() -> None:
    found = checked(
        cells=cells_frame(
            [
                {"cell": "B20", "expect": "date", "raw": dt.date(2565, 10, 3)},
                {"cell": "J13", "expect": "date", "raw": dt.date(2020, 12, 20)},
                {"cell": "D7", "expect": "number", "raw": "abc"},
                {"cell": "D8", "expect": "number", "raw": "๘๕.๕"},
                {"cell": "D9", "expect": "number", "raw": None, "error": "#REF!"},
                {"cell": "D10", "expect": "number", "raw": 5.0, "formula": "=2+3", "cached": True},
                {"cell": "D11", "expect": "tick", "raw": "maybe"},
            ]
        )
    ).set_index("cell")
    era = found.loc["B20"]
    assert era["code"] == "date-era-confused"
    assert era["message_en"] == (
        "Year 2565 looks like a B.E. year in a date cell; read as B.E. 2565. Please check."
    )
    assert found.loc["J13", "message_th"] == (
        "วันที่ 20 ธ.ค. 2563 อยู่นอกช่วงของปีงบประมาณ (1 ต.ค. 2564 ถึง 30 ก.ย. 2566) — "
        "กรุณาตรวจสอบวันที่ ตัวชี้วัดนี้จึงยังไม่มีคะแนน"
    )
    assert found.loc["D7", "message_en"] == (
        "Cannot read “abc” as a number; enter a plain number such as 85 or 85.5."
    )
    # Thai digits read, and the division told that its workbook cannot compute a text
    assert found.loc["D8", "message_en"] == (
        "Read “๘๕.๕” as 85.5; Excel treats the cell as text and leaves it out, so type it as a "
        "number."
    )
    assert found.loc["D8", "severity"] == "info"
    assert found.loc["D9", "value"] == "#REF!"
    assert "#REF!" in found.loc["D9", "message_th"]
    assert (
        found.loc["D10", "message_en"] == "The cell holds the formula “=2+3”; its result 5 is used."
    )
    # issue 7 item 12: advice that fits the input
    assert "✓" in found.loc["D11", "message_th"]
    assert set(found["actor"]) == {"division"}


# --- supporting data of the computing kinds ---------------------------------------------------


def data_entry(key: str, raw: Any, cell: str, **extra: Any) -> dict[str, Any]:
    return {
        "cell": cell,
        "sheet": DATA,
        "table": "data",
        "field": key,
        "raw": raw,
        "expect": extra.pop("expect", "number"),
        **extra,
    }


def test_zero_denominators() -> None:
    cells = cells_frame(
        [
            data_entry("numerator", 5.0, "D7"),
            data_entry("denominator", 0.0, "D8"),
            data_entry("this_year", 5.0, "D9", kpi_id="2"),
            data_entry("last_year", 0.0, "D10", kpi_id="2"),
            data_entry("denominator", 4.0, "D12", kpi_id="3"),
            data_entry("denominator", None, "D13", kpi_id="4"),  # blank: another finding
        ]
    )
    found = checked(cells=cells)
    assert pairs(found) == {("ratio-zero-denominator", "D8"), ("ratio-zero-denominator", "D10")}
    assert set(found["sheet"]) == {DATA}


def test_numerator_above_the_denominator() -> None:
    cells = cells_frame(
        [
            data_entry("numerator", 12.0, "D7", denominator=10.0),
            data_entry("numerator", 10.0, "D9", kpi_id="2", denominator=10.0),
            data_entry("numerator", 12.0, "D11", kpi_id="3", denominator=0.0),  # zero: its own
        ]
    )
    found = checked(cells=cells)
    assert pairs(found) == {("ratio-numerator-exceeds", "D7")}
    assert found["message_en"].iloc[0].startswith("The numerator (12) exceeds the denominator (10)")


def test_steps_out_of_order_and_late_months() -> None:
    cells = cells_frame(
        [
            data_entry("step:1", "✓", "D7", expect="tick"),
            data_entry("step:2", None, "D8", expect="tick"),
            data_entry("step:3", "✓", "D9", expect="tick", stray=True),
            data_entry("month:10", dt.date(2021, 11, 20), "D12", expect="date"),
            data_entry("month:11", dt.date(2022, 1, 20), "D13", expect="date", late=True),
        ]
    )
    found = checked(cells=cells)
    assert pairs(found) == {("milestone-out-of-order", "D9"), ("deadline-missed", "D13")}
    messages = dict(zip(found["code"], found["message_th"], strict=True))
    assert "ขั้นตอนที่ 3" in messages["milestone-out-of-order"]
    assert "20 ม.ค. 2565" in messages["deadline-missed"]


def test_missing_inputs_of_an_incomplete_computation() -> None:
    cells = cells_frame(
        [
            data_entry("numerator", 5.0, "D7", computed_status="incomplete"),
            data_entry("denominator", None, "D8", computed_status="incomplete", label="ตัวหาร"),
            # entirely blank: the reported result is used (a KPI finding, not these cells)
            data_entry("numerator", None, "D10", kpi_id="2", computed_status="blank"),
            data_entry("denominator", None, "D11", kpi_id="2", computed_status="blank"),
        ]
    )
    found = checked(cells=cells)
    assert pairs(found) == {("value-missing", "D8")}
    assert found["message_th"].iloc[0].startswith("ยังไม่ได้กรอกตัวหาร")


# --- the kpis table ----------------------------------------------------------------------------


def kpi_row(kpi_id: str, row: int | None = 7, **values: Any) -> dict[str, Any]:
    """One scored KPI row as the evaluation gives it to the checks (result in J, level K)."""
    base = {
        "source": "a.xlsx",
        "kpi_id": kpi_id,
        "kind": "bands",
        "sheet": SHEET,
        "result_row": row,
        "result_column": 10 if row else np.nan,
        "level_row": row,
        "level_column": 11 if row else np.nan,
        "rubric_id": 0,
        "problem_th": "",
        "problem_en": "",
        "reported": np.nan,
        "reported_date": None,
        "computed": np.nan,
        "computed_status": "not_computed",
        "value": np.nan,
        "value_source": "",
        "level": pd.NA,
        "status": "ok",
        "written": "",
        "tolerance": 0.5,
    }
    base.update(values)
    return base


def kpis_frame(*rows: dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows))
    frame["level"] = pd.array(frame["level"], dtype="Int64")
    frame["result_row"] = frame["result_row"].astype("float64")
    return frame.assign(raw=frame["written"])


def test_kpi_checks() -> None:
    kpis = kpis_frame(
        kpi_row("1", 7, value=50.0, level=3, status="ok", reported=50.0, written="50"),
        kpi_row("2", None, status="missing"),  # its row was deleted
        kpi_row("3", 9, status="missing"),
        kpi_row("4", 10, status="missing", computed_status="incomplete", kind="ratio"),
        kpi_row("5", 11, status="no_rubric", rubric_id=-1, problem_th="ไม่มีค่าน้ำหนักที่เป็นตัวเลข"),
        kpi_row("6", 12, value=20.5, level=1, status="gap"),
        kpi_row("7", 13, value=40.0, level=3, status="overlap"),
        kpi_row("8", 14, value=-3.0, level=0, status="below"),
        kpi_row("9", 15, value=120.0, level=5, status="above"),
        kpi_row("10", 16, value=150.0, status="out_of_range"),
        kpi_row("11", 17, value=0.0, level=0, status="below", kind="milestones"),
        kpi_row(
            "12",
            18,
            value=float(dt.date(2022, 1, 5).toordinal()),
            level=0,
            status="below",
            kind="deadline_date",
            reported_date=dt.date(2022, 1, 5),
        ),
        # computed 75 against a reported 80: the computed one is used, said so
        kpi_row(
            "13",
            19,
            kind="ratio",
            value=75.0,
            level=4,
            computed=75.0,
            computed_status="ok",
            value_source="computed",
            reported=80.0,
            written="80",
        ),
        # a division that rounds 82.125 to 82.1 agrees (half its last digit)
        kpi_row(
            "14",
            20,
            kind="ratio",
            value=82.13,
            level=5,
            computed=82.125,
            computed_status="ok",
            value_source="computed",
            reported=82.1,
            written="82.1",
            tolerance=0.05,
        ),
        kpi_row(
            "15",
            21,
            kind="ratio",
            value=50.0,
            level=3,
            computed_status="blank",
            value_source="reported_fallback",
            reported=50.0,
            written="50",
        ),
        kpi_row("16", 22, status="input_error", kind="ratio", computed_status="invalid"),
    )
    found = checked(kpis=kpis)
    assert set(zip(found["code"], found["kpi_id"], found["cell"], strict=True)) == {
        ("kpi-row-missing", "2", ""),
        ("value-missing", "3", "J9"),
        ("kpi-unscorable", "5", "K11"),  # on the level cell: the centre acts, not the result
        ("value-in-gap", "6", "J12"),
        ("value-in-overlap", "7", "J13"),
        ("value-below-rubric", "8", "J14"),
        ("value-above-rubric", "9", "J15"),
        ("value-out-of-range", "10", "J16"),
        ("milestone-none-done", "11", "J17"),
        ("deadline-missed", "12", "J18"),
        ("reported-value-mismatch", "13", "J19"),
        ("supporting-data-missing", "15", "J21"),
    }
    # input_error (16) and incomplete (4) have their findings on their inputs' own cells
    by_id = found.set_index("kpi_id")
    assert by_id.loc["2", "message_th"].startswith("ไม่พบแถวของตัวชี้วัด 2 ในแผ่นงาน “แบบประเมิน”")
    assert by_id.loc["5", "actor"] == "centre"
    assert "ไม่มีค่าน้ำหนักที่เป็นตัวเลข" in by_id.loc["5", "message_th"]
    assert "ส่วนกลางจะแก้ไข" in by_id.loc["5", "message_th"]
    assert by_id.loc["6", "message_en"].startswith("20.5 falls into a gap of the rubric")
    assert "level 1" in by_id.loc["6", "message_en"]
    assert by_id.loc["10", "message_th"].startswith("ค่า 150 อยู่นอกช่วงที่เป็นไปได้ (0 ถึง 100)")
    assert "5 ม.ค. 2565" in by_id.loc["12", "message_th"]
    assert by_id.loc["13", "message_en"].startswith("The reported result 80 disagrees")
    assert "(75)" in by_id.loc["13", "message_en"]
    assert "ผลที่รายงาน 50" in by_id.loc["15", "message_th"]
    assert "?" not in "".join(found["message_th"]) + "".join(found["message_en"])


def test_an_overlap_names_the_levels_it_meets() -> None:
    overlapping = Rubric.from_texts(
        ["ไม่เกิน 20", "มากกว่า 20 ถึง 40", "ตั้งแต่ 40 ถึง 60", "มากกว่า 60 ถึง 80", "มากกว่า 80"],
        value_range=(0.0, 100.0),
    )
    kpis = kpis_frame(kpi_row("1", 7, value=40.0, level=3, status="overlap", rubric_id=0))
    found = run_checks({"kpis": kpis}, {"kpis": lambda f: kpi_messages(f, {0: overlapping})})
    assert found["message_en"].tolist() == [
        "40 meets more than one criterion (2, 3); the better level 3 given. The centre should "
        "correct the overlap."
    ]


# --- form A: the target sheet ---------------------------------------------------------------

TARGET_COLUMNS = {f.key: n for n, f in enumerate(L.target_fields(FY), 1)}
PLAN_KEYS = [
    k
    for k in TARGET_COLUMNS
    if k in L.TARGET_PLAN_KEYS or k.startswith(("plan_", "result_", "est_"))
]
RESULTS = {"result_2562": 80, "result_2563": 82, "result_2564": 85}


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


def checked_target(cells: pd.DataFrame) -> pd.DataFrame:
    return checked(target=target_table(cells))


def test_target_columns_are_where_the_assertions_expect_them() -> None:
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
            {"m10": 5, "m11": 8, "m12": 10, "q1": 23, "m1": 8, "m2": 9, "m3": 9, "q2": 26,
             "total": 49},
            set(),
        ),
        (
            "sum",
            {"m10": 5, "m11": 8, "m12": 10, "q1": 25, "m1": 8, "m2": 9, "m3": 9, "q2": 26,
             "total": 60},
            {("H8", "25", "23"), ("U8", "60", "51")},
        ),
        # text with thousands separators and Thai digits: still added up (shown with them)
        ("sum", {"m10": "1,000", "m11": "๒,๐๐๐", "m12": 500, "q1": "3,500", "total": 3500}, set()),
        (
            "sum",
            {"m10": "1,000", "m11": "๒,๐๐๐", "q1": "3,500", "total": 3500},
            {("H8", "3,500", "3,000")},
        ),
        # cumulative figures: the grand total is the last quarter filled
        ("last", {"m10": 2, "m11": 5, "m12": 10, "q1": 10, "q2": 20, "q3": 30, "total": 30}, set()),
        ("last", {"q1": 10, "q2": 20, "q3": 30, "q4": 40, "total": 100}, {("U8", "100", "40")}),
        ("last", {"q1": 10, "q2": 20, "q3": 30, "total": 60}, {("U8", "60", "30")}),
        # percentages are never added: the seed's own 15 + 25 + 20 + 20 with a total of 85
        ("none", {"q1": 15, "q2": 25, "q3": 20, "q4": 20, "total": 85}, set()),
        ("none", {"m10": 50, "m11": 60, "m12": 70, "q1": 5, "total": 5}, set()),
    ],
)  # fmt: skip
def test_totals(
    aggregate: str, values: dict[str, Any], expected: set[tuple[str, str, str]]
) -> None:
    found = checked_target(target_cells({"2.1": (8, aggregate, {**values, **RESULTS})}))
    assert set(found["code"]) <= {"total-mismatch"}
    assert set(zip(found["cell"], found["value"], strict=True)) == {
        (cell, value) for cell, value, _ in expected
    }
    for cell, value, parts in expected:
        message = found.loc[found["cell"] == cell, "message_en"].item()
        assert message == f"The total {value} is not the sum of its parts ({parts})."
    assert (found["kpi_id"] == "2.1").all()
    assert (found["sheet"] == TARGET).all()


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
        # issue 7 item 8: "1.2.3" is no number: it fills no month (and has its own finding)
        "7": (14, "sum", {"m10": "1.2.3", **RESULTS}),
        # an unreadable quarter total is typed: it is not "missing" (its own finding says why)
        "8": (15, "none", {"m10": 4, "q1": "-", "total": 4, **RESULTS}),
    }
    found = checked_target(target_cells(rows))
    assert set(zip(found["code"], found["cell"], found["kpi_id"], strict=True)) == {
        ("missing-quarter-total", "H8", "1"),
        ("missing-grand-total", "U9", "2"),
        ("missing-quarter-total", "P10", "3"),
        ("missing-prior-result", "Y11", "4"),
        ("missing-prior-result", "AA11", "4"),
    }
    messages = dict(zip(found["cell"], found["message_th"], strict=True))
    assert messages["P10"] == "กรอกรายเดือนของไตรมาส 3 แล้ว แต่ยังไม่กรอกรวมไตรมาส"
    assert messages["Y11"] == "ยังไม่กรอกผลการดำเนินงานปีงบประมาณ 2563"


def test_prior_results_follow_each_workbooks_fiscal_year() -> None:
    """Two workbooks of different years in one table: each asks for its own three years."""
    one = target_cells({"1": (8, "sum", {"m10": 3, "q1": 3, "total": 3, **RESULTS})})
    cells = pd.concat(
        [
            one.assign(source="2565.xlsx"),
            one.assign(source="2566.xlsx", fiscal_year_be=2566),
        ],
        ignore_index=True,
    )
    found = checked_target(cells)
    # 2566 wants 2563–2565; the sheet (laid out for 2565) has no column for 2565
    assert set(zip(found["source"], found["code"], found["cell"], strict=True)) == {
        ("2566.xlsx", "missing-prior-result", ""),
    }
    assert found["message_en"].tolist() == ["The result of fiscal year 2565 is missing."]


def test_without_the_fiscal_year_no_prior_results_are_asked_for() -> None:
    cells = target_cells({"1": (8, "sum", {"m10": 3, "q1": 3, "total": 3})}).assign(
        fiscal_year_be=0
    )
    assert checked_target(cells).empty


def test_no_target_rows_no_findings() -> None:
    table = target_table(cells_frame([{"cell": "J7", "expect": "number", "raw": 1.0}]))
    assert table.empty
    assert checked(target=table).empty


def test_plan_cells_with_letters_are_invalid_and_not_added_up() -> None:
    cells = target_cells({"1": (8, "sum", {"m10": "10 ครั้ง", "m11": 5, "q1": 15, "total": 15})})
    assert pairs(checked(cells=cells)) == {("invalid-characters", "E8")}
    # "10 ครั้ง" is not a number: Q1 = 5 is not compared with a guess
    assert set(checked_target(cells)["code"]) == {"missing-prior-result"}


def test_target_rows_deleted() -> None:
    """Issue 7 item 8: a KPI row deleted from form A is detected, as on the scoring form."""
    rows = pd.DataFrame(
        {
            "source": ["a.xlsx", "a.xlsx", "b.xlsx"],
            "kpi_id": ["1", "2", "1"],
            "sheet": [TARGET, TARGET, TARGET],
            "present": [True, False, True],
            "row": np.nan,
            "column": np.nan,
        }
    )
    found = checked(target_rows=rows)
    assert set(zip(found["source"], found["code"], found["kpi_id"], strict=True)) == {
        ("a.xlsx", "kpi-row-missing", "2")
    }
    assert found["message_en"].tolist() == [
        f"The row of KPI 2 is missing from sheet “{TARGET}”; it may have been deleted."
    ]


# --- what the centre defines --------------------------------------------------------------------


def test_locked_fields_changed() -> None:
    locked = pd.DataFrame(
        {
            "source": ["a.xlsx"] * 3,
            "sheet": [SHEET] * 3,
            "row": [7, 7, 8],
            "column": [3, 9, 9],
            "kpi_id": ["1", "1", "2"],
            "shown": ["ชื่อที่แก้", "20", "10"],
            "expected": ["ชื่อเดิม", "10", "10"],
            "same": [False, False, True],
            "field_th": ["ตัวชี้วัด", "ค่าน้ำหนัก", "ค่าน้ำหนัก"],
        }
    )
    found = checked(locked=locked)
    assert pairs(found) == {("locked-field-changed", "C7"), ("locked-field-changed", "I7")}
    message = found.set_index("cell").loc["I7", "message_th"]
    assert message.startswith("“ค่าน้ำหนัก” ถูกแก้ไขจาก “10” เป็น “20”")
    assert "ใช้ค่าของส่วนกลาง" in message


def definitions_frame(*rows: tuple[str, str, Any, Any, bool]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COMPARED_COLUMNS[2:], dtype=object)
    return frame.assign(source="a", sheet=L.META_SHEET)[COMPARED_COLUMNS]


def test_hidden_definitions_that_differ_from_the_centres() -> None:
    found = checked(
        definitions=definitions_frame(
            ("", "ปีงบประมาณ", "2564", "2565", False),
            ("", "ปีงบประมาณ", "2565", "2565", False),
            ("1", "ค่าน้ำหนัก (ข)", 20.0, 10.0, True),
            ("1", "หน่วยวัด", " ร้อยละ ", "ร้อยละ", True),  # the same text, cleaned
            ("1", "เกณฑ์ระดับ 5", "ร้อยละ ๘๐", "ร้อยละ 80", True),  # Thai digits, the same
            ("2", "ตัวชี้วัดที่", "—", "2", False),  # the workbook lacks KPI 2
        )
    )
    assert found["code"].eq("differs-from-master").all()
    assert list(zip(found["kpi_id"], found["value"], strict=True)) == [
        ("", "2564"),
        ("1", "20"),
        ("2", "—"),
    ]
    weight = found[found["kpi_id"].eq("1")].iloc[0]
    assert "ค่าน้ำหนัก (ข)" in weight["message_th"] and "10" in weight["message_th"]
    assert set(found["actor"]) == {"centre"}


def test_scores_typed_over_formulas() -> None:
    scores = pd.DataFrame(
        {
            "source": ["a.xlsx"] * 4,
            "sheet": [SHEET] * 4,
            "row": [7, 8, 20, 21],
            "column": [11, 11, 14, 14],
            "kpi_id": ["1", "2", "", ""],
            "number": [4.0, 3.0, 4.2, 84.0],
            "computed": [4.0, 2.0, 4.2000000001, np.nan],
            "shown": ["4", "3", "4.2", "84"],
            "computed_text": ["4", "2", "4.2", "—"],
            "computed_text_en": ["4", "2", "4.2", "—"],
            "typed": [True] * 4,
            "field": ["level", "level", "total", "score_100"],
        }
    )
    found = checked(scores=scores)
    assert pairs(found) == {("typed-score-mismatch", "K8"), ("typed-score-mismatch", "N21")}
    assert "(2)" in found.set_index("cell").loc["K8", "message_en"]


def test_a_level_the_workbook_showed_differs_from_the_centres() -> None:
    # Formula cells whose stored result (what the division saw) is read: only a level that
    # differs, and that kpixl could compute, is a finding; typed numbers are another check.
    scores = pd.DataFrame(
        {
            "source": ["a.xlsx"] * 4,
            "sheet": [SHEET] * 4,
            "row": [7, 8, 9, 20],
            "column": [11, 11, 11, 14],
            "kpi_id": ["1", "2", "3", ""],
            "field": ["level", "level", "level", "total"],
            "typed": [False] * 4,
            "number": [4.0, 5.0, 2.0, 3.9],
            "computed": [4.0, 4.0, np.nan, 4.2],
            "shown": ["4", "5", "2", "3.9"],
            "computed_text": ["4", "4", "ยังคิดคะแนนไม่ได้", "4.2"],
            "computed_text_en": ["4", "4", "none", "4.2"],
            "reason_th": ["ก", "ผลที่บันทึกไว้ในไฟล์ยังไม่ได้คำนวณใหม่", "ค", "ง"],
            "reason_en": ["a", "not recalculated", "c", "d"],
        }
    )
    found = checked(scores=scores)
    assert pairs(found) == {("display-differs", "K8")}
    row = found.iloc[0]
    assert row["message_th"] == (
        "ไฟล์แสดงระดับ 5 แต่ส่วนกลางให้ระดับ 4 เพราะผลที่บันทึกไว้ในไฟล์ยังไม่ได้คำนวณใหม่"
    )
    assert row["message_en"].endswith("level 4: not recalculated.")


# --- whole workbooks -------------------------------------------------------------------------


def workbooks_frame(*rows: dict[str, Any]) -> pd.DataFrame:
    base = {
        "source": "a.xlsx",
        "sheet": "",
        "row": np.nan,
        "column": np.nan,
        "has_target": True,
        "signed_off": True,
        "signoff_sheet": TARGET,
        "signoff_row": 20.0,
        "signoff_column": 3.0,
        "kpis": 3,
        "weight_total": 100.0,
        "division_th": "กองคลัง",
        "division_en": "FIN",
    }
    frame = pd.DataFrame([{**base, **row} for row in rows])
    return frame.assign(weight_shown=frame["weight_total"].map(lambda v: f"{v:g}"))


def test_sign_off_and_weights() -> None:
    found = checked(
        workbooks=workbooks_frame(
            {"source": "ok.xlsx"},
            {"source": "unsigned.xlsx", "signed_off": False},
            # no sign-off block at all (deleted): the finding has no cell
            {
                "source": "no-block.xlsx",
                "signed_off": False,
                "signoff_sheet": np.nan,
                "signoff_row": np.nan,
                "signoff_column": np.nan,
            },
            # not scored (definitions not trusted): nothing to sign off is asked
            {"source": "untrusted.xlsx", "has_target": False, "signed_off": False, "kpis": 0},
            {"source": "heavy.xlsx", "weight_total": 110.0},
            {"source": "noise.xlsx", "weight_total": 99.99999999999999},  # 24.4 + 39.8 + 35.8
            {"source": "empty.xlsx", "weight_total": 0.0, "kpis": 0},  # no rows: no total
        )
    )
    assert set(zip(found["source"], found["code"], found["sheet"], found["cell"], strict=True)) == {
        ("unsigned.xlsx", "not-signed-off", TARGET, "C20"),
        ("no-block.xlsx", "not-signed-off", "", ""),
        ("heavy.xlsx", "weights-not-100", "", ""),
    }
    heavy = found.set_index("source").loc["heavy.xlsx"]
    assert heavy["actor"] == "centre"
    assert heavy["message_th"].startswith("ค่าน้ำหนักของกองคลัง รวมได้ 110 ต้องรวมได้ 100")
    assert heavy["message_en"].startswith("The weights of FIN sum to 110")


# --- the master's tables ----------------------------------------------------------------------

MASTER_SHEETS = {
    "organisation": "องค์กร",
    "divisions": "กอง",
    "kpis": "ตัวชี้วัด",
    "steps": "ขั้นตอน",
    "items": "รายการย่อย",
    "survey_scale": "เกณฑ์แปลผลสำรวจ",
}


def master_cell(cell: str, sheet_key: str, key: str, value: str, **facts: Any) -> dict[str, Any]:
    """One row of the ``master_cells`` table: a cell of a master sheet and its row's facts
    (a KPI row of division D1, known, not an example, unless ``facts`` say otherwise)."""
    row, column = parse_cell(cell)
    return {
        "source": "master.xlsx",
        "sheet": MASTER_SHEETS[sheet_key],
        "sheet_key": sheet_key,
        "row": row,
        "column": column,
        "key": key,
        "field": key,
        "value": value,
        "required": False,
        "division_code": "D1",
        "kpi_id": "1",
        "kind": "",
        "quarter": "",
        "division_known": True,
        "kpi_known": True,
        "example": False,
        "division_example": False,
        **facts,
    }


def master_cells_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def master_weights_frame(totals: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": "master.xlsx",
            "sheet": "ตัวชี้วัด",
            "division_code": list(totals),
            "row": range(2, 2 + len(totals)),
            "column": 22,
            "total": list(totals.values()),
            "total_shown": [format_number(t) for t in totals.values()],
            "division": [f"กอง {code}" for code in totals],
            "division_en": [f"division {code}" for code in totals],
        }
    )


MASTER_CASES = [
    # (cell, sheet, column key, value, facts) → the code expected there ("" = no finding)
    master_cell("B2", "divisions", "division_name", "", required=True),
    master_cell("B3", "divisions", "division_name", "กองคลัง", required=True),
    master_cell("V2", "kpis", "weight", "", kind="bands"),
    master_cell("V3", "kpis", "weight", ""),  # a target-sheet-only KPI needs no weight
    master_cell("B3", "organisation", "fiscal_year_be", "65"),
    master_cell("B3", "organisation", "fiscal_year_be", "๒๕๖๕"),
    master_cell("K4", "kpis", "kind", "percent"),
    master_cell("K5", "kpis", "kind", "bands"),
    master_cell("X4", "kpis", "aggregate", "total"),
    master_cell("J4", "kpis", "kpi_type", "ปริมาณ"),
    master_cell("E4", "kpis", "quarter", "5"),
    master_cell("V4", "kpis", "weight", "สิบ"),
    master_cell("V5", "kpis", "weight", "๒๐"),
    master_cell("AA4", "kpis", "survey_rounds", "0"),
    master_cell("AB4", "kpis", "min_value", "ศูนย์"),
    master_cell("AC4", "kpis", "max_value", "-"),
    master_cell("C6", "kpis", "group_id", "", quarter="1"),
    master_cell("C7", "kpis", "group_id", ""),
    master_cell("C2", "steps", "step", "หนึ่ง"),
    master_cell("E2", "items", "weight", "x"),
    master_cell("C2", "survey_scale", "score", "?"),
    master_cell("A4", "divisions", "division_code", "D1"),
    master_cell("A5", "divisions", "division_code", "D1"),
    master_cell("B8", "kpis", "kpi_id", "1"),
    master_cell("B9", "kpis", "kpi_id", "1"),
    master_cell("B10", "kpis", "kpi_id", "1", division_code="D2"),
    master_cell("A11", "kpis", "division_code", "D9", division_known=False),
    master_cell("B3", "steps", "kpi_id", "9", kpi_known=False),
    master_cell("B4", "steps", "kpi_id", "9", division_known=False, kpi_known=False),
    master_cell("G6", "divisions", "notes", "[ตัวอย่าง] กองตัวอย่าง", example=True),
    master_cell("AE12", "kpis", "notes", "[ตัวอย่าง] ตัวชี้วัด", example=True),
    master_cell("AE13", "kpis", "notes", "[ตัวอย่าง] ตัวชี้วัด", example=True, division_example=True),
]


def master_kpis_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    base = {"source": "master.xlsx", "sheet": "ตัวชี้วัด", "column": 11, "milestones": False}
    base |= {"steps_missing": "", "survey_items": 0, "items_weighted": False}
    return pd.DataFrame([base | row for row in rows])


MASTER_KPI_CASES = [
    {"row": 2, "kpi_id": "1", "kind": "milestones", "milestones": True, "steps_missing": "4, 5"},
    {"row": 3, "kpi_id": "2", "kind": "milestones", "milestones": True},
    {"row": 4, "kpi_id": "3", "kind": "survey"},
    {"row": 5, "kpi_id": "4", "kind": "survey", "survey_items": 8},
    {"row": 6, "kpi_id": "5", "kind": "weighted_items"},
    {"row": 7, "kpi_id": "6", "kind": "weighted_items", "items_weighted": True},
    {"row": 8, "kpi_id": "7", "kind": "bands"},
]


def master_groups_frame(missing: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": "master.xlsx",
            "sheet": "ตัวชี้วัด",
            "row": range(10, 10 + len(missing)),
            "column": 5,
            "kpi_id": list(missing),
            "quarter": "1",
            "quarters_missing": list(missing.values()),
        }
    )


def test_master_kpi_and_group_checks() -> None:
    found = checked(
        master_kpis=master_kpis_frame(MASTER_KPI_CASES),
        master_groups=master_groups_frame({"2.1": "2, 4", "2.2": ""}),
    )
    assert pairs(found) == {
        ("rubric-steps-missing", "K2"),
        ("survey-items-missing", "K4"),
        ("weighted-items-missing", "K6"),
        ("rubric-quarters-missing", "E10"),
    }
    steps = found[found["code"].eq("rubric-steps-missing")].iloc[0]
    assert "ขั้นตอนที่ 4, 5" in steps["message_th"]
    quarters = found[found["code"].eq("rubric-quarters-missing")].iloc[0]
    assert quarters["kpi_id"] == "2.1"
    assert quarters["message_th"] == "ตัวชี้วัดรายไตรมาส 2.1 ไม่มีเกณฑ์ของไตรมาส 2, 4"


def test_master_checks() -> None:
    found = checked(
        master_cells=master_cells_frame(MASTER_CASES),
        master_weights=master_weights_frame({"D1": 90.0, "D2": 100.0, "D3": 99.99999999999}),
    )
    assert pairs(found) == {
        ("master-field-missing", "B2"),
        ("master-field-missing", "V2"),
        ("master-bad-value", "B3"),
        ("master-bad-value", "K4"),
        ("master-bad-value", "X4"),
        ("master-bad-value", "J4"),
        ("master-bad-value", "E4"),
        ("master-bad-value", "V4"),
        ("master-bad-value", "AA4"),
        ("master-bad-value", "AB4"),
        ("master-bad-value", "AC4"),
        ("master-field-missing", "C6"),
        ("master-bad-value", "C2"),
        ("master-bad-value", "E2"),
        ("master-duplicate-id", "A5"),
        ("master-duplicate-id", "B9"),
        ("master-unknown-division", "A11"),
        ("master-unknown-kpi", "B3"),
        ("master-example-row", "G6"),
        ("master-example-row", "AE12"),
        ("weights-not-100", "V2"),
    }
    assert len(found[found["code"].eq("master-bad-value") & found["cell"].eq("B3")]) == 1
    assert len(found[found["code"].eq("master-bad-value") & found["cell"].eq("C2")]) == 2
    year = found[found["cell"].eq("B3") & found["sheet"].eq("องค์กร")].iloc[0]
    assert year["message_th"] == "ค่า “65” ใช้ไม่ได้สำหรับ “fiscal_year_be”: ต้องเป็นปี พ.ศ. เช่น 2565"
    assert year["message_en"].endswith("a B.E. year such as 2565.")
    assert set(found["actor"]) == {"centre"}


# --- the registry -----------------------------------------------------------------------------


def test_tables() -> None:
    assert TABLES == (
        "cells",
        "kpis",
        "target",
        "target_rows",
        "locked",
        "definitions",
        "scores",
        "workbooks",
        "master_cells",
        "master_weights",
        "master_kpis",
        "master_groups",
    )
    assert {c.table for c in CHECKS} == set(TABLES)


def test_a_check_of_an_unknown_table_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown check table"):
        check("value-missing", "rows")


def test_no_tables_no_findings() -> None:
    assert checked().empty
    assert checked(cells=cells_frame([])).empty


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize(
    "item", CHECKS, ids=[f"{c.table}:{c.code}:{c.passes.__name__}" for c in CHECKS]
)
def test_every_check_is_catalogued_and_fills_its_messages(item: Any) -> None:
    entry = CATALOGUE[item.code]
    th, en = _fields(entry.message_th), _fields(entry.message_en)
    given = {name for name, _ in (*item.params, *item.texts)} | {"value"}
    for name in given - {"value"}:
        # a parameter is a field of both messages: x in Thai, x or x_en in English
        if name.endswith("_en"):
            assert name in en, (item.code, name)
            assert name.removesuffix("_en") in th, (item.code, name)
        else:
            assert name in th, (item.code, name)
            assert name in en or f"{name}_en" in en, (item.code, name)
    # and every field of its messages is given (or optional: a clause that may be empty)
    optional = {"excel_note", "where", "advice", "consequence", "reason"}
    for name in th | en:
        base = name.removesuffix("_en")
        assert base in given or name in given or base in optional, (item.code, name)


def _failing(item: Any, frame: pd.DataFrame) -> bool:
    rows = frame[item.applies(frame).fillna(False).astype(bool)]
    return bool(len(rows)) and bool((~item.passes(rows).fillna(True).astype(bool)).any())


def _every_table() -> dict[str, list[pd.DataFrame]]:
    """The frames of this file's cases, by table."""
    data = cells_frame(
        [
            data_entry("denominator", 0.0, "D8"),
            data_entry("last_year", 0.0, "D10", kpi_id="2"),
            data_entry("numerator", 12.0, "D7", kpi_id="3", denominator=10.0),
            data_entry("step:3", "✓", "D9", kpi_id="4", expect="tick", stray=True),
            data_entry(
                "month:11", dt.date(2022, 1, 20), "D13", kpi_id="5", expect="date", late=True
            ),
            data_entry("denominator", None, "D14", kpi_id="6", computed_status="incomplete"),
        ]
    )
    plan = target_cells(
        {
            "1": (8, "sum", {"m10": 10, "m11": 20, "m1": 1, "m4": 1, "m7": 1}),
            "2": (9, "sum", {"q1": 20, "q2": 40, "q3": 1, "q4": 1}),
            "3": (10, "sum", {"m10": 1, "q1": 5, "total": 9}),
            "4": (11, "sum", {"m1": 1, "m2": 1, "m3": 1, "q2": 9, "m4": 1, "q3": 9, "m7": 1,
                              "q4": 9}),
        }
    )  # fmt: skip
    return {
        "cells": [
            cells_frame([_cell_entry(c, f"J{n}") for n, c in enumerate(CELL_CASES, 7)]),
            data,
            survey_round_cells(),
        ],
        "target": [target_table(plan)],
        "kpis": [
            kpis_frame(
                kpi_row("2", None, status="missing"),
                kpi_row("3", 9, status="missing"),
                kpi_row("5", 11, status="no_rubric", rubric_id=-1),
                *(
                    kpi_row(str(n), n, status=s)
                    for n, s in enumerate(("gap", "overlap", "below", "above", "out_of_range"), 20)
                ),
                kpi_row("30", 30, status="below", kind="milestones"),
                kpi_row("31", 31, status="below", kind="deadline_date"),
                kpi_row("32", 32, value_source="computed", computed=75.0, reported=80.0),
                kpi_row("33", 33, value_source="reported_fallback", reported=80.0),
            )
        ],
        "target_rows": [
            pd.DataFrame({"source": ["a"], "kpi_id": ["1"], "sheet": [TARGET], "present": [False]})
        ],
        "locked": [pd.DataFrame({"same": [False]})],
        "definitions": [definitions_frame(("1", "ค่าน้ำหนัก (ข)", "20", "10", True))],
        "scores": [
            pd.DataFrame(
                {
                    "number": [3.0, 3.0],
                    "computed": [2.0, 2.0],
                    "typed": [True, False],
                    "field": ["level", "level"],
                }
            )
        ],
        "workbooks": [
            workbooks_frame({"signed_off": False, "weight_total": 90.0}),
        ],
        "master_cells": [master_cells_frame(MASTER_CASES)],
        "master_weights": [master_weights_frame({"D1": 90.0})],
        "master_kpis": [master_kpis_frame(MASTER_KPI_CASES)],
        "master_groups": [master_groups_frame({"2.1": "2, 4"})],
    }


def test_every_registered_check_has_a_failing_case_here() -> None:
    """No check in the registry goes untested: each fails some row of this file's cases."""
    tables = _every_table()
    untested = [
        f"{c.table}:{c.code}:{c.passes.__name__}"
        for c in CHECKS
        if not any(_failing(c, frame) for frame in tables[c.table])
    ]
    assert untested == []


# --- every code used anywhere is catalogued ------------------------------------------------------

PACKAGE = Path(kpixl.__file__).resolve().parent


def _literal_codes() -> dict[str, list[str]]:
    """Codes written as the first argument of ``finding(``, ``check(``, ``UnusableFile(``,
    ``RubricIssue(`` or the third of ``findings_where(``, anywhere in the package."""
    positions = {"finding": 0, "check": 0, "UnusableFile": 0, "RubricIssue": 0, "findings_where": 2}
    used: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            position = positions.get(name)
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
                used.setdefault(arg.value, []).append(where)
    return used


def test_every_code_passed_to_finding_or_check_is_catalogued() -> None:
    used = _literal_codes()
    # the scan sees the registry's checks and the stages' findings, or it proves nothing
    assert {c.code for c in CHECKS if c.code != "value-in-gap"} & set(used)
    assert {"value-error", "not-signed-off", "internal-error", "sheet-duplicated"} <= set(used)
    assert {code: where for code, where in used.items() if code not in CATALOGUE} == {}
    assert {c.code for c in CHECKS} <= set(CATALOGUE)


def test_run_checks_prepares_each_tables_failing_rows_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from kpixl.checks import registry

    monkeypatch.setattr(registry, "CHECKS", [])
    check("value-unreadable", "cells", expected="kind")(lambda f: f["number"].notna())
    check("value-error", "cells", lambda f: f["row"].gt(5))(lambda f: f["number"].lt(50))
    check("not-signed-off", "workbooks", at="signoff", value="none")(lambda f: f["signed"])
    cells = pd.DataFrame(
        {
            "source": ["a.xlsx"] * 4,
            "sheet": ["S"] * 4,
            "row": [5, 6, 7, 8],
            "column": [2, 2, 2, 2],
            "raw": ["x", "60", "", "10"],
            "number": [np.nan, 60.0, np.nan, 10.0],
        }
    )
    workbooks = pd.DataFrame(
        {"source": ["a.xlsx"], "signed": [False], "signoff_row": [40], "signoff_column": [3]}
    )
    prepared: list[list[int]] = []

    def kinds(rows: pd.DataFrame) -> pd.DataFrame:
        prepared.append(rows["row"].tolist())
        return rows.assign(kind="ตัวเลข", none="")

    found = run_checks({"cells": cells, "workbooks": workbooks}, prepare={"cells": kinds})
    # once, for every row that fails some check of the table, in the table's order
    assert prepared == [[5, 6, 7]]
    assert found[["code", "cell"]].values.tolist() == [
        ["value-unreadable", "B5"],
        ["value-unreadable", "B7"],
        ["value-error", "B6"],
        ["value-error", "B7"],
        ["not-signed-off", "C40"],
    ]
    assert list(found.columns) == FINDING_COLUMNS
    assert "ตัวเลข" in found["message_th"].iloc[0]


def test_a_check_on_some_rows_sees_those_rows_however_it_reads_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kpixl.checks import registry

    monkeypatch.setattr(registry, "CHECKS", [])
    seen: dict[str, object] = {}

    def passes(f: pd.DataFrame) -> pd.Series:
        # a column twice (the second from the runner's cache), a list of columns, the
        # index, the length, a membership test and a method of a frame
        seen.update(
            rows=f["row"].tolist(),
            again=f["row"] is f["row"],
            pair=f[["row", "number"]].values.tolist(),
            index=list(f.index),
            length=len(f),
            has=("number" in f, "nothing" in f),
            grouped=f.groupby("sheet")["number"].sum().to_dict(),
        )
        return f.assign(big=f["number"].gt(20))["big"]

    check("value-error", "cells", lambda f: f["row"].ne(6))(passes)
    check("value-unreadable", "cells", lambda f: f["row"].ne(6))(lambda f: f["number"].lt(100))
    cells = pd.DataFrame(
        {
            "source": ["a.xlsx"] * 4,
            "sheet": ["S", "S", "T", "T"],
            "row": [5, 6, 7, 8],
            "column": [2, 2, 2, 2],
            "raw": ["10", "60", "30", "200"],
            "number": [10.0, 60.0, 30.0, 200.0],
        },
        index=[10, 11, 12, 13],
    )
    found = run_checks({"cells": cells})
    assert seen == {
        "rows": [5, 7, 8],
        "again": True,
        "pair": [[5, 10.0], [7, 30.0], [8, 200.0]],
        "index": [10, 12, 13],
        "length": 3,
        "has": (True, False),
        "grouped": {"S": 10.0, "T": 230.0},
    }
    assert found[["code", "cell"]].values.tolist() == [
        ["value-error", "B5"],
        ["value-unreadable", "B8"],
    ]
