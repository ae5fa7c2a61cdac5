"""Build the bundled sample mail: the filled sample workbooks as divisions send them back.

    python sample_workbooks/build_mail.py

writes ``sample_workbooks/mail/`` from ``sample_workbooks/filled/*.xlsx``: what the
central office of อบจ.นครสวรรค์ (กองยุทธศาสตร์และงบประมาณ, ``str@``) finds in its mailbox
in October 2022 (B.E. 2565), after asking every division for its FY 2565 results:

* ``FIN_ตอบกลับ.eml`` -- กองคลัง replies with its workbook under a long Thai name (RFC 2231
  continuations, as Thunderbird and Gmail write it) and a PDF cover letter (ignored).
* ``FIN_ส่งซ้ำ.eml`` -- three days later the same workbook again, "in case it did not
  arrive", from Outlook: RFC 2047 words in ``filename=``, a ``windows-874`` subject and
  body. The same bytes: a duplicate.
* ``HLT_PER_รวมไฟล์.eml`` -- the administration unit sends กองสาธารณสุข's and
  กองการเจ้าหน้าที่'s workbooks in one zip made by Windows' "compressed folder" on a Thai
  system (member names in code page 874, no UTF-8 flag).
* ``COM_ods.eml`` -- กองกิจการพาณิชย์ saved its return in LibreOffice as ``.ods`` (a
  minimal but real OpenDocument spreadsheet, made here).
* ``returns.mbox`` -- three messages: กองการศึกษาฯ's first return (``EDU_clean.xlsx``),
  สำนักงานเลขานุการฯ's return from an old webmail (TIS-620 subject and file name), and
  กองพัสดุฯ asking for more time (no attachment).
* ``Maildir/`` -- two messages: กองการศึกษาฯ's corrected resubmission
  (``EDU_resubmitted_late.xlsx``, dated after its first), unread in ``new/``; and
  สำนักปลัดฯ forwarding กองสวัสดิการสังคม's e-mail (a ``message/rfc822`` part) in ``cur/``.

Everything is fixed -- dates, Message-IDs, MIME boundaries, zip timestamps, and zips are
stored, not deflated (deflate's output may differ between zlib builds) -- so the files
change only when ``filled/`` does. Maildir file names carry no ``:2,`` flags: a colon
cannot be in a file name on Windows, where the repository is checked out too.
"""

from __future__ import annotations

import base64
import email.utils
import io
import quopri
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

from kpixl.mailpolicy import THAI_SMTP
from kpixl.mailpolicy import encoded_word as _b_word

HERE = Path(__file__).resolve().parent
FILLED = HERE / "filled"
MAIL = HERE / "mail"

DOMAIN = "pao-nakhonsawan.example"
OFFICE = f"กองยุทธศาสตร์และงบประมาณ อบจ.นครสวรรค์ <str@{DOMAIN}>"
THAI_TIME = timezone(timedelta(hours=7))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ZIP_TIME = (2022, 10, 12, 9, 30, 0)
SUBJECT = "ส่งผลการประเมินตัวชี้วัด ประจำปีงบประมาณ พ.ศ. 2565"


def sent(day: int, hour: int, minute: int) -> datetime:
    """A moment of October 2022, Thai time."""
    return datetime(2022, 10, day, hour, minute, tzinfo=THAI_TIME)


def message_id(tag: str) -> str:
    return f"<{tag}@{DOMAIN}>"


def _headers(message: EmailMessage, sender: str, subject: str, when: datetime, tag: str) -> None:
    message["From"] = sender
    message["To"] = OFFICE
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(when)
    message["Message-ID"] = message_id(tag)


def built(
    *,
    sender: str,
    subject: str,
    when: datetime,
    tag: str,
    body: str,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    forwarded: EmailMessage | None = None,
) -> EmailMessage:
    """A message as Thunderbird or Gmail writes it (``email.message.EmailMessage``).

    Args:
        sender: From.
        subject: Subject.
        when: Date.
        tag: The local part of the Message-ID, and the MIME boundary's.
        body: The text.
        attachments: ``(file name, content, content type)``; non-ASCII names are written
            as RFC 2231 parameters, split into continuations when long.
        forwarded: A message attached whole (``message/rfc822``).
    """
    message = EmailMessage(policy=THAI_SMTP)
    _headers(message, sender, subject, when, tag)
    message.set_content(body)
    for name, data, content_type in attachments:
        maintype, subtype = content_type.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    if forwarded is not None:
        message.add_attachment(forwarded)
    if message.is_multipart():
        message.set_boundary(f"----=_kpixl_{tag}")
    return message


def outlook_message(
    *,
    sender_name: str,
    address: str,
    subject: str,
    when: datetime,
    tag: str,
    body: str,
    name: str,
    data: bytes,
) -> bytes:
    """A message as Outlook on a Thai Windows writes it, by hand: a ``windows-874``
    subject and quoted-printable body, the file name as an RFC 2047 word inside the
    quotes of both ``name=`` and ``filename=`` (which the RFCs do not allow, and every
    mail program reads)."""
    boundary = f"----=_NextPart_000_{tag}"
    encoded_name = _b_word(name, "utf-8", "utf-8")
    text = quopri.encodestring(body.encode("cp874")).decode("ascii")
    lines = [
        f"From: {_b_word(sender_name, 'windows-874', 'cp874')} <{address}>",
        f"To: <str@{DOMAIN}>",
        f"Subject: {_b_word(subject, 'windows-874', 'cp874')}",
        f"Date: {email.utils.format_datetime(when)}",
        f"Message-ID: {message_id(tag)}",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{boundary}"',
        "X-Mailer: Microsoft Outlook 16.0",
        "",
        "This is a multipart message in MIME format.",
        "",
        f"--{boundary}",
        'Content-Type: text/plain; charset="windows-874"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        text.replace("\n", "\r\n"),
        f"--{boundary}",
        f'Content-Type: {XLSX}; name="{encoded_name}"',
        "Content-Transfer-Encoding: base64",
        f'Content-Disposition: attachment; filename="{encoded_name}"',
        "",
        base64.encodebytes(data).decode("ascii").replace("\n", "\r\n"),
        f"--{boundary}--",
        "",
    ]
    return "\r\n".join(lines).encode("ascii")


def webmail_message(
    *, sender: str, subject: str, when: datetime, tag: str, body: str, name: str, data: bytes
) -> bytes:
    """A message from an old Thai webmail, by hand: everything in TIS-620 (the subject,
    the file name as an RFC 2047 word, the body as 8-bit text)."""
    boundary = f"=_webmail_{tag}"
    lines = [
        f"From: {sender}",
        f"To: str@{DOMAIN}",
        f"Subject: {_b_word(subject, 'TIS-620', 'cp874')}",
        f"Date: {email.utils.format_datetime(when)}",
        f"Message-ID: {message_id(tag)}",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{boundary}"',
        "",
        f"--{boundary}",
        "Content-Type: text/plain; charset=TIS-620",
        "Content-Transfer-Encoding: 8bit",
        "",
    ]
    head = ("\r\n".join(lines) + "\r\n").encode("ascii") + body.encode("cp874") + b"\r\n"
    tail = [
        f"--{boundary}",
        f'Content-Type: application/octet-stream; name="{_b_word(name, "TIS-620", "cp874")}"',
        "Content-Transfer-Encoding: base64",
        f'Content-Disposition: attachment; filename="{_b_word(name, "TIS-620", "cp874")}"',
        "",
        base64.encodebytes(data).decode("ascii").replace("\n", "\r\n"),
        f"--{boundary}--",
        "",
    ]
    return head + "\r\n".join(tail).encode("ascii")


def stored_zip(members: Sequence[tuple[str, bytes]], *, name_encoding: str = "utf-8") -> bytes:
    """A zip whose members are stored (not deflated) with a fixed time.

    Args:
        members: ``(path, content)`` in order.
        name_encoding: ``"utf-8"`` flags non-ASCII names as UTF-8 (bit 11); any other
            codec stores the raw bytes unflagged, as Windows' compressed folders do in the
            system's code page (``cp874`` on a Thai Windows).
    """
    buffer = io.BytesIO()
    patches: list[tuple[bytes, bytes]] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for index, (path, data) in enumerate(members):
            info = zipfile.ZipInfo(path, ZIP_TIME)
            if name_encoding != "utf-8" and not path.isascii():
                # zipfile writes any non-ASCII name as flagged UTF-8: write an ASCII
                # stand-in of the same length and put the raw bytes in its place.
                raw = path.encode(name_encoding)
                stand_in = f"@{index}@".ljust(len(raw), "_").encode("ascii")
                info.filename = stand_in.decode("ascii")
                patches.append((stand_in, raw))
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    out = buffer.getvalue()
    for stand_in, raw in patches:
        if out.count(stand_in) != 2:  # the local header and the central directory
            raise RuntimeError(f"zip name stand-in {stand_in!r} is not unique")
        out = out.replace(stand_in, raw)
    return out


_ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" \
manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" \
manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""

_ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" \
xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" \
xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
 <office:body>
  <office:spreadsheet>
   <table:table table:name="แบบประเมิน">
{rows}
   </table:table>
  </office:spreadsheet>
 </office:body>
</office:document-content>
"""


def _ods_cell(value: str | float) -> str:
    if isinstance(value, str):
        return (
            f'<table:table-cell office:value-type="string"><text:p>{value}</text:p>'
            "</table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="float" office:value="{value:g}">'
        f"<text:p>{value:g}</text:p></table:table-cell>"
    )


ODS_ROWS: tuple[tuple[str | float, ...], ...] = (
    ("แบบประเมินผลสัมฤทธิ์ของงาน กองกิจการพาณิชย์ ประจำปีงบประมาณ พ.ศ. 2565",),
    ("ตัวชี้วัด", "ผลการปฏิบัติงาน"),
    ("1.1", 92.5),
    ("1.2", 4.2),
)
"""The cells of the sample ``.ods`` (what LibreOffice shows when it opens it)."""


def ods_bytes(rows: Sequence[Sequence[str | float]] = ODS_ROWS) -> bytes:
    """A minimal but real OpenDocument spreadsheet (LibreOffice opens it): a zip whose
    first member is ``mimetype``, stored, then ``META-INF/manifest.xml`` and a
    ``content.xml`` with one sheet of ``rows``."""
    body = "\n".join(
        "    <table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
        for row in rows
    )
    return stored_zip(
        [
            ("mimetype", ODS.encode("ascii")),
            ("META-INF/manifest.xml", _ODS_MANIFEST.encode("utf-8")),
            ("content.xml", _ODS_CONTENT.format(rows=body).encode("utf-8")),
        ]
    )


_COVER_PDF = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj
trailer << /Root 1 0 R >>
%%EOF
"""


def mbox_bytes(messages: Sequence[tuple[str, datetime, bytes]]) -> bytes:
    """An mbox (mboxrd): each message after its ``From`` line, ``From`` lines in it
    quoted, a blank line after each; line ends as Unix mail spools keep them."""
    out = bytearray()
    for envelope_sender, when, raw in messages:
        stamp = when.astimezone(UTC).strftime("%a %b %d %H:%M:%S %Y")
        out += f"From {envelope_sender} {stamp}\n".encode("ascii")
        for line in raw.replace(b"\r\n", b"\n").rstrip(b"\n").split(b"\n"):
            quoted = line.lstrip(b">").startswith(b"From ")
            out += (b">" if quoted else b"") + line + b"\n"
        out += b"\n"
    return bytes(out)


def sample_mail(filled: Path = FILLED) -> dict[str, bytes]:
    """The sample mail: relative path under ``mail/`` → content."""

    def workbook(name: str) -> bytes:
        return (filled / name).read_bytes()

    fin = workbook("FIN_clean.xlsx")
    files: dict[str, bytes] = {}

    files["FIN_ตอบกลับ.eml"] = built(
        sender=f"กองคลัง อบจ.นครสวรรค์ <fin@{DOMAIN}>",
        subject=f"{SUBJECT} - กองคลัง",
        when=sent(7, 10, 15),
        tag="fin-20221007-1",
        body=(
            "เรียน กองยุทธศาสตร์และงบประมาณ\n\n"
            "กองคลังขอส่งแบบประเมินผลการปฏิบัติราชการตามตัวชี้วัด ประจำปีงบประมาณ "
            "พ.ศ. 2565 พร้อมหนังสือนำส่ง ตามไฟล์แนบ\n\n"
            "นางอวยพร สุขไสย\nผู้อำนวยการกองคลัง\n"
        ),
        attachments=[
            ("แบบประเมินผลการปฏิบัติราชการ_กองคลัง_ปีงบประมาณ2565.xlsx", fin, XLSX),
            ("หนังสือนำส่ง_กองคลัง.pdf", _COVER_PDF, "application/pdf"),
        ],
    ).as_bytes()

    files["FIN_ส่งซ้ำ.eml"] = outlook_message(
        sender_name="กองคลัง",
        address=f"fin@{DOMAIN}",
        subject=f"RE: {SUBJECT} - กองคลัง (ส่งอีกครั้ง)",
        when=sent(10, 14, 2),
        tag="fin-20221010-2",
        body="ส่งไฟล์อีกครั้ง เผื่อฉบับก่อนไม่ได้รับค่ะ\nกองคลัง\n",
        name="แบบประเมินผลการปฏิบัติราชการ_กองคลัง_ปีงบประมาณ2565.xlsx",
        data=fin,
    )

    bundle = stored_zip(
        [
            ("ตัวชี้วัด_2565/กองสาธารณสุข.xlsx", workbook("HLT_clean.xlsx")),
            ("ตัวชี้วัด_2565/กองการเจ้าหน้าที่.xlsx", workbook("PER_clean.xlsx")),
        ],
        name_encoding="cp874",
    )
    files["HLT_PER_รวมไฟล์.eml"] = built(
        sender=f"งานสารบรรณ สำนักปลัด อบจ.นครสวรรค์ <saraban@{DOMAIN}>",
        subject=f"{SUBJECT} - กองสาธารณสุข และกองการเจ้าหน้าที่",
        when=sent(12, 9, 41),
        tag="saraban-20221012-1",
        body=(
            "เรียน กองยุทธศาสตร์และงบประมาณ\n\n"
            "ส่งแบบประเมินของกองสาธารณสุขและกองการเจ้าหน้าที่ รวมไว้ในไฟล์ zip ไฟล์เดียว\n"
        ),
        attachments=[("ตัวชี้วัด_กองสาธารณสุข_กองการเจ้าหน้าที่.zip", bundle, "application/zip")],
    ).as_bytes()

    files["COM_ods.eml"] = built(
        sender=f"กองกิจการพาณิชย์ <com@{DOMAIN}>",
        subject=f"{SUBJECT} - กองกิจการพาณิชย์",
        when=sent(13, 16, 20),
        tag="com-20221013-1",
        body="ส่งผลการดำเนินงานครับ (บันทึกจากโปรแกรม LibreOffice)\n",
        attachments=[("ผลการดำเนินงาน_กองกิจการพาณิชย์.ods", ods_bytes(), ODS)],
    ).as_bytes()

    edu_first = built(
        sender=f"กองการศึกษา ศาสนาและวัฒนธรรม <edu@{DOMAIN}>",
        subject=f"{SUBJECT} - กองการศึกษา ศาสนาและวัฒนธรรม",
        when=sent(7, 8, 30),
        tag="edu-20221007-1",
        body="เรียน กองยุทธศาสตร์และงบประมาณ\n\nส่งแบบประเมินตามแนบค่ะ\n",
        attachments=[("แบบประเมิน_กองการศึกษา.xlsx", workbook("EDU_clean.xlsx"), XLSX)],
    ).as_bytes()
    sec = webmail_message(
        sender=f"sec@{DOMAIN}",
        subject=f"{SUBJECT} - สำนักงานเลขานุการ อบจ.",
        when=sent(11, 11, 5),
        tag="sec-20221011-1",
        body="ส่งแบบประเมินของสำนักงานเลขานุการองค์การบริหารส่วนจังหวัด\n",
        name="แบบประเมิน_สำนักงานเลขานุการ.xlsx",
        data=workbook("SEC_messy_typing.xlsx"),
    )
    sup = built(
        sender=f"กองพัสดุและทรัพย์สิน <sup@{DOMAIN}>",
        subject=f"ขอขยายเวลาส่ง{SUBJECT}",
        when=sent(12, 15, 0),
        tag="sup-20221012-1",
        body="กองพัสดุฯ ขอขยายเวลาส่งแบบประเมินถึงวันที่ 21 ตุลาคม 2565 ครับ\n",
    ).as_bytes()
    files["returns.mbox"] = mbox_bytes(
        [
            (f"edu@{DOMAIN}", sent(7, 8, 30), edu_first),
            (f"sec@{DOMAIN}", sent(11, 11, 5), sec),
            (f"sup@{DOMAIN}", sent(12, 15, 0), sup),
        ]
    )

    wel = built(
        sender=f"กองสวัสดิการสังคม <wel@{DOMAIN}>",
        subject=f"{SUBJECT} - กองสวัสดิการสังคม",
        when=sent(14, 13, 10),
        tag="wel-20221014-1",
        body="ส่งแบบประเมินของกองสวัสดิการสังคมค่ะ\n",
        attachments=[
            ("แบบประเมิน_กองสวัสดิการสังคม.xlsx", workbook("WEL_messy_dates_reports.xlsx"), XLSX)
        ],
    )
    forward = built(
        sender=f"สำนักปลัด อบจ.นครสวรรค์ <pal@{DOMAIN}>",
        subject=f"Fwd: {SUBJECT} - กองสวัสดิการสังคม",
        when=sent(17, 8, 55),
        tag="pal-20221017-1",
        body="ส่งต่ออีเมลของกองสวัสดิการสังคม ซึ่งส่งมาที่สำนักปลัดโดยผิดที่อยู่\n",
        forwarded=wel,
    ).as_bytes()
    edu_again = built(
        sender=f"กองการศึกษา ศาสนาและวัฒนธรรม <edu@{DOMAIN}>",
        subject=f"แก้ไข: {SUBJECT} - กองการศึกษา ศาสนาและวัฒนธรรม",
        when=sent(20, 16, 45),
        tag="edu-20221020-2",
        body="ส่งแบบประเมินฉบับแก้ไขแทนฉบับวันที่ 7 ตุลาคม 2565 ค่ะ\n",
        attachments=[
            ("แบบประเมิน_กองการศึกษา_แก้ไข.xlsx", workbook("EDU_resubmitted_late.xlsx"), XLSX)
        ],
    ).as_bytes()
    # Maildir names start with the delivery time; no ":2,S" flags (see the docstring).
    files[f"Maildir/cur/{int(sent(17, 8, 56).timestamp())}.M1P2565.mail.{DOMAIN}"] = forward
    files[f"Maildir/new/{int(sent(20, 16, 46).timestamp())}.M2P2565.mail.{DOMAIN}"] = edu_again
    return files


def build_mail(out: Path = MAIL, filled: Path = FILLED) -> list[Path]:
    """Write the sample mail into ``out``.

    A message file left in ``out/Maildir`` by an earlier build and not made now is
    removed (a Maildir's files are all read as mail); nothing else is deleted.

    Args:
        out: The mail folder.
        filled: The folder of the filled sample workbooks.

    Returns:
        The files written, sorted.
    """
    files = sample_mail(filled)
    for sub in ("cur", "new", "tmp"):
        folder = out / "Maildir" / sub
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.iterdir():
            if stale.is_file() and f"Maildir/{sub}/{stale.name}" not in files:
                stale.unlink()
    written = []
    for relative, data in sorted(files.items()):
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written


def main() -> None:
    """Build ``sample_workbooks/mail/`` and list what was written."""
    for path in build_mail():
        print(f"{path.stat().st_size:>9,}  {path.relative_to(HERE)}")


if __name__ == "__main__":
    main()
