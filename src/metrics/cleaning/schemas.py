"""The processed-data contract as pandera models, plus the cross-field rules that only warn.

The models read like the data dictionary in DESIGN.md. A model failing is a bug in shishi (the
cleaner built a table that breaks the contract), so it raises. Cross-field problems in the
offices' data - resolved with no date, resolved before raised, negative amounts - are the
analyst's business: they become warnings with the row reference, and the row stays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

QUALIFIERS = ["exact", "at_least", "about", "at_most"]
STATUSES = ["pending", "in_progress", "resolved", "cancelled"]


class _Sourced(pa.DataFrameModel):
    """Columns every processed table carries so a figure can be traced to an Excel row."""

    unit: Series[pd.StringDtype] = pa.Field(nullable=False)
    source_file: Series[pd.StringDtype] = pa.Field(nullable=False)
    source_sheet: Series[pd.StringDtype] = pa.Field(nullable=False)
    source_row: Series[int] = pa.Field(ge=1)

    class Config:
        coerce = True
        strict = False


class Wishes(_Sourced):
    item_id: Series[pd.StringDtype] = pa.Field(nullable=True)
    title: Series[pd.StringDtype] = pa.Field(nullable=False)
    category: Series[pd.StringDtype] = pa.Field(nullable=True)
    leader: Series[pd.StringDtype] = pa.Field(nullable=True)
    department: Series[pd.StringDtype] = pa.Field(nullable=True)
    raised_on: Series[pd.Timestamp] = pa.Field(nullable=True)
    due_on: Series[pd.Timestamp] = pa.Field(nullable=True)
    status: Series[pd.StringDtype] = pa.Field(isin=STATUSES)
    resolved_on: Series[pd.Timestamp] = pa.Field(nullable=True)
    cost_yuan: Series[float] = pa.Field(nullable=True)
    cost_qualifier: Series[pd.StringDtype] = pa.Field(isin=QUALIFIERS)


class Donations(_Sourced):
    date: Series[pd.Timestamp] = pa.Field(nullable=False)
    campaign: Series[pd.StringDtype] = pa.Field(nullable=True)
    donor: Series[pd.StringDtype] = pa.Field(nullable=True)  # a payment list may name none
    donor_type: Series[pd.StringDtype] = pa.Field(nullable=True)
    kind: Series[pd.StringDtype] = pa.Field(isin=["cash", "in_kind"], nullable=True)
    # none for goods (quantity) and for another currency without a declared rate
    amount_yuan: Series[float] = pa.Field(nullable=True)
    amount_qualifier: Series[pd.StringDtype] = pa.Field(isin=QUALIFIERS)
    note: Series[pd.StringDtype] = pa.Field(nullable=True)


class Purchases(_Sourced):
    date: Series[pd.Timestamp] = pa.Field(nullable=True)
    buyer: Series[pd.StringDtype] = pa.Field(nullable=False)
    buyer_type: Series[pd.StringDtype] = pa.Field(isin=["enterprise", "individual"])
    supplier_region: Series[pd.StringDtype] = pa.Field(nullable=True)
    product: Series[pd.StringDtype] = pa.Field(nullable=True)
    amount_yuan: Series[float] = pa.Field(nullable=False)
    amount_qualifier: Series[pd.StringDtype] = pa.Field(isin=QUALIFIERS)


class Volunteering(_Sourced):
    date: Series[pd.Timestamp] = pa.Field(nullable=False)
    organizer: Series[pd.StringDtype] = pa.Field(nullable=False)
    title: Series[pd.StringDtype] = pa.Field(nullable=False)
    theme: Series[pd.StringDtype] = pa.Field(nullable=True)
    participants: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    participants_qualifier: Series[pd.StringDtype] = pa.Field(isin=QUALIFIERS)
    hours: Series[float] = pa.Field(nullable=True)
    outcome: Series[pd.StringDtype] = pa.Field(nullable=True)


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "wishes": Wishes,
    "donations": Donations,
    "purchases": Purchases,
    "volunteering": Volunteering,
}


def warm_up() -> None:
    """Validate an empty table of each model: pandera loads its backends (0.2-0.4 s) on first
    use, so doing it ahead, off the critical path, makes the real validation cheap."""
    for model in MODELS.values():
        model.validate(pd.DataFrame(columns=list(model.to_schema().columns)), lazy=True)


def validate(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Coerce and check one processed table against its model (raises on a contract breach)."""
    return MODELS[table].validate(frame, lazy=True)


@dataclass(frozen=True)
class Rule:
    """A cross-field rule: rows where ``failing`` is True get ``message`` as a warning."""

    table: str
    name: str
    message: str
    failing: Callable[[pd.DataFrame], pd.Series]


RULES: list[Rule] = [
    Rule(
        "wishes",
        "resolved_without_date",
        "状态为已办结，但没有办结时间",
        lambda f: (f["status"] == "resolved") & f["resolved_on"].isna(),
    ),
    Rule(
        "wishes",
        "resolved_before_raised",
        "办结时间早于提出时间",
        lambda f: (f["resolved_on"] < f["raised_on"]).fillna(False),
    ),
    Rule(
        "wishes",
        "date_but_not_resolved",
        "填写了办结时间，但状态不是已办结",
        lambda f: (f["status"] != "resolved") & f["resolved_on"].notna(),
    ),
    Rule(
        "wishes",
        "negative_cost",
        "投入资金为负数",
        lambda f: (f["cost_yuan"] < 0).fillna(False),
    ),
    Rule("donations", "negative_amount", "金额为负数", lambda f: f["amount_yuan"] < 0),
    Rule("purchases", "negative_amount", "金额为负数", lambda f: f["amount_yuan"] < 0),
    Rule(
        "volunteering",
        "no_participants",
        "参与人数为0或为负数",
        lambda f: (f["participants"] <= 0).fillna(False),
    ),
    Rule(
        "volunteering",
        "negative_hours",
        "服务时长为负数",
        lambda f: (f["hours"] < 0).fillna(False),
    ),
]

WARNING_COLUMNS = ["table", "rule", "message", "source_file", "source_sheet", "source_row"]


def cross_field_warnings(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every row breaking a cross-field rule, with where to find it in Excel."""
    found = []
    for rule in RULES:
        frame = tables.get(rule.table)
        if frame is None or frame.empty:
            continue
        mask = rule.failing(frame).astype(bool)
        hits = frame.loc[mask, ["source_file", "source_sheet", "source_row"]].copy()
        hits.insert(0, "message", rule.message)
        hits.insert(0, "rule", rule.name)
        hits.insert(0, "table", rule.table)
        found.append(hits)
    if not found:
        return pd.DataFrame(columns=WARNING_COLUMNS)
    return pd.concat(found, ignore_index=True)[WARNING_COLUMNS]
