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
from kpixl.criteria import CriterionError, describe_values, parse_band
from kpixl.findings import (
    ACTOR_TH,
    ACTORS,
    CATALOGUE,
    CENTRE,
    DIGITS_AS_TYPED,
    DIVISION,
    FINDING_COLUMNS,
    SEVERITIES,
    FindingCode,
    concat_findings,
    finding,
    findings_frame,
    findings_where,
    frame_records,
    with_kpi_names,
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
    "Excel", "LibreOffice", "kpixl", "XML", "xls", "xlsx", "xlsm", "Save", "As",
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


def test_frame_records_are_to_dict_records() -> None:
    frame = findings_frame(
        [
            finding("value-missing", source="a.xlsx", sheet="s", row=3, column=2),
            finding("rubric-gap"),
        ]
    ).assign(extra=[1.5, 2.0])
    # pd.NA where to_dict gives None
    records = [{k: None if v is pd.NA else v for k, v in r.items()} for r in frame_records(frame)]
    assert records == frame.to_dict("records")
    assert records[0]["row"] == 3 and type(records[0]["row"]) is int
    assert frame_records(frame, ["code"]) == frame[["code"]].to_dict("records")
    assert frame_records(frame.iloc[:0]) == []


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
    master_side = {"master.py", "checks/master.py", "masterfile.py", "rubric.py", "findings.py"}
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


# --- every message as a clerk reads it (issue 10, "Messages") --------------------------------
#
# The catalogue's templates are checked above; here every message is rendered as kpixl renders
# it — from the findings of real runs (the bundled masters, the filled samples, hostile files)
# and, for every code, from the parameters its producers pass — and read for what a clerk
# must never see: two digit styles in one message, English inside Thai, interval notation,
# long numbers without thousands separators, hashes, spaces missing around quotations.


ENGLISH_IN_THAI_TEXT = {"Excel", "LibreOffice", "kpixl", "XML"}
"""Latin words a Thai message may hold outside quotation marks: names of programs and of a
file format. Everything a clerk must type or click (“Save As”, “Sign Off”) is quoted."""

_QUOTED = re.compile(r"“[^”]*”")
_EXCEL_ERROR = re.compile(r"#(?:DIV/0!|N/A|REF!|VALUE!|NAME\?|NUM!|NULL!)")
_SUFFIX = re.compile(r"\.(?:xlsx|xlsm|xls|xlsb|ods|zip|eml)\b|\(\*\.\w+\)")
_NUMBER = r"[-−]?(?:\d[\d,]*(?:\.\d+)?|∞)"
_INTERVAL = re.compile(rf"[(\[]\s*{_NUMBER}\s*,\s+{_NUMBER}\s*[)\]]")  # "(3, 4)", "[1, 1.01)"
_LONG_NUMBER = re.compile(r"(?<![\d,.])\d{5,}(?![\d])")
_IDENTIFIER_BEFORE = re.compile(r"(?:กอง|รหัส|division|code)\s*$")
_HASH = re.compile(r"\b[0-9a-f]{32,}\b")
CALQUES = ("ลายนิ้วมือ",)
"""Word-for-word translations a Thai reader would not write."""


def message_problems(code: str, thai: str) -> list[str]:
    """What is wrong with one Thai message; [] when nothing."""
    problems = []
    if code not in DIGITS_AS_TYPED and re.search("[๐-๙]", thai) and re.search("[0-9]", thai):
        problems.append("Thai and Arabic digits in one message")
    bare = _SUFFIX.sub("", _EXCEL_ERROR.sub("", _QUOTED.sub("", thai)))
    english = set(re.findall(r"[A-Za-z]{2,}", bare)) - ENGLISH_IN_THAI_TEXT
    if english:
        problems.append(f"English inside Thai: {sorted(english)}")
    if _INTERVAL.search(thai):
        problems.append(f"interval notation {_INTERVAL.search(thai)[0]!r}")  # type: ignore[index]
    for match in _LONG_NUMBER.finditer(_QUOTED.sub("", thai)):
        before = _QUOTED.sub("", thai)[: match.start()]
        if not _IDENTIFIER_BEFORE.search(before):
            problems.append(f"no thousands separator in {match[0]}")
    if _HASH.search(thai):
        problems.append("a hash shown to a clerk")
    if re.search("”[\u0e00-\u0e7f]|[\u0e00-\u0e7f]“", thai):
        problems.append("no space around a quotation")
    problems += [f"calque {word!r}" for word in CALQUES if word in thai]
    return problems


def _gap(
    lower: float | None, lower_in: bool, upper: float | None, upper_in: bool
) -> dict[str, str]:
    th, en = describe_values(lower, lower_in, upper, upper_in)
    return {"th": th, "en": en}


def _criterion_error(text: str) -> CriterionError:
    try:
        parse_band(text)
    except CriterionError as error:
        return error
    raise AssertionError(f"{text!r} reads")


_UNREADABLE = _criterion_error("มากกว่าร้อยละ ๙๕ แต่ไม่น้อยกว่า ร้อยละ ๑๐๐")
_GAP = _gap(3, False, 4, False)
_LOW = _gap(0, True, 15, True)

FIELD_EXAMPLES: dict[str, str] = {
    # what the producers pass (criteria, values and names as a division or the centre
    # typed them: Thai digits included, where a clerk types them)
    "advice": "กรุณากรอกเฉพาะตัวเลข เช่น 85 หรือ 85.5",
    "advice_en": "type a number only, such as 85 or 85.5",
    "column_name": "เกณฑ์ระดับ ๑",
    "computed": "43.33",
    "computed_en": "43.33",
    "consequence": "ใช้ข้อมูลของส่วนกลางจากไฟล์ข้อมูลหลักแทน",
    "consequence_en": "the centre's master is used instead",
    "count": "4",
    "denominator": "12,000,000",
    "detail": "มากกว่า ร้อยละ ๖๐ ถึง ร้อยละ ๖๕",
    "division": "กองคลัง",
    "division_en": "division FIN",
    "era_wrong": "ค.ศ.",
    "era_wrong_en": "C.E.",
    "excel_note": "",
    "excel_note_en": "",
    "expected": "๑๐",
    "expected_en": "a number",
    "field": "เกณฑ์ระดับ ๑",
    "formula": "=15+5",
    "gap": _GAP["th"],
    "gap_en": _GAP["en"],
    "group": "7.1",
    "kind": "milestones",
    "level": "4",
    "levels": "4, 5",
    "lower_level": "1",
    "maximum": "100",
    "minimum": "0",
    "newer": "แบบประเมิน_กองคลัง (ฉบับแก้ไข).xlsx",
    "normalised": "140.5",
    "numerator": "12,600,000",
    "overlap": "ค่า 80",
    "overlap_en": "the value 80",
    "part": "แผนภูมิ",
    "previous": "3",
    "problem": (f"อ่านเกณฑ์ระดับ 4 “{_UNREADABLE.text}” ไม่ได้ ({_UNREADABLE.reason_th})"),
    "problem_en": f"level 4 cannot be read ({_UNREADABLE.reason})",
    "quarter": "2",
    "quarters": "3, 4",
    "reason": _UNREADABLE.reason_th,
    "reason_en": _UNREADABLE.reason,
    "reason_th": "ไม่มีแผ่นงาน _kpixl",
    "round": " ว่างอยู่",
    "round_en": "blank",
    "rounds": "2",
    "sheet_name": "แบบประเมิน",
    "sheets": "“แบบประเมิน”, “แบบประเมิน (2)”",
    "shown": "3",
    "signed": "แบบประเมิน_กองคลัง.xlsx",
    "step": "4",
    "steps": "1, 2, 3, 4, 5",
    "summary": "ตั้งแต่ ร้อยละ ๖๐ ถึง ร้อยละ ๖๕",
    "text": "มากกว่าร้อยละ ๙๕ แต่ไม่น้อยกว่า ร้อยละ ๑๐๐",
    "total": "95",
    "uncovered": _LOW["th"],
    "uncovered_en": _LOW["en"],
    "upper_level": "2",
    "used": "แบบประเมิน",
    "value": "๘๕",
    "what": "ผลการปฏิบัติงาน",
    "what_en": "The result",
    "where": " ในแผ่นงาน ข้อมูลประกอบ",
    "where_en": " on the supporting data sheet",
    "year": "2564",
    "year_be": "2565",
}


def _template_fields(code: str) -> set[str]:
    entry = CATALOGUE[code]
    return {f for t in (entry.message_th, entry.message_en) for f in _fields(t)}


def test_every_message_field_has_an_example() -> None:
    used = {f for code in CATALOGUE for f in _template_fields(code)}
    assert used <= set(FIELD_EXAMPLES), sorted(used - set(FIELD_EXAMPLES))


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_s_thai_message_reads_well(code: str) -> None:
    params = {f: FIELD_EXAMPLES[f] for f in _template_fields(code) if f != "value"}
    record = finding(code, value=FIELD_EXAMPLES["value"], **params)
    assert message_problems(code, record["message_th"]) == [], record["message_th"]


def test_quoted_thai_digits_are_written_as_the_message_writes_its_own() -> None:
    """What the centre or a division wrote in Thai digits is quoted with Arabic digits, as
    the rest of the message is; the finding's value keeps what was written."""
    record = finding(
        "locked-field-changed",
        value="ไม่เกิน ร้อยละ ๕๐",
        field="เกณฑ์ระดับ ๑",
        expected="ไม่เกิน ร้อยละ ๓๐",
    )
    assert "“เกณฑ์ระดับ 1”" in record["message_th"]
    assert "“ไม่เกิน ร้อยละ 30”" in record["message_th"]
    assert "“ไม่เกิน ร้อยละ 50”" in record["message_th"]
    assert "“ไม่เกิน ร้อยละ 50”" in record["message_en"]
    assert record["value"] == "ไม่เกิน ร้อยละ ๕๐"
    typed = finding("value-normalised", value="๑๔๐.๕", normalised="140.5")
    assert "“๑๔๐.๕”" in typed["message_th"] and "140.5" in typed["message_th"]


@pytest.fixture(scope="module")
def real_findings(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Every finding of the bundled masters' checks and of one batch over the filled
    samples and the hostile files, annotated copies written (their findings too)."""
    import hostile
    from conftest import SAMPLES

    from kpixl.batch import run_batch
    from kpixl.checks.master import check_master
    from kpixl.master import master_from_csv

    masters = [master_from_csv(SAMPLES / "source" / n) for n in ("nakhonsawan_2565", "krabi_2564")]
    tmp = tmp_path_factory.mktemp("messages")
    files = sorted((SAMPLES / "filled").glob("*.xlsx"))
    for maker in (
        hostile.not_a_zip,
        hostile.synthetic_xls,
        hostile.synthetic_encrypted_xlsx,
        hostile.truncated_xlsx,
        hostile.crc_corrupt_xlsx,
        hostile.zip_bomb,
        hostile.macro_xlsm,
        hostile.docx_like,
        hostile.entity_xlsx,
    ):
        folder = tmp / maker.__name__
        folder.mkdir()
        files.append(maker(folder))
    (tmp / "parts").mkdir()
    files.append(hostile.feature_xlsx(tmp / "parts", ["chart", "image"]))
    batch = run_batch(files, master=masters, out_dir=tmp / "out")
    return concat_findings([*(check_master(m) for m in masters), batch.findings])


def test_the_real_runs_see_most_codes(real_findings: pd.DataFrame) -> None:
    assert len(set(real_findings["code"])) >= 45


def test_every_real_message_reads_well(real_findings: pd.DataFrame) -> None:
    bad = [
        (rec["code"], rec["message_th"], problems)
        for rec in real_findings.drop_duplicates(["code", "message_th"]).to_dict("records")
        if (problems := message_problems(rec["code"], rec["message_th"]))
    ]
    assert bad == []


@pytest.mark.parametrize(
    ("thai", "problem"),
    [
        ("จึงให้ระดับ 1 ตามเกณฑ์ระดับ ๕", "digits"),
        ("อ่านเกณฑ์ไม่ได้ (two lower ends)", "English"),
        ("ค่า (3, 4) ไม่ตรงกับเกณฑ์", "interval"),
        ("ค่าใน [1, 1.01) ไม่ตรงกับเกณฑ์", "interval"),
        ("ตัวตั้ง 12600000 มากกว่าตัวหาร", "thousands"),
        ("เนื้อหาไฟล์ " + "ab12" * 16, "hash"),
        ("ลายนิ้วมือไม่ตรง", "calque"),
        ("อ่านเกณฑ์ “ไม่ถึง 60”ไม่ได้", "space"),
    ],
)
def test_the_reading_catches_what_the_issue_saw(thai: str, problem: str) -> None:
    """The checks above would fail on each of issue 10's examples."""
    found = message_problems("rubric-gap", thai)
    assert found and problem.lower() in " ".join(found).lower(), found


def test_the_reading_lets_good_messages_pass() -> None:
    for thai in (
        "ตัวตั้ง (12,600,000) มากกว่าตัวหาร (12,000,000)",
        "ไม่พบรหัสกอง “75105” ในแผ่นงานกอง",
        "เลือก “บันทึกเป็น” (“Save As”) ชนิด “Excel Workbook (*.xlsx)”",
        "ช่องนี้แสดงค่าผิดพลาด #DIV/0! ของ Excel",
        "เกณฑ์ระดับ 4 กับ 5 ซ้อนกัน (ระดับ 4, 5)",
    ):
        assert message_problems("rubric-gap", thai) == [], thai


def test_with_kpi_names_names_each_finding_s_kpi() -> None:
    findings = findings_frame(
        [
            finding("value-missing", kpi_id="1"),
            finding("missing-prior-result", kpi_id="02"),
            finding("not-signed-off"),
        ]
    )
    kpis = pd.DataFrame({"kpi_id": ["1"], "name": ["ร้อยละของโครงการที่แล้วเสร็จ"]})
    targets = pd.DataFrame({"kpi_id": ["1", "02"], "name": ["ชื่อในแผน", "จำนวนผู้รับบริการ"]})
    named = with_kpi_names(findings, kpis, targets)
    assert named["kpi_name"].tolist() == ["ร้อยละของโครงการที่แล้วเสร็จ", "จำนวนผู้รับบริการ", ""]
    assert list(findings.columns) == FINDING_COLUMNS  # the input is left as it was
