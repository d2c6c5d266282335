"""Blank ledgers for the offices to fill in, built from the same vocabulary the cleaner reads.

One workbook per office, table and period (捐款捐物登记_卷包车间_2025Q1.xlsx), so files sent
back by eight offices never share a name. Each carries a title, the 填报单位 / 填报期间 /
填报人 / 审核人 / 填报日期 lines the cleaner records as provenance, the canonical headers (the
first synonym of each field in headers.toml), drop-down lists from vocab.toml and the unit's
branch list, date formatting, and a 说明 sheet that says how to fill, name and send the file.
Written with openpyxl; the files get the user's usual permissions (umask), like any file saved.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from metrics.cleaning.headers import FieldSpec, load_table_specs
from metrics.cleaning.parsing import load_vocab
from metrics.cleaning.statuses import status_table
from metrics.cleaning.template_names import TEMPLATE_STEMS, template_name
from metrics.files import atomic_write
from metrics.periods import Period

HEADER_FILL = PatternFill("solid", fgColor="F3E9E9")
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
ROWS_WITH_RULES = 500
#: Excel row of the header; rows 1-2 are the title and the 填报 line, row 3 is left empty.
HEADER_ROW = 4
LEDGER_SHEET = "台账"
GUIDE_SHEET = "说明"
#: The 填报 line: (label, provenance key); the cleaner reads them back (cleaning/provenance.py).
PROVENANCE_FIELDS = (
    ("填报单位", "unit"),
    ("填报期间", "period"),
    ("填报人", "filled_by"),
    ("审核人", "reviewed_by"),
    ("填报日期", "filled_on"),
)
GUIDE = {
    "amount": "金额：填数字（元），如 12500；只知道大概时可写 约3000、6万余元。不要写“待定”。",
    "date": "日期：用 Excel 日期格式，或写成 2024年10月5日 / 2024-10-05。",
    "count": "人数：填整数，如 12；不确定可写 20余人。",
    "hours": "时长：填小时数，如 2.5。",
    "status": "办理进度：从下拉列表选择。",
    "kind": "类型：从下拉列表选择 现金 / 物资。",
    "quantity": "数量：物资的数量，填数字，如 20；计量单位（箱、件、台）写在前面“计量单位”一栏。",
}
#: What one field of one ledger needs said beyond its type's line (the donation amount holds
#: the value of goods too).
GUIDE_FIELDS = {
    "donations.amount_yuan": (
        "金额：现金填捐款金额（元），如 12500；只知道大概时可写 约3000、6万余元，不要写“待定”。"
        "捐物资的，类型选“物资”，填物资名称、数量、计量单位；这一栏填物资的折合金额（元），"
        "按入库或发票价值填写，只是估计的写“约”，如 约3000；不知道价值的空着，只报数量。"
    ),
}
#: A comment on a header cell, shown when the clerk points at it in Excel.
HEADER_NOTES = {
    "donations.amount_yuan": "现金：捐款金额；物资：折合金额（元），不知道可空着",
    "donations.quantity": "物资的数量，填数字；单位写在“计量单位”一栏",
}


def field_choices(table: str, f: FieldSpec, branches: Sequence[str]) -> list[str]:
    """The drop-down words of one field: status and kind words, vocab lists, or the branches."""
    vocab = load_vocab()
    key = f"{table}.{f.name}"
    choices = vocab.get("template_choices", {})
    if f.type == "status":
        return list(status_table().first_words().values())
    if f.type == "kind":
        return [words[0] for words in vocab["kinds"].values()]
    if key in choices and key != "branch_fields":
        return list(choices[key])
    if key in choices.get("branch_fields", []):
        return list(branches)
    return []


def _strict(f: FieldSpec) -> bool:
    """Status and kind must be one of the listed words; other lists only suggest."""
    return f.type in {"status", "kind"}


def _header_label(f: FieldSpec) -> str:
    label = f.synonyms[0]
    return f"{label}（元）" if f.type == "amount" else label


def build_template(
    table: str,
    *,
    office: str = "",
    period: Period | None = None,
    unit: str = "",
    branches: Sequence[str] = (),
) -> Workbook:
    """A workbook with a 台账 sheet (title, 填报 line, headers, drop-downs) and a 说明 sheet."""
    spec = load_table_specs()[table]
    wb = Workbook()
    ws = wb.active
    ws.title = LEDGER_SHEET
    guide = wb.create_sheet(GUIDE_SHEET)
    fields = [f for f in spec.fields.values() if f.in_template]

    when = period.label_cn if period else ""
    title = " ".join(p for p in (unit, office, f"{spec.label}台账") if p) + (when and f"（{when}）")
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    values = {"unit": office or unit, "period": period.label if period else ""}
    for i, (label, key) in enumerate(PROVENANCE_FIELDS):
        ws.cell(row=2, column=2 * i + 1, value=label).font = Font(bold=True)
        cell = ws.cell(row=2, column=2 * i + 2, value=values.get(key) or None)
        cell.fill = INPUT_FILL
        if key == "filled_on":
            cell.number_format = "yyyy-mm-dd"

    first, last = HEADER_ROW + 1, HEADER_ROW + ROWS_WITH_RULES
    list_col = 4  # drop-down words go on the 说明 sheet from column D, one list per column
    for col, f in enumerate(fields, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=_header_label(f))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        if note := HEADER_NOTES.get(f"{table}.{f.name}"):
            cell.comment = Comment(note, "shishi")
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = 14 if f.type != "text" else 22
        choices = field_choices(table, f, branches)
        if choices:
            src = get_column_letter(list_col)
            guide.cell(row=1, column=list_col, value=f"下拉选项：{_header_label(f)}").font = Font(
                bold=True
            )
            for r, word in enumerate(choices, start=2):
                guide.cell(row=r, column=list_col, value=word)
            guide.column_dimensions[src].width = 16
            dv = DataValidation(
                type="list",
                formula1=f"{quote_sheetname(GUIDE_SHEET)}!${src}$2:${src}${len(choices) + 1}",
                allow_blank=True,
                showErrorMessage=_strict(f),
                errorTitle="请从列表中选择",
                error="请从下拉列表中选择：" + "、".join(choices),
            )
            ws.add_data_validation(dv)
            dv.add(f"{letter}{first}:{letter}{last}")
            list_col += 1
        if f.type in {"date", "amount"}:
            fmt = "yyyy-mm-dd" if f.type == "date" else "#,##0.00"
            for row in range(first, last + 1):
                ws.cell(row=row, column=col).number_format = fmt
    ws.freeze_panes = f"A{first}"

    name = template_name(table, office, period.label if period else "")
    lines = [
        f"{spec.label}台账填写说明",
        "1. 先在第2行填写 填报人、审核人、填报日期（填报单位和填报期间已填好，请勿改动）。",
        f"2. 从第{first}行起每行一条记录；不要合并单元格，不要在表格中间插入标题或空行。",
        "3. 不需要填写合计行，统计由系统完成；如填写，请放在最后一行并写明“合计”。",
        *[f"{i}. {line}" for i, line in enumerate(_guide_lines(table, fields), start=4)],
        "",
        "如何发回：",
        f"• 文件名请保持为「{name}」：其中已写明部门和期间，各部门的文件不会重名、不会互相覆盖。",
        "• 如需改名，请保留部门名称和期间，不要改成“台账.xlsx”之类的通用名称。",
        "• 保存为 .xlsx 格式后，通过邮件或内网发给"
        + (f"{unit}" if unit else "本单位")
        + "的统计分析人员。",
        "• 本期没有要登记的，也请填好填报人、填报日期，把这份空表发回：统计时记为“本期无”；"
        "不发回会记为“未收到”，报告要等齐了才能出。",
        "• 发出后需要更正的，请整份重新发送：在文件名后加上“_更正”（如「"
        + name.removesuffix(".xlsx")
        + "_更正.xlsx」），并把填报日期改为更正的日期；新的一份会替换旧的一份，不会重复统计。",
        "• 右侧各列是下拉选项的来源，请勿修改本页。",
    ]
    for r, line in enumerate(lines, start=1):
        guide.cell(row=r, column=1, value=line).font = Font(bold=(r == 1))
    guide.column_dimensions["A"].width = 90
    return wb


def _guide_lines(table: str, fields: list[FieldSpec]) -> list[str]:
    """One line per kind of cell to fill (amount, date, …), a field's own line where it has one."""
    lines: dict[str, str] = {}
    for f in fields:
        own = GUIDE_FIELDS.get(f"{table}.{f.name}")
        if own is not None:
            lines[f"{table}.{f.name}"] = own
        elif f.type in GUIDE and f.type not in lines:
            lines[f.type] = GUIDE[f.type]
    return list(lines.values())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_templates(
    folder: Path,
    *,
    period: Period | None = None,
    offices: Sequence[str] = (),
    unit: str = "",
    branches: Sequence[str] | None = None,
) -> list[Path]:
    """Write one blank ledger per office and table into ``folder``; returns their paths.

    Without offices, one ledger per table (named for the period only). ``branches`` feed the
    drop-down of department / organizer columns (default: the offices).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    mode = 0o666 & ~_umask()
    paths = []
    for office in list(offices) or [""]:
        for table in TEMPLATE_STEMS:
            path = folder / template_name(table, office, period.label if period else "")
            wb = build_template(
                table,
                office=office,
                period=period,
                unit=unit,
                branches=list(offices) if branches is None else branches,
            )
            atomic_write(path, wb.save)
            os.chmod(path, mode)  # a temporary file is made 0600; a saved ledger is not secret
            paths.append(path)
    return paths


def unit_settings(raw_dir: Path | None) -> tuple[str, list[str]]:
    """The unit's name and branches from ``raw_dir``'s shishi.toml ("", [] without one)."""
    if raw_dir is None:
        return "", []
    from metrics.config import load_config

    config = load_config(Path(raw_dir))
    return config.unit_name or "", list(config.branches)


def write_unit_templates(
    folder: Path, raw_dir: Path | None, period: Period | None = None
) -> list[Path]:
    """One set of blank ledgers per branch listed in ``raw_dir``'s shishi.toml."""
    unit, branches = unit_settings(raw_dir)
    return write_templates(folder, period=period, offices=branches, unit=unit)
