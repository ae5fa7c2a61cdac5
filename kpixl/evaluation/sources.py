"""Which definitions count for each workbook.

With a master (or several), the master's definitions of the workbook's division count —
of its fiscal year first — and the workbook's embedded copy is compared with them
(``differs-from-master``). Without one, the embedded copy counts, but only when its
fingerprint holds: a workbook whose hidden definitions were altered cannot be scored from
itself, and the finding says that the centre's master is needed. Never the division's
visible, possibly edited, cells.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kpixl import layout as L
from kpixl.definitions import Definitions, parse_definitions
from kpixl.findings import concat_findings, finding, findings_frame
from kpixl.master import Master, division_definitions, fingerprint
from kpixl.workbook import WorkbookData

FIELD_TH: dict[str, str] = {
    "kpi_id": "ตัวชี้วัดที่",
    "issue": "งานที่นำเสนอ",
    "name": "ตัวชี้วัดผลงาน",
    "unit": "หน่วยวัด",
    "kpi_type": "ประเภทตัวชี้วัด",
    "weight": "ค่าน้ำหนัก (ข)",
    "kind": "ชนิดเกณฑ์",
    "quarter": "ไตรมาส",
    "group_id": "ตัวชี้วัดหลัก",
    "fiscal_year_be": "ปีงบประมาณ",
    **{f"level_{n}": f"เกณฑ์ระดับ {n}" for n in range(1, 6)},
}
"""Thai names of the fields a finding about the centre's definitions names."""


_KEPT_DEFINITIONS = 256
"""Typed definitions kept between evaluations (a round is evaluated chunk by chunk, and a
master's division is typed once, not once per chunk); each entry is a few KPIs."""
_PARSED: OrderedDict[tuple[str, ...], tuple[Definitions, str]] = OrderedDict()


def _remembered(
    key: tuple[str, ...], make: Callable[[], dict[str, Any]]
) -> tuple[Definitions, str]:
    """The definitions (and their fingerprint) stored under ``key``, made when new."""
    found = _PARSED.get(key)
    if found is None:
        raw = make()
        found = (parse_definitions(raw), fingerprint(raw))
        _PARSED[key] = found
        while len(_PARSED) > _KEPT_DEFINITIONS:
            _PARSED.popitem(last=False)
    else:
        _PARSED.move_to_end(key)
    return found


def embedded_definitions(book: WorkbookData) -> Definitions | None:
    """The workbook's own definitions, typed (None when it has none). Intact definitions
    are told apart by their fingerprint: the same centre's workbooks share one typing."""
    raw = book.definitions
    if raw is None:
        return None
    if book.intact and book.meta.get("fingerprint"):
        return _remembered(("embedded", book.meta["fingerprint"]), lambda: raw)[0]
    return parse_definitions(raw)


def master_signature(master: Master) -> str:
    """A digest of a master's content: what it defines, however many times it is read or
    changed in place (a different pickle of the same content only costs a new typing)."""
    content = pickle.dumps((sorted(master.organisation.items()), master.frames), protocol=5)
    return hashlib.sha256(content).hexdigest()


_NOTHING = findings_frame()
"""No findings (shared: choose_all only reads it)."""


@dataclass(frozen=True)
class Choice:
    """Which definitions count for a workbook (None: it cannot be scored), the findings
    of that choice, and its definitions beside the centre's (see
    :func:`compared_definitions`; None when they are the centre's own or there is no
    master)."""

    definitions: Definitions | None
    findings: pd.DataFrame = field(default_factory=lambda: _NOTHING)
    compared: pd.DataFrame | None = None


class DefinitionSource:
    """Builds each master division's :class:`Definitions` once (kept across batches: see
    :func:`master_signature`)."""

    def __init__(self, masters: Sequence[Master]) -> None:
        self.masters = list(masters)
        self._cache: dict[tuple[int, str], tuple[Definitions, str]] = {}
        self._signatures: dict[int, str] = {}
        self._codes = [set(m.division_codes()) for m in self.masters]

    def master_for(self, book: WorkbookData) -> Master | None:
        """The master that defines this workbook's division, its fiscal year's first."""
        code = book.division_code
        having = [m for m, codes in zip(self.masters, self._codes, strict=True) if code in codes]
        same_year = [m for m in having if m.fiscal_year_be == book.fiscal_year_be]
        candidates = same_year or having
        return candidates[0] if candidates else None

    def definitions(self, master: Master, code: str) -> Definitions:
        """The master's typed definitions of division ``code``."""
        return self._centre(master, code)[0]

    def _centre(self, master: Master, code: str) -> tuple[Definitions, str]:
        key = (id(master), code)
        if key not in self._cache:
            if id(master) not in self._signatures:
                self._signatures[id(master)] = master_signature(master)
            signature = self._signatures[id(master)]
            self._cache[key] = _remembered(
                ("master", signature, code), lambda: division_definitions(master, code)
            )
        return self._cache[key]

    def choose(self, book: WorkbookData) -> Choice:
        """The definitions that count for ``book``, the findings of the choice and the
        workbook's definitions beside the centre's (when they are not the centre's own)."""
        at: dict[str, Any] = {"source": book.source, "sheet": L.META_SHEET}
        if not self.masters:
            if book.trusted and book.definitions is not None:
                return Choice(embedded_definitions(book))
            return Choice(None, findings_frame([_altered(book, at, with_master=False)]))
        master = self.master_for(book)
        if master is None:
            unknown = finding("master-unknown-division", **at, value=book.division_code or "—")
            embedded = embedded_definitions(book) if book.trusted else None
            altered = [] if book.trusted else [_altered(book, at, with_master=False)]
            return Choice(embedded, findings_frame([unknown, *altered]))
        centre, centre_print = self._centre(master, book.division_code)
        found = _NOTHING if book.trusted else findings_frame([_altered(book, at, with_master=True)])
        same = book.intact and book.meta.get("fingerprint") == centre_print
        if book.definitions is not None and not same:
            # Even altered definitions are compared: the differences show what was changed.
            # (Definitions with the centre's own fingerprint are the centre's: none differs.)
            compared = compared_definitions(book.source, book.definitions, centre.raw)
            return Choice(centre, found, compared)
        return Choice(centre, found)


def _altered(book: WorkbookData, at: Mapping[str, Any], *, with_master: bool) -> dict[str, Any]:
    what_th, what_en = book.altered or ("ข้อมูลกำกับ", "the hidden definitions")
    if with_master:
        consequence = " — ใช้ข้อมูลของส่วนกลางจากไฟล์ข้อมูลหลักแทน"
        consequence_en = "; the centre's master is used instead"
    else:
        consequence = " — ไฟล์นี้จึงยังไม่คิดคะแนน ส่วนกลางต้องตรวจไฟล์นี้ด้วยไฟล์ข้อมูลหลัก (--master)"
        consequence_en = (
            "; the workbook is not scored: the centre must check it with its master (--master)"
        )
    return finding(
        "fingerprint-mismatch",
        **at,
        value="",
        what=what_th,
        what_en=what_en,
        consequence=consequence,
        consequence_en=consequence_en,
    )


COMPARED_COLUMNS = ["source", "sheet", "kpi_id", "field", "value", "expected", "as_text"]
"""The ``definitions`` check table: a field of a workbook's definitions (``value``) beside
the centre's (``expected``), on the hidden definitions sheet; ``as_text``: the two are
compared as clean text (a KPI's fields), else as written (the fiscal year, whether the KPI
is there at all)."""


def compared_definitions(
    source: str, embedded: Mapping[str, Any], centre: Mapping[str, Any]
) -> pd.DataFrame:
    """Every field of the workbook's definitions beside the centre's: the fiscal year, each
    KPI either defines, and each field both define (see :data:`COMPARED_COLUMNS`)."""
    rows: list[tuple[str, str, Any, Any, bool]] = []
    fy_book = str((embedded.get("organisation") or {}).get("fiscal_year_be", ""))
    fy_master = str((centre.get("organisation") or {}).get("fiscal_year_be", ""))
    rows.append(("", FIELD_TH["fiscal_year_be"], fy_book, fy_master, False))
    mine = {k.get("kpi_id"): k for k in embedded.get("kpis", []) or []}
    theirs = {k.get("kpi_id"): k for k in centre.get("kpis", []) or []}
    for kpi_id in sorted(set(mine) | set(theirs), key=str):
        a, b = mine.get(kpi_id), theirs.get(kpi_id)
        if a is None or b is None:
            shown = (kpi_id if a else "—", kpi_id if b else "—")
            rows.append((str(kpi_id), FIELD_TH["kpi_id"], *shown, False))
            continue
        rows += [
            (str(kpi_id), label, a[key], b[key], True)
            for key, label in FIELD_TH.items()
            if key in a and key in b
        ]
    frame = pd.DataFrame(rows, columns=COMPARED_COLUMNS[2:], dtype=object)
    frame.insert(0, "sheet", L.META_SHEET)
    frame.insert(0, "source", source)
    return frame[COMPARED_COLUMNS]


def choose_all(
    books: Sequence[WorkbookData], masters: Sequence[Master]
) -> tuple[dict[str, Definitions], pd.DataFrame, pd.DataFrame]:
    """The definitions that count for each workbook (source → definitions; a workbook
    without usable definitions is left out), the findings of the choice, and the
    ``definitions`` check table (:data:`COMPARED_COLUMNS`)."""
    chooser = DefinitionSource(masters)
    used: dict[str, Definitions] = {}
    choices = [chooser.choose(book) for book in books]
    for book, choice in zip(books, choices, strict=True):
        if choice.definitions is not None:
            used[book.source] = choice.definitions
    compared = [c.compared for c in choices if c.compared is not None]
    return (
        used,
        concat_findings([c.findings for c in choices]),
        pd.concat(compared, ignore_index=True)
        if compared
        else pd.DataFrame(columns=COMPARED_COLUMNS),
    )
