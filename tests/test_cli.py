"""The ``kpixl`` command line: exit codes, messages, files written and the JSON contract.

Most tests call :func:`kpixl.cli.main` in-process (fast, output through capsys); two run the
real thing as a subprocess (``python -m kpixl`` and the installed console script).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from kpixl import __version__, cli
from kpixl.batch import run_batch
from kpixl.cli import main
from kpixl.cli_help import DESCRIPTIONS, help_language, locale_language
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


def test_installed_console_script_checks_as_main_does(capsys: pytest.CaptureFixture[str]) -> None:
    script = Path(sysconfig.get_path("scripts")) / "kpixl"
    done = subprocess.run(
        [str(script), "check", str(FILLED / "SEC_messy_typing.xlsx"), "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    code = main(["check", str(FILLED / "SEC_messy_typing.xlsx"), "--lang", "en"])
    assert (done.returncode, done.stdout) == (code, capsys.readouterr().out)
    assert code == 1 and "value-unreadable" in done.stdout  # it found the errors, and said them


def test_the_program_exits_with_mains_code_and_its_objects_frozen(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["kpixl", "check", str(CLEAN)])
    try:
        with pytest.raises(SystemExit) as exited:
            cli.entry()
        # the exit's garbage collection skips them (gc.freeze)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert exited.value.code == cli.EXIT_OK
    assert capsys.readouterr().out.strip() == "ไม่พบปัญหา / no findings"


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
    counts = re.search(r"^in all: error: (\d+) · warning: (\d+) · info: (\d+)$", out, re.M)
    assert counts is not None and int(counts[1]) > 0
    assert "rubric-" in out


def _groups(out: str) -> dict[str, list[str]]:
    """The printed master check: group heading → the cells of its findings."""
    groups: dict[str, list[str]] = {}
    heading = ""
    for line in out.splitlines():
        if " — " in line and not line.startswith(" "):
            heading = line.split(" — ")[0]
            groups[heading] = []
        elif re.match(r"^\S+ +\S+!([A-Z]+\d+)", line):
            groups[heading].append(line.split()[1].split("!")[1])
    return groups


@pytest.mark.parametrize("lang", ["th", "en"])
def test_master_check_groups_the_findings_by_division(
    capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    """Each finding under the heading of the division whose row it is on, in the order of
    the division sheet; the whole master's own findings first."""
    master, _ = read_master(NS_MASTER)
    code, out, _ = run(capsys, "master", "check", NS_MASTER, "--lang", lang)
    assert code == 1
    groups = _groups(out)
    word = "กอง" if lang == "th" else "division"
    names = dict(
        zip(master.divisions["division_code"], master.divisions["division_name"], strict=True)
    )
    headings = [h for h in groups if h.startswith(word)]
    expected_order = [c for c in master.division_codes() if f"{word} {c} {names[c]}" in groups]
    assert headings == [f"{word} {c} {names[c]}" for c in expected_order]
    assert len(headings) >= 8
    kpis = master.kpis
    for heading, cells in groups.items():
        division = heading.split()[1]
        for cell in cells:
            row = int(re.sub(r"[A-Z]+", "", cell))
            on_row = set(kpis.loc[kpis["_row"] == row, "division_code"])
            for key in ("survey_scale", "steps", "survey_items", "items"):
                frame = master.frame(key)
                on_row |= set(frame.loc[frame["_row"] == row, "division_code"])
            assert division in on_row, (heading, cell)
    # the counts of each heading are the count of its findings
    total = sum(len(cells) for cells in groups.values())
    summary = re.search(r"(\d+) · \D+(\d+) · \D+(\d+)$", out.strip().splitlines()[-1])
    assert summary is not None and sum(map(int, summary.groups())) == total
    if lang == "th":
        assert "ข้อผิดพลาด" in out and "error:" not in out


def test_master_check_of_the_clean_krabi_master(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "master", "check", KRABI_MASTER, "--lang", "en")
    assert (code, out.strip()) == (0, "no findings")
    code, out, _ = run(capsys, "master", "check", KRABI_MASTER)
    assert (code, out.strip()) == (0, "ไม่พบปัญหา / no findings")


@pytest.mark.parametrize(
    ("lang", "wrote"), [("th", "บันทึกไฟล์ {} แล้ว"), ("en", "wrote {}")], ids=["th", "en"]
)
def test_master_init_writes_a_master_that_check_reads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str, wrote: str
) -> None:
    target = tmp_path / "master_2570.xlsx"
    code, out, _ = run(capsys, "master", "init", target, "--fiscal-year", "2570", "--lang", lang)
    assert code == 0
    assert out.splitlines()[0] == wrote.format(target)
    assert "kpixl master check" in out.splitlines()[1]  # what to do next
    master, read_findings = read_master(target)
    assert read_findings.empty  # every sheet and column is there
    assert master.fiscal_year_be == 2570
    assert master.division_codes() == ["EX"]
    # What it lacks is the organisation's name, and its example is still an example.
    code, out, _ = run(capsys, "master", "check", target, "--lang", "en")
    assert code == 1
    codes = set(re.findall(r"\s(master-[a-z-]+|rubric-[a-z-]+|weights-[a-z0-9-]+)\n", out))
    assert codes == {"master-field-missing", "master-example-row"}
    assert "division EX กองตัวอย่าง — error: 0 · warning: 1 · info: 0" in out


def test_templates_one_workbook_per_division(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    master, _ = read_master(NS_MASTER)
    code, out, _ = run(capsys, "templates", NS_MASTER, "-o", tmp_path / "ns")
    assert code == 1  # the master's own problems are reported too
    expected = {f"kpixl_2565_{division}.xlsx" for division in master.division_codes()}
    assert len(expected) == 11
    assert files_in(tmp_path / "ns") == expected
    assert out.count("บันทึกไฟล์ ") == len(expected)

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
    lines = out.splitlines()
    assert lines[0] == "no findings"
    assert lines[-2:] == [
        f"wrote {tmp_path / 'FIN_clean.checked.xlsx'}  ({CLEAN.name})",
        f"wrote {tmp_path / 'findings.csv'}",
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


@pytest.mark.parametrize("lang", ["th", "en"])
def test_demo_runs_the_whole_job(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str
) -> None:
    out = tmp_path / "demo"
    code, stdout, _ = run(capsys, "demo", "-o", out, "--lang", lang)
    assert code == 0
    steps = [line for line in stdout.splitlines() if re.match(r"^\d\. ", line)]
    assert len(steps) == 5
    for line in steps:  # every step in the chosen language
        thai = re.sub(r"\S*/\S*|“[^”]*”", "", line)  # paths and quoted names aside
        assert bool(re.search("[\u0e00-\u0e7f]", thai)) == (lang == "th"), line
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
    # the round's status table: every division of the master, in the chosen language
    if lang == "th":
        assert "ยังไม่ได้รับ" in stdout and "นำส่งแล้ว" in stdout
    else:
        assert "not received" in stdout and "signed off" in stdout
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
    assert code == 2 and "ไม่พบบัญชีรับไฟล์" in err and "Traceback" not in err
    code, _, err = run(
        capsys, command, tmp_path / "none.sqlite", "-o", tmp_path / "x", "--lang", "en"
    )
    assert code == 2 and "no ledger" in err
    from kpixl.ledger import Ledger

    Ledger(tmp_path / "empty.sqlite").close()
    code, _, err = run(
        capsys, command, tmp_path / "empty.sqlite", "--year", "2599", "-o", tmp_path / "x"
    )
    assert code == 2 and "Traceback" not in err
    assert not (tmp_path / "x").exists()


# -- help in Thai and English (issue 10) -----------------------------------------------------

COMMAND_PATHS = sorted(DESCRIPTIONS)
"""Every parser: the program, each command and each action of master and ledger."""


def _parsers(lang: str) -> dict[str, argparse.ArgumentParser]:
    found = {"": cli._parser(lang)}
    pending = [("", found[""])]
    while pending:
        path, parser = pending.pop()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found[f"{path} {name}".strip()] = sub
                    pending.append((f"{path} {name}".strip(), sub))
    return found


def test_every_command_has_a_description_in_both_languages() -> None:
    assert set(_parsers("en")) == set(COMMAND_PATHS)
    for path, (th, en) in DESCRIPTIONS.items():
        assert re.search("[\u0e00-\u0e7f]", th) and re.search("[A-Za-z]{3}", en), path


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: p or "kpixl")
def test_help_of_every_command_has_examples_and_exit_codes(
    capsys: pytest.CaptureFixture[str], path: str, lang: str
) -> None:
    code, out, _ = run(capsys, *path.split(), "--help", "--lang", lang)
    assert code == 0
    usage, examples, exits = (
        ("วิธีใช้: ", "ตัวอย่าง:", "รหัสการจบการทำงาน")
        if lang == "th"
        else ("usage: ", "examples:", "exit codes:")
    )
    assert out.startswith(f"{usage}kpixl {path}".rstrip())
    assert DESCRIPTIONS[path][0 if lang == "th" else 1] in " ".join(out.split())
    assert examples in out
    body = out.split(examples, 1)[1]
    commands = re.findall(r"^  (kpixl .+?)(?:  #|$)", body, re.M)
    assert commands and all(c.startswith(f"kpixl {path}".rstrip()) for c in commands), commands
    assert exits in out
    for number in (cli.EXIT_OK, cli.EXIT_ERRORS, cli.EXIT_UNUSABLE, cli.EXIT_INTERNAL):
        assert re.search(rf"^  {number}  \S", out, re.M), number
    if lang == "th":  # every line of the help but the usage and the examples is Thai
        options = out.split(examples)[0].split("\n\n", 1)[1]
        for line in options.splitlines():
            if re.match(r"^  \S", line) and not line.strip().startswith(("{", "COMMAND")):
                described = line.strip()
                if "  " in described:
                    assert re.search("[\u0e00-\u0e7f]", described), line


def test_every_help_string_has_its_thai() -> None:
    """Every option and argument of every command: Thai in the Thai help (the table of
    :mod:`kpixl.cli_help` is keyed by the English help; a new option must be added there)."""
    missing = []
    for path, parser in _parsers("th").items():
        for action in parser._actions:
            text = action.help
            if text and text is not argparse.SUPPRESS and not re.search("[\u0e00-\u0e7f]", text):
                missing.append((path, action.option_strings or action.dest, text))
    assert missing == [], "add the Thai of these to kpixl.cli_help.HELP_TH"
    english = [
        a.help
        for parser in _parsers("en").values()
        for a in parser._actions
        if a.help and a.help is not argparse.SUPPRESS
    ]
    assert not any(re.search("[\u0e00-\u0e7f]", text) for text in english)


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "th_TH.UTF-8"}, "th"),
        ({"LANG": "th"}, "th"),
        ({"LC_ALL": "th_TH.UTF-8", "LANG": "en_US.UTF-8"}, "th"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "th_TH.UTF-8"}, "en"),
        ({"LC_MESSAGES": "th_TH", "LANG": "C"}, "th"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_help_follows_the_locale(environ: dict[str, str], lang: str) -> None:
    assert locale_language(environ) == lang
    assert help_language(["check", "--help"], environ) == lang
    other = "en" if lang == "th" else "th"
    assert help_language(["check", "--help", "--lang", other], environ) == other
    assert help_language(["--lang=" + other, "check"], environ) == other


def test_thai_locale_gives_thai_help_in_a_real_run() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")}
    done = subprocess.run(
        [sys.executable, "-m", "kpixl", "score", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**env, "LANG": "th_TH.UTF-8"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("วิธีใช้: kpixl score")
    assert "findings.csv" in done.stdout and "รหัสการจบการทำงาน" in done.stdout


@pytest.mark.parametrize("lang", ["th", "en"])
def test_usage_errors_speak_the_language(capsys: pytest.CaptureFixture[str], lang: str) -> None:
    code, _, err = run(capsys, "check", "--lang", lang)
    assert code == 2
    if lang == "th":
        assert "ยังไม่ได้ระบุ: files" in err and "kpixl check --help" in err
    else:
        assert "the following arguments are required: files" in err


def test_a_language_before_the_command_counts(capsys: pytest.CaptureFixture[str]) -> None:
    findings = run_batch([MESSY]).findings
    _, out, _ = run(capsys, "--lang", "en", "check", MESSY)
    assert f"        {findings['message_en'].iloc[0]}" in out.splitlines()
    _, out, _ = run(capsys, "check", MESSY)  # Thai, the messages' default
    assert f"        {findings['message_th'].iloc[0]}" in out.splitlines()


HEAVY = ("pandas", "numpy", "openpyxl", "xlsxwriter", "python_calamine", "jinja2")


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: p or "kpixl")
def test_help_imports_nothing_heavy(path: str) -> None:
    """``kpixl --help`` and every command's help start at once (no pandas, no Excel
    library): measured with ``python -X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kpixl", *path.split(), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-500:]
    imported = {
        line.split("|")[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "kpixl" in imported  # the measure saw kpixl's own imports
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))


# -- check and score a folder -------------------------------------------------------------


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of returns as a clerk's disk has it: workbooks at the top and in a
    subfolder, LibreOffice's lock file and Office's owner file of an open workbook, a
    legacy .xls, a note, and the output folder of an earlier ``kpixl score``."""
    folder = tmp_path_factory.mktemp("returns")
    (folder / "FIN_clean.xlsx").write_bytes(CLEAN.read_bytes())
    (folder / "ฝ่าย" / "ส่งช้า").mkdir(parents=True)
    (folder / "ฝ่าย" / "ส่งช้า" / "SEC_messy_typing.XLSX").write_bytes(MESSY.read_bytes())
    (folder / ".~lock.FIN_clean.xlsx#").write_text(",someone,host,01.10.2022 09:00,\n")
    (folder / "~$FIN_clean.xlsx").write_bytes(b"\x05someone")
    (folder / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    (folder / "อ่านก่อน.txt").write_text("ไฟล์ที่กองส่งมา\n", encoding="utf-8")
    assert main(["score", str(CLEAN), "-o", str(folder / "checked"), "--json"]) == 0
    assert (folder / "checked" / "FIN_clean.checked.xlsx").is_file()
    return folder


def test_check_a_folder_reads_the_workbooks_inside(
    capsys: pytest.CaptureFixture[str], returns: Path
) -> None:
    code, out, err = run(capsys, "check", returns, "--master", NS_MASTER, "--lang", "en")
    assert code == 1  # the messy one has errors
    sources = set(re.findall(r"^\S+ +(\S+\.(?:xlsx|XLSX|xls))  ", out, re.M))
    assert sources == {"SEC_messy_typing.XLSX", "old.xls"}  # FIN_clean is clean
    # an .xls is read, and has its file-level finding (this one is no real .xls inside)
    assert re.search(r"old\.xls  +file-[a-z-]+\n", out)
    assert "file-not-workbook" not in out  # no lock or owner file, no note, no copy
    assert f"skipped {returns / 'checked'} (kpixl's own output)" in err
    result = run_batch(
        [returns / "FIN_clean.xlsx", returns / "ฝ่าย" / "ส่งช้า" / "SEC_messy_typing.XLSX"],
        master=read_master(NS_MASTER)[0],
    )
    for message in result.findings["message_en"]:
        assert f"        {message}" in out.splitlines()


def test_a_file_named_is_read_whatever_its_name(
    capsys: pytest.CaptureFixture[str], returns: Path
) -> None:
    code, out, _ = run(capsys, "check", returns / "~$FIN_clean.xlsx", "--lang", "en")
    assert code == 2 and "file-not-workbook" in out


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("command", ["check", "score"])
def test_an_empty_folder_is_a_clear_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str, command: str
) -> None:
    empty = tmp_path / "returned"
    (empty / "sub").mkdir(parents=True)
    (empty / "sub" / "note.txt").write_text("nothing yet")
    args = [command, empty, "--lang", lang] + (
        ["-o", tmp_path / "out"] if command == "score" else []
    )
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    if lang == "th":
        assert (
            err.strip()
            == f"kpixl: ในโฟลเดอร์ {empty} และโฟลเดอร์ย่อยไม่มีไฟล์ Excel (.xlsx, .xlsm, .xls)"
        )
    else:
        assert (
            err.strip()
            == f"kpixl: {empty} holds no workbook (.xlsx, .xlsm, .xls), subfolders included"
        )
    assert not (tmp_path / "out").exists()


# -- score prints the table ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["th", "en"])
def test_score_prints_each_division_s_score(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str
) -> None:
    code, out, _ = run(
        capsys, "score", CLEAN, MESSY, BROKEN, "--master", NS_MASTER, "-o", tmp_path, "--lang", lang
    )
    assert code == 1
    title = "คะแนนของแต่ละกอง/สำนัก" if lang == "th" else "scores by division"
    table = out.split(f"\n{title}\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(table) == 4  # header, three workbooks
    result = strict_json((tmp_path / "results.json").read_text(encoding="utf-8"))
    for line, wb in zip(table[1:], result["workbooks"], strict=True):
        cells = line.split()
        assert cells[0] == wb["source"]
        if not wb["readable"]:
            assert ("อ่านไม่ได้" if lang == "th" else "unreadable") in line
            continue
        assert cells[1] == wb["division_code"] and wb["division_name"] in line
        assert f"{wb['score_100']:,.2f}" in cells and f"{wb['total']:,.2f}" in cells
        errors = sum(f["severity"] == "error" for f in wb["findings"])
        assert cells[-2:] == [
            str(errors),
            str(sum(f["severity"] == "warning" for f in wb["findings"])),
        ]
    assert "82.80" in table[1]  # FIN_clean, as the README's JSON example says


@pytest.mark.parametrize("lang", ["th", "en"])
def test_score_points_to_findings_csv_when_it_cuts_the_list(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
) -> None:
    monkeypatch.setattr(cli, "SHOWN_FINDINGS", 5)
    code, out, _ = run(capsys, "score", MESSY, "-o", tmp_path, "--lang", lang)
    assert code == 1
    saved = pd.read_csv(tmp_path / "findings.csv", encoding="utf-8-sig", dtype=str)
    more = len(saved) - 5
    assert more > 0
    where = tmp_path / "findings.csv"
    expected = (
        f"… และอีก {more} รายการ — ทุกรายการอยู่ในไฟล์ {where}"
        if lang == "th"
        else f"… {more} more — every finding is in {where}"
    )
    assert expected in out.splitlines()
    assert sum(line.startswith("        ") for line in out.splitlines()) == 5


def test_score_does_not_read_its_own_output_folder_back(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    (folder / "FIN_clean.xlsx").write_bytes(CLEAN.read_bytes())
    for _ in range(2):  # the second run finds the first one's copies inside the folder
        code, _, _ = run(capsys, "score", folder, "-o", folder / "checked", "--lang", "en")
        assert code == 0
    assert files_in(folder / "checked") >= {"FIN_clean.checked.xlsx", "findings.csv"}
    assert not any("checked.checked" in name for name in files_in(folder))


# -- piped into head ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipe_commands(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Every command with real inputs (a ledger from a one-file round)."""
    from kpixl.round import run_round

    tmp = tmp_path_factory.mktemp("pipes")
    report = run_round([CLEAN], [read_master(NS_MASTER)[0]], tmp / "made", workers=1)
    ledger = str(report.ledger)
    return {
        "kpixl --help": ["--help"],
        "kpixl --version": ["--version"],
        "kpixl master check": ["master", "check", str(NS_MASTER)],
        "kpixl master init": ["master", "init", str(tmp / "m.xlsx")],
        "kpixl templates": ["templates", str(KRABI_MASTER), "-o", str(tmp / "t")],
        "kpixl check": ["check", str(MESSY)],
        "kpixl score": ["score", str(MESSY), "-o", str(tmp / "s")],
        "kpixl round": ["round", str(CLEAN), "--master", str(NS_MASTER), "-o", str(tmp / "r")],
        "kpixl ledger list": ["ledger", "list", ledger],
        "kpixl ledger history": ["ledger", "history", ledger, "FIN"],
        "kpixl ledger export": ["ledger", "export", ledger, "-o", str(tmp / "e.xlsx")],
        "kpixl summary": ["summary", ledger, "-o", str(tmp / "s.xlsx")],
        "kpixl report": ["report", ledger, "-o", str(tmp / "r.html")],
        "kpixl demo": ["demo", "-o", str(tmp / "d")],
    }


def _quiet(stderr: str) -> None:
    for trace in ("Traceback", "BrokenPipe", "Broken pipe", "Errno 32", "Exception ignored"):
        assert trace not in stderr, stderr[-800:]


def test_every_command_is_piped(pipe_commands: dict[str, list[str]]) -> None:
    """The test below covers every command of the parser."""
    assert set(pipe_commands) - {"kpixl --help", "kpixl --version"} == set(
        f"kpixl {p}" for p in COMMAND_PATHS if p not in ("", "master", "ledger")
    )


@pytest.mark.parametrize(
    "name",
    [
        "kpixl --help", "kpixl --version", "kpixl master check", "kpixl master init",
        "kpixl templates", "kpixl check", "kpixl score", "kpixl round", "kpixl ledger list",
        "kpixl ledger history", "kpixl ledger export", "kpixl summary", "kpixl report",
        "kpixl demo",
    ],
)  # fmt: skip
def test_a_reader_that_leaves_ends_it_quietly(
    pipe_commands: dict[str, list[str]], name: str
) -> None:
    """``kpixl … | head -1``: by the time a command prints, head may be gone. Here the
    reader has left before the first line (the pipe's read end is closed), so the first
    write fails, always: the command ends without a traceback."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kpixl", *pipe_commands[name]],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        os.close(write)
    _quiet(done.stderr)
    assert done.returncode in (cli.EXIT_OK, cli.EXIT_ERRORS), done.stderr[-800:]


@pytest.mark.parametrize("name", ["kpixl --help", "kpixl master check", "kpixl check"])
def test_piped_into_head(pipe_commands: dict[str, list[str]], name: str) -> None:
    """A real ``| head -1``: one line comes through, nothing else is said."""
    command = " ".join(
        shlex.quote(a) for a in [sys.executable, "-m", "kpixl", *pipe_commands[name]]
    )
    done = subprocess.run(
        [
            "bash",
            "-c",
            f'set -o pipefail; {command} | head -1; echo "status ${{PIPESTATUS[0]}}" >&2',
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert len(done.stdout.splitlines()) == 1
    _quiet(done.stderr)
    status = int(re.search(r"status (\d+)", done.stderr)[1])  # type: ignore[index]
    assert status in (cli.EXIT_OK, cli.EXIT_ERRORS)


# -- what a clerk reads in the checked copy and the ledger -------------------------------


def _report_sheet(path: Path) -> list[tuple[Any, ...]]:
    """The rows of a checked copy's report sheet (its first)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def _report_rows(path: Path) -> list[dict[str, Any]]:
    """The table rows of a checked copy's report sheet, by header."""
    rows = _report_sheet(path)
    header = next(i for i, row in enumerate(rows) if row and row[0] == "ระดับ")
    keys = [str(v) for v in rows[header]]
    return [dict(zip(keys, row, strict=False)) for row in rows[header + 1 :] if any(row)]


def _summary_labels(path: Path) -> list[str]:
    labels = []
    for row in _report_sheet(path)[3:]:
        if row and row[0] == "ระดับ":
            break
        if row and row[0]:
            labels.append(str(row[0]))
    return labels


def test_report_rows_name_the_kpi(scored: dict[str, Any]) -> None:
    """Issue 10: the KPI's name beside its id in every report row of the checked copy, and
    no internal key among the summary's labels."""
    master, _ = read_master(NS_MASTER)
    names = dict(zip(master.kpis["kpi_id"], master.kpis["name"], strict=True))
    names_sec = dict(
        zip(
            master.kpis.loc[master.kpis["division_code"] == "SEC", "kpi_id"],
            master.kpis.loc[master.kpis["division_code"] == "SEC", "name"],
            strict=True,
        )
    )
    copy = scored["out"] / "SEC_messy_typing.checked.xlsx"
    rows = [r for r in _report_rows(copy) if r["ตัวชี้วัด"]]
    assert len(rows) > 5
    for row in rows:
        assert row["ชื่อตัวชี้วัด"] == names_sec.get(str(row["ตัวชี้วัด"]), names.get(str(row["ตัวชี้วัด"]))), row
    for label in _summary_labels(copy):
        assert re.search("[\u0e00-\u0e7f]", label), label


def test_the_round_s_checked_copies_name_the_kpi(tmp_path: Path) -> None:
    from kpixl.round import run_round

    master, _ = read_master(NS_MASTER)
    report = run_round([MESSY], [master], tmp_path / "round", workers=1)
    (copy,) = (tmp_path / "round" / "checked").glob("*.checked.xlsx")
    rows = [r for r in _report_rows(copy) if r["ตัวชี้วัด"]]
    assert rows and all(r["ชื่อตัวชี้วัด"] for r in rows)
    assert report.ledger.is_file()


@pytest.mark.parametrize("lang", ["th", "en"])
def test_ledger_tables_are_for_a_clerk(
    capsys: pytest.CaptureFixture[str], pipe_commands: dict[str, list[str]], lang: str
) -> None:
    """No 64-character hash, moments in B.E. with Thai months (Thai) or local time, states
    in words."""
    ledger = pipe_commands["kpixl ledger list"][-1]
    for command in (["ledger", "list", ledger], ["ledger", "history", ledger, "FIN"]):
        code, out, _ = run(capsys, *command, "--lang", lang)
        assert code == 0
        assert not re.search(r"[0-9a-f]{32,}", out), out
        assert "FIN_clean.xlsx" in out
        if lang == "th":
            assert "นับคะแนน" in out and "counted" not in out
            assert re.search(r"\b\d{1,2} [ก-๛.]+ 25\d\d \d\d:\d\d\b", out), out
            assert "T" not in re.sub(r"[A-Za-z_.]+\.xlsx", "", out)  # no ISO timestamps
        else:
            assert "counted" in out
            assert re.search(r"\b20\d\d-\d\d-\d\d \d\d:\d\d\b", out), out
