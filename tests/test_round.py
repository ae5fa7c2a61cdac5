"""The office's round end to end: e-mails and files in, the ledger, the status, replies out.

Real inputs: the bundled sample mail (Thai RFC 2231 and RFC 2047 names, a zip of two
divisions, an .ods, an mbox, a Maildir, a duplicate) and the bundled filled workbooks.
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kpixl.cli import main
from kpixl.fill import Filler
from kpixl.ledger import Ledger
from kpixl.master import Master
from kpixl.round import run_round

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_workbooks"
MAIL = SAMPLES / "mail"
FILLED = SAMPLES / "filled"
MASTER = SAMPLES / "nakhonsawan_2565_master.xlsx"
OCT_2022 = time.mktime((2022, 10, 20, 12, 0, 0, 0, 0, 0))


def dated_copy(source: Path, folder: Path, day: int, name: str | None = None) -> Path:
    """A copy of a sample whose file time is a day of October 2022 (files without an e-mail
    are dated by their file time)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or source.name)
    shutil.copyfile(source, target)
    moment = time.mktime((2022, 10, day, 12, 0, 0, 0, 0, 0))
    os.utime(target, (moment, moment))
    return target


def table(ledger_path: Path, sql: str) -> pd.DataFrame:
    with Ledger(ledger_path) as ledger:
        return ledger.frame(sql)


@pytest.fixture(scope="module")
def mail_round(master: Master, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One round on the bundled mail plus two loose files and a broken attachment."""
    loose = tmp_path_factory.mktemp("loose")
    files = [
        dated_copy(FILLED / "PAL_messy_rubric_edges.xlsx", loose, 15),
        dated_copy(FILLED / "BROKEN_email_attachment.xlsx", loose, 16),
        dated_copy(FILLED / "STR_tampered_definitions.xlsx", loose, 17),
    ]
    out = tmp_path_factory.mktemp("round")
    report = run_round([MAIL, *files], [master], out, workers=1)
    return {"report": report, "out": out, "ledger": out / "ledger.sqlite"}


def test_every_attachment_of_every_mailbox_is_a_receipt(mail_round: dict[str, object]) -> None:
    receipts = table(mail_round["ledger"], "SELECT * FROM receipts")  # type: ignore[arg-type]
    names = set(receipts["file_name"])
    # a Thai RFC 2231 name, the members of a zip, an .ods, an mbox's and a Maildir's
    assert any("กองคลัง" in n for n in names), names
    assert any(n.endswith(".ods") for n in names)
    assert {"email"} <= set(receipts["origin_kind"])
    assert receipts["message_id"].str.startswith("<").sum() >= 6
    senders = set(receipts["sender"])
    assert any("fin@pao-nakhonsawan.example" in s for s in senders)


def test_the_division_comes_from_the_workbook_not_its_name(mail_round: dict[str, object]) -> None:
    subs = table(
        mail_round["ledger"],  # type: ignore[arg-type]
        "SELECT r.file_name, c.division_code FROM receipts r JOIN contents c USING"
        " (content_hash) WHERE c.readable = 1",
    )
    # "แบบประเมินผลการปฏิบัติราชการ_กองคลัง_…" is FIN although its name says no code
    assert "FIN" in set(subs["division_code"])
    assert all(code for code in subs["division_code"])


def test_a_duplicate_is_recorded_and_counted_once(mail_round: dict[str, object]) -> None:
    with Ledger(mail_round["ledger"]) as ledger:  # type: ignore[arg-type]
        subs = ledger.submissions()
    fin = subs[subs["division_code"] == "FIN"]
    assert sorted(fin["state"]) == ["counted", "duplicate"]
    assert fin["content_hash"].nunique() == 1


def test_the_status_of_every_division_of_the_master(
    mail_round: dict[str, object], master: Master
) -> None:
    status = mail_round["report"].status  # type: ignore[attr-defined]
    assert list(status["division_code"]) == master.division_codes()
    by = status.set_index("division_code")["state"]
    assert by["AUD"] == "not_received"
    assert by["SEC"] == "errors"  # its messy sample has division errors
    assert by["FIN"] == "signed_off"
    assert by["STR"] == "errors"  # altered hidden definitions: the division's to answer
    assert set(by) <= {"not_received", "errors", "scored", "signed_off"}


def test_a_signed_off_division_is_not_overwritten(mail_round: dict[str, object]) -> None:
    """EDU signed off its first return; the later resubmission in the Maildir is rejected."""
    with Ledger(mail_round["ledger"]) as ledger:  # type: ignore[arg-type]
        subs = ledger.submissions()
    edu = subs[subs["division_code"] == "EDU"].sort_values("received_at")
    assert list(edu["state"]) == ["counted", "rejected"]
    findings = pd.read_csv(mail_round["out"] / "findings.csv", dtype=str)  # type: ignore[operator]
    assert "submission-after-signoff" in set(findings["code"])


def test_the_ods_and_the_broken_file_get_their_findings(mail_round: dict[str, object]) -> None:
    findings = pd.read_csv(mail_round["out"] / "findings.csv", dtype=str).fillna("")  # type: ignore[operator]
    ods = findings[findings["source"].str.endswith(".ods")]
    assert ods["code"].tolist() == ["file-not-workbook"]
    assert "Excel 2007-365 (.xlsx)" in ods["message_th"].iloc[0]
    broken = findings[findings["source"] == "BROKEN_email_attachment.xlsx"]
    assert broken["code"].tolist() == ["file-not-workbook"]


def test_outputs_are_written(mail_round: dict[str, object], master: Master) -> None:
    out = mail_round["out"]
    assert isinstance(out, Path)
    for name in ("results.xlsx", "results.csv", "findings.csv", "targets.csv", "status.csv"):
        assert (out / name).stat().st_size > 0, name
    checked = sorted(p.name for p in (out / "checked").glob("*.checked.xlsx"))
    assert "kpixl_2565_FIN.checked.xlsx" in checked
    replies = {p.stem for p in (out / "replies").glob("*.eml")}
    assert replies == set(master.division_codes())
    results = pd.read_csv(out / "results.csv", dtype=str)
    assert not results["kpi_id"].str.endswith(".0").any()  # ids as written
    scores = results["score_100"].dropna()
    assert all(len(s.split(".")[-1]) <= 2 for s in scores if "." in s)  # no float noise


def test_reply_drafts_parse_back_with_their_thai_text_and_attachment(
    mail_round: dict[str, object],
) -> None:
    out = mail_round["out"]
    assert isinstance(out, Path)
    message = email.message_from_bytes(
        (out / "replies" / "SEC.eml").read_bytes(), policy=email.policy.default
    )
    assert message["To"] == "sec@pao-nakhonsawan.example"
    assert "ผลการตรวจแบบประเมินผลสัมฤทธิ์ของงาน" in message["Subject"]
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert text.startswith("เรียน ") and "ช่อง D42" in text
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "kpixl_2565_SEC.checked.xlsx"
    assert (
        attachment.get_content() == (out / "checked" / "kpixl_2565_SEC.checked.xlsx").read_bytes()
    )
    reminder = email.message_from_bytes(
        (out / "replies" / "AUD.eml").read_bytes(), policy=email.policy.default
    )
    assert not list(reminder.iter_attachments())


def test_a_rerun_of_the_same_inputs_adds_nothing(
    mail_round: dict[str, object], master: Master
) -> None:
    ledger_path = mail_round["ledger"]
    assert isinstance(ledger_path, Path)
    before = table(ledger_path, "SELECT count(*) AS n FROM receipts")["n"].iloc[0]
    report = run_round([MAIL], [master], ledger_path.parent, workers=1)
    assert report.received == 0 and report.scored == 0
    assert table(ledger_path, "SELECT count(*) AS n FROM receipts")["n"].iloc[0] == before


def test_kpixl_s_own_checked_copy_is_never_read_as_a_return(
    mail_round: dict[str, object], master: Master, tmp_path: Path
) -> None:
    out = mail_round["out"]
    assert isinstance(out, Path)
    copies = tmp_path / "copies"
    shutil.copytree(out / "checked", copies)
    report = run_round([copies], [master], out, workers=1)
    with Ledger(out / "ledger.sqlite") as ledger:
        subs = ledger.submissions()
    mine = subs[subs["path"].str.startswith(str(copies))]
    assert len(mine) > 0 and set(mine["state"]) == {"kpixl_output"}
    assert report.scored == 0


def test_an_output_folder_inside_an_input_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inbox"
    dated_copy(FILLED / "FIN_clean.xlsx", inbox, 10)
    code = main(["round", str(inbox), "--master", str(MASTER), "-o", str(inbox / "out")])
    assert code == 2
    assert "inside the input folder" in capsys.readouterr().err
    assert not (inbox / "out").exists()


def test_a_newer_return_supersedes_an_older_one(master: Master, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    older = dated_copy(FILLED / "SEC_messy_typing.xlsx", inbox / "a", 10, "SEC.xlsx")
    newer = dated_copy(FILLED / "PER_clean.xlsx", inbox / "b", 12, "PER.xlsx")
    # The same division twice: a draft, then its corrected version (PER is clean).
    again = dated_copy(FILLED / "PER_clean.xlsx", inbox / "c", 11, "PER_draft.xlsx")
    draft = Filler(again)
    draft.form("1", 75)  # the draft reported less, and was not signed off
    draft.signoff_field("signed_off", "ยังไม่นำส่ง")
    draft.save(again)
    os.utime(again, (OCT_2022 - 9 * 86400, OCT_2022 - 9 * 86400))
    report = run_round([inbox], [master], tmp_path / "out", workers=1)
    with Ledger(report.ledger) as ledger:
        subs = ledger.submissions()
    per = subs[subs["division_code"] == "PER"].sort_values("received_at")
    assert list(per["file_name"]) == ["PER_draft.xlsx", "PER.xlsx"]
    assert list(per["state"]) == ["superseded", "counted"]
    assert older.exists() and newer.exists()  # inputs untouched


def test_a_corrected_checked_copy_is_scored_like_a_fresh_return(
    master: Master, tmp_path: Path
) -> None:
    """The correction loop: a division fixes its checked copy and sends it back."""
    first = run_round(
        [dated_copy(FILLED / "SEC_messy_typing.xlsx", tmp_path / "in1", 10)],
        [master],
        tmp_path / "out1",
        workers=1,
    )
    checked = tmp_path / "out1" / "checked" / "kpixl_2565_SEC.checked.xlsx"
    fixed = tmp_path / "in2" / "SEC_fixed.xlsx"
    fixed.parent.mkdir()
    shutil.copyfile(checked, fixed)
    fresh = tmp_path / "in3" / "SEC_fresh.xlsx"
    fresh.parent.mkdir()
    shutil.copyfile(FILLED / "SEC_messy_typing.xlsx", fresh)
    for path in (fixed, fresh):  # the same correction in both: a plain number for KPI 1
        book = openpyxl.load_workbook(path)
        form = book["แบบประเมิน"]
        keys = {str(c.value): c.column for c in form[6] if c.value}
        row = next(r for r in range(7, form.max_row) if form.cell(r, 1).value == "1")
        form.cell(row, keys["result"]).value = 85.5
        form.cell(row, keys["weighted"]).value = None  # the weighted score typed over
        book.save(path)
    a = run_round([fixed.parent], [master], tmp_path / "out2", workers=1)
    b = run_round([fresh.parent], [master], tmp_path / "out3", workers=1)
    scores = [r.status.set_index("division_code").loc["SEC", "score_100"] for r in (a, b)]
    assert (
        scores[0] == scores[1]
        and scores[0] != first.status.set_index("division_code").loc["SEC", "score_100"]
    )
    codes = [
        set(pd.read_csv(tmp_path / out / "findings.csv", dtype=str)["code"])
        for out in ("out2", "out3")
    ]
    assert codes[0] == codes[1]
    assert "typed-score-mismatch" not in codes[0]  # kpixl's own filled-in scores are not typed
    # the next checked copy shows only the problems that remain: KPI 1's cell is clean
    again = openpyxl.load_workbook(tmp_path / "out2" / "checked" / "kpixl_2565_SEC.checked.xlsx")
    form = again["แบบประเมิน"]
    keys = {str(c.value): c.column for c in form[6] if c.value}
    row = next(r for r in range(7, form.max_row) if form.cell(r, 1).value == "1")
    assert form.cell(row, keys["result"]).comment is None


def test_parallel_equals_serial(master: Master, tmp_path: Path) -> None:
    inbox = [MAIL, FILLED]
    serial = run_round(inbox, [master], tmp_path / "serial", workers=1)
    parallel = run_round(inbox, [master], tmp_path / "parallel", workers=2)

    def content(report: object, sql: str) -> pd.DataFrame:
        frame = table(report.ledger, sql)  # type: ignore[attr-defined]
        return frame.sort_values(list(frame.columns)).reset_index(drop=True)

    for sql in (
        "SELECT content_hash, kpi_id, value, level, weighted, status FROM kpi_results",
        "SELECT content_hash, seq, code, cell, message_th FROM findings",
        "SELECT content_hash, state, reason FROM submissions",
        "SELECT content_hash, total, score_100, division_errors FROM contents",
    ):
        pd.testing.assert_frame_equal(content(serial, sql), content(parallel, sql))
    pd.testing.assert_frame_equal(
        serial.status.drop(columns=["annotated"]), parallel.status.drop(columns=["annotated"])
    )
    for name in ("results.csv", "targets.csv"):
        assert (tmp_path / "serial" / name).read_bytes() == (
            tmp_path / "parallel" / name
        ).read_bytes()


def test_a_round_killed_with_sigkill_resumes_without_double_counting(tmp_path: Path) -> None:
    """kill -9 in the middle of scoring; the same command again finishes the job."""
    inbox = tmp_path / "inbox"
    for number, source in enumerate(sorted(FILLED.glob("*.xlsx")) * 3):
        dated_copy(source, inbox / str(number), 1 + number % 28)
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "kpixl", "round", str(inbox), "--master", str(MASTER),
        "-o", str(out), "--workers", "1",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ledger = out / "ledger.sqlite"
    deadline = time.time() + 120
    scored = 0
    while time.time() < deadline and process.poll() is None:
        if ledger.exists():
            try:
                with sqlite3.connect(ledger, timeout=1) as db:
                    scored = db.execute(
                        "SELECT count(*) FROM contents WHERE evaluated_at IS NOT NULL"
                    ).fetchone()[0]
            except sqlite3.OperationalError:
                scored = 0
            if scored > 0:
                break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert scored > 0  # it was killed in the middle of the work
    with Ledger(ledger) as opened:
        assert opened.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    done = subprocess.run(command, capture_output=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr.decode()[-2000:]
    with Ledger(ledger) as opened:
        contents = opened.frame("SELECT content_hash, evaluated_at FROM contents")
        assert contents["evaluated_at"].notna().all()
        receipts = opened.frame("SELECT content_hash, path FROM receipts")
        assert not receipts.duplicated().any()
        counted = opened.frame(
            "SELECT division_code, count(*) AS n FROM submissions WHERE state='counted'"
            " GROUP BY division_code"
        )
        assert set(counted["n"]) == {1}
        kpi_rows = opened.frame("SELECT content_hash, kpi_id FROM kpi_results")
        assert not kpi_rows.duplicated().any()
