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
from metrics.periods import Period
from metrics.reporting.kpi import Compared, Quantity
from metrics.reporting.text import format_amount, format_count, format_percent


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
    now: Quantity, ytd: Quantity, top: pd.DataFrame | None, period: Period, this: str = "本期"
) -> str:
    """The period's donations, the largest campaign, and the year's total (each once)."""
    if _value(now) == 0 and _value(ytd) == 0:
        return f"{period.label_cn}及年内均未登记捐款捐物。"
    if _value(now) == 0:
        text = f"{this}未登记捐款捐物"
    else:
        text = f"{this}登记捐款捐物{_amount(now)}"
        if top is not None and len(top) > 1:
            first = top.iloc[0]
            text += f"，其中“{first['campaign']}”{format_amount(first['amount_yuan'], first['amount_qualifier'])}"
    if period.grain != "year" and _value(ytd) != _value(now):
        text += f"；年内累计{_amount(ytd)}"
    return text + "。"


def purchase_sentence(
    now: dict[str, Quantity], ytd: dict[str, Quantity], period: Period, this: str = "本期"
) -> str:
    """年内合计, then its two parts (企业 / 干部职工自费), then the period's own total.

    The period's total is its own sentence part: in brackets after the personal figure it read
    as a part of that figure, larger than the whole (issue 14).
    """
    ent, ind = ytd["purchases_enterprise_yuan"], ytd["purchases_individual_yuan"]
    if _value(ent) + _value(ind) == 0:
        return f"{period.label_cn}及年内均未登记消费帮扶采购。"
    total = _total([ent, ind])
    lead = "年内" if period.grain != "year" else f"{period.label_cn}"
    text = f"{lead}消费帮扶采购共{_amount(total)}"
    parts = []
    if _value(ent):
        parts.append(f"以企业名义采购帮扶地区农副产品{_amount(ent)}")
    if _value(ind):
        parts.append(f"干部职工自费采购{_amount(ind)}")
    if len(parts) == 2:
        text += "，其中" + "，".join(parts)
    if period.grain != "year":
        this_total = _total([now["purchases_enterprise_yuan"], now["purchases_individual_yuan"]])
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
    return Quantity(
        sum(float(q.value or 0) for q in parts),
        combine_qualifiers([q.qualifier for q in parts]),
        sum(q.rows for q in parts),
    )


def volunteer_sentence(
    now: dict[str, Quantity], ytd: dict[str, Quantity], period: Period, this: str = "本期"
) -> str:
    if _value(ytd["volunteer_activities"]) == 0:
        return f"{period.label_cn}及年内均未登记志愿服务活动。"
    text = f"各党支部年内累计开展志愿服务活动{_count(ytd['volunteer_activities'], '次')}"
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
    parts = [f"{t.label}完成{t.progress}" for t in targets]
    return "对照年度目标，" + "，".join(parts) + "。"
