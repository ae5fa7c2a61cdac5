"""Walking the inputs of a round: files, folders, e-mails, mailboxes and zips."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from kpixl.intake.archive import archive_arrivals
from kpixl.intake.boxes import is_maildir, maildir_messages, mbox_messages
from kpixl.intake.message import message_arrivals
from kpixl.intake.model import (
    ARCHIVE_SUFFIX,
    WORKBOOK_SUFFIXES,
    Arrival,
    InputProblem,
    Origin,
    is_skipped_name,
    suffix_of,
)
from kpixl.intake.names import clean_name, printable_path
from kpixl.safety import Limits

__all__ = ["collect"]

_MIB = 1024 * 1024
_MBOX_MAGIC = b"From "


def _mtime(st: os.stat_result) -> datetime:
    return datetime.fromtimestamp(st.st_mtime, UTC)


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


class _Collector:
    """One call of :func:`collect`: the limits, the excluded folders, what was read."""

    def __init__(self, exclude: Sequence[Path], limits: Limits) -> None:
        self.limits = limits
        self.excluded = tuple(os.path.realpath(p) for p in exclude)
        self.seen: set[str] = set()

    def _is_excluded(self, real: str) -> bool:
        return any(
            real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in self.excluded
        )

    def walk(self, start: Path) -> Iterator[Arrival | InputProblem]:
        """Everything under one input, depth first in sorted order (no recursion: a
        folder tree of any depth is walked)."""
        stack = [start]
        while stack:
            path = stack.pop()
            explicit = path is start
            shown = printable_path(path)
            try:
                st = path.stat()
            except FileNotFoundError:
                yield InputProblem(shown, "file-not-found", "no such file or folder")
                continue
            except OSError as exc:
                yield InputProblem(shown, "file-corrupt", f"cannot be read ({_why(exc)})")
                continue
            except ValueError as exc:  # a NUL in the name
                yield InputProblem(shown, "file-not-found", f"not a usable path ({exc})")
                continue
            real = os.path.realpath(path)
            if self._is_excluded(real) or real in self.seen:
                continue
            self.seen.add(real)
            if stat.S_ISDIR(st.st_mode):
                if is_maildir(path):
                    yield from self._maildir(path, shown)
                    continue
                try:
                    with os.scandir(path) as entries:
                        names = sorted(e.name for e in entries if not is_skipped_name(e.name))
                except OSError as exc:
                    yield InputProblem(
                        shown, "file-corrupt", f"the folder cannot be read ({_why(exc)})"
                    )
                    continue
                stack.extend(path / name for name in reversed(names))
            elif stat.S_ISREG(st.st_mode):
                yield from self._file(path, shown, st, explicit=explicit)
            elif explicit:
                yield InputProblem(shown, "file-not-workbook", "not a regular file or folder")

    def _file(
        self, path: Path, shown: str, st: os.stat_result, *, explicit: bool
    ) -> Iterator[Arrival | InputProblem]:
        name = clean_name(printable_path(path.name))
        suffix = suffix_of(name)
        origin = Origin(kind="file", path=shown)

        def whole() -> Arrival:
            return Arrival(name=name, origin=origin, received_at=_mtime(st), file=path)

        if suffix in WORKBOOK_SUFFIXES:
            yield whole()
            return
        if suffix == ARCHIVE_SUFFIX:
            yield from archive_arrivals(
                path,
                label=name,
                origin=origin,
                received_at=_mtime(st),
                problem_path=shown,
                limits=self.limits,
                whole=whole,
            )
            return
        if suffix == ".msg":
            yield InputProblem(
                shown,
                "file-not-workbook",
                "an Outlook .msg message is not read: save its attachments into the input "
                "folder, or save the message as .eml",
            )
            return
        try:
            with path.open("rb") as fh:
                head = fh.read(len(_MBOX_MAGIC))
        except OSError as exc:
            yield InputProblem(shown, "file-corrupt", f"cannot be read ({_why(exc)})")
            return
        if head == _MBOX_MAGIC or suffix == ".mbox":
            yield from self._mbox(path, shown, st)
        elif suffix == ".eml":
            yield from self._message_file(path, shown, st)
        elif explicit:
            yield whole()  # named on purpose: the reader says what it is

    def _mbox(self, path: Path, shown: str, st: os.stat_result) -> Iterator[Arrival | InputProblem]:
        messages = mbox_messages(path, self.limits)
        while True:
            try:
                entry = next(messages, None)
            except OSError as exc:
                yield InputProblem(shown, "file-corrupt", f"the mbox cannot be read ({_why(exc)})")
                return
            if entry is None:
                return
            if entry.problem is not None or entry.raw is None:
                code, reason = entry.problem or ("file-corrupt", "unreadable")
                yield InputProblem(shown, code, reason)
                continue
            yield from message_arrivals(
                entry.raw,
                path=shown,
                where=f"message {entry.number} (line {entry.line})",
                fallback=_mtime(st),
                limits=self.limits,
            )

    def _message_file(
        self, path: Path, shown: str, st: os.stat_result
    ) -> Iterator[Arrival | InputProblem]:
        if st.st_size > self.limits.max_part_bytes:
            yield InputProblem(
                shown,
                "file-too-large",
                f"the e-mail is larger than {self.limits.max_part_bytes // _MIB} MiB",
            )
            return
        try:
            raw = path.read_bytes()
        except OSError as exc:
            yield InputProblem(shown, "file-corrupt", f"cannot be read ({_why(exc)})")
            return
        yield from message_arrivals(
            raw, path=shown, where="", fallback=_mtime(st), limits=self.limits
        )

    def _maildir(self, folder: Path, shown: str) -> Iterator[Arrival | InputProblem]:
        try:
            files = maildir_messages(folder)
        except OSError as exc:
            yield InputProblem(shown, "file-corrupt", f"the Maildir cannot be read ({_why(exc)})")
            return
        for path in files:
            real = os.path.realpath(path)
            if real in self.seen:
                continue
            self.seen.add(real)
            shown_message = printable_path(path)
            try:
                st = path.stat()
            except FileNotFoundError:  # moved from new/ to cur/ by a mail program meanwhile
                yield InputProblem(shown_message, "file-not-found", "the message was moved away")
                continue
            except OSError as exc:
                yield InputProblem(shown_message, "file-corrupt", f"cannot be read ({_why(exc)})")
                continue
            yield from self._message_file(path, shown_message, st)


def collect(
    inputs: Sequence[Path],
    *,
    exclude: Sequence[Path] = (),
    limits: Limits | None = None,
) -> Iterator[Arrival | InputProblem]:
    """Every workbook the office was sent, from files, folders, e-mails, mailboxes, zips.

    See :mod:`kpixl.intake` for what each kind of input yields. Nothing is read before
    the first item is asked for, and at most one message (or zip member) is held at a
    time. A path reached twice (named twice, or inside a named folder too) is read once.

    Args:
        inputs: Files and folders, in the order given (each folder is walked in sorted
            order).
        exclude: Folders (or files) whose content is never read, wherever they appear.
        limits: Size limits for messages and zip members (the defaults of
            :class:`~kpixl.safety.Limits`).

    Yields:
        An :class:`Arrival` for every workbook-like file, attachment and zip member, and
        an :class:`InputProblem` for every input (or part of one) that cannot be used.
    """
    collector = _Collector(exclude, limits or Limits())
    for given in inputs:
        yield from collector.walk(Path(given))
