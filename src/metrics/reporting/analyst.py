"""The analyst's own words for a period: highlights, cases with photos, problems, next steps.

They live in ``data/raw/报告文字/<period>.md`` (``报告文字/<unit>/<period>.md`` for one unit), a short
Markdown file an analyst writes in any editor::

    ---
    文号: 青江办〔2025〕3号
    期数: 第3期
    成文日期: 2025年10月12日
    报送: 厂党委
    抄送: 各党支部、工会
    印发机关: 厂党委办公室
    印发日期: 2025年10月12日
    ---
    ## 亮点
    - 一句一条……
    ## 典型案例
    ### 案例标题
    正文……
    ![照片说明](照片/城南社区.jpg)
    ## 存在问题
    ## 下一步工作

Every line of the front matter may be left out. 报送 is the recipient (it goes in the 版记 with
抄送); the sender is the unit itself (编发单位). 成文日期 left out is the day the report is made,
which the CLI points out when the 文号 names another year (:func:`text_notices`).

Every mistake is a :class:`ConfigError` naming the file and line and saying what is allowed.
A section left empty (or holding only 无 / 暂无) is simply omitted from the report, and
``<!-- … -->`` is a note to oneself that never reaches it. A photo must
lie inside the 报告文字 folder and be a real JPG or PNG of at most :data:`MAX_PHOTO_PIXELS`, and
the file itself at most :data:`MAX_TEXT_BYTES`: both are checked here, before any layout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from metrics.errors import ConfigError
from metrics.periods import Period

FOLDER = "报告文字"
#: Front-matter key -> AnalystText field (编号 is the older word for 文号).
FRONT_FIELDS = {
    "文号": "number",
    "编号": "number",
    "期数": "issue",
    "成文日期": "written_on",
    "报送": "send_to",
    "抄送": "copy_to",
    "印发机关": "printer",
    "印发日期": "printed_on",
}
FRONT_KEYS = tuple(FRONT_FIELDS)
DATE_KEYS = ("成文日期", "印发日期")
#: About 68,000 Chinese characters, some 100 pages of 3号 text, where a 简报's own words take
#: a few (issue 21: an 8 MB file made a 1,640-page PDF). Checked on the size before reading.
MAX_TEXT_BYTES = 200 * 1024
#: 40 million pixels (a 50-megapixel camera is 8192 x 5464 = 44.8 M; a phone's 12 M fits).
MAX_PHOTO_PIXELS = 40_000_000
SECTIONS = ("亮点", "典型案例", "存在问题", "下一步工作")
PHOTO_TYPES = (".jpg", ".jpeg", ".png")
#: What an analyst may write to mean "nothing to say": the section is left out instead.
NOTHING = {"无", "暂无", "无。", "暂无。", "-", "—"}
_PHOTO = re.compile(r"^!\[(?P<caption>[^\]]*)\]\((?P<path>[^)]+)\)\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BULLET = re.compile(r"^(?:[-*•]\s+|\d+[.、．]\s*|[（(]\d+[）)]\s*)")
#: What every mistake in the file is told: the format itself, so nobody is sent to a folder
#: they do not use (the sample's 报告文字/2024Q4.md is a full example).
HINT = (
    "格式：标题写成 ## 亮点、## 典型案例（其下 ### 案例标题）、## 存在问题、## 下一步工作，"
    "每条以 - 开头；照片写成 ![说明](照片/文件名.jpg)；开头可用 --- 围起 文号、期数、成文日期、"
    "报送、抄送、印发机关、印发日期 各一行（都可省略）。"
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
    number: str = ""  # 文号 (编号)
    issue: str = ""  # 期数, e.g. 第4期
    written_on: str = ""  # 成文日期 as 2025年1月10日 ("" = not set: the day it is made)
    send_to: str = ""  # 报送: the recipient, in the 版记
    copy_to: str = ""  # 抄送
    printer: str = ""  # 印发机关 ("" = the unit itself)
    printed_on: str = ""  # 印发日期 ("" = 成文日期)
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
    _check_size(path, path.stat().st_size)
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "报告文字文件不是 UTF-8 编码", "请在编辑器中另存为 UTF-8", path=path
        ) from exc
    return parse_analyst_text(content, path)


def _fail(path: Path, line: int, message: str) -> ConfigError:
    return ConfigError(f"第{line}行：{message}", HINT, path=path)


def _check_size(path: Path, size: int) -> None:
    if size > MAX_TEXT_BYTES:
        raise ConfigError(
            f"报告文字文件有 {size / 1024:,.0f} KB，超过每期 {MAX_TEXT_BYTES // 1024} KB 的上限"
            "（约 6.8 万字、100 页），领导简报放不下",
            "简报只写本期的亮点、典型案例、存在问题和下一步工作；请删去长篇材料（可作附件另行报送），"
            "或检查是否误把别的文件另存成了这个 .md",
            path=path,
        )


def parse_analyst_text(content: str, path: Path) -> AnalystText:
    """Read the front matter and the four sections; photos are checked (inside the folder, a
    real image within the pixel limit) before any layout."""
    _check_size(path, len(content.encode("utf-8")))
    reader = _Reader(path)
    # <!-- 说明 --> is the analyst's note to themselves: dropped, its lines kept for numbering
    content = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), content)
    lines = content.splitlines()
    start = _front_matter(reader.out, lines, path)
    for number, raw in enumerate(lines[start:], start=start + 1):
        reader.line(raw.strip(), number)
    return reader.finish()


def _front_matter(out: AnalystText, lines: list[str], path: Path) -> int:
    """Fill the --- block's keys; the index of the first line after it (0 without one)."""
    if not lines or lines[0].strip() != "---":
        return 0
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise _fail(path, 1, "开头的 --- 没有对应的结束 ---")
    for i in range(1, end):
        _front_line(out, lines[i], path, i + 1)
    return end + 1


class _Reader:
    """The body, line by line: which section we are in and the paragraph being gathered."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.out = AnalystText(path=path)
        self.section: str | None = None
        self.blocks: dict[str, list[str]] = {s: [] for s in SECTIONS if s != "典型案例"}
        self.paragraph: list[str] = []

    def flush(self) -> None:
        """End the paragraph being gathered: into the case or the section's list."""
        if not self.paragraph:
            return
        text = "".join(self.paragraph)
        self.paragraph.clear()
        if text in NOTHING:
            return
        if self.section == "典型案例":
            self.out.cases[-1].paragraphs.append(text)
        elif self.section is not None:
            self.blocks[self.section].append(text)

    def line(self, line: str, number: int) -> None:
        if not line:
            self.flush()
        elif line.startswith("#"):
            self.flush()
            self.heading(line, number)
        else:
            self.text(line, number)

    def heading(self, line: str, number: int) -> None:
        if line.startswith("## ") or line == "##":
            name = line[2:].strip()
            if name not in SECTIONS:
                raise self.fail(number, f"不认识的标题“{name}”；可用：{'、'.join(SECTIONS)}")
            self.section = name
        elif line.startswith("###"):
            if self.section != "典型案例":
                raise self.fail(number, "三级标题（###）只用于“## 典型案例”下的每个案例")
            self.out.cases.append(Case(line.lstrip("#").strip()))
        else:
            raise self.fail(number, "标题请用“## 亮点”这样的二级标题（两个 # 加空格）")

    def text(self, line: str, number: int) -> None:
        if self.section is None:
            raise self.fail(number, f"文字要写在某个标题之下（{'、'.join(SECTIONS)}）")
        if self.section == "典型案例" and not self.out.cases:
            raise self.fail(number, "案例请以“### 案例标题”开头")
        photo = _PHOTO.match(line)
        if photo:
            self.flush()
            if self.section != "典型案例":
                raise self.fail(number, "照片只能放在“## 典型案例”的某个案例中")
            found = _photo(self.path, number, photo["path"], photo["caption"])
            self.out.cases[-1].photos.append(found)
            return
        bullet = _BULLET.match(line)
        if bullet:
            self.flush()
            line = line[bullet.end() :]
        self.paragraph.append(line)

    def fail(self, number: int, message: str) -> ConfigError:
        return _fail(self.path, number, message)

    def finish(self) -> AnalystText:
        self.flush()
        out = self.out
        out.highlights = self.blocks["亮点"]
        out.problems = self.blocks["存在问题"]
        out.next_steps = self.blocks["下一步工作"]
        out.cases = [c for c in out.cases if c.paragraphs or c.photos]
        return out


def _front_line(out: AnalystText, line: str, path: Path, number: int) -> None:
    if not line.strip():
        return
    m = re.match(r"\s*([^:：]+?)\s*[:：]\s*(.*)$", line)
    if m is None:
        raise _fail(
            path, number, f"“{line.strip()}”应写成“项目: 内容”，例如“文号: 青江办〔2025〕3号”"
        )
    key, value = m.group(1), m.group(2).strip()
    if key not in FRONT_FIELDS:
        raise _fail(path, number, f"不认识的项目“{key}”；可用：{'、'.join(FRONT_KEYS)}")
    if key in DATE_KEYS and value:
        value = _date(value, key, path, number)
    setattr(out, FRONT_FIELDS[key], value)


_DATE = re.compile(r"(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?")


def _date(value: str, key: str, path: Path, number: int) -> str:
    """2025年1月10日, 2025-01-10 or 2025/1/10 as 2025年1月10日; anything else is refused."""
    m = _DATE.fullmatch(value)
    try:
        day = dt.date(*(int(g) for g in m.groups())) if m else None
    except ValueError:
        day = None
    if day is None:
        raise _fail(path, number, f"{key}“{value}”不是日期；请写成“{key}: 2025年1月10日”")
    return f"{day.year}年{day.month}月{day.day}日"


def _text_root(path: Path) -> Path:
    """The 报告文字 folder a text file lies in (a unit's file is one folder down)."""
    here = path.resolve().parent
    return next((p for p in (here, *here.parents) if p.name == FOLDER), here)


def _photo(path: Path, number: int, relative: str, caption: str) -> Photo:
    """A photo the report can lay out: inside the 报告文字 folder, a real JPG or PNG, and no
    bigger than MAX_PHOTO_PIXELS - read from its header, never decoded whole here."""
    relative = relative.strip()
    file = (path.parent / relative).resolve()
    if not file.is_relative_to(_text_root(path)):
        raise _fail(
            path,
            number,
            f"照片“{relative}”在{FOLDER}文件夹之外，不能放进简报；"
            f"请把照片复制到{FOLDER}/照片/ 中，写成 ![说明](照片/文件名.jpg)",
        )
    if file.suffix.lower() not in PHOTO_TYPES:
        raise _fail(path, number, f"照片“{relative}”不是 JPG 或 PNG 图片")
    if not file.is_file():
        raise _fail(path, number, f"找不到照片“{relative}”（路径相对于本文件所在的文件夹）")
    problem = _image_problem(file)
    if problem:
        raise _fail(path, number, f"照片“{relative}”{problem}")
    return Photo(file, caption.strip())


def _image_problem(file: Path) -> str:
    """Why a photo cannot go in the report ("" when it can): opened as an image and its
    header checked (Pillow's verify), the bitmap itself is not decoded."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file) as img:
                width, height = img.size
                kind = img.format
                if width * height > MAX_PHOTO_PIXELS:
                    return _too_big(width, height)
                img.verify()
    except Image.DecompressionBombError:
        return _too_big(0, 0)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return (
            "打不开：它不是一张完整的 JPG 或 PNG 图片（可能只是改了扩展名，或文件已损坏）；"
            "请换用原始照片"
        )
    if kind not in ("JPEG", "PNG"):
        return f"实际是 {kind} 格式，不是 JPG 或 PNG；请另存为 JPG 再放进来"
    return ""


def _too_big(width: int, height: int) -> str:
    size = f"有 {width}×{height} 像素" if width else "的像素太多"
    return (
        f"{size}，超过每张 {MAX_PHOTO_PIXELS // 10_000} 万像素的上限；"
        "请用看图软件把它缩小到 4000×3000 像素左右再放进来"
    )


def text_notices(
    raw_dir: Path | str, period: Period, unit: str = "", today: dt.date | None = None
) -> list[str]:
    """What the CLI says about a period's text file beside the report: a 文号 naming a year
    while 成文日期 is left out, so the report is dated the day it is made."""
    path = text_path(Path(raw_dir), period, unit)
    try:
        text = load_analyst_text(raw_dir, period, unit)
    except ConfigError:
        return []  # the report itself says what is wrong
    today = today or dt.date.today()
    year = re.search(r"[〔\[（(【]\s*((?:19|20)\d{2})\s*[〕\]）)】]", text.number)
    if text.written_on or year is None or int(year[1]) == today.year:
        return []
    return [
        f"{path}：文号“{text.number}”写的是{year[1]}年，但没有写成文日期，简报上用了今天"
        f"（{today.year}年{today.month}月{today.day}日）；请在开头 --- 之间加一行"
        f"“成文日期: {year[1]}年…月…日”"
    ]
