"""Figures written the way an official Chinese summary writes them, never more precise than the source.

The wording rules of every leadership output (PDF, Word, the Excel summary sheet) live here:

- **Digits**: no thousands separator in text. Below 1万 a figure is written in digits (2750元,
  9100余元, 591人次); from 1万 up it is written in 万 or 亿 (55.12万元, 1.2万人次).
- **Qualifiers follow the source**: an at_least figure is truncated down to a round figure and
  takes 余 (9100余元, 590余人次; it must never overstate); an about figure is rounded to a round
  figure and takes 约, or 近 when it was rounded up (约590人次, 近600人次, never 约591人次);
  an at_most figure is rounded up and takes 不足.
- **Changes** are computed whenever both sides bound the difference (增加约8.5万元, 增加3100余元)
  and explained in words when they cannot be (两期均为“余”数，无法相减): never a bare "—".
- **Dates**: 2026年11月28日 everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import pandas as pd

#: What a figure is shown as when its value is missing (only in tables; sentences avoid it).
MISSING = "—"
QUALIFIER_CN = {"exact": "", "at_least": "余", "about": "约", "at_most": "不足"}


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _trim(number: float, decimals: int = 2) -> str:
    text = f"{number:.{decimals}f}".rstrip("0").rstrip(".")
    return text or "0"


def _exact(v: float) -> str:
    if v >= 1e8:
        return f"{_trim(round(v / 1e8, 2))}亿"
    if v >= 1e4:
        return f"{_trim(round(v / 1e4, 2))}万"
    return f"{v:.2f}".removesuffix(".00")  # 9100元, 9100.50元 (yuan and fen)


def _floor(v: float) -> str:
    """Truncated down to its leading figures (for 余): 9150 -> 9100, 591 -> 590, 6.3万 -> 6万.

    亿 keep one decimal (1.44亿 -> 1.4亿余): a whole 亿 would drop up to half the figure.
    """
    if v >= 1e8:
        return f"{_trim(math.floor(v / 1e7) / 10, 1)}亿"
    if v >= 1e4:
        return f"{math.floor(v / 1e4)}万"
    if v >= 1000:
        return f"{math.floor(v / 100) * 100}"
    return f"{math.floor(v / 10) * 10}" if v >= 10 else f"{math.floor(v)}"


def _round(v: float, up: bool = False) -> tuple[str, float]:
    """A round figure for 约 / 不足 (one decimal of 万/亿, hundreds, tens) and the value it shows."""
    op = math.ceil if up else round
    if v >= 1e8:
        shown = op(v / 1e7) / 10
        return f"{_trim(shown, 1)}亿", shown * 1e8
    if v >= 1e4:
        shown = op(v / 1e3) / 10
        return f"{_trim(shown, 1)}万", shown * 1e4
    step = 100 if v >= 1000 else 10 if v >= 100 else 1
    shown = op(v / step) * step
    return f"{shown}", float(shown)


def format_figure(value: float | None, qualifier: str = "exact", unit: str = "") -> str:
    """Any figure with its unit, by the rules above: 6万余元, 约3000元, 近600人次, 不足20人."""
    if _missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    if v < 0:
        return "-" + format_figure(-v, qualifier, unit)
    if qualifier == "at_least":
        return f"{_floor(v)}余{unit}"
    if qualifier == "about":
        text, shown = _round(v)
        # 近 says "a little under": only for a plain round figure rounded up (近600, not 近10.2万)
        word = "近" if shown > v + 1e-9 and "." not in text else "约"
        return f"{word}{text}{unit}"
    if qualifier == "at_most":
        return f"不足{_round(v, up=True)[0]}{unit}"
    return f"{_exact(v)}{unit}"


def format_amount(value: float | None, qualifier: str = "exact") -> str:
    """Yuan in report style: 6万余元, 55.12万元, 9100余元, 2750元, 约3000元, 不足1000元."""
    return format_figure(value, qualifier, "元")


def format_count(value: float | None, qualifier: str = "exact", unit: str = "") -> str:
    """Counts: 53次, 50余次, 约590人次, 近600人次, 不足20人, 1.2万人次."""
    return format_figure(value, qualifier, unit)


def format_percent(numerator: float | None, denominator: float | None, digits: int = 1) -> str:
    """19/22 -> 86.4%; an empty denominator -> —."""
    if not denominator or numerator is None:
        return MISSING
    return f"{100 * float(numerator) / float(denominator):.{digits}f}%"


def format_progress(value: float | None, qualifier: str, target: float | None) -> str:
    """Progress against a target, as precise as the figure: 91.7%, 91%以上, 约92%."""
    if _missing(value) or not target:
        return MISSING
    share = 100 * float(value) / float(target)  # type: ignore[arg-type]
    if qualifier == "at_least":  # 55万余元 of 60万元: 91%以上, not a decimal the source never had
        return f"{math.floor(share):d}%以上"
    if qualifier == "about":
        return f"约{round(share):d}%"
    if qualifier == "at_most":
        return f"不足{math.ceil(share):d}%"
    return f"{share:.1f}%"


def _bounds(value: float, qualifier: str) -> tuple[float | None, float | None]:
    """What a figure says about the true value: (lowest, highest); None = unbounded."""
    if qualifier == "at_least":
        return value, None
    if qualifier == "at_most":
        return None, value
    return value, value


def describe_change(
    current: float | None,
    current_q: str,
    previous: float | None,
    previous_q: str,
    unit: str = "",
    *,
    previous_recorded: bool = True,
    basis: str = "上期",
) -> str:
    """The change from ``previous`` to ``current`` in words, or why it cannot be given.

    A change is written when the two sides bound it: 6万余元 against 4万元 is 增加2万余元,
    约10.2万元 against 1.66万元 is 增加约8.5万元. Two 余 figures (or two 不足 figures) leave
    the difference open either way, and the text says so instead of printing "—".
    """
    if not previous_recorded or _missing(previous):
        return f"{basis}未登记"
    if _missing(current):
        return "本期未登记"
    if current_q == previous_q and current_q in ("at_least", "at_most"):
        return f"两期均为“{QUALIFIER_CN[current_q]}”数，无法相减"
    cur_lo, cur_hi = _bounds(float(current), current_q)  # type: ignore[arg-type]
    pre_lo, pre_hi = _bounds(float(previous), previous_q)  # type: ignore[arg-type]
    low = cur_lo - pre_hi if cur_lo is not None and pre_hi is not None else None
    high = cur_hi - pre_lo if cur_hi is not None and pre_lo is not None else None
    if low is not None and high is not None:
        diff = low  # both sides fixed: low == high
        qualifier = "about" if "about" in (current_q, previous_q) else "exact"
    elif low is not None:
        diff, qualifier = low, "at_least"  # the change is at least `low`
    else:
        diff, qualifier = high, "at_most"  # type: ignore[assignment]
    if abs(diff) < 1e-9 and qualifier in ("exact", "about"):
        return f"与{basis}持平" if qualifier == "exact" else f"与{basis}大致持平"
    word = "增加" if diff > 0 else "减少"
    if diff < 0:  # a lower bound on a fall is an upper bound on its size, and back
        qualifier = {"at_least": "at_most", "at_most": "at_least"}.get(qualifier, qualifier)
    return f"{word}{format_figure(abs(diff), qualifier, unit)}"


def format_change(
    current: float | None, previous: float | None, unit: str = "", basis: str = "上期"
) -> str:
    """Two exact figures: 较上期增加3项 / 较上期减少2项 / 与上期持平 / 上期未登记."""
    text = describe_change(current, "exact", previous, "exact", unit, basis=basis)
    return f"较{basis}{text}" if text.startswith(("增加", "减少")) else text


def currency_name(code: str) -> str:
    """USD -> 美元, HKD -> 港币: the first Chinese word vocab.toml [currencies] gives the code."""
    from metrics.cleaning.parsing import load_vocab

    for word, known in load_vocab().get("currencies", {}).items():
        if known == code and any("\u4e00" <= ch <= "\u9fff" for ch in word):
            return str(word)
    return code


def format_month(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"


def format_date(day: dt.date | str | None) -> str:
    """2024年7月5日 (also from an ISO string such as 2026-11-28T03:00:00Z); missing -> —."""
    if day is None or (not isinstance(day, str) and pd.isna(day)):
        return MISSING
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def format_amounts(values: Iterable[float | None], qualifiers: Iterable[str]) -> list[str]:
    """format_amount over two columns (a table's amount and its qualifier)."""
    return [format_amount(v, q) for v, q in zip(values, qualifiers, strict=True)]


def format_counts(
    values: Iterable[float | None], qualifiers: Iterable[str], unit: str = ""
) -> list[str]:
    return [format_count(v, q, unit) for v, q in zip(values, qualifiers, strict=True)]
