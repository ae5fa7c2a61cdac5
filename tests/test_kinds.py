"""The KPI kinds registry: each kind's pandas computation on inline inputs, the one rule that
chooses the scored value (issue 7 item 9), and each kind's Excel formulas against pandas on
generated inputs (issue 7, "Excel and kpixl must not disagree silently")."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest
from builders import Book, Error, Formula, Percent
from excel_formula import EPOCH, ExcelError, evaluate_sheet, serial
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpixl import kinds as K
from kpixl import layout as L
from kpixl.definitions import parse_definitions
from kpixl.evaluation import evaluate
from kpixl.evaluation.values import choose_values
from kpixl.fiscal import fiscal_year_end, month_year_ce

KEYS = K.KEYS
FY = 2565
SOURCE = "a.xlsx"


# --- inline inputs --------------------------------------------------------------------------


def kpis(kind: str, *ids: str, source: str = SOURCE) -> pd.DataFrame:
    """Rows of ``kind`` to compute, with a non-default index (as a slice of the batch)."""
    return pd.DataFrame(
        {"source": source, "kpi_id": list(ids), "kind": kind}, index=range(50, 50 + len(ids))
    )


def data(*rows: tuple[Any, ...]) -> pd.DataFrame:
    """Supporting-data cells: (kpi_id, field, number | tick | date, state[, source])."""
    records = []
    for row in rows:
        kpi_id, key, value, state = row[:4]
        source = row[4] if len(row) > 4 else SOURCE
        records.append(
            {
                "source": source,
                "kpi_id": kpi_id,
                "field": key,
                "number": float(value) if isinstance(value, int | float) else np.nan,
                "tick": value if isinstance(value, bool) else pd.NA,
                "date": value if isinstance(value, dt.date) else None,
                "state": state,
            }
        )
    frame = pd.DataFrame(
        records, columns=["source", "kpi_id", "field", "number", "tick", "date", "state"]
    )
    frame["number"] = frame["number"].astype("float64")
    frame["tick"] = frame["tick"].astype("boolean")
    return frame


def inputs(
    data_frame: pd.DataFrame | None = None,
    answers: pd.DataFrame | None = None,
    survey_items: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    month_ends: pd.DataFrame | None = None,
) -> K.Inputs:
    return K.Inputs(
        data_frame if data_frame is not None else data(),
        answers
        if answers is not None
        else pd.DataFrame(columns=[*KEYS, "round", "field", "number", "state"]),
        survey_items
        if survey_items is not None
        else pd.DataFrame(columns=[*KEYS, "field", "aspect"]),
        items if items is not None else pd.DataFrame(columns=[*KEYS, "field", "weight"]),
        month_ends
        if month_ends is not None
        else pd.DataFrame(columns=[*KEYS, "field", "month_end"]),
    )


def computed(kind: str, frame: pd.DataFrame, given: K.Inputs) -> list[tuple[float | None, str]]:
    compute = K.KINDS[kind].compute
    assert compute is not None
    result = compute(frame, given)
    assert result.index.equals(frame.index)
    assert set(result["computed_status"]) <= set(K.COMPUTED_STATUSES)
    # a value only when the computation is ok
    assert result["computed"].notna().eq(result["computed_status"].eq("ok")).all()
    return [
        (None if pd.isna(v) else float(v), str(s))
        for v, s in zip(result["computed"], result["computed_status"], strict=True)
    ]


# --- the registry -----------------------------------------------------------------------------


def test_every_kind_is_whole() -> None:
    for name, kind in K.KINDS.items():
        assert kind.name == name
        assert kind.rubric in ("bands", "milestones", "deadline")
        assert kind.result in ("number", "date", "formula")
        assert kind.source in ("reported", "computed", "computed_or_reported")
        assert (kind.rubric == "deadline") == bool(kind.deadline)
        # a computed kind has its pandas value and its Excel value; a reported one neither
        assert (
            (kind.compute is None) == (kind.excel_computed is None) == (kind.source == "reported")
        )
        assert kind.result != "formula" or kind.source == "computed"
        assert kind.title_th and kind.explain_th and kind.hint_th and kind.missing_en
    assert tuple(K.KINDS) == K.KIND_NAMES
    assert set(K.BAND_KINDS) == {"bands", "ratio", "growth", "survey", "weighted_items"}
    assert K.kinds_where(lambda k: k.result == "date") == [
        "deadline_date",
        "deadline_after_year_end",
    ]


def test_fields_of_each_kind() -> None:
    defs = parse_definitions(
        {
            "organisation": {"fiscal_year_be": "2565"},
            "kpis": [
                {"kpi_id": "1", "kind": "ratio", "numerator_label": "จำนวนที่เบิก"},
                {"kpi_id": "2", "kind": "growth"},
                {"kpi_id": "3", "kind": "weighted_items"},
                {
                    "kpi_id": "4",
                    "kind": "milestones",
                    **{f"level_{n}": f"ทำขั้นตอนที่ 1-{n} ได้ {n} คะแนน" for n in range(1, 6)},
                },
                {"kpi_id": "5", "kind": "deadline_monthly"},
            ],
            "items": [
                {"kpi_id": "3", "item_no": "1", "item": "ถูกต้อง", "weight": "๔๐"},
                {"kpi_id": "3", "item_no": "2", "item": "ครบถ้วน", "weight": "60"},
            ],
            "steps": [{"kpi_id": "4", "step": "1", "description": "แต่งตั้ง"}],
        }
    )
    fields = {k.kpi_id: K.KINDS[k.kind].fields(k, FY) for k in defs.kpis}
    assert [(f.key, f.expect) for f in fields["1"]] == [
        ("numerator", "number"),
        ("denominator", "number"),
    ]
    assert fields["1"][0].label == "ตัวตั้ง: จำนวนที่เบิก"
    assert [f.key for f in fields["2"]] == ["this_year", "last_year"]
    assert "2564" in fields["2"][1].label  # last year of FY 2565
    assert [(f.key, f.expect, f.weight) for f in fields["3"]] == [
        ("item:1", "percent", 40.0),
        ("item:2", "percent", 60.0),
    ]
    assert [f.key for f in fields["4"]] == [f"step:{n}" for n in range(1, 6)]
    assert fields["4"][0].label == "ขั้นตอนที่ 1: แต่งตั้ง"
    assert [f.key for f in fields["5"]] == [f"month:{m}" for m in (10, 11, 12, *range(1, 10))]
    assert fields["5"][0].label == "รายงานประจำเดือน ต.ค. 2564: วันที่จัดส่ง"
    assert fields["5"][3].label == "รายงานประจำเดือน ม.ค. 2565: วันที่จัดส่ง"
    assert all(f.expect == "date" for f in fields["5"])


# --- each kind's computation on inline inputs -----------------------------------------------------


def test_ratio() -> None:
    frame = kpis("ratio", "ok", "full", "blank", "none", "half", "bad", "zero", "0/0", "over")
    given = inputs(
        data(
            ("ok", "numerator", 45, "ok"),
            ("ok", "denominator", 60, "ok"),
            ("full", "numerator", 12, "ok"),
            ("full", "denominator", 12, "ok"),
            ("blank", "numerator", None, "blank"),
            ("blank", "denominator", None, "blank"),
            # "none": no supporting cells at all (the rows were deleted) is blank too
            ("half", "numerator", 5, "ok"),
            ("half", "denominator", None, "blank"),
            ("bad", "numerator", None, "invalid"),  # unreadable, in error, …
            ("bad", "denominator", 10, "ok"),
            ("zero", "numerator", 5, "ok"),
            ("zero", "denominator", 0, "ok"),
            ("0/0", "numerator", 0, "ok"),
            ("0/0", "denominator", 0, "ok"),
            ("over", "numerator", 12, "ok"),
            ("over", "denominator", 10, "ok"),
        )
    )
    assert computed("ratio", frame, given) == [
        (75.0, "ok"),  # 45 × 100 / 60
        (100.0, "ok"),
        (None, "blank"),
        (None, "blank"),
        (None, "incomplete"),
        (None, "invalid"),
        # issue 7 item 9: a zero denominator and a numerator above it are input errors
        (None, "invalid"),
        (None, "invalid"),
        (None, "invalid"),
    ]


def test_growth() -> None:
    frame = kpis("growth", "up", "down", "same", "zero", "half", "bad")
    given = inputs(
        data(
            ("up", "this_year", 110, "ok"),
            ("up", "last_year", 100, "ok"),
            ("down", "this_year", 90, "ok"),
            ("down", "last_year", 120, "ok"),
            ("same", "this_year", 7, "ok"),
            ("same", "last_year", 7, "ok"),
            ("zero", "this_year", 5, "ok"),
            ("zero", "last_year", 0, "ok"),
            ("half", "this_year", None, "blank"),
            ("half", "last_year", 3, "ok"),
            ("bad", "this_year", 3, "ok"),
            ("bad", "last_year", None, "invalid"),
        )
    )
    assert computed("growth", frame, given) == [
        (10.0, "ok"),
        (-25.0, "ok"),  # a fall is a negative growth, not an error
        (0.0, "ok"),
        (None, "invalid"),  # no growth over nothing
        (None, "incomplete"),
        (None, "invalid"),
    ]


def _items(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"source": SOURCE, "kpi_id": k, "field": f, "weight": w} for k, f, w in rows],
        columns=[*KEYS, "field", "weight"],
    )


def test_weighted_items() -> None:
    items = _items(
        *(
            (k, f"item:{n}", w)
            for k in ("ok", "blank", "none", "half", "bad")
            for n, w in ((1, 20.0), (2, 80.0))
        )
    )
    frame = kpis("weighted_items", "ok", "blank", "none", "half", "bad", "no items")
    given = inputs(
        data(
            ("ok", "item:1", 100, "ok"),
            ("ok", "item:2", 50, "ok"),
            ("blank", "item:1", None, "blank"),
            ("blank", "item:2", None, "blank"),
            ("half", "item:1", 100, "ok"),
            ("half", "item:2", None, "blank"),
            ("bad", "item:1", 100, "ok"),
            ("bad", "item:2", None, "invalid"),
        ),
        items=items,
    )
    assert computed("weighted_items", frame, given) == [
        (60.0, "ok"),  # (100 × 20 + 50 × 80) / 100
        (None, "blank"),
        (None, "blank"),
        (None, "incomplete"),
        (None, "invalid"),
        (None, "blank"),
    ]


def _answers(*rows: tuple[Any, ...]) -> pd.DataFrame:
    """(kpi_id, round, field, answer, state)."""
    return pd.DataFrame(
        [
            {"source": SOURCE, "kpi_id": k, "round": r, "field": f, "number": a, "state": s}
            for k, r, f, a, s in rows
        ],
        columns=[*KEYS, "round", "field", "number", "state"],
    ).astype({"number": "float64", "round": "float64"})


def test_survey() -> None:
    questions = pd.DataFrame(
        [
            {"source": SOURCE, "kpi_id": k, "field": f, "aspect": a}
            for k in ("ok", "bad", "blank", "some")
            for f, a in (("item:1.1", "1"), ("item:1.2", "1"), ("item:2.1", "2"))
        ],
        columns=[*KEYS, "field", "aspect"],
    )
    answers = _answers(
        # ok: aspect 1 = (5 + 3) / 2 = 4, aspect 2 = 3 → 3.5 → 70 %
        ("ok", 1, "item:1.1", 5, "ok"),
        ("ok", 1, "item:1.2", 3, "ok"),
        ("ok", 1, "item:2.1", 3, "ok"),
        ("ok", 1, "item:2.1", 7, "invalid"),  # an answer outside 1–5 is left out
        # bad: every answer unusable: no value, an input error
        ("bad", 1, "item:1.1", 9, "invalid"),
        ("blank", 1, "item:1.1", None, "blank"),
        # some: two rounds, averaged: round 1 = 100 %, round 2 = 60 %
        ("some", 1, "item:1.1", 5, "ok"),
        ("some", 1, "item:2.1", 5, "ok"),
        ("some", 2, "item:1.2", 3, "ok"),
        ("some", 2, "item:2.1", 3, "ok"),
    )
    frame = kpis("survey", "ok", "bad", "blank", "some", "nobody")
    assert computed("survey", frame, inputs(answers=answers, survey_items=questions)) == [
        (70.0, "ok"),
        (None, "invalid"),
        (None, "blank"),
        (80.0, "ok"),
        (None, "blank"),
    ]


def test_milestones() -> None:
    rows = []
    for kpi_id, ticks in {
        "three": [True, True, True, False, None],
        "gap": [True, True, None, True, True],  # step 4 and 5 do not count after a gap
        "none": [False, False, None, None, None],
        "all": [True] * 5,
        "blank": [None] * 5,
        "bad": [True, "?", None, None, None],
    }.items():
        for step, tick in enumerate(ticks, 1):
            state = "blank" if tick is None else "invalid" if tick == "?" else "ok"
            rows.append((kpi_id, f"step:{step}", tick if isinstance(tick, bool) else None, state))
    frame = kpis("milestones", "three", "gap", "none", "all", "blank", "bad")
    assert computed("milestones", frame, inputs(data(*rows))) == [
        (3.0, "ok"),
        (2.0, "ok"),
        (0.0, "ok"),  # answered, none done: level 0, not "not reported"
        (5.0, "ok"),
        (None, "blank"),
        (None, "invalid"),
    ]


def _month_end(month: int) -> dt.date:
    year = month_year_ce(FY, month)
    return dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)


def test_deadline_monthly() -> None:
    months = list(K.FISCAL_MONTHS)
    ends = pd.DataFrame(
        [
            {"source": SOURCE, "kpi_id": k, "field": f"month:{m}", "month_end": _month_end(m)}
            for k in ("ok", "half", "bad", "blank")
            for m in months
        ]
    )
    ends["month_end"] = pd.to_datetime(ends["month_end"])
    rows = []
    for m in months:
        # ok: every month 10 days after its end, March 25 days late: the worst decides
        rows.append(("ok", f"month:{m}", _month_end(m) + dt.timedelta(25 if m == 3 else 10), "ok"))
        rows.append(
            ("half", f"month:{m}", _month_end(m) if m != 5 else None, "ok" if m != 5 else "blank")
        )
        rows.append(
            ("bad", f"month:{m}", _month_end(m) if m != 7 else None, "ok" if m != 7 else "invalid")
        )
        rows.append(("blank", f"month:{m}", None, "blank"))
    frame = kpis("deadline_monthly", "ok", "half", "bad", "blank")
    assert computed("deadline_monthly", frame, inputs(data(*rows), month_ends=ends)) == [
        (25.0, "ok"),
        (None, "incomplete"),  # while a month is missing the worst month is unknown
        (None, "invalid"),
        (None, "blank"),
    ]


def test_many_workbooks_at_once_equal_one_by_one() -> None:
    def one(source: str, numerator: float, denominator: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        return (
            kpis("ratio", "1", source=source),
            data(
                ("1", "numerator", numerator, "ok", source),
                ("1", "denominator", denominator, "ok", source),
            ),
        )

    parts = [one(f"{n}.xlsx", n, 10) for n in range(1, 8)]
    frame = pd.concat([p[0] for p in parts], ignore_index=True)
    together = computed("ratio", frame, inputs(pd.concat([p[1] for p in parts], ignore_index=True)))
    alone = [computed("ratio", f, inputs(d))[0] for f, d in parts]
    assert together == alone == [(n * 10.0, "ok") for n in range(1, 8)]


# --- the one rule (issue 7 item 9) ----------------------------------------------------------------

# Per source of the scored value: (computed status, reported present?, result cell state) →
# (value source, pending status). The same for every kind of the source, stated once.
ONE_RULE: dict[str, list[tuple[str, bool, str, str, str]]] = {
    "reported": [
        ("not_computed", True, "ok", "reported", ""),
        ("not_computed", False, "blank", "", "missing"),
        ("not_computed", False, "invalid", "", "input_error"),
    ],
    "computed": [
        ("ok", False, "ok", "computed", ""),
        ("blank", False, "ok", "", "missing"),
        ("incomplete", False, "ok", "", "missing"),
        ("invalid", False, "ok", "", "input_error"),
    ],
    "computed_or_reported": [
        ("ok", True, "ok", "computed", ""),
        ("ok", False, "blank", "computed", ""),
        ("ok", False, "invalid", "computed", ""),
        # no supporting data at all: the reported result, with supporting-data-missing
        ("blank", True, "ok", "reported_fallback", ""),
        ("blank", False, "blank", "", "missing"),
        ("blank", False, "invalid", "", "input_error"),
        # some supporting data missing or wrong: no level, even with a reported result
        ("incomplete", True, "ok", "", "missing"),
        ("incomplete", False, "blank", "", "missing"),
        ("invalid", True, "ok", "", "input_error"),
        ("invalid", False, "blank", "", "input_error"),
    ],
}
CASES = [(kind, *case) for kind, spec in K.KINDS.items() for case in ONE_RULE[spec.source]]


@pytest.mark.parametrize(("kind", "state", "reported", "result", "source", "status"), CASES)
def test_the_one_rule(
    kind: str, state: str, reported: bool, result: str, source: str, status: str
) -> None:
    frame = pd.DataFrame(
        {
            "kind": [kind],
            "computed_status": [state],
            "computed": [41.004 if state == "ok" else np.nan],
            "reported": [77.5 if reported else np.nan],
            "result_state": [result],
        },
        index=[7],
    )
    chosen = choose_values(frame)
    assert chosen.index.tolist() == [7]
    assert chosen["value_source"].iloc[0] == source
    value = {"computed": 41.0, "reported": 77.5, "reported_fallback": 77.5, "": None}[source]
    got = chosen["value"].iloc[0]
    assert (value is None and math.isnan(got)) or got == value
    if not source:
        assert chosen["pending_status"].iloc[0] == status


def test_every_kind_and_state_is_covered_by_the_one_rule_table() -> None:
    assert {spec.source for spec in K.KINDS.values()} == set(ONE_RULE)
    for source, cases in ONE_RULE.items():
        states = {state for state, *_ in cases}
        expected = (
            {"not_computed"}
            if source == "reported"
            else set(K.COMPUTED_STATUSES) - {"not_computed"}
        )
        assert states == expected, source


def test_the_one_rule_over_a_batch_equals_row_by_row() -> None:
    rows = [
        {
            "kind": kind,
            "computed_status": state,
            "computed": 41.004 if state == "ok" else np.nan,
            "reported": 77.5 if reported else np.nan,
            "result_state": result,
        }
        for kind, state, reported, result, _, _ in CASES
    ]
    together = choose_values(pd.DataFrame(rows, index=range(3, 3 + len(rows))))
    alone = pd.concat(
        [choose_values(pd.DataFrame([row], index=[3 + n])) for n, row in enumerate(rows)]
    )
    pd.testing.assert_frame_equal(together, alone)


def test_an_unknown_kind_has_no_value() -> None:
    frame = pd.DataFrame(
        {
            "kind": ["", "scorecard"],
            "computed_status": ["not_computed"] * 2,
            "computed": [np.nan] * 2,
            "reported": [50.0, 50.0],
            "result_state": ["ok", "ok"],
        }
    )
    chosen = choose_values(frame)
    assert chosen["value"].isna().all()
    assert chosen["value_source"].tolist() == ["", ""]


# --- Excel's value against kpixl's, on generated inputs -------------------------------------------

BANDS = ["ไม่เกิน 20", "มากกว่า 20 ถึง 40", "มากกว่า 40 ถึง 60", "มากกว่า 60 ถึง 80", "มากกว่า 80"]
GROWTH = [
    "ลดลงมากกว่าร้อยละ 5",
    "ลดลงไม่เกินร้อยละ 5",
    "ตั้งแต่ร้อยละ 0 ถึงร้อยละ 5",
    "มากกว่าร้อยละ 5 ถึงร้อยละ 10",
    "มากกว่าร้อยละ 10",
]
STEPS = [f"ทำขั้นตอนที่ 1-{n} ได้ {n} คะแนน" for n in range(1, 6)]
NEXT_MONTH = [f"ภายในวันที่ {d} ของเดือนถัดไป" for d in (30, 25, 20, 15, 10)]
AFTER_YEAR = [f"ภายใน {d} วัน นับแต่วันสิ้นปี" for d in (90, 75, 60, 45, 30)]
DATES = [f"ภายในวันที่ {d} ธ.ค. 64" for d in (30, 25, 20, 15, 10)]
CRITERIA = {
    "bands": BANDS,
    "ratio": BANDS,
    "growth": GROWTH,
    "weighted_items": BANDS,
    "milestones": STEPS,
    "deadline_monthly": NEXT_MONTH,
    "deadline_date": DATES,
    "deadline_after_year_end": AFTER_YEAR,
}
YEAR_END = fiscal_year_end(FY)


def division(kind: str) -> dict[str, Any]:
    """A division with one KPI of ``kind`` (weight 100), as the centre defines it."""
    unit = "วัน" if kind.startswith("deadline") else "ร้อยละ"
    return {
        "organisation": {"org_name": "อบจ.ทดสอบ", "fiscal_year_be": str(FY)},
        "division": {"division_code": "TST", "division_name": "กองทดสอบ"},
        "kpis": [
            {
                "kpi_id": "1",
                "issue": "ประเด็น",
                "name": f"ตัวชี้วัดแบบ {kind}",
                "unit": unit,
                "kpi_type": "เชิงปริมาณ",
                "kind": kind,
                "weight": "100",
                **{f"level_{n}": t for n, t in enumerate(CRITERIA[kind], 1)},
            }
        ],
        "steps": [
            {"kpi_id": "1", "step": str(n), "description": f"ขั้นตอน {n}"} for n in range(1, 6)
        ],
        "survey_items": [],
        "items": [
            {"kpi_id": "1", "item_no": str(n), "item": f"รายการ {n}", "weight": w}
            for n, w in ((1, "20"), (2, "30"), (3, "50"))
        ],
    }


@dataclass
class Case:
    """What a division typed into one workbook: supporting inputs by key, and the result."""

    data: dict[str, Any] = field(default_factory=dict)
    result: Any = None


def _excel_cell(value: Any) -> tuple[Any, str]:
    """A typed value as Excel holds it: (cell value, number format)."""
    if isinstance(value, Percent):
        return value.number, "P2"
    if isinstance(value, Formula):
        return _excel_cell(value.cached)[0], "G"
    if isinstance(value, Error):
        return ExcelError(value.code), "G"
    if isinstance(value, dt.datetime):
        return serial(value.date()) + (value.hour * 60 + value.minute) / 1440, "D1"
    if isinstance(value, dt.date):
        return serial(value), "D1"
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value), "G"
    return value, "G"


def excel_value_and_level(kind_name: str, case: Case) -> tuple[Any, Any]:
    """The value cell and the level cell as Excel computes them, from the kind's formulas
    (and the helper cells the template writes beside the inputs)."""
    kind = K.KINDS[kind_name]
    kpi = parse_definitions(division(kind_name)).kpis[0]
    keys = [f.key for f in kind.fields(kpi, FY)]
    expects = {f.key: f.expect for f in kind.fields(kpi, FY)}
    cells: dict[str, Any] = {}
    formats: dict[str, str] = {}
    formulas: dict[str, str] = {}
    for n, key in enumerate(keys, 1):
        cells[f"D{n}"], formats[f"D{n}"] = _excel_cell(case.data.get(key))
        cells[f"F{n}"] = next((f.weight for f in kind.fields(kpi, FY) if f.key == key), None)
        if expects[key] == "percent":
            formulas[f"E{n}"] = f'IF(ISNUMBER(D{n}),{K.excel_percent(f"D{n}")},"")'
        elif expects[key] == "date":
            month_end = _month_end(int(key.split(":")[1]))
            formulas[f"E{n}"] = K.excel_usable_date(f"D{n}", FY, month_end)
    last = len(keys)
    refs = K.ExcelRefs(
        inputs={key: f"D{n}" for n, key in enumerate(keys, 1)},
        span=f"D1:D{last}" if keys else "",
        helpers=f"E1:E{last}" if keys else "",
        weights=f"F1:F{last}" if keys else "",
    )
    computed = ""
    if kind.excel_computed is not None:
        formulas["G1"] = kind.excel_computed(refs)
        computed = "G1"
    if kind.result == "formula":
        formulas["J1"] = 'IF(ISNUMBER(G1),G1,"")'
    else:
        cells["J1"], formats["J1"] = _excel_cell(case.result)
    formulas["V1"] = K.excel_value(
        kind, "J1", computed, refs.span, percent=kpi.percent, fiscal_year_be=FY
    )
    assert kpi.rubric is not None
    formulas["L1"] = kpi.rubric.excel_formula("V1")
    sheet = evaluate_sheet(formulas, cells, formats)
    return sheet["V1"], sheet["L1"]


def kpixl_scores(cases: list[tuple[str, Case]]) -> list[dict[str, Any]]:
    """kpixl's value, level, status and finding codes of each (kind, case): one workbook
    each, all evaluated at once."""
    templates = {kind: Book(division(kind)) for kind in dict.fromkeys(k for k, _ in cases)}
    books = []
    for n, (kind, case) in enumerate(cases):
        book = templates[kind].copy(f"{n}.xlsx")
        for key, value in case.data.items():
            book.data("1", key, value)
        if K.KINDS[kind].result != "formula":
            book.form("1", case.result)
        books.append(book.workbook())
    result = evaluate(books)
    kpis = result.kpis.set_index("source")
    codes = result.findings.groupby("source")["code"].agg(set)
    return [
        {
            "value": kpis.loc[f"{n}.xlsx", "value"],
            "level": kpis.loc[f"{n}.xlsx", "level"],
            "status": kpis.loc[f"{n}.xlsx", "status"],
            "codes": codes.get(f"{n}.xlsx", set()),
        }
        for n in range(len(cases))
    ]


# Findings that tell a division, on the cell, that kpixl reads a text the workbook's own
# formulas cannot ("85" typed as text, "๕", "17 ธ.ค. 2564", a tick kpixl cannot read).
EXPLAINED = {"value-normalised", "value-unreadable"}


def _typed_text(case: Case) -> bool:
    return any(isinstance(v, str) and v.strip() for v in [*case.data.values(), case.result])


def assert_excel_agrees(cases: list[tuple[str, Case]]) -> None:
    for (kind, case), got in zip(cases, kpixl_scores(cases), strict=True):
        excel_value, excel_level = excel_value_and_level(kind, case)
        where = (kind, case, got, excel_value, excel_level)
        # a date's value is its ordinal in kpixl and its serial in Excel
        offset = EPOCH.toordinal() if kind == "deadline_date" else 0
        same_value = (pd.isna(got["value"]) and excel_value == "") or (
            isinstance(excel_value, float) and excel_value + offset == got["value"]
        )
        if not same_value:
            # never silently: text the workbook cannot compute has its finding on its cell
            assert _typed_text(case) and got["codes"] & EXPLAINED, where
            continue
        if pd.isna(got["value"]):
            assert excel_level == "", where
        elif got["status"] == "out_of_range":
            # Excel still shows a level; kpixl says, on the cell, why it gives none
            assert "value-out-of-range" in got["codes"], where
        else:
            assert excel_level == float(got["level"]), where


NUMBERS = st.one_of(
    st.none(),
    st.integers(0, 200),
    st.decimals(0, 200, places=2).map(float),
    st.sampled_from(["abc", "n/a", Error("#DIV/0!"), Error("#REF!")]),
    st.integers(0, 200).map(lambda n: Formula("=A1+B1", float(n))),
    # numbers typed as text: kpixl reads them, the workbook cannot (value-normalised says so)
    st.sampled_from(["85", "๑๒", "1,250", "40%"]),
)
SIGNED = st.one_of(NUMBERS, st.integers(-200, -1))
PERCENTS = st.one_of(NUMBERS, st.decimals(0, 1, places=4).map(lambda d: Percent(float(d))))
REPORTED = st.one_of(
    st.none(),
    st.integers(0, 100),
    st.decimals(0, 100, places=3).map(float),
    st.decimals(0, 1, places=4).map(lambda d: Percent(float(d))),  # 85% typed in Excel
    st.just(150),  # outside 0–100
    st.sampled_from(["abc", Error("#N/A")]),
)
TICKS = st.one_of(
    st.none(),
    st.sampled_from([*L.TICKS_DONE, *(t for t in L.TICKS_NOT_DONE if t), True, False, 1, 0]),
    st.sampled_from(["  ✓ ", "DONE", "maybe", "ทำไปครึ่งหนึ่ง"]),
)


def _date_near(day: dt.date) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.integers(-5, 45).map(lambda d: day + dt.timedelta(days=d)),
        # a B.E. year typed into a date cell is read as B.E.
        st.integers(0, 20).map(lambda d: (day + dt.timedelta(days=d)).replace(year=day.year + 543)),
        st.just(dt.date(2019, 1, 15)),  # outside the fiscal year's window
        st.just(Error("#VALUE!")),
        # a time of day does not make a day late
        st.tuples(st.integers(-5, 45), st.integers(0, 23)).map(
            lambda t: dt.datetime.combine(day, dt.time(t[1])) + dt.timedelta(days=t[0])
        ),
        # a date typed as text: kpixl reads it, the workbook cannot (value-normalised)
        st.integers(0, 20).map(lambda d: _thai_text(day + dt.timedelta(days=d))),
    )


def _thai_text(day: dt.date) -> str:
    return f"{day.day}/{day.month}/{day.year + 543}"


def _months() -> st.SearchStrategy[dict[str, Any]]:
    """Twelve monthly reports, mostly all usable (so that the worst month decides), some
    with one month spoilt."""
    keys = [f"month:{m}" for m in K.FISCAL_MONTHS]
    ends = [_month_end(m) for m in K.FISCAL_MONTHS]
    delays = st.lists(st.integers(-3, 40), min_size=12, max_size=12)
    spoilt = st.one_of(st.none(), st.tuples(st.integers(0, 11), _date_near(dt.date(2022, 3, 31))))

    def build(days: list[int], spoil: tuple[int, Any] | None) -> dict[str, Any]:
        months: dict[str, Any] = {
            k: e + dt.timedelta(days=d) for k, e, d in zip(keys, ends, days, strict=True)
        }
        if spoil is not None:
            months[keys[spoil[0]]] = spoil[1]
        return months

    return st.builds(build, delays, spoilt)


def _cases(kind: str) -> st.SearchStrategy[list[tuple[str, Case]]]:
    spec = K.KINDS[kind]
    kpi = parse_definitions(division(kind)).kpis[0]
    fields = spec.fields(kpi, FY)
    values: dict[str, st.SearchStrategy[Any]] = {}
    for item in fields:
        if item.expect == "percent":
            values[item.key] = PERCENTS
        elif item.expect == "tick":
            values[item.key] = TICKS
        else:
            values[item.key] = SIGNED if kind == "growth" else NUMBERS
    if spec.result == "date":
        result = _date_near(dt.date(2021, 12, 1) if kind == "deadline_date" else YEAR_END)
    else:
        result = REPORTED
    given_data = _months() if kind == "deadline_monthly" else st.fixed_dictionaries(values)
    case = st.builds(Case, data=given_data, result=result)
    # a division that gave no supporting data at all (the reported result's fallback)
    blank = st.builds(Case, data=st.just({}), result=result)
    return st.lists(st.one_of(case, blank).map(lambda c: (kind, c)), min_size=2, max_size=4)


COMPARED = (
    "bands", "ratio", "growth", "weighted_items", "milestones", "deadline_monthly",
    "deadline_date", "deadline_after_year_end",
)  # fmt: skip


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.tuples(*(_cases(kind) for kind in COMPARED)))
def test_excel_value_and_level_agree_with_kpixl(cases: tuple[list[tuple[str, Case]], ...]) -> None:
    """Every kind's value cell and level cell, as Excel computes them from the kinds'
    formulas, equal kpixl's value and level; where kpixl gives no level to a value Excel
    scores, kpixl says why on the cell."""
    assert_excel_agrees([pair for kind_cases in cases for pair in kind_cases])


@pytest.mark.parametrize(
    ("kind", "case"),
    [
        # spaces, a pasted no-break space, a tab, a line break: nothing entered, as kpixl
        # reads them — the reported result stands, in the workbook too
        ("ratio", Case({"numerator": " ", "denominator": "\u00a0"}, 77.5)),
        ("growth", Case({"this_year": "\t", "last_year": " \n "}, 12.0)),
        # a pasted zero-width space, joiner or byte-order mark shows nothing
        ("ratio", Case({"numerator": "\u200b", "denominator": "\ufeff \u200d"}, 77.5)),
        ("weighted_items", Case({"item:1": "  ", "item:2": None, "item:3": None}, 3.0)),
        # every step left as spaces is "not reported" (no level), not "no step done"
        ("milestones", Case({f"step:{n}": " " for n in range(1, 6)}, None)),
        # an error value is something entered, never "nothing": no fallback to the result
        ("ratio", Case({"numerator": Error("#REF!", ""), "denominator": " "}, 77.5)),
    ],
)
def test_cells_holding_only_spaces_are_blank_in_excel_as_in_kpixl(kind: str, case: Case) -> None:
    assert_excel_agrees([(kind, case)])


def test_every_kind_with_excel_formulas_is_compared() -> None:
    # the survey's computation is the survey sheet's (the templates' tests); its value cell
    # follows the one rule like every other kind (test_excel_value_follows_the_one_rule)
    assert set(K.KINDS) - set(COMPARED) == {"survey"}


@pytest.mark.parametrize("kind", K.kinds_where(lambda k: k.source == "computed_or_reported"))
@pytest.mark.parametrize(
    ("given", "computed", "reported", "state", "result_state"),
    [
        # (inputs typed, the computed cell, the result cell) → kpixl's computed status
        ((None, None), "", 77.5, "blank", "ok"),  # nothing given: the reported result
        ((None, None), "", None, "blank", "blank"),
        ((None, None), "", "abc", "blank", "invalid"),
        ((40.0, 50.0), 80.004, 77.5, "ok", "ok"),  # the computed value, rounded
        ((40.0, 50.0), 80.004, None, "ok", "blank"),
        ((40.0, None), "", 77.5, "incomplete", "ok"),  # some given: no value, no fallback
        (("abc", 50.0), "", 77.5, "invalid", "ok"),
    ],
)
def test_excel_value_follows_the_one_rule(
    kind: str,
    given: tuple[Any, Any],
    computed: Any,
    reported: Any,
    state: str,
    result_state: str,
) -> None:
    spec = K.KINDS[kind]
    formula = K.excel_value(spec, "J1", "G1", "D1:D2", percent=False, fiscal_year_be=FY)
    cells = {"D1": given[0], "D2": given[1], "G1": computed, "J1": reported}
    excel = evaluate_sheet({"V1": formula}, cells)["V1"]
    frame = pd.DataFrame(
        {
            "kind": [kind],
            "computed_status": [state],
            "computed": [computed if computed != "" else np.nan],
            "reported": [reported if isinstance(reported, float) else np.nan],
            "result_state": [result_state],
        }
    )
    value = choose_values(frame)["value"].iloc[0]
    assert (math.isnan(value) and excel == "") or excel == value, (excel, value)
