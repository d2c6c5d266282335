"""Tables of the data-quality report built from the processed side files."""

from __future__ import annotations

import pandas as pd

from metrics.reporting import quality


def trace(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table": ["donations"] * n,
            "source_file": ["b.xlsx"] * n,
            "source_sheet": ["Q4"] * n,
            "source_row": list(range(3, 3 + n)),
            "same_as_file": ["a.xlsx"] * n,
            "same_as_sheet": ["Q4"] * n,
            "same_as_row": list(range(5, 5 + n)),
        }
    )


def test_duplicate_trace_names_both_rows_and_is_bounded() -> None:
    shown, total = quality.duplicate_trace(trace(25), limit=20)
    assert total == 25 and len(shown) == 20
    assert shown.iloc[0].tolist() == ["b.xlsx［Q4］第3行", "a.xlsx［Q4］第5行"]
    assert shown.iloc[-1].tolist() == ["b.xlsx［Q4］第22行", "a.xlsx［Q4］第24行"]


def test_no_duplicates_no_rows() -> None:
    shown, total = quality.duplicate_trace(trace(0))
    assert total == 0 and shown.empty


def test_near_duplicates_say_which_row_is_counted() -> None:
    near = pd.DataFrame(
        {
            "table": ["donations", "donations"],
            "review_group": ["捐赠-1", "捐赠-1"],
            "rule": ["same_donor_amount", "same_donor_amount"],
            "review_repeat": ["False", "True"],
            "unit": ["厂", "厂"],
            "source_file": ["1月.xlsx", "2月.xlsx"],
            "source_sheet": ["Sheet1", "Sheet1"],
            "source_row": ["7", "12"],
            "date": ["2020-01-29 00:00:00", "2020-01-30"],
            "who": ["某公司", "某公司 "],
            "amount_yuan": ["50000.0", "50000.0"],
            "note": ["", ""],
        }
    )
    rows = quality.near_duplicate_rows(near)
    assert rows["counted"].tolist() == ["计入", "不计入（待核实）"]
    assert rows["where"].tolist() == ["1月.xlsx［Sheet1］第7行", "2月.xlsx［Sheet1］第12行"]
    assert rows["date"].tolist() == ["2020-01-29", "2020-01-30"]


def test_a_ledger_quiet_this_period_but_not_before_is_to_be_confirmed() -> None:
    import datetime as dt

    def dated(*days: str) -> pd.DataFrame:
        return pd.DataFrame({"date": pd.to_datetime(list(days))})

    tables = {
        "donations": dated("2024-10-12", "2024-12-30"),  # nothing in 2025Q1: not arrived yet?
        "purchases": dated("2024-11-01", "2025-03-31"),  # the last day of the quarter counts
        "volunteering": dated("2025-04-02"),  # only later records: nothing before, not quiet
        "wishes": pd.DataFrame({"raised_on": pd.to_datetime(["2024-01-01"])}),
    }
    quiet = quality.quiet_ledgers(
        tables, dt.date(2025, 1, 1), dt.date(2025, 3, 31), "2025年第一季度"
    )
    assert quiet["where"].tolist() == ["捐款捐物"]
    assert quiet["message"].iloc[0].startswith("2025年第一季度没有任何记录，而此前有 2 条")
