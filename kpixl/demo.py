"""``kpixl demo``: the whole job on the bundled samples, printed step by step.

master → its check → division workbooks → the bundled filled workbooks checked and scored
→ a round on the bundled mail (and the samples handed in as files) with its ledger, status,
results and reply drafts → the summary workbook and web report for the executive, all into
one output folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kpixl.batch import run_batch
from kpixl.checks.master import check_master
from kpixl.csvout import write_csv
from kpixl.findings import concat_findings
from kpixl.ledger import Ledger
from kpixl.masterfile import read_master
from kpixl.outputs.status import format_status
from kpixl.round import run_round
from kpixl.summary import build_summary, write_report, write_summary_workbook
from kpixl.templates import write_templates

MASTER_NAME = "nakhonsawan_2565_master.xlsx"
OTHER_MASTERS = ("krabi_2564_master.xlsx",)
FILLED_DIR = "filled"
MAIL_DIR = "mail"
LOOSE = (
    "PAL_messy_rubric_edges.xlsx",
    "STR_tampered_definitions.xlsx",
    "AUD_old_template.xlsx",
    "SUP_excel_quirks.xlsx",
    "KRABI_target_sheet.xlsx",
    "BROKEN_email_attachment.xlsx",
)
"""The samples of divisions that did not e-mail: handed in as files. (A loose file is dated by
its file time, the checkout's, so a division that also e-mailed is left out: its e-mail of
October 2022 would look older.)"""


def find_samples(samples: Path | None = None) -> Path:
    """The ``sample_workbooks`` folder: the one given, under the working folder, or the
    repository's.

    Raises:
        FileNotFoundError: no folder with the bundled master is found.
    """
    candidates = (
        [samples]
        if samples
        else [
            Path.cwd() / "sample_workbooks",
            Path(__file__).resolve().parents[1] / "sample_workbooks",
        ]
    )
    for candidate in candidates:
        if candidate is not None and (candidate / MASTER_NAME).exists():
            return candidate
    raise FileNotFoundError(f"no {MASTER_NAME} in {', '.join(map(str, candidates))}")


def _say(lang: str, th: str, en: str) -> str:
    return th if lang == "th" else en


def run_demo(out: Path, samples: Path | None = None, lang: str = "th") -> int:
    """Run the demo into ``out``, printing each step in ``lang`` (``th`` or ``en``);
    returns 0 when every step ran (the samples contain deliberate mistakes, so findings
    are expected), 2 when the samples are missing."""
    try:
        folder = find_samples(samples)
    except FileNotFoundError as error:
        where = samples or "sample_workbooks"
        thai = f"kpixl demo: ไม่พบไฟล์ตัวอย่าง {MASTER_NAME} ในโฟลเดอร์ {where}"
        print(_say(lang, thai, f"kpixl demo: {error}"), file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    master_path = folder / MASTER_NAME
    print(_say(lang, f"1. ข้อมูลหลัก    {master_path}", f"1. master      {master_path}"))
    master, read_findings = read_master(master_path)
    master_findings = concat_findings([read_findings, check_master(master)])
    # Criteria and names come from a workbook someone typed: neutralised as every CSV is.
    write_csv(master_findings, out / "master_findings.csv")
    counts = master_findings["severity"].value_counts()
    errors, warnings = counts.get("error", 0), counts.get("warning", 0)
    divisions, kpis = len(master.division_codes()), len(master.kpis)
    print(
        _say(
            lang,
            f"   {divisions} กอง/สำนัก ตัวชี้วัด {kpis} แถว; เกณฑ์จริงจากเอกสารต้นฉบับมีข้อผิดพลาด "
            f"{errors} รายการ และคำเตือน {warnings} รายการ → {out / 'master_findings.csv'}",
            f"   {divisions} divisions, {kpis} KPI rows; the real seed rubrics have {errors} "
            f"errors and {warnings} warnings → {out / 'master_findings.csv'}",
        )
    )
    templates = write_templates(master, out / "templates")
    print(
        _say(
            lang,
            f"2. ไฟล์ของกอง   {len(templates)} ไฟล์ → {out / 'templates'}",
            f"2. templates   {len(templates)} division workbooks → {out / 'templates'}",
        )
    )
    filled = sorted((folder / FILLED_DIR).glob("*.xls*"))
    others = [read_master(folder / name)[0] for name in OTHER_MASTERS if (folder / name).exists()]
    result = run_batch(filled, master=[master, *others], out_dir=out / "checked")
    print(
        _say(
            lang,
            f"3. ตรวจแล้ว     ไฟล์ตัวอย่างที่กรอกแล้ว {len(filled)} ไฟล์ พบ {len(result.findings)} "
            f"รายการ สำเนาที่ตรวจแล้วและ results.json → {out / 'checked'}",
            f"3. checked     {len(filled)} filled samples, {len(result.findings)} findings, "
            f"annotated copies and results.json → {out / 'checked'}",
        )
    )
    loose = [folder / FILLED_DIR / name for name in LOOSE if (folder / FILLED_DIR / name).exists()]
    round_out = out / "round"
    report = run_round([folder / MAIL_DIR, *loose], [master, *others], round_out, workers=1)
    print(
        _say(
            lang,
            f"4. รอบรับไฟล์    ได้รับ {report.received} ไฟล์ทางอีเมล (mbox, Maildir, .eml, zip) "
            f"และเป็นไฟล์ → บัญชีรับไฟล์ สถานะ ผลคะแนน และร่างอีเมลตอบกลับใน {round_out}",
            f"4. round       {report.received} workbooks received by e-mail (mbox, Maildir, "
            f".eml, zip) and as files → ledger, status, results, replies in {round_out}",
        )
    )
    print()
    status = report.status[report.status["fiscal_year_be"] == master.fiscal_year_be]
    print(format_status(status, lang))
    print()
    with Ledger(report.ledger) as ledger:
        summary = build_summary(ledger, [master, *others])
    write_summary_workbook(summary, out / "summary.xlsx")
    write_report(summary, out / "report.html")
    print(
        _say(
            lang,
            f"5. สรุปผล       {out / 'summary.xlsx'} และ {out / 'report.html'} สำหรับผู้บริหาร",
            f"5. summary     {out / 'summary.xlsx'} and {out / 'report.html'} for the executive",
        )
    )
    print()
    print(
        _say(
            lang,
            f"เปิดโฟลเดอร์ {round_out / 'checked'} เพื่อดูสำเนาที่ตรวจแล้ว (แผ่นงานรายงานอยู่หน้าแรก)",
            f"Open {round_out / 'checked'} to see the annotated copies (report sheet first).",
        )
    )
    return 0
