"""The round's ledger: an SQLite database that never loses or double-counts a submission.

Every workbook that arrives is a *receipt* (where it came from: a file, or an e-mail's
sender, subject, date and Message-ID); its bytes are a *content*, known by their SHA-256
and kept in a content-addressed store beside the ledger, so nothing received is ever lost
even when the e-mail is deleted. A content is checked and scored once, however often it
arrives (the later receipts are duplicates). For each round, division and fiscal year the
ledger *settles* which content counts, by one deterministic rule:

* contents are taken in the order they were received (the e-mail's Date, else the file's
  time; equal times are ordered by content hash, and the tie is said in the history);
* each content supersedes the one counted before it — unless that one was signed off
  (นำส่งแล้ว on form A): once a division signed off a round, a later content for it is
  rejected and the signed-off one stays counted, exactly as it was;
* an unreadable file, a file of no known division, an untouched template (nothing typed in
  any input cell) and kpixl's own annotated copy (its bytes are those kpixl wrote) are never
  counted.

Nothing in the ledger is deleted. A state that changes (counted → superseded) is updated
and the change is appended to the history (``events``). Writes are transactional (WAL
journal): a crash or ``kill -9`` mid-run leaves it consistent, and a rerun of the same
command picks up where it stopped (contents already scored are not scored again; receipts
already recorded are not recorded again).

The schema carries a version (:data:`SCHEMA_VERSION`); :data:`MIGRATIONS` takes an older
ledger to the current one, in a transaction, when it is opened.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpixl._version import __version__
from kpixl.errors import KpixlError

SCHEMA_VERSION = 1

_SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
    round TEXT NOT NULL, command TEXT NOT NULL, kpixl_version TEXT NOT NULL);
CREATE TABLE contents (
    content_hash TEXT PRIMARY KEY, size INTEGER NOT NULL, stored TEXT NOT NULL,
    suffix TEXT NOT NULL, first_run INTEGER NOT NULL,
    evaluated_at TEXT, readable INTEGER, kpixl_output INTEGER NOT NULL DEFAULT 0,
    division_code TEXT, division_name TEXT, fiscal_year_be INTEGER, template_version TEXT,
    checked_copy INTEGER, signed_off INTEGER, kpis INTEGER, unscored INTEGER,
    weight_total REAL, total REAL, score_100 REAL, complete INTEGER,
    errors INTEGER, warnings INTEGER, infos INTEGER, division_errors INTEGER,
    filled_inputs INTEGER);
CREATE TABLE receipts (
    receipt_id INTEGER PRIMARY KEY, content_hash TEXT NOT NULL REFERENCES contents,
    round TEXT NOT NULL, run_id INTEGER NOT NULL, origin_kind TEXT NOT NULL,
    path TEXT NOT NULL, member TEXT NOT NULL, file_name TEXT NOT NULL,
    sender TEXT NOT NULL, subject TEXT NOT NULL, sent_at TEXT, message_id TEXT NOT NULL,
    received_at TEXT NOT NULL, recorded_at TEXT NOT NULL,
    UNIQUE (content_hash, round, origin_kind, path, member, message_id));
CREATE TABLE submissions (
    round TEXT NOT NULL, content_hash TEXT NOT NULL REFERENCES contents,
    division_code TEXT NOT NULL, fiscal_year_be INTEGER NOT NULL,
    received_at TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL,
    annotated TEXT NOT NULL DEFAULT '', decided_run INTEGER NOT NULL,
    PRIMARY KEY (round, content_hash));
CREATE TABLE kpi_results (
    content_hash TEXT NOT NULL REFERENCES contents, kpi_id TEXT NOT NULL, name TEXT,
    kind TEXT, quarter INTEGER, reported REAL, computed REAL, value REAL, level INTEGER,
    weight REAL, weighted REAL, status TEXT, PRIMARY KEY (content_hash, kpi_id));
CREATE TABLE findings (
    content_hash TEXT NOT NULL REFERENCES contents, seq INTEGER NOT NULL,
    sheet TEXT, cell TEXT, row INTEGER, "column" INTEGER, kpi_id TEXT, code TEXT NOT NULL,
    severity TEXT NOT NULL, value TEXT, message_th TEXT, message_en TEXT, actor TEXT,
    PRIMARY KEY (content_hash, seq));
CREATE TABLE targets (
    content_hash TEXT NOT NULL REFERENCES contents, kpi_id TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (content_hash, kpi_id));
CREATE TABLE fills (
    content_hash TEXT NOT NULL REFERENCES contents, sheet TEXT NOT NULL, cell TEXT NOT NULL,
    value TEXT NOT NULL, PRIMARY KEY (content_hash, sheet, cell));
CREATE TABLE outputs (
    content_hash TEXT PRIMARY KEY, path TEXT NOT NULL, written_run INTEGER NOT NULL);
CREATE TABLE divisions (
    round TEXT NOT NULL, fiscal_year_be INTEGER NOT NULL, division_code TEXT NOT NULL,
    division_name TEXT NOT NULL, email TEXT NOT NULL, director TEXT NOT NULL,
    director_title TEXT NOT NULL, org_name TEXT NOT NULL, executive TEXT NOT NULL,
    PRIMARY KEY (round, fiscal_year_be, division_code));
CREATE TABLE events (
    event_id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, at TEXT NOT NULL,
    round TEXT NOT NULL, division_code TEXT NOT NULL, content_hash TEXT NOT NULL,
    kind TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX receipts_round ON receipts (round);
CREATE INDEX submissions_division ON submissions (division_code, fiscal_year_be);
"""

MIGRATIONS: dict[int, str] = {1: _SCHEMA_1}
"""Schema version → the SQL that brings the version before it to this one (1 from empty)."""

STATES = (
    "counted", "superseded", "rejected", "empty", "unreadable", "unknown_division", "kpixl_output",
)  # fmt: skip
"""What became of a content in a round."""
_UNCOUNTABLE = {"unreadable", "unknown_division", "kpixl_output"}


class LedgerError(KpixlError):
    """The ledger cannot be opened (made by a newer kpixl, or not a kpixl ledger)."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _plain(value: Any) -> Any:
    """A value SQLite stores: numpy scalars unwrapped, NA/NaN/inf as NULL."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class Receipt:
    """One arrival, as the ledger records it."""

    content_hash: str
    origin_kind: str
    path: str
    member: str
    file_name: str
    sender: str
    subject: str
    sent_at: dt.datetime | None
    message_id: str
    received_at: dt.datetime


class Ledger:
    """The ledger at ``path`` (created when absent); use as a context manager."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.store = self.path.with_name(self.path.name + ".store")
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: a crash inside leaves the ledger as it was before."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- schema ---------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The version of the ledger's schema (0 for an empty database)."""
        exists = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        if not exists:
            tables = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables:
                raise LedgerError(f"{self.path} is not a kpixl ledger")
            return 0
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"{self.path} was written by a newer kpixl (schema {version} > {SCHEMA_VERSION})"
            )
        if version == SCHEMA_VERSION:
            return
        with self.transaction() as db:
            for number in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _statements(MIGRATIONS[number]):
                    db.execute(statement)
            db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )

    # -- receiving ------------------------------------------------------------------------

    def start_run(self, round_label: str, command: str) -> int:
        """Record a run; returns its id."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (started_at, round, command, kpixl_version) VALUES (?,?,?,?)",
                (_now(), round_label, command, __version__),
            )
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int) -> None:
        """Mark a run finished."""
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished_at=? WHERE run_id=?", (_now(), run_id))

    def stored_path(self, content_hash: str, suffix: str) -> Path:
        """Where the store keeps a content."""
        return self.store / content_hash[:2] / f"{content_hash}{suffix}"

    def receive(
        self, receipt: Receipt, data: bytes, suffix: str, round_label: str, run_id: int
    ) -> bool:
        """Keep a received content (once) and record its receipt (once).

        The bytes are written to the store before the database says they are there, so the
        ledger never points at a file that does not exist.

        Returns:
            Whether the receipt is new (False when this very arrival was recorded before).
        """
        target = self.stored_path(receipt.content_hash, suffix)
        if not target.exists():
            from kpixl.atomic import atomic_path

            with atomic_path(target) as temp:
                temp.write_bytes(data)
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO contents (content_hash, size, stored, suffix, first_run)"
                " VALUES (?,?,?,?,?)",
                (receipt.content_hash, len(data), str(target), suffix, run_id),
            )
            cursor = db.execute(
                "INSERT OR IGNORE INTO receipts (content_hash, round, run_id, origin_kind, path,"
                " member, file_name, sender, subject, sent_at, message_id, received_at,"
                " recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    receipt.content_hash,
                    round_label,
                    run_id,
                    receipt.origin_kind,
                    receipt.path,
                    receipt.member,
                    receipt.file_name,
                    receipt.sender,
                    receipt.subject,
                    _iso(receipt.sent_at),
                    receipt.message_id,
                    _iso(receipt.received_at),
                    _now(),
                ),
            )
        return cursor.rowcount > 0

    def pending(self) -> list[tuple[str, str]]:
        """(content hash, stored path) of the contents not scored yet, in hash order."""
        rows = self.db.execute(
            "SELECT content_hash, stored FROM contents WHERE evaluated_at IS NULL"
            " AND kpixl_output=0 ORDER BY content_hash"
        ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def is_own_output(self, content_hash: str) -> bool:
        """Whether these bytes are an annotated copy kpixl wrote (never a return)."""
        row = self.db.execute(
            "SELECT 1 FROM outputs WHERE content_hash=?", (content_hash,)
        ).fetchone()
        return row is not None

    def mark_own_output(self, content_hash: str) -> None:
        """A received content that is kpixl's own annotated copy: never scored."""
        with self.transaction() as db:
            db.execute("UPDATE contents SET kpixl_output=1 WHERE content_hash=?", (content_hash,))

    def record_divisions(self, round_label: str, divisions: pd.DataFrame) -> None:
        """The divisions a round expects (from its masters), so that the status of every
        division — received or not — can be told from the ledger alone.

        Args:
            divisions: ``fiscal_year_be, division_code, division_name, email, director,
                director_title, org_name, executive``.
        """
        columns = ("fiscal_year_be", "division_code", "division_name", "email", "director",
                   "director_title", "org_name", "executive")  # fmt: skip
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO divisions (round, fiscal_year_be, division_code,"
                " division_name, email, director, director_title, org_name, executive)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (round_label, *(_plain(rec.get(c, "")) or "" for c in columns))
                    for rec in divisions.to_dict("records")
                ],
            )

    def divisions(self, round_label: str | None = None) -> pd.DataFrame:
        """The divisions each round expects (see :meth:`record_divisions`), with ``round``."""
        if round_label is None:
            return self.frame("SELECT * FROM divisions ORDER BY round, fiscal_year_be, rowid")
        return self.frame(
            "SELECT * FROM divisions WHERE round=? ORDER BY fiscal_year_be, rowid", (round_label,)
        )

    def rounds(self) -> pd.DataFrame:
        """Every round the ledger knows: ``round, fiscal_year_be, divisions, counted``."""
        return self.frame(
            "SELECT d.round, d.fiscal_year_be, count(*) AS divisions,"
            " (SELECT count(*) FROM submissions s WHERE s.round = d.round"
            "  AND s.fiscal_year_be = d.fiscal_year_be AND s.state = 'counted') AS counted"
            " FROM divisions d GROUP BY d.round, d.fiscal_year_be"
            " ORDER BY d.fiscal_year_be, d.round"
        )

    # -- results ---------------------------------------------------------------------------

    def record_results(self, results: Iterable[ContentResult], run_id: int) -> None:
        """Store the outcome of scoring contents, all in one transaction."""
        with self.transaction() as db:
            for result in results:
                self._record(db, result)

    def _record(self, db: sqlite3.Connection, result: ContentResult) -> None:
        info = result.info
        db.execute(
            "UPDATE contents SET evaluated_at=?, readable=?, division_code=?, division_name=?,"
            " fiscal_year_be=?, template_version=?, checked_copy=?, signed_off=?, kpis=?,"
            " unscored=?, weight_total=?, total=?, score_100=?, complete=?, errors=?,"
            " warnings=?, infos=?, division_errors=?, filled_inputs=? WHERE content_hash=?",
            (
                _now(),
                int(result.readable),
                info.get("division_code", ""),
                info.get("division_name", ""),
                _plain(info.get("fiscal_year_be")),
                info.get("template_version", ""),
                int(bool(info.get("checked_copy", False))),
                int(result.signed_off),
                *(_plain(info.get(k)) for k in ("kpis", "unscored", "weight_total")),
                *(_plain(info.get(k)) for k in ("total", "score_100")),
                int(bool(info.get("complete", False))),
                *(
                    int((result.findings["severity"] == s).sum())
                    for s in ("error", "warning", "info")
                ),
                int(
                    (
                        result.findings["severity"].eq("error")
                        & result.findings["actor"].eq("division")
                    ).sum()
                ),
                _plain(info.get("filled_inputs")),
                result.content_hash,
            ),
        )
        for table in ("kpi_results", "findings", "targets", "fills"):
            db.execute(f"DELETE FROM {table} WHERE content_hash=?", (result.content_hash,))
        columns = ("kpi_id", "name", "kind", "quarter", "reported", "computed", "value", "level",
                   "weight", "weighted", "status")  # fmt: skip
        db.executemany(
            f"INSERT INTO kpi_results (content_hash, {', '.join(columns)}) VALUES"
            f" ({', '.join('?' * (len(columns) + 1))})",
            [
                (result.content_hash, *(_plain(rec.get(c)) for c in columns))
                for rec in result.kpis.to_dict("records")
            ],
        )
        finding_columns = ("sheet", "cell", "row", "column", "kpi_id", "code", "severity",
                           "value", "message_th", "message_en", "actor")  # fmt: skip
        db.executemany(
            'INSERT INTO findings (content_hash, seq, sheet, cell, row, "column", kpi_id,'
            " code, severity, value, message_th, message_en, actor)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (result.content_hash, seq, *(_plain(rec.get(c)) for c in finding_columns))
                for seq, rec in enumerate(result.findings.to_dict("records"))
            ],
        )
        db.executemany(
            "INSERT INTO fills (content_hash, sheet, cell, value) VALUES (?,?,?,?)",
            [
                (
                    result.content_hash,
                    str(rec["sheet"]),
                    str(rec["cell"]),
                    json.dumps(_plain(rec["value"])),
                )
                for rec in result.fills.to_dict("records")
            ],
        )
        db.executemany(
            "INSERT INTO targets (content_hash, kpi_id, data) VALUES (?,?,?)",
            [
                (
                    result.content_hash,
                    str(rec["kpi_id"]),
                    json.dumps({k: _plain(v) for k, v in rec.items()}, ensure_ascii=False),
                )
                for rec in result.targets.to_dict("records")
            ],
        )

    # -- settling a round ----------------------------------------------------------------

    def settle(self, round_label: str, run_id: int) -> None:
        """Decide, for every division of the round, which content counts (see the module
        docstring), and append every change of state to the history."""
        rows = self.db.execute(
            "SELECT c.content_hash, c.readable, c.kpixl_output, c.division_code,"
            " c.fiscal_year_be, c.signed_off, c.filled_inputs, MIN(r.received_at) AS received_at"
            " FROM contents c JOIN receipts r ON r.content_hash = c.content_hash"
            " WHERE r.round = ? AND (c.evaluated_at IS NOT NULL OR c.kpixl_output = 1)"
            " GROUP BY c.content_hash",
            (round_label,),
        ).fetchall()
        decided: dict[str, tuple[str, str, str, int, str]] = {}
        groups: dict[tuple[str, int], list[sqlite3.Row]] = {}
        for row in rows:
            if row["kpixl_output"]:
                decided[row["content_hash"]] = ("kpixl_output", "", "", 0, row["received_at"])
            elif not row["readable"]:
                decided[row["content_hash"]] = ("unreadable", "", "", 0, row["received_at"])
            elif not row["division_code"]:
                decided[row["content_hash"]] = ("unknown_division", "", "", 0, row["received_at"])
            elif row["filled_inputs"] == 0:
                # An untouched template (the office's own mail, sent items exported with the
                # returns) is no return: it must never supersede one.
                decided[row["content_hash"]] = (
                    "empty",
                    "",
                    row["division_code"],
                    int(row["fiscal_year_be"] or 0),
                    row["received_at"],
                )
            else:
                key = (row["division_code"], int(row["fiscal_year_be"] or 0))
                groups.setdefault(key, []).append(row)
        events: list[tuple[str, str, str, str]] = []
        for (division, year), members in groups.items():
            members.sort(key=lambda r: (r["received_at"], r["content_hash"]))
            counted: sqlite3.Row | None = None
            for before, after in itertools.pairwise(members):
                if before["received_at"] == after["received_at"]:
                    events.append(
                        (
                            division,
                            after["content_hash"],
                            "tie",
                            f"same time as {before['content_hash'][:12]}: ordered by content hash",
                        )
                    )
            for row in members:
                if counted is not None and counted["signed_off"]:
                    decided[row["content_hash"]] = (
                        "rejected",
                        f"signed off: {counted['content_hash']}",
                        division,
                        year,
                        row["received_at"],
                    )
                    continue
                if counted is not None:
                    decided[counted["content_hash"]] = (
                        "superseded",
                        f"by {row['content_hash']}",
                        division,
                        year,
                        counted["received_at"],
                    )
                counted = row
                decided[row["content_hash"]] = ("counted", "", division, year, row["received_at"])
        self._write_decisions(round_label, run_id, decided, events)

    def _write_decisions(
        self,
        round_label: str,
        run_id: int,
        decided: Mapping[str, tuple[str, str, str, int, str]],
        events: Sequence[tuple[str, str, str, str]],
    ) -> None:
        now = _now()
        with self.transaction() as db:
            before = {
                r["content_hash"]: r["state"]
                for r in db.execute(
                    "SELECT content_hash, state FROM submissions WHERE round=?", (round_label,)
                )
            }
            for content_hash, (state, reason, division, year, received) in sorted(decided.items()):
                db.execute(
                    "INSERT INTO submissions (round, content_hash, division_code, fiscal_year_be,"
                    " received_at, state, reason, decided_run) VALUES (?,?,?,?,?,?,?,?)"
                    " ON CONFLICT (round, content_hash) DO UPDATE SET state=excluded.state,"
                    " reason=excluded.reason, decided_run=CASE WHEN submissions.state ="
                    " excluded.state THEN submissions.decided_run ELSE excluded.decided_run END",
                    (round_label, content_hash, division, year, received, state, reason, run_id),
                )
                if before.get(content_hash) != state:
                    detail = f"{before.get(content_hash, 'new')} → {state}"
                    if reason:
                        detail += f" ({reason})"
                    db.execute(
                        "INSERT INTO events (run_id, at, round, division_code, content_hash, kind,"
                        " detail) VALUES (?,?,?,?,?,?,?)",
                        (run_id, now, round_label, division, content_hash, state, detail),
                    )
            for division, content_hash, kind, detail in events:
                seen = db.execute(
                    "SELECT 1 FROM events WHERE round=? AND content_hash=? AND kind=?",
                    (round_label, content_hash, kind),
                ).fetchone()
                if not seen:
                    db.execute(
                        "INSERT INTO events (run_id, at, round, division_code, content_hash, kind,"
                        " detail) VALUES (?,?,?,?,?,?,?)",
                        (run_id, now, round_label, division, content_hash, kind, detail),
                    )

    def record_output(
        self, round_label: str, content_hash: str, path: Path, digest: str, run_id: int
    ) -> None:
        """Remember an annotated copy kpixl wrote (by its own bytes' hash)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE submissions SET annotated=? WHERE round=? AND content_hash=?",
                (str(path), round_label, content_hash),
            )
            db.execute(
                "INSERT OR REPLACE INTO outputs (content_hash, path, written_run) VALUES (?,?,?)",
                (digest, str(path), run_id),
            )

    # -- reading -------------------------------------------------------------------------

    def frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """A query's rows as a DataFrame."""
        cursor = self.db.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return pd.DataFrame([tuple(r) for r in cursor.fetchall()], columns=columns)

    def submissions(self, round_label: str | None = None) -> pd.DataFrame:
        """Every receipt with what became of its content, oldest first.

        Columns: ``round, content_hash, division_code, fiscal_year_be, state`` (a
        duplicate receipt — the same bytes received again — has state ``duplicate``),
        ``reason, received_at, sender, subject, message_id, file_name, path, member,
        origin_kind, total, score_100, complete, errors, warnings, division_errors,
        signed_off, annotated``.
        """
        where, params = (
            ("WHERE r.round = ?", (round_label,)) if round_label is not None else ("", ())
        )
        frame = self.frame(
            "SELECT r.round, r.content_hash, COALESCE(s.division_code, c.division_code, '')"
            " AS division_code, COALESCE(s.fiscal_year_be, c.fiscal_year_be) AS fiscal_year_be,"
            " COALESCE(s.state, 'pending') AS state, COALESCE(s.reason, '') AS reason,"
            " r.received_at, r.sender, r.subject, r.message_id, r.file_name, r.path,"
            " r.member, r.origin_kind, c.total, c.score_100, c.complete, c.errors,"
            " c.warnings, c.division_errors, c.signed_off,"
            " COALESCE(s.annotated, '') AS annotated, r.receipt_id"
            " FROM receipts r JOIN contents c ON c.content_hash = r.content_hash"
            " LEFT JOIN submissions s ON s.round = r.round AND s.content_hash = r.content_hash"
            f" {where} ORDER BY r.received_at, r.receipt_id",
            params,
        )
        first = ~frame.duplicated(["round", "content_hash"], keep="first")
        frame.loc[~first, "state"] = "duplicate"
        return frame.drop(columns="receipt_id")

    def counted(self, round_label: str) -> pd.DataFrame:
        """The contents that count in a round, one per division and fiscal year."""
        return self.frame(
            "SELECT s.*, c.division_name, c.stored, c.total, c.score_100, c.complete,"
            " c.signed_off, c.errors, c.warnings, c.division_errors, c.kpis, c.unscored,"
            " c.weight_total FROM submissions s JOIN contents c USING (content_hash)"
            " WHERE s.round = ? AND s.state = 'counted' ORDER BY s.division_code",
            (round_label,),
        )

    def results(
        self, content_hashes: Sequence[str]
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """(KPI results, findings, targets) of some contents."""
        marks = ",".join("?" * len(content_hashes)) or "''"
        kpis = self.frame(
            f"SELECT * FROM kpi_results WHERE content_hash IN ({marks})"
            " ORDER BY content_hash, rowid",
            content_hashes,
        )
        findings = self.frame(
            f"SELECT * FROM findings WHERE content_hash IN ({marks}) ORDER BY content_hash, seq",
            content_hashes,
        )
        rows = self.frame(
            f"SELECT content_hash, data FROM targets WHERE content_hash IN ({marks})"
            " ORDER BY content_hash, rowid",
            content_hashes,
        )
        targets = pd.DataFrame(
            [
                {"content_hash": h, **json.loads(d)}
                for h, d in zip(rows["content_hash"], rows["data"], strict=True)
            ]
        )
        return kpis, findings, targets

    def fills(self, content_hash: str) -> pd.DataFrame:
        """What a content's annotated copy fills in: ``sheet, cell, value``."""
        frame = self.frame(
            "SELECT sheet, cell, value FROM fills WHERE content_hash=? ORDER BY rowid",
            (content_hash,),
        )
        frame["value"] = [json.loads(v) for v in frame["value"]]
        return frame

    def history(self, division_code: str) -> pd.DataFrame:
        """Everything that happened to one division's submissions, oldest first."""
        return self.frame(
            "SELECT e.at, e.round, e.content_hash, e.kind, e.detail, r.file_name, r.sender,"
            " r.received_at FROM events e LEFT JOIN (SELECT content_hash, round,"
            " MIN(file_name) AS file_name, MIN(sender) AS sender, MIN(received_at) AS"
            " received_at FROM receipts GROUP BY content_hash, round) r"
            " ON r.content_hash = e.content_hash AND r.round = e.round"
            " WHERE e.division_code = ? ORDER BY e.event_id",
            (division_code,),
        )


@dataclass
class ContentResult:
    """The outcome of scoring one content, for :meth:`Ledger.record_results`.

    Attributes:
        content_hash: the content.
        readable: the file could be read as a kpixl workbook.
        signed_off: form A says นำส่งแล้ว.
        info: ``division_code, division_name, fiscal_year_be, template_version,
            checked_copy, kpis, unscored, weight_total, total, score_100, complete``.
        kpis: the KPI rows (:data:`kpixl.evaluation.KPI_COLUMNS`).
        findings: every finding (:data:`kpixl.findings.FINDING_COLUMNS`).
        targets: the target sheet as data.
        fills: what its annotated copy fills in (``sheet, cell, value``).
    """

    content_hash: str
    readable: bool
    signed_off: bool
    info: dict[str, Any]
    kpis: pd.DataFrame
    findings: pd.DataFrame
    targets: pd.DataFrame
    fills: pd.DataFrame


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
