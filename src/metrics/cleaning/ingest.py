"""Read whatever the offices sent in data/raw/ into plain rows, without changing a byte of it.

Every sheet of every workbook becomes a :class:`RawSheet` (rows as Excel shows them). A file
that cannot be read - damaged, password-protected, not a spreadsheet, too large, a zip bomb -
becomes a :class:`FileNotice` with one clear sentence, and the other files go on.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from metrics.config import CONFIG_NAME, RawConfig, load_config
from metrics.errors import UnreadableFile

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv"}
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
    level: str  # "error" (file unreadable) | "info" (sheet without a table, duplicate file)
    message: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


def list_raw_files(raw_dir: Path) -> list[Path]:
    """Spreadsheet-like files under raw_dir, originals first; hidden and lock files left out."""
    files = [
        p
        for p in raw_dir.rglob("*")
        if p.is_file()
        and not p.name.startswith((".", "~$"))
        and p.name != CONFIG_NAME
        and p.suffix.lower() not in {".md", ".txt", ".toml", ".jpg", ".jpeg", ".png"}
        and REPORT_TEXT_FOLDER not in p.relative_to(raw_dir).parts[:-1]
    ]
    return sorted(files, key=copy_rank)


def _check_container(path: Path, head: bytes, config: RawConfig) -> None:
    """Refuse, with a reason, what calamine should never be handed: empty, huge, encrypted,
    mislabelled or bomb-like files."""
    max_mb = config.max_file_mb
    size_mb = path.stat().st_size / 2**20
    if path.stat().st_size == 0:
        raise UnreadableFile("文件是空的（0 字节）；请重新导出后再放入")
    if size_mb > max_mb:
        raise UnreadableFile(
            f"文件过大（{size_mb:.0f} MB，上限 {max_mb:.0f} MB）；"
            "请拆分后再放入，或在 shishi.toml 中调高 max_file_mb"
        )
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        if head.startswith(_OLE_MAGIC):
            raise UnreadableFile(
                "工作簿设置了打开密码（已加密），无法读取；请在 Excel 中取消密码后另存再放入"
            )
        if not head.startswith(_ZIP_MAGIC):
            raise UnreadableFile(
                "扩展名是 .xlsx，但内容不是 Excel 工作簿（可能已损坏或改过扩展名）；请用 Excel 打开后另存"
            )
        try:
            with zipfile.ZipFile(path) as zf:
                unpacked = sum(i.file_size for i in zf.infolist())
        except zipfile.BadZipFile as exc:
            raise UnreadableFile(f"工作簿已损坏（{exc}）；请重新导出") from exc
        if unpacked > config.max_unpacked_mb * 2**20:
            raise UnreadableFile(
                f"工作簿解压后达 {unpacked / 2**20:.0f} MB，超过 {config.max_unpacked_mb:.0f} MB"
                "（疑似压缩炸弹），已跳过；请确认文件来源"
            )
    if suffix == ".xls" and head.startswith(_ZIP_MAGIC):
        raise UnreadableFile("扩展名是 .xls，但内容是 .xlsx；请把扩展名改为 .xlsx")


def decode_csv(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM) or GB18030, without being told which."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnreadableFile("CSV 文件的编码无法识别；请在 Excel 中另存为“CSV UTF-8”")
    return str(best), best.encoding


def read_csv_rows(path: Path) -> list[list[Any]]:
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise UnreadableFile("内容含有二进制数据，不是 CSV 文本文件；请确认扩展名或重新导出")
    text, _ = decode_csv(data)
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    with contextlib.suppress(csv.Error):  # unsniffable: plain Excel CSV
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def read_workbook_sheets(
    path: Path,
) -> Iterator[tuple[str, Callable[[], Iterator[list[Any]]], int]]:
    """Each sheet's name, a function that streams its rows from calamine's range, and how
    many rows it will stream.

    The range is read here (so a broken sheet is reported with its file), but its cells become
    Python objects only as the cleaner asks for them, a chunk at a time.
    """
    try:
        wb = CalamineWorkbook.from_path(str(path))
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
        return "工作簿设置了密码（已加密），无法读取；请取消密码后另存再放入"
    if "zip" in low or "invalid" in low or "cfb" in low or "eof" in low:
        return f"工作簿已损坏或不是 Excel 文件（{text[:120]}）；请用 Excel 打开后另存"
    return f"无法读取（{text[:160]}）；请用 Excel 打开后另存为 .xlsx"


def read_raw(
    raw_dir: Path, config: RawConfig | None = None
) -> tuple[list[RawSheet], list[FileNotice]]:
    """Every readable sheet under raw_dir, plus a notice for each file that was skipped."""
    config = config or load_config(raw_dir)
    sheets: list[RawSheet] = []
    notices: list[FileNotice] = []
    for path in list_raw_files(raw_dir):
        rel = path.relative_to(raw_dir).as_posix()
        if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
            notices.append(
                FileNotice(rel, None, "error", "不是表格文件（只读取 .xlsx .xls .csv），已跳过")
            )
            continue
        try:
            with path.open("rb") as fh:
                head = fh.read(8)
            _check_container(path, head, config)
            digest = sha256_of(path)
            if path.suffix.lower() == ".csv":
                found = [(path.stem, read_csv_rows(path), None)]  # row_count: len(rows)
            else:
                found = list(read_workbook_sheets(path))  # streams: rows are read when cleaned
        except UnreadableFile as exc:
            notices.append(FileNotice(rel, None, "error", str(exc)))
            continue
        except OSError as exc:
            notices.append(FileNotice(rel, None, "error", f"无法打开（{exc.strerror}）"))
            continue
        parts = path.relative_to(raw_dir).parts
        unit = parts[0] if len(parts) > 1 else (config.unit_name or DEFAULT_UNIT)
        for sheet_name, rows, n_rows in found:
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
                )
            )
    return sheets, notices
