"""``kpixl round``: the central office's round, from what arrived to what goes back.

1. **Intake** (:mod:`kpixl.intake`): every workbook in the inputs — files, folders, saved
   e-mails, mboxes, Maildirs, zips — becomes a receipt in the ledger, its bytes kept in the
   ledger's store (:mod:`kpixl.ledger`). The division is whatever the workbook's own
   template metadata says, never the file name. kpixl's own annotated copies (their bytes
   are what kpixl wrote) are recognised and never read as returns.
2. **Scoring**: each content not scored before is read, checked and scored once, in chunks,
   in parallel (``workers``); the ledger stores each chunk's results in one transaction, so
   a run killed half-way resumes where it stopped. Results do not depend on the number of
   workers or the chunking: every content is evaluated on its own terms and the ledger
   orders everything by content hash.
3. **Settling** (:meth:`kpixl.ledger.Ledger.settle`): which content counts for each
   division — the newest, unless a signed-off one came before it.
4. **Outputs** into the output folder: the annotated copy of every counted workbook, the
   status of every division of the master, ``results.xlsx``/``results.csv``,
   ``findings.csv``, ``targets.csv``, and one reply draft per division in ``replies/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl.errors import KpixlError
from kpixl.findings import FINDING_COLUMNS, finding, findings_frame, with_kpi_names
from kpixl.ledger import ContentResult, Ledger, Receipt
from kpixl.master import Master
from kpixl.safety import UnusableFile

CHUNK = 25
"""Workbooks scored per task: large enough to share pandas' fixed costs, small enough that a
killed run loses little and memory stays flat."""
CHECKED_DIR = "checked"
REPLIES_DIR = "replies"
LEDGER_NAME = "ledger.sqlite"


class RoundInputError(KpixlError):
    """The round's inputs or output folder cannot be used as given (a usage error)."""


@dataclass
class RoundReport:
    """What a round found and wrote.

    Attributes:
        ledger: where the ledger is.
        status: one row per division of the masters (see :func:`status_frame`).
        problems: findings about inputs that are no workbook at all (a missing path, an
            unreadable mailbox).
        received: receipts recorded by this run (new ones only).
        scored: contents scored by this run.
        written: every file written.
    """

    ledger: Path
    status: pd.DataFrame
    problems: pd.DataFrame
    received: int = 0
    scored: int = 0
    written: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 every counted workbook scored cleanly, 1 errors in some workbook, 2 nothing
        readable at all."""
        received = self.status["state"].ne("not_received")
        if not received.any():
            return 2
        errors = self.status["errors"].fillna(0).gt(0).any() or not self.problems.empty
        return 1 if errors else 0


# --- the worker side: plain functions of plain data, so any executor can run them --------


def score_chunk(items: Sequence[tuple[str, str]], masters: Sequence[Master]) -> list[ContentResult]:
    """Read, check and score some stored contents (content hash, stored path).

    Runs in a worker process: it returns small frames only, and never touches the ledger.
    """
    from kpixl.evaluation import evaluate
    from kpixl.reader import read_workbook

    books = []
    results: list[ContentResult] = []
    for content_hash, stored in items:
        try:
            books.append(read_workbook(stored, source=content_hash))
        except UnusableFile as error:
            params = dict[str, Any](error.params)
            results.append(
                _unreadable(content_hash, finding(error.code, source=content_hash, **params))
            )
        except Exception as error:  # a file nobody foresaw: its finding, never the round's end
            reason = f"{type(error).__name__}: {error}"[:200]
            results.append(
                _unreadable(
                    content_hash, finding("internal-error", source=content_hash, reason=reason)
                )
            )
    if books:
        evaluation = evaluate(books, masters)
        results.extend(_split(evaluation))
    return sorted(results, key=lambda r: r.content_hash)


def _unreadable(content_hash: str, record: dict[str, Any]) -> ContentResult:
    empty = pd.DataFrame()
    return ContentResult(
        content_hash, False, False, {}, empty, findings_frame([record]), empty, empty
    )


def _split(evaluation: Any) -> list[ContentResult]:
    info = evaluation.workbooks.merge(evaluation.totals, on="source", how="left")
    results = []
    for rec in info.to_dict("records"):
        source = rec["source"]
        results.append(
            ContentResult(
                content_hash=source,
                readable=True,
                signed_off=bool(rec.get("signed_off", False)),
                info=rec,
                kpis=evaluation.kpis[evaluation.kpis["source"] == source],
                findings=evaluation.findings[evaluation.findings["source"] == source],
                targets=_own_targets(evaluation.targets, source),
                fills=evaluation.fills[evaluation.fills["source"] == source],
            )
        )
    return results


def _own_targets(targets: pd.DataFrame, source: str) -> pd.DataFrame:
    """One workbook's target sheet rows as an evaluation of that workbook alone gives them.

    An evaluation of many workbooks has the plan columns of every fiscal year among them,
    ordered year by year: this one's keeps only its own year's (and any other it filled),
    in its own year's order, so that what a content's ledger rows hold does not depend on
    which other contents shared its chunk.
    """
    if targets.empty:
        return pd.DataFrame()
    from kpixl.layout import target_fields

    mine = targets[targets["source"] == source]
    years = {int(y) for y in mine["fiscal_year_be"].dropna()} - {0}
    if len(years) != 1:
        return mine
    own = [f.key for f in target_fields(years.pop())]
    others = {int(y) for y in targets["fiscal_year_be"].dropna()} - {0}
    foreign = {f.key for y in others for f in target_fields(y)} - set(own)
    mine = mine.drop(columns=[c for c in mine.columns if c in foreign and mine[c].isna().all()])
    columns = list(mine.columns)
    fixed = {"kpi_id", "name", "unit", "kpi_type", "success_factor"}
    slots = [i for i, c in enumerate(columns) if c in own and c not in fixed]
    for slot, name in zip(slots, sorted((columns[i] for i in slots), key=own.index), strict=True):
        columns[slot] = name
    return mine[columns]


def annotate_one(job: dict[str, Any]) -> dict[str, Any]:
    """Write one counted workbook's annotated copy (in a worker); returns its path, the
    SHA-256 of the bytes written, and the findings the annotation raised."""
    from kpixl.annotate import annotate_workbook
    from kpixl.safety import inspect_workbook

    target = Path(job["target"])
    try:
        container = inspect_workbook(job["stored"])
        dropped = annotate_workbook(
            Path(job["stored"]),
            target,
            findings=job["findings"],
            fills=job["fills"],
            summary=job["summary"],
            dropped_parts=container.unsupported_parts,
        )
    except Exception as error:  # one copy never stops the round
        reason = f"{type(error).__name__}: {error}"[:200]
        failed = findings_frame(
            [finding("annotation-failed", source=job["content_hash"], reason=reason)]
        )
        return {"content_hash": job["content_hash"], "path": None, "digest": "", "findings": failed}
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    return {
        "content_hash": job["content_hash"],
        "path": str(target),
        "digest": digest,
        "findings": dropped,
    }


# --- the coordinating side ----------------------------------------------------------------


def check_folders(inputs: Sequence[Path], out_dir: Path) -> None:
    """Refuse an output folder inside (or equal to) an input folder: kpixl's own outputs
    would be read back as returns.

    Raises:
        RoundInputError: the output folder lies inside an input folder.
    """
    out = out_dir.resolve()
    for path in inputs:
        folder = path.resolve()
        if folder.is_dir() and (out == folder or folder in out.parents):
            raise RoundInputError(
                f"the output folder {out_dir} is inside the input folder {path}: kpixl would "
                "read its own outputs back as returns; choose an output folder elsewhere"
            )


def run_round(
    inputs: Sequence[Path],
    masters: Sequence[Master],
    out_dir: Path,
    *,
    ledger_path: Path | None = None,
    round_label: str = "",
    workers: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    reply_template: Path | None = None,
    command: str = "kpixl round",
) -> RoundReport:
    """Run a round (see the module docstring).

    Args:
        inputs: files, folders, e-mails, mailboxes and zips, in any mix.
        masters: the centre's masters (each workbook takes the one that defines it).
        out_dir: the output folder (created; never inside an input folder).
        ledger_path: the ledger (default ``out_dir / ledger.sqlite``); keep one across
            rounds and years to keep the history.
        round_label: the round (``2565-Q2``); default the masters' fiscal year.
        workers: processes for scoring and annotating (default: every core; 1 = serial).
        executor: an executor to use instead (e.g. a Dask client's); ``workers`` is then
            ignored.
        progress: called with (stage, done, total) as the work goes on.
        reply_template: the office's own jinja2 template for the reply drafts.

    Raises:
        RoundInputError: the output folder lies inside an input folder.
    """
    inputs = [Path(p) for p in inputs]
    out_dir = Path(out_dir)
    check_folders(inputs, out_dir)
    label = round_label or _default_round(masters)
    out_dir.mkdir(parents=True, exist_ok=True)
    ledger_file = Path(ledger_path) if ledger_path else out_dir / LEDGER_NAME
    report_progress = progress or (lambda stage, done, total: None)
    with Ledger(ledger_file) as ledger:
        run_id = ledger.start_run(label, command)
        from kpixl.round_outputs import master_divisions

        ledger.record_divisions(label, master_divisions(masters))
        received, problems = _receive(ledger, inputs, label, run_id, [out_dir, ledger.store])
        pool = executor or _pool(workers)
        try:
            scored = _score(ledger, masters, pool, run_id, report_progress)
            ledger.settle(label, run_id)
            written = _annotate(ledger, label, out_dir, pool, run_id, report_progress)
        finally:
            if executor is None:
                pool.shutdown()
        from kpixl.round_outputs import write_round_outputs

        status, more = write_round_outputs(
            ledger, masters, label, out_dir, problems, reply_template=reply_template
        )
        ledger.finish_run(run_id)
    return RoundReport(ledger_file, status, problems, received, scored, [*written, *more])


def _default_round(masters: Sequence[Master]) -> str:
    years = sorted({m.fiscal_year_be for m in masters if m.fiscal_year_be})
    return "-".join(str(y) for y in years) or "round"


class _Serial(Executor):
    """An executor that runs in the calling process (``workers=1``): same results."""

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any], **_: Any) -> Iterator[Any]:
        return map(fn, *iterables)


def _pool(workers: int | None) -> Executor:
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count <= 1:
        return _Serial()
    return ProcessPoolExecutor(max_workers=count)


def _receive(
    ledger: Ledger, inputs: Sequence[Path], label: str, run_id: int, exclude: Sequence[Path]
) -> tuple[int, pd.DataFrame]:
    from kpixl.intake import Arrival, InputProblem, collect

    new = 0
    problems = []
    for item in collect(inputs, exclude=exclude):
        if isinstance(item, InputProblem):
            problems.append(finding(item.code, source=item.path, reason=item.reason))
            continue
        assert isinstance(item, Arrival)
        origin = item.origin
        # Hash the bytes that are kept: a file changed between two reads must not be stored
        # under another content's hash.
        data = item.read_bytes()
        receipt = Receipt(
            content_hash=hashlib.sha256(data).hexdigest(),
            origin_kind=origin.kind,
            path=origin.path,
            member=origin.member,
            file_name=item.name,
            sender=origin.sender,
            subject=origin.subject,
            sent_at=origin.sent_at,
            message_id=origin.message_id,
            received_at=item.received_at,
        )
        new += ledger.receive(receipt, data, item.suffix or ".xlsx", label, run_id)
        if ledger.is_own_output(receipt.content_hash):
            ledger.mark_own_output(receipt.content_hash)
    return new, findings_frame(problems)


def _chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _score(
    ledger: Ledger,
    masters: Sequence[Master],
    pool: Executor,
    run_id: int,
    progress: Callable[[str, int, int], None],
) -> int:
    pending = ledger.pending()
    chunks = _chunks(pending, CHUNK)
    done = 0
    progress("score", 0, len(pending))
    for results in pool.map(score_chunk, chunks, [list(masters)] * len(chunks)):
        # One transaction per chunk: a killed run keeps every chunk it finished.
        ledger.record_results(results, run_id)
        done += len(results)
        progress("score", done, len(pending))
    return done


def _annotate(
    ledger: Ledger,
    label: str,
    out_dir: Path,
    pool: Executor,
    run_id: int,
    progress: Callable[[str, int, int], None],
) -> list[Path]:
    counted = ledger.counted(label)
    jobs = []
    checked = out_dir / CHECKED_DIR
    now = dt.datetime.now(dt.UTC)
    names = ledger.submissions(label).drop_duplicates("content_hash")
    names = names.set_index("content_hash")["file_name"]
    for rec in counted.to_dict("records"):
        content_hash = rec["content_hash"]
        kpis, findings, targets = ledger.results([content_hash])
        file_name = str(names.get(content_hash, content_hash))
        frame = findings_frame(findings.reindex(columns=FINDING_COLUMNS).to_dict("records"))
        frame = with_kpi_names(frame, kpis, targets)
        frame["source"] = file_name
        jobs.append(
            {
                "content_hash": content_hash,
                "stored": rec["stored"],
                "target": str(checked / _checked_name(rec)),
                "findings": frame,
                "fills": ledger.fills(content_hash),
                "summary": {
                    "division_name": rec["division_name"],
                    "division_code": rec["division_code"],
                    "fiscal_year_be": rec["fiscal_year_be"],
                    "source": file_name,
                    "checked_at": now,
                    "kpis": rec["kpis"],
                    "unscored": rec["unscored"],
                    "total": rec["total"],
                    "score_100": rec["score_100"],
                    "complete": bool(rec["complete"]),
                },
            }
        )
    written = []
    progress("annotate", 0, len(jobs))
    for number, outcome in enumerate(pool.map(annotate_one, jobs), 1):
        if outcome["path"] is not None:
            ledger.record_output(
                label, outcome["content_hash"], Path(outcome["path"]), outcome["digest"], run_id
            )
            written.append(Path(outcome["path"]))
        progress("annotate", number, len(jobs))
    return written


def _checked_name(rec: dict[str, Any]) -> str:
    """``kpixl_2565_FIN.checked.xlsx``: one counted copy per division and fiscal year."""
    import re

    code = re.sub(r"[^A-Za-z0-9_-]+", "_", str(rec["division_code"])) or "division"
    return f"kpixl_{rec['fiscal_year_be']}_{code}.checked.xlsx"


def terminal_progress(stream: Any = None) -> Callable[[str, int, int], None]:
    """A progress bar (tqdm) in a terminal, plain log lines otherwise."""
    stream = stream or sys.stderr
    if stream.isatty():
        from tqdm import tqdm

        bars: dict[str, Any] = {}

        def bar(stage: str, done: int, total: int) -> None:
            if stage not in bars:
                bars[stage] = tqdm(total=total, desc=_STAGES[stage], unit=" ไฟล์", file=stream)
            bars[stage].n = done
            bars[stage].refresh()
            if done >= total:
                bars.pop(stage).close()

        return bar

    last: dict[str, int] = {}

    def log(stage: str, done: int, total: int) -> None:
        step = max(1, total // 10)
        if done == total or done - last.get(stage, -step) >= step:
            last[stage] = done
            print(f"kpixl: {_STAGES[stage]} {done}/{total}", file=stream, flush=True)

    return log


_STAGES = {"score": "ตรวจและคิดคะแนน", "annotate": "เขียนสำเนาที่ตรวจแล้ว"}
