"""Where everything of a division workbook goes, worked out before anything is written.

Formulas on one sheet refer to cells of another (the form's value to the computed row of
the supporting data, or to a survey's satisfaction cell), so every address is planned
first, in one pure pass; the sheet writers then only write what the plan says. Rows and
columns are 0-based here, as xlsxwriter counts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xlsxwriter.utility import xl_rowcol_to_cell

from kpixl import kinds as K
from kpixl import layout as L
from kpixl.definitions import Definitions, KpiDef, SurveyItemDef

SURVEY_ROWS = 150
"""Respondent rows prepared on each survey sheet."""
DATA_INPUT, DATA_UNIT, DATA_HELPER = 3, 4, 5
"""Columns of the supporting-data sheet: the input, its unit or weight, the helper."""


def ref(sheet: str, row: int, col: int) -> str:
    """An absolute cross-sheet reference from 0-based row and column."""
    quoted = sheet.replace("'", "''")
    return f"'{quoted}'!{xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)}"


def span(first: int, last: int, col: int, sheet: str = "") -> str:
    """A one-column range, ``D7:D11`` (absolute and cross-sheet when ``sheet`` is given)."""
    if sheet:
        quoted = sheet.replace("'", "''")
        a = xl_rowcol_to_cell(first, col, row_abs=True, col_abs=True)
        b = xl_rowcol_to_cell(last, col, row_abs=True, col_abs=True)
        return f"'{quoted}'!{a}:{b}"
    return f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)}"


@dataclass
class SurveyPlan:
    """A survey KPI's answer sheet."""

    sheet: str
    rounds: int
    aspects: dict[str, list[SurveyItemDef]]
    item_cols: list[int]
    aspect_cols: list[int]
    overall_col: int
    percent_col: int
    mean_row0: int
    avg_row: int
    table_header: int
    key_row: int
    first_answer: int
    last_answer: int

    @property
    def percent_ref(self) -> str:
        """The satisfaction percent averaged over the rounds."""
        return ref(self.sheet, self.avg_row, self.percent_col)

    @property
    def answers_ref(self) -> str:
        """Every answer cell (for "were any answers given")."""
        if not self.item_cols:
            return ""
        quoted = self.sheet.replace("'", "''")
        a = xl_rowcol_to_cell(self.first_answer, self.item_cols[0], row_abs=True, col_abs=True)
        b = xl_rowcol_to_cell(self.last_answer, self.item_cols[-1], row_abs=True, col_abs=True)
        return f"'{quoted}'!{a}:{b}"


@dataclass
class KpiPlan:
    """One scored KPI row: its form row and, for computing kinds, its inputs."""

    kpi: KpiDef
    form_row: int = 0
    fields: list[K.DataField] = field(default_factory=list)
    group_row: int = -1
    data_rows: dict[str, int] = field(default_factory=dict)
    computed_row: int = -1
    survey: SurveyPlan | None = None

    @property
    def kind(self) -> K.Kind | None:
        return K.KINDS.get(self.kpi.kind)

    def refs(self) -> K.ExcelRefs:
        """The references the kind's Excel formulas use."""
        cells = {key: xl_rowcol_to_cell(row, DATA_INPUT) for key, row in self.data_rows.items()}
        rows = sorted(self.data_rows.values())
        first, last = (rows[0], rows[-1]) if rows else (0, 0)
        survey = self.survey
        return K.ExcelRefs(
            inputs=cells,
            span=span(first, last, DATA_INPUT) if rows else "",
            helpers=span(first, last, DATA_HELPER) if rows else "",
            weights=span(first, last, DATA_UNIT) if rows else "",
            answers=survey.answers_ref if survey else "",
            percent=survey.percent_ref if survey else "",
        )

    @property
    def computed_ref(self) -> str:
        """Where the computed value is (the data sheet's row, or the survey's percent)."""
        if self.survey is not None:
            return self.survey.percent_ref
        if self.computed_row >= 0:
            return ref(L.DATA_SHEET, self.computed_row, DATA_INPUT)
        return ""

    @property
    def inputs_ref(self) -> str:
        """Every supporting input of the KPI, cross-sheet (for "was any given")."""
        if self.survey is not None:
            return self.survey.answers_ref
        rows = sorted(self.data_rows.values())
        return span(rows[0], rows[-1], DATA_INPUT, L.DATA_SHEET) if rows else ""


@dataclass
class FormPlan:
    """The scoring form's rows."""

    group_row: int = 3
    header_row: int = 4
    key_row: int = 5
    first: int = 6
    last: int = 5
    total_row: int = 6
    score_row: int = 7
    signature_row: int = 9


@dataclass
class Plan:
    """Every address of one division workbook."""

    definitions: Definitions
    fiscal_year_be: int
    kpis: list[KpiPlan]
    form: FormPlan
    surveys: list[SurveyPlan]
    data_needed: bool


def plan_survey(kpi: KpiDef) -> SurveyPlan:
    """The layout of one survey KPI's answer sheet."""
    aspects: dict[str, list[SurveyItemDef]] = {}
    for item in kpi.survey_items:
        aspects.setdefault(item.aspect_no, []).append(item)
    first_item = len(L.SURVEY_FIXED)
    count = len(kpi.survey_items)
    item_cols = list(range(first_item, first_item + count))
    after_items = first_item + count
    aspect_cols = list(range(after_items, after_items + len(aspects)))
    overall = after_items + len(aspects)
    mean_row0 = 5
    avg_row = mean_row0 + kpi.survey_rounds
    table_header = avg_row + 2
    key_row = table_header + 1
    return SurveyPlan(
        sheet=L.survey_sheet_name(kpi.kpi_id),
        rounds=kpi.survey_rounds,
        aspects=aspects,
        item_cols=item_cols,
        aspect_cols=aspect_cols,
        overall_col=overall,
        percent_col=overall + 1,
        mean_row0=mean_row0,
        avg_row=avg_row,
        table_header=table_header,
        key_row=key_row,
        first_answer=key_row + 1,
        last_answer=key_row + SURVEY_ROWS,
    )


def plan_workbook(definitions: Definitions) -> Plan:
    """Every address of the division workbook of ``definitions``."""
    fy = definitions.fiscal_year_be or 0
    kpis = [KpiPlan(kpi) for kpi in definitions.scored]
    names: set[str] = set()
    surveys = []
    for plan in kpis:
        kind = plan.kind
        if kind is None:
            continue
        plan.fields = kind.fields(plan.kpi, fy)
        if plan.kpi.kind == "survey" and plan.kpi.survey_items:
            survey = plan_survey(plan.kpi)
            # Two ids may clean to one sheet name ("1/2" and "1-2"): number the second.
            base, number = survey.sheet, 2
            while survey.sheet in names:
                survey.sheet = f"{base[:28]} ({number})"
                number += 1
            names.add(survey.sheet)
            plan.survey = survey
            surveys.append(survey)
    row = 5  # the supporting-data sheet: title, note, header, key row
    for plan in kpis:
        if plan.kind is None or not plan.kind.on_data_sheet:
            continue
        plan.group_row = row
        row += 1
        for item in plan.fields:
            plan.data_rows[item.key] = row
            row += 1
        plan.computed_row = row
        row += 2
    form = FormPlan()
    form.first = form.key_row + 1
    for offset, plan in enumerate(kpis):
        plan.form_row = form.first + offset
    form.last = form.first + len(kpis) - 1
    form.total_row = form.last + 1
    form.score_row = form.total_row + 1
    form.signature_row = form.score_row + 3
    return Plan(
        definitions=definitions,
        fiscal_year_be=fy,
        kpis=kpis,
        form=form,
        surveys=surveys,
        data_needed=any(p.data_rows for p in kpis),
    )
