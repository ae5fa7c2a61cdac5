"""The example ``kpixl master init`` writes: one division, three KPIs of three kinds.

The rows are real definitions (they read, check and score like any other), marked as
examples in their ``notes`` (:data:`kpixl.master.EXAMPLE_MARK`) so that ``kpixl master
check`` reminds the clerk to replace them. The guidance sheet's worked example is computed
from the same rows by kpixl's own rubrics and scoring, so the two never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kpixl.definitions import build_rubric
from kpixl.fiscal import MONTHS_TH_ABBR, MONTHS_TH_FULL
from kpixl.master import (
    DIVISIONS,
    EXAMPLE_MARK,
    KPIS,
    SHEETS,
    STEPS,
    Master,
    table_frame,
)
from kpixl.scoring import score_division
from kpixl.thai import format_number

EXAMPLE_CODE = "EX"
_NOTE = f"{EXAMPLE_MARK} แถวตัวอย่างของ kpixl — แก้เป็นข้อมูลจริงหรือลบแถวนี้"
_STEPS = (
    "แต่งตั้งคณะทำงานจัดทำแผนพัฒนาบุคลากร",
    "สำรวจความต้องการพัฒนาของบุคลากรทุกคน",
    "จัดทำร่างแผนพัฒนาบุคลากรเสนอผู้บริหาร",
    "ประกาศใช้แผนและแจ้งบุคลากรทุกคน",
    "ติดตามและรายงานผลการพัฒนาตามแผน",
)


def _deadline(day: int, month: int, year_be: int) -> str:
    return f"ภายในวันที่ {day} {MONTHS_TH_FULL[month - 1]} {year_be}"


def example_kpis(fiscal_year_be: int) -> list[dict[str, str]]:
    fy = fiscal_year_be
    common = {"division_code": EXAMPLE_CODE, "aggregate": "none", "notes": _NOTE}
    return [
        {
            **common,
            "kpi_id": "1",
            "issue": "ประสิทธิผลของการดำเนินงานตามแผนปฏิบัติการ",
            "name": "ร้อยละของโครงการตามแผนปฏิบัติการที่ดำเนินการแล้วเสร็จ",
            "unit": "ร้อยละ",
            "kpi_type": "เชิงปริมาณ",
            "kind": "ratio",
            "level_1": "ไม่ถึงร้อยละ 60",
            "level_2": "ตั้งแต่ร้อยละ 60 แต่ไม่ถึงร้อยละ 70",
            "level_3": "ตั้งแต่ร้อยละ 70 แต่ไม่ถึงร้อยละ 80",
            "level_4": "ตั้งแต่ร้อยละ 80 แต่ไม่ถึงร้อยละ 90",
            "level_5": "ตั้งแต่ร้อยละ 90 ถึงร้อยละ 100",
            "weight": "40",
            "numerator_label": "จำนวนโครงการที่ดำเนินการแล้วเสร็จ",
            "denominator_label": "จำนวนโครงการทั้งหมดตามแผน",
            "description": "โครงการที่ดำเนินการแล้วเสร็จภายในปีงบประมาณ เทียบกับโครงการทั้งหมดตามแผน",
            "formula": "จำนวนโครงการที่แล้วเสร็จ × 100 / จำนวนโครงการทั้งหมดตามแผน",
        },
        {
            **common,
            "kpi_id": "2",
            "issue": "การพัฒนาบุคลากร",
            "name": "ระดับความสำเร็จของการจัดทำแผนพัฒนาบุคลากร",
            "unit": "ระดับ",
            "kpi_type": "เชิงคุณภาพ",
            "kind": "milestones",
            "level_1": "ทำขั้นตอนที่ 1 ได้ 1 คะแนน",
            "level_2": "ทำขั้นตอนที่ 1-2 ได้ 2 คะแนน",
            "level_3": "ทำขั้นตอนที่ 1-3 ได้ 3 คะแนน",
            "level_4": "ทำขั้นตอนที่ 1-4 ได้ 4 คะแนน",
            "level_5": "ทำขั้นตอนที่ 1-5 ได้ 5 คะแนน",
            "weight": "30",
        },
        {
            **common,
            "kpi_id": "3",
            "issue": "การรายงานผล",
            "name": "ระยะเวลาการส่งรายงานผลการดำเนินงานประจำปี",
            "unit": "วันที่",
            "kpi_type": "เชิงปริมาณ",
            "kind": "deadline_date",
            "level_1": _deadline(30, 9, fy),
            "level_2": _deadline(15, 9, fy),
            "level_3": _deadline(31, 8, fy),
            "level_4": _deadline(15, 8, fy),
            "level_5": _deadline(31, 7, fy),
            "weight": "30",
        },
    ]


def example_master(fiscal_year_be: int) -> Master:
    """The master ``kpixl master init`` writes: every sheet, the fiscal year, and the
    example division with its KPIs and milestone steps (the organisation's name is left
    for the clerk)."""
    frames = {spec.key: table_frame(spec, []) for spec in SHEETS[1:]}
    frames["divisions"] = table_frame(
        DIVISIONS,
        [
            {
                "division_code": EXAMPLE_CODE,
                "division_name": "กองตัวอย่าง",
                "director": "ชื่อ นามสกุล ผู้อำนวยการกอง",
                "director_title": "ผู้อำนวยการกองตัวอย่าง",
                "notes": _NOTE,
            }
        ],
    )
    frames["kpis"] = table_frame(KPIS, example_kpis(fiscal_year_be))
    frames["steps"] = table_frame(
        STEPS,
        [
            {"division_code": EXAMPLE_CODE, "kpi_id": "2", "step": str(n), "description": text}
            for n, text in enumerate(_STEPS, 1)
        ],
    )
    return Master({"fiscal_year_be": str(fiscal_year_be)}, frames)


@dataclass(frozen=True)
class WorkedRow:
    """One KPI of the worked example: what the division reports and what kpixl makes of it."""

    kpi_id: str
    name: str
    kind: str
    reported: str
    level: int
    weight: float
    weighted: float


@dataclass(frozen=True)
class WorkedExample:
    """The guidance sheet's worked example, scored by kpixl itself."""

    rows: tuple[WorkedRow, ...]
    total: float
    score_100: float


def worked_example(fiscal_year_be: int) -> WorkedExample:
    """The example division's KPIs with a plausible report each, scored as the division
    workbook would score them: (ก) by the rubric, (ค) = (ก) × (ข) / 100, รวม, × 20."""
    kpis = example_kpis(fiscal_year_be)
    delivered = dt.date(fiscal_year_be - 543, 8, 10)
    reports = (
        (85.0, "ดำเนินการแล้วเสร็จ 17 จาก 20 โครงการ = ร้อยละ 85"),
        (3.0, "ทำขั้นตอนที่ 1 ถึง 3 แล้ว"),
        (
            float(delivered.toordinal()),
            f"ส่งรายงานวันที่ {delivered.day} {MONTHS_TH_ABBR[delivered.month - 1]} {fiscal_year_be}",
        ),
    )
    levels: list[int] = []
    for kpi, (value, _) in zip(kpis, reports, strict=True):
        level = build_rubric(kpi).level(value)
        if level is None:  # the example's own rubrics cover every value used here
            raise AssertionError(f"example KPI {kpi['kpi_id']} has no level for {value}")
        levels.append(level)
    weights = [float(kpi["weight"]) for kpi in kpis]
    score = score_division(levels, weights)
    rows = tuple(
        WorkedRow(
            kpi["kpi_id"],
            kpi["name"],
            kpi["kind"],
            text,
            level,
            weight,
            weighted or 0.0,
        )
        for kpi, (_, text), level, weight, weighted in zip(
            kpis, reports, levels, weights, score.weighted, strict=True
        )
    )
    return WorkedExample(rows, score.total or 0.0, score.score_100 or 0.0)


def worked_lines(example: WorkedExample) -> list[str]:
    """The worked example in words, one line per step (Thai, Arabic digits)."""
    lines = []
    for row in example.rows:
        lines.append(
            f"ตัวชี้วัดที่ {row.kpi_id} {row.name}: {row.reported} → ได้ระดับ {row.level} "
            f"(ก); (ค) = {row.level} × {format_number(row.weight)} / 100 = "
            f"{format_number(row.weighted)}"
        )
    weights = " + ".join(format_number(r.weight) for r in example.rows)
    parts = " + ".join(format_number(r.weighted) for r in example.rows)
    lines.append(f"ค่าน้ำหนักรวม = {weights} = 100 (ต้องรวมได้ 100 ทุกกอง)")
    lines.append(f"รวม = ผลรวมของ (ค) = {parts} = {format_number(example.total)}")
    lines.append(
        f"สรุปคะแนนเต็ม 100 = รวม × 20 = {format_number(example.total)} × 20 = "
        f"{format_number(example.score_100)}"
    )
    return lines
