"""The ``kpixl`` command line: exit codes, messages, files written and the JSON contract.

Most tests call :func:`kpixl.cli.main` in-process (fast, output through capsys); two run the
real thing as a subprocess (``python -m kpixl`` and the installed console script).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from kpixl import __version__
from kpixl.batch import run_batch
from kpixl.cli import main
from kpixl.findings import CATALOGUE, FINDING_COLUMNS, SEVERITIES, finding
from kpixl.masterfile import read_master

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_workbooks"
NS_MASTER = SAMPLES / "nakhonsawan_2565_master.xlsx"
KRABI_MASTER = SAMPLES / "krabi_2564_master.xlsx"
FILLED = SAMPLES / "filled"
CLEAN = FILLED / "FIN_clean.xlsx"
MESSY = FILLED / "SEC_messy_typing.xlsx"
BROKEN = FILLED / "BROKEN_email_attachment.xlsx"
KRABI = FILLED / "KRABI_target_sheet.xlsx"

KINDS = {
    "bands",
    "ratio",
    "growth",
    "survey",
    "weighted_items",
    "milestones",
    "deadline_date",
    "deadline_monthly",
    "deadline_after_year_end",
}
STATUSES = {
    "ok", "gap", "overlap", "below", "above", "out_of_range", "missing", "input_error", "no_rubric",
}  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """``kpixl ARGS`` in-process: (exit code, stdout, stderr). argparse errors exit too."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 2
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not valid JSON: {name}")


def strict_json(text: str) -> Any:
    """Parse JSON as a strict consumer would: NaN and Infinity are not JSON."""
    return json.loads(text, parse_constant=_reject_constant)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


# -- the real programs ---------------------------------------------------------------------


def test_python_dash_m_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kpixl", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"kpixl {__version__}"


def test_installed_console_script_help() -> None:
    script = Path(sysconfig.get_path("scripts")) / "kpixl"
    assert script.is_file(), f"the console script is not installed at {script}"
    done = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: kpixl")
    for command in ("master", "templates", "check", "score", "demo"):
        assert re.search(rf"^\s+{command}\b", done.stdout, re.MULTILINE), command


# -- usage errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="no-command"),
        pytest.param(["check", "--bogus", str(CLEAN)], id="unknown-option"),
        pytest.param(["frobnicate"], id="unknown-command"),
        pytest.param(["check"], id="no-files"),
        pytest.param(["score", str(CLEAN)], id="score-without-output"),
        pytest.param(["check", str(CLEAN), "--lang", "fr"], id="unknown-language"),
        pytest.param(["master"], id="master-without-action"),
        pytest.param(["master", "init", "x.xlsx", "--fiscal-year", "soon"], id="bad-year"),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *args)
    assert code == 2
    assert "usage: kpixl" in out + err
    assert files_in(tmp_path) == set()


def test_unreadable_master_exits_2_with_a_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "no_such_master.xlsx"
    code, _, err = run(capsys, "check", CLEAN, "--master", missing, "--lang", "en")
    assert code == 2
    assert err.strip() == f"kpixl: {missing}: File not found. (file-not-found)"
    code, _, err = run(capsys, "master", "check", BROKEN)
    assert code == 2
    assert finding("file-not-workbook")["message_th"] in err
    assert str(BROKEN) in err


def test_output_folder_that_is_a_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "checked"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, "score", CLEAN, "-o", blocker)
    assert code == 2
    assert err.startswith("kpixl: ")
    assert blocker.read_text() == "not a folder"


# -- master ----------------------------------------------------------------------------------


def test_master_check_of_the_real_seed_reports_its_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "master", "check", NS_MASTER, "--lang", "en")
    assert code == 1
    counts = re.search(r"^error: (\d+) · warning: (\d+) · info: (\d+)$", out, re.MULTILINE)
    assert counts is not None and int(counts[1]) > 0
    assert "rubric-" in out


def test_master_check_of_the_clean_krabi_master(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "master", "check", KRABI_MASTER, "--lang", "en")
    assert (code, out.strip()) == (0, "no findings")
    code, out, _ = run(capsys, "master", "check", KRABI_MASTER)
    assert (code, out.strip()) == (0, "ไม่พบปัญหา / no findings")


def test_master_init_writes_a_master_that_check_reads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "master_2570.xlsx"
    code, out, _ = run(capsys, "master", "init", target, "--fiscal-year", "2570")
    assert (code, out.strip()) == (0, f"wrote {target}")
    master, read_findings = read_master(target)
    assert read_findings.empty  # every sheet and column is there
    assert master.fiscal_year_be == 2570
    assert master.division_codes() == []
    # An empty master is readable; what it lacks is content for the centre to fill in.
    code, out, _ = run(capsys, "master", "check", target, "--lang", "en")
    assert code == 1
    codes = set(re.findall(r"\s(master-[a-z-]+|rubric-[a-z-]+|weights-[a-z0-9-]+)\n", out))
    assert codes == {"master-field-missing"}


def test_templates_one_workbook_per_division(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    master, _ = read_master(NS_MASTER)
    code, out, _ = run(capsys, "templates", NS_MASTER, "-o", tmp_path / "ns")
    assert code == 1  # the master's own problems are reported too
    expected = {f"kpixl_2565_{division}.xlsx" for division in master.division_codes()}
    assert len(expected) == 11
    assert files_in(tmp_path / "ns") == expected
    assert out.count("wrote ") == len(expected)

    # Issue 7 item 11: the centre learns which divisions' workbooks it must still fix.
    assert "PER: ตัวชี้วัด 4 ยังคิดคะแนนไม่ได้จนกว่าส่วนกลางจะแก้ไฟล์ข้อมูลหลัก" in out
    assert "WEL: ตัวชี้วัด 5 ยังคิดคะแนนไม่ได้" in out

    code, out, _ = run(capsys, "templates", KRABI_MASTER, "-o", tmp_path / "krabi")
    assert code == 0
    krabi, _ = read_master(KRABI_MASTER)
    assert files_in(tmp_path / "krabi") == {
        f"kpixl_2564_{division}.xlsx" for division in krabi.division_codes()
    }


def _edited_master(tmp_path: Path, **changes: Any) -> Path:
    """The bundled master with its organisation or one survey KPI's id changed."""
    from kpixl.masterfile import write_master

    master, _ = read_master(NS_MASTER)
    master.organisation.update(changes.get("organisation", {}))
    if "survey_id" in changes:
        for key in ("kpis", "survey_items", "survey_scale"):
            frame = master.frames[key]
            rows = frame["division_code"].eq("COM") & frame["kpi_id"].eq("1")
            frame.loc[rows, "kpi_id"] = changes["survey_id"]
    return write_master(master, tmp_path / "edited.xlsx")


def test_templates_of_a_master_without_a_fiscal_year_exit_2_writing_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 7 crashes: a blank fiscal year no longer ends in a traceback."""
    master = _edited_master(tmp_path, organisation={"fiscal_year_be": ""})
    code, out, err = run(capsys, "templates", master, "-o", tmp_path / "out")
    assert code == 2
    assert "fiscal year" in err and "Traceback" not in err
    assert "master-field-missing" in out  # and the master's finding says which field
    assert not (tmp_path / "out").exists() or files_in(tmp_path / "out") == set()


def test_templates_of_a_survey_kpi_whose_id_has_a_slash(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 7 crashes: "/" cannot be in a sheet name; the survey sheet is named with "-"."""
    import openpyxl

    master = _edited_master(tmp_path, survey_id="1/2")
    code, _, err = run(capsys, "templates", master, "-o", tmp_path / "out")
    assert code in (0, 1) and "Traceback" not in err
    book = openpyxl.load_workbook(tmp_path / "out" / "kpixl_2565_COM.xlsx")
    assert "สำรวจ 1-2" in book.sheetnames


# -- check -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param([CLEAN], 0, id="clean"),
        pytest.param([MESSY], 1, id="messy"),
        pytest.param([BROKEN], 2, id="only-broken"),
        pytest.param([BROKEN, CLEAN], 1, id="broken-and-clean"),
    ],
)
def test_check_exit_codes(
    capsys: pytest.CaptureFixture[str], files: list[Path], expected: int
) -> None:
    code, out, _ = run(capsys, "check", *files, "--master", NS_MASTER, "--lang", "en")
    assert code == expected
    if expected == 0:
        assert out.strip() == "no findings"


def test_check_of_a_missing_path_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "check", tmp_path / "gone.xlsx", "--lang", "en")
    assert code == 2
    assert "file-not-found" in out and "File not found." in out


@pytest.mark.parametrize("lang", ["th", "en", None])
def test_check_prints_messages_in_the_chosen_language(
    capsys: pytest.CaptureFixture[str], lang: str | None
) -> None:
    findings = run_batch([MESSY]).findings
    assert len(findings) > 5
    code, out, _ = run(capsys, "check", MESSY, *(["--lang", lang] if lang else []))
    assert code == 1
    shown, hidden = ("message_en", "message_th") if lang == "en" else ("message_th", "message_en")
    lines = set(out.splitlines())
    for rec in findings.to_dict("records"):
        assert f"        {rec[shown]}" in lines
        assert f"        {rec[hidden]}" not in lines


# -- score -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``kpixl score`` of a clean, a messy, a broken and the Krabi workbook, with both
    masters, once for the module."""
    out = tmp_path_factory.mktemp("score") / "checked"
    inputs = [CLEAN, MESSY, BROKEN, KRABI, NS_MASTER, KRABI_MASTER]
    before = {path: sha256(path) for path in inputs}
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(
            [
                "score",
                *map(str, [CLEAN, MESSY, BROKEN, KRABI]),
                "--master",
                str(NS_MASTER),
                "--master",
                str(KRABI_MASTER),
                "-o",
                str(out),
                "--json",
            ]
        )
    after = {path: sha256(path) for path in inputs}
    return {"code": code, "stdout": stdout.getvalue(), "out": out, "hashes": (before, after)}


def test_score_exit_code_and_files(scored: dict[str, Any]) -> None:
    assert scored["code"] == 1
    assert files_in(scored["out"]) == {
        "FIN_clean.checked.xlsx",
        "SEC_messy_typing.checked.xlsx",
        "KRABI_target_sheet.checked.xlsx",
        "results.json",
        "kpis.csv",
        "totals.csv",
        "findings.csv",
    }


def test_score_leaves_the_inputs_untouched(scored: dict[str, Any]) -> None:
    before, after = scored["hashes"]
    assert before == after


def test_score_json_follows_the_readme_contract(scored: dict[str, Any]) -> None:
    result = strict_json(scored["stdout"])
    assert set(result) >= {"kpixl_version", "checked_at", "workbooks"}
    assert result["kpixl_version"] == __version__
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", result["checked_at"])
    by_source = {wb["source"]: wb for wb in result["workbooks"]}
    assert list(by_source) == [p.name for p in (CLEAN, MESSY, BROKEN, KRABI)]

    for path in (CLEAN, MESSY, BROKEN, KRABI):
        wb = by_source[path.name]
        assert set(wb) >= {
            "source",
            "path",
            "readable",
            "division_code",
            "division_name",
            "fiscal_year_be",
            "template_version",
            "kpis",
            "total",
            "score_100",
            "complete",
            "annotated",
            "findings",
        }
        assert wb["path"] == str(path)
        assert isinstance(wb["readable"], bool)
        assert isinstance(wb["complete"], bool)
        assert isinstance(wb["kpis"], list) and isinstance(wb["findings"], list)
        for rec in wb["findings"]:
            assert list(rec) == FINDING_COLUMNS
            assert rec["source"] == path.name
            assert rec["code"] in CATALOGUE
            assert rec["severity"] == CATALOGUE[rec["code"]].severity in SEVERITIES
            for key in ("row", "column"):
                assert rec[key] is None or (isinstance(rec[key], int) and rec[key] >= 1)
            for key in set(FINDING_COLUMNS) - {"row", "column"}:
                assert isinstance(rec[key], str), key
            assert bool(rec["cell"]) == (rec["row"] is not None)
        if not wb["readable"]:
            continue
        assert isinstance(wb["division_code"], str) and wb["division_code"]
        assert isinstance(wb["division_name"], str) and wb["division_name"]
        assert isinstance(wb["fiscal_year_be"], int)
        assert isinstance(wb["template_version"], str)
        assert wb["annotated"] == str(scored["out"] / f"{path.stem}.checked.xlsx")
        for kpi in wb["kpis"]:
            assert list(kpi) == [
                "kpi_id",
                "kind",
                "quarter",
                "reported",
                "computed",
                "value",
                "level",
                "weight",
                "weighted",
                "status",
            ]
            assert isinstance(kpi["kpi_id"], str) and kpi["kpi_id"]
            assert kpi["kind"] in KINDS
            assert kpi["quarter"] is None or kpi["quarter"] in (1, 2, 3, 4)
            for key in ("reported", "computed", "value", "weighted"):
                assert kpi[key] is None or is_number(kpi[key]), key
            assert is_number(kpi["weight"])
            assert kpi["status"] in STATUSES
            if kpi["level"] is None:
                assert kpi["weighted"] is None
            else:
                assert isinstance(kpi["level"], int) and 0 <= kpi["level"] <= 5
                assert kpi["weighted"] == pytest.approx(kpi["level"] * kpi["weight"] / 100)
        if wb["kpis"]:
            levels = [k["level"] for k in wb["kpis"]]
            total = sum(k["weighted"] for k in wb["kpis"] if k["level"] is not None)
            assert wb["total"] == pytest.approx(total)
            assert wb["score_100"] == pytest.approx(total * 20)
            assert wb["complete"] is all(level is not None for level in levels)

    clean = by_source[CLEAN.name]
    assert (clean["division_code"], clean["fiscal_year_be"], clean["findings"]) == ("FIN", 2565, [])
    assert (clean["total"], clean["score_100"], clean["complete"]) == (4.14, 82.8, True)
    messy = by_source[MESSY.name]
    assert any(f["severity"] == "error" for f in messy["findings"])
    assert messy["complete"] is False and messy["kpis"]

    broken = by_source[BROKEN.name]
    assert broken["readable"] is False
    assert (broken["kpis"], broken["total"], broken["score_100"]) == ([], None, None)
    assert (broken["complete"], broken["annotated"]) == (False, None)
    assert [f["code"] for f in broken["findings"]] == ["file-not-workbook"]


def test_score_takes_each_workbook_s_own_master(scored: dict[str, Any]) -> None:
    krabi = {wb["source"]: wb for wb in strict_json(scored["stdout"])["workbooks"]}[KRABI.name]
    assert (krabi["readable"], krabi["fiscal_year_be"]) == (True, 2564)
    codes = {f["code"] for f in krabi["findings"]}
    assert "master-unknown-division" not in codes
    assert not any(f["severity"] == "error" for f in krabi["findings"])


def test_krabi_with_only_the_nakhon_sawan_master_is_an_unknown_division(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The control for the test above: with the wrong master alone the division is unknown.
    code, out, _ = run(capsys, "check", KRABI, "--master", NS_MASTER, "--lang", "en")
    assert code == 1
    assert "master-unknown-division" in out


def test_score_files_agree_with_the_json(scored: dict[str, Any]) -> None:
    printed = strict_json(scored["stdout"])
    saved = strict_json((scored["out"] / "results.json").read_text(encoding="utf-8"))
    printed.pop("checked_at")
    saved.pop("checked_at")
    assert saved == printed

    kpis = pd.read_csv(scored["out"] / "kpis.csv", encoding="utf-8-sig", dtype=str)
    findings = pd.read_csv(
        scored["out"] / "findings.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    totals = pd.read_csv(scored["out"] / "totals.csv", encoding="utf-8-sig", dtype=str)
    workbooks = printed["workbooks"]
    assert len(kpis) == sum(len(wb["kpis"]) for wb in workbooks)
    assert list(findings.columns) == FINDING_COLUMNS
    assert len(findings) == sum(len(wb["findings"]) for wb in workbooks)
    assert sorted(findings["code"]) == sorted(f["code"] for wb in workbooks for f in wb["findings"])
    assert set(totals["source"]) == {wb["source"] for wb in workbooks if wb["readable"]}
    for wb in workbooks:
        if wb["annotated"]:
            assert Path(wb["annotated"]).is_file()


def test_score_without_json_prints_what_it_wrote(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "score", CLEAN, "-o", tmp_path, "--lang", "en")
    assert code == 0
    assert out.splitlines() == [
        "no findings",
        f"wrote {tmp_path / 'FIN_clean.checked.xlsx'}  ({CLEAN.name})",
    ]


def test_score_never_overwrites_an_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The annotated copy of FIN_clean.xlsx would be checked/FIN_clean.checked.xlsx, which is
    # itself one of the inputs here.
    checked = tmp_path / "checked"
    checked.mkdir()
    earlier = checked / "FIN_clean.checked.xlsx"
    earlier.write_bytes(MESSY.read_bytes())
    code, _, err = run(capsys, "score", CLEAN, earlier, "-o", checked)
    assert code == 2
    assert "refusing to overwrite the input" in err
    assert earlier.read_bytes() == MESSY.read_bytes()
    assert files_in(checked) == {"FIN_clean.checked.xlsx"}


# -- demo ------------------------------------------------------------------------------------


def test_demo_runs_the_whole_job(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "demo"
    code, stdout, _ = run(capsys, "demo", "-o", out)
    assert code == 0
    master, _ = read_master(NS_MASTER)
    readable = [p for p in sorted(FILLED.glob("*.xlsx")) if p != BROKEN]
    files = files_in(out)
    expected = {
        "master_findings.csv",
        *(f"templates/kpixl_2565_{code}.xlsx" for code in master.division_codes()),
        *(f"checked/{p.stem}.checked.xlsx" for p in readable),
        "checked/results.json",
        "checked/kpis.csv",
        "checked/totals.csv",
        "checked/findings.csv",
        "summary.xlsx",
        "report.html",
        *(f"round/{name}" for name in ("results.xlsx", "results.csv", "findings.csv")),
        *(f"round/replies/{code}.eml" for code in master.division_codes()),
        "round/ledger.sqlite",
    }
    assert expected <= files, sorted(expected - files)
    result = strict_json((out / "checked" / "results.json").read_text(encoding="utf-8"))
    assert len(result["workbooks"]) == len(readable) + 1
    krabi = next(wb for wb in result["workbooks"] if wb["source"] == KRABI.name)
    assert "master-unknown-division" not in {f["code"] for f in krabi["findings"]}
    # the round's status table: every division of the master, in Thai
    assert "ยังไม่ได้รับ" in stdout and "นำส่งแล้ว" in stdout
    for division in master.division_codes():
        assert f"\n{division} " in stdout, division


def test_demo_without_the_bundled_master_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "samples"
    (empty / "filled").mkdir(parents=True)
    code, _, err = run(capsys, "demo", "--samples", empty, "-o", tmp_path / "demo")
    assert code == 2
    assert "nakhonsawan_2565_master.xlsx" in err
    assert not (tmp_path / "demo").exists()


def test_summary_and_report_of_a_round(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from kpixl.round import run_round

    master, _ = read_master(NS_MASTER)
    report = run_round([FILLED / "FIN_clean.xlsx"], [master], tmp_path / "round", workers=1)
    code, out, _ = run(
        capsys, "summary", report.ledger, "--master", NS_MASTER, "-o", tmp_path / "s.xlsx"
    )
    assert code == 0 and str(tmp_path / "s.xlsx") in out
    assert CalamineWorkbook.from_path(str(tmp_path / "s.xlsx")).sheet_names
    code, out, _ = run(capsys, "report", report.ledger, "-o", tmp_path / "r.html")
    assert code == 0 and str(tmp_path / "r.html") in out
    assert "กองคลัง" in (tmp_path / "r.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["summary", "report"])
def test_summary_of_a_missing_ledger_or_year_exits_2(
    command: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, command, tmp_path / "none.sqlite", "-o", tmp_path / "x")
    assert code == 2 and "no ledger" in err and "Traceback" not in err
    from kpixl.ledger import Ledger

    Ledger(tmp_path / "empty.sqlite").close()
    code, _, err = run(
        capsys, command, tmp_path / "empty.sqlite", "--year", "2599", "-o", tmp_path / "x"
    )
    assert code == 2 and "Traceback" not in err
    assert not (tmp_path / "x").exists()
