"""What a round writes for the central office and the divisions.

* :mod:`kpixl.outputs.status` — every division's state, and the table for a terminal;
* :mod:`kpixl.outputs.results` — ``results.xlsx`` and ``results.csv``: the results table
  and the workbook, whose sheets :mod:`kpixl.outputs.sheets` and
  :mod:`kpixl.outputs.targets` (the consolidated form A) write;
* :mod:`kpixl.outputs.book` — how every such table is written: TH Sarabun New, B.E. dates,
  strings that never become formulas, fitted widths and heights, A4 printing at 9 pt or
  more; :mod:`kpixl.outputs.labels` — the Thai words and their colour-blind-safe colours;
* :mod:`kpixl.outputs.replies` — one reply draft (``.eml``) per division, from a jinja2
  template in this package (``reply_th.txt.j2``) or the office's own.

The functions take pandas frames built by the round; each docstring lists their columns.
"""

from __future__ import annotations
