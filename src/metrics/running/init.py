"""A unit's own working folder, so its reports never read the sample in data/raw/.

``shishi init DIR`` makes::

    DIR/原始数据/shishi.toml   the unit's name and branches (offices); the offices' files go here
    DIR/清洗结果/             data/processed for this unit
    DIR/报告/                 reports/<period>/ for this unit
    DIR/空白台账/             the blank ledgers made by ``shishi template``
    DIR/清单.md               the quarter's checklist

and every command takes ``--workdir DIR`` instead of --raw/--out/--reports. The sample stays
where it is (data/raw/, marked ``[unit] sample = true``) and is never copied here.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from metrics import paths
from metrics.errors import ConfigError, UsageError, output_error
from metrics.paths import PROJECT_ROOT

# the layout is paths.py's, so that a notebook given a working folder finds the same folders
CONFIG_NAME = paths.CONFIG_NAME
RAW = paths.WORKDIR_RAW
PROCESSED = paths.WORKDIR_PROCESSED
REPORTS = paths.WORKDIR_REPORTS
TEMPLATES = paths.WORKDIR_TEMPLATES
CHECKLIST = "清单.md"
#: The project's defaults (relative to where shishi runs) when no --workdir is given.
DEFAULT_RAW = Path("data/raw")
DEFAULT_PROCESSED = Path("data/processed")
DEFAULT_REPORTS = Path("reports")
DEFAULT_TEMPLATES = Path("templates")
#: Characters that cannot be in a folder or file name on Windows, where offices open the files.
_BAD_CHARS = set('/\\:*?"<>|')


@dataclass(frozen=True)
class Workdir:
    """The folders of one unit's working folder."""

    root: Path

    @property
    def raw(self) -> Path:
        return self.root / RAW

    @property
    def processed(self) -> Path:
        return self.root / PROCESSED

    @property
    def reports(self) -> Path:
        return self.root / REPORTS

    @property
    def templates(self) -> Path:
        return self.root / TEMPLATES

    @property
    def config(self) -> Path:
        return self.raw / CONFIG_NAME

    @property
    def checklist(self) -> Path:
        return self.root / CHECKLIST

    def exists(self) -> bool:
        return self.config.is_file()


def find_workdir(folder: Path) -> Workdir | None:
    """The working folder ``folder`` is (or is inside), if ``shishi init`` made one there."""
    folder = Path(folder).resolve()
    for candidate in (folder, *folder.parents):
        wd = Workdir(candidate)
        if wd.exists():
            return wd
    return None


def open_workdir(root: Path) -> Workdir:
    """The working folder at ``root``; an error that says to run shishi init if it is not one."""
    wd = Workdir(Path(root))
    if not wd.root.is_dir():
        raise UsageError(
            "工作文件夹不存在",
            f"先运行 shishi init {root}（或 make init DIR={root}）建立本单位的工作文件夹",
            path=root,
        )
    if not wd.exists():
        raise UsageError(
            f"这里不是 shishi 的工作文件夹（没有 {RAW}/{CONFIG_NAME}）",
            f"先运行 shishi init {root}（或 make init DIR={root}），或检查 --workdir 写的路径",
            path=root,
        )
    return wd


def is_sample(raw_dir: Path) -> bool:
    """Whether a raw folder holds the shipped sample (``[unit] sample = true`` in its shishi.toml).

    Read on its own, leniently: a broken shishi.toml is reported by the cleaning, not here.
    """
    try:
        data = tomllib.loads((Path(raw_dir) / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool((data.get("unit") or {}).get("sample", False))


def check_name(text: str, what: str) -> str:
    """A unit or branch name usable in file names; a Chinese error otherwise."""
    name = text.strip()
    if not name:
        raise UsageError(f"{what}不能为空", f"请写出{what}，例如 青江卷烟厂")
    bad = sorted(_BAD_CHARS & set(name))
    if bad:
        raise UsageError(
            f"{what}「{name}」含有不能用于文件名的字符 {' '.join(bad)}",
            "请去掉这些字符（可用 - 或 · 代替）",
        )
    return name


def split_branches(items: Sequence[str]) -> list[str]:
    """Branches from repeated --branch options or one answer (、，, or spaces between names)."""
    names: list[str] = []
    for item in items:
        for part in item.replace("，", ",").replace("、", ",").replace(" ", ",").split(","):
            if part.strip() and part.strip() not in names:
                names.append(check_name(part, "部门名称"))
    return names


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def config_text(name: str, branches: Sequence[str]) -> str:
    """The shishi.toml of a new working folder, keys as metrics.config reads them."""
    listed = ", ".join(_toml_string(b) for b in branches)
    return f"""\
# shishi 设置（本单位：{name}）。用记事本等编辑后保存为 UTF-8。
# 文字用英文双引号 "..." 括起来；以 # 开头的行是说明，不起作用。
# 各设置项的含义见项目 README.md「八、本单位的设置 shishi.toml」。

[unit]
name = {_toml_string(name)}   # 报告封面上的单位名称
# 报送台账的部门（车间、科室、支部）：shishi template 为每个部门生成一份空白台账，
# 这些名称也是台账中“责任部门 / 组织单位”的下拉选项。
branches = [{listed}]

# 某部门从不报送某类台账（可选），写明后它就不会被记为“未收到”。去掉行首的 # 即生效：
# [[branch]]
# name = "部门名称"                  # 与上面 branches 中的写法一字不差
# never_sends = ["消费帮扶采购"]     # 心愿清单、捐款捐物、消费帮扶采购、志愿服务

# 年度目标（可选）：报告显示完成进度。去掉行首的 # 即生效。
# [targets]
# purchases_enterprise_yuan = 600000

# 教 shishi 认识新的列标题（可选），例如某部门把“金额”写成“善款数额”：
# [headers.donations]
# amount_yuan = ["善款数额"]

# 指定某个特殊文件怎么读（可选）：
# [[pin]]
# file = "某车间*.xlsx"      # 文件名，可用 * 通配
# header_row = 4             # 表头在 Excel 的第几行
# unit = "万元"              # 这张表的金额单位
"""


def checklist_text(wd: Workdir, name: str, branches: Sequence[str]) -> str:
    """The quarter's steps for this working folder, with its own paths filled in."""
    root = wd.root.resolve()
    make = f"make -C {PROJECT_ROOT}"
    offices = "、".join(branches) if branches else "（未填写部门）"
    return f"""\
# {name} 季度报告清单

工作文件夹：{root}
报送部门：{offices}
示例数据在 {PROJECT_ROOT / "data" / "raw"}，与本文件夹无关，不会混入本单位的报告。

每个季度（以 2025Q1 为例，换成实际期间）：

- [ ] 1. 核对 {RAW}/{CONFIG_NAME}：单位名称、部门列表是否正确（改部门后重新生成空白台账）。
- [ ] 2. 生成空白台账：`{make} template DIR={root} PERIOD=2025Q1`
        （文件在 {TEMPLATES}/，每个部门一套，文件名已含部门和期间）。
- [ ] 3. 把空白台账发给各部门；收回的文件原样放进 {RAW}/（不要在这里修改；更正请让部门重新发送）。
        Excel 里打开着的文件请先保存并关闭。
- [ ] 4. 生成报告：`{make} report DIR={root} PERIOD=2025Q1`
- [ ] 5. 先看 {REPORTS}/2025Q1/data_quality.pdf（数据质量报告）：逐条处理被拒绝的单元格、合计不符、
        无法读取的文件（处理办法见 README.md「数据质量报告里的每一类问题」）。
- [ ] 6. 问题处理完后重新运行第 4 步，直到命令结束时退出码为 0、没有“数据不完整”的提示。
- [ ] 7. 把 {REPORTS}/2025Q1/quarterly_summary.pdf（或 .docx）报领导；quarterly_summary.xlsx 是数据底表。
- [ ] 8. 把本季度的 {RAW}/ 连同 {REPORTS}/ 一起备份。
"""


def init_workdir(root: Path, name: str, branches: Sequence[str]) -> Workdir:
    """Make a unit's working folder at ``root`` (see the module docstring); returns it.

    Refuses a folder that already has a shishi.toml (so a second init never overwrites the
    unit's settings) and the sample folder itself.
    """
    name = check_name(name, "单位名称")
    branches = split_branches(branches)
    wd = Workdir(Path(root))
    if wd.exists():
        raise UsageError(
            "这个文件夹已经初始化过，未做任何改动",
            f"直接使用：shishi report --workdir {root} --period 2025Q1；"
            f"要改单位名称或部门，请编辑 {wd.config}",
            path=root,
        )
    sample = (PROJECT_ROOT / "data").resolve()
    here = wd.root.resolve()
    if here == sample or sample in here.parents:
        raise UsageError(
            "工作文件夹不能建在项目的 data/ 里（那里是示例数据）",
            "请换一个文件夹，例如 ~/实事报告",
            path=root,
        )
    if (here / CONFIG_NAME).is_file():
        raise ConfigError(
            f"这个文件夹本身就有 {CONFIG_NAME}，像是一个原始数据文件夹",
            "请为工作文件夹另选一个新的空文件夹",
            path=root,
        )
    try:
        for folder in (wd.raw, wd.processed, wd.reports, wd.templates):
            folder.mkdir(parents=True, exist_ok=True)
        wd.config.write_text(config_text(name, branches), encoding="utf-8")
        wd.checklist.write_text(checklist_text(wd, name, branches), encoding="utf-8")
    except OSError as exc:
        raise output_error(exc, exc.filename or root) from exc
    return wd


@dataclass(frozen=True)
class RunPaths:
    """Where one command reads and writes, after --workdir and the defaults are applied."""

    raw: Path
    processed: Path
    reports: Path
    templates: Path
    workdir: Workdir | None = None
    #: True when the working folder was found from the current folder, not given.
    found_here: bool = False


def run_paths(
    *,
    workdir: Path | None = None,
    raw: Path | None = None,
    out: Path | None = None,
    reports: Path | None = None,
    templates: Path | None = None,
    cwd: Path | None = None,
    need_raw: bool = True,
) -> RunPaths:
    """Resolve a command's folders: --workdir DIR, else the working folder we are in, else the
    project's data/raw, data/processed and reports/ (relative to the current folder).

    Run from a folder that is none of these, with no --raw, the error says where to cd or
    which --raw / --workdir to give, rather than "data/raw 不存在".
    """
    here = Path(cwd) if cwd is not None else Path.cwd()
    wd = open_workdir(workdir) if workdir is not None else None
    found = False
    if wd is None and raw is None:
        wd = find_workdir(here)
        found = wd is not None
    if wd is not None:
        return RunPaths(
            raw or wd.raw,
            out or wd.processed,
            reports or wd.reports,
            templates or wd.templates,
            wd,
            found,
        )
    if raw is None and need_raw and not (here / DEFAULT_RAW).is_dir():
        raise UsageError(
            f"当前文件夹（{here}）下没有 data/raw，也不在 shishi init 建的工作文件夹里",
            f"看示例：先 cd {PROJECT_ROOT} 再运行；做本单位的报告：加 --workdir 工作文件夹"
            "（shishi init 建的），或用 --raw 指定放原始表格的文件夹",
        )
    return RunPaths(
        raw or DEFAULT_RAW,
        out or DEFAULT_PROCESSED,
        reports or DEFAULT_REPORTS,
        templates or DEFAULT_TEMPLATES,
    )


def excel_lock_notices(raw_dir: Path) -> list[str]:
    """One sentence per workbook that Excel has open (its ``~$`` lock file is beside it).

    The file itself can still be read, but what is on disk may lack the edits not yet saved.
    """
    notices: list[str] = []
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        return notices
    for lock in sorted(raw_dir.rglob("~$*")):
        rest = lock.name[2:]
        original = next(
            (p for p in lock.parent.iterdir() if p != lock and p.name.endswith(rest)), None
        )
        name = (original or lock).relative_to(raw_dir).as_posix()
        notices.append(
            f"文件正在 Excel 中打开：{name}（发现锁文件 {lock.name}）。"
            "没保存的修改不会被读到：请在 Excel 中保存并关闭后重新运行；"
            "如果 Excel 已经关闭，可以删除这个锁文件"
        )
    return notices


def has_spreadsheets(raw_dir: Path) -> bool:
    """Whether the raw folder holds anything that looks like a ledger file."""
    suffixes = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv"}
    return any(
        p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith(("~$", "."))
        for p in Path(raw_dir).rglob("*")
    )
