"""The Thai fiscal calendar and Buddhist Era dates: the one place dates are converted.

B.E. = C.E. + 543. Fiscal year B.E. ``Y`` runs from 1 October of C.E. ``Y - 544`` to
30 September of C.E. ``Y - 543``. Quarters: Q1 ต.ค.–ธ.ค., Q2 ม.ค.–มี.ค., Q3 เม.ย.–มิ.ย.,
Q4 ก.ค.–ก.ย.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from kpixl.thai import clean_text

BE_OFFSET = 543

MONTHS_TH_ABBR = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
MONTHS_TH_FULL = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
FISCAL_MONTHS = (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9)
"""Calendar months in fiscal-year order (ต.ค. first)."""


def be_to_ce(year_be: int) -> int:
    """C.E. year of a B.E. year."""
    return year_be - BE_OFFSET


def ce_to_be(year_ce: int) -> int:
    """B.E. year of a C.E. year."""
    return year_ce + BE_OFFSET


def fiscal_year_start(fiscal_year_be: int) -> dt.date:
    """First day (1 October) of fiscal year B.E. ``fiscal_year_be``."""
    return dt.date(be_to_ce(fiscal_year_be) - 1, 10, 1)


def fiscal_year_end(fiscal_year_be: int) -> dt.date:
    """Last day (30 September) of fiscal year B.E. ``fiscal_year_be``."""
    return dt.date(be_to_ce(fiscal_year_be), 9, 30)


def quarter_label_th(quarter: int) -> str:
    """``ไตรมาส 1 (ต.ค.–ธ.ค.)``: a fiscal quarter with its months."""
    months = FISCAL_MONTHS[(quarter - 1) * 3 : quarter * 3]
    return f"ไตรมาส {quarter} ({MONTHS_TH_ABBR[months[0] - 1]}–{MONTHS_TH_ABBR[months[-1] - 1]})"


def fiscal_quarter(month: int) -> int:
    """Fiscal quarter (1–4) of a calendar month."""
    return FISCAL_MONTHS.index(month) // 3 + 1


def month_year_ce(fiscal_year_be: int, month: int) -> int:
    """C.E. year of calendar ``month`` inside fiscal year ``fiscal_year_be``."""
    return be_to_ce(fiscal_year_be) - (1 if month >= 10 else 0)


def format_date_th(date: dt.date) -> str:
    """``30 ธ.ค. 2564``: a date the way a Thai form writes it (B.E., Arabic digits)."""
    return f"{date.day} {MONTHS_TH_ABBR[date.month - 1]} {ce_to_be(date.year)}"


def format_date_long_th(date: dt.date) -> str:
    """``1 ตุลาคม 2564``: a date in full, as an agreement writes it."""
    return f"{date.day} {MONTHS_TH_FULL[date.month - 1]} {ce_to_be(date.year)}"


def format_datetime_th(moment: dt.datetime) -> str:
    """``1 ธ.ค. 2569 10:55``: a moment as a clerk reads it (B.E., 24-hour clock)."""
    return f"{format_date_th(moment.date())} {moment:%H:%M}"


MONTH_WORDS: dict[str, int] = {}
"""Every way a Thai month is written → its calendar number: the full name (มกราคม), the
abbreviation (ม.ค.) and the abbreviation without dots or spaces (มค)."""
for _number, (_abbr, _full) in enumerate(zip(MONTHS_TH_ABBR, MONTHS_TH_FULL, strict=True), 1):
    MONTH_WORDS[_full] = _number
    MONTH_WORDS[_abbr] = _number
    MONTH_WORDS[_abbr.replace(".", "")] = _number
    MONTH_WORDS[_abbr.replace(" ", "")] = _number
MONTH_PATTERN = "|".join(re.escape(name) for name in sorted(MONTH_WORDS, key=len, reverse=True))
"""A regular-expression alternation of :data:`MONTH_WORDS`, longest first."""


def year_as_written(year: int) -> tuple[int, str]:
    """(C.E. year, era) of a year as a Thai form writes it.

    A two-digit year is B.E. 25xx (``64`` → 2564, era ``short``); 2400 or more is B.E.
    (``be``); any other year is C.E. (``ce``).
    """
    if year < 100:
        return be_to_ce(2500 + year), "short"
    if year >= 2400:
        return be_to_ce(year), "be"
    return year, "ce"


_DATE_WORDS = re.compile(
    rf"^(?:วันที่\s*)?(\d{{1,2}})\s*({MONTH_PATTERN})\s*(?:พ\.?ศ\.?\s*)?(\d{{2,4}})$"
)
_DATE_NUMERIC = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2,4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")


@dataclass(frozen=True)
class DateReading:
    """How a typed date was read.

    Attributes:
        date: the date (C.E.), or None when unreadable.
        era: ``be`` when the year was written in B.E., ``ce`` in C.E., ``short`` for a
            two-digit B.E. year such as 64, ``date`` for a real date cell.
        year_written: the year as written (for messages).
    """

    date: dt.date | None
    era: str = ""
    year_written: int | None = None


_NO_DATE = DateReading(None)


def read_date(value: object) -> DateReading:
    """Read a cell value as a date: a real date cell, or text in B.E. or C.E.

    Text forms: ``30 ธ.ค. 2564``, ``30 ธันวาคม ๒๕๖๔``, ``30/12/2564``, ``30/12/64``,
    ``2021-12-30``. A year of 2400 or more is B.E., a two-digit year is B.E. 25xx, any other
    four-digit year is C.E. A real date cell whose year is 2400 or more was typed in B.E.
    where Excel expected C.E.; it is read as B.E. (``era`` = ``be``). Which era a form
    *should* use is a check's business, not this reader's.
    """
    if value is pd.NaT:
        # NaT passes for a datetime (and a date) but has no date.
        return _NO_DATE
    if isinstance(value, dt.datetime | pd.Timestamp):
        value = value.date()
    if isinstance(value, dt.date):
        if value.year >= 2400:
            return DateReading(
                _safe_date(value.year - BE_OFFSET, value.month, value.day), "be", value.year
            )
        return DateReading(value, "date", value.year)
    if not isinstance(value, str):
        return _NO_DATE
    text = clean_text(value)
    if match := _DATE_WORDS.match(text):
        day, month, year = int(match.group(1)), MONTH_WORDS[match.group(2)], int(match.group(3))
    elif match := _DATE_NUMERIC.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _DATE_ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        return _NO_DATE
    year_ce, era = year_as_written(year)
    return DateReading(_safe_date(year_ce, month, day), era, year)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
