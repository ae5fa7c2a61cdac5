"""The rules a returned workbook must meet, as small vectorised checks in one registry.

See :mod:`kpixl.checks.registry` for how checks are written and run; the checks
themselves live beside the frames they read: :mod:`kpixl.checks.cells` (single cells),
:mod:`kpixl.checks.kpis` (each KPI's value and level), :mod:`kpixl.checks.forms` (form A,
the sign-off, locked cells, typed scores, weights) and :mod:`kpixl.checks.master` (the
centre's master).
"""

from __future__ import annotations

from kpixl.checks import cells, forms, kpis, master
from kpixl.checks.registry import CHECKS, TABLES, Check, check, run_checks

__all__ = [
    "CHECKS",
    "TABLES",
    "Check",
    "cells",
    "check",
    "forms",
    "kpis",
    "master",
    "run_checks",
]
