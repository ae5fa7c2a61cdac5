"""Division totals exactly as the agreement form computes them, worked out by hand.

(ค) = (ก) × (ข) / 100, รวม = Σ(ค), score out of 100 = รวม × 20. Nothing scored is no score
(None / NaN), never 0 (issue 7 item 10). The weights' own check (``weights-not-100``) is
a registered check now: see test_checks.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kpixl.scoring import DivisionScore, division_totals, score_division, weighted_scores


@pytest.mark.parametrize(
    ("levels", "weights", "weighted", "total", "score", "complete", "weights_ok"),
    [
        ([5, 4, 3], [40, 40, 20], (2.0, 1.6, 0.6), 4.2, 84.0, True, True),
        ([5, 5, 5, 5], [25, 25, 25, 25], (1.25, 1.25, 1.25, 1.25), 5.0, 100.0, True, True),
        ([1, 2], [50, 50], (0.5, 1.0), 1.5, 30.0, True, True),
        ([0, 5], [30, 70], (0.0, 3.5), 3.5, 70.0, True, True),  # level 0 is a real level
        # NA is not 0: it adds nothing and the division is incomplete
        ([5, 4, None], [40, 40, 20], (2.0, 1.6, None), 3.6, 72.0, False, True),
        # nothing scored: no total and no score, never 0 (issue 7 item 10)
        ([None, None], [50, 50], (None, None), None, None, False, True),
        ([5, 4, 3], [40, 40, 10], (2.0, 1.6, 0.3), 3.9, 78.0, True, False),
        ([3, 4], [15, 85.5], (0.45, 3.42), 3.87, 77.4, True, False),
    ],
)
def test_score_division(
    levels: list[int | None],
    weights: list[float],
    weighted: tuple[float | None, ...],
    total: float | None,
    score: float | None,
    complete: bool,
    weights_ok: bool,
) -> None:
    got = score_division(levels, weights)
    assert isinstance(got, DivisionScore)
    assert len(got.weighted) == len(weighted)
    for g, w in zip(got.weighted, weighted, strict=True):
        assert g is None if w is None else g == pytest.approx(w)
    assert got.total is None if total is None else got.total == pytest.approx(total)
    assert got.score_100 is None if score is None else got.score_100 == pytest.approx(score)
    assert got.complete is complete
    assert got.weights_ok is weights_ok


def test_score_division_lengths_must_match() -> None:
    with pytest.raises(ValueError):
        score_division([5, 4], [100])


def test_score_division_empty() -> None:
    got = score_division([], [])
    # no row is no score (issue 7 item 10) and not complete (README: complete is false when
    # any row has no level or there is none)
    assert (got.weighted, got.total, got.score_100, got.complete) == ((), None, None, False)
    assert got.weights_ok is False  # no weights cannot sum to 100


def test_weighted_scores() -> None:
    kpis = pd.DataFrame(
        {"level": pd.array([5, None, 2], dtype="Int64"), "weight": [20.0, 30.0, 50.0]}
    )
    got = weighted_scores(kpis)
    assert got.iloc[0] == 1.0
    assert pd.isna(got.iloc[1])
    assert got.iloc[2] == 1.0


def test_division_totals_many_divisions() -> None:
    kpis = pd.DataFrame(
        {
            "source": ["x", "x", "x", "y", "y", "z"],
            "level": pd.array([5, 4, 3, None, 2, 4], dtype="Int64"),
            "weight": [40.0, 40.0, 20.0, 50.0, 40.0, 100.0],
        }
    )
    got = division_totals(kpis)
    assert list(got.columns) == [
        "source",
        "kpis",
        "unscored",
        "weight_total",
        "total",
        "score_100",
        "complete",
    ]
    rows = {r["source"]: r for r in got.to_dict("records")}
    assert rows["x"]["kpis"] == 3 and rows["x"]["unscored"] == 0
    assert rows["x"]["total"] == pytest.approx(4.2)
    assert rows["x"]["score_100"] == pytest.approx(84.0)
    assert rows["x"]["complete"]
    # y: 2 × 40 / 100 = 0.8 from the scored row only; the NA row is not a 0 level
    assert rows["y"]["unscored"] == 1
    assert rows["y"]["weight_total"] == 90.0
    assert rows["y"]["total"] == pytest.approx(0.8)
    assert rows["y"]["score_100"] == pytest.approx(16.0)
    assert not rows["y"]["complete"]
    assert rows["z"]["total"] == pytest.approx(4.0)
    assert rows["z"]["score_100"] == pytest.approx(80.0)


def test_division_totals_nothing_scored_is_nan_never_zero() -> None:
    kpis = pd.DataFrame(
        {
            "source": ["none", "none", "some"],
            "level": pd.array([None, None, 0], dtype="Int64"),
            "weight": [50.0, 50.0, 100.0],
        }
    )
    rows = {r["source"]: r for r in division_totals(kpis).to_dict("records")}
    assert pd.isna(rows["none"]["total"]) and pd.isna(rows["none"]["score_100"])
    assert (rows["none"]["kpis"], rows["none"]["unscored"]) == (2, 2)
    assert not rows["none"]["complete"]
    # level 0 everywhere is a real score of 0
    assert (rows["some"]["total"], rows["some"]["score_100"]) == (0.0, 0.0)
    assert rows["some"]["complete"]


def test_division_totals_have_no_binary_noise() -> None:
    # 0.1 + 0.2 is 0.30000000000000004 in floats; the form's total is 0.3
    kpis = pd.DataFrame(
        {
            "source": ["x", "x"],
            "level": pd.array([1, 1], dtype="Int64"),
            "weight": [10.0, 20.0],
        }
    )
    got = division_totals(kpis).iloc[0]
    assert got["total"] == 0.3
    assert got["score_100"] == 6.0


def test_division_totals_quarter_rows_and_keys() -> None:
    # A quarterly KPI scored as four weighted rows (seed: กองคลัง 2.1.1-2.1.4, weights
    # 2, 2, 3, 3) next to other KPIs; keyed by division code.
    kpis = pd.DataFrame(
        {
            "division_code": ["fin"] * 6,
            "level": pd.array([5, 4, 3, 2, 5, 5], dtype="Int64"),
            "weight": [2.0, 2.0, 3.0, 3.0, 40.0, 50.0],
        }
    )
    got = division_totals(kpis, keys=["division_code"]).iloc[0]
    # 0.10 + 0.08 + 0.09 + 0.06 + 2.0 + 2.5 = 4.83
    assert got["total"] == pytest.approx(4.83)
    assert got["score_100"] == pytest.approx(96.6)
    assert got["weight_total"] == 100.0


def test_division_totals_uses_given_weighted_column() -> None:
    kpis = pd.DataFrame(
        {
            "source": ["x", "x"],
            "level": pd.array([5, 5], dtype="Int64"),
            "weight": [50.0, 50.0],
            "weighted": [1.0, 1.5],  # e.g. typed (ค), trusted when given
        }
    )
    assert division_totals(kpis)["total"].iloc[0] == pytest.approx(2.5)


def test_weights_summing_to_100_with_float_noise_pass() -> None:
    kpis = pd.DataFrame(
        {
            "source": ["x"] * 3,
            "level": pd.array([5, 5, 5], dtype="Int64"),
            "weight": [24.4, 39.8, 35.8],  # sums to 99.99999999999999 in floats
        }
    )
    totals = division_totals(kpis)
    assert totals["weight_total"].iloc[0] == pytest.approx(100.0)
    assert score_division([5, 5, 5], [24.4, 39.8, 35.8]).weights_ok
