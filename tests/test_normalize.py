"""normalize_cells: what people type, read the way they meant it (numbers, dates, ticks),
formulas by their calculated result, Excel errors as errors; scale_percent: 85% is 85."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl import layout as L
from kpixl.normalize import (
    NUMBER_STATUSES,
    _distinct_mixed,
    _each_distinct,
    distinct,
    lookup,
    lookup_positions,
    map_distinct,
    normalize_cells,
    scale_percent,
    select_category,
    text_test,
)
from kpixl.workbook import CELL_COLUMNS


def normalized(
    *raws: Any,
    formula: str = "",
    error: str = "",
    percent: bool = False,
    cached: bool = False,
) -> pd.DataFrame:
    """A cells frame of ``raws`` (one cell each, B1, B2, …), normalised; ``formula``,
    ``error``, ``percent`` and ``cached`` as the reader sets them, for every cell."""
    records = [
        {
            "source": "a.xlsx",
            "sheet": "แบบประเมิน",
            "table": "form",
            "kpi_id": "1",
            "field": "result",
            "raw": raw,
            "formula": formula,
            "row": row,
            "column": 2,
            "error": error,
            "percent": percent,
            "cached": cached,
        }
        for row, raw in enumerate(raws, 1)
    ]
    cells = pd.DataFrame(records, columns=CELL_COLUMNS)
    cells["raw"] = pd.Series(list(raws), dtype=object)  # keep None, bools and dates as typed
    return normalize_cells(cells)


def one(raw: Any, formula: str = "", **fields: Any) -> dict[str, Any]:
    return dict(normalized(raw, formula=formula, **fields).iloc[0])


def tick(raw: Any) -> bool | None:
    """The tick read from ``raw``: True done, False not done, None not readable or blank."""
    value = one(raw)["tick"]
    return None if pd.isna(value) else bool(value)


def test_keeps_the_cell_columns_and_rows() -> None:
    frame = normalized(1.0, "x", None)
    assert list(frame.columns[: len(CELL_COLUMNS)]) == CELL_COLUMNS
    for column in (
        "number", "number_status", "date", "date_era", "tick", "text", "blank", "shown", "written",
    ):  # fmt: skip
        assert column in frame
    assert set(frame["number_status"]) <= set(NUMBER_STATUSES)
    assert frame["row"].tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("raw", "number", "status", "shown"),
    [
        (85.0, 85.0, "number", "85"),
        (85.5, 85.5, "number", "85.5"),
        (0.0, 0.0, "number", "0"),
        ("๘๕.๕", 85.5, "normalised", "85.5"),  # Thai digits
        ("85%", 85.0, "normalised", "85"),
        (" 85 % ", 85.0, "normalised", "85"),
        ("ร้อยละ ๘๐", 80.0, "normalised", "80"),
        ("1,234", 1234.0, "normalised", "1,234"),  # shown with its separator
        ("1,234.5", 1234.5, "normalised", "1,234.5"),
        ("-5", -5.0, "normalised", "-5"),
        ("105 บ่อ", 105.0, "normalised", "105"),
        ("8 5", math.nan, "unreadable", ""),  # 85 or 8 and 5: not guessed
        ("85,5", math.nan, "unreadable", ""),  # a decimal comma is not a thousands separator
        ("ประมาณสองล้าน", math.nan, "unreadable", ""),
        ("n/a", math.nan, "unreadable", ""),
        (True, math.nan, "unreadable", ""),  # a boolean is not a number
        (dt.date(2021, 12, 30), math.nan, "unreadable", ""),  # nor is a date
        (None, math.nan, "empty", ""),
        ("   ", math.nan, "empty", ""),
    ],
)
def test_numbers(raw: Any, number: float, status: str, shown: str) -> None:
    got = one(raw)
    assert got["number_status"] == status
    if math.isnan(number):
        assert math.isnan(got["number"])
    else:
        assert got["number"] == number
    assert got["shown"] == shown


# Issue 7 item 5: a formula a division typed is a value to read (its cached result), a
# formula without a result is "uncalculated", an error value is "error" — none of them is
# "not filled".


def test_a_formula_is_read_by_its_cached_result() -> None:
    got = one(85.0, formula="=D9*100/D10", cached=True)
    assert (got["number_status"], got["number"]) == ("number", 85.0)
    assert got["text"] == "85"
    assert not bool(got["blank"])


def test_a_formula_with_a_text_result_reads_the_text() -> None:
    got = one("๘๕%", formula='=""&"๘๕%"', cached=True)
    assert (got["number_status"], got["number"]) == ("normalised", 85.0)


def test_a_formula_without_a_result_is_uncalculated_never_blank() -> None:
    got = one(None, formula='=IF(ISNUMBER(K7),K7,"")')
    assert got["number_status"] == "uncalculated"
    assert math.isnan(got["number"])
    assert got["date"] is None
    assert pd.isna(got["tick"])
    assert got["text"] == ""
    assert not bool(got["blank"])


@pytest.mark.parametrize("code", ["#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?"])
@pytest.mark.parametrize("formula", ["", "=D9/D10"])
def test_an_error_value_is_an_error_never_blank_never_a_number(code: str, formula: str) -> None:
    got = one(None, formula=formula, error=code)
    assert got["number_status"] == "error"
    assert math.isnan(got["number"])
    assert not bool(got["blank"])


def test_an_error_wins_over_whatever_sits_in_raw() -> None:
    got = one(0.0, formula="=1/0", error="#DIV/0!", cached=True)
    assert got["number_status"] == "error"
    assert math.isnan(got["number"])


@pytest.mark.parametrize(("raw", "blank"), [(None, True), ("", True), ("   ", True), (0.0, False)])
def test_blank_means_nothing_typed(raw: Any, blank: bool) -> None:
    assert bool(one(raw)["blank"]) is blank


@pytest.mark.parametrize(
    ("raw", "written"),
    [(85.0, "85"), (85.25, "85.25"), ("๘๕.๕", "๘๕.๕"), ("1,234", "1,234"), (None, "")],
)
def test_written_is_the_value_as_the_division_wrote_it(raw: Any, written: str) -> None:
    assert one(raw)["written"] == written


# --- scale_percent (issue 7 item 2: "85%" typed in Excel is stored 0.85 in a % cell) ------


def test_a_percent_formatted_cell_of_a_percent_kpi_reads_as_its_percentage() -> None:
    cells = pd.concat(
        [
            normalized(0.85, percent=True),  # 85% typed in Excel
            normalized(0.85),  # 0.85 typed in a plain cell: left as it is
            normalized("85%", percent=True),  # text: already read as 85
            normalized(None, percent=True),
        ],
        ignore_index=True,
    )
    scaled = scale_percent(cells, pd.Series([True] * 4))
    assert scaled["number"].tolist()[:3] == [85.0, 0.85, 85.0]
    assert math.isnan(scaled["number"].iloc[3])
    assert scaled["number_status"].tolist() == ["normalised", "number", "normalised", "empty"]
    assert scaled["written"].tolist()[0] == "85%"
    assert scaled["shown"].tolist()[0] == "85"


def test_scale_percent_only_where_a_percentage_is_expected() -> None:
    cells = normalized(0.85, 0.5, percent=True)
    scaled = scale_percent(cells, pd.Series([False, True]))
    assert scaled["number"].tolist() == [0.85, 50.0]
    assert scaled["number_status"].tolist() == ["number", "normalised"]
    untouched = scale_percent(cells, pd.Series([False, False]))
    pd.testing.assert_frame_equal(untouched, cells)


@pytest.mark.parametrize(
    ("raw", "date", "era"),
    [
        (dt.date(2021, 12, 30), dt.date(2021, 12, 30), "date"),
        (dt.datetime(2021, 12, 30, 9, 30), dt.date(2021, 12, 30), "date"),
        ("30 ธ.ค. 2564", dt.date(2021, 12, 30), "be"),
        ("๓๐ ธันวาคม ๒๕๖๔", dt.date(2021, 12, 30), "be"),
        ("วันที่ 30 ธ.ค. 64", dt.date(2021, 12, 30), "short"),
        ("30/12/2564", dt.date(2021, 12, 30), "be"),
        ("30/12/64", dt.date(2021, 12, 30), "short"),
        ("15/10/2022", dt.date(2022, 10, 15), "ce"),  # a C.E. year typed as text
        ("2021-12-30", dt.date(2021, 12, 30), "ce"),
        (dt.date(2565, 10, 3), dt.date(2022, 10, 3), "be"),  # B.E. year in a date cell
        (dt.datetime(2565, 10, 3), dt.date(2022, 10, 3), "be"),
        ("31/02/2565", None, "be"),  # no such day
        ("หลังปีใหม่", None, ""),
        (85.0, None, ""),
        (None, None, ""),
    ],
)
def test_dates(raw: Any, date: dt.date | None, era: str) -> None:
    got = one(raw)
    assert got["date"] == date
    assert type(got["date"]) is (dt.date if date else type(None))  # a date, never a datetime
    assert got["date_era"] == era


@pytest.mark.parametrize("mark", L.TICKS_DONE)
def test_every_done_tick(mark: str) -> None:
    assert tick(mark) is True
    assert tick(f"  {mark.upper()} ") is True  # case and spaces do not matter


@pytest.mark.parametrize("mark", L.TICKS_NOT_DONE)
def test_every_not_done_tick(mark: str) -> None:
    # the blank entry of the list is "not answered", not "not done"
    assert tick(mark) is (False if mark else None)
    assert tick(f" {mark.upper()}  ") is (False if mark else None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1.0, True),  # the number 1 typed in a tick cell
        (0.0, False),
        ("๑", True),  # Thai digit one
        ("๐", False),
        (True, True),  # a boolean cell
        (False, False),
        ("maybe", None),
        ("ทำไปครึ่งหนึ่ง", None),
        ("2", None),
        (None, None),
        ("  ", None),
    ],
)
def test_ticks_of_other_values(raw: Any, expected: bool | None) -> None:
    assert tick(raw) is expected


def test_tick_column_is_nullable_boolean() -> None:
    frame = normalized("✓", L.NOT_DONE, None, "??")
    assert str(frame["tick"].dtype) == "boolean"
    assert frame["tick"].tolist() == [True, False, pd.NA, pd.NA]


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("  ๘๕.๕ ", "85.5"),
        ("ผ่าน\u200bเกณฑ์  LPA", "ผ่านเกณฑ์ LPA"),  # zero-width space gone, spaces single
        (85.0, "85"),
        (85.25, "85.25"),
        (dt.date(2022, 10, 14), "2022-10-14"),
        (dt.datetime(2022, 10, 14, 8, 0), "2022-10-14"),
        (True, "TRUE"),
        (None, ""),
    ],
)
def test_text(raw: Any, text: str) -> None:
    assert one(raw)["text"] == text


def test_many_rows_at_once_equal_one_by_one() -> None:
    raws: list[Any] = [
        "๘๕.๕",
        "8 5",
        None,
        dt.date(2565, 10, 3),
        "15/10/2022",
        "✓",
        L.NOT_DONE,
        1.0,
        True,
    ]
    together = normalized(*raws).drop(columns=["row"]).reset_index(drop=True)
    alone = pd.concat([normalized(r) for r in raws], ignore_index=True).drop(columns=["row"])
    pd.testing.assert_frame_equal(together, alone)


# --- reading once per distinct value -----------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    """Equal, of the same type: 1, 1.0 and True are three values; -0.0 is not 0.0."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    return type(a) is type(b) and a == b


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.lists(st.integers(-3, 3)).map(lambda v: np.array(v, dtype=np.int64)),
        st.lists(st.sampled_from([0.0, -0.0, 1.5, math.nan, math.inf])).map(np.array),
        st.lists(st.booleans()).map(lambda v: np.array(v, dtype=bool)),
        st.lists(st.sampled_from(["", "a", "ก", " a"])).map(lambda v: np.array(v, dtype=object)),
        st.lists(st.sampled_from([1, 1.0, True, "1", None, math.nan, -0.0, 0.0])).map(
            lambda v: np.array(v, dtype=object)
        ),
    )
)
def test_distinct_values_of_one_type_are_those_of_the_general_reading(values: np.ndarray) -> None:
    uniques, codes = distinct(values)
    _, reference_codes = _each_distinct(values.astype(object))  # Python values, one by one
    assert len(codes) == len(values)
    assert all(_same(uniques[c], v) for c, v in zip(codes, values, strict=True))
    # The same values share a code in both (NaNs may be one value or several).
    pairs = {
        (int(c), int(r))
        for c, r, v in zip(codes, reference_codes, values, strict=True)
        if not (isinstance(v, float) and math.isnan(v))
    }
    assert len({c for c, _ in pairs}) == len({r for _, r in pairs}) == len(pairs)


_MIXED = [
    1,
    1.0,
    True,
    False,
    0,
    "1",
    "",
    None,
    math.nan,
    -0.0,
    0.0,
    2**70,
    dt.date(2022, 1, 5),
    dt.datetime(2022, 1, 5),
    dt.time(9, 30),
    dt.timedelta(days=1),
    decimal.Decimal("NaN"),
    np.float64(2.5),
    [1],
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(range(len(_MIXED))), max_size=30))
def test_values_of_mixed_types_are_told_apart_as_one_by_one(picks: list[int]) -> None:
    """Type by type, at once, the values group as the value-by-value reading groups them,
    and each keeps its own object's type (a Decimal NaN is no float, 2**70 no int64)."""
    values = np.empty(len(picks), dtype=object)
    values[:] = [_MIXED[p] for p in picks]
    uniques, codes = _distinct_mixed(values)
    reference, reference_codes = _each_distinct(values)
    assert len(uniques) == len(reference)
    assert all(uniques[c] is v or _same(uniques[c], v) for c, v in zip(codes, values, strict=True))
    assert all(type(uniques[c]) is type(v) for c, v in zip(codes, values, strict=True))
    pairs = set(zip(codes.tolist(), reference_codes.tolist(), strict=True))
    assert len({c for c, _ in pairs}) == len({r for _, r in pairs}) == len(pairs)


def test_map_distinct_keeps_negative_zero_apart_and_calls_once_per_value() -> None:
    calls: list[float] = []

    def shown(v: float) -> str:
        calls.append(v)
        return f"{v:+}"

    out = map_distinct(pd.Series([0.0, -0.0, 0.0, 2.5, -0.0]), shown)
    assert out.tolist() == ["+0.0", "-0.0", "+0.0", "+2.5", "-0.0"]
    assert len(calls) == 3


def test_map_distinct_of_categories_calls_once_per_category() -> None:
    calls: list[object] = []

    def described(v: object) -> str:
        calls.append(v)
        return f"<{v}>"

    values = pd.Series(["b", "a", None, "b", "a"], index=[5, 6, 7, 8, 9]).astype("category")
    out = map_distinct(values, described)
    assert out.tolist() == ["<b>", "<a>", "<nan>", "<b>", "<a>"]
    assert list(out.index) == [5, 6, 7, 8, 9]
    assert len(calls) == 3  # a, b and the missing value
    # the same as the values as they are, mapped one by one
    assert out.tolist() == values.astype(object).map(described).tolist()


def test_a_text_test_runs_only_on_the_rows_selected() -> None:
    texts = pd.Series(["step:1", "step:2", None, "month:1"])
    rows = pd.Series([True, False, True, True])
    seen: list[int] = []

    def starts(s: Any) -> pd.Series:
        seen.append(len(s._data))
        return s.startswith("step:")

    assert text_test(rows, texts, starts).tolist() == [True, False, False, False]
    assert seen == [3]
    assert text_test(rows & False, texts, starts).tolist() == [False] * 4
    assert seen == [3]
    # categories: the test runs once per category, the answer is the same
    categories = pd.Series(["step:1", "step:2", None, "month:1", "step:1"]).astype("category")
    rows = pd.Series([True, False, True, True, True])
    assert text_test(rows, categories, starts).tolist() == [True, False, False, False, True]
    assert seen == [3, 3]


def test_select_category_is_np_select_as_categories() -> None:
    index = pd.Index([10, 11, 12, 13, 14])
    first = pd.Series([True, False, True, False, False], index=index)
    second = np.array([True, True, False, False, True])
    given = pd.Series(["x", "y", None, "z", "w"], index=index)
    chosen = select_category([(first, "one"), (second, given)], "none", index)
    expected = np.select([first, second], ["one", given.fillna("")], "none")
    assert chosen.tolist() == expected.tolist() == ["one", "y", "one", "none", "w"]
    assert list(chosen.index) == list(index)
    # the categories of the texts chosen, sorted, as .astype("category") makes them
    assert chosen.cat.categories.tolist() == ["none", "one", "w", "y"]
    assert chosen.cat.categories.dtype == pd.Series(["a"]).astype(str).dtype
    # a missing value chosen is missing
    assert select_category([(~second, given)], "-", index).isna().tolist() == [
        *(False, False, True, False, False)
    ]
    # of given categories
    states = pd.CategoricalDtype(["blank", "invalid", "ok"])
    chosen = select_category([(first, "blank")], "ok", index, states)
    assert chosen.dtype == states and chosen.tolist() == ["blank", "ok", "blank", "ok", "ok"]
    assert select_category([], "ok", pd.RangeIndex(3)).tolist() == ["ok"] * 3


@pytest.mark.parametrize(
    "on", [["source"], ["source", "kpi_id"], ["kpi_id", "row", "source"], ["row"]]
)
def test_lookup_adds_what_a_left_merge_on_the_first_rows_adds(on: list[str]) -> None:
    left = pd.DataFrame(
        {
            "source": ["a", "b", "a", "c", "b", "e"],
            "kpi_id": ["1", "1", "2", "1", "9", None],
            "other": [1.5, 2.5, 3.5, 4.5, 5.5, 6.5],
            "row": [7, 7, 8, 7, 3, 7],
        }
    ).astype({"source": str, "kpi_id": str})
    right = pd.DataFrame(
        {
            "source": ["a", "a", "b", "b", "d", "e"],
            "kpi_id": ["2", "2", "1", "9", "1", None],
            "count": [10, 20, 30, 40, 50, 60],
            "name": ["x", "y", "z", "w", "v", "u"],
            "state": pd.Categorical(["ok", "blank", "ok", "invalid", "ok", "ok"]),
            "row": [8, 7, 7, 3, 7, 7],
        }
    ).astype({"source": str, "kpi_id": str, "name": str})
    columns = ["count", "name", "state"]
    found = lookup(left, right, on, columns)
    merged = left.merge(right.drop_duplicates(on)[[*on, *columns]], on=on, how="left")
    pd.testing.assert_frame_equal(left.assign(**found), merged)
    # keys as categories (a chunk's cells by their KPI) find the same rows
    as_categories = left.astype({"source": "category", "kpi_id": "category"})
    assert (lookup_positions(as_categories, right, on) == lookup_positions(left, right, on)).all()
    # and so do both sides as categories, each of its own (values the other lacks, a
    # missing value)
    right_categories = right.astype({"source": "category", "kpi_id": "category"})
    assert right_categories["kpi_id"].cat.codes.lt(0).any()
    expected = lookup_positions(left, right, on)
    assert (lookup_positions(as_categories, right_categories, on) == expected).all()
    # every key found: whole numbers stay whole numbers, as a merge keeps them
    some = left[left["source"].isin(["a", "b"])].reset_index(drop=True)
    assert lookup(some, right, ["source"], ["count"])["count"].dtype == "int64"
    # nothing to find
    nothing = lookup(left, right.iloc[:0], on, ["count"])["count"]
    assert len(nothing) == len(left) and pd.isna(nothing).all()
