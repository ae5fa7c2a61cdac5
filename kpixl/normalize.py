"""Typed values from raw cells: what people really type, read the way they meant it.

Adds typed columns to a cells frame (see :data:`kpixl.workbook.CELL_COLUMNS`) with column
operations; nothing here reads Excel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import take

from kpixl import layout as L
from kpixl.findings import value_text
from kpixl.fiscal import read_date
from kpixl.thai import clean_text, format_number, parse_numbers

_TICK_DONE = {t.lower() for t in L.TICKS_DONE}
_TICK_NOT_DONE = {t.lower() for t in L.TICKS_NOT_DONE}
NUMBER_STATUSES = ("empty", "number", "normalised", "unreadable", "error", "uncalculated")


def normalize_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells frame with typed columns added.

    A formula cell is read by its cached result, as the workbook shows it; a formula
    without one is ``uncalculated``; a cell holding an Excel error value is ``error``.

    Every reading is done once per distinct value (a round's workbooks share most of their
    labels, criteria and numbers), numbers by :func:`kpixl.thai.parse_numbers`, and
    spread back to the cells.

    Args:
        cells: columns :data:`kpixl.workbook.CELL_COLUMNS`.

    Returns:
        The same rows with: ``number`` (float, NaN), ``number_status`` (one of
        :data:`NUMBER_STATUSES`), ``date`` (``datetime.date`` or None), ``date_era``
        (``date``, ``be``, ``ce``, ``short`` or ""), ``tick`` (True done, False not done,
        NA unreadable or blank), ``text`` (the raw value as clean text), ``blank`` (nothing
        typed: no value, no formula, no error), ``shown`` (how a number was read),
        ``written`` (the value as the division wrote it, for messages), ``is_text`` (the
        value is text, not a number, date or truth value).
    """
    frame = cells.copy(deep=False)  # copy-on-write: the columns added are its own
    formula = frame["formula"].fillna("").ne("").to_numpy()
    error = frame["error"].fillna("").ne("").to_numpy()
    raw = frame["raw"].astype(object)
    uniques, codes = distinct(raw.to_numpy())
    values = pd.Series(uniques, dtype=object)
    numbers = parse_numbers(values)
    readings = [read_date(v) for v in uniques]
    texts, written = _as_text(uniques)
    lowered = [t.lower() for t in texts]
    ticks = np.array(
        [
            False if t and t in _TICK_NOT_DONE else True if t in _TICK_DONE else None
            for t in lowered
        ],
        dtype=object,
    )
    number_of = numbers["number"].to_numpy()
    status = numbers["status"].to_numpy(dtype=object)[codes]
    uncalculated = formula & pd.isna(raw).to_numpy()
    status[uncalculated] = "uncalculated"
    status[error] = "error"
    number = number_of[codes].copy()
    number[error | (status == "uncalculated")] = np.nan
    index = frame.index
    frame["number"] = pd.Series(number, index=index, dtype="float64")
    frame["number_status"] = pd.Series(status, index=index, dtype=object)
    frame["date"] = pd.Series(
        np.array([r.date for r in readings], dtype=object)[codes], index=index, dtype=object
    )
    frame["date_era"] = pd.Series(
        np.array([r.era for r in readings], dtype=object)[codes], index=index
    )
    text = np.array(texts, dtype=object)[codes]
    frame["text"] = pd.Series(text, index=index)
    frame["is_text"] = np.array([isinstance(v, str) for v in uniques], dtype=bool)[codes]
    frame["blank"] = pd.Series((text == "") & ~formula & ~error, index=index, dtype=bool)
    frame["tick"] = pd.Series(ticks[codes], index=index, dtype="boolean")
    shown = np.array([format_number(v) for v in number_of], dtype=object)[codes]
    shown[np.isnan(number)] = ""
    frame["shown"] = pd.Series(shown, index=index)
    frame["written"] = pd.Series(written[codes], index=index)
    return frame


def text_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells frame with the two readings :func:`normalize_cells` adds that a cell read
    only as text needs: ``text`` (the raw value as clean text) and ``written`` (the value as
    the division wrote it), once per distinct value."""
    uniques, codes = distinct(cells["raw"].to_numpy(dtype=object))
    texts, written = _as_text(uniques)
    return cells.assign(text=np.array(texts, dtype=object)[codes], written=written[codes])


def _as_text(uniques: Sequence[object]) -> tuple[list[str], np.ndarray]:
    """Each value as clean text (:func:`_text`) and as written (for messages)."""
    return [_text(v) for v in uniques], np.array([value_text(v) for v in uniques], dtype=object)


def distinct(values: np.ndarray) -> tuple[list[object], np.ndarray]:
    """The distinct values (told apart by type too: 1, 1.0 and True are three) and, per
    value, the position of its distinct one.

    An array of one type (numbers, or texts only) is hashed by pandas; a float is told
    apart by its bits, so -0.0 is not 0.0 (two NaNs may then be two distinct values, each
    still NaN). Values of mixed types go through :func:`_distinct_mixed`.
    """
    if values.dtype.kind in "iub":
        codes, uniques = pd.factorize(values)
        return list(uniques), codes
    if values.dtype.kind == "f":
        codes, bits = pd.factorize(values.view(f"i{values.itemsize}"))
        return bits.view(values.dtype).tolist(), codes  # Python floats, as an object array's
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string":
        codes, uniques = pd.factorize(values)
        return list(uniques), codes
    return _distinct_mixed(values)


def _distinct_mixed(values: np.ndarray) -> tuple[list[object], np.ndarray]:
    """:func:`distinct` for values of mixed types: the values of each type at once (texts,
    numbers, truth values and blanks hashed by pandas), any other type value by value."""
    class_codes, kinds = pd.factorize(_CLASS_OF(values))
    uniques: list[object] = []
    codes = np.empty(len(values), dtype=np.intp)
    for code, kind in enumerate(kinds):
        at = np.flatnonzero(class_codes == code)
        group = values[at]
        found: list[object]
        if kind is float:
            found, group_codes = distinct(group.astype(np.float64))
        elif kind is type(None):
            group_codes, found = np.zeros(len(at), dtype=np.intp), [None]
        elif kind in (str, int, bool):
            group_codes, hashed = pd.factorize(group)
            found = list(hashed)
        else:
            found, group_codes = _each_distinct(group)
        codes[at] = group_codes + len(uniques)
        uniques += found
    return uniques, codes


_CLASS_OF = np.frompyfunc(type, 1, 1)


def _each_distinct(values: np.ndarray) -> tuple[list[object], np.ndarray]:
    """:func:`distinct` value by value, for values of any types."""
    positions: dict[object, int] = {}
    uniques: list[object] = []
    codes = np.empty(len(values), dtype=np.intp)
    for i, value in enumerate(values):
        kind = value.__class__
        key: object = (kind, value)
        if kind is float and (value == 0 or value != value):
            # -0.0 == 0.0 (and hashes so): keep the sign apart; NaN is not NaN: one key
            key = (kind, str(value))
        try:
            code = positions.get(key)
        except TypeError:  # unhashable: its own
            code = None
            key = None
        if code is None:
            code = len(uniques)
            uniques.append(value)
            if key is not None:
                positions[key] = code
        codes[i] = code
    return uniques, codes


def lookup(
    left: pd.DataFrame, right: pd.DataFrame, on: Sequence[str], columns: Sequence[str]
) -> dict[str, Any]:
    """Per row of ``left``, the ``columns`` of the first row of ``right`` with the same
    values of ``on`` (missing where there is none): what a left merge with ``right`` without
    duplicate keys adds, without copying every column of ``left``."""
    positions = lookup_positions(left, right, on)
    return {name: take(right[name].array, positions, allow_fill=True) for name in columns}


def lookup_positions(left: pd.DataFrame, right: pd.DataFrame, on: Sequence[str]) -> np.ndarray:
    """Per row of ``left``, the position in ``right`` of its first row with the same values
    of ``on`` (NaN matching NaN, as in a merge); -1 where there is none."""
    # Each side's keys as one whole number: the code of each key's value among the values
    # ``right`` has, column after column (one factorisation of both sides: ``right``'s
    # values come first, so they get the codes below ``known``; a value only ``left`` has
    # gets ``known``, one code for all of them).
    mine = np.zeros(len(left), dtype=np.int64)
    theirs = np.zeros(len(right), dtype=np.int64)
    unknown = np.zeros(len(left), dtype=bool)
    for name in on:
        ours = right[name]
        codes = _key_codes(ours, left[name])
        known = int(codes[: len(ours)].max()) + 1 if len(ours) else 0
        found = np.minimum(codes[len(ours) :], known)
        unknown |= found == known
        mine = mine * (known + 1) + found
        theirs = theirs * (known + 1) + codes[: len(ours)]
    keys, first = np.unique(theirs, return_index=True)
    at = np.minimum(np.searchsorted(keys, mine), max(len(keys) - 1, 0))
    positions = np.full(len(left), -1)
    if len(keys):
        hit = ~unknown & (keys[at] == mine)
        positions[hit] = first[at[hit]]
    return positions


def _key_codes(right: pd.Series, left: pd.Series) -> np.ndarray:
    """One key column's values, ``right``'s then ``left``'s, as codes equal where the values
    are (NaN equal to NaN). A categorical ``left`` (a chunk's cells by their KPI) is read by
    its codes, so that only ``right``'s values are looked up, not every cell's; and only
    ``right``'s categories where it has some too."""
    if not isinstance(left.dtype, pd.CategoricalDtype):
        values = np.concatenate([right.to_numpy(), left.to_numpy()])
        codes, _ = pd.factorize(values, use_na_sentinel=False)
        return np.asarray(codes, dtype=np.int64)
    categories = left.cat.categories
    nan, absent = len(categories), len(categories) + 1  # absent: a value no cell has
    if isinstance(right.dtype, pd.CategoricalDtype):
        among = categories.get_indexer(right.cat.categories)
        among = np.append(np.where(among < 0, absent, among), nan)  # code -1: missing
        theirs = among[right.cat.codes.to_numpy()]
    else:
        values = right.to_numpy()
        theirs = categories.get_indexer(values)
        theirs = np.where(pd.isna(values), nan, np.where(theirs < 0, absent, theirs))
    mine = left.cat.codes.to_numpy()
    return np.concatenate([theirs, np.where(mine < 0, nan, mine)]).astype(np.int64)


def map_distinct(values: pd.Series, function: Callable[[Any], Any]) -> pd.Series:
    """``values.map(function)``, calling ``function`` once per distinct value."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        # once per category (and once for a missing value, code -1, if any)
        codes = values.cat.codes.to_numpy()
        uniques = [*values.cat.categories.to_numpy(dtype=object)]
        if (codes < 0).any():
            uniques.append(values.to_numpy(dtype=object)[np.argmax(codes < 0)])
            codes = np.where(codes < 0, len(uniques) - 1, codes)
    else:
        numeric = isinstance(values.dtype, np.dtype) and values.dtype.kind in "iufb"
        uniques, codes = distinct(values.to_numpy() if numeric else values.to_numpy(dtype=object))
    mapped = pd.Series(uniques, dtype=object).map(function)
    return pd.Series(mapped.to_numpy()[codes], index=values.index, dtype=mapped.dtype)


def select_category(
    cases: Sequence[tuple[Any, str | pd.Series]],
    default: str,
    index: pd.Index,
    dtype: pd.CategoricalDtype | None = None,
) -> pd.Series:
    """``np.select`` for text, as categories: per row, the choice of the first
    ``(condition, choice)`` case that holds, else ``default``. A choice is a text or a
    Series (its value on the rows it is chosen for; a missing value stays missing).

    The categories are ``dtype``'s when given, else the texts chosen, sorted (what
    ``.astype("category")`` of the texts makes). Built from a code per row: no text per
    row is made or hashed (``np.select`` over strings would build a fixed-width array and
    a string object per row of a round's cells)."""
    texts: dict[str, int] = {default: 0}
    codes = np.zeros(len(index), dtype=np.int64)
    free = np.ones(len(index), dtype=bool)
    for condition, choice in cases:
        take = free & np.asarray(condition, dtype=bool)
        if isinstance(choice, str):
            codes[take] = texts.setdefault(choice, len(texts))
        else:
            chosen, uniques = pd.factorize(choice.to_numpy(dtype=object)[take])
            mapped = np.array([texts.setdefault(str(u), len(texts)) for u in uniques] + [-1])
            codes[take] = mapped[chosen]  # a missing value (code -1) takes the last: -1
        free &= ~take
    names = list(texts)
    if dtype is None:
        used = np.bincount(codes[codes >= 0], minlength=len(names)) > 0
        dtype = pd.CategoricalDtype(
            pd.Index(sorted(n for n, u in zip(names, used, strict=True) if u), dtype=str)
        )
    renumbered = np.append(dtype.categories.get_indexer(pd.Index(names, dtype=str)), -1)
    return pd.Series(pd.Categorical.from_codes(renumbered[codes], dtype=dtype), index=index)


def text_test(rows: pd.Series, texts: pd.Series, test: Callable[[Any], pd.Series]) -> pd.Series:
    """``rows & test(texts)``, with ``test`` (a text method such as ``.str.startswith``,
    which runs value by value) run only on the rows selected, or, when ``texts`` are
    categories, once per category."""
    out = pd.Series(False, index=rows.index)
    if not rows.any():
        return out
    if isinstance(texts.dtype, pd.CategoricalDtype):
        categories = pd.Series(texts.cat.categories, dtype=str)
        passed = test(categories.str).fillna(False).astype(bool).to_numpy()
        # code -1 (missing) takes the appended False
        hit = np.append(passed, False)[texts.cat.codes.to_numpy()]
        return pd.Series(rows.to_numpy(dtype=bool) & hit, index=rows.index)
    out[rows] = test(texts[rows].str).fillna(False).astype(bool).to_numpy()
    return out


def scale_percent(cells: pd.DataFrame, expects_percent: pd.Series) -> pd.DataFrame:
    """Read a %-formatted number cell that expects a percentage as its percentage.

    Excel and LibreOffice store "85%" typed into a cell as 0.85 with a percent format; in a
    KPI measured in ร้อยละ (0–100) that is 85. The cell's status becomes ``normalised`` so
    its finding says how it was read.

    Args:
        cells: a normalised cells frame (uses ``percent``, ``number``, ``number_status``).
        expects_percent: per row, whether the cell holds a percentage of 0–100.
    """
    scale = (
        expects_percent.fillna(False).astype(bool)
        & cells["percent"].fillna(False).astype(bool)
        & cells["number_status"].eq("number")
    )
    if not scale.any():
        return cells
    frame = cells.copy(deep=False)
    frame.loc[scale, "number"] = frame.loc[scale, "number"] * 100
    frame.loc[scale, "number_status"] = "normalised"
    frame.loc[scale, "written"] = frame.loc[scale, "number"].map(lambda v: f"{format_number(v)}%")
    frame.loc[scale, "shown"] = frame.loc[scale, "number"].map(format_number)
    return frame


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # None, NaN
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value))
