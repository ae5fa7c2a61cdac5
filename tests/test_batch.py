"""run_batch: one bad file never stops a batch; outputs never touch an input and are atomic."""

from __future__ import annotations

import gc
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import kpixl.annotate
import kpixl.batch
from kpixl.annotate import annotate_workbook
from kpixl.atomic import atomic_path
from kpixl.batch import (
    ANNOTATED_SUFFIX,
    RESULT_FILES,
    BatchResult,
    OutputClash,
    run_batch,
    source_keys,
)
from kpixl.findings import FINDING_COLUMNS
from kpixl.master import Master
from kpixl.masterfile import read_master

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_workbooks"
FILLED = SAMPLES / "filled"
CLEAN = FILLED / "FIN_clean.xlsx"
WARNINGS_ONLY = FILLED / "COM_clean.xlsx"
MESSY = FILLED / "SEC_messy_typing.xlsx"
BROKEN = FILLED / "BROKEN_email_attachment.xlsx"


@pytest.fixture(scope="module")
def master() -> Master:
    return read_master(SAMPLES / "nakhonsawan_2565_master.xlsx")[0]


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def make_inputs(folder: Path) -> dict[str, Path]:
    """Good and unusable inputs: role → path (the missing one is never created)."""
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    inputs = {
        "good_a": folder / "a" / "FIN.xlsx",
        "good_b": folder / "b" / "FIN.xlsx",  # same name, another folder, another workbook
        "text": folder / "notes.xlsx",
        "truncated": folder / "EDU_truncated.xlsx",
        "missing": folder / "never_sent.xlsx",
        "messy": folder / "SEC.xlsx",
    }
    shutil.copyfile(CLEAN, inputs["good_a"])
    shutil.copyfile(WARNINGS_ONLY, inputs["good_b"])
    inputs["text"].write_text("Dear all, please find the KPI report attached.\n")
    data = (FILLED / "EDU_clean.xlsx").read_bytes()
    inputs["truncated"].write_bytes(data[: len(data) // 2])
    shutil.copyfile(MESSY, inputs["messy"])
    return inputs


UNUSABLE = {"text": "file-not-workbook", "truncated": "file-corrupt", "missing": "file-not-found"}
READABLE = ("good_a", "good_b", "messy")


@pytest.fixture(scope="module")
def mixed(
    tmp_path_factory: pytest.TempPathFactory, master: Master
) -> tuple[BatchResult, dict[str, Path], Path, dict[Path, bytes]]:
    folder = tmp_path_factory.mktemp("mixed")
    inputs = make_inputs(folder)
    before = {p: p.read_bytes() for p in inputs.values() if p.exists()}
    out = folder / "out"
    result = run_batch(list(inputs.values()), master=master, out_dir=out)
    return result, inputs, out, before


def key_of(result: BatchResult, path: Path) -> str:
    (key,) = [k for k, p in result.sources.items() if p == path]
    return key


def test_sources_are_unique_and_cover_every_input(mixed: Any) -> None:
    result, inputs, _, _ = mixed
    assert list(result.sources.values()) == list(inputs.values())
    assert len(set(result.sources)) == len(inputs)
    assert key_of(result, inputs["good_a"]) == "a/FIN.xlsx"
    assert key_of(result, inputs["good_b"]) == "b/FIN.xlsx"
    assert key_of(result, inputs["messy"]) == "SEC.xlsx"


def test_every_readable_workbook_is_scored(mixed: Any) -> None:
    result, inputs, _, _ = mixed
    readable = {key_of(result, inputs[role]) for role in READABLE}
    ev = result.evaluation
    assert set(ev.workbooks["source"]) == readable
    assert set(ev.totals["source"]) == readable
    assert set(ev.kpis["source"]) == readable
    by_source = ev.workbooks.set_index("source")["division_code"].to_dict()
    assert by_source == {"a/FIN.xlsx": "FIN", "b/FIN.xlsx": "COM", "SEC.xlsx": "SEC"}
    fin = ev.totals.set_index("source").loc["a/FIN.xlsx"]
    assert (round(float(fin["total"]), 6), bool(fin["complete"])) == (4.14, True)


def test_one_file_level_finding_per_unusable_file(mixed: Any) -> None:
    result, inputs, _, _ = mixed
    unusable = result.unusable
    assert list(unusable.columns) == FINDING_COLUMNS
    expected = {key_of(result, inputs[role]): code for role, code in UNUSABLE.items()}
    assert dict(zip(unusable["source"], unusable["code"], strict=True)) == expected
    assert len(unusable) == len(expected)
    assert set(unusable["severity"]) == {"error"}
    assert set(unusable["cell"]) == {""} and unusable["row"].isna().all()
    # and they are among all findings, each only once
    file_level = result.findings[result.findings["code"].isin(UNUSABLE.values())]
    assert len(file_level) == len(expected)


def test_findings_name_only_given_sources(mixed: Any) -> None:
    result, _, _, _ = mixed
    assert set(result.findings["source"]) <= set(result.sources)
    assert list(result.findings.columns) == FINDING_COLUMNS


def test_same_name_workbooks_get_their_own_annotated_copies(mixed: Any) -> None:
    result, inputs, out, _ = mixed
    copies = {key: path for key, path in result.annotated.items()}
    assert set(copies) == {key_of(result, inputs[role]) for role in READABLE}
    assert len(set(copies.values())) == len(copies)
    assert copies["SEC.xlsx"] == out / f"SEC{ANNOTATED_SUFFIX}"
    assert {copies["a/FIN.xlsx"].name, copies["b/FIN.xlsx"].name} == {
        f"a_FIN{ANNOTATED_SUFFIX}",
        f"b_FIN{ANNOTATED_SUFFIX}",
    }
    for key, path in copies.items():
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None
        # the copy is of its own workbook: its report names its own source
        report = pd.read_excel(path, sheet_name=0, header=None, engine="calamine")
        assert key in set(report.astype(str).stack())


def test_inputs_are_unchanged(mixed: Any) -> None:
    _, inputs, _, before = mixed
    assert {p: p.read_bytes() for p in inputs.values() if p.exists()} == before
    assert not inputs["missing"].exists()


def test_output_folder_holds_exactly_the_outputs(mixed: Any) -> None:
    result, _, out, _ = mixed
    assert files_in(out) == {p.name for p in result.annotated.values()} | set(RESULT_FILES)


def test_to_json_structure(mixed: Any) -> None:
    result, inputs, out, _ = mixed
    data = result.to_json()
    json.dumps(data, allow_nan=False)  # plain JSON types only, no NaN
    assert [wb["source"] for wb in data["workbooks"]] == list(result.sources)
    for wb in data["workbooks"]:
        path = result.sources[wb["source"]]
        assert wb["path"] == str(path)
        readable = path in [inputs[role] for role in READABLE]
        assert wb["readable"] is readable
        assert (wb["annotated"] is not None) is readable
        if not readable:
            assert (wb["kpis"], wb["total"], wb["score_100"], wb["complete"]) == (
                [],
                None,
                None,
                False,
            )
            assert wb["division_code"] is None
            assert [f["code"] for f in wb["findings"]] == [
                UNUSABLE[next(r for r, p in inputs.items() if p == path)]
            ]
        else:
            assert wb["kpis"] and wb["division_code"]
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [wb["source"] for wb in saved["workbooks"]] == list(result.sources)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param([CLEAN], 0, id="clean"),
        pytest.param([WARNINGS_ONLY], 0, id="warnings-only"),
        pytest.param([MESSY], 1, id="errors"),
        pytest.param([BROKEN], 2, id="only-unusable"),
        pytest.param([BROKEN, "missing.xlsx"], 2, id="all-unusable"),
        pytest.param([BROKEN, CLEAN], 1, id="unusable-and-clean"),
    ],
)
def test_exit_code(master: Master, files: list[Path | str], expected: int) -> None:
    assert run_batch(files, master=master).exit_code == expected


def test_same_path_twice_gets_two_keys(tmp_path: Path) -> None:
    keys = source_keys([CLEAN, CLEAN, tmp_path / "x.xlsx"])
    assert list(keys) == ["filled/FIN_clean.xlsx", "filled/FIN_clean.xlsx#", "x.xlsx"]


def test_keys_of_files_in_the_working_folder_name_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    keys = source_keys([Path("x.xlsx"), Path("sub/x.xlsx")])
    assert list(keys) == [f"{tmp_path.name}/x.xlsx", "sub/x.xlsx"]


# -- never overwrite an input -------------------------------------------------------------


@pytest.mark.parametrize("clash", [f"FIN_clean{ANNOTATED_SUFFIX}", "results.json", "kpis.csv"])
def test_write_outputs_refuses_to_overwrite_an_input(
    tmp_path: Path, master: Master, clash: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = out / clash
    victim.write_bytes(b"an input the user gave us")
    with pytest.raises(OutputClash, match="refusing to overwrite the input"):
        run_batch([CLEAN, victim], master=master, out_dir=out)
    assert victim.read_bytes() == b"an input the user gave us"
    assert files_in(out) == {clash}  # checked before anything was written


# -- a failing annotation ---------------------------------------------------------------------


def test_a_failing_annotation_becomes_a_finding(
    tmp_path: Path, master: Master, monkeypatch: pytest.MonkeyPatch
) -> None:
    def flaky(src: Path, dst: Path, **kwargs: Any) -> pd.DataFrame:
        if src == MESSY:
            # fail half-way through writing, as a full disk would
            with atomic_path(dst) as temp:
                temp.write_bytes(b"PK\x03\x04 half a workbook")
                raise RuntimeError("disk full")
        return annotate_workbook(src, dst, **kwargs)

    monkeypatch.setattr(kpixl.annotate, "annotate_workbook", flaky)
    out = tmp_path / "out"
    result = run_batch([CLEAN, MESSY, WARNINGS_ONLY], master=master, out_dir=out)

    assert set(result.annotated) == {CLEAN.name, WARNINGS_ONLY.name}
    failed = result.findings[result.findings["code"] == "annotation-failed"]
    assert list(failed["source"]) == [MESSY.name]
    assert "RuntimeError: disk full" in failed["message_en"].iloc[0]
    assert failed["severity"].iloc[0] == "error"
    # no half-written copy, no temporary file; the other copies and the results are there
    assert files_in(out) == {
        f"{CLEAN.stem}{ANNOTATED_SUFFIX}",
        f"{WARNINGS_ONLY.stem}{ANNOTATED_SUFFIX}",
        *RESULT_FILES,
    }
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
    messy = next(wb for wb in saved["workbooks"] if wb["source"] == MESSY.name)
    assert messy["readable"] is True and messy["annotated"] is None
    assert "annotation-failed" in {f["code"] for f in messy["findings"]}
    csv = pd.read_csv(out / "findings.csv", encoding="utf-8-sig", dtype=str)
    assert "annotation-failed" in set(csv["code"])
    assert result.exit_code == 1


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, master: Master, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "kpis.csv").write_text("the previous run's kpis\n")

    def broken_to_csv(self: pd.DataFrame, path: Any, *args: Any, **kwargs: Any) -> None:
        Path(path).write_text("source,kpi_id\nFIN_clean.xlsx,1")  # half a file, then fail
        raise OSError("device went away")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken_to_csv)
    with pytest.raises(OSError, match="device went away"):
        run_batch([CLEAN], master=master, out_dir=out)
    assert (out / "kpis.csv").read_text() == "the previous run's kpis\n"
    assert files_in(out) == {f"{CLEAN.stem}{ANNOTATED_SUFFIX}", "results.json", "kpis.csv"}


def test_an_unforeseen_error_reading_one_file_does_not_stop_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = SAMPLES / "filled" / "FIN_clean.xlsx"
    odd = tmp_path / "odd.xlsx"
    shutil.copyfile(good, odd)
    real = kpixl.batch.read_workbook

    def read(path: Path, *, source: str | None = None) -> Any:
        if Path(path).name == "odd.xlsx":
            raise KeyError("a layout nobody foresaw")
        return real(path, source=source)

    monkeypatch.setattr(kpixl.batch, "read_workbook", read)
    result = kpixl.batch.run_batch([good, odd])
    unusable = result.unusable.set_index("source")
    # kpixl's own failure, not the division's file: internal-error (issue 7, crashes)
    assert unusable.loc["odd.xlsx", "code"] == "internal-error"
    assert "KeyError" in unusable.loc["odd.xlsx", "message_en"]
    assert list(result.evaluation.workbooks["source"]) == ["FIN_clean.xlsx"]


def test_a_batch_read_in_chunks_gives_what_one_pass_gives(
    master: Master, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch evaluates CHUNK workbooks at a time (so memory holds one chunk's cells):
    the results do not depend on where the chunks cut, the unreadable file included."""
    paths = sorted(FILLED.glob("*.xlsx"))
    assert len(paths) > 6
    whole = run_batch(paths, master=master)
    monkeypatch.setattr(kpixl.batch, "CHUNK", 3)
    cut = run_batch(paths, master=master)

    def by_source(frame: pd.DataFrame) -> pd.DataFrame:
        # rows of different workbooks may interleave (the fills are in cell order per
        # pass), and the target sheets' columns follow the fiscal years met first
        frame = frame[sorted(frame.columns)]
        return frame.sort_values("source", kind="stable").reset_index(drop=True)

    for name in ("workbooks", "kpis", "totals", "fills", "targets"):
        pd.testing.assert_frame_equal(
            by_source(getattr(cut.evaluation, name)),
            by_source(getattr(whole.evaluation, name)),
            obj=name,
        )
    pd.testing.assert_frame_equal(cut.findings, whole.findings)
    assert not whole.unusable.empty
    assert cut.exit_code == whole.exit_code


# -- the garbage collector ------------------------------------------------------------------


def _freeze_counts_while_evaluating(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    real = kpixl.batch.evaluate

    def evaluate(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(kpixl.batch, "evaluate", evaluate)
    return seen


def test_a_batch_freezes_the_older_objects_while_it_runs_and_only_then(
    tmp_path: Path, master: Master, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The objects there before a batch are left out of the collector's full passes while it
    runs, and collected as before once it ends, even when it ends in an error."""
    assert gc.get_freeze_count() == 0
    seen = _freeze_counts_while_evaluating(monkeypatch)
    run_batch([CLEAN], master=master)
    assert seen and seen[0] > 0
    assert gc.get_freeze_count() == 0
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text("an input")
    with pytest.raises(OutputClash):
        run_batch([CLEAN, out / "results.json"], master=master, out_dir=out)
    assert gc.get_freeze_count() == 0


def test_copies_inside_a_batch_never_count_the_frozen_objects(
    tmp_path: Path, master: Master, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting the frozen objects walks every one (~5 ms with pandas loaded): it is done
    once, when the batch starts with nothing frozen, not once per copy it writes."""
    asked: list[int] = []
    count = gc.get_freeze_count

    def counting() -> int:
        asked.append(count())
        return asked[-1]

    monkeypatch.setattr(gc, "get_freeze_count", counting)
    result = run_batch([CLEAN, WARNINGS_ONLY], master=master, out_dir=tmp_path / "out")
    assert len(result.annotated) == 2
    assert asked == [0]
    assert count() == 0


def test_a_program_that_froze_objects_itself_keeps_them_frozen(
    master: Master, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _freeze_counts_while_evaluating(monkeypatch)
    gc.freeze()
    try:
        run_batch([CLEAN], master=master)
        assert seen and seen[0] > 0
        assert gc.get_freeze_count() > 0  # not unfrozen by the batch
    finally:
        gc.unfreeze()
