"""What a round writes, from the ledger: the status of every division, the results, the
findings, the consolidated target sheets and the reply drafts.

Everything here reads the ledger (the single source of truth) and writes files; nothing
decides anything the ledger has not decided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl.csvout import write_csv
from kpixl.findings import FINDING_COLUMNS, concat_findings, finding, findings_frame
from kpixl.ledger import Ledger
from kpixl.master import Master

STATUS_COLUMNS = [
    "division_code", "division_name", "email", "state", "received_at", "sender", "file_name",
    "submissions", "total", "score_100", "complete", "errors", "warnings", "content_hash",
    "annotated",
]  # fmt: skip
"""Columns of the status frame: one row per division of the round's masters."""


def master_divisions(masters: Sequence[Master]) -> pd.DataFrame:
    """The divisions the masters define, as :meth:`kpixl.ledger.Ledger.record_divisions`
    takes them."""
    frames = []
    for master in masters:
        divisions = master.divisions
        named = divisions[divisions["division_code"].ne("")]
        frames.append(
            named.assign(
                fiscal_year_be=master.fiscal_year_be,
                org_name=master.organisation.get("org_name", ""),
                executive=master.organisation.get("executive", ""),
            )
        )
    if not frames:
        return pd.DataFrame(columns=["division_code", "division_name", "email", "fiscal_year_be"])
    return pd.concat(frames, ignore_index=True).drop_duplicates(["division_code", "fiscal_year_be"])


def status_frame(ledger: Ledger, label: str) -> pd.DataFrame:
    """The status of every division a round expects (as the ledger recorded them from its
    masters): not received / has errors / scored / signed off, with what counts and where it
    came from.

    Columns: :data:`STATUS_COLUMNS` and ``fiscal_year_be, director, director_title``.
    """
    divisions = ledger.divisions(label)
    counted = ledger.counted(label)
    receipts = ledger.submissions(label)
    first = receipts.drop_duplicates("content_hash")
    rows = []
    for rec in divisions.to_dict("records"):
        code, year = rec["division_code"], int(rec["fiscal_year_be"] or 0)
        mine = counted[counted["division_code"].eq(code) & counted["fiscal_year_be"].eq(year)]
        received = receipts[
            receipts["division_code"].eq(code) & receipts["fiscal_year_be"].eq(year)
        ]
        row: dict[str, Any] = {
            "fiscal_year_be": year,
            "division_code": code,
            "division_name": rec.get("division_name", ""),
            "email": rec.get("email", ""),
            "director": rec.get("director", ""),
            "director_title": rec.get("director_title", ""),
            "submissions": len(received),
        }
        if mine.empty:
            row.update(state="not_received", received_at=pd.NaT, sender="", file_name="")
            row.update(total=float("nan"), score_100=float("nan"), complete=False)
            row.update(errors=0, warnings=0, content_hash="", annotated="")
        else:
            got = mine.iloc[0]
            arrival = first[first["content_hash"] == got["content_hash"]].iloc[0]
            errors = int(got["division_errors"] or 0)
            state = "errors" if errors else "signed_off" if got["signed_off"] else "scored"
            row.update(
                state=state,
                received_at=pd.Timestamp(got["received_at"]),
                sender=arrival["sender"],
                file_name=arrival["file_name"],
                total=got["total"],
                score_100=got["score_100"],
                complete=bool(got["complete"]),
                errors=errors,
                warnings=int(got["warnings"] or 0),
                content_hash=got["content_hash"],
                annotated=got["annotated"],
            )
        rows.append(row)
    return pd.DataFrame(
        rows, columns=[*STATUS_COLUMNS, "fiscal_year_be", "director", "director_title"]
    )


def submission_findings(ledger: Ledger, label: str) -> pd.DataFrame:
    """A finding for each receipt that does not count: a duplicate, a superseded file, a
    file after the division signed off, a file of no division of the round."""
    receipts = ledger.submissions(label)
    names = receipts.drop_duplicates("content_hash").set_index("content_hash")["file_name"]
    records = []
    for rec in receipts.to_dict("records"):
        source = rec["file_name"]
        reason = str(rec["reason"])
        other = reason.split(" ", 1)[-1].strip()
        if rec["state"] == "duplicate":
            records.append(finding("submission-duplicate", source=source, value=rec["received_at"]))
        elif rec["state"] == "superseded":
            records.append(
                finding("submission-superseded", source=source, newer=names.get(other, other))
            )
        elif rec["state"] == "rejected":
            records.append(
                finding("submission-after-signoff", source=source, signed=names.get(other, other))
            )
        elif rec["state"] == "empty":
            records.append(finding("submission-empty", source=source))
        elif rec["state"] == "unknown_division":
            records.append(finding("submission-unknown-division", source=source))
    return findings_frame(records)


def round_findings(ledger: Ledger, label: str, problems: pd.DataFrame) -> pd.DataFrame:
    """Every finding the office needs for the round: the counted workbooks', the unreadable
    files', what became of the other submissions, and the inputs that were no workbook.

    Columns: :data:`kpixl.findings.FINDING_COLUMNS`, ``division_code``, ``content_hash``.
    """
    receipts = ledger.submissions(label)
    wanted = receipts[receipts["state"].isin(["counted", "unreadable", "unknown_division"])]
    wanted = wanted.drop_duplicates("content_hash")
    _kpis, findings, _targets = ledger.results(list(wanted["content_hash"]))
    if not findings.empty:
        findings = findings.merge(
            wanted[["content_hash", "file_name", "division_code"]], on="content_hash", how="left"
        )
        findings["source"] = findings["file_name"]
    extra = concat_findings([submission_findings(ledger, label), problems])
    extra = extra.assign(division_code="", content_hash="")
    columns = [*FINDING_COLUMNS, "division_code", "content_hash"]
    frames = [f.reindex(columns=columns) for f in (findings, extra) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    for name in columns:
        if name not in ("row", "column"):
            out[name] = out[name].fillna("").astype(str)
    return out


def round_results(ledger: Ledger, label: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(KPI results, totals, consolidated target sheets) of the counted workbooks."""
    counted = ledger.counted(label)
    kpis, _findings, targets = ledger.results(list(counted["content_hash"]))
    who = counted[["content_hash", "division_code", "division_name", "fiscal_year_be"]]
    kpis = kpis.merge(who, on="content_hash", how="left")
    kpis["level"] = pd.array(kpis["level"], dtype="Int64") if not kpis.empty else kpis["level"]
    totals = counted[
        ["division_code", "division_name", "fiscal_year_be", "kpis", "unscored", "weight_total",
         "total", "score_100", "complete"]
    ].copy()  # fmt: skip
    totals["complete"] = totals["complete"].astype(bool)
    if not targets.empty:
        targets = targets.merge(who, on="content_hash", how="left", suffixes=("_sheet", ""))
    return kpis, totals, targets


def write_round_outputs(
    ledger: Ledger,
    masters: Sequence[Master],
    label: str,
    out_dir: Path,
    problems: pd.DataFrame,
    *,
    reply_template: Path | None = None,
) -> tuple[pd.DataFrame, list[Path]]:
    """Write the round's files into ``out_dir``; returns the status frame and the paths."""
    from kpixl.outputs.replies import render_reply, write_reply
    from kpixl.outputs.results import write_results_csv, write_results_workbook

    status = status_frame(ledger, label)
    kpis, totals, targets = round_results(ledger, label)
    findings = round_findings(ledger, label, problems)
    submissions = ledger.submissions(label)
    written = []
    write_results_csv(out_dir / "results.csv", kpis, totals)
    write_csv(findings, out_dir / "findings.csv")
    write_csv(targets, out_dir / "targets.csv")
    write_csv(status, out_dir / "status.csv")
    written += [out_dir / n for n in ("results.csv", "findings.csv", "targets.csv", "status.csv")]
    organisation = masters[0].organisation if masters else {}
    fiscal_year = masters[0].fiscal_year_be if masters else 0
    truncated = write_results_workbook(
        out_dir / "results.xlsx",
        status=status,
        kpis=kpis,
        totals=totals,
        findings=findings,
        targets=targets,
        submissions=submissions,
        organisation=str(organisation.get("org_name", "")),
        fiscal_year_be=fiscal_year,
        round_label=label,
        checked_at=dt.datetime.now(dt.UTC),
    )
    if not truncated.empty:
        write_csv(
            concat_findings([findings_frame(findings.to_dict("records")), truncated]),
            out_dir / "findings.csv",
        )
    written.append(out_dir / "results.xlsx")
    replies = out_dir / "replies"
    for rec in status.to_dict("records"):
        mine = (
            findings[findings["content_hash"] == rec["content_hash"]]
            if rec["content_hash"]
            else findings.iloc[0:0]
        )
        body = render_reply(
            division=rec,
            state=rec["state"],
            total=None if pd.isna(rec["total"]) else float(rec["total"]),
            score_100=None if pd.isna(rec["score_100"]) else float(rec["score_100"]),
            findings=mine,
            organisation=organisation,
            # the annual round needs no label beside its fiscal year
            round_label="" if label == str(fiscal_year) else label,
            fiscal_year_be=fiscal_year,
            template=reply_template,
        )
        shown_round = "" if label == str(fiscal_year) else f" รอบ {label}"
        subject = (
            f"ผลการตรวจแบบประเมินผลสัมฤทธิ์ของงาน ปีงบประมาณ {fiscal_year}{shown_round}"
            f" — {rec['division_name']}"
        )
        attachment = Path(rec["annotated"]) if rec["annotated"] else None
        written.append(
            write_reply(
                replies / f"{rec['division_code']}.eml",
                to=str(rec["email"] or ""),
                sender=_sender(organisation),
                subject=subject,
                body=body,
                attachment=attachment,
            )
        )
    return status, written


def _sender(organisation: Mapping[str, str]) -> str:
    """``From:`` of the drafts: the office and its address, when the master gives them."""
    address = str(organisation.get("office_email", "") or "")
    office = str(organisation.get("office", "") or "")
    if not address:
        return ""
    from email.headerregistry import Address

    return str(Address(display_name=office, addr_spec=address)) if office else address
