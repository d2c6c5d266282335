"""`shishi inspect PATH`: how shishi reads a file or a folder, sheet by sheet, before any
report is made.

Read-only: the file (or every file of the folder) goes through the same reading and row
cleaning as `shishi clean` - with the folder's shishi.toml - but nothing is written. What comes
back is a plain list of :class:`~metrics.cleaning.readings.SheetReading`, for the CLI to print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from metrics.cleaning.headers import load_table_specs
from metrics.cleaning.ingest import read_raw
from metrics.cleaning.readings import SKIPPED, UNOPENED, SheetReading, sheet_reading
from metrics.cleaning.rows import clean_sheet
from metrics.cleaning.units import SPREADSHEET_SUFFIXES
from metrics.config import load_config
from metrics.errors import InputError


@dataclass
class Inspection:
    """Every sheet of a file or folder as shishi reads it, and the settings it read them with."""

    path: Path
    settings: Path  # the shishi.toml read (or the one that would be, when there is none)
    settings_exist: bool
    sheets: list[SheetReading] = field(default_factory=list)


def inspect_path(path: Path) -> Inspection:
    """Read a spreadsheet, or every spreadsheet in a folder, as `shishi clean` would.

    A file is read with the shishi.toml of its folder; a folder with its own.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(
            "找不到要查看的文件或文件夹",
            '请检查路径；文件名含空格时用引号括起来，如 shishi inspect "原始数据/捐款 名单.xlsx"',
            path=path,
        )
    raw = path if path.is_dir() else path.parent
    config = load_config(raw)
    sheets, notices = read_raw(raw, config)
    only = None if path.is_dir() else path.relative_to(raw).as_posix()
    specs = load_table_specs(config.extra_headers)
    found = Inspection(path, config.settings_file, config.path is not None)
    for notice in notices:
        if notice.sheet is not None or (only is not None and notice.file != only):
            continue
        spreadsheet = Path(notice.file).suffix.lower() in SPREADSHEET_SUFFIXES
        status = UNOPENED if notice.level == "error" and spreadsheet else SKIPPED
        found.sheets.append(
            SheetReading(
                notice.file,
                "",
                status,
                why=notice.message,
                toml=notice.toml,
                problem=status == UNOPENED,
            )
        )
    for sheet in sheets:
        if only is not None and sheet.file != only:
            continue
        result = clean_sheet(sheet, specs, config)
        found.sheets.append(sheet_reading(result, specs, config))
        sheet.release()
    if only is not None and not found.sheets:
        raise InputError(
            "这个文件不是 shishi 读取的表格（.xlsx .xls .csv 等）",
            "请给出一个表格文件，或一个放着表格的文件夹",
            path=path,
        )
    return found
