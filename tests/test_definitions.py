"""The centre's definitions parsed once into typed objects (issue 7 item 3 and "Typed
definitions"): numbers in Thai digits are numbers, ids are cleaned, and a KPI the centre's
definition cannot score says why, in Thai and English, for the centre to act on."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from kpixl import kinds as K
from kpixl.criteria import CriterionError
from kpixl.definitions import (
    Definitions,
    KpiDef,
    TargetRow,
    build_rubric,
    fiscal_year,
    parse_count,
    parse_definitions,
    parse_kpi,
    parse_number,
    scored_weight_total,
    value_range,
    weight_text,
)
from kpixl.findings import finding
from kpixl.rubric import BandRubric, DeadlineRubric, MilestoneRubric
from kpixl.thai import to_arabic_digits

BANDS = ["ไม่เกิน ๒๐", "มากกว่า ๒๐ ถึง ๔๐", "มากกว่า ๔๐ ถึง ๖๐", "มากกว่า ๖๐ ถึง ๘๐", "มากกว่า ๘๐"]
STEPS = [f"ทำขั้นตอนที่ ๑-{d} ได้ {d} คะแนน" for d in "๑๒๓๔๕"]
NEXT_MONTH = [f"ภายในวันที่ {d} ของเดือนถัดไป" for d in ("๓๐", "๒๕", "๒๐", "๑๕", "๑๐")]
AFTER_YEAR = [f"ภายใน {d} วัน นับแต่วันสิ้นปี" for d in ("๙๐", "๗๕", "๖๐", "๔๕", "๓๐")]
DATES = [f"ภายในวันที่ {d} ธ.ค. ๖๔" for d in ("๓๐", "๒๕", "๒๐", "๑๕", "๑๐")]


def kpi(kpi_id: str, kind: str = "bands", texts: list[str] | None = None, **fields: str) -> dict:
    """One KPI row as the centre writes it (every value text, as in the master)."""
    row = {
        "kpi_id": kpi_id,
        "name": f"ตัวชี้วัด {kpi_id}",
        "unit": "ร้อยละ",
        "kpi_type": "เชิงปริมาณ",
        "kind": kind,
        "weight": "10",
        **{f"level_{n}": text for n, text in enumerate(texts or BANDS, 1)},
    }
    row.update(fields)
    return row


def definitions(*kpis: dict, **extra: Any) -> dict[str, Any]:
    return {
        "organisation": {"org_name": "อบจ.ทดสอบ", "fiscal_year_be": "2565"},
        "division": {"division_code": "FIN", "division_name": "กองคลัง"},
        "kpis": list(kpis),
        "steps": [],
        "survey_items": [],
        "items": [],
        **extra,
    }


def one(row: dict, **extra: Any) -> KpiDef:
    parsed = parse_definitions(definitions(row, **extra))
    assert len(parsed.kpis) == 1
    return parsed.kpis[0]


# --- numbers the centre writes: one parser (issue 7 item 3) -------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("17", 17.0),
        ("๑๗", 17.0),  # the weight that scored 0 before
        ("๘.๕", 8.5),
        ("1,000", 1000.0),
        (" ๒๐ ", 20.0),
        ("ร้อยละ ๑๐", 10.0),
        ("", None),
        ("   ", None),
        ("สิบ", None),
        ("8 5", None),
    ],
)
def test_parse_number(text: str, number: float | None) -> None:
    assert parse_number(text) == number


@pytest.mark.parametrize(
    ("text", "count"), [("2", 2), ("๒", 2), ("2.0", 2), ("2.5", None), ("", None), ("x", None)]
)
def test_parse_count(text: str, count: int | None) -> None:
    assert parse_count(text) == count


@pytest.mark.parametrize(
    ("text", "year"),
    [("2565", 2565), ("๒๕๖๕", 2565), (" 2565 ", 2565), ("", None), ("65", None), ("2022", None)],
)
def test_fiscal_year(text: str, year: int | None) -> None:
    assert fiscal_year(text) == year


def test_thai_digit_weights_quarters_and_rounds_are_numbers() -> None:
    parsed = parse_definitions(
        definitions(
            kpi("1", weight="๑๗"),
            kpi("2.1.1", weight="๒", quarter="๑", group_id="2.1"),
            kpi("2.1.4", weight="๓.๕", quarter="๔", group_id="2.1"),
            kpi("3", kind="survey", weight="๑๐", survey_rounds="๒"),
            organisation={"fiscal_year_be": "๒๕๖๕"},
            survey_items=[{"kpi_id": "3", "aspect_no": "1", "item_no": "1", "item": "ถาม"}],
        )
    )
    assert parsed.fiscal_year_be == 2565
    assert [(k.kpi_id, k.weight, k.quarter) for k in parsed.kpis] == [
        ("1", 17.0, None),
        ("2.1.1", 2.0, 1),
        ("2.1.4", 3.5, 4),
        ("3", 10.0, None),
    ]
    assert parsed.kpis[3].survey_rounds == 2
    assert all(k.problem is None for k in parsed.kpis)
    assert scored_weight_total(parsed.kpis) == 32.5
    assert [weight_text(k.weight) for k in parsed.kpis] == ["17", "2", "3.5", "10"]
    # the text as written stays, for comparing what a workbook's cell holds
    assert parsed.kpis[0].text("weight") == "๑๗"


@pytest.mark.parametrize(
    ("quarter", "expected"), [("", None), ("0", None), ("5", None), ("1.5", None), ("x", None)]
)
def test_a_quarter_outside_1_to_4_is_no_quarter(quarter: str, expected: int | None) -> None:
    assert one(kpi("1", quarter=quarter)).quarter == expected


@pytest.mark.parametrize(("rounds", "expected"), [("", 1), ("0", 1), ("-2", 1), ("x", 1), ("3", 3)])
def test_survey_rounds_default_to_one(rounds: str, expected: int) -> None:
    assert one(kpi("1", survey_rounds=rounds)).survey_rounds == expected


# --- ids ----------------------------------------------------------------------------------


def test_ids_are_cleaned_as_a_cell_reads_them() -> None:
    """Thai digits read as Arabic and spaces trimmed: the id a workbook's cell shows."""
    parsed = parse_definitions(
        definitions(
            kpi(" ๑.๑ "),
            kpi("๒.๑.๑", quarter="1", group_id=" ๒.๑", group_name="การเบิกจ่าย"),
            kpi("\u200b7", kind="milestones", texts=STEPS),
            steps=[{"kpi_id": "๗", "step": "๑", "description": "แต่งตั้งคณะทำงาน"}],
        )
    )
    assert [k.kpi_id for k in parsed.kpis] == ["1.1", "2.1.1", "7"]
    assert parsed.kpis[1].group_id == "2.1"
    assert parsed.kpi("1.1") is parsed.kpis[0]
    assert parsed.kpi(" ๑.๑ ") is None  # look-ups take the cleaned id
    # records of other sheets find their KPI by the cleaned id too
    assert [(s.number, s.description) for s in parsed.kpis[2].steps] == [(1, "แต่งตั้งคณะทำงาน")]


def test_records_of_other_sheets_belong_to_their_kpi() -> None:
    parsed = parse_definitions(
        definitions(
            kpi("3", kind="survey"),
            kpi("4", kind="weighted_items"),
            kpi("5", kind="milestones", texts=STEPS),
            survey_items=[
                {"kpi_id": "3", "aspect_no": "1", "aspect": "ด้านกระบวนการ", "item_no": "1"},
                {"kpi_id": "3", "aspect_no": "2", "aspect": "ด้านเจ้าหน้าที่", "item_no": "1"},
                {"kpi_id": "9", "aspect_no": "1", "aspect": "อื่น", "item_no": "1"},
            ],
            items=[
                {"kpi_id": "4", "item_no": "1", "item": "ความถูกต้อง", "weight": "๒๐"},
                {"kpi_id": "4", "item_no": "2", "item": "ความครบถ้วน", "weight": "80"},
            ],
            steps=[
                {"kpi_id": "5", "step": "๒", "description": "ประชุม"},
                {"kpi_id": "5", "step": "x", "description": "ไม่มีลำดับ"},
            ],
        )
    )
    survey, items, steps = parsed.kpis
    assert [(i.aspect_no, i.aspect) for i in survey.survey_items] == [
        ("1", "ด้านกระบวนการ"),
        ("2", "ด้านเจ้าหน้าที่"),
    ]
    assert [(i.item_no, i.weight) for i in items.items] == [("1", 20.0), ("2", 80.0)]
    assert [s.number for s in steps.steps] == [2]  # a step without a number is left out
    assert survey.problem is items.problem is steps.problem is None


# --- rubrics, ranges, kinds -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "texts", "rubric_type"),
    [
        ("bands", BANDS, BandRubric),
        ("ratio", BANDS, BandRubric),
        ("growth", BANDS, BandRubric),
        ("survey", BANDS, BandRubric),
        ("weighted_items", BANDS, BandRubric),
        ("milestones", STEPS, MilestoneRubric),
        ("deadline_date", DATES, DeadlineRubric),
        ("deadline_monthly", NEXT_MONTH, DeadlineRubric),
        ("deadline_after_year_end", AFTER_YEAR, DeadlineRubric),
    ],
)
def test_every_kind_builds_its_rubric(kind: str, texts: list[str], rubric_type: type) -> None:
    assert kind in K.KINDS
    row = kpi("1", kind=kind, texts=texts)
    rubric = build_rubric(row)
    assert isinstance(rubric, rubric_type)
    if isinstance(rubric, DeadlineRubric):
        assert rubric.deadline_kind == K.KINDS[kind].deadline


def test_every_registered_kind_is_covered_above() -> None:
    covered = {
        "bands", "ratio", "growth", "survey", "weighted_items", "milestones", "deadline_date",
        "deadline_monthly", "deadline_after_year_end",
    }  # fmt: skip
    assert set(K.KINDS) == covered


@pytest.mark.parametrize(
    ("kind", "texts"),
    [
        ("milestones", BANDS),
        ("bands", STEPS),
        ("deadline_monthly", AFTER_YEAR),  # a deadline, of another deadline kind
        ("deadline_date", NEXT_MONTH),
    ],
)
def test_criteria_of_another_kind_do_not_fit(kind: str, texts: list[str]) -> None:
    with pytest.raises(CriterionError) as info:
        build_rubric(kpi("1", kind=kind, texts=texts))
    assert info.value.kind_mismatch
    assert re.search("[\u0e00-\u0e7f]", info.value.reason_th)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"unit": "ร้อยละ"}, (0.0, 100.0)),
        ({"unit": "บ่อ"}, (0.0, None)),
        ({"unit": ""}, None),  # the rubric infers it from its words
        ({"unit": "ร้อยละ", "kind": "growth"}, (None, None)),  # growth may fall or pass 100
        ({"unit": "ร้อยละ", "min_value": "๑", "max_value": "๕"}, (1.0, 5.0)),
        ({"unit": "คะแนน", "max_value": "100"}, (None, 100.0)),
    ],
)
def test_value_range(fields: dict[str, str], expected: tuple | None) -> None:
    assert value_range(fields) == expected


@pytest.mark.parametrize(
    ("fields", "percent"),
    [
        ({"unit": "ร้อยละ"}, True),
        ({"unit": "บ่อ"}, False),
        ({"unit": "ร้อยละ", "kind": "growth"}, False),  # a growth of 0.85 % is 0.85
        ({"unit": "", "max_value": "100"}, True),
        ({"unit": "", "min_value": "1", "max_value": "5"}, False),
    ],
)
def test_percent_kpis(fields: dict[str, str], percent: bool) -> None:
    """Issue 7 item 2: a percent KPI reads a cell typed as 85% (0.85) as 85."""
    row = kpi("1", **fields)
    assert one(row).percent is percent


# --- what the centre's definition cannot score (issue 7 item 11) -----------------------------

PROBLEMS: list[tuple[str, dict, dict[str, Any], str, str]] = [
    # (case, KPI fields, other sheets, Thai words, English words)
    (
        "unreadable criterion",
        kpi("4", texts=[*BANDS[:3], "ดีมาก", BANDS[4]]),
        {},
        "อ่านเกณฑ์ระดับ 4 “ดีมาก” ไม่ได้ (ไม่รู้จักคำว่า “ดีมาก”)",
        "the level 4 criterion “ดีมาก” cannot be read (unknown words “ดีมาก”)",
    ),
    (
        "empty criterion",
        kpi("5", texts=[*BANDS[:4], ""]),
        {},
        "ไม่มีเกณฑ์ระดับ 5",
        "the level 5 criterion is empty",
    ),
    (
        "no criteria at all",
        kpi("5", texts=["", "", "", "", ""]),
        {},
        "ไม่มีเกณฑ์ระดับ 1",
        "the level 1 criterion is empty",
    ),
    (
        "criteria of another kind",
        kpi("9", kind="milestones"),
        {},
        "ไม่ใช่เกณฑ์แบบระดับขั้นของความสำเร็จ",
        "not a milestones criterion",
    ),
    (
        "unknown kind",
        kpi("6", kind="scorecard"),
        {},
        "ชนิดเกณฑ์ “scorecard” ไม่มีในระบบ",
        "the rubric kind “scorecard” is unknown",
    ),
    ("no weight", kpi("7", weight=""), {}, "ไม่มีค่าน้ำหนักที่เป็นตัวเลข", "no weight that is a number"),
    (
        "a weight that is no number",
        kpi("7", weight="สิบ"),
        {},
        "ไม่มีค่าน้ำหนักที่เป็นตัวเลข",
        "no weight that is a number",
    ),
    (
        "survey without items",
        kpi("8", kind="survey"),
        {"survey_items": [{"kpi_id": "other", "aspect_no": "1", "item_no": "1"}]},
        "ไม่มีข้อคำถามของแบบสำรวจ",
        "its survey has no questions",
    ),
    (
        "weighted items without items",
        kpi("10", kind="weighted_items"),
        {},
        "ไม่มีรายการย่อยหรือค่าน้ำหนักของรายการย่อย",
        "its sub-items or their weights are missing",
    ),
    (
        "weighted items without a weight",
        kpi("10", kind="weighted_items"),
        {
            "items": [
                {"kpi_id": "10", "item_no": "1", "item": "ก", "weight": "50"},
                {"kpi_id": "10", "item_no": "2", "item": "ข", "weight": "ครึ่งหนึ่ง"},
            ]
        },
        "ไม่มีรายการย่อยหรือค่าน้ำหนักของรายการย่อย",
        "its sub-items or their weights are missing",
    ),
]


@pytest.mark.parametrize(
    ("row", "extra", "th", "en"), [p[1:] for p in PROBLEMS], ids=[p[0] for p in PROBLEMS]
)
def test_problems_say_why_in_thai_and_english(
    row: dict, extra: dict[str, Any], th: str, en: str
) -> None:
    parsed = one(row, **extra)
    assert parsed.problem is not None
    assert th in parsed.problem.th
    assert en in parsed.problem.en
    # Thai for the clerk, English only around quoted text
    assert re.search("[\u0e00-\u0e7f]", parsed.problem.th)
    assert not re.search("[A-Za-z]", re.sub("“[^”]*”", "", parsed.problem.th))
    assert not re.search("[\u0e00-\u0e7f]", re.sub("“[^”]*”", "", parsed.problem.en))
    # the division's finding names the problem and says the centre acts
    record = finding("kpi-unscorable", problem=parsed.problem.th, problem_en=parsed.problem.en)
    # (a criterion it quotes in Thai digits is quoted with the message's Arabic ones)
    assert to_arabic_digits(parsed.problem.th) in record["message_th"]
    assert to_arabic_digits(parsed.problem.en) in record["message_en"]
    assert record["actor"] == "centre"


def test_a_criterion_that_cannot_be_read_leaves_no_rubric() -> None:
    parsed = one(kpi("4", texts=[*BANDS[:3], "ดีมาก", BANDS[4]]))
    assert parsed.rubric is None
    assert parsed.weight == 10.0  # the rest is still read


def test_a_problem_without_a_rubric_flaw_keeps_its_rubric() -> None:
    parsed = one(kpi("7", weight=""))
    assert isinstance(parsed.rubric, BandRubric)
    assert parsed.weight is None


def test_missing_step_descriptions_are_no_problem_here() -> None:
    """The ticks still count; the master check reports the missing descriptions."""
    parsed = one(kpi("9", kind="milestones", texts=STEPS))
    assert parsed.problem is None
    assert parsed.steps == ()


def test_a_target_sheet_only_kpi_is_not_scored_and_has_no_problem() -> None:
    parsed = parse_definitions(definitions(kpi("1"), kpi("2", kind="")))
    target_only = parsed.kpis[1]
    assert not target_only.scored
    assert target_only.problem is None
    assert target_only.rubric is None
    assert [k.kpi_id for k in parsed.scored] == ["1"]
    with pytest.raises(KeyError):
        _ = target_only.spec
    assert parsed.kpis[0].spec is K.KINDS["bands"]


# --- the whole division ---------------------------------------------------------------------


def test_definitions_of_a_division() -> None:
    raw = definitions(kpi("1.1"), kpi("1.2", weight="90"))
    parsed = parse_definitions(raw)
    assert isinstance(parsed, Definitions)
    assert parsed.raw is raw
    assert (parsed.division_code, parsed.division_name, parsed.fiscal_year_be) == (
        "FIN",
        "กองคลัง",
        2565,
    )
    assert parsed.organisation["org_name"] == "อบจ.ทดสอบ"
    first = parsed.kpis[0]
    assert (first.name, first.unit, first.texts) == ("ตัวชี้วัด 1.1", "ร้อยละ", tuple(BANDS))
    assert first.text("no_such_column") == ""
    assert scored_weight_total(parsed.kpis) == 100.0


def test_target_rows_collapse_the_quarter_rows_of_a_kpi() -> None:
    parsed = parse_definitions(
        definitions(
            kpi("1", unit="บ่อ", kpi_type="เชิงปริมาณ", aggregate="sum"),
            *(
                kpi(
                    f"2.1.{q}",
                    quarter=str(q),
                    group_id="2.1",
                    group_name="ร้อยละการเบิกจ่ายงบลงทุน" if q == 1 else "",
                    name=f"ไตรมาส {q}",
                    aggregate="last",
                )
                for q in (1, 2, 3, 4)
            ),
            kpi("3", kind="", name="ตัวชี้วัดของแผนเป้าหมายเท่านั้น"),
            kpi("4", group_id="4", quarter="1", name="ไม่มีชื่อกลุ่ม"),
        )
    )
    assert parsed.target_rows() == [
        TargetRow("1", "ตัวชี้วัด 1", "บ่อ", "เชิงปริมาณ", "sum"),
        TargetRow("2.1", "ร้อยละการเบิกจ่ายงบลงทุน", "ร้อยละ", "เชิงปริมาณ", "last"),
        TargetRow("3", "ตัวชี้วัดของแผนเป้าหมายเท่านั้น", "ร้อยละ", "เชิงปริมาณ", "none"),
        TargetRow("4", "ไม่มีชื่อกลุ่ม", "ร้อยละ", "เชิงปริมาณ", "none"),
    ]
    assert len(parsed.scored) == 6  # the quarter rows are scored rows of their own


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"kpis": None, "organisation": None, "division": None},
        {"kpis": ["not a row", 5, None], "steps": None},
        {"kpis": [{"kpi_id": None, "kind": None, "weight": None}]},
        {"kpis": [{"kpi_id": 1.0, "kind": "bands", "weight": 17, "level_1": 20}]},
        {"organisation": {"fiscal_year_be": None}, "division": {"division_code": None}},
    ],
)
def test_odd_content_never_raises(raw: dict[str, Any]) -> None:
    parsed = parse_definitions(raw)
    assert parsed.fiscal_year_be is None
    for item in parsed.kpis:
        assert item.kind == "" or item.problem is not None or item.rubric is not None


def test_parsing_does_not_change_the_raw_definitions() -> None:
    raw = definitions(kpi(" ๑ ", weight="๑๗"), kpi("2", kind="survey"))
    before = copy.deepcopy(raw)
    parse_definitions(raw)
    assert raw == before


def test_parse_kpi_alone() -> None:
    parsed = parse_kpi(kpi("1", weight="๕๐"))
    assert (parsed.kpi_id, parsed.weight, parsed.problem) == ("1", 50.0, None)
    assert isinstance(parsed.rubric, BandRubric)
