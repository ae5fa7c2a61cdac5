"""A round's results for the central office: ``results.xlsx`` and ``results.csv``.

``results.xlsx`` has one sheet per question a clerk asks:

* ``สถานะ`` — who has sent what: every division of the master, its state in words and
  colour, when and from whom its counted workbook came, its score; a live count per state
  at the top;
* ``คะแนน`` — the divisions ranked by score, รวม and the score out of 100 as live formulas
  over the KPI rows, with the average, highest and lowest below;
* ``ผลรายตัวชี้วัด`` — :func:`results_table`: every KPI row of every division;
* ``ปัญหา`` — every finding, errors first, with who must act;
* ``แผนเป้าหมาย`` — form A of every division consolidated (:mod:`kpixl.outputs.targets`);
* ``ที่มา`` — every submission received: file, sender, time, and whether it counted.

``results.csv`` is :func:`results_table` as CSV (:func:`write_results_csv`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl.atomic import atomic_path
from kpixl.csvout import write_csv
from kpixl.findings import findings_frame, value_text
from kpixl.outputs import sheets as S
from kpixl.outputs.book import Book, new_workbook
from kpixl.outputs.sheets import (
    FINDINGS_SHEET,
    HEADER_ROW,
    RESULTS_SHEET,
    SCORES_SHEET,
    SHEETS,
    SOURCES_SHEET,
    STATUS_HEADER_ROW,
    STATUS_SHEET,
    TARGETS_SHEET,
    id_text,
    ordinal_date,
)
from kpixl.outputs.targets import write_targets
from kpixl.precision import round_values

RESULT_COLUMNS: tuple[str, ...] = (
    "division_code",
    "division_name",
    "kpi_id",
    "name",
    "unit",
    "kind",
    "quarter",
    "reported",
    "value",
    "level",
    "weight",
    "weighted",
    "status",
    "total",
    "score_100",
)
"""Columns of :func:`results_table` (and of ``results.csv``), in order."""


def results_table(kpis: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """One row per division × KPI row, rounded as the form rounds.

    Args:
        kpis: one row per scored row of each counted workbook: ``division_code,
            division_name, kpi_id, name, unit, kind, quarter, reported, computed, value,
            level`` (Int64, NA = not scored), ``weight, weighted, status``; extra columns
            are ignored, missing optional text columns are left blank.
        totals: one row per division: ``division_code, total, score_100`` (NaN when
            nothing is scored), and ``kpis, unscored, weight_total, complete``.

    Returns:
        Columns :data:`RESULT_COLUMNS`: ``division_code, division_name, kpi_id, name,
        unit, kind`` (texts; ids as written), ``quarter`` (Int64), ``reported, value``
        (2 places; for a ``deadline_date`` KPI a date's ordinal), ``level`` (Int64),
        ``weight`` and ``weighted`` (2 places), ``status``, then the division's ``total``
        (0–5) and ``score_100`` (2 places) on every row of that division, in the order of
        ``kpis``. Rounding is half away from zero (:mod:`kpixl.precision`), so no value
        carries binary noise such as 84.39999999999999.
    """
    frame = pd.DataFrame(index=kpis.index)
    for name in ("division_code", "kpi_id"):
        frame[name] = _texts(kpis, name, ids=True)
    for name in ("division_name", "name", "unit", "kind", "status"):
        frame[name] = _texts(kpis, name)
    frame["quarter"] = pd.array(_numbers(kpis, "quarter").round(), dtype="Int64")
    for name in ("reported", "value", "weight", "weighted"):
        frame[name] = round_values(_numbers(kpis, name))
    frame["level"] = pd.array(_numbers(kpis, "level").round(), dtype="Int64")
    per_division = pd.DataFrame(
        {
            "division_code": _texts(totals, "division_code", ids=True),
            "total": round_values(_numbers(totals, "total")),
            "score_100": round_values(_numbers(totals, "score_100")),
        }
    ).drop_duplicates("division_code", keep="last")
    merged = frame.reset_index(drop=True).merge(per_division, on="division_code", how="left")
    return merged.loc[:, list(RESULT_COLUMNS)]


def write_results_csv(path: Path, kpis: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Write :func:`results_table` to ``path`` (UTF-8 with BOM, CSV-injection safe).

    A ``deadline_date`` KPI's ``reported`` and ``value`` are written as ISO dates
    (``2021-12-30``) rather than day ordinals nobody can read.

    Returns:
        The frame written.
    """
    table = results_table(kpis, totals)
    out = table.astype({"reported": object, "value": object})
    dated = out["kind"].eq("deadline_date")
    for name in ("reported", "value"):
        out.loc[dated, name] = [_iso_date(v) for v in table.loc[dated, name]]
    write_csv(out, path)
    return out


def write_results_workbook(
    path: Path,
    *,
    status: pd.DataFrame,
    kpis: pd.DataFrame,
    totals: pd.DataFrame,
    findings: pd.DataFrame,
    targets: pd.DataFrame,
    submissions: pd.DataFrame,
    organisation: str,
    fiscal_year_be: int,
    round_label: str,
    checked_at: dt.datetime,
) -> pd.DataFrame:
    """Write ``results.xlsx`` (atomically) and return the findings about the texts it cut.

    Args:
        path: the workbook to write.
        status: one row per division of the master: ``division_code, division_name,
            email, state`` (one of :data:`kpixl.outputs.status.STATES`), ``received_at``
            (datetime, NaT when nothing came), ``sender, file_name, submissions`` (how many
            received), ``total, score_100`` (NaN when not scored), ``complete, errors,
            warnings`` (counts of the division's own findings), ``content_hash,
            annotated`` (path of the checked copy, or "").
        kpis: as :func:`results_table`.
        totals: as :func:`results_table`.
        findings: the columns of :data:`kpixl.findings.FINDING_COLUMNS` plus
            ``division_code``.
        targets: form A consolidated, one row per division × target KPI:
            ``division_code, kpi_id, name, unit, kpi_type, fiscal_year_be`` and the plan
            keys of :func:`kpixl.layout.target_fields` (``m10`` … ``m9``, ``q1`` …
            ``q4``, ``total``, ``plan_<year>``, ``result_<year>``, ``est_…`` as floats,
            NaN when blank; ``success_factor`` text).
        submissions: every submission received: ``content_hash, division_code, state``
            (``counted, superseded, duplicate, rejected, unreadable``), ``received_at,
            sender, subject, message_id, file_name, path, score_100, errors, warnings,
            annotated``.
        organisation: the organisation's name, for the titles.
        fiscal_year_be: the round's fiscal year (B.E.).
        round_label: the round, as the office names it (``2565-Q2``).
        checked_at: when the round was run (naive = Bangkok time).

    Returns:
        A findings frame (:data:`~kpixl.findings.FINDING_COLUMNS`) with one
        ``text-truncated`` finding per cell whose text was longer than Excel allows.
    """
    path = Path(path)
    subtitle = S.subtitle_line(fiscal_year_be, round_label, checked_at)
    table = results_table(kpis, totals)
    with atomic_path(path) as temp:
        workbook = new_workbook(temp)
        book = Book(workbook, path.name)
        sheets = {name: workbook.add_worksheet(name) for name in SHEETS}
        S.status_sheet(book, sheets[STATUS_SHEET], status, organisation, subtitle)
        results_rows = S.results_sheet(book, sheets[RESULTS_SHEET], table, organisation, subtitle)
        S.scores_sheet(
            book, sheets[SCORES_SHEET], status, totals, table, results_rows, organisation,
            subtitle,
        )  # fmt: skip
        S.findings_sheet(book, sheets[FINDINGS_SHEET], findings, organisation, subtitle)
        write_targets(
            book, sheets[TARGETS_SHEET], targets, status, fiscal_year_be,
            f"แผนเป้าหมาย (แบบ ก) ทุกกอง — {organisation}", subtitle,
        )  # fmt: skip
        S.sources_sheet(book, sheets[SOURCES_SHEET], submissions, organisation, subtitle)
        sheets[STATUS_SHEET].activate()
        workbook.close()
    return findings_frame(book.truncated)


def _texts(frame: pd.DataFrame, name: str, *, ids: bool = False) -> pd.Series:
    if name not in frame:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    shown = id_text if ids else value_text
    return pd.Series([shown(v) for v in frame[name]], index=frame.index, dtype=object)


def _numbers(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series([float("nan")] * len(frame), index=frame.index, dtype="float64")
    return pd.to_numeric(frame[name], errors="coerce").astype("float64")


def _iso_date(ordinal: Any) -> Any:
    day = ordinal_date(ordinal)
    return day.isoformat() if day else None


__all__ = [
    "FINDINGS_SHEET",
    "HEADER_ROW",
    "RESULTS_SHEET",
    "RESULT_COLUMNS",
    "SCORES_SHEET",
    "SHEETS",
    "SOURCES_SHEET",
    "STATUS_HEADER_ROW",
    "STATUS_SHEET",
    "TARGETS_SHEET",
    "id_text",
    "results_table",
    "write_results_csv",
    "write_results_workbook",
]
