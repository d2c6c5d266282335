"""The Excel workbook for an office: Chinese sheets, headers and values, formats and widths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook

from metrics.reporting.export import export_tables, workbook_sheets
from test_model import build


def test_workbook_is_chinese_and_formatted(tmp_path: Path) -> None:
    path = export_tables(tmp_path / "q.xlsx", workbook_sheets(build()))
    wb = load_workbook(path)
    assert wb.sheetnames[:3] == ["主要指标", "本期办结实事", "心愿清单_按类别"]
    assert {"心愿清单明细", "捐款捐物明细", "消费帮扶采购明细", "志愿服务明细"} <= set(
        wb.sheetnames
    )
    wishes = wb["心愿清单明细"]
    headers = [c.value for c in wishes[1]]
    assert headers[:3] == ["序号", "项目名称", "类别"]
    status = [
        row[headers.index("办理进度")] for row in wishes.iter_rows(min_row=2, values_only=True)
    ]
    assert status == ["已办结", "已办结", "已办结", "推进中"]
    don = wb["捐款捐物明细"]
    h = [c.value for c in don[1]]
    col = h.index("金额精度") + 1
    assert [don.cell(row=r, column=col).value for r in (2, 3, 4)] == ["确数", "余（至少）", "约"]
    amount = don.cell(row=2, column=h.index("金额（元）") + 1)
    assert amount.value == 16600 and amount.number_format == "#,##0.00"
    day = don.cell(row=2, column=h.index("日期") + 1)
    assert day.value == dt.datetime(2024, 8, 1) and "年" in day.number_format
    assert don.column_dimensions["B"].width >= 10  # 项目/用途 is wider than the default
    text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value)
    for english in ("resolved", "at_least", "about", "in_kind", "enterprise"):
        assert english not in text


def test_workbook_lists_foreign_currency_goods_and_the_notes(tmp_path: Path) -> None:
    from test_model import review_report

    wb = load_workbook(export_tables(tmp_path / "q.xlsx", workbook_sheets(review_report())))
    by = [r for r in wb["捐款捐物_按项目"].iter_rows(min_row=2, values_only=True)]
    # 救助: 5000 from one row (its near repeat counted once); 抗疫: no yuan, 2 gifts
    assert by[0][:2] == ("救助", 5000) and by[0][-1] == 1
    assert by[-1][0] == "抗疫" and by[-1][1] is None and by[-1][-1] == 2
    foreign = list(wb["捐款捐物_外币"].iter_rows(values_only=True))
    assert foreign == [
        ("币种", "币种代码", "原币金额", "精度", "笔数"),
        ("美元", "USD", 33133, "确数", 1),
    ]
    goods = list(wb["捐款捐物_物资"].iter_rows(values_only=True))
    assert goods == [("物资", "数量", "计量单位", "笔数"), ("防护口罩", 12500, "包", 1)]
    notes = [r[1] for r in wb["报告说明"].iter_rows(min_row=2, values_only=True)]
    assert "2024年1—12月捐款捐物中有2笔疑似重复，待核实（已按一笔计入）。" in notes
    assert (
        "报告说明"
        not in load_workbook(
            export_tables(tmp_path / "s.xlsx", workbook_sheets(build()))
        ).sheetnames
    )
