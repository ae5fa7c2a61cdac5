"""kpixl — Thai government KPI workbooks: templates, checks, scoring and annotated copies.

The public API is what ``__all__`` lists; stage functions stay importable from their
modules (``kpixl.rubric``, ``kpixl.scoring``, …). Names are imported on first use, so
``import kpixl`` (and ``kpixl --help``) does not pay for pandas, openpyxl or xlsxwriter.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kpixl._version import __version__

_EXPORTS: dict[str, str] = {
    "CATALOGUE": "kpixl.findings",
    "FINDING_COLUMNS": "kpixl.findings",
    "Band": "kpixl.criteria",
    "BandRubric": "kpixl.rubric",
    "BatchResult": "kpixl.batch",
    "CriterionError": "kpixl.criteria",
    "DeadlineRubric": "kpixl.rubric",
    "Definitions": "kpixl.definitions",
    "DivisionScore": "kpixl.scoring",
    "Evaluation": "kpixl.evaluation",
    "KpixlError": "kpixl.errors",
    "MilestoneRubric": "kpixl.rubric",
    "QuarterlyRubric": "kpixl.rubric",
    "Rubric": "kpixl.rubric",
    "RubricIssue": "kpixl.rubric",
    "UnusableFile": "kpixl.safety",
    "WorkbookData": "kpixl.workbook",
    "annotate_workbook": "kpixl.annotate",
    "check_master": "kpixl.checks.master",
    "division_totals": "kpixl.scoring",
    "evaluate": "kpixl.evaluation",
    "parse_band": "kpixl.criteria",
    "parse_deadline": "kpixl.criteria",
    "parse_definitions": "kpixl.definitions",
    "parse_milestone": "kpixl.criteria",
    "read_master": "kpixl.masterfile",
    "read_workbook": "kpixl.reader",
    "run_batch": "kpixl.batch",
    "score_division": "kpixl.scoring",
    "write_templates": "kpixl.templates",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kpixl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from kpixl.annotate import annotate_workbook
    from kpixl.batch import BatchResult, run_batch
    from kpixl.checks.master import check_master
    from kpixl.criteria import Band, CriterionError, parse_band, parse_deadline, parse_milestone
    from kpixl.definitions import Definitions, parse_definitions
    from kpixl.errors import KpixlError
    from kpixl.evaluation import Evaluation, evaluate
    from kpixl.findings import CATALOGUE, FINDING_COLUMNS
    from kpixl.masterfile import read_master
    from kpixl.reader import read_workbook
    from kpixl.rubric import (
        BandRubric,
        DeadlineRubric,
        MilestoneRubric,
        QuarterlyRubric,
        Rubric,
        RubricIssue,
    )
    from kpixl.safety import UnusableFile
    from kpixl.scoring import DivisionScore, division_totals, score_division
    from kpixl.templates import write_templates
    from kpixl.workbook import WorkbookData
