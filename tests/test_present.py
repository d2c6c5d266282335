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


def test_the_cover_is_a_baotou_and_says_no_sender_as_recipient(tmp_path: Path) -> None:
    """Issue 20 item 4: a 简报 报头 (name, 期数, 文号, 编发单位 and date over a red rule);
    报送 is the recipient, said in the 版记, never on the cover as the sender."""
    text = parse_analyst_text(
        "---\n文号: 青江办〔2025〕1号\n成文日期: 2025年1月10日\n报送: 厂党委\n---\n",
        tmp_path / "2024Q4.md",
    )
    cover = present.report_cover(build(text=text)).data
    for part in (present.BRIEF_NAME, "2024年第4期", "青江办〔2025〕1号", "青江卷烟厂　编"):
        assert part in cover, part
    assert "2025年1月10日" in cover and "2026年11月28日" not in cover  # 成文日期, not the run
    assert 'class="bt-rule"' in cover
    assert cover.index("bt-name") < cover.index("bt-issue") < cover.index("bt-line")
    assert cover.index("bt-line") < cover.index("bt-rule") < cover.index("doc-title")
    assert "报送" not in cover and "厂党委" not in cover
    # without a text file: the run date, and a quarter's own number as 期数
    plain = present.report_cover(build()).data
    assert "2026年11月28日" in plain and "2024年第4期" in plain and "bt-number" not in plain


def test_the_banji_has_its_lines_and_an_issuing_line(tmp_path: Path) -> None:
    text = parse_analyst_text(
        "---\n报送: 厂党委\n抄送: 工会\n成文日期: 2025年1月10日\n---\n", tmp_path / "x.md"
    )
    closing = present.closing(build(text=text)).data
    banji = closing[closing.index('class="banji"') :]
    assert banji.index("报送：厂党委") < banji.index("抄送：工会") < banji.index("印发")
    assert "青江卷烟厂</td>" in banji and "2025年1月10日印发" in banji  # defaults: unit, 成文日期
    text = parse_analyst_text(
        "---\n印发机关: 党办\n印发日期: 2025年1月12日\n---\n", tmp_path / "x.md"
    )
    banji = present.closing(build(text=text)).data
    assert "党办</td>" in banji and "2025年1月12日印发" in banji and "报送" not in banji


def test_short_tables_are_marked_whole_and_long_ones_not() -> None:
    from metrics.reporting.model import Table

    def html(rows: int) -> str:
        return present.model_table(Table("t", ["a"], [[str(i)] for i in range(rows)])).data

    assert html(12).startswith('<table class="whole">')
    assert html(13).startswith("<table>")
