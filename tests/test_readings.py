"""How a sheet was read, column by column (cleaning/readings.py): what `shishi inspect` prints
and the data-quality report shows for sheets with problems. Fixtures built here; expected
readings written out by hand."""

from __future__ import annotations

from pathlib import Path

from metrics.cleaning import readings
from metrics.cleaning.headers import ColumnMatch, load_table_specs
from metrics.cleaning.ingest import RawSheet
from metrics.cleaning.rows import clean_sheet
from metrics.cleaning.store import run_clean
from metrics.config import RawConfig
from metrics.reporting import quality_report as dq
from test_headerless import reader_ledger

CSV = "日期,捐赠人,渠道,心意\n2024-10-05,张三,微信,200\n2024-10-06,李四,银行,1000\n2024-11-01,王五,微信,50\n"


def csv_sheet(text: str = CSV) -> RawSheet:
    rows = [line.split(",") for line in text.strip().split("\n")]
    return RawSheet("捐款.csv", "捐款", rows, "0" * 64)


def columns_of(
    reading: readings.SheetReading,
) -> list[tuple[str, str, str, str, tuple[str, ...], str]]:
    return [(c.letter, c.header, c.label, c.how, c.samples, c.toml) for c in reading.columns]


def test_columns_by_header_by_content_and_unused() -> None:
    specs, config = load_table_specs(), RawConfig()
    result = clean_sheet(csv_sheet(), specs, config)
    assert readings.has_problem(result)  # 心意 was read by its content
    r = readings.sheet_reading(result, specs, config)
    assert (r.status, r.table, r.table_label, r.header_row, r.first_row) == (
        "已读入",
        "donations",
        "捐款捐物",
        1,
        2,
    )
    assert (
        r.why == "第1行是表头，其中「捐赠人」「心意」（按内容）是捐款捐物的标志列（捐赠方、金额）"
    )
    assert r.counts == {"rows_read": 3, "accepted": 3, "rejected": 0}
    assert columns_of(r) == [
        ("A", "日期", "日期", "按表头", ("2024-10-05", "2024-10-06", "2024-11-01"), ""),
        ("B", "捐赠人", "捐赠方", "按表头", ("张三", "李四", "王五"), ""),
        (
            "C",
            "渠道",
            "可作备注",
            "未使用",
            ("微信", "银行", "微信"),
            '[headers.donations]\nnote = ["渠道"]',
        ),
        (
            "D",
            "心意",
            "金额",
            "按内容",
            ("200", "1000", "50"),
            '[headers.donations]\namount_yuan = ["心意"]',
        ),
    ]


def test_held_columns_are_shown_with_the_line_that_settles_them() -> None:
    """A mapping the header reading held back as doubtful (HeaderMatch.held) is shown, never
    used, with the synonym line that would settle it."""
    specs, config = load_table_specs(), RawConfig()
    result = clean_sheet(csv_sheet(), specs, config)
    result.match.held = [
        ColumnMatch(2, "渠道", "kind", evidence=("表头词「渠道」不常见",), confidence=0.4)
    ]
    r = readings.sheet_reading(result, specs, config)
    [held] = [c for c in r.columns if c.letter == "C"]
    assert (held.label, held.how, held.confidence, held.evidence) == (
        "类型",
        "存疑，未使用",
        0.4,
        ("表头词「渠道」不常见",),
    )
    assert held.toml == '[headers.donations]\nkind = ["渠道"]'


def test_a_sheet_read_by_its_header_alone_is_no_problem() -> None:
    specs, config = load_table_specs(), RawConfig()
    text = "日期,捐赠人,金额\n2024-10-05,张三,200\n2024-10-06,李四,1000\n"
    assert not readings.has_problem(clean_sheet(csv_sheet(text), specs, config))


def test_a_nearly_recognised_header_gives_its_synonym_lines() -> None:
    specs, config = load_table_specs(), RawConfig()
    text = "日期,捐赠人,心意\n2024-10-05,张三,200\n2024-10-06,李四,1000\n"
    result = clean_sheet(csv_sheet(text), specs, config)
    assert result.table is None and readings.has_problem(result)
    r = readings.sheet_reading(result, specs, config)
    assert (r.status, r.table, r.header_row) == ("未读入", "donations", 1)
    assert r.toml == '[headers.donations]\namount_yuan = ["心意"]  # 金额'  # the field, in Chinese
    assert columns_of(r) == [
        ("A", "日期", "日期", "按表头", ("2024-10-05", "2024-10-06"), ""),
        ("B", "捐赠人", "捐赠方", "按表头", ("张三", "李四"), ""),
        (
            "C",
            "心意",
            "可作金额",
            "未使用",
            ("200", "1000"),
            '[headers.donations]\namount_yuan = ["心意"]',
        ),
    ]


def test_a_headerless_todo_shows_its_guess_and_pin(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    reader_ledger(raw / "名单.xlsx", title="2024年第四季度名单")
    [r] = run_clean(raw).manifest["readings"]
    assert (r["status"], r["table"], r["header_row"], r["first_row"]) == (
        "未读入",
        "donations",
        None,
        2,
    )
    assert [(c["letter"], c["label"], c["how"]) for c in r["columns"]] == [
        ("A", "日期", "按内容（待确认）"),
        ("B", "捐赠方", "按内容（待确认）"),
        ("C", "", "未使用"),
        ("D", "金额", "按内容（待确认）"),
        ("F", "", "合计，只核对"),  # 总计 and its =SUM beside the table
        ("G", "", "合计，只核对"),
    ]
    assert r["columns"][2]["samples"] == ["微信", "银行", "微信"]
    assert r["toml"].startswith(
        '[[pin]]\nfile = "名单.xlsx"\nsheet = "Sheet1"\ntable = "donations"'
    )


def test_the_data_quality_section_shows_the_problem_sheets(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    reader_ledger(raw / "名单.xlsx", title="2024年第四季度名单")
    (raw / "捐款.csv").write_text(CSV, encoding="utf-8")
    (raw / "志愿.csv").write_text(
        "活动日期,组织单位,活动名称,参与人数\n2024-10-08,一支部,植树,12\n", encoding="utf-8"
    )
    run_clean(raw, tmp_path / "p")
    html = dq.readings_section(dq.load_quality("2024Q4", "", tmp_path / "p")).data
    assert "附：有问题的工作表逐列读法" in html
    assert "名单.xlsx［Sheet1］　未读入：捐款捐物" in html
    assert "捐款.csv［捐款］　已读入：捐款捐物" in html
    assert "志愿.csv" not in html  # read by its header alone: no problem
    assert "按内容（待确认）" in html and "微信、银行、微信" in html
    assert (
        "columns = { A = &quot;日期&quot;, B = &quot;捐赠方&quot;, D = &quot;金额&quot; }" in html
    )
    assert "[headers.donations] amount_yuan = [&quot;心意&quot;]" in html


def test_the_data_quality_section_says_so_when_every_sheet_read_by_header(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "志愿.csv").write_text(
        "活动日期,组织单位,活动名称,参与人数\n2024-10-08,一支部,植树,12\n", encoding="utf-8"
    )
    run_clean(raw, tmp_path / "p")
    html = dq.readings_section(dq.load_quality("2024Q4", "", tmp_path / "p")).data
    assert "所有工作表都按表头读入" in html


def test_a_column_of_figures_is_never_offered_as_a_note() -> None:
    """An unused column of words may be kept as 备注; 数量 or 单价 beside a purchase's amount may
    not: a note of bare figures helps nobody, so no settings line is offered for them."""
    specs, config = load_table_specs(), RawConfig()
    text = (
        "采购日期,采购单位,商品,数量,单价,金额,经办说明\n"
        "2024-10-12,工会,蜂蜜,100,58,5800,节日慰问\n"
        "2024-10-20,食堂,土豆,500,2.4,1200,日常采购\n"
        "2024-11-03,工会,小米,200,12,2400,节日慰问\n"
    )
    rows = [line.split(",") for line in text.strip().split("\n")]
    result = clean_sheet(RawSheet("采购.csv", "采购", rows, "0" * 64), specs, config)
    r = readings.sheet_reading(result, specs, config)
    by_header = {c.header: c for c in r.columns}
    assert (by_header["数量"].label, by_header["数量"].toml) == ("", "")
    assert (by_header["单价"].label, by_header["单价"].toml) == ("", "")
    assert by_header["经办说明"].label in ("可作备注", "备注")  # words may be kept as a note
