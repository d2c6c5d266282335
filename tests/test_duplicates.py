"""Exact repeats traced to the row they repeat; near repeats flagged for review, never removed.

The ledgers are built here in code with invented names; every expected row is read off what
the test wrote.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from conftest import assert_reconciled
from metrics.cleaning.duplicates import (
    duplicates_table,
    name_key,
    near_duplicates_table,
    similar,
    under_review,
)
from metrics.cleaning.store import run_clean

HEADER = ["日期", "捐赠方", "金额", "备注"]


def _save(rows: list[list[object]], path: Path, sheet: str = "Sheet1") -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(["捐款登记"])
    ws.append(HEADER)  # Excel row 2
    for row in rows:
        ws.append(row)
    wb.save(path)


def test_exact_repeats_name_the_file_sheet_and_row_they_repeat(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _save(
        [
            [dt.date(2024, 10, 8), "某甲科技有限公司", 5000, None],  # row 3
            [dt.date(2024, 10, 9), "某乙商会", 800, None],  # row 4
        ],
        raw / "捐款登记.xlsx",
    )
    _save(
        [
            [dt.date(2024, 10, 1), "某丙工会", 100, None],  # row 3: new
            [dt.date(2024, 10, 9), "某乙商会", 800, None],  # row 4 repeats 捐款登记 row 4
            [dt.date(2024, 10, 8), "某甲科技有限公司", 5000, None],  # row 5 repeats row 3
        ],
        raw / "捐款登记_再次报送.xlsx",
        sheet="十月",
    )
    out = tmp_path / "out"
    outcome = run_clean(raw, out)
    assert outcome.tables["donations"]["amount_yuan"].sum() == 5900
    dup = duplicates_table(out)
    assert dup[["source_file", "source_sheet", "source_row"]].values.tolist() == [
        ["捐款登记_再次报送.xlsx", "十月", "4"],
        ["捐款登记_再次报送.xlsx", "十月", "5"],
    ]
    assert dup[["same_as_file", "same_as_sheet", "same_as_row"]].values.tolist() == [
        ["捐款登记.xlsx", "Sheet1", "4"],
        ["捐款登记.xlsx", "Sheet1", "3"],
    ]
    assert set(dup["table"]) == {"donations"}
    assert (out / "duplicates.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for f in outcome.manifest["files"]:
        for s in f["sheets"]:
            assert_reconciled(s, f["file"])


def test_same_rows_inside_one_sheet_are_neither_duplicates_nor_under_review(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    same = [dt.date(2024, 10, 8), "某甲", 1, None]
    _save([same, same, same], raw / "名单.xlsx")
    outcome = run_clean(raw, tmp_path / "out")
    don = outcome.tables["donations"]
    assert len(don) == 3 and don["review_group"].isna().all()
    assert duplicates_table(tmp_path / "out").empty
    assert near_duplicates_table(tmp_path / "out").empty


def test_republished_donation_flagged_with_both_rows_and_counted_once(tmp_path: Path) -> None:
    """A later list repeats gifts with an edited 备注, another spelling, another date."""
    raw = tmp_path / "raw"
    raw.mkdir()
    _save(
        [
            [dt.date(2020, 2, 1), "某甲科技有限公司", 1_000_000, None],  # row 3
            [dt.date(2020, 2, 1), "北京某某空间设计顾问有限公司", 20_000, None],  # row 4
            [dt.date(2020, 2, 1), "某乙商会", 800, None],  # row 5: only here
        ],
        raw / "第1期.xlsx",
    )
    _save(
        [
            [dt.date(2020, 2, 3), "某甲科技有限公司", 1_000_000, "定向"],  # row 3: date, 备注
            [dt.date(2020, 2, 1), "北京某某空间设计顾问公司", 20_000, None],  # row 4: spelling
            [dt.date(2020, 2, 20), "某甲科技有限公司", 1_000_000, None],  # row 5: weeks later
        ],
        raw / "第2期.xlsx",
    )
    out = tmp_path / "out"
    outcome = run_clean(raw, out)
    don = outcome.tables["donations"]
    assert len(don) == 6  # nothing removed
    flagged = don[don["review_group"].notna()].sort_values(["source_file", "source_row"])
    assert flagged[["source_file", "source_row"]].values.tolist() == [
        ["第1期.xlsx", 3],
        ["第1期.xlsx", 4],
        ["第2期.xlsx", 3],
        ["第2期.xlsx", 4],
    ]
    assert flagged["review_repeat"].tolist() == [False, False, True, True]
    counted = don.loc[~don["review_repeat"], "amount_yuan"].sum()
    assert counted == 1_000_000 + 20_000 + 800 + 1_000_000  # each group once; the 2月20日 gift too
    assert under_review(don) == {
        "groups": 2,
        "rows": 4,
        "repeat_rows": 2,
        "repeat_yuan": 1_020_000.0,
    }
    assert outcome.manifest["under_review"]["donations"]["repeat_rows"] == 2
    near = near_duplicates_table(out)
    assert len(near) == 4 and near["review_group"].nunique() == 2
    rules = set(near["rule"])
    assert any("3天" in r for r in rules) and any("名称相近" in r for r in rules)
    assert set(near["who"]) == {
        "某甲科技有限公司",
        "北京某某空间设计顾问有限公司",
        "北京某某空间设计顾问公司",
    }


def test_name_folding_and_similarity() -> None:
    assert name_key("某甲科技（北京）有限公司 ") == "某甲科技有限公司"
    assert name_key("*晓") == "晓"
    assert similar(name_key("北京某某空间设计顾问有限公司"), name_key("北京某某空间设计顾问公司"))
    assert not similar("张三", "李四")
    assert not similar("", "某甲")


def test_sample_has_no_rows_under_review() -> None:
    sample = Path(__file__).resolve().parents[1] / "data" / "raw"
    outcome = run_clean(sample, None)
    for table in ("donations", "purchases"):
        assert outcome.tables[table]["review_group"].isna().all()
    assert len(outcome.duplicates) == outcome.manifest["totals"]["duplicates"] == 11
    assert set(outcome.duplicates["same_as_file"]) == {"志愿服务活动_2024Q1.csv"}
    assert (
        pd.Series(outcome.duplicates["source_row"]).tolist()
        == pd.Series(outcome.duplicates["same_as_row"]).tolist()
    )


def test_two_units_rows_are_never_near_repeats(tmp_path: Path) -> None:
    """The same gift amount on the same day in two declared units' folders is two gifts."""
    raw = tmp_path / "raw"
    for unit in ("甲车间", "乙科室"):
        (raw / unit).mkdir(parents=True)
        _save([[dt.date(2024, 10, 8), "某甲科技有限公司", 5000, None]], raw / unit / "捐款.xlsx")
    (raw / "shishi.toml").write_text(
        '[[units]]\nfolder = "甲车间"\nname = "甲车间"\n'
        '[[units]]\nfolder = "乙科室"\nname = "乙科室"\n',
        encoding="utf-8",
    )
    don = run_clean(raw, None).tables["donations"]
    assert len(don) == 2 and don["review_group"].isna().all()


# --- a row's identity includes its department (issue 19, item 3) ----------------------------


def _department_sheet(
    rows: list[list[object]], path: Path, dept: str | None, header: list[str] | None = None
) -> None:
    """A department's purchase ledger: its 填报单位 above the header when ``dept`` is given."""
    wb = Workbook()
    ws = wb.active
    ws.append(["消费帮扶采购登记"])
    ws.append([f"填报单位：{dept}" if dept else None])
    ws.append(header or ["日期", "采购主体", "供应地区", "产品", "金额"])  # Excel row 3
    for row in rows:
        ws.append(row)
    wb.save(path)


HONEY = [dt.date(2025, 3, 10), "企业", "青山村", "蜂蜜", 500]


def _departments(raw: Path) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "shishi.toml").write_text(
        '[unit]\nname = "测试厂"\nbranches = ["甲部", "乙部"]\n', encoding="utf-8"
    )


def test_two_departments_alike_rows_are_two_purchases(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _departments(raw)
    _department_sheet([HONEY], raw / "采购_甲部.xlsx", "甲部")
    _department_sheet([HONEY], raw / "采购_乙部.xlsx", "乙部")
    outcome = run_clean(raw, tmp_path / "out")
    assert outcome.tables["purchases"]["amount_yuan"].sum() == 1000  # 500 + 500
    assert outcome.manifest["totals"]["duplicates"] == 0
    assert outcome.tables["purchases"]["review_group"].isna().all()  # not even a near repeat


def test_one_departments_row_read_twice_is_a_repeat(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _departments(raw)
    tea = [dt.date(2025, 3, 12), "企业", "青山村", "茶叶", 300]
    _department_sheet([HONEY], raw / "采购_甲部_三月.xlsx", "甲部")
    _department_sheet([HONEY, tea], raw / "采购_甲部_一季度.xlsx", "甲部")
    outcome = run_clean(raw, tmp_path / "out")
    assert outcome.tables["purchases"]["amount_yuan"].sum() == 800  # the honey once, the tea
    dup = duplicates_table(tmp_path / "out")
    # files are read in name order (一 U+4E00 before 三 U+4E09): the later one holds the repeat
    assert dup[["source_file", "same_as_file"]].values.tolist() == [
        ["采购_甲部_三月.xlsx", "采购_甲部_一季度.xlsx"]
    ]


def test_a_whole_sheet_forwarded_under_another_name_is_a_repeat(tmp_path: Path) -> None:
    """乙部 forwards 甲部's ledger as its own file: the sheet states no department, and every
    row is 甲部's - a repeated sheet, counted once."""
    raw = tmp_path / "raw"
    _departments(raw)
    tea = [dt.date(2025, 3, 12), "企业", "青山村", "茶叶", 300]
    _department_sheet([HONEY, tea], raw / "采购_甲部.xlsx", "甲部")
    _department_sheet([HONEY, tea], raw / "采购_乙部.xlsx", None)  # named 乙部 by its file only
    outcome = run_clean(raw, tmp_path / "out")
    assert outcome.tables["purchases"]["amount_yuan"].sum() == 800
    assert outcome.manifest["totals"]["duplicates"] == 2


def test_two_departments_that_state_themselves_keep_identical_ledgers(tmp_path: Path) -> None:
    """Each department bought the same quota on the same day, each says so in its 填报单位."""
    raw = tmp_path / "raw"
    _departments(raw)
    tea = [dt.date(2025, 3, 12), "企业", "青山村", "茶叶", 300]
    _department_sheet([HONEY, tea], raw / "采购_甲部.xlsx", "甲部")
    _department_sheet([HONEY, tea], raw / "采购_乙部.xlsx", "乙部")
    outcome = run_clean(raw, tmp_path / "out")
    assert outcome.tables["purchases"]["amount_yuan"].sum() == 1600


def test_near_repeats_are_sought_within_one_department(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _departments(raw)
    header = ["日期", "捐赠方", "金额", "备注"]
    gift = [dt.date(2025, 3, 10), "某甲科技有限公司", 5000, None]
    later = [dt.date(2025, 3, 12), "某甲科技有限公司", 5000, "定向"]
    _department_sheet([gift], raw / "捐款_甲部.xlsx", "甲部", header)
    _department_sheet([later], raw / "捐款_乙部.xlsx", "乙部", header)
    assert run_clean(raw, None).tables["donations"]["review_group"].isna().all()
    _department_sheet([later], raw / "捐款_甲部_补报.xlsx", "甲部", header)
    don = run_clean(raw, None).tables["donations"]
    flagged = don[don["review_group"].notna()].sort_values("source_file")
    assert flagged["source_file"].tolist() == ["捐款_甲部.xlsx", "捐款_甲部_补报.xlsx"]
