"""CSV files a clerk opens in Excel, written so that no cell can turn into a formula.

Text that came from a workbook or a division (a free-text field, an edited name, a file
name such as ``=1+1.xlsx``) would open in Excel as a live formula when it starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return (OWASP's CSV-injection rule). Such a
text cell gets a leading apostrophe, which Excel shows as nothing and never evaluates. A
plain number written as text (``-5``, ``+66``) is left alone: Excel reads it as a number,
not a formula.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from kpixl.atomic import atomic_path

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


def neutralise(value: object) -> object:
    """``value`` safe to open in a spreadsheet: a text starting like a formula gets ``'``."""
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not _PLAIN_NUMBER.match(value)
    ):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell neutralised (numbers, dates and blanks unchanged)."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object or pd.api.types.is_string_dtype(out[name]):
            out[name] = out[name].map(neutralise)
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as UTF-8 CSV with a BOM (Excel then reads Thai), atomically."""
    with atomic_path(path) as temp:
        safe_frame(frame).to_csv(temp, index=False, encoding="utf-8-sig")
