"""Inspect a returned workbook's file container before openpyxl opens it.

A workbook e-mailed back by a division may be anything: a legacy ``.xls``, a
password-protected file, a truncated download, a zip bomb or XML that declares entities.
:func:`inspect_workbook` looks at the container only (never the cell values) and turns each
of these into an :class:`UnusableFile` carrying a code of the finding catalogue
(:mod:`kpixl.findings`), instead of a traceback or unbounded memory inside openpyxl.

What is checked, in order:

1. the path exists (``file-not-found``);
2. the first bytes: an OLE2 compound file is a legacy ``.xls`` (``file-legacy-xls``) or an
   encrypted OOXML package (``file-encrypted``), told apart by the names in the compound
   file's directory; anything that is not a zip is ``file-not-workbook``;
3. the zip's central directory (``file-corrupt``) and the sizes it declares: the file size,
   the number of parts, each part's and the total inflated size, and each part's
   compression ratio (``file-too-large``, see :class:`Limits`);
4. ``[Content_Types].xml`` names a spreadsheet workbook part (``file-not-workbook``;
   ``.xlsb`` binary workbooks are refused too, openpyxl cannot read them);
5. every part is inflated once, in a stream, by kpixl's own inflater that counts the bytes
   really produced against the same limits (so a part whose header lies about its size
   is stopped while inflating, ``file-too-large``), checks the CRC and the real size
   against the header (``file-corrupt``), and feeds each XML part to an expat parser that
   refuses any ``DOCTYPE`` or ``ENTITY`` declaration (``file-xml-entities``) and any part
   that is not well-formed XML (``file-corrupt``).

While streaming, the parts and elements that openpyxl cannot carry across a load and
re-save are noted in :attr:`Container.unsupported_parts`. A macro-enabled workbook is not
an error: :attr:`Container.macro_enabled` is set (finding ``file-macro-enabled``).

Memory stays bounded: parts are read in 64 KiB chunks; only ``[Content_Types].xml`` is
held whole (it is capped at :attr:`Limits.max_part_bytes`, and is a few KiB in practice).
"""

from __future__ import annotations

import importlib.util
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException

__all__ = [
    "LABELS_TH",
    "Container",
    "Limits",
    "UnusableFile",
    "describe",
    "inspect_workbook",
]

_KIB = 1024
_MIB = 1024 * 1024
_CHUNK = 64 * _KIB

# --------------------------------------------------------------------------------------
# the error and the result
# --------------------------------------------------------------------------------------


class UnusableFile(Exception):
    """The file cannot be read as a workbook; a file-level finding of the catalogue.

    Attributes:
        code: A code of :data:`kpixl.findings.CATALOGUE` (``file-not-found``,
            ``file-not-workbook``, ``file-legacy-xls``, ``file-encrypted``,
            ``file-corrupt``, ``file-xml-entities`` or ``file-too-large``).
        params: The message fields of that code (``reason`` for ``file-corrupt`` and
            ``file-too-large``; empty otherwise).
    """

    def __init__(self, code: str, params: Mapping[str, str] | None = None) -> None:
        """Create the error.

        Args:
            code: The catalogue code.
            params: The message fields of the code.
        """
        self.code: str = code
        self.params: dict[str, str] = dict(params or {})
        super().__init__(code, self.params)

    def __str__(self) -> str:
        """The code and the English message of the catalogue, with its fields filled."""
        fields = ", ".join(f"{k}={v}" for k, v in self.params.items())
        try:
            from kpixl.findings import CATALOGUE
        except ImportError:  # pragma: no cover - the catalogue is part of kpixl
            return f"{self.code} ({fields})" if fields else self.code
        entry = CATALOGUE.get(self.code)
        if entry is None:
            return f"{self.code} ({fields})" if fields else self.code
        try:
            message = entry.message_en.format(**self.params)
        except (KeyError, IndexError, ValueError):
            message = entry.message_en
        return f"{self.code}: {message}"


def _corrupt(reason: str) -> UnusableFile:
    return UnusableFile("file-corrupt", {"reason": reason})


def _too_large(reason: str) -> UnusableFile:
    return UnusableFile("file-too-large", {"reason": reason})


def _mib(n: int) -> str:
    """A byte count as MiB for messages (``"64 MiB"``, ``"0.5 MiB"``)."""
    value = n / _MIB
    return f"{value:.0f} MiB" if value >= 10 or value == int(value) else f"{value:.1f} MiB"


@dataclass(frozen=True)
class Limits:
    """Size limits applied to a workbook's zip container.

    A returned KPI workbook is a few hundred KiB to a few MiB, its largest part (a
    worksheet's XML) a few MiB inflated. The defaults leave a wide margin above that while
    keeping openpyxl, which needs roughly 20-50 times a sheet's XML size in memory, far
    from exhausting the machine.

    Attributes:
        max_file_bytes: Largest file accepted, as stored (compressed). 25 MiB: the usual
            e-mail attachment limit, so no genuine return is larger.
        max_total_bytes: Largest sum of all parts' inflated sizes. 256 MiB.
        max_part_bytes: Largest inflated size of any one part. 64 MiB.
        max_ratio: Largest inflated/compressed ratio of a part. Spreadsheet XML compresses
            10-30 times, very repetitive sheets up to about 100; deflate cannot exceed about
            1032, which zip bombs approach. 200. Judged only once a part has inflated past
            ``ratio_grace_bytes``.
        max_parts: Most parts (zip entries) in the package. A workbook has 10-100; one with
            many pictures a few hundred. 5000.
        ratio_grace_bytes: A part is not judged on its ratio until it has inflated past
            this many bytes (small parts of repeated markup compress very well and are
            harmless). 1 MiB.
    """

    max_file_bytes: int = 25 * _MIB
    max_total_bytes: int = 256 * _MIB
    max_part_bytes: int = 64 * _MIB
    max_ratio: float = 200.0
    max_parts: int = 5000
    ratio_grace_bytes: int = 1 * _MIB

    def __post_init__(self) -> None:
        """Reject limits that are not positive.

        Raises:
            ValueError: A limit is zero or negative.
        """
        for name in (
            "max_file_bytes",
            "max_total_bytes",
            "max_part_bytes",
            "max_ratio",
            "max_parts",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"Limits.{name} must be positive")
        if self.ratio_grace_bytes < 0:
            raise ValueError("Limits.ratio_grace_bytes must not be negative")


@dataclass(frozen=True)
class Container:
    """What the inspection learnt about a usable workbook package.

    Attributes:
        macro_enabled: The workbook is macro-enabled (``.xlsm``/``.xltm`` content type, a
            VBA project part or an Excel 4 macro sheet). Its values are read; macros are
            never run (finding ``file-macro-enabled``).
        part_names: The names of all parts (zip entries), in the order they are stored.
        unsupported_parts: Human-readable names, each ``"ไทย / English"`` (see
            :func:`describe`), of the things in the package that openpyxl does not carry
            across when it loads and re-saves the workbook (``"เส้นแบบประกายไฟ (sparkline)
            / sparklines"``, …), sorted by the English name. Empty when an annotated copy
            keeps everything.
    """

    macro_enabled: bool
    part_names: tuple[str, ...]
    unsupported_parts: tuple[str, ...]


# --------------------------------------------------------------------------------------
# what openpyxl drops (checked with openpyxl 3.1.5: load_workbook + save)
# --------------------------------------------------------------------------------------

IMAGES = "images"
SHAPES = "shapes and text boxes"
OTHER_DRAWING = "SmartArt and other drawing objects"
INK = "ink drawings"
CHARTEX = "Excel 2016 charts (waterfall, treemap, histogram, …)"
CHART_STYLES = "chart styles and colours"
CHART_SHAPES = "shapes inside charts"
VBA = "VBA project (macros)"
SLICERS = "slicers"
TIMELINES = "timelines"
THREADED_COMMENTS = "threaded comments"
FORM_CONTROLS = "form controls (buttons, check boxes, …)"
ACTIVEX = "ActiveX controls"
EMBEDDED = "embedded objects"
HEADER_IMAGES = "header/footer images"
BACKGROUND = "sheet background image"
IGNORED_ERRORS = "ignored-error markers"
X14_VALIDATION = "Excel 2010 data validations (lists from other sheets)"
X14_FORMATTING = "Excel 2010 conditional formats (data bars, icon sets)"
SPARKLINES = "sparklines"
PROTECTED_RANGES = "protected ranges"
ADDINS = "Office add-ins"
CONNECTIONS = "data connections"
QUERY_TABLES = "query tables"
DYNAMIC_ARRAYS = "dynamic-array formula metadata"
RICH_DATA = "pictures in cells and linked data types"
DATA_MODEL = "Power Pivot data model"
CUSTOM_XML = "custom XML data"
RIBBON = "custom ribbon"
REVISIONS = "shared-workbook revision history"
_OTHER_EXTENSION = "worksheet extension {uri}"

LABELS_TH: dict[str, str] = {
    IMAGES: "รูปภาพ",
    SHAPES: "รูปร่างและกล่องข้อความ",
    OTHER_DRAWING: "SmartArt และวัตถุรูปวาดอื่น ๆ",
    INK: "ภาพวาดด้วยหมึก",
    CHARTEX: "แผนภูมิแบบใหม่ของ Excel 2016 (เช่น waterfall, treemap)",
    CHART_STYLES: "สไตล์และชุดสีของแผนภูมิ",
    CHART_SHAPES: "รูปร่างภายในแผนภูมิ",
    VBA: "โครงการ VBA (มาโคร)",
    SLICERS: "ตัวแบ่งส่วนข้อมูล (slicer)",
    TIMELINES: "ตัวกรองเส้นเวลา (timeline)",
    THREADED_COMMENTS: "ข้อคิดเห็นแบบเธรด",
    FORM_CONTROLS: "ตัวควบคุมฟอร์ม (ปุ่ม กล่องกาเครื่องหมาย ฯลฯ)",
    ACTIVEX: "ตัวควบคุม ActiveX",
    EMBEDDED: "วัตถุที่ฝังไว้",
    HEADER_IMAGES: "รูปภาพในหัวกระดาษ/ท้ายกระดาษ",
    BACKGROUND: "รูปพื้นหลังของแผ่นงาน",
    IGNORED_ERRORS: "การละเว้นการแจ้งข้อผิดพลาด (สามเหลี่ยมสีเขียว)",
    X14_VALIDATION: "การตรวจสอบข้อมูลแบบ Excel 2010 (เช่น รายการจากแผ่นงานอื่น)",
    X14_FORMATTING: "การจัดรูปแบบตามเงื่อนไขแบบ Excel 2010 (เช่น แถบข้อมูล ชุดไอคอน)",
    SPARKLINES: "เส้นแบบประกายไฟ (sparkline)",
    PROTECTED_RANGES: "ช่วงที่ป้องกันไว้",
    ADDINS: "Add-in ของ Office",
    CONNECTIONS: "การเชื่อมต่อข้อมูลภายนอก",
    QUERY_TABLES: "ตารางคิวรี",
    DYNAMIC_ARRAYS: "ข้อมูลกำกับสูตรอาร์เรย์แบบไดนามิก",
    RICH_DATA: "รูปภาพในเซลล์และชนิดข้อมูลที่ลิงก์",
    DATA_MODEL: "ตัวแบบข้อมูล Power Pivot",
    CUSTOM_XML: "ข้อมูล XML แบบกำหนดเอง",
    RIBBON: "ริบบอนแบบกำหนดเอง",
    REVISIONS: "ประวัติการแก้ไขของเวิร์กบุ๊กที่แชร์",
}
"""Thai names of the English labels (see :func:`describe`)."""


def describe(label: str) -> str:
    """The entry of :attr:`Container.unsupported_parts` for a label: ``"ไทย / English"``.

    The finding ``file-part-dropped`` puts its ``part`` field in both the Thai and the
    English message, so each entry carries both names.

    Args:
        label: An English label (one of the constants of this module, or an unknown
            worksheet extension).

    Returns:
        The Thai and the English name; the English name alone when no Thai one is known.
    """
    if label in LABELS_TH:
        return f"{LABELS_TH[label]} / {label}"
    prefix = _OTHER_EXTENSION.split("{", 1)[0]
    if label.startswith(prefix):
        return f"ส่วนขยายของแผ่นงาน {label[len(prefix) :]} / {label}"
    return label


_CT_LABELS: dict[str, str] = {
    "application/vnd.ms-office.vbaproject": VBA,
    "application/vnd.ms-office.vbaprojectsignature": VBA,
    "application/vnd.ms-office.vbaprojectsignatureagile": VBA,
    "application/vnd.ms-office.vbaprojectsignaturev3": VBA,
    "application/vnd.ms-excel.slicer+xml": SLICERS,
    "application/vnd.ms-excel.slicercache+xml": SLICERS,
    "application/vnd.ms-excel.timeline+xml": TIMELINES,
    "application/vnd.ms-excel.timelinecache+xml": TIMELINES,
    "application/vnd.ms-excel.threadedcomments+xml": THREADED_COMMENTS,
    "application/vnd.ms-excel.person+xml": THREADED_COMMENTS,
    "application/vnd.ms-office.chartstyle+xml": CHART_STYLES,
    "application/vnd.ms-office.chartcolorstyle+xml": CHART_STYLES,
    "application/vnd.ms-office.chartex+xml": CHARTEX,
    "application/vnd.openxmlformats-officedocument.drawingml.chartshapes+xml": CHART_SHAPES,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml": CONNECTIONS,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.querytable+xml": QUERY_TABLES,
    "application/vnd.ms-excel.controlproperties+xml": FORM_CONTROLS,
    "application/vnd.ms-office.activex+xml": ACTIVEX,
    "application/vnd.ms-office.activex": ACTIVEX,
    "application/vnd.openxmlformats-officedocument.oleobject": EMBEDDED,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetmetadata+xml": (
        DYNAMIC_ARRAYS
    ),
    "application/vnd.ms-office.webextension+xml": ADDINS,
    "application/vnd.ms-office.webextensiontaskpanes+xml": ADDINS,
    "application/vnd.openxmlformats-officedocument.customxmlproperties+xml": CUSTOM_XML,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.revisionheaders+xml": (REVISIONS),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.revisionlog+xml": REVISIONS,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.usernames+xml": REVISIONS,
}
"""Parts, by content type, that openpyxl never writes back."""

_PREFIX_LABELS: tuple[tuple[str, str], ...] = (
    ("xl/vbaproject", VBA),
    ("xl/slicers/", SLICERS),
    ("xl/slicercaches/", SLICERS),
    ("xl/timelines/", TIMELINES),
    ("xl/timelinecaches/", TIMELINES),
    ("xl/threadedcomments/", THREADED_COMMENTS),
    ("xl/persons/", THREADED_COMMENTS),
    ("xl/ctrlprops/", FORM_CONTROLS),
    ("xl/activex/", ACTIVEX),
    ("xl/embeddings/", EMBEDDED),
    ("xl/querytables/", QUERY_TABLES),
    ("xl/connections.xml", CONNECTIONS),
    ("xl/metadata.xml", DYNAMIC_ARRAYS),
    ("xl/richdata/", RICH_DATA),
    ("xl/model/", DATA_MODEL),
    ("xl/revisions/", REVISIONS),
    ("xl/webextensions/", ADDINS),
    ("customxml/", CUSTOM_XML),
    ("customui/", RIBBON),
)
"""Parts, by the name Excel gives them, that openpyxl never writes back."""

_EXT_LABELS: dict[str, str] = {
    "{CCE6A557-97BC-4B89-ADB6-D9C93CAAB3DF}": X14_VALIDATION,
    "{78C0D931-6437-407D-A8EE-F0AAD7539E65}": X14_FORMATTING,
    "{B025F937-C7B1-47D3-B67F-A62EFF666E3E}": X14_FORMATTING,
    "{05C60535-1F16-4FD2-B633-F4F36F0B64E0}": SPARKLINES,
    "{A8765BA9-456A-4DAB-B4F3-ACF838C121DE}": SLICERS,
    "{3A4CF648-6AED-40F4-86FF-DC5316D8AED3}": SLICERS,
    "{7E03D99C-DC04-49D9-9315-930204A7B6E9}": TIMELINES,
    "{FC87AEE6-9EDD-4A0A-B7FB-166176984837}": PROTECTED_RANGES,
    "{01252117-D84E-4E92-8308-4BE1C098FCBB}": IGNORED_ERRORS,
    "{F7C9EE02-42E1-4005-9D12-6889AFFD525C}": ADDINS,
}
"""Worksheet ``<extLst>`` extensions by URI (upper case); openpyxl drops every one."""

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
_A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
_MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_SEP = "}"

_WS_ELEMENTS: dict[str, str | None] = {
    f"{_MAIN_NS}{_SEP}ext": None,  # labelled by its uri
    f"{_MAIN_NS}{_SEP}ignoredErrors": IGNORED_ERRORS,
    f"{_MAIN_NS}{_SEP}legacyDrawingHF": HEADER_IMAGES,
    f"{_MAIN_NS}{_SEP}picture": BACKGROUND,
    f"{_MAIN_NS}{_SEP}controls": FORM_CONTROLS,
    f"{_MAIN_NS}{_SEP}oleObjects": EMBEDDED,
}
"""Worksheet elements that openpyxl drops on load."""

_CHART_URI = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_GRAPHIC_LABELS: dict[str, str] = {
    "http://schemas.microsoft.com/office/drawing/2014/chartex": CHARTEX,
    "http://schemas.microsoft.com/office/drawing/2010/slicer": SLICERS,
    "http://schemas.microsoft.com/office/drawing/2012/slicer": SLICERS,
    "http://schemas.microsoft.com/office/drawing/2012/timeslicer": TIMELINES,
}
"""``graphicData`` URIs of drawing objects other than charts (others: OTHER_DRAWING)."""

_WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"
_VML_CT = "application/vnd.openxmlformats-officedocument.vmldrawing"

_XLSX_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_XLTX_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"
_XLSM_CT = "application/vnd.ms-excel.sheet.macroenabled.main+xml"
_XLTM_CT = "application/vnd.ms-excel.template.macroenabled.main+xml"
_WORKBOOK_CTS = frozenset({_XLSX_CT, _XLTX_CT, _XLSM_CT, _XLTM_CT})
_MACRO_CTS = frozenset(
    {
        _XLSM_CT,
        _XLTM_CT,
        "application/vnd.ms-office.vbaproject",
        "application/vnd.ms-excel.macrosheet+xml",
        "application/vnd.ms-excel.intlmacrosheet+xml",
    }
)

# --------------------------------------------------------------------------------------
# OLE2 compound files (legacy .xls, encrypted OOXML)
# --------------------------------------------------------------------------------------

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ZIP_EMPTY_MAGIC = b"PK\x05\x06"
_CFB_ENDOFCHAIN = 0xFFFFFFFE
_CFB_MAX_SECTOR = 0xFFFFFFFA
_CFB_MAX_DIR_SECTORS = 4096


class _CfbError(Exception):
    """The compound file's header or directory is damaged."""


def _cfb_entry_names(fh: BinaryIO, file_size: int) -> list[str]:
    """The names of the stream and storage entries of a compound file's directory.

    Only the header, the FAT sectors needed to follow the directory chain and the
    directory sectors are read (at most :data:`_CFB_MAX_DIR_SECTORS` of them).

    Raises:
        _CfbError: The header or the directory chain is damaged.
    """
    fh.seek(0)
    header = fh.read(512)
    if len(header) < 512 or header[:8] != _CFB_MAGIC:
        raise _CfbError("the compound file header is incomplete")
    (byte_order,) = struct.unpack_from("<H", header, 28)
    (sector_shift,) = struct.unpack_from("<H", header, 30)
    if byte_order != 0xFFFE or sector_shift not in (9, 12):
        raise _CfbError("the compound file header is invalid")
    sector_size = 1 << sector_shift
    (first_dir,) = struct.unpack_from("<I", header, 48)
    (first_difat,) = struct.unpack_from("<I", header, 68)
    (num_difat,) = struct.unpack_from("<I", header, 72)
    difat: list[int] = list(struct.unpack_from("<109I", header, 76))
    per_sector = sector_size // 4

    def read_sector(n: int) -> bytes:
        if n > _CFB_MAX_SECTOR:
            raise _CfbError("a sector chain of the compound file is broken")
        offset = (n + 1) * sector_size
        if offset + sector_size > file_size + sector_size:  # the last may be short
            raise _CfbError("the compound file is truncated")
        fh.seek(offset)
        data = fh.read(sector_size)
        if not data:
            raise _CfbError("the compound file is truncated")
        return data.ljust(sector_size, b"\0")

    difat_sector = first_difat
    difat_seen: set[int] = set()

    def fat_sector_number(index: int) -> int:
        nonlocal difat_sector
        while index >= len(difat):
            if (
                difat_sector > _CFB_MAX_SECTOR
                or difat_sector in difat_seen
                or len(difat_seen) >= num_difat
            ):
                raise _CfbError("the compound file's sector table is broken")
            difat_seen.add(difat_sector)
            data = read_sector(difat_sector)
            values = struct.unpack(f"<{per_sector}I", data)
            difat.extend(values[:-1])
            difat_sector = values[-1]
        return difat[index]

    fat_cache: dict[int, tuple[int, ...]] = {}

    def next_sector(n: int) -> int:
        index = n // per_sector
        if index not in fat_cache:
            fat_cache[index] = struct.unpack(
                f"<{per_sector}I", read_sector(fat_sector_number(index))
            )
        return int(fat_cache[index][n % per_sector])

    names: list[str] = []
    seen: set[int] = set()
    sector = first_dir
    while sector != _CFB_ENDOFCHAIN:
        if sector in seen or len(seen) >= _CFB_MAX_DIR_SECTORS:
            raise _CfbError("the compound file's directory chain loops or is too long")
        seen.add(sector)
        data = read_sector(sector)
        for offset in range(0, sector_size, 128):
            entry = data[offset : offset + 128]
            (name_len,) = struct.unpack_from("<H", entry, 64)
            kind = entry[66]
            if kind in (1, 2, 5) and 2 <= name_len <= 64:
                names.append(entry[: name_len - 2].decode("utf-16-le", "replace"))
        sector = next_sector(sector)
    if not names:
        raise _CfbError("the compound file's directory is empty")
    return names


def _classify_compound_file(fh: BinaryIO, file_size: int) -> UnusableFile:
    """The finding for an OLE2 compound file (it is never a usable workbook)."""
    try:
        names = {name.lower() for name in _cfb_entry_names(fh, file_size)}
    except (_CfbError, struct.error) as exc:
        return _corrupt(str(exc))
    if {"encryptioninfo", "encryptedpackage"} <= names:
        return UnusableFile("file-encrypted")
    if "workbook" in names or "book" in names:
        return UnusableFile("file-legacy-xls")
    return UnusableFile("file-not-workbook")


# --------------------------------------------------------------------------------------
# streaming scanners
# --------------------------------------------------------------------------------------


class _EntitiesFound(Exception):
    """An XML part declares a DOCTYPE or an ENTITY."""


class _Scanner:
    """Consumes one part's inflated bytes, chunk by chunk."""

    def feed(self, data: bytes) -> None:
        """Take the next chunk of the part."""

    def close(self) -> None:
        """The part is complete."""


class _XmlScanner(_Scanner):
    """Streams an XML part through expat: no DOCTYPE/ENTITY, well-formed, and notes labels.

    Raises (from feed/close) ``file-xml-entities`` or ``file-corrupt``.
    """

    def __init__(self, name: str, kind: str, labels: set[str], pillow: bool) -> None:
        self._name = name
        self._labels = labels
        self._pillow = pillow
        self._fallback_depth = 0
        parser = expat.ParserCreate(namespace_separator=_SEP)
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._refuse
        parser.EntityDeclHandler = self._refuse
        parser.UnparsedEntityDeclHandler = self._refuse
        parser.ExternalEntityRefHandler = self._refuse_external
        if kind == "worksheet":
            parser.StartElementHandler = self._worksheet_element
        elif kind == "drawing":
            parser.StartElementHandler = self._drawing_element
            parser.EndElementHandler = self._drawing_end
        self._parser = parser

    @staticmethod
    def _refuse(*_args: object) -> None:
        raise _EntitiesFound

    @staticmethod
    def _refuse_external(*_args: object) -> int:
        raise _EntitiesFound

    def _worksheet_element(self, name: str, attrs: dict[str, str]) -> None:
        if name not in _WS_ELEMENTS:
            return
        label = _WS_ELEMENTS[name]
        if label is None:
            uri = attrs.get("uri", "").strip().upper()
            label = _EXT_LABELS.get(uri, _OTHER_EXTENSION.format(uri=uri or "?"))
        self._labels.add(label)

    def _drawing_element(self, name: str, attrs: dict[str, str]) -> None:
        if name == f"{_MC_NS}{_SEP}Fallback":
            self._fallback_depth += 1
            return
        if self._fallback_depth:
            return
        ns, _, local = name.rpartition(_SEP)
        if ns == _XDR_NS:
            if local in ("sp", "cxnSp", "grpSp"):
                self._labels.add(SHAPES)
            elif local == "pic" and not self._pillow:
                self._labels.add(IMAGES)
            elif local == "contentPart":
                self._labels.add(INK)
        elif ns == _A_NS and local == "graphicData":
            uri = attrs.get("uri", "")
            if uri != _CHART_URI:
                self._labels.add(_GRAPHIC_LABELS.get(uri, OTHER_DRAWING))

    def _drawing_end(self, name: str) -> None:
        if name == f"{_MC_NS}{_SEP}Fallback" and self._fallback_depth:
            self._fallback_depth -= 1

    def _parse(self, data: bytes, final: bool) -> None:
        try:
            self._parser.Parse(data, final)
        except _EntitiesFound:
            raise UnusableFile("file-xml-entities") from None
        except expat.ExpatError as exc:
            raise _corrupt(f"{self._name} is not well-formed XML: {exc}") from None

    def feed(self, data: bytes) -> None:
        """Parse the next chunk."""
        self._parse(data, False)

    def close(self) -> None:
        """Finish the document (an unclosed root element is an error)."""
        self._parse(b"", True)


_VML_DECL = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_VML_OBJECT_TYPE = re.compile(rb"""ObjectType\s*=\s*["']?([A-Za-z]+)""")
_VML_OVERLAP = 256


class _VmlScanner(_Scanner):
    """VML is not reliably well-formed XML: scan its bytes instead of parsing them.

    Refuses DOCTYPE/ENTITY declarations; notes form controls (any ``ObjectType`` other
    than ``Note``: openpyxl rebuilds the VML of cell notes but drops everything else).
    """

    def __init__(self, labels: set[str]) -> None:
        self._labels = labels
        self._tail = b""

    def feed(self, data: bytes) -> None:
        """Scan the next chunk (with the end of the previous one)."""
        window = self._tail + data
        if _VML_DECL.search(window):
            raise UnusableFile("file-xml-entities")
        for match in _VML_OBJECT_TYPE.finditer(window):
            if match.group(1).lower() != b"note":
                self._labels.add(FORM_CONTROLS)
        self._tail = window[-_VML_OVERLAP:]


# --------------------------------------------------------------------------------------
# the zip container
# --------------------------------------------------------------------------------------

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")


class _Budget:
    """Counts the bytes really inflated, across the package, against the limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.total = 0

    def charge(self, name: str, part_out: int, part_in: int, added: int) -> None:
        """Account ``added`` more inflated bytes of part ``name``.

        Args:
            name: The part.
            part_out: Bytes inflated from the part so far (``added`` included).
            part_in: Compressed bytes of the part consumed so far.
            added: Bytes inflated by this step.

        Raises:
            UnusableFile: ``file-too-large`` when a limit is passed.
        """
        limits = self.limits
        self.total += added
        if part_out > limits.max_part_bytes:
            raise _too_large(f"{name} inflates past {_mib(limits.max_part_bytes)}")
        if self.total > limits.max_total_bytes:
            raise _too_large(f"the parts inflate past {_mib(limits.max_total_bytes)} in all")
        if part_out > limits.ratio_grace_bytes and part_out > limits.max_ratio * max(part_in, 1):
            raise _too_large(
                f"{name} inflates more than {limits.max_ratio:g} times its compressed size"
            )


def _check_declared(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse a package whose central directory already declares too much."""
    if len(infos) > limits.max_parts:
        raise _too_large(f"{len(infos)} parts, more than {limits.max_parts}")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_part_bytes:
            raise _too_large(
                f"{info.filename} declares {_mib(info.file_size)}, more than "
                f"{_mib(limits.max_part_bytes)}"
            )
        if info.file_size > limits.ratio_grace_bytes and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise _too_large(
                f"{info.filename} declares a compression ratio above {limits.max_ratio:g}"
            )
    if total > limits.max_total_bytes:
        raise _too_large(
            f"the parts declare {_mib(total)} in all, more than {_mib(limits.max_total_bytes)}"
        )


def _stream_part(
    fh: BinaryIO,
    info: zipfile.ZipInfo,
    file_size: int,
    budget: _Budget,
    sink: Callable[[bytes], None],
) -> None:
    """Inflate one part from the raw file, chunk by chunk, into ``sink``.

    The local header is read and checked against the central directory; then at most the
    declared compressed size is read, and every inflated byte is charged to ``budget``
    before it reaches ``sink`` (the declared uncompressed size is not trusted). At the end
    the real size and the CRC are compared with the central directory.

    Raises:
        UnusableFile: ``file-too-large``, ``file-corrupt`` or ``file-encrypted`` (zip-level
            encryption), or whatever ``sink`` raises.
    """
    name = info.filename
    if info.flag_bits & 0x1:
        raise UnusableFile("file-encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _corrupt(f"{name} uses an unsupported compression method ({info.compress_type})")
    fh.seek(info.header_offset)
    raw_header = fh.read(_LOCAL_HEADER.size)
    if len(raw_header) < _LOCAL_HEADER.size:
        raise _corrupt(f"{name}: the file is truncated")
    fields = _LOCAL_HEADER.unpack(raw_header)
    if fields[0] != b"PK\x03\x04":
        raise _corrupt(f"{name}: bad local header")
    raw_name = fh.read(fields[10])
    encoding = "utf-8" if fields[3] & 0x800 else "cp437"
    if raw_name.decode(encoding, "replace") != info.orig_filename:
        raise _corrupt(f"{name}: the local header names another part")
    data_start = info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11]
    if data_start + info.compress_size > file_size:
        raise _corrupt(f"{name}: the file is truncated")
    fh.seek(data_start)

    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    left = info.compress_size
    consumed = 0
    produced = 0
    crc = 0
    while left > 0:
        raw = fh.read(min(_CHUNK, left))
        if not raw:
            raise _corrupt(f"{name}: the file is truncated")
        left -= len(raw)
        if inflater is None:
            consumed += len(raw)
            produced += len(raw)
            budget.charge(name, produced, consumed, len(raw))
            crc = zlib.crc32(raw, crc)
            sink(raw)
            continue
        pending = raw
        while pending and not inflater.eof:
            try:
                out = inflater.decompress(pending, _CHUNK)
            except zlib.error as exc:
                raise _corrupt(f"{name}: bad compressed data ({exc})") from None
            consumed += len(pending) - len(inflater.unconsumed_tail)
            pending = inflater.unconsumed_tail
            if out:
                produced += len(out)
                budget.charge(name, produced, consumed, len(out))
                crc = zlib.crc32(out, crc)
                sink(out)
        if inflater.eof:
            break
    if inflater is not None and not inflater.eof:
        raise _corrupt(f"{name}: the compressed data ends early")
    if produced != info.file_size:
        raise _corrupt(f"{name}: the size differs from the zip header")
    if crc != info.CRC:
        raise _corrupt(f"{name}: CRC error")


class _ContentTypes:
    """``[Content_Types].xml``: the content type of every part."""

    def __init__(self, data: bytes) -> None:
        try:
            root = DefusedET.fromstring(data, forbid_dtd=True)
        except DefusedXmlException:
            raise UnusableFile("file-xml-entities") from None
        except DefusedET.ParseError as exc:
            raise _corrupt(f"[Content_Types].xml is not well-formed XML: {exc}") from None
        self.defaults: dict[str, str] = {}
        self.overrides: dict[str, str] = {}
        for element in root:
            content_type = element.get("ContentType", "").strip().lower()
            if element.tag == f"{{{_CT_NS}}}Default":
                self.defaults[element.get("Extension", "").lower()] = content_type
            elif element.tag == f"{{{_CT_NS}}}Override":
                part = element.get("PartName", "").lstrip("/").lower()
                self.overrides[part] = content_type

    def of(self, part_name: str) -> str:
        """The (lower-case) content type of a part, or ``""``."""
        lowered = part_name.lower()
        if lowered in self.overrides:
            return self.overrides[lowered]
        extension = lowered.rpartition(".")[2] if "." in lowered.rpartition("/")[2] else ""
        return self.defaults.get(extension, "")

    def workbook_part(self, names: set[str]) -> str | None:
        """The lower-case name of the spreadsheet workbook part, as openpyxl finds it."""
        for part, content_type in self.overrides.items():
            if content_type in _WORKBOOK_CTS:
                return part
        if "xl/workbook.xml" in names and _WORKBOOK_CTS & set(self.defaults.values()):
            return "xl/workbook.xml"
        return None


def _is_xml(name: str, content_type: str) -> bool:
    lowered = name.lower()
    return (
        lowered.endswith((".xml", ".rels"))
        or content_type.endswith("+xml")
        or content_type in ("application/xml", "text/xml")
    )


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise _corrupt(f"the zip directory is missing or damaged ({exc})") from None
    except NotImplementedError as exc:
        raise _corrupt(f"unsupported zip feature ({exc})") from None


def inspect_workbook(path: Path | str, limits: Limits = Limits()) -> Container:
    """Inspect a workbook's file container before it is opened with openpyxl.

    Args:
        path: The file a division returned.
        limits: The size limits (the defaults suit KPI workbooks).

    Returns:
        What was learnt: macro-enabled or not, the part names, and what openpyxl would not
        carry across to an annotated copy.

    Raises:
        UnusableFile: The file is missing (``file-not-found``), not an OOXML spreadsheet
            (``file-not-workbook``), a legacy ``.xls`` (``file-legacy-xls``),
            password-protected (``file-encrypted``), damaged (``file-corrupt``), declares
            XML entities (``file-xml-entities``) or would inflate beyond ``limits``
            (``file-too-large``).
    """
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise UnusableFile("file-not-found") from None
    except OSError as exc:
        raise _corrupt(f"the file cannot be read ({exc.strerror or exc})") from None
    if path.is_dir():
        raise UnusableFile("file-not-workbook")
    file_size = stat.st_size
    if file_size == 0:
        raise _corrupt("the file is empty")

    try:
        fh = path.open("rb")
    except OSError as exc:
        raise _corrupt(f"the file cannot be read ({exc.strerror or exc})") from None
    with fh:
        magic = fh.read(8)
        if magic == _CFB_MAGIC:
            raise _classify_compound_file(fh, file_size)
        if magic.startswith(_ZIP_EMPTY_MAGIC):
            raise UnusableFile("file-not-workbook")
        if not magic.startswith(_ZIP_MAGIC):
            raise UnusableFile("file-not-workbook")
        if file_size > limits.max_file_bytes:
            raise _too_large(
                f"the file is {_mib(file_size)}, more than {_mib(limits.max_file_bytes)}"
            )
        with _open_zip(path) as archive:
            infos = archive.infolist()
        return _inspect_zip(fh, file_size, infos, limits)


def _inspect_zip(
    fh: BinaryIO, file_size: int, infos: list[zipfile.ZipInfo], limits: Limits
) -> Container:
    """Inspect an opened zip package (see :func:`inspect_workbook`)."""
    lowered: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        key = info.filename.lower()
        if key in lowered:
            raise _corrupt(f"the part {info.filename} is stored twice")
        lowered[key] = info
    if "[content_types].xml" not in lowered:
        raise UnusableFile("file-not-workbook")
    _check_declared(infos, limits)
    budget = _Budget(limits)

    ct_info = lowered["[content_types].xml"]
    chunks: list[bytes] = []
    _stream_part(fh, ct_info, file_size, budget, chunks.append)
    types = _ContentTypes(b"".join(chunks))
    workbook = types.workbook_part(set(lowered))
    if workbook is None:
        raise UnusableFile("file-not-workbook")
    if workbook not in lowered:
        raise _corrupt(f"the workbook part {workbook} is missing")

    pillow = importlib.util.find_spec("PIL") is not None
    labels: set[str] = set()
    macro = False
    for info in sorted(infos, key=lambda i: i.header_offset):
        name = info.filename
        if info is ct_info or name.endswith("/"):
            continue
        content_type = types.of(name)
        macro = macro or content_type in _MACRO_CTS or name.lower() == "xl/vbaproject.bin"
        if content_type in _CT_LABELS:
            labels.add(_CT_LABELS[content_type])
        lname = name.lower()
        for prefix, label in _PREFIX_LABELS:
            if lname.startswith(prefix):
                labels.add(label)
        scanner: _Scanner
        if lname.endswith(".vml") or content_type == _VML_CT:
            scanner = _VmlScanner(labels)
        elif _is_xml(name, content_type):
            kind = {_WORKSHEET_CT: "worksheet", _DRAWING_CT: "drawing"}.get(content_type, "")
            scanner = _XmlScanner(name, kind, labels, pillow)
        else:
            scanner = _Scanner()
        _stream_part(fh, info, file_size, budget, scanner.feed)
        scanner.close()
    return Container(
        macro_enabled=macro,
        part_names=tuple(info.filename for info in infos),
        unsupported_parts=tuple(describe(label) for label in sorted(labels)),
    )
