"""What the annotated copy fills in: kpixl's levels and scores, and the centre's values
where a division changed a cell the centre defines.

A filled cell that holds a formula keeps it and gets the value as its cached result; the
annotator decides that (:func:`kpixl.annotate.annotate_workbook`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpixl.cells import cell_ref
from kpixl.normalize import lookup

FILL_COLUMNS = ["source", "sheet", "cell", "value"]
_EXCEL_EPOCH_ORDINAL = 693594
"""``date.toordinal()`` minus this is Excel's serial date (1900 date system)."""


def _cells(frame: pd.DataFrame, row: str, column: str, value: pd.Series) -> pd.DataFrame:
    rows = frame[row].to_numpy(dtype="float64", na_value=np.nan)
    columns = frame[column].to_numpy(dtype="float64", na_value=np.nan)
    located = ~np.isnan(rows) & ~np.isnan(columns)
    values = np.asarray(value, dtype=object)[located]
    values[pd.isna(values)] = None
    return pd.DataFrame(
        {
            "source": frame["source"].to_numpy()[located],
            "sheet": frame["sheet"].to_numpy()[located],
            "cell": [
                cell_ref(int(r), int(c))
                for r, c in zip(rows[located], columns[located], strict=True)
            ],
            "value": values,
        }
    )


def build_fills(
    kpis: pd.DataFrame, totals: pd.DataFrame, cells: pd.DataFrame, locked: pd.DataFrame
) -> pd.DataFrame:
    """Columns :data:`FILL_COLUMNS`: each form's (ก), (ค), value used, รวม and score, and
    the centre's value in every locked cell a division changed."""
    value = kpis["value"].where(
        ~kpis["kind"].eq("deadline_date"), kpis["value"] - _EXCEL_EPOCH_ORDINAL
    )
    # Levels as whole numbers, whether or not some KPI of the batch has none (a map over a
    # float column with NaN would give floats back: 3.0, and a batch-dependent fill).
    level = pd.Series(
        [None if pd.isna(v) else int(v) for v in kpis["level"]], index=kpis.index, dtype=object
    )
    parts = [
        _cells(kpis, "level_row", "level_column", level),
        _cells(kpis, "level_row", "weighted_column", kpis["weighted"].round(6)),
        _cells(kpis, "level_row", "value_column", value),
    ]
    form = cells.loc[
        cells["table"].eq("form") & cells["field"].isin(["total", "score_100"]),
        ["source", "sheet", "field", "row", "column"],
    ]
    if not form.empty:
        found = lookup(form, totals, ["source"], ["total", "score_100"])
        scores = np.where(form["field"].eq("total"), found["total"], found["score_100"])
        parts.append(_cells(form, "row", "column", pd.Series(scores).round(6)))
    changed = locked[~locked["same"].astype(bool) & locked["fill"].notna()]
    if not changed.empty:
        parts.append(_cells(changed, "row", "column", changed["fill"]))
    frames = [p for p in parts if not p.empty]
    if not frames:
        return pd.DataFrame(columns=FILL_COLUMNS)
    return pd.concat(frames, ignore_index=True)
