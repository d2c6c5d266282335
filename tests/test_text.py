"""Report-style figures: never more precise than the source, and readable back by the parser."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.cleaning.parsing import parse_amount
from metrics.reporting.text import (
    format_amount,
    format_change,
    format_count,
    format_date,
    format_month,
    format_percent,
)


@pytest.mark.parametrize(
    ("value", "qualifier", "text"),
    [
        (60000, "at_least", "6万余元"),
        (60150, "at_least", "6万余元"),
        (551234, "exact", "55.12万元"),
        (551234, "at_least", "55万余元"),
        (9100, "at_least", "9100余元"),
        (9150, "at_least", "9100余元"),
        (9100, "exact", "9,100元"),
        (9100.5, "exact", "9,100.50元"),
        (60000, "exact", "6万元"),
        (125000, "exact", "12.5万元"),
        (1234000, "at_least", "123万余元"),
        (350, "at_least", "350余元"),
        (10000, "at_least", "1万余元"),
        (3000, "about", "约3000元"),
        (55000, "about", "约5.5万元"),
        (1000, "at_most", "不足1000元"),
        (150_000_000, "exact", "1.5亿元"),
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
        (53, "at_least", "次", "50余次"),
        (53, "exact", "次", "53次"),
        (1234, "exact", "人次", "1,234人次"),
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
    assert format_change(5, None) == "上期无数据"
    assert format_change(80000, 45000, figure=format_amount) == "较上期增加3.5万元"
    assert format_change(45000, 45000, figure=format_amount) == "与上期持平"
    assert format_month(dt.date(2024, 7, 5)) == "2024年7月"
    assert format_date(dt.date(2024, 7, 5)) == "2024年7月5日"
    assert format_date(pd.NaT) == "—"


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
