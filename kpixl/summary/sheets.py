"""The summary workbook's detail sheets: each division's scoring form, the quarter
disbursement charts, form A and the comparison with the previous year.

Each function writes one sheet with a :class:`kpixl.summary.workbook.SummaryWriter`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from kpixl.fiscal import format_datetime_th, quarter_label_th
from kpixl.outputs import labels as W
from kpixl.outputs.book import (
    FONT,
    PRINT_WIDTH_PT,
    TOTAL_FILL,
    Col,
    is_missing,
    print_setup,
    row_points,
)
from kpixl.summary.charts import SERIES_COLOURS
from kpixl.summary.data import MATCH_TH, disbursement_kind

if TYPE_CHECKING:
    from kpixl.summary.workbook import SummaryWriter

FORM_WIDTHS = (6.0, 28.0, 7.0, 11.0, 11.0, 11.0, 11.0, 11.0, 10.0, 7.0, 7.0, 9.0, 11.0)
"""Columns of a division's form: id, KPI, unit, the five criteria, result, (ก), (ข), (ค),
how the level came about."""
FORM_HEAD = 5
"""The second header row of the form (the criteria numbers 1–5), 0-based."""
FORM_LABELS = ("ตัวชี้วัดที่", "งานที่นำเสนอ / ตัวชี้วัดผลงาน", "หน่วยวัด", "1", "2", "3", "4",
               "5", "ผลการปฏิบัติงาน", "คะแนนที่ได้ (ก)", "ค่าน้ำหนัก (ข)",
               "รวมคะแนน (ค) = (ก)×(ข)/100", "การให้คะแนน")  # fmt: skip
QUARTER_TH = tuple(quarter_label_th(q) for q in (1, 2, 3, 4))
POINTS_PER_UNIT = 7.7
"""Printed points per column width unit (as :func:`kpixl.outputs.book.print_setup`)."""
BLOCK = 13
"""Rows of one division's disbursement block (its chart is 12 rows of 21 pt high)."""


def _result(rec: dict[str, Any]) -> Any:
    """ผลการปฏิบัติงาน as the form shows it: a deadline's date (the ledger keeps its
    ordinal), else the value scored."""
    value = rec["value"]
    if rec["kind"] == "deadline_date" and not is_missing(value):
        return dt.date.fromordinal(int(value))
    return value


def write_form(w: SummaryWriter, sheet: Any, code: str) -> dict[str, str]:
    """One division's scoring form with its results and the findings that remain.

    Returns:
        The cells the overview reads: ``total`` (Σ(ค)), ``ids`` and ``levels`` (the id
        and (ก) columns), ``link`` (the sheet, for a hyperlink).
    """
    s, book = w.s, w.book
    info = s.overview[s.overview["division_code"] == code].iloc[0]
    rows = s.kpis[s.kpis["division_code"] == code]
    sheet.set_default_row(row_points(1))  # no application fits rows on opening
    book.titles(sheet, "แบบกำหนดและประเมินผลสัมฤทธิ์ของงาน", f"{info['division_name']} ({code})"
                f" — {w.title}")  # fmt: skip
    got = info["received_at"]
    line = f"สถานะ: {info['state_th']}"
    if not is_missing(got):
        line += f" · ได้รับเมื่อ {format_datetime_th(got)} · ไฟล์ {info['file_name']}"
        line += f" · จาก {info['sender']}" if info["sender"] else ""
    book.text(sheet, 2, 0, line, book.fmt())
    book.text(sheet, 3, 0, f"ผู้ทำข้อตกลง: {info['director'] or '—'} · {w.when}", book.fmt())
    head = w.head()
    sheet.merge_range(FORM_HEAD - 1, 3, FORM_HEAD - 1, 7, "คะแนนตามระดับค่าเป้าหมาย", head)
    for col, (label, width) in enumerate(zip(FORM_LABELS, FORM_WIDTHS, strict=True)):
        if not 3 <= col <= 7:
            sheet.write_blank(FORM_HEAD - 1, col, None, head)
        sheet.write_string(FORM_HEAD, col, label, head)
        sheet.set_column(col, col, width)
    sheet.set_row(FORM_HEAD, w.fit(list(zip(FORM_LABELS, FORM_WIDTHS, strict=True)), bold=True))
    first = row = FORM_HEAD + 1
    for rec in rows.to_dict("records"):
        name = f"{rec['issue']}\n{rec['name']}" if rec["issue"] else rec["name"]
        texts = [rec["kpi_id"], name, rec["unit"], *(rec[f"level_{n}"] for n in range(1, 6))]
        for col, text in enumerate(texts):
            align = "center" if col in (0, 2) else "left"
            book.text(sheet, row, col, text, w.fmt(text_wrap=True, align=align))
        w.number(sheet, row, 8, _result(rec), "amount", align="center")
        w.number(sheet, row, 9, rec["level"], "level", align="center")
        w.number(sheet, row, 10, rec["weight"], "weight", align="center")
        level, weight = xl_rowcol_to_cell(row, 9), xl_rowcol_to_cell(row, 10)
        weighted = f'IF(ISNUMBER({level}),{level}*{weight}/100,"")'
        w.formula(sheet, row, 11, weighted, rec["weighted"], num_format="0.00", align="center")
        word = W.KPI_STATUS_WORDS.get(rec["status"], rec["status"]) if rec["received"] else ""
        fill = W.KPI_STATUS_FILLS.get(rec["status"], {})
        book.text(sheet, row, 12, word, w.fmt(text_wrap=True, **fill))
        shown = [*map(str, texts), "", "", "", "", word]
        sheet.set_row(row, w.fit(list(zip(shown, FORM_WIDTHS, strict=True))))
        row += 1
    last = row - 1
    total = {"bold": True, "bg_color": TOTAL_FILL, "align": "center"}
    sheet.merge_range(row, 0, row, 9, "รวม", w.fmt(bold=True, align="right"))
    sheet.merge_range(row + 1, 0, row + 1, 10, "สรุปคะแนน เต็ม 100 = รวมคะแนน (ค) × 20",
                      w.fmt(bold=True, align="right"))  # fmt: skip
    for at in (row, row + 1):
        sheet.write_blank(at, 12, None, w.fmt())
        sheet.set_row(at, w.fit([("สรุปคะแนน เต็ม 100 = รวมคะแนน (ค) × 20", sum(FORM_WIDTHS[:11]))]))
    if last >= first:
        weights, weighted = f"K{first + 1}:K{last + 1}", f"L{first + 1}:L{last + 1}"
        w.formula(
            sheet, row, 10, f"SUM({weights})", rows["weight"].sum(), num_format="0.##", **total
        )
        w.formula(sheet, row, 11, f'IF(COUNT({weighted})=0,"",SUM({weighted}))', info["total"],
                  num_format="0.00", **total)  # fmt: skip
        w.formula(sheet, row + 1, 11, f'IF(ISNUMBER(L{row + 1}),L{row + 1}*20,"")',
                  info["score_100"], num_format="0.00", **total)  # fmt: skip
        from kpixl.summary.workbook import level_scale

        sheet.conditional_format(first, 9, last, 9, level_scale())
    else:
        for at, col in ((row, 10), (row, 11), (row + 1, 11)):
            sheet.write_blank(at, col, None, w.fmt(**total))
    sheet.autofilter(FORM_HEAD, 0, max(last, FORM_HEAD), len(FORM_WIDTHS) - 1)
    sheet.freeze_panes(FORM_HEAD + 1, 2)
    end = _remaining(w, sheet, code, row + 3)
    print_setup(sheet, FORM_WIDTHS, last_row=end, repeat_rows=(FORM_HEAD - 1, FORM_HEAD))
    where = quote_sheetname(sheet.get_name())
    top, bottom = first + 1, max(last, first) + 1
    return {
        "total": f"{where}!$L${row + 1}",
        "ids": f"{where}!$A${top}:$A${bottom}",
        "levels": f"{where}!$J${top}:$J${bottom}",
        "link": f"internal:{where}!A1",
    }


def _remaining(w: SummaryWriter, sheet: Any, code: str, row: int) -> int:
    """The errors and warnings that remain, below the form; returns the last row."""
    found = w.s.findings[w.s.findings["division_code"] == code]
    book = w.book
    if found.empty:
        book.text(sheet, row, 0, "ไม่มีข้อผิดพลาดหรือคำเตือนค้างอยู่", book.fmt(bold=True))
        return row
    title = f"ข้อที่ยังต้องแก้ไขหรือตรวจสอบ ({len(found):,} รายการ)"
    book.text(sheet, row, 0, title, book.fmt(bold=True, font_size=16))
    sheet.set_row(row, row_points(1, 16))
    head, at = w.head(), row + 1
    sheet.write_string(at, 0, "ตัวชี้วัดที่", head)
    sheet.merge_range(at, 1, at, 8, "รายละเอียด", head)
    sheet.merge_range(at, 9, at, 10, "ความรุนแรง", head)
    sheet.write_string(at, 11, "เซลล์", head)
    sheet.write_string(at, 12, "ผู้ต้องดำเนินการ", head)
    sheet.set_row(at, w.fit([("ผู้ต้องดำเนินการ", FORM_WIDTHS[12])], bold=True))
    width = sum(FORM_WIDTHS[1:9])
    order = found.assign(_s=found["severity"].map(W.SEVERITY_ORDER)).sort_values(
        "_s", kind="stable"
    )
    for row, rec in enumerate(order.to_dict("records"), at + 1):
        text = w.fmt(text_wrap=True)
        book.text(sheet, row, 0, rec["kpi_id"], w.fmt(align="center"))
        sheet.merge_range(row, 1, row, 8, "", text)
        message = book.text(sheet, row, 1, rec["message_th"], text)
        severity = W.SEVERITY_WORDS.get(rec["severity"], rec["severity"])
        sheet.merge_range(row, 9, row, 10, "", text)
        book.text(sheet, row, 9, severity, w.fmt(**W.SEVERITY_FILLS.get(rec["severity"], {})))
        cell = f"{rec['sheet']} {rec['cell']}".strip()
        book.text(sheet, row, 11, cell, text)
        book.text(sheet, row, 12, W.ACTOR_WORDS.get(rec["actor"], rec["actor"]), text)
        # Merged cells are never fitted to their text, by Excel or by LibreOffice.
        sheet.set_row(row, w.fit([(message[:3000], width), (cell, FORM_WIDTHS[11])]))
    return row


def write_money(w: SummaryWriter, sheet: Any) -> None:
    """Cumulative disbursement by quarter against its targets: a table and a native
    chart (results as columns, targets as dashed lines) per division, two a page."""
    s, book = w.s, w.book
    single = s.kpis[s.kpis["quarter"].isna() & s.kpis["name"].map(disbursement_kind).ne("")]
    lines = ["ผลการเบิกจ่ายสะสม (ร้อยละ) เทียบกับเป้าหมายของแต่ละไตรมาส"
             " (เป้าหมาย = ค่าเริ่มต้นของเกณฑ์ระดับ 5 ของไตรมาสนั้นในแม่แบบ)"]  # fmt: skip
    if not single.empty:
        listed = ", ".join(
            f"{code} {', '.join(g['kpi_id'])}" for code, g in single.groupby("division_code")
        )
        lines.append(f"รายงานเป็นค่าเดียว ไม่แยกไตรมาส (ดูในแผ่นงานของกอง): {listed}")
    w.heading(sheet, "การเบิกจ่ายงบประมาณรายไตรมาส", *lines)
    for col, width in enumerate(MONEY_WIDTHS):
        sheet.set_column(col, col, width)
    names = dict(zip(s.overview["division_code"], s.overview["division_name"], strict=True))
    codes = [c for c in s.overview["division_code"] if c in set(s.disbursement["division_code"])]
    row, breaks = HEAD_ROW, []
    for number, code in enumerate(codes):
        # The first page holds the notes and one division, every later page two.
        if number % 2 == 1:
            breaks.append(row)
        for offset in range(BLOCK):
            sheet.set_row(row + offset, 21)
        title = f"{code} {names.get(code, '')}"
        book.text(sheet, row, 0, title, book.fmt(bold=True, font_size=16))
        sheet.set_row(row, row_points(1, 16))
        _money_block(w, sheet, row, code)
        row += BLOCK
    print_setup(sheet, MONEY_WIDTHS, last_row=row, repeat_rows=(0, 1))
    # A fixed scale, so that the page breaks between divisions hold (a fit-to-width page
    # ignores them) and no chart is cut in two.
    points = sum((width + 0.7) * POINTS_PER_UNIT for width in MONEY_WIDTHS)
    sheet.fit_to_pages(0, 0)
    sheet.set_print_scale(min(100, int(100 * PRINT_WIDTH_PT / points)))
    sheet.set_h_pagebreaks(breaks)


HEAD_ROW = 5
"""The first row of the disbursement blocks (the notes above it)."""
MONEY_WIDTHS = (25.0, 9.0, 9.0, 9.0, 9.0, 1.5, *([8.0] * 7))
"""The table (series, four quarters), a gap, and the seven columns under the chart."""
CHART_PX = (7 * (8 * 7 + 5) - 10, (BLOCK - 1) * 28 - 8)
"""The chart's size as xlsxwriter counts it (7 px a width unit, 5 px padding; 28 px a
21 pt row): the seven columns under it and the block's rows. Excel and LibreOffice draw
it over the same cells, wider than this in pixels (their width unit is a TH Sarabun New
14 pt digit), so it always fits its columns and the print area."""


def _money_block(w: SummaryWriter, sheet: Any, row: int, code: str) -> None:
    mine = w.s.disbursement[w.s.disbursement["division_code"] == code]
    kinds = mine.drop_duplicates("group_id").set_index("group_id")["kind"]
    groups = sorted(kinds.index, key=lambda g: (kinds[g] != "investment", g))
    head, where = w.head(), quote_sheetname(sheet.get_name())
    sheet.write_string(row + 1, 0, "ร้อยละสะสม", head)
    for q, label in enumerate(QUARTER_TH, 1):
        sheet.write_string(row + 1, q, label.replace(" (", "\n("), head)
    sheet.set_row(row + 1, 44)
    chart = w.wb.add_chart({"type": "column"})
    line = w.wb.add_chart({"type": "line"})
    font = {"name": FONT, "size": 12}
    seen: dict[str, int] = {}
    at = row + 2
    for group in groups:
        rows = mine[mine["group_id"] == group].set_index("quarter")
        kind = str(kinds[group])
        colour = SERIES_COLOURS[kind][min(seen.get(kind, 0), 1)]
        seen[kind] = seen.get(kind, 0) + 1
        for what, key in (("ผล", "value"), ("เป้าหมาย", "target")):
            label = f"{what} {rows['kind_th'].iloc[0]} ({group})"
            w.book.text(sheet, at, 0, label, w.fmt(bold=key == "value"))
            for q in range(1, 5):
                value = rows[key].get(q) if q in rows.index else None
                w.number(sheet, at, q, value, "amount", align="center")
            series = {
                "name": [sheet.get_name(), at, 0],
                "categories": f"={where}!$B${row + 2}:$E${row + 2}",
                "values": f"={where}!$B${at + 1}:$E${at + 1}",
            }
            if key == "value":
                labels = {"value": True, "num_format": "0", "font": font}
                chart.add_series({**series, "fill": {"color": colour},
                                  "border": {"none": True}, "data_labels": labels})  # fmt: skip
            else:
                marker = {"type": "diamond", "size": 8, "fill": {"color": colour},
                          "border": {"color": colour}}  # fmt: skip
                dashed = {"color": colour, "width": 2.25, "dash_type": "dash"}
                line.add_series({**series, "marker": marker, "line": dashed})
            at += 1
    chart.combine(line)
    chart.set_title({"name": f"{code}: การเบิกจ่ายสะสม (ร้อยละ)",
                     "name_font": {"name": FONT, "size": 14, "bold": True}})  # fmt: skip
    grid = {"visible": True, "line": {"color": "#D9D9D9"}}
    chart.set_y_axis({"min": 0, "max": 100, "major_unit": 20, "num_font": font,
                      "major_gridlines": grid})  # fmt: skip
    chart.set_x_axis({"num_font": font})
    chart.set_legend({"position": "bottom", "font": font})
    chart.set_size({"width": CHART_PX[0], "height": CHART_PX[1]})
    sheet.insert_chart(row, 6, chart, {"x_offset": 4, "y_offset": 4})


def write_targets(w: SummaryWriter, sheet: Any) -> None:
    """Form A: the plan by quarter beside the result where it is known."""
    from kpixl.summary.workbook import HEADER

    w.heading(
        sheet,
        "แผนเป้าหมาย (แบบ ก) เทียบกับผล",
        "แผนจากแผ่นงานแผนเป้าหมายของแต่ละกอง · ผลจากแบบประเมิน (รายไตรมาสเมื่อมีแถวรายไตรมาส)",
    )
    quarters = [f"ไตรมาส\n{q}" for q in range(1, 5)]
    cols = (
        Col("division_code", "รหัสกอง", "code"),
        Col("kpi_id", "รหัส", "code"),
        Col("name", "ชื่อตัวชี้วัด", wrap=True, max_width=36),
        Col("unit", "หน่วยนับ", wrap=True, max_width=9),
        *(Col(f"q{q}", quarters[q - 1], "amount") for q in range(1, 5)),
        Col("total", "รวมทั้งสิ้น", "amount"),
        *(Col(f"result_q{q}", quarters[q - 1], "amount") for q in range(1, 5)),
        Col("result", "ผลทั้งปี", "amount"),
    )
    table = w.book.table(sheet, HEADER + 1, cols, w.s.targets.to_dict("records"), freeze_cols=3)
    group = w.head()
    for col in range(4):
        sheet.write_blank(HEADER, col, None, group)
    sheet.merge_range(HEADER, 4, HEADER, 8, "แผน (แบบ ก)", group)
    sheet.merge_range(HEADER, 9, HEADER, 13, "ผล (แบบประเมิน)", group)
    end = table.last
    if w.s.targets.empty:
        end = HEADER + 2
        w.book.text(sheet, end, 0, "ไม่มีแผนเป้าหมายในแบบที่นับคะแนน", w.book.fmt())
    print_setup(sheet, table.widths, last_row=end, repeat_rows=(HEADER, HEADER + 1))


def write_years(w: SummaryWriter, sheet: Any, kpi_sheet: Any) -> None:
    """Scores beside the previous fiscal year's (``sheet``), and every KPI's level beside
    last year's with how the two were matched (``kpi_sheet``)."""
    from kpixl.summary.workbook import HEADER

    s, book = w.s, w.book
    prior, now = s.prior_year, s.fiscal_year_be
    w.heading(sheet, f"คะแนนเทียบกับปีงบประมาณ {prior}", f"รายตัวชี้วัด: แผ่นงาน {kpi_sheet.get_name()}")
    scores = s.scores_by_year.rename(columns={str(prior): "before", str(now): "now"})
    scores = scores.assign(change=scores["now"] - scores["before"])
    cols: tuple[Col, ...] = (
        Col("division_code", "รหัสกอง", "code"),
        Col("division_name", "กอง/สำนัก", wrap=True, max_width=36),
        Col("before", f"คะแนน {prior}", "score"),
        Col("now", f"คะแนน {now}", "score"),
        Col("change", "เปลี่ยนแปลง", "score"),
    )
    records = scores.to_dict("records")
    top = book.table(sheet, HEADER, cols, records)
    for row, rec in enumerate(records, top.first):
        r = row + 1
        change = f'IF(AND(ISNUMBER(C{r}),ISNUMBER(D{r})),D{r}-C{r},"")'
        w.formula(sheet, row, 4, change, rec["change"], num_format="+0.00;-0.00;0.00")
    # Two empty columns more on paper: the title is wider than this small table.
    wide = (*top.widths, 12.0, 12.0)
    print_setup(sheet, wide, last_row=top.last, repeat_rows=(HEADER, HEADER))
    w.heading(
        kpi_sheet,
        f"ระดับรายตัวชี้วัดเทียบกับปีงบประมาณ {prior}",
        "ตัวชี้วัดเดียวกันจับคู่ด้วยรหัสและชื่อ · คู่ที่ไม่แน่ใจเขียนว่า “โปรดตรวจ” (สีเหลือง)",
    )
    words = {k: v.replace("ปีก่อน", f"ปี {prior}").replace("ปีนี้", f"ปี {now}")
             for k, v in MATCH_TH.items()}  # fmt: skip
    unsure = {"name_differs": W.YELLOW, "by_name": W.YELLOW}
    cols = (
        Col("division_code", "รหัสกอง", "code"),
        Col("kpi_id", f"ตัวชี้วัดที่ {now}", "code"),
        Col("name", f"ชื่อ {now}", wrap=True, max_width=26),
        Col("kpi_id_prev", f"ตัวชี้วัดที่ {prior}", "code"),
        Col("name_prev", f"ชื่อ {prior}", wrap=True, max_width=26),
        Col("value_prev", f"ผล {prior}", "amount"),
        Col("level_prev", f"ระดับ {prior}", "level"),
        Col("value", f"ผล {now}", "amount"),
        Col("level", f"ระดับ {now}", "level"),
        Col("change", "ระดับเปลี่ยน", "level"),
        Col("match", "การจับคู่", "words", wrap=True, max_width=18, words=words, fills=unsure),
    )
    records = s.year_over_year.to_dict("records")
    table = book.table(kpi_sheet, HEADER, cols, records, freeze_cols=3)
    for row, rec in enumerate(records, table.first):
        r = row + 1
        change = f'IF(AND(ISNUMBER(G{r}),ISNUMBER(I{r})),I{r}-G{r},"")'
        w.formula(kpi_sheet, row, 9, change, rec["change"], num_format="+0;-0;0", align="center")
    print_setup(kpi_sheet, table.widths, last_row=table.last, repeat_rows=(HEADER, HEADER))
