"""Rebuild the blank division workbooks of the bundled masters.

    python templates/build_templates.py

Writes ``templates/<master>/kpixl_<FY>_<division>.xlsx`` for every division of each master
in ``sample_workbooks/`` — the forms as kpixl sends them, for anyone to open without
running kpixl. ``tests/test_blank_forms.py`` checks that the committed files are what this
script makes today.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from kpixl.masterfile import read_master  # noqa: E402
from kpixl.templates import write_templates  # noqa: E402

MASTERS = {
    "nakhonsawan_2565": ROOT / "sample_workbooks" / "nakhonsawan_2565_master.xlsx",
    "krabi_2564": ROOT / "sample_workbooks" / "krabi_2564_master.xlsx",
}
"""The bundled masters, by the folder their blank forms go to."""


def build(out: Path = HERE) -> list[Path]:
    """Write every master's division workbooks into ``out/<master>/``, replacing what was
    there; returns the paths written."""
    written = []
    for name, master_file in MASTERS.items():
        master, _ = read_master(master_file)
        folder = out / name
        shutil.rmtree(folder, ignore_errors=True)
        written += write_templates(master, folder)
    return written


if __name__ == "__main__":
    for path in build():
        print(f"wrote {path.relative_to(ROOT)}")
