"""The master workbook's guidance (คำแนะนำ) and kinds (ชนิดเกณฑ์) sheets, for the clerk.

The kinds sheet is the registry of :mod:`kpixl.kinds` in Thai (the kind column's helper
formula looks its meaning up there); the guidance's worked example is the example of
:mod:`kpixl.master_example`, scored by kpixl. Nothing here is read back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kpixl import layout as L
from kpixl.kinds import KINDS as KIND_REGISTRY
from kpixl.kinds import Kind
from kpixl.master import AGGREGATES, EXAMPLE_MARK, KPIS, SHEETS
from kpixl.master_example import EXAMPLE_CODE, example_kpis, worked_example, worked_lines
from kpixl.templates.styles import LINE
from kpixl.thai import format_number

GUIDANCE_SHEET = "คำแนะนำ"
KINDS_SHEET = "ชนิดเกณฑ์"
_DEFAULT_YEAR = 2569

_CRITERION_EXAMPLES = {
    "bands": "ไม่ถึงร้อยละ 60 · ตั้งแต่ร้อยละ 60 แต่ไม่ถึงร้อยละ 70 · … · ตั้งแต่ร้อยละ 90 ถึงร้อยละ 100",
    "milestones": "ทำขั้นตอนที่ 1 ได้ 1 คะแนน · ทำขั้นตอนที่ 1-2 ได้ 2 คะแนน · … · ทำขั้นตอนที่ 1-5 ได้ 5 คะแนน",
    "date": "ภายในวันที่ 30 ธันวาคม 2568 (ระดับ 1) … ภายในวันที่ 10 ธันวาคม 2568 (ระดับ 5)",
    "day_of_next_month": "ภายในวันที่ 30 ของเดือนถัดไป (ระดับ 1) … ภายในวันที่ 10 ของเดือนถัดไป (ระดับ 5)",
    "days_after_year_end": "ภายใน 90 วัน นับแต่วันสิ้นปี (ระดับ 1) … ภายใน 30 วัน นับแต่วันสิ้นปี (ระดับ 5)",
}
_MORE = {
    "ratio": "คอลัมน์ ตัวตั้ง และ ตัวหาร (ชื่อของตัวเลขที่กองกรอก)",
    "growth": "คอลัมน์ ตัวตั้ง (ผลปีนี้) และ ตัวหาร (ผลปีที่แล้ว)",
    "survey": "แผ่นงาน แบบสำรวจ (ด้านและข้อคำถาม) และ เกณฑ์แปลผลสำรวจ",
    "weighted_items": "แผ่นงาน รายการย่อย (รายการและค่าน้ำหนักของแต่ละรายการ)",
    "milestones": "แผ่นงาน ขั้นตอน (รายละเอียดของขั้นตอนที่ 1 ถึง 5)",
}
_AGGREGATE_TH = {
    "sum": "จำนวนที่นำมาบวกกันได้ เช่น จำนวนครั้ง จำนวนราย (ยอดไตรมาสรวมเป็นยอดทั้งปี)",
    "last": "ค่าสะสม เช่น ร้อยละการเบิกจ่ายสะสม ใช้ค่าล่าสุดเป็นยอดทั้งปี",
    "none": "ร้อยละหรือระดับ ไม่นำมารวมกัน",
}


def row_height(cells: Iterable[tuple[str, float]]) -> float:
    """A row height that shows wrapped 14 pt text whole, on the safe side: LibreOffice
    substitutes a wider Thai font where TH Sarabun New is not installed."""
    return L.row_height(cells, line=LINE, chars_per_unit=1.05)


def _criterion_example(kind: Kind) -> str:
    return _CRITERION_EXAMPLES[kind.deadline or kind.rubric]


def write_kinds_sheet(book: Any, formats: dict[str, Any]) -> None:
    """The ชนิดเกณฑ์ sheet: each kind's name, what it means, an example of its criteria and
    what else it needs; columns A–C are what the kind column's helper looks up."""
    sheet = book.add_worksheet(KINDS_SHEET)
    widths = (25, 22, 40, 36, 27)
    headers = ("kind", "ชื่อชนิดเกณฑ์", "ได้ค่าที่นำมาคิดคะแนนอย่างไร", "ตัวอย่างเกณฑ์", "ต้องกรอกเพิ่ม")
    for col, (width, header) in enumerate(zip(widths, headers, strict=True)):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, header, formats["header"])
    sheet.set_row(0, row_height(zip(headers, widths, strict=True)))
    for row, (name, kind) in enumerate(KIND_REGISTRY.items(), 1):
        texts = (
            name,
            kind.title_th,
            kind.explain_th,
            _criterion_example(kind),
            _MORE.get(name, "—"),
        )
        for col, text in enumerate(texts):
            sheet.write_string(row, col, text, formats["text"])
        sheet.set_row(row, row_height(zip(texts, widths, strict=True)))
    last = len(KIND_REGISTRY) + 2
    sheet.merge_range(
        last,
        0,
        last,
        len(widths) - 1,
        "(เว้นว่าง) = ตัวชี้วัดของแผนเป้าหมาย (แบบ ก) เท่านั้น ไม่คิดคะแนน",
        formats["note"],
    )
    sheet.freeze_panes(1, 1)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)


class _Writer:
    """Rows of the guidance sheet, written top to bottom in three columns."""

    WIDTHS = (5, 26, 66)

    def __init__(self, book: Any, formats: dict[str, Any]) -> None:
        self.sheet = book.add_worksheet(GUIDANCE_SHEET)
        self.formats = formats
        self.row = 0
        for col, width in enumerate(self.WIDTHS):
            self.sheet.set_column(col, col, width)

    def line(self, *texts: str, style: str = "text") -> None:
        cells = list(texts) + [""] * (3 - len(texts))
        for col, text in enumerate(cells):
            if text:
                fmt = self.formats[style if col else ("label" if style == "text" else style)]
                self.sheet.write_string(self.row, col, text, fmt)
        self.sheet.set_row(self.row, row_height(zip(cells, self.WIDTHS, strict=True)))
        self.row += 1

    def paragraph(self, text: str, style: str = "text") -> None:
        self.sheet.merge_range(self.row, 0, self.row, 2, text, self.formats[style])
        self.sheet.set_row(self.row, row_height([(text, sum(self.WIDTHS))]))
        self.row += 1

    def heading(self, text: str) -> None:
        self.row += 1
        self.sheet.write_string(self.row, 0, text, self.formats["heading"])
        self.sheet.set_row(self.row, 26)
        self.row += 1


def write_guidance(book: Any, formats: dict[str, Any], fiscal_year_be: int | None) -> None:
    """The คำแนะนำ sheet: how to fill in the master, step by step, a worked example, the
    kinds, the ways totals add up, and every column of every sheet."""
    year = fiscal_year_be or _DEFAULT_YEAR
    w = _Writer(book, formats)
    w.sheet.write_string(0, 0, "คำแนะนำการดูแลไฟล์ข้อมูลหลัก (kpixl)", formats["title"])
    w.sheet.set_row(0, 30)
    w.row = 1
    w.paragraph(
        "ส่วนกลางกำหนดตัวชี้วัดของทุกกอง/สำนักไว้ในไฟล์นี้ แล้วใช้คำสั่ง kpixl templates "
        "สร้างไฟล์ส่งให้แต่ละกอง/สำนัก กอง/สำนักแก้รายละเอียดที่ส่วนกลางกำหนดไม่ได้ "
        "หัวคอลัมน์บรรทัดแรกเป็นภาษาไทย บรรทัดที่สองเป็นชื่อคอลัมน์ของโปรแกรม "
        "(ห้ามแก้หัวคอลัมน์ แต่สลับลำดับคอลัมน์ได้) ช่องสีเขียวคำนวณให้เอง ไม่ต้องกรอก"
    )
    w.heading("ขั้นตอนการกรอก")
    steps = (
        ("องค์กร", "กรอกชื่อองค์กรและปีงบประมาณ (พ.ศ.) ให้ครบ ผู้รับข้อตกลงและตำแหน่ง "
         "แสดงในหน้าข้อตกลงของทุกกอง"),
        ("กอง", "หนึ่งแถวต่อหนึ่งกอง/สำนัก รหัสกองเป็นตัวอักษรสั้น ๆ เช่น FIN ใช้ตั้งชื่อไฟล์ "
         "คอลัมน์ ค่าน้ำหนักรวม คำนวณให้เอง ต้องเป็น ✓ รวมได้ 100 ทุกกอง"),
        ("ตัวชี้วัด", "หนึ่งแถวต่อหนึ่งตัวชี้วัด (ตัวชี้วัดรายไตรมาสใช้หนึ่งแถวต่อไตรมาส "
         "พร้อมรหัสตัวชี้วัดหลัก) เลือกรหัสกองและชนิดเกณฑ์จากรายการ คอลัมน์ถัดจากชนิดเกณฑ์"
         "บอกความหมายของชนิดที่เลือก แล้วพิมพ์เกณฑ์ระดับ 1 ถึง 5 ตามที่เขียนในข้อตกลง"),
        ("ขั้นตอน", "ตัวชี้วัดชนิด milestones: รายละเอียดของขั้นตอนที่ 1 ถึง 5"),
        ("แบบสำรวจ", "ตัวชี้วัดชนิด survey: ด้านและข้อคำถามของแบบสำรวจความพึงพอใจ "
         "(และแผ่นงาน เกณฑ์แปลผลสำรวจ ถ้ามี)"),
        ("รายการย่อย", "ตัวชี้วัดชนิด weighted_items: รายการย่อยและค่าน้ำหนักของแต่ละรายการ"),
        ("ตรวจไฟล์", "สั่ง kpixl master check ไฟล์นี้.xlsx จะได้รายการปัญหาแยกตามกอง "
         "พร้อมช่องที่ต้องแก้ แก้จนไม่มีข้อผิดพลาด"),
        ("ส่งให้กอง", "สั่ง kpixl templates ไฟล์นี้.xlsx -o โฟลเดอร์ จะได้ไฟล์ของแต่ละกอง/สำนัก"),
        ("พิมพ์", "พื้นที่พิมพ์ของแต่ละแผ่นงานตั้งไว้เฉพาะแถวที่มีข้อมูลตอนสร้างไฟล์ ถ้าเพิ่มแถวแล้ว"
         "ต้องการพิมพ์ ให้เลือกแถวที่ต้องการแล้วสั่งพิมพ์ส่วนที่เลือก หรือล้างพื้นที่พิมพ์ "
         "(เค้าโครงหน้ากระดาษ → พื้นที่พิมพ์ → ล้างพื้นที่พิมพ์)"),
    )  # fmt: skip
    for number, (sheet_name, text) in enumerate(steps, 1):
        w.line(str(number), sheet_name, text)
    w.heading(f"ตัวอย่างการกรอก: กองตัวอย่าง (รหัส {EXAMPLE_CODE})")
    w.paragraph(
        "คำสั่ง kpixl master init ใส่แถวตัวอย่างนี้ไว้ในแผ่นงาน กอง ตัวชี้วัด และขั้นตอน "
        f"(ตัวอักษรเอียงสีเทา หมายเหตุขึ้นต้นด้วย {EXAMPLE_MARK}) ให้แก้เป็นข้อมูลจริงหรือลบทิ้ง "
        "kpixl master check จะเตือนจนกว่าจะไม่มีแถวตัวอย่างเหลืออยู่"
    )
    for kpi in example_kpis(year):
        criteria = "\n".join(f"ระดับ {n}: {kpi[f'level_{n}']}" for n in range(1, 6))
        w.line(
            kpi["kpi_id"],
            f"ชนิดเกณฑ์ {kpi['kind']}\nค่าน้ำหนัก {format_number(float(kpi['weight']))}\n"
            f"หน่วยวัด {kpi['unit']}",
            f"{kpi['name']}\n{criteria}",
        )
    w.heading("ถ้ากองตัวอย่างรายงานผลดังนี้ คะแนนจะเป็น")
    for text in worked_lines(worked_example(year)):
        w.paragraph(text)
    w.heading(f"ชนิดเกณฑ์ (kind) — รายละเอียดและตัวอย่างเกณฑ์อยู่ในแผ่นงาน {KINDS_SHEET}")
    for name, kind in KIND_REGISTRY.items():
        w.line("", name, f"{kind.title_th}: {kind.explain_th}")
    w.heading("การรวมยอด (aggregate)")
    for name in AGGREGATES:
        w.line("", name, _AGGREGATE_TH[name])
    w.heading("การเขียนเกณฑ์ระดับ 1 ถึง 5")
    w.paragraph(
        "พิมพ์ตามที่เขียนในข้อตกลง ใช้เลขไทยหรือเลขอารบิกก็ได้ เช่น “ไม่ถึงร้อยละ ๖๐”, "
        "“ตั้งแต่ร้อยละ 60 แต่ไม่ถึงร้อยละ 70”, “ทำขั้นตอนที่ ๑-๒ ได้ ๒ คะแนน”, "
        "“ภายในวันที่ ๓๐ ธันวาคม ๒๕๖๔” ระดับ 1 คือผลที่แย่ที่สุด ระดับ 5 คือผลที่ดีที่สุด "
        "ช่วงของแต่ละระดับต้องต่อกันพอดี ไม่เว้นช่องว่างและไม่ซ้อนกัน "
        "ถ้าเกณฑ์ในหน้ารายละเอียดเขียนต่างจากแบบประเมิน ให้กรอกในคอลัมน์ เกณฑ์ในหน้ารายละเอียด"
    )
    w.heading("คอลัมน์ของแต่ละแผ่นงาน (* = ต้องกรอก)")
    w.line("", "แผ่นงาน / ชื่อคอลัมน์", "หัวคอลัมน์ภาษาไทย", style="label")
    for spec in SHEETS:
        for column in spec.columns:
            mark = " *" if column.required or _required_when_scored(spec.key, column.key) else ""
            w.line("", f"{spec.name} / {column.key}{mark}", column.thai)
    w.sheet.set_portrait()
    w.sheet.set_paper(9)
    w.sheet.fit_to_pages(1, 0)
    # Columns A–C only: LibreOffice would widen the page for a heading's overflowing text.
    w.sheet.print_area(0, 0, w.row, 2)
    w.sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    w.sheet.activate()


def _required_when_scored(sheet: str, key: str) -> bool:
    """Columns a scored KPI must fill (weight and the five criteria)."""
    return sheet == KPIS.key and (key == "weight" or key.startswith("level_"))
