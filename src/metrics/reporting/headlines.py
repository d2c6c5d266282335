"""The headline figures of a published leadership report, with the source rows behind each.

Stored as ``<name>.figures.json`` beside each leadership PDF. When a report is redone with
changed inputs, the new figures are compared with the stored ones: each figure that changed,
old → new, and the source rows (file, sheet, Excel row) that were added, removed or changed -
what a restatement needs to be explained to the people who read the first version.

Every figure of the summary page is stored, worded as the page words it: the cards, and for
each headline KPI its 本期, 上期 (上季度), 环比, 上年同期, 同比, 年内累计 and target progress.
A correction in Q1 therefore shows in Q2's stored 年内累计 and 上季度 figures, which is how a
published Q2 is found to be out of date (:func:`compare`). The source rows are stored once
per table and window (``rows``), and each figure names the row sets it counts.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from metrics.contract import Col
from metrics.periods import Period
from metrics.reporting import kpi
from metrics.reporting.model import headline_texts
from metrics.reporting.safe_text import escape_html
from metrics.reporting.text import format_amount, format_count

#: Rows listed per changed figure in the PDF and Word (the JSON keeps all).
ROWS_SHOWN = 5
#: The comparison columns stored per headline KPI; see :func:`_columns` for their labels.
COLUMNS = ("now", "previous", "change", "year_ago", "yoy", "ytd", "target")
#: KPIs whose 本期 figure is already stored under the card's key (never listed twice).
SAME_AS_CARD = {"donations_yuan", "volunteer_activities"}
#: The purchases KPIs count one buyer type's rows only.
BUYER_ROWS = {
    "purchases_enterprise_yuan": "purchases.enterprise",
    "purchases_individual_yuan": "purchases.individual",
}


def _rows(frame: pd.DataFrame, value: str | None = None) -> dict[str, str]:
    """'file［sheet］第N行' -> the row's contribution, as text (so a changed amount shows)."""
    if value is None:
        values = pd.Series("1", index=frame.index)
    elif pd.api.types.is_float_dtype(frame[value]):
        values = frame[value].map(lambda v: "—" if pd.isna(v) else f"{v:,.2f}".removesuffix(".00"))
    else:
        values = frame[value].astype(str)
    return {
        f"{f}［{s}］第{int(r)}行": v
        for f, s, r, v in zip(
            frame[Col.SOURCE_FILE],
            frame[Col.SOURCE_SHEET],
            frame[Col.SOURCE_ROW],
            values,
            strict=True,
        )
    }


class _RowSets:
    """The source rows behind each (table, window), computed once and named for the JSON."""

    def __init__(self, tables: dict[str, pd.DataFrame]) -> None:
        self.tables = tables
        self.sets: dict[str, dict[str, str]] = {}

    def name(self, table: str, window: Period) -> str:
        """``table`` is a processed table, or purchases.enterprise / purchases.individual."""
        key = f"{table}@{window.label}"
        if key not in self.sets:
            self.sets[key] = self._make(table, window)
        return key

    def _make(self, table: str, window: Period) -> dict[str, str]:
        base, _, part = table.partition(".")
        frame = self.tables[base]
        if base == "wishes":  # resolved in the window (the headline KPI), dated when
            done = frame[(frame["status"] != "cancelled") & window.mask(frame[Col.RESOLVED_ON])]
            return _rows(done.assign(when=done[Col.RESOLVED_ON].dt.date.astype(str)), "when")
        rows = kpi.counted(kpi.in_window(frame, window))
        if part:
            rows = rows[rows[Col.BUYER_TYPE] == part]
        return _rows(rows, Col.PARTICIPANTS if base == "volunteering" else Col.AMOUNT_YUAN)

    def as_of(self, day: Period) -> str:
        """The wish items as they stood at the end of ``day`` (their state is the value)."""
        key = f"wishes.as_of@{day.end.isoformat()}"
        if key not in self.sets:
            self.sets[key] = _rows(kpi._as_of(self.tables["wishes"], day.end), "state_at")
        return key


def headline_figures(
    tables: dict[str, pd.DataFrame], period: Period, targets: dict[str, float] | None = None
) -> dict[str, Any]:
    """{"figures": key -> {label, text, rows: [row-set names]}, "rows": name -> {row: value}}.

    The figures are worded exactly as the summary page words them (cards, 主要指标对比 and
    年度目标 tables), from tables already limited to the report's unit.
    """
    sets = _RowSets(tables)
    at = kpi._as_of(tables["wishes"], period.end)
    resolved = at[at["state_at"] == "resolved"]
    wishes = [sets.as_of(period)]
    figures: dict[str, dict[str, Any]] = {
        "wishes_total": {
            "label": "心愿项目总数",
            "text": format_count(len(at), unit="项"),
            "rows": wishes,
        },
        "wishes_resolved": {
            "label": "已办结心愿项目",
            "text": format_count(len(resolved), unit="项"),
            "rows": wishes,
        },
    }
    for table, label in (("donations", "本期捐款捐物"), ("purchases", "本期消费帮扶采购")):
        # as the report counts it: a near repeat once, rows without yuan make the sum 余
        q = kpi._amount(kpi.counted(kpi.in_window(tables[table], period)))
        figures[f"{table}_yuan"] = {
            "label": label,
            "text": format_amount(q.value, q.qualifier) if q.value is not None else "无人民币金额",
            "rows": [sets.name(table, period)],
        }
    figures["volunteering_activities"] = {
        "label": "本期志愿服务活动",
        "text": format_count(len(kpi.in_window(tables["volunteering"], period)), unit="次"),
        "rows": [sets.name("volunteering", period)],
    }
    figures |= _comparison_figures(tables, period, targets or {}, sets)
    return {"figures": figures, "rows": sets.sets}


def _columns(period: Period) -> dict[str, str]:
    """Column key -> how the summary page heads it ({} is the KPI's label)."""
    this, last = ("本季度", "上季度") if period.grain == "quarter" else ("本期", "上期")
    cols = {
        "now": f"{this}{{}}",
        "previous": f"{last}{{}}",
        "change": "{}环比",
        "year_ago": "上年同期{}",
        "yoy": "{}同比",
        "ytd": "年内累计{}",
        "target": "{}年度目标完成进度",
    }
    if period.grain == "year":  # 上期 is 上年同期 and 年内 is 本期: each said once
        for same in ("previous", "change", "ytd"):
            cols.pop(same)
    return cols


def _comparison_figures(
    tables: dict[str, pd.DataFrame],
    period: Period,
    targets: dict[str, float],
    sets: _RowSets,
) -> dict[str, dict[str, Any]]:
    """Each headline KPI's 本期, 上期, 环比, 上年同期, 同比, 年内累计 and target progress,
    worded as the summary page words them (:func:`metrics.reporting.model.headline_texts`)."""
    worded = headline_texts(tables, period, targets)
    win = kpi.windows(period, kpi.first_day(tables))
    windows = {"now": period, "previous": win["previous"], "ytd": win["ytd"]}
    windows["year_ago"] = kpi.same_period_last_year(period)
    out: dict[str, dict[str, Any]] = {}
    for key, (label, _unit, _amount, table) in kpi.HEADLINES.items():
        text = worded[key]
        source = BUYER_ROWS.get(key, table)
        rows = {w: sets.name(source, p) for w, p in windows.items()}
        used = {
            "now": [rows["now"]],
            "previous": [rows["previous"]],
            "change": [rows["now"], rows["previous"]],
            "year_ago": [rows["year_ago"]],
            "yoy": [rows["now"], rows["year_ago"]],
            "ytd": [rows["ytd"]],
            "target": [rows["ytd"]],
        }
        for col, heading in _columns(period).items():
            if col not in text or (col == "now" and key in SAME_AS_CARD):
                continue
            out[f"{key}.{col}"] = {
                "label": heading.format(label),
                "text": text[col],
                "rows": used[col],
            }
    return out


def data_key(tables: dict[str, pd.DataFrame], targets: dict[str, float] | None = None) -> str:
    """sha256 of what the figures are computed from: the unit's tables and its targets.

    Stored beside the figures, so that a later run finds a published report's figures
    unchanged without computing them again when nothing they come from has changed.
    """
    import hashlib
    import json

    digest = hashlib.sha256(json.dumps(targets or {}, sort_keys=True).encode())
    for name, frame in sorted(tables.items()):
        digest.update(name.encode() + ",".join(map(str, frame.columns)).encode())
        try:
            hashed = pd.util.hash_pandas_object(frame, index=False)
        except TypeError:  # a column of unhashable values (lists): their text
            hashed = pd.util.hash_pandas_object(frame.astype(str), index=False)
        digest.update(hashed.to_numpy().tobytes())
    return digest.hexdigest()


def figure_rows(body: dict[str, Any], key: str) -> dict[str, str]:
    """The source rows behind one stored figure (older files kept them beside the figure)."""
    rows = body.get("figures", {}).get(key, {}).get("rows", {})
    if isinstance(rows, dict):
        return rows
    merged: dict[str, str] = {}
    for name in rows:
        merged |= body.get("rows", {}).get(name, {})
    return merged


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Each figure whose text changed between two stored bodies: old → new, and the source
    rows that made the difference. Figures only one side has (an older file) are passed over."""
    changes = []
    for key, fig in new.get("figures", {}).items():
        before = old.get("figures", {}).get(key)
        if before is None or before.get("text") == fig["text"]:
            continue
        was, now = figure_rows(old, key), figure_rows(new, key)
        diff = [f"新增 {k}" for k in now if k not in was]
        diff += [f"移除 {k}" for k in was if k not in now]
        diff += [f"改变 {k}：{was[k]} → {now[k]}" for k in now if k in was and was[k] != now[k]]
        changes.append(
            {"label": fig["label"], "old": before["text"], "new": fig["text"], "rows": diff}
        )
    return changes


def changed_parts(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The parts of the report (封面, 总体情况, 典型案例…) whose content differs."""
    was, now = old.get("content") or {}, new.get("content") or {}
    return [part for part in now if part != "_key" and was.get(part) != now[part]] + [
        part for part in was if part != "_key" and part not in now
    ]


def revision_rows(revision: dict[str, Any]) -> list[list[str]]:
    """The 修订 table's rows (数字, 上一版, 本版, 造成差异的原始行), for the PDF and the .docx."""
    rows = []
    for c in revision.get("changes", []):
        shown = list(c["rows"][:ROWS_SHOWN])
        if len(c["rows"]) > ROWS_SHOWN:
            shown.append(f"……另 {len(c['rows']) - ROWS_SHOWN} 行")
        rows.append([c["label"], c["old"], c["new"], "\n".join(shown) or "—"])
    parts = revision.get("parts") or []
    if not rows:
        said = f"；有变化的部分：{'、'.join(parts)}" if parts else ""
        rows.append([f"主要数字没有变化{said}（逐行情况见 data_quality.pdf）", "", "", ""])
    elif parts:
        rows.append([f"其他有变化的部分：{'、'.join(parts)}", "", "", ""])
    return rows


#: The 修订 table's heading and columns (PDF and .docx say the same).
REVISION_TITLE = "修订：与上一版相比"
REVISION_HEADERS = ["数字", "上一版", "本版", "造成差异的原始行"]


def revision_note(revision: dict[str, Any]) -> str:
    return f"（上一版 {revision.get('previous', '')} 已保存在 versions/ 文件夹）"


def revision_box_html(revision: dict[str, Any]) -> str:
    """The 与上一版相比 table put on a revised leadership report's summary page."""

    e = escape_html  # the one sanitiser (safe_text)
    body = ""
    for label, old, new, rows in revision_rows(revision):
        if not old and not new and not rows:
            body += f"<tr><td colspan='4'>{e(label)}</td></tr>"
            continue
        cell = "<br>".join(e(r) for r in rows.split("\n"))
        nowrap = "<td style='white-space: nowrap'>"  # a figure is read whole, on one line
        body += (
            f"<tr>{nowrap}{e(label)}</td>{nowrap}{e(old)}</td>{nowrap}{e(new)}</td>"
            f"<td class='small'>{cell}</td></tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in REVISION_HEADERS)
    return (
        '<div class="revision-box" style="border:1.5pt solid #b00020;padding:2mm 3mm;'
        f'margin:2mm 0 4mm;"><p><b>{REVISION_TITLE}</b>{e(revision_note(revision))}</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )
