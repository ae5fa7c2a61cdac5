"""A returned workbook as read: the neutral type between the reader and the evaluation.

The reader (:mod:`kpixl.reader`, Excel at the edge) produces :class:`WorkbookData`; the
evaluation takes it without importing anything that reads Excel.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpixl.findings import findings_frame

CELL_COLUMNS = [
    "source", "sheet", "table", "kpi_id", "field", "raw", "formula", "row", "column",
    "error", "percent", "cached",
]  # fmt: skip
"""Columns of the cells frame: one row per cell read.

* ``source``/``kpi_id``: the cell's workbook and KPI ("" for none), as categories;
* ``raw``: the value as stored — for a formula cell its cached result (None when the file
  carries none);
* ``formula``: the formula text (``=A1*2``), "" for a plain value;
* ``row``/``column``: 1-based Excel coordinates;
* ``error``: an Excel error value the cell holds (``#REF!``, ``#DIV/0!``, ``#N/A`` …), "";
* ``percent``: the cell has a percent number format (85 % typed in Excel is stored 0.85);
* ``cached``: a formula cell carries a calculated result.
"""


BOOK_CELL_COLUMNS = [name for name in CELL_COLUMNS if name != "source"]
"""The columns of one workbook's cells (:data:`CellColumns`): its source is the book's."""

RUN_COLUMNS = ("sheet", "table", "kpi_id", "row")
"""The columns the reader gives as :class:`Runs`: the same for every cell of a row (in the
order of a run's values)."""
CELL_COLUMNS_EACH = [name for name in BOOK_CELL_COLUMNS if name not in RUN_COLUMNS]
"""The columns of one value per cell."""

CellColumns = Mapping[str, Sequence[Any]]
"""One workbook's cells, column by column: a sequence per name of :data:`BOOK_CELL_COLUMNS`,
all of one length (a column that repeats a value cell after cell may be :class:`Runs`)."""


@dataclass(frozen=True)
class Runs(Sequence[Any]):
    """A column of cells as runs of one value: ``values[i]`` repeated ``counts[i]`` times.

    The reader reads a table row by row, and a row's cells share their sheet, table, KPI
    and row: one run each instead of one value per cell, which :func:`cells_frame` turns
    into a column without a value per cell to join and hash."""

    values: tuple[Any, ...]
    counts: tuple[int, ...]

    def __len__(self) -> int:
        return sum(self.counts)

    def __iter__(self) -> Iterator[Any]:
        return itertools.chain.from_iterable(map(itertools.repeat, self.values, self.counts))

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return list(self)[index]
        at = index + len(self) if index < 0 else index
        for value, count in zip(self.values, self.counts, strict=True):
            if 0 <= at < count:
                return value
            at -= count
        raise IndexError("Runs index out of range")


def empty_cells() -> pd.DataFrame:
    """A cells frame with no rows."""
    return pd.DataFrame(columns=CELL_COLUMNS)


def cells_frame(books: Iterable[WorkbookData]) -> pd.DataFrame:
    """The cells of ``books`` in one frame, built once from their columns: a frame per
    workbook, concatenated, costs several times as much as the cells themselves."""
    parts = [(b.source, b.cell_columns) for b in books if len(b.cell_columns["sheet"])]
    if not parts:
        return empty_cells()
    joined = {
        name: list(itertools.chain.from_iterable(columns[name] for _, columns in parts))
        for name in CELL_COLUMNS_EACH
    }
    runs = {name: _runs([columns[name] for _, columns in parts]) for name in RUN_COLUMNS}
    sources: dict[str, int] = {}
    codes = [sources.setdefault(source, len(sources)) for source, _ in parts]
    data: dict[str, Any] = {
        # A cell's KPI (source, kpi_id) as categories: every lookup by KPI compares small
        # integers, not a text per cell.
        "source": pd.Categorical.from_codes(
            np.repeat(codes, [len(columns["sheet"]) for _, columns in parts]),
            categories=pd.Index(list(sources), dtype=str),
        ),
        "sheet": pd.Series(np.repeat(*runs["sheet"]), dtype=str),
        **{name: pd.Series(joined[name], dtype=str) for name in ("formula", "error")},
        "kpi_id": _categorical(*runs["kpi_id"]),
        # Compared with a word dozens of times over every cell: as categories, each
        # comparison is one of small integers (a text column's costs ~75 ns a cell).
        "table": _categorical(*runs["table"]),
        "field": _categorical(np.array(joined["field"], dtype=object)),
        # An object column: pandas would infer a string dtype for a column of text and
        # None, and a blank would read back as NaN.
        "raw": pd.Series(joined["raw"], dtype=object),
        "row": np.repeat(runs["row"][0].astype("int64"), runs["row"][1]),
        "column": np.array(joined["column"], dtype="int64"),
        "percent": np.array(joined["percent"], dtype=bool),
        "cached": np.array(joined["cached"], dtype=bool),
    }
    # Every column is made here for this frame alone: nothing to copy.
    return pd.DataFrame(data, columns=CELL_COLUMNS, copy=False)


def _runs(columns: Sequence[Sequence[Any]]) -> tuple[np.ndarray, np.ndarray]:
    """The runs of ``columns`` one after the other: their values and their lengths (a
    column that is not :class:`Runs` is runs of one)."""
    values: list[Any] = []
    counts: list[int] = []
    for column in columns:
        if isinstance(column, Runs):
            values += column.values
            counts += column.counts
        else:
            values += column
            counts += itertools.repeat(1, len(column))
    return np.array(values, dtype=object), np.array(counts, dtype=np.int64)


def _categorical(texts: np.ndarray, counts: np.ndarray | None = None) -> pd.Categorical:
    """``pd.Categorical(texts)`` (sorted ``str`` categories) at half its cost; with
    ``counts``, of each text repeated that many times (only the texts are hashed)."""
    codes, uniques = pd.factorize(texts, sort=True)
    if counts is not None:
        codes = np.repeat(codes, counts)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=str))


@dataclass
class WorkbookData:
    """One returned workbook, read.

    Attributes:
        source: the key of this workbook in every frame (its file name by default).
        path: where it was read from.
        meta: the hidden sheet's key/value pairs (``definitions`` left out).
        definitions: the centre's definitions embedded in the workbook (JSON), or None
            when they cannot be read.
        altered: what of the hidden sheet no longer matches the centre's fingerprint
            (Thai, English), or None when the embedded definitions are the centre's: their
            fingerprint holds and the hidden sheet's own fields (division, fiscal year)
            agree with them.
        intact: the embedded definitions match their fingerprint — even where the hidden
            sheet's own division code or fiscal year was edited (``altered`` says so): the
            division and year are then the definitions', which are fingerprinted.
        cell_columns: every cell read, column by column (:data:`CellColumns`); ``cells``
            is the same as a frame.
        unsupported_parts: what an openpyxl round trip would drop (from the container
            inspection), for the annotated copy's fallback path.
        macro_enabled: the package is macro-enabled (.xlsm).
        checked_copy: the workbook is an annotated copy kpixl wrote (sent back corrected).
        finding_records: findings met while reading (layout and hidden-sheet problems),
            as :func:`kpixl.findings.finding` records: a chunk of workbooks makes one frame
            of all of theirs (``findings`` is one workbook's as a frame).
    """

    source: str
    path: Path
    meta: dict[str, str]
    definitions: dict[str, Any] | None
    cell_columns: CellColumns = field(repr=False)
    altered: tuple[str, str] | None = None
    intact: bool = False
    unsupported_parts: tuple[str, ...] = ()
    macro_enabled: bool = False
    checked_copy: bool = False
    finding_records: tuple[Mapping[str, Any], ...] = ()

    @property
    def findings(self) -> pd.DataFrame:
        """The findings met while reading, as a frame."""
        return findings_frame(self.finding_records)

    @functools.cached_property
    def cells(self) -> pd.DataFrame:
        """Every cell read (columns :data:`CELL_COLUMNS`). The evaluation builds one frame
        of a whole chunk's cells instead (:func:`cells_frame`)."""
        return cells_frame([self])

    @property
    def trusted(self) -> bool:
        """Whether the embedded definitions can be trusted (see ``altered``)."""
        return self.altered is None

    @property
    def division_code(self) -> str:
        """The division this workbook belongs to: the fingerprinted definitions' when they
        are intact, else what the hidden sheet says."""
        if self.intact and self.definitions is not None:
            code = (self.definitions.get("division") or {}).get("division_code")
            if code:
                return str(code)
        return self.meta.get("division_code", "")

    @property
    def fiscal_year_be(self) -> int:
        """The fiscal year (B.E.) the workbook was made for, 0 when unknown."""
        text = self.meta.get("fiscal_year_be", "")
        if self.intact and self.definitions is not None:
            text = str((self.definitions.get("organisation") or {}).get("fiscal_year_be", text))
        return int(text) if text.isdigit() else 0
