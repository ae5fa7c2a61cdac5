"""kpixl.intake: whatever the office was sent becomes arrivals, or problems, never a traceback."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import tracemalloc
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import build_mail
import hostile
import libreoffice
import mail
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mail import RawHeaders, RawPart, attachment, b_word, q_word, raw_message, rfc2231

from kpixl.findings import CATALOGUE
from kpixl.intake import Arrival, InputProblem, Origin, collect
from kpixl.intake.message import MAX_DEPTH, parse_date
from kpixl.intake.model import suffix_of
from kpixl.intake.names import decode_bytes, decode_header, header_params, printable_path
from kpixl.safety import Limits

ROOT = Path(__file__).resolve().parents[1]
MAIL = ROOT / "sample_workbooks" / "mail"
FILLED = ROOT / "sample_workbooks" / "filled"

FIN = mail.workbook("FIN")
EDU = mail.workbook("EDU")
ZIP = "application/zip"


def run(*inputs: Path, **kwargs: object) -> list[Arrival | InputProblem]:
    return list(collect(list(inputs), **kwargs))  # type: ignore[arg-type]


def arrivals(items: Iterable[Arrival | InputProblem]) -> list[Arrival]:
    return [item for item in items if isinstance(item, Arrival)]


def problems(items: Iterable[Arrival | InputProblem]) -> list[tuple[str, str]]:
    return [(Path(p.path).name, p.code) for p in items if isinstance(p, InputProblem)]


def names(items: Iterable[Arrival | InputProblem]) -> list[str]:
    return [a.name for a in arrivals(items)]


def eml(folder: Path, name: str, raw: bytes) -> Path:
    path = folder / name
    path.write_bytes(raw)
    return path


# --------------------------------------------------------------------------------------
# the records
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("FIN.xlsx", ".xlsx"),
        ("FIN.XLSX", ".xlsx"),
        ("แบบประเมิน.ods", ".ods"),
        ("a.b.xlsm", ".xlsm"),
        ("FIN.xlsx. ", ".xlsx"),
        (".xlsx", ".xlsx"),
        ("folder/FIN.xls", ".xls"),
        ("C:\\Users\\fin\\FIN.xlsb", ".xlsb"),
        ("README", ""),
    ],
)
def test_suffix_is_the_lower_case_extension(name: str, suffix: str) -> None:
    assert suffix_of(name) == suffix


def test_an_arrival_holds_exactly_one_content(tmp_path: Path) -> None:
    origin = Origin(kind="file", path="x")
    moment = mail.utc(2022, 10, 1)
    with pytest.raises(ValueError, match="exactly one"):
        Arrival("x.xlsx", origin, moment)
    with pytest.raises(ValueError, match="exactly one"):
        Arrival("x.xlsx", origin, moment, data=b"x", file=tmp_path / "x.xlsx")


def test_content_hash_is_the_sha256_of_the_content_and_is_computed_once(tmp_path: Path) -> None:
    path = tmp_path / "FIN.xlsx"
    path.write_bytes(FIN)
    [from_file] = run(path)
    [from_mail] = run(eml(tmp_path, "a.eml", mail.built_message([("FIN.xlsx", FIN, "a/b")])))
    assert isinstance(from_file, Arrival) and isinstance(from_mail, Arrival)
    assert from_file.content_hash == from_mail.content_hash == hashlib.sha256(FIN).hexdigest()
    path.write_bytes(EDU)
    assert from_file.content_hash == hashlib.sha256(FIN).hexdigest()  # cached
    assert from_file.read_bytes() == EDU  # read lazily, never copied
    [again] = run(path)
    assert isinstance(again, Arrival) and again.content_hash == hashlib.sha256(EDU).hexdigest()


def test_arrival_repr_leaves_out_the_bytes(tmp_path: Path) -> None:
    [arrival] = run(eml(tmp_path, "a.eml", mail.built_message([("FIN.xlsx", FIN, "a/b")])))
    assert "data=" not in repr(arrival)


# --------------------------------------------------------------------------------------
# decoding names and headers
# --------------------------------------------------------------------------------------

THAI = "กองคลัง ไตรมาส ๑ ปีงบประมาณ ๒๕๖๕.xlsx"


@pytest.mark.parametrize(
    "raw",
    [
        b_word(THAI),
        q_word(THAI),
        b_word(THAI, "TIS-620"),
        q_word(THAI, "TIS-620"),
        b_word(THAI, "windows-874"),
        b_word(THAI, "ISO-8859-11"),
        b_word(THAI, "x-windows-874"),
        mail.split_b_words(THAI, size=7),  # words cut in the middle of Thai characters
        mail.split_b_words(THAI, size=5, charset="TIS-620"),
        "=?utf-8*th?B?" + b_word(THAI)[10:],  # an RFC 2231 language suffix
    ],
)
def test_rfc2047_words_in_thai_charsets_decode(raw: str) -> None:
    assert decode_header(raw) == THAI


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("Re: " + b_word("ส่งงาน") + " " + b_word(" กองคลัง"), "Re: ส่งงาน กองคลัง"),
        (b_word("ก") + " \r\n  " + b_word("ข"), "กข"),  # whitespace between words dropped
        ("plain\r\n folded   text", "plain folded text"),
        (b_word("ก", "UTF-8") + b_word("ข", "TIS-620"), "กข"),
        ("=?x-unknown-charset?B?4LiB?=", "ก"),  # unknown label: sniffed
        ("=?UTF-8?B?4Lix4Lih?==?UTF-8?Q?bad=ZZ?=", "ัมbad=ZZ"),
        ("=?UTF-8?B?!!4LiB!!?=", "ก"),  # stray characters in base64
        ("=?UTF-8?B?4LiB4Li?=", "ก\ufffd"),  # missing padding
    ],
)
def test_headers_decode_leniently(raw: str, decoded: str) -> None:
    assert decode_header(raw) == decoded


@pytest.mark.parametrize(
    ("data", "charset", "decoded"),
    [
        ("กองคลัง".encode(), None, "กองคลัง"),
        ("กองคลัง".encode("cp874"), None, "กองคลัง"),
        ("กองคลัง".encode("cp874"), "utf-8", "กองคลัง"),  # TIS-620 labelled UTF-8
        ("กองคลัง".encode()[:-1], "utf-8", "กองคลั\ufffd"),  # damaged UTF-8 stays UTF-8
        ("€".encode("cp874"), "TIS-620", "€"),  # the Windows superset
        (b"\x81\x82", "windows-874", "\ufffd\ufffd"),
        ("café".encode("latin-1"), "iso-8859-1", "café"),
    ],
)
def test_decode_bytes(data: bytes, charset: str | None, decoded: str) -> None:
    assert decode_bytes(data, charset) == decoded


def test_raw_8bit_headers_are_read_as_utf8_or_tis620() -> None:
    utf8 = "กองคลัง".encode().decode("ascii", "surrogateescape")
    tis = "กองคลัง".encode("cp874").decode("ascii", "surrogateescape")
    assert decode_header(utf8) == decode_header(tis) == "กองคลัง"


@pytest.mark.parametrize(
    ("raw", "filename"),
    [
        (f"attachment; {rfc2231('filename', THAI)}", THAI),
        (f"attachment;\r\n {rfc2231('filename', THAI, size=7)}", THAI),
        (f"attachment; {rfc2231('filename', THAI, charset='TIS-620', size=4)}", THAI),
        (f"attachment; {rfc2231('filename', THAI, charset='windows-874', language='th')}", THAI),
        # the extended parameter wins over the plain one
        (f'attachment; filename="fallback.xlsx"; {rfc2231("filename", THAI)}', THAI),
        # continuations out of order, the last one not encoded
        (
            "attachment; filename*1*=%E0%B8%87.xl; filename*0*=UTF-8''%E0%B8%81%E0%B8%AD;"
            ' filename*2="sx"',
            "กอง.xlsx",
        ),
        (f'attachment; filename="{b_word(THAI)}"', THAI),
        (f'inline; filename="{q_word(THAI, "TIS-620")}"', THAI),
        ('attachment; filename="a \\"quoted\\" ; name.xlsx"', 'a "quoted" ; name.xlsx'),
        ("attachment; filename=plain.xlsx", "plain.xlsx"),
        ("attachment; filename*=%E0%B8%81.xlsx", "ก.xlsx"),  # no charset given
        ('attachment; filename="unterminated.xlsx', "unterminated.xlsx"),
    ],
)
def test_content_disposition_file_names(raw: str, filename: str) -> None:
    main, params = header_params(raw)
    assert main in ("attachment", "inline")
    assert params["filename"] == filename


def test_undecodable_file_system_names_are_shown_decoded(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/" + "กองคลัง".encode("cp874") + b".xlsx"
    with open(raw, "wb") as fh:
        fh.write(FIN)
    [arrival] = run(tmp_path)
    assert isinstance(arrival, Arrival)
    assert arrival.name == "กองคลัง.xlsx"
    assert arrival.origin.path.endswith("กองคลัง.xlsx")
    assert arrival.read_bytes() == FIN  # the real path is kept to open it
    assert printable_path("plain/ok.xlsx") == "plain/ok.xlsx"


# --------------------------------------------------------------------------------------
# e-mails
# --------------------------------------------------------------------------------------


def test_an_email_built_with_emailmessage_yields_its_workbooks(tmp_path: Path) -> None:
    name = "แบบประเมินผลการปฏิบัติราชการ_กองคลัง_ปีงบประมาณ2565.xlsx"  # long: continuations
    raw = mail.built_message(
        [
            (name, FIN, mail.XLSX_TYPE),
            ("หนังสือนำส่ง.pdf", b"%PDF-1.4", "application/pdf"),
            ("ผลการดำเนินงาน.ods", b"ods", "application/vnd.oasis.opendocument.spreadsheet"),
            ("รุ่นเก่า.xls", b"xls", "application/vnd.ms-excel"),
            ("binary.xlsb", b"xlsb", "application/octet-stream"),
            ("macro.XLSM", b"xlsm", "application/octet-stream"),
        ],
        sender="สมชาย ใจดี <a@b.example>",
        subject="ส่งผลการประเมินตัวชี้วัด ประจำปีงบประมาณ พ.ศ. 2565 - กองคลัง",
        sent="Tue, 11 Oct 2022 09:00:00 +0700",
        message_id="<fin-1@pao-nakhonsawan.example>",
    )
    path = eml(tmp_path, "FIN_ตอบกลับ.eml", raw)
    assert b"filename*0*=" in raw and b"filename*1*=" in raw
    found = run(path)
    assert names(found) == [name, "ผลการดำเนินงาน.ods", "รุ่นเก่า.xls", "binary.xlsb", "macro.XLSM"]
    first = arrivals(found)[0]
    assert first.origin == Origin(
        kind="email",
        path=str(path),
        member=name,
        sender="สมชาย ใจดี <a@b.example>",
        subject="ส่งผลการประเมินตัวชี้วัด ประจำปีงบประมาณ พ.ศ. 2565 - กองคลัง",
        sent_at=mail.utc(2022, 10, 11, 2),
        message_id="<fin-1@pao-nakhonsawan.example>",
    )
    assert first.received_at == mail.utc(2022, 10, 11, 2)
    assert first.data == FIN and first.file is None
    assert [a.suffix for a in arrivals(found)] == [".xlsx", ".ods", ".xls", ".xlsb", ".xlsm"]


def test_hand_written_mime_with_every_name_encoding(tmp_path: Path) -> None:
    headers = RawHeaders(
        sender=f"{q_word('สมชาย ใจดี')} <a@b.example>",
        subject=b_word("ส่งงาน ไตรมาส ๑", "TIS-620"),
    )
    raw = raw_message(
        [
            attachment(rfc2231("filename", "กองคลัง ไตรมาส ๑.xlsx", size=7), FIN),
            attachment(f'filename="{b_word("กองการศึกษา.xlsx", "TIS-620")}"', EDU),
            attachment(f'filename="{q_word("กองคลัง.xls", "windows-874")}"', b"xls"),
            attachment(f'filename="{mail.split_b_words("สำนักปลัด.ods")}"', b"ods"),
            attachment('filename="cover.pdf"', b"%PDF", "application/pdf"),
            RawPart(  # only Content-Type's name=, as old Outlook writes
                [f'Content-Type: application/octet-stream; name="{b_word("ชื่อ.xlsx")}"'],
                b"by-name",
            ),
            RawPart(  # raw 8-bit TIS-620, no encoding at all
                [
                    "Content-Type: application/octet-stream",
                    'Content-Disposition: attachment; filename="'
                    + "ดิบ.xlsx".encode("cp874").decode("ascii", "surrogateescape")
                    + '"',
                ],
                b"raw",
            ),
            RawPart([f"Content-Type: {mail.XLSX_TYPE}"], b"nameless"),
            RawPart(
                ["Content-Type: image/png", 'Content-Disposition: inline; filename="ตาราง.xlsx"'],
                b"inline",
            ),
        ],
        headers,
    )
    found = run(eml(tmp_path, "raw.eml", raw))
    assert problems(found) == []
    assert names(found) == [
        "กองคลัง ไตรมาส ๑.xlsx",
        "กองการศึกษา.xlsx",
        "กองคลัง.xls",
        "สำนักปลัด.ods",
        "ชื่อ.xlsx",
        "ดิบ.xlsx",
        "attachment-9.xlsx",
        "ตาราง.xlsx",
    ]
    assert [a.data for a in arrivals(found)] == [
        FIN,
        EDU,
        b"xls",
        b"ods",
        b"by-name",
        b"raw",
        b"nameless",
        b"inline",
    ]
    origin = arrivals(found)[0].origin
    assert origin.sender == "สมชาย ใจดี <a@b.example>"
    assert origin.subject == "ส่งงาน ไตรมาส ๑"
    assert origin.message_id == "<raw-1@pao-nakhonsawan.example>"


def test_a_zip_attachment_yields_its_workbooks(tmp_path: Path) -> None:
    bundle = mail.zip_bytes(
        {
            "ตัวชี้วัด/กองคลัง.xlsx": FIN,
            "ตัวชี้วัด/กองการศึกษา.xlsx": EDU,
            "__MACOSX/ตัวชี้วัด/._กองคลัง.xlsx": b"AppleDouble",
            "ตัวชี้วัด/.DS_Store": b"x",
            "ตัวชี้วัด/~$กองคลัง.xlsx": b"owner",
            "ตัวชี้วัด/อ่านก่อน.txt": b"readme",
        }
    )
    raw = mail.built_message([("รวมไฟล์ ๒ กอง.zip", bundle, ZIP)])
    found = run(eml(tmp_path, "zip.eml", raw))
    assert problems(found) == []
    assert [(a.name, a.origin.member, a.data) for a in arrivals(found)] == [
        ("กองการศึกษา.xlsx", "รวมไฟล์ ๒ กอง.zip/ตัวชี้วัด/กองการศึกษา.xlsx", EDU),
        ("กองคลัง.xlsx", "รวมไฟล์ ๒ กอง.zip/ตัวชี้วัด/กองคลัง.xlsx", FIN),
    ]
    assert all(a.origin.kind == "email" and a.origin.sender for a in arrivals(found))


def test_a_forwarded_message_is_searched_with_its_own_headers(tmp_path: Path) -> None:
    inner = mail.built_message(
        [("EDU.xlsx", EDU, mail.XLSX_TYPE)],
        sender="กองการศึกษา <edu@x.example>",
        subject="ส่งครั้งแรก",
        sent="Mon, 10 Oct 2022 08:00:00 +0700",
        message_id="<inner@x.example>",
    )
    outer = mail.built_message(
        [("FIN.xlsx", FIN, mail.XLSX_TYPE)],
        sender="สำนักปลัด <pal@x.example>",
        subject="Fwd: ส่งครั้งแรก",
        message_id="<outer@x.example>",
        forwarded=[inner],
    )
    found = run(eml(tmp_path, "fwd.eml", outer))
    assert problems(found) == []
    fin, edu = arrivals(found)
    assert (fin.name, fin.origin.sender, fin.origin.message_id) == (
        "FIN.xlsx",
        "สำนักปลัด <pal@x.example>",
        "<outer@x.example>",
    )
    assert (edu.name, edu.origin.sender, edu.origin.subject, edu.origin.message_id) == (
        "EDU.xlsx",
        "กองการศึกษา <edu@x.example>",
        "ส่งครั้งแรก",
        "<inner@x.example>",
    )
    assert edu.received_at == mail.utc(2022, 10, 10, 1)  # when the division sent it
    assert edu.origin.path == fin.origin.path == str(tmp_path / "fwd.eml")


def test_a_forwarded_message_the_parser_cannot_see_is_searched_too(tmp_path: Path) -> None:
    inner = mail.built_message([("EDU.xlsx", EDU, mail.XLSX_TYPE)], message_id="<in@x>")
    raw = raw_message(
        [
            # base64-encoded message/rfc822 (which RFC 2046 forbids)
            RawPart(["Content-Type: message/rfc822"], inner),
            # a saved .eml attached as a plain file
            attachment('filename="ต้นฉบับ.eml"', inner, "application/octet-stream"),
        ]
    )
    found = run(eml(tmp_path, "fwd.eml", raw))
    assert problems(found) == []
    assert [(a.name, a.origin.message_id) for a in arrivals(found)] == [
        ("EDU.xlsx", "<in@x>"),
        ("EDU.xlsx", "<in@x>"),
    ]


def test_an_email_missing_headers_takes_them_from_the_forwarding_message(tmp_path: Path) -> None:
    inner = raw_message([attachment('filename="EDU.xlsx"', EDU)], RawHeaders(sent=""))
    inner = b"\r\n".join(
        line for line in inner.split(b"\r\n") if not line.startswith((b"From:", b"Message-ID"))
    )
    outer = mail.built_message([], forwarded=[inner], message_id="<outer@x>")
    [edu] = run(eml(tmp_path, "fwd.eml", outer))
    assert isinstance(edu, Arrival)
    assert edu.origin.message_id == "<outer@x>"
    assert edu.origin.sender == mail.FIN
    assert edu.origin.subject == "returns"
    assert edu.origin.sent_at == mail.utc(2022, 10, 11, 2)


def test_an_email_without_a_workbook_yields_nothing(tmp_path: Path) -> None:
    raw = mail.built_message([("cover.pdf", b"%PDF", "application/pdf")])
    assert run(eml(tmp_path, "a.eml", raw)) == []
    assert run(eml(tmp_path, "b.eml", mail.built_message())) == []


def test_a_delivery_report_is_not_a_return(tmp_path: Path) -> None:
    # The office's own template, bounced back to it: never a division's return.
    bounced = mail.built_message([("kpixl_2565_FIN.xlsx", FIN, mail.XLSX_TYPE)])
    raw = (
        b"From: MAILER-DAEMON@x.example\r\nSubject: Undelivered Mail\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nundeliverable\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\n" + bounced + b"\r\n--b--\r\n"
    )
    assert run(eml(tmp_path, "bounce.eml", raw)) == []


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("Tue, 11 Oct 2022 09:00:00 +0700", mail.utc(2022, 10, 11, 2)),
        ("Tue, 11 Oct 2022 02:00:00 +0000", mail.utc(2022, 10, 11, 2)),
        ("Tue, 11 Oct 2022 02:00:00 -0000", mail.utc(2022, 10, 11, 2)),  # zone unknown: UTC
        ("11 Oct 2022 09:00 +0700", mail.utc(2022, 10, 11, 2)),
        ("Tue, 11 Oct 2565 09:00:00 +0700", mail.utc(2022, 10, 11, 2)),  # a B.E. year
        ("Tue, 29 Feb 2567 09:00:00 +0700", mail.utc(2024, 2, 29, 2)),
        ("วันอังคาร 11 ตุลาคม 2565", None),
        ("Tue, 31 Feb 2022 09:00:00 +0700", None),
        ("", None),
    ],
)
def test_parse_date(sent: str, expected: datetime | None) -> None:
    assert parse_date(sent) == expected


def test_received_at_is_the_date_else_received_else_the_file_time(tmp_path: Path) -> None:
    body = [attachment('filename="FIN.xlsx"', FIN)]
    received = "Received: from mx by mail.pao.example; Wed, 12 Oct 2022 10:00:00 +0700"
    older = "Received: from a by mx; Wed, 12 Oct 2022 09:59:00 +0700"
    with_date = eml(tmp_path, "a.eml", raw_message(body, RawHeaders(extra=[received])))
    no_date = eml(
        tmp_path, "b.eml", raw_message(body, RawHeaders(sent="", extra=[received, older]))
    )
    bad_date = eml(tmp_path, "c.eml", raw_message(body, RawHeaders(sent="someday")))
    moment = datetime(2022, 10, 13, 8, 30, tzinfo=UTC).timestamp()
    os.utime(bad_date, (moment, moment))
    plain = tmp_path / "FIN.xlsx"
    plain.write_bytes(FIN)
    os.utime(plain, (moment, moment))
    found = arrivals(run(with_date, no_date, bad_date, plain))
    assert [a.received_at for a in found] == [
        mail.utc(2022, 10, 11, 2),
        mail.utc(2022, 10, 12, 3),
        mail.utc(2022, 10, 13, 8, 30),
        mail.utc(2022, 10, 13, 8, 30),
    ]
    assert [a.origin.sent_at for a in found] == [mail.utc(2022, 10, 11, 2), None, None, None]
    assert all(a.received_at.tzinfo is UTC for a in found)


# --------------------------------------------------------------------------------------
# damaged e-mails
# --------------------------------------------------------------------------------------


def test_a_bad_base64_attachment_is_decoded_as_far_as_it_goes(tmp_path: Path) -> None:
    good = mail.RawPart([], FIN).render().split("\r\n\r\n", 1)[1]
    damaged = good[:40] + "!!*" + good[40:]  # stray characters: skipped
    cut = good[: len(good) // 2 - 3]  # cut mid-line, padding missing
    raw = raw_message(
        [
            RawPart(
                [
                    f"Content-Type: {mail.XLSX_TYPE}",
                    'Content-Disposition: attachment; filename="a.xlsx"',
                ],
                encoded="Content-Transfer-Encoding: base64\r\n\r\n" + damaged,
            ),
            RawPart(
                [
                    f"Content-Type: {mail.XLSX_TYPE}",
                    'Content-Disposition: attachment; filename="b.xlsx"',
                    "Content-Transfer-Encoding: base64",
                ],
                encoded=cut,
            ),
        ]
    )
    # RawPart puts encoded text after the headers; the first part carries its own CTE.
    raw = raw.replace(
        b'filename="a.xlsx"\r\n\r\nContent-Transfer', b'filename="a.xlsx"\r\nContent-Transfer'
    )
    found = run(eml(tmp_path, "bad64.eml", raw))
    assert problems(found) == []
    a, b = arrivals(found)
    assert a.data == FIN
    assert b.data is not None and FIN.startswith(b.data[:-3]) and len(b.data) < len(FIN)


def test_a_truncated_email_is_a_problem_and_keeps_what_arrived(tmp_path: Path) -> None:
    raw = raw_message(
        [attachment('filename="FIN.xlsx"', FIN), attachment('filename="EDU.xlsx"', EDU * 20)]
    )
    path = eml(tmp_path, "truncated.eml", raw[: len(raw) - 200])
    found = run(path)
    assert problems(found) == [("truncated.eml", "file-corrupt")]
    assert isinstance(found[-1], InputProblem)
    assert "truncated" in found[-1].reason and "2 attachment(s)" in found[-1].reason
    fin, edu = arrivals(found)
    assert fin.data == FIN
    assert edu.data is not None and (EDU * 20).startswith(edu.data[:-3])


def test_a_missing_boundary_is_a_problem(tmp_path: Path) -> None:
    raw = raw_message([attachment('filename="FIN.xlsx"', FIN)]).replace(
        b'boundary="----=_Part_kpixl_0"', b'boundary="nowhere"'
    )
    found = run(eml(tmp_path, "noboundary.eml", raw))
    assert problems(found) == [("noboundary.eml", "file-corrupt")]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"\r\n \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not an e-mail"),
        (b"just some text\nwithout headers\n", "not an e-mail"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "not an e-mail"),
    ],
)
def test_a_file_that_is_not_an_email_is_a_problem(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    [problem] = run(eml(tmp_path, "x.eml", content))
    assert isinstance(problem, InputProblem)
    assert (problem.code, problem.path) == ("file-corrupt", str(tmp_path / "x.eml"))
    assert reason in problem.reason


def test_nesting_deeper_than_the_limit_is_not_followed(tmp_path: Path) -> None:
    raw = mail.built_message([("deep.xlsx", FIN, mail.XLSX_TYPE)], message_id="<m0@x>")
    for depth in range(MAX_DEPTH + 2):
        raw = mail.built_message([], forwarded=[raw], message_id=f"<m{depth + 1}@x>")
    found = run(eml(tmp_path, "deep.eml", raw))
    assert names(found) == []
    assert problems(found) == [("deep.eml", "file-corrupt")]


def test_a_message_nested_thousands_deep_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    head = b"From: a@b\r\nMIME-Version: 1.0\r\n"
    raw = head + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    for _ in range(3000):
        raw += b'--b\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
    found = run(eml(tmp_path, "nested.eml", raw))
    assert [item.code for item in found if isinstance(item, InputProblem)] == ["file-corrupt"]


GOOD = raw_message(
    [
        attachment(rfc2231("filename", THAI, size=9), FIN),
        attachment('filename="e.zip"', mail.zip_bytes({"a.xlsx": EDU})),
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cut=st.integers(min_value=0, max_value=len(GOOD)),
    flips=st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), max_size=8),
)
def test_any_damage_to_an_email_is_never_a_traceback(
    cut: int, flips: list[tuple[int, int]]
) -> None:
    damaged = bytearray(GOOD[:cut])
    for position, value in flips:
        if position < len(damaged):
            damaged[position] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.eml"
        path.write_bytes(bytes(damaged))
        box = mail.write_mbox(Path(folder) / "x.mbox", [bytes(damaged), GOOD])
        found = run(path, box)
    assert all(isinstance(item, Arrival | InputProblem) for item in found)
    assert all(p.code in CATALOGUE for p in found if isinstance(p, InputProblem))
    for item in found:  # everything is printable and storable
        text = repr(item) if isinstance(item, InputProblem) else repr(item.origin) + item.name
        text.encode("utf-8")
    assert names(found)[-2:] == [THAI, "a.xlsx"]  # the good message after it still reads


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_are_never_a_traceback(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name in ("x.eml", "x.mbox", "x.zip", "Inbox"):
            (Path(folder) / name).write_bytes(data)
        (Path(folder) / "From").write_bytes(b"From " + data)
        found = run(Path(folder))
    assert all(isinstance(item, Arrival | InputProblem) for item in found)


# --------------------------------------------------------------------------------------
# mailboxes
# --------------------------------------------------------------------------------------


def _messages() -> list[bytes]:
    return [
        mail.built_message([("EDU.xlsx", EDU, mail.XLSX_TYPE)], message_id="<1@x>"),
        mail.built_message(message_id="<2@x>", body="From the office: no attachment\n"),
        mail.built_message([("FIN.xlsx", FIN, mail.XLSX_TYPE)], message_id="<3@x>"),
        mail.built_message(
            [("b.xlsx", b"b", mail.XLSX_TYPE), ("a.xlsx", b"a", mail.XLSX_TYPE)],
            message_id="<4@x>",
        ),
    ]


def test_an_mbox_yields_every_message_in_file_order(tmp_path: Path) -> None:
    box = mail.write_mbox(tmp_path / "returns.mbox", _messages())
    assert b"\n>From the office" in box.read_bytes()
    found = run(box)
    assert problems(found) == []
    assert [(a.name, a.origin.message_id) for a in arrivals(found)] == [
        ("EDU.xlsx", "<1@x>"),
        ("FIN.xlsx", "<3@x>"),
        ("b.xlsx", "<4@x>"),
        ("a.xlsx", "<4@x>"),
    ]
    assert {a.origin.path for a in arrivals(found)} == {str(box)}
    assert arrivals(found)[1].data == FIN


def test_an_mbox_is_found_by_its_content(tmp_path: Path) -> None:
    folder = tmp_path / "Thunderbird"
    folder.mkdir()
    mail.write_mbox(folder / "Inbox", _messages()[:1])  # no extension, as Thunderbird keeps it
    (folder / "Inbox.msf").write_bytes(b'// <!-- <mdb:mork:z v="1.4"/> -->')
    (folder / "notes").write_bytes(b"not mail")
    mail.write_mbox(folder / "saved.eml", _messages()[2:3])  # an .eml with a From line
    found = run(folder)
    assert problems(found) == []
    assert names(found) == ["EDU.xlsx", "FIN.xlsx"]


def test_an_mbox_with_crlf_line_ends(tmp_path: Path) -> None:
    box = tmp_path / "crlf.mbox"
    box.write_bytes(
        b"".join(b"From x Tue Oct 11 09:00:00 2022\r\n" + m + b"\r\n" for m in _messages())
    )
    assert names(run(box)) == ["EDU.xlsx", "FIN.xlsx", "b.xlsx", "a.xlsx"]


def test_a_corrupt_mbox_is_a_problem_and_the_rest_goes_on(tmp_path: Path) -> None:
    good = mail.write_mbox(tmp_path / "good.mbox", _messages()).read_bytes()
    box = tmp_path / "corrupt.mbox"
    cut = good[: good.rindex(b"YQ==") + 2]  # inside the last attachment of the last message
    box.write_bytes(b"\x00\xffgarbage before\n\n" + cut + b"\nFrom \n\nFrom x\n\x00\x01\x02\n")
    found = run(box, tmp_path / "good.mbox")
    assert problems(found) == [
        ("corrupt.mbox", "file-corrupt"),  # the text before the first From line
        ("corrupt.mbox", "file-corrupt"),  # the truncated fourth message
        ("corrupt.mbox", "file-corrupt"),  # an empty message
        ("corrupt.mbox", "file-corrupt"),  # binary noise
    ]
    first = next(p for p in found if isinstance(p, InputProblem))
    assert "does not start with a 'From ' line" in first.reason
    assert names(found) == ["EDU.xlsx", "FIN.xlsx", "b.xlsx", "a.xlsx"] * 2
    assert arrivals(found)[3].data == b"a"  # "YQ" without its padding


@pytest.mark.parametrize("content", [b"", b"no From line here\n", b"\x00" * 100])
def test_an_mbox_without_messages(tmp_path: Path, content: bytes) -> None:
    box = tmp_path / "x.mbox"
    box.write_bytes(content)
    assert problems(run(box)) == ([] if not content else [("x.mbox", "file-corrupt")])


def test_a_message_past_the_limit_is_skipped(tmp_path: Path) -> None:
    big = mail.built_message([("big.xlsx", os.urandom(200_000), mail.XLSX_TYPE)])
    box = mail.write_mbox(tmp_path / "x.mbox", [big, _messages()[0]])
    big_eml = eml(tmp_path, "big.eml", big)
    limits = Limits(max_part_bytes=100_000)
    found = run(box, big_eml, limits=limits)
    assert problems(found) == [("x.mbox", "file-too-large"), ("big.eml", "file-too-large")]
    assert names(found) == ["EDU.xlsx"]


def test_a_maildir_yields_its_messages_sorted_by_key(tmp_path: Path) -> None:
    messages = _messages()
    box = mail.write_maildir(
        tmp_path / "Maildir",
        {"1665478800.M3P1.host:2,S": messages[2], "1665392400.M1P1.host:2,RS": messages[0]},
    )
    mail.write_maildir(box, {"1665435600.M2P1.host": messages[3]}, sub="new")
    mail.write_maildir(box, {"1665400000.M9P1.host": messages[2]}, sub="tmp")  # being delivered
    mail.write_maildir(box, {".hidden": messages[2]}, sub="cur")
    (box / ".Sent" / "cur").mkdir(parents=True)  # a Maildir++ subfolder: not read
    found = run(box)
    assert problems(found) == []
    assert [(a.name, Path(a.origin.path).relative_to(box).as_posix()) for a in arrivals(found)] == [
        ("EDU.xlsx", "cur/1665392400.M1P1.host:2,RS"),
        ("b.xlsx", "new/1665435600.M2P1.host"),
        ("a.xlsx", "new/1665435600.M2P1.host"),
        ("FIN.xlsx", "cur/1665478800.M3P1.host:2,S"),
    ]


def test_a_maildir_without_tmp_inside_a_folder(tmp_path: Path) -> None:
    box = mail.write_maildir(tmp_path / "returns" / "mail", {"1.M1.h": _messages()[0]})
    (box / "tmp").rmdir()  # lost by a copy that drops empty folders
    (tmp_path / "returns" / "FIN.xlsx").write_bytes(FIN)
    assert names(run(tmp_path / "returns")) == ["FIN.xlsx", "EDU.xlsx"]


# --------------------------------------------------------------------------------------
# zips
# --------------------------------------------------------------------------------------


def test_a_zip_file_yields_its_workbooks(tmp_path: Path) -> None:
    path = tmp_path / "ชุด.zip"
    path.write_bytes(mail.zip_bytes({"b/กองคลัง.xlsx": FIN, "a.ods": b"ods", "c.pdf": b"pdf"}))
    moment = datetime(2022, 10, 15, tzinfo=UTC).timestamp()
    os.utime(path, (moment, moment))
    found = run(path)
    assert [(a.name, a.origin, a.received_at, a.data) for a in arrivals(found)] == [
        ("a.ods", Origin("file", str(path), "ชุด.zip/a.ods"), mail.utc(2022, 10, 15), b"ods"),
        (
            "กองคลัง.xlsx",
            Origin("file", str(path), "ชุด.zip/b/กองคลัง.xlsx"),
            mail.utc(2022, 10, 15),
            FIN,
        ),
    ]


@pytest.mark.parametrize(
    "options",
    [
        {"utf8": True},
        {"utf8": False, "encoding": "cp874"},  # Windows' compressed folder on a Thai system
        {"utf8": False, "encoding": "utf-8"},  # macOS, Linux: UTF-8 without the flag
        {"utf8": False, "encoding": "cp874", "unicode_extra": True},  # 7-Zip
        {"utf8": True, "compression": zipfile.ZIP_STORED},
    ],
)
def test_zip_member_names_are_decoded(tmp_path: Path, options: dict[str, object]) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(mail.zip_bytes({"ตัวชี้วัด/กองคลัง.xlsx": FIN}, **options))  # type: ignore[arg-type]
    [arrival] = run(path)
    assert isinstance(arrival, Arrival)
    assert (arrival.name, arrival.origin.member) == ("กองคลัง.xlsx", "x.zip/ตัวชี้วัด/กองคลัง.xlsx")


def test_a_stale_unicode_path_field_is_ignored(tmp_path: Path) -> None:
    data = mail.zip_bytes({"กองคลัง.xlsx": FIN}, utf8=False, encoding="cp874", unicode_extra=True)
    # A tool renamed the member and left the field: its checksum no longer matches.
    data = data.replace("กองคลัง".encode("cp874"), "กองบัญช".encode("cp874"))
    path = tmp_path / "x.zip"
    path.write_bytes(data)
    assert names(run(path)) == ["กองบัญช.xlsx"]


def test_member_paths_are_only_labels(tmp_path: Path) -> None:
    path = tmp_path / "evil.zip"
    path.write_bytes(
        mail.zip_bytes({"../../etc/FIN.xlsx": FIN, "/abs/EDU.xlsx": EDU, "C:\\x\\y.xlsx": b"y"})
    )
    found = run(path)
    assert [(a.name, a.origin.member) for a in arrivals(found)] == [
        ("FIN.xlsx", "evil.zip/../../etc/FIN.xlsx"),
        ("EDU.xlsx", "evil.zip//abs/EDU.xlsx"),
        ("y.xlsx", "evil.zip/C:/x/y.xlsx"),
    ]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["evil.zip"]  # nothing extracted


def test_zips_inside_a_zip_are_opened_one_level_deep(tmp_path: Path) -> None:
    deepest = mail.zip_bytes({"too-deep.xlsx": FIN})
    inner = mail.zip_bytes({"EDU.xlsx": EDU, "deeper.zip": deepest})
    path = tmp_path / "outer.zip"
    path.write_bytes(mail.zip_bytes({"FIN.xlsx": FIN, "inner.zip": inner}))
    found = run(path)
    assert [a.origin.member for a in arrivals(found)] == [
        "outer.zip/FIN.xlsx",
        "outer.zip/inner.zip/EDU.xlsx",
    ]
    assert problems(found) == [("outer.zip", "file-not-workbook")]
    problem = next(p for p in found if isinstance(p, InputProblem))
    assert "outer.zip/inner.zip/deeper.zip" in problem.reason


def test_a_workbook_renamed_zip_is_one_arrival(tmp_path: Path) -> None:
    path = tmp_path / "FIN.zip"
    path.write_bytes(FIN)
    ods = build_mail.ods_bytes()
    raw = mail.built_message(
        [("ODS.zip", ods, ZIP), ("x.zip", mail.zip_bytes({"in.zip": FIN}), ZIP)]
    )
    found = run(path, eml(tmp_path, "a.eml", raw))
    assert [(a.name, a.origin.member, a.read_bytes()) for a in arrivals(found)] == [
        ("FIN.zip", "", FIN),
        ("ODS.zip", "ODS.zip", ods),
        ("in.zip", "x.zip/in.zip", FIN),
    ]


def test_a_zip_bomb_is_refused(tmp_path: Path) -> None:
    honest = tmp_path / "honest.zip"
    honest.write_bytes(mail.zip_bomb(30 * 1024 * 1024))
    ratio = tmp_path / "ratio.zip"
    ratio.write_bytes(mail.zip_bytes({"a.xlsx": bytes(20 * 1024 * 1024), "b.xlsx": FIN}))
    liar = hostile.deflated(bytes(hostile.BOMB_BYTES))
    liar.name, liar.size = "FIN.xlsx", 2048
    lying = hostile.write_raw_zip(tmp_path / "lying.zip", [liar])
    attached = eml(tmp_path, "bomb.eml", mail.built_message([("x.zip", honest.read_bytes(), ZIP)]))
    tracemalloc.start()
    try:
        found = run(honest, ratio, lying, attached)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert problems(found) == [
        ("honest.zip", "file-too-large"),
        ("ratio.zip", "file-too-large"),
        ("lying.zip", "file-corrupt"),  # zipfile stops at the declared size: the CRC fails
        ("bomb.eml", "file-too-large"),
    ]
    assert names(found) == ["b.xlsx"]
    assert peak < 16 * 1024 * 1024
    reasons = [p.reason for p in found if isinstance(p, InputProblem)]
    assert "zip bomb" in reasons[1] and "ratio.zip/a.xlsx" in reasons[1]


def test_an_archive_past_its_total_is_not_read_further(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    path.write_bytes(mail.zip_bytes({f"{i:02}.xlsx": os.urandom(50_000) for i in range(10)}))
    found = run(path, limits=Limits(max_total_bytes=120_000))
    assert names(found) == ["00.xlsx", "01.xlsx"]
    assert problems(found) == [("many.zip", "file-too-large")]
    many = tmp_path / "parts.zip"
    many.write_bytes(mail.zip_bytes({f"{i}.xlsx": b"x" for i in range(20)}))
    assert problems(run(many, limits=Limits(max_parts=10))) == [("parts.zip", "file-too-large")]


def test_encrypted_and_corrupt_zips_are_problems(tmp_path: Path) -> None:
    buffer = tmp_path / "locked.zip"
    buffer.write_bytes(
        mail.mark_encrypted(mail.zip_bytes({"FIN.xlsx": FIN, "EDU.xlsx": EDU}), "FIN.xlsx")
    )
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    crc = tmp_path / "crc.zip"
    data = bytearray(mail.zip_bytes({"FIN.xlsx": FIN}, compression=zipfile.ZIP_STORED))
    data[data.index(FIN) + 10] ^= 0xFF
    crc.write_bytes(bytes(data))
    found = run(buffer, broken, crc)
    assert problems(found) == [
        ("locked.zip", "file-encrypted"),
        ("broken.zip", "file-corrupt"),
        ("crc.zip", "file-corrupt"),
    ]
    assert names(found) == ["EDU.xlsx"]


# --------------------------------------------------------------------------------------
# files and folders
# --------------------------------------------------------------------------------------


def test_a_folder_tree_skips_hidden_and_lock_files(tmp_path: Path) -> None:
    root = tmp_path / "returned"
    (root / "กองคลัง" / "เก่า").mkdir(parents=True)
    (root / ".git").mkdir()
    files = {
        "b.xlsx": FIN,
        "a.XLSM": FIN,
        "c.xls": b"xls",
        "d.ods": b"ods",
        "e.xlsb": b"xlsb",
        "~$b.xlsx": b"owner file",
        ".~lock.b.xlsx#": b"lock",
        ".hidden.xlsx": FIN,
        "Thumbs.db": b"x",
        "อ่านก่อน.txt": b"x",
        "หนังสือ.pdf": b"x",
        ".git/x.xlsx": FIN,
        "กองคลัง/FIN.xlsx": FIN,
        "กองคลัง/เก่า/FIN.xlsx": EDU,
        "กองคลัง/ตอบกลับ.eml": mail.built_message([("แนบ.xlsx", EDU, mail.XLSX_TYPE)]),
        "กองคลัง/ชุด.zip": mail.zip_bytes({"z.xlsx": FIN}),
        "not-a-workbook.xlsx": b"plain text named .xlsx",
    }
    for name, data in reversed(files.items()):  # created in another order than read
        (root / name).write_bytes(data)
    found = run(root)
    assert problems(found) == []
    assert [
        Path(a.origin.path).relative_to(root).as_posix() + "|" + a.origin.member
        for a in arrivals(found)
    ] == [
        "a.XLSM|",
        "b.xlsx|",
        "c.xls|",
        "d.ods|",
        "e.xlsb|",
        "not-a-workbook.xlsx|",
        "กองคลัง/FIN.xlsx|",
        "กองคลัง/ชุด.zip|ชุด.zip/z.xlsx",
        "กองคลัง/ตอบกลับ.eml|แนบ.xlsx",
        "กองคลัง/เก่า/FIN.xlsx|",
    ]
    assert all(
        a.file is not None
        for a in arrivals(found)
        if a.origin.kind == "file" and not a.origin.member
    )


def test_a_hidden_or_lock_file_named_explicitly_is_read(tmp_path: Path) -> None:
    lock = tmp_path / "~$FIN.xlsx"
    lock.write_bytes(b"owner")
    assert names(run(lock)) == ["~$FIN.xlsx"]


def test_explicit_files_of_other_kinds(tmp_path: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    msg = tmp_path / "ตอบกลับ.msg"
    msg.write_bytes(b"\xd0\xcf\x11\xe0")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    found = run(pdf, msg, fifo, tmp_path / "missing.xlsx", Path("bad\x00name"))
    assert names(found) == ["scan.pdf"]  # the reader says what it is
    assert problems(found) == [
        ("ตอบกลับ.msg", "file-not-workbook"),
        ("pipe", "file-not-workbook"),
        ("missing.xlsx", "file-not-found"),
        ("bad\x00name", "file-not-found"),
    ]
    msg_problem = next(p for p in found if isinstance(p, InputProblem))
    assert "Outlook" in msg_problem.reason


def test_a_missing_path_is_a_problem_and_the_rest_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "FIN.xlsx"
    path.write_bytes(FIN)
    found = run(tmp_path / "ไม่มี", path, tmp_path / "gone" / "x.eml")
    assert [type(item).__name__ for item in found] == ["InputProblem", "Arrival", "InputProblem"]
    assert problems(found) == [("ไม่มี", "file-not-found"), ("x.eml", "file-not-found")]


def test_exclude_skips_folders_wherever_they_are(tmp_path: Path) -> None:
    (tmp_path / "in" / "ledger").mkdir(parents=True)
    (tmp_path / "in" / "FIN.xlsx").write_bytes(FIN)
    (tmp_path / "in" / "ledger" / "FIN.xlsx").write_bytes(FIN)
    (tmp_path / "in" / "ledger" / "copy.eml").write_bytes(b"never read")
    (tmp_path / "link").symlink_to(tmp_path / "in" / "ledger")
    found = run(tmp_path / "in", tmp_path / "link", exclude=[tmp_path / "link"])
    assert [Path(a.origin.path).relative_to(tmp_path).as_posix() for a in arrivals(found)] == [
        "in/FIN.xlsx"
    ]
    assert problems(found) == []


def test_a_path_reached_twice_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / "FIN.xlsx"
    path.write_bytes(FIN)
    (tmp_path / "loop").symlink_to(tmp_path)  # a symlink loop
    found = run(tmp_path, path, tmp_path / "loop" / "FIN.xlsx")
    assert names(found) == ["FIN.xlsx"]


def test_collect_is_lazy(tmp_path: Path) -> None:
    first = eml(tmp_path, "a.eml", mail.built_message([("a.xlsx", FIN, mail.XLSX_TYPE)]))
    later = tmp_path / "b.eml"
    stream = collect([first, later])
    assert isinstance(next(stream), Arrival)
    later.write_bytes(mail.built_message([("b.xlsx", EDU, mail.XLSX_TYPE)]))  # written meanwhile
    assert names(stream) == ["b.xlsx"]


def test_two_runs_give_the_same_list(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    mail.write_mbox(root / "x.mbox", _messages())
    mail.write_maildir(root / "md", {"2.M.h": _messages()[3], "1.M.h": _messages()[0]})
    (root / "z.zip").write_bytes(mail.zip_bytes({"q.xlsx": FIN, "p.xlsx": EDU}))
    (root / "FIN.xlsx").write_bytes(FIN)
    (root / "bad.eml").write_bytes(b"\x00")
    first = run(root)
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    second = run(root)
    assert first == second
    assert [(a.name, a.content_hash) for a in arrivals(run(copy))] == [
        (a.name, a.content_hash) for a in arrivals(first)
    ]
    assert len(arrivals(first)) == 10 and problems(first) == [("bad.eml", "file-corrupt")]


def test_every_problem_code_is_catalogued(tmp_path: Path) -> None:
    bad = {
        "a.eml": b"",
        "b.mbox": b"junk",
        "c.zip": b"PK",
        "d.msg": b"x",
        "e.zip": mail.zip_bytes({"in.zip": mail.zip_bytes({"deep.zip": b"x"})}),
        "f.zip": mail.zip_bomb(26 * 1024 * 1024),
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
    found = run(tmp_path, tmp_path / "missing")
    codes = {p.code for p in found if isinstance(p, InputProblem)}
    assert codes == {"file-corrupt", "file-not-workbook", "file-too-large", "file-not-found"}
    assert codes <= set(CATALOGUE)


# --------------------------------------------------------------------------------------
# the bundled sample mail
# --------------------------------------------------------------------------------------


def test_the_sample_mail_is_what_build_mail_makes(tmp_path: Path) -> None:
    written = build_mail.build_mail(tmp_path / "mail", FILLED)
    committed = sorted(p for p in MAIL.rglob("*") if p.is_file())
    assert [p.relative_to(tmp_path / "mail") for p in written] == [
        p.relative_to(MAIL) for p in committed
    ]
    for new, old in zip(written, committed, strict=True):
        assert new.read_bytes() == old.read_bytes(), (
            f"{old.name}: run sample_workbooks/build_mail.py"
        )
    assert sum(p.stat().st_size for p in committed) < 1.5 * 1024 * 1024
    again = build_mail.build_mail(tmp_path / "again", FILLED)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in written]


def test_the_sample_mail_arrives_as_the_filled_workbooks() -> None:
    by_hash = {hashlib.sha256(p.read_bytes()).hexdigest(): p.name for p in FILLED.glob("*.xlsx")}
    found = run(MAIL)
    assert problems(found) == []
    got = [
        (
            Path(a.origin.path).name if "Maildir" not in a.origin.path else "Maildir",
            a.origin.sender.rsplit("<", 1)[-1].rstrip(">"),
            by_hash.get(a.content_hash, a.name),
            a.received_at.astimezone(build_mail.THAI_TIME).strftime("%d %H:%M"),
        )
        for a in arrivals(found)
    ]
    domain = "@pao-nakhonsawan.example"
    assert got == [
        ("COM_ods.eml", f"com{domain}", "ผลการดำเนินงาน_กองกิจการพาณิชย์.ods", "13 16:20"),
        ("FIN_ตอบกลับ.eml", f"fin{domain}", "FIN_clean.xlsx", "07 10:15"),
        ("FIN_ส่งซ้ำ.eml", f"fin{domain}", "FIN_clean.xlsx", "10 14:02"),
        ("HLT_PER_รวมไฟล์.eml", f"saraban{domain}", "PER_clean.xlsx", "12 09:41"),
        ("HLT_PER_รวมไฟล์.eml", f"saraban{domain}", "HLT_clean.xlsx", "12 09:41"),
        ("Maildir", f"wel{domain}", "WEL_messy_dates_reports.xlsx", "14 13:10"),
        ("Maildir", f"edu{domain}", "EDU_resubmitted_late.xlsx", "20 16:45"),
        ("returns.mbox", f"edu{domain}", "EDU_clean.xlsx", "07 08:30"),
        ("returns.mbox", f"sec{domain}", "SEC_messy_typing.xlsx", "11 11:05"),
    ]
    subjects = {a.origin.subject for a in arrivals(found)}
    assert "RE: ส่งผลการประเมินตัวชี้วัด ประจำปีงบประมาณ พ.ศ. 2565 - กองคลัง (ส่งอีกครั้ง)" in subjects
    assert (
        "แก้ไข: ส่งผลการประเมินตัวชี้วัด ประจำปีงบประมาณ พ.ศ. 2565 - กองการศึกษา ศาสนาและวัฒนธรรม" in subjects
    )
    assert {a.name for a in arrivals(found)} >= {
        "แบบประเมินผลการปฏิบัติราชการ_กองคลัง_ปีงบประมาณ2565.xlsx",
        "กองสาธารณสุข.xlsx",
        "แบบประเมิน_สำนักงานเลขานุการ.xlsx",
    }


def test_the_sample_ods_is_a_real_spreadsheet(tmp_path: Path) -> None:
    ods = tmp_path / "COM.ods"
    ods.write_bytes(build_mail.ods_bytes())
    with zipfile.ZipFile(ods) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    [converted] = libreoffice.recalculate([ods], tmp_path / "out")
    sheet = openpyxl.load_workbook(converted).active
    assert sheet is not None
    assert [tuple(v for v in row if v is not None) for row in sheet.values] == list(
        build_mail.ODS_ROWS
    )


def test_the_thai_safe_policy_keeps_every_space() -> None:
    subject = "แก้ไข: ส่งผลการประเมินตัวชี้วัด ประจำปีงบประมาณ พ.ศ. 2565 - กองการศึกษา ศาสนาและวัฒนธรรม"
    message = build_mail.built(
        sender="กองการศึกษา ศาสนาและวัฒนธรรม <edu@x.example>",
        subject=subject,
        when=build_mail.sent(20, 16, 45),
        tag="t",
        body="x",
    )
    raw = message.as_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")[:12]) <= 100
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert decode_header(head.split("Subject: ", 1)[1].split("\r\nDate:", 1)[0]) == subject
