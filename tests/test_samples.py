"""The bundled samples: golden findings and scores, and the independent LibreOffice check.

``pytest --update-golden`` rewrites ``sample_workbooks/golden/`` from the current results so
that a change of behaviour shows as a diff in review.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from libreoffice import recalculate

from kpixl import layout as L
from kpixl.batch import run_batch
from kpixl.evaluation import Evaluation
from kpixl.masterfile import read_master

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_workbooks"
GOLDEN = SAMPLES / "golden"
import build_samples  # noqa: E402  (on the path by conftest)

MASTER_OF = {"KRABI": "krabi_2564_master.xlsx"}
FILLED = sorted((SAMPLES / "filled").glob("*.xlsx"))


def _master_for(path: Path) -> Path:
    return SAMPLES / MASTER_OF.get(path.stem.split("_")[0], "nakhonsawan_2565_master.xlsx")


@pytest.fixture(scope="module")
def evaluated() -> dict[str, tuple[Evaluation, pd.DataFrame]]:
    """Every filled sample, checked and scored against its master (one batch per master)."""
    results: dict[str, tuple[Evaluation, pd.DataFrame]] = {}
    by_master: dict[Path, list[Path]] = {}
    for path in FILLED:
        by_master.setdefault(_master_for(path), []).append(path)
    for master_path, paths in by_master.items():
        master, _ = read_master(master_path)
        batch = run_batch(paths, master=master)
        for path in paths:
            results[path.name] = (batch.evaluation, batch.findings)
    return results


def _golden_frames(
    name: str, evaluation: Evaluation, findings: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    kpis = evaluation.kpis[evaluation.kpis["source"] == name]
    columns = ["kpi_id", "kind", "value", "level", "weight", "weighted", "status"]
    rows = kpis[columns].astype(object).to_dict("records")
    for rec in evaluation.totals[evaluation.totals["source"] == name].to_dict("records"):
        status = "complete" if rec["complete"] else "incomplete"
        rows.append(
            dict(
                zip(
                    columns,
                    ["รวม", "", None, None, rec["weight_total"], rec["total"], status],
                    strict=True,
                )
            )
        )
        rows.append(
            dict(
                zip(columns, ["score_100", "", None, None, None, rec["score_100"], ""], strict=True)
            )
        )
    scores = pd.DataFrame(rows, columns=columns)
    for name_ in ("value", "weight", "weighted"):
        scores[name_] = pd.to_numeric(scores[name_], errors="coerce").round(6)
    scores["level"] = pd.array(pd.to_numeric(scores["level"], errors="coerce"), dtype="Int64")
    mine = findings[findings["source"] == name]
    return {
        "scores": scores,
        "findings": mine[
            [
                "sheet",
                "cell",
                "kpi_id",
                "code",
                "severity",
                "actor",
                "value",
                "message_th",
                "message_en",
            ]
        ],
    }


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as its CSV text reads back, so live and golden compare like for like."""
    return pd.read_csv(io.StringIO(frame.to_csv(index=False)), dtype=str, keep_default_na=False)


@pytest.mark.parametrize("path", FILLED, ids=[p.stem for p in FILLED])
def test_golden(
    path: Path,
    evaluated: dict[str, tuple[Evaluation, pd.DataFrame]],
    request: pytest.FixtureRequest,
) -> None:
    evaluation, findings = evaluated[path.name]
    for kind, frame in _golden_frames(path.name, evaluation, findings).items():
        golden = GOLDEN / f"{path.stem}.{kind}.csv"
        if request.config.getoption("--update-golden"):
            frame.to_csv(golden, index=False)
        expected = pd.read_csv(golden, dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(_as_text(frame), expected, check_dtype=False)


def test_every_finding_code_of_the_checks_appears_in_some_sample(
    evaluated: dict[str, tuple[Evaluation, pd.DataFrame]],
) -> None:
    codes = set()
    for _, findings in evaluated.values():
        codes |= set(findings["code"])
    expected = {
        "value-missing",
        "value-unreadable",
        "value-out-of-range",
        "value-in-gap",
        "value-in-overlap",
        "value-below-rubric",
        "value-above-rubric",
        "value-normalised",
        "milestone-out-of-order",
        "ratio-zero-denominator",
        "ratio-numerator-exceeds",
        "reported-value-mismatch",
        "supporting-data-missing",
        "likert-out-of-range",
        "typed-score-mismatch",
        "invalid-characters",
        "missing-quarter-total",
        "missing-grand-total",
        "total-mismatch",
        "missing-prior-result",
        "not-signed-off",
        "locked-field-changed",
        "differs-from-master",
        "fingerprint-mismatch",
        "template-outdated",
        "date-era-confused",
        "kpi-unscorable",
        "file-not-workbook",
        "value-error",
        "formula-not-calculated",
        "sheet-duplicated",
        "key-row-recovered",
        "kpi-row-missing",
        "date-implausible",
    }
    assert expected <= codes, sorted(expected - codes)


def test_samples_are_what_the_build_script_makes(tmp_path: Path) -> None:
    """The committed samples have not drifted from build_samples.py."""
    rebuilt = build_samples.build(tmp_path)
    master, _ = read_master(tmp_path / "nakhonsawan_2565_master.xlsx")
    committed, _ = read_master(SAMPLES / "nakhonsawan_2565_master.xlsx")
    for key, frame in committed.frames.items():
        pd.testing.assert_frame_equal(frame, master.frames[key])
    assert committed.organisation == master.organisation
    names = {p.name for p in rebuilt} | {"BROKEN_email_attachment.xlsx"}
    assert names == {p.name for p in FILLED}
    for path in rebuilt:
        fresh = openpyxl.load_workbook(path)
        kept = openpyxl.load_workbook(SAMPLES / "filled" / path.name)
        for sheet in kept.sheetnames:
            if sheet == L.META_SHEET:
                continue
            for row_fresh, row_kept in zip(
                fresh[sheet].iter_rows(), kept[sheet].iter_rows(), strict=True
            ):
                assert [c.value for c in row_fresh] == [c.value for c in row_kept], (path, sheet)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    clean = [SAMPLES / "filled" / f"{stem}.xlsx" for stem in build_samples.CLEAN]
    out = tmp_path_factory.mktemp("recalculated")
    return {p.name: r for p, r in zip(clean, recalculate(clean, out), strict=True)}


@pytest.mark.parametrize("stem", build_samples.CLEAN)
def test_libreoffice_formulas_agree_with_kpixl(
    stem: str,
    recalculated: dict[str, Path],
    evaluated: dict[str, tuple[Evaluation, pd.DataFrame]],
) -> None:
    """LibreOffice, recalculating the live formulas kpixl wrote, gives kpixl's levels,
    weighted scores, รวม and score out of 100 — a spreadsheet program nobody here wrote."""
    name = f"{stem}.xlsx"
    evaluation, _ = evaluated[name]
    sheet = openpyxl.load_workbook(recalculated[name], data_only=True)[L.FORM_SHEET]
    kpis = evaluation.kpis[evaluation.kpis["source"] == name]
    assert len(kpis) > 0
    for rec in kpis.to_dict("records"):
        row = int(rec["level_row"])
        level = sheet.cell(row, int(rec["level_column"])).value
        weighted = sheet.cell(row, int(rec["weighted_column"])).value
        if pd.isna(rec["level"]):
            assert level in (None, ""), rec["kpi_id"]
            continue
        assert level == int(rec["level"]), (rec["kpi_id"], level, rec["level"])
        assert weighted == pytest.approx(rec["weighted"]), rec["kpi_id"]
    totals = evaluation.totals[evaluation.totals["source"] == name].iloc[0]
    found = {
        row[0].value: row
        for row in sheet.iter_rows()
        if row[0].value in (L.TOTAL_LABEL, L.SCORE_LABEL)
    }
    weighted_column = int(kpis["weighted_column"].iloc[0])
    assert found[L.TOTAL_LABEL][weighted_column - 1].value == pytest.approx(totals["total"])
    assert found[L.SCORE_LABEL][weighted_column - 1].value == pytest.approx(totals["score_100"])
