"""Read a returned division workbook into tidy frames that remember every value's cell.

Tables are found by their hidden key rows and KPIs by their ``kpi_id`` cells (see
:mod:`kpixl.layout`), so inserted rows or columns do not break reading; a key row a
division deleted is recovered from the table's visible headers. Where a division copied a
form sheet (Excel's Move/Copy puts the copy first), the sheet the template made is used
and the copies are named in a finding.

Values and merged ranges come from python-calamine; what calamine does not say comes from
one byte scan of each sheet's XML: which cells hold a formula (its cached result is read
as the value, and whether there is one), which hold an Excel error value (#REF!, #DIV/0!
…), and which have a percent number format (85 % typed in Excel is stored as 0.85).
The sheets made only to be read (:data:`kpixl.layout.UNREAD_SHEETS`) and the form's
help column (:data:`kpixl.layout.UNREAD_FIELDS`) are left unread.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from kpixl import layout as L
from kpixl.cells import parse_cell
from kpixl.findings import finding
from kpixl.master import fingerprint, text_fingerprint
from kpixl.patch.xmltext import unescape
from kpixl.safety import UnusableFile, inspect_workbook, is_xml_part
from kpixl.thai import clean_text
from kpixl.workbook import (
    BOOK_CELL_COLUMNS,
    CELL_COLUMNS,
    CELL_COLUMNS_EACH,
    RUN_COLUMNS,
    CellColumns,
    Runs,
    WorkbookData,
)

__all__ = ["CELL_COLUMNS", "WorkbookData", "read_workbook"]

_KEY_ROW_SCAN = 40
_TABLE_KEYS = {
    "form": {"kpi_id", "result", "level"},
    "data": {"kpi_id", "field", "input"},
    "target": {"kpi_id", "m10", "total"},
    "survey": {"round", "respondent"},
}
_TABLE_SHEETS = {"form": L.FORM_SHEET, "data": L.DATA_SHEET, "target": L.TARGET_SHEET}
_BUILTIN_PERCENT = {9, 10}
_TOTAL_ROWS = {clean_text(L.TOTAL_LABEL): "total", clean_text(L.SCORE_LABEL): "score_100"}
_SIGNOFF_TEXTS = {clean_text(label) for label in L.SIGNOFF_LABELS.values()}


def read_workbook(path: Path | str, *, source: str | None = None) -> WorkbookData:
    """Read one returned workbook.

    Raises:
        UnusableFile: the file cannot be used at all (not a workbook, encrypted, corrupt,
            entity-declaring XML, zip bomb, not a kpixl template). Callers turn it into a
            file-level finding.
    """
    path = Path(path)
    source = source or path.name
    # The inspection inflates every part once and hands on the XML parts: the reader's
    # scan and calamine read those bytes, the ones it checked, and nothing is inflated again.
    container = inspect_workbook(path, keep=is_xml_part)
    # A broken package makes the readers raise anything from zipfile errors to KeyError.
    try:
        package = _scan_parts(container.parts)
        book = CalamineWorkbook.from_filelike(container.stored_package(package.unread_parts))
        grids = {}
        for name in book.sheet_names:
            if name in L.UNREAD_SHEETS:
                continue
            sheet = book.get_sheet_by_name(name)
            grids[name] = _Grid(
                sheet.to_python(skip_empty_area=False),
                package.cells.get(name, {}),
                package.percent_styles,
                tuple(sheet.merged_cell_ranges or ()),
            )
    except UnusableFile:
        raise
    except Exception as error:
        raise _corrupt(error) from error
    meta_grid = grids.pop(L.META_SHEET, None)
    if meta_grid is None:
        raise UnusableFile(
            "file-unknown-template",
            {"reason_th": f"ไม่มีแผ่นงาน {L.META_SHEET}", "reason": f"no sheet {L.META_SHEET}"},
        )
    meta, text, definitions, records = _read_meta(meta_grid, source)
    altered, intact = hidden_sheet_state(meta, definitions, text=text)
    if container.macro_enabled:
        records.append(finding("file-macro-enabled", source=source))
    order = {name: package.sheet_ids.get(name, 10**6) for name in grids}
    cells, found = _read_tables(source, grids, order, meta, definitions)
    records.extend(found)
    return WorkbookData(
        source=source,
        path=path,
        meta=meta,
        definitions=definitions,
        cell_columns=cells,
        altered=altered,
        intact=intact,
        unsupported_parts=container.unsupported_parts,
        macro_enabled=container.macro_enabled,
        checked_copy=meta.get("checked_copy", "") == "1",
        finding_records=tuple(records),
    )


# --- the package: sheets, styles, and what calamine does not tell ------------------------


@dataclass(frozen=True)
class _CellMeta:
    formula: str = ""
    error: str = ""
    style: int = 0
    cached: bool = False


@dataclass
class _Package:
    sheet_ids: dict[str, int]
    percent_styles: frozenset[int]
    cells: dict[str, dict[tuple[int, int], _CellMeta]]
    unread_parts: frozenset[str]
    """The parts of the sheets left unread (:data:`kpixl.layout.UNREAD_SHEETS`)."""


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _scan_parts(archive: Mapping[str, bytes]) -> _Package:
    """The sheets' ids and what calamine does not tell of their cells, from the parts."""
    # The inspection refused any document type declaration in these bytes (no entity can
    # be declared, so none expanded): the standard parser is safe on them.
    workbook = ET.fromstring(archive["xl/workbook.xml"])
    rels = ET.fromstring(archive["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PACKAGE_REL}Relationship")}
    percent = (
        _percent_styles(archive["xl/styles.xml"]) if "xl/styles.xml" in archive else frozenset()
    )
    ids: dict[str, int] = {}
    cells: dict[str, dict[tuple[int, int], _CellMeta]] = {}
    unread, read = set(), set()
    for position, sheet in enumerate(workbook.iter(f"{_MAIN}sheet")):
        name = sheet.get("name", "")
        try:
            ids[name] = int(sheet.get("sheetId", ""))
        except ValueError:
            ids[name] = 10**5 + position
        target = targets.get(sheet.get(f"{_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if name in L.UNREAD_SHEETS:
            unread.add(part)
        elif part in archive:
            read.add(part)
            cells[name] = _cell_meta(archive[part], percent)
    return _Package(ids, percent, cells, frozenset(unread - read))


def _merges(
    ranges: Iterable[tuple[tuple[int, int], tuple[int, int]]],
) -> dict[tuple[int, int], int]:
    """(row, column) of each cell of a merged range's first row → the range's last column
    (1-based), from calamine's ranges (0-based corners)."""
    found: dict[tuple[int, int], int] = {}
    for (top, left), (_bottom, right) in ranges:
        for column in range(left + 1, right + 2):
            found[(top + 1, column)] = right + 1
    return found


# Possessive: a tag that is not the one wanted fails at once instead of backtracking.
_NUMFMT = re.compile(rb"<(?:\w++:)?numFmt\b[^>]*?numFmtId=\"(\d+)\"[^>]*?formatCode=\"([^\"]*)\"")
_CELLXFS = re.compile(rb"<(?:\w++:)?cellXfs\b[^>]*+>")
_CELLXFS_END = re.compile(rb"</(?:\w++:)?cellXfs>")
_XF = re.compile(rb"<(?:\w++:)?xf\b([^>]*+)>")
_XF_NUMFMT = re.compile(rb"\bnumFmtId=\"(\d+)\"")


def _is_percent_format(code: str) -> bool:
    """Whether an Excel number format shows a value × 100 with a % sign."""
    # Quoted text and [colour]/[condition] sections do not scale the value.
    bare = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code)
    return "%" in bare


@functools.lru_cache(maxsize=64)
def _percent_styles(styles: bytes) -> frozenset[int]:
    """The cell formats (by index) that show a percent: the styles part of a template,
    remembered by its bytes, which come back unchanged in every workbook made from it."""
    custom = {int(m.group(1)): unescape(m.group(2)) for m in _NUMFMT.finditer(styles)}
    start = _CELLXFS.search(styles)
    end = _CELLXFS_END.search(styles, start.end()) if start else None
    if start is None or end is None:
        return frozenset()
    percent = set()
    for index, xf in enumerate(_XF.finditer(styles, start.end(), end.start())):
        match = _XF_NUMFMT.search(xf.group(1))
        fmt = int(match.group(1)) if match else 0
        if fmt in _BUILTIN_PERCENT or (fmt in custom and _is_percent_format(custom[fmt])):
            percent.add(index)
    return frozenset(percent)


_ATTR_R = re.compile(rb'\br="([A-Z]{1,3}[0-9]+)"')
_ATTR_S = re.compile(rb'\bs="([0-9]+)"')
_ATTR_T = re.compile(rb'\bt="([a-zA-Z]+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
# The same where the formula is plain text (no CDATA section: no "<" in it), as every
# spreadsheet writes it: it needs no look for the end tag at every character.
_FORMULA_PLAIN = re.compile(rb"<(?:\w+:)?f\b([^>]*?)(?:/>|>([^<]*+)</(?:\w+:)?f>)")
_VALUE = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _positions(xml: bytes, needle: bytes) -> list[int]:
    found = []
    at = xml.find(needle)
    while at >= 0:
        found.append(at)
        at = xml.find(needle, at + 1)
    return found


def _tag_name(xml: bytes, start: int) -> bytes:
    """The name of the tag opening at ``start`` (an end tag's keeps its ``/``)."""
    match = _NAME_AFTER.match(xml, start + 1)
    return match.group() if match else b""


_NAME_AFTER = re.compile(rb"/?[^ \t\r\n/>]*+")


def _is_cell_tag(name: bytes) -> bool:
    return name.rpartition(b":")[2] == b"c" and not name.startswith(b"/")


def _candidate_cells(xml: bytes, percent: frozenset[int]) -> list[int]:
    """Where the cells worth a look open, found by literal searches instead of visiting
    every cell: a formula (the first child of ``<c>`` by the schema; a ``<v>`` before it
    is tolerated), an error value (``t="e"``), a percent style (``s="…"``).

    The searches are regular expressions that begin with literal text, which ``re`` finds
    faster than ``bytes.find`` does one hit after another."""
    starts: set[int] = set()
    formulas = [m.start() for m in _FORMULA_TAG.finditer(xml)]
    # A prefixed <x:f> is a formula only where a prefix is bound to the sheet's namespace
    # (an extension's <xm:f> is not one); most sheets bind none.
    for at in _positions(xml, b":f") if _binds_main_prefix(xml) else ():
        opening = xml.rfind(b"<", 0, at)
        prefix = xml[opening + 1 : at] if opening >= 0 else b""
        if xml[at + 2 : at + 3] in _F_END and prefix and not (set(prefix) & _NOT_NAME):
            formulas.append(opening)
    for at in formulas:
        # back over at most a <v>…</v> to the cell's own tag
        position = at
        for _ in range(3):
            position = xml.rfind(b"<", 0, position)
            if position < 0:
                break
            name = _tag_name(xml, position)
            if _is_cell_tag(name):
                starts.add(position)
                break
            if name.lstrip(b"/").rpartition(b":")[2] != b"v":
                break
    for pattern in (_ERROR_TYPE, _style_pattern(percent)) if percent else (_ERROR_TYPE,):
        for match in pattern.finditer(xml):
            at = match.start()
            if at and xml[at - 1] in _WORD:
                continue
            opening = xml.rfind(b"<", 0, at)
            if opening >= 0 and _is_cell_tag(_tag_name(xml, opening)):
                starts.add(opening)
    return sorted(starts)


_FORMULA_TAG = re.compile(rb"<f[ \t\r\n/>]")
_ERROR_TYPE = re.compile(rb't="e"')


@functools.lru_cache(maxsize=64)
def _style_pattern(styles: frozenset[int]) -> re.Pattern[bytes]:
    """``s="…"`` of any of ``styles`` (the closing quote: the whole number)."""
    return re.compile(rb's="(?:' + b"|".join(b"%d" % n for n in sorted(styles)) + rb')"')


_MAIN_NAMESPACES = (
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    b"http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_PREFIX_DECLARED = re.compile(rb"xmlns:[^=\s]+\s*=\s*[\"']$")


def _binds_main_prefix(xml: bytes) -> bool:
    """Whether the sheet binds a prefix to its own namespace (``xmlns:x="…/main"``)."""
    for uri in _MAIN_NAMESPACES:
        at = xml.find(uri)
        while at >= 0:
            quoted = xml[at + len(uri) : at + len(uri) + 1] in (b'"', b"'")
            if quoted and _PREFIX_DECLARED.search(xml, max(at - 200, 0), at):
                return True
            at = xml.find(uri, at + 1)
    return False


_F_END = {b" ", b"\t", b"\r", b"\n", b">", b"/"}
_NOT_NAME = frozenset(b" \t\r\n<>/=\"'")


def _cell_meta(xml: bytes, percent: frozenset[int]) -> dict[tuple[int, int], _CellMeta]:
    """(row, column) → what calamine does not tell, for the cells where there is something:
    a formula, an error value, or a percent style on a cell with content."""
    found: dict[tuple[int, int], _CellMeta] = {}
    for start in _candidate_cells(xml, percent):
        tag_end = xml.find(b">", start)
        if tag_end < 0 or xml[tag_end - 1] == 0x2F:
            continue  # a cell without content says nothing
        name = _tag_name(xml, start)
        attrs = xml[start + 1 + len(name) : tag_end]
        body_end = xml.find(b"</" + name + b">", tag_end)
        body = xml[tag_end + 1 : body_end] if body_end >= 0 else b""
        if not body:
            continue
        ref = _ATTR_R.search(attrs)
        if ref is None:
            continue
        style_match = _ATTR_S.search(attrs)
        style = int(style_match.group(1)) if style_match else 0
        kind = _ATTR_T.search(attrs)
        formula = _FORMULA_PLAIN.search(body) or _FORMULA.search(body)
        is_error = kind is not None and kind.group(1) == b"e"
        if formula is None and not is_error and style not in percent:
            continue
        value = _VALUE.search(body)
        error = ""
        if is_error and value is not None:
            error = unescape(value.group(1)).strip()
        text = _formula_text(formula.group(2) or b"") if formula is not None else ""
        # "cached" is about formulas: a typed error value is no calculated result.
        cached = formula is not None and value is not None and bool(value.group(1))
        found[parse_cell(ref.group(1).decode())] = _CellMeta(text, error, style, cached)
    return found


@functools.lru_cache(maxsize=4096)
def _formula_text(raw: bytes) -> str:
    """A formula's text as written in a cell (``=…``). Cached: a template's formulas come
    back in every workbook made from it, whatever their results."""
    text = "=" + unescape(raw)
    return "=(shared formula)" if text == "=" else text


def _corrupt(error: Exception) -> UnusableFile:
    reason = f"{type(error).__name__}: {error}"[:200]
    return UnusableFile("file-corrupt", {"reason": reason})


# --- one sheet ---------------------------------------------------------------------------


class _Grid:
    """A sheet's values (calamine) with the cells' formulas, errors and percent styles."""

    def __init__(
        self,
        values: list[list[Any]],
        meta: Mapping[tuple[int, int], _CellMeta],
        percent_styles: frozenset[int],
        merged_ranges: Sequence[tuple[tuple[int, int], tuple[int, int]]],
    ) -> None:
        self.values = values
        self.meta = meta
        self.meta_rows = {row for row, _column in meta}
        self.percent_styles = percent_styles
        self.merged_ranges = merged_ranges

    @functools.cached_property
    def merges(self) -> dict[tuple[int, int], int]:
        """(row, column) of each cell of a merged range's first row → the range's last
        column (see :func:`_merges`); made when asked (only the sign-off's sheet is)."""
        return _merges(self.merged_ranges)

    def value(self, row: int, column: int) -> Any:
        """The value at a 1-based (row, column); None for blank."""
        if row - 1 >= len(self.values):
            return None
        line = self.values[row - 1]
        value = line[column - 1] if column - 1 < len(line) else None
        meta = self.meta.get((row, column))
        if meta is not None and meta.error:
            return None
        return None if value == "" else value

    def text(self, row: int, column: int) -> str:
        value = self.value(row, column)
        return _id_text(value)

    @property
    def rows(self) -> int:
        return len(self.values)

    def width(self, row: int) -> int:
        return len(self.values[row - 1]) if 0 < row <= len(self.values) else 0


def _id_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if type(value) is str:
        return _clean(value)
    return clean_text(str(value))


@functools.lru_cache(maxsize=16384)
def _clean(text: str) -> str:
    # The same labels, ids and criteria come back in every workbook of a round.
    return clean_text(text)


# --- the hidden sheet --------------------------------------------------------------------


def _read_meta(
    grid: _Grid, source: str
) -> tuple[dict[str, str], str, dict[str, Any] | None, list[dict[str, Any]]]:
    """The hidden sheet's key/value pairs, its definitions text and what that text loads
    as (None when it is not a JSON object), and findings."""
    meta: dict[str, str] = {}
    chunks: list[str] = []
    for row in range(1, grid.rows + 1):
        key, value = grid.value(row, 1), grid.value(row, 2)
        if key is None:
            continue
        text = "" if value is None else str(value)
        if str(key) == "definitions":
            chunks.append(text)
        elif str(key) not in meta:
            meta[str(key)] = text
    if meta.get("kpixl") != L.MARKER:
        raise UnusableFile(
            "file-unknown-template",
            {"reason_th": "ไม่พบเครื่องหมายของแม่แบบ", "reason": "no kpixl marker"},
        )
    try:
        version = int(meta.get("template_version", ""))
    except ValueError as error:
        raise UnusableFile(
            "file-unknown-template",
            {"reason_th": "ไม่พบรุ่นของแม่แบบ", "reason": "no template version"},
        ) from error
    if version > L.TEMPLATE_VERSION:
        raise UnusableFile(
            "file-unknown-template",
            {
                "reason_th": f"แม่แบบรุ่น {version} ใหม่กว่าโปรแกรม kpixl ที่ใช้ตรวจ",
                "reason": f"template version {version} is newer than this kpixl",
            },
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
    text = "".join(chunks)
    try:
        loaded = json.loads(text)
        definitions = loaded if isinstance(loaded, dict) else None
    except ValueError:
        definitions = None
    # Whether that matters depends on a master being at hand: the evaluation says so.
    return meta, text, definitions, records


def hidden_sheet_state(
    meta: Mapping[str, str], definitions: dict[str, Any] | None, *, text: str | None = None
) -> tuple[tuple[str, str] | None, bool]:
    """What of the hidden sheet no longer matches the centre's fingerprint (Thai, English;
    None when nothing), and whether the embedded definitions themselves still match it
    (then only the hidden sheet's own division code or fiscal year was edited).

    ``text``: the definitions as embedded. A template embeds their canonical JSON, so its
    own hash proves them intact without writing them out again; a text that is not
    canonical (an older template's) is judged by the definitions it loads as."""
    if definitions is None:
        return ("อ่านข้อมูลกำกับไม่ได้", "the definitions cannot be read"), False
    expected = meta.get("fingerprint")
    as_embedded = text is not None and text_fingerprint(text) == expected
    if not as_embedded and fingerprint(definitions) != expected:
        return ("ข้อมูลตัวชี้วัด เกณฑ์ หรือค่าน้ำหนัก", "KPIs, criteria or weights"), False
    division = str((definitions.get("division") or {}).get("division_code", ""))
    year = str((definitions.get("organisation") or {}).get("fiscal_year_be", ""))
    if meta.get("division_code", "") != division:
        return ("รหัสกอง", "the division code"), True
    if meta.get("fiscal_year_be", "") != year:
        return ("ปีงบประมาณ", "the fiscal year"), True
    return None, True


# --- tables ------------------------------------------------------------------------------


@dataclass
class _Table:
    kind: str
    sheet: str
    key_row: int
    keys: dict[int, str]
    recovered: bool
    survey_kpi: str = ""


def _header_labels(kind: str, fiscal_year_be: int) -> list[tuple[str, str]]:
    """(Thai header, key) of a table's columns, in order (labels may repeat: รวม)."""
    if kind == "form":
        return [(f.label, f.key) for f in L.FORM_FIELDS]
    if kind == "data":
        return [(f.label, f.key) for f in L.DATA_FIELDS]
    if kind == "target" and fiscal_year_be:
        return [(f.label, f.key) for f in L.target_fields(fiscal_year_be)]
    if kind == "survey":
        return [(f.label, f.key) for f in L.SURVEY_FIXED]
    return []


@functools.lru_cache(maxsize=64)
def _header_plan(
    kind: str, fiscal_year_be: int
) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
    """A table's normalised (header, key) pairs, and the headers its needed keys have: a
    row lacking one of those cannot be the table's header row."""
    labels = tuple((_norm(label), key) for label, key in _header_labels(kind, fiscal_year_be))
    needed = frozenset(label for label, key in labels if key in _TABLE_KEYS[kind])
    return labels, needed


def _find_key_row(grid: _Grid) -> tuple[str, int, dict[int, str]] | None:
    meta = grid.meta
    for row, line in enumerate(grid.values[:_KEY_ROW_SCAN], 1):
        # most rows are not a key row: told at once by their texts (errors left in)
        marks = {v.strip() for v in line if isinstance(v, str)}
        if not any(needed <= marks for needed in _TABLE_KEYS.values()):
            continue
        keys = {}
        for column, value in enumerate(line, 1):
            if (
                isinstance(value, str)
                and (key := value.strip())
                and not _is_error(meta, row, column)
            ):
                keys[column] = key
        if not keys:
            continue
        found = set(keys.values())
        for kind, needed in _TABLE_KEYS.items():
            if needed <= found:
                return kind, row, keys
    return None


def _is_error(meta: Mapping[tuple[int, int], _CellMeta], row: int, column: int) -> bool:
    found = meta.get((row, column))
    return found is not None and bool(found.error)


@functools.lru_cache(maxsize=16384)
def _norm(text: str) -> str:
    return clean_text(text).replace(" ", "")


_ITEM_HEADER = re.compile(r"\d+\.\d+")


def _recover_from_headers(
    grid: _Grid, fiscal_year_be: int
) -> tuple[str, int, dict[int, str]] | None:
    """A table whose hidden key row was deleted, found by its visible header row."""
    plans = [(kind, *_header_plan(kind, fiscal_year_be)) for kind in _TABLE_KEYS]
    for row, line in enumerate(grid.values[:_KEY_ROW_SCAN], 1):
        # most rows are no header row: told at once by their texts (errors left in)
        marks = {_norm(_id_text(v)) for v in line if v is not None and v != ""}
        if not any(labels and needed <= marks for _, labels, needed in plans):
            continue
        texts = {c: _norm(grid.text(row, c)) for c in range(1, grid.width(row) + 1)}
        texts = {c: t for c, t in texts.items() if t}
        if not texts:
            continue
        present = set(texts.values())
        for kind, labels, needed in plans:
            if not labels or not needed <= present:
                continue
            queue: dict[str, list[str]] = {}
            for label, key in labels:
                queue.setdefault(label, []).append(key)
            keys: dict[int, str] = {}
            for column in sorted(texts):
                waiting = queue.get(texts[column])
                if waiting:
                    keys[column] = waiting.pop(0)
                elif kind == "survey" and _ITEM_HEADER.fullmatch(texts[column]):
                    keys[column] = f"item:{texts[column]}"
            if _TABLE_KEYS[kind] <= set(keys.values()):
                # the data rows start below the (deleted) key row, i.e. below the header
                return kind, row, keys
    return None


def _locate(
    name: str, grid: _Grid, fiscal_year_be: int, survey_ids: Iterable[str]
) -> _Table | None:
    located = _find_key_row(grid)
    recovered = False
    if located is None:
        located = _recover_from_headers(grid, fiscal_year_be)
        recovered = located is not None
    if located is None:
        return None
    kind, row, keys = located
    survey_kpi = ""
    if kind == "survey":
        survey_kpi = next((k.split(":", 1)[1] for k in keys.values() if k.startswith("kpi:")), "")
        if not survey_kpi:
            survey_kpi = next(
                (i for i in survey_ids if L.survey_sheet_name(i) == name),
                name.removeprefix(L.SURVEY_PREFIX),
            )
        keys = {c: k for c, k in keys.items() if not k.startswith("kpi:")}
    return _Table(kind, name, row, keys, recovered, survey_kpi)


def _read_tables(
    source: str,
    grids: Mapping[str, _Grid],
    sheet_order: Mapping[str, int],
    meta: Mapping[str, str],
    definitions: Mapping[str, Any] | None,
) -> tuple[CellColumns, list[dict[str, Any]]]:
    fy_text = meta.get("fiscal_year_be", "")
    fiscal_year_be = int(fy_text) if fy_text.isdigit() else 0
    survey_ids = [
        str(k.get("kpi_id", ""))
        for k in (definitions or {}).get("kpis", []) or []
        if isinstance(k, Mapping) and k.get("kind") == "survey"
    ]
    candidates: dict[tuple[str, str], list[_Table]] = {}
    for name, grid in grids.items():
        table = _locate(name, grid, fiscal_year_be, survey_ids)
        if table is not None:
            candidates.setdefault((table.kind, table.survey_kpi), []).append(table)
    found = _Found()
    findings: list[dict[str, Any]] = []
    # The sign-off block is the target sheet's, below its table (see the template).
    signoff_sheet = L.TARGET_SHEET
    for (kind, survey_kpi), tables in candidates.items():
        expected = _TABLE_SHEETS.get(kind) or L.survey_sheet_name(survey_kpi)
        # The template's own sheet: its name, else the oldest sheet (a copy gets a new id).
        tables.sort(key=lambda t: (t.sheet != expected, sheet_order.get(t.sheet, 0)))
        chosen = tables[0]
        if len(tables) > 1:
            names = ", ".join(f"“{t.sheet}”" for t in sorted(tables, key=lambda t: t.sheet))
            findings.append(
                finding(
                    "sheet-duplicated",
                    source=source,
                    sheet=chosen.sheet,
                    sheets=names,
                    used=chosen.sheet,
                )
            )
        if chosen.recovered:
            findings.append(finding("key-row-recovered", source=source, sheet=chosen.sheet))
        _read_table(found, grids[chosen.sheet], chosen)
        if kind == "target":
            signoff_sheet = chosen.sheet
    if signoff_sheet in grids:
        _read_signoff(found, signoff_sheet, grids[signoff_sheet])
    return found.cell_columns(), findings


class _Found:
    """The cells read, column by column (see :data:`kpixl.workbook.CellColumns`); a row's
    sheet, table, KPI and row as one run each (:class:`kpixl.workbook.Runs`)."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in CELL_COLUMNS_EACH}
        self.runs: list[tuple[str, str, str, int]] = []  # (sheet, table, kpi_id, row)
        self.counts: list[int] = []

    def add(
        self,
        grid: _Grid,
        sheet: str,
        table: str,
        kpi_id: str,
        row: int,
        columns: Sequence[int],
        keys: Sequence[str],
    ) -> None:
        """Record the cells of ``row`` of ``grid`` at ``columns``, whose keys are ``keys``."""
        count = len(columns)
        line = grid.values[row - 1] if 0 < row <= len(grid.values) else []
        width = len(line)
        raw = [line[column - 1] if column <= width else None for column in columns]
        c = self.columns
        if row in grid.meta_rows:
            get = grid.meta.get
            metas = [get((row, column), _NO_META) for column in columns]
            percent = grid.percent_styles
            c["raw"] += [None if m.error or v == "" else v for v, m in zip(raw, metas, strict=True)]
            c["formula"] += [m.formula for m in metas]
            c["error"] += [m.error for m in metas]
            c["percent"] += [m.style in percent for m in metas]
            c["cached"] += [m.cached for m in metas]
        else:  # most rows: no formula, error value or percent style (see Grid.value)
            c["raw"] += [None if v == "" else v for v in raw]
            c["formula"] += [""] * count
            c["error"] += [""] * count
            c["percent"] += [False] * count
            c["cached"] += [False] * count
        c["field"] += keys
        c["column"] += columns
        self._run((sheet, table, kpi_id, row), count)

    def add_cell(
        self, grid: _Grid, sheet: str, table: str, kpi_id: str, row: int, column: int, key: str
    ) -> None:
        """Record one cell (what :meth:`add` does for one column, in fewer steps)."""
        line = grid.values[row - 1] if 0 < row <= len(grid.values) else []
        value = line[column - 1] if column <= len(line) else None
        meta = grid.meta.get((row, column), _NO_META)
        c = self.columns
        c["raw"].append(None if meta.error or value == "" else value)
        c["formula"].append(meta.formula)
        c["error"].append(meta.error)
        c["percent"].append(row in grid.meta_rows and meta.style in grid.percent_styles)
        c["cached"].append(meta.cached)
        c["field"].append(key)
        c["column"].append(column)
        self._run((sheet, table, kpi_id, row), 1)

    def _run(self, run: tuple[str, str, str, int], count: int) -> None:
        if self.runs and self.runs[-1] == run:
            self.counts[-1] += count
        elif count:
            self.runs.append(run)
            self.counts.append(count)

    def cell_columns(self) -> dict[str, Sequence[Any]]:
        """The cells read (:data:`kpixl.workbook.CellColumns`)."""
        # Tuples: of values only, the garbage collector stops looking into them (it looks
        # into every list, each time, however long a batch keeps it).
        found: dict[str, Sequence[Any]] = {name: tuple(c) for name, c in self.columns.items()}
        counts = tuple(self.counts)
        in_runs = zip(*self.runs, strict=True) if self.runs else [()] * len(RUN_COLUMNS)
        for name, values in zip(RUN_COLUMNS, in_runs, strict=True):
            found[name] = Runs(tuple(values), counts)
        return {name: found[name] for name in BOOK_CELL_COLUMNS}


_NO_META = _CellMeta()


def _read_table(found: _Found, grid: _Grid, table: _Table) -> None:
    columns = {key: column for column, key in table.keys.items()}
    sheet, kind = table.sheet, table.kind
    read = {column: key for column, key in table.keys.items() if key not in L.UNREAD_FIELDS}
    every_column, every_key = list(read), list(read.values())

    items = [c for c, k in table.keys.items() if k.startswith("item:")]
    answered = _answered_rows(grid, items, table.key_row) if kind == "survey" else set()
    for row in range(table.key_row + 1, grid.rows + 1):
        if kind == "survey":
            if row in answered:
                found.add(grid, sheet, kind, table.survey_kpi, row, every_column, every_key)
            continue
        kpi_id = grid.text(row, columns["kpi_id"])
        if kind == "form" and kpi_id in _TOTAL_ROWS:
            if "weighted" in columns:
                found.add_cell(grid, sheet, kind, "", row, columns["weighted"], _TOTAL_ROWS[kpi_id])
            if _TOTAL_ROWS[kpi_id] == "score_100":
                break  # the table ends here; signature blocks follow
        elif kpi_id in _SIGNOFF_TEXTS or not kpi_id:
            continue  # the sign-off block below the target table, read by _read_signoff
        elif kind == "data":
            data_key = grid.text(row, columns["field"])
            if data_key:
                found.add_cell(grid, sheet, kind, kpi_id, row, columns["input"], data_key)
        else:
            found.add(grid, sheet, kind, kpi_id, row, every_column, every_key)


def _answered_rows(grid: _Grid, columns: list[int], key_row: int) -> set[int]:
    """The rows below ``key_row`` where one of ``columns`` is filled (see :func:`_filled`)."""
    wanted = set(columns)
    rows = {
        r
        for (r, c), m in grid.meta.items()
        if r > key_row and c in wanted and (m.formula or m.error)
    }
    if not columns:
        return rows
    pick = operator.itemgetter(*(c - 1 for c in columns))
    last, single = max(columns), len(columns) == 1
    for row, line in enumerate(grid.values[key_row:], key_row + 1):
        if row in rows:
            continue
        # most rows are not answered: told at once by their distinct values
        if len(line) >= last:
            values = {pick(line)} if single else set(pick(line))
        else:
            values = {line[c - 1] for c in columns if c <= len(line)}
        if values <= _BLANK:
            continue
        if any(v is not None and v != "" and str(v).strip() for v in values):
            rows.add(row)
    return rows


_BLANK = frozenset({"", None})


def _filled(grid: _Grid, row: int, column: int) -> bool:
    meta = grid.meta.get((row, column))
    if meta is not None and (meta.formula or meta.error):
        return True
    value = grid.value(row, column)
    return value is not None and str(value).strip() != ""


_SIGNOFF_KEYS = {label: key for key, label in L.SIGNOFF_LABELS.items()}


def _read_signoff(found: _Found, sheet: str, grid: _Grid) -> None:
    labels = _SIGNOFF_KEYS
    # Most sheets have no sign-off, and most of a sheet's values repeat (blanks above all).
    distinct = set(itertools.chain.from_iterable(grid.values))
    found_labels = {t for t in distinct if isinstance(t, str) and t.strip() in labels}
    if not found_labels:
        return
    for row, line in enumerate(grid.values, 1):
        if found_labels.isdisjoint(line):
            continue
        width = len(line)
        for column, text in enumerate(line[: width - 1], 1):
            # (an error value is never a label: no "#" in any)
            key = labels.get(text.strip()) if isinstance(text, str) and text else None
            if key:
                # The value is the first filled cell right of the label (a column inserted
                # between the two leaves a blank cell), else the first cell right of the
                # label's merged range.
                after = grid.merges.get((row, column), column) + 1
                target = next((c for c in range(after, width + 1) if _filled(grid, row, c)), after)
                found.add_cell(grid, sheet, "signoff", "", row, target, key)
                break
