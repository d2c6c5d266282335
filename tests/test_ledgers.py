"""Running ledgers (issue 11, case 3): the wish list re-sent whole next quarter is one list.

The fixture is the sample's 心愿清单台账2024.xlsx (22 items, 填报日期 2024年12月31日) and a
2025Q1 copy made here: items 20 and 21 now 已办结, item 22 推进中, three new items 23-25.
By hand: 22 + 3 = 25 items; at the end of 2025Q1 nothing is overdue (20 and 21 are resolved,
22 is due 2025年6月, the new ones later).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest

from metrics.cleaning.ledgers import sheet_version, stated_date
from metrics.cleaning.store import run_clean
from metrics.periods import Period
from metrics.reporting import kpi

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_WISHES = ROOT / "data" / "raw" / "心愿清单台账2024.xlsx"


def newer_wish_list(path: Path, title_date: str | None = "2025年3月31日") -> None:
    """The 2025Q1 re-send: same list, three statuses changed, three new items."""
    wb = openpyxl.load_workbook(SAMPLE_WISHES)
    ws = wb["台账"]
    ws["A2"] = f"填报单位：青江卷烟厂党群工作部    填报日期：{title_date}" if title_date else None
    rows = {ws.cell(r, 1).value: r for r in range(4, ws.max_row + 1)}
    for item in (20, 21):
        ws.cell(rows[item], 8).value = "已办结"
        ws.cell(rows[item], 9).value = dt.date(2025, 2, 15)
    ws.cell(rows[22], 8).value = "推进中"
    total_row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "合计")
    ws.insert_rows(total_row, 3)
    for i, title in enumerate(["食堂增设夜餐窗口", "更换职工宿舍热水器", "增设母婴室"]):
        r = total_row + i
        for c, v in enumerate(
            [
                23 + i,
                title,
                "生活保障",
                "李副厂长",
                "综合办公室",
                "2025.1.10",
                "2025年9月",
                "未启动",
                None,
                None,
                None,
            ],
            start=1,
        ):
            ws.cell(r, c).value = v
    ws.cell(total_row + 3, 10).value = None  # the 合计 no longer covers the rows: leave it out
    wb.save(path)


@pytest.fixture
def two_years(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE_WISHES, raw / "心愿清单台账2024.xlsx")
    newer_wish_list(raw / "心愿清单台账2025Q1.xlsx")
    return raw


def test_running_ledger_is_counted_once_with_the_newest_status(two_years: Path) -> None:
    outcome = run_clean(two_years)
    wishes = outcome.tables["wishes"]
    assert len(wishes) == 25
    assert wishes["item_id"].astype(str).str.removesuffix(".0").nunique() == 25
    by_id = wishes.set_index(wishes["item_id"].astype(int))
    assert by_id.loc[20, "status"] == "resolved" and by_id.loc[21, "status"] == "resolved"
    assert by_id.loc[22, "status"] == "in_progress"
    assert set(by_id.loc[[20, 21, 22], "source_file"]) == {"心愿清单台账2025Q1.xlsx"}
    overdue = kpi.overdue_items(wishes, Period.parse("2025Q1"))
    assert overdue.empty, overdue[["item_id", "title"]]
    # nothing lost: every sheet still reconciles, the older versions counted as duplicates
    for f in outcome.manifest["files"]:
        for s in f["sheets"]:
            if "rows_read" in s:
                assert s["reconciled"], (f["file"], s)
    updated = outcome.manifest["running_ledgers"]["updated"]
    changed = {(u["identity"], u["old_status"], u["new_status"]) for u in updated}
    assert ("20 职工书屋升级", "in_progress", "resolved") in changed
    assert ("21 班车线路优化", "in_progress", "resolved") in changed
    assert ("22 浴室热水系统改造", "pending", "in_progress") in changed
    assert len(updated) == 3
    assert {u["decided_by"] for u in updated} == {"title"}
    assert outcome.manifest["running_ledgers"]["conflicts"] == []


def test_undated_versions_are_a_conflict_not_a_guess(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE_WISHES, raw / "心愿清单台账.xlsx")
    newer_wish_list(raw / "心愿清单台账(更新).xlsx", title_date=None)
    wb = openpyxl.load_workbook(raw / "心愿清单台账.xlsx")
    wb["台账"]["A2"] = None
    wb.save(raw / "心愿清单台账.xlsx")
    outcome = run_clean(raw)
    conflicts = outcome.manifest["running_ledgers"]["conflicts"]
    assert {c["identity"] for c in conflicts} == {
        "20 职工书屋升级",
        "21 班车线路优化",
        "22 浴室热水系统改造",
    }
    assert 'period = "' in conflicts[0]["toml"]
    assert len(outcome.tables["wishes"]) == 25  # one version kept: never counted twice


def test_a_pin_decides_the_version(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE_WISHES, raw / "a.xlsx")
    newer_wish_list(raw / "b.xlsx", title_date=None)
    wb = openpyxl.load_workbook(raw / "a.xlsx")
    wb["台账"]["A2"] = None
    wb.save(raw / "a.xlsx")
    (raw / "shishi.toml").write_text(
        '[[pin]]\nfile = "a.xlsx"\nperiod = "2024Q4"\n\n[[pin]]\nfile = "b.xlsx"\nperiod = "2025Q1"\n',
        encoding="utf-8",
    )
    outcome = run_clean(raw)
    assert outcome.manifest["running_ledgers"]["conflicts"] == []
    wishes = outcome.tables["wishes"].set_index(outcome.tables["wishes"]["item_id"].astype(int))
    assert wishes.loc[20, "status"] == "resolved"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("心愿清单台账2025Q1", dt.date(2025, 3, 31)),
        ("2025年第1季度", dt.date(2025, 3, 31)),
        ("2024年三季度", dt.date(2024, 9, 30)),
        ("2024H1", dt.date(2024, 6, 30)),
        ("2024年上半年", dt.date(2024, 6, 30)),
        ("台账2024", dt.date(2024, 12, 31)),
        ("2024年11月", dt.date(2024, 11, 30)),
        ("：2024年12月31日", dt.date(2024, 12, 31)),
        ("20250202", dt.date(2025, 2, 2)),
        ("2023-2024对比", None),
        ("台账", None),
    ],
)
def test_stated_date(text: str, expected: dt.date | None) -> None:
    assert stated_date(text) == expected


def test_sheet_version_order_and_never_mtime() -> None:
    head = [["标题"], ["填报单位：某部门  填报日期：2025年3月31日"]]
    assert sheet_version("x2024.xlsx", "2025Q2", head).source == "sheet"
    assert sheet_version("x2024.xlsx", "台账", head).date == dt.date(2025, 3, 31)
    assert sheet_version("x2024.xlsx", "台账", [["标题"]]).source == "file"
    assert sheet_version("x.xlsx", "台账", [["标题"]]).date is None
    assert sheet_version("x.xlsx", "2025Q2", head, pin_period="2024Q4").date == dt.date(
        2024, 12, 31
    )
