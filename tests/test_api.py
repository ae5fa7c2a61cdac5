"""The public API, pinned: any change to ``kpixl.__all__`` shows up in review here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import kpixl

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

PUBLIC_API = [
    "Band",
    "BandRubric",
    "BatchResult",
    "CATALOGUE",
    "CriterionError",
    "DeadlineRubric",
    "Definitions",
    "DivisionScore",
    "Evaluation",
    "FINDING_COLUMNS",
    "KpixlError",
    "MilestoneRubric",
    "QuarterlyRubric",
    "Rubric",
    "RubricIssue",
    "UnusableFile",
    "WorkbookData",
    "__version__",
    "annotate_workbook",
    "check_master",
    "division_totals",
    "evaluate",
    "parse_band",
    "parse_deadline",
    "parse_definitions",
    "parse_milestone",
    "read_master",
    "read_workbook",
    "run_batch",
    "score_division",
    "write_templates",
]


def test_all_is_pinned() -> None:
    assert sorted(kpixl.__all__) == PUBLIC_API
    assert len(set(kpixl.__all__)) == len(kpixl.__all__)


@pytest.mark.parametrize("name", PUBLIC_API)
def test_every_public_name_exists(name: str) -> None:
    assert getattr(kpixl, name, None) is not None


def test_every_public_name_is_the_object_its_module_defines() -> None:
    """The lazily imported names are the real ones, from the modules that define them."""
    import importlib

    exports = kpixl._EXPORTS
    assert set(exports) | {"__version__"} == set(kpixl.__all__)
    for name, module in exports.items():
        assert getattr(kpixl, name) is getattr(importlib.import_module(module), name), name


def test_import_kpixl_loads_no_heavy_module() -> None:
    """``import kpixl`` (and so ``kpixl --help``) does not pay for pandas or openpyxl."""
    import subprocess
    import sys

    heavy = ("pandas", "openpyxl", "xlsxwriter", "numpy")
    code = f"import sys, kpixl, kpixl.cli; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_star_import_gives_exactly_the_public_api() -> None:
    namespace: dict[str, Any] = {}
    exec("from kpixl import *", namespace)
    assert sorted(set(namespace) - {"__builtins__"}) == PUBLIC_API


def test_stage_functions_stay_importable_from_their_modules() -> None:
    from kpixl.batch import run_batch
    from kpixl.criteria import parse_band
    from kpixl.rubric import Rubric
    from kpixl.scoring import score_division

    assert kpixl.run_batch is run_batch
    assert kpixl.parse_band is parse_band
    assert kpixl.Rubric is Rubric
    assert kpixl.score_division is score_division


def test_version_is_the_pyproject_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert kpixl.__version__ == project["version"]


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no section {title!r}"
    return match[1]


def test_readme_lists_the_whole_public_api() -> None:
    listing = re.search(r"`kpixl.__all__` lists the whole public API[^:]*:(.*?)\.\n", README, re.S)
    assert listing, "README no longer lists the public API"
    named = re.findall(r"`(\w+)`", listing[1])
    assert sorted(named) == sorted(set(PUBLIC_API) - {"__version__"})


def test_readme_public_api_example_runs_as_written() -> None:
    (code,) = re.findall(r"```python\n(.*?)```", _section("Public API"), re.S)
    series = pd.Series([85, None, 59.9, 100, 120])
    namespace: dict[str, Any] = {"series": series}
    # Run the block line by line; remember what each commented line evaluates to.
    claims: dict[str, tuple[Any, str]] = {}
    statement = ""
    for line in code.splitlines():
        body, _, comment = line.partition("#")
        statement += body + "\n"
        if statement.count("[") != statement.count("]") or statement.count("(") != statement.count(
            ")"
        ):
            continue  # a statement that goes on over the next line
        text = statement.strip()
        statement = ""
        try:
            value = eval(compile(text, "README", "eval"), namespace)
        except SyntaxError:
            exec(compile(text, "README", "exec"), namespace)
            name = text.split("=", 1)[0].strip()
            value = namespace[name] if name.isidentifier() else None
        claims[text.split("(", 1)[0].split("=", 1)[0].strip()] = (value, comment.strip())

    band, comment = claims["band"]
    assert comment.startswith("Band(lower=80, lower_inclusive=False, upper=90")
    assert (band.lower, band.lower_inclusive, band.upper) == (80, False, 90)

    level, comment = claims["rubric.level"]
    assert level == int(comment) == 4

    levels, comment = claims["rubric.levels"]
    assert str(levels.dtype) == "Int64" and "Int64 Series, NA where not scored" in comment
    assert levels.tolist()[:4] == [4, pd.NA, 1, 5]
    assert levels.isna().tolist() == [False, True, False, False, True]

    lookup, comment = claims["rubric.lookup"]
    assert {"level", "status"} <= set(lookup.columns) and "level and status" in comment
    assert lookup["status"].tolist() == ["ok", "missing", "ok", "ok", "out_of_range"]

    issues, comment = claims["rubric.lint"]
    assert issues == [] and comment.startswith("[] here") and "RubricIssue" in comment
    # The example's rubric is sound; a flawed one gives the issue the comment shows.
    flawed = kpixl.Rubric.from_texts(
        [
            "ไม่ถึงร้อยละ ๖๐",
            "ตั้งแต่ร้อยละ ๖๒ แต่ไม่ถึงร้อยละ ๗๐",
            "ตั้งแต่ร้อยละ ๗๐ แต่ไม่ถึงร้อยละ ๘๐",
            "ตั้งแต่ร้อยละ ๘๐ แต่ไม่ถึงร้อยละ ๙๐",
            "ตั้งแต่ร้อยละ ๙๐ ถึงร้อยละ ๑๐๐",
        ]
    )
    assert [issue.code for issue in flawed.lint()] == ["rubric-gap"]

    score, comment = claims["kpixl.score_division"]
    numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", comment)]
    assert (
        numbers
        == [*score.weighted, score.total, score.score_100]
        == [
            2.0,
            1.6,
            0.6,
            4.2,
            84.0,
        ]
    )
