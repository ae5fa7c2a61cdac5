"""The look of the division workbooks: one font, a palette, and the cell formats.

TH Sarabun New is the Thai government's standard font (ระเบียบสำนักนายกรัฐมนตรีว่าด้วย
งานสารบรรณ); it runs small, so body text is 14 pt and titles 16–18 pt. Where it is not
installed, Excel and LibreOffice substitute a Thai font (Debian's fonts-thai-tlwg maps it
to Laksaman). The palette keeps input cells (pale yellow), computed cells (pale green)
and headers (pale blue) apart in print, and never relies on colour alone: input cells
are also the only unlocked ones, the form says in words which to fill in, and a flagged
total carries a frame or a sign besides its colour.

Printing: every sheet is laid out for A4 here, not left to "fit to page" — a fixed scale
no smaller than :data:`MIN_SCALE` (body text of 9.4 pt or more), a sheet too wide for one
page cut between column groups with its identifying columns repeated, header rows on
every page, page breaks between KPIs (never through one), helper columns outside the
print area. The widths and heights are measured in LibreOffice (``tests/test_printing.py``
prints every kind of workbook and checks each page).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kpixl import layout as L

FONT = "TH Sarabun New"
BODY = 14
TITLE = 18
SUBTITLE = 16
INPUT_FILL = "#FFF2CC"
FORMULA_FILL = "#E2EFDA"
HEADER_FILL = "#DDEBF7"
GROUP_FILL = "#F2F2F2"
ERROR_FILL = "#DE6E56"
WARNING_FILL = "#F4A261"
"""Vermillion and orange, as the checked copy marks errors and warnings
(:data:`kpixl.annotate.SEVERITY_FILL`): CIE L* ≈ 59 and 74, far below the input yellow
(96) in greyscale print, and apart from it for red-green colour-blind readers."""
WARNING_NUMBER = '"⚠ "#,##0.##'
NUMBER = "#,##0.##"
TOTAL_NUMBER = "#,##0.00"
LINE = L.LINE_PT
"""Points per line of wrapped 14 pt TH Sarabun New (its line spacing is generous)."""
A4 = (595.28, 841.89)
"""A4 portrait, (width, height) in points."""
SIDE_MARGIN, TOP_MARGIN, BOTTOM_MARGIN = 0.4, 0.5, 0.6
"""Page margins in inches; the footer sits in the bottom one."""
TITLED_TOP_MARGIN = 0.8
"""The top margin of a page headed by its sheet's title (a sheet printed side by side)."""
POINTS_PER_UNIT = 7.7
"""Printed points per unit of column width: the unit is a digit of the workbook's default
font, TH Sarabun New 14 pt (LibreOffice, with Laksaman, measured 7.6)."""
WIDTH_PADDING = 0.71
"""Units xlsxwriter adds to every column width for the cell padding."""
SAFETY = 0.97
"""The share of a page laid out: Excel and LibreOffice round widths and heights."""
MIN_SCALE = 67
"""The smallest print scale: 14 pt body text prints at 9.4 pt, above the 9 pt floor."""
FOOTER = f'&C&"{FONT}"&{BODY}&A — หน้า &P / &N'
"""The sheet's name and the page number, at body size (the page scale shrinks it as it
shrinks the body, so it never prints smaller than the body)."""


def row_height(cells: Any, size: float = BODY, *, bold: bool = False) -> float:
    """A row height that shows wrapped TH Sarabun New text of ``size`` pt whole."""
    return L.row_height(cells, line=LINE, size=size, bold=bold)


def formats(book: Any) -> dict[str, Any]:
    """The workbook's cell formats, by name."""
    base = {"font_name": FONT, "font_size": BODY, "valign": "top", "text_wrap": True}
    border = {**base, "border": 1}

    def fmt(**extra: Any) -> Any:
        return book.add_format({**border, **extra})

    def plain(**extra: Any) -> Any:
        return book.add_format({**base, **extra})

    return {
        "title": plain(bold=True, font_size=TITLE),
        "title_center": plain(bold=True, font_size=TITLE, align="center"),
        "subtitle": plain(font_size=SUBTITLE),
        "subtitle_center": plain(font_size=SUBTITLE, align="center"),
        "note": plain(italic=True, font_color="#404040", text_wrap=True),
        "paragraph": plain(),
        "label": plain(bold=True),
        "header": fmt(bold=True, align="center", valign="vcenter", bg_color=HEADER_FILL),
        "key": book.add_format({"font_size": 8, "font_color": "#999999"}),
        "text": fmt(),
        "center": fmt(align="center"),
        "number": fmt(num_format=NUMBER, align="center"),
        "group": fmt(bold=True, bg_color=GROUP_FILL),
        "input": fmt(locked=False, bg_color=INPUT_FILL, num_format=NUMBER),
        "input_text": fmt(locked=False, bg_color=INPUT_FILL),
        "input_date": fmt(locked=False, bg_color=INPUT_FILL, num_format=L.DATE_FORMAT),
        "input_tick": fmt(locked=False, bg_color=INPUT_FILL, align="center"),
        "formula": fmt(bg_color=FORMULA_FILL, num_format=NUMBER, align="center"),
        "formula_date": fmt(bg_color=FORMULA_FILL, num_format=L.DATE_FORMAT, align="center"),
        "total": fmt(bold=True, bg_color=FORMULA_FILL, num_format=TOTAL_NUMBER, align="center"),
        "total_label": fmt(bold=True, align="right"),
        "signature": plain(align="center"),
        # Conditional formats: the fill of the checked copy's error and warning, and a
        # sign that needs no colour — a dashed frame round a total that must be filled,
        # "⚠" before a total that does not add up.
        "bad": book.add_format(
            {"bg_color": ERROR_FILL, "bold": True, "border": 3, "border_color": "#000000"}
        ),
        "warn": book.add_format({"bg_color": WARNING_FILL, "num_format": WARNING_NUMBER}),
    }


@dataclass(frozen=True)
class Pages:
    """How a sheet is cut into A4 pages: one print scale, and where pages start.

    Attributes:
        scale: the print scale in percent (every page of a sheet has the same).
        columns: 0-based columns that start a new page to the right (vertical breaks).
        rows: 0-based rows that start a new page below (horizontal breaks).
    """

    scale: int
    columns: tuple[int, ...] = ()
    rows: tuple[int, ...] = ()


def column_points(width: float) -> float:
    """Printed points (at 100 %) of a column ``width`` units wide, its padding included;
    a hidden column (width 0) prints nothing."""
    return (width + WIDTH_PADDING) * POINTS_PER_UNIT if width > 0 else 0.0


def printable(landscape: bool, top: float = TOP_MARGIN) -> tuple[float, float]:
    """The (width, height) in points that the body of an A4 page holds at 100 %, with a
    margin for the rounding of widths and heights by Excel and LibreOffice."""
    width, height = (A4[1], A4[0]) if landscape else A4
    return (
        (width - 2 * SIDE_MARGIN * 72) * SAFETY,
        (height - (top + BOTTOM_MARGIN) * 72) * SAFETY,
    )


def column_pages(
    widths: Sequence[float],
    *,
    landscape: bool,
    groups: Sequence[tuple[int, int]] = (),
    repeat_columns: tuple[int, int] | None = None,
) -> tuple[int, tuple[int, ...]]:
    """The print scale and the vertical page breaks of columns ``widths``.

    The columns are fitted to one page wide when the body text then prints at
    :data:`MIN_SCALE` or more; otherwise they are cut between ``groups`` (inclusive
    column ranges kept on one page; columns outside every group stand alone) into pages
    of their own with ``repeat_columns`` on each, at the largest scale every page fits.
    """
    points = [column_points(w) for w in widths]
    room = printable(landscape)[0]
    whole = _scale(room, sum(points))
    if whole >= MIN_SCALE:
        return whole, ()
    at_min = room * 100 / MIN_SCALE
    fixed = sum(points[repeat_columns[0] : repeat_columns[1] + 1]) if repeat_columns else 0.0
    first = repeat_columns[1] + 1 if repeat_columns else 0
    blocks = _blocks(first, len(widths) - 1, groups)
    breaks, widest = L.cut_columns(
        points, blocks, lead=sum(points[:first]), repeated=fixed, room=at_min
    )
    return _scale(room, widest), breaks


def row_pages(
    sheet: Any,
    *,
    scale: int,
    landscape: bool,
    last_row: int,
    first_row: int = 0,
    top: float = TOP_MARGIN,
    repeat: tuple[int, int] | None = None,
    keep: Sequence[tuple[int, int]] = (),
    new_pages: Sequence[int] = (),
) -> tuple[int, ...]:
    """Horizontal page breaks that keep each of ``keep`` (inclusive row ranges: a KPI's
    rows, the signature blocks) on one page and start a page at each of ``new_pages``.

    Heights are those the sheet's rows were given (a row left at its default counts as
    one line); a range taller than a page is started on a page of its own. Every page
    after the first is counted with the repeated rows at its top.
    """
    room = printable(landscape, top)[1] * 100 / scale
    repeated = sum(_height(sheet, r) for r in range(repeat[0], repeat[1] + 1)) if repeat else 0.0
    starts = set(new_pages)
    breaks: list[int] = []
    used = 0.0
    for a, b in _blocks(first_row, last_row, keep):
        size = sum(_height(sheet, r) for r in range(a, b + 1))
        if used > 0 and (a in starts or used + size > room):
            breaks.append(a)
            used = repeated
        used += size
    return tuple(breaks)


def print_setup(
    sheet: Any,
    *,
    widths: Sequence[float],
    landscape: bool,
    last_row: int,
    repeat: tuple[int, int] | None = None,
    groups: Sequence[tuple[int, int]] = (),
    repeat_columns: tuple[int, int] | None = None,
    keep: Sequence[tuple[int, int]] = (),
    new_pages: Sequence[int] = (),
    title_rows: int = 0,
    title: str = "",
) -> Pages:
    """A4, header rows repeated, the sheet's name and page number in the footer, and the
    page breaks laid out here (see :func:`column_pages` and :func:`row_pages`).

    The print area is rows 0 to ``last_row`` and the columns of ``widths`` (left to right
    from column A): columns right of it (the value used, how to fill in, helpers) stay
    on screen only. The scale is fixed, not "fit to page": Excel ignores manual page
    breaks under "fit to page", and these breaks are what keep a KPI on one page.

    A sheet printed on pages side by side repeats ``repeat_columns`` on each; its first
    ``title_rows`` (titles merged over the first page's columns, which the repeated
    columns would show cut) are then left out, and ``title`` heads every page instead.
    """
    scale, columns = column_pages(
        widths, landscape=landscape, groups=groups, repeat_columns=repeat_columns
    )
    titled = bool(columns and title)
    first_row = title_rows if titled else 0
    top = TITLED_TOP_MARGIN if titled else TOP_MARGIN
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.set_paper(9)  # A4
    sheet.set_margins(left=SIDE_MARGIN, right=SIDE_MARGIN, top=top, bottom=BOTTOM_MARGIN)
    sheet.set_footer(FOOTER)
    if titled:
        sheet.set_header(f'&L&"{FONT},Bold"&{BODY}{title.replace("&", "&&")[:200]}')
    if repeat is not None:
        sheet.repeat_rows(*repeat)
    if columns and repeat_columns is not None:
        sheet.repeat_columns(*repeat_columns)
    # A block kept together must fit a page's height too (down to the smallest scale).
    tallest = max((sum(_height(sheet, r) for r in range(a, b + 1)) for a, b in keep), default=0.0)
    if tallest:
        scale = max(min(scale, _scale(printable(landscape, top)[1], tallest)), MIN_SCALE)
    rows = row_pages(
        sheet,
        scale=scale,
        landscape=landscape,
        last_row=last_row,
        first_row=first_row,
        top=top,
        repeat=repeat,
        keep=keep,
        new_pages=new_pages,
    )
    sheet.set_print_scale(scale)
    sheet.print_across()  # a wide sheet's pages of the same rows follow one another
    sheet.print_area(first_row, 0, last_row, len(widths) - 1)
    if columns:
        sheet.set_v_pagebreaks(list(columns))
    if rows:
        sheet.set_h_pagebreaks(list(rows))
    return Pages(scale, columns, rows)


def merge_on_pages(
    sheet: Any,
    rows: tuple[int, int],
    columns: tuple[int, int],
    text: str,
    cell_format: Any,
    breaks: Sequence[int],
) -> None:
    """Merge a heading over ``columns`` (inclusive) and ``rows``, cut at the vertical page
    breaks ``breaks``: each page shows the heading whole over its own columns."""
    first, last = columns
    cuts = [first, *(b for b in breaks if first < b <= last), last + 1]
    for a, b in itertools.pairwise(cuts):
        if (a, rows[0]) == (b - 1, rows[1]):
            sheet.write_string(rows[0], a, text, cell_format)
        else:
            sheet.merge_range(rows[0], a, rows[1], b - 1, text, cell_format)


def _scale(room: float, points: float) -> int:
    return max(10, min(100, math.floor(room * 100 / points))) if points else 100


def _blocks(first: int, last: int, groups: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``first`` … ``last`` cut into ``groups`` and single items between them."""
    spans = sorted((a, b) for a, b in groups if b >= first and a <= last)
    blocks: list[tuple[int, int]] = []
    at = first
    for a, b in spans:
        if a < at:
            continue
        blocks += [(i, i) for i in range(at, a)]
        blocks.append((a, min(b, last)))
        at = b + 1
    blocks += [(i, i) for i in range(at, last + 1)]
    return blocks


def _height(sheet: Any, row: int) -> float:
    """A row's height in points as set (xlsxwriter keeps it in pixels), 0 when hidden."""
    size = getattr(sheet, "row_sizes", {}).get(row)
    if size is None:
        return LINE
    pixels, hidden = size
    return 0.0 if hidden else float(pixels) * 0.75


def protect(sheet: Any, password: str) -> None:
    """Lock every cell but the unlocked inputs; columns and rows may still be resized."""
    sheet.protect(
        password,
        {
            "format_columns": True,
            "format_rows": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )
