"""Benchmark: every figure of issue 11 beside its baseline, measured in the same run.

    python bench/run.py [--sizes 100,300] [--annotate 20] [--repeat 3] [--json out.json]
    python bench/run.py --sizes 300,3000          # the sizes the README reports

For each size N it takes N filled workbooks made by ``bench/generate.py`` (a pool of
distinct, randomly filled division workbooks and restamped copies of them, so that every
file is a distinct submission; kept in ``--cache`` between runs) and measures, in this
process, the median of ``--repeat`` runs of each step:

* the floors: python-calamine reading every sheet of every file, and inflating every part;
* kpixl ``read_workbook``, against calamine;
* check + score without copies (``run_batch``), against calamine — target 3×;
* one ``evaluate()`` of one workbook: the fixed cost every call pays;
* on ``--annotate`` of the files: a bare openpyxl load + save, the baseline of annotation;
  re-deflating every part of the zip unchanged (the floor of any rewrite); kpixl's
  annotated copy alone (``annotate_workbook``) — target 0.1× the openpyxl round trip — and
  ``run_batch`` writing copies and result files, per workbook.

In a fresh subprocess per N and per command, so that each peak is its own: the peak
resident memory (``ru_maxrss``) of check + score (``run_batch``) and of a whole round
(``run_round``, one worker: intake into the ledger, scoring, settling, the copies of the
counted workbooks, the result files), with the time the round took — target: the peak at
the largest N within 1.2× of the smallest.

Start-up, medians of subprocess runs (``--repeat``, at least 11, the commands taking
turns): ``python -c pass``, ``python -c "import pandas"``, ``kpixl --help`` (target under
100 ms) and ``kpixl check`` of one workbook (target within 150 ms of importing pandas: the
median of each round's difference).

The machine may be shared: absolute times are noisy, the ratios of one run are what to
compare. Numbers are measurements, never asserted by tests.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import io
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rss import peak_rss, reset_peak  # noqa: E402

SAMPLES = ROOT / "sample_workbooks"
MASTER_XLSX = SAMPLES / "nakhonsawan_2565_master.xlsx"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "kpixl-bench"


# --- helpers ----------------------------------------------------------------------------


def median_seconds(step: Callable[[], Any], repeat: int) -> float:
    """The median wall time of ``repeat`` runs of ``step``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def workbooks(cache: Path, n: int) -> list[Path]:
    """``n`` filled workbooks (generated once into ``cache``)."""
    from generate import generate

    return generate(n, cache / "pool")[:n]


def master() -> Any:
    from kpixl.masterfile import read_master

    found, _ = read_master(MASTER_XLSX)
    return found


def kpixl_command() -> list[str]:
    """The ``kpixl`` console script of this interpreter (what a clerk runs)."""
    script = Path(sys.executable).with_name("kpixl")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "kpixl"]


# --- the in-process steps ---------------------------------------------------------------


def calamine_read(paths: Sequence[Path]) -> None:
    from python_calamine import CalamineWorkbook

    for path in paths:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()


def inflate_all(paths: Sequence[Path]) -> None:
    for path in paths:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                archive.read(info)


def kpixl_read(paths: Sequence[Path]) -> list[Any]:
    from kpixl.reader import read_workbook
    from kpixl.safety import UnusableFile

    books = []
    for path in paths:
        with contextlib.suppress(UnusableFile):
            books.append(read_workbook(path))
    return books


def openpyxl_round_trip(paths: Sequence[Path]) -> None:
    import warnings

    import openpyxl

    for path in paths:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path)
        book.save(io.BytesIO())


def zip_rewrite(paths: Sequence[Path]) -> None:
    for path in paths:
        with zipfile.ZipFile(path) as old, zipfile.ZipFile(io.BytesIO(), "w") as new:
            for info in old.infolist():
                new.writestr(info, old.read(info), zipfile.ZIP_DEFLATED)


def annotate_copies(paths: Sequence[Path], the_master: Any, out: Path) -> Callable[[], None]:
    """A step writing the annotated copy of each of ``paths`` (evaluated beforehand)."""
    from kpixl.annotate import annotate_workbook
    from kpixl.batch import read_all, source_keys
    from kpixl.evaluation import evaluate

    books, _ = read_all(source_keys(list(paths)))
    evaluation = evaluate(books, the_master)
    jobs = []
    for book in books:
        jobs.append(
            (
                book,
                evaluation.findings[evaluation.findings["source"] == book.source],
                evaluation.fills[evaluation.fills["source"] == book.source][
                    ["sheet", "cell", "value"]
                ],
            )
        )
    out.mkdir(parents=True, exist_ok=True)

    def step() -> None:
        for book, findings, fills in jobs:
            annotate_workbook(
                book.path,
                out / f"{book.path.stem}.checked.xlsx",
                findings=findings,
                fills=fills,
                summary={"source": book.source},
                dropped_parts=book.unsupported_parts,
            )

    return step


def in_process(paths: list[Path], annotate: int, repeat: int, scratch: Path) -> dict[str, float]:
    """ms per workbook of every in-process step (medians of ``repeat``)."""
    from kpixl.batch import run_batch
    from kpixl.evaluation import evaluate

    the_master = master()
    n = len(paths)
    subset = paths[: min(annotate, n)]
    k = len(subset)
    ms: dict[str, float] = {}

    def per(seconds: float, count: int) -> float:
        return 1000 * seconds / max(count, 1)

    kpixl_read(paths[:5])  # warm: imports, caches
    ms["calamine"] = per(median_seconds(lambda: calamine_read(paths), repeat), n)
    ms["inflate"] = per(median_seconds(lambda: inflate_all(paths), repeat), n)
    ms["read"] = per(median_seconds(lambda: kpixl_read(paths), repeat), n)
    ms["batch"] = per(median_seconds(lambda: run_batch(paths, master=the_master), repeat), n)
    one = kpixl_read(paths[:1])
    ms["evaluate_one"] = per(median_seconds(lambda: evaluate(one, the_master), repeat), 1)
    ms["openpyxl"] = per(median_seconds(lambda: openpyxl_round_trip(subset), repeat), k)
    ms["zip_rewrite"] = per(median_seconds(lambda: zip_rewrite(subset), repeat), k)
    step = annotate_copies(subset, the_master, scratch / "annotated")
    ms["annotate"] = per(median_seconds(step, repeat), k)
    counter = iter(range(10**6))

    def score_with_copies() -> None:
        run_batch(subset, master=the_master, out_dir=scratch / f"scored{next(counter)}")

    ms["score_copies"] = per(median_seconds(score_with_copies, repeat), k)
    return ms


# --- subprocesses -----------------------------------------------------------------------


def child(kind: str, n: int, cache: Path) -> dict[str, float]:
    """Run one command in this (fresh) process; its time and the process's peak RSS."""
    paths = workbooks(cache, n)
    import pandas  # noqa: F401  (the baseline imports are not part of the time)

    from kpixl.batch import run_batch
    from kpixl.round import run_round

    the_master = master()
    baseline = reset_peak()
    start = time.perf_counter()
    if kind == "batch":
        run_batch(paths, master=the_master)
    elif kind == "round":
        with tempfile.TemporaryDirectory(prefix="kpixl-bench-round-") as out:
            run_round(paths, [the_master], Path(out) / "round", workers=1)
    elif kind != "idle":
        raise SystemExit(f"unknown child {kind}")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "max_rss_mib": peak_rss(), "start_rss_mib": baseline}


def run_child(kind: str, n: int, cache: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--sizes", str(n), "--cache", str(cache)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


STARTUP_ROUNDS = 11
"""At least this many runs of each start-up command: a run is ~0.3 s, and a few runs of a
noisy machine differ by more than the 150 ms the target allows."""


def startup(path: Path, repeat: int) -> dict[str, float]:
    """Median ms of each start-up command (subprocesses), and the median of ``kpixl check``
    less ``import pandas`` in the same round: the commands take turns, round after round, so
    that a busy moment of the machine falls on all of them alike."""
    kpixl = kpixl_command()
    # An installed package starts from its bytecode (pip compiles it); a checkout run with
    # PYTHONDONTWRITEBYTECODE (as here) would otherwise compile every module on every start.
    compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "kpixl"), quiet=1)
    commands = {
        "python_pass": [sys.executable, "-c", "pass"],
        "import_pandas": [sys.executable, "-c", "import pandas"],
        "kpixl_help": [*kpixl, "--help"],
        "kpixl_check": [*kpixl, "check", str(path)],
    }
    times: dict[str, list[float]] = {key: [] for key in commands}
    for _ in range(max(repeat, STARTUP_ROUNDS)):
        for key, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[key].append(1000 * (time.perf_counter() - start))
    found = {key: statistics.median(values) for key, values in times.items()}
    pairs = zip(times["kpixl_check"], times["import_pandas"], strict=True)
    found["check_over_pandas"] = statistics.median(check - pandas for check, pandas in pairs)
    return found


# --- the table --------------------------------------------------------------------------


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×" if base else "—"


def table(report: dict[str, Any]) -> str:
    lines = [
        f"kpixl {report['kpixl']} · Python {report['python']} · {report['machine']} · "
        f"{report['cpus']} cores · medians of {report['repeat']} · annotation on "
        f"{report['annotate']} files"
    ]
    head = f"{'step':<46}{'N':>6}{'value':>12}  {'baseline':<30}{'ratio':>9}  target"
    sizes = report["sizes"]
    rows: list[tuple[str, str, str, float, str, float, str]] = []
    for n in sizes:
        ms = report["per_size"][str(n)]
        rows += [
            ("raw python-calamine read, every sheet", str(n), "ms/wb", ms["calamine"],
             "", 0.0, "the floor"),
            ("inflate every part (zipfile)", str(n), "ms/wb", ms["inflate"],
             "calamine", ms["calamine"], ""),
            ("kpixl read_workbook", str(n), "ms/wb", ms["read"],
             "calamine", ms["calamine"], ""),
            ("check + score, no copies (run_batch)", str(n), "ms/wb", ms["batch"],
             "calamine", ms["calamine"], "≤ 3×"),
            ("evaluate() of one workbook (fixed cost)", str(n), "ms", ms["evaluate_one"],
             "calamine of one workbook", ms["calamine"], ""),
            ("openpyxl load + save, bare", str(n), "ms/wb", ms["openpyxl"],
             "", 0.0, "baseline of annotation"),
            ("zip rewrite, every part re-deflated", str(n), "ms/wb", ms["zip_rewrite"],
             "openpyxl round trip", ms["openpyxl"], ""),
            ("annotated copy (annotate_workbook)", str(n), "ms/wb", ms["annotate"],
             "openpyxl round trip", ms["openpyxl"], "≤ 0.1×"),
            ("score with annotated copies (run_batch -o)", str(n), "ms/wb", ms["score_copies"],
             "openpyxl round trip", ms["openpyxl"], ""),
        ]  # fmt: skip
    small = str(sizes[0])
    for kind, label in (("batch", "check + score (run_batch)"), ("round", "round (run_round)")):
        for n in sizes:
            mem = report["memory"][kind][str(n)]
            rows.append(
                (
                    f"peak RSS, {label}",
                    str(n),
                    "MiB",
                    mem["max_rss_mib"],
                    f"N = {small}" if str(n) != small else "",
                    report["memory"][kind][small]["max_rss_mib"] if str(n) != small else 0.0,
                    "≤ 1.2× at the largest N" if str(n) != small else "",
                )
            )
    for n in sizes:
        per_file = 1000 * report["memory"]["round"][str(n)]["seconds"] / n
        ms = report["per_size"][str(n)]
        rows += [
            ("round, one worker (intake … outputs)", str(n), "ms/wb", per_file,
             "calamine", ms["calamine"], ""),
            ("round, one worker (intake … outputs)", str(n), "ms/wb", per_file,
             "openpyxl round trip", ms["openpyxl"], "≤ 1.2× (issue 8)"),
        ]  # fmt: skip
    idle = report["memory"]["idle"]
    rows.append(("RSS before the command (imports, master)", "", "MiB", idle, "", 0.0, ""))
    start = report["startup"]
    rows += [
        ("python -c pass", "", "ms", start["python_pass"], "", 0.0, ""),
        ('python -c "import pandas"', "", "ms", start["import_pandas"], "", 0.0, ""),
        ("kpixl --help", "", "ms", start["kpixl_help"], "python -c pass",
         start["python_pass"], "< 100 ms"),
        ("kpixl check, one workbook", "", "ms", start["kpixl_check"], "import pandas",
         start["import_pandas"], "≤ import pandas + 150 ms"),
    ]  # fmt: skip
    lines.append(head)
    lines.append("-" * len(head))
    for step, n, unit, value, base_name, base, target in rows:
        shown = f"{value:.1f} {unit}"
        lines.append(
            f"{step:<46}{n:>6}{shown:>12}  {base_name:<30}"
            f"{ratio(value, base) if base_name else '':>9}  {target}"
        )
    delta = start["check_over_pandas"]
    lines.append(f"kpixl check − import pandas, median of the rounds' differences: {delta:+.0f} ms")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,300", help="two (or more) N, comma-separated")
    parser.add_argument("--annotate", type=int, default=20, help="files copied and annotated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="generated workbooks")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if args.child:
        print(json.dumps(child(args.child, sizes[0], args.cache)))
        return
    paths = workbooks(args.cache, max(sizes))
    from kpixl import __version__

    report: dict[str, Any] = {
        "kpixl": __version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": len(__import__("os").sched_getaffinity(0)),
        "repeat": args.repeat,
        "annotate": args.annotate,
        "sizes": sizes,
        "per_size": {},
        "memory": {"batch": {}, "round": {}},
    }
    with tempfile.TemporaryDirectory(prefix="kpixl-bench-") as scratch:
        for n in sizes:
            folder = Path(scratch) / str(n)
            report["per_size"][str(n)] = in_process(paths[:n], args.annotate, args.repeat, folder)
            shutil.rmtree(folder, ignore_errors=True)
    for kind in ("batch", "round"):
        for n in sizes:
            report["memory"][kind][str(n)] = run_child(kind, n, args.cache)
    report["memory"]["idle"] = run_child("idle", 1, args.cache)["start_rss_mib"]
    report["startup"] = startup(paths[0], args.repeat)
    print(table(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
