"""Issue 7's property test: arbitrary content in every input cell of division workbooks.

Hypothesis fills every cell a division types into — the form's results, the supporting
data, survey answers, the target plan, the sign-off — with text, numbers, Thai digits,
"85%", percent cells, error values, dates, formulas with and without a calculated result,
very long strings and blanks, and checks that

* the run completes: no exception, and no ``internal-error`` (a caught crash);
* every non-blank input kpixl cannot read has a finding on its own cell (same sheet, same
  A1 address): both the inputs that cannot be read whatever the cell expects (an error
  value, a formula without a result, letters where a number, a date, a tick or an answer
  belongs) and every cell kpixl itself leaves unused (``state`` invalid);
* nothing is scored from it: a KPI with such an input has no level, or the level it has
  with that input blank (each generated workbook is evaluated beside a copy with those
  inputs blanked), and the one rule holds for the cells kpixl leaves unused.

Most examples are built in memory (:class:`builders.Book`), several workbooks per example
evaluated in one batch, as ``kpixl check`` does; a few are written with openpyxl, run
through :func:`kpixl.batch.run_batch` with annotated copies, and their cells compared with
the in-memory model of the same typing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import pandas as pd
import pytest
from builders import ERRORS, Book, Error, Formula, Percent, make_master
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kpixl import kinds as K
from kpixl import layout as L
from kpixl.batch import run_batch
from kpixl.cells import cell_ref
from kpixl.evaluation import Evaluation, evaluate
from kpixl.evaluation import frames as F
from kpixl.fill import Filler
from kpixl.master import Master
from kpixl.reader import read_workbook
from kpixl.templates import write_division_workbook

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
FREE_TEXT = {("target", "success_factor"), ("signoff", "signed_by")}
"""Cells of free text: any text is what the division means."""
GARBAGE_LETTERS = "qzjvฆฌฎฑฒ "
"""Letters that make no number, date, month, tick or Likert word in any language kpixl reads."""

# --- what is typed ------------------------------------------------------------------------


@dataclass(frozen=True)
class Typed:
    """A value typed into a cell, and whether no reading of any cell type could use it."""

    value: Any
    unreadable: bool = False

    def __repr__(self) -> str:
        shown = repr(self.value)
        shown = shown if len(shown) <= 60 else f"{shown[:40]}…({len(shown)} characters)"
        return f"Typed({shown}{', unreadable' if self.unreadable else ''})"


_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r"), max_size=12
)
_garbage = st.text(st.sampled_from(GARBAGE_LETTERS), min_size=2, max_size=10).filter(
    lambda t: t.strip() != ""
)
_long = st.tuples(_text.filter(bool), st.integers(500, 32_000)).map(
    lambda t: (t[0] * (t[1] // len(t[0]) + 1))[:32_000]
)
_formulas = st.sampled_from(["=A1*2", "=SUM(D7:D9)", "=1/0", "=TODAY()", '=""&B2'])
_numbers = st.one_of(
    st.integers(-1_000, 200_000),
    st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
    st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 3)),
)
_readable_or_not = st.one_of(
    st.none(),
    st.sampled_from(["", "   "]),
    _numbers,
    st.integers(0, 150).map(lambda n: str(n).translate(THAI_DIGITS)),
    st.integers(0, 150).map(lambda n: f"{n}%"),
    st.floats(0, 1.5, allow_nan=False).map(Percent),
    st.dates(dt.date(2018, 1, 1), dt.date(2027, 12, 31)),
    # Excel keeps no microseconds; a time is what the reader gives for a number below 1
    # typed into a date cell
    st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2024, 12, 31))
    .map(lambda d: d.replace(microsecond=0, fold=0))
    .filter(lambda d: d.time() != dt.time(0)),
    st.times().map(lambda t: t.replace(microsecond=0, fold=0)),
    st.sampled_from([*L.TICKS_DONE, *L.TICKS_NOT_DONE, "√", L.SIGNOFF_YES, L.SIGNOFF_NO]),
    st.sampled_from(["๑๐ ธ.ค. ๒๕๖๔", "10/12/2021", "30 ก.ย. 65", "1,234.5", "1.2.3", "1/2", "-"]),
    st.booleans(),
    _text,
    _long,
    st.builds(Formula, _formulas, st.one_of(_numbers, st.dates(dt.date(2021, 1, 1)))),
)
_unreadable = st.one_of(
    st.sampled_from(ERRORS),
    st.builds(Error, st.sampled_from(ERRORS), _formulas),
    _formulas,  # typed, never calculated
    st.builds(Formula, _formulas, st.none()),
    st.builds(Formula, _formulas, _garbage),
    _garbage,
    _garbage.map(lambda t: t * 2000),
)
CONTENT = st.one_of(
    _readable_or_not.map(Typed), _unreadable.map(lambda v: Typed(v, unreadable=True))
)
"""Anything a cell may hold, tagged with whether it is unreadable for any expected type."""


def unreadable_in(table: str, key: str, typed: Typed) -> bool:
    """Whether ``typed`` cannot be read in this cell: in free text only an error value or
    a formula without a result."""
    if not typed.unreadable:
        return False
    if (table, key) not in FREE_TEXT:
        return True
    value = typed.value
    return (
        isinstance(value, Error)
        or (isinstance(value, str) and (value in ERRORS or value.startswith("=")))
        or (isinstance(value, Formula) and not isinstance(value.cached, str | int | float))
    )


# --- generated workbooks ------------------------------------------------------------------


@dataclass
class Generated:
    """A workbook typed in full: what went where, and which inputs cannot be read."""

    book: Book
    typed: dict[tuple[str, str, str], Typed] = field(default_factory=dict)
    answers: dict[str, list[tuple[Typed, list[Typed]]]] = field(default_factory=dict)

    def unreadable(self) -> list[tuple[str, str, str]]:
        """(sheet, A1 address, kpi_id) of every input that cannot be read."""
        out = []
        for (table, kpi_id, key), typed in self.typed.items():
            if unreadable_in(table, key, typed):
                sheet = L.TARGET_SHEET if table in ("target", "signoff") else _sheet(table)
                out.append((sheet, self.book.address(table, kpi_id, key), kpi_id))
        for kpi_id, rows in self.answers.items():
            keys = ["round", *self.book.survey_items(kpi_id)]
            for respondent, (round_no, items) in enumerate(rows, 1):
                if not any(not _blank(t) for t in items):
                    continue  # a row without answers is not read at all
                for key, typed in zip(keys, [round_no, *items], strict=True):
                    if unreadable_in("survey", key, typed):
                        cell = self.book.survey_cell(kpi_id, respondent, key)
                        out.append((self.book.survey_sheet(kpi_id), cell, kpi_id))
        return out

    def cleaned(self, source: str) -> Book:
        """The same workbook with every unreadable input left blank."""
        clean = self.book.copy(source)
        for (table, kpi_id, key), typed in self.typed.items():
            clean.set(table, kpi_id, key, None if unreadable_in(table, key, typed) else typed.value)
        for kpi_id, rows in self.answers.items():
            clean.survey(kpi_id, [_clean_row(r, i) for r, i in rows])
        return clean


def _sheet(table: str) -> str:
    return {"form": L.FORM_SHEET, "data": L.DATA_SHEET}[table]


def _blank(typed: Typed) -> bool:
    value = typed.value
    return value is None or (isinstance(value, str) and value.strip() == "")


def _clean_row(round_no: Typed, items: list[Typed]) -> tuple[Any, list[Any]]:
    def clean(t: Typed, key: str) -> Any:
        return None if unreadable_in("survey", key, t) else t.value

    return clean(round_no, "round"), [clean(t, "item") for t in items]


def _fill(data: st.DataObject, book: Book) -> Generated:
    generated = Generated(book)
    for table, kpi_id, key in book.input_cells():
        typed = data.draw(CONTENT, label=f"{table} {kpi_id} {key}")
        generated.typed[(table, kpi_id, key)] = typed
        book.set(table, kpi_id, key, typed.value)
    for kpi_id in book.survey_kpis():
        width = len(book.survey_items(kpi_id))
        rows = data.draw(
            st.lists(
                st.tuples(
                    st.one_of(st.sampled_from([1, 2]).map(Typed), CONTENT),
                    st.lists(CONTENT, min_size=width, max_size=width),
                ),
                max_size=4,
            ),
            label=f"survey {kpi_id}",
        )
        generated.answers[kpi_id] = rows
        book.survey(kpi_id, [(r.value, [t.value for t in items]) for r, items in rows])
    return generated


# --- the properties -----------------------------------------------------------------------


@contextmanager
def cell_states() -> Iterator[list[pd.DataFrame]]:
    """The typed cells of every evaluation run inside (what kpixl made of each cell)."""
    seen: list[pd.DataFrame] = []
    original = F.prepare_cells

    def spy(*args: Any, **kwargs: Any) -> pd.DataFrame:
        cells = original(*args, **kwargs)
        seen.append(cells)
        return cells

    with mock.patch.object(F, "prepare_cells", spy):
        yield seen


_REPORTED = set(K.kinds_where(lambda k: k.source == "reported"))
_FALLBACK = set(K.kinds_where(lambda k: k.source == "computed_or_reported"))
_COMPUTED = set(K.kinds_where(lambda k: k.computed)) - {"survey"}


def check_properties(
    evaluation: Evaluation, generated: dict[str, Generated], states: list[pd.DataFrame]
) -> None:
    """The properties of the module docstring, for the workbooks ``generated`` (source →)
    evaluated in ``evaluation`` beside their cleaned copies (``<source>~clean``)."""
    findings = evaluation.findings
    assert "internal-error" not in set(findings["code"]), findings[["source", "value"]]
    at = set(zip(findings["source"], findings["sheet"], findings["cell"], strict=True))
    level = {
        (s, k): None if pd.isna(v) else int(v)
        for s, k, v in zip(
            evaluation.kpis["source"],
            evaluation.kpis["kpi_id"],
            evaluation.kpis["level"],
            strict=True,
        )
    }
    for source, gen in generated.items():
        for sheet, cell, kpi_id in gen.unreadable():
            assert (source, sheet, cell) in at, (source, sheet, cell, "no finding")
            if kpi_id and (source, kpi_id) in level:
                mine, clean = level[(source, kpi_id)], level[(f"{source}~clean", kpi_id)]
                assert mine is None or mine == clean, (source, kpi_id, cell, mine, clean)
    cells = pd.concat(states, ignore_index=True).drop_duplicates(
        ["source", "sheet", "row", "column"]
    )
    cells = cells[cells["source"].isin(set(generated))]
    invalid = cells[cells["state"].eq("invalid")]
    for rec in invalid.to_dict("records"):
        address = cell_ref(int(rec["row"]), int(rec["column"]))
        assert (rec["source"], rec["sheet"], address) in at, (rec["source"], rec["sheet"], address)
    _one_rule(evaluation, cells, level)
    totals = evaluation.totals.set_index("source")
    for source in generated:
        mine = evaluation.kpis[evaluation.kpis["source"] == source]
        total = totals.loc[source, "total"]
        assert pd.isna(total) == mine["level"].isna().all(), source
        assert bool(totals.loc[source, "complete"]) == (
            not mine.empty and mine["level"].notna().all()
        )


def _one_rule(
    evaluation: Evaluation, cells: pd.DataFrame, level: dict[tuple[str, str], int | None]
) -> None:
    """No level from an input kpixl leaves unused (the one rule of :mod:`kpixl.kinds`)."""
    kinds = dict(
        zip(
            zip(evaluation.kpis["source"], evaluation.kpis["kpi_id"], strict=True),
            evaluation.kpis["kind"],
            strict=True,
        )
    )
    by_kpi = cells[cells["kpi_id"].ne("")].groupby(["source", "kpi_id"], sort=False)
    for key, mine in by_kpi:
        if key not in kinds or level.get(key) is None:
            continue
        kind = kinds[key]
        result = mine[mine["table"].eq("form") & mine["field"].eq("result")]
        inputs = mine[mine["table"].eq("data") & mine["field"].ne(L.COMPUTED)]
        result_invalid = result["state"].eq("invalid").any()
        if kind in _REPORTED:
            assert not result_invalid, (key, "scored from an unusable result")
        if kind in _COMPUTED:
            assert not inputs["state"].eq("invalid").any(), (key, "scored from unusable data")
        if kind in _FALLBACK and kind != "survey" and inputs["state"].eq("blank").all():
            assert not result_invalid, (key, "scored from an unusable result")


# --- in memory ----------------------------------------------------------------------------

DIVISIONS = ("A", "COM", "FIN", "EDU", "SEC", "PER")
"""The inline master's division (one KPI per kind) and bundled divisions: quarter rows,
surveys of one and two rounds, monthly and yearly deadlines, bands, an unscorable KPI."""


@pytest.fixture(scope="module")
def blanks(master: Master) -> dict[str, Book]:
    inline = make_master()
    return {code: Book(inline if code == "A" else master, code, source=code) for code in DIVISIONS}


@pytest.fixture(scope="module")
def masters(master: Master) -> list[Master]:
    return [make_master(), master]


NO_SHRINKING = (Phase.explicit, Phase.reuse, Phase.generate)
"""An example is hundreds of cells and a second to evaluate: shrinking one takes many
minutes, and the failure already names the workbook, sheet and cell."""


@settings(
    max_examples=12,
    deadline=None,
    phases=NO_SHRINKING,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_any_content_in_any_input_cell(
    data: st.DataObject, blanks: dict[str, Book], masters: list[Master]
) -> None:
    codes = data.draw(st.lists(st.sampled_from(DIVISIONS), min_size=2, max_size=4), label="books")
    generated = {}
    books = []
    for number, code in enumerate(codes):
        source = f"{number}-{code}.xlsx"
        gen = _fill(data, blanks[code].copy(source))
        generated[source] = gen
        books += [gen.book.workbook(), gen.cleaned(f"{source}~clean").workbook()]
    with_master = data.draw(st.booleans(), label="with master")
    with cell_states() as states:
        evaluation = evaluate(books, masters if with_master else None)
    check_properties(evaluation, generated, states)


# --- real files ---------------------------------------------------------------------------


def _as_openpyxl_types(value: Any) -> tuple[Any, str | None]:
    """What openpyxl can write for a typed value, and a number format: a formula's
    result and an error value's formula cannot be written, so they are left out."""
    if isinstance(value, Formula):
        return value.text, None
    if isinstance(value, Error):
        return value.code, None
    if isinstance(value, Percent):
        return value.number, "0%"
    return value, None


def _written(value: Any) -> Any:
    """The value the in-memory model holds for what openpyxl wrote (it writes 16
    significant digits of a float)."""
    typed, fmt = _as_openpyxl_types(value)
    if isinstance(typed, float):
        typed = float(f"{typed:.15g}")
    if isinstance(typed, str) and typed.strip() == "":
        typed = ""  # openpyxl does not keep a text of spaces (Excel does)
    return Percent(typed) if fmt else typed


def _assert_same_cells(real: pd.DataFrame, mine: pd.DataFrame) -> None:
    """The reader's reading of the file is the in-memory model's, but where a number was
    typed into a cell the template formats as a date: the reader gives the date, the time
    or the number Excel shows there, the model the number."""
    dated = real["raw"].map(lambda v: isinstance(v, dt.date | dt.time))
    number = mine["raw"].map(lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    shown_as_date = pd.Series(dated.to_numpy() & number.to_numpy(), index=real.index)
    a = _comparable(real[~shown_as_date])
    b = _comparable(mine[~pd.Series(shown_as_date.to_numpy(), index=mine.index)])
    if a.equals(b):
        return
    both = a.merge(b, how="outer", indicator=True)
    odd = both[both["_merge"] != "both"].assign(raw=lambda f: f["raw"].str.slice(0, 60))
    raise AssertionError(
        odd[["sheet", "row", "column", "field", "raw", "_merge"]].head(8).to_string()
    )


def _as_written(typed: Typed) -> Typed:
    # a formula written without its result is one kpixl cannot read
    return Typed(_written(typed.value), typed.unreadable or isinstance(typed.value, Formula))


def _comparable(cells: pd.DataFrame) -> pd.DataFrame:
    out = cells.assign(
        has_formula=cells["formula"].ne(""),
        raw=cells["raw"].where(cells["formula"].eq(""), None),
    )
    out["raw"] = out["raw"].map(repr)
    columns = ["sheet", "table", "kpi_id", "field", "row", "column", "error", "percent"]
    return (
        out[[*columns, "has_formula", "raw"]]
        .sort_values(["sheet", "row", "column"])
        .reset_index(drop=True)
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_division_workbook(
        make_master(), "A", tmp_path_factory.mktemp("fuzz") / "template.xlsx"
    )


@settings(
    max_examples=2,
    deadline=None,
    phases=NO_SHRINKING,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(data=st.data())
def test_any_content_in_a_real_file(
    data: st.DataObject, blanks: dict[str, Book], template: Path, tmp_path: Path
) -> None:
    gen = _fill(data, blanks["A"].copy("typed.xlsx"))
    # what openpyxl cannot write (a formula's cached result) is typed without it
    for (table, kpi_id, key), typed in list(gen.typed.items()):
        gen.typed[(table, kpi_id, key)] = _as_written(typed)
        gen.book.set(table, kpi_id, key, _written(typed.value))
    for kpi_id, rows in gen.answers.items():
        rows[:] = [(_as_written(r), [_as_written(t) for t in items]) for r, items in rows]
        gen.book.survey(kpi_id, [(r.value, [t.value for t in items]) for r, items in rows])
    filler = Filler(template)
    for table, kpi_id, key in gen.book.input_cells():
        value, fmt = _as_openpyxl_types(gen.typed[(table, kpi_id, key)].value)
        sheet_name, address = _place(gen.book, table, kpi_id, key)
        cell = filler.book[sheet_name][address]
        cell.value = value
        if isinstance(value, str) and value in ERRORS:
            cell.data_type = "e"
        if fmt:
            cell.number_format = fmt
    for kpi_id, rows in gen.answers.items():
        sheet = filler.book[gen.book.survey_sheet(kpi_id)]
        keys = ["round", *gen.book.survey_items(kpi_id)]
        for respondent, (round_no, items) in enumerate(rows, 1):
            for key, typed in zip(keys, [round_no, *items], strict=True):
                value, fmt = _as_openpyxl_types(typed.value)
                if key == "round" and value is None:
                    continue  # left as the template has it
                cell = sheet[gen.book.survey_cell(kpi_id, respondent, key)]
                cell.value = value
                if isinstance(value, str) and value in ERRORS:
                    cell.data_type = "e"
                if fmt:
                    cell.number_format = fmt
    path = tmp_path / f"typed-{len(list(tmp_path.iterdir()))}.xlsx"
    filler.save(path)
    _assert_same_cells(read_workbook(path, source="typed.xlsx").cells, gen.book.workbook().cells)
    clean_path = path.with_name(path.stem + "~clean.xlsx")
    _save_clean(template, gen, clean_path)
    out = tmp_path / f"out-{path.stem}"
    with cell_states() as states:
        result = run_batch([path, clean_path], master=make_master(), out_dir=out)
    assert result.unusable.empty
    renamed = {path.name: gen}
    check_properties(_renamed(result.evaluation, path.name, clean_path.name), renamed, states)
    assert set(result.annotated) == {path.name, clean_path.name}
    assert "annotation-failed" not in set(result.findings["code"])
    # the copy can be read back (a division may return it corrected)
    assert read_workbook(result.annotated[path.name]).checked_copy


def _place(book: Book, table: str, kpi_id: str, key: str) -> tuple[str, str]:
    sheet = L.TARGET_SHEET if table in ("target", "signoff") else _sheet(table)
    return sheet, book.address(table, kpi_id, key)


def _save_clean(template: Path, gen: Generated, path: Path) -> None:
    filler = Filler(template)
    clean = gen.cleaned("clean")
    cells = clean.cells()
    inputs = set(clean.input_cells())
    for rec in cells.to_dict("records"):
        if rec["table"] == "survey" or (rec["table"], rec["kpi_id"], rec["field"]) in inputs:
            cell = filler.book[rec["sheet"]][cell_ref(rec["row"], rec["column"])]
            value = rec["formula"] or rec["error"] or rec["raw"]
            cell.value = value
            if rec["error"]:
                cell.data_type = "e"
            if rec["percent"]:
                cell.number_format = "0%"
    filler.save(path)


def _renamed(evaluation: Evaluation, source: str, clean: str) -> Evaluation:
    """The evaluation with the cleaned copy's source as :func:`check_properties` names it."""

    def rename(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(source=frame["source"].replace({clean: f"{source}~clean"}))

    return Evaluation(
        rename(evaluation.workbooks),
        rename(evaluation.kpis),
        rename(evaluation.totals),
        rename(evaluation.findings),
        rename(evaluation.fills),
    )
