"""The workbook part and what lists its sheets: ``xl/workbook.xml``, its relationships,
``[Content_Types].xml`` and ``docProps/app.xml``.

Inserting a sheet first shifts every sheet's position, so every ``definedName`` with a
``localSheetId`` (print titles, print areas, sheet-scoped names) is renumbered, as are
``activeTab`` and ``firstSheet``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpixl.patch import xmltext as X
from kpixl.patch.errors import PatchUnsupported
from kpixl.patch.package import REL_TYPE, Package

WORKSHEET_REL = REL_TYPE + "worksheet"
STYLES_REL = REL_TYPE + "styles"
SHARED_STRINGS_REL = REL_TYPE + "sharedStrings"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_AFTER_NAMES = (
    b"calcPr",
    b"oleSize",
    b"customWorkbookViews",
    b"pivotCaches",
    b"smartTagPr",
    b"smartTagTypes",
    b"webPublishing",
    b"fileRecoveryPr",
    b"webPublishObjects",
    b"extLst",
)
"""Workbook children that come after ``<definedNames>`` (ECMA-376 CT_Workbook)."""


@dataclass(frozen=True)
class SheetEntry:
    """A ``<sheet>`` of the workbook: name, state, relationship and part."""

    name: str
    state: str
    rel_id: str
    part: str | None
    kind: str


class Workbook:
    """The workbook part of a package."""

    def __init__(self, package: Package) -> None:
        """Find the workbook part and its sheets.

        Raises:
            PatchUnsupported: Strict OOXML, no workbook part, or one the patcher cannot read.
        """
        self.package = package
        self.part = package.main_part()
        data = package.read_xml(self.part)
        start, end, prefix, local = X.root_tag(data)
        tag = data[start:end]
        if X.prefix_of(tag, X.STRICT_MAIN_NS) is not None:
            raise PatchUnsupported("Strict OOXML namespaces")
        if local != b"workbook" or X.prefix_of(tag, X.MAIN_NS) != prefix:
            raise PatchUnsupported(f"{self.part} is not a workbook")
        self.prefix = prefix
        r_prefix = X.prefix_of(tag, X.REL_NS)
        if r_prefix is None:
            raise PatchUnsupported(f"{self.part} does not declare the relationships namespace")
        self.r = r_prefix
        pr = X.find_one(data, prefix, b"workbookPr")
        flag = X.get_attr(data[pr.start : pr.open_end], b"date1904") if pr else None
        self.date1904 = flag in (b"1", b"true")
        self._sheets: tuple[tuple[bytes, bytes, int], list[SheetEntry]] | None = None
        """The sheets, with the workbook part, its relationships and the package's
        generation they were read from (a new state of a part is a new bytes object)."""

    @property
    def data(self) -> bytes:
        """The workbook part as it is now."""
        return self.package.read(self.part)

    def sheets(self) -> list[SheetEntry]:
        """The sheets in tab order."""
        data = self.data
        rels_name = Package.rels_name(self.part)
        rels_data = self.package.read(rels_name) if self.package.exists(rels_name) else b""
        generation = self.package.generation
        if self._sheets is not None:
            (was_data, was_rels, was_generation), entries = self._sheets
            if was_data is data and was_rels is rels_data and was_generation == generation:
                return list(entries)
        rels = {r.id: r for r in self.package.rels(self.part)}
        found = []
        for element in X.find_all(data, self.prefix, b"sheet"):
            tag = data[element.start : element.open_end]
            rel_id = X.unescape(X.get_attr(tag, X.qname(self.r, b"id")) or b"")
            rel = rels.get(rel_id)
            part = self.package.resolve(self.part, rel.target) if rel and not rel.external else None
            found.append(
                SheetEntry(
                    X.unescape(X.get_attr(tag, b"name") or b""),
                    X.unescape(X.get_attr(tag, b"state") or b"visible"),
                    rel_id,
                    part if part and self.package.exists(part) else None,
                    rel.type.rpartition("/")[2] if rel else "",
                )
            )
        self._sheets = ((data, rels_data, generation), found)
        return list(found)

    def related(self, rel_type: str) -> str | None:
        """The part the workbook relates to by ``rel_type`` (styles, shared strings)."""
        for rel in self.package.rels(self.part):
            if rel.type == rel_type and not rel.external:
                name = self.package.resolve(self.part, rel.target)
                return name if self.package.exists(name) else None
        return None

    # -- inserting the report sheet ---------------------------------------------------------
    def insert_first(self, name: str, part: str, names: list[tuple[str, str, bool]]) -> None:
        """Make worksheet part ``part`` the first sheet, ``name``, active and selected.

        Args:
            name: The sheet name.
            part: Its (already added) part.
            names: ``(name, formula, hidden)`` of defined names local to the new sheet.
        """
        package = self.package
        package.add_content_type(part, WORKSHEET_TYPE)
        rel_id = package.add_rel(self.part, WORKSHEET_REL, part)
        data = self.data
        p = self.prefix
        ids = [
            int(v)
            for e in X.find_all(data, p, b"sheet")
            if (v := X.get_attr(data[e.start : e.open_end], b"sheetId")) and v.isdigit()
        ]
        sheets = X.find_one(data, p, b"sheets")
        if sheets is None or sheets.empty:
            raise PatchUnsupported(f"{self.part} lists no sheets")
        entry = (
            b"<"
            + X.qname(p, b"sheet")
            + b' name="'
            + X.escape(name)
            + b'" sheetId="'
            + str(max(ids, default=0) + 1).encode()
            + b'" '
            + X.qname(self.r, b"id")
            + b'="'
            + rel_id.encode()
            + b'"/>'
        )
        plan: list[tuple[int, int, bytes]] = [(sheets.open_end, sheets.open_end, entry)]
        for view in X.find_all(data, p, b"workbookView"):
            tag = data[view.start : view.open_end]
            new = X.set_attr(
                tag, b"activeTab", None if X.get_attr(tag, b"activeTab") is None else b"0"
            )
            if X.get_attr(new, b"firstSheet") is not None:
                new = X.set_attr(new, b"firstSheet", b"0")
            plan.append((view.start, view.open_end, new))
        plan.extend(self._shift_names(data, names))
        plan.extend(self._calc(data))
        _apply(package, self.part, plan)

    def _shift_names(
        self, data: bytes, names: list[tuple[str, str, bool]]
    ) -> list[tuple[int, int, bytes]]:
        p = self.prefix
        plan: list[tuple[int, int, bytes]] = []
        new = b"".join(
            b"<"
            + X.qname(p, b"definedName")
            + b' name="'
            + X.escape(n)
            + b'" localSheetId="0"'
            + (b' hidden="1"' if hidden else b"")
            + b">"
            + X.escape(formula, quote=False)
            + b"</"
            + X.qname(p, b"definedName")
            + b">"
            for n, formula, hidden in names
        )
        container = X.find_one(data, p, b"definedNames")
        if container is None:
            if new:
                at = self._before(data, _AFTER_NAMES)
                plan.append(
                    (
                        at,
                        at,
                        b"<"
                        + X.qname(p, b"definedNames")
                        + b">"
                        + new
                        + b"</"
                        + X.qname(p, b"definedNames")
                        + b">",
                    )
                )
            return plan
        for element in X.find_all(data, p, b"definedName", *container.inner):
            tag = data[element.start : element.open_end]
            local = X.get_attr(tag, b"localSheetId")
            if local is not None and local.isdigit():
                plan.append(
                    (
                        element.start,
                        element.open_end,
                        X.set_attr(tag, b"localSheetId", str(int(local) + 1).encode()),
                    )
                )
        if container.empty:
            tag = data[container.start : container.open_end]
            close = b"</" + X.qname(p, b"definedNames") + b">"
            plan.append((container.start, container.end, tag[:-2].rstrip() + b">" + new + close))
        elif new:
            plan.append((container.open_end, container.open_end, new))
        return plan

    def _calc(self, data: bytes) -> list[tuple[int, int, bytes]]:
        # Formulas elsewhere still hold the division's cached results: recalculate on opening.
        element = X.find_one(data, self.prefix, b"calcPr")
        if element is not None:
            tag = data[element.start : element.open_end]
            return [(element.start, element.open_end, X.set_attr(tag, b"fullCalcOnLoad", b"1"))]
        at = self._before(data, _AFTER_NAMES[1:])
        return [(at, at, b"<" + X.qname(self.prefix, b"calcPr") + b' fullCalcOnLoad="1"/>')]

    def _before(self, data: bytes, later: tuple[bytes, ...]) -> int:
        _start, end, _, _ = X.root_tag(data)
        close = data.rfind(b"</" + X.qname(self.prefix, b"workbook") + b">")
        for name, child_start, _ in X.top_level(data, end, close):
            if name.rpartition(b":")[2] in later:
                return child_start
        return close

    # -- removing a sheet (an old report) -----------------------------------------------------
    def remove(self, name: str) -> None:
        """Remove sheet ``name`` and what refers to it (its part is left to the caller)."""
        data = self.data
        p = self.prefix
        elements = X.find_all(data, p, b"sheet")
        position = next(
            (
                i
                for i, e in enumerate(elements)
                if X.unescape(X.get_attr(data[e.start : e.open_end], b"name") or b"") == name
            ),
            None,
        )
        if position is None:
            return
        element = elements[position]
        tag = data[element.start : element.open_end]
        rel_id = X.unescape(X.get_attr(tag, X.qname(self.r, b"id")) or b"")
        plan: list[tuple[int, int, bytes]] = [(element.start, element.end, b"")]
        container = X.find_one(data, p, b"definedNames")
        if container is not None:
            for defined in X.find_all(data, p, b"definedName", *container.inner):
                dtag = data[defined.start : defined.open_end]
                local = X.get_attr(dtag, b"localSheetId")
                if local is None or not local.isdigit():
                    continue
                if int(local) == position:
                    plan.append((defined.start, defined.end, b""))
                elif int(local) > position:
                    plan.append(
                        (
                            defined.start,
                            defined.open_end,
                            X.set_attr(dtag, b"localSheetId", str(int(local) - 1).encode()),
                        )
                    )
        for view in X.find_all(data, p, b"workbookView"):
            vtag = data[view.start : view.open_end]
            new = vtag
            for attr in (b"activeTab", b"firstSheet"):
                value = X.get_attr(vtag, attr)
                if value is not None and value.isdigit() and int(value) > position:
                    new = X.set_attr(new, attr, str(int(value) - 1).encode())
            plan.append((view.start, view.open_end, new))
        _apply(self.package, self.part, plan)
        for rel in self.package.rels(self.part):
            if rel.id == rel_id:
                target = self.package.resolve(self.part, rel.target)
                self.package.remove_rel(self.part, rel_id)
                self.package.remove_content_type(target)
                for sub in self.package.rels(target):
                    if not sub.external:
                        sub_part = self.package.resolve(target, sub.target)
                        if self.package.exists(sub_part):
                            self.package.delete(sub_part)
                            self.package.remove_content_type(sub_part)
                if self.package.exists(Package.rels_name(target)):
                    self.package.delete(Package.rels_name(target))
                if self.package.exists(target):
                    self.package.delete(target)

    def select(self, position: int) -> None:
        """Make the sheet at ``position`` the active tab."""
        data = self.data
        plan = []
        for view in X.find_all(data, self.prefix, b"workbookView"):
            tag = data[view.start : view.open_end]
            plan.append(
                (view.start, view.open_end, X.set_attr(tag, b"activeTab", str(position).encode()))
            )
        _apply(self.package, self.part, plan)

    # -- macros ---------------------------------------------------------------------------
    def drop_macros(self) -> bool:
        """Make the package a macro-free .xlsx; True when there were macros to drop."""
        package = self.package
        dropped = False
        for rel in package.rels(self.part):
            if rel.type == VBA_REL:
                target = package.resolve(self.part, rel.target)
                for sub in package.rels(target) if package.exists(target) else []:
                    sub_part = package.resolve(target, sub.target)
                    if package.exists(sub_part):
                        package.delete(sub_part)
                        package.remove_content_type(sub_part)
                for name in (target, Package.rels_name(target)):
                    if package.exists(name):
                        package.delete(name)
                        package.remove_content_type(name)
                package.remove_rel(self.part, rel.id)
                dropped = True
        main = package.content_type(self.part)
        if main != XLSX_MAIN:
            # .xlsm, .xltx and .xltm main parts: the copy is always a plain workbook.
            package.set_content_type(self.part, XLSX_MAIN)
        return dropped


def unselect(package: Package, part: str) -> None:
    """Clear ``tabSelected`` on the views of sheet part ``part`` (worksheet or chart sheet)."""
    data = package.read_xml(part, cells=True)
    _, _, prefix, _ = X.root_tag(data)
    plan = []
    for element in X.find_all(data, prefix, b"sheetView"):
        tag = data[element.start : element.open_end]
        if X.get_attr(tag, b"tabSelected") is not None:
            plan.append((element.start, element.open_end, X.set_attr(tag, b"tabSelected", None)))
    _apply(package, part, plan)


def selected(package: Package, part: str) -> bool:
    """Whether a view of sheet part ``part`` has its tab selected."""
    # A worksheet's views come before its cells (CT_Worksheet): most sheets of a workbook
    # are not selected, and need neither be inflated past their views nor checked
    # (parsed) for editing.
    head = package.head(part, b"sheetData")
    if b"tabSelected" not in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    data = package.read_xml(part, cells=True)
    _, _, prefix, _ = X.root_tag(data)
    return any(
        X.get_attr(data[e.start : e.open_end], b"tabSelected") in (b"1", b"true")
        for e in X.find_all(data, prefix, b"sheetView")
    )


def add_to_app_properties(package: Package, name: str) -> None:
    """List sheet ``name`` first in ``docProps/app.xml`` (when it lists the sheets)."""
    part = "docProps/app.xml"
    if not package.exists(part):
        return
    try:
        data = package.read_xml(part)
    except PatchUnsupported:
        return  # only informational: Excel rebuilds it on saving
    start, end, _, _ = X.root_tag(data)
    vt = X.prefix_of(
        data[start:end], b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
    )
    _, _, prefix, _ = X.root_tag(data)
    if vt is None:
        return
    titles = X.find_one(data, prefix, b"TitlesOfParts")
    pairs = X.find_one(data, prefix, b"HeadingPairs")
    if titles is None or pairs is None:
        return
    title_vector = X.find_one(data, vt, b"vector", *titles.inner)
    counts = X.find_all(data, vt, b"i4", *pairs.inner)
    if title_vector is None or title_vector.empty or not counts or counts[0].empty:
        return
    plan = []
    size_tag = data[title_vector.start : title_vector.open_end]
    size = X.get_attr(size_tag, b"size")
    count = data[counts[0].open_end : counts[0].end - counts[0].close_len]
    if not (size and size.isdigit() and count.strip().isdigit()):
        return
    lpstr = X.qname(vt, b"lpstr")
    plan.append(
        (counts[0].open_end, counts[0].end - counts[0].close_len, str(int(count) + 1).encode())
    )
    plan.append(
        (
            title_vector.start,
            title_vector.open_end,
            X.set_attr(size_tag, b"size", str(int(size) + 1).encode()),
        )
    )
    plan.append(
        (
            title_vector.open_end,
            title_vector.open_end,
            b"<" + lpstr + b">" + X.escape(name, quote=False) + b"</" + lpstr + b">",
        )
    )
    _apply(package, part, plan)


def _apply(package: Package, part: str, plan: list[tuple[int, int, bytes]]) -> None:
    package.splice_all(part, sorted(plan, key=lambda p: (p[0], p[1]), reverse=True))
