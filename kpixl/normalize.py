"""Typed values from raw cells: what people really type, read the way they meant it.

Adds typed columns to a cells frame (see :data:`kpixl.workbook.CELL_COLUMNS`) with column
operations; nothing here reads Excel.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

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

    Args:
        cells: columns :data:`kpixl.workbook.CELL_COLUMNS`.

    Returns:
        The same rows with: ``number`` (float, NaN), ``number_status`` (one of
        :data:`NUMBER_STATUSES`), ``date`` (``datetime.date`` or None), ``date_era``
        (``date``, ``be``, ``ce``, ``short`` or ""), ``tick`` (True done, False not done,
        NA unreadable or blank), ``text`` (the raw value as clean text), ``blank`` (nothing
        typed: no value, no formula, no error), ``shown`` (how a number was read),
        ``written`` (the value as the division wrote it, for messages).
    """
    frame = cells.copy()
    formula = frame["formula"].fillna("").ne("")
    error = frame["error"].fillna("").ne("")
    raw = frame["raw"].astype(object)
    numbers = parse_numbers(raw)
    status = numbers["status"].astype(object)
    status[formula & raw.isna()] = "uncalculated"
    status[error] = "error"
    frame["number"] = numbers["number"].where(~error & ~status.eq("uncalculated"))
    frame["number_status"] = status
    readings = raw.map(read_date)
    frame["date"] = readings.map(lambda r: r.date)
    frame["date_era"] = readings.map(lambda r: r.era)
    frame["text"] = raw.map(_text)
    frame["blank"] = frame["text"].eq("") & ~formula & ~error
    lowered = frame["text"].str.lower()
    tick = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    tick[lowered.isin(_TICK_DONE)] = True
    tick[lowered.isin(_TICK_NOT_DONE) & lowered.ne("")] = False
    frame["tick"] = tick
    frame["shown"] = frame["number"].map(format_number)
    frame["written"] = raw.map(value_text)
    return frame


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
    frame = cells.copy()
    frame.loc[scale, "number"] = frame.loc[scale, "number"] * 100
    frame.loc[scale, "number_status"] = "normalised"
    frame.loc[scale, "written"] = frame.loc[scale, "number"].map(lambda v: f"{format_number(v)}%")
    frame.loc[scale, "shown"] = frame.loc[scale, "number"].map(format_number)
    return frame


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value))
