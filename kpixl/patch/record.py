"""What kpixl added to a checked copy, kept in the copy so the next annotation can take it away.

The record is JSON in the very hidden ``_kpixl`` sheet (rows ``checked_copy`` = 1 and
``annotations``, chunked like ``definitions``). It holds, per part kpixl edited, the
part's SHA-256 as written and every splice (position, original bytes, new bytes); the parts
kpixl added; and, per cell, its original style index and what was filled or commented
(its original XML is in the splices: the record holds each original byte once).

Taking an annotation away (:func:`restore`): a part that is still exactly as kpixl wrote it
gets its splices undone in reverse, which gives back the original bytes; kpixl's own parts
are deleted. Where the division changed a part since (it edited the copy in Excel), what
can be is restored by meaning instead: the old report sheet is removed by name, marked
cells get their original style index back, and kpixl's text is cut from comments.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from kpixl import layout as L
from kpixl.cells import parse_cell
from kpixl.patch import xmltext as X
from kpixl.patch.comments import MARKER, Comments
from kpixl.patch.errors import PatchUnsupported
from kpixl.patch.package import Package
from kpixl.patch.sheet import CellEdit, Worksheet
from kpixl.patch.workbook import SHARED_STRINGS_REL, Workbook

CHUNK = 30_000
"""Characters of JSON per cell (Excel keeps at most 32,767)."""
KEYS = ("checked_copy", "annotations")


@dataclass
class Meta:
    """The ``_kpixl`` sheet: its part and key/value rows (the value read only for the
    record's own keys, :data:`KEYS`: the others, such as the definitions' chunks, are not
    needed here and are long)."""

    part: str
    rows: dict[int, tuple[str, str]]


def shared_strings(package: Package, book: Workbook) -> list[str]:
    """The shared strings of the workbook (LibreOffice and Excel write text there)."""
    part = book.related(SHARED_STRINGS_REL)
    if part is None:
        return []
    data = package.read_xml(part, cells=True)
    _, _, prefix, _ = X.root_tag(data)
    return [X.text_runs(data[e.start : e.end], prefix) for e in X.find_all(data, prefix, b"si")]


def cell_text(xml: bytes, prefix: bytes, shared: list[str]) -> str:
    """The text a ``<c>`` element shows ("" for a blank)."""
    kind = X.get_attr(xml[: xml.find(b">") + 1], b"t")
    if kind == b"inlineStr":
        return X.text_runs(xml, prefix)
    value = re.search(b"<" + re.escape(X.qname(prefix, b"v")) + rb">(.*?)</", xml, re.S)
    raw = X.unescape(value.group(1)) if value else ""
    if kind == b"s":
        return shared[int(raw)] if raw.strip().isdigit() and int(raw) < len(shared) else ""
    return raw


def read_meta(package: Package, book: Workbook) -> Meta | None:
    """The ``_kpixl`` sheet's rows, or None when the workbook has none."""
    entry = next((s for s in book.sheets() if s.name == L.META_SHEET and s.part), None)
    if entry is None or entry.part is None:
        return None
    sheet = Worksheet(package, entry.part)
    shared = shared_strings(package, book)
    cells = sheet.cells()
    rows: dict[int, tuple[str, str]] = {}
    for (row, column), cell in cells.items():
        if column == 1:
            key = cell_text(cell.xml, sheet.prefix, shared)
            value = cells.get((row, 2)) if key in KEYS else None
            rows[row] = (key, cell_text(value.xml, sheet.prefix, shared) if value else "")
        elif column == 2:
            rows.setdefault(row, ("", ""))
    return Meta(entry.part, rows)


def recorded(meta: Meta | None) -> dict[str, Any] | None:
    """The annotation record of a checked copy, or None."""
    if meta is None:
        return None
    chunks = [value for key, value in meta.rows.values() if key == "annotations"]
    if not chunks:
        return None
    try:
        record = json.loads("".join(chunks))
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def restore(
    package: Package, book: Workbook, record: dict[str, Any] | None, meta: Meta | None
) -> None:
    """Take the annotation of a checked copy away (see the module docstring)."""
    intact: set[str] = set()
    if record is not None:
        for part, entry in dict(record.get("parts", {})).items():
            if package.exists(part) and package.digest(part) == entry.get("sha"):
                data = package.read(part)
                for start, was, now in reversed(entry.get("splices", [])):
                    old, new = was.encode(), now.encode()
                    if data[start : start + len(new)] != new:
                        raise PatchUnsupported(f"the record of {part} does not fit it")
                    data = data[:start] + old + data[start + len(new) :]
                package.reset(part, data)
                intact.add(part)
            elif package.exists(part):
                _undo_by_text(package, part, entry.get("splices", []))
        for part, sha in dict(record.get("added", {})).items():
            if package.exists(part) and package.digest(part) == sha:
                package.delete(part)
    if any(s.name == L.REPORT_SHEET for s in book.sheets()):
        # An old report the exact path did not remove: the division saved the copy since.
        book.remove(L.REPORT_SHEET)
    if record is not None:
        _restore_by_meaning(package, book, record, intact)
    if meta is not None:
        _drop_record_rows(package, meta, record)


def _undo_by_text(package: Package, part: str, splices: list[list[Any]]) -> None:
    """Undo the splices whose text is still there, once, in a part edited since."""
    data = package.read(part)
    for _start, was, now in reversed(splices):
        new = now.encode()
        if new and data.count(new) == 1:
            at = data.find(new)
            data = data[:at] + was.encode() + data[at + len(new) :]
    package.reset(part, data)


def _restore_by_meaning(
    package: Package, book: Workbook, record: dict[str, Any], intact: set[str]
) -> None:
    parts = {s.name: s.part for s in book.sheets() if s.part}
    styles: dict[str, dict[tuple[int, int], int]] = {}
    for item in record.get("cells", []):
        part = parts.get(str(item.get("sheet")))
        if part is None or part in intact:
            continue
        try:
            where = parse_cell(str(item.get("cell")))
        except ValueError:
            continue
        styles.setdefault(part, {})[where] = int(item.get("xf", 0))
    for part, cells in styles.items():
        sheet = Worksheet(package, part)
        present = sheet.cells({r for r, _ in cells})
        edits = {
            w: CellEdit(restyle=_const(xf))
            for w, xf in cells.items()
            if w in present and present[w].style != xf
        }
        sheet.apply(edits)
    notes: dict[str, set[tuple[int, int]]] = {}
    for item in record.get("comments", []):
        part = parts.get(str(item.get("sheet")))
        if part is None:
            continue
        try:
            notes.setdefault(part, set()).add(parse_cell(str(item.get("cell"))))
        except ValueError:
            continue
    for part, commented in notes.items():
        comments = Comments(package, part, Worksheet(package, part).legacy_drawing())
        if comments.part is not None and comments.part not in intact:
            _cut_comments(package, comments, commented)


def _const(value: int) -> Any:
    return lambda _old: value


def _cut_comments(package: Package, comments: Comments, cells: set[tuple[int, int]]) -> None:
    """Cut kpixl's text from the comments on ``cells``; drop those only kpixl wrote."""
    assert comments.part is not None
    data = package.read(comments.part)
    _, _, prefix, _ = X.root_tag(data)
    plan: list[tuple[int, int, bytes]] = []
    for element in X.find_all(data, prefix, b"comment"):
        ref = X.unescape(X.get_attr(data[element.start : element.open_end], b"ref") or b"")
        try:
            where = parse_cell(ref.split(":")[0])
        except ValueError:
            continue
        if where not in cells:
            continue
        runs = X.find_all(data, prefix, b"r", element.open_end, element.end)
        cut = next((r for r in runs if MARKER.encode() in data[r.start : r.end]), None)
        if cut is not None:
            text = X.find_one(data, prefix, b"text", element.open_end, element.end)
            end = text.inner[1] if text is not None else cut.end
            plan.append((cut.start, end, b""))
        else:
            plan.append((element.start, element.end, b""))
    package.splice_all(comments.part, sorted(plan, reverse=True))


def _drop_record_rows(package: Package, meta: Meta, record: dict[str, Any] | None) -> None:
    data = package.read(meta.part)
    sheet = Worksheet(package, meta.part)
    rows = [r for r, (key, _) in meta.rows.items() if key in KEYS]
    if not rows:
        return
    plan = []
    for element in X.find_all(data, sheet.prefix, b"row"):
        number = X.get_attr(data[element.start : element.open_end], b"r")
        if number and number.isdigit() and int(number) in rows:
            plan.append((element.start, element.end, b""))
    dimension = (record or {}).get("meta_dimension")
    if isinstance(dimension, str):
        found = X.find_one(data, sheet.prefix, b"dimension")
        if found is not None:
            plan.append((found.start, found.open_end, dimension.encode()))
    for start, end, new in sorted(plan, reverse=True):
        data = data[:start] + new + data[end:]
    package.reset(meta.part, data)


def write(package: Package, meta: Meta, record: dict[str, Any]) -> None:
    """Append the ``checked_copy`` and ``annotations`` rows to the ``_kpixl`` sheet."""
    sheet = Worksheet(package, meta.part)
    data = sheet.data
    found = X.find_one(data, sheet.prefix, b"dimension")
    if found is not None:
        record["meta_dimension"] = data[found.start : found.open_end].decode()
    text = json.dumps(record, ensure_ascii=False, sort_keys=True)
    rows = [("checked_copy", "1")]
    rows += [("annotations", text[i : i + CHUNK]) for i in range(0, len(text), CHUNK)]
    # After every row, empty ones too: the rows the record takes are kpixl's own, and
    # dropping them gives the sheet back as it was.
    last = sheet.last_row()
    edits = {}
    for offset, (key, value) in enumerate(rows, 1):
        edits[(last + offset, 1)] = CellEdit(value=key)
        edits[(last + offset, 2)] = CellEdit(value=value)
    sheet.apply(edits)
