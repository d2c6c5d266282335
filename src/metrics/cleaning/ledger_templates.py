"""Blank ledgers for the offices to fill in, built from the same vocabulary the cleaner reads.

The templates carry the canonical headers (the first synonym of each field in headers.toml),
drop-down lists for the words shishi understands, date formatting and a 说明 sheet, so next
quarter's files need less cleaning. Written with openpyxl.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from metrics.cleaning.headers import load_table_specs
from metrics.cleaning.store import atomic_write

TEMPLATE_FILES = {
    "wishes": "心愿清单台账模板.xlsx",
    "donations": "捐款捐物登记模板.xlsx",
    "purchases": "消费帮扶采购模板.xlsx",
    "volunteering": "志愿服务活动模板.xlsx",
}
#: Drop-down choices per field type (the words the parsers read back exactly).
CHOICES = {
    "status": ["已办结", "推进中", "未启动", "已取消"],
    "kind": ["现金", "物资"],
}
BUYER_CHOICES = ["企业", "管理人员自费", "职工个人"]
HEADER_FILL = PatternFill("solid", fgColor="F3E9E9")
ROWS_WITH_RULES = 500

GUIDE = {
    "amount": "金额：填数字（元），如 12500；只知道大概时可写 约3000、6万余元。不要写“待定”。",
    "date": "日期：用 Excel 日期格式，或写成 2024年10月5日 / 2024-10-05。",
    "count": "人数：填整数，如 12；不确定可写 20余人。",
    "hours": "时长：填小时数，如 2.5。",
    "status": "办理进度：从下拉列表选择 已办结 / 推进中 / 未启动 / 已取消。",
    "kind": "类型：从下拉列表选择 现金 / 物资。",
}


def _header_label(spec_field) -> str:
    label = spec_field.synonyms[0]
    return f"{label}（元）" if spec_field.type == "amount" else label


def build_template(table: str) -> Workbook:
    """A workbook with a 台账 sheet (headers, formats, drop-downs) and a 说明 sheet."""
    spec = load_table_specs()[table]
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    fields = list(spec.fields.values())
    for col, f in enumerate(fields, start=1):
        cell = ws.cell(row=1, column=col, value=_header_label(f))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = 14 if f.type != "text" else 22
        rng = f"{letter}2:{letter}{ROWS_WITH_RULES + 1}"
        choices = CHOICES.get(f.type) or (BUYER_CHOICES if f.derive_type == "buyer_type" else None)
        if choices:
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(choices) + '"',
                allow_blank=True,
                showErrorMessage=f.derive_type != "buyer_type",
                errorTitle="请从列表中选择",
                error="请从下拉列表中选择：" + "、".join(choices),
            )
            ws.add_data_validation(dv)
            dv.add(rng)
        if f.type == "date":
            for row in range(2, ROWS_WITH_RULES + 2):
                ws.cell(row=row, column=col).number_format = "yyyy-mm-dd"
        if f.type == "amount":
            for row in range(2, ROWS_WITH_RULES + 2):
                ws.cell(row=row, column=col).number_format = "#,##0.00"
    ws.freeze_panes = "A2"
    guide = wb.create_sheet("说明")
    lines = [
        f"{spec.label}台账填写说明",
        "1. 每行一条记录，不要合并单元格，不要在表格中间插入标题或空行。",
        "2. 不需要填写合计行，统计由系统完成；如填写，请放在最后一行并写明“合计”。",
        *[
            f"{i}. {GUIDE[t]}"
            for i, t in enumerate(dict.fromkeys(f.type for f in fields if f.type in GUIDE), start=3)
        ],
        "填好后按原文件名发回，无需转换格式。",
    ]
    for r, line in enumerate(lines, start=1):
        guide.cell(row=r, column=1, value=line).font = Font(bold=(r == 1))
    guide.column_dimensions["A"].width = 90
    return wb


def write_templates(folder: Path) -> list[Path]:
    """Write the four blank ledgers into ``folder``; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for table, name in TEMPLATE_FILES.items():
        path = folder / name
        wb = build_template(table)
        atomic_write(path, lambda p, wb=wb: wb.save(p))
        paths.append(path)
    return paths
