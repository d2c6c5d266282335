"""Read whatever the offices sent in data/raw/ into plain rows, without changing a byte of it.

Every sheet of every workbook becomes a :class:`RawSheet` (rows as Excel shows them). A file
that cannot be read - damaged, password-protected, not a spreadsheet, too large, a zip bomb -
becomes a :class:`FileNotice` with one clear sentence, and the other files go on. A spreadsheet
in a format shishi cannot read (WPS .et, Numbers, a password-protected workbook, data/formats.toml)
is such a notice too, with how to save it as .xlsx: the completeness gate makes it a blocker.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import itertools
import os
import re
import stat
import tomllib
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from html import unescape as html_unescape
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from metrics.cleaning.units import is_archive
from metrics.config import CONFIG_NAME, RawConfig, load_config
from metrics.errors import UnreadableFile
from metrics.paths import DATA_DIR

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv", ".txt"}
#: Delimited text: .csv, and .txt as Excel saves "Unicode 文本" (UTF-16, tab-separated).
TEXT_SUFFIXES = {".csv", ".txt"}
#: Files in the raw folder that describe it rather than hold data: passed over without a notice.
FOLDER_NOTES = {".md"}
#: Pictures: never ledgers (a report's photos belong in REPORT_TEXT_FOLDER).
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp"}
#: A quoted CSV cell may run over at most this many lines; a quote left open longer is a
#: stray quote, and its line is read on its own instead of swallowing the rows after it.
MAX_CELL_LINES = 20
#: A line of delimited text with more fields than this is refused before it is parsed. A
#: ledger has tens of columns; one line of 1,000,000 fields took 63 s to read, and a line of
#: 16,000 (Excel's own limit is 16,384) still made finding the header take seconds.
MAX_CSV_FIELDS = 1024
#: Bytes a sheet cell costs calamine when a sheet is loaded (a dense grid, empty cells too):
#: a sheet whose extent times this exceeds max_unpacked_mb is refused before it is read.
CELL_BYTES = 32
#: Reporting unit when neither a subfolder of data/raw/ nor shishi.toml ([unit] name) names one.
DEFAULT_UNIT = "本单位"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_YEAR = re.compile(r"(?<!\d)(19[9]\d|20\d\d)(?!\d)")


@dataclass
class RawSheet:
    """One sheet (or one CSV): rows of cell values, 0-based; Excel row = index + 1.

    A workbook sheet is not turned into Python rows up front: ``stream`` yields them on demand
    from calamine's in-memory range, so a million-row sheet is parsed a chunk at a time.
    """

    file: str
    sheet: str
    rows: list[list[Any]] | None
    sha256: str
    year_hint: int | None = None
    unit_name: str = DEFAULT_UNIT
    stream: Callable[[], Iterator[list[Any]]] | None = field(default=None, repr=False)
    #: rows a streamed sheet will yield (known from calamine's range without reading them)
    n_rows: int | None = None
    #: (Excel row, what is odd about it[, warning rule]): rows read in a fallback way, or with
    #: more fields than their header, that the analyst should check
    flags: list[tuple[Any, ...]] = field(default_factory=list)
    #: (Excel row, 0-based column) -> formula, for cells whose formula refers outside the
    #: workbook (external link, DDE, WEBSERVICE): never fetched, and named when refused
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    #: delimited text (CSV, .txt): a row's fields beyond its header's are a mistake, not notes
    delimited: bool = False

    @property
    def row_count(self) -> int:
        return len(self.rows) if self.rows is not None else (self.n_rows or 0)

    def iter_rows(self) -> Iterator[list[Any]]:
        if self.rows is not None:
            return iter(self.rows)
        return self.stream() if self.stream else iter(())

    def release(self) -> None:
        """Drop the rows once cleaned: calamine's copy of a big sheet is hundreds of MB."""
        self.rows = [] if self.rows is not None else None
        self.stream = None

    def head(self, n: int) -> list[list[Any]]:
        """The first n rows (where title rows, the header and 填报单位 lines are)."""
        if self.rows is not None:
            return self.rows[:n]
        return list(itertools.islice(self.iter_rows(), n))


@dataclass
class FileNotice:
    """A file or sheet that was skipped, and why, in words an analyst can act on."""

    file: str
    sheet: str | None
    #: "error" (file unreadable) | "info" (skipped on purpose: notes sheet, hidden file)
    #: | "check" (read, but to be confirmed: a row with a stray quote, a year taken from a title)
    level: str
    message: str
    unit: str | None = None  # the unit whose folder the file is in, when known
    toml: str = ""  # lines to paste into shishi.toml, when that is the fix
    hint: str = ""


def year_hint(*names: str) -> int | None:
    """The year a sheet's dates without a year belong to, if its name (or else the file's) says
    exactly one year; otherwise None, and such dates are rejected rather than guessed."""
    for name in names:
        years = set(_YEAR.findall(name))
        if len(years) == 1:
            return int(years.pop())
        if len(years) > 1:
            return None
    return None


def copy_rank(path: Path) -> tuple[int, str]:
    """Sort key that reads originals before their copies (名单(1).xlsx, 名单 - 副本.xlsx)."""
    stem = path.stem
    is_copy = bool(re.search(r"\(\d+\)$|（\d+）$|副本|copy", stem, re.IGNORECASE))
    return (int(is_copy), str(path))


#: The analyst's report text and photos (metrics.reporting.analyst), never ledgers.
REPORT_TEXT_FOLDER = "报告文字"


@cache
def _formats() -> dict[str, Any]:
    with (DATA_DIR / "formats.toml").open("rb") as fh:
        return tomllib.load(fh)


def unreadable_suffixes() -> tuple[str, ...]:
    """Suffixes of spreadsheets (and WPS documents) shishi cannot read: never skipped quietly."""
    return tuple(_formats()["unreadable"])


def unreadable_format(name: str, raw: Path | str) -> tuple[str, str] | None:
    """(what the file is, how to save it as .xlsx) for a format shishi cannot read, else None."""
    entry = _formats()["unreadable"].get(Path(name).suffix.lower())
    if entry is None:
        return None
    return entry["what"], entry["fix"].replace("{raw}", str(raw))


def password_protected() -> UnreadableFile:
    """The refusal of a workbook with an opening password, with how to remove it (its {raw}
    is the raw folder, filled in by :func:`read_raw`)."""
    entry = _formats()["password"]
    return UnreadableFile(entry["what"], entry["fix"])


def _archived(rel: str) -> bool:
    """Whether a path inside the raw folder lies in an archive folder (归档, 已替换 …), whose
    files are never counted."""
    return any(is_archive(p) for p in rel.split("/")[:-1])


def _skip_reason(
    path: Path, raw_root: Path, rel: str, shown: Path
) -> tuple[str, str] | tuple[str, str, str] | None:
    """Why a file in the raw folder is not read, as (level, message[, hint]); None to read it.

    Nothing is passed over in silence except the folder's own notes (README.md, shishi.toml):
    every other file that is not read gets a notice and a manifest line.
    """
    name = path.name
    if name.startswith("~$"):
        return "info", "Excel 打开文件时留下的临时锁文件，已跳过"
    if name.startswith("."):
        return "info", "隐藏文件（名称以 . 开头，多为系统或拷贝时生成），已跳过"
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "error", "快捷方式（符号链接）指向的文件不存在，已跳过"
        if not target.is_relative_to(raw_root):
            return (
                "error",
                "快捷方式（符号链接）指向原始数据文件夹之外，为安全起见不读取；"
                "请把文件本身复制到该文件夹中",
            )
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return "error", f"无法打开（{exc.strerror}）"
    if not stat.S_ISREG(mode):
        return "info", "不是普通文件（如管道、设备文件），已跳过"
    if unreadable := unreadable_format(name, shown):
        if _archived(rel):  # the original kept after it was saved as .xlsx
            return "info", "在归档文件夹中，不读取、不计入报告"
        return "error", *unreadable
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return "info", "图片文件，不是台账，已跳过（报告配图请放在 报告文字/ 文件夹中）"
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return "error", "不是表格文件（读取 .xlsx .xlsm .xls .xlsb .ods .csv .txt），已跳过"
    return None


def scan_raw(raw_dir: Path) -> tuple[list[Path], list[FileNotice]]:
    """The files to read under raw_dir (originals first), and a notice for every other entry.

    Symbolic links to folders are not followed (they could loop, or lead out of the folder);
    a link to a file is read only if it stays inside raw_dir.
    """
    raw_root = raw_dir.resolve()
    files: list[Path] = []
    notices: list[FileNotice] = []
    for folder, dirs, names in os.walk(raw_dir, followlinks=False):
        base = Path(folder)
        for d in list(dirs):
            if unreadable := unreadable_format(d, raw_dir):  # a Numbers package is a folder
                dirs.remove(d)
                rel = (base / d).relative_to(raw_dir).as_posix()
                if _archived(rel):
                    notices.append(
                        FileNotice(rel, None, "info", "在归档文件夹中，不读取、不计入报告")
                    )
                else:
                    notices.append(
                        FileNotice(rel, None, "error", unreadable[0], hint=unreadable[1])
                    )
                continue
            if (base / d).is_symlink():
                dirs.remove(d)
                rel = (base / d).relative_to(raw_dir).as_posix()
                notices.append(
                    FileNotice(
                        rel, None, "info", "指向文件夹的快捷方式（符号链接），不读取其中内容"
                    )
                )
        # the analyst's report text and photos: not ledgers, passed over without a notice
        dirs[:] = [d for d in dirs if d != REPORT_TEXT_FOLDER]
        dirs.sort()
        for name in names:
            path = base / name
            rel = path.relative_to(raw_dir).as_posix()
            if name == CONFIG_NAME or (
                path.suffix.lower() in FOLDER_NOTES and not path.is_symlink()
            ):
                continue
            reason = _skip_reason(path, raw_root, rel, raw_dir)
            if reason is None:
                files.append(path)
            else:
                level, message, *hint = reason
                notices.append(FileNotice(rel, None, level, message, hint="".join(hint)))
    return sorted(files, key=copy_rank), sorted(notices, key=lambda n: n.file)


_ENCRYPTED_OOXML = "EncryptedPackage".encode("utf-16-le")


def _check_unpacked(zf: zipfile.ZipFile, max_unpacked_mb: float) -> None:
    """A zip container (.xlsx, .xlsb, .ods) that unpacks past the limit is a suspected zip bomb."""
    unpacked = sum(i.file_size for i in zf.infolist())
    if unpacked > max_unpacked_mb * 2**20:
        raise UnreadableFile(
            f"工作簿解压后达 {unpacked / 2**20:.0f} MB，超过 "
            f"{max_unpacked_mb:.0f} MB（疑似压缩炸弹），已跳过；请确认文件来源"
        )


def _check_container(data: bytes, suffix: str, config: RawConfig) -> SheetFormulas:
    """Refuse, with a reason, what calamine should never be handed: empty, encrypted,
    mislabelled, bomb-like or too-large-when-loaded workbooks.

    Told by content, whatever the suffix: a password-protected Excel workbook (.xlsx, .xlsm,
    .xlsb) is an OLE container holding an EncryptedPackage stream, and a password-protected
    .ods declares its encryption in its manifest.

    Returns the cells of an .xlsx whose formulas refer outside the workbook, by sheet name
    (found in the same pass as the extents).
    """
    if not data:
        raise UnreadableFile("文件是空的（0 字节）；请重新导出后再放入")
    if data.startswith(_OLE_MAGIC) and _ENCRYPTED_OOXML in data:
        raise password_protected()
    if data.startswith(_ZIP_MAGIC) and suffix in {".xlsb", ".ods"}:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                _check_unpacked(zf, config.max_unpacked_mb)
                if suffix == ".ods" and _ODS_ENCRYPTED in _zip_member(zf, "META-INF/manifest.xml"):
                    raise password_protected()
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise UnreadableFile(f"工作簿已损坏（{exc}）；请重新导出") from exc
    if suffix in {".xlsx", ".xlsm"}:
        if data.startswith(_OLE_MAGIC):
            return {}  # an old .xls saved under an .xlsx name: calamine reads it by its content
        if not data.startswith(_ZIP_MAGIC):
            raise UnreadableFile(
                "扩展名是 .xlsx，但内容不是 Excel 工作簿（可能已损坏或改过扩展名）；请用 Excel 打开后另存"
            )
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                _check_unpacked(zf, config.max_unpacked_mb)
                return check_sheet_extents(zf, config.max_unpacked_mb * 2**20 / CELL_BYTES)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise UnreadableFile(f"工作簿已损坏（{exc}）；请重新导出") from exc
    if suffix == ".xls" and data.startswith(_ZIP_MAGIC):
        raise UnreadableFile("扩展名是 .xls，但内容是 .xlsx；请把扩展名改为 .xlsx")
    return {}


_ODS_ENCRYPTED = b"encryption-data"


def _zip_member(zf: zipfile.ZipFile, name: str, limit: int = 1 << 20) -> bytes:
    """The first ``limit`` bytes of one member of a zip, or b"" when there is none."""
    try:
        with zf.open(name) as fh:
            return fh.read(limit)
    except KeyError:
        return b""


# literal first, so the scan over a big sheet runs at memchr speed (a leading "<(\w+:)?"
# made it 20 times slower); "c r=" only starts a cell reference in worksheet XML
_CELL_REF = re.compile(rb'c r="([A-Z]{1,3})(\d+)"')
_WIDE_REF = re.compile(rb'c r="[A-Z]{2}')
_ROW_REF = re.compile(rb'<(?:\w+:)?row [^>]*?r="(\d+)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _sheet_names_by_part(zf: zipfile.ZipFile) -> dict[str, str]:
    """worksheet part (xl/worksheets/sheet1.xml) -> the sheet name Excel shows, best effort."""
    try:
        book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {
        m["id"]: m["target"].lstrip("/").removeprefix("xl/")
        for m in re.finditer(
            r'<Relationship\b[^>]*?Id="(?P<id>[^"]+)"[^>]*?Target="(?P<target>[^"]+)"', rels
        )
    }
    targets |= {
        m["id"]: m["target"].lstrip("/").removeprefix("xl/")
        for m in re.finditer(
            r'<Relationship\b[^>]*?Target="(?P<target>[^"]+)"[^>]*?Id="(?P<id>[^"]+)"', rels
        )
    }
    names = {}
    for m in re.finditer(
        r'<(?:\w+:)?sheet\b[^>]*?name="(?P<name>[^"]*)"[^>]*?r:id="(?P<id>[^"]+)"', book
    ):
        if m["id"] in targets:
            names["xl/" + targets[m["id"]]] = html_unescape(m["name"])
    return names


#: sheet name -> {(Excel row, 0-based column): formula} of cells referring outside the workbook
SheetFormulas = dict[str, dict[tuple[int, int], str]]

# a formula's text, after its cell's reference; masters of shared formulas carry an si
_FORMULA = re.compile(
    rb'<c r="([A-Z]{1,3})(\d+)"[^>]*>\s*<f\b([^>]*?)(?:/>|>([^<]*)</f>)', re.DOTALL
)
_SHARED_INDEX = re.compile(rb'\bsi="(\d+)"')
#: what makes a formula reach outside the workbook: an external link ([1]Sheet1!A1, or a
#: path to another book), DDE (cmd|' /C calc'!A0), WEBSERVICE and RTD
_OUTSIDE = re.compile(
    r"\[\d+\][^!]*!|\[[^\]]+\.xl\w*\]|\w\|'?[^!]*!|\bWEBSERVICE\s*\(|\bRTD\s*\(",
    re.IGNORECASE,
)
#: Cheap signs (substring searches) that a chunk may hold such a formula; Excel writes
#: function names in capitals. A bracket alone is no sign: tables' own references use them.
_FORMULA_HINTS = (b"|", b"WEBSERVICE", b"RTD(", b".xl")
_LINK_INDEX = re.compile(rb"\[\d+\]")


def refers_outside(formula: str) -> bool:
    """Whether a formula's text refers outside its workbook (external link, DDE, web query)."""
    return bool(_OUTSIDE.search(formula))


def _outside_formulas(buf: bytes, shared: dict[bytes, str]) -> dict[tuple[int, int], str]:
    """Cells of one chunk of worksheet XML whose formulas refer outside the workbook; a shared
    formula's followers (<f t="shared" si="0"/>) take their master's text."""
    if b"<f" not in buf:
        return {}
    if not (shared or any(h in buf for h in _FORMULA_HINTS) or _LINK_INDEX.search(buf)):
        return {}
    found: dict[tuple[int, int], str] = {}
    for m in _FORMULA.finditer(buf):
        attrs, body = m[3], m[4]
        si = _SHARED_INDEX.search(attrs)
        if body is None or not body.strip():  # a follower of a shared formula
            text = shared.get(si[1], "") if si else ""
        else:
            text = html_unescape(body.decode("utf-8", "replace"))
            if si and refers_outside(text):
                shared[si[1]] = text
        if text and refers_outside(text):
            found[(int(m[2]), _column_number(m[1]) - 1)] = text
    return found


def check_sheet_extents(zf: zipfile.ZipFile, max_cells: float) -> SheetFormulas:
    """Refuse a workbook with a sheet whose grid (first to last used cell, empty cells
    included) is larger than max_cells, before calamine allocates it.

    Both the sheet's dimension record and its real extent count: a dimension can claim
    A1:XFD1048576 for one value, or claim A1:B2 while a value sits in XFD1048576. Rows are
    stored in order, so the last row is found at the end; columns are only parsed in chunks
    that have a cell beyond column Z.

    Returns, by sheet name, the cells whose formulas refer outside the workbook (looked for
    in the same pass, only in chunks with a sign of one: [1], .xls…], a |, WEBSERVICE, RTD).
    """
    names = _sheet_names_by_part(zf)
    formulas: SheetFormulas = {}
    for info in zf.infolist():
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        rows, cols, tail = 0, 0, b""
        outside: dict[tuple[int, int], str] = {}
        shared: dict[bytes, str] = {}
        with zf.open(info) as fh:
            while chunk := fh.read(1 << 20):
                buf = tail + chunk
                outside |= _outside_formulas(buf, shared)
                if not tail and (dim := _DIMENSION.search(buf, 0, 65536)):
                    last_col, last_row = (dim[3], dim[4]) if dim[3] else (dim[1], dim[2])
                    rows, cols = int(last_row), _column_number(last_col)
                if _WIDE_REF.search(buf):
                    for letters in set(m[1] for m in _CELL_REF.finditer(buf)):
                        cols = max(cols, _column_number(letters))
                else:
                    cols = max(cols, 26 if _CELL_REF.search(buf) else 0)
                row_refs = _ROW_REF.findall(buf[-4096:]) or _CELL_REF.findall(buf[-4096:])
                if row_refs:
                    last = row_refs[-1]
                    rows = max(rows, int(last[1] if isinstance(last, tuple) else last))
                tail = buf[-4096:]
        sheet = names.get(info.filename, info.filename)
        if outside:
            formulas[sheet] = outside
        if rows * cols > max_cells:
            raise UnreadableFile(
                f"工作表「{sheet}」的范围达 {rows:,} 行 × {cols:,} 列（约 {rows * cols:,} 个单元格），"
                "超过可读取的上限，多半是某个远处单元格误填了内容；"
                "请在 Excel 中删除多余的行列后另存，或在 shishi.toml 中调高 max_unpacked_mb"
            )
    return formulas


# --- text files (CSV, and .txt as Excel saves "Unicode 文本") ------------------------------


#: CJK characters counted as everyday text: GB2312 level 1 (3,755 simplified) and Big5 level 1
#: (5,401 traditional). Text decoded with the wrong codec is mostly rare characters and kana.
def _common_hanzi(ch: str) -> bool:
    try:
        gb = ch.encode("gb2312")
        if len(gb) == 2 and 0xB0 <= gb[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        big5 = ch.encode("big5")
        return len(big5) == 2 and 0xA440 <= int.from_bytes(big5) <= 0xC67E
    except UnicodeEncodeError:
        return False


_PLAIN_PUNCT = set("，。、；：？！“”‘’（）《》【】—…·￥％＋－＝／　０１２３４５６７８９")


def plausibility(text: str, sample: int = 4000) -> float:
    """Share of the first ``sample`` non-ASCII characters that are everyday Chinese text
    (common hanzi, CJK punctuation, full-width digits); 1.0 for pure ASCII."""
    chars = [c for c in itertools.islice((c for c in text if ord(c) > 127), sample)]
    if not chars:
        return 1.0
    good = sum(1 for c in chars if c in _PLAIN_PUNCT or _common_hanzi(c))
    return good / len(chars)


#: Below this plausibility a decode is refused rather than read as garbled text.
MIN_PLAUSIBLE = 0.75


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NUL bytes sit in every other position, as in UTF-16 text."""
    head = data[:4096]
    if len(head) < 4:
        return None
    odd, even = head[1::2].count(0), head[0::2].count(0)
    half = len(head) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def decode_csv(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes without being told how: UTF-8 (BOM or not), UTF-16 (Excel's
    "Unicode 文本"), GB18030 or Big5/CP950, whichever reads as everyday Chinese.

    A decode that gives implausible text (rare characters, kana, private-use code points) is
    refused with a reason rather than read as garbled names.
    """
    encoding = None
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = _utf16_without_bom(data)
    if encoding is not None:
        try:
            text = data.decode(encoding)
            if _CONTROL.search(text[:65536]):
                raise UnreadableFile(
                    "内容含有二进制数据，不是 CSV 文本文件；请确认扩展名或重新导出"
                )
            return text, encoding
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                f"文件看起来是 {encoding.upper()} 编码，但第 {exc.start} 字节处无法解码（文件可能不完整）；"
                "请在 Excel 中另存为“CSV UTF-8”"
            ) from exc
    if b"\x00" in data[:65536]:
        raise UnreadableFile("内容含有二进制数据，不是 CSV 文本文件；请确认扩展名或重新导出")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    scored: list[tuple[float, int, str, str]] = []
    for candidate in ("gb18030", "cp950"):  # mainland first: it wins a tie
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        scored.append((plausibility(text), -len(scored), text, candidate))
    if not scored:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise UnreadableFile("CSV 文件的编码无法识别；请在 Excel 中另存为“CSV UTF-8”")
        scored.append((plausibility(str(best)), 0, str(best), best.encoding))
    score, _, text, encoding = max(scored)
    if score < MIN_PLAUSIBLE:
        names = "、".join(_CODEC_NAMES.get(c, c) for *_, c in scored)
        raise UnreadableFile(
            f"CSV 文件的编码无法可靠识别：按 {names} 解码后都像乱码"
            f"（只有 {score:.0%} 的字是常用字），为免读错已跳过；请在 Excel 中另存为“CSV UTF-8”"
        )
    return text, encoding


_CODEC_NAMES = {"gb18030": "GB18030（简体）", "cp950": "Big5（繁体）"}
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def read_csv_rows(data: bytes | Path) -> tuple[list[list[Any]], list[tuple[int, str]]]:
    """Rows of a delimited text file, and the rows to flag (Excel row, reason).

    Every physical line is accounted for: a quote left open (a stray " in a cell) would make
    the csv module swallow every row after it into one cell, or fail on a huge field. A
    record may run over several lines only when its quotes close within MAX_CELL_LINES;
    otherwise its first line is read on its own, quotes taken literally, and flagged.
    """
    if isinstance(data, Path):
        data = data.read_bytes()
    text, _ = decode_csv(data)
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    with contextlib.suppress(csv.Error):  # unsniffable: plain Excel CSV
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    lines = _LINE.findall(text)
    check_field_count(lines, dialect.delimiter)
    with _field_limit(len(text) + 1):
        try:
            reader = csv.reader(io.StringIO(text), dialect)
            rows, spans, last = [], [], 0
            for row in reader:
                rows.append(list(row))
                spans.append(reader.line_num - last)
                last = reader.line_num
            if max(spans, default=1) <= MAX_CELL_LINES and last == len(lines):
                return rows, []
        except csv.Error:
            pass
        return _read_lines(lines, dialect)


def check_field_count(lines: list[str], delimiter: str, limit: int = MAX_CSV_FIELDS) -> None:
    """Refuse a file with a line of more than ``limit`` fields, before it is parsed.

    Only a line longer than ``limit`` characters can hold that many fields, so the count
    (delimiters, quoted or not: an upper bound) is made on those lines alone.
    """
    for i, line in enumerate(lines):
        if len(line) > limit and (fields := line.count(delimiter) + 1) > limit:
            raise UnreadableFile(
                f"第{i + 1}行有 {fields:,} 个字段，超过可读取的上限（{limit:,} 列；台账通常只有"
                "几十列），多半是文件损坏或导出出错，整个文件没有读入",
                "请用 Excel 或记事本打开核对这一行，删去多余的分隔符后重新导出为 CSV",
            )


@contextlib.contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    """No "field larger than field limit": a cell may be as long as the file."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, limit))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _read_lines(
    lines: list[str], dialect: type[csv.Dialect] | csv.Dialect
) -> tuple[list[list[Any]], list[tuple[int, str]]]:
    """Line by line: quoted cells may span lines only when their quotes close soon."""
    rows: list[list[Any]] = []
    flags: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        for span in range(1, min(MAX_CELL_LINES, len(lines) - i) + 1):
            chunk = "".join(lines[i : i + span])
            if chunk.count('"') % 2 == 0:
                try:
                    parsed = list(csv.reader(io.StringIO(chunk), dialect, strict=True))
                except csv.Error:
                    continue
                if len(parsed) == 1:
                    rows.append(list(parsed[0]))
                    rows.extend([] for _ in range(span - 1))  # keep Excel row numbers
                    i += span
                    break
        else:
            literal = csv.reader(io.StringIO(lines[i]), dialect, quoting=csv.QUOTE_NONE)
            rows.append(next(literal, []))
            flags.append(
                (len(rows), '这一行的引号（"）不成对，已按单行读取；请核对这一行的内容是否完整')
            )
            i += 1
    return rows, flags


def read_workbook_sheets(
    source: bytes | Path,
) -> Iterator[tuple[str, Callable[[], Iterator[list[Any]]], int]]:
    """Each sheet's name, a function that streams its rows from calamine's range, and how
    many rows it will stream.

    The workbook is read from the bytes that were hashed (or a path, in tests); its format is
    told by content, so an .xls saved under an .xlsx name is read. The range is read here (so
    a broken sheet is reported with its file), but its cells become Python objects only as the
    cleaner asks for them, a chunk at a time.
    """
    try:
        if isinstance(source, Path):
            wb = CalamineWorkbook.from_path(str(source))
        else:
            wb = CalamineWorkbook.from_filelike(io.BytesIO(source))
    except Exception as exc:  # calamine raises several private error types
        raise UnreadableFile(describe_calamine_error(exc)) from exc
    for name in wb.sheet_names:
        try:
            sheet = wb.get_sheet_by_name(name)
        except Exception as exc:
            raise UnreadableFile(
                f"工作表「{name}」无法读取：{describe_calamine_error(exc)}"
            ) from exc
        end = sheet.end
        yield name, functools.partial(_stream_rows, sheet), (end[0] + 1 if end else 0)


def _stream_rows(sheet: Any) -> Iterator[list[Any]]:
    """Rows as ``to_python(skip_empty_area=False)`` gives them: Excel row and column = index + 1.

    calamine's ``iter_rows`` already starts at row 1 but at the range's first column, so the
    empty columns to its left are put back.
    """
    left = sheet.start[1] if sheet.start else 0
    if not left:
        yield from sheet.iter_rows()
        return
    pad = [""] * left
    for row in sheet.iter_rows():
        yield pad + row


def describe_calamine_error(exc: Exception) -> str:
    text = str(exc)
    low = text.lower()
    if "password" in low or "encrypt" in low:
        return str(_formats()["password"]["what"])
    if "zip" in low or "invalid" in low or "cfb" in low or "eof" in low:
        return f"工作簿已损坏或不是 Excel 文件（{text[:120]}）；请用 Excel 打开后另存"
    return f"无法读取（{text[:160]}）；请用 Excel 打开后另存为 .xlsx"


def read_raw(
    raw_dir: Path,
    config: RawConfig | None = None,
    while_parsing: Callable[[], object] | None = None,
) -> tuple[list[RawSheet], list[FileNotice]]:
    """Every readable sheet under raw_dir, plus a notice for each file that was skipped.

    Each file is read into memory once (within max_file_mb); those bytes are hashed and those
    same bytes parsed, so the manifest's sha256 always describes the rows that were cleaned.
    Files in subfolders belong to the unit the folder is declared as (cleaning/units.py).

    ``while_parsing`` is called once, just before the first workbook that passed its checks
    is handed to calamine, which parses without holding the GIL: a caller's thread doing
    Python work (imports) started then runs for free, instead of slowing the checks down.
    """
    from metrics.cleaning.units import plan_units, undeclared_hint

    config = config or load_config(raw_dir)
    sheets: list[RawSheet] = []
    files, notices = scan_raw(raw_dir)
    plan = plan_units(raw_dir, files, (config.unit_name or DEFAULT_UNIT).strip(), config)
    for folder, message, toml, level in plan.notices:
        hint = undeclared_hint(str(config.settings_file)) if toml else ""
        notices.append(FileNotice(folder + "/", None, level, message, None, toml, hint))
    for path, unit in plan.files.items():
        rel = path.relative_to(raw_dir).as_posix()
        suffix = path.suffix.lower()
        try:
            data = _read_bytes(path, config)
            formulas = _check_container(data, suffix, config)
            digest = hashlib.sha256(data).hexdigest()
            if suffix in TEXT_SUFFIXES:
                rows, flags = read_csv_rows(data)
                found: list[tuple[str, Any, int | None, list[tuple[int, str]]]] = [
                    (path.stem, rows, None, flags)
                ]
            else:  # streams: rows are read when cleaned
                if while_parsing is not None:
                    while_parsing()
                    while_parsing = None
                found = [(n, s, c, []) for n, s, c in _workbook_sheets(data, suffix)]
        except UnreadableFile as exc:
            hint = exc.hint
            if not hint and exc.message == password_protected().message:  # told by calamine
                hint = password_protected().hint
            hint = hint.replace("{raw}", str(raw_dir))
            notices.append(FileNotice(rel, None, "error", exc.message, unit, hint=hint))
            continue
        except OSError as exc:
            notices.append(FileNotice(rel, None, "error", f"无法打开（{exc.strerror}）", unit))
            continue
        for sheet_name, rows, n_rows, flags in found:
            sheets.append(
                RawSheet(
                    file=rel,
                    sheet=sheet_name,
                    rows=rows if isinstance(rows, list) else None,
                    stream=None if isinstance(rows, list) else rows,
                    n_rows=n_rows,
                    sha256=digest,
                    year_hint=year_hint(sheet_name, path.stem),
                    unit_name=unit,
                    flags=flags,
                    formulas=formulas.get(sheet_name, {}),
                    delimited=suffix in TEXT_SUFFIXES,
                )
            )
            notices.extend(
                FileNotice(rel, sheet_name, "check", f"第{row}行：{why}", unit)
                for row, why, *_ in flags
            )
    return sheets, notices


def _workbook_sheets(
    data: bytes, suffix: str
) -> list[tuple[str, Callable[[], Iterator[list[Any]]], int]]:
    try:
        return list(read_workbook_sheets(data))
    except UnreadableFile as exc:
        if suffix in {".xlsx", ".xlsm"} and data.startswith(_OLE_MAGIC):
            raise UnreadableFile(
                "扩展名是 .xlsx，内容却是旧式 Office 文件，且不能按 .xls 读取：可能设置了打开密码"
                "（已加密），或已损坏；请在 Excel 中取消密码后另存为 .xlsx",
                password_protected().hint,
            ) from exc
        raise


def _read_bytes(path: Path, config: RawConfig) -> bytes:
    """The whole file, refused before reading if it is over max_file_mb.

    Read through one open handle, and never more than the limit: a file that grows while it
    is read cannot slip past the check.
    """
    limit = int(config.max_file_mb * 2**20)
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
        size = max(len(data), os.fstat(fh.fileno()).st_size)
    if len(data) > limit:
        raise UnreadableFile(
            f"文件过大（{size / 2**20:.0f} MB，上限 {config.max_file_mb:.0f} MB）；"
            "请拆分后再放入，或在 shishi.toml 中调高 max_file_mb"
        )
    return data
