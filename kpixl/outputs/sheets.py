"""The sheets of ``results.xlsx`` but the consolidated form A (:mod:`kpixl.outputs.targets`).

Each writer takes the frames of :func:`kpixl.outputs.results.write_results_workbook` and
writes one titled, filterable, printable table (:class:`kpixl.outputs.book.Book`). The
คะแนน sheet's รวม and score are live formulas over the ผลรายตัวชี้วัด sheet, computed as
the form computes them (Σ (ก) × (ข) / 100, rounded once), with the cached values kpixl
computed, so a reader that does not recalculate shows the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from kpixl.findings import value_text
from kpixl.fiscal import format_datetime_th
from kpixl.outputs import labels as W
from kpixl.outputs.book import (
    TOTAL_FILL,
    Book,
    Col,
    Table,
    is_missing,
    lines_needed,
    print_setup,
    row_points,
)
from kpixl.outputs.status import STATES, local_time
from kpixl.precision import round_value, round_values

STATUS_SHEET = "สถานะ"
SCORES_SHEET = "คะแนน"
RESULTS_SHEET = "ผลรายตัวชี้วัด"
FINDINGS_SHEET = "ปัญหา"
TARGETS_SHEET = "แผนเป้าหมาย"
SOURCES_SHEET = "ที่มา"
SHEETS = (STATUS_SHEET, SCORES_SHEET, RESULTS_SHEET, FINDINGS_SHEET, TARGETS_SHEET, SOURCES_SHEET)
HEADER_ROW = 3
"""The header row (0-based) of every table but สถานะ's: two title rows and a gap above."""
STATUS_HEADER_ROW = 6
"""สถานะ's header row: the count per state takes rows 3 and 4."""


def id_text(value: Any) -> str:
    """An id as written: ``7`` (never ``7.0``), ``2.1.1``, ``75105``; blank for none."""
    return value_text(value).strip()


def ordinal_date(ordinal: Any) -> dt.date | None:
    """The date of a day ordinal (how a ``deadline_date`` KPI's value is kept); None for
    a blank or impossible one."""
    if is_missing(ordinal):
        return None
    try:
        return dt.date.fromordinal(int(ordinal))
    except (ValueError, OverflowError):
        return None


_STATUS_COLS = (
    Col("division_code", "รหัส\nกอง", "code"),
    Col("division_name", "กอง/สำนัก", wrap=True, max_width=18),
    Col("state", "สถานะ", "words", words=W.STATE_WORDS, fills=W.STATE_FILLS),
    Col("received_at", "ได้รับเมื่อ", "datetime"),
    Col("sender", "ผู้ส่ง", wrap=True, max_width=22),
    Col("file_name", "ไฟล์ที่นับคะแนน", wrap=True, max_width=16),
    Col("submissions", "ส่งมา\n(ครั้ง)", "count"),
    Col("total", "รวม\n(เต็ม 5)", "score"),
    Col("score_100", "คะแนน\nเต็ม 100", "score"),
    Col("complete", "ครบถ้วน", "words", words=W.COMPLETE_WORDS),
    Col("errors", "ข้อ\nผิดพลาด", "count"),
    Col("warnings", "คำเตือน", "count"),
    Col("annotated_name", "สำเนาที่ตรวจแล้ว", printed=False, max_width=30),
    Col("email", "อีเมล", printed=False, max_width=30),
    Col("annotated", "ที่เก็บสำเนาที่ตรวจแล้ว", printed=False, max_width=50),
)


def status_sheet(
    book: Book, sheet: Any, status: pd.DataFrame, organisation: str, subtitle: str
) -> None:
    """สถานะ: every division's state in words and colour, with a live count per state above.

    ``status`` is the status frame of :func:`~kpixl.outputs.results.write_results_workbook`.
    """
    book.titles(sheet, f"สถานะการส่งแบบประเมินผลของทุกกอง — {organisation}", subtitle)
    records = []
    for rec in status.to_dict("records"):
        annotated = value_text(rec.get("annotated")).strip()
        complete = rec.get("complete")
        records.append(
            {
                **rec,
                "division_code": id_text(rec.get("division_code")),
                "annotated": annotated,
                "annotated_name": Path(annotated).name if annotated else "",
                "complete": "" if is_missing(complete) else str(bool(complete)),
            }
        )
    table = book.table(sheet, STATUS_HEADER_ROW, _STATUS_COLS, records, freeze_cols=2)
    # A live count per state, above the table: it follows the table when a row is edited.
    state_col = [c.key for c in _STATUS_COLS].index("state")
    states = _range(STATUS_SHEET, table.first, table.last, state_col, absolute=True)
    codes = _range(STATUS_SHEET, table.first, table.last, 0, absolute=True)
    label = {"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True}
    count = book.fmt(bold=True, border=1, align="center", num_format="#,##0", font_size=16)
    empty = table.last < table.first
    # The words sit over the state column and the three wide columns beside it.
    sheet.write_string(3, 1, "ทั้งหมด (กอง)", book.fmt(**label))
    sheet.write_formula(4, 1, f"=COUNTA({codes})" if not empty else "=0", count, len(records))
    for i, state in enumerate(STATES, state_col):
        word = W.STATE_WORDS[state]
        sheet.write_string(3, i, word, book.fmt(**{**label, **W.STATE_FILLS[state]}))
        n = sum(1 for r in records if r.get("state") == state)
        formula = f'=COUNTIF({states},"{word}")' if not empty else "=0"
        sheet.write_formula(4, i, formula, count, n)
    # A state's words wrap within its column (a narrow one would cut them on paper).
    words = [(1, "ทั้งหมด (กอง)")] + [
        (i, W.STATE_WORDS[st]) for i, st in enumerate(STATES, state_col)
    ]
    sheet.set_row(3, row_points(max(lines_needed(w, table.widths[i], bold=True) for i, w in words)))
    sheet.set_row(4, row_points(1, 16))
    _print(sheet, table, _STATUS_COLS, repeat_cols=(0, 1))


_RESULTS_COLS = (
    Col("division_code", "รหัส\nกอง", "code"),
    Col("division_name", "กอง/สำนัก", wrap=True, max_width=14),
    Col("kpi_id", "ตัวชี้วัด\nที่", "code"),
    Col("name", "ตัวชี้วัดผลงาน", wrap=True, max_width=32),
    Col("unit", "หน่วยวัด", wrap=True, max_width=8),
    Col("reported", "ผลการ\nปฏิบัติงาน", "amount"),
    Col("value", "ค่าที่ใช้\nคิดคะแนน", "amount"),
    Col("level", "คะแนน\nที่ได้ (ก)", "level"),
    Col("weight", "ค่า\nน้ำหนัก (ข)", "weight"),
    Col("weighted", "รวม\nคะแนน (ค)", "score"),
    Col(
        "status",
        "การให้\nคะแนน",
        "words",
        wrap=True,
        max_width=12,
        words=W.KPI_STATUS_WORDS,
        fills=W.KPI_STATUS_FILLS,
    ),
    Col("total", "รวม\n(เต็ม 5)", "score"),
    Col("score_100", "คะแนน\nเต็ม 100", "score"),
    Col("quarter", "ไตรมาส", "level", printed=False),
    Col("kind", "ชนิดเกณฑ์", "words", printed=False, max_width=30, words=W.KIND_WORDS),
)
"""The columns of :data:`RESULT_COLUMNS`; the quarter (also in the KPI's name) and the
kind are right of the print area so that a page keeps 9 pt text."""


def results_sheet(
    book: Book, sheet: Any, table: pd.DataFrame, organisation: str, subtitle: str
) -> tuple[int, int]:
    """Write the KPI rows; return the (first, last) data rows (0-based) for formulas."""
    book.titles(sheet, f"ผลการประเมินรายตัวชี้วัด — {organisation}", subtitle)
    records = []
    for rec in table.to_dict("records"):
        if rec["kind"] == "deadline_date":
            # A deadline's value is a date: shown as one, in B.E.
            rec = {
                **rec,
                "reported": ordinal_date(rec["reported"]),
                "value": ordinal_date(rec["value"]),
            }
        records.append(rec)
    written = book.table(sheet, HEADER_ROW, _RESULTS_COLS, records, freeze_cols=4)
    _print(sheet, written, _RESULTS_COLS, repeat_cols=(0, 3))
    return written.first, written.last


_SCORES_COLS = (
    Col("rank", "อันดับ", "count"),
    Col("division_code", "รหัส\nกอง", "code"),
    Col("division_name", "กอง/สำนัก", wrap=True, max_width=32),
    Col("state", "สถานะ", "words", words=W.STATE_WORDS, fills=W.STATE_FILLS),
    Col("kpis", "จำนวน\nตัวชี้วัด", "count"),
    Col("unscored", "คิดคะแนน\nไม่ได้", "count"),
    Col("weight_total", "รวมค่า\nน้ำหนัก", "weight"),
    Col("total", "รวม (ค)\nเต็ม 5", "score"),
    Col("score_100", "คะแนน\nเต็ม 100", "score"),
    Col("complete", "ครบถ้วน", "words", words=W.COMPLETE_WORDS),
)


def scores_sheet(
    book: Book,
    sheet: Any,
    status: pd.DataFrame,
    totals: pd.DataFrame,
    table: pd.DataFrame,
    results_rows: tuple[int, int],
    organisation: str,
    subtitle: str,
) -> None:
    """คะแนน: every division ranked (:func:`ranked_scores`), รวม and the score as live
    formulas over the ผลรายตัวชี้วัด rows (``results_rows``), the average, highest and lowest
    below."""
    book.titles(sheet, f"คะแนนของทุกกอง เรียงตามคะแนน — {organisation}", subtitle)
    records = ranked_scores(status, totals, table)
    written = book.table(sheet, HEADER_ROW, _SCORES_COLS, records, freeze_cols=3)
    keys = [c.key for c in _SCORES_COLS]
    first, last = results_rows
    if last >= first:
        # รวม and the score recomputed from the KPI rows, as the form does: Σ (ก)×(ข)/100.
        column = {c.key: i for i, c in enumerate(_RESULTS_COLS)}
        codes = _range(RESULTS_SHEET, first, last, column["division_code"], absolute=True)
        levels = _range(RESULTS_SHEET, first, last, column["level"], absolute=True)
        weights = _range(RESULTS_SHEET, first, last, column["weight"], absolute=True)
        score_format = book.fmt(border=1, num_format="0.00", bold=True, bg_color=TOTAL_FILL)
        for row, rec in enumerate(records, written.first):
            code = xl_rowcol_to_cell(row, keys.index("division_code"))
            points = f"SUMPRODUCT(({codes}={code})*{levels}*{weights})"
            none = f'COUNTIFS({codes},{code},{levels},"<>")=0'
            for key, divisor in (("total", 100), ("score_100", 5)):
                cached = rec.get(key)
                sheet.write_formula(
                    row,
                    keys.index(key),
                    f'=IF({none},"",ROUND({points}/{divisor},2))',
                    score_format,
                    "" if is_missing(cached) else cached,
                )
    _score_summary(book, sheet, written.first, written.last, keys.index("score_100"), records)
    _print(sheet, written, _SCORES_COLS, repeat_cols=(0, 2), extra_rows=5)


def ranked_scores(
    status: pd.DataFrame, totals: pd.DataFrame, table: pd.DataFrame
) -> list[dict[str, Any]]:
    """Every division, best score first (ties share a rank); unscored ones last, unranked.

    Args:
        status: as :func:`write_results_workbook` (names and states; may be empty).
        totals: as :func:`results_table`.
        table: :func:`results_table` (division names when the status lacks them).
    """
    by_code: dict[str, dict[str, Any]] = {}
    for rec in status.to_dict("records"):
        code = id_text(rec.get("division_code"))
        by_code[code] = {
            "division_code": code,
            "division_name": rec.get("division_name", ""),
            "state": rec.get("state", ""),
        }
    names = dict(zip(table["division_code"], table["division_name"], strict=True))
    for rec in totals.to_dict("records"):
        code = id_text(rec.get("division_code"))
        row = by_code.setdefault(code, {"division_code": code, "state": ""})
        row["division_name"] = row.get("division_name") or names.get(code, "")
        row.update({k: rec.get(k) for k in ("kpis", "unscored", "weight_total")})
        complete = rec.get("complete")
        row["complete"] = "" if is_missing(complete) else str(bool(complete))
        for key in ("total", "score_100"):
            # Rounded once, as results_table rounds: the sheets agree to the last digit.
            value = rec.get(key)
            row[key] = None if is_missing(value) else round_value(float(value))
    rows = list(by_code.values())
    scored = sorted(
        (r for r in rows if not is_missing(r.get("score_100"))),
        key=lambda r: (-float(r["score_100"]), r["division_code"]),
    )
    previous: float | None = None
    for position, rec in enumerate(scored, 1):
        if rec["score_100"] != previous:
            rank = position
        rec["rank"] = rank
        previous = rec["score_100"]
    rest = [r for r in rows if is_missing(r.get("score_100"))]
    return scored + rest


def _score_summary(
    book: Book, sheet: Any, first: int, last: int, col: int, records: Sequence[Mapping[str, Any]]
) -> None:
    scores = [float(r["score_100"]) for r in records if not is_missing(r.get("score_100"))]
    span = _range(SCORES_SHEET, first, max(first, last), col, absolute=True, local=True)
    label = book.fmt(bold=True, border=1, align="right")
    value = book.fmt(bold=True, border=1, num_format="0.00", bg_color=TOTAL_FILL)
    count = book.fmt(bold=True, border=1, num_format="#,##0", bg_color=TOTAL_FILL)
    lines = (
        ("จำนวนกองที่มีคะแนน", f"=COUNT({span})", len(scores), count),
        ("คะแนนเฉลี่ย", f'=IF(COUNT({span})=0,"",ROUND(AVERAGE({span}),2))', _mean(scores), value),
        ("คะแนนสูงสุด", f'=IF(COUNT({span})=0,"",MAX({span}))', max(scores, default=None), value),
        ("คะแนนต่ำสุด", f'=IF(COUNT({span})=0,"",MIN({span}))', min(scores, default=None), value),
    )
    for offset, (text, formula, cached, cell_format) in enumerate(lines, 2):
        row = max(last, first - 1) + offset
        sheet.merge_range(row, 0, row, col - 1, text, label)
        sheet.write_formula(row, col, formula, cell_format, "" if cached is None else cached)
        sheet.set_row(row, row_points(1))


_FINDINGS_COLS = (
    Col("severity", "ความรุนแรง", "words", words=W.SEVERITY_WORDS, fills=W.SEVERITY_FILLS),
    Col("actor", "ผู้ต้อง\nดำเนินการ", "words", words=W.ACTOR_WORDS),
    Col("division_code", "รหัส\nกอง", "code"),
    Col("source", "ไฟล์", wrap=True, max_width=16),
    Col("sheet", "แผ่นงาน", wrap=True, max_width=11),
    Col("cell", "ช่อง", "code"),
    Col("kpi_id", "ตัวชี้วัด\nที่", "code"),
    Col("value", "ค่าที่พบ", wrap=True, max_width=12),
    Col("message_th", "ปัญหาและวิธีแก้ไข", wrap=True, max_width=56),
    Col("code", "รหัสปัญหา", printed=False, max_width=26),
    Col("message_en", "Message (English)", wrap=True, max_width=60, printed=False),
)


def findings_sheet(
    book: Book, sheet: Any, findings: pd.DataFrame, organisation: str, subtitle: str
) -> None:
    """ปัญหา: every finding (:func:`sorted_findings`), with who must act, in Thai."""
    book.titles(sheet, f"ปัญหาที่พบ เรียงข้อผิดพลาดก่อน — {organisation}", subtitle)
    written = book.table(sheet, HEADER_ROW, _FINDINGS_COLS, sorted_findings(findings))
    _print(sheet, written, _FINDINGS_COLS, repeat_cols=(0, 2))


def sorted_findings(findings: pd.DataFrame) -> list[dict[str, Any]]:
    """Findings as records, errors first, then warnings and notes; by division and cell."""
    records = []
    for rec in findings.to_dict("records"):
        records.append(
            {
                **rec,
                "division_code": id_text(rec.get("division_code")),
                "kpi_id": id_text(rec.get("kpi_id")),
            }
        )

    def order(rec: Mapping[str, Any]) -> tuple[Any, ...]:
        row, column = rec.get("row"), rec.get("column")
        return (
            W.SEVERITY_ORDER.get(str(rec.get("severity")), 3),
            rec["division_code"],
            value_text(rec.get("source")),
            value_text(rec.get("sheet")),
            _position(row),
            _position(column),
        )

    return sorted(records, key=order)


_SOURCES_COLS = (
    Col("division_code", "รหัส\nกอง", "code"),
    Col("state", "การนับ", "words", words=W.SUBMISSION_WORDS, fills=W.SUBMISSION_FILLS),
    Col("received_at", "ได้รับเมื่อ", "datetime"),
    Col("sender", "ผู้ส่ง", wrap=True, max_width=20),
    Col("subject", "หัวเรื่องอีเมล", wrap=True, max_width=22),
    Col("file_name", "ไฟล์", wrap=True, max_width=18),
    Col("score_100", "คะแนน\nเต็ม 100", "score"),
    Col("errors", "ข้อ\nผิดพลาด", "count"),
    Col("warnings", "คำเตือน", "count"),
    Col("annotated_name", "สำเนาที่ตรวจแล้ว", printed=False, max_width=30),
    Col("path", "ที่เก็บไฟล์ที่ได้รับ", printed=False, max_width=50),
    Col("message_id", "Message-ID", printed=False, max_width=40),
    Col("content_hash", "รหัสเนื้อหาไฟล์ (SHA-256)", printed=False, max_width=20),
    Col("annotated", "ที่เก็บสำเนาที่ตรวจแล้ว", printed=False, max_width=50),
)


def sources_sheet(
    book: Book, sheet: Any, submissions: pd.DataFrame, organisation: str, subtitle: str
) -> None:
    """ที่มา: every submission received, by division and time, and whether it counted.

    ``submissions`` is the frame of :func:`~kpixl.outputs.results.write_results_workbook`.
    """
    book.titles(sheet, f"ไฟล์ที่ได้รับทั้งหมดและที่มาของคะแนน — {organisation}", subtitle)
    records = []
    for rec in submissions.to_dict("records"):
        annotated = value_text(rec.get("annotated")).strip()
        received = local_time(rec.get("received_at"))
        records.append(
            {
                **rec,
                "division_code": id_text(rec.get("division_code")),
                "received_at": received,
                "annotated": annotated,
                "annotated_name": Path(annotated).name if annotated else "",
                "_order": (id_text(rec.get("division_code")), received or dt.datetime.min),
            }
        )
    records.sort(key=lambda r: r["_order"])
    written = book.table(sheet, HEADER_ROW, _SOURCES_COLS, records, freeze_cols=1)
    _print(sheet, written, _SOURCES_COLS, repeat_cols=(0, 0))


# --------------------------------------------------------------------------- helpers


def _print(
    sheet: Any, table: Table, cols: Sequence[Col], *, repeat_cols: tuple[int, int],
    extra_rows: int = 0,
) -> None:  # fmt: skip
    """Print the table's printed columns (those left of the first unprinted one)."""
    printed = []
    for width, col in zip(table.widths, cols, strict=True):
        if not col.printed:
            break
        printed.append(width)
    print_setup(
        sheet,
        printed,
        last_row=table.last + extra_rows,
        repeat_rows=(table.header, table.header),
        repeat_cols=repeat_cols,
    )


def subtitle_line(fiscal_year_be: int, round_label: str, checked_at: dt.datetime) -> str:
    """The line under every title: fiscal year, round, and when the data was taken."""
    moment = local_time(checked_at)
    when = f" · ข้อมูล ณ {format_datetime_th(moment)} น." if moment else ""
    return f"ปีงบประมาณ พ.ศ. {fiscal_year_be} · รอบ {round_label}{when}"


def _range(
    sheet: str, first: int, last: int, col: int, *, absolute: bool, local: bool = False
) -> str:
    start = xl_rowcol_to_cell(first, col, row_abs=absolute, col_abs=absolute)
    end = xl_rowcol_to_cell(max(first, last), col, row_abs=absolute, col_abs=absolute)
    return f"{start}:{end}" if local else f"'{sheet}'!{start}:{end}"


def _position(value: Any) -> float:
    """A row or column number for sorting; -1 when the finding is not about a cell."""
    if is_missing(value):
        return -1.0
    try:
        return float(value)
    except (TypeError, ValueError):  # a findings frame read back from CSV holds text
        return -1.0


def _mean(values: Sequence[float]) -> float | None:
    if not values:
        return None
    return float(round_values(pd.Series([sum(values) / len(values)])).iloc[0])
