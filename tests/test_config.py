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


# --- [[pin]] columns: a sheet with no header row (issue 18) ----------------------------------


def test_pin_columns_name_fields_by_their_chinese_labels(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[[pin]]\nfile = "名单.xlsx"\ntable = "donations"\nfirst_row = 2\n'
        'columns = { A = "日期", b = "捐赠人", D = "金额", AA = "备注" }\n',
    )
    pin = load_config(tmp_path).pins[0]
    # A header spelling (捐赠人) names its field as well as the label; AA is the 27th column
    assert pin.column_fields() == {"date": 0, "donor": 1, "amount_yuan": 3, "note": 26}
    assert pin.first_row == 2


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            'columns = { A = "日期", D = "金额" }\nfirst_row = 2\n',
            '第 3 行 「pin.columns」：写了 columns 就要写明是哪类台账，如 table = "donations"',
        ),
        (
            'table = "donations"\ncolumns = { A = "金", B = "捐赠方" }\nfirst_row = 2\n',
            "第 4 行 「pin.columns」：A 列的「金」不是捐款捐物的一项，是不是「金额」？",
        ),
        (
            'table = "donations"\ncolumns = { A1 = "金额", B = "捐赠方" }\nfirst_row = 2\n',
            '「A1」应为 Excel 列字母，如 B = "金额"',
        ),
        (
            'table = "donations"\ncolumns = { A = "日期", D = "金额" }\nfirst_row = 2\n',
            "「pin.columns」：还缺少「捐赠方」：捐款捐物至少要有 捐赠方 和 金额",
        ),
        (
            'table = "donations"\ncolumns = { A = "捐赠方", B = "金额", C = "捐赠人" }\n'
            "first_row = 2\n",
            "A 列和 C 列都写成了「捐赠人」",
        ),
        (
            'table = "donations"\ncolumns = { A = "捐赠方", B = "金额" }\n',
            "「pin」：写了 columns，还要写明数据从哪里开始：没有表头行时写 first_row",
        ),
        (
            'table = "donations"\ncolumns = { A = "捐赠方", B = "金额" }\nfirst_row = 2\n'
            "header_row = 1\n",
            "二者只写一个",
        ),
        (
            'table = "donations"\nfirst_row = 3\n',
            "first_row（数据从第几行开始）只和 columns 一起用",
        ),
        (
            'table = "donations"\ncolumns = "A"\nfirst_row = 2\n',
            '「pin.columns」：应写成 { A = "日期", B = "捐赠方", D = "金额" }',
        ),
        (
            'table = "donations"\ncolumns = { A = "捐赠方", B = "金额" }\nfirst_row = 0\n',
            "「pin.first_row」：不能小于 1（现在是 0）",
        ),
    ],
)
def test_each_pin_columns_mistake_is_one_chinese_line(tmp_path: Path, text: str, said: str) -> None:
    exc = problem(tmp_path, '[[pin]]\nfile = "名单.xlsx"\n' + text)
    assert said in str(exc), str(exc)
    assert "1 处问题" in str(exc)


def test_a_chinese_key_written_bare_is_a_syntax_message(tmp_path: Path) -> None:
    exc = problem(tmp_path, '[[pin]]\nfile = "a.xlsx"\ncolumns = { 日期 = "A" }\n')
    assert "第 3 行" in str(exc) and "设置项名称的写法有误" in str(exc)


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
