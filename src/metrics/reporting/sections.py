"""The four areas of the leadership report: 职工心愿清单, 捐款捐物, 消费帮扶 and 志愿服务.

Each area is a :class:`.parts.Section` of tables and chart data, worded by :mod:`.text`,
over the year so far (the wishes over the list as it stands at the period's end).
"""

from __future__ import annotations

import pandas as pd

from metrics import contract
from metrics.contract import TABLE_LABELS, Col
from metrics.periods import Period
from metrics.reporting import kpi
from metrics.reporting.parts import (
    BRANCHES_SHOWN,
    BUYER_CN,
    GOODS_SHOWN,
    NO_YUAN,
    STATUS_CN,
    Chart,
    Section,
    Series,
    Table,
    _rows,
    _text,
    _unread,
    branch_name,
)
from metrics.reporting.text import (
    currency_name,
    format_amounts,
    format_count,
    format_counts,
    format_date,
    format_percent,
)

#: What an area's ledger is called when none was sent for the year so far (未报送).
UNSENT_WHAT = {t: TABLE_LABELS[t] for t in ("donations", "purchases", "volunteering")}


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
            numbered[TABLE_LABELS["donations"]],
            lead=_donation_lead(tables["donations"], period, ytd),
            blocks=_donation_blocks(tables["donations"], ytd),
        ),
        Section(
            "purchases",
            numbered["消费帮扶"],
            lead=_review_lead(tables["purchases"], ytd, TABLE_LABELS["purchases"]),
            blocks=_purchase_blocks(tables["purchases"], ytd),
        ),
        Section(
            "volunteering",
            numbered[TABLE_LABELS["volunteering"]],
            blocks=_volunteer_blocks(tables["volunteering"], ytd, group),
        ),
    ]
    for s in sections:
        if s.key in blocked:
            s.blocks, s.unreadable = [], f"{_unread(blocked, s.key)}：{blocked[s.key]}"
        elif s.key in UNSENT_WHAT and not kpi.recorded(tables, s.key, ytd):
            # one sentence, not an empty table and an empty chart each saying 本期无数据
            s.lead, s.blocks = [f"{ytd.label_cn}未报送{UNSENT_WHAT[s.key]}台账。"], []
    return sections


def _wish_blocks(wishes: pd.DataFrame, period: Period, group: bool = False) -> list[Table | Chart]:
    by = kpi.wishes_by(wishes, period, "category")
    states = ("resolved", "in_progress", "pending")
    headers = ["类别", "项目数", *(STATUS_CN[s] for s in states), "办结率"]
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
        columns={"category": "类别", "total": "项目数", "resolution_rate": "办结率"}
        | {s: STATUS_CN[s] for s in states}
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
        计划完成时限=list(overdue[Col.DUE_ON]),
        计划完成时限精度=list(overdue.get(Col.DUE_ON_PRECISION, pd.Series("day", overdue.index))),
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
    amounts = format_amounts(frame[Col.AMOUNT_YUAN], frame[Col.AMOUNT_QUALIFIER], missing=NO_YUAN)
    rows = [
        [str(r[by]), a, str(n)]
        for (_, r), a, n in zip(frame.iterrows(), amounts, count, strict=True)
    ]
    data = pd.DataFrame(
        {
            "金额（元）": frame[Col.AMOUNT_YUAN],
            "精度": frame[Col.AMOUNT_QUALIFIER].map(contract.QUALIFIER_LABELS),
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


def _donation_lead(donations: pd.DataFrame, period: Period, ytd: Period) -> list[str]:
    """The year's near repeats, unless the summary's donation sentence already said them (the
    period is the year so far). Foreign currency and goods are the tables below, not a line."""
    if (period.start, period.end) == (ytd.start, ytd.end):
        return []
    return _review_lead(donations, ytd, TABLE_LABELS["donations"])


def _donation_blocks(donations: pd.DataFrame, ytd: Period) -> list[Table | Chart]:
    by = kpi.donations_by(donations, ytd, Col.CAMPAIGN)
    rows, data = _amount_rows(by, Col.CAMPAIGN)
    data.insert(0, "项目/用途", by[Col.CAMPAIGN])
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
                        "原币金额": foreign[Col.AMOUNT_ORIGINAL],
                        "精度": foreign[Col.AMOUNT_QUALIFIER].map(contract.QUALIFIER_LABELS),
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
                        "计量单位": goods[Col.ITEM_UNIT],
                        "笔数": goods["rows"],
                    }
                ),
                sheet="捐款捐物_物资",
            )
        )
    return blocks


def _purchase_blocks(purchases: pd.DataFrame, ytd: Period) -> list[Table | Chart]:
    by = kpi.purchases_by_buyer(purchases, ytd)
    amounts = format_amounts(by[Col.AMOUNT_YUAN], by[Col.AMOUNT_QUALIFIER])
    rows = [
        [
            BUYER_CN.get(r.buyer_type, str(r.buyer_type)),
            a,
            str(r.rows),
            r.regions.replace(", ", "、"),
        ]
        for r, a in zip(_rows(by), amounts, strict=True)
    ]
    _shown, data = _amount_rows(by, Col.BUYER_TYPE)
    data.insert(0, "采购主体", by[Col.BUYER_TYPE].map(BUYER_CN))
    data["供应地区"] = by["regions"].astype("string").str.replace(", ", "、")
    products = kpi.purchases_by(purchases, ytd, Col.PRODUCT)
    chart = Chart(
        "purchases_by_product",
        f"{ytd.label_cn}消费帮扶采购（按产品）",
        "barh",
        [
            Series(
                "",
                products[Col.PRODUCT].astype(str).tolist(),
                products[Col.AMOUNT_YUAN].astype(float).tolist(),
                format_amounts(products[Col.AMOUNT_YUAN], products[Col.AMOUNT_QUALIFIER]),
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
    by = kpi.volunteering_by(vol, ytd, Col.ORGANIZER, per_unit=group)
    title = f"{ytd.label_cn}各党支部志愿服务活动"
    if group:
        names = [branch_name(u, o) for u, o in zip(by["unit"], by[Col.ORGANIZER], strict=True)]
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
                by[Col.ORGANIZER].astype(str).tolist(),
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
                branch_name(u, o) for u, o in zip(best["unit"], best[Col.ORGANIZER], strict=True)
            ]
        )
    headers = ["日期", "组织单位", "活动", "服务成果"]
    rows = [
        [format_date(r.date), str(r.organizer), str(r.title), str(r.outcome)] for r in _rows(best)
    ]
    data = pd.DataFrame(
        {
            "日期": best["date"],
            "组织单位": best[Col.ORGANIZER],
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
