"""The finding catalogue: every code used is catalogued, every entry is complete, every
finding says who must act, and a division is never asked to change what the centre owns."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pandas as pd
import pytest

import kpixl
from kpixl.findings import (
    ACTOR_TH,
    ACTORS,
    CATALOGUE,
    CENTRE,
    DIVISION,
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
CODE_ARGUMENT = {"finding": 0, "RubricIssue": 0, "findings_where": 2, "check": 0, "UnusableFile": 0}
# Statuses that code elsewhere maps to finding codes (rubric lookup, ratio, numbers).
STATUSES = {*LEVEL_STATUSES, "zero_denominator", "numerator_exceeds", "unreadable", "normalised"}


def _sources() -> list[tuple[str, ast.Module]]:
    """Every module of the package, subpackages (checks, evaluation, templates …) included."""
    return [
        (
            str(path.relative_to(PACKAGE)),
            ast.parse(path.read_text(encoding="utf-8"), filename=str(path)),
        )
        for path in sorted(PACKAGE.rglob("*.py"))
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
    # the scan must see the engine's own codes, or it proves nothing: lint issues, master
    # findings, registered checks in the subpackage, the reader's, the container's
    assert {
        "rubric-gap",
        "rubric-overlap",
        "rubric-level-count",
        "weights-not-100",
        "value-error",
        "kpi-unscorable",
        "not-signed-off",
        "sheet-duplicated",
        "file-encrypted",
        "internal-error",
    } <= set(used)
    missing = {code: where for code, where in used.items() if code not in CATALOGUE}
    assert missing == {}


def test_every_code_like_literal_is_catalogued() -> None:
    # Anything that looks like a code of a known family (``rubric-…``, ``value-…``), wherever
    # it is written (decorators, tables of (state, code) pairs, constants), must be
    # catalogued; other kebab-case text (utf-8, reply-to, octet-stream) is no code.
    families = {code.split("-")[0] for code in CATALOGUE}
    stray, seen = [], set()
    for name, tree in _sources():
        for node in ast.walk(tree):
            text = _string(node)
            if not text or not KEBAB.match(text) or text.split("-")[0] not in families:
                continue
            seen.add(text)
            if text not in CATALOGUE:
                stray.append(f"{name}:{node.lineno} {text}")  # type: ignore[attr-defined]
    assert stray == []
    # the codes written only in a table of (state, code) pairs are seen too
    assert {"value-in-gap", "value-above-rubric"} <= seen


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_catalogue_entry(code: str) -> None:
    entry = CATALOGUE[code]
    assert isinstance(entry, FindingCode)
    assert entry.code == code
    assert KEBAB.match(code)
    assert entry.severity in SEVERITIES
    assert entry.message_th.strip()
    assert entry.message_en.strip()
    assert entry.actor in ACTORS
    assert re.search("[\u0e00-\u0e7f]", entry.message_th), "the Thai message has no Thai"
    assert re.search("[A-Za-z]{3}", entry.message_en)
    # Thai in an English message only as the label of something to choose (“นำส่งแล้ว”)
    unquoted = re.sub("“[^”]*”", "", entry.message_en)
    assert not re.search("[\u0e00-\u0e7f]", unquoted), "Thai in the English message"
    # Arabic digits throughout (issue 7: messages use Arabic digits)
    assert not re.search("[๐-๙]", entry.message_th + entry.message_en)
    # no English inside Thai but the names of programs, file types and their own labels
    template = re.sub(r"\{[^}]*\}", "", entry.message_th)
    english = set(re.findall(r"[A-Za-z]+", template))
    assert english <= ENGLISH_IN_THAI, english - ENGLISH_IN_THAI


ENGLISH_IN_THAI = {
    "Excel", "LibreOffice", "kpixl", "XML", "entity", "xls", "xlsx", "xlsm", "Save", "As",
    "Workbook", "Sign", "Off",
}  # fmt: skip


def _fields(template: str) -> set[str]:
    names = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            assert field, f"positional field in {template!r}"
            names.add(field)
    return names


def _base(field: str) -> str:
    return field.removesuffix("_en").removesuffix("_th")


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_message_fields_agree_between_languages(code: str) -> None:
    entry = CATALOGUE[code]
    th, en = _fields(entry.message_th), _fields(entry.message_en)
    # ``x_en`` is the English wording of ``x`` (what / what_en), ``x_th`` the Thai one of
    # ``x`` (reason_th / reason). The English message may add the technical ``reason`` (an
    # exception's text, in English): the Thai one leaves it out — no English inside Thai.
    assert {_base(f) for f in th} <= {_base(f) for f in en}
    assert {_base(f) for f in en} - {_base(f) for f in th} <= {"reason"}
    assert not any(f.endswith("_en") for f in th)
    assert not any(f.endswith("_th") for f in en)
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


# --- who must act (issue 7 item 11) -------------------------------------------------------


def test_actors() -> None:
    assert ACTORS == (CENTRE, DIVISION) == ("centre", "division")
    assert set(ACTOR_TH) == set(ACTORS)
    assert all(re.search("[\u0e00-\u0e7f]", name) for name in ACTOR_TH.values())


@pytest.mark.parametrize(
    ("code", "actor"),
    [
        # the centre's master: criteria, weights, names
        ("rubric-unparseable", CENTRE),
        ("rubric-gap", CENTRE),
        ("kpi-unscorable", CENTRE),
        ("weights-not-100", CENTRE),
        ("master-bad-value", CENTRE),
        ("differs-from-master", CENTRE),
        ("value-in-gap", CENTRE),  # the hole is in the centre's rubric
        ("internal-error", CENTRE),  # kpixl, the centre's tool
        ("annotation-failed", CENTRE),
        # the division's workbook
        ("value-missing", DIVISION),
        ("value-unreadable", DIVISION),
        ("value-error", DIVISION),
        ("ratio-zero-denominator", DIVISION),
        ("locked-field-changed", DIVISION),
        ("file-encrypted", DIVISION),
        ("not-signed-off", DIVISION),
    ],
)
def test_who_must_act(code: str, actor: str) -> None:
    assert CATALOGUE[code].actor == actor


def test_a_finding_says_who_must_act() -> None:
    assert finding("kpi-unscorable", problem="x")["actor"] == CENTRE
    assert finding("value-missing")["actor"] == DIVISION
    # a finding may say otherwise than its code (the caller knows better)
    assert finding("value-missing", actor=CENTRE)["actor"] == CENTRE
    frame = findings_frame([finding("value-missing"), finding("rubric-gap")])
    assert frame["actor"].tolist() == [DIVISION, CENTRE]
    rows = pd.DataFrame({"raw": ["x", "y"], "actor": ["", CENTRE]})
    got = findings_where(rows, pd.Series([True, True]), "value-unreadable")
    assert got["actor"].tolist() == [DIVISION, CENTRE]


def _division_side_codes() -> set[str]:
    """Codes emitted while checking a division's workbook: every module but the master
    check's (which only the centre reads) and the catalogue itself."""
    master_side = {"master.py", "masterfile.py", "rubric.py", "findings.py"}
    codes = set()
    for name, tree in _sources():
        if name in master_side:
            continue
        for node in ast.walk(tree):
            text = _string(node)
            if text in CATALOGUE:
                codes.add(text)
    return codes


# What the centre owns, in the words a message would use to ask for a change.
CENTRE_OWNS = ("เกณฑ์", "ค่าน้ำหนัก", "ชื่อตัวชี้วัด", "หน่วยวัด", "ข้อมูลหลัก", "แม่แบบ")
REQUEST = re.compile("กรุณา|โปรด|ควร|ต้องแก้|ต้องเขียน")


def test_a_division_is_never_asked_to_change_what_the_centre_owns() -> None:
    """Issue 7 item 11: the centre-owned findings a division's results carry ask nobody but
    the centre to act on the centre's definitions."""
    codes = _division_side_codes()
    # the scan sees what the division's results can carry, or it proves nothing
    assert {"kpi-unscorable", "value-in-gap", "weights-not-100", "value-missing"} <= codes
    for code in sorted(c for c in codes if CATALOGUE[c].actor == CENTRE):
        for clause in re.split("—|;", CATALOGUE[code].message_th):
            if REQUEST.search(clause) and any(word in clause for word in CENTRE_OWNS):
                assert "ส่วนกลาง" in clause, (code, clause)


def test_an_unscorable_kpi_tells_the_division_it_need_do_nothing() -> None:
    record = finding("kpi-unscorable", problem="ไม่มีค่าน้ำหนัก", problem_en="it has no weight")
    assert record["actor"] == CENTRE
    assert "ส่วนกลางจะแก้ไข" in record["message_th"]
    assert "ไม่ต้องดำเนินการ" in record["message_th"]
    assert "ไม่มีค่าน้ำหนัก" in record["message_th"]
    assert "division need do nothing" in record["message_en"]
    assert "it has no weight" in record["message_en"]


def test_division_messages_do_not_ask_for_the_centres_criteria() -> None:
    """A division-owned finding never asks the division to rewrite a criterion or a weight."""
    for code, entry in CATALOGUE.items():
        if entry.actor != DIVISION:
            continue
        for clause in re.split("—|;", entry.message_th):
            if REQUEST.search(clause):
                assert not re.search("แก้เกณฑ์|เขียนเกณฑ์|แก้ค่าน้ำหนัก", clause), (code, clause)
