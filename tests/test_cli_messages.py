"""The ten most common mistakes: each gives a Chinese message that names the fix, and its own
exit code (never a traceback, never exit 1, which means a bug in shishi)."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import pytest

from metrics.errors import ExitCode
from metrics.paths import PROJECT_ROOT
from metrics.running.cli import main

SAMPLE = PROJECT_ROOT / "data" / "raw"
DONATIONS_CSV = "日期,项目/用途,捐赠方,类型,金额\n2025-01-15,大病救助,甲车间分工会,现金,3000\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Exit code and everything printed (stdout + stderr), as the analyst sees it."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def raw_folder(tmp_path: Path, csv: str = DONATIONS_CSV, toml: str | None = None) -> Path:
    raw = tmp_path / "原始数据"
    raw.mkdir()
    (raw / "捐款_甲车间.csv").write_text(csv, encoding="utf-8")
    if toml is not None:
        (raw / "shishi.toml").write_text(toml, encoding="utf-8")
    return raw


def no_latin_sentences(text: str) -> bool:
    """No English prose: paths, options and file names are fine, words like 'error' are not."""
    return not re.search(r"\b(error|usage|invalid|required|expected|Traceback)\b", text)


def test_wrong_period(capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(capsys, "report", "--period", "2024Q5", "--raw", str(SAMPLE))
    assert code == ExitCode.USAGE
    assert "无法识别的报告期间「2024Q5」" in text
    assert "2024Q3" in text  # the hint shows the forms that work
    assert no_latin_sentences(text)


def test_missing_period_is_explained_in_chinese_by_argparse(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, text = run(capsys, "report")
    assert code == ExitCode.USAGE
    assert "用法：shishi report" in text
    assert "缺少必需的参数：--period" in text
    assert "shishi report --help" in text
    assert no_latin_sentences(text)


def test_mistyped_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(capsys, "rport")
    assert code == ExitCode.USAGE
    assert "没有 'rport' 这一项" in text and "'report'" in text
    assert no_latin_sentences(text)


def test_no_data_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(capsys, "clean", "--raw", str(tmp_path / "没有这个文件夹"))
    assert code == ExitCode.INPUT
    assert "原始数据文件夹不存在" in text and "--raw" in text


def test_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "raw").mkdir()
    code, text = run(capsys, "clean", "--raw", str(tmp_path / "raw"))
    assert code == ExitCode.INPUT
    assert "没有表格文件" in text and "放进这个文件夹" in text


def test_unknown_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = raw_folder(tmp_path, toml='[unit]\nname = "测试厂"\n')
    code, text = run(
        capsys,
        *("report", "--period", "2025Q1", "--raw", str(raw), "--out", str(tmp_path / "p")),
        *("--reports", str(tmp_path / "r"), "--unit", "测试总厂"),
    )
    assert code == ExitCode.USAGE
    assert "测试总厂" in text and "测试厂" in text and "--unit" in text
    assert not (tmp_path / "r" / "2025Q1" / "quarterly_summary.pdf").exists()


def test_bad_toml_full_width_quotes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = raw_folder(tmp_path, toml="[unit]\nname = “测试厂”\n")
    code, text = run(capsys, "clean", "--raw", str(raw), "--out", str(tmp_path / "p"))
    assert code == ExitCode.CONFIG
    assert "shishi.toml" in text and "第 2 行" in text and "name" in text
    assert "中文标点 “ ”" in text and "英文半角" in text
    assert no_latin_sentences(text)


def test_bad_toml_value_without_quotes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = raw_folder(tmp_path, toml='[unit]\nname = "测试厂"\nbranches = [甲车间]\n')
    code, text = run(capsys, "clean", "--raw", str(raw), "--out", str(tmp_path / "p"))
    assert code == ExitCode.CONFIG
    assert "第 3 行" in text and "branches" in text and "英文双引号" in text


def test_unknown_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a required column under a name whose words say nothing (善款数额 is now read by its head
    # word 数额): the sheet is not read, and says how, naming the field by its Chinese label
    raw = raw_folder(tmp_path, csv=DONATIONS_CSV.replace(",金额", ",心意"))
    code, text = run(capsys, "clean", "--raw", str(raw), "--out", str(tmp_path / "p"))
    assert code == ExitCode.INPUT
    assert "心意" in text and "[headers.donations]" in text
    assert "amount_yuan)" not in text


def test_extra_unknown_column_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = "日期,项目/用途,捐赠方,类型,金额,经手人\n2025-01-15,大病救助,甲车间,现金,3000,某人\n"
    raw = raw_folder(tmp_path, csv=csv)
    code, text = run(capsys, "clean", "--raw", str(raw), "--out", str(tmp_path / "p"))
    assert code == ExitCode.OK
    assert "未识别的列" in text and "经手人" in text and "[headers.donations]" in text


def test_file_open_in_excel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = raw_folder(tmp_path)
    (raw / "~$捐款_甲车间.csv").write_bytes(b"\x00lock")
    code, text = run(capsys, "clean", "--raw", str(raw), "--out", str(tmp_path / "p"))
    assert code == ExitCode.OK  # the rest is read; the notice says what may be missing
    assert "文件正在 Excel 中打开：捐款_甲车间.csv" in text
    assert "保存并关闭后重新运行" in text


@pytest.mark.parametrize(
    ("err", "says", "fix"),
    [
        (errno.EACCES, "没有写入权限", "--out"),
        (errno.ENOSPC, "磁盘空间不足", "清理磁盘空间"),
    ],
)
def test_output_cannot_be_written(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    err: int,
    says: str,
    fix: str,
) -> None:
    raw = raw_folder(tmp_path)
    out = tmp_path / "p"

    def refuse(frame: object, path: object, *args: object, **kwargs: object) -> None:
        raise OSError(err, "simulated", str(path))

    monkeypatch.setattr("pandas.DataFrame.to_parquet", refuse)  # the writer of the tables
    code, text = run(capsys, "clean", "--raw", str(raw), "--out", str(out))
    assert code == ExitCode.OUTPUT
    assert says in text and fix in text and str(out) in text
    assert "Traceback" not in text


def test_running_from_the_wrong_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, text = run(capsys, "clean")
    assert code == ExitCode.USAGE
    assert f"cd {PROJECT_ROOT}" in text
    assert "--workdir" in text and "--raw" in text


def test_sample_data_is_announced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(capsys, "clean", "--raw", str(SAMPLE), "--out", str(tmp_path / "p"))
    assert code == ExitCode.OK
    assert "示例数据" in text and "make init" in text
    assert "心愿清单" in text and "wishes" not in text  # table names in Chinese


def test_a_bad_number_of_jobs_is_refused_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(capsys, "report", "--period", "2024Q4", "--jobs", "两")
    assert code == ExitCode.USAGE
    assert "参数 --jobs：「两」不是正整数" in text
    assert no_latin_sentences(text)


#: A field named by its code in brackets, as "(donor)" or "（amount_yuan）": messages use the
#: Chinese label only (the code appears only in a shishi.toml line to paste).
FIELD_CODE = re.compile(r"[（(][a-z]+(?:_[a-z]+)*[)）]")


def hostile_workdir(root: Path) -> Path:
    """A unit's working folder with the mistakes departments make, one of each kind."""
    import openpyxl

    from metrics.running.init import init_workdir

    wd = init_workdir(root, "东山供电公司", [])

    def book(name: str, rows: list[list[object]], sheet: str = "2024Q2") -> None:
        wb = openpyxl.Workbook()
        wb.active.title = sheet
        for row in rows:
            wb.active.append(row)
        (wd.raw / name).parent.mkdir(parents=True, exist_ok=True)
        wb.save(wd.raw / name)

    book(
        "捐款捐物_2024Q2.xlsx",
        [
            ["日期", "项目/用途", "捐赠方", "类型", "金额（元）"],
            ["2024-05-10", "帮扶", "营销部", "现金", 20000],
            ["2024-05-11", "帮扶", "办公室", "现金", "待定"],  # a refused amount
            ["2024-13-45", "帮扶", "办公室", "现金", 100],  # an impossible date
            ["2024-05-13", "帮扶", "某某", "现金", -300],  # a warning
        ],
    )
    book(
        "志愿服务_2024Q2.xlsx",
        [
            ["活动日期", "组织单位", "活动名称", "参与人数", "服务时长", "神秘列"],
            ["2024-05-01", "一支部", "清扫", "很多人", "半天", "x"],
            ["2024-05-02", "一支部", "义诊", 0, -2, "y"],
        ],
    )
    book("采购_2024Q2.xlsx", [["序号", "采购主体", "产品", "备注"], [1, "企业", "蜂蜜", "无"]])
    book("奇怪的表.xlsx", [["日子", "善款数额", "捐助人"], ["2024-05-01", "1000", "张三"]])
    (wd.raw / "坏文件_捐款捐物.xlsx").write_bytes(b"not a workbook")
    book("二车间/捐款.xlsx", [["日期", "捐赠方", "金额"], ["2024-05-01", "甲", 10]])
    book("心愿清单A.xlsx", [["序号", "项目名称", "办理进度"], [1, "修路", "已办结"]], "清单")
    book("心愿清单B.xlsx", [["序号", "项目名称", "办理进度"], [1, "修路", "推进中"]], "清单")
    (wd.raw / "~$捐款捐物_2024Q2.xlsx").write_bytes(b"\x00owner")
    (wd.raw / "说明.docx").write_bytes(b"x")
    (wd.raw / "报告文字").mkdir()
    (wd.raw / "报告文字" / "2024Q2.md").write_text(
        "## 亮点\n- 好\n## 乱写\n文字\n", encoding="utf-8"
    )
    return wd.root


def assert_plain_chinese(text: str, where: str) -> None:
    assert "data/raw" not in text and "data/processed" not in text, (where, text)
    assert not FIELD_CODE.search(text), (where, FIELD_CODE.findall(text))


@pytest.mark.e2e
def test_a_working_folder_run_names_its_own_folder_and_chinese_fields_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 19, item 10: every message of a hostile run (terminal, rejects, warnings, the
    manifest's notices and hints, the data-quality PDF) names the folder being read and
    fields by their Chinese labels."""
    import csv
    import json
    import subprocess

    root = hostile_workdir(tmp_path / "实事报告")
    code, said = run(capsys, "report", "--workdir", str(root), "--period", "2024Q2", "--draft")
    assert code == ExitCode.INCOMPLETE
    assert str(root / "原始数据") in said  # the folder actually read is named
    assert_plain_chinese(said, "terminal")
    processed = root / "清洗结果"
    for name in ("rejects.csv", "warnings.csv"):
        with (processed / name).open(encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                assert_plain_chinese(row.get("reason") or row.get("message") or "", name)
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    for notice in manifest["notices"]:
        assert_plain_chinese(f"{notice['message']} {notice.get('hint', '')}", notice["file"])
    pdf = root / "报告" / "2024Q2" / "data_quality.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
    assert_plain_chinese(text.stdout.decode("utf-8"), "data_quality.pdf")


def test_settings_mistakes_name_fields_in_chinese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = '[headers.donations]\ndonr = ["捐助人"]\n'
    raw = raw_folder(tmp_path, toml=toml)
    code, said = run(capsys, "clean", "--raw", str(raw), "--out", str(tmp_path / "p"))
    assert code == ExitCode.CONFIG
    assert "捐款捐物台账没有「donr」这一列" in said and "是不是「donor」（捐赠方）" in said
    assert_plain_chinese(said, "shishi.toml")
    # the analyst's report text: the hint says the format, not a file in the sample folder
    (raw / "报告文字").mkdir()
    (raw / "报告文字" / "2025Q1.md").write_text("## 乱写\n文字\n", encoding="utf-8")
    from metrics.errors import ConfigError
    from metrics.periods import Period
    from metrics.reporting.analyst import load_analyst_text

    with pytest.raises(ConfigError) as err:
        load_analyst_text(raw, Period.parse("2025Q1"))
    assert_plain_chinese(str(err.value), "报告文字")
