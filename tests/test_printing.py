"""Every kind of workbook kpixl writes, printed to A4 by LibreOffice and read page by page.

One batched LibreOffice conversion prints: the division workbooks of the bundled masters
(every sheet kind: agreement, scoring form, detail pages, supporting data, survey answer
sheets, target sheet; and the target-sheet-only workbook of อบจ.กระบี่), the checked copies
of a round over filled samples, the round's results workbook and the year-end summary
workbook. PDFium then reads every page: its size, the size and position of every
character, and the ruling lines of the cells.

What a printed page must be:

* A4, portrait or landscape (within 1 pt);
* no text smaller than 9 pt — nothing is excluded: the footer (sheet name and page number)
  is written at body size and shrinks with the page like the body;
* nothing clipped: no character outside the page; no character crossing a cell's ruling
  line (text taller or wider than its bordered cell: LibreOffice clips it on paper but
  still writes it into the PDF, where it shows up across the line); no two lines of text
  drawn over each other (wrapped text taller than its borderless row runs into the next);
  no "###" (a number too wide for its column);
* the helper columns (the value used, how to fill in, keys) not printed;
* header rows on every page of a sheet; page breaks between KPIs, never through one.
"""

from __future__ import annotations

import bisect
import ctypes
import dataclasses
import itertools
import unicodedata
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import build_samples
import openpyxl
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pdf import to_pdf

from kpixl import layout as L
from kpixl.annotate import COMPLETE_TEXT, NOTHING_TO_SCORE, SEVERITY_FILL
from kpixl.definitions import parse_definitions
from kpixl.fill import Filler
from kpixl.findings import CATALOGUE
from kpixl.ledger import Ledger
from kpixl.ledger_export import TABLES, export_ledger
from kpixl.master import Master, division_definitions
from kpixl.round import run_round
from kpixl.summary import build_summary, write_summary_workbook
from kpixl.templates import styles as S
from kpixl.templates import workbook_name, write_division_workbook
from kpixl.templates.pages import _groups

TEMPLATES = {"COM": "nakhonsawan", "FIN": "nakhonsawan", "PER": "nakhonsawan", "75105": "krabi"}
"""The division workbooks printed: COM has every sheet kind (surveys included), FIN the
longest scoring form, PER weighted sub-items, 75105 of อบจ.กระบี่ only a target sheet."""
RETURNS = ("WEL_messy_dates_reports", "PAL_messy_rubric_edges", "FIN_clean", "KRABI_target_sheet")
"""Samples sent through a round — filled here by their recipes (``build_samples``) into
workbooks made now, so what prints is what kpixl writes today: their checked copies, the
round's results and its summary."""
A4 = sorted(S.A4)
MIN_PT = 9.0


@dataclasses.dataclass
class Page:
    """One printed page, as PDFium reads it."""

    book: str
    number: int
    width: float
    height: float
    chars: list[dict[str, Any]]
    edges: list[tuple[str, float, float, float]]
    """(orientation, position, start, end) of each ruling line."""
    text: str
    """Every character of the page, normalised (:func:`norm`), in reading order."""
    sheet: str
    """The sheet printed on it, from the footer (empty where the footer does not say)."""

    def where(self) -> str:
        return f"{self.book} page {self.number} ({self.sheet or '?'})"


def norm(text: str) -> str:
    """Text as compared with what the PDF gives back: without spaces, without the marks
    above and below Thai letters (the PDF gives them out of order) and without า and ำ
    (LibreOffice's PDF maps the glyphs of ำ to "ำา", and in bold sometimes leaves the glyph
    of า unmapped)."""
    kept = (
        ch
        for ch in text
        if not ch.isspace()
        and unicodedata.category(ch) not in ("Mn", "Cf", "Cc", "Co", "Cn")
        and ch not in "\u0e32\u0e33"
    )
    return "".join(kept)


@dataclasses.dataclass
class Printed:
    """Every workbook printed, and its pages."""

    books: dict[str, Path]
    pages: dict[str, list[Page]]
    definitions: dict[str, Any]


def _read_pages(book: str, pdf: Path, sheets: list[str]) -> list[Page]:
    """Every page of ``pdf``, read with PDFium (pypdfium2, which pdfplumber brings; ten
    times faster than pdfplumber's pdfminer over the ~300 pages printed here).

    A character's box is pdfplumber's: from its origin to its advance across, one font
    size up from its baseline. A ruling line is a drawn path's bounds: a line (as
    LibreOffice draws a cell's border) or the four sides of a rectangle."""
    names = {norm(name): name for name in sheets}
    pages = []
    document = pdfium.PdfDocument(pdf)
    try:
        for number, page in enumerate(document, 1):
            width, height = page.get_size()
            chars = _chars(page, height)
            bottom = [c for c in chars if c["top"] > height - 45]
            footer = "".join(c["text"] for c in sorted(bottom, key=lambda c: c["x0"]))
            sheet = names.get(norm(footer.split("—")[0]), "") if "—" in footer else ""
            ordered = sorted(chars, key=lambda c: (round(c["bottom"]), c["x0"]))
            text = norm("".join(c["text"] for c in ordered))
            pages.append(
                Page(book, number, width, height, chars, _edges(page, height), text, sheet)
            )
            page.close()
    finally:
        document.close()
    return pages


def _chars(page: Any, height: float) -> list[dict[str, Any]]:
    textpage = page.get_textpage()
    chars = []
    box = pdfium_c.FS_RECTF()
    x, y = ctypes.c_double(), ctypes.c_double()
    for i in range(textpage.count_chars()):
        if pdfium_c.FPDFText_IsGenerated(textpage, i):
            continue
        text = chr(pdfium_c.FPDFText_GetUnicode(textpage, i))
        if not text.strip():
            continue
        size = pdfium_c.FPDFText_GetFontSize(textpage, i)
        pdfium_c.FPDFText_GetLooseCharBox(textpage, i, box)
        pdfium_c.FPDFText_GetCharOrigin(textpage, i, x, y)
        baseline = height - y.value
        chars.append(
            {
                "text": text,
                "size": size,
                "x0": max(box.left, x.value),
                "x1": box.right,
                "width": box.right - max(box.left, x.value),
                "top": baseline - size,
                "bottom": baseline,
            }
        )
    textpage.close()
    return chars


def _edges(page: Any, height: float) -> list[tuple[str, float, float, float]]:
    edges = []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    for obj in page.get_objects(max_depth=5):
        if obj.type != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        # Only drawn lines are a cell's borders: LibreOffice fills neighbouring cells of
        # one colour as one rectangle, whose sides need not be a cell's.
        pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke)
        if not stroke.value:
            continue
        left, low, right, high = obj.get_bounds()
        top, bottom = height - high, height - low
        if bottom - top < 2:
            edges.append(("h", (top + bottom) / 2, left, right))
        elif right - left < 2:
            edges.append(("v", (left + right) / 2, top, bottom))
        elif _is_rectangle(obj):
            edges += [("h", top, left, right), ("h", bottom, left, right)]
            edges += [("v", left, top, bottom), ("v", right, top, bottom)]
        # Anything else (a chart's lines and markers) is no cell's border.
    return edges


def _is_rectangle(obj: Any) -> bool:
    """A path of four sides along its own axes (not a chart's polyline or marker)."""
    count = pdfium_c.FPDFPath_CountSegments(obj)
    if count not in (4, 5):
        return False
    x, y = ctypes.c_float(), ctypes.c_float()
    points = []
    for i in range(count):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        points.append((x.value, y.value))
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    corners = {(a, b) for a in (min(xs), max(xs)) for b in (min(ys), max(ys))}
    return all(min(abs(px - a) + abs(py - b) for a, b in corners) < 0.5 for px, py in points)


@pytest.fixture(scope="module")
def printed(
    master: Master, krabi_master: Master, tmp_path_factory: pytest.TempPathFactory
) -> Printed:
    out = tmp_path_factory.mktemp("printing")
    masters = {"nakhonsawan": master, "krabi": krabi_master}
    books: dict[str, Path] = {}
    definitions: dict[str, Any] = {}
    for code, which in TEMPLATES.items():
        path = out / "templates" / workbook_name(masters[which], code)
        path.parent.mkdir(exist_ok=True)
        books[f"template {code}"] = write_division_workbook(masters[which], code, path)
        definitions[code] = parse_definitions(division_definitions(masters[which], code))
    returns = []
    for stem in RETURNS:
        which, code, fill = build_samples.FILLED[stem]
        blank = out / "blank" / f"{stem}.xlsx"
        blank.parent.mkdir(exist_ok=True)
        write_division_workbook(masters[which.split("_")[0]], code, blank)
        filler = Filler(blank)
        fill(filler)
        returned = out / "returned" / f"{stem}.xlsx"
        returned.parent.mkdir(exist_ok=True)
        filler.save(returned)
        returns.append(returned)
    round_dir = out / "round"
    report = run_round(
        returns,
        [master, krabi_master],
        round_dir,
        round_label="2565-Q4",
        workers=1,
    )
    for checked in sorted((round_dir / "checked").glob("*.checked.xlsx")):
        books[f"checked {checked.name.split('_')[2].split('.')[0]}"] = checked
    books["results"] = round_dir / "results.xlsx"
    with Ledger(report.ledger) as ledger:
        summary = build_summary(ledger, [master], fiscal_year_be=2565, round_label="2565-Q4")
    books["summary"] = out / "summary.xlsx"
    write_summary_workbook(summary, books["summary"])
    books["ledger export"] = out / "ledger.xlsx"
    with Ledger(report.ledger) as ledger:
        export_ledger(ledger, books["ledger export"])
    names = list(books)
    pdfs = to_pdf([books[n] for n in names], out / "pdf")
    pages = {}
    for name, pdf in zip(names, pdfs, strict=True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl on the summary's data bars
            sheets = openpyxl.load_workbook(books[name], read_only=True).sheetnames
        pages[name] = _read_pages(name, pdf, sheets)
    return Printed(books, pages, definitions)


def every_page(printed: Printed) -> Iterator[Page]:
    for pages in printed.pages.values():
        yield from pages


def sheet_pages(printed: Printed, book: str, sheet: str) -> list[Page]:
    return [p for p in printed.pages[book] if p.sheet == sheet]


def test_every_kind_of_workbook_is_printed(printed: Printed) -> None:
    assert {"checked WEL", "checked PAL", "checked FIN", "checked 75105"} <= set(printed.books)
    template = printed.pages["template COM"]
    assert {p.sheet for p in template} == {
        L.AGREEMENT_SHEET,
        L.FORM_SHEET,
        L.DETAIL_SHEET,
        L.DATA_SHEET,
        L.TARGET_SHEET,
        *(L.survey_sheet_name(k) for k in ("1", "3", "5", "6")),
    }
    for name, pages in printed.pages.items():
        assert pages, name
    # every table of the ledger, each under its title
    export = "".join(page.text for page in printed.pages["ledger export"])
    for table in TABLES:
        assert norm(f"ตาราง {table}") in export, table


# --- every page ---------------------------------------------------------------------------


def test_every_page_is_a4(printed: Printed) -> None:
    for page in every_page(printed):
        size = sorted((page.width, page.height))
        assert size == pytest.approx(A4, abs=1), page.where()


def test_no_text_is_smaller_than_nine_points(printed: Printed) -> None:
    for page in every_page(printed):
        assert page.chars, page.where()
        smallest = min(c["size"] for c in page.chars)
        assert smallest >= MIN_PT, (page.where(), smallest)


def test_no_text_runs_off_the_page(printed: Printed) -> None:
    for page in every_page(printed):
        outside = [
            c["text"]
            for c in page.chars
            if c["x0"] < -0.5
            or c["x1"] > page.width + 0.5
            or c["top"] < -0.5
            or c["bottom"] > page.height + 0.5
        ]
        assert not outside, (page.where(), "".join(outside)[:80])


Border = tuple[float, float, float]
"""A cell border: (position across, start, end)."""


def borders(page: Page) -> tuple[list[Border], list[Border]]:
    """The page's cell borders, horizontal and vertical, sorted by position.

    A border meets a border across at both its ends (a cell is closed on four sides, and a
    table by its outer lines); a chart's gridlines and ticks do not, and are left out."""
    h = sorted((at, a, b) for o, at, a, b in page.edges if o == "h")
    v = sorted((at, a, b) for o, at, a, b in page.edges if o == "v")

    def meets(x: float, y: float, across: list[Border], at: list[float]) -> bool:
        near = across[bisect.bisect_left(at, x - 1.5) : bisect.bisect_right(at, x + 1.5)]
        return any(a - 1.5 <= y <= b + 1.5 for _, a, b in near)

    hy, vx = [e[0] for e in h], [e[0] for e in v]
    kept_h = [(y, a, b) for y, a, b in h if meets(a, y, v, vx) and meets(b, y, v, vx)]
    kept_v = [(x, a, b) for x, a, b in v if meets(a, x, h, hy) and meets(b, x, h, hy)]
    return kept_h, kept_v


def crossings(page: Page) -> list[str]:
    """Characters that a cell's border runs through: text cut by its cell."""
    h, v = borders(page)
    hy, vx = [e[0] for e in h], [e[0] for e in v]
    found = []
    for c in page.chars:
        margin = 0.2 * c["size"]
        lines = h[
            bisect.bisect_right(hy, c["top"] + margin) : bisect.bisect_left(
                hy, c["bottom"] - margin
            )
        ]
        if any(min(c["x1"], b) - max(c["x0"], a) > margin for _, a, b in lines):
            found.append(c["text"])
            continue
        lines = v[
            bisect.bisect_right(vx, c["x0"] + margin) : bisect.bisect_left(vx, c["x1"] - margin)
        ]
        if any(min(c["bottom"], b) - max(c["top"], a) > margin for _, a, b in lines):
            found.append(c["text"])
    return found


def test_no_text_crosses_the_lines_of_its_cell(printed: Printed) -> None:
    for page in every_page(printed):
        cut = crossings(page)
        assert not cut, (page.where(), len(cut), "".join(cut)[:80])


def overprinted(page: Page) -> list[tuple[str, str]]:
    """Pairs of characters of different lines drawn over each other."""
    found = []
    chars = sorted(page.chars, key=lambda c: c["top"])
    tops = [c["top"] for c in chars]
    for a in chars:
        size = a["size"]
        # Only a character starting lower, but above this one's foot, can overlap it.
        start = bisect.bisect_right(tops, a["top"] + 0.3 * size)
        for b in itertools.islice(chars, start, bisect.bisect_left(tops, a["bottom"])):
            across = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            down = a["bottom"] - b["top"]
            least = min(size, b["size"])
            if across > 0.3 * min(a["width"], b["width"]) and down > 0.3 * least:
                found.append((a["text"], b["text"]))
    return found


def test_no_text_is_printed_over_other_text(printed: Printed) -> None:
    for page in every_page(printed):
        over = overprinted(page)
        assert not over, (page.where(), len(over), over[:5])


def test_no_number_is_too_wide_for_its_column(printed: Printed) -> None:
    for page in every_page(printed):
        assert "###" not in page.text, page.where()


# --- the division workbook, blank and checked ----------------------------------------------


def report_codes(page: Page) -> list[str]:
    """The finding codes printed in the report table's last column (รหัสปัญหา) of a page of
    the report sheet, each put together from its printed lines: a line ending in "-"
    goes on on the next."""
    lines: dict[int, list[dict[str, Any]]] = {}
    for char in page.chars:
        lines.setdefault(round(char["bottom"]), []).append(char)
    ordered = [sorted(line, key=lambda c: c["x0"]) for _, line in sorted(lines.items())]
    heading = next(
        (
            i
            for i, line in enumerate(ordered)
            if "Message(English)" in norm("".join(c["text"] for c in line))
        ),
        None,
    )
    if heading is None:
        return []
    head = ordered[heading]
    english_end = max(c["x1"] for c in head if c["text"] in "()")
    # The column starts at the ruling line left of its (centred) heading.
    heading_x = min(c["x0"] for c in head if c["x0"] > english_end)
    left = max(x for kind, x, _, _ in page.edges if kind == "v" and x < heading_x)
    codes, pending = [], ""
    for line in ordered[heading + 1 :]:
        # PDFium gives a hyphen that ends a line as \x02.
        text = "".join(c["text"] for c in line if c["x0"] >= left).replace("\x02", "-")
        if not text:
            continue
        pending += text
        if not text.endswith("-"):
            codes.append(pending)
            pending = ""
    return codes


def test_finding_codes_break_only_at_their_hyphens(printed: Printed) -> None:
    """A code too long for its column wraps after one of its hyphens, never inside a
    word ("kpi-unscorabl" / "e")."""
    seen = []
    for name in division_books(printed):
        for page in printed.pages[name]:
            if not page.sheet:
                seen += report_codes(page)
    assert len(seen) > 20
    assert [code for code in seen if code not in CATALOGUE] == [], seen
    assert max(map(len, seen)) > 15  # long codes were printed, and wrapped


HELPER_TEXTS = ("วิธีกรอก", "ค่าที่ใช้คิดคะแนน", "ค่าช่วยคำนวณ", "รหัสรายการ")
KEY_TEXTS = ("kpi_id", "level_1", "weighted", "computed", "numerator", "success_factor", "item:")


def division_books(printed: Printed) -> list[str]:
    return [name for name in printed.books if name.startswith(("template", "checked"))]


def test_helper_columns_and_keys_are_not_printed(printed: Printed) -> None:
    for name in division_books(printed):
        book = openpyxl.load_workbook(printed.books[name])
        if L.FORM_SHEET in book.sheetnames:
            area = book[L.FORM_SHEET].print_area.split("!")[1].replace("$", "")
            last = openpyxl.utils.get_column_letter(
                [f.key for f in L.FORM_FIELDS].index(L.FORM_PRINTED) + 1
            )
            assert area.split(":")[1].rstrip("0123456789") == last, name
        for page in printed.pages[name]:
            # The report sheet's English messages may say "computed"; its own columns are
            # all printed.
            for text in (*HELPER_TEXTS, *KEY_TEXTS) if page.sheet else HELPER_TEXTS:
                assert norm(text) not in page.text, (page.where(), text)


REPEATED = {
    L.FORM_SHEET: ("เป้าหมายในการปฏิบัติงาน", L.FORM_FIELDS[2].label),
    L.DATA_SHEET: (L.DATA_FIELDS[2].label, L.DATA_FIELDS[3].label),
    L.TARGET_SHEET: ("ตัวชี้วัด", L.target_fields(2565)[1].label),
    "survey": (L.SURVEY_FIXED[1].label,),
}
"""Header texts (each on one line in its cell) that every page of a sheet must show."""


def test_header_rows_repeat_on_every_page(printed: Printed) -> None:
    seen = set()
    for name in division_books(printed):
        for page in printed.pages[name]:
            kind = "survey" if page.sheet.startswith(L.SURVEY_PREFIX) else page.sheet
            for text in REPEATED.get(kind, ()):
                assert norm(text) in page.text, (page.where(), text)
            seen.add(kind)
        report = [p for p in printed.pages[name] if not p.sheet]
        if name.startswith("checked"):
            assert report, name
            for page in report:
                assert norm("Message (English)") in page.text, page.where()
    assert set(REPEATED) <= seen
    longest = sheet_pages(printed, "template FIN", L.FORM_SHEET)
    assert len(longest) >= 2  # the header rows were seen on a continuation page


def test_the_scoring_form_fits_one_page_wide(printed: Printed) -> None:
    """Every KPI's id is printed once, every page shows the (ค) header: no column of the
    form went to a page of its own."""
    for code in ("COM", "FIN", "PER"):
        pages = sheet_pages(printed, f"template {code}", L.FORM_SHEET)
        for page in pages:
            assert norm("(ข)") in page.text, page.where()  # the weight's header
        text = "".join(p.text for p in pages)
        assert text.count(norm(L.SCORE_LABEL)) == 1


def test_the_totals_print_with_the_signatures_that_sign_them(printed: Printed) -> None:
    for name in division_books(printed):
        pages = [p for p in printed.pages[name] if p.sheet == L.FORM_SHEET]
        if not pages:
            continue
        (signed,) = [p for p in pages if norm("ผู้รับข้อตกลง") in p.text]
        for text in (L.SCORE_LABEL, "ผู้ทำข้อตกลง"):
            assert norm(text) in signed.text, (signed.where(), text)
        assert signed.text.count(norm("ลงชื่อ")) == 2, signed.where()
        assert signed.text.count(norm("วันที่........")) == 2, signed.where()


def test_one_detail_page_per_kpi(printed: Printed) -> None:
    for code in ("COM", "FIN", "PER"):
        pages = sheet_pages(printed, f"template {code}", L.DETAIL_SHEET)
        assert len(pages) == len(_groups(printed.definitions[code].scored)), code
        for page in pages:
            for label in ("หน่วยวัด", "สูตรการคำนวณ", "ผู้จัดเก็บข้อมูล"):
                assert page.text.count(norm(label)) == 1, (page.where(), label)


def test_a_kpis_supporting_data_is_never_split_between_pages(printed: Printed) -> None:
    for name in division_books(printed):
        pages = [p for p in printed.pages[name] if p.sheet == L.DATA_SHEET]
        for page in pages:
            headings = page.text.count(norm("ตัวชี้วัดที่")) - 1  # the repeated header
            computed = page.text.count(norm("ผลที่คำนวณได้"))
            assert headings == computed >= 1, (page.where(), headings, computed)
    assert len(sheet_pages(printed, "template FIN", L.DATA_SHEET)) >= 2


def test_the_target_sheet_prints_its_sign_off_together(printed: Printed) -> None:
    for name in division_books(printed):
        pages = [p for p in printed.pages[name] if p.sheet == L.TARGET_SHEET]
        assert pages, name
        # The labels are in the columns repeated on every page side by side.
        signed = [p for p in pages if norm(L.SIGNOFF_LABELS["signed_by"]) in p.text]
        assert signed, name
        for page in signed:
            for label in L.SIGNOFF_LABELS.values():
                assert norm(label) in page.text, (page.where(), label)


def test_a_target_sheet_only_workbook_prints_only_its_target_sheet(printed: Printed) -> None:
    for name in ("template 75105", "checked 75105"):
        book = openpyxl.load_workbook(printed.books[name])
        assert L.FORM_SHEET not in book.sheetnames
        assert L.AGREEMENT_SHEET not in book.sheetnames
        sheets = {p.sheet for p in printed.pages[name]}
        assert sheets == ({L.TARGET_SHEET} if name.startswith("template") else {L.TARGET_SHEET, ""})
        for page in printed.pages[name]:
            assert norm("แบบกำหนดและประเมินผลสัมฤทธิ์ของงาน") not in page.text, page.where()


def test_the_report_of_a_target_sheet_only_workbook_has_nothing_to_score(
    printed: Printed,
) -> None:
    report = openpyxl.load_workbook(printed.books["checked 75105"])[L.REPORT_SHEET]
    values = [str(c.value) for row in report.iter_rows() for c in row if c.value is not None]
    assert NOTHING_TO_SCORE in values
    assert not any(COMPLETE_TEXT[False] in v or "ยังไม่ครบ" in v for v in values)
    printed_text = "".join(p.text for p in printed.pages["checked 75105"] if not p.sheet)
    assert norm(NOTHING_TO_SCORE) in printed_text
    assert norm("ยังไม่ครบ") not in printed_text


# --- page layout, without LibreOffice -----------------------------------------------------


def test_a_sheet_too_wide_for_a_page_is_cut_between_its_groups() -> None:
    """An 18-item survey: the items of an aspect stay on one page, the round and
    respondent columns repeat, every page fits at the smallest scale or more."""
    widths = [9.0, 9.0] + [10.0] * 18 + [10.0] * 5 + [11.0]
    groups = [(2, 5), (6, 11), (12, 14), (15, 19), (20, 25)]
    scale, breaks = S.column_pages(widths, landscape=True, groups=groups, repeat_columns=(0, 1))
    assert breaks and scale >= S.MIN_SCALE
    starts = {a for a, _ in groups}
    assert set(breaks) <= starts
    room = S.printable(True)[0] * 100 / scale
    edges = [2, *breaks, len(widths)]
    for number, (a, b) in enumerate(itertools.pairwise(edges)):
        shown = [*widths[:2], *widths[a:b]] if number else widths[:b]
        assert sum(S.column_points(w) for w in shown) <= room + 0.01


def test_a_sheet_that_fits_is_one_page_wide_at_the_largest_scale() -> None:
    scale, breaks = S.column_pages([22.0] * 4, landscape=False)
    assert breaks == ()
    assert S.MIN_SCALE <= scale <= 100
    assert sum(S.column_points(22.0) for _ in range(4)) * scale / 100 <= S.printable(False)[0]


# --- the palette --------------------------------------------------------------------------


def lightness(rgb: str) -> float:
    """CIE L* of an sRGB colour ``#RRGGBB``."""
    channels = [int(rgb.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    y = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 116 * (y ** (1 / 3) if y > 0.008856 else 7.787 * y + 16 / 116) - 16


@pytest.mark.parametrize(
    "flag",
    [S.ERROR_FILL, S.WARNING_FILL, *(f"#{c}" for c in SEVERITY_FILL.values())],
)
def test_a_flagged_cell_stands_apart_from_an_input_cell_in_greyscale(flag: str) -> None:
    assert lightness(S.INPUT_FILL) - lightness(flag) >= 8, flag
    assert lightness(S.FORMULA_FILL) - lightness(flag) >= 5, flag


def test_the_target_sheets_flags_carry_a_sign_besides_their_colour(printed: Printed) -> None:
    """A total left empty gets a dashed frame, a total that does not add up "⚠"."""
    sheet = openpyxl.load_workbook(printed.books["template PER"])[L.TARGET_SHEET]
    rules = [rule for cf in sheet.conditional_formatting for rule in cf.rules]
    empty = [r for r in rules if "LEN(" in r.formula[0]]
    assert empty
    for rule in empty:
        assert rule.dxf.border.left.style == "dashed"
        assert rule.dxf.fill.bgColor.rgb.endswith(S.ERROR_FILL.lstrip("#"))
    sums = [r for r in rules if "SUM(" in r.formula[0]]
    pal = openpyxl.load_workbook(printed.books["checked PAL"])[L.TARGET_SHEET]
    sums += [r for cf in pal.conditional_formatting for r in cf.rules if "SUM(" in r.formula[0]]
    for rule in sums:
        assert "⚠" in rule.dxf.numFmt.formatCode
        assert rule.dxf.fill.bgColor.rgb.endswith(S.WARNING_FILL.lstrip("#"))
    note = " ".join(str(c.value) for row in sheet.iter_rows(max_row=3) for c in row if c.value)
    assert "กรอบเส้นประ" in note and "⚠" in note


def test_body_text_is_th_sarabun_new_of_fourteen_points_or_more(printed: Printed) -> None:
    book = openpyxl.load_workbook(printed.books["template COM"])
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        for row in sheet.iter_rows():
            for cell in row:
                hidden = (
                    sheet.row_dimensions[cell.row].hidden
                    or sheet.column_dimensions[openpyxl.utils.get_column_letter(cell.column)].hidden
                )
                if cell.value is None or hidden:
                    continue
                assert cell.font.name == S.FONT, (sheet.title, cell.coordinate)
                assert cell.font.sz >= S.BODY, (sheet.title, cell.coordinate)
        assert sheet.oddFooter.center.size == S.BODY
