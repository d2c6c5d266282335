"""Cell parsers on the ugly values DESIGN.md lists, plus properties: they never raise."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.parsing import (
    chinese_numeral,
    combine_qualifiers,
    is_empty,
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


@pytest.mark.parametrize(
    ("raw", "value", "qualifier"),
    [
        (12500, 12500.0, "exact"),
        (12500.5, 12500.5, "exact"),
        (np.int64(800), 800.0, "exact"),
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
    ],
)
def test_amounts(raw: object, value: float, qualifier: str) -> None:
    got = parse_amount(raw)
    assert got.ok, got.error
    assert (got.value, got.qualifier) == (value, qualifier)


@pytest.mark.parametrize("raw", ["—", "——", "/", "无", "", "  ", None, float("nan"), pd.NA])
def test_amount_empty_tokens_are_empty_not_errors(raw: object) -> None:
    got = parse_amount(raw)
    assert got.ok and got.value is None


@pytest.mark.parametrize("raw", ["待定", "abc", "若干", True, "12元34"])
def test_amount_errors_name_the_value(raw: object) -> None:
    got = parse_amount(raw)
    assert not got.ok and got.value is None
    assert str(raw) in got.error
    assert "应为" in got.error


def test_amount_multiplier_from_header_unit() -> None:
    assert parse_amount("1.2", 10000).value == 12000.0
    assert parse_amount(1.2, 10000).value == 12000.0
    got = parse_amount("约0.5", 10000)
    assert (got.value, got.qualifier) == (5000.0, "about")


@pytest.mark.parametrize(
    ("raw", "value", "qualifier"),
    [
        ("五十余次", 50, "at_least"),
        ("二十余人", 20, "at_least"),
        ("30余顶", 30, "at_least"),
        ("6人", 6, "exact"),
        (12, 12, "exact"),
        (12.0, 12, "exact"),
        ("约20人", 20, "about"),
        ("十", 10, "exact"),
        ("十二", 12, "exact"),
        ("一百二十", 120, "exact"),
        ("两百", 200, "exact"),
        ("120个", 120, "exact"),
        ("１５人", 15, "exact"),
    ],
)
def test_counts(raw: object, value: int, qualifier: str) -> None:
    got = parse_count(raw)
    assert (got.value, got.qualifier, got.error) == (value, qualifier, None)


@pytest.mark.parametrize("raw", [12.5, "若干", "-3", "很多人"])
def test_count_errors(raw: object) -> None:
    got = parse_count(raw)
    assert not got.ok and str(raw) in got.error


@pytest.mark.parametrize(
    ("raw", "hours"),
    [
        (3, 3.0),
        ("3小时", 3.0),
        ("2.5h", 2.5),
        ("2.5 小时", 2.5),
        ("半天", 4.0),
        ("一天", 8.0),
        ("90分钟", 1.5),
    ],
)
def test_hours(raw: object, hours: float) -> None:
    assert parse_hours(raw).value == hours


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        (dt.datetime(2021, 10, 5, 0, 0), dt.date(2021, 10, 5)),
        (dt.date(2021, 10, 5), dt.date(2021, 10, 5)),
        (pd.Timestamp("2021-10-05"), dt.date(2021, 10, 5)),
        (44474, dt.date(2021, 10, 5)),  # Excel serial
        (44474.0, dt.date(2021, 10, 5)),
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
    ],
)
def test_dates(raw: object, day: dt.date) -> None:
    got = parse_date(raw)
    assert (got.value, got.error) == (day, None)


def test_date_without_year_uses_hint_or_is_rejected() -> None:
    assert parse_date("10月5日", 2024).value == dt.date(2024, 10, 5)
    got = parse_date("10月5日")
    assert not got.ok and "年份" in got.error and "10月5日" in got.error


@pytest.mark.parametrize("raw", ["2021年2月30日", "1800-01-01", "明年", 12, True])
def test_date_errors(raw: object) -> None:
    got = parse_date(raw)
    assert not got.ok and got.value is None


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("已办结", "resolved"),
        ("已完成", "resolved"),
        ("完成", "resolved"),
        ("已解决", "resolved"),
        ("办结", "resolved"),
        ("已辦結", "resolved"),
        ("已办结（2024年3月）", "resolved"),
        ("是", "resolved"),
        ("推进中", "in_progress"),
        ("推進中", "in_progress"),
        ("进行中", "in_progress"),
        ("正在推进", "in_progress"),
        ("办理中", "in_progress"),
        ("未启动", "pending"),
        ("待启动", "pending"),
        ("未办结", "pending"),
        ("已取消", "cancelled"),
    ],
)
def test_statuses(raw: str, status: str) -> None:
    assert parse_status(raw).value == status


def test_unknown_status_lists_the_accepted_words() -> None:
    got = parse_status("看情况")
    assert not got.ok and "看情况" in got.error and "已办结" in got.error


@pytest.mark.parametrize(
    ("raw", "kind"), [("现金", "cash"), ("現金", "cash"), ("物资", "in_kind"), ("实物", "in_kind")]
)
def test_kinds(raw: str, kind: str) -> None:
    assert parse_kind(raw).value == kind


@pytest.mark.parametrize(
    ("raw", "buyer"),
    [
        ("企业", "enterprise"),
        ("青江卷烟厂（企业采购）", "enterprise"),
        ("管理人员自费", "individual"),
        ("职工个人", "individual"),
        ("自费", "individual"),
    ],
)
def test_buyer_types(raw: str, buyer: str) -> None:
    assert parse_buyer_type(raw).value == buyer


def test_buyer_type_unknown_is_an_error() -> None:
    assert not parse_buyer_type("某某").ok


@pytest.mark.parametrize(
    ("raw", "donor"),
    [
        ("卷包车间分工会（全厂职工）", "organization"),
        ("张三", "individual"),
        ("某某有限公司", "enterprise"),
    ],
)
def test_donor_types(raw: str, donor: str) -> None:
    assert parse_donor_type(raw).value == donor


def test_normalize_text_folds_width_and_script() -> None:
    assert normalize_text("金額（元）") == "金额(元)"
    assert normalize_text("  狀態 ") == "状态"
    assert normalize_text(None) == ""
    assert is_empty("—") and is_empty(" / ") and not is_empty("0")


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("三千五百", 3500),
        ("一万二千", 12000),
        ("十二", 12),
        ("二十", 20),
        ("壹佰", 100),
        ("x", None),
    ],
)
def test_chinese_numerals(text: str, n: int | None) -> None:
    assert chinese_numeral(text) == n


@pytest.mark.parametrize(
    ("qualifiers", "combined"),
    [
        ([], "exact"),
        (["exact", "exact"], "exact"),
        (["exact", "at_least"], "at_least"),
        (["at_least", "at_least"], "at_least"),
        (["exact", "about"], "about"),
        (["at_least", "about"], "about"),
        (["at_least", "at_most"], "about"),
        (["at_most", "exact"], "at_most"),
    ],
)
def test_combine_qualifiers(qualifiers: list[str], combined: str) -> None:
    assert combine_qualifiers(qualifiers) == combined


ANY_CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.text(alphabet="0123456789.,万千亿余多约近不足以内元¥一二三十百两—/-年月日号 "),
    st.dates(),
)


@settings(max_examples=400, deadline=None)
@given(ANY_CELL)
def test_parsers_never_raise(value: object) -> None:
    for parser in (
        parse_amount,
        parse_count,
        parse_hours,
        parse_date,
        parse_status,
        parse_kind,
        parse_buyer_type,
    ):
        got = parser(value)
        assert got.ok or (got.value is None and got.error)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_amount_reads_plain_integers_back(n: int) -> None:
    got = parse_amount(str(n))
    assert got.value == float(n) and got.qualifier == "exact"
    assert math.isclose(parse_amount(f"{n:,}").value, n)
