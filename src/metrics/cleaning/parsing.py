"""Read one cell the way a careful clerk would: amounts, counts, hours, dates and vocabulary words.

Every parser returns a :class:`Parsed` and never raises: a value it cannot read comes back with
an ``error`` - a reason in Chinese that names the value and what was expected - so the row can
be rejected with that reason while the rest of the sheet goes on. An empty cell (blank, "—",
"无") is not an error: it comes back as ``Parsed(None)``. Words (余, 约, 已办结, 现金 …) live in
``data/vocab.toml`` so an analyst can teach shishi a new word without touching code.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache, wraps
from importlib import resources
from typing import Any, ParamSpec

import numpy as np
import pandas as pd

from metrics.cleaning.statuses import StatusTable, read_status, status_table
from metrics.contract import QUALIFIERS, Reason, Refusal

P = ParamSpec("P")

EXCEL_EPOCH = dt.date(1899, 12, 30)
SERIAL_RANGE = (20000, 80000)  # 1954 .. 2119: a number in a date column in this range is a serial
YEAR_RANGE = (1990, 2100)
#: Beyond these a figure is a typing or export error, not a ledger entry: refused with a reason
#: (and never an overflow). 1万亿元; 1亿 people or times; 100万 hours.
MAX_AMOUNT_YUAN = 1e12
MAX_COUNT = 100_000_000
MAX_HOURS = 1_000_000

AMOUNT_HINT = "应为数字或如 12500、1.2万、6万余元 的写法"
COUNT_HINT = "应为整数，如 12、20余人、五十余次"
HOURS_HINT = "应为小时数，如 2.5、3小时、90分钟、半天"
DATE_HINT = "应写成 2024年10月5日 或 2024-10-05"


@dataclass(frozen=True)
class Parsed:
    """A parsed cell: its value, how precise the source was, or why it could not be read."""

    value: Any = None
    qualifier: str | None = "exact"  # None: an empty date cell has no precision
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True unless the cell was refused (an empty cell is ok, with value None)."""
        return self.error is None


# --- vocabulary and text ---------------------------------------------------------------------


@cache
def load_vocab() -> dict[str, Any]:
    """The vocabulary file, read once: cells are parsed by the million, the file never changes."""
    with resources.files("metrics").joinpath("data/vocab.toml").open("rb") as fh:
        return tomllib.load(fh)


@cache
def _opencc() -> Any:
    import opencc  # imported lazily: building the converter loads its dictionaries

    return opencc.OpenCC("t2s")


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=1 << 16)
def _to_simplified(run: str) -> str:
    return _opencc().convert(run)


def _simplify(match: re.Match[str]) -> str:
    return _to_simplified(match.group())


@lru_cache(maxsize=1 << 16)
def _normalize_str(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    text = " ".join(text.split())
    if text and not text.isascii():
        # OpenCC's phrases never span ASCII, so each run of other characters converts alone:
        # 约12345元 and 约67890元 share their runs, and a ledger's distinct amounts cost one
        # conversion per distinct wording instead of one per distinct cell.
        text = _NON_ASCII_RUN.sub(_simplify, text)
    return text


def _is_missing(value: object) -> bool:
    """None, NaN, pd.NA, NaT - the ways a table says 'no value'."""
    if value is None:
        return True
    if isinstance(value, str):
        return False
    try:
        return bool(pd.api.types.is_scalar(value) and pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def normalize_text(value: object) -> str:
    """Text to compare: half-width, simplified, trimmed, single spaces; None/NaN -> ''.

    Offices type 金額 or １２５００ as often as 金额 and 12500; folding them here lets every
    vocabulary list hold one spelling only.
    """
    if _is_missing(value):
        return ""
    try:
        return _normalize_str(str(value))
    except Exception:  # an object whose str() fails is no text at all
        return ""


@cache
def _empty_tokens() -> frozenset[str]:
    return frozenset(normalize_text(t).lower() for t in load_vocab()["empty_tokens"])


_ONLY_DASHES = re.compile(r"[-—–―─/\\_·. ]+")


def is_empty(value: object) -> bool:
    """True for blank cells and the tokens offices use for 'nothing' (—, /, 无)."""
    text = normalize_text(value)
    return not text or text.lower() in _empty_tokens() or bool(_ONLY_DASHES.fullmatch(text))


def _quote(value: object) -> str:
    try:
        text = str(value)
    except Exception:
        text = type(value).__name__
    return text if len(text) <= 40 else text[:37] + "…"


def _is_bool(value: object) -> bool:
    return isinstance(value, bool | np.bool_)


def _real_number(value: object) -> float | None:
    """A cell that already is a number (int, float, numpy), else None; bools are not numbers."""
    if _is_bool(value) or not isinstance(value, numbers.Real) or _is_missing(value):
        return None
    return float(value)


def _never_raise(
    error: Callable[[object], str], code: Reason = Reason.OTHER
) -> Callable[[Callable[P, Parsed]], Callable[P, Parsed]]:
    """A parser that meets something unforeseen refuses the cell instead of stopping the run."""

    def wrap(parse: Callable[P, Parsed]) -> Callable[P, Parsed]:
        @wraps(parse)
        def safe(*args: P.args, **kwargs: P.kwargs) -> Parsed:
            try:
                return parse(*args, **kwargs)
            except Exception:
                return Parsed(error=Refusal(code, error(args[0] if args else kwargs.get("value"))))

        return safe

    return wrap


# --- numbers ---------------------------------------------------------------------------------

_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7,
    "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS)
_CN_NUMERAL = re.compile(f"[{_NUMERAL_CHARS}]+")
_TOKEN = re.compile(rf"\d+(?:\.\d+)?|[{_NUMERAL_CHARS}]")
_LATIN_UNITS = {"k": "千", "w": "万"}  # 3k, 5w
_SCIENTIFIC = re.compile(r"\d+(?:\.\d+)?e[+-]?\d+")
_COMMA_NUMBER = re.compile(r"[\d,]*,[\d,]*(?:\.\d+)?")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _numeral(text: str) -> float | None:
    """Digits and Chinese numerals mixed as people write them: 12500, 1.2万, 1万2千, 三千五, 十二.

    A lone digit after a unit counts in the next unit down, as spoken: 三千五 = 3500,
    一万五 = 15000, 1万5 = 15000; after 零 it does not: 一万零五 = 10005.
    """
    tokens = _TOKEN.findall(text)
    if not tokens or "".join(tokens) != text:
        return None
    if len(tokens) > 1 and all(t in _DIGITS for t in tokens):  # 二〇二一: digit by digit
        return float("".join(str(_DIGITS[t]) for t in tokens))
    done = 0.0  # groups closed by 亿 and 万
    section = 0.0  # below 万
    pending: float | None = None  # a figure waiting for its unit
    single = False  # pending is one digit 1-9 (may take the elided unit)
    small: int | None = None  # last 十/百/千 in this section
    big: int | None = None  # last 万/亿
    zero = False  # a 零 since the last unit
    for t in tokens:
        if t in _DIGITS or t[0].isdigit():
            n = float(_DIGITS[t]) if t in _DIGITS else float(t)
            if t in _DIGITS and n == 0:
                if pending is not None:
                    return None
                zero = True
                continue
            if pending is not None:  # two figures in a row: 五五, 12三
                return None
            pending, single = n, t in _DIGITS or len(t) == 1
        elif t in _SMALL_UNITS:
            unit = _SMALL_UNITS[t]
            if small is not None and unit >= small:  # 十百, 千千
                return None
            section += (1 if pending is None else pending) * unit
            small, pending, zero = unit, None, False
        else:  # 万 / 亿 close a group
            unit = _BIG_UNITS[t]
            below = done if unit > 10_000 else 0.0  # 亿 also multiplies the 万 before it: 一万亿
            group = section + (pending or 0) + below
            if group == 0 or big == unit:  # 万 alone, 一万二万
                return None
            done += group * unit - below
            section, pending, small, big, zero = 0.0, None, None, unit, False
    if pending is not None:
        last_unit = small or big
        if single and not zero and last_unit:
            pending *= last_unit / 10
        section += pending
    return done + section


def chinese_numeral(text: str) -> int | None:
    """三千五百 -> 3500, 一万二千 -> 12000, 十二 -> 12, 两百 -> 200; None if not a numeral."""
    if not text or not _CN_NUMERAL.fullmatch(text):
        return None
    n = _numeral(text)
    return int(n) if n is not None else None


def _read_number(text: str) -> float | None:
    """One figure, with an optional sign, thousands commas and a 万/千/亿 multiplier."""
    text = text.replace(" ", "").lower()
    sign = 1.0
    if text[:1] in "+-":
        sign, text = (-1.0 if text[0] == "-" else 1.0), text[1:]
    if _SCIENTIFIC.fullmatch(text):  # 1.5E+08 from a CSV export
        return sign * float(text)
    for run in _COMMA_NUMBER.findall(text):
        if not _GROUPED.fullmatch(run):  # "1,2" is not a thousands separator
            return None
    text = text.replace(",", "")
    if text and text[-1] in _LATIN_UNITS and text[:-1].replace(".", "").isdigit():
        text = text[:-1] + _LATIN_UNITS[text[-1]]
    n = _numeral(text)
    return None if n is None else sign * n


@cache
def _qualifier_words() -> tuple[tuple[str, str], ...]:
    """(qualifier, word) pairs, at_most first (不超过 before 超), longer words first (不足 before 足)."""
    words = load_vocab()["qualifiers"]
    return tuple(
        (name, w)
        for name in ("at_most", "about", "at_least")
        for w in sorted(words[name], key=len, reverse=True)
    )


def _split_qualifier(text: str) -> tuple[str, str]:
    """(qualifier, text without the qualifier words): 6万余元 -> (at_least, '6万 元')."""
    found = "exact"
    for name, word in _qualifier_words():
        if word not in text:
            continue
        if word == "+" and not re.search(r"\d\+", text):  # 2000+ yes, +2000 is a sign
            continue
        if found == "exact":
            found = name
        text = text.replace(word, " ")
    return found, text


@cache
def _currency_pattern() -> re.Pattern[str]:
    words = sorted(load_vocab()["currency_words"], key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)), flags=re.IGNORECASE)


_CN_DIGIT = f"[{''.join(_DIGITS)}0-9]"
#: Yuan, then 角 (tenths) and 分 (hundredths), as a cheque or a receipt writes them:
#: 壹万贰仟叁佰肆拾伍元陆角, 12元5角, 伍角陆分, 壹仟元零伍分.
_JIAO_FEN = re.compile(
    rf"(?:(?P<yuan>.+?)\s*[元圆]\s*)?零?(?:(?P<jiao>{_CN_DIGIT})\s*角)?\s*零?"
    rf"(?:(?P<fen>{_CN_DIGIT})\s*分)?\s*(?:整|正)?"
)


_CURRENCY_PREFIX = re.compile(r"^(?:人民币|rmb|cny|¥|￥)\s*", re.IGNORECASE)


def _digit(text: str) -> int:
    return _DIGITS[text] if text in _DIGITS else int(text)


def _jiao_fen(text: str) -> float | None:
    """Yuan with 角 and 分 (壹万贰仟叁佰肆拾伍元陆角 = 12345.6), or None when the text names
    neither 角 nor 分 (then the ordinary reading applies)."""
    if "角" not in text and "分" not in text:
        return None
    m = _JIAO_FEN.fullmatch(_CURRENCY_PREFIX.sub("", text.strip()))
    if m is None or not (m["jiao"] or m["fen"]):
        return None
    yuan = _read_number(m["yuan"]) if m["yuan"] else 0.0
    if yuan is None:
        return None
    cents = 10 * _digit(m["jiao"] or "0") + _digit(m["fen"] or "0")
    return yuan + (-cents if yuan < 0 else cents) / 100


def _amount_text(text: str) -> tuple[str, float | None, bool]:
    """(qualifier, yuan or None, whether the text states its own unit) of an amount in words."""
    qualifier, rest = _split_qualifier(text)
    stated = bool(re.search(r"[元圆万亿角分]", rest))
    if (with_cents := _jiao_fen(rest)) is not None:
        return qualifier, with_cents, True
    rest = _currency_pattern().sub(" ", rest)
    if re.search(r"\d\s+\d", rest):  # "12元34": two figures, not one
        return qualifier, None, stated
    return qualifier, _read_number(rest), stated


def _amount_error(value: object) -> str:
    return f"金额无法识别：「{_quote(value)}」；{AMOUNT_HINT}"


@_never_raise(_amount_error, Reason.AMOUNT_UNREADABLE)
def parse_amount(value: object, multiplier: float = 1.0) -> Parsed:
    """Yuan from 12500, ¥12,500.00, 1.2万, 三千五百, 6万余元, 约3千元, 不足1000元.

    ``multiplier`` is the header's unit (投入资金（万元） -> 10000). A cell that states its own
    unit (元, 万, 亿) is taken at its word: "5000元" in a 万元 column is 5000 yuan.
    """
    if _is_bool(value):
        return Parsed(
            error=Refusal(
                Reason.AMOUNT_UNREADABLE,
                f"金额无法识别：「{value}」是逻辑值（是/否）；{AMOUNT_HINT}",
            )
        )
    number = _real_number(value)
    qualifier = "exact"
    if number is None:
        if is_empty(value):
            return Parsed()
        qualifier, number, stated = _amount_text(normalize_text(value))
        if stated:  # the cell states its own unit (元, 万, 亿): taken at its word
            multiplier = 1.0
    if number is None or not math.isfinite(number * multiplier):
        return Parsed(error=Refusal(Reason.AMOUNT_UNREADABLE, _amount_error(value)))
    if abs(number * multiplier) > MAX_AMOUNT_YUAN:
        return Parsed(
            error=Refusal(
                Reason.OUT_OF_RANGE,
                f"金额超出合理范围（超过1万亿元）：「{_quote(value)}」；请核对是否多打了数字",
            )
        )
    return Parsed(round(number * multiplier, 2) + 0.0, qualifier)  # + 0.0: no "-0.0"


def _count_error(value: object) -> str:
    return f"数量无法识别：「{_quote(value)}」；{COUNT_HINT}"


# a figure, then at most a short unit of Chinese characters (人, 人次, 名志愿者)
_COUNT = re.compile(
    rf"(?P<n>-?[\d.,{_NUMERAL_CHARS}]+)(?P<unit>(?:(?![{_NUMERAL_CHARS}])[\u4e00-\u9fff]){{0,5}})"
)


def _out_of_bounds(
    number: float, value: object, what: str, limit: float, limit_text: str, hint: str
) -> Parsed | None:
    """A refusal for a negative count or duration, or one beyond any plausible size."""
    if number < 0:
        return Parsed(
            error=Refusal(Reason.NEGATIVE, f"{what}不能为负数：「{_quote(value)}」；{hint}")
        )
    if number > limit:
        return Parsed(
            error=Refusal(
                Reason.OUT_OF_RANGE,
                f"{what}超出合理范围（超过{limit_text}）：「{_quote(value)}」；请核对是否多打了数字",
            )
        )
    return None


@_never_raise(_count_error, Reason.COUNT_UNREADABLE)
def parse_count(value: object) -> Parsed:
    """Whole numbers of people, times, items: 6人, 30余顶, 五十余次, 约20人.

    The figure may carry a short unit after it (人, 次, 人次, 名志愿者) but nothing else, so
    "3人（其中2名党员）" or "3到5人" is refused rather than misread.
    """
    if _is_bool(value):
        return Parsed(
            error=Refusal(
                Reason.COUNT_UNREADABLE, f"数量无法识别：「{value}」是逻辑值（是/否）；{COUNT_HINT}"
            )
        )
    number = _real_number(value)
    qualifier = "exact"
    if number is None:
        if is_empty(value):
            return Parsed()
        qualifier, rest = _split_qualifier(normalize_text(value))
        m = _COUNT.fullmatch(rest.replace(" ", ""))
        number = _read_number(m["n"]) if m else None
    if number is None or not math.isfinite(number) or not number.is_integer():
        return Parsed(error=Refusal(Reason.COUNT_UNREADABLE, _count_error(value)))
    if refused := _out_of_bounds(number, value, "数量", MAX_COUNT, "1亿", COUNT_HINT):
        return refused
    return Parsed(int(number), qualifier)


def _hours_error(value: object) -> str:
    return f"时长无法识别：「{_quote(value)}」；{HOURS_HINT}"


@cache
def _duration_pattern() -> re.Pattern[str]:
    units = sorted(load_vocab()["duration_units"], key=len, reverse=True)
    unit = "|".join(map(re.escape, units))
    return re.compile(rf"(?P<n>[\d.{_NUMERAL_CHARS}]+)(?P<unit>{unit})?")


def _hours_from_text(text: str) -> float | None:
    """3小时, 2.5h, 90分钟, 3小时30分钟, 2:30, 两天; a bare figure is hours."""
    vocab = load_vocab()
    if text in vocab["hours_words"]:
        return float(vocab["hours_words"][text])
    if m := re.fullmatch(r"(\d+):(\d{2})", text):
        return int(m[1]) + int(m[2]) / 60 if int(m[2]) < 60 else None
    minutes, end = 0.0, 0
    parts = list(_duration_pattern().finditer(text))
    for m in parts:
        if m.start() != end or (m["unit"] is None and len(parts) > 1):
            return None  # something between the parts, or a bare figure beside a unit
        figure = _read_number(m["n"])
        if figure is None:
            return None
        minutes += figure * (vocab["duration_units"][m["unit"]] if m["unit"] else 60)
        end = m.end()
    return minutes / 60 if parts and end == len(text) else None


@_never_raise(_hours_error, Reason.HOURS_UNREADABLE)
def parse_hours(value: object) -> Parsed:
    """Hours from 3, 2.5小时, 2.5h, 90分钟, 半天 (4), 一天 (8); qualifiers as for counts."""
    if _is_bool(value):
        return Parsed(
            error=Refusal(
                Reason.HOURS_UNREADABLE, f"时长无法识别：「{value}」是逻辑值（是/否）；{HOURS_HINT}"
            )
        )
    qualifier = "exact"
    if isinstance(value, dt.timedelta):  # a duration cell (also pandas Timedelta)
        hours: float | None = value.total_seconds() / 3600
    elif isinstance(value, dt.time):  # 2:30 typed into a time-formatted cell
        hours = value.hour + value.minute / 60 + value.second / 3600
    elif (hours := _real_number(value)) is None:
        if is_empty(value):
            return Parsed()
        qualifier, rest = _split_qualifier(normalize_text(value).lower())
        hours = _hours_from_text(rest.replace(" ", ""))
    if hours is None or not math.isfinite(hours):
        return Parsed(error=Refusal(Reason.HOURS_UNREADABLE, _hours_error(value)))
    if refused := _out_of_bounds(hours, value, "时长", MAX_HOURS, "100万小时", HOURS_HINT):
        return refused
    return Parsed(round(hours, 2) + 0.0, qualifier)


# --- dates -----------------------------------------------------------------------------------

# A date may be followed by text that is not a digit (a time, 至10月8日, （周二）) but not by more
# digits, so 2021.10.567 is refused instead of read as 10月56日.
_END = r"(?![./\-]?\d)"
_DATE_PATTERNS = [
    re.compile(
        rf"(?P<y>\d{{4}})\s*年\s*(?P<m>\d{{1,2}})\s*月\s*(?:(?P<d>\d{{1,2}})\s*[日号]?)?{_END}"
    ),
    re.compile(rf"(?P<y>\d{{4}})(?P<s>[./\-])(?P<m>\d{{1,2}})(?:(?P=s)(?P<d>\d{{1,2}}))?{_END}"),
    re.compile(rf"(?P<y>\d{{4}})(?P<m>\d{{2}})(?P<d>\d{{2}}){_END}"),
]
_NO_YEAR = re.compile(rf"(?P<m>\d{{1,2}})\s*月\s*(?:(?P<d>\d{{1,2}})\s*[日号]?)?{_END}")
#: A span of days written in one cell (2024.3.1-3.5, 2024年5月20日-21日, 2024/7/8～7/19): the
#: event's date is its first day. The first date is written with . / or 年月日, so an ISO date
#: (2024-03-05) is never taken for a span.
_SPAN = re.compile(
    r"(?P<first>(?P<y>\d{4})(?:[./](?P<m>\d{1,2})[./](?P<d>\d{1,2})|年(?P<m2>\d{1,2})月"
    r"(?P<d2>\d{1,2})[日号]?))\s*[-–—~～]\s*(?:(?P<m_end>\d{1,2})\s*[./月]\s*)?"
    r"(?P<d_end>\d{1,2})\s*[日号]?"
)


def _span_start(text: str) -> str | None:
    """The first day of a span written in one cell, when its last day exists and follows it."""
    m = _SPAN.fullmatch(text)
    if m is None:
        return None
    year, month, day = int(m["y"]), int(m["m"] or m["m2"]), int(m["d"] or m["d2"])
    try:
        first = dt.date(year, month, day)
        last = dt.date(year, int(m["m_end"] or month), int(m["d_end"]))
    except ValueError:
        return None
    return m["first"] if last >= first else None


_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")


def _date_error(value: object) -> str:
    return f"日期无法识别：「{_quote(value)}」；{DATE_HINT}"


def _in_range(day: dt.date, value: object) -> Parsed:
    if not YEAR_RANGE[0] <= day.year <= YEAR_RANGE[1]:
        return Parsed(
            error=Refusal(
                Reason.DATE_IMPOSSIBLE,
                f"日期年份不合理：「{_quote(value)}」；年份应在 {YEAR_RANGE[0]}–{YEAR_RANGE[1]} 之间",
            )
        )
    return Parsed(day)


def _build(year: int, month: int, day: int, value: object) -> Parsed:
    try:
        return _in_range(dt.date(year, month, day), value)
    except ValueError:
        return Parsed(
            error=Refusal(
                Reason.DATE_IMPOSSIBLE, f"日期不存在：「{_quote(value)}」；请核对月份和日期"
            )
        )


def _from_serial(number: float, value: object) -> Parsed:
    if not SERIAL_RANGE[0] <= number <= SERIAL_RANGE[1]:
        return Parsed(
            error=Refusal(
                Reason.DATE_UNREADABLE,
                f"日期无法识别：数字「{_quote(value)}」不是日期；{DATE_HINT}",
            )
        )
    return _in_range(EXCEL_EPOCH + dt.timedelta(days=int(number)), value)


def _arabic_numerals(text: str) -> str:
    """二〇二一年十月五日 -> 2021年10月5日 (only in text that looks like a date)."""
    if not re.search("[年月日号]", text):
        return text

    def swap(m: re.Match[str]) -> str:
        n = chinese_numeral(m.group())
        return m.group() if n is None else str(n)

    return _CN_NUMERAL.sub(swap, text)


@_never_raise(_date_error, Reason.DATE_UNREADABLE)
def parse_date(value: object, year_hint: int | None = None) -> Parsed:
    """Dates from date cells, Excel serials, 2021年10月5日, 2021.10.5, 2021/10/05, 2021-10, 10月5日.

    A month without a day is the first of that month. A date without a year takes
    ``year_hint`` (the year in the sheet or file name), or is refused: guessing the year would
    move the row into the wrong period without anyone noticing.
    """
    if _is_bool(value):
        return Parsed(
            error=Refusal(
                Reason.DATE_UNREADABLE, f"日期无法识别：「{value}」是逻辑值（是/否）；{DATE_HINT}"
            )
        )
    if _is_missing(value):
        return Parsed()
    if isinstance(value, dt.datetime):  # also pandas Timestamp
        return _in_range(value.date(), value)
    if isinstance(value, dt.date):
        return _in_range(value, value)
    if isinstance(value, np.datetime64):
        return _in_range(pd.Timestamp(value).date(), value)
    number = _real_number(value)
    if number is not None:
        return _from_serial(number, value)
    if is_empty(value):
        return Parsed()
    text = _arabic_numerals(normalize_text(value))
    if _SERIAL_TEXT.fullmatch(text):
        return _from_serial(float(text), value)
    text = _span_start(text) or text
    for pattern in _DATE_PATTERNS:
        if m := pattern.match(text):
            return _build(int(m["y"]), int(m["m"]), int(m["d"] or 1), value)
    if m := _NO_YEAR.match(text):
        if year_hint is None:
            return Parsed(
                error=Refusal(
                    Reason.DATE_NO_YEAR,
                    f"日期缺少年份：「{_quote(value)}」；工作表名和文件名也看不出年份，"
                    f"请写成 2024年{m['m']}月{m['d'] or 1}日",
                )
            )
        return _build(year_hint, int(m["m"]), int(m["d"] or 1), value)
    return Parsed(error=Refusal(Reason.DATE_UNREADABLE, _date_error(value)))


def date_precision(value: object) -> str:
    """How precise a readable date cell is: "month" for 2024年11月 / 2024-11, else "day".

    parse_date reads a month as its first day; a deadline of "2024年11月" must not become
    overdue on the 2nd, so the precision is kept beside the date.
    """
    if not isinstance(value, str):
        return "day"
    text = _arabic_numerals(normalize_text(value))
    for pattern in _DATE_PATTERNS:
        if m := pattern.match(text):
            return "day" if m["d"] else "month"
    if m := _NO_YEAR.match(text):
        return "day" if m["d"] else "month"
    return "day"


# --- vocabulary words ------------------------------------------------------------------------


def _mentions(text: str, word: str) -> list[int]:
    """End positions of ``word`` in ``text`` not preceded by a negation (未完成 is not 完成)."""
    if word not in text:
        return []
    negations = load_vocab()["negations"]
    ends = []
    start = text.find(word)
    while start >= 0:
        if not any(text[:start].endswith(n) for n in negations):
            ends.append(start + len(word))
        start = text.find(word, start + 1)
    return ends


@lru_cache(maxsize=1 << 12)
def _categories(text: str, section: str) -> tuple[str, ...]:
    """Categories of vocab ``section`` that best match normalized ``text``: one, none or a tie.

    A word equal to the cell wins; otherwise the longest word the cell contains (single
    characters such as 是/否 only ever match the whole cell). Cached: a column repeats few words.
    """
    table: dict[str, list[str]] = load_vocab()[section]
    for name, words in table.items():
        if text in (w.lower() for w in words):
            return (name,)
    found: dict[str, int] = {}  # category -> length of its longest word in the cell
    for name, words in table.items():
        for w in words:
            if len(w) > 1 and _mentions(text, w.lower()):
                found[name] = max(found.get(name, 0), len(w))
    best = max(found.values(), default=0)
    return tuple(name for name, length in found.items() if length == best)


def _match_word(value: object, section: str, what: str) -> Parsed:
    """Parse a vocabulary cell; refuse it naming the accepted words, or the words it mixes."""
    if is_empty(value):
        return Parsed()
    table = load_vocab()[section]
    names = _categories(normalize_text(value).replace(" ", "").lower(), section)
    if len(names) == 1:
        return Parsed(names[0])
    if names:
        mixed = "、".join(f"“{table[n][0]}”" for n in names)
        return Parsed(
            error=Refusal(
                Reason.AMBIGUOUS, f"{what}有歧义：「{_quote(value)}」同时像{mixed}；请只填一种"
            )
        )
    accepted = "、".join("/".join(words[:3]) for words in table.values())
    return Parsed(
        error=Refusal(
            Reason.WORD_UNREADABLE, f"{what}无法识别：「{_quote(value)}」；可填写：{accepted}"
        )
    )


@_never_raise(lambda v: f"办理进度无法识别：「{_quote(v)}」", Reason.WORD_UNREADABLE)
def parse_status(value: object, table: StatusTable | None = None) -> Parsed:
    """已办结 / 已兑现 / 待认领 / 正在落实 / 部分完成 … -> resolved / in_progress / pending / cancelled.

    Read by rule, a marker and a verb of a known family (cleaning/statuses.py, data/statuses.toml);
    ``table`` carries the analyst's own words from shishi.toml (default: the package's table).
    A 是否办结 column holds 是/否, sometimes as a checkbox (True/False).
    """
    if _is_bool(value):
        value = "是" if value else "否"
    if is_empty(value):
        return Parsed()
    table = table or status_table()
    reading = read_status(normalize_text(value).replace(" ", "").lower(), table)
    if reading.status is not None:
        return Parsed(reading.status)
    if reading.problem == "ambiguous":
        mixed = "、".join(f"“{table.first_words()[s]}”" for s in reading.mixed)
        return Parsed(
            error=Refusal(
                Reason.AMBIGUOUS, f"办理进度有歧义：「{_quote(value)}」同时像{mixed}；请只填一种"
            )
        )
    near = f"，最接近的是「{reading.nearest}」" if reading.nearest else ""
    accepted = "、".join(table.first_words().values())
    return Parsed(
        error=Refusal(
            Reason.WORD_UNREADABLE,
            f"「{_quote(value)}」不是认得的办理进度{near}；请改为 {accepted} 等写法"
            f"（已/未/待/正在 加 兑现、认领、落实、完成 等也认得），"
            f"或在 {table.settings} 的 [statuses] 中说明这个词",
        )
    )


@_never_raise(lambda v: f"捐赠类型无法识别：「{_quote(v)}」", Reason.WORD_UNREADABLE)
def parse_kind(value: object) -> Parsed:
    """现金 / 善款 / 转账 -> cash; 物资 / 实物 -> in_kind."""
    if _is_bool(value):
        return Parsed(
            error=Refusal(
                Reason.WORD_UNREADABLE, f"捐赠类型无法识别：「{value}」；应填 现金 或 物资"
            )
        )
    return _match_word(value, "kinds", "捐赠类型")


def parse_buyer_type(value: object) -> Parsed:
    """The buyer's description -> enterprise or individual; individual words win (管理人员自费).

    A buyer that names neither (办公室, 机关食堂, 张某) is "unknown": the purchase still counts
    in the total, and the enterprise / individual split shows it as 未注明 - never refused
    (its money would leave the total), never guessed (a department may buy for the enterprise
    or its staff for themselves).
    """
    if _is_bool(value):
        return Parsed("unknown")
    try:
        if is_empty(value):
            return Parsed()
        text = normalize_text(value)
        table = load_vocab()["buyer_types"]
        for name in ("individual", "enterprise"):
            if any(w in text for w in table[name]):
                return Parsed(name)
    except Exception:  # a buyer's type is read off its name; never refuse a row over it
        pass
    return Parsed("unknown")


def _donor_type(value: object) -> Parsed:
    text = normalize_text(value)
    main = re.sub(r"\(.*?\)|（.*?）", "", text).strip()  # a bracketed note says less than the name
    table = load_vocab()["donor_types"]
    for candidate in (main, text):
        best: tuple[int, int, str] | None = None  # (end position, word length, category)
        for name, words in table.items():
            for w in words:
                for end in _mentions(candidate, w):
                    best = max(best or (end, len(w), name), (end, len(w), name))
        if best:
            return Parsed(best[2])
    if re.fullmatch(r"[\u4e00-\u9fff]{2,3}", main):  # a bare personal name: 张三, 欧阳娜
        return Parsed("individual")
    return Parsed("other")


def parse_donor_type(value: object) -> Parsed:
    """A donor's name -> enterprise / organization / individual, else 'other' (never an error).

    Chinese names end with their head noun, so the word ending furthest right decides:
    某公司工会 is a union (organization), 本厂职工 a person, 科技有限公司 a company.
    """
    try:
        return Parsed() if is_empty(value) else _donor_type(value)
    except Exception:  # a donor's type is a convenience; never refuse a row over it
        return Parsed("other")


def combine_qualifiers(qualifiers: Iterable[object]) -> str:
    """Qualifier of a sum: exact only if every part is; 'about' wins; at_least + at_most -> about.

    Missing qualifiers (None, NaN, "") count as exact; an unknown word is a programming error.
    """
    seen = set()
    for q in qualifiers:
        if _is_missing(q) or q in ("", "None", "nan", "<NA>"):
            continue
        if q not in QUALIFIERS:
            raise ValueError(f"unknown qualifier {q!r}; expected one of {QUALIFIERS}")
        seen.add(q)
    seen.discard("exact")
    if not seen:
        return "exact"
    if "about" in seen or {"at_least", "at_most"} <= seen:
        return "about"
    return seen.pop()
