"""The year-end summary workbook: every number read back and checked against the ledger.

The ledger holds a real round: the bundled sample workbooks (FY 2565) through
``run_round`` (received, scored, settled) and two more e-mails; and, for the year over
year, a second fiscal year (FY 2566) made from the same results with some levels
changed, one KPI renamed, one renumbered, and one division that sent nothing. The
expected numbers are read from the ledger itself (counted contents and their KPI rows),
never from the summary's own frames.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pdfplumber
import pytest
from libreoffice import recalculate
from pdf import to_pdf

from kpixl.definitions import parse_definitions
from kpixl.ledger import ContentResult, Ledger, Receipt
from kpixl.master import Master, division_definitions
from kpixl.round import run_round
from kpixl.round_outputs import master_divisions
from kpixl.rubric import BandRubric
from kpixl.summary import build_summary, write_summary_workbook
from kpixl.summary.workbook import MATRIX, MONEY, OVERVIEW, SOURCES, TARGETS, YEAR_KPIS, YEARS

ROOT = Path(__file__).resolve().parents[1]
FILLED = ROOT / "sample_workbooks" / "filled"
SOURCE = ROOT / "sample_workbooks" / "source" / "nakhonsawan_2565"
ROUND_65, ROUND_66 = "2565-Q4", "2566-Q4"
T0 = dt.datetime(2022, 10, 10, 9, 0, tzinfo=dt.UTC)
FORMULA_TEXT = '=HYPERLINK("http://x","x")'
LONG_TEXT = "ก" * 40_000
RENAMED = "ร้อยละของฎีกาเบิกจ่ายที่ถูกต้องครบถ้วน (ชื่อใหม่)"
SILENT_2566 = "SEC"
"""The division that sends nothing in FY 2566."""


# --- the ledger ---------------------------------------------------------------------------


def master_2566(master: Master) -> Master:
    """The FY 2566 master: FIN's KPI 3 renamed, PER's KPI 6 renumbered 7."""
    kpis = master.kpis.copy()
    kpis.loc[(kpis["division_code"] == "FIN") & (kpis["kpi_id"] == "3"), "name"] = RENAMED
    kpis.loc[(kpis["division_code"] == "PER") & (kpis["kpi_id"] == "6"), "kpi_id"] = "7"
    frames = {**master.frames, "kpis": kpis}
    organisation = {**master.organisation, "fiscal_year_be": "2566"}
    return dataclasses.replace(master, organisation=organisation, frames=frames)


def _receipt(content_hash: str, hours: float, name: str, **extra: str) -> Receipt:
    at = T0 + dt.timedelta(hours=hours)
    return Receipt(
        content_hash=content_hash,
        origin_kind="email",
        path="inbox.mbox",
        member=name,
        file_name=name,
        sender=extra.get("sender", f"{name.split('_')[0].lower()}@pao.example"),
        subject=extra.get("subject", "ส่งแบบประเมิน"),
        sent_at=at,
        message_id=f"<{content_hash[:10]}@pao.example>",
        received_at=at,
    )


def _next_year(ledger: Ledger, row: dict[str, Any]) -> ContentResult:
    """A FY 2566 content made from a counted FY 2565 one (as the ledger holds it): the
    first level down by one (so the years differ), FIN 3 renamed, PER 6 renumbered 7."""
    kpis, findings, targets = ledger.results([row["content_hash"]])
    kpis = kpis.drop(columns="content_hash")
    code = row["division_code"]
    if code == "FIN":
        kpis.loc[kpis["kpi_id"] == "3", "name"] = RENAMED
    if code == "PER":
        kpis.loc[kpis["kpi_id"] == "6", "kpi_id"] = "7"
    first = kpis.index[kpis["level"].notna()][:1]
    kpis.loc[first, "level"] = (kpis.loc[first, "level"] - 1).clip(lower=0)
    kpis["weighted"] = kpis["level"].astype("float64") * kpis["weight"] / 100
    total = round(float(kpis["weighted"].sum()), 6)
    keys = ("division_code", "division_name", "kpis", "unscored", "weight_total", "complete")
    info = {k: row[k] for k in keys}
    info.update(fiscal_year_be=2566, total=total, score_100=total * 20, template_version="2")
    if not targets.empty:
        targets = targets.drop(columns="content_hash").assign(fiscal_year_be=2566)
    digest = hashlib.sha256(b"2566" + row["content_hash"].encode()).hexdigest()
    fills = pd.DataFrame(columns=["sheet", "cell", "value"])
    findings = findings.drop(columns=["content_hash", "seq"])
    return ContentResult(
        digest, True, bool(row["signed_off"]), info, kpis, findings, targets, fills
    )


def build_ledger(folder: Path, master: Master, *, second_year: bool) -> Path:
    """The round of the bundled samples (``run_round``), two more e-mails of counted
    workbooks (a sender that looks like a formula, a subject longer than a cell), and
    optionally a second fiscal year."""
    path = folder / "ledger.sqlite"
    run_round(sorted(FILLED.glob("*.xlsx")), [master], folder / "round", ledger_path=path,
              round_label=ROUND_65, workers=1)  # fmt: skip
    with Ledger(path) as ledger:
        counted = ledger.counted(ROUND_65)
        counted = counted[counted["fiscal_year_be"] == 2565]
        run = ledger.start_run(ROUND_65, "test")
        stored = counted.set_index("division_code")["content_hash"]
        for hours, (code, extra) in enumerate(
            (("FIN", {"sender": FORMULA_TEXT}), ("COM", {"subject": LONG_TEXT})), 48
        ):
            content_hash = stored[code]
            data = ledger.stored_path(content_hash, ".xlsx").read_bytes()
            receipt = _receipt(content_hash, hours, f"{code}_again.xlsx", **extra)
            ledger.receive(receipt, data, ".xlsx", ROUND_65, run)
        ledger.settle(ROUND_65, run)
        ledger.finish_run(run)
        if not second_year:
            return path
        later = [
            _next_year(ledger, row)
            for row in counted.to_dict("records")
            if row["division_code"] != SILENT_2566
        ]
        run = ledger.start_run(ROUND_66, "test")
        ledger.record_divisions(ROUND_66, master_divisions([master_2566(master)]))
        for hours, result in enumerate(later, 24 * 365):
            name = f"{result.info['division_code']}_2566.xlsx"
            receipt = _receipt(result.content_hash, hours, name)
            ledger.receive(receipt, result.content_hash.encode(), ".xlsx", ROUND_66, run)
        ledger.record_results(later, run)
        ledger.settle(ROUND_66, run)
        ledger.finish_run(run)
    return path


@pytest.fixture(scope="session")
def masters(master: Master) -> list[Master]:
    """Both fiscal years' masters."""
    return [master, master_2566(master)]


@pytest.fixture(scope="session")
def one_year(tmp_path_factory: pytest.TempPathFactory, master: Master) -> Path:
    """A ledger of the FY 2565 round only."""
    return build_ledger(tmp_path_factory.mktemp("one_year"), master, second_year=False)


@pytest.fixture(scope="session")
def two_years(tmp_path_factory: pytest.TempPathFactory, master: Master) -> Path:
    """A ledger of FY 2565 and FY 2566."""
    return build_ledger(tmp_path_factory.mktemp("two_years"), master, second_year=True)


@dataclasses.dataclass
class Written:
    path: Path
    truncated: pd.DataFrame
    ledger: Path
    year: int
    round_label: str


def _write(ledger_path: Path, masters: list[Master], out: Path, **kwargs: Any) -> Written:
    with Ledger(ledger_path) as ledger:
        summary = build_summary(ledger, masters, **kwargs)
    truncated = write_summary_workbook(summary, out)
    return Written(out, truncated, ledger_path, summary.fiscal_year_be, summary.round_label)


@pytest.fixture(scope="session")
def summary_2565(
    one_year: Path, master: Master, tmp_path_factory: pytest.TempPathFactory
) -> Written:
    return _write(one_year, [master], tmp_path_factory.mktemp("s65") / "summary.xlsx")


@pytest.fixture(scope="session")
def summary_2566(
    two_years: Path, masters: list[Master], tmp_path_factory: pytest.TempPathFactory
) -> Written:
    return _write(two_years, masters, tmp_path_factory.mktemp("s66") / "summary.xlsx")


# --- what the ledger says -----------------------------------------------------------------


@dataclasses.dataclass
class Expected:
    """The counted contents of a round and their KPI rows, straight from the ledger."""

    counted: pd.DataFrame
    kpis: pd.DataFrame
    targets: pd.DataFrame


def expected(ledger_path: Path, round_label: str, year: int) -> Expected:
    with Ledger(ledger_path) as ledger:
        counted = ledger.counted(round_label)
        counted = counted[counted["fiscal_year_be"] == year].reset_index(drop=True)
        kpis, _findings, targets = ledger.results(list(counted["content_hash"]))
    who = counted[["content_hash", "division_code"]]
    return Expected(
        counted, kpis.merge(who, on="content_hash"), targets.merge(who, on="content_hash")
    )


def table(sheet: Any, header_row: int) -> list[dict[str, Any]]:
    """Rows below a header row (1-based) as dicts by header text, until a blank code."""
    headers = [c.value for c in sheet[header_row]]
    rows = []
    for cells in sheet.iter_rows(min_row=header_row + 1, values_only=True):
        if cells[1] in (None, ""):
            break
        rows.append({str(h): v for h, v in zip(headers, cells, strict=False) if h is not None})
    return rows


def close(a: Any, b: Any) -> bool:
    if a in (None, "") or b is None or pd.isna(b):
        return a in (None, "") and (b is None or pd.isna(b))
    return abs(float(a) - float(b)) < 1e-9


def book(path: Path, *, values: bool = True) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path, data_only=values)


@pytest.fixture(autouse=True)
def _openpyxl_quiet() -> Iterator[None]:
    """openpyxl warns that it drops conditional-format extensions (the data bars) when it
    reads: a fact of openpyxl, not of the workbook."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*extension is not supported", category=UserWarning
        )
        yield


def division_sheet(workbook: openpyxl.Workbook, code: str) -> Any:
    (name,) = [n for n in workbook.sheetnames if n.split(" ", 1)[0] == code]
    return workbook[name]


def form_rows(sheet: Any) -> dict[str, dict[str, Any]]:
    """A division sheet's KPI rows by id, and its รวม and score (keys ``_total``, ``_score``)."""
    rows: dict[str, dict[str, Any]] = {}
    for number in range(7, sheet.max_row + 1):
        kpi_id = sheet.cell(number, 1).value
        if kpi_id == "รวม":
            rows["_total"] = {"weighted": sheet.cell(number, 12).value}
            rows["_score"] = {"weighted": sheet.cell(number + 1, 12).value}
            break
        rows[str(kpi_id)] = {
            "level": sheet.cell(number, 10).value,
            "weight": sheet.cell(number, 11).value,
            "weighted": sheet.cell(number, 12).value,
        }
    return rows


def levels_by_division(kpis: pd.DataFrame) -> dict[str, dict[int | None, int]]:
    counts: dict[str, dict[int | None, int]] = {}
    for code, level in zip(kpis["division_code"], kpis["level"], strict=True):
        key = None if pd.isna(level) else int(level)
        counts.setdefault(code, {}).setdefault(key, 0)
        counts[code][key] += 1
    return counts


# --- the tests ----------------------------------------------------------------------------


def test_the_overview_ranks_every_division_by_the_ledgers_score(summary_2565: Written) -> None:
    exp = expected(summary_2565.ledger, ROUND_65, 2565)
    rows = table(book(summary_2565.path)[OVERVIEW], 4)
    with Ledger(summary_2565.ledger) as ledger:
        wanted = ledger.divisions(ROUND_65)
    assert sorted(r["รหัสกอง"] for r in rows) == sorted(wanted["division_code"])
    scores = [r["คะแนน\nเต็ม 100"] for r in rows]
    numbers = [s for s in scores if isinstance(s, float | int)]
    assert numbers == sorted(numbers, reverse=True)
    counts = levels_by_division(exp.kpis)
    by_code = {r["รหัสกอง"]: r for r in rows}
    for rec in exp.counted.to_dict("records"):
        row = by_code[rec["division_code"]]
        assert close(row["คะแนน\nเต็ม 100"], rec["score_100"]), rec["division_code"]
        assert close(row["รวม (ค)\nเต็ม 5"], rec["total"]), rec["division_code"]
        mine = counts[rec["division_code"]]
        for n in (5, 4, 3, 2, 1, 0):
            assert row[f"ระดับ\n{n}"] == mine.get(n, 0), (rec["division_code"], n)
        assert row["ไม่มี\nระดับ"] == mine.get(None, 0)
        assert row["จำนวน\nตัวชี้วัด"] == sum(mine.values())
        better = (exp.counted["score_100"] > rec["score_100"]).sum()
        assert row["อันดับ"] == better + 1


def test_each_division_sheet_is_its_scoring_form_with_the_ledgers_results(
    summary_2565: Written,
) -> None:
    exp = expected(summary_2565.ledger, ROUND_65, 2565)
    workbook = book(summary_2565.path)
    for rec in exp.counted.to_dict("records"):
        rows = form_rows(division_sheet(workbook, rec["division_code"]))
        mine = exp.kpis[exp.kpis["division_code"] == rec["division_code"]]
        assert set(mine["kpi_id"]) <= set(rows), rec["division_code"]
        for kpi in mine.to_dict("records"):
            row = rows[kpi["kpi_id"]]
            assert close(row["level"], kpi["level"]), (rec["division_code"], kpi["kpi_id"])
            assert close(row["weight"], kpi["weight"])
            assert close(row["weighted"], kpi["weighted"])
        assert close(rows["_total"]["weighted"], rec["total"])
        assert close(rows["_score"]["weighted"], rec["score_100"])


def test_the_matrix_holds_every_level_of_the_ledger(summary_2565: Written) -> None:
    exp = expected(summary_2565.ledger, ROUND_65, 2565)
    sheet = book(summary_2565.path)[MATRIX]
    codes = [c.value for c in sheet[4]][1:]
    cells = {}
    for row in sheet.iter_rows(min_row=5, values_only=True):
        if row[0] in (None, "ระดับเฉลี่ย"):
            break
        for code, value in zip(codes, row[1:], strict=False):
            cells[(str(row[0]), code)] = value
    assert set(codes) == set(exp.counted["division_code"])
    for kpi in exp.kpis.to_dict("records"):
        shown = cells[(kpi["kpi_id"], kpi["division_code"])]
        assert shown == ("—" if pd.isna(kpi["level"]) else kpi["level"]), kpi
    present = set(zip(exp.kpis["kpi_id"], exp.kpis["division_code"], strict=True))
    assert all(v is None for k, v in cells.items() if k not in present)


def test_disbursement_by_quarter_against_the_targets_of_the_criteria(
    summary_2565: Written, master: Master
) -> None:
    exp = expected(summary_2565.ledger, ROUND_65, 2565)
    sheet = book(summary_2565.path)[MONEY]
    codes = set(exp.counted["division_code"])
    code, seen = None, 0
    for row in sheet.iter_rows(min_row=1, values_only=True):
        label = row[0]
        if isinstance(label, str) and label.split(" ")[0] in codes and " " in label:
            code = label.split(" ")[0]
            continue
        if not (isinstance(label, str) and label.startswith(("ผล ", "เป้าหมาย "))):
            continue
        group = label.rsplit("(", 1)[1].rstrip(")")
        definitions = parse_definitions(division_definitions(master, str(code)))
        for q, shown in enumerate(row[1:5], 1):
            kpi_id = f"{group}.{q}"
            if label.startswith("ผล "):
                value = exp.kpis[
                    (exp.kpis["division_code"] == code) & (exp.kpis["kpi_id"] == kpi_id)
                ]
                assert close(shown, value["value"].iloc[0]), (code, kpi_id)
            else:
                rubric = definitions.kpi(kpi_id).rubric  # type: ignore[union-attr]
                assert isinstance(rubric, BandRubric)
                assert close(shown, rubric.bands[-1].lower), (code, kpi_id)
        seen += 1
    assert seen >= 2 * 9  # investment and overall, result and target, of 8 divisions
    with zipfile.ZipFile(summary_2565.path) as package:
        charts = [n for n in package.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 8  # COM FIN SEC STR WEL HLT PAL AUD: one native chart each


def test_form_a_plans_are_the_ledgers(summary_2565: Written) -> None:
    exp = expected(summary_2565.ledger, ROUND_65, 2565)
    sheet = book(summary_2565.path)[TARGETS]
    shown = {}
    for row in sheet.iter_rows(min_row=6, values_only=True):
        if row[0] is None:
            break
        shown[(row[0], str(row[1]))] = row[4:9]
    planned = exp.targets[exp.targets[["q1", "q2", "q3", "q4", "total"]].notna().any(axis=1)]
    assert len(shown) == len(planned) > 0
    for rec in planned.to_dict("records"):
        cells = shown[(rec["division_code"], rec["kpi_id"])]
        for value, key in zip(cells, ("q1", "q2", "q3", "q4", "total"), strict=True):
            assert close(value, rec[key]), (rec["division_code"], rec["kpi_id"], key)


def test_libreoffice_recalculates_every_formula_to_the_same_number(
    summary_2565: Written, tmp_path: Path
) -> None:
    (recalculated,) = recalculate([summary_2565.path], tmp_path)
    formulas, cached, fresh = (
        book(summary_2565.path, values=False), book(summary_2565.path), book(recalculated)
    )  # fmt: skip
    checked = 0
    for sheet in formulas.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                want = cached[sheet.title][cell.coordinate].value
                got = fresh[sheet.title][cell.coordinate].value
                assert close(got if got != "" else None, want if want != "" else None), (
                    sheet.title, cell.coordinate, cell.value, want, got
                )  # fmt: skip
                checked += 1
    assert checked > 300


def test_every_page_prints_on_a4_at_9_pt_or_more(summary_2566: Written, tmp_path: Path) -> None:
    (printed,) = to_pdf([summary_2566.path], tmp_path)
    with pdfplumber.open(printed) as pdf:
        assert len(pdf.pages) > 10
        for number, page in enumerate(pdf.pages, 1):
            assert sorted((round(page.width), round(page.height))) == [595, 842], number
            sizes = [c["size"] for c in page.chars if c["text"].strip()]
            assert sizes and min(sizes) >= 9.0, (number, min(sizes))


def test_two_fiscal_years_give_the_year_over_year_sheet(
    summary_2565: Written, summary_2566: Written
) -> None:
    assert not {YEARS, YEAR_KPIS} & set(book(summary_2565.path).sheetnames)
    workbook = book(summary_2566.path)
    assert summary_2566.year == 2566
    sheet = workbook[YEARS]
    scores = table(sheet, 4)
    before = expected(summary_2566.ledger, ROUND_65, 2565).counted.set_index("division_code")
    now = expected(summary_2566.ledger, ROUND_66, 2566).counted.set_index("division_code")
    for row in scores:
        code = row["รหัสกอง"]
        assert close(row["คะแนน 2565"], before["score_100"].get(code)), code
        assert close(row["คะแนน 2566"], now["score_100"].get(code)), code
    assert any(r["รหัสกอง"] == SILENT_2566 and r["คะแนน 2566"] is None for r in scores)
    kpis = {(r["รหัสกอง"], str(r["ตัวชี้วัดที่ 2566"])): r for r in table(workbook[YEAR_KPIS], 4)}
    assert "ชื่อต่างกัน" in kpis[("FIN", "3")]["การจับคู่"]
    assert "โปรดตรวจ" in kpis[("FIN", "3")]["การจับคู่"]
    renumbered = kpis[("PER", "7")]
    assert renumbered["ตัวชี้วัดที่ 2565"] == "6" and "รหัสต่างกัน" in renumbered["การจับคู่"]
    assert kpis[("FIN", "4")]["การจับคู่"] == "ตรงกัน (รหัสและชื่อ)"
    assert kpis[("FIN", "4")]["ระดับ 2566"] == now_level(summary_2566.ledger, "FIN", "4")


def now_level(ledger_path: Path, code: str, kpi_id: str) -> Any:
    kpis = expected(ledger_path, ROUND_66, 2566).kpis
    return kpis[(kpis["division_code"] == code) & (kpis["kpi_id"] == kpi_id)]["level"].iloc[0]


def test_user_text_that_looks_like_a_formula_stays_text(summary_2565: Written) -> None:
    sheet = book(summary_2565.path, values=False)[SOURCES]
    found = [c for row in sheet.iter_rows() for c in row if c.value == FORMULA_TEXT]
    assert found and all(c.data_type == "s" for c in found)
    with zipfile.ZipFile(summary_2565.path) as package:
        sheets = [package.read(n) for n in package.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"HYPERLINK" in xml for xml in sheets)  # never a formula's text


def test_a_text_longer_than_a_cell_is_cut_with_a_finding(summary_2565: Written) -> None:
    truncated = summary_2565.truncated
    assert list(truncated["code"]) == ["text-truncated"]
    assert truncated["sheet"].iloc[0] == SOURCES
    sheet = book(summary_2565.path)[SOURCES]
    cell = sheet.cell(int(truncated["row"].iloc[0]), int(truncated["column"].iloc[0]))
    assert len(cell.value) == 32_767 and cell.value.endswith("…")


def test_the_sheets_freeze_their_headers_and_print_landscape(summary_2565: Written) -> None:
    workbook = book(summary_2565.path)
    for name in (OVERVIEW, MATRIX, TARGETS, SOURCES):
        sheet = workbook[name]
        assert sheet.freeze_panes is not None, name
        assert sheet.auto_filter.ref, name
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    fonts = {c.font.name for row in workbook[OVERVIEW].iter_rows() for c in row if c.value}
    assert fonts == {"TH Sarabun New"}
    received = workbook[OVERVIEW]["E5"]
    assert isinstance(received.value, dt.datetime) and received.number_format.startswith(
        "[$-107041E]"
    )


def test_a_summary_without_masters_uses_the_ledgers_rows(one_year: Path, tmp_path: Path) -> None:
    with Ledger(one_year) as ledger:
        summary = build_summary(ledger, [])
    exp = expected(one_year, ROUND_65, 2565)
    assert len(summary.kpis[summary.kpis["received"]]) == len(exp.kpis)
    assert summary.disbursement["target"].isna().all()
    assert any("ไม่มีแม่แบบ" in note for note in summary.notes)
    write_summary_workbook(summary, tmp_path / "summary.xlsx")
    assert OVERVIEW in book(tmp_path / "summary.xlsx").sheetnames


def test_an_unknown_year_is_a_summary_error(one_year: Path) -> None:
    from kpixl.summary import SummaryError

    with Ledger(one_year) as ledger, pytest.raises(SummaryError, match="2599"):
        build_summary(ledger, [], fiscal_year_be=2599)
