"""kpixl — Thai government KPI workbooks: templates, checks, scoring and annotated copies.

The public API is what ``__all__`` lists; stage functions stay importable from their
modules (``kpixl.rubric``, ``kpixl.scoring``, …).
"""

from __future__ import annotations

from kpixl.criteria import Band, CriterionError, parse_band, parse_deadline, parse_milestone
from kpixl.findings import CATALOGUE, FINDING_COLUMNS
from kpixl.rubric import (
    BandRubric,
    DeadlineRubric,
    MilestoneRubric,
    QuarterlyRubric,
    Rubric,
    RubricIssue,
)
from kpixl.scoring import DivisionScore, division_totals, score_division

__version__ = "0.1.0"

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
    "division_totals",
    "parse_band",
    "parse_deadline",
    "parse_milestone",
    "score_division",
]
