"""The completeness gate: are the figures complete for this scope and period?

A pure function from what the cleaning run recorded (manifest, tables), the scope and the
period to a list of :class:`Blocker`. An empty list means the leadership report may go out.
Otherwise ``shishi report`` exits with ``ExitCode.INCOMPLETE``, the data-quality PDF opens with
the blockers as a to-do list, and the leadership PDF is made only as a marked draft
(``--draft``). Every blocker says, in Chinese, what is wrong and how to fix it - where it can,
with the exact lines to paste into shishi.toml.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from metrics.cleaning.headerless import tables_named
from metrics.cleaning.ingest import DEFAULT_UNIT, unreadable_suffixes
from metrics.periods import Period
from metrics.reporting import kpi
from metrics.reporting.quality import TABLE_CN
from metrics.reporting.receipts import (
    action_cells,
    describe,
    describe_missing,
    never_sends_toml,
    receipt_matrix,
)
from metrics.scope import Scope

TABLES = ("wishes", "donations", "purchases", "volunteering")


@dataclass(frozen=True)
class Blocker:
    """One reason the figures are not complete, and what the analyst does about it."""

    # empty_folder | no_unit_data | unnamed_unit | unreadable | no_rows | no_period_data |
    # conflict | missing_ledger | two_files (the receipt matrix)
    kind: str
    message: str
    hint: str
    toml: str = ""  # lines to paste into shishi.toml, when that is the fix
    file: str = ""
    sheet: str = ""
    table: str = ""  # the table whose figures it affects, when known
    unit: str = ""  # the unit it concerns, when one of several

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def line(self, clean: Callable[[str], str] = str) -> str:
        """The blocker as printed on the terminal; ``clean`` (the terminal's sanitiser) is
        applied to each part, so a file name cannot break a line but the layout's lines stay."""
        where = clean(self.file) + (f"［{clean(self.sheet)}］" if self.sheet else "")
        text = f"{where}：{clean(self.message)}" if where else clean(self.message)
        text += f"\n    处理办法：{clean(self.hint)}"
        if self.toml:
            text += "\n    在 shishi.toml 中加入：\n" + "\n".join(
                f"      {clean(line)}" for line in self.toml.splitlines()
            )
        return text


def guess_table(*names: str) -> str:
    """The ledger a file or sheet name points to (心愿 -> wishes), or "" if it says none."""
    named = tables_named(*names)
    return named[0] if named else ""


_HEADERS_SECTION = re.compile(r"\[headers\.(\w+)\]")
_PIN_TABLE = re.compile(r'^table = "(\w+)"', re.MULTILINE)


def _raw(manifest: dict[str, Any]) -> str:
    """The raw folder the cleaning read, as every hint names it (never data/raw by default)."""
    return str(manifest.get("raw_dir") or "原始数据文件夹")


def _settings(manifest: dict[str, Any]) -> str:
    raw = manifest.get("raw_dir")
    return f"{raw}/shishi.toml" if raw else "原始数据文件夹中的 shishi.toml"


SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv")


def looks_like_ledger(notice: dict[str, Any]) -> bool:
    """Whether a file or sheet that was not read may hold figures of the report.

    Yes for a spreadsheet that could not be opened, an undeclared unit folder, and a sheet
    whose header was nearly recognised (看起来像…表头) or whose file or sheet name names a
    ledger. No for a Word file or PDF left in the folder, an instructions sheet, or a sheet
    with nothing like a header in a workbook named for no ledger.
    """
    if notice.get("level") != "error":
        return False
    file, sheet = str(notice.get("file", "")), notice.get("sheet")
    if file.endswith("/"):  # a folder: an undeclared unit
        return True
    if not file.lower().endswith(SPREADSHEET_SUFFIXES + unreadable_suffixes()):
        return False  # .et / .numbers / .wps: never read, always a blocker (data/formats.toml)
    if sheet is None:  # the whole workbook could not be opened
        return True
    message = str(notice.get("message", ""))
    if any(w in message for w in ("看起来像", "看起来是")):  # a header, or rows without one
        return True
    return bool(guess_table(str(sheet), file))


def _unreadable(notice: dict[str, Any], raw: str, settings: str) -> Blocker:
    """A file or sheet that looks like a ledger but was not read."""
    message = str(notice.get("message", ""))
    file, sheet = str(notice.get("file", "")), str(notice.get("sheet") or "")
    section = _HEADERS_SECTION.search(message)
    pinned = _PIN_TABLE.search(str(notice.get("toml") or ""))  # the [[pin]] offered as the fix
    table = (
        section.group(1)
        if section
        else guess_table(sheet, file) or (pinned.group(1) if pinned else "")
    )
    # the lines that settle it come with the notice (a header nearly read, a headerless list,
    # an undeclared unit folder): cleaning wrote them, the gate only passes them on
    toml = str(notice.get("toml") or "")
    hint = (
        f"如表头只是换了说法，把下面几行加入 {settings} 后重新运行"
        if toml and section
        else str(notice.get("hint") or "")
        or f"请修复或重新导出该文件后重新运行；如果它确实不是台账，请把它移出 {raw}"
    )
    what = f"（{TABLE_CN.get(table, table)}）" if table else ""
    if not file.endswith("/"):  # a folder's notice already says what was left out
        message = f"这份看起来是台账的表格没有读入{what}：{message}"
    return Blocker(
        "unreadable",
        message,
        hint,
        toml,
        file,
        sheet,
        table,
    )


def check(
    manifest: dict[str, Any],
    tables: dict[str, pd.DataFrame],
    scope: Scope,
    period: Period,
    receipts: pd.DataFrame | None = None,
) -> list[Blocker]:
    """Everything that makes the figures for (scope, period) incomplete; [] when none.

    ``manifest`` and ``tables`` are the whole cleaning run's; they are narrowed to the scope here.
    ``receipts`` is the period's receipt matrix (reporting/receipts.py; made here without the
    published record when not given): its 未收到 and 两份 cells block.
    """
    blockers: list[Blocker] = []
    unread = [n for n in manifest.get("notices", []) if looks_like_ledger(n)]
    if not manifest.get("files") and unread:  # tables were there, none could be read
        return [_unreadable(n, _raw(manifest), _settings(manifest)) for n in unread]
    if not manifest.get("files"):
        return [
            Blocker(
                "empty_folder",
                "原始数据文件夹中没有任何台账文件，报告中的数字将全部为零",
                f"把各部门报来的表格（.xlsx .xls .csv）放入 {_raw(manifest)} 后重新运行",
            )
        ]
    mine = scope.filter_manifest(manifest)
    scoped = scope.filter_tables(tables)
    own_files = [f for f in mine["files"] if scope.is_whole or f.get("unit")]
    if not scope.is_whole and not own_files:
        blockers.append(
            Blocker(
                "no_unit_data",
                f"单位「{scope.unit}」已声明，但它的文件夹中没有读到任何台账",
                f"请把该单位的表格放入它的文件夹，或从 {_settings(manifest)} 的 [[units]] 中删去它",
            )
        )
    for notice in mine.get("notices", []):
        if looks_like_ledger(notice):
            blockers.append(_unreadable(notice, _raw(manifest), _settings(manifest)))
    for table in TABLES:
        sheets = [
            (f["file"], s)
            for f in own_files
            for s in f.get("sheets", [])
            if s.get("table") == table and "rows_read" in s
        ]
        read = sum(s.get("rows_read", 0) for _, s in sheets)
        replaced = sum(s.get("replaced", 0) for _, s in sheets)
        # rows, none accepted (a blank template is 本期无, a replaced file's rows count elsewhere)
        if sheets and read - replaced > 0 and sum(s.get("accepted", 0) for _, s in sheets) == 0:
            where = "、".join(f"{f}［{s['sheet']}］" for f, s in sheets[:3])
            blockers.append(
                Blocker(
                    "no_rows",
                    f"{TABLE_CN[table]}：{len(sheets)} 个工作表共 {read} 行，没有一行被接受（{where}）",
                    "请看 data_quality.pdf 中这些工作表被拒绝的原因（多为表头或金额、日期格式）；"
                    "修正后重新运行",
                    table=table,
                )
            )
    conflicts = [
        c
        for c in (mine.get("running_ledgers") or {}).get("conflicts", [])
        if scope.covers(c.get("unit"))
    ]
    for c in conflicts:
        blockers.append(
            Blocker(
                "conflict",
                f"{TABLE_CN.get(c.get('table', ''), '')}中的「{c.get('identity', '')}」在 "
                f"{c.get('files', '')} 中各有一个版本，无法判断哪个较新"
                + (  # what each file states (cleaning/ledgers.py), or that none states anything
                    f"（各文件写明的：{c['found']}）"
                    if c.get("found")
                    else "（文件名、工作表名和标题行都没有写明期间或日期）"
                ),
                str(
                    c.get("hint")
                    or f"在 {_settings(manifest)} 中为这些文件写明所属期间，较新的一份即以其为准"
                ),
                toml=str(c.get("toml", "")),
                table=str(c.get("table", "")),
            )
        )
    if receipts is None:
        receipts = receipt_matrix(manifest, period, scope)
    blockers += receipt_blockers(receipts, period, str(manifest.get("raw_dir", "")))
    # a unit that sent a ledger before and nothing this period (未收到, never 0): said once,
    # by the department matrix when the unit declares its departments, else here
    chased = {
        (str(r.unit), str(r.table))
        for r in receipts.itertuples()
        if r.blocks and r.status == "missing"
    }
    blockers += [
        b
        for b in owed_ledgers(manifest, scoped, scope, period, _arrived_unread(blockers, mine))
        if (b.unit, b.table) not in chased
    ]
    if not any(len(f) for f in scoped.values()) or not kpi.has_rows(scoped, period):
        blockers.append(_no_period_data(mine.get("notices", []), scope, period, _raw(manifest)))
    return blockers


#: The line the analyst pastes into shishi.toml when the unit has no name (issue 20 item 5).
UNIT_NAME_TOML = '[unit]\nname = "某某单位"'


def unnamed_unit(manifest: dict[str, Any], scope: Scope) -> list[Blocker]:
    """A report whose unit has no name (issue 20 item 5): the cleaning run filed its ledgers
    under the placeholder 本单位, which the cover would print as the sender. One blocker with
    the line of shishi.toml to add.

    Kept apart from :func:`check` (whether the figures are complete): ``shishi report`` asks
    both before a leadership report goes out.
    """
    mine = scope.filter_manifest(manifest)
    files = [f["file"] for f in mine.get("files", []) if f.get("unit") == DEFAULT_UNIT]
    if not files:
        return []
    return [
        Blocker(
            "unnamed_unit",
            f"{_settings(manifest)} 没有写明本单位的名称（[unit] name），领导报告的标题和"
            f"封面上的“报送单位”只能写“{DEFAULT_UNIT}”（涉及 {len(files)} 个文件）",
            f"把下面两行加入 {_settings(manifest)}（“某某单位”换成本单位的全称；文件中已有"
            " [unit] 一节的，只在其下加 name 这一行），然后重新运行",
            toml=UNIT_NAME_TOML,
        )
    ]


def _no_period_data(
    notices: list[dict[str, Any]], scope: Scope, period: Period, raw: str
) -> Blocker:
    """No figures for the period: said as such only when every sheet was read; otherwise the
    sheets left out are named first, since the period's data may well be in them."""
    unit = f"（单位：{scope.unit}）" if scope.unit else ""
    left = [
        n["file"] + (f"［{n['sheet']}］" if n.get("sheet") else "")
        for n in notices
        if str(n.get("file", "")).lower().endswith((*SPREADSHEET_SUFFIXES, "/"))
        and (n.get("level") == "error" or (n.get("sheet") and "不是" in str(n.get("message"))))
    ]
    if not left:
        return Blocker(
            "no_period_data",
            f"{period.label_cn}没有任何一张台账有数据{unit}",
            f"请确认报告期间（--period）是否正确，以及本期的表格是否已放入 {raw}",
        )
    shown = "、".join(left[:5]) + (f" 等 {len(left)} 个" if len(left) > 5 else "")
    return Blocker(
        "no_period_data",
        f"{period.label_cn}在读入的表格中没有数据{unit}；另有没有读入的表格：{shown}，"
        "本期数据可能就在其中",
        "先处理这些表格（见本清单中它们各自的处理办法，或数据质量报告“跳过的文件和工作表”）；"
        "都读入后仍没有数据，再确认报告期间（--period）是否正确",
    )


def _arrived_unread(blockers: list[Blocker], manifest: dict[str, Any]) -> set[tuple[str, str]]:
    """(unit, table) whose sheet arrived but could not be read ("" unit: any unit's)."""
    units = {f["file"]: f.get("unit") or "" for f in manifest.get("files", [])}
    units |= {n.get("file"): n.get("unit") or "" for n in manifest.get("notices", [])}
    return {
        (units.get(b.file) or "", b.table)
        for b in blockers
        if b.kind in ("unreadable", "no_rows") and b.table
    }


def owed_ledgers(
    manifest: dict[str, Any],
    scoped: dict[str, pd.DataFrame],
    scope: Scope,
    period: Period,
    unread: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
) -> list[Blocker]:
    """A periodic ledger a unit sent for earlier periods but not for this one (未收到).

    Its figure is missing, not 0: in a group's report one factory's unsent Q3 volunteering
    ledger read "0次，减少8次". See :func:`metrics.reporting.group.unit_receipts`. A ledger
    that arrived but could not be read is already a blocker of its own (``unread``).
    """
    from metrics.reporting import group

    if not kpi.has_rows(scoped, period):
        return []  # nothing at all for the period: no_period_data says so once
    units = [scope.unit] if scope.unit else kpi.units(scoped)
    owed = group.missing(group.unit_receipts(scoped, manifest, period, units))
    owed = owed[
        [
            (u, t) not in unread and ("", t) not in unread
            for u, t in zip(owed["unit"], owed["table"], strict=True)
        ]
    ]
    found = []
    for r in owed.to_dict("records"):
        unit, table, label, when = (str(r[k]) for k in ("unit", "table", "period", "period_cn"))
        found.append(
            Blocker(
                "unit_missing",
                f"{unit}的{TABLE_CN[table]}台账：{when}没有收到（此前报送过），"
                f"{TABLE_CN[table]}的数字不完整，不能当作 0",
                f"请向{unit}催报{when}的{TABLE_CN[table]}台账，放入 {_raw(manifest)} 后重新运行；"
                f"该期确实没有开展的，请其发回一份没有数据行、填报期间写明 {label} 的空白台账"
                "（视为本期无）",
                table=table,
                unit=unit,
            )
        )
    return found


def unreadable_tables(blockers: list[Blocker]) -> list[str]:
    """Tables whose figures are missing because a sheet of theirs could not be read."""
    return sorted({b.table for b in blockers if b.kind in ("unreadable", "no_rows") and b.table})


# --- the receipt matrix: what each department owed and what came in ---------------------------


def receipt_blockers(matrix: pd.DataFrame, period: Period, raw_dir: str = "") -> list[Blocker]:
    """A blocker per 未收到 cell of a declared department and per 两份 cell: who to chase,
    or which file to move to 归档/."""
    out = []
    cells = action_cells(matrix)
    missing: dict[tuple[Any, Any], list[Any]] = {}
    row: Any
    for row in cells.itertuples():
        if not row.blocks:
            continue
        if row.status == "missing":  # one item per department: whom to chase, for what
            missing.setdefault((row.unit, row.branch), []).append(row)
            continue
        message, hint = describe(row, period, raw_dir)
        out.append(Blocker("two_files", message, hint, table=row.table))
    for rows in missing.values():
        message, hint = describe_missing(rows)
        tables = {str(r.table) for r in rows}
        out.append(
            Blocker(
                "missing_ledger",
                message,
                hint,
                toml=never_sends_toml(rows),
                table=tables.pop() if len(tables) == 1 else "",
            )
        )
    return out


def receipt_lines(matrix: pd.DataFrame, period: Period, raw_dir: str = "") -> list[tuple[str, str]]:
    """The cells to act on that do not block (迟到): (what, what to do) each, printed by the
    CLI as two lines (a 未读入 file is already an ``unreadable`` blocker)."""
    lines = []
    row: Any
    for row in action_cells(matrix).itertuples():
        if row.blocks or row.status != "late":
            continue
        lines.append(describe(row, period, raw_dir))
    return lines
