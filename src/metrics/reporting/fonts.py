"""The 公文 typefaces (GB/T 9704-2012) and which installed font stands for each.

A 简报 wants 仿宋 for its body, 黑体 for 一级标题, 楷体 for 二级标题 and 宋体 for page numbers.
An office machine has them under their licensed names (仿宋_GB2312, FangSong, 方正仿宋…); a
Debian machine has open fonts of the 黑体, 楷体 and 宋体 styles but no simplified-Chinese 仿宋.
Each style lists its own families first, then the stand-ins of another style used when none of
them is installed. templates/shishi_pdf/report.css names the same families in the same order
(tests/test_gongwen_profile.py holds them together), so fontconfig picks, in the PDF, the font
:func:`gongwen_fonts` reports here. The Word writer can take its font names from here too.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class Style:
    """One 公文 typeface: its families (best first) and stand-ins of another style."""

    name: str  # 仿宋
    use: str  # what it sets: 正文
    own: tuple[str, ...]
    stand_ins: tuple[str, ...] = ()


FANGSONG = Style(
    "仿宋",
    "正文",
    (
        "仿宋_GB2312",
        "FangSong_GB2312",
        "仿宋",
        "FangSong",
        "方正仿宋_GBK",
        "FZFangSong-Z02",
        "方正仿宋简体",
        "FZFangSong-Z02S",
        "华文仿宋",
        "STFangsong",
    ),
    # a 宋体 is nearest to 仿宋 in weight and contrast
    ("Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"),
)
KAITI = Style(
    "楷体",
    "二级标题",
    (
        "楷体_GB2312",
        "KaiTi_GB2312",
        "楷体",
        "KaiTi",
        "华文楷体",
        "STKaiti",
        "AR PL KaitiM GB",
        "AR PL UKai CN",
        "LXGW WenKai",
    ),
    ("Noto Serif CJK SC",),
)
HEITI = Style(
    "黑体",
    "一级标题",
    ("黑体", "SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei"),
)
SONGTI = Style(
    "宋体",
    "页码",
    ("宋体", "SimSun", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"),
)
STYLES = (FANGSONG, HEITI, KAITI, SONGTI)
#: README's section on installing the unit's own fonts (named in every notice).
README_SECTION = "README「安装本单位的公文字体」"


@dataclass(frozen=True)
class Choice:
    style: Style
    family: str  # "" when nothing of the style or its stand-ins is installed
    stand_in: bool


def installed_families() -> set[str]:
    """Every family name fontconfig knows (each font's names in all its languages)."""
    if shutil.which("fc-list") is None:
        return set()
    try:
        listing = subprocess.run(
            ["fc-list", "--format", "%{family}\n"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return {name.strip() for line in listing.splitlines() for name in line.split(",") if name}


def choose(style: Style, installed: set[str]) -> Choice:
    """The first installed family of the style, else its first installed stand-in."""
    folded = {f.casefold() for f in installed}
    for family in style.own:
        if family.casefold() in folded:
            return Choice(style, family, False)
    for family in style.stand_ins:
        if family.casefold() in folded:
            return Choice(style, family, True)
    return Choice(style, "", True)


def gongwen_fonts(installed: set[str] | None = None) -> dict[str, Choice]:
    """Style name (仿宋, 黑体, 楷体, 宋体) -> the font the 公文 layout gets on this machine."""
    found = installed_families() if installed is None else installed
    return {s.name: choose(s, found) for s in STYLES}


def font_notice(installed: set[str] | None = None) -> str:
    """One Chinese sentence when a 公文 typeface is replaced by a stand-in; "" when all are
    the real thing. Printed by the CLI and repeated in the data-quality report."""
    missing = [c for c in gongwen_fonts(installed).values() if c.stand_in]
    if not missing:
        return ""
    said = "；".join(
        f"没有{c.style.name}（{c.style.use}），暂用 {c.family}"
        if c.family
        else f"没有{c.style.name}（{c.style.use}）或可代替的字体"
        for c in missing
    )
    return (
        f"字体：本机{said}。领导简报的版式不变，字形与正式公文不同；"
        f"装上本单位的公文字体后重新生成即可（见 {README_SECTION}）"
    )
