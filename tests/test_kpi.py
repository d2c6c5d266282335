"""KPI functions against small tables whose answers are worked out by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from metrics.cleaning.headers import load_table_specs
from metrics.cleaning.rows import table_columns
from metrics.periods import Period
from metrics.reporting import kpi

Q3, Q4 = Period.parse("2024Q3"), Period.parse("2024Q4")


def table(name: str, rows: list[dict]) -> pd.DataFrame:
    """A processed table with the contract's columns; unspecified cells are empty."""
    cols = table_columns(load_table_specs()[name])
    frame = pd.DataFrame(rows, columns=cols)
    for col in cols:
        if col.endswith("_qualifier"):
            frame[col] = frame[col].astype(object).fillna("exact")
    frame["unit"] = frame["unit"].astype(object).fillna("青江卷烟厂")
    frame["source_file"] = "t.xlsx"
    frame["source_sheet"] = "s"
    frame["source_row"] = range(2, len(frame) + 2)
    for col in ("raised_on", "due_on", "resolved_on", "date"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col])
    for col in ("amount_yuan", "cost_yuan", "hours"):
        if col in frame:
            frame[col] = frame[col].astype("float64")
    if "participants" in frame:
        frame["participants"] = frame["participants"].astype("Int64")
    return frame


@pytest.fixture
def wishes() -> pd.DataFrame:
    rows = []
    # 19 resolved: 14 by Q3's end, 5 in Q4
    for i in range(19):
        month = 2 + i % 7 if i < 14 else 10 + (i - 14) % 3
        rows.append(
            {
                "title": f"w{i}",
                "category": "生活保障" if i % 2 else "安全健康",
                "raised_on": "2024-01-05",
                "due_on": "2024-12-31",
                "status": "resolved",
                "resolved_on": f"2024-{month:02d}-15",
            }
        )
    rows.append(
        {
            "title": "late",
            "category": "文体活动",
            "raised_on": "2024-02-01",
            "due_on": "2024-11-30",
            "status": "in_progress",
        }
    )
    rows.append(
        {
            "title": "bus",
            "category": "生活保障",
            "raised_on": "2024-05-01",
            "due_on": "2025-03-31",
            "status": "in_progress",
        }
    )
    rows.append(
        {
            "title": "bath",
            "category": None,
            "raised_on": "2024-11-01",
            "due_on": "2025-06-30",
            "status": "pending",
        }
    )
    rows.append(
        {
            "title": "dropped",
            "category": "生活保障",
            "raised_on": "2024-03-01",
            "status": "cancelled",
        }
    )
    return table("wishes", rows)


def test_wish_summary_at_year_end(wishes: pd.DataFrame) -> None:
    s = kpi.wish_summary(wishes, Q4)
    assert s["total"].current.value == 22  # cancelled excluded
    assert s["resolved"].current.value == 19
    assert s["resolution_rate"] == pytest.approx(19 / 22)
    assert s["resolved_in_period"].current.value == 5
    assert s["resolved_in_period"].previous.value == 4  # months 7 and 8: i = 5, 6, 12, 13
    assert (s["in_progress"], s["pending"], s["overdue"]) == (2, 1, 1)
    assert s["new_in_period"].current.value == 1


def test_wish_summary_earlier_quarter_sees_fewer(wishes: pd.DataFrame) -> None:
    s = kpi.wish_summary(wishes, Q3)
    assert s["total"].current.value == 21  # 'bath' is raised in November
    assert s["resolved"].current.value == 14
    assert s["overdue"] == 0
    # the 5 items resolved in Q4 were still open at Q3's end: in_progress by their status
    assert s["in_progress"] == 5 + 2


def test_resolved_in_q3_counted_by_month(wishes: pd.DataFrame) -> None:
    months = kpi.resolved_by_month(wishes, Q4)
    assert months["month"].tolist()[0] == "2024-01" and len(months) == 12
    assert months["resolved"].sum() == 19
    q3 = months[months["month"].isin(["2024-07", "2024-08", "2024-09"])]["resolved"].sum()
    assert q3 == kpi.wish_summary(wishes, Q3)["resolved_in_period"].current.value


def test_median_days_and_by_category(wishes: pd.DataFrame) -> None:
    one = table(
        "wishes",
        [
            {
                "title": "a",
                "raised_on": "2024-01-01",
                "status": "resolved",
                "resolved_on": "2024-01-11",
                "category": "x",
            },
            {
                "title": "b",
                "raised_on": "2024-01-01",
                "status": "resolved",
                "resolved_on": "2024-01-31",
                "category": "x",
            },
            {
                "title": "c",
                "raised_on": "2024-01-01",
                "status": "resolved",
                "resolved_on": "2024-03-01",
                "category": "y",
            },
        ],
    )
    assert kpi.wish_summary(one, Q4)["median_days_to_resolve"] == 30.0
    by = kpi.wishes_by(wishes, Q4, "category")
    # 10 each (生活保障: 9 resolved + 'bus'; 'dropped' is cancelled); ties sort by name
    assert by["category"].tolist()[:2] == ["安全健康", "生活保障"]
    assert by["total"].tolist()[:2] == [10, 10]
    assert "未填写" in by["category"].tolist()
    assert by["total"].sum() == 22


def test_overdue_items(wishes: pd.DataFrame) -> None:
    items = kpi.overdue_items(wishes, Q4)
    assert items["title"].tolist() == ["late"]
    assert items["source_row"].tolist() == [21]


def test_qualifiers_carry_through_sums() -> None:
    don = table(
        "donations",
        [
            {
                "date": "2024-10-12",
                "campaign": "救助",
                "donor": "分工会",
                "kind": "cash",
                "amount_yuan": 60000,
                "amount_qualifier": "at_least",
            },
            {
                "date": "2024-11-03",
                "campaign": "温暖包",
                "donor": "后勤五党支部",
                "kind": "in_kind",
                "amount_yuan": 24000,
            },
            {
                "date": "2024-07-01",
                "campaign": "慰问",
                "donor": "党委",
                "kind": "cash",
                "amount_yuan": 12000,
            },
            {
                "date": "2024-10-15",
                "campaign": "老人",
                "donor": "后勤四党支部",
                "kind": "in_kind",
                "amount_yuan": 3000,
                "amount_qualifier": "about",
            },
        ],
    )
    # through the headline figures the reports print (issue 22: not a summary no report reads)
    tables = {**_empty_tables(), "donations": don}
    assert kpi.headline(tables, Q4)["donations_yuan"] == kpi.Quantity(87000.0, "about", 3)
    assert kpi.headline(tables, Q3)["donations_yuan"] == kpi.Quantity(12000.0, "exact", 1)
    cash = don[don["kind"] == "cash"]
    assert kpi.headline({**tables, "donations": cash}, Q4)["donations_yuan"] == kpi.Quantity(
        60000.0, "at_least", 1
    )
    by = kpi.donations_by(don, Q4, "campaign")
    assert by.iloc[0].tolist() == ["救助", 60000.0, "at_least", 1, 0]


def test_purchases_split_and_undated_rows() -> None:
    pur = table(
        "purchases",
        [
            {
                "date": "2024-06-18",
                "buyer": "厂",
                "buyer_type": "enterprise",
                "product": "莼菜",
                "amount_yuan": 120000,
                "amount_qualifier": "at_least",
            },
            {
                "date": "2024-11-06",
                "buyer": "厂",
                "buyer_type": "enterprise",
                "product": "腊肉",
                "amount_yuan": 80000,
            },
            {
                "date": "2024-12-10",
                "buyer": "管理人员自费",
                "buyer_type": "individual",
                "product": "礼包",
                "amount_yuan": 3100,
                "amount_qualifier": "at_least",
            },
            {
                "date": None,
                "buyer": "管理人员自费",
                "buyer_type": "individual",
                "product": "蜂蜜",
                "amount_yuan": 999,
            },
        ],
    )
    s = kpi.headline({**_empty_tables(), "purchases": pur}, Period.parse("2024"))
    assert s["purchases_enterprise_yuan"] == kpi.Quantity(200000.0, "at_least", 2)
    # the undated row is placed in no window
    assert s["purchases_individual_yuan"] == kpi.Quantity(3100.0, "at_least", 1)
    assert s["purchases_unspecified_yuan"] == kpi.Quantity(0.0, "exact", 0)


def test_purchases_by_buyer_lists_regions_largest_first() -> None:
    rows = [
        ("2024-03-01", "enterprise", "石柱县中益乡", 5000),
        ("2024-04-01", "enterprise", "巫溪县", 9000),
        ("2024-05-01", "individual", "石柱县中益乡", 300),
        ("2023-05-01", "individual", "奉节县", 99999),  # outside the year: no region listed
    ]
    pur = table(
        "purchases",
        [
            {
                "date": d,
                "buyer": "x",
                "buyer_type": t,
                "product": "p",
                "supplier_region": r,
                "amount_yuan": a,
            }
            for d, t, r, a in rows
        ],
    )
    by_buyer = kpi.purchases_by_buyer(pur, Period.parse("2024"))
    assert by_buyer["buyer_type"].tolist() == ["enterprise", "individual"]
    assert by_buyer["amount_yuan"].tolist() == [14000.0, 300.0]
    assert by_buyer["regions"].tolist() == ["巫溪县, 石柱县中益乡", "石柱县中益乡"]


def test_volunteering_people_hours_and_highlights() -> None:
    vol = table(
        "volunteering",
        [
            {
                "date": "2024-10-12",
                "organizer": "制丝车间党支部",
                "title": "帐篷",
                "theme": "疫情防控",
                "participants": 20,
                "participants_qualifier": "at_least",
                "hours": 4,
                "outcome": "搭建帐篷30余顶",
            },
            {
                "date": "2024-11-20",
                "organizer": "后勤五党支部",
                "title": "温暖包",
                "participants": 15,
                "hours": 3,
                "outcome": "送达温暖包120个",
            },
            {
                "date": "2024-12-01",
                "organizer": "后勤五党支部",
                "title": "清洁",
                "participants": None,
                "hours": None,
                "outcome": "环境整洁",
            },
            {
                "date": "2024-09-01",
                "organizer": "机关党支部",
                "title": "劝导",
                "participants": 8,
                "hours": 2,
            },
        ],
    )
    tables = {**_empty_tables(), "volunteering": vol}
    now, before = kpi.headline(tables, Q4), kpi.headline(tables, Q3)
    assert now["volunteer_activities"].value == 3 and before["volunteer_activities"].value == 1
    # the row with no participants is left out of the 人次, which stays a lower bound (余)
    assert now["volunteer_person_times"] == kpi.Quantity(35.0, "at_least", 2)
    hl = kpi.outcome_highlights(vol, Q4)
    assert hl["outcome"].tolist() == ["送达温暖包120个", "搭建帐篷30余顶"]
    by = kpi.volunteering_by(vol, Q4, "organizer")
    assert by.iloc[0]["organizer"] == "后勤五党支部" and by.iloc[0]["activities"] == 2


def test_empty_tables_and_empty_period() -> None:
    empty = {n: table(n, []) for n in ("wishes", "donations", "purchases", "volunteering")}
    p = Period.parse("2030Q1")
    assert kpi.wish_summary(empty["wishes"], p)["total"].current.value == 0
    assert kpi.headline(empty, p)["donations_yuan"] == kpi.Quantity(0.0, "exact", 0)
    assert kpi.headline(empty, p)["volunteer_person_times"].value == 0
    assert kpi.has_rows(empty, p) is False
    assert kpi.first_day(empty) is None
    assert set(kpi.headline(empty, p)) == set(kpi.HEADLINES)
    assert all(q.value == 0 for q in kpi.headline(empty, p).values())
    assert kpi.quarterly_trend(empty, kpi.trend_quarters(p, None)).shape[0] == 1


def test_filter_unit() -> None:
    don = table(
        "donations",
        [
            {"date": "2024-10-01", "donor": "a", "amount_yuan": 1, "unit": "甲厂"},
            {"date": "2024-10-01", "donor": "b", "amount_yuan": 2, "unit": "乙厂"},
        ],
    )
    tables = {"donations": don}
    assert kpi.units(tables) == ["乙厂", "甲厂"]
    assert kpi.filter_unit(tables, "甲厂")["donations"]["donor"].tolist() == ["a"]
    assert len(kpi.filter_unit(tables, "")["donations"]) == 2


def test_first_day_is_campaign_start(wishes: pd.DataFrame) -> None:
    tables = {n: table(n, []) for n in ("donations", "purchases", "volunteering")} | {
        "wishes": wishes
    }
    assert kpi.first_day(tables) == dt.date(2024, 1, 5)


def test_same_period_last_year() -> None:
    assert kpi.same_period_last_year(Q4).label == "2023Q4"
    assert kpi.same_period_last_year(Period.parse("2024H1")).label == "2023H1"
    assert kpi.same_period_last_year(Period.parse("2024-07")).label == "2023-07"
    assert kpi.same_period_last_year(Period.parse("2024")).label == "2023"


def test_trend_quarters_reach_back_to_the_data_at_most_eight() -> None:
    labels = [q.label for q in kpi.trend_quarters(Q4, dt.date(2024, 2, 3))]
    assert labels == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert len(kpi.trend_quarters(Q4, dt.date(2020, 1, 1))) == 8
    assert [q.label for q in kpi.trend_quarters(Period.parse("2024-11"), None)] == ["2024Q4"]


def test_completed_items_are_the_periods_by_name(wishes: pd.DataFrame) -> None:
    done = kpi.completed_items(wishes, Q4)
    # the fixture resolves w14..w18 in Q4 (Oct, Nov, Dec, Oct, Nov), ordered by date
    assert done["title"].tolist() == ["w14", "w17", "w15", "w18", "w16"]
    assert kpi.completed_items(wishes, Period.parse("2030Q1")).empty


def test_headline_and_recorded(wishes: pd.DataFrame) -> None:
    pur = table(
        "purchases",
        [
            {"date": "2024-10-02", "buyer_type": "enterprise", "amount_yuan": 80000},
            {
                "date": "2024-11-02",
                "buyer_type": "individual",
                "amount_yuan": 3100,
                "amount_qualifier": "at_least",
            },
        ],
    )
    tables = {"wishes": wishes, "purchases": pur} | {
        n: table(n, []) for n in ("donations", "volunteering")
    }
    h = kpi.headline(tables, Q4)
    assert h["wishes_resolved"].value == 5
    assert h["purchases_enterprise_yuan"] == kpi.Quantity(80000.0, "exact", 1)
    assert h["purchases_individual_yuan"] == kpi.Quantity(3100.0, "at_least", 1)
    assert kpi.recorded(tables, "purchases", Q4) and not kpi.recorded(tables, "purchases", Q3)
    assert not kpi.recorded(tables, "donations", Q4)


# --- near repeats, foreign currency and goods (no row turns into 0 yuan) -----------------------


def review_donations() -> pd.DataFrame:
    """Q4: one gift re-published two days later (a group of 2), one plain gift, one gift in
    dollars without a rate, one gift of masks; Q3: one plain gift."""
    frame = table(
        "donations",
        [
            {"date": "2024-10-10", "campaign": "救助", "donor": "甲公司", "amount_yuan": 5000},
            {"date": "2024-10-12", "campaign": "救助", "donor": "甲公司", "amount_yuan": 5000},
            {"date": "2024-11-01", "campaign": "慰问", "donor": "乙", "amount_yuan": 1200},
            {
                "date": "2024-11-05",
                "campaign": "抗疫",
                "donor": "丙基金会",
                "currency": "USD",
                "amount_original": 33133,
            },
            {
                "date": "2024-12-01",
                "campaign": "抗疫",
                "donor": "丁厂",
                "kind": "in_kind",
                "item": "防护口罩",
                "item_unit": "包",
                "quantity": 12500,
            },
            {"date": "2024-08-01", "campaign": "防汛", "donor": "戊", "amount_yuan": 800},
        ],
    )
    frame["kind"] = frame["kind"].fillna("cash")
    frame["currency"] = frame["currency"].fillna("CNY")
    frame["review_group"] = pd.array(["捐赠-1", "捐赠-1", None, None, None, None], "string")
    frame["review_repeat"] = [False, True, False, False, False, False]
    frame["amount_original"] = frame["amount_original"].astype("float64")
    frame["quantity"] = frame["quantity"].astype("float64")
    return frame


def test_a_near_repeat_counts_once_and_rows_without_yuan_make_the_sum_a_lower_bound() -> None:
    don = review_donations()
    tables = {**_empty_tables(), "donations": don}
    # 5000 (the repeat left out) + 1200 = 6200 from 2 rows; the dollars and the masks have no
    # yuan: 2 rows left out, so the true total is at least 6200 (余), never a clean 6200
    assert kpi.headline(tables, Q4)["donations_yuan"] == kpi.Quantity(6200.0, "at_least", 2, 2)
    assert kpi.headline(tables, Q3)["donations_yuan"] == kpi.Quantity(800.0, "exact", 1, 0)
    goods = don[don["kind"] == "in_kind"]  # the masks alone: no yuan at all, never 0元
    assert kpi.headline({**tables, "donations": goods}, Q4)["donations_yuan"] == kpi.Quantity(
        None, "at_least", 0, 1
    )
    by = kpi.donations_by(don, Q4, "campaign")
    assert _listed(by) == [
        ["救助", 5000.0, "exact", 1, 0],
        ["慰问", 1200.0, "exact", 1, 0],
        ["抗疫", None, "at_least", 0, 2],
    ]
    assert kpi.review_counts(don, Q4)["rows"] == 2
    assert kpi.review_counts(don, Q4)["groups"] == 1
    assert kpi.review_counts(don, Q3)["rows"] == 0


def test_foreign_currency_and_goods_are_listed_apart() -> None:
    don = review_donations()
    assert kpi.foreign_amounts(don, Q4).values.tolist() == [["USD", 33133.0, "exact", 1]]
    assert kpi.goods_in_kind(don, Q4).values.tolist() == [["防护口罩", "包", 12500.0, 1, 1]]
    assert kpi.foreign_amounts(don, Q3).empty and kpi.goods_in_kind(don, Q3).empty


def test_goods_are_added_only_within_one_item_and_unit() -> None:
    rows = [
        {"item": "防护口罩", "item_unit": "包", "quantity": 10000},
        {"item": "防护口罩", "item_unit": "包", "quantity": 2500},
        {"item": "防护口罩", "item_unit": "箱", "quantity": 30},
        {"item": "防护服", "item_unit": "件", "quantity": None},
    ]
    don = table(
        "donations",
        [{"date": "2024-10-01", "campaign": "抗疫", "kind": "in_kind", **r} for r in rows],
    )
    don["quantity"] = don["quantity"].astype("float64")
    goods = kpi.goods_in_kind(don, Q4)
    assert _listed(goods) == [
        ["防护口罩", "包", 12500.0, 2, 2],
        ["防护口罩", "箱", 30.0, 1, 1],
        ["防护服", "件", None, 0, 1],
    ]


def _listed(frame: pd.DataFrame) -> list[list[object]]:
    """A frame's rows as lists, a missing figure as None (NaN never equals NaN)."""
    return frame.astype(object).where(frame.notna(), None).values.tolist()


def _empty_tables() -> dict[str, pd.DataFrame]:
    return {name: table(name, []) for name in ("wishes", "donations", "purchases", "volunteering")}
