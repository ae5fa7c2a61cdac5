"""Benchmark: every figure of issue 11 beside its baseline, measured in the same run.

    python bench/run.py [--sizes 100,300] [--annotate 20] [--repeat 3] [--json out.json]
    python bench/run.py --sizes 300,3000          # the sizes the README reports

For each size N it takes N filled workbooks made by ``bench/generate.py`` (a pool of
distinct, randomly filled division workbooks and restamped copies of them, so that every
file is a distinct submission; kept in ``--cache`` between runs) and measures, in this
process, the median of ``--repeat`` runs of each step. A step and its baseline take turns,
round after round, and its ratio (marked ~) is the median of the rounds' ratios: on a
shared machine, a step timed minutes after its baseline meets another load.

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
    return statistics.median(round_times({"step": step}, repeat)["step"])


def round_times(steps: dict[str, Callable[[], Any]], repeat: int) -> dict[str, list[float]]:
    """The wall times of ``repeat`` rounds in which the steps take turns, step by step: a
    step and its baseline measured side by side, not minutes apart on a shared machine."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeat):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return times


def round_ratio(times: dict[str, list[float]], step: str, base: str) -> float:
    """The median over the rounds of ``step``'s time over its baseline's in that round."""
    return statistics.median(t / b for t, b in zip(times[step], times[base], strict=True))


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


def in_process(paths: list[Path], annotate: int, repeat: int, scratch: Path) -> dict[str, Any]:
    """ms per workbook of every in-process step (medians of ``repeat``), and under
    ``ratios`` each step's median ratio to its baseline over the rounds."""
    from kpixl.batch import run_batch
    from kpixl.evaluation import evaluate

    the_master = master()
    n = len(paths)
    subset = paths[: min(annotate, n)]
    k = len(subset)

    def per(seconds: float, count: int) -> float:
        return 1000 * seconds / max(count, 1)

    kpixl_read(paths[:5])  # warm: imports, caches
    # The steps against calamine take turns, round after round, and so do those against
    # the openpyxl round trip: each ratio is the median of the rounds' ratios.
    reading = round_times(
        {
            "calamine": lambda: calamine_read(paths),
            "inflate": lambda: inflate_all(paths),
            "read": lambda: kpixl_read(paths),
            "batch": lambda: run_batch(paths, master=the_master),
        },
        repeat,
    )
    step = annotate_copies(subset, the_master, scratch / "annotated")
    counter = iter(range(10**6))

    def score_with_copies() -> None:
        run_batch(subset, master=the_master, out_dir=scratch / f"scored{next(counter)}")

    writing = round_times(
        {
            "openpyxl": lambda: openpyxl_round_trip(subset),
            "zip_rewrite": lambda: zip_rewrite(subset),
            "annotate": step,
            "score_copies": score_with_copies,
        },
        repeat,
    )
    ms = {name: per(statistics.median(times), n) for name, times in reading.items()}
    ms |= {name: per(statistics.median(times), k) for name, times in writing.items()}
    one = kpixl_read(paths[:1])
    ms["evaluate_one"] = per(median_seconds(lambda: evaluate(one, the_master), repeat), 1)
    ratios = {name: round_ratio(reading, name, "calamine") for name in ("inflate", "read", "batch")}
    ratios |= {
        name: round_ratio(writing, name, "openpyxl")
        for name in ("zip_rewrite", "annotate", "score_copies")
    }
    return {**ms, "ratios": ratios}


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
    for key, command in commands.items():
        # 1: kpixl check found errors in the workbook, which is no failure of the command
        _check_runs(command, (0, 1) if key == "kpixl_check" else (0,))
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


def _check_runs(command: list[str], codes: tuple[int, ...]) -> None:
    """Stop the benchmark where a start-up command fails (kpixl not installed, say):
    timing a command that stops at once would report nonsense."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode not in codes or "Traceback" in done.stderr:
        raise SystemExit(
            f"{' '.join(command)} failed (exit {done.returncode}):\n{done.stderr[-2000:]}"
        )


# --- the table --------------------------------------------------------------------------


def ratio(value: float, base: float) -> float | None:
    return value / base if base else None


def table(report: dict[str, Any]) -> str:
    lines = [
        f"kpixl {report['kpixl']} · Python {report['python']} · {report['machine']} · "
        f"{report['cpus']} cores · medians of {report['repeat']} · annotation on "
        f"{report['annotate']} files · a ratio marked ~ is the median of the rounds' ratios"
    ]
    head = f"{'step':<46}{'N':>6}{'value':>12}  {'baseline':<30}{'ratio':>9}  target"
    sizes = report["sizes"]
    # step, N, unit, value, baseline, ratio to it (None: none), target
    rows: list[tuple[str, str, str, float, str, float | None, str]] = []
    for n in sizes:
        ms = report["per_size"][str(n)]
        turns = ms["ratios"]
        rows += [
            ("raw python-calamine read, every sheet", str(n), "ms/wb", ms["calamine"],
             "", None, "the floor"),
            ("inflate every part (zipfile)", str(n), "ms/wb", ms["inflate"],
             "calamine ~", turns["inflate"], ""),
            ("kpixl read_workbook", str(n), "ms/wb", ms["read"],
             "calamine ~", turns["read"], ""),
            ("check + score, no copies (run_batch)", str(n), "ms/wb", ms["batch"],
             "calamine ~", turns["batch"], "≤ 3×"),
            ("evaluate() of one workbook (fixed cost)", str(n), "ms", ms["evaluate_one"],
             "calamine of one workbook", ratio(ms["evaluate_one"], ms["calamine"]), ""),
            ("openpyxl load + save, bare", str(n), "ms/wb", ms["openpyxl"],
             "", None, "baseline of annotation"),
            ("zip rewrite, every part re-deflated", str(n), "ms/wb", ms["zip_rewrite"],
             "openpyxl round trip ~", turns["zip_rewrite"], ""),
            ("annotated copy (annotate_workbook)", str(n), "ms/wb", ms["annotate"],
             "openpyxl round trip ~", turns["annotate"], "≤ 0.1×"),
            ("score with annotated copies (run_batch -o)", str(n), "ms/wb", ms["score_copies"],
             "openpyxl round trip ~", turns["score_copies"], ""),
        ]  # fmt: skip
    small = str(sizes[0])
    for kind, label in (("batch", "check + score (run_batch)"), ("round", "round (run_round)")):
        base = report["memory"][kind][small]["max_rss_mib"]
        for n in sizes:
            mem = report["memory"][kind][str(n)]["max_rss_mib"]
            larger = str(n) != small
            rows.append(
                (
                    f"peak RSS, {label}",
                    str(n),
                    "MiB",
                    mem,
                    f"N = {small}" if larger else "",
                    ratio(mem, base) if larger else None,
                    "≤ 1.2× at the largest N" if larger else "",
                )
            )
    for n in sizes:
        per_file = 1000 * report["memory"]["round"][str(n)]["seconds"] / n
        ms = report["per_size"][str(n)]
        rows += [
            ("round, one worker (intake … outputs)", str(n), "ms/wb", per_file,
             "calamine", ratio(per_file, ms["calamine"]), ""),
            ("round, one worker (intake … outputs)", str(n), "ms/wb", per_file,
             "openpyxl round trip", ratio(per_file, ms["openpyxl"]), "≤ 1.2× (issue 8)"),
        ]  # fmt: skip
    idle = report["memory"]["idle"]
    rows.append(("RSS before the command (imports, master)", "", "MiB", idle, "", None, ""))
    start = report["startup"]
    rows += [
        ("python -c pass", "", "ms", start["python_pass"], "", None, ""),
        ('python -c "import pandas"', "", "ms", start["import_pandas"], "", None, ""),
        ("kpixl --help", "", "ms", start["kpixl_help"], "python -c pass",
         ratio(start["kpixl_help"], start["python_pass"]), "< 100 ms"),
        ("kpixl check, one workbook", "", "ms", start["kpixl_check"], "import pandas",
         ratio(start["kpixl_check"], start["import_pandas"]), "≤ import pandas + 150 ms"),
    ]  # fmt: skip
    lines.append(head)
    lines.append("-" * len(head))
    for step, n, unit, value, base_name, times, target in rows:
        shown = f"{value:.1f} {unit}"
        times_shown = f"{times:.2f}×" if times is not None else ""
        lines.append(f"{step:<46}{n:>6}{shown:>12}  {base_name:<30}{times_shown:>9}  {target}")
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
