"""Reading the centre's Thai criteria texts: bands, milestone steps and deadlines.

This module is the one place where the reading of every phrasing is decided.

Band phrasings (``X``, ``a``, ``b`` numbers in Thai or Arabic digits; ``ร้อยละ`` and unit
words such as บ่อ, ครั้ง, วัน, คน may appear anywhere and are ignored):

=================================  =======================================================
phrase                             reading
=================================  =======================================================
``ไม่เกิน X``                       value ≤ X (an upper end, also after a lower end:
                                   ``มากกว่า a ไม่เกิน b`` = a < value ≤ b)
``ไม่ถึง X``, ``น้อยกว่า X``,        value < X
``ต่ำกว่า X``
``มากกว่า X``, ``เกินกว่า X``,        value > X
``เกิน X``, ``สูงกว่า X``
``ตั้งแต่ X``, ``ไม่น้อยกว่า X``,      value ≥ X
``ไม่ต่ำกว่า X``
``ถึง X`` (after a lower end)       value ≤ X
``แต่ไม่ถึง X`` / ``แต่ไม่เกิน X``    value < X / value ≤ X
``X ขึ้นไป``                        value ≥ X
``มากกว่า X ขึ้นไป``                 value > X — the explicit comparative decides;
                                   ขึ้นไป only says "and above" (same for เกินกว่า)
``ตั้งแต่ X ขึ้นไป``                  value ≥ X
``X ลงมา``                          value ≤ X
``เท่ากับ X`` or a lone ``X``        value = X
``ตั้งแต่ a-b``, ``a-b``,            a ≤ value ≤ b (both ends included, as Thai forms mean
``ร้อยละ a-b``, ``a ถึง b``          it; the holes this leaves between integer bands are
                                   reported by the lint, not guessed away)
=================================  =======================================================

A trailing qualifier starting with ``ของ`` (``ของอัตราว่าง``) is ignored. Anything else —
two lower ends (``มากกว่า 95 แต่ไม่น้อยกว่า 100``), an empty band, a word not in the table —
is a :class:`CriterionError` that names the text. Nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from kpixl.fiscal import MONTHS_TH_ABBR, MONTHS_TH_FULL, be_to_ce
from kpixl.thai import clean_text


class CriterionError(ValueError):
    """A criterion text that cannot be read. ``text`` is the text as written."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"cannot read criterion {text!r}: {reason}")
        self.text = text
        self.reason = reason


@dataclass(frozen=True)
class Band:
    """An interval of values; ``None`` is an open end.

    Attributes:
        lower: lower end, or None for no lower end.
        lower_inclusive: whether ``lower`` itself is inside.
        upper: upper end, or None for no upper end.
        upper_inclusive: whether ``upper`` itself is inside.
        text: the criterion as written.
        unit: the unit word found in the text (``ร้อยละ``, ``บ่อ``, …), or "".
    """

    lower: float | None
    lower_inclusive: bool
    upper: float | None
    upper_inclusive: bool
    text: str = ""
    unit: str = ""

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the band."""
        return self.above_lower(value) and self.below_upper(value)

    def above_lower(self, value: float) -> bool:
        """Whether ``value`` reaches the lower end (always, if there is none)."""
        if self.lower is None:
            return True
        return value >= self.lower if self.lower_inclusive else value > self.lower

    def below_upper(self, value: float) -> bool:
        """Whether ``value`` stays within the upper end (always, if there is none)."""
        if self.upper is None:
            return True
        return value <= self.upper if self.upper_inclusive else value < self.upper

    def describe(self) -> str:
        """Interval notation: ``(85, 90]``, ``[0, 3]``, ``(80, ∞)``."""
        left = "[" if self.lower is not None and self.lower_inclusive else "("
        right = "]" if self.upper is not None and self.upper_inclusive else ")"
        lo = "-∞" if self.lower is None else _num(self.lower)
        hi = "∞" if self.upper is None else _num(self.upper)
        return f"{left}{lo}, {hi}{right}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# --- tokenising -------------------------------------------------------------------------

_UNITS = (
    "ร้อยละ", "เปอร์เซ็นต์", "%", "บ่อ", "ครั้ง", "วัน", "คน", "ราย", "แห่ง", "เรื่อง",
    "โครงการ", "ชั่วโมง", "เดือน", "ล้านบาท", "บาท", "คะแนน", "หน่วย", "ระดับ", "กิจกรรม",
    "หลัง", "เครื่อง", "คัน", "ชุด", "ฉบับ", "ตัวชี้วัด",
)  # fmt: skip
_LOWER_OPS = {
    "ไม่น้อยกว่า": True,
    "ไม่ต่ำกว่า": True,
    "ตั้งแต่": True,
    "เกินกว่า": False,
    "มากกว่า": False,
    "สูงกว่า": False,
    "เกิน": False,
}
_UPPER_OPS = {
    "แต่ไม่เกิน": True,
    "แต่ไม่ถึง": False,
    "แต่น้อยกว่า": False,
    "แต่ต่ำกว่า": False,
    "ไม่เกิน": True,
    "ไม่ถึง": False,
    "น้อยกว่า": False,
    "ต่ำกว่า": False,
    "ถึง": True,
}
_WORDS = sorted(
    [*_LOWER_OPS, *_UPPER_OPS, "เท่ากับ", "ขึ้นไป", "ลงมา", "และ", "แต่"],
    key=len,
    reverse=True,
)
_TOKEN = re.compile(
    r"(?P<num>\d+(?:\.\d+)?)|(?P<dash>-)|(?P<word>" + "|".join(map(re.escape, _WORDS)) + ")"
)


def _squeeze(text: str) -> str:
    """Clean text with the spaces a PDF conversion leaves removed, except between digits."""
    text = clean_text(text)
    return re.sub(r"(?<!\d) | (?!\d)", "", text)


def _strip_units(text: str) -> tuple[str, str]:
    unit = ""
    for word in sorted(_UNITS, key=len, reverse=True):
        if word in text:
            unit = unit or word
            # A space, not nothing: "5 ครั้ง 5" must not become 55.
            text = text.replace(word, " ")
    # A qualifier such as "ของอัตราว่าง" after the last number says what is counted.
    text = re.sub(r"ของ[^\d]*$", "", text)
    text = re.sub(r"(?<!\d) | (?!\d)", "", re.sub(" +", " ", text))
    return text, unit


def _tokens(text: str, original: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        if match.start() != pos:
            raise CriterionError(original, f"unknown words “{text[pos : match.start()]}”")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group()))
        pos = match.end()
    if pos != len(text):
        raise CriterionError(original, f"unknown words “{text[pos:]}”")
    return tokens


def parse_band(text: str) -> Band:
    """Read one band criterion written in Thai (see the module docstring for the rules).

    Raises:
        CriterionError: the text cannot be read; the error names it.
    """
    body, unit = _strip_units(_squeeze(text))
    if " " in body:
        raise CriterionError(text, "digits separated by a space")
    tokens = _tokens(body, text)
    if not any(kind == "num" for kind, _ in tokens):
        raise CriterionError(text, "no number")

    lower: tuple[float, bool] | None = None
    upper: tuple[float, bool] | None = None

    def set_lower(value: float, inclusive: bool) -> None:
        nonlocal lower
        if lower is not None:
            raise CriterionError(text, "two lower ends")
        lower = (value, inclusive)

    def set_upper(value: float, inclusive: bool) -> None:
        nonlocal upper
        if upper is not None:
            raise CriterionError(text, "two upper ends")
        upper = (value, inclusive)

    i = 0
    n = len(tokens)

    def number_at(j: int) -> float:
        if j >= n or tokens[j][0] != "num":
            raise CriterionError(text, "a comparison without a number")
        return float(tokens[j][1])

    def range_follows(j: int) -> bool:
        return j + 1 < n and tokens[j][0] == "dash" and tokens[j + 1][0] == "num"

    while i < n:
        kind, word = tokens[i]
        if kind == "word" and word in ("และ", "แต่"):
            i += 1
        elif kind == "word" and word in _LOWER_OPS:
            value = number_at(i + 1)
            if word == "ตั้งแต่" and range_follows(i + 2):
                set_lower(value, True)
                set_upper(float(tokens[i + 3][1]), True)
                i += 4
            else:
                set_lower(value, _LOWER_OPS[word])
                i += 2
                if i < n and tokens[i] == ("word", "ขึ้นไป"):
                    i += 1
        elif kind == "word" and word in _UPPER_OPS:
            if word == "ถึง" and lower is None:
                raise CriterionError(text, "“ถึง” without a lower end")
            set_upper(number_at(i + 1), _UPPER_OPS[word])
            i += 2
        elif kind == "word" and word == "เท่ากับ":
            value = number_at(i + 1)
            set_lower(value, True)
            set_upper(value, True)
            i += 2
        elif kind == "num":
            value = float(word)
            if range_follows(i + 1):
                set_lower(value, True)
                set_upper(float(tokens[i + 2][1]), True)
                i += 3
            elif i + 1 < n and tokens[i + 1] == ("word", "ขึ้นไป"):
                set_lower(value, True)
                i += 2
            elif i + 1 < n and tokens[i + 1] == ("word", "ลงมา"):
                set_upper(value, True)
                i += 2
            elif i + 1 < n and tokens[i + 1] == ("word", "ถึง"):
                set_lower(value, True)
                i += 1
            elif n == 1:
                set_lower(value, True)
                set_upper(value, True)
                i += 1
            else:
                raise CriterionError(text, "a number without a comparison")
        else:
            raise CriterionError(text, f"unexpected “{word}”")

    band = Band(
        lower=lower[0] if lower else None,
        lower_inclusive=lower[1] if lower else False,
        upper=upper[0] if upper else None,
        upper_inclusive=upper[1] if upper else False,
        text=text,
        unit=unit,
    )
    if (
        band.lower is not None
        and band.upper is not None
        and (
            band.lower > band.upper
            or (band.lower == band.upper and not (band.lower_inclusive and band.upper_inclusive))
        )
    ):
        raise CriterionError(text, "the band is empty")
    return band


# --- milestones -------------------------------------------------------------------------

_MILESTONE = re.compile(r"^(?:ทำ)?(?:ขั้น|ชั้น)ตอนที่(\d+)(?:(?:-|ถึง)(\d+))?(?:ได้(\d+)คะแนน)?$")


@dataclass(frozen=True)
class MilestoneCriterion:
    """``ทำขั้นตอนที่ 1-3 ได้ 3 คะแนน``: steps ``first``..``last`` done, worth ``points``."""

    first: int
    last: int
    points: int | None
    text: str = ""


def parse_milestone(text: str) -> MilestoneCriterion:
    """Read a milestone criterion: ``ทำขั้นตอนที่ ๑-๒ ได้ ๒ คะแนน``.

    ``ทำ`` and ``ได้ … คะแนน`` may be left out; the typo ชั้นตอน is accepted.

    Raises:
        CriterionError: the text is not a milestone criterion.
    """
    match = _MILESTONE.match(_squeeze(text).replace(" ", ""))
    if not match:
        raise CriterionError(text, "not a milestone criterion “ทำขั้นตอนที่ …”")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    points = int(match.group(3)) if match.group(3) else None
    if last < first:
        raise CriterionError(text, "steps run backwards")
    return MilestoneCriterion(first, last, points, text)


# --- deadlines --------------------------------------------------------------------------

DEADLINE_KINDS = ("date", "day_of_next_month", "days_after_year_end")

_MONTH_WORDS = {name: i for i, name in enumerate(MONTHS_TH_FULL, 1)} | {
    abbr.replace(".", ""): i for i, abbr in enumerate(MONTHS_TH_ABBR, 1)
}
_DEADLINE_DATE = re.compile(
    r"^ภายในวันที่(\d{1,2})("
    + "|".join(sorted(_MONTH_WORDS, key=len, reverse=True))
    + r")(?:พศ)?(\d{4})$"
)
_DEADLINE_NEXT_MONTH = re.compile(r"^ภายในวันที่(\d{1,2})ของเดือนถัดไป$")
_DEADLINE_AFTER_YEAR = re.compile(r"^ภายใน(\d+)วันนับ(?:แต่|จาก)วันสิ้นปี(?:งบประมาณ)?$")


@dataclass(frozen=True)
class DeadlineCriterion:
    """A deadline: a calendar date, a day of the following month, or days after year end.

    Attributes:
        kind: one of :data:`DEADLINE_KINDS`.
        limit: the comparable limit: for ``date`` the date's ordinal (C.E.), for
            ``day_of_next_month`` the day number, for ``days_after_year_end`` the days.
        date: the date itself for ``date`` deadlines.
        text: the criterion as written.
    """

    kind: str
    limit: int
    date: dt.date | None = None
    text: str = ""


def parse_deadline(text: str) -> DeadlineCriterion:
    """Read a deadline criterion written in Thai.

    ``ภายในวันที่ ๓๐ ธันวาคม ๒๕๖๔`` (a B.E. date), ``ภายในวันที่ ๓๐ ของเดือนถัดไป``,
    ``ภายใน ๙๐ วัน นับแต่วันสิ้นปี``.

    Raises:
        CriterionError: the text is not a deadline, names a date that does not exist, or
            writes its year in C.E. (below 2400).
    """
    body = _squeeze(text).replace(" ", "").replace(".", "")
    if match := _DEADLINE_DATE.match(body):
        day, month, year_be = int(match.group(1)), _MONTH_WORDS[match.group(2)], int(match.group(3))
        if year_be < 2400:
            # 2564 is B.E.; read as B.E., a C.E. 2021 would silently mean the year 1478.
            raise CriterionError(text, "the year is not a B.E. year (พ.ศ.)")
        try:
            date = dt.date(be_to_ce(year_be), month, day)
        except ValueError as exc:
            raise CriterionError(text, "no such date") from exc
        return DeadlineCriterion("date", date.toordinal(), date, text)
    if match := _DEADLINE_NEXT_MONTH.match(body):
        return DeadlineCriterion("day_of_next_month", int(match.group(1)), None, text)
    if match := _DEADLINE_AFTER_YEAR.match(body):
        return DeadlineCriterion("days_after_year_end", int(match.group(1)), None, text)
    raise CriterionError(text, "not a deadline criterion “ภายในวันที่ …”")


def criterion_kind(text: str) -> str:
    """``milestone``, ``deadline`` or ``band``: what a criterion text looks like it is.

    Only the wording is looked at; whether it then parses is another matter.
    """
    body = _squeeze(text).replace(" ", "")
    if re.match(r"^(?:ทำ)?(?:ขั้น|ชั้น)ตอน", body):
        return "milestone"
    if body.startswith("ภายใน"):
        return "deadline"
    return "band"


def is_finite(value: float | None) -> bool:
    """Whether ``value`` is a real, finite number (not None, not NaN, not ±inf)."""
    return value is not None and math.isfinite(value)
