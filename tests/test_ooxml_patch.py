"""The byte-level patcher on hand-made parts: prefixes, missing rows and cells, shared and
array formulas, dimension, defined names, raw copies."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpixl.patch import PatchUnsupported
from kpixl.patch import xmltext as X
from kpixl.patch.package import Package, Splice
from kpixl.patch.sheet import CellEdit, Worksheet
from kpixl.patch.workbook import Workbook
from kpixl.patch.xmltext import clean_text, escape, unescape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET = (
    f'<x:worksheet xmlns:x="{MAIN}" xmlns:mc="http://schemas.openxmlformats.org/'
    'markup-compatibility/2006" mc:Ignorable="x14ac" xmlns:x14ac="urn:x14ac">'
    '<x:dimension ref="A1:C3"/><x:sheetData>'
    '<x:row r="1" spans="1:3"><x:c r="A1" s="1"><x:f t="shared" ref="A1:A3" si="0">B1*2</x:f>'
    '<x:v>2</x:v></x:c><x:c r="C1"><x:v>5</x:v></x:c></x:row>'
    '<x:row r="3"><x:c r="A3"><x:f t="shared" si="0"/><x:v>6</x:v></x:c></x:row>'
    "</x:sheetData></x:worksheet>"
)
WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><bookViews><workbookView activeTab="1"/>'
    '</bookViews><sheets><sheet name="A" sheetId="1" r:id="rId1"/><sheet name="B" sheetId="2" '
    'r:id="rId2"/></sheets><definedNames><definedName name="_xlnm.Print_Titles" '
    'localSheetId="1">\'B\'!$1:$1</definedName><definedName name="g">A!$A$1</definedName>'
    '</definedNames><calcPr calcId="1"/></workbook>'
)


def package(tmp_path: Path, sheet: str = SHEET) -> Path:
    path = tmp_path / "in.xlsx"
    ct = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/></Types>'
    )
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/worksheet" Target="/xl/worksheets/sheet2.xml"/>'
        "</Relationships>"
    )
    root = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="r" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", root)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/worksheets/sheet2.xml", sheet)
        z.writestr("xl/media/raw.bin", bytes(range(256)) * 10, zipfile.ZIP_STORED)
    return path


def test_cells_are_spliced_with_the_sheets_own_prefix(tmp_path: Path) -> None:
    pkg = Package.open(package(tmp_path))
    ws = Worksheet(pkg, "xl/worksheets/sheet1.xml")
    ws.apply(
        {
            (1, 1): CellEdit(3.5),  # shared-formula master: formula kept, cached value set
            (3, 1): CellEdit("ข้อความ <&>"),  # shared-formula child: still a formula
            (1, 2): CellEdit(None, restyle=lambda old: old + 7),  # absent, between A1 and C1
            (2, 4): CellEdit(1),  # absent row, between rows 1 and 3, beyond the dimension
        }
    )
    data = ws.data.decode()
    assert (
        '<x:c r="A1" s="1"><x:f t="shared" ref="A1:A3" si="0">B1*2</x:f><x:v>3.5</x:v></x:c>'
        in data
    )
    assert (
        '<x:c r="A3" t="str"><x:f t="shared" si="0"/><x:v>ข้อความ &lt;&amp;&gt;</x:v></x:c>' in data
    )
    assert '<x:c r="B1" s="7"/><x:c r="C1">' in data
    assert '</x:row><x:row r="2"><x:c r="D2"><x:v>1</x:v></x:c></x:row><x:row r="3">' in data
    assert '<x:dimension ref="A1:D3"/>' in data
    assert 'mc:Ignorable="x14ac"' in data
    pkg.close()


def test_cells_are_read_whatever_the_order_of_their_attributes(tmp_path: Path) -> None:
    # r and s first, as Excel, LibreOffice and openpyxl write them, and any other order
    cells = (
        '<x:c r="A2" s="4" t="n"><x:v>1</x:v></x:c><x:c t="n" s="5" r="B2"><x:v>2</x:v></x:c>'
        '<x:c r=\'C2\'  s=\'6\'/><x:c s="7" r="D2"/><x:c r="E2" t="s" s="8"><x:v>0</x:v></x:c>'
        '<x:c r="F2"><x:f>A2</x:f><x:v>1</x:v></x:c>'
    )
    sheet = SHEET.replace('<x:row r="3">', f'<x:row r="2">{cells}</x:row><x:row r="3">')
    pkg = Package.open(package(tmp_path, sheet))
    ws = Worksheet(pkg, "xl/worksheets/sheet1.xml")
    found = ws.cells({2})
    assert {k: (c.style, ws.has_formula(c)) for k, c in found.items()} == {
        (2, 1): (4, False),
        (2, 2): (5, False),
        (2, 3): (6, False),
        (2, 4): (7, False),
        (2, 5): (8, False),
        (2, 6): (0, True),
    }
    data = pkg.read("xl/worksheets/sheet1.xml")
    assert all(data[c.start : c.end] == c.xml for c in found.values())
    assert found[(2, 4)].xml == b'<x:c s="7" r="D2"/>'
    pkg.close()


def test_rows_without_references_are_refused(tmp_path: Path) -> None:
    pkg = Package.open(package(tmp_path, SHEET.replace(' r="3"', "")))
    with pytest.raises(PatchUnsupported, match="row without"):
        Worksheet(pkg, "xl/worksheets/sheet1.xml").apply({(3, 1): CellEdit(1)})
    pkg.close()


def test_inserting_a_sheet_first_renumbers_local_names(tmp_path: Path) -> None:
    src = package(tmp_path)
    pkg = Package.open(src)
    book = Workbook(pkg)
    pkg.add("xl/worksheets/sheet3.xml", SHEET.encode())
    book.insert_first("R", "xl/worksheets/sheet3.xml", [("_xlnm.Print_Titles", "'R'!$2:$2", False)])
    data = pkg.read("xl/workbook.xml").decode()
    assert '<sheets><sheet name="R" sheetId="3" r:id="rId3"/><sheet name="A"' in data
    assert "localSheetId=\"2\">'B'!$1:$1" in data and "localSheetId=\"0\">'R'!$2:$2" in data
    assert '<workbookView activeTab="0"/>' in data
    assert '<calcPr calcId="1" fullCalcOnLoad="1"/>' in data
    out = tmp_path / "out.xlsx"
    pkg.save(out)
    pkg.close()
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert b.testzip() is None
        for name in ("xl/worksheets/sheet1.xml", "xl/media/raw.bin"):
            assert a.read(name) == b.read(name)
            assert a.getinfo(name).compress_type == b.getinfo(name).compress_type
        assert [n for n in b.namelist() if n in a.namelist()] == a.namelist()
    reverted = Package.open(out)
    Workbook(reverted).remove("R")
    assert (
        reverted.read("xl/workbook.xml")
        == WORKBOOK.replace('activeTab="1"', 'activeTab="0"')
        .replace('calcId="1"', 'calcId="1" fullCalcOnLoad="1"')
        .encode()
    )
    reverted.close()


def test_strict_ooxml_is_refused(tmp_path: Path) -> None:
    strict = SHEET.replace(MAIN, "http://purl.oclc.org/ooxml/spreadsheetml/main")
    pkg = Package.open(package(tmp_path, strict))
    with pytest.raises(PatchUnsupported, match="Strict"):
        Worksheet(pkg, "xl/worksheets/sheet1.xml")
    pkg.close()


def test_edits_applied_at_once_give_what_one_splice_after_another_gives(tmp_path: Path) -> None:
    part = "xl/worksheets/sheet1.xml"
    # From the end to the start: two inserts at one place (the later one goes first), a
    # replacement, an edit that changes nothing (not journalled), a deletion.
    edits = [(40, 40, b"<a/>"), (40, 40, b"<b/>"), (30, 35, b"XY"), (20, 25, None), (0, 9, b"")]
    pkg = Package.open(package(tmp_path))
    source = pkg.read(part)
    plan = [(s, e, source[s:e] if new is None else new) for s, e, new in edits]
    # What slicing the bytes one edit after another gives (splice() itself is splice_all).
    expected, journal = source, []
    for start, end, new in plan:
        if expected[start:end] != new:
            journal.append(Splice(start, expected[start:end], new))
        expected = expected[:start] + new + expected[end:]
    assert pkg.splice_all(part, plan) == expected == pkg.read(part)
    assert pkg.journal == {part: journal}
    assert len(journal) == 4 and expected.startswith(source[9:20])
    with pytest.raises(PatchUnsupported, match="overlapping"):
        pkg.splice_all(part, [(10, 20, b"x"), (15, 30, b"y")])
    pkg.close()


_ESCAPES = {
    "&": ["&amp;", "&#38;", "&#x26;"],
    "<": ["&lt;", "&#60;"],
    ">": ["&gt;", ">"],
    '"': ["&quot;", '"'],
    "'": ["&apos;", "'"],
    "ก": ["ก", "&#3585;", "&#xE01;"],
}


@given(
    st.lists(st.tuples(st.sampled_from(sorted(_ESCAPES)), st.integers(0, 2)), max_size=12),
    st.sampled_from(["", "a ", "lt;", "#38;", "amp;"]),
)
def test_unescape_reads_text_as_an_xml_parser_does(pieces: list[tuple[str, int]], gap: str) -> None:
    """Named and numeric references, each way of writing a character, mixed: what an XML
    parser reads (a reference is never resolved twice: "&amp;lt;" is "&lt;")."""
    written = "".join(gap + _ESCAPES[ch][way % len(_ESCAPES[ch])] for ch, way in pieces)
    parsed = ET.fromstring(f"<v>{written}</v>").text or ""
    assert unescape(written.encode()) == parsed
    assert unescape(b"&#99999999999999999999;&lt;") == "&#99999999999999999999;<"


@given(st.text(st.sampled_from("&<>\"'\r ]ก\x01\ufffe\U0001f600a"), max_size=40))
def test_escaped_text_reads_back_as_content_and_as_an_attribute(text: str) -> None:
    """What an XML parser reads back is the text made safe (clean_text), as element content
    (where a quote is written as it is) and as a double-quoted attribute value."""
    safe = clean_text(text, len(text) + 1)
    content, attribute = escape(text, quote=False), escape(text)
    root = ET.fromstring(b'<v a="' + attribute + b'">' + content + b"</v>")
    assert (root.text or "") == safe == unescape(content) == root.get("a")
    assert content.count(b'"') == text.count('"') and b"&quot;" not in content


def test_head_inflates_a_part_only_as_far_as_asked(tmp_path: Path) -> None:
    """A part's head is read without inflating (nor CRC-checking) the rest: a part whose
    end is damaged still gives its head, while reading it whole is refused."""
    rows = "".join(
        f'<x:row r="{n}"><x:c r="A{n}" t="inlineStr"><x:is><x:t>'
        f"{hashlib.sha256(str(n).encode()).hexdigest()}</x:t></x:is></x:c></x:row>"
        for n in range(1, 3000)
    )
    sheet = SHEET.replace(
        "<x:sheetData>",
        '<x:sheetViews><x:sheetView tabSelected="1"/></x:sheetViews><x:sheetData>' + rows,
    )
    path = package(tmp_path, sheet)
    pkg = Package.open(path)
    head = pkg.head("xl/worksheets/sheet1.xml", b"sheetData")
    assert sheet.encode().startswith(head) and b"sheetData" in head and len(head) < 10_000
    assert pkg.head("xl/worksheets/sheet2.xml", b"never there") == sheet.encode()
    assert pkg.head("xl/worksheets/sheet2.xml", b"x") == pkg.read("xl/worksheets/sheet2.xml")
    with pytest.raises(PatchUnsupported, match="missing"):
        pkg.head("xl/worksheets/sheet9.xml", b"sheetData")
    info = next(i for i in pkg.infos if i.filename == "xl/worksheets/sheet1.xml")
    pkg.close()
    damaged = bytearray(path.read_bytes())
    end = info.header_offset + 30 + len(info.filename) + info.compress_size
    damaged[end - 400 : end - 300] = bytes(100)
    path.write_bytes(bytes(damaged))
    pkg = Package.open(path)
    assert pkg.head("xl/worksheets/sheet1.xml", b"sheetData") == head
    with pytest.raises(PatchUnsupported, match="cannot be read"):
        pkg.read("xl/worksheets/sheet1.xml")
    pkg.close()


def test_a_template_parts_check_is_remembered_by_its_bytes_not_a_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workbook and relationships parts come back byte for byte in every workbook of a
    round: checked once. A sheet (the division's cells) is checked in every package, and a
    refused part is refused every time."""
    parsed: list[bytes] = []
    refusal = X._refusal

    def counting(data: bytes) -> str | None:
        parsed.append(data)
        return refusal(data)

    X._remembered_refusal.cache_clear()
    monkeypatch.setattr(X, "_refusal", counting)
    path = package(tmp_path)
    for _ in range(2):
        pkg = Package.open(path)
        Workbook(pkg).sheets()
        Worksheet(pkg, "xl/worksheets/sheet1.xml")
        pkg.close()
    sheet = SHEET.encode()
    assert parsed.count(sheet) == 2
    assert parsed.count(WORKBOOK.encode()) == 1 and len(parsed) == 2 + 3
    broken = tmp_path / "broken"
    broken.mkdir()
    bad = package(broken, SHEET)
    with zipfile.ZipFile(bad, "a") as z:
        z.writestr("xl/styles.xml", "<styleSheet><unclosed></styleSheet>")
    for _ in range(2):
        pkg = Package.open(bad)
        with pytest.raises(PatchUnsupported, match=r"styles\.xml is malformed"):
            pkg.read_xml("xl/styles.xml")
        pkg.close()


def test_a_part_that_disagrees_with_the_zip_directory_is_refused(tmp_path: Path) -> None:
    """A part is inflated from its stored bytes, and refused as zipfile would refuse it: a
    stored part whose bytes do not match their CRC, a local header naming another part or
    flagging its name UTF-8 when it is not."""
    path = package(tmp_path)
    pkg = Package.open(path)
    infos = {i.filename: i for i in pkg.infos}
    assert pkg.read("xl/media/raw.bin") == bytes(range(256)) * 10
    assert pkg.read("xl/worksheets/sheet1.xml") == SHEET.encode()
    pkg.close()
    raw, sheet = infos["xl/media/raw.bin"], infos["xl/worksheets/sheet1.xml"]
    data = bytearray(path.read_bytes())
    data[raw.header_offset + 30 + len(raw.filename) + 5] ^= 0xFF  # a stored byte
    name_at = sheet.header_offset + 30
    data[name_at : name_at + len(sheet.filename)] = b"xl/worksheets/sheetX.xml"
    other = infos["xl/workbook.xml"]  # a local name flagged UTF-8 that is not UTF-8
    data[other.header_offset + 7] |= 0x08  # general purpose flag bit 11 (0x800)
    name_at = other.header_offset + 30
    data[name_at : name_at + len(other.filename)] = b"\xff" * len(other.filename)
    path.write_bytes(bytes(data))
    pkg = Package.open(path)
    for part in ("xl/media/raw.bin", "xl/worksheets/sheet1.xml", "xl/workbook.xml"):
        with pytest.raises(PatchUnsupported, match="cannot be read"):
            pkg.read(part)
    assert pkg.read("xl/worksheets/sheet2.xml") == SHEET.encode()
    pkg.close()
