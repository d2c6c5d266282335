"""Which files belong to which reporting unit: units are declared, never guessed from a folder.

A subfolder of data/raw/ is a unit only when its own shishi.toml names it (``[unit] name``) or
the top shishi.toml lists it (``[[units]] folder = …, name = …``). Archive folders (归档, 已替换,
old… - the words are in data/refresh.toml) are ignored with a notice. Any other subfolder that
holds spreadsheets blocks the run with a notice naming it and the lines to paste: moving last
quarter's file into 已替换/ must never create a second unit, and a new office's folder must
never be dropped silently.

A folder that declares units is a *group*, named by its ``[unit] name``: its reports cover
every unit, and the ledgers at its top are a unit of their own (the group's 机关本部, named by
``[[units]] folder = "."`` or "<group>机关本部") - never the group's name, which would put one
unit's figures under the whole group's title. Each unit has its own annual targets, or none.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from metrics.config import CONFIG_NAME, TOP_FOLDER, RawConfig, declaration_line, load_config
from metrics.errors import ConfigError
from metrics.paths import DATA_DIR
from metrics.scope import natural_key, ordered_units, unit_key

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv"}


@cache
def _refresh_words() -> dict[str, Any]:
    with (DATA_DIR / "refresh.toml").open("rb") as fh:
        return tomllib.load(fh)


def archive_words() -> tuple[str, ...]:
    return tuple(_refresh_words()["archive_folder_words"])


def headquarters_name(group: str) -> str:
    """The default name of a group's own ledgers (江城中烟工业集团 -> 江城中烟工业集团机关本部)."""
    return f"{group}{_refresh_words()['headquarters_suffix']}"


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
    """[[units]] folder -> name from the top shishi.toml (subfolders only, not ``"."``)."""
    out: dict[str, str] = {}
    for decl in getattr(config, "units", None) or []:
        folder = decl.get("folder") if isinstance(decl, dict) else getattr(decl, "folder", None)
        name = decl.get("name") if isinstance(decl, dict) else getattr(decl, "name", None)
        folder = str(folder or "").strip().strip("/")
        if folder and folder != TOP_FOLDER:
            out[folder] = str(name or folder).strip()
    return out


def _own_config(folder: Path, top: Path | None = None) -> RawConfig | None:
    """A subfolder's own shishi.toml, validated like the top one (None when it has none).

    Only the unit's name and its own annual targets are taken from a subfolder; pins, header
    synonyms or rates written there would be silently ignored, so they stop the run with a
    message saying where they belong instead.
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
            ("[statuses]", own.status_words or own.status_verbs),
            ("[[units]]", own.units),
            ("[unit] branches", own.branches),
        )
        if value
    ]
    if ignored:
        where = top / CONFIG_NAME if top is not None else "原始数据文件夹顶层的 shishi.toml"
        raise ConfigError(
            f"子文件夹的 shishi.toml 只读取 [unit] name 和 [targets]，其中的 {'、'.join(ignored)} 不会生效",
            f"请把这些设置移到 {where}（[[pin]] 的 file 写成“{folder.name}/文件名”）",
            path=folder / CONFIG_NAME,
        )
    return own


def _own_unit_name(folder: Path, top: Path | None = None) -> str | None:
    """[unit] name in a subfolder's own shishi.toml."""
    own = _own_config(folder, top)
    return own.unit_name.strip() if own is not None and own.unit_name else None


@dataclass(frozen=True)
class Unit:
    """One declared unit: its name, its folder ("." for the top) and its own annual targets."""

    name: str
    folder: str
    targets: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Units:
    """The units a raw folder declares, in the order its reports list them.

    ``group`` is the folder's ``[unit] name`` when it declares units of its own (then the
    folder's reports are the group's, covering every unit), else None (a single unit).
    """

    group: str | None
    #: the unit the files at the top of the folder belong to
    top: str
    #: declared units, as declared (the top one first unless [[units]] places it)
    units: list[Unit] = field(default_factory=list)
    #: the whole folder's annual targets ([targets]: the group's, or the single unit's)
    targets: dict[str, float] = field(default_factory=dict)
    #: the folder's own name on reports (the group, or the single unit)
    name: str = ""

    @property
    def title(self) -> str:
        """The whole folder's name on its reports: the group's, or the single unit's ("" for a
        folder of several units that names no group: the report then lists the units)."""
        if self.group:
            return self.group
        return "" if any(u.folder != TOP_FOLDER for u in self.units) else self.name

    def order(self, names: Any) -> list[str]:
        """Unit names as reports list them: as declared, then the rest in natural order."""
        return ordered_units(names, [u.name for u in self.units])

    def targets_for(self, unit: str = "") -> dict[str, float]:
        """A scope's annual targets: the folder's for the whole, a unit's own, or none.

        A unit of a group never shows the group's targets (二厂 "完成0.6%" of the group's
        1,800万 was measured against a goal that was never its own).
        """
        key = unit_key(unit)
        if not key or (self.group and key == unit_key(self.group)):
            return dict(self.targets)
        for u in self.units:
            if unit_key(u.name) == key and u.targets:
                return dict(u.targets)
        if self.group is None and key == unit_key(self.top):
            return dict(self.targets)
        return {}

    def is_whole(self, unit: str) -> bool:
        """Whether a scope's name means the whole folder (empty, or the group's name)."""
        key = unit_key(unit)
        return not key or bool(self.group and key == unit_key(self.group))


def _subfolders(raw_dir: Path) -> list[Path]:
    if not raw_dir.is_dir():
        return []
    return sorted(
        p
        for p in raw_dir.iterdir()
        if p.is_dir() and not p.name.startswith(".") and not is_archive(p.name)
    )


def read_units(raw_dir: Path, config: RawConfig | None = None, default: str = "本单位") -> Units:
    """The units ``raw_dir`` declares: [[units]] in its shishi.toml, then subfolders that name
    themselves in their own shishi.toml; a unit's targets in both places is a mistake."""
    raw_dir = Path(raw_dir)
    config = config if config is not None else load_config(raw_dir)
    declared = list(config.units)
    units = [Unit(d.name.strip(), TOP_FOLDER if d.is_top else d.folder.strip().strip("/"),
                  dict(d.targets)) for d in declared]  # fmt: skip
    by_folder = {u.folder: i for i, u in enumerate(units)}
    named: list[Unit] = []  # units named by their own folder's shishi.toml: natural order
    for folder in _subfolders(raw_dir):
        own = _own_config(folder, raw_dir)
        if own is None:
            continue
        if folder.name in by_folder:
            i = by_folder[folder.name]
            if own.targets and units[i].targets:
                raise ConfigError(
                    f"单位「{units[i].name}」的年度目标写了两处：{config.settings_file} 的 "
                    f"[[units]] targets 和 {folder / CONFIG_NAME} 的 [targets]",
                    "只保留其中一处，以免两处数字不一致时不知道以哪个为准",
                    path=folder / CONFIG_NAME,
                )
            if own.targets:
                units[i] = Unit(units[i].name, units[i].folder, dict(own.targets))
        elif own.unit_name and own.unit_name.strip():
            named.append(Unit(own.unit_name.strip(), folder.name, dict(own.targets)))
    units += sorted(named, key=lambda u: natural_key(u.name))
    subunits = [u for u in units if u.folder != TOP_FOLDER]
    name = (config.unit_name or "").strip()
    group = name if subunits and name else None
    _refuse_colliding_names(raw_dir, config, units, by_folder, group)
    top_decl = next((u for u in units if u.folder == TOP_FOLDER), None)
    if top_decl is not None:
        top = top_decl.name
    elif group:
        top = headquarters_name(group)
        units.insert(0, Unit(top, TOP_FOLDER))
    else:
        top = name or default
    return Units(group, top, units, dict(config.targets), name or top)


def _declared_where(raw_dir: Path, config: RawConfig, unit: Unit, by_folder: dict[str, int]) -> str:
    """Where a unit is declared: the shishi.toml and its line, and what is written there."""
    if unit.folder in by_folder:
        path = config.settings_file
        line = declaration_line(config.path, ("units", by_folder[unit.folder], "name"))
        said = f'[[units]] name = "{unit.name}"'
    else:
        path = raw_dir / unit.folder / CONFIG_NAME
        line = declaration_line(path, ("unit", "name"))
        said = f'[unit] name = "{unit.name}"'
    return f"{path}" + (f" 第 {line} 行" if line else "") + f"「{said}」"


def _refuse_colliding_names(
    raw_dir: Path,
    config: RawConfig,
    units: list[Unit],
    by_folder: dict[str, int],
    group: str | None,
) -> None:
    """Two declared units (or a unit and the group) whose names are one name as reports and
    folders compare them (scope.unit_key: ＡＢ车间 = ab车间 = AB 车间) would be merged into
    one report: refused, naming both declarations."""
    seen: dict[str, str] = {}
    if group:
        line = declaration_line(config.path, ("unit", "name"))
        seen[unit_key(group)] = (
            f"{config.settings_file}"
            + (f" 第 {line} 行" if line else "")
            + "「[unit] name」（整个集团）"
        )
    for u in units:
        where = _declared_where(raw_dir, config, u, by_folder)
        if unit_key(u.name) in seen:
            raise ConfigError(
                f"单位名称「{u.name}」与另一个单位同名（只差全角半角、大小写或空格也是同名）："
                f"{seen[unit_key(u.name)]} 和 {where}；两个单位会被合在一起统计",
                "请给每个单位（和整个集团）明显不同的名称",
                path=config.settings_file,
            )
        seen[unit_key(u.name)] = where


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
    """Sort the listed files into units; archives and undeclared folders are left out.

    ``top_unit`` is the unit of files at the top of a single unit's folder; in a group they
    are the group's 机关本部 (see :func:`read_units`).
    """
    declared = _declared_units(config)
    if isinstance(config, RawConfig):
        top_unit = read_units(raw_dir, config, top_unit).top
    plan = UnitPlan()
    verdict: dict[str, str | None] = {}  # first-level folder -> unit name, or None (left out)
    # a folder named after one of the unit's own departments ([unit] branches) holds that
    # department's files: the unit's, as if at the top (the department is read from the path)
    branches = {unit_key(b) for b in getattr(config, "branches", None) or []}
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
            if name is None and unit_key(top) in branches:
                name = top_unit
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


def undeclared_hint(settings: str) -> str:
    """What to do about a subfolder nobody declared; ``settings`` is the shishi.toml read."""
    return (
        f"若该文件夹是一个单位，把下面几行加入 {settings}（name 改为单位全称）；"
        "若其中是旧文件，把文件夹改名为「归档」"
    )
