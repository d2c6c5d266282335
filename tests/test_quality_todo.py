"""The data-quality report stays readable (issue 13 item 8) and opens with its to-do list."""

from __future__ import annotations

import pandas as pd

from metrics.reporting import quality


def many_rejects(n: int) -> pd.DataFrame:
    """n refused cells: half 金额 待定 in sheet A, half 日期 in sheet B (rows 3..)."""
    half = n // 2
    return pd.DataFrame(
        {
            "table": "donations",
            "source_file": "捐款.xlsx",
            "source_sheet": ["A"] * half + ["B"] * (n - half),
            "source_row": [str(i + 3) for i in range(n)],
            "column": ["金额"] * half + ["日期"] * (n - half),
            "value": ["待定"] * half + ["年底"] * (n - half),
            "reason": ["金额无法识别：「待定」"] * half + ["日期无法识别：「年底」"] * (n - half),
            "reason_code": ["amount_unreadable"] * half + ["date_unreadable"] * (n - half),
        }
    )


def test_rejects_are_grouped_with_three_examples() -> None:
    grouped = quality.rejects_grouped(many_rejects(10_000))
    assert len(grouped) == 2
    assert grouped["cells"].tolist() == [5000, 5000]
    first = grouped.iloc[0]
    assert (first["sheet"], first["column"], first["reason"]) == ("A", "金额", "金额无法识别")
    assert first["examples"] == "第3行「待定」；第4行「待定」；第5行「待定」…"


def test_a_single_reject_keeps_its_full_reason() -> None:
    grouped = quality.rejects_grouped(many_rejects(2).iloc[:1])
    assert grouped["reason"].tolist() == ["金额无法识别：「待定」"]
    assert grouped["examples"].tolist() == ["第3行「待定」"]


def test_groups_beyond_the_limit_are_summed_in_one_line() -> None:
    frame = many_rejects(100).assign(source_sheet=[f"S{i}" for i in range(100)])
    grouped = quality.rejects_grouped(frame, max_groups=10)
    assert len(grouped) == 11
    assert grouped.iloc[-1]["file"] == "其余 90 组" and grouped.iloc[-1]["cells"] == 90


def test_todo_page_lists_each_blocker_with_its_fix_escaped() -> None:
    blockers = [
        {
            "file": "a<b>.xlsx",
            "sheet": "S",
            "message": "没有读入",
            "hint": "加同义词",
            "toml": '[headers.donations]\namount_yuan = ["捐款额(元)"]',
        }
    ]
    html = quality.todo_html(blockers, pd.DataFrame(columns=["where", "message"]))
    assert "a&lt;b&gt;.xlsx［S］：没有读入" in html
    assert "处理办法：加同义词" in html
    assert "amount_yuan = [&quot;捐款额(元)&quot;]" in html
    assert "没有阻止领导报告的问题" in quality.todo_html(
        [], pd.DataFrame(columns=["where", "message"])
    )


def test_review_items_pick_out_of_period_rows_and_confirm_notices() -> None:
    manifest = {
        "notices": [{"file": "x.xlsx", "sheet": "S", "level": "check", "message": "按内容识别"}]
    }
    warnings = pd.DataFrame(
        {
            "rule": ["outside_stated_period", "resolved_before_raised"],
            "message": ["日期在期间外", "x"],
            "source_file": ["y.xlsx"] * 2,
            "source_sheet": ["2025Q1"] * 2,
            "source_row": ["7", "8"],
        }
    )
    review = quality.review_items(manifest, warnings)
    assert review["where"].tolist() == ["x.xlsx［S］", "y.xlsx［2025Q1］第7行"]


def test_a_table_that_could_not_be_read_is_never_unregistered() -> None:
    text = quality.unread_sentence("donations", ["donations"])
    assert text is not None and "未能读取" in text and "未登记" not in text
    assert quality.unread_sentence("wishes", ["donations"]) is None
