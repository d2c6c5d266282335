"""The Word document: built from the report model, editable, with East Asian fonts set."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

from metrics.reporting import charts
from metrics.reporting.analyst import parse_analyst_text
from metrics.reporting.word import write_docx
from test_model import build


def all_text(doc: Document) -> str:
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def make(tmp_path: Path, now: dt.datetime | None = None) -> Path:
    (tmp_path / "照片").mkdir()
    from PIL import Image

    Image.new("RGB", (60, 40), (200, 40, 40)).save(tmp_path / "照片" / "a.png")
    text = parse_analyst_text(
        "---\n报送: 厂党委\n---\n## 亮点\n- 亮点甲\n## 典型案例\n### 案例乙\n正文\n"
        "![照片说明](照片/a.png)\n## 存在问题\n- 问题丙\n",
        tmp_path / "2024Q4.md",
    )
    r = build(text=text, targets={"volunteer_activities": 4})
    charts.render_all(r, tmp_path)
    return write_docx(r, tmp_path / "quarterly_summary.docx", now)


def test_docx_holds_the_headline_figures_and_sections(tmp_path: Path) -> None:
    doc = Document(str(make(tmp_path)))
    text = all_text(doc)
    for expected in (
        "一、总体情况",
        "二、本期办结实事",
        "修缮篮球场",
        "13万余元",  # the year's purchases (worked out in test_model)
        "增加约8.5万元",
        "七、亮点与典型案例",
        "亮点甲",
        "案例乙",
        "八、存在问题与下一步工作",
        "问题丙",
        "报送：厂党委",
        "2026年11月28日",
        "50.0%",  # 2 of 4 activities
    ):
        assert expected in text, expected
    assert "无" not in [p.text for p in doc.paragraphs]
    assert "下一步工作" not in [p.text for p in doc.paragraphs]  # nothing written: no heading
    # charts (3) and the case photo are pictures, not text
    assert len(doc.inline_shapes) == 4
    assert doc.core_properties.author == "青江卷烟厂"
    assert doc.core_properties.subject == "2024年第四季度"
    # the 报头's name in red over a red rule, as in the PDF
    [name] = [p for p in doc.paragraphs if p.text == "“我为群众办实事”工作简报"]
    assert str(name.runs[0].font.color.rgb) == "D00000"
    assert "青江卷烟厂　编" in text


def test_docx_styles_set_the_east_asian_font(tmp_path: Path) -> None:
    doc = Document(str(make(tmp_path)))
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))[0]
    assert defaults.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"  # 正文, and what inherits it
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    for name, font in (("Heading 1", "黑体"), ("Heading 2", "楷体_GB2312")):
        rpr = doc.styles[name].element.rPr
        assert rpr.rFonts.get(qn("w:eastAsia")) == font, name
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["一、总体情况", "二、本期办结实事"]
    # runs name no font of their own: restyling 正文 restyles the document
    run = next(p for p in doc.paragraphs if p.text.startswith("截至")).runs[0]
    assert run._r.rPr is None or run._r.rPr.rFonts is None


def test_docx_says_the_near_repeats_and_lists_foreign_currency_and_goods(tmp_path: Path) -> None:
    from test_model import review_report

    r = review_report()
    charts.render_all(r, tmp_path)
    text = all_text(Document(str(write_docx(r, tmp_path / "q.docx"))))
    for expected in (
        "其中2笔疑似重复，待核实（已按一笔计入）",
        "2024年1—12月捐款捐物中有2笔疑似重复",
        "另有美元捐款3.31万美元（1笔，未折算人民币）",
        "防护口罩",
        "1.25万包",
        "3.31万美元",
        "7000余元",
    ):
        assert expected in text, expected


def test_the_banji_ends_with_the_printing_office_and_date_as_the_pdf_does(tmp_path: Path) -> None:
    """GB/T 9704's 版记 closes with 印发机关 and 印发日期; the Word copy stopped at 抄送."""
    doc = Document(str(make(tmp_path)))
    banji = [p for p in doc.paragraphs if p.style.name == "版记"]
    assert banji[0].text == "报送：厂党委"
    printer, printed = banji[-1].text.split("\t")
    assert printer == "青江卷烟厂" and printed == "2026年11月28日印发"  # defaults: unit, 成文日期
