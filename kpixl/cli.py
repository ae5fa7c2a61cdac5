"""The ``kpixl`` command line.

Exit codes: 0 no errors, 1 errors found in the inputs, 2 usage error or nothing readable,
3 an internal error of kpixl (a one-line message says where to report it; never a
traceback). Heavy modules are imported by the commands that use them, so ``--help``
starts at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpixl._version import __version__
from kpixl.errors import OutputClash

if TYPE_CHECKING:
    import pandas as pd

    from kpixl.master import Master
    from kpixl.safety import UnusableFile

EXIT_OK, EXIT_ERRORS, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3
REPORT_TO = "https://github.com/kpixl/kpixl/issues"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_UNUSABLE
    try:
        return int(args.run(args))
    except BrokenPipeError:
        # Piped into `head`: the reader left; nothing more to say, and no traceback.
        _silence_stdout()
        return EXIT_OK
    except _UnusableMaster as error:
        from kpixl.findings import finding

        params = dict[str, Any](error.cause.params)
        message = finding(error.cause.code, **params)[f"message_{_lang(args)}"]
        print(f"kpixl: {error.path}: {message} ({error.cause.code})", file=sys.stderr)
        return EXIT_UNUSABLE
    except (OutputClash, OSError) as error:  # e.g. -o names a file, or a folder not writable
        print(f"kpixl: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as error:
        print(
            f"kpixl: internal error ({type(error).__name__}: {error}) — please report it "
            f"with the command and its input files to {REPORT_TO}",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    import os

    # Python would report the broken pipe again when it flushes stdout at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


class _UnusableMaster(Exception):
    """A master workbook given on the command line cannot be read at all."""

    def __init__(self, path: Path, cause: UnusableFile) -> None:
        super().__init__(f"{path}: {cause}")
        self.path = path
        self.cause = cause


def _lang(args: argparse.Namespace) -> str:
    return "en" if getattr(args, "lang", "th") == "en" else "th"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kpixl",
        description="Thai government KPI workbooks: templates, checks, scoring, annotated copies.",
    )
    parser.add_argument("--version", action="version", version=f"kpixl {__version__}")
    commands = parser.add_subparsers(metavar="COMMAND")

    master = commands.add_parser("master", help="the centre's master workbook")
    master_commands = master.add_subparsers(metavar="ACTION", required=True)
    check = master_commands.add_parser("check", help="report every problem in a master")
    check.add_argument("master", type=Path)
    _language(check)
    check.set_defaults(run=_master_check)
    init = master_commands.add_parser("init", help="write an empty master workbook")
    init.add_argument("output", type=Path)
    init.add_argument("--fiscal-year", type=int, default=2569, help="B.E., e.g. 2569")
    init.set_defaults(run=_master_init)

    templates = commands.add_parser("templates", help="write one workbook per division")
    templates.add_argument("master", type=Path)
    templates.add_argument("-o", "--output", type=Path, required=True, help="folder")
    _language(templates)
    templates.set_defaults(run=_templates)

    for name, help_text in (
        ("check", "check returned workbooks"),
        ("score", "check, score and annotate returned workbooks"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("files", type=Path, nargs="+")
        sub.add_argument(
            "--master",
            type=Path,
            action="append",
            help="compare with and score by this master (may be repeated: each "
            "workbook takes the master that defines its division)",
        )
        if name == "score":
            sub.add_argument("-o", "--output", type=Path, required=True, help="folder")
            sub.add_argument("--json", action="store_true", help="print the JSON result")
        _language(sub)
        sub.set_defaults(run=_check if name == "check" else _score)

    round_ = commands.add_parser(
        "round", help="the office's round: e-mails and files in, ledger, status, replies out"
    )
    round_.add_argument(
        "inputs", type=Path, nargs="+", help="workbooks, folders, .eml, mbox, Maildir, .zip"
    )
    round_.add_argument("--master", type=Path, action="append", required=True)
    round_.add_argument("-o", "--output", type=Path, required=True, help="folder")
    round_.add_argument("--ledger", type=Path, help="ledger file (default OUTPUT/ledger.sqlite)")
    round_.add_argument("--round", dest="round_label", default="", help="e.g. 2565-Q2")
    round_.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    round_.add_argument("--reply-template", type=Path, help="the office's own reply template")
    _language(round_)
    round_.set_defaults(run=_round)

    ledger = commands.add_parser("ledger", help="what the ledger holds")
    ledger_commands = ledger.add_subparsers(metavar="ACTION", required=True)
    listing = ledger_commands.add_parser("list", help="every submission received")
    listing.add_argument("ledger", type=Path)
    listing.add_argument("--round", dest="round_label", default=None)
    listing.set_defaults(run=_ledger_list)
    history = ledger_commands.add_parser("history", help="one division's submissions")
    history.add_argument("ledger", type=Path)
    history.add_argument("division")
    history.set_defaults(run=_ledger_history)
    export = ledger_commands.add_parser("export", help="the ledger as CSV files or a workbook")
    export.add_argument("ledger", type=Path)
    export.add_argument("-o", "--output", type=Path, required=True, help="a .xlsx file or a folder")
    export.set_defaults(run=_ledger_export)

    for name, help_text, suffix in (
        ("summary", "the year-end summary workbook for the executive", "summary.xlsx"),
        ("report", "the same summary as one self-contained web page", "report.html"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("ledger", type=Path)
        sub.add_argument("--year", type=int, default=None, help="fiscal year B.E. (default latest)")
        sub.add_argument("--round", dest="round_label", default=None, help="default: the last run")
        sub.add_argument(
            "--master", type=Path, action="append", help="for quarter targets and KPI names"
        )
        sub.add_argument("-o", "--output", type=Path, required=True, help=f"e.g. {suffix}")
        sub.set_defaults(run=_summary, as_page=name == "report")

    demo = commands.add_parser("demo", help="master → templates → samples → check → score")
    demo.add_argument("-o", "--output", type=Path, default=Path("kpixl-demo"), help="folder")
    demo.add_argument("--samples", type=Path, default=None, help="sample_workbooks folder")
    demo.set_defaults(run=_demo)
    return parser


def _language(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang", choices=("th", "en"), default="th", help="language of the messages (default th)"
    )


def format_findings(findings: pd.DataFrame, lang: str = "th", limit: int | None = None) -> str:
    """Findings as a readable text table, errors first."""
    if findings.empty:
        return "ไม่พบปัญหา / no findings" if lang == "th" else "no findings"
    shown = findings if limit is None else findings.head(limit)
    lines = []
    for rec in shown.to_dict("records"):
        where = f"{rec['sheet']}!{rec['cell']}" if rec["cell"] else rec["sheet"]
        kpi = f" [{rec['kpi_id']}]" if rec["kpi_id"] else ""
        message = rec["message_th"] if lang == "th" else rec["message_en"]
        lines.append(
            f"{rec['severity']:<7} {rec['source']}  {where}{kpi}  {rec['code']}\n        {message}"
        )
    if limit is not None and len(findings) > limit:
        lines.append(f"… {len(findings) - limit} more")
    counts = findings["severity"].value_counts()
    lines.append(" · ".join(f"{k}: {counts.get(k, 0)}" for k in ("error", "warning", "info")))
    return "\n".join(lines)


def _exit_for(findings: pd.DataFrame) -> int:
    return EXIT_ERRORS if findings["severity"].eq("error").any() else EXIT_OK


def _load_master(path: Path) -> tuple[Master, pd.DataFrame]:
    from kpixl.findings import concat_findings
    from kpixl.master import check_master
    from kpixl.masterfile import read_master
    from kpixl.safety import UnusableFile

    try:
        master, read_findings = read_master(path)
    except UnusableFile as error:
        raise _UnusableMaster(path, error) from error
    return master, concat_findings([read_findings, check_master(master)])


def _master_check(args: argparse.Namespace) -> int:
    _master, findings = _load_master(args.master)
    print(format_findings(findings, args.lang))
    return _exit_for(findings)


def _master_init(args: argparse.Namespace) -> int:
    from kpixl.master import SHEETS, Master, table_frame
    from kpixl.masterfile import write_master

    frames = {spec.key: table_frame(spec, []) for spec in SHEETS[1:]}
    master = Master({"fiscal_year_be": str(args.fiscal_year)}, frames)
    write_master(master, args.output)
    print(f"wrote {args.output}")
    return EXIT_OK


def _templates(args: argparse.Namespace) -> int:
    from kpixl.definitions import parse_definitions
    from kpixl.errors import UnusableMaster
    from kpixl.master import division_definitions
    from kpixl.templates import write_templates

    master, findings = _load_master(args.master)
    try:
        paths = write_templates(master, args.output)
    except UnusableMaster as error:
        print(format_findings(findings, args.lang))
        print(f"kpixl: {args.master}: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    for path in paths:
        print(f"wrote {path}")
    for code in master.division_codes():
        stuck = [
            k.kpi_id
            for k in parse_definitions(division_definitions(master, code)).scored
            if k.problem
        ]
        if stuck:
            ids = ", ".join(stuck)
            print(
                f"{code}: ตัวชี้วัด {ids} ยังคิดคะแนนไม่ได้จนกว่าส่วนกลางจะแก้ไฟล์ข้อมูลหลัก"
                if args.lang == "th"
                else f"{code}: KPI {ids} cannot be scored until the centre corrects its master"
            )
    if not findings.empty:
        print(format_findings(findings, args.lang))
    return _exit_for(findings)


def _masters(paths: list[Path] | None) -> list[Master]:
    return [_load_master(path)[0] for path in paths or []]


def _check(args: argparse.Namespace) -> int:
    from kpixl.batch import run_batch

    result = run_batch(args.files, master=_masters(args.master))
    print(format_findings(result.findings, args.lang))
    return result.exit_code


def _score(args: argparse.Namespace) -> int:
    from kpixl.batch import result_json_text, run_batch

    result = run_batch(args.files, master=_masters(args.master), out_dir=args.output)
    if args.json:
        print(result_json_text(result))
    else:
        print(format_findings(result.findings, args.lang, limit=50))
        for source, path in result.annotated.items():
            print(f"wrote {path}  ({source})")
    return result.exit_code


def _round(args: argparse.Namespace) -> int:
    from kpixl.outputs.replies import ReplyTemplateError
    from kpixl.outputs.status import format_status
    from kpixl.round import RoundInputError, run_round, terminal_progress

    masters = _masters(args.master)
    try:
        report = run_round(
            args.inputs,
            masters,
            args.output,
            ledger_path=args.ledger,
            round_label=args.round_label,
            workers=args.workers,
            progress=terminal_progress(),
            reply_template=args.reply_template,
            command="kpixl round " + " ".join(str(i) for i in args.inputs),
        )
    except (RoundInputError, ReplyTemplateError) as error:
        print(f"kpixl: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    print(format_status(report.status, args.lang))
    print(f"ledger {report.ledger} · {report.received} new receipts · {report.scored} scored")
    print(f"wrote {len(report.written)} files into {args.output}")
    return report.exit_code


def _open_ledger(path: Path) -> Any:
    from kpixl.ledger import Ledger

    if not path.exists():
        raise OSError(f"no ledger at {path}")
    return Ledger(path)


def _ledger_list(args: argparse.Namespace) -> int:
    with _open_ledger(args.ledger) as ledger:
        frame = ledger.submissions(args.round_label)
    columns = ["round", "division_code", "state", "received_at", "file_name", "sender", "score_100"]
    print(frame[columns].to_string(index=False) if not frame.empty else "(no submissions)")
    return EXIT_OK


def _ledger_history(args: argparse.Namespace) -> int:
    with _open_ledger(args.ledger) as ledger:
        frame = ledger.history(args.division)
    print(frame.to_string(index=False) if not frame.empty else f"(nothing for {args.division})")
    return EXIT_OK


def _ledger_export(args: argparse.Namespace) -> int:
    from kpixl.ledger_export import export_ledger

    with _open_ledger(args.ledger) as ledger:
        for path in export_ledger(ledger, args.output):
            print(f"wrote {path}")
    return EXIT_OK


def _built_summary(args: argparse.Namespace) -> Any:
    from kpixl.summary import build_summary

    masters = _masters(args.master)
    with _open_ledger(args.ledger) as ledger:
        return build_summary(
            ledger, masters, fiscal_year_be=args.year, round_label=args.round_label
        )


def _summary(args: argparse.Namespace) -> int:
    from kpixl.summary import SummaryError, write_report, write_summary_workbook

    try:
        summary = _built_summary(args)
    except SummaryError as error:
        print(f"kpixl: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    write = write_report if args.as_page else write_summary_workbook
    write(summary, args.output)
    print(f"wrote {args.output}")
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from kpixl.demo import run_demo

    return run_demo(args.output, samples=args.samples)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
