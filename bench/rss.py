"""Peak resident memory of this process, for the benchmarks (Linux's /proc; ru_maxrss
elsewhere)."""

from __future__ import annotations

import contextlib
import resource
from pathlib import Path


def _status(field: str) -> float | None:
    """A field of /proc/self/status in MiB (Linux), or None."""
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return None


def reset_peak() -> float:
    """Forget the peak so far (imports, generating, reading the master are not the
    command's): on Linux writing 5 to clear_refs resets VmHWM to the current RSS. Returns
    that RSS (MiB)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status("VmRSS") or 0.0


def peak_rss() -> float:
    """This process's peak resident memory since :func:`reset_peak`, MiB."""
    found = _status("VmHWM")
    if found is not None:
        return found
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
