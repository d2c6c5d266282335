"""The pieces the leadership report is made of: cards, tables, charts, sections and the report.

:class:`SummaryReport` is what :func:`.model.build_summary` returns and what the PDF
(:mod:`.present`), the Word document (:mod:`.word`) and the Excel file (:mod:`.export`)
show; the words a withheld or unregistered figure says, and the few helpers the summary page
(:mod:`.model`) and the four areas (:mod:`.sections`) both word their cells with, live here too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from metrics import contract
from metrics.periods import Period
from metrics.reporting import kpi
from metrics.reporting.analyst import Case
from metrics.reporting.text import format_amount, format_count

TABLE_LABELS = contract.TABLE_LABELS
STATUS_CN = contract.STATUS_LABELS
#: the Excel export's labels too: one name for a buyer type in every output
BUYER_CN = contract.BUYER_TYPE_LABELS
#: What a figure from a ledger that could not be read says instead (never 未登记 or 0).
UNREADABLE = "数据未能读取"
#: What a figure says when a unit of the group has not sent that ledger for the period (未收到).
INCOMPLETE = "数据不完整"
#: A window no ledger of the kind was sent for: never a 0 (nor a 0 bar), never a decrease.
UNREPORTED = "未报送"
#: A card whose ledger was never sent: nothing was registered, which is not the same as 0.
NOT_REGISTERED = "未登记"
#: A yuan figure whose rows are all foreign currency without a rate or goods (never 0元).
NO_YUAN = "无人民币金额"
#: Goods listed by name in the PDF and Word (most often given first); the Excel lists all.
GOODS_SHOWN = 15
#: A group's chart of branches shows the most active ones (the Excel sheets list every row).
BRANCHES_SHOWN = 15


def _same(a: Period, b: Period) -> bool:
    """Two windows over the same days (2024 and 2024年1—12月; 2024Q1 and 2024年1—3月)."""
    return (a.start, a.end) == (b.start, b.end)


def branch_name(unit: Any, name: Any) -> str:
    """A branch named with its unit in a group's report (卷烟一厂卷包车间党支部), once."""
    unit, name = str(unit or ""), str(name)
    return name if not unit or name.startswith(unit) else f"{unit}{name}"


@dataclass(frozen=True)
class Card:
    """One headline figure: what it is, the figure, and a line of context under it."""

    label: str
    value: str
    sub: str = ""


@dataclass
class Table:
    """A table as shown (Chinese headers, worded cells) and as exported (typed values)."""

    caption: str
    headers: list[str]
    rows: list[list[str]]
    numeric: list[int] = field(default_factory=list)
    data: pd.DataFrame | None = None
    sheet: str = ""
    empty: str = "本期无数据"
    small: bool = False


@dataclass(frozen=True)
class Series:
    title: str
    labels: list[str]
    values: list[float]
    value_labels: list[str]


@dataclass
class Chart:
    """Chart data only; :mod:`.charts` draws it. ``kind``: barh, bar or panels (small multiples)."""

    name: str
    title: str
    kind: str
    series: list[Series]
    png: bytes = b""  # filled in by charts.render_all (300 dpi: the files, Word)
    svg: bytes = b""  # the same chart as SVG, text kept as text (the PDF, the files)


@dataclass
class Section:
    key: str
    title: str
    lead: list[str] = field(default_factory=list)
    blocks: list[Table | Chart] = field(default_factory=list)
    unreadable: str = ""


@dataclass(frozen=True)
class Target:
    label: str
    target: str
    done: str
    progress: str
    share: float | None
    #: what the figure leaves out, said after the progress (另有…未注明采购主体类型，未计入)
    note: str = ""
    #: the figures behind the words, for the .xlsx: 元/项/次/人次, the target, what was done
    unit: str = ""
    goal: float | None = None
    done_value: kpi.Quantity | None = None


@dataclass(frozen=True)
class Signature:
    """落款 and 版记: the unit, the date, and optionally 编号 / 报送 / 抄送."""

    unit: str
    date: str  # 成文日期 as the report shows it: the text file's, else the day it is made
    number: str = ""
    send_to: str = ""
    copy_to: str = ""
    #: the text file's own lines (报告文字: 成文日期, 期数, 印发机关, 印发日期); "" = not set
    written_on: str = ""
    issue: str = ""
    printer: str = ""
    printed_on: str = ""

    @property
    def printing(self) -> tuple[str, str]:
        """The 版记's last line: 印发机关 (else the unit) and 印发日期 (else the 成文日期)."""
        return self.printer or self.unit, f"{self.printed_on or self.date}印发"


@dataclass
class SummaryReport:
    period: Period
    unit_name: str
    title: str
    subtitle: str
    made_on: dt.date
    cover_meta: dict[str, str]
    summary_title: str
    cards: list[Card]
    sentences: list[str]
    targets: list[Target]
    comparison: Table
    trend: Chart | None
    completed_title: str
    completed_lead: str
    completed: Table
    sections: list[Section]
    highlights_title: str
    highlights: list[str]
    cases: list[Case]
    problems_title: str
    problems: list[str]
    next_steps: list[str]
    provenance: str
    precision_note: str
    signature: Signature
    draft: bool = False
    blockers: list[str] = field(default_factory=list)
    #: said first on the summary page when the period and year hold no new rows at all
    notice: str = ""
    #: the shipped sample (shishi.toml [unit] sample = true): the cover says so
    sample: bool = False
    #: a group's report: 各单位完成情况, one row per unit and the group's 合计 (else None)
    units: Table | None = None
    #: the targets table's "done" column: 年内完成, or 全年完成 in an annual report
    done_label: str = "年内完成"
    metadata: dict[str, str] = field(default_factory=dict)
    source_tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def charts(self) -> list[Chart]:
        found = [self.trend] if self.trend else []
        return found + [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]

    @property
    def tables(self) -> list[Table]:
        inner = [b for s in self.sections for b in s.blocks if isinstance(b, Table)]
        group = [self.units] if self.units is not None else []
        return [self.comparison, *group, self.completed, *inner]


def _q(q: kpi.Quantity, unit: str, amount: bool) -> str:
    if q.value is None and q.left_out:
        return NO_YUAN
    return (
        format_amount(q.value, q.qualifier) if amount else format_count(q.value, q.qualifier, unit)
    )


class Blocked(dict[str, str]):
    """Table -> why its figures are withheld; ``missing``: tables that were read, but that a
    unit has not sent for the period (未收到: the figure is incomplete, not unreadable)."""

    missing: frozenset[str] = frozenset()


def _unread(blocked: dict[str, str], table: str) -> str:
    """What a withheld figure says: 数据未能读取, or 数据不完整 when a unit has not sent it."""
    return INCOMPLETE if table in getattr(blocked, "missing", ()) else UNREADABLE


def _rows(frame: pd.DataFrame) -> list[Any]:
    """A frame's rows as named tuples (typed Any: pandas' cell types are a union of everything)."""
    return list(frame.itertuples())


def _text(value: Any) -> str:
    return kpi.UNFILLED if value is None or pd.isna(value) else str(value)


#: The 简报's name in its 报头 (PDF and Word).
BRIEF_NAME = "“我为群众办实事”工作简报"


def issue_number(r: SummaryReport) -> str:
    """期数: the text file's, else the quarter's or month's number in its year (2024年第4期);
    a half-year or annual report has none unless the analyst writes one."""
    if r.signature.issue:
        return r.signature.issue
    start = r.period.start
    if r.period.grain == "quarter":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}期"
    if r.period.grain == "month":
        return f"{start.year}年第{start.month}期"
    return ""
