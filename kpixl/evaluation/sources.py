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
from typing import Any

import pandas as pd

from kpixl import layout as L
from kpixl.definitions import Definitions, parse_definitions
from kpixl.findings import concat_findings, finding, findings_frame
from kpixl.master import Master, division_definitions, fingerprint
from kpixl.thai import clean_text
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


class DefinitionSource:
    """Builds each master division's :class:`Definitions` once (kept across batches: see
    :func:`master_signature`)."""

    def __init__(self, masters: Sequence[Master]) -> None:
        self.masters = list(masters)
        self._cache: dict[tuple[int, str], tuple[Definitions, str]] = {}
        self._signatures: dict[int, str] = {}

    def master_for(self, book: WorkbookData) -> Master | None:
        """The master that defines this workbook's division, its fiscal year's first."""
        having = [m for m in self.masters if book.division_code in m.division_codes()]
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

    def choose(self, book: WorkbookData) -> tuple[Definitions | None, pd.DataFrame]:
        """The definitions that count for ``book``, and the findings of the choice."""
        at: dict[str, Any] = {"source": book.source, "sheet": L.META_SHEET}
        if not self.masters:
            if book.trusted and book.definitions is not None:
                return embedded_definitions(book), _NOTHING
            return None, findings_frame([_altered(book, at, with_master=False)])
        master = self.master_for(book)
        if master is None:
            unknown = finding("master-unknown-division", **at, value=book.division_code or "—")
            embedded = embedded_definitions(book) if book.trusted else None
            altered = [] if book.trusted else [_altered(book, at, with_master=False)]
            return embedded, findings_frame([unknown, *altered])
        centre, centre_print = self._centre(master, book.division_code)
        found = [] if book.trusted else [findings_frame([_altered(book, at, with_master=True)])]
        same = book.intact and book.meta.get("fingerprint") == centre_print
        if book.definitions is not None and not same:
            # Even altered definitions are compared: the differences show what was changed.
            # (Definitions with the centre's own fingerprint are the centre's: none differs.)
            found.append(compare_definitions(book.source, book.definitions, centre.raw))
        return centre, concat_findings(found) if found else _NOTHING


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


def compare_definitions(
    source: str, embedded: Mapping[str, Any], centre: Mapping[str, Any]
) -> pd.DataFrame:
    """``differs-from-master`` for each field the workbook's definitions have otherwise."""
    records = []
    at: dict[str, Any] = {"source": source, "sheet": L.META_SHEET}
    fy_book = str((embedded.get("organisation") or {}).get("fiscal_year_be", ""))
    fy_master = str((centre.get("organisation") or {}).get("fiscal_year_be", ""))
    if fy_book != fy_master:
        records.append(
            finding(
                "differs-from-master",
                **at,
                value=fy_book,
                expected=fy_master,
                field=FIELD_TH["fiscal_year_be"],
            )
        )
    mine = {k.get("kpi_id"): k for k in embedded.get("kpis", []) or []}
    theirs = {k.get("kpi_id"): k for k in centre.get("kpis", []) or []}
    for kpi_id in sorted(set(mine) | set(theirs), key=str):
        a, b = mine.get(kpi_id), theirs.get(kpi_id)
        if a is None or b is None:
            records.append(
                finding(
                    "differs-from-master",
                    **at,
                    kpi_id=str(kpi_id),
                    value=kpi_id if a else "—",
                    expected=kpi_id if b else "—",
                    field=FIELD_TH["kpi_id"],
                )
            )
            continue
        for key, label in FIELD_TH.items():
            if key in a and key in b and clean_text(str(a[key])) != clean_text(str(b[key])):
                records.append(
                    finding(
                        "differs-from-master",
                        **at,
                        kpi_id=str(kpi_id),
                        value=a[key],
                        expected=b[key],
                        field=label,
                    )
                )
    return findings_frame(records)


def choose_all(
    books: Sequence[WorkbookData], masters: Sequence[Master]
) -> tuple[dict[str, Definitions], pd.DataFrame]:
    """The definitions that count for each workbook (source → definitions) and the
    findings of the choice; a workbook without usable definitions is left out."""
    chooser = DefinitionSource(masters)
    used: dict[str, Definitions] = {}
    found = []
    for book in books:
        definitions, findings = chooser.choose(book)
        found.append(findings)
        if definitions is not None:
            used[book.source] = definitions
    return used, concat_findings(found)
