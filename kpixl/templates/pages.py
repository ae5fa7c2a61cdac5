"""The pages of the paper agreement that come before and beside the scoring form: the
agreement itself (who agrees with whom, for which period) with its signature blocks, and
one detail page per KPI (ประเด็นการประเมินผล, คำอธิบาย, สูตรการคำนวณ, เกณฑ์การให้คะแนน,
ผู้กำกับดูแลตัวชี้วัด, ผู้จัดเก็บข้อมูล), as seed 003 lays them out."""

from __future__ import annotations

from typing import Any

from kpixl.definitions import Definitions, KpiDef
from kpixl.fiscal import fiscal_year_end, fiscal_year_start, format_date_long_th
from kpixl.templates import styles as S
from kpixl.templates.form import write_signatures

AGREEMENT_WIDTHS = (22, 22, 22, 22)
DETAIL_WIDTHS = (16, 15, 15, 15, 15, 15)


def write_agreement(sheet: Any, f: dict[str, Any], defs: Definitions, fiscal_year_be: int) -> None:
    """The agreement page (ข้อตกลงการปฏิบัติราชการ) with its signature blocks."""
    for col, width in enumerate(AGREEMENT_WIDTHS):
        sheet.set_column(col, col, width)
    last = len(AGREEMENT_WIDTHS) - 1
    total_width = sum(AGREEMENT_WIDTHS)
    org = defs.organisation.get("org_name", "")
    executive = defs.organisation.get("executive", "") or "....................................."
    executive_title = (
        defs.organisation.get("executive_title", "") or "....................................."
    )
    director = defs.division.get("director", "") or "....................................."
    director_title = (
        defs.division.get("director_title", "") or "....................................."
    )
    if fiscal_year_be:
        period = (
            f"เริ่มตั้งแต่วันที่ {format_date_long_th(fiscal_year_start(fiscal_year_be))} "
            f"ถึงวันที่ {format_date_long_th(fiscal_year_end(fiscal_year_be))}"
        )
    else:
        period = "ตลอดปีงบประมาณ"
    lines: list[tuple[str, str]] = [
        ("title_center", "ข้อตกลงการปฏิบัติราชการ"),
        ("subtitle_center", defs.division_name),
        ("subtitle_center", org),
        ("subtitle_center", f"ประจำปีงบประมาณ พ.ศ. {fiscal_year_be}"),
        ("paragraph", ""),
        (
            "paragraph",
            f"1. ข้อตกลงระหว่าง {executive} ตำแหน่ง {executive_title} ผู้รับข้อตกลง "
            f"และ {director} ตำแหน่ง {director_title} ผู้ทำข้อตกลง",
        ),
        (
            "paragraph",
            f"2. ข้าพเจ้า {director} ตำแหน่ง {director_title} ตกลงที่จะดำเนินการตามแผน"
            f"ดำเนินงานที่แนบท้าย ให้แล้วเสร็จในเวลา 1 ปี {period}",
        ),
        (
            "paragraph",
            "3. รายละเอียดของข้อตกลง ได้แก่ แผนดำเนินงานซึ่งตั้งเป้าหมายจะแล้วเสร็จและรายละเอียดอื่น ๆ "
            "ตามปรากฏอยู่ในเอกสารประกอบท้ายข้อตกลงนี้ (แผ่นงาน “แบบประเมิน” และ “รายละเอียดตัวชี้วัด”)",
        ),
        (
            "paragraph",
            f"4. ข้าพเจ้า {executive} ในฐานะผู้บริหาร ได้พิจารณาและเห็นชอบแผนดำเนินงานตามที่ปรากฏอยู่ใน"
            f"เอกสารประกอบท้ายข้อตกลงนี้ และยินดีจะให้คำแนะนำ กำกับและตรวจสอบผลการปฏิบัติราชการของ "
            f"{director} ให้เป็นไปตามข้อตกลงที่จัดทำขึ้นนี้",
        ),
        (
            "paragraph",
            "5. ผู้รับข้อตกลงและผู้ทำข้อตกลง ได้เข้าใจข้อตกลงการปฏิบัติราชการและเห็นพ้องกันแล้ว "
            "จึงได้ลงลายมือชื่อไว้เป็นสำคัญ",
        ),
        ("paragraph", ""),
    ]
    sizes = {"title_center": S.TITLE, "subtitle_center": S.SUBTITLE, "paragraph": S.BODY}
    row = 0
    for style, text in lines:
        sheet.merge_range(row, 0, row, last, text, f[style])
        sheet.set_row(
            row, S.row_height([(text, total_width)], sizes[style], bold=style != "paragraph") + 6
        )
        row += 1
    end = write_signatures(sheet, f, defs, row, AGREEMENT_WIDTHS)
    S.print_setup(
        sheet, widths=AGREEMENT_WIDTHS, landscape=False, last_row=end - 1, keep=[(0, end - 1)]
    )


def write_details(sheet: Any, f: dict[str, Any], defs: Definitions, fiscal_year_be: int) -> None:
    """One detail page per KPI; a quarterly KPI's quarter rows share one page."""
    for col, width in enumerate(DETAIL_WIDTHS):
        sheet.set_column(col, col, width)
    last = len(DETAIL_WIDTHS) - 1
    text_width = sum(DETAIL_WIDTHS[1:])
    org = defs.organisation.get("org_name", "")
    row = 0
    pages: list[tuple[int, int]] = []
    for group in _groups(defs.scored):
        start = row
        first = group[0]
        heading = (
            f"รายละเอียดตัวชี้วัด ตามข้อตกลงการปฏิบัติราชการ {defs.division_name} {org} "
            f"ประจำปีงบประมาณ พ.ศ. {fiscal_year_be}"
        )
        sheet.merge_range(row, 0, row, last, heading, f["note"])
        sheet.set_row(row, S.row_height([(heading, sum(DETAIL_WIDTHS))]))
        row += 1
        name = first.text("group_name") or first.name if first.group_id else first.name
        kpi_id = first.group_id or first.kpi_id
        fields = [
            ("ประเด็นการประเมินผล", first.text("issue")),
            (f"ตัวชี้วัดที่ {kpi_id}", first.text("detail_name") or name),
            ("หน่วยวัด", first.unit),
            ("คำอธิบาย", first.text("description") or "—"),
            ("สูตรการคำนวณ", first.text("formula") or "—"),
        ]
        for label, text in fields:
            sheet.write_string(row, 0, label, f["label"])
            sheet.merge_range(row, 1, row, last, text, f["paragraph"])
            sheet.set_row(
                row, S.row_height([(text, text_width), (label, DETAIL_WIDTHS[0])], bold=True)
            )
            row += 1
        sheet.merge_range(row, 0, row, last, "เกณฑ์การให้คะแนน", f["label"])
        sheet.set_row(row, S.LINE + 4)
        row += 1
        sheet.write_string(row, 0, "ตัวชี้วัด" if len(group) > 1 else "", f["header"])
        for n in range(1, 6):
            sheet.write_string(row, n, f"ระดับ {n}", f["header"])
        sheet.set_row(row, S.LINE + 4)
        row += 1
        for kpi in group:
            label = f"ไตรมาส {kpi.quarter}" if kpi.quarter else kpi.kpi_id
            sheet.write_string(row, 0, label, f["center"])
            texts = kpi.texts
            for n, text in enumerate(texts, 1):
                sheet.write_string(row, n, text, f["text"])
            sheet.set_row(
                row,
                S.row_height(
                    [(label, DETAIL_WIDTHS[0])]
                    + [(t, DETAIL_WIDTHS[n]) for n, t in enumerate(texts, 1)]
                ),
            )
            row += 1
        contacts = [
            ("ผู้กำกับดูแลตัวชี้วัด", first.text("supervisor"), first.text("supervisor_phone")),
            ("ผู้จัดเก็บข้อมูล", first.text("data_collector"), first.text("data_collector_phone")),
        ]
        for label, who, phone in contacts:
            text = f"{who} โทร {phone}" if who and phone else who or phone or "—"
            sheet.write_string(row, 0, label, f["label"])
            sheet.merge_range(row, 1, row, last, text, f["paragraph"])
            sheet.set_row(
                row, S.row_height([(text, text_width), (label, DETAIL_WIDTHS[0])], bold=True)
            )
            row += 1
        pages.append((start, row - 1))
        row += 1
    # One page per KPI, as in the paper agreement.
    S.print_setup(
        sheet,
        widths=DETAIL_WIDTHS,
        landscape=False,
        last_row=max(row - 2, 0),
        keep=pages,
        new_pages=[a for a, _ in pages[1:]],
    )


def _groups(kpis: tuple[KpiDef, ...]) -> list[list[KpiDef]]:
    groups: list[list[KpiDef]] = []
    index: dict[str, list[KpiDef]] = {}
    for kpi in kpis:
        key = kpi.group_id or f"\0{kpi.kpi_id}"
        if key not in index:
            index[key] = []
            groups.append(index[key])
        index[key].append(kpi)
    return groups
