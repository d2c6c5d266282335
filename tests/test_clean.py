"""A folder holding every trap at once, cleaned with exact expected totals.

The workbooks are built here in code (title rows, merged cells, traditional headers, units in
headers, text amounts, Excel serial dates, 合计 and 注： rows, a GB18030 CSV sent twice, a
damaged and a password-protected file), so each expectation below is computed by hand from
what the test wrote.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from conftest import assert_reconciled
from metrics.cleaning.store import run_clean
from metrics.running.cli import main

EXCEL_EPOCH = dt.date(1899, 12, 30)


def serial(day: dt.date) -> int:
    return (day - EXCEL_EPOCH).days


def donations_workbook(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "2024Q4"
    ws.append(["2024年第四季度捐款捐物登记表"])
    ws.merge_cells("A1:F1")
    ws.append(["填报单位：工会", None, None, "日期：2025年1月5日"])
    ws.append(["日期", "項目/用途", "捐贈方", "類型", "金額（元）", "備註"])  # row 3, traditional
    ws.append([dt.datetime(2024, 10, 8), "白血病救助", "卷包车间分工会", "现金", "6万余元", None])
    ws.append(["10月15日", "温暖包", "后勤五党支部", "物资", "约3千元", None])  # year from sheet
    ws.append([None, None, None, None, None, None])  # blank row 6
    ws.append([serial(dt.date(2024, 11, 5)), "慰问", "张三", "现金", "¥1,200.00", None])
    ws.append(["2024.12.1", "助学", "李四", "现金", "１５００", None])  # full-width digits
    ws.append(["2024/12/05", "助学", "王五", "现金", "待定", None])  # row 9: rejected
    ws.append([dt.datetime(2024, 12, 10), "助学", "赵六", "現金", "1.2万", "@SUM(A1)"])
    ws.append(["合计", None, None, None, 77700, None])  # row 11
    ws.append(["注：金额单位为元。"])  # row 12
    notes = wb.create_sheet("说明")
    notes.append(["本表由工会填写，每季度报送一次。"])
    # a sheet whose amount column has an unknown name: reported with the nearest synonym
    odd = wb.create_sheet("2024Q3")
    odd.append(["日期", "捐赠方", "款项", "备注"])
    odd.append([dt.datetime(2024, 8, 1), "张三", 100, None])
    wb.save(path)


def wishes_workbook(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["职工心愿清单台账"])
    ws.append(
        [
            "序号",
            "项目名称",
            "类别",
            "责任部门",
            "提出时间",
            "计划完成时限",
            "办理进度",
            "办结时间",
            "投入资金（万元）",
        ]
    )
    ws.append(
        [1, "修缮篮球场", "文体活动", "工会", "2024年1月", "2024年6月", "已辦結", "2024.5.20", 1.2]
    )
    ws.append(
        [2, "门禁改造", "生活保障", "保卫科", "2024/01/20", "2024年9月", "推进中", None, "约0.5"]
    )
    ws.append(
        [
            3,
            "职工书屋",
            "成长成才",
            "党群部",
            serial(dt.date(2024, 2, 1)),
            "2025年3月",
            "未启动",
            None,
            "—",
        ]
    )
    ws.append(
        [4, "浴室热水", "生活保障", "后勤", "2024年3月", "2024年12月", "完成", "2024年11月", 0.8]
    )
    ws.append(["合计", None, None, None, None, None, None, None, 2.5])
    wb.save(path)


VOLUNTEER_ROWS = [
    ["活动日期", "组织单位", "活动名称", "类别", "参与人数", "服务时长", "服务成果"],
    [
        "2024-10-12",
        "制丝车间党支部",
        "协助搭建核酸检测帐篷",
        "疫情防控",
        "二十余人",
        "半天",
        "搭建帐篷30余顶",
    ],
    ["2024年11月3日", "后勤五党支部", "寒冬送暖", "关爱儿童", "15人", "2.5小时", "送达温暖包120个"],
    [],
    ["2024.12.8", "后勤三党支部", "照顾卧床职工", "关爱老人", "6", "3", ""],
]


def volunteer_csv(path: Path) -> None:
    buf = io.StringIO()
    csv.writer(buf).writerows(VOLUNTEER_ROWS)
    path.write_bytes(buf.getvalue().encode("gb18030"))


def no_year_csv(path: Path) -> None:
    rows = [
        ["活动日期", "组织单位", "活动名称", "参与人数"],
        ["10月5日", "机关党支部", "文明创建", "8"],
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8-sig")


@pytest.fixture
def trap_folder(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    donations_workbook(raw / "捐款登记.xlsx")
    wishes_workbook(raw / "心愿清单2024.xlsx")
    volunteer_csv(raw / "志愿服务2024Q4.csv")
    shutil.copy(raw / "志愿服务2024Q4.csv", raw / "志愿服务2024Q4(1).csv")
    no_year_csv(raw / "机关活动.csv")
    (raw / "损坏.xlsx").write_bytes(b"PK\x03\x04 this is not really a zip")
    (raw / "加密.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    (raw / "备注.docx").write_bytes(b"not a spreadsheet")
    return raw


@pytest.fixture
def outcome(trap_folder: Path, tmp_path: Path):
    return run_clean(trap_folder, tmp_path / "processed")


def sheet(outcome, file: str, name: str) -> dict:
    f = next(f for f in outcome.manifest["files"] if f["file"] == file)
    return next(s for s in f["sheets"] if s["sheet"] == name)


def test_donations_exact_totals_and_verdicts(outcome) -> None:
    don = outcome.tables["donations"].sort_values("source_row")
    assert don["source_row"].tolist() == [4, 5, 7, 8, 10]
    assert don["amount_yuan"].tolist() == [60000.0, 3000.0, 1200.0, 1500.0, 12000.0]
    assert don["amount_qualifier"].tolist() == ["at_least", "about", "exact", "exact", "exact"]
    assert don["kind"].tolist() == ["cash", "in_kind", "cash", "cash", "cash"]
    assert don["date"].dt.date.tolist() == [
        dt.date(2024, 10, 8),
        dt.date(2024, 10, 15),
        dt.date(2024, 11, 5),
        dt.date(2024, 12, 1),
        dt.date(2024, 12, 10),
    ]
    s = sheet(outcome, "捐款登记.xlsx", "2024Q4")
    assert s["table"] == "donations" and s["header_row"] == 3
    assert (s["rows_read"], s["accepted"], s["rejected"]) == (9, 5, 1)
    assert (s["skipped_blank"], s["skipped_total"], s["skipped_note"], s["duplicates"]) == (
        1,
        1,
        1,
        0,
    )
    assert s["reconciled"] is True
    [total] = s["total_rows"]
    assert total["excel_row"] == 11 and total["status"] == "agree" and total["computed"] == 77700


def test_rejects_name_file_sheet_row_value_and_expectation(outcome) -> None:
    rej = outcome.rejects
    row = rej[(rej["source_file"] == "捐款登记.xlsx") & (rej["source_row"] == 9)]
    assert len(row) == 1
    r = row.iloc[0]
    assert (r["source_sheet"], r["value"], r["table"]) == ("2024Q4", "待定", "donations")
    assert "待定" in r["reason"] and "万" in r["reason"]  # says what a valid amount looks like


def test_date_without_year_rejected_when_ambiguous(outcome) -> None:
    rej = outcome.rejects
    row = rej[rej["source_file"] == "机关活动.csv"]
    assert row["source_row"].tolist() == [2]
    assert "年份" in row.iloc[0]["reason"]


def test_wishes_units_in_header_and_traditional_status(outcome) -> None:
    w = outcome.tables["wishes"].sort_values("source_row")
    assert w["cost_yuan"].tolist()[:2] == [12000.0, 5000.0]
    assert pd.isna(w["cost_yuan"].tolist()[2])
    assert w["cost_qualifier"].tolist()[:2] == ["exact", "about"]
    assert w["status"].tolist() == ["resolved", "in_progress", "pending", "resolved"]
    assert w["raised_on"].dt.date.tolist() == [
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 20),
        dt.date(2024, 2, 1),
        dt.date(2024, 3, 1),
    ]
    s = sheet(outcome, "心愿清单2024.xlsx", "台账")
    [total] = s["total_rows"]
    # 1.2 + 0.8 exact + about 0.5 -> 25,000 about; the sheet says 2.5 万: agree
    assert total["computed"] == 25000 and total["status"] == "agree"


def test_gb18030_csv_read_and_copy_counted_once(outcome) -> None:
    vol = outcome.tables["volunteering"]
    assert sorted(vol["source_file"].unique()) == ["志愿服务2024Q4.csv"]
    assert len(vol) == 3
    tents = vol[vol["organizer"] == "制丝车间党支部"].iloc[0]
    assert tents["participants"] == 20 and tents["participants_qualifier"] == "at_least"
    assert tents["hours"] == 4.0 and tents["outcome"] == "搭建帐篷30余顶"
    copy = sheet(outcome, "志愿服务2024Q4(1).csv", "志愿服务2024Q4(1)")
    assert (copy["rows_read"], copy["accepted"], copy["duplicates"], copy["skipped_blank"]) == (
        4,
        0,
        3,
        1,
    )
    copy_file = next(f for f in outcome.manifest["files"] if f["file"] == "志愿服务2024Q4(1).csv")
    assert copy_file["same_content_as"] == "志愿服务2024Q4.csv"


def test_every_sheet_reconciles(outcome) -> None:
    for f in outcome.manifest["files"]:
        for s in f["sheets"]:
            if "rows_read" in s:
                assert_reconciled(s, (f["file"], s["sheet"]))


def test_broken_files_reported_and_others_go_on(outcome) -> None:
    errors = {n.file: n.message for n in outcome.notices if n.level == "error" and n.sheet is None}
    assert "损坏" in errors["损坏.xlsx"] or "不是" in errors["损坏.xlsx"]
    assert "密码" in errors["加密.xlsx"]
    assert "不是表格文件" in errors["备注.docx"]
    assert len(outcome.tables["donations"]) == 5  # the rest was still read


def test_missing_required_column_names_column_and_nearest_header(outcome) -> None:
    notice = next(n for n in outcome.notices if n.sheet == "2024Q3")
    assert notice.level == "error"
    assert "金额" in notice.message and "款项" in notice.message
    info = next(n for n in outcome.notices if n.sheet == "说明")
    assert info.level == "info"


def test_outputs_written_with_bom_and_neutralized(outcome, tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    raw = (processed / "rejects.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["totals"]["rejected"] == 2
    back = pd.read_parquet(processed / "donations.parquet")
    assert back["note"].dropna().tolist() == ["@SUM(A1)"]  # parquet keeps the value as sent
    text = (processed / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "待定" in text


def test_raw_folder_untouched_by_clean_command(trap_folder: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in trap_folder.iterdir()}
    assert main(["clean", "--raw", str(trap_folder), "--out", str(tmp_path / "out")]) == 0
    assert {p.name: p.read_bytes() for p in trap_folder.iterdir()} == before


@pytest.mark.parametrize("multiplier", [1.0, 10000.0])
@pytest.mark.parametrize("number", [0.125, 12500, -3.3333, 1e15 + 0.5, 1e307, float("inf"), 2**70])
def test_number_cells_read_in_bulk_agree_with_the_cell_parser(
    number: float, multiplier: float
) -> None:
    """The column-wise shortcut for number cells must give what parse_amount gives, cell by cell."""
    import numpy as np

    from metrics.cleaning.parsing import parse_amount
    from metrics.cleaning.rows import parse_column

    values, quals, errs = parse_column(np.array([number], dtype=object), "amount", multiplier, None)
    expected = parse_amount(number, multiplier)
    assert (values[0], quals[0], errs[0] is None) == (
        expected.value,
        expected.qualifier,
        expected.error is None,
    )


SAMPLE = Path(__file__).resolve().parents[1] / "data" / "raw"


class CountingProgress:
    """Stands in for a tqdm bar: records the total it is given and every update."""

    def __init__(self) -> None:
        self.total: float | None = None
        self.updates: list[float] = []

    def update(self, n: float = 1) -> None:
        self.updates.append(n)


def test_progress_counts_every_row_once(tmp_path: Path) -> None:
    """The bar's total is every row of every sheet, and the updates add up to it exactly."""
    from metrics.cleaning.ingest import read_raw
    from metrics.cleaning.rows import CHUNK_ROWS

    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    big = Workbook()
    big.active.append(["日期", "捐赠方", "金额"])
    for i in range(CHUNK_ROWS + 5):  # more than one chunk
        big.active.append([dt.date(2024, 10, 1), f"职工{i % 7}", 100])
    big.save(raw / "大表.xlsx")
    sheets, _ = read_raw(raw)
    expected = sum(s.row_count for s in sheets)
    bar = CountingProgress()
    outcome = run_clean(raw, None, progress=bar)
    assert bar.total == expected
    assert sum(bar.updates) == expected
    assert len([n for n in bar.updates if n == CHUNK_ROWS]) >= 1  # big sheets report per chunk
    assert outcome.manifest["totals"]["rows_read"] <= expected
