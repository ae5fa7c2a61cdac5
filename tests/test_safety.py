"""kpixl.safety: every hostile or broken container becomes the right file-level finding."""

from __future__ import annotations

import codecs
import contextlib
import importlib.util
import io
import struct
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree
from xml.parsers import expat

import hostile
import msoffcrypto
import olefile
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from kpixl import safety
from kpixl.findings import CATALOGUE
from kpixl.patch import dropped
from kpixl.patch.dropped import describe
from kpixl.reader import read_workbook
from kpixl.safety import Container, Limits, UnusableFile, inspect_workbook, is_xml_part

PILLOW = importlib.util.find_spec("PIL") is not None

FILE_CODES = {
    "file-not-found",
    "file-not-workbook",
    "file-legacy-xls",
    "file-encrypted",
    "file-corrupt",
    "file-xml-entities",
    "file-too-large",
}


def _code(path: Path, limits: Limits | None = None) -> str:
    with pytest.raises(UnusableFile) as caught:
        if limits is None:
            inspect_workbook(path)
        else:
            inspect_workbook(path, limits)
    error = caught.value
    assert error.code in FILE_CODES
    assert error.code in CATALOGUE
    assert set(error.params) <= (
        {"reason"} if error.code in ("file-corrupt", "file-too-large") else set()
    )
    return error.code


def _reason(path: Path, limits: Limits | None = None) -> str:
    with pytest.raises(UnusableFile) as caught:
        inspect_workbook(path, limits or Limits())
    return caught.value.params["reason"]


# --------------------------------------------------------------------------------------
# each hostile fixture -> its code
# --------------------------------------------------------------------------------------

HOSTILE: list[tuple[str, Callable[[Path], Path], str]] = [
    ("not-a-zip", hostile.not_a_zip, "file-not-workbook"),
    ("legacy-xls-libreoffice", hostile.legacy_xls, "file-legacy-xls"),
    ("legacy-xls-synthetic", hostile.synthetic_xls, "file-legacy-xls"),
    ("encrypted-msoffcrypto", hostile.encrypted_xlsx, "file-encrypted"),
    ("encrypted-synthetic", hostile.synthetic_encrypted_xlsx, "file-encrypted"),
    ("encrypted-legacy-xls-libreoffice", hostile.encrypted_xls, "file-encrypted"),
    ("truncated", hostile.truncated_xlsx, "file-corrupt"),
    ("crc-error", hostile.crc_corrupt_xlsx, "file-corrupt"),
    ("billion-laughs", hostile.entity_xlsx, "file-xml-entities"),
    ("zip-bomb", hostile.zip_bomb, "file-too-large"),
    ("zip-bomb-lying-header", hostile.lying_zip_bomb, "file-too-large"),
    ("size-differs-from-header", hostile.lying_size_xlsx, "file-corrupt"),
    ("docx-named-xlsx", hostile.docx_like, "file-not-workbook"),
]


@pytest.mark.parametrize(
    ("make", "code"), [(m, c) for _, m, c in HOSTILE], ids=[name for name, _, _ in HOSTILE]
)
def test_hostile_fixture_gives_its_code(
    tmp_path: Path, make: Callable[[Path], Path], code: str
) -> None:
    assert _code(make(tmp_path)) == code


def test_missing_file(tmp_path: Path) -> None:
    assert _code(tmp_path / "nowhere.xlsx") == "file-not-found"


def test_directory_and_empty_file(tmp_path: Path) -> None:
    assert _code(tmp_path) == "file-not-workbook"
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert _code(empty) == "file-corrupt"


def test_crc_error_is_named(tmp_path: Path) -> None:
    assert "CRC" in _reason(hostile.crc_corrupt_xlsx(tmp_path))


def test_truncated_compound_file_is_corrupt(tmp_path: Path) -> None:
    data = hostile.synthetic_xls(tmp_path).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[:600])  # the header survives, the directory does not
    assert _code(cut) == "file-corrupt"


def test_compound_file_of_another_kind_is_not_a_workbook(tmp_path: Path) -> None:
    doc = tmp_path / "letter.xlsx"
    doc.write_bytes(hostile.compound_file({"WordDocument": b"\0" * 5000, "1Table": b"\0" * 64}))
    assert _code(doc) == "file-not-workbook"


def test_encrypted_workbook_fixture_is_really_encrypted(tmp_path: Path) -> None:
    with hostile.encrypted_xlsx(tmp_path).open("rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        assert office.is_encrypted()
        office.load_key(password=hostile.PASSWORD, verify_password=True)
        plain = io.BytesIO()
        office.decrypt(plain)
    with zipfile.ZipFile(plain) as archive:
        assert "xl/workbook.xml" in archive.namelist()


def test_encrypted_legacy_xls_fixture_is_really_encrypted(tmp_path: Path) -> None:
    with hostile.encrypted_xls(tmp_path).open("rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        assert office.format == "xls97"
        assert office.is_encrypted()
        office.load_key(password=hostile.PASSWORD)
        plain = io.BytesIO()
        office.decrypt(plain)
    plain.seek(0)
    assert olefile.OleFileIO(plain).exists("Workbook")
    unencrypted = hostile.legacy_xls(tmp_path)
    with unencrypted.open("rb") as fh:
        assert not msoffcrypto.OfficeFile(fh).is_encrypted()


def test_biff5_book_stream_is_a_legacy_workbook(tmp_path: Path) -> None:
    path = tmp_path / "excel95.xlsx"
    path.write_bytes(hostile.compound_file({"Book": hostile.biff8_workbook()}))
    assert _code(path) == "file-legacy-xls"


def test_compound_file_without_streams_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "hollow.xlsx"
    path.write_bytes(hostile.compound_file({}))
    assert _code(path) == "file-corrupt"


def test_encryption_info_is_never_parsed(tmp_path: Path) -> None:
    """A stray EncryptionInfo holding the billion laughs does not reach an XML parser."""
    path = tmp_path / "stray.xlsx"
    info = b"\x04\x00\x04\x00\x40\x00\x00\x00" + hostile.BILLION_LAUGHS
    path.write_bytes(
        hostile.compound_file({"EncryptionInfo": info, "Workbook": hostile.biff8_workbook()})
    )
    assert _code(path) == "file-legacy-xls"


def test_unreadable_workbook_stream_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "garbled.xlsx"
    path.write_bytes(hostile.compound_file({"Workbook": b"\xff" * 10}))
    assert _code(path) == "file-corrupt"
    assert "legacy workbook stream" in _reason(path)


@pytest.mark.parametrize(
    "part",
    ["xl/sharedStrings.xml", "_rels/.rels", "xl/worksheets/sheet1.xml", "[Content_Types].xml"],
)
def test_entity_declaration_in_any_part(tmp_path: Path, part: str) -> None:
    assert _code(hostile.entity_xlsx(tmp_path, part)) == "file-xml-entities"


def test_entity_declaration_in_vml(tmp_path: Path) -> None:
    source = hostile.feature_xlsx(tmp_path, ["comment"])
    with zipfile.ZipFile(source) as archive:
        vml = next(n for n in archive.namelist() if n.endswith(".vml"))
        data = archive.read(vml)
    hostile_vml = b'<!DOCTYPE xml [<!ENTITY a "a">]>' + data
    path = hostile.rewrite_parts(source, tmp_path / "vml.xlsx", {vml: hostile_vml})
    assert _code(path) == "file-xml-entities"


# (codec, label in the XML declaration or None, byte-order mark, expat reads it)
ENCODINGS: dict[str, tuple[str, str | None, bytes, bool]] = {
    "utf-8": ("utf-8", "UTF-8", b"", True),
    "utf-8-bom": ("utf-8", "UTF-8", codecs.BOM_UTF8, True),
    "utf-16le-bom": ("utf-16-le", "UTF-16", codecs.BOM_UTF16_LE, True),
    "utf-16be-bom": ("utf-16-be", "UTF-16", codecs.BOM_UTF16_BE, True),
    "utf-16le-no-bom": ("utf-16-le", "UTF-16", b"", True),
    "utf-16be-no-bom": ("utf-16-be", "UTF-16BE", b"", True),
    "utf-16le-no-declaration": ("utf-16-le", None, b"", False),
    "iso-8859-1": ("iso8859-1", "ISO-8859-1", b"", True),
    "windows-1252": ("cp1252", "windows-1252", b"", True),
    "ebcdic": ("cp037", "IBM037", b"", False),
    "utf-32le-bom": ("utf-32-le", "UTF-32", codecs.BOM_UTF32_LE, False),
}
DECLARATION_PARTS = ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "xl/styles.xml"]


def _part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def _expat_sees_a_doctype(data: bytes) -> bool:
    """Whether a real parser reads a DOCTYPE in ``data`` (the fixture is what it claims)."""
    seen: list[str] = []
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = lambda name, *_: seen.append(name)
    with contextlib.suppress(expat.ExpatError):  # the billion laughs trips expat's guard
        parser.Parse(data, True)
    return bool(seen)


@pytest.mark.parametrize("part", DECLARATION_PARTS)
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_entity_declaration_in_any_encoding(tmp_path: Path, part: str, encoding: str) -> None:
    codec, label, bom, expat_reads = ENCODINGS[encoding]
    path = hostile.entity_xlsx(tmp_path, part, codec=codec, label=label, bom=bom)
    data = _part(path, part)
    assert "<!DOCTYPE" in data[len(bom) :].decode(codec), "the fixture lacks its declaration"
    if expat_reads:
        assert _expat_sees_a_doctype(data)
    assert _code(path) == "file-xml-entities"


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_parts_in_any_encoding_without_declarations_pass(
    tmp_path: Path, part: str, encoding: str
) -> None:
    codec, label, bom, _ = ENCODINGS[encoding]
    source = hostile.plain_xlsx(tmp_path)
    text = _part(source, part).decode("utf-8")
    data = hostile.encode_part(text, codec, label, bom)
    path = hostile.rewrite_parts(source, tmp_path / "encoded.xlsx", {part: data})
    assert inspect_workbook(path).unsupported_parts == ()


@pytest.mark.parametrize("encoding", ["utf-16le-bom", "utf-16be-no-bom", "ebcdic"])
def test_features_of_a_worksheet_in_another_encoding(tmp_path: Path, encoding: str) -> None:
    codec, label, bom, _ = ENCODINGS[encoding]
    source = hostile.feature_xlsx(tmp_path, ["ignored_errors"])
    text = _part(source, "xl/worksheets/sheet1.xml").decode("utf-8")
    data = hostile.encode_part(text, codec, label, bom)
    path = hostile.rewrite_parts(
        source, tmp_path / "encoded.xlsx", {"xl/worksheets/sheet1.xml": data}
    )
    assert inspect_workbook(path).unsupported_parts == (describe(dropped.IGNORED_ERRORS),)


@pytest.mark.parametrize("label", ["UTF-7", "x-kpixl-unknown", "base64"])
def test_encoding_that_cannot_be_searched_is_refused(tmp_path: Path, label: str) -> None:
    source = hostile.plain_xlsx(tmp_path)
    text = _part(source, "xl/worksheets/sheet1.xml").decode("utf-8")
    data = hostile.encode_part(text, "ascii", label)
    path = hostile.rewrite_parts(source, tmp_path / "odd.xlsx", {"xl/worksheets/sheet1.xml": data})
    assert _code(path) == "file-corrupt"
    assert label in _reason(path)


def test_declared_encoding_is_searched_besides_the_one_the_first_bytes_say(
    tmp_path: Path,
) -> None:
    """A part that starts in ASCII but declares UTF-16, its DOCTYPE in UTF-16 past the first
    KiB: a parser that believes the declaration (quick-xml does) reads the DOCTYPE."""
    source = hostile.plain_xlsx(tmp_path)
    data = (
        b'<?xml version="1.0" encoding="UTF-16"?>'
        + b" " * 4096
        + '<!DOCTYPE sst SYSTEM "http://kpixl.invalid/x.dtd"><sst/>'.encode("utf-16-le")
    )
    assert b"\0" not in data[:4096]
    path = hostile.rewrite_parts(
        source, tmp_path / "mislabelled.xlsx", {"xl/sharedStrings.xml": data}
    )
    assert _code(path) == "file-xml-entities"


def test_part_that_is_markup_whatever_its_name_is_scanned(tmp_path: Path) -> None:
    """A relationship may point a parser at a part of any name and content type."""
    source = hostile.plain_xlsx(tmp_path)
    markup = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]><x>&a;</x>'
    binary = b"\x89PNG\r\n\x1a\n" + markup  # an image that happens to hold the text
    octet = "application/octet-stream"
    hidden = hostile.add_parts(source, tmp_path / "hidden.xlsx", {"xl/sheet9.bin": (octet, markup)})
    assert _code(hidden) == "file-xml-entities"
    image = hostile.add_parts(source, tmp_path / "image.xlsx", {"xl/media/x.png": (octet, binary)})
    assert inspect_workbook(image).unsupported_parts == ()


def test_utf7_could_hide_a_declaration() -> None:
    """Why UTF-7 is refused rather than searched: ``<`` and ``!`` have a second spelling."""
    hidden = b'<?xml version="1.0" encoding="UTF-7"?>+ADwAIQ-DOCTYPE x>'
    assert "<!DOCTYPE" in hidden.decode("utf-7")
    assert b"<!DOCTYPE" not in hidden


@pytest.mark.parametrize("stored", [False, True], ids=["deflated", "stored"])
@pytest.mark.parametrize("before", [1, 2, 4, 8, 9, 0])
def test_declaration_across_the_chunk_boundary(tmp_path: Path, before: int, stored: bool) -> None:
    start = safety._CHUNK - before
    path = hostile.split_declaration_xlsx(tmp_path, start, stored=stored)
    assert (start < safety._CHUNK < start + len(b"<!DOCTYPE")) == (0 < before < 9)
    assert _expat_sees_a_doctype(_part(path, "xl/worksheets/sheet1.xml"))
    assert _code(path) == "file-xml-entities"


@pytest.mark.parametrize("before", [2, 6, 10, 16])
def test_utf16_declaration_across_the_chunk_boundary(tmp_path: Path, before: int) -> None:
    start = safety._CHUNK - before
    path = hostile.split_declaration_xlsx(tmp_path, start, codec="utf-16-le", label="UTF-16")
    assert start < safety._CHUNK < start + len("<!DOCTYPE".encode("utf-16-le"))
    assert _code(path) == "file-xml-entities"


def test_tag_across_the_chunk_boundary_is_still_noted(tmp_path: Path) -> None:
    source = hostile.feature_xlsx(tmp_path, ["ignored_errors"])
    sheet = _part(source, "xl/worksheets/sheet1.xml")
    at = sheet.index(b"<ignoredErrors")
    padded = sheet[:at] + b" " * (safety._CHUNK - 5 - at) + sheet[at:]
    assert padded.index(b"<ignoredErrors") == safety._CHUNK - 5
    path = hostile.rewrite_parts(
        source,
        tmp_path / "padded.xlsx",
        {"xl/worksheets/sheet1.xml": padded},
        stored=["xl/worksheets/sheet1.xml"],
    )
    assert inspect_workbook(path).unsupported_parts == (describe(dropped.IGNORED_ERRORS),)


@pytest.mark.parametrize(
    ("part", "old", "new"),
    [
        ("xl/worksheets/sheet1.xml", b"<sheetData>", b"<!-- <!DOCTYPE x> --><sheetData>"),
        ("xl/sharedStrings.xml", b"<t>KPI 1</t>", b"<t><![CDATA[<!DOCTYPE html>]]></t>"),
        ("xl/styles.xml", b"<fonts", b"<?kpixl <!ENTITY x 'x'>?><fonts"),
    ],
    ids=["comment", "cdata", "processing-instruction"],
)
def test_declaration_text_outside_a_doctype_is_refused_too(
    tmp_path: Path, part: str, old: bytes, new: bytes
) -> None:
    """Refusing is the safe side: a byte scan cannot tell markup from a comment's text."""
    source = hostile.plain_xlsx(tmp_path)
    original = _part(source, part)
    assert old in original
    path = hostile.rewrite_parts(
        source, tmp_path / "text.xlsx", {part: original.replace(old, new, 1)}
    )
    assert _code(path) == "file-xml-entities"


def test_xml_that_is_not_well_formed_is_corrupt(tmp_path: Path) -> None:
    source = hostile.plain_xlsx(tmp_path)
    path = hostile.rewrite_parts(
        source, tmp_path / "bad.xlsx", {"xl/styles.xml": b"<styleSheet><fonts></styleSheet>"}
    )
    assert _code(path) == "file-corrupt"
    assert "xl/styles.xml" in _reason(path)


def _read_code(path: Path) -> str:
    with pytest.raises(UnusableFile) as caught:
        read_workbook(path)
    return caught.value.code


@pytest.mark.parametrize(
    ("part", "damage"),
    [
        ("xl/sharedStrings.xml", lambda xml: b"<sst><si><t>KPI 1</si></sst>"),
        ("xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2]),
        ("xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"</sheetData>", b"</sheetData")),
    ],
    ids=["shared-strings", "worksheet-cut", "worksheet-unclosed-tag"],
)
def test_parts_that_grow_with_the_data_are_left_to_the_reader(
    tmp_path: Path, part: str, damage: Callable[[bytes], bytes]
) -> None:
    """The inspection does not parse worksheets or shared strings (that would cost more than
    inflating them); the reader's own parse refuses the broken ones."""
    source = hostile.plain_xlsx(tmp_path)
    broken = damage(_part(source, part))
    path = hostile.rewrite_parts(source, tmp_path / "broken.xlsx", {part: broken})
    with pytest.raises(expat.ExpatError):
        expat.ParserCreate().Parse(broken, True)
    inspect_workbook(path)
    assert _read_code(path) == "file-corrupt"


def test_namespace_uri_with_a_space_is_well_formed(tmp_path: Path) -> None:
    """As for ElementTree, which openpyxl parses with (expat refuses a namespace URI holding
    the separator, so the separator must be ElementTree's)."""
    source = hostile.plain_xlsx(tmp_path)
    styles = _part(source, "xl/styles.xml").replace(
        b"<styleSheet ", b'<styleSheet xmlns:k="urn:kpixl:a b" ', 1
    )
    ElementTree.fromstring(styles)
    path = hostile.rewrite_parts(source, tmp_path / "spaced.xlsx", {"xl/styles.xml": styles})
    assert inspect_workbook(path).unsupported_parts == ()


def test_workbook_part_named_but_missing_is_corrupt(tmp_path: Path) -> None:
    source = hostile.plain_xlsx(tmp_path)
    with zipfile.ZipFile(source) as archive:
        parts = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    path = tmp_path / "no-workbook-part.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            if name != "xl/workbook.xml":
                archive.writestr(name, data)
    assert _code(path) == "file-corrupt"


def test_zip_without_workbook_content_type_is_not_a_workbook(tmp_path: Path) -> None:
    source = hostile.plain_xlsx(tmp_path)
    with zipfile.ZipFile(source) as archive:
        types = archive.read("[Content_Types].xml")
    xlsb = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.binary.macroEnabled.main",
    )
    assert xlsb != types
    path = hostile.rewrite_parts(source, tmp_path / "xlsb.xlsx", {"[Content_Types].xml": xlsb})
    assert _code(path) == "file-not-workbook"


def test_zip_without_content_types_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
    assert _code(path) == "file-not-workbook"


def test_central_directory_pointing_outside_the_file_is_corrupt(tmp_path: Path) -> None:
    data = bytearray(hostile.plain_xlsx(tmp_path).read_bytes())
    end = data.rindex(b"PK\x05\x06")
    (offset,) = struct.unpack_from("<I", data, end + 16)
    struct.pack_into("<I", data, end + 16, offset + 1000)  # zipfile: negative part offsets
    path = tmp_path / "shifted.xlsx"
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert min(info.header_offset for info in archive.infolist()) < 0
    assert _code(path) == "file-corrupt"


def test_duplicate_part_names_are_corrupt(tmp_path: Path) -> None:
    source = hostile.plain_xlsx(tmp_path)
    path = hostile.rewrite_parts(source, tmp_path / "dup.xlsx", {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("xl/worksheets/sheet1.xml", b"<worksheet/>")
    assert _code(path) == "file-corrupt"


# --------------------------------------------------------------------------------------
# limits: declared sizes, and enforced while inflating
# --------------------------------------------------------------------------------------


def test_zip_bomb_is_refused_from_its_declared_sizes(tmp_path: Path) -> None:
    path = hostile.zip_bomb(tmp_path)
    assert path.stat().st_size < 200 * 1024
    assert "declares" in _reason(path)


def test_lying_header_is_caught_while_inflating_by_the_ratio(tmp_path: Path) -> None:
    reason = _reason(hostile.lying_zip_bomb(tmp_path))
    assert "times its compressed size" in reason


def test_lying_header_is_caught_while_inflating_by_the_part_limit(tmp_path: Path) -> None:
    path = hostile.lying_zip_bomb(tmp_path)
    limits = Limits(max_ratio=1e9, max_part_bytes=8 * 1024 * 1024)
    assert _code(path, limits) == "file-too-large"
    assert "inflates past 8 MiB" in _reason(path, limits)


def test_lying_header_is_caught_while_inflating_by_the_total_limit(tmp_path: Path) -> None:
    path = hostile.lying_zip_bomb(tmp_path)
    limits = Limits(max_ratio=1e9, max_total_bytes=4 * 1024 * 1024)
    assert "in all" in _reason(path, limits)


def test_inflating_past_the_header_is_bounded_in_memory(tmp_path: Path) -> None:
    """With limits that let the 80 MiB liar through, it still streams in small chunks."""
    path = hostile.lying_zip_bomb(tmp_path)
    roomy = Limits(max_ratio=1e9, max_part_bytes=100 * 2**20, max_total_bytes=200 * 2**20)
    tracemalloc.start()
    try:
        with pytest.raises(UnusableFile) as caught:
            inspect_workbook(path, roomy)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.code == "file-corrupt"  # 80 MiB inflated, 2 KiB declared
    assert peak < 4 * 2**20


def test_file_size_and_part_count_limits(tmp_path: Path) -> None:
    path = hostile.plain_xlsx(tmp_path)
    assert _code(path, Limits(max_file_bytes=1024)) == "file-too-large"
    assert _code(path, Limits(max_parts=3)) == "file-too-large"
    assert _code(path, Limits(max_total_bytes=1024)) == "file-too-large"
    assert _code(path, Limits(max_part_bytes=512)) == "file-too-large"


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Limits(max_parts=0)
    with pytest.raises(ValueError):
        Limits(max_ratio=-1)


# --------------------------------------------------------------------------------------
# usable workbooks
# --------------------------------------------------------------------------------------


def test_plain_workbook_is_a_clean_container(tmp_path: Path) -> None:
    container = inspect_workbook(hostile.plain_xlsx(tmp_path))
    assert isinstance(container, Container)
    assert container.macro_enabled is False
    assert container.unsupported_parts == ()
    assert "xl/workbook.xml" in container.part_names
    assert "[Content_Types].xml" in container.part_names


def test_path_may_be_a_string(tmp_path: Path) -> None:
    assert inspect_workbook(str(hostile.plain_xlsx(tmp_path))).macro_enabled is False


def test_macro_enabled_is_not_an_error(tmp_path: Path) -> None:
    container = inspect_workbook(hostile.macro_xlsm(tmp_path))
    assert container.macro_enabled is True
    assert "xl/vbaProject.bin" in container.part_names
    assert describe(dropped.VBA) in container.unsupported_parts


def test_kept_parts_are_the_inflated_bytes(tmp_path: Path) -> None:
    path = hostile.rewrite_parts(
        hostile.feature_xlsx(tmp_path, ["image", "comment"]),
        tmp_path / "mixed.xlsx",
        {},
        stored=["xl/styles.xml"],
    )
    with zipfile.ZipFile(path) as archive:
        expected = {name: archive.read(name) for name in archive.namelist()}
    assert inspect_workbook(path).parts == {}
    sheets = inspect_workbook(path, keep=lambda name, _type: name.startswith("xl/worksheets/"))
    assert dict(sheets.parts) == {
        n: b for n, b in expected.items() if n.startswith("xl/worksheets/")
    }
    everything = inspect_workbook(path, keep=lambda _name, _type: True)
    assert dict(everything.parts) == expected  # binary, stored and [Content_Types].xml too
    assert everything == sheets and hash(everything) == hash(sheets)
    assert "parts=" not in repr(everything).replace("unsupported_parts=", "")
    with pytest.raises(TypeError):
        everything.parts["xl/styles.xml"] = b""  # type: ignore[index]


def test_the_stored_package_holds_the_kept_parts_as_checked(tmp_path: Path) -> None:
    """What the reader hands calamine: the kept parts, uncompressed, with the CRCs the
    inspection verified; calamine reads from it what it reads from the file."""
    path = hostile.rewrite_parts(
        hostile.feature_xlsx(tmp_path, ["image", "comment"]),
        tmp_path / "mixed.xlsx",
        {},
        stored=["xl/styles.xml"],
    )
    container = inspect_workbook(path, keep=is_xml_part)
    assert "xl/styles.xml" in container.parts and "[Content_Types].xml" in container.parts
    assert not any(name.endswith(".png") for name in container.parts)  # no binary kept
    with zipfile.ZipFile(container.stored_package()) as stored:
        assert stored.testzip() is None  # every CRC right
        assert {i.filename: i.compress_type for i in stored.infolist()} == dict.fromkeys(
            container.parts, zipfile.ZIP_STORED
        )
        assert {n: stored.read(n) for n in stored.namelist()} == dict(container.parts)
    from_file = CalamineWorkbook.from_path(str(path))
    from_parts = CalamineWorkbook.from_filelike(container.stored_package())
    assert from_parts.sheet_names == from_file.sheet_names
    for name in from_file.sheet_names:
        assert (
            from_parts.get_sheet_by_name(name).to_python()
            == from_file.get_sheet_by_name(name).to_python()
        )
    # Parts left out are not in it; the others are as before.
    left_out = {"xl/styles.xml", "docProps/core.xml"} & set(container.parts)
    assert left_out
    with zipfile.ZipFile(container.stored_package(left_out)) as stored:
        assert stored.testzip() is None
        assert {n: stored.read(n) for n in stored.namelist()} == {
            n: data for n, data in container.parts.items() if n not in left_out
        }


def test_keeping_parts_stays_within_the_limits(tmp_path: Path) -> None:
    path = hostile.lying_zip_bomb(tmp_path)
    limits = Limits(max_ratio=1e9, max_part_bytes=8 * 2**20)
    tracemalloc.start()
    try:
        with pytest.raises(UnusableFile) as caught:
            inspect_workbook(path, limits, keep=lambda _name, _type: True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.code == "file-too-large"
    assert peak < 12 * 2**20


def _scans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The parts scanned from now on, in order (the remembered scans forgotten first)."""
    safety._scanned.cache_clear()
    scanned: list[str] = []
    make = safety._part_scanner

    def counting(name: str, *args: object) -> object:
        scanned.append(name)
        return make(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(safety, "_part_scanner", counting)
    return scanned


def test_a_template_part_is_scanned_once_per_distinct_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # two submissions of one template: the same styles and drawing (a text box, which
    # openpyxl drops), other cells
    first = hostile.feature_xlsx(tmp_path, ["textbox"], name="first")
    second = hostile.rewrite_parts(
        first,
        tmp_path / "second.xlsx",
        {"xl/worksheets/sheet2.xml": _part(first, "xl/worksheets/sheet2.xml") + b" "},
    )
    scanned = _scans(monkeypatch)
    found = [inspect_workbook(p, keep=is_xml_part) for p in (first, second)]
    shapes = (describe(dropped.SHAPES),)
    assert found[0].unsupported_parts == found[1].unsupported_parts == shapes
    assert found[0].parts["xl/styles.xml"] == found[1].parts["xl/styles.xml"]
    assert scanned.count("xl/styles.xml") == 1
    assert scanned.count("xl/drawings/drawing1.xml") == 1
    # the cells' parts are scanned in every workbook
    assert scanned.count("xl/worksheets/sheet1.xml") == 2
    assert scanned.count("xl/worksheets/sheet2.xml") == 2
    # other bytes under the same name are scanned again
    changed = hostile.rewrite_parts(
        first,
        tmp_path / "restyled.xlsx",
        {"xl/styles.xml": _part(first, "xl/styles.xml").replace(b"Calibri", b"Tahoma")},
    )
    inspect_workbook(changed, keep=is_xml_part)
    assert scanned.count("xl/styles.xml") == 2


def test_a_refused_template_part_is_refused_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = hostile.entity_xlsx(tmp_path, "xl/styles.xml")
    scanned = _scans(monkeypatch)
    for _ in range(2):
        with pytest.raises(UnusableFile) as caught:
            inspect_workbook(path, keep=is_xml_part)
        assert caught.value.code == "file-xml-entities"
    assert scanned.count("xl/styles.xml") == 2


SAMPLES = sorted((Path(__file__).resolve().parent.parent / "sample_workbooks").rglob("*.xlsx"))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_bundled_samples(path: Path) -> None:
    if path.name.startswith("BROKEN_"):
        assert _code(path) == "file-not-workbook"
    else:
        assert inspect_workbook(path).unsupported_parts == ()


# --------------------------------------------------------------------------------------
# unsupported_parts: reported exactly when openpyxl really drops the thing
# --------------------------------------------------------------------------------------


def _round_trip(src: Path, dst: Path) -> dict[str, bytes]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl announces some of its losses
        openpyxl.load_workbook(src).save(dst)
    with zipfile.ZipFile(dst) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _any(parts: dict[str, bytes], prefix: str, needle: bytes = b"") -> bool:
    return any(name.startswith(prefix) and needle in data for name, data in parts.items())


# feature -> (labels inspect_workbook reports, "openpyxl kept it" test on the re-saved parts)
FEATURE_CASES: dict[str, tuple[set[str], Callable[[dict[str, bytes]], bool]]] = {
    "chart": (set(), lambda p: _any(p, "xl/charts/chart")),
    "image": (set() if PILLOW else {dropped.IMAGES}, lambda p: _any(p, "xl/media/")),
    "textbox": ({dropped.SHAPES}, lambda p: _any(p, "xl/drawings/", "หมายเหตุ".encode())),
    "sparkline": ({dropped.SPARKLINES}, lambda p: _any(p, "xl/worksheets/", b"sparkline")),
    "databar2010": (
        {dropped.X14_FORMATTING},
        lambda p: _any(p, "xl/worksheets/", b"conditionalFormattings"),
    ),
    "iconset": (set(), lambda p: _any(p, "xl/worksheets/", b"iconSet")),
    "validation": (set(), lambda p: _any(p, "xl/worksheets/", b"Lists!$A$1:$A$3")),
    "comment": (set(), lambda p: _any(p, "xl/comments", "หมายเหตุ".encode())),
    "table": (set(), lambda p: _any(p, "xl/tables/")),
    "button": ({dropped.FORM_CONTROLS}, lambda p: _any(p, "xl/", b'ObjectType="Button"')),
    "header_image": (
        {dropped.HEADER_IMAGES},
        lambda p: _any(p, "xl/worksheets/", b"legacyDrawingHF"),
    ),
    "background": ({dropped.BACKGROUND}, lambda p: _any(p, "xl/worksheets/", b"<picture")),
    "ignored_errors": (
        {dropped.IGNORED_ERRORS},
        lambda p: _any(p, "xl/worksheets/", b"ignoredError"),
    ),
    "chartsheet": (set(), lambda p: _any(p, "xl/chartsheets/")),
    "vba": ({dropped.VBA}, lambda p: _any(p, "xl/vbaProject")),
}


def test_every_feature_has_a_case() -> None:
    assert set(FEATURE_CASES) == set(hostile.FEATURES)


@pytest.mark.parametrize("feature", sorted(FEATURE_CASES))
def test_unsupported_parts_match_what_openpyxl_drops(tmp_path: Path, feature: str) -> None:
    labels, kept = FEATURE_CASES[feature]
    src = hostile.feature_xlsx(tmp_path, [feature])
    with zipfile.ZipFile(src) as archive:
        original = {name: archive.read(name) for name in archive.namelist()}
    assert kept(original), "the fixture lacks the feature"

    container = inspect_workbook(src)
    assert set(container.unsupported_parts) == {describe(label) for label in labels}

    saved = _round_trip(src, tmp_path / "saved.xlsx")
    assert kept(saved) == (not labels), "openpyxl's behaviour changed"


def test_all_features_together(tmp_path: Path) -> None:
    container = inspect_workbook(hostile.feature_xlsx(tmp_path, hostile.FEATURES))
    expected = set().union(*(labels for labels, _ in FEATURE_CASES.values()))
    assert set(container.unsupported_parts) == {describe(label) for label in expected}
    assert container.macro_enabled is True
    assert list(container.unsupported_parts) == sorted(
        container.unsupported_parts, key=lambda entry: entry.rsplit(" / ", 1)[-1]
    )


_XML = b'<?xml version="1.0" encoding="UTF-8"?><x xmlns="urn:x"/>'

INJECTED: dict[str, tuple[str, str]] = {
    "xl/slicers/slicer1.xml": ("application/vnd.ms-excel.slicer+xml", dropped.SLICERS),
    "xl/timelines/timeline1.xml": ("application/vnd.ms-excel.timeline+xml", dropped.TIMELINES),
    "xl/threadedComments/threadedComment1.xml": (
        "application/vnd.ms-excel.threadedcomments+xml",
        dropped.THREADED_COMMENTS,
    ),
    "xl/metadata.xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml",
        dropped.DYNAMIC_ARRAYS,
    ),
    "xl/connections.xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml",
        dropped.CONNECTIONS,
    ),
    "xl/charts/style1.xml": ("application/vnd.ms-office.chartstyle+xml", dropped.CHART_STYLES),
    "customXml/item1.xml": ("application/xml", dropped.CUSTOM_XML),
}


@pytest.mark.parametrize("part", sorted(INJECTED))
def test_parts_openpyxl_never_writes(tmp_path: Path, part: str) -> None:
    content_type, label = INJECTED[part]
    src = hostile.add_parts(
        hostile.plain_xlsx(tmp_path), tmp_path / "with-part.xlsx", {part: (content_type, _XML)}
    )
    assert inspect_workbook(src).unsupported_parts == (describe(label),)
    assert part not in _round_trip(src, tmp_path / "saved.xlsx")


_DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"
_SLICER_DRAWING = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">
<mc:AlternateContent><mc:Choice Requires="sle15">
<xdr:twoCellAnchor><xdr:from><xdr:col>1</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row>
<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>3</xdr:col><xdr:colOff>0</xdr:colOff>
<xdr:row>9</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>
<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Division"/>
<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/>
<a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>
<a:graphicData uri="http://schemas.microsoft.com/office/drawing/2010/slicer"/>
</a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor></mc:Choice>
<mc:Fallback><xdr:twoCellAnchor><xdr:from><xdr:col>1</xdr:col><xdr:colOff>0</xdr:colOff>
<xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>3</xdr:col>
<xdr:colOff>0</xdr:colOff><xdr:row>9</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>
<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="3" name="Fallback"/><xdr:cNvSpPr/>
</xdr:nvSpPr><xdr:spPr/></xdr:sp><xdr:clientData/></xdr:twoCellAnchor></mc:Fallback>
</mc:AlternateContent></xdr:wsDr>"""


def test_slicer_fallback_shape_is_not_counted_as_a_shape(tmp_path: Path) -> None:
    src = hostile.add_parts(
        hostile.plain_xlsx(tmp_path),
        tmp_path / "slicer-drawing.xlsx",
        {"xl/drawings/drawing9.xml": (_DRAWING_CT, _SLICER_DRAWING)},
    )
    assert inspect_workbook(src).unsupported_parts == (describe(dropped.SLICERS),)


def test_an_attribute_is_read_as_xml_writes_it(tmp_path: Path) -> None:
    # The slicer's graphicData uri with characters written as references, as XML allows.
    escaped = b"http:&#x2F;&#47;schemas.microsoft.com/office/drawing/2010/slicer"
    drawing = _SLICER_DRAWING.replace(
        b"http://schemas.microsoft.com/office/drawing/2010/slicer", escaped
    )
    src = hostile.add_parts(
        hostile.plain_xlsx(tmp_path),
        tmp_path / "escaped-uri.xlsx",
        {"xl/drawings/drawing9.xml": (_DRAWING_CT, drawing)},
    )
    assert inspect_workbook(src).unsupported_parts == (describe(dropped.SLICERS),)


_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _prefixed_worksheet(prefix: bytes, extra: bytes) -> bytes:
    """A small worksheet with the main namespace bound to ``prefix``, ``extra`` at its end."""
    p = prefix + b":"
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b"<" + p + b"worksheet xmlns:" + prefix + b'="' + _MAIN + b'">'
        b"<"
        + p
        + b"sheetData><"
        + p
        + b'row r="1"><'
        + p
        + b'c r="A1"><'
        + p
        + b"v>1</"
        + p
        + b"v></"
        + p
        + b"c></"
        + p
        + b"row></"
        + p
        + b"sheetData>"
        + extra
        + b"</"
        + p
        + b"worksheet>"
    )


def test_worksheet_elements_are_found_under_any_prefix(tmp_path: Path) -> None:
    sheet = _prefixed_worksheet(
        b"x",
        b'<x:ignoredErrors><x:ignoredError sqref="A1" numberStoredAsText="1"/></x:ignoredErrors>',
    )
    source = hostile.plain_xlsx(tmp_path)
    path = hostile.rewrite_parts(
        source, tmp_path / "prefixed.xlsx", {"xl/worksheets/sheet1.xml": sheet}
    )
    assert inspect_workbook(path).unsupported_parts == (describe(dropped.IGNORED_ERRORS),)
    saved = _round_trip(path, tmp_path / "saved.xlsx")
    assert not _any(saved, "xl/worksheets/", b"ignoredError"), "openpyxl's behaviour changed"


@pytest.mark.parametrize(
    "extra",
    [
        b'<kx:ignoredErrors xmlns:kx="urn:kpixl:other"/>',
        b'<x:ext uri="{01252117-D84E-4E92-8308-4BE1C098FCBB}" xmlns:x="urn:kpixl:other"/>',
        b'<ignoredErrors xmlns="urn:kpixl:other"/>',
        b"<x:ignoredErrorsLater/><x:pictures/>",
    ],
    ids=["other-prefix", "prefix-rebound", "default-namespace-elsewhere", "longer-names"],
)
def test_elements_of_another_namespace_are_not_counted(tmp_path: Path, extra: bytes) -> None:
    sheet = _prefixed_worksheet(b"x", extra)
    source = hostile.plain_xlsx(tmp_path)
    path = hostile.rewrite_parts(
        source, tmp_path / "foreign.xlsx", {"xl/worksheets/sheet1.xml": sheet}
    )
    assert inspect_workbook(path).unsupported_parts == ()


def test_drawing_prefixes_are_resolved(tmp_path: Path) -> None:
    renamed = (
        _SLICER_DRAWING.replace(b"xdr:", b"s:")
        .replace(b"xmlns:xdr=", b"xmlns:s=")
        .replace(b"a:", b"d:")
        .replace(b"xmlns:a=", b"xmlns:d=")
        .replace(b"mc:", b"m:")
        .replace(b"xmlns:mc=", b"xmlns:m=")
    )
    assert b"xdr:" not in renamed and b"<m:Fallback>" in renamed
    src = hostile.add_parts(
        hostile.plain_xlsx(tmp_path),
        tmp_path / "renamed-drawing.xlsx",
        {"xl/drawings/drawing9.xml": (_DRAWING_CT, renamed)},
    )
    assert inspect_workbook(src).unsupported_parts == (describe(dropped.SLICERS),)


def test_drawing_in_the_default_namespace(tmp_path: Path) -> None:
    drawing = (
        b'<wsDr xmlns="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">'
        b'<twoCellAnchor><sp macro="" textlink=""><nvSpPr><cNvPr id="2" name="Box"/><cNvSpPr/>'
        b"</nvSpPr><spPr/></sp><clientData/></twoCellAnchor>"
        b'<twoCellAnchor><pic xmlns="urn:kpixl:not-a-drawing"/><clientData/></twoCellAnchor>'
        b"</wsDr>"
    )
    src = hostile.add_parts(
        hostile.plain_xlsx(tmp_path),
        tmp_path / "default-ns.xlsx",
        {"xl/drawings/drawing9.xml": (_DRAWING_CT, drawing)},
    )
    assert inspect_workbook(src).unsupported_parts == (describe(dropped.SHAPES),)


def test_unknown_worksheet_extension_is_named_by_its_uri(tmp_path: Path) -> None:
    source = hostile.plain_xlsx(tmp_path)
    with zipfile.ZipFile(source) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    ext = b'<extLst><ext uri="{12345678-1234-1234-1234-123456789ABC}"><x/></ext></extLst>'
    path = hostile.rewrite_parts(
        source,
        tmp_path / "ext.xlsx",
        {"xl/worksheets/sheet1.xml": sheet.replace(b"</worksheet>", ext + b"</worksheet>")},
    )
    (entry,) = inspect_workbook(path).unsupported_parts
    assert "{12345678-1234-1234-1234-123456789ABC}" in entry
    assert entry.startswith("ส่วนขยายของแผ่นงาน")


def test_every_label_has_a_thai_name() -> None:
    labels = {
        value
        for name, value in vars(dropped).items()
        if name.isupper()
        and isinstance(value, str)
        and name not in ("OTHER_EXTENSION", "CHART_URI")  # a pattern, a namespace
    }
    assert labels == set(dropped.LABELS_TH)
    for label in labels:
        thai, english = describe(label).split(" / ", 1)
        assert thai and english == label


# --------------------------------------------------------------------------------------
# the error itself
# --------------------------------------------------------------------------------------


def test_unusable_file_reads_well() -> None:
    error = UnusableFile("file-too-large", {"reason": "xl/worksheets/sheet1.xml > 64 MiB"})
    assert error.code == "file-too-large"
    assert error.params == {"reason": "xl/worksheets/sheet1.xml > 64 MiB"}
    text = str(error)
    assert text.startswith("file-too-large: ")
    assert "xl/worksheets/sheet1.xml > 64 MiB" in text
    assert str(UnusableFile("file-encrypted")).startswith("file-encrypted: ")
    assert "reason=x" in str(UnusableFile("not-a-code", {"reason": "x"}))
    # An optional clause left out is left out, not shown as its placeholder.
    assert str(UnusableFile("file-not-workbook")) == (
        "file-not-workbook: This file is not an Excel workbook (.xlsx)."
    )


def test_an_ods_file_says_how_to_save_it_as_xlsx(tmp_path: Path) -> None:
    """Issue 8: an .ods gets a finding that tells the division exactly how to save as .xlsx."""
    path = tmp_path / "ส่งงาน.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(UnusableFile) as caught:
        inspect_workbook(path)
    assert caught.value.code == "file-not-workbook"
    from kpixl.findings import finding

    record = finding(caught.value.code, **caught.value.params)
    assert "Excel 2007-365 (.xlsx)" in record["message_th"] and "บันทึกเป็น" in record["message_th"]
    assert "Save As" in record["message_en"]
