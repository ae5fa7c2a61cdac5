"""Typed values from raw cells: what people really type, read the way they meant it.

Adds typed columns to a cells frame (see :data:`kpixl.reader.CELL_COLUMNS`) with column
operations; nothing here reads Excel.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kpixl import layout as L
from kpixl.fiscal import read_date
from kpixl.thai import clean_text, format_number, parse_numbers

_TICK_DONE = {t.lower() for t in L.TICKS_DONE}
_TICK_NOT_DONE = {t.lower() for t in L.TICKS_NOT_DONE}


def normalize_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells frame with typed columns added.

    Args:
        cells: columns :data:`kpixl.reader.CELL_COLUMNS`.

    Returns:
        The same rows with: ``number`` (float, NaN), ``number_status`` (``empty``,
        ``number``, ``normalised``, ``unreadable``; ``formula`` for a formula cell), ``date``
        (``datetime.date`` or None), ``date_era`` (``date``, ``be``, ``ce``, ``short`` or ""),
        ``tick`` (True done, False not done, NA unreadable or blank), ``text`` (the raw value
        as clean text), ``shown`` (how a number was read, for messages).
    """
    frame = cells.copy()
    is_formula = frame["formula"].fillna("").ne("")
    raw = frame["raw"].where(~is_formula)
    numbers = parse_numbers(raw.astype(object))
    frame["number"] = numbers["number"]
    frame["number_status"] = numbers["status"].where(~is_formula, "formula")
    readings = raw.map(read_date)
    frame["date"] = readings.map(lambda r: r.date)
    frame["date_era"] = readings.map(lambda r: r.era)
    frame["text"] = raw.map(_text)
    lowered = frame["text"].str.lower()
    tick = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    tick[lowered.isin(_TICK_DONE)] = True
    tick[lowered.isin(_TICK_NOT_DONE) & lowered.ne("")] = False
    frame["tick"] = tick
    frame["shown"] = frame["number"].map(format_number)
    return frame


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value))
