"""Inspect a returned workbook's file container before anything opens it.

A workbook e-mailed back by a division may be anything: a legacy ``.xls``, a
password-protected file, a truncated download, a zip bomb or XML that declares entities.
:func:`inspect_workbook` looks at the container only (never the cell values) and turns each
of these into an :class:`UnusableFile` carrying a code of the finding catalogue
(:mod:`kpixl.findings`), instead of a traceback or unbounded memory inside a reader.

What is checked, in order:

1. the path exists (``file-not-found``);
2. the first bytes: an OLE2 compound file, listed with ``olefile``, is an encrypted OOXML
   package when it holds the ``EncryptionInfo`` and ``EncryptedPackage`` streams
   (``file-encrypted``), a legacy ``.xls`` when it holds a ``Workbook`` or ``Book`` stream
   (``file-legacy-xls``, or ``file-encrypted`` when ``msoffcrypto-tool`` finds it
   password-protected), anything else ``file-not-workbook``; one that cannot be listed is
   ``file-corrupt``. A file that is not a zip either is ``file-not-workbook``;
3. the zip's central directory (``file-corrupt``) and the sizes it declares: the file size,
   the number of parts, each part's and the total inflated size, and each part's
   compression ratio (``file-too-large``, see :class:`Limits`);
4. ``[Content_Types].xml`` names a spreadsheet workbook part (``file-not-workbook``;
   ``.xlsb`` binary workbooks are refused too, the readers cannot read them);
5. every part is inflated once, in a stream, by kpixl's own inflater that counts the bytes
   really produced against the same limits (so a part whose header lies about its size is
   stopped while inflating, ``file-too-large``) and checks the CRC and the real size
   against the header (``file-corrupt``). Each XML part's bytes (and those of any other
   part that starts as markup: a relationship may point a parser at any part) are scanned
   as they stream past for a ``<!DOCTYPE`` or ``<!ENTITY`` declaration
   (``file-xml-entities``), spelt in every encoding a parser might read the part in (see
   below); every XML part except the worksheets and the shared strings is also streamed
   through expat, without per-element callbacks, to refuse XML that is not well-formed
   (``file-corrupt``).

The declaration scan works on bytes, not on parsed XML, so it also refuses a ``<!DOCTYPE``
that only sits inside a comment, a CDATA section or a processing instruction: refusing is
the safe side, and no genuine workbook part holds one. It looks for the declaration in the
encoding the first bytes imply (UTF-8 with or without a byte-order mark, UTF-16 and UTF-32
in either byte order, EBCDIC), in the encoding the XML declaration names (the search
pattern is transcoded, the part is not decoded), and in UTF-16/UTF-32 whenever the first
bytes hold a NUL. A part that names an encoding kpixl cannot search reliably (unknown, or
one that can spell ``<`` in several ways such as UTF-7) is ``file-corrupt``.

Worksheets and shared strings, the parts that grow with the data (nine tenths of a
workbook's bytes), are not checked for well-formedness here: that costs more than
inflating them, and the readers parse them anyway. openpyxl refuses a malformed one;
calamine, which the returned-workbook reader uses, refuses broken shared strings and a
truncated sheet but reads a sheet with mismatched end tags as best it can.

While streaming, the parts and elements that openpyxl cannot carry across a load and
re-save are noted in :attr:`Container.unsupported_parts`, found by scanning the bytes for
element names (any namespace prefix, resolved through the part's ``xmlns``
declarations). A macro-enabled workbook is not an error: :attr:`Container.macro_enabled`
is set (finding ``file-macro-enabled``). Parts a caller asks for (``keep``) are handed on
inflated in :attr:`Container.parts`, so that nothing needs to inflate them again; the
returned-workbook reader keeps every XML part and gives calamine
:meth:`Container.stored_package`, so that calamine reads the very bytes checked here
(a file changed on disk after its inspection is not read) and inflates nothing.

Memory stays bounded: parts are read in 64 KiB chunks; only ``[Content_Types].xml`` and
the kept parts are held whole, all within :class:`Limits`.

The parts a template brings and a division does not fill in (its styles, theme, workbook,
relationships: every small part but the worksheets and shared strings) come back byte for
byte in every workbook of a round made from it: the scan of such a part is remembered by
its very bytes (a few dozen of them, each at most 64 KiB), so that it is scanned once per
round instead of once per workbook. A part that is refused is refused every time: nothing
is remembered of it. Each part is still inflated, counted and checked against its CRC.
"""

from __future__ import annotations

import codecs
import functools
import importlib.util
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO
from xml.parsers import expat

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException

from kpixl.patch.dropped import (
    CHART_URI,
    CONTENT_TYPE_LABELS,
    DRAWING_ELEMENTS,
    EXTENSION_LABELS,
    FORM_CONTROLS,
    GRAPHIC_LABELS,
    LABELLED_PREFIXES,
    OTHER_DRAWING,
    OTHER_EXTENSION,
    PREFIX_LABELS,
    WORKSHEET_ELEMENTS,
    describe,
)
from kpixl.patch.xmltext import unescape

__all__ = [
    "Container",
    "Limits",
    "UnusableFile",
    "inspect_workbook",
    "is_xml_part",
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
        from kpixl.findings import CATALOGUE, finding

        if self.code not in CATALOGUE:
            fields = ", ".join(f"{k}={v}" for k, v in self.params.items())
            return f"{self.code} ({fields})" if fields else self.code
        # The message a finding of this code shows (optional clauses left out, not "{…}").
        params: dict[str, Any] = dict(self.params)
        return f"{self.code}: {finding(self.code, **params)['message_en']}"


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
        parts: The inflated bytes of the parts the caller asked to keep (``keep`` of
            :func:`inspect_workbook`), by part name; empty unless asked. Left out of
            comparisons, hashing and the ``repr``.
    """

    macro_enabled: bool
    part_names: tuple[str, ...]
    unsupported_parts: tuple[str, ...]
    parts: Mapping[str, bytes] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )
    checksums: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )
    """The CRC-32 of each kept part, as the inspection verified it."""

    def stored_package(self, leave_out: Collection[str] = ()) -> io.BytesIO:
        """The kept parts as an uncompressed zip package: a reader given it reads the bytes
        the inspection checked, and inflates nothing again (no zip64: the default
        :class:`Limits` keep a package far below 4 GiB). ``leave_out``: parts not to put
        in (a reader that does not read them need not be given them)."""
        chunks: list[bytes] = []
        directory: list[bytes] = []
        offset = 0
        for name, data in self.parts.items():
            if name in leave_out:
                continue
            raw, crc, size = name.encode("utf-8"), self.checksums[name], len(data)
            sizes = (crc, size, size, len(raw), 0)  # CRC, sizes, name and extra lengths
            local = _LOCAL_HEADER.pack(b"PK\x03\x04", 20, 0, *_STORED, *sizes)
            central = _CENTRAL_HEADER.pack(
                b"PK\x01\x02", 20, 20, *_STORED, *sizes, 0, 0, 0, 0, offset
            )
            chunks += (local, raw, data)
            directory.append(central + raw)
            offset += len(local) + len(raw) + size
        listing = b"".join(directory)
        count = len(directory)
        end = _END_RECORD.pack(b"PK\x05\x06", 0, 0, count, count, len(listing), offset, 0)
        return io.BytesIO(b"".join((*chunks, listing, end)))


_MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XDR_NS = b"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
_A_NS = b"http://schemas.openxmlformats.org/drawingml/2006/main"
_MC_NS = b"http://schemas.openxmlformats.org/markup-compatibility/2006"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


_WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_SHARED_STRINGS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedstrings+xml"
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


def _failure(exc: BaseException) -> str:
    """An exception as a short reason for a message."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}"[:160] if text else type(exc).__name__


def _classify_compound_file(fh: BinaryIO, file_size: int, limits: Limits) -> UnusableFile:
    """The finding for an OLE2 compound file: it is never a usable workbook.

    Only the stream names of the root storage decide, except for a legacy workbook, whose
    ``Workbook`` stream msoffcrypto-tool reads up to the end of its globals to find a
    password. Its BIFF reader is called directly: ``msoffcrypto.OfficeFile`` would first
    dispatch on other streams, and for an ``EncryptionInfo`` parse that XML with minidom.
    """
    import olefile  # type: ignore[import-untyped]  # (only a compound file needs it)

    try:
        fh.seek(0)
        ole = olefile.OleFileIO(fh)
        try:
            entries = ole.listdir(streams=True, storages=False)
        finally:
            ole.close()
        names = {str(entry[0]).rstrip("\0").lower() for entry in entries if len(entry) == 1}
    except Exception as exc:  # olefile raises OSError, struct.error, IndexError, ...
        return _corrupt(f"the compound file cannot be read ({_failure(exc)})")
    if not names:  # olefile drops the entries of a damaged directory without a word
        return _corrupt("the compound file's directory lists no streams")
    if {"encryptioninfo", "encryptedpackage"} <= names:
        return UnusableFile("file-encrypted")
    if "workbook" not in names:
        return UnusableFile("file-legacy-xls" if "book" in names else "file-not-workbook")
    # olefile reads a whole stream into memory: past the file-size limit the password
    # question is not worth that, and the file is unusable either way.
    if file_size > limits.max_file_bytes:
        return UnusableFile("file-legacy-xls")
    # Imported here: it pulls in the cryptography package, which only this file needs.
    from msoffcrypto.format.xls97 import Xls97File  # type: ignore[import-untyped]

    try:
        fh.seek(0)
        encrypted = bool(Xls97File(fh).is_encrypted())
    except Exception as exc:  # a damaged BIFF stream: asserts, struct errors, ParseError
        return _corrupt(f"the legacy workbook stream cannot be read ({_failure(exc)})")
    return UnusableFile("file-encrypted" if encrypted else "file-legacy-xls")


# --------------------------------------------------------------------------------------
# XML parts, scanned as bytes while they stream past
# --------------------------------------------------------------------------------------

_HEAD_BYTES = 1024
"""Bytes of a part gathered before its encoding is decided (its XML declaration is in them)."""

_SNIFF: tuple[tuple[bytes, tuple[str, ...]], ...] = (
    (b"\x00\x00\xfe\xff", ("utf-32-be",)),
    (b"\xff\xfe\x00\x00", ("utf-32-le", "utf-16-le")),
    (b"\xef\xbb\xbf", ("utf-8",)),
    (b"\xfe\xff", ("utf-16-be",)),
    (b"\xff\xfe", ("utf-16-le",)),
    (b"\x00\x00\x00<", ("utf-32-be",)),
    (b"<\x00\x00\x00", ("utf-32-le",)),
    (b"\x00<\x00?", ("utf-16-be",)),
    (b"<\x00?\x00", ("utf-16-le",)),
    (b"\x4c\x6f\xa7\x94", ("cp037",)),
)
"""First bytes -> the encodings a parser reads the part in (XML 1.0, appendix F)."""

_DEFAULT_FAMILY: tuple[str, ...] = ("utf-8",)
_WIDE = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")

_XML_DECL = re.compile(
    r"""[ \t\r\n]*<\?xml[ \t\r\n][^>]{0,256}?\bencoding[ \t\r\n]*=[ \t\r\n]*"""
    r"""["']([A-Za-z][A-Za-z0-9._-]{0,63})["']"""
)

_KEYWORDS = ("<!DOCTYPE", "<!ENTITY")
"""Refused in upper, lower or mixed case: parsers honour only the upper-case spelling, and
refusing more is the safe side."""

_UNSEARCHABLE = frozenset({"utf-7", "punycode", "idna", "unicode-escape", "raw-unicode-escape"})
"""Codecs that spell one character in several ways (``<`` is also ``+ADw-`` in UTF-7), so
no fixed byte pattern finds every declaration."""

_ASCII_PROBE = "".join(map(chr, range(0x20, 0x7F))) + "\t\r\n"


class _Unsearchable(Exception):
    """No byte pattern finds a declaration in this encoding."""


@dataclass(frozen=True)
class _Spelling:
    """A declaration keyword as bytes in one encoding.

    Attributes:
        pattern: Matches ``<!DOCTYPE`` or ``<!ENTITY`` in the encoding, in any case.
        longest: The longest match, in bytes.
        needle: A byte every match holds (one of those of ``!``): a chunk without it is
            skipped with one ``memchr``, which spares most parts the regex. None when the
            spellings of ``!`` share no byte.
    """

    pattern: re.Pattern[bytes]
    longest: int
    needle: bytes | None


@dataclass(frozen=True)
class _Plan:
    """How to scan a part, decided from its first bytes.

    Attributes:
        spellings: The declaration's spellings, one per distinct byte pattern.
        overlap: Bytes kept from one chunk to the next (a match is at most one longer).
        transcode: The codec to turn the part into UTF-8 for :class:`_Features`, or None
            when its markup is ASCII already.
        error: Why the part cannot be scanned, or None.
    """

    spellings: tuple[_Spelling, ...]
    overlap: int
    transcode: str | None
    error: str | None = None


_NO_SCAN = _Plan((), 0, None)


def _canonical(label: str) -> tuple[str, ...]:
    """The codecs an encoding label stands for (a byte-order-marked name: both orders).

    Raises:
        LookupError: Python does not know the label.
    """
    name = codecs.lookup(label).name
    if name == "utf-16":
        return ("utf-16-le", "utf-16-be")
    if name == "utf-32":
        return ("utf-32-le", "utf-32-be")
    if name == "utf-8-sig":
        return ("utf-8",)
    return (name,)


def _ascii_transparent(codec: str) -> bool:
    """Whether every printable ASCII character is its own single byte in ``codec``."""
    try:
        return _ASCII_PROBE.encode(codec) == _ASCII_PROBE.encode("ascii")
    except (LookupError, UnicodeError, ValueError):
        return False


@functools.lru_cache(maxsize=128)
def _spelling(codec: str) -> _Spelling | None:
    """How ``<!DOCTYPE`` and ``<!ENTITY`` are spelt in ``codec``.

    Each character may be any byte sequence that the codec encodes it to or, for single
    bytes, decodes to it (so a code page that maps two bytes to one letter is covered).

    Returns:
        None when the keywords cannot be written in ``codec`` at all.

    Raises:
        _Unsearchable: ``codec`` is not a text encoding, or spells characters in ways a
            pattern cannot enumerate.
    """
    if codec in _UNSEARCHABLE:
        raise _Unsearchable
    probe = "".join(_KEYWORDS)
    singles: dict[str, set[bytes]] = {}
    try:
        whole = probe.encode(codec)
        if b"".join(ch.encode(codec) for ch in probe) != whole or whole.decode(codec) != probe:
            raise _Unsearchable
        for value in range(256):
            byte = bytes([value])
            try:
                singles.setdefault(byte.decode(codec), set()).add(byte)
            except (UnicodeError, ValueError):
                continue
    except (LookupError, UnicodeError, ValueError, TypeError):
        raise _Unsearchable from None

    def forms(ch: str) -> set[bytes]:
        found: set[bytes] = set()
        for variant in {ch.lower(), ch.upper()}:
            found |= singles.get(variant, set())
            try:
                found.add(variant.encode(codec))
            except UnicodeError:
                continue
        return found

    alternatives: list[bytes] = []
    longest = 0
    for keyword in _KEYWORDS:
        units: list[bytes] = []
        length = 0
        for ch in keyword:
            spelt = sorted(forms(ch))
            if not spelt:
                break
            if len(spelt) == 1:
                units.append(re.escape(spelt[0]))
            elif all(len(form) == 1 for form in spelt):
                units.append(b"[" + b"".join(re.escape(form) for form in spelt) + b"]")
            else:
                units.append(b"(?:" + b"|".join(re.escape(form) for form in spelt) + b")")
            length += max(map(len, spelt))
        else:
            alternatives.append(b"".join(units))
            longest = max(longest, length)
    if not alternatives:
        return None
    shared = set.intersection(*(set(form) for form in forms("!")))
    needle = bytes([max(shared)]) if shared else None  # max: not the NUL of UTF-16
    return _Spelling(re.compile(b"|".join(alternatives)), longest, needle)


@functools.lru_cache(maxsize=64)
def _plan(family: tuple[str, ...], declared: str | None, nul: bool) -> _Plan:
    """How to scan a part read as ``family``, declaring ``declared``, NULs in its head."""
    wanted = list(family)
    declared_codecs: tuple[str, ...] = ()
    if declared is not None:
        try:
            declared_codecs = _canonical(declared)
        except LookupError:
            return _Plan((), 0, None, f"declares the encoding {declared!r}, unknown to kpixl")
        wanted += declared_codecs
    if nul:
        wanted += _WIDE
    spellings: dict[bytes, _Spelling] = {}
    for codec in dict.fromkeys(wanted):
        try:
            found = _spelling(codec)
        except _Unsearchable:
            return _Plan(
                (), 0, None, f"declares the encoding {declared!r}, which kpixl cannot check"
            )
        if found is not None:
            spellings.setdefault(found.pattern.pattern, found)
    overlap = max((found.longest - 1 for found in spellings.values()), default=0)
    # The declaration chooses the encoding within the family the first bytes imply; in
    # UTF-16/32 it can only repeat the family.
    codec = declared_codecs[0] if family == ("cp037",) and declared_codecs else family[0]
    transcode = None if _ascii_transparent(codec) else codec
    return _Plan(tuple(spellings.values()), overlap, transcode)


class _EntitiesFound(Exception):
    """An XML part declares a DOCTYPE (expat's view, behind the byte scan)."""


def _refuse_doctype(*_args: object) -> None:
    raise _EntitiesFound


def _well_formed_parser() -> expat.XMLParserType:
    """An expat parser with no per-element callbacks: it only proves well-formedness."""
    # ElementTree, and so openpyxl, separates with "}": the same namespace URIs pass.
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    return parser


# Possessive: a tag name that is not wanted fails at once instead of backtracking.
_NCNAME = rb"[^\s<>/:=\"'!?]++"
_QNAME_PREFIX = rb"(?:(?P<prefix>" + _NCNAME + rb"):)?"
_TAG_REST = rb"(?=[\s/>])(?P<attrs>(?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+)>"
_XMLNS = re.compile(
    rb"xmlns(?::(?P<prefix>" + _NCNAME + rb"))?[ \t\r\n]*=[ \t\r\n]*"
    rb"(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)')"
)
_ATTRIBUTE = re.compile(rb"""([^\s=/]+)[ \t\r\n]*=[ \t\r\n]*(?:"([^"]*)"|'([^']*)')""")
_MAX_TAG = 16 * _KIB
"""Longest tag still recognised when a chunk boundary cuts it."""
_MAX_PREFIXES = 256
"""Prefixes remembered per namespace: a bound on what a hostile part can make kpixl hold."""


def _tags(*local_names: bytes, end_tags: bool = False) -> re.Pattern[bytes]:
    """The start tags (and with ``end_tags`` the end tags) of elements by local name."""
    longest_first: list[bytes] = sorted(local_names, key=len, reverse=True)
    names = b"|".join(longest_first)
    end = rb"(?P<end>/?)" if end_tags else b""
    return re.compile(b"<" + end + _QNAME_PREFIX + b"(?P<local>" + names + b")" + _TAG_REST)


def _attribute(attrs: bytes, name: bytes) -> str:
    """The value of the unprefixed attribute ``name`` in a tag's attribute text, or ``""``."""
    for match in _ATTRIBUTE.finditer(attrs):
        if match.group(1) == name:
            value = match.group(2) if match.group(2) is not None else match.group(3)
            return unescape(value)
    return ""


def _unfinished_tag(window: bytes) -> bytes:
    """The tag a chunk ends in the middle of, to be joined to the next chunk."""
    start = window.rfind(b"<")
    if start < 0 or window.find(b">", start) >= 0 or len(window) - start > _MAX_TAG:
        return b""
    return window[start:]


class _Features:
    """Notes, from a part's markup as bytes, what openpyxl would not carry across.

    Elements are matched by local name with any prefix. A prefix stands for a namespace
    when the tag itself binds it to that namespace's URI, or else when the part has bound
    it to that URI anywhere up to the end of the chunk: scopes are not tracked (a part
    binds a prefix to one URI in practice), and the approximation errs towards reporting.
    Text in comments and CDATA is scanned like markup, with the same bias.
    """

    NAMESPACES: frozenset[bytes] = frozenset()
    """The namespace URIs whose prefixes are tracked."""

    def __init__(self, labels: set[str]) -> None:
        """Note into ``labels``."""
        self._labels = labels
        self._carry = b""
        self._prefixes: dict[bytes, set[bytes]] = {uri: set() for uri in self.NAMESPACES}

    def feed(self, data: bytes) -> None:
        """Scan the next chunk (UTF-8 or ASCII-compatible)."""
        window = self._carry + data if self._carry else data
        self._scan(window)
        self._carry = _unfinished_tag(window)

    def _scan(self, window: bytes) -> None:
        raise NotImplementedError

    def _declare(self, window: bytes, start: int, stop: int) -> None:
        for match in _XMLNS.finditer(window, start, stop):
            uri = match.group("dq") if match.group("dq") is not None else match.group("sq")
            prefixes = self._prefixes.get(uri)
            if prefixes is not None and len(prefixes) < _MAX_PREFIXES:
                prefixes.add(match.group("prefix") or b"")

    def _bound(self, uri: bytes, tag: re.Match[bytes]) -> bool:
        """Whether the tag's prefix stands for ``uri`` (its own attributes may rebind it)."""
        prefix = tag.group("prefix") or b""
        for declaration in _XMLNS.finditer(tag.group("attrs")):
            if (declaration.group("prefix") or b"") == prefix:
                found = declaration.group("dq")
                return (found if found is not None else declaration.group("sq")) == uri
        return prefix in self._prefixes[uri]


_WS_TAGS = _tags(*WORKSHEET_ELEMENTS, b"sheetData")
_TAG_CLOSE = re.compile(rb"[ \t\r\n]*>")
_END_TAG_OPEN = re.compile(rb"</(?:" + _NCNAME + rb":)?")


class _WorksheetFeatures(_Features):
    """A worksheet's dropped elements (main namespace), each ``ext`` by its ``uri``.

    The cells (``<sheetData>``) are skipped with one literal search: they are nearly all
    of the bytes, and the schema puts everything openpyxl drops outside them.
    """

    NAMESPACES = frozenset({_MAIN_NS})

    def __init__(self, labels: set[str]) -> None:
        """Note into ``labels``."""
        super().__init__(labels)
        self._in_cells = False

    def _scan(self, window: bytes) -> None:
        pos = 0
        while True:
            if self._in_cells:
                pos = self._cells_end(window, pos)
                if pos < 0:
                    return
                self._in_cells = False
            declared = pos
            for match in _WS_TAGS.finditer(window, pos):
                self._declare(window, declared, match.end())
                declared = match.end()
                local = match.group("local")
                if local == b"sheetData":
                    if match.group("attrs").endswith(b"/"):
                        continue
                    self._in_cells = True
                    pos = match.end()
                    break
                if self._bound(_MAIN_NS, match):
                    self._note(local, match.group("attrs"))
            else:
                self._declare(window, declared, len(window))
                return

    @staticmethod
    def _cells_end(window: bytes, pos: int) -> int:
        """Where the end tag of the cells ends in ``window``, or -1.

        The last ``sheetData`` of the window is tried first: the end tag is near the end
        of the part, and searching backwards reads only what follows it.
        """
        last = window.rfind(b"sheetData", pos)
        if last < 0:
            return -1
        end = _WorksheetFeatures._end_tag_at(window, last)
        while end < 0 and (found := window.find(b"sheetData", pos, last)) >= 0:
            end = _WorksheetFeatures._end_tag_at(window, found)
            pos = found + len(b"sheetData")
        return end

    @staticmethod
    def _end_tag_at(window: bytes, name: int) -> int:
        """The end of the ``sheetData`` end tag whose name starts at ``name``, or -1."""
        close = _TAG_CLOSE.match(window, name + len(b"sheetData"))
        opening = window.rfind(b"<", 0, name)
        if close and opening >= 0 and _END_TAG_OPEN.fullmatch(window, opening, name):
            return close.end()
        return -1

    def _note(self, local: bytes, attrs: bytes) -> None:
        label = WORKSHEET_ELEMENTS[local]
        if label is None:
            uri = _attribute(attrs, b"uri").strip().upper()
            label = EXTENSION_LABELS.get(uri, OTHER_EXTENSION.format(uri=uri or "?"))
        self._labels.add(label)


_DRAWING_TAGS = _tags(*DRAWING_ELEMENTS, b"graphicData", b"Fallback", end_tags=True)


class _DrawingFeatures(_Features):
    """A drawing's shapes, ink, images (without Pillow) and non-chart graphic frames.

    What sits in an ``mc:Fallback`` is skipped: it stands in for the ``mc:Choice`` next to
    it (a slicer's fallback is a shape) and is not what Excel shows.
    """

    NAMESPACES = frozenset({_XDR_NS, _A_NS, _MC_NS})

    def __init__(self, labels: set[str], pillow: bool) -> None:
        """Note into ``labels``; with ``pillow``, openpyxl keeps images."""
        super().__init__(labels)
        self._pillow = pillow
        self._fallback_depth = 0

    def _scan(self, window: bytes) -> None:
        self._declare(window, 0, len(window))
        for match in _DRAWING_TAGS.finditer(window):
            local = match.group("local")
            closing = bool(match.group("end"))
            if local == b"Fallback":
                if not self._bound(_MC_NS, match):
                    continue
                if closing:
                    self._fallback_depth = max(self._fallback_depth - 1, 0)
                elif not match.group("attrs").endswith(b"/"):
                    self._fallback_depth += 1
            elif closing or self._fallback_depth:
                continue
            elif local == b"graphicData":
                if self._bound(_A_NS, match):
                    uri = _attribute(match.group("attrs"), b"uri")
                    if uri != CHART_URI:
                        self._labels.add(GRAPHIC_LABELS.get(uri, OTHER_DRAWING))
            elif self._bound(_XDR_NS, match) and not (local == b"pic" and self._pillow):
                self._labels.add(DRAWING_ELEMENTS[local])


_VML_OBJECT_TYPE = re.compile(rb"""ObjectType\s*=\s*["']?([A-Za-z]+)""")


class _VmlFeatures(_Features):
    """Form controls in VML: any ``ObjectType`` but ``Note`` (openpyxl rebuilds only the
    VML of cell notes). VML is not reliably well-formed XML, so it is never parsed."""

    def _scan(self, window: bytes) -> None:
        for match in _VML_OBJECT_TYPE.finditer(window):
            if match.group(1).lower() != b"note":
                self._labels.add(FORM_CONTROLS)


class _PartScanner:
    """One part streaming past: declarations refused, well-formedness, features noted.

    Args:
        name: The part's name, for messages.
        well_formed: Stream the part through expat too.
        features: What notes dropped features, or None.
        markup_only: The part is not XML by name or content type: scan it only if its
            first bytes are markup (a part a relationship names is parsed whatever its
            name), never a binary part such as an image.
    """

    def __init__(
        self,
        name: str,
        *,
        well_formed: bool = False,
        features: _Features | None = None,
        markup_only: bool = False,
    ) -> None:
        """Start scanning a part."""
        self._name = name
        self._parser = _well_formed_parser() if well_formed else None
        self._features = features
        self._markup_only = markup_only
        self._head = b""
        self._plan: _Plan | None = None
        self._tail = b""
        self._decoder: codecs.IncrementalDecoder | None = None

    def feed(self, data: bytes) -> None:
        """Take the next chunk of the part.

        Raises:
            UnusableFile: ``file-xml-entities`` or ``file-corrupt``.
        """
        if self._plan is None:
            self._head += data
            if len(self._head) < _HEAD_BYTES:
                return
            data, self._head = self._head, b""
            self._start(data)
        self._scan(data)

    def close(self) -> None:
        """The part is complete.

        Raises:
            UnusableFile: ``file-xml-entities`` or ``file-corrupt``.
        """
        if self._plan is None:
            data, self._head = self._head, b""
            self._start(data)
            self._scan(data)
        if self._parser is not None:
            self._parse(b"", final=True)
        if self._decoder is not None and self._features is not None:
            self._features.feed(self._decoder.decode(b"", final=True).encode("utf-8", "replace"))

    def _start(self, head: bytes) -> None:
        declared: str | None = None
        if head.startswith(b"<") and not head.startswith((b"<?", b"<\x00")):
            family = _DEFAULT_FAMILY  # the common case: UTF-8, no XML declaration
        else:
            sniffed = next((found for first, found in _SNIFF if head.startswith(first)), None)
            if (
                sniffed is None
                and self._markup_only
                and not head.lstrip(b" \t\r\n").startswith(b"<")
            ):
                self._plan = _NO_SCAN
                return
            family = sniffed or _DEFAULT_FAMILY
            text = head[:_HEAD_BYTES].decode(family[0], "replace").lstrip("\ufeff")
            if declaration := _XML_DECL.match(text):
                declared = declaration.group(1)
        plan = _plan(family, declared, b"\x00" in head[:_HEAD_BYTES])
        if plan.error is not None:
            raise _corrupt(f"{self._name} {plan.error}")
        self._plan = plan
        if plan.transcode is not None and self._features is not None:
            self._decoder = codecs.getincrementaldecoder(plan.transcode)("replace")

    def _scan(self, data: bytes) -> None:
        plan = self._plan
        assert plan is not None
        if plan.spellings:
            tail = self._tail
            joint = tail + data[: plan.overlap] if tail else b""
            for spelling in plan.spellings:
                needle, search = spelling.needle, spelling.pattern.search
                if ((needle is None or needle in data) and search(data)) or (
                    joint and search(joint)
                ):
                    raise UnusableFile("file-xml-entities")
            self._tail = (tail + data if len(data) < plan.overlap else data)[-plan.overlap :]
        if self._parser is not None:
            self._parse(data, final=False)
        if self._features is not None:
            if self._decoder is not None:
                data = self._decoder.decode(data).encode("utf-8", "replace")
            self._features.feed(data)

    def _parse(self, data: bytes, final: bool) -> None:
        assert self._parser is not None
        try:
            self._parser.Parse(data, final)
        except _EntitiesFound:
            raise UnusableFile("file-xml-entities") from None
        except expat.ExpatError as exc:
            raise _corrupt(f"{self._name} is not well-formed XML: {exc}") from None


def _part_scanner(name: str, content_type: str, labels: set[str], pillow: bool) -> _PartScanner:
    """The scanner of one part, by its name and content type."""
    if name.lower().endswith(".vml") or content_type == _VML_CT:
        return _PartScanner(name, features=_VmlFeatures(labels))
    if not is_xml_part(name, content_type):
        return _PartScanner(name, markup_only=True)
    if content_type == _WORKSHEET_CT:
        return _PartScanner(name, features=_WorksheetFeatures(labels))
    if content_type == _SHARED_STRINGS_CT:
        return _PartScanner(name)
    features = _DrawingFeatures(labels, pillow) if content_type == _DRAWING_CT else None
    return _PartScanner(name, well_formed=True, features=features)


# --------------------------------------------------------------------------------------
# the zip container
# --------------------------------------------------------------------------------------

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_CENTRAL_HEADER = struct.Struct("<4s6H3L5H2L")
_STORED = (0x800, zipfile.ZIP_STORED, 0, 0x21)
"""A stored part's flags (UTF-8 name), method and time (1980-01-01 00:00)."""
_END_RECORD = struct.Struct("<4s4H2LH")


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
    if not 0 <= info.header_offset <= file_size - _LOCAL_HEADER.size:
        raise _corrupt(f"{name}: the local header lies outside the file")
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


def is_xml_part(name: str, content_type: str) -> bool:
    """Whether a part is XML, by its name or its (lower-case) content type."""
    lowered = name.lower()
    return (
        lowered.endswith((".xml", ".rels"))
        or content_type.endswith("+xml")
        or content_type in ("application/xml", "text/xml")
    )


def _open_zip(fh: BinaryIO) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise _corrupt(f"the zip directory is missing or damaged ({exc})") from None
    except NotImplementedError as exc:
        raise _corrupt(f"unsupported zip feature ({exc})") from None


@functools.cache
def _pillow() -> bool:
    """Whether Pillow is installed (openpyxl then keeps images)."""
    return importlib.util.find_spec("PIL") is not None


def _tee(*sinks: Callable[[bytes], None]) -> Callable[[bytes], None]:
    def feed(data: bytes) -> None:
        for sink in sinks:
            sink(data)

    return feed


def inspect_workbook(
    path: Path | str,
    limits: Limits = Limits(),
    *,
    keep: Callable[[str, str], bool] | None = None,
) -> Container:
    """Inspect a workbook's file container before it is opened.

    Args:
        path: The file a division returned.
        limits: The size limits (the defaults suit KPI workbooks).
        keep: Which parts to hand on inflated in :attr:`Container.parts`, by part name
            (as stored in the zip) and lower-case content type (``""`` when the package
            gives none), so that a reader need not inflate them again (such as
            :func:`is_xml_part`: every part a spreadsheet reader parses). None keeps none.

    Returns:
        What was learnt: macro-enabled or not, the part names, what openpyxl would not
        carry across to an annotated copy, and the kept parts.

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
            raise _classify_compound_file(fh, file_size, limits)
        if not magic.startswith(_ZIP_MAGIC):
            raise UnusableFile("file-not-workbook")
        if file_size > limits.max_file_bytes:
            raise _too_large(
                f"the file is {_mib(file_size)}, more than {_mib(limits.max_file_bytes)}"
            )
        with _open_zip(fh) as archive:
            infos = archive.infolist()
        return _inspect_zip(fh, file_size, infos, limits, keep)


_ODS_ADVICE = {
    "advice": " — ไฟล์นี้เป็นแบบ OpenDocument (.ods) ของ LibreOffice: เปิดไฟล์แล้วเลือก ไฟล์ > "
    "บันทึกเป็น (Save As) ชนิด “Excel 2007-365 (.xlsx)” แล้วส่งใหม่",
    "advice_en": ": it is an OpenDocument spreadsheet (.ods) from LibreOffice; open it, choose "
    "File > Save As, type “Excel 2007-365 (.xlsx)”, and send it again",
}
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _not_workbook(fh: BinaryIO, parts: Mapping[str, zipfile.ZipInfo]) -> UnusableFile:
    """``file-not-workbook``, telling a division how to save an OpenDocument file as .xlsx."""
    mimetype = parts.get("mimetype")
    if mimetype is not None and mimetype.file_size <= 200:
        try:
            with zipfile.ZipFile(fh) as archive:
                if archive.read(mimetype.filename).strip() == _ODS_MIMETYPE:
                    return UnusableFile("file-not-workbook", _ODS_ADVICE)
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
            pass
    return UnusableFile("file-not-workbook")


_TEMPLATE_PART_BYTES = 64 * _KIB
"""The largest part whose scan is remembered (:func:`_scanned`)."""


def _from_template(content_type: str, info: zipfile.ZipInfo) -> bool:
    """Whether a part is one a template brings and a division does not fill in: not a
    worksheet or the shared strings (the cells), and small. Those come back byte for byte
    in every workbook of a round made from one template (its styles, theme, workbook,
    relationships, properties)."""
    return (
        content_type not in (_WORKSHEET_CT, _SHARED_STRINGS_CT)
        and info.file_size <= _TEMPLATE_PART_BYTES
    )


@functools.lru_cache(maxsize=64)
def _scanned(name: str, content_type: str, pillow: bool, data: bytes) -> frozenset[str]:
    """What scanning part ``name`` (inflated: ``data``) notes, as :func:`_part_scanner`'s
    scanner does; remembered by the part's very bytes, so that a part that comes back
    unchanged in workbook after workbook (:func:`_from_template`) is scanned once. A part
    refused (``file-xml-entities``, ``file-corrupt``) raises every time: nothing is
    remembered of it.

    Raises:
        UnusableFile: what the scanner raises.
    """
    noted: set[str] = set()
    scanner = _part_scanner(name, content_type, noted, pillow)
    scanner.feed(data)
    scanner.close()
    return frozenset(noted)


def _inspect_zip(
    fh: BinaryIO,
    file_size: int,
    infos: list[zipfile.ZipInfo],
    limits: Limits,
    keep: Callable[[str, str], bool] | None,
) -> Container:
    """Inspect an opened zip package (see :func:`inspect_workbook`)."""
    lowered: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        key = info.filename.lower()
        if key in lowered:
            raise _corrupt(f"the part {info.filename} is stored twice")
        lowered[key] = info
    if "[content_types].xml" not in lowered:
        raise _not_workbook(fh, lowered)
    _check_declared(infos, limits)
    budget = _Budget(limits)

    ct_info = lowered["[content_types].xml"]
    chunks: list[bytes] = []
    _stream_part(fh, ct_info, file_size, budget, chunks.append)
    ct_data = b"".join(chunks)
    types = _ContentTypes(ct_data)
    workbook = types.workbook_part(set(lowered))
    if workbook is None:
        raise UnusableFile("file-not-workbook")
    if workbook not in lowered:
        raise _corrupt(f"the workbook part {workbook} is missing")

    kept: dict[str, bytes] = {}
    checksums: dict[str, int] = {}
    if keep is not None and keep(ct_info.filename, types.of(ct_info.filename)):
        kept[ct_info.filename] = ct_data
        checksums[ct_info.filename] = ct_info.CRC
    pillow = _pillow()
    labels: set[str] = set()
    macro = False
    for info in sorted(infos, key=lambda i: i.header_offset):
        name = info.filename
        if info is ct_info or name.endswith("/"):
            continue
        content_type = types.of(name)
        lname = name.lower()
        macro = macro or content_type in _MACRO_CTS or lname == "xl/vbaproject.bin"
        if content_type in CONTENT_TYPE_LABELS:
            labels.add(CONTENT_TYPE_LABELS[content_type])
        if lname.startswith(LABELLED_PREFIXES):
            labels.update(label for prefix, label in PREFIX_LABELS if lname.startswith(prefix))
        if keep is not None and keep(name, content_type):
            chunks = []
            if _from_template(content_type, info):
                _stream_part(fh, info, file_size, budget, chunks.append)
                kept[name] = b"".join(chunks)
                labels.update(_scanned(name, content_type, pillow, kept[name]))
            else:
                scanner = _part_scanner(name, content_type, labels, pillow)
                _stream_part(fh, info, file_size, budget, _tee(chunks.append, scanner.feed))
                scanner.close()
                kept[name] = b"".join(chunks)
            checksums[name] = info.CRC
        else:
            scanner = _part_scanner(name, content_type, labels, pillow)
            _stream_part(fh, info, file_size, budget, scanner.feed)
            scanner.close()
    return Container(
        macro_enabled=macro,
        part_names=tuple(info.filename for info in infos),
        unsupported_parts=tuple(describe(label) for label in sorted(labels)),
        parts=MappingProxyType(kept),
        checksums=MappingProxyType(checksums),
    )
