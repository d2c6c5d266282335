"""`shishi inspect PATH` (issue 18, item 9): how a file or a folder is read, in Chinese, read
only; and the same table on the data-quality PDF for a sheet with problems."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pytest

from conftest import run_report
from metrics.cleaning.inspect import inspect_path
from metrics.errors import ExitCode
from metrics.running.cli import main
from test_headerless import reader_ledger
from test_not_ledgers import cash_book
from test_readings import CSV


def folder(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    reader_ledger(raw / "名单.xlsx", title="2024年第四季度名单")
    cash_book(raw / "读书会账目.xlsx")
    (raw / "捐款.csv").write_text(CSV, encoding="utf-8")
    return raw


def snapshot(raw: Path) -> dict[str, str]:
    return {
        p.relative_to(raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in raw.rglob("*")
    }


def test_inspect_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = folder(tmp_path)
    assert main(["inspect", str(raw / "捐款.csv")]) == ExitCode.OK
    out = capsys.readouterr().out
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[0] == f"设置文件：{raw / 'shishi.toml'}（尚未建立）"
    assert "捐款.csv［捐款］  已读入：捐款捐物（读取 3 行：接受 3，拒绝 0）" in lines
    assert "名单.xlsx" not in out  # only the file asked for
    assert (
        "  依据：第1行是表头，其中「捐赠人」「心意」（按内容）是捐款捐物的标志列（捐赠方、金额）"
        in lines
    )
    assert "  表头：第 1 行，数据从第 2 行起" in lines
    # one line per column: letter, header -> field, how, three sample values
    columns = [re.sub(r"\s+", " ", line.strip()) for line in lines if re.match(r"  [A-D]  ", line)]
    assert columns == [
        "A 日期 → 日期 按表头 例：2024-10-05、2024-10-06、2024-11-01",
        "B 捐赠人 → 捐赠方 按表头 例：张三、李四、王五",
        "C 渠道 → 可作备注 未使用 例：微信、银行、微信",
        "D 心意 → 金额 按内容 例：200、1000、50",
    ]
    assert (
        '       如需读取这一列，在 shishi.toml 的 [headers.donations] 中加一行：note = ["渠道"]'
        in lines
    )
    assert (
        "       要确定按此读取，在 shishi.toml 的 [headers.donations] 中加一行："
        'amount_yuan = ["心意"]' in lines
    )


def test_inspect_a_folder_reads_every_sheet_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = folder(tmp_path)
    before = snapshot(raw)
    assert main(["inspect", str(raw)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert snapshot(raw) == before  # read only: no shishi.toml, no outputs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]
    lines = [line.rstrip() for line in out.splitlines()]
    assert "名单.xlsx［Sheet1］  未读入：捐款捐物" in lines
    assert "  表头：没有表头行，数据从第 2 行起" in lines
    assert any(
        re.match(
            r"  A  （无表头）\s+→ 日期\s+按内容（待确认）\s+例：2024-10-05、2024-10-05、2024-10-08",
            line,
        )
        for line in lines
    )
    pin = lines.index("  在 shishi.toml 中加入以下几行即可确定：")
    assert lines[pin + 1 : pin + 7] == [
        "    [[pin]]",
        '    file = "名单.xlsx"',
        '    sheet = "Sheet1"',
        '    table = "donations"',
        "    first_row = 2",
        '    columns = { A = "日期", B = "捐赠方", D = "金额" }',
    ]
    assert "读书会账目.xlsx［收支明细］  不是台账" in lines
    assert any("像是收支账，不是台账" in line for line in lines)
    assert "捐款.csv［捐款］  已读入：捐款捐物（读取 3 行：接受 3，拒绝 0）" in lines


def test_inspect_uses_the_folders_settings(tmp_path: Path) -> None:
    raw = folder(tmp_path)
    (raw / "shishi.toml").write_text(
        '[headers.donations]\namount_yuan = ["心意"]\n', encoding="utf-8"
    )
    found = inspect_path(raw / "捐款.csv")
    assert found.settings_exist
    [r] = found.sheets
    assert [(c.letter, c.how) for c in r.columns if c.field] == [
        ("A", "按表头"),
        ("B", "按表头"),
        ("D", "按表头"),
    ]


def test_inspect_a_path_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(tmp_path / "没有这个.xlsx")]) == ExitCode.INPUT
    err = capsys.readouterr().err
    assert "找不到要查看的文件或文件夹" in err and "Traceback" not in err


def test_inspect_a_file_that_is_no_spreadsheet(tmp_path: Path) -> None:
    (tmp_path / "说明.docx").write_bytes(b"PK")
    found = inspect_path(tmp_path / "说明.docx")
    [r] = found.sheets
    assert (r.file, r.status) == ("说明.docx", "跳过") and r.why


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


@pytest.mark.e2e
def test_the_data_quality_pdf_carries_the_reading_of_a_problem_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "raw"
    reader_ledger(raw / "名单.xlsx", title="2024年第四季度名单")
    (raw / "志愿.csv").write_text(
        "活动日期,组织单位,活动名称,参与人数\n2024-10-08,一支部,植树,12\n", encoding="utf-8"
    )
    assert run_report(tmp_path, raw, "--only", "data_quality") == ExitCode.INCOMPLETE == 5
    err = capsys.readouterr().err
    assert "看起来是捐款捐物名单：日期A列、捐赠方B列、金额D列" in re.sub(r"\s+", "", err)
    pages = [
        re.sub(r"\s+", "", p)
        for p in subprocess.run(
            ["pdftotext", "-layout", str(tmp_path / "r" / "2024Q4" / "data_quality.pdf"), "-"],
            capture_output=True,
            check=True,
        )
        .stdout.decode("utf-8")
        .split("\f")
    ]
    first = pages[0]
    assert "待办事项" in first and "名单.xlsx［Sheet1］" in first
    assert "共12行（第2–13行）" in first
    assert 'columns={A="日期",B="捐赠方",D="金额"}' in first
    appendix = next(p for p in pages if "附：有问题的工作表逐列读法" in p)
    assert "名单.xlsx［Sheet1］未读入：捐款捐物" in appendix
    assert "列表头读作方式依据例子" in appendix
    assert "A—日期按内容（待确认）" in appendix
    assert "2024-10-05、2024-10-05、2024-10-08" in appendix
    assert "志愿.csv" not in appendix
