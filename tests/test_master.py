"""The centre's definitions: check_master on small inline masters and on the bundled ones.

Cells are written out by hand from the sheet layouts (``kpixl.master`` column order), so a
finding pointing at the wrong column or row fails here. On the ``ตัวชี้วัด`` sheet of the
inline masters (:func:`make`, the columns in spec order):

    A division_code  B kpi_id  C group_id  D group_name  E quarter  F issue  G name
    H detail_name  I unit  J kpi_type  K kind  L–P level_1…5  Q–U detail_level_1…5
    V weight  W weight_assumed  X aggregate  Y numerator_label  Z denominator_label
    AA survey_rounds  AB min_value  AC max_value  AD source_lines  AE notes

The bundled masters are laid out as ``write_master`` writes them: the helper column "what
the chosen kind means" follows ``kind`` (L), so there level_1…5 are M–Q, detail_level_1…5
R–V.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kpixl.checks.master import check_master
from kpixl.criteria import describe_values
from kpixl.definitions import value_range
from kpixl.findings import FINDING_COLUMNS
from kpixl.master import (
    DIVISIONS,
    ITEMS,
    KPIS,
    ORGANISATION,
    SHEETS,
    STEPS,
    SURVEY_ITEMS,
    SURVEY_SCALE,
    Master,
    division_definitions,
    fingerprint,
    master_from_csv,
    table_frame,
)
from kpixl.thai import to_arabic_digits

ROOT = Path(__file__).resolve().parents[1]
NAKHONSAWAN = ROOT / "sample_workbooks" / "source" / "nakhonsawan_2565"
KRABI = ROOT / "sample_workbooks" / "source" / "krabi_2564"

KPI_SHEET = "ตัวชี้วัด"
ORG_SHEET = "องค์กร"
DIV_SHEET = "กอง"
STEP_SHEET = "ขั้นตอน"
SURVEY_SHEET = "แบบสำรวจ"
SCALE_SHEET = "เกณฑ์แปลผลสำรวจ"
ITEM_SHEET = "รายการย่อย"

BANDS = [
    "ไม่ถึงร้อยละ ๖๐",
    "ตั้งแต่ร้อยละ ๖๐ แต่ไม่ถึงร้อยละ ๗๐",
    "ตั้งแต่ร้อยละ ๗๐ แต่ไม่ถึงร้อยละ ๘๐",
    "ตั้งแต่ร้อยละ ๘๐ แต่ไม่ถึงร้อยละ ๙๐",
    "ตั้งแต่ร้อยละ ๙๐ ถึงร้อยละ ๑๐๐",
]
MILESTONES = [f"ทำขั้นตอนที่ ๑-{'๑๒๓๔๕'[n - 1]} ได้ {'๑๒๓๔๕'[n - 1]} คะแนน" for n in range(1, 6)]
DEADLINE_DATES = [f"ภายในวันที่ {day} ธันวาคม ๒๕๖๔" for day in ("๓๐", "๒๕", "๒๐", "๑๕", "๑๐")]
DEADLINE_MONTHLY = [f"ภายในวันที่ {day} ของเดือนถัดไป" for day in ("๓๐", "๒๕", "๒๐", "๑๕", "๑๐")]
# A Likert table without holes, score 5 first as the seed writes it: five bands that cover
# a mean of 1–5 exactly once.
LIKERT_CLEAN = [
    "ตั้งแต่ ๔.๒ ขึ้นไป",
    "ตั้งแต่ ๓.๔ แต่ไม่ถึง ๔.๒",
    "ตั้งแต่ ๒.๖ แต่ไม่ถึง ๓.๔",
    "ตั้งแต่ ๑.๘ แต่ไม่ถึง ๒.๖",
    "ไม่ถึง ๑.๘",
]
# The seed's table (COM, WEL 4–5, HLT 7): score 5 first, as the seed writes it.
LIKERT_SEED = ["๔.๕๑-๕.๐๐", "๔.๐๑-๔.๕๐", "๓.๐๑-๓.๕๐", "๒.๐๑-๒.๕๐", "๑.๐๑-๑.๕๐"]


def words(notation: str) -> str:
    """The English words a message uses for the values of an interval such as ``(3, 4]``."""
    lo_text, hi_text = notation[1:-1].split(", ")
    lo = None if lo_text == "-∞" else float(lo_text)
    hi = None if hi_text == "∞" else float(hi_text)
    return describe_values(lo, notation[0] == "[", hi, notation[-1] == "]")[1]


def levels(texts: list[str], prefix: str = "level_") -> dict[str, str]:
    return {f"{prefix}{n}": text for n, text in enumerate(texts, 1)}


def kpi(**fields: Any) -> dict[str, Any]:
    """A well-formed bands KPI of division D1, weight 100, changed by ``fields``."""
    return {
        "division_code": "D1",
        "kpi_id": "1",
        "issue": "ประเด็น",
        "name": "ร้อยละของงานที่แล้วเสร็จ",
        "unit": "ร้อยละ",
        "kpi_type": "เชิงปริมาณ",
        "kind": "bands",
        **levels(BANDS),
        "weight": "100",
        "aggregate": "none",
        **fields,
    }


def make(
    kpis: list[dict[str, Any]] | None = None,
    *,
    organisation: dict[str, str] | None = None,
    divisions: list[dict[str, Any]] | None = None,
    steps: list[dict[str, Any]] | None = None,
    survey_items: list[dict[str, Any]] | None = None,
    survey_scale: list[dict[str, Any]] | None = None,
    items: list[dict[str, Any]] | None = None,
) -> Master:
    """A master laid out as write_master lays it out (data from row 2, columns in order)."""
    tables = {
        "divisions": divisions
        if divisions is not None
        else [{"division_code": "D1", "division_name": "กองหนึ่ง"}],
        "kpis": kpis if kpis is not None else [kpi()],
        "steps": steps or [],
        "survey_items": survey_items or [],
        "survey_scale": survey_scale or [],
        "items": items or [],
    }
    specs = {"divisions": DIVISIONS, "kpis": KPIS, "steps": STEPS}
    specs |= {"survey_items": SURVEY_ITEMS, "survey_scale": SURVEY_SCALE, "items": ITEMS}
    frames = {key: table_frame(specs[key], rows) for key, rows in tables.items()}
    columns = {spec.key: {k: n for n, k in enumerate(spec.keys, 1)} for spec in SHEETS[1:]}
    org = (
        organisation
        if organisation is not None
        else {"org_name": "อบจ.ทดสอบ", "fiscal_year_be": "2565"}
    )
    rows = {c.key: n for n, c in enumerate(ORGANISATION.columns, 1)}
    return Master(dict(org), frames, columns, "test", rows)


def found(master: Master) -> set[tuple[str, str, str]]:
    findings = check_master(master)
    return set(zip(findings["code"], findings["sheet"], findings["cell"], strict=True))


def steps_of(kpi_id: str, count: int = 5, division: str = "D1") -> list[dict[str, str]]:
    return [
        {"division_code": division, "kpi_id": kpi_id, "step": str(n), "description": f"ขั้น {n}"}
        for n in range(1, count + 1)
    ]


def scale_of(kpi_id: str, ranges: list[str], division: str = "D1") -> list[dict[str, str]]:
    """Likert rows, score 5 first (row 2) down to score 1 (row 6)."""
    return [
        {"division_code": division, "kpi_id": kpi_id, "score": str(5 - i), "range": text}
        for i, text in enumerate(ranges)
    ]


SURVEY_ITEM = {
    "division_code": "D1",
    "kpi_id": "1",
    "aspect_no": "1",
    "aspect": "ด้านกระบวนการ",
    "item_no": "1",
    "item": "ขั้นตอนไม่ยุ่งยาก",
}


# --- a clean master -----------------------------------------------------------------------


def test_a_well_formed_master_of_every_kind_has_no_findings() -> None:
    master = make(
        [
            kpi(kpi_id="1", weight="20"),
            kpi(kpi_id="2", kind="milestones", unit="ระดับ", weight="20", **levels(MILESTONES)),
            kpi(kpi_id="3", kind="survey", weight="20", survey_rounds="2"),
            kpi(kpi_id="4", kind="weighted_items", weight="10"),
            kpi(kpi_id="5", kind="deadline_date", unit="วัน", weight="10", **levels(DEADLINE_DATES)),
            kpi(
                kpi_id="6",
                kind="deadline_monthly",
                unit="วัน",
                weight="10",
                **levels(DEADLINE_MONTHLY),
            ),
            kpi(
                kpi_id="7",
                kind="growth",
                weight="10",
                min_value="-100",
                level_5="ตั้งแต่ร้อยละ ๙๐ ขึ้นไป",
            ),
            # A target-sheet-only KPI: no kind, so no criteria and no weight.
            {"division_code": "D1", "kpi_id": "8", "name": "จำนวนผู้รับบริการ", "unit": "คน"},
        ],
        steps=steps_of("2"),
        survey_items=[{**SURVEY_ITEM, "kpi_id": "3"}],
        survey_scale=scale_of("3", LIKERT_CLEAN),
        items=[
            {"division_code": "D1", "kpi_id": "4", "item_no": "1", "item": "ก", "weight": "50"},
            {"division_code": "D1", "kpi_id": "4", "item_no": "2", "item": "ข", "weight": "50"},
        ],
    )
    findings = check_master(master)
    assert list(findings.columns) == FINDING_COLUMNS
    assert findings.empty, findings[["code", "cell", "message_en"]].to_string()


def test_a_lower_is_better_rubric_in_days_is_clean() -> None:
    days = [
        "มากกว่า ๒๐ วัน",
        "มากกว่า ๑๕ วัน แต่ไม่เกิน ๒๐ วัน",
        "มากกว่า ๑๐ วัน แต่ไม่เกิน ๑๕ วัน",
        "มากกว่า ๕ วัน แต่ไม่เกิน ๑๐ วัน",
        "ไม่เกิน ๕ วัน",
    ]
    assert found(make([kpi(unit="วัน", **levels(days))])) == set()


# --- master-field-missing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("master", "expected"),
    [
        pytest.param(
            make(organisation={"fiscal_year_be": "2565"}),
            {("master-field-missing", ORG_SHEET, "B1")},
            id="org-name",
        ),
        pytest.param(
            make(organisation={"org_name": "อบจ.ทดสอบ", "fiscal_year_be": ""}),
            {("master-field-missing", ORG_SHEET, "B2")},
            id="fiscal-year",
        ),
        pytest.param(
            make(divisions=[{"division_code": "D1", "division_name": ""}]),
            {("master-field-missing", DIV_SHEET, "B2")},
            id="division-name",
        ),
        pytest.param(
            make([kpi(kpi_id="1", weight="50"), kpi(kpi_id="2", weight="50", name="")]),
            {("master-field-missing", KPI_SHEET, "G3")},
            id="kpi-name",
        ),
        pytest.param(
            make([kpi(unit="")]),
            {("master-field-missing", KPI_SHEET, "I2")},
            id="kpi-unit",
        ),
        pytest.param(
            # The blank weight is reported once as missing; its division then sums to 0.
            make([kpi(weight="")]),
            {("master-field-missing", KPI_SHEET, "V2"), ("weights-not-100", KPI_SHEET, "V2")},
            id="scored-kpi-weight",
        ),
        pytest.param(
            # A blank criterion is missing, and the rubric is not linted at all.
            make([kpi(level_3="", level_5="")]),
            {("master-field-missing", KPI_SHEET, "N2"), ("master-field-missing", KPI_SHEET, "P2")},
            id="scored-kpi-criteria",
        ),
        pytest.param(
            make(
                [
                    kpi(kind="", weight="", **levels([""] * 5)),
                    kpi(kpi_id="2", weight="100"),
                ]
            ),
            set(),
            id="kpi-without-kind-needs-neither",
        ),
        pytest.param(
            make([kpi(quarter="1", group_id="")]),
            {("master-field-missing", KPI_SHEET, "C2")},
            id="quarter-row-without-group",
        ),
        pytest.param(
            make(
                [kpi(kind="milestones", unit="ระดับ", **levels(MILESTONES))],
                steps=[*steps_of("1", 4), {**steps_of("1")[4], "description": ""}],
            ),
            {
                ("master-field-missing", STEP_SHEET, "D6"),
                ("rubric-steps-missing", KPI_SHEET, "K2"),
            },
            id="step-description",
        ),
        pytest.param(
            make(
                [kpi(kind="weighted_items")],
                items=[{"division_code": "D1", "kpi_id": "1", "item_no": "1", "item": "ก"}],
            ),
            {
                ("master-field-missing", ITEM_SHEET, "E2"),
                ("weighted-items-missing", KPI_SHEET, "K2"),
            },
            id="item-weight",
        ),
    ],
)
def test_missing_fields(master: Master, expected: set[tuple[str, str, str]]) -> None:
    assert found(master) == expected


def test_missing_field_message_names_the_field_in_thai() -> None:
    findings = check_master(make([kpi(weight="")]))
    missing = findings[findings["code"] == "master-field-missing"].iloc[0]
    assert missing["kpi_id"] == "1"
    assert "ค่าน้ำหนัก (ข)" in missing["message_th"]
    assert missing["severity"] == "error"


# --- master-bad-value ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("master", "expected"),
    [
        pytest.param(make([kpi(kind="Bands")]), {("master-bad-value", KPI_SHEET, "K2")}, id="kind"),
        pytest.param(
            make([kpi(aggregate="total")]), {("master-bad-value", KPI_SHEET, "X2")}, id="aggregate"
        ),
        pytest.param(
            make([kpi(kpi_type="ปริมาณ")]), {("master-bad-value", KPI_SHEET, "J2")}, id="kpi-type"
        ),
        pytest.param(
            make([kpi(group_id="1", quarter="5")]),
            # Quarter "5" is no quarter: the group has none of 1–4 either.
            {("master-bad-value", KPI_SHEET, "E2"), ("rubric-quarters-missing", KPI_SHEET, "E2")},
            id="quarter",
        ),
        pytest.param(
            make([kpi(weight="สิบ")]),
            {("master-bad-value", KPI_SHEET, "V2"), ("weights-not-100", KPI_SHEET, "V2")},
            id="weight",
        ),
        pytest.param(
            make([kpi(survey_rounds="0")]),
            {("master-bad-value", KPI_SHEET, "AA2")},
            id="survey-rounds-zero",
        ),
        pytest.param(
            make([kpi(survey_rounds="1.5")]),
            {("master-bad-value", KPI_SHEET, "AA2")},
            id="survey-rounds-fraction",
        ),
        pytest.param(
            make([kpi(min_value="ศูนย์")]), {("master-bad-value", KPI_SHEET, "AB2")}, id="min"
        ),
        pytest.param(
            make([kpi(max_value="ร้อย")]), {("master-bad-value", KPI_SHEET, "AC2")}, id="max"
        ),
        pytest.param(
            make(organisation={"org_name": "อบจ.ทดสอบ", "fiscal_year_be": "2022"}),
            {("master-bad-value", ORG_SHEET, "B2")},
            id="fiscal-year-ce",
        ),
        pytest.param(
            make(organisation={"org_name": "อบจ.ทดสอบ", "fiscal_year_be": "๒๕๖๕.๕"}),
            {("master-bad-value", ORG_SHEET, "B2")},
            id="fiscal-year-fraction",
        ),
        pytest.param(
            make(organisation={"org_name": "อบจ.ทดสอบ", "fiscal_year_be": "ปีนี้"}),
            {("master-bad-value", ORG_SHEET, "B2")},
            id="fiscal-year-text",
        ),
        pytest.param(
            make(
                [kpi(kind="milestones", unit="ระดับ", **levels(MILESTONES))],
                steps=[*steps_of("1")[1:], {**steps_of("1")[0], "step": "หนึ่ง"}],
            ),
            # Row 6 holds step "หนึ่ง": not a number, so step 1 has no description.
            {("master-bad-value", STEP_SHEET, "C6"), ("rubric-steps-missing", KPI_SHEET, "K2")},
            id="step-number",
        ),
        pytest.param(
            make(
                [kpi(kind="weighted_items")],
                items=[
                    {
                        "division_code": "D1",
                        "kpi_id": "1",
                        "item_no": "1",
                        "item": "ก",
                        "weight": "x",
                    }
                ],
            ),
            {("master-bad-value", ITEM_SHEET, "E2"), ("weighted-items-missing", KPI_SHEET, "K2")},
            id="item-weight",
        ),
        pytest.param(
            make(
                [kpi(kind="survey")],
                survey_items=[SURVEY_ITEM],
                survey_scale=[
                    *scale_of("1", LIKERT_CLEAN)[:4],
                    {**scale_of("1", LIKERT_CLEAN)[4], "score": "หนึ่ง"},
                ],
            ),
            {("master-bad-value", SCALE_SHEET, "C6")},
            id="scale-score",
        ),
    ],
)
def test_bad_values(master: Master, expected: set[tuple[str, str, str]]) -> None:
    assert found(master) == expected


@pytest.mark.parametrize(
    "fiscal_year", ["2565", "๒๕๖๕", "2400", "2700"], ids=["arabic", "thai", "low", "high"]
)
def test_a_be_fiscal_year_is_accepted(fiscal_year: str) -> None:
    master = make(organisation={"org_name": "อบจ.ทดสอบ", "fiscal_year_be": fiscal_year})
    assert found(master) == set()


def test_bad_value_message_says_what_is_allowed() -> None:
    findings = check_master(make([kpi(aggregate="total")]))
    bad = findings.iloc[0]
    assert bad["value"] == "total"
    assert "“sum”, “last” หรือ “none”" in bad["message_th"]
    assert "one of sum, last, none" in bad["message_en"]
    # each language on its own: no English reason inside the Thai message, and back
    assert "one of" not in bad["message_th"] and "หรือ" not in bad["message_en"]


# --- ids and references --------------------------------------------------------------------


def test_duplicate_division_code_is_reported_at_the_second_row() -> None:
    master = make(
        divisions=[
            {"division_code": "D1", "division_name": "กองหนึ่ง"},
            {"division_code": "D1", "division_name": "กองซ้ำ"},
        ]
    )
    assert found(master) == {("master-duplicate-id", DIV_SHEET, "A3")}


def test_duplicate_kpi_id_within_a_division_but_not_across_divisions() -> None:
    master = make(
        [
            kpi(kpi_id="1", weight="50"),
            kpi(kpi_id="1", weight="50"),
            kpi(division_code="D2", kpi_id="1"),
        ],
        divisions=[
            {"division_code": "D1", "division_name": "กองหนึ่ง"},
            {"division_code": "D2", "division_name": "กองสอง"},
        ],
    )
    assert found(master) == {("master-duplicate-id", KPI_SHEET, "B3")}


def test_rows_of_a_division_not_on_the_divisions_sheet() -> None:
    master = make(
        [kpi(), kpi(division_code="XX")],
        steps=steps_of("1", 1, division="XX"),
        survey_items=[{**SURVEY_ITEM, "division_code": "XX"}],
        survey_scale=scale_of("1", LIKERT_CLEAN, division="XX"),
        items=[{"division_code": "XX", "kpi_id": "1", "item_no": "1", "item": "ก", "weight": "1"}],
    )
    unknown = {
        ("master-unknown-division", KPI_SHEET, "A3"),
        ("master-unknown-division", STEP_SHEET, "A2"),
        ("master-unknown-division", SURVEY_SHEET, "A2"),
        *(("master-unknown-division", SCALE_SHEET, f"A{row}") for row in range(2, 7)),
        ("master-unknown-division", ITEM_SHEET, "A2"),
    }
    assert found(master) == unknown


def test_steps_items_and_survey_rows_of_an_unknown_kpi() -> None:
    master = make(
        [kpi()],
        steps=steps_of("9", 1),
        survey_items=[{**SURVEY_ITEM, "kpi_id": "9"}],
        survey_scale=scale_of("9", LIKERT_CLEAN),
        items=[{"division_code": "D1", "kpi_id": "9", "item_no": "1", "item": "ก", "weight": "1"}],
    )
    unknown = {
        ("master-unknown-kpi", STEP_SHEET, "B2"),
        ("master-unknown-kpi", SURVEY_SHEET, "B2"),
        *(("master-unknown-kpi", SCALE_SHEET, f"B{row}") for row in range(2, 7)),
        ("master-unknown-kpi", ITEM_SHEET, "B2"),
    }
    assert found(master) == unknown
    findings = check_master(master)
    assert set(findings["kpi_id"]) == {"9"}
    assert set(findings["value"]) == {"9"}


# --- weights ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        (["40", "50"], "90"),
        (["60", "50"], "110"),
        (["33.3", "33.3", "33.4"], None),
        (["๕๐", "50"], None),
        # off by less than a display's 2 decimals: the message shows every digit
        (["60", "40.0000005"], "100.0000005"),
    ],
    ids=["under", "over", "decimals-add-up", "thai-digits", "just-over"],
)
def test_weights_of_a_division_must_sum_to_100(weights: list[str], expected: str | None) -> None:
    kpis = [kpi(kpi_id=str(n), weight=w) for n, w in enumerate(weights, 1)]
    # A target-sheet-only KPI's weight does not count.
    kpis.append({"division_code": "D1", "kpi_id": "T", "name": "ก", "unit": "คน", "weight": "7"})
    findings = check_master(make(kpis))
    if expected is None:
        assert findings.empty, findings[["code", "cell"]].to_string()
        return
    assert found(make(kpis)) == {("weights-not-100", KPI_SHEET, "V2")}
    assert findings.iloc[0]["value"] == expected
    assert f"sum to {expected}" in findings.iloc[0]["message_en"]
    # the division by its name for the clerk, by its code in English
    assert "กองหนึ่ง" in findings.iloc[0]["message_th"]
    assert "D1" in findings.iloc[0]["message_en"]


def test_weights_are_summed_per_division() -> None:
    master = make(
        [kpi(weight="100"), kpi(division_code="D2", weight="60")],
        divisions=[
            {"division_code": "D1", "division_name": "กองหนึ่ง"},
            {"division_code": "D2", "division_name": "กองสอง"},
        ],
    )
    assert found(master) == {("weights-not-100", KPI_SHEET, "V3")}


# --- rubrics -------------------------------------------------------------------------------


def test_unparseable_criterion_names_the_text_at_its_cell() -> None:
    text = "ร้อยละ ห้าสิบ ขึ้นไป"
    findings = check_master(make([kpi(level_3=text)]))
    assert set(zip(findings["code"], findings["cell"], strict=True)) == {
        ("rubric-unparseable", "N2")
    }
    assert findings.iloc[0]["value"] == text
    assert f"“{text}”" in findings.iloc[0]["message_th"]
    assert f"“{text}”" in findings.iloc[0]["message_en"]


@pytest.mark.parametrize(
    ("kind", "fields", "cell"),
    [
        pytest.param("bands", levels(MILESTONES), "L2", id="milestones-on-bands"),
        pytest.param("milestones", levels(BANDS), "L2", id="bands-on-milestones"),
        pytest.param(
            "milestones",
            {**levels(MILESTONES), "level_3": BANDS[2]},
            "N2",
            id="one-band-among-milestones",
        ),
        pytest.param(
            "deadline_date", levels(DEADLINE_MONTHLY), "L2", id="day-of-month-on-deadline-date"
        ),
        pytest.param(
            "deadline_monthly", levels(DEADLINE_DATES), "L2", id="date-on-deadline-monthly"
        ),
    ],
)
def test_criteria_that_do_not_fit_the_kind(kind: str, fields: dict[str, str], cell: str) -> None:
    master = make([kpi(kind=kind, unit="ระดับ", **fields)], steps=steps_of("1"))
    findings = check_master(master)
    assert set(zip(findings["code"], findings["cell"], strict=True)) == {
        ("rubric-kind-mismatch", cell)
    }
    assert f"“{kind}”" in findings.iloc[0]["message_en"]
    level = {"L": 1, "N": 3}[cell[0]]
    assert findings.iloc[0]["value"] == fields[f"level_{level}"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"level_2": "ตั้งแต่ร้อยละ ๖๐ แต่ไม่ถึงร้อยละ ๖๕"},
            {("rubric-gap", "N2", words("[65, 70)"))},
            id="gap-at-the-upper-level",
        ),
        pytest.param(
            {"level_4": "ตั้งแต่ร้อยละ ๘๐ ถึงร้อยละ ๙๐"},
            {("rubric-overlap", "P2", "90")},
            id="overlap-at-the-upper-level",
        ),
        pytest.param(
            # Levels 2 and 3 swapped: 3 is worse than 2 (order), and the bands no longer
            # touch their neighbours (gaps below 2 and above 3).
            {"level_2": BANDS[2], "level_3": BANDS[1]},
            {
                ("rubric-gap", "M2", words("[60, 70)")),
                ("rubric-order", "N2", ""),
                ("rubric-gap", "O2", words("[70, 80)")),
            },
            id="order",
        ),
        pytest.param(
            levels(
                [
                    "ตั้งแต่ร้อยละ ๔๐ ถึงร้อยละ ๖๐",
                    "มากกว่าร้อยละ ๖๐ ถึงร้อยละ ๘๐",
                    "มากกว่าร้อยละ ๘๐ ถึงร้อยละ ๑๐๐",
                    "ตั้งแต่ร้อยละ ๒๐ แต่ไม่ถึงร้อยละ ๔๐",
                    "ไม่ถึงร้อยละ ๒๐",
                ]
            ),
            {("rubric-mixed-direction", "B2", "")},
            id="mixed-direction-at-the-kpi-id",
        ),
        pytest.param(
            {"level_1": "ตั้งแต่ร้อยละ ๑๐ แต่ไม่ถึงร้อยละ ๖๐"},
            {("rubric-bottom-uncovered", "L2", words("[0, 10)"))},
            id="bottom-uncovered",
        ),
        pytest.param(
            {"level_5": "ตั้งแต่ร้อยละ ๙๐ แต่ไม่ถึงร้อยละ ๙๕"},
            {("rubric-top-capped", "P2", words("[95, 100]"))},
            id="top-capped",
        ),
    ],
)
def test_rubric_flaws_at_their_level_cells(
    changes: dict[str, str], expected: set[tuple[str, str, str]]
) -> None:
    findings = check_master(make([kpi(**changes)]))
    assert (findings["sheet"] == KPI_SHEET).all()
    assert set(zip(findings["code"], findings["cell"], strict=True)) == {
        (code, cell) for code, cell, _ in expected
    }
    message = dict(zip(findings["cell"], findings["message_en"], strict=True))
    for _, cell, interval in expected:
        assert interval in message[cell]


def _quarter(q: str, **fields: Any) -> dict[str, Any]:
    return kpi(kpi_id=f"2.{q}", group_id="2", quarter=q, weight="25", **fields)


def test_quarterly_kpi_without_a_quarter() -> None:
    master = make([_quarter("1"), _quarter("2"), _quarter("4"), kpi(kpi_id="3", weight="25")])
    findings = check_master(master)
    # Reported once, at the quarter cell of the group's first row.
    assert set(zip(findings["code"], findings["cell"], strict=True)) == {
        ("rubric-quarters-missing", "E2")
    }
    assert findings.iloc[0]["kpi_id"] == "2"
    assert "quarter(s) 3" in findings.iloc[0]["message_en"]


def test_a_quarter_with_unreadable_criteria_is_not_also_a_missing_quarter() -> None:
    master = make(
        [_quarter("1"), _quarter("2"), _quarter("3", level_2="ร้อยละ สามสิบ"), _quarter("4")]
    )
    assert found(master) == {("rubric-unparseable", KPI_SHEET, "M4")}


def test_all_four_quarters_are_clean() -> None:
    assert found(make([_quarter(q) for q in "1234"])) == set()


def test_detail_page_criteria_that_differ() -> None:
    master = make(
        [
            kpi(
                # Same band, other spacing: not a difference.
                detail_level_1="ไม่ถึง ร้อย ละ ๖๐",
                # Another band: a difference, at the detail cell.
                detail_level_2="ตั้งแต่ร้อยละ ๕๐ แต่ไม่ถึงร้อยละ ๗๐",
            )
        ]
    )
    findings = check_master(master)
    assert set(zip(findings["code"], findings["cell"], strict=True)) == {
        ("rubric-detail-mismatch", "R2")
    }
    # quoted with the Arabic digits the message writes its own in (issue 10)
    assert "“ตั้งแต่ร้อยละ 50 แต่ไม่ถึงร้อยละ 70”" in findings.iloc[0]["message_th"]
    assert f"“{to_arabic_digits(BANDS[1])}”" in findings.iloc[0]["message_th"]


def test_milestone_kpi_without_some_step_descriptions() -> None:
    master = make(
        [kpi(kind="milestones", unit="ระดับ", **levels(MILESTONES))], steps=steps_of("1", 3)
    )
    findings = check_master(master)
    assert set(zip(findings["code"], findings["cell"], strict=True)) == {
        ("rubric-steps-missing", "K2")
    }
    assert "4, 5" in findings.iloc[0]["message_en"]


def test_survey_kpi_without_items() -> None:
    master = make([kpi(kind="survey")], survey_scale=scale_of("1", LIKERT_CLEAN))
    assert found(master) == {("survey-items-missing", KPI_SHEET, "K2")}


def test_weighted_items_kpi_without_items() -> None:
    assert found(make([kpi(kind="weighted_items")])) == {
        ("weighted-items-missing", KPI_SHEET, "K2")
    }


def test_likert_table_holes_are_reported_at_the_upper_level_row() -> None:
    master = make(
        [kpi(kind="survey")], survey_items=[SURVEY_ITEM], survey_scale=scale_of("1", LIKERT_SEED)
    )
    findings = check_master(master)
    got = set(zip(findings["code"], findings["sheet"], findings["cell"], strict=True))
    # Rows 2–6 hold scores 5…1; a gap between levels n and n+1 is on the row of n+1.
    assert got == {
        ("rubric-gap", SCALE_SHEET, "D2"),
        ("rubric-gap", SCALE_SHEET, "D3"),
        ("rubric-gap", SCALE_SHEET, "D4"),
        ("rubric-gap", SCALE_SHEET, "D5"),
        ("rubric-bottom-uncovered", SCALE_SHEET, "D6"),
    }
    by_cell = dict(zip(findings["cell"], findings["message_en"], strict=True))
    assert words("(3.5, 4.01)") in by_cell["D3"]
    assert words("(4.5, 4.51)") in by_cell["D2"]
    assert words("[1, 1.01)") in by_cell["D6"]


def test_unreadable_likert_range_names_the_text_as_written() -> None:
    ranges = [*LIKERT_SEED[:2], "ปานกลาง ๓ คะแนน", *LIKERT_SEED[3:]]
    master = make(
        [kpi(kind="survey")], survey_items=[SURVEY_ITEM], survey_scale=scale_of("1", ranges)
    )
    findings = check_master(master)
    assert set(zip(findings["code"], findings["cell"], strict=True)) == {
        ("rubric-unparseable", "D4")
    }
    assert findings.iloc[0]["value"] == "ปานกลาง ๓ คะแนน"


# --- value range -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"kind": "growth", "unit": "ร้อยละ"}, (None, None)),
        ({"kind": "growth", "unit": "ร้อยละ", "min_value": "-100"}, (-100.0, None)),
        ({"kind": "ratio", "unit": "ร้อยละ"}, (0.0, 100.0)),
        ({"kind": "bands", "unit": "บ่อ"}, (0.0, None)),
        ({"kind": "bands", "unit": ""}, None),
        ({"kind": "bands", "unit": "ร้อยละ", "min_value": "10", "max_value": "๒๐"}, (10.0, 20.0)),
        ({"kind": "bands", "unit": "ร้อยละ", "max_value": "150"}, (None, 150.0)),
        ({"kind": "bands", "unit": "ร้อยละ", "min_value": "0"}, (0.0, None)),
    ],
    ids=[
        "growth-unbounded",
        "growth-with-min",
        "percent",
        "count",
        "no-unit",
        "min-max-override",
        "max-only",
        "min-only",
    ],
)
def test_kpi_value_range(fields: dict[str, str], expected: tuple[float | None, ...] | None) -> None:
    assert value_range(fields) == expected


def test_a_range_from_min_max_applies_to_the_rubric_lint() -> None:
    # Level 5 stops at 100; with a possible maximum of 120 the top is capped.
    findings = check_master(make([kpi(max_value="120", min_value="0")]))
    assert set(zip(findings["code"], findings["cell"], strict=True)) == {
        ("rubric-top-capped", "P2")
    }
    assert words("(100, 120]") in findings.iloc[0]["message_en"]


# --- definitions and fingerprint -------------------------------------------------------------


def two_divisions(**org: str) -> Master:
    return make(
        [
            kpi(kind="milestones", unit="ระดับ", weight="60", **levels(MILESTONES)),
            kpi(kpi_id="2", kind="weighted_items", weight="40"),
            kpi(division_code="D2", kpi_id="1", kind="survey"),
        ],
        organisation={"org_name": "อบจ.ทดสอบ", "fiscal_year_be": "2565", **org},
        divisions=[
            {"division_code": "D1", "division_name": "กองหนึ่ง", "email": "d1@x.example"},
            {"division_code": "D2", "division_name": "กองสอง"},
        ],
        steps=[*steps_of("1"), *steps_of("1", division="D2")],
        items=[{"division_code": "D1", "kpi_id": "2", "item_no": "1", "item": "ก", "weight": "1"}],
        survey_items=[{**SURVEY_ITEM, "division_code": "D2"}],
        survey_scale=scale_of("1", LIKERT_CLEAN, division="D2"),
    )


def test_division_definitions_hold_one_divisions_rows() -> None:
    defs = division_definitions(two_divisions(sheet_password="secret"), "D1")
    assert set(defs) == {
        "organisation",
        "division",
        "kpis",
        "steps",
        "survey_items",
        "survey_scale",
        "items",
    }
    assert defs["organisation"] == {"org_name": "อบจ.ทดสอบ", "fiscal_year_be": "2565"}
    assert defs["division"]["division_code"] == "D1"
    assert defs["division"]["email"] == "d1@x.example"
    assert "_row" not in defs["division"]
    assert [k["kpi_id"] for k in defs["kpis"]] == ["1", "2"]
    assert set(defs["kpis"][0]) == set(KPIS.keys) - {"division_code"}
    assert defs["kpis"][1]["kind"] == "weighted_items"
    assert [s["step"] for s in defs["steps"]] == ["1", "2", "3", "4", "5"]
    assert defs["items"] == [{"kpi_id": "2", "item_no": "1", "item": "ก", "weight": "1"}]
    assert defs["survey_items"] == []
    assert defs["survey_scale"] == []
    d2 = division_definitions(two_divisions(), "D2")
    assert [k["kpi_id"] for k in d2["kpis"]] == ["1"]
    assert len(d2["survey_scale"]) == 5


def test_division_definitions_of_an_unknown_division() -> None:
    with pytest.raises(KeyError):
        division_definitions(two_divisions(), "D9")


def test_fingerprint_is_stable_and_ignores_key_order() -> None:
    first = division_definitions(two_divisions(), "D1")
    again = division_definitions(two_divisions(), "D1")
    assert fingerprint(first) == fingerprint(again)
    reordered = {key: first[key] for key in reversed(list(first))}
    assert fingerprint(reordered) == fingerprint(first)
    assert len(fingerprint(first)) == 64
    assert set(fingerprint(first)) <= set("0123456789abcdef")


def _edit(master: Master, sheet: str, column: str, value: str, row: int = 0) -> Master:
    frame = master.frames[sheet].copy()
    frame.loc[frame.index[row], column] = value
    master.frames[sheet] = frame
    return master


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.organisation.update(org_name="อบจ.อื่น"),
        lambda m: m.organisation.update(fiscal_year_be="2566"),
        lambda m: m.organisation.update(executive="นาย ก"),
        lambda m: _edit(m, "divisions", "division_name", "กองใหม่"),
        lambda m: _edit(m, "kpis", "level_3", "ทำขั้นตอนที่ ๑-๓"),
        lambda m: _edit(m, "kpis", "weight", "61"),
        lambda m: _edit(m, "kpis", "name", "ชื่อใหม่"),
        lambda m: _edit(m, "kpis", "notes", "หมายเหตุ"),
        lambda m: _edit(m, "steps", "description", "ขั้นใหม่", row=2),
        lambda m: _edit(m, "items", "weight", "2"),
    ],
    ids=[
        "org-name",
        "fiscal-year",
        "executive",
        "division-name",
        "criterion",
        "weight",
        "kpi-name",
        "notes",
        "step",
        "item-weight",
    ],
)
def test_fingerprint_changes_when_a_definition_changes(change: Any) -> None:
    before = fingerprint(division_definitions(two_divisions(), "D1"))
    master = two_divisions()
    change(master)
    assert fingerprint(division_definitions(master, "D1")) != before


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.organisation.update(sheet_password="ลับ"),
        lambda m: _edit(m, "kpis", "weight", "99", row=2),  # D2's KPI
        lambda m: _edit(m, "steps", "description", "อื่น", row=7),  # D2's step
        lambda m: _edit(m, "survey_scale", "label", "พอใจ"),  # D2's scale
        lambda m: _edit(m, "kpis", "_row", 99),  # where a row sits is not a definition
    ],
    ids=["sheet-password", "other-division-kpi", "other-division-step", "other-scale", "row"],
)
def test_fingerprint_ignores_what_is_not_this_divisions_definition(change: Any) -> None:
    before = fingerprint(division_definitions(two_divisions(), "D1"))
    master = two_divisions()
    change(master)
    assert fingerprint(division_definitions(master, "D1")) == before


# --- master_from_csv -------------------------------------------------------------------------


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_master_from_csv_numbers_rows_and_columns_as_the_workbook(tmp_path: Path) -> None:
    _write_csv(
        tmp_path / "organisation.csv",
        [{"key": "org_name", "value": " อบจ.ทดสอบ "}, {"key": "fiscal_year_be", "value": "2565"}],
    )
    _write_csv(tmp_path / "divisions.csv", [{"division_code": "D1", "division_name": "กอง"}])
    # Columns in another order than the sheet's, some left out.
    _write_csv(
        tmp_path / "kpis.csv",
        [
            {"weight": "60", "kpi_id": "1", "division_code": "D1", "name": "ก", "unit": "ร้อยละ"},
            {"weight": "60", "kpi_id": "1", "division_code": "D1", "name": "ข", "unit": "ร้อยละ"},
        ],
    )
    master = master_from_csv(tmp_path)
    # every organisation key, blank where the CSV leaves it out (as a workbook reads back)
    assert master.organisation == {
        **{column.key: "" for column in ORGANISATION.columns},
        "org_name": "อบจ.ทดสอบ",
        "fiscal_year_be": "2565",
    }
    assert master.fiscal_year_be == 2565
    assert master.kpis["_row"].tolist() == [2, 3]
    assert master.kpis["kind"].tolist() == ["", ""]
    assert master.frame("steps").empty
    assert master.division_codes() == ["D1"]
    # The duplicate is at B3 of the written workbook, whatever the CSV's column order.
    assert found(master) == {("master-duplicate-id", KPI_SHEET, "B3")}


# --- the bundled masters -------------------------------------------------------------------


@pytest.fixture(scope="module")
def nakhonsawan() -> tuple[Master, pd.DataFrame]:
    master = master_from_csv(NAKHONSAWAN)
    return master, check_master(master)


def csv_row(file: str, division: str, kpi_id: str, **match: str) -> int:
    """The sheet row of a CSV record, counted independently of kpixl: header = row 1."""
    with open(NAKHONSAWAN / file, encoding="utf-8", newline="") as handle:
        for number, rec in enumerate(csv.DictReader(handle), 2):
            if (rec["division_code"], rec["kpi_id"]) == (division, kpi_id) and all(
                rec[k] == v for k, v in match.items()
            ):
                return number
    raise LookupError((file, division, kpi_id, match))


def at(findings: pd.DataFrame, code: str, cell: str, sheet: str = KPI_SHEET) -> pd.Series:
    hit = findings[
        (findings["code"] == code) & (findings["cell"] == cell) & (findings["sheet"] == sheet)
    ]
    assert len(hit) == 1, (code, sheet, cell, findings[["code", "cell"]].to_string())
    return hit.iloc[0]


def on_row(findings: pd.DataFrame, row: int, sheet: str = KPI_SHEET) -> pd.DataFrame:
    return findings[(findings["sheet"] == sheet) & (findings["row"] == row)]


def test_seed_per_kpi_4_level_4_cannot_be_read(nakhonsawan: tuple[Master, pd.DataFrame]) -> None:
    _, findings = nakhonsawan
    row = csv_row("kpis.csv", "PER", "4")
    hit = at(findings, "rubric-unparseable", f"P{row}")
    text = "มากกว่าร้อยละ ๙๕ แต่ไม่น้อยกว่า ร้อยละ ๑๐๐"
    assert hit["value"] == text
    assert f"“{to_arabic_digits(text)}”" in hit["message_th"]
    assert hit["kpi_id"] == "4"


@pytest.mark.parametrize("group", ["7.1", "7.2"])
@pytest.mark.parametrize(
    ("quarter", "first_gap"),
    [
        ("1", words("(3, 4)")),
        ("2", words("(15, 16)")),
        ("3", words("(35, 36)")),
        ("4", words("(70, 71)")),
    ],
)
def test_seed_com_integer_bands_have_holes(
    nakhonsawan: tuple[Master, pd.DataFrame], group: str, quarter: str, first_gap: str
) -> None:
    _, findings = nakhonsawan
    row = csv_row("kpis.csv", "COM", f"{group}.{quarter}")
    # "ตั้งแต่ ๐-๓", "ตั้งแต่ ๔-๖", …: holes between levels 1–2, 2–3 and 3–4; level 5 is
    # "มากกว่า … ขึ้นไป", so 4–5 touch.
    mine = on_row(findings, row)
    assert set(zip(mine["code"], mine["cell"], strict=True)) == {
        ("rubric-gap", f"N{row}"),
        ("rubric-gap", f"O{row}"),
        ("rubric-gap", f"P{row}"),
    }
    assert first_gap in at(findings, "rubric-gap", f"N{row}")["message_en"]


def test_seed_pal_quarterly_disbursement(nakhonsawan: tuple[Master, pd.DataFrame]) -> None:
    _, findings = nakhonsawan
    q2 = csv_row("kpis.csv", "PAL", "1.2")
    assert words("[0, 15]") in at(findings, "rubric-bottom-uncovered", f"M{q2}")["message_en"]
    assert words("(38, 100]") in at(findings, "rubric-top-capped", f"Q{q2}")["message_en"]
    q4 = csv_row("kpis.csv", "PAL", "1.4")
    # "มากกว่า ร้อยละ ๖๕ ถึง ร้อยละ ๗๑" then "มากกว่า ร้อยละ ๗๐ แต่ ไม่เกิน ร้อยละ ๗๕".
    assert words("(70, 71]") in at(findings, "rubric-overlap", f"N{q4}")["message_en"]
    assert not findings["code"].eq("rubric-quarters-missing").any()


def test_seed_pal_2_detail_page_differs(nakhonsawan: tuple[Master, pd.DataFrame]) -> None:
    _, findings = nakhonsawan
    row = csv_row("kpis.csv", "PAL", "2")
    mine = on_row(findings, row)
    assert set(zip(mine["code"], mine["cell"], strict=True)) == {
        ("rubric-detail-mismatch", f"S{row}"),
        ("rubric-detail-mismatch", f"T{row}"),
        ("rubric-detail-mismatch", f"U{row}"),
    }


def test_seed_wel_5_has_no_criteria(nakhonsawan: tuple[Master, pd.DataFrame]) -> None:
    _, findings = nakhonsawan
    row = csv_row("kpis.csv", "WEL", "5")
    mine = on_row(findings, row)
    assert set(zip(mine["code"], mine["cell"], strict=True)) == {
        ("master-field-missing", f"{col}{row}") for col in "MNOPQ"
    }


def test_seed_likert_tables_have_holes(nakhonsawan: tuple[Master, pd.DataFrame]) -> None:
    _, findings = nakhonsawan
    score = {s: csv_row("survey_scale.csv", "COM", "1", score=str(s)) for s in range(1, 6)}
    for level in (2, 3, 4, 5):
        at(findings, "rubric-gap", f"D{score[level]}", SCALE_SHEET)
    assert (
        words("(3.5, 4.01)")
        in at(findings, "rubric-gap", f"D{score[4]}", SCALE_SHEET)["message_en"]
    )
    at(findings, "rubric-bottom-uncovered", f"D{score[1]}", SCALE_SHEET)
    # WEL 2 ("๔.๕๑ - ๕.๐๐", "๓.๐๑ - ๔.๐๐", …, "๐ - ๑.๐๐"): level 1 reaches below a mean of
    # 1, so the bottom is covered, but every boundary leaves a hole: (4, 4.51), (3, 3.01) …
    wel = {s: csv_row("survey_scale.csv", "WEL", "2", score=str(s)) for s in range(1, 6)}
    mine = pd.concat([on_row(findings, wel[s], SCALE_SHEET) for s in range(1, 6)])
    assert set(zip(mine["code"], mine["cell"], strict=True)) == {
        ("rubric-gap", f"D{wel[s]}") for s in (2, 3, 4, 5)
    }
    assert words("(4, 4.51)") in at(findings, "rubric-gap", f"D{wel[5]}", SCALE_SHEET)["message_en"]
    assert words("(1, 1.01)") in at(findings, "rubric-gap", f"D{wel[2]}", SCALE_SHEET)["message_en"]


def test_seed_weights_of_every_division_sum_to_100(
    nakhonsawan: tuple[Master, pd.DataFrame],
) -> None:
    master, findings = nakhonsawan
    assert not findings["code"].eq("weights-not-100").any()
    scored = master.kpis[master.kpis["kind"] != ""]
    totals = scored["weight"].astype(float).groupby(scored["division_code"]).sum()
    assert set(totals.index) == set(master.division_codes())
    assert totals.round(9).eq(100).all(), totals


def test_seed_findings_are_only_rubric_flaws_and_wel_5(
    nakhonsawan: tuple[Master, pd.DataFrame],
) -> None:
    _, findings = nakhonsawan
    assert set(findings["code"]) == {
        "master-field-missing",
        "rubric-unparseable",
        "rubric-gap",
        "rubric-overlap",
        "rubric-steps-missing",
        "rubric-bottom-uncovered",
        "rubric-top-capped",
        "rubric-detail-mismatch",
    }
    assert findings["cell"].ne("").all()


def test_krabi_master_is_clean() -> None:
    master = master_from_csv(KRABI)
    assert master.fiscal_year_be == 2564
    findings = check_master(master)
    assert findings.empty, findings[["code", "cell"]].to_string()
