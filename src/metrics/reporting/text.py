"""Figures written the way an official Chinese summary writes them, never more precise than the source.

60,000 at_least -> "6万余元"; 551,234 exact -> "55.12万元"; 9,100 at_least -> "9100余元".
An at_least figure is truncated down (it must never overstate), an at_most figure rounded up.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable

import pandas as pd


def _trim(number: float, decimals: int = 2) -> str:
    text = f"{number:.{decimals}f}".rstrip("0").rstrip(".")
    return text or "0"


def _exact_amount(v: float) -> str:
    if v >= 1e8:
        return f"{_trim(round(v / 1e8, 2))}亿元"
    if v >= 1e4:
        return f"{_trim(round(v / 1e4, 2))}万元"
    return f"{v:,.2f}".removesuffix(".00") + "元"


def _floor_amount(v: float) -> str:
    """Truncated down to its leading figures (for 余)."""
    if v >= 1e8:
        return f"{math.floor(v / 1e8)}亿"
    if v >= 1e4:
        return f"{math.floor(v / 1e4)}万"
    if v >= 1000:
        return f"{math.floor(v / 100) * 100}"
    return f"{math.floor(v / 10) * 10}" if v >= 10 else f"{math.floor(v)}"


def _round_amount(v: float, up: bool = False) -> str:
    """Two significant figures in 万/亿, hundreds below (for 约 and 不足)."""
    op = math.ceil if up else round
    if v >= 1e8:
        return f"{_trim(op(v / 1e7) / 10, 1)}亿"
    if v >= 1e4:
        return f"{_trim(op(v / 1e3) / 10, 1)}万"
    if v >= 100:
        return f"{op(v / 100) * 100}"
    return f"{op(v)}"


def format_amount(value: float | None, qualifier: str = "exact") -> str:
    """Yuan in report style: 6万余元, 55.12万元, 9100余元, 约3000元, 不足1000元."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    v = float(value)
    if v < 0:
        return "-" + _exact_amount(-v)
    if qualifier == "at_least":
        return f"{_floor_amount(v)}余元"
    if qualifier == "about":
        return f"约{_round_amount(v)}元"
    if qualifier == "at_most":
        return f"不足{_round_amount(v, up=True)}元"
    return _exact_amount(v)


def format_count(value: float | None, qualifier: str = "exact", unit: str = "") -> str:
    """Counts: 53次, 50余次, 约20人, 不足20人, 1,234人次."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    n = float(value)
    if qualifier == "at_least":
        shown = math.floor(n / 10) * 10 if n >= 10 else math.floor(n)
        return f"{shown:,}余{unit}"
    if qualifier == "about":
        return f"约{round(n):,}{unit}"
    if qualifier == "at_most":
        return f"不足{math.ceil(n):,}{unit}"
    return f"{_trim(n, 1) if not n.is_integer() else f'{int(n):,}'}{unit}"


def format_percent(numerator: float | None, denominator: float | None, digits: int = 1) -> str:
    """19/22 -> 86.4%; an empty denominator -> —."""
    if not denominator or numerator is None:
        return "—"
    return f"{100 * float(numerator) / float(denominator):.{digits}f}%"


def format_change(
    current: float | None,
    previous: float | None,
    unit: str = "",
    figure: Callable[[float], str] | None = None,
) -> str:
    """较上期增加3项 / 较上期减少2项 / 与上期持平 / 上期无数据.

    ``figure`` writes the size of the change (e.g. format_amount: 较上期增加3.5万元).
    """
    if previous is None or current is None:
        return "上期无数据"
    diff = float(current) - float(previous)
    if abs(diff) < 1e-9:
        return "与上期持平"
    word = "增加" if diff > 0 else "减少"
    amount = abs(diff)
    if figure is not None:
        return f"较上期{word}{figure(amount)}"
    written = f"{int(amount):,}" if amount.is_integer() else f"{amount:,.2f}"
    return f"较上期{word}{written}{unit}"


def format_month(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"


def format_date(day: dt.date | None) -> str:
    """2024年7月5日; a missing date -> —."""
    if day is None or pd.isna(day):
        return "—"
    return f"{day.year}年{day.month}月{day.day}日"


def format_amounts(values: Iterable[float | None], qualifiers: Iterable[str]) -> list[str]:
    """format_amount over two columns (a table's amount and its qualifier)."""
    return [format_amount(v, q) for v, q in zip(values, qualifiers, strict=True)]


def format_counts(
    values: Iterable[float | None], qualifiers: Iterable[str], unit: str = ""
) -> list[str]:
    return [format_count(v, q, unit) for v, q in zip(values, qualifiers, strict=True)]
