"""Byte-level helpers for editing OOXML parts in place.

The patcher never re-serialises a part: it finds the few elements it changes with regular
expressions over the part's bytes and splices new bytes in, so namespace prefixes,
``mc:Ignorable`` content, attribute order and whitespace of everything else stay exactly as
the original writer left them. That is only safe on well-formed XML without CDATA sections
or comments (where a ``<c`` could hide inside text): :func:`check_part` verifies both before
a part is edited, and refuses DOCTYPE and entity declarations.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple
from xml.parsers import expat

from kpixl.patch.errors import PatchUnsupported

MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_MAIN_NS = b"http://purl.oclc.org/ooxml/spreadsheetml/main"

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_CELL_TEXT = 32_767
"""Excel keeps at most this many characters in a cell (and in a comment)."""

ATTRS = rb"(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*\s*"
"""A start tag's attributes: name = "value" | 'value' (a quoted value may hold ">" in
well-formed XML)."""


class _Refused(Exception):
    pass


def _refuse(*_args: object) -> None:
    raise _Refused


REMEMBERED_BYTES = 64 * 1024
"""The largest part whose verdict :func:`check_part` remembers."""


def check_part(name: str, data: bytes, *, remember: bool = False) -> None:
    """Refuse a part the byte-level editing cannot handle safely.

    Args:
        name: The part's name (for the message).
        data: Its bytes.
        remember: Remember the verdict by the part's very bytes (when it is small): for a
            part a template brings, which comes back unchanged in every workbook of a round
            (styles, workbook, relationships, content types), not one holding the cells.

    Raises:
        PatchUnsupported: the part is not UTF-8, not well-formed, declares a DOCTYPE or
            entities, or holds CDATA sections or XML comments.
    """
    small = len(data) <= REMEMBERED_BYTES
    refusal = _remembered_refusal(data) if remember and small else _refusal(data)
    if refusal is not None:
        raise PatchUnsupported(f"{name} {refusal}")


def _refusal(data: bytes) -> str | None:
    """Why :func:`check_part` refuses ``data``, or None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "is UTF-16 encoded"
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    try:
        parser.Parse(data, True)
    except _Refused:
        return "declares a DOCTYPE or entities"
    except expat.ExpatError as error:
        return f"is malformed XML ({error})"
    if b"<![CDATA[" in data or b"<!--" in data:
        return "holds CDATA sections or XML comments"
    return None


@functools.lru_cache(maxsize=64)
def _remembered_refusal(data: bytes) -> str | None:
    return _refusal(data)


class Element(NamedTuple):
    """Where an element lies in a part: ``start`` … ``end`` (exclusive), its start tag
    ending at ``open_end``; ``empty`` when the start tag closes itself; ``close_len`` the
    length of its end tag. (A tuple: a sheet's scan makes one per row and cell.)"""

    start: int
    open_end: int
    end: int
    empty: bool
    close_len: int = 0

    @property
    def inner(self) -> tuple[int, int]:
        """The span of the element's content (empty for a self-closing element)."""
        return self.open_end, self.end - self.close_len


@functools.cache
def tag_pattern(prefix: bytes, local: bytes) -> re.Pattern[bytes]:
    """A start tag ``<prefix:local …>`` or ``<prefix:local …/>`` (group 1: ``/`` if empty)."""
    name = re.escape(prefix + b":" + local if prefix else local)
    return re.compile(b"<" + name + rb"(?=[\s/>])" + ATTRS + rb"(/?)>")


def find_all(
    data: bytes, prefix: bytes, local: bytes, start: int = 0, end: int | None = None
) -> list[Element]:
    """Every ``local`` element in ``data[start:end]``; they must not nest in themselves."""
    stop = len(data) if end is None else end
    close = b"</" + (prefix + b":" if prefix else b"") + local + b">"
    found: list[Element] = []
    pattern = tag_pattern(prefix, local)
    position = start
    while True:
        match = pattern.search(data, position, stop)
        if match is None:
            return found
        if match.group(1):
            found.append(Element(match.start(), match.end(), match.end(), True))
            position = match.end()
            continue
        closing = data.find(close, match.end(), stop)
        if closing < 0:
            raise PatchUnsupported(f"an unclosed <{local.decode()}> element")
        element = Element(match.start(), match.end(), closing + len(close), False, len(close))
        found.append(element)
        position = element.end


def find_one(
    data: bytes, prefix: bytes, local: bytes, start: int = 0, end: int | None = None
) -> Element | None:
    """The first ``local`` element in ``data[start:end]``, or None."""
    stop = len(data) if end is None else end
    match = tag_pattern(prefix, local).search(data, start, stop)
    if match is None:
        return None
    if match.group(1):
        return Element(match.start(), match.end(), match.end(), True)
    close = b"</" + (prefix + b":" if prefix else b"") + local + b">"
    closing = data.find(close, match.end(), stop)
    if closing < 0:
        raise PatchUnsupported(f"an unclosed <{local.decode()}> element")
    return Element(match.start(), match.end(), closing + len(close), False, len(close))


def root_tag(data: bytes) -> tuple[int, int, bytes, bytes]:
    """(start, end, prefix, local name) of the root element's start tag."""
    match = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)(?=[\s/>])" + ATTRS + rb"/?>")
    position = 0
    while True:
        found = match.search(data, position)
        if found is None:
            raise PatchUnsupported("no root element")
        if data[found.start() + 1 : found.start() + 2] not in (b"?", b"!"):
            prefix = (found.group(1) or b":")[:-1]
            return found.start(), found.end(), prefix, found.group(2)
        position = found.end()


def namespaces(tag: bytes) -> dict[bytes, bytes]:
    """Prefix → URI of the declarations in a start tag (``b""`` for the default)."""
    return {
        (m.group(1) or b":")[1:]: m.group(3)
        for m in re.finditer(rb"\sxmlns(:[\w.-]+)?\s*=\s*([\"'])(.*?)\2", tag)
    }


def prefix_of(tag: bytes, uri: bytes) -> bytes | None:
    """The prefix a start tag declares for ``uri`` (``b""`` for the default), or None."""
    for prefix, declared in namespaces(tag).items():
        if declared == uri:
            return prefix
    return None


def qname(prefix: bytes, local: bytes) -> bytes:
    """``prefix:local`` (just ``local`` for the default namespace)."""
    return prefix + b":" + local if prefix else local


@functools.cache
def _attr_pattern(name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"\s" + re.escape(name) + rb"\s*=\s*(\"([^\"]*)\"|'([^']*)')")


def get_attr(tag: bytes, name: bytes) -> bytes | None:
    """The raw (still escaped) value of attribute ``name`` in a start tag, or None."""
    match = _attr_pattern(name).search(tag)
    if match is None:
        return None
    return match.group(2) if match.group(2) is not None else match.group(3)


def set_attr(tag: bytes, name: bytes, value: bytes | None) -> bytes:
    """The start tag with attribute ``name`` set to ``value`` (escaped), or removed (None)."""
    match = _attr_pattern(name).search(tag)
    if match is not None:
        new = b"" if value is None else b" " + name + b'="' + value + b'"'
        return tag[: match.start()] + new + tag[match.end() :]
    if value is None:
        return tag
    cut = len(tag) - (2 if tag.endswith(b"/>") else 1)
    while cut > 0 and tag[cut - 1 : cut].isspace():
        cut -= 1
    return tag[:cut] + b" " + name + b'="' + value + b'"' + tag[cut:]


def clean_text(text: str, limit: int = MAX_CELL_TEXT) -> str:
    """``text`` as a cell can hold it: XML-illegal characters replaced, cut with "…"."""
    if _ILLEGAL.search(text) is not None:
        text = _ILLEGAL.sub("\ufffd", text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def escape(text: str, *, quote: bool = True) -> bytes:
    """Text as a double-quoted attribute value, or with ``quote=False`` as element content
    (where a quote needs no reference: a record of XML in a cell is a quarter shorter), UTF-8.
    """
    # bytes.replace: a third of the time of str.replace on a long text (a record's chunk),
    # and the same result (these ASCII bytes never occur inside a multi-byte character)
    data = (
        clean_text(text, len(text) + 1)
        .encode()
        .replace(b"&", b"&amp;")
        .replace(b"<", b"&lt;")
        .replace(b">", b"&gt;")
        .replace(b"\r", b"&#13;")
    )
    return data.replace(b'"', b"&quot;") if quote else data


def unescape(raw: bytes) -> str:
    """Element content or an attribute value as text."""
    text = raw.decode("utf-8", "replace")
    if "&" not in text:
        return text
    if "&#" not in text:
        # the named entities only (most formulas: &lt; &gt; &quot;); &amp; last, so that
        # "&amp;lt;" stays "&lt;"
        for escaped, plain in _NAMED_ENTITIES:
            text = text.replace(escaped, plain)
        return text
    return _ENTITY.sub(_entity, text)


_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_NAMED_ENTITIES = tuple((f"&{name};", _NAMED[name]) for name in ("lt", "gt", "quot", "apos", "amp"))
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|[a-z]+);")


def _entity(match: re.Match[str]) -> str:
    body = match.group(1)
    if body in _NAMED:
        return _NAMED[body]
    try:
        return chr(int(body[2:], 16) if body[:2] == "#x" else int(body[1:]))
    except (ValueError, OverflowError):  # not a character: left as written
        return match.group(0)


def text_runs(data: bytes, prefix: bytes) -> str:
    """The text of every ``<t>`` element in ``data`` (a cell's ``<is>`` or a comment)."""
    name = re.escape(qname(prefix, b"t"))
    pattern = re.compile(b"<" + name + ATTRS + rb"(?:/>|>(.*?)</" + name + b">)", re.S)
    return "".join(unescape(m.group(1) or b"") for m in pattern.finditer(data))


_NAME = re.compile(rb"<([A-Za-z_][\w.:-]*)")


def top_level(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(qualified name, start, end) of each element directly inside ``data[start:end]``.

    Raises:
        PatchUnsupported: something there is not a sequence of elements.
    """
    found: list[tuple[bytes, int, int]] = []
    position = start
    while True:
        while position < end and data[position : position + 1].isspace():
            position += 1
        if position >= end:
            return found
        match = _NAME.match(data, position)
        if match is None:
            raise PatchUnsupported("unexpected content between elements")
        name = match.group(1)
        prefix, _, local = name.rpartition(b":")
        first = find_one(data, prefix, local, position, end)
        if first is None or first.start != position:
            raise PatchUnsupported(f"an unreadable <{name.decode()}> element")
        if first.empty:
            found.append((name, position, first.end))
            position = first.end
            continue
        # Count nested elements of the same name so the matching end tag is found.
        opening = tag_pattern(prefix, local)
        closing = b"</" + name + b">"
        depth, cursor = 1, first.open_end
        while depth:
            close_at = data.find(closing, cursor, end)
            if close_at < 0:
                raise PatchUnsupported(f"an unclosed <{name.decode()}> element")
            inner = opening.search(data, cursor, close_at)
            if inner is not None:
                depth += 0 if inner.group(1) else 1
                cursor = inner.end()
            else:
                depth -= 1
                cursor = close_at + len(closing)
        found.append((name, position, cursor))
        position = cursor
