"""The figures stored beside a published report count what the report counts, every headline
figure of the summary page is among them, and a correction in an earlier quarter shows."""

from __future__ import annotations

from metrics.periods import Period
from metrics.reporting.headlines import (
    compare,
    figure_rows,
    headline_figures,
    revision_box_html,
    revision_rows,
)
from test_kpi import Q4, _empty_tables, review_donations, table

Q2 = Period.parse("2024Q2")
H1 = Period.parse("2024H1")
TARGETS = {"donations_yuan": 100000}


def test_stored_donation_figure_counts_a_near_repeat_once_and_says_余() -> None:
    tables = _empty_tables() | {"donations": review_donations()}
    body = headline_figures(tables, Q4)
    fig = body["figures"]["donations_yuan"]
    # 5000 + 1200 (the repeat left out), dollars and masks not in it: 6200余元, as the PDF says
    assert fig["text"] == "6200余元"
    rows = figure_rows(body, "donations_yuan")
    assert "t.xlsx［s］第3行" not in rows  # the repeat (second row) is not behind it
    assert rows["t.xlsx［s］第2行"] == "5,000"


def donations(q1_amount: float) -> dict:
    """Q1: one gift (Excel row 2), Q2: one gift of 25000 (row 3)."""
    rows = [
        {"date": "2024-02-01", "campaign": "救助", "donor": "甲", "amount_yuan": q1_amount},
        {"date": "2024-05-01", "campaign": "慰问", "donor": "乙", "amount_yuan": 25000},
    ]
    frame = table("donations", rows)
    frame["kind"], frame["currency"] = "cash", "CNY"
    return _empty_tables() | {"donations": frame}


def test_every_headline_figure_of_the_summary_page_is_stored() -> None:
    figures = headline_figures(donations(20000), Q2, TARGETS)["figures"]
    texts = {k: f["text"] for k, f in figures.items()}
    assert texts["donations_yuan"] == "2.5万元"  # 本季度 (the card's figure)
    assert texts["donations_yuan.previous"] == "2万元"  # 上季度
    assert texts["donations_yuan.change"] == "增加5000元"  # 环比
    assert texts["donations_yuan.year_ago"] == "未报送"  # nothing in 2023Q2: as the PDF says
    assert texts["donations_yuan.yoy"] == "—"  # not computed against a quarter not reported
    assert texts["donations_yuan.ytd"] == "4.5万元"  # 年内累计
    assert texts["donations_yuan.target"] == "4.5万元，45.0%"
    assert figures["donations_yuan.ytd"]["label"] == "年内累计捐款捐物金额"
    assert figures["donations_yuan.previous"]["label"] == "上季度捐款捐物金额"
    assert "donations_yuan.now" not in figures  # said once, under the card's key
    assert "volunteer_activities.target" not in figures  # no target declared for it


def test_stored_figures_are_worded_as_the_pdf_table_words_them() -> None:
    """figures.json said 未登记 and 上年同期未登记 where the PDF's table says 未报送 and —:
    both now come from one function, checked here cell by cell against the built table."""
    from metrics.reporting.model import build_summary

    # volunteering was reported in 2023Q2, donations were not: the 上年同期 column stays
    volunteering = table(
        "volunteering",
        [{"date": d, "activity": "义诊", "participants": 5} for d in ("2023-05-01", "2024-05-02")],
    )
    tables = donations(20000) | {"volunteering": volunteering}
    figures = headline_figures(tables, Q2, TARGETS)["figures"]
    report = build_summary(tables, Q2, unit="甲厂", targets=TARGETS)
    table_ = report.comparison
    row = next(r for r in table_.rows if r[0] == "捐款捐物金额")
    cells = dict(zip(table_.headers, row, strict=True))
    assert cells["上年同期"] == "未报送"
    assert figures["donations_yuan.year_ago"]["text"] == cells["上年同期"]
    assert figures["donations_yuan.yoy"]["text"] == cells["同比"]
    assert figures["donations_yuan.previous"]["text"] == cells["上季度"]
    assert figures["donations_yuan.change"]["text"] == cells["环比"]
    assert figures["donations_yuan.ytd"]["text"] == cells["年内累计"]
    target = next(t for t in report.targets if t.label == "捐款捐物金额")
    assert figures["volunteer_activities.year_ago"]["text"] == "1次"
    assert figures["donations_yuan.target"]["text"] == f"{target.done}，{target.progress}"


def test_a_corrected_first_quarter_changes_the_second_quarters_figures() -> None:
    """Q1 re-sent corrected (2万 → 4.25万): Q2's own 本季度 stays, its 上季度, 环比, 年内累计
    and target progress change, each with the Q1 row behind it."""
    published = headline_figures(donations(20000), Q2, TARGETS)
    now = headline_figures(donations(42500), Q2, TARGETS)
    changes = {c["label"]: c for c in compare(published, now)}
    assert set(changes) == {
        "上季度捐款捐物金额",
        "捐款捐物金额环比",
        "年内累计捐款捐物金额",
        "捐款捐物金额年度目标完成进度",
    }
    ytd = changes["年内累计捐款捐物金额"]
    assert (ytd["old"], ytd["new"]) == ("4.5万元", "6.75万元")
    assert ytd["rows"] == ["改变 t.xlsx［s］第2行：20,000 → 42,500"]
    assert changes["捐款捐物金额环比"]["new"] == "减少1.75万元"
    assert changes["捐款捐物金额年度目标完成进度"]["new"] == "6.75万元，67.5%"
    # H1 contains Q1: its own figure changes too
    h1 = compare(
        headline_figures(donations(20000), H1, TARGETS),
        headline_figures(donations(42500), H1, TARGETS),
    )
    assert ("本期捐款捐物", "4.5万元", "6.75万元") in [(c["label"], c["old"], c["new"]) for c in h1]


def test_an_annual_report_stores_no_column_twice() -> None:
    figures = headline_figures(donations(20000), Period.parse("2024"), TARGETS)["figures"]
    assert "donations_yuan.ytd" not in figures and "donations_yuan.previous" not in figures
    assert figures["donations_yuan.year_ago"]["label"] == "上年同期捐款捐物金额"


def test_older_stored_figures_with_rows_beside_them_still_compare() -> None:
    old = {"figures": {"donations_yuan": {"label": "本期捐款捐物", "text": "1万元", "rows": {}}}}
    new = headline_figures(donations(20000), Q2)
    [change] = compare(old, new)
    assert (change["old"], change["new"]) == ("1万元", "2.5万元")
    assert change["rows"] == ["新增 t.xlsx［s］第3行"]


def test_revision_table_names_the_figures_or_the_parts_that_changed() -> None:
    rows = [f"改变 t.xlsx［s］第{i}行：1 → 2" for i in range(2, 10)]
    revision = {
        "previous": "20250401-101500",
        "changes": [
            {"label": "年内累计捐款捐物金额", "old": "4.5万元", "new": "6.75万元", "rows": rows}
        ],
        "parts": ["典型案例"],
    }
    table = revision_rows(revision)
    assert table[0][:3] == ["年内累计捐款捐物金额", "4.5万元", "6.75万元"]
    assert table[0][3].splitlines()[-1] == "……另 3 行"  # 8 rows, 5 shown
    assert table[1][0] == "其他有变化的部分：典型案例"
    html = revision_box_html(revision)
    assert "上一版 20250401-101500 已保存在 versions/ 文件夹" in html
    quiet = revision_rows({"previous": "x", "changes": [], "parts": ["典型案例", "志愿服务"]})
    assert (
        quiet[0][0]
        == "主要数字没有变化；有变化的部分：典型案例、志愿服务（逐行情况见 data_quality.pdf）"
    )
