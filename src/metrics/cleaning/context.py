"""A row's date from what surrounds its table, and the period a sheet says it covers.

Public lists often have no date column: the day is in a title row (（2020年2月2日）, 「1月22日 --
1月28日」), in a signature date under the table, in the sheet name (20200202) or in the file
name (…2020年2月3日.xlsx); a time column may hold only times (07:06:18), and a transaction
number may carry the date in its digits (0102 20200202 2357…). These functions read those
places and say, per row, where its date came from (``date_source``). A date without a year
takes the nearest year stated around it, with a notice; places that disagree are a notice
naming both, and the title wins. Pure functions: rows and names in, dates and notices out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from metrics import contract
from metrics.cleaning import parsing
from metrics.contract import DATE_CONTEXT_COLUMNS, SOURCE_COLUMNS, WARNING_COLUMNS, Col
from metrics.errors import PeriodError
from metrics.periods import Period

#: Where a row's date came from, most trusted first.
DATE_SOURCES = contract.DATE_SOURCES
#: Columns every table with a ``date`` field carries beside it (declared in metrics.contract).
CONTEXT_COLUMNS = tuple(c.name for c in DATE_CONTEXT_COLUMNS)
SOURCE_COLUMN_NAMES = [c.name for c in SOURCE_COLUMNS]
#: The field a row's date lives in (donations, purchases, volunteering).
DATE_FIELD = "date"
#: Title rows longer than this are prose (a paragraph of totals), not a title.
PROSE_CHARS = 60
#: Rows at the end of a sheet searched for a signature date.
TAIL_ROWS = 12
#: A date without a year, completed from a reference date, lands at most this far after it.
_YEAR_SLACK = dt.timedelta(days=31)

SOURCE_LABELS = {
    "title": "标题",
    "sheet": "工作表名",
    "file": "文件名",
    "signature": "落款日期",
    "pin": "shishi.toml 的 [[pin]] date",
    "period": "所述期间",
}

_DATE = re.compile(
    r"(?<!\d)(?:"
    r"(?P<ay>\d{4})\s*年\s*(?P<am>\d{1,2})\s*月\s*(?P<ad>\d{1,2})\s*[日号]?"
    r"|(?P<by>\d{4})(?P<bs>[./\-])(?P<bm>\d{1,2})(?P=bs)(?P<bd>\d{1,2})(?!\d)"
    r"|(?P<cy>\d{4})(?P<cm>\d{2})(?P<cd>\d{2})(?!\d)"
    r"|(?P<dm>\d{1,2})\s*月\s*(?P<dd>\d{1,2})\s*[日号]?"
    r")"
)
_RANGE_SEP = re.compile(r"\s*(?:-{1,2}|—{1,2}|–|~|至|到)\s*")
_DAY_ONLY_END = re.compile(r"\s*(?:-{1,2}|—{1,2}|–|~|至|到)\s*(?P<d>\d{1,2})\s*[日号]")
_TIME = re.compile(r"\s*(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?\s*")
_ID_DATE = re.compile(
    r"(?P<y>19\d\d|20\d\d)(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])"
    r"(?:(?P<H>[01]\d|2[0-3])(?P<M>[0-5]\d)(?P<S>[0-5]\d)?)?"
)
#: Digits a transaction number has at least (a bare 20200202 is a date, not an ID).
_ID_MIN_DIGITS = 14


@cache
def _words() -> dict[str, list[str]]:
    return parsing.load_vocab()["context"]


# --- dates named in text ---------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """A date named somewhere around a table; ``year`` is None when the text gave none.

    A range (1月22日 -- 1月28日) is its end, with its start kept in ``start``.
    """

    year: int | None
    month: int
    day: int
    text: str
    start: tuple[int | None, int, int] | None = None

    def on(self, year: int | None = None) -> dt.date:
        return dt.date(self.year if self.year is not None else year or 0, self.month, self.day)


def _valid(year: int | None, month: int, day: int) -> bool:
    if year is not None and not parsing.YEAR_RANGE[0] <= year <= parsing.YEAR_RANGE[1]:
        return False
    try:
        dt.date(year if year is not None else 2000, month, day)  # 2000: 2月29日 may exist
    except ValueError:
        return False
    return True


def _parts(m: re.Match[str]) -> tuple[int | None, int, int]:
    for y, mo, d in (("ay", "am", "ad"), ("by", "bm", "bd"), ("cy", "cm", "cd")):
        if m[y]:
            return int(m[y]), int(m[mo]), int(m[d])
    return None, int(m["dm"]), int(m["dd"])


def mentions(text: object) -> list[Mention]:
    """Every date named in a piece of text, in order; a range counts once, as its end.

    Only explicit dates count (2020年2月2日, 2020-02-02, 20200202, 2月2日): 第7期—1 is an
    issue number, not 7月1日.
    """
    if isinstance(text, dt.datetime | dt.date):
        day = text.date() if isinstance(text, dt.datetime) else text
        return [Mention(day.year, day.month, day.day, day.isoformat())]
    norm = parsing._arabic_numerals(parsing.normalize_text(text))
    found = [(m, _parts(m)) for m in _DATE.finditer(norm)]
    found = [(m, p) for m, p in found if _valid(*p)]
    out: list[Mention] = []
    i = 0
    while i < len(found):
        m, (y, mo, d) = found[i]
        nxt = found[i + 1] if i + 1 < len(found) else None
        if nxt and _RANGE_SEP.fullmatch(norm[m.end() : nxt[0].start()]):
            ey, emo, ed = nxt[1]
            ey = ey if ey is not None else y
            out.append(Mention(ey, emo, ed, norm[m.start() : nxt[0].end()], (y, mo, d)))
            i += 2
            continue
        if (tail := _DAY_ONLY_END.match(norm, m.end())) and _valid(y, mo, int(tail["d"])):
            out.append(Mention(y, mo, int(tail["d"]), norm[m.start() : tail.end()], (y, mo, d)))
        else:
            out.append(Mention(y, mo, d, m.group()))
        i += 1
    return out


def _row_text(row: Sequence[Any]) -> list[object]:
    return [c for c in row if not parsing.is_empty(c)]


def title_mentions(title_rows: Sequence[Sequence[Any]]) -> tuple[list[Mention], list[Mention]]:
    """(title dates, publication dates) in the rows above a table's header.

    Prose rows (a paragraph of running totals) are passed over; a date after 填报日期 / 截至
    is the day the list was made, which ranks with a signature date.
    """
    title: list[Mention] = []
    published: list[Mention] = []
    words = _words()["publication_words"]
    for row in title_rows:
        for cell in _row_text(row):
            if isinstance(cell, dt.date):  # a date cell under the title
                title += mentions(cell)
                continue
            text = parsing.normalize_text(cell)
            if len(text) > PROSE_CHARS:
                continue
            for found in mentions(text):
                before = text[: text.find(found.text)] if found.text in text else text
                (published if any(w in before for w in words) else title).append(found)
    return title, published


def name_mention(name: str) -> Mention | None:
    """The date a sheet or file name states (20200202, …2020年2月3日.xlsx, （2月1日））."""
    found = mentions(name)
    return found[0] if found else None


# --- the period a sheet states ---------------------------------------------------------------

_PERIODS = [
    (re.compile(r"(?<!\d)(\d{4})\s*[-_年]?\s*[Qq]([1-4])(?!\d)"), "quarter"),
    (re.compile(r"(?<!\d)(\d{4})\s*年\s*第?\s*([一二三四1-4])\s*季度?"), "quarter_cn"),
    (re.compile(r"(?<!\d)(\d{4})\s*[-_]?\s*[Hh]([12])(?!\d)"), "half"),
    (re.compile(r"(?<!\d)(\d{4})\s*年\s*([上下])\s*半年"), "half_cn"),
    (re.compile(r"(?<!\d)(\d{4})\s*年度?(?!\s*\d{1,2}\s*月)"), "year"),
]
_BARE_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?![\d年])")


def period_in(text: str, bare_year: bool = False) -> Period | None:
    """The period a name or title states: 2025Q1, 2025年第1季度, 2024年上半年, 2024年(度).

    A date (2024年12月31日) states no period. ``bare_year``: a lone 2024 counts too (in sheet
    and file names; in a title it may be any number).
    """
    norm = parsing.normalize_text(text)
    for pattern, kind in _PERIODS:
        if m := pattern.search(norm):
            year, n = int(m[1]), m[2] if kind != "year" else ""
            label = {
                "quarter": f"{year}Q{n}",
                "quarter_cn": f"{year}年第{n}季度",
                "half": f"{year}H{n}",
                "half_cn": f"{year}年{n}半年",
                "year": f"{year}",
            }[kind]
            try:
                return Period.parse(label)
            except PeriodError:
                return None
    if bare_year and (m := _BARE_YEAR.search(norm)):
        return Period.year(int(m[1]))
    return None


@dataclass(frozen=True)
class StatedPeriod:
    """The period a sheet says it covers, and where it says so (for the analyst's to-do page)."""

    period: Period
    where: str  # e.g. 工作表名「2025Q1」


def stated_period(
    file: str, sheet: str, title_rows: Sequence[Sequence[Any]], pinned: str | None = None
) -> StatedPeriod | None:
    """The nearest statement of a period: a pin, the sheet name, the title rows, the file name."""
    if pinned:
        return StatedPeriod(Period.parse(pinned), f"shishi.toml 的 [[pin]] period = {pinned}")
    if found := period_in(sheet, bare_year=True):
        return StatedPeriod(found, f"工作表名「{sheet}」")
    for row in title_rows:
        for cell in _row_text(row):
            text = parsing.normalize_text(cell)
            if len(text) <= PROSE_CHARS and (found := period_in(text)):
                return StatedPeriod(found, f"标题「{text}」")
    stem = Path(file).stem
    if found := period_in(stem, bare_year=True):
        return StatedPeriod(found, f"文件名「{Path(file).name}」")
    return None


def outside_period(dates: pd.Series, stated: StatedPeriod | None) -> np.ndarray:
    """Which dates fall outside the period their sheet states (missing dates never do)."""
    if stated is None or dates.empty:
        return np.zeros(len(dates), dtype=bool)
    stamps = pd.to_datetime(dates, errors="coerce")
    inside = stated.period.mask(stamps)
    return (stamps.notna() & ~inside).to_numpy(dtype=bool)


def period_message(day: object, stated: StatedPeriod) -> str:
    """The analyst's to-do line: the row's date beside the period its sheet states."""
    stamp = pd.Timestamp(day)  # type: ignore[arg-type]
    return (
        f"日期 {stamp.year}年{stamp.month}月{stamp.day}日 不在{stated.where}所写的期间"
        f"（{stated.period.label_cn}）内；已按该日期计入，请核对年份或日期"
    )


# --- signature date under a table ------------------------------------------------------------


def _lone_date(cell: object) -> dt.date | None:
    """A cell that is nothing but a full date (a date cell, or 2020年1月30日 alone)."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if not isinstance(cell, str):
        return None
    found = mentions(cell)
    text = parsing.normalize_text(cell)
    if len(found) == 1 and found[0].year is not None and found[0].start is None:
        rest = text.replace(found[0].text, "").strip(" （）()")
        if not rest:
            return found[0].on()
    return None


def find_signature(tail: Sequence[Sequence[Any]]) -> tuple[list[int], dt.date | None]:
    """(positions in ``tail``, date) of a signature block: an issuer's name over a lone date.

    Only rows after the last row with two or more filled cells count, so a table's own rows
    are never taken for a signature.
    """
    filled = [_row_text(r) for r in tail]
    start = max((i + 1 for i, cells in enumerate(filled) if len(cells) >= 2), default=0)
    for i in range(len(tail) - 1, start - 1, -1):
        if len(filled[i]) == 1 and (day := _lone_date(filled[i][0])) is not None:
            rows = [i]
            above = next((k for k in range(i - 1, start - 1, -1) if filled[k]), None)
            if above is not None and isinstance(filled[above][0], str):
                text = parsing.normalize_text(filled[above][0])
                notes = tuple(parsing.load_vocab()["note_prefixes"])
                if len(text) <= 30 and not text.startswith(notes) and not mentions(text):
                    rows.insert(0, above)
            return rows, day
    return [], None


# --- times and transaction numbers -----------------------------------------------------------


def _time_of(value: object) -> str | None:
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, str) and (m := _TIME.fullmatch(value)):
        return f"{int(m['h']):02d}:{m['m']}:{m['s'] or '00'}"
    return None


def times_of(raw: np.ndarray) -> np.ndarray:
    """Per cell, HH:MM:SS when the cell holds a time of day only (07:06:18), else None."""
    out = np.empty(len(raw), dtype=object)
    if not len(raw):
        return out
    codes, uniques = pd.factorize(raw.astype(object), use_na_sentinel=True)
    per_unique = np.empty(len(uniques) + 1, dtype=object)
    per_unique[:-1] = [_time_of(u) for u in uniques]
    return per_unique[codes]


def yearless_example(raw: np.ndarray) -> object | None:
    """A text cell of a date column written without a year (10月15日), if there is one."""
    for value in pd.unique(raw.astype(object)):
        if isinstance(value, str):
            found = mentions(value)
            if found and found[0].year is None:
                return value
    return None


def yearless_notice(ctx: SheetContext | None, header: str, raw: np.ndarray) -> str | None:
    """The notice for a date column whose cells without a year took the title's year."""
    if ctx is None or ctx.year is None:
        return None
    example = yearless_example(raw)
    return None if example is None else ctx.year_notice(header, example)


def _id_date(value: object) -> tuple[dt.date, str | None] | None:
    digits = re.sub(r"\s", "", str(value)) if value is not None else ""
    if not digits.isdigit() or len(digits) < _ID_MIN_DIGITS:
        return None
    m = _ID_DATE.search(digits)
    if m is None:
        return None
    try:
        day = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None
    time = f"{m['H']}:{m['M']}:{m['S'] or '00'}" if m["H"] else None
    return day, time


def id_dates(raw: np.ndarray, near: dt.date | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(dates, times) carried in transaction numbers, per cell (None where there is none).

    Trusted only when most numbers of the column carry one, and (if the sheet states a date)
    only within a month of it: digits that merely look like a date are left alone.
    """
    n = len(raw)
    dates, times = np.empty(n, dtype=object), np.empty(n, dtype=object)
    if not n:
        return dates, times
    codes, uniques = pd.factorize(raw.astype(object), use_na_sentinel=True)
    found = [_id_date(u) for u in uniques]
    if near is not None:
        found = [f if f and abs(f[0] - near) <= _YEAR_SLACK else None for f in found]
    present = codes >= 0
    per_unique_ok = np.array([f is not None for f in found] + [False])
    if not present.any() or per_unique_ok[codes][present].mean() < 0.8:
        return dates, times
    d = np.empty(len(found) + 1, dtype=object)
    t = np.empty(len(found) + 1, dtype=object)
    d[:-1] = [f[0] if f else None for f in found]
    t[:-1] = [f[1] if f else None for f in found]
    return d[codes], t[codes]


def id_column(header_cells: Sequence[Any]) -> int | None:
    """The index of a transaction-number column (交易单号, 流水号), mapped to a field or not."""
    words = _words()["id_header_words"]
    for i, cell in enumerate(header_cells):
        text = parsing.normalize_text(cell).replace(" ", "")
        if text and any(w in text for w in words):
            return i
    return None


# --- putting the places together -------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """The date a sheet's context gives its rows."""

    day: dt.date
    source: str  # pin | title | sheet | file | signature
    range_text: str | None = None  # 2020-01-22/2020-01-28 when the title states a range


@dataclass
class SheetContext:
    """What surrounds one table: dates in its title, names, signature; the period it states."""

    file: str
    sheet: str
    title: list[Mention] = field(default_factory=list)
    published: list[Mention] = field(default_factory=list)
    sheet_date: Mention | None = None
    file_date: Mention | None = None
    signature: dt.date | None = None
    pin_date: dt.date | None = None
    stated: StatedPeriod | None = None
    year_hint: int | None = None  # a year the sheet or file name states

    def candidates(self) -> list[tuple[str, Mention, str]]:
        """(source, date, where it was read) in order of trust."""
        out = [("title", m, f"标题「{m.text}」") for m in self.title]
        if self.sheet_date:
            out.append(("sheet", self.sheet_date, f"工作表名「{self.sheet}」"))
        if self.file_date:
            out.append(("file", self.file_date, f"文件名「{Path(self.file).name}」"))
        out += [("signature", m, f"填报/截至日期「{m.text}」") for m in self.published]
        if self.signature:
            s = self.signature
            out.append(
                ("signature", Mention(s.year, s.month, s.day, s.isoformat()), f"落款日期「{s}」")
            )
        return out

    def year_references(self) -> list[tuple[dt.date | None, int, str]]:
        """(date or None, year, where) of the places that state a year, nearest first."""
        refs: list[tuple[dt.date | None, int, str]] = []
        for _source, m, where in self.candidates():
            if m.year is not None:
                refs.append((m.on(), m.year, where))
        if self.stated and self.stated.period.start.year == self.stated.period.end.year:
            refs.append((None, self.stated.period.start.year, self.stated.where))
        if self.year_hint:
            refs.append((None, self.year_hint, "工作表名或文件名"))
        return refs

    @property
    def needs_signature(self) -> bool:
        """Whether only a signature date could still supply a full date."""
        if self.pin_date:
            return False
        return not any(m.year is not None for _, m, _ in self.candidates())

    def year_notice(self, header: str, example: object) -> str:
        """The notice for column dates written without a year (10月15日) that took one."""
        _, year, where = self.year_references()[0]
        return (
            f"「{header}」列有日期没有写年份（如 {example}），按{where}取 {year} 年；"
            "如不对，请在表中写明年份"
        )

    @property
    def year(self) -> int | None:
        """The nearest year stated around the table (for column dates written without one)."""
        refs = self.year_references()
        return refs[0][1] if refs else None

    def resolve(self) -> tuple[Resolved | None, list[str]]:
        """The context's date for rows without their own, and notices about how it was read."""
        if self.pin_date:
            return Resolved(self.pin_date, "pin"), []
        notices: list[str] = []
        refs = self.year_references()
        completed: list[tuple[str, dt.date, Mention, str]] = []
        for source, m, where in self.candidates():
            if m.year is not None:
                completed.append((source, m.on(), m, where))
                continue
            ref = next(((d, y, w) for d, y, w in refs if w != where), None)
            if ref is None:
                continue
            ref_day, year, ref_where = ref
            day = _complete(m, year, ref_day)
            if day is None:
                continue
            if not completed:  # only the winner's inference is worth a notice
                notices.append(
                    f"{where}没有写年份，按{ref_where}取 {day.year} 年"
                    f"（{day.year}年{day.month}月{day.day}日）；如不对，请在 shishi.toml 的 [[pin]] "
                    "中写明 date"
                )
            completed.append((source, day, m, where))
        if not completed:
            return None, notices
        source, day, m, where = completed[0]
        for other_source, other_day, _, other_where in completed[1:]:
            if other_source in ("sheet", "file") and other_day != day:
                notices.append(
                    f"{other_where}写的是 {_cn(other_day)}，{where}写的是 {_cn(day)}；"
                    f"按{SOURCE_LABELS[source]}取 {_cn(day)}，请核对"
                )
        range_text = None
        if m.start is not None:
            start_year = m.start[0] if m.start[0] is not None else day.year
            start = dt.date(start_year, m.start[1], m.start[2])
            if start > day:  # 12月28日—1月3日: the start is in the year before
                start = start.replace(year=start.year - 1)
            range_text = f"{start.isoformat()}/{day.isoformat()}"
        return Resolved(day, source, range_text), notices


def _cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _complete(m: Mention, year: int, ref_day: dt.date | None) -> dt.date | None:
    """A month and day given a year; a list published 2021-01-02 covers 12月31日 of 2020."""
    try:
        day = dt.date(year, m.month, m.day)
    except ValueError:
        return None
    if ref_day is not None and day - ref_day > _YEAR_SLACK:
        try:
            day = day.replace(year=year - 1)
        except ValueError:
            return None
    return day


def read_context(
    file: str,
    sheet: str,
    title_rows: Sequence[Sequence[Any]],
    pin_date: object = None,
    pin_period: str | None = None,
    year_hint: int | None = None,
) -> SheetContext:
    """Everything around one table that may date its rows or state its period."""
    title, published = title_mentions(title_rows)
    pinned = None
    if pin_date is not None:
        parsed = parsing.parse_date(pin_date)
        pinned = parsed.value if parsed.ok else None
    return SheetContext(
        file=file,
        sheet=sheet,
        title=title,
        published=published,
        sheet_date=name_mention(sheet),
        file_date=name_mention(Path(file).stem),
        pin_date=pinned,
        stated=stated_period(file, sheet, title_rows, pin_period),
        year_hint=year_hint,
    )


# --- filling a chunk's date column -----------------------------------------------------------


@dataclass(frozen=True)
class DateFill:
    """How one sheet's rows get their dates: from their cells, a transaction number, or context."""

    resolved: Resolved | None
    has_column: bool  # the sheet has a date column (only its time-only cells need context)
    id_index: int | None = None  # column of transaction numbers that may carry the date
    required: bool = True  # a row with no date at all is refused (else kept, undated)

    def missing_reason(self, header: str = "时间") -> str:
        """Why a row has no date: a required field left empty, said where to give one."""
        if self.has_column:
            text = (
                f"表中没有「日期」列：「{header}」列只有时刻，标题、落款、工作表名和文件名中也"
                "找不到日期；请在 shishi.toml 的 [[pin]] 中写明 date，如 date = 2024-10-05"
            )
        else:
            text = (
                "缺少日期：表中没有「日期」列，标题、落款、工作表名和文件名中也找不到日期；"
                "请加一列日期，或在 shishi.toml 的 [[pin]] 中写明 date，如 date = 2024-10-05"
            )
        return contract.Refusal(contract.Reason.REQUIRED_EMPTY, text)

    def time_notice(self, header: str, example: object) -> str:
        """What the analyst should know about a date column that holds times only."""
        said = f"「{header}」列只有时刻（如 {example}），没有年月日"
        if self.resolved is None:
            return said + "；这些行因缺少日期被拒绝"
        return (
            f"{said}；日期取{SOURCE_LABELS.get(self.resolved.source, self.resolved.source)}的 "
            f"{_cn(self.resolved.day)}，时刻记入 time 列"
        )

    def fill(
        self, values: np.ndarray, times: np.ndarray, id_raw: np.ndarray | None
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """(date, time, date_source, date_range columns; rows still without a date).

        ``values`` are the dates read from the sheet's date column (None where it had none),
        ``times`` the time-only cells of that column.
        """
        n = len(values)
        dates = np.array(values, dtype=object)
        time = np.array(times, dtype=object) if len(times) == n else np.empty(n, dtype=object)
        source = np.where(np.not_equal(dates, None), "column", None).astype(object)  # type: ignore[call-overload]
        ranges = np.empty(n, dtype=object)
        open_ = np.equal(dates, None)  # type: ignore[call-overload]
        if self.has_column:
            open_ &= np.not_equal(time, None)  # type: ignore[call-overload]  # a blank date cell stays blank
        if id_raw is not None and open_.any():
            near = self.resolved.day if self.resolved else None
            id_day, id_time = id_dates(id_raw, near)
            hit = open_ & np.not_equal(id_day, None)  # type: ignore[call-overload]
            dates[hit], source[hit] = id_day[hit], "id"
            keep = hit & np.equal(time, None)  # type: ignore[call-overload]
            time[keep] = id_time[keep]
            open_ &= ~hit
        if self.resolved is not None and open_.any():
            dates[open_] = self.resolved.day
            source[open_] = self.resolved.source
            ranges[open_] = self.resolved.range_text
            open_ = np.zeros(n, dtype=bool)
        columns = {"date": dates, "time": time, Col.DATE_SOURCE: source, Col.DATE_RANGE: ranges}
        return columns, open_ if self.required else np.zeros(n, dtype=bool)


def tail_rows(rows: Sequence[Sequence[Any]] | None, stream: Any) -> list[list[Any]]:
    """The last rows of a sheet (where a signature stands), from its rows or its stream."""
    from collections import deque

    if rows is not None:
        return [list(r) for r in rows[-TAIL_ROWS:]]
    return list(deque(stream, maxlen=TAIL_ROWS)) if stream is not None else []


# --- deadlines written to the month ----------------------------------------------------------


def deadline_end(due: pd.Series, precision: pd.Series | None) -> pd.Series:
    """The last day a deadline allows: 2024年11月 (month precision) runs to 30 November.

    A deadline of day precision is itself. Used for overdue counts, so an item due
    "2024年11月" is overdue only once November is over.
    """
    due = pd.to_datetime(due, errors="coerce")
    if precision is None:
        return due
    words = pd.Series(precision, index=due.index).astype("string")
    month = words.eq("month").fillna(False).to_numpy(dtype=bool)
    year = words.eq("year").fillna(False).to_numpy(dtype=bool)
    out = due.copy()
    out[month] = due[month] + pd.offsets.MonthEnd(0)
    out[year] = due[year] + pd.offsets.YearEnd(0)
    return out


def deadline_text(day: object, precision: object = "day") -> str:
    """A deadline as written: 2024年11月 for month precision, 2024年11月5日 for a day; — if none."""
    if day is None or pd.isna(day):  # type: ignore[call-overload]
        return "—"
    stamp = pd.Timestamp(day)  # type: ignore[arg-type]
    if precision == "year":
        return f"{stamp.year}年"
    if precision == "month":
        return f"{stamp.year}年{stamp.month}月"
    return f"{stamp.year}年{stamp.month}月{stamp.day}日"


def sheet_dates(
    sheet: Any, head: Sequence[Sequence[Any]], match: Any, fields: Any, pin: Any
) -> tuple[SheetContext, DateFill | None, list[str]]:
    """A table's context, how its rows get their dates, and the notices that go with it.

    ``sheet`` is a RawSheet, ``match`` its HeaderMatch, ``fields`` its table's fields. The
    sheet's last rows are read for a signature date only when nothing else states a year.
    """
    ctx = read_context(
        sheet.file,
        sheet.sheet,
        head[: match.row_index],
        getattr(pin, "date", None),
        getattr(pin, "period", None),
        sheet.year_hint,
    )
    if DATE_FIELD not in fields:
        return ctx, None, []
    has_column = any(c.field == DATE_FIELD for c in match.columns)
    id_index = None
    if not has_column:
        header = head[match.row_index] if match.row_index < len(head) else []
        id_index = id_column(header)
        if ctx.needs_signature:
            stream = sheet.iter_rows() if sheet.rows is None else None
            ctx.signature = find_signature(tail_rows(sheet.rows, stream))[1]
    resolved, notices = ctx.resolve()
    required = bool(fields[DATE_FIELD].required)
    return ctx, DateFill(resolved, has_column, id_index, required), notices


def signature_positions(body: Sequence[Sequence[Any]], kinds: np.ndarray) -> np.ndarray:
    """Rows of a sheet's last chunk that form its signature block (to be skipped as notes)."""
    start = max(0, len(body) - TAIL_ROWS)
    positions, _ = find_signature(body[start:])
    hits = [start + p for p in positions if kinds[start + p] == ""]
    return np.array(hits, dtype=np.intp)


#: Sources that mean a row's date was read from around its table, not from its own cells.
CONTEXT_SOURCES = ("pin", "title", "sheet", "file", "signature")


def used_context(records: pd.DataFrame | None) -> bool:
    """Whether any accepted row took its date from the sheet's context."""
    if records is None or Col.DATE_SOURCE not in records or records.empty:
        return False
    return bool(records[Col.DATE_SOURCE].isin(CONTEXT_SOURCES).any())


def period_warnings(results: Sequence[Any]) -> pd.DataFrame:
    """Rows dated outside the period their sheet states (2024.3.19 in a sheet named 2025Q1).

    The rows stay where their date puts them; each is listed for the analyst with the stated
    period beside its date, in the columns of warnings.csv.
    """
    columns = list(WARNING_COLUMNS)
    found = []
    for res in results:
        ctx, records = getattr(res, "context", None), getattr(res, "records", None)
        if ctx is None or ctx.stated is None or records is None or DATE_FIELD not in records:
            continue
        outside = outside_period(records[DATE_FIELD], ctx.stated)
        if not outside.any():
            continue
        rows = records.loc[outside, [DATE_FIELD, *SOURCE_COLUMN_NAMES]]
        found.append(
            pd.DataFrame(
                {
                    "table": res.table,
                    "rule": "outside_stated_period",
                    "message": [period_message(d, ctx.stated) for d in rows[DATE_FIELD]],
                    "unit": rows["unit"].to_numpy(),
                    Col.SOURCE_FILE: rows[Col.SOURCE_FILE].to_numpy(),
                    Col.SOURCE_SHEET: rows[Col.SOURCE_SHEET].to_numpy(),
                    Col.SOURCE_ROW: rows[Col.SOURCE_ROW].to_numpy(),
                }
            )
        )
    if not found:
        return pd.DataFrame(columns=columns)
    return pd.concat(found, ignore_index=True)[columns]
