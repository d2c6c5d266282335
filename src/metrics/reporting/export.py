"""The files that go out next to the leadership PDF, from the same report model.

:func:`publish` writes the Word document (:mod:`.word`) and an Excel workbook an office can
use as it is: Chinese sheet names, headers and values (已办结, 余, 约 - never resolved or
at_least), amounts with separators, dates without a time part, and columns wide enough to read.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd

from metrics.cleaning.store import atomic_write, neutralize_frame
from metrics.reporting.model import SummaryReport

QUALIFIER_CN = {"exact": "", "at_least": "余", "about": "约", "at_most": "不足"}
#: Codes in the processed tables and the words an office reads instead.
VALUES_CN = {
    "status": {
        "resolved": "已办结",
        "in_progress": "推进中",
        "pending": "未启动",
        "cancelled": "已取消",
    },
    "kind": {"cash": "现金", "in_kind": "物资"},
    "donor_type": {
        "organization": "单位",
        "individual": "个人",
        "enterprise": "企业",
        "other": "其他",
    },
    "buyer_type": {"enterprise": "企业", "individual": "个人"},
}
#: Processed columns -> Chinese headers, per detail sheet (columns not listed are left out).
DETAIL = {
    "wishes": (
        "心愿清单明细",
        {
            "item_id": "序号",
            "title": "项目名称",
            "category": "类别",
            "leader": "责任领导",
            "department": "责任部门",
            "raised_on": "提出时间",
            "due_on": "计划完成时限",
            "status": "办理进度",
            "resolved_on": "办结时间",
            "cost_yuan": "投入资金（元）",
            "cost_qualifier": "资金精度",
            "unit": "单位",
            "source_file": "来源文件",
            "source_sheet": "工作表",
            "source_row": "Excel行",
        },
    ),
    "donations": (
        "捐款捐物明细",
        {
            "date": "日期",
            "campaign": "项目/用途",
            "donor": "捐赠方",
            "donor_type": "捐赠方类型",
            "kind": "类型",
            "amount_yuan": "金额（元）",
            "amount_qualifier": "金额精度",
            "note": "备注",
            "unit": "单位",
            "source_file": "来源文件",
            "source_sheet": "工作表",
            "source_row": "Excel行",
        },
    ),
    "purchases": (
        "消费帮扶明细",
        {
            "date": "日期",
            "buyer": "采购主体",
            "buyer_type": "主体类型",
            "supplier_region": "供应地区",
            "product": "产品",
            "amount_yuan": "金额（元）",
            "amount_qualifier": "金额精度",
            "note": "备注",
            "unit": "单位",
            "source_file": "来源文件",
            "source_sheet": "工作表",
            "source_row": "Excel行",
        },
    ),
    "volunteering": (
        "志愿服务明细",
        {
            "date": "日期",
            "organizer": "组织单位",
            "title": "活动名称",
            "theme": "类别",
            "participants": "参与人数",
            "participants_qualifier": "人数精度",
            "hours": "服务时长（小时）",
            "outcome": "服务成果",
            "unit": "单位",
            "source_file": "来源文件",
            "source_sheet": "工作表",
            "source_row": "Excel行",
        },
    ),
}
AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'


def detail_sheet(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A processed table with Chinese headers and values (qualifiers as 余 / 约 / 不足)."""
    columns = DETAIL[table][1]
    out = frame[[c for c in columns if c in frame.columns]].copy()
    for col in out.columns:
        if col.endswith("qualifier"):
            out[col] = out[col].map(lambda q: QUALIFIER_CN.get(q, q), na_action="ignore")
        elif col in VALUES_CN:
            out[col] = out[col].map(lambda v, c=col: VALUES_CN[c].get(v, v), na_action="ignore")
    return out.rename(columns=columns)


def workbook_sheets(r: SummaryReport) -> dict[str, pd.DataFrame]:
    """Every sheet of the workbook, in the report's order."""
    sheets: dict[str, pd.DataFrame] = {}
    for t in r.tables:
        sheets[t.sheet or t.caption] = (
            t.data if t.data is not None else pd.DataFrame(t.rows, columns=t.headers)
        )
    if r.targets:
        sheets["年度目标"] = pd.DataFrame(
            [[t.label, t.target, t.done, t.progress] for t in r.targets],
            columns=["指标", "年度目标", "年内完成", "完成进度"],
        )
    for name, frame in r.source_tables.items():
        if name in DETAIL:
            sheets[DETAIL[name][0]] = detail_sheet(name, frame)
    return sheets


def _width(value: object) -> int:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def export_tables(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    """One workbook, one sheet per table, formatted for reading in Excel; formulas neutralized."""
    from openpyxl.styles import Alignment, Font, PatternFill

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                safe = neutralize_frame(frame)
                for col in safe.columns:
                    if pd.api.types.is_datetime64_any_dtype(safe[col]):
                        stamps = safe[col]
                        if isinstance(stamps.dtype, pd.DatetimeTZDtype):
                            stamps = stamps.dt.tz_localize(None)
                        safe[col] = stamps.dt.normalize()
                sheet = name[:31]
                safe.to_excel(writer, sheet_name=sheet, index=False)
                ws = writer.sheets[sheet]
                ws.freeze_panes = "A2"
                for i, col in enumerate(safe.columns, start=1):
                    letter = ws.cell(row=1, column=i).column_letter
                    head = ws.cell(row=1, column=i)
                    head.font = Font(bold=True)
                    head.fill = PatternFill("solid", fgColor="F3E9E9")
                    head.alignment = Alignment(vertical="center", wrap_text=True)
                    fmt = _format(str(col), safe[col])
                    if fmt:
                        for cell in ws.iter_cols(min_col=i, max_col=i, min_row=2):
                            for c in cell:
                                c.number_format = fmt
                    widest = max([_width(col), *(_width(v) for v in safe[col].head(500))])
                    width = min(max(widest, 6) + 2, 50)
                    if pd.api.types.is_datetime64_any_dtype(safe[col]):
                        width = max(width, 16)
                    ws.column_dimensions[letter].width = width

    atomic_write(Path(path), write)
    return Path(path)


def _format(header: str, column: pd.Series) -> str | None:
    if pd.api.types.is_datetime64_any_dtype(column):
        return DATE_FORMAT
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return None
    if header == "办结率":
        return "0.0%"
    if "元" in header or "金额" in header:
        return AMOUNT_FORMAT
    if pd.api.types.is_integer_dtype(column):
        return "0"
    return "0.##"


def publish(r: SummaryReport, out_dir: str | Path | None) -> list[Path]:
    """Write <out_dir>/quarterly_summary.docx and .xlsx (nothing without an out_dir)."""
    if not out_dir:
        return []
    from metrics.reporting.word import write_docx

    folder = Path(out_dir)
    written = [
        write_docx(r, folder / "quarterly_summary.docx"),
        export_tables(folder / "quarterly_summary.xlsx", workbook_sheets(r)),
    ]
    mode = 0o666 & ~_umask()  # the temporary file's 0600 would hide them from colleagues
    for path in written:
        path.chmod(mode)
    return written


def _umask() -> int:
    import os

    current = os.umask(0)
    os.umask(current)
    return current
