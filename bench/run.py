"""Benchmark: how fast and how lean kpixl reads, checks and scores many workbooks.

    python bench/run.py [--workbooks 300] [--annotate 20] [--json out.json]

Copies the bundled filled samples into a temporary folder until there are ``--workbooks``
of them, then measures, each step on its own:

* templates   — writing every division workbook of the bundled master;
* read        — kpixl.reader.read_workbook (python-calamine values + a streaming scan for
  formula cells), against openpyxl's read-only mode reading the same cells, the reader
  kpixl would otherwise use;
* evaluate    — one evaluate() call over all workbooks, against one call per workbook;
* annotate    — writing ``--annotate`` annotated copies.

Prints wall time, time per workbook and peak Python memory (tracemalloc, measured in a
second, untimed run) per step, and the process's peak resident memory. Numbers are
measurements of this machine, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kpixl import __version__  # noqa: E402
from kpixl.annotate import annotate_workbook  # noqa: E402
from kpixl.evaluation import evaluate  # noqa: E402
from kpixl.master import master_from_csv  # noqa: E402
from kpixl.masterfile import read_master  # noqa: E402
from kpixl.reader import read_workbook  # noqa: E402
from kpixl.safety import UnusableFile  # noqa: E402
from kpixl.templates import write_templates  # noqa: E402

SAMPLES = ROOT / "sample_workbooks"


def measure(step: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, seconds, peak MiB of Python allocations) of a step.

    The step runs twice: once timed, once under tracemalloc (which slows Python down
    several times, so it never runs while the clock does).
    """
    start = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, seconds, peak


def copies(folder: Path, count: int) -> list[Path]:
    """``count`` readable sample workbooks, cycling through the bundled ones."""
    sources = [
        p
        for p in sorted((SAMPLES / "filled").glob("*.xlsx"))
        if not p.name.startswith(("BROKEN", "KRABI"))
    ]
    paths = []
    for number in range(count):
        source = sources[number % len(sources)]
        target = folder / f"{number:04d}_{source.name}"
        shutil.copyfile(source, target)
        paths.append(target)
    return paths


def openpyxl_read(paths: list[Path]) -> int:
    """The alternative reader: openpyxl read-only, every cell of every sheet."""
    cells = 0
    for path in paths:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells += len(row)
        book.close()
    return cells


def run(workbooks: int, annotate: int) -> dict[str, Any]:
    master, _ = read_master(SAMPLES / "nakhonsawan_2565_master.xlsx")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        source = master_from_csv(SAMPLES / "source" / "nakhonsawan_2565")
        made, seconds, peak = measure(lambda: write_templates(source, folder / "templates"))
        rows.append({"step": "templates", "items": len(made), "seconds": seconds, "peak_mib": peak})
        paths = copies(folder, workbooks)

        def read_all() -> list[Any]:
            books = []
            for path in paths:
                with contextlib.suppress(UnusableFile):
                    books.append(read_workbook(path))
            return books

        books, seconds, peak = measure(read_all)
        rows.append(
            {
                "step": "read (kpixl: calamine)",
                "items": len(paths),
                "seconds": seconds,
                "peak_mib": peak,
            }
        )
        _, seconds, peak = measure(lambda: openpyxl_read(paths))
        rows.append(
            {
                "step": "read (openpyxl read-only)",
                "items": len(paths),
                "seconds": seconds,
                "peak_mib": peak,
            }
        )
        evaluation, seconds, peak = measure(lambda: evaluate(books, master))
        rows.append(
            {
                "step": "evaluate (one call)",
                "items": len(books),
                "seconds": seconds,
                "peak_mib": peak,
            }
        )
        subset = books[: min(len(books), 50)]
        _, seconds, peak = measure(lambda: [evaluate([b], master) for b in subset])
        rows.append(
            {
                "step": "evaluate (one call each)",
                "items": len(subset),
                "seconds": seconds,
                "peak_mib": peak,
            }
        )
        out = folder / "annotated"
        out.mkdir()
        chosen = books[:annotate]

        def annotate_some() -> None:
            for book in chosen:
                mine = evaluation.findings[evaluation.findings["source"] == book.source]
                fills = evaluation.fills[evaluation.fills["source"] == book.source]
                annotate_workbook(
                    book.path,
                    out / f"{book.path.stem}.checked.xlsx",
                    findings=mine,
                    fills=fills[["sheet", "cell", "value"]],
                    summary={"source": book.source},
                )

        _, seconds, peak = measure(annotate_some)
        rows.append(
            {"step": "annotate", "items": len(chosen), "seconds": seconds, "peak_mib": peak}
        )
        findings = len(evaluation.findings)
    for row in rows:
        row["ms_per_item"] = 1000 * row["seconds"] / max(row["items"], 1)
    return {
        "kpixl": __version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "workbooks": workbooks,
        "findings": findings,
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "steps": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbooks", type=int, default=300)
    parser.add_argument("--annotate", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    report = run(args.workbooks, args.annotate)
    print(
        f"kpixl {report['kpixl']} · Python {report['python']} · {report['machine']} · "
        f"{report['workbooks']} workbooks · {report['findings']} findings"
    )
    print(f"{'step':<28}{'items':>7}{'seconds':>10}{'ms/item':>10}{'peak MiB':>10}")
    for row in report["steps"]:
        print(
            f"{row['step']:<28}{row['items']:>7}{row['seconds']:>10.2f}"
            f"{row['ms_per_item']:>10.1f}{row['peak_mib']:>10.1f}"
        )
    print(f"peak resident memory of the process: {report['max_rss_mib']:.0f} MiB")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
