"""Excel and kpixl must not disagree silently (issue 7: item 1, and "Excel and kpixl must
not disagree silently").

A division sees its level live in Excel; the centre scores with kpixl. Here LibreOffice, an
independent spreadsheet program, recalculates generated division workbooks filled with
generated inputs, and its (ก), (ค), value used and รวม must be kpixl's on every row:

* values landing exactly on every boundary of every band rubric of every computing kind —
  ratio, growth, survey, weighted items, from inputs whose exact (on paper) result is the
  boundary, so that floating point lands a hair off it — and of the bands typed on the
  form; every step count of the milestones; the day of every deadline and the day after
  it, for the three deadline kinds;
* random values;
* the cases where the two once differed: 85 % typed as a percentage (0.85 with a percent
  format), a B.E. year typed into a date cell, a monthly report missing, the one rule's
  fallback to the reported result, inputs the computation cannot use.

The workbooks are the divisions of the bundled master with each KPI repeated once per case
(copy ``n`` of KPI ``2.1.1`` is ``2.1.1-n``), so that one workbook per division carries all
its cases — LibreOffice takes about a second per workbook, and one soffice run recalculates
them all — and one division of a small synthetic master for what the bundled one lacks:
weighted items with readable criteria, lower-is-better bands, a growth that may fall,
thousands separators, two-digit B.E. years. A rubric several KPIs share has its boundaries
tried once, on the first of them; the others get random values.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from libreoffice import recalculate

from kpixl import layout as L
from kpixl.definitions import KpiDef, parse_definitions
from kpixl.evaluation import Evaluation, evaluate
from kpixl.fill import Filler
from kpixl.fiscal import fiscal_year_end, fiscal_year_start, format_date_th, month_year_ce
from kpixl.master import (
    DIVISIONS,
    ITEMS,
    KPIS,
    Master,
    division_definitions,
    table_frame,
)
from kpixl.reader import read_workbook
from kpixl.rubric import BandRubric, DeadlineRubric, MilestoneRubric
from kpixl.templates import write_division_workbook

SEED = 2565
FY = 2565
YEAR_END = fiscal_year_end(FY)
WINDOW = (fiscal_year_start(FY), YEAR_END + dt.timedelta(days=365))


# --- cases ------------------------------------------------------------------------------------


@dataclass
class Case:
    """What one KPI row is filled with, and what kpixl must make of it when that is known.

    Attributes:
        note: what the case tries, for failure messages.
        form: the result typed on the form (None: left blank).
        data: supporting-data field → value.
        answers: survey answers, (round, one answer per item) per respondent.
        percent: the result cell gets a percent number format (85 % typed in Excel).
        percent_data: supporting-data fields that get a percent number format.
        differs: an input the workbook's own formulas cannot read as kpixl does (text for
            a number or a date, an answer of 3.5, an unknown tick): the two may disagree,
            but never silently.
        value: the value kpixl must score; None when the case says nothing about it.
        scored: whether the row must get a level at all.
        raw: the value computed plainly in floating point, unrounded (for the boundary
            cases: how far from the boundary a computation lands without the rounding).
    """

    note: str
    form: Any = None
    data: dict[str, Any] = field(default_factory=dict)
    answers: list[tuple[int, list[int]]] = field(default_factory=list)
    percent: bool = False
    percent_data: tuple[str, ...] = ()
    differs: bool = False
    value: float | None = None
    scored: bool = True
    raw: float | None = None


def band_ends(rubric: BandRubric) -> list[float]:
    """Every finite end of every band and of the possible range."""
    ends = {e for b in rubric.bands for e in (b.lower, b.upper) if e is not None}
    ends |= {e for e in rubric.value_range if e is not None}
    return sorted(e + 0.0 for e in ends)


def decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def number(value: Decimal) -> float | int:
    """A Decimal as the number a division types (an int when it is whole)."""
    return int(value) if value == value.to_integral_value() else float(value)


DENOMINATORS = (3, 7, 12, 30, 0.3, 1.1, 45, 250_000_000, 1_520, 0.7)
LAST_YEARS = (126_000_000, 179_100, 1_000, 3, 0.7, 37, 12.5)


def ratio_case(note: str, b: float, d: float) -> Case:
    """Numerator and denominator whose exact ratio is ``b`` percent."""
    n = decimal(b) * decimal(d) / 100
    num, den = number(n), number(decimal(d))
    return Case(note, form=b, data={"numerator": num, "denominator": den}, value=b,
                raw=num * 100 / den)  # fmt: skip


def growth_case(note: str, b: float, last: float) -> Case:
    """This year and last year whose exact growth is ``b`` percent."""
    this = decimal(last) + decimal(last) * decimal(b) / 100
    t, p = number(this), number(decimal(last))
    return Case(note, form=b, data={"this_year": t, "last_year": p}, value=b,
                raw=(t - p) * 100 / p)  # fmt: skip


def item_sums(
    rng: random.Random, sizes: list[int], mean: Fraction, respondents: int
) -> list[int] | None:
    """Per item, the sum of ``respondents`` answers 1–5, such that the mean over aspects
    (``sizes``: items per aspect) of the mean of their items' means is exactly ``mean``."""
    r = respondents
    spread = min(mean - 1, 5 - mean) * r
    centre = mean * r
    sums = [round(centre + rng.uniform(-spread, spread)) for _ in range(sum(sizes))]
    # Σ_aspects (Σ its item sums) / (r × its size) = aspects × mean; solve for the last sum.
    first = sum(sizes[:-1])
    known = sum(
        Fraction(sum(sums[start : start + size]), r * size)
        for start, size in zip(
            [sum(sizes[:i]) for i in range(len(sizes) - 1)], sizes[:-1], strict=True
        )
    )
    rest = sum(sums[first:-1])
    last = (len(sizes) * mean - known) * r * sizes[-1] - rest
    if last.denominator != 1 or not r <= last <= 5 * r:
        return None
    sums[-1] = int(last)
    return sums


def survey_rows(
    rng: random.Random, kpi: KpiDef, percent: float, round_no: int
) -> tuple[list[tuple[int, list[int]]], float]:
    """Answers of one round whose exact satisfaction is ``percent``, and that satisfaction
    computed plainly in floating point (item means → aspect means → overall → × 100 / 5)."""
    sizes = [sum(1 for i in kpi.survey_items if i.aspect_no == a)
             for a in dict.fromkeys(i.aspect_no for i in kpi.survey_items)]  # fmt: skip
    target = Fraction(decimal(percent)) / 20
    if target in (1, 5):  # every answer the lowest, or the highest
        count = len(kpi.survey_items)
        return [(round_no, [int(target)] * count) for _ in range(3)], percent
    for _ in range(20_000):
        respondents = rng.choice((3, 6, 7, 9, 11))
        sums = item_sums(rng, sizes, target, respondents)
        if sums is not None:
            break
    else:
        raise AssertionError(f"no answers found for {percent} %")
    columns = []
    for total in sums:
        base, extra = divmod(total, respondents)
        column = [base + 1] * extra + [base] * (respondents - extra)
        rng.shuffle(column)
        columns.append(column)
    rows = [(round_no, [c[i] for c in columns]) for i in range(respondents)]
    means = [sum(c) / respondents for c in columns]
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    aspects = [sum(means[s : s + n]) / n for s, n in zip(starts, sizes, strict=True)]
    return rows, sum(aspects) / len(aspects) * 100 / 5


def survey_case(rng: random.Random, kpi: KpiDef, note: str, b: float) -> Case:
    answers: list[tuple[int, list[int]]] = []
    raws = []
    for round_no in range(1, kpi.survey_rounds + 1):
        rows, raw = survey_rows(rng, kpi, b, round_no)
        answers += rows
        raws.append(raw)
    return Case(note, form=b, answers=answers, value=b, raw=sum(raws) / len(raws))


def weighted_case(rng: random.Random, kpi: KpiDef, note: str, b: float) -> Case:
    """Sub-item values (ร้อยละ, one decimal) whose exact weighted mean is ``b``."""
    weights = [decimal(i.weight or 0) for i in kpi.items]
    total = sum(weights)
    # Solve for an item whose weight divides evenly in decimal (10, 20, 25 …).
    solve = max(range(len(weights)), key=lambda i: (weights[i] % 5 == 0, weights[i]))
    for _ in range(20_000):
        if b in (0, 100):
            values = [decimal(b)] * len(weights)
            break
        values = [Decimal(rng.randint(0, 1000)) / 10 for _ in weights]
        rest = sum(
            w * v for i, (w, v) in enumerate(zip(weights, values, strict=True)) if i != solve
        )
        last = (decimal(b) * total - rest) / weights[solve]
        if 0 <= last <= 100 and last == last.quantize(Decimal("0.0001")):
            values[solve] = last
            break
    else:
        raise AssertionError(f"no sub-items found for {b} %")
    data = {f"item:{i.item_no}": number(v) for i, v in zip(kpi.items, values, strict=True)}
    plain = [float(w) for w in weights]
    raw = sum(w * v for w, v in zip(plain, data.values(), strict=True)) / sum(plain)
    return Case(note, form=b, data=data, value=b, raw=raw)


def band_cases(rng: random.Random, kpi: KpiDef, boundaries: bool, specials: bool) -> list[Case]:
    rubric = kpi.rubric
    assert isinstance(rubric, BandRubric)
    ends = band_ends(rubric)
    low, high = rubric.value_range
    kind = kpi.kind
    reach = {
        "bands": (float("-inf"), float("inf")),
        "ratio": (0.0, 100.0),
        "growth": (-100.0, float("inf")),
        "survey": (20.0, 100.0),
        "weighted_items": (0.0, 100.0),
    }[kind]
    cases: list[Case] = []

    def case(note: str, b: float) -> Case:
        if kind == "ratio":
            return ratio_case(note, b, rng.choice(DENOMINATORS))
        if kind == "growth":
            return growth_case(note, b, rng.choice(LAST_YEARS))
        if kind == "survey":
            return survey_case(rng, kpi, note, b)
        if kind == "weighted_items":
            return weighted_case(rng, kpi, note, b)
        return Case(note, form=b, value=b)

    if boundaries:
        for b in ends:
            if reach[0] <= b <= reach[1]:
                cases.append(case(f"on the boundary {b:g}", b))
        # Just outside the possible range: no level in either.
        if kind == "bands" and low is not None:
            cases.append(Case(f"below the range ({low:g})", form=low - 0.01, scored=False))
        if kind == "bands" and high is not None:
            cases.append(Case(f"above the range ({high:g})", form=high + 0.01, scored=False))
    if specials:
        cases += special_cases(kpi)
    # A random value anywhere the inputs can reach (and a little beyond the rubric's ends).
    span_low = max(reach[0], (low if low is not None else ends[0] - 10))
    span_high = min(reach[1], (high if high is not None else ends[-1] + 10))
    b = round(rng.uniform(span_low, span_high), 2)
    if kind == "ratio":
        d = rng.randint(1, 5000)
        cases.append(Case(f"random {d}", form=None, data={"numerator": rng.randint(0, d),
                                                          "denominator": d}))  # fmt: skip
    elif kind == "survey":
        people = rng.randint(3, 15)
        cases.append(
            Case(
                "random answers",
                answers=[
                    (r, [rng.randint(1, 5) for _ in kpi.survey_items])
                    for r in range(1, kpi.survey_rounds + 1)
                    for _ in range(people)
                ],
            )
        )
    elif kind == "weighted_items":
        cases.append(Case("random items", data={f"item:{i.item_no}": rng.randint(0, 1000) / 10
                                                for i in kpi.items}))  # fmt: skip
    else:
        cases.append(case(f"random {b:g}", b))
        cases[-1].value = None  # a random value's float noise is not the point here
    return cases


def special_cases(kpi: KpiDef) -> list[Case]:
    """The one rule and the inputs kpixl cannot use, on one KPI of each kind."""
    kind = kpi.kind
    out: list[Case] = []
    if kpi.percent and kind in ("bands", "ratio", "survey", "weighted_items"):
        # Item 2: 85 % typed in Excel is 0.85 with a percent format — 85 in both.
        out.append(Case("85 % typed as a percentage", form=0.85, percent=True, value=85.0))
    if kind == "ratio":
        out += [
            Case("reported only: the one rule's fallback", form=67.5, value=67.5),
            Case("numerator only: incomplete", form=50, data={"numerator": 5}, scored=False),
            Case("zero denominator", form=50, data={"numerator": 0, "denominator": 0},
                 scored=False),
            Case("numerator above the denominator", form=50,
                 data={"numerator": 11, "denominator": 10}, scored=False),
            # spaces and a pasted no-break space are nothing entered: the fallback, in both
            Case("inputs holding only spaces", form=62.5,
                 data={"numerator": "  ", "denominator": "\u00a0"}, value=62.5),
            Case("inputs holding only zero-width characters", form=62.5,
                 data={"numerator": "\u200b", "denominator": "\ufeff\u200c"}, value=62.5),
        ]  # fmt: skip
    if kind == "growth":
        out += [
            Case("zero last year", form=3, data={"this_year": 10, "last_year": 0}, scored=False),
            Case("reported only", form=-2.5, value=-2.5),
        ]
    if kind == "survey":
        out.append(Case("reported only", form=72.25, value=72.25))
    if kind == "weighted_items":
        first = f"item:{kpi.items[0].item_no}"
        out.append(Case("one sub-item missing", form=80, data={first: 90}, scored=False))
        # 85 % typed as a percentage in a sub-item: 85 in both.
        items = {f"item:{i.item_no}": 80 for i in kpi.items} | {first: 0.85}
        out.append(Case("a sub-item typed as 85 %", data=items, percent_data=(first,)))
    # What the workbook's formulas cannot read as kpixl does.
    if kind == "bands":
        out += [
            Case("a number typed as text", form="72.5", value=72.5, differs=True),
            Case("Thai digits", form="๔๕.๕", value=45.5, differs=True),
        ]
    if kind == "ratio":
        out += [
            Case("a numerator typed as text", data={"numerator": "18", "denominator": 20},
                 value=90.0, differs=True),
            Case("a numerator typed as a percentage", percent_data=("numerator",),
                 data={"numerator": 0.12, "denominator": 1}, value=12.0),
        ]  # fmt: skip
    if kind == "survey":
        count = len(kpi.survey_items)
        out.append(
            Case("an answer of 3.5", answers=[(1, [3.5] * count), (1, [4] * count)],
                 value=80.0, differs=True)
        )  # fmt: skip
    return out


def milestone_cases(
    rng: random.Random, kpi: KpiDef, boundaries: bool, specials: bool
) -> list[Case]:
    rubric = kpi.rubric
    assert isinstance(rubric, MilestoneRubric)
    steps = rubric.steps
    ticks = ("✓", "✔", "√", "/", "x", "X", "ใช่", "ทำแล้ว", " ✓ ", 1, "เสร็จแล้ว", "Done")

    def done(count: int, *, skip: tuple[int, ...] = ()) -> dict[str, Any]:
        return {
            f"step:{s}": (rng.choice(ticks) if s <= count and s not in skip else L.NOT_DONE)
            for s in range(1, steps + 1)
        }

    if not boundaries:
        return [Case("random ticks", data=done(rng.randint(0, steps)))]
    cases = [Case(f"{n} steps done", data=done(n), value=float(n)) for n in range(steps + 1)]
    cases += [
        Case("step 3 not done, 4 and 5 ticked", data=done(steps, skip=(3,)), value=2.0),
        Case("only step 1 blank", data={f"step:{s}": "✓" for s in range(2, steps + 1)},
             value=0.0),
        Case("nothing entered", scored=False),
        Case("every step only spaces", data={f"step:{s}": " " for s in range(1, steps + 1)},
             scored=False),
    ]  # fmt: skip
    if specials:
        unknown = {"step:1": "✓", "step:2": "เสร็จสิ้น", "step:3": "✓"}
        cases.append(Case("a tick kpixl cannot read", data=unknown, scored=False, differs=True))
    return cases


def deadline_cases(rng: random.Random, kpi: KpiDef, boundaries: bool, specials: bool) -> list[Case]:
    rubric = kpi.rubric
    assert isinstance(rubric, DeadlineRubric)
    kind = rubric.deadline_kind
    limits = [c.limit for c in rubric.criteria]
    if kind == "day_of_next_month":
        return monthly_cases(rng, limits, boundaries, specials)
    if kind == "date":
        days = [c.date for c in rubric.criteria if c.date is not None]
        assert len(days) == len(limits)

        def on(day: dt.date, note: str, be: bool = False) -> Case:
            typed = dt.date(day.year + 543, day.month, day.day) if be else day
            return Case(note, form=typed, value=float(day.toordinal()))

        if not boundaries:
            return [on(days[0] - dt.timedelta(days=rng.randint(-5, 30)), "random date")]
        cases = [on(d, f"on the deadline {d}") for d in days]
        cases += [on(d + dt.timedelta(days=1), f"the day after {d}") for d in days]
        cases.append(on(days[2], f"{days[2]} typed with its B.E. year", be=True))
        cases.append(Case("before the fiscal year", form=WINDOW[0] - dt.timedelta(days=1),
                          scored=False))  # fmt: skip
        if specials:
            text = on(days[2], "a date typed as text")
            text.form, text.differs = format_date_th(days[2]), True
            late = on(days[2], "a date with a time of day")
            late.form = dt.datetime.combine(days[2], dt.time(23, 59))
            cases += [text, late]
        return cases

    def after(days: int, note: str, be: bool = False) -> Case:
        day = YEAR_END + dt.timedelta(days=days)
        typed = dt.date(day.year + 543, day.month, day.day) if be else day
        return Case(note, form=typed, value=float(days))

    if not boundaries:
        return [after(rng.randint(0, 120), "random date")]
    cases = [after(int(d), f"{d:g} days after the year's end") for d in limits]
    cases += [after(int(d) + 1, f"{d + 1:g} days after the year's end") for d in limits]
    cases.append(after(51, "20 Nov 2565 typed with its B.E. year", be=True))
    cases.append(Case("after the plausible window", form=WINDOW[1] + dt.timedelta(days=1),
                      scored=False))  # fmt: skip
    if specials:
        cases.append(Case("a date typed as text", form="20/11/2565", value=51.0, differs=True))
        evening = dt.datetime.combine(YEAR_END + dt.timedelta(days=60), dt.time(16, 45))
        cases.append(Case("a date with a time of day", form=evening, value=60.0))
    return cases


def month_end(month: int) -> dt.date:
    year = month_year_ce(FY, month)
    return dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)


def monthly_cases(
    rng: random.Random, limits: list[float], boundaries: bool, specials: bool
) -> list[Case]:
    months = list(L.QUARTER_MONTHS[1] + L.QUARTER_MONTHS[2] + L.QUARTER_MONTHS[3]
                  + L.QUARTER_MONTHS[4])  # fmt: skip

    def delivered(worst: int, *, be: int | None = None, missing: int | None = None) -> Case:
        late = rng.choice(months)
        data: dict[str, Any] = {}
        for month in months:
            if month == missing:
                continue
            delay = worst if month == late else rng.randint(0, worst)
            day = month_end(month) + dt.timedelta(days=delay)
            if month == be:
                day = dt.date(day.year + 543, day.month, day.day)
            data[f"month:{month}"] = day
        note = f"the worst month {worst} days late" + (" (a B.E. year typed)" if be else "")
        if missing is not None:
            return Case(f"month {missing} not reported", data=data, scored=False)
        return Case(note, data=data, value=float(worst))

    if not boundaries:
        return [delivered(rng.randint(0, 35))]
    cases = [delivered(int(d)) for d in limits]
    cases += [delivered(int(d) + 1) for d in limits]
    cases.append(delivered(12, be=rng.choice(months)))
    cases.append(delivered(8, missing=rng.choice(months)))
    if specials:
        text = delivered(14)
        month = next(m for m in months if text.data[f"month:{m}"] - month_end(m) < dt.timedelta(14))
        text.data[f"month:{month}"] = format_date_th(text.data[f"month:{month}"])
        text.note, text.differs = "a month typed as text", True
        timed = delivered(15)
        month = next(
            m for m in months if timed.data[f"month:{m}"] - month_end(m) == dt.timedelta(15)
        )
        timed.data[f"month:{month}"] = dt.datetime.combine(timed.data[f"month:{month}"],
                                                           dt.time(17, 30))  # fmt: skip
        timed.note = "the worst month delivered at 17:30"
        cases += [text, timed]
    return cases


def cases_for(
    rng: random.Random, kpi: KpiDef, boundaries: bool, specials: bool = False
) -> list[Case]:
    """Every case of one KPI: its rubric's boundaries when ``boundaries``, the cases of
    :func:`special_cases` when ``specials``, and a random one."""
    if kpi.problem is not None or kpi.rubric is None:
        return [Case("a KPI the centre must fix", form=80, scored=False)]
    if isinstance(kpi.rubric, BandRubric):
        return band_cases(rng, kpi, boundaries, specials)
    if isinstance(kpi.rubric, MilestoneRubric):
        return milestone_cases(rng, kpi, boundaries, specials)
    return deadline_cases(rng, kpi, boundaries, specials)


# --- masters and workbooks --------------------------------------------------------------------

PERCENT_BANDS = (
    "ไม่ถึงร้อยละ ๖๐",
    "ตั้งแต่ร้อยละ ๖๐ แต่ไม่ถึงร้อยละ ๗๐",
    "ตั้งแต่ร้อยละ ๗๐ แต่ไม่ถึงร้อยละ ๘๐",
    "ตั้งแต่ร้อยละ ๘๐ แต่ไม่ถึงร้อยละ ๙๐",
    "ตั้งแต่ร้อยละ ๙๐ ถึงร้อยละ ๑๐๐",
)
SYNTHETIC_KPIS: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    # (id, kind, unit, criteria level 1 … 5, weight)
    ("1", "weighted_items", "ร้อยละ", PERCENT_BANDS, "15"),
    (
        "2",
        "weighted_items",
        "ร้อยละ",
        (
            "ไม่เกินร้อยละ ๖๐",
            "มากกว่าร้อยละ ๖๐ ถึงร้อยละ ๗๐",
            "มากกว่าร้อยละ ๗๐ ถึงร้อยละ ๘๐",
            "มากกว่าร้อยละ ๘๐ ถึงร้อยละ ๙๐",
            "มากกว่าร้อยละ ๙๐",
        ),
        "15",
    ),
    (
        "3",
        "bands",
        "ครั้ง",
        (
            "มากกว่า ๘ ครั้ง",
            "มากกว่า ๖ ครั้ง แต่ไม่เกิน ๘ ครั้ง",
            "มากกว่า ๔ ครั้ง แต่ไม่เกิน ๖ ครั้ง",
            "มากกว่า ๒ ครั้ง แต่ไม่เกิน ๔ ครั้ง",
            "น้อยกว่าหรือเท่ากับ ๒ ครั้ง",
        ),
        "10",
    ),
    (
        "4",
        "growth",
        "ร้อยละ",
        (
            "ลดลงมากกว่าร้อยละ ๕",
            "ลดลงไม่เกินร้อยละ ๕",
            "เพิ่มขึ้นไม่ถึงร้อยละ ๕",
            "เพิ่มขึ้นตั้งแต่ร้อยละ ๕ แต่ไม่ถึงร้อยละ ๑๐",
            "เพิ่มขึ้นตั้งแต่ร้อยละ ๑๐ ขึ้นไป",
        ),
        "15",
    ),
    (
        "5",
        "bands",
        "บาท",
        (
            "มากกว่า 1,000,000 บาท",
            "มากกว่า 800,000 บาท แต่ไม่เกิน 1,000,000 บาท",
            "ระหว่าง 600,000-800,000 บาท",
            "มากกว่าหรือเท่ากับ 400,000 บาท แต่น้อยกว่า 600,000 บาท",
            "น้อยกว่า 400,000 บาท",
        ),
        "15",
    ),
    (
        "6",
        "ratio",
        "ร้อยละ",
        (
            "มากกว่าร้อยละ ๒๐",
            "มากกว่าร้อยละ ๑๕ ถึงร้อยละ ๒๐",
            "มากกว่าร้อยละ ๑๐ ถึงร้อยละ ๑๕",
            "มากกว่าร้อยละ ๕ ถึงร้อยละ ๑๐",
            "ไม่เกินร้อยละ ๕",
        ),
        "15",
    ),
    (
        "7",
        "deadline_date",
        "วัน",
        tuple(f"ภายในวันที่ {d} ธ.ค. ๖๔" for d in ("๓๐", "๒๕", "๒๐", "๑๕", "๑๐")),
        "15",
    ),
)
ITEM_WEIGHTS = {"1": ("30", "25", "20", "15", "10"), "2": ("25", "25", "25", "25")}


def synthetic_master() -> Master:
    """What the bundled master lacks, as one division."""
    kpis = [
        {
            "division_code": "SYN",
            "kpi_id": kpi_id,
            "name": f"ตัวชี้วัดทดสอบ {kpi_id}",
            "unit": unit,
            "kind": kind,
            **{f"level_{n}": text for n, text in enumerate(texts, 1)},
            "weight": weight,
        }
        for kpi_id, kind, unit, texts, weight in SYNTHETIC_KPIS
    ]
    items = [
        {"division_code": "SYN", "kpi_id": kpi_id, "item_no": str(n), "item": f"รายการ {n}",
         "weight": weight}
        for kpi_id, weights in ITEM_WEIGHTS.items()
        for n, weight in enumerate(weights, 1)
    ]  # fmt: skip
    division = {"division_code": "SYN", "division_name": "กองทดสอบ"}
    return Master(
        {"org_name": "อบจ.ทดสอบ", "fiscal_year_be": str(FY)},
        {
            "divisions": table_frame(DIVISIONS, [division]),
            "kpis": table_frame(KPIS, kpis),
            "items": table_frame(ITEMS, items),
        },
    )


def copy_id(kpi_id: str, n: int) -> str:
    """The id of copy ``n`` of a KPI (copy 0 is the KPI itself)."""
    return kpi_id if n == 0 else f"{kpi_id}-{n}"


def repeated(master: Master, copies: dict[tuple[str, str], int]) -> Master:
    """``master`` with each KPI row (division, id) repeated ``copies`` times, each copy right
    after its KPI, with its steps, survey questions and sub-items."""
    frames = dict(master.frames)
    for key, frame in master.frames.items():
        if "kpi_id" not in frame.columns:
            continue
        rows = []
        for rec in frame.to_dict("records"):
            for n in range(copies.get((rec["division_code"], rec["kpi_id"]), 1)):
                copy = {**rec, "kpi_id": copy_id(rec["kpi_id"], n)}
                if rec.get("group_id"):
                    copy["group_id"] = copy_id(rec["group_id"], n)
                rows.append(copy)
        frames[key] = pd.DataFrame(rows, columns=frame.columns)
    return Master(master.organisation, frames)


def fill_case(f: Filler, kpi_id: str, case: Case) -> None:
    if case.form is not None:
        f.form(kpi_id, case.form)
    if case.percent:
        ws, row, keys = f._row("form", kpi_id)
        ws.cell(row, keys["result"]).number_format = "0%"
    for key, value in case.data.items():
        f.data(kpi_id, key, value)
    for key in case.percent_data:
        ws, row, keys = f._row("data", kpi_id, key)
        ws.cell(row, keys["input"]).number_format = "0%"
    if case.answers:
        f.survey(kpi_id, case.answers)


@dataclass
class Row:
    """One KPI row of one generated workbook and the case it was filled with."""

    source: str
    kpi_id: str
    kind: str
    case: Case
    rubric: Any


@dataclass
class Generated:
    """The filled workbooks, their masters and cases, LibreOffice's recalculated copies."""

    masters: list[Master]
    filled: list[Path]
    recalculated: list[Path]
    rows: list[Row]


@pytest.fixture(scope="module")
def generated(master: Master, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    rng = random.Random(SEED)
    folder = tmp_path_factory.mktemp("formulas")
    seen: set[tuple[Any, ...]] = set()
    special: set[tuple[str, bool]] = set()
    built: list[Master] = []
    filled: list[Path] = []
    rows: list[Row] = []
    for base in (master, synthetic_master()):
        plans: dict[str, list[tuple[KpiDef, list[Case]]]] = {}
        for code in base.division_codes():
            defs = parse_definitions(division_definitions(base, code))
            for kpi in defs.scored:
                key = (kpi.kind, kpi.texts, kpi.value_range)
                fresh = key not in seen and kpi.problem is None
                first = fresh and (kpi.kind, kpi.percent) not in special
                seen.add(key)
                if first:
                    special.add((kpi.kind, kpi.percent))
                plans.setdefault(code, []).append((kpi, cases_for(rng, kpi, fresh, first)))
        copies = {(code, k.kpi_id): len(c) for code, plan in plans.items() for k, c in plan}
        expanded = repeated(base, copies)
        built.append(expanded)
        for code, plan in plans.items():
            template = write_division_workbook(expanded, code, folder / "blank" / f"{code}.xlsx")
            filler = Filler(template)
            source = f"{code}.xlsx"
            for kpi, cases in plan:
                for n, case in enumerate(cases):
                    kpi_id = copy_id(kpi.kpi_id, n)
                    fill_case(filler, kpi_id, case)
                    rows.append(Row(source, kpi_id, kpi.kind, case, kpi.rubric))
            filler.save(folder / source)
            filled.append(folder / source)
    recalculated = recalculate(filled, folder / "libreoffice")
    return Generated(built, filled, recalculated, rows)


# --- what each program made of them -----------------------------------------------------------


def blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and pd.isna(value))


def form_cells(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """LibreOffice's results: kpi_id → {level, weighted, value}, and the totals."""
    ws = openpyxl.load_workbook(path, data_only=True)[L.FORM_SHEET]
    top = next(
        row[0].row for row in ws.iter_rows(max_row=40) if any(c.value == "kpi_id" for c in row)
    )
    keys = {c.value: c.column for c in ws[top] if isinstance(c.value, str)}
    rows: dict[str, dict[str, Any]] = {}
    totals: dict[str, Any] = {}
    for r in range(top + 1, ws.max_row + 1):
        kpi_id = ws.cell(r, keys["kpi_id"]).value
        got = {k: ws.cell(r, keys[k]).value for k in ("level", "weighted", "value")}
        if kpi_id == L.TOTAL_LABEL:
            totals["total"] = got["weighted"]
        elif kpi_id == L.SCORE_LABEL:
            totals["score_100"] = got["weighted"]
            break
        elif kpi_id:
            rows[str(kpi_id)] = got
    return rows, totals


def as_number(value: Any) -> float | None:
    """A cell's value as kpixl's number: a date as its ordinal (deadline_date's value)."""
    if blank(value):
        return None
    if isinstance(value, dt.datetime):
        return float(value.date().toordinal())
    if isinstance(value, dt.date):
        return float(value.toordinal())
    return float(value)


@pytest.fixture(scope="module")
def office(generated: Generated) -> dict[str, tuple[dict[str, dict[str, Any]], dict[str, Any]]]:
    return {
        filled.name: form_cells(out)
        for filled, out in zip(generated.filled, generated.recalculated, strict=True)
    }


@pytest.fixture(scope="module")
def scores(generated: Generated) -> Evaluation:
    return evaluate([read_workbook(p) for p in generated.filled], generated.masters)


REFUSED = ("value-unreadable", "likert-out-of-range", "value-error", "date-implausible")
"""Findings that say kpixl leaves an input out, where the workbook's formulas use it."""


def explained(findings: pd.DataFrame, row: Row) -> bool:
    """Whether a finding on the row's own cells says why the centre's score is not the one
    the workbook shows: an input kpixl leaves out, or one Excel leaves out (the message
    says so)."""
    mine = findings[findings["source"].eq(row.source) & findings["kpi_id"].eq(row.kpi_id)]
    says = mine["code"].isin(REFUSED) | mine["message_en"].str.contains("Excel")
    return bool((mine["cell"].ne("") & says).any())


def compare(row: Row, mine: pd.Series, theirs: dict[str, Any]) -> str:
    """How LibreOffice and kpixl differ on the row's level, (ค) and value ("" if they agree)."""
    level = None if pd.isna(mine["level"]) else int(mine["level"])
    weighted = None if pd.isna(mine["weighted"]) else float(mine["weighted"])
    value = None if pd.isna(mine["value"]) else float(mine["value"])
    lo_level = None if blank(theirs["level"]) else theirs["level"]
    lo_weighted, lo_value = as_number(theirs["weighted"]), as_number(theirs["value"])

    def same(a: float | None, b: float | None) -> bool:
        return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)

    if level == lo_level and same(weighted, lo_weighted) and same(value, lo_value):
        return ""
    return (
        f"{row.source} {row.kpi_id} ({row.kind}, {row.case.note}): kpixl level {level} "
        f"value {value} (ค) {weighted} / LibreOffice level {lo_level} value {lo_value} "
        f"(ค) {lo_weighted}"
    )


def test_every_case_was_generated_and_filled(generated: Generated, scores: Evaluation) -> None:
    kinds = {r.kind for r in generated.rows}
    assert kinds == {
        "bands", "ratio", "growth", "survey", "weighted_items", "milestones",
        "deadline_date", "deadline_monthly", "deadline_after_year_end",
    }  # fmt: skip
    assert len(scores.kpis) == len(generated.rows)
    assert set(zip(scores.kpis["source"], scores.kpis["kpi_id"], strict=True)) == {
        (r.source, r.kpi_id) for r in generated.rows
    }
    # Nothing generated was read as an edit of what the centre defines, and no input kpixl
    # leaves out was typed but where a case means it.
    found = scores.findings
    meant = {(r.source, r.kpi_id) for r in generated.rows if r.case.differs or not r.case.scored}
    mine = pd.Series(
        [(s, k) not in meant for s, k in zip(found["source"], found["kpi_id"], strict=True)],
        index=found.index,
        dtype=bool,
    )
    bad = found[
        found["code"].isin(
            ["locked-field-changed", "fingerprint-mismatch", "differs-from-master",
             "kpi-row-missing", "sheet-duplicated", "internal-error", "formula-not-calculated"]
        )
        | (found["code"].isin(REFUSED) & mine)
    ]  # fmt: skip
    assert bad.empty, bad[["source", "kpi_id", "cell", "code", "value"]].to_string()


def test_libreoffice_and_kpixl_agree_on_every_row(
    generated: Generated, office: dict[str, Any], scores: Evaluation
) -> None:
    kpis = scores.kpis.set_index(["source", "kpi_id"])
    disagree = [
        difference
        for row in generated.rows
        if not row.case.differs
        and (
            difference := compare(
                row, kpis.loc[(row.source, row.kpi_id)], office[row.source][0][row.kpi_id]
            )
        )
    ]
    assert disagree == [], "\n".join(disagree[:40])


def test_where_the_workbook_cannot_follow_kpixl_a_finding_says_why(
    generated: Generated, office: dict[str, Any], scores: Evaluation
) -> None:
    """Text for a number or a date, an answer of 3.5, a tick kpixl cannot read: the
    workbook's formulas read them otherwise than kpixl, so the two may disagree — but never
    silently (issue 7, "Excel and kpixl must not disagree silently")."""
    kpis = scores.kpis.set_index(["source", "kpi_id"])
    rows = [r for r in generated.rows if r.case.differs]
    assert {r.kind for r in rows} == {
        "bands", "ratio", "survey", "milestones", "deadline_date", "deadline_after_year_end",
        "deadline_monthly",
    }  # fmt: skip
    differ = [
        r for r in rows if compare(r, kpis.loc[(r.source, r.kpi_id)], office[r.source][0][r.kpi_id])
    ]
    silent = [r.case.note for r in differ if not explained(scores.findings, r)]
    assert silent == []
    assert len(differ) == len(rows)  # each of them does show another level in the workbook


def test_libreoffice_and_kpixl_agree_on_every_total(
    generated: Generated, office: dict[str, Any], scores: Evaluation
) -> None:
    totals = scores.totals.set_index("source")
    kpis = scores.kpis.set_index(["source", "kpi_id"])
    for filled in generated.filled:
        source = filled.name
        rows, theirs = office[source]
        # The rows whose difference a finding explains differ in the total too, by as much.
        explained = sum(
            (0.0 if pd.isna(w := kpis.loc[(source, r.kpi_id), "weighted"]) else w)
            - (as_number(rows[r.kpi_id]["weighted"]) or 0.0)
            for r in generated.rows
            if r.source == source and r.case.differs
        )
        mine = totals.loc[source]
        total = as_number(theirs["total"])
        assert total is not None and total + explained == pytest.approx(mine["total"]), source
        assert as_number(theirs["score_100"]) == pytest.approx(total * 20), source
        assert mine["score_100"] == pytest.approx(mine["total"] * 20), source


def test_boundary_values_are_scored_exactly_on_the_boundary(
    generated: Generated, scores: Evaluation
) -> None:
    """The rounding (issue 7, item 1): a value on a boundary gets the rubric's level for the
    boundary itself, however far floating point put the computation off it."""
    kpis = scores.kpis.set_index(["source", "kpi_id"])
    checked = noisy = 0
    flipped: set[str] = set()
    for row in generated.rows:
        mine = kpis.loc[(row.source, row.kpi_id)]
        case = row.case
        if not case.scored:
            assert pd.isna(mine["level"]), (row.kpi_id, case.note)
            continue
        assert not pd.isna(mine["level"]), (row.kpi_id, case.note)
        if case.value is None:
            continue
        assert mine["value"] == case.value, (row.kpi_id, case.note)
        level, _status = row.rubric.lookup_one(case.value)
        assert mine["level"] == level, (row.kpi_id, case.note)
        checked += 1
        if case.raw is not None and case.raw != case.value:
            noisy += 1
            if row.rubric.lookup_one(case.raw)[0] != level:
                flipped.add(row.kind)
    # The cases do land a hair off their boundaries before rounding (a survey of exactly
    # 80 % computes as 80.00000000000003), and unrounded that hair changes the level:
    # LibreOffice, comparing as a spreadsheet does, gave the level on paper, kpixl another.
    assert checked > 300 and noisy > 20, (checked, noisy)
    assert flipped >= {"ratio", "growth", "survey"}, flipped


def find(generated: Generated, note: str, kind: str | None = None) -> list[Row]:
    rows = [r for r in generated.rows if note in r.case.note and kind in (None, r.kind)]
    assert rows, note
    return rows


def test_85_percent_typed_as_a_percentage_is_85_in_both(
    generated: Generated, office: dict[str, Any], scores: Evaluation
) -> None:
    kpis = scores.kpis.set_index(["source", "kpi_id"])
    rows = find(generated, "85 % typed as a percentage")
    assert {r.kind for r in rows} >= {"bands", "ratio"}
    for row in rows:
        theirs = office[row.source][0][row.kpi_id]
        assert as_number(theirs["value"]) == kpis.loc[(row.source, row.kpi_id), "value"] == 85
    found = scores.findings
    normalised = found[found["code"].eq("value-normalised")]
    assert {(r.source, r.kpi_id) for r in rows} <= set(
        zip(normalised["source"], normalised["kpi_id"], strict=True)
    )


def test_a_be_year_in_a_date_cell_is_read_alike(
    generated: Generated, office: dict[str, Any], scores: Evaluation
) -> None:
    kpis = scores.kpis.set_index(["source", "kpi_id"])
    rows = find(generated, "B.E.")
    assert {r.kind for r in rows} == {
        "deadline_date", "deadline_after_year_end", "deadline_monthly",
    }  # fmt: skip
    for row in rows:
        theirs = office[row.source][0][row.kpi_id]
        mine = kpis.loc[(row.source, row.kpi_id)]
        assert as_number(theirs["value"]) == mine["value"] == row.case.value
        assert theirs["level"] == mine["level"]


def test_a_monthly_deadline_with_a_month_missing_has_no_level_in_both(
    generated: Generated, office: dict[str, Any], scores: Evaluation
) -> None:
    kpis = scores.kpis.set_index(["source", "kpi_id"])
    (row,) = find(generated, "not reported", "deadline_monthly")
    assert len(row.case.data) == 11
    assert blank(office[row.source][0][row.kpi_id]["level"])
    assert pd.isna(kpis.loc[(row.source, row.kpi_id), "level"])


def test_kpixl_reads_libreoffices_copies_alike(generated: Generated, scores: Evaluation) -> None:
    """The copies LibreOffice saved (every formula with its cached result, dates written by
    LibreOffice) score as the files it was given."""
    again = evaluate(
        [read_workbook(p, source=f.name) for f, p in zip(generated.filled, generated.recalculated,
                                                          strict=True)],
        generated.masters,
    )  # fmt: skip
    columns = ["source", "kpi_id", "value", "level", "status", "weighted"]
    pd.testing.assert_frame_equal(again.kpis[columns], scores.kpis[columns])
    pd.testing.assert_frame_equal(again.totals, scores.totals)


def test_a_level_libreoffice_showed_otherwise_is_a_finding_that_says_why(
    generated: Generated, office: dict[str, Any], scores: Evaluation
) -> None:
    """In the copies LibreOffice saved, the (ก) cells hold the level the division saw: every
    one that differs from the centre's level is a ``display-differs`` at that cell, and
    only those; each points to the entries the formulas read otherwise."""
    again = evaluate(
        [read_workbook(p, source=f.name) for f, p in zip(generated.filled, generated.recalculated,
                                                          strict=True)],
        generated.masters,
    )  # fmt: skip
    kpis = again.kpis.set_index(["source", "kpi_id"])
    expected = set()
    for row in generated.rows:
        theirs = office[row.source][0][row.kpi_id]["level"]
        mine = kpis.loc[(row.source, row.kpi_id), "level"]
        if not blank(theirs) and not pd.isna(mine) and int(mine) != theirs:
            expected.add((row.source, row.kpi_id))
    shown = again.findings[again.findings["code"].eq("display-differs")]
    assert set(zip(shown["source"], shown["kpi_id"], strict=True)) == expected
    assert expected, "some generated case shows another level in the workbook"
    assert shown["message_th"].str.contains("ดูหมายเหตุที่ช่องนั้น").all()
    # The workbooks kpixl filled hold no calculated results: nothing to compare there.
    assert not scores.findings["code"].eq("display-differs").any()


def test_a_stored_level_not_recalculated_is_a_finding(
    generated: Generated, office: dict[str, Any], tmp_path: Path
) -> None:
    """A (ก) cell whose stored result no longer follows its inputs (a tool that saved
    without recalculating): the centre's level stands, and the finding says the file was not
    recalculated — nothing on the KPI's entries explains it."""
    (row,) = [r for r in generated.rows if not r.case.differs and r.kind == "bands"][:1]
    source = next(p for f, p in zip(generated.filled, generated.recalculated, strict=True)
                  if f.name == row.source)  # fmt: skip
    ws = openpyxl.load_workbook(source)[L.FORM_SHEET]
    top = next(r[0].row for r in ws.iter_rows(max_row=40) if any(c.value == "kpi_id" for c in r))
    keys = {c.value: c.column for c in ws[top] if isinstance(c.value, str)}
    at = next(r for r in range(top + 1, ws.max_row + 1) if ws.cell(r, keys["kpi_id"]).value
              == row.kpi_id)  # fmt: skip
    ref = f"{openpyxl.utils.get_column_letter(keys['level'])}{at}"
    shown = office[row.source][0][row.kpi_id]["level"]
    stale = 1 if shown != 1 else 2
    part = f"xl/worksheets/sheet{ws.parent.sheetnames.index(L.FORM_SHEET) + 1}.xml"
    copy = tmp_path / row.source
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(copy, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == part:
                cell = re.compile(rf'(<c r="{ref}"[^>]*>(?:<f[^>]*>[^<]*</f>)?<v>)[^<]*(</v>)')
                data, n = cell.subn(rf"\g<1>{stale}\g<2>", data.decode())
                assert n == 1
                data = data.encode()
            new.writestr(item, data)
    found = evaluate([read_workbook(copy)], generated.masters).findings
    differs = found[found["code"].eq("display-differs")]
    assert differs["cell"].tolist() == [ref]
    assert differs["message_th"].iloc[0] == (
        f"ไฟล์แสดงระดับ {stale} แต่ส่วนกลางให้ระดับ {shown} "
        "เพราะผลที่บันทึกไว้ในไฟล์ยังไม่ได้คำนวณใหม่หลังแก้ไขค่า หรือสูตรในไฟล์ถูกแก้"
    )
