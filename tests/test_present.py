"""HTML of the leadership report: every value escaped, empty parts absent, blockers loud."""

from __future__ import annotations

from pathlib import Path

from metrics.reporting import present
from metrics.reporting.analyst import parse_analyst_text
from test_model import build


def test_every_value_from_a_file_is_escaped(tmp_path: Path) -> None:
    text = parse_analyst_text(
        "## 亮点\n- <script>alert(1)</script>\n## 典型案例\n### <b>标题</b>\n正文 & 更多\n",
        tmp_path / "x.md",
    )
    r = build(text=text)
    html = present.highlights_page(r).data
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>标题</b>" not in html and "&lt;b&gt;标题&lt;/b&gt;" in html
    assert "正文 &amp; 更多" in html


def test_parts_without_text_are_absent_not_printed_as_none() -> None:
    r = build()
    assert present.highlights_page(r).data == ""
    assert present.problems_page(r).data == ""
    assert "报送" not in present.closing(r).data


def test_blockers_box_and_unreadable_section() -> None:
    r = build(blockers=[{"table": "purchases", "message": "采购.xlsx 已加密，无法读取"}])
    summary = present.summary_page(r).data
    assert 'class="blockers"' in summary and "采购.xlsx 已加密，无法读取" in summary
    section = present.section_page(next(s for s in r.sections if s.key == "purchases")).data
    assert "数据未能读取" in section and "未登记" not in section
    assert "草稿" in present.report_cover(r).data


def test_head_carries_the_pdf_metadata() -> None:
    head = present.report_head(build()).data
    assert "<title>青江卷烟厂“我为群众办实事”实践活动2024年第四季度工作简报</title>" in head
    assert '<meta name="author" content="青江卷烟厂">' in head
    assert '<meta name="description" content="2024年第四季度">' in head
