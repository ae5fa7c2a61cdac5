"""Intake: whatever the office was sent, turned into workbook arrivals.

:func:`collect` takes any mix of paths and yields, lazily and in a deterministic order,
an :class:`Arrival` for every workbook it finds (its name as sent, its bytes or file, and
where and when it came from) and an :class:`InputProblem` for every input that cannot be
used. It never raises for an input: a damaged one is a problem and the rest goes on.

What each input yields:

* ``.xlsx``, ``.xlsm``, ``.xls``, ``.xlsb``, ``.ods``: one arrival (``file``), whatever the
  content; the reader turns a file that is not an ``.xlsx`` into a finding that says how
  to send it again.
* ``.zip``: an arrival per workbook-like member, zips inside it opened one level deep,
  within size limits (:mod:`~kpixl.intake.archive`); an ``.xlsx`` or ``.ods`` renamed
  ``.zip`` is one arrival.
* ``.eml``: an arrival per workbook attachment, zips opened, forwarded messages searched
  (:mod:`~kpixl.intake.message`); none for an e-mail without one.
* an mbox (a file that starts with ``From ``, or named ``.mbox``): the attachments of each
  message, in file order (:mod:`~kpixl.intake.boxes`).
* a Maildir (a folder with ``cur/`` and ``new/``): the attachments of each message, sorted
  by key.
* a folder: all of the above inside it, recursively, sorted by name; hidden names and
  ``~$`` Office owner files skipped, files of other kinds ignored.
* an Outlook ``.msg``: a ``file-not-workbook`` problem saying what to do instead.
* any other file named explicitly: one arrival (the reader says what it is).
* a missing path: a ``file-not-found`` problem.

Determinism: inputs in the order given, each folder's entries sorted by name, zip members
by decoded path, mbox messages in file order, Maildir messages by key, attachments in MIME
order; two runs over the same files yield equal lists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kpixl.intake.model import (
    ARCHIVE_SUFFIX,
    WORKBOOK_SUFFIXES,
    Arrival,
    InputProblem,
    Origin,
)

if TYPE_CHECKING:
    from kpixl.intake.sources import collect


def __getattr__(name: str) -> object:
    # The mail, archive and folder readers load only when the round collects: the
    # workbook-file listing of ``kpixl check`` needs only the model.
    if name == "collect":
        from kpixl.intake.sources import collect

        return collect
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ARCHIVE_SUFFIX",
    "WORKBOOK_SUFFIXES",
    "Arrival",
    "InputProblem",
    "Origin",
    "collect",
]
