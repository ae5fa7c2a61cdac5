"""Leave the objects a long task finds in the process out of the collector's full passes.

With pandas (and a master) loaded, the process holds hundreds of thousands of objects that
outlive any batch or copy; a full pass of the garbage collector over them costs ~50 ms and
comes every few hundred workbooks read or every few dozen copies written, at random: a copy
that takes 12 ms then takes 60. While :func:`older_objects_frozen` holds, those passes look
only at the objects made since (``gc.freeze``); the older ones are collected as before once
it ends.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def older_objects_frozen() -> Iterator[None]:
    """While it holds, the collector's passes leave out the objects there before. A program
    that froze objects itself (``gc.freeze``), or a caller already inside, keeps its own
    arrangement: nothing is frozen or unfrozen then."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
