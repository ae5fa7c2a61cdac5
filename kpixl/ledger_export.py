"""``kpixl ledger export``: the whole ledger as CSV files or as one workbook.

The workbook has one sheet per table, written as ``results.xlsx`` is
(:mod:`kpixl.outputs.book`): TH Sarabun New, every text a string (never a formula or a
link), long text wrapped, A4 landscape pages that a clerk can print and file. Numbers are
written as the ledger holds them, unrounded: the export is the ledger's record, not a
report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from kpixl.atomic import atomic_path
from kpixl.csvout import write_csv
from kpixl.findings import frame_records
from kpixl.fiscal import format_datetime_th
from kpixl.ledger import Ledger
from kpixl.outputs.book import Book, Col, new_workbook, print_setup
from kpixl.outputs.status import BANGKOK

TABLES = ("runs", "contents", "receipts", "submissions", "kpi_results", "findings", "events")
"""The tables exported (the store's file paths are in ``contents.stored``)."""
_HEADER_ROW = 3
"""The tables' header row (0-based), below the title, the subtitle and a blank row."""


def export_ledger(ledger: Ledger, output: Path) -> list[Path]:
    """Write every table: ``output`` ending in ``.xlsx`` → one sheet per table; otherwise a
    folder of ``<table>.csv`` files. Returns the paths written."""
    frames = {name: ledger.frame(f"SELECT * FROM {name}") for name in TABLES}
    if output.suffix.lower() == ".xlsx":
        _write_workbook(frames, output, ledger.path.name)
        return [output]
    output.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in frames.items():
        write_csv(frame, output / f"{name}.csv")
        paths.append(output / f"{name}.csv")
    return paths


def _write_workbook(frames: dict[str, pd.DataFrame], output: Path, ledger_name: str) -> None:
    exported = format_datetime_th(dt.datetime.now(BANGKOK).replace(tzinfo=None, microsecond=0))
    with atomic_path(output) as temp:
        workbook = new_workbook(temp)
        book = Book(workbook, output.name)
        for name, frame in frames.items():
            sheet = workbook.add_worksheet(name)
            title = f"บัญชีคุมการรับ {ledger_name} — ตาราง {name}"
            book.titles(sheet, title, f"{len(frame):,} แถว · ส่งออกเมื่อ {exported} น.")
            cols = [_column(frame[column]) for column in frame.columns]
            table = book.table(sheet, _HEADER_ROW, cols, frame_records(frame), freeze_cols=1)
            print_setup(
                sheet,
                table.widths,
                last_row=table.last,
                repeat_rows=(_HEADER_ROW, _HEADER_ROW),
                repeat_cols=(0, 0),
                title=title,
            )
        workbook.close()


def _column(values: pd.Series) -> Col:
    """A ledger column as it is written: a number as it is, text (ids, hashes, paths,
    messages) as a string that wraps."""
    name = str(values.name)
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return Col(name, name, kind="number")
    return Col(name, name, wrap=True, max_width=_TEXT_WIDTH)


_TEXT_WIDTH = 36.0
"""The widest a text column gets (width units): a content hash takes two lines."""
