"""kpixl's exceptions: one base class, so a caller can catch everything kpixl raises on
purpose without catching programmer errors.

Findings are data, not exceptions (:mod:`kpixl.findings`); exceptions are for a file that
cannot be used at all, a criterion that cannot be read while building a rubric, and output
that must not be written.
"""

from __future__ import annotations


class KpixlError(Exception):
    """Base of every exception kpixl raises on purpose."""


class OutputClash(KpixlError, ValueError):
    """An output file would overwrite one of the inputs (or another output)."""


class UnusableMaster(KpixlError):
    """The centre's master workbook cannot be used at all (unreadable, or no fiscal year)."""
