"""The leadership report as one object: what the PDF, the Word document and the Excel file show.

:func:`build_summary` turns the processed tables, a Period and the analyst's own words into a
:class:`SummaryReport` - cards, sentences, tables (already worded by :mod:`.text`), chart data,
the items completed this quarter and the 落款 - modelled on a 季度工作简报. The notebook only
displays it (:mod:`.present`), :mod:`.word` writes it as .docx and :mod:`.export` as .xlsx, so
the three can never disagree. Nothing here reads, draws, prints or writes a file: the pieces
are in :mod:`.parts`, the four areas in :mod:`.sections`, and what is read in :mod:`.loading`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from metrics import contract
from metrics.contract import Col
from metrics.periods import Period
from metrics.reporting import kpi
from metrics.reporting.analyst import AnalystText
from metrics.reporting.parts import (
    BRANCHES_SHOWN,
    BUYER_CN,
    GOODS_SHOWN,
    INCOMPLETE,
    NO_YUAN,
    NOT_REGISTERED,
    STATUS_CN,
    TABLE_LABELS,
    UNREADABLE,
    UNREPORTED,
    Blocked,
    Card,
    Chart,
    Section,
    Series,
    Signature,
    SummaryReport,
    Table,
    Target,
    _q,
    _rows,
    _same,
    _text,
    _unread,
    branch_name,
)
from metrics.reporting.sections import _sections
from metrics.reporting.text import (
    SUM_RULE,
    describe_change,
    format_amount,
    format_amounts,
    format_count,
    format_date,
    format_figures,
    format_percent,
    format_progress,
)

#: The pieces are defined in .parts; they are named here too, where the report is built.
__all__ = [
    "BRANCHES_SHOWN",
    "BUYER_CN",
    "GOODS_SHOWN",
    "INCOMPLETE",
    "LEFT_OUT_NOTE",
    "NOT_REGISTERED",
    "NO_YUAN",
    "PRECISION_NOTE",
    "STATUS_CN",
    "TABLE_LABELS",
    "UNREADABLE",
    "UNREPORTED",
    "Card",
    "Chart",
    "Section",
    "Series",
    "Signature",
    "SummaryReport",
    "Table",
    "Target",
    "branch_name",
    "build_summary",
    "visible_parts",
]

CN_NUMBERS = "一二三四五六七八九十"
PRECISION_NOTE = (
    "说明：金额和人数保持原始台账的精度，“余”表示不少于该数，“约”“近”表示估计数，"
    "“不足”表示少于该数；" + SUM_RULE
)
#: Added to the precision note when a yuan total leaves rows out (so its 余 is explained).
LEFT_OUT_NOTE = (
    "外币捐款（未给汇率）和只有数量的物资不计入人民币金额，含有这类捐赠的合计也写作“余”。"
)
#: Trend charts need at least this many quarters of data to say anything.
MIN_TREND_QUARTERS = 4
#: How a report names its period and the one before, by grain (an annual report: 全年, 上年).
#: A change against a window that was not reported is not computed.
NOT_COMPARED = "—"
#: The ledgers whose rows are dated (the wish list is one standing list).
DATED = ("donations", "purchases", "volunteering")
WORDS = {"quarter": ("本季度", "上季度"), "year": ("全年", "上年")}
# --- the model -----------------------------------------------------------------------------------


def _numbered(titles: list[str]) -> list[str]:
    return [f"{CN_NUMBERS[i]}、{t}" for i, t in enumerate(titles)]


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

    comparison, left_out_columns = _comparison(
        now, before, year_ago, ytd, this, last, tables, win, year_ago_p, blocked
    )
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
            unsent=(_unsent(tables, win["ytd"]), _unsent(tables, period)),
        ),
        sentences=_sentences(tables, period, win, wish, now, ytd, targets, this, blocked),
        targets=_shown_targets(_targets(targets, ytd, blocked, _unsent(tables, win["ytd"]))),
        comparison=comparison,
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
        provenance=DATA_QUALITY_REFERENCE,
        precision_note=PRECISION_NOTE
        + (LEFT_OUT_NOTE if any(q["donations_yuan"].left_out for q in (now, ytd)) else "")
        + left_out_columns,
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
    unsent: tuple[set[str], set[str]] = (set(), set()),
) -> list[Card]:
    """The four headline cards: the year's figure, and this period's under it (unless the
    period is the year so far: 2024Q1, or 2024 itself, where it would only repeat it).
    ``unsent``: the ledgers with no row in the year so far, and in the period (未报送)."""

    def sub(text: str, table: str = "") -> str:
        if same:
            return ""
        return f"{this} {UNREPORTED}" if table in unsent[1] else text

    def guard(table: str, card: Card) -> Card:
        if table in blocked:
            return Card(card.label, _unread(blocked, table), "见本页提示")
        if table in absent:  # no ledger of this kind at all: not registered, never "0元"
            return Card(card.label, NOT_REGISTERED, "没有收到这类台账")
        if table in unsent[0]:  # none sent for the year so far: never "0元"
            return Card(card.label, UNREPORTED)
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
                        sub(f"{this} {_q(now['donations_yuan'], '元', True)}", "donations"),
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
                sub(f"{this} {format_amount(*_sum(now, 'purchases'))}", "purchases"),
            ),
        ),
        guard(
            "volunteering",
            Card(
                f"{year}志愿服务活动",
                _q(ytd["volunteer_activities"], "次", False),
                sub(f"{this} {_q(now['volunteer_activities'], '次', False)}", "volunteering"),
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
            kpi.donations_by(tables["donations"], period, Col.CAMPAIGN),
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
    unsent = _unsent(tables, win["ytd"])
    for i, key in enumerate(("wishes", "donations", "purchases", "volunteering")):
        if key in blocked:
            why = "有单位未报送" if _unread(blocked, key) == INCOMPLETE else "未能读取"
            out[i] = f"{TABLE_LABELS[key]}台账{why}，相关数字暂缺（见本页提示）。"
        elif key in unsent:  # its card and its section say 未报送: no sentence of nothing
            out[i] = ""
    rows = _targets(targets, ytd, blocked, unsent)
    progress = narrative.target_sentence([t for t in rows if t.share is not None])
    if rows and not _shown_targets(rows):  # the table is left out: one sentence says why
        year = "全年" if period.grain == "year" else "年内"
        names = "、".join(t.label for t in rows)
        progress = f"年度目标涉及的{names}台账{year}均未报送，完成情况暂缺。"
    return [s for s in [*out, progress] if s]


def _targets(
    targets: dict[str, float],
    ytd: dict[str, kpi.Quantity],
    blocked: dict[str, str],
    unsent: set[str] | frozenset[str] = frozenset(),
) -> list[Target]:
    """Progress on each annual target; none (and no 0%) from a ledger not sent this year."""
    rows = []
    for key, goal in targets.items():
        label, unit, amount, table = kpi.HEADLINES[key]
        q = ytd[key]
        goal_text = format_amount(goal) if amount else format_count(goal, unit=unit)
        if table in blocked:
            why = _unread(blocked, table)
            rows.append(Target(label, goal_text, why, why, None, unit=unit, goal=goal))
            continue
        if table in unsent:
            rows.append(Target(label, goal_text, UNREPORTED, UNREPORTED, None))
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


def _shown_targets(rows: list[Target]) -> list[Target]:
    """The targets table, or none when every row would say 未报送 (a sentence says so)."""
    return [] if all(t.done == UNREPORTED for t in rows) else rows


def _unspecified_note(key: str, ytd: dict[str, kpi.Quantity]) -> str:
    """A purchases target counts only purchases known to be its kind: say what it leaves out."""
    other = ytd.get("purchases_unspecified_yuan")
    if not key.startswith("purchases_") or other is None or not other.value:
        return ""
    return f"（另有{format_amount(other.value, other.qualifier)}未注明采购主体类型，未计入）"


def _reported(tables: dict[str, pd.DataFrame], table: str, window: Period) -> bool:
    """Whether a window has the table's figures at all (else 未报送). The wish list is one
    standing list: once it holds an item raised by the window's end, its 0 resolved is a real 0;
    a dated ledger with no row in the window was not sent."""
    if table == "wishes":
        raised = tables[table][Col.RAISED_ON]
        return bool((raised <= pd.Timestamp(window.end)).any())
    return kpi.recorded(tables, table, window)


def _unsent(tables: dict[str, pd.DataFrame], window: Period) -> set[str]:
    """The dated ledgers with no row in the window (未报送)."""
    return {t for t in DATED if not _reported(tables, t, window)}


def _comparison_row(
    key: str,
    figures: tuple[dict[str, kpi.Quantity], ...],
    reported: tuple[bool, ...],
    last: str,
) -> list[str]:
    """本期, 上期, 环比, 上年同期, 同比, 年内累计 for one headline: a window that was not
    reported says 未报送, and a change against it is not computed (—), never 减少."""
    label, unit, amount, _table = kpi.HEADLINES[key]
    cur, pre, ago, ytd = (f[key] for f in figures)
    r_cur, r_pre, r_ago, r_ytd = reported
    change_unit = unit if not amount else "元"
    # the four figures worded as one list, so none reads smaller than a smaller one
    worded = dict(
        zip(("cur", "pre", "ago", "ytd"), _qs([cur, pre, ago, ytd], unit, amount), strict=True)
    )

    def shown(which: str, rec: bool) -> str:
        return worded[which] if rec else UNREPORTED

    def change(other: kpi.Quantity, rec: bool, basis: str) -> str:
        return _change(cur, other, change_unit, True, basis) if r_cur and rec else NOT_COMPARED

    return [
        label,
        shown("cur", r_cur),
        shown("pre", r_pre),
        change(pre, r_pre, last),
        shown("ago", r_ago),
        change(ago, r_ago, "上年同期"),
        shown("ytd", r_ytd),
    ]


#: The comparison columns of one headline KPI, in the order of the 主要指标对比 table.
COMPARED = ("now", "previous", "change", "year_ago", "yoy", "ytd")


def headline_texts(
    tables: dict[str, pd.DataFrame], period: Period, targets: dict[str, float]
) -> dict[str, dict[str, str]]:
    """Each headline KPI's 本期, 上期, 环比, 上年同期, 同比, 年内累计 and target progress, worded
    by the same functions as the 主要指标对比 and 年度目标 tables (figures.json stores these,
    so the JSON beside a PDF cannot word a figure otherwise than the PDF does)."""
    win = kpi.windows(period, kpi.first_day(tables))
    if _same(win["ytd"], period):
        win = win | {"ytd": period}
    windows = (period, win["previous"], kpi.same_period_last_year(period), win["ytd"])
    figures = tuple(kpi.headline(tables, w) for w in windows)
    last = WORDS.get(period.grain, ("本期", "上期"))[1]
    unsent = _unsent(tables, win["ytd"])
    progress = {t.label: t for t in _targets(targets, figures[3], {}, unsent)}
    out: dict[str, dict[str, str]] = {}
    for key, (label, _unit, _amount, table) in kpi.HEADLINES.items():
        reported = tuple(_reported(tables, table, w) for w in windows)
        text = dict(zip(COMPARED, _comparison_row(key, figures, reported, last)[1:], strict=True))
        goal = progress.get(label)
        if goal is not None:  # 未报送 is said once, not "未报送，未报送"
            same = goal.done == goal.progress
            text["target"] = goal.done if same else f"{goal.done}，{goal.progress}"
        out[key] = text
    return out


def _unreported_pairs(rows: list[list[str]], keep: list[int]) -> list[int]:
    """The (figure, change) column pairs whose figure is 未报送 in every row that has figures."""
    drop = []
    for figure in (2, 4):
        cells = [row[figure] for row in rows if row[1] not in (UNREADABLE, INCOMPLETE)]
        if figure in keep and cells and all(c == UNREPORTED for c in cells):
            drop += [figure, figure + 1]
    return drop


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
) -> tuple[Table, str]:
    """本期, 上期, 环比, 上年同期, 同比, 年内累计: every change computed or explained.

    A column is shown only when it differs from another: an annual report's 上期 is its
    上年同期 (one pair, 上年 and 同比), and 年内累计 is 本期 itself in a Q1 or annual report.
    A window no ledger was sent for leaves its pair out, and the returned sentence says why.
    """
    rows: list[list[str]] = []
    numbers: list[list[Any]] = []  # the same cells as numbers (kpi.Quantity) for the .xlsx
    figures = (now, before, year_ago, ytd)
    for key, (label, unit, _amount, table) in kpi.HEADLINES.items():
        if key == "purchases_unspecified_yuan" and (
            table in blocked or not any(f[key].value for f in figures)
        ):
            continue  # a row only when some purchase does not say whose it was
        if table in blocked:  # never a figure (nor 未报送) from a ledger that was not read
            rows.append([label, *[_unread(blocked, table)] * 6])
            numbers.append([unit, *[None] * 6])
            continue
        windows = (win["period"], win["previous"], year_ago_p, win["ytd"])
        reported = tuple(_reported(tables, table, w) for w in windows)
        rows.append(_comparison_row(key, figures, reported, last))
        cur, pre, ago, ytd_q = (
            (f[key] if r else None) for f, r in zip(figures, reported, strict=True)
        )
        numbers.append([unit, cur, pre, None, ago, None, ytd_q])
    headers = ["指标", this, last, "环比", "上年同期", "同比", "年内累计"]
    numeric = [1, 2, 4, 6]
    keep = list(range(len(headers)))
    if _same(win["previous"], year_ago_p):  # a year: the previous period is last year
        headers[3] = "同比"
        keep = [i for i in keep if i not in (4, 5)]
    if _same(win["ytd"], win["period"]):
        keep.remove(6)
    dropped = _unreported_pairs(rows, keep)
    keep = [i for i in keep if i not in dropped]
    gone = [headers[i] for i in dropped[::2]]
    note = "".join(
        f"{headers[i]}没有台账数据，主要指标对比不列{headers[i]}和{headers[i + 1]}。"
        for i in dropped[::2]
    )
    data = _figures_frame(headers, keep, rows, numbers)
    headers = [headers[i] for i in keep]
    rows = [[row[i] for i in keep] for row in rows]
    shown = Table(
        "主要指标对比",
        headers,
        rows,
        numeric=[n for n, i in enumerate(keep) if i in numeric],
        data=data,
        sheet="主要指标",
    )
    if dropped and len(keep) == 2:  # one column of figures left: the cards already say it
        shown.rows, shown.empty = [], f"{'、'.join(gone)}没有台账数据，不列主要指标对比表。"
        return shown, ""  # (the Excel sheet keeps the figures: data)
    return shown, note


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


def quarter_labels(quarters: list[Period]) -> list[str]:
    """一季度 … 四季度 on a chart's axis, the first of each year with its year (2024年一季度)."""
    labels, seen = [], set()
    for q in quarters:
        name = f"{CN_NUMBERS[(q.start.month - 1) // 3]}季度"
        labels.append(name if q.start.year in seen else f"{q.start.year}年{name}")
        seen.add(q.start.year)
    return labels


def _panel(
    title: str,
    labels: list[str],
    values: list[Any],
    worded: list[str],
    reported: list[bool],
) -> Series:
    """One trend panel: a quarter no ledger was sent for is 未报送 with no bar, never a 0."""
    return Series(
        title,
        labels,
        [float(v) if r and pd.notna(v) else 0.0 for v, r in zip(values, reported, strict=True)],
        [w if r else UNREPORTED for w, r in zip(worded, reported, strict=True)],
    )


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
    labels = quarter_labels(quarters)
    keys = ("wishes", "donations", "purchases", "volunteering")
    sent = {k: [_reported(tables, k, q) for q in quarters] for k in keys}
    panels = [
        _panel(
            "心愿项目办结（项）",
            labels,
            t["wishes_resolved"].tolist(),
            [format_count(v) for v in t["wishes_resolved"]],
            sent["wishes"],
        ),
        _panel(
            "捐款捐物",
            labels,
            t["donations_yuan"].tolist(),
            format_amounts(t["donations_yuan"], t["donations_qualifier"], missing=NO_YUAN),
            sent["donations"],
        ),
        _panel(
            "消费帮扶采购",
            labels,
            t["purchases_yuan"].tolist(),
            format_amounts(t["purchases_yuan"], t["purchases_qualifier"]),
            sent["purchases"],
        ),
        _panel(
            "志愿服务活动（次）",
            labels,
            t["volunteer_activities"].tolist(),
            [format_count(v) for v in t["volunteer_activities"]],
            sent["volunteering"],
        ),
    ]
    shown = [s for s, table in zip(panels, keys, strict=True) if table not in blocked]
    return (
        Chart("trend", f"近{len(quarters)}个季度主要指标走势", "panels", shown) if shown else None
    )


def _completed(
    wishes: pd.DataFrame, period: Period, this: str, units: list[str] | None = None
) -> dict[str, Any]:
    """The items resolved in the period, named once: in the table (the lead counts them; in a
    group's report, ``units``, each item carries its unit and the lead counts them per unit)."""
    done = kpi.completed_items(wishes, period)
    if units:
        rank = {u: i for i, u in enumerate(units)}
        done = (
            done.assign(_rank=done["unit"].map(rank).fillna(len(rank)))
            .sort_values(["_rank", Col.RESOLVED_ON, Col.ITEM_ID], kind="stable")
            .drop(columns="_rank")
            .reset_index(drop=True)
        )
    headers = ["序号", "实事项目", "类别", "责任部门", "办结时间", "投入资金"]
    costs = format_amounts(done[Col.COST_YUAN], done[Col.COST_QUALIFIER], missing="未填写")
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
            "责任部门": done[Col.DEPARTMENT],
            "办结时间": done[Col.RESOLVED_ON],
            "投入资金（元）": done[Col.COST_YUAN],
        }
    )
    # each item is named once, in the table; an empty period is said once, by the table
    lead = f"{this}办结职工心愿清单实事项目{len(done)}项，明细见下表。" if len(done) else ""
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
            empty=f"{this}没有新办结的心愿清单项目。",
        ),
    }


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


#: The leader copy's only word on the data: the rows, files and key are the data-quality report's.
DATA_QUALITY_REFERENCE = "数据核对情况见同期数据质量报告。"


# --- what a reader sees (a new published version only when it changes) ---------------------------

#: Fields a reader does not see as content: the date it was made (cover, 落款), the
#: one-line reference to the data-quality report, file metadata and the tables behind the figures.
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
