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
import tomllib
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import pandas as pd

from metrics.paths import DATA_DIR
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

    # empty_folder | no_unit_data | unreadable | no_rows | no_period_data | conflict |
    # missing_ledger | two_files (the receipt matrix)
    kind: str
    message: str
    hint: str
    toml: str = ""  # lines to paste into shishi.toml, when that is the fix
    file: str = ""
    sheet: str = ""
    table: str = ""  # the table whose figures it affects, when known

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def line(self) -> str:
        """The blocker as printed on the terminal."""
        where = self.file + (f"［{self.sheet}］" if self.sheet else "")
        text = f"{where}：{self.message}" if where else self.message
        text += f"\n    处理办法：{self.hint}"
        if self.toml:
            text += "\n    在 shishi.toml 中加入：\n" + "\n".join(
                f"      {line}" for line in self.toml.splitlines()
            )
        return text


@cache
def _words() -> dict[str, Any]:
    with (DATA_DIR / "refresh.toml").open("rb") as fh:
        return tomllib.load(fh)


def guess_table(*names: str) -> str:
    """The ledger a file or sheet name points to (心愿 -> wishes), or "" if it says none."""
    text = " ".join(names)
    for table, words in _words()["table_words"].items():
        if any(w in text for w in words):
            return str(table)
    return ""


_HEADERS_SECTION = re.compile(r"\[headers\.(\w+)\]")
_MISSING = re.compile(r"缺少必需列「[^」]*」\((\w+)\)，最接近的表头是「([^」]*)」")


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
    if not file.lower().endswith(SPREADSHEET_SUFFIXES):
        return False
    if sheet is None:  # the whole workbook could not be opened
        return True
    return "看起来像" in str(notice.get("message", "")) or bool(guess_table(str(sheet), file))


def _unreadable(notice: dict[str, Any]) -> Blocker:
    """A file or sheet that looks like a ledger but was not read."""
    message = str(notice.get("message", ""))
    file, sheet = str(notice.get("file", "")), str(notice.get("sheet") or "")
    section = _HEADERS_SECTION.search(message)
    table = section.group(1) if section else guess_table(sheet, file)
    toml = ""
    missing = _MISSING.findall(message)
    if section and missing:
        lines = [f"[headers.{section.group(1)}]"]
        lines += [f'{field} = ["{nearest}"]' for field, nearest in missing if nearest]
        toml = "\n".join(lines) if len(lines) > 1 else ""
    if notice.get("toml"):  # a notice that already knows its fix (an undeclared unit folder)
        toml = str(notice["toml"])
    hint = (
        "如表头只是换了说法，把下面几行加入 shishi.toml 后重新运行"
        if toml and section
        else str(notice.get("hint") or "")
        or "请修复或重新导出该文件后重新运行；如果它确实不是台账，请移出 data/raw"
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
    if not manifest.get("files"):
        return [
            Blocker(
                "empty_folder",
                "原始数据文件夹中没有任何台账文件，报告中的数字将全部为零",
                "把各部门报来的表格（.xlsx .xls .csv）放入 data/raw/ 后重新运行",
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
                "请把该单位的表格放入它的文件夹，或从 shishi.toml 的 [[units]] 中删去它",
            )
        )
    for notice in mine.get("notices", []):
        if looks_like_ledger(notice):
            blockers.append(_unreadable(notice))
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
                "（文件名、工作表名和标题行都没有写明期间或日期）",
                "在 shishi.toml 中为这些文件写明所属期间，较新的一份即以其为准",
                toml=str(c.get("toml", "")),
                table=str(c.get("table", "")),
            )
        )
    if receipts is None:
        receipts = receipt_matrix(manifest, period, scope)
    blockers += receipt_blockers(receipts, period, str(manifest.get("raw_dir", "")))
    if not any(len(f) for f in scoped.values()) or not kpi.has_rows(scoped, period):
        blockers.append(
            Blocker(
                "no_period_data",
                f"{period.label_cn}没有任何一张台账有数据"
                + (f"（单位：{scope.unit}）" if scope.unit else ""),
                "请确认报告期间（--period）是否正确，以及本期的表格是否已放入 data/raw/",
            )
        )
    return blockers


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


def receipt_lines(matrix: pd.DataFrame, period: Period, raw_dir: str = "") -> list[str]:
    """The cells to act on that do not block (迟到), one printed line each (a 未读入 file is
    already an ``unreadable`` blocker)."""
    lines = []
    row: Any
    for row in action_cells(matrix).itertuples():
        if row.blocks or row.status != "late":
            continue
        message, hint = describe(row, period, raw_dir)
        lines.append(f"{message}\n    处理办法：{hint}")
    return lines
