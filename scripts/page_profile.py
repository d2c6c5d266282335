"""Measure a rendered 简报 PDF against the 公文 profile (GB/T 9704-2012) and print what it found.

    .venv/bin/python scripts/page_profile.py reports/2024Q4/quarterly_summary.pdf

Everything is read off the PDF itself, never off the CSS: page size and the text block from the
glyph boxes ``pdftotext -bbox-layout`` gives (page numbers and the 修订/草稿 label in the top
margin left out), the size and font of every run of text from pypdf, the embedded fonts from
``pdffonts``, the page-number text and side, and where the 版记 sits on the last page.
tests/test_gongwen_profile.py holds the numbers to the profile; `make test` prints them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from statistics import median
from typing import Any

MM = 25.4 / 72  # one PDF point in mm
PAGE_NUMBER = re.compile(r"^—\s*(\d+)\s*—$")
#: Labels set in the top margin by design (render.mark_html), not part of the text block.
MARGIN_LABELS = {"修订", "草稿", "·", "数据不完整", "草稿·数据不完整"}
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)
_LINE = re.compile(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">')


@dataclass
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass
class Page:
    number: int
    width: float  # mm
    height: float
    words: list[Word]
    lines: list[tuple[float, float, float, float]]  # glyph boxes of whole lines, in pt
    page_number: str = ""  # the "— N —" text found below the text block
    page_number_side: str = ""  # left / right
    page_number_x: tuple[float, float] = (0.0, 0.0)  # mm from the left / right edge


@dataclass
class Profile:
    pages: list[Page]
    left: float  # mm: the text block's edges, from the outermost glyphs of every page
    right: float
    top: float
    bottom: float
    body_size: float  # pt: the size most of the text is set in
    body_font: str
    line_pitch: float  # pt: median distance between body lines
    fonts_by_size: dict[tuple[str, float], int]  # (font, size) -> characters
    heading_fonts: dict[str, str]  # 一级标题 / 二级标题 -> font
    embedded: list[str]  # pdffonts names
    page_number_size: float
    page_number_font: str
    banji_bottom: float = 0.0  # mm from the page's bottom edge to the 版记's last line
    banji_lines: list[str] = field(default_factory=list)

    @property
    def block(self) -> tuple[float, float]:
        width = self.pages[0].width if self.pages else 0.0
        height = self.pages[0].height if self.pages else 0.0
        return width - self.left - self.right, height - self.top - self.bottom


def _base(name: str) -> str:
    """ "/ABCDEF+Noto-Serif-CJK-SC" -> "Noto-Serif-CJK-SC" (the subset tag dropped)."""
    return name.lstrip("/").split("+", 1)[-1]


def read_pages(pdf: Path) -> list[Page]:
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages = []
    for n, chunk in enumerate(xml.split("<page ")[1:], start=1):
        size = re.match(r'width="([\d.]+)" height="([\d.]+)"', chunk)
        assert size is not None
        words = [
            Word(float(a), float(b), float(c), float(d), text)
            for a, b, c, d, text in _WORD.findall(chunk)
        ]
        lines = [(float(a), float(b), float(c), float(d)) for a, b, c, d in _LINE.findall(chunk)]
        pages.append(Page(n, float(size[1]) * MM, float(size[2]) * MM, words, lines))
    return pages


def _page_numbers(pages: list[Page]) -> None:
    """Find "— N —" below the text block on each page (pdftotext splits it into three words)."""
    for page in pages:
        low = [w for w in page.words if w.y0 * MM > page.height - 35]
        rows: dict[int, list[Word]] = {}
        for w in low:
            rows.setdefault(round(w.y0), []).append(w)
        for row in rows.values():
            text = " ".join(w.text for w in sorted(row, key=lambda w: w.x0))
            if PAGE_NUMBER.match(text.replace(" ", " ")):
                x0, x1 = min(w.x0 for w in row), max(w.x1 for w in row)
                page.page_number = text
                page.page_number_x = (x0 * MM, page.width - x1 * MM)
                page.page_number_side = "right" if x0 * MM > page.width / 2 else "left"


def _body_words(page: Page) -> list[Word]:
    """Words of the text block: not the page number, not a label in the top margin."""
    return [
        w
        for w in page.words
        if w.text.replace(" ", "") not in MARGIN_LABELS
        and not (page.page_number and w.y0 * MM > page.height - 35)
    ]


#: A run this long without spaces is prose (a table row or a label is not): it decides the
#: body's size.
PROSE = 12


@dataclass(frozen=True)
class Run:
    font: str  # base name, subset tag dropped
    size: float  # pt, as set on the page (text and transformation matrices applied)
    text: str


def text_runs(pdf: Path) -> list[list[Run]]:
    """Per page, every run of text with its font and size (pypdf's content-stream visitor)."""
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(str(pdf)).pages:
        runs: list[Run] = []
        page.extract_text(visitor_text=_collector(runs))
        pages.append(runs)
    return pages


def _collector(runs: list[Run]) -> Any:
    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            name = _base(str((font or {}).get("/BaseFont", "?")))
            runs.append(Run(name, round(abs(size * scale), 1), text.strip()))

    return visit


def _prose(pages: list[list[Run]]) -> Counter[tuple[str, float]]:
    """(font, size) -> characters of prose set in it."""
    counts: Counter[tuple[str, float]] = Counter()
    for run in (r for page in pages for r in page):
        if len(run.text) >= PROSE and " " not in run.text:  # a table row is space-separated
            counts[(run.font, run.size)] += len(run.text)
    return counts


def _heading_fonts(pages: list[list[Run]]) -> dict[str, str]:
    """The font of 一、… (一级标题) and of 工作亮点 / 存在问题 / 下一步工作 (二级标题)."""
    seen: dict[str, str] = {}
    for run in (r for page in pages for r in page):
        if re.match(r"^[一二三四五六七八九十]、", run.text):
            seen.setdefault("一级标题", run.font)
        elif run.text in {"工作亮点", "存在问题", "下一步工作"}:
            seen.setdefault("二级标题", run.font)
    return seen


def _number_font(pages: list[list[Run]]) -> tuple[str, float]:
    """Font and size of the first "— N —" page number."""
    for run in (r for page in pages for r in page):
        if PAGE_NUMBER.match(run.text):
            return run.font, run.size
    return "", 0.0


def _embedded(pdf: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, text=True).stdout
    return [_base(line.split()[0]) for line in out.splitlines()[2:] if line.strip()]


def _line_pitch(pages: list[Page], size: float) -> float:
    """Median gap between successive lines whose glyph box is that of `size` pt text."""
    gaps = []
    for page in pages:
        tops = sorted(
            y0 for x0, y0, x1, y1 in page.lines if abs((y1 - y0) - size * 1.437) < size * 0.05
        )
        gaps += [b - a for a, b in pairwise(tops) if size < b - a < 2.5 * size]
    return round(median(gaps), 1) if gaps else 0.0


def _banji(page: Page) -> tuple[float, list[str]]:
    """The 版记 on the last page: from its 报送/抄送 line (if any) to the 印发 line."""
    words = _body_words(page)
    printed = [w for w in words if w.text.endswith("印发")]
    if not printed:
        return 0.0, []
    heads = [w for w in words if w.text.startswith(("报送：", "抄送："))]
    top = min(w.y0 for w in heads or printed)
    rows = [w for w in words if w.y0 >= top - 1]
    bottom = max(w.y1 for w in rows)
    return round(page.height - bottom * MM, 1), [w.text for w in rows]


def profile(pdf: Path) -> Profile:
    pages = read_pages(pdf)
    _page_numbers(pages)
    body = [w for p in pages for w in _body_words(p)]
    runs = text_runs(pdf)
    prose = _prose(runs)
    (body_font, body_size), _ = prose.most_common(1)[0]
    number_font, number_size = _number_font(runs)
    width, height = pages[0].width, pages[0].height
    banji_bottom, banji_lines = _banji(pages[-1])
    return Profile(
        pages=pages,
        left=round(min(w.x0 for w in body) * MM, 1),
        right=round(width - max(w.x1 for w in body) * MM, 1),
        top=round(min(w.y0 for w in body) * MM, 1),
        bottom=round(height - max(w.y1 for w in body) * MM, 1),
        body_size=body_size,
        body_font=body_font,
        line_pitch=_line_pitch(pages, body_size),
        fonts_by_size=dict(prose),
        heading_fonts=_heading_fonts(runs),
        embedded=_embedded(pdf),
        page_number_size=number_size,
        page_number_font=number_font,
        banji_bottom=banji_bottom,
        banji_lines=banji_lines,
    )


def summary(p: Profile, name: str = "") -> list[str]:
    """What was measured, in a few lines (printed by `make test`)."""
    first = p.pages[0]
    width, height = p.block
    numbers = ", ".join(
        f"{pg.page_number}@{pg.page_number_side}"
        f"({pg.page_number_x[0] if pg.page_number_side == 'left' else pg.page_number_x[1]:.1f}mm)"
        for pg in p.pages
        if pg.page_number
    )
    return [
        f"公文版式实测 {name}: {len(p.pages)} 页, 纸张 {first.width:.0f}×{first.height:.0f} mm",
        f"  页边距（字形外沿）上 {p.top} / 下 {p.bottom} / 左 {p.left} / 右 {p.right} mm;"
        f" 版心 {width:.1f}×{height:.1f} mm",
        f"  正文 {p.body_size} pt {p.body_font}, 行距 {p.line_pitch} pt;"
        f" 标题 {', '.join(f'{k} {v}' for k, v in p.heading_fonts.items())}",
        f"  页码 {p.page_number_size} pt {p.page_number_font}: {numbers}",
        f"  版记距页面下边 {p.banji_bottom} mm: {' | '.join(p.banji_lines)}",
        f"  嵌入字体: {', '.join(p.embedded)}",
    ]


def main(argv: list[str]) -> int:
    for arg in argv or ["reports/2024Q4/quarterly_summary.pdf"]:
        print("\n".join(summary(profile(Path(arg)), Path(arg).name)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
