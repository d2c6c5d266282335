"""The completeness gate (issue 11, case 1): an unreadable sheet, an empty folder, a period
without data or a unit without files never gives a clean-looking leadership report.

Pure checks on gate.check first; then the command end to end: exit code 5, the data-quality
PDF's first page is the to-do list, no leadership PDF unless --draft, and then every page of it
says 草稿 · 数据不完整.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from conftest import run_report
from metrics.cleaning.store import run_clean
from metrics.errors import ExitCode
from metrics.periods import Period
from metrics.running import gate
from metrics.scope import Scope

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw"


def renamed_amount_header(raw: Path) -> None:
    """The sample with the donations 2024Q4 sheet's 金额（元） column renamed 款项情况 and its
    cells written 见附表: no header and no content says where the amounts are, so the sheet
    cannot be read (a renamed header over real amounts is now read by its content)."""
    shutil.copytree(SAMPLE, raw)
    path = raw / "捐款捐物登记2024.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["2024Q4"]
    ws["E3"] = "款项情况"
    for row in range(4, 9):
        ws[f"E{row}"] = "见附表"
    wb.save(path)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_pages(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return [squeeze(p) for p in out.stdout.decode("utf-8").split("\f") if p.strip()]


def test_sample_has_no_blockers() -> None:
    outcome = run_clean(SAMPLE)
    assert gate.check(outcome.manifest, outcome.tables, Scope.whole(), Period.parse("2024Q4")) == []


def test_unreadable_sheet_blocks_with_the_toml_to_paste(tmp_path: Path) -> None:
    renamed_amount_header(tmp_path / "raw")
    outcome = run_clean(tmp_path / "raw")
    found = gate.check(outcome.manifest, outcome.tables, Scope.whole(), Period.parse("2024Q4"))
    [b] = found
    assert (b.kind, b.file, b.sheet, b.table) == (
        "unreadable",
        "捐款捐物登记2024.xlsx",
        "2024Q4",
        "donations",
    )
    assert (
        b.toml == ""
    )  # no column could hold the amounts: nothing to paste, the office must fix it
    assert gate.unreadable_tables(found) == ["donations"]


def test_empty_folder_blocks(tmp_path: Path) -> None:
    outcome = run_clean(tmp_path)
    [b] = gate.check(outcome.manifest, outcome.tables, Scope.whole(), Period.parse("2024Q4"))
    assert b.kind == "empty_folder" and "没有任何台账文件" in b.message


def test_period_without_data_blocks() -> None:
    outcome = run_clean(SAMPLE)
    found = gate.check(outcome.manifest, outcome.tables, Scope.whole(), Period.parse("2026Q1"))
    assert [b.kind for b in found] == ["no_period_data"]
    assert "2026年第一季度" in found[0].message


def test_declared_unit_without_files_blocks() -> None:
    outcome = run_clean(SAMPLE)
    found = gate.check(outcome.manifest, outcome.tables, Scope("二车间"), Period.parse("2024Q4"))
    assert [b.kind for b in found] == ["no_unit_data", "no_period_data"]


def test_table_with_sheets_but_no_accepted_rows_blocks(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "捐款.csv").write_text(
        "日期,捐赠方,金额\n不是日期,甲,待定\n也不是,乙,？\n", encoding="utf-8"
    )
    (raw / "志愿.csv").write_text(
        "活动日期,组织单位,活动名称,参与人数\n2024-10-08,一支部,植树,12\n", encoding="utf-8"
    )
    outcome = run_clean(raw)
    found = gate.check(outcome.manifest, outcome.tables, Scope.whole(), Period.parse("2024Q4"))
    assert [(b.kind, b.table) for b in found] == [("no_rows", "donations")]


@pytest.mark.e2e
def test_unreadable_sheet_exits_5_with_todo_page_and_no_leadership_pdf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    renamed_amount_header(tmp_path / "raw")
    code = run_report(tmp_path, tmp_path / "raw")
    out, err = capsys.readouterr()
    assert code == ExitCode.INCOMPLETE == 5
    folder = tmp_path / "r" / "2024Q4"
    assert not (folder / "quarterly_summary.pdf").exists()
    assert "完成" not in out
    assert "捐款捐物登记2024.xlsx［2024Q4］" in err and "款项情况" in err
    assert err.index("捐款捐物登记2024.xlsx") < len(err)  # blockers on the terminal
    first = pdf_pages(folder / "data_quality.pdf")[0]
    assert "待办事项" in first and "款项情况" in first and "金额" in first
    assert "处理办法" in first


@pytest.mark.e2e
def test_draft_marks_every_page_and_lists_what_is_missing(tmp_path: Path) -> None:
    renamed_amount_header(tmp_path / "raw")
    code = run_report(tmp_path, tmp_path / "raw", "--draft", "--only", "quarterly_summary")
    assert code == ExitCode.INCOMPLETE
    pages = pdf_pages(tmp_path / "r" / "2024Q4" / "quarterly_summary.pdf")
    assert len(pages) > 3
    assert all("草稿·数据不完整" in p for p in pages)
    assert any("数据不完整：以下问题解决前" in p and "捐款捐物登记2024.xlsx" in p for p in pages)


def test_unknown_unit_is_a_scope_error_listing_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_report(tmp_path, SAMPLE, "--unit", "二车间", "--only", "data_quality")
    assert code == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "二车间" in err and "青江卷烟厂" in err
    assert not list((tmp_path / "r").rglob("*.pdf"))  # the lock file may exist; no report


@pytest.mark.e2e
def test_empty_folder_exits_5_and_still_writes_the_data_quality_pdf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    assert run_report(tmp_path, raw) == ExitCode.INCOMPLETE
    out, err = capsys.readouterr()
    assert "完成" not in out and "没有任何台账文件" in err
    folder = tmp_path / "r" / "2024Q4"
    assert not (folder / "quarterly_summary.pdf").exists()
    assert "没有任何台账文件" in pdf_pages(folder / "data_quality.pdf")[0]


def test_what_counts_as_a_ledger_that_was_not_read() -> None:
    def notice(file: str, sheet: str | None, message: str = "前20行中没有找到可识别的表头") -> dict:
        return {"file": file, "sheet": sheet, "level": "error", "message": message}

    assert gate.looks_like_ledger(notice("捐款.xlsx", None, "工作簿已损坏"))
    assert gate.looks_like_ledger(notice("二车间/", None, "未声明"))
    assert gate.looks_like_ledger(notice("汇总.xlsx", "Sheet1", "第3行看起来像捐款捐物表头，但…"))
    assert gate.looks_like_ledger(notice("捐款捐物登记2025.xlsx", "Sheet1"))
    assert not gate.looks_like_ledger(notice("调研报告.docx", None, "不是表格文件"))
    assert not gate.looks_like_ledger(notice("汇总.xlsx", "图表"))
    assert not gate.looks_like_ledger({**notice("捐款.xlsx", None), "level": "info"})


def test_marks_label_every_page_and_add_a_box_only_once() -> None:
    from metrics.reporting.render import mark_html

    page = "<html><head></head><body><h2>一、总体情况</h2><p>正文</p></body></html>"
    marked = mark_html(page, {"page_label": "草稿 · 数据不完整", "blockers_box": "<div>缺</div>"})
    assert '@top-right { content: "草稿 · 数据不完整"' in marked
    assert marked.index("<div>缺</div>") > marked.index("</h2>")
    shown = page.replace("<p>正文</p>", '<div class="blockers">notebook</div>')
    assert "<div>缺</div>" not in mark_html(shown, {"blockers_box": "<div>缺</div>"})


def test_a_running_ledger_conflict_blocks_only_its_own_unit() -> None:
    outcome = run_clean(SAMPLE)
    conflict = {"table": "wishes", "unit": "甲厂", "identity": "3 修路", "files": "a.xlsx、b.xlsx",
                "toml": '[[pin]]\nfile = "a.xlsx"\nperiod = "2025Q1"'}  # fmt: skip
    manifest = outcome.manifest | {"running_ledgers": {"updated": [], "conflicts": [conflict]}}
    p = Period.parse("2024Q4")
    [b] = gate.check(manifest, outcome.tables, Scope.whole(), p)
    assert b.kind == "conflict" and "3 修路" in b.message and b.toml.startswith("[[pin]]")
    assert gate.check(manifest, outcome.tables, Scope("青江卷烟厂"), p) == []


# --- the receipt matrix (issue 19): what each department owed ---------------------------------


def _templates_back(raw: Path, rows: dict[str, list[list[object]]]) -> None:
    """甲部's and 乙部's 2025Q2 donation templates, filled with ``rows`` per department."""
    from metrics.cleaning.ledger_templates import HEADER_ROW, write_templates

    raw.mkdir(parents=True, exist_ok=True)
    (raw / "shishi.toml").write_text(
        '[unit]\nname = "测试厂"\nbranches = ["甲部", "乙部"]\n', encoding="utf-8"
    )
    for path in write_templates(
        raw, period=Period.parse("2025Q2"), offices=["甲部", "乙部"], unit="测试厂"
    ):
        office = path.name.split("_")[1]
        if not path.name.startswith("捐款捐物登记") or office not in rows:
            path.unlink()
            continue
        wb = openpyxl.load_workbook(path)
        ws = wb["台账"]
        ws["J2"] = "2025-07-01"
        for r, row in enumerate(rows[office], start=HEADER_ROW + 1):
            for c, value in enumerate(row, start=1):
                ws.cell(row=r, column=c, value=value)
        wb.save(path)


def test_a_blank_template_is_not_a_sheet_without_accepted_rows(tmp_path: Path) -> None:
    import datetime as dt

    _templates_back(
        tmp_path / "raw", {"甲部": [[dt.date(2025, 5, 1), "助学", "甲部", "现金", 800]], "乙部": []}
    )
    outcome = run_clean(tmp_path / "raw")
    found = gate.check(outcome.manifest, outcome.tables, Scope.whole(), Period.parse("2025Q2"))
    kinds = [b.kind for b in found]
    assert "no_rows" not in kinds  # 乙部 sent its template back blank: 本期无
    # the other three ledgers of both departments never came: one item per department
    missing = [b for b in found if b.kind == "missing_ledger"]
    assert [squeeze(b.message) for b in missing] == [
        squeeze(
            f"未收到{who}的台账：心愿清单（2025年第二季度）、消费帮扶采购（2025年第二季度）、"
            f"志愿服务（2025年第二季度）。缺了它们，相关数字会少算{who}的部分"
        )
        for who in ("甲部", "乙部")
    ]
    assert missing[0].toml == (
        '[[branch]]\nname = "甲部"\nnever_sends = ["心愿清单", "消费帮扶采购", "志愿服务"]'
    )
    assert "心愿清单_甲部_2025Q2.xlsx" in missing[0].hint


def test_two_plain_copies_block_naming_both_and_where_to_move_one(tmp_path: Path) -> None:
    import datetime as dt

    raw = tmp_path / "raw"
    _templates_back(raw, {"甲部": [[dt.date(2025, 5, 1), "助学", "甲部", "现金", 800]]})
    wb = openpyxl.load_workbook(raw / "捐款捐物登记_甲部_2025Q2.xlsx")
    wb["台账"]["E5"] = 900
    wb.save(raw / "捐款捐物登记_甲部_2025Q2 - 副本.xlsx")
    outcome = run_clean(raw)
    [two] = [
        b
        for b in gate.check(outcome.manifest, outcome.tables, Scope.whole(), Period.parse("2025Q2"))
        if b.kind == "two_files"
    ]
    assert (
        "「捐款捐物登记_甲部_2025Q2 - 副本.xlsx」、「捐款捐物登记_甲部_2025Q2.xlsx」" in two.message
    )
    assert f"把另一份移入 {raw / '归档'}" in two.hint
    assert two.table == "donations"


def test_a_unit_without_a_name_blocks_with_the_line_to_add(tmp_path: Path) -> None:
    """No placeholder unit (issue 20 item 5): the cover would say 报送单位：本单位."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "志愿.csv").write_text(
        "活动日期,组织单位,活动名称,参与人数\n2024-10-08,一支部,植树,12\n", encoding="utf-8"
    )
    outcome = run_clean(raw)
    [b] = gate.unnamed_unit(outcome.manifest, Scope.whole())
    assert b.kind == "unnamed_unit" and "本单位" in b.message
    assert b.toml == '[unit]\nname = "某某单位"' and str(raw / "shishi.toml") in b.hint
    assert 'name = "某某单位"' in b.line()  # as the terminal prints it
    (raw / "shishi.toml").write_text('[unit]\nname = "测试厂"\n', encoding="utf-8")
    named = run_clean(raw)
    assert gate.unnamed_unit(named.manifest, Scope.whole()) == []


def test_the_sample_names_its_unit() -> None:
    outcome = run_clean(SAMPLE)
    assert gate.unnamed_unit(outcome.manifest, Scope.whole()) == []


def test_a_blocker_on_the_terminal_keeps_its_lines_but_not_a_file_names_line_break() -> None:
    """The sanitiser ran over the whole blocker: its shishi.toml lines came out as one line
    with \\n in it, which an analyst cannot paste."""
    from metrics.reporting.safe_text import escape_controls
    from metrics.running.gate import Blocker

    b = Blocker(
        kind="unnamed_unit",
        message="没有写明本单位的名称",
        hint="在 shishi.toml 中写上",
        toml='[unit]\nname = "某某单位"',
        file="捐款\n\x1b[31m2024.csv",
    )
    shown = b.line(escape_controls)
    assert '\n      [unit]\n      name = "某某单位"' in shown
    assert "捐款\\n\\x1b[31m2024.csv" in shown and "\x1b" not in shown
