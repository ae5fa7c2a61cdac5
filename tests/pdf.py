"""Print workbooks to PDF with LibreOffice headless (a private profile, as libreoffice.py).

``to_pdf(paths, out_dir)`` -> the PDF of each workbook, in input order. Every sheet is
printed with its own page setup (paper, orientation, fit to width, print titles), which is
what the tests check.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from libreoffice import _check_inputs, _convert, _require_outputs


def to_pdf(paths: Sequence[Path], out_dir: Path, *, timeout: float | None = None) -> list[Path]:
    """Convert each workbook to ``out_dir/<stem>.pdf``; RuntimeError when one is missing."""
    srcs = _check_inputs(paths)
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = [out_dir / (p.stem + ".pdf") for p in srcs]
    for out in outputs:
        out.unlink(missing_ok=True)
    result = _convert(srcs, "pdf:calc_pdf_Export", out_dir, timeout)
    _require_outputs(outputs, result)
    return outputs
