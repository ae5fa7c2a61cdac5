"""The centre's definitions of one division, parsed once into typed objects.

The master workbook and the copy of it embedded in each division workbook hold the
centre's definitions as text, exactly as the centre wrote them (``"๑๗"``, ``"17.5"``,
``"ไม่ถึงร้อยละ ๖๐"``). :func:`parse_definitions` reads that text once — every number with
:func:`kpixl.thai.parse_number_text`, every criterion with :mod:`kpixl.criteria` — into a
:class:`Definitions`. Templates, checks and scoring all read these objects, so they can
never disagree about what the centre meant; the master check reports, at its cell, every
text this module could not read.

A KPI whose definition cannot be scored (its criteria cannot be read, it has no weight, a
survey without questions …) keeps its :attr:`KpiDef.problem`, which says why in Thai and
English; a division workbook shows it and the KPI gets no level, with a finding that the
centre must act.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kpixl import kinds as K
from kpixl.criteria import CriterionError
from kpixl.rubric import BandRubric, DeadlineRubric, MilestoneRubric, Range, Rubric, default_range
from kpixl.thai import clean_text, format_number, parse_number_text

LEVELS = (1, 2, 3, 4, 5)


def parse_number(text: str) -> float | None:
    """A number the centre wrote: Thai digits, thousands separators and unit words allowed."""
    return parse_number_text(str(text)) if str(text).strip() else None


def parse_count(text: str) -> int | None:
    """A whole number the centre wrote (a quarter, a step, a number of survey rounds)."""
    number = parse_number(text)
    if number is None or not number.is_integer():
        return None
    return int(number)


@dataclass(frozen=True)
class Problem:
    """Why a KPI cannot be scored, for the messages: Thai and English."""

    th: str
    en: str


@dataclass(frozen=True)
class StepDef:
    """A milestone step: its number and what must be done."""

    number: int
    description: str


@dataclass(frozen=True)
class SurveyItemDef:
    """A question of a satisfaction survey, in its aspect (ด้าน)."""

    aspect_no: str
    aspect: str
    item_no: str
    item: str


@dataclass(frozen=True)
class ItemDef:
    """A weighted sub-item of a KPI."""

    item_no: str
    item: str
    weight: float | None


@dataclass(frozen=True)
class KpiDef:
    """One row of a division's scoring form (or a target-sheet-only KPI), typed.

    Attributes:
        kpi_id: the id as on the form (``2.1.3``).
        kind: a name of :data:`kpixl.kinds.KINDS`, or "" for a target-sheet-only KPI.
        fields: every column as the centre wrote it (for the locked-cell comparison).
        weight: ค่าน้ำหนัก (ข), or None when it is not a number.
        quarter: 1–4 for a quarter row, else None.
        value_range: the possible (minimum, maximum) of the value.
        rubric: the rubric, or None when it cannot be built (see ``problem``).
        problem: why the KPI cannot be scored, or None.
    """

    kpi_id: str
    kind: str
    fields: Mapping[str, str]
    weight: float | None
    quarter: int | None
    survey_rounds: int
    value_range: Range | None
    rubric: Rubric | None
    problem: Problem | None
    steps: tuple[StepDef, ...] = ()
    survey_items: tuple[SurveyItemDef, ...] = ()
    items: tuple[ItemDef, ...] = ()

    def text(self, key: str) -> str:
        """A column as written ("" when absent)."""
        return str(self.fields.get(key, ""))

    @property
    def name(self) -> str:
        """ตัวชี้วัดผลงาน."""
        return self.text("name")

    @property
    def unit(self) -> str:
        """หน่วยวัด."""
        return self.text("unit")

    @property
    def group_id(self) -> str:
        """The KPI a quarter row belongs to ("" for other rows)."""
        return self.text("group_id")

    @property
    def texts(self) -> tuple[str, ...]:
        """The five criteria as written, level 1 first."""
        return tuple(self.text(f"level_{n}") for n in LEVELS)

    @property
    def scored(self) -> bool:
        """Whether the KPI is a row of the scoring form (it has a kind)."""
        return bool(self.kind)

    @property
    def spec(self) -> K.Kind:
        """The kind's registry entry.

        Raises:
            KeyError: a target-sheet-only KPI, or a kind the registry does not know.
        """
        return K.KINDS[self.kind]

    @property
    def percent(self) -> bool:
        """Whether the value is a percentage (0–100): a cell typed as 85% means 85."""
        rng = self.value_range
        return rng is not None and rng[1] == 100.0 and (rng[0] in (0.0, None))


@dataclass(frozen=True)
class TargetRow:
    """A row of the target sheet (form A): a KPI, or a quarterly KPI's quarter rows as one."""

    kpi_id: str
    name: str
    unit: str
    kpi_type: str
    aggregate: str


@dataclass(frozen=True)
class Definitions:
    """Everything the centre defines for one division, typed.

    Attributes:
        raw: the definitions as JSON-able text (what a workbook embeds and fingerprints).
        fiscal_year_be: the fiscal year, or None when the centre's text is not a B.E. year.
        kpis: every KPI row in the centre's order.
    """

    raw: Mapping[str, Any]
    fiscal_year_be: int | None
    kpis: tuple[KpiDef, ...]
    organisation: Mapping[str, str] = field(default_factory=dict)
    division: Mapping[str, str] = field(default_factory=dict)

    @property
    def division_code(self) -> str:
        """รหัสกอง."""
        return str(self.division.get("division_code", ""))

    @property
    def division_name(self) -> str:
        """ชื่อกอง/สำนัก."""
        return str(self.division.get("division_name", ""))

    @property
    def scored(self) -> tuple[KpiDef, ...]:
        """The rows of the scoring form."""
        return tuple(k for k in self.kpis if k.scored)

    def kpi(self, kpi_id: str) -> KpiDef | None:
        """The KPI with this id, or None."""
        return next((k for k in self.kpis if k.kpi_id == kpi_id), None)

    def target_rows(self) -> list[TargetRow]:
        """One row per KPI of the target sheet; the quarter rows of a KPI become one."""
        rows: list[TargetRow] = []
        seen: set[str] = set()
        for kpi in self.kpis:
            kpi_id, name = kpi.kpi_id, kpi.name
            if kpi.group_id:
                kpi_id, name = kpi.group_id, kpi.text("group_name") or kpi.name
            if kpi_id in seen:
                continue
            seen.add(kpi_id)
            rows.append(
                TargetRow(
                    kpi_id,
                    name,
                    kpi.unit,
                    kpi.text("kpi_type"),
                    kpi.text("aggregate") or "none",
                )
            )
        return rows


def fiscal_year(text: str) -> int | None:
    """A B.E. fiscal year as the centre wrote it (``"2565"``, ``"๒๕๖๕"``), or None."""
    year = parse_count(text)
    return year if year is not None and 2400 <= year <= 2700 else None


def value_range(fields: Mapping[str, str]) -> Range | None:
    """The possible range of a KPI's value.

    ``min_value``/``max_value`` when given; unbounded for growth (it may be negative or pass
    100); otherwise by the KPI's unit (ร้อยละ 0–100, other units from 0); None when the KPI
    has no unit, so the rubric infers it from the words of its criteria.
    """
    low = parse_number(fields.get("min_value", ""))
    high = parse_number(fields.get("max_value", ""))
    if low is not None or high is not None:
        return (low, high)
    if fields.get("kind") == "growth":
        return (None, None)
    unit = clean_text(str(fields.get("unit", "")))
    return default_range([unit]) if unit else None


def build_rubric(fields: Mapping[str, str]) -> Rubric:
    """The rubric of one KPI row as the centre wrote it.

    Raises:
        CriterionError: a criterion is empty, cannot be read, or does not fit the kind.
        KeyError: the kind is not a kind of :data:`kpixl.kinds.KINDS`.
    """
    spec = K.KINDS[str(fields.get("kind", ""))]
    texts = [str(fields.get(f"level_{n}", "")) for n in LEVELS]
    for number, text in enumerate(texts, 1):
        if not text.strip():
            raise CriterionError(
                text,
                f"the level {number} criterion is empty",
                f"ไม่มีเกณฑ์ระดับ {number}",
            )
    rubric = Rubric.from_texts(texts, value_range=value_range(fields))
    expected: dict[str, type[Rubric]] = {
        "bands": BandRubric,
        "milestones": MilestoneRubric,
        "deadline": DeadlineRubric,
    }
    mismatch = not isinstance(rubric, expected[spec.rubric]) or (
        isinstance(rubric, DeadlineRubric) and rubric.deadline_kind != spec.deadline
    )
    if mismatch:
        raise CriterionError(
            texts[0],
            f"not a {spec.name} criterion",
            f"ไม่ใช่เกณฑ์แบบ{spec.title_th}",
            kind_mismatch=True,
        )
    return rubric


def _problem(
    fields: Mapping[str, str],
    error: CriterionError | None,
    survey_items: tuple[SurveyItemDef, ...],
    items: tuple[ItemDef, ...],
) -> Problem | None:
    """Why the KPI cannot be scored, or None. Missing milestone step descriptions are the
    master check's business: the ticks still count."""
    kind = str(fields.get("kind", ""))
    if kind not in K.KINDS:
        return Problem(f"ชนิดเกณฑ์ “{kind}” ไม่มีในระบบ", f"the rubric kind “{kind}” is unknown")
    if error is not None:
        texts = [str(fields.get(f"level_{n}", "")) for n in LEVELS]
        level = texts.index(error.text) + 1 if error.text in texts and error.text else None
        where_th = f"เกณฑ์ระดับ {level} “{error.text}”" if level else "เกณฑ์"
        where_en = f"the level {level} criterion “{error.text}”" if level else "the criteria"
        if "empty" in error.reason:
            return Problem(error.reason_th, error.reason)
        return Problem(
            f"อ่าน{where_th} ไม่ได้ ({error.reason_th})", f"{where_en} cannot be read ({error.reason})"
        )
    if parse_number(fields.get("weight", "")) is None:
        return Problem("ไม่มีค่าน้ำหนักที่เป็นตัวเลข", "it has no weight that is a number")
    if kind == "survey" and not survey_items:
        return Problem("ไม่มีข้อคำถามของแบบสำรวจ", "its survey has no questions")
    if kind == "weighted_items" and (not items or any(i.weight is None for i in items)):
        return Problem(
            "ไม่มีรายการย่อยหรือค่าน้ำหนักของรายการย่อย", "its sub-items or their weights are missing"
        )
    return None


def _records(raw: Mapping[str, Any], key: str, kpi_id: str) -> list[Mapping[str, Any]]:
    return [r for r in raw.get(key, []) or [] if clean_text(str(r.get("kpi_id", ""))) == kpi_id]


def parse_kpi(fields: Mapping[str, Any], raw: Mapping[str, Any] | None = None) -> KpiDef:
    """Type one KPI row (and its steps, survey items and sub-items from ``raw``)."""
    text = {str(k): "" if v is None else str(v) for k, v in fields.items()}
    raw = raw or {}
    # Ids as the reader sees them in a cell: Thai digits read as Arabic, spaces trimmed.
    for key in ("kpi_id", "group_id"):
        text[key] = clean_text(text.get(key, ""))
    kpi_id = text["kpi_id"]
    steps = tuple(
        StepDef(number, str(r.get("description", "")))
        for r in _records(raw, "steps", kpi_id)
        if (number := parse_count(str(r.get("step", "")))) is not None
    )
    survey_items = tuple(
        SurveyItemDef(
            str(r.get("aspect_no", "")),
            str(r.get("aspect", "")),
            str(r.get("item_no", "")),
            str(r.get("item", "")),
        )
        for r in _records(raw, "survey_items", kpi_id)
    )
    items = tuple(
        ItemDef(
            str(r.get("item_no", "")),
            str(r.get("item", "")),
            parse_number(str(r.get("weight", ""))),
        )
        for r in _records(raw, "items", kpi_id)
    )
    kind = text.get("kind", "")
    rubric: Rubric | None = None
    error: CriterionError | None = None
    problem: Problem | None = None
    if kind:
        if kind in K.KINDS:
            try:
                rubric = build_rubric(text)
            except CriterionError as caught:
                error = caught
        problem = _problem(text, error, survey_items, items)
    rounds = parse_count(text.get("survey_rounds", ""))
    return KpiDef(
        kpi_id=kpi_id,
        kind=kind,
        fields=text,
        weight=parse_number(text.get("weight", "")),
        quarter=q if (q := parse_count(text.get("quarter", ""))) in (1, 2, 3, 4) else None,
        survey_rounds=rounds if rounds is not None and rounds >= 1 else 1,
        value_range=value_range(text),
        rubric=rubric,
        problem=problem,
        steps=steps,
        survey_items=survey_items,
        items=items,
    )


def parse_definitions(raw: Mapping[str, Any]) -> Definitions:
    """Type a division's definitions (as :func:`kpixl.master.division_definitions` gives
    them, or as a workbook embeds them).

    Never raises on odd content: what cannot be read stays None or becomes a KPI's
    :attr:`KpiDef.problem`.
    """
    organisation = {
        str(k): "" if v is None else str(v) for k, v in dict(raw.get("organisation") or {}).items()
    }
    division = {
        str(k): "" if v is None else str(v) for k, v in dict(raw.get("division") or {}).items()
    }
    kpis = tuple(
        parse_kpi(rec, raw) for rec in raw.get("kpis", []) or [] if isinstance(rec, Mapping)
    )
    return Definitions(
        raw=raw,
        fiscal_year_be=fiscal_year(organisation.get("fiscal_year_be", "")),
        kpis=kpis,
        organisation=organisation,
        division=division,
    )


def weight_text(weight: float | None) -> str:
    """A weight as a form shows it (``17``, ``8.5``), "" when there is none."""
    return "" if weight is None else format_number(weight)


def scored_weight_total(kpis: Sequence[KpiDef]) -> float:
    """Σ weights of the scored rows (a row without a weight counts 0)."""
    return sum(k.weight or 0.0 for k in kpis if k.scored)
