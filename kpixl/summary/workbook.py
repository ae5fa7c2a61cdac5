"""``summary.xlsx``: the year-end summary for the executive, written with xlsxwriter.

Sheets, in the order an executive reads them:

* ``ภาพรวม`` — every division ranked by its score out of 100, with Σ(ค), its count of
  KPIs at each level, its state in the round and when its workbook arrived; ranks,
  scores, counts, averages and totals are live formulas over the division sheets, and the
  scores carry data bars;
* ``ระดับรายตัวชี้วัด`` — the level of every KPI id (rows) of every division (columns) on
  a colour scale, the number always written in the cell;
* ``เบิกจ่ายรายไตรมาส`` — cumulative budget disbursement by quarter (investment and
  overall) against each quarter's target: a table and a native chart per division;
* ``แผนเป้าหมาย`` — form A: the plan by quarter beside the result where it is known;
* ``เทียบปีก่อน`` and ``เทียบปีก่อน รายตัวชี้วัด`` — only when the ledger holds an earlier
  fiscal year: scores, and KPI levels, beside the previous year's, and how each KPI was
  matched (by id and name; the unsure pairs say so);
* one sheet per division, laid out like the agreement's scoring form, with the findings
  that remain (:mod:`kpixl.summary.sheets`);
* ``ที่มาของข้อมูล`` — every receipt of the round (file, sender, time, counted or not) and
  what the summary used.

The look is the results workbook's (:mod:`kpixl.outputs.book`): TH Sarabun New, B.E.
dates with Thai month names, text from users always written as strings (never a formula
or a link), texts cut at a cell's 32,767 characters with a ``text-truncated`` finding,
A4 landscape fitted to the page width at a readable size.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from kpixl.atomic import atomic_path
from kpixl.findings import findings_frame
from kpixl.fiscal import format_datetime_th
from kpixl.outputs import labels as W
from kpixl.outputs.book import (
    HEADER_FILL,
    TOTAL_FILL,
    Book,
    Col,
    is_missing,
    lines_needed,
    new_workbook,
    number_format,
    print_setup,
    row_points,
)
from kpixl.summary.charts import LEVEL_COLOURS
from kpixl.summary.data import SUBMISSION_TH, Summary

OVERVIEW, MATRIX, MONEY = "ภาพรวม", "ระดับรายตัวชี้วัด", "เบิกจ่ายรายไตรมาส"
TARGETS, YEARS, SOURCES = "แผนเป้าหมาย", "เทียบปีก่อน", "ที่มาของข้อมูล"
YEAR_KPIS = "เทียบปีก่อน รายตัวชี้วัด"
HEADER = 3
"""The 0-based header row of the tables (the titles above it)."""
_COUNTS = (5, 4, 3, 2, 1, 0)


def sheet_name(code: str, name: str, used: set[str]) -> str:
    """A division's sheet name: its code and name, at most 31 characters, none of
    ``[]:*?/\\``, unique case-insensitively (as Excel compares names)."""
    base = re.sub(r"[\[\]:*?/\\]", "-", f"{code} {name}".strip()).strip("'")[:31].rstrip()
    candidate, number = base, 2
    while candidate.casefold() in used:
        candidate = f"{base[: 31 - len(str(number)) - 1]}~{number}"
        number += 1
    used.add(candidate.casefold())
    return candidate


def write_summary_workbook(summary: Summary, path: Path) -> pd.DataFrame:
    """Write ``summary.xlsx`` (atomically: a failed write leaves no half file).

    Returns:
        The ``text-truncated`` findings of texts too long for a cell (a findings frame).
    """
    path = Path(path)
    with atomic_path(path) as temp:
        workbook = new_workbook(temp)
        book = Book(workbook, path.name)
        SummaryWriter(book, summary).write()
        workbook.close()
    return findings_frame(book.truncated)


def level_scale() -> dict[str, Any]:
    """Levels 0–5 on ColorBrewer's colour-blind-safe RdBu: orange low, blue high (the
    number stays written in the cell: colour is never the only sign)."""
    low, mid, high = LEVEL_COLOURS
    return {"type": "3_color_scale", "min_type": "num", "min_value": 0, "min_color": low,
            "mid_type": "num", "mid_value": 3, "mid_color": mid,
            "max_type": "num", "max_value": 5, "max_color": high}  # fmt: skip


class SummaryWriter:
    """Writes one summary workbook: the sheets, and the cell helpers they share."""

    def __init__(self, book: Book, summary: Summary) -> None:
        self.book, self.s, self.wb = book, summary, book.workbook
        self.title = f"ปีงบประมาณ {summary.fiscal_year_be} — {summary.org_name}"
        self.when = f"รอบ {summary.round_label} · ข้อมูล ณ {format_datetime_th(summary.made_at)}"
        sheets = (OVERVIEW, MATRIX, MONEY, TARGETS, YEARS, YEAR_KPIS, SOURCES)
        used = {n.casefold() for n in sheets}
        ranked = summary.overview[["division_code", "division_name"]].itertuples(index=False)
        self.names = {code: sheet_name(code, name, used) for code, name in ranked}
        self.refs: dict[str, dict[str, str]] = {}
        """Division code → cells of its form the overview's formulas read."""

    def write(self) -> None:
        """Every sheet, in reading order (the division sheets are written first: the
        overview's formulas point into them)."""
        from kpixl.summary import sheets

        add = self.wb.add_worksheet
        overview, matrix = add(OVERVIEW), add(MATRIX)
        money = add(MONEY) if not self.s.disbursement.empty else None
        targets = add(TARGETS)
        years = (add(YEARS), add(YEAR_KPIS)) if not self.s.year_over_year.empty else None
        forms = {code: add(name) for code, name in self.names.items()}
        sources = add(SOURCES)
        for code, sheet in forms.items():
            self.refs[code] = sheets.write_form(self, sheet, code)
        self.overview(overview)
        self.matrix(matrix)
        if money is not None:
            sheets.write_money(self, money)
        sheets.write_targets(self, targets)
        if years is not None:
            sheets.write_years(self, *years)
        self.sources(sources)
        self.wb.set_properties({"title": f"สรุปผลการประเมิน {self.title}", "author": "kpixl"})

    # -- cell helpers ----------------------------------------------------------------------

    def fmt(self, **props: Any) -> Any:
        """A bordered cell format (TH Sarabun New 14 pt)."""
        return self.book.fmt(border=1, **props)

    def head(self) -> Any:
        """The format of table headers."""
        return self.fmt(
            bold=True, align="center", valign="vcenter", text_wrap=True, bg_color=HEADER_FILL
        )

    def heading(self, sheet: Any, title: str, *lines: str) -> None:
        """The sheet's title (with the year and organisation), the round, and notes."""
        # Neither Excel nor LibreOffice fits a row to its text when opening a file: every
        # row is at least one line of TH Sarabun New 14 pt high.
        sheet.set_default_row(row_points(1))
        self.book.titles(sheet, f"{title} {self.title}", self.when)
        for row, line in enumerate(lines, 2):
            self.book.text(sheet, row, 0, line, self.book.fmt())
            sheet.set_row(row, row_points(1))

    def formula(self, sheet: Any, row: int, col: int, text: str, value: Any, **props: Any) -> None:
        """A live formula with its result cached (a missing one as blank, never 0)."""
        cached = "" if is_missing(value) else float(value)
        sheet.write_formula(row, col, text, self.fmt(**props), cached)

    def number(self, sheet: Any, row: int, col: int, value: Any, kind: str, **props: Any) -> None:
        """A number (or a date) as the forms show it; blank when missing."""
        import datetime as dt

        if isinstance(value, dt.date):
            moment = dt.datetime.combine(value, dt.time())
            sheet.write_datetime(
                row, col, moment, self.fmt(num_format=number_format("date", value), **props)
            )
        elif is_missing(value):
            sheet.write_blank(row, col, None, self.fmt(**props))
        else:
            cell_format = self.fmt(num_format=number_format(kind, value), **props)
            sheet.write_number(row, col, float(value), cell_format)

    @staticmethod
    def fit(texts: list[tuple[str, float]], *, bold: bool = False) -> float:
        """A row height that shows every (text, column width) whole."""
        lines = max((lines_needed(t, w, bold=bold) for t, w in texts if t), default=1)
        return row_points(lines)

    # -- the overview ----------------------------------------------------------------------

    def overview(self, sheet: Any) -> None:
        """The ranking, with live formulas over the division sheets."""
        s = self.s
        got = int(s.overview["state"].ne("not_received").sum())
        self.heading(
            sheet,
            "สรุปผลการประเมินผลสัมฤทธิ์ของงาน",
            f"ได้รับแบบที่นับคะแนนแล้ว {got:,} จาก {len(s.overview):,} กอง · เรียงตามคะแนน"
            " · แถบในช่องคะแนนยาวตามคะแนนเต็ม 100 · คลิกรหัสกองเพื่อดูแบบประเมิน",
        )
        # Two-line headers keep the sheet one page wide on paper at a readable size.
        cols = (
            Col("rank", "อันดับ", "count"),
            Col("division_code", "รหัสกอง", "code"),
            Col("division_name", "กอง/สำนัก", wrap=True, max_width=30),
            Col("state", "สถานะ", "words", wrap=True, max_width=13, words=W.STATE_WORDS,
                fills=W.STATE_FILLS),
            Col("received_at", "ได้รับเมื่อ", "datetime"),
            Col("total", "รวม (ค)\nเต็ม 5", "score"),
            Col("score_100", "คะแนน\nเต็ม 100", "score"),
            *(Col(f"level_{n}", f"ระดับ\n{n}", "count") for n in _COUNTS),
            Col("no_level", "ไม่มี\nระดับ", "count"),
            Col("kpis", "จำนวน\nตัวชี้วัด", "count"),
        )  # fmt: skip
        records = s.overview.to_dict("records")
        table = self.book.table(sheet, HEADER, cols, records, freeze_cols=3)
        # The name and state on one line (LibreOffice draws them wider than measured): one
        # line a division keeps the ranking on one page.
        widths = (*table.widths[:2], 36.0, max(table.widths[3], 16.0), *table.widths[4:])
        sheet.set_column(2, 2, widths[2])
        sheet.set_column(3, 3, widths[3])
        for row in range(table.first, table.last + 1):
            sheet.set_row(row, row_points(1))
        first, last = table.first + 1, max(table.last, table.first) + 1  # 1-based
        # The code links to the division's sheet (LibreOffice does not wrap a link's text).
        link = self.fmt(align="center", font_color="#1F4E79", underline=1)
        count = {"num_format": "#,##0"}
        for row, rec in enumerate(records, table.first):
            r, ref = row + 1, self.refs[rec["division_code"]]
            sheet.write_url(row, 1, ref["link"], link, str(rec["division_code"]))
            rank = f'IF(ISNUMBER(G{r}),RANK(G{r},$G${first}:$G${last}),"")'
            self.formula(sheet, row, 0, rank, rec["rank"], **count)
            if rec["state"] == "not_received":
                continue
            self.formula(sheet, row, 5, ref["total"], rec["total"], num_format="0.00")
            score = f'IF(ISNUMBER(F{r}),F{r}*20,"")'
            self.formula(sheet, row, 6, score, rec["score_100"], num_format="0.00")
            for col, n in enumerate(_COUNTS, 7):
                level = f"COUNTIF({ref['levels']},{n})"
                self.formula(sheet, row, col, level, rec[f"level_{n}"], **count)
            none = f"COUNTA({ref['ids']})-COUNT({ref['levels']})"
            self.formula(sheet, row, 13, none, rec["no_level"], **count)
            self.formula(sheet, row, 14, f"COUNTA({ref['ids']})", rec["kpis"], **count)
        bar = {"type": "data_bar", "bar_color": "#92C5DE", "bar_solid": True, "min_type": "num",
               "min_value": 0, "max_type": "num", "max_value": 100}  # fmt: skip
        sheet.conditional_format(table.first, 6, last - 1, 6, bar)
        end = self.overview_totals(sheet, table.last + 1, first, last)
        print_setup(sheet, widths, last_row=end, repeat_rows=(HEADER, HEADER))

    def overview_totals(self, sheet: Any, below: int, first: int, last: int) -> int:
        """Sums, average, highest, lowest and the count of scores under the ranking."""
        frame = self.s.overview
        label = self.fmt(bold=True, align="right", bg_color=TOTAL_FILL)
        total = {"bold": True, "bg_color": TOTAL_FILL}

        def span(col: int) -> str:
            name = xl_col_to_name(col)
            return f"{name}{first}:{name}{last}"

        sheet.merge_range(below, 0, below, 4, "รวมทุกกอง", label)
        for col, key in enumerate([*(f"level_{n}" for n in _COUNTS), "no_level", "kpis"], 7):
            cached = frame[key].sum()
            self.formula(
                sheet, below, col, f"SUM({span(col)})", cached, num_format="#,##0", **total
            )
        scores = frame[["total", "score_100"]]
        stats = (("ค่าเฉลี่ย", "AVERAGE", scores.mean()), ("สูงสุด", "MAX", scores.max()),
                 ("ต่ำสุด", "MIN", scores.min()))  # fmt: skip
        for row, (word, func, cached) in enumerate(stats, below + 1):
            sheet.merge_range(row, 0, row, 4, word, label)
            for col in (5, 6):
                text = f'IF(COUNT({span(col)})=0,"",{func}({span(col)}))'
                self.formula(
                    sheet, row, col, text, cached.iloc[col - 5], num_format="0.00", **total
                )
        row = below + len(stats) + 1
        sheet.merge_range(row, 0, row, 4, "จำนวนกองที่มีคะแนน", label)
        scored = int(scores["score_100"].notna().sum())
        self.formula(sheet, row, 6, f"COUNT({span(6)})", scored, num_format="#,##0", **total)
        return row

    # -- the level matrix ------------------------------------------------------------------

    def matrix(self, sheet: Any) -> None:
        """Levels of every KPI id × division, on a colour scale, with a legend of codes."""
        s, book = self.s, self.book
        self.heading(
            sheet,
            "ระดับคะแนน (ก) รายตัวชี้วัด",
            "ตัวเลขคือระดับที่ได้ 0–5 (สีส้ม = ต่ำ, สีฟ้า = สูง) · “—” = คิดระดับไม่ได้"
            " · ช่องว่าง = กองนั้นไม่มีตัวชี้วัดรหัสนี้",
        )
        matrix, head = s.matrix, self.head()
        got = s.kpis[s.kpis["received"]]
        present = set(zip(got["kpi_id"], got["division_code"], strict=True))
        widths = [11.0, *([7.0] * len(matrix.columns))]
        sheet.write_string(HEADER, 0, "ตัวชี้วัดที่", head)
        for col, code in enumerate(matrix.columns, 1):
            book.text(sheet, HEADER, col, code, head)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        for row, kpi_id in enumerate(matrix.index, HEADER + 1):
            book.text(sheet, row, 0, kpi_id, self.fmt(align="center"))
            for col, code in enumerate(matrix.columns, 1):
                level = matrix.at[kpi_id, code]
                if not is_missing(level):
                    cell_format = self.fmt(align="center", num_format="0")
                    sheet.write_number(row, col, float(level), cell_format)
                elif (kpi_id, code) in present:
                    sheet.write_string(row, col, "—", self.fmt(align="center", **W.GREY))
                else:
                    sheet.write_blank(row, col, None, self.fmt())
        last = HEADER + len(matrix.index)
        if len(matrix.index):
            sheet.conditional_format(HEADER + 1, 1, last, len(matrix.columns), level_scale())
        total = self.fmt(bold=True, bg_color=TOTAL_FILL, align="center", num_format="0.00")
        counts = self.fmt(bold=True, bg_color=TOTAL_FILL, align="center", num_format="0")
        for offset, word in enumerate(("ระดับเฉลี่ย", "ระดับ 0–2")):
            row = last + 1 + offset
            sheet.write_string(row, 0, word, self.fmt(bold=True, bg_color=TOTAL_FILL))
            for col, code in enumerate(matrix.columns, 1):
                span = f"{xl_col_to_name(col)}{HEADER + 2}:{xl_col_to_name(col)}{last + 1}"
                values = matrix[code].dropna()
                if offset == 0:
                    text, cached = f'IF(COUNT({span})=0,"",AVERAGE({span}))', values.mean()
                    sheet.write_formula(row, col, text, total, "" if values.empty else cached)
                else:
                    text = f'COUNTIF({span},"<=2")'
                    sheet.write_formula(row, col, text, counts, int(values.le(2).sum()))
        sheet.autofilter(HEADER, 0, max(last, HEADER), len(matrix.columns))
        sheet.freeze_panes(HEADER + 1, 1)
        names = dict(zip(s.overview["division_code"], s.overview["division_name"], strict=True))
        legend = last + 4
        book.text(sheet, legend, 0, "รหัสกอง", book.fmt(bold=True))
        row = legend
        for row, code in enumerate(matrix.columns, legend + 1):
            book.text(sheet, row, 0, code, book.fmt(bold=True))
            book.text(sheet, row, 1, names.get(code, ""), book.fmt())
        print_setup(sheet, widths, last_row=row, repeat_rows=(HEADER, HEADER))

    # -- sources ---------------------------------------------------------------------------

    def sources(self, sheet: Any) -> None:
        """Every receipt of the round, and what the summary used."""
        s, book = self.s, self.book
        self.heading(sheet, "ที่มาของข้อมูล", "ทุกไฟล์ที่ได้รับในรอบนี้: ไฟล์ใดนับคะแนน มาจากใคร เมื่อใด")
        cols = (
            Col("division_code", "รหัสกอง", "code"),
            Col("division_name", "กอง/สำนัก", wrap=True, max_width=18),
            Col("state", "การนับ", "words", wrap=True, max_width=11, words=SUBMISSION_TH,
                fills=W.SUBMISSION_FILLS),
            Col("received_at", "ได้รับเมื่อ", "datetime"),
            Col("file_name", "ไฟล์", wrap=True, max_width=20),
            Col("sender", "ผู้ส่ง", wrap=True, max_width=18),
            Col("subject", "หัวเรื่องอีเมล", wrap=True, max_width=16),
            Col("score_100", "คะแนนเต็ม 100", "score"),
            Col("content", "รหัสเนื้อหาไฟล์", "code"),
            Col("message_id", "Message-ID", wrap=True, max_width=18),
        )  # fmt: skip
        table = book.table(sheet, HEADER, cols, s.sources.to_dict("records"), freeze_cols=2)
        used = row = table.last + 2
        book.text(sheet, used, 0, "สิ่งที่ใช้จัดทำสรุปนี้", book.fmt(bold=True, font_size=16))
        sheet.set_row(used, row_points(1, 16))
        # Each note wraps within the printed columns: a long path would run off the page.
        printed = sum(table.widths[:8])
        for row, note in enumerate(s.notes, used + 1):
            sheet.merge_range(row, 0, row, 7, "", book.fmt(text_wrap=True))
            text = book.text(sheet, row, 0, f"• {note}", book.fmt(text_wrap=True))
            sheet.set_row(row, row_points(lines_needed(text, printed)))
        # The content's id and the Message-ID stay on screen: no one reads them on paper.
        print_setup(sheet, table.widths[:8], last_row=row, repeat_rows=(HEADER, HEADER))
