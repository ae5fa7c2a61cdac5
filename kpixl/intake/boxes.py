"""Mailboxes: the messages of an mbox file and of a Maildir, one at a time.

Why not :mod:`mailbox`: :class:`mailbox.mbox` opens the office's mailbox for writing
(``rb+``), and reads each line whole while indexing it (a multi-gigabyte file without
line breaks would be one line in memory); :class:`mailbox.Maildir` does not say which file
holds a message, which is what :attr:`Origin.path` names. The formats themselves are
simple and read here the same way :mod:`mailbox` reads them:

* **mbox**: a message starts at every line beginning ``From `` (as :mod:`mailbox` does;
  writers quote such lines in bodies as ``>From``, and base64 never holds a space); the
  ``From`` line is dropped and so is the blank line that separates messages. The file is
  read once, in bounded chunks; a message larger than ``Limits.max_part_bytes`` (64 MiB;
  mail servers refuse messages a third that size) is skipped with a problem. Anything
  before the first ``From`` line is reported, and the messages after it still read.
* **Maildir**: a folder with ``cur/`` and ``new/`` (``tmp/``, always empty at rest, is
  not required: copies made with tools that drop empty folders lose it). Its messages are
  the files of ``cur/`` and ``new/`` whose names do not start with a dot, sorted by their
  key (the name before any ``:2,`` flags, which starts with the delivery time). ``tmp/``
  holds messages still being delivered and is never read. Maildir++ subfolders
  (``.Sent``, …) are not read: point kpixl at the one that holds the returns.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from kpixl.safety import Limits

__all__ = ["MboxMessage", "is_maildir", "maildir_messages", "mbox_messages"]

_CHUNK = 1024 * 1024
_MIB = 1024 * 1024


class MboxMessage:
    """One message of an mbox file, or why it could not be taken.

    Attributes:
        number: Its position in the file, from 1.
        line: The line of its ``From`` line, from 1 (0 for text before the first).
        raw: Its bytes, without the ``From`` line; None when ``problem`` is set.
        problem: ``(code, reason)`` when the message is not handed on.
    """

    __slots__ = ("line", "number", "problem", "raw")

    def __init__(
        self, number: int, line: int, raw: bytes | None, problem: tuple[str, str] | None
    ) -> None:
        self.number = number
        self.line = line
        self.raw = raw
        self.problem = problem


def _end(chunks: list[bytes]) -> bytes:
    raw = b"".join(chunks)
    # The blank line before the next "From " line separates messages; it is not content.
    if raw.endswith(b"\r\n\r\n"):
        return raw[:-2]
    if raw.endswith(b"\n\n"):
        return raw[:-1]
    return raw


def mbox_messages(path: Path, limits: Limits) -> Iterator[MboxMessage]:
    """The messages of an mbox file, in file order.

    Args:
        path: The mbox file.
        limits: ``max_part_bytes`` bounds one message.

    Yields:
        Each message, and an entry with a problem for text before the first ``From``
        line (``file-corrupt``) and for each message past the limit (``file-too-large``).

    Raises:
        OSError: The file cannot be opened or read.
    """
    number = 0
    start_line = 0
    chunks: list[bytes] = []
    size = 0
    too_large = False
    leading = False
    line = 0
    at_line_start = True
    in_from_line = False
    with path.open("rb") as fh:
        while chunk := fh.readline(_CHUNK):
            begins_line = at_line_start
            at_line_start = chunk.endswith(b"\n")
            if begins_line:
                line += 1
            if in_from_line:  # the rest of an over-long From line
                in_from_line = not at_line_start
                continue
            if begins_line and chunk.startswith(b"From "):
                if number:
                    yield _finish(number, start_line, chunks, too_large, limits)
                elif leading:
                    yield _leading(before_messages=True)
                number += 1
                start_line = line
                chunks, size, too_large = [], 0, False
                in_from_line = not at_line_start
                continue
            if not number:
                leading = leading or bool(chunk.strip())
                continue
            size += len(chunk)
            if size > limits.max_part_bytes:
                too_large = True
                chunks = []
            elif not too_large:
                chunks.append(chunk)
    if number:
        yield _finish(number, start_line, chunks, too_large, limits)
    elif leading:
        yield _leading(before_messages=False)


def _leading(*, before_messages: bool) -> MboxMessage:
    what = "the text before the first message is not read" if before_messages else "not an mbox"
    reason = f"the file does not start with a 'From ' line: {what}"
    return MboxMessage(0, 0, None, ("file-corrupt", reason))


def _finish(
    number: int, line: int, chunks: list[bytes], too_large: bool, limits: Limits
) -> MboxMessage:
    if too_large:
        reason = (
            f"message {number} (line {line}) is larger than "
            f"{limits.max_part_bytes // _MIB} MiB and is not read"
        )
        return MboxMessage(number, line, None, ("file-too-large", reason))
    return MboxMessage(number, line, _end(chunks), None)


def is_maildir(folder: Path) -> bool:
    """Whether a folder is a Maildir (see the module docstring)."""
    return (folder / "cur").is_dir() and (folder / "new").is_dir()


def maildir_messages(folder: Path) -> list[Path]:
    """The message files of a Maildir, sorted by key (see the module docstring).

    Raises:
        OSError: ``cur/`` or ``new/`` cannot be listed.
    """
    found: list[tuple[str, str, str]] = []
    for sub in ("cur", "new"):
        with os.scandir(folder / sub) as entries:
            for entry in entries:
                if not entry.name.startswith(".") and entry.is_file():
                    found.append((entry.name.split(":", 1)[0], sub, entry.name))
    return [folder / sub / name for _, sub, name in sorted(found)]
