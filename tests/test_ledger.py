"""The ledger: nothing lost, nothing counted twice, one deterministic rule for what counts."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from kpixl.findings import finding, findings_frame
from kpixl.ledger import SCHEMA_VERSION, ContentResult, Ledger, LedgerError, Receipt

ROUND = "2565-Q4"
T0 = dt.datetime(2022, 10, 10, 9, 0, tzinfo=dt.UTC)


def content(text: str) -> tuple[str, bytes]:
    data = text.encode()
    return hashlib.sha256(data).hexdigest(), data


def receipt(content_hash: str, hours: float, **origin: str) -> Receipt:
    return Receipt(
        content_hash=content_hash,
        origin_kind=origin.get("kind", "email"),
        path=origin.get("path", "inbox.mbox"),
        member=origin.get("member", "FIN.xlsx"),
        file_name=origin.get("file_name", "FIN.xlsx"),
        sender=origin.get("sender", "fin@example"),
        subject=origin.get("subject", "ส่งแบบประเมิน"),
        sent_at=T0 + dt.timedelta(hours=hours),
        message_id=origin.get("message_id", f"<{content_hash[:8]}-{hours}@example>"),
        received_at=T0 + dt.timedelta(hours=hours),
    )


def result(
    content_hash: str,
    division: str = "FIN",
    *,
    signed_off: bool = False,
    score: float = 80.0,
    readable: bool = True,
    errors: int = 0,
) -> ContentResult:
    records = [
        finding(
            "value-missing",
            source=content_hash,
            sheet="แบบประเมิน",
            row=7 + n,
            column=10,
            kpi_id=str(n),
            what="ผล",
            what_en="The result",
        )
        for n in range(errors)
    ]
    info = {
        "division_code": division if readable else "",
        "division_name": "กองคลัง",
        "fiscal_year_be": 2565,
        "template_version": "2",
        "checked_copy": False,
        "kpis": 1,
        "unscored": 0,
        "weight_total": 100.0,
        "total": score / 20,
        "score_100": score,
        "complete": True,
        "filled_inputs": 12,
    }
    kpis = pd.DataFrame(
        [
            {
                "kpi_id": "1",
                "name": "x",
                "kind": "bands",
                "quarter": None,
                "reported": 80.0,
                "computed": None,
                "value": 80.0,
                "level": 4,
                "weight": 100.0,
                "weighted": 4.0,
                "status": "ok",
            }
        ]
    )
    fills = pd.DataFrame([{"sheet": "แบบประเมิน", "cell": "K7", "value": 4}])
    return ContentResult(content_hash, readable, signed_off, info if readable else {}, kpis,
                         findings_frame(records), pd.DataFrame(), fills)  # fmt: skip


def receive(ledger: Ledger, text: str, hours: float, run: int, **origin: str) -> str:
    content_hash, data = content(text)
    ledger.receive(receipt(content_hash, hours, **origin), data, ".xlsx", ROUND, run)
    return content_hash


def states(ledger: Ledger) -> dict[str, str]:
    frame = ledger.frame("SELECT content_hash, state FROM submissions WHERE round=?", (ROUND,))
    return dict(zip(frame["content_hash"], frame["state"], strict=True))


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    with Ledger(tmp_path / "ledger.sqlite") as opened:
        yield opened


def test_a_new_ledger_has_the_schema_version_and_wal(ledger: Ledger) -> None:
    assert ledger.schema_version() == SCHEMA_VERSION
    assert ledger.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_same_content_twice_is_one_submission_scored_once(ledger: Ledger) -> None:
    run = ledger.start_run(ROUND, "test")
    first = receive(ledger, "FIN v1", 1, run, message_id="<a@x>")
    again = receive(ledger, "FIN v1", 2, run, message_id="<b@x>")
    assert first == again
    assert ledger.pending() == [(first, str(ledger.stored_path(first, ".xlsx")))]
    ledger.record_results([result(first)], run)
    assert ledger.pending() == []
    ledger.settle(ROUND, run)
    subs = ledger.submissions(ROUND)
    assert list(subs["state"]) == ["counted", "duplicate"]  # both receipts kept
    assert len(ledger.counted(ROUND)) == 1


def test_the_same_arrival_recorded_twice_is_one_receipt(ledger: Ledger) -> None:
    run = ledger.start_run(ROUND, "test")
    content_hash, data = content("FIN v1")
    assert ledger.receive(receipt(content_hash, 1), data, ".xlsx", ROUND, run) is True
    assert ledger.receive(receipt(content_hash, 1), data, ".xlsx", ROUND, run) is False
    assert len(ledger.submissions(ROUND)) == 1


def test_a_newer_submission_supersedes_and_the_older_stays_in_the_history(ledger: Ledger) -> None:
    run = ledger.start_run(ROUND, "test")
    old = receive(ledger, "EDU v1", 1, run)
    new = receive(ledger, "EDU v2", 5, run)
    ledger.record_results([result(old, "EDU", score=60), result(new, "EDU", score=90)], run)
    ledger.settle(ROUND, run)
    assert states(ledger) == {old: "superseded", new: "counted"}
    assert ledger.counted(ROUND)["score_100"].tolist() == [90.0]
    history = ledger.history("EDU")
    assert set(history["kind"]) == {"counted", "superseded"}
    assert ledger.db.execute("SELECT count(*) FROM contents").fetchone()[0] == 2  # kept


def test_received_order_not_arrival_order_decides(ledger: Ledger) -> None:
    """A mailbox read later may hold an older e-mail: the e-mail's Date decides."""
    run = ledger.start_run(ROUND, "test")
    new = receive(ledger, "EDU v2", 5, run)
    old = receive(ledger, "EDU v1", 1, run)
    ledger.record_results([result(old, "EDU"), result(new, "EDU")], run)
    ledger.settle(ROUND, run)
    assert states(ledger) == {old: "superseded", new: "counted"}


def test_equal_times_are_ordered_by_content_and_the_tie_is_said(ledger: Ledger) -> None:
    run = ledger.start_run(ROUND, "test")
    a = receive(ledger, "PER a", 3, run)
    b = receive(ledger, "PER b", 3, run)
    ledger.record_results([result(a, "PER"), result(b, "PER")], run)
    ledger.settle(ROUND, run)
    winner = max(a, b)  # the later content hash counts
    assert states(ledger)[winner] == "counted"
    assert "tie" in set(ledger.history("PER")["kind"])


def test_after_sign_off_a_later_submission_is_rejected(ledger: Ledger) -> None:
    run = ledger.start_run(ROUND, "test")
    signed = receive(ledger, "FIN signed", 1, run)
    later = receive(ledger, "FIN later", 9, run)
    ledger.record_results([result(signed, signed_off=True, score=70), result(later, score=99)], run)
    ledger.settle(ROUND, run)
    assert states(ledger) == {signed: "counted", later: "rejected"}
    assert ledger.counted(ROUND)["score_100"].tolist() == [70.0]  # exactly as it was
    reason = ledger.frame("SELECT reason FROM submissions WHERE content_hash=?", (later,))
    assert signed in reason["reason"].iloc[0]


def test_unreadable_files_and_unknown_divisions_never_count(ledger: Ledger) -> None:
    run = ledger.start_run(ROUND, "test")
    broken = receive(ledger, "not a workbook", 1, run)
    good = receive(ledger, "FIN", 2, run)
    ledger.record_results([result(broken, readable=False), result(good)], run)
    ledger.settle(ROUND, run)
    assert states(ledger) == {broken: "unreadable", good: "counted"}


def test_an_untouched_template_never_counts(ledger: Ledger) -> None:
    """A blank template (e.g. from the office's sent items) never supersedes a return."""
    run = ledger.start_run(ROUND, "test")
    real = receive(ledger, "FIN filled", 1, run)
    blank = receive(ledger, "FIN blank template", 5, run)
    untouched = result(blank)
    untouched.info["filled_inputs"] = 0
    ledger.record_results([result(real), untouched], run)
    ledger.settle(ROUND, run)
    assert states(ledger) == {real: "counted", blank: "empty"}


def test_kpixl_s_own_copy_is_recognised_by_its_bytes(ledger: Ledger, tmp_path: Path) -> None:
    run = ledger.start_run(ROUND, "test")
    good = receive(ledger, "FIN", 1, run)
    ledger.record_results([result(good)], run)
    ledger.settle(ROUND, run)
    copy_hash, _ = content("the annotated copy kpixl wrote")
    ledger.record_output(ROUND, good, tmp_path / "FIN.checked.xlsx", copy_hash, run)
    again = receive(ledger, "the annotated copy kpixl wrote", 3, run)
    assert ledger.is_own_output(again)
    ledger.mark_own_output(again)
    assert ledger.pending() == []  # never scored
    ledger.settle(ROUND, run)
    assert states(ledger)[again] == "kpixl_output" and states(ledger)[good] == "counted"


def test_settling_twice_changes_nothing_and_adds_no_history(ledger: Ledger) -> None:
    run = ledger.start_run(ROUND, "test")
    old, new = receive(ledger, "x1", 1, run), receive(ledger, "x2", 2, run)
    ledger.record_results([result(old), result(new)], run)
    ledger.settle(ROUND, run)
    events = ledger.db.execute("SELECT count(*) FROM events").fetchone()[0]
    ledger.settle(ROUND, ledger.start_run(ROUND, "again"))
    assert ledger.db.execute("SELECT count(*) FROM events").fetchone()[0] == events
    assert states(ledger) == {old: "superseded", new: "counted"}


def test_the_store_keeps_every_received_content(ledger: Ledger) -> None:
    run = ledger.start_run(ROUND, "test")
    content_hash = receive(ledger, "FIN bytes", 1, run)
    assert ledger.stored_path(content_hash, ".xlsx").read_bytes() == b"FIN bytes"


def test_results_and_fills_read_back(ledger: Ledger) -> None:
    run = ledger.start_run(ROUND, "test")
    content_hash = receive(ledger, "FIN", 1, run)
    ledger.record_results([result(content_hash, errors=2)], run)
    kpis, findings, _targets = ledger.results([content_hash])
    assert kpis["level"].tolist() == [4]
    assert findings["code"].tolist() == ["value-missing", "value-missing"]
    assert ledger.fills(content_hash).to_dict("records") == [
        {"sheet": "แบบประเมิน", "cell": "K7", "value": 4}
    ]
    row = ledger.frame("SELECT errors, division_errors FROM contents").iloc[0]
    assert (row["errors"], row["division_errors"]) == (2, 2)


def test_a_failed_transaction_leaves_the_ledger_as_it_was(ledger: Ledger) -> None:
    run = ledger.start_run(ROUND, "test")
    content_hash = receive(ledger, "FIN", 1, run)
    broken = result(content_hash)
    broken.kpis = pd.DataFrame([{"kpi_id": None}])  # violates NOT NULL mid-transaction
    with pytest.raises(sqlite3.IntegrityError):
        ledger.record_results([broken], run)
    assert ledger.pending() == [(content_hash, str(ledger.stored_path(content_hash, ".xlsx")))]
    assert ledger.db.execute("SELECT count(*) FROM kpi_results").fetchone()[0] == 0


def test_a_newer_ledger_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    with pytest.raises(LedgerError, match="newer kpixl"):
        Ledger(path)


def test_a_database_that_is_not_a_ledger_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(LedgerError, match="not a kpixl ledger"):
        Ledger(path)


def test_migration_from_an_empty_database_builds_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    sqlite3.connect(path).close()
    with Ledger(path) as ledger:
        assert ledger.schema_version() == SCHEMA_VERSION
        tables = set(ledger.frame("SELECT name FROM sqlite_master WHERE type='table'")["name"])
    assert {"receipts", "contents", "submissions", "events", "outputs"} <= tables


def test_kill_9_mid_write_leaves_a_consistent_ledger(tmp_path: Path) -> None:
    """A process that is killed while it records results never leaves half a content."""
    path = tmp_path / "ledger.sqlite"
    script = textwrap.dedent(
        f"""
        import hashlib, os, signal, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_ledger import receive, result, ROUND
        from kpixl.ledger import Ledger
        ledger = Ledger({str(path)!r})
        run = ledger.start_run(ROUND, "killed")
        hashes = [receive(ledger, f"FIN {{n}}", n, run) for n in range(40)]
        for n, h in enumerate(hashes):
            ledger.record_results([result(h, errors=3)], run)
            if n == 20:
                os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr.decode()
    with Ledger(path) as ledger:
        assert ledger.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        scored = ledger.frame("SELECT content_hash FROM contents WHERE evaluated_at IS NOT NULL")
        assert len(scored) == 21
        # every scored content has all its findings, every unscored one none
        counts = ledger.frame(
            "SELECT content_hash, count(*) AS n FROM findings GROUP BY content_hash"
        )
        assert set(counts["n"]) == {3} and set(counts["content_hash"]) == set(
            scored["content_hash"]
        )
        assert len(ledger.pending()) == 19  # a rerun picks up exactly these


def test_the_export_holds_every_table_as_the_ledger_does(ledger: Ledger, tmp_path: Path) -> None:
    import openpyxl

    from kpixl.ledger_export import TABLES, export_ledger

    run = ledger.start_run(ROUND, "kpixl round inbox")
    formula = '=HYPERLINK("http://example.invalid","คลิก")'
    content_hash = receive(ledger, "FIN", 1, run, subject=formula)
    ledger.record_results([result(content_hash, errors=1, score=82.123456789)], run)
    ledger.settle(ROUND, run)
    [workbook] = export_ledger(ledger, tmp_path / "ledger.xlsx")
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == list(TABLES)
    for name in TABLES:
        sheet = book[name]
        assert sheet.cell(1, 1).value == f"บัญชีคุมการรับ ledger.sqlite — ตาราง {name}"
        frame = ledger.frame(f"SELECT * FROM {name}")
        header = [c.value for c in sheet[4]]
        assert header == list(frame.columns), name
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
        assert len(rows) == len(frame), name
    contents = book["contents"]
    header = [c.value for c in contents[4]]
    # a number as the ledger holds it, not rounded to the forms' two places
    assert contents.cell(5, header.index("score_100") + 1).value == 82.123456789
    receipts = book["receipts"]
    header = [c.value for c in receipts[4]]
    subject = receipts.cell(5, header.index("subject") + 1)
    assert (subject.value, subject.data_type) == (formula, "s")  # text, never a formula
    assert receipts.cell(5, header.index("content_hash") + 1).value == content_hash
    csvs = export_ledger(ledger, tmp_path / "csv")
    assert [p.name for p in csvs] == [f"{name}.csv" for name in TABLES]
    assert pd.read_csv(csvs[1])["score_100"].tolist() == [82.123456789]
