"""The headline figures of a published leadership report, with the source rows behind each.

Stored as ``<name>.figures.json`` beside each leadership PDF. When a report is redone with
changed inputs, the new figures are compared with the stored ones: each figure that changed,
old → new, and the source rows (file, sheet, Excel row) that were added, removed or changed -
what a restatement needs to be explained to the people who read the first version.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from metrics.periods import Period
from metrics.reporting import kpi
from metrics.reporting.text import format_amount, format_count

#: Rows listed per changed figure in the PDF (the JSON keeps all).
ROWS_SHOWN = 5


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
            frame["source_file"], frame["source_sheet"], frame["source_row"], values, strict=True
        )
    }


def headline_figures(tables: dict[str, pd.DataFrame], period: Period) -> dict[str, dict[str, Any]]:
    """Figure key -> {label, text, rows}: the figures leadership quotes from the summary page."""
    at = kpi._as_of(tables["wishes"], period.end)
    resolved = at[at["state_at"] == "resolved"]
    out: dict[str, dict[str, Any]] = {
        "wishes_total": {
            "label": "心愿项目总数",
            "text": format_count(len(at), unit="项"),
            "rows": _rows(at, "state_at"),
        },
        "wishes_resolved": {
            "label": "已办结心愿项目",
            "text": format_count(len(resolved), unit="项"),
            "rows": _rows(resolved, "state_at"),
        },
    }
    for table, label in (("donations", "本期捐款捐物"), ("purchases", "本期消费帮扶采购")):
        # as the report counts it: a near repeat once, rows without yuan make the sum 余
        rows = kpi.counted(kpi.in_window(tables[table], period))
        q = kpi._amount(rows)
        out[f"{table}_yuan"] = {
            "label": label,
            "text": format_amount(q.value, q.qualifier) if q.value is not None else "无人民币金额",
            "rows": _rows(rows, "amount_yuan"),
        }
    vol = kpi.in_window(tables["volunteering"], period)
    out["volunteering_activities"] = {
        "label": "本期志愿服务活动",
        "text": format_count(len(vol), unit="次"),
        "rows": _rows(vol, "participants"),
    }
    return out


def compare(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each figure whose text changed: old → new and the source rows that made the difference."""
    changes = []
    for key, fig in new.items():
        before = old.get(key)
        if before is None or before.get("text") == fig["text"]:
            continue
        was, now = before.get("rows", {}), fig["rows"]
        diff = [f"新增 {k}" for k in now if k not in was]
        diff += [f"移除 {k}" for k in was if k not in now]
        diff += [f"改变 {k}：{was[k]} → {now[k]}" for k in now if k in was and was[k] != now[k]]
        changes.append(
            {"label": fig["label"], "old": before["text"], "new": fig["text"], "rows": diff}
        )
    return changes


def revision_box_html(changes: list[dict[str, Any]], previous: str) -> str:
    """The 与上一版相比 table put on a revised leadership report's summary page."""
    import html

    e = html.escape
    body = ""
    for c in changes:
        rows = c["rows"][:ROWS_SHOWN]
        more = f"<br>……另 {len(c['rows']) - ROWS_SHOWN} 行" if len(c["rows"]) > ROWS_SHOWN else ""
        body += (
            f"<tr><td>{e(c['label'])}</td><td>{e(c['old'])}</td><td>{e(c['new'])}</td>"
            f"<td class='small'>{'<br>'.join(e(r) for r in rows) or '—'}{more}</td></tr>"
        )
    if not body:
        body = "<tr><td colspan='4'>主要数字没有变化（变化在明细中，见 data_quality.pdf）</td></tr>"
    return (
        '<div class="revision-box" style="border:1.5pt solid #b00020;padding:2mm 3mm;'
        'margin:2mm 0 4mm;"><p><b>修订：与上一版相比</b>'
        f"（上一版 {e(previous)} 已保存在 versions/ 文件夹）</p>"
        "<table><thead><tr><th>数字</th><th>上一版</th><th>本版</th>"
        f"<th>造成差异的原始行</th></tr></thead><tbody>{body}</tbody></table></div>"
    )
