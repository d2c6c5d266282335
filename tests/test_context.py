"""Dates from a table's context, rows outside their sheet's period, month-precise deadlines.

Every ledger here is built in code with invented names; each expected date is worked out by
hand from what the test wrote.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from conftest import REAL_LEDGERS_ENV, assert_reconciled, real_ledgers
from metrics.cleaning import context
from metrics.cleaning.context import (
    Mention,
    SheetContext,
    deadline_end,
    deadline_text,
    find_signature,
    id_dates,
    mentions,
    name_mention,
    period_in,
    stated_period,
    times_of,
)
from metrics.cleaning.parsing import date_precision
from metrics.cleaning.store import run_clean
from metrics.periods import Period
from metrics.reporting import kpi

# --- dates named in text ---------------------------------------------------------------------


def test_a_bracketed_title_date() -> None:
    [m] = mentions("某某用户捐赠明细（2020年2月2日）")
    assert (m.year, m.month, m.day, m.start) == (2020, 2, 2, None)


def test_a_range_gives_its_end_and_keeps_its_start() -> None:
    [m] = mentions("1月22日 -- 1月28日")
    assert (m.year, m.month, m.day, m.start) == (None, 1, 28, (None, 1, 22))
    [m] = mentions("2020年1月22日—28日")
    assert (m.year, m.month, m.day, m.start) == (2020, 1, 28, (2020, 1, 22))


def test_an_issue_number_is_not_a_date() -> None:
    assert mentions("第7期—1") == []
    assert mentions("共计人民币14,495.98万元，875人次") == []


def test_eight_digits_beside_a_title_and_in_names() -> None:
    [m] = mentions("某银行账户捐赠明细 20200203")
    assert m.on() == dt.date(2020, 2, 3)
    assert name_mention("20200202").on() == dt.date(2020, 2, 2)
    assert name_mention("捐赠明细（二维码）2020年2月2日").on() == dt.date(2020, 2, 2)
    assert name_mention("Sheet1") is None
    assert name_mention("2024Q1") is None  # a period, not a day


def _ctx(**kw: object) -> SheetContext:
    return SheetContext(
        file=str(kw.pop("file", "名单.xlsx")), sheet=str(kw.pop("sheet", "Sheet1")), **kw
    )  # type: ignore[arg-type]


def test_year_from_the_signature_with_a_notice() -> None:
    ctx = _ctx(title=mentions("（1月29日）"), signature=dt.date(2020, 1, 30))
    resolved, notices = ctx.resolve()
    assert resolved == context.Resolved(dt.date(2020, 1, 29), "title")
    [notice] = notices
    assert "没有写年份" in notice and "落款日期" in notice and "2020" in notice


def test_year_before_a_signature_early_in_january() -> None:
    ctx = _ctx(title=mentions("（12月31日）"), signature=dt.date(2021, 1, 2))
    assert ctx.resolve()[0].day == dt.date(2020, 12, 31)


def test_sheet_and_title_disagree_the_title_wins_and_both_are_named() -> None:
    ctx = _ctx(
        sheet="20200202",
        title=mentions("某某用户捐赠明细（2020年2月1日）"),
        sheet_date=name_mention("20200202"),
    )
    resolved, [notice] = ctx.resolve()
    assert resolved.day == dt.date(2020, 2, 1) and resolved.source == "title"
    assert "工作表名「20200202」" in notice and "2020年2月2日" in notice
    assert "标题" in notice and "2020年2月1日" in notice


def test_range_kept_as_an_interval() -> None:
    ctx = _ctx(title=mentions("1月22日 -- 1月28日"), file_date=name_mention("2020年名单"))
    resolved, _ = ctx.resolve()
    assert resolved is None  # 2020年 is no day; and nothing else gives a year to complete it
    ctx = _ctx(title=mentions("1月22日 -- 1月28日"), signature=dt.date(2020, 1, 29))
    resolved, _ = ctx.resolve()
    assert resolved.day == dt.date(2020, 1, 28)
    assert resolved.range_text == "2020-01-22/2020-01-28"


def test_pin_date_wins_over_everything() -> None:
    ctx = _ctx(title=mentions("（2020年2月1日）"), pin_date=dt.date(2020, 3, 1))
    assert ctx.resolve() == (context.Resolved(dt.date(2020, 3, 1), "pin"), [])


def test_signature_block_under_a_table() -> None:
    tail = [
        ["某科技有限公司", 5000],
        [None, None],
        ["注：以上为大额捐赠明细。"],
        ["某市慈善会"],
        [dt.datetime(2020, 1, 30)],
    ]
    assert find_signature(tail) == ([3, 4], dt.date(2020, 1, 30))
    assert find_signature([["某科技有限公司", 5000], ["2020年1月30日", 100]]) == ([], None)
    assert find_signature([["甲", 1], ["2020年1月30日"]]) == ([1], dt.date(2020, 1, 30))


def test_times_and_transaction_numbers() -> None:
    times = times_of(np.array(["07:06:18", dt.time(8, 1), "7:05", "上午", None], dtype=object))
    assert times.tolist() == ["07:06:18", "08:01:00", "07:05:00", None, None]
    ids = np.array(
        ["0102202002022357510086906488   ", "0303202002012359520086339484", None], dtype=object
    )
    days, at = id_dates(ids)
    assert days.tolist() == [dt.date(2020, 2, 2), dt.date(2020, 2, 1), None]
    assert at.tolist() == ["23:57:51", "23:59:52", None]
    far, _ = id_dates(ids, near=dt.date(2024, 1, 1))  # a month away from the stated day: no
    assert far.tolist() == [None, None, None]
    short, _ = id_dates(np.array(["20200202", "12345"], dtype=object))
    assert short.tolist() == [None, None]


# --- stated periods --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2025Q1", "2025Q1"),
        ("2025年第1季度捐款登记", "2025Q1"),
        ("2025年第一季度", "2025Q1"),
        ("2024年上半年", "2024H1"),
        ("2024年度志愿服务", "2024"),
        ("2024年职工心愿清单", "2024"),
    ],
)
def test_periods_stated_in_text(text: str, label: str) -> None:
    assert period_in(text).label == label


def test_a_date_is_no_period() -> None:
    assert period_in("填报日期：2024年12月31日") is None
    assert period_in("2020年2月3日") is None
    assert period_in("心愿清单台账2024") is None  # a bare year only in names
    assert period_in("心愿清单台账2024", bare_year=True).label == "2024"


def test_nearest_statement_of_a_period() -> None:
    got = stated_period("捐款2025.xlsx", "2025Q1", [["2025年第1季度捐款登记"]])
    assert got.period == Period.parse("2025Q1") and got.where == "工作表名「2025Q1」"
    got = stated_period("捐款2025.xlsx", "Sheet1", [["2025年第1季度捐款登记"]])
    assert got.period == Period.parse("2025Q1") and got.where.startswith("标题")
    got = stated_period("捐款2025.xlsx", "Sheet1", [])
    assert got.period == Period.parse("2025") and "文件名" in got.where
    got = stated_period("捐款.xlsx", "Sheet1", [], pinned="2024Q4")
    assert got.period == Period.parse("2024Q4")


# --- deadlines -------------------------------------------------------------------------------


def test_month_precision_of_a_date_cell() -> None:
    assert date_precision("2024年11月") == "month"
    assert date_precision("2024-11") == "month"
    assert date_precision("2024年11月5日") == "day"
    assert date_precision(dt.date(2024, 11, 1)) == "day"


def test_deadline_end_and_text() -> None:
    due = pd.Series(pd.to_datetime(["2024-11-01", "2024-11-01", None]))
    ends = deadline_end(due, pd.Series(["month", "day", None]))
    assert ends.tolist()[:2] == [pd.Timestamp("2024-11-30"), pd.Timestamp("2024-11-01")]
    assert pd.isna(ends.tolist()[2])
    assert deadline_text(pd.Timestamp("2024-11-01"), "month") == "2024年11月"
    assert deadline_text(pd.Timestamp("2024-11-05"), "day") == "2024年11月5日"
    assert deadline_text(pd.NaT, "month") == "—"


def test_month_deadline_overdue_only_after_the_month() -> None:
    wishes = pd.DataFrame(
        {
            "item_id": ["1", "2"],
            "title": ["职工书屋升级", "浴室改造"],
            "category": [None, None],
            "leader": [None, None],
            "department": ["党群部", "后勤"],
            "raised_on": pd.to_datetime(["2024-03-01", "2024-03-01"]),
            "due_on": pd.to_datetime(["2024-11-01", "2024-11-15"]),
            "due_on_precision": ["month", "day"],
            "status": ["in_progress", "in_progress"],
            "resolved_on": pd.to_datetime([None, None]),
            "cost_yuan": [None, None],
            "cost_qualifier": ["exact", "exact"],
            "source_file": "台账.xlsx",
            "source_sheet": "台账",
            "source_row": [3, 4],
            "unit": "本单位",
        }
    )
    november = Period.parse("2024-11")
    assert kpi.overdue_items(wishes, november)["title"].tolist() == ["浴室改造"]
    assert kpi.wish_summary(wishes, november)["overdue"] == 1
    december = Period.parse("2024-12")
    assert kpi.wish_summary(wishes, december)["overdue"] == 2
    shown = kpi.overdue_items(wishes, december)
    assert list(map(deadline_text, shown["due_on"], shown["due_on_precision"])) == [
        "2024年11月",
        "2024年11月15日",
    ]


# --- whole ledgers, cleaned ------------------------------------------------------------------


def _save(rows: list[list[object]], path: Path, sheet: str = "Sheet1") -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    wb.save(path)


def _one(outcome, file: str) -> dict:
    f = next(f for f in outcome.manifest["files"] if f["file"] == file)
    [s] = f["sheets"]
    return s


def test_cash_list_dated_by_its_title_with_the_year_from_its_signature(tmp_path: Path) -> None:
    """第7期—1 / （1月29日） / prose / header / rows / note / issuer / date: 现金公示7-1's layout."""
    raw = tmp_path / "raw"
    raw.mkdir()
    _save(
        [
            ["某市慈善会接收社会捐赠现金公示"],
            ["第7期—1"],
            ["（1月29日）"],
            [],
            [
                "1月29日，某市慈善会累计收到社会捐款8550.11万元。"
                + "所有捐赠款项将按统一安排陆续划拨。" * 2
            ],
            ["捐赠人", "金额(元)"],  # row 6
            ["某甲科技有限公司", 23000000],
            ["某乙集团", 1500.5],
            ["某丙商会", "1,000.00"],
            [],
            ["注：以上为大额捐赠单位（个人）明细。"],
            [],
            ["某市慈善会"],  # row 13
            [dt.datetime(2020, 1, 30)],  # row 14
        ],
        raw / "某市慈善会现金公示7-1.xlsx",
    )
    outcome = run_clean(raw, tmp_path / "out")
    don = outcome.tables["donations"]
    assert don["source_row"].tolist() == [7, 8, 9]
    assert don["amount_yuan"].sum() == 23002500.5
    assert set(don["date"].dt.date) == {dt.date(2020, 1, 29)}
    assert set(don["date_source"]) == {"title"}
    s = _one(outcome, "某市慈善会现金公示7-1.xlsx")
    assert (s["accepted"], s["rejected"], s["skipped_note"], s["skipped_blank"]) == (3, 0, 3, 2)
    assert_reconciled(s)
    [notice] = [n for n in outcome.notices if n.level == "check"]
    assert "（1月29日）" in notice.message or "1月29日" in notice.message
    assert "落款日期" in notice.message and "2020" in notice.message


def test_time_column_combined_with_the_title_date_and_sheet_conflict_named(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _save(
        [
            ["某支付平台用户捐赠明细（2020年2月1日）"],
            ["捐赠人", "金额(元）", "时间"],
            ["*瑛", 500, "07:06:18"],
            ["*晓", 20, "23:45:41"],
        ],
        raw / "某支付平台用户捐赠明细（2月1日）.xlsx",
        sheet="20200202",
    )
    outcome = run_clean(raw, None)
    don = outcome.tables["donations"]
    assert don["date"].dt.date.tolist() == [dt.date(2020, 2, 1)] * 2
    assert don["time"].tolist() == ["07:06:18", "23:45:41"]
    assert don["date_source"].tolist() == ["title", "title"]
    assert outcome.rejects.empty
    checks = sorted(n.message for n in outcome.notices if n.level == "check")
    assert len(checks) == 2
    conflict = next(m for m in checks if "工作表名" in m)
    assert "20200202" in conflict and "2020年2月1日" in conflict  # sheet against title
    timed = next(m for m in checks if "只有时刻" in m)
    assert "「时间」列只有时刻（如 07:06:18）" in timed and "2020年2月1日" in timed


def test_file_name_dates_a_list_and_transaction_numbers_date_each_row(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _save(
        [
            ["交易单号", "捐赠人", "捐赠金额（元）"],
            ["0102202002022357510086906488", "甲", 1000],
            ["0303202002012359520086339484", "乙", 10],
            ["0303202002020000180086339502", "丁", 0.18],
            ["0102202002020001160086339548", "戊", 9.9],
            ["无单号", "丙", 5],  # 4 of 5 numbers carry a date: the column is trusted
        ],
        raw / "某会捐赠明细（二维码）2020年2月2日.xlsx",
    )
    _save(
        [["捐赠单位", "金额（元）"], ["某丁有限公司", 300]],
        raw / "某会捐赠明细（银行账户）2020年2月3日.xlsx",
    )
    outcome = run_clean(raw, None)
    don = outcome.tables["donations"].set_index("donor")
    assert (
        don.loc["甲", "date"].date() == dt.date(2020, 2, 2) and don.loc["甲", "date_source"] == "id"
    )
    assert (
        don.loc["乙", "date"].date() == dt.date(2020, 2, 1) and don.loc["乙", "time"] == "23:59:52"
    )
    assert don.loc["丙", "date"].date() == dt.date(2020, 2, 2)
    assert don.loc["丙", "date_source"] == "file"
    assert don.loc["某丁有限公司", "date"].date() == dt.date(2020, 2, 3)
    assert don.loc["某丁有限公司", "date_source"] == "file"


def test_no_date_anywhere_each_row_refused_with_what_to_do(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _save([["捐赠人", "金额"], ["甲", 100], ["乙", 200]], raw / "名单.xlsx")
    outcome = run_clean(raw, None)
    assert outcome.tables["donations"].empty
    s = _one(outcome, "名单.xlsx")
    assert (s["table"], s["rows_read"], s["rejected"]) == ("donations", 2, 2)
    reasons = set(outcome.rejects["reason"])
    assert len(reasons) == 1 and "缺少日期" in reasons.pop()


def test_pin_gives_the_date(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _save([["捐赠人", "金额"], ["甲", 100]], raw / "名单.xlsx")
    (raw / "shishi.toml").write_text(
        '[[pin]]\nfile = "名单.xlsx"\ndate = 2024-10-05\n', encoding="utf-8"
    )
    outcome = run_clean(raw, None)
    don = outcome.tables["donations"]
    assert don["date"].dt.date.tolist() == [dt.date(2024, 10, 5)]
    assert don["date_source"].tolist() == ["pin"]


def test_row_outside_the_sheets_period_is_kept_and_listed(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _save(
        [
            ["2025年第1季度捐款捐物登记"],
            ["日期", "捐赠方", "金额"],
            ["2025.1.8", "甲", 100],
            ["2024.3.19", "乙", 200],  # row 4: the year typed wrong
            ["2025.3.31", "丙", 300],
        ],
        raw / "捐款2025.xlsx",
        sheet="2025Q1",
    )
    outcome = run_clean(raw, tmp_path / "out")
    don = outcome.tables["donations"]
    assert len(don) == 3  # kept: the warning asks, it does not decide
    warn = outcome.warnings[outcome.warnings["rule"] == "outside_stated_period"]
    assert warn["source_row"].tolist() == [4]
    message = warn.iloc[0]["message"]
    assert "2024年3月19日" in message and "2025年第一季度" in message and "2025Q1" in message
    written = pd.read_csv(tmp_path / "out" / "warnings.csv", encoding="utf-8-sig")
    assert (written["rule"] == "outside_stated_period").sum() == 1


def test_sheet_with_a_date_column_is_not_touched_by_context(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _save(
        [
            ["捐款登记（2020年2月1日）"],
            ["日期", "捐赠方", "金额"],
            ["2024-10-08", "甲", 100],
            [None, "乙", 5],
        ],
        raw / "捐款.xlsx",
    )
    outcome = run_clean(raw, None)
    don = outcome.tables["donations"]
    assert don["date"].dt.date.tolist() == [dt.date(2024, 10, 8)]
    assert don["date_source"].tolist() == ["column"]
    assert "必填项「日期」为空" in outcome.rejects.iloc[0]["reason"]  # a blank cell stays a blank
    assert not [n for n in outcome.notices if n.level == "check"]


def test_mention_dataclass_completes_its_year() -> None:
    assert Mention(None, 2, 29, "2月29日").on(2020) == dt.date(2020, 2, 29)


# --- the real public ledgers beside the project (skipped where they are absent) --------------

REAL = real_ledgers()


def test_real_ledgers_are_found_by_the_one_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SHISHI_REAL_LEDGERS is honoured here as in test_real_ledgers (a worktree sits elsewhere)."""
    monkeypatch.setenv(REAL_LEDGERS_ENV, str(tmp_path))
    assert real_ledgers() == tmp_path
    monkeypatch.setenv(REAL_LEDGERS_ENV, str(tmp_path / "absent"))
    assert real_ledgers() is None


@pytest.mark.skipif(REAL is None, reason="real ledgers not found (see conftest.real_ledgers)")
def test_real_ledgers_dated_as_their_readme_says(tmp_path: Path) -> None:
    """Dates per shared/real-ledgers/README.md, none of them from a date column."""
    import shutil

    raw = tmp_path / "raw"
    raw.mkdir()
    assert REAL is not None
    for f in REAL.glob("*.xlsx"):
        shutil.copyfile(f, raw / f.name)
    don = run_clean(raw, None).tables["donations"]
    by_file = {
        name: (frame["date"].dt.date.value_counts().to_dict(), set(frame["date_source"]))
        for name, frame in don.groupby("source_file")
    }
    d = dt.date
    assert by_file["武汉市红十字会接收社会捐赠现金公示7-1.xlsx"] == (
        {d(2020, 1, 29): 100},
        {"title"},
    )
    assert by_file["武汉市红十字会接收社会捐赠现金公示11-1.xlsx"] == (
        {d(2020, 2, 2): 71},
        {"title"},
    )
    assert by_file["武汉市红十字会接收社会捐赠物资公示8-2.xlsx"][0] == {d(2020, 1, 30): 196}
    assert by_file["武汉市红十字会云闪付用户捐赠明细（2月1日）.xlsx"] == (
        {d(2020, 2, 1): 2151},
        {"title"},
    )
    assert by_file["武汉市红十字会接收社会捐赠明细（农业银行账户）2020年2月3日.xlsx"][0] == {
        d(2020, 2, 3): 47
    }
    qr = by_file["武汉市红十字会接受社会捐赠明细（二维码及pos机）2020年2月2日.xlsx"]
    assert qr == ({d(2020, 2, 2): 2720, d(2020, 2, 1): 1}, {"id"})  # 0102 20200201 2359…
    seven = don[don["source_file"].str.endswith("7-1.xlsx")]
    assert round(seven["amount_yuan"].sum(), 2) == 77319319.01


def test_column_dates_without_a_year_take_the_titles_year_with_a_notice(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _save(
        [
            ["2024年第四季度捐款捐物登记"],
            ["日期", "捐赠方", "金额"],
            ["10月15日", "甲", 100],
            ["2024.12.1", "乙", 200],
        ],
        raw / "捐款.xlsx",  # neither the file nor the sheet (Sheet1) names a year
    )
    outcome = run_clean(raw, None)
    don = outcome.tables["donations"]
    assert don["date"].dt.date.tolist() == [dt.date(2024, 10, 15), dt.date(2024, 12, 1)]
    [notice] = [n.message for n in outcome.notices if n.level == "check"]
    assert "10月15日" in notice and "2024 年" in notice and "标题" in notice
