"""Cell parsers on the ugly values DESIGN.md lists, plus properties: they never raise."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.cleaning.parsing import (
    Parsed,
    chinese_numeral,
    combine_qualifiers,
    is_empty,
    load_vocab,
    normalize_text,
    parse_amount,
    parse_buyer_type,
    parse_count,
    parse_date,
    parse_donor_type,
    parse_hours,
    parse_kind,
    parse_status,
)

QUALIFIERS = {"exact", "at_least", "about", "at_most"}

# --- amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "qualifier"),
    [
        (12500, 12500.0, "exact"),
        (12500.5, 12500.5, "exact"),
        (np.int64(800), 800.0, "exact"),
        (np.float64(800.25), 800.25, "exact"),
        (Decimal("12.50"), 12.5, "exact"),
        ("12500", 12500.0, "exact"),
        ("12,500.00", 12500.0, "exact"),
        ("¥12,500.00", 12500.0, "exact"),
        ("￥12500", 12500.0, "exact"),
        ("RMB 12500", 12500.0, "exact"),
        ("12500元", 12500.0, "exact"),
        ("１２５００", 12500.0, "exact"),
        ("1.2万", 12000.0, "exact"),
        ("6万", 60000.0, "exact"),
        ("3千", 3000.0, "exact"),
        ("3千元", 3000.0, "exact"),
        ("1.5亿", 150_000_000.0, "exact"),
        ("三千五百", 3500.0, "exact"),
        ("五万", 50000.0, "exact"),
        ("一万二千", 12000.0, "exact"),
        ("两千", 2000.0, "exact"),
        ("6万余元", 60000.0, "at_least"),
        ("9100余元", 9100.0, "at_least"),
        ("55万多", 550000.0, "at_least"),
        ("1万元以上", 10000.0, "at_least"),
        ("约3千元", 3000.0, "about"),
        ("3000元左右", 3000.0, "about"),
        ("近5万", 50000.0, "about"),
        ("不足1000元", 1000.0, "at_most"),
        ("1000元以内", 1000.0, "at_most"),
        ("-500", -500.0, "exact"),
        # beyond the list: spoken forms, formal digits, exports, other qualifier words
        ("1万5", 15000.0, "exact"),
        ("一万五", 15000.0, "exact"),
        ("三千五", 3500.0, "exact"),
        ("一万零五", 10005.0, "exact"),
        ("一亿二千万", 120_000_000.0, "exact"),
        ("人民币壹万贰仟伍佰元整", 12500.0, "exact"),
        ("十余万", 100_000.0, "at_least"),
        ("2000+", 2000.0, "at_least"),
        ("超5000", 5000.0, "at_least"),
        ("不超过5000", 5000.0, "at_most"),
        ("3k", 3000.0, "exact"),
        ("1.5E+08", 150_000_000.0, "exact"),
        ("-9,100元", -9100.0, "exact"),
        ("55.12万元", 551200.0, "exact"),
        ("約3千元", 3000.0, "about"),
    ],
)
def test_amounts(raw: object, value: float, qualifier: str) -> None:
    assert parse_amount(raw) == Parsed(value, qualifier)


@pytest.mark.parametrize(
    "raw", ["—", "——", "———", "-", "/", "无", "空", "N/A", "", "  ", None, float("nan"), pd.NA]
)
def test_amount_empty_tokens_are_empty_not_errors(raw: object) -> None:
    assert parse_amount(raw) == Parsed(None, "exact", None)


@pytest.mark.parametrize(
    "raw",
    ["待定", "abc", "若干", True, np.True_, "12元34", "1,2", "100美元", "1.2.3", float("inf")],
)
def test_amount_errors_name_the_value_and_what_was_expected(raw: object) -> None:
    got = parse_amount(raw)
    assert not got.ok and got.value is None
    assert f"「{raw}」" in got.error
    assert "应为数字" in got.error


def test_amount_error_reads_as_documented() -> None:
    assert (
        parse_amount("待定").error
        == "金额无法识别：「待定」；应为数字或如 12500、1.2万、6万余元 的写法"
    )


@pytest.mark.parametrize(
    ("raw", "multiplier", "value", "qualifier"),
    [
        ("1.2", 10000, 12000.0, "exact"),
        (1.2, 10000, 12000.0, "exact"),
        ("约0.5", 10000, 5000.0, "about"),
        ("0.3余", 10000, 3000.0, "at_least"),
        (3, 1000, 3000.0, "exact"),
        ("5000元", 10000, 5000.0, "exact"),  # the cell's own unit wins over the header's
        ("1.2万", 10000, 12000.0, "exact"),
    ],
)
def test_amount_multiplier_from_header_unit(
    raw: object, multiplier: float, value: float, qualifier: str
) -> None:
    assert parse_amount(raw, multiplier) == Parsed(value, qualifier)
    assert parse_amount(raw, multiplier=multiplier) == Parsed(value, qualifier)


def test_amount_has_no_float_noise() -> None:
    assert 0.07 * 10000 != 700.0  # the noise this guards against
    assert parse_amount(0.07, 10000).value == 700.0
    assert parse_amount("0.07", 10000).value == 700.0
    assert parse_amount(1.2, 10000).value == 12000.0
    assert parse_amount("0.1万").value == 1000.0
    assert repr(parse_amount("-0").value) == "0.0"


# --- counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "qualifier"),
    [
        ("五十余次", 50, "at_least"),
        ("二十余人", 20, "at_least"),
        ("30余顶", 30, "at_least"),
        ("6人", 6, "exact"),
        (12, 12, "exact"),
        (12.0, 12, "exact"),
        (np.int64(7), 7, "exact"),
        ("约20人", 20, "about"),
        ("十", 10, "exact"),
        ("十二", 12, "exact"),
        ("一百二十", 120, "exact"),
        ("两百", 200, "exact"),
        ("120个", 120, "exact"),
        ("１５人", 15, "exact"),
        ("百余人", 100, "at_least"),
        ("1,200人次", 1200, "exact"),
        ("30名志愿者", 30, "exact"),
        ("12.0", 12, "exact"),
    ],
)
def test_counts(raw: object, value: int, qualifier: str) -> None:
    got = parse_count(raw)
    assert got == Parsed(value, qualifier)
    assert type(got.value) is int


@pytest.mark.parametrize(
    "raw", [12.5, "12.5", "若干", "-3", -3, "很多人", "3到5人", "3人（其中2名党员）", True]
)
def test_count_errors(raw: object) -> None:
    got = parse_count(raw)
    assert not got.ok and got.value is None
    assert f"「{raw}」" in got.error and "整数" in got.error


# --- hours -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "hours", "qualifier"),
    [
        (3, 3.0, "exact"),
        ("3小时", 3.0, "exact"),
        ("2.5h", 2.5, "exact"),
        ("2.5 小时", 2.5, "exact"),
        ("半天", 4.0, "exact"),
        ("一天", 8.0, "exact"),
        ("90分钟", 1.5, "exact"),
        ("3小时30分钟", 3.5, "exact"),
        ("2:30", 2.5, "exact"),
        ("两天", 16.0, "exact"),
        ("约3小时", 3.0, "about"),
        ("2小时以上", 2.0, "at_least"),
        (dt.timedelta(minutes=150), 2.5, "exact"),
    ],
)
def test_hours(raw: object, hours: float, qualifier: str) -> None:
    assert parse_hours(raw) == Parsed(hours, qualifier)


@pytest.mark.parametrize("raw", ["很久", "3小时3", -1, "-2小时", True])
def test_hours_errors(raw: object) -> None:
    got = parse_hours(raw)
    assert not got.ok and f"「{raw}」" in got.error


def test_day_equivalents_come_from_the_vocabulary() -> None:
    words = load_vocab()["hours_words"]
    assert (words["半天"], words["一天"]) == (4, 8)


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        (dt.datetime(2021, 10, 5, 14, 30), dt.date(2021, 10, 5)),
        (dt.date(2021, 10, 5), dt.date(2021, 10, 5)),
        (pd.Timestamp("2021-10-05"), dt.date(2021, 10, 5)),
        (np.datetime64("2021-10-05"), dt.date(2021, 10, 5)),
        (44474, dt.date(2021, 10, 5)),  # Excel serial
        (44474.0, dt.date(2021, 10, 5)),
        (44474.75, dt.date(2021, 10, 5)),  # serial with a time of day
        (np.int64(44474), dt.date(2021, 10, 5)),
        ("44474", dt.date(2021, 10, 5)),
        ("2021年10月5日", dt.date(2021, 10, 5)),
        ("2021年10月5号", dt.date(2021, 10, 5)),
        ("2021年10月", dt.date(2021, 10, 1)),
        ("2021.10.5", dt.date(2021, 10, 5)),
        ("2021/10/05", dt.date(2021, 10, 5)),
        ("2021-10-05", dt.date(2021, 10, 5)),
        ("2021-10", dt.date(2021, 10, 1)),
        ("2021.10", dt.date(2021, 10, 1)),
        ("20211005", dt.date(2021, 10, 5)),
        ("２０２１年１０月５日", dt.date(2021, 10, 5)),
        ("2021 年 10 月 5 日", dt.date(2021, 10, 5)),
        ("2021-10-05 14:30:00", dt.date(2021, 10, 5)),
        ("2021年10月5日至10月8日", dt.date(2021, 10, 5)),
        ("二〇二一年十月五日", dt.date(2021, 10, 5)),
    ],
)
def test_dates(raw: object, day: dt.date) -> None:
    assert parse_date(raw) == Parsed(day)


@pytest.mark.parametrize("raw", [None, "", "—", "/", float("nan"), pd.NaT, np.datetime64("NaT")])
def test_empty_dates(raw: object) -> None:
    assert parse_date(raw) == Parsed(None)


def test_date_without_year_uses_hint_or_is_rejected() -> None:
    assert parse_date("10月5日", 2024) == Parsed(dt.date(2024, 10, 5))
    assert parse_date("10月5号", year_hint=2023) == Parsed(dt.date(2023, 10, 5))
    got = parse_date("10月5日")
    assert not got.ok
    assert got.error.startswith("日期缺少年份：「10月5日」")
    assert "请写成 2024年10月5日" in got.error


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2021年2月30日", "日期不存在"),
        ("1800-01-01", "年份"),
        (dt.date(1985, 1, 1), "年份"),
        ("2101年1月1日", "年份"),
        ("明年", "日期无法识别"),
        (12, "不是日期"),
        (True, "日期无法识别"),
        ("2021.10.567", "日期无法识别"),
        ("05/10/2021", "日期无法识别"),
        ("10/5", "日期无法识别"),
        ("2021", "日期无法识别"),
    ],
)
def test_date_errors(raw: object, reason: str) -> None:
    got = parse_date(raw)
    assert not got.ok and got.value is None
    assert reason in got.error and f"「{raw}」" in got.error


# --- vocabulary words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("已办结", "resolved"),
        ("已完成", "resolved"),
        ("完成", "resolved"),
        ("已解决", "resolved"),
        ("办结", "resolved"),
        ("已落实", "resolved"),
        ("是", "resolved"),
        (True, "resolved"),
        ("已辦結", "resolved"),
        ("已办结（2024年3月）", "resolved"),
        ("推进中", "in_progress"),
        ("推進中", "in_progress"),
        ("進行中", "in_progress"),
        ("进行中", "in_progress"),
        ("正在推进", "in_progress"),
        ("办理中", "in_progress"),
        ("正在办理", "in_progress"),
        ("部分完成", "in_progress"),
        ("正在解决", "in_progress"),
        ("未启动", "pending"),
        ("待启动", "pending"),
        ("未开始", "pending"),
        ("否", "pending"),
        ("未办结", "pending"),
        ("尚未完成", "pending"),
        ("已取消", "cancelled"),
        ("取消", "cancelled"),
        ("撤销", "cancelled"),
    ],
)
def test_statuses(raw: object, status: str) -> None:
    assert parse_status(raw) == Parsed(status)


def test_unknown_status_lists_the_accepted_words() -> None:
    got = parse_status("看情况")
    assert not got.ok and "「看情况」" in got.error
    for word in ("已办结", "推进中", "未启动", "已取消"):
        assert word in got.error


@pytest.mark.parametrize("raw", ["无法解决", "已完成，已取消"])
def test_negated_or_mixed_status_is_refused_not_guessed(raw: str) -> None:
    got = parse_status(raw)
    assert not got.ok and f"「{raw}」" in got.error


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("现金", "cash"),
        ("現金", "cash"),
        ("资金", "cash"),
        ("善款", "cash"),
        ("微信转账", "cash"),
        ("物资", "in_kind"),
        ("实物", "in_kind"),
        ("物品（大米）", "in_kind"),
    ],
)
def test_kinds(raw: str, kind: str) -> None:
    assert parse_kind(raw) == Parsed(kind)


@pytest.mark.parametrize("raw", ["现金、物资", "股票"])
def test_kind_errors(raw: str) -> None:
    got = parse_kind(raw)
    assert not got.ok and raw in got.error


@pytest.mark.parametrize(
    ("raw", "buyer"),
    [
        ("企业", "enterprise"),
        ("某某公司", "enterprise"),
        ("青江卷烟厂（企业采购）", "enterprise"),
        ("工厂名义", "enterprise"),
        ("管理人员自费", "individual"),
        ("职工个人", "individual"),
        ("自费", "individual"),
        ("员工", "individual"),
    ],
)
def test_buyer_types(raw: str, buyer: str) -> None:
    assert parse_buyer_type(raw) == Parsed(buyer)


@pytest.mark.parametrize("raw", ["某某", "办公室", "机关食堂", "张某", True])
def test_a_buyer_that_says_neither_is_unknown_never_refused(raw: object) -> None:
    """Issue 18 item 8: refused, its money left the total; now it counts, shown as 未注明."""
    assert parse_buyer_type(raw) == Parsed("unknown")
    assert parse_buyer_type("—") == Parsed(None)


@pytest.mark.parametrize(
    ("raw", "donor"),
    [
        ("卷包车间分工会", "organization"),
        ("卷包车间分工会（全厂职工）", "organization"),
        ("某公司工会", "organization"),
        ("张三", "individual"),
        ("职工个人", "individual"),
        ("本厂职工", "individual"),
        ("张三（本厂职工）", "individual"),
        ("某公司", "enterprise"),
        ("本厂", "enterprise"),
        ("某某科技有限公司", "enterprise"),
        ("Acme Ltd", "other"),
        ("社会各界爱心捐助", "other"),
        (None, None),
    ],
)
def test_donor_types(raw: object, donor: str | None) -> None:
    assert parse_donor_type(raw) == Parsed(donor)


# --- text ------------------------------------------------------------------------------------


def test_normalize_text_folds_width_script_and_space() -> None:
    assert normalize_text("金額（元）") == "金额(元)"
    assert normalize_text("  狀態 ") == "状态"
    assert normalize_text("１２５００") == "12500"
    assert normalize_text("a \t\n b\u200b") == "a b"
    assert normalize_text(None) == ""
    assert normalize_text(float("nan")) == ""
    assert normalize_text(pd.NA) == ""
    assert normalize_text(12) == "12"


@pytest.mark.parametrize(
    "raw", [None, float("nan"), "", " ", "—", "——", "-", "/", " / ", "无", "N/A", "n/a", "空"]
)
def test_is_empty(raw: object) -> None:
    assert is_empty(raw)


@pytest.mark.parametrize("raw", [0, "0", "零", "无锡", "待定", False])
def test_is_not_empty(raw: object) -> None:
    assert not is_empty(raw)


def test_vocabulary_holds_the_words_other_modules_read() -> None:
    vocab = load_vocab()
    assert vocab is load_vocab()  # read once
    assert {"合计", "总计", "小计", "合 计", "总 计"} <= set(vocab["total_words"])
    assert {"注：", "注:", "备注：", "说明：", "填表说明"} <= set(vocab["note_prefixes"])
    assert {"说明", "填表说明", "备注", "notes"} <= set(vocab["no_table_sheet_words"])
    assert {"—", "——", "-", "/", "无", "N/A", "空"} <= set(vocab["empty_tokens"])
    q = vocab["qualifiers"]
    assert {"余", "多", "以上", "逾", "超"} <= set(q["at_least"])
    assert {"约", "左右", "近", "大约", "约合"} <= set(q["about"])
    assert {"不足", "以内", "不到", "以下"} <= set(q["at_most"])


# --- numerals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("三千五百", 3500),
        ("一万二千", 12000),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一百二十", 120),
        ("两百", 200),
        ("壹佰", 100),
        ("叁仟伍佰", 3500),
        ("一千零五", 1005),
        ("二〇二一", 2021),
        ("零", 0),
        ("一万亿", 10**12),
        ("x", None),
        ("", None),
        ("万", None),
        ("十百", None),
        ("五五五五万万", None),
    ],
)
def test_chinese_numerals(text: str, n: int | None) -> None:
    assert chinese_numeral(text) == n


_CN_DIGITS = "零一二三四五六七八九"


def _section_in_chinese(n: int) -> str:
    """1..9999 the standard way, for the round-trip below (written independently of the parser)."""
    out, gap = "", False
    for power, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // power % 10
        if d == 0:
            gap = bool(out)
            continue
        out += ("零" if gap else "") + _CN_DIGITS[d] + unit
        gap = False
    return out


def _in_chinese(n: int) -> str:
    if n == 0:
        return "零"
    out, gap = "", False
    for part, unit in ((n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")):
        if part == 0:
            gap = bool(out)
            continue
        out += ("零" if out and (gap or part < 1000) else "") + _section_in_chinese(part) + unit
        gap = False
    return out


def test_chinese_formatter_used_by_the_round_trip() -> None:
    assert _in_chinese(100_010_000) == "一亿零一万"
    assert _in_chinese(3500) == "三千五百"
    assert _in_chinese(1005) == "一千零五"


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_chinese_numerals_read_back_any_integer(n: int) -> None:
    assert chinese_numeral(_in_chinese(n)) == n
    assert parse_amount(_in_chinese(n) + "元") == Parsed(float(n))


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_amount_reads_plain_integers_back(n: int) -> None:
    assert parse_amount(str(n)) == Parsed(float(n))
    assert parse_amount(f"{n:,}元") == Parsed(float(n))
    if n <= 100_000_000:
        assert parse_count(f"{n}人") == Parsed(n)
    else:  # 1亿 people is beyond any activity: a typing error, refused with a reason
        assert "超出合理范围" in (parse_count(f"{n}人").error or "")


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_amount_reads_two_decimal_figures_back(d: Decimal) -> None:
    assert parse_amount(f"{d:.2f}").value == float(d)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_dates_read_back_in_every_style(day: dt.date) -> None:
    y, m, d = day.year, day.month, day.day
    serial = (day - dt.date(1899, 12, 30)).days
    for text in (
        f"{y}年{m}月{d}日",
        f"{y}.{m}.{d}",
        f"{y}/{m:02}/{d:02}",
        day.isoformat(),
        f"{y}{m:02}{d:02}",
    ):
        assert parse_date(text) == Parsed(day), text
    assert parse_date(f"{m}月{d}日", y) == Parsed(day)
    if 20000 <= serial <= 80000:
        assert parse_date(serial) == Parsed(day)


# --- qualifiers of sums ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qualifiers", "combined"),
    [
        ([], "exact"),
        (["exact"], "exact"),
        (["exact", "exact"], "exact"),
        (["exact", "at_least"], "at_least"),
        (["at_least", "at_least"], "at_least"),
        (["exact", "about"], "about"),
        (["at_least", "about"], "about"),
        (["at_most", "about"], "about"),
        (["at_least", "at_most"], "about"),
        (["at_least", "exact", "at_most"], "about"),
        (["at_most", "exact"], "at_most"),
        (["at_most", "at_most"], "at_most"),
        (iter(["exact", "at_least"]), "at_least"),
        (["exact", None, float("nan")], "exact"),
        (pd.Series(["exact", "at_least"]), "at_least"),
    ],
)
def test_combine_qualifiers(qualifiers: object, combined: str) -> None:
    assert combine_qualifiers(qualifiers) == combined


def test_combine_qualifiers_refuses_unknown_words() -> None:
    with pytest.raises(ValueError, match="roughly"):
        combine_qualifiers(["exact", "roughly"])


# --- never raise -----------------------------------------------------------------------------

BRIEF_CELLS = st.one_of(
    st.none(),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.text(alphabet="0123456789.,万千余约元¥一二三十百"),
)
ANY_CELL = st.one_of(
    BRIEF_CELLS,
    st.text(),
    st.text(alphabet="0123456789.,:+-—/ 万千亿余多约近不足以内元¥一二三十百两零年月日号小时分钟天"),
    st.dates(),
    st.datetimes(),
    st.decimals(allow_nan=False),
    st.timedeltas(),
    st.just(pd.NA),
    st.just(pd.NaT),
    st.just(np.bool_(True)),
)


def _check_contract(got: Parsed) -> None:
    assert isinstance(got, Parsed)
    assert got.qualifier in QUALIFIERS
    if not got.ok:
        assert got.value is None and isinstance(got.error, str) and got.error


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_number_and_date_parsers_never_raise_on_text(value: str) -> None:
    for parser in (parse_amount, parse_count, parse_date):
        _check_contract(parser(value))


@settings(max_examples=500, deadline=None)
@given(BRIEF_CELLS)
def test_number_and_date_parsers_never_raise_on_cells(value: object) -> None:
    for parser in (parse_amount, parse_count, parse_date):
        _check_contract(parser(value))


@settings(max_examples=500, deadline=None)
@given(ANY_CELL)
def test_every_parser_keeps_its_contract(value: object) -> None:
    amount = parse_amount(value, 10000)
    _check_contract(amount)
    if amount.value is not None:
        assert type(amount.value) is float and math.isfinite(amount.value)
    count = parse_count(value)
    _check_contract(count)
    if count.value is not None:
        assert type(count.value) is int and count.value >= 0
    hours = parse_hours(value)
    _check_contract(hours)
    if hours.value is not None:
        assert type(hours.value) is float and hours.value >= 0
    day = parse_date(value, 2024)
    _check_contract(day)
    if day.value is not None:
        assert type(day.value) is dt.date and 1990 <= day.value.year <= 2100
    for parser, values in (
        (parse_status, {"pending", "in_progress", "resolved", "cancelled"}),
        (parse_kind, {"cash", "in_kind"}),
        (parse_buyer_type, {"enterprise", "individual", "unknown"}),
    ):
        got = parser(value)
        _check_contract(got)
        assert got.value is None or got.value in values
    donor = parse_donor_type(value)
    assert donor.ok and donor.value in {None, "enterprise", "organization", "individual", "other"}
    if is_empty(value):
        for parser in (parse_amount, parse_count, parse_hours, parse_date, parse_status):
            assert parser(value) == Parsed(None)


_TRADITIONAL = (
    "乾燥乾淨頭髮發展於是著名瞭解藉口麵條鬆開製造複雜捐款金額合計總計備註說明萬元餘約個項目"
)
_SHARED = "一二三万元余约多千百个项目人数时数活动志愿者社区"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_TRADITIONAL + _SHARED + "0123456789.,:-/ ()¥abcXYZ：（）", max_size=16))
def test_normalize_converts_runs_like_the_whole_text(text: str) -> None:
    """normalize_text converts each run of non-ASCII characters on its own (for speed); that must
    give what OpenCC gives for the whole text, phrases like 乾燥 and 頭髮 included."""
    from metrics.cleaning.parsing import _opencc

    expected = _opencc().convert(" ".join(unicodedata.normalize("NFKC", text).split()))
    assert normalize_text(text) == expected


# --- issue 21, case 11: uppercase financial numerals with 角 and 分 ------------------------


@pytest.mark.parametrize(
    ("raw", "yuan"),
    [
        ("壹万贰仟叁佰肆拾伍元陆角", 12345.6),
        ("壹万贰仟叁佰肆拾伍元伍角陆分", 12345.56),
        ("人民币壹万贰仟叁佰肆拾伍元陆角整", 12345.6),
        ("壹仟元零伍分", 1000.05),
        ("伍角陆分", 0.56),
        ("12元5角", 12.5),
        ("壹仟万元整", 10_000_000.0),  # already read: still read
    ],
)
def test_financial_numerals_with_jiao_and_fen(raw: str, yuan: float) -> None:
    parsed = parse_amount(raw)
    assert parsed.ok and parsed.value == pytest.approx(yuan)


@pytest.mark.parametrize("raw", ["12元34", "伍角伍角", "元陆角", "陆分伍角"])
def test_ugly_jiao_fen_values_are_refused_not_guessed(raw: str) -> None:
    assert not parse_amount(raw).ok


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2023.11.2-11.4", dt.date(2023, 11, 2)),
        ("2023/11/28-12/1", dt.date(2023, 11, 28)),
        ("2023年11月2日-4日", dt.date(2023, 11, 2)),
        ("2023.11.2～11.4", dt.date(2023, 11, 2)),
        ("2023-11-02", dt.date(2023, 11, 2)),  # an ISO date is no span
    ],
)
def test_a_span_of_days_in_one_cell_is_its_first_day(text: str, day: dt.date) -> None:
    """活动时间 2024.3.1-3.5: the event's date is the day it began."""
    assert parse_date(text).value == day


def test_a_span_that_is_not_one_is_still_refused() -> None:
    assert parse_date("2023.11.2-11.4.5").value is None
    assert parse_date("2023.11.2-40").value is None
