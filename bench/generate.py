"""Generate N filled division workbooks with realistic, varied values for the benchmark.

    python bench/generate.py 1000 bench/cache/n1000

Each division workbook of the bundled master is filled as a division would fill it — every
KPI by its kind (ratios, growth, survey answers, ticks, dates, sub-items, plain results),
form A plans for some KPIs, a sign-off — from a seeded random generator, so each workbook
has its own values and scores. Filling with openpyxl costs ~0.3 s a workbook, so a pool of
at most :data:`POOL` distinct workbooks is filled and the rest are copies of the pool whose
bytes differ (their document properties' modification time), so that every file is a
distinct submission to the ledger.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kpixl import layout as L  # noqa: E402
from kpixl.definitions import KpiDef, parse_definitions  # noqa: E402
from kpixl.fill import Filler  # noqa: E402
from kpixl.fiscal import FISCAL_MONTHS, fiscal_year_end, month_year_ce  # noqa: E402
from kpixl.master import Master, division_definitions, master_from_csv  # noqa: E402
from kpixl.rubric import DeadlineRubric  # noqa: E402
from kpixl.templates import workbook_name, write_templates  # noqa: E402

POOL = 120
MASTER = ROOT / "sample_workbooks" / "source" / "nakhonsawan_2565"


def _fill_kpi(f: Filler, kpi: KpiDef, fy: int, rng: random.Random) -> None:
    kind, kpi_id = kpi.kind, kpi.kpi_id
    if kind == "bands":
        low, high = kpi.value_range or (0.0, 100.0)
        f.form(kpi_id, round(rng.uniform(low or 0.0, high or 200.0), 1))
    elif kind in ("ratio", "growth"):
        base = rng.randint(20, 2000)
        done = (
            rng.randint(int(base * 0.4), base)
            if kind == "ratio"
            else rng.randint(base // 2, base * 2)
        )
        first, second = (
            ("numerator", "denominator") if kind == "ratio" else ("this_year", "last_year")
        )
        f.data(kpi_id, first, done)
        f.data(kpi_id, second, base)
        value = done * 100 / base if kind == "ratio" else (done - base) * 100 / base
        f.form(kpi_id, round(value, 2))
    elif kind == "weighted_items":
        for item in kpi.items:
            f.data(kpi_id, f"item:{item.item_no}", rng.randint(60, 100))
    elif kind == "survey":
        count = len(kpi.survey_items)
        rows = [(1, [rng.randint(2, 5) for _ in range(count)]) for _ in range(rng.randint(8, 30))]
        if count:
            f.survey(kpi_id, rows)
        f.form(kpi_id, round(rng.uniform(60, 95), 2))
    elif kind == "milestones":
        done = rng.randint(0, 5)
        for step in range(1, 6):
            try:
                f.data(kpi_id, f"step:{step}", "✓" if step <= done else L.NOT_DONE)
            except KeyError:
                break
    elif kind == "deadline_monthly":
        for month in FISCAL_MONTHS:
            year = month_year_ce(fy, month)
            end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
            f.data(kpi_id, f"month:{month}", end + dt.timedelta(days=rng.randint(3, 35)))
    elif kind == "deadline_date" and isinstance(kpi.rubric, DeadlineRubric):
        dates = [c.date for c in kpi.rubric.criteria if c.date is not None]
        if dates:
            f.form(kpi_id, max(dates) + dt.timedelta(days=rng.randint(-40, 10)))
    elif kind == "deadline_after_year_end":
        f.form(kpi_id, fiscal_year_end(fy) + dt.timedelta(days=rng.randint(20, 120)))


def fill_one(template: Path, master: Master, code: str, out: Path, rng: random.Random) -> None:
    """Fill one division workbook with random, plausible values."""
    defs = parse_definitions(division_definitions(master, code))
    fy = defs.fiscal_year_be or master.fiscal_year_be
    f = Filler(template)
    for kpi in defs.scored:
        try:
            _fill_kpi(f, kpi, fy, rng)
        except KeyError:
            continue  # a row the template does not have (a KPI the centre cannot score)
    for row in defs.target_rows()[: rng.randint(0, 4)]:
        months = [rng.randint(0, 50) for _ in range(12)]
        values: dict[str, float] = {
            L.month_key(m): v for m, v in zip(FISCAL_MONTHS, months, strict=True)
        }
        cumulative = row.aggregate == "last"  # a running figure: its totals are the last value
        for quarter, keys in L.QUARTER_MONTHS.items():
            part = [values[L.month_key(m)] for m in keys]
            values[f"q{quarter}"] = part[-1] if cumulative else sum(part)
        quarters = [values[f"q{q}"] for q in range(1, 5)]
        values["total"] = quarters[-1] if cumulative else sum(quarters)
        f.target(row.kpi_id, values)
    if rng.random() < 0.7:
        f.signoff("ผู้อำนวยการ", dt.date(fy - 543, 10, rng.randint(1, 28)))
    f.save(out)


def _restamp(source: Path, target: Path, number: int) -> None:
    """A copy of ``source`` whose bytes differ: the document's modification time."""
    stamp = (dt.datetime(2022, 10, 1) + dt.timedelta(seconds=number)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = data.replace(
                    b"</cp:coreProperties>", f"<!-- {stamp} --></cp:coreProperties>".encode()
                )
            new.writestr(info, data)


def generate(n: int, out: Path, seed: int = 2565) -> list[Path]:
    """Write ``n`` filled workbooks into ``out`` (kept: a second call reuses them)."""
    out.mkdir(parents=True, exist_ok=True)
    existing = sorted(out.glob("wb_*.xlsx"))
    if len(existing) >= n:
        return existing[:n]
    master = master_from_csv(MASTER)
    codes = master.division_codes()
    rng = random.Random(seed)
    pool = []
    with tempfile.TemporaryDirectory() as scratch:
        write_templates(master, scratch)
        for number in range(min(n, POOL)):
            code = codes[number % len(codes)]
            target = out / f"wb_{number:05d}.xlsx"
            if not target.exists():
                fill_one(Path(scratch) / workbook_name(master, code), master, code, target, rng)
            pool.append(target)
    paths = list(pool)
    for number in range(len(pool), n):
        target = out / f"wb_{number:05d}.xlsx"
        if not target.exists():
            _restamp(pool[number % len(pool)], target, number)
        paths.append(target)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=2565)
    args = parser.parse_args()
    paths = generate(args.n, args.out, args.seed)
    print(f"{len(paths)} workbooks in {args.out}")


if __name__ == "__main__":
    main()
