"""Properties of the band lookup on random well-formed rubrics (hypothesis).

A rubric is generated as five ascending intervals with random open/closed ends, cut points
that touch, leave a gap or overlap, an open or capped bottom and top; for "lower is better"
the same intervals are listed in reverse, so level 1 is the highest one. The rubric is
written out as Thai text, so the parser and the direction inference are exercised too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from excel_formula import evaluate as excel_eval
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpixl.precision import round_values
from kpixl.rubric import LEVEL_STATUSES, BandRubric, Rubric, lookup_bands, lookup_each
from kpixl.thai import THAI_DIGITS, format_number


@dataclass(frozen=True)
class Spec:
    """Five ascending intervals, the direction, the value range and the texts."""

    ascending: tuple[tuple[float | None, bool, float | None, bool], ...]
    direction: str
    value_range: tuple[float | None, float | None]
    texts: tuple[str, ...]

    def level_of(self, ascending_index: int) -> int:
        return ascending_index + 1 if self.direction == "higher" else 5 - ascending_index

    def by_level(self) -> list[tuple[float | None, bool, float | None, bool]]:
        return [self.ascending[i if self.direction == "higher" else 4 - i] for i in range(5)]


def _number_text(value: float, thai: bool) -> str:
    text = format_number(value)
    return text.translate(str.maketrans("0123456789", THAI_DIGITS)) if thai else text


def _band_text(lower: float | None, li: bool, upper: float | None, ui: bool, thai: bool) -> str:
    def n(v: float) -> str:
        return _number_text(v, thai)

    if lower is None:
        assert upper is not None
        return f"{'ไม่เกิน' if ui else 'ไม่ถึง'} {n(upper)}"
    head = f"{'ตั้งแต่' if li else 'มากกว่า'} {n(lower)}"
    if upper is None:
        return head
    return f"{head} {'ถึง' if ui else 'แต่ไม่ถึง'} {n(upper)}"


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    start = draw(st.integers(16, 40))
    cuts = [start]
    for _ in range(3):
        cuts.append(cuts[-1] + draw(st.integers(4, 15)))
    shift = st.sampled_from([-1.0, -0.5, 0.0, 0.0, 0.5, 1.0])  # overlap, touch or gap
    flag = st.booleans()
    ascending = []
    bottom = None if draw(flag) else cuts[0] - draw(st.integers(4, 15))
    ascending.append((bottom, bottom is not None and draw(flag), float(cuts[0]), draw(flag)))
    for i in range(1, 4):
        ascending.append((cuts[i - 1] + draw(shift), draw(flag), float(cuts[i]), draw(flag)))
    top = None if draw(flag) else cuts[3] + draw(st.integers(4, 15))
    ascending.append((cuts[3] + draw(shift), draw(flag), top, top is not None and draw(flag)))
    direction = draw(st.sampled_from(["higher", "lower"]))
    minimum = draw(st.sampled_from([None, 0.0, float(start - 2)]))
    maximum = draw(st.sampled_from([None, float(cuts[3] + 2), 200.0]))
    thai = draw(flag)
    spec = Spec(tuple(ascending), direction, (minimum, maximum), ())
    texts = tuple(_band_text(*band, thai) for band in spec.by_level())
    return Spec(spec.ascending, direction, (minimum, maximum), texts)


def _probe_values(spec: Spec) -> st.SearchStrategy[list[float]]:
    ends = {e for band in spec.ascending for e in (band[0], band[2]) if e is not None}
    ends |= {e for e in spec.value_range if e is not None}
    grid = sorted({e + d for e in ends for d in (-0.5, -0.001, 0.0, 0.001, 0.5)})
    low, high = min(grid) - 10, max(grid) + 10
    value = st.one_of(
        st.sampled_from(grid),
        st.floats(low, high, allow_nan=False),
        st.just(math.nan),
    )
    return st.lists(value, min_size=1, max_size=40)


def _contains(band: tuple[float | None, bool, float | None, bool], v: float) -> bool:
    lower, li, upper, ui = band
    above = lower is None or (v >= lower if li else v > lower)
    below = upper is None or (v <= upper if ui else v < upper)
    return above and below


def _in_range(spec: Spec, v: float) -> bool:
    minimum, maximum = spec.value_range
    return (minimum is None or v >= minimum) and (maximum is None or v <= maximum)


def _lookup(rubric: Rubric, values: list[float]) -> list[tuple[int | None, str]]:
    frame = rubric.lookup(pd.Series(values, dtype="float64"))
    return [
        (None if pd.isna(level) else int(level), str(status))
        for level, status in zip(frame["level"], frame["status"], strict=True)
    ]


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.data())
def test_generated_rubric_parses_back(data: st.DataObject) -> None:
    spec = data.draw(specs())
    rubric = Rubric.from_texts(list(spec.texts), value_range=spec.value_range)
    assert isinstance(rubric, BandRubric)
    assert rubric.direction == spec.direction
    parsed = [(b.lower, b.lower_inclusive, b.upper, b.upper_inclusive) for b in rubric.bands]
    assert parsed == spec.by_level()


@FAST
@given(st.data())
def test_each_value_gets_one_level_and_vectorised_equals_scalar(data: st.DataObject) -> None:
    spec = data.draw(specs())
    values = data.draw(_probe_values(spec))
    rubric = Rubric.from_texts(list(spec.texts), value_range=spec.value_range)
    got = _lookup(rubric, values)
    for v, (level, status) in zip(values, got, strict=True):
        assert rubric.lookup_one(v) == (level, status), v
        assert status in LEVEL_STATUSES
        if math.isnan(v):
            assert (level, status) == (None, "missing")
        elif not _in_range(spec, v):
            assert (level, status) == (None, "out_of_range")
        else:
            assert level is not None and 0 <= level <= 5, v
            assert status not in ("missing", "out_of_range")


@FAST
@given(st.data())
def test_many_rubrics_at_once_score_each_value_as_its_own_rubric(data: st.DataObject) -> None:
    # A round scores the KPIs of every rubric at once: the band rubrics in one table
    # (lookup_bands, where a rubric of four levels sits beside rubrics of five), the others
    # each on its rows (lookup_each); an id without a rubric is missing.
    bands: list[BandRubric] = []
    values, which = [], []
    for number in range(data.draw(st.integers(1, 4))):
        spec = data.draw(specs())
        texts = list(spec.texts)[: data.draw(st.sampled_from([4, 5]))]
        rubric = Rubric.from_texts(texts, value_range=spec.value_range)
        assert isinstance(rubric, BandRubric)
        bands.append(rubric)
        drawn = data.draw(_probe_values(spec))
        values += drawn
        which += [number] * len(drawn)
    others = {
        -7: Rubric.from_texts([f"ทำขั้นตอนที่ 1-{n} ได้ {n} คะแนน" for n in range(1, 6)]),
        -8: Rubric.from_texts([f"ภายใน {d} วัน นับแต่วันสิ้นปี" for d in (90, 75, 60, 45, 30)]),
    }
    other_value = st.one_of(st.floats(-10, 100, allow_nan=False), st.just(math.nan))
    for rubric_id in (-7, -8, 99):
        drawn = data.draw(st.lists(other_value, max_size=8))
        values += drawn
        which += [rubric_id] * len(drawn)
    order = data.draw(st.permutations(range(len(values))))
    values, which = [values[i] for i in order], [which[i] for i in order]
    series = pd.Series(values, dtype="float64", index=pd.RangeIndex(100, 100 + len(values)))
    rubrics: dict[int, Rubric] = {**dict(enumerate(bands)), **others}
    each = lookup_each(rubrics, np.array(which), series)
    assert list(each.index) == list(series.index)
    for v, w, level, status in zip(values, which, each["level"], each["status"], strict=True):
        want = rubrics[w].lookup_one(v) if w in rubrics else (None, "missing")
        assert want == (None if pd.isna(level) else int(level), status), (v, w)
    banded = np.array([w >= 0 and w != 99 for w in which], dtype=bool)
    at_once = lookup_bands(bands, np.array(which)[banded], series[banded])
    pd.testing.assert_frame_equal(at_once, each[banded])


@FAST
@given(st.data())
def test_level_is_monotonic_in_the_rubrics_direction(data: st.DataObject) -> None:
    spec = data.draw(specs())
    values = sorted(v for v in data.draw(_probe_values(spec)) if not math.isnan(v))
    rubric = Rubric.from_texts(list(spec.texts), value_range=spec.value_range)
    levels = [level for level, _ in _lookup(rubric, values) if level is not None]
    if spec.direction == "lower":
        levels.reverse()
    assert levels == sorted(levels)


@FAST
@given(st.data())
def test_status_follows_containment(data: st.DataObject) -> None:
    spec = data.draw(specs())
    values = [v for v in data.draw(_probe_values(spec)) if not math.isnan(v)]
    rubric = Rubric.from_texts(list(spec.texts), value_range=spec.value_range)
    by_level = spec.by_level()
    for v, (level, status) in zip(values, _lookup(rubric, values), strict=True):
        if not _in_range(spec, v):
            continue
        holding = [n for n, band in enumerate(by_level, 1) if _contains(band, v)]
        if len(holding) == 1:
            assert (level, status) == (holding[0], "ok"), v
        elif len(holding) > 1:
            assert (level, status) == (max(holding), "overlap"), v  # the better level
        else:
            assert status in ("gap", "below", "above"), v
            # every level up to the one given lies wholly on the worse side of the value
            for n in range(1, (level or 0) + 1):
                lower, _, upper, _ = by_level[n - 1]
                if spec.direction == "higher":
                    assert upper is not None and upper <= v
                else:
                    assert lower is not None and lower >= v
            assert (status == "below") == (level == 0)
            assert (status == "above") == (level == 5)


@FAST
@given(st.data())
def test_boundaries_honour_open_and_closed_ends(data: st.DataObject) -> None:
    spec = data.draw(specs())
    rubric = Rubric.from_texts(list(spec.texts), value_range=spec.value_range)
    for index, (lower, li, upper, ui) in enumerate(spec.ascending):
        level = spec.level_of(index)
        # the end that decides the level: the lower end when higher is better
        end, inclusive = (lower, li) if spec.direction == "higher" else (upper, ui)
        if end is None or not _in_range(spec, end):
            continue
        got = rubric.level(end)
        # neighbours are at least 3 apart, so only this band can start at its end
        assert got == (level if inclusive else level - 1), (end, inclusive)
        # the far end is inside the band exactly when it is closed
        far, far_inclusive = (upper, ui) if spec.direction == "higher" else (lower, li)
        if far is not None and _in_range(spec, far):
            band = rubric.bands[level - 1]
            assert band.contains(far) == far_inclusive


@FAST
@given(st.data())
def test_lint_finds_exactly_the_generated_gaps_and_overlaps(data: st.DataObject) -> None:
    spec = data.draw(specs())
    rubric = Rubric.from_texts(list(spec.texts), value_range=spec.value_range)
    expected = set()
    for i in range(1, 5):
        _, _, upper, ui = spec.ascending[i - 1]
        lower, li, _, _ = spec.ascending[i]
        assert upper is not None and lower is not None
        level = max(spec.level_of(i - 1), spec.level_of(i))
        if lower > upper or (lower == upper and not li and not ui):
            expected.add(("rubric-gap", level))
        elif lower < upper or (li and ui):
            expected.add(("rubric-overlap", level))
    minimum, maximum = spec.value_range
    low_lower, low_li, _, _ = spec.ascending[0]
    _, _, high_upper, high_ui = spec.ascending[4]
    open_below = low_lower is not None and (
        minimum is None or low_lower > minimum or (low_lower == minimum and not low_li)
    )
    open_above = high_upper is not None and (
        maximum is None or high_upper < maximum or (high_upper == maximum and not high_ui)
    )
    worst_open, best_open = (
        (open_below, open_above) if spec.direction == "higher" else (open_above, open_below)
    )
    if worst_open:
        expected.add(("rubric-bottom-uncovered", 1))
    if best_open:
        expected.add(("rubric-top-capped", 5))
    issues = [(i.code, i.level) for i in rubric.lint()]
    assert len(issues) == len(set(issues))
    assert set(issues) == expected


@FAST
@given(st.data())
def test_a_boundary_a_hair_off_scores_as_the_boundary_once_rounded(data: st.DataObject) -> None:
    """Issue 7 item 1: a computed value one ulp away from a boundary (80.00000000000003 for
    80) scores what the boundary scores, once rounded by the precision rule."""
    spec = data.draw(specs())
    rubric = Rubric.from_texts(list(spec.texts), value_range=spec.value_range)
    ends = sorted({e for band in spec.ascending for e in (band[0], band[2]) if e is not None})
    noise = data.draw(st.lists(st.sampled_from([-3, -2, -1, 1, 2, 3]), min_size=len(ends),
                                max_size=len(ends)))  # fmt: skip
    hairs = [e + k * math.ulp(e) * 4 if e else k * 1e-15 for e, k in zip(ends, noise, strict=True)]
    assert hairs != ends
    exact = _lookup(rubric, ends)
    assert _lookup(rubric, round_values(pd.Series(hairs)).tolist()) == exact


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_excel_formula_equals_lookup(data: st.DataObject) -> None:
    spec = data.draw(specs())
    values = data.draw(_probe_values(spec))
    rubric = Rubric.from_texts(list(spec.texts), value_range=spec.value_range)
    formula = rubric.excel_formula("F9")
    for v, (level, _) in zip(values, _lookup(rubric, values), strict=True):
        result = excel_eval(formula, {"F9": None if math.isnan(v) else v})
        assert (None if result == "" else int(result)) == level, v


@settings(max_examples=100, deadline=None)
@given(
    st.data(),
    st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from([math.inf, -math.inf, math.nan, None]),  # rare in st.floats
        ),
        min_size=1,
        max_size=20,
    ),
)
def test_any_float_vectorised_equals_scalar(data: st.DataObject, values: list) -> None:
    spec = data.draw(specs())
    unbounded = Rubric.from_texts(list(spec.texts), value_range=(None, None))
    series = pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    frame = unbounded.lookup(series)
    for v, level, status in zip(values, frame["level"], frame["status"], strict=True):
        assert unbounded.lookup_one(v) == (None if pd.isna(level) else int(level), status), v
        if v is None or math.isnan(v):
            assert pd.isna(level) and status == "missing"
        else:
            assert not pd.isna(level)  # unbounded: every real number is scored


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.integers(-2, 8).map(float), st.floats(-2, 8), st.just(math.nan)),
        min_size=1,
        max_size=20,
    )
)
def test_milestone_and_deadline_vectorised_equals_scalar(values: list[float]) -> None:
    milestones = Rubric.from_texts([f"ทำขั้นตอนที่ 1-{n} ได้ {n} คะแนน" for n in range(1, 6)])
    deadlines = Rubric.from_texts([f"ภายใน {d} วัน นับแต่วันสิ้นปี" for d in (90, 75, 60, 45, 30)])
    for rubric, better in ((milestones, 1), (deadlines, -1)):
        got = _lookup(rubric, values)
        for v, pair in zip(values, got, strict=True):
            assert rubric.lookup_one(v) == pair, v
            if math.isnan(v):
                assert pair == (None, "missing")
        scored = sorted(
            (v * better, level)
            for v, (level, _) in zip(values, got, strict=True)
            if level is not None
        )
        levels = [level for _, level in scored]
        assert levels == sorted(levels)
