"""evaluate() on division workbooks built in memory (``tests/builders.py``): every rubric
kind, the codes the bundled samples do not raise, definitions and masters, many workbooks
at once, and the regressions of issue 7. A few real-file round trips (template → Filler →
read_workbook → evaluate) keep the in-memory builder honest.

The inline master (division A, FY 2565) has nine KPIs, one per rubric kind, so every
address below follows from the layout: form rows 7–15 (A id, C name, D unit, E–I criteria,
J result, K level (ก), L weight (ข), M weighted (ค), N value used), รวม M16, score M17;
supporting data (column D) KPI 2 rows 7–8, KPI 3 rows 12–13, KPI 4 rows 17–19, KPI 6
rows 23–27, KPI 8 rows 31–42 (ต.ค. … ก.ย.); the answers of survey KPI 5 on “สำรวจ 5” from
row 12 (A round, C–E items); target sheet rows 8–16, sign-off C18–C20.

Most books are evaluated together, once per module (``batch``): evaluating is a fixed cost
of many column operations, whatever the number of workbooks, and
``test_many_workbooks_at_once_are_scored_exactly_as_one_by_one`` shows that a batch scores
each workbook as it would be scored alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from builders import (
    KPIS,
    PERCENT,
    Book,
    Error,
    Formula,
    Percent,
    kpi,
    make_master,
    with_kpi,
)

from kpixl import layout as L
from kpixl import master as M
from kpixl.checks.master import check_master
from kpixl.evaluation import Evaluation, combine, evaluate, shared_values
from kpixl.evaluation import frames as F
from kpixl.evaluation.sources import choose_all
from kpixl.fill import Filler
from kpixl.findings import CENTRE
from kpixl.measures import survey_item_means, survey_percent_from_means
from kpixl.reader import read_workbook
from kpixl.safety import UnusableFile
from kpixl.templates import write_division_workbook
from kpixl.workbook import WorkbookData, cells_frame

Step = Callable[[Any], Any]
"""Something typed into a workbook: works on a :class:`builders.Book` and on a
:class:`kpixl.fill.Filler` alike."""
FORM = L.FORM_SHEET
DATA = L.DATA_SHEET
SAMPLES = Path(__file__).resolve().parents[1] / "sample_workbooks"

STRICTER = [*PERCENT[:3], "ตั้งแต่ร้อยละ ๘๐ แต่ไม่ถึงร้อยละ ๙๕", "ตั้งแต่ร้อยละ ๙๕ ถึงร้อยละ ๑๐๐"]
SEVEN = [
    "ไม่เกิน ร้อยละ ๑",
    "เกินกว่า ร้อยละ ๑ ถึงร้อยละ ๓",
    "เกินกว่า ร้อยละ ๓ ถึงร้อยละ ๕",
    "เกินกว่า ร้อยละ ๕ ถึงร้อยละ ๗",
    "เกินกว่า ร้อยละ ๗",
]


@pytest.fixture(scope="module")
def inline() -> M.Master:
    found = check_master(make_master())
    assert found.empty, found[["code", "cell", "value"]]
    return make_master()


@pytest.fixture(scope="module")
def blank(inline: M.Master) -> Book:
    """Division A's workbook as sent, in memory; copy it with :meth:`Book.copy`."""
    return Book(inline, "A")


def book(blank: Book, *steps: Step, source: str = "A.xlsx") -> WorkbookData:
    filled = blank.copy(source)
    for step in steps:
        step(filled)
    return filled.workbook()


# --- how the workbooks are filled ---------------------------------------------------------


def month_end(month: int) -> dt.date:
    year = 2021 if month >= 10 else 2022
    return dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)


def months(delays: dict[int, int | None]) -> Step:
    """KPI 8: every month's report ``delay`` days after the month's end (5 unless given;
    None leaves the month blank)."""

    def step(f: Any) -> None:
        for month in (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9):
            delay = delays.get(month, 5)
            f.data(
                "8",
                f"month:{month}",
                None if delay is None else month_end(month) + dt.timedelta(days=delay),
            )

    return step


def form(kpi_id: str, value: Any, field: str = "result") -> Step:
    return lambda f: f.form(kpi_id, value, field)


def data(kpi_id: str, field: str, value: Any) -> Step:
    return lambda f: f.data(kpi_id, field, value)


def target(kpi_id: str, **values: Any) -> Step:
    return lambda f: f.target(kpi_id, values)


def signoff(key: str, value: Any) -> Step:
    return lambda f: f.signoff_field(key, value)


def total(value: Any) -> Step:
    return lambda b: b.total(value)


def score(value: Any) -> Step:
    return lambda b: b.score(value)


def ticks(*marks: Any) -> Step:
    def step(f: Any) -> None:
        for n, mark in enumerate(marks, 1):
            f.data("6", f"step:{n}", mark)

    return step


def survey(rows: list[tuple[Any, list[Any]]]) -> Step:
    return lambda f: f.survey("5", rows)


SURVEY = [(1, [5, 3, 4]), (1, [5, 5, 2]), (2, [4, 4, 5]), (2, [4, 4, 5])]
"""Round 1: item means 5, 4, 3 → aspects 4.5 and 3 → 3.75 → 75 %; round 2: 4, 4, 5 →
aspects 4 and 5 → 4.5 → 90 %; the two rounds averaged: 82.5 % (a plain mean of all items
would give 83.33)."""


def fill_base(f: Any, skip: Sequence[str] = ()) -> None:
    """Every KPI scored, no finding: the levels of BASE (KPIs in ``skip`` left blank)."""
    if "1" not in skip:
        f.form("1", 85)
    if "2" not in skip:
        f.data("2", "numerator", 2)
        f.data("2", "denominator", 3)
        f.form("2", 66.67)
    if "3" not in skip:
        f.data("3", "this_year", 105)
        f.data("3", "last_year", 100)
        f.form("3", 5)
    if "4" not in skip:
        for n, value in ((1, 100), (2, 90), (3, 80)):  # (100×50 + 90×30 + 80×20) / 100 = 93
            f.data("4", f"item:{n}", value)
        f.form("4", 93)
    if "5" not in skip:
        f.survey("5", SURVEY)
        f.form("5", 82.5)
    if "6" not in skip:
        ticks("✓", "✓", "✓", L.NOT_DONE, L.NOT_DONE)(f)
    if "7" not in skip:
        f.form("7", dt.date(2021, 12, 17))  # by 20 December 2564: level 3
    if "8" not in skip:
        months({})(f)  # every month 5 days after its end: level 5
    if "9" not in skip:
        f.form("9", dt.date(2022, 11, 20))  # 51 days after 30 Sep 2022: level 3
    f.signoff("นางสาวทดสอบ ใจดี", dt.date(2022, 10, 10))


def base(f: Any) -> None:
    """Every KPI scored, no finding: the levels of BASE."""
    fill_base(f)


def base_but(*kpi_ids: str) -> Step:
    """``base`` with the KPIs ``kpi_ids`` left as sent."""
    return lambda f: fill_base(f, kpi_ids)


BASE = {"1": 4, "2": 2, "3": 5, "4": 5, "5": 4, "6": 3, "7": 3, "8": 5, "9": 3}
WEIGHTS = {"1": 20, **{k: 10 for k in "23456789"}}


def found(evaluation: Evaluation) -> list[tuple[str, str, str]]:
    f = evaluation.findings
    return sorted(zip(f["code"], f["cell"], f["kpi_id"], strict=True))


def levels(evaluation: Evaluation, source: str | None = None) -> dict[str, int | None]:
    kpis = evaluation.kpis
    if source is not None:
        kpis = kpis[kpis["source"] == source]
    return {
        k: None if pd.isna(v) else int(v)
        for k, v in zip(kpis["kpi_id"], kpis["level"], strict=True)
    }


def kpi_row(evaluation: Evaluation, kpi_id: str) -> dict[str, Any]:
    kpis = evaluation.kpis
    return dict(kpis[kpis["kpi_id"] == kpi_id].iloc[0])


def part(evaluation: Evaluation, source: str) -> Evaluation:
    """One workbook's share of a batch's evaluation."""

    def mine(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["source"] == source].reset_index(drop=True)

    return Evaluation(
        mine(evaluation.workbooks),
        mine(evaluation.kpis),
        mine(evaluation.totals),
        mine(evaluation.findings),
        mine(evaluation.fills),
    )


def fills(evaluation: Evaluation) -> dict[tuple[str, str], Any]:
    f = evaluation.fills
    return dict(zip(zip(f["sheet"], f["cell"], strict=True), f["value"], strict=True))


# --- the cases evaluated together --------------------------------------------------------

CASES: dict[str, list[Step]] = {}
"""Source → what is typed into division A's blank workbook; all evaluated in ``batch``."""


def case(name: str, *steps: Step) -> str:
    CASES[name] = list(steps)
    return name


@pytest.fixture(scope="module")
def batch(inline: M.Master, blank: Book) -> Evaluation:
    """Every case of :data:`CASES`, evaluated in one pass with the inline master."""
    books = [book(blank, *steps, source=name) for name, steps in CASES.items()]
    evaluation = evaluate(books, inline)
    assert "internal-error" not in set(evaluation.findings["code"])
    return evaluation


@pytest.fixture
def result(batch: Evaluation, request: pytest.FixtureRequest) -> Evaluation:
    """The share of ``batch`` of the case named by the (indirect) parameter."""
    return part(batch, request.param)


CLEAN = case("clean", base)
UNTOUCHED = case("untouched")


# --- the builder is the reader's reading of the template ----------------------------------


def _comparable(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells as both the reader and the builder give them: a formula's text is the
    templates' tests' business."""
    out = cells.assign(
        has_formula=cells["formula"].ne(""),
        raw=cells["raw"].where(cells["formula"].eq(""), None),
    )
    out["raw"] = out["raw"].map(repr)
    columns = ["sheet", "table", "kpi_id", "field", "row", "column", "error", "percent"]
    return (
        out[[*columns, "cached", "has_formula", "raw"]]
        .sort_values(["sheet", "row", "column"])
        .reset_index(drop=True)
    )


@pytest.fixture(scope="module")
def template(inline: M.Master, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_division_workbook(inline, "A", tmp_path_factory.mktemp("template") / "A.xlsx")


@pytest.mark.parametrize("division", ["A", "COM", "FIN", "SEC"])
def test_a_blank_book_is_the_readers_reading_of_the_template(
    division: str,
    inline: M.Master,
    template: Path,
    master: M.Master,
    templates: dict[str, Path],
) -> None:
    path = template if division == "A" else templates[division]
    real = read_workbook(path, source="x.xlsx")
    mine = Book(inline if division == "A" else master, division, source="x.xlsx").workbook()
    pd.testing.assert_frame_equal(_comparable(mine.cells), _comparable(real.cells))
    assert {k: v for k, v in mine.meta.items() if k != "created"} == {
        k: v for k, v in real.meta.items() if k != "created"
    }
    assert mine.definitions == real.definitions
    assert (mine.altered, real.altered) == (None, None)


ROUND_TRIPS: dict[str, list[Step]] = {
    "clean": [base],
    "messy": [
        base,
        form("1", "๘๕.๕"),
        data("2", "denominator", 0),
        form("3", "ราว ๆ ห้า"),
        data("4", "item:3", None),
        survey([(1, [5, 3, 7]), (2, ["สี่", 4, 5])]),
        ticks("✓", "", "✓", "บางส่วน", ""),
        form("7", "10/12/2021"),
        months({3: None, 11: 40}),
        form("9", "#N/A"),
        form("1", 50, field="weight"),
        form("2", "จำนวน", field="unit"),
        target("1", m10=10, m11="๑๕ ครั้ง", q2=30, result_2563=80),
        signoff("signed_off", L.SIGNOFF_NO),
    ],
}


@pytest.fixture(scope="module")
def round_trips(
    inline: M.Master, blank: Book, template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, WorkbookData], Evaluation]:
    """Each of :data:`ROUND_TRIPS` typed into the template with :class:`Filler` and read
    back (source ``<name>``), beside the same typed into a :class:`Book` (``mem:<name>``),
    and the untouched template read back (``file:untouched``), all evaluated together."""
    folder = tmp_path_factory.mktemp("round-trips")
    books: dict[str, WorkbookData] = {}
    for name, steps in ROUND_TRIPS.items():
        filler = Filler(template)
        for step in steps:
            step(filler)
        filler.save(folder / f"{name}.xlsx")
        books[name] = read_workbook(folder / f"{name}.xlsx", source=name)
        books[f"mem:{name}"] = book(blank, *steps, source=f"mem:{name}")
    books["file:untouched"] = read_workbook(template, source="file:untouched")
    return books, evaluate(list(books.values()), inline)


def _same_evaluation(a: Evaluation, b: Evaluation) -> None:
    for name in ("workbooks", "kpis", "totals", "findings", "fills"):
        left, right = getattr(a, name), getattr(b, name)
        pd.testing.assert_frame_equal(
            left.assign(source=""), right.assign(source=""), check_dtype=False, obj=name
        )


@pytest.mark.parametrize("name", list(ROUND_TRIPS))
def test_a_filled_book_is_the_same_workbook_filled_and_read(
    round_trips: tuple[dict[str, WorkbookData], Evaluation], name: str
) -> None:
    books, evaluation = round_trips
    real, mine = books[name], books[f"mem:{name}"]
    pd.testing.assert_frame_equal(_comparable(mine.cells), _comparable(real.cells))
    _same_evaluation(part(evaluation, f"mem:{name}"), part(evaluation, name))


def test_the_messy_round_trip_has_much_to_say(
    round_trips: tuple[dict[str, WorkbookData], Evaluation],
) -> None:
    assert part(round_trips[1], "messy").findings["code"].nunique() > 15


# --- a clean workbook ---------------------------------------------------------------------


@pytest.mark.parametrize("result", [CLEAN], indirect=True)
def test_a_clean_workbook(result: Evaluation) -> None:
    assert found(result) == []
    assert levels(result) == BASE
    kpis = result.kpis.set_index("kpi_id")
    assert kpis["status"].eq("ok").all()
    assert kpis["weight"].to_dict() == WEIGHTS
    # the scored value is rounded once, to 2 places (kpixl.precision); computed is not
    assert kpis.loc["2", "value"] == 66.67
    assert kpis.loc["2", "computed"] == pytest.approx(200 / 3)
    assert kpis.loc["3", "value"] == 5.0
    assert kpis.loc["4", "value"] == 93.0
    assert kpis.loc["5", "value"] == 82.5
    assert kpis.loc["6", "value"] == 3
    assert kpis.loc["8", "value"] == 5  # the worst month's days after its end
    assert kpis.loc["9", "value"] == 51
    totals = result.totals.iloc[0]
    assert totals["total"] == pytest.approx(3.8)
    assert totals["score_100"] == pytest.approx(76.0)
    assert totals["weight_total"] == 100
    assert bool(totals["complete"])
    info = result.workbooks.iloc[0]
    assert (info["division_code"], info["division_name"], info["fiscal_year_be"]) == (
        "A",
        "กอง A",
        2565,
    )


@pytest.mark.parametrize("result", [CLEAN], indirect=True)
def test_fills_are_the_level_weighted_value_total_and_score_cells(result: Evaluation) -> None:
    got = fills(result)
    assert {sheet for sheet, _cell in got} == {FORM}
    values = {"1": 85, "2": 66.67, "3": 5, "4": 93, "5": 82.5, "6": 3, "8": 5, "9": 51}
    # a date's value is its Excel serial: 17 Dec 2021
    values["7"] = dt.date(2021, 12, 17).toordinal() - dt.date(1899, 12, 30).toordinal()
    expected: dict[str, float] = {}
    for row, kpi_id in enumerate(BASE, 7):
        expected[f"K{row}"] = BASE[kpi_id]
        expected[f"M{row}"] = BASE[kpi_id] * WEIGHTS[kpi_id] / 100
        expected[f"N{row}"] = values[kpi_id]
    expected["M16"] = 3.8
    expected["M17"] = 76.0
    assert {cell for _sheet, cell in got} == expected.keys()
    for address, value in expected.items():
        assert got[(FORM, address)] == pytest.approx(value), address


UNSCORED = case("unscored", base, form("1", None))


@pytest.mark.parametrize("result", [UNSCORED], indirect=True)
def test_an_unscored_kpi_fills_blank_level_and_weighted(result: Evaluation) -> None:
    got = fills(result)
    assert got[(FORM, "K7")] is None and got[(FORM, "M7")] is None
    assert got[(FORM, "M16")] == pytest.approx(3.0)
    assert got[(FORM, "M17")] == pytest.approx(60.0)


@pytest.mark.parametrize("result", [UNSCORED], indirect=True)
def test_value_missing_is_no_level_not_zero(result: Evaluation) -> None:
    row = kpi_row(result, "1")
    assert pd.isna(row["level"]) and pd.isna(row["weighted"]) and pd.isna(row["value"])
    assert row["status"] == "missing"
    totals = result.totals.iloc[0]
    assert (totals["kpis"], totals["unscored"], bool(totals["complete"])) == (9, 1, False)
    message = result.findings.set_index("cell").loc["J7", "message_en"]
    assert message.startswith("The result is missing")


# --- value and definition codes, one workbook at a time -----------------------------------

SCENARIOS = [
    # (id, steps after base, findings (code, cell, kpi_id), levels changed from BASE)
    ("band-value-missing", [form("1", None)], [("value-missing", "J7", "1")], {"1": None}),
    (
        "band-value-unreadable",
        [form("1", "ราว ๆ แปดสิบ")],
        # unreadable text is not also reported as missing
        [("value-unreadable", "J7", "1")],
        {"1": None},
    ),
    ("band-value-thai-digits", [form("1", "๘๕.๕")], [("value-normalised", "J7", "1")], {}),
    ("band-value-out-of-range", [form("1", 140)], [("value-out-of-range", "J7", "1")], {"1": None}),
    # issue 5: an error value is its own finding on its cell, never "missing"
    ("band-value-error", [form("1", "#REF!")], [("value-error", "J7", "1")], {"1": None}),
    # issue 5: a formula a division typed is read by its cached value, and said so
    (
        "band-value-formula",
        [form("1", Formula("=80+5", cached=85))],
        [("value-from-formula", "J7", "1")],
        {},
    ),
    (
        "band-value-formula-uncalculated",
        [form("1", "=80+5")],
        [("formula-not-calculated", "J7", "1")],
        {"1": None},
    ),
    (
        "band-value-formula-error",
        [form("1", Error("#DIV/0!", formula="=85/0"))],
        [("value-error", "J7", "1")],
        {"1": None},
    ),
    # issue 2: "85%" typed in Excel is stored as 0.85 with a percent format: 85 is meant
    ("band-value-percent", [form("1", Percent(0.85))], [("value-normalised", "J7", "1")], {}),
    # reported against computed: half a unit of the last digit written
    ("reported-67", [form("2", 67)], [], {}),
    ("reported-66.7", [form("2", 66.7)], [], {}),
    ("reported-66.7-text", [form("2", "66.7")], [("value-normalised", "J8", "2")], {}),
    ("reported-66", [form("2", 66)], [("reported-value-mismatch", "J8", "2")], {}),
    ("reported-66.6", [form("2", 66.6)], [("reported-value-mismatch", "J8", "2")], {}),
    # "66.0" written as text claims a tenth: 66.67 is not within 0.05 of it
    (
        "reported-66.0-text",
        [form("2", "66.0")],
        [("reported-value-mismatch", "J8", "2"), ("value-normalised", "J8", "2")],
        {},
    ),
    # issue 9: a numerator missing is the finding on its cell, not a missing result
    (
        "ratio-nothing",
        [data("2", "numerator", None), form("2", None)],
        [("value-missing", "D7", "2")],
        {"2": None},
    ),
    # the computed value is scored, whatever was reported
    ("reported-90", [form("2", 90)], [("reported-value-mismatch", "J8", "2")], {}),
    # growth may be negative: (90 − 100) × 100 / 100 = −10 → "ไม่เกิน ร้อยละ ๑"
    ("growth-negative", [data("3", "this_year", 90), form("3", -10)], [], {"3": 1}),
    # (60×50 + 90×30 + 80×20) / 100 = 73: level 3, whatever the division reported
    ("items-lower", [data("4", "item:1", 60)], [("reported-value-mismatch", "J10", "4")], {"4": 3}),
    # survey: the reported 95 disagrees with the answers' 82.5
    ("survey-reported-high", [form("5", 95)], [("reported-value-mismatch", "J11", "5")], {}),
    # milestones: explicit "not done" for every step is level 0; nothing ticked is missing
    (
        "milestones-none-done",
        [ticks(*[L.NOT_DONE] * 5)],
        [("milestone-none-done", "J12", "6")],
        {"6": 0},
    ),
    (
        "milestones-blank",
        [ticks(None, None, None, None, None)],
        [("value-missing", "J12", "6")],
        {"6": None},
    ),
    (
        "milestones-out-of-order",
        [ticks("✓", "", "✓", "✓", "")],
        [("milestone-out-of-order", "D25", "6"), ("milestone-out-of-order", "D26", "6")],
        {"6": 1},
    ),
    ("milestones-all", [ticks("✓", "x", "ทำแล้ว", "yes", "✔")], [], {"6": 5}),
    # issue 12: √ is a tick
    ("milestones-root-sign", [ticks("√", "√", "√", "", "")], [], {"6": 3}),
    # deadline by date
    (
        "deadline-missed",
        [form("7", dt.date(2022, 1, 5))],
        [("deadline-missed", "J13", "7")],
        {"7": 0},
    ),
    ("deadline-on-the-day", [form("7", dt.date(2021, 12, 30))], [], {"7": 1}),
    # a date typed as text is read as the date it says, and said so: the workbook's own
    # formulas cannot read text, so the division sees no level there (issue 7, "Excel and
    # kpixl must not disagree silently")
    (
        "deadline-as-be-text",
        [form("7", "๑๐ ธ.ค. ๒๕๖๔")],
        [("value-normalised", "J13", "7")],
        {"7": 5},
    ),
    (
        "deadline-as-ce-text",
        [form("7", "10/12/2021")],
        [("date-era-confused", "J13", "7"), ("value-normalised", "J13", "7")],
        {"7": 5},
    ),
    (
        "deadline-unreadable",
        [form("7", "ธันวาคม")],
        [("value-unreadable", "J13", "7")],
        {"7": None},
    ),
    (
        "deadline-two-years-late",
        [form("7", dt.date(2023, 12, 20))],
        # an implausible date is not scored on: no level, one finding
        [("date-implausible", "J13", "7")],
        {"7": None},
    ),
    # deadline after the year end: 10 Jan 2566 is 102 days after 30 Sep 2565
    (
        "after-year-end-missed",
        [form("9", dt.date(2023, 1, 10))],
        [("deadline-missed", "J15", "9")],
        {"9": 0},
    ),
    ("after-year-end-early", [form("9", dt.date(2022, 10, 20))], [], {"9": 5}),
    # monthly deadline: the worst month decides
    ("monthly-worst-month", [months({3: 22})], [], {"8": 2}),
    # each month later than the level 1 deadline is named on its own cell
    ("monthly-late-month", [months({3: 35})], [("deadline-missed", "D36", "8")], {"8": 0}),
    # every month is needed before the worst one is known
    ("monthly-one-missing", [months({1: None})], [("value-missing", "D34", "8")], {"8": None}),
    (
        "monthly-all-missing",
        [months(dict.fromkeys(range(1, 13)))],
        [("value-missing", "J14", "8")],
        {"8": None},
    ),
    # scores typed over the formulas of (ก), (ค), รวม and the score
    (
        "typed-scores",
        [
            form("1", 5, field="level"),  # kpixl: 4
            form("2", 0.3, field="weighted"),  # kpixl: 0.2
            form("3", 5, field="level"),  # kpixl: 5 as well
            total(4),  # kpixl: 3.8
            score("๗๖"),  # kpixl: 76, typed as Thai text: agrees
        ],
        [
            ("typed-score-mismatch", "K7", "1"),
            ("typed-score-mismatch", "M16", ""),
            ("typed-score-mismatch", "M8", "2"),
        ],
        {},
    ),
    ("typed-score-100", [score(80)], [("typed-score-mismatch", "M17", "")], {}),
    # the division edits what the centre defines; the centre's definitions are scored
    (
        "locked-fields",
        [
            form("1", "ร้อยละของงานที่ทำเสร็จ", field="name"),
            form("2", "จำนวน", field="unit"),
            form("1", "ตั้งแต่ร้อยละ ๘๐ ถึงร้อยละ ๑๐๐", field="level_5"),  # would make 85 a 5
            form("1", 50, field="weight"),
            target("3", name="ตัวชี้วัดที่แก้ชื่อ"),
        ],
        [
            ("locked-field-changed", "B10", "3"),
            ("locked-field-changed", "C7", "1"),
            ("locked-field-changed", "D8", "2"),
            ("locked-field-changed", "I7", "1"),
            ("locked-field-changed", "L7", "1"),
        ],
        {},
    ),
    ("weight-as-text", [form("1", "๒๐", field="weight")], [], {}),  # same weight, Thai digits
    ("not-signed-off", [signoff("signed_off", L.SIGNOFF_NO)], [("not-signed-off", "C18", "")], {}),
    (
        "form-a",
        [target("1", m10=10, m11=5, q2=30, result_2563=80), target("2", q1="๑๕ ครั้ง", total=15)],
        [
            ("invalid-characters", "H9", "2"),
            ("missing-grand-total", "U8", "1"),
            ("missing-prior-result", "AA8", "1"),
            ("missing-prior-result", "AA9", "2"),
            ("missing-prior-result", "W8", "1"),
            ("missing-prior-result", "W9", "2"),
            ("missing-prior-result", "Y9", "2"),
            ("missing-quarter-total", "H8", "1"),
        ],
        {},
    ),
    # issue 8: "1.2.3", "1/2" or a lone "-" pass the character rule but are no number
    (
        "form-a-unreadable",
        [target("1", m10="1.2.3", m11="1/2", m12="-", q1=6, total=6, result_2563=1)],
        [
            ("missing-prior-result", "W8", "1"),
            ("missing-prior-result", "AA8", "1"),
            ("value-unreadable", "E8", "1"),
            ("value-unreadable", "F8", "1"),
            ("value-unreadable", "G8", "1"),
        ],
        {},
    ),
    # issue 5: an error value in a form A plan cell does not vanish
    (
        "form-a-error",
        [target("1", m10="#N/A", q1=6, total=6, result_2562=1, result_2563=1, result_2564=1)],
        [("value-error", "E8", "1")],
        {},
    ),
]
for _id, _steps, _found, _changed in SCENARIOS:
    case(f"scenario-{_id}", base, *_steps)


@pytest.mark.parametrize(
    ("result", "findings", "changed"),
    [pytest.param(f"scenario-{i}", f, c, id=i) for i, _s, f, c in SCENARIOS],
    indirect=["result"],
)
def test_scenario(
    result: Evaluation,
    findings: list[tuple[str, str, str]],
    changed: dict[str, int | None],
) -> None:
    assert found(result) == sorted(findings)
    expected = {**BASE, **changed}
    assert levels(result) == expected
    total_ = sum((v or 0) * WEIGHTS[k] / 100 for k, v in expected.items())
    totals = result.totals.iloc[0]
    assert totals["total"] == pytest.approx(total_)
    assert totals["score_100"] == pytest.approx(total_ * 20)
    assert bool(totals["complete"]) == all(v is not None for v in expected.values())
    statuses = result.kpis.set_index("kpi_id")["status"]
    for kpi_id, level in expected.items():
        if level is None:
            assert statuses[kpi_id] in ("missing", "out_of_range", "input_error"), kpi_id
        elif level == 0:
            assert statuses[kpi_id] == "below", kpi_id


# --- issue 9: one rule for every computing kind -------------------------------------------

RULE = [
    # (id, steps after base, the one finding (code, cell)) — every one: no level, and the
    # reported value (typed wherever the form lets the division type one) is not scored
    # instead
    ("ratio-zero-denominator", [data("2", "denominator", 0)], ("ratio-zero-denominator", "D8")),
    (
        "ratio-numerator-exceeds",
        [data("2", "numerator", 5), data("2", "denominator", 3)],
        ("ratio-numerator-exceeds", "D7"),
    ),
    ("ratio-unreadable", [data("2", "numerator", "สองคน")], ("value-unreadable", "D7")),
    ("ratio-error", [data("2", "numerator", "#DIV/0!")], ("value-error", "D7")),
    ("ratio-uncalculated", [data("2", "numerator", "=B7*2")], ("formula-not-calculated", "D7")),
    ("ratio-partly-blank", [data("2", "numerator", None)], ("value-missing", "D7")),
    ("growth-zero-last-year", [data("3", "last_year", 0)], ("ratio-zero-denominator", "D13")),
    ("growth-unreadable", [data("3", "this_year", "ร้อยห้า")], ("value-unreadable", "D12")),
    ("growth-partly-blank", [data("3", "last_year", None)], ("value-missing", "D13")),
    ("items-unreadable", [data("4", "item:2", "เก้าสิบ")], ("value-unreadable", "D18")),
    ("items-error", [data("4", "item:2", "#VALUE!")], ("value-error", "D18")),
    ("items-partly-blank", [data("4", "item:3", None)], ("value-missing", "D19")),
    ("milestones-unreadable", [ticks("✓", "บางส่วน", "", "", "")], ("value-unreadable", "D24")),
    ("milestones-error", [ticks("✓", "#N/A", "", "", "")], ("value-error", "D24")),
    ("monthly-unreadable", [data("8", "month:3", "ปลายเดือน")], ("value-unreadable", "D36")),
    ("monthly-partly-blank", [data("8", "month:3", None)], ("value-missing", "D36")),
]
KIND_OF = {"ratio": "2", "growth": "3", "items": "4", "milestones": "6", "monthly": "8"}
REPORTED = {"2": 75, "3": 5, "4": 93}
for _id, _steps, _finding in RULE:
    _kpi = KIND_OF[_id.split("-")[0]]
    _typed = [form(_kpi, REPORTED[_kpi])] if _kpi in REPORTED else []
    case(f"rule-{_id}", base, *_steps, *_typed)


@pytest.mark.parametrize(
    ("result", "kpi_id", "expected"),
    [pytest.param(f"rule-{i}", KIND_OF[i.split("-")[0]], f, id=i) for i, _s, f in RULE],
    indirect=["result"],
)
def test_an_unusable_input_gives_no_level_and_one_finding_on_its_cell(
    result: Evaluation, kpi_id: str, expected: tuple[str, str]
) -> None:
    """Issue 9: SEC 6.3 was scored 4 from the reported value, status ok, beside a zero
    denominator; now no KPI is scored from a reported value while its supporting data is
    there but unusable."""
    assert found(result) == [(*expected, kpi_id)]
    row = kpi_row(result, kpi_id)
    assert pd.isna(row["level"]) and pd.isna(row["value"])
    missing = expected[0] == "value-missing"
    assert row["status"] == ("missing" if missing else "input_error")
    assert levels(result) == {**BASE, kpi_id: None}


SURVEY_RULE = {
    # every answer unusable: no value, and the reported 82.5 is not scored instead
    "survey-all-unusable": (
        survey([(1, [7, "สี่", 0]), (2, ["#REF!", 9, 2.5])]),
        None,
        "input_error",
    ),
    # one unusable answer is left out (each has its finding): 4, 4, 5 alone in round 2
    "survey-one-unusable": (
        survey([*SURVEY, (2, [9, 4, 5])]),
        4,
        "ok",
    ),
}
for _name, (_step, _level, _status) in SURVEY_RULE.items():
    case(_name, base_but("5"), _step, form("5", 82.5))


@pytest.mark.parametrize(
    ("result", "level", "status"),
    [
        pytest.param(name, level, status, id=name)
        for name, (_s, level, status) in SURVEY_RULE.items()
    ],
    indirect=["result"],
)
def test_survey_answers_that_cannot_be_used_are_left_out(
    result: Evaluation, level: int | None, status: str, blank: Book
) -> None:
    row = kpi_row(result, "5")
    assert (None if pd.isna(row["level"]) else int(row["level"])) == level
    assert row["status"] == status
    sheet = blank.survey_sheet("5")
    on_survey = result.findings[result.findings["sheet"] == sheet]
    assert set(on_survey["code"]) <= {"likert-out-of-range", "value-unreadable", "value-error"}
    assert len(on_survey) == len(result.findings)  # every finding on an answer cell
    if level is None:
        assert len(on_survey) == 6  # one per answer
    else:
        assert row["value"] == 82.5  # the answer 9 counted nowhere
        assert list(on_survey["cell"]) == [blank.survey_cell("5", 5, "item:1.1")]


SURVEY_ROUNDS = case(
    "survey-rounds-invalid",
    base_but("5"),
    # KPI 5 has two rounds: answers with no round, round 3 and round 1.5 are counted in no
    # round — by the survey sheet's formulas as by kpixl — and each round cell says why.
    survey([*SURVEY, (None, [1, 1, 1]), (3, [1, 1, 1]), (1.5, [1, 1, 1]), (None, [None] * 3)]),
    form("5", 82.5),
)


@pytest.mark.parametrize("result", [SURVEY_ROUNDS], indirect=True)
def test_answers_without_a_usable_round_are_left_out_with_a_finding(
    result: Evaluation, blank: Book
) -> None:
    row = kpi_row(result, "5")
    assert (row["value"], row["level"], row["status"]) == (82.5, 4, "ok")
    found = result.findings[result.findings["code"].eq("survey-round-invalid")]
    assert list(found["cell"]) == [blank.survey_cell("5", n, "round") for n in (5, 6, 7)]
    assert list(found["message_th"])[:2] == [
        "แถวนี้มีคำตอบ แต่ช่องครั้งที่สำรวจว่างอยู่ จึงยังไม่นำคำตอบแถวนี้ไปคิดคะแนน "
        "— กรุณากรอกครั้งที่สำรวจเป็นจำนวนเต็ม 1 ถึง 2",
        "แถวนี้มีคำตอบ แต่ช่องครั้งที่สำรวจเป็น “3” จึงยังไม่นำคำตอบแถวนี้ไปคิดคะแนน "
        "— กรุณากรอกครั้งที่สำรวจเป็นจำนวนเต็ม 1 ถึง 2",
    ]
    assert set(result.findings["code"]) == {"survey-round-invalid"}  # a row with no answer


BLANK_DATA = {
    # (KPI, its reported value, the result cell, the level of that value)
    "ratio": ("2", 75, "J8", 3),
    "growth": ("3", 5, "J9", 5),
    "items": ("4", 93, "J10", 5),
    "survey": ("5", 82.5, "J11", 4),
}
for _name, (_kpi, _reported, _cell, _level) in BLANK_DATA.items():
    case(f"blank-data-{_name}", base_but(_kpi), form(_kpi, _reported))


@pytest.mark.parametrize(
    ("result", "kpi_id", "cell", "level"),
    [pytest.param(f"blank-data-{n}", k, c, lv, id=n) for n, (k, _r, c, lv) in BLANK_DATA.items()],
    indirect=["result"],
)
def test_no_supporting_data_at_all_scores_the_reported_value(
    result: Evaluation, kpi_id: str, cell: str, level: int
) -> None:
    """Issue 9: the one rule's fallback, with one consistent finding, for every kind that
    has a reported value."""
    assert found(result) == [("supporting-data-missing", cell, kpi_id)]
    row = kpi_row(result, kpi_id)
    assert (row["level"], row["status"]) == (level, "ok")
    assert row["value"] == row["reported"]
    assert "ใช้ผลที่รายงาน" in result.findings["message_th"].item()


COMPUTED_ONLY = {"milestones": ("6", "J12"), "monthly": ("8", "J14")}
for _name, (_kpi, _cell) in COMPUTED_ONLY.items():
    case(f"blank-data-{_name}", base_but(_kpi))


@pytest.mark.parametrize(
    ("result", "kpi_id", "cell"),
    [pytest.param(f"blank-data-{n}", k, c, id=n) for n, (k, c) in COMPUTED_ONLY.items()],
    indirect=["result"],
)
def test_no_supporting_data_where_there_is_nothing_else_is_missing(
    result: Evaluation, kpi_id: str, cell: str
) -> None:
    assert found(result) == [("value-missing", cell, kpi_id)]
    row = kpi_row(result, kpi_id)
    assert pd.isna(row["level"]) and row["status"] == "missing"


# --- the reported value against the computed one ------------------------------------------

TOLERANCE = {"82.12": True, "82.13": True, "82.1": True, "82": True, "82.11": False, "82.2": False}
for _written, _agrees in TOLERANCE.items():
    # 657 × 100 / 800 = 82.125 exactly
    case(
        f"tolerance-{_written}",
        base,
        data("2", "numerator", 657),
        data("2", "denominator", 800),
        form("2", float(_written)),
    )


@pytest.mark.parametrize(
    ("result", "agrees"),
    [pytest.param(f"tolerance-{w}", a, id=w) for w, a in TOLERANCE.items()],
    indirect=["result"],
)
def test_a_division_that_rounds_the_computed_value_agrees(result: Evaluation, agrees: bool) -> None:
    """82.125 rounded half up (82.13) or half to even (82.12) is the same result: the
    unrounded value is compared, within half a unit of the last digit written."""
    assert found(result) == ([] if agrees else [("reported-value-mismatch", "J8", "2")])
    row = kpi_row(result, "2")
    assert (row["computed"], row["value"], row["level"]) == (82.125, 82.13, 4)


# --- messages and values -------------------------------------------------------------------

IMPLAUSIBLE = case("implausible", base, form("7", dt.date(2020, 12, 20)))


@pytest.mark.parametrize("result", [IMPLAUSIBLE], indirect=True)
def test_a_date_in_the_wrong_year_is_implausible(result: Evaluation) -> None:
    """20 Dec 2563 typed for 2564: outside FY 2565's window (1 Oct 2564 – 30 Sep 2566)."""
    assert found(result) == [("date-implausible", "J13", "7")]
    message = result.findings["message_th"].item()
    assert "20 ธ.ค. 2563" in message and "1 ต.ค. 2564" in message and "30 ก.ย. 2566" in message
    # an implausible date is not scored on: no value, no level (the finding says why)
    row = kpi_row(result, "7")
    assert pd.isna(row["value"]) and pd.isna(row["level"])


LATE = case("late", base, form("7", dt.date(2022, 1, 5)), form("9", dt.date(2023, 1, 10)))


@pytest.mark.parametrize("result", [LATE], indirect=True)
def test_deadline_values(result: Evaluation) -> None:
    assert kpi_row(result, "7")["value"] == dt.date(2022, 1, 5).toordinal()
    assert kpi_row(result, "9")["value"] == 102  # 31 + 30 + 31 + 10 days
    messages = result.findings.set_index("cell")["message_th"]
    assert "5 ม.ค. 2565" in messages["J13"]
    assert "10 ม.ค. 2566" in messages["J15"]
    # Arabic digits in every message (issue 7's catalogue rule)
    assert not any(ch in "๐๑๒๓๔๕๖๗๘๙" for ch in "".join(messages))


LATE_MONTH = case("late-month", base, months({11: 12, 3: 35}))
MISSING_MONTH = case("missing-month", base, months({1: None, 11: 18}))


@pytest.mark.parametrize("result", [LATE_MONTH], indirect=True)
def test_a_late_month_decides_the_monthly_deadline(result: Evaluation) -> None:
    row = kpi_row(result, "8")
    assert (row["value"], row["level"], row["status"]) == (35, 0, "below")
    assert found(result) == [("deadline-missed", "D36", "8")]
    assert result.findings["message_en"].item() == (
        "Delivered on 5 พ.ค. 2565, after the level 1 deadline; level 0 given."
    )


@pytest.mark.parametrize("result", [MISSING_MONTH], indirect=True)
def test_a_missing_month_leaves_the_worst_month_unknown(result: Evaluation) -> None:
    row = kpi_row(result, "8")
    assert pd.isna(row["value"]) and pd.isna(row["level"]) and row["status"] == "missing"
    assert found(result) == [("value-missing", "D34", "8")]


BY_HAND = case(
    "by-hand",
    base,
    # round 1: aspects 1 and 5 → 3 → 60 %; round 2: item means 4, 5, 5 → aspects 4.5 and 5
    # → 4.75 → 95 %; both rounds: 77.5 % (all items of both rounds pooled would give 76.67)
    lambda f: f.survey("5", [(1, [1, 1, 5]), (1, [1, 1, 5]), (2, [3, 5, 5]), (2, [5, 5, 5])]),
    form("5", 77.5),
    data("4", "item:1", 60),  # (60×50 + 90×30 + 80×20) / 100 = 73
    form("4", 73),
)


@pytest.mark.parametrize("result", [BY_HAND], indirect=True)
def test_survey_and_items_computed_by_hand(result: Evaluation) -> None:
    assert found(result) == []
    assert kpi_row(result, "5")["computed"] == pytest.approx(77.5)
    assert kpi_row(result, "4")["computed"] == pytest.approx(73.0)
    assert levels(result)["5"] == 3
    assert levels(result)["4"] == 3


CENTRES_VALUES = case(
    "centres-values",
    base,
    form("1", "ตั้งแต่ร้อยละ ๘๐ ถึงร้อยละ ๑๐๐", field="level_5"),
    form("1", 50, field="weight"),
    form("1", "ตัวชี้วัดที่กองตั้งชื่อเอง", field="name"),
)


@pytest.mark.parametrize("result", [CENTRES_VALUES], indirect=True)
def test_the_centres_values_are_scored_not_the_divisions(result: Evaluation) -> None:
    row = kpi_row(result, "1")
    assert (row["level"], row["weight"], row["weighted"]) == (4, 20, 0.8)
    messages = result.findings.set_index("cell")["message_th"]
    assert messages["L7"].startswith("“ค่าน้ำหนัก (ข)” ถูกแก้ไขจาก “20” เป็น “50”")
    assert result.findings.set_index("cell").loc["I7", "value"] == "ตั้งแต่ร้อยละ ๘๐ ถึงร้อยละ ๑๐๐"


@pytest.mark.parametrize("result", [CENTRES_VALUES], indirect=True)
def test_the_annotated_copy_restores_the_centres_values(result: Evaluation) -> None:
    """Issue 7, item 7: PAL's copy printed the division's weight 20 (weights totalling
    110) beside a (ค) computed with the centre's 10. The copy now fills each locked cell
    the division changed with the centre's value — a weight as a number — beside kpixl's
    (ค) computed from it."""
    got = fills(result)
    assert got[(FORM, "L7")] == 20.0
    assert got[(FORM, "C7")] == "ตัวชี้วัดทดสอบที่ 1"
    assert got[(FORM, "I7")] == PERCENT[4]
    assert got[(FORM, "M7")] == pytest.approx(4 * 20 / 100)
    # cells the division did not change are not touched
    assert (FORM, "L8") not in got and (FORM, "C8") not in got


EXTRA_ROW = case(
    "extra-row",
    base,
    lambda b: b.insert_form_row("10", name="ตัวชี้วัดที่กองเพิ่มเอง", result=100),
)


@pytest.mark.parametrize("result", [EXTRA_ROW], indirect=True)
def test_an_extra_kpi_row_is_not_in_the_definitions(result: Evaluation) -> None:
    assert found(result) == [("locked-field-changed", "A16", "10")]
    assert "10" not in set(result.kpis["kpi_id"])
    assert levels(result) == BASE
    got = fills(result)
    assert (got[(FORM, "M17")], got[(FORM, "M18")]) == (pytest.approx(3.8), pytest.approx(76.0))
    assert (FORM, "M16") not in got


DELETED_ROW = case("deleted-row", base, lambda b: b.delete_form_row("1"))


@pytest.mark.parametrize("result", [DELETED_ROW], indirect=True)
def test_a_deleted_kpi_row_is_found_and_not_scored(result: Evaluation) -> None:
    # a missing row is not also a missing value
    assert found(result) == [("kpi-row-missing", "", "1")]
    assert levels(result) == {**BASE, "1": None}
    # the rows below moved up: KPI 2 is read from row 7 now
    assert kpi_row(result, "2")["result_row"] == 7


# --- issue 7, item 10: nothing scored is no score, never 0 --------------------------------


@pytest.mark.parametrize("result", [UNTOUCHED], indirect=True)
def test_an_untouched_workbook_has_no_score(result: Evaluation) -> None:
    """The untouched template gave total 0.0 and score 0.0 (a target-only workbook gave
    null): no score is null, never 0."""
    assert found(result) == sorted(
        [("value-missing", f"J{row}", str(row - 6)) for row in range(7, 16)]
        + [("not-signed-off", "C18", "")]
    )
    assert set(levels(result).values()) == {None}
    assert set(result.kpis["status"]) == {"missing"}
    totals = result.totals.iloc[0]
    assert math.isnan(totals["total"]) and math.isnan(totals["score_100"])
    assert not bool(totals["complete"])
    assert (FORM, "M16") in fills(result) and fills(result)[(FORM, "M16")] is None


def test_the_untouched_template_read_from_its_file_has_no_score(
    round_trips: tuple[dict[str, WorkbookData], Evaluation], batch: Evaluation
) -> None:
    """The real file gives what the in-memory one gives (item 10 on a real round trip)."""
    real = part(round_trips[1], "file:untouched")
    _same_evaluation(real, part(batch, UNTOUCHED))
    assert real.totals["total"].isna().all()


def test_a_target_only_workbook_has_no_score() -> None:
    target_only = make_master(
        kpis=[{**kpi("1", "", [], ""), "aggregate": "sum"}, {**kpi("2", "", [], "")}]
    )
    filled = Book(target_only, "A").target("1", {"m10": 5, "q1": 5, "total": 5})
    evaluation = evaluate([filled.workbook()], target_only)
    assert evaluation.kpis.empty
    totals = evaluation.totals.iloc[0]
    assert totals["kpis"] == 0
    assert math.isnan(totals["total"]) and math.isnan(totals["score_100"])
    assert not bool(totals["complete"])
    assert "weights-not-100" not in set(evaluation.findings["code"])


# --- definitions against the master -------------------------------------------------------


@pytest.fixture(scope="module")
def against_masters() -> Evaluation:
    """Workbooks of divisions whose master changed after they were sent, each division its
    own master (a master is chosen by division), evaluated in one pass:

    * H: KPI 1 weighs 30 (the weights total 110);
    * Y: sent for FY 2564, the master is FY 2565's;
    * S: the centre tightened KPI 1's criteria, and the division reported 92;
    * M: the centre added KPI 10;
    * F: the centre dropped KPI 9 and gave its weight to KPI 1;
    * U: no master defines the division.
    """
    heavy = make_master(kpis=with_kpi("1", weight=30), divisions=("H",))
    stricter = make_master(
        kpis=with_kpi("1", level_4=STRICTER[3], level_5=STRICTER[4]), divisions=("S",)
    )
    more = make_master(kpis=[*KPIS, kpi("10", "bands", PERCENT, 0)], divisions=("M",))
    fewer = make_master(kpis=[{**KPIS[0], "weight": 30}, *KPIS[1:-1]], divisions=("F",))
    books = [
        book(Book(heavy, "H"), base, source="H"),
        book(Book(make_master(2564, divisions=("Y",)), "Y"), base, source="Y"),
        book(Book(make_master(divisions=("S",)), "S"), base, form("1", 92), source="S"),
        book(Book(make_master(divisions=("M",)), "M"), base, source="M"),
        book(Book(make_master(divisions=("F",)), "F"), base, source="F"),
        book(Book(make_master(divisions=("U",)), "U"), base, source="U"),
    ]
    masters = [heavy, make_master(2565, divisions=("Y",)), stricter, more, fewer]
    return evaluate(books, masters)


def test_weights_not_100_from_the_definitions(against_masters: Evaluation) -> None:
    evaluation = part(against_masters, "H")
    assert found(evaluation) == [("weights-not-100", "", "")]
    finding = evaluation.findings.iloc[0]
    assert (finding["value"], finding["sheet"], finding["actor"]) == ("110", "", CENTRE)
    assert finding["message_th"].startswith("ค่าน้ำหนักของกอง H รวมได้ 110 ต้องรวมได้ 100")
    assert finding["message_en"].startswith("The weights of division H sum to 110")
    totals = evaluation.totals.iloc[0]
    assert totals["weight_total"] == 110
    assert totals["total"] == pytest.approx(3.8 + 4 * 10 / 100)  # KPI 1 weighs 30, not 20


def test_differs_from_master_fiscal_year(against_masters: Evaluation) -> None:
    evaluation = part(against_masters, "Y")
    assert found(evaluation) == [("differs-from-master", "", "")]
    finding = evaluation.findings.iloc[0]
    assert finding["sheet"] == L.META_SHEET
    assert "“2564”" in finding["message_en"] and "“2565”" in finding["message_en"]
    assert evaluation.workbooks["fiscal_year_be"].item() == 2565
    assert levels(evaluation) == BASE


STRICT_92 = case("strict-92", base, form("1", 92))


def test_differs_from_master_criteria(against_masters: Evaluation, batch: Evaluation) -> None:
    """The centre tightened KPI 1 after sending the workbook: its new criteria score 92."""
    evaluation = part(against_masters, "S")
    assert found(evaluation) == [
        ("differs-from-master", "", "1"),
        ("differs-from-master", "", "1"),
        ("locked-field-changed", "H7", "1"),  # the form still shows the old criteria
        ("locked-field-changed", "I7", "1"),
    ]
    assert levels(evaluation)["1"] == 4
    assert levels(part(batch, STRICT_92))["1"] == 5  # the old criteria


def test_differs_from_master_a_kpi_missing(against_masters: Evaluation) -> None:
    more, fewer = part(against_masters, "M"), part(against_masters, "F")
    assert found(more) == [
        ("differs-from-master", "", "10"),
        # a missing row is not also a missing value; form A is checked too (issue 7, item 8)
        ("kpi-row-missing", "", "10"),
        ("kpi-row-missing", "", "10"),
    ]
    assert Counter(more.findings["value"]) == Counter({"—": 1, "10": 2})
    missing = more.findings[more.findings["code"] == "kpi-row-missing"]
    assert sorted(missing["sheet"]) == sorted([FORM, L.TARGET_SHEET])
    assert levels(more) == {**BASE, "10": None}
    assert found(fewer) == [
        ("differs-from-master", "", "1"),  # weight 20 → 30
        ("differs-from-master", "", "9"),
        ("locked-field-changed", "A15", "9"),  # the form row of a KPI the centre has not
        ("locked-field-changed", "A16", "9"),  # and its target-sheet row
        ("locked-field-changed", "L7", "1"),  # the form shows the old weight
    ]
    assert "9" not in levels(fewer)
    assert fewer.totals["total"].item() == pytest.approx(3.8 - 0.3 + 0.4)


def test_master_unknown_division_scores_the_embedded_definitions(
    against_masters: Evaluation,
) -> None:
    evaluation = part(against_masters, "U")
    assert found(evaluation) == [("master-unknown-division", "", "")]
    assert evaluation.findings["value"].item() == "U"
    assert levels(evaluation) == BASE
    assert evaluation.workbooks["division_code"].item() == "U"


def test_several_masters() -> None:
    m2565 = make_master(2565)
    m2566 = make_master(2566, kpis=with_kpi("1", level_4=STRICTER[3], level_5=STRICTER[4]))
    other = make_master(2565, divisions=("C",), org="อบจ.อื่น")
    books = [
        book(Book(m2565, "A"), form("1", 92), source="A65.xlsx"),
        book(Book(m2566, "A"), form("1", 92), source="A66.xlsx"),
        book(Book(other, "C"), form("1", 92), source="C.xlsx"),
    ]
    # the 2566 master comes first: the 2565 workbook must still take the 2565 one
    evaluation = evaluate(books, [other, m2566, m2565])
    codes = set(evaluation.findings["code"])
    assert not codes & {"differs-from-master", "master-unknown-division", "fingerprint-mismatch"}
    assert levels(evaluation, "A65.xlsx")["1"] == 5
    assert levels(evaluation, "A66.xlsx")["1"] == 4
    assert levels(evaluation, "C.xlsx")["1"] == 5
    years = dict(
        zip(evaluation.workbooks["source"], evaluation.workbooks["fiscal_year_be"], strict=True)
    )
    assert years == {"A65.xlsx": 2565, "A66.xlsx": 2566, "C.xlsx": 2565}


# --- many workbooks at once ---------------------------------------------------------------


def test_many_workbooks_at_once_are_scored_exactly_as_one_by_one(
    inline: M.Master, batch: Evaluation
) -> None:
    """What ``batch`` relies on: each workbook of a batch is scored as it is alone."""
    names = ["scenario-locked-fields", "rule-ratio-zero-denominator", "survey-one-unusable"]
    alone = [evaluate([book(Book(inline, "A"), *CASES[n], source=n)], inline) for n in names]
    for name in ("workbooks", "kpis", "totals", "findings", "fills"):
        together = pd.concat([getattr(part(batch, n), name) for n in names], ignore_index=True)
        one_by_one = pd.concat([getattr(e, name) for e in alone], ignore_index=True)
        pd.testing.assert_frame_equal(together, one_by_one, check_dtype=False, obj=name)


def test_sources_must_be_unique(blank: Book, inline: M.Master) -> None:
    with pytest.raises(ValueError, match="unique"):
        evaluate([book(blank), book(blank)], inline)


def test_no_workbooks(inline: M.Master) -> None:
    evaluation = evaluate([], inline)
    assert evaluation.kpis.empty and evaluation.findings.empty and evaluation.fills.empty


# --- issue 7, item 1: exact boundaries, one ulp off ---------------------------------------

COM_80 = [(r, [4, 4, 5, 5, 5, 4]) for r in (1, 2)] + [
    (r, answers) for r in (1, 2) for answers in ([3, 3, 5, 5, 5, 3], [3, 3, 3, 3, 4, 5])
]
"""Answers to COM KPI 1's six questions (three aspects of two), the same in both rounds:
item means 10/3, 10/3, 13/3, 13/3, 14/3, 4 → aspects 10/3, 13/3, 13/3 → 4 → exactly 80 %."""


def _survey_percent_as_pandas_computes_it(
    items: list[str], rows: list[tuple[int, list[int]]]
) -> float:
    long = pd.DataFrame(
        [
            {
                "k": "x",
                "round": r,
                "aspect": item.split(":")[1].split(".")[0],
                "item": item,
                "answer": float(a),
            }
            for r, answers in rows
            for item, a in zip(items, answers, strict=True)
        ]
    )
    return float(survey_percent_from_means(survey_item_means(long, ["k"]), ["k"])["value"].item())


@pytest.fixture(scope="module")
def boundaries(master: M.Master) -> Evaluation:
    """COM's workbook with an exactly-80 % survey (the bundled master), and division A's
    with a ratio, a growth and weighted items each exactly on a boundary."""
    com = Book(master, "COM", source="COM.xlsx").survey("1", COM_80).form("1", 80)
    seven = make_master(kpis=with_kpi("2", **{f"level_{n}": t for n, t in enumerate(SEVEN, 1)}))
    on_edges = book(
        Book(seven, "A"),
        base,
        data("2", "numerator", 0.07),  # 0.07 × 100 / 1 = 7.000000000000001 in floating point
        data("2", "denominator", 1),
        form("2", 7),
        data("3", "this_year", 1.04),  # (1.04 − 1) × 100 / 1 = 4.000000000000004
        data("3", "last_year", 1),
        form("3", 4),
        # (80.82×50 + 79.38×30 + 78.88×20) / 100 = 80, in floating point 79.99999999999999
        data("4", "item:1", 80.82),
        data("4", "item:2", 79.38),
        data("4", "item:3", 78.88),
        form("4", 80),
        source="edges.xlsx",
    )
    return evaluate([com.workbook(), on_edges], [master, seven])


def test_a_survey_of_exactly_80_percent_is_level_4_on_com_kpi_1(
    boundaries: Evaluation, master: M.Master
) -> None:
    """ "เกินกว่าร้อยละ ๗๕ ถึงร้อยละ ๘๐" = 4, "เกินกว่า ร้อยละ ๘๐" = 5: pandas computes this survey
    as 80.00000000000003, so without the precision rule kpixl gave 5 (LibreOffice 4)."""
    items = Book(master, "COM").survey_items("1")
    assert _survey_percent_as_pandas_computes_it(items, COM_80) > 80  # the hair is there
    com = part(boundaries, "COM.xlsx")
    row = kpi_row(com, "1")
    assert (row["value"], row["level"], row["status"]) == (80.0, 4, "ok")
    on_row = com.findings[com.findings["kpi_id"] == "1"]
    assert on_row.empty, on_row[["code", "cell"]]  # the reported 80 agrees, no gap, no overlap


@pytest.mark.parametrize(
    ("kpi_id", "exact", "level"),
    [
        pytest.param("2", 7.0, 4, id="ratio"),  # "เกินกว่า ร้อยละ ๕ ถึงร้อยละ ๗" = 4
        pytest.param("3", 4.0, 4, id="growth"),  # "มากกว่า ร้อยละ ๓ ถึงร้อยละ ๔" = 4
        pytest.param("4", 80.0, 4, id="weighted-items"),  # "ตั้งแต่ร้อยละ ๘๐ …" = 4
    ],
)
def test_a_computed_value_exactly_on_a_boundary_is_scored_as_written(
    boundaries: Evaluation, kpi_id: str, exact: float, level: int
) -> None:
    edges = part(boundaries, "edges.xlsx")
    row = kpi_row(edges, kpi_id)
    assert row["computed"] != exact  # floating point is a hair off …
    assert row["computed"] == pytest.approx(exact)
    assert (row["value"], row["level"]) == (exact, level)  # … the rounded value is not
    assert edges.findings[edges.findings["kpi_id"] == kpi_id].empty


# --- issue 7, item 3: weights the centre wrote in Thai digits -----------------------------

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def test_weights_in_thai_digits_are_the_weights(tmp_path: Path) -> None:
    """Weights "๑๗" passed the master check, showed as 17 in the template, scored as 0 —
    with 7 false locked-field-changed and a weights-not-100 on an untouched workbook."""
    weights = {"1": 17, "2": 13, **{k: 10 for k in "3456789"}}
    thai = make_master(
        kpis=[{**k, "weight": str(weights[k["kpi_id"]]).translate(THAI_DIGITS)} for k in KPIS]
    )
    assert check_master(thai).empty
    path = write_division_workbook(thai, "A", tmp_path / "thai.xlsx")
    untouched = read_workbook(path)
    shown = untouched.cells[untouched.cells["field"].eq("weight")]
    assert dict(zip(shown["kpi_id"], shown["raw"], strict=True)) == {
        k: float(w) for k, w in weights.items()
    }
    filled = book(Book(thai, "A"), base, source="filled.xlsx")
    evaluation = evaluate([untouched, filled], thai)
    codes = set(evaluation.findings["code"])
    assert not codes & {"locked-field-changed", "weights-not-100", "differs-from-master"}
    kpis = part(evaluation, "filled.xlsx").kpis.set_index("kpi_id")
    assert kpis["weight"].to_dict() == weights
    expected = sum(BASE[k] * w / 100 for k, w in weights.items())
    totals = evaluation.totals.set_index("source")
    assert totals.loc["filled.xlsx", "total"] == pytest.approx(expected)
    assert totals.loc["filled.xlsx", "weight_total"] == 100
    assert totals.loc["thai.xlsx", "weight_total"] == 100


# --- issue 7, item 6: tampered hidden definitions -----------------------------------------

STR_SAMPLE = SAMPLES / "filled" / "STR_tampered_definitions.xlsx"


def test_without_a_master_tampered_definitions_are_not_scored() -> None:
    """STR's hidden weights were raised (they total 115): kpixl scored 93 from them and
    said the centre's value was the division's. Nothing in the file can be trusted now."""
    evaluation = evaluate([read_workbook(STR_SAMPLE)])
    assert evaluation.kpis.empty
    assert not bool(evaluation.workbooks["scored"].item())
    totals = evaluation.totals.iloc[0]
    assert math.isnan(totals["total"]) and math.isnan(totals["score_100"])
    (finding,) = evaluation.findings[evaluation.findings["code"] == "fingerprint-mismatch"].to_dict(
        "records"
    )
    assert "ไฟล์ข้อมูลหลัก" in finding["message_th"] and "ยังไม่คิดคะแนน" in finding["message_th"]
    assert "master" in finding["message_en"] and "not scored" in finding["message_en"]
    # nothing is scored, so nothing is said about the scoring either
    assert set(evaluation.findings["code"]) == {"fingerprint-mismatch"}


def test_with_the_master_tampered_definitions_are_the_masters(master: M.Master) -> None:
    evaluation = evaluate([read_workbook(STR_SAMPLE)], master)
    totals = evaluation.totals.iloc[0]
    assert totals["weight_total"] == 100
    assert totals["score_100"] == pytest.approx(87.0)
    codes = Counter(evaluation.findings["code"])
    assert codes["fingerprint-mismatch"] == 1 and codes["differs-from-master"] >= 1
    message = evaluation.findings.set_index("code").loc["fingerprint-mismatch", "message_en"]
    assert "the centre's master is used" in message


def test_without_a_master_an_altered_book_is_not_scored_and_the_others_are(
    blank: Book, batch: Evaluation
) -> None:
    tampered = blank.copy("tampered.xlsx")
    base(tampered)
    tampered.tamper(lambda d: d["kpis"][0].update(weight="50"))
    evaluation = evaluate([tampered.workbook(), book(blank, base, source=CLEAN)])
    assert levels(evaluation, "tampered.xlsx") == {}
    assert levels(evaluation, CLEAN) == BASE
    assert found(part(evaluation, "tampered.xlsx")) == [("fingerprint-mismatch", "", "")]
    assert found(part(evaluation, CLEAN)) == []


# --- issue 7, item 11: faults of the centre are the centre's ------------------------------


@pytest.fixture(scope="module")
def centres_faults(master: M.Master) -> Evaluation:
    books = [Book(master, code, source=f"{code}.xlsx").workbook() for code in ("PER", "WEL")]
    return evaluate(books, master)


@pytest.mark.parametrize(
    ("source", "kpi_id", "level_cell"),
    [
        pytest.param("PER.xlsx", "4", "K10", id="PER-4-unreadable"),
        pytest.param("WEL.xlsx", "5", "K11", id="WEL-5-empty"),
    ],
)
def test_a_criterion_the_centre_cannot_have_scored_is_the_centres_to_fix(
    centres_faults: Evaluation, source: str, kpi_id: str, level_cell: str
) -> None:
    """PER 4 (unreadable criterion) and WEL 5 (no criteria) were errors charged to the
    division, whose message asked it to rewrite the criterion it may not change."""
    evaluation = part(centres_faults, source)
    row = kpi_row(evaluation, kpi_id)
    assert pd.isna(row["level"]) and row["status"] == "no_rubric"
    mine = evaluation.findings[evaluation.findings["kpi_id"] == kpi_id]
    assert list(mine["code"]) == ["kpi-unscorable"]  # not also "value-missing"
    finding = mine.iloc[0]
    assert (finding["actor"], finding["cell"]) == (CENTRE, level_cell)
    assert "ส่วนกลาง" in finding["message_th"] and "ไม่ต้องดำเนินการ" in finding["message_th"]
    for asking in ("กรุณา", "เขียนเกณฑ์ใหม่", "แก้ไขเกณฑ์", "กรอก"):
        assert asking not in finding["message_th"], asking
    assert "rewrite" not in finding["message_en"].lower()
    # the division's own findings (its KPIs not filled in) are still the division's
    others = evaluation.findings[evaluation.findings["kpi_id"] != kpi_id]
    assert set(others["actor"]) == {"division"}


# --- crashes: one bad workbook never ends a run -------------------------------------------


@pytest.mark.parametrize("with_master", [True, False], ids=["with-master", "without"])
def test_a_blanked_hidden_fiscal_year_is_that_workbooks_finding(
    blank: Book, inline: M.Master, batch: Evaluation, with_master: bool
) -> None:
    """Blanking the hidden fiscal year raised "year -543 is out of range" inside the one
    evaluate() of the batch: every file failed, and the check exited 1 with a traceback."""
    blanked = blank.copy("blanked.xlsx")
    base(blanked)
    blanked.meta_field("fiscal_year_be", "")
    no_year = Book(make_master(""), "A", source="no-year.xlsx")  # a master without a year
    base(no_year)
    books = [
        book(blank, base, source=CLEAN),
        blanked.workbook(),
        no_year.workbook(),
        book(blank, *CASES["scenario-form-a"], source="scenario-form-a"),
    ]
    evaluation = evaluate(books, inline if with_master else None)
    assert "internal-error" not in set(evaluation.findings["code"])
    for name in (CLEAN, "scenario-form-a"):
        if with_master:
            pd.testing.assert_frame_equal(
                part(evaluation, name).findings, part(batch, name).findings, obj=name
            )
        assert levels(evaluation, name) == levels(part(batch, name))
    mine = part(evaluation, "blanked.xlsx")
    (finding,) = mine.findings[mine.findings["code"] == "fingerprint-mismatch"].to_dict("records")
    assert "ปีงบประมาณ" in finding["message_th"]
    if with_master:
        assert levels(mine) == BASE  # the master's definitions, of the master's year
        assert mine.workbooks["fiscal_year_be"].item() == 2565
    else:
        assert mine.kpis.empty
    assert part(evaluation, "no-year.xlsx").workbooks["source"].item() == "no-year.xlsx"


def test_a_hidden_division_code_edited_is_said_and_the_workbooks_own_division_scored() -> None:
    """The hidden sheet's division code changed to another division's (A → B): the
    embedded definitions, which are fingerprinted, still say A. Scoring A's workbook by B's
    definitions gave B's KPIs a flood of false differences; the division is the
    definitions', and the edit is a finding."""
    two = make_master(kpis=[k for k in KPIS if k["kpi_id"] in ("1", "7")], divisions=("A", "B"))
    two.frame("kpis").loc[lambda f: f["division_code"].eq("B"), "weight"] = "50"
    edited = Book(two, "A", source="edited.xlsx").form("1", 85).form("7", dt.date(2021, 12, 17))
    edited.meta_field("division_code", "B")
    for masters in ([two], None):
        evaluation = evaluate([edited.workbook()], masters)
        assert evaluation.workbooks["division_code"].item() == "A"
        (altered,) = evaluation.findings[
            evaluation.findings["code"].eq("fingerprint-mismatch")
        ].to_dict("records")
        assert "รหัสกอง" in altered["message_th"]
        assert not evaluation.findings["code"].eq("differs-from-master").any()
    with_master = evaluate([edited.workbook()], [two])
    assert dict(zip(with_master.kpis["kpi_id"], with_master.kpis["level"], strict=True)) == {
        "1": 4,
        "7": 3,
    }


def test_an_unexpected_error_is_that_workbooks_internal_error(
    blank: Book, inline: M.Master, batch: Evaluation, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpixl.evaluation import values

    original = values.reported_values

    def failing(kpis: pd.DataFrame) -> pd.Series:
        if kpis["source"].eq("bad.xlsx").any():
            raise RuntimeError("a layout nobody foresaw")
        return original(kpis)

    monkeypatch.setattr(values, "reported_values", failing)
    names = [CLEAN, "bad.xlsx", "scenario-form-a"]
    books = [book(blank, *CASES.get(n, [base]), source=n) for n in names]
    evaluation = evaluate(books, inline)
    bad = part(evaluation, "bad.xlsx")
    assert found(bad) == [("internal-error", "", "")]
    assert "RuntimeError: a layout nobody foresaw" in bad.findings["message_en"].item()
    assert bad.kpis.empty and math.isnan(bad.totals["total"].item())
    for name in (CLEAN, "scenario-form-a"):
        pd.testing.assert_frame_equal(
            part(evaluation, name).findings, part(batch, name).findings, obj=name
        )
        pd.testing.assert_frame_equal(
            part(evaluation, name).kpis, part(batch, name).kpis, check_dtype=False, obj=name
        )


def test_shared_values_keep_every_value_and_share_one_object_per_value() -> None:
    def chunk(source: str) -> Evaluation:
        texts = pd.Series(["".join(["ระดับ", str(n)]) for n in (1, 2, 1)], dtype="str")
        frame = pd.DataFrame({"source": [source] * 3, "text": texts, "n": [1.5, 2.0, None]})
        fills = pd.DataFrame(
            {"cell": ["A1", "A2", "A3", "A4", "A5"], "value": [3, 3.0, True, float("nan"), None]}
        )
        fills["value"] = fills["value"].astype(object)
        return Evaluation(frame, frame, frame, frame, fills, frame)

    pool: dict[Any, Any] = {}
    first, second = (shared_values(chunk(s), pool) for s in ("a.xlsx", "b.xlsx"))
    for got, made in ((first, chunk("a.xlsx")), (second, chunk("b.xlsx"))):
        pd.testing.assert_frame_equal(got.kpis, made.kpis)
        assert list(got.fills["value"][:3]) == [3, 3.0, True]
        assert [type(v) for v in got.fills["value"]][:3] == [int, float, bool]
        assert math.isnan(got.fills["value"][3]) and got.fills["value"][4] is None
    # The same text is one object, in a chunk and across chunks.
    assert first.kpis["text"][0] is first.kpis["text"][2] is second.findings["text"][0]
    assert first.fills["value"][0] is second.fills["value"][0]
    assert first.kpis["text"][1] is not first.kpis["text"][0]


# --- the empty plan cells of the target sheets --------------------------------------------


@pytest.fixture(scope="module")
def samples() -> list[WorkbookData]:
    """The bundled filled samples that can be read."""
    books = []
    for path in sorted((SAMPLES / "filled").glob("*")):
        try:
            books.append(read_workbook(path))
        except UnusableFile:
            continue
    return books


def test_empty_plan_cells_are_typed_apart_and_rejoin_the_target_table(
    samples: list[WorkbookData], master: M.Master, krabi_master: M.Master
) -> None:
    """An empty plan cell skips the typing of every cell (most of a target sheet is empty)
    and is back where it was for the target table: as if every cell had been typed."""
    books = samples
    used, _, _ = choose_all(books, [master, krabi_master])
    info = F.workbook_info(books, used)
    kpis = F.kpi_frame(used, info, F.Rubrics())
    context = (info, kpis, F.data_fields(used), F.target_definitions(used))
    every = F.prepare_cells(cells_frame(books), *context)
    empty, texts, rest = F.split_apart(cells_frame(books))
    assert 0 < len(empty) < len(every)
    assert len(empty) + len(texts) + len(rest) == len(every)
    # the empty ones are blank plan cells of target sheets, every other cell is as before
    place = ["source", "sheet", "row", "column"]
    typed_whole = every.merge(empty[place], on=place)
    assert set(typed_whole["expect"]) == {"plan"} and set(typed_whole["state"]) == {"blank"}
    assert len(typed_whole) == len(empty)
    typed = F.prepare_cells(rest, *context)
    apart = pd.concat([empty[place], texts[place]]).set_index(place).index
    kept = every[~every.set_index(place).index.isin(apart)]
    pd.testing.assert_frame_equal(typed, kept.reset_index(drop=True))
    # the target table's cells, the empty ones among them again, in the order read
    joined = F.target_cells(typed, empty, info, context[3])
    wanted = every["table"].eq("target") & every["expect"].isin(["plan", "text"])
    expected = every.loc[wanted, joined.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        joined.astype({"expect": str, "text": str}), expected.astype({"expect": str, "text": str})
    )


def test_rows_of_each_distinct_definitions_are_made_once_and_given_to_each_workbook(
    samples: list[WorkbookData], master: M.Master, krabi_master: M.Master
) -> None:
    """A round's workbooks share a few divisions' definitions: their rows are made once
    each, and every workbook gets its own division's, in the order of the workbooks."""
    chunk = [
        dataclasses.replace(book, source=f"{copy}-{book.source}")
        for copy in range(3)
        for book in samples
    ]
    used, _, _ = choose_all(chunk, [master, krabi_master])
    distinct = {id(defs) for defs in used.values()}
    assert 1 < len(distinct) < len(used)
    made: list[int] = []

    def rows_of(defs: Any) -> list[tuple[Any, ...]]:
        made.append(id(defs))
        return [(kpi.kpi_id, kpi.weight) for kpi in defs.scored]

    frame = F.by_source(used, rows_of, ["kpi_id", "weight"])
    assert sorted(made) == sorted(distinct)  # once per distinct definitions
    expected = [
        (source, kpi.kpi_id, kpi.weight) for source, defs in used.items() for kpi in defs.scored
    ]
    assert list(frame.itertuples(index=False, name=None)) == expected
    # nothing to make: the columns, no rows
    none = F.by_source(used, lambda defs: [], ["kpi_id", "weight"])
    assert none.empty and list(none.columns) == ["source", "kpi_id", "weight"]


def test_the_forms_locked_texts_read_apart_give_the_locked_table_of_every_cell_typed(
    samples: list[WorkbookData], master: M.Master, krabi_master: M.Master
) -> None:
    """The centre's texts on the scoring forms skip the typing of every cell (a quarter of
    a round's cells) and are compared with the centre's values as if they had not."""
    books = samples
    used, _, _ = choose_all(books, [master, krabi_master])
    info = F.workbook_info(books, used)
    kpis = F.kpi_frame(used, info, F.Rubrics())
    targets = F.target_definitions(used)
    context = (info, kpis, F.data_fields(used), targets)
    every = F.prepare_cells(cells_frame(books), *context)
    empty, texts, rest = F.split_apart(cells_frame(books))
    assert set(texts["table"]) == {"form"} and "kpi_id" not in set(texts["field"])
    assert len(empty) + len(texts) + len(rest) == len(every)
    assert {"issue", "name", "unit", "level_1", "level_5"} <= set(texts["field"])
    place = ["source", "sheet", "row", "column"]
    typed_whole = every.merge(texts[place], on=place)
    assert len(typed_whole) == len(texts) and set(typed_whole["expect"]) == {""}
    typed = F.prepare_cells(rest, *context)
    located = F.locate_form(kpis, every)
    whole = F.locked_table(every, None, located, targets, used)
    apart = F.locked_table(typed, texts, located, targets, used)
    # (a text's number is not read: NaN apart, whatever it reads as when typed)
    assert not whole["same"].all()  # some sample changed a locked text
    pd.testing.assert_frame_equal(
        apart.drop(columns="number"), whole.drop(columns="number"), check_categorical=False
    )


def test_a_chunk_with_its_empty_plans_typed_apart_scores_as_each_workbook_alone(
    samples: list[WorkbookData], master: M.Master, krabi_master: M.Master
) -> None:
    # enough workbooks for the empty plan cells to be typed apart (see _APART_FROM)
    chunk = [
        dataclasses.replace(book, source=f"{copy}-{book.source}")
        for copy in range(2)
        for book in samples
    ]
    assert len(chunk) >= 16
    masters = [master, krabi_master]
    together = evaluate(chunk, masters)
    alone = combine([evaluate([book], masters) for book in chunk])
    for name in ("kpis", "totals", "findings", "fills", "targets"):
        got, expected = getattr(together, name), getattr(alone, name)
        # (the target values of workbooks of two fiscal years: their columns in another order)
        got = got[sorted(got.columns)]
        expected = expected[sorted(expected.columns)]
        order = [c for c in ("source", "kpi_id", "sheet", "cell", "code") if c in got.columns]
        pd.testing.assert_frame_equal(
            got.sort_values(order, kind="stable").reset_index(drop=True),
            expected.sort_values(order, kind="stable").reset_index(drop=True),
            check_dtype=False,
            check_categorical=False,
        )
