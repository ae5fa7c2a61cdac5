"""What a round writes for the central office and the divisions.

* :mod:`kpixl.outputs.status` — every division's state, and the table for a terminal;
* :mod:`kpixl.outputs.results` — ``results.xlsx`` and ``results.csv``;
* :mod:`kpixl.outputs.targets` — the consolidated form A sheet of ``results.xlsx``;
* :mod:`kpixl.outputs.replies` — one reply draft (``.eml``) per division, from a jinja2
  template in this package (``reply_th.txt.j2``) or the office's own.

The functions take pandas frames built by the round; each docstring lists their columns.
"""

from __future__ import annotations
