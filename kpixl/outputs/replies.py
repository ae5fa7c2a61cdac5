"""Reply drafts to the divisions: polite Thai text from a jinja2 template, saved as ``.eml``.

One reply per division says what its clerk needs to know: a reminder when nothing came,
the problems to fix (sheet, cell and the Thai message, errors first) when the workbook
has errors, the score when it is scored, thanks when it is signed off. What only the
centre can fix (findings whose actor is the centre) is never on the division's list: it
is listed apart, as what the centre will do.

The text comes from ``reply_th.txt.j2`` in this package, or from an office's own
template file with the same variables (:func:`reply_context`). Templates are rendered
with ``StrictUndefined``: a misspelt variable is an error naming the template, never a
silently empty sentence in a letter. The drafts are only written: the office sends them
from its own mail program, and kpixl sends nothing.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import math
import re
from collections.abc import Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from kpixl import layout as L
from kpixl.atomic import atomic_path
from kpixl.errors import KpixlError
from kpixl.findings import CENTRE, value_text
from kpixl.fiscal import format_datetime_th
from kpixl.mailpolicy import THAI_SMTP
from kpixl.outputs.status import STATES, local_time
from kpixl.precision import round_value

TEMPLATE = "reply_th.txt.j2"
"""The package's reply template (``importlib.resources.files("kpixl.outputs")``)."""
MAX_LISTED = 20
"""Problems listed in a reply; the rest are counted and left to the checked copy."""
MAX_CENTRE = 10
"""The centre's own items listed in a reply."""
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_ACTING = ("รักษาราชการแทน", "รักษาการแทน", "รักษาการในตำแหน่ง", "ปฏิบัติหน้าที่")


class ReplyTemplateError(KpixlError):
    """A reply template cannot be read, parsed or rendered (the message says where)."""


def salutation(division: Mapping[str, Any]) -> str:
    """Whom a letter to a division is addressed to, by position (``ผู้อำนวยการกองคลัง``).

    A Thai official letter addresses the position, so an acting head (``หัวหน้าฝ่าย…
    รักษาราชการแทน ผู้อำนวยการกอง…``) is addressed as the position acted for. Without a
    title: the head a สำนักงาน is named after (สำนักงานเลขานุการ… → เลขานุการ…),
    ``ผู้อำนวยการ`` of a กอง or สำนัก, ``หัวหน้า`` of a หน่วย or ฝ่าย, else the
    division's name. ``division["salutation"]`` overrides all of it.
    """
    given = _text(division.get("salutation"))
    if given:
        return given
    title = _text(division.get("director_title"))
    for word in _ACTING:
        if word in title:
            title = title.rsplit(word, 1)[1].strip()
    if title:
        return title
    name = _text(division.get("division_name"))
    if name.startswith("สำนักงาน") and len(name) > len("สำนักงาน"):
        return name.removeprefix("สำนักงาน")
    if name.startswith(("กอง", "สำนัก")):
        return f"ผู้อำนวยการ{name}"
    if name.startswith(("หน่วย", "ฝ่าย")):
        return f"หัวหน้า{name}"
    return name or _text(division.get("division_code"))


def reply_context(
    *,
    division: Mapping[str, Any],
    state: str,
    total: float | None,
    score_100: float | None,
    findings: pd.DataFrame,
    organisation: Mapping[str, Any],
    round_label: str,
    fiscal_year_be: int,
    received_at: Any = None,
    file_name: str | None = None,
    attachment_name: str | None = None,
) -> dict[str, Any]:
    """The variables a reply template sees.

    Returns:
        ``salutation, division_name, division_code, org_name, state`` (one of
        :data:`~kpixl.outputs.status.STATES`), ``round_label, fiscal_year_be,
        received_note`` (`` (ไฟล์ “…” ได้รับเมื่อ …) `` or ""), ``total`` and
        ``score_100`` (texts with 2 places, "" when not scored), ``errors`` and
        ``warnings`` (the division's own problems, at most :data:`MAX_LISTED` together,
        each ``{number, where, message, kpi_id, code}``), ``more`` (how many more),
        ``problem_count`` (all of them),
        ``centre`` (what the centre will do, same items), ``centre_more``,
        ``attachment_name``, ``signature`` (lines: office, organisation, contact),
        ``target_sheet, signed_off_label, signed_off_word, report_sheet`` (the
        workbook's own words).
    """
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}; expected one of {STATES}")
    name = _text(division.get("division_name")) or _text(division.get("division_code"))
    received = local_time(division.get("received_at") if received_at is None else received_at)
    file_name = file_name if file_name is not None else _text(division.get("file_name"))
    if attachment_name is None and _text(division.get("annotated")):
        attachment_name = Path(_text(division.get("annotated"))).name
    note = ""
    if file_name and received:
        note = f" (ไฟล์ “{file_name}” ได้รับเมื่อ {format_datetime_th(received)} น.) "
    elif file_name:
        note = f" (ไฟล์ “{file_name}”) "
    elif received:
        note = f" (ได้รับเมื่อ {format_datetime_th(received)} น.) "
    own, centre = _split(findings)
    errors = [r for r in own if r["severity"] == "error"]
    warnings = [r for r in own if r["severity"] == "warning"]
    listed_errors = errors[:MAX_LISTED]
    listed_warnings = warnings[: MAX_LISTED - len(listed_errors)]
    items = [_item(n, r) for n, r in enumerate([*listed_errors, *listed_warnings], 1)]
    return {
        "salutation": salutation(division),
        "division_name": name,
        "division_code": _text(division.get("division_code")),
        "org_name": _text(organisation.get("org_name")),
        "state": state,
        "round_label": round_label,
        "fiscal_year_be": fiscal_year_be,
        "received_note": note,
        "total": _score(total),
        "score_100": _score(score_100),
        "errors": items[: len(listed_errors)],
        "warnings": items[len(listed_errors) :],
        "more": len(errors) + len(warnings) - len(items),
        "problem_count": len(errors) + len(warnings),
        "centre": [_item(0, r) for r in centre[:MAX_CENTRE]],
        "centre_more": max(0, len(centre) - MAX_CENTRE),
        "attachment_name": attachment_name or "",
        "signature": [
            line
            for line in (
                _text(organisation.get("office")),
                _text(organisation.get("org_name")),
                _text(organisation.get("contact")),
                _text(organisation.get("email")),
            )
            if line
        ],
        "target_sheet": L.TARGET_SHEET,
        "signed_off_label": L.SIGNOFF_LABELS["signed_off"],
        "signed_off_word": L.SIGNOFF_YES,
        "report_sheet": L.REPORT_SHEET,
    }


def render_reply(
    *,
    division: Mapping[str, Any],
    state: str,
    total: float | None,
    score_100: float | None,
    findings: pd.DataFrame,
    organisation: Mapping[str, Any],
    round_label: str,
    fiscal_year_be: int,
    template: Path | None = None,
    received_at: Any = None,
    file_name: str | None = None,
    attachment_name: str | None = None,
) -> str:
    """The Thai text of the reply to one division.

    Args:
        division: the division's record: ``division_code, division_name``, and when known
            ``director_title`` (the salutation follows it; the master's division sheet
            has it), ``salutation`` (overrides), ``received_at, file_name, annotated``
            (the counted workbook and its checked copy; the keyword arguments
            ``received_at, file_name, attachment_name`` override them). A row of the
            status frame will do.
        state: one of :data:`~kpixl.outputs.status.STATES`.
        total: Σ(ค) (0–5), None when not scored.
        score_100: the score out of 100, None when not scored.
        findings: the findings of the division's counted workbook
            (:data:`~kpixl.findings.FINDING_COLUMNS`); ``info`` findings are left out,
            those whose ``actor`` is the centre are listed as what the centre will do.
        organisation: the master's organisation record: ``org_name``, and optionally
            ``office`` (the central unit signing), ``contact`` (a telephone line),
            ``email``.
        round_label: the round (``2565-Q2``).
        fiscal_year_be: the fiscal year (B.E.).
        template: an office's own template file; the package's by default.
        received_at: when the counted workbook came (naive = Bangkok time).
        file_name: the counted workbook's file name.
        attachment_name: the checked copy attached, named in the text (default: the
            file name of ``division["annotated"]``).

    Raises:
        ReplyTemplateError: the template cannot be read, parsed or rendered.
    """
    context = reply_context(
        division=division,
        state=state,
        total=total,
        score_100=score_100,
        findings=findings,
        organisation=organisation,
        round_label=round_label,
        fiscal_year_be=fiscal_year_be,
        received_at=received_at,
        file_name=file_name,
        attachment_name=attachment_name,
    )
    where = str(template) if template else TEMPLATE
    source = _template_text(template)
    environment = jinja2.Environment(
        autoescape=False,  # plain text: an "&" in a name must stay "&"
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    try:
        text = environment.from_string(source).render(context)
    except jinja2.TemplateError as error:
        line = f" line {error.lineno}" if isinstance(error, jinja2.TemplateSyntaxError) else ""
        raise ReplyTemplateError(f"reply template {where}{line}: {error}") from error
    return _tidy(text)


def write_reply(
    path: Path,
    *,
    to: str,
    sender: str,
    subject: str,
    body: str,
    attachment: Path | None,
) -> Path:
    """Write a reply draft as an ``.eml`` file (atomically); nothing is sent.

    The message is UTF-8 plain text (base64, so no mail program rewraps or mangles the
    Thai), with the headers ``To``, ``From`` and ``Subject`` (RFC 2047 encoded) and
    ``X-Unsent: 1`` (Outlook opens such a file as a draft to send). ``attachment`` is
    attached with its own file name, RFC 2231 encoded when it is Thai.

    Returns:
        ``path``.
    """
    message = EmailMessage(policy=THAI_SMTP)
    message["To"] = to
    if sender:
        message["From"] = sender
    message["Subject"] = subject
    message["X-Unsent"] = "1"
    message.set_content(body, subtype="plain", charset="utf-8", cte="base64")
    if attachment is not None:
        attachment = Path(attachment)
        maintype, subtype = _content_type(attachment)
        message.add_attachment(
            attachment.read_bytes(),
            maintype=maintype,
            subtype=subtype,
            # No name= on Content-Type: the standard library folds a long one mid-token.
            filename=attachment.name,
        )
    path = Path(path)
    with atomic_path(path) as temp:
        temp.write_bytes(message.as_bytes(policy=THAI_SMTP))
    return path


def _template_text(template: Path | None) -> str:
    try:
        if template is None:
            return importlib.resources.files("kpixl.outputs").joinpath(TEMPLATE).read_text("utf-8")
        return Path(template).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ReplyTemplateError(f"reply template {template}: {error}") from error


def _split(findings: pd.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The division's own problems and the centre's, errors first, info left out."""
    records = [
        {k: _text(v) for k, v in rec.items()}
        for rec in findings.to_dict("records")
        if _text(rec.get("severity")) in ("error", "warning")
    ]
    order = {"error": 0, "warning": 1}

    def key(rec: Mapping[str, str]) -> tuple[int, str, float, float]:
        return (order[rec["severity"]], rec["sheet"], _number(rec["row"]), _number(rec["column"]))

    records.sort(key=key)
    own = [r for r in records if r.get("actor") != CENTRE]
    seen: set[tuple[str, str]] = set()
    centre = []
    for rec in records:
        # The centre's flaw shows once per KPI, not once per row that meets it.
        if rec.get("actor") == CENTRE and (rec["kpi_id"], rec["message_th"]) not in seen:
            seen.add((rec["kpi_id"], rec["message_th"]))
            centre.append(rec)
    return own, centre


def _item(number: int, rec: Mapping[str, str]) -> dict[str, Any]:
    parts = []
    if rec.get("sheet"):
        parts.append(f"แผ่นงาน “{rec['sheet']}”")
    if rec.get("cell"):
        parts.append(f"ช่อง {rec['cell']}")
    if rec.get("kpi_id"):
        parts.append(f"ตัวชี้วัดที่ {rec['kpi_id']}")
    return {
        "number": number,
        "where": " ".join(parts) or "ไฟล์ที่ส่งมา",
        "message": rec.get("message_th", ""),
        "kpi_id": rec.get("kpi_id", ""),
        "code": rec.get("code", ""),
    }


def _tidy(text: str) -> str:
    """At most one blank line in a row, single spaces, one final newline: a template's
    optional parts leave no gaps."""
    lines = [re.sub(r"(?<=\S) {2,}", " ", line).rstrip() for line in text.strip().splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept) + "\n"


def _content_type(path: Path) -> tuple[str, str]:
    if path.suffix.lower() == ".xlsx":
        return XLSX_TYPE
    return "application", "octet-stream"


def _text(value: Any) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return str(value)
    return value_text(value).strip()


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return -1.0


def _score(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{round_value(float(value)):,.2f}"
