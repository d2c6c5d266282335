"""A group of units seen whole: which ledgers each unit sent, and one row of figures per unit.

A group's report (江城中烟工业集团: five 卷烟厂 and the group's own 机关本部) covers every unit,
and its leaders want to see at once which unit did what and which owes a ledger. A periodic
ledger (捐款捐物, 消费帮扶, 志愿服务) that a unit sent in earlier periods but not for this one is
*未收到*: its figure is missing, never 0 ("0次，减少8次" was a factory that had not sent its Q3
volunteering ledger). The completeness gate blocks on it and the group's table says so.

:func:`unit_receipts` is the minimal per-unit receipt check - rows dated in the quarter, or a
sheet that states the quarter and came back with none (本期无) - read from the processed
tables and the manifest. A fuller receipt matrix (departments × ledgers × period) can take its
place: everything else here only reads the frame it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from metrics import contract
from metrics.cleaning.context import period_in
from metrics.contract import Col
from metrics.periods import Period
from metrics.reporting import kpi
from metrics.reporting.text import format_amount, format_count, format_percent
from metrics.scope import unit_key

#: Ledgers re-sent for every period with that period's rows (the wish list is a running ledger).
PERIODIC = ("donations", "purchases", "volunteering")
RECEIVED = "已收到"
#: Sent in earlier periods, not for this one: the figure is missing, not 0.
MISSING = "未收到"
#: The ledger came back for the period with no rows (a blank template): truly nothing.
EMPTY = "本期无"
#: Never sent by this unit at all: nothing was expected.
NEVER = "未登记"


def quarters_in(period: Period) -> list[Period]:
    """The quarters a report period is made of; none for a month (ledgers come quarterly, and
    a month without an activity says nothing about a ledger that was not sent)."""
    if period.grain == "month":
        return []
    out: list[Period] = []
    q = Period.quarter(period.end.year, (period.end.month + 2) // 3)
    while q.start >= period.start:
        out.insert(0, q)
        q = q.previous()
    return out


def _date_column(table: str) -> str:
    return Col.RAISED_ON if table == "wishes" else "date"


def _stated(file: str, sheet: dict[str, Any]) -> Period | None:
    """The period a sheet says it is for: its 填报期间 cell, its sheet name, its file name."""
    stated = (sheet.get("provenance") or {}).get("period")
    for text, bare in ((stated, True), (sheet.get("sheet"), True), (file.rsplit("/", 1)[-1], True)):
        if text and (found := period_in(str(text).rsplit(".", 1)[0], bare_year=bare)):
            return found
    return None


def _sheets_for(manifest: dict[str, Any], unit: str, table: str, window: Period) -> list[str]:
    """Sheets of a unit's ledger that state a period covering the window's end."""
    found = []
    for f in manifest.get("files", []):
        if unit_key(f.get("unit") or "") != unit_key(unit):
            continue
        for s in f.get("sheets", []):
            if s.get("table") != table or "rows_read" not in s:
                continue
            stated = _stated(str(f["file"]), s)
            if stated and stated.start <= window.end <= stated.end:
                found.append(f"{f['file']}［{s.get('sheet')}］")
    return found


def unit_receipts(
    tables: dict[str, pd.DataFrame],
    manifest: dict[str, Any],
    period: Period,
    units: Sequence[str],
) -> pd.DataFrame:
    """unit × periodic ledger × quarter of the period -> 已收到 / 本期无 / 未收到 / 未登记.

    已收到: rows dated in the quarter. 本期无: none, but a sheet for the quarter came back
    (its 填报期间, sheet or file name says so). 未收到: none and no such sheet, though the unit
    sent that ledger for an earlier period. 未登记: the unit never sent that ledger.
    """
    rows = []
    keys = {
        t: tables[t]["unit"].astype("string").map(unit_key, na_action="ignore")
        for t in PERIODIC
        if t in tables
    }
    for unit in units:
        for table in keys:
            frame = tables[table]
            mine = frame[(keys[table] == unit_key(unit)).fillna(False).astype(bool)]
            dates = pd.to_datetime(mine[_date_column(table)], errors="coerce")
            for q in quarters_in(period):
                if q.mask(dates).any():
                    status, where = RECEIVED, ""
                elif sheets := _sheets_for(manifest, unit, table, q):
                    status, where = EMPTY, "、".join(sheets)
                elif (dates < pd.Timestamp(q.start)).any():
                    status, where = MISSING, ""
                else:
                    status, where = NEVER, ""
                rows.append([unit, table, q.label, q.label_cn, status, where])
    return pd.DataFrame(rows, columns=["unit", "table", "period", "period_cn", "status", "sheets"])


def missing(receipts: pd.DataFrame) -> pd.DataFrame:
    """The 未收到 cells: what a unit owes for the period (each blocks the report)."""
    return receipts[receipts["status"] == MISSING].reset_index(drop=True)


def status_text(receipts: pd.DataFrame, unit: str, single: bool) -> str:
    """A unit's receipt status in a few words: 已收齐 / 未收到：志愿服务（第三季度）/ 本期无：…"""
    mine = receipts[receipts["unit"] == unit]
    if mine.empty:
        return "—"  # nothing checked (a month's report)
    parts = []
    for status in (MISSING, EMPTY):
        cells = mine[mine["status"] == status]
        if cells.empty:
            continue
        names = []
        for table, group in cells.groupby("table", sort=False):
            label = contract.TABLE_LABELS[str(table)]
            when = "" if single else "（" + "、".join(q[5:] for q in group["period_cn"]) + "）"
            names.append(label + when)
        parts.append(f"{status}：{'、'.join(names)}")
    return "；".join(parts) or "已收齐"


def _cell(status: set[str], figure: str) -> str:
    if MISSING in status:
        return MISSING  # never a figure that reads as complete, nor 0
    if status and status <= {NEVER}:
        return NEVER
    return figure


def unit_rows(
    tables: dict[str, pd.DataFrame],
    receipts: pd.DataFrame,
    period: Period,
    units: Sequence[str],
) -> tuple[list[list[str]], pd.DataFrame]:
    """各单位完成情况: one row per unit (in the order given) and a 合计 row for the group.

    Figures are the period's: 心愿清单办结率 at its end, 捐款捐物, 消费帮扶采购, 志愿服务
    活动/人次, and the unit's receipt status. A ledger the unit owes shows 未收到.
    """
    single = len(quarters_in(period)) == 1
    shown: list[list[str]] = []
    data: list[dict[str, Any]] = []

    def row(
        name: str, scoped: dict[str, pd.DataFrame], status: dict[str, set[str]], text: str
    ) -> None:
        wish = kpi.wish_summary(scoped["wishes"], period)
        total, resolved = wish["total"].current.value or 0, wish["resolved"].current.value or 0
        now = kpi.headline(scoped, period)
        don = now["donations_yuan"]
        bought = kpi.Quantity(
            (now["purchases_enterprise_yuan"].value or 0)
            + (now["purchases_individual_yuan"].value or 0),
            kpi.combine_qualifiers(
                [
                    now["purchases_enterprise_yuan"].qualifier,
                    now["purchases_individual_yuan"].qualifier,
                ]
            ),
        )
        acts, people = now["volunteer_activities"], now["volunteer_person_times"]
        shown.append(
            [
                name,
                f"{format_percent(resolved, total)}（{int(resolved)}/{int(total)}项）"
                if total
                else "暂无项目",
                _cell(status["donations"], format_amount(don.value, don.qualifier)
                      if don.value is not None else "无人民币金额"),
                _cell(status["purchases"], format_amount(bought.value, bought.qualifier)),
                _cell(
                    status["volunteering"],
                    f"{format_count(acts.value, acts.qualifier, '次')}/"
                    f"{format_count(people.value, people.qualifier, '人次')}",
                ),
                text,
            ]
        )  # fmt: skip
        data.append(
            {
                "单位": name,
                "心愿项目数": int(total),
                contract.STATUS_LABELS["resolved"]: int(resolved),
                "办结率": (resolved / total) if total else None,
                "捐款捐物（元）": None if MISSING in status["donations"] else don.value,
                "消费帮扶采购（元）": None if MISSING in status["purchases"] else bought.value,
                "志愿服务活动（次）": None if MISSING in status["volunteering"] else acts.value,
                "志愿服务人次": None if MISSING in status["volunteering"] else people.value,
                "台账收报": text,
            }
        )

    for unit in units:
        mine = receipts[receipts["unit"] == unit]
        status = {t: set(mine.loc[mine["table"] == t, "status"]) for t in PERIODIC}
        scoped = {
            t: f[f["unit"].astype("string").map(unit_key, na_action="ignore") == unit_key(unit)]
            for t, f in tables.items()
        }
        row(unit, scoped, status, status_text(receipts, unit, single))
    owed = missing(receipts)
    group_status = {t: set(receipts.loc[receipts["table"] == t, "status"]) for t in PERIODIC}
    text = f"{owed['unit'].nunique()}个单位有台账未收到" if len(owed) else "各单位均已收齐"
    if receipts.empty:
        text = "—"  # nothing checked (a month's report)
    row("合计", tables, group_status, text)
    return shown, pd.DataFrame(data)


UNIT_HEADERS = [
    "单位",
    "心愿清单办结率",
    contract.TABLE_LABELS["donations"],
    contract.TABLE_LABELS["purchases"],
    "志愿服务（活动/人次）",
    "台账收报",
]
