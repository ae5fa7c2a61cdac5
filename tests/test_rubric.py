"""Rubrics: scoring policy, statuses, lint of real flawed rubrics, Excel formulas.

Expected levels are worked out by hand from the policy in the ``kpixl.rubric`` docstring:
bands (higher is better) give the highest level whose lower end the value reaches; lower is
better mirrors this with upper ends; milestones and deadlines give the highest level whose
threshold is met; missing or impossible values give NA, never 0.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from excel_formula import evaluate, serial

from kpixl.criteria import CriterionError
from kpixl.findings import finding
from kpixl.fiscal import fiscal_year_end
from kpixl.rubric import (
    LEVEL_STATUSES,
    BandRubric,
    DeadlineRubric,
    MilestoneRubric,
    QuarterlyRubric,
    Rubric,
    RubricIssue,
    default_range,
    lint_detail,
)

NA = None  # an expected "no level"

# --- rubrics used throughout (texts copied from seed 003; line numbers in comments) ------

# กองคลัง 2.1.1, line 1740: clean, higher is better, ร้อยละ.
DISBURSE_Q1 = [
    "ไม่เกินร้อยละ ๓",
    "มากกว่าร้อยละ ๓ ถึง ร้อยละ ๖",
    "มากกว่าร้อยละ ๖ ถึง ร้อยละ ๑๐",
    "มากกว่าร้อยละ ๑๐ ถึง ร้อยละ ๑๕",
    "มากกว่าร้อยละ ๑๕",
]
DISBURSE_Q2 = [  # line 1741
    "ไม่เกินร้อยละ ๑๕",
    "มากกว่าร้อยละ ๑๕ ถึง ร้อยละ ๒๐",
    "มากกว่าร้อยละ ๒๐ ถึง ร้อยละ ๒๕",
    "มากกว่าร้อยละ ๒๕ ถึง ร้อยละ ๓๕",
    "มากกว่าร้อยละ ๓๕",
]
DISBURSE_Q3 = [  # line 1742
    "ไม่เกินร้อยละ ๓๕",
    "มากกว่าร้อยละ ๓๕ ถึง ร้อยละ ๕๐",
    "มากกว่าร้อยละ ๕๐ ถึง ร้อยละ ๖๐",
    "มากกว่าร้อยละ ๖๐ ถึง ร้อยละ ๗๐",
    "มากกว่าร้อยละ ๗๐",
]
DISBURSE_Q4 = [  # line 1743
    "ไม่เกินร้อยละ ๗๐",
    "มากกว่าร้อยละ ๗๐ ถึง ร้อยละ ๗๓",
    "มากกว่าร้อยละ ๗๓ ถึง ร้อยละ ๗๖",
    "มากกว่าร้อยละ ๗๖ ถึง ร้อยละ ๘๒",
    "มากกว่าร้อยละ ๘๒",
]
# Complaints: lower is better, a count (no seed text; the shape of a complaints KPI).
COMPLAINTS = [
    "มากกว่า 8 ครั้ง",
    "มากกว่า 6 ถึง 8 ครั้ง",
    "มากกว่า 4 ถึง 6 ครั้ง",
    "มากกว่า 2 ถึง 4 ครั้ง",
    "ไม่เกิน 2 ครั้ง",
]
# Lower is better with integer holes and a capped level 5 (1 day is the best written).
DAYS_LATE = ["มากกว่า 10 วัน", "8-10 วัน", "6-7 วัน", "4-5 วัน", "1-3 วัน"]
# Line 1153: integer bands with holes.
INTEGER_HOLES = ["ตั้งแต่ ๐-๓", "ตั้งแต่ ๔-๖", "ตั้งแต่ ๗-๑๐", "ตั้งแต่ ๑๑-๑๕", "มากกว่า ๑๕ ขึ้นไป"]
# Line 831: Likert score ranges, written level 5 first in the seed; level 1 first here.
LIKERT = ["๑.๐๑-๑.๕๐", "๒.๐๑-๒.๕๐", "๓.๐๑-๓.๕๐", "๔.๐๑-๔.๕๐", "๔.๕๑-๕.๐๐"]
# Line 99: "ไม่ถึง 50" then "มากกว่า 50": 50 itself is in no band.
POINT_GAP = [
    "ไม่ถึง ร้อยละ ๕๐",
    "มากกว่า ร้อยละ ๕๐ ถึงร้อยละ ๖๐",
    "มากกว่า ร้อยละ ๖๐ ถึงร้อยละ ๗๐",
    "มากกว่า ร้อยละ ๗๐ ถึงร้อยละ ๘๐",
    "มากกว่า ร้อยละ ๘๐",
]
# Line 4638: ตั้งแต่ and ถึง meet at the same boundary twice.
SAME_BOUNDARY = [
    "ไม่เกินร้อยละ ๓๐",
    "มากกว่า ร้อยละ ๓๐ ถึงร้อยละ ๕๐",
    "ตั้งแต่ร้อยละ ๕๐ ถึง ร้อยละ ๗๐",
    "ตั้งแต่ร้อยละ ๗๐ ถึง ร้อยละ ๙๐",
    "มากกว่า ร้อยละ ๙๐ ขึ้นไป",
]
# Line 2808: holes between ร้อยละ a-b bands and an overlap at 90.
RANGES_2808 = [
    "น้อยกว่าร้อยละ ๗๖",
    "ร้อยละ ๗๖-๘๐",
    "ร้อยละ ๘๑-๘๕",
    "ร้อยละ ๘๖-๙๐",
    "ร้อยละ ๙๐ ขึ้นไป",
]
# สำนักปลัด quarterly rows, lines 4674-4685.
PALAD_Q1 = [
    "ตั้งแต่ ร้อยละ ๐ ถึง ร้อยละ ๓",
    "มากกว่า ร้อยละ ๓ ถึง ร้อยละ ๖",
    "มากกว่า ร้อยละ ๖ ถึง ร้อยละ ๙",
    "มากกว่า ร้อยละ ๙ ถึง ร้อยละ ๑๒",
    "มากกว่า ร้อยละ ๑๒ ถึง ร้อยละ ๑๕",
]
PALAD_Q2 = [
    "มากกว่า ร้อยละ ๑๕ ถึง ร้อยละ ๑๘",
    "มากกว่า ร้อยละ ๑๘ ถึง ร้อยละ ๒๐",
    "มากกว่า ร้อยละ ๒๐ ถึง ร้อยละ ๒๕",
    "มากกว่า ร้อยละ ๒๕ ถึง ร้อยละ ๓๕",
    "มากกว่า ร้อยละ ๓๕ ถึง ร้อยละ ๓๘",
]
PALAD_Q3 = [
    "มากกว่า ร้อยละ ๓๘ ถึง ร้อยละ ๔๐",
    "มากกว่า ร้อยละ ๔๐ ถึง ร้อยละ ๔๕",
    "มากกว่า ร้อยละ ๔๕ ถึง ร้อยละ ๕๕",
    "มากกว่า ร้อยละ ๕๕ ถึง ร้อยละ ๖๐",
    "ตั้งแต่ ร้อยละ ๖๐ ถึง ร้อยละ ๖๕",
]
PALAD_Q4 = [
    "มากกว่า ร้อยละ ๖๕ ถึง ร้อยละ ๗๑",
    "มากกว่า ร้อยละ ๗๐ แต่ ไม่เกิน ร้อยละ ๗๕",
    "มากกว่า ร้อยละ ๗๕ แต่ ไม่เกิน ร้อยละ ๘๐",
    "มากกว่า ร้อยละ ๘๐ แต่ ไม่เกิน ร้อยละ ๘๕",
    "ตั้งแต่ ร้อยละ ๘๕ ขึ้นไป",
]
MILESTONES = [  # line 1810
    "ทำ ขั้นตอน ที่ ๑ ได้ ๑ คะแนน",
    "ทำ ขั้นตอน ที่ ๑ ถึง ๒ ได้ ๒ คะแนน",
    "ทำ ขั้นตอน ที่ ๑ ถึง ๓ ได้ ๓ คะแนน",
    "ทำ ขั้นตอน ที่ ๑ ถึง ๔ ได้ ๔ คะแนน",
    "ทำ ขั้นตอน ที่ ๑ ถึง ๕ ได้ ๕ คะแนน",
]
DEADLINE_DATES = [  # line 405
    "ภายในวันที่ ๓๐ ธันวาคม ๒๕๖๔",
    "ภายในวันที่ ๒๕ ธันวาคม ๒๕๖๔",
    "ภายในวันที่ ๒๐ ธันวาคม ๒๕๖๔",
    "ภายในวันที่ ๑๕ ธันวาคม ๒๕๖๔",
    "ภายในวันที่ ๑๐ ธันวาคม ๒๕๖๔",
]
DEADLINE_NEXT_MONTH = [  # line 1342
    "ภายใน วันที่ ๓๐ ของเดือน ถัดไป",
    "ภายใน วันที่ ๒๕ ของเดือน ถัดไป",
    "ภายใน วันที่ ๒๐ ของเดือน ถัดไป",
    "ภายใน วันที่ ๑๕ ของเดือน ถัดไป",
    "ภายใน วันที่ ๑๐ ของเดือน ถัดไป",
]
DEADLINE_YEAR_END = [  # line 1379
    "ภายใน ๙๐ วัน นับแต่วันสิ้นปี",
    "ภายใน ๗๕ วัน นับแต่วันสิ้นปี",
    "ภายใน ๖๐ วัน นับแต่วันสิ้นปี",
    "ภายใน ๔๕ วัน นับแต่วันสิ้นปี",
    "ภายใน ๓๐ วัน นับแต่วันสิ้นปี",
]


def _scored(rubric: Rubric, values: Sequence[float | None]) -> list[tuple[int | None, str]]:
    """(level, status) per value from the vectorised lookup, checked against lookup_one."""
    series = pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    frame = rubric.lookup(series)
    assert list(frame.columns) == ["level", "status"]
    assert str(frame["level"].dtype) == "Int64"
    result = [
        (None if pd.isna(level) else int(level), str(status))
        for level, status in zip(frame["level"], frame["status"], strict=True)
    ]
    for value, pair in zip(values, result, strict=True):
        assert rubric.lookup_one(value) == pair, value
    return result


def _issues(
    rubric: Rubric | QuarterlyRubric, language: str = "th"
) -> list[tuple[str, int | None, str]]:
    """(code, level, values in words) per lint issue; the values are gap/overlap/uncovered,
    in Thai (``gap``) or English (``gap_en``). Messages say them in words, never in
    interval notation (issue 7: "words instead of interval notation")."""
    suffix = "" if language == "th" else "_en"
    out = []
    for issue in rubric.lint():
        words = next(
            (
                issue.params[k + suffix]
                for k in ("gap", "overlap", "uncovered")
                if k + suffix in issue.params
            ),
            "",
        )
        out.append((issue.code, issue.level, words))
    return out


# --- bands: higher is better -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "level", "status"),
    [
        (0, 1, "ok"),
        (3, 1, "ok"),
        (3.0001, 2, "ok"),
        (6, 2, "ok"),
        (6.5, 3, "ok"),
        (10, 3, "ok"),
        (15, 4, "ok"),
        (15.01, 5, "ok"),
        (100, 5, "ok"),
        (100.5, NA, "out_of_range"),  # ร้อยละ cannot pass 100
        (-0.1, NA, "out_of_range"),
        (None, NA, "missing"),
    ],
)
def test_bands_up(value: float | None, level: int | None, status: str) -> None:
    rubric = Rubric.from_texts(DISBURSE_Q1)
    assert isinstance(rubric, BandRubric)
    assert rubric.direction == "higher"
    assert rubric.value_range == (0.0, 100.0)
    assert rubric.lint() == []
    assert _scored(rubric, [value]) == [(level, status)]


# --- bands: lower is better ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "level", "status"),
    [
        (0, 5, "ok"),
        (2, 5, "ok"),  # ไม่เกิน 2 ครั้ง is level 5
        (2.5, 4, "ok"),
        (4, 4, "ok"),
        (4.01, 3, "ok"),
        (6, 3, "ok"),
        (8, 2, "ok"),
        (8.5, 1, "ok"),
        (1000, 1, "ok"),
        (-1, NA, "out_of_range"),  # a count cannot be negative
        (None, NA, "missing"),
    ],
)
def test_bands_down(value: float | None, level: int | None, status: str) -> None:
    rubric = Rubric.from_texts(COMPLAINTS)
    assert isinstance(rubric, BandRubric)
    assert rubric.direction == "lower"
    assert rubric.sign == -1
    assert rubric.value_range == (0.0, None)
    assert rubric.lint() == []
    assert _scored(rubric, [value]) == [(level, status)]


def test_bands_down_with_holes_and_a_cap() -> None:
    rubric = Rubric.from_texts(DAYS_LATE)
    assert rubric.direction == "lower"  # type: ignore[attr-defined]
    # level 2 [8,10] and 3 [6,7] leave (7,8); 3 and 4 leave (5,6); 4 and 5 leave (3,4);
    # level 5 [1,3] leaves [0,1) better than the best level.
    assert _issues(rubric) == [
        ("rubric-gap", 3, "ค่าที่มากกว่า 7 แต่น้อยกว่า 8"),
        ("rubric-gap", 4, "ค่าที่มากกว่า 5 แต่น้อยกว่า 6"),
        ("rubric-gap", 5, "ค่าที่มากกว่า 3 แต่น้อยกว่า 4"),
        ("rubric-top-capped", 5, "ค่าตั้งแต่ 0 แต่น้อยกว่า 1"),
    ]
    assert _issues(rubric, "en") == [
        ("rubric-gap", 3, "values above 7 and below 8"),
        ("rubric-gap", 4, "values above 5 and below 6"),
        ("rubric-gap", 5, "values above 3 and below 4"),
        ("rubric-top-capped", 5, "values from 0 and below 1"),
    ]
    # in a gap the worse neighbour; better than the capped best: 5 ("above")
    assert _scored(rubric, [11, 10, 7.5, 7, 3.5, 3, 1, 0.5, 0]) == [
        (1, "ok"),
        (2, "ok"),
        (2, "gap"),
        (3, "ok"),
        (4, "gap"),
        (5, "ok"),
        (5, "ok"),
        (5, "above"),
        (5, "above"),
    ]


# --- every status, the documented policy ----------------------------------------------


STATUS_CASES: list[tuple[list[str], tuple[float, float] | None, float | None, int | None, str]] = [
    (DISBURSE_Q1, None, 50, 5, "ok"),
    (INTEGER_HOLES, (0, 100), 3.5, 1, "gap"),  # gap: the worse neighbour
    (PALAD_Q4, None, 70.5, 2, "overlap"),  # overlap: the better of the two
    (PALAD_Q2, None, 10, 0, "below"),  # below level 1: 0 (the only way to get 0)
    (PALAD_Q1, None, 40, 5, "above"),  # beyond a capped level 5: 5
    (DISBURSE_Q1, None, 120, NA, "out_of_range"),
    (DISBURSE_Q1, None, None, NA, "missing"),
]


@pytest.mark.parametrize(("texts", "value_range", "value", "level", "status"), STATUS_CASES)
def test_every_status(
    texts: list[str],
    value_range: tuple[float, float] | None,
    value: float | None,
    level: int | None,
    status: str,
) -> None:
    rubric = Rubric.from_texts(texts, value_range=value_range)
    assert _scored(rubric, [value]) == [(level, status)]


def test_status_cases_cover_every_status() -> None:
    assert {case[-1] for case in STATUS_CASES} == set(LEVEL_STATUSES)


@pytest.mark.parametrize(
    "texts", [DISBURSE_Q1, COMPLAINTS, INTEGER_HOLES, LIKERT, MILESTONES, DEADLINE_YEAR_END]
)
@pytest.mark.parametrize(
    "missing", [None, float("nan"), np.nan, pd.NA, pd.NaT], ids=["None", "nan", "np", "NA", "NaT"]
)
def test_missing_is_never_zero(texts: list[str], missing: Any) -> None:
    rubric = Rubric.from_texts(texts)
    assert rubric.lookup_one(missing) == (None, "missing")
    assert rubric.level(missing) is None
    frame = rubric.lookup(pd.Series([missing, missing], dtype=object))
    assert frame["level"].isna().all()
    assert (frame["status"] == "missing").all()
    levels = rubric.levels(pd.Series([np.nan], dtype="float64"))
    assert levels.isna().all()


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([50.0, None], dtype="Float64"),
        pd.Series([50, None], dtype="Int64"),
        pd.Series([50, None, "x"], dtype=object),
    ],
    ids=["Float64", "Int64", "object"],
)
def test_lookup_accepts_nullable_and_object_columns(series: pd.Series) -> None:
    frame = Rubric.from_texts(DISBURSE_Q1).lookup(series)
    assert frame["level"].iloc[0] == 5
    assert frame["level"].iloc[1:].isna().all()
    assert (frame["status"].iloc[1:] == "missing").all()


def test_lookup_keeps_the_index() -> None:
    values = pd.Series([16.0, 2.0, np.nan], index=[30, 10, 20])
    frame = Rubric.from_texts(DISBURSE_Q1).lookup(values)
    assert frame.index.tolist() == [30, 10, 20]
    assert frame.loc[10, "level"] == 1
    assert frame.loc[30, "level"] == 5


def test_lookup_of_an_empty_column() -> None:
    frame = Rubric.from_texts(DISBURSE_Q1).lookup(pd.Series([], dtype="float64"))
    assert frame.empty
    assert list(frame.columns) == ["level", "status"]


# --- lint of the seed's real flawed rubrics -------------------------------------------


def test_lint_integer_holes() -> None:
    rubric = Rubric.from_texts(INTEGER_HOLES, value_range=(0, 100))
    issues = rubric.lint()
    assert _issues(rubric) == [
        ("rubric-gap", 2, "ค่าที่มากกว่า 3 แต่น้อยกว่า 4"),
        ("rubric-gap", 3, "ค่าที่มากกว่า 6 แต่น้อยกว่า 7"),
        ("rubric-gap", 4, "ค่าที่มากกว่า 10 แต่น้อยกว่า 11"),
    ]  # 11 to 15, then above 15: they meet exactly, no gap there
    assert issues[0].params["lower_level"] == "1"
    assert issues[0].params["upper_level"] == "2"
    assert _scored(rubric, [0, 3, 3.5, 4, 6.5, 10.5, 11, 15, 15.5, 100]) == [
        (1, "ok"),
        (1, "ok"),
        (1, "gap"),
        (2, "ok"),
        (2, "gap"),
        (3, "gap"),
        (4, "ok"),
        (4, "ok"),
        (5, "ok"),
        (5, "ok"),
    ]


def test_lint_integer_holes_without_a_unit_is_unbounded() -> None:
    # No unit word in any criterion: the value range is unbounded, so values below 0 are
    # also uncovered (the caller passes the KPI's unit range to avoid this).
    rubric = Rubric.from_texts(INTEGER_HOLES)
    assert rubric.value_range == (None, None)  # type: ignore[attr-defined]
    assert ("rubric-bottom-uncovered", 1, "ค่าที่น้อยกว่า 0") in _issues(rubric)
    assert ("rubric-bottom-uncovered", 1, "values below 0") in _issues(rubric, "en")
    assert _scored(rubric, [-1]) == [(0, "below")]


def test_lint_point_gap_between_not_reaching_and_more_than() -> None:
    rubric = Rubric.from_texts(POINT_GAP)
    assert _issues(rubric) == [("rubric-gap", 2, "ค่า 50")]
    assert _issues(rubric, "en") == [("rubric-gap", 2, "the value 50")]
    assert _scored(rubric, [49.9, 50, 50.1]) == [(1, "ok"), (1, "gap"), (2, "ok")]


def test_lint_same_boundary_written_twice() -> None:
    rubric = Rubric.from_texts(SAME_BOUNDARY)
    assert _issues(rubric) == [("rubric-overlap", 3, "ค่า 50"), ("rubric-overlap", 4, "ค่า 70")]
    assert _scored(rubric, [30, 50, 70, 90, 90.5]) == [
        (1, "ok"),
        (3, "overlap"),
        (4, "overlap"),
        (4, "ok"),
        (5, "ok"),
    ]


def test_lint_ranges_with_holes_and_an_overlap() -> None:
    rubric = Rubric.from_texts(RANGES_2808)
    assert _issues(rubric) == [
        ("rubric-gap", 3, "ค่าที่มากกว่า 80 แต่น้อยกว่า 81"),
        ("rubric-gap", 4, "ค่าที่มากกว่า 85 แต่น้อยกว่า 86"),
        ("rubric-overlap", 5, "ค่า 90"),
    ]
    assert _scored(rubric, [75.9, 76, 80.5, 85.5, 90, 95]) == [
        (1, "ok"),
        (2, "ok"),
        (2, "gap"),
        (3, "gap"),
        (5, "overlap"),
        (5, "ok"),
    ]


@pytest.mark.parametrize(
    ("texts", "issues", "cases"),
    [
        (
            PALAD_Q1,
            [("rubric-top-capped", 5, "ค่าที่มากกว่า 15 ถึง 100")],
            [(0, 1, "ok"), (15, 5, "ok"), (15.5, 5, "above"), (100, 5, "above")],
        ),
        (
            PALAD_Q2,
            [
                ("rubric-bottom-uncovered", 1, "ค่าตั้งแต่ 0 ถึง 15"),
                ("rubric-top-capped", 5, "ค่าที่มากกว่า 38 ถึง 100"),
            ],
            [(0, 0, "below"), (15, 0, "below"), (16, 1, "ok"), (38, 5, "ok"), (39, 5, "above")],
        ),
        (
            PALAD_Q3,
            [
                ("rubric-overlap", 5, "ค่า 60"),
                ("rubric-bottom-uncovered", 1, "ค่าตั้งแต่ 0 ถึง 38"),
                ("rubric-top-capped", 5, "ค่าที่มากกว่า 65 ถึง 100"),
            ],
            [(38, 0, "below"), (59, 4, "ok"), (60, 5, "overlap"), (66, 5, "above")],
        ),
        (
            PALAD_Q4,
            [
                ("rubric-overlap", 2, "ค่าที่มากกว่า 70 ถึง 71"),
                ("rubric-overlap", 5, "ค่า 85"),
                ("rubric-bottom-uncovered", 1, "ค่าตั้งแต่ 0 ถึง 65"),
            ],
            [
                (65, 0, "below"),
                (70, 1, "ok"),
                (70.5, 2, "overlap"),
                (71, 2, "overlap"),
                (71.5, 2, "ok"),
                (85, 5, "overlap"),
                (99, 5, "ok"),
            ],
        ),
    ],
    ids=["Q1-capped", "Q2-above-zero-and-capped", "Q3-overlap-at-60", "Q4-overlaps"],
)
def test_lint_palad_quarterly_bands(
    texts: list[str],
    issues: list[tuple[str, int, str]],
    cases: list[tuple[float, int, str]],
) -> None:
    rubric = Rubric.from_texts(texts)
    assert _issues(rubric) == issues
    assert _scored(rubric, [c[0] for c in cases]) == [(c[1], c[2]) for c in cases]


def test_lint_likert_score_table_with_holes() -> None:
    rubric = Rubric.from_texts(LIKERT, value_range=(1, 5))
    assert _issues(rubric) == [
        ("rubric-gap", 2, "ค่าที่มากกว่า 1.5 แต่น้อยกว่า 2.01"),
        ("rubric-gap", 3, "ค่าที่มากกว่า 2.5 แต่น้อยกว่า 3.01"),
        ("rubric-gap", 4, "ค่าที่มากกว่า 3.5 แต่น้อยกว่า 4.01"),
        ("rubric-gap", 5, "ค่าที่มากกว่า 4.5 แต่น้อยกว่า 4.51"),
        ("rubric-bottom-uncovered", 1, "ค่าตั้งแต่ 1 แต่น้อยกว่า 1.01"),
    ]
    assert _scored(rubric, [0.9, 1, 1.2, 1.7, 3.75, 4.505, 4.6, 5, 5.01]) == [
        (NA, "out_of_range"),
        (0, "below"),
        (1, "ok"),
        (1, "gap"),
        (3, "gap"),
        (4, "gap"),
        (5, "ok"),
        (5, "ok"),
        (NA, "out_of_range"),
    ]


def test_lint_levels_out_of_order() -> None:
    texts = ["ไม่เกิน 20", "มากกว่า 40 ถึง 60", "มากกว่า 20 ถึง 40", "มากกว่า 60 ถึง 80", "มากกว่า 80"]
    rubric = Rubric.from_texts(texts)
    assert rubric.direction == "higher"  # type: ignore[attr-defined]  # 3 steps up, 1 down
    issues = rubric.lint()
    # level 3 goes down: out of order; its neighbours, compared with what they follow,
    # leave above 20 up to 40 and above 40 up to 60 between them.
    assert _issues(rubric) == [
        ("rubric-gap", 2, "ค่าที่มากกว่า 20 ถึง 40"),
        ("rubric-order", 3, ""),
        ("rubric-gap", 4, "ค่าที่มากกว่า 40 ถึง 60"),
    ]
    assert _issues(rubric, "en") == [
        ("rubric-gap", 2, "values above 20 and up to 40"),
        ("rubric-order", 3, ""),
        ("rubric-gap", 4, "values above 40 and up to 60"),
    ]
    assert issues[1].params == {"level": "3", "previous": "2"}


def test_lint_mixed_direction() -> None:
    texts = ["ไม่เกิน 20", "มากกว่า 20 ถึง 40", "มากกว่า 40", "มากกว่า 20 ถึง 40", "ไม่เกิน 20"]
    assert _issues(Rubric.from_texts(texts)) == [("rubric-mixed-direction", None, "")]


@pytest.mark.parametrize("count", [3, 4, 6])
def test_lint_wrong_level_count(count: int) -> None:
    bounds = [10 * i for i in range(1, count)]
    texts = [f"ไม่เกิน {bounds[0]}"]
    texts += [f"มากกว่า {a} ถึง {b}" for a, b in itertools.pairwise(bounds)]
    texts += [f"มากกว่า {bounds[-1]}"]
    assert len(texts) == count
    rubric = Rubric.from_texts(texts)
    assert rubric.size == count
    issues = rubric.lint()
    assert [(i.code, i.level, dict(i.params)) for i in issues] == [
        ("rubric-level-count", None, {"count": str(count)})
    ]


def test_lint_issue_levels_are_one_based_and_in_range() -> None:
    for texts in (INTEGER_HOLES, LIKERT, PALAD_Q2, PALAD_Q3, PALAD_Q4, RANGES_2808, DAYS_LATE):
        for issue in Rubric.from_texts(texts).lint():
            assert isinstance(issue, RubricIssue)
            assert issue.level is None or 1 <= issue.level <= 5


FLAWED = [INTEGER_HOLES, LIKERT, PALAD_Q1, PALAD_Q2, PALAD_Q3, PALAD_Q4, RANGES_2808, DAYS_LATE]


@pytest.mark.parametrize("texts", FLAWED)
def test_lint_params_are_words_in_both_languages(texts: list[str]) -> None:
    """Every gap, overlap and uncovered range is told in Thai and English words with Arabic
    digits, never in interval notation, and the message the master check shows has no
    field left unfilled."""
    issues = Rubric.from_texts(texts, value_range=(0, 100)).lint()
    ranged = [i for i in issues if {"gap", "overlap", "uncovered"} & set(i.params)]
    assert ranged
    for issue in ranged:
        name = next(k for k in ("gap", "overlap", "uncovered") if k in issue.params)
        th, en = issue.params[name], issue.params[f"{name}_en"]
        assert th.startswith("ค่า") and re.search("[0-9]", th)
        assert en.startswith(("values ", "the value ")) and not re.search("[\u0e00-\u0e7f]", en)
        for words in (th, en):
            assert not re.search(r"[\[\]()∞๐-๙]", words), words
        record = finding(issue.code, level=str(issue.level), **issue.params)
        assert th in record["message_th"] and en in record["message_en"]
        assert "?" not in record["message_th"] + record["message_en"]


# --- detail page against the summary form ---------------------------------------------

DETAIL_147 = [
    "ไม่เกิน ร้อยละ ๘๕",
    "มากกว่า ร้อยละ ๘๕ ถึง ร้อยละ ๙๐",
    "มากกว่า ร้อยละ ๙๐ ถึง ร้อยละ ๙๕",
    "มากกว่าร้อยละ ๙๕ แต่ไม่น้อยกว่า ร้อยละ ๑๐๐",
    "เท่ากับ ร้อยละ ๑๐๐",
]
SUMMARY_163 = [
    "ไม่ถึงร้อยละ ๘๕",
    "มากกว่าร้อยละ ๘๕ ถึง ร้อยละ ๙๐",
    "มากกว่าร้อยละ ๙๐ ถึง ร้อยละ ๙๕",
    "มากกว่าร้อยละ ๙๕ แต่ไม่น้อยกว่า ร้อยละ ๑๐๐",
    "เท่ากับ ร้อยละ ๑๐๐",
]


def test_lint_detail_real_mismatch() -> None:
    issues = lint_detail(SUMMARY_163, DETAIL_147)
    # ไม่เกิน 85 (≤) against ไม่ถึง 85 (<) differs; the rest only differ in spacing, and
    # level 4 is unreadable in both but written the same.
    assert [(i.code, i.level) for i in issues] == [("rubric-detail-mismatch", 1)]
    assert dict(issues[0].params) == {
        "level": "1",
        "detail": "ไม่เกิน ร้อยละ ๘๕",
        "summary": "ไม่ถึงร้อยละ ๘๕",
    }


@pytest.mark.parametrize(
    ("summary", "detail"),
    [
        ("ไม่เกินร้อยละ ๒๐", "ไม่เกินร้อย ละ ๒๐"),  # lines 313 / 346
        ("ไม่เกิน ร้อยละ 20", "ไม่เกิน 20 %"),
        ("ไม่เกิน ร้อยละ ๒๐", "ไม่เกิน ร้อยละ 20"),
        ("ตั้งแต่ ๗๔ -๗๖", "ตั้งแต่ ๗๔-๗๖"),
        ("มากกว่า ๗๐ ขึ้น ไป", "มากกว่า ๗๐ ขึ้นไป"),
        ("ทำ ชั้นตอน ที่ ๑ ถึง ๓ ได้ ๓ คะแนน", "ทำขั้นตอน ที่ ๑-๓ ได้ ๓ คะแนน"),
        ("ภายใน วันที่ ๓๐ ของเดือน ถัดไป", "ภายในวันที่ ๓๐ ของเดือนถัดไป"),
        ("ภายในวันที่ ๓๐ ธันวาคม ๒๕๖๔", "ภายในวันที่ 30 ธ.ค. 2564"),
        ("ดีมาก", "ดี มาก"),  # unreadable in both, written the same
        ("มากกว่า ๕", ""),  # no detail text: nothing to compare
    ],
)
def test_lint_detail_same_meaning(summary: str, detail: str) -> None:
    assert lint_detail([summary], [detail]) == []


@pytest.mark.parametrize(
    ("summary", "detail"),
    [
        ("ไม่เกิน ร้อยละ ๘๕", "ไม่ถึงร้อยละ ๘๕"),
        ("มากกว่า ๒๐ ถึง ๔๐", "ตั้งแต่ ๒๐ ถึง ๔๐"),
        ("ทำขั้นตอนที่ ๑-๓", "ทำขั้นตอนที่ ๑-๔"),
        ("ภายในวันที่ ๓๐ ธันวาคม ๒๕๖๔", "ภายในวันที่ ๒๕ ธันวาคม ๒๕๖๔"),
        # same number, different kind of deadline
        ("ภายในวันที่ ๓๐ ของเดือนถัดไป", "ภายใน ๓๐ วัน นับแต่วันสิ้นปี"),
        ("ไม่เกิน ๓", "ทำขั้นตอนที่ ๓"),
        ("ดีมาก", "ดี"),
        ("มากกว่า ๙๕ แต่ไม่น้อยกว่า ๑๐๐", "มากกว่า ๙๕ แต่ไม่ถึง ๑๐๐"),
    ],
)
def test_lint_detail_different_meaning(summary: str, detail: str) -> None:
    issues = lint_detail(["ไม่เกิน ๑", summary], ["ไม่เกิน ๑", detail])
    assert [(i.code, i.level) for i in issues] == [("rubric-detail-mismatch", 2)]


# --- quarterly -------------------------------------------------------------------------


def _quarterly(quarters: Sequence[int] = (1, 2, 3, 4)) -> QuarterlyRubric:
    texts = {1: DISBURSE_Q1, 2: DISBURSE_Q2, 3: DISBURSE_Q3, 4: DISBURSE_Q4}
    return QuarterlyRubric({q: BandRubric.from_texts(texts[q]) for q in quarters})


def test_quarterly_lookup_uses_each_quarters_bands() -> None:
    index = [101, 102, 103, 104, 105, 106, 107, 108, 109]
    values = pd.Series([16, 16, 16, 16, 74, 36, 36, np.nan, 50], index=index, dtype="float64")
    quarters = pd.Series([1, 2, 3, 4, 4, 3, 2, 1, 5], index=index)
    frame = _quarterly().lookup(values, quarters)
    assert frame.index.tolist() == index
    assert str(frame["level"].dtype) == "Int64"
    got = [
        (None if pd.isna(lv) else int(lv), st)
        for lv, st in zip(frame["level"], frame["status"], strict=True)
    ]
    assert got == [
        (5, "ok"),  # Q1: more than 15
        (2, "ok"),  # Q2: (15, 20]
        (1, "ok"),  # Q3: up to 35
        (1, "ok"),  # Q4: up to 70
        (3, "ok"),  # Q4: (73, 76]
        (2, "ok"),  # Q3: (35, 50]
        (5, "ok"),  # Q2: more than 35
        (NA, "missing"),  # no value
        (NA, "missing"),  # no quarter 5
    ]


@pytest.mark.parametrize(
    "quarters",
    [
        pd.Series([1, None, 2], dtype="Int64"),
        pd.Series([1.0, np.nan, 2.0]),
        pd.Series([1, None, 2], dtype=object),
    ],
    ids=["Int64", "float", "object"],
)
def test_quarterly_lookup_without_a_quarter(quarters: pd.Series) -> None:
    frame = _quarterly().lookup(pd.Series([16.0, 16.0, 16.0]), quarters)
    assert frame["level"].tolist()[0] == 5
    assert pd.isna(frame["level"].iloc[1])
    assert frame["status"].iloc[1] == "missing"
    assert frame["level"].tolist()[2] == 2


def test_quarterly_lint_missing_quarters() -> None:
    assert _quarterly().lint() == []
    issues = _quarterly((1, 3)).lint()
    assert [(i.code, i.level, dict(i.params)) for i in issues] == [
        ("rubric-quarters-missing", None, {"quarters": "2, 4"})
    ]


def test_quarterly_missing_quarter_scores_na() -> None:
    frame = _quarterly((1, 3)).lookup(pd.Series([16.0, 16.0]), pd.Series([1, 2]))
    assert frame["level"].iloc[0] == 5
    assert pd.isna(frame["level"].iloc[1])
    assert frame["status"].iloc[1] == "missing"


# --- milestones ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "level", "status"),
    [
        (0, 0, "below"),  # step 1 not done: the rubric says 0
        (1, 1, "ok"),
        (2, 2, "ok"),
        (3, 3, "ok"),
        (4, 4, "ok"),
        (5, 5, "ok"),
        (2.5, NA, "out_of_range"),  # steps are whole
        (6, NA, "out_of_range"),  # only 5 steps exist
        (-1, NA, "out_of_range"),
        (None, NA, "missing"),
    ],
)
def test_milestones(steps: float | None, level: int | None, status: str) -> None:
    rubric = Rubric.from_texts(MILESTONES)
    assert isinstance(rubric, MilestoneRubric)
    assert rubric.steps == 5
    assert rubric.lint() == []
    assert _scored(rubric, [steps]) == [(level, status)]


@pytest.mark.parametrize(
    ("texts", "issues"),
    [
        (
            ["ขั้นตอนที่ 1", "ขั้นตอนที่ 1-3", "ขั้นตอนที่ 1-2", "ขั้นตอนที่ 1-4", "ขั้นตอนที่ 1-5"],
            [("rubric-order", 2), ("rubric-order", 3)],
        ),
        (
            [
                "ทำขั้นตอนที่ 1 ได้ 1 คะแนน",
                "ทำขั้นตอนที่ 1-2 ได้ 3 คะแนน",
                "ทำขั้นตอนที่ 1-3 ได้ 3 คะแนน",
                "ทำขั้นตอนที่ 1-4 ได้ 4 คะแนน",
                "ทำขั้นตอนที่ 1-5 ได้ 5 คะแนน",
            ],
            [("rubric-order", 2)],  # points disagree with the level
        ),
        (
            ["ขั้นตอนที่ 1", "ขั้นตอนที่ 2", "ขั้นตอนที่ 1-3", "ขั้นตอนที่ 1-4", "ขั้นตอนที่ 1-5"],
            [("rubric-order", 2)],  # level 2 must need steps 1-2, not step 2 alone
        ),
        (
            ["ขั้นตอนที่ 1", "ขั้นตอนที่ 1-2", "ขั้นตอนที่ 1-3", "ขั้นตอนที่ 1-4"],
            [("rubric-level-count", None)],
        ),
    ],
)
def test_milestone_lint(texts: list[str], issues: list[tuple[str, int | None]]) -> None:
    assert [(i.code, i.level) for i in Rubric.from_texts(texts).lint()] == issues


# --- deadlines -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delivered", "level", "status"),
    [
        (dt.date(2021, 11, 1), 5, "ok"),
        (dt.date(2021, 12, 10), 5, "ok"),
        (dt.date(2021, 12, 11), 4, "ok"),
        (dt.date(2021, 12, 25), 2, "ok"),
        (dt.date(2021, 12, 26), 1, "ok"),
        (dt.date(2021, 12, 30), 1, "ok"),
        (dt.date(2021, 12, 31), 0, "below"),  # missed level 1: 0
        (dt.date(2022, 3, 1), 0, "below"),
        (None, NA, "missing"),
    ],
)
def test_deadline_by_date(delivered: dt.date | None, level: int | None, status: str) -> None:
    rubric = Rubric.from_texts(DEADLINE_DATES)
    assert isinstance(rubric, DeadlineRubric)
    assert rubric.deadline_kind == "date"
    assert rubric.lint() == []
    quantities = rubric.quantities(pd.Series([delivered], dtype=object))
    if delivered is not None:
        assert quantities.iloc[0] == delivered.toordinal()
    assert _scored(rubric, [quantities.iloc[0]]) == [(level, status)]
    assert rubric.lookup_one(delivered) == (level, status)


@pytest.mark.parametrize(
    "dates",
    [
        pd.Series([dt.date(2021, 12, 30), None], dtype=object),
        pd.Series(pd.to_datetime(["2021-12-30", None])).astype("datetime64[ns]"),
        pd.Series(pd.to_datetime(["2021-12-30 17:45", None])).astype("datetime64[us]"),
        pd.Series(["2021-12-30", None]),
    ],
    ids=["date", "ns", "us-with-time", "text"],
)
def test_deadline_quantities_for_any_date_column(dates: pd.Series) -> None:
    quantities = Rubric.from_texts(DEADLINE_DATES).quantities(dates)  # type: ignore[attr-defined]
    assert quantities.iloc[0] == dt.date(2021, 12, 30).toordinal()
    assert math.isnan(quantities.iloc[1])


def test_deadline_day_of_next_month() -> None:
    rubric = Rubric.from_texts(DEADLINE_NEXT_MONTH)
    assert isinstance(rubric, DeadlineRubric)
    assert rubric.deadline_kind == "day_of_next_month"
    delivered = pd.Series(
        [
            dt.date(2021, 11, 10),  # October report, 10 days after 31 Oct
            dt.date(2021, 11, 26),  # 26 days
            dt.date(2021, 11, 30),  # 30 days: the last day of level 1
            dt.date(2021, 12, 1),  # 31 days: missed
            dt.date(2022, 3, 20),  # February report, 20 days after 28 Feb
            None,
        ],
        dtype=object,
    )
    month_end = pd.Series(
        [dt.date(2021, 10, 31)] * 4 + [dt.date(2022, 2, 28), dt.date(2022, 2, 28)], dtype=object
    )
    quantities = rubric.quantities(delivered, month_end)
    assert quantities.tolist()[:5] == [10.0, 26.0, 30.0, 31.0, 20.0]
    assert _scored(rubric, quantities.tolist()) == [
        (5, "ok"),
        (1, "ok"),
        (1, "ok"),
        (0, "below"),
        (3, "ok"),
        (NA, "missing"),
    ]


def test_deadline_days_after_year_end() -> None:
    rubric = Rubric.from_texts(DEADLINE_YEAR_END)
    assert isinstance(rubric, DeadlineRubric)
    assert rubric.deadline_kind == "days_after_year_end"
    year_end = fiscal_year_end(2565)  # 30 Sep 2022
    delivered = pd.Series(
        [dt.date(2022, 10, 30), dt.date(2022, 11, 14), dt.date(2022, 12, 29), dt.date(2022, 12, 30)]
    )
    quantities = rubric.quantities(delivered, year_end)
    assert quantities.tolist() == [30.0, 45.0, 90.0, 91.0]
    assert _scored(rubric, quantities.tolist()) == [(5, "ok"), (4, "ok"), (1, "ok"), (0, "below")]


def test_relative_deadlines_need_the_period_end() -> None:
    rubric = Rubric.from_texts(DEADLINE_YEAR_END)
    with pytest.raises(ValueError, match="period end"):
        rubric.quantities(pd.Series([dt.date(2022, 10, 30)]))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("texts", "issues"),
    [
        (list(reversed(DEADLINE_YEAR_END)), [("rubric-order", n) for n in (2, 3, 4, 5)]),
        (DEADLINE_YEAR_END[:4], [("rubric-level-count", None)]),
        (
            [*DEADLINE_NEXT_MONTH[:2], DEADLINE_NEXT_MONTH[1], *DEADLINE_NEXT_MONTH[3:]],
            [("rubric-order", 3)],  # the same deadline twice is not earlier
        ),
    ],
)
def test_deadline_lint(texts: list[str], issues: list[tuple[str, int | None]]) -> None:
    assert [(i.code, i.level) for i in Rubric.from_texts(texts).lint()] == issues


# --- building rubrics ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "cls", "kind"),
    [
        (DISBURSE_Q1, BandRubric, "bands"),
        (COMPLAINTS, BandRubric, "bands"),
        (MILESTONES, MilestoneRubric, "milestones"),
        (DEADLINE_DATES, DeadlineRubric, "deadline"),
        (DEADLINE_NEXT_MONTH, DeadlineRubric, "deadline"),
        (DEADLINE_YEAR_END, DeadlineRubric, "deadline"),
    ],
)
def test_from_texts_infers_the_kind(texts: list[str], cls: type, kind: str) -> None:
    rubric = Rubric.from_texts(texts)
    assert type(rubric) is cls
    assert rubric.kind == kind
    assert rubric.texts == tuple(texts)
    assert rubric.size == 5


@pytest.mark.parametrize(
    ("texts", "named"),
    [
        ([], ""),
        ([*DISBURSE_Q1[:4], MILESTONES[4]], MILESTONES[4]),  # a milestone among bands
        ([*MILESTONES[:4], "ภายใน ๓๐ วัน นับแต่วันสิ้นปี"], "ภายใน ๓๐ วัน นับแต่วันสิ้นปี"),
        ([*DISBURSE_Q1[:3], "ดีมาก", DISBURSE_Q1[4]], "ดีมาก"),
        (
            [*DISBURSE_Q1[:3], "มากกว่าร้อยละ ๙๕ แต่ไม่น้อยกว่า ร้อยละ ๑๐๐", DISBURSE_Q1[4]],
            "มากกว่าร้อยละ ๙๕ แต่ไม่น้อยกว่า ร้อยละ ๑๐๐",
        ),
        ([*MILESTONES[:4], "ทำ ขั้นตอน ที่ ๑ ถึ"], "ทำ ขั้นตอน ที่ ๑ ถึ"),  # cut off
        ([*DEADLINE_DATES[:4], DEADLINE_NEXT_MONTH[4]], DEADLINE_NEXT_MONTH[4]),
    ],
    ids=[
        "empty",
        "milestone-in-bands",
        "deadline-in-milestones",
        "word",
        "two-lower-ends",
        "cut-off",
        "deadline-kinds",
    ],
)
def test_from_texts_errors_name_the_text(texts: list[str], named: str) -> None:
    with pytest.raises(CriterionError) as info:
        Rubric.from_texts(texts)
    assert info.value.text == named


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        (["ร้อยละ", "", ""], (0.0, 100.0)),
        (["%"], (0.0, 100.0)),
        (["เปอร์เซ็นต์"], (0.0, 100.0)),
        (["บ่อ", "บ่อ"], (0.0, None)),
        (["", ""], (None, None)),
    ],
)
def test_default_range(units: list[str], expected: tuple[float | None, float | None]) -> None:
    assert default_range(units) == expected


def test_explicit_value_range_wins() -> None:
    rubric = Rubric.from_texts(DISBURSE_Q1, value_range=(0, 150))
    assert _scored(rubric, [120, 151]) == [(5, "ok"), (NA, "out_of_range")]


# --- Excel formulas --------------------------------------------------------------------


def excel_eval(formula: str, cells: dict[str, Any]) -> Any:
    """Value of an Excel formula (without ``=``) given the cells it refers to."""
    return evaluate(formula, cells)


@pytest.mark.parametrize(
    ("formula", "cells", "expected"),
    [
        ('IF(ISNUMBER(A1),MAX(0,(A1>=3)*2,1),"")', {"A1": 5.0}, 2.0),
        ('IF(ISNUMBER(A1),MAX(0,(A1>=3)*2,1),"")', {"A1": None}, ""),
        ('IF(ISNUMBER(A1),MAX(0,(A1>=3)*2,1),"")', {"A1": "5"}, ""),
        ("IF(OR(A1<0,A1>1),1,2)", {"A1": 0.5}, 2.0),
        ("DATE(2021,12,30)", {}, 44560.0),  # Excel's serial of 30 Dec 2021
        ("INT(A1)<>A1", {"A1": 2.5}, True),
        ("-2*3+1", {}, -5.0),
    ],
)
def test_excel_evaluator_itself(formula: str, cells: dict[str, Any], expected: Any) -> None:
    assert excel_eval(formula, cells) == expected


def _formula_level(rubric: Rubric, cell_value: Any, ref: str = "D7") -> int | None:
    result = excel_eval(rubric.excel_formula(ref), {ref: cell_value})
    if result == "":
        return None
    assert float(result).is_integer()
    return int(result)


BAND_RUBRICS = {
    "up": (DISBURSE_Q1, None),
    "down": (COMPLAINTS, None),
    "down-holes-cap": (DAYS_LATE, None),
    "holes": (INTEGER_HOLES, (0, 100)),
    "holes-unbounded": (INTEGER_HOLES, None),
    "likert": (LIKERT, (1, 5)),
    "overlaps": (PALAD_Q4, None),
    "capped": (PALAD_Q2, None),
    "same-boundary": (SAME_BOUNDARY, None),
}


def _probe_values(rubric: BandRubric) -> list[float]:
    ends = {e for b in rubric.bands for e in (b.lower, b.upper) if e is not None}
    ends |= {e for e in rubric.value_range if e is not None}
    values = {-1000.0, 0.0, 1000.0}
    for end in ends:
        values |= {end - 0.5, end - 0.01, end, end + 0.01, end + 0.5}
    return sorted(values)


@pytest.mark.parametrize("name", list(BAND_RUBRICS))
def test_band_formula_equals_lookup(name: str) -> None:
    texts, value_range = BAND_RUBRICS[name]
    rubric = Rubric.from_texts(texts, value_range=value_range)
    assert isinstance(rubric, BandRubric)
    formula = rubric.excel_formula("D7")
    assert formula.startswith("IF(ISNUMBER(D7),")
    assert formula.endswith(',"")')
    assert formula.count("(") == formula.count(")")
    values = _probe_values(rubric)
    levels = rubric.levels(pd.Series(values, dtype="float64"))
    for value, level in zip(values, levels, strict=True):
        expected = None if pd.isna(level) else int(level)
        assert _formula_level(rubric, value) == expected, value
    # missing and text cells give "" like NA
    assert _formula_level(rubric, None) is None
    assert _formula_level(rubric, "85") is None


def test_band_formula_structure() -> None:
    rubric = Rubric.from_texts(PALAD_Q4)
    assert rubric.excel_formula("E5") == (
        'IF(ISNUMBER(E5),IF(OR(E5<0,E5>100),"",'
        'MAX(0,(E5>65)*1,(E5>70)*2,(E5>75)*3,(E5>80)*4,(E5>=85)*5)),"")'
    )
    down = Rubric.from_texts(COMPLAINTS)
    # level 1 has no upper end: always reached; no maximum for a count
    assert down.excel_formula("E5") == (
        'IF(ISNUMBER(E5),IF(OR(E5<0),"",MAX(0,1,(E5<=8)*2,(E5<=6)*3,(E5<=4)*4,(E5<=2)*5)),"")'
    )


def test_milestone_formula_equals_lookup() -> None:
    rubric = Rubric.from_texts(MILESTONES)
    values = [-1, 0, 0.5, 1, 1.5, 2, 3, 4, 4.99, 5, 5.5, 6, 100]
    levels = rubric.levels(pd.Series(values, dtype="float64"))
    for value, level in zip(values, levels, strict=True):
        expected = None if pd.isna(level) else int(level)
        assert _formula_level(rubric, float(value)) == expected, value
    assert _formula_level(rubric, None) is None


@pytest.mark.parametrize("texts", [DEADLINE_NEXT_MONTH, DEADLINE_YEAR_END])
def test_relative_deadline_formula_equals_lookup(texts: list[str]) -> None:
    rubric = Rubric.from_texts(texts)
    values = [-5, 0, 9, 10, 11, 29, 30, 31, 44, 45, 46, 89, 90, 91]
    levels = rubric.levels(pd.Series(values, dtype="float64"))
    for value, level in zip(values, levels, strict=True):
        assert _formula_level(rubric, float(value)) == int(level), value


def test_date_deadline_formula_equals_lookup() -> None:
    # In Excel the cell holds a date serial and DATE() gives one; kpixl compares ordinals.
    rubric = Rubric.from_texts(DEADLINE_DATES)
    assert isinstance(rubric, DeadlineRubric)
    assert "DATE(2021,12,30)" in rubric.excel_formula("C3")
    days = [dt.date(2021, 12, 1) + dt.timedelta(days=n) for n in range(45)]
    levels = rubric.lookup(rubric.quantities(pd.Series(days, dtype=object)))["level"]
    for day, level in zip(days, levels, strict=True):
        assert _formula_level(rubric, serial(day), "C3") == int(level), day
