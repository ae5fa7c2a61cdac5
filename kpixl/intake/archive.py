"""Zip archives: the workbooks inside, read within limits.

A zip is opened for its workbook-like members (:data:`~kpixl.intake.model.WORKBOOK_SUFFIXES`)
and the zips inside it, one level deep. Nothing is ever extracted to disk: a member's
path, ``..`` or absolute as it may be, is only a label (:attr:`Origin.member`) and its last
component the arrival's name.

Limits (the defaults of :class:`kpixl.safety.Limits`, which the reader applies to the
workbook afterwards):

* a member larger than ``max_file_bytes`` (25 MiB) inflated is refused: the reader would
  refuse a workbook file that size anyway; so is one that inflates more than ``max_ratio``
  (200) times its compressed size once past ``ratio_grace_bytes`` (a zip bomb: workbooks,
  zips themselves, barely compress);
* an archive whose members together inflate past ``max_total_bytes`` (256 MiB), or with
  more than ``max_parts`` members, is not read further.

Sizes are counted as the bytes really come out of the inflater, never taken from the
headers; a header that understates a member's size makes ``zipfile`` stop at the stated
size and the CRC check fail (``file-corrupt``).

Member names are decoded from UTF-8 when the zip says so (flag bit 11), else from the
Info-ZIP Unicode Path field (written by 7-Zip and WinRAR) when its checksum matches, else
from the raw bytes as UTF-8 (macOS, Linux) or Thai ``cp874`` (Windows' own compressed
folders on a Thai system): never as the ``cp437`` that ``zipfile`` assumes.

macOS's ``__MACOSX/`` folder, hidden members and Office owner files (``~$…``) are skipped,
as in folders. A zip that is itself a document (an ``.xlsx`` or ``.ods`` renamed ``.zip``:
it holds ``[Content_Types].xml`` or ``mimetype`` at its root) is one arrival.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import IO

from kpixl.intake.model import (
    ARCHIVE_SUFFIX,
    WORKBOOK_SUFFIXES,
    Arrival,
    InputProblem,
    Origin,
    is_skipped_name,
    suffix_of,
)
from kpixl.intake.names import clean_name, decode_bytes
from kpixl.safety import Limits

__all__ = ["archive_arrivals"]

_CHUNK = 64 * 1024
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_UNICODE_PATH_FIELD = 0x7075
_MIB = 1024 * 1024


class _Refused(Exception):
    """A member or the archive cannot be used: the code and reason of an InputProblem."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


def _unicode_path(info: zipfile.ZipInfo, raw_name: bytes) -> str | None:
    """The Info-ZIP Unicode Path extra field's name, if present and still matching."""
    extra = info.extra
    offset = 0
    while offset + 4 <= len(extra):
        field_id, size = struct.unpack_from("<HH", extra, offset)
        body = extra[offset + 4 : offset + 4 + size]
        offset += 4 + size
        if field_id != _UNICODE_PATH_FIELD or len(body) < 5 or body[0] != 1:
            continue
        (crc,) = struct.unpack_from("<I", body, 1)
        if crc != zlib.crc32(raw_name):
            return None  # the name was changed by a tool that left the field stale
        try:
            return body[5:].decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def _member_name(info: zipfile.ZipInfo) -> str:
    """A member's path, decoded (see the module docstring) and made printable."""
    if info.flag_bits & _UTF8_FLAG:
        name = info.orig_filename
    else:
        # zipfile decoded the raw bytes as cp437, which maps every byte: undo it exactly.
        raw = info.orig_filename.encode("cp437")
        name = _unicode_path(info, raw) or decode_bytes(raw)
    return "/".join(clean_name(part) for part in name.replace("\\", "/").split("/"))


def _skipped(path: str) -> bool:
    """Whether a member is junk: macOS resource forks, hidden or Office owner files (a
    ``..`` is not hidden: such a member is taken, its path only a label)."""
    parts = [p for p in path.split("/") if p not in ("", ".", "..")]
    return not parts or any(p == "__MACOSX" or is_skipped_name(p) for p in parts)


class _Spent(Exception):
    """The archive's inflated bytes passed ``max_total_bytes``: nothing more is read."""


class _Budget:
    """The inflated bytes of one archive (nested zips included), against the limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.total = 0

    def charge(self, n: int) -> None:
        self.total += n
        if self.total > self.limits.max_total_bytes:
            raise _Spent


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, budget: _Budget
) -> bytes:
    limits = budget.limits
    too_large = _Refused(
        "file-too-large",
        f"{label} would inflate to more than {limits.max_file_bytes // _MIB} MiB",
    )
    if info.file_size > limits.max_file_bytes:
        raise too_large
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise _Refused("file-encrypted", f"{label} is password-protected in the zip")
    out = bytearray()
    try:
        with archive.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                out += chunk
                budget.charge(len(chunk))
                if len(out) > limits.max_file_bytes:
                    raise too_large
                if len(out) > limits.ratio_grace_bytes and len(out) > limits.max_ratio * max(
                    info.compress_size, 1
                ):
                    raise _Refused(
                        "file-too-large",
                        f"{label} inflates more than {limits.max_ratio:g} times (a zip bomb)",
                    )
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise _Refused("file-corrupt", f"{label} cannot be unpacked ({exc})") from None
    except NotImplementedError as exc:
        raise _Refused("file-corrupt", f"{label} uses an unsupported zip feature ({exc})") from None
    except RuntimeError as exc:  # zipfile's "password required"
        raise _Refused("file-encrypted", f"{label} is password-protected ({exc})") from None
    return bytes(out)


def _open(source: Path | bytes) -> zipfile.ZipFile:
    handle: IO[bytes] | Path = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        return zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise _Refused("file-corrupt", f"not a readable zip ({exc})") from None
    except NotImplementedError as exc:
        raise _Refused("file-corrupt", f"unsupported zip feature ({exc})") from None


def _is_document(archive: zipfile.ZipFile) -> bool:
    """Whether a zip is a workbook package itself (OOXML or OpenDocument), not an archive."""
    names = set(archive.namelist())
    return "[Content_Types].xml" in names or "mimetype" in names


def archive_arrivals(
    source: Path | bytes,
    *,
    label: str,
    origin: Origin,
    received_at: datetime,
    problem_path: str,
    limits: Limits,
    whole: Callable[[], Arrival],
) -> Iterator[Arrival | InputProblem]:
    """The workbooks of a zip, and a problem for each member (or archive) refused.

    Args:
        source: The zip file, or an attachment's bytes.
        label: The archive's name as sent, the start of each :attr:`Origin.member`.
        origin: The origin of the archive; each arrival's is a copy with ``member`` set.
        received_at: The arrivals' receipt time.
        problem_path: The :attr:`InputProblem.path` of any problem.
        limits: The limits (see the module docstring).
        whole: Makes the one arrival of a zip that is a document, not an archive.

    Yields:
        Arrivals in the order of their decoded member paths, one member read at a time.
    """
    try:
        archive = _open(source)
    except _Refused as refused:
        yield InputProblem(problem_path, refused.code, f"{label}: {refused.reason}")
        return
    with archive:
        if _is_document(archive):
            yield whole()
            return
        try:
            yield from _members(
                archive, label, origin, received_at, problem_path, _Budget(limits), nested=False
            )
        except _Spent:
            yield InputProblem(
                problem_path,
                "file-too-large",
                f"{label} inflates to more than {limits.max_total_bytes // _MIB} MiB in all; "
                "the rest of it is not read",
            )


def _members(
    archive: zipfile.ZipFile,
    label: str,
    origin: Origin,
    received_at: datetime,
    problem_path: str,
    budget: _Budget,
    *,
    nested: bool,
) -> Iterator[Arrival | InputProblem]:
    """The members of an open archive (see :func:`archive_arrivals`).

    Raises:
        _Spent: The archive inflated past ``max_total_bytes``.
    """
    infos = archive.infolist()
    if len(infos) > budget.limits.max_parts:
        yield InputProblem(
            problem_path,
            "file-too-large",
            f"{label} has {len(infos)} members, more than {budget.limits.max_parts}",
        )
        return
    named = sorted(((_member_name(info), info) for info in infos), key=lambda p: p[0])
    for name, info in named:
        if info.is_dir() or _skipped(name):
            continue
        suffix = suffix_of(name)
        if suffix not in WORKBOOK_SUFFIXES and suffix != ARCHIVE_SUFFIX:
            continue
        member = f"{label}/{name}"
        if suffix == ARCHIVE_SUFFIX and nested:
            yield InputProblem(
                problem_path,
                "file-not-workbook",
                f"{member}: a zip inside a zip inside a zip is not opened; "
                "send the workbooks in one zip",
            )
            continue
        try:
            data = _read_member(archive, info, member, budget)
        except _Refused as refused:
            yield InputProblem(problem_path, refused.code, refused.reason)
            continue
        arrival = Arrival(
            name=name.rsplit("/", 1)[-1],
            origin=replace(origin, member=member),
            received_at=received_at,
            data=data,
        )
        if suffix != ARCHIVE_SUFFIX:
            yield arrival
            continue
        try:
            inner = _open(data)
        except _Refused as refused:
            yield InputProblem(problem_path, refused.code, f"{member}: {refused.reason}")
            continue
        with inner:
            if _is_document(inner):
                yield arrival
            else:
                yield from _members(
                    inner, member, origin, received_at, problem_path, budget, nested=True
                )
