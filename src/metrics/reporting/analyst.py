"""The analyst's own words for a period: highlights, cases with photos, problems, next steps.

They live in ``data/raw/报告文字/<period>.md`` (``报告文字/<unit>/<period>.md`` for one unit), a short
Markdown file an analyst writes in any editor::

    ---
    编号: 青江办〔2025〕3号
    报送: 厂党委
    抄送: 各党支部、工会
    ---
    ## 亮点
    - 一句一条……
    ## 典型案例
    ### 案例标题
    正文……
    ![照片说明](照片/城南社区.jpg)
    ## 存在问题
    ## 下一步工作

Every mistake is a :class:`ConfigError` naming the file and line and saying what is allowed.
A section left empty (or holding only 无 / 暂无) is simply omitted from the report.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from metrics.errors import ConfigError
from metrics.periods import Period

FOLDER = "报告文字"
FRONT_KEYS = ("编号", "报送", "抄送")
SECTIONS = ("亮点", "典型案例", "存在问题", "下一步工作")
PHOTO_TYPES = (".jpg", ".jpeg", ".png")
#: What an analyst may write to mean "nothing to say": the section is left out instead.
NOTHING = {"无", "暂无", "无。", "暂无。", "-", "—"}
_PHOTO = re.compile(r"^!\[(?P<caption>[^\]]*)\]\((?P<path>[^)]+)\)\s*$")
_BULLET = re.compile(r"^(?:[-*•]\s+|\d+[.、．]\s*|[（(]\d+[）)]\s*)")
#: What every mistake in the file is told: the format itself, so nobody is sent to a folder
#: they do not use (the sample's 报告文字/2024Q4.md is a full example).
HINT = (
    "格式：标题写成 ## 亮点、## 典型案例（其下 ### 案例标题）、## 存在问题、## 下一步工作，"
    "每条以 - 开头；照片写成 ![说明](照片/文件名.jpg)；开头可用 --- 围起 编号、报送、抄送 三行。"
    "完整示例是项目示例数据中的 报告文字/2024Q4.md"
)


@dataclass(frozen=True)
class Photo:
    path: Path
    caption: str


@dataclass
class Case:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)


@dataclass
class AnalystText:
    """What the analyst wrote; empty lists where they wrote nothing."""

    path: Path | None = None
    number: str = ""  # 编号
    send_to: str = ""  # 报送
    copy_to: str = ""  # 抄送
    highlights: list[str] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)


def text_path(raw_dir: Path, period: Period, unit: str = "") -> Path:
    folder = Path(raw_dir) / FOLDER
    return (folder / unit if unit else folder) / f"{period.label}.md"


def text_fingerprint(raw_dir: Path | str, period: Period, unit: str = "") -> str:
    """sha256 over the period's text file and its photos: a changed word redoes the report."""
    path = text_path(Path(raw_dir), period, unit)
    if not path.is_file():
        return ""
    digest = hashlib.sha256(path.read_bytes())
    try:
        text = parse_analyst_text(path.read_text(encoding="utf-8-sig"), path)
    except (ConfigError, UnicodeDecodeError):
        return digest.hexdigest()  # the report itself will say what is wrong
    for case in text.cases:
        for photo in case.photos:
            digest.update(photo.path.read_bytes())
    return digest.hexdigest()


def load_analyst_text(raw_dir: Path | str, period: Period, unit: str = "") -> AnalystText:
    """The period's text file if the analyst wrote one, else an empty AnalystText."""
    path = text_path(Path(raw_dir), period, unit)
    if not path.is_file():
        return AnalystText()
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "报告文字文件不是 UTF-8 编码", "请在编辑器中另存为 UTF-8", path=path
        ) from exc
    return parse_analyst_text(content, path)


def _fail(path: Path, line: int, message: str) -> ConfigError:
    return ConfigError(f"第{line}行：{message}", HINT, path=path)


def parse_analyst_text(content: str, path: Path) -> AnalystText:
    """Read the front matter and the four sections; photos are checked to exist."""
    out = AnalystText(path=path)
    lines = content.splitlines()
    start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            raise _fail(path, 1, "开头的 --- 没有对应的结束 ---")
        for i in range(1, end):
            _front_line(out, lines[i], path, i + 1)
        start = end + 1
    section: str | None = None
    blocks: dict[str, list[str]] = {s: [] for s in SECTIONS if s != "典型案例"}
    paragraph: list[str] = []

    def flush() -> None:
        if not paragraph:
            return
        text = "".join(paragraph)
        paragraph.clear()
        if text in NOTHING:
            return
        if section == "典型案例":
            out.cases[-1].paragraphs.append(text)
        elif section is not None:
            blocks[section].append(text)

    for number, raw in enumerate(lines[start:], start=start + 1):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("## ") or line == "##":
            flush()
            name = line[2:].strip()
            if name not in SECTIONS:
                raise _fail(path, number, f"不认识的标题“{name}”；可用：{'、'.join(SECTIONS)}")
            section = name
            continue
        if line.startswith("###"):
            flush()
            if section != "典型案例":
                raise _fail(path, number, "三级标题（###）只用于“## 典型案例”下的每个案例")
            out.cases.append(Case(line.lstrip("#").strip()))
            continue
        if line.startswith("#"):
            raise _fail(path, number, "标题请用“## 亮点”这样的二级标题（两个 # 加空格）")
        if section is None:
            raise _fail(path, number, f"文字要写在某个标题之下（{'、'.join(SECTIONS)}）")
        if section == "典型案例" and not out.cases:
            raise _fail(path, number, "案例请以“### 案例标题”开头")
        photo = _PHOTO.match(line)
        if photo:
            flush()
            if section != "典型案例":
                raise _fail(path, number, "照片只能放在“## 典型案例”的某个案例中")
            out.cases[-1].photos.append(_photo(path, number, photo["path"], photo["caption"]))
            continue
        bullet = _BULLET.match(line)
        if bullet:
            flush()
            line = line[bullet.end() :]
        paragraph.append(line)
    flush()
    out.highlights, out.problems, out.next_steps = (
        blocks["亮点"],
        blocks["存在问题"],
        blocks["下一步工作"],
    )
    out.cases = [c for c in out.cases if c.paragraphs or c.photos]
    return out


def _front_line(out: AnalystText, line: str, path: Path, number: int) -> None:
    if not line.strip():
        return
    m = re.match(r"\s*([^:：]+?)\s*[:：]\s*(.*)$", line)
    if m is None:
        raise _fail(
            path, number, f"“{line.strip()}”应写成“项目: 内容”，例如“编号: 青江办〔2025〕3号”"
        )
    key, value = m.group(1), m.group(2).strip()
    if key not in FRONT_KEYS:
        raise _fail(path, number, f"不认识的项目“{key}”；可用：{'、'.join(FRONT_KEYS)}")
    setattr(out, {"编号": "number", "报送": "send_to", "抄送": "copy_to"}[key], value)


def _photo(path: Path, number: int, relative: str, caption: str) -> Photo:
    file = (path.parent / relative.strip()).resolve()
    if file.suffix.lower() not in PHOTO_TYPES:
        raise _fail(path, number, f"照片“{relative}”不是 JPG 或 PNG 图片")
    if not file.is_file():
        raise _fail(path, number, f"找不到照片“{relative}”（路径相对于本文件所在的文件夹）")
    return Photo(file, caption.strip())
