"""Writing the tables of ``results.xlsx``: formats, safe text, sizes, printing.

Every sheet of the results workbook is a titled table: a few title rows, a header row,
one row per record. :class:`Book` writes such tables the same way everywhere:

* TH Sarabun New 14 pt (the Thai government's standard font) is the workbook's own
  default font, so a column width unit is one of its digits in Excel and LibreOffice
  alike (Debian's metric clone Laksaman included): widths fitted here hold in both;
* number formats that show what the paper forms show (scores ``0.00``, levels ``0``,
  weights and amounts without a dangling decimal point: ``30`` and ``2.5``, not ``30.``);
* dates and times in B.E. with Thai month names (Excel's Thai Buddhist calendar);
* text that came from a division or an e-mail is always written as a string, so a
  ``=HYPERLINK(…)`` typed by someone can never become a live formula or link, and a text
  longer than the 32,767 characters a cell holds is cut, with a ``text-truncated`` finding;
* column widths fitted to the longest text, long text wrapped within a cap, and every row
  given the height its wrapped text needs (neither xlsxwriter nor LibreOffice's import
  fits rows);
* A4 landscape, fitted to the page width when the body text then still prints at
  :data:`MIN_PRINT_PT` or more, else split between column groups onto pages of their own
  with the identifying columns repeated (no reader can use 6 pt text).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from kpixl import layout as L
from kpixl.findings import finding, value_text
from kpixl.outputs.status import local_time
from kpixl.precision import round_value

FONT = "TH Sarabun New"
BODY = 14
TITLE = 18
SUBTITLE = 16
HEADER_FILL = "#DDEBF7"
TOTAL_FILL = "#E2EFDA"
DATETIME_FORMAT = L.DATE_FORMAT + " hh:mm"
"""A moment in B.E. with a Thai month name and a 24-hour clock (``1 ธ.ค. 2569 10:55``)."""
MAX_TEXT = 32_767
"""Characters an Excel cell holds."""
CHARS = 1.0
"""Visible characters per width unit: TH Sarabun New's Thai letters are as wide as its
digits (0.55 em), and a width unit is one digit of the default font."""
LINE = 23.5
"""Points per line of TH Sarabun New 14 pt (its line spacing is 1.65 em)."""
POINTS_PER_UNIT = 7.7
"""Printed points per width unit: a 14 pt digit is 10 px at 96 dpi, 0.75 pt a pixel."""
MIN_PRINT_PT = 9.3
"""The smallest body text a sheet is printed at: 9 pt is the floor; the rest covers the
rounding of column widths and of the print scale by Excel and LibreOffice."""
PRINT_WIDTH_PT = 841.89 - 2 * 0.4 * 72
"""Printable width of A4 landscape between the 0.4-inch side margins."""


@dataclass(frozen=True)
class Col:
    """A column of a results table.

    Attributes:
        key: the record field it shows.
        label: the Thai header.
        kind: how the value is written: ``text`` (a string, never a formula), ``code``
            (an id, centred), ``count`` (``#,##0``), ``score`` (``0.00``), ``level``
            (``0``), ``weight`` (``0`` or ``0.0#``), ``amount`` (``#,##0`` or
            ``#,##0.0#``), ``number`` (as it is, unrounded, in Excel's General format),
            ``date``, ``datetime``, ``words`` (a key shown as its word
            from ``words``, in its format from ``fills``). A :class:`datetime.date` in
            any number column is written as a date.
        wrap: long text wraps within ``max_width`` instead of widening the column.
        max_width: the widest the column gets (width units).
        min_width: the narrowest (a heading spanning it and its neighbour must fit).
        words: key → word for ``words`` columns.
        fills: key → format properties (fill, font colour) for ``words`` columns.
        printed: False for columns right of the print area (machine ids, paths).
    """

    key: str
    label: str
    kind: str = "text"
    wrap: bool = False
    max_width: float = 40
    min_width: float = 4
    words: Mapping[str, str] = field(default_factory=dict)
    fills: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    printed: bool = True


@dataclass(frozen=True)
class Table:
    """Where a table went: its header row, its data rows, and its column widths."""

    header: int
    first: int
    last: int
    widths: tuple[float, ...]


_NUMBER_FORMATS = {
    "count": "#,##0",
    "score": "0.00",
    "level": "0",
    "date": L.DATE_FORMAT,
    "datetime": DATETIME_FORMAT,
    "number": "General",
}
_SHOWN_DATE = "30 ธ.ค. 2564"
_SHOWN_MOMENT = "30 ธ.ค. 2564 10:55"


def new_workbook(path: Path) -> Any:
    """An xlsxwriter workbook whose default font is TH Sarabun New 14 pt and in which no
    string ever becomes a formula, a link or a number."""
    return xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_format_properties": {"font_name": FONT, "font_size": BODY},
        },
    )


def is_missing(value: Any) -> bool:
    """True for None, NaN, NA and NaT: a cell left blank (never written as 0)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array is a value, not a blank
        return False


def _plain(value: Any) -> float:
    """``value`` with no binary noise beyond the forms' two places."""
    return round_value(float(value))


def number_format(kind: str, value: Any) -> str:
    """The number format of a ``kind`` cell holding ``value``.

    Weights and amounts get a format without decimals when they are whole, so that Excel
    shows ``30`` (``0.##`` would show ``30.``) and ``2.5`` alike.
    """
    if kind in _NUMBER_FORMATS:
        return _NUMBER_FORMATS[kind]
    whole = is_missing(value) or float(value) == math.floor(float(value))
    if kind == "weight":
        return "0" if whole else "0.0#"
    return "#,##0" if whole else "#,##0.0#"


def display(col: Col, value: Any) -> str:
    """What a cell shows (as wide as it shows), to fit its column and row."""
    if is_missing(value):
        return ""
    if isinstance(value, dt.datetime) or col.kind == "datetime":
        return _SHOWN_MOMENT
    if isinstance(value, dt.date) or col.kind == "date":
        return _SHOWN_DATE
    if col.kind == "words":
        return col.words.get(str(value), value_text(value))
    if col.kind == "score":
        return f"{_plain(value):,.2f}"
    if col.kind == "number":
        return value_text(value)
    if col.kind in ("count", "level", "weight", "amount"):
        number = _plain(value)
        return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
    return value_text(value)


def text_width(text: str, *, bold: bool = False) -> float:
    """Width units that show ``text`` on one line (its longest line)."""
    if not text:
        return 0.0
    longest = max(L.text_units(line) for line in text.split("\n"))
    return longest * (_BOLD if bold else 1.0) / CHARS + 1.0


_BOLD = 1.03
"""Bold TH Sarabun New is hardly wider than regular (its digits are, its letters not)."""


def lines_needed(text: str, width: float, *, bold: bool = False) -> int:
    """Lines ``text`` takes when wrapped in a column ``width`` units wide (as the division
    workbooks measure it: :func:`kpixl.layout.wrapped_lines`)."""
    return L.wrapped_lines(text, width, CHARS / (_BOLD if bold else 1.0))


MAX_ROW = 409.0
"""The tallest row Excel allows (points); a longer text scrolls inside its cell."""


def row_points(lines: int, size: float = BODY) -> float:
    """The height of a row showing ``lines`` lines of ``size`` pt text."""
    return min(lines * LINE * size / BODY + 4, MAX_ROW)


def _header_width(label: str) -> float:
    """Headers wrap at spaces and line breaks: the column shows the longest word, and a
    short line of the header whole."""
    words = max(text_width(word, bold=True) for word in label.split())
    lines = max(text_width(line, bold=True) for line in label.split("\n"))
    return max(words, min(lines, 9.0)) + 0.5


class Book:
    """An xlsxwriter workbook being written, with its cached formats and the texts it cut.

    Args:
        workbook: from :func:`new_workbook`.
        source: the file name findings about this workbook carry.
    """

    def __init__(self, workbook: Any, source: str) -> None:
        self.workbook = workbook
        self.source = source
        self.truncated: list[dict[str, Any]] = []
        self._formats: dict[tuple[tuple[str, Any], ...], Any] = {}
        self._cell_formats: dict[tuple[str, bool, str, tuple[tuple[str, Any], ...]], Any] = {}

    def fmt(self, **props: Any) -> Any:
        """A cell format in TH Sarabun New 14 pt with ``props`` on top (cached)."""
        merged = {"font_name": FONT, "font_size": BODY, "valign": "top", **props}
        key = tuple(sorted(merged.items()))
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format(merged)
        return self._formats[key]

    def header_format(self) -> Any:
        """The format of table headers: bold, pale blue, centred, wrapped."""
        return self.fmt(
            bold=True, border=1, align="center", valign="vcenter", text_wrap=True,
            bg_color=HEADER_FILL,
        )  # fmt: skip

    def text(self, sheet: Any, row: int, col: int, value: Any, cell_format: Any) -> str:
        """Write ``value`` as a string: never a formula, never a link, cut to fit a cell.

        Returns:
            The text written.
        """
        text = value_text(value)
        if len(text) > MAX_TEXT:
            self.truncated.append(
                finding(
                    "text-truncated",
                    source=self.source,
                    sheet=sheet.get_name(),
                    row=row + 1,
                    column=col + 1,
                    value=text[:60] + "…",
                )
            )
            text = text[: MAX_TEXT - 1] + "…"  # the ellipsis says that text is missing
        if text:
            sheet.write_string(row, col, text, cell_format)
        else:
            sheet.write_blank(row, col, None, cell_format)
        return text

    def title(self, sheet: Any, row: int, text: str, *, size: int = TITLE) -> None:
        """A title line in column A (bold, unwrapped, its row as tall as the text)."""
        sheet.write_string(row, 0, text, self.fmt(bold=True, font_size=size))
        sheet.set_row(row, row_points(1, size))

    def titles(self, sheet: Any, title: str, subtitle: str) -> None:
        """The sheet's title and the line below it (rows 1 and 2), unwrapped."""
        self.title(sheet, 0, title)
        sheet.write_string(1, 0, subtitle, self.fmt(font_size=SUBTITLE))
        sheet.set_row(1, row_points(1, SUBTITLE))

    def table(
        self,
        sheet: Any,
        header: int,
        cols: Sequence[Col],
        records: Iterable[Mapping[str, Any]],
        *,
        freeze_cols: int = 0,
    ) -> Table:
        """Write a header row and one row per record: widths, heights, filter, panes.

        Args:
            sheet: the worksheet.
            header: the 0-based row of the headers; data follows below it.
            cols: the columns, in order.
            records: mappings with (at least) every column's key.
            freeze_cols: columns kept in view when scrolling right.
        """
        records = list(records)
        rows = [[display(c, rec.get(c.key)) for c in cols] for rec in records]
        widths = tuple(
            min(
                max(_header_width(c.label), *(text_width(r[i]) for r in rows), c.min_width),
                max(c.max_width, _header_width(c.label)),
            )
            for i, c in enumerate(cols)
        )
        for i, col in enumerate(cols):
            sheet.write_string(header, i, col.label, self.header_format())
            sheet.set_column(i, i, widths[i])
        sheet.set_row(header, self.fit(cols, widths, [c.label for c in cols], bold=True))
        row = header
        for row, (rec, shown) in enumerate(zip(records, rows, strict=True), header + 1):
            texts = [
                self._cell(sheet, row, i, col, rec.get(col.key)) or shown[i]
                for i, col in enumerate(cols)
            ]
            sheet.set_row(row, self.fit(cols, widths, texts))
        sheet.autofilter(header, 0, max(row, header), len(cols) - 1)
        sheet.freeze_panes(header + 1, freeze_cols)
        return Table(header, header + 1, row, widths)

    @staticmethod
    def fit(
        cols: Sequence[Col], widths: Sequence[float], texts: Sequence[str], *, bold: bool = False
    ) -> float:
        """The height of a row of ``texts`` in columns of ``widths``: its tallest cell."""
        lines = 1
        for col, width, text in zip(cols, widths, texts, strict=True):
            if text and (col.wrap or bold):
                lines = max(lines, lines_needed(text, width, bold=bold))
        return row_points(lines)

    def _table_format(self, spec: Col, variant: str) -> Any:
        """The format of a table cell: by column kind, wrap and ``variant`` (a fill key or
        a number format), cached so that a large table costs one lookup a cell."""
        fill = tuple(sorted(spec.fills.get(variant, {}).items())) if spec.kind == "words" else ()
        key = (spec.kind, spec.wrap, variant, fill)
        found = self._cell_formats.get(key)
        if found is None:
            props: dict[str, Any] = {"border": 1}
            if spec.kind == "text":
                props["text_wrap"] = spec.wrap
            elif spec.kind in ("code", "words"):
                props.update(align="center", text_wrap=spec.wrap, **dict(fill))
            else:
                props["num_format"] = variant
            found = self._cell_formats[key] = self.fmt(**props)
        return found

    def _cell(self, sheet: Any, row: int, col: int, spec: Col, value: Any) -> str:
        """Write one cell; return the text of a text cell ("" for numbers and dates)."""
        if spec.kind == "text":
            return self.text(sheet, row, col, value, self._table_format(spec, ""))
        if spec.kind in ("code", "words"):
            fill = str(value) if spec.kind == "words" else ""
            cell_format = self._table_format(spec, fill)
            return self.text(sheet, row, col, display(spec, value), cell_format)
        kind = spec.kind
        if isinstance(value, dt.date):
            kind = "datetime" if isinstance(value, dt.datetime) else "date"
        cell_format = self._table_format(spec, number_format(kind, value))
        moment = _moment(value) if kind in ("date", "datetime") else None
        if is_missing(value) or (kind in ("date", "datetime") and moment is None):
            sheet.write_blank(row, col, None, cell_format)
        elif moment is not None:
            sheet.write_datetime(row, col, moment, cell_format)
        else:
            number = float(value) if kind == "number" else _plain(value)
            sheet.write_number(row, col, number, cell_format)
        return ""


def column_points(width: float) -> float:
    """Printed points (at 100 %) of a column ``width`` units wide, its padding included."""
    return (width + 0.7) * POINTS_PER_UNIT


def _moment(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    return local_time(value)


def print_setup(
    sheet: Any,
    widths: Sequence[float],
    *,
    last_row: int,
    repeat_rows: tuple[int, int],
    groups: Sequence[tuple[int, int]] = (),
    repeat_cols: tuple[int, int] | None = None,
    title: str = "",
) -> None:
    """A4 landscape, header rows on every page, body text at :data:`MIN_PRINT_PT` or more.

    The print area runs from A1 (the titles) to ``last_row`` and the last of ``widths``
    (the printed columns, left to right from column A); columns right of it stay on
    screen. The printed columns are fitted to one page wide when that keeps the text at
    :data:`MIN_PRINT_PT`; otherwise they are split at the boundaries of ``groups``
    (inclusive column ranges; by default every column) into pages that each fit, with
    ``repeat_cols`` (the columns saying what a row is) repeated on each, at one fixed
    scale: Excel ignores manual page breaks under "fit to page". A split sheet prints
    ``title`` in the page header instead of its title rows, which would run across the
    repeated columns of the later pages.
    """
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.repeat_rows(*repeat_rows)
    # LibreOffice scales the footer with the page even when told not to: body size.
    sheet.set_footer(f'&C&"{FONT}"&{BODY}หน้า &P / &N', {"scale_with_doc": False})
    sheet.print_area(0, 0, max(last_row, repeat_rows[1]), len(widths) - 1)
    points = [column_points(w) for w in widths]
    allowed = PRINT_WIDTH_PT * BODY / MIN_PRINT_PT
    if sum(points) <= allowed:
        sheet.fit_to_pages(1, 0)
        return
    groups = groups or [(i, i) for i in range(len(widths))]
    fixed = sum(points[repeat_cols[0] : repeat_cols[1] + 1]) if repeat_cols else 0.0
    breaks, widest = L.cut_columns(
        points, groups, lead=sum(points[: groups[0][0]]), repeated=fixed, room=allowed
    )
    sheet.set_print_scale(max(10, min(100, math.floor(100 * PRINT_WIDTH_PT / widest))))
    sheet.print_area(repeat_rows[0], 0, max(last_row, repeat_rows[1]), len(widths) - 1)
    if title:
        sheet.set_header(f'&L&"{FONT},Bold"&{BODY}{title.replace("&", "&&")}')
    sheet.set_v_pagebreaks(list(breaks))
    if repeat_cols is not None and breaks:
        sheet.repeat_columns(*repeat_cols)
