"""The date a text states: a file name, sheet name, title or 填报期间 cell (2025Q1 -> its last day).

Running ledgers (ledgers.py) are versioned by it and a template's 填报期间 cell (provenance.py)
is read by it; one module, so that neither imports the other.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from metrics.periods import Period

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_DATE = re.compile(r"(20\d\d)\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?")
_COMPACT_DATE = re.compile(r"(?<!\d)(20\d\d)(0[1-9]|1[0-2])([0-2]\d|3[01])(?!\d)")
_QUARTER = re.compile(r"(20\d\d)\s*(?:年\s*第?\s*([1-4一二三四])\s*季度?|[Qq]\s*([1-4]))")
_HALF = re.compile(r"(20\d\d)\s*(?:年\s*(上|下)\s*半年|[Hh]\s*([12]))")
_MONTH = re.compile(r"(20\d\d)\s*(?:年\s*(\d{1,2})\s*月|[.\-/](\d{1,2})(?!\d))")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)\s*年?")


def stated_date(text: str) -> dt.date | None:
    """The last day of the period a text states (2025Q1 -> 2025-03-31), or the date it names.

    Exactly one year must be mentioned; "2023-2024对比" states nothing.
    """
    text = unicodedata.normalize("NFKC", str(text))
    if len(set(re.findall(r"(?<!\d)20\d\d(?!\d)", text))) > 1 and not _DATE.search(text):
        return None
    if m := _DATE.search(text):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    if m := _COMPACT_DATE.search(text):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    if m := _QUARTER.search(text):
        return Period.quarter(int(m[1]), _CN_DIGITS[m[2] or m[3]]).end
    if m := _HALF.search(text):
        half = 1 if (m[2] == "上" or m[3] == "1") else 2
        return Period.half(int(m[1]), half).end
    if m := _MONTH.search(text):
        month = int(m[2] or m[3])
        if 1 <= month <= 12:
            return Period.month(int(m[1]), month).end
    if m := _YEAR.search(text):
        return Period.year(int(m[1])).end
    return None
