import contextlib
import sys
import warnings
from pathlib import Path

# Let tests import helper modules that live in tests/ (e.g. ``import libreoffice``).
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

with warnings.catch_warnings():
    # When an example fails, hypothesis's pytest plugin imports libcst, which warns about
    # mypy_extensions; under filterwarnings=error that turns a failure report into an
    # INTERNALERROR. Importing it here, once and quietly, keeps failure reports readable.
    warnings.simplefilter("ignore", DeprecationWarning)
    with contextlib.suppress(ImportError):
        import hypothesis.extra._patching  # noqa: F401


def pytest_addoption(parser):  # type: ignore[no-untyped-def]
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite sample_workbooks/golden/*.csv from the current results",
    )
