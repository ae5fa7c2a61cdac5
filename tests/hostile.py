"""Hostile and broken workbook files, made at test time (no committed binaries).

Every function takes a directory and returns the path of the file it wrote there:

* :func:`plain_xlsx` -- a normal xlsxwriter workbook (the control).
* :func:`not_a_zip` -- a text file named ``.xlsx``.
* :func:`legacy_xls` -- a real BIFF8 ``.xls`` written by LibreOffice (``soffice
  --convert-to xls`` of an xlsxwriter workbook), renamed ``.xlsx``.
* :func:`synthetic_xls` -- a minimal BIFF8 workbook in a compound file written by
  :func:`compound_file` (LibreOffice opens it), renamed ``.xlsx``.
* :func:`encrypted_xlsx` -- a real password-protected workbook: msoffcrypto-tool encrypts an
  xlsxwriter workbook with :data:`PASSWORD` (ECMA-376 agile encryption, as Excel does).
* :func:`synthetic_encrypted_xlsx` -- an OOXML package encrypted the way Excel stores it (a
  compound file with ``EncryptionInfo``, ``EncryptedPackage`` and the ``\\x06DataSpaces``
  storage) but with a stand-in cipher and dummy keys, written by :func:`compound_file`: the
  stream names alone must tell. (LibreOffice 7.4 cannot export an encrypted .xlsx: the
  filter's ``EncryptionPassword`` option is ignored and UNO's ``EncryptionData`` fails.)
* :func:`encrypted_xls` -- a real password-protected legacy ``.xls``: LibreOffice stores an
  xlsxwriter workbook as "MS Excel 97" with :data:`PASSWORD`, through UNO (``soffice
  --convert-to`` cannot set a password), renamed ``.xlsx``.
* :func:`truncated_xlsx` -- a workbook cut in half.
* :func:`crc_corrupt_xlsx` -- a workbook whose stored sheet has one byte changed.
* :func:`entity_xlsx` -- a valid workbook whose ``sharedStrings.xml`` (or another part)
  declares entities: the billion laughs; in any encoding, with or without a byte-order
  mark.
* :func:`split_declaration_xlsx` -- a part whose ``<!DOCTYPE`` straddles the 64 KiB
  boundary at which parts are inflated.
* :func:`zip_bomb` -- a ~100 KiB zip whose sheet inflates to 80 MiB, sizes declared
  honestly.
* :func:`lying_zip_bomb` -- the same sheet, but the zip headers declare 2 KiB.
* :func:`lying_size_xlsx` -- a sheet that inflates to a few bytes more than declared.
* :func:`macro_xlsm` -- a ``.xlsm`` with ``xl/vbaProject.bin`` and the macro content type.
* :func:`docx_like` -- a zip that is an OOXML word-processing document, named ``.xlsx``.
* :func:`feature_xlsx` -- an xlsxwriter workbook with the features named in ``features``
  (charts, images, text boxes, sparklines, …) for the ``unsupported_parts`` tests.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from msoffcrypto.format.ooxml import OOXMLFile

PASSWORD = "kpixl-2568"
"""The password of the encrypted fixtures."""

# --------------------------------------------------------------------------------------
# a normal workbook
# --------------------------------------------------------------------------------------


def _write_plain(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("ข้อมูล")
    sheet.write_row(0, 0, ["ตัวชี้วัด", "ค่า"])
    for row in range(1, 21):
        sheet.write_row(row, 0, [f"KPI {row}", row * 1.5])
    sheet.write_formula(21, 1, "=SUM(B2:B21)")
    workbook.close()
    return path


def plain_xlsx(directory: Path, name: str = "plain.xlsx") -> Path:
    """A normal small workbook written by xlsxwriter."""
    return _write_plain(directory / name)


def not_a_zip(directory: Path) -> Path:
    """A text file named ``.xlsx``."""
    path = directory / "notes.xlsx"
    path.write_text("ตัวชี้วัด,ค่า\nKPI 1,1.5\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------
# OLE2 compound files
# --------------------------------------------------------------------------------------

CompoundTree = Mapping[str, Any]
"""A storage: stream name -> bytes, or storage name -> a nested storage (a mapping)."""

_FREE = 0xFFFFFFFF
_END = 0xFFFFFFFE
_FATSECT = 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
_SECTOR = 512
_MINI = 64
_CUTOFF = 4096


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[int] | None = None
    start: int = _END
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM


def compound_file(tree: CompoundTree) -> bytes:
    """A version 3 compound file (MS-CFB) holding ``tree``.

    Streams under 4096 bytes go to the mini stream, as the format requires. Each storage's
    children are linked as a right-leaning chain of black nodes sorted the MS-CFB way
    (length, then upper-case name). FAT sectors are listed in the header only, so the file
    may hold up to 109 FAT sectors (about 7 MiB).
    """
    entries: list[_Entry] = [_Entry("Root Entry", 5, children=[])]

    def add(storage: int, subtree: CompoundTree) -> None:
        kids = entries[storage].children
        assert kids is not None
        for name, value in subtree.items():
            index = len(entries)
            if isinstance(value, bytes):
                entries.append(_Entry(name, 2, data=value))
                kids.append(index)
            else:
                entries.append(_Entry(name, 1, children=[]))
                kids.append(index)
                add(index, value)

    add(0, tree)
    for entry in entries:
        if entry.children:
            ordered = sorted(
                entry.children, key=lambda i: (len(entries[i].name), entries[i].name.upper())
            )
            entry.child = ordered[0]
            for a, b in itertools.pairwise(ordered):
                entries[a].right = b

    # the mini stream
    mini = bytearray()
    mini_fat: list[int] = []
    for entry in entries:
        if entry.kind == 2 and 0 < len(entry.data) < _CUTOFF:
            first = len(mini) // _MINI
            count = -(-len(entry.data) // _MINI)
            entry.start = first
            mini_fat.extend(range(first + 1, first + count))
            mini_fat.append(_END)
            mini += entry.data.ljust(count * _MINI, b"\0")
    big = [e for e in entries if e.kind == 2 and len(e.data) >= _CUTOFF]

    def sectors(n: int) -> int:
        return -(-n // _SECTOR)

    dir_sectors = sectors(len(entries) * 128)
    minifat_sectors = sectors(len(mini_fat) * 4)
    ministream_sectors = sectors(len(mini))
    big_sectors = sum(sectors(len(e.data)) for e in big)
    payload = dir_sectors + minifat_sectors + ministream_sectors + big_sectors
    fat_sectors = 1
    while fat_sectors * (_SECTOR // 4) < payload + fat_sectors:
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("compound_file: too large for a header-only FAT")

    fat: list[int] = [_FATSECT] * fat_sectors
    body = bytearray()

    def place(data: bytes) -> int:
        first = len(fat)
        count = sectors(len(data))
        fat.extend(range(first + 1, first + count))
        fat.append(_END)
        body.extend(data.ljust(count * _SECTOR, b"\0"))
        return first

    first_dir_placeholder = len(fat)
    body_dir_offset = len(body)
    place(b"\0" * (dir_sectors * _SECTOR))  # filled in below
    first_minifat = place(b"".join(struct.pack("<I", v) for v in mini_fat)) if mini_fat else _END
    if mini:
        entries[0].start = place(bytes(mini))
        entries[0].data = bytes(mini)
    for entry in big:
        entry.start = place(entry.data)

    directory = bytearray()
    for entry in entries:
        raw_name = (entry.name + "\0").encode("utf-16-le")
        if len(raw_name) > 64:
            raise ValueError(f"compound_file: name too long: {entry.name!r}")
        size = len(entry.data) if entry.kind in (2, 5) else 0
        start = entry.start if size else (_END if entry.kind in (2, 5) else 0)
        directory += raw_name.ljust(64, b"\0")
        directory += struct.pack("<HBB", len(raw_name), entry.kind, 1)
        directory += struct.pack("<III", entry.left, entry.right, entry.child)
        directory += b"\0" * 16 + b"\0" * 4 + b"\0" * 16  # clsid, state bits, times
        directory += struct.pack("<IQ", start, size)
    while len(directory) % _SECTOR:
        directory += (
            (b"\0" * 64)
            + struct.pack("<HBB", 0, 0, 0)
            + struct.pack("<III", _NOSTREAM, _NOSTREAM, _NOSTREAM)
            + b"\0" * 48
        )
    body[body_dir_offset : body_dir_offset + len(directory)] = directory

    fat.extend([_FREE] * (fat_sectors * (_SECTOR // 4) - len(fat)))
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat)

    header = bytearray()
    header += b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    header += b"\0" * 6
    header += struct.pack(
        "<IIIIIIIII",
        0,  # directory sectors (0 in version 3)
        fat_sectors,
        first_dir_placeholder,
        0,  # transaction signature
        _CUTOFF,
        first_minifat,
        minifat_sectors,
        _END,  # first DIFAT sector
        0,  # DIFAT sectors
    )
    header += b"".join(struct.pack("<I", i) for i in range(fat_sectors))
    header += struct.pack("<I", _FREE) * (109 - fat_sectors)
    assert len(header) == _SECTOR
    return bytes(header) + fat_bytes + bytes(body)


def _biff_record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def biff8_workbook() -> bytes:
    """A minimal BIFF8 ``Workbook`` stream: one sheet ``Sheet1`` with 42 in A1."""
    bof_globals = _biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6))
    codepage = _biff_record(0x0042, struct.pack("<H", 1200))
    name = b"Sheet1"
    eof = _biff_record(0x000A)

    def boundsheet(offset: int) -> bytes:
        return _biff_record(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 0) + name)

    globals_size = len(bof_globals) + len(codepage) + len(boundsheet(0)) + len(eof)
    sheet = (
        _biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
        + _biff_record(0x0200, struct.pack("<IIHHH", 0, 1, 0, 1, 0))
        + _biff_record(0x0203, struct.pack("<HHHd", 0, 0, 0, 42.0))
        + eof
    )
    stream = bof_globals + codepage + boundsheet(globals_size) + eof + sheet
    return stream.ljust(_CUTOFF, b"\0")  # Excel pads the Workbook stream to 4096 bytes


def synthetic_xls(directory: Path) -> Path:
    """A minimal real BIFF8 workbook in a compound file, named ``.xlsx``."""
    path = directory / "synthetic-legacy.xlsx"
    path.write_bytes(compound_file({"Workbook": biff8_workbook()}))
    return path


def soffice() -> str:
    """The LibreOffice executable (``KPIXL_SOFFICE`` overrides); RuntimeError if missing."""
    found = os.environ.get("KPIXL_SOFFICE") or shutil.which("soffice")
    if not found:
        raise RuntimeError("LibreOffice (soffice) is needed: see tests/LIBREOFFICE.md")
    return found


def convert_with_soffice(src: Path, out_dir: Path, target: str) -> Path:
    """Convert ``src`` with ``soffice --headless --convert-to target`` into ``out_dir``.

    Each run gets a private, throw-away LibreOffice profile so that concurrent runs do not
    share one.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kpixl-hostile-lo-") as profile:
        result = subprocess.run(
            [
                soffice(),
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--nolockcheck",
                "--convert-to",
                target,
                "--outdir",
                str(out_dir),
                str(src),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    produced = out_dir / f"{src.stem}.{target.split(':', 1)[0]}"
    if not produced.exists():
        raise RuntimeError(
            f"soffice did not convert {src}: {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return produced


def legacy_xls(directory: Path) -> Path:
    """A real legacy ``.xls`` made by LibreOffice from an xlsxwriter workbook, renamed ``.xlsx``."""
    work = directory / "lo-work"
    work.mkdir(exist_ok=True)
    source = _write_plain(work / "legacy-source.xlsx")
    produced = convert_with_soffice(source, work, "xls")
    path = directory / "legacy.xlsx"
    produced.replace(path)
    return path


_AGILE_ENCRYPTION_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
    b'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
    b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
    b'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
    b'saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
    b'<dataIntegrity encryptedHmacKey="AAAAAAAAAAAAAAAAAAAAAA==" '
    b'encryptedHmacValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
    b'<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
    b'<p:encryptedKey spinCount="100000" saltSize="16" blockSize="16" keyBits="256" '
    b'hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" '
    b'hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA==" '
    b'encryptedVerifierHashInput="AAAAAAAAAAAAAAAAAAAAAA==" '
    b'encryptedVerifierHashValue="AAAAAAAAAAAAAAAAAAAAAA==" '
    b'encryptedKeyValue="AAAAAAAAAAAAAAAAAAAAAA=="/></keyEncryptor></keyEncryptors>'
    b"</encryption>"
)


def synthetic_encrypted_xlsx(directory: Path) -> Path:
    """A password-protected OOXML workbook, as Excel stores one (synthetic cipher text)."""
    package = _write_plain(directory / "encrypted-source.xlsx").read_bytes()
    padded = package.ljust(-(-len(package) // 16) * 16, b"\0")
    cipher = bytes(b ^ 0xA5 for b in padded)  # stands in for AES: nothing reads it
    info = struct.pack("<HHI", 4, 4, 0x40) + _AGILE_ENCRYPTION_XML
    utf16 = "StrongEncryptionDataSpace".encode("utf-16-le")
    tree: CompoundTree = {
        "EncryptionInfo": info,
        "EncryptedPackage": struct.pack("<Q", len(package)) + cipher,
        "\x06DataSpaces": {
            "Version": struct.pack("<I", 60)
            + "Microsoft.Container.DataSpaces".encode("utf-16-le")
            + struct.pack("<HHHHHH", 1, 0, 1, 0, 1, 0),
            "DataSpaceMap": struct.pack("<II", 8, 1) + utf16,
            "DataSpaceInfo": {"StrongEncryptionDataSpace": struct.pack("<II", 8, 1) + utf16},
            "TransformInfo": {"StrongEncryptionTransform": {"\x06Primary": b"\x58\x00\x00\x00"}},
        },
    }
    path = directory / "synthetic-encrypted.xlsx"
    path.write_bytes(compound_file(tree))
    (directory / "encrypted-source.xlsx").unlink()
    return path


def encrypted_xlsx(directory: Path) -> Path:
    """A workbook really encrypted with :data:`PASSWORD` by msoffcrypto-tool (agile)."""
    source = _write_plain(directory / "encrypted-xlsx-source.xlsx")
    out = io.BytesIO()
    with source.open("rb") as fh:
        OOXMLFile(fh).encrypt(PASSWORD, out)
    source.unlink()
    path = directory / "encrypted.xlsx"
    path.write_bytes(out.getvalue())
    return path


_UNO_STORE_WITH_PASSWORD = """
import sys, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p

pipe, src, dst, password, filter_name = sys.argv[1:6]
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext(
    "com.sun.star.bridge.UnoUrlResolver", local
)
deadline = time.monotonic() + 60
while True:
    try:
        ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        break
    except NoConnectException:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.2)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
try:
    doc = desktop.loadComponentFromURL(src, "_blank", 0, (prop("Hidden", True),))
    try:
        doc.storeToURL(
            dst,
            (prop("FilterName", filter_name), prop("Password", password), prop("Overwrite", True)),
        )
    finally:
        doc.close(True)
finally:
    try:
        desktop.terminate()
    except Exception:
        pass
"""
"""A UNO client (run by Debian's ``/usr/bin/python3``, which has ``uno``): store a
document with a filter and a password."""


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """End the process group this module started (soffice -> oosplash -> soffice.bin)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)
            return


def store_with_password(
    src: Path, dst: Path, filter_name: str, password: str = PASSWORD, timeout: float = 120.0
) -> Path:
    """Open ``src`` in LibreOffice and store it as ``filter_name`` protected by ``password``.

    soffice runs headless with a private profile, in its own process group, ended
    afterwards; the UNO client runs under ``KPIXL_UNO_PYTHON`` (default
    ``/usr/bin/python3``, Debian package ``python3-uno``). A client killed by a signal (the
    UNO bridge crashes now and then on a loaded machine) is tried once more, with a fresh
    soffice; any other failure is reported at once.
    """
    for attempt in (1, 2):
        client = _store_with_password_once(src, dst, filter_name, password, timeout)
        if client.returncode >= 0 or attempt == 2:
            break
    if client.returncode != 0 or not dst.is_file():
        raise RuntimeError(
            f"LibreOffice did not store {src} as {filter_name} with a password "
            f"(is python3-uno installed for {client.args[0]}?): {client.returncode}\n"
            f"{client.stdout}\n{client.stderr}"
        )
    return dst


def _store_with_password_once(
    src: Path, dst: Path, filter_name: str, password: str, timeout: float
) -> subprocess.CompletedProcess[str]:
    python = os.environ.get("KPIXL_UNO_PYTHON", "/usr/bin/python3")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}
    env.setdefault("SAL_USE_VCLPLUGIN", "svp")
    dst.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="kpixl-hostile-uno-") as tmp:
        pipe = f"kpixl_hostile_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        office = subprocess.Popen(
            [
                soffice(),
                f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}",
                "--headless",
                "--invisible",
                "--nologo",
                "--norestore",
                "--nolockcheck",
                "--nodefault",
                f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        try:
            client = subprocess.run(
                [
                    python,
                    "-I",
                    "-c",
                    _UNO_STORE_WITH_PASSWORD,
                    pipe,
                    src.resolve().as_uri(),
                    dst.resolve().as_uri(),
                    password,
                    filter_name,
                ],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                env=env,
            )
        finally:
            _stop_group(office)
    return client


def encrypted_xls(directory: Path) -> Path:
    """A real legacy ``.xls`` protected by :data:`PASSWORD`, stored by LibreOffice, renamed
    ``.xlsx``."""
    work = directory / "lo-encrypt"
    work.mkdir(exist_ok=True)
    source = _write_plain(work / "encrypted-xls-source.xlsx")
    produced = store_with_password(source, work / "encrypted.xls", "MS Excel 97")
    path = directory / "encrypted-legacy.xlsx"
    produced.replace(path)
    return path


# --------------------------------------------------------------------------------------
# broken and hostile zips
# --------------------------------------------------------------------------------------


def truncated_xlsx(directory: Path) -> Path:
    """A workbook cut in half (an interrupted download)."""
    data = _write_plain(directory / "whole.xlsx").read_bytes()
    path = directory / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def rewrite_parts(
    src: Path, dst: Path, replace: Mapping[str, bytes], stored: Iterable[str] = ()
) -> Path:
    """Copy the zip ``src`` to ``dst``, replacing some parts' bytes.

    Parts named in ``stored`` are stored uncompressed; the others are deflated.
    """
    keep_stored = set(stored)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = replace.get(info.filename, zin.read(info.filename))
            method = zipfile.ZIP_STORED if info.filename in keep_stored else zipfile.ZIP_DEFLATED
            zout.writestr(info.filename, data, compress_type=method)
    return dst


def crc_corrupt_xlsx(directory: Path) -> Path:
    """A workbook whose stored (uncompressed) sheet has one digit changed after zipping.

    The XML stays well-formed and the sizes stay right: only the CRC tells.
    """
    source = _write_plain(directory / "crc-source.xlsx")
    path = rewrite_parts(source, directory / "crc.xlsx", {}, stored=["xl/worksheets/sheet1.xml"])
    data = bytearray(path.read_bytes())
    index = data.index(b"<v>") + len(b"<v>")
    data[index] = ord("7") if data[index] != ord("7") else ord("8")
    path.write_bytes(bytes(data))
    return path


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE sst [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&lol9;</t></si></sst>
"""


def _with_declaration(xml: str, label: str | None) -> str:
    """``xml`` with its XML declaration naming ``label`` (none with ``None``)."""
    body = xml.partition("?>")[2].lstrip() if xml.startswith("<?xml") else xml
    if label is None:
        return body
    return f'<?xml version="1.0" encoding="{label}" standalone="yes"?>\n{body}'


def encode_part(xml: str, codec: str, label: str | None, bom: bytes = b"") -> bytes:
    """A part's text with a declaration naming ``label``, encoded with ``codec``.

    Characters the codec lacks become character references, so any codec gives a
    well-formed part.
    """
    return bom + _with_declaration(xml, label).encode(codec, "xmlcharrefreplace")


def entity_xlsx(
    directory: Path,
    part: str = "xl/sharedStrings.xml",
    *,
    codec: str = "utf-8",
    label: str | None = "UTF-8",
    bom: bytes = b"",
) -> Path:
    """A valid workbook whose ``part`` declares entities (the billion laughs).

    For ``xl/sharedStrings.xml`` the part is the billion-laughs string table; for any other
    part a ``DOCTYPE`` with one internal entity is put before its root element. The part is
    encoded with ``codec`` after ``bom``, its XML declaration naming ``label`` (``None``:
    no declaration).
    """
    source = _write_plain(directory / "entity-source.xlsx")
    with zipfile.ZipFile(source) as archive:
        original = archive.read(part).decode("utf-8")
    if part == "xl/sharedStrings.xml":
        text = BILLION_LAUGHS.decode("ascii")
    else:
        body = _with_declaration(original, None)
        root = body.split(" ", 1)[0].lstrip("<").rstrip(">")
        text = f'<!DOCTYPE {root} [<!ENTITY x "x">]>\n{body}'
    data = encode_part(text, codec, label, bom)
    stem = f"{part.rsplit('/', 1)[-1].replace('.', '-')}-{codec}{'-bom' if bom else ''}"
    return rewrite_parts(source, directory / f"entity-{stem}.xlsx", {part: data})


def split_declaration_xlsx(
    directory: Path,
    start: int,
    part: str = "xl/worksheets/sheet1.xml",
    *,
    codec: str = "utf-8",
    label: str = "UTF-8",
    stored: bool = False,
) -> Path:
    """A workbook whose ``part`` (``codec``, declared ``label``) has its ``<!DOCTYPE`` begin
    at byte ``start``.

    The prolog is padded with blank lines (which XML allows there), so a parser would still
    read the declaration; with ``start`` a few bytes before 65536 the declaration straddles
    the boundary of the 64 KiB chunks in which parts are inflated (for a stored part those
    are the chunks read; a deflated one inflates in chunks of exactly that size too).
    """
    source = _write_plain(directory / "split-source.xlsx")
    with zipfile.ZipFile(source) as archive:
        body = _with_declaration(archive.read(part).decode("utf-8"), None)
    root = body.split(" ", 1)[0].lstrip("<").rstrip(">")
    head = encode_part("", codec, label)
    unit = len("\n".encode(codec))
    padding, remainder = divmod(start - len(head), unit)
    if padding < 0 or remainder:
        raise ValueError(f"split_declaration_xlsx: cannot start the declaration at {start}")
    # An external subset, no internal one: no <!ENTITY follows to give the part away.
    doctype = f'<!DOCTYPE {root} SYSTEM "http://kpixl.invalid/entities.dtd">'
    data = head + ("\n" * padding + f"{doctype}\n{body}").encode(codec, "xmlcharrefreplace")
    assert data.index("<!DOCTYPE".encode(codec)) == start
    name = f"split-{start}-{codec}{'-stored' if stored else ''}.xlsx"
    return rewrite_parts(source, directory / name, {part: data}, stored=[part] if stored else [])


@dataclass
class RawPart:
    """One entry of :func:`write_raw_zip`: compressed bytes and what the headers declare."""

    name: str
    compressed: bytes
    crc: int
    size: int
    method: int = zipfile.ZIP_DEFLATED


def deflated(data: bytes) -> RawPart:
    """Compress ``data`` as a raw deflate stream (name filled in by the caller)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return RawPart("", packer.compress(data) + packer.flush(), zlib.crc32(data), len(data))


def write_raw_zip(path: Path, parts: Iterable[RawPart]) -> Path:
    """Write a zip from already-compressed parts, with exactly the sizes they declare."""
    out = bytearray()
    central = bytearray()
    count = 0
    for part in parts:
        name = part.name.encode("utf-8")
        offset = len(out)
        out += struct.pack(
            "<4s2B4HL2L2H",
            b"PK\x03\x04",
            20,
            0,
            0x800,
            part.method,
            0,
            0x21,
            part.crc,
            len(part.compressed),
            part.size,
            len(name),
            0,
        )
        out += name + part.compressed
        central += struct.pack(
            "<4s4B4HL2L5H2L",
            b"PK\x01\x02",
            20,
            3,
            20,
            0,
            0x800,
            part.method,
            0,
            0x21,
            part.crc,
            len(part.compressed),
            part.size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += name
        count += 1
    out_offset = len(out)
    out += central
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), out_offset, 0)
    path.write_bytes(bytes(out))
    return path


def _package_parts(source: Path, skip: str) -> list[RawPart]:
    parts: list[RawPart] = []
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            if info.filename == skip:
                continue
            part = deflated(archive.read(info.filename))
            part.name = info.filename
            parts.append(part)
    return parts


BOMB_BYTES = 80 * 1024 * 1024
"""How far the bomb's sheet inflates: more than the default ``Limits.max_part_bytes``."""


def _bomb_sheet(inflated: int) -> RawPart:
    """A well-formed worksheet of ``inflated`` bytes, mostly spaces, compressed in a stream."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>"
    )
    tail = b"</sheetData></worksheet>"
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc = zlib.crc32(head)
    chunks = [packer.compress(head)]
    block = b" " * (1024 * 1024)
    left = inflated - len(head) - len(tail)
    while left > 0:
        piece = block[: min(left, len(block))]
        crc = zlib.crc32(piece, crc)
        chunks.append(packer.compress(piece))
        left -= len(piece)
    crc = zlib.crc32(tail, crc)
    chunks.append(packer.compress(tail))
    chunks.append(packer.flush())
    return RawPart("xl/worksheets/sheet1.xml", b"".join(chunks), crc, inflated)


def zip_bomb(directory: Path, inflated: int = BOMB_BYTES) -> Path:
    """A small valid-looking workbook whose sheet inflates to ``inflated`` bytes (declared)."""
    source = _write_plain(directory / "bomb-source.xlsx")
    parts = _package_parts(source, skip="xl/worksheets/sheet1.xml")
    return write_raw_zip(directory / "bomb.xlsx", [*parts, _bomb_sheet(inflated)])


def lying_zip_bomb(directory: Path, inflated: int = BOMB_BYTES, declared: int = 2048) -> Path:
    """The bomb with headers that lie: the sheet declares ``declared`` bytes."""
    source = _write_plain(directory / "liar-source.xlsx")
    parts = _package_parts(source, skip="xl/worksheets/sheet1.xml")
    sheet = _bomb_sheet(inflated)
    sheet.size = declared
    return write_raw_zip(directory / "lying-bomb.xlsx", [*parts, sheet])


def lying_size_xlsx(directory: Path) -> Path:
    """A workbook whose sheet inflates to a little more than its headers declare."""
    source = _write_plain(directory / "size-source.xlsx")
    parts = _package_parts(source, skip="")
    for part in parts:
        if part.name == "xl/worksheets/sheet1.xml":
            part.size -= 10
    return write_raw_zip(directory / "lying-size.xlsx", parts)


def vba_project_bin() -> bytes:
    """A stand-in ``vbaProject.bin``: a compound file with the storages of a VBA project."""
    return compound_file(
        {
            "PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\nName="VBAProject"\r\n',
            "PROJECTwm": b"\0\0",
            "VBA": {"dir": b"\x01\x00\x00\x00\x00", "_VBA_PROJECT": b"\xcc\x61\xff\xff\x00"},
        }
    )


def macro_xlsm(directory: Path) -> Path:
    """A macro-enabled workbook: ``xl/vbaProject.bin`` and the ``.xlsm`` content type."""
    vba = directory / "vbaProject.bin"
    vba.write_bytes(vba_project_bin())
    path = directory / "macro.xlsm"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write("A1", 1)
    workbook.add_vba_project(str(vba))
    workbook.close()
    return path


_DOCX_TYPES = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""

_DOCX_RELS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="word/document.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
</Relationships>"""

_DOCX_DOCUMENT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>รายงานผลการดำเนินงาน</w:t></w:r></w:p></w:body></w:document>""".encode()


def docx_like(directory: Path) -> Path:
    """An OOXML word-processing document (a .docx) named ``.xlsx``."""
    path = directory / "report.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _DOCX_TYPES)
        archive.writestr("_rels/.rels", _DOCX_RELS)
        archive.writestr("word/document.xml", _DOCX_DOCUMENT)
    return path


# --------------------------------------------------------------------------------------
# features openpyxl may not carry across
# --------------------------------------------------------------------------------------

FEATURES = (
    "chart",
    "image",
    "textbox",
    "sparkline",
    "databar2010",
    "iconset",
    "validation",
    "comment",
    "table",
    "button",
    "header_image",
    "background",
    "ignored_errors",
    "chartsheet",
    "vba",
)


def tiny_png() -> bytes:
    """A 4x4 red PNG."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def feature_xlsx(directory: Path, features: Iterable[str], name: str = "features") -> Path:
    """An xlsxwriter workbook with the given :data:`FEATURES` (``.xlsm`` with ``vba``)."""
    wanted = set(features)
    unknown = wanted - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown features: {sorted(unknown)}")
    png = directory / "tiny.png"
    png.write_bytes(tiny_png())
    path = directory / f"{name}.{'xlsm' if 'vba' in wanted else 'xlsx'}"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("S")
    lists = workbook.add_worksheet("Lists")
    lists.write_column("A1", ["ก", "ข", "ค"])
    for row in range(5):
        sheet.write_row(row, 0, [row + 1, row * 2, row * 3])
    if "chart" in wanted:
        chart = workbook.add_chart({"type": "column"})
        chart.add_series({"values": "=S!$A$1:$A$5"})
        sheet.insert_chart("E2", chart)
    if "image" in wanted:
        sheet.insert_image("E20", str(png))
    if "textbox" in wanted:
        sheet.insert_textbox("M2", "หมายเหตุ")
    if "sparkline" in wanted:
        sheet.add_sparkline("D1", {"range": "S!A1:C1"})
    if "databar2010" in wanted:
        sheet.conditional_format("A1:A5", {"type": "data_bar", "data_bar_2010": True})
    if "iconset" in wanted:
        sheet.conditional_format("B1:B5", {"type": "icon_set", "icon_style": "3_arrows"})
    if "validation" in wanted:
        sheet.data_validation("F1", {"validate": "list", "source": "=Lists!$A$1:$A$3"})
    if "comment" in wanted:
        sheet.write_comment("A1", "หมายเหตุ")
    if "table" in wanted:
        sheet.add_table("H10:I12", {"columns": [{"header": "x"}, {"header": "y"}]})
    if "button" in wanted:
        sheet.insert_button("K20", {"caption": "Go"})
    if "header_image" in wanted:
        sheet.set_header("&L&G", {"image_left": str(png)})
    if "background" in wanted:
        sheet.set_background(str(png))
    if "ignored_errors" in wanted:
        sheet.ignore_errors({"number_stored_as_text": "A1:A5"})
    if "chartsheet" in wanted:
        chartsheet = workbook.add_chartsheet("Chart")
        line = workbook.add_chart({"type": "line"})
        line.add_series({"values": "=S!$B$1:$B$5"})
        chartsheet.set_chart(line)
    if "vba" in wanted:
        vba = directory / "vbaProject.bin"
        vba.write_bytes(vba_project_bin())
        workbook.add_vba_project(str(vba))
    workbook.close()
    return path


def add_parts(src: Path, dst: Path, parts: Mapping[str, tuple[str, bytes]]) -> Path:
    """Copy ``src`` adding parts ``{name: (content type, bytes)}`` (with content types)."""
    with zipfile.ZipFile(src) as archive:
        types = archive.read("[Content_Types].xml")
    overrides = b"".join(
        f'<Override PartName="/{name}" ContentType="{content_type}"/>'.encode()
        for name, (content_type, _) in parts.items()
    )
    rewrite_parts(
        src, dst, {"[Content_Types].xml": types.replace(b"</Types>", overrides + b"</Types>")}
    )
    with zipfile.ZipFile(dst, "a", zipfile.ZIP_DEFLATED) as archive:
        for name, (_, data) in parts.items():
            archive.writestr(name, data)
    return dst
