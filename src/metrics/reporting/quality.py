"""Tables for the analyst's data-quality report and the leadership report's appendix.

All of them are read off manifest.json, rejects.csv and warnings.csv, so what the reports say
about the data is exactly what the cleaning run recorded.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from metrics.contract import COUNT_KEYS, Reason

TABLE_CN = {
    "wishes": "心愿清单",
    "donations": "捐款捐物",
    "purchases": "消费帮扶",
    "volunteering": "志愿服务",
    None: "—",
}
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
        reason=rejects["reason_code"].map(reason_group),
        where=rejects["source_file"].astype(str)
        + "|"
        + rejects["source_sheet"].astype(str)
        + "|"
        + rejects["source_row"].astype(str),
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
            frame["source_file"], frame["source_sheet"], frame["source_row"], strict=True
        )
    ]
