"""Appending fonts, fills, borders and cell formats to ``xl/styles.xml``.

Existing entries are never edited: other cells share them. A marked cell gets a new
``cellXfs`` entry cloned from its own (number format, font, border, alignment, protection
kept) with only the fill changed, so a flagged input cell stays unlocked and keeps its
number format.
"""

from __future__ import annotations

from kpixl.patch import xmltext as X
from kpixl.patch.errors import PatchUnsupported
from kpixl.patch.package import Package

_CONTAINERS = (b"fonts", b"fills", b"borders", b"cellXfs")
_CHILD = {b"fonts": b"font", b"fills": b"fill", b"borders": b"border", b"cellXfs": b"xf"}


class Styles:
    """The workbook's style sheet, with entries appended on :meth:`flush`."""

    def __init__(self, package: Package, part: str) -> None:
        """Open style part ``part``.

        Raises:
            PatchUnsupported: not a style sheet with fonts, fills, borders and cellXfs.
        """
        self.package = package
        self.part = part
        data = package.read_xml(part)
        start, end, prefix, local = X.root_tag(data)
        if local != b"styleSheet" or X.prefix_of(data[start:end], X.MAIN_NS) != prefix:
            raise PatchUnsupported(f"{part} is not a style sheet")
        self.prefix = prefix
        self.counts: dict[bytes, int] = {}
        self._xfs: list[bytes] = []
        for name in _CONTAINERS:
            element = X.find_one(data, prefix, name)
            if element is None:
                raise PatchUnsupported(f"{part} has no {name.decode()}")
            children = X.find_all(data, prefix, _CHILD[name], *element.inner)
            self.counts[name] = len(children)
            if name == b"cellXfs":
                self._xfs = [data[c.start : c.end] for c in children]
        if not self._xfs:
            raise PatchUnsupported(f"{part} has no cell formats")
        self.pending: dict[bytes, list[bytes]] = {name: [] for name in _CONTAINERS}
        self._known: dict[tuple[bytes, bytes], int] = {}
        self._marks: dict[tuple[int, str], int] = {}

    def xf(self, index: int) -> bytes:
        """The ``<xf>`` element of cell format ``index`` (format 0 when out of range)."""
        return self._xfs[index] if 0 <= index < len(self._xfs) else self._xfs[0]

    def fill_of(self, index: int) -> int:
        """The fill id of cell format ``index``."""
        value = X.get_attr(self.xf(index), b"fillId")
        return int(value) if value and value.isdigit() else 0

    def add(self, container: bytes, xml: bytes) -> int:
        """The index of entry ``xml`` of ``container``, appended unless kpixl added it."""
        key = (container, xml)
        if key not in self._known:
            self._known[key] = self.counts[container] + len(self.pending[container])
            self.pending[container].append(xml)
            if container == b"cellXfs":
                self._xfs.append(xml)
        return self._known[key]

    def solid_fill(self, rgb: str) -> int:
        """The id of a solid fill of colour ``rgb`` (``RRGGBB``)."""
        p = self.prefix
        xml = (
            b"<"
            + X.qname(p, b"fill")
            + b"><"
            + X.qname(p, b"patternFill")
            + b' patternType="solid"><'
            + X.qname(p, b"fgColor")
            + b' rgb="FF'
            + rgb.encode()
            + b'"/><'
            + X.qname(p, b"bgColor")
            + b' indexed="64"/></'
            + X.qname(p, b"patternFill")
            + b"></"
            + X.qname(p, b"fill")
            + b">"
        )
        return self.add(b"fills", xml)

    def marked(self, index: int, rgb: str) -> int:
        """A cell format like ``index`` but filled solid with ``rgb``."""
        key = (index, rgb)
        if key not in self._marks:
            fill = self.solid_fill(rgb)
            start = X.tag_pattern(self.prefix, b"xf").match(self.xf(index))
            if start is None:
                raise PatchUnsupported(f"{self.part}: an unreadable cell format")
            tag = self.xf(index)[: start.end()]
            tag = X.set_attr(X.set_attr(tag, b"fillId", str(fill).encode()), b"applyFill", b"1")
            self._marks[key] = self.add(b"cellXfs", tag + self.xf(index)[start.end() :])
        return self._marks[key]

    def flush(self) -> None:
        """Write the appended entries into the part (counts updated)."""
        data = self.package.read(self.part)
        plan: list[tuple[int, int, bytes]] = []
        for name in _CONTAINERS:
            if not self.pending[name]:
                continue
            element = X.find_one(data, self.prefix, name)
            if element is None:  # pragma: no cover - checked on opening
                raise PatchUnsupported(f"{self.part} has no {name.decode()}")
            tag = data[element.start : element.open_end]
            total = str(self.counts[name] + len(self.pending[name])).encode()
            children = b"".join(self.pending[name])
            if element.empty:
                opened = X.set_attr(tag, b"count", total)[:-2].rstrip() + b">"
                new = opened + children + b"</" + X.qname(self.prefix, name) + b">"
                plan.append((element.start, element.end, new))
                continue
            if X.get_attr(tag, b"count") is not None:
                plan.append((element.start, element.open_end, X.set_attr(tag, b"count", total)))
            at = element.inner[1]
            plan.append((at, at, children))
        self.package.splice_all(self.part, sorted(plan, reverse=True))
        for name in _CONTAINERS:
            self.counts[name] += len(self.pending[name])
            self.pending[name] = []
