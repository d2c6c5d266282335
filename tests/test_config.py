"""shishi.toml: every mistake is one Chinese line with the file, the line, the key and the fix.

Each case here used to print a Python traceback or be ignored silently (issue #10).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from metrics.config import RawConfig, load_config
from metrics.errors import ConfigError, ExitCode
from metrics.running.cli import main


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "shishi.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problem(folder: Path, text: str) -> ConfigError:
    write(folder, text)
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    return info.value


def test_no_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == RawConfig(settings_file=tmp_path / "shishi.toml")
    assert config.path is None  # hints still name where the file would go


def test_every_section_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[unit]
name = "青江卷烟厂"
branches = ["卷包车间", "制丝车间"]

[[units]]
folder = "二厂"
name = "青江二厂"

[headers.donations]
donor = ["善款来源"]

[[pin]]
file = "某车间*.xlsx"
sheet = "Sheet1"
table = "donations"
header_row = 4
unit = "万元"
date = 2024-10-05
period = "2024Q4"
currency = "USD"

[rates]
USD = 7.1

[targets]
purchases_enterprise_yuan = 600000
""",
    )
    config = load_config(tmp_path)
    assert config.unit_name == "青江卷烟厂"
    assert config.branches == ["卷包车间", "制丝车间"]
    assert [(u.folder, u.name) for u in config.units] == [("二厂", "青江二厂")]
    assert config.extra_headers == {"donations": {"donor": ["善款来源"]}}
    pin = config.pins[0]
    assert (pin.table, pin.header_row, pin.unit, pin.date, pin.period, pin.currency) == (
        "donations",
        4,
        "万元",
        dt.date(2024, 10, 5),
        "2024Q4",
        "USD",
    )
    assert config.pin_for("某车间捐款.xlsx", "Sheet1") is pin
    assert config.pin_for("某车间捐款.xlsx", "Sheet2") is None
    assert config.rates == {"USD": 7.1}
    assert config.targets == {"purchases_enterprise_yuan": 600000}
    assert config.path == path


def test_single_brackets_for_pin(tmp_path: Path) -> None:
    exc = problem(tmp_path, '[pin]\nfile = "a.xlsx"\ntable = "donations"\n')
    assert "[[pin]]" in str(exc) and "第 1 行" in str(exc)


def test_header_row_in_quotes(tmp_path: Path) -> None:
    exc = problem(tmp_path, '[[pin]]\nfile = "a.xlsx"\nheader_row = "3"\n')
    assert "第 3 行" in str(exc) and "整数" in str(exc) and "pin.header_row" in str(exc)


def test_unknown_table_name_suggests_the_nearest(tmp_path: Path) -> None:
    exc = problem(tmp_path, '[[pin]]\nfile = "a.xlsx"\ntable = "donation"\n')
    assert "donation" in str(exc) and "是不是「donations」" in str(exc)
    assert "第 3 行" in str(exc)


def test_unknown_pin_key_suggests_the_nearest(tmp_path: Path) -> None:
    exc = problem(tmp_path, '[[pin]]\nfile = "a.xlsx"\nsheets = "Sheet1"\n')
    assert "没有这个设置项" in str(exc) and "是不是「sheet」" in str(exc)


def test_string_where_a_list_belongs(tmp_path: Path) -> None:
    exc = problem(tmp_path, '[headers.donations]\ndonor = "捐赠人"\n')
    assert "应为列表" in str(exc) and '["捐赠人"]' in str(exc) and "第 2 行" in str(exc)


def test_misspelt_table_section(tmp_path: Path) -> None:
    exc = problem(tmp_path, '[headers.donation]\ndonor = ["捐赠人"]\n')
    assert "headers.donation" in str(exc) and "是不是「donations」" in str(exc)
    assert "第 1 行" in str(exc)


def test_unknown_field_in_headers(tmp_path: Path) -> None:
    exc = problem(tmp_path, '[headers.donations]\ndoner = ["捐赠人"]\n')
    assert "doner" in str(exc) and "是不是「donor」" in str(exc)


def test_unknown_top_level_section(tmp_path: Path) -> None:
    exc = problem(tmp_path, '[units_]\nname = "x"\n')
    assert "没有这个设置项" in str(exc)


def test_full_width_quotes_get_a_hint(tmp_path: Path) -> None:
    exc = problem(tmp_path, "[unit]\nname = “青江卷烟厂”\n")
    assert "第 2 行" in str(exc) and "中文标点" in str(exc) and "“" in str(exc)


def test_unknown_amount_unit_and_bad_period(tmp_path: Path) -> None:
    exc = problem(tmp_path, '[[pin]]\nfile = "a.xlsx"\nunit = "万万元"\nperiod = "2024Q5"\n')
    assert "万万元" in str(exc) and "2024Q5" in str(exc) and "2 处问题" in str(exc)


def test_the_message_names_the_real_path(tmp_path: Path) -> None:
    other = tmp_path / "其他文件夹"
    exc = problem(other, "[pin]\n")
    assert str(other / "shishi.toml") in str(exc)
    assert "data/raw/shishi.toml" not in str(exc)


def test_cli_prints_one_message_and_exits_with_the_config_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, '[[pin]]\nfile = "a.xlsx"\nheader_row = "3"\n')
    assert main(["clean", "--raw", str(tmp_path), "--out", str(tmp_path / "out")]) == (
        ExitCode.CONFIG
    )
    err = capsys.readouterr().err
    assert "Traceback" not in err and "整数" in err


def test_hints_name_the_settings_file_of_the_folder_read(tmp_path: Path) -> None:
    """A header nobody recognises: the hint names this folder's shishi.toml, not data/raw's."""
    from metrics.cleaning.store import run_clean

    raw = tmp_path / "其他文件夹"
    raw.mkdir()
    (raw / "捐款.csv").write_text(
        "日期,捐赠方,款项情况\n2024-10-01,甲,见附表\n2024-10-02,乙,见附表\n", encoding="utf-8"
    )
    outcome = run_clean(raw)
    [message] = [n.message for n in outcome.notices if n.level == "error"]
    assert str(raw / "shishi.toml") in message and "data/raw/shishi.toml" not in message


UNIT = '[unit]\nname = "东山供电公司"\nbranches = ["办公室", "安监部"]\n\n'


def test_a_branch_that_never_sends_a_ledger(tmp_path: Path) -> None:
    write(tmp_path, UNIT + '[[branch]]\nname = "安监部"\nnever_sends = ["捐款捐物", "消费帮扶"]\n')
    assert load_config(tmp_path).never_sends == {"安监部": ["donations", "purchases"]}


def test_never_sends_mistakes_name_the_branch_or_ledger_and_the_nearest(tmp_path: Path) -> None:
    err = problem(tmp_path, UNIT + '[[branch]]\nname = "安监"\nnever_sends = ["捐款捐物"]\n')
    assert "第 1 个 [[branch]]：部门「安监」不在 [unit] branches 中；是不是「安监部」？" in str(err)
    err = problem(tmp_path, UNIT + '[[branch]]\nname = "安监部"\nnever_sends = ["捐款"]\n')
    assert "第 7 行 「branch.never_sends」：没有「捐款」这类台账；是不是「捐款捐物」？" in str(err)
    err = problem(tmp_path, UNIT + '[branch]\nname = "安监部"\n')
    assert "要写成 [[branch]]（两层方括号）" in str(err)
    assert err.exit_code == ExitCode.CONFIG


def test_a_chinese_key_without_quotes_is_told_to_quote_it(tmp_path: Path) -> None:
    err = problem(tmp_path, UNIT + "[targets]\n安监部 = 3\n")
    assert '设置项名称「安监部」含中文，要用英文双引号括起来：写成 "安监部" = …' in str(err)
