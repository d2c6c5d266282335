"""Which files belong to which reporting unit: units are declared, never guessed from a folder.

A subfolder of data/raw/ is a unit only when its own shishi.toml names it (``[unit] name``) or
the top shishi.toml lists it (``[[units]] folder = …, name = …``). Archive folders (归档, 已替换,
old… - the words are in data/refresh.toml) are ignored with a notice. Any other subfolder that
holds spreadsheets blocks the run with a notice naming it and the lines to paste: moving last
quarter's file into 已替换/ must never create a second unit, and a new office's folder must
never be dropped silently.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from metrics.config import CONFIG_NAME, load_config
from metrics.errors import ConfigError
from metrics.paths import DATA_DIR

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv"}


@cache
def archive_words() -> tuple[str, ...]:
    with (DATA_DIR / "refresh.toml").open("rb") as fh:
        return tuple(tomllib.load(fh)["archive_folder_words"])


def is_archive(folder: str) -> bool:
    """归档 / 已替换 / 2024旧 / Old / backup_2024: Chinese words anywhere, Latin ones as words."""
    name = unicodedata.normalize("NFKC", folder).lower()
    tokens = set(re.split(r"[^a-z]+", name))
    for word in archive_words():
        w = word.lower()
        if (w.isascii() and w in tokens) or (not w.isascii() and w in name):
            return True
    return False


@dataclass
class UnitPlan:
    """Each file to read with its unit, and what was left out (and why)."""

    #: file path -> unit name, for every file shishi should read
    files: dict[Path, str] = field(default_factory=dict)
    #: (folder, message, toml lines, level) for ignored archives ("info") and undeclared units ("error")
    notices: list[tuple[str, str, str, str]] = field(default_factory=list)


def _declared_units(config: Any) -> dict[str, str]:
    """[[units]] folder -> name from the top shishi.toml (RawConfig.units once config.py lands)."""
    out: dict[str, str] = {}
    for decl in getattr(config, "units", None) or []:
        folder = decl.get("folder") if isinstance(decl, dict) else getattr(decl, "folder", None)
        name = decl.get("name") if isinstance(decl, dict) else getattr(decl, "name", None)
        if folder:
            out[str(folder).strip("/")] = str(name or folder).strip()
    return out


def _own_unit_name(folder: Path, top: Path | None = None) -> str | None:
    """[unit] name in a subfolder's own shishi.toml, validated like the top one.

    Only the unit's name is taken from a subfolder; pins, header synonyms, rates or targets
    written there would be silently ignored, so they stop the run with a message saying where
    they belong instead.
    """
    if not (folder / CONFIG_NAME).is_file():
        return None
    own = load_config(folder)  # a mistake in it is a ConfigError with its line
    ignored = [
        key
        for key, value in (
            ("[[pin]]", own.pins),
            ("[headers.*]", own.extra_headers),
            ("[header_words]", own.header_words),
            ("[rates]", own.rates),
            ("[targets]", own.targets),
            ("[[units]]", own.units),
            ("[unit] branches", own.branches),
        )
        if value
    ]
    if ignored:
        where = top / CONFIG_NAME if top is not None else "原始数据文件夹顶层的 shishi.toml"
        raise ConfigError(
            f"子文件夹的 shishi.toml 只读取 [unit] name，其中的 {'、'.join(ignored)} 不会生效",
            f"请把这些设置移到 {where}（[[pin]] 的 file 写成“{folder.name}/文件名”）",
            path=folder / CONFIG_NAME,
        )
    return own.unit_name.strip() if own.unit_name else None


def _holds_ledgers(folder: Path) -> bool:
    return any(
        p.is_file()
        and p.suffix.lower() in SPREADSHEET_SUFFIXES
        and not p.name.startswith((".", "~$"))
        for p in folder.rglob("*")
    )


def toml_for(folder: str) -> str:
    """The lines to paste into the top shishi.toml to declare a folder as a unit."""
    return f'[[units]]\nfolder = "{folder}"\nname = "{folder}"'


def plan_units(raw_dir: Path, files: list[Path], top_unit: str, config: Any) -> UnitPlan:
    """Sort the listed files into units; archives and undeclared folders are left out."""
    declared = _declared_units(config)
    plan = UnitPlan()
    verdict: dict[str, str | None] = {}  # first-level folder -> unit name, or None (left out)
    for path in files:
        parts = path.relative_to(raw_dir).parts
        if len(parts) == 1:
            plan.files[path] = top_unit
            continue
        if any(is_archive(p) for p in parts[:-1]):
            folder = "/".join(parts[:-1])
            if folder not in verdict:
                verdict[folder] = None
                plan.notices.append(
                    (folder, f"文件夹「{folder}」是归档文件夹，其中的文件不计入报告", "", "info")
                )
            continue
        top = parts[0]
        if top not in verdict:
            name = declared.get(top) or _own_unit_name(raw_dir / top, raw_dir)
            verdict[top] = name
            if name is None and _holds_ledgers(raw_dir / top):
                plan.notices.append(
                    (
                        top,
                        f"子文件夹「{top}」中有表格，但没有声明它是哪个单位，其中的文件没有读入",
                        toml_for(top),
                        "error",
                    )
                )
        if verdict[top] is not None:
            plan.files[path] = str(verdict[top])
    return plan


def undeclared_hint(settings: str = "data/raw/shishi.toml") -> str:
    return (
        f"若该文件夹是一个单位，把下面几行加入 {settings}（name 改为单位全称）；"
        "若其中是旧文件，把文件夹改名为「归档」"
    )
