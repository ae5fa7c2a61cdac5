"""Inspect a returned file before anything opens it.

Hostile or broken inputs become one clear :class:`UnusableFile` (a finding code and its
message fields) instead of a traceback or unbounded memory: not a workbook, a legacy .xls,
an encrypted package, a truncated or corrupt zip, XML that declares entities, a zip bomb.
Every part is inflated once, in chunks, against a byte budget — declared sizes are never
trusted alone. A macro-enabled package is not refused: its values are read, its macros
never run.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 1 << 16
_ENTITY = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class UnusableFile(Exception):
    """A file kpixl cannot use at all.

    Attributes:
        code: the finding code (``file-encrypted``, …).
        params: the fields of its message.
    """

    def __init__(self, code: str, params: dict[str, str] | None = None) -> None:
        self.code = code
        self.params = dict(params or {})
        detail = ", ".join(f"{k}={v}" for k, v in self.params.items())
        super().__init__(f"{code} ({detail})" if detail else code)


@dataclass(frozen=True)
class Limits:
    """Bounds for one workbook. A KPI workbook is tens of kilobytes; these leave a wide
    margin and still stop a bomb long before memory suffers."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_total_bytes: int = 300 * 1024 * 1024
    max_part_bytes: int = 150 * 1024 * 1024
    max_ratio: float = 200.0
    """Largest inflation ratio of a part bigger than ``ratio_floor_bytes``."""
    ratio_floor_bytes: int = 1024 * 1024
    max_parts: int = 5000


@dataclass(frozen=True)
class Container:
    """What the inspection learnt about a readable package.

    Attributes:
        macro_enabled: the package carries a VBA project (``.xlsm``).
        part_names: every part of the package.
        unsupported_parts: things an openpyxl load-and-save cannot carry across, in words
            (for ``file-part-dropped`` findings of the annotated copy).
    """

    macro_enabled: bool = False
    part_names: tuple[str, ...] = ()
    unsupported_parts: tuple[str, ...] = field(default_factory=tuple)


def inspect_workbook(path: Path | str, limits: Limits = Limits()) -> Container:
    """Check that ``path`` is a safe, readable .xlsx package.

    Raises:
        UnusableFile: with ``file-not-found``, ``file-not-workbook``, ``file-legacy-xls``,
            ``file-encrypted``, ``file-corrupt``, ``file-xml-entities`` or
            ``file-too-large``.
    """
    path = Path(path)
    if not path.is_file():
        raise UnusableFile("file-not-found")
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise UnusableFile("file-too-large", {"reason": f"{size} bytes"})
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head == OLE_MAGIC:
        raise UnusableFile(_ole_kind(path))
    if not head.startswith(b"PK"):
        raise UnusableFile("file-not-workbook")
    try:
        with zipfile.ZipFile(path) as archive:
            return _inspect_zip(archive, limits)
    except zipfile.BadZipFile as error:
        raise UnusableFile("file-corrupt", {"reason": str(error)[:200]}) from error
    except (OSError, EOFError, ValueError, NotImplementedError) as error:
        raise UnusableFile(
            "file-corrupt", {"reason": f"{type(error).__name__}: {error}"[:200]}
        ) from error


def _ole_kind(path: Path) -> str:
    """An OLE2 compound file is either an encrypted OOXML package or a legacy .xls.

    Directory entry names are UTF-16LE; an encrypted package has ``EncryptionInfo`` and
    ``EncryptedPackage`` streams, a legacy workbook a ``Workbook`` or ``Book`` stream.
    """
    data = path.read_bytes()
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "file-encrypted"
    if any(name.encode("utf-16-le") in data for name in ("Workbook", "Book")):
        return "file-legacy-xls"
    return "file-not-workbook"


def _inspect_zip(archive: zipfile.ZipFile, limits: Limits) -> Container:
    infos = archive.infolist()
    names = [i.filename for i in infos]
    if len(infos) > limits.max_parts:
        raise UnusableFile("file-too-large", {"reason": f"{len(infos)} parts"})
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UnusableFile("file-not-workbook")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_total_bytes:
        raise UnusableFile("file-too-large", {"reason": f"{declared} bytes inflated"})
    extensions = False
    total = 0
    for info in infos:
        if info.file_size > limits.max_part_bytes or (
            info.file_size > limits.ratio_floor_bytes
            and info.file_size > limits.max_ratio * max(info.compress_size, 1)
        ):
            raise UnusableFile(
                "file-too-large", {"reason": f"{info.filename} inflates to {info.file_size} bytes"}
            )
        scan_xml = info.filename.endswith((".xml", ".rels", ".vml"))
        is_sheet = info.filename.startswith("xl/worksheets/")
        read, saw_extension = _stream(archive, info, limits, scan_xml, is_sheet)
        extensions |= saw_extension
        total += read
        if total > limits.max_total_bytes:
            raise UnusableFile("file-too-large", {"reason": f"more than {total} bytes inflated"})
    content_types = archive.read("[Content_Types].xml")
    macro = "xl/vbaProject.bin" in names or b"macroEnabled" in content_types
    return Container(macro, tuple(names), _unsupported(archive, names, macro, extensions))


def _stream(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, scan_xml: bool, is_sheet: bool
) -> tuple[int, bool]:
    """Inflate one part in chunks against its budget; look for entity declarations."""
    budget = min(info.file_size, limits.max_part_bytes)
    read = 0
    tail = b""
    extension = False
    with archive.open(info) as handle:
        while chunk := handle.read(_CHUNK):
            read += len(chunk)
            if read > budget:
                raise UnusableFile(
                    "file-too-large", {"reason": f"{info.filename} inflates past its declared size"}
                )
            if scan_xml:
                window = tail + chunk
                if _ENTITY.search(window):
                    raise UnusableFile("file-xml-entities")
                if is_sheet and b"<extLst" in window:
                    extension = True
                tail = window[-32:]
    return read, extension


def _unsupported(
    archive: zipfile.ZipFile, names: list[str], macro: bool, extensions: bool
) -> tuple[str, ...]:
    """What an openpyxl load-and-save of this package would lose, in words."""
    found: list[str] = []
    if macro:
        found.append("มาโคร (VBA) / macros (VBA)")
    drawings = [n for n in names if n.startswith("xl/drawings/") and n.endswith(".xml")]
    if any(b"<xdr:sp" in archive.read(n) or b"<xdr:grpSp" in archive.read(n) for n in drawings):
        found.append("รูปร่างและกล่องข้อความ / shapes and text boxes")
    if any(n.startswith("xl/ctrlProps/") for n in names):
        found.append("ปุ่มและตัวควบคุมฟอร์ม / form controls")
    if any(n.startswith(("xl/slicers/", "xl/slicerCaches/")) for n in names):
        found.append("ตัวแบ่งส่วนข้อมูล / slicers")
    if any(n.startswith(("xl/timelines/", "xl/timelineCaches/")) for n in names):
        found.append("เส้นเวลา / timelines")
    if extensions:
        found.append("ส่วนขยายของแผ่นงาน (เช่น sparkline) / worksheet extensions (e.g. sparklines)")
    return tuple(found)
