"""Tests of the LibreOffice harness itself (tests/libreoffice.py), against real soffice."""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from pathlib import Path

import libreoffice as lo
import pytest
import xlsxwriter
from openpyxl import load_workbook

DATA = "ข้อมูล"  # a Thai sheet name on purpose
SUMMARY = "สรุป"


def build_workbook(path: Path, factor: int = 1) -> Path:
    """A workbook whose formulas xlsxwriter caches as 0: only a recalculation fixes them."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(DATA)
    ws.write_row("A1", ["ตัวชี้วัด", "น้ำหนัก", "คะแนน", "ผลคูณ"])
    ws.write_row("A2", ["การเบิกจ่ายงบประมาณ", 3 * factor, 4])
    ws.write_row("A3", ["ความพึงพอใจของประชาชน", 2.5, 5])
    ws.write_formula("D2", "=B2*C2")
    ws.write_formula("D3", "=B3*C3")
    ws.write_formula("D4", "=SUM(D2:D3)")
    ws.write_formula("E4", '=IF(D4>=20,"ผ่าน","ไม่ผ่าน")')
    ws.freeze_panes(1, 0)
    summary = wb.add_worksheet(SUMMARY)
    summary.write("A1", "สรุปผลการประเมิน")
    summary.write_formula("B1", f"='{DATA}'!D4*2")
    # Inputs a division fills in, and formulas that depend on them.
    summary.write("A2", "วันที่รายงาน")
    summary.write_formula("C2", '=IF(B2="","",YEAR(B2)+543)')  # Buddhist-era year
    summary.write("A3", "ผู้รายงาน")
    summary.write_formula("C3", '=IF(B3="","",B3&" (ส่งแล้ว)")')
    summary.write("A4", "จำนวน")
    summary.write_formula("C4", "=B4*10")
    wb.close()
    return path


def values(path: Path, sheet: str) -> dict[str, object]:
    wb = load_workbook(path, data_only=True)
    try:
        return {
            c.coordinate: c.value
            for row in wb[sheet].iter_rows()
            for c in row
            if c.value is not None
        }
    finally:
        wb.close()


def soffice_processes_under(root: Path) -> list[str]:
    """Live processes whose command line mentions root (private profiles, UNO job files)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(root) in cmdline:
            found.append(f"{proc.name}: {cmdline}")
    return found


def test_soffice_path_is_found() -> None:
    assert Path(lo.soffice_path()).is_file()


def test_missing_libreoffice_fails_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KPIXL_SOFFICE", "no-such-soffice-binary")
    with pytest.raises(RuntimeError, match="apt-get install"):
        lo.soffice_path()
    src = build_workbook(tmp_path / "kpi.xlsx")
    with pytest.raises(RuntimeError, match="not found"):
        lo.recalculate([src], tmp_path / "out")


def test_recalculate_gives_real_formula_results(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    srcs = [build_workbook(tmp_path / f"kpi-{i}.xlsx", factor=i) for i in (1, 2, 3)]
    # The cached values prove nothing: xlsxwriter wrote 0 for every formula.
    assert values(srcs[0], DATA)["D4"] == 0
    assert values(srcs[0], DATA)["E4"] == 0

    monkeypatch.setattr(lo, "CHUNK_SIZE", 2)  # exercise chunking: two soffice runs
    out_dir = tmp_path / "recalculated"
    stale = out_dir / "kpi-1.xlsx"
    stale.parent.mkdir()
    stale.write_bytes(b"stale output from an earlier run")
    outputs = lo.recalculate(srcs, out_dir)

    assert [p.name for p in outputs] == [p.name for p in srcs]
    assert all(p.parent == out_dir.resolve() for p in outputs)
    for factor, out in zip((1, 2, 3), outputs, strict=True):
        data = values(out, DATA)
        product = 3 * factor * 4
        assert data["D2"] == product
        assert data["D3"] == 12.5
        assert data["D4"] == product + 12.5
        assert data["E4"] == ("ผ่าน" if product + 12.5 >= 20 else "ไม่ผ่าน")
        assert data["A2"] == "การเบิกจ่ายงบประมาณ"
        assert values(out, SUMMARY)["B1"] == (product + 12.5) * 2
    # Formulas survive the round trip as formulas.
    wb = load_workbook(outputs[0])
    try:
        assert wb[DATA]["D4"].value == "=SUM(D2:D3)"
    finally:
        wb.close()


def test_to_csv_exports_every_sheet_as_utf8(tmp_path: Path) -> None:
    src = build_workbook(tmp_path / "kpi.xlsx", factor=2)
    other = tmp_path / "other.xlsx"
    wb = xlsxwriter.Workbook(str(other))
    wb.add_worksheet("ว่าง")  # an empty sheet
    hidden = wb.add_worksheet("ซ่อน, (it's)")
    hidden.write("A1", "ชีตที่ซ่อน")
    hidden.hide()
    wb.close()
    mapping = lo.to_csv([src, other], tmp_path / "csv")

    assert list(mapping) == [src.resolve(), other.resolve()]
    other_sheets = mapping[other.resolve()]
    assert list(other_sheets) == ["ว่าง", "ซ่อน, (it's)"]
    assert other_sheets["ว่าง"].read_text(encoding="utf-8").strip() == ""
    assert other_sheets["ซ่อน, (it's)"].read_text(encoding="utf-8") == "ชีตที่ซ่อน\n"
    sheets = mapping[src.resolve()]
    assert list(sheets) == [DATA, SUMMARY]
    for name, path in sheets.items():
        assert path.name == f"kpi-{name}.csv"
        assert path.is_file()

    with sheets[DATA].open(encoding="utf-8", newline="") as fh:
        data = list(csv.reader(fh))
    assert data == [  # padded to the used range A1:E4; formulas recalculated, not cached 0
        ["ตัวชี้วัด", "น้ำหนัก", "คะแนน", "ผลคูณ", ""],
        ["การเบิกจ่ายงบประมาณ", "6", "4", "24", ""],
        ["ความพึงพอใจของประชาชน", "2.5", "5", "12.5", ""],
        ["", "", "", "36.5", "ผ่าน"],
    ]
    with sheets[SUMMARY].open(encoding="utf-8", newline="") as fh:
        summary = list(csv.reader(fh))
    assert summary[0] == ["สรุปผลการประเมิน", "73", ""]
    assert [row[0] for row in summary] == ["สรุปผลการประเมิน", "วันที่รายงาน", "ผู้รายงาน", "จำนวน"]


def test_fill_and_save_then_recalculate(tmp_path: Path) -> None:
    src = build_workbook(tmp_path / "template.xlsx")
    filled = tmp_path / "filled" / "division.xlsx"
    report_date = dt.date(2024, 10, 1)
    result = lo.fill_and_save(
        src,
        filled,
        {
            (SUMMARY, "B2"): report_date,
            (SUMMARY, "B3"): "กองคลัง",
            (SUMMARY, "B4"): 7,
            (DATA, "B3"): 4.25,
            (DATA, "A3"): None,
            (DATA, "F1"): "=not a formula",
        },
    )
    assert result == filled.resolve()

    summary = values(filled, SUMMARY)
    assert summary["B2"] == dt.datetime(2024, 10, 1)  # a real date, not text or a number
    assert summary["B3"] == "กองคลัง"
    assert summary["B4"] == 7
    # LibreOffice recalculated before saving.
    assert summary["C2"] == 2567
    assert summary["C3"] == "กองคลัง (ส่งแล้ว)"
    assert summary["C4"] == 70
    data = values(filled, DATA)
    assert "A3" not in data
    assert data["B3"] == 4.25
    assert data["D4"] == 12 + 4.25 * 5
    assert data["F1"] == "=not a formula"
    wb = load_workbook(filled)
    try:
        assert wb[SUMMARY]["B2"].is_date
        assert wb[SUMMARY]["C4"].value == "=B4*10"  # formulas kept as formulas
        assert wb[DATA]["F1"].data_type == "s"
    finally:
        wb.close()

    (recalculated,) = lo.recalculate([filled], tmp_path / "recalculated")
    summary = values(recalculated, SUMMARY)
    assert summary["B2"] == dt.datetime(2024, 10, 1)
    assert summary["C2"] == 2567
    assert summary["C3"] == "กองคลัง (ส่งแล้ว)"
    assert summary["C4"] == 70
    assert summary["B1"] == (12 + 4.25 * 5) * 2


def test_fill_and_save_rejects_bad_input(tmp_path: Path) -> None:
    src = build_workbook(tmp_path / "template.xlsx")
    with pytest.raises(ValueError, match="A1"):
        lo.fill_and_save(src, tmp_path / "x.xlsx", {(DATA, "not a cell"): 1})
    with pytest.raises(TypeError, match="unsupported"):
        lo.fill_and_save(src, tmp_path / "x.xlsx", {(DATA, "A1"): object()})
    with pytest.raises(RuntimeError, match="no sheet"):
        lo.fill_and_save(src, tmp_path / "x.xlsx", {("ไม่มีชีตนี้", "A1"): 1})
    assert not (tmp_path / "x.xlsx").exists()


def test_timeouts_leave_no_processes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lo_tmp = tmp_path / "lo-tmp"
    lo_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(lo_tmp))  # private profiles go here
    src = build_workbook(tmp_path / "kpi.xlsx")
    with pytest.raises(RuntimeError, match="timed out"):
        lo.recalculate([src], tmp_path / "out", timeout=0.3)
    with pytest.raises(RuntimeError):
        lo.fill_and_save(src, tmp_path / "filled.xlsx", {(DATA, "B2"): 1}, timeout=0.6)
    assert soffice_processes_under(lo_tmp) == []
    assert os.listdir(lo_tmp) == []  # temporary profiles were removed
