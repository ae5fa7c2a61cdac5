"""Decoding what mail programs write: RFC 2047 words, RFC 2231 parameters, Thai charsets.

The standard library decodes these too, but not the way Thai mail arrives:

* ``windows-874``, the Thai Windows code page that Outlook labels Thai text with, is not a
  Python codec name, and ``TIS-620`` is decoded strictly although senders mean the
  Windows superset. Following the WHATWG Encoding Standard, every Thai legacy label
  (``TIS-620``, ``ISO-8859-11``, ``windows-874``, …) is decoded as ``cp874``.
* Mail programs split a long name into several encoded words or RFC 2231 continuations at
  byte boundaries, in the middle of a three-byte Thai character. The bytes of adjacent
  pieces in one charset are joined before they are decoded, so the character survives.
* Some programs send raw 8-bit names (UTF-8, or TIS-620 from older Thai software) without
  any encoding, or mislabel TIS-620 text as UTF-8. Bytes that are not valid in the
  declared charset are read as UTF-8, then as ``cp874``.

Nothing here raises on any input: what cannot be decoded becomes U+FFFD, and every result
is a printable ``str`` (no lone surrogates, no control characters in one-line values).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import os
import re
import unicodedata
from collections.abc import Iterable
from email.message import Message

__all__ = [
    "attachment_name",
    "clean_name",
    "decode_base64",
    "decode_bytes",
    "decode_header",
    "header_params",
    "printable_path",
    "raw_header",
    "raw_headers",
]

_THAI_LEGACY = "cp874"

_ALIASES: dict[str, str] = {
    label.lower(): _THAI_LEGACY
    for label in (
        "TIS-620",
        "TIS620",
        "TIS_620",
        "X-TIS620",
        "ISO-8859-11",
        "ISO8859-11",
        "ISO885911",
        "ISO_8859-11",
        "WINDOWS-874",
        "X-WINDOWS-874",
        "DOS-874",
        "CP874",
        "MS874",
    )
}
# A charset label of plain ASCII, or none at all, says nothing about 8-bit bytes: guess.
_ALIASES.update(
    {label.lower(): "" for label in ("US-ASCII", "ASCII", "UNKNOWN-8BIT", "X-UNKNOWN", "")}
)


def _codec(charset: str | None) -> str:
    """The Python codec for a MIME charset label; ``""`` when it is unknown or says nothing.

    An RFC 2231 language suffix (``UTF-8*th``) is ignored.
    """
    label = (charset or "").split("*", 1)[0].strip().strip('"').lower()
    if label in _ALIASES:
        return _ALIASES[label]
    try:
        return codecs.lookup(label).name
    except LookupError:
        return ""


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode text bytes in a declared charset, else as UTF-8, else as Thai ``cp874``.

    Bytes that fail both the declared charset and UTF-8 are read as ``cp874`` (TIS-620
    mislabelled as UTF-8, or sent raw) unless they hold UTF-8's Thai lead bytes
    (``E0 B8``/``E0 B9``): then they are damaged UTF-8, decoded with U+FFFD where broken.

    Args:
        data: The bytes.
        charset: The declared MIME charset label, if any.

    Returns:
        The text; bytes no candidate decodes become U+FFFD.
    """
    codec = _codec(charset)
    for candidate in dict.fromkeys(c for c in (codec, "utf-8") if c):
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    damaged_utf8 = b"\xe0\xb8" in data or b"\xe0\xb9" in data
    return data.decode("utf-8" if damaged_utf8 else _THAI_LEGACY, "replace")


def _to_bytes(text: str) -> bytes:
    """The bytes behind a header value: the parser keeps 8-bit bytes as lone surrogates."""
    return text.encode("utf-8", "surrogateescape")


def _printable(text: str, *, one_line: bool) -> str:
    text = re.sub("[\ud800-\udfff]", "\ufffd", text)
    if one_line:
        text = re.sub(r"[\x00-\x1f\x7f]+", " ", text)
        text = re.sub(r"\s+", " ", text).strip()
    return unicodedata.normalize("NFC", text)


def decode_base64(text: bytes) -> bytes:
    """Lenient base64: stray characters dropped, missing padding supplied."""
    text = re.sub(rb"[^A-Za-z0-9+/]", b"", text)
    text = text[: len(text) - len(text) % 4] if len(text) % 4 == 1 else text
    try:
        return base64.b64decode(text + b"=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return b""


def _q_decode(text: bytes) -> bytes:
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), text.replace(b"_", b" "))


_ENCODED_WORD = re.compile(rb"=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=")


def decode_header(raw: str) -> str:
    """Decode a header value: unfold it, decode RFC 2047 words and raw 8-bit text.

    Adjacent encoded words in the same charset are joined before decoding (see the module
    docstring); whitespace between encoded words is dropped, as RFC 2047 says.

    Args:
        raw: The value as stored by the parser (:func:`raw_header`).

    Returns:
        The decoded value on one line, whitespace collapsed.
    """
    data = _to_bytes(raw)
    pieces: list[tuple[str | None, bytes]] = []  # (charset of an encoded word, or None)
    position = 0
    for match in _ENCODED_WORD.finditer(data):
        between = data[position : match.start()]
        follows_word = bool(pieces) and pieces[-1][0] is not None
        if between and not (follows_word and not between.strip()):
            pieces.append((None, between))
        charset = match[1].decode("ascii", "replace")
        decoded = decode_base64(match[3]) if match[2] in b"Bb" else _q_decode(match[3])
        if pieces and pieces[-1][0] is not None and _codec(pieces[-1][0]) == _codec(charset):
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + decoded)
        else:
            pieces.append((charset, decoded))
        position = match.end()
    if position < len(data):
        pieces.append((None, data[position:]))
    text = "".join(decode_bytes(chunk, charset) for charset, chunk in pieces)
    return _printable(text, one_line=True)


def raw_header(message: Message, name: str) -> str | None:
    """The first header called ``name`` as the parser stored it (before any decoding).

    Reading the stored value, rather than the policy's header object, keeps decoding in
    this module's hands (see the module docstring) and cannot raise on a malformed value.
    """
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def raw_headers(message: Message, name: str) -> list[str]:
    """Every header called ``name``, as stored, in order."""
    wanted = name.lower()
    return [str(value) for key, value in message.raw_items() if key.lower() == wanted]


def _split_params(data: bytes) -> Iterable[bytes]:
    """Split a parameterised value at the semicolons outside quoted strings."""
    start = 0
    quoted = False
    escaped = False
    for index, byte in enumerate(data):
        if escaped:
            escaped = False
        elif quoted and byte == 0x5C:  # backslash
            escaped = True
        elif byte == 0x22:  # double quote
            quoted = not quoted
        elif byte == 0x3B and not quoted:  # semicolon
            yield data[start:index]
            start = index + 1
    yield data[start:]


def _unquote(value: bytes) -> tuple[bytes, bool]:
    value = value.strip()
    if value.startswith(b'"'):
        body = value[1:-1] if value.endswith(b'"') and len(value) > 1 else value[1:]
        return re.sub(rb"\\(.)", rb"\1", body), True
    return value, False


_SECTION = re.compile(r"^(?P<name>[^*]+)(?:\*(?P<number>\d+))?(?P<extended>\*)?$")


def header_params(raw: str) -> tuple[str, dict[str, str]]:
    """Parse a ``Content-Type`` or ``Content-Disposition`` value and decode its parameters.

    RFC 2231 parameters (``filename*=UTF-8''%E0%B8%81…``) and their continuations
    (``filename*0*=…; filename*1*=…``) are joined as bytes and decoded in the charset of
    the first section; an extended parameter wins over a plain one of the same name. A
    plain value may hold RFC 2047 words (``filename="=?UTF-8?B?…?="``: not allowed by the
    RFCs, written by most mail programs) or raw 8-bit text: both are decoded.

    Args:
        raw: The header value as stored.

    Returns:
        The value before the first ``;`` in lower case (``"attachment"``,
        ``"application/zip"``) and the parameters by lower-case name.
    """
    data = re.sub(rb"\r?\n", b"", _to_bytes(raw))
    parts = iter(_split_params(data))
    main = next(parts, b"").strip().decode("ascii", "replace").lower()
    plain: dict[str, str] = {}
    sections: dict[str, list[tuple[int, bool, bytes]]] = {}
    for part in parts:
        key, sep, value = part.partition(b"=")
        if not sep:
            continue
        name = key.strip().decode("ascii", "replace").lower()
        match = _SECTION.match(name)
        if match is None:
            continue
        unquoted, _ = _unquote(value)
        if match["number"] is None and match["extended"] is None:
            plain.setdefault(name, decode_header(unquoted.decode("utf-8", "surrogateescape")))
        else:
            number = int(match["number"] or 0)
            sections.setdefault(match["name"], []).append(
                (number, match["extended"] is not None, unquoted)
            )
    params = dict(plain)
    for name, pieces in sections.items():
        params[name] = _join_sections(sorted(pieces, key=lambda p: p[0]))
    return main, params


def _join_sections(pieces: list[tuple[int, bool, bytes]]) -> str:
    charset = ""
    joined = b""
    for index, (_, extended, value) in enumerate(pieces):
        if extended:
            if index == 0 and value.count(b"'") >= 2:
                label, _, value = value.split(b"'", 2)
                charset = label.decode("ascii", "replace")
            value = re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), value)
        joined += value
    return _printable(decode_bytes(joined, charset), one_line=True)


def clean_name(name: str) -> str:
    """A file name as sent, reduced to its last component and made printable.

    Folders (``C:\\Users\\…\\FIN.xlsx`` from old Outlook, ``../../FIN.xlsx`` from a
    hostile zip) are dropped: a name is only ever a label, and a label without folders
    cannot be mistaken for a place to write.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _printable(base, one_line=True)


def attachment_name(part: Message) -> str:
    """The decoded file name of a MIME part: ``filename`` of ``Content-Disposition``, else
    ``name`` of ``Content-Type`` (see :func:`header_params`); ``""`` when it has none."""
    for header, param in (("Content-Disposition", "filename"), ("Content-Type", "name")):
        raw = raw_header(part, header)
        if raw is None:
            continue
        value = header_params(raw)[1].get(param, "")
        if value.strip():
            return clean_name(value)
    return ""


def printable_path(path: os.PathLike[str] | str) -> str:
    """A path as text that can always be printed and stored.

    On POSIX a file name the file system cannot decode reaches Python with lone
    surrogates; its bytes are decoded as UTF-8, else as Thai ``cp874`` (a zip from a Thai
    Windows machine unpacked on Linux), else with U+FFFD.
    """
    text = os.fspath(path)
    if not re.search("[\ud800-\udfff]", text):
        return text
    return _printable(decode_bytes(os.fsencode(text)), one_line=False)
