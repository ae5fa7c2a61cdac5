"""The round's outputs: results.xlsx, results.csv, the status table and the reply drafts.

Frames are built inline, as the round builds them; the workbook is read back with
openpyxl, opened and recalculated by LibreOffice, and printed to PDF.
"""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import importlib.resources
import math
import re
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pdfplumber
import pytest
from libreoffice import to_csv
from pdf import to_pdf

from kpixl import layout as L
from kpixl.findings import FINDING_COLUMNS, finding, findings_frame
from kpixl.fiscal import FISCAL_MONTHS
from kpixl.layout import visible_length
from kpixl.outputs import results as R
from kpixl.outputs.book import DATETIME_FORMAT, MAX_TEXT
from kpixl.outputs.replies import (
    TEMPLATE,
    XLSX_TYPE,
    ReplyTemplateError,
    render_reply,
    salutation,
    write_reply,
)
from kpixl.outputs.status import STATE_TH, STATES, format_status
from kpixl.scoring import division_totals

FY = 2565
ORG = "องค์การบริหารส่วนจังหวัดนครสวรรค์"
CHECKED_AT = dt.datetime(2022, 1, 20, 10, 55)
HYPERLINK = '=HYPERLINK("http://x")'
LONG = "ก" * 40_000
DEADLINE = dt.date(2021, 12, 30)
THAI = re.compile(r"[\u0E00-\u0E7F]")


# --------------------------------------------------------------------------- frames


def kpis_frame() -> pd.DataFrame:
    """FIN: four rows (a fractional weight, a deadline date); SEC: two, one not scored."""
    survey = 80.00000000000003  # what a mean of means × 100 / 5 computes for 80 %
    day = float(DEADLINE.toordinal())
    fin, sec = ("FIN", "กองคลัง"), ("SEC", "สำนักงานเลขานุการ")
    rows = [
        (*fin, 1, "ร้อยละของการเบิกจ่าย", "ร้อยละ", "ratio", None, 84.444, 84.444, 4, 40.0),
        (*fin, "2.1", "ความพึงพอใจ", "ร้อยละ", "survey", 1, survey, survey, 5, 2.5),
        (*fin, 3.0, "ส่งรายงานการเงิน", "วัน", "deadline_date", None, day, day, 3, 27.5),
        (*fin, "4", "จำนวนโครงการ", "โครงการ", "bands", None, 12.0, 12.0, 5, 30.0),
        (*sec, "1", "ร้อยละของการประชุม", "ร้อยละ", "ratio", None, 140.5, 140.5, None, 60.0),
        (*sec, "2", HYPERLINK, "ครั้ง", "bands", None, 7.0, 7.0, 3, 40.0),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "division_code", "division_name", "kpi_id", "name", "unit", "kind", "quarter",
            "reported", "value", "level", "weight",
        ],
    )  # fmt: skip
    frame["computed"] = frame["value"]
    frame["level"] = pd.array(frame["level"], dtype="Int64")
    frame["weighted"] = frame["level"].astype("float64") * frame["weight"] / 100
    frame["status"] = ["ok", "ok", "ok", "ok", "out_of_range", "ok"]
    return frame


def totals_frame(kpis: pd.DataFrame) -> pd.DataFrame:
    return division_totals(kpis, keys=("division_code",))


RECEIVED = {
    "FIN": pd.Timestamp("2022-01-10 03:55", tz="UTC"),
    "SEC": pd.Timestamp("2022-01-11 09:30", tz="Asia/Bangkok"),
}


def status_frame(totals: pd.DataFrame) -> pd.DataFrame:
    rows = []
    by_code = totals.set_index("division_code")
    for code, name, state in (
        ("FIN", "กองคลัง", "scored"),
        ("SEC", "สำนักงานเลขานุการ", "errors"),
        ("PER", "กองการเจ้าหน้าที่", "not_received"),
    ):
        got = code in by_code.index
        rows.append(
            {
                "division_code": code,
                "division_name": name,
                "email": f"{code.lower()}@pao.example",
                "state": state,
                "received_at": RECEIVED.get(code, pd.NaT),
                "sender": f"ธุรการ <{code.lower()}@pao.example>" if got else "",
                "file_name": f"{code}_รอบ2.xlsx" if got else "",
                "submissions": 1 if got else 0,
                "total": by_code.at[code, "total"] if got else math.nan,
                "score_100": by_code.at[code, "score_100"] if got else math.nan,
                "complete": bool(by_code.at[code, "complete"]) if got else None,
                "errors": 1 if code == "SEC" else 0,
                "warnings": 0,
                "content_hash": f"{code}-hash" if got else "",
                "annotated": f"/out/checked/{code}.checked.xlsx" if got else "",
            }
        )
    return pd.DataFrame(rows)


def findings_for_outputs() -> pd.DataFrame:
    records = [
        finding("value-out-of-range", source="SEC.xlsx", sheet=L.FORM_SHEET, row=7, column=10,
                kpi_id="1", value=140.5, minimum=0, maximum=100),
        finding("kpi-unscorable", source="SEC.xlsx", sheet=L.FORM_SHEET, row=8, column=11,
                kpi_id="2", problem="เกณฑ์ระดับ 4 อ่านไม่ได้"),
        finding("missing-prior-result", source="FIN.xlsx", sheet=L.TARGET_SHEET, row=8,
                column=23, kpi_id="1", year=2562),
        finding("value-normalised", source="FIN.xlsx", sheet=L.FORM_SHEET, row=9, column=10,
                kpi_id="3", value="๘๕", normalised="85"),
    ]  # fmt: skip
    frame = findings_frame(records)
    frame.loc[2, "value"] = HYPERLINK  # what a division typed, shown back to the centre
    frame.loc[3, "message_en"] = LONG
    frame["division_code"] = ["SEC", "SEC", "FIN", "FIN"]
    return frame


def targets_frame() -> pd.DataFrame:
    keys = [f.key for f in L.target_fields(FY)]
    rows = []
    for code, kpi in (("FIN", "1"), ("FIN", "2"), ("SEC", "1")):
        rec: dict[str, Any] = {key: math.nan for key in keys}
        rec.update(division_code=code, kpi_id=kpi, name=f"ตัวชี้วัดเป้าหมาย {kpi}", unit="คน",
                   kpi_type="เชิงปริมาณ", fiscal_year_be=FY)  # fmt: skip
        for offset, month in enumerate(FISCAL_MONTHS):
            rec[L.month_key(month)] = float(100 + offset)
        for quarter, months in L.QUARTER_MONTHS.items():
            rec[f"q{quarter}"] = sum(rec[L.month_key(m)] for m in months)
        rec["total"] = sum(rec[f"q{q}"] for q in range(1, 5))
        rec[f"plan_{FY - 3}"], rec[f"result_{FY - 3}"] = 1_500.0, 1_432.5
        rec[f"est_{FY + 1}"] = 12_600_000.0
        rec["success_factor"] = "ความร่วมมือจากโรงพยาบาลส่งเสริมสุขภาพตำบล" if kpi == "1" else HYPERLINK
        rows.append(rec)
    return pd.DataFrame(rows)


def submissions_frame(status: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for rec in status[status["state"] != "not_received"].to_dict("records"):
        rows.append(
            {
                "content_hash": rec["content_hash"],
                "division_code": rec["division_code"],
                "state": "counted",
                "received_at": rec["received_at"],
                "sender": rec["sender"],
                "subject": f"ส่งแบบประเมิน {rec['division_name']}",
                "message_id": f"<{rec['division_code']}@pao.example>",
                "file_name": rec["file_name"],
                "path": f"/inbox/{rec['file_name']}",
                "score_100": rec["score_100"],
                "errors": rec["errors"],
                "warnings": rec["warnings"],
                "annotated": rec["annotated"],
            }
        )
    older = dict(rows[0], state="superseded", content_hash="FIN-old", subject=HYPERLINK)
    older["received_at"] = rows[0]["received_at"] - pd.Timedelta(days=2)
    return pd.DataFrame([*rows, older])


class Round:
    """Every frame of a small round, and the results workbook written from them."""

    def __init__(self, folder: Path) -> None:
        self.kpis = kpis_frame()
        self.totals = totals_frame(self.kpis)
        self.status = status_frame(self.totals)
        self.findings = findings_for_outputs()
        self.targets = targets_frame()
        self.submissions = submissions_frame(self.status)
        self.path = folder / "results.xlsx"
        self.truncated = R.write_results_workbook(
            self.path,
            status=self.status,
            kpis=self.kpis,
            totals=self.totals,
            findings=self.findings,
            targets=self.targets,
            submissions=self.submissions,
            organisation=ORG,
            fiscal_year_be=FY,
            round_label="2565-Q2",
            checked_at=CHECKED_AT,
        )
        self.table = R.results_table(self.kpis, self.totals)


@pytest.fixture(scope="module")
def round_(tmp_path_factory: pytest.TempPathFactory) -> Round:
    return Round(tmp_path_factory.mktemp("round"))


@pytest.fixture(scope="module")
def book(round_: Round) -> openpyxl.Workbook:
    return openpyxl.load_workbook(round_.path)


@pytest.fixture(scope="module")
def cached(round_: Round) -> openpyxl.Workbook:
    return openpyxl.load_workbook(round_.path, data_only=True)


def table_rows(sheet: Any, header: int) -> tuple[list[str], list[list[Any]]]:
    """The header texts (line breaks as spaces) and the data rows below them."""
    rows = list(sheet.iter_rows(min_row=header, values_only=True))
    head = [str(v or "").replace("\n", " ") for v in rows[0]]
    body = [list(r) for r in rows[1:] if any(v not in (None, "") for v in r)]
    return head, body


def column(sheet: Any, header: int, label: str) -> list[Any]:
    head, body = table_rows(sheet, header)
    i = head.index(label)
    return [r[i] for r in body]


# --------------------------------------------------------------------------- results_table


def test_results_table_rounds_as_the_form_and_keeps_ids_as_written() -> None:
    kpis = kpis_frame()
    table = R.results_table(kpis, totals_frame(kpis))
    assert list(table.columns) == list(R.RESULT_COLUMNS)
    assert table["kpi_id"].tolist() == ["1", "2.1", "3", "4", "1", "2"]
    fin = table[table["division_code"] == "FIN"]
    assert fin["value"].tolist()[:2] == [84.44, 80.0]
    # 5 × 2.5 / 100 = 0.125 → 0.13: half away from zero, as ROUND and the form.
    assert fin["weighted"].tolist() == [1.6, 0.13, 0.83, 1.5]
    # รวม is Σ(ค) rounded once (4.05), not the sum of the rounded (ค) (4.06).
    assert set(fin["total"]) == {4.05} and set(fin["score_100"]) == {81.0}
    sec = table[table["division_code"] == "SEC"]
    assert sec["level"].isna().tolist() == [True, False]
    assert str(table["level"].dtype) == "Int64" and str(table["quarter"].dtype) == "Int64"
    assert set(sec["total"]) == {1.2} and set(sec["score_100"]) == {24.0}


def test_results_table_ids_from_numbers_and_absent_columns() -> None:
    kpis = pd.DataFrame(
        {"division_code": [75105.0], "kpi_id": [7.0], "level": [3], "weight": [100.0],
         "value": [84.39999999999999], "weighted": [3.0]}
    )  # fmt: skip
    totals = pd.DataFrame({"division_code": ["75105"], "total": [4.2199999], "score_100": [84.4]})
    table = R.results_table(kpis, totals)
    row = table.iloc[0]
    assert (row["division_code"], row["kpi_id"], row["name"]) == ("75105", "7", "")
    assert (row["value"], row["total"], row["score_100"]) == (84.4, 4.22, 84.4)


def test_results_csv_has_no_float_noise_and_dates_read_as_dates(tmp_path: Path) -> None:
    kpis = kpis_frame()
    kpis.loc[0, "value"] = 84.39999999999999
    path = tmp_path / "results.csv"
    R.write_results_csv(path, kpis, totals_frame(kpis))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert not re.search(r"\d\.\d{3,}", text), text  # no 84.39999999999999, no 7.000001
    rows = list(csv.DictReader(text.splitlines()))
    assert [r["kpi_id"] for r in rows] == ["1", "2.1", "3", "4", "1", "2"]  # never "3.0"
    assert rows[0]["value"] == "84.4" and rows[0]["kpi_id"] == "1"
    assert rows[2]["value"] == "2021-12-30" and rows[2]["reported"] == "2021-12-30"
    assert rows[5]["name"] == "'" + HYPERLINK  # CSV injection neutralised
    assert rows[4]["level"] == ""  # not scored is blank, never 0


# --------------------------------------------------------------------------- results.xlsx


def test_every_sheet_is_there_in_order_with_thai_headers(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == list(R.SHEETS)
    for sheet in book.worksheets:
        header = R.STATUS_HEADER_ROW + 1 if sheet.title == R.STATUS_SHEET else R.HEADER_ROW + 1
        if sheet.title == R.TARGETS_SHEET:
            header = 6
        labels = [c.value for c in sheet[header] if c.value]
        assert labels, sheet.title
        # Only years and what the forms themselves write in English are not Thai.
        other = [v for v in labels if not THAI.search(str(v))]
        allowed = {"Success Factor", "Message (English)", "Message-ID"}
        assert all(v in allowed or re.fullmatch(r"[\d–]+", str(v)) for v in other), other
        assert THAI.search(str(sheet["A1"].value)), sheet.title


def test_frozen_headers_filters_and_the_font(book: openpyxl.Workbook) -> None:
    expected = {
        R.STATUS_SHEET: "C8",
        R.SCORES_SHEET: "D5",
        R.RESULTS_SHEET: "E5",
        R.FINDINGS_SHEET: "A5",
        R.TARGETS_SHEET: "D7",
        R.SOURCES_SHEET: "B5",
    }
    for name, cell in expected.items():
        sheet = book[name]
        assert sheet.freeze_panes == cell, name
        top = int(re.sub(r"\D", "", cell)) - 1
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A"), name
        assert re.match(rf"A{top}:[A-Z]+\d+$", sheet.auto_filter.ref), (name, sheet.auto_filter.ref)
        font = sheet.cell(top + 1, 1).font
        assert (font.name, font.sz) == ("TH Sarabun New", 14), name


def test_status_sheet_words_colours_counts_and_dates(
    round_: Round, book: openpyxl.Workbook, cached: openpyxl.Workbook
) -> None:
    sheet = book[R.STATUS_SHEET]
    header = R.STATUS_HEADER_ROW + 1
    states = column(sheet, header, "สถานะ")
    assert states == [STATE_TH[s] for s in round_.status["state"]]
    fills = {sheet.cell(header + 1 + i, 3).fill.fgColor.rgb for i in range(3)}
    assert len(fills) == 3  # a colour per state, beside its word
    received = column(sheet, header, "ได้รับเมื่อ")
    # 03:55 UTC and 09:30 in Bangkok, written as Bangkok time without a zone.
    assert received[:2] == [dt.datetime(2022, 1, 10, 10, 55), dt.datetime(2022, 1, 11, 9, 30)]
    assert received[2] is None
    assert sheet.cell(header + 1, 4).number_format == DATETIME_FORMAT
    assert DATETIME_FORMAT.startswith("[$-107041E]") and DATETIME_FORMAT.endswith("hh:mm")
    scores = column(sheet, header, "คะแนน เต็ม 100")
    assert scores[:2] == [81.0, 24.0] and scores[2] is None
    assert sheet.cell(header + 1, 9).number_format == "0.00"
    counts = [cached[R.STATUS_SHEET].cell(5, c).value for c in range(2, 7)]
    assert counts == [3, 1, 1, 1, 0]  # all, not received, errors, scored, signed off
    assert [sheet.cell(4, c).value for c in range(3, 7)] == [STATE_TH[s] for s in STATES]


def test_scores_sheet_ranks_and_its_formulas_hold_the_totals(
    book: openpyxl.Workbook, cached: openpyxl.Workbook
) -> None:
    sheet, values = book[R.SCORES_SHEET], cached[R.SCORES_SHEET]
    head, body = table_rows(values, R.HEADER_ROW + 1)
    codes = [r[head.index("รหัส กอง")] for r in body[:3]]
    assert codes == ["FIN", "SEC", "PER"]
    assert [r[head.index("อันดับ")] for r in body[:3]] == [1, 2, None]
    assert [r[head.index("คะแนน เต็ม 100")] for r in body[:2]] == [81.0, 24.0]
    assert [r[head.index("รวม (ค) เต็ม 5")] for r in body[:2]] == [4.05, 1.2]
    formula = sheet.cell(R.HEADER_ROW + 2, head.index("คะแนน เต็ม 100") + 1).value
    assert str(formula).startswith("=IF(") and "SUMPRODUCT" in str(formula)
    weights = sheet.cell(R.HEADER_ROW + 2, head.index("รวมค่า น้ำหนัก") + 1)
    assert (weights.value, weights.number_format) == (100, "0")


def test_results_sheet_equals_the_table(round_: Round, book: openpyxl.Workbook) -> None:
    sheet = book[R.RESULTS_SHEET]
    head, body = table_rows(sheet, R.HEADER_ROW + 1)
    got = {label: [r[i] for r in body] for i, label in enumerate(head)}
    table = round_.table.astype(object).where(round_.table.notna(), None)
    assert got["ตัวชี้วัด ที่"] == table["kpi_id"].tolist()
    assert got["รวม คะแนน (ค)"] == table["weighted"].tolist()
    assert got["คะแนน เต็ม 100"] == table["score_100"].tolist()
    assert got["คะแนน ที่ได้ (ก)"] == table["level"].tolist()
    assert got["ค่า น้ำหนัก (ข)"] == table["weight"].tolist()
    # The deadline's value is a date, shown in B.E.; others as the form shows them.
    assert got["ค่าที่ใช้ คิดคะแนน"][2] == dt.datetime(2021, 12, 30)
    assert got["ค่าที่ใช้ คิดคะแนน"][:2] == [84.44, 80.0]
    first = R.HEADER_ROW + 2
    formats = {label: sheet.cell(first + 1, i + 1).number_format for i, label in enumerate(head)}
    assert formats["รวม คะแนน (ค)"] == "0.00" and formats["คะแนน ที่ได้ (ก)"] == "0"
    assert formats["ค่า น้ำหนัก (ข)"] == "0.0#"  # 2.5
    assert sheet.cell(first, head.index("ค่า น้ำหนัก (ข)") + 1).number_format == "0"  # 40
    assert sheet.cell(first + 2, head.index("ค่าที่ใช้ คิดคะแนน") + 1).number_format == L.DATE_FORMAT
    name = sheet.cell(first + 5, head.index("ตัวชี้วัดผลงาน") + 1)
    assert (name.value, name.data_type) == (HYPERLINK, "s")


def test_findings_sheet_errors_first_with_who_acts(book: openpyxl.Workbook) -> None:
    sheet = book[R.FINDINGS_SHEET]
    head, body = table_rows(sheet, R.HEADER_ROW + 1)
    severity = [r[head.index("ความรุนแรง")] for r in body]
    assert [s.split()[-1] for s in severity] == ["ข้อผิดพลาด", "ข้อผิดพลาด", "คำเตือน", "ข้อมูล"]
    assert [r[head.index("ผู้ต้อง ดำเนินการ")] for r in body][:2] == ["กอง/สำนัก", "ส่วนกลาง"]
    value = sheet.cell(R.HEADER_ROW + 1 + 3, head.index("ค่าที่พบ") + 1)
    assert (value.value, value.data_type) == (HYPERLINK, "s")


def test_a_text_longer_than_a_cell_is_cut_with_a_finding(
    round_: Round, book: openpyxl.Workbook
) -> None:
    sheet = book[R.FINDINGS_SHEET]
    head, _ = table_rows(sheet, R.HEADER_ROW + 1)
    cell = sheet.cell(R.HEADER_ROW + 1 + 4, head.index("Message (English)") + 1)
    assert len(cell.value) == MAX_TEXT and cell.value.endswith("…")
    found = round_.truncated
    assert list(found.columns) == FINDING_COLUMNS
    assert found[["code", "sheet", "cell"]].values.tolist() == [
        ["text-truncated", R.FINDINGS_SHEET, cell.coordinate]
    ]
    assert found.iloc[0]["actor"] == "centre"


def test_targets_sheet_is_form_a_with_grouped_headers(book: openpyxl.Workbook) -> None:
    sheet = book[R.TARGETS_SHEET]
    groups = {str(c.value) for c in sheet[4] if c.value}
    assert {"กองและตัวชี้วัด", f"แผนการดำเนินงาน ปีงบประมาณ {FY}", "ปีก่อนหน้า: แผน / ผล",
            "ประมาณการ (แผน)", "ปัจจัยแห่งความสำเร็จ"} <= groups  # fmt: skip
    quarters = [str(c.value) for c in sheet[5] if c.value and "ไตรมาส" in str(c.value)]
    assert quarters[0] == "ไตรมาส 1 (ต.ค.–ธ.ค.)" and len(quarters) == 4
    head, body = table_rows(sheet, 6)
    assert head[:5] == ["รหัสกอง", "รหัส", "ชื่อตัวชี้วัด", "หน่วยนับ", "ประเภท ตัวชี้วัด"]
    assert head[5:8] == ["ต.ค.", "พ.ย.", "ธ.ค."]
    assert [r[0] for r in body] == ["FIN", "FIN", "SEC"]  # in the status frame's order
    first = body[0]
    assert first[head.index("รวม ทั้งสิ้น")] == sum(range(100, 112))
    est = sheet.cell(7, head.index(str(FY + 1)) + 1)
    assert (est.value, est.number_format) == (12_600_000, "#,##0")
    result = sheet.cell(7, head.index("ผล") + 1)
    assert (result.value, result.number_format) == (1432.5, "#,##0.0#")
    factor = [r[head.index("Success Factor")] for r in body]
    assert HYPERLINK in factor
    assert sheet.print_title_cols == "$A:$C"  # printed on pages of its own: ids repeat


def test_sources_sheet_lists_every_submission(round_: Round, book: openpyxl.Workbook) -> None:
    sheet = book[R.SOURCES_SHEET]
    head, body = table_rows(sheet, R.HEADER_ROW + 1)
    assert len(body) == len(round_.submissions)
    assert [r[head.index("การนับ")] for r in body] == ["มีฉบับใหม่กว่า", "นับคะแนน", "นับคะแนน"]
    assert body[0][head.index("หัวเรื่องอีเมล")] == HYPERLINK
    assert sheet.cell(R.HEADER_ROW + 2, 3).number_format == DATETIME_FORMAT


def test_every_sheet_prints_on_a4_landscape_fitted_or_split(book: openpyxl.Workbook) -> None:
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.paperSize, setup.orientation) == (9, "landscape"), sheet.title
        assert sheet.print_title_rows, sheet.title
        assert sheet.print_area, sheet.title
        if sheet.title != R.TARGETS_SHEET:
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
            assert (setup.fitToWidth, setup.fitToHeight) in ((1, 0), (None, 0)), sheet.title


def test_libreoffice_opens_every_sheet_and_recalculates_the_same_totals(
    round_: Round, tmp_path: Path
) -> None:
    exported = to_csv([round_.path], tmp_path / "csv")[round_.path.resolve()]
    assert set(exported) == set(R.SHEETS)
    with open(exported[R.SCORES_SHEET], encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "อันดับ")
    head = [h.replace("\n", " ") for h in rows[header]]
    scored = {
        r[head.index("รหัส กอง")]: (r[head.index("รวม (ค) เต็ม 5")], r[head.index("คะแนน เต็ม 100")])
        for r in rows[header + 1 : header + 4]
    }
    totals = round_.totals.set_index("division_code")
    for code in ("FIN", "SEC"):
        total, score = scored[code]
        assert float(total) == pytest.approx(round(totals.at[code, "total"], 2))
        assert float(score) == pytest.approx(round(totals.at[code, "score_100"], 2))
    assert scored["PER"] == ("", "")
    average = next(r for r in rows if "คะแนนเฉลี่ย" in r)
    assert float(average[head.index("คะแนน เต็ม 100")]) == pytest.approx((81.0 + 24) / 2)
    status = exported[R.STATUS_SHEET].read_text(encoding="utf-8")
    assert "กองการเจ้าหน้าที่" in status and "ยังไม่ได้รับ" in status


def test_printed_pages_are_a4_with_text_of_nine_points_or_more(
    round_: Round, tmp_path: Path
) -> None:
    (pdf,) = to_pdf([round_.path], tmp_path / "pdf")
    with pdfplumber.open(pdf) as document:
        assert len(document.pages) >= len(R.SHEETS)
        for number, page in enumerate(document.pages, 1):
            assert (round(page.width), round(page.height)) == (842, 595), number
            sizes = [ch["size"] for ch in page.chars if ch["text"].strip()]
            assert sizes and min(sizes) >= 9, (number, min(sizes))


# --------------------------------------------------------------------------- status table


def test_status_table_aligns_thai_and_counts_the_states() -> None:
    kpis = kpis_frame()
    status = status_frame(totals_frame(kpis))
    text = format_status(status)
    lines = text.splitlines()
    counts = "ยังไม่ได้รับ 1 · มีข้อผิดพลาด 1 · คิดคะแนนแล้ว 1 · นำส่งแล้ว (ลงนาม) 0"
    assert lines[0] == f"ทั้งหมด 3 กอง: {counts}"
    table = lines[2:]
    assert table[0].split()[:3] == ["รหัส", "กอง/สำนัก", "สถานะ"]
    # Every column starts at the same terminal column on every line.
    starts = [visible_length(line[: line.index(word)]) for line, word in zip(
        table, ["สถานะ", "คิดคะแนนแล้ว", "มีข้อผิดพลาด", "ยังไม่ได้รับ"], strict=True)]  # fmt: skip
    assert len(set(starts)) == 1, table
    assert "10 ม.ค. 2565 10:55" in table[1] and "81.0" in table[1]
    assert table[3].rstrip().endswith("—")
    english = format_status(status, lang="en")
    assert english.splitlines()[0].startswith("3 divisions: not received 1")
    assert "has errors" in english


# --------------------------------------------------------------------------- replies

ORGANISATION = {"org_name": ORG, "office": "กองยุทธศาสตร์และงบประมาณ", "contact": "โทร. 0 5622 2812"}


def division(code: str = "SEC") -> dict[str, Any]:
    return {
        "division_code": code,
        "division_name": "สำนักงานเลขานุการ" if code == "SEC" else "กองคลัง",
        "director_title": "หัวหน้าฝ่ายกิจการสภา รักษาการแทน เลขานุการองค์การ",
        "received_at": pd.Timestamp("2022-01-11 02:30", tz="UTC"),
        "file_name": f"{code}_รอบ2.xlsx",
    }


def reply(state: str, findings: pd.DataFrame | None = None, **extra: Any) -> str:
    return render_reply(
        division=extra.pop("division", division()),
        state=state,
        total=extra.pop("total", 4.22),
        score_100=extra.pop("score_100", 84.4),
        findings=findings if findings is not None else findings_for_outputs().iloc[:2],
        organisation=ORGANISATION,
        round_label="2565-Q2",
        fiscal_year_be=FY,
        **extra,
    )


def test_the_package_template_is_package_data() -> None:
    assert importlib.resources.files("kpixl.outputs").joinpath(TEMPLATE).is_file()


@pytest.mark.parametrize(
    ("rec", "expected"),
    [
        ({"director_title": "หัวหน้าฝ่ายบุคลากร รักษาราชการแทน ผู้อำนวยการกองการเจ้าหน้าที่"},
         "ผู้อำนวยการกองการเจ้าหน้าที่"),
        ({"director_title": "ผู้อำนวยการกองคลัง"}, "ผู้อำนวยการกองคลัง"),
        ({"division_name": "กองคลัง"}, "ผู้อำนวยการกองคลัง"),
        ({"division_name": "สำนักงานเลขานุการองค์การบริหารส่วนจังหวัด"},
         "เลขานุการองค์การบริหารส่วนจังหวัด"),
        ({"division_name": "สำนักปลัดองค์การบริหารส่วนจังหวัด"},
         "ผู้อำนวยการสำนักปลัดองค์การบริหารส่วนจังหวัด"),
        ({"division_name": "หน่วยตรวจสอบภายใน", "director_title": math.nan},
         "หัวหน้าหน่วยตรวจสอบภายใน"),
        ({"division_name": "องค์การบริหารส่วนจังหวัดกระบี่"}, "องค์การบริหารส่วนจังหวัดกระบี่"),
        ({"director_title": "ผู้อำนวยการกองคลัง", "salutation": "นางอวยพร สุขไสย"},
         "นางอวยพร สุขไสย"),
    ],
)  # fmt: skip
def test_the_salutation_addresses_the_position(rec: dict[str, Any], expected: str) -> None:
    assert salutation(rec) == expected


def test_errors_list_what_to_fix_and_what_the_centre_will_do() -> None:
    text = reply("errors", attachment_name="SEC.checked.xlsx")
    assert text.startswith("เรียน เลขานุการองค์การ\n")
    assert "(ไฟล์ “SEC_รอบ2.xlsx” ได้รับเมื่อ 11 ม.ค. 2565 09:30 น.) แล้ว" in text
    fix, centre = text.split("รายการที่ต้องแก้ไข:")[1].split("เรื่องที่ส่วนกลางจะดำเนินการเอง")
    assert "1. แผ่นงาน “แบบประเมิน” ช่อง J7 ตัวชี้วัดที่ 1: ค่า 140.5 อยู่นอกช่วง" in fix
    assert "คิดคะแนนไม่ได้" not in fix  # the centre's finding is not the division's to fix
    assert "ตัวชี้วัดที่ 2" in centre and "ส่วนกลางจะแก้ไข" in centre
    assert "“SEC.checked.xlsx”" in text and "จึงเรียนมาเพื่อโปรดทราบและดำเนินการต่อไป" in text
    assert not re.search("[๐-๙]", text)  # Arabic digits throughout
    assert "  " not in text and "\n\n\n" not in text


def test_errors_beyond_twenty_are_counted_errors_first() -> None:
    records = [
        finding("missing-prior-result", sheet=L.TARGET_SHEET, row=8, column=c, kpi_id="1",
                year=2562) for c in range(1, 16)
    ] + [
        finding("value-missing", sheet=L.FORM_SHEET, row=r, column=10, kpi_id=str(r),
                what="ผลการปฏิบัติงาน") for r in range(7, 17)
    ]  # fmt: skip
    text = reply("errors", findings_frame(records))
    numbered = re.findall(r"^(\d+)\. (.*)$", text, flags=re.M)
    assert [int(n) for n, _ in numbered] == list(range(1, 21))
    assert all("ยังไม่ได้กรอก" in line for _, line in numbered[:10])
    assert text.index("รายการที่ต้องแก้ไข") < text.index("รายการที่ควรตรวจสอบ")
    assert "และอีก 5 รายการ ดูได้ในสำเนาที่ตรวจแล้วที่แนบมา" in text


def test_scored_gives_the_score_and_asks_for_the_sign_off() -> None:
    fin = {**division("FIN"), "annotated": "/out/checked/กองคลัง.checked.xlsx"}
    text = reply("scored", findings_frame(), division=fin)
    assert "ไฟล์ที่แนบมา “กองคลัง.checked.xlsx” เป็นสำเนาที่ตรวจแล้ว" in text
    assert "ได้คะแนนรวม 4.22 จาก 5 คิดเป็น 84.40 คะแนน จากคะแนนเต็ม 100" in text
    assert f"“{L.SIGNOFF_YES}”" in text and "รายการที่ต้องแก้ไข" not in text


def test_not_received_is_a_reminder() -> None:
    text = reply("not_received", findings_frame(), total=None, score_100=None,
                 division={"division_code": "PER", "division_name": "กองการเจ้าหน้าที่"})  # fmt: skip
    assert text.startswith("เรียน ผู้อำนวยการกองการเจ้าหน้าที่\n")
    assert "ยังไม่ได้รับแบบประเมินของกองการเจ้าหน้าที่" in text
    assert "คะแนน" not in text.split("ยังไม่ได้รับ")[1].split("ขอแสดงความนับถือ")[0].replace(
        "แบบประเมิน", ""
    )


def test_signed_off_thanks() -> None:
    text = reply("signed_off")
    assert "ขอขอบคุณสำนักงานเลขานุการที่ได้ลงนามนำส่ง" in text
    assert "84.40" in text and "รายการที่ต้องแก้ไข" not in text
    assert "จึงเรียนมาเพื่อโปรดทราบ\n" in text


def test_an_office_template_is_used_and_a_misspelt_variable_is_an_error(tmp_path: Path) -> None:
    own = tmp_path / "ของเรา.txt.j2"
    own.write_text(
        "เรียน {{ salutation }}\n{% for item in errors %}* {{ item.where }}\n{% endfor %}"
        "คะแนน {{ score_100 }} & ขอบคุณ\n",
        encoding="utf-8",
    )
    text = reply("errors", template=own)
    listed = "* แผ่นงาน “แบบประเมิน” ช่อง J7 ตัวชี้วัดที่ 1"
    assert text == f"เรียน เลขานุการองค์การ\n{listed}\nคะแนน 84.40 & ขอบคุณ\n"
    own.write_text("เรียน {{ salutaion }}\n", encoding="utf-8")
    with pytest.raises(ReplyTemplateError, match="salutaion"):
        reply("errors", template=own)
    with pytest.raises(ReplyTemplateError):
        reply("errors", template=tmp_path / "missing.j2")


def test_a_reply_draft_parses_back_with_its_thai_text_and_attachment(tmp_path: Path) -> None:
    attachment = tmp_path / "สำนักงานเลขานุการ.checked.xlsx"
    payload = bytes(range(256)) * 40
    attachment.write_bytes(payload)
    body = reply("errors", attachment_name=attachment.name)
    subject = "ผลการตรวจแบบประเมินผลสัมฤทธิ์ของงาน ปีงบประมาณ 2565 (2565-Q2) — สำนักงานเลขานุการ"
    path = write_reply(
        tmp_path / "replies" / "SEC.eml",
        to="sec@pao.example",
        sender="กองยุทธศาสตร์ <str@pao.example>",
        subject=subject,
        body=body,
        attachment=attachment,
    )
    raw = path.read_bytes()
    assert raw.isascii()  # every header and part encoded: any mail program opens it
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "sec@pao.example"
    assert message["Subject"] == subject
    assert message["From"].addresses[0].display_name == "กองยุทธศาสตร์"
    assert message["X-Unsent"] == "1"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert text.replace("\r\n", "\n") == body  # text parts travel with CRLF line ends
    (part,) = list(message.iter_attachments())
    assert part.get_filename() == attachment.name
    assert "filename*0*=utf-8''%E0%B8%AA" in raw.decode()  # RFC 2231, in UTF-8
    assert part.get_content_type() == "/".join(XLSX_TYPE)
    assert part.get_content() == payload


def test_a_reply_without_attachment_is_text_only(tmp_path: Path) -> None:
    path = write_reply(
        tmp_path / "PER.eml",
        to="per@pao.example",
        sender="",
        subject="แจ้งเตือน",
        body=reply("not_received", findings_frame(), total=None, score_100=None),
        attachment=None,
    )
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert not message.is_multipart() and message["From"] is None
    assert "ยังไม่ได้รับ" in message.get_content()


def test_a_path_wraps_only_after_its_slashes() -> None:
    from kpixl.outputs.book import lines_needed

    # 31.65 units in a column of 19.5 a line: two lines by size, but a path breaks only
    # after a slash, and no two of its 10.55-unit parts share a line
    assert lines_needed("0000000000/" * 3, 20) == 3
    assert lines_needed("0000000000 " * 3, 20) == 3  # spaces likewise
    assert lines_needed("0" * 45, 20) == 3  # a part longer than a line breaks anywhere
    assert lines_needed("ก" * 33, 20) == 2  # Thai breaks between its words: by size
