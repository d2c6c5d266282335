"""Report-style figures: never more precise than the source, and readable back by the parser."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.cleaning.parsing import parse_amount
from metrics.reporting.text import (
    describe_change,
    format_amount,
    format_change,
    format_count,
    format_date,
    format_figure,
    format_month,
    format_percent,
    format_progress,
)

QUALIFIERS_ = st.sampled_from(["exact", "at_least", "about", "at_most"])


@pytest.mark.parametrize(
    ("value", "qualifier", "text"),
    [
        (60000, "at_least", "6万余元"),
        (60150, "at_least", "6万余元"),
        (551234, "exact", "55.12万元"),
        (551234, "at_least", "55万余元"),
        (9100, "at_least", "9100余元"),
        (9150, "at_least", "9100余元"),
        (9100, "exact", "9100元"),
        (9100.5, "exact", "9100.50元"),
        (2750, "exact", "2750元"),
        (60000, "exact", "6万元"),
        (125000, "exact", "12.5万元"),
        (1234000, "at_least", "123万余元"),
        (350, "at_least", "350余元"),
        (10000, "at_least", "1万余元"),
        (3000, "about", "约3000元"),
        (55000, "about", "约5.5万元"),
        (1000, "at_most", "不足1000元"),
        (150_000_000, "exact", "1.5亿元"),
        (144_236_922.86, "at_least", "1.4亿余元"),  # not 1亿余元: a whole 亿 drops 44%
        (200_000_000, "at_least", "2亿余元"),
        (-500, "exact", "-500元"),
        (None, "exact", "—"),
    ],
)
def test_format_amount(value: float | None, qualifier: str, text: str) -> None:
    assert format_amount(value, qualifier) == text


@pytest.mark.parametrize(
    ("value", "qualifier", "unit", "text"),
    [
        (50, "at_least", "次", "50余次"),
        (53, "at_least", "次", "53余次"),  # every digit below 1,000 (docs/figures.md)
        (53, "exact", "次", "53次"),
        (1234, "exact", "人次", "1234人次"),
        (12345, "exact", "人次", "1.23万人次"),
        (20, "about", "人", "约20人"),
        (20, "at_most", "人", "不足20人"),
        (6, "at_least", "人", "6余人"),
        (None, "exact", "次", "—"),
    ],
)
def test_format_count(value: float | None, qualifier: str, unit: str, text: str) -> None:
    assert format_count(value, qualifier, unit) == text


def test_percent_change_and_dates() -> None:
    assert format_percent(19, 22) == "86.4%"
    assert format_percent(1, 0) == "—"
    assert format_change(5, 2, "项") == "较上期增加3项"
    assert format_change(2, 5, "项") == "较上期减少3项"
    assert format_change(5, 5, "项") == "与上期持平"
    assert format_change(5, None) == "上期未登记"
    assert format_change(80000, 45000, "元") == "较上期增加3.5万元"
    assert format_change(45000, 45000, "元") == "与上期持平"
    assert format_month(dt.date(2024, 7, 5)) == "2024年7月"
    assert format_date(dt.date(2024, 7, 5)) == "2024年7月5日"
    assert format_date(pd.NaT) == "—"


def test_one_date_style_even_from_an_iso_timestamp() -> None:
    """The cover said 2026年11月28日, the appendix 2026-11-28 and a UTC timestamp (issue 14)."""
    assert format_date("2026-11-28T03:04:05+00:00") == "2026年11月28日"
    assert format_date(dt.date(2026, 11, 28)) == "2026年11月28日"


@pytest.mark.parametrize(
    ("value", "unit"), [(2750, "元"), (9100, "元"), (591, "人次"), (1234, "人次"), (12345.5, "元")]
)
def test_no_thousands_separator_anywhere(value: float, unit: str) -> None:
    """One rule: digits below 1万, 万/亿 above; never 2,750元 next to 3100余元 (issue 14)."""
    for q in ("exact", "at_least", "about", "at_most"):
        assert "," not in format_figure(value, q, unit)


@pytest.mark.parametrize(
    ("value", "qualifier", "text"),
    [
        (591, "at_least", "591余人次"),
        (591, "about", "约590人次"),  # rounded down: 约
        (596, "about", "近600人次"),  # rounded up to a round figure: 近, never 约596
        (129, "about", "近130人次"),
        (170, "about", "约170人次"),
        (101800, "about", "约10.2万人次"),  # 近 only before a plain round figure
        (19800, "about", "近2万人次"),
    ],
)
def test_qualifiers_read_naturally(value: float, qualifier: str, text: str) -> None:
    assert format_count(value, qualifier, "人次") == text


@pytest.mark.parametrize(
    ("current", "previous", "text"),
    [
        ((102000, "about"), (16600, "exact"), "增加约8.5万元"),  # 约10.2万 vs 1.66万
        ((3100, "at_least"), (2750, "exact"), "增加350余元"),  # at least 3100-2750
        ((60000, "at_least"), (40000, "exact"), "增加2万余元"),
        ((40000, "at_least"), (60000, "exact"), "减少不足2万元"),  # fell by at most 2万
        ((40000, "exact"), (60000, "at_least"), "减少2万余元"),
        ((1000, "at_most"), (500, "exact"), "增加不足500元"),
        ((60000, "at_least"), (50000, "at_least"), "两期均为“余”数，无法相减"),
        ((600, "at_most"), (500, "at_most"), "两期均为“不足”数，无法相减"),
        ((45000, "exact"), (45000, "exact"), "与上期持平"),
        ((45000, "about"), (45000, "exact"), "与上期大致持平"),
    ],
)
def test_changes_computed_when_bounded_and_explained_when_not(
    current: tuple[float, str], previous: tuple[float, str], text: str
) -> None:
    assert describe_change(*current, *previous, "元") == text


def test_change_without_a_previous_record_says_so() -> None:
    assert describe_change(5, "exact", 0, "exact", "项", previous_recorded=False) == "上期未登记"
    assert describe_change(5, "exact", None, "exact", "项", basis="上年同期") == "上年同期未登记"


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=0, max_value=1e9, allow_nan=False),
    QUALIFIERS_,
    st.floats(min_value=0, max_value=1e9, allow_nan=False),
    QUALIFIERS_,
)
def test_a_change_is_never_a_bare_dash(a: float, qa: str, b: float, qb: str) -> None:
    text = describe_change(a, qa, b, qb, "元")
    assert text != "—" and ("增加" in text or "减少" in text or "持平" in text or "无法" in text)


def test_progress_is_as_precise_as_the_figure() -> None:
    assert format_progress(554000, "at_least", 600000) == "92%以上"
    assert format_progress(53, "exact", 50) == "106.0%"
    assert format_progress(550000, "about", 600000) == "约92%"
    assert format_progress(1, "exact", None) == "—"


QUALIFIERS = st.sampled_from(["exact", "at_least", "about", "at_most"])


@settings(max_examples=500, deadline=None)
@given(st.floats(min_value=0, max_value=1e12, allow_nan=False), QUALIFIERS)
def test_parser_reads_back_what_the_formatter_writes(value: float, qualifier: str) -> None:
    text = format_amount(value, qualifier)
    back = parse_amount(text)
    assert back.ok, text
    assert back.qualifier == qualifier, text
    if qualifier == "at_least":  # never overstated, not absurdly understated
        assert back.value <= value + 1e-6 and (value < 10 or back.value > value / 10)
    elif qualifier == "exact" and value >= 10_000:
        assert abs(back.value - value) <= 0.005 * value + 50
    elif qualifier == "exact":
        assert abs(back.value - value) < 0.01
    elif qualifier == "at_most":
        assert back.value >= value - 1e-6


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), QUALIFIERS)
def test_format_amount_never_raises(value: float, qualifier: str) -> None:
    assert format_amount(value, qualifier).endswith("元")
