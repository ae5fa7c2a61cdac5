"""The ``kpixl`` command line.

Exit codes: 0 no errors, 1 errors found in the inputs, 2 usage error or nothing readable,
3 an internal error of kpixl (a one-line message says where to report it; never a
traceback). Heavy modules are imported by the commands that use them, so ``--help``
starts at once. Help is in Thai or English (:mod:`kpixl.cli_help`: ``--lang``, else the
locale); messages are Thai unless ``--lang en``. Output piped into a reader that leaves
early (``| head``) ends quietly.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from kpixl._version import __version__
from kpixl.cli_help import LANGS, Parser, help_language, localise
from kpixl.errors import OutputClash

if TYPE_CHECKING:
    import pandas as pd

    from kpixl.master import Master
    from kpixl.safety import UnusableFile

EXIT_OK, EXIT_ERRORS, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3
REPORT_TO = "https://github.com/kpixl/kpixl/issues"


def entry() -> NoReturn:
    """The ``kpixl`` program (and ``python -m kpixl``): :func:`main`, then the exit.

    At exit, Python collects the garbage among every object it tracks, more than once. With
    pandas loaded that takes ~35 ms, for memory the process is about to give back. So the
    objects are frozen first (``gc.freeze``) and the exit skips them. Exit handlers still
    run. Nothing kpixl writes waits for a collection: each file is written and closed by a
    ``with`` and renamed into place, and the ledger's transactions are committed.
    """
    try:
        code = main()
    finally:
        gc.freeze()
    raise SystemExit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _run(arguments)
        sys.stdout.flush()  # here, where a broken pipe is still caught
        return code
    except BrokenPipeError:
        # Piped into `head`: the reader left; nothing more to say, and no traceback.
        _silence_stdout()
        return EXIT_OK
    except SystemExit:  # argparse: --help, --version or a usage error
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        raise


def _run(argv: list[str]) -> int:
    parser = _parser(help_language(argv))
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_UNUSABLE
    try:
        return int(args.run(args))
    except BrokenPipeError:
        raise
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


def _parser(lang: str = "en") -> argparse.ArgumentParser:
    """The parser, its help in ``lang`` (every help string below is translated in
    :data:`kpixl.cli_help.HELP_TH`)."""
    parser = Parser(prog="kpixl")
    parser.add_argument("--version", action="version", version=f"kpixl {__version__}")
    parser.add_argument("--lang", choices=LANGS, default="th", help=_LANG_HELP)
    commands = parser.add_subparsers(metavar="COMMAND")

    master = commands.add_parser("master", help="the centre's master workbook")
    master_commands = master.add_subparsers(metavar="ACTION", required=True)
    check = master_commands.add_parser("check", help="report every problem in a master")
    check.add_argument("master", type=Path, help="the master workbook")
    _language(check)
    check.set_defaults(run=_master_check)
    init = master_commands.add_parser("init", help="write a new master workbook")
    init.add_argument("output", type=Path, help="the master workbook to write")
    init.add_argument("--fiscal-year", type=int, default=2569, help="B.E., e.g. 2569")
    init.add_argument("--force", action="store_true", help="replace a file that exists")
    _language(init)
    init.set_defaults(run=_master_init)

    templates = commands.add_parser("templates", help="write one workbook per division")
    templates.add_argument("master", type=Path, help="the master workbook")
    templates.add_argument("-o", "--output", type=Path, required=True, help="folder")
    _language(templates)
    templates.set_defaults(run=_templates)

    for name, help_text in (
        ("check", "check returned workbooks"),
        ("score", "check, score and annotate returned workbooks"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("files", type=Path, nargs="+", help=_FILES_HELP)
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
    round_.add_argument(
        "--executor",
        choices=("processes", "dask"),
        default="processes",
        help="where workbooks are scored: local processes (default) or a Dask cluster",
    )
    round_.add_argument(
        "--scheduler",
        help="with --executor dask: a running cluster's scheduler (tcp://HOST:8786); "
        "default a LocalCluster of --workers processes",
    )
    _language(round_)
    round_.set_defaults(run=_round)

    ledger = commands.add_parser("ledger", help="what the ledger holds")
    ledger_commands = ledger.add_subparsers(metavar="ACTION", required=True)
    listing = ledger_commands.add_parser("list", help="every submission received")
    listing.add_argument("ledger", type=Path, help="the ledger file")
    listing.add_argument("--round", dest="round_label", default=None, help="only this round")
    listing.set_defaults(run=_ledger_list)
    history = ledger_commands.add_parser("history", help="one division's submissions")
    history.add_argument("ledger", type=Path, help="the ledger file")
    history.add_argument("division", help="a division code")
    history.set_defaults(run=_ledger_history)
    export = ledger_commands.add_parser("export", help="the ledger as CSV files or a workbook")
    export.add_argument("ledger", type=Path, help="the ledger file")
    export.add_argument("-o", "--output", type=Path, required=True, help="a .xlsx file or a folder")
    export.set_defaults(run=_ledger_export)
    for sub in (listing, history, export):
        _language(sub)

    for name, help_text, suffix in (
        ("summary", "the year-end summary workbook for the executive", "summary.xlsx"),
        ("report", "the same summary as one self-contained web page", "report.html"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("ledger", type=Path, help="the ledger file")
        sub.add_argument("--year", type=int, default=None, help="fiscal year B.E. (default latest)")
        sub.add_argument("--round", dest="round_label", default=None, help="default: the last run")
        sub.add_argument(
            "--master", type=Path, action="append", help="for quarter targets and KPI names"
        )
        sub.add_argument("-o", "--output", type=Path, required=True, help=f"e.g. {suffix}")
        _language(sub)
        sub.set_defaults(run=_summary, as_page=name == "report")

    demo = commands.add_parser("demo", help="master → templates → samples → check → score")
    demo.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("kpixl-demo"),
        help="output folder (default kpixl-demo)",
    )
    demo.add_argument("--samples", type=Path, default=None, help="sample_workbooks folder")
    _language(demo)
    demo.set_defaults(run=_demo)
    localise(parser, lang)
    return parser


_FILES_HELP = "workbooks, or folders of workbooks (subfolders too)"
_LANG_HELP = (
    "language of the messages and of this help (th or en; messages default to th, help "
    "to the locale)"
)


def _language(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a command's --lang, when not given, leaves the one before the command
    # (``kpixl --lang en check …``) or the default (th).
    parser.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS, help=_LANG_HELP)


def format_findings(
    findings: pd.DataFrame,
    lang: str = "th",
    limit: int | None = None,
    all_in: Path | None = None,
) -> str:
    """Findings as a readable text table (see :func:`kpixl.terminal.format_findings`)."""
    from kpixl import terminal

    return terminal.format_findings(findings, lang, limit, all_in)


def _say(lang: str, th: str, en: str) -> str:
    return th if lang == "th" else en


def _wrote(path: Path, lang: str) -> str:
    return _say(lang, f"บันทึกไฟล์ {path} แล้ว", f"wrote {path}")


def _exit_for(findings: pd.DataFrame) -> int:
    return EXIT_ERRORS if findings["severity"].eq("error").any() else EXIT_OK


def _load_master(path: Path) -> tuple[Master, pd.DataFrame]:
    from kpixl.checks.master import check_master
    from kpixl.findings import concat_findings
    from kpixl.masterfile import read_master
    from kpixl.safety import UnusableFile

    try:
        master, read_findings = read_master(path)
    except UnusableFile as error:
        raise _UnusableMaster(path, error) from error
    return master, concat_findings([read_findings, check_master(master)])


def _master_check(args: argparse.Namespace) -> int:
    from kpixl.terminal import format_master_findings

    master, findings = _load_master(args.master)
    print(format_master_findings(findings, master, args.lang))
    return _exit_for(findings)


def _master_init(args: argparse.Namespace) -> int:
    from kpixl.master_example import example_master
    from kpixl.masterfile import write_master

    if args.output.exists() and not args.force:
        print(
            _say(
                args.lang,
                f"kpixl: มีไฟล์ {args.output} อยู่แล้ว จึงไม่เขียนทับ — ถ้าต้องการแทนที่ ให้สั่งใหม่พร้อม --force",
                f"kpixl: {args.output} exists and was left as it is; add --force to replace it",
            ),
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    write_master(example_master(args.fiscal_year), args.output)
    print(_wrote(args.output, args.lang))
    print(
        _say(
            args.lang,
            "ต่อไป: อ่านแผ่นงาน คำแนะนำ กรอกชื่อองค์กร แทนที่แถวตัวอย่าง (กอง EX) ด้วยข้อมูลจริง "
            f"แล้วสั่ง kpixl master check {args.output}",
            "next: read the คำแนะนำ sheet, fill in the organisation's name, replace the "
            f"example rows (division EX), then run kpixl master check {args.output}",
        )
    )
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
        print(_wrote(path, args.lang))
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


def _inputs(args: argparse.Namespace, exclude: Sequence[Path] = ()) -> list[Path]:
    """The workbooks of the command's files and folders (see :mod:`kpixl.workbook_files`);
    notes on stderr for what a folder did not give."""
    from kpixl.workbook_files import workbook_files

    found = workbook_files(args.files, exclude)
    for folder in found.skipped:
        print(
            _say(
                args.lang,
                f"kpixl: ข้ามโฟลเดอร์ {folder} (เป็นผลลัพธ์ที่ kpixl เขียนไว้)",
                f"kpixl: skipped {folder} (kpixl's own output)",
            ),
            file=sys.stderr,
        )
    for folder in found.empty_folders:
        print(
            _say(
                args.lang,
                f"kpixl: ในโฟลเดอร์ {folder} และโฟลเดอร์ย่อยไม่มีไฟล์ Excel (.xlsx, .xlsm, .xls)",
                f"kpixl: {folder} holds no workbook (.xlsx, .xlsm, .xls), subfolders included",
            ),
            file=sys.stderr,
        )
    return found.files


def _check(args: argparse.Namespace) -> int:
    from kpixl.batch import run_batch

    files = _inputs(args)
    if not files:
        return EXIT_UNUSABLE
    result = run_batch(files, master=_masters(args.master))
    print(format_findings(result.findings, args.lang))
    return result.exit_code


SHOWN_FINDINGS = 50
"""How many findings ``kpixl score`` prints; findings.csv holds them all."""


def _score(args: argparse.Namespace) -> int:
    from kpixl.batch import result_json_text, run_batch
    from kpixl.terminal import score_table

    files = _inputs(args, exclude=[args.output])
    if not files:
        return EXIT_UNUSABLE
    result = run_batch(files, master=_masters(args.master), out_dir=args.output)
    if args.json:
        print(result_json_text(result))
        return result.exit_code
    all_in = args.output / "findings.csv"
    print(format_findings(result.findings, args.lang, limit=SHOWN_FINDINGS, all_in=all_in))
    print()
    print(score_table(result, args.lang))
    print()
    for source, path in result.annotated.items():
        print(f"{_wrote(path, args.lang)}  ({source})")
    print(_wrote(all_in, args.lang))
    return result.exit_code


def _round(args: argparse.Namespace) -> int:
    from kpixl.outputs.replies import ReplyTemplateError
    from kpixl.outputs.status import format_status
    from kpixl.round import RoundInputError, run_round, terminal_progress

    if args.scheduler and args.executor != "dask":
        print("kpixl: --scheduler goes with --executor dask", file=sys.stderr)
        return EXIT_UNUSABLE
    masters = _masters(args.master)
    try:
        with _round_executor(args) as executor:
            report = run_round(
                args.inputs,
                masters,
                args.output,
                ledger_path=args.ledger,
                round_label=args.round_label,
                workers=args.workers,
                executor=executor,
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


def _round_executor(args: argparse.Namespace) -> contextlib.AbstractContextManager[Any]:
    """The Dask cluster's executor (``--executor dask``), else None (``run_round``'s own
    processes); Dask is imported only here."""
    if args.executor != "dask":
        return contextlib.nullcontext()
    from kpixl.cluster import dask_executor

    return dask_executor(args.scheduler, workers=args.workers)


def _open_ledger(path: Path, lang: str = "th") -> Any:
    from kpixl.ledger import Ledger

    if not path.exists():
        raise OSError(_say(lang, f"ไม่พบบัญชีรับไฟล์ {path}", f"no ledger at {path}"))
    return Ledger(path)


def _ledger_list(args: argparse.Namespace) -> int:
    with _open_ledger(args.ledger, args.lang) as ledger:
        frame = ledger.submissions(args.round_label)
    from kpixl.terminal import ledger_table

    columns = ["round", "division_code", "state", "received_at", "file_name", "sender", "score_100"]
    empty = _say(args.lang, "(ยังไม่ได้รับไฟล์ใด)", "(no submissions)")
    print(ledger_table(frame[columns], args.lang) if not frame.empty else empty)
    return EXIT_OK


def _ledger_history(args: argparse.Namespace) -> int:
    with _open_ledger(args.ledger, args.lang) as ledger:
        frame = ledger.history(args.division)
    empty = _say(args.lang, f"(ไม่มีประวัติของกอง {args.division})", f"(nothing for {args.division})")
    from kpixl.terminal import ledger_table

    print(ledger_table(frame, args.lang) if not frame.empty else empty)
    return EXIT_OK


def _ledger_export(args: argparse.Namespace) -> int:
    from kpixl.ledger_export import export_ledger

    with _open_ledger(args.ledger, args.lang) as ledger:
        for path in export_ledger(ledger, args.output):
            print(_wrote(path, args.lang))
    return EXIT_OK


def _built_summary(args: argparse.Namespace) -> Any:
    from kpixl.summary import build_summary

    masters = _masters(args.master)
    with _open_ledger(args.ledger, args.lang) as ledger:
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
    print(_wrote(args.output, args.lang))
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from kpixl.demo import run_demo

    return run_demo(args.output, samples=args.samples, lang=args.lang)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
