"""Fill a division workbook as a person would type into it, by the template's key rows.

Used to build the bundled samples (``sample_workbooks/build_samples.py``), by the tests and
by the benchmark's generator. It finds every table by its hidden key row, as the reader
does, so it keeps working when the layout changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import MergedCell

from kpixl import layout as L


class Filler:
    """Fill a division workbook by its key rows, as a person would type into it."""

    def __init__(self, path: Path) -> None:
        self.book = openpyxl.load_workbook(path)
        self.tables: dict[str, tuple[Any, int, dict[str, int]]] = {}
        for ws in self.book.worksheets:
            for number, row in enumerate(ws.iter_rows(max_row=40), 1):
                keys = {str(c.value): int(c.column or 0) for c in row if isinstance(c.value, str)}
                if "kpi_id" in keys and "result" in keys:
                    self.tables["form"] = (ws, number, keys)
                elif "kpi_id" in keys and "field" in keys:
                    self.tables["data"] = (ws, number, keys)
                elif "kpi_id" in keys and "m10" in keys:
                    self.tables["target"] = (ws, number, keys)
                elif "round" in keys and "respondent" in keys:
                    kpi = next(k.split(":", 1)[1] for k in keys if k.startswith("kpi:"))
                    self.tables[f"survey:{kpi}"] = (ws, number, keys)

    def _row(
        self, table: str, kpi_id: str, field: str | None = None
    ) -> tuple[Any, int, dict[str, int]]:
        ws, key_row, keys = self.tables[table]
        for row in range(key_row + 1, ws.max_row + 1):
            if str(ws.cell(row, keys["kpi_id"]).value or "") != kpi_id:
                continue
            if field is None or ws.cell(row, keys["field"]).value == field:
                return ws, row, keys
        raise KeyError((table, kpi_id, field))

    def row_of(
        self, table: str, kpi_id: str, field: str | None = None
    ) -> tuple[Any, int, dict[str, int]]:
        """(worksheet, row, key → column) of a KPI's row of a table (``form``, ``data`` with
        its ``field``, ``target``), for what the other methods do not type (formats).

        Raises:
            KeyError: the table has no such row.
        """
        return self._row(table, kpi_id, field)

    def form(self, kpi_id: str, value: Any, field: str = "result") -> None:
        ws, row, keys = self._row("form", kpi_id)
        _type(ws.cell(row, keys[field]), value)

    def delete_form_row(self, kpi_id: str) -> None:
        ws, row, _keys = self._row("form", kpi_id)
        ws.delete_rows(row)

    def data(self, kpi_id: str, field: str, value: Any) -> None:
        ws, row, keys = self._row("data", kpi_id, field)
        _type(ws.cell(row, keys["input"]), value)

    def target(self, kpi_id: str, values: dict[str, Any]) -> None:
        ws, row, keys = self._row("target", kpi_id)
        for field, value in values.items():
            ws.cell(row, keys[field]).value = value

    def survey(self, kpi_id: str, answers: Iterable[tuple[int, list[Any]]]) -> None:
        ws, key_row, keys = self.tables[f"survey:{kpi_id}"]
        items = sorted((c for k, c in keys.items() if k.startswith("item:")))
        for offset, (round_no, values) in enumerate(answers, 1):
            ws.cell(key_row + offset, keys["round"]).value = round_no
            for column, value in zip(items, values, strict=True):
                ws.cell(key_row + offset, column).value = value

    def survey_percent(self, kpi_id: str, rows: list[tuple[int, list[Any]]]) -> float:
        """The satisfaction percent of ``rows`` worked out plainly, for a report that agrees
        with the answers: item means → aspect means → overall → × 100 / 5 → mean of rounds."""
        keys = self.tables[f"survey:{kpi_id}"][2]
        items = sorted((c, k) for k, c in keys.items() if k.startswith("item:"))
        aspects = [k.split(":")[1].split(".")[0] for _, k in items]
        percents = []
        for round_no in sorted({r for r, _ in rows}):
            answers = [v for r, v in rows if r == round_no]
            means = [sum(a[i] for a in answers) / len(answers) for i in range(len(items))]
            by_aspect: dict[str, list[float]] = {}
            for aspect, mean in zip(aspects, means, strict=True):
                by_aspect.setdefault(aspect, []).append(mean)
            overall = sum(sum(m) / len(m) for m in by_aspect.values()) / len(by_aspect)
            percents.append(overall * 100 / 5)
        return round(sum(percents) / len(percents), 2)

    def signoff(self, who: str, when: dt.date | str) -> None:
        for key, value in (("signed_off", L.SIGNOFF_YES), ("signed_by", who), ("signed_on", when)):
            self.signoff_field(key, value)

    def signoff_field(self, key: str, value: Any) -> None:
        """Type one sign-off field: the first cell right of its label's merged range."""
        ws = self.tables["target"][0]
        for row in ws.iter_rows():
            if str(row[0].value) == L.SIGNOFF_LABELS[key]:
                target = next(c for c in row[1:] if not isinstance(c, MergedCell))
                target.value = value
                return
        raise KeyError(key)

    def meta(self, key: str, value: str) -> None:
        ws = self.book[L.META_SHEET]
        for row in ws.iter_rows():
            if row[0].value == key:
                row[1].value = value
                return
        raise KeyError(key)

    def save(self, path: Path) -> None:
        """Save the filled workbook."""
        self.book.save(path)


_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


def _type(cell: Any, value: Any) -> None:
    """Put ``value`` in ``cell`` as Excel stores what is typed: an error value such as
    ``#DIV/0!`` as an error, ``=…`` as a formula (without a calculated result)."""
    cell.value = value
    if isinstance(value, str) and value in _ERRORS:
        cell.data_type = "e"
