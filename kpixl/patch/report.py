"""The report sheet as worksheet XML, from a layout that says what goes in which cell.

:mod:`kpixl.annotate` decides the content (:class:`Layout`); this module only writes it:
inline strings (the shared strings part never changes), internal hyperlinks (no
relationships needed), frozen header, autofilter, A4 landscape fitted to one page wide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kpixl.cells import cell_ref, column_letter
from kpixl.patch import xmltext as X
from kpixl.patch.sheet import _typed
from kpixl.patch.styles import Styles

FONT = "TH Sarabun New"
"""The Thai government's standard font (ประกาศสำนักนายกรัฐมนตรี 2553); Excel falls back
to a Thai font where it is not installed (LibreOffice on Debian maps it to its metric clone
Laksaman)."""


@dataclass(frozen=True)
class Look:
    """A cell format of the report: font, fill, border and alignment."""

    size: float = 14
    bold: bool = False
    italic: bool = False
    colour: str = ""
    underline: bool = False
    fill: str = ""
    border: bool = False
    horizontal: str = ""
    vertical: str = "top"
    wrap: bool = False
    number_format: int = 0


@dataclass
class Cell:
    """One report cell: its value, look, and an internal link with its tip."""

    value: Any
    look: Look
    link: str | None = None
    tip: str = ""


@dataclass
class Layout:
    """The report sheet: cells by (row, column), column widths, row heights, the table."""

    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    widths: list[float] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    header: int = 1
    last: int = 1
    merges: list[str] = field(default_factory=list)
    footer: str = '&C&"TH Sarabun New,Regular"&14หน้า &P / &N'


def _font(p: bytes, look: Look) -> bytes:
    def el(name: bytes, attrs: bytes = b"") -> bytes:
        return b"<" + X.qname(p, name) + attrs + b"/>"

    parts = [el(b"b")] if look.bold else []
    parts += [el(b"i")] if look.italic else []
    parts += [el(b"u")] if look.underline else []
    parts.append(el(b"sz", b' val="' + f"{look.size:g}".encode() + b'"'))
    if look.colour:
        parts.append(el(b"color", b' rgb="FF' + look.colour.encode() + b'"'))
    parts.append(el(b"name", b' val="' + FONT.encode() + b'"'))
    parts.append(el(b"family", b' val="2"'))
    parts.append(el(b"charset", b' val="222"'))
    return b"<" + X.qname(p, b"font") + b">" + b"".join(parts) + b"</" + X.qname(p, b"font") + b">"


def _border(p: bytes) -> bytes:
    sides = b"".join(
        b"<"
        + X.qname(p, side)
        + b' style="thin"><'
        + X.qname(p, b"color")
        + b' rgb="FFA6A6A6"/></'
        + X.qname(p, side)
        + b">"
        for side in (b"left", b"right", b"top", b"bottom")
    )
    return (
        b"<"
        + X.qname(p, b"border")
        + b">"
        + sides
        + b"<"
        + X.qname(p, b"diagonal")
        + b"/></"
        + X.qname(p, b"border")
        + b">"
    )


def look_index(styles: Styles, look: Look) -> int:
    """The cell format of ``look``, added to the style sheet."""
    p = styles.prefix
    font = styles.add(b"fonts", _font(p, look))
    fill = styles.solid_fill(look.fill) if look.fill else 0
    border = styles.add(b"borders", _border(p)) if look.border else 0
    align = b""
    if look.horizontal:
        align += b' horizontal="' + look.horizontal.encode() + b'"'
    if look.vertical:
        align += b' vertical="' + look.vertical.encode() + b'"'
    if look.wrap:
        align += b' wrapText="1"'
    xf = (
        b"<"
        + X.qname(p, b"xf")
        + b' numFmtId="'
        + str(look.number_format).encode()
        + b'" fontId="'
        + str(font).encode()
        + b'" fillId="'
        + str(fill).encode()
        + b'" borderId="'
        + str(border).encode()
        + b'" xfId="0" applyNumberFormat="1" '
        b'applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"><'
        + X.qname(p, b"alignment")
        + align
        + b"/></"
        + X.qname(p, b"xf")
        + b">"
    )
    return styles.add(b"cellXfs", xf)


def render(layout: Layout, styles: Styles) -> bytes:
    """The worksheet XML of ``layout`` (its cell formats added to ``styles``)."""
    looks: dict[Look, int] = {}
    columns = len(layout.widths)
    rows: dict[int, list[tuple[int, Cell]]] = {}
    for (row, column), cell in sorted(layout.cells.items()):
        rows.setdefault(row, []).append((column, cell))
    body = []
    links = []
    for row in sorted(set(rows) | set(layout.heights)):
        cells = []
        for column, cell in rows.get(row, []):
            index = looks.get(cell.look)
            if index is None:
                index = looks[cell.look] = look_index(styles, cell.look)
            ref = cell_ref(row, column).encode()
            style = b' s="' + str(index).encode() + b'"'
            kind, text = _typed(cell.value, False)
            if kind == "blank":
                cells.append(b'<c r="' + ref + b'"' + style + b"/>")
            elif kind == "s":
                space = b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""
                cells.append(
                    b'<c r="'
                    + ref
                    + b'"'
                    + style
                    + b' t="inlineStr"><is><t'
                    + space
                    + b">"
                    + X.escape(text, quote=False)
                    + b"</t></is></c>"
                )
            else:
                kind_attr = b' t="b"' if kind == "b" else b""
                cells.append(
                    b'<c r="'
                    + ref
                    + b'"'
                    + style
                    + kind_attr
                    + b"><v>"
                    + text.encode()
                    + b"</v></c>"
                )
            if cell.link:
                links.append(
                    b'<hyperlink ref="'
                    + ref
                    + b'" location="'
                    + X.escape(cell.link)
                    + b'" display="'
                    + X.escape(str(cell.value))
                    + b'" tooltip="'
                    + X.escape(X.clean_text(cell.tip, 255))
                    + b'"/>'
                )
        height = layout.heights.get(row)
        ht = b' ht="' + f"{height:g}".encode() + b'" customHeight="1"' if height else b""
        body.append(
            b'<row r="' + str(row).encode() + b'"' + ht + b">" + b"".join(cells) + b"</row>"
        )
    header = layout.header
    last_column = column_letter(columns)
    widths = b"".join(
        b'<col min="'
        + str(n).encode()
        + b'" max="'
        + str(n).encode()
        + b'" width="'
        + f"{w:g}".encode()
        + b'" customWidth="1"/>'
        for n, w in enumerate(layout.widths, 1)
    )
    top = f"A{header + 1}".encode()
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="' + X.MAIN_NS + b'" xmlns:r="' + X.REL_NS + b'">'
        b'<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        b'<dimension ref="A1:' + f"{last_column}{max(layout.last, header)}".encode() + b'"/>'
        b'<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="'
        + str(header).encode()
        + b'" topLeftCell="'
        + top
        + b'" activePane="bottomLeft" '
        b'state="frozen"/><selection pane="bottomLeft" activeCell="'
        + top
        + b'" sqref="'
        + top
        + b'"/></sheetView></sheetViews>'
        b'<sheetFormatPr defaultRowHeight="21.75" customHeight="1"/>'
        b"<cols>" + widths + b"</cols>"
        b"<sheetData>" + b"".join(body) + b"</sheetData>"
        b'<autoFilter ref="A'
        + str(header).encode()
        + b":"
        + last_column.encode()
        + str(max(layout.last, header + 1)).encode()
        + b'"/>'
        + (
            b'<mergeCells count="'
            + str(len(layout.merges)).encode()
            + b'">'
            + b"".join(b'<mergeCell ref="' + m.encode() + b'"/>' for m in layout.merges)
            + b"</mergeCells>"
            if layout.merges
            else b""
        )
        + (b"<hyperlinks>" + b"".join(links) + b"</hyperlinks>" if links else b"")
        + b'<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.6" header="0.3" footer="0.3"/>'
        b'<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        b"<headerFooter><oddFooter>"
        + X.escape(layout.footer, quote=False)
        + b"</oddFooter></headerFooter>"
        b"</worksheet>"
    )
