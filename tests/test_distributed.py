"""The round on a Dask cluster: the same ledger, results and findings as a serial round; a
worker that dies mid-round loses and doubles nothing; a file that kills every worker that
reads it becomes its finding; unreachable files and schedulers are said clearly.

One LocalCluster of two worker processes (one thread each) serves the module. Workers are
killed for real (``os._exit`` in the worker process, as a crash would end it) by a worker
plugin that the scheduler installs in every worker, restarted ones included.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from distributed.diagnostics.plugin import WorkerPlugin

from kpixl.cli import main
from kpixl.cluster import ClusterInputError, DaskExecutor, dask_executor
from kpixl.ledger import Ledger, Receipt
from kpixl.master import Master
from kpixl.round import CHUNK, RoundReport, run_round, score_chunk

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_workbooks"
MAIL = SAMPLES / "mail"
FILLED = SAMPLES / "filled"
MASTER = SAMPLES / "nakhonsawan_2565_master.xlsx"
COPIES = 12
"""Byte-distinct copies of the filled samples beside the bundled mail and samples: with
them the round has two chunks of work (27 contents), so that a chunk can die while the
other runs."""

VOLATILE = {
    "runs": ["started_at", "finished_at"],
    "contents": ["evaluated_at", "stored"],
    "receipts": ["recorded_at"],
    "events": ["event_id", "at"],
    # an annotated copy carries the moment it was checked: its bytes' hash differs by run
    "outputs": ["content_hash"],
}
"""Ledger columns that differ between two runs of the same round by nature (times, the
store's place); every other column of every table is compared."""


def distinct_copy(source: Path, target: Path, number: int) -> Path:
    """A copy with other bytes (the zip's comment) and so another content hash, dated a
    day of October 2022."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info, old.read(info.filename))
        new.comment = f"copy {number}".encode()
    moment = time.mktime((2022, 10, 1 + number % 28, 12, 0, 0, 0, 0, 0))
    os.utime(target, (moment, moment))
    return target


def ledger_tables(ledger_path: Path, out_dir: Path) -> dict[str, pd.DataFrame]:
    """Every table of a ledger, less its volatile columns, with the output folder's name
    taken out of paths, in a fixed row order."""
    tables = {}
    with Ledger(ledger_path) as ledger:
        names = ledger.frame("SELECT name FROM sqlite_master WHERE type='table'")["name"]
        for name in names:
            frame = ledger.frame(f"SELECT * FROM {name}")
            frame = frame.drop(columns=VOLATILE.get(name, []))
            frame = frame.map(lambda v: v.replace(str(out_dir), "OUT") if isinstance(v, str) else v)
            tables[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return tables


def assert_same_round(a: RoundReport, out_a: Path, b: RoundReport, out_b: Path) -> None:
    tables_a, tables_b = ledger_tables(a.ledger, out_a), ledger_tables(b.ledger, out_b)
    assert set(tables_a) == set(tables_b)
    for name in tables_a:
        pd.testing.assert_frame_equal(tables_a[name], tables_b[name], obj=name)
    for name in ("results.csv", "findings.csv", "targets.csv"):
        assert (out_a / name).read_bytes() == (out_b / name).read_bytes(), name
    status = [
        (out / "status.csv").read_text(encoding="utf-8").replace(str(out), "OUT")
        for out in (out_a, out_b)
    ]
    assert status[0] == status[1]
    copies = [sorted(p.name for p in (out / "checked").iterdir()) for out in (out_a, out_b)]
    assert copies[0] == copies[1] and len(copies[0]) > 5


class KillOn(WorkerPlugin):
    """Makes the worker process that reads one content die at once (``os._exit``): every
    time, or — given a marker file — only the first time of all."""

    name = "kill-on"

    def __init__(self, content_hash: str, marker: Path | None = None) -> None:
        self.content_hash = content_hash
        self.marker = marker

    def setup(self, worker: Any) -> None:
        import kpixl.reader

        self.original = original = kpixl.reader.read_workbook

        def read_workbook(path: Any, *args: Any, **kwargs: Any) -> Any:
            if Path(path).stem == self.content_hash and self._fire():
                os._exit(13)
            return original(path, *args, **kwargs)

        kpixl.reader.read_workbook = read_workbook

    def _fire(self) -> bool:
        if self.marker is None:
            return True
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True

    def teardown(self, worker: Any) -> None:
        import kpixl.reader

        kpixl.reader.read_workbook = self.original


@pytest.fixture(scope="module")
def cluster() -> Iterator[DaskExecutor]:
    with dask_executor(workers=2, allowed_failures=1) as executor:
        yield executor


@pytest.fixture
def kill_on(cluster: DaskExecutor) -> Iterator[Any]:
    """Installs a :class:`KillOn` in every worker for one test."""
    client = cluster.client
    installed = []

    def install(content_hash: str, marker: Path | None = None) -> None:
        client.register_plugin(KillOn(content_hash, marker), name=KillOn.name)
        installed.append(content_hash)

    yield install
    if installed:
        client.unregister_worker_plugin(KillOn.name)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("copies")
    sources = [
        p for p in sorted(FILLED.glob("*.xlsx")) if not p.name.startswith(("BROKEN", "KRABI"))
    ]
    for number in range(COPIES):
        source = sources[number % len(sources)]
        distinct_copy(source, folder / f"{number:02d}_{source.name}", number)
    return [MAIL, FILLED, folder]


@pytest.fixture(scope="module")
def serial(
    inbox: list[Path], master: Master, tmp_path_factory: pytest.TempPathFactory
) -> tuple[RoundReport, Path]:
    out = tmp_path_factory.mktemp("serial")
    return run_round(inbox, [master], out, workers=1), out


def scored_hashes(report: RoundReport) -> list[str]:
    """The contents a round scored, in the order the round sends them (hash order)."""
    with Ledger(report.ledger) as ledger:
        frame = ledger.frame(
            "SELECT content_hash FROM contents WHERE kpixl_output=0 ORDER BY content_hash"
        )
    return list(frame["content_hash"])


def test_a_content_s_ledger_rows_do_not_depend_on_its_chunk(master: Master, tmp_path: Path) -> None:
    """What the cluster relies on when it scores a chunk file by file: each file's rows are
    those it gets among others — here beside a workbook of another fiscal year (other plan
    columns on its target sheet) and one with KPIs that cannot be scored (no level)."""
    names = ["FIN_clean.xlsx", "KRABI_target_sheet.xlsx", "SEC_messy_typing.xlsx"]
    ledgers = [Ledger(tmp_path / f"{mode}.sqlite") for mode in ("chunk", "alone")]
    items = []
    for name in names:
        data = (FILLED / name).read_bytes()
        content_hash = hashlib.sha256(data).hexdigest()
        moment = dt.datetime(2022, 10, 1, tzinfo=dt.UTC)
        receipt = Receipt(content_hash, "file", name, "", name, "", "", None, "", moment)
        for ledger in ledgers:
            ledger.receive(receipt, data, ".xlsx", "r", 1)
        items.append((content_hash, str(ledgers[0].stored_path(content_hash, ".xlsx"))))
    ledgers[0].record_results(score_chunk(items, [master]), 1)
    for item in items:
        ledgers[1].record_results(score_chunk([item], [master]), 1)
    for ledger in ledgers:
        ledger.close()
    chunk, alone = (ledger_tables(tmp_path / f"{m}.sqlite", tmp_path) for m in ("chunk", "alone"))
    for name in ("contents", "kpi_results", "findings", "targets", "fills"):
        assert len(chunk[name]) > 0, name
        pd.testing.assert_frame_equal(chunk[name], alone[name], obj=name)


def test_serial_processes_and_cluster_give_the_same_round(
    inbox: list[Path],
    master: Master,
    serial: tuple[RoundReport, Path],
    cluster: DaskExecutor,
    tmp_path: Path,
) -> None:
    assert len(scored_hashes(serial[0])) > CHUNK  # two chunks at least
    pool = run_round(inbox, [master], tmp_path / "pool", workers=2)
    dask = run_round(inbox, [master], tmp_path / "dask", executor=cluster)
    assert_same_round(*serial, pool, tmp_path / "pool")
    assert_same_round(*serial, dask, tmp_path / "dask")
    assert dask.exit_code == serial[0].exit_code == 1


def test_a_worker_killed_mid_round_loses_and_doubles_nothing(
    inbox: list[Path],
    master: Master,
    serial: tuple[RoundReport, Path],
    cluster: DaskExecutor,
    kill_on: Any,
    tmp_path: Path,
) -> None:
    victim = scored_hashes(serial[0])[CHUNK // 2]  # amid the first chunk
    marker = tmp_path / "killed"
    kill_on(victim, marker)
    before = set(cluster.client.scheduler_info()["workers"])
    report = run_round(inbox, [master], tmp_path / "out", executor=cluster)
    assert marker.exists()  # a worker died reading it, in the middle of its chunk
    assert set(cluster.client.scheduler_info()["workers"]) != before  # and was restarted
    assert_same_round(*serial, report, tmp_path / "out")
    with Ledger(report.ledger) as ledger:
        contents = ledger.frame("SELECT content_hash, evaluated_at FROM contents")
        assert contents["evaluated_at"].notna().all()
        per_content = ledger.frame(
            "SELECT content_hash, count(*) AS n FROM submissions GROUP BY content_hash"
        )
        assert set(per_content["n"]) == {1} and len(per_content) == len(contents)
        counted = ledger.frame(
            "SELECT division_code, count(*) AS n FROM submissions WHERE state='counted'"
            " GROUP BY division_code"
        )
        assert set(counted["n"]) == {1}


def test_a_file_that_kills_every_worker_becomes_its_finding(
    inbox: list[Path],
    master: Master,
    serial: tuple[RoundReport, Path],
    cluster: DaskExecutor,
    kill_on: Any,
    tmp_path: Path,
) -> None:
    killer = scored_hashes(serial[0])[3]
    kill_on(killer)
    report = run_round(inbox, [master], tmp_path / "out", executor=cluster)
    with Ledger(report.ledger) as ledger:
        contents = ledger.frame("SELECT content_hash, readable, evaluated_at FROM contents")
        assert contents["evaluated_at"].notna().all()  # the rest of the round completed
        readable = contents.set_index("content_hash")["readable"]
        assert readable[killer] == 0
        findings = ledger.frame(f"SELECT * FROM findings WHERE content_hash='{killer}'")
        state = ledger.frame(f"SELECT state FROM submissions WHERE content_hash='{killer}'")
    assert findings["code"].tolist() == ["internal-error"]
    assert "died each of the 2 times" in findings["message_en"].iloc[0]
    assert "ข้อผิดพลาดภายในโปรแกรม" in findings["message_th"].iloc[0]
    assert state["state"].tolist() == ["unreadable"]
    # every other content was scored exactly as in the serial round
    mine = ledger_tables(report.ledger, tmp_path / "out")
    theirs = ledger_tables(serial[0].ledger, serial[1])
    for name in ("kpi_results", "findings", "targets", "fills"):
        others = [t[name][t[name]["content_hash"] != killer].reset_index(drop=True)
                  for t in (mine, theirs)]  # fmt: skip
        pd.testing.assert_frame_equal(*others, obj=name)
    written = pd.read_csv(tmp_path / "out" / "findings.csv", dtype=str)
    assert "internal-error" in set(written[written["content_hash"] == killer]["code"])


def test_files_the_workers_cannot_reach_are_said_clearly(
    master: Master, cluster: DaskExecutor, tmp_path: Path
) -> None:
    """The workers read the ledger's store: here it is gone from under them when the work
    is sent (as on a worker that does not mount the coordinator's folder)."""
    inbox = tmp_path / "inbox"
    distinct_copy(FILLED / "FIN_clean.xlsx", inbox / "FIN.xlsx", 1)
    ledger_path = tmp_path / "ledger" / "ledger.sqlite"
    store = ledger_path.with_name("ledger.sqlite.store")
    hidden = tmp_path / "elsewhere"

    def hide_store(stage: str, done: int, total: int) -> None:
        if stage == "score" and done == 0:
            store.rename(hidden)

    with pytest.raises(ClusterInputError) as raised:
        run_round(
            [inbox], [master], tmp_path / "out", ledger_path=ledger_path,
            executor=cluster, progress=hide_store,
        )  # fmt: skip
    message = str(raised.value)
    assert "เปิดไฟล์ที่รับไว้ไม่ได้ 1 ไฟล์" in message
    assert "cannot read 1 of the received files" in message
    assert str(store) in message and "--ledger" in message
    # nothing was scored; with the store back the same round completes
    hidden.rename(store)
    report = run_round(
        [inbox], [master], tmp_path / "out", ledger_path=ledger_path, executor=cluster
    )
    assert report.scored == 1
    assert report.status.set_index("division_code").loc["FIN", "state"] == "signed_off"


def small_inbox(folder: Path) -> Path:
    for number, name in enumerate(["FIN_clean.xlsx", "SEC_messy_typing.xlsx", "PER_clean.xlsx"]):
        distinct_copy(FILLED / name, folder / name, number)
    return folder


def test_the_command_line_on_a_cluster(
    master: Master, cluster: DaskExecutor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = small_inbox(tmp_path / "inbox")
    serial = run_round([inbox], [master], tmp_path / "serial", workers=1)
    address = cluster.client.scheduler.address
    local = ["--executor", "dask", "--workers", "1"]  # a LocalCluster of its own
    for name, options in (("running", ["--executor", "dask", "--scheduler", address]),
                          ("local", local)):  # fmt: skip
        out = tmp_path / name
        code = main(["round", str(inbox), "--master", str(MASTER), "-o", str(out), *options])
        assert code == serial.exit_code == 1, capsys.readouterr().err
        for file in ("results.csv", "findings.csv"):
            assert (out / file).read_bytes() == (tmp_path / "serial" / file).read_bytes()
        assert "3 scored" in capsys.readouterr().out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--executor", "dask", "--scheduler", f"tcp://127.0.0.1:{_free_port()}"],
         "cannot reach the Dask scheduler at tcp://127.0.0.1:"),
        (["--executor", "dask", "--scheduler", "tcp://127.0.0.1:port"],
         "cannot reach the Dask scheduler"),
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler goes with --executor dask"),
    ],
)  # fmt: skip
def test_a_scheduler_that_cannot_be_used_is_a_usage_error(
    options: list[str], said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = small_inbox(tmp_path / "inbox")
    out = tmp_path / "out"
    started = time.monotonic()
    code = main(["round", str(inbox), "--master", str(MASTER), "-o", str(out), *options])
    err = capsys.readouterr().err
    assert code == 2
    assert said in err and "Traceback" not in err
    if "cannot reach" in said:
        assert "ติดต่อตัวจัดงานของ Dask" in err
    assert time.monotonic() - started < 30


def test_the_default_round_never_imports_dask(tmp_path: Path) -> None:
    inbox = small_inbox(tmp_path / "inbox")
    script = (
        "import sys\n"
        "from kpixl.cli import main\n"
        f"code = main(['round', {str(inbox)!r}, '--master', {str(MASTER)!r},"
        f" '-o', {str(tmp_path / 'out')!r}, '--workers', '1'])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed'))\n"
        "print(code, loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1] == "1 []"
    assert (tmp_path / "out" / "results.csv").exists()
