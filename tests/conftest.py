"""Shared fixtures: the bundled masters, their division workbooks, the sample recipes.

Test helper modules live in ``tests/`` (``libreoffice``, ``hostile``, ``pdf``) and are
imported by name; the recipes that build the bundled samples live in
``sample_workbooks/build_samples.py`` and are imported as ``build_samples``. Both folders
are put on the import path here, once.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_workbooks"
for _folder in (ROOT / "tests", SAMPLES):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

with warnings.catch_warnings():
    # When an example fails, hypothesis's pytest plugin imports libcst, which warns about
    # mypy_extensions; under filterwarnings=error that turns a failure report into an
    # INTERNALERROR. Importing it here, once and quietly, keeps failure reports readable.
    warnings.simplefilter("ignore", DeprecationWarning)
    with contextlib.suppress(ImportError):
        import hypothesis.extra._patching  # noqa: F401

from kpixl.master import Master, master_from_csv  # noqa: E402
from kpixl.templates import write_templates  # noqa: E402


def pytest_addoption(parser):  # type: ignore[no-untyped-def]
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite sample_workbooks/golden/*.csv from the current results",
    )


@pytest.fixture(scope="session")
def master() -> Master:
    """The bundled master of อบจ.นครสวรรค์ FY 2565, from its reviewable CSV source."""
    return master_from_csv(SAMPLES / "source" / "nakhonsawan_2565")


@pytest.fixture(scope="session")
def krabi_master() -> Master:
    """The bundled master of อบจ.กระบี่ FY 2564 (the target-sheet example of seed 000)."""
    return master_from_csv(SAMPLES / "source" / "krabi_2564")


@pytest.fixture(scope="session")
def templates(master: Master, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Division code → the blank division workbook of the bundled master (written once)."""
    out = tmp_path_factory.mktemp("templates")
    paths = write_templates(master, out)
    return dict(zip(master.division_codes(), paths, strict=True))
