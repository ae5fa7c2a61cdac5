"""Rubrics: a KPI's five criteria as data, and the one scoring policy.

A rubric turns a value into a level 0–5. Three shapes of criteria exist in real forms:

* :class:`BandRubric` — five intervals of a number (ร้อยละ, counts). Direction (higher or
  lower is better) is inferred from the bands.
* :class:`MilestoneRubric` — level L needs steps 1..L done; the value is the number of
  consecutive steps done from step 1.
* :class:`DeadlineRubric` — five ever-earlier deadlines; the value is a date turned into a
  number (see :meth:`DeadlineRubric.quantities`).

Scoring policy (the same in :meth:`Rubric.lookup`, the scalar reference
:meth:`Rubric.lookup_one` and the Excel formula of :meth:`Rubric.excel_formula`):

* **Bands, higher is better**: the level is the highest level whose *lower end* the value
  reaches (an open lower end is always reached); 0 when it reaches none. For ordered bands
  this is the level whose band holds the value; in a gap, the highest level whose band lies
  wholly below the value; in an overlap, the better of the two; below every band, 0; above
  a capped level 5, 5. **Lower is better** mirrors this with upper ends.
* **Milestones and deadlines** are thresholds: the level is the highest level whose
  threshold is met (steps done ≥ steps required; delivered ≤ deadline); 0 when none is.
* A value that is missing or outside the possible range (ร้อยละ 0–100 unless the KPI says
  otherwise) gets no level (NA).

Every value also gets a ``status`` saying how the level came about, which the checks turn
into findings: ``ok``, ``gap``, ``overlap``, ``below`` (level 0), ``above`` (beyond a capped
level 5), ``out_of_range`` and ``missing`` (both NA).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd

from kpixl.criteria import (
    Band,
    CriterionError,
    DeadlineCriterion,
    MilestoneCriterion,
    criterion_kind,
    describe_values,
    parse_band,
    parse_deadline,
    parse_milestone,
)
from kpixl.thai import clean_text

_KIND_TH = {"milestone": "ขั้นตอน", "deadline": "กำหนดเวลา", "band": "ช่วงค่า"}
LEVEL_STATUSES = ("ok", "gap", "overlap", "below", "above", "out_of_range", "missing")
PERCENT_UNITS = ("ร้อยละ", "%", "เปอร์เซ็นต์")
Range = tuple[float | None, float | None]


@dataclass(frozen=True)
class RubricIssue:
    """A flaw found in a rubric definition.

    Attributes:
        code: a finding code of the catalogue (``rubric-gap``, …).
        level: the level (1-based) the flaw is about, for locating its cell; None for the
            rubric as a whole.
        params: fields for the finding's message.
    """

    code: str
    level: int | None = None
    params: Mapping[str, str] = field(default_factory=dict)


class Rubric(ABC):
    """Base of all rubric kinds. Build one with :meth:`Rubric.from_texts`."""

    kind: ClassVar[str]
    texts: tuple[str, ...]

    @staticmethod
    def from_texts(texts: Sequence[str], *, value_range: Range | None = None) -> Rubric:
        """Build a rubric from its level criteria as written, level 1 first.

        The kind is read from the wording: milestone steps (``ทำขั้นตอนที่ …``), deadlines
        (``ภายใน…``) or bands.

        Args:
            texts: the criteria, level 1 first (normally five).
            value_range: the possible (minimum, maximum) of the value for bands; None ends
                are unbounded. Default: 0–100 when the criteria are in ร้อยละ, from 0 for
                other units, unbounded when there is no unit.

        Raises:
            CriterionError: a criterion cannot be read, or the levels mix kinds; the error
                names the text.
        """
        if not texts:
            raise CriterionError("", "no criteria", "ไม่มีเกณฑ์")
        kinds = [criterion_kind(t) for t in texts]
        if kinds.count(kinds[0]) != len(kinds):
            odd = next(t for t, k in zip(texts, kinds, strict=True) if k != kinds[0])
            raise CriterionError(
                odd,
                f"mixed with {kinds[0]} criteria",
                f"ปนกับเกณฑ์แบบ{_KIND_TH[kinds[0]]}",
                kind_mismatch=True,
            )
        if kinds[0] == "milestone":
            return MilestoneRubric.from_texts(texts)
        if kinds[0] == "deadline":
            return DeadlineRubric.from_texts(texts)
        return BandRubric.from_texts(texts, value_range=value_range)

    @property
    def size(self) -> int:
        """Number of levels (5 in a well-formed rubric)."""
        return len(self.texts)

    @abstractmethod
    def lookup(self, values: pd.Series) -> pd.DataFrame:
        """Score a whole column at once.

        Args:
            values: numbers (NaN/NA = missing).

        Returns:
            A frame with the same index: ``level`` (Int64, NA when not scored) and ``status``
            (one of :data:`LEVEL_STATUSES`).
        """

    @abstractmethod
    def lookup_one(self, value: float | None) -> tuple[int | None, str]:
        """Scalar reference of :meth:`lookup`: (level or None, status) of one value."""

    def level(self, value: float | None) -> int | None:
        """The level of one value, or None when it cannot be scored."""
        return self.lookup_one(value)[0]

    def levels(self, values: pd.Series) -> pd.Series:
        """The levels of a whole Series (Int64, NA where not scored)."""
        return self.lookup(values)["level"]

    @abstractmethod
    def lint(self) -> list[RubricIssue]:
        """The flaws of this rubric: gaps, overlaps, order, coverage."""

    @abstractmethod
    def excel_formula(self, ref: str) -> str:
        """An Excel formula (without ``=``) giving the level of the value in cell ``ref``,
        or ``""`` where kpixl gives NA. Same policy as :meth:`lookup`."""


def _is_na(value: object) -> bool:
    """Whether a scalar is NaN, ``pd.NA`` or ``pd.NaT`` (``None`` is tested inline)."""
    return value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _as_float_array(values: pd.Series) -> np.ndarray:
    array: np.ndarray = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
    return array


def _threshold_lookup(
    values: pd.Series, limits: np.ndarray, at_least: bool, out_of_range: np.ndarray | None = None
) -> pd.DataFrame:
    """Level = highest L whose limit is met (value ≥ limit, or ≤ when not ``at_least``)."""
    v = _as_float_array(values)
    met = v[:, None] >= limits[None, :] if at_least else v[:, None] <= limits[None, :]
    level = _highest_true(met)
    missing = np.isnan(v)
    bad = missing if out_of_range is None else missing | out_of_range
    status = np.where(level == 0, "below", "ok").astype(object)
    if out_of_range is not None:
        status[out_of_range] = "out_of_range"
    status[missing] = "missing"
    return _frame(values.index, level, bad, status)


def _highest_true(matrix: np.ndarray) -> np.ndarray:
    """1-based index of the last True of each row, 0 when a row has none."""
    k = matrix.shape[1]
    any_true = matrix.any(axis=1)
    last = k - np.argmax(matrix[:, ::-1], axis=1)
    return np.where(any_true, last, 0)


def _frame(index: pd.Index, level: np.ndarray, na: np.ndarray, status: np.ndarray) -> pd.DataFrame:
    levels = pd.array(level, dtype="Int64")
    levels[na] = pd.NA
    return pd.DataFrame({"level": levels, "status": status.astype(object)}, index=index)


# --- bands ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Oriented:
    """A band seen so that higher is better (lower-is-better bands are negated)."""

    lo: float
    lo_incl: bool
    hi: float
    hi_incl: bool


def _orient(band: Band, sign: int) -> _Oriented:
    lo = -math.inf if band.lower is None else band.lower
    hi = math.inf if band.upper is None else band.upper
    # An open end holds every value, ±inf included, as Band.contains says.
    lo_incl = band.lower_inclusive or band.lower is None
    hi_incl = band.upper_inclusive or band.upper is None
    if sign > 0:
        return _Oriented(lo, lo_incl, hi, hi_incl)
    return _Oriented(-hi, hi_incl, -lo, lo_incl)


def _interval(
    name: str, lo: float, lo_incl: bool, hi: float, hi_incl: bool, sign: int
) -> dict[str, str]:
    """The message fields ``name`` (Thai words) and ``name_en`` for values between two
    ends, in the original direction of values."""
    if sign < 0:
        lo, hi, lo_incl, hi_incl = -hi, -lo, hi_incl, lo_incl
    th, en = describe_values(
        lo if math.isfinite(lo) else None, lo_incl, hi if math.isfinite(hi) else None, hi_incl
    )
    return {name: th, f"{name}_en": en}


def default_range(units: Sequence[str]) -> Range:
    """The possible range of a value by the units its criteria are written in."""
    if any(u in PERCENT_UNITS for u in units):
        return (0.0, 100.0)
    if any(units):
        return (0.0, None)
    return (None, None)


@dataclass(frozen=True)
class BandRubric(Rubric):
    """Five bands on a number.

    Attributes:
        bands: one :class:`Band` per level, level 1 first.
        direction: ``higher`` or ``lower`` (which end is better), inferred from the bands.
        value_range: the possible (minimum, maximum); None ends are unbounded.
    """

    kind: ClassVar[str] = "bands"
    bands: tuple[Band, ...]
    direction: str
    value_range: Range = (None, None)
    texts: tuple[str, ...] = ()

    @classmethod
    def from_texts(cls, texts: Sequence[str], *, value_range: Range | None = None) -> BandRubric:
        """Parse the band criteria (level 1 first); see :meth:`Rubric.from_texts`.

        Raises:
            CriterionError: a criterion cannot be read.
        """
        bands = tuple(parse_band(t) for t in texts)
        if value_range is None:
            value_range = default_range([b.unit for b in bands])
        return cls(bands, _infer_direction(bands), value_range, tuple(texts))

    @property
    def sign(self) -> int:
        """+1 when higher is better, -1 when lower is better."""
        return 1 if self.direction == "higher" else -1

    def lookup(self, values: pd.Series) -> pd.DataFrame:
        return lookup_bands([self], np.zeros(len(values), dtype=np.intp), values)

    def lookup_one(self, value: float | None) -> tuple[int | None, str]:
        if value is None or _is_na(value):
            return None, "missing"
        minimum, maximum = self.value_range
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            return None, "out_of_range"
        level = 0
        matches = 0
        for number, band in enumerate(self.bands, 1):
            reached = band.above_lower(value) if self.sign > 0 else band.below_upper(value)
            if reached:
                level = number
            if band.contains(value):
                matches += 1
        if matches > 1:
            return level, "overlap"
        if matches == 1:
            return level, "ok"
        if level == 0:
            return 0, "below"
        if level == self.size:
            return level, "above"
        return level, "gap"

    def lint(self) -> list[RubricIssue]:
        issues: list[RubricIssue] = []
        if self.size != 5:
            issues.append(RubricIssue("rubric-level-count", None, {"count": str(self.size)}))
        pairs = _pair_directions(self.bands)
        ups, downs = pairs.count(1), pairs.count(-1)
        if ups == downs and ups:
            issues.append(RubricIssue("rubric-mixed-direction"))
            return issues
        oriented = [_orient(b, self.sign) for b in self.bands]
        for number, pair in enumerate(pairs, 2):
            if pair != self.sign:
                issues.append(
                    RubricIssue(
                        "rubric-order", number, {"level": str(number), "previous": str(number - 1)}
                    )
                )
                continue
            worse, better = oriented[number - 2], oriented[number - 1]
            issues.extend(self._boundary(number - 1, worse, better))
        issues.extend(self._coverage(oriented))
        return issues

    def _boundary(self, level: int, worse: _Oriented, better: _Oriented) -> list[RubricIssue]:
        params = {"lower_level": str(level), "upper_level": str(level + 1)}
        if worse.hi < better.lo or (
            worse.hi == better.lo and not worse.hi_incl and not better.lo_incl
        ):
            gap = _interval(
                "gap", worse.hi, not worse.hi_incl, better.lo, not better.lo_incl, self.sign
            )
            return [RubricIssue("rubric-gap", level + 1, {**params, **gap})]
        if worse.hi > better.lo or (worse.hi == better.lo and worse.hi_incl and better.lo_incl):
            overlap = _interval(
                "overlap", better.lo, better.lo_incl, worse.hi, worse.hi_incl, self.sign
            )
            return [RubricIssue("rubric-overlap", level + 1, {**params, **overlap})]
        return []

    def _coverage(self, oriented: list[_Oriented]) -> list[RubricIssue]:
        issues = []
        minimum, maximum = self.value_range
        low_end, high_end = (
            (minimum, maximum)
            if self.sign > 0
            else (
                None if maximum is None else -maximum,
                None if minimum is None else -minimum,
            )
        )
        first, last = oriented[0], oriented[-1]
        floor = -math.inf if low_end is None else low_end
        if first.lo > floor or (first.lo == floor and not first.lo_incl and math.isfinite(floor)):
            uncovered = _interval("uncovered", floor, True, first.lo, not first.lo_incl, self.sign)
            issues.append(RubricIssue("rubric-bottom-uncovered", 1, uncovered))
        ceiling = math.inf if high_end is None else high_end
        if last.hi < ceiling or (
            last.hi == ceiling and not last.hi_incl and math.isfinite(ceiling)
        ):
            uncovered = _interval("uncovered", last.hi, not last.hi_incl, ceiling, True, self.sign)
            issues.append(RubricIssue("rubric-top-capped", self.size, uncovered))
        return issues

    def excel_formula(self, ref: str) -> str:
        terms = []
        for number, band in enumerate(self.bands, 1):
            if self.sign > 0:
                end, inclusive, op = band.lower, band.lower_inclusive, (">=", ">")
            else:
                end, inclusive, op = band.upper, band.upper_inclusive, ("<=", "<")
            if end is None:
                terms.append(str(number))
            else:
                terms.append(f"({ref}{op[0] if inclusive else op[1]}{_excel_num(end)})*{number}")
        level = f"MAX(0,{','.join(terms)})"
        minimum, maximum = self.value_range
        bounds = []
        if minimum is not None:
            bounds.append(f"{ref}<{_excel_num(minimum)}")
        if maximum is not None:
            bounds.append(f"{ref}>{_excel_num(maximum)}")
        if bounds:
            level = f'IF(OR({",".join(bounds)}),"",{level})'
        return f'IF(ISNUMBER({ref}),{level},"")'


def _excel_num(value: float) -> str:
    return repr(float(value)).removesuffix(".0")


def _pair_directions(bands: Sequence[Band]) -> list[int]:
    """+1 where the next level's band lies higher, -1 lower, 0 neither (same or nested)."""
    directions = []
    for a, b in itertools.pairwise(bands):
        oa, ob = _orient(a, 1), _orient(b, 1)
        higher = ob.lo >= oa.lo and ob.hi >= oa.hi and (ob.lo > oa.lo or ob.hi > oa.hi)
        lower = ob.lo <= oa.lo and ob.hi <= oa.hi and (ob.lo < oa.lo or ob.hi < oa.hi)
        directions.append(1 if higher else -1 if lower else 0)
    return directions


def _infer_direction(bands: Sequence[Band]) -> str:
    """``higher`` unless more consecutive pairs go down than up."""
    pairs = _pair_directions(bands)
    return "lower" if pairs.count(-1) > pairs.count(1) else "higher"


# --- milestones -------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneRubric(Rubric):
    """Level L needs the first ``required[L-1]`` steps done (normally L)."""

    kind: ClassVar[str] = "milestones"
    criteria: tuple[MilestoneCriterion, ...]
    texts: tuple[str, ...] = ()

    @classmethod
    def from_texts(
        cls, texts: Sequence[str], *, value_range: Range | None = None
    ) -> MilestoneRubric:
        """Parse milestone criteria (``ทำขั้นตอนที่ ๑-๒ ได้ ๒ คะแนน``), level 1 first.

        Raises:
            CriterionError: a criterion cannot be read.
        """
        return cls(tuple(parse_milestone(t) for t in texts), tuple(texts))

    @property
    def steps(self) -> int:
        """Number of steps of the KPI (the last step of the best level)."""
        return max(c.last for c in self.criteria)

    def _required(self) -> np.ndarray:
        return np.array([c.last for c in self.criteria], dtype=float)

    def lookup(self, values: pd.Series) -> pd.DataFrame:
        v = _as_float_array(values)
        with np.errstate(invalid="ignore"):
            bad = (v < 0) | (v > self.steps) | (v != np.floor(v))
        return _threshold_lookup(values, self._required(), True, bad & ~np.isnan(v))

    def lookup_one(self, value: float | None) -> tuple[int | None, str]:
        if value is None or _is_na(value):
            return None, "missing"
        if value < 0 or value > self.steps or value != int(value):
            return None, "out_of_range"
        level = 0
        for number, criterion in enumerate(self.criteria, 1):
            if value >= criterion.last:
                level = number
        return level, "ok" if level else "below"

    def lint(self) -> list[RubricIssue]:
        issues: list[RubricIssue] = []
        if self.size != 5:
            issues.append(RubricIssue("rubric-level-count", None, {"count": str(self.size)}))
        for number, criterion in enumerate(self.criteria, 1):
            if (
                criterion.first != 1
                or criterion.last != number
                or criterion.points
                not in (
                    None,
                    number,
                )
            ):
                issues.append(
                    RubricIssue(
                        "rubric-order", number, {"level": str(number), "previous": str(number - 1)}
                    )
                )
        return issues

    def excel_formula(self, ref: str) -> str:
        terms = ",".join(f"({ref}>={c.last})*{n}" for n, c in enumerate(self.criteria, 1))
        # Same NA as lookup: fewer than 0, more than all steps, or not a whole number.
        bad = f"OR({ref}<0,{ref}>{self.steps},{ref}<>INT({ref}))"
        return f'IF(ISNUMBER({ref}),IF({bad},"",MAX(0,{terms})),"")'


# --- deadlines --------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineRubric(Rubric):
    """Five deadlines, each earlier than the last; earlier is better.

    Values are *quantities* (see :meth:`quantities`): a date's ordinal for ``date``
    deadlines, days after the end of the reported month for ``day_of_next_month``, days
    after the end of the fiscal year for ``days_after_year_end``.
    """

    kind: ClassVar[str] = "deadline"
    criteria: tuple[DeadlineCriterion, ...]
    texts: tuple[str, ...] = ()

    @classmethod
    def from_texts(
        cls, texts: Sequence[str], *, value_range: Range | None = None
    ) -> DeadlineRubric:
        """Parse deadline criteria, level 1 first.

        Raises:
            CriterionError: a criterion cannot be read, or deadlines of different kinds
                are mixed.
        """
        criteria = tuple(parse_deadline(t) for t in texts)
        for criterion in criteria:
            if criterion.kind != criteria[0].kind:
                raise CriterionError(
                    criterion.text,
                    f"mixed with {criteria[0].kind} deadlines",
                    "ปนกับกำหนดเวลาต่างชนิดกัน",
                    kind_mismatch=True,
                )
        return cls(criteria, tuple(texts))

    @property
    def deadline_kind(self) -> str:
        """``date``, ``day_of_next_month`` or ``days_after_year_end``."""
        return self.criteria[0].kind

    def _limits(self) -> np.ndarray:
        return np.array([c.limit for c in self.criteria], dtype=float)

    def quantities(
        self, dates: pd.Series, period_end: pd.Series | dt.date | None = None
    ) -> pd.Series:
        """Turn delivery dates into the numbers this rubric compares.

        Args:
            dates: delivery dates (``datetime.date`` or NaT/None).
            period_end: for ``day_of_next_month``, the last day of each reported month; for
                ``days_after_year_end``, the last day of the fiscal year. Unused for ``date``.

        Returns:
            Float Series, NaN where the date is missing.
        """
        when = pd.to_datetime(dates, errors="coerce")
        if self.deadline_kind == "date":
            # Counted from 1970, not from year 1, which datetime64[ns] cannot hold.
            epoch = pd.Timestamp(1970, 1, 1)
            return ((when - epoch).dt.days + epoch.toordinal()).astype("float64")
        if period_end is None:
            raise ValueError(f"{self.deadline_kind} deadlines need the period end")
        end = (
            pd.to_datetime(period_end)
            if isinstance(period_end, pd.Series)
            else pd.Timestamp(period_end)
        )
        return (when - end).dt.days.astype("float64")

    def lookup(self, values: pd.Series) -> pd.DataFrame:
        return _threshold_lookup(values, self._limits(), False)

    def lookup_one(self, value: float | dt.date | None) -> tuple[int | None, str]:
        """As :meth:`Rubric.lookup_one`; a ``date`` deadline also takes a ``datetime.date``."""
        if value is None or _is_na(value):
            return None, "missing"
        if isinstance(value, dt.date):
            value = float(value.toordinal())
        level = 0
        for number, criterion in enumerate(self.criteria, 1):
            if value <= criterion.limit:
                level = number
        return level, "ok" if level else "below"

    def lint(self) -> list[RubricIssue]:
        issues: list[RubricIssue] = []
        if self.size != 5:
            issues.append(RubricIssue("rubric-level-count", None, {"count": str(self.size)}))
        for number in range(2, self.size + 1):
            if self.criteria[number - 1].limit >= self.criteria[number - 2].limit:
                issues.append(
                    RubricIssue(
                        "rubric-order", number, {"level": str(number), "previous": str(number - 1)}
                    )
                )
        return issues

    def excel_formula(self, ref: str) -> str:
        terms = []
        for number, criterion in enumerate(self.criteria, 1):
            if criterion.date is not None:
                d = criterion.date
                limit = f"DATE({d.year},{d.month},{d.day})"
            else:
                limit = str(criterion.limit)
            terms.append(f"({ref}<={limit})*{number}")
        return f'IF(ISNUMBER({ref}),MAX(0,{",".join(terms)}),"")'


def lookup_bands(
    rubrics: Sequence[BandRubric], which: np.ndarray, values: pd.Series
) -> pd.DataFrame:
    """Score each value with its own band rubric, ``rubrics[which[i]]``, all at once: row by
    row what that rubric's :meth:`BandRubric.lookup` gives (a round's KPIs have as many
    rubrics as its divisions have KPIs, and each costs the same whatever its rows).

    Args:
        rubrics: at least one.
        which: per value, the position of its rubric in ``rubrics``.
        values: numbers (NaN/NA = missing).
    """
    width = max(r.size for r in rubrics)
    # Every rubric's bands, oriented so that higher is better, as one row of a table each;
    # the bands a shorter rubric lacks hold nothing and are reached by nothing.
    lo = np.full((len(rubrics), width), np.inf)
    hi = np.full((len(rubrics), width), -np.inf)
    lo_incl = np.zeros((len(rubrics), width), dtype=bool)
    hi_incl = np.zeros((len(rubrics), width), dtype=bool)
    for number, rubric in enumerate(rubrics):
        for band, oriented in enumerate(_orient(b, rubric.sign) for b in rubric.bands):
            lo[number, band], lo_incl[number, band] = oriented.lo, oriented.lo_incl
            hi[number, band], hi_incl[number, band] = oriented.hi, oriented.hi_incl
    sign = np.array([r.sign for r in rubrics], dtype="float64")[which]
    size = np.array([r.size for r in rubrics])[which]
    ends = [[np.nan if end is None else end for end in r.value_range] for r in rubrics]
    minimum, maximum = np.array(ends, dtype="float64")[which].T
    v_raw = _as_float_array(values)
    v = (v_raw * sign)[:, None]
    lo, lo_incl, hi, hi_incl = lo[which], lo_incl[which], hi[which], hi_incl[which]
    with np.errstate(invalid="ignore"):
        reaches = np.where(lo_incl, v >= lo, v > lo)
        within = np.where(hi_incl, v <= hi, v < hi)
        out_of_range = (v_raw < minimum) | (v_raw > maximum)  # NaN: an open end
    level = _highest_true(reaches)
    matches = (reaches & within).sum(axis=1)
    status = np.select(
        [matches > 1, matches == 1, level == 0, level == size],
        ["overlap", "ok", "below", "above"],
        default="gap",
    ).astype(object)
    missing = np.isnan(v_raw)
    out_of_range &= ~missing
    status[out_of_range] = "out_of_range"
    status[missing] = "missing"
    return _frame(values.index, level, missing | out_of_range, status)


def lookup_each(rubrics: Mapping[Any, Rubric], ids: np.ndarray, values: pd.Series) -> pd.DataFrame:
    """Score each value with the rubric of its id, ``rubrics[ids[i]]`` (columns as
    :meth:`Rubric.lookup`); a value whose id has no rubric gets NA and status ``missing``.

    The band rubrics are looked up all at once (:func:`lookup_bands`), each other rubric on
    its own rows.
    """
    level = np.zeros(len(values), dtype="int64")
    na = np.ones(len(values), dtype=bool)
    status = np.full(len(values), "missing", dtype=object)
    present = [i for i in pd.unique(ids) if i in rubrics]
    bands = {i: n for n, i in enumerate(i for i in present if isinstance(rubrics[i], BandRubric))}
    parts: list[tuple[np.ndarray, pd.DataFrame]] = []
    if bands:
        rows = np.flatnonzero(np.isin(ids, list(bands)))
        which = np.array([bands[i] for i in ids[rows]], dtype=np.intp)
        banded = [cast(BandRubric, rubrics[i]) for i in bands]
        parts.append((rows, lookup_bands(banded, which, values.iloc[rows])))
    for i in present:
        if i not in bands:
            rows = np.flatnonzero(ids == i)
            parts.append((rows, rubrics[i].lookup(values.iloc[rows])))
    for rows, looked in parts:
        na[rows] = looked["level"].isna().to_numpy()
        level[rows] = looked["level"].fillna(0).to_numpy(dtype="int64")
        status[rows] = looked["status"].to_numpy()
    return _frame(values.index, level, na, status)


# --- quarterly bands --------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterlyRubric:
    """One band rubric per fiscal quarter; each quarter row is scored with its own set."""

    quarters: Mapping[int, BandRubric]

    def lookup(self, values: pd.Series, quarters: pd.Series) -> pd.DataFrame:
        """Score values, each with the rubric of its quarter (columns as :meth:`Rubric.lookup`).

        A row whose quarter has no rubric gets NA and status ``missing``.
        """
        ids = pd.to_numeric(quarters, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        return lookup_each(self.quarters, ids, values)

    def lint(self) -> list[RubricIssue]:
        """Missing quarters; the per-quarter flaws are each rubric's own :meth:`lint`."""
        missing = [q for q in (1, 2, 3, 4) if q not in self.quarters]
        if not missing:
            return []
        return [
            RubricIssue("rubric-quarters-missing", None, {"quarters": ", ".join(map(str, missing))})
        ]


def lint_detail(summary: Sequence[str], detail: Sequence[str]) -> list[RubricIssue]:
    """Differences between a KPI's criteria on its detail page and on the scoring form.

    Texts that read the same (same band, same deadline, same steps) do not differ, however
    they are spaced or worded; texts that cannot be read are compared as cleaned text.
    """
    issues = []
    for number, (s_text, d_text) in enumerate(zip(summary, detail, strict=False), 1):
        if not d_text.strip() or _same_meaning(s_text, d_text):
            continue
        issues.append(
            RubricIssue(
                "rubric-detail-mismatch",
                number,
                {"level": str(number), "detail": d_text, "summary": s_text},
            )
        )
    return issues


def _same_meaning(a: str, b: str) -> bool:
    try:
        kind = criterion_kind(a)
        if kind != criterion_kind(b):
            return False
        if kind == "band":
            pa, pb = parse_band(a), parse_band(b)
            return (pa.lower, pa.lower_inclusive, pa.upper, pa.upper_inclusive) == (
                pb.lower,
                pb.lower_inclusive,
                pb.upper,
                pb.upper_inclusive,
            )
        if kind == "milestone":
            ma, mb = parse_milestone(a), parse_milestone(b)
            return (ma.first, ma.last) == (mb.first, mb.last)
        da, db = parse_deadline(a), parse_deadline(b)
        return (da.kind, da.limit) == (db.kind, db.limit)
    except CriterionError:
        return clean_text(a).replace(" ", "") == clean_text(b).replace(" ", "")
