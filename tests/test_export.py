"""The Excel workbook for an office: Chinese sheets, headers and values, formats and widths."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from metrics import contract
from metrics.reporting import model
from metrics.reporting.export import Book, export_tables, publish, workbook_sheets
from test_model import MADE_ON, Q4, build, sample_tables


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
    assert amount.value == 16600 and amount.number_format == '#,##0.00"元"'
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


# --- issue 20 item 9: a workbook for analysis ----------------------------------------------------


def sheet_rows(ws: Any, header: int = 1) -> list[dict[str, Any]]:
    """A sheet's rows as dicts by header, each value with its cell (for the format)."""
    rows = list(ws.iter_rows(min_row=header))
    names = [c.value for c in rows[0]]
    return [dict(zip(names, r, strict=True)) for r in rows[1:] if any(c.value for c in r)]


def column_width(ws: Any, column: int) -> float:
    """A column's width as written (neighbours of one width are stored as one range)."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= column <= dim.max:
            return float(dim.width)
    raise AssertionError(f"column {column} has no width")


def test_headline_figures_are_numbers_with_a_chinese_format_and_their_precision(
    tmp_path: Path,
) -> None:
    r = build(targets={"volunteer_activities": 4, "donations_yuan": 200000})
    wb = load_workbook(export_tables(tmp_path / "q.xlsx", workbook_sheets(r)))
    rows = {row["指标"].value: row for row in sheet_rows(wb["主要指标"])}
    donations = rows["捐款捐物金额"]
    # 60000余 + 约42000 this quarter: the sum, a number; 约 in the column beside it
    assert donations["本季度"].value == 102000 and donations["本季度精度"].value == "约"
    assert donations["本季度"].number_format == '#,##0.00"元"'
    # wide enough for 102,000.00元 although its column's rows have formats of their own
    # (it was 9 wide: Excel and LibreOffice showed ###)
    assert column_width(wb["主要指标"], donations["本季度"].column) >= len("102,000.00元") + 2
    assert donations["上季度"].value == 16600 and donations["上季度精度"].value == "确数"
    assert "上年同期" not in donations  # no ledger of 2023: the pair is left out (no filler)
    people = rows["志愿服务参与人次"]
    assert isinstance(people["本季度"].value, int | float)
    assert people["本季度"].number_format == '#,##0"人次"'
    targets = {row["指标"].value: row for row in sheet_rows(wb["年度目标"])}
    gifts = targets["捐款捐物金额"]
    assert gifts["年度目标"].value == 200000 and gifts["年内完成"].value == 118600
    assert gifts["年内完成精度"].value == "约"
    assert gifts["完成进度"].value == pytest.approx(118600 / 200000)
    assert gifts["完成进度"].number_format == "0.0%"
    activities = targets["志愿服务活动"]
    assert activities["年度目标"].value == 4 and activities["年度目标"].number_format == '#,##0"次"'


def test_detail_sheets_hold_chinese_values_and_numbered_rows(tmp_path: Path) -> None:
    tables = sample_tables()
    gifts = tables["donations"]
    gifts["currency"], gifts["date_source"], gifts["review_repeat"] = "CNY", "column", False
    tables["wishes"]["due_on_precision"] = "day"
    r = model.build_summary(tables, Q4, made_on=MADE_ON)
    wb = load_workbook(export_tables(tmp_path / "q.xlsx", workbook_sheets(r)))
    english = re.compile(r"^(?:CNY|USD|month|day|column|True|False|TRUE|FALSE)$")
    for name in ("心愿清单明细", "捐款捐物明细", "消费帮扶采购明细", "志愿服务明细"):
        for row in wb[name].iter_rows(min_row=2, values_only=True):
            for value in row:
                assert not isinstance(value, bool), (name, row)
                assert not (isinstance(value, str) and english.match(value)), (name, value)
    don = sheet_rows(wb["捐款捐物明细"])
    assert {r["币种"].value for r in don} == {"人民币"}
    assert {r["疑似重复（合计只计一次）"].value for r in don} <= {"是", "否"}
    assert {r["日期来源"].value for r in don} <= set(contract.DATE_SOURCE_LABELS.values())
    ids = [r["序号"].value for r in sheet_rows(wb["心愿清单明细"])]
    assert ids == [1, 2, 3, 4]  # numbers an analyst sorts, not text


def test_a_deadline_written_to_the_month_keeps_its_precision(tmp_path: Path) -> None:
    tables = sample_tables()
    wishes = tables["wishes"]
    wishes["due_on_precision"] = wishes["due_on"].map(lambda d: "month" if pd.notna(d) else None)
    r = model.build_summary(tables, Q4, made_on=MADE_ON)
    wb = load_workbook(export_tables(tmp_path / "q.xlsx", workbook_sheets(r)))
    [late] = sheet_rows(wb["心愿清单_逾期"])
    assert late["计划完成时限"].value == dt.datetime(2024, 11, 1)
    assert late["计划完成时限"].number_format == 'yyyy"年"m"月"'  # not 2024年11月1日
    detail = next(
        r for r in sheet_rows(wb["心愿清单明细"]) if r["项目名称"].value == "职工书屋升级"
    )
    assert detail["计划完成时限"].number_format == 'yyyy"年"m"月"'
    assert detail["计划完成时限精度"].value == "到月"
    done = next(r for r in sheet_rows(wb["心愿清单明细"]) if r["项目名称"].value == "修缮篮球场")
    assert done["办结时间"].number_format == 'yyyy"年"m"月"d"日"'


def test_the_workbook_names_its_report_and_unit_and_prints_on_a4(tmp_path: Path) -> None:
    r = build()
    book = Book(r.metadata["title"], r.metadata["author"], "", r.draft)
    wb = load_workbook(export_tables(tmp_path / "q.xlsx", workbook_sheets(r), book))
    assert wb.properties.creator == "青江卷烟厂" != "openpyxl"
    assert wb.properties.title == r.metadata["title"]
    detail = wb["捐款捐物明细"]
    assert detail.auto_filter.ref == f"A1:{get_column_letter(detail.max_column)}{detail.max_row}"
    for ws in wb:
        assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
        # fit to one page wide (fitToWidth absent means the schema's default, 1), any tall
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1" and ws.freeze_panes == "A2"
        assert "草稿" not in (ws.oddHeader.center.text or "")


def test_a_draft_workbook_says_so_on_every_sheet(tmp_path: Path) -> None:
    r = build(blockers=["捐款登记.xlsx 无法读取"])
    assert r.draft
    path = tmp_path / "q.xlsx"
    publish_book = Book(r.metadata["title"], r.metadata["author"], "", r.draft)
    wb = load_workbook(export_tables(path, workbook_sheets(r), publish_book))
    for ws in wb:
        assert "草稿" in ws["A1"].value and "草稿" in ws.oddHeader.center.text
        assert ws.print_title_rows == "$2:$2" and ws.freeze_panes == "A3"
    assert wb.properties.contentStatus == "草稿"


def test_publish_sets_the_workbook_and_document_properties(tmp_path: Path) -> None:
    from docx import Document

    r = build()
    docx, xlsx = publish(r, tmp_path)
    assert load_workbook(xlsx).properties.creator == "青江卷烟厂"
    assert Document(str(docx)).core_properties.author == "青江卷烟厂"
