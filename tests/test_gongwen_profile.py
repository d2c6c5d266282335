"""The leadership 简报 measured on its rendered pages against GB/T 9704-2012 (issue 20 items 4
and 7): A4, margins 37/35/28/26 mm (a 156 x 225 mm block), 3号 仿宋 body on a 28-29 pt line,
黑体 then 楷体 headings, "— N —" page numbers in 4号 宋体 one character in from the outer edge,
the 报头 on the first page, the 版记 at the foot of the last, tables and figures kept whole.

Measured by scripts/page_profile.py (poppler's pdftotext -bbox-layout and pdffonts, pypdf for
the size and font of each run of text); what it measured is printed at the end of the run.
"""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import io
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from conftest import PAGE_PROFILE, report_args
from metrics.paths import TEMPLATES_DIR
from metrics.reporting import fonts, present
from metrics.reporting.model import Table
from metrics.reporting.render import html_to_pdf
from metrics.running.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw"
CSS = TEMPLATES_DIR / "shishi_pdf" / "report.css"
ONE_CHAR_4HAO = 14 * 25.4 / 72  # 4号 = 14 pt = 4.94 mm


def _load_profiler() -> Any:
    spec = importlib.util.spec_from_file_location(
        "page_profile", ROOT / "scripts" / "page_profile.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["page_profile"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


page_profile = _load_profiler()


def pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [re.sub(r"\s+", "", page) for page in text.split("\f")[:-1]]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Any:
    """The sample's 2024Q4 简报 made by the real command, its profile and what the CLI said."""
    work = tmp_path_factory.mktemp("gongwen")
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        code = main(report_args(work, SAMPLE))
    assert code == 0, said.getvalue()
    pdf = work / "r" / "2024Q4" / "quarterly_summary.pdf"
    measured = page_profile.profile(pdf)
    request.config.stash[PAGE_PROFILE] = page_profile.summary(measured, "示例 2024Q4 简报")
    return measured, pdf, said.getvalue()


pytestmark = pytest.mark.e2e


def test_a4_margins_and_text_block(rendered: Any) -> None:
    p, _, _ = rendered
    assert {(round(pg.width), round(pg.height)) for pg in p.pages} == {(210, 297)}
    # justified lines reach both edges of the block: its sides are exact
    assert p.left == pytest.approx(28, abs=0.5) and p.right == pytest.approx(26, abs=0.5)
    assert p.block[0] == pytest.approx(156, abs=1)
    # glyph boxes sit inside the 28.9 pt line boxes: the first line's top is at 37 mm plus
    # half its leading, the lowest line ends just above 35 mm
    assert 37 <= p.top <= 39 and 35 <= p.bottom <= 39
    assert 221 <= p.block[1] <= 225


def test_body_is_3hao_on_a_28_to_29_pt_line_in_the_fangsong_choice(rendered: Any) -> None:
    p, _, _ = rendered
    chosen = fonts.gongwen_fonts()
    assert p.body_size == 16.0 and 28 <= p.line_pitch <= 29
    assert p.body_font == chosen["仿宋"].family.replace(" ", "-")
    assert p.heading_fonts["一级标题"] == chosen["黑体"].family.replace(" ", "-")
    assert p.heading_fonts["二级标题"] == chosen["楷体"].family.replace(" ", "-")


def test_page_numbers_are_dashed_4hao_songti_at_the_outer_edge(rendered: Any) -> None:
    p, _, _ = rendered
    assert p.page_number_size == 14.0
    assert p.page_number_font == fonts.gongwen_fonts()["宋体"].family.replace(" ", "-")
    for page in p.pages:
        assert page.page_number == f"— {page.number} —", page.number
        if page.number % 2:  # odd: right, one character in from the block's edge
            assert page.page_number_side == "right"
            assert page.page_number_x[1] == pytest.approx(26 + ONE_CHAR_4HAO, abs=0.5)
        else:
            assert page.page_number_side == "left"
            assert page.page_number_x[0] == pytest.approx(28 + ONE_CHAR_4HAO, abs=0.5)


def test_the_first_page_is_a_baotou(rendered: Any) -> None:
    _, pdf, _ = rendered
    first = pdf_pages(pdf)[0]
    name, issue = first.find(present.BRIEF_NAME), first.find("2024年第4期")
    sender, date = first.find("青江卷烟厂编"), first.find("2025年1月10日")
    title = first.find("2024年第四季度工作简报")
    assert -1 < name < issue < sender < date < title, first[:200]
    assert "报送单位" not in first and "成稿日期" not in first  # 报送 is the recipient
    assert "一、总体情况" in first  # the body starts under the 报头, as in a printed 简报


def test_the_banji_is_at_the_foot_of_the_last_page(rendered: Any) -> None:
    p, pdf, _ = rendered
    assert [line.split("：")[0] for line in p.banji_lines[:2]] == ["报送", "抄送"]
    assert p.banji_lines[-2:] == ["青江卷烟厂党委办公室", "2025年1月10日印发"]
    assert 35 <= p.banji_bottom <= 39  # its last line on the block's last line
    last = pdf_pages(pdf)[-1]
    assert last.index("2025年1月10日") < last.index("报送：厂党委")  # 落款 above the 版记


def test_the_cli_and_the_quality_report_say_when_fonts_stand_in(rendered: Any) -> None:
    _, pdf, said = rendered
    notice = fonts.font_notice()
    quality = "".join(pdf_pages(pdf.with_name("data_quality.pdf")))
    if notice:
        assert f"注意：{notice}" in said
        assert re.sub(r"\s+", "", notice) in quality
    else:
        assert "字体：" not in said
    assert "成文日期" not in said  # the sample writes its 成文日期


# --- fonts: one list, in the CSS and in reporting.fonts -----------------------------------------


def test_the_css_names_each_style_s_fonts_in_the_order_fonts_py_chooses() -> None:
    css = CSS.read_text(encoding="utf-8")
    lists = [
        [f.strip().strip('"') for f in m.split(",")]
        for m in re.findall(r"font-family:\s*([^;]+);", css.split("公文 layout", 1)[1])
    ]
    for style in fonts.STYLES:
        families = [*style.own, *style.stand_ins]
        used = [fam for fam in lists if fam[0] == families[0]]
        assert used, style.name
        for fam in used:
            assert fam[: len(families)] == families, (style.name, fam)


def test_a_missing_fangsong_is_said_with_its_stand_in_and_the_readme() -> None:
    debian = {"Noto Serif CJK SC", "Noto Sans CJK SC", "AR PL KaitiM GB"}
    said = fonts.font_notice(debian)
    assert "没有仿宋（正文），暂用 Noto Serif CJK SC" in said and fonts.README_SECTION in said
    assert "楷体" not in said.split("。")[0]  # AR PL KaitiM GB is a 楷体
    office = {"仿宋_GB2312", "楷体_GB2312", "SimHei", "SimSun"}
    assert fonts.font_notice(office) == ""
    assert fonts.gongwen_fonts(office)["仿宋"].family == "仿宋_GB2312"
    assert fonts.gongwen_fonts({"fzfangsong-z02s"})["仿宋"].family == "FZFangSong-Z02S"
    assert "安装本单位的公文字体" in (ROOT / "README.md").read_text(encoding="utf-8")


# --- tables and figures kept whole (issue 20 item 7) ---------------------------------------------


def _laid_out(blocks: list[str]) -> list[str]:
    """Each block after enough filler to push it to every position near a page's foot."""
    css = CSS.read_text(encoding="utf-8")
    parts = []
    for k, block in enumerate(blocks):
        filler = "".join(f"<p>填充{k}第{i}行。</p>" for i in range(k % 8 + 14))
        parts.append(f'<div style="break-before: page">{filler}{block}</div>')
    html = f'<html><head><style>{css}</style></head><body class="gongwen">{"".join(parts)}</body></html>'
    pdf = Path(tempfile.mkdtemp()) / "t.pdf"
    pdf.write_bytes(html_to_pdf(html))
    return pdf_pages(pdf)


def test_a_table_of_12_rows_or_fewer_never_splits_and_a_longer_one_starts_at_once() -> None:
    def table(k: int, rows: int) -> str:
        t = Table(
            f"表{k}标题", ["项目", "数量"], [[f"表{k}行{j}号", f"{j}项"] for j in range(rows)]
        )
        return f"<h2>标题{k}</h2>" + present.model_table(t).data

    sizes = [5] * 8 + [12] * 8 + [30] * 8
    pages = _laid_out([table(k, n) for k, n in enumerate(sizes)])
    for k, rows in enumerate(sizes):
        holding = [i for i, page in enumerate(pages) if f"表{k}行" in page]
        heading = next(i for i, page in enumerate(pages) if f"标题{k}" in page)
        caption = next(i for i, page in enumerate(pages) if f"表{k}标题" in page)
        assert heading == caption == holding[0], k  # heading and caption go with the rows
        if rows <= 12:
            assert len(holding) == 1, (k, rows, holding)
        elif k % 8 <= 4:  # a long table may split: with room for its head and a few rows
            # (at most 18 of 22 lines used), it starts right after the text before it
            filler = max(i for i, page in enumerate(pages) if f"填充{k}第" in page)
            assert holding[0] == filler, (k, holding, filler)


def test_a_caption_stays_with_its_photo_or_chart() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "gray").save(buf, format="PNG")
    png = base64.b64encode(buf.getvalue()).decode()
    figure = (
        f'<figure class="photo"><img src="data:image/png;base64,{png}" style="height:70mm">'
        "<figcaption>图{k}说明</figcaption></figure>"
    )
    pages = _laid_out([f"<h3>案例{k}</h3>" + figure.replace("{k}", str(k)) for k in range(8)])
    for k in range(8):
        on = [i for i, page in enumerate(pages) if f"图{k}说明" in page]
        head = [i for i, page in enumerate(pages) if f"案例{k}" in page]
        assert len(on) == 1 and head == on, (k, on, head)
