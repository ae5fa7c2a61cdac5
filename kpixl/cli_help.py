"""The command line's help in Thai and English: descriptions, examples, exit codes.

The parser in :mod:`kpixl.cli` is written with English help strings; :func:`localise` gives
every parser its description and epilog (examples and exit codes) in the chosen language
and, for Thai, translates every help string through :data:`HELP_TH` (keyed by the English
text, so an option added in English is translated here, in one place). The language is
:func:`help_language`: ``--lang`` when given, else the locale (``LC_ALL``, ``LC_MESSAGES``,
``LANG`` starting with ``th`` → Thai), else English. Only the standard library is imported:
``kpixl --help`` stays fast.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

LANGS = ("th", "en")

EXIT_CODES = {
    "th": (
        "รหัสการจบการทำงาน (exit code):\n"
        "  0  ไม่พบข้อผิดพลาด\n"
        "  1  พบข้อผิดพลาดในไฟล์ที่ตรวจ (รายการบอกว่าอยู่ที่ใด)\n"
        "  2  สั่งงานไม่ถูกต้อง หรือไม่มีไฟล์ที่อ่านได้ (ไม่พบไฟล์หรือโฟลเดอร์ ไฟล์ข้อมูลหลัก\n"
        "     อ่านไม่ได้ ไฟล์ผลลัพธ์จะทับไฟล์ที่ตรวจ หรือมีไฟล์อยู่แล้ว)\n"
        "  3  kpixl ทำงานผิดพลาดเอง (มีข้อความหนึ่งบรรทัดบอกว่าแจ้งปัญหาได้ที่ใด)"
    ),
    "en": (
        "exit codes:\n"
        "  0  no errors\n"
        "  1  errors found in the inputs (the findings say where)\n"
        "  2  usage error or nothing readable (a file or folder missing, an unreadable\n"
        "     master, an output that would overwrite an input or a file that exists)\n"
        "  3  an internal error of kpixl (one line says where to report it)"
    ),
}

DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "": (
        "kpixl: แบบประเมินตัวชี้วัดของส่วนราชการใน Excel — ไฟล์ข้อมูลหลักของส่วนกลาง "
        "ไฟล์ของกอง/สำนัก การตรวจและคิดคะแนนไฟล์ที่ส่งคืน บัญชีรับไฟล์ของแต่ละรอบ "
        "และสรุปผลสิ้นปีสำหรับผู้บริหาร",
        "kpixl: Thai government KPI workbooks — the centre's master, the division "
        "workbooks, checking and scoring the returns, the round's ledger and the year-end "
        "summary for the executive.",
    ),
    "master": ("ไฟล์ข้อมูลหลักของส่วนกลาง", "the centre's master workbook"),
    "master check": (
        "ตรวจไฟล์ข้อมูลหลักทุกแผ่นงาน แสดงปัญหาแยกตามกอง/สำนัก พร้อมช่องที่ต้องแก้",
        "report every problem in a master, grouped by division, with its cell",
    ),
    "master init": (
        "สร้างไฟล์ข้อมูลหลักใหม่พร้อมคำแนะนำและแถวตัวอย่าง (ไม่เขียนทับไฟล์ที่มีอยู่ เว้นแต่สั่ง --force)",
        "write a new master with its guidance and example rows (an existing file is "
        "never replaced without --force)",
    ),
    "templates": (
        "สร้างไฟล์ Excel ของแต่ละกอง/สำนักจากไฟล์ข้อมูลหลัก",
        "write one workbook per division from the master",
    ),
    "check": (
        "ตรวจไฟล์ที่กอง/สำนักส่งคืน (ไฟล์หรือโฟลเดอร์) แล้วแสดงรายการปัญหา",
        "check returned workbooks (files or folders) and print the findings",
    ),
    "score": (
        "ตรวจ คิดคะแนน และเขียนสำเนาที่ตรวจแล้วของไฟล์ที่ส่งคืน พร้อมตารางคะแนนของแต่ละกอง",
        "check, score and annotate returned workbooks; prints each division's score",
    ),
    "round": (
        "รอบการรับไฟล์ของสำนักงาน: รับอีเมลและไฟล์ บันทึกบัญชีรับไฟล์ ตรวจ คิดคะแนน และร่างอีเมลตอบกลับ",
        "the office's round: e-mails and files in, ledger, status, replies out",
    ),
    "ledger": ("ข้อมูลในบัญชีรับไฟล์", "what the ledger holds"),
    "ledger list": ("ไฟล์ทุกฉบับที่ได้รับ และผลของแต่ละฉบับ", "every submission received"),
    "ledger history": ("ประวัติการส่งไฟล์ของกอง/สำนักหนึ่ง", "one division's submissions"),
    "ledger export": (
        "ส่งออกบัญชีรับไฟล์เป็นไฟล์ CSV หรือไฟล์ Excel",
        "the ledger as CSV files or a workbook",
    ),
    "summary": (
        "ไฟล์สรุปผลสิ้นปีสำหรับผู้บริหาร จากบัญชีรับไฟล์",
        "the year-end summary workbook for the executive",
    ),
    "report": (
        "สรุปผลเดียวกันเป็นหน้าเว็บไฟล์เดียว",
        "the same summary as one self-contained web page",
    ),
    "demo": (
        "ทำงานทั้งหมดกับไฟล์ตัวอย่างที่มากับโปรแกรม: ข้อมูลหลัก → ไฟล์ของกอง → ตรวจ → "
        "คิดคะแนน → รอบการรับไฟล์ → สรุปผล",
        "master → templates → samples → check → score → round → summary",
    ),
}

_M = "master_2569.xlsx"
EXAMPLES: dict[str, tuple[tuple[str, str, str], ...]] = {
    # command path → (command line, Thai note, English note)
    "": (
        (f"kpixl master init {_M} --fiscal-year 2569", "ไฟล์ข้อมูลหลักใหม่", "a new master"),
        (f"kpixl master check {_M}", "ตรวจไฟล์ข้อมูลหลัก", "check it"),
        (f"kpixl templates {_M} -o to_send/", "ไฟล์ของแต่ละกอง", "one workbook per division"),
        (f"kpixl check returned/ --master {_M}", "ตรวจไฟล์ที่ส่งคืน", "check the returns"),
        (
            f"kpixl score returned/ --master {_M} -o checked/",
            "คิดคะแนนและเขียนสำเนาที่ตรวจแล้ว",
            "score them, write the checked copies",
        ),
        (
            f"kpixl round Inbox.mbox returned/ --master {_M} -o round_q2/",
            "รอบการรับไฟล์ทั้งหมด",
            "the whole round",
        ),
        ("kpixl demo", "ลองกับไฟล์ตัวอย่าง", "try it on the bundled samples"),
        ("kpixl COMMAND --help", "วิธีใช้ของแต่ละคำสั่ง", "help on one command"),
    ),
    "master": (
        (f"kpixl master init {_M} --fiscal-year 2569", "ไฟล์ข้อมูลหลักใหม่", "a new master"),
        (f"kpixl master check {_M}", "ตรวจไฟล์ข้อมูลหลัก", "check it"),
    ),
    "master check": (
        (f"kpixl master check {_M}", "ปัญหาแยกตามกอง/สำนัก", "the problems by division"),
        (f"kpixl master check {_M} --lang en", "เป็นภาษาอังกฤษ", "in English"),
    ),
    "master init": (
        (f"kpixl master init {_M} --fiscal-year 2569", "ไฟล์ใหม่", "a new file"),
        (
            f"kpixl master init {_M} --fiscal-year 2569 --force",
            "แทนที่ไฟล์เดิม",
            "replace an existing file",
        ),
    ),
    "templates": ((f"kpixl templates {_M} -o to_send/", "ไฟล์ของแต่ละกอง/สำนัก", "one per division"),),
    "check": (
        (
            f"kpixl check returned/ --master {_M}",
            "ทุกไฟล์ในโฟลเดอร์และโฟลเดอร์ย่อย",
            "every workbook in the folder and its subfolders",
        ),
        ("kpixl check FIN.xlsx EDU.xlsx", "บางไฟล์ ใช้ข้อมูลที่ฝังในไฟล์", "a few files"),
    ),
    "score": (
        (
            f"kpixl score returned/ --master {_M} -o checked/",
            "ตารางคะแนน สำเนาที่ตรวจแล้ว และ findings.csv",
            "score table, checked copies, findings.csv",
        ),
        (
            f"kpixl score returned/ --master {_M} -o checked/ --json",
            "ผลเป็น JSON",
            "the result as JSON",
        ),
    ),
    "round": (
        (
            f"kpixl round Inbox.mbox returned/ --master {_M} -o round_q2/",
            "อีเมลและโฟลเดอร์ของไฟล์ที่ส่งคืน",
            "mail and a folder of returns",
        ),
        (
            f"kpixl round saved_mail/ --master {_M} -o round_q2/ --round 2569-Q2 "
            "--ledger ledger.sqlite",
            "บัญชีรับไฟล์เดียวตลอดปี",
            "one ledger for the whole year",
        ),
    ),
    "ledger": (
        ("kpixl ledger list ledger.sqlite", "ทุกฉบับที่ได้รับ", "every submission"),
        ("kpixl ledger history ledger.sqlite FIN", "ประวัติของกอง FIN", "division FIN"),
    ),
    "ledger list": (
        ("kpixl ledger list ledger.sqlite --round 2569-Q2", "เฉพาะรอบหนึ่ง", "one round"),
    ),
    "ledger history": (
        ("kpixl ledger history ledger.sqlite FIN", "ประวัติของกอง FIN", "division FIN"),
    ),
    "ledger export": (
        ("kpixl ledger export ledger.sqlite -o ledger.xlsx", "ไฟล์ Excel", "a workbook"),
        ("kpixl ledger export ledger.sqlite -o ledger_csv/", "ไฟล์ CSV", "CSV files"),
    ),
    "summary": (
        (
            f"kpixl summary ledger.sqlite --master {_M} -o summary.xlsx",
            "ปีล่าสุด รอบล่าสุด",
            "the latest year and round",
        ),
    ),
    "report": (
        (
            f"kpixl report ledger.sqlite --master {_M} -o report.html",
            "เปิดด้วยเว็บเบราว์เซอร์",
            "open it in a browser",
        ),
    ),
    "demo": (
        ("kpixl demo", "ผลอยู่ในโฟลเดอร์ kpixl-demo", "the output is in kpixl-demo/"),
        ("kpixl demo -o /tmp/demo --lang en", "เป็นภาษาอังกฤษ", "in English"),
    ),
}

HELP_TH: dict[str, str] = {
    # argparse's own
    "show this help message and exit": "แสดงวิธีใช้นี้แล้วจบ",
    "show program's version number and exit": "แสดงรุ่นของโปรแกรมแล้วจบ",
    # kpixl's
    "language of the messages and of this help (th or en; messages default to th, help "
    "to the locale)": "ภาษาของข้อความและของวิธีใช้นี้ (th หรือ en; ข้อความเป็นภาษาไทย"
    "เว้นแต่สั่ง en วิธีใช้เป็นไปตาม locale ของเครื่อง)",
    "the master workbook": "ไฟล์ข้อมูลหลัก",
    "the master workbook to write": "ไฟล์ข้อมูลหลักที่จะสร้าง",
    "B.E., e.g. 2569": "ปีงบประมาณ พ.ศ. เช่น 2569",
    "replace a file that exists": "เขียนทับไฟล์ที่มีอยู่แล้ว",
    "folder": "โฟลเดอร์",
    "workbooks, or folders of workbooks (subfolders too)": "ไฟล์ Excel หรือโฟลเดอร์ที่มีไฟล์ "
    "Excel (รวมโฟลเดอร์ย่อย)",
    "compare with and score by this master (may be repeated: each workbook takes the "
    "master that defines its division)": "ใช้ไฟล์ข้อมูลหลักนี้ตรวจและคิดคะแนน (ระบุได้หลาย"
    "ไฟล์: แต่ละไฟล์ใช้ข้อมูลหลักที่มีกองของไฟล์นั้น)",
    "print the JSON result": "แสดงผลเป็น JSON",
    "workbooks, folders, .eml, mbox, Maildir, .zip": "ไฟล์ Excel โฟลเดอร์ อีเมล .eml "
    "กล่องจดหมาย mbox หรือ Maildir และไฟล์ .zip",
    "ledger file (default OUTPUT/ledger.sqlite)": "ไฟล์บัญชีรับไฟล์ (ถ้าไม่ระบุ: OUTPUT/ledger.sqlite)",
    "e.g. 2565-Q2": "ชื่อรอบ เช่น 2565-Q2",
    "processes (default: all cores)": "จำนวนโพรเซส (ถ้าไม่ระบุ: ทุกคอร์)",
    "the office's own reply template": "แม่แบบอีเมลตอบกลับของสำนักงานเอง",
    "where workbooks are scored: local processes (default) or a Dask cluster": "คิดคะแนน"
    "ที่ใด: โพรเซสในเครื่องนี้ (ค่าเริ่มต้น) หรือคลัสเตอร์ Dask",
    "with --executor dask: a running cluster's scheduler (tcp://HOST:8786); default a "
    "LocalCluster of --workers processes": "ใช้กับ --executor dask: ที่อยู่ scheduler ของ"
    "คลัสเตอร์ (tcp://HOST:8786) ถ้าไม่ระบุจะสร้างคลัสเตอร์ในเครื่องตามจำนวน --workers",
    "the ledger file": "ไฟล์บัญชีรับไฟล์",
    "only this round": "เฉพาะรอบนี้",
    "a division code": "รหัสกอง",
    "a .xlsx file or a folder": "ไฟล์ .xlsx หรือโฟลเดอร์",
    "fiscal year B.E. (default latest)": "ปีงบประมาณ พ.ศ. (ถ้าไม่ระบุ: ปีล่าสุด)",
    "default: the last run": "ถ้าไม่ระบุ: รอบล่าสุด",
    "for quarter targets and KPI names": "สำหรับเป้าหมายรายไตรมาสและชื่อตัวชี้วัด",
    "e.g. summary.xlsx": "เช่น summary.xlsx",
    "e.g. report.html": "เช่น report.html",
    "sample_workbooks folder": "โฟลเดอร์ sample_workbooks",
    "output folder (default kpixl-demo)": "โฟลเดอร์ผลลัพธ์ (ถ้าไม่ระบุ: kpixl-demo)",
}
"""English help string → Thai. Every help string of the parser has an entry (a test
checks it)."""

DEFAULT_HELP: dict[str, tuple[str, str]] = {
    "master": (
        "ไฟล์ข้อมูลหลัก (ระบุได้หลายไฟล์)",
        "a master workbook (may be repeated)",
    ),
}
"""Help for an option given none, by its destination (Thai, English)."""

_TITLES_TH = {"positional arguments": "ที่ต้องระบุ", "options": "ตัวเลือก"}
_ERRORS_TH = (
    (r"the following arguments are required: (.*)", r"ยังไม่ได้ระบุ: \1"),
    (r"unrecognized arguments: (.*)", r"ไม่รู้จัก: \1"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)", r"\1: ไม่มี \2 (เลือกได้: \3)"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"\1: \3 ไม่ใช่ค่าที่ใช้ได้"),
    (r"argument (\S+): expected one argument", r"\1: ต้องระบุค่าหนึ่งค่า"),
)


def locale_language(environ: Mapping[str, str] | None = None) -> str:
    """``th`` when the locale is Thai (``LC_ALL``, then ``LC_MESSAGES``, then ``LANG``, as
    POSIX orders them; Windows' own locale where none is set), else ``en``."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "th" if value.lower().startswith("th") else "en"
    if environ is None and sys.platform == "win32":  # pragma: no cover - Windows only
        import locale

        name = locale.getlocale()[0] or ""
        return "th" if name.lower().startswith(("th", "thai")) else "en"
    return "en"


def given_language(argv: Sequence[str]) -> str | None:
    """The ``--lang`` of a command line, before it is parsed (help is printed as soon as
    ``--help`` is met, so the language must be known first)."""
    for number, arg in enumerate(argv):
        if arg == "--":
            break
        value = None
        if arg == "--lang" and number + 1 < len(argv):
            value = argv[number + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value in LANGS:
            return value
    return None


def help_language(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> str:
    """The language of the help: ``--lang`` when given, else the locale's."""
    return given_language(argv) or locale_language(environ)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Line breaks of the description and epilog kept; "usage:" in the help's language."""

    usage_prefix = "usage: "

    def add_usage(
        self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None
    ) -> None:
        super().add_usage(usage, actions, groups, prefix or self.usage_prefix)


class _ThaiFormatter(_Formatter):
    usage_prefix = "วิธีใช้: "


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors speak the help's language."""

    language = "en"

    def error(self, message: str) -> NoReturn:
        if self.language == "th":
            for pattern, thai in _ERRORS_TH:
                message = re.sub(pattern, thai, message)
            self.print_usage(sys.stderr)
            self.exit(2, f"{self.prog}: ผิดพลาด: {message}\nดูวิธีใช้: {self.prog} --help\n")
        super().error(message)


def epilog(path: str, lang: str) -> str:
    """Examples and exit codes of one command, in ``lang``."""
    examples = EXAMPLES.get(path, ())
    lines = ["ตัวอย่าง:" if lang == "th" else "examples:"]
    width = max((len(line) for line, _, _ in examples), default=0)
    for line, thai, english in examples:
        note = thai if lang == "th" else english
        if width < 60:
            lines.append(f"  {line.ljust(width)}  # {note}")
        else:
            lines.append(f"  {line}\n      # {note}")
    return "\n".join([*lines, "", EXIT_CODES[lang]]) if examples else EXIT_CODES[lang]


def localise(parser: argparse.ArgumentParser, lang: str, path: str = "") -> None:
    """Give ``parser`` and its subcommands their descriptions, examples, exit codes and,
    for Thai, translated help (see the module docstring)."""
    thai = lang == "th"
    parser.formatter_class = _ThaiFormatter if thai else _Formatter
    if isinstance(parser, Parser):
        parser.language = lang
    th, en = DESCRIPTIONS.get(path, ("", ""))
    parser.description = (th if thai else en) or parser.description
    parser.epilog = epilog(path, lang)
    if thai:
        for group in parser._action_groups:
            group.title = _TITLES_TH.get(group.title or "", group.title)
    for action in parser._actions:
        if not action.help and action.option_strings and action.dest in DEFAULT_HELP:
            action.help = DEFAULT_HELP[action.dest][0 if thai else 1]
        elif thai and action.help and action.help is not argparse.SUPPRESS:
            action.help = HELP_TH.get(action.help, action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                name = f"{path} {choice.dest}".strip()
                choice.help = DESCRIPTIONS.get(name, (choice.help, choice.help))[0 if thai else 1]
            for name, sub in action.choices.items():
                localise(sub, lang, f"{path} {name}".strip())
