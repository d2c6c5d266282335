"""Read one cell the way a careful clerk would: amounts, counts, hours, dates and vocabulary words.

Every parser returns a :class:`Parsed` and never raises: a value it cannot read comes back with
an ``error`` - a reason in Chinese that names the value and what was expected - so the row can
be rejected with that reason while the rest of the sheet goes on. Words (余, 约, 已办结, 现金 …)
live in ``data/vocab.toml``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

Qualifier = Literal["exact", "at_least", "about", "at_most"]

EXCEL_EPOCH = dt.date(1899, 12, 30)
SERIAL_RANGE = (20000, 80000)  # 1954 .. 2119: numbers in a date column in this range are serials
YEAR_RANGE = (1990, 2100)

_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7,
    "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_CN_NUMERAL = re.compile(r"[零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万亿]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_MULTIPLIER_WORDS = {"亿": 1e8, "万": 1e4, "千": 1e3, "百": 1e2, "k": 1e3, "w": 1e4}


@dataclass(frozen=True)
class Parsed:
    """A parsed cell: its value, how precise the source was, or why it could not be read."""

    value: Any = None
    qualifier: str = "exact"
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@cache
def load_vocab() -> dict[str, Any]:
    """The vocabulary file, read once."""
    with resources.files("metrics").joinpath("data/vocab.toml").open("rb") as fh:
        return tomllib.load(fh)


@cache
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@cache
def _to_simplified(text: str) -> str:
    return _t2s().convert(text)


def _is_nan(value: object) -> bool:
    try:
        return bool(
            value is None or (isinstance(value, float) and math.isnan(value)) or value != value
        )
    except (TypeError, ValueError):
        return False


def normalize_text(value: object) -> str:
    """Text to compare: half-width, simplified, trimmed, single spaces; None/NaN -> ''."""
    if _is_nan(value):
        return ""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover
        pass
    text = unicodedata.normalize("NFKC", str(value))
    text = re.sub(r"\s+", " ", text).strip()
    if text and not text.isascii():
        text = _to_simplified(text)
    return text


def is_empty(value: object) -> bool:
    """True for blank cells and the tokens offices use for 'nothing' (—, /, 无)."""
    text = normalize_text(value)
    if not text:
        return True
    return text.lower() in {normalize_text(t).lower() for t in load_vocab()["empty_tokens"]}


def _quote(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


# --- numbers ---------------------------------------------------------------------------------


def chinese_numeral(text: str) -> int | None:
    """三千五百 -> 3500, 一万二千 -> 12000, 十二 -> 12, 两百 -> 200; None if not a numeral."""
    if not text or not _CN_NUMERAL.fullmatch(text):
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += (1 if digit is None else digit) * _SMALL_UNITS[ch]
            digit = None
        else:  # 万 / 亿
            section += digit or 0
            if section == 0 and total == 0:
                return None
            total = (total + section) * _BIG_UNITS[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def _qualifier_of(text: str) -> tuple[str, str]:
    """Strip qualifier words from text; return (qualifier, rest)."""
    q = load_vocab()["qualifiers"]
    found = "exact"
    for name in ("at_most", "about", "at_least"):  # 不足 before 足, 左右 before 右
        for word in sorted(q[name], key=len, reverse=True):
            if word in text:
                # '+' only counts as 'at least' when it follows the figure (2000+), not a sign
                if word == "+" and not re.search(r"\d\+", text):
                    continue
                found = found if found != "exact" else name
                text = text.replace(word, " ")
    return found, text


def _read_number(text: str) -> float | None:
    """A figure with optional 万/千/亿 multiplier, in digits or Chinese numerals."""
    text = text.replace(",", "").strip()
    if not text or re.search(r"\d\s+\d", text):  # "12元34": two figures, not one
        return None
    text = text.replace(" ", "")
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)([亿万千百kw]?)", text, flags=re.IGNORECASE)
    if m:
        return float(m.group(1)) * _MULTIPLIER_WORDS.get(m.group(2).lower(), 1)
    m = re.fullmatch(r"(\d+(?:\.\d+)?)万(\d+(?:\.\d+)?)千?", text)  # 1万2千, 1万2
    if m:
        return float(m.group(1)) * 1e4 + float(m.group(2)) * (1e3 if "千" in text else 1)
    n = chinese_numeral(text)
    return float(n) if n is not None else None


def _numeric_value(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and not _is_nan(value):
        return float(value)
    try:
        import numpy as np

        if isinstance(value, np.integer | np.floating) and not np.isnan(value):
            return float(value)
    except ImportError:  # pragma: no cover
        pass
    return None


def _is_real_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_amount(value: object, multiplier: float = 1.0) -> Parsed:
    """Yuan from 12500, ¥12,500.00, 1.2万, 三千五百, 6万余元, 约3千元, 不足1000元."""
    try:
        return _parse_amount(value, multiplier)
    except Exception:  # never raise: an odd cell is a reject, not a crash
        return Parsed(
            error=f"金额无法识别：「{_quote(value)}」；应为数字或如 12500、1.2万、6万余元 的写法"
        )


def _parse_amount(value: object, multiplier: float) -> Parsed:
    if isinstance(value, bool):
        return Parsed(error=f"金额无法识别：「{value}」是逻辑值；应为数字，如 12500")
    number = _numeric_value(value)
    if number is not None:
        if math.isinf(number):
            return Parsed(error=f"金额无法识别：「{value}」；应为有限的数字")
        return Parsed(round(number * multiplier, 2))
    if is_empty(value):
        return Parsed()
    text = normalize_text(value)
    qualifier, rest = _qualifier_of(text)
    rest = re.sub(r"(人民币|rmb|cny|¥|￥|\$|元整|元|块钱|块)", " ", rest, flags=re.IGNORECASE)
    figure = _read_number(rest)
    if figure is None or math.isinf(figure):
        return Parsed(
            error=f"金额无法识别：「{_quote(value)}」；应为数字或如 12500、1.2万、6万余元 的写法"
        )
    return Parsed(round(figure * multiplier, 2), qualifier)


def parse_count(value: object) -> Parsed:
    """Whole numbers of people, times, items: 6人, 30余顶, 五十余次, 约20人."""
    try:
        return _parse_count(value)
    except Exception:
        return Parsed(error=f"数量无法识别：「{_quote(value)}」；应为整数，如 12、20余人")


def _parse_count(value: object) -> Parsed:
    if isinstance(value, bool):
        return Parsed(error=f"数量无法识别：「{value}」是逻辑值；应为整数，如 12")
    number = _numeric_value(value)
    if number is None:
        if is_empty(value):
            return Parsed()
        text = normalize_text(value)
        qualifier, rest = _qualifier_of(text)
        if re.search(r"-\s*\d", rest):
            return Parsed(error=f"数量不能为负数：「{_quote(value)}」；应为整数，如 12")
        rest = re.sub(r"[^\d.零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万亿]", "", rest)
        number = _read_number(rest)
    else:
        qualifier = "exact"
    if number is None or math.isinf(number) or not float(number).is_integer() or number < 0:
        return Parsed(error=f"数量无法识别：「{_quote(value)}」；应为整数，如 12、20余人")
    return Parsed(int(number), qualifier)


def parse_hours(value: object) -> Parsed:
    """Hours from 3, 2.5小时, 2.5h, 90分钟, 半天 (4), 一天 (8)."""
    try:
        return _parse_hours(value)
    except Exception:
        return Parsed(error=f"时长无法识别：「{_quote(value)}」；应为小时数，如 2.5")


def _parse_hours(value: object) -> Parsed:
    if isinstance(value, bool):
        return Parsed(error=f"时长无法识别：「{value}」；应为小时数，如 2.5")
    number = _numeric_value(value)
    if number is not None:
        return Parsed(number) if math.isfinite(number) else Parsed(error="时长无法识别；应为小时数")
    if is_empty(value):
        return Parsed()
    text = normalize_text(value)
    qualifier, rest = _qualifier_of(text)
    words = load_vocab()["hours_words"]
    key = rest.replace(" ", "")
    if key in words:
        return Parsed(float(words[key]), qualifier)
    scale = 1.0
    if re.search(r"(分钟|min)", key, flags=re.IGNORECASE):
        scale = 1 / 60
    elif re.search(r"天|日", key):
        scale = 8.0
    key = re.sub(
        r"(小时|个小时|钟头|hours?|hrs?|h|分钟|min|天|日|个)", "", key, flags=re.IGNORECASE
    )
    figure = _read_number(key)
    if figure is None or not math.isfinite(figure):
        return Parsed(error=f"时长无法识别：「{_quote(value)}」；应为小时数，如 2.5、3小时、半天")
    return Parsed(round(figure * scale, 2), qualifier)


# --- dates -----------------------------------------------------------------------------------

_DATE_PATTERNS = [
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*[日号]?)?"),
    re.compile(r"(?P<y>\d{4})[./\-](?P<m>\d{1,2})(?:[./\-](?P<d>\d{1,2}))?"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
]
_NO_YEAR = re.compile(r"(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?")


def _date_from_serial(number: float) -> dt.date | None:
    if SERIAL_RANGE[0] <= number <= SERIAL_RANGE[1]:
        return EXCEL_EPOCH + dt.timedelta(days=int(number))
    return None


def parse_date(value: object, year_hint: int | None = None) -> Parsed:
    """Dates from Excel cells, Excel serials, 2021年10月5日, 2021.10.5, 2021/10/05, 2021-10, 10月5日."""
    try:
        return _parse_date(value, year_hint)
    except Exception:
        return Parsed(
            error=f"日期无法识别：「{_quote(value)}」；应写成 2024年10月5日 或 2024-10-05"
        )


def _check(day: dt.date, value: object) -> Parsed:
    if not YEAR_RANGE[0] <= day.year <= YEAR_RANGE[1]:
        return Parsed(
            error=f"日期年份不合理：「{_quote(value)}」；应在 {YEAR_RANGE[0]}–{YEAR_RANGE[1]} 年之间"
        )
    return Parsed(day)


def _parse_date(value: object, year_hint: int | None) -> Parsed:
    if isinstance(value, bool):
        return Parsed(error=f"日期无法识别：「{value}」；应写成 2024年10月5日")
    if isinstance(value, dt.datetime):
        return _check(value.date(), value)
    if isinstance(value, dt.date):
        return _check(value, value)
    if hasattr(value, "to_pydatetime") and not _is_nan(value):  # pandas Timestamp
        return _check(value.to_pydatetime().date(), value)
    number = _numeric_value(value)
    if number is not None:
        day = _date_from_serial(number)
        if day is None:
            return Parsed(
                error=f"日期无法识别：数字「{_quote(value)}」不是日期；应写成 2024年10月5日"
            )
        return _check(day, value)
    if is_empty(value):
        return Parsed()
    text = normalize_text(value)
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        day = _date_from_serial(float(text))
        if day:
            return _check(day, value)
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(text) or pattern.match(text)
        if m:
            return _build(int(m["y"]), int(m["m"]), int(m["d"] or 1), value)
    m = _NO_YEAR.fullmatch(text) or _NO_YEAR.match(text)
    if m:
        if year_hint is None:
            return Parsed(
                error=f"日期缺少年份：「{_quote(value)}」；工作表名和文件名都无法确定年份，"
                f"请写成 2024年{m['m']}月{m['d']}日"
            )
        return _build(year_hint, int(m["m"]), int(m["d"]), value)
    return Parsed(error=f"日期无法识别：「{_quote(value)}」；应写成 2024年10月5日 或 2024-10-05")


def _build(year: int, month: int, day: int, value: object) -> Parsed:
    try:
        return _check(dt.date(year, month, day), value)
    except ValueError:
        return Parsed(error=f"日期不存在：「{_quote(value)}」；请核对月份和日期")


# --- vocabulary words ------------------------------------------------------------------------


def _match_word(
    value: object, table: dict[str, list[str]], what: str, prefer: list[str] | None = None
) -> Parsed:
    if isinstance(value, bool):
        value = "是" if value else "否"
    if is_empty(value):
        return Parsed()
    text = normalize_text(value).replace(" ", "").lower()
    for name, words in table.items():  # exact word first
        if text in (w.lower() for w in words):
            return Parsed(name)
    order = prefer or list(table)
    # then "contains", longest word first so 未办结 (pending) beats 办结 (resolved)
    candidates = [
        (len(w), name) for name in order for w in table[name] if len(w) > 1 and w.lower() in text
    ]
    if candidates:
        best = max(c[0] for c in candidates)
        return Parsed(next(name for length, name in candidates if length == best))
    accepted = "、".join(w for words in table.values() for w in words[:3])
    return Parsed(error=f"{what}无法识别：「{_quote(value)}」；可填写：{accepted}")


def parse_status(value: object) -> Parsed:
    """已办结 / 推进中 / 未启动 / 已取消 (and their variants) -> resolved / in_progress / pending / cancelled."""
    return _match_word(value, load_vocab()["statuses"], "办理进度")


def parse_kind(value: object) -> Parsed:
    """现金 -> cash, 物资 -> in_kind."""
    return _match_word(value, load_vocab()["kinds"], "捐赠类型")


def parse_buyer_type(value: object) -> Parsed:
    """The buyer's description -> enterprise or individual; individual words win (管理人员自费)."""
    if is_empty(value):
        return Parsed()
    text = normalize_text(value)
    table = load_vocab()["buyer_types"]
    for name in ("individual", "enterprise"):
        if any(w in text for w in table[name]):
            return Parsed(name)
    return Parsed(
        error=f"采购主体类型无法识别：「{_quote(value)}」；请写明“企业”（以企业名义）或“自费/个人”"
    )


def parse_donor_type(value: object) -> Parsed:
    """A donor's name -> enterprise / organization / individual, else 'other' (never an error)."""
    if is_empty(value):
        return Parsed()
    text = normalize_text(value)
    table = load_vocab()["donor_types"]
    for name in ("organization", "enterprise", "individual"):
        if any(w in text for w in table[name]):
            return Parsed(name)
    if re.fullmatch(r"[\u4e00-\u9fff]{2,3}", text):  # a bare personal name: 张三, 李四
        return Parsed("individual")
    return Parsed("other")


def combine_qualifiers(qualifiers: Iterable[str]) -> str:
    """Qualifier of a sum: exact only if every part is; 'about' wins; at_least + at_most -> about."""
    seen = set(qualifiers) - {"exact"}
    if not seen:
        return "exact"
    if "about" in seen or {"at_least", "at_most"} <= seen:
        return "about"
    return seen.pop()
