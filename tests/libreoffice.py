"""Drive LibreOffice Calc headless from tests: a real, independent spreadsheet client.

API (all paths are ``pathlib.Path``):

* ``soffice_path()`` -- the soffice executable; ``RuntimeError`` if LibreOffice is missing
  (tests must fail, never skip, without it).
* ``recalculate(paths, out_dir)`` -- open each workbook, recalculate every formula, save it as
  .xlsx under the same file name in ``out_dir``; returns the output paths in input order.
* ``to_csv(paths, out_dir)`` -- every sheet of every workbook to UTF-8 CSV (files named
  ``<stem>-<SheetName>.csv``); returns ``{input: {sheet name: csv path}}``.
* ``fill_and_save(src, dst, values)`` -- open ``src`` in LibreOffice, set cells
  ``{(sheet, "B3"): value}`` (int/float, str incl. Thai, bool, ``datetime.date``,
  ``datetime.datetime``, ``None`` = clear), recalculate and save as .xlsx to ``dst``:
  a division filling the workbook in LibreOffice.

How it works:

* Every soffice run gets a fresh private profile (``-env:UserInstallation``) whose
  ``registrymodifications.xcu`` sets OOXMLRecalcMode and ODFRecalcMode to 0 ("always
  recalculate on load"). Without it LibreOffice keeps the cached values of an .xlsx, and
  xlsxwriter caches 0 for every formula, so a cached value proves nothing.
* ``recalculate``/``to_csv`` use ``soffice --convert-to`` in chunks of at most
  ``CHUNK_SIZE`` files (one soffice run was seen to stop silently after ~250 files); every
  expected output is checked and a ``RuntimeError`` carries soffice's stdout/stderr.
* ``fill_and_save`` starts soffice with ``--accept`` on a private UNO pipe and runs *this
  file* as a script under Debian's ``/usr/bin/python3`` (which has the ``uno`` module);
  that client edits and stores the document, then terminates soffice. Everything runs in
  its own process group, is time-limited, and is killed on any failure: no leftovers.
  This module imports only the standard library at top level so it runs there too.

Debian (bookworm) packages needed, installed as root::

    apt-get install -y --no-install-recommends libreoffice-calc python3-uno fonts-thai-tlwg

``libreoffice-calc`` is enough for ``recalculate``/``to_csv``; ``python3-uno`` is needed
by ``fill_and_save`` only. ``fonts-thai-tlwg`` is not needed for correctness, only
for Thai glyphs. Environment overrides: ``KPIXL_SOFFICE`` (soffice executable),
``KPIXL_UNO_PYTHON`` (a Python with ``import uno``; default ``/usr/bin/python3``).

Known LibreOffice behaviour: a workbook saved by LibreOffice loses its freeze panes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

CHUNK_SIZE = 50
XLSX_FILTER = "Calc MS Excel 2007 XML"
# UTF-8 (76), comma, double quotes, raw values, all sheets (-1): one file per sheet.
CSV_FILTER = "Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
DEFAULT_UNO_PYTHON = "/usr/bin/python3"
DEBIAN_PACKAGES = ("libreoffice-calc", "python3-uno", "fonts-thai-tlwg")

_RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

_CELL_RE = re.compile(r"^\$?[A-Za-z]{1,3}\$?[1-9][0-9]{0,6}$")


# --------------------------------------------------------------------------- public API


def soffice_path() -> str:
    """Return the soffice executable, or raise RuntimeError if LibreOffice is missing."""
    override = os.environ.get("KPIXL_SOFFICE")
    candidates = [override] if override else ["soffice", "libreoffice"]
    for name in candidates:
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError(
        "LibreOffice (soffice) was not found on PATH"
        + (f" (KPIXL_SOFFICE={override!r})" if override else "")
        + ". These tests need a real spreadsheet client; install it with: apt-get install -y "
        "--no-install-recommends " + " ".join(DEBIAN_PACKAGES)
    )


def recalculate(
    paths: Sequence[Path], out_dir: Path, *, timeout: float | None = None
) -> list[Path]:
    """Recalculate every formula of each workbook in LibreOffice; save .xlsx into out_dir.

    Outputs keep the input file names (with an .xlsx suffix) and are returned in input
    order. ``timeout`` is per soffice run (default: 90 s + 5 s per file).
    """
    srcs = _check_inputs(paths)
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = [out_dir / (p.stem + ".xlsx") for p in srcs]
    _check_unique([o.name for o in outputs], "output file names")
    for src, out in zip(srcs, outputs, strict=True):
        if src == out:
            raise ValueError(f"recalculate would overwrite its input {src}; use another out_dir")
    for out in outputs:
        out.unlink(missing_ok=True)  # a stale output must not pass the existence check

    for start in range(0, len(srcs), CHUNK_SIZE):
        chunk = srcs[start : start + CHUNK_SIZE]
        expected = outputs[start : start + CHUNK_SIZE]
        result = _convert(chunk, f"xlsx:{XLSX_FILTER}", out_dir, timeout)
        _require_outputs(expected, result)
    return outputs


def to_csv(
    paths: Sequence[Path], out_dir: Path, *, timeout: float | None = None
) -> dict[Path, dict[str, Path]]:
    """Export every worksheet of each workbook to UTF-8 CSV (formulas recalculated).

    Returns ``{input path: {sheet name: csv path}}``; files are ``<stem>-<SheetName>.csv``.
    """
    srcs = _check_inputs(paths)
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    _check_unique([p.stem for p in srcs], "input file stems")
    mapping: dict[Path, dict[str, Path]] = {}
    for src in srcs:
        mapping[src] = {name: out_dir / f"{src.stem}-{name}.csv" for name in _sheet_names(src)}
    csv_paths = [c for sheets in mapping.values() for c in sheets.values()]
    _check_unique([c.name for c in csv_paths], "CSV file names")
    for csv_path in csv_paths:
        csv_path.unlink(missing_ok=True)  # a stale output must not pass the existence check

    for start in range(0, len(srcs), CHUNK_SIZE):
        chunk = srcs[start : start + CHUNK_SIZE]
        result = _convert(chunk, f"csv:{CSV_FILTER}", out_dir, timeout)
        expected = [c for src in chunk for c in mapping[src].values()]
        _require_outputs(expected, result, nonempty=False)  # an empty sheet gives "\n"
    return mapping


def fill_and_save(
    src: Path,
    dst: Path,
    values: Mapping[tuple[str, str], object],
    *,
    timeout: float = 120.0,
) -> Path:
    """Open ``src`` in LibreOffice, set cells, recalculate and save as .xlsx to ``dst``.

    ``values`` maps ``(sheet name, "A1"-style address)`` to an int/float, a str (always
    literal text, even if it starts with "="), a bool, a ``datetime.date`` or
    ``datetime.datetime`` (stored as a real date serial with a date format) or ``None``
    (clears the cell). Returns ``dst``.
    """
    (src,) = _check_inputs([src])
    dst = Path(dst).resolve()
    if dst == src:
        raise ValueError("fill_and_save would overwrite its input; choose another dst")
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.unlink(missing_ok=True)
    job = {
        "src": src.as_uri(),
        "dst": dst.as_uri(),
        "filter": XLSX_FILTER,
        "cells": [_encode_cell(key, value) for key, value in values.items()],
    }
    uno_python = _uno_python()
    soffice = soffice_path()

    with tempfile.TemporaryDirectory(prefix="kpixl-lo-uno-") as tmp_name:
        tmp = Path(tmp_name)
        profile = _make_profile(tmp / "profile")
        job_file = tmp / "job.json"
        job["pipe"] = f"kpixl_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        job["connect_timeout"] = min(60.0, timeout / 2)
        job_file.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        office_cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            *_COMMON_FLAGS,
            "--nodefault",
            f"--accept=pipe,name={job['pipe']};urp;StarOffice.ComponentContext",
        ]
        client_cmd = [uno_python, "-I", str(Path(__file__).resolve()), "--uno-fill", str(job_file)]
        deadline = time.monotonic() + timeout
        with (
            _Proc(office_cmd, tmp / "soffice", _office_env()) as office,
            _Proc(client_cmd, tmp / "client", _client_env()) as client,
        ):

            def fail(message: str) -> RuntimeError:
                client.kill()
                office.kill()
                return RuntimeError(f"{message}\n{client.report()}{office.report()}")

            while client.poll() is None:
                if time.monotonic() > deadline:
                    raise fail(f"fill_and_save timed out after {timeout:g}s")
                if office.poll() is not None:
                    raise fail("soffice exited before the UNO client finished")
                time.sleep(0.05)
            if client.returncode != 0:
                raise fail(f"UNO client failed for {src.name}")
            # The client asked soffice to terminate; give it a moment before the kill.
            office.wait_or_kill(max(5.0, min(30.0, deadline - time.monotonic())))
            if not dst.is_file() or dst.stat().st_size == 0:
                raise fail(f"fill_and_save produced no {dst}")
    return dst


# --------------------------------------------------------------------------- internals

_COMMON_FLAGS = (
    "--headless",
    "--invisible",
    "--nologo",
    "--norestore",
    "--nolockcheck",
    "--nofirststartwizard",
)


def _check_inputs(paths: Iterable[Path]) -> list[Path]:
    if isinstance(paths, str | os.PathLike):
        raise TypeError("pass a list of paths, not a single path")
    srcs = [Path(p).resolve() for p in paths]
    missing = [str(p) for p in srcs if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"input workbooks do not exist: {missing}")
    return srcs


def _check_unique(names: list[str], what: str) -> None:
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"duplicate {what} would overwrite each other in out_dir: {dupes}")


def _sheet_names(path: Path) -> list[str]:
    # Imported lazily: the UNO client runs this file under a Python without openpyxl.
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return [ws.title for ws in wb.worksheets]
    finally:
        wb.close()


def _make_profile(profile_dir: Path) -> Path:
    user = profile_dir / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(_RECALC_XCU, encoding="utf-8")
    return profile_dir


def _office_env() -> dict[str, str]:
    env = dict(os.environ)
    # A Python environment of the test runner must not leak into LibreOffice's own Python.
    for var in ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP"):
        env.pop(var, None)
    env.setdefault("SAL_USE_VCLPLUGIN", "svp")
    return env


def _client_env() -> dict[str, str]:
    env = _office_env()
    env.pop("VIRTUAL_ENV", None)
    return env


class _Proc:
    """A child process in its own process group, output to files, killed on exit."""

    def __init__(self, cmd: list[str], log_base: Path, env: dict[str, str]) -> None:
        self.cmd = cmd
        self.out_path = log_base.with_suffix(".out")
        self.err_path = log_base.with_suffix(".err")
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> _Proc:
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                self.cmd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=self.env,
                start_new_session=True,
            )
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()

    @property
    def returncode(self) -> int | None:
        assert self.proc is not None
        return self.proc.returncode

    def poll(self) -> int | None:
        assert self.proc is not None
        return self.proc.poll()

    def wait_or_kill(self, timeout: float) -> int | None:
        assert self.proc is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout)
        self.kill()
        return self.proc.returncode

    def kill(self) -> None:
        """Kill the whole process group (soffice -> oosplash -> soffice.bin) and reap."""
        if self.proc is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, sig)
            if sig == signal.SIGTERM and self.proc.poll() is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(3)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)

    def report(self) -> str:
        def read(p: Path) -> str:
            try:
                return p.read_text(encoding="utf-8", errors="replace")[-8000:]
            except OSError:
                return ""

        rc = self.proc.returncode if self.proc else None
        return (
            f"--- command (exit {rc}): {self.cmd}\n"
            f"--- stdout:\n{read(self.out_path)}\n--- stderr:\n{read(self.err_path)}\n"
        )


class _ConvertResult:
    def __init__(self, report: str) -> None:
        self.report = report


def _convert(
    srcs: list[Path], convert_to: str, out_dir: Path, timeout: float | None
) -> _ConvertResult:
    if timeout is None:
        timeout = 90.0 + 5.0 * len(srcs)
    soffice = soffice_path()
    with tempfile.TemporaryDirectory(prefix="kpixl-lo-conv-") as tmp_name:
        tmp = Path(tmp_name)
        profile = _make_profile(tmp / "profile")
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            *_COMMON_FLAGS,
            "--convert-to",
            convert_to,
            "--outdir",
            str(out_dir),
            *map(str, srcs),
        ]
        with _Proc(cmd, tmp / "soffice", _office_env()) as proc:
            assert proc.proc is not None
            try:
                proc.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise RuntimeError(
                    f"soffice --convert-to timed out after {timeout:g}s\n" + proc.report()
                ) from None
            proc.kill()  # reap anything the run left behind in its process group
            report = proc.report()
            if proc.returncode != 0:
                raise RuntimeError(f"soffice --convert-to failed\n{report}")
            return _ConvertResult(report)


def _require_outputs(
    expected: list[Path], result: _ConvertResult, *, nonempty: bool = True
) -> None:
    missing = [str(p) for p in expected if not p.is_file() or (nonempty and not p.stat().st_size)]
    if missing:
        raise RuntimeError(
            f"soffice did not write {len(missing)} of {len(expected)} expected files: "
            f"{missing}\n{result.report}"
        )


def _uno_python() -> str:
    return _checked_uno_python(os.environ.get("KPIXL_UNO_PYTHON", DEFAULT_UNO_PYTHON))


@functools.cache
def _checked_uno_python(python: str) -> str:
    resolved = shutil.which(python)
    problem = None
    if not resolved:
        problem = f"{python} not found"
    else:
        check = subprocess.run(
            [resolved, "-I", "-c", "import uno"],
            capture_output=True,
            text=True,
            timeout=60,
            env=_client_env(),
        )
        if check.returncode != 0:
            problem = f"{resolved} cannot import uno: {check.stderr.strip()[-2000:]}"
    if problem:
        raise RuntimeError(
            f"fill_and_save needs a Python with LibreOffice's UNO bridge ({problem}). "
            "Install it with: apt-get install -y --no-install-recommends python3-uno "
            "(or set KPIXL_UNO_PYTHON)"
        )
    return resolved


def _encode_cell(key: tuple[str, str], value: object) -> dict[str, object]:
    sheet, address = key
    if not isinstance(sheet, str) or not isinstance(address, str) or not _CELL_RE.match(address):
        raise ValueError(f"cell key must be (sheet name, 'A1'-style address), got {key!r}")
    cell: dict[str, object] = {"sheet": sheet, "cell": address.replace("$", "").upper()}
    if value is None:
        cell["type"] = "empty"
    elif isinstance(value, bool):
        cell.update(type="bool", value=value)
    elif isinstance(value, int | float):
        cell.update(type="number", value=float(value))
    elif isinstance(value, str):
        cell.update(type="string", value=value)
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError(f"timezone-aware datetimes are not supported: {value!r}")
        cell.update(type="datetime", value=value.isoformat())
    elif isinstance(value, dt.date):
        cell.update(type="date", value=value.isoformat())
    else:
        raise TypeError(f"unsupported cell value for {key!r}: {type(value).__name__}")
    return cell


# ----------------------------------------------------- UNO client (runs under python3-uno)


def _uno_fill(job_file: str) -> None:
    import uno
    from com.sun.star.connection import NoConnectException

    job = json.loads(Path(job_file).read_text(encoding="utf-8"))

    def prop(name: str, value: object) -> object:
        p = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
        p.Name, p.Value = name, value
        return p

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    url = f"uno:pipe,name={job['pipe']};urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + float(job["connect_timeout"])
    while True:
        try:
            ctx = resolver.resolve(url)
            break
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    try:
        doc = desktop.loadComponentFromURL(
            job["src"],
            "_blank",
            0,
            (prop("Hidden", True), prop("MacroExecutionMode", 0), prop("ReadOnly", False)),
        )
        if doc is None:
            raise RuntimeError(f"LibreOffice could not open {job['src']}")
        try:
            _uno_apply(uno, doc, job["cells"])
            doc.calculateAll()
            doc.storeToURL(job["dst"], (prop("FilterName", job["filter"]), prop("Overwrite", True)))
        finally:
            doc.close(True)
    finally:
        with contextlib.suppress(Exception):  # the bridge drops as soffice goes away
            desktop.terminate()


def _uno_apply(uno: Any, doc: Any, cells: list[dict[str, Any]]) -> None:
    number_formats = doc.getNumberFormats()
    locale = uno.createUnoStruct("com.sun.star.lang.Locale")
    locale.Language, locale.Country = "en", "US"

    def format_key(code: str) -> int:
        key = number_formats.queryKey(code, locale, False)
        return key if key != -1 else number_formats.addNew(code, locale)

    null = doc.NullDate
    null_date = dt.datetime(null.Year, null.Month, null.Day)
    sheets = doc.getSheets()
    for item in cells:
        name = str(item["sheet"])
        if not sheets.hasByName(name):
            raise KeyError(f"no sheet {name!r}; sheets are {list(sheets.getElementNames())}")
        cell = sheets.getByName(name).getCellRangeByName(str(item["cell"]))
        kind, value = item["type"], item.get("value")
        if kind == "empty":
            cell.clearContents(1 | 2 | 4 | 16)  # VALUE | DATETIME | STRING | FORMULA
        elif kind == "string":
            cell.setString(str(value))
        elif kind == "number":
            cell.setValue(float(value))
        elif kind == "bool":
            cell.setValue(1.0 if value else 0.0)
            cell.NumberFormat = format_key("BOOLEAN")
        elif kind in ("date", "datetime"):
            when = dt.datetime.fromisoformat(str(value))
            cell.setValue((when - null_date) / dt.timedelta(days=1))
            code = "YYYY-MM-DD" if kind == "date" else "YYYY-MM-DD HH:MM:SS"
            cell.NumberFormat = format_key(code)
        else:
            raise ValueError(f"unknown cell type {kind!r}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--uno-fill":
        _uno_fill(sys.argv[2])
    else:
        sys.exit(f"usage: {sys.argv[0]} --uno-fill JOB.json")
