"""Figures written the way an official Chinese summary writes them, never more precise than the source.

The one written rule for displayed figures is docs/figures.md (a table, each row a test in
tests/test_figures_rule.py); every leadership output (PDF, Word, the Excel summary sheet, the
chart labels and the sentences) words its figures here:

- **Digits**: no thousands separator in text. Below 1万 a figure is written in digits (2750元,
  9100余元, 591人次); from 1万 up it is written in 万 or 亿 (55.12万元, 1.2万人次). An exact
  figure below 1万 is shown exactly.
- **余** is a floor (it must never overstate): below 1,000 every digit is kept (119余人次,
  99余人次); from 1,000 up two significant figures (9100余元, 8.3万余元), from 10万 up the whole
  万 (55万余元) and from 1亿 up a tenth of 亿 (1.4亿余元).
- **约** rounds half up (74,500 -> 约7.5万元, never round-half-even's 约7.4万元) to a round figure
  (a tenth of 万 or 亿, hundreds, tens below 1,000, units below 100), and says 近 when it was
  rounded up to a plain round figure (约590人次, 近600人次, never 约591人次); 不足 rounds up.
- **Lists** (a table's column, a chart's labels) are worded jointly by :func:`format_figures`:
  a figure gains digits until no two displays invert the order of their raw figures.
- **Sums** take 余 when a term is 余, 约 when a term is 约, and 约 when both are (:data:`SUM_RULE`).
- **Changes** are computed whenever both sides bound the difference (增加约8.5万元, 增加3100余元),
  from the figures as they are shown (约170 against 近130 is 增加约40, never 约41), and explained in
  words when they cannot be (两期均为“余”数，无法相减): never a bare "—".
- **Dates**: 2026年11月28日 everywhere; a date known only to the month stays 2024年11月.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from itertools import pairwise

import pandas as pd

#: What a figure is shown as when its value is missing (only in tables; sentences avoid it).
MISSING = "—"
QUALIFIER_CN = {"exact": "", "at_least": "余", "about": "约", "at_most": "不足"}
#: How the qualifier of a sum follows its terms, in the words of the report's precision note.
SUM_RULE = (
    "合计中只要有一笔写作“余”，合计也写作“余”；有一笔是“约”“近”等估计数，合计写作“约”；"
    "两者都有时，合计写作“约”。"
)
#: How each qualifier rounds (exact figures of 1万 and more are rounded to 0.01万, half up).
_ROUNDING = {
    "exact": ROUND_HALF_UP,
    "at_least": ROUND_FLOOR,
    "about": ROUND_HALF_UP,
    "at_most": ROUND_CEILING,
}
#: 约 and 不足: the round figure each size is shown to (from this value up: this step).
_ROUND_STEPS = (
    (Decimal("1e8"), Decimal("1e7")),
    (Decimal("1e4"), Decimal("1e3")),
    (Decimal("1e3"), Decimal("1e2")),
    (Decimal("1e2"), Decimal("1e1")),
)
#: The finest any figure is shown to (fen); a list stops adding digits there.
_FINEST = Decimal("0.01")
_YI, _WAN = Decimal("1e8"), Decimal("1e4")


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _dec(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def _base_step(v: Decimal, qualifier: str) -> Decimal:
    """The step a figure is shown to, by the rule above (docs/figures.md)."""
    if qualifier == "at_least":
        if v < 1000:
            return Decimal(1)  # three figures below 1,000: every digit
        cap = Decimal("1e7") if v >= _YI else _WAN  # whole 万, tenths of 亿
        return min(Decimal(10) ** (v.adjusted() - 1), cap)  # at least two figures
    if qualifier in ("about", "at_most"):
        return next((step for floor, step in _ROUND_STEPS if v >= floor), Decimal(1))
    return Decimal("1e6") if v >= _YI else Decimal(100) if v >= _WAN else _FINEST


def _shown(v: Decimal, qualifier: str, extra: int = 0) -> tuple[Decimal, Decimal]:
    """The value a non-negative figure is shown as, and its step (``extra`` digits finer)."""
    step = max(_base_step(v, qualifier) / Decimal(10) ** extra, _FINEST)
    whole = (v / step).quantize(Decimal(1), rounding=_ROUNDING.get(qualifier, ROUND_HALF_UP))
    return whole * step, step


def _digits(shown: Decimal, step: Decimal, exact: bool) -> str:
    """A shown value in digits, 万 or 亿: 9100, 9100.50 (fen of an exact figure), 8.3万, 1.4亿."""
    scale, word = (_YI, "亿") if shown >= _YI else (_WAN, "万") if shown >= _WAN else (1, "")
    places = max(0, -(step / scale).normalize().adjusted())
    text = f"{(shown / scale).quantize(Decimal(1).scaleb(-places)):f}"
    if exact and not word:
        return text.removesuffix(".00")  # 9100元, 9100.50元 (yuan and fen)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}{word}"


def format_figure(
    value: float | None, qualifier: str = "exact", unit: str = "", *, extra: int = 0
) -> str:
    """Any figure with its unit, by the rules above: 6万余元, 约3000元, 近600人次, 不足20人.

    ``extra``: digits added to the rule's (a list worded jointly, :func:`format_figures`).
    """
    if _missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    if v < 0:
        return "-" + format_figure(-v, qualifier, unit, extra=extra)
    raw = _dec(v)
    shown, step = _shown(raw, qualifier, extra)
    text = _digits(shown, step, qualifier == "exact")
    if qualifier == "at_least":
        return f"{text}余{unit}"
    if qualifier == "about":
        # 近 says "a little under": only for a plain round figure rounded up (近600, not 近10.2万)
        word = "近" if shown > raw and "." not in text else "约"
        return f"{word}{text}{unit}"
    if qualifier == "at_most":
        return f"不足{text}{unit}"
    return f"{text}{unit}"


def _signed_shown(value: float, qualifier: str, extra: int) -> tuple[Decimal, Decimal]:
    shown, step = _shown(_dec(abs(value)), qualifier, extra)
    return (-shown if value < 0 else shown), step


def joint_digits(values: Sequence[float | None], qualifiers: Sequence[str]) -> list[int]:
    """The digits each figure of a list needs beyond the rule so no display inverts the order
    the raw figures have: 99 (余) and 96 (约) shown 90余 below 约96 is the defect this prevents.

    The figures are taken in raw order (ties by shown value); wherever a larger raw figure
    shows smaller than its neighbour, both gain a digit, until none does or both are at fen.
    """
    if len(values) != len(qualifiers):
        raise ValueError("values and qualifiers differ in length")
    extra = [0] * len(values)
    raw = {i: float(v) for i, v in enumerate(values) if v is not None and not _missing(v)}
    for _ in range(12):  # 1亿's step (1e7) to fen (0.01) is 9 digits
        shown = {i: _signed_shown(v, qualifiers[i], extra[i]) for i, v in raw.items()}
        order = sorted(raw, key=lambda i: (raw[i], shown[i][0]))
        bump = {
            i
            for a, b in pairwise(order)
            if shown[a][0] > shown[b][0]
            for i in (a, b)
            if shown[i][1] > _FINEST
        }
        if not bump:
            break
        for i in bump:
            extra[i] += 1
    return extra


def format_figures(
    values: Iterable[float | None],
    qualifiers: Iterable[str],
    unit: str = "",
    *,
    missing: str = MISSING,
) -> list[str]:
    """A list of figures worded jointly (a table's column, a chart's labels): each by the
    rule, with the digits :func:`joint_digits` adds so the list reads in its raw order.

    ``missing``: what a missing figure says in this list (未填写, 无人民币金额).
    """
    vals, quals = list(values), [str(q) for q in qualifiers]
    extra = joint_digits(vals, quals)
    return [
        missing if _missing(v) else format_figure(v, q, unit, extra=e)
        for v, q, e in zip(vals, quals, extra, strict=True)
    ]


def format_amount(value: float | None, qualifier: str = "exact") -> str:
    """Yuan in report style: 6万余元, 55.12万元, 9100余元, 2750元, 约3000元, 不足1000元."""
    return format_figure(value, qualifier, "元")


def format_count(value: float | None, qualifier: str = "exact", unit: str = "") -> str:
    """Counts: 53次, 50余次, 约590人次, 近600人次, 不足20人, 1.2万人次."""
    return format_figure(value, qualifier, unit)


def _half_up(value: Decimal, places: int) -> str:
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"


def format_percent(numerator: float | None, denominator: float | None, digits: int = 1) -> str:
    """19/22 -> 86.4% (half up: 1/8 -> 12.5%, 1/16 -> 6.3%); an empty denominator -> —."""
    if not denominator or numerator is None:
        return MISSING
    return f"{_half_up(100 * _dec(numerator) / _dec(denominator), digits)}%"


def format_progress(value: float | None, qualifier: str, target: float | None) -> str:
    """Progress against a target, as precise as the figure: 91.7%, 91%以上, 约92%."""
    if _missing(value) or not target:
        return MISSING
    share = 100 * _dec(value) / _dec(target)  # type: ignore[arg-type]
    if qualifier == "at_least":  # 55万余元 of 60万元: 91%以上, not a decimal the source never had
        return f"{math.floor(share):d}%以上"
    if qualifier == "about":
        return f"约{_half_up(share, 0)}%"
    if qualifier == "at_most":
        return f"不足{math.ceil(share):d}%"
    return f"{_half_up(share, 1)}%"


def _bounds(value: float, qualifier: str) -> tuple[float | None, float | None]:
    """What a figure says about the true value: (lowest, highest); None = unbounded."""
    if qualifier == "at_least":
        return value, None
    if qualifier == "at_most":
        return None, value
    return value, value


def _as_shown(value: float, qualifier: str) -> float:
    """An approximate figure as the reader sees it (a 余 floor is still a lower bound)."""
    if qualifier == "exact":
        return float(value)
    return float(_signed_shown(float(value), qualifier, 0)[0])


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
    约10.2万元 against 1.66万元 is 增加约8.5万元, 约170 against 近130 增加约40 (the figures as
    shown, so the change agrees with what the reader subtracts). Two 余 figures (or two 不足 figures) leave
    the difference open either way, and the text says so instead of printing "—".
    """
    if not previous_recorded or _missing(previous):
        return f"{basis}未登记"
    if _missing(current):
        return "本期未登记"
    if current_q == previous_q and current_q in ("at_least", "at_most"):
        return f"两期均为“{QUALIFIER_CN[current_q]}”数，无法相减"
    # an approximate side is subtracted as it is shown (约170 - 近130 = 约40, never 约41)
    cur_lo, cur_hi = _bounds(_as_shown(current, current_q), current_q)  # type: ignore[arg-type]
    pre_lo, pre_hi = _bounds(_as_shown(previous, previous_q), previous_q)  # type: ignore[arg-type]
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


def format_date(day: dt.date | str | None, precision: object = "day") -> str:
    """2024年7月5日 (also from an ISO string such as 2026-11-28T03:00:00Z); missing -> —.

    ``precision`` is what the ledger said (the processed ``*_precision`` column): a deadline
    written 2024年11月 is read as 1 November and kept "month", and is shown 2024年11月, never
    2024年11月1日; "year" shows 2024年.
    """
    if day is None or (not isinstance(day, str) and pd.isna(day)):
        return MISSING
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    if precision == "year":
        return f"{day.year}年"
    if precision == "month":
        return format_month(day)
    return f"{day.year}年{day.month}月{day.day}日"


#: The .xlsx number format that keeps a date's precision (for a date cell, by its precision).
EXCEL_DATE_FORMATS = {
    "day": 'yyyy"年"m"月"d"日"',
    "month": 'yyyy"年"m"月"',
    "year": 'yyyy"年"',
}


def excel_date_format(precision: object = "day") -> str:
    """The cell format for a date of this precision: 2024年11月 stays a month in the .xlsx."""
    return EXCEL_DATE_FORMATS.get(str(precision), EXCEL_DATE_FORMATS["day"])


def format_amounts(
    values: Iterable[float | None], qualifiers: Iterable[str], *, missing: str = MISSING
) -> list[str]:
    """A column of yuan figures worded jointly (:func:`format_figures`)."""
    return format_figures(values, qualifiers, "元", missing=missing)


def format_counts(
    values: Iterable[float | None],
    qualifiers: Iterable[str],
    unit: str = "",
    *,
    missing: str = MISSING,
) -> list[str]:
    """A column of counts worded jointly (:func:`format_figures`)."""
    return format_figures(values, qualifiers, unit, missing=missing)
