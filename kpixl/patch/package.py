"""An OOXML package opened for patching: parts read on demand, edits journalled, and every
part nobody touched copied into the new zip byte for byte, compressed bytes included.

Every edit goes through :meth:`Package.splice` (or :meth:`Package.add` for a new part), which
records where it cut, what was there and what it wrote. The journal is what lets the next
annotation take kpixl's marks away again (:mod:`kpixl.patch.record`).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import posixpath
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpixl.patch import xmltext as X
from kpixl.patch.errors import PatchUnsupported

CT_NS = b"http://schemas.openxmlformats.org/package/2006/content-types"
PKG_REL_NS = b"http://schemas.openxmlformats.org/package/2006/relationships"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
OFFICE_DOCUMENT = REL_TYPE + "officeDocument"
STRICT_OFFICE_DOCUMENT = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
"""A zip entry's local header (APPNOTE 4.3.7); fields 10 and 11 are the name and extra
lengths."""
DEFLATE_LEVEL = 1
"""zlib level of the parts a copy writes anew: a third of the default level's time, for
parts ~25 % larger (a checked copy of ~39 KiB becomes ~44 KiB); deflating was the largest
part of what writing a copy costs."""
_HEAD_CHUNK = 2048
"""Bytes inflated at a time by :meth:`Package.head`."""
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
"""The limits of :class:`kpixl.safety.Limits`: a part the inspection would refuse is never
inflated here either, even when annotate_workbook is called on an uninspected file."""


@dataclass
class Splice:
    """One edit of a part: at ``start``, ``was`` became ``now``."""

    start: int
    was: bytes
    now: bytes


@dataclass(frozen=True)
class Rel:
    """One relationship of a part."""

    id: str
    type: str
    target: str
    external: bool
    element: bytes


@dataclass
class Package:
    """A zip package; see the module docstring."""

    path: Path
    archive: zipfile.ZipFile
    infos: list[zipfile.ZipInfo]
    data: dict[str, bytes] = field(default_factory=dict)
    changed: dict[str, bytes] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    fresh: set[str] = field(default_factory=set)
    journal: dict[str, list[Splice]] = field(default_factory=dict)
    generation: int = 0
    """Counts the parts added and deleted (what lists parts can tell when it is stale)."""
    checked: set[str] = field(default_factory=set)
    """Source parts found to be XML the editing can handle (a part's source never changes)."""
    _rels: dict[str, tuple[bytes, list[Rel]]] = field(default_factory=dict, repr=False)
    """Each relationships part's relationships, with the bytes they were read from (a new
    state of the part is a new bytes object, which invalidates them)."""

    @classmethod
    def open(cls, path: Path) -> Package:
        """Open ``path``.

        Raises:
            PatchUnsupported: not a zip, or a zip whose entries the patcher refuses.
        """
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
            raise PatchUnsupported(f"not a readable zip ({error})") from None
        infos = archive.infolist()
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise PatchUnsupported("a part is stored twice")
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES:
                raise PatchUnsupported(f"{info.filename} is too large")
        return cls(path, archive, infos)

    def close(self) -> None:
        """Close the source zip."""
        self.archive.close()

    # -- parts --------------------------------------------------------------------------
    def names(self) -> list[str]:
        """Every part name, in package order (new parts last)."""
        existing = [i.filename for i in self.infos if i.filename not in self.deleted]
        return existing + [n for n in self.added if n not in self.deleted]

    @functools.cached_property
    def _source(self) -> dict[str, zipfile.ZipInfo]:
        return {i.filename: i for i in self.infos}

    def exists(self, name: str) -> bool:
        """Whether the package holds part ``name``."""
        if name in self.deleted:
            return False
        return name in self._source or name in self.added

    def read(self, name: str) -> bytes:
        """The bytes of part ``name`` as they are now."""
        if name in self.changed:
            return self.changed[name]
        if name not in self.data:
            info = self._source.get(name)
            if info is None:
                raise PatchUnsupported(f"the part {name} is missing")
            with _reading(name):
                data = self._inflate(info)
                if data is None:
                    data = self.archive.read(info)
                elif len(data) != info.file_size or zlib.crc32(data) != info.CRC:
                    raise zipfile.BadZipFile("a bad CRC or size")
                self.data[name] = data
        return self.data[name]

    def head(self, name: str, stop: bytes) -> bytes:
        """Part ``name`` from its start up to the first ``stop`` or its end, inflated no
        further than that (only a part read to its end is checked against its CRC)."""
        info = self._source.get(name)
        if name in self.changed or name in self.data or info is None:
            return self.read(name)
        with _reading(name):
            raw = self._stored(info)
            if raw is not None and info.compress_type == zipfile.ZIP_DEFLATED:
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                data = b""
                while raw:
                    chunk = inflater.decompress(raw, _HEAD_CHUNK)
                    data, raw = data + chunk, inflater.unconsumed_tail
                    if data.find(stop, max(len(data) - len(chunk) - len(stop), 0)) >= 0:
                        return data
        return self.read(name)

    def _inflate(self, info: zipfile.ZipInfo) -> bytes | None:
        """Entry ``info`` inflated straight from its stored bytes (zipfile's reader costs
        more than inflating a small part), at most one byte more than its declared size;
        None when zipfile must read it (see :meth:`_stored`)."""
        raw = self._stored(info)
        if raw is None:
            return None
        if info.compress_type == zipfile.ZIP_STORED:
            return raw
        return zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, info.file_size + 1)

    def read_xml(self, name: str, *, cells: bool = False) -> bytes:
        """Part ``name``, checked to be XML the byte-level editing can handle; ``cells``
        for a part holding a division's cells (a worksheet, the shared strings), whose
        check is never remembered from another package (see :func:`X.check_part`)."""
        data = self.read(name)
        if name not in self.changed and name not in self.checked:
            X.check_part(name, data, remember=not cells)
            self.checked.add(name)
        return data

    def splice(self, name: str, start: int, end: int, new: bytes) -> bytes:
        """Replace bytes ``start:end`` of part ``name`` with ``new``; return the new part."""
        return self.splice_all(name, [(start, end, new)])

    def splice_all(self, name: str, edits: Iterable[tuple[int, int, bytes]]) -> bytes:
        """Replace ``start:end`` with ``new`` for each edit, in the order given; return the
        new part.

        Each edit lies before the ones ahead of it (they go from the end of the part to its
        start), so every position is one of the part as it is now, and the journal gets each
        edit as one :meth:`splice` would. The part is copied once, not once per edit.

        Raises:
            PatchUnsupported: an edit overlaps one ahead of it or lies outside the part.
        """
        data = self.read(name)
        pieces: list[bytes] = []
        done: list[Splice] = []
        position = len(data)
        for start, end, new in edits:
            if not 0 <= start <= end <= position:
                raise PatchUnsupported(f"{name}: overlapping edits, or edits outside the part")
            was = data[start:end]
            if was == new:
                continue
            pieces += (data[end:position], new)
            position = start
            done.append(Splice(start, was, new))
        if not done:
            return data
        pieces.append(data[:position])
        data = b"".join(reversed(pieces))
        self.changed[name] = data
        if name not in self.fresh:
            self.journal.setdefault(name, []).extend(done)
        return data

    def replace(self, name: str, data: bytes) -> None:
        """Set the whole content of part ``name`` (journalled as one splice)."""
        self.splice(name, 0, len(self.read(name)), data)

    def add(self, name: str, data: bytes) -> None:
        """Add a new part."""
        if self.exists(name):
            raise ValueError(f"part {name} exists")
        self.generation += 1
        self.deleted.discard(name)
        if name not in self._source:
            self.added.append(name)
        self.fresh.add(name)
        self.changed[name] = data

    def delete(self, name: str) -> None:
        """Remove part ``name`` from the package."""
        self.generation += 1
        self.deleted.add(name)
        self.changed.pop(name, None)
        self.fresh.discard(name)
        self.journal.pop(name, None)
        if name in self.added:
            self.added.remove(name)

    def reset(self, name: str, data: bytes) -> None:
        """Set part ``name`` to ``data`` as if it had been so in the source (no journal)."""
        self.changed[name] = data
        self.journal.pop(name, None)

    def free_name(self, pattern: str) -> str:
        """The first ``pattern.format(n)`` (n = 1, 2, …) that is not a part, case ignored."""
        taken = {n.lower() for n in self.names()}
        number = 1
        while pattern.format(number).lower() in taken:
            number += 1
        return pattern.format(number)

    def digest(self, name: str) -> str:
        """SHA-256 of part ``name`` as it is now."""
        return hashlib.sha256(self.read(name)).hexdigest()

    # -- content types --------------------------------------------------------------------
    def content_type(self, name: str) -> str:
        """The content type of part ``name`` ("" when none is declared)."""
        types = self.read_xml("[Content_Types].xml")
        for element in X.find_all(types, self._ct_prefix(), b"Override"):
            tag = types[element.start : element.open_end]
            part = X.unescape(X.get_attr(tag, b"PartName") or b"").lstrip("/")
            if part.lower() == name.lower():
                return X.unescape(X.get_attr(tag, b"ContentType") or b"")
        extension = posixpath.splitext(name)[1][1:].lower()
        for element in X.find_all(types, self._ct_prefix(), b"Default"):
            tag = types[element.start : element.open_end]
            if X.unescape(X.get_attr(tag, b"Extension") or b"").lower() == extension:
                return X.unescape(X.get_attr(tag, b"ContentType") or b"")
        return ""

    def _ct_prefix(self) -> bytes:
        types = self.read_xml("[Content_Types].xml")
        start, end, prefix, local = X.root_tag(types)
        if local != b"Types" or X.prefix_of(types[start:end], CT_NS) != prefix:
            raise PatchUnsupported("[Content_Types].xml is not a content types part")
        return prefix

    def add_content_type(self, name: str, content_type: str) -> None:
        """Declare ``content_type`` for part ``name`` (an Override)."""
        self._append_child(
            "[Content_Types].xml",
            self._ct_prefix(),
            b"Types",
            b' PartName="' + X.escape("/" + name) + b'" ContentType="' + X.escape(content_type),
            b"Override",
        )

    def add_default_type(self, extension: str, content_type: str) -> None:
        """Declare ``content_type`` for every part ending in ``.extension``, unless one is."""
        types = self.read_xml("[Content_Types].xml")
        for element in X.find_all(types, self._ct_prefix(), b"Default"):
            tag = types[element.start : element.open_end]
            if X.unescape(X.get_attr(tag, b"Extension") or b"").lower() == extension:
                return
        prefix = self._ct_prefix()
        new = (
            b"<"
            + X.qname(prefix, b"Default")
            + b' Extension="'
            + X.escape(extension)
            + b'" ContentType="'
            + X.escape(content_type)
            + b'"/>'
        )
        _, root_end, _, _ = X.root_tag(types)
        self.splice("[Content_Types].xml", root_end, root_end, new)

    def remove_content_type(self, name: str) -> None:
        """Drop the Override of part ``name``, if any."""
        types = self.read_xml("[Content_Types].xml")
        for element in X.find_all(types, self._ct_prefix(), b"Override"):
            tag = types[element.start : element.open_end]
            part = X.unescape(X.get_attr(tag, b"PartName") or b"").lstrip("/")
            if part.lower() == name.lower():
                self.splice("[Content_Types].xml", element.start, element.end, b"")
                return

    def set_content_type(self, name: str, content_type: str) -> None:
        """Change the Override of part ``name`` to ``content_type``."""
        types = self.read_xml("[Content_Types].xml")
        for element in X.find_all(types, self._ct_prefix(), b"Override"):
            tag = types[element.start : element.open_end]
            part = X.unescape(X.get_attr(tag, b"PartName") or b"").lstrip("/")
            if part.lower() == name.lower():
                new = X.set_attr(tag, b"ContentType", X.escape(content_type))
                self.splice("[Content_Types].xml", element.start, element.open_end, new)
                return

    def _append_child(
        self, name: str, prefix: bytes, root: bytes, attrs: bytes, local: bytes
    ) -> None:
        data = self.read_xml(name)
        close = b"</" + X.qname(prefix, root) + b">"
        at = data.rfind(close)
        if at < 0:
            raise PatchUnsupported(f"{name} has no closing {close.decode()}")
        self.splice(name, at, at, b"<" + X.qname(prefix, local) + attrs + b'"/>')

    # -- relationships --------------------------------------------------------------------
    @staticmethod
    def rels_name(part: str) -> str:
        """The relationships part of ``part`` (``_rels/.rels`` for the package)."""
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def rels(self, part: str) -> list[Rel]:
        """The relationships of ``part`` (empty when it has none)."""
        name = self.rels_name(part)
        if not self.exists(name):
            return []
        data = self.read_xml(name)
        cached = self._rels.get(name)
        if cached is not None and cached[0] is data:
            return list(cached[1])
        prefix = self._rels_prefix(name, data)
        found = []
        for element in X.find_all(data, prefix, b"Relationship"):
            tag = data[element.start : element.open_end]
            mode = X.unescape(X.get_attr(tag, b"TargetMode") or b"")
            found.append(
                Rel(
                    X.unescape(X.get_attr(tag, b"Id") or b""),
                    X.unescape(X.get_attr(tag, b"Type") or b""),
                    X.unescape(X.get_attr(tag, b"Target") or b""),
                    mode == "External",
                    data[element.start : element.end],
                )
            )
        self._rels[name] = (data, found)
        return list(found)

    @staticmethod
    def _rels_prefix(name: str, data: bytes) -> bytes:
        start, end, prefix, local = X.root_tag(data)
        if local != b"Relationships" or X.prefix_of(data[start:end], PKG_REL_NS) != prefix:
            raise PatchUnsupported(f"{name} is not a relationships part")
        return prefix

    @staticmethod
    def resolve(part: str, target: str) -> str:
        """The part a relationship of ``part`` points to."""
        if target.startswith("/"):
            return posixpath.normpath(target.lstrip("/"))
        return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))

    @staticmethod
    def relative(part: str, target: str) -> str:
        """``target`` as a relationship of ``part`` names it."""
        return posixpath.relpath(target, posixpath.dirname(part) or ".")

    def add_rel(self, part: str, rel_type: str, target: str) -> str:
        """Add a relationship of ``part`` to part ``target``; return its new Id."""
        name = self.rels_name(part)
        ids = {r.id for r in self.rels(part)}
        number = 1
        while f"rId{number}" in ids:
            number += 1
        new_id = f"rId{number}"
        attrs = (
            b' Id="'
            + new_id.encode()
            + b'" Type="'
            + X.escape(rel_type)
            + b'" Target="'
            + X.escape(self.relative(part, target))
        )
        if not self.exists(name):
            self.add(
                name,
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<Relationships xmlns="' + PKG_REL_NS + b'"></Relationships>',
            )
            self.add_default_type(
                "rels", "application/vnd.openxmlformats-package.relationships+xml"
            )
        data = self.read_xml(name)
        self._append_child(
            name, self._rels_prefix(name, data), b"Relationships", attrs, b"Relationship"
        )
        return new_id

    def remove_rel(self, part: str, rel_id: str) -> None:
        """Drop relationship ``rel_id`` of ``part``."""
        name = self.rels_name(part)
        for rel in self.rels(part):
            if rel.id == rel_id:
                data = self.read(name)
                at = data.find(rel.element)
                self.splice(name, at, at + len(rel.element), b"")
                return

    def main_part(self) -> str:
        """The workbook part, found through the package relationships.

        Raises:
            PatchUnsupported: Strict OOXML, or no workbook part.
        """
        for rel in self.rels(""):
            if rel.type == STRICT_OFFICE_DOCUMENT:
                raise PatchUnsupported("Strict OOXML namespaces")
            if rel.type == OFFICE_DOCUMENT:
                name = self.resolve("", rel.target)
                if self.exists(name):
                    return name
        raise PatchUnsupported("no workbook part")

    # -- writing --------------------------------------------------------------------------
    def save(self, target: Path) -> None:
        """Write the package to ``target``: untouched parts copied raw, in their order."""
        template = self._template()
        with open(target, "wb") as handle, zipfile.ZipFile(handle, "w") as out:
            for info in self.infos:
                name = info.filename
                if name in self.deleted:
                    continue
                if name in self.changed:
                    fresh = copy.copy(info)
                    fresh.flag_bits &= ~0x08
                    if fresh.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                        fresh.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(fresh, self.changed[name], compresslevel=DEFLATE_LEVEL)
                elif not self._copy_raw(info, out):
                    out.writestr(copy.copy(info), self.read(name), compresslevel=DEFLATE_LEVEL)
            for name in self.added:
                fresh = copy.copy(template)
                fresh.filename = fresh.orig_filename = name
                out.writestr(fresh, self.changed[name], compresslevel=DEFLATE_LEVEL)

    def _template(self) -> zipfile.ZipInfo:
        """A ZipInfo for new parts, dated like the workbook part (the copy stays
        reproducible: annotating the same file twice gives the same zip)."""
        source = next(iter(self.infos), None)
        info = zipfile.ZipInfo("new", source.date_time if source else (1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def _stored(self, info: zipfile.ZipInfo) -> bytes | None:
        """Entry ``info``'s bytes as stored (compressed), or None when only zipfile can read
        it: encrypted, compressed otherwise than deflate, zip64 sizes, or a local header
        that does not agree with the directory (zipfile refuses that one)."""
        if info.flag_bits & 0x01 or info.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        ):
            return None
        if info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF:
            return None
        source: Any = self.archive.fp
        if source is None:
            return None
        source.seek(info.header_offset)
        header = source.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            return None
        fields = _LOCAL_HEADER.unpack(header)
        encoding = "utf-8" if fields[3] & 0x800 else "cp437"
        if source.read(fields[10]).decode(encoding, "replace") != info.orig_filename:
            return None
        source.seek(fields[11], 1)  # the extra field
        raw = source.read(info.compress_size)
        return raw if len(raw) == info.compress_size else None

    def _copy_raw(self, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> bool:
        """Copy one entry's compressed bytes as they are; False when that is not safe."""
        raw = self._stored(info)
        handle: Any = out.fp
        if raw is None or handle is None:
            return False
        fresh = copy.copy(info)
        fresh.flag_bits &= ~0x08  # sizes go into the local header: no data descriptor
        fresh.extra = b""  # zip64 or alignment extras of the source do not apply here
        fresh.header_offset = handle.tell()
        handle.write(fresh.FileHeader(zip64=False))
        handle.write(raw)
        out.filelist.append(fresh)
        out.NameToInfo[fresh.filename] = fresh
        out.start_dir = handle.tell()
        return True


@contextlib.contextmanager
def _reading(name: str) -> Iterator[None]:
    """Reading part ``name``: what goes wrong becomes a PatchUnsupported."""
    try:
        yield
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
    ) as error:
        # ValueError: zipfile decoding a local header's name that is not UTF-8 as flagged
        raise PatchUnsupported(f"the part {name} cannot be read ({error})") from None
