"""Test e-mails, mboxes, Maildirs and zips, made at test time (no committed binaries).

* :func:`workbook` -- distinct small bytes that look like an ``.xlsx`` package (intake
  never opens a workbook, so a real one is not needed).
* :func:`built_message` -- a message made with :class:`email.message.EmailMessage`, as a
  mail program would send it (RFC 2231 Thai file names, RFC 2047 Thai headers).
* :func:`raw_message` and :class:`RawPart` -- hand-written MIME, for exactly the header
  spellings real mail programs use (continuations, encoded words in ``filename=``, raw
  8-bit names, TIS-620 and windows-874), and for damage.
* :func:`b_word`, :func:`q_word`, :func:`rfc2231` -- the encodings, written out.
* :func:`write_mbox`, :func:`write_maildir` -- mailboxes of those messages.
* :func:`zip_bytes`, :func:`zip_bomb` -- archives, with control over the name encoding.
"""

from __future__ import annotations

import base64
import email.utils
import io
import struct
import urllib.parse
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from pathlib import Path

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXED = (2022, 10, 11, 9, 0, 0)

OFFICE = "กองยุทธศาสตร์และงบประมาณ <str@pao-nakhonsawan.example>"
FIN = "กองคลัง อบจ.นครสวรรค์ <fin@pao-nakhonsawan.example>"


def workbook(label: str) -> bytes:
    """Small deterministic bytes of a zip holding ``[Content_Types].xml`` and ``label``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("[Content_Types].xml", "<Types/>"), ("xl/label.txt", label)):
            archive.writestr(zipfile.ZipInfo(name, FIXED), text.encode())
    return buffer.getvalue()


def date(*args: int, offset_hours: int = 7) -> str:
    """An RFC 5322 date (Thai time, +07:00, unless told)."""
    moment = datetime(*args, tzinfo=timezone(timedelta(hours=offset_hours)))  # type: ignore[misc]
    return email.utils.format_datetime(moment)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def built_message(
    attachments: Sequence[tuple[str, bytes, str]] = (),
    *,
    sender: str = FIN,
    subject: str = "ส่งแบบประเมินตัวชี้วัด",
    sent: str | None = None,
    message_id: str = "<m1@pao-nakhonsawan.example>",
    body: str = "เรียน กองยุทธศาสตร์ฯ ส่งไฟล์ตามแนบครับ",
    forwarded: Sequence[bytes] = (),
    inline: Sequence[tuple[str, bytes, str]] = (),
) -> bytes:
    """A message made with :class:`EmailMessage` and serialised for SMTP.

    Args:
        attachments: ``(file name, content, content type)`` of each attachment.
        sender: From.
        subject: Subject.
        sent: Date (default 11 Oct 2022 09:00 +07:00).
        message_id: Message-ID.
        body: The text.
        forwarded: Whole messages attached as ``message/rfc822``.
        inline: Parts with ``Content-Disposition: inline`` and a file name.
    """
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = OFFICE
    message["Subject"] = subject
    message["Date"] = sent or date(*FIXED)
    message["Message-ID"] = message_id
    message.set_content(body)
    for name, data, content_type in attachments:
        maintype, subtype = content_type.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    for name, data, content_type in inline:
        maintype, subtype = content_type.split("/", 1)
        message.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=name, disposition="inline"
        )
    for raw in forwarded:
        inner = email.message_from_bytes(raw, policy=policy.SMTP)
        message.add_attachment(inner)
    # A fixed boundary per message: a forwarded message must not share its boundary.
    message.set_boundary(f"==kpixl-{zlib.crc32(message_id.encode()):08x}==")
    return message.as_bytes()


def b_word(text: str, charset: str = "UTF-8") -> str:
    """``text`` as one RFC 2047 B-encoded word."""
    return f"=?{charset}?B?{base64.b64encode(text.encode(_codec(charset))).decode()}?="


def q_word(text: str, charset: str = "UTF-8") -> str:
    """``text`` as one RFC 2047 Q-encoded word."""
    data = text.encode(_codec(charset))
    encoded = "".join(
        chr(b) if chr(b).isalnum() and b < 0x80 else "_" if b == 0x20 else f"={b:02X}" for b in data
    )
    return f"=?{charset}?Q?{encoded}?="


def split_b_words(text: str, size: int = 9, charset: str = "UTF-8") -> str:
    """``text`` as several B-encoded words of ``size`` bytes each, split mid-character
    the way some mail programs do."""
    data = text.encode(_codec(charset))
    words = [
        f"=?{charset}?B?{base64.b64encode(data[i : i + size]).decode()}?="
        for i in range(0, len(data), size)
    ]
    return "\r\n ".join(words)


def rfc2231(
    param: str, text: str, *, charset: str = "UTF-8", size: int = 0, language: str = ""
) -> str:
    """``param*=charset'lang'%XX…``, or continuations ``param*0*=…; param*1*=…`` of
    ``size`` bytes each (cut wherever the bytes fall, Thai characters included)."""
    data = text.encode(_codec(charset))
    if not size:
        return f"{param}*={charset}'{language}'{urllib.parse.quote(data, safe='')}"
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    sections = []
    for index, chunk in enumerate(chunks):
        prefix = f"{charset}'{language}'" if index == 0 else ""
        sections.append(f"{param}*{index}*={prefix}{urllib.parse.quote(chunk, safe='')}")
    return ";\r\n ".join(sections)


def _codec(charset: str) -> str:
    """The Python codec of the charset labels the tests write."""
    legacy = ("windows-874", "x-windows-874", "tis-620", "iso-8859-11")
    return "cp874" if charset.lower() in legacy else charset


@dataclass
class RawPart:
    """One leaf part of a hand-written message.

    Attributes:
        headers: Header lines, as written (``"Content-Type: …"``).
        body: The content; base64-encoded unless ``encoded`` is given.
        encoded: The body exactly as it goes in the message (to write damage).
    """

    headers: list[str]
    body: bytes = b""
    encoded: str | None = None

    def render(self) -> str:
        if self.encoded is not None:
            text = self.encoded
            cte = []
        else:
            text = base64.encodebytes(self.body).decode("ascii").replace("\n", "\r\n")
            cte = ["Content-Transfer-Encoding: base64"]
        return "\r\n".join([*self.headers, *cte]) + "\r\n\r\n" + text


def attachment(name_params: str, data: bytes, content_type: str = XLSX_TYPE) -> RawPart:
    """An attachment part whose Content-Disposition parameters are ``name_params``."""
    return RawPart(
        [f"Content-Type: {content_type}", f"Content-Disposition: attachment; {name_params}"],
        data,
    )


@dataclass
class RawHeaders:
    """The top headers of a hand-written message."""

    sender: str = "fin@pao-nakhonsawan.example"
    subject: str = "returns"
    sent: str = "Tue, 11 Oct 2022 09:00:00 +0700"
    message_id: str = "<raw-1@pao-nakhonsawan.example>"
    extra: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [
            f"From: {self.sender}",
            f"To: {OFFICE}",
            f"Subject: {self.subject}",
            f"Date: {self.sent}",
            f"Message-ID: {self.message_id}",
            "MIME-Version: 1.0",
        ]
        return [*self.extra, *(line for line in lines if not line.endswith(": "))]


def raw_message(
    parts: Iterable[RawPart], headers: RawHeaders | None = None, *, close: bool = True
) -> bytes:
    """A hand-written ``multipart/mixed`` message: a text part, then ``parts``.

    Args:
        parts: The other parts.
        headers: The top headers.
        close: False leaves out the closing boundary (a truncated message).
    """
    boundary = "----=_Part_kpixl_0"
    text = RawPart(
        ['Content-Type: text/plain; charset="UTF-8"', "Content-Transfer-Encoding: 8bit"],
        encoded="ส่งไฟล์ครับ",
    )
    lines = [*(headers or RawHeaders()).lines()]
    lines.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
    out = "\r\n".join(lines) + "\r\n\r\nThis is a multi-part message in MIME format.\r\n"
    for part in [text, *parts]:
        out += f"--{boundary}\r\n{part.render()}\r\n"
    if close:
        out += f"--{boundary}--\r\n"
    return out.encode("utf-8", "surrogateescape")


def write_mbox(path: Path, messages: Iterable[bytes]) -> Path:
    """An mbox file: each message after a ``From`` line, ``From`` in bodies quoted."""
    with path.open("wb") as fh:
        for index, raw in enumerate(messages):
            fh.write(f"From sender{index}@example Tue Oct 11 09:0{index}:00 2022\n".encode())
            body = raw.replace(b"\r\n", b"\n")
            body = b"\n".join(
                b">" + line if line.startswith(b"From ") else line for line in body.split(b"\n")
            )
            fh.write(body.rstrip(b"\n") + b"\n\n")
    return path


def write_maildir(folder: Path, messages: Mapping[str, bytes], *, sub: str = "cur") -> Path:
    """A Maildir (``cur/``, ``new/``, ``tmp/``) with ``messages`` by file name in ``sub``."""
    for name in ("cur", "new", "tmp"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    for name, raw in messages.items():
        (folder / sub / name).write_bytes(raw)
    return folder


def zip_bytes(
    members: Mapping[str, bytes],
    *,
    utf8: bool = True,
    encoding: str = "utf-8",
    unicode_extra: bool = False,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A zip of ``members`` with control over how names are stored.

    Args:
        members: Member path → content.
        utf8: Set the UTF-8 flag (bit 11) on non-ASCII names.
        encoding: How a name without the flag is stored (``cp874`` for a Thai Windows
            compressed folder).
        unicode_extra: Store the name in ``encoding`` and add an Info-ZIP Unicode Path
            field with the UTF-8 name (as 7-Zip does).
        compression: The compression method.
    """
    buffer = io.BytesIO()
    patches: list[tuple[bytes, bytes]] = []
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for index, (name, data) in enumerate(members.items()):
            info = zipfile.ZipInfo(name, FIXED)
            info.compress_type = compression
            if not utf8 and not name.isascii():
                raw = name.encode(encoding)
                if unicode_extra:
                    field_data = b"\x01" + struct.pack("<I", zlib.crc32(raw)) + name.encode()
                    info.extra = struct.pack("<HH", 0x7075, len(field_data)) + field_data
                # zipfile stores any non-ASCII name as flagged UTF-8: store an ASCII
                # stand-in of the same length and put the raw bytes in its place after.
                stand_in = f"@{index}@".ljust(len(raw), "_").encode()
                info.filename = stand_in.decode()
                patches.append((stand_in, raw))
            archive.writestr(info, data)
    out = buffer.getvalue()
    for stand_in, raw in patches:
        assert out.count(stand_in) == 2  # the local header and the central directory
        out = out.replace(stand_in, raw)
    return out


def zip_bomb(inflated: int, name: str = "bomb.xlsx") -> bytes:
    """A zip with one member of ``inflated`` zero bytes, sizes declared honestly."""
    return zip_bytes({name: bytes(inflated)})


def mark_encrypted(data: bytes, member: str) -> bytes:
    """A zip with ``member`` flagged as encrypted (bit 0), as a password-protected zip
    has it (``zipfile`` cannot write one)."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
        start = archive.start_dir  # type: ignore[attr-defined]
    out[info.header_offset + 6] |= 0x1
    position = start
    while out[position : position + 4] == b"PK\x01\x02":
        length = struct.unpack_from("<H", out, position + 28)[0]
        if bytes(out[position + 46 : position + 46 + length]) == member.encode():
            out[position + 8] |= 0x1
        extra, comment = struct.unpack_from("<HH", out, position + 30)
        position += 46 + length + extra + comment
    return bytes(out)
