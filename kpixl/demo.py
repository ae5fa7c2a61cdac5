"""``kpixl demo``: the whole job on the bundled samples, printed step by step.

master → its check → division workbooks → the bundled filled workbooks → check → score →
annotated copies and results, all into one output folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kpixl.atomic import atomic_path
from kpixl.batch import run_batch
from kpixl.findings import concat_findings
from kpixl.master import check_master
from kpixl.masterfile import read_master
from kpixl.templates import write_templates
from kpixl.thai import format_number

MASTER_NAME = "nakhonsawan_2565_master.xlsx"
OTHER_MASTERS = ("krabi_2564_master.xlsx",)
FILLED_DIR = "filled"


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


def run_demo(out: Path, samples: Path | None = None) -> int:
    """Run the demo into ``out``; returns 0 when every step ran (the samples contain
    deliberate mistakes, so findings are expected), 2 when the samples are missing."""
    try:
        folder = find_samples(samples)
    except FileNotFoundError as error:
        print(f"kpixl demo: {error}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    master_path = folder / MASTER_NAME
    print(f"1. master      {master_path}")
    master, read_findings = read_master(master_path)
    master_findings = concat_findings([read_findings, check_master(master)])
    with atomic_path(out / "master_findings.csv") as temp:
        master_findings.to_csv(temp, index=False, encoding="utf-8-sig")
    counts = master_findings["severity"].value_counts()
    print(
        f"   {len(master.division_codes())} divisions, {len(master.kpis)} KPI rows; "
        f"the real seed rubrics have {counts.get('error', 0)} errors and "
        f"{counts.get('warning', 0)} warnings → {out / 'master_findings.csv'}"
    )
    templates = write_templates(master, out / "templates")
    print(f"2. templates   {len(templates)} division workbooks → {out / 'templates'}")
    filled = sorted((folder / FILLED_DIR).glob("*.xls*"))
    print(f"3. returned    {len(filled)} filled sample workbooks in {folder / FILLED_DIR}")
    others = [read_master(folder / name)[0] for name in OTHER_MASTERS if (folder / name).exists()]
    result = run_batch(filled, master=[master, *others], out_dir=out / "checked")
    print(f"4. checked     {len(result.findings)} findings → {out / 'checked' / 'findings.csv'}")
    print(f"5. scored      annotated copies and results.json → {out / 'checked'}")
    totals = result.evaluation.totals.merge(result.evaluation.workbooks, on="source")
    findings = result.findings
    print()
    header = "   workbook                         division  score/100  complete  errors  warnings"
    print(header)
    for source in result.sources:
        row = totals[totals["source"] == source]
        mine = findings[findings["source"] == source]["severity"].value_counts()
        if row.empty:
            print(
                f"   {source:<32} {'—':<9} {'unreadable':>9}  {'—':>8}  {mine.get('error', 0):>6}"
                f"  {mine.get('warning', 0):>8}"
            )
            continue
        rec = row.iloc[0]
        score = (
            format_number(float(rec["score_100"])) if rec["score_100"] == rec["score_100"] else "—"
        )
        print(
            f"   {source:<32} {rec['division_code']:<9} {score:>9}  "
            f"{'yes' if rec['complete'] else 'no':>8}  {mine.get('error', 0):>6}  "
            f"{mine.get('warning', 0):>8}"
        )
    print()
    print(f"Open {out / 'checked'} to see the annotated copies (report sheet first).")
    return 0
