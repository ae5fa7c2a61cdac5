"""The workbooks named on the command line: files as given, folders walked.

``kpixl check`` and ``kpixl score`` take files and folders. A file is read as given (the
reader turns one that is no workbook into a finding). A folder is walked, subfolders too,
for the names a workbook has (``.xlsx``, ``.xlsm``, ``.xls``, ``.xlsb``, ``.ods``: the
same as a round's, so a legacy or LibreOffice file gets its finding saying how to send it
again rather than being passed over), leaving out what is no return:

* hidden names (LibreOffice's lock files ``.~lock.FIN.xlsx#``, ``.DS_Store``) and Office's
  owner files (``~$FIN.xlsx``), as :func:`kpixl.intake.model.is_skipped_name` says;
* kpixl's own output folders — one holding a ``results.json`` kpixl wrote (``kpixl
  score``) or a ledger (``kpixl round``) — and the folders given in ``exclude`` (the
  output folder of this run). A checked copy a division sends back among its returns is a
  return (the correction loop) and is read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kpixl.intake.model import WORKBOOK_SUFFIXES, is_skipped_name, suffix_of

LEDGER_NAME = "ledger.sqlite"


@dataclass
class WorkbookFiles:
    """What the command line's paths name.

    Attributes:
        files: the files to read, in the order given (a folder's in sorted order).
        empty_folders: folders given that hold no workbook.
        skipped: kpixl output folders met inside a folder given, left out.
    """

    files: list[Path] = field(default_factory=list)
    empty_folders: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


def is_kpixl_output(folder: Path) -> bool:
    """Whether ``folder`` is one kpixl wrote: its ``results.json`` carries kpixl's version,
    or it holds a round's ledger."""
    if (folder / LEDGER_NAME).is_file():
        return True
    result = folder / "results.json"
    if not result.is_file():
        return False
    try:
        with result.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "kpixl_version" in data


def workbook_files(paths: Sequence[Path], exclude: Sequence[Path] = ()) -> WorkbookFiles:
    """The files to read for ``paths``; see the module docstring.

    Args:
        paths: files and folders, as given.
        exclude: folders never walked (an output folder inside an input folder).
    """
    found = WorkbookFiles()
    excluded = {os.path.realpath(p) for p in exclude}
    for path in paths:
        if not path.is_dir():
            found.files.append(path)  # read as given; a missing one is its own finding
            continue
        before = len(found.files)
        _walk(path, excluded, found)
        if len(found.files) == before:
            found.empty_folders.append(path)
    return found


def _walk(top: Path, excluded: set[str], found: WorkbookFiles) -> None:
    for root, dirs, names in os.walk(top):
        here = Path(root)
        keep = []
        for name in sorted(dirs):
            sub = here / name
            if is_skipped_name(name) or os.path.realpath(sub) in excluded:
                continue
            if is_kpixl_output(sub):
                found.skipped.append(sub)
                continue
            keep.append(name)
        dirs[:] = keep
        for name in sorted(names):
            if is_skipped_name(name) or suffix_of(name) not in WORKBOOK_SUFFIXES:
                continue
            found.files.append(here / name)
