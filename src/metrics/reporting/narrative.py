"""Sentences for the leadership summary, written from the KPI results, never typed by hand.

Each function takes what :mod:`metrics.reporting.kpi` computed and returns a plain Chinese
sentence in the register of an official summary. The figures go through
:mod:`metrics.reporting.text`, so they are never more precise than the source, and across the
summary's sentences each figure appears once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from metrics.cleaning.parsing import combine_qualifiers
from metrics.contract import Col
from metrics.periods import Period
from metrics.reporting.kpi import UNFILLED, Compared, Quantity
from metrics.reporting.text import currency_name, format_amount, format_count, format_percent


def _count(q: Quantity | Compared, unit: str) -> str:
    q = q.current if isinstance(q, Compared) else q
    return format_count(q.value, q.qualifier, unit)


def _amount(q: Quantity | Compared) -> str:
    q = q.current if isinstance(q, Compared) else q
    return format_amount(q.value, q.qualifier)


def _value(q: Quantity | Compared | None) -> float:
    if q is None:
        return 0.0
    q = q.current if isinstance(q, Compared) else q
    return float(q.value or 0)


def _and_year(period: Period) -> str:
    """及年内, except in an annual report, whose period is the year (2024年均未登记…)."""
    return "" if period.grain == "year" else "及年内"


def wish_sentence(wish: dict[str, Any], period: Period, this: str = "本期") -> str:
    """截至期末心愿清单总数、办结数和办结率，本期办结数；有逾期时点明。"""
    total, resolved = _value(wish["total"]), _value(wish["resolved"])
    if total == 0:
        return f"截至{period.label_cn}末，职工心愿清单暂无登记项目。"
    text = (
        f"截至{period.label_cn}末，职工心愿清单共梳理实事项目{_count(wish['total'], '项')}，"
        f"已办结{_count(wish['resolved'], '项')}，办结率{format_percent(resolved, total)}"
    )
    in_period = _value(wish["resolved_in_period"])
    if in_period:
        text += f"，其中{this}办结{_count(wish['resolved_in_period'], '项')}"
    overdue = int(wish.get("overdue") or 0)
    text += f"；超过计划时限仍未办结的有{overdue}项。" if overdue else "，无逾期未办结项目。"
    return text


def donation_sentence(
    now: Quantity,
    ytd: Quantity,
    top: pd.DataFrame | None,
    period: Period,
    this: str = "本期",
    *,
    review: dict[str, Any] | None = None,
    apart: str = "",
) -> str:
    """The period's donations, the largest campaign, and the year's total (each once).

    ``review`` (near repeats under review in the period) and ``apart`` (the period's foreign
    currency and goods, see :func:`apart_note`) are said in the same sentence, so a figure
    that counts a repeat once or leaves rows out is never read as clean.
    """
    if _value(now) == 0 and _value(ytd) == 0 and not now.left_out and not ytd.left_out:
        return f"{period.label_cn}{_and_year(period)}均未登记捐款捐物。"
    if now.value is None and now.left_out:
        text = f"{this}登记捐款捐物{now.left_out}笔，均无人民币金额"
    elif _value(now) == 0:
        text = f"{this}未登记捐款捐物"
    else:
        text = f"{this}登记捐款捐物{_amount(now)}"
        note = review_note(review or {})
        if note:
            text += f"，{note}"
        if (
            top is not None
            and len(top) > 1
            and pd.notna(top.iloc[0][Col.AMOUNT_YUAN])
            and top.iloc[0][Col.CAMPAIGN] != UNFILLED  # not 其中“未填写”1.4亿余元
        ):
            first = top.iloc[0]
            figure = format_amount(first[Col.AMOUNT_YUAN], first[Col.AMOUNT_QUALIFIER])
            text += (
                f"；按项目以“{first[Col.CAMPAIGN]}”最多，为{figure}"
                if note
                else f"，其中“{first[Col.CAMPAIGN]}”{figure}"
            )
    if apart:
        text += f"；{apart}"
    if period.grain != "year" and (_value(ytd) != _value(now) or ytd.left_out != now.left_out):
        text += f"；年内累计{_amount(ytd)}" if ytd.value is not None else ""
        extra = ytd.left_out - now.left_out
        if extra > 0:
            text += f"（另有{extra}笔外币或物资捐赠未计入，见捐款捐物部分）"
    return text + "。"


def review_note(review: dict[str, Any]) -> str:
    """其中N笔疑似重复，待核实（已按一笔计入）: rows flagged as near repeats, counted once."""
    rows, groups = int(review.get("rows") or 0), int(review.get("groups") or 0)
    if not rows:
        return ""
    if groups <= 1:
        return f"其中{rows}笔疑似重复，待核实（已按一笔计入）"
    return f"其中{rows}笔疑似重复，分属{groups}组，待核实（每组已按一笔计入）"


def apart_note(foreign: pd.DataFrame, goods: pd.DataFrame) -> str:
    """The gifts a yuan total leaves out, said apart, with how many rows they are and why.

    另有美元捐款3.31万美元（1笔，未折算人民币）、物资捐赠1笔（只有数量：防护口罩1.25万包），
    均未计入人民币金额.
    """
    parts = []
    for r in _records(foreign):
        name = currency_name(str(r.currency))
        figure = format_count(r.amount_original, str(r.amount_qualifier), name)
        parts.append(f"{name}捐款{figure}（{r.rows}笔，未折算人民币）")
    if len(goods):
        items = "、".join(_goods(r) for r in _records(goods.head(5)))
        more = "等" if len(goods) > 5 else ""
        parts.append(f"物资捐赠{int(goods['rows'].sum())}笔（只有数量：{items}{more}）")
    if not parts:
        return ""
    return "另有" + "、".join(parts) + "，均未计入人民币金额"


def _records(frame: pd.DataFrame) -> list[Any]:
    """A frame's rows as named tuples (typed Any: pandas' cell types are a union of everything)."""
    return list(frame.itertuples())


def _goods(r: Any) -> str:
    """防护口罩1.25万包; a row with no quantity: 防护服（2笔未填数量）."""
    if r.quantity is None or pd.isna(r.quantity):
        return f"{r.item}（{r.rows}笔未填数量）"
    text = f"{r.item}{format_count(r.quantity, 'exact', str(r.item_unit))}"
    missing = int(r.rows) - int(r.quantity_known)
    return text + (f"（另有{missing}笔未填数量）" if missing else "")


def purchase_sentence(
    now: dict[str, Quantity], ytd: dict[str, Quantity], period: Period, this: str = "本期"
) -> str:
    """年内合计, then its parts (企业 / 干部职工自费 / 未注明), then the period's own total.

    The period's total is its own sentence part: in brackets after the personal figure it read
    as a part of that figure, larger than the whole (issue 14). A purchase whose buyer says
    neither (办公室, 张某) is in the total and named apart, never in either part.
    """
    keys = ("purchases_enterprise_yuan", "purchases_individual_yuan", "purchases_unspecified_yuan")
    ent, ind, unk = (ytd.get(k, Quantity(0.0)) for k in keys)
    if _value(ent) + _value(ind) + _value(unk) == 0:
        return f"{period.label_cn}{_and_year(period)}均未登记消费帮扶采购。"
    total = _total([ent, ind, unk])
    lead = "年内" if period.grain != "year" else f"{period.label_cn}"
    text = f"{lead}消费帮扶采购共{_amount(total)}"
    parts = []
    if _value(ent):
        parts.append(f"以企业名义采购帮扶地区农副产品{_amount(ent)}")
    if _value(ind):
        parts.append(f"干部职工自费采购{_amount(ind)}")
    if _value(unk):
        parts.append(f"未注明采购主体类型的{_amount(unk)}")
    if len(parts) >= 2:
        text += "，其中" + "，".join(parts)
    elif _value(unk):
        text += "，均未注明采购主体类型"
    if period.grain != "year":
        this_total = _total([now.get(k, Quantity(0.0)) for k in keys])
        if _value(this_total) == _value(total):
            text += f"，均在{this}采购"
        else:
            text += (
                f"；{this}采购{_amount(this_total)}"
                if _value(this_total)
                else f"；{this}未登记采购"
            )
    return text + "。"


def _total(parts: Sequence[Quantity]) -> Quantity:
    """A sum of figures by text.SUM_RULE (余 with a 余 term, 约 with a 约 term, 约 with both),
    keeping the rows its parts left out (so a total never reads cleaner than its parts)."""
    return Quantity(
        sum(float(q.value or 0) for q in parts),
        combine_qualifiers([q.qualifier for q in parts]),
        sum(q.rows for q in parts),
        sum(q.left_out for q in parts),
    )


def volunteer_sentence(
    now: dict[str, Quantity], ytd: dict[str, Quantity], period: Period, this: str = "本期"
) -> str:
    if _value(ytd["volunteer_activities"]) == 0:
        return f"{period.label_cn}{_and_year(period)}均未登记志愿服务活动。"
    lead = "全年" if period.grain == "year" else "年内累计"
    text = f"各党支部{lead}开展志愿服务活动{_count(ytd['volunteer_activities'], '次')}"
    if _value(ytd["volunteer_person_times"]):
        text += f"，参与{_count(ytd['volunteer_person_times'], '人次')}"
    if period.grain != "year":
        same = _value(now["volunteer_activities"]) == _value(ytd["volunteer_activities"])
        text += (
            f"，均在{this}开展"
            if same
            else f"，其中{this}开展{_count(now['volunteer_activities'], '次')}"
        )
    return text + "。"


def target_sentence(targets: Sequence[Any]) -> str:
    """对照年度目标: progress only (the figures themselves are in the sentences above)."""
    if not targets:
        return ""
    parts = [f"{t.label}完成{t.progress}{getattr(t, 'note', '')}" for t in targets]
    return "对照年度目标，" + "，".join(parts) + "。"
