"""How a KPI's value is computed from what a division reports, for many KPIs at once.

Each function takes long frames keyed by ``keys`` (e.g. ``["source", "kpi_id"]``: one
workbook's one KPI) and returns one row per key. Nothing here reads Excel.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.DataFrame:
    """``numerator × 100 / denominator``, element-wise.

    Returns:
        Frame with ``value`` (float, NaN when not computable) and ``status``: ``ok``,
        ``missing`` (an input is NaN), ``zero_denominator``, ``numerator_exceeds`` (the
        value would pass 100 %; reported, the value is still computed).
    """
    num = pd.to_numeric(numerator, errors="coerce").astype("float64")
    den = pd.to_numeric(denominator, errors="coerce").astype("float64")
    missing = num.isna() | den.isna()
    zero = den.eq(0) & ~missing
    value = (num * 100 / den.where(~zero)).where(~missing)
    status = np.select(
        [missing, zero, num > den], ["missing", "zero_denominator", "numerator_exceeds"], "ok"
    )
    return pd.DataFrame({"value": value, "status": status}, index=numerator.index)


def growth(this_year: pd.Series, last_year: pd.Series) -> pd.DataFrame:
    """Percent increase over last year, ``(this − last) × 100 / last``; may be negative.

    Returns:
        Frame with ``value`` and ``status`` (``ok``, ``missing``, ``zero_denominator``).
    """
    this = pd.to_numeric(this_year, errors="coerce").astype("float64")
    last = pd.to_numeric(last_year, errors="coerce").astype("float64")
    missing = this.isna() | last.isna()
    zero = last.eq(0) & ~missing
    value = ((this - last) * 100 / last.where(~zero)).where(~missing)
    status = np.select([missing, zero], ["missing", "zero_denominator"], "ok")
    return pd.DataFrame({"value": value, "status": status}, index=this_year.index)


def survey_percent_from_means(item_means: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Satisfaction percent from item means.

    item means → mean per aspect (ด้าน) → overall mean (each aspect counts once, whatever
    its number of items) → percent = mean × 100 / 5 → averaged over the survey rounds.
    This is the computation the seed describes in words; its own formulas (dividing by 100,
    dividing four aspects by three) are wrong and are not followed.

    Args:
        item_means: columns ``*keys, round, aspect, item, mean`` (NaN means: no answers).
        keys: the columns identifying one KPI of one workbook.

    Returns:
        One row per key: ``*keys, value`` (percent, NaN when no item has a mean), ``rounds``
        (number of rounds with answers).
    """
    keys = list(keys)
    valid = item_means.dropna(subset=["mean"])
    aspects = valid.groupby([*keys, "round", "aspect"], sort=False)["mean"].mean()
    overall = aspects.groupby(level=[*keys, "round"], sort=False).mean()
    percent = (overall * 100 / 5).groupby(level=keys, sort=False)
    result = pd.DataFrame({"value": percent.mean(), "rounds": percent.size()}).reset_index()
    every = item_means[keys].drop_duplicates()
    result = every.merge(result, on=keys, how="left")
    result["rounds"] = result["rounds"].fillna(0).astype("int64")
    return result


def survey_item_means(answers: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Item means from Likert answers (1–5) per respondent and item.

    Args:
        answers: columns ``*keys, round, aspect, item, answer`` (answer float; NaN, values
            outside 1–5 and fractions such as 2.5 are left out — the checks report them).

    Returns:
        Columns ``*keys, round, aspect, item, mean``.
    """
    by = [*list(keys), "round", "aspect", "item"]
    group, first, missing_key = _all_groups(answers, by)
    answer = answers["answer"].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        usable = ~missing_key & (answer >= 1) & (answer <= 5) & (answer == np.floor(answer))
    # Whole answers: their sums are exact, whatever the order they are added in.
    sums = np.bincount(group[usable], weights=answer[usable], minlength=len(first))
    counts = np.bincount(group[usable], minlength=len(first))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, sums / counts, np.nan)
    out = {key: answers[key].array.take(first) for key in by}
    return pd.DataFrame({**out, "mean": mean})


def _all_groups(
    frame: pd.DataFrame, keys: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's group of equal ``keys`` (a missing key is a value of its own), numbered in
    the order the groups first come; each group's first row; whether a row misses a key."""
    combined = np.zeros(len(frame), dtype=np.int64)
    missing = np.zeros(len(frame), dtype=bool)
    size = 1  # the codes of ``combined`` are below it
    for key in keys:
        column = frame[key]
        if isinstance(column.dtype, pd.CategoricalDtype):
            codes, count = column.cat.codes.to_numpy(dtype=np.int64), len(column.cat.categories)
        else:
            codes, uniques = pd.factorize(column.to_numpy(), use_na_sentinel=True)
            count = len(uniques)
        missing |= codes < 0
        if size * (count + 1) > 2**62:  # renumbered before it could overflow
            combined, seen = pd.factorize(combined)
            size = len(seen)
        combined = combined * (count + 1) + np.where(codes < 0, count, codes)
        size *= count + 1
    group, _ = pd.factorize(combined)
    first = np.unique(group, return_index=True)[1] if len(group) else np.empty(0, dtype=np.intp)
    return group, first, missing


def weighted_mean(
    items: pd.DataFrame, keys: Sequence[str], counts: Sequence[str] = ()
) -> pd.DataFrame:
    """The weighted mean of a KPI's sub-items, ``Σ wᵢvᵢ / Σ wᵢ``.

    Args:
        items: columns ``*keys, item, value, weight`` and the ``counts``.
        counts: boolean columns of ``items`` to count per key as well.

    Returns:
        One row per key: ``*keys, value`` (NaN when any sub-item has no value), ``missing``
        (number of sub-items without a value) and, per column of ``counts``, how many of
        the key's sub-items it holds.
    """
    keys = list(keys)
    group, first = _groups(items, keys)
    kept = group >= 0

    def count(flags: pd.Series) -> np.ndarray:
        return np.bincount(
            group[kept], weights=flags.to_numpy(dtype="float64")[kept], minlength=len(first)
        ).astype("int64")

    value = items["value"].astype("float64")
    # A groupby's sums (compensated summation), over the group codes: plain sums would
    # differ from them in the last digits.
    sums = (
        pd.DataFrame({"product": value * items["weight"], "weight": items["weight"]})[kept]
        .groupby(group[kept], sort=False)
        .sum()
    )
    product, weight = sums["product"].to_numpy(), sums["weight"].to_numpy()
    missing = count(value.isna())
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where((weight != 0) & (missing == 0), product / weight, np.nan)
    out = {key: items[key].array.take(first) for key in keys}
    out |= {"value": mean, "missing": missing}
    out |= {name: count(items[name]) for name in counts}
    return pd.DataFrame(out)


def _groups(frame: pd.DataFrame, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group of equal ``keys``, numbered in the order the groups first come (-1
    for a row with a missing key, which a groupby leaves out), and each group's first row."""
    every, _, missing = _all_groups(frame, keys)
    kept = ~missing
    group = np.full(len(frame), -1, dtype=np.int64)
    group[kept] = pd.factorize(every[kept])[0]
    first = np.flatnonzero(kept)[np.unique(group[kept], return_index=True)[1]]
    return group, first
