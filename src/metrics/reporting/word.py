"""The leadership report as an editable Word document, written from the same model as the PDF.

python-docx's ``font.name`` sets only the Latin font: Chinese runs need ``w:eastAsia`` on
``w:rFonts`` and a zh-CN language tag, or Word falls back to another CJK face (python-docx
#154, #1601). The styles are Word's own (正文 = Normal, 标题 1/2/3 = Heading 1/2/3, shown under
their Chinese names in a Chinese Word) set to 仿宋 for the body and 黑体 for headings, so an
办公室 can restyle the whole document the way it restyles any 公文. Page set-up follows
GB/T 9704 (A4, margins 37/35/28/26 mm, page numbers "— 1 —").
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Length, Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from metrics.reporting.model import Chart, SummaryReport, Table

BODY_FONT = "仿宋"  # 正文
HEADING_FONT = "黑体"  # 标题
TITLE_FONT = "方正小标宋简体"  # 公文标题; Word falls back to 宋体 where it is missing
TEXT_WIDTH = Cm(15.6)
RED = RGBColor(0x8B, 0x1A, 0x1A)
BANTOU_RED = RGBColor(0xD0, 0x00, 0x00)  # the cover's title, as report.css draws it


def set_cjk_font(element: Any, font: str, size: float | None = None) -> None:
    """Set Latin and East Asian font (and the zh-CN language) on a style or a run."""
    f = element.font
    f.name = font
    if size is not None:
        f.size = Pt(size)
    rpr = element.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _styles(doc: DocumentType) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    set_cjk_font(normal, BODY_FONT, 14)  # 三号仿宋 is the 公文 body; 四号 reads better in a 简报
    normal.paragraph_format.line_spacing = Pt(26)
    normal.paragraph_format.first_line_indent = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    for name, size in (("Title", 20), ("Heading 1", 16), ("Heading 2", 14), ("Heading 3", 14)):
        style = styles[name]
        set_cjk_font(style, TITLE_FONT if name == "Title" else HEADING_FONT, size)
        style.font.bold = name != "Heading 1"
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.first_line_indent = Pt(0)
        style.paragraph_format.space_before = Pt(12 if name == "Heading 1" else 6)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
    styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption = styles["Caption"]
    set_cjk_font(caption, HEADING_FONT, 10.5)
    caption.font.color.rgb = RGBColor(0x33, 0x33, 0x33)
    caption.font.italic = False
    caption.paragraph_format.first_line_indent = Pt(0)
    caption.paragraph_format.keep_with_next = True


def _page_setup(doc: DocumentType) -> None:
    s = doc.sections[0]
    s.page_width, s.page_height = Mm(210), Mm(297)
    s.top_margin, s.bottom_margin = Mm(37), Mm(35)
    s.left_margin, s.right_margin = Mm(28), Mm(26)
    footer = s.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(footer, "— ")
    _field(footer, "PAGE")
    _run(footer, " —")
    s.different_first_page_header_footer = True


def _run(paragraph: Paragraph, text: str, font: str = BODY_FONT, size: float | None = None) -> Run:
    run = paragraph.add_run(text)
    set_cjk_font(run, font, size)
    return run


def _field(paragraph: Paragraph, code: str) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
        run._r.append(el)


def _para(doc: DocumentType, text: str, style: str | None = None, **kw: Any) -> Paragraph:
    p = doc.add_paragraph(style=style)
    _run(p, text, **kw)
    return p


def _plain(doc: DocumentType, text: str, align: Any = None, size: float | None = None) -> Paragraph:
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(0)
    if align is not None:
        p.alignment = align
    _run(p, text, size=size)
    return p


def _table(doc: DocumentType, t: Table) -> None:
    if t.caption:
        _para(doc, t.caption, "Caption", font=HEADING_FONT)
    if not t.rows:
        _plain(doc, t.empty, size=12)
        return
    table = doc.add_table(rows=1, cols=len(t.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    numeric = set(t.numeric)
    size = 9 if len(t.headers) >= 6 else 10.5  # 小五 for wide tables, 五号 otherwise
    for i, h in enumerate(t.headers):
        _cell(table.rows[0].cells[i], h, bold=True, right=i in numeric, size=size)
    header = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # the header row repeats on a new page
    repeat.set(qn("w:val"), "true")
    header.append(repeat)
    for row in t.rows:
        cells = table.add_row().cells
        for i, value in enumerate(row):
            _cell(cells[i], value, right=i in numeric, size=size)
    table.autofit = False
    widths = _widths(t)
    for grid, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        grid.w = width  # LibreOffice lays out by the grid, Word by the cells: set both
    for col, width in zip(table.columns, widths, strict=True):
        for cell in col.cells:
            cell.width = width
    doc.add_paragraph().paragraph_format.space_after = Pt(2)


def _widths(t: Table) -> list[Length]:
    """Column widths in proportion to their longest text (a date must not wrap mid-number)."""

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    need = [
        min(max(width(h), *(width(str(r[i])) for r in t.rows)) + 2, 40)
        for i, h in enumerate(t.headers)
    ]
    total = sum(need)
    return [Emu(int(TEXT_WIDTH * n / total)) for n in need]


def _cell(
    cell: _Cell, text: str, bold: bool = False, right: bool = False, size: float = 10.5
) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    if right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = _run(p, str(text), font=HEADING_FONT if bold else BODY_FONT, size=size)
    run.bold = bold


def _picture(
    doc: DocumentType, data: bytes | Path, width: Length = TEXT_WIDTH, caption: str = ""
) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.line_spacing = 1.0  # the body's exact 26 pt would clip the picture
    source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    p.add_run().add_picture(source, width=width)
    if caption:
        c = _para(doc, caption, "Caption", font=HEADING_FONT)
        c.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _chart(doc: DocumentType, c: Chart) -> None:
    if c.png:
        _picture(doc, c.png)
    else:
        _plain(doc, f"{c.title}：图表未生成。")


def _bullets(doc: DocumentType, items: list[str]) -> None:
    for i, item in enumerate(items, start=1):
        _para(doc, f"{i}. {item}" if len(items) > 1 else item)


def build_document(r: SummaryReport) -> DocumentType:
    """The report as a python-docx Document (charts must have been drawn: charts.render_all)."""
    doc = Document()
    _styles(doc)
    _page_setup(doc)
    core = doc.core_properties
    core.title, core.author, core.subject = (
        r.metadata["title"],
        r.metadata["author"],
        r.metadata["subject"],
    )
    core.keywords, core.language = r.metadata["keywords"], "zh-CN"

    # cover
    for _ in range(5):
        doc.add_paragraph()
    if r.draft:
        p = _plain(doc, "草稿（数据不完整）", WD_ALIGN_PARAGRAPH.CENTER, 16)
        p.runs[0].font.color.rgb = RGBColor(0xB0, 0, 0)
    if r.sample:
        _plain(doc, "示例数据（虚构单位，仅供演示）", WD_ALIGN_PARAGRAPH.CENTER, 12)
    # the 版头 in red, as the PDF's cover (GB/T 9704: the issuing body's mark is red)
    _para(doc, r.title, "Title").runs[0].font.color.rgb = BANTOU_RED
    _para(doc, r.subtitle, "Title").runs[0].font.size = Pt(16)
    for _ in range(6):
        doc.add_paragraph()
    for k, v in r.cover_meta.items():
        _plain(doc, f"{k}：{v}", WD_ALIGN_PARAGRAPH.CENTER, 14)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # 一、总体情况
    _para(doc, r.summary_title, "Heading 1")
    if r.notice:
        _para(doc, r.notice)
    if r.blockers:
        _para(doc, "草稿：以下数据不完整，本报告的数字不可引用", "Heading 3")
        _bullets(doc, r.blockers)
    _table(
        doc,
        Table(
            "", [c.label for c in r.cards], [[c.value for c in r.cards], [c.sub for c in r.cards]]
        ),
    )
    for s in r.sentences:
        _para(doc, s)
    if r.targets:
        _table(
            doc,
            Table(
                "年度目标完成情况",
                ["指标", "年度目标", r.done_label, "完成进度"],
                [[t.label, t.target, t.done, t.progress] for t in r.targets],
                numeric=[1, 2, 3],
            ),
        )
    _table(doc, r.comparison)
    if r.units is not None:  # a group's report: its units side by side
        _table(doc, r.units)
    if r.trend is not None:
        _chart(doc, r.trend)
    _plain(doc, r.precision_note, size=10.5)

    _para(doc, r.completed_title, "Heading 1")
    _para(doc, r.completed_lead)
    _table(doc, r.completed)

    for sec in r.sections:
        _para(doc, sec.title, "Heading 1")
        if sec.unreadable:
            _para(doc, sec.unreadable)
            continue
        for line in sec.lead:
            _para(doc, line)
        for b in sec.blocks:
            _table(doc, b) if isinstance(b, Table) else _chart(doc, b)

    if r.highlights_title:
        _para(doc, r.highlights_title, "Heading 1")
        if r.highlights:
            _para(doc, "工作亮点", "Heading 2")
            _bullets(doc, r.highlights)
        for case in r.cases:
            _para(doc, case.title, "Heading 2")
            for text in case.paragraphs:
                _para(doc, text)
            for photo in case.photos:
                _picture(doc, photo.path, Cm(11), photo.caption)
    if r.problems_title:
        _para(doc, r.problems_title, "Heading 1")
        if r.problems:
            _para(doc, "存在问题", "Heading 2")
            _bullets(doc, r.problems)
        if r.next_steps:
            _para(doc, "下一步工作", "Heading 2")
            _bullets(doc, r.next_steps)

    # 落款, provenance, 版记: kept together on the last page
    closing = [doc.add_paragraph()]
    for line in (r.signature.unit, r.signature.date):
        p = _plain(doc, line, WD_ALIGN_PARAGRAPH.RIGHT)
        p.paragraph_format.right_indent = Cm(2)
        closing.append(p)
    closing.append(_plain(doc, r.provenance, size=10.5))
    for k, v in (("报送", r.signature.send_to), ("抄送", r.signature.copy_to)):
        if v:
            closing.append(_plain(doc, f"{k}：{v}", size=12))
    for p in closing[:-1]:
        p.paragraph_format.keep_with_next = True
    return doc


def write_docx(r: SummaryReport, path: Path) -> Path:
    """Save the document atomically (a failed run leaves the previous .docx)."""
    from metrics.files import atomic_write

    doc = build_document(r)
    atomic_write(Path(path), lambda tmp: doc.save(str(tmp)))
    return Path(path)


def add_revision(path: Path, revision: dict[str, Any]) -> None:
    """Put the PDF's 修订 table under the summary heading of a .docx the notebook wrote.

    A revision is known when a job starts (running/versions.py), like the draft label; the
    rows are :func:`headlines.revision_rows`, the ones the PDF's box shows.
    """
    from metrics.files import atomic_write
    from metrics.reporting.headlines import (
        REVISION_HEADERS,
        REVISION_TITLE,
        revision_note,
        revision_rows,
    )

    if not path.is_file():
        return
    doc = Document(str(path))
    anchor = next((p for p in doc.paragraphs if p.style and p.style.name == "Heading 1"), None)
    body = doc.element.body
    before = len(body)  # new paragraphs and tables go in before the closing sectPr
    title = _para(doc, REVISION_TITLE + revision_note(revision), "Heading 3")
    title.runs[0].font.color.rgb = RGBColor(0xB0, 0, 0)
    _table(doc, Table("", REVISION_HEADERS, revision_rows(revision)))
    added = list(body)[before - 1 : -1]
    if anchor is not None:
        for element in reversed(added):
            anchor._p.addnext(element)
    atomic_write(path, lambda tmp: doc.save(str(tmp)))
