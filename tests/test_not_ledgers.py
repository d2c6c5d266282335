"""Sheets that are no ledger, said plainly (issue 18, item 6).

A study group's 收支明细 used to be "a 心愿清单 missing 办理进度, nearest header 经手人", with
advice to add synonyms. Now it is named for what it is, with the ledger it most resembles and
why it is not that ledger. It blocks the report only when its file or sheet name names a
ledger (then it may hold the period's figures), and says which, either way.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from metrics.cleaning.store import run_clean
from metrics.periods import Period
from metrics.running import gate
from metrics.scope import Scope


def cash_book(path: Path) -> None:
    """序号 | 日期 | 事项 | 收入（元）| 支出（元）| 余额（元）| 经手人, under a title."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "收支明细"
    ws.append(["读书会2024年收支明细"])
    ws.append(["序号", "日期", "事项", "收入（元）", "支出（元）", "余额（元）", "经手人"])
    ws.append([1, dt.date(2024, 10, 1), "上期结余", None, None, 1200, "王"])
    ws.append([2, dt.date(2024, 10, 8), "会员会费", 600, None, 1800, "王"])
    ws.append([3, dt.date(2024, 10, 20), "购书", None, 450.5, 1349.5, "李"])
    ws.append([4, dt.date(2024, 11, 3), "场地费", None, 200, 1149.5, "王"])
    ws.append([5, dt.date(2024, 12, 1), "会员会费", 300, None, 1449.5, "李"])
    wb.save(path)


def roster(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(["序号", "姓名", "性别", "出生年月", "部门", "职务", "联系电话"])
    for i, (name, sex) in enumerate(
        [("张三", "男"), ("李四", "女"), ("王五", "男"), ("赵六", "女")]
    ):
        ws.append([i + 1, name, sex, "1990-05", "办公室", "科员", f"1380000000{i + 1}"])
    wb.save(path)


def budget(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "预算表"
    ws.append(["2025年度工会经费预算表"])
    ws.append(["科目", "上年预算数", "本年预算数", "增减", "备注"])
    for item, last, this in [
        ("职工活动", 50000, 60000),
        ("慰问", 20000, 25000),
        ("培训", 10000, 8000),
    ]:
        ws.append([item, last, this, this - last, ""])
    wb.save(path)


def check(outcome) -> list[gate.Blocker]:
    return gate.check(outcome.manifest, outcome.tables, Scope.whole(), Period.parse("2024Q4"))


def test_a_cash_book_is_said_plainly_and_does_not_block(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    cash_book(raw / "读书会账目.xlsx")
    outcome = run_clean(raw)
    [notice] = outcome.notices
    assert (notice.file, notice.sheet, notice.level) == ("读书会账目.xlsx", "收支明细", "info")
    assert notice.message == (
        "「收支明细」有日期、项目/用途（事项）和金额（余额(元)）列，最像捐款捐物，但没有捐赠方列；"
        "且有收入/支出/余额，像是收支账，不是台账；未计入报告，也不影响报告的完整性"
    )
    assert "心愿清单" not in notice.message and "同义词" not in notice.message
    assert [b.kind for b in check(outcome)] == ["no_period_data"]
    # the no-data message names the sheet judged not a ledger instead of blaming the period
    assert "读书会账目.xlsx［收支明细］" in check(outcome)[0].message


def test_a_roster_is_said_plainly(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    roster(raw / "职工花名册.xlsx")
    [notice] = run_clean(raw).notices
    assert notice.level == "info"
    # 序号 (1, 2, 3 …) and phone numbers are numbers, but no money
    assert notice.message == (
        "「花名册」有捐赠方（姓名）和日期（出生年月）列，最像捐款捐物，但没有金额列；"
        "且有性别/出生年月/职务/联系电话，像是人员名册，不是台账；未计入报告，也不影响报告的完整性"
    )


def test_a_budget_is_said_plainly(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    budget(raw / "预算.xlsx")
    [notice] = run_clean(raw).notices
    assert notice.message.startswith(
        "「预算表」有备注和金额（上年预算数、本年预算数、增减）列，最像消费帮扶采购，"
        "但没有采购主体列；且有科目/上年预算数/本年预算数，像是预算表，不是台账"
    )


def test_a_cash_book_named_for_a_ledger_blocks_until_skipped(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    cash_book(raw / "捐款收支明细.xlsx")
    outcome = run_clean(raw)
    [notice] = outcome.notices
    assert notice.level == "error"
    assert notice.message.endswith(
        "像是收支账，不是台账；但文件名或工作表名提到捐款捐物，可能含本期数字，确认之前报告暂不生成"
    )
    toml = '[[pin]]\nfile = "捐款收支明细.xlsx"\nsheet = "收支明细"\nskip = true'
    assert notice.toml == toml
    [blocker, _period] = check(outcome)
    assert (blocker.kind, blocker.table, blocker.toml) == ("unreadable", "donations", toml)
    assert "确认它不是台账后，把下面几行加入" in blocker.hint
    (raw / "shishi.toml").write_text(toml + "\n", encoding="utf-8")
    again = run_clean(raw)
    assert [(n.level, n.message) for n in again.notices] == [("info", "按 shishi.toml 的设置跳过")]
    assert [b.kind for b in check(again)] == ["no_period_data"]


def test_a_ledger_beside_them_is_read_as_before(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    cash_book(raw / "读书会账目.xlsx")
    roster(raw / "职工花名册.xlsx")
    (raw / "捐款.csv").write_text(
        "日期,捐赠方,金额\n2024-10-08,某公司,5000\n2024-11-02,张三,200\n", encoding="utf-8"
    )
    outcome = run_clean(raw)
    assert outcome.tables["donations"]["amount_yuan"].sum() == 5200
    assert check(outcome) == []
