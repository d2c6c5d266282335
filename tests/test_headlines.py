"""The figures stored beside a published report count what the report counts."""

from __future__ import annotations

from metrics.reporting.headlines import headline_figures
from test_kpi import Q4, _empty_tables, review_donations


def test_stored_donation_figure_counts_a_near_repeat_once_and_says_余() -> None:
    tables = _empty_tables() | {"donations": review_donations()}
    fig = headline_figures(tables, Q4)["donations_yuan"]
    # 5000 + 1200 (the repeat left out), dollars and masks not in it: 6200余元, as the PDF says
    assert fig["text"] == "6200余元"
    assert "t.xlsx［s］第3行" not in fig["rows"]  # the repeat (second row) is not behind it
    assert fig["rows"]["t.xlsx［s］第2行"] == "5,000"
