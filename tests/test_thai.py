"""Thai text as typed: digits, percent signs, thousands separators, blanks, odd cell types."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.precision import round_value
from kpixl.thai import (
    NUMBER_STATUSES,
    THAI_DIGITS,
    clean_text,
    format_number,
    parse_number_text,
    parse_numbers,
    to_arabic_digits,
)


def test_thai_digits_map_to_arabic_in_order() -> None:
    assert to_arabic_digits(THAI_DIGITS) == "0123456789"
    assert to_arabic_digits("ร้อยละ ๘๕.๕") == "ร้อยละ 85.5"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  ร้อยละ\u00a0 ๘๕  ", "ร้อยละ 85"),
        ("๗๔\u2013๗๖", "74-76"),  # en dash
        ("๗๔\u2212๗๖", "74-76"),  # minus sign
        ("ไม่\u200bเกิน", "ไม่เกิน"),  # zero-width space inside a word
        ("\ufeffa\tb\nc", "a b c"),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("85", 85.0),
        ("85%", 85.0),
        ("85 %", 85.0),
        ("ร้อยละ 85", 85.0),
        ("ร้อยละ ๘๕", 85.0),
        ("๘๕.๕", 85.5),
        ("๘๕.๕ %", 85.5),
        ("1,234", 1234.0),
        ("1,234.50", 1234.5),
        ("๑,๒๓๔", 1234.0),
        ("12,345,678", 12345678.0),
        ("-5", -5.0),
        ("+5", 5.0),
        (".5", 0.5),
        ("5.", 5.0),
        (" 7 ", 7.0),
        ("40 บ่อ", 40.0),
        ("3 ครั้ง", 3.0),
        ("120 คน", 120.0),
        ("15 วัน", 15.0),
        ("1,500 บาท", 1500.0),
        ("\u00a085\u00a0", 85.0),
    ],
)
def test_parse_number_text_reads(text: str, expected: float) -> None:
    assert parse_number_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "85,5",  # a decimal comma is not read: is it 85.5 or 855?
        "8 5",  # digits split by a space: 85, or 8 and 5? not guessed
        "๘ ๕",
        "12,34",
        ",123",
        "1,23,456",
        "1.234,5",
        "",
        "   ",
        "%",
        "ร้อยละ",
        "ดีมาก",
        "85 ดี",
        "1/2",
        "5-6",
        "--5",
        "1.2.3",
        "๘๕ ครั้ง ครั้ง",
        "٣",  # Arabic-Indic digit: not 0-9 and not Thai
        "３",  # full-width digit
    ],
)
def test_parse_number_text_refuses(text: str) -> None:
    assert parse_number_text(text) is None


def test_parse_numbers_statuses_by_cell_kind() -> None:
    raw = pd.Series(
        [
            85,
            85.5,
            "85",
            "๘๕%",
            "1,234",
            "85,5",
            None,
            float("nan"),
            "",
            "  ",
            True,
            False,
            dt.date(2021, 12, 30),
            "ดีมาก",
            np.int64(3),
            np.float64(2.5),
        ],
        dtype=object,
    )
    got = parse_numbers(raw)
    assert list(got.columns) == ["number", "status"]
    assert got.index.equals(raw.index)
    assert got["status"].tolist() == [
        "number",
        "number",
        "normalised",
        "normalised",
        "normalised",
        "unreadable",
        "empty",
        "empty",
        "empty",
        "empty",
        "unreadable",  # a boolean is not a number, although bool is an int in Python
        "unreadable",
        "unreadable",  # a date is not a number
        "unreadable",
        "number",  # numpy scalars in an object column are real number cells
        "number",
    ]
    nothing = [None] * 9  # 85,5 · None · NaN · "" · spaces · True · False · a date · ดีมาก
    expected = [85, 85.5, 85, 85, 1234, *nothing, 3, 2.5]
    for number, want in zip(got["number"], expected, strict=True):
        if want is None:
            assert math.isnan(number)
        else:
            assert number == want
    assert set(got["status"]) <= set(NUMBER_STATUSES)


@pytest.mark.parametrize(
    "raw",
    [
        pd.Series([1.0, np.nan, 3.5]),
        pd.Series([1, 2, 3]),
        pd.Series([1, None, 3], dtype="Int64"),
        pd.Series([1.5, None], dtype="Float64"),
    ],
)
def test_parse_numbers_numeric_dtypes(raw: pd.Series) -> None:
    got = parse_numbers(raw)
    for value, number, status in zip(raw, got["number"], got["status"], strict=True):
        if pd.isna(value):
            assert status == "empty"
            assert math.isnan(number)
        else:
            assert status == "number"
            assert number == float(value)


def test_parse_numbers_keeps_a_non_default_index() -> None:
    raw = pd.Series(["๑๒", None, "x"], index=["c", "a", "b"])
    got = parse_numbers(raw)
    assert got.index.tolist() == ["c", "a", "b"]
    assert got.loc["c", "number"] == 12.0
    assert got.loc["a", "status"] == "empty"
    assert got.loc["b", "status"] == "unreadable"


def test_a_very_long_digit_string_reads_as_infinity_and_still_prints() -> None:
    text = "9" * 400
    assert parse_number_text(text) == math.inf
    number = parse_numbers(pd.Series([text]))["number"].iloc[0]
    assert number == math.inf
    assert format_number(number) == "∞"  # messages quoting it must not crash


def test_a_whole_number_beyond_a_floats_range_reads_as_infinity() -> None:
    got = parse_numbers(pd.Series([10**400, -(10**400)], dtype=object))
    assert got["number"].tolist() == [math.inf, -math.inf]
    assert got["status"].tolist() == ["number", "number"]


def test_parse_numbers_empty_series() -> None:
    got = parse_numbers(pd.Series([], dtype=object))
    assert got.empty
    assert list(got.columns) == ["number", "status"]


_PIECES = st.sampled_from(
    [
        *"0123456789",
        *THAI_DIGITS,
        ",",
        ".",
        "%",
        " ",
        "\u00a0",
        "-",
        "+",
        "\u2013",
        "\u200b",
        "ร้อยละ",
        "ประมาณ",
        "บาท",
        "คน",
        "ครั้ง",
        "บ่อ",
        "วัน",
        "เปอร์เซ็นต์",
        "x",
        "ก",
        "٣",
        "３",
        "\n",
    ]
)
_TEXTS = st.lists(_PIECES, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXTS, min_size=1, max_size=8))
def test_parse_numbers_equals_scalar_reference(texts: list[str]) -> None:
    got = parse_numbers(pd.Series(texts, dtype=object))
    for text, number, status in zip(texts, got["number"], got["status"], strict=True):
        want = parse_number_text(text)
        if want is None:
            assert math.isnan(number), text
            assert status in ("empty", "unreadable"), text
            blank = clean_text(text) == ""
            assert (status == "empty") == blank, text
        else:
            assert number == want, text
            assert status == "normalised", text


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.booleans(), st.booleans())
def test_thousands_and_thai_digits_round_trip(value: int, commas: bool, thai: bool) -> None:
    text = f"{value:,}" if commas else str(value)
    if thai:
        text = text.translate(str.maketrans("0123456789", THAI_DIGITS))
    assert parse_number_text(text) == float(value)
    assert parse_numbers(pd.Series([text]))["number"].iloc[0] == float(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (85.0, "85"),
        (85.5, "85.5"),
        (85.25, "85.25"),
        (85.256, "85.26"),
        (0.1 + 0.2, "0.3"),
        (-3.0, "-3"),
        (float("nan"), ""),
        (float("inf"), "∞"),
        (float("-inf"), "-∞"),
        # messages write thousands separators (issue 7: "Messages use … thousands separators")
        (1e6, "1,000,000"),
        (12_600_000.0, "12,600,000"),
        (-1234.5, "-1,234.5"),
        (999.999, "1,000"),
        # rounded half away from zero, as Excel's ROUND and the forms (kpixl.precision)
        (82.125, "82.13"),
        (1.005, "1.01"),
        (2.675, "2.68"),
        (-82.125, "-82.13"),
        (0.125, "0.13"),
        (80.00000000000003, "80"),
        # a value that rounds to zero has no sign
        (-0.004, "0"),
        (0.0, "0"),
    ],
)
def test_format_number(value: float, expected: str) -> None:
    assert format_number(value) == expected


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_format_number_reads_back_as_the_rounded_value(value: float) -> None:
    # What a message shows is what kpixl scores: the value rounded once (kpixl.precision).
    assert parse_number_text(format_number(value)) == round_value(value)
