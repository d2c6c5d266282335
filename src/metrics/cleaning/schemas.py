"""The processed-data contract as pandera schemas, plus the cross-field rules that only warn.

The schemas are built from :mod:`metrics.contract`, so they cannot drift from it. A schema
failing is a bug in shishi (the cleaner built a table that breaks the contract), so it raises.
Cross-field problems in the offices' data - resolved with no date, resolved before raised,
negative amounts - are the analyst's business: they become warnings with the row reference,
and the row stays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pandas as pd
import pandera.pandas as pa

from metrics.contract import TABLES, WARNING_COLUMNS, Col, Column, columns

#: pandera dtype of each contract dtype.
_PANDERA_DTYPES = {
    "string": pd.StringDtype(),
    "float64": "float64",
    "Int64": pd.Int64Dtype(),
    "int64": "int64",
    "datetime": "datetime64[ns]",
    "bool": "bool",
}


def _column(c: Column) -> pa.Column:
    checks = [pa.Check.isin(list(c.allowed))] if c.allowed else []
    if c.name == Col.SOURCE_ROW:
        checks.append(pa.Check.ge(1))
    return pa.Column(_PANDERA_DTYPES[c.dtype], checks=checks, nullable=c.nullable, title=c.label)


@cache
def schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of one processed table: exactly the contract's columns, in order."""
    return pa.DataFrameSchema(
        {c.name: _column(c) for c in columns(table)},
        name=table,
        coerce=True,
        strict=True,
        ordered=True,
    )


def warm_up() -> None:
    """Validate an empty table of each model: pandera loads its backends (0.2-0.4 s) on first
    use, so doing it ahead, off the critical path, makes the real validation cheap."""
    for table in TABLES:
        schema(table).validate(pd.DataFrame(columns=[c.name for c in columns(table)]), lazy=True)


def validate(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Coerce and check one processed table against its schema (raises on a contract breach)."""
    return schema(table).validate(frame, lazy=True)


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
        lambda f: (f["status"] == "resolved") & f[Col.RESOLVED_ON].isna(),
    ),
    Rule(
        "wishes",
        "resolved_before_raised",
        "办结时间早于提出时间",
        lambda f: (f[Col.RESOLVED_ON] < f[Col.RAISED_ON]).fillna(False),
    ),
    Rule(
        "wishes",
        "date_but_not_resolved",
        "填写了办结时间，但状态不是已办结",
        lambda f: (f["status"] != "resolved") & f[Col.RESOLVED_ON].notna(),
    ),
    Rule(
        "wishes",
        "negative_cost",
        "投入资金为负数",
        lambda f: (f[Col.COST_YUAN] < 0).fillna(False),
    ),
    Rule("donations", "negative_amount", "金额为负数", lambda f: f[Col.AMOUNT_YUAN] < 0),
    Rule("purchases", "negative_amount", "金额为负数", lambda f: f[Col.AMOUNT_YUAN] < 0),
    Rule(
        "volunteering",
        "no_participants",
        "参与人数为0或为负数",
        lambda f: (f[Col.PARTICIPANTS] <= 0).fillna(False),
    ),
    Rule(
        "volunteering",
        "negative_hours",
        "服务时长为负数",
        lambda f: (f["hours"] < 0).fillna(False),
    ),
]


def cross_field_warnings(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every row breaking a cross-field rule, with where to find it in Excel."""
    found = []
    for rule in RULES:
        frame = tables.get(rule.table)
        if frame is None or frame.empty:
            continue
        mask = rule.failing(frame).astype(bool)
        hits = frame.loc[mask, ["unit", Col.SOURCE_FILE, Col.SOURCE_SHEET, Col.SOURCE_ROW]].copy()
        hits.insert(0, "message", rule.message)
        hits.insert(0, "rule", rule.name)
        hits.insert(0, "table", rule.table)
        found.append(hits)
    if not found:
        return pd.DataFrame(columns=list(WARNING_COLUMNS))
    return pd.concat(found, ignore_index=True)[list(WARNING_COLUMNS)]
