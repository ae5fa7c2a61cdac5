"""What intake hands on: arrivals, where they came from, and inputs that could not be used."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

__all__ = [
    "ARCHIVE_SUFFIX",
    "WORKBOOK_SUFFIXES",
    "Arrival",
    "InputProblem",
    "Origin",
    "is_skipped_name",
    "suffix_of",
]

WORKBOOK_SUFFIXES: frozenset[str] = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
"""Names ending so are workbook arrivals, whatever their content: the reader judges the
content and turns a file that is not an ``.xlsx`` into a finding that says how to resend it."""

ARCHIVE_SUFFIX = ".zip"
"""A name ending so is an archive, opened for the workbooks inside."""


def suffix_of(name: str) -> str:
    """The lower-case extension of a file name (``"FIN.XLSX"`` → ``".xlsx"``).

    Trailing spaces and dots are ignored (Windows drops them when saving, so
    ``"FIN.xlsx. "`` is the ``.xlsx`` its sender sees), and so is any folder part. Unlike
    :attr:`pathlib.PurePath.suffix`, a name that is all extension (``".xlsx"``, what is left
    when a mail program loses the Thai part of a name) still has one.

    Args:
        name: A file name, possibly with a folder part.

    Returns:
        The extension with its dot, or ``""``.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1].rstrip(" .")
    dot = base.rfind(".")
    return base[dot:].lower() if dot >= 0 else ""


def is_skipped_name(name: str) -> bool:
    """Whether a file or folder met while walking is never read.

    Hidden names (``.…``: ``.DS_Store``, LibreOffice's ``.~lock.…#``, the ``._…``
    AppleDouble files of macOS) and Office's owner files (``~$FIN.xlsx``, written beside a
    workbook someone has open) are not returns. A name given explicitly is always read.
    """
    return name.startswith((".", "~$"))


@dataclass(frozen=True)
class Origin:
    """Where an arrival came from.

    Attributes:
        kind: ``"file"`` (a workbook file, or a member of a zip file) or ``"email"``.
        path: The input file: the workbook (or zip) itself, or the ``.eml`` / mbox /
            Maildir message file that carried the attachment. Made printable: a file
            name the file system could not decode is shown decoded as Thai or with
            replacement characters (open :attr:`Arrival.file` instead).
        member: Inside a zip, ``"archive.zip/inner/name.xlsx"`` (the archive's name as
            sent, then the member's path as stored); for an e-mail attachment that is not
            in a zip, the attachment's decoded name; ``""`` for a plain file.
        sender: ``From:``, decoded (``"สมชาย ใจดี <a@b.example>"``).
        subject: ``Subject:``, decoded.
        sent_at: The ``Date:`` header, timezone-aware (UTC); None when absent or unreadable.
        message_id: ``Message-ID:`` as written (angle brackets included).

    For an attachment of a forwarded message (a ``message/rfc822`` part), the sender,
    subject, date and Message-ID are the forwarded message's: that is when and by whom the
    workbook was sent. The enclosing message's values fill in any the forwarded one lacks.
    """

    kind: str
    path: str
    member: str = ""
    sender: str = ""
    subject: str = ""
    sent_at: datetime | None = None
    message_id: str = ""


@dataclass(frozen=True)
class Arrival:
    """A workbook as it was sent: its name, where it came from, and its content.

    Exactly one of ``data`` and ``file`` holds the content.

    Attributes:
        name: The workbook's file name as sent (decoded from RFC 2231 / RFC 2047, Thai
            included; a zip member's name without its folders).
        origin: Where it came from.
        received_at: The e-mail's ``Date:`` (UTC), else the time of the topmost
            ``Received:`` header, else the modification time of the file (UTC).
        data: The content of an attachment or zip member (left out of the ``repr``).
        file: The path of a plain workbook file, read only when asked.
    """

    name: str
    origin: Origin
    received_at: datetime
    data: bytes | None = field(default=None, repr=False)
    file: Path | None = None

    def __post_init__(self) -> None:
        """Refuse an arrival without content, or with two.

        Raises:
            ValueError: Both or neither of ``data`` and ``file`` are given.
        """
        if (self.data is None) == (self.file is None):
            raise ValueError("an Arrival holds exactly one of data and file")

    def read_bytes(self) -> bytes:
        """The content.

        Returns:
            ``data``, or the bytes of ``file`` read now.

        Raises:
            OSError: ``file`` can no longer be read.
        """
        if self.data is not None:
            return self.data
        assert self.file is not None  # __post_init__ holds one of the two
        return self.file.read_bytes()

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of the content, lower-case hex; computed once (a file is streamed).

        Raises:
            OSError: ``file`` can no longer be read.
        """
        if self.data is not None:
            return hashlib.sha256(self.data).hexdigest()
        assert self.file is not None
        with self.file.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()

    @property
    def suffix(self) -> str:
        """The lower-case extension of :attr:`name` (``".xlsx"``, ``".ods"``, …; see
        :func:`suffix_of`)."""
        return suffix_of(self.name)


@dataclass(frozen=True)
class InputProblem:
    """An input, or part of one, that yields no arrival.

    Attributes:
        path: The input file or folder (printable, as :attr:`Origin.path`).
        code: A code of :data:`kpixl.findings.CATALOGUE`: ``file-not-found``,
            ``file-corrupt`` (an unreadable folder, mbox, e-mail or zip),
            ``file-too-large`` (a message or zip member beyond the limits),
            ``file-encrypted`` (a password-protected zip member) or ``file-not-workbook``
            (an Outlook ``.msg``, a zip nested too deep).
        reason: What went wrong, in English, naming the message or member (for the log
            and the ``{reason}`` field of the message).
    """

    path: str
    code: str
    reason: str
