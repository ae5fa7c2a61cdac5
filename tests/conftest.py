import sys
from pathlib import Path

# Let tests import helper modules that live in tests/ (e.g. ``import libreoffice``).
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)


def pytest_addoption(parser):  # type: ignore[no-untyped-def]
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite sample_workbooks/golden/*.csv from the current results",
    )
