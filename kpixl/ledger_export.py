"""``kpixl ledger export``: the whole ledger as CSV files or as one workbook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpixl.atomic import atomic_path
from kpixl.csvout import safe_frame, write_csv
from kpixl.ledger import Ledger

TABLES = ("runs", "contents", "receipts", "submissions", "kpi_results", "findings", "events")
"""The tables exported (the store's file paths are in ``contents.stored``)."""
MAX_CELL_TEXT = 32_767


def export_ledger(ledger: Ledger, output: Path) -> list[Path]:
    """Write every table: ``output`` ending in ``.xlsx`` → one sheet per table; otherwise a
    folder of ``<table>.csv`` files. Returns the paths written."""
    frames = {name: ledger.frame(f"SELECT * FROM {name}") for name in TABLES}
    if output.suffix.lower() == ".xlsx":
        with (
            atomic_path(output) as temp,
            pd.ExcelWriter(
                temp,
                engine="xlsxwriter",
                engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
            ) as writer,
        ):
            for name, frame in frames.items():
                cut = safe_frame(frame).map(
                    lambda v: v[:MAX_CELL_TEXT] if isinstance(v, str) else v
                )
                cut.to_excel(writer, sheet_name=name, index=False, freeze_panes=(1, 0))
        return [output]
    output.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in frames.items():
        write_csv(frame, output / f"{name}.csv")
        paths.append(output / f"{name}.csv")
    return paths
