"""Division workbooks (templates) written with xlsxwriter, one per division.

Each workbook holds the agreement page, the scoring form with live formulas for (ก), (ค),
รวม and the score out of 100, one detail page per KPI, the supporting data each kind needs,
one answer sheet per survey KPI, the target sheet (form A) and a very hidden sheet with the
centre's definitions and their fingerprint. Cells the centre defines are locked (sheet
protection); input cells are unlocked, yellow, and validated as you type. Every address is
planned first (:mod:`kpixl.templates.plan`), then one small writer per sheet writes it;
:mod:`kpixl.layout` is the contract with the reader.
"""

from __future__ import annotations

from kpixl.templates.book import workbook_name, write_division_workbook, write_templates

__all__ = ["workbook_name", "write_division_workbook", "write_templates"]
