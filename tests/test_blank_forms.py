"""The blank division workbooks in ``templates/`` are what ``templates/build_templates.py``
makes today from the bundled masters: one per division, the same cells in every sheet."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import openpyxl

from kpixl import layout as L
from kpixl.masterfile import read_master
from kpixl.templates import workbook_name

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
_spec = importlib.util.spec_from_file_location("build_templates", TEMPLATES / "build_templates.py")
assert _spec is not None and _spec.loader is not None
build_templates = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_templates)

REBUILD = "run python templates/build_templates.py"
VOLATILE = {"created"}
"""Rows of the hidden sheet that differ by the moment a workbook is made."""


def _cells(path: Path) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(path)
    cells = {}
    for sheet in book.worksheets:
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        if sheet.title == L.META_SHEET:
            rows = [row for row in rows if row and row[0] not in VOLATILE]
        cells[sheet.title] = rows
    return cells


def test_every_division_of_every_bundled_master_has_its_blank_form() -> None:
    for name, master_file in build_templates.MASTERS.items():
        master, _ = read_master(master_file)
        committed = sorted(p.name for p in (TEMPLATES / name).glob("*.xlsx"))
        expected = sorted(workbook_name(master, code) for code in master.division_codes())
        assert committed == expected, name


def test_the_blank_forms_are_what_the_build_script_makes(tmp_path: Path) -> None:
    rebuilt = build_templates.build(tmp_path)
    assert rebuilt
    for path in rebuilt:
        kept = TEMPLATES / path.relative_to(tmp_path)
        assert kept.is_file(), f"{kept} is missing: {REBUILD}"
        assert _cells(path) == _cells(kept), f"{kept} drifted: {REBUILD}"
