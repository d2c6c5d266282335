"""KPIs as pure functions of the processed tables and a Period.

Figures are :class:`Quantity` values that remember how precise their source rows were (a sum
that includes one "6万余元" is itself at_least) and how many rows they sum, so every number in a
report can be traced back. Formatting into Chinese is :mod:`metrics.reporting.text`'s job, not this one's.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from metrics.cleaning.context import deadline_end
from metrics.cleaning.parsing import combine_qualifiers
from metrics.contract import BUYER_TYPES, Col
from metrics.periods import Period, campaign_to_date
from metrics.scope import ordered_units

UNFILLED = "未填写"
STATUS_ORDER = ["resolved", "in_progress", "pending"]


@dataclass(frozen=True)
class Quantity:
    """A figure with the precision of its source and the number of rows behind it."""

    value: float | None
    qualifier: str = "exact"
    rows: int = 0
    #: rows of the window the sum could not include (foreign currency without a rate, goods
    #: with only a quantity): the yuan figure is then a lower bound, never a clean-looking total
    left_out: int = 0


@dataclass(frozen=True)
class Compared:
    """A KPI for the period and for the previous period of the same length."""

    current: Quantity
    previous: Quantity


def qsum(values: pd.Series, qualifiers: pd.Series) -> Quantity:
    """Sum with qualifiers carried through; missing values are ignored, not zeroed silently."""
    known = values.notna()
    if not known.any():
        return Quantity(0.0, "exact", 0)
    total = float(pd.to_numeric(values[known]).sum())
    return Quantity(
        round(total, 2), combine_qualifiers(qualifiers[known].astype(str)), int(known.sum())
    )


def count(n: int) -> Quantity:
    return Quantity(float(n), "exact", int(n))


# --- units and windows -------------------------------------------------------------------------


def filter_unit(tables: dict[str, pd.DataFrame], unit: str | None) -> dict[str, pd.DataFrame]:
    """Only one reporting unit's rows (all rows when unit is empty)."""
    if not unit:
        return tables
    return {
        name: frame[frame["unit"] == unit].reset_index(drop=True) for name, frame in tables.items()
    }


def units(tables: dict[str, pd.DataFrame], declared: list[str] | None = None) -> list[str]:
    """The units in the tables, as declared and then in natural order (第2 before 第10)."""
    found = {u for f in tables.values() for u in f["unit"].dropna().unique()}
    return ordered_units(found, declared or [])


def branch_keys(frame: pd.DataFrame, by: str, per_unit: bool) -> list[str]:
    """The columns a table of branches groups on: a branch is its unit's own when several units
    are in scope (一厂卷包车间党支部 and 二厂卷包车间党支部 are two branches)."""
    return ["unit", by] if per_unit and "unit" in frame.columns else [by]


def first_day(tables: dict[str, pd.DataFrame]) -> dt.date | None:
    """The earliest date recorded anywhere: where 'campaign to date' starts."""
    stamps = []
    for name, cols in {
        "wishes": [Col.RAISED_ON, Col.RESOLVED_ON],
        "donations": ["date"],
        "purchases": ["date"],
        "volunteering": ["date"],
    }.items():
        frame = tables.get(name)
        if frame is None or frame.empty:
            continue
        for col in cols:
            if frame[col].notna().any():
                stamps.append(pd.Timestamp(frame[col].min()))
    return min(stamps).date() if stamps else None


def windows(period: Period, first: dt.date | None) -> dict[str, Period]:
    return {
        "period": period,
        "previous": period.previous(),
        "ytd": period.year_to_date(),
        Col.CAMPAIGN: campaign_to_date(period, first),
    }


def has_rows(tables: dict[str, pd.DataFrame], window: Period) -> bool:
    """Whether anything was recorded in the window: a wish raised or resolved, or any dated row.

    A report for a window with none must say so rather than show a page of zeros.
    """
    wishes = tables["wishes"]
    if window.mask(wishes[Col.RAISED_ON]).any() or window.mask(wishes[Col.RESOLVED_ON]).any():
        return True
    return any(
        window.mask(tables[t]["date"]).any() for t in ("donations", "purchases", "volunteering")
    )


def in_window(frame: pd.DataFrame, window: Period, column: str = "date") -> pd.DataFrame:
    return frame[window.mask(frame[column])]


# --- wishes ------------------------------------------------------------------------------------


def _as_of(wishes: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Wish items as they stood at the end of `day`: existing, not cancelled, with a status then."""
    end = pd.Timestamp(day)
    frame = wishes[(wishes["status"] != "cancelled")]
    frame = frame[frame[Col.RAISED_ON].isna() | (frame[Col.RAISED_ON] <= end)]
    resolved = (frame[Col.RESOLVED_ON] <= end).fillna(False) | (
        (frame["status"] == "resolved") & frame[Col.RESOLVED_ON].isna()
    )
    started = frame["status"].isin(["in_progress", "resolved"])
    state = pd.Series("pending", index=frame.index, dtype=object)
    state[started] = "in_progress"
    state[resolved] = "resolved"
    return frame.assign(state_at=state)


def _wish_counts(wishes: pd.DataFrame, window: Period) -> dict[str, int]:
    at = _as_of(wishes, window.end)
    raised = window.mask(wishes[Col.RAISED_ON]) & (wishes["status"] != "cancelled")
    resolved_in = window.mask(wishes[Col.RESOLVED_ON]) & (wishes["status"] != "cancelled")
    return {
        "total": len(at),
        "resolved": int((at["state_at"] == "resolved").sum()),
        "new_in_period": int(raised.sum()),
        "resolved_in_period": int(resolved_in.sum()),
    }


def wish_summary(wishes: pd.DataFrame, period: Period) -> dict[str, Any]:
    """Headline wish-list figures at the period's end, compared with the previous period."""
    now, before = _wish_counts(wishes, period), _wish_counts(wishes, period.previous())
    at = _as_of(wishes, period.end)
    end = pd.Timestamp(period.end)
    done = at[
        (at["state_at"] == "resolved") & at[Col.RESOLVED_ON].notna() & at[Col.RAISED_ON].notna()
    ]
    days = (done[Col.RESOLVED_ON] - done[Col.RAISED_ON]).dt.days
    due = deadline_end(at[Col.DUE_ON], at.get(Col.DUE_ON_PRECISION))  # 2024年11月: to 30 Nov
    overdue = (at["state_at"] != "resolved") & (due < end).fillna(False)
    total = now["total"]
    return {
        **{k: Compared(count(now[k]), count(before[k])) for k in now},
        "resolution_rate": (now["resolved"] / total) if total else None,
        "in_progress": int((at["state_at"] == "in_progress").sum()),
        "pending": int((at["state_at"] == "pending").sum()),
        "overdue": int(overdue.sum()),
        "median_days_to_resolve": float(days.median()) if len(days) else None,
    }


def status_counts(wishes: pd.DataFrame, period: Period) -> pd.DataFrame:
    at = _as_of(wishes, period.end)
    counts = at["state_at"].value_counts()
    return pd.DataFrame(
        {"status": STATUS_ORDER, "count": [int(counts.get(s, 0)) for s in STATUS_ORDER]}
    )


def wishes_by(
    wishes: pd.DataFrame, period: Period, by: str, per_unit: bool = False
) -> pd.DataFrame:
    """Wish items by category or department, as they stood at the period's end.

    ``per_unit``: a department is its unit's own (a group's report; see :func:`branch_keys`).
    """
    at = _as_of(wishes, period.end)
    keys = branch_keys(at, by, per_unit)
    cols = [*keys, "total", "resolved", "in_progress", "pending", "resolution_rate"]
    if at.empty:
        return pd.DataFrame(columns=cols)
    at = at.assign(**{by: at[by].astype(object).where(at[by].notna(), UNFILLED)})
    table = pd.crosstab([at[k] for k in keys], at["state_at"]).reindex(
        columns=STATUS_ORDER, fill_value=0
    )
    table["total"] = table.sum(axis=1)
    table["resolution_rate"] = table["resolved"] / table["total"]
    table = table.reset_index().rename(columns={"index": by})
    return table.sort_values(
        ["total", *keys], ascending=[False] + [True] * len(keys), ignore_index=True
    )[cols]


def overdue_items(wishes: pd.DataFrame, period: Period) -> pd.DataFrame:
    at = _as_of(wishes, period.end)
    at = at.assign(due_on_precision=at.get(Col.DUE_ON_PRECISION, "day"))  # day | month
    due = deadline_end(at[Col.DUE_ON], at[Col.DUE_ON_PRECISION])
    mask = (at["state_at"] != "resolved") & (due < pd.Timestamp(period.end)).fillna(False)
    cols = [
        Col.ITEM_ID,
        "title",
        Col.DEPARTMENT,
        Col.LEADER,
        Col.DUE_ON,
        Col.DUE_ON_PRECISION,
        "status",
        "unit",
        Col.SOURCE_FILE,
        Col.SOURCE_SHEET,
        Col.SOURCE_ROW,
    ]
    cols = [c for c in cols if c in at.columns]
    return at.loc[mask, cols].sort_values(Col.DUE_ON, ignore_index=True)


def resolved_by_month(wishes: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Items resolved in each month of the year to date (zeros included)."""
    ytd = period.year_to_date()
    months = pd.period_range(ytd.start, ytd.end, freq="M")
    live = wishes[wishes["status"] != "cancelled"]
    done = (
        live.loc[ytd.mask(live[Col.RESOLVED_ON]), Col.RESOLVED_ON].dt.to_period("M").value_counts()
    )
    return pd.DataFrame(
        {"month": [str(m) for m in months], "resolved": [int(done.get(m, 0)) for m in months]}
    )


# --- donations and purchases -------------------------------------------------------------------


def counted(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows a figure counts: a near repeat under review counts once, by its group's first row.

    ``review_repeat`` is True for every row of a group flagged for review but the first read;
    the rows stay in the tables (and in the data-quality report) until the analyst decides.
    """
    if Col.REVIEW_REPEAT not in frame.columns:
        return frame
    return frame[~frame[Col.REVIEW_REPEAT].eq(True)]


def _amount(frame: pd.DataFrame) -> Quantity:
    """Yuan summed once per row counted; rows with no yuan make the sum a lower bound (余).

    A foreign-currency gift without a rate or a gift of goods has a value the yuan figure does
    not hold, so the true total is at least the sum: it takes 余 and remembers how many rows it
    left out. With no yuan at all but such rows, the value is None (no yuan figure), never 0.
    """
    rows = counted(frame)
    q = qsum(rows[Col.AMOUNT_YUAN], rows[Col.AMOUNT_QUALIFIER])
    missing = int(rows[Col.AMOUNT_YUAN].isna().sum())
    if not missing:
        return q
    if not q.rows:
        return Quantity(None, "at_least", 0, missing)
    return Quantity(q.value, combine_qualifiers([q.qualifier, "at_least"]), q.rows, missing)


def _split(
    frame: pd.DataFrame, window: Period, column: str, parts: tuple[str, ...]
) -> dict[str, Quantity]:
    """The window's total amount and its parts by one column (cash / in_kind, enterprise / …)."""
    rows = in_window(frame, window)
    return {"total": _amount(rows)} | {p: _amount(rows[rows[column] == p]) for p in parts}


def _amount_by(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    cols = [by, Col.AMOUNT_YUAN, Col.AMOUNT_QUALIFIER, "rows", "left_out"]
    frame = counted(frame)
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame = frame.assign(**{by: frame[by].astype(object).where(frame[by].notna(), UNFILLED)})
    rows = []
    for key, group in frame.groupby(by, sort=False):
        q = _amount(group)
        rows.append(
            {
                by: key,
                Col.AMOUNT_YUAN: q.value,
                Col.AMOUNT_QUALIFIER: q.qualifier,
                "rows": q.rows,
                "left_out": q.left_out,
            }
        )
    return pd.DataFrame(rows, columns=cols).sort_values(
        [Col.AMOUNT_YUAN, by], ascending=[False, True], ignore_index=True
    )


def donations_by(donations: pd.DataFrame, period: Period, by: str) -> pd.DataFrame:
    return _amount_by(in_window(donations, period), by)


def review_counts(frame: pd.DataFrame, window: Period) -> dict[str, Any]:
    """Near repeats under review among the window's rows (rows, groups, rows left out of sums)."""
    from metrics.cleaning.duplicates import under_review

    return under_review(in_window(frame, window))


def foreign_amounts(donations: pd.DataFrame, window: Period) -> pd.DataFrame:
    """Foreign-currency gifts with no yuan figure, by currency: never counted as yuan.

    Rows whose currency has a rate in shishi.toml have amount_yuan and are in the yuan sums.
    """
    rows = counted(in_window(donations, window))
    cols = ["currency", Col.AMOUNT_ORIGINAL, Col.AMOUNT_QUALIFIER, "rows"]
    if "currency" not in rows.columns:
        return pd.DataFrame(columns=cols)
    cur = rows["currency"].astype("string").str.strip().str.upper()
    rows = rows[rows[Col.AMOUNT_YUAN].isna() & cur.notna() & (cur != "") & (cur != "CNY")]
    rows = rows.assign(currency=cur[rows.index])
    out = []
    for code, group in rows.groupby("currency", sort=True):
        q = qsum(group[Col.AMOUNT_ORIGINAL], group[Col.AMOUNT_QUALIFIER])
        out.append([code, q.value, q.qualifier, len(group)])
    return pd.DataFrame(out, columns=cols)


def goods_in_kind(donations: pd.DataFrame, window: Period) -> pd.DataFrame:
    """Gifts of goods with no yuan figure, by item and unit (口罩 1.25万包): never counted as yuan.

    Quantities are added only within one item and one unit (箱 and 个 are never summed).
    A row with neither a yuan figure, a foreign amount nor a quantity is counted under 未填写.
    """
    rows = counted(in_window(donations, window))
    rows = rows[rows[Col.AMOUNT_YUAN].isna()]
    if "currency" in rows.columns:
        cur = rows["currency"].astype("string").str.strip().str.upper().fillna("")
        rows = rows[(cur == "") | (cur == "CNY")]
    cols = ["item", Col.ITEM_UNIT, "quantity", "quantity_known", "rows"]
    if rows.empty or "quantity" not in rows.columns:
        return pd.DataFrame(columns=cols)
    item = rows["item"].astype("string").str.strip()
    name = item.where(item.notna() & (item != ""), rows[Col.CAMPAIGN].astype("string"))
    name = name.fillna(UNFILLED)
    unit = rows[Col.ITEM_UNIT].astype("string").str.strip().fillna("")
    rows = rows.assign(_item=name, _unit=unit)
    out = []
    for (key, unit_name), group in rows.groupby(["_item", "_unit"], sort=False):
        known = group["quantity"].notna()
        total = float(pd.to_numeric(group.loc[known, "quantity"]).sum()) if known.any() else None
        out.append([key, unit_name, total, int(known.sum()), len(group)])
    return pd.DataFrame(out, columns=cols).sort_values(
        ["rows", "item"], ascending=[False, True], ignore_index=True
    )


def purchases_by_buyer(purchases: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Purchases by buyer type, each with the regions it bought from (largest first)."""
    table = purchases_by(purchases, period, Col.BUYER_TYPE)
    regions = [
        ", ".join(
            purchases_by(purchases[purchases[Col.BUYER_TYPE] == t], period, Col.SUPPLIER_REGION)[
                Col.SUPPLIER_REGION
            ]
        )
        for t in table[Col.BUYER_TYPE]
    ]
    return table.assign(regions=regions)


def purchases_by(purchases: pd.DataFrame, period: Period, by: str) -> pd.DataFrame:
    return _amount_by(in_window(purchases, period), by)


# --- volunteering ------------------------------------------------------------------------------

_HAS_FIGURE = re.compile(
    r"(?:\d+|[一二两三四五六七八九十百千万]+)\s*[余多]?\s*[个顶件份人次户名台套箱袋斤元万]"
)


def _people(rows: pd.DataFrame) -> Quantity:
    """人次: participants summed with their qualifiers (rows with no count left out)."""
    return qsum(rows[Col.PARTICIPANTS].astype("Float64"), rows[Col.PARTICIPANTS_QUALIFIER])


def volunteering_by(
    vol: pd.DataFrame, period: Period, by: str, per_unit: bool = False
) -> pd.DataFrame:
    """Activities, 人次 and hours by organizer (or theme); ``per_unit``: see :func:`branch_keys`."""
    rows = in_window(vol, period)
    keys = branch_keys(rows, by, per_unit)
    cols = [*keys, "activities", "person_times", "person_times_qualifier", "hours"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    rows = rows.assign(**{by: rows[by].astype(object).where(rows[by].notna(), UNFILLED)})
    out = []
    for key, group in rows.groupby(keys, sort=False):
        people = _people(group)
        out.append(
            {
                **dict(zip(keys, key, strict=True)),
                "activities": len(group),
                "person_times": people.value,
                "person_times_qualifier": people.qualifier,
                "hours": float(group["hours"].sum()),
            }
        )
    return pd.DataFrame(out, columns=cols).sort_values(
        ["activities", *keys], ascending=[False] + [True] * len(keys), ignore_index=True
    )


def outcome_highlights(vol: pd.DataFrame, period: Period, limit: int = 5) -> pd.DataFrame:
    """Activities whose 服务成果 states something countable (30余顶帐篷, 120个温暖包), newest first."""
    rows = in_window(vol, period)
    mask = rows["outcome"].astype("string").fillna("").str.contains(_HAS_FIGURE)
    cols = [c for c in ("date", Col.ORGANIZER, "title", "outcome", "unit") if c in rows.columns]
    return rows.loc[mask, cols].sort_values("date", ascending=False, ignore_index=True).head(limit)


# --- headline figures, comparisons and trends ---------------------------------------------------

#: The headline KPIs of the summary page: key (also the [targets] key in shishi.toml), label,
#: unit, whether it is an amount in yuan, and the table whose rows it counts.
HEADLINES: dict[str, tuple[str, str, bool, str]] = {
    "wishes_resolved": ("心愿项目办结数", "项", False, "wishes"),
    "donations_yuan": ("捐款捐物金额", "元", True, "donations"),
    "purchases_enterprise_yuan": ("企业消费帮扶采购", "元", True, "purchases"),
    "purchases_individual_yuan": ("干部职工自费采购", "元", True, "purchases"),
    # bought by a department or a person that says neither (办公室, 张某): in the total, in
    # neither part; shown only when there is some, and never a target (it is no one's aim)
    "purchases_unspecified_yuan": ("未注明主体类型的采购", "元", True, "purchases"),
    "volunteer_activities": ("志愿服务活动", "次", False, "volunteering"),
    "volunteer_person_times": ("志愿服务参与人次", "人次", False, "volunteering"),
}
#: The headlines an annual target may be set for ([targets] in shishi.toml).
TARGET_KEYS: tuple[str, ...] = tuple(k for k in HEADLINES if k != "purchases_unspecified_yuan")


def headline(tables: dict[str, pd.DataFrame], window: Period) -> dict[str, Quantity]:
    """The headline KPIs over one window (each a Quantity, so precision travels with it)."""
    buyers = _split(tables["purchases"], window, Col.BUYER_TYPE, BUYER_TYPES)
    vol = in_window(tables["volunteering"], window)
    return {
        "wishes_resolved": count(_wish_counts(tables["wishes"], window)["resolved_in_period"]),
        "donations_yuan": _amount(in_window(tables["donations"], window)),
        "purchases_enterprise_yuan": buyers["enterprise"],
        "purchases_individual_yuan": buyers["individual"],
        "purchases_unspecified_yuan": buyers["unknown"],
        "volunteer_activities": count(len(vol)),
        "volunteer_person_times": _people(vol),
    }


def recorded(tables: dict[str, pd.DataFrame], table: str, window: Period) -> bool:
    """Whether the table has any row dated in the window (else a comparison says 未登记, not 0)."""
    frame = tables[table]
    if table == "wishes":
        return bool(
            window.mask(frame[Col.RAISED_ON]).any() or window.mask(frame[Col.RESOLVED_ON]).any()
        )
    return bool(window.mask(frame["date"]).any())


def same_period_last_year(period: Period) -> Period:
    """2024Q4 -> 2023Q4, 2024H1 -> 2023H1, 2024-07 -> 2023-07 (同比's basis)."""
    y, m = period.start.year - 1, period.start.month
    if period.grain == "quarter":
        return Period.quarter(y, (m + 2) // 3)
    if period.grain == "half":
        return Period.half(y, 1 if m == 1 else 2)
    if period.grain == "month":
        return Period.month(y, m)
    return Period.year(y)


def trend_quarters(period: Period, first: dt.date | None, most: int = 8) -> list[Period]:
    """The quarters up to the period's last one, back to the first recorded day (at most ``most``)."""
    end = Period.quarter(period.end.year, (period.end.month + 2) // 3)
    quarters = [end]
    while len(quarters) < most:
        before = quarters[0].previous()
        if first is None or before.end < first:
            break
        quarters.insert(0, before)
    return quarters


def quarterly_trend(tables: dict[str, pd.DataFrame], quarters: list[Period]) -> pd.DataFrame:
    """One row per quarter: wish items resolved, donations, purchases, volunteer activities."""
    rows = []
    for q in quarters:
        h = headline(tables, q)
        purchases = _amount(in_window(tables["purchases"], q))
        rows.append(
            {
                "quarter": q.label,
                "label": f"{q.start.year}年Q{(q.start.month + 2) // 3}",
                "wishes_resolved": h["wishes_resolved"].value,
                "donations_yuan": h["donations_yuan"].value,
                "donations_qualifier": h["donations_yuan"].qualifier,
                "purchases_yuan": purchases.value,
                "purchases_qualifier": purchases.qualifier,
                "volunteer_activities": h["volunteer_activities"].value,
            }
        )
    return pd.DataFrame(rows)


def completed_items(wishes: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The wish items resolved in the period, by name, in the order they were resolved."""
    done = wishes[(wishes["status"] != "cancelled") & period.mask(wishes[Col.RESOLVED_ON])]
    cols = [Col.ITEM_ID, "title", "category", Col.DEPARTMENT, Col.RESOLVED_ON, Col.COST_YUAN]
    cols += ["unit"] if "unit" in done.columns else []
    qual = Col.COST_QUALIFIER if Col.COST_QUALIFIER in done.columns else None
    out = done.sort_values([Col.RESOLVED_ON, Col.ITEM_ID], ignore_index=True)
    frame = out[cols].copy()
    frame[Col.COST_QUALIFIER] = out[qual] if qual else "exact"
    return frame
