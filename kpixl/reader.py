"""Read a returned division workbook into tidy frames that remember every value's cell.

Tables are found by their hidden key rows and KPIs by their ``kpi_id`` cells (see
:mod:`kpixl.layout`), so inserted rows or columns do not break reading. Values are read
as they are (numbers, text, dates); formulas are kept as formula text, never as their
cached values: kpixl recomputes everything from the inputs.
"""

from __future__ import annotations

import html
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from defusedxml import ElementTree as SafeET
from python_calamine import CalamineWorkbook

from kpixl import layout as L
from kpixl.cells import parse_cell
from kpixl.findings import finding, findings_frame
from kpixl.master import fingerprint
from kpixl.safety import Container, UnusableFile, inspect_workbook

CELL_COLUMNS = ["source", "sheet", "table", "kpi_id", "field", "raw", "formula", "row", "column"]
"""Columns of the cells frame: one row per cell read. ``raw`` is the value as stored (None
for a formula), ``formula`` the formula text ("" for a plain value), ``row``/``column``
1-based."""

_KEY_ROW_SCAN = 40
_TABLE_KEYS = {
    "form": {"kpi_id", "result", "level"},
    "data": {"kpi_id", "field", "input"},
    "target": {"kpi_id", "m10", "total"},
    "survey": {"round", "respondent"},
}


@dataclass
class WorkbookData:
    """One returned workbook, read.

    Attributes:
        source: the key of this workbook in every frame (its file name by default).
        path: where it was read from.
        meta: the hidden sheet's key/value pairs (``definitions`` left out).
        definitions: the centre's definitions embedded in the workbook, or None when they
            cannot be read.
        cells: every cell read (columns :data:`CELL_COLUMNS`).
        container: what the container inspection learnt.
        findings: findings met while reading (layout and hidden-sheet problems).
    """

    source: str
    path: Path
    meta: dict[str, str]
    definitions: dict[str, Any] | None
    cells: pd.DataFrame
    container: Container
    findings: pd.DataFrame = field(default_factory=findings_frame)

    @property
    def division_code(self) -> str:
        """The division this workbook belongs to."""
        return self.meta.get("division_code", "")

    @property
    def fiscal_year_be(self) -> int:
        """The fiscal year (B.E.) the workbook was made for."""
        try:
            return int(self.meta.get("fiscal_year_be", "0"))
        except ValueError:
            return 0


def read_workbook(path: Path | str, *, source: str | None = None) -> WorkbookData:
    """Read one returned workbook.

    Values come from calamine (fast, values only); which cells hold formulas comes from one
    streaming pass over each sheet's XML, so a formula's cached value is never taken for a
    typed value (xlsxwriter caches 0, a program that does not calculate caches nothing).

    Raises:
        UnusableFile: the file cannot be used at all (not a workbook, encrypted, corrupt,
            entity-declaring XML, zip bomb, not a kpixl template). Callers turn it into a
            file-level finding.
    """
    path = Path(path)
    source = source or path.name
    container = inspect_workbook(path)
    # A broken package makes the readers raise anything from zipfile errors to KeyError.
    try:
        formulas = _formulas(path)
        book = CalamineWorkbook.from_path(str(path))
        sheets = {
            name: _rows(book.get_sheet_by_name(name), formulas.get(name, {}))
            for name in book.sheet_names
        }
    except Exception as error:
        raise _corrupt(error) from error
    meta_rows = sheets.pop(L.META_SHEET, None)
    if meta_rows is None:
        raise UnusableFile("file-unknown-template", {"reason": f"no sheet {L.META_SHEET}"})
    meta, definitions, records = _read_meta(meta_rows, source)
    if container.macro_enabled:
        records.append(finding("file-macro-enabled", source=source))
    frames = [_read_sheet(source, name, rows) for name, rows in sheets.items()]
    cells = pd.concat([f for f in frames if not f.empty] or [_empty_cells()], ignore_index=True)
    return WorkbookData(source, path, meta, definitions, cells, container, findings_frame(records))


@dataclass(frozen=True)
class _Cell:
    row: int
    column: int
    value: Any
    formula: str = ""


def _rows(sheet: Any, formulas: dict[tuple[int, int], str]) -> list[list[_Cell]]:
    """A sheet as rows of cells (1-based coordinates); blank strings read as None."""
    rows = []
    for r, values in enumerate(sheet.to_python(skip_empty_area=False), 1):
        cells = []
        for c, value in enumerate(values, 1):
            formula = formulas.get((r, c), "")
            if formula or value == "":
                value = None
            cells.append(_Cell(r, c, value, formula))
        rows.append(cells)
    return rows


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _formulas(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name → (row, column) → formula text of every formula cell.

    A byte scan for ``<f`` elements and the ``<c r=…>`` that holds each: the sheet XML is
    never built into a tree, so this stays a small part of reading (the container was
    inspected for bombs and entity declarations beforehand).
    """
    found: dict[str, dict[tuple[int, int], str]] = {}
    with zipfile.ZipFile(path) as archive:
        workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
        rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {
            r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PACKAGE_REL}Relationship")
        }
        parts = set(archive.namelist())
        for sheet in workbook.iter(f"{_MAIN}sheet"):
            target = targets.get(sheet.get(f"{_REL}id"), "")
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if part in parts:
                found[sheet.get("name", "")] = _formula_cells(archive.read(part))
    return found


_FORMULA = re.compile(rb"<(?:\w+:)?f(?=[\s>/])([^>]*?)(/?)>")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3}[0-9]+)"')


def _formula_cells(xml: bytes) -> dict[tuple[int, int], str]:
    cells: dict[tuple[int, int], str] = {}
    for match in _FORMULA.finditer(xml):
        opening = max(xml.rfind(b"<c ", 0, match.start()), xml.rfind(b":c ", 0, match.start()))
        if opening < 0:
            continue
        tag_end = xml.find(b">", opening)
        ref = _CELL_REF.search(xml, opening, tag_end)
        if ref is None:
            continue
        text = b""
        if not match.group(2):
            close = xml.find(b"</", match.end())
            text = xml[match.end() : close] if close >= 0 else b""
        formula = html.unescape(text.decode("utf-8", "replace"))
        cells[parse_cell(ref.group(1).decode())] = "=" + formula
    return cells


def _corrupt(error: Exception) -> UnusableFile:
    return UnusableFile("file-corrupt", {"reason": f"{type(error).__name__}: {error}"[:200]})


def _empty_cells() -> pd.DataFrame:
    return pd.DataFrame(columns=CELL_COLUMNS)


def _cells_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """A cells frame from records. ``raw`` is built as an object column: pandas would infer
    a string dtype for a column of text and None, and a blank would read back as NaN."""
    if not records:
        return _empty_cells()
    frame = pd.DataFrame(records, columns=CELL_COLUMNS)
    frame["raw"] = pd.Series([r["raw"] for r in records], index=frame.index, dtype=object)
    return frame


def _value(cell: _Cell | None) -> tuple[Any, str]:
    """(raw value, formula text) of a cell; (None, "") for a cell that is not there."""
    if cell is None:
        return None, ""
    return cell.value, cell.formula


def _read_meta(
    rows: list[list[_Cell]], source: str
) -> tuple[dict[str, str], dict[str, Any] | None, list[dict[str, Any]]]:
    meta: dict[str, str] = {}
    chunks: list[str] = []
    for row in rows:
        if len(row) < 2:
            continue
        key, value = (_value(row[0])[0], _value(row[1])[0])
        if key is None:
            continue
        if str(key) == "definitions":
            chunks.append("" if value is None else str(value))
        else:
            meta[str(key)] = "" if value is None else str(value)
    if meta.get("kpixl") != L.MARKER:
        raise UnusableFile("file-unknown-template", {"reason": "no kpixl marker"})
    try:
        version = int(meta.get("template_version", ""))
    except ValueError as error:
        raise UnusableFile("file-unknown-template", {"reason": "no template version"}) from error
    if version > L.TEMPLATE_VERSION:
        raise UnusableFile(
            "file-unknown-template",
            {"reason": f"template version {version} is newer than this kpixl"},
        )
    records: list[dict[str, Any]] = []
    meta_at: dict[str, Any] = {"source": source, "sheet": L.META_SHEET}
    if version < L.TEMPLATE_VERSION:
        records.append(
            finding(
                "template-outdated", **meta_at, value=str(version), expected=str(L.TEMPLATE_VERSION)
            )
        )
    definitions: dict[str, Any] | None
    try:
        definitions = json.loads("".join(chunks))
        if not isinstance(definitions, dict):
            raise ValueError("definitions are not an object")
    except ValueError:
        definitions = None
    if definitions is None or fingerprint(definitions) != meta.get("fingerprint"):
        records.append(
            finding("fingerprint-mismatch", **meta_at, value=meta.get("fingerprint", ""))
        )
    return meta, definitions, records


def _key_row(rows: list[list[_Cell]]) -> tuple[str, int, dict[int, str]] | None:
    """The table kind, 0-based row index and column → key map of a sheet's key row."""
    for index, row in enumerate(rows[:_KEY_ROW_SCAN]):
        keys = {}
        for cell in row:
            value = _value(cell)[0]
            if isinstance(value, str) and value.strip():
                keys[cell.column] = value.strip()
        found = set(keys.values())
        for table, needed in _TABLE_KEYS.items():
            if needed <= found:
                return table, index, keys
    return None


def _read_sheet(source: str, name: str, rows: list[list[_Cell]]) -> pd.DataFrame:
    signoff = _read_signoff(source, name, rows)
    located = _key_row(rows)
    if located is None:
        return signoff
    table, index, keys = located
    columns = {key: column for column, key in keys.items()}
    survey_kpi = next((k.split(":", 1)[1] for k in columns if k.startswith("kpi:")), "")
    fields = {column: key for column, key in keys.items() if not key.startswith("kpi:")}
    records: list[dict[str, Any]] = []

    def record(kpi_id: str, key: str, cell: Any, column: int, row_number: int) -> None:
        raw, formula = _value(cell) if cell is not None else (None, "")
        records.append(
            {
                "source": source,
                "sheet": name,
                "table": table,
                "kpi_id": kpi_id,
                "field": key,
                "raw": raw,
                "formula": formula,
                "row": row_number,
                "column": column,
            }
        )

    for row in rows[index + 1 :]:
        cells = {c.column: c for c in row}
        row_number = next((c.row for c in cells.values()), None)
        if row_number is None:
            continue
        if table == "survey":
            if not any(_filled(cells.get(c)) for c, k in fields.items() if k.startswith("item:")):
                continue
            for column, key in fields.items():
                record(survey_kpi, key, cells.get(column), column, row_number)
            continue
        kpi_id = _id_text(_value(cells[columns["kpi_id"]])[0]) if columns["kpi_id"] in cells else ""
        if table == "form" and kpi_id in (L.TOTAL_LABEL, L.SCORE_LABEL):
            if "weighted" in columns:
                key = "total" if kpi_id == L.TOTAL_LABEL else "score_100"
                record("", key, cells.get(columns["weighted"]), columns["weighted"], row_number)
        elif kpi_id in L.SIGNOFF_LABELS.values():
            continue  # the sign-off block below the target table, read by _read_signoff
        elif kpi_id and table == "data":
            data_key = _id_text(_value(cells.get(columns["field"]))[0])
            if data_key:
                record(kpi_id, data_key, cells.get(columns["input"]), columns["input"], row_number)
        elif kpi_id:
            for column, key in fields.items():
                record(kpi_id, key, cells.get(column), column, row_number)
    frame = _cells_frame(records)
    return pd.concat([f for f in (frame, signoff) if not f.empty] or [frame], ignore_index=True)


def _filled(cell: Any) -> bool:
    raw, formula = _value(cell) if cell is not None else (None, "")
    return bool(formula) or (raw is not None and str(raw).strip() != "")


def _read_signoff(source: str, sheet: str, rows: list[list[_Cell]]) -> pd.DataFrame:
    labels = {label: key for key, label in L.SIGNOFF_LABELS.items()}
    records = []
    for row in rows:
        cells = list(row)
        for position, cell in enumerate(cells[:-1]):
            text = _value(cell)[0]
            key = labels.get(str(text).strip()) if isinstance(text, str) else None
            if key:
                # The value is the first filled cell right of the label: a column inserted
                # between the two leaves a blank cell next to the label.
                following = cells[position + 1 :]
                target = next((c for c in following if _filled(c)), following[0])
                raw, formula = _value(target)
                records.append(
                    {
                        "source": source,
                        "sheet": sheet,
                        "table": "signoff",
                        "kpi_id": "",
                        "field": key,
                        "raw": raw,
                        "formula": formula,
                        "row": target.row,
                        "column": target.column,
                    }
                )
                break
    return _cells_frame(records)


def _id_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
