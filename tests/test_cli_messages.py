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
