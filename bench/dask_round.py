"""Benchmark: a whole round in one process, in local processes and on a Dask LocalCluster.

    python bench/dask_round.py [--workbooks 500] [--workers 2] [--json out.json]
    python bench/dask_round.py --workbooks 10000          # the figure issue 12 asks for

Takes ``--workbooks`` filled workbooks made by ``bench/generate.py`` (distinct contents,
kept in ``--cache`` between runs, shared with ``bench/run.py``) and runs ``run_round`` on
them, each mode in a fresh subprocess so that each peak is its own:

* ``serial``    — one process (``--workers 1``);
* ``processes`` — ``--workers`` local processes (``concurrent.futures``);
* ``dask``      — a ``LocalCluster`` of ``--workers`` worker processes, one thread each
  (``--executor dask``); the cluster's start is timed apart from the round.

For each: the round's wall time and files per second, the time of each stage (intake into
the ledger; scoring; settling which copy counts; the checked copies; the result files),
the seconds the coordinating process spent writing results into the ledger (what no worker
can take off it), the coordinator's peak resident memory and the peak of each worker
process.

Then a projection to a national round: ``--administrations`` (7,850 local administrations)
× ``--divisions`` each, from the measured per-file costs — the coordinator's serial share
(intake and ledger writes) against the workers' share divided among K workers.

The machine may be shared: absolute times are noisy. Numbers are measurements, never
asserted by tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rss import peak_rss, reset_peak  # noqa: E402

MASTER_XLSX = ROOT / "sample_workbooks" / "nakhonsawan_2565_master.xlsx"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "kpixl-bench"
MODES = ("serial", "processes", "dask")


def child(mode: str, n: int, workers: int, cache: Path) -> dict[str, Any]:
    """One round in this (fresh) process."""
    from generate import generate

    from kpixl.ledger import Ledger
    from kpixl.masterfile import read_master
    from kpixl.round import run_round

    folder = cache / "pool"
    generate(n, folder)
    inputs = sorted(folder.glob("wb_*.xlsx"))[:n]
    master, _ = read_master(MASTER_XLSX)
    ledger_seconds = [0.0]
    record = Ledger.record_results

    def timed_record(self: Ledger, results: Any, run_id: int) -> None:
        start = time.perf_counter()
        record(self, results, run_id)
        ledger_seconds[0] += time.perf_counter() - start

    Ledger.record_results = timed_record  # type: ignore[method-assign]
    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        marks.setdefault(f"{stage}_start", time.perf_counter())
        if done >= total:
            marks[f"{stage}_end"] = time.perf_counter()

    result: dict[str, Any] = {
        "mode": mode,
        "workbooks": n,
        "workers": 1 if mode == "serial" else workers,
    }
    with contextlib.ExitStack() as stack:
        executor = None
        if mode == "dask":
            from kpixl.cluster import dask_executor

            started = time.perf_counter()
            executor = stack.enter_context(dask_executor(workers=workers))
            result["cluster_start_seconds"] = time.perf_counter() - started
        out = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kpixl-bench-")))
        result["start_rss_mib"] = reset_peak()
        start = time.perf_counter()
        report = run_round(
            inputs,
            [master],
            out / "round",
            workers=1 if mode == "serial" else workers,
            executor=executor,
            progress=progress,
        )
        end = time.perf_counter()
        result["coordinator_peak_mib"] = peak_rss()
        if executor is not None:
            peaks = executor.client.run(peak_rss)
            result["worker_peak_mib"] = sorted(peaks.values())
        result["copies"] = len(list((out / "round" / "checked").glob("*.xlsx")))
    if mode == "processes":  # the pool's processes have been waited for: the largest peak
        result["worker_peak_mib"] = [resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]
    elif mode == "serial":
        result["worker_peak_mib"] = [result["coordinator_peak_mib"]]
    score_start = marks.get("score_start", start)
    score_end = marks.get("score_end", score_start)
    annotate_start = marks.get("annotate_start", score_end)
    annotate_end = marks.get("annotate_end", annotate_start)
    result.update(
        seconds=end - start,
        scored=report.scored,
        files_per_second=n / (end - start),
        intake_seconds=score_start - start,
        score_seconds=score_end - score_start,
        settle_seconds=annotate_start - score_end,
        annotate_seconds=annotate_end - annotate_start,
        outputs_seconds=end - annotate_end,
        ledger_write_seconds=ledger_seconds[0],
    )
    return result


def run_child(mode: str, n: int, workers: int, cache: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, "--workbooks", str(n),
               "--workers", str(workers), "--cache", str(cache)]  # fmt: skip
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def projection(rows: list[dict[str, Any]], files: int, workers: list[int]) -> list[str]:
    """Hours of a national round of ``files`` workbooks with K workers, from the serial
    run's per-file costs: the coordinator's share (intake, ledger writes, result files)
    stays serial; reading, checking, scoring and the checked copies divide among K."""
    serial = next(r for r in rows if r["mode"] == "serial")
    n = serial["workbooks"]
    coordinator = (
        serial["intake_seconds"] + serial["ledger_write_seconds"] + serial["settle_seconds"]
    ) / n
    outputs = serial["outputs_seconds"] / n
    work = (serial["score_seconds"] - serial["ledger_write_seconds"]) / n
    copy = serial["annotate_seconds"] / max(serial["copies"], 1)
    lines = [
        f"per workbook: coordinator {1000 * coordinator:.1f} ms (intake, ledger writes, settling), "
        f"result files {1000 * outputs:.1f} ms, worker {1000 * work:.1f} ms "
        f"(read, check, score) + {1000 * copy:.0f} ms per checked copy",
    ]
    for k in workers:
        hours = (files * (coordinator + outputs) + files * (work + copy) / k) / 3600
        floor = files * (coordinator + outputs) / 3600
        lines.append(f"  {k:>4} workers: {hours:6.1f} h   (coordinator-bound floor {floor:.1f} h)")
    return lines


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'mode':<10}{'workers':>8}{'seconds':>9}{'files/s':>9}{'intake':>8}{'score':>8}"
        f"{'settle':>8}{'copies':>8}{'outputs':>8}{'ledger':>8}{'coord MiB':>10}"
        f"{'worker MiB (each)':>22}"
    )
    lines = [head]
    for r in rows:
        peaks = " ".join(f"{p:.0f}" for p in r["worker_peak_mib"])
        lines.append(
            f"{r['mode']:<10}{r['workers']:>8}{r['seconds']:>9.1f}{r['files_per_second']:>9.1f}"
            f"{r['intake_seconds']:>8.1f}{r['score_seconds']:>8.1f}{r['settle_seconds']:>8.1f}"
            f"{r['annotate_seconds']:>8.1f}"
            f"{r['outputs_seconds']:>8.1f}{r['ledger_write_seconds']:>8.1f}"
            f"{r['coordinator_peak_mib']:>10.0f}{peaks:>22}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbooks", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--modes", default=",".join(MODES), help="serial,processes,dask")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="generated workbooks")
    parser.add_argument("--administrations", type=int, default=7850)
    parser.add_argument("--divisions", type=int, default=10, help="divisions per administration")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.workbooks, args.workers, args.cache)))
        return
    from generate import generate

    generate(args.workbooks, args.cache / "pool")  # once, before anything is timed
    modes = [m for m in args.modes.split(",") if m]
    rows = [run_child(mode, args.workbooks, args.workers, args.cache) for mode in modes]
    files = args.administrations * args.divisions
    print(
        f"kpixl round · Python {platform.python_version()} · {os.cpu_count()} cores · "
        f"{args.workbooks} workbooks · stage seconds; peaks in MiB"
    )
    print(table(rows))
    for r in rows:
        if "cluster_start_seconds" in r:
            print(f"(the LocalCluster took {r['cluster_start_seconds']:.1f} s to start)")
    notes: list[str] = []
    if any(r["mode"] == "serial" for r in rows):
        notes = projection(rows, files, [1, 8, 32, 128])
        print(f"a national round: {args.administrations:,} administrations × {args.divisions} "
              f"divisions = {files:,} workbooks")  # fmt: skip
        print("\n".join(notes))
    if args.json:
        report = {"rows": rows, "national_files": files, "projection": notes}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
