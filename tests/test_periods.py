"""Periods: every accepted spelling, previous periods across year ends, windows and masks."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from metrics.errors import PeriodError
from metrics.periods import Period, campaign_to_date


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2024Q3", "2024Q3", dt.date(2024, 7, 1), dt.date(2024, 9, 30)),
        ("2024q4", "2024Q4", dt.date(2024, 10, 1), dt.date(2024, 12, 31)),
        ("2024-Q1", "2024Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
        ("2024年第三季度", "2024Q3", dt.date(2024, 7, 1), dt.date(2024, 9, 30)),
        ("2024H1", "2024H1", dt.date(2024, 1, 1), dt.date(2024, 6, 30)),
        ("2024年下半年", "2024H2", dt.date(2024, 7, 1), dt.date(2024, 12, 31)),
        ("2024", "2024", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
        ("2024年", "2024", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
        ("2024-07", "2024-07", dt.date(2024, 7, 1), dt.date(2024, 7, 31)),
        ("2024-2", "2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2023年2月", "2023-02", dt.date(2023, 2, 1), dt.date(2023, 2, 28)),
    ],
)
def test_parse(text: str, label: str, start: dt.date, end: dt.date) -> None:
    p = Period.parse(text)
    assert (p.label, p.start, p.end) == (label, start, end)


@pytest.mark.parametrize("text", ["2024Q5", "Q3", "2024H3", "2024-13", "yesterday", "", "1800"])
def test_bad_periods_say_what_is_accepted(text: str) -> None:
    with pytest.raises(PeriodError, match="2024Q3"):
        Period.parse(text)


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("2024Q1", "2023Q4"),
        ("2024Q3", "2024Q2"),
        ("2024H1", "2023H2"),
        ("2024H2", "2024H1"),
        ("2024", "2023"),
        ("2024-01", "2023-12"),
        ("2024-03", "2024-02"),
    ],
)
def test_previous(text: str, previous: str) -> None:
    assert Period.parse(text).previous().label == previous


def test_labels_and_windows() -> None:
    p = Period.parse("2024Q4")
    assert p.label_cn == "2024年第四季度"
    assert Period.parse("2024H1").label_cn == "2024年上半年"
    ytd = Period.parse("2024Q3").year_to_date()
    assert (ytd.start, ytd.end, ytd.label_cn) == (
        dt.date(2024, 1, 1),
        dt.date(2024, 9, 30),
        "2024年1—9月",
    )
    camp = campaign_to_date(p, dt.date(2023, 5, 1))
    assert (camp.start, camp.end, camp.label_cn) == (dt.date(2023, 5, 1), p.end, "活动开展以来")
    assert campaign_to_date(p, None).start == p.start


def test_contains_and_mask() -> None:
    p = Period.parse("2024Q4")
    assert p.contains(dt.date(2024, 10, 1)) and p.contains(dt.date(2024, 12, 31))
    assert not p.contains(dt.date(2024, 9, 30)) and not p.contains(None)
    dates = pd.Series(pd.to_datetime(["2024-10-01", None, "2025-01-01", "2024-12-31"]))
    assert p.mask(dates).tolist() == [True, False, False, True]
