"""Division totals exactly as the agreement form computes them.

(ก) level, (ข) weight, (ค) = (ก) × (ข) / 100, รวม = Σ(ค) (0–5), คะแนนเต็ม ๑๐๐ = Σ(ค) × 20.

A KPI without a level (NA) adds nothing to รวม and makes the division ``complete=False``;
its finding says why. It is never counted as level 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import pandas as pd

from kpixl.thai import format_number

WEIGHT_TOTAL = 100.0
WEIGHT_TOLERANCE = 1e-9
"""How far from 100 a division's weights may total: binary noise only (33.3 + 33.3 + 33.4
is 99.99999999999999 in floating point), never a weight typed a little off."""
_DIGITS = 6


@overload
def weights_add_up(total: float) -> bool: ...
@overload
def weights_add_up(total: pd.Series) -> pd.Series: ...
def weights_add_up(total: float | pd.Series) -> bool | pd.Series:
    """Whether a division's weights (ข) total the form's 100, up to binary noise (a total
    or a Series of totals)."""
    return abs(total - WEIGHT_TOTAL) <= WEIGHT_TOLERANCE


def weight_total_text(total: float) -> str:
    """A weights' total as a message shows it: as :func:`kpixl.thai.format_number` does
    (2 decimals at most), except a total that is not 100 but would show as 100
    (100.0000005), which shows every digit it has: "100 must total 100" says nothing."""
    shown = format_number(total)
    if shown == format_number(WEIGHT_TOTAL) and not weights_add_up(total):
        return f"{total:.15g}"
    return shown


def weighted_scores(kpis: pd.DataFrame) -> pd.Series:
    """(ค) = (ก) × (ข) / 100 per KPI row.

    Args:
        kpis: columns ``level`` (Int64 / float, NA = not scored) and ``weight``.

    Returns:
        Float Series (NaN where the level is NA).
    """
    level = pd.to_numeric(kpis["level"], errors="coerce").astype("float64")
    return level * kpis["weight"].astype("float64") / 100


def division_totals(kpis: pd.DataFrame, keys: Sequence[str] = ("source",)) -> pd.DataFrame:
    """รวม and the score out of 100 of every division in ``kpis``, in one pass.

    Args:
        kpis: one row per scored row of a division's form, columns ``*keys, level, weight``
            (``weighted`` is computed when absent).
        keys: columns that identify one division's form (e.g. ``source`` — one workbook —
            or ``division_code``).

    Returns:
        One row per key: ``*keys, kpis, unscored, weight_total, total`` (Σ(ค) of the scored
        rows; NaN when no row has a level), ``score_100`` (total × 20), ``complete`` (every
        row has a level).
    """
    keys = list(keys)
    frame = kpis.assign(
        weighted=kpis["weighted"] if "weighted" in kpis else weighted_scores(kpis),
        unscored=pd.to_numeric(kpis["level"], errors="coerce").isna().astype("int64"),
    )
    grouped = frame.groupby(keys, sort=False)
    result = pd.DataFrame(
        {
            "kpis": grouped.size(),
            "unscored": grouped["unscored"].sum(),
            "weight_total": grouped["weight"].sum(),
            # Nothing scored is no score, never 0.
            "total": grouped["weighted"].sum(min_count=1),
        }
    ).reset_index()
    # Sums of (ค) carry binary noise (84.39999999999999); the form shows 2 places.
    result["total"] = result["total"].round(_DIGITS)
    result["score_100"] = (result["total"] * 20).round(_DIGITS)
    result["complete"] = result["unscored"].eq(0)
    return result


@dataclass(frozen=True)
class DivisionScore:
    """A division's scoring form, computed.

    Attributes:
        weighted: (ค) per row, None where the row has no level.
        total: รวม = Σ(ค) over the rows that have a level; None when no row has one.
        score_100: total × 20; None when there is no total.
        complete: there are rows and every one has a level.
        weights_ok: the weights sum to 100.
    """

    weighted: tuple[float | None, ...]
    total: float | None
    score_100: float | None
    complete: bool
    weights_ok: bool


def score_division(levels: Sequence[int | None], weights: Sequence[float]) -> DivisionScore:
    """(ค), รวม and the score out of 100 from levels (ก) and weights (ข), one division.

    ``score_division([5, 4, None], [40, 40, 20])`` gives (ค) = (2.0, 1.6, None),
    รวม 3.6, score 72.0, ``complete=False``.

    Raises:
        ValueError: ``levels`` and ``weights`` differ in length.
    """
    if len(levels) != len(weights):
        raise ValueError("levels and weights must have the same length")
    if not levels:
        # No row is no score, and not complete (as an evaluation's totals say).
        return DivisionScore((), None, None, False, False)
    frame = pd.DataFrame(
        {
            "source": "",
            "level": pd.array(list(levels), dtype="Int64"),
            "weight": [float(w) for w in weights],
        }
    )
    weighted = weighted_scores(frame)
    totals = division_totals(frame.assign(weighted=weighted)).iloc[0]
    return DivisionScore(
        weighted=tuple(None if pd.isna(w) else float(w) for w in weighted),
        total=None if pd.isna(totals["total"]) else float(totals["total"]),
        score_100=None if pd.isna(totals["score_100"]) else float(totals["score_100"]),
        complete=bool(totals["complete"]),
        weights_ok=weights_add_up(float(totals["weight_total"])),
    )
