"""The files that go out next to the leadership PDF, from the same report model.

:func:`publish` writes the Word document (:mod:`.word`) and an Excel workbook an office can
use as it is: Chinese sheet names, headers and values (已办结, 余, 约 - never resolved or
at_least), amounts with separators, dates without a time part, and columns wide enough to read.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd

from metrics import contract
from metrics.files import atomic_write, neutralize_frame
from metrics.reporting.model import SummaryReport

#: Codes in the processed tables -> the words an office reads (from the one contract).
VALUES_CN = {
    "status": contract.STATUS_LABELS,
    "kind": contract.KIND_LABELS,
    "donor_type": contract.DONOR_TYPE_LABELS,
    "buyer_type": contract.BUYER_TYPE_LABELS,
}
#: The detail sheets: one per processed table, named after its Chinese label.
DETAIL = {t: f"{contract.TABLE_LABELS[t]}明细" for t in contract.TABLES}
AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'


def detail_sheet(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A processed table with the contract's Chinese headers and values (余（至少）, 约 …)."""
    labels = contract.column_labels(table)
    out = frame[[c for c in labels if c in frame.columns]].copy()
    for col in out.columns:
        if col.endswith("qualifier"):
            out[col] = out[col].map(
                lambda q: contract.QUALIFIER_LABELS.get(q, q), na_action="ignore"
            )
        elif col in VALUES_CN:
            out[col] = out[col].map(lambda v, c=col: VALUES_CN[c].get(v, v), na_action="ignore")
    return out.rename(columns=labels)


def workbook_sheets(r: SummaryReport) -> dict[str, pd.DataFrame]:
    """Every sheet of the workbook, in the report's order."""
    sheets: dict[str, pd.DataFrame] = {}
    for t in r.tables:
        sheets[t.sheet or t.caption] = (
            t.data if t.data is not None else pd.DataFrame(t.rows, columns=t.headers)
        )
    notes = [[s.title, line] for s in r.sections for line in s.lead]
    if notes:  # what the sections say apart from their tables (near repeats, foreign, goods)
        sheets["报告说明"] = pd.DataFrame(
            [["一、总体情况", line] for line in r.sentences] + notes, columns=["部分", "说明"]
        )
    if r.targets:
        sheets["年度目标"] = pd.DataFrame(
            [[t.label, t.target, t.done, t.progress] for t in r.targets],
            columns=["指标", "年度目标", r.done_label, "完成进度"],
        )
    for name, frame in r.source_tables.items():
        if name in DETAIL:
            sheets[DETAIL[name]] = detail_sheet(name, frame)
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
