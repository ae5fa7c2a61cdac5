"""The finding catalogue: every code used is catalogued, every entry is complete."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pandas as pd
import pytest

import kpixl
from kpixl.findings import (
    CATALOGUE,
    FINDING_COLUMNS,
    SEVERITIES,
    FindingCode,
    concat_findings,
    finding,
    findings_frame,
    findings_where,
)
from kpixl.rubric import LEVEL_STATUSES

PACKAGE = Path(kpixl.__file__).resolve().parent
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")
# Calls that take a finding code, and where: positional index or the ``code=`` keyword.
CODE_ARGUMENT = {"finding": 0, "RubricIssue": 0, "findings_where": 2, "cell_check": 0}
# Statuses that code elsewhere maps to finding codes (rubric lookup, ratio, numbers).
STATUSES = {*LEVEL_STATUSES, "zero_denominator", "numerator_exceeds", "unreadable", "normalised"}


def _sources() -> list[tuple[str, ast.Module]]:
    return [
        (path.name, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for path in sorted(PACKAGE.glob("*.py"))
    ]


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _codes_used() -> dict[str, list[str]]:
    """Literal codes passed to finding calls or kept in status→code maps, with where."""
    used: dict[str, list[str]] = {}
    for name, tree in _sources():
        for node in ast.walk(tree):
            found: list[str | None] = []
            if isinstance(node, ast.Call):
                position = CODE_ARGUMENT.get(_callee(node))
                if position is not None and len(node.args) > position:
                    found.append(_string(node.args[position]))
                found += [_string(k.value) for k in node.keywords if k.arg == "code"]
            elif isinstance(node, ast.Dict):
                keys = [_string(k) for k in node.keys]
                if keys and all(k in STATUSES for k in keys):
                    found += [_string(v) for v in node.values]
            for code in found:
                if code is not None:
                    used.setdefault(code, []).append(f"{name}:{node.lineno}")
    return used


def test_codes_used_in_calls_and_maps_are_catalogued() -> None:
    used = _codes_used()
    # the scan must see the engine's own codes, or it proves nothing
    assert {"rubric-gap", "rubric-overlap", "rubric-level-count", "weights-not-100"} <= set(used)
    missing = {code: where for code, where in used.items() if code not in CATALOGUE}
    assert missing == {}


def test_every_code_like_literal_is_catalogued() -> None:
    # Anything that looks like a code of a known family (``rubric-…``, ``value-…``) must be
    # catalogued, wherever it is written (decorators, tables, constants).
    families = {code.split("-")[0] for code in CATALOGUE}
    stray = []
    for name, tree in _sources():
        for node in ast.walk(tree):
            text = _string(node)
            family = text.split("-")[0] if text and KEBAB.match(text) else None
            if text and family in families and text not in CATALOGUE:
                stray.append(f"{name}:{node.lineno} {text}")  # type: ignore[attr-defined]
    assert stray == []


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_catalogue_entry(code: str) -> None:
    entry = CATALOGUE[code]
    assert isinstance(entry, FindingCode)
    assert entry.code == code
    assert KEBAB.match(code)
    assert entry.severity in SEVERITIES
    assert entry.message_th.strip()
    assert entry.message_en.strip()
    assert re.search("[\u0e00-\u0e7f]", entry.message_th), "the Thai message has no Thai"
    assert re.search("[A-Za-z]{3}", entry.message_en)
    assert not re.search("[\u0e00-\u0e7f]", entry.message_en), "Thai in the English message"


def _fields(template: str) -> set[str]:
    names = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            assert field, f"positional field in {template!r}"
            names.add(field)
    return names


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_message_fields_agree_between_languages(code: str) -> None:
    entry = CATALOGUE[code]
    th, en = _fields(entry.message_th), _fields(entry.message_en)
    # ``x_en`` is the English wording of ``x`` (e.g. what / what_en)
    assert {f.removesuffix("_en") for f in th} == {f.removesuffix("_en") for f in en}
    assert not any(f.endswith("_en") for f in th)
    # every field is filled when given, and nothing is left as a placeholder
    params = {f: f"<{f}>" for f in th | en}
    record = finding(code, **params)
    for f in th:
        assert f"<{f}>" in record["message_th"]
    for f in en:
        assert f"<{f}>" in record["message_en"]
    assert "{" not in record["message_th"] and "{" not in record["message_en"]


def test_finding_record() -> None:
    record = finding(
        "rubric-gap",
        source="a.xlsx",
        sheet="แบบประเมิน",
        row=12,
        column=4,
        kpi_id="2.1",
        value="3.5",
        lower_level="1",
        upper_level="2",
        gap="(3, 4)",
    )
    assert list(record) == FINDING_COLUMNS
    assert record["cell"] == "D12"
    assert record["severity"] == CATALOGUE["rubric-gap"].severity
    assert "(3, 4)" in record["message_th"] and "(3, 4)" in record["message_en"]
    assert "ระดับ 1" in record["message_th"]


def test_finding_without_params_marks_them() -> None:
    record = finding("rubric-gap")
    assert record["cell"] == ""
    assert "?" in record["message_en"]


def test_finding_refuses_an_unknown_code() -> None:
    with pytest.raises(KeyError):
        finding("no-such-code")


def test_findings_frame_columns_and_types() -> None:
    empty = findings_frame()
    assert list(empty.columns) == FINDING_COLUMNS
    assert empty.empty
    frame = findings_frame([finding("not-signed-off"), finding("rubric-gap", row=3, column=2)])
    assert list(frame.columns) == FINDING_COLUMNS
    assert str(frame["row"].dtype) == "Int64"
    assert str(frame["column"].dtype) == "Int64"
    assert pd.isna(frame["row"].iloc[0])
    assert frame["cell"].tolist() == ["", "B3"]


def test_findings_where() -> None:
    rows = pd.DataFrame(
        {
            "source": ["a.xlsx"] * 3,
            "sheet": ["S"] * 3,
            "row": [5, 6, 7],
            "column": [3, 3, 3],
            "kpi_id": ["1", "2", "3"],
            "raw": ["85,5", "90", "ดี"],
            "kind": ["ตัวเลข"] * 3,
            "kind_en": ["a number"] * 3,
        }
    )
    failed = pd.Series([True, False, None], dtype=object)
    got = findings_where(rows, failed, "value-unreadable", expected="kind", expected_en="kind_en")
    assert list(got.columns) == FINDING_COLUMNS
    assert got[["cell", "code", "value", "kpi_id"]].values.tolist() == [
        ["C5", "value-unreadable", "85,5", "1"]
    ]
    assert "ตัวเลข" in got["message_th"].iloc[0]
    assert "a number" in got["message_en"].iloc[0]


def test_concat_findings_keeps_columns() -> None:
    assert list(concat_findings([]).columns) == FINDING_COLUMNS
    both = concat_findings([findings_frame([finding("not-signed-off")]), findings_frame()])
    assert both["code"].tolist() == ["not-signed-off"]
    assert list(both.columns) == FINDING_COLUMNS
