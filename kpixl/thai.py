"""Thai text as people really type it: digits, spaces, percent signs, thousands separators.

Everything here is pure (no Excel) and vectorised where it works on a column.
"""

from __future__ import annotations

import math
import re

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


# [0-9], not \d: \d also matches other scripts' digits (٣, ３), which float() reads but
# pandas does not, so the scalar and the vectorised reader would disagree.
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_THOUSANDS = r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"
# Words that may surround a typed number and say nothing more than its unit.
_UNIT_WORDS = r"(?:ร้อยละ|ประมาณ)?(.*?)(?:%|ร้อยละ|เปอร์เซ็นต์|บาท|คน|ครั้ง|บ่อ|วัน)?"
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

    This is the scalar reference of :func:`parse_numbers`. Accepts Thai digits, spaces
    around the number and its unit, thousands separators (``1,234.5``), a trailing ``%`` or
    unit word, a leading ``ร้อยละ``. A comma is a thousands separator only between groups of
    three digits, so ``85,5`` is not read; nor are digits split by a space (``8 5``).
    """
    translated = text.translate(_TEXT_TABLE)
    if _SPLIT_DIGITS.search(translated):
        return None
    body = _SPACES.sub("", translated)
    match = re.fullmatch(_UNIT_WORDS, body)
    body = match.group(1) if match else body
    if "," in body:
        if not re.fullmatch(_THOUSANDS, body):
            return None
        body = body.replace(",", "")
    if not _NUMBER.match(body):
        return None
    return float(body)


def _is_number_cell(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


NUMBER_STATUSES = ("empty", "number", "normalised", "unreadable")


def parse_numbers(raw: pd.Series) -> pd.DataFrame:
    """Read a column of raw cell values as numbers, with column operations.

    Args:
        raw: cell values as read (numbers, strings, None, booleans, dates).

    Returns:
        A frame with the same index and columns ``number`` (float, NaN where none) and
        ``status``: ``empty`` (blank), ``number`` (a real number cell), ``normalised`` (text
        that reads as a number: Thai digits, "85%", "1,234", spaces), ``unreadable``
        (anything else, booleans and dates included).
    """
    kinds = raw.map(type)
    # isinstance, not type equality: numpy scalars (np.int64, np.float64) in an object
    # column are number cells too; booleans (an int subclass) are not.
    is_number = raw.map(_is_number_cell).astype(bool) & raw.notna()
    is_text = kinds.eq(str)
    text = raw.where(is_text).astype("string")
    translated = text.str.translate(_TEXT_TABLE)
    split_digits = translated.str.contains(_SPLIT_DIGITS, regex=True).fillna(False)
    body = translated.str.replace(_SPACES, "", regex=True)
    is_blank = raw.isna() | (is_text & body.eq("").fillna(False))
    body = body.str.replace(f"^{_UNIT_WORDS}$", r"\1", regex=True)
    has_comma = body.str.contains(",", regex=False).fillna(False)
    bad_comma = has_comma & ~body.str.fullmatch(_THOUSANDS).fillna(False)
    body = body.str.replace(",", "", regex=False).where(~bad_comma)
    ok = body.str.fullmatch(_NUMBER.pattern).fillna(False) & ~split_digits
    number = pd.to_numeric(raw.where(is_number), errors="coerce").astype("float64")
    from_text = pd.to_numeric(body.where(ok), errors="coerce").astype("float64")
    number = number.fillna(from_text)
    status = pd.Series("unreadable", index=raw.index, dtype="object")
    status[ok & is_text] = "normalised"
    status[is_number] = "number"
    status[is_blank] = "empty"
    return pd.DataFrame({"number": number.where(~is_blank), "status": status})


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
