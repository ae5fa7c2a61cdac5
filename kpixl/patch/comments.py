"""Cell comments: the ``xl/commentsN.xml`` part and the VML drawing that shows its boxes.

A sheet that has comments keeps them: kpixl's text is appended below the division's own
(after a ``— kpixl —`` line) and new comments are added to the same part. A sheet without
comments gets a new comments part, a new VML drawing, their relationships and a
``<legacyDrawing>``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from kpixl import layout as L
from kpixl.cells import cell_ref, parse_cell
from kpixl.patch import xmltext as X
from kpixl.patch.errors import PatchUnsupported
from kpixl.patch.package import REL_TYPE, Package

COMMENTS_REL = REL_TYPE + "comments"
VML_REL = REL_TYPE + "vmlDrawing"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
MARKER = "— kpixl —"
"""The line between a division's own comment and what kpixl appended to it."""

_V = b"urn:schemas-microsoft-com:vml"
_O = b"urn:schemas-microsoft-com:office:office"
_XL = b"urn:schemas-microsoft-com:office:excel"
_SHAPE_ID = re.compile(rb"_x0000_s(\d+)")
_IDMAP = re.compile(rb"<\w+:idmap\b[^>]*\bdata=\"([\d,\s]+)\"")


@dataclass(frozen=True)
class Note:
    """A comment as found: its text and author."""

    text: str
    author: str


def box_size(text: str) -> tuple[int, int]:
    """(width, height) in pixels of a comment box that shows ``text`` whole (Tahoma 9)."""
    char_px, line_px, pad = 7, 15, 16
    lines = text.split("\n")
    longest = max(L.visible_length(line) for line in lines)
    per_line = min(max(longest, 24), 56)
    count = sum(max(1, math.ceil(L.visible_length(line) / per_line)) for line in lines)
    return per_line * char_px + pad, count * line_px + pad


class Comments:
    """The comments of one worksheet."""

    def __init__(self, package: Package, sheet_part: str, legacy_rel: str | None) -> None:
        """Find the comments part and VML drawing of ``sheet_part``.

        Args:
            package: The package.
            sheet_part: The worksheet part.
            legacy_rel: The id of the sheet's ``<legacyDrawing>`` relationship, if any.
        """
        self.package = package
        self.sheet = sheet_part
        rels = package.rels(sheet_part)
        self.part = next(
            (
                package.resolve(sheet_part, r.target)
                for r in rels
                if r.type == COMMENTS_REL and not r.external
            ),
            None,
        )
        self.vml = next(
            (
                package.resolve(sheet_part, r.target)
                for r in rels
                if r.id == legacy_rel and not r.external
            ),
            None,
        )
        if self.part is not None and not package.exists(self.part):
            raise PatchUnsupported(f"the comments part {self.part} is missing")
        if self.vml is not None and not package.exists(self.vml):
            raise PatchUnsupported(f"the drawing {self.vml} is missing")
        self.new_legacy_rel: str | None = None

    # -- reading --------------------------------------------------------------------------
    def _prefix(self, data: bytes) -> bytes:
        start, end, prefix, local = X.root_tag(data)
        if local != b"comments" or X.prefix_of(data[start:end], X.MAIN_NS) != prefix:
            raise PatchUnsupported(f"{self.part} is not a comments part")
        return prefix

    def notes(self) -> dict[tuple[int, int], Note]:
        """The sheet's comments by (row, column)."""
        if self.part is None:
            return {}
        data = self.package.read_xml(self.part)
        prefix = self._prefix(data)
        authors = self._authors(data, prefix)
        found = {}
        for element in X.find_all(data, prefix, b"comment"):
            tag = data[element.start : element.open_end]
            try:
                where = parse_cell(X.unescape(X.get_attr(tag, b"ref") or b"").split(":")[0])
            except ValueError:
                continue
            author = X.get_attr(tag, b"authorId") or b"0"
            index = int(author) if author.isdigit() else 0
            name = authors[index] if index < len(authors) else ""
            found[where] = Note(X.text_runs(data[element.start : element.end], prefix), name)
        return found

    @staticmethod
    def _authors(data: bytes, prefix: bytes) -> list[str]:
        element = X.find_one(data, prefix, b"authors")
        if element is None:
            return []
        return [
            X.text_runs(b"<t>" + data[a.open_end : a.end - a.close_len] + b"</t>", b"")
            if not a.empty
            else ""
            for a in X.find_all(data, prefix, b"author", *element.inner)
        ]

    # -- writing --------------------------------------------------------------------------
    def put(self, texts: dict[tuple[int, int], str], author: str) -> None:
        """Add ``texts`` as comments; where a cell has one, append below a marker line."""
        if not texts:
            return
        if self.part is None:
            self._create_part()
        assert self.part is not None
        existing = self.notes()
        data = self.package.read_xml(self.part)
        prefix = self._prefix(data)
        authors = self._authors(data, prefix)
        author_id = authors.index(author) if author in authors else len(authors)
        plan: list[tuple[int, int, bytes]] = []
        if author not in authors:
            plan.append(self._author_plan(data, prefix, author))
        comments = X.find_all(data, prefix, b"comment")
        positions = {}
        for element in comments:
            ref = X.get_attr(data[element.start : element.open_end], b"ref") or b""
            try:
                positions[parse_cell(X.unescape(ref).split(":")[0])] = element
            except ValueError:
                continue
        listing = X.find_one(data, prefix, b"commentList")
        if listing is None:
            raise PatchUnsupported(f"{self.part} has no commentList")
        inserts: dict[int, bytes] = {}
        for where in sorted(texts):
            text = texts[where]
            if where in existing:
                element = positions[where]
                text_el = X.find_one(data, prefix, b"text", element.open_end, element.end)
                if text_el is None or text_el.empty:
                    raise PatchUnsupported(f"{self.part}: a comment without text")
                at = text_el.inner[1]
                limit = X.MAX_CELL_TEXT - len(existing[where].text) - len(MARKER) - 4
                run = self._run(prefix, f"\n\n{MARKER}\n" + X.clean_text(text, max(limit, 1)))
                plan.append((at, at, run))
                continue
            new = (
                b"<"
                + X.qname(prefix, b"comment")
                + b' ref="'
                + cell_ref(*where).encode()
                + b'" authorId="'
                + str(author_id).encode()
                + b'"><'
                + X.qname(prefix, b"text")
                + b">"
                + self._run(prefix, X.clean_text(text))
                + b"</"
                + X.qname(prefix, b"text")
                + b"></"
                + X.qname(prefix, b"comment")
                + b">"
            )
            following = next((e for w, e in sorted(positions.items()) if w > where), None)
            if following is not None:
                at = following.start
            elif listing.empty:
                raise PatchUnsupported(f"{self.part} has an empty commentList")
            else:
                at = listing.inner[1]
            inserts[at] = inserts.get(at, b"") + new
        plan.extend((at, at, content) for at, content in inserts.items())
        self.package.splice_all(self.part, sorted(plan, reverse=True))
        final = self.notes()
        self._put_shapes({w: final[w].text for w in texts}, set(existing))

    def _author_plan(self, data: bytes, prefix: bytes, author: str) -> tuple[int, int, bytes]:
        element = X.find_one(data, prefix, b"authors")
        if element is None:
            raise PatchUnsupported(f"{self.part} has no authors")
        new = b"<" + X.qname(prefix, b"author") + b">" + X.escape(author, quote=False)
        new += b"</" + X.qname(prefix, b"author") + b">"
        if element.empty:
            tag = data[element.start : element.open_end]
            opened = tag[:-2].rstrip() + b">"
            return (
                element.start,
                element.end,
                opened + new + b"</" + X.qname(prefix, b"authors") + b">",
            )
        at = element.inner[1]
        return at, at, new

    @staticmethod
    def _run(prefix: bytes, text: str) -> bytes:
        def q(name: bytes) -> bytes:
            return X.qname(prefix, name)

        return (
            b"<"
            + q(b"r")
            + b"><"
            + q(b"rPr")
            + b"><"
            + q(b"sz")
            + b' val="9"/><'
            + q(b"rFont")
            + b' val="Tahoma"/><'
            + q(b"family")
            + b' val="2"/></'
            + q(b"rPr")
            + b"><"
            + q(b"t")
            + b' xml:space="preserve">'
            + X.escape(text, quote=False)
            + b"</"
            + q(b"t")
            + b"></"
            + q(b"r")
            + b">"
        )

    def _create_part(self) -> None:
        name = self.package.free_name("xl/comments{}.xml")
        main = X.MAIN_NS
        self.package.add(
            name,
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="'
            + main
            + b'"><authors></authors><commentList></commentList></comments>',
        )
        self.package.add_content_type(name, COMMENTS_TYPE)
        self.package.add_rel(self.sheet, COMMENTS_REL, name)
        self.part = name

    # -- the VML boxes --------------------------------------------------------------------
    def _put_shapes(
        self, texts: dict[tuple[int, int], str], had_note: set[tuple[int, int]]
    ) -> None:
        if self.vml is None:
            self._create_vml()
        assert self.vml is not None
        data = self.package.read(self.vml)
        if re.search(rb"<!\s*(?:DOCTYPE|ENTITY)", data, re.I):
            raise PatchUnsupported(f"{self.vml} declares entities")
        declared = X.namespaces(data[: data.find(b">", data.find(b"<xml")) + 1])
        v = next((p for p, u in declared.items() if u == _V), None)
        o = next((p for p, u in declared.items() if u == _O), None)
        x = next((p for p, u in declared.items() if u == _XL), None)
        if not v or not o or not x:
            raise PatchUnsupported(f"{self.vml} does not declare the VML namespaces")
        shapes = self._shapes(data, v, x)
        plan: list[tuple[int, int, bytes]] = []
        ids = [int(m.group(1)) for m in _SHAPE_ID.finditer(data)]
        idmap = _IDMAP.search(data)
        base = int(idmap.group(1).split(b",")[0]) * 1024 if idmap else 1024
        next_id = max([base, *ids]) + 1
        new_shapes = b""
        for where in sorted(texts):
            width, height = box_size(texts[where])
            if where in had_note and where in shapes:
                start, end = shapes[where]
                shape = data[start:end]
                resized = _resize(shape, width, height)
                if resized != shape:
                    plan.append((start, end, resized))
                continue
            new_shapes += _shape(v, o, x, next_id, where, width, height)
            next_id += 1
        if new_shapes:
            if b'id="_x0000_t202"' not in data:
                new_shapes = _shapetype(v, o) + new_shapes
            close = data.rfind(b"</xml>")
            if close < 0:
                raise PatchUnsupported(f"{self.vml} has no closing </xml>")
            plan.append((close, close, new_shapes))
        self.package.splice_all(self.vml, sorted(plan, reverse=True))

    @staticmethod
    def _shapes(data: bytes, v: bytes, x: bytes) -> dict[tuple[int, int], tuple[int, int]]:
        found = {}
        pattern = re.compile(b"<" + v + b":shape\\b.*?</" + v + b":shape>", re.S)
        for match in pattern.finditer(data):
            shape = match.group(0)
            if b'ObjectType="Note"' not in shape:
                continue
            row = re.search(b"<" + x + rb":Row>\s*(\d+)\s*<", shape)
            column = re.search(b"<" + x + rb":Column>\s*(\d+)\s*<", shape)
            if row and column:
                found[(int(row.group(1)) + 1, int(column.group(1)) + 1)] = match.span()
        return found

    def _create_vml(self) -> None:
        name = self.package.free_name("xl/drawings/vmlDrawing{}.vml")
        used = [0]
        for part in self.package.names():
            if part.lower().endswith(".vml"):
                for match in _IDMAP.finditer(self.package.read(part)):
                    used += [int(n) for n in match.group(1).split(b",") if n.strip().isdigit()]
        block = str(max(used) + 1).encode()
        self.package.add(
            name,
            b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:'
            b'office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout '
            b'v:ext="edit"><o:idmap v:ext="edit" data="'
            + block
            + b'"/></o:shapelayout>'
            + _shapetype(b"v", b"o")
            + b"</xml>",
        )
        self.package.add_default_type("vml", VML_TYPE)
        self.new_legacy_rel = self.package.add_rel(self.sheet, VML_REL, name)
        self.vml = name


def _shapetype(v: bytes, o: bytes) -> bytes:
    return (
        b"<"
        + v
        + b':shapetype id="_x0000_t202" coordsize="21600,21600" '
        + o
        + b':spt="202" path="m,l,21600r21600,l21600,xe"><'
        + v
        + b':stroke joinstyle="miter"/><'
        + v
        + b':path gradientshapeok="t" '
        + o
        + b':connecttype="rect"/></'
        + v
        + b":shapetype>"
    )


def _shape(
    v: bytes, o: bytes, x: bytes, number: int, where: tuple[int, int], width: int, height: int
) -> bytes:
    row, column = where[0] - 1, where[1] - 1
    # The anchor counts default-size cells (64 x 20 px): Excel sizes the box from it.
    anchor = f"{column + 1}, 15, {max(row - 1, 0)}, 10, {column + 1 + math.ceil(width / 64)}, 15, "
    anchor += f"{max(row - 1, 0) + math.ceil(height / 20)}, 4"
    return (
        b"<" + v + b':shape id="_x0000_s' + str(number).encode() + b'" type="#_x0000_t202" '
        b'style="position:absolute;margin-left:80pt;margin-top:2pt;width:'
        + str(width).encode()
        + b"px;height:"
        + str(height).encode()
        + b'px;z-index:1;visibility:hidden" '
        b'fillcolor="#ffffe1" '
        + o
        + b':insetmode="auto"><'
        + v
        + b':fill color2="#ffffe1"/><'
        + v
        + b':shadow on="t" color="black" obscured="t"/><'
        + v
        + b":path "
        + o
        + b':connecttype="none"/><'
        + v
        + b':textbox style="mso-direction-alt:auto"><div '
        b'style="text-align:left"></div></'
        + v
        + b":textbox><"
        + x
        + b':ClientData ObjectType="Note"><'
        + x
        + b":MoveWithCells/><"
        + x
        + b":SizeWithCells/><"
        + x
        + b":Anchor>"
        + anchor.encode()
        + b"</"
        + x
        + b":Anchor><"
        + x
        + b":AutoFill>False</"
        + x
        + b":AutoFill><"
        + x
        + b":Row>"
        + str(row).encode()
        + b"</"
        + x
        + b":Row><"
        + x
        + b":Column>"
        + str(column).encode()
        + b"</"
        + x
        + b":Column></"
        + x
        + b":ClientData></"
        + v
        + b":shape>"
    )


def _resize(shape: bytes, width: int, height: int) -> bytes:
    """A division's comment box grown (never shrunk) to show the text kpixl appended."""
    match = re.search(rb"width:\s*([\d.]+)(px|pt)\s*;\s*height:\s*([\d.]+)(px|pt)", shape)
    if match is None:
        return shape
    to_px = {b"px": 1.0, b"pt": 4 / 3}
    old_w = float(match.group(1)) * to_px[match.group(2)]
    old_h = float(match.group(3)) * to_px[match.group(4)]
    if old_w >= width and old_h >= height:
        return shape
    size = f"width:{max(width, round(old_w))}px;height:{max(height, round(old_h))}px".encode()
    return shape[: match.start()] + size + shape[match.end() :]
