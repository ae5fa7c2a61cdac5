"""The KPI kinds: one registry entry per kind, the one place a kind is defined.

An entry (:class:`Kind`) says everything the rest of kpixl needs to know about a kind:

* ``rubric`` — which shape of criteria it is scored with (bands, milestones, deadline);
* ``result`` — what the form's result cell (ผลการปฏิบัติงาน) holds: a number the division
  types, a date it types, or a formula fed by the supporting data;
* ``fields`` — the supporting-data rows the division fills in (ข้อมูลประกอบ);
* ``compute`` — the pandas computation of the value from those inputs, for many KPIs of
  many workbooks at once;
* ``source`` — which value is scored: the reported one, the computed one, or the computed
  one with the reported one as the fallback when no supporting data was given at all;
* ``excel_computed`` / :func:`excel_value` — the same computation as Excel formulas;
* the Thai wording: what the kind is, how to fill it in, what is missing.

Adding a kind touches this module only (and its tests).

**The one rule for the scored value** (:func:`kpixl.values.choose_values` applies it to
every kind): a kind whose value is computed from supporting data scores the computed value
when every input it needs is there and readable. When the supporting data is *entirely*
blank and the kind allows it (``computed_or_reported``), the reported result is scored,
with ``supporting-data-missing``. Otherwise — an input missing, unreadable, in error, a
zero denominator, a numerator above the denominator — the KPI has no level; the finding
is on the input's own cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kpixl.fiscal import (
    FISCAL_MONTHS,
    MONTHS_TH_ABBR,
    ce_to_be,
    fiscal_year_end,
    fiscal_year_start,
    month_year_ce,
)
from kpixl.measures import (
    growth,
    ratio,
    survey_item_means,
    survey_percent_from_means,
    weighted_mean,
)
from kpixl.normalize import lookup, lookup_positions
from kpixl.precision import excel_round
from kpixl.thai import INVISIBLE

if TYPE_CHECKING:
    from kpixl.definitions import KpiDef

KEYS = ["source", "kpi_id"]
"""The columns that identify one KPI row of one workbook."""

COMPUTED_STATUSES = ("ok", "blank", "incomplete", "invalid", "not_computed")
"""How a computation went: ``ok``; ``blank`` (no supporting data at all); ``incomplete``
(an input it needs is blank); ``invalid`` (an input unreadable or in error, a zero
denominator, a numerator above the denominator); ``not_computed`` (the kind computes
nothing)."""


@dataclass(frozen=True)
class DataField:
    """A supporting-data row: its key (``numerator``, ``step:1``, ``month:10``, ``item:2``),
    its Thai label, the unit shown beside it, what the cell holds (``number``, ``percent``,
    ``tick``, ``date``) and, for a weighted sub-item, its weight."""

    key: str
    label: str
    unit: str
    expect: str
    weight: float | None = None


@dataclass(frozen=True)
class Inputs:
    """What a kind's computation reads, for every KPI of the kind in a batch.

    Attributes:
        data: supporting-data cells: ``source, kpi_id, field, number, tick, date, state``
            (``state``: ``blank``, ``ok`` or ``invalid``).
        answers: survey answers: ``source, kpi_id, round, field, number, state``.
        survey_items: the centre's questions: ``source, kpi_id, field, aspect``.
        items: the centre's weighted sub-items: ``source, kpi_id, field, weight``.
        month_ends: per data cell of a monthly report, the last day of its month
            (``source, kpi_id, field, month_end``).
    """

    data: pd.DataFrame
    answers: pd.DataFrame
    survey_items: pd.DataFrame
    items: pd.DataFrame
    month_ends: pd.DataFrame


@dataclass(frozen=True)
class ExcelRefs:
    """Cell references a kind's Excel formulas use, in A1 form on the supporting sheet.

    Attributes:
        inputs: field key → cell of its input.
        span: the range of all input cells (``D7:D11``).
        helpers: the range of the helper column beside them (days after month end, a
            sub-item as kpixl reads it).
        weights: the range of the sub-item weights.
        answers: the survey's answer range (``'สำรวจ 1'!C12:H161``) or "".
        percent: the survey's satisfaction cell or "".
    """

    inputs: Mapping[str, str] = field(default_factory=dict)
    span: str = ""
    helpers: str = ""
    weights: str = ""
    answers: str = ""
    percent: str = ""


Compute = Callable[[pd.DataFrame, Inputs], pd.DataFrame]


@dataclass(frozen=True)
class Kind:
    """One KPI kind (see the module docstring).

    Attributes:
        name: the key written in the master's ``kind`` column.
        title_th: the kind in a few Thai words (drop-down help, messages).
        explain_th: how the value is obtained, in Thai, for the master's guidance.
        rubric: ``bands``, ``milestones`` or ``deadline``.
        deadline: for deadline rubrics, the deadline kind of :mod:`kpixl.criteria`.
        result: ``number``, ``date`` or ``formula`` (the form's result cell).
        source: ``reported``, ``computed`` or ``computed_or_reported``.
        fields: the supporting-data rows of a KPI in a fiscal year.
        compute: the pandas value of the kind's KPI rows (their :data:`KEYS` columns) from
            the inputs; None for kinds scored on the reported result.
        excel_computed: the Excel formula of the computed value, from its refs.
        computed_unit: the unit shown beside the computed value.
        hint_th: how a division fills it in (the form's วิธีกรอก column).
        missing_th, missing_en: what is missing when there is no value.
    """

    name: str
    title_th: str
    explain_th: str
    rubric: str
    result: str
    source: str
    hint_th: str
    missing_th: str = "ผลการปฏิบัติงาน"
    missing_en: str = "The result"
    deadline: str = ""
    fields: Callable[[KpiDef, int], list[DataField]] = lambda kpi, fy: []
    compute: Compute | None = None
    excel_computed: Callable[[ExcelRefs], str] | None = None
    computed_unit: str = ""

    @property
    def computed(self) -> bool:
        """Whether the value is computed from supporting data (or a survey)."""
        return self.compute is not None

    @property
    def on_data_sheet(self) -> bool:
        """Whether the KPI has rows on the supporting-data sheet."""
        return self.computed and self.name != "survey"


# --- helpers ------------------------------------------------------------------------


def _wide(inputs: pd.DataFrame, kpis: pd.DataFrame, fields: Sequence[str]) -> pd.DataFrame:
    """Per KPI row of ``kpis``, ``<field>.number`` and ``<field>.state`` of each field (of
    its first cell, where a KPI has two; NaN and ``blank`` where it has none)."""
    out = {}
    field = inputs["field"]
    for name in fields:
        found = lookup(kpis, inputs[field.eq(name).to_numpy()], KEYS, ["number", "state"])
        out[f"{name}.number"] = np.asarray(found["number"], dtype="float64")
        out[f"{name}.state"] = pd.Series(found["state"]).fillna("blank").to_numpy(dtype=object)
    return pd.DataFrame(out, index=kpis.index)


def _of(rows: pd.DataFrame, kpis: pd.DataFrame) -> pd.DataFrame:
    """The ``rows`` of the KPIs ``kpis`` (by their keys)."""
    return rows[lookup_positions(rows, kpis, KEYS) >= 0]


def _readiness(states: pd.DataFrame) -> pd.Series:
    """``ok`` / ``blank`` / ``incomplete`` / ``invalid`` from per-field state columns."""
    values = states.to_numpy(dtype=object)
    invalid = (values == "invalid").any(axis=1)
    blank = values == "blank"
    return pd.Series(
        np.select(
            [invalid, blank.all(axis=1), blank.any(axis=1)],
            ["invalid", "blank", "incomplete"],
            "ok",
        ),
        index=states.index,
    )


def _result(kpis: pd.DataFrame, computed: pd.Series, status: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": kpis["source"].to_numpy(),
            "kpi_id": kpis["kpi_id"].to_numpy(),
            "computed": computed.where(status.eq("ok")).to_numpy(dtype="float64"),
            "computed_status": status.to_numpy(),
        },
        index=kpis.index,
    )


# --- ratio and growth -------------------------------------------------------------------


def _two_numbers(
    first: str, second: str, measure: Callable[[pd.Series, pd.Series], pd.DataFrame]
) -> Compute:
    def compute(kpis: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
        wide = _wide(inputs.data, kpis, [first, second])
        status = _readiness(wide[[f"{first}.state", f"{second}.state"]])
        result = measure(wide[f"{first}.number"], wide[f"{second}.number"])
        # A zero denominator or a numerator above it is an input error (on its cell).
        status = status.where(~(status.eq("ok") & result["status"].ne("ok")), "invalid")
        return _result(kpis, result["value"], status)

    return compute


def _ratio_fields(kpi: KpiDef, fy: int) -> list[DataField]:
    return [
        DataField(
            "numerator", "ตัวตั้ง: " + (kpi.text("numerator_label") or "จำนวนที่ทำได้"), "", "number"
        ),
        DataField(
            "denominator",
            "ตัวหาร: " + (kpi.text("denominator_label") or "จำนวนทั้งหมด"),
            "",
            "number",
        ),
    ]


def _growth_fields(kpi: KpiDef, fy: int) -> list[DataField]:
    return [
        DataField("this_year", "ผลปีนี้: " + (kpi.text("numerator_label") or f"ปี {fy}"), "", "number"),
        DataField(
            "last_year",
            "ผลปีที่แล้ว: " + (kpi.text("denominator_label") or f"ปี {fy - 1}"),
            "",
            "number",
        ),
    ]


def _excel_ratio(refs: ExcelRefs) -> str:
    n, d = refs.inputs["numerator"], refs.inputs["denominator"]
    # The same input errors as kpixl: no value for a zero denominator or n > d.
    return f'IF(AND(ISNUMBER({n}),ISNUMBER({d})),IF(AND({d}<>0,{n}<={d}),{n}*100/{d},""),"")'


def _excel_growth(refs: ExcelRefs) -> str:
    t, p = refs.inputs["this_year"], refs.inputs["last_year"]
    return f'IF(AND(ISNUMBER({t}),ISNUMBER({p})),IF({p}<>0,({t}-{p})*100/{p},""),"")'


# --- weighted items ---------------------------------------------------------------------


def _items_fields(kpi: KpiDef, fy: int) -> list[DataField]:
    return [
        DataField(
            f"item:{item.item_no}",
            f"รายการที่ {item.item_no}: {item.item} (ร้อยละ)",
            "",
            "percent",
            item.weight,
        )
        for item in kpi.items
    ]


def _weighted_items(kpis: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    items = _of(inputs.items, kpis)
    values = inputs.data[inputs.data["field"].str.startswith("item:")]
    long = items.merge(values[[*KEYS, "field", "number", "state"]], on=[*KEYS, "field"], how="left")
    state = long["state"].fillna("blank")
    long = long.assign(
        value=long["number"], invalid=state.eq("invalid"), blank=state.eq("blank"), listed=True
    )
    means = weighted_mean(long, KEYS, counts=["invalid", "blank", "listed"])
    per = pd.DataFrame(lookup(kpis, means, KEYS, ["value", "invalid", "blank", "listed"]))
    status = pd.Series(
        np.select(
            [
                per["invalid"].gt(0).to_numpy(),
                # A KPI the centre lists no sub-item for has nothing filled in either.
                per["blank"].fillna(0).ge(per["listed"].fillna(0)).to_numpy(),
                per["blank"].gt(0).to_numpy(),
            ],
            ["invalid", "blank", "incomplete"],
            "ok",
        ),
        index=kpis.index,
    )
    return _result(kpis, pd.Series(per["value"].to_numpy(), index=kpis.index), status)


def _excel_weighted(refs: ExcelRefs) -> str:
    # The helper column holds each sub-item as kpixl reads it (85% typed counts 85).
    count = len(refs.inputs)
    return (
        f"IF(COUNT({refs.helpers})={count},"
        f'SUMPRODUCT({refs.helpers},{refs.weights})/SUM({refs.weights}),"")'
    )


# --- survey -----------------------------------------------------------------------------


def _survey(kpis: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    answers = _of(inputs.answers, kpis)
    long = answers.merge(
        inputs.survey_items[[*KEYS, "field", "aspect"]], on=[*KEYS, "field"], how="inner"
    )
    # Answers outside 1–5, fractions and unreadable text are left out (each has its
    # finding); a survey with no usable answer at all has no value.
    long = long[long["round"].notna()].rename(columns={"number": "answer", "field": "item"})
    long.loc[~long["state"].eq("ok"), "answer"] = np.nan
    means = survey_item_means(long, KEYS)
    percent = survey_percent_from_means(means, KEYS)
    per = lookup(kpis, percent, KEYS, ["value"])  # (one row per KPI)
    filled = answers[answers["state"].ne("blank").to_numpy()]
    any_answer = lookup_positions(kpis, filled, KEYS) >= 0
    value = pd.Series(np.asarray(per["value"], dtype="float64"), index=kpis.index)
    status = pd.Series(
        np.where(
            ~any_answer,
            "blank",
            np.where(value.isna().to_numpy(), "invalid", "ok"),
        ),
        index=kpis.index,
    )
    return _result(kpis, value, status)


def _excel_survey(refs: ExcelRefs) -> str:
    return f'IF(ISNUMBER({refs.percent}),{refs.percent},"")'


# --- milestones -------------------------------------------------------------------------


def _milestone_fields(kpi: KpiDef, fy: int) -> list[DataField]:
    steps = {s.number: s.description for s in kpi.steps}
    count = getattr(kpi.rubric, "steps", 0) or max(steps, default=5)
    return [
        DataField(f"step:{n}", f"ขั้นตอนที่ {n}: {steps.get(n, '')}".strip(), "✓", "tick")
        for n in range(1, count + 1)
    ]


def _milestones(kpis: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    ticks = _of(inputs.data[inputs.data["field"].str.startswith("step:")], kpis)
    ticks = ticks.assign(
        step=ticks["field"].str.slice(5).astype(int),
        done=ticks["tick"].fillna(False).astype(bool) & ticks["state"].eq("ok"),
    ).sort_values([*KEYS, "step"])
    by_kpi = [ticks[k] for k in KEYS]
    # A step counts while no earlier step of the same KPI is missing.
    gaps_before = (~ticks["done"]).astype("int64").groupby(by_kpi, sort=False).cumsum()
    counted = (ticks["done"] & gaps_before.eq(0)).groupby(by_kpi, sort=False).sum()
    states = (
        ticks.assign(invalid=ticks["state"].eq("invalid"), filled=ticks["state"].ne("blank"))
        .groupby(KEYS, sort=False)[["invalid", "filled"]]
        .any()
    )
    found = pd.DataFrame({"value": counted.astype("float64")}).join(states).reset_index()
    looked = lookup(kpis, found, KEYS, ["value", "invalid", "filled"])
    per = {name: pd.Series(values) for name, values in looked.items()}
    status = pd.Series(
        np.select(
            [per["invalid"].fillna(False).astype(bool), ~per["filled"].fillna(False).astype(bool)],
            ["invalid", "blank"],
            "ok",
        ),
        index=kpis.index,
    )
    return _result(
        kpis, pd.Series(per["value"].to_numpy(dtype="float64"), index=kpis.index), status
    )


def _tick_done(cell: str) -> str:
    from kpixl.layout import TICKS_DONE

    choices = ",".join(f'"{t}"' for t in TICKS_DONE)
    return f'ISNUMBER(MATCH(TRIM({cell}&""),{{{choices}}},0))'


def _excel_milestones(refs: ExcelRefs) -> str:
    steps = [refs.inputs[f"step:{n}"] for n in range(1, len(refs.inputs) + 1)]
    formula = str(len(steps))
    for number in range(len(steps), 0, -1):
        formula = f"IF({_tick_done(steps[number - 1])},{formula},{number - 1})"
    # Nothing entered at all is "not reported" (no level), not "no step done".
    return f'IF({excel_nothing_entered(refs.span)},"",{formula})'


# --- deadlines --------------------------------------------------------------------------


def _monthly_fields(kpi: KpiDef, fy: int) -> list[DataField]:
    rows = []
    for month in FISCAL_MONTHS:
        year_be = ce_to_be(month_year_ce(fy, month))
        label = f"รายงานประจำเดือน {MONTHS_TH_ABBR[month - 1]} {year_be}: วันที่จัดส่ง"
        rows.append(DataField(f"month:{month}", label, "วัน", "date"))
    return rows


def _monthly(kpis: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    """The worst month decides: the longest delay after the end of its month.

    Every month must be reported with a usable date: while one is missing, the worst month
    is unknown and the KPI has no value (the Excel formula agrees). The rubric is
    "earlier is better", so the worst month's level is the level of the longest delay.
    """
    data = inputs.data
    months = data[data["field"].str.startswith("month:")]
    at = lookup_positions(months, kpis, KEYS)  # each month's KPI among ``kpis``
    months, at = months[at >= 0], at[at >= 0]
    month_end = lookup(months, inputs.month_ends, [*KEYS, "field"], ["month_end"])["month_end"]
    days = (pd.to_datetime(months["date"], errors="coerce") - month_end).dt.days
    state = months["state"].to_numpy(dtype=object)
    delay = np.where(state == "ok", days.to_numpy(dtype="float64", na_value=np.nan), np.nan)
    # per KPI, by the positions of its months: the longest delay (NaN where none is
    # known), an invalid month, how many months are blank of how many
    worst = np.full(len(kpis), np.nan)
    np.fmax.at(worst, at, delay)
    invalid = np.bincount(at, weights=state == "invalid", minlength=len(kpis)) > 0
    blank = np.bincount(at, weights=state == "blank", minlength=len(kpis))
    every_blank = blank == np.bincount(at, minlength=len(kpis))  # (a KPI with no month too)
    status = pd.Series(
        np.select([invalid, every_blank, blank > 0], ["invalid", "blank", "incomplete"], "ok"),
        index=kpis.index,
    )
    return _result(kpis, pd.Series(worst, index=kpis.index), status)


def _excel_monthly(refs: ExcelRefs) -> str:
    months = len(refs.inputs)
    return f'IF(COUNT({refs.helpers})={months},MAX({refs.helpers}),"")'


def excel_nothing_entered(cells: str) -> str:
    """True when no cell of the range holds anything but spaces: blank as kpixl reads it.

    COUNTA would count a cell holding a space (or a pasted no-break space, a tab, a line
    break, a zero-width space) as entered, where kpixl reads it as blank. A number or an
    error value is entered; the text test runs only without them (IF is lazy), so an error
    never reaches it.
    """
    entered = f"COUNT({cells})+SUMPRODUCT(--ISERROR({cells}))>0"
    # Special characters are written as themselves: CHAR(160) is not U+00A0 in every
    # spreadsheet, and UNICHAR is not in every one.
    text = f'SUBSTITUTE({cells}&"","\u00a0"," ")'
    for invisible in INVISIBLE:
        text = f'SUBSTITUTE({text},"{invisible}","")'
    spaces = f"SUMPRODUCT(LEN(TRIM(CLEAN({text}))))=0"
    return f"IF({entered},FALSE,{spaces})"


def excel_percent(cell: str) -> str:
    """A percentage cell as kpixl reads it: 85% typed in Excel (stored 0.85 with a percent
    number format) counts 85."""
    return f'IF(LEFT(CELL("format",{cell}),1)="P",{cell}*100,{cell})'


def excel_date(cell: str) -> str:
    """A date cell as kpixl reads it: a B.E. year typed into a date cell is taken as B.E.,
    and a time of day is dropped (kpixl reads the day; 14:00 must not make a day late)."""
    return f"IF(YEAR({cell})>=2400,DATE(YEAR({cell})-543,MONTH({cell}),DAY({cell})),INT({cell}))"


def _excel_day(day: dt.date) -> str:
    return f"DATE({day.year},{day.month},{day.day})"


def excel_usable_date(cell: str, fiscal_year_be: int, minus: dt.date | None = None) -> str:
    """The formula of a date input as kpixl uses it: B.E. read as B.E., a date outside the
    fiscal year's plausible window (the year and the one after it) not used at all (""),
    and, with ``minus``, the number of days after that day."""
    date = excel_date(cell)
    start = fiscal_year_start(fiscal_year_be)
    end = fiscal_year_end(fiscal_year_be) + dt.timedelta(days=365)
    used = f"{date}-{_excel_day(minus)}" if minus is not None else date
    inside = f"AND({date}>={_excel_day(start)},{date}<={_excel_day(end)})"
    return f'IF(ISNUMBER({cell}),IF({inside},{used},""),"")'


# --- the form's value cell -----------------------------------------------------------


def excel_value(
    kind: Kind,
    result: str,
    computed: str,
    inputs: str,
    *,
    percent: bool,
    fiscal_year_be: int,
) -> str:
    """The Excel formula of the form's value cell (ค่าที่ใช้คิดคะแนน), scored by the level
    formula: the same value kpixl scores, rounded as :mod:`kpixl.precision` rounds.

    Args:
        kind: the KPI's kind.
        result: the result cell (ผลการปฏิบัติงาน), e.g. ``J7``.
        computed: the computed value's cell, or "" (kinds scored on the result).
        inputs: every supporting input, for "was any given" (the one rule), or "".
        percent: the value is a percentage: a cell typed as 85% (stored 0.85 with a percent
            format) counts 85, as kpixl reads it.
        fiscal_year_be: the fiscal year (for the window of plausible dates).
    """
    if kind.result == "formula":
        return f'IF(ISNUMBER({result}),{excel_round(result)},"")'
    if kind.result == "date":
        after = fiscal_year_end(fiscal_year_be) if kind.deadline == "days_after_year_end" else None
        return excel_usable_date(result, fiscal_year_be, after)
    typed = excel_percent(result) if percent else result
    reported = f'IF(ISNUMBER({result}),{excel_round(typed)},"")'
    if kind.source == "reported" or not computed:
        return reported
    # The one rule: the computed value; the reported one only when no input was given.
    nothing = excel_nothing_entered(inputs)
    return f'IF({nothing},{reported},IF(ISNUMBER({computed}),{excel_round(computed)},""))'


# --- the registry -----------------------------------------------------------------------

_FILL_DATA = "กรอกผลที่รายงาน และข้อมูลประกอบในแผ่นงาน ข้อมูลประกอบ"

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "bands",
            "ช่วงค่า",
            "ผลที่กอง/สำนักรายงาน (ตัวเลข) เทียบกับช่วงค่าของแต่ละระดับ",
            rubric="bands",
            result="number",
            source="reported",
            hint_th="กรอกผลการดำเนินงาน ({unit})",
        ),
        Kind(
            "ratio",
            "ร้อยละจากตัวตั้งและตัวหาร",
            "ร้อยละ = ตัวตั้ง × 100 / ตัวหาร จากข้อมูลประกอบ แล้วเทียบช่วงค่า",
            rubric="bands",
            result="number",
            source="computed_or_reported",
            hint_th=_FILL_DATA,
            fields=_ratio_fields,
            compute=_two_numbers("numerator", "denominator", ratio),
            excel_computed=_excel_ratio,
            computed_unit="ร้อยละ",
        ),
        Kind(
            "growth",
            "ร้อยละที่เพิ่มขึ้นจากปีที่แล้ว",
            "ร้อยละที่เพิ่มขึ้น = (ผลปีนี้ − ผลปีที่แล้ว) × 100 / ผลปีที่แล้ว (ติดลบได้)",
            rubric="bands",
            result="number",
            source="computed_or_reported",
            hint_th=_FILL_DATA,
            fields=_growth_fields,
            compute=_two_numbers("this_year", "last_year", growth),
            excel_computed=_excel_growth,
            computed_unit="ร้อยละ",
        ),
        Kind(
            "survey",
            "ความพึงพอใจจากแบบสำรวจ",
            "คำตอบ 1–5 → ค่าเฉลี่ยรายข้อ → รายด้าน → ภาพรวม → × 100 / 5 (เฉลี่ยทุกครั้งที่สำรวจ)",
            rubric="bands",
            result="number",
            source="computed_or_reported",
            hint_th="กรอกผลที่รายงาน และกรอกคำตอบแบบสำรวจในแผ่นงาน “{survey_sheet}”",
            compute=_survey,
            excel_computed=_excel_survey,
            computed_unit="ร้อยละ",
        ),
        Kind(
            "weighted_items",
            "รายการย่อยถ่วงน้ำหนัก",
            "ค่าเฉลี่ยถ่วงน้ำหนักของรายการย่อย (ร้อยละ) แล้วเทียบช่วงค่า",
            rubric="bands",
            result="number",
            source="computed_or_reported",
            hint_th=_FILL_DATA,
            fields=_items_fields,
            compute=_weighted_items,
            excel_computed=_excel_weighted,
            computed_unit="ร้อยละ",
        ),
        Kind(
            "milestones",
            "ระดับขั้นของความสำเร็จ",
            "จำนวนขั้นตอนที่ทำแล้วต่อเนื่องตั้งแต่ขั้นตอนที่ 1",
            rubric="milestones",
            result="formula",
            source="computed",
            hint_th="ใส่ ✓ ขั้นตอนที่ทำแล้วในแผ่นงาน ข้อมูลประกอบ",
            missing_th="ขั้นตอนที่ทำแล้ว (แผ่นงาน ข้อมูลประกอบ)",
            missing_en="The steps done (supporting data)",
            fields=_milestone_fields,
            compute=_milestones,
            excel_computed=_excel_milestones,
        ),
        Kind(
            "deadline_date",
            "กำหนดวันที่",
            "วันที่ส่ง เทียบกับวันที่กำหนดของแต่ละระดับ (ยิ่งเร็วยิ่งดี)",
            rubric="deadline",
            deadline="date",
            result="date",
            source="reported",
            hint_th="กรอกวันที่ส่ง (วัน/เดือน/ปี)",
            missing_th="วันที่ส่ง",
            missing_en="The delivery date",
        ),
        Kind(
            "deadline_monthly",
            "ส่งรายงานทุกเดือนภายในวันที่กำหนด",
            "วันที่ส่งรายงานของทุกเดือน เดือนที่ช้าที่สุดเป็นตัวตัดสิน",
            rubric="deadline",
            deadline="day_of_next_month",
            result="formula",
            source="computed",
            hint_th="กรอกวันที่ส่งรายงานแต่ละเดือนในแผ่นงาน ข้อมูลประกอบ (ช่องนี้ = จำนวนวัน"
            "หลังสิ้นเดือนของเดือนที่ช้าที่สุด เมื่อกรอกครบทุกเดือน)",
            missing_th="วันที่ส่งรายงาน (แผ่นงาน ข้อมูลประกอบ)",
            missing_en="The delivery dates",
            fields=_monthly_fields,
            compute=_monthly,
            excel_computed=_excel_monthly,
            computed_unit="วันหลังสิ้นเดือน",
        ),
        Kind(
            "deadline_after_year_end",
            "ภายในจำนวนวันหลังสิ้นปีงบประมาณ",
            "จำนวนวันหลังวันสิ้นปีงบประมาณ (30 ก.ย.) ถึงวันที่ส่ง",
            rubric="deadline",
            deadline="days_after_year_end",
            result="date",
            source="reported",
            hint_th="กรอกวันที่ส่ง (วัน/เดือน/ปี)",
            missing_th="วันที่ส่ง",
            missing_en="The delivery date",
        ),
    )
}
"""Every kind, by the name written in the master's ``kind`` column."""

KIND_NAMES: tuple[str, ...] = tuple(KINDS)
BAND_KINDS: tuple[str, ...] = tuple(k for k, v in KINDS.items() if v.rubric == "bands")


def kinds_where(predicate: Callable[[Kind], bool]) -> list[str]:
    """Names of the kinds an entry's predicate holds for (for column operations)."""
    return [name for name, kind in KINDS.items() if predicate(kind)]
