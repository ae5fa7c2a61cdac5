"""The year-end summary for the executive (นายก อบจ.), from the round's ledger.

* :func:`build_summary` (:mod:`kpixl.summary.data`) — the numbers, as pandas frames: the
  ranking, levels, quarter disbursement against its targets, form A, year over year and
  where every figure came from;
* :func:`write_summary_workbook` (:mod:`kpixl.summary.workbook`) — ``summary.xlsx``;
* :func:`write_report` (:mod:`kpixl.summary.report`) — the same as one self-contained
  web page.

The writers are imported lazily: building the numbers needs neither xlsxwriter nor jinja2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kpixl.summary.data import Summary, SummaryError, build_summary

if TYPE_CHECKING:
    from kpixl.summary.report import write_report
    from kpixl.summary.workbook import write_summary_workbook

__all__ = ["Summary", "SummaryError", "build_summary", "write_report", "write_summary_workbook"]


def __getattr__(name: str) -> Any:
    if name == "write_summary_workbook":
        from kpixl.summary.workbook import write_summary_workbook

        return write_summary_workbook
    if name == "write_report":
        from kpixl.summary.report import write_report

        return write_report
    raise AttributeError(name)
