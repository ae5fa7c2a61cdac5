"""What openpyxl drops from a workbook it loads and saves (checked with openpyxl 3.1.5).

The catalogue the annotator needs: when the patcher cannot write a copy and it falls back
to openpyxl's round trip (:mod:`kpixl.patch.fallback`), these are what the copy loses, and
``file-part-dropped`` names them in Thai and English. :mod:`kpixl.safety` finds them while
it inspects a file (the parts by content type and name, worksheet elements and extensions,
drawing objects), in the one pass it makes anyway; the names and tables are here.
"""

from __future__ import annotations

IMAGES = "images"
SHAPES = "shapes and text boxes"
OTHER_DRAWING = "SmartArt and other drawing objects"
INK = "ink drawings"
CHARTEX = "Excel 2016 charts (waterfall, treemap, histogram, …)"
CHART_STYLES = "chart styles and colours"
CHART_SHAPES = "shapes inside charts"
VBA = "VBA project (macros)"
SLICERS = "slicers"
TIMELINES = "timelines"
THREADED_COMMENTS = "threaded comments"
FORM_CONTROLS = "form controls (buttons, check boxes, …)"
ACTIVEX = "ActiveX controls"
EMBEDDED = "embedded objects"
HEADER_IMAGES = "header/footer images"
BACKGROUND = "sheet background image"
IGNORED_ERRORS = "ignored-error markers"
X14_VALIDATION = "Excel 2010 data validations (lists from other sheets)"
X14_FORMATTING = "Excel 2010 conditional formats (data bars, icon sets)"
SPARKLINES = "sparklines"
PROTECTED_RANGES = "protected ranges"
ADDINS = "Office add-ins"
CONNECTIONS = "data connections"
QUERY_TABLES = "query tables"
DYNAMIC_ARRAYS = "dynamic-array formula metadata"
RICH_DATA = "pictures in cells and linked data types"
DATA_MODEL = "Power Pivot data model"
CUSTOM_XML = "custom XML data"
RIBBON = "custom ribbon"
REVISIONS = "shared-workbook revision history"
OTHER_EXTENSION = "worksheet extension {uri}"

LABELS_TH: dict[str, str] = {
    IMAGES: "รูปภาพ",
    SHAPES: "รูปร่างและกล่องข้อความ",
    OTHER_DRAWING: "SmartArt และวัตถุรูปวาดอื่น ๆ",
    INK: "ภาพวาดด้วยหมึก",
    CHARTEX: "แผนภูมิแบบใหม่ของ Excel 2016 (เช่น waterfall, treemap)",
    CHART_STYLES: "สไตล์และชุดสีของแผนภูมิ",
    CHART_SHAPES: "รูปร่างภายในแผนภูมิ",
    VBA: "โครงการ VBA (มาโคร)",
    SLICERS: "ตัวแบ่งส่วนข้อมูล (slicer)",
    TIMELINES: "ตัวกรองเส้นเวลา (timeline)",
    THREADED_COMMENTS: "ข้อคิดเห็นแบบเธรด",
    FORM_CONTROLS: "ตัวควบคุมฟอร์ม (ปุ่ม กล่องกาเครื่องหมาย ฯลฯ)",
    ACTIVEX: "ตัวควบคุม ActiveX",
    EMBEDDED: "วัตถุที่ฝังไว้",
    HEADER_IMAGES: "รูปภาพในหัวกระดาษ/ท้ายกระดาษ",
    BACKGROUND: "รูปพื้นหลังของแผ่นงาน",
    IGNORED_ERRORS: "การละเว้นการแจ้งข้อผิดพลาด (สามเหลี่ยมสีเขียว)",
    X14_VALIDATION: "การตรวจสอบข้อมูลแบบ Excel 2010 (เช่น รายการจากแผ่นงานอื่น)",
    X14_FORMATTING: "การจัดรูปแบบตามเงื่อนไขแบบ Excel 2010 (เช่น แถบข้อมูล ชุดไอคอน)",
    SPARKLINES: "เส้นแบบประกายไฟ (sparkline)",
    PROTECTED_RANGES: "ช่วงที่ป้องกันไว้",
    ADDINS: "Add-in ของ Office",
    CONNECTIONS: "การเชื่อมต่อข้อมูลภายนอก",
    QUERY_TABLES: "ตารางคิวรี",
    DYNAMIC_ARRAYS: "ข้อมูลกำกับสูตรอาร์เรย์แบบไดนามิก",
    RICH_DATA: "รูปภาพในเซลล์และชนิดข้อมูลที่ลิงก์",
    DATA_MODEL: "ตัวแบบข้อมูล Power Pivot",
    CUSTOM_XML: "ข้อมูล XML แบบกำหนดเอง",
    RIBBON: "ริบบอนแบบกำหนดเอง",
    REVISIONS: "ประวัติการแก้ไขของเวิร์กบุ๊กที่แชร์",
}
"""Thai names of the English labels (see :func:`describe`)."""


def describe(label: str) -> str:
    """The entry of :attr:`Container.unsupported_parts` for a label: ``"ไทย / English"``.

    The finding ``file-part-dropped`` puts its ``part`` field in both the Thai and the
    English message, so each entry carries both names.

    Args:
        label: An English label (one of the constants of this module, or an unknown
            worksheet extension).

    Returns:
        The Thai and the English name; the English name alone when no Thai one is known.
    """
    if label in LABELS_TH:
        return f"{LABELS_TH[label]} / {label}"
    prefix = OTHER_EXTENSION.split("{", 1)[0]
    if label.startswith(prefix):
        return f"ส่วนขยายของแผ่นงาน {label[len(prefix) :]} / {label}"
    return label


CONTENT_TYPE_LABELS: dict[str, str] = {
    "application/vnd.ms-office.vbaproject": VBA,
    "application/vnd.ms-office.vbaprojectsignature": VBA,
    "application/vnd.ms-office.vbaprojectsignatureagile": VBA,
    "application/vnd.ms-office.vbaprojectsignaturev3": VBA,
    "application/vnd.ms-excel.slicer+xml": SLICERS,
    "application/vnd.ms-excel.slicercache+xml": SLICERS,
    "application/vnd.ms-excel.timeline+xml": TIMELINES,
    "application/vnd.ms-excel.timelinecache+xml": TIMELINES,
    "application/vnd.ms-excel.threadedcomments+xml": THREADED_COMMENTS,
    "application/vnd.ms-excel.person+xml": THREADED_COMMENTS,
    "application/vnd.ms-office.chartstyle+xml": CHART_STYLES,
    "application/vnd.ms-office.chartcolorstyle+xml": CHART_STYLES,
    "application/vnd.ms-office.chartex+xml": CHARTEX,
    "application/vnd.openxmlformats-officedocument.drawingml.chartshapes+xml": CHART_SHAPES,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml": CONNECTIONS,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.querytable+xml": QUERY_TABLES,
    "application/vnd.ms-excel.controlproperties+xml": FORM_CONTROLS,
    "application/vnd.ms-office.activex+xml": ACTIVEX,
    "application/vnd.ms-office.activex": ACTIVEX,
    "application/vnd.openxmlformats-officedocument.oleobject": EMBEDDED,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetmetadata+xml": (
        DYNAMIC_ARRAYS
    ),
    "application/vnd.ms-office.webextension+xml": ADDINS,
    "application/vnd.ms-office.webextensiontaskpanes+xml": ADDINS,
    "application/vnd.openxmlformats-officedocument.customxmlproperties+xml": CUSTOM_XML,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.revisionheaders+xml": (REVISIONS),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.revisionlog+xml": REVISIONS,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.usernames+xml": REVISIONS,
}
"""Parts, by content type, that openpyxl never writes back."""

PREFIX_LABELS: tuple[tuple[str, str], ...] = (
    ("xl/vbaproject", VBA),
    ("xl/slicers/", SLICERS),
    ("xl/slicercaches/", SLICERS),
    ("xl/timelines/", TIMELINES),
    ("xl/timelinecaches/", TIMELINES),
    ("xl/threadedcomments/", THREADED_COMMENTS),
    ("xl/persons/", THREADED_COMMENTS),
    ("xl/ctrlprops/", FORM_CONTROLS),
    ("xl/activex/", ACTIVEX),
    ("xl/embeddings/", EMBEDDED),
    ("xl/querytables/", QUERY_TABLES),
    ("xl/connections.xml", CONNECTIONS),
    ("xl/metadata.xml", DYNAMIC_ARRAYS),
    ("xl/richdata/", RICH_DATA),
    ("xl/model/", DATA_MODEL),
    ("xl/revisions/", REVISIONS),
    ("xl/webextensions/", ADDINS),
    ("customxml/", CUSTOM_XML),
    ("customui/", RIBBON),
)
"""Parts, by the name Excel gives them, that openpyxl never writes back."""
LABELLED_PREFIXES = tuple(prefix for prefix, _ in PREFIX_LABELS)

EXTENSION_LABELS: dict[str, str] = {
    "{CCE6A557-97BC-4B89-ADB6-D9C93CAAB3DF}": X14_VALIDATION,
    "{78C0D931-6437-407D-A8EE-F0AAD7539E65}": X14_FORMATTING,
    "{B025F937-C7B1-47D3-B67F-A62EFF666E3E}": X14_FORMATTING,
    "{05C60535-1F16-4FD2-B633-F4F36F0B64E0}": SPARKLINES,
    "{A8765BA9-456A-4DAB-B4F3-ACF838C121DE}": SLICERS,
    "{3A4CF648-6AED-40F4-86FF-DC5316D8AED3}": SLICERS,
    "{7E03D99C-DC04-49D9-9315-930204A7B6E9}": TIMELINES,
    "{FC87AEE6-9EDD-4A0A-B7FB-166176984837}": PROTECTED_RANGES,
    "{01252117-D84E-4E92-8308-4BE1C098FCBB}": IGNORED_ERRORS,
    "{F7C9EE02-42E1-4005-9D12-6889AFFD525C}": ADDINS,
}
"""Worksheet ``<extLst>`` extensions by URI (upper case); openpyxl drops every one."""


WORKSHEET_ELEMENTS: dict[bytes, str | None] = {
    b"ext": None,  # labelled by its uri
    b"ignoredErrors": IGNORED_ERRORS,
    b"legacyDrawingHF": HEADER_IMAGES,
    b"picture": BACKGROUND,
    b"controls": FORM_CONTROLS,
    b"oleObjects": EMBEDDED,
}
"""Worksheet elements (of the main namespace, by local name) that openpyxl drops on load."""

DRAWING_ELEMENTS: dict[bytes, str] = {
    b"sp": SHAPES,
    b"cxnSp": SHAPES,
    b"grpSp": SHAPES,
    b"pic": IMAGES,
    b"contentPart": INK,
}
"""Drawing elements (of the spreadsheet-drawing namespace) that openpyxl drops on load."""

CHART_URI = "http://schemas.openxmlformats.org/drawingml/2006/chart"
GRAPHIC_LABELS: dict[str, str] = {
    "http://schemas.microsoft.com/office/drawing/2014/chartex": CHARTEX,
    "http://schemas.microsoft.com/office/drawing/2010/slicer": SLICERS,
    "http://schemas.microsoft.com/office/drawing/2012/slicer": SLICERS,
    "http://schemas.microsoft.com/office/drawing/2012/timeslicer": TIMELINES,
}
"""``graphicData`` URIs of drawing objects other than charts (others: OTHER_DRAWING)."""
