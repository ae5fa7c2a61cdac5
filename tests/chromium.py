"""Drive Debian's Chromium headless from tests: a real browser renders the report.

API (paths are ``pathlib.Path``):

* ``chromium_path()`` -- the executable (``KPIXL_CHROMIUM`` or ``/usr/bin/chromium``);
  ``RuntimeError`` when it is missing: the tests fail, never skip, without it.
* ``dump_dom(page)`` -- the DOM after the page loaded and ran, serialised (``--dump-dom``).
* ``screenshot(page, png, width=1280, height=1800)`` -- a PNG of the viewport.
* ``print_pdf(page, pdf)`` -- the page printed to PDF with its own print CSS.

Every run gets a fresh profile (``--user-data-dir`` in a temporary folder), no sandbox
(tests run as root in CI), no GPU, no QUIC, no first-run or background traffic, and a time
limit; the whole process group is killed afterwards, so no browser outlives a test.
Debian packages: ``chromium`` and ``fonts-thai-tlwg`` (Thai glyphs).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

DEFAULT = "/usr/bin/chromium"
TIMEOUT = 120.0
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
)


def chromium_path() -> str:
    """The Chromium executable, or RuntimeError saying how to install it."""
    wanted = os.environ.get("KPIXL_CHROMIUM", DEFAULT)
    found = shutil.which(wanted)
    if not found:
        raise RuntimeError(
            f"Chromium was not found ({wanted}). These tests render the report in a real "
            "browser; install it with: apt-get install -y --no-install-recommends chromium "
            "fonts-thai-tlwg"
        )
    return found


def run(page: Path, *args: str, timeout: float = TIMEOUT) -> bytes:
    """Run Chromium headless on ``page`` with ``args``; returns its stdout.

    Raises:
        RuntimeError: Chromium failed or ran out of time (its stderr is in the message).
    """
    page = Path(page).resolve()
    if not page.is_file():
        raise FileNotFoundError(page)
    with tempfile.TemporaryDirectory(prefix="kpixl-chromium-") as profile:
        command = [chromium_path(), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()]
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env={**os.environ, "HOME": profile},
        )
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise RuntimeError(f"chromium timed out after {timeout:g}s: {command}") from None
        finally:
            _kill(process)
        if process.returncode != 0:
            message = err.decode("utf-8", "replace")[-4000:]
            raise RuntimeError(f"chromium exited {process.returncode}: {command}\n{message}")
        return out


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill Chromium's whole process group (its renderers and helpers too)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(10)


def dump_dom(page: Path) -> str:
    """The page's DOM as Chromium serialises it once loaded."""
    return run(page, "--dump-dom").decode("utf-8")


def screenshot(page: Path, png: Path, *, width: int = 1280, height: int = 1800) -> Path:
    """A screenshot of the page's viewport at ``width`` × ``height`` CSS pixels."""
    png = Path(png).resolve()
    png.unlink(missing_ok=True)
    run(page, f"--screenshot={png}", f"--window-size={width},{height}")
    if not png.is_file() or png.stat().st_size == 0:
        raise RuntimeError(f"chromium wrote no screenshot {png}")
    return png


def print_pdf(page: Path, pdf: Path) -> Path:
    """The page printed to PDF (its print CSS decides the paper)."""
    pdf = Path(pdf).resolve()
    pdf.unlink(missing_ok=True)
    run(page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    if not pdf.is_file() or pdf.stat().st_size == 0:
        raise RuntimeError(f"chromium wrote no PDF {pdf}")
    return pdf
