"""What the command line prints: findings, a master's findings by division, score tables.

Thai by default, English with ``lang="en"``; widths count what a terminal draws (Thai
vowel and tone marks take no column, :func:`kpixl.layout.visible_length`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence, Set
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpixl.layout import visible_length

if TYPE_CHECKING:
    from kpixl.batch import BatchResult
    from kpixl.master import Master

SEVERITY_TH = {"error": "ผิดพลาด", "warning": "คำเตือน", "info": "แจ้งให้ทราบ"}
_COUNT_TH = {"error": "ข้อผิดพลาด", "warning": "คำเตือน", "info": "แจ้งให้ทราบ"}


def _severity(severity: str, lang: str) -> str:
    word = SEVERITY_TH.get(severity, severity) if lang == "th" else severity
    return word + " " * max(1, 8 - visible_length(word))


def counts_line(findings: pd.DataFrame, lang: str = "th") -> str:
    """``error: 2 · warning: 1 · info: 0`` (Thai: ``ข้อผิดพลาด 2 · คำเตือน 1 · …``)."""
    counts = findings["severity"].value_counts()
    if lang == "th":
        return " · ".join(f"{_COUNT_TH[k]} {counts.get(k, 0)}" for k in _COUNT_TH)
    return " · ".join(f"{k}: {counts.get(k, 0)}" for k in ("error", "warning", "info"))


def _finding_lines(rec: dict[str, Any], lang: str, *, source: bool = True) -> str:
    where = f"{rec['sheet']}!{rec['cell']}" if rec["cell"] else rec["sheet"]
    kpi = f" [{rec['kpi_id']}]" if rec["kpi_id"] else ""
    message = rec["message_th"] if lang == "th" else rec["message_en"]
    head = f"{rec['source']}  " if source else ""
    return f"{_severity(rec['severity'], lang)}{head}{where}{kpi}  {rec['code']}\n        {message}"


def format_findings(
    findings: pd.DataFrame,
    lang: str = "th",
    limit: int | None = None,
    all_in: Path | None = None,
) -> str:
    """Findings as a readable text table, in their order.

    Args:
        findings: a findings frame.
        lang: ``th`` or ``en``.
        limit: show at most this many (the rest are counted).
        all_in: the file that holds every finding, named when the list is cut.
    """
    if findings.empty:
        return "ไม่พบปัญหา / no findings" if lang == "th" else "no findings"
    shown = findings if limit is None else findings.head(limit)
    lines = [_finding_lines(rec, lang) for rec in shown.to_dict("records")]
    if limit is not None and len(findings) > limit:
        more = len(findings) - limit
        if lang == "th":
            where = f" — ทุกรายการอยู่ในไฟล์ {all_in}" if all_in else ""
            lines.append(f"… และอีก {more:,} รายการ{where}")
        else:
            where = f" — every finding is in {all_in}" if all_in else ""
            lines.append(f"… {more:,} more{where}")
    lines.append(counts_line(findings, lang))
    return "\n".join(lines)


def format_master_findings(findings: pd.DataFrame, master: Master, lang: str = "th") -> str:
    """A master's findings grouped by the division each is about (the whole master's
    first, then the divisions in the order of their sheet), each group headed by the
    division's code, name and counts."""
    from kpixl.master import finding_divisions

    if findings.empty:
        return "ไม่พบปัญหา / no findings" if lang == "th" else "no findings"
    divisions = finding_divisions(master, findings)
    names = dict(
        zip(master.divisions["division_code"], master.divisions["division_name"], strict=True)
    )
    order = [""] + [c for c in master.division_codes() if c]
    order += sorted(set(divisions) - set(order))
    lines = []
    for code in order:
        mine = findings[divisions.eq(code)]
        if mine.empty:
            continue
        lines.append(f"{_group_title(code, names, lang)} — {counts_line(mine, lang)}")
        lines += [_finding_lines(rec, lang, source=False) for rec in mine.to_dict("records")]
        lines.append("")
    total = "รวมทั้งไฟล์: " if lang == "th" else "in all: "
    return "\n".join([*lines, total + counts_line(findings, lang)])


def _group_title(code: str, names: dict[str, str], lang: str) -> str:
    if not code:
        return "ทั้งไฟล์ (องค์กร แผ่นงาน คอลัมน์)" if lang == "th" else "the whole master"
    name = names.get(code)
    if name is None:
        name = "(ไม่มีในแผ่นงาน กอง)" if lang == "th" else "(not on the divisions sheet)"
    return f"กอง {code} {name}".rstrip() if lang == "th" else f"division {code} {name}".rstrip()


_SCORE_HEADERS = {
    "th": ("ไฟล์", "กอง", "ชื่อกอง/สำนัก", "ตัวชี้วัด", "คิดคะแนนไม่ได้", "รวม (ค)",
           "คะแนนเต็ม 100", "ผิดพลาด", "คำเตือน"),
    "en": ("file", "division", "name", "KPIs", "unscored", "total", "score /100",
           "errors", "warnings"),
}  # fmt: skip
_RIGHT = {3, 4, 5, 6, 7, 8}


def score_table(result: BatchResult, lang: str = "th") -> str:
    """One row per workbook of a batch: its division, KPIs, the ones not scored, รวม,
    the score out of 100 and its own errors and warnings; a workbook that could not be
    read or scored says so instead of a score."""
    ev = result.evaluation
    info = ev.workbooks.set_index("source")
    totals = ev.totals.set_index("source")
    findings = result.findings
    rows: list[Sequence[str]] = [_SCORE_HEADERS["th" if lang == "th" else "en"]]
    for source in result.sources:
        mine = findings[findings["source"] == source]["severity"]
        errors, warnings = str(int(mine.eq("error").sum())), str(int(mine.eq("warning").sum()))
        if source not in info.index:
            state = "อ่านไม่ได้" if lang == "th" else "unreadable"
            rows.append((source, "—", state, "", "", "", "", errors, warnings))
            continue
        rec = info.loc[source]
        name = str(rec["division_name"] or "")
        if source not in totals.index or not bool(rec["scored"]):
            state = "ไม่ได้คิดคะแนน" if lang == "th" else "not scored"
            rows.append((source, str(rec["division_code"]), f"{name} ({state})", "", "", "", "",
                         errors, warnings))  # fmt: skip
            continue
        total = totals.loc[source]
        rows.append(
            (
                source,
                str(rec["division_code"]),
                name,
                str(int(total["kpis"])),
                str(int(total["unscored"])),
                _number(total["total"]),
                _number(total["score_100"]),
                errors,
                warnings,
            )
        )
    title = "คะแนนของแต่ละกอง/สำนัก" if lang == "th" else "scores by division"
    return f"{title}\n{align(rows, _RIGHT)}"


def _number(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):,.2f}"


def align(rows: Sequence[Sequence[str]], right: Set[int]) -> str:
    """Rows of texts as columns two spaces apart, by their visible width (Thai marks take
    none); the columns numbered in ``right`` are right-aligned."""
    widths = [max(visible_length(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for i, text in enumerate(row):
            pad = " " * (widths[i] - visible_length(text))
            cells.append(pad + text if i in right else text + pad)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


_LEDGER_HEADERS = {
    "at": ("เมื่อ", "at"),
    "round": ("รอบ", "round"),
    "division_code": ("กอง", "division"),
    "state": ("การนับ", "state"),
    "kind": ("เหตุการณ์", "event"),
    "detail": ("รายละเอียด", "detail"),
    "received_at": ("ได้รับเมื่อ", "received"),
    "file_name": ("ไฟล์", "file"),
    "sender": ("ผู้ส่ง", "sender"),
    "score_100": ("คะแนนเต็ม 100", "score /100"),
    "content_hash": ("รหัสเนื้อหา", "content"),
}
_MOMENTS = {"at", "received_at"}
HASH_SHOWN = 12
"""Characters of a content hash shown in a table: enough to tell submissions apart."""


def _state_words() -> dict[str, str]:
    from kpixl.outputs.labels import SUBMISSION_WORDS

    return {
        **SUBMISSION_WORDS,
        "empty": "แม่แบบเปล่า",
        "unknown_division": "ไม่ใช่ของกองในรอบนี้",
        "kpixl_output": "สำเนาที่ kpixl เขียนเอง",
        "new": "ใหม่",
    }


def ledger_table(frame: pd.DataFrame, lang: str = "th") -> str:
    """A ledger frame (``kpixl ledger list`` / ``history``) as a clerk reads it: moments
    in Bangkok time (B.E. with Thai months in Thai), states in words, a content hash cut to
    its first :data:`HASH_SHOWN` characters, scores with 2 decimals.

    Args:
        frame: columns among :data:`_LEDGER_HEADERS` (others are left out).
        lang: ``th`` or ``en``.
    """
    from kpixl.fiscal import format_datetime_th
    from kpixl.outputs.status import local_time

    thai = lang == "th"
    words = _state_words() if thai else {}
    columns = [c for c in frame.columns if c in _LEDGER_HEADERS]
    rows: list[Sequence[str]] = [[_LEDGER_HEADERS[c][0 if thai else 1] for c in columns]]
    for rec in frame[columns].to_dict("records"):
        row = []
        for column in columns:
            value = rec[column]
            if column in _MOMENTS:
                moment = local_time(value)
                text = (
                    "—"
                    if moment is None
                    else (format_datetime_th(moment) if thai else f"{moment:%Y-%m-%d %H:%M}")
                )
            elif column == "score_100":
                text = _number(value)
            elif column == "content_hash":
                text = str(value or "")[:HASH_SHOWN]
            elif column in ("state", "kind", "detail") and words:
                text = " ".join(words.get(part, part) for part in str(value or "").split(" "))
            else:
                text = (
                    ""
                    if value is None or (isinstance(value, float) and math.isnan(value))
                    else str(value)
                )
            row.append(text)
        rows.append(row)
    return align(rows, right=set())
