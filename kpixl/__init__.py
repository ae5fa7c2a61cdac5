"""kpixl — Thai government KPI workbooks: templates, checks, scoring and annotated copies.

The public API is what ``__all__`` lists; stage functions stay importable from their
modules (``kpixl.rubric``, ``kpixl.scoring``, …).
"""

from __future__ import annotations

from kpixl._version import __version__
from kpixl.annotate import annotate_workbook
from kpixl.batch import run_batch
from kpixl.criteria import Band, CriterionError, parse_band, parse_deadline, parse_milestone
from kpixl.evaluation import evaluate
from kpixl.findings import CATALOGUE, FINDING_COLUMNS
from kpixl.master import check_master
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
from kpixl.scoring import DivisionScore, division_totals, score_division
from kpixl.templates import write_templates

__all__ = [
    "CATALOGUE",
    "FINDING_COLUMNS",
    "Band",
    "BandRubric",
    "CriterionError",
    "DeadlineRubric",
    "DivisionScore",
    "MilestoneRubric",
    "QuarterlyRubric",
    "Rubric",
    "RubricIssue",
    "__version__",
    "annotate_workbook",
    "check_master",
    "division_totals",
    "evaluate",
    "parse_band",
    "parse_deadline",
    "parse_milestone",
    "read_master",
    "read_workbook",
    "run_batch",
    "score_division",
    "write_templates",
]
