"""Checks of single cells: can kpixl read what the division typed, and is it plausible.

The ``cells`` table is the normalised cells frame (:func:`kpixl.normalize.normalize_cells`)
with what the evaluation adds: ``expect`` (what the cell should hold: ``number``,
``percent``, ``date``, ``tick``, ``likert``, ``round``, ``plan``, ``text`` (free text
and the sign-off) or ""),
``state`` (``blank``, ``ok``, ``invalid``), ``kind``, ``window_start``/``window_end`` (the
plausible dates), ``implausible`` (a date outside them: :func:`implausible`),
``plan_allowed`` (:func:`plan_allowed`) and, for supporting data, the KPI's
``computed_status`` and ``late`` (a monthly report delivered after the level 1 deadline).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

import numpy as np
import pandas as pd

from kpixl.checks.registry import Mask, check
from kpixl.fiscal import format_date_th
from kpixl.normalize import text_test

INPUTS = ("number", "percent", "date", "tick", "likert", "round", "plan", "text")
NUMBERS = ("number", "percent", "round")
_PLAN_TEXT = re.compile(r"^[0-9,/.\-]*$")
_EXCEL_TEXT_NOTE = " — ใน Excel ช่องนี้เป็นข้อความ จึงยังไม่นำไปคำนวณ กรุณาพิมพ์เป็นตัวเลข"
_EXCEL_TEXT_NOTE_EN = "; Excel treats the cell as text and leaves it out, so type it as a number"
_EXCEL_DATE_NOTE = " — ใน Excel ช่องนี้เป็นข้อความ จึงยังไม่นำไปคิดคะแนน กรุณาพิมพ์เป็นวันที่"
_EXCEL_DATE_NOTE_EN = "; Excel treats the cell as text and leaves it out, so type it as a date"


@functools.cache
def _expect(*kinds: str) -> Mask:
    """The cells expecting one of ``kinds`` (the same function for the same kinds, so that
    the checks sharing it compute it once)."""
    return lambda f: f["expect"].isin(kinds)


def _typed(f: pd.DataFrame) -> pd.Series:
    return ~f["blank"] & ~f["number_status"].isin(["error", "uncalculated"])


@check("value-error", "cells", _expect(*INPUTS), value="error")
def _no_error_value(f: pd.DataFrame) -> pd.Series:
    return f["error"].eq("")


@check("formula-not-calculated", "cells", _expect(*INPUTS), formula="formula")
def _calculated(f: pd.DataFrame) -> pd.Series:
    return f["number_status"].ne("uncalculated")


@check("value-from-formula", "cells", _expect(*INPUTS), formula="formula")
def _typed_not_computed(f: pd.DataFrame) -> pd.Series:
    return f["formula"].eq("") | ~_typed(f)


@check(
    "value-unreadable",
    "cells",
    _expect(*NUMBERS),
    expected="expected_th",
    expected_en="expected_en",
    advice="advice_th",
    advice_en="advice_en",
)
def _number_readable(f: pd.DataFrame) -> pd.Series:
    return f["number_status"].ne("unreadable")


@check(
    "value-unreadable",
    "cells",
    _expect("date"),
    expected="expected_th",
    expected_en="expected_en",
    advice="advice_th",
    advice_en="advice_en",
)
def _date_readable(f: pd.DataFrame) -> pd.Series:
    return ~_typed(f) | f["date"].notna()


@check(
    "value-unreadable",
    "cells",
    _expect("tick"),
    expected="expected_th",
    expected_en="expected_en",
    advice="advice_th",
    advice_en="advice_en",
)
def _tick_readable(f: pd.DataFrame) -> pd.Series:
    return ~_typed(f) | f["tick"].notna()


def plan_allowed(cells: pd.DataFrame) -> pd.Series:
    """Plan cells whose text has the allowed characters only (the cells table's
    ``plan_allowed``, which several checks read)."""
    return text_test(
        cells["expect"].eq("plan"), cells["text"], lambda s: s.fullmatch(_PLAN_TEXT.pattern)
    )


def _plan_allowed(f: pd.DataFrame) -> pd.Series:
    return f["plan_allowed"]


def _plan_not_text_rule(f: pd.DataFrame) -> pd.Series:
    """Plan cells the character rule does not cover: text of allowed characters only, and
    what is not text at all (TRUE/FALSE)."""
    plan = f["expect"].eq("plan")
    return _plan_allowed(f) | (plan & ~f["is_text"])


@check(
    "value-unreadable",
    "cells",
    _plan_not_text_rule,
    expected="expected_th",
    expected_en="expected_en",
    advice="advice_th",
    advice_en="advice_en",
)
def _plan_readable(f: pd.DataFrame) -> pd.Series:
    # "1.2.3", "1/2" or a lone "-" pass the seed's character rule but are no number.
    return ~_typed(f) | f["number"].notna()


def _normalisable(f: pd.DataFrame) -> pd.Series:
    return f["expect"].isin([*NUMBERS, "likert"]) | _plan_allowed(f)


@check(
    "value-normalised",
    "cells",
    _normalisable,
    normalised="shown",
    excel_note="excel_note_th",
    excel_note_en="excel_note_en",
)
def _plain_number(f: pd.DataFrame) -> pd.Series:
    return f["number_status"].ne("normalised")


@check(
    "survey-round-invalid",
    "cells",
    # (a workbook scored from no trusted definitions has no rounds to check against)
    lambda f: f["expect"].eq("round") & f["answered"].astype(bool) & f["survey_rounds"].notna(),
    round="round_th",
    round_en="round_en",
    rounds="rounds_shown",
)
def _survey_round(f: pd.DataFrame) -> pd.Series:
    # The survey sheet counts a row's answers in round 1 … N only: any other round leaves
    # them out, in the workbook as in kpixl. Unreadable text and error values have their own
    # findings.
    n, rounds = f["number"], f["survey_rounds"]
    other = f["number_status"].isin(["unreadable", "error", "uncalculated"])
    valid = n.between(1, rounds) & n.eq(np.floor(n))
    return other | valid | (rounds.eq(1) & f["blank"])


def _date_as_text(f: pd.DataFrame) -> pd.Series:
    return f["expect"].eq("date") & f["table"].isin(["form", "data"]) & f["is_text"]


@check(
    "value-normalised",
    "cells",
    _date_as_text,
    normalised="date_th",
    excel_note="date_note_th",
    excel_note_en="date_note_en",
)
def _date_typed_as_date(f: pd.DataFrame) -> pd.Series:
    # "17 ธ.ค. 2564" typed as text is read as the date it says; the workbook's own formulas
    # cannot read text, so the division sees no level where kpixl gives one.
    return f["date"].isna() | f["formula"].ne("")


@check(
    "likert-out-of-range",
    "cells",
    _expect("likert"),
    excel_note="likert_note_th",
    excel_note_en="likert_note_en",
)
def _likert(f: pd.DataFrame) -> pd.Series:
    n = f["number"]
    ok = n.between(1, 5) & n.eq(np.floor(n))
    return ~_typed(f) | ok


@check("invalid-characters", "cells", _expect("plan"))
def _plan_characters(f: pd.DataFrame) -> pd.Series:
    return ~f["is_text"] | _plan_allowed(f)


@check(
    "date-era-confused",
    "cells",
    _expect("date"),
    year="year_written",
    era_wrong="era_th",
    era_wrong_en="era_en",
    year_be="year_be",
)
def _date_era(f: pd.DataFrame) -> pd.Series:
    is_date_cell = f["raw"].map(lambda v: isinstance(v, dt.date))
    return ~((is_date_cell & f["date_era"].eq("be")) | (~is_date_cell & f["date_era"].eq("ce")))


@check(
    "date-implausible",
    "cells",
    _expect("date"),
    value="date_th",
    minimum="window_start_th",
    maximum="window_end_th",
)
def _date_plausible(f: pd.DataFrame) -> pd.Series:
    return ~f["implausible"]


def implausible(f: pd.DataFrame) -> pd.Series:
    """Dates outside their fiscal year's plausible window (they are not scored on)."""
    date = pd.to_datetime(f["date"], errors="coerce")
    start = pd.to_datetime(f["window_start"], errors="coerce")
    end = pd.to_datetime(f["window_end"], errors="coerce")
    return date.notna() & start.notna() & ((date < start) | (date > end))


# --- supporting data of the computing kinds ----------------------------------------------


def _field(*keys: str) -> Mask:
    return lambda f: f["table"].eq("data") & f["field"].isin(keys) & f["state"].eq("ok")


@check("ratio-zero-denominator", "cells", _field("denominator", "last_year"))
def _denominator(f: pd.DataFrame) -> pd.Series:
    return f["number"].ne(0)


@check(
    "ratio-numerator-exceeds",
    "cells",
    _field("numerator"),
    numerator="shown",
    denominator="denominator_shown",
)
def _numerator(f: pd.DataFrame) -> pd.Series:
    # Beside a zero denominator this says nothing more (that one has its own finding).
    return ~((f["number"] > f["denominator"]) & f["denominator"].ne(0))


@check(
    "milestone-out-of-order",
    "cells",
    lambda f: text_test(f["table"].eq("data"), f["field"], lambda s: s.startswith("step:")),
    step="step",
)
def _in_order(f: pd.DataFrame) -> pd.Series:
    return ~f["stray"].fillna(False).astype(bool)


@check(
    "deadline-missed",
    "cells",
    lambda f: text_test(f["table"].eq("data"), f["field"], lambda s: s.startswith("month:")),
    value="date_th",
)
def _month_on_time(f: pd.DataFrame) -> pd.Series:
    return ~f["late"].fillna(False).astype(bool)


@check(
    "value-missing",
    "cells",
    lambda f: f["table"].eq("data") & f["computed_status"].eq("incomplete"),
    what="what_th",
    what_en="what_en",
)
def _input_given(f: pd.DataFrame) -> pd.Series:
    return ~f["blank"]


def message_columns(f: pd.DataFrame) -> pd.DataFrame:
    """Columns only the cell checks' messages need, for the failing rows."""
    expect = f["expect"]
    expected_th = expect.map(
        {"date": "วันที่", "tick": "เครื่องหมาย ✓", "round": "ครั้งที่สำรวจ", "percent": "ร้อยละ"}
    )
    expected_en = expect.map(
        {
            "date": "a date",
            "tick": "a tick (✓)",
            "round": "a survey round",
            "percent": "a percentage",
        }
    )
    advice_th = expect.map(
        {
            "date": "กรุณากรอกวันที่ เช่น 30/12/2564",
            "tick": "กรุณาใส่ ✓ เมื่อทำขั้นตอนนี้แล้ว หรือเลือก “ยังไม่ทำ” จากรายการ",
            "plan": "กรุณากรอกตัวเลขเพียงจำนวนเดียว เช่น 1,250 หรือ 12.5",
        }
    ).fillna("กรุณากรอกเฉพาะตัวเลข เช่น 85 หรือ 85.5")
    advice_en = expect.map(
        {
            "date": "enter a date such as 30/12/2564",
            "tick": "put ✓ when the step is done, or choose “ยังไม่ทำ”",
            "plan": "enter a single number such as 1,250 or 12.5",
        }
    ).fillna("enter a plain number such as 85 or 85.5")
    written = f["raw"].map(lambda v: v.year if isinstance(v, dt.date) else None)
    text_year = f["text"].str.extract(r"(\d{4})\s*$")[0]
    year = written.fillna(pd.to_numeric(text_year, errors="coerce"))
    dates = f["date"].map(lambda d: format_date_th(d) if isinstance(d, dt.date) else "")
    text_note = f["is_text"] & f["formula"].eq("")
    fraction = f["number"].notna() & f["number"].ne(np.floor(f["number"]))
    return f.assign(
        expected_th=expected_th.fillna("ตัวเลข"),
        expected_en=expected_en.fillna("a number"),
        advice_th=advice_th,
        advice_en=advice_en,
        excel_note_th=np.where(text_note, _EXCEL_TEXT_NOTE, ""),
        excel_note_en=np.where(text_note, _EXCEL_TEXT_NOTE_EN, ""),
        date_note_th=_EXCEL_DATE_NOTE,
        date_note_en=_EXCEL_DATE_NOTE_EN,
        likert_note_th=np.where(fraction, " (Excel ยังนำค่านี้ไปเฉลี่ย ส่วนกลางไม่นำไปคิด)", ""),
        likert_note_en=np.where(fraction, " (Excel still averages it; the centre does not)", ""),
        year_written=year.map(lambda y: "" if pd.isna(y) else str(int(y))),
        era_th=f["date_era"].map({"ce": "ปี ค.ศ.", "be": "ปี พ.ศ. ในช่องวันที่"}).fillna(""),
        era_en=f["date_era"]
        .map({"ce": "a C.E. year", "be": "a B.E. year in a date cell"})
        .fillna(""),
        year_be=f["date"].map(lambda d: str(d.year + 543) if isinstance(d, dt.date) else ""),
        date_th=dates,
        window_start_th=f["window_start"].map(lambda d: format_date_th(d) if d else ""),
        window_end_th=f["window_end"].map(lambda d: format_date_th(d) if d else ""),
        step=f["field"].str.removeprefix("step:"),
        round_th=np.where(f["blank"], "ว่างอยู่", "เป็น “" + f["text"] + "”"),
        round_en=np.where(f["blank"], "blank", "“" + f["text"] + "”"),
        rounds_shown=f["survey_rounds"].map(lambda r: "" if pd.isna(r) else str(int(r))),
    )
