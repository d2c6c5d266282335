"""The files that go out next to the leadership PDF, from the same report model.

:func:`publish` writes the Word document (:mod:`.word`) and an Excel workbook for analysis:
Chinese sheet names, headers and values (已办结, 人民币, 否, 到月 - never resolved, CNY, FALSE or
month); every figure a number with a Chinese display format (#,##0.00"元", 0.0%, 0"人次") and
its 约/余 in a 精度 column beside it; a month-precise deadline shown to the month; 序号 as a
number where the ledger numbered its rows; title and author set; autofilter and A4 landscape
print settings (fit to width, the header row on every page); and on a draft a 草稿 title row
and page header. Sheets are streamed (XlsxWriter's constant-memory mode), so a 37k-row ledger
does not hold every cell in memory as an object.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from metrics import contract
from metrics.contract import Col
from metrics.files import atomic_write, neutralize_frame
from metrics.reporting.model import SummaryReport
from metrics.reporting.safe_text import output_frame, plain
from metrics.reporting.text import currency_name, excel_date_format

#: Codes in the processed tables -> the words an office reads (from the one contract).
VALUES_CN = {
    "status": contract.STATUS_LABELS,
    "kind": contract.KIND_LABELS,
    Col.DONOR_TYPE: contract.DONOR_TYPE_LABELS,
    Col.BUYER_TYPE: contract.BUYER_TYPE_LABELS,
    Col.DATE_SOURCE: contract.DATE_SOURCE_LABELS,
    Col.DUE_ON_PRECISION: contract.DATE_PRECISION_LABELS,
}
#: The detail sheets: one per processed table, named after its Chinese label.
DETAIL = {t: f"{contract.TABLE_LABELS[t]}明细" for t in contract.TABLES}
YES_NO = {True: "是", False: "否"}
AMOUNT_FORMAT = '#,##0.00"元"'
PLAIN_AMOUNT_FORMAT = "#,##0.00"  # an amount in another currency (原币金额)
DATE_FORMAT = excel_date_format("day")
PERCENT_FORMAT = "0.0%"
#: A count of people, by the end of its header: 参与人数 12 is shown 12人.
COUNT_UNITS = {"人次": "人次", "人数": "人"}
#: What a draft says, on its title row and in the page header.
DRAFT_MARK = "草稿（数据不完整，数字不可引用）"
HEADER_FILL = "F3E9E9"


@dataclass
class Sheet:
    """One sheet: its frame, formats that a column's dtype does not say, and whether it lists
    rows an analyst filters (an autofilter on its header)."""

    frame: pd.DataFrame
    #: column -> number format, or one format per row (a deadline to the day or to the month)
    formats: dict[str, str | list[str]] = field(default_factory=dict)
    detail: bool = False


# --- sheets from the model -----------------------------------------------------------------------


def _label(col: str, value: Any, table: str) -> Any:
    if col.endswith("qualifier"):
        return contract.QUALIFIER_LABELS.get(value, value)
    if col in VALUES_CN:
        return VALUES_CN[col].get(value, value)
    if col == "currency":
        return "人民币" if value == "CNY" else currency_name(value)
    if col == Col.FILLED_DOWN:
        return contract.column_labels(table).get(value, value)
    return value


def _numbered(ids: pd.Series) -> pd.Series:
    """序号 as numbers where every one is a whole number (1, 2, 3), as written otherwise (1-1)."""
    numbers = pd.to_numeric(ids, errors="coerce")
    whole = numbers.dropna()
    if len(whole) == ids.notna().sum() and (whole == whole.round()).all():
        return numbers.astype("Int64")
    return ids


def detail_sheet(table: str, frame: pd.DataFrame) -> Sheet:
    """A processed table with the contract's Chinese headers and values (余（至少）, 人民币, 否…);
    a deadline written to the month keeps that precision in its cell format."""
    labels = contract.column_labels(table)
    out = frame[[c for c in labels if c in frame.columns]].copy()
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(YES_NO)
        elif col == Col.ITEM_ID:
            out[col] = _numbered(out[col])
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v, c=col: _label(c, v, table), na_action="ignore")
    formats: dict[str, str | list[str]] = {}
    if Col.DUE_ON_PRECISION in frame.columns and Col.DUE_ON in out.columns:
        formats[labels[Col.DUE_ON]] = _date_formats(frame[Col.DUE_ON_PRECISION])
    if Col.AMOUNT_ORIGINAL in out.columns:
        formats[labels[Col.AMOUNT_ORIGINAL]] = PLAIN_AMOUNT_FORMAT
    return Sheet(out.rename(columns=labels), formats, detail=True)


def _date_formats(precision: pd.Series) -> list[str]:
    return [excel_date_format(p) for p in precision]


def _model_sheet(frame: pd.DataFrame) -> Sheet:
    """A table of the report: a deadline's 精度 (day/month) becomes its format and a word; a
    figure with a 精度 beside it and a 计量单位 on its row is shown with that unit."""
    out = frame.copy()
    formats: dict[str, str | list[str]] = {}
    for col in frame.columns:
        precision = f"{col}精度"
        if precision not in frame.columns:
            continue
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            formats[col] = _date_formats(frame[precision])
            out[precision] = frame[precision].map(
                lambda p: contract.DATE_PRECISION_LABELS.get(p, p), na_action="ignore"
            )
        elif "计量单位" in frame.columns:
            formats[col] = [_unit_format(u) for u in frame["计量单位"]]
    return Sheet(out, formats)


def _unit_format(unit: Any) -> str:
    return AMOUNT_FORMAT if unit == "元" else f'#,##0"{unit}"' if unit else "General"


def _targets_sheet(r: SummaryReport) -> Sheet:
    """年度目标 as numbers: the target, what was done with its 精度, and the share done."""
    rows = []
    for t in r.targets:
        q = t.done_value
        done = q.value if q is not None else None
        rows.append(
            {
                "指标": t.label,
                "计量单位": t.unit,
                "年度目标": t.goal,
                r.done_label: done,
                f"{r.done_label}精度": contract.QUALIFIER_LABELS.get(q.qualifier, q.qualifier)
                if q is not None and done is not None
                else t.done,
                "完成进度": t.share if done is not None else None,
                "完成进度说明": t.progress,
            }
        )
    frame = pd.DataFrame(rows)
    units = [_unit_format(t.unit) for t in r.targets]
    return Sheet(
        frame,
        {"年度目标": units, r.done_label: units, "完成进度": PERCENT_FORMAT},
    )


def workbook_sheets(r: SummaryReport) -> dict[str, Sheet]:
    """Every sheet of the workbook, in the report's order."""
    sheets: dict[str, Sheet] = {}
    for t in r.tables:
        frame = t.data if t.data is not None else pd.DataFrame(t.rows, columns=t.headers)
        sheets[t.sheet or t.caption] = _model_sheet(frame)
    notes = [[s.title, line] for s in r.sections for line in s.lead]
    if notes:  # what the sections say apart from their tables (near repeats, foreign, goods)
        rows = [["一、总体情况", line] for line in r.sentences] + notes
        sheets["报告说明"] = Sheet(pd.DataFrame(rows, columns=["部分", "说明"]))
    if r.targets:
        sheets["年度目标"] = _targets_sheet(r)
    for name, frame in r.source_tables.items():
        if name in DETAIL:
            sheets[DETAIL[name]] = detail_sheet(name, frame)
    return sheets


# --- writing -------------------------------------------------------------------------------------


def _width(value: object) -> int:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_name(name: str) -> str:
    """A name Excel accepts for a sheet: :func:`plain`, no \\ / ? * [ ] :, 31 characters."""
    return re.sub(r"[\\/?*\[\]:]", "_", plain(name))[:31] or "Sheet"


def _format(header: str, column: pd.Series) -> str | None:
    """The display format a column's dtype and header ask for (None: as Excel shows it)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return DATE_FORMAT
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return None
    if header in ("办结率", "完成进度"):
        return PERCENT_FORMAT
    if "元" in header or "金额" in header:
        return AMOUNT_FORMAT
    unit = next((u for end, u in COUNT_UNITS.items() if header.endswith(end)), "")
    if unit:
        return f'#,##0"{unit}"'
    if pd.api.types.is_integer_dtype(column):
        return "0"
    return "General"


def _cells(frame: pd.DataFrame) -> list[list[Any]]:
    """Plain Python values, row by row: None for every kind of missing, datetimes at midnight
    (no time part), and text neutralized so Excel never runs it as a formula."""
    safe = neutralize_frame(output_frame(frame))  # controls, bidi, ID numbers
    for col in safe.columns:
        if pd.api.types.is_datetime64_any_dtype(safe[col]):
            stamps = safe[col]
            if isinstance(stamps.dtype, pd.DatetimeTZDtype):
                stamps = stamps.dt.tz_localize(None)
            safe[col] = stamps.dt.normalize()
    values = safe.astype(object).where(safe.notna(), None)
    return values.to_numpy().tolist()


@dataclass(frozen=True)
class Book:
    """What the whole workbook says about itself."""

    title: str = ""
    author: str = ""
    subject: str = ""
    draft: bool = False
    now: dt.datetime | None = None


def _properties(wb: Any, book: Book) -> None:
    now = (book.now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    wb.set_properties(
        {
            "title": book.title,
            "subject": book.subject,
            "author": book.author or "shishi",  # never a library's name
            "created": now.replace(microsecond=0),  # also the modified date
            "status": "草稿" if book.draft else "",
            "keywords": "草稿" if book.draft else "",
        }
    )


class _Formats:
    """The workbook's cell formats, each made once (XlsxWriter keeps every one it is given)."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.made: dict[str | None, Any] = {}
        self.header = wb.add_format(
            {"bold": True, "bg_color": f"#{HEADER_FILL}", "text_wrap": True, "valign": "vcenter"}
        )
        self.mark = wb.add_format({"bold": True, "font_color": "#B00000"})

    def number(self, fmt: str | None) -> Any:
        if fmt not in self.made:
            self.made[fmt] = self.wb.add_format({"num_format": fmt}) if fmt else None
        return self.made[fmt]


def _column_setup(ws: Any, frame: pd.DataFrame, formats: dict[str, Any]) -> list[Any]:
    """Widths, and each column's format: one str, one list (a format per row) or None."""
    out = []
    for i, col in enumerate(frame.columns):
        fmt = formats.get(str(col), _format(str(col), frame[col]))
        widest = max([_width(col), *(_width(v) for v in frame[col].head(500))])
        width = min(max(widest, 6) + 2, 50)
        # room for 1,234,567.00元 (else Excel shows ###), also where rows have formats of their own
        amounts = AMOUNT_FORMAT in (fmt if isinstance(fmt, list) else [fmt])
        if pd.api.types.is_datetime64_any_dtype(frame[col]) or amounts:
            width = max(width, 16)
        ws.set_column(i, i, width)
        out.append(fmt)
    return out


def _rows(ws: Any, first: int, rows: list[list[Any]], formats: list[Any], made: _Formats) -> None:
    """Write the rows from sheet row ``first`` (0-based) on, each value by its own type, with
    its column's format (or its row's, where a column has one per row); None stays empty."""
    write_string, write_number = ws.write_string, ws.write_number
    per_column = [made.number(f) if not isinstance(f, list) else None for f in formats]
    for n, row in enumerate(rows, start=first):
        for i, value in enumerate(row):
            if value is None:
                continue
            fmt = formats[i]
            style = made.number(fmt[n - first]) if isinstance(fmt, list) else per_column[i]
            kind = type(value)
            if kind is str:
                write_string(n, i, value, style)
            elif kind is float or kind is int:
                write_number(n, i, value, style)
            elif isinstance(value, bool):
                ws.write_boolean(n, i, value, style)
            elif isinstance(value, dt.date):  # datetimes and Timestamps too
                ws.write_datetime(n, i, value, style or made.number(DATE_FORMAT))
            elif isinstance(value, numbers.Real):
                write_number(n, i, float(value), style)
            else:
                write_string(n, i, str(value), style)


def _print_setup(ws: Any, header_row: int, n_cols: int, n_rows: int, book: Book, detail: bool):
    """``header_row`` 0-based: frozen below it, printed on every page, filtered on a detail."""
    ws.freeze_panes(header_row + 1, 0)
    if detail and n_cols:
        ws.autofilter(header_row, 0, header_row + n_rows, n_cols - 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_footer("&C第 &P 页，共 &N 页")
    if book.draft:
        ws.set_header(f"&C{DRAFT_MARK}")


def _write_sheet(wb: Any, name: str, sheet: Sheet, book: Book, made: _Formats) -> None:
    ws = wb.add_worksheet(name)
    frame = sheet.frame
    formats = _column_setup(ws, frame, sheet.formats)
    header_row = 1 if book.draft else 0
    _print_setup(ws, header_row, len(frame.columns), len(frame), book, sheet.detail)
    if book.draft:
        ws.write_string(0, 0, DRAFT_MARK, made.mark)
    for i, col in enumerate(frame.columns):
        ws.write_string(header_row, i, str(col), made.header)
    _rows(ws, header_row + 1, _cells(frame), formats, made)


def _sheet_names(names: Sequence[str]) -> list[str]:
    """Names Excel accepts (:func:`sheet_name`), made unique where cutting to 31 characters
    made two alike (Excel compares them ignoring case)."""
    out: list[str] = []
    for name in names:
        base, n, chosen = sheet_name(name), 1, sheet_name(name)
        while chosen.casefold() in {o.casefold() for o in out}:
            n += 1
            chosen = f"{base[: 31 - len(str(n)) - 1]}_{n}"
        out.append(chosen)
    return out


def export_tables(
    path: Path, sheets: Mapping[str, pd.DataFrame | Sheet], book: Book | None = None
) -> Path:
    """One workbook, one sheet per table, formatted for reading in Excel; formulas neutralized.

    XlsxWriter in constant-memory mode writes each row out as it is given (a 37k-row detail
    sheet in about 60 % of openpyxl's write-only time)."""
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    book = book or Book()

    def write(tmp: Path) -> None:
        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "nan_inf_to_errors": True})
        _properties(wb, book)
        made = _Formats(wb)
        for name, (_, sheet) in zip(_sheet_names(list(sheets)), sheets.items(), strict=True):
            _write_sheet(wb, name, sheet if isinstance(sheet, Sheet) else Sheet(sheet), book, made)
        if not sheets:
            wb.add_worksheet("空")
        try:
            wb.close()
        except FileCreateError as exc:  # XlsxWriter's wrapper of the OSError (disk full, …)
            raise (
                exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))
            ) from exc

    atomic_write(Path(path), write)
    return Path(path)


def publish(r: SummaryReport, out_dir: str | Path | None) -> list[Path]:
    """Write <out_dir>/quarterly_summary.docx and .xlsx (nothing without an out_dir)."""
    if not out_dir:
        return []
    from metrics.reporting.word import write_docx

    folder = Path(out_dir)
    now = dt.datetime.now(dt.UTC)
    book = Book(  # document properties are XML too: the same sanitiser as every cell
        plain(r.metadata.get("title", r.title)),
        plain(r.metadata.get("author", r.unit_name)),
        plain(r.metadata.get("subject", "")),
        r.draft,
        now,
    )
    written = [
        write_docx(r, folder / "quarterly_summary.docx", now),
        export_tables(folder / "quarterly_summary.xlsx", workbook_sheets(r), book),
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
