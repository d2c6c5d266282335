"""The receipt matrix from hand-built manifests: what each department owed, what came in.

Each manifest below is written out as the cleaning run would record it (a sheet's row
accounting and its ``origin``; ``receipts.expected`` and ``receipts.copies``), so every status
expected is read off the inputs by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from metrics.periods import Period
from metrics.reporting.receipts import (
    Published,
    by_unit,
    cell_notes,
    grid,
    load_published,
    receipt_matrix,
    slots,
)
from metrics.scope import Scope

Q2 = Period.parse("2025Q2")
UNIT = "东山供电公司"
BRANCHES = ["办公室", "营销部", "运检部", "安监部"]
TODAY = dt.date(2025, 12, 31)


def sheet(file: str, table: str, branch: str, period: str, accepted: int = 1, **extra: Any) -> Any:
    """One file with one ledger sheet, as manifest.json lists it."""
    entry = {
        "sheet": "台账",
        "table": table,
        "header_row": 4,
        "rows_read": accepted + extra.get("replaced", 0),
        "accepted": accepted,
        "rejected": 0,
        "duplicates": 0,
        "replaced": extra.get("replaced", 0),
        "origin": {"branch": branch, "branch_from": "cell", "period": period},
    }
    if extra.get("replaced_by"):
        entry["replaced_by"] = extra["replaced_by"]
    return {"file": file, "unit": extra.get("unit", UNIT), "sheets": [entry]}


def manifest(files: list[Any], **receipts: Any) -> dict[str, Any]:
    expected = receipts.pop("expected", {UNIT: {"branches": BRANCHES, "never_sends": {}}})
    return {
        "raw_dir": "/data/原始数据",
        "files": files,
        "notices": receipts.pop("notices", []),
        "receipts": {"expected": expected, "copies": receipts.pop("copies", [])},
    }


def every_ledger(period: str = "2025Q2", but: tuple[str, str] | None = None) -> list[Any]:
    """Every department's four ledgers for the period, one row each (less ``but``)."""
    return [
        sheet(f"{t}_{b}_{period}.xlsx", t, b, period)
        for b in BRANCHES
        for t in ("wishes", "donations", "purchases", "volunteering")
        if (t, b) != but
    ]


def status(m: pd.DataFrame, branch: str, table: str, slot: str = "2025Q2") -> tuple[str, bool]:
    [row] = m[(m["branch"] == branch) & (m["table"] == table) & (m["slot"] == slot)].to_dict(
        "records"
    )
    return row["status"], bool(row["blocks"])


def test_every_ledger_back_is_received_and_blocks_nothing() -> None:
    m = receipt_matrix(manifest(every_ledger()), Q2, today=TODAY)
    assert len(m) == 4 * 4  # four departments x four ledgers x one quarter
    assert set(m["status"]) == {"received"}
    assert not m["blocks"].any()


def test_a_missing_ledger_of_a_declared_department_blocks() -> None:
    m = receipt_matrix(manifest(every_ledger(but=("donations", "营销部"))), Q2, today=TODAY)
    assert status(m, "营销部", "donations") == ("missing", True)
    assert m["blocks"].sum() == 1


def test_a_blank_template_is_nothing_this_period_and_does_not_block() -> None:
    files = every_ledger(but=("donations", "安监部"))
    files.append(sheet("捐款捐物登记_安监部_2025Q2.xlsx", "donations", "安监部", "2025Q2", 0))
    m = receipt_matrix(manifest(files), Q2, today=TODAY)
    assert status(m, "安监部", "donations") == ("nothing", False)


def test_a_ledger_a_department_never_sends_is_not_owed() -> None:
    files = every_ledger(but=("purchases", "安监部"))
    expected = {UNIT: {"branches": BRANCHES, "never_sends": {"安监部": ["purchases"]}}}
    m = receipt_matrix(manifest(files, expected=expected), Q2, today=TODAY)
    assert status(m, "安监部", "purchases") == ("exempt", False)


def test_two_undecided_files_block_and_a_replaced_original_is_noted() -> None:
    files = every_ledger(but=("purchases", "运检部"))
    files += [
        sheet("消费帮扶采购_运检部_2025Q2.xlsx", "purchases", "运检部", "2025Q2"),
        sheet("消费帮扶采购_运检部_2025Q2(1).xlsx", "purchases", "运检部", "2025Q2"),
    ]
    files = [f for f in files if f["file"] != "donations_办公室_2025Q2.xlsx"]
    files += [
        sheet("捐款_办公室.xlsx", "donations", "办公室", "2025Q2", 0, replaced=2,
              replaced_by="捐款_办公室_更正.xlsx"),
        sheet("捐款_办公室_更正.xlsx", "donations", "办公室", "2025Q2", 2),
    ]  # fmt: skip
    copies = [
        {"unit": UNIT, "branch": "运检部", "table": "purchases", "period": "2025Q2",
         "files": ["消费帮扶采购_运检部_2025Q2(1).xlsx", "消费帮扶采购_运检部_2025Q2.xlsx"],
         "verdict": "undecided", "reason": "内容不同，都没有注明是更正版"},
        {"unit": UNIT, "branch": "办公室", "table": "donations", "period": "2025Q2",
         "files": ["捐款_办公室.xlsx", "捐款_办公室_更正.xlsx"], "verdict": "replaced",
         "kept": "捐款_办公室_更正.xlsx", "replaced": ["捐款_办公室.xlsx"], "rows_replaced": 2,
         "reason": "文件名注明“更正”"},
    ]  # fmt: skip
    m = receipt_matrix(manifest(files, copies=copies), Q2, today=TODAY)
    assert status(m, "运检部", "purchases") == ("two", True)
    assert status(m, "办公室", "donations") == ("received", False)
    [two] = m[m["status"] == "two"].to_dict("records")
    assert two["files"] == "消费帮扶采购_运检部_2025Q2(1).xlsx、消费帮扶采购_运检部_2025Q2.xlsx"
    assert cell_notes(m) == [
        "办公室 捐款捐物（2025年第二季度）已收到：按更正版 捐款_办公室_更正.xlsx 计"
        "（文件名注明“更正”），替换了 捐款_办公室.xlsx（2 行）",
        "运检部 消费帮扶采购（2025年第二季度）两份：内容不同，都没有注明是更正版",
    ]


def test_a_ledger_counted_after_publication_is_late() -> None:
    files = every_ledger()
    published = Published(
        "2025-07-10 09:00",
        frozenset(f["file"] for f in files if f["file"] != "volunteering_安监部_2025Q2.xlsx"),
    )
    m = receipt_matrix(manifest(files), Q2, published=published, today=TODAY)
    assert status(m, "安监部", "volunteering") == ("late", False)
    assert status(m, "办公室", "volunteering") == ("received", False)
    [late] = m[m["status"] == "late"].to_dict("records")
    assert late["note"] == "该期报告于 2025-07-10 09:00 发布，之后才收到"


def test_an_unreadable_file_named_for_a_cell_is_not_missing() -> None:
    files = every_ledger(but=("donations", "营销部"))
    notices = [
        {"file": "捐款捐物登记_营销部_2025Q2.xls", "sheet": None, "level": "error",
         "message": "文件已加密", "unit": UNIT},
    ]  # fmt: skip
    m = receipt_matrix(manifest(files, notices=notices), Q2, today=TODAY)
    assert status(m, "营销部", "donations") == ("unread", False)  # the gate's unreadable blocks


def test_a_unit_without_declared_departments_has_its_own_row_that_only_informs() -> None:
    # its 填报单位 names a department, but nobody declared any: the file counts for the unit
    files = [sheet("志愿服务.xlsx", "volunteering", "党群工作部", "2025Q2", unit="青江卷烟厂")]
    expected = {"青江卷烟厂": {"branches": [], "never_sends": {}}}
    m = receipt_matrix(manifest(files, expected=expected), Q2, today=TODAY)
    assert set(m["branch"]) == {""}
    assert status(m, "", "volunteering") == ("received", False)
    assert status(m, "", "donations") == ("missing", False)  # nobody said it owes one
    assert grid(m).to_dict("records") == [
        {"unit": "青江卷烟厂", "branch": "（全单位）", "wishes": "未收到",
         "donations": "未收到", "purchases": "未收到", "volunteering": "已收到"},
    ]  # fmt: skip


def test_an_undeclared_department_gets_a_row_but_owes_nothing() -> None:
    files = [*every_ledger(), sheet("捐款_财务部.xlsx", "donations", "财务部", "2025Q2")]
    m = receipt_matrix(manifest(files), Q2, today=TODAY)
    assert status(m, "财务部", "donations") == ("received", False)
    assert status(m, "财务部", "wishes") == ("none", False)


def test_a_half_year_owes_each_quarter_and_a_year_file_covers_them() -> None:
    h1 = Period.parse("2025H1")
    assert [p.label for p in slots(h1, TODAY)] == ["2025Q1", "2025Q2"]
    assert [p.label for p in slots(Period.parse("2025"), dt.date(2025, 5, 1))] == [
        "2025Q1",
        "2025Q2",
    ]  # a quarter not begun is not owed yet
    files = every_ledger("2025Q1") + every_ledger("2025Q2", but=("wishes", "办公室"))
    files.append(sheet("心愿清单_办公室_2025.xlsx", "wishes", "办公室", "2025"))
    files = [f for f in files if f["file"] != "volunteering_营销部_2025Q1.xlsx"]
    m = receipt_matrix(manifest(files), h1, today=TODAY)
    assert len(m) == 4 * 4 * 2
    assert status(m, "办公室", "wishes", "2025Q2") == ("received", False)  # the year file
    assert status(m, "营销部", "volunteering", "2025Q1") == ("missing", True)
    [row] = grid(m)[lambda g: g["branch"] == "营销部"].to_dict("records")
    assert row["volunteering"] == "第一季度：未收到；第二季度：已收到"
    assert row["donations"] == "已收到"


def test_units_roll_up_to_their_worst_cell_and_a_scope_keeps_its_own() -> None:
    files = every_ledger(but=("donations", "营销部"))
    files.append(sheet("志愿服务.xlsx", "volunteering", "", "2025Q2", unit="二分厂"))
    expected = {
        UNIT: {"branches": BRANCHES, "never_sends": {}},
        "二分厂": {"branches": [], "never_sends": {}},
    }
    m = receipt_matrix(manifest(files, expected=expected), Q2, today=TODAY)
    assert by_unit(m).to_dict("records") == [
        {"unit": UNIT, "wishes": "已收到", "donations": "未收到", "purchases": "已收到",
         "volunteering": "已收到"},
        {"unit": "二分厂", "wishes": "未收到", "donations": "未收到", "purchases": "未收到",
         "volunteering": "已收到"},
    ]  # fmt: skip
    mine = receipt_matrix(manifest(files, expected=expected), Q2, Scope("二分厂"), today=TODAY)
    assert set(mine["unit"]) == {"二分厂"}


def test_the_published_record_is_the_files_its_figures_counted(tmp_path: Path) -> None:
    figures = {
        "period": "2025Q2",
        "draft": False,
        "figures": {
            "donations_yuan": {"rows": {"捐款_办公室.xlsx［台账］第5行": "30,000"}},
            "volunteering_activities": {"rows": {"志愿_营销部.xlsx［Sheet1］第7行": "6"}},
        },
    }
    path = tmp_path / "quarterly_summary.figures.json"
    path.write_text(json.dumps(figures, ensure_ascii=False), encoding="utf-8")
    os.utime(path, (dt.datetime(2025, 7, 10, 9, 30).timestamp(),) * 2)
    assert load_published(tmp_path) == Published(
        "2025-07-10 09:30", frozenset({"捐款_办公室.xlsx", "志愿_营销部.xlsx"})
    )
    path.write_text(json.dumps(figures | {"draft": True}), encoding="utf-8")
    assert load_published(tmp_path) is None  # a draft was never given out
    assert load_published(tmp_path / "nowhere") is None
    # as reporting/headlines.py stores them now: figures name row sets, kept once beside them
    figures = {
        "period": "2025Q2",
        "draft": False,
        "figures": {
            "donations_yuan": {"label": "本期捐款捐物", "text": "3万元", "rows": ["d@2025Q2"]},
            "volunteering_activities": {"label": "志愿服务", "text": "1次", "rows": ["v@2025Q2"]},
        },
        "rows": {
            "d@2025Q2": {"捐款_办公室.xlsx［台账］第5行": 30000},
            "v@2025Q2": {"志愿_营销部.xlsx［Sheet1］第7行": 6, "志愿_安监部.xlsx［台账］第5行": 2},
        },
    }
    path.write_text(json.dumps(figures, ensure_ascii=False), encoding="utf-8")
    published = load_published(tmp_path)
    assert published is not None
    assert published.files == {"捐款_办公室.xlsx", "志愿_营销部.xlsx", "志愿_安监部.xlsx"}


def test_the_first_page_shows_the_grid_with_what_blocks_in_red() -> None:
    from metrics.reporting.quality_report import QualityReport, receipts_html

    files = [
        *every_ledger(but=("donations", "营销部")),
        sheet("捐款.xlsx", "donations", "研发<部>", "2025Q2"),
    ]
    m = receipt_matrix(manifest(files), Q2, today=TODAY)
    empty = pd.DataFrame()
    q = QualityReport(Q2, "", "", Path("."), Scope(), {}, {}, empty, empty, empty, {}, receipts=m)
    html = receipts_html(q).data
    assert "收表情况（2025年第二季度）" in html
    assert (
        "<td>营销部</td><td style=''>已收到</td><td style='color:#b00020;font-weight:bold'>未收到</td>"
        in html
    )
    assert "<td>研发&lt;部&gt;</td>" in html  # names are escaped
    assert "本单位没有在 shishi.toml" not in html  # departments are declared here
