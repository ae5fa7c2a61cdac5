"""evaluate() end to end on workbooks made from a small inline master: every rubric kind,
the codes the bundled samples do not raise, definitions and masters, many workbooks at once.

The master (division A, FY 2565) has nine KPIs, one per rubric kind, so every address below
follows from the layout: form rows 7–15 (A id, C name, D unit, E–I criteria, J result,
K value, L level (ก), M weight (ข), N weighted (ค)), รวม N16, score N17; supporting data
(column D) KPI 2 rows 7–8, KPI 3 rows 12–13, KPI 4 rows 17–19, KPI 6 rows 23–27, KPI 8 rows
31–42 (ต.ค. … ก.ย.); target sheet rows 8–16, sign-off B18–B20.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kpixl import layout as L
from kpixl import master as M
from kpixl.evaluation import Evaluation, evaluate
from kpixl.reader import WorkbookData, read_workbook
from kpixl.templates import write_division_workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sample_workbooks"))
from build_samples import Filler

Step = Callable[[Filler], Any]
FORM = L.FORM_SHEET

PERCENT = [
    "ไม่ถึงร้อยละ ๖๐",
    "ตั้งแต่ร้อยละ ๖๐ แต่ไม่ถึงร้อยละ ๗๐",
    "ตั้งแต่ร้อยละ ๗๐ แต่ไม่ถึงร้อยละ ๘๐",
    "ตั้งแต่ร้อยละ ๘๐ แต่ไม่ถึงร้อยละ ๙๐",
    "ตั้งแต่ร้อยละ ๙๐ ถึงร้อยละ ๑๐๐",
]
STRICTER = [*PERCENT[:3], "ตั้งแต่ร้อยละ ๘๐ แต่ไม่ถึงร้อยละ ๙๕", "ตั้งแต่ร้อยละ ๙๕ ถึงร้อยละ ๑๐๐"]
GROWTH = [
    "ไม่เกิน ร้อยละ ๑",
    "มากกว่า ร้อยละ ๑ ถึงร้อยละ ๒",
    "มากกว่า ร้อยละ ๒ ถึงร้อยละ ๓",
    "มากกว่า ร้อยละ ๓ ถึงร้อยละ ๔",
    "มากกว่า ร้อยละ ๔",
]
STEPS = [
    "ทำขั้นตอน ที่ ๑ ได้ ๑ คะแนน",
    "ทำขั้นตอน ที่ ๑-๒ ได้ ๒ คะแนน",
    "ทำขั้นตอน ที่ ๑-๓ ได้ ๓ คะแนน",
    "ทำขั้นตอน ที่ ๑-๔ ได้ ๔ คะแนน",
    "ทำขั้นตอน ที่ ๑-๕ ได้ ๕ คะแนน",
]
DATES = [f"ภายในวันที่ {d} ธันวาคม ๒๕๖๔" for d in ("๓๐", "๒๕", "๒๐", "๑๕", "๑๐")]
MONTHLY = [f"ภายในวันที่ {d} ของเดือนถัดไป" for d in ("๓๐", "๒๕", "๒๐", "๑๕", "๑๐")]
AFTER_YEAR_END = [f"ภายใน {d} วัน นับแต่วันสิ้นปี" for d in ("๙๐", "๗๕", "๖๐", "๔๕", "๓๐")]


def kpi(
    kpi_id: str, kind: str, levels: Sequence[str], weight: float, unit: str = "ร้อยละ", **extra: Any
) -> dict[str, Any]:
    return {
        "kpi_id": kpi_id,
        "issue": "งานทดสอบ",
        "name": f"ตัวชี้วัดทดสอบที่ {kpi_id}",
        "unit": unit,
        "kpi_type": "เชิงปริมาณ",
        "kind": kind,
        **{f"level_{n}": text for n, text in enumerate(levels, 1)},
        "weight": weight,
        **extra,
    }


KPIS = [
    kpi("1", "bands", PERCENT, 20),
    kpi("2", "ratio", PERCENT, 10),
    kpi("3", "growth", GROWTH, 10),
    kpi("4", "weighted_items", PERCENT, 10),
    kpi("5", "survey", PERCENT, 10, survey_rounds=2),
    kpi("6", "milestones", STEPS, 10, unit="ระดับ"),
    kpi("7", "deadline_date", DATES, 10, unit="วัน"),
    kpi("8", "deadline_monthly", MONTHLY, 10, unit="วัน"),
    kpi("9", "deadline_after_year_end", AFTER_YEAR_END, 10, unit="วัน"),
]


def make_master(
    fiscal_year_be: int = 2565,
    kpis: Sequence[dict[str, Any]] = KPIS,
    divisions: Sequence[str] = ("A",),
    org: str = "อบจ.ทดสอบ",
) -> M.Master:
    """A master with ``kpis`` for every division in ``divisions``."""

    def each(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"division_code": d, **r} for d in divisions for r in rows]

    return M.Master(
        {"org_name": org, "fiscal_year_be": str(fiscal_year_be)},
        {
            "divisions": M.table_frame(
                M.DIVISIONS, [{"division_code": d, "division_name": f"กอง {d}"} for d in divisions]
            ),
            "kpis": M.table_frame(M.KPIS, each(list(kpis))),
            "steps": M.table_frame(
                M.STEPS,
                each([{"kpi_id": "6", "step": s, "description": f"ขั้นที่ {s}"} for s in range(1, 6)]),
            ),
            "survey_items": M.table_frame(
                M.SURVEY_ITEMS,
                each(
                    [
                        {
                            "kpi_id": "5",
                            "aspect_no": a,
                            "aspect": f"ด้าน {a}",
                            "item_no": i,
                            "item": "ข้อ",
                        }
                        for a, i in ((1, 1), (1, 2), (2, 1))
                    ]
                ),
            ),
            "survey_scale": M.table_frame(M.SURVEY_SCALE, []),
            "items": M.table_frame(
                M.ITEMS,
                each(
                    [
                        {"kpi_id": "4", "item_no": n, "item": f"รายการ {n}", "weight": w}
                        for n, w in ((1, 50), (2, 30), (3, 20))
                    ]
                ),
            ),
        },
    )


def with_kpi(kpi_id: str, **changes: Any) -> list[dict[str, Any]]:
    return [{**k, **changes} if k["kpi_id"] == kpi_id else k for k in KPIS]


@pytest.fixture(scope="module")
def master() -> M.Master:
    found = M.check_master(make_master())
    assert found.empty, found[["code", "cell", "value"]]
    return make_master()


@pytest.fixture(scope="module")
def template(master: M.Master, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_division_workbook(master, "A", tmp_path_factory.mktemp("template") / "A.xlsx")


def workbook(template: Path, folder: Path, *steps: Step, source: str = "A.xlsx") -> WorkbookData:
    filler = Filler(template)
    for step in steps:
        step(filler)
    path = folder / source
    filler.save(path)
    return read_workbook(path)


# --- how the workbooks are filled ---------------------------------------------------------


def month_end(month: int) -> dt.date:
    year = 2021 if month >= 10 else 2022
    return dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)


def months(delays: dict[int, int | None]) -> Step:
    """KPI 8: every month's report ``delay`` days after the month's end (5 unless given;
    None leaves the month blank)."""

    def step(f: Filler) -> None:
        for month in (
            L.QUARTER_MONTHS[1] + L.QUARTER_MONTHS[2] + L.QUARTER_MONTHS[3] + L.QUARTER_MONTHS[4]
        ):
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


def cell(sheet: str, address: str, value: Any) -> Step:
    def step(f: Filler) -> None:
        f.book[sheet][address] = value

    return step


def ticks(*marks: Any) -> Step:
    def step(f: Filler) -> None:
        for n, mark in enumerate(marks, 1):
            f.data("6", f"step:{n}", mark)

    return step


SURVEY = [(1, [5, 3, 4]), (1, [5, 5, 2]), (2, [4, 4, 5]), (2, [4, 4, 5])]
"""Round 1: item means 5, 4, 3 → aspects 4.5 and 3 → 3.75 → 75 %; round 2: 4, 4, 5 →
aspects 4 and 5 → 4.5 → 90 %; the two rounds averaged: 82.5 % (a plain mean of all items
would give 83.33)."""


def base(f: Filler) -> None:
    """Every KPI scored, no finding: the levels of BASE."""
    f.form("1", 85)
    f.data("2", "numerator", 2)
    f.data("2", "denominator", 3)
    f.form("2", 66.67)
    f.data("3", "this_year", 105)
    f.data("3", "last_year", 100)
    f.form("3", 5)
    for n, value in ((1, 100), (2, 90), (3, 80)):  # (100×50 + 90×30 + 80×20) / 100 = 93
        f.data("4", f"item:{n}", value)
    f.form("4", 93)
    f.survey("5", SURVEY)
    f.form("5", 82.5)
    ticks("✓", "✓", "✓", L.NOT_DONE, L.NOT_DONE)(f)
    f.form("7", dt.date(2021, 12, 17))  # by 20 December 2564: level 3
    months({})(f)  # every month 5 days after its end: level 5
    f.form("9", dt.date(2022, 11, 20))  # 51 days after 30 Sep 2022: level 3
    f.signoff("นางสาวทดสอบ ใจดี", dt.date(2022, 10, 10))


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


# --- a clean workbook ---------------------------------------------------------------------


def test_a_clean_workbook(template: Path, master: M.Master, tmp_path: Path) -> None:
    evaluation = evaluate([workbook(template, tmp_path, base)], master)
    assert found(evaluation) == []
    assert levels(evaluation) == BASE
    kpis = evaluation.kpis.set_index("kpi_id")
    assert kpis["status"].eq("ok").all()
    assert kpis["weight"].to_dict() == WEIGHTS
    assert kpis.loc["2", "value"] == pytest.approx(200 / 3)
    assert kpis.loc["3", "value"] == pytest.approx(5.0)
    assert kpis.loc["4", "value"] == pytest.approx(93.0)
    assert kpis.loc["5", "value"] == pytest.approx(82.5)
    assert kpis.loc["6", "value"] == 3
    assert kpis.loc["8", "value"] == 5  # the worst month's days after its end
    assert kpis.loc["9", "value"] == 51
    totals = evaluation.totals.iloc[0]
    assert totals["total"] == pytest.approx(3.8)
    assert totals["score_100"] == pytest.approx(76.0)
    assert totals["weight_total"] == 100
    assert bool(totals["complete"])
    info = evaluation.workbooks.iloc[0]
    assert (info["division_code"], info["division_name"], info["fiscal_year_be"]) == (
        "A",
        "กอง A",
        2565,
    )


def test_fills_are_the_level_weighted_total_and_score_cells(
    template: Path, master: M.Master, tmp_path: Path
) -> None:
    evaluation = evaluate([workbook(template, tmp_path, base)], master)
    fills = evaluation.fills
    assert set(fills["sheet"]) == {FORM}
    got = dict(zip(fills["cell"], fills["value"], strict=True))
    expected: dict[str, float] = {}
    for row, kpi_id in enumerate(BASE, 7):
        expected[f"L{row}"] = BASE[kpi_id]
        expected[f"N{row}"] = BASE[kpi_id] * WEIGHTS[kpi_id] / 100
    expected["N16"] = 3.8
    expected["N17"] = 76.0
    assert got.keys() == expected.keys()
    for address, value in expected.items():
        assert got[address] == pytest.approx(value), address


def test_an_unscored_kpi_fills_blank_level_and_weighted(
    template: Path, master: M.Master, tmp_path: Path
) -> None:
    evaluation = evaluate([workbook(template, tmp_path, base, form("1", None))], master)
    got = dict(zip(evaluation.fills["cell"], evaluation.fills["value"], strict=True))
    assert pd.isna(got["L7"]) and pd.isna(got["N7"])
    assert got["N16"] == pytest.approx(3.0)
    assert got["N17"] == pytest.approx(60.0)


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
    # reported against computed: half a unit of the last digit written
    ("reported-67", [form("2", 67)], [], {}),
    ("reported-66.7", [form("2", 66.7)], [], {}),
    ("reported-66.7-text", [form("2", "66.7")], [("value-normalised", "J8", "2")], {}),
    ("reported-66", [form("2", 66)], [("reported-value-mismatch", "J8", "2")], {}),
    ("reported-66.0", [form("2", 66.0)], [("reported-value-mismatch", "J8", "2")], {}),
    (
        "reported-66.0-text",
        [form("2", "66.0")],
        [("reported-value-mismatch", "J8", "2"), ("value-normalised", "J8", "2")],
        {},
    ),
    ("reported-66.6", [form("2", 66.6)], [("reported-value-mismatch", "J8", "2")], {}),
    (
        "reported-90",
        [form("2", 90)],
        [("reported-value-mismatch", "J8", "2")],
        {},
    ),  # computed scored
    # zero denominator: the reported value is scored, with the error on the denominator
    (
        "zero-denominator",
        [data("2", "denominator", 0), form("2", 75)],
        [("ratio-zero-denominator", "D8", "2")],
        {"2": 3},
    ),
    (
        "ratio-data-missing",
        [data("2", "numerator", None), form("2", 75)],
        [("supporting-data-missing", "J8", "2")],
        {"2": 3},
    ),
    (
        "ratio-nothing",
        [data("2", "numerator", None), form("2", None)],
        [("value-missing", "J8", "2")],
        {"2": None},
    ),
    # growth may be negative: (90 − 100) × 100 / 100 = −10 → "ไม่เกิน ร้อยละ ๑"
    ("growth-negative", [data("3", "this_year", 90), form("3", -10)], [], {"3": 1}),
    (
        "growth-zero-last-year",
        [data("3", "last_year", 0)],
        [("ratio-zero-denominator", "D13", "3")],
        {},
    ),
    # weighted items: one item blank → no computed value, the reported 93 is scored
    (
        "items-incomplete",
        [data("4", "item:3", None)],
        [("supporting-data-missing", "J10", "4")],
        {},
    ),
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
    # deadline by date
    (
        "deadline-missed",
        [form("7", dt.date(2022, 1, 5))],
        [("deadline-missed", "J13", "7")],
        {"7": 0},
    ),
    ("deadline-on-the-day", [form("7", dt.date(2021, 12, 30))], [], {"7": 1}),
    ("deadline-as-be-text", [form("7", "๑๐ ธ.ค. ๒๕๖๔")], [], {"7": 5}),
    (
        "deadline-as-ce-text",
        [form("7", "10/12/2021")],
        [("date-era-confused", "J13", "7")],
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
            cell(FORM, "N16", 4),  # kpixl: 3.8
            cell(FORM, "N17", "๗๖"),  # kpixl: 76, typed as Thai text: agrees
        ],
        [
            ("typed-score-mismatch", "L7", "1"),
            ("typed-score-mismatch", "N16", ""),
            ("typed-score-mismatch", "N8", "2"),
        ],
        {},
    ),
    ("typed-score-100", [cell(FORM, "N17", 80)], [("typed-score-mismatch", "N17", "")], {}),
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
            ("locked-field-changed", "M7", "1"),
        ],
        {},
    ),
    ("weight-as-text", [form("1", "๒๐", field="weight")], [], {}),  # same weight, Thai digits
    (
        "not-signed-off",
        [cell(L.TARGET_SHEET, "B18", L.SIGNOFF_NO)],
        [("not-signed-off", "B18", "")],
        {},
    ),
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
]


@pytest.mark.parametrize(
    ("steps", "findings", "changed"),
    [pytest.param(s, f, c, id=i) for i, s, f, c in SCENARIOS],
)
def test_scenario(
    template: Path,
    master: M.Master,
    tmp_path: Path,
    steps: list[Step],
    findings: list[tuple[str, str, str]],
    changed: dict[str, int | None],
) -> None:
    evaluation = evaluate([workbook(template, tmp_path, base, *steps)], master)
    assert found(evaluation) == sorted(findings)
    assert levels(evaluation) == {**BASE, **changed}
    expected = {**BASE, **changed}
    total = sum((v or 0) * WEIGHTS[k] / 100 for k, v in expected.items())
    totals = evaluation.totals.iloc[0]
    assert totals["total"] == pytest.approx(total)
    assert totals["score_100"] == pytest.approx(total * 20)
    assert bool(totals["complete"]) == all(v is not None for v in expected.values())
    statuses = evaluation.kpis.set_index("kpi_id")["status"]
    for kpi_id, level in expected.items():
        if level is None:
            assert statuses[kpi_id] in ("missing", "out_of_range"), kpi_id
        elif level == 0:
            assert statuses[kpi_id] == "below", kpi_id


def test_an_untouched_template(template: Path, master: M.Master) -> None:
    """Nothing filled in: every KPI unscored (the monthly one too), nothing crashes."""
    evaluation = evaluate([read_workbook(template)], master)
    assert found(evaluation) == sorted(
        [("value-missing", f"J{row}", str(row - 6)) for row in range(7, 16)]
        + [("not-signed-off", "B18", "")]
    )
    assert set(levels(evaluation).values()) == {None}
    assert set(evaluation.kpis["status"]) == {"missing"}
    totals = evaluation.totals.iloc[0]
    assert (totals["total"], totals["score_100"], bool(totals["complete"])) == (0, 0, False)


def test_value_missing_is_no_level_not_zero(
    template: Path, master: M.Master, tmp_path: Path
) -> None:
    evaluation = evaluate([workbook(template, tmp_path, base, form("1", None))], master)
    row = kpi_row(evaluation, "1")
    assert pd.isna(row["level"]) and pd.isna(row["weighted"]) and pd.isna(row["value"])
    assert row["status"] == "missing"
    totals = evaluation.totals.iloc[0]
    assert (totals["kpis"], totals["unscored"], bool(totals["complete"])) == (9, 1, False)
    message = evaluation.findings.set_index("cell").loc["J7", "message_en"]
    assert message == "The result is missing, so this KPI cannot be scored."


def test_a_date_in_the_wrong_year_is_implausible(
    template: Path, master: M.Master, tmp_path: Path
) -> None:
    """20 Dec 2563 typed for 2564: outside FY 2565's window (1 Oct 2564 – 30 Sep 2566)."""
    evaluation = evaluate(
        [workbook(template, tmp_path, base, form("7", dt.date(2020, 12, 20)))], master
    )
    assert found(evaluation) == [("date-implausible", "J13", "7")]
    message = evaluation.findings["message_th"].item()
    assert message == (
        "วันที่ 20 ธ.ค. 2563 อยู่นอกช่วงที่เป็นไปได้ของปีงบประมาณ (1 ต.ค. 2564 ถึง 30 ก.ย. 2566)"
    )
    # an implausible date is not scored on: no value, no level (the finding says why)
    row = kpi_row(evaluation, "7")
    assert pd.isna(row["value"]) and pd.isna(row["level"])


def test_deadline_values(template: Path, master: M.Master, tmp_path: Path) -> None:
    evaluation = evaluate(
        [
            workbook(
                template,
                tmp_path,
                base,
                form("7", dt.date(2022, 1, 5)),
                form("9", dt.date(2023, 1, 10)),
            )
        ],
        master,
    )
    assert kpi_row(evaluation, "7")["value"] == dt.date(2022, 1, 5).toordinal()
    assert kpi_row(evaluation, "9")["value"] == 102  # 31 + 30 + 31 + 10 days
    messages = evaluation.findings.set_index("cell")["message_th"]
    assert messages["J13"] == "ส่งเมื่อ 5 ม.ค. 2565 เกินกำหนดของระดับ ๑ จึงได้ ๐ คะแนน"
    assert messages["J15"] == "ส่งเมื่อ 10 ม.ค. 2566 เกินกำหนดของระดับ ๑ จึงได้ ๐ คะแนน"


def test_monthly_deadline_values(template: Path, master: M.Master, tmp_path: Path) -> None:
    late = evaluate([workbook(template, tmp_path, base, months({11: 12, 3: 35}))], master)
    row = kpi_row(late, "8")
    assert (row["value"], row["level"], row["status"]) == (35, 0, "below")
    assert late.findings.set_index("cell").loc["D36", "message_en"] == (
        "Delivered on 5 พ.ค. 2565, after the level 1 deadline; level 0 given."
    )
    # one month missing: the worst month is unknown, so there is no level yet
    missing = evaluate([workbook(template, tmp_path, base, months({1: None, 11: 18}))], master)
    row = kpi_row(missing, "8")
    assert pd.isna(row["value"]) and pd.isna(row["level"]) and row["status"] == "missing"
    assert missing.findings["message_en"].item().startswith("This month's delivery date is missing")


def test_survey_and_items_computed_by_hand(
    template: Path, master: M.Master, tmp_path: Path
) -> None:
    # round 1: aspects 1 and 5 → 3 → 60 %; round 2: item means 4, 5, 5 → aspects 4.5 and 5
    # → 4.75 → 95 %; both rounds: 77.5 % (all items of both rounds pooled would give 76.67)
    rounds = [(1, [1, 1, 5]), (1, [1, 1, 5]), (2, [3, 5, 5]), (2, [5, 5, 5])]
    evaluation = evaluate(
        [
            workbook(
                template,
                tmp_path,
                base,
                lambda f: f.survey("5", rounds),
                form("5", 77.5),
                data("4", "item:1", 60),  # (60×50 + 90×30 + 80×20) / 100 = 73
                form("4", 73),
            )
        ],
        master,
    )
    assert found(evaluation) == []
    assert kpi_row(evaluation, "5")["computed"] == pytest.approx(77.5)
    assert kpi_row(evaluation, "4")["computed"] == pytest.approx(73.0)
    assert levels(evaluation)["5"] == 3
    assert levels(evaluation)["4"] == 3


def test_the_centres_values_are_scored_not_the_divisions(
    template: Path, master: M.Master, tmp_path: Path
) -> None:
    evaluation = evaluate(
        [
            workbook(
                template,
                tmp_path,
                base,
                form("1", "ตั้งแต่ร้อยละ ๘๐ ถึงร้อยละ ๑๐๐", field="level_5"),
                form("1", 50, field="weight"),
            )
        ],
        master,
    )
    row = kpi_row(evaluation, "1")
    assert (row["level"], row["weight"], row["weighted"]) == (4, 20, 0.8)
    messages = evaluation.findings.set_index("cell")["message_th"]
    assert messages["M7"] == (
        "“ค่าน้ำหนัก (ข)” ถูกแก้ไขจาก “20” เป็น “50” — ส่วนราชการแก้ไขรายละเอียดที่ส่วนกลาง"
        "กำหนดไม่ได้ จึงใช้ค่าของส่วนกลาง"
    )
    assert evaluation.findings.set_index("cell").loc["I7", "value"] == "ตั้งแต่ร้อยละ ๘๐ ถึงร้อยละ ๑๐๐"


def test_an_extra_kpi_row_is_not_in_the_definitions(
    template: Path, master: M.Master, tmp_path: Path
) -> None:
    def extra_row(f: Filler) -> None:
        sheet = f.book[FORM]
        sheet.insert_rows(16)  # above รวม, which moves to row 17
        sheet["A16"], sheet["C16"], sheet["J16"] = "10", "ตัวชี้วัดที่กองเพิ่มเอง", 100

    evaluation = evaluate([workbook(template, tmp_path, base, extra_row)], master)
    assert found(evaluation) == [("locked-field-changed", "A16", "10")]
    assert "10" not in set(evaluation.kpis["kpi_id"])
    assert levels(evaluation) == BASE
    got = dict(zip(evaluation.fills["cell"], evaluation.fills["value"], strict=True))
    assert (got["N17"], got["N18"]) == (pytest.approx(3.8), pytest.approx(76.0))
    assert "N16" not in got


def test_weights_not_100_from_the_definitions(tmp_path: Path) -> None:
    heavy = make_master(kpis=with_kpi("1", weight=30))
    path = write_division_workbook(heavy, "A", tmp_path / "template.xlsx")
    evaluation = evaluate([workbook(path, tmp_path, base)], heavy)
    assert found(evaluation) == [("weights-not-100", "", "")]
    finding = evaluation.findings.iloc[0]
    assert finding["value"] == "110"
    assert finding["source"] == "A.xlsx"
    assert finding["message_th"] == "ค่าน้ำหนักของกอง A รวมได้ 110 ต้องรวมได้ ๑๐๐"
    assert finding["message_en"] == "The weights of division A sum to 110; they must sum to 100."
    totals = evaluation.totals.iloc[0]
    assert totals["weight_total"] == 110
    assert totals["total"] == pytest.approx(3.8 + 4 * 10 / 100)  # KPI 1 weighs 30, not 20


# --- definitions against the master -------------------------------------------------------


def test_differs_from_master_fiscal_year(master: M.Master, tmp_path: Path) -> None:
    earlier = write_division_workbook(make_master(2564), "A", tmp_path / "2564.xlsx")
    evaluation = evaluate([workbook(earlier, tmp_path, base)], master)
    assert found(evaluation) == [("differs-from-master", "", "")]
    finding = evaluation.findings.iloc[0]
    assert finding["sheet"] == L.META_SHEET
    assert finding["message_en"] == (
        "“ปีงบประมาณ” in the workbook (“2564”) differs from the master (“2565”); the master is used."
    )
    assert evaluation.workbooks["fiscal_year_be"].item() == 2565
    assert levels(evaluation) == BASE


def test_differs_from_master_criteria(template: Path, tmp_path: Path) -> None:
    """The centre tightened KPI 1 after sending the workbook: its new criteria score 92."""
    stricter = make_master(kpis=with_kpi("1", level_4=STRICTER[3], level_5=STRICTER[4]))
    evaluation = evaluate([workbook(template, tmp_path, base, form("1", 92))], stricter)
    assert found(evaluation) == [
        ("differs-from-master", "", "1"),
        ("differs-from-master", "", "1"),
        ("locked-field-changed", "H7", "1"),  # the form still shows the old criteria
        ("locked-field-changed", "I7", "1"),
    ]
    assert levels(evaluation)["1"] == 4  # the old criteria would give 5
    unchanged = evaluate([workbook(template, tmp_path, base, form("1", 92))], make_master())
    assert levels(unchanged)["1"] == 5


def test_differs_from_master_a_kpi_missing(template: Path, tmp_path: Path) -> None:
    more = make_master(kpis=[*KPIS, kpi("10", "bands", PERCENT, 0)])
    evaluation = evaluate([workbook(template, tmp_path, base)], more)
    assert found(evaluation) == [
        ("differs-from-master", "", "10"),
        ("kpi-row-missing", "", "10"),  # a missing row is not also a missing value
    ]
    assert Counter(evaluation.findings["value"]) == Counter({"—": 1, "10": 1})
    assert levels(evaluation) == {**BASE, "10": None}

    # the centre dropped KPI 9 (and gave its weight to KPI 1) after sending the workbook
    fewer = make_master(kpis=[{**KPIS[0], "weight": 30}, *KPIS[1:-1]])
    evaluation = evaluate([workbook(template, tmp_path, base)], fewer)
    assert found(evaluation) == [
        ("differs-from-master", "", "1"),  # weight 20 → 30
        ("differs-from-master", "", "9"),
        ("locked-field-changed", "A15", "9"),  # the form row of a KPI the centre has not
        ("locked-field-changed", "A16", "9"),  # and its target-sheet row
        ("locked-field-changed", "M7", "1"),  # the form shows the old weight
    ]
    assert "9" not in levels(evaluation)
    assert evaluation.totals["total"].item() == pytest.approx(3.8 - 0.3 + 0.4)


def test_master_unknown_division_scores_the_embedded_definitions(
    master: M.Master, tmp_path: Path
) -> None:
    both = make_master(divisions=("A", "B"))
    path = write_division_workbook(both, "B", tmp_path / "B.xlsx")
    evaluation = evaluate([workbook(path, tmp_path, base, source="B.xlsx")], master)
    assert found(evaluation) == [("master-unknown-division", "", "")]
    assert evaluation.findings["value"].item() == "B"
    assert levels(evaluation) == BASE
    assert evaluation.workbooks["division_code"].item() == "B"


def test_several_masters(tmp_path: Path) -> None:
    m2565 = make_master(2565)
    m2566 = make_master(2566, kpis=with_kpi("1", level_4=STRICTER[3], level_5=STRICTER[4]))
    other = make_master(2565, divisions=("C",), org="อบจ.อื่น")
    books = [
        workbook(
            write_division_workbook(m2565, "A", tmp_path / "t65.xlsx"),
            tmp_path,
            form("1", 92),
            source="A65.xlsx",
        ),
        workbook(
            write_division_workbook(m2566, "A", tmp_path / "t66.xlsx"),
            tmp_path,
            form("1", 92),
            source="A66.xlsx",
        ),
        workbook(
            write_division_workbook(other, "C", tmp_path / "tC.xlsx"),
            tmp_path,
            form("1", 92),
            source="C.xlsx",
        ),
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


def test_without_a_master_the_embedded_definitions_count(template: Path, tmp_path: Path) -> None:
    evaluation = evaluate([workbook(template, tmp_path, base)])
    assert found(evaluation) == []
    assert levels(evaluation) == BASE


# --- many workbooks at once ---------------------------------------------------------------


def test_many_workbooks_at_once_are_scored_exactly_as_one_by_one(
    template: Path, master: M.Master, tmp_path: Path
) -> None:
    variants: dict[str, list[Step]] = {
        "clean.xlsx": [],
        "missing.xlsx": [form("1", None), ticks(*[None] * 5), months({3: None})],
        "late.xlsx": [
            form("7", dt.date(2022, 1, 5)),
            months({3: 35}),
            form("9", dt.date(2023, 1, 10)),
        ],
        "edited.xlsx": [
            form("1", 50, field="weight"),
            form("2", "จำนวน", field="unit"),
            form("2", 67),
        ],
        "typed.xlsx": [form("1", 5, field="level"), cell(FORM, "N16", 4), form("5", 95)],
        "messy.xlsx": [
            form("1", "๘๕%"),
            data("2", "denominator", 0),
            form("2", 75),
            target("1", m10="10 ครั้ง"),
        ],
        "unsigned.xlsx": [
            cell(L.TARGET_SHEET, "B18", None),
            data("3", "this_year", 90),
            form("3", -10),
        ],
    }
    books = []
    for source, steps in variants.items():
        folder = tmp_path / source.removesuffix(".xlsx")
        folder.mkdir()
        books.append(workbook(template, folder, base, *steps, source=source))
    together = evaluate(books, master)
    alone = [evaluate([book], master) for book in books]

    def frame(name: str, parts: Sequence[Evaluation]) -> pd.DataFrame:
        return pd.concat([getattr(e, name) for e in parts], ignore_index=True)

    for name in ("workbooks", "kpis", "totals", "findings", "fills"):
        mine = getattr(together, name).sort_values(["source"], kind="stable").reset_index(drop=True)
        one_by_one = (
            frame(name, alone).sort_values(["source"], kind="stable").reset_index(drop=True)
        )
        pd.testing.assert_frame_equal(mine, one_by_one, check_dtype=False, obj=name)
    assert len(set(together.findings["source"])) == 6  # every variant but the clean one
    assert together.totals.set_index("source").loc["clean.xlsx", "total"] == pytest.approx(3.8)


def test_sources_must_be_unique(template: Path, master: M.Master, tmp_path: Path) -> None:
    book = workbook(template, tmp_path, base)
    with pytest.raises(ValueError, match="unique"):
        evaluate([book, book], master)


def test_no_workbooks(master: M.Master) -> None:
    evaluation = evaluate([], master)
    assert evaluation.kpis.empty and evaluation.findings.empty and evaluation.fills.empty
