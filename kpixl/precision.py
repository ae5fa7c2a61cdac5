"""The precision rule: every value is rounded once, here, before it is scored.

A value computed in floating point lands a hair away from where arithmetic on paper puts
it: a survey whose satisfaction is exactly 80 % computes as 80.00000000000003 (mean of
means × 100 / 5), and ``0.07 * 100`` is 7.000000000000001. On a boundary such as
"เกินกว่าร้อยละ ๘๐" that hair decides the level, and LibreOffice, Excel and pandas need
not agree on it. So every value that is looked up in a rubric is first rounded to
:data:`DECIMALS` places, half away from zero — what Excel's and LibreOffice's ``ROUND``
do, and what a form shows (ร้อยละ 80.00). The generated workbooks wrap the value cell in
the same ``ROUND`` (:func:`excel_round`), so a division sees the level the centre gives.

Rounding half away from zero is not what Python's ``round`` or NumPy do (half to even,
on the binary value: ``round(1.005, 2)`` is 1.0), so it is done on the scaled value after
snapping away binary noise: 1.005 × 100 = 100.49999999999999 snaps to 100.5, then rounds
to 101, as ``ROUND(1.005, 2)`` gives 1.01.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

DECIMALS = 2
"""Places a scored value is rounded to (the forms show ร้อยละ to two places)."""
_SNAP = 6
"""Places of the scaled value kept when snapping away binary noise before rounding."""


def round_values(values: pd.Series) -> pd.Series:
    """``values`` rounded to :data:`DECIMALS` places, half away from zero; NaN stays NaN.

    Args:
        values: numbers (any numeric dtype; NA/NaN allowed).

    Returns:
        A float64 Series with the same index.
    """
    v = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
    scale = 10.0**DECIMALS
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.round(np.abs(v) * scale, _SNAP)
        rounded = np.sign(v) * np.floor(scaled + 0.5) / scale
    # Beyond 2**52 a float has no fraction left to round; scaling may overflow to inf.
    rounded = np.where(np.isfinite(rounded), rounded, v)
    return pd.Series(rounded + 0.0, index=values.index, dtype="float64")


def round_value(value: float) -> float:
    """Scalar reference of :func:`round_values`."""
    if not math.isfinite(value):
        return value
    scale = 10.0**DECIMALS
    scaled = math.floor(round(abs(value) * scale, _SNAP) + 0.5) / scale
    if not math.isfinite(scaled):
        return value
    return math.copysign(scaled, value) + 0.0


def excel_round(expression: str) -> str:
    """The Excel formula that rounds ``expression`` as :func:`round_values` does."""
    return f"ROUND({expression},{DECIMALS})"
