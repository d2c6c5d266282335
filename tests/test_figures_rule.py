"""docs/figures.md, row by row: the one written rule for displayed figures (issue 20).

The first table of the page is read here and each row is a case; every ID of the second table
has its own test below, and a test fails when the page and this file list different IDs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pandas as pd
import pytest
from matplotlib import pyplot as plt

from metrics.cleaning.parsing import parse_amount
from metrics.paths import PROJECT_ROOT
from metrics.periods import Period
from metrics.reporting import charts, kpi, model, narrative
from metrics.reporting.text import (
    SUM_RULE,
    describe_change,
    excel_date_format,
    format_count,
    format_date,
    format_figure,
    format_figures,
)
from test_kpi import table
from test_model import sample_tables

PAGE = PROJECT_ROOT / "docs" / "figures.md"
Q4 = Period.parse("2024Q4")


def _section(title: str) -> list[list[str]]:
    """The rows of the table under a ``## title`` heading, as lists of cells."""
    text = PAGE.read_text(encoding="utf-8").split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    return [[c.strip() for c in ln.strip("|").split("|")] for ln in lines[2:]]


ONE_FIGURE = _section("1. One figure")


@pytest.mark.parametrize(("rule", "raw", "qualifier", "unit", "shown", "before"), ONE_FIGURE)
def test_one_figure_row(
    rule: str, raw: str, qualifier: str, unit: str, shown: str, before: str
) -> None:
    text = format_figure(float(raw), qualifier, unit)
    assert text == shown, rule
    back = parse_amount(text.removesuffix(unit) + "元" if unit != "元" else text)
    assert back.ok and back.qualifier == qualifier, text  # the parser reads the rule back
    if qualifier == "at_least":
        assert back.value <= float(raw), "余 never overstates"


def test_every_one_figure_row_that_changed_is_a_defect_fixed() -> None:
    """The rows whose 今天 differs are the issue's defects: never written again."""
    changed = [(r[1], r[2], r[3], r[5]) for r in ONE_FIGURE if r[4] != r[5]]
    assert len(changed) >= 5
    for raw, qualifier, unit, before in changed:
        assert format_figure(float(raw), qualifier, unit) != before


# --- the second table: one test per ID ------------------------------------------------------


def _l1() -> None:
    shown = format_figures([12900, 12500], ["at_least", "exact"], "元")
    assert shown == ["1.29万余元", "1.25万元"]


def _volunteering(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    return table(
        "volunteering",
        [
            {
                "date": f"2024-10-{i + 1:02d}",
                "organizer": org,
                "title": f"活动{i}",
                "participants": n,
                "participants_qualifier": q,
            }
            for i, (org, n, q) in enumerate(rows)
        ],
    )


def _chart_labels(report: model.SummaryReport, name: str) -> list[str]:
    chart = next(c for c in report.charts if c.name == name)
    return chart.series[0].value_labels


def _l2() -> None:
    vol = _volunteering(
        [
            ("后勤三党支部", 20, "at_least"),
            ("后勤三党支部", 79, "exact"),
            ("后勤三党支部", 0, "exact"),
            ("制丝车间党支部", 96, "about"),
            ("制丝车间党支部", 0, "exact"),
        ]
    )
    r = model.build_summary(
        {**sample_tables(), "volunteering": vol}, Q4, made_on=dt.date(2026, 11, 28)
    )
    assert _chart_labels(r, "volunteering_by_organizer") == ["3次 · 99余人次", "2次 · 约96人次"]


def _l3() -> None:
    purchases = table(
        "purchases",
        [
            {"date": d, "buyer_type": "enterprise", "amount_yuan": v, "amount_qualifier": q}
            for d, v, q in [("2024-08-02", 12500, "exact"), ("2024-11-02", 12900, "at_least")]
        ],
    )
    r = model.build_summary(
        {**sample_tables(), "purchases": purchases}, Q4, made_on=dt.date(2026, 11, 28)
    )
    row = next(row for row in r.comparison.rows if row[0] == "企业消费帮扶采购")
    assert row[1:3] == ["1.29万余元", "1.25万元"]


def _quantity(value: float, qualifier: str) -> kpi.Quantity:
    return kpi.Quantity(value, qualifier, 1)


def _sum(*parts: tuple[float, str]) -> str:
    total = narrative._total([_quantity(v, q) for v, q in parts])
    frame = pd.Series([v for v, _ in parts]), pd.Series([q for _, q in parts])
    assert kpi.qsum(*frame).qualifier == total.qualifier  # the two sums agree
    return format_figure(total.value, total.qualifier, "元")


def _s1() -> None:
    assert _sum((60000, "at_least"), (24000, "exact")) == "8.4万余元"


def _s2() -> None:
    assert _sum((3000, "about"), (24000, "exact")) == "约2.7万元"


def _s3() -> None:
    assert _sum((50000, "at_least"), (22000, "about")) == "约7.2万元"
    for words in ("“余”", "“约”", "两者都有"):
        assert words in SUM_RULE
    assert SUM_RULE in model.PRECISION_NOTE  # the report says the rule it follows


def _s4() -> None:
    h1 = format_count(65 + 54, "at_least", "人次")
    assert h1 == "119余人次"
    assert parse_amount(h1.removesuffix("人次") + "元").value >= 65 + 50  # 一季度 + 二季度 as shown


def _d1() -> None:
    assert describe_change(171, "about", 127, "about", "人次") == "增加约40人次"


def _d2() -> None:
    assert describe_change(60000, "at_least", 50000, "at_least", "元") == "两期均为“余”数，无法相减"


def _t1() -> None:
    assert format_date(dt.date(2024, 11, 1), "month") == "2024年11月"
    assert format_date(pd.Timestamp("2024-11-01"), "day") == "2024年11月1日"
    assert excel_date_format("month") == 'yyyy"年"m"月"'


def _t2() -> None:
    tables = sample_tables()
    tables["wishes"] = tables["wishes"].assign(due_on_precision="month")
    r = model.build_summary(tables, Q4, made_on=dt.date(2026, 11, 28))
    overdue = next(t for t in r.tables if t.sheet == "心愿清单_逾期")
    assert [row[3] for row in overdue.rows] == ["2024年11月"]
    assert overdue.data is not None
    assert list(overdue.data["计划完成时限精度"]) == ["month"]  # the .xlsx cell format reads it


def _c1() -> None:
    fig = charts.bar_chart(["甲"], [12345], "测试")
    labels = [t.get_text() for ax in fig.axes for t in ax.texts]
    plt.close(fig)
    assert labels == ["1.23万"]


CASES: dict[str, Callable[[], None]] = {
    "L1": _l1,
    "L2": _l2,
    "L3": _l3,
    "S1": _s1,
    "S2": _s2,
    "S3": _s3,
    "S4": _s4,
    "D1": _d1,
    "D2": _d2,
    "T1": _t1,
    "T2": _t2,
    "C1": _c1,
}


def test_every_row_of_the_page_has_its_test() -> None:
    ids = [row[0] for row in _section("2. Lists, sums, differences, dates")]
    assert ids == list(CASES)
    assert all(re.fullmatch(r"[A-Z]\d", i) for i in ids)


@pytest.mark.parametrize("rule_id", list(CASES))
def test_rule_row(rule_id: str) -> None:
    CASES[rule_id]()
