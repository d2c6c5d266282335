"""Two files of one department, ledger and period: a declared correction replaces the original,
anything else is left for the analyst - never both counted, never a silent pick.

Each ledger is a department's own sheet with a 填报 line above its header (填报单位, 填报期间,
填报日期), built here; the figures are read off the rows written.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from conftest import assert_reconciled
from metrics.cleaning.corrections import corrections, names_a_correction
from metrics.cleaning.store import run_clean


def ledger(
    path: Path, dept: str, filled_on: str, rows: list[list[object]], period: str = "2025Q2"
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append([f"{dept}捐款登记"])
    ws.append([f"填报单位：{dept}", None, f"填报期间：{period}", None, f"填报日期：{filled_on}"])
    ws.append(["日期", "捐赠方", "金额", "备注"])  # Excel row 3
    for row in rows:
        ws.append(row)
    wb.save(path)


def raw_folder(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "shishi.toml").write_text(
        '[unit]\nname = "测试厂"\nbranches = ["甲部", "乙部"]\n', encoding="utf-8"
    )
    return raw


def sheets(outcome, file: str) -> dict:  # type: ignore[no-untyped-def]
    [entry] = [f for f in outcome.manifest["files"] if f["file"] == file]
    [sheet] = [s for s in entry["sheets"] if s.get("table")]
    return sheet


def test_a_file_named_as_the_correction_replaces_the_original(tmp_path: Path) -> None:
    raw = raw_folder(tmp_path)
    ledger(
        raw / "捐款_甲部.xlsx",
        "甲部",
        "2025年7月1日",
        [["2025-05-10", "甲部职工", 30000, None], ["2025-06-01", "甲部职工", "待定", None]],
    )
    ledger(
        raw / "捐款_甲部_更正.xlsx",
        "甲部",
        "2025年7月1日",
        [["2025-05-10", "甲部职工", 30000, None], ["2025-06-01", "甲部职工", 14500, None]],
    )
    outcome = run_clean(raw)
    assert outcome.tables["donations"]["amount_yuan"].tolist() == [30000.0, 14500.0]
    assert set(outcome.tables["donations"]["source_file"]) == {"捐款_甲部_更正.xlsx"}
    old = sheets(outcome, "捐款_甲部.xlsx")
    assert (old["rows_read"], old["accepted"], old["rejected"], old["replaced"]) == (2, 0, 0, 2)
    assert outcome.rejects.empty  # its 待定 is no longer the department's to fix
    assert old["replaced_by"] == "捐款_甲部_更正.xlsx"
    assert_reconciled(old, "捐款_甲部.xlsx")
    assert outcome.manifest["totals"]["replaced"] == 2
    assert corrections(outcome.manifest) == [
        {
            "unit": "测试厂",
            "branch": "甲部",
            "table": "donations",
            "period": "2025Q2",
            "files": ["捐款_甲部.xlsx", "捐款_甲部_更正.xlsx"],
            "verdict": "replaced",
            "kept": "捐款_甲部_更正.xlsx",
            "replaced": ["捐款_甲部.xlsx"],
            "rows_replaced": 2,
            "reason": "文件名注明“更正”",
        }
    ]


def test_a_later_filling_date_replaces_the_earlier_file(tmp_path: Path) -> None:
    raw = raw_folder(tmp_path)
    ledger(raw / "甲部捐款A.xlsx", "甲部", "2025年7月8日", [["2025-05-10", "甲部职工", 900, None]])
    ledger(raw / "甲部捐款B.xlsx", "甲部", "2025年7月1日", [["2025-05-10", "甲部职工", 800, None]])
    outcome = run_clean(raw)
    assert outcome.tables["donations"]["amount_yuan"].tolist() == [900.0]
    [c] = corrections(outcome.manifest)
    assert (c["kept"], c["reason"]) == (
        "甲部捐款A.xlsx",
        "填报日期 2025-07-08 晚于另一份（2025-07-01）",
    )


def test_signs_that_disagree_or_say_nothing_leave_both_for_the_analyst(tmp_path: Path) -> None:
    raw = raw_folder(tmp_path)
    ledger(raw / "捐款_甲部_修改.xlsx", "甲部", "2025年7月1日", [["2025-05-10", "甲部", 900, None]])
    ledger(raw / "捐款_甲部.xlsx", "甲部", "2025年7月8日", [["2025-05-10", "甲部", 800, None]])
    ledger(raw / "捐款_乙部.xlsx", "乙部", "2025年7月1日", [["2025-05-10", "乙部", 300, None]])
    ledger(raw / "捐款_乙部2.xlsx", "乙部", "2025年7月1日", [["2025-05-11", "乙部", 400, None]])
    outcome = run_clean(raw)
    copies = {c["branch"]: c for c in outcome.manifest["receipts"]["copies"]}
    assert copies["甲部"]["verdict"] == "undecided"
    assert copies["甲部"]["reason"] == (
        "「捐款_甲部_修改.xlsx」的文件名注明修改，但「捐款_甲部.xlsx」的填报日期（2025-07-08）"
        "更晚，无法判断以哪份为准"
    )
    assert copies["乙部"]["verdict"] == "undecided"
    assert copies["乙部"]["files"] == ["捐款_乙部.xlsx", "捐款_乙部2.xlsx"]
    # nothing is moved while undecided: the report is blocked instead (a 两份 cell)
    assert sorted(outcome.tables["donations"]["amount_yuan"]) == [300.0, 400.0, 800.0, 900.0]
    assert corrections(outcome.manifest) == []


def test_the_same_rows_sent_twice_are_a_copy_counted_once(tmp_path: Path) -> None:
    raw = raw_folder(tmp_path)
    rows: list[list[object]] = [["2025-05-10", "甲部职工", 900, None]]
    ledger(raw / "捐款_甲部.xlsx", "甲部", "2025年7月1日", rows)
    ledger(raw / "捐款_甲部(1).xlsx", "甲部", "2025年7月2日", rows)
    outcome = run_clean(raw)
    [c] = outcome.manifest["receipts"]["copies"]
    assert c["verdict"] == "identical"
    assert outcome.tables["donations"]["amount_yuan"].tolist() == [900.0]


def test_other_departments_periods_and_running_ledgers_are_not_copies(tmp_path: Path) -> None:
    raw = raw_folder(tmp_path)
    ledger(raw / "捐款_甲部.xlsx", "甲部", "2025年7月1日", [["2025-05-10", "职工", 900, None]])
    ledger(raw / "捐款_乙部.xlsx", "乙部", "2025年7月1日", [["2025-05-10", "职工", 800, None]])
    ledger(raw / "捐款_甲部Q1.xlsx", "甲部", "2025年4月1日", [["2025-02-10", "职工", 700, None]],
           period="2025Q1")  # fmt: skip
    for name, status in (("心愿_甲部.xlsx", "推进中"), ("心愿_甲部_更正.xlsx", "已办结")):
        wb = Workbook()
        ws = wb.active
        ws.append(["填报单位：甲部", None, "填报期间：2025Q2"])
        ws.append(["序号", "项目名称", "办理进度"])
        ws.append([1, "更衣室加装热水器", status])
        wb.save(raw / name)
    outcome = run_clean(raw)
    assert outcome.manifest["receipts"]["copies"] == []  # the wish list keeps its own rule
    assert sorted(outcome.tables["donations"]["amount_yuan"]) == [700.0, 800.0, 900.0]
    assert len(outcome.tables["wishes"]) == 1  # one item: versions, never two items


def test_correction_words_are_read_from_the_vocabulary() -> None:
    assert names_a_correction("捐款捐物登记_办公室_2025Q2_更正.xlsx") == "更正"
    assert names_a_correction("dir/捐款（修订版）.xlsx") == "修订"
    assert names_a_correction("捐款捐物登记_办公室_2025Q2.xlsx") == ""
