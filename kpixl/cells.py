"""A1 cell addresses: the one place that converts between them and 1-based numbers."""

from __future__ import annotations

import functools
import re

_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")


def column_letter(column: int) -> str:
    """Excel column letters of a 1-based column number (1 -> ``A``, 28 -> ``AB``)."""
    if column < 1:
        raise ValueError(f"column must be >= 1, got {column}")
    letters = ""
    while column:
        column, rem = divmod(column - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str) -> int:
    """1-based column number of Excel column letters (``AB`` -> 28)."""
    number = 0
    for char in letters.upper():
        if not "A" <= char <= "Z":
            raise ValueError(f"not a column: {letters!r}")
        number = number * 26 + ord(char) - 64
    return number


@functools.lru_cache(maxsize=1 << 16)
def cell_ref(row: int, column: int, *, absolute: bool = False) -> str:
    """A1 address of a 1-based (row, column); ``absolute`` gives ``$B$12``.

    Cached: the findings and fills of a round name the template's cells in every workbook.
    """
    if row < 1:
        raise ValueError(f"row must be >= 1, got {row}")
    dollar = "$" if absolute else ""
    return f"{dollar}{column_letter(column)}{dollar}{row}"


@functools.lru_cache(maxsize=1 << 16)
def parse_cell(ref: str) -> tuple[int, int]:
    """1-based (row, column) of an A1 address such as ``B12`` or ``$B$12``.

    Cached: the readers and the patcher meet the template's addresses in every workbook.
    """
    match = _A1.match(ref.strip())
    if not match:
        raise ValueError(f"not an A1 cell address: {ref!r}")
    return int(match.group(2)), column_number(match.group(1))
