"""Tables for the analyst's data-quality report and the leadership report's appendix.

All of them are read off manifest.json, rejects.csv and warnings.csv, so what the reports say
about the data is exactly what the cleaning run recorded.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from metrics.contract import COUNT_KEYS, STATUS_LABELS, TABLE_LABELS, Col, Reason
from metrics.reporting.safe_text import escape_html

TABLE_CN: dict[str | None, str] = {None: "—"} | dict(TABLE_LABELS.items())
STATUS_CN = STATUS_LABELS
TOTAL_STATUS_CN = {
    "agree": "一致",
    "differ": "不一致",
    "consistent": "相符（明细含“余”）",
    "unreadable": "合计无法识别",
}


def sheet_accounting(manifest: dict[str, Any]) -> pd.DataFrame:
    """One row per sheet read: where the header was and what became of every row below it."""
    rows = []
    for f in manifest["files"]:
        for s in f["sheets"]:
            if "rows_read" not in s:
                continue
            skipped = s["skipped_blank"] + s["skipped_total"] + s["skipped_note"]
            rows.append(
                {
                    "file": f["file"],
                    "sheet": s["sheet"],
                    "table": TABLE_CN.get(s["table"], s["table"]),
                    "header_row": s["header_row"],
                    **{k: s[k] for k in COUNT_KEYS},
                    "skipped": skipped,
                    "balanced": "✓" if s["reconciled"] else "✗",  # as the cleaning run checked
                }
            )
    return pd.DataFrame(
        rows, columns=["file", "sheet", "table", "header_row", *COUNT_KEYS, "skipped", "balanced"]
    )


def total_checks(manifest: dict[str, Any]) -> pd.DataFrame:
    """Each sheet's own 合计 row against the sum of its accepted rows."""
    rows = []
    for f in manifest["files"]:
        for s in f["sheets"]:
            for c in s.get("total_rows", []):
                rows.append(
                    {
                        "file": f["file"],
                        "sheet": s["sheet"],
                        "excel_row": c["excel_row"],
                        "stated": c["stated"],
                        "computed": c["computed"],
                        "difference": c["difference"],
                        "status": TOTAL_STATUS_CN.get(c["status"], c["status"]),
                    }
                )
    return pd.DataFrame(
        rows, columns=["file", "sheet", "excel_row", "stated", "computed", "difference", "status"]
    )


def skipped_inputs(manifest: dict[str, Any]) -> pd.DataFrame:
    """Files that could not be read and sheets without a table, with the reason."""
    rows = [
        {
            "file": n["file"],
            "sheet": n["sheet"] or "（整个文件）",
            "level": {"error": "无法读取", "check": "请核对"}.get(n["level"], "跳过"),
            "message": n["message"],
        }
        for n in manifest.get("notices", [])
    ]
    return pd.DataFrame(rows, columns=["file", "sheet", "level", "message"])


def duplicate_sources(manifest: dict[str, Any]) -> pd.DataFrame:
    """Sheets whose rows were already read elsewhere, and files identical to another file."""
    rows = []
    for f in manifest["files"]:
        for s in f["sheets"]:
            if s.get("duplicates"):
                rows.append(
                    {
                        "file": f["file"],
                        "sheet": s["sheet"],
                        "duplicates": s["duplicates"],
                        "same_as": f.get("same_content_as", ""),
                    }
                )
    return pd.DataFrame(rows, columns=["file", "sheet", "duplicates", "same_as"])


def reason_group(code: str) -> str:
    """The Chinese name of a reject's kind, from its reason_code (rejects.csv)."""
    try:
        return Reason(code).label
    except ValueError:
        return Reason.OTHER.label


def rejects_by_reason(rejects: pd.DataFrame) -> pd.DataFrame:
    """How many cells were refused for each kind of reason, most frequent first."""
    if rejects.empty:
        return pd.DataFrame(columns=["reason", "cells", "rows"])
    grouped = rejects.assign(
        reason=rejects[Col.REASON_CODE].map(reason_group),
        where=rejects[Col.SOURCE_FILE].astype(str)
        + "|"
        + rejects[Col.SOURCE_SHEET].astype(str)
        + "|"
        + rejects[Col.SOURCE_ROW].astype(str),
    )
    out = grouped.groupby("reason").agg(cells=("reason", "size"), rows=("where", "nunique"))
    return out.reset_index().sort_values(
        ["cells", "reason"], ascending=[False, True], ignore_index=True
    )


def input_hashes(manifest: dict[str, Any]) -> pd.DataFrame:
    """Each input file with its sha256, so a figure can be tied to the exact file it came from."""
    rows = [{"file": f["file"], "sha256": f.get("sha256") or "—"} for f in manifest["files"]]
    return pd.DataFrame(rows, columns=["file", "sha256"])


def locations(frame: pd.DataFrame) -> list[str]:
    """Where each row of a rejects/warnings table is, as an analyst looks for it in Excel."""
    return [
        f"{f}［{s}］第{r}行"
        for f, s, r in zip(
            frame[Col.SOURCE_FILE], frame[Col.SOURCE_SHEET], frame[Col.SOURCE_ROW], strict=True
        )
    ]


# --- bounded reject listing (issue 13 item 8) ---------------------------------------------------

#: Examples shown per (file, sheet, column, reason) group; the full list stays in rejects.csv.
EXAMPLES_PER_GROUP = 3
#: Groups shown in the PDF, most frequent first; the rest are summed in one line.
MAX_GROUPS = 60


def rejects_grouped(
    rejects: pd.DataFrame, examples: int = EXAMPLES_PER_GROUP, max_groups: int = MAX_GROUPS
) -> pd.DataFrame:
    """Refused cells grouped by (file, sheet, column, kind of reason): a count, the Excel rows
    of the first few, and their values - a page or two however many thousand cells were refused."""
    cols = ["file", "sheet", "column", "reason", "cells", "rows", "examples"]
    if rejects.empty:
        return pd.DataFrame(columns=cols)
    codes = rejects[Col.REASON_CODE] if Col.REASON_CODE in rejects.columns else rejects["reason"]
    frame = rejects.assign(
        kind=codes.map(reason_group),
        row_no=pd.to_numeric(rejects[Col.SOURCE_ROW], errors="coerce"),
    )
    keys = [Col.SOURCE_FILE, Col.SOURCE_SHEET, "column", "kind"]
    out = []
    for (file, sheet, column, kind), group in frame.groupby(keys, sort=False, dropna=False):
        first = group.sort_values("row_no").head(examples)
        shown = "；".join(
            f"第{int(r) if pd.notna(r) else '?'}行「{str(v)[:20]}」"
            for r, v in zip(first["row_no"], first["value"], strict=True)
        )
        reason = str(first["reason"].iloc[0])
        out.append(
            {
                "file": file,
                "sheet": sheet,
                "column": column,
                "reason": reason if len(group) == 1 else kind,
                "cells": len(group),
                "rows": group[Col.SOURCE_ROW].nunique(),
                "examples": shown + ("…" if len(group) > examples else ""),
            }
        )
    table = pd.DataFrame(out, columns=cols).sort_values(
        ["cells", "file", "sheet"], ascending=[False, True, True], ignore_index=True
    )
    if len(table) > max_groups:
        rest = table.iloc[max_groups:]
        table = pd.concat(
            [
                table.iloc[:max_groups],
                pd.DataFrame(
                    [
                        {
                            "file": f"其余 {len(rest)} 组",
                            "sheet": "",
                            "column": "",
                            "reason": "见 rejects.csv",
                            "cells": int(rest["cells"].sum()),
                            "rows": int(rest["rows"].sum()),
                            "examples": "",
                        }
                    ]
                ),
            ],
            ignore_index=True,
        )
    return table


# --- scope ---------------------------------------------------------------------------------------


def file_units(manifest: dict[str, Any]) -> dict[str, str]:
    """Each input file's unit, as the cleaning run assigned it."""
    return {f["file"]: f.get("unit") or "" for f in manifest.get("files", [])}


# --- the to-do page: what blocks the report, and what to confirm --------------------------------


#: Warning rules and notice levels other steps use for "keep, but let the analyst confirm".
REVIEW_RULES = ("outside_stated_period",)  # rows dated outside the period their sheet states
REVIEW_LEVELS = ("check",)  # notices to confirm, e.g. a header mapped by its column's content


def review_items(manifest: dict[str, Any], warnings: pd.DataFrame) -> pd.DataFrame:
    """To confirm (not blocking): rows dated outside their sheet's period, headers mapped by
    their content - whatever the cleaning run flagged for the analyst's eye."""
    rows = []
    for n in manifest.get("notices", []):
        if n.get("level") in REVIEW_LEVELS:
            where = n["file"] + (f"［{n['sheet']}］" if n.get("sheet") else "")
            rows.append({"where": where, "message": n["message"]})
    if not warnings.empty and "rule" in warnings.columns:
        hits = warnings[warnings["rule"].isin(REVIEW_RULES)]
        for f, s, r, m in zip(
            hits[Col.SOURCE_FILE],
            hits[Col.SOURCE_SHEET],
            hits[Col.SOURCE_ROW],
            hits["message"],
            strict=True,
        ):
            rows.append({"where": f"{f}［{s}］第{r}行", "message": m})
    return pd.DataFrame(rows, columns=["where", "message"])


def running_updates(manifest: dict[str, Any]) -> pd.DataFrame:
    """Items of a running ledger that a newer file updated: old → new status, where each is."""
    rows = [
        {
            "identity": u["identity"],
            "old": f"{STATUS_CN.get(u['old_status'], u['old_status'])}（{u['old_file']} 第{u['old_row']}行）",
            "new": f"{STATUS_CN.get(u['new_status'], u['new_status'])}（{u['new_file']} 第{u['new_row']}行）",
        }
        for u in (manifest.get("running_ledgers") or {}).get("updated", [])
    ]
    return pd.DataFrame(rows, columns=["identity", "old", "new"])


def running_conflicts(manifest: dict[str, Any]) -> pd.DataFrame:
    rows = [
        {"identity": c["identity"], "files": c["files"]}
        for c in (manifest.get("running_ledgers") or {}).get("conflicts", [])
    ]
    return pd.DataFrame(rows, columns=["identity", "files"])


#: Items of each kind the first page shows; the rest go to a CSV beside the PDF.
TODO_SHOWN = 10


def _items(title: str, frame: pd.DataFrame, more: str = "") -> list[str]:
    """A titled list of (where, message) items, escaped, with the line naming the rest."""
    if frame.empty:
        return []
    e = escape_html  # the one sanitiser (safe_text)
    parts = [f"<p><b>{e(title)}</b></p><ul>"]
    parts += [
        f"<li>{e(str(w))}：{e(str(m))}</li>"
        for w, m in zip(frame["where"], frame["message"], strict=True)
    ]
    if more:
        parts.append(f"<li>{e(more)}</li>")
    parts.append("</ul>")
    return parts


def _blocker_item(b: dict[str, Any]) -> str:
    e = escape_html
    where = e(b.get("file", "")) + (f"［{e(b['sheet'])}］" if b.get("sheet") else "")
    toml = (
        (
            "<pre class='toml' style='font-family: \"Noto Sans Mono CJK SC\", monospace;"
            " background: #f4f4f4; border-left: 3pt solid #8b1a1a; padding: 1.5mm 3mm;"
            f" font-size: 9pt;'>{e(b['toml'])}</pre>"
        )
        if b.get("toml")
        else ""
    )
    return (
        f"<li><p>{where + '：' if where else ''}{e(b.get('message', ''))}</p>"
        f"<p>处理办法：{e(b.get('hint', ''))}</p>{toml}</li>"
    )


def todo_html(
    blockers: list[dict[str, Any]],
    review: pd.DataFrame,
    figures: pd.DataFrame | None = None,
    more: dict[str, str] | None = None,
) -> str:
    """The data-quality report's first page: what blocks the leadership report and how to fix
    each item (with the exact shishi.toml lines), then the rejected cells and 合计 differences
    that change a leader figure (``figures``), then what to confirm. Every value escaped.

    ``more`` names, per kind (blockers, figures, review), the line that says where the items
    not shown are; the caller passes only the items shown.
    """
    more = more or {}
    parts = []
    if blockers:
        parts.append(
            '<div class="todo"><p><b>以下问题解决前，领导报告不会生成（或只生成标注“草稿”的版本）。'
            "逐项处理后重新运行 shishi report。</b></p><ol>"
        )
        parts += [_blocker_item(b) for b in blockers]
        if more.get("blockers"):
            parts.append(f"<li><p>{escape_html(more['blockers'])}</p></li>")
        parts.append("</ol></div>")
    else:
        parts.append("<p>没有阻止领导报告的问题：所有看起来是台账的文件和工作表都已读入。</p>")
    if figures is not None:
        parts += _items(
            "影响领导报告数字的问题（报告照常生成，但下列数字不准，请改正原表后重新运行）：",
            figures,
            more.get("figures", ""),
        )
    parts += _items(
        f"请核实（数据已保留，共 {len(review)} 项）："
        if not more.get("review")
        else "请核实（数据已保留）：",
        review,
        more.get("review", ""),
    )
    return "".join(parts)


def unread_sentence(table: str, unreadable_tables: list[str]) -> str | None:
    """What a leadership section says instead of 未登记 when its table could not be read
    (the ``unreadable_tables`` notebook parameter); None when the table was read."""
    if table not in unreadable_tables:
        return None
    label = TABLE_CN.get(table, table)
    return (
        f"{label}台账中有表格未能读取，本期{label}数据不完整，以下数字不能作为正式数字引用；"
        "原因和处理办法见数据质量报告（data_quality.pdf）第一页。"
    )


#: Rows of the duplicate trace shown in the PDF; the full list is duplicates.csv.
TRACE_ROWS = 20


def duplicate_trace(duplicates: pd.DataFrame, limit: int = TRACE_ROWS) -> tuple[pd.DataFrame, int]:
    """Each repeated row beside the row it repeats (the first ``limit``), and how many in all.

    duplicates.csv holds the whole trace; the PDF shows enough to recognise the pattern (a
    file sent twice repeats row for row) without growing with the ledger.
    """
    columns = ["where", "same_as"]
    if duplicates.empty:
        return pd.DataFrame(columns=columns), 0
    shown = duplicates.head(limit)
    original = shown[[Col.SAME_AS_FILE, Col.SAME_AS_SHEET, Col.SAME_AS_ROW]].set_axis(
        [Col.SOURCE_FILE, Col.SOURCE_SHEET, Col.SOURCE_ROW], axis=1
    )
    frame = pd.DataFrame({"where": locations(shown), "same_as": locations(original)})
    return frame, len(duplicates)


def near_duplicate_rows(near: pd.DataFrame) -> pd.DataFrame:
    """Rows flagged as possible repeats, every row of each group, for the analyst to decide."""
    columns = ["group", "where", "date", "who", "amount", "counted"]
    if near.empty:
        return pd.DataFrame(columns=columns)
    repeat = near[Col.REVIEW_REPEAT].astype(str).str.lower().isin(["true", "1"])
    return pd.DataFrame(
        {
            "group": near[Col.REVIEW_GROUP].astype(str),
            "where": locations(near),
            "date": near["date"].astype(str).str.slice(0, 10),
            "who": near["who"].astype(str),
            "amount": near[Col.AMOUNT_YUAN].astype(str),
            "counted": repeat.map({True: "不计入（待核实）", False: "计入"}),
        }
    )[columns]


#: Ledgers kept per period (a wish list is re-sent whole, so it is never "quiet").
PERIODIC_TABLES = ("donations", "purchases", "volunteering")


def quiet_ledgers(
    tables: dict[str, pd.DataFrame], start: Any, end: Any, label: str
) -> pd.DataFrame:
    """To confirm: a periodic ledger with records before the period and none in it.

    Often the quarter's file has simply not arrived yet; the leadership report would then say
    本季度未登记, true of the data but not of the office. Not blocking (a quarter without a
    donation happens), but the analyst is asked before the report goes out.
    """
    rows = []
    first = pd.Timestamp(start)
    last = pd.Timestamp(end) + pd.Timedelta(days=1)
    for table in PERIODIC_TABLES:
        frame = tables.get(table)
        if frame is None or frame.empty or "date" not in frame.columns:
            continue
        dates = frame["date"]
        earlier = int((dates < first).sum())
        within = int(((dates >= first) & (dates < last)).sum())
        if earlier and not within:
            rows.append(
                {
                    "where": TABLE_LABELS[table],
                    "message": f"{label}没有任何记录，而此前有 {earlier} 条：如果这一期的台账还没"
                    "收齐，请补齐后重新生成；确实没有发生的，可以忽略",
                }
            )
    return pd.DataFrame(rows, columns=["where", "message"])


# --- what changes a leader figure: rejected rows and 合计 differences (issue 20 item 10) --------

#: The date column that places a row of each ledger in a period.
DATE_COLUMN = {
    "wishes": Col.RAISED_ON,
    "donations": "date",
    "purchases": "date",
    "volunteering": "date",
}


def figure_changed(dates: pd.Series, period: Any) -> str | None:
    """Which of the leadership report's figures rows with these dates feed: the period's, the
    year's to date, or the campaign's to date; None when all of them lie after the period.

    A sheet with no dated row may hold the period's figures: it is said as the period's.
    """
    known = pd.to_datetime(dates, errors="coerce").dropna()
    if known.empty or bool(period.mask(known).any()):
        return f"{period.label_cn}"
    ytd = period.year_to_date()
    if ytd != period and bool(ytd.mask(known).any()):
        return f"{ytd.label_cn}累计"
    if bool((known < pd.Timestamp(period.start)).any()):
        return "活动开展以来累计"
    return None


def _sheet_dates(tables: dict[str, pd.DataFrame], table: str, file: str, sheet: str) -> pd.Series:
    """The dates of a sheet's accepted rows (empty when none were accepted)."""
    frame = tables.get(table)
    column = DATE_COLUMN.get(table, "date")
    if frame is None or frame.empty or column not in frame.columns:
        return pd.Series([], dtype="datetime64[ns]")
    mine = (frame[Col.SOURCE_FILE].astype(str) == file) & (
        frame[Col.SOURCE_SHEET].astype(str) == sheet
    )
    return frame.loc[mine, column]


def _refused(cells: pd.DataFrame) -> str:
    """A rejected row's refused cells and values: 金额（元）“待定”、日期“年底”."""
    return "、".join(
        f"{c}“{str(v)[:20]}”" for c, v in zip(cells["column"], cells["value"], strict=True)
    )


def repeat_sheets(manifest: dict[str, Any]) -> set[tuple[str, str]]:
    """(file, sheet) of copies: a file identical to another, or a sheet every counted row of
    which repeats another sheet. Its refused rows are the original's, said there once."""
    return {
        (f["file"], s["sheet"])
        for f in manifest.get("files", [])
        for s in f.get("sheets", [])
        if f.get("same_content_as") or (not s.get("accepted") and s.get("duplicates"))
    }


def rejected_figures(
    rejects: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    period: Any,
    manifest: dict[str, Any] | None = None,
    examples: int = 3,
) -> pd.DataFrame:
    """One to-do item per sheet with rejected rows, when the sheet feeds a leader figure: the
    rows (the first few, with the cells refused and their values) and the figure left short.
    A copy of another sheet (``manifest``) is left to its original."""
    columns = ["where", "message"]
    if rejects.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    copies = repeat_sheets(manifest or {})
    frame = rejects.assign(row_no=pd.to_numeric(rejects[Col.SOURCE_ROW], errors="coerce"))
    for (table, file, sheet), cells in frame.groupby(
        ["table", Col.SOURCE_FILE, Col.SOURCE_SHEET], sort=False, dropna=False
    ):
        if (str(file), str(sheet)) in copies:
            continue
        window = figure_changed(_sheet_dates(tables, str(table), str(file), str(sheet)), period)
        if window is None:
            continue
        by_row = list(cells.sort_values("row_no").groupby(Col.SOURCE_ROW, sort=False))
        shown = "；".join(f"第{r}行 {_refused(c)}" for r, c in by_row[:examples])
        many = f"共 {len(by_row)} 行无法识别，如" if len(by_row) > 1 else ""
        tail = "等" if len(by_row) > examples else ""
        label = TABLE_CN.get(str(table), str(table))
        rows.append(
            {
                "where": f"{file}［{sheet}］",
                "message": f"{many}{shown}{tail}，"
                f"{'这些行' if many else '这一行'}未计入：{window}的{label}数字可能少计"
                "（改正原表中的这些格后重新运行）",
            }
        )
    return pd.DataFrame(rows, columns=columns)


def _yuan(value: float) -> str:
    """12,500 or 12,500.5: 元 as a ledger writes them, no trailing zeros."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def total_figures(
    manifest: dict[str, Any], tables: dict[str, pd.DataFrame], period: Any
) -> pd.DataFrame:
    """One to-do item per 合计 row that differs from its rows' sum, in a sheet that feeds a
    leader figure: the difference in 元 and the figure it makes doubtful."""
    rows = []
    for f in manifest.get("files", []):
        for s in f.get("sheets", []):
            for c in s.get("total_rows", []):
                if c.get("status") != "differ":
                    continue
                table = str(s.get("table") or "")
                window = figure_changed(_sheet_dates(tables, table, f["file"], s["sheet"]), period)
                if window is None:
                    continue
                short = "少计" if c["stated"] > c["computed"] else "多计"
                rows.append(
                    {
                        "where": f"{f['file']}［{s['sheet']}］第{c['excel_row']}行",
                        "message": f"合计与明细相差{_yuan(abs(c['difference']))}元（表内合计"
                        f"{_yuan(c['stated'])}元，逐行相加{_yuan(c['computed'])}元）："
                        f"{window}的{TABLE_CN.get(table, table)}金额可能{short}；"
                        "请核对是明细漏填还是合计行写错，改正原表后重新运行",
                    }
                )
    return pd.DataFrame(rows, columns=["where", "message"])


def checks_not_on_first_page(manifest: dict[str, Any], warnings: pd.DataFrame) -> pd.DataFrame:
    """§五's warnings: every warning the first page's 请核实 list does not already show."""
    if warnings.empty or "rule" not in warnings.columns:
        return warnings
    return warnings[~warnings["rule"].isin(REVIEW_RULES)].reset_index(drop=True)


def skipped_only(manifest: dict[str, Any]) -> pd.DataFrame:
    """§六: files and sheets left out; the notices to confirm are on the first page instead."""
    return skipped_inputs(
        {"notices": [n for n in manifest.get("notices", []) if n.get("level") not in REVIEW_LEVELS]}
    )


# --- bounded listings: a sheet that repeats another is one line ---------------------------------


def _rows_span(rows: pd.Series) -> str:
    numbers = pd.to_numeric(rows, errors="coerce").dropna().astype(int)
    if numbers.empty:
        return ""
    first, last = int(numbers.min()), int(numbers.max())
    return f"第{first}行" if first == last else f"第{first}—{last}行"


def duplicate_pairs(duplicates: pd.DataFrame) -> pd.DataFrame:
    """Exact repeats, one line per (sheet, the sheet it repeats): a re-sent file or a sheet
    re-published in another is one line however many rows it has; most rows first."""
    columns = ["where", "same_as", "rows"]
    if duplicates.empty:
        return pd.DataFrame(columns=columns)
    keys = [Col.SOURCE_FILE, Col.SOURCE_SHEET, Col.SAME_AS_FILE, Col.SAME_AS_SHEET]
    out = [
        {
            "where": f"{f}［{s}］{_rows_span(g[Col.SOURCE_ROW])}",
            "same_as": f"{sf}［{ss}］{_rows_span(g[Col.SAME_AS_ROW])}",
            "rows": len(g),
        }
        for (f, s, sf, ss), g in duplicates.astype({k: str for k in keys}).groupby(keys, sort=False)
    ]
    return pd.DataFrame(out, columns=columns).sort_values(
        "rows", ascending=False, kind="stable", ignore_index=True
    )


def near_duplicate_pairs(near: pd.DataFrame) -> pd.DataFrame:
    """Possible repeats, one line per set of sheets they span (a sheet re-published with small
    changes is one line): how many groups and rows, and the 元 left out pending review."""
    columns = ["sheets", "groups", "rows", "repeat_yuan"]
    if near.empty:
        return pd.DataFrame(columns=columns)
    frame = near.assign(
        at=near[Col.SOURCE_FILE].astype(str) + "［" + near[Col.SOURCE_SHEET].astype(str) + "］",
        repeat=near[Col.REVIEW_REPEAT].astype(str).str.lower().isin(["true", "1"]),
        yuan=pd.to_numeric(near[Col.AMOUNT_YUAN], errors="coerce").fillna(0.0),
    )
    spans = frame.groupby(Col.REVIEW_GROUP)["at"].agg(lambda s: " 与 ".join(sorted(set(s))))
    frame = frame.assign(sheets=frame[Col.REVIEW_GROUP].map(spans))
    out = frame.groupby("sheets", sort=False).agg(
        groups=(Col.REVIEW_GROUP, "nunique"),
        rows=(Col.REVIEW_GROUP, "size"),
        repeat_yuan=("yuan", lambda y: float(y[frame.loc[y.index, "repeat"]].sum())),
    )
    return out.reset_index().sort_values("rows", ascending=False, kind="stable", ignore_index=True)[
        columns
    ]


def rows_in_period(tables: dict[str, pd.DataFrame], period: Any) -> pd.DataFrame:
    """Per ledger: the accepted rows dated in the period (a wish raised or resolved in it) - the
    rows the leadership report's period figures come from - beside all accepted rows."""
    rows = []
    for table, column in DATE_COLUMN.items():
        frame = tables.get(table)
        if frame is None:
            continue
        inside = period.mask(frame[column]) if column in frame.columns else None
        if table == "wishes" and Col.RESOLVED_ON in frame.columns and inside is not None:
            inside = inside | period.mask(frame[Col.RESOLVED_ON])
        rows.append(
            {
                "table": TABLE_CN.get(table, table),
                "in_period": int(inside.sum()) if inside is not None else 0,
                "accepted": len(frame),
            }
        )
    return pd.DataFrame(rows, columns=["table", "in_period", "accepted"])
