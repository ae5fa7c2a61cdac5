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
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_holding = 0
"""How many :func:`older_objects_frozen` hold now (nested, or in several threads): the
first freezes, the last unfreezes. Counted here because ``gc.get_freeze_count()`` walks
every frozen object (~5 ms for pandas' 67,000): it is asked only while none holds."""
_froze = False
"""Whether the objects frozen now were frozen here (not by the program itself)."""


@contextlib.contextmanager
def older_objects_frozen() -> Iterator[None]:
    """While it holds, the collector's passes leave out the objects there before. A program
    that froze objects itself (``gc.freeze``) keeps its own arrangement: nothing is frozen
    or unfrozen then."""
    global _holding, _froze
    with _lock:
        if _holding == 0:
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
        _holding += 1
    try:
        yield
    finally:
        with _lock:
            _holding -= 1
            if _holding == 0 and _froze:
                gc.unfreeze()
                _froze = False
