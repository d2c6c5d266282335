"""Sentences for the leadership summary, written from the KPI results, never typed by hand.

Each function takes what :mod:`metrics.reporting.kpi` computed and returns plain Chinese sentences in the
register of an official summary; the figures go through :mod:`metrics.reporting.text`, so they are never
more precise than the source (a sum that includes "6万余元" is written "…余元").
"""

from __future__ import annotations

from typing import Any

import pandas as pd

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


def wish_sentence(wish: dict[str, Any], period: Period) -> str:
    """截至期末心愿清单总数、办结数和办结率；有逾期时点明。"""
    total, resolved = _value(wish["total"]), _value(wish["resolved"])
    if total == 0:
        return f"截至{period.label_cn}末，职工心愿清单暂无登记项目。"
    text = (
        f"截至{period.label_cn}末，职工心愿清单共梳理实事项目{_count(wish['total'], '项')}，"
        f"已办结{_count(wish['resolved'], '项')}，办结率{format_percent(resolved, total)}"
    )
    in_period = _value(wish["resolved_in_period"])
    if in_period:
        text += f"，其中本期办结{_count(wish['resolved_in_period'], '项')}"
    overdue = int(wish.get("overdue") or 0)
    text += f"；超过计划时限仍未办结的有{overdue}项。" if overdue else "，无逾期未办结项目。"
    return text


def donation_sentence(
    don: dict[str, Any], ytd: dict[str, Any], period: Period, top: pd.DataFrame | None = None
) -> str:
    """Donations in the period and the year; `top` (donations_by campaign) names the largest."""
    if _value(don["total"]) == 0 and _value(ytd["total"]) == 0:
        return f"{period.label_cn}未登记捐款捐物。"
    text = f"{period.label_cn}登记捐款捐物{_amount(don['total'])}"
    if top is not None and len(top):
        first = top.iloc[0]
        text += f"，其中“{first['campaign']}”{format_amount(first['amount_yuan'], first['amount_qualifier'])}"
    if period.grain != "year":
        text += f"；年内累计{_amount(ytd['total'])}"
    return text + "。"


def purchase_sentence(pur: dict[str, Any], ytd: dict[str, Any], period: Period) -> str:
    if _value(ytd["total"]) == 0:
        return f"{period.label_cn}未登记消费帮扶采购。"
    return (
        f"年内以企业名义采购帮扶地区农副产品{_amount(ytd['enterprise'])}，"
        f"干部职工自费采购{_amount(ytd['individual'])}"
        f"（其中本期{_amount(pur['total'])}）。"
    )


def volunteer_sentence(vol: dict[str, Any], ytd: dict[str, Any], period: Period) -> str:
    if _value(ytd["activities"]) == 0:
        return f"{period.label_cn}未登记志愿服务活动。"
    text = (
        f"各党支部年内累计开展志愿服务活动{_count(ytd['activities'], '次')}，"
        f"参与{_count(ytd['person_times'], '人次')}"
    )
    if period.grain != "year":
        text += f"；本期开展{_count(vol['activities'], '次')}"
    return text + "。"


def summary_sentences(
    period: Period,
    wish: dict[str, Any],
    don: dict[str, Any],
    don_ytd: dict[str, Any],
    pur: dict[str, Any],
    pur_ytd: dict[str, Any],
    vol: dict[str, Any],
    vol_ytd: dict[str, Any],
    top_campaigns: pd.DataFrame | None = None,
) -> list[str]:
    """The 3-5 sentences of the one-page summary."""
    return [
        wish_sentence(wish, period),
        donation_sentence(don, don_ytd, period, top_campaigns),
        purchase_sentence(pur, pur_ytd, period),
        volunteer_sentence(vol, vol_ytd, period),
    ]
