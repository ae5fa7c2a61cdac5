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
to 101, as ``ROUND(1.005, 2)`` gives 1.01. The snap keeps :data:`SIGNIFICANT` significant
digits, as a spreadsheet does — relative, not a fixed number of places, so that
549167315.545 rounds to …55 and 1.0049999999 to 1.00, as LibreOffice's ``ROUND`` gives.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

DECIMALS = 2
"""Places a scored value is rounded to (the forms show ร้อยละ to two places)."""
SIGNIFICANT = 15
"""Significant digits of the scaled value kept when snapping away binary noise (what a
spreadsheet keeps of a number)."""
_WHOLE = 2.0**52
"""From here on a float has no fraction left to round."""
_TINY = 1e-280
"""Below this a scaled value rounds to 0 without snapping (and 10 ** digits would overflow)."""


def _magnitude(x: float) -> int:
    """⌊log10 x⌋ for x > 0, exact at powers of ten (log10 may be an ulp off)."""
    m = math.floor(math.log10(x))
    if 10.0 ** (m + 1) <= x:
        return m + 1
    return m - 1 if 10.0**m > x else m


def round_values(values: pd.Series) -> pd.Series:
    """``values`` rounded to :data:`DECIMALS` places, half away from zero; NaN stays NaN.

    Args:
        values: numbers (any numeric dtype; NA/NaN allowed).

    Returns:
        A float64 Series with the same index.
    """
    v = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
    scale = 10.0**DECIMALS
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        scaled = np.abs(v) * scale
        positive = np.isfinite(scaled) & (scaled > _TINY)
        magnitude = np.floor(np.log10(np.where(positive, scaled, 1.0)))
        magnitude += 10.0 ** (magnitude + 1) <= scaled
        magnitude -= 10.0**magnitude > scaled
        factor = 10.0 ** (SIGNIFICANT - 1 - magnitude)
        snapped = np.round(scaled * factor) / factor
        snapped = np.where(positive & np.isfinite(snapped), snapped, scaled)
        rounded = np.sign(v) * np.floor(snapped + 0.5) / scale
    # Beyond 2**52 there is nothing to round; scaling may overflow to inf.
    rounded = np.where(np.isfinite(rounded) & (np.abs(v) < _WHOLE), rounded, v)
    return pd.Series(rounded + 0.0, index=values.index, dtype="float64")


def round_value(value: float) -> float:
    """Scalar reference of :func:`round_values`."""
    if not math.isfinite(value) or abs(value) >= _WHOLE:
        return value
    scale = 10.0**DECIMALS
    scaled = abs(value) * scale
    if math.isfinite(scaled) and scaled > _TINY:
        factor = 10.0 ** (SIGNIFICANT - 1 - _magnitude(scaled))
        scaled = round(scaled * factor) / factor
    rounded = math.floor(scaled + 0.5) / scale
    return math.copysign(rounded, value) + 0.0


def excel_round(expression: str) -> str:
    """The Excel formula that rounds ``expression`` as :func:`round_values` does."""
    return f"ROUND({expression},{DECIMALS})"
