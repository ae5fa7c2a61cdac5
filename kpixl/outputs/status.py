"""The status of every division in a round: the words, and the table printed in a terminal.

A division of the master is in exactly one state (:data:`STATES`): nothing received yet,
received with errors the division must fix, scored, or signed off (the budget bureau's
lock: the signed-off data can no longer be replaced). The same words appear in the
terminal table, on the สถานะ sheet of ``results.xlsx`` and in the reply drafts.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from kpixl.fiscal import format_datetime_th
from kpixl.precision import round_value
from kpixl.terminal import align

STATES = ("not_received", "errors", "scored", "signed_off")
"""Every state of a division in a round, from the least to the most advanced."""
STATE_TH = {
    "not_received": "ยังไม่ได้รับ",
    "errors": "มีข้อผิดพลาด",
    "scored": "คิดคะแนนแล้ว",
    "signed_off": "นำส่งแล้ว (ลงนาม)",
}
STATE_EN = {
    "not_received": "not received",
    "errors": "has errors",
    "scored": "scored",
    "signed_off": "signed off",
}
BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")
"""Thailand keeps UTC+7 all year (no daylight saving since 1920): a fixed offset needs no
time-zone database on the office's machine."""

_HEADERS = {
    "th": ("รหัส", "กอง/สำนัก", "สถานะ", "ได้รับเมื่อ", "ครั้ง", "คะแนน", "ผิดพลาด", "เตือน", "ไฟล์"),
    "en": (
        "code",
        "division",
        "state",
        "received",
        "sent",
        "score",
        "errors",
        "warnings",
        "file",
    ),
}
_RIGHT = frozenset({4, 5, 6, 7})
"""Columns of numbers, right-aligned so that digits line up."""


def local_time(value: Any) -> dt.datetime | None:
    """``value`` as a naive datetime in Bangkok time, or None when it is missing.

    A time-zone-aware moment is converted; a naive one is taken as Bangkok time already
    (what a clerk's machine and the e-mail ``Date`` of a Thai office give).
    """
    if value is None or value is pd.NaT:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return None
    moment: dt.datetime = pd.Timestamp(value).to_pydatetime()
    if moment.tzinfo is not None:
        moment = moment.astimezone(BANGKOK).replace(tzinfo=None)
    return moment


def state_counts(status: pd.DataFrame) -> dict[str, int]:
    """How many divisions are in each state, in :data:`STATES` order (zeros included).

    Args:
        status: the status frame; only its ``state`` column is read.
    """
    counts = status["state"].value_counts() if len(status) else pd.Series(dtype="int64")
    return {state: int(counts.get(state, 0)) for state in STATES}


def summary_line(status: pd.DataFrame, lang: str = "th") -> str:
    """One line counting the divisions in each state: what a clerk wants to know first."""
    counts = state_counts(status)
    words = STATE_TH if lang == "th" else STATE_EN
    parts = [f"{words[state]} {counts[state]:,}" for state in STATES]
    if lang == "th":
        return f"ทั้งหมด {len(status):,} กอง: " + " · ".join(parts)
    return f"{len(status):,} divisions: " + " · ".join(parts)


def format_status(status: pd.DataFrame, lang: str = "th") -> str:
    """The status of every division as an aligned text table, for a terminal.

    Widths count what a terminal draws: Thai vowel and tone marks above or below a
    consonant take no column (:func:`kpixl.layout.visible_length`).

    Args:
        status: one row per division of the master: ``division_code, division_name,
            email, state`` (one of :data:`STATES`), ``received_at`` (datetime, NaT when
            nothing came), ``sender, file_name, submissions`` (how many were received),
            ``total, score_100`` (NaN when not scored), ``complete, errors, warnings``
            (counts of the division's own findings), ``content_hash, annotated``. Extra
            columns are ignored.
        lang: ``th`` or ``en``: the headers and the state words.

    Returns:
        The summary line, a blank line, then the table (no trailing newline).
    """
    words = STATE_TH if lang == "th" else STATE_EN
    rows = [_HEADERS["th" if lang == "th" else "en"]]
    for rec in status.to_dict("records"):
        received = local_time(rec.get("received_at"))
        rows.append(
            (
                _text(rec.get("division_code")),
                _text(rec.get("division_name")),
                words.get(str(rec.get("state", "")), _text(rec.get("state"))),
                format_datetime_th(received) if received else "—",
                _count(rec.get("submissions")),
                _score(rec.get("score_100")),
                _count(rec.get("errors")),
                _count(rec.get("warnings")),
                _text(rec.get("file_name")) or "—",
            )
        )
    return summary_line(status, lang) + "\n\n" + align(rows, _RIGHT)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _text(value: Any) -> str:
    if _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code read as a number ("75105.0") is shown as written
    return str(value)


def _count(value: Any) -> str:
    if _missing(value):
        return "—"
    return f"{int(value):,}"


def _score(value: Any) -> str:
    if _missing(value):
        return "—"
    return f"{round_value(float(value)):,.2f}"  # as the form shows a score: 84.40
