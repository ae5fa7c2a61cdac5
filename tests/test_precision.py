"""The precision rule: every scored value is rounded once, to 2 places, half away from zero,
as Excel's and LibreOffice's ROUND do (issue 7 item 1).

A value a hair away from where arithmetic on paper puts it (80.00000000000003 for a survey
of exactly 80 %) must score the level the paper value scores, as the division's own
workbook shows it.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import libreoffice
import numpy as np
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.evaluation.values import choose_values
from kpixl.measures import survey_item_means, survey_percent_from_means, weighted_mean
from kpixl.precision import DECIMALS, excel_round, round_value, round_values
from kpixl.rubric import Rubric

EXAMPLES: list[tuple[float, float]] = [
    # half away from zero, on the decimal value written, as ROUND does
    (1.005, 1.01),  # 100.49999999999999 × 0.01 in binary
    (82.125, 82.13),
    (82.135, 82.14),
    (2.675, 2.68),
    (0.125, 0.13),
    (0.285, 0.29),
    (1234567.005, 1234567.01),
    (549167315.545, 549167315.55),  # large: the noise is snapped relative to the value
    (-1.005, -1.01),
    (-82.125, -82.13),
    # binary noise of real computations
    (80.00000000000003, 80.0),  # a survey of exactly 80 % (issue 7 item 1)
    (7.000000000000001, 7.0),  # 0.07 × 100
    (84.99999999999999, 85.0),  # weighted items 0.1 × 75 + 0.2 × 90 over 0.3
    (0.30000000000000004, 0.3),
    # real digits are not noise: below the half stays below
    (1.0049999999, 1.0),
    (0.004999999, 0.0),
    (82.12499, 82.12),
    # nothing to round
    (80.0, 80.0),
    (0.0, 0.0),
    (-0.004, 0.0),  # no negative zero
    (2.0**53, 2.0**53),
    (1.797e306, 1.797e306),  # a pasted 307-digit number: no overflow
]


@pytest.mark.parametrize(("value", "rounded"), EXAMPLES)
def test_round_value(value: float, rounded: float) -> None:
    got = round_value(value)
    assert got == rounded
    assert math.copysign(1.0, got) == math.copysign(1.0, rounded)


def test_round_values_equal_the_examples_all_at_once() -> None:
    values = pd.Series([v for v, _ in EXAMPLES], index=range(100, 100 + len(EXAMPLES)))
    got = round_values(values)
    assert got.index.equals(values.index)
    assert str(got.dtype) == "float64"
    assert got.tolist() == [r for _, r in EXAMPLES]


@pytest.mark.parametrize(
    "values",
    [
        pd.Series([1.005, None, np.nan]),
        pd.Series([1.005, pd.NA, None], dtype=object),
        pd.Series([1, pd.NA, 3], dtype="Int64"),
        pd.Series([math.inf, -math.inf, np.nan]),
        pd.Series([], dtype="float64"),
    ],
)
def test_round_values_keep_na_and_infinity(values: pd.Series) -> None:
    got = round_values(values)
    assert str(got.dtype) == "float64"
    assert got.index.equals(values.index)
    for raw, out in zip(values, got, strict=True):
        if pd.isna(raw):
            assert math.isnan(out)
        else:
            assert out == round_value(float(raw))


FLOATS = st.floats(allow_nan=True, allow_infinity=True)


@settings(max_examples=400, deadline=None)
@given(st.lists(FLOATS, max_size=20))
def test_vectorised_equals_scalar(values: list[float]) -> None:
    got = round_values(pd.Series(values, dtype="float64"))
    for value, out in zip(values, got, strict=True):
        want = round_value(value)
        assert (math.isnan(want) and math.isnan(out)) or out == want, value


@settings(max_examples=400, deadline=None)
@given(
    st.decimals(
        min_value=-(10**11), max_value=10**11, places=4, allow_nan=False, allow_infinity=False
    )
)
def test_half_away_from_zero_on_the_decimal_written(written: Decimal) -> None:
    """What a person wrote (a decimal of at most 15 significant digits, what a spreadsheet
    keeps), rounded as ROUND rounds it, whatever its binary."""
    want = float(written.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    assert round_value(float(written)) == want


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_rounded_once_stays_rounded(value: float) -> None:
    once = round_value(value)
    assert round_value(once) == once
    assert once == float(f"{once:.{DECIMALS}f}")  # at most two places
    assert round_value(-value) == -once  # symmetric: away from zero both ways
    assert abs(once - value) <= 0.005 + 1e-9 * abs(value)


def test_excel_round() -> None:
    assert excel_round("J7") == "ROUND(J7,2)"
    assert excel_round("D9*100/D10") == "ROUND(D9*100/D10,2)"


# --- issue 7 item 1: exact boundaries one ulp off ----------------------------------------

# COM KPI 1's criteria as the centre wrote them (the bundled master).
COM_1 = [
    "ไม่เกินร้อยละ ๖๕",
    "เกินกว่า ร้อยละ ๖๕ ถึงร้อยละ ๗๐",
    "เกินกว่า ร้อยละ ๗๐ ถึงร้อยละ ๗๕",
    "เกินกว่า ร้อยละ ๗๕ ถึงร้อยละ ๘๐",
    "เกินกว่า ร้อยละ ๘๐",
]
# One respondent: aspects (3, 4, 3), (5, 4, 5), (4, 4) → 10/3, 14/3, 4 → 4 → exactly 80 %.
EXACTLY_80 = pd.DataFrame(
    [
        ("k", 1, aspect, f"{aspect}{n}", float(answer))
        for aspect, answers in (("a", (3, 4, 3)), ("b", (5, 4, 5)), ("c", (4, 4)))
        for n, answer in enumerate(answers, 1)
    ],
    columns=["kpi_id", "round", "aspect", "item", "answer"],
)


def test_a_survey_of_exactly_80_percent_scores_level_4_on_com_kpi_1() -> None:
    rubric = Rubric.from_texts(COM_1, value_range=(0, 100))
    percent = survey_percent_from_means(survey_item_means(EXACTLY_80, ["kpi_id"]), ["kpi_id"])
    raw = percent["value"]
    assert raw.iloc[0] == 80.00000000000003  # the hair that decided the level
    assert rubric.lookup(raw)["level"].tolist() == [5]  # what kpixl gave before the rule
    rounded = round_values(raw)
    assert rounded.tolist() == [80.0]
    assert rubric.lookup(rounded)["level"].tolist() == [4]  # what LibreOffice gives
    assert rubric.lookup(rounded)["status"].tolist() == ["ok"]


def test_weighted_items_on_a_boundary_score_the_boundary() -> None:
    items = pd.DataFrame(
        {"kpi_id": ["k", "k"], "item": ["1", "2"], "value": [75.0, 90.0], "weight": [0.1, 0.2]}
    )
    raw = weighted_mean(items, ["kpi_id"])["value"]
    assert raw.iloc[0] == 84.99999999999999  # (7.5 + 18) / 0.3 = 85 on paper
    texts = ["ไม่ถึง 70", "ตั้งแต่ 70 แต่ไม่ถึง 75", "ตั้งแต่ 75 แต่ไม่ถึง 80", "ตั้งแต่ 80 แต่ไม่ถึง 85"]
    rubric = Rubric.from_texts([*texts, "ตั้งแต่ 85 ขึ้นไป"], value_range=(0, 100))
    assert rubric.lookup(raw)["level"].tolist() == [4]
    assert rubric.lookup(round_values(raw))["level"].tolist() == [5]


def test_the_one_rule_rounds_the_value_it_chooses() -> None:
    """choose_values is the one place a scored value is rounded: computed or reported."""
    kpis = pd.DataFrame(
        {
            "kind": ["survey", "ratio", "bands", "growth"],
            "computed_status": ["ok", "ok", "not_computed", "blank"],
            "computed": [80.00000000000003, 7.000000000000001, np.nan, np.nan],
            "reported": [79.0, 7.5, 82.125, 1.005],
            "result_state": ["ok", "ok", "ok", "ok"],
        },
        index=[10, 11, 12, 13],
    )
    chosen = choose_values(kpis)
    assert chosen["value"].tolist() == [80.0, 7.0, 82.13, 1.01]
    assert chosen["value_source"].tolist() == [
        "computed",
        "computed",
        "reported",
        "reported_fallback",
    ]


# --- the independent spreadsheet: LibreOffice's ROUND gives the same ------------------------


def test_libreoffice_round_agrees(tmp_path: Path) -> None:
    values = [v for v, _ in EXAMPLES if abs(v) < 1e15]
    path = tmp_path / "round.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("S")
    for row, value in enumerate(values):
        sheet.write_number(row, 0, value)
        # the cell as text with 15 significant digits: CSV export shows it that way
        sheet.write_formula(row, 1, f'=TEXT({excel_round(f"A{row + 1}")},"0.00")')
    book.close()
    csv = libreoffice.to_csv([path], tmp_path / "out")[path]["S"]
    shown = pd.read_csv(csv, header=None, dtype=str)[1].tolist()
    assert shown == [f"{round_value(v):.2f}" for v in values]
