"""The numbers of the year-end summary, from the ledger (pure pandas, no Excel).

The ledger decides what counts (:mod:`kpixl.ledger`); this module only arranges it. The
masters add what the ledger does not hold: each KPI's issue, unit and five criteria (for
the scoring form), the quarter rows of a budget-disbursement KPI and their targets (the
lower end of each quarter's level 5 band), and the names that match a KPI across years.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kpixl.definitions import Definitions, KpiDef, parse_definitions
from kpixl.errors import KpixlError
from kpixl.findings import findings_frame
from kpixl.ledger import Ledger
from kpixl.master import Master, division_definitions
from kpixl.outputs.status import BANGKOK, STATE_TH, local_time
from kpixl.round_outputs import round_findings, round_results, status_frame
from kpixl.rubric import BandRubric
from kpixl.thai import clean_text

LEVELS = (5, 4, 3, 2, 1, 0)
"""Levels in the order the overview counts them (best first)."""
DISBURSEMENT_TH = {"investment": "ลงทุน", "overall": "ภาพรวม"}
MATCH_TH = {
    "same": "ตรงกัน (รหัสและชื่อ)",
    "year_only": "ตรงกัน (ชื่อต่างกันเพียงปี พ.ศ.)",
    "name_differs": "รหัสเดียวกัน แต่ชื่อต่างกัน — โปรดตรวจ",
    "by_name": "ชื่อเดียวกัน แต่รหัสต่างกัน — โปรดตรวจ",
    "new": "ไม่มีในปีก่อน",
    "dropped": "ไม่มีในปีนี้",
}
"""How a KPI of this year was matched to last year's, in words (the unsure ones say so)."""
SUBMISSION_TH = {
    "counted": "นับคะแนน",
    "superseded": "มีฉบับใหม่กว่า",
    "duplicate": "ซ้ำกับที่ส่งแล้ว",
    "rejected": "ไม่รับ (ลงนามแล้ว)",
    "unreadable": "เปิดไฟล์ไม่ได้",
    "unknown_division": "ไม่ทราบว่าเป็นของกองใด",
    "kpixl_output": "สำเนาที่ kpixl เขียน",
    "pending": "ยังไม่ได้ตรวจ",
}
_YEAR = re.compile(r"(?:พ\.ศ\.)?25[0-9]{2}")
_QUARTER_WORDS = re.compile(r"ไตรมาส(?:ที่)?[1-4].*$")


class SummaryError(KpixlError):
    """The ledger has no round to summarise (or not the one asked for)."""


@dataclass(frozen=True)
class Summary:
    """Everything the summary workbook and the report show, as frames.

    Attributes:
        org_name: the organisation (อบจ.).
        fiscal_year_be: the fiscal year summarised.
        round_label: the round whose counted submissions are summarised.
        made_at: when the summary was built (Bangkok time, naive).
        overview: one row per division of the round, ranked: ``rank, division_code,
            division_name, director, state, state_th, received_at, sender, file_name,
            submissions, kpis, total, score_100, complete, level_5 … level_0, no_level,
            errors, warnings, content_hash``.
        kpis: every scoring-form row of every division, in form order: ``division_code,
            order, kpi_id, name, issue, unit, level_1 … level_5 (criteria), kind, quarter,
            group_id, group_name, reported, value, level, weight, weighted, status,
            received`` (the division's workbook counts) and ``target`` (a quarter row's
            level 5 lower end).
        findings: the errors and warnings that remain in the counted workbooks.
        matrix: levels, KPI ids (rows, natural order) × division codes (ranked columns);
            NaN where there is no level.
        disbursement: the quarter rows of budget-disbursement KPIs: ``division_code,
            group_id, group_name, kind (investment/overall), kind_th, quarter, kpi_id,
            value, target, level``.
        targets: form A of every division: plan by quarter and total, and the result by
            quarter (from the quarter rows) and of the year where known.
        year_over_year: this year's KPIs beside the previous fiscal year's, with ``match``
            and ``match_th`` saying how each pair was found (empty with one fiscal year).
        scores_by_year: the score out of 100 of every division, one column per year.
        sources: every receipt of the round: which file, sender and time each figure came
            from and whether it counted.
        notes: what was used (ledger, round, masters, how targets were taken), in Thai.
    """

    org_name: str
    fiscal_year_be: int
    round_label: str
    made_at: dt.datetime
    overview: pd.DataFrame
    kpis: pd.DataFrame
    findings: pd.DataFrame
    matrix: pd.DataFrame
    disbursement: pd.DataFrame
    targets: pd.DataFrame
    year_over_year: pd.DataFrame
    scores_by_year: pd.DataFrame
    sources: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    @property
    def prior_year(self) -> int | None:
        """The fiscal year compared against, or None when the ledger holds one year."""
        years = [int(c) for c in self.scores_by_year.columns if str(c).isdigit()]
        earlier = [y for y in years if y < self.fiscal_year_be]
        return max(earlier) if earlier else None


def id_key(kpi_id: str) -> tuple[Any, ...]:
    """A KPI id's natural order: ``2`` < ``2.1.3`` < ``10``; other ids after, as text."""
    parts = str(kpi_id).split(".")
    if all(p.isdigit() for p in parts):
        return (0, *(int(p) for p in parts))
    return (1, str(kpi_id))


def quarter_target(kpi: KpiDef) -> float | None:
    """A quarter row's target: where its level 5 band begins (the end a better value
    passes), or None when its criteria are not bands."""
    rubric = kpi.rubric
    if not isinstance(rubric, BandRubric):
        return None
    band = rubric.bands[-1]
    return band.lower if rubric.direction == "higher" else band.upper


def disbursement_kind(name: str) -> str:
    """``investment`` (ลงทุน), ``overall`` (ภาพรวม) or "" for a KPI's name."""
    text = re.sub(r"\s+", "", clean_text(name))
    if "เบิกจ่าย" not in text or "งบประมาณ" not in text:
        return ""
    return "investment" if "ลงทุน" in text else "overall" if "ภาพรวม" in text else ""


def choose_round(
    ledger: Ledger, fiscal_year_be: int | None = None, round_label: str | None = None
) -> tuple[int, str]:
    """(fiscal year, round): the latest fiscal year and its latest round by default.

    Raises:
        SummaryError: the ledger has no round, or none of the year or label asked for.
    """
    rounds = ledger.rounds()
    if round_label is not None:
        rounds = rounds[rounds["round"] == round_label]
    if fiscal_year_be is not None:
        rounds = rounds[rounds["fiscal_year_be"] == fiscal_year_be]
    if rounds.empty:
        asked = " ".join(str(x) for x in (fiscal_year_be, round_label) if x is not None)
        raise SummaryError(f"the ledger {ledger.path} has no round to summarise {asked}".strip())
    year = int(rounds["fiscal_year_be"].max())
    # The latest round is the one last run (labels such as 2565-Q2 and 2565-6m do not sort).
    runs = ledger.frame("SELECT round, MAX(run_id) AS last_run FROM runs GROUP BY round")
    mine = rounds[rounds["fiscal_year_be"] == year].merge(runs, on="round", how="left")
    mine = mine.sort_values(["last_run", "round"], na_position="first")
    return year, str(mine["round"].iloc[-1])


def _definitions(masters: Sequence[Master], year: int) -> dict[str, Definitions]:
    found: dict[str, Definitions] = {}
    for master in masters:
        if master.fiscal_year_be != year:
            continue
        for code in master.division_codes():
            found.setdefault(code, parse_definitions(division_definitions(master, code)))
    return found


def _form_rows(
    results: pd.DataFrame,
    codes: Sequence[str],
    defs: Mapping[str, Definitions],
    counted: set[str],
) -> pd.DataFrame:
    """The scoring-form rows of every division: the centre's rows (when a master defines
    the division) with their results, else the rows the ledger holds; ``received`` where
    the division's workbook counts (``counted``)."""
    rows: list[dict[str, Any]] = []
    for code in codes:
        mine = results[results["division_code"] == code]
        got = {str(r["kpi_id"]): r for r in mine.to_dict("records")}
        definition = defs.get(code)
        listed = [k.kpi_id for k in definition.scored] if definition else []
        for kpi_id in [*listed, *(i for i in got if i not in listed)]:
            kpi = definition.kpi(kpi_id) if definition else None
            rec = dict(got.get(kpi_id, {}))
            row: dict[str, Any] = {"division_code": code, "order": len(rows), "kpi_id": kpi_id}
            for key in ("reported", "value", "level", "weight", "weighted", "kind", "status"):
                row[key] = rec.get(key)
            row["name"] = rec.get("name") or (kpi.name if kpi else "")
            row["received"] = code in counted
            quarter = rec.get("quarter")
            if kpi is not None:
                row.update({f"level_{n}": t for n, t in enumerate(kpi.texts, 1)})
                row.update(issue=kpi.text("issue"), unit=kpi.unit, kind=row["kind"] or kpi.kind)
                row.update(group_id=kpi.group_id, group_name=kpi.text("group_name"))
                row["weight"] = row["weight"] if row["weight"] is not None else kpi.weight
                row["target"] = quarter_target(kpi) if kpi.quarter else None
                quarter = kpi.quarter or quarter
            elif not pd.isna(quarter) and quarter is not None and "." in kpi_id:
                # No master: a quarter row's KPI is its id without the last part.
                row["group_id"] = kpi_id.rsplit(".", 1)[0]
                row["group_name"] = _QUARTER_WORDS.sub("", str(row["name"])).strip()
            row["quarter"] = quarter
            rows.append(row)
    columns = ["division_code", "order", "kpi_id", "name", "issue", "unit",
               *(f"level_{n}" for n in range(1, 6)), "kind", "quarter", "group_id",
               "group_name", "reported", "value", "level", "weight", "weighted", "status",
               "received", "target"]  # fmt: skip
    frame = pd.DataFrame(rows).reindex(columns=columns)
    for name in ("quarter", "level"):
        frame[name] = pd.array(pd.to_numeric(frame[name], errors="coerce"), dtype="Int64")
    for name in ("reported", "value", "weight", "weighted", "target"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    texts = [c for c in columns if c.startswith(("name", "issue", "unit", "level_", "group"))]
    for name in [*texts, "kind", "status"]:
        # A column of no text at all (no master) is float NaN: text, not a number.
        frame[name] = frame[name].astype(object).where(frame[name].notna(), "")
    frame["received"] = frame["received"].fillna(False).astype(bool)
    return frame


def _overview(status: pd.DataFrame, kpis: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    scored = kpis[kpis["received"]]
    counts = pd.DataFrame(index=pd.Index(status["division_code"], name="division_code"))
    for level in LEVELS:
        counts[f"level_{level}"] = (
            scored[scored["level"].eq(level).fillna(False)].groupby("division_code").size()
        )
    counts["no_level"] = scored[scored["level"].isna()].groupby("division_code").size()
    counts["kpis"] = scored.groupby("division_code").size()
    counts = counts.fillna(0).astype("int64").reset_index()
    out = status.drop(columns=["kpis"], errors="ignore").merge(counts, on="division_code")
    if "director" not in out:
        who = expected.drop_duplicates("division_code").set_index("division_code")
        out["director"] = out["division_code"].map(who.get("director", pd.Series(dtype=str)))
    out["director"] = out["director"].fillna("")
    out["state_th"] = out["state"].map(STATE_TH).fillna(out["state"])
    out["received_at"] = [local_time(v) for v in out["received_at"]]
    out["score_100"] = pd.to_numeric(out["score_100"], errors="coerce").astype("float64")
    out["total"] = pd.to_numeric(out["total"], errors="coerce").astype("float64")
    out["rank"] = out["score_100"].rank(method="min", ascending=False)
    out["_state"] = out["state"].map({"signed_off": 0, "scored": 0, "errors": 1}).fillna(2)
    out = out.sort_values(["rank", "_state", "division_code"], na_position="last")
    return out.drop(columns="_state").reset_index(drop=True)


def _matrix(kpis: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    scored = kpis[kpis["received"]]
    matrix = scored.pivot_table(
        index="kpi_id", columns="division_code", values="level", aggfunc="first", dropna=False
    )
    ids = sorted(set(kpis["kpi_id"]), key=id_key)
    matrix = matrix.reindex(index=ids, columns=list(order)).astype("float64")
    matrix.columns.name, matrix.index.name = None, "kpi_id"
    return matrix


def _disbursement(kpis: pd.DataFrame) -> pd.DataFrame:
    rows = kpis[kpis["quarter"].notna() & kpis["group_id"].ne("")].copy()
    rows["kind"] = [
        disbursement_kind(f"{g} {n}") for g, n in zip(rows["group_name"], rows["name"], strict=True)
    ]
    rows = rows[rows["kind"].ne("")]
    rows["kind_th"] = rows["kind"].map(DISBURSEMENT_TH)
    columns = ["division_code", "group_id", "group_name", "kind", "kind_th", "quarter",
               "kpi_id", "value", "target", "level", "received"]  # fmt: skip
    return rows.reindex(columns=columns).reset_index(drop=True)


def _targets(targets: pd.DataFrame, kpis: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    plan = ["q1", "q2", "q3", "q4", "total"]
    columns = ["division_code", "kpi_id", "name", "unit", "aggregate", *plan,
               "result_q1", "result_q2", "result_q3", "result_q4", "result"]  # fmt: skip
    if targets.empty:
        return pd.DataFrame(columns=columns)
    out = targets[targets["division_code"].isin(codes)].reindex(columns=columns[:10]).copy()
    for name in plan:
        out[name] = pd.to_numeric(out[name], errors="coerce").astype("float64")
    scored = kpis[kpis["received"]]
    quarters = scored[scored["group_id"].ne("")].pivot_table(
        index=["division_code", "group_id"], columns="quarter", values="value", aggfunc="first"
    )
    single = scored.set_index(["division_code", "kpi_id"])["value"]
    for q in range(1, 5):
        key = zip(out["division_code"], out["kpi_id"], strict=True)
        out[f"result_q{q}"] = [
            quarters[q].get(k, float("nan")) if q in quarters else float("nan") for k in key
        ]
    by_quarter = out[[f"result_q{q}" for q in range(1, 5)]]
    cumulative = by_quarter.ffill(axis=1).iloc[:, -1]
    summed = by_quarter.sum(axis=1, min_count=1)
    out["result"] = [
        single.get(k, float("nan")) for k in zip(out["division_code"], out["kpi_id"], strict=True)
    ]
    out["result"] = out["result"].fillna(cumulative.where(out["aggregate"].ne("sum"), summed))
    known = out[plan].notna().any(axis=1)  # form A rows the division planned
    order = {c: i for i, c in enumerate(codes)}
    out = out[known].assign(_d=out["division_code"].map(order), _k=out["kpi_id"].map(id_key))
    return out.sort_values(["_d", "_k"]).drop(columns=["_d", "_k"]).reset_index(drop=True)


def _bare(names: pd.Series) -> pd.Series:
    """Names compared across years: Arabic digits, no spaces, and no B.E. years (a KPI
    "ประจำปี ๒๕๖๕" is the same KPI as "ประจำปี ๒๕๖๔")."""
    return names.fillna("").map(lambda n: _YEAR.sub("", re.sub(r"\s+", "", clean_text(n))))


def _compare(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """This year's KPI rows beside last year's: by division and id, then by name."""
    keep = ["division_code", "kpi_id", "name", "value", "level"]
    a, b = now[now["received"]][keep], before[before["received"]][keep]
    pairs = a.merge(b, on=["division_code", "kpi_id"], how="outer", suffixes=("", "_prev"))
    pairs["kpi_id_prev"] = pairs["kpi_id"].where(pairs["name_prev"].notna())
    spaced = pairs["name"].fillna("").map(lambda n: re.sub(r"\s+", "", clean_text(n)))
    spaced_prev = pairs["name_prev"].fillna("").map(lambda n: re.sub(r"\s+", "", clean_text(n)))
    bare, bare_prev = _bare(pairs["name"]), _bare(pairs["name_prev"])
    pairs["match"] = "name_differs"
    pairs.loc[bare.eq(bare_prev), "match"] = "year_only"
    pairs.loc[spaced.eq(spaced_prev), "match"] = "same"
    pairs.loc[pairs["name_prev"].isna(), "match"] = "new"
    pairs.loc[pairs["name"].isna(), "match"] = "dropped"
    # A KPI renumbered between the years: the same name (years aside) under another id.
    gone = pairs["match"].eq("dropped")
    for i in pairs.index[pairs["match"].eq("new")]:
        same_division = pairs["division_code"].eq(pairs.at[i, "division_code"])
        hit = pairs.index[gone & same_division & bare_prev.eq(bare[i])]
        if len(hit):
            j = hit[0]
            for col in ("name_prev", "value_prev", "level_prev"):
                pairs.at[i, col] = pairs.at[j, col]
            pairs.at[i, "kpi_id_prev"] = pairs.at[j, "kpi_id"]
            pairs.at[i, "match"] = "by_name"
            gone[j] = False
            pairs.at[j, "match"] = "_used"
    pairs = pairs[pairs["match"].ne("_used")].copy()
    pairs["match_th"] = pairs["match"].map(MATCH_TH)
    level, level_prev = (pd.to_numeric(pairs[c], errors="coerce") for c in ("level", "level_prev"))
    pairs["change"] = level - level_prev
    pairs[["name", "name_prev"]] = pairs[["name", "name_prev"]].fillna("")
    pairs["_k"] = pairs["kpi_id"].map(id_key)
    return pairs.sort_values(["division_code", "_k"]).drop(columns="_k").reset_index(drop=True)


def _year(
    ledger: Ledger, masters: Sequence[Master], year: int, label: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Definitions]]:
    """(status, form rows, form A rows, definitions) of one fiscal year's round."""
    status = status_frame(ledger, label)
    status = status[status["fiscal_year_be"] == year].reset_index(drop=True)
    results, _totals, targets = round_results(ledger, label)
    results = results[results["fiscal_year_be"] == year]
    if not targets.empty:
        targets = targets[targets["fiscal_year_be"] == year]
    defs = _definitions(masters, year)
    codes = list(status["division_code"])
    counted = set(status["division_code"][status["state"].ne("not_received")])
    return status, _form_rows(results, codes, defs, counted), targets, defs


def _sources(ledger: Ledger, label: str, year: int, names: Mapping[str, str]) -> pd.DataFrame:
    receipts = ledger.submissions(label)
    year_of = pd.to_numeric(receipts["fiscal_year_be"], errors="coerce")
    mine = receipts[year_of.eq(year) | year_of.isna() | receipts["division_code"].eq("")].copy()
    mine["division_name"] = mine["division_code"].map(names).fillna("")
    mine["state_th"] = mine["state"].map(SUBMISSION_TH).fillna(mine["state"])
    mine["received_at"] = [local_time(v) for v in mine["received_at"]]
    # A clerk never needs the whole SHA-256: 12 characters tell the contents apart.
    mine["content"] = mine["content_hash"].str.slice(0, 12)
    columns = ["division_code", "division_name", "state", "state_th", "received_at",
               "file_name", "sender", "subject", "message_id", "score_100", "content",
               "content_hash"]  # fmt: skip
    return mine.reindex(columns=columns).reset_index(drop=True)


def build_summary(
    ledger: Ledger,
    masters: Sequence[Master],
    *,
    fiscal_year_be: int | None = None,
    round_label: str | None = None,
) -> Summary:
    """The summary of one round of one fiscal year (by default the latest year and its
    latest round), compared with the previous fiscal year when the ledger holds one.

    Args:
        ledger: the round's ledger.
        masters: the centre's masters (of any years): the criteria, the quarter rows and
            their targets, and the names that match KPIs across years. Without the
            master of a year, the ledger's own names and rows are used (no targets).
        fiscal_year_be: the fiscal year (B.E.).
        round_label: the round.

    Raises:
        SummaryError: the ledger has no such round.
    """
    year, label = choose_round(ledger, fiscal_year_be, round_label)
    status, kpis, targets, defs = _year(ledger, masters, year, label)
    overview = _overview(status, kpis, ledger.divisions(label))
    codes = list(overview["division_code"])
    findings = round_findings(ledger, label, findings_frame([]))
    counted = set(overview["content_hash"][overview["content_hash"].ne("")])
    findings = findings[
        findings["content_hash"].isin(counted) & findings["severity"].isin(["error", "warning"])
    ].reset_index(drop=True)
    years = sorted(int(y) for y in ledger.rounds()["fiscal_year_be"].unique())
    scores = overview.set_index("division_code")[["division_name"]].copy()
    compared = pd.DataFrame()
    prior = [y for y in years if y < year]
    for other in years:
        other_status, other_kpis = status, kpis
        if other != year:
            _y, other_label = choose_round(ledger, other)
            other_status, other_kpis, _t, _d = _year(ledger, masters, other, other_label)
            if prior and other == prior[-1]:
                compared = _compare(kpis, other_kpis)
        scores[str(other)] = other_status.set_index("division_code")["score_100"]
    notes = [
        f"ข้อมูลจากทะเบียนการรับแบบ (ledger) {ledger.path.name} รอบ {label} ปีงบประมาณ {year}",
        "คะแนนและระดับเป็นของแบบที่นับคะแนนของแต่ละกอง (ฉบับล่าสุด เว้นแต่ลงนามนำส่งแล้ว)",
    ]
    used = [m for m in masters if m.fiscal_year_be in (year, *prior)]
    for master in used:
        notes.append(
            f"เกณฑ์ ชื่อ และแถวรายไตรมาสของตัวชี้วัดจากแม่แบบ (master) ปีงบประมาณ"
            f" {master.fiscal_year_be}: {master.source or master.organisation.get('org_name', '')}"
        )
    if not defs:
        notes.append(f"ไม่มีแม่แบบ (master) ปีงบประมาณ {year}: ไม่มีเกณฑ์และเป้าหมายรายไตรมาส")
    notes.append("เป้าหมายรายไตรมาสของการเบิกจ่ายงบประมาณ = ค่าเริ่มต้นของเกณฑ์ระดับ 5 ของไตรมาสนั้น")
    if prior:
        notes.append(
            f"เทียบกับปีงบประมาณ {prior[-1]}: ตัวชี้วัดเดียวกันจับคู่ด้วยรหัสและชื่อ คู่ที่ไม่แน่ใจมีคำว่า “โปรดตรวจ”"
        )
    org = next(
        (m.organisation.get("org_name", "") for m in masters if m.fiscal_year_be == year), ""
    )
    if not org:
        expected = ledger.divisions(label)
        org = str(expected["org_name"].iloc[0]) if not expected.empty else ""
    names = dict(zip(overview["division_code"], overview["division_name"], strict=True))
    return Summary(
        org_name=org,
        fiscal_year_be=year,
        round_label=label,
        made_at=dt.datetime.now(BANGKOK).replace(tzinfo=None, microsecond=0),
        overview=overview,
        kpis=kpis,
        findings=findings,
        matrix=_matrix(kpis, codes),
        disbursement=_disbursement(kpis),
        targets=_targets(targets, kpis, codes),
        year_over_year=compared,
        scores_by_year=scores.reset_index(),
        sources=_sources(ledger, label, year, names),
        notes=tuple(notes),
    )
