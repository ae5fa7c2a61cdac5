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
``ร้อยละ a-b``, ``a ถึง b``,         it; the holes this leaves between integer bands are
``ระหว่าง a-b``, ``ระหว่าง a ถึง b``  reported by the lint, not guessed away)
``มากกว่าหรือเท่ากับ X``,             value ≥ X
``สูงกว่าหรือเท่ากับ X``
``น้อยกว่าหรือเท่ากับ X``,            value ≤ X
``ต่ำกว่าหรือเท่ากับ X``,
``ไม่มากกว่า X``, ``ไม่สูงกว่า X``
``-X``                              a negative number (growth may fall): a dash that does
                                   not follow a number is a minus sign
``ลดลง …``                          a fall: the band that follows is on its size, so
                                   ``ลดลงไม่เกิน X`` = -X ≤ value < 0, ``ลดลงมากกว่า X`` =
                                   value < -X (0 is not a fall)
``เพิ่มขึ้น …``                       a rise: ``เพิ่มขึ้นไม่เกิน X`` = 0 < value ≤ X
=================================  =======================================================

Numbers may carry thousands separators (``1,000,000``). A trailing qualifier starting with
``ของ`` (``ของอัตราว่าง``) is ignored. Anything else —
two lower ends (``มากกว่า 95 แต่ไม่น้อยกว่า 100``), an empty band, a word not in the table —
is a :class:`CriterionError` that names the text. Nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from kpixl.errors import KpixlError
from kpixl.fiscal import MONTH_PATTERN, MONTH_WORDS, year_as_written
from kpixl.thai import clean_text, format_number


class CriterionError(KpixlError, ValueError):
    """A criterion text that cannot be read.

    Attributes:
        text: the criterion as written.
        reason: why, in English.
        reason_th: why, in Thai (for the clerk's messages).
        kind_mismatch: the text reads, but not as the KPI's kind of criterion.
    """

    def __init__(
        self, text: str, reason: str, reason_th: str = "", *, kind_mismatch: bool = False
    ) -> None:
        super().__init__(f"cannot read criterion {text!r}: {reason}")
        self.text = text
        self.reason = reason
        self.reason_th = reason_th or reason
        self.kind_mismatch = kind_mismatch


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
        """Interval notation: ``(85, 90]``, ``[0, 3]``, ``(80, ∞)`` (for developers)."""
        left = "[" if self.lower is not None and self.lower_inclusive else "("
        right = "]" if self.upper is not None and self.upper_inclusive else ")"
        lo = "-∞" if self.lower is None else _num(self.lower)
        hi = "∞" if self.upper is None else _num(self.upper)
        return f"{left}{lo}, {hi}{right}"


def describe_values(
    lower: float | None, lower_inclusive: bool, upper: float | None, upper_inclusive: bool
) -> tuple[str, str]:
    """(Thai, English) words for the values between two ends, for a clerk's message.

    ``(3, 4)`` → ``("ค่าที่มากกว่า 3 แต่น้อยกว่า 4", "values above 3 and below 4")``; a
    None end is open. Numbers are written with :func:`kpixl.thai.format_number`.
    """
    lo = None if lower is None or math.isinf(lower) else format_number(lower)
    hi = None if upper is None or math.isinf(upper) else format_number(upper)
    if lo is not None and lo == hi:
        return f"ค่า {lo}", f"the value {lo}"
    if lo is not None and hi is not None:
        th_lo = f"ตั้งแต่ {lo}" if lower_inclusive else f"มากกว่า {lo}"
        en_lo = f"from {lo}" if lower_inclusive else f"above {lo}"
        th_hi = f"ถึง {hi}" if upper_inclusive else f"แต่น้อยกว่า {hi}"
        # "from 0 to 15", "above 15 and up to 100": "above 15 to 100" misreads.
        en_to = "to" if lower_inclusive else "and up to"
        en_hi = f"{en_to} {hi}" if upper_inclusive else f"and below {hi}"
        return f"ค่าที่{th_lo} {th_hi}".replace("ที่ตั้งแต่", "ตั้งแต่"), f"values {en_lo} {en_hi}"
    if lo is not None:
        if lower_inclusive:
            return f"ค่าตั้งแต่ {lo} ขึ้นไป", f"values of {lo} or more"
        return f"ค่าที่มากกว่า {lo}", f"values above {lo}"
    if hi is not None:
        if upper_inclusive:
            return f"ค่าที่ไม่เกิน {hi}", f"values of {hi} or less"
        return f"ค่าที่น้อยกว่า {hi}", f"values below {hi}"
    return "ทุกค่า", "every value"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# --- tokenising -------------------------------------------------------------------------

_UNITS = (
    "ร้อยละ", "เปอร์เซ็นต์", "%", "บ่อ", "ครั้ง", "วัน", "คน", "ราย", "แห่ง", "เรื่อง",
    "โครงการ", "ชั่วโมง", "เดือน", "ล้านบาท", "บาท", "คะแนน", "หน่วย", "ระดับ", "กิจกรรม",
    "หลัง", "เครื่อง", "คัน", "ชุด", "ฉบับ", "ตัวชี้วัด",
)  # fmt: skip
_LOWER_OPS = {
    "มากกว่าหรือเท่ากับ": True,
    "สูงกว่าหรือเท่ากับ": True,
    "ไม่น้อยกว่า": True,
    "ไม่ต่ำกว่า": True,
    "ตั้งแต่": True,
    "เกินกว่า": False,
    "มากกว่า": False,
    "สูงกว่า": False,
    "เกิน": False,
}
_UPPER_OPS = {
    "น้อยกว่าหรือเท่ากับ": True,
    "ต่ำกว่าหรือเท่ากับ": True,
    # No "แต่ไม่ถึง" and the like: "แต่" is read on its own, so "แต่น้อยกว่าหรือเท่ากับ" is
    # not cut into "แต่น้อยกว่า" and an unknown "หรือเท่ากับ".
    "ไม่มากกว่า": True,
    "ไม่สูงกว่า": True,
    "ไม่เกิน": True,
    "ไม่ถึง": False,
    "น้อยกว่า": False,
    "ต่ำกว่า": False,
    "ถึง": True,
}
# A change written as a word: the band that follows is on its size.
_CHANGE_WORDS = {"ลดลง": -1, "เพิ่มขึ้น": 1}
_WORDS = sorted(
    [*_LOWER_OPS, *_UPPER_OPS, "ระหว่าง", "เท่ากับ", "ขึ้นไป", "ลงมา", "และ", "แต่"],
    key=len,
    reverse=True,
)
_TOKEN = re.compile(
    r"(?P<num>\d+(?:\.\d+)?)|(?P<dash>-)|(?P<word>" + "|".join(map(re.escape, _WORDS)) + ")"
)
# 1,000,000: commas between groups of three digits are thousands separators.
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


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
            unknown = text[pos : match.start()]
            raise CriterionError(original, f"unknown words “{unknown}”", f"ไม่รู้จักคำว่า “{unknown}”")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group()))
        pos = match.end()
    if pos != len(text):
        raise CriterionError(original, f"unknown words “{text[pos:]}”", f"ไม่รู้จักคำว่า “{text[pos:]}”")
    return _signed(tokens)


def _signed(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A dash not right after a number is a minus sign: ``ไม่ถึง -5``, but ``60-70``."""
    out: list[tuple[str, str]] = []
    for kind, word in tokens:
        previous = out[-1] if out else None
        if previous is not None and previous[0] == "sign" and kind == "num":
            out[-1] = ("num", "-" + word)
        elif kind == "dash" and (previous is None or previous[0] != "num"):
            out.append(("sign", word))
        else:
            out.append((kind, word))
    if out and out[-1][0] == "sign":
        out[-1] = ("dash", "-")
    return out


def parse_band(text: str) -> Band:
    """Read one band criterion written in Thai (see the module docstring for the rules).

    Raises:
        CriterionError: the text cannot be read; the error names it.
    """
    body, unit = _strip_units(_squeeze(text))
    body = _THOUSANDS.sub("", body)
    change = 0
    for word, sign in _CHANGE_WORDS.items():
        if body.startswith(word):
            change, body = sign, body[len(word) :]
    if " " in body:
        raise CriterionError(text, "digits separated by a space", "มีช่องว่างคั่นระหว่างตัวเลข")
    tokens = _tokens(body, text)
    if not any(kind == "num" for kind, _ in tokens):
        raise CriterionError(text, "no number", "ไม่มีตัวเลข")
    band = _read_tokens(tokens, text, unit)
    if change:
        band = _as_change(band, change)
    if (
        band.lower is not None
        and band.upper is not None
        and (
            band.lower > band.upper
            or (band.lower == band.upper and not (band.lower_inclusive and band.upper_inclusive))
        )
    ):
        raise CriterionError(text, "the band is empty", "ช่วงค่านี้ไม่มีค่าใดอยู่ได้")
    return band


def _as_change(band: Band, sign: int) -> Band:
    """A band on the size of a rise (sign +1) or a fall (sign -1) as a band on the value.

    "ลดลงไม่เกินร้อยละ 5" is a fall of at most 5: -5 ≤ value < 0. The word itself says the
    value rose or fell, so 0 is outside (a rubric that leaves 0 uncovered shows as a gap).
    """
    lower, lower_inclusive = band.lower, band.lower_inclusive
    upper, upper_inclusive = band.upper, band.upper_inclusive
    if lower is None or lower < 0 or (lower == 0 and lower_inclusive):
        lower, lower_inclusive = 0.0, False
    if sign > 0:
        return Band(lower, lower_inclusive, upper, upper_inclusive, band.text, band.unit)
    return Band(
        None if upper is None else -upper,
        upper_inclusive,
        -lower,
        lower_inclusive,
        band.text,
        band.unit,
    )


def _read_tokens(tokens: list[tuple[str, str]], text: str, unit: str) -> Band:
    lower: tuple[float, bool] | None = None
    upper: tuple[float, bool] | None = None

    def set_lower(value: float, inclusive: bool) -> None:
        nonlocal lower
        if lower is not None:
            raise CriterionError(text, "two lower ends", "มีขอบล่างสองค่า")
        lower = (value, inclusive)

    def set_upper(value: float, inclusive: bool) -> None:
        nonlocal upper
        if upper is not None:
            raise CriterionError(text, "two upper ends", "มีขอบบนสองค่า")
        upper = (value, inclusive)

    i = 0
    n = len(tokens)

    def number_at(j: int) -> float:
        if j >= n or tokens[j][0] != "num":
            raise CriterionError(text, "a comparison without a number", "มีคำเปรียบเทียบแต่ไม่มีตัวเลข")
        return float(tokens[j][1])

    def range_follows(j: int) -> bool:
        return (
            j + 1 < n
            and (tokens[j][0] == "dash" or tokens[j] in (("word", "ถึง"), ("word", "และ")))
            and tokens[j + 1][0] == "num"
        )

    while i < n:
        kind, word = tokens[i]
        if kind == "word" and word in ("และ", "แต่"):
            i += 1
        elif kind == "word" and word == "ระหว่าง":
            value = number_at(i + 1)
            if not range_follows(i + 2):
                raise CriterionError(text, "“ระหว่าง” needs two numbers", "“ระหว่าง” ต้องมีตัวเลขสองค่า")
            set_lower(value, True)
            set_upper(float(tokens[i + 3][1]), True)
            i += 4
        elif kind == "word" and word in _LOWER_OPS:
            value = number_at(i + 1)
            if word == "ตั้งแต่" and range_follows(i + 2) and tokens[i + 2][0] == "dash":
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
                raise CriterionError(text, "“ถึง” without a lower end", "มี “ถึง” แต่ไม่มีขอบล่าง")
            set_upper(number_at(i + 1), _UPPER_OPS[word])
            i += 2
        elif kind == "word" and word == "เท่ากับ":
            value = number_at(i + 1)
            set_lower(value, True)
            set_upper(value, True)
            i += 2
        elif kind == "num":
            value = float(word)
            if i + 2 < n and tokens[i + 1][0] == "dash" and tokens[i + 2][0] == "num":
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
                raise CriterionError(
                    text, "a number without a comparison", "มีตัวเลขแต่ไม่มีคำเปรียบเทียบ"
                )
        else:
            raise CriterionError(text, f"unexpected “{word}”", f"ไม่คาดว่าจะพบ “{word}” ตรงนี้")

    return Band(
        lower=lower[0] if lower else None,
        lower_inclusive=lower[1] if lower else False,
        upper=upper[0] if upper else None,
        upper_inclusive=upper[1] if upper else False,
        text=text,
        unit=unit,
    )


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
        raise CriterionError(
            text,
            "not a milestone criterion “ทำขั้นตอนที่ …”",
            "ไม่ใช่เกณฑ์แบบขั้นตอน “ทำขั้นตอนที่ …”",
        )
    first = int(match.group(1))
    last = int(match.group(2) or first)
    points = int(match.group(3)) if match.group(3) else None
    if last < first:
        raise CriterionError(text, "steps run backwards", "ลำดับขั้นตอนย้อนกลับ")
    return MilestoneCriterion(first, last, points, text)


# --- deadlines --------------------------------------------------------------------------

DEADLINE_KINDS = ("date", "day_of_next_month", "days_after_year_end")

# "ภายในวันที่ ๓๐ ธันวาคม ๒๕๖๔", "ภายใน ๓๐ ธ.ค. ๖๔" (a two-digit B.E. year), with the spaces
# squeezed out; the month words are the fiscal module's.
_DEADLINE_DATE = re.compile(
    r"^ภายใน(?:วันที่)?(\d{1,2})(" + MONTH_PATTERN + r")(?:พ\.?ศ\.?)?(\d{2}|\d{4})$"
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

    ``ภายในวันที่ ๓๐ ธันวาคม ๒๕๖๔`` or ``ภายใน ๓๐ ธ.ค. ๖๔`` (a B.E. date; a two-digit year
    is B.E. 25xx), ``ภายในวันที่ ๓๐ ของเดือนถัดไป``, ``ภายใน ๙๐ วัน นับแต่วันสิ้นปี``.

    Raises:
        CriterionError: the text is not a deadline, names a date that does not exist, or
            writes its year in C.E. (a four-digit year below 2400).
    """
    body = _squeeze(text).replace(" ", "")
    if match := _DEADLINE_DATE.match(body):
        day, month = int(match.group(1)), MONTH_WORDS[match.group(2)]
        year_ce, era = year_as_written(int(match.group(3)))
        if era == "ce":
            # 2021 would silently mean the year 1478 if read as B.E.; it is not guessed.
            raise CriterionError(text, "the year is not a B.E. year (พ.ศ.)", "ปีไม่ได้เขียนเป็น พ.ศ.")
        try:
            date = dt.date(year_ce, month, day)
        except ValueError as exc:
            raise CriterionError(text, "no such date", "ไม่มีวันที่นี้ในปฏิทิน") from exc
        return DeadlineCriterion("date", date.toordinal(), date, text)
    body = body.replace(".", "")
    if match := _DEADLINE_NEXT_MONTH.match(body):
        return DeadlineCriterion("day_of_next_month", int(match.group(1)), None, text)
    if match := _DEADLINE_AFTER_YEAR.match(body):
        return DeadlineCriterion("days_after_year_end", int(match.group(1)), None, text)
    raise CriterionError(
        text,
        "not a deadline criterion “ภายในวันที่ …”",
        "ไม่ใช่เกณฑ์แบบกำหนดเวลา “ภายในวันที่ …”",
    )


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
