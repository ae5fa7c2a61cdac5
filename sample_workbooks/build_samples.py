"""Build the bundled sample workbooks from their sources.

    python sample_workbooks/build_samples.py

1. ``<name>_master.xlsx`` from each CSV folder in ``source/`` (the transcription of the
   seeds, flaws included);
2. ``filled/*.xlsx``: division workbooks made by ``kpixl.templates`` and filled in with
   openpyxl the way divisions really type — clean ones, and messy ones that exercise the
   checks (Thai digits, "85%", text in number cells, B.E. dates as text, a criterion and a
   weight edited by the division, totals that do not add up, a tampered hidden sheet …).
   Every value is written here, in the open, so a reviewer can see what each sample
   contains and why its golden findings and scores (``golden/``) are what they are.

The script is deterministic except for the workbooks' creation timestamps.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from kpixl import layout as L  # noqa: E402
from kpixl.fill import Filler  # noqa: E402
from kpixl.master import master_from_csv  # noqa: E402
from kpixl.masterfile import write_master  # noqa: E402
from kpixl.templates import workbook_name, write_templates  # noqa: E402

MASTERS = {
    "nakhonsawan_2565": "nakhonsawan_2565_master.xlsx",
    "krabi_2564": "krabi_2564_master.xlsx",
}


def answers(
    rng: random.Random, people: int, items: int, low: int = 3, round_no: int = 1
) -> list[tuple[int, list[Any]]]:
    """Plausible Likert answers."""
    return [(round_no, [rng.randint(low, 5) for _ in range(items)]) for _ in range(people)]


def ticks(f: Filler, kpi_id: str, done: int, steps: int = 5) -> None:
    """Steps 1..done ticked, the rest marked not done."""
    for step in range(1, steps + 1):
        f.data(kpi_id, f"step:{step}", "✓" if step <= done else L.NOT_DONE)


def ratio(
    f: Filler, kpi_id: str, numerator: float, denominator: float, reported: Any = None
) -> None:
    f.data(kpi_id, "numerator", numerator)
    f.data(kpi_id, "denominator", denominator)
    f.form(kpi_id, round(numerator * 100 / denominator, 2) if reported is None else reported)


def disbursement(f: Filler, ids: list[str], budget: float, spent: list[float]) -> None:
    """Cumulative quarterly disbursement of a budget."""
    for kpi_id, amount in zip(ids, spent, strict=True):
        ratio(f, kpi_id, amount, budget)


def target_plan(
    f: Filler,
    kpi_id: str,
    months: list[float],
    *,
    prior: Iterable[float] = (),
    aggregate: str = "sum",
) -> None:
    """A monthly plan with correct quarter and grand totals, and previous years' results."""
    values: dict[str, Any] = {}
    quarters = []
    for quarter, keys in L.QUARTER_MONTHS.items():
        part = months[(quarter - 1) * 3 : quarter * 3]
        for month, value in zip(keys, part, strict=True):
            values[L.month_key(month)] = value
        quarters.append(sum(part) if aggregate == "sum" else part[-1])
        values[f"q{quarter}"] = quarters[-1]
    values["total"] = sum(quarters) if aggregate == "sum" else quarters[-1]
    for year, (plan, result) in zip(range(2562, 2565), prior, strict=False):
        values[f"plan_{year}"] = plan
        values[f"result_{year}"] = result
    f.target(kpi_id, values)


def fill_fin(f: Filler) -> None:
    """กองคลัง: clean. Monthly and year-end deadlines, quarterly ratios, milestones, growth."""
    delays = [12, 14, 9, 18, 15, 11, 13, 16, 10, 14, 12, 17]  # worst month: 18 days → level 3
    for month, days in zip(
        L.QUARTER_MONTHS[1] + L.QUARTER_MONTHS[2] + L.QUARTER_MONTHS[3] + L.QUARTER_MONTHS[4],
        delays,
        strict=True,
    ):
        year = 2021 if month >= 10 else 2022
        month_end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
        f.data("1.1", f"month:{month}", month_end + dt.timedelta(days=days))
    f.form("1.2", dt.date(2022, 11, 20))  # 51 days after 30 Sep 2022 → level 3
    disbursement(
        f,
        ["2.1.1", "2.1.2", "2.1.3", "2.1.4"],
        250_000_000,
        [9_500_000, 55_000_000, 140_000_000, 212_500_000],
    )
    disbursement(
        f,
        ["2.2.1", "2.2.2", "2.2.3", "2.2.4"],
        900_000_000,
        [160_000_000, 330_000_000, 560_000_000, 820_000_000],
    )
    ratio(f, "3", 1184, 1200)
    ticks(f, "4", 5)
    ticks(f, "5", 4)
    f.data("6", "this_year", 132_500_000)
    f.data("6", "last_year", 126_000_000)
    f.form("6", 5.16)
    disbursement(
        f, ["7.1.1", "7.1.2", "7.1.3", "7.1.4"], 2_400_000, [120_000, 800_000, 1_500_000, 2_250_000]
    )
    disbursement(
        f,
        ["7.2.1", "7.2.2", "7.2.3", "7.2.4"],
        38_000_000,
        [7_600_000, 15_200_000, 24_700_000, 34_960_000],
    )
    ticks(f, "8", 5)
    target_plan(
        f,
        "2.1",
        [2, 2, 3, 5, 5, 6, 8, 8, 10, 10, 12, 14],
        aggregate="last",
        prior=[(85, 81.5), (85, 88.2), (85, 84.0)],
    )
    target_plan(f, "3", [100] * 12, prior=[(1200, 1150), (1200, 1190), (1200, 1176)])
    f.signoff("นางอวยพร สุขไสย", dt.date(2022, 10, 14))


def fill_com(f: Filler) -> None:
    """กองกิจการพาณิชย์: clean. Surveys (two rounds for KPI 1), growth, integer-band quarters."""
    rng = random.Random(2564)
    for kpi_id, rows in (
        ("1", answers(rng, 12, 6) + answers(rng, 10, 6, low=4, round_no=2)),
        ("3", answers(rng, 15, 6, low=2)),
        ("5", answers(rng, 9, 6)),
        ("6", answers(rng, 11, 6, low=4)),
    ):
        f.survey(kpi_id, rows)
        f.form(kpi_id, f.survey_percent(kpi_id, rows))
    f.data("2", "this_year", 182_340)
    f.data("2", "last_year", 179_100)
    f.form("2", 1.81)
    ratio(f, "4", 46, 52)
    disbursement(
        f, ["7.1.1", "7.1.2", "7.1.3", "7.1.4"], 1_000_000, [32_000, 187_000, 612_000, 930_000]
    )
    disbursement(
        f,
        ["7.2.1", "7.2.2", "7.2.3", "7.2.4"],
        20_000_000,
        [2_500_000, 7_000_000, 13_000_000, 17_000_000],
    )
    ticks(f, "8", 5)
    f.signoff("จ.อ.นันทวุฒิ ป้องขันธุ์", dt.date(2022, 10, 10))


def fill_per(f: Filler) -> None:
    """กองการเจ้าหน้าที่: clean input; KPI 4 has the seed's unreadable rubric (no level)."""
    ratio(f, "1", 27, 30)
    ratio(f, "2", 412, 436)
    ratio(f, "3", 14, 38)
    for item, value in enumerate([100, 96, 92, 100, 98], 1):
        f.data("4", f"item:{item}", value)
    f.form("4", 97.2)
    ratio(f, "5", 11, 12)
    ratio(f, "6", 21, 25)
    f.signoff("นายอนุพันธ์ เนียมสกุล", dt.date(2022, 10, 7))


def fill_edu(f: Filler) -> None:
    """กองการศึกษาฯ: clean. A deadline date, ratios, milestones."""
    ratio(f, "1", 18, 20)
    ratio(f, "2", 11, 12)
    ratio(f, "3", 1480, 1520)
    f.form("4", dt.date(2021, 12, 17))  # within 20 December 2564 → level 3
    ratio(f, "5.1", 4_100_000, 12_000_000)
    ratio(f, "5.2", 21_500_000, 45_000_000)
    ticks(f, "6", 5)
    f.signoff("นางสาวอร่าม วัฒนะ", dt.date(2022, 10, 12))


def fill_edu_late(f: Filler) -> None:
    """กองการศึกษาฯ again, resubmitted: late, a step list of "not done", a deleted row."""
    ratio(f, "1", 18, 20)
    ratio(f, "2", 11, 12)
    ratio(f, "3", 1480, 1520)
    f.form("4", "๕ ม.ค. ๒๕๖๕")  # a B.E. date typed as text: after 30 December 2564
    ratio(f, "5.1", 4_100_000, 12_000_000)
    ticks(f, "6", 0)  # every step marked ยังไม่ทำ: level 0
    f.delete_form_row("5.2")  # the division deleted a KPI's row
    f.signoff("นางสาวอร่าม วัฒนะ", dt.date(2019, 10, 12))  # a year that cannot be


def fill_hlt(f: Filler) -> None:
    """กองสาธารณสุข: clean. Milestones and a survey with four aspects."""
    rng = random.Random(2565)
    ratio(f, "1", 23, 25)
    for kpi_id, done in (("2", 5), ("3", 5), ("4", 4), ("5", 5), ("6", 3), ("9", 5)):
        ticks(f, kpi_id, done)
    rows = answers(rng, 20, 8, low=3)
    f.survey("7", rows)
    f.form("7", f.survey_percent("7", rows))
    disbursement(
        f,
        ["8.1.1", "8.1.2", "8.1.3", "8.1.4"],
        5_000_000,
        [400_000, 1_600_000, 3_100_000, 4_450_000],
    )
    disbursement(
        f,
        ["8.2.1", "8.2.2", "8.2.3", "8.2.4"],
        60_000_000,
        [9_000_000, 21_000_000, 39_000_000, 55_200_000],
    )
    f.signoff("ผู้อำนวยการกองสาธารณสุข", dt.date(2022, 10, 11))


def fill_sec(f: Filler) -> None:
    """สำนักงานเลขานุการฯ: messy typing and broken form-A rules."""
    f.form("1", "๑๔๐.๕")  # Thai digits as text, and beyond 100 %: no level
    f.form("2", "85%")
    ticks(f, "3", 0)
    for step, mark in ((1, "✓"), (2, "✓"), (3, ""), (4, "✓"), (5, "")):
        f.data("3", f"step:{step}", mark)  # step 4 ticked while 3 is not
    ticks(f, "5", 5)
    for step in range(1, 6):  # KPI 4 left empty: not reported
        f.data("4", f"step:{step}", None)
    f.data("6.1", "numerator", "ประมาณสองล้าน")  # text in a number cell
    f.data("6.1", "denominator", 12_000_000)
    f.form("6.1", 16.5)
    ratio(f, "6.2", 5_200_000, 12_000_000, reported=40.0)  # reports 40, data say 43.33
    ratio(f, "6.3", 8_000_000, 0, reported=66.0)  # zero denominator
    f.data("6.4", "numerator", 12_600_000)
    f.data("6.4", "denominator", 12_000_000)  # numerator > denominator: 105 %
    f.form("6.4", 100)
    ticks(f, "7", 5)
    f.form("7", 5, field="level")  # a level typed over the formula
    f.form("1", 1.5, field="weighted")  # and a weighted score
    f.target("1", {"m10": 10, "m11": 20})  # months of Q1, no quarter total
    f.target("2", {"q1": 20, "q2": 40})  # quarter totals, no grand total
    f.target("3", {"m1": "10 ครั้ง", "plan_2562": "๕", "result_2562": "5"})  # not allowed


def fill_pal(f: Filler) -> None:
    """สำนักปลัดฯ: values in the real rubrics' gaps and overlaps, edited definitions."""
    disbursement(
        f, ["1.1", "1.2", "1.3", "1.4"], 40_000_000, [8_000_000, 4_000_000, 24_000_000, 28_200_000]
    )
    # Q1 20 % is beyond the capped level 5 (12–15); Q2 10 % is below level 1 (>15);
    # Q3 60 % sits on the ตั้งแต่/ถึง overlap of levels 4 and 5; Q4 70.5 % in the 65–71/70–75 one.
    ratio(f, "2", 58, 80)
    rng = random.Random(4442)
    rows = answers(rng, 10, 6)
    rows[0][1][0] = 7  # outside 1–5
    rows[1][1][2] = "๕"  # Thai digit typed as text
    f.survey("3", rows)
    f.form("3", 85)
    ticks(f, "4", 3)
    ratio(f, "5", 140, 200)  # 70 %: on the ถึง ๗๐ / ตั้งแต่ ๗๐ overlap
    f.form("6", "105 บ่อ")
    f.form("2", 20, field="weight")  # weight changed by the division
    f.form("5", "ไม่เกิน ร้อยละ ๕๐", field="level_1")  # criterion edited
    f.target(
        "6",
        {"m10": 5, "m11": 8, "m12": 10, "q1": 25, "m1": 8, "m2": 9, "m3": 9, "q2": 26, "total": 60},
    )  # Q1 is 23, not 25; the total is not 51
    f.signoff("หัวหน้าสำนักปลัด", "๙ ต.ค. ๒๕๖๕")  # a B.E. date typed as text, Thai digits


def fill_wel(f: Filler) -> None:
    """กองสวัสดิการสังคม: B.E. and C.E. dates typed as text, reported values that disagree."""
    rng = random.Random(3022)
    ratio(f, "1", 45, 50, reported="๙๐")
    f.survey("2", answers(rng, 14, 8))
    f.form("2", 95)  # the answers say less
    rows = answers(rng, 12, 6, low=4)
    f.survey("3", rows)
    f.form("3", f.survey_percent("3", rows))
    f.form("4", 75)  # survey answers missing: the reported value is used
    disbursement(
        f, ["6.1.1", "6.1.2", "6.1.3", "6.1.4"], 3_000_000, [90_000, 600_000, 1_500_000, 2_600_000]
    )
    disbursement(
        f,
        ["7.1.1", "7.1.2", "7.1.3", "7.1.4"],
        80_000_000,
        [12_000_000, 30_000_000, 52_000_000, 74_000_000],
    )
    ticks(f, "8", 4)
    f.signoff_field("signed_off", L.SIGNOFF_YES)
    f.signoff_field("signed_on", "15/10/2022")  # C.E. year typed as text


def fill_str(f: Filler) -> None:
    """กองยุทธศาสตร์ฯ: the hidden definitions were edited (a weight raised to 20)."""
    for kpi_id, done in (
        ("1", 5),
        ("2", 5),
        ("3", 4),
        ("4", 5),
        ("6", 5),
        ("7", 3),
        ("8", 5),
        ("10", 5),
    ):
        ticks(f, kpi_id, done)
    f.form("5", 80.5)  # in the real rubric's hole between ร้อยละ ๗๖-๘๐ and ๘๑-๘๕
    disbursement(
        f, ["9.1", "9.2", "9.3", "9.4"], 30_000_000, [6_000_000, 12_500_000, 19_000_000, 27_600_000]
    )
    ws = f.book[L.META_SHEET]
    for row in ws.iter_rows():
        if row[0].value == "definitions" and '"weight":"5"' in str(row[1].value):
            row[1].value = str(row[1].value).replace('"weight":"5"', '"weight":"20"', 1)
            break  # one weight, in the first chunk that has it
    else:
        raise AssertionError("no weight of 5 in the hidden definitions to tamper with")
    f.signoff("ผู้อำนวยการกองยุทธศาสตร์และงบประมาณ", dt.date(2022, 10, 13))


def fill_aud(f: Filler) -> None:
    """หน่วยตรวจสอบภายใน: made from an older template version; dates as B.E. in date cells."""
    ticks(f, "1", 4, steps=4)
    ratio(f, "2", 9, 10)
    disbursement(f, ["3.1", "3.2", "3.3", "3.4"], 1_500_000, [270_000, 640_000, 900_000, 1_380_000])
    ticks(f, "4", 5)
    f.meta("template_version", "0")
    f.signoff("หัวหน้าหน่วยตรวจสอบภายใน", dt.date(2565, 10, 3))  # B.E. year in a date cell


def fill_sup(f: Filler) -> None:
    """กองพัสดุฯ: what Excel really does with typed input. "85%" stored as 0.85 with a percent
    format, √ as a tick, an Excel error value, a formula never calculated, a backup copy of
    the form placed first (Excel's Move/Copy default), and the hidden key row of the
    supporting data deleted."""
    for step in range(1, 6):
        f.data("1", f"step:{step}", "√" if step <= 3 else ("ทำแล้ว" if step == 4 else None))
    ratio(f, "2.1", 50, 200)
    f.data("2.2", "numerator", "#DIV/0!")  # pasted from a broken sheet: an error value
    f.data("2.2", "denominator", 400)
    f.form("2.2", 30)
    f.form("2.3", 0.85)  # typed "85%": stored 0.85 with a percent format
    ws, row, keys = f.row_of("form", "2.3")
    ws.cell(row, keys["result"]).number_format = "0%"
    ratio(f, "2.4", 330, 400)
    ticks(f, "3", 5)
    ticks(f, "4", 2)
    ticks(f, "5.1", 5)
    ticks(f, "5.2", 3)
    f.data("6", "numerator", "=15+5")  # a formula saved by a program that never calculated
    f.data("6", "denominator", 40)
    f.form("6", 50)
    form = f.tables["form"][0]
    backup = f.book.copy_worksheet(form)
    backup.title = f"{L.FORM_SHEET} (2)"
    f.book.move_sheet(backup, offset=-(len(f.book.sheetnames) - 1))
    for row in range(1, backup.max_row + 1):
        if backup.cell(row, keys["kpi_id"]).value == "2.1":
            backup.cell(row, keys["result"]).value = 99  # an old draft, not the real form
    data, key_row, _keys = f.tables["data"]
    data.delete_rows(key_row)
    f.signoff("ผู้อำนวยการกองพัสดุและทรัพย์สิน", dt.date(2022, 10, 12))


def fill_krabi(f: Filler) -> None:
    """อบจ.กระบี่ (seed 000): the seed's own target-sheet entries."""
    f.target(
        "01",
        {
            "q1": 15,
            "q2": 25,
            "q3": 20,
            "q4": 20,
            "total": 85,
            "plan_2561": 80,
            "result_2561": 78,
            "plan_2562": 80,
            "result_2562": 83,
            "plan_2563": 85,
            "result_2563": 86,
            "est_2565": 85,
            "est_2566": 90,
            "success_factor": "ผ่านเกณฑ์ LPA ทุกด้าน",
        },
    )
    f.target("02", {"q4": 80, "total": 80, "plan_2563": 75, "result_2563": 78})
    f.signoff("ผู้อำนวยการกองยุทธศาสตร์และงบประมาณ", dt.date(2020, 11, 30))


FILLED = {
    # file stem → (master, division, filler)
    "FIN_clean": ("nakhonsawan_2565", "FIN", fill_fin),
    "COM_clean": ("nakhonsawan_2565", "COM", fill_com),
    "PER_clean": ("nakhonsawan_2565", "PER", fill_per),
    "EDU_clean": ("nakhonsawan_2565", "EDU", fill_edu),
    "HLT_clean": ("nakhonsawan_2565", "HLT", fill_hlt),
    "SEC_messy_typing": ("nakhonsawan_2565", "SEC", fill_sec),
    "PAL_messy_rubric_edges": ("nakhonsawan_2565", "PAL", fill_pal),
    "WEL_messy_dates_reports": ("nakhonsawan_2565", "WEL", fill_wel),
    "STR_tampered_definitions": ("nakhonsawan_2565", "STR", fill_str),
    "AUD_old_template": ("nakhonsawan_2565", "AUD", fill_aud),
    "EDU_resubmitted_late": ("nakhonsawan_2565", "EDU", fill_edu_late),
    "SUP_excel_quirks": ("nakhonsawan_2565", "SUP", fill_sup),
    "KRABI_target_sheet": ("krabi_2564", "75105", fill_krabi),
}
CLEAN = ("FIN_clean", "COM_clean", "PER_clean", "EDU_clean", "HLT_clean")
"""Samples typed only with plain numbers, dates and ticks: their live Excel formulas must
give exactly kpixl's levels and totals (checked with LibreOffice in the tests)."""


def build(out: Path = HERE) -> list[Path]:
    """Write the masters and the filled samples into ``out``; returns the filled paths."""
    filled_dir = out / "filled"
    filled_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, master_file in MASTERS.items():
            master = master_from_csv(HERE / "source" / name)
            write_master(master, out / master_file)
            write_templates(master, Path(scratch) / name)
            for stem, (master_name, code, fill) in FILLED.items():
                if master_name != name:
                    continue
                filler = Filler(Path(scratch) / name / workbook_name(master, code))
                fill(filler)
                target = filled_dir / f"{stem}.xlsx"
                filler.save(target)
                written.append(target)
    broken = filled_dir / "BROKEN_email_attachment.xlsx"
    broken.write_text("This is not a workbook: the e-mail client saved its error page.\n")
    return written


if __name__ == "__main__":
    for path in build():
        print(f"wrote {path.relative_to(HERE.parent)}")
    shutil.rmtree(HERE / "__pycache__", ignore_errors=True)
