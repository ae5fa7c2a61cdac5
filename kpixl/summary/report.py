"""``report.html``: the summary as one self-contained web page.

One file to open in any browser or attach to an e-mail: the CSS is inline, the charts are
inline SVG (:mod:`kpixl.summary.charts`), no font, script or picture is fetched at view
time (the font names TH Sarabun New, Sarabun and Laksaman are only asked of the reader's
machine). The page is the jinja2 template ``report.html.j2`` of this package, rendered
with autoescape on: every text from a division, an e-mail or the master is escaped.
It prints on A4 (each division's form on a page of its own) and reads on a phone (base
text 18 px, wide tables scroll sideways).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from kpixl.atomic import write_text_atomic
from kpixl.fiscal import format_datetime_th
from kpixl.outputs import labels as W
from kpixl.precision import round_value
from kpixl.summary import charts
from kpixl.summary.data import DISBURSEMENT_TH, MATCH_TH, SUBMISSION_TH, Summary
from kpixl.thai import format_number

TEMPLATE = "report.html.j2"


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def number(value: Any) -> str:
    """A number as the forms write it (``1,234.5``), "" when missing."""
    return "" if _missing(value) else format_number(float(value))


def score(value: Any) -> str:
    """A score with its two places (``82.80``), "" when missing."""
    return "" if _missing(value) else f"{round_value(float(value)):,.2f}"


def level(value: Any) -> str:
    """A level 0–5, "" when missing."""
    return "" if _missing(value) else f"{int(value)}"


def moment(value: Any) -> str:
    """A time in B.E. with a Thai month (``10 ต.ค. 2565 16:00``), "" when missing."""
    return "" if _missing(value) else format_datetime_th(pd.Timestamp(value).to_pydatetime())


def short(value: Any, limit: int = 300) -> str:
    """A text from an e-mail or a file cut to ``limit`` characters (with "…"): a page
    holding a 40,000-letter Thai word takes a browser minutes to lay out."""
    text = "" if _missing(value) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _result(rec: Mapping[str, Any]) -> str:
    if rec["kind"] == "deadline_date" and not _missing(rec["value"]):
        import datetime as dt

        from kpixl.fiscal import format_date_th

        return format_date_th(dt.date.fromordinal(int(rec["value"])))
    return number(rec["value"])


def _divisions(s: Summary) -> list[dict[str, Any]]:
    out = []
    for info in s.overview.to_dict("records"):
        code = info["division_code"]
        rows = s.kpis[s.kpis["division_code"] == code]
        found = s.findings[s.findings["division_code"] == code]
        found = found.assign(_s=found["severity"].map(W.SEVERITY_ORDER)).sort_values("_s")
        out.append({
            "code": code, "name": info["division_name"], "state": info["state"],
            "state_th": info["state_th"], "received": moment(info["received_at"]),
            "file": short(info["file_name"]), "sender": short(info["sender"]),
            "director": info["director"],
            "total": score(info["total"]), "score": score(info["score_100"]),
            "weights": number(rows["weight"].sum(min_count=1)),
            "rows": [{
                "kpi_id": r["kpi_id"], "issue": r["issue"], "name": r["name"], "unit": r["unit"],
                "criteria": [r[f"level_{n}"] for n in range(1, 6)], "result": _result(r),
                "level": level(r["level"]), "weight": number(r["weight"]),
                "weighted": score(r["weighted"]),
                "colour": charts.level_colour(None if _missing(r["level"]) else float(r["level"])),
                "status": W.KPI_STATUS_WORDS.get(r["status"], r["status"]) if r["received"] else "",
            } for r in rows.to_dict("records")],
            "findings": [{
                "kpi_id": f["kpi_id"],
                "severity": W.SEVERITY_WORDS.get(f["severity"], f["severity"]),
                "severity_key": f["severity"], "message": short(f["message_th"], 3000),
                "cell": f"{f['sheet']} {f['cell']}".strip(),
                "actor": W.ACTOR_WORDS.get(f["actor"], f["actor"]),
            } for f in found.to_dict("records")],
        })  # fmt: skip
    return out


def _money(s: Summary) -> list[dict[str, Any]]:
    out = []
    names = dict(zip(s.overview["division_code"], s.overview["division_name"], strict=True))
    for code in s.overview["division_code"]:
        mine = s.disbursement[s.disbursement["division_code"] == code]
        if mine.empty:
            continue
        series, seen = [], {"investment": 0, "overall": 0}
        kinds = mine.drop_duplicates("group_id").set_index("group_id")["kind"]
        for group in sorted(kinds.index, key=lambda g: (kinds[g] != "investment", g)):
            rows = mine[mine["group_id"] == group].set_index("quarter")

            def four(key: str, rows: pd.DataFrame = rows) -> list[float | None]:
                return [None if q not in rows.index or _missing(rows.at[q, key])
                        else float(rows.at[q, key]) for q in range(1, 5)]  # fmt: skip

            kind = str(kinds[group])
            series.append({
                "label": f"{DISBURSEMENT_TH[kind]} ({group})", "kind": kind,
                "shade": min(seen[kind], 1), "values": four("value"), "targets": four("target"),
            })  # fmt: skip
            seen[kind] += 1
        title = f"{code}: การเบิกจ่ายสะสมรายไตรมาส เทียบกับเป้าหมาย"
        out.append({"code": code, "name": names.get(code, ""), "series": series,
                    "svg": charts.quarter_chart(series, title)})  # fmt: skip
    return out


def _score_years(s: Summary, prior: int) -> list[dict[str, Any]]:
    rows = []
    for r in s.scores_by_year.to_dict("records"):
        before, now = r.get(str(prior), float("nan")), r.get(str(s.fiscal_year_be), float("nan"))
        change = score(now - before)
        rows.append({"code": r["division_code"], "name": r["division_name"],
                     "before": score(before), "now": score(now), "change": change})  # fmt: skip
    return rows


def _kpi_years(s: Summary, prior: int) -> list[dict[str, Any]]:
    keys = ("division_code", "kpi_id", "name", "kpi_id_prev", "name_prev", "match")
    rows = []
    for r in s.year_over_year.to_dict("records"):
        words = MATCH_TH[r["match"]].replace("ปีก่อน", f"ปี {prior}")
        rows.append({
            **{k: "" if _missing(r[k]) else r[k] for k in keys},
            "before": level(r["level_prev"]), "now": level(r["level"]),
            "match_th": words.replace("ปีนี้", f"ปี {s.fiscal_year_be}"),
        })  # fmt: skip
    return rows


def report_context(s: Summary) -> dict[str, Any]:
    """Everything the template shows, as plain values (numbers already as text)."""
    ranking = [{
        "rank": None if _missing(r["rank"]) else int(r["rank"]), "code": r["division_code"],
        "name": r["division_name"], "state": r["state"], "state_th": r["state_th"],
        "received": moment(r["received_at"]), "total": score(r["total"]),
        "score": None if _missing(r["score_100"]) else round_value(float(r["score_100"])),
        "score_text": score(r["score_100"]), "kpis": r["kpis"], "no_level": r["no_level"],
        "levels": [r[f"level_{n}"] for n in (5, 4, 3, 2, 1, 0)],
    } for r in s.overview.to_dict("records")]  # fmt: skip
    got = s.kpis[s.kpis["received"]]
    levels = {
        (k, c): None if _missing(v) else float(v)
        for k, c, v in zip(got["kpi_id"], got["division_code"], got["level"], strict=True)
    }
    scores = s.overview["score_100"]
    prior = s.prior_year
    years: dict[str, Any] | None = None
    if prior is not None:
        years = {"prior": prior, "scores": _score_years(s, prior), "kpis": _kpi_years(s, prior)}
    return {
        "org": s.org_name, "year": s.fiscal_year_be, "round": s.round_label,
        "made_at": format_datetime_th(s.made_at), "notes": list(s.notes),
        "ranking": ranking, "ranking_svg": charts.ranking_bars(ranking),
        "average": score(scores.mean()), "highest": score(scores.max()),
        "lowest": score(scores.min()),
        "received": int(s.overview["state"].ne("not_received").sum()),
        "matrix_svg": charts.level_heatmap(list(s.matrix.index), list(s.matrix.columns), levels),
        "money": _money(s), "divisions": _divisions(s), "years": years,
        "sources": [{**r, "state_th": SUBMISSION_TH.get(r["state"], r["state"]),
                     "received": moment(r["received_at"]), "score": score(r["score_100"]),
                     **{k: short(r[k]) for k in ("file_name", "sender", "subject")}}
                    for r in s.sources.to_dict("records")],
        "state_fills": {k: dict(v).get("bg_color", "") for k, v in W.STATE_FILLS.items()},
    }  # fmt: skip


def render_report(summary: Summary) -> str:
    """The report's HTML."""
    source = resources.files("kpixl.summary").joinpath(TEMPLATE).read_text(encoding="utf-8")
    environment = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    return environment.from_string(source).render(report_context(summary))


def write_report(summary: Summary, path: Path) -> Path:
    """Write ``report.html`` (atomically); returns its path."""
    path = Path(path)
    write_text_atomic(path, render_report(summary))
    return path
