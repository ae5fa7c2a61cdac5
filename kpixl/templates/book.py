"""A division's whole workbook: the sheets in order, and the hidden definitions."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import xlsxwriter

from kpixl import layout as L
from kpixl.atomic import atomic_path
from kpixl.definitions import Definitions, parse_definitions
from kpixl.errors import UnusableMaster
from kpixl.master import Master, canonical_json, division_definitions, text_fingerprint
from kpixl.templates import styles as S
from kpixl.templates.data import write_data
from kpixl.templates.form import write_form
from kpixl.templates.pages import write_agreement, write_details
from kpixl.templates.plan import Plan, plan_workbook
from kpixl.templates.survey import write_survey
from kpixl.templates.target import write_target

DEFINITIONS_CHUNK = 30000
"""Excel keeps at most 32,767 characters in a cell; the definitions JSON is split."""


def workbook_name(master: Master, division_code: str) -> str:
    """File name of a division's workbook: ``kpixl_2565_FIN.xlsx``."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", division_code) or "division"
    return f"kpixl_{master.fiscal_year_be}_{safe}.xlsx"


def write_templates(master: Master, out_dir: Path | str) -> list[Path]:
    """Write one division workbook per division of ``master`` into ``out_dir``.

    Returns:
        The paths written, in division order.

    Raises:
        UnusableMaster: the master has no valid fiscal year (nothing can be dated).
    """
    out = Path(out_dir)
    return [
        write_division_workbook(master, code, out / workbook_name(master, code))
        for code in master.division_codes()
    ]


def write_division_workbook(master: Master, division_code: str, path: Path | str) -> Path:
    """Write the workbook of one division (atomically).

    Raises:
        KeyError: ``division_code`` is not in the master.
        UnusableMaster: the master has no valid fiscal year.
    """
    raw = division_definitions(master, division_code)
    definitions = parse_definitions(raw)
    if definitions.fiscal_year_be is None:
        raise UnusableMaster(
            "the master has no valid fiscal year (ปีงบประมาณ พ.ศ.); no workbook can be made"
        )
    plan = plan_workbook(definitions)
    password = master.organisation.get("sheet_password", "")
    with atomic_path(Path(path)) as temp:
        book = xlsxwriter.Workbook(
            str(temp),
            {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )
        book.formats[0].set_font_name(S.FONT)
        book.formats[0].set_font_size(S.BODY)
        _write(book, plan, raw, password)
        book.close()
    return Path(path)


def _write(book: Any, plan: Plan, raw: dict[str, Any], password: str) -> None:
    f = S.formats(book)
    defs = plan.definitions
    # A target-sheet-only division (nothing to score) has no agreement and no scoring form:
    # its workbook opens on, and prints only, its target sheet.
    agreement = book.add_worksheet(L.AGREEMENT_SHEET) if defs.scored else None
    form = book.add_worksheet(L.FORM_SHEET) if defs.scored else None
    details = book.add_worksheet(L.DETAIL_SHEET) if defs.scored else None
    data = book.add_worksheet(L.DATA_SHEET) if plan.data_needed else None
    surveys = {s.sheet: book.add_worksheet(s.sheet) for s in plan.surveys}
    target = book.add_worksheet(L.TARGET_SHEET)
    meta = book.add_worksheet(L.META_SHEET)
    if agreement is not None:
        write_agreement(agreement, f, defs, plan.fiscal_year_be)
        S.protect(agreement, password)
    if form is not None:
        write_form(form, f, plan, password)
    if details is not None:
        write_details(details, f, defs, plan.fiscal_year_be)
        S.protect(details, password)
    if data is not None:
        write_data(data, f, plan, password)
    for kpi_plan in plan.kpis:
        if kpi_plan.survey is not None:
            write_survey(surveys[kpi_plan.survey.sheet], f, kpi_plan.kpi, kpi_plan.survey, password)
    write_target(target, f, plan, password)
    _write_meta(meta, defs, raw, plan, password)
    (form or target).activate()


def _write_meta(
    sheet: Any, defs: Definitions, raw: dict[str, Any], plan: Plan, password: str
) -> None:
    # Canonical, so that a reader proves the definitions intact by hashing the text itself.
    text = canonical_json(raw)
    sheets = {"form": L.FORM_SHEET} if defs.scored else {}
    sheets.update({"data": L.DATA_SHEET, "target": L.TARGET_SHEET})
    sheets.update({f"survey:{p.kpi.kpi_id}": p.survey.sheet for p in plan.kpis if p.survey})
    rows: list[tuple[str, str]] = [
        ("kpixl", L.MARKER),
        ("template_version", str(L.TEMPLATE_VERSION)),
        ("division_code", defs.division_code),
        ("division_name", defs.division_name),
        ("fiscal_year_be", str(raw.get("organisation", {}).get("fiscal_year_be", ""))),
        ("created", dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("sheets", json.dumps(sheets, ensure_ascii=False, sort_keys=True)),
        ("fingerprint", text_fingerprint(text)),
    ]
    rows += [
        ("definitions", text[i : i + DEFINITIONS_CHUNK])
        for i in range(0, len(text), DEFINITIONS_CHUNK)
    ]
    for row, (key, value) in enumerate(rows):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, value)
    sheet.very_hidden()
    S.protect(sheet, password)
