"""The leadership report as an editable Word document, written from the same model as the PDF.

The document starts from the project's own template, templates/gongwen.docx (written by
scripts/make_docx_template.py), never python-docx's: its styles carry the 公文 profile of
GB/T 9704-2012 under names an 办公室 knows - 正文 (仿宋_GB2312 3号 on a fixed 28.9 pt line),
一级标题 (黑体), 二级标题 (楷体_GB2312), 图题, 图片, 表格, 表格文字, 表头, 落款, 版记 - and its
settings ask for Word 2013+ layout (compatibility mode 15). Paragraphs name a style and carry no
fonts of their own, so an office restyles the whole document the way it restyles any 公文.
Page set-up: A4, margins 37/35/28/26 mm, page numbers "— N —" (odd pages right, even pages
left, one character in). The document properties are the report's: title, author = the unit,
created and modified = the run.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import unicodedata
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Length, Mm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from metrics.reporting.model import Chart, SummaryReport, Table
from metrics.reporting.parts import BRIEF_NAME, issue_number
from metrics.reporting.safe_text import for_output
from metrics.reporting.text import format_date

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "gongwen.docx"
TEXT_WIDTH = Mm(156)  # the 公文 text block: 210 - 28 - 26 mm
BANTOU_RED = RGBColor(0xD0, 0x00, 0x00)  # the cover's title, as report.css draws it
DRAFT_RED = RGBColor(0xB0, 0x00, 0x00)
#: A table this short never splits across pages (its rows are kept with the next).
KEEP_WHOLE_ROWS = 12
#: 五号 for tables, 小五 for wide ones (six columns or more)
TABLE_SIZE, WIDE_TABLE_SIZE = 10.5, 9.0
#: A cell's left and right margins (the template's 108 twips each) and some slack, in pt.
CELL_PADDING = 2 * 5.4 + 4
#: A header this short is a word: it is not broken either (上年同/期).
SHORT_HEADER = 6
#: A figure and its unit, or a date: one line in a cell, never "约10.2万/元" or "2024年11月/20日".
FIGURE = re.compile(
    r"\d{4}年\d{1,2}月(?:\d{1,2}日)?"
    r"|(?:约|近|不足|增加|减少)*\d[\d,.]*[万亿千]?[余多]?%?[^\s\d，。；：、（）()·/\-—～~]{0,3}"
)
ONE_CHARACTER = Pt(14)  # the page number's 4号 一字 from the margin
APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Company>{company}</Company><TotalTime>0</TotalTime><ScaleCrop>false</ScaleCrop>"
    "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
    "<HyperlinksChanged>false</HyperlinksChanged><Application>shishi</Application>"
    "<DocSecurity>0</DocSecurity></Properties>"
)


# --- building blocks -----------------------------------------------------------------------------


def _para(doc: DocumentType, text: str, style: str | None = None) -> Paragraph:
    return doc.add_paragraph(for_output(text), style=style)  # XML-safe; identifiers masked


def _centered(doc: DocumentType, text: str, size: float | None = None) -> Paragraph:
    p = doc.add_paragraph(style="Subtitle")
    run = p.add_run(for_output(text))
    if size is not None:
        run.font.size = Pt(size)
    return p


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


def _trpr(row: Any, tag: str) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement(tag))


def text_width(text: str, size: float) -> float:
    """Points a line of text takes, measured generously: a CJK character is one em, a digit or
    letter 0.6 em (the stand-in fonts' digits are wider than 仿宋's half em), and a quarter em
    where CJK meets a digit (Word and LibreOffice space them apart)."""
    wide = [unicodedata.east_asian_width(ch) in "WF" for ch in text]
    ems = sum(1.0 if w else 0.6 for w in wide)
    ems += 0.25 * sum(a != b for a, b in itertools.pairwise(wide))
    return ems * size


def one_line(text: str, size: float) -> float:
    """Points the widest figure-with-unit or date of a cell needs to stay on one line."""
    return max((text_width(m.group(), size) for m in FIGURE.finditer(str(text))), default=0.0)


def _widths(t: Table, size: float) -> list[Length]:
    """Column widths: every figure and date whole on its line, the rest in proportion to text.

    A column first gets what its widest figure needs; what the text block has left goes to
    the columns whose longest text is wider than that, in proportion to the difference.
    """
    total = TEXT_WIDTH.pt
    cells = [[str(h), *(str(r[i]) for r in t.rows)] for i, h in enumerate(t.headers)]
    least = [
        max(text_width(h, size) if len(h) <= SHORT_HEADER else 0, *(one_line(c, size) for c in col))
        + CELL_PADDING
        for h, col in zip(t.headers, cells, strict=True)
    ]
    want = [min(max(text_width(c, size) for c in col) + CELL_PADDING, total / 2) for col in cells]
    want = [max(w, n) for w, n in zip(want, least, strict=True)]
    if sum(want) <= total:
        points = [w * total / sum(want) for w in want]
    elif sum(least) >= total:
        points = [n * total / sum(least) for n in least]
    else:
        spare, extra = total - sum(least), [w - n for w, n in zip(want, least, strict=True)]
        points = [n + spare * e / sum(extra) for n, e in zip(least, extra, strict=True)]
    return [Emu(int(Pt(p))) for p in points]


def _cell(cell: _Cell, text: str, style: str, right: bool, size: float) -> Paragraph:
    p = cell.paragraphs[0]
    p.style = style
    if right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = p.add_run(for_output(str(text)))
    if size != TABLE_SIZE:
        run.font.size = Pt(size)
    return p


def _table(doc: DocumentType, t: Table) -> None:
    if t.caption:
        _para(doc, t.caption, "Caption")
    if not t.rows:
        _para(doc, t.empty, "说明")
        return
    table = doc.add_table(rows=1, cols=len(t.headers), style="表格")
    numeric = set(t.numeric)
    size = WIDE_TABLE_SIZE if len(t.headers) >= 6 else TABLE_SIZE
    for i, h in enumerate(t.headers):
        _cell(table.rows[0].cells[i], h, "表头", False, size)
    _trpr(table.rows[0], "w:tblHeader")  # the header row repeats on a new page
    for values in t.rows:
        cells = table.add_row().cells
        for i, value in enumerate(values):
            _cell(cells[i], value, "表格文字", i in numeric, size)
    _hold(table)
    _set_widths(table, _widths(t, size))
    doc.add_paragraph(style="说明")  # a table never touches the next one


def _hold(table: DocxTable) -> None:
    """No row splits across pages; a table of KEEP_WHOLE_ROWS rows or fewer stays whole."""
    rows = table.rows
    for row in rows:
        _trpr(row, "w:cantSplit")
    if len(rows) - 1 <= KEEP_WHOLE_ROWS:
        for row in list(rows)[:-1]:
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.paragraph_format.keep_with_next = True


def _set_widths(table: DocxTable, widths: list[Length]) -> None:
    table.autofit = False
    for grid, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        grid.w = width  # LibreOffice lays out by the grid, Word by the cells: set both
    for col, width in zip(table.columns, widths, strict=True):
        for cell in col.cells:
            cell.width = width


def _picture(
    doc: DocumentType, data: bytes | Path, alt: str, width: Length = TEXT_WIDTH, caption: str = ""
) -> None:
    """A picture (style 图片: kept with its caption) and its alt text for a screen reader."""
    p = doc.add_paragraph(style="图片")
    source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    shape = p.add_run().add_picture(source, width=width)
    shape._inline.docPr.set("descr", for_output(alt))
    if caption:
        doc.add_paragraph(
            for_output(caption), style="Caption"
        ).paragraph_format.keep_with_next = False


def _chart(doc: DocumentType, c: Chart) -> None:
    if c.png:
        _picture(doc, c.png, c.title)
    else:
        _para(doc, f"{c.title}：图表未生成。")


def _bullets(doc: DocumentType, items: list[str]) -> None:
    for i, item in enumerate(items, start=1):
        _para(doc, f"{i}. {item}" if len(items) > 1 else item)


# --- the document's parts ------------------------------------------------------------------------


def _properties(doc: DocumentType, r: SummaryReport, now: dt.datetime) -> None:
    """Core and app properties: the report's title, the unit, the run's time, shishi."""
    core = doc.core_properties
    core.title = for_output(r.metadata.get("title", r.title))
    core.author = core.last_modified_by = for_output(r.metadata.get("author", r.unit_name))
    core.subject = for_output(r.metadata.get("subject", ""))
    core.keywords = for_output(r.metadata.get("keywords", ""))
    core.language = "zh-CN"
    core.created = core.modified = now.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None)
    core.revision = 1
    for part in doc.part.package.iter_parts():
        if str(part.partname) == "/docProps/app.xml":
            part._blob = APP_XML.format(company=escape(core.author)).encode("utf-8")


def _page_numbers(doc: DocumentType) -> None:
    """— N — in the footer: odd pages right, even pages left, one character in; none on the
    cover (GB/T 9704 7.5)."""
    s = doc.sections[0]
    s.different_first_page_header_footer = True
    for footer, align in (
        (s.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (s.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        p = footer.paragraphs[0]
        p.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = ONE_CHARACTER
        else:
            p.paragraph_format.left_indent = ONE_CHARACTER
        p.add_run("— ")
        _field(p, "PAGE")
        p.add_run(" —")


def _cover(doc: DocumentType, r: SummaryReport) -> None:
    """The 简报 报头, as the PDF draws it: the name in red, 期数 and 文号, then the 编发单位 and
    成文日期 over a red rule; the title and the body follow on the same page."""
    if r.draft:
        _centered(doc, "草稿（数据不完整）", 12).runs[0].font.color.rgb = DRAFT_RED
    if r.sample:
        _centered(doc, "示例数据（虚构单位，仅供演示）", 10.5).runs[0].font.color.rgb = DRAFT_RED
    name = _para(doc, BRIEF_NAME, "Title")
    name.runs[0].font.color.rgb = BANTOU_RED
    for text in (issue_number(r), r.signature.number):
        if text:
            _centered(doc, text, 16)
    line = _para(doc, f"{r.signature.unit}　编", "说明")
    line.add_run().add_tab()
    line.add_run(for_output(r.signature.date))
    line.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    _red_rule(line)
    title = _para(doc, r.title, "Title")
    title.add_run().add_break()
    title.add_run(for_output(r.subtitle))
    span = f"（{format_date(r.period.start)}至{format_date(r.period.end)}）"
    _centered(doc, span, 14)


#: What follows w:pBdr in a w:pPr (ECMA-376 CT_PPrBase), so the border goes in before them.
PPR_AFTER_BORDER = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def _red_rule(paragraph: Paragraph) -> None:
    """A red rule under a paragraph (the 报头's 分隔线)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", "12"),
        ("w:space", "1"),
        ("w:color", "D00000"),
    ):
        bottom.set(qn(key), value)
    borders.append(bottom)
    # the schema's order: a border comes before shading, tabs, spacing, indents, alignment…
    ppr.insert_element_before(borders, *PPR_AFTER_BORDER)


def _summary(doc: DocumentType, r: SummaryReport) -> None:
    """一、总体情况: notice, blockers, the cards, the sentences, targets and the comparison."""
    _para(doc, r.summary_title, "Heading 1")
    if r.notice:
        _para(doc, r.notice)
    if r.blockers:
        _para(doc, "草稿：以下数据不完整，本报告的数字不可引用", "Heading 3")
        _bullets(doc, r.blockers)
    cards = [c.label for c in r.cards], [[c.value for c in r.cards], [c.sub for c in r.cards]]
    _table(doc, Table("", *cards))
    for s in r.sentences:
        _para(doc, s)
    if r.targets:
        rows = [[t.label, t.target, t.done, t.progress] for t in r.targets]
        headers = ["指标", "年度目标", r.done_label, "完成进度"]
        _table(doc, Table("年度目标完成情况", headers, rows, numeric=[1, 2, 3]))
    _table(doc, r.comparison)
    if r.units is not None:  # a group's report: its units side by side
        _table(doc, r.units)
    if r.trend is not None:
        _chart(doc, r.trend)
    _para(doc, r.precision_note, "说明")


def _sections(doc: DocumentType, r: SummaryReport) -> None:
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


def _highlights(doc: DocumentType, r: SummaryReport) -> None:
    if not r.highlights_title:
        return
    _para(doc, r.highlights_title, "Heading 1")
    if r.highlights:
        _para(doc, "工作亮点", "Heading 2")
        _bullets(doc, r.highlights)
    for case in r.cases:
        _para(doc, case.title, "Heading 2")
        for text in case.paragraphs:
            _para(doc, text)
        for photo in case.photos:
            alt = photo.caption or f"{case.title}照片"
            _picture(doc, photo.path, alt, Cm(11), photo.caption)


def _problems(doc: DocumentType, r: SummaryReport) -> None:
    if not r.problems_title:
        return
    _para(doc, r.problems_title, "Heading 1")
    for heading, items in (("存在问题", r.problems), ("下一步工作", r.next_steps)):
        if items:
            _para(doc, heading, "Heading 2")
            _bullets(doc, items)


def _closing(doc: DocumentType, r: SummaryReport) -> None:
    """落款, provenance and 版记, kept together on the last page."""
    closing = [doc.add_paragraph(style="落款")]
    closing += [_para(doc, line, "落款") for line in (r.signature.unit, r.signature.date)]
    closing.append(_para(doc, r.provenance, "说明"))
    for k, v in (("报送", r.signature.send_to), ("抄送", r.signature.copy_to)):
        if v:
            closing.append(_para(doc, f"{k}：{v}", "版记"))
    printer, printed = r.signature.printing  # 印发机关 left, 印发日期 at the right margin
    last = _para(doc, printer, "版记")
    last.add_run().add_tab()
    last.add_run(for_output(printed))
    last.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    closing.append(last)
    for p in closing:
        p.paragraph_format.keep_with_next = True
    closing[-1].paragraph_format.keep_with_next = False


def build_document(r: SummaryReport, now: dt.datetime | None = None) -> DocumentType:
    """The report as a python-docx Document (charts must have been drawn: charts.render_all)."""
    doc = Document(str(TEMPLATE))
    _properties(doc, r, now or dt.datetime.now(dt.UTC))
    _page_numbers(doc)
    _cover(doc, r)
    _summary(doc, r)
    _sections(doc, r)
    _highlights(doc, r)
    _problems(doc, r)
    _closing(doc, r)
    return doc


def write_docx(r: SummaryReport, path: Path, now: dt.datetime | None = None) -> Path:
    """Save the document atomically (a failed run leaves the previous .docx)."""
    from metrics.files import atomic_write

    doc = build_document(r, now)
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
    title.runs[0].font.color.rgb = DRAFT_RED
    _table(doc, Table("", REVISION_HEADERS, revision_rows(revision)))
    added = list(body)[before - 1 : -1]
    if anchor is not None:
        for element in reversed(added):
            anchor._p.addnext(element)
    atomic_write(path, lambda tmp: doc.save(str(tmp)))
