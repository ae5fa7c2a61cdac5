"""Check and score a batch of returned workbooks; one bad file never stops the batch.

:func:`run_batch` reads the files (an unusable one becomes a file-level finding) and
evaluates the readable workbooks (:func:`kpixl.evaluation.evaluate`) a chunk of
:data:`CHUNK` at a time, so that only one chunk's cells are held at once; when asked, it
writes an annotated copy of each and the results (JSON and CSV).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl._version import __version__
from kpixl.atomic import write_text_atomic
from kpixl.csvout import write_csv
from kpixl.errors import OutputClash
from kpixl.evaluation import Evaluation, combine, evaluate, shared_values
from kpixl.findings import concat_findings, finding, findings_frame, with_kpi_names
from kpixl.gcfreeze import older_objects_frozen
from kpixl.master import Master
from kpixl.reader import read_workbook
from kpixl.safety import UnusableFile
from kpixl.workbook import WorkbookData

CHUNK = 300
"""Workbooks read and evaluated together: their cells are let go once the chunk is
evaluated (a batch's memory is one chunk's, however many files it has, plus what it
returns: ~6.5 KiB a workbook), and each evaluate() call's fixed cost (~0.09 s) is shared by
this many. 300 rather than 150: ~1 ms less a workbook, for a peak ~70 MiB higher (~240
MiB in all, flat from N = 300 to 3,000: see the README's benchmark)."""
ANNOTATED_SUFFIX = ".checked.xlsx"
RESULT_FILES: tuple[str, ...] = ("results.json", "kpis.csv", "totals.csv", "findings.csv")


@dataclass
class BatchResult:
    """What a batch run found and wrote.

    Attributes:
        evaluation: the evaluation of the readable workbooks.
        unusable: file-level findings of the files that could not be read at all.
        sources: source key → input path, for every file given.
        annotated: source key → annotated copy written.
    """

    evaluation: Evaluation
    unusable: pd.DataFrame
    sources: dict[str, Path]
    annotated: dict[str, Path] = field(default_factory=dict)

    @property
    def findings(self) -> pd.DataFrame:
        """Every finding, the unusable files' first."""
        return concat_findings([self.unusable, self.evaluation.findings])

    @property
    def exit_code(self) -> int:
        """0 no errors, 1 errors found in the inputs, 2 nothing readable."""
        if self.sources and len(self.unusable["source"].unique()) == len(self.sources):
            return 2
        return 1 if self.findings["severity"].eq("error").any() else 0

    def to_json(self) -> dict[str, Any]:
        """The documented JSON result (see the README, "JSON output")."""
        ev = self.evaluation
        findings = self.findings
        workbooks = []
        info = ev.workbooks.set_index("source")
        totals = ev.totals.set_index("source")
        for source, path in self.sources.items():
            entry: dict[str, Any] = {"source": source, "path": str(path)}
            if source in info.index:
                rec = info.loc[source]
                kpis = ev.kpis[ev.kpis["source"] == source]
                total = totals.loc[source] if source in totals.index else None
                entry.update(
                    readable=True,
                    division_code=rec["division_code"],
                    division_name=rec["division_name"],
                    fiscal_year_be=int(rec["fiscal_year_be"]) or None,
                    scored=bool(rec["scored"]),
                    template_version=rec["template_version"],
                    kpis=[_kpi_json(k) for k in kpis.to_dict("records")],
                    total=_num(total["total"]) if total is not None else None,
                    score_100=_num(total["score_100"]) if total is not None else None,
                    complete=bool(total["complete"]) if total is not None else False,
                )
            else:
                # Every entry has every field (null where unknown): a consumer never needs to
                # test for a key.
                entry.update(
                    readable=False,
                    division_code=None,
                    division_name=None,
                    fiscal_year_be=None,
                    scored=False,
                    template_version=None,
                    kpis=[],
                    total=None,
                    score_100=None,
                    complete=False,
                )
            annotated = self.annotated.get(source)
            entry["annotated"] = str(annotated) if annotated is not None else None
            mine = findings[findings["source"] == source]
            entry["findings"] = [_finding_json(f) for f in mine.to_dict("records")]
            workbooks.append(entry)
        return {
            "kpixl_version": __version__,
            "checked_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "workbooks": workbooks,
        }


def _num(value: Any) -> float | None:
    """A number for the JSON: None for NA and for what JSON cannot hold (±inf)."""
    if value is None or pd.isna(value):
        return None
    number = float(value)
    return round(number, 6) if math.isfinite(number) else None


def _kpi_json(rec: dict[str, Any]) -> dict[str, Any]:
    return {
        "kpi_id": rec["kpi_id"],
        "kind": rec["kind"],
        "quarter": int(rec["quarter"]) if str(rec.get("quarter") or "").isdigit() else None,
        "reported": _num(rec["reported"]),
        "computed": _num(rec["computed"]),
        "value": _num(rec["value"]),
        "level": None if pd.isna(rec["level"]) else int(rec["level"]),
        "weight": _num(rec["weight"]),
        "weighted": _num(rec["weighted"]),
        "status": rec["status"],
    }


def _finding_json(rec: dict[str, Any]) -> dict[str, Any]:
    out = dict(rec)
    for key in ("row", "column"):
        out[key] = None if pd.isna(rec[key]) else int(rec[key])
    return out


def source_keys(paths: Sequence[Path]) -> dict[str, Path]:
    """A unique, readable key per input: the file name, with its folder where names clash."""
    names = [p.name for p in paths]
    keys: dict[str, Path] = {}
    for path, name in zip(paths, names, strict=True):
        # resolve(): the folder of "x.xlsx" is the working folder, not "" (a key "/x.xlsx"
        # would read as a file at the root), and "../x.xlsx" names the real folder.
        key = name if names.count(name) == 1 else f"{path.resolve().parent.name}/{name}"
        while key in keys:
            key = f"{key}#"
        keys[key] = path
    return keys


def read_all(sources: dict[str, Path]) -> tuple[list[WorkbookData], pd.DataFrame]:
    """Read every file; an unusable one becomes a file-level finding, the rest go on."""
    books: list[WorkbookData] = []
    records = []
    for source, path in sources.items():
        try:
            books.append(read_workbook(path, source=source))
        except UnusableFile as error:
            records.append(finding(error.code, source=source, **dict[str, Any](error.params)))
        except FileNotFoundError:
            records.append(finding("file-not-found", source=source))
        except OSError as error:
            records.append(finding("file-corrupt", source=source, reason=str(error)[:200]))
        except Exception as error:  # a layout nobody foresaw: this file only, never the batch
            reason = f"{type(error).__name__}: {error}"[:200]
            records.append(finding("internal-error", source=source, reason=reason))
    return books, findings_frame(records)


def run_batch(
    paths: Sequence[Path | str],
    *,
    master: Master | Sequence[Master] | None = None,
    out_dir: Path | str | None = None,
) -> BatchResult:
    """Read, check and score ``paths``; with ``out_dir``, write annotated copies and results.

    Output files: ``<name>.checked.xlsx`` per readable workbook, ``results.json``,
    ``kpis.csv``, ``totals.csv``, ``findings.csv``. Inputs are never modified.
    """
    sources = source_keys([Path(p) for p in paths])
    items = list(sources.items())
    evaluations, unusable, evaluated = [], [], []
    pool: dict[Any, Any] = {}  # the chunks' results share one object per distinct value
    with older_objects_frozen():
        for start in range(0, max(len(items), 1), CHUNK):
            books, bad = read_all(dict(items[start : start + CHUNK]))
            evaluation = evaluate(books, master, share=False)  # shared below, with the pool
            unusable.append(bad)
            evaluated += [Evaluated(b.source, b.path, b.unsupported_parts) for b in books]
            del books  # this chunk's cells go before what is kept of it is made
            evaluations.append(shared_values(evaluation, pool))
            del evaluation
        result = BatchResult(combine(evaluations), concat_findings(unusable), sources)
        if out_dir is not None:
            write_outputs(result, evaluated, Path(out_dir))
    return result


@dataclass(frozen=True)
class Evaluated:
    """What writing the copy of a workbook needs of it once it is evaluated (not its
    cells)."""

    source: str
    path: Path
    unsupported_parts: tuple[str, ...] = ()


def write_outputs(result: BatchResult, books: Sequence[Evaluated], out: Path) -> None:
    """Annotated copies and result files of a batch, each written atomically.

    Raises:
        OutputClash: an output would overwrite an input (checked before anything is written).
    """
    # openpyxl (the annotator's fallback) is only imported when copies are written.
    from kpixl.annotate import annotate_workbook

    targets = annotated_targets([book.source for book in books], out)
    inputs = {path.resolve() for path in result.sources.values()}
    for target in [*targets.values(), *(out / name for name in RESULT_FILES)]:
        if target.resolve() in inputs:
            raise OutputClash(f"refusing to overwrite the input {target}")
    out.mkdir(parents=True, exist_ok=True)
    ev = result.evaluation
    totals = ev.totals.set_index("source")
    info = ev.workbooks.set_index("source")
    for book in books:
        target = targets[book.source]
        mine = with_kpi_names(
            ev.findings[ev.findings["source"] == book.source],
            ev.kpis[ev.kpis["source"] == book.source],
            ev.targets[ev.targets["source"] == book.source] if not ev.targets.empty else ev.targets,
        )
        summary = _summary(book.source, info, totals, ev.kpis)
        fills = ev.fills[ev.fills["source"] == book.source][["sheet", "cell", "value"]]
        try:
            dropped = annotate_workbook(
                book.path,
                target,
                findings=mine,
                fills=fills,
                summary=summary,
                dropped_parts=book.unsupported_parts,
            )
        except Exception as error:  # one workbook's copy never stops the batch
            failed = finding(
                "annotation-failed",
                source=book.source,
                reason=f"{type(error).__name__}: {error}"[:200],
            )
            ev.findings = concat_findings([ev.findings, findings_frame([failed])])
            continue
        if not dropped.empty:
            ev.findings = concat_findings([ev.findings, dropped.assign(source=book.source)])
        result.annotated[book.source] = target
    write_text_atomic(out / "results.json", result_json_text(result))
    write_csv(ev.kpis, out / "kpis.csv")
    write_csv(ev.totals.merge(ev.workbooks, on="source", how="left"), out / "totals.csv")
    write_csv(result.findings, out / "findings.csv")


def result_json_text(result: BatchResult) -> str:
    """The JSON result as text; always valid JSON (no NaN or Infinity)."""
    return json.dumps(result.to_json(), ensure_ascii=False, indent=2, allow_nan=False)


def annotated_targets(sources: Sequence[str], out: Path) -> dict[str, Path]:
    """Source key → path of its annotated copy in ``out``: ``<name>.checked.xlsx``.

    A key that carries its folder (``a/x.xlsx``, two inputs share a name) gives
    ``a_x.checked.xlsx``; names still taken (ignoring case, as Windows and macOS do) get
    ``-2``, ``-3``, … so that no copy overwrites another.
    """
    targets: dict[str, Path] = {}
    taken: set[str] = set()
    for source in sources:
        folder, _, name = source.rstrip("#").rpartition("/")
        stem = name.rsplit(".", 1)[0] if "." in name else name
        stem = f"{folder}_{stem}" if folder else stem
        candidate, number = stem + ANNOTATED_SUFFIX, 2
        while candidate.lower() in taken:
            candidate, number = f"{stem}-{number}{ANNOTATED_SUFFIX}", number + 1
        taken.add(candidate.lower())
        targets[source] = out / candidate
    return targets


def _summary(
    source: str, info: pd.DataFrame, totals: pd.DataFrame, kpis: pd.DataFrame
) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "source": source,
        "checked_at": dt.datetime.now(dt.UTC),
    }
    from kpixl.annotate import SUMMARY_LABELS

    if source in info.index:
        # What the report has a Thai label for: the evaluation's internal flags
        # (checked_copy, filled_inputs, …) are no reading for a clerk.
        summary.update({k: v for k, v in info.loc[source].items() if k in SUMMARY_LABELS})
    if source in totals.index:
        summary.update(
            {
                k: totals.loc[source, k]
                for k in ("total", "score_100", "complete", "kpis", "unscored")
            }
        )
    return summary
