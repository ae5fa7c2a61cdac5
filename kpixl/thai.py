"""Thai text as people really type it: digits, spaces, percent signs, thousands separators.

Everything here is pure (no Excel).
"""

from __future__ import annotations

import math
import re
from typing import TypeGuard

import numpy as np
import pandas as pd

from kpixl.precision import round_value

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_DIGIT_TABLE = str.maketrans(THAI_DIGITS, "0123456789")
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
# "8 5" is 85 or 8 and 5: a guess either way, so digits split by a space are not read.
_SPLIT_DIGITS = re.compile(r"[0-9][\s\u00a0\u2009\u202f]+[0-9]")


def to_arabic_digits(text: str) -> str:
    """``text`` with Thai digits ๐–๙ replaced by 0–9."""
    return text.translate(_DIGIT_TABLE)


def clean_text(text: str) -> str:
    """Arabic digits, one kind of dash, no invisible characters, single spaces, stripped."""
    return _SPACES.sub(" ", text.translate(_TEXT_TABLE)).strip()


# [0-9], not \d: \d also matches other scripts' digits (٣, ３), which float() would read
# but Excel does not; Thai digits are read, once translated.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
# Words that may surround a typed number and say nothing more than its unit.
_UNIT_WORDS = re.compile(r"(?:ร้อยละ|ประมาณ)?(.*?)(?:%|ร้อยละ|เปอร์เซ็นต์|บาท|คน|ครั้ง|บ่อ|วัน)?")
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\ufeff")
"""Characters that show nothing (zero-width space, non-joiner, joiner, BOM): a pasted text
keeps them, kpixl reads text without them, and a cell holding only them is blank."""
_TEXT_TABLE: dict[int, str | None] = str.maketrans(
    {
        **{t: a for t, a in zip(THAI_DIGITS, "0123456789", strict=True)},
        **dict.fromkeys(INVISIBLE),
        "–": "-",
        "—": "-",
        "−": "-",
        "‐": "-",
        "‑": "-",
    }
)


def parse_number_text(text: str) -> float | None:
    """The number in a hand-typed cell text, or None when it is not a plain number.

    :func:`parse_numbers` reads every text cell with it. Accepts Thai digits, spaces
    around the number and its unit, thousands separators (``1,234.5``), a trailing ``%`` or
    unit word, a leading ``ร้อยละ``. A comma is a thousands separator only between groups of
    three digits, so ``85,5`` is not read; nor are digits split by a space (``8 5``).
    """
    translated = text.translate(_TEXT_TABLE)
    return _number_in(translated, _SPACES.sub("", translated))


def _number_in(translated: str, body: str) -> float | None:
    """:func:`parse_number_text` of a text ``translated`` (``_TEXT_TABLE``), whose ``body``
    is it without spaces."""
    if _SPLIT_DIGITS.search(translated):
        return None
    match = _UNIT_WORDS.fullmatch(body)
    body = match.group(1) if match else body
    if "," in body:
        if not _THOUSANDS.fullmatch(body):
            return None
        body = body.replace(",", "")
    if not _NUMBER.fullmatch(body):
        return None
    return float(body)


def _is_number_cell(value: object) -> TypeGuard[int | float | np.integer | np.floating]:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


NUMBER_STATUSES = ("empty", "number", "normalised", "unreadable")


def parse_numbers(raw: pd.Series) -> pd.DataFrame:
    """Read a column of raw cell values as numbers.

    Args:
        raw: cell values as read (numbers, strings, None, booleans, dates).

    Returns:
        A frame with the same index and columns ``number`` (float, NaN where none) and
        ``status``: ``empty`` (blank), ``number`` (a real number cell), ``normalised`` (text
        that reads as a number: Thai digits, "85%", "1,234", spaces), ``unreadable``
        (anything else, booleans and dates included).

    A text is read by :func:`parse_number_text`, value by value: a round's cells are read
    once per distinct value (:func:`kpixl.normalize.normalize_cells`), and pandas' string
    methods on the few hundred values of one workbook cost more in calls than the reading.
    """
    readings = [_number_reading(value) for value in raw.tolist()]
    numbers = [number for number, _ in readings]
    statuses = [status for _, status in readings]
    return pd.DataFrame(
        {
            "number": pd.Series(numbers, index=raw.index, dtype="float64"),
            "status": pd.Series(statuses, index=raw.index, dtype=object),
        }
    )


def _number_reading(value: object) -> tuple[float, str]:
    if type(value) is str:  # text exactly: calamine's, and what a person typed
        translated = value.translate(_TEXT_TABLE)
        body = _SPACES.sub("", translated)
        if not body:
            return math.nan, "empty"
        number = _number_in(translated, body)
        return (math.nan, "unreadable") if number is None else (number, "normalised")
    if _is_number_cell(value):
        try:
            number = float(value)
        except OverflowError:  # a whole number beyond a float's range, as a long digit text
            number = math.inf if value > 0 else -math.inf
        return (number, "number") if number == number else (math.nan, "empty")
    # isna() of a scalar: None, NaN, pd.NA, NaT; anything else (a truth value, a date)
    # is no number
    return math.nan, "empty" if pd.isna(value) is True else "unreadable"


def format_number(value: float) -> str:
    """A number as a person would write it: thousands separated (``12,600,000``), no
    trailing ``.0``, at most 2 decimals (rounded half away from zero)."""
    if value != value:  # NaN
        return ""
    if value in (math.inf, -math.inf):  # a long enough digit string reads as inf
        return "∞" if value > 0 else "-∞"
    # Half away from zero, as ROUND and the forms do (round() would give 82.12 for 82.125).
    rounded = round_value(value)
    if rounded == int(rounded):
        return f"{int(rounded):,}"
    return f"{rounded:,.2f}".rstrip("0").rstrip(".")
