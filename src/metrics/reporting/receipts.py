"""Expected vs received: what each department owed for a period, and what came in.

*Expected* is every declared department (``[unit] branches``) times the four ledgers times
each quarter of the period, less what a ``[[branch]] never_sends`` says a department never
sends. *Received* is every ledger sheet whose department and period (provenance.Origin: its
填报单位 / 填报期间 cells, else its file name, else its sheet name) match. Each cell of the
matrix is one status:

- 已收到; 本期无 - the template came back with no rows (the department had nothing to report);
- 未收到 - nothing came: the figures would silently lack that department's ledger;
- 两份 - two files of one department, ledger and period, neither declared the correction
  (cleaning/corrections.py): counting both or picking one would be a guess;
- 迟到 - it arrived after that period's leadership report was published (its file is not
  among the rows the published figures were counted from): that report needs a new version;
- 未读入 - a file named for it could not be read (the completeness gate says why);
- 不报送 - a department that never sends this ledger; — not expected (the unit's own row).

未收到 and 两份 block the leadership report (running/gate.py). A unit without declared
departments has one row of its own, and its 未收到 cells only inform (nobody said what it
owes). :func:`receipt_matrix` is a pure function of the manifest, the period and the
published record; :func:`load_published` reads that record at the edge.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from metrics.contract import TABLE_LABELS, TABLES
from metrics.errors import PeriodError
from metrics.periods import Period
from metrics.scope import Scope, unit_key

#: Status -> how the matrix writes it.
STATUS_CN = {
    "received": "已收到",
    "nothing": "本期无",
    "missing": "未收到",
    "two": "两份",
    "late": "迟到",
    "unread": "未读入",
    "exempt": "不报送",
    "none": "—",
}
#: Statuses the analyst has to act on (the terminal prints them, the first page lists them).
ACTION = ("missing", "two", "late", "unread")
#: The row of a unit's own ledgers (no department named, or the 填报单位 names the unit).
UNIT_ROW = "（全单位）"
#: The leadership report whose stored figures say which files a publication counted.
PUBLISHED_FIGURES = "quarterly_summary.figures.json"

MATRIX_COLUMNS = [
    "unit",
    "branch",
    "declared",
    "table",
    "slot",
    "status",
    "label",
    "files",
    "note",
    "blocks",
]


@dataclass(frozen=True)
class Published:
    """A leadership report given out for one period and scope: when, and from which files."""

    made: str
    files: frozenset[str]


def load_published(folder: Path) -> Published | None:
    """The publication kept in a report folder (None: none, or only a draft).

    The stored headline figures (``quarterly_summary.figures.json``, see running/versions.py
    and reporting/headlines.py) keep the source rows behind every figure, in named row sets of
    ``file［sheet］第N行``: their files are the files the publication counted.
    """
    path = Path(folder) / PUBLISHED_FIGURES
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict) or body.get("draft"):
        return None
    keys: list[str] = []
    for row_set in (body.get("rows") or {}).values():  # name -> {file［sheet］第N行: value}
        keys += [str(k) for k in row_set or {}] if isinstance(row_set, dict) else []
    for figure in (body.get("figures") or {}).values():  # older files: rows under each figure
        rows = figure.get("rows") if isinstance(figure, dict) else None
        keys += [str(k) for k in rows if "［" in str(k)] if isinstance(rows, dict) else []
    files = {key.split("［", 1)[0] for key in keys}
    made = dt.datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="minutes")
    return Published(made.replace("T", " "), frozenset(files))


def slots(period: Period, today: dt.date | None = None) -> list[Period]:
    """The spans a department owes one ledger for: the quarters of a half or a year (those
    begun by ``today``), else the period itself."""
    if period.grain not in ("half", "year"):
        return [period]
    quarters = [
        Period.quarter(period.start.year, q)
        for q in range(1, 5)
        if period.start <= Period.quarter(period.start.year, q).start <= period.end
    ]
    today = today or dt.date.today()
    return [q for q in quarters if q.start <= today] or quarters[:1]


def _covers(stated: str, slot: Period) -> bool:
    """A file stating ``stated`` counts for ``slot``: one holds the other (2025 holds 2025Q1)."""
    try:
        p = Period.parse(stated)
    except PeriodError:
        return False
    return (p.start <= slot.start and p.end >= slot.end) or (
        slot.start <= p.start and slot.end >= p.end
    )


@dataclass(frozen=True)
class _Sheet:
    unit: str
    branch: str
    table: str
    period: str
    file: str
    rows: int  # accepted + rejected + duplicates + replaced: 0 is a blank template
    counted: bool  # not replaced by a correction


def _sheets(manifest: dict[str, Any]) -> list[_Sheet]:
    out = []
    for f in manifest.get("files", []):
        for s in f.get("sheets", []):
            origin = s.get("origin")
            if not s.get("table") or origin is None or "rows_read" not in s:
                continue
            rows = sum(s.get(k, 0) for k in ("accepted", "rejected", "duplicates", "replaced"))
            out.append(
                _Sheet(
                    str(f.get("unit") or ""),
                    str(origin.get("branch", "")),
                    str(s["table"]),
                    str(origin.get("period", "")),
                    str(f["file"]),
                    int(rows),
                    not s.get("replaced_by"),
                )
            )
    return out


def _unread(manifest: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(unit, branch, table, period, file) of ledger files named for a cell that were not read."""
    from metrics.cleaning.template_names import template_parts

    out = []
    units = {f["file"]: str(f.get("unit") or "") for f in manifest.get("files", [])}
    for n in manifest.get("notices", []):
        if n.get("level") != "error" or n.get("file", "").endswith("/"):
            continue
        parts = template_parts(PurePosixPath(str(n["file"])).name)
        if parts and parts[2]:
            table, branch, period = parts
            unit = str(n.get("unit") or units.get(n["file"], ""))
            out.append((unit, branch, table, period, str(n["file"])))
    return out


def _branches(
    unit: str, declared: list[str], sheets: list[_Sheet], slots_: list[Period]
) -> list[tuple[str, bool]]:
    """The matrix rows of a unit: its declared departments, any other department that sent a
    ledger for the period, and the unit's own row when it has ledgers of its own. A unit that
    declares no departments has its own row only: its files all count for it, whatever
    department their 填报单位 names."""
    if not declared:
        return [("", False)]
    mine = [s for s in sheets if s.unit == unit and any(_covers(s.period, q) for q in slots_)]
    extra = sorted({s.branch for s in mine if s.branch and s.branch not in declared})
    rows = [(b, True) for b in declared] + [(b, False) for b in extra]
    if any(not s.branch for s in mine):
        rows.append(("", False))
    return rows


def receipt_matrix(
    manifest: dict[str, Any],
    period: Period,
    scope: Scope | None = None,
    published: Published | None = None,
    today: dt.date | None = None,
    running: Sequence[str] = ("wishes",),
) -> pd.DataFrame:
    """One row per (unit, department, ledger, quarter of the period) with its status.

    ``manifest`` is the cleaning run's (``receipts.expected``: unit -> declared branches and
    never_sends; each sheet's ``origin``; ``receipts.copies``). ``published``: the leadership
    report already given out for this period and scope, if any. ``blocks``: whether the cell
    stops the leadership report.
    """
    scope = scope or Scope.whole()
    record = manifest.get("receipts") or {}
    expected: dict[str, Any] = record.get("expected") or {}
    sheets = _sheets(manifest)
    units = sorted(
        {u for u in expected} | {s.unit for s in sheets if s.unit},
        key=lambda u: (u not in expected, u),
    )
    units = [u for u in units if scope.covers(u)]
    spans = slots(period, today)
    copies = [c for c in record.get("copies", []) if c.get("verdict") == "undecided"]
    replaced = [c for c in record.get("copies", []) if c.get("verdict") == "replaced"]
    unread = _unread(manifest)
    rows: list[dict[str, Any]] = []
    for unit in units:
        declared = list((expected.get(unit) or {}).get("branches") or [])
        never = (expected.get(unit) or {}).get("never_sends") or {}
        for branch, is_declared in _branches(unit, declared, sheets, spans):
            here = functools.partial(_fills, unit=unit, branch=branch if declared else None)
            for table in TABLES:
                for slot in spans:
                    cell = _cell(
                        [
                            s
                            for s in sheets
                            if here(s.unit, s.branch, s.table, s.period, table, slot)
                        ],
                        exempt=table in never.get(branch, []),
                        expected=is_declared or not declared,
                        copies=[
                            c
                            for c in copies
                            if here(c["unit"], c["branch"], c["table"], c["period"], table, slot)
                        ],
                        replaced=[
                            c
                            for c in replaced
                            if here(c["unit"], c["branch"], c["table"], c["period"], table, slot)
                        ],
                        unread=[u[4] for u in unread if here(*u[:4], table, slot)],
                        published=published,
                        running=table in running,
                    )
                    # a declared department's missing ledger blocks; two files always do
                    cell["blocks"] = cell["status"] == "two" or (
                        cell["status"] == "missing" and is_declared
                    )
                    rows.append(
                        {"unit": unit, "branch": branch, "declared": is_declared}
                        | {"table": table, "slot": slot.label}
                        | cell
                    )
    return pd.DataFrame(rows, columns=MATRIX_COLUMNS)


def _fills(
    u: object,
    b: object,
    t: object,
    p: object,
    table: str,
    slot: Period,
    *,
    unit: str,
    branch: str | None,
) -> bool:
    """Whether a file (its unit, department, ledger and period) fills the cell of ``unit``,
    ``branch`` (None: any department - the unit declares none), ``table`` and ``slot``."""
    mine = unit_key(str(u)) == unit_key(unit) and (branch is None or b == branch)
    return mine and t == table and _covers(str(p), slot)


def _cell(
    found: list[_Sheet],
    *,
    exempt: bool,
    expected: bool,
    copies: list[dict[str, Any]],
    replaced: list[dict[str, Any]],
    unread: list[str],
    published: Published | None,
    running: bool,
) -> dict[str, Any]:
    files = sorted({s.file for s in found})

    def cell(status: str, note: str = "", shown: Sequence[str] = files) -> dict[str, Any]:
        return {
            "status": status,
            "label": STATUS_CN[status],
            "files": "、".join(shown),
            "note": note,
        }

    if copies:
        both = sorted({f for c in copies for f in c.get("files", [])})
        return cell("two", str(copies[0].get("reason", "")), both)
    if not found:
        if unread:
            return cell("unread", "文件未能读入，原因见待办事项", unread)
        if exempt:
            return cell("exempt", "shishi.toml 中写明该部门不报送这类台账")
        return cell("missing" if expected else "none")
    counted = [s for s in found if s.counted]
    if all(s.rows == 0 for s in counted):
        return cell("nothing", "台账发回时没有填写任何一行")
    notes = [
        f"按更正版 {c.get('kept')} 计（{c.get('reason')}），"
        f"替换了 {'、'.join(c.get('replaced', []))}（{c.get('rows_replaced', 0)} 行）"
        for c in replaced
    ]
    if running and len(counted) > 1:
        notes.append(f"{len(counted)} 份滚动台账，同一项目按较新的一份计")
    # a running ledger (心愿清单) is re-sent whole: the published report counted the newest
    # version, often a later period's file, so an earlier file missing from it is no sign
    # that it came late
    if published is not None and not running:
        new = [s.file for s in counted if s.rows and s.file not in published.files]
        if new and not any(s.file in published.files for s in counted if s.rows):
            notes.insert(0, f"该期报告于 {published.made} 发布，之后才收到")
            return cell("late", "；".join(notes))
    return cell("received", "；".join(notes))


# --- views ----------------------------------------------------------------------------------


def action_cells(matrix: pd.DataFrame) -> pd.DataFrame:
    """The cells the analyst has to act on: 未收到 (where owed), 两份, 迟到, 未读入."""
    if matrix.empty:
        return matrix
    owed = (matrix["status"] != "missing") | matrix["declared"] | matrix["blocks"]
    return matrix[matrix["status"].isin(ACTION) & owed].reset_index(drop=True)


def branch_label(branch: str) -> str:
    return branch or UNIT_ROW


def cell_text(cells: pd.DataFrame) -> str:
    """One cell of the grid: its status, or each quarter's when they differ (一季度：未收到)."""
    labels = list(dict.fromkeys(cells["label"]))
    if len(labels) == 1:
        return labels[0]
    return "；".join(
        f"{Period.parse(s).label_cn[5:]}：{lab}"
        for s, lab in zip(cells["slot"], cells["label"], strict=True)
    )


def grid(matrix: pd.DataFrame) -> pd.DataFrame:
    """The matrix as the first page shows it: a row per unit and department, a column per
    ledger. A whole folder of several units names the unit in each row."""
    if matrix.empty:
        return pd.DataFrame(columns=["unit", "branch", *TABLES])
    out = []
    for (unit, branch), rows in matrix.groupby(["unit", "branch"], sort=False):
        line = {"unit": unit, "branch": branch_label(str(branch))}
        for table in TABLES:
            line[table] = cell_text(rows[rows["table"] == table])
        out.append(line)
    return pd.DataFrame(out, columns=["unit", "branch", *TABLES])


def cell_notes(matrix: pd.DataFrame, with_unit: bool = False) -> list[str]:
    """A line per cell that has something to say (which correction counts, two files, late):
    营销部 捐款捐物（2025年第二季度）已收到：按更正版 … 计，替换了 …"""
    lines = []
    for r in matrix.to_dict("records"):
        if not r["note"] or r["status"] in ("nothing", "exempt"):
            continue
        who = (f"{r['unit']} " if with_unit else "") + branch_label(str(r["branch"]))
        ledger = TABLE_LABELS.get(str(r["table"]), str(r["table"]))
        when = Period.parse(str(r["slot"])).label_cn
        lines.append(f"{who} {ledger}（{when}）{r['label']}：{r['note']}")
    return lines


def by_unit(matrix: pd.DataFrame) -> pd.DataFrame:
    """The matrix rolled up to units x ledgers (a group's view): the worst status of each.

    A unit that sent nothing for a ledger is 未收到 there, never a figure of 0."""
    order = ["two", "missing", "unread", "late", "received", "nothing", "exempt", "none"]
    if matrix.empty:
        return pd.DataFrame(columns=["unit", *TABLES])
    out = []
    for unit, rows in matrix.groupby("unit", sort=False):
        line: dict[str, str] = {"unit": str(unit)}
        for table in TABLES:
            cells = rows[rows["table"] == table]
            statuses = set(cells["status"]) - {"none"} or {"none"}
            line[table] = STATUS_CN[min(statuses, key=order.index)]
        out.append(line)
    return pd.DataFrame(out, columns=["unit", *TABLES])


def describe(row: Any, period: Period, raw_dir: str = "") -> tuple[str, str]:
    """(what is wrong, what to do) for one action cell, in the analyst's words."""
    who = branch_label(str(row.branch)) if row.branch else str(row.unit)
    ledger = TABLE_LABELS.get(str(row.table), str(row.table))
    when = Period.parse(str(row.slot)).label_cn
    archive = f"{Path(raw_dir) / '归档'}" if raw_dir else "原始数据文件夹的 归档/ 子文件夹"
    if row.status == "missing":
        return describe_missing([row])
    if row.status == "two":
        files = str(row.files).split("、")
        return (
            f"{who}的{ledger}台账（{when}）有两份：{'、'.join(f'「{f}」' for f in files)}；"
            f"{row.note}。两份都计入会重复，任选一份又没有依据",
            f"向{who}确认以哪一份为准，把另一份移入 {archive}（例如以「{files[-1]}」为准，"
            f"就移走「{files[0]}」）后重新运行；以后更正版请在文件名中写明“更正”",
        )
    if row.status == "late":
        return (
            f"{who}的{ledger}台账（{when}）迟到：{row.note}（{row.files}）",
            f"{when}的报告需要重新生成并重新报送：重新运行该期报告，新版领导报告标注“修订”并列出变化",
        )
    return (
        f"{who}的{ledger}台账（{when}）未能读入（{row.files}）",
        "原因和处理办法见待办事项中该文件的说明",
    )


def describe_missing(rows: Sequence[Any]) -> tuple[str, str]:
    """(what is missing, whom to chase) for the 未收到 cells of one department."""
    from metrics.cleaning.template_names import template_name

    who = branch_label(str(rows[0].branch)) if rows[0].branch else str(rows[0].unit)
    what = "、".join(
        f"{TABLE_LABELS.get(str(r.table), str(r.table))}（{Period.parse(str(r.slot)).label_cn}）"
        for r in rows
    )
    names = "、".join(template_name(str(r.table), str(r.branch), str(r.slot)) for r in rows)
    return (
        f"未收到{who}的台账：{what}。缺了它们，相关数字会少算{who}的部分",
        f"请催{who}报送（空白台账：{names}）；本期确实没有记录的，请{who}把空白台账填好填报人、"
        "填报日期后原样发回（记为“本期无”）；"
        f"{who}从来不报送某类台账的，在 shishi.toml 中写明（见下面几行，只留它不报送的台账）",
    )


def never_sends_toml(rows: Sequence[Any]) -> str:
    """The shishi.toml lines saying a department never sends these ledgers."""
    ledgers = dict.fromkeys(TABLE_LABELS.get(str(r.table), str(r.table)) for r in rows)
    listed = ", ".join(f'"{ledger}"' for ledger in ledgers)
    return f'[[branch]]\nname = "{rows[0].branch}"\nnever_sends = [{listed}]'
