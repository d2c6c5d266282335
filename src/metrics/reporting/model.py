"""The leadership report as one object: what the PDF, the Word document and the Excel file show.

:func:`build_summary` turns the processed tables, a Period and the analyst's own words into a
:class:`SummaryReport` - cards, sentences, tables (already worded by :mod:`.text`), chart data,
the items completed this quarter and the 落款 - modelled on a 季度工作简报. The notebook only
displays it (:mod:`.present`), :mod:`.word` writes it as .docx and :mod:`.export` as .xlsx, so
the three can never disagree. Nothing here draws, prints or writes a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from metrics import contract
from metrics.paths import data_dirs
from metrics.periods import Period
from metrics.reporting import kpi
from metrics.reporting.analyst import AnalystText, Case, load_analyst_text
from metrics.reporting.text import (
    SUM_RULE,
    currency_name,
    describe_change,
    format_amount,
    format_amounts,
    format_count,
    format_counts,
    format_date,
    format_figures,
    format_percent,
    format_progress,
)

CN_NUMBERS = "一二三四五六七八九十"
TABLE_LABELS = contract.TABLE_LABELS
STATUS_CN = contract.STATUS_LABELS
BUYER_CN = {
    "enterprise": "以企业名义采购",
    "individual": "干部职工自费采购",
    "unknown": "未注明采购主体类型",
}
PRECISION_NOTE = (
    "说明：金额和人数保持原始台账的精度，“余”表示不少于该数，“约”“近”表示估计数，"
    "“不足”表示少于该数；" + SUM_RULE
)
#: Added to the precision note when a yuan total leaves rows out (so its 余 is explained).
LEFT_OUT_NOTE = (
    "外币捐款（未给汇率）和只有数量的物资不计入人民币金额，含有这类捐赠的合计也写作“余”。"
)
#: What a figure from a ledger that could not be read says instead (never 未登记 or 0).
UNREADABLE = "数据未能读取"
#: What a figure says when a unit of the group has not sent that ledger for the period (未收到).
INCOMPLETE = "数据不完整"
#: A card whose ledger was never sent: nothing was registered, which is not the same as 0.
NOT_REGISTERED = "未登记"
#: A yuan figure whose rows are all foreign currency without a rate or goods (never 0元).
NO_YUAN = "无人民币金额"
#: Goods listed by name in the PDF and Word (most often given first); the Excel lists all.
GOODS_SHOWN = 15
#: A group's chart of branches shows the most active ones (the Excel sheets list every row).
BRANCHES_SHOWN = 15
#: Trend charts need at least this many quarters of data to say anything.
MIN_TREND_QUARTERS = 4
#: How a report names its period and the one before, by grain (an annual report: 全年, 上年).
WORDS = {"quarter": ("本季度", "上季度"), "year": ("全年", "上年")}


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


# --- inputs --------------------------------------------------------------------------------------


def load_targets(raw_dir: Path, unit: str = "") -> dict[str, float]:
    """A scope's annual targets: the folder's [targets] for the whole (a group, or a single
    unit), a unit's own ([[units]] targets or its folder's [targets]), or none - never the
    group's for one of its units. config.py has checked the keys (kpi.HEADLINES) and numbers.
    """
    from metrics.cleaning.units import read_units

    return read_units(raw_dir).targets_for(unit)


def load_summary(
    period: str,
    unit: str = "",
    processed_dir: str | Path = "",
    raw_dir: str | Path = "",
    made_on: str = "",
    draft: bool = False,
    blockers: list[Any] | None = None,
    workdir: str | Path = "",
) -> SummaryReport:
    """Read everything the report needs (the notebook's one call) and build the model.

    ``workdir`` (a unit's working folder) is all JupyterLab needs: the unit's processed data,
    name, targets and text are read from it (:func:`metrics.paths.data_dirs`).
    """
    from metrics.cleaning.units import read_units
    from metrics.config import load_config
    from metrics.files import load_manifest, load_processed

    processed, raw = data_dirs(workdir, processed_dir, raw_dir)
    p = Period.parse(period)
    config = load_config(raw)
    declared = read_units(raw, config)
    # a report titled with the group's name always covers the whole group
    scope = "" if declared.is_whole(unit) else unit
    tables = kpi.filter_unit(load_processed(processed), scope)
    manifest_path = processed / "manifest.json"
    manifest = load_manifest(processed) if manifest_path.exists() else {}

    report = build_summary(
        tables,
        p,
        unit=scope,
        name=declared.title,
        declared=[u.name for u in declared.units],
        targets=declared.targets_for(scope),
        text=load_analyst_text(raw, p, scope),
        manifest=manifest,
        made_on=dt.date.fromisoformat(made_on) if made_on else dt.date.today(),
        draft=draft,
        blockers=blockers or [],
    )
    report.sample = bool(config.sample)
    return report


# --- the model -----------------------------------------------------------------------------------


def _numbered(titles: list[str]) -> list[str]:
    return [f"{CN_NUMBERS[i]}、{t}" for i, t in enumerate(titles)]


def _q(q: kpi.Quantity, unit: str, amount: bool) -> str:
    if q.value is None and q.left_out:
        return NO_YUAN
    return (
        format_amount(q.value, q.qualifier) if amount else format_count(q.value, q.qualifier, unit)
    )


def _qs(figures: list[kpi.Quantity], unit: str, amount: bool) -> list[str]:
    """One KPI's figures side by side (本期, 上期, 上年同期, 年内累计), worded jointly so no
    figure reads smaller than a smaller one (docs/figures.md)."""
    shown = format_figures(
        [q.value for q in figures], [q.qualifier for q in figures], "元" if amount else unit
    )
    return [
        NO_YUAN if q.value is None and q.left_out else text
        for q, text in zip(figures, shown, strict=True)
    ]


def _change(cur: kpi.Quantity, pre: kpi.Quantity, unit: str, recorded: bool, basis: str) -> str:
    """describe_change, except that a side with no yuan at all says so (not 未登记)."""
    no_yuan = [q.value is None and q.left_out > 0 for q in (cur, pre)]
    if recorded and any(no_yuan):
        return f"无法比较（{NO_YUAN}）"
    return describe_change(
        cur.value,
        cur.qualifier,
        pre.value,
        pre.qualifier,
        unit,
        previous_recorded=recorded,
        basis=basis,
    )


class Blocked(dict[str, str]):
    """Table -> why its figures are withheld; ``missing``: tables that were read, but that a
    unit has not sent for the period (未收到: the figure is incomplete, not unreadable)."""

    missing: frozenset[str] = frozenset()


def _unread(blocked: dict[str, str], table: str) -> str:
    """What a withheld figure says: 数据未能读取, or 数据不完整 when a unit has not sent it."""
    return INCOMPLETE if table in getattr(blocked, "missing", ()) else UNREADABLE


def _blocked(blockers: list[Any]) -> tuple[list[str], dict[str, str]]:
    """Blocker lines for the box, and which tables could not be read (by key or by label)."""
    lines, tables = [], Blocked()
    tables.missing = frozenset(
        str(b.get("table"))
        for b in blockers
        if isinstance(b, dict) and b.get("kind") == "unit_missing" and b.get("table")
    ) - {  # a table also unreadable says so
        str(b.get("table"))
        for b in blockers
        if isinstance(b, dict) and b.get("kind") != "unit_missing" and b.get("table")
    }
    for b in blockers:
        message = str(b.get("message", b)) if isinstance(b, dict) else str(b)
        where = ""
        if isinstance(b, dict) and b.get("file"):
            where = str(b["file"]) + (f"［{b['sheet']}］" if b.get("sheet") else "") + "："
        lines.append(where + message)
        named = b.get("table") if isinstance(b, dict) else None
        for key, label in TABLE_LABELS.items():
            if named == key or (named is None and label[:4] in message):
                tables[key] = message
    return lines, tables


def build_summary(
    tables: dict[str, pd.DataFrame],
    period: Period,
    *,
    unit: str = "",
    name: str = "",
    declared: list[str] | None = None,
    targets: dict[str, float] | None = None,
    text: AnalystText | None = None,
    manifest: dict[str, Any] | None = None,
    made_on: dt.date | None = None,
    draft: bool = False,
    blockers: list[Any] | None = None,
) -> SummaryReport:
    """The whole leadership report's view model from tables already limited to the unit.

    ``name`` is the whole folder's name (a group's, or the single unit's) for a report of the
    whole folder; ``declared`` the units in shishi.toml's order. A report of several units is
    a group's: it gets 各单位完成情况, and branches and items carry their unit.
    """
    text = text or AnalystText()
    targets = targets or {}
    made_on = made_on or dt.date.today()
    blocker_lines, blocked = _blocked(blockers or [])
    units = kpi.units(tables, declared)
    unit_name = unit or name or ("、".join(units) if units else "本单位")
    per_unit = not unit and len(units) > 1  # a group: a branch or an item is its unit's own
    win = kpi.windows(period, kpi.first_day(tables))
    this, last = WORDS.get(period.grain, ("本期", "上期"))
    same_ytd = _same(win["ytd"], period)  # Q1 or a year: 年内 is the period itself
    if same_ytd:
        win = win | {"ytd": period}  # so tables say 2024年, not 2024年1—12月

    now, before = kpi.headline(tables, period), kpi.headline(tables, win["previous"])
    year_ago_p = kpi.same_period_last_year(period)
    year_ago, ytd = kpi.headline(tables, year_ago_p), kpi.headline(tables, win["ytd"])
    wish = kpi.wish_summary(tables["wishes"], period)

    done_title = "全年办结实事" if period.grain == "year" else "本期办结实事"
    titles = ["总体情况", done_title, "职工心愿清单", "捐款捐物", "消费帮扶", "志愿服务"]
    if text.highlights or text.cases:
        titles.append("亮点与典型案例")
    if text.problems or text.next_steps:
        titles.append("存在问题与下一步工作")
    numbered = dict(zip(titles, _numbered(titles), strict=True))

    report_title = f"{unit_name}“我为群众办实事”实践活动"
    subtitle = f"{period.label_cn}工作简报"
    cover_meta = {"编发单位": unit_name}  # the sender; 报送 (the recipient) is in the 版记
    cover_meta["报告期间"] = (
        f"{period.label_cn}（{format_date(period.start)}至{format_date(period.end)}）"
    )
    cover_meta["成稿日期"] = text.written_on or format_date(made_on)
    if text.number:
        cover_meta = {"编号": text.number, **cover_meta}

    return SummaryReport(
        period=period,
        unit_name=unit_name,
        title=report_title,
        subtitle=subtitle,
        made_on=made_on,
        cover_meta=cover_meta,
        summary_title=numbered["总体情况"],
        cards=_cards(
            wish,
            ytd,
            now,
            this,
            blocked,
            {t for t, f in tables.items() if f.empty},
            year="全年" if period.grain == "year" else "年内",
            same=same_ytd,
        ),
        sentences=_sentences(tables, period, win, wish, now, ytd, targets, this, blocked),
        targets=_targets(targets, ytd, blocked),
        comparison=_comparison(
            now, before, year_ago, ytd, this, last, tables, win, year_ago_p, blocked
        ),
        trend=_trend(tables, period, win, blocked),
        completed_title=numbered[done_title],
        **_completed(tables["wishes"], period, this, units if per_unit else []),
        sections=_sections(
            tables, period, win, numbered, blocked, targets, units if per_unit else []
        ),
        highlights_title=numbered.get("亮点与典型案例", ""),
        highlights=text.highlights,
        cases=text.cases,
        problems_title=numbered.get("存在问题与下一步工作", ""),
        problems=text.problems,
        next_steps=text.next_steps,
        provenance=_provenance(tables, manifest or {}),
        precision_note=PRECISION_NOTE
        + (LEFT_OUT_NOTE if any(q["donations_yuan"].left_out for q in (now, ytd)) else ""),
        signature=Signature(
            unit_name,
            text.written_on or format_date(made_on),
            text.number,
            text.send_to,
            text.copy_to,
            text.written_on,
            text.issue,
            text.printer,
            text.printed_on,
        ),
        draft=draft or bool(blocker_lines),
        blockers=blocker_lines,
        notice=""
        if kpi.has_rows(tables, win["ytd"])
        else f"{period.label_cn}{'' if same_ytd else '及年内'}没有登记任何新的台账数据；"
        "心愿清单按截至期末的累计情况列出。",
        units=_units_table(tables, period, manifest or {}, units, this) if per_unit else None,
        done_label="全年完成" if period.grain == "year" else "年内完成",
        metadata={
            "title": f"{report_title}{subtitle}",
            "author": unit_name,
            "subject": period.label_cn,
            "keywords": "我为群众办实事, 季度工作简报",
        },
        source_tables=tables,
    )


def _cards(
    wish: dict[str, Any],
    ytd: dict[str, kpi.Quantity],
    now: dict[str, kpi.Quantity],
    this: str,
    blocked: dict[str, str],
    absent: set[str] | frozenset[str] = frozenset(),
    year: str = "年内",
    same: bool = False,
) -> list[Card]:
    """The four headline cards: the year's figure, and this period's under it (unless the
    period is the year so far: 2024Q1, or 2024 itself, where it would only repeat it)."""

    def sub(text: str) -> str:
        return "" if same else text

    def guard(table: str, card: Card) -> Card:
        if table in blocked:
            return Card(card.label, _unread(blocked, table), "见本页提示")
        if table in absent:  # no ledger of this kind at all: not registered, never "0元"
            return Card(card.label, NOT_REGISTERED, "没有收到这类台账")
        return card

    total, resolved = wish["total"].current.value, wish["resolved"].current.value
    donations = ytd["donations_yuan"]
    bought = kpi.Quantity(*_sum(ytd, "purchases"))  # 企业 + 自费 + 未注明
    return [
        guard(
            "wishes",
            Card(
                "心愿清单办结",
                f"{format_count(resolved)}/{format_count(total, unit='项')}",
                f"办结率 {format_percent(resolved, total)}",
            ),
        ),
        guard(
            "donations",
            Card(
                f"{year}捐款捐物",
                _q(donations, "元", True),
                "；".join(
                    p
                    for p in (
                        sub(f"{this} {_q(now['donations_yuan'], '元', True)}"),
                        f"另有{donations.left_out}笔外币或物资未计入" if donations.left_out else "",
                    )
                    if p
                ),
            ),
        ),
        guard(
            "purchases",
            Card(
                f"{year}消费帮扶采购",
                format_amount(bought.value, bought.qualifier),
                sub(f"{this} {format_amount(*_sum(now, 'purchases'))}"),
            ),
        ),
        guard(
            "volunteering",
            Card(
                f"{year}志愿服务活动",
                _q(ytd["volunteer_activities"], "次", False),
                sub(f"{this} {_q(now['volunteer_activities'], '次', False)}"),
            ),
        ),
    ]


def _sum(figures: dict[str, kpi.Quantity], prefix: str) -> tuple[float, str]:
    parts = [q for k, q in figures.items() if k.startswith(prefix)]
    return (
        sum(q.value or 0 for q in parts),
        kpi.combine_qualifiers([q.qualifier for q in parts]),
    )


def _sentences(
    tables: dict[str, pd.DataFrame],
    period: Period,
    win: dict[str, Period],
    wish: dict[str, Any],
    now: dict[str, kpi.Quantity],
    ytd: dict[str, kpi.Quantity],
    targets: dict[str, float],
    this: str,
    blocked: dict[str, str],
) -> list[str]:
    """4-6 sentences; each figure appears in one of them only."""
    from metrics.reporting import narrative

    out = [
        narrative.wish_sentence(wish, period, this),
        narrative.donation_sentence(
            now["donations_yuan"],
            ytd["donations_yuan"],
            kpi.donations_by(tables["donations"], period, "campaign"),
            period,
            this,
            review=kpi.review_counts(tables["donations"], period),
            apart=narrative.apart_note(
                kpi.foreign_amounts(tables["donations"], period),
                kpi.goods_in_kind(tables["donations"], period),
            ),
        ),
        narrative.purchase_sentence(now, ytd, period, this),
        narrative.volunteer_sentence(now, ytd, period, this),
    ]
    for i, key in enumerate(("wishes", "donations", "purchases", "volunteering")):
        if key in blocked:
            why = "有单位未报送" if _unread(blocked, key) == INCOMPLETE else "未能读取"
            out[i] = f"{TABLE_LABELS[key]}台账{why}，相关数字暂缺（见本页提示）。"
    progress = narrative.target_sentence(
        [t for t in _targets(targets, ytd, blocked) if t.share is not None]
    )
    if progress:
        out.append(progress)
    return out


def _targets(
    targets: dict[str, float], ytd: dict[str, kpi.Quantity], blocked: dict[str, str]
) -> list[Target]:
    rows = []
    for key, goal in targets.items():
        label, unit, amount, table = kpi.HEADLINES[key]
        q = ytd[key]
        goal_text = format_amount(goal) if amount else format_count(goal, unit=unit)
        if table in blocked:
            why = _unread(blocked, table)
            rows.append(Target(label, goal_text, why, why, None, unit=unit, goal=goal))
            continue
        rows.append(
            Target(
                label,
                format_amount(goal) if amount else format_count(goal, unit=unit),
                _q(q, unit, amount),
                format_progress(q.value, q.qualifier, goal),
                (q.value or 0) / goal,
                _unspecified_note(key, ytd),
                unit,
                goal,
                q,
            )
        )
    return rows


def _unspecified_note(key: str, ytd: dict[str, kpi.Quantity]) -> str:
    """A purchases target counts only purchases known to be its kind: say what it leaves out."""
    other = ytd.get("purchases_unspecified_yuan")
    if not key.startswith("purchases_") or other is None or not other.value:
        return ""
    return f"（另有{format_amount(other.value, other.qualifier)}未注明采购主体类型，未计入）"


def _comparison(
    now: dict[str, kpi.Quantity],
    before: dict[str, kpi.Quantity],
    year_ago: dict[str, kpi.Quantity],
    ytd: dict[str, kpi.Quantity],
    this: str,
    last: str,
    tables: dict[str, pd.DataFrame],
    win: dict[str, Period],
    year_ago_p: Period,
    blocked: dict[str, str],
) -> Table:
    """本期, 上期, 环比, 上年同期, 同比, 年内累计: every change computed or explained.

    A column is shown only when it differs from another: an annual report's 上期 is its
    上年同期 (one pair, 上年 and 同比), and 年内累计 is 本期 itself in a Q1 or annual report.
    """
    rows: list[list[str]] = []
    figures: list[list[Any]] = []  # the same cells as numbers (kpi.Quantity) for the .xlsx
    for key, (label, unit, amount, table) in kpi.HEADLINES.items():
        if key == "purchases_unspecified_yuan" and (
            table in blocked or not any(f[key].value for f in (now, before, year_ago, ytd))
        ):
            continue  # a row only when some purchase does not say whose it was
        if table in blocked:  # never a figure (nor 未登记) from a ledger that was not read
            rows.append([label, *[_unread(blocked, table)] * 6])
            figures.append([unit, *[None] * 6])
            continue
        cur, pre, ago = now[key], before[key], year_ago[key]
        rec_pre = kpi.recorded(tables, table, win["previous"])
        rec_ago = kpi.recorded(tables, table, year_ago_p)
        cur_t, pre_t, ago_t, ytd_t = _qs([cur, pre, ago, ytd[key]], unit, amount)
        figures.append(
            [unit, cur, pre if rec_pre else None, None, ago if rec_ago else None, None, ytd[key]]
        )
        rows.append(
            [
                label,
                cur_t,
                pre_t if rec_pre else "未登记",
                _change(cur, pre, unit if not amount else "元", rec_pre, last),
                ago_t if rec_ago else "未登记",
                _change(cur, ago, unit if not amount else "元", rec_ago, "上年同期"),
                ytd_t,
            ]
        )
    headers = ["指标", this, last, "环比", "上年同期", "同比", "年内累计"]
    numeric = [1, 2, 4, 6]
    keep = list(range(len(headers)))
    if _same(win["previous"], year_ago_p):  # a year: the previous period is last year
        headers[3] = "同比"
        keep = [i for i in keep if i not in (4, 5)]
    if _same(win["ytd"], win["period"]):
        keep.remove(6)
    data = _figures_frame(headers, keep, rows, figures)
    headers = [headers[i] for i in keep]
    rows = [[row[i] for i in keep] for row in rows]
    return Table(
        "主要指标对比",
        headers,
        rows,
        numeric=[n for n, i in enumerate(keep) if i in numeric],
        data=data,
        sheet="主要指标",
    )


def _figures_frame(
    headers: list[str], keep: list[int], rows: list[list[str]], figures: list[list[Any]]
) -> pd.DataFrame:
    """The comparison for the .xlsx: each figure a number with its 精度 beside it (约, 余…, or
    why there is none), the changes as worded; 计量单位 says what the numbers count."""
    out: dict[str, list[Any]] = {"指标": [r[0] for r in rows], "计量单位": [f[0] for f in figures]}
    for i in keep[1:]:
        column = [f[i] for f in figures]
        if i in (3, 5):  # 环比, 同比: a sentence, never a bare difference of estimates
            out[headers[i]] = [r[i] for r in rows]
            continue
        out[headers[i]] = [q.value if q is not None else None for q in column]
        out[f"{headers[i]}精度"] = [
            contract.QUALIFIER_LABELS.get(q.qualifier, q.qualifier)
            if q is not None and q.value is not None
            else r[i]
            for q, r in zip(column, rows, strict=True)
        ]
    return pd.DataFrame(out)


def _trend(
    tables: dict[str, pd.DataFrame],
    period: Period,
    win: dict[str, Period],
    blocked: dict[str, str],
) -> Chart | None:
    quarters = kpi.trend_quarters(period, kpi.first_day(tables))
    if len(quarters) < MIN_TREND_QUARTERS:
        return None
    t = kpi.quarterly_trend(tables, quarters)
    labels = t["label"].tolist()
    panels = [
        Series(
            "心愿项目办结（项）",
            labels,
            t["wishes_resolved"].tolist(),
            [format_count(v) for v in t["wishes_resolved"]],
        ),
        Series(
            "捐款捐物",
            labels,
            [float(v) if pd.notna(v) else 0.0 for v in t["donations_yuan"]],
            format_amounts(t["donations_yuan"], t["donations_qualifier"], missing=NO_YUAN),
        ),
        Series(
            "消费帮扶采购",
            labels,
            t["purchases_yuan"].tolist(),
            format_amounts(t["purchases_yuan"], t["purchases_qualifier"]),
        ),
        Series(
            "志愿服务活动（次）",
            labels,
            t["volunteer_activities"].tolist(),
            [format_count(v) for v in t["volunteer_activities"]],
        ),
    ]
    shown = [
        s
        for s, table in zip(
            panels, ("wishes", "donations", "purchases", "volunteering"), strict=True
        )
        if table not in blocked
    ]
    return (
        Chart("trend", f"近{len(quarters)}个季度主要指标走势", "panels", shown) if shown else None
    )


def _completed(
    wishes: pd.DataFrame, period: Period, this: str, units: list[str] | None = None
) -> dict[str, Any]:
    """The items resolved in the period; in a group's report (``units``) each with its unit,
    listed unit by unit, and the lead counts them per unit instead of naming them all."""
    done = kpi.completed_items(wishes, period)
    if units:
        rank = {u: i for i, u in enumerate(units)}
        done = (
            done.assign(_rank=done["unit"].map(rank).fillna(len(rank)))
            .sort_values(["_rank", "resolved_on", "item_id"], kind="stable")
            .drop(columns="_rank")
            .reset_index(drop=True)
        )
    headers = ["序号", "实事项目", "类别", "责任部门", "办结时间", "投入资金"]
    costs = format_amounts(done["cost_yuan"], done["cost_qualifier"], missing="未填写")
    rows = [
        [
            str(i + 1),
            r.title,
            _text(r.category),
            _text(r.department),
            format_date(r.resolved_on),
            costs[i],
        ]
        for i, r in enumerate(_rows(done))
    ]
    data = pd.DataFrame(
        {
            "序号": range(1, len(done) + 1),
            "实事项目": done["title"],
            "类别": done["category"],
            "责任部门": done["department"],
            "办结时间": done["resolved_on"],
            "投入资金（元）": done["cost_yuan"],
        }
    )
    lead = (
        f"{this}办结职工心愿清单实事项目{len(done)}项：{'、'.join(done['title'].astype(str))}。"
        if len(done)
        else f"{this}没有新办结的心愿清单项目。"
    )
    if units:
        headers.insert(1, "单位")
        for row, unit in zip(rows, done["unit"], strict=True):
            row.insert(1, str(unit))
        data.insert(1, "单位", done["unit"].to_numpy())
        counts = done["unit"].value_counts()
        each = "、".join(f"{u}{int(counts[u])}项" for u in units if u in counts)
        if len(done):
            lead = f"{this}办结职工心愿清单实事项目{len(done)}项，其中{each}，明细见下表。"
    return {
        "completed_lead": lead,
        "completed": Table(
            "全年办结的实事项目" if period.grain == "year" else "本期办结的实事项目",
            headers,
            rows,
            numeric=[0, 6] if units else [0, 5],
            data=data,
            sheet="本期办结实事",
            empty=f"{this}没有新办结的项目。",
        ),
    }


def _rows(frame: pd.DataFrame) -> list[Any]:
    """A frame's rows as named tuples (typed Any: pandas' cell types are a union of everything)."""
    return list(frame.itertuples())


def _text(value: Any) -> str:
    return kpi.UNFILLED if value is None or pd.isna(value) else str(value)


def _sections(
    tables: dict[str, pd.DataFrame],
    period: Period,
    win: dict[str, Period],
    numbered: dict[str, str],
    blocked: dict[str, str],
    targets: dict[str, float],
    units: list[str] | None = None,
) -> list[Section]:
    """The four areas; in a group's report (``units``) branches and items carry their unit."""
    ytd = win["ytd"]
    group = bool(units)
    sections = [
        Section(
            "wishes",
            numbered["职工心愿清单"],
            blocks=_wish_blocks(tables["wishes"], period, group),
        ),
        Section(
            "donations",
            numbered["捐款捐物"],
            lead=_donation_lead(tables["donations"], ytd),
            blocks=_donation_blocks(tables["donations"], ytd),
        ),
        Section(
            "purchases",
            numbered["消费帮扶"],
            lead=_review_lead(tables["purchases"], ytd, "消费帮扶采购"),
            blocks=_purchase_blocks(tables["purchases"], ytd),
        ),
        Section(
            "volunteering",
            numbered["志愿服务"],
            blocks=_volunteer_blocks(tables["volunteering"], ytd, group),
        ),
    ]
    for s in sections:
        if s.key in blocked:
            s.blocks, s.unreadable = [], f"{_unread(blocked, s.key)}：{blocked[s.key]}"
    return sections


def _wish_blocks(wishes: pd.DataFrame, period: Period, group: bool = False) -> list[Table | Chart]:
    by = kpi.wishes_by(wishes, period, "category")
    headers = ["类别", "项目数", "已办结", "推进中", "未启动", "办结率"]
    rows = [
        [
            str(r.category),
            str(r.total),
            str(r.resolved),
            str(r.in_progress),
            str(r.pending),
            format_percent(r.resolved, r.total),
        ]
        for r in _rows(by)
    ]
    data = by.rename(
        columns={
            "category": "类别",
            "total": "项目数",
            "resolved": "已办结",
            "in_progress": "推进中",
            "pending": "未启动",
            "resolution_rate": "办结率",
        }
    )
    overdue = kpi.overdue_items(wishes, period)
    o_headers = ["项目", "责任部门", "责任领导", "计划完成时限", "进度"]
    o_rows = [
        [
            r.title,
            _text(r.department),
            _text(r.leader),
            format_date(r.due_on, r.due_on_precision),  # 2024年11月 stays a month
            STATUS_CN.get(r.status, r.status),
        ]
        for r in _rows(overdue)
    ]
    o_data = pd.DataFrame(o_rows, columns=o_headers).assign(
        计划完成时限=list(overdue["due_on"]),
        计划完成时限精度=list(overdue.get("due_on_precision", pd.Series("day", overdue.index))),
    )
    if group:  # a group's list: each item with its unit
        o_headers.insert(1, "单位")
        for row, unit in zip(o_rows, overdue["unit"], strict=True):
            row.insert(1, str(unit))
        o_data.insert(1, "单位", overdue["unit"].to_numpy())
    return [
        Table(
            f"截至{period.label_cn}末心愿清单办理情况（按类别）",
            headers,
            rows,
            numeric=[1, 2, 3, 4, 5],
            data=data,
            sheet="心愿清单_按类别",
        ),
        Table(
            "超过计划时限尚未办结的项目",
            o_headers,
            o_rows,
            data=o_data,
            sheet="心愿清单_逾期",
            empty="没有超过计划时限尚未办结的项目。",
        ),
    ]


def _amount_rows(frame: pd.DataFrame, by: str) -> tuple[list[list[str]], pd.DataFrame]:
    """Worded rows and typed data; 笔数 counts every gift, those without yuan included."""
    count = frame["rows"] + frame.get("left_out", 0)
    amounts = format_amounts(frame["amount_yuan"], frame["amount_qualifier"], missing=NO_YUAN)
    rows = [
        [str(r[by]), a, str(n)]
        for (_, r), a, n in zip(frame.iterrows(), amounts, count, strict=True)
    ]
    data = pd.DataFrame(
        {
            "金额（元）": frame["amount_yuan"],
            "精度": frame["amount_qualifier"].map(contract.QUALIFIER_LABELS),
            "笔数": count,
        }
    )
    return rows, data


def _goods_rest(goods: pd.DataFrame) -> list[list[str]]:
    """One closing row for the goods past GOODS_SHOWN: the full list is in the Excel sheet."""
    rest = goods.iloc[GOODS_SHOWN:]
    if rest.empty:
        return []
    return [[f"其余{len(rest)}种物资", "见Excel底表“捐款捐物_物资”", str(int(rest["rows"].sum()))]]


def _review_lead(frame: pd.DataFrame, window: Period, what: str) -> list[str]:
    """年内捐款捐物中有N笔疑似重复，待核实（已按一笔计入）。 (nothing when none is flagged)"""
    from metrics.reporting import narrative

    note = narrative.review_note(kpi.review_counts(frame, window))
    if not note:
        return []
    return [f"{window.label_cn}{what}中有{note.removeprefix('其中')}。"]


def _donation_lead(donations: pd.DataFrame, ytd: Period) -> list[str]:
    """The year's near repeats, foreign currency and goods, each said apart from the yuan."""
    from metrics.reporting import narrative

    lead = _review_lead(donations, ytd, "捐款捐物")
    apart = narrative.apart_note(
        kpi.foreign_amounts(donations, ytd), kpi.goods_in_kind(donations, ytd)
    )
    if apart:
        lead.append(f"{ytd.label_cn}{apart}。")
    return lead


def _donation_blocks(donations: pd.DataFrame, ytd: Period) -> list[Table | Chart]:
    by = kpi.donations_by(donations, ytd, "campaign")
    rows, data = _amount_rows(by, "campaign")
    data.insert(0, "项目/用途", by["campaign"])
    blocks: list[Table | Chart] = [
        Table(
            f"{ytd.label_cn}捐款捐物（按项目）",
            ["项目/用途", "金额", "笔数"],
            rows,
            numeric=[1, 2],
            data=data,
            sheet="捐款捐物_按项目",
        )
    ]
    foreign = kpi.foreign_amounts(donations, ytd)
    if len(foreign):
        names = [currency_name(str(c)) for c in foreign["currency"]]
        blocks.append(
            Table(
                f"{ytd.label_cn}外币捐款（未折算人民币，未计入上表金额）",
                ["币种", "原币金额", "笔数"],
                [
                    [n, format_count(r.amount_original, str(r.amount_qualifier), n), str(r.rows)]
                    for n, r in zip(names, _rows(foreign), strict=True)
                ],
                numeric=[1, 2],
                data=pd.DataFrame(
                    {
                        "币种": names,
                        "币种代码": foreign["currency"],
                        "原币金额": foreign["amount_original"],
                        "精度": foreign["amount_qualifier"].map(contract.QUALIFIER_LABELS),
                        "笔数": foreign["rows"],
                    }
                ),
                sheet="捐款捐物_外币",
            )
        )
    goods = kpi.goods_in_kind(donations, ytd)
    if len(goods):
        blocks.append(
            Table(
                f"{ytd.label_cn}物资捐赠（只有数量，未计入上表金额）",
                ["物资", "数量", "笔数"],
                [
                    [
                        str(r.item),
                        format_count(r.quantity, "exact", str(r.item_unit))
                        if pd.notna(r.quantity)
                        else "未填写",
                        str(r.rows),
                    ]
                    for r in _rows(goods.head(GOODS_SHOWN))
                ]
                + _goods_rest(goods),
                numeric=[1, 2],
                data=pd.DataFrame(
                    {
                        "物资": goods["item"],
                        "数量": goods["quantity"],
                        "计量单位": goods["item_unit"],
                        "笔数": goods["rows"],
                    }
                ),
                sheet="捐款捐物_物资",
            )
        )
    return blocks


def _purchase_blocks(purchases: pd.DataFrame, ytd: Period) -> list[Table | Chart]:
    by = kpi.purchases_by_buyer(purchases, ytd)
    amounts = format_amounts(by["amount_yuan"], by["amount_qualifier"])
    rows = [
        [
            BUYER_CN.get(r.buyer_type, str(r.buyer_type)),
            a,
            str(r.rows),
            r.regions.replace(", ", "、"),
        ]
        for r, a in zip(_rows(by), amounts, strict=True)
    ]
    _shown, data = _amount_rows(by, "buyer_type")
    data.insert(0, "采购主体", by["buyer_type"].map(BUYER_CN))
    data["供应地区"] = by["regions"].astype("string").str.replace(", ", "、")
    products = kpi.purchases_by(purchases, ytd, "product")
    chart = Chart(
        "purchases_by_product",
        f"{ytd.label_cn}消费帮扶采购（按产品）",
        "barh",
        [
            Series(
                "",
                products["product"].astype(str).tolist(),
                products["amount_yuan"].astype(float).tolist(),
                format_amounts(products["amount_yuan"], products["amount_qualifier"]),
            )
        ],
    )
    return [
        Table(
            f"{ytd.label_cn}消费帮扶采购（按采购主体）",
            ["采购主体", "金额", "笔数", "供应地区"],
            rows,
            numeric=[1, 2],
            data=data,
            sheet="消费帮扶_按主体",
        ),
        chart,
    ]


def _volunteer_blocks(vol: pd.DataFrame, ytd: Period, group: bool = False) -> list[Table | Chart]:
    """Activities per branch and the outcomes worth quoting; in a group's report a branch is
    its unit's own (two units' 卷包车间党支部 are two bars), and the most active are shown."""
    by = kpi.volunteering_by(vol, ytd, "organizer", per_unit=group)
    title = f"{ytd.label_cn}各党支部志愿服务活动"
    if group:
        names = [branch_name(u, o) for u, o in zip(by["unit"], by["organizer"], strict=True)]
        by = by.assign(organizer=names)
        if len(by) > BRANCHES_SHOWN:
            title += f"（活动最多的{BRANCHES_SHOWN}个，共{len(by)}个）"
            by = by.head(BRANCHES_SHOWN)
    chart = Chart(
        "volunteering_by_organizer",
        title,
        "barh",
        [
            Series(
                "",
                by["organizer"].astype(str).tolist(),
                by["activities"].astype(float).tolist(),
                [
                    f"{a}次 · {p}"
                    for a, p in zip(
                        by["activities"],
                        format_counts(by["person_times"], by["person_times_qualifier"], "人次"),
                        strict=True,
                    )
                ],
            )
        ],
    )
    best = kpi.outcome_highlights(vol, ytd)
    if group:  # the organizer named with its unit
        best = best.assign(
            organizer=[
                branch_name(u, o) for u, o in zip(best["unit"], best["organizer"], strict=True)
            ]
        )
    headers = ["日期", "组织单位", "活动", "服务成果"]
    rows = [
        [format_date(r.date), str(r.organizer), str(r.title), str(r.outcome)] for r in _rows(best)
    ]
    data = pd.DataFrame(
        {
            "日期": best["date"],
            "组织单位": best["organizer"],
            "活动": best["title"],
            "服务成果": best["outcome"],
        }
    )
    return [
        chart,
        Table(
            "志愿服务成果摘录",
            headers,
            rows,
            data=data,
            sheet="志愿服务_成果",
            empty=f"{'全年' if ytd.grain == 'year' else '年内'}台账未填写可计数的服务成果。",
        ),
    ]


def _units_table(
    tables: dict[str, pd.DataFrame],
    period: Period,
    manifest: dict[str, Any],
    units: list[str],
    this: str,
) -> Table:
    """各单位完成情况: a group's units side by side, with what each has not sent (未收到)."""
    from metrics.reporting import group

    receipts = group.unit_receipts(tables, manifest, period, units)
    rows, data = group.unit_rows(tables, receipts, period, units)
    return Table(
        f"各单位完成情况（{this}）",
        list(group.UNIT_HEADERS),
        rows,
        numeric=[1, 2, 3, 4],
        data=data,
        sheet="各单位完成情况",
        small=True,
    )


def _provenance(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> str:
    """One line: when the ledgers were read, how many rows, and an id matching the data-quality PDF."""
    rows = sum(len(f) for f in tables.values())
    items = sorted((f["file"], f.get("sha256") or "") for f in manifest.get("files", []))
    short = hashlib.sha256(json.dumps(items).encode()).hexdigest()[:8]
    when = format_date(manifest["generated_at"]) if manifest.get("generated_at") else "本次"
    return (
        f"数据来源：{when}整理的台账，共使用{rows}行有效记录（数据标识 {short}；"
        "逐行核对情况见数据质量报告）。"
    )


# --- what a reader sees (a new published version only when it changes) ---------------------------

#: Fields a reader does not see as content: the date it was made (cover, 落款), the data's
#: identifier and row count (provenance), file metadata and the tables behind the figures.
NOT_CONTENT = {"made_on", "provenance", "metadata", "source_tables"}
#: The parts of the report by the names an analyst knows them, and the fields each shows;
#: any field not named here (one added later) is compared under 其他.
PARTS = {
    "封面": ("title", "subtitle", "cover_meta", "sample", "draft"),
    "总体情况": (
        "summary_title",
        "cards",
        "sentences",
        "targets",
        "comparison",
        "trend",
        "notice",
        "blockers",
        "precision_note",
    ),
    "本期办结实事": ("completed_title", "completed_lead", "completed"),
    "亮点与典型案例": ("highlights_title", "highlights", "cases"),
    "存在问题与下一步工作": ("problems_title", "problems", "next_steps"),
    "落款": ("signature", "unit_name"),
}


def _plain(value: Any) -> Any:
    """A model value as JSON-able content: what is shown, never how or when it was made.

    A table's typed copy (``data``) and a chart's drawn images repeat what their rows and
    series say; a photo is its bytes (the same name with a new picture is a change).
    """
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        skip = {"data", "png", "svg"}
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in skip
        }
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return hashlib.sha256(value.read_bytes()).hexdigest() if value.is_file() else str(value)
    if isinstance(value, Period):
        return value.label
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, pd.DataFrame):
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def visible_parts(report: SummaryReport) -> dict[str, str]:
    """Part name -> sha256 of what that part shows, plus ``_key`` over them all.

    Two runs whose parts hash the same give a leadership reader the same report, whatever
    else changed (a lock file, a notebook saved in JupyterLab, the day it was made).
    """
    import dataclasses

    content = {
        f.name: _plain(getattr(report, f.name))
        for f in dataclasses.fields(report)
        if f.name not in NOT_CONTENT
    }
    content["cover_meta"] = {k: v for k, v in content["cover_meta"].items() if k != "成稿日期"}
    content["signature"] = {k: v for k, v in content["signature"].items() if k != "date"}
    parts: dict[str, Any] = {
        name: {f: content.pop(f) for f in fields} for name, fields in PARTS.items()
    }
    for section in content.pop("sections"):
        parts[str(section["title"]).split("、", 1)[-1]] = section
    if content:
        parts["其他"] = content
    hashed = {
        name: hashlib.sha256(
            json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()
        for name, value in parts.items()
    }
    hashed["_key"] = hashlib.sha256(json.dumps(hashed, sort_keys=True).encode()).hexdigest()
    return hashed
