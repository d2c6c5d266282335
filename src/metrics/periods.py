"""Reporting periods: 2024Q3, 2024H1, 2024, 2024-07, and the windows a report compares.

A report shows its period, the previous period of the same length, the year to date and the
campaign to date; all four are :class:`Period` values with inclusive start and end dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from metrics.contract import Col
from metrics.errors import PeriodError

_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER_CN = {1: "一", 2: "二", 3: "三", 4: "四"}
FORMS = "2024Q3（季度）、2024H1（半年）、2024（全年）、2024-07（月）"


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True, order=True)
class Period:
    """A span of whole days, inclusive at both ends."""

    start: dt.date
    end: dt.date
    label: str
    grain: str  # quarter | half | year | month | ytd | campaign

    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        return cls(dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q), f"{year}Q{q}", "quarter")

    @classmethod
    def half(cls, year: int, h: int) -> Period:
        return cls(dt.date(year, 6 * h - 5, 1), _month_end(year, 6 * h), f"{year}H{h}", "half")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}", "year")

    @classmethod
    def month(cls, year: int, m: int) -> Period:
        return cls(dt.date(year, m, 1), _month_end(year, m), f"{year}-{m:02d}", "month")

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read 2024Q3, 2024-Q3, 2024H1, 2024, 2024-07, 2024年第三季度, 2024年上半年, 2024年7月."""
        raw = str(text)
        s = raw.strip().upper().replace(" ", "")
        patterns = [
            (r"(\d{4})-?Q([1-4])", lambda y, n: cls.quarter(y, int(n))),
            (r"(\d{4})年第?([一二三四1-4])季度?", lambda y, n: cls.quarter(y, _CN_NUM[n])),
            (r"(\d{4})-?H([12])", lambda y, n: cls.half(y, int(n))),
            (r"(\d{4})年(上|下)半年", lambda y, n: cls.half(y, 1 if n == "上" else 2)),
            (r"(\d{4})[-/.](\d{1,2})", lambda y, n: cls.month(y, int(n))),
            (r"(\d{4})年(\d{1,2})月", lambda y, n: cls.month(y, int(n))),
            (r"(\d{4})年?()", lambda y, _n: cls.year(y)),
        ]
        for pattern, make in patterns:
            m = re.fullmatch(pattern, s)
            if m:
                year = int(m.group(1))
                if not 1990 <= year <= 2100:
                    break
                try:
                    return make(year, m.group(2))
                except (ValueError, KeyError):
                    break
        raise PeriodError(f"无法识别的报告期间「{raw}」", f"可用的写法：{FORMS}")

    @property
    def label_cn(self) -> str:
        y = self.start.year
        if self.grain == "quarter":
            return f"{y}年第{_QUARTER_CN[(self.start.month + 2) // 3]}季度"
        if self.grain == "half":
            return f"{y}年{'上' if self.start.month == 1 else '下'}半年"
        if self.grain == "year":
            return f"{y}年"
        if self.grain == "month":
            return f"{y}年{self.start.month}月"
        if self.grain == "ytd":
            return f"{y}年1—{self.end.month}月"
        if self.grain == Col.CAMPAIGN:
            return "活动开展以来"
        return f"{self.start.isoformat()}至{self.end.isoformat()}"

    def previous(self) -> Period:
        """The period of the same length just before: 2024Q1 -> 2023Q4, 2024H1 -> 2023H2."""
        y, m = self.start.year, self.start.month
        if self.grain == "quarter":
            q = (m + 2) // 3
            return Period.quarter(y - 1, 4) if q == 1 else Period.quarter(y, q - 1)
        if self.grain == "half":
            return Period.half(y - 1, 2) if m == 1 else Period.half(y, 1)
        if self.grain == "year":
            return Period.year(y - 1)
        if self.grain == "month":
            return Period.month(y - 1, 12) if m == 1 else Period.month(y, m - 1)
        length = self.end - self.start
        end = self.start - dt.timedelta(days=1)
        return Period(end - length, end, f"before-{self.label}", "span")

    def year_to_date(self) -> Period:
        return Period(dt.date(self.end.year, 1, 1), self.end, f"{self.end.year}YTD", "ytd")

    def contains(self, day: dt.date | None) -> bool:
        if day is None or day is pd.NaT:
            return False
        if isinstance(day, dt.datetime):
            day = day.date()
        return self.start <= day <= self.end

    def mask(self, dates: pd.Series) -> pd.Series:
        """Boolean Series: which dates fall in the period (missing dates never do)."""
        stamps = pd.to_datetime(dates, errors="coerce")
        return (stamps >= pd.Timestamp(self.start)) & (stamps <= pd.Timestamp(self.end))


def campaign_to_date(period: Period, first_day: dt.date | None) -> Period:
    """From the campaign's first recorded day (or the period's start, if later/unknown) to period end."""
    start = period.start if first_day is None or first_day > period.start else first_day
    return Period(start, period.end, Col.CAMPAIGN, Col.CAMPAIGN)
