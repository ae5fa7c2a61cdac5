"""The annotated copy the central office sends back to a division.

:func:`annotate_workbook` writes a *copy* of a returned workbook that

* keeps every formula and carries kpixl's computed values as the formulas' cached results
  (level (ก), weighted (ค), รวม, score out of 100), so viewers that do not recalculate show
  kpixl's scores and the copy stays a live workbook;
* colours every cell a finding points at by its worst severity and explains it in a
  comment (Thai, English on the line below);
* starts with a report sheet (:data:`kpixl.layout.REPORT_SHEET`) that prints on A4: the
  summary, a legend and a table of every finding, each cell address a link to the cell;
* records in the very hidden ``_kpixl`` sheet what it added, so that annotating the copy
  again (a division corrected it and sent it back) first takes the old annotation away.

The copy is written by patching the original package (:mod:`kpixl.patch`): only the parts
that change are rewritten, every other part — charts, pictures, Excel 2010 validations,
sparklines, whatever a division's Excel added — is copied byte for byte. A package the
patcher refuses (Strict OOXML, a worksheet part it cannot locate, malformed XML, cells
without references, …) goes through openpyxl first (:mod:`kpixl.patch.fallback`), and what
openpyxl drops is returned as ``file-part-dropped`` findings. Either way a macro-enabled
input gives a macro-free .xlsx.

Text that came from a workbook or a user is always written as a string cell, never a
formula.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpixl import layout as L
from kpixl.atomic import atomic_path
from kpixl.cells import cell_ref, column_letter, parse_cell
from kpixl.findings import FINDING_COLUMNS, SEVERITIES, finding, findings_frame, frame_records
from kpixl.fiscal import format_date_th
from kpixl.gcfreeze import older_objects_frozen
from kpixl.outputs.status import local_time
from kpixl.patch import PatchUnsupported, fallback
from kpixl.patch import record as R
from kpixl.patch.comments import Comments
from kpixl.patch.dropped import VBA, describe
from kpixl.patch.package import Package
from kpixl.patch.report import Cell, Layout, Look, render
from kpixl.patch.sheet import KEEP, CellEdit, Worksheet
from kpixl.patch.styles import Styles
from kpixl.patch.workbook import STYLES_REL, Workbook, add_to_app_properties, selected, unselect
from kpixl.safety import UnusableFile

AUTHOR = "kpixl"
"""Author of the comments kpixl adds."""

SEVERITY_TH: dict[str, str] = {"error": "ข้อผิดพลาด", "warning": "คำเตือน", "info": "ข้อมูล"}
SEVERITY_SYMBOL: dict[str, str] = {"error": "✖", "warning": "⚠", "info": "ℹ"}
SEVERITY_FILL: dict[str, str] = {"error": "DE6E56", "warning": "F4A261", "info": "C9DDF0"}
"""Fill (RGB) of a flagged cell by its worst finding. Vermillion, orange and light blue:
hues that stay apart for red-green colour-blind readers (blue against the warm pair), and a
lightness ladder that also holds in greyscale print — CIE L* ≈ 59, 74 and 87, all below the
template's input yellow FFF2CC (96) and formula green E2EFDA (93), so a flagged input cell
never looks like an ordinary one. Black text keeps a contrast of at least 6.5 : 1 on each.
Colour is never the only sign: the comment and the report name the severity in words with
a symbol (✖ ⚠ ℹ)."""
ACTOR_TH: dict[str, str] = {"centre": "ส่วนกลาง", "division": "กอง"}

FILLS_COLUMNS: tuple[str, ...] = ("sheet", "cell", "value")
MAX_ROW = 1_048_576
MAX_COLUMN = 16_384

REPORT_COLUMNS: tuple[L.Field, ...] = (
    L.Field("severity", "ระดับ", 12),
    L.Field("sheet", "แผ่นงาน", 12),
    L.Field("cell", "ช่อง", 6),
    L.Field("kpi_id", "ตัวชี้วัด", 7),
    L.Field("kpi_name", "ชื่อตัวชี้วัด", 20),
    L.Field("actor", "ผู้แก้ไข", 8),
    L.Field("message_th", "ปัญหาและวิธีแก้ไข", 36),
    L.Field("message_en", "Message (English)", 25),
    L.Field("code", "รหัสปัญหา", 12),
)
"""The report table's columns: (key, Thai header, width). 138 characters wide: fitted to one
A4 page in landscape, TH Sarabun New 14 pt prints at about 11 pt (LibreOffice measured)."""
WRAPPED = ("sheet", "kpi_name", "message_th", "message_en", "code")

SUMMARY_LABELS: dict[str, str] = {
    "division_name": "กอง/สำนัก",
    "division_code": "รหัสกอง",
    "fiscal_year_be": "ปีงบประมาณ พ.ศ.",
    "source": "ไฟล์ที่ตรวจ",
    "checked_at": "ตรวจเมื่อ",
    "template_version": "รุ่นแม่แบบ",
    "kpis": "จำนวนตัวชี้วัด",
    "unscored": "ตัวชี้วัดที่ยังไม่มีคะแนน",
    "total": "รวมคะแนน (ค) (เต็ม ๕)",
    "score_100": "สรุปคะแนน เต็ม ๑๐๐",
    "complete": "ความครบถ้วน",
}
"""Summary keys in the order the report shows them, with their Thai labels. Other keys are
shown after these, under their own names."""
COMPLETE_TEXT = {
    True: "ครบ — คิดคะแนนได้ทุกตัวชี้วัด",
    False: "ยังไม่ครบ — มีตัวชี้วัดที่ยังคิดคะแนนไม่ได้ คะแนนนี้จึงยังไม่ใช่คะแนนสุดท้าย",
}
WAITING_FOR_CENTRE = (
    "ยังไม่ครบ — ตัวชี้วัดที่ยังคิดคะแนนไม่ได้รอส่วนกลางแก้ไขเกณฑ์ในไฟล์ข้อมูลหลัก "
    "กอง/สำนักไม่ต้องดำเนินการใด ๆ คะแนนนี้จึงยังไม่ใช่คะแนนสุดท้าย"
)
"""The completeness shown when every KPI not scored waits for the centre (its criteria
cannot be read, ``kpi-unscorable``): nothing there is the division's to do."""
NOTHING_TO_SCORE = "ไม่มีตัวชี้วัดที่ต้องคิดคะแนน (มีเฉพาะแผนเป้าหมาย)"
SCORE_KEYS = ("total", "score_100")
TITLE = "รายงานผลการตรวจแบบประเมินผลสัมฤทธิ์ของงาน (kpixl)"
LINE_PT = L.LINE_PT
"""Points per line of TH Sarabun New 14 pt (its line gap is large; LibreOffice measured)."""


def severity_label(severity: str) -> str:
    """``✖ ข้อผิดพลาด``: the symbol and Thai word of a severity."""
    return f"{SEVERITY_SYMBOL[severity]} {SEVERITY_TH[severity]}"


@older_objects_frozen()  # a copy takes ~12 ms, a full pass of the collector ~50
def annotate_workbook(
    src: Path,
    dst: Path,
    *,
    findings: pd.DataFrame,
    fills: pd.DataFrame,
    summary: Mapping[str, Any],
    dropped_parts: Sequence[str] = (),
) -> pd.DataFrame:
    """Write the annotated copy of workbook ``src`` to ``dst`` (atomically).

    Args:
        src: The workbook a division returned (.xlsx or .xlsm), or a checked copy of it
            sent back corrected. Never written to.
        dst: Where the copy goes; must end in ``.xlsx`` (the copy never keeps macros) and
            must not be ``src``.
        findings: Findings about this workbook; columns :data:`kpixl.findings.FINDING_COLUMNS`,
            and optionally ``actor`` (``centre``/``division``) and ``kpi_name``. A finding
            whose ``sheet`` and ``cell`` (or ``row``/``column``) exist marks that cell (the
            top-left cell of a merged range); every finding is listed on the report sheet.
        fills: Computed values; columns ``sheet, cell, value``. A cell holding a formula
            keeps it and gets ``value`` as its cached result; another cell gets ``value``
            as its content (None/NA: blank). A fill of a cell hidden inside a merged range
            is left out (the range's top-left cell keeps what it shows).
        summary: What the report's summary shows; keys as in :data:`SUMMARY_LABELS`
            (``complete`` a bool), all optional, others shown under their own names.
        dropped_parts: Names of the parts of ``src`` openpyxl cannot carry (from
            :mod:`kpixl.safety`); reported when the openpyxl fallback is taken.

    Returns:
        The findings the annotation itself raised (``file-part-dropped``: what the copy
        could not carry); columns :data:`kpixl.findings.FINDING_COLUMNS`. They are on the
        report sheet too.

    Raises:
        ValueError: ``dst`` is ``src`` or not an .xlsx path; a frame lacks a column; a
            finding has an unknown severity; a fill names a sheet or cell that does not
            exist.
        UnusableFile: neither the patcher nor openpyxl can read ``src`` (``file-corrupt``).
    """
    src, dst = Path(src), Path(dst)
    if _same_file(src, dst):
        raise ValueError(f"refusing to write the annotated copy over its input {src}")
    if dst.suffix.lower() != ".xlsx":
        raise ValueError(f"the annotated copy is always .xlsx, got {dst.name!r}")
    _require_columns(findings, FINDING_COLUMNS, "findings")
    _require_columns(fills, FILLS_COLUMNS, "fills")
    unknown = set(findings["severity"].astype(str)) - set(SEVERITIES)
    if unknown:
        raise ValueError(f"unknown finding severities: {sorted(unknown)}")
    source = str(summary.get("source") or src.name)
    records = _records(findings)
    wanted = [
        (str(r["sheet"]), str(r["cell"]), _plain(r["value"]))
        for r in frame_records(fills, FILLS_COLUMNS)
    ]
    job = _Job(records, wanted, summary, source)
    try:
        with atomic_path(dst) as temp:
            return job.run(src, temp, [])
    except PatchUnsupported as why:
        reason = str(why)
    with tempfile.TemporaryDirectory(prefix="kpixl-annotate-") as folder:
        normalised = Path(folder) / "normalised.xlsx"
        losses = fallback.normalise(src, normalised, extensions_known=bool(dropped_parts))
        parts = [*dropped_parts, *losses]
        try:
            with atomic_path(dst) as temp:
                return job.run(normalised, temp, list(dict.fromkeys(parts)))
        except PatchUnsupported as again:
            detail = f"{reason}; after openpyxl: {again}"[:200]
            raise UnusableFile("file-corrupt", {"reason": detail}) from again


# -- checks and plain values ---------------------------------------------------------------


def _same_file(src: Path, dst: Path) -> bool:
    if src.resolve() == dst.resolve():
        return True
    try:
        return os.path.samefile(src, dst)
    except OSError:
        return False


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} frame lacks columns {missing}")


def _records(findings: pd.DataFrame) -> list[dict[str, Any]]:
    """The findings as records: the fixed columns, plus ``actor`` and ``kpi_name``."""
    extras = (
        c for c in ("actor", "kpi_name") if c in findings.columns and c not in FINDING_COLUMNS
    )
    columns = [*FINDING_COLUMNS, *extras]
    records = []
    for rec in frame_records(findings, columns):
        clean: dict[str, Any] = {k: ("" if not _present(v) else str(v)) for k, v in rec.items()}
        clean["row"], clean["column"] = _int(rec["row"]), _int(rec["column"])
        clean.setdefault("actor", "")
        clean.setdefault("kpi_name", "")
        records.append(clean)
    return records


def _plain(value: Any) -> Any:
    """A value a cell can hold: numpy scalars unwrapped, NA/NaN as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _present(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def _address(text: str) -> tuple[int, int] | None:
    try:
        row, column = parse_cell(text)
    except ValueError:
        return None
    if not (1 <= row <= MAX_ROW and 1 <= column <= MAX_COLUMN):
        return None
    return row, column


def _int(value: Any) -> int:
    return 0 if value is None or value is pd.NA or pd.isna(value) else int(value)


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


# -- one annotation --------------------------------------------------------------------------


@dataclass
class _Row:
    """One finding with the cell it marks (None when not in the workbook) and its link."""

    rec: dict[str, Any]
    order: int
    target: tuple[str, int, int] | None
    link: str | None


class _Job:
    """What to write, and the writing of it into one package."""

    def __init__(
        self,
        records: list[dict[str, Any]],
        fills: list[tuple[str, str, Any]],
        summary: Mapping[str, Any],
        source: str,
    ) -> None:
        self.records = records
        self.fills = fills
        self.summary = summary
        self.source = source

    def run(self, src: Path, target: Path, lost: list[str]) -> pd.DataFrame:
        """Write the copy of ``src`` to ``target``; return the ``file-part-dropped`` findings."""
        package = Package.open(src)
        try:
            return self._run(package, target, lost)
        finally:
            package.close()

    def _run(self, package: Package, target: Path, lost: list[str]) -> pd.DataFrame:
        book = Workbook(package)
        meta = R.read_meta(package, book)
        R.restore(package, book, R.recorded(meta), meta)
        if package.changed or package.deleted:
            meta = R.read_meta(package, book)
        if book.drop_macros():
            lost = [*lost, describe(VBA)]
        own = findings_frame(
            finding("file-part-dropped", source=self.source, value=part, part=part) for part in lost
        )
        everything = [
            *self.records,
            *({**r, "actor": "", "kpi_name": ""} for r in frame_records(own)),
        ]
        entries = {s.name: s for s in book.sheets()}
        worksheets: dict[str, Worksheet] = {}

        def sheet(name: str) -> Worksheet | None:
            entry = entries.get(name)
            if entry is None or entry.part is None or entry.kind != "worksheet":
                return None
            if name not in worksheets:
                worksheets[name] = Worksheet(package, entry.part, date1904=book.date1904)
            return worksheets[name]

        merged: dict[str, list[tuple[int, int, int, int]]] = {}

        def anchor(name: str, row: int, column: int) -> tuple[int, int]:
            if name not in merged:
                ws = sheet(name)
                merged[name] = ws.merged() if ws is not None else []
            ranges = merged[name]
            for top, left, bottom, right in ranges:
                if top <= row <= bottom and left <= column <= right:
                    return top, left
            return row, column

        values: dict[tuple[str, int, int], Any] = {}
        for name, address, value in self.fills:
            where = _address(address)
            if sheet(name) is None or where is None:
                raise ValueError(f"fill for a cell that does not exist: {name!r}!{address}")
            # A cell a division merged into another one is hidden by the merge: filling the
            # range's top-left cell would overwrite what the division typed there.
            if anchor(name, *where) == where:
                values[(name, *where)] = value

        rows = self._resolve(everything, entries, sheet, anchor)
        marks: dict[tuple[str, int, int], list[_Row]] = {}
        for item in rows:
            if item.target is not None and item.target[0] != L.META_SHEET:
                marks.setdefault(item.target, []).append(item)
        style_part = book.related(STYLES_REL)
        if style_part is None:
            raise PatchUnsupported("no style sheet")
        styles = Styles(package, style_part)
        cells_log: list[dict[str, Any]] = []
        comments_log: list[dict[str, Any]] = []
        touched = sorted({k[0] for k in values} | {k[0] for k in marks})
        for name in touched:
            ws = sheet(name)
            assert ws is not None
            texts = {
                (r, c): "\n\n".join(_comment_entry(hit.rec) for hit in hits)
                for (n, r, c), hits in marks.items()
                if n == name
            }
            legacy = ws.legacy_drawing()
            comments = Comments(package, ws.part, legacy)
            before = comments.notes()
            comments.put(texts, AUTHOR)
            for where in sorted(texts):
                note = before.get(where)
                comments_log.append(
                    {
                        "sheet": name,
                        "cell": cell_ref(*where),
                        "original": note.text if note else None,
                    }
                )
            present = ws.cells({r for (n, r, _) in [*values, *marks] if n == name})
            edits: dict[tuple[int, int], CellEdit] = {}
            for key in sorted({k for k in [*values, *marks] if k[0] == name}):
                where = (key[1], key[2])
                restyle = None
                if key in marks:
                    colour = SEVERITY_FILL[marks[key][0].rec["severity"]]
                    restyle = _restyler(styles, colour)
                edits[where] = CellEdit(values.get(key, KEEP), restyle)
                old = present.get(where)
                cells_log.append(
                    {
                        "sheet": name,
                        "cell": cell_ref(*where),
                        "xf": old.style if old else ws.default_style(*where),
                        "filled": key in values,
                    }
                )
            ws.apply(
                edits, unselect=selected(package, ws.part), legacy_drawing=comments.new_legacy_rel
            )
        for entry in entries.values():
            if (
                entry.part
                and entry.name not in touched
                and entry.kind in ("worksheet", "chartsheet")
                and selected(package, entry.part)
            ):
                unselect(package, entry.part)
        layout = self._layout(rows)
        report_part = package.free_name("xl/worksheets/sheet{}.xml")
        package.add(report_part, render(layout, styles))
        styles.flush()
        quoted = _quote_sheet(L.REPORT_SHEET)
        book.insert_first(
            L.REPORT_SHEET,
            report_part,
            [
                (
                    "_xlnm._FilterDatabase",
                    f"{quoted}!$A${layout.header}:$I${max(layout.last, layout.header + 1)}",
                    True,
                ),
                ("_xlnm.Print_Titles", f"{quoted}!${layout.header}:${layout.header}", False),
            ],
        )
        add_to_app_properties(package, L.REPORT_SHEET)
        if meta is not None:
            record = {
                "version": 1,
                "parts": {
                    part: {
                        "sha": package.digest(part),
                        "splices": [[s.start, s.was.decode(), s.now.decode()] for s in splices],
                    }
                    for part, splices in package.journal.items()
                    if part != meta.part
                },
                "added": {part: package.digest(part) for part in sorted(package.fresh)},
                "cells": cells_log,
                "comments": comments_log,
            }
            R.write(package, meta, record)
        package.save(target)
        return own

    def _resolve(
        self,
        records: list[dict[str, Any]],
        entries: Mapping[str, Any],
        sheet: Any,
        anchor: Any,
    ) -> list[_Row]:
        """Each finding with its target cell and link, sorted by severity then position."""
        order = {name: i for i, name in enumerate(entries)}
        rows = []
        for number, rec in enumerate(records):
            name, address = str(rec["sheet"]), str(rec["cell"])
            if not address and _int(rec["row"]) and _int(rec["column"]):
                address = cell_ref(_int(rec["row"]), _int(rec["column"]))
                rec["cell"] = address
            where = _address(address) if address else None
            target = link = None
            if name and where is not None and sheet(name) is not None:
                target = (name, *anchor(name, *where))
                if entries[name].state == "visible":
                    link = f"{_quote_sheet(name)}!{cell_ref(*where)}"
            rows.append(_Row(rec, number, target, link))
        rank = {s: i for i, s in enumerate(SEVERITIES)}

        def key(row: _Row) -> tuple[int, int, int, int, int]:
            name = row.rec["sheet"]
            position = order.get(name, len(order)) + 1 if name else 0
            where = _address(row.rec["cell"]) if row.rec["cell"] else None
            r, c = where or (0, 0)
            return rank[row.rec["severity"]], position, r, c, row.order

        return sorted(rows, key=key)

    # -- the report --------------------------------------------------------------------------
    def _layout(self, rows: list[_Row]) -> Layout:
        summary = self.summary
        layout = Layout(L.REPORT_SHEET, widths=[c.width for c in REPORT_COLUMNS])
        title = Look(size=16, bold=True)
        note = Look(italic=True, colour="555555", wrap=True)
        label = Look(bold=True)
        text = Look(horizontal="left")
        put = layout.cells.__setitem__
        put((1, 1), Cell(TITLE, title))
        layout.heights[1] = 27
        heading = " ".join(
            str(summary[k]) for k in ("division_name", "division_code") if _present(summary.get(k))
        )
        if _present(summary.get("fiscal_year_be")):
            heading = f"{heading} ปีงบประมาณ พ.ศ. {summary['fiscal_year_be']}".strip()
        put((2, 1), Cell(heading, Look(size=14)))
        put(
            (3, 1),
            Cell(
                "ช่องที่มีปัญหาในแผ่นงานอื่นระบายสีไว้ และมีข้อคิดเห็น (comment) บอกวิธีแก้ไข · "
                "คลิกที่ช่องในคอลัมน์ “ช่อง” เพื่อไปยังตำแหน่งนั้น · ช่องคะแนน (ก) (ค) รวม และคะแนน"
                "เต็ม ๑๐๐ แสดงค่าที่ kpixl คำนวณ",
                note,
            ),
        )
        # Long lines wrap inside merged cells: text overflowing the last column would widen
        # the printed area, and fitting it to the page would shrink every font.
        span = sum(c.width for c in REPORT_COLUMNS)
        last_column = column_letter(len(REPORT_COLUMNS))
        layout.merges.append(f"A3:{last_column}3")
        layout.heights[3] = L.row_height([(str(layout.cells[(3, 1)].value), span)], line=LINE_PT)
        row = 5
        centre = {r["kpi_id"] for r in self.records if r["code"] == "kpi-unscorable"}
        for key, caption, value in _summary_items(summary, len(centre)):
            put((row, 1), Cell(caption, label))
            layout.merges.append(f"C{row}:{last_column}{row}")
            layout.heights[row] = L.row_height([(str(value), span - 24)], line=LINE_PT)
            look = Look(
                bold=key in SCORE_KEYS,
                horizontal="left",
                number_format=2 if key in SCORE_KEYS and isinstance(value, float) else 0,
            )
            put((row, 3), Cell(value, look))
            row += 1
        counts = {sev: sum(r.rec["severity"] == sev for r in rows) for sev in SEVERITIES}
        for severity in SEVERITIES:
            put(
                (row, 1),
                Cell(
                    f"{severity_label(severity)} (ช่องสีนี้)",
                    Look(bold=True, fill=SEVERITY_FILL[severity]),
                ),
            )
            # The legend's words stay inside their colour (column A alone is too narrow).
            layout.merges.append(f"A{row}:B{row}")
            put((row, 3), Cell(counts[severity], text))
            row += 1
        header = row + 1
        head = Look(
            bold=True, fill="DDEBF7", border=True, horizontal="center", vertical="center", wrap=True
        )
        for number, column in enumerate(REPORT_COLUMNS, 1):
            put((header, number), Cell(column.label, head))
        layout.heights[header] = LINE_PT + 6
        for index, item in enumerate(rows, header + 1):
            rec = item.rec
            shown = {
                **rec,
                "severity": severity_label(rec["severity"]),
                "actor": ACTOR_TH.get(str(rec.get("actor", "")), str(rec.get("actor", ""))),
            }
            for number, column in enumerate(REPORT_COLUMNS, 1):
                look = Look(border=True, wrap=column.key in WRAPPED, colour="", fill="")
                if column.key == "severity":
                    look = Look(border=True, bold=True, fill=SEVERITY_FILL[rec["severity"]])
                cell = Cell(str(shown[column.key]), look)
                if column.key == "cell" and item.link is not None:
                    cell = Cell(
                        str(rec["cell"]),
                        Look(border=True, colour="0563C1", underline=True),
                        item.link,
                        f"ไปที่ช่อง {rec['cell']} ในแผ่นงาน {rec['sheet']}",
                    )
                if column.key == "code":
                    cell.look = Look(border=True, wrap=True, colour="555555")
                put((index, number), cell)
            layout.heights[index] = L.row_height(
                ((str(shown[c.key]), c.width) for c in REPORT_COLUMNS if c.key in WRAPPED),
                line=LINE_PT,
            )
        layout.header = header
        layout.last = header + max(len(rows), 1)
        return layout


def _restyler(styles: Styles, colour: str) -> Any:
    return lambda old: styles.marked(old, colour)


def _comment_entry(rec: Mapping[str, Any]) -> str:
    lines = [f"{severity_label(rec['severity'])}: {rec['message_th']}"]
    if rec["message_en"]:
        lines.append(str(rec["message_en"]))
    return "\n".join(lines)


def _summary_items(
    summary: Mapping[str, Any], centre_unscorable: int = 0
) -> list[tuple[str, str, Any]]:
    """(key, Thai label, cell value) for each summary entry, known keys first.

    ``centre_unscorable`` KPIs cannot be scored until the centre corrects its master: when
    they are all the KPIs not scored, the completeness says the division need do nothing.
    """
    keys = [k for k in SUMMARY_LABELS if k in summary]
    keys += [k for k in summary if k not in SUMMARY_LABELS]
    nothing = _present(summary.get("kpis")) and _plain(summary.get("kpis")) == 0
    unscored = _plain(summary.get("unscored")) if _present(summary.get("unscored")) else None
    waiting = bool(centre_unscorable) and unscored is not None and unscored <= centre_unscorable
    items = []
    for key in keys:
        value = summary[key]
        if key == "complete" and _present(value):
            shown: Any = (
                NOTHING_TO_SCORE
                if nothing
                else WAITING_FOR_CENTRE
                if waiting and not value
                else COMPLETE_TEXT[bool(value)]
            )
        elif key in SCORE_KEYS and not _present(value):
            shown = "— (ไม่มีตัวชี้วัดที่ต้องคิดคะแนน)" if nothing else "— (ยังคิดคะแนนไม่ได้)"
        else:
            shown = _summary_value(value)
        items.append((key, SUMMARY_LABELS.get(key, str(key)), shown))
    return items


def _summary_value(value: Any) -> Any:
    value = _plain(value)
    if not _present(value):
        return "—"
    if isinstance(value, bool):
        return "ใช่" if value else "ไม่ใช่"
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        # A moment with its zone (when kpixl checked, UTC) is shown in Bangkok time.
        moment = local_time(value) or value
        return f"{format_date_th(moment)} {moment:%H:%M}"
    if isinstance(value, dt.date):
        return format_date_th(value)
    if isinstance(value, Iterable):
        return ", ".join(str(v) for v in value)
    return str(value)
