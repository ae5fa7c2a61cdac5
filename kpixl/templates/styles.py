"""The look of the division workbooks: one font, a palette, and the cell formats.

TH Sarabun New is the Thai government's standard font (ระเบียบสำนักนายกรัฐมนตรีว่าด้วย
งานสารบรรณ); it runs small, so body text is 14 pt and titles 16–18 pt. Where it is not
installed, Excel and LibreOffice substitute a Thai font (Debian's fonts-thai-tlwg maps it
to Laksaman). The palette keeps input cells (pale yellow), computed cells (pale green)
and headers (pale blue) apart in print, and never relies on colour alone: input cells
are also the only unlocked ones, and the form says in words which to fill in.
"""

from __future__ import annotations

from typing import Any

from kpixl import layout as L

FONT = "TH Sarabun New"
BODY = 14
SMALL = 12
TITLE = 18
SUBTITLE = 16
INPUT_FILL = "#FFF2CC"
FORMULA_FILL = "#E2EFDA"
HEADER_FILL = "#DDEBF7"
GROUP_FILL = "#F2F2F2"
NUMBER = "#,##0.##"
TOTAL_NUMBER = "#,##0.00"
LINE = 21.0
"""Points per line of wrapped 14 pt TH Sarabun New (its line spacing is generous)."""
CHARS = 1.25
"""Characters of TH Sarabun New 14 pt per unit of Excel column width."""


def row_height(cells: Any) -> float:
    """A row height that shows wrapped TH Sarabun New 14 pt text whole."""
    return L.row_height(cells, line=LINE, chars_per_unit=CHARS)


def formats(book: Any) -> dict[str, Any]:
    """The workbook's cell formats, by name."""
    base = {"font_name": FONT, "font_size": BODY, "valign": "top", "text_wrap": True}
    border = {**base, "border": 1}

    def fmt(**extra: Any) -> Any:
        return book.add_format({**border, **extra})

    def plain(**extra: Any) -> Any:
        return book.add_format({**base, **extra})

    return {
        "title": plain(bold=True, font_size=TITLE, text_wrap=False),
        "title_center": plain(bold=True, font_size=TITLE, align="center", text_wrap=False),
        "subtitle": plain(font_size=SUBTITLE, text_wrap=False),
        "subtitle_center": plain(font_size=SUBTITLE, align="center", text_wrap=False),
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
        "signature": plain(align="center", text_wrap=False),
        "bad": book.add_format({"bg_color": "#F4B183", "font_color": "#7F2704", "bold": True}),
        "warn": book.add_format({"bg_color": "#B4A7D6", "font_color": "#20124D"}),
    }


def print_setup(
    sheet: Any,
    *,
    repeat: tuple[int, int] | None,
    landscape: bool,
    area: tuple[int, int] | None = None,
) -> None:
    """A4, fitted to the page width only, header rows repeated, page numbers.

    ``area`` is the (last row, last column) printed, when columns right of it stay on
    screen only (a whole-column area such as ``$A:$M`` is not read by openpyxl).
    """
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    if repeat is not None:
        sheet.repeat_rows(*repeat)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer(f'&C&"{FONT}"&12หน้า &P / &N')
    if area is not None:
        sheet.print_area(0, 0, *area)


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
