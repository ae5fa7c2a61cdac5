"""One e-mail message: its workbook attachments, with who sent them and when.

Every leaf part whose decoded file name (:func:`~kpixl.intake.names.attachment_name`)
ends in a workbook extension is an arrival, attachment or inline alike; a ``.zip`` is
opened (:mod:`kpixl.intake.archive`); a part with no name but a spreadsheet content type
is taken as ``attachment-<n>.<ext>``. Other parts (the text, a PDF cover letter, pictures)
are ignored, and a message without any workbook yields nothing.

A forwarded message (a ``message/rfc822`` part, or an attachment named ``.eml``) is
searched too; its own headers describe the workbooks inside it (see
:class:`~kpixl.intake.model.Origin`). Nesting deeper than :data:`MAX_DEPTH` is not
followed.

Damage, and what it becomes:

* A bad base64 (or quoted-printable) attachment is decoded leniently: stray characters
  are skipped and missing padding supplied. The arrival carries the bytes as decoded, and
  the reader judges them: a workbook that lost bytes fails its zip checks there
  (``file-corrupt``, with the e-mail's origin, so the office knows who to ask).
* A message that is truncated or whose MIME structure is broken (a missing boundary) is
  an :class:`~kpixl.intake.model.InputProblem` ``file-corrupt`` *and* the arrivals of
  every attachment still found in it (a truncated last attachment is one of them, with
  the bytes that arrived).
* Bytes that are not an e-mail at all (no header field), an empty message, or a
  message the parser cannot take apart are one ``file-corrupt`` problem.
"""

from __future__ import annotations

import email.errors
import email.utils
import quopri
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import Message
from email.parser import BytesParser

from kpixl.fiscal import BE_OFFSET
from kpixl.intake.archive import archive_arrivals
from kpixl.intake.model import (
    ARCHIVE_SUFFIX,
    WORKBOOK_SUFFIXES,
    Arrival,
    InputProblem,
    Origin,
    suffix_of,
)
from kpixl.intake.names import (
    attachment_name,
    decode_base64,
    decode_header,
    raw_header,
    raw_headers,
)
from kpixl.safety import Limits

__all__ = ["MAX_DEPTH", "message_arrivals", "parse_date"]

MAX_DEPTH = 8
"""Most levels of MIME nesting followed (multiparts and forwarded messages together).
Real mail nests three or four deep; a message built to nest thousands deep is not read
past this."""

_SPREADSHEET_TYPES: dict[str, str] = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
    "application/vnd.ms-excel.sheet.binary.macroenabled.12": ".xlsb",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/zip": ".zip",
    "application/x-zip-compressed": ".zip",
}
"""Content types of nameless parts that are taken, and the extension they are given."""

_MAIL_HEADERS = frozenset(
    name.lower()
    for name in (
        "From",
        "To",
        "Cc",
        "Date",
        "Subject",
        "Message-ID",
        "MIME-Version",
        "Content-Type",
        "Received",
        "Return-Path",
        "Delivered-To",
        "Sender",
        "Reply-To",
    )
)
"""Header fields of which a message has at least one: else the bytes are not an e-mail."""

_STRUCTURE_DEFECTS = (
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.CloseBoundaryNotFoundDefect,
    email.errors.MultipartInvariantViolationDefect,
    email.errors.MissingHeaderBodySeparatorDefect,
)

_PARSER = BytesParser(policy=policy.default)


def parse_date(value: str) -> datetime | None:
    """An RFC 5322 date as an aware UTC datetime, or None when it cannot be read.

    A date without a zone (``-0000``, or none) is taken as UTC. A year past 2400 is a
    Buddhist Era year written by a Thai-localised mail program (Java's ``th_TH`` locale
    formats dates in the Buddhist calendar): 543 is subtracted, or the e-mail would
    supersede every later one for five centuries.
    """
    try:
        fields = email.utils.parsedate_tz(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if fields is None:
        return None
    year, month, day, hour, minute, second = fields[:6]
    if year > 2400:
        year -= BE_OFFSET
    try:
        zone = timezone(timedelta(seconds=fields[9] or 0))
        return datetime(year, month, day, hour, minute, second, tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


@dataclass(frozen=True)
class _Envelope:
    """Who sent a message and when: the fields of an e-mail :class:`Origin`."""

    sender: str = ""
    subject: str = ""
    sent_at: datetime | None = None
    message_id: str = ""
    received: datetime | None = None

    @classmethod
    def of(cls, message: Message, outer: _Envelope | None = None) -> _Envelope:
        """The envelope of a message; ``outer``'s fields fill in the ones it lacks."""

        def text(name: str) -> str:
            raw = raw_header(message, name)
            return decode_header(raw) if raw is not None else ""

        date = raw_header(message, "Date")
        received = raw_headers(message, "Received")
        own = cls(
            sender=text("From"),
            subject=text("Subject"),
            sent_at=parse_date(decode_header(date)) if date is not None else None,
            message_id=text("Message-ID"),
            # The topmost Received: is the last server's, the office's own, on delivery.
            received=parse_date(decode_header(received[0]).rpartition(";")[2])
            if received
            else None,
        )
        if outer is None:
            return own
        return cls(
            sender=own.sender or outer.sender,
            subject=own.subject or outer.subject,
            sent_at=own.sent_at or outer.sent_at,
            message_id=own.message_id or outer.message_id,
            received=own.received or outer.received,
        )


class _Walk:
    """The state of the search of one e-mail file's message."""

    def __init__(self, path: str, fallback: datetime, limits: Limits) -> None:
        self.path = path
        self.fallback = fallback
        self.limits = limits
        self.leaves = 0
        self.damaged: list[str] = []
        self.found = 0

    def origin(self, envelope: _Envelope, member: str) -> Origin:
        return Origin(
            kind="email",
            path=self.path,
            member=member,
            sender=envelope.sender,
            subject=envelope.subject,
            sent_at=envelope.sent_at,
            message_id=envelope.message_id,
        )

    def received_at(self, envelope: _Envelope) -> datetime:
        return envelope.sent_at or envelope.received or self.fallback

    def message(
        self, message: Message, outer: _Envelope | None, depth: int
    ) -> Iterator[Arrival | InputProblem]:
        envelope = _Envelope.of(message, outer)
        yield from self.part(message, envelope, depth)

    def part(
        self, part: Message, envelope: _Envelope, depth: int
    ) -> Iterator[Arrival | InputProblem]:
        self.damaged.extend(
            type(defect).__name__
            for defect in part.defects
            if isinstance(defect, _STRUCTURE_DEFECTS)
        )
        if depth > MAX_DEPTH:
            self.damaged.append(f"nested more than {MAX_DEPTH} levels deep")
            return
        if part.get_content_type() == "multipart/report":
            # A delivery report returns a message the mailbox's owner sent (a template
            # mailed out, bounced): never a division's return.
            return
        if part.is_multipart():
            payload = part.get_payload()
            children = (
                [c for c in payload if isinstance(c, Message)] if isinstance(payload, list) else []
            )
            forwarded = part.get_content_maintype() == "message"
            encoded = _transfer_encoding(part)
            if forwarded and encoded in ("base64", "quoted-printable") and children:
                # RFC 2046 forbids encoding a message/rfc822 part, some programs do it
                # anyway, and the parser then reads the encoded text as the message.
                inner = _decoded_message(children[0], encoded)
                yield from self.message(inner, envelope, depth + 1)
                return
            for child in children:
                if forwarded:
                    yield from self.message(child, envelope, depth + 1)
                else:
                    yield from self.part(child, envelope, depth + 1)
            return
        yield from self.leaf(part, envelope, depth)

    def leaf(
        self, part: Message, envelope: _Envelope, depth: int
    ) -> Iterator[Arrival | InputProblem]:
        self.leaves += 1
        name = attachment_name(part)
        content_type = part.get_content_type()
        suffix = suffix_of(name)
        if not name and content_type in _SPREADSHEET_TYPES:
            name = f"attachment-{self.leaves}{_SPREADSHEET_TYPES[content_type]}"
            suffix = suffix_of(name)
        forwarded = suffix == ".eml" or content_type == "message/rfc822"
        if suffix not in WORKBOOK_SUFFIXES and suffix != ARCHIVE_SUFFIX and not forwarded:
            return
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if forwarded:
            # A forwarded message the parser left whole (base64-encoded, or named .eml).
            yield from self.message(_PARSER.parsebytes(data), envelope, depth + 1)
            return
        self.found += 1
        origin = self.origin(envelope, name)
        received_at = self.received_at(envelope)
        if suffix != ARCHIVE_SUFFIX:
            yield Arrival(name=name, origin=origin, received_at=received_at, data=data)
            return
        yield from archive_arrivals(
            data,
            label=name,
            origin=origin,
            received_at=received_at,
            problem_path=self.path,
            limits=self.limits,
            whole=lambda: Arrival(name=name, origin=origin, received_at=received_at, data=data),
        )


def _transfer_encoding(part: Message) -> str:
    raw = raw_header(part, "Content-Transfer-Encoding")
    return raw.strip().lower() if raw else ""


def _decoded_message(parsed: Message, encoding: str) -> Message:
    """The message inside an encoded ``message/rfc822`` part the parser read as text."""
    payload = parsed.get_payload()
    text = (payload if isinstance(payload, str) else "").encode("ascii", "surrogateescape")
    data = decode_base64(text) if encoding == "base64" else quopri.decodestring(text)
    return _PARSER.parsebytes(data)


def _looks_like_mail(message: Message) -> bool:
    return any(key.lower() in _MAIL_HEADERS for key, _ in message.raw_items())


def message_arrivals(
    raw: bytes, *, path: str, where: str, fallback: datetime, limits: Limits
) -> Iterator[Arrival | InputProblem]:
    """The workbook attachments of one e-mail message, and its problems.

    Args:
        raw: The message's bytes (an mbox message without its ``From`` line).
        path: The :attr:`Origin.path` of its arrivals (the ``.eml``, mbox or Maildir file).
        where: Which message of the file, for problem reasons (``"message 3"``), or ``""``.
        fallback: The receipt time when the message has no usable ``Date:`` or
            ``Received:`` (the file's modification time).
        limits: The limits for zip attachments.

    Yields:
        Arrivals in the order of the parts, then a problem if the message was damaged;
        or a single problem when it is not an e-mail at all.
    """
    label = f"{where}: " if where else ""
    if not raw.strip():
        yield InputProblem(path, "file-corrupt", f"{label}the e-mail is empty")
        return
    walk = _Walk(path, fallback, limits)
    try:
        message = _PARSER.parsebytes(raw)
        if not _looks_like_mail(message):
            yield InputProblem(path, "file-corrupt", f"{label}not an e-mail (no header field)")
            return
        parts = walk.message(message, None, 0)
    except Exception as exc:
        yield _unreadable(path, label, exc)
        return
    while True:
        try:
            item = next(parts)
        except StopIteration:
            break
        except Exception as exc:
            yield _unreadable(path, label, exc)
            return
        yield item
    if walk.damaged:
        kinds = ", ".join(sorted(set(walk.damaged)))
        yield InputProblem(
            path,
            "file-corrupt",
            f"{label}the e-mail is truncated or its MIME structure is damaged ({kinds}); "
            f"{walk.found} attachment(s) could still be taken from it",
        )


def _unreadable(path: str, label: str, exc: Exception) -> InputProblem:
    # The email package turns almost every flaw into a recorded defect, but it has had
    # (and fixed, one by one) crashes on malformed headers and deep nesting; a message
    # that trips one is unreadable, and the rest of the mailbox goes on.
    return InputProblem(
        path,
        "file-corrupt",
        f"{label}the e-mail cannot be taken apart ({type(exc).__name__}: {exc})",
    )
