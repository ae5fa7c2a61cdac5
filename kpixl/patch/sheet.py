"""Cell-level edits of one worksheet part, spliced into its XML.

All edits of a sheet are planned on one scan and applied from the end of the part to its
start, so every planned position stays valid. Only the touched ``<c>`` elements change (a
missing one is created in column order in its ``<row>``, a missing row in row order), plus
what a sheet needs around them: ``<dimension>``, a row's ``spans``, ``<legacyDrawing>`` for
comments and the ``tabSelected`` flag of its views.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from kpixl.cells import cell_ref, parse_cell
from kpixl.patch import xmltext as X
from kpixl.patch.errors import PatchUnsupported
from kpixl.patch.package import Package

KEEP = object()
"""A :class:`CellEdit` value that leaves the cell's content as it is."""

_LATER = {
    b"legacyDrawingHF",
    b"drawingHF",
    b"picture",
    b"oleObjects",
    b"controls",
    b"webPublishItems",
    b"tableParts",
    b"extLst",
    b"AlternateContent",
}
"""Worksheet children that come after ``<legacyDrawing>`` (ECMA-376 CT_Worksheet)."""
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


@dataclass
class CellEdit:
    """What to do to one cell: a new value (or :data:`KEEP`) and a restyling."""

    value: Any = KEEP
    restyle: Callable[[int], int] | None = None


class Cell(NamedTuple):
    """A ``<c>`` element as found."""

    row: int
    column: int
    start: int
    end: int
    xml: bytes
    style: int


@dataclass
class _Row:
    number: int
    element: X.Element
    tag: bytes
    cells: list[Cell] | None = None

    @property
    def start(self) -> int:
        return self.element.start

    @property
    def end(self) -> int:
        return self.element.end

    @property
    def empty(self) -> bool:
        return self.element.empty


class Worksheet:
    """One worksheet part opened for editing."""

    def __init__(self, package: Package, part: str, *, date1904: bool = False) -> None:
        """Open ``part`` of ``package``.

        Raises:
            PatchUnsupported: not a transitional SpreadsheetML worksheet.
        """
        self.package = package
        self.part = part
        self.date1904 = date1904
        data = package.read_xml(part, cells=True)
        start, end, prefix, local = X.root_tag(data)
        tag = data[start:end]
        if X.prefix_of(tag, X.STRICT_MAIN_NS) is not None:
            raise PatchUnsupported(f"{part}: Strict OOXML namespaces")
        if local != b"worksheet" or X.prefix_of(tag, X.MAIN_NS) != prefix:
            raise PatchUnsupported(f"{part} is not a worksheet")
        self.prefix = prefix
        self._scan: tuple[bytes, list[_Row]] | None = None
        self._columns: list[tuple[int, int, int]] | None = None

    @property
    def data(self) -> bytes:
        """The part's bytes as they are now."""
        return self.package.read(self.part)

    # -- reading --------------------------------------------------------------------------
    def _sheet_data(self) -> X.Element:
        found = X.find_one(self.data, self.prefix, b"sheetData")
        if found is None:
            raise PatchUnsupported(f"{self.part} has no sheetData")
        return found

    def _rows(self, wanted: set[int] | None = None) -> list[_Row]:
        """The rows (with their cells when in ``wanted``; all when ``wanted`` is None).

        One scan per state of the part: edits make a new bytes object, which invalidates it.
        """
        data = self.data
        if self._scan is None or self._scan[0] is not data:
            sheet_data = self._sheet_data()
            rows: list[_Row] = []
            previous = 0
            for element in X.find_all(data, self.prefix, b"row", *sheet_data.inner):
                tag = data[element.start : element.open_end]
                number = X.get_attr(tag, b"r")
                if number is None or not number.isdigit():
                    raise PatchUnsupported(f"{self.part}: a row without its number (r)")
                row = _Row(int(number), element, tag)
                if row.number <= previous:
                    raise PatchUnsupported(f"{self.part}: rows out of order")
                previous = row.number
                rows.append(row)
            self._scan = (data, rows)
        rows = self._scan[1]
        for row in rows:
            if row.cells is None and (wanted is None or row.number in wanted):
                row.cells = self._cells(row, row.element)
        return rows

    def _cells(self, row: _Row, element: X.Element) -> list[Cell]:
        data = self.data
        cells = []
        previous = 0
        start_tag = _cell_start(self.prefix)
        # A cell's end is found by its end tag (a cell holds no <c>): a search at C speed
        # through a long text, where a lazy pattern would try at every character.
        end_tag = b"</" + X.qname(self.prefix, b"c") + b">"
        position, stop = element.inner
        while (found := start_tag.search(data, position, stop)) is not None:
            tag, ref, style, empty = found.group(0, 1, 2, 3)
            end = found.end()
            if not empty:
                end = data.find(end_tag, end, stop)
                if end < 0:
                    raise PatchUnsupported(f"{self.part}: a cell that does not end")
                end += len(end_tag)
            position = end
            number, column = _position(ref or X.get_attr(tag, b"r") or b"")
            if number != row.number or column <= previous:
                raise PatchUnsupported(f"{self.part}: a cell without a usable reference (r)")
            previous = column
            style = style or X.get_attr(tag, b"s")
            xml = data[found.start() : end]
            cells.append(
                Cell(
                    number,
                    column,
                    found.start(),
                    end,
                    xml,
                    int(style) if style and style.isdigit() else 0,
                )
            )
        return cells

    def cells(self, wanted: set[int] | None = None) -> dict[tuple[int, int], Cell]:
        """Every cell of the rows in ``wanted`` (all rows when None)."""
        return {
            (c.row, c.column): c
            for r in self._rows(wanted)
            if r.cells is not None and (wanted is None or r.number in wanted)
            for c in r.cells
        }

    def last_row(self) -> int:
        """The number of the sheet's last ``<row>`` (0 when it has none), empty or not."""
        rows = self._rows(set())
        return rows[-1].number if rows else 0

    def has_formula(self, cell: Cell) -> bool:
        """Whether ``cell`` holds a formula (an ``<f>`` child)."""
        tag = X.tag_pattern(self.prefix, b"c").match(cell.xml)
        if tag is None or tag.group(1):
            return False
        return X.tag_pattern(self.prefix, b"f").search(cell.xml, tag.end()) is not None

    def merged(self) -> list[tuple[int, int, int, int]]:
        """(first row, first column, last row, last column) of each merged range."""
        data = self.data
        ranges = []
        for element in X.find_all(data, self.prefix, b"mergeCell"):
            ref = X.get_attr(data[element.start : element.open_end], b"ref")
            bounds = _bounds(X.unescape(ref or b""))
            if bounds is not None:
                ranges.append(bounds)
        return ranges

    def array_ranges(self) -> list[tuple[int, int, int, int]]:
        """The ranges of array formulas (their cells hold formula results)."""
        data = self.data
        ranges = []
        for element in X.find_all(data, self.prefix, b"f"):
            tag = data[element.start : element.open_end]
            if X.get_attr(tag, b"t") == b"array":
                bounds = _bounds(X.unescape(X.get_attr(tag, b"ref") or b""))
                if bounds is not None:
                    ranges.append(bounds)
        return ranges

    def default_style(self, row: int, column: int) -> int:
        """The style a cell that is not in the XML shows: its row's, else its column's."""
        data = self.data
        for found in self._rows(set()):
            if found.number == row:
                if X.get_attr(found.tag, b"customFormat") in (b"1", b"true"):
                    style = X.get_attr(found.tag, b"s")
                    return int(style) if style and style.isdigit() else 0
                break
        if self._columns is None:
            self._columns = []
            for element in X.find_all(data, self.prefix, b"col", 0, self._sheet_data().start):
                tag = data[element.start : element.open_end]
                low, high = X.get_attr(tag, b"min"), X.get_attr(tag, b"max")
                style = X.get_attr(tag, b"style")
                if low and high and low.isdigit() and high.isdigit():
                    number = int(style) if style and style.isdigit() else 0
                    self._columns.append((int(low), int(high), number))
        return next((s for low, high, s in self._columns if low <= column <= high), 0)

    def selected(self) -> bool:
        """Whether a view of this sheet has its tab selected."""
        data = self.data
        return any(
            X.get_attr(data[e.start : e.open_end], b"tabSelected") in (b"1", b"true")
            for e in X.find_all(data, self.prefix, b"sheetView")
        )

    def legacy_drawing(self) -> str | None:
        """The relationship id of the sheet's ``<legacyDrawing>``, if it has one."""
        data = self.data
        element = X.find_one(data, self.prefix, b"legacyDrawing", self._sheet_data().end)
        if element is None:
            return None
        start, end, _, _ = X.root_tag(data)
        r_prefix = X.prefix_of(data[start:end], X.REL_NS) or b"r"
        rel_id = X.get_attr(data[element.start : element.open_end], r_prefix + b":id")
        return X.unescape(rel_id) if rel_id else None

    # -- writing --------------------------------------------------------------------------
    def apply(
        self,
        edits: dict[tuple[int, int], CellEdit],
        *,
        unselect: bool = False,
        legacy_drawing: str | None = None,
    ) -> None:
        """Apply cell edits; unselect the sheet's tab; add ``<legacyDrawing r:id=…>``."""
        data = self.data
        plan: list[tuple[int, int, bytes]] = []
        wanted = {r for r, _ in edits}
        rows = self._rows(wanted)
        by_number = {r.number: r for r in rows}
        for number in sorted(wanted):
            targets = {c: e for (r, c), e in edits.items() if r == number}
            row = by_number.get(number)
            if row is None:
                plan.append(self._new_row(number, targets, rows))
            else:
                plan.extend(self._edit_row(row, targets))
        plan.extend(self._dimension(edits))
        if unselect:
            for element in X.find_all(data, self.prefix, b"sheetView"):
                tag = data[element.start : element.open_end]
                if X.get_attr(tag, b"tabSelected") is not None:
                    plan.append(
                        (element.start, element.open_end, X.set_attr(tag, b"tabSelected", None))
                    )
        if legacy_drawing is not None:
            plan.extend(self._legacy_drawing(legacy_drawing))
        plan.sort(key=lambda p: (p[0], p[1]))
        self.package.splice_all(self.part, reversed(plan))

    def _new_row(
        self, number: int, targets: dict[int, CellEdit], rows: list[_Row]
    ) -> tuple[int, int, bytes]:
        cells = b"".join(
            self._cell_xml(None, number, column, targets[column]) for column in sorted(targets)
        )
        row = b"<" + X.qname(self.prefix, b"row") + b' r="' + str(number).encode() + b'">'
        row += cells + b"</" + X.qname(self.prefix, b"row") + b">"
        following = next((r for r in rows if r.number > number), None)
        if following is not None:
            return following.start, following.start, row
        sheet_data = self._sheet_data()
        if sheet_data.empty:
            tag = self.data[sheet_data.start : sheet_data.open_end]
            opened = tag[:-2].rstrip() + b">"
            close = b"</" + X.qname(self.prefix, b"sheetData") + b">"
            return sheet_data.start, sheet_data.end, opened + row + close
        at = sheet_data.inner[1]
        return at, at, row

    def _edit_row(self, row: _Row, targets: dict[int, CellEdit]) -> list[tuple[int, int, bytes]]:
        plan: list[tuple[int, int, bytes]] = []
        cells = row.cells or []
        existing = {c.column: c for c in cells}
        inserts: dict[int, bytes] = {}
        for column in sorted(targets):
            cell = existing.get(column)
            new = self._cell_xml(cell, row.number, column, targets[column])
            if cell is not None:
                plan.append((cell.start, cell.end, new))
                continue
            following = next((c for c in cells if c.column > column), None)
            at = (
                following.start
                if following is not None
                else row.end - len(b"</" + X.qname(self.prefix, b"row") + b">")
            )
            inserts[at] = inserts.get(at, b"") + new
        tag = row.tag
        spans = X.get_attr(tag, b"spans")
        if spans and inserts:
            low, _, high = spans.partition(b":")
            if low.isdigit() and high.isdigit():
                columns = [c for c in targets if c not in existing]
                new_low, new_high = min(int(low), *columns), max(int(high), *columns)
                tag = X.set_attr(tag, b"spans", f"{new_low}:{new_high}".encode())
        if row.empty and inserts:
            (content,) = inserts.values()
            close = b"</" + X.qname(self.prefix, b"row") + b">"
            opened = tag[:-2].rstrip() + b">"
            return [(row.start, row.end, opened + content + close)]
        if tag != row.tag:
            plan.append((row.start, row.element.open_end, tag))
        plan.extend((at, at, content) for at, content in inserts.items())
        return plan

    def _cell_xml(self, cell: Cell | None, row: int, column: int, edit: CellEdit) -> bytes:
        if cell is None:
            tag = (
                b"<"
                + X.qname(self.prefix, b"c")
                + b' r="'
                + cell_ref(row, column).encode()
                + b'"/>'
            )
            style = self.default_style(row, column)
            if style:
                tag = X.set_attr(tag, b"s", str(style).encode())
            xml, old_style = tag, style
        else:
            xml, old_style = cell.xml, cell.style
        open_end = X.tag_pattern(self.prefix, b"c").match(xml)
        if open_end is None:
            raise PatchUnsupported(f"{self.part}: an unreadable cell")
        tag = xml[: open_end.end()]
        if edit.restyle is not None:
            tag = X.set_attr(tag, b"s", str(edit.restyle(old_style)).encode())
        if edit.value is KEEP:
            if xml.endswith(b"/>") and len(xml) == len(tag):
                return tag
            return tag + xml[open_end.end() :]
        formula = cell is not None and self.has_formula(cell)
        return self._with_value(tag, xml, formula, edit.value)

    def _with_value(self, tag: bytes, xml: bytes, formula: bool, value: Any) -> bytes:
        p = self.prefix
        kind, text = _typed(value, self.date1904)
        body = b""
        if formula:
            element = X.find_one(xml, p, b"f")
            body = xml[element.start : element.end] if element is not None else b""
            if kind == "n":
                tag = X.set_attr(tag, b"t", None)
            else:
                tag = X.set_attr(tag, b"t", b"b" if kind == "b" else b"str")
        else:
            tag = X.set_attr(tag, b"vm", None)
            if kind == "blank":
                tag = X.set_attr(tag, b"t", None)
                return _closed(tag)
            if kind == "s":
                tag = X.set_attr(tag, b"t", b"inlineStr")
                t = X.qname(p, b"t")
                is_ = X.qname(p, b"is")
                body = b"<" + is_ + b"><" + t + _space(text) + b">" + X.escape(text, quote=False)
                body += b"</" + t + b"></" + is_ + b">"
                return _opened(tag) + body + b"</" + X.qname(p, b"c") + b">"
            tag = X.set_attr(tag, b"t", b"b" if kind == "b" else None)
        v = X.qname(p, b"v")
        body += b"<" + v + b">" + X.escape(text, quote=False) + b"</" + v + b">"
        return _opened(tag) + body + b"</" + X.qname(p, b"c") + b">"

    def _dimension(self, edits: dict[tuple[int, int], CellEdit]) -> list[tuple[int, int, bytes]]:
        data = self.data
        element = X.find_one(data, self.prefix, b"dimension", 0, self._sheet_data().start)
        if element is None or not edits:
            return []
        tag = data[element.start : element.open_end]
        bounds = _bounds(X.unescape(X.get_attr(tag, b"ref") or b""))
        rows = [r for r, _ in edits]
        columns = [c for _, c in edits]
        if bounds is None:
            return []
        top, left, bottom, right = bounds
        if (top, left) == (bottom, right) == (1, 1) and not self._rows(set()):
            top, left, bottom, right = min(rows), min(columns), max(rows), max(columns)
        else:
            top, left = min(top, *rows), min(left, *columns)
            bottom, right = max(bottom, *rows), max(right, *columns)
        ref = cell_ref(top, left) + (
            "" if (top, left) == (bottom, right) else ":" + cell_ref(bottom, right)
        )
        new = X.set_attr(tag, b"ref", ref.encode())
        return [(element.start, element.open_end, new)] if new != tag else []

    def _legacy_drawing(self, rel_id: str) -> list[tuple[int, int, bytes]]:
        data = self.data
        start, end, _, _ = X.root_tag(data)
        root = data[start:end]
        plan: list[tuple[int, int, bytes]] = []
        r_prefix = X.prefix_of(root, X.REL_NS)
        if r_prefix is None:
            declared = X.namespaces(root)
            r_prefix = b"r" if b"r" not in declared else b"kr"
            plan.append((start, end, X.set_attr(root, b"xmlns:" + r_prefix, X.REL_NS)))
        sheet_data = self._sheet_data()
        close = data.rfind(b"</" + X.qname(self.prefix, b"worksheet") + b">")
        at = close
        for name, child_start, _ in X.top_level(data, sheet_data.end, close):
            if name.rpartition(b":")[2] in _LATER:
                at = child_start
                break
        element = (
            b"<"
            + X.qname(self.prefix, b"legacyDrawing")
            + b" "
            + X.qname(r_prefix, b"id")
            + b'="'
            + X.escape(rel_id)
            + b'"/>'
        )
        plan.append((at, at, element))
        return plan


@functools.cache
def _cell_start(prefix: bytes) -> re.Pattern[bytes]:
    """A ``<c>`` start tag: its ``r`` and ``s`` attributes taken on the way (groups 1 and 2)
    when they come first and in that order, as Excel, LibreOffice and openpyxl write them
    (another order leaves them None), group 3 ``/`` when the tag closes the element.
    """
    name = re.escape(X.qname(prefix, b"c"))
    first = rb'(?:(?=\s+r="([A-Za-z]{1,3}[0-9]{1,7})"(?:\s+s="([0-9]{1,9})")?))?'
    return re.compile(b"<" + name + rb"(?=[\s/>])" + first + X.ATTRS + rb"(/)?>")


def _position(ref: bytes) -> tuple[int, int]:
    """(row, column) of a cell's ``r`` attribute; (0, 0) when it is not an address."""
    try:
        return parse_cell(ref.decode())
    except (ValueError, UnicodeDecodeError):
        return 0, 0


def _bounds(ref: str) -> tuple[int, int, int, int] | None:
    first, _, last = ref.partition(":")
    try:
        top, left = parse_cell(first)
        bottom, right = parse_cell(last) if last else (top, left)
    except ValueError:
        return None
    return min(top, bottom), min(left, right), max(top, bottom), max(left, right)


def _closed(tag: bytes) -> bytes:
    return tag if tag.endswith(b"/>") else tag[:-1].rstrip() + b"/>"


def _opened(tag: bytes) -> bytes:
    return tag[:-2].rstrip() + b">" if tag.endswith(b"/>") else tag


def _space(text: str) -> bytes:
    return b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""


def _typed(value: Any, date1904: bool) -> tuple[str, str]:
    """(kind, text): ``n`` number, ``b`` boolean, ``s`` text, ``blank``."""
    if value is None:
        return "blank", ""
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, int):
        return "n", str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "blank", ""
        text = repr(value)
        return "n", text[:-2] if text.endswith(".0") else text
    if isinstance(value, dt.datetime | dt.date):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        days = (moment - (_EPOCH_1904 if date1904 else _EPOCH_1900)) / dt.timedelta(days=1)
        return _typed(round(days, 10), date1904)
    return "s", X.clean_text(str(value))
