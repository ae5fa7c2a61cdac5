"""Writing the annotated copy by patching the original package.

:mod:`kpixl.annotate` decides what the copy says; this subpackage writes it into the
division's own zip: only the parts that change are rewritten (and in them only the elements
that change), every other part is copied byte for byte. Modules:

* :mod:`~kpixl.patch.xmltext` — finding and splicing elements in a part's bytes;
* :mod:`~kpixl.patch.package` — the zip, content types, relationships, the edit journal;
* :mod:`~kpixl.patch.workbook` — the sheet list, defined names, app properties;
* :mod:`~kpixl.patch.sheet` — cells of a worksheet;
* :mod:`~kpixl.patch.styles` — cell formats appended to the style sheet;
* :mod:`~kpixl.patch.comments` — comments and their VML boxes;
* :mod:`~kpixl.patch.report` — the report sheet's XML;
* :mod:`~kpixl.patch.record` — what kpixl added, kept so the next check can take it away;
* :mod:`~kpixl.patch.fallback` — the openpyxl round trip for packages the patcher refuses.
"""

from __future__ import annotations

from kpixl.patch.errors import PatchUnsupported

__all__ = ["PatchUnsupported"]
