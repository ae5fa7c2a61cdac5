"""The patcher's one exception."""

from __future__ import annotations


class PatchUnsupported(Exception):
    """The package is one the byte-level patcher does not handle; the message says why.

    :func:`kpixl.annotate.annotate_workbook` then takes the openpyxl path instead.
    """
