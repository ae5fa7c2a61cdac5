"""The Thai fiscal calendar and B.E./C.E. dates: the one module of date and month words."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

import kpixl
from kpixl.fiscal import (
    FISCAL_MONTHS,
    MONTH_PATTERN,
    MONTH_WORDS,
    MONTHS_TH_ABBR,
    MONTHS_TH_FULL,
    DateReading,
    be_to_ce,
    ce_to_be,
    fiscal_quarter,
    fiscal_year_end,
    fiscal_year_start,
    format_date_long_th,
    format_date_th,
    format_datetime_th,
    month_year_ce,
    read_date,
    year_as_written,
)


@pytest.mark.parametrize(("be", "ce"), [(2564, 2021), (2565, 2022), (2543, 2000), (2500, 1957)])
def test_be_ce_conversion(be: int, ce: int) -> None:
    assert be_to_ce(be) == ce
    assert ce_to_be(ce) == be


@pytest.mark.parametrize(
    ("fiscal_year_be", "start", "end"),
    [
        (2565, dt.date(2021, 10, 1), dt.date(2022, 9, 30)),
        (2564, dt.date(2020, 10, 1), dt.date(2021, 9, 30)),
        (2566, dt.date(2022, 10, 1), dt.date(2023, 9, 30)),
    ],
)
def test_fiscal_year_bounds(fiscal_year_be: int, start: dt.date, end: dt.date) -> None:
    assert fiscal_year_start(fiscal_year_be) == start
    assert fiscal_year_end(fiscal_year_be) == end
    # a fiscal year is one year long and the next one starts the day after
    assert fiscal_year_start(fiscal_year_be + 1) == end + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("month", "quarter"),
    [
        *[(10, 1), (11, 1), (12, 1)],
        *[(1, 2), (2, 2), (3, 2)],
        *[(4, 3), (5, 3), (6, 3)],
        *[(7, 4), (8, 4), (9, 4)],
    ],
)
def test_fiscal_quarter(month: int, quarter: int) -> None:
    assert fiscal_quarter(month) == quarter


@pytest.mark.parametrize("month", [0, 13])
def test_fiscal_quarter_refuses_a_month_that_does_not_exist(month: int) -> None:
    with pytest.raises(ValueError):
        fiscal_quarter(month)


def test_fiscal_months_start_in_october_and_cover_the_year() -> None:
    assert FISCAL_MONTHS[0] == 10
    assert FISCAL_MONTHS[-1] == 9
    assert sorted(FISCAL_MONTHS) == list(range(1, 13))


@pytest.mark.parametrize(
    ("month", "year_ce"), [(10, 2021), (11, 2021), (12, 2021), (1, 2022), (6, 2022), (9, 2022)]
)
def test_month_year_ce_in_fy_2565(month: int, year_ce: int) -> None:
    assert month_year_ce(2565, month) == year_ce
    date = dt.date(year_ce, month, 1)
    assert fiscal_year_start(2565) <= date <= fiscal_year_end(2565)


def test_month_names_line_up() -> None:
    assert len(MONTHS_TH_ABBR) == len(MONTHS_TH_FULL) == 12
    assert MONTHS_TH_ABBR[11] == "ธ.ค."
    assert MONTHS_TH_FULL[11] == "ธันวาคม"
    assert MONTHS_TH_ABBR[9] == "ต.ค."


def test_format_date_th() -> None:
    assert format_date_th(dt.date(2021, 12, 30)) == "30 ธ.ค. 2564"
    assert format_date_th(dt.date(2022, 1, 1)) == "1 ม.ค. 2565"


def test_format_date_long_and_datetime_th() -> None:
    assert format_date_long_th(dt.date(2021, 10, 1)) == "1 ตุลาคม 2564"
    assert format_datetime_th(dt.datetime(2026, 12, 1, 10, 5)) == "1 ธ.ค. 2569 10:05"


# --- the month words (issue 7: "All date and month words live in one module") -----------


@pytest.mark.parametrize("month", range(1, 13))
def test_every_way_a_month_is_written(month: int) -> None:
    abbr, full = MONTHS_TH_ABBR[month - 1], MONTHS_TH_FULL[month - 1]
    for word in (full, abbr, abbr.replace(".", "")):
        assert MONTH_WORDS[word] == month
        assert re.fullmatch(MONTH_PATTERN, word)
    assert set(MONTH_WORDS.values()) == set(range(1, 13))


def test_month_pattern_prefers_the_longest_word() -> None:
    # "มี.ค." must not be read as a shorter word followed by junk, nor มีนาคม cut short
    assert re.match(MONTH_PATTERN, "มีนาคม 2565").group() == "มีนาคม"  # type: ignore[union-attr]
    assert re.match(MONTH_PATTERN, "มี.ค. 2565").group() == "มี.ค."  # type: ignore[union-attr]


def test_no_other_module_keeps_a_table_of_month_words() -> None:
    words = {w: n for w, n in MONTH_WORDS.items() if len(w) > 3}
    package = Path(kpixl.__file__).resolve().parent
    tables = {}
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        months = {n for w, n in words.items() if w in text}
        if len(months) >= 3:
            tables[str(path.relative_to(package))] = len(months)
    # the scan sees the one table there is, or it proves nothing
    assert tables == {"fiscal.py": 12}


@pytest.mark.parametrize(
    ("year", "ce", "era"),
    [
        (64, 2021, "short"),  # a two-digit year is B.E. 25xx
        (0, 1957, "short"),
        (99, 2056, "short"),
        (2564, 2021, "be"),
        (2400, 1857, "be"),
        (2021, 2021, "ce"),
        (2399, 2399, "ce"),
    ],
)
def test_year_as_written(year: int, ce: int, era: str) -> None:
    assert year_as_written(year) == (ce, era)


DEC_30_2021 = dt.date(2021, 12, 30)


@pytest.mark.parametrize(
    ("value", "date", "era", "year_written"),
    [
        ("30 ธ.ค. 2564", DEC_30_2021, "be", 2564),
        ("30 ธ.ค. ๒๕๖๔", DEC_30_2021, "be", 2564),
        ("30 ธค 2564", DEC_30_2021, "be", 2564),
        ("30ธ.ค.64", DEC_30_2021, "short", 64),
        ("30 ธันวาคม ๒๕๖๔", DEC_30_2021, "be", 2564),
        ("๓๐ ธันวาคม พ.ศ. ๒๕๖๔", DEC_30_2021, "be", 2564),
        ("วันที่ 30 ธันวาคม 2564", DEC_30_2021, "be", 2564),
        ("30/12/64", DEC_30_2021, "short", 64),
        ("30/12/2564", DEC_30_2021, "be", 2564),
        ("30-12-2564", DEC_30_2021, "be", 2564),
        ("30.12.2021", DEC_30_2021, "ce", 2021),
        ("30/12/2021", DEC_30_2021, "ce", 2021),
        ("2021-12-30", DEC_30_2021, "ce", 2021),
        ("2021-12-30 00:00:00", DEC_30_2021, "ce", 2021),
        ("  1 ต.ค. 2564 ", dt.date(2021, 10, 1), "be", 2564),
        ("1 มกราคม 2565", dt.date(2022, 1, 1), "be", 2565),
        ("29 ก.พ. 2563", dt.date(2020, 2, 29), "be", 2563),  # 2020 is a leap year
    ],
)
def test_read_date_text(value: str, date: dt.date, era: str, year_written: int) -> None:
    assert read_date(value) == DateReading(date, era, year_written)


@pytest.mark.parametrize(
    ("value", "date", "era", "year_written"),
    [
        (dt.date(2021, 12, 30), DEC_30_2021, "date", 2021),
        (dt.datetime(2021, 12, 30, 14, 5), DEC_30_2021, "date", 2021),
        (pd.Timestamp("2021-12-30 08:00"), DEC_30_2021, "date", 2021),
        # typed in B.E. where Excel expected C.E.: the year is read as B.E.
        (dt.date(2564, 12, 30), DEC_30_2021, "be", 2564),
        (dt.datetime(2564, 12, 30, 9, 0), DEC_30_2021, "be", 2564),
    ],
)
def test_read_date_cells(value: object, date: dt.date, era: str, year_written: int) -> None:
    assert read_date(value) == DateReading(date, era, year_written)


@pytest.mark.parametrize(
    "value",
    [
        "31 ก.พ. 2565",  # no 31 February
        "29 ก.พ. 2565",  # 2022 is not a leap year
        "31/04/2565",
        "32/12/2564",
        "30/13/2564",
        "2021-02-30",
        "0/12/2564",
    ],
)
def test_read_date_impossible_dates_have_no_date(value: str) -> None:
    reading = read_date(value)
    assert reading.date is None
    assert reading.era in ("be", "ce", "short")  # the form was recognised, the date is not real


@pytest.mark.parametrize(
    "value",
    ["", "ธันวาคม", "30 ธันวา", "เมื่อวาน", "30", 44560, 44560.0, None, True, pd.NaT],
)
def test_read_date_unreadable(value: object) -> None:
    assert read_date(value) == DateReading(None)


def test_read_date_b_e_cell_that_is_no_real_date() -> None:
    # 2564 is a leap year as a C.E. year, so Excel holds 29 Feb 2564; read as B.E. it is
    # 29 Feb 2021, which does not exist.
    assert read_date(dt.date(2564, 2, 29)) == DateReading(None, "be", 2564)
