"""The openpyxl round trip, for packages the patcher refuses.

openpyxl loads almost any transitional package and writes one the patcher always handles,
so the fallback normalises the input through openpyxl and then patches that. What openpyxl
drops on the way is reported: the parts :mod:`kpixl.safety` listed, every warning openpyxl
gives while loading (each announces something it discards), and pictures when Pillow is
missing. openpyxl also loses, without a word: VBA, cached formula results (the copy
recalculates on opening), comment box sizes and the difference between an empty string
and a blank cell.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.reader import drawings

from kpixl.safety import UnusableFile

_EXTENSION_WARNING = re.compile(r"^(.*) extension is not supported and will be removed$")


def normalise(src: Path, dst: Path, *, extensions_known: bool) -> list[str]:
    """Load ``src`` with openpyxl and save it as ``dst``; return what was lost.

    Args:
        src: The workbook.
        dst: Where the normalised copy goes.
        extensions_known: kpixl.safety already listed the package's worksheet extensions,
            so openpyxl's "extension is not supported" warnings would only repeat them.

    Raises:
        UnusableFile: openpyxl cannot read ``src`` either (``file-corrupt``).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            book = openpyxl.load_workbook(src, keep_vba=False, keep_links=True, rich_text=True)
        except Exception as error:  # openpyxl raises anything on a broken package
            reason = f"{type(error).__name__}: {error}"[:200]
            raise UnusableFile("file-corrupt", {"reason": reason}) from error
    losses = []
    for item in caught:
        if issubclass(item.category, UserWarning):
            text = str(item.message)
            match = _EXTENSION_WARNING.match(text)
            if match and extensions_known:
                continue
            losses.append(f"{match.group(1)} extension (extLst)" if match else text)
        else:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    if not getattr(drawings, "PILImage", None) and _has_media(src):
        # Without Pillow openpyxl drops every picture, and says nothing.
        losses.append("images (xl/media): Pillow is not installed")
    # A template (.xltx/.xltm) would keep its template content type.
    book.template = False
    book.save(dst)
    return losses


def _has_media(src: Path) -> bool:
    with zipfile.ZipFile(src) as archive:
        return any(name.startswith("xl/media/") for name in archive.namelist())
