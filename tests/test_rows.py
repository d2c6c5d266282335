"""The named steps rows._parse_rows is made of, each on its own (issue 22).

A stretch is built from a few rows under a real header (the same header reading and table
specs the cleaner uses), then one step is run and its effect looked at.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from metrics.cleaning import context, rows
from metrics.cleaning.headers import find_header, load_table_specs
from metrics.cleaning.ingest import RawSheet
from metrics.cleaning.totals import TotalRow
from metrics.config import RawConfig
from metrics.contract import COUNT_KEYS, Reason

HEADER = ["日期", "捐赠方", "金额"]


def stretch(
    body: list[list[Any]],
    header: list[str] = HEADER,
    delimited: bool = False,
    formulas: dict[tuple[int, int], str] | None = None,
) -> tuple[rows._Stretch, np.ndarray, list[TotalRow]]:
    """A stretch of ``body`` read under ``header`` (Excel row 1), with its settled row kinds."""
    specs = load_table_specs()
    sheet = RawSheet("t.csv", "t", [header, *body], "0" * 64, 2024, delimited=delimited)
    sheet.formulas = formulas or {}
    match = find_header(sheet.rows or [], specs, table="donations")
    assert match is not None
    spec = specs[match.table]
    result = rows.SheetResult(sheet.file, sheet.sheet, sheet.sha256, match.table, 1)
    result.counts = dict.fromkeys(COUNT_KEYS, 0)
    head = sheet.rows or []
    result.context, result.dates, _ = context.sheet_dates(sheet, head, match, spec.fields, None)
    fields = rows.header_fields(sheet, sheet.rows or [], match)
    block = rows._block(0, match, spec, None, fields)
    ctx = rows._Context(sheet, spec, result, {}, "shishi.toml", rows.parsers_for(RawConfig()))
    grid = rows._grid(body)
    kinds, cells = rows._classify(grid)
    totals: list[TotalRow] = []
    kinds = rows._settle_kinds(grid, kinds, cells, 2, block, totals)
    st = rows._Stretch(grid, cells, np.flatnonzero(kinds == ""), 2, block, ctx)
    return st, kinds, totals


# --- _settle_kinds / _count_skipped ----------------------------------------------------------


def test_settle_kinds_makes_a_lone_figure_beside_the_table_its_total() -> None:
    body = [["2024-10-01", "张三", 100], ["2024-10-02", "李四", 50], [None, None, None, 150]]
    _, kinds, totals = stretch(body)
    assert kinds.tolist() == ["", "", "total"]
    assert [(t.excel_row, t.unlabelled) for t in totals] == [(4, 150.0)]


def test_settle_kinds_makes_formula_zero_rows_blank_and_text_beside_the_table_a_note() -> None:
    body = [["2024-10-01", "张三", 100], [None, None, 0], [None, None, None, "制表人：王五"]]
    _, kinds, _ = stretch(body)
    assert kinds.tolist() == ["", "blank", "note"]


def test_count_skipped_counts_each_kind_and_keeps_labelled_totals() -> None:
    body = [["2024-10-01", "张三", 100], ["合计", None, 100], [None, None, None]]
    st, kinds, totals = stretch(body)
    rows._count_skipped(st.grid, kinds, 2, st.block, st.ctx.result, totals)
    counts = st.ctx.result.counts
    assert (counts["skipped_total"], counts["skipped_blank"]) == (1, 1)
    assert [t.excel_row for t in totals] == [3]


# --- _read_field and its parts ---------------------------------------------------------------


def test_read_field_parses_values_and_refuses_unreadable_cells() -> None:
    st, _, _ = stretch([["2024-10-01", "张三", "1.2万"], ["2024-10-02", "李四", "很多"]])
    [amount] = [c for c in st.block.match.columns if c.field == "amount_yuan"]
    rows._read_field(st, "amount_yuan", [amount], False)
    assert st.columns["amount_yuan"].tolist() == [12000.0, None]
    [(j, header, value, reason)] = st.problems
    assert (j, header, value, reason.code) == (1, "金额", "很多", Reason.AMOUNT_UNREADABLE)


def test_field_problems_give_required_empty_cells_their_reason() -> None:
    st, _, _ = stretch([["2024-10-01", None, 5], ["2024-10-02", "NaN", 6]])
    [donor] = [c for c in st.block.match.columns if c.field == "donor"]
    fspec = st.ctx.spec.fields["donor"]
    raw = st.column(donor.index)
    empty = np.empty(2, dtype=object)
    problems = rows._field_problems(st, fspec, donor, raw, empty, np.empty(2, dtype=object))
    reasons = [str(p[3]) for p in problems]
    assert reasons[0].startswith("必填项「捐赠方」为空") and "文字“NaN”" in reasons[1]


def test_empty_reason_names_a_formula_referring_outside_the_workbook() -> None:
    st, _, _ = stretch([["2024-10-01", "张三", ""]], formulas={(2, 2): "[1]Sheet1!A1"})
    reason = st.empty_reason("金额", 0, "", index=2)
    assert "=[1]Sheet1!A1" in reason and "之外的公式" in reason
    assert st.empty_reason("金额", 0, "", index=1).startswith("必填项「金额」为空")


def test_date_column_leaves_time_only_cells_unrefused() -> None:
    st, _, _ = stretch([["07:06:18", "张三", 5]])
    [date] = [c for c in st.block.match.columns if c.field == "date"]
    errs = np.array(["无法识别"], dtype=object)
    out = rows._date_column(st, st.ctx.spec.fields["date"], date, st.column(date.index), errs)
    assert out.tolist() == [None] and st.times.tolist() != [None]
    assert st.ctx.result.timed == "日期"  # one notice per sheet says so


# --- row-level steps -------------------------------------------------------------------------


def test_row_dates_without_a_date_column_refuse_every_row() -> None:
    st, _, _ = stretch([["张三", 5], ["李四", 6]], header=["捐赠方", "金额"])
    problems = rows._row_dates(st, {"donor": [], "amount_yuan": []})
    assert [p[0] for p in problems] == [0, 1] and all("日期" in str(p[3]) for p in problems)


def test_default_columns_keep_every_canonical_column() -> None:
    spec = load_table_specs()["donations"]
    columns: dict[str, Any] = {"donor": ["张三"]}
    rows._default_columns(spec, columns, 1)
    assert set(spec.fields) <= set(columns) and columns["donor"] == ["张三"]
    assert columns["review_repeat"].tolist() == [False]


def test_accepted_moves_refused_rows_to_the_rejects() -> None:
    st, _, _ = stretch([["2024-10-01", "张三", 5], ["2024-10-02", "李四", 6]])
    rows._default_columns(st.ctx.spec, st.columns, st.n)
    st.problems.append((1, "金额", "6", "不对"))
    frame = rows._accepted(st)
    assert frame["source_row"].tolist() == [2]
    [reject] = st.ctx.result.rejects
    assert (reject["source_row"], reject["reason"]) == (3, "不对")
    assert st.ctx.result.counts["rejected"] == 1


# --- _extra_fields: a CSV row with more fields than its header ---------------------------------


@pytest.mark.parametrize(
    ("pieces", "taken"),
    [
        (["12", "500"], 1),
        (["1", "200", "000"], 2),
        (["1", "200", "000.50"], 2),
        (["¥12", "500", "现金"], 1),
        (["12", "50"], 0),  # not a group of three
        (["1234", "500"], 0),  # a head has at most three digits
        (["现金", "500"], 0),
        ([12, "500"], 0),  # a number cell is no CSV piece
    ],
)
def test_comma_pieces(pieces: list[Any], taken: int) -> None:
    assert rows.comma_pieces(pieces) == taken


def test_extra_fields_refuse_a_torn_amount_and_flag_other_extras() -> None:
    header = ["日期", "捐赠方", "方式", "金额"]
    body = [
        ["2024-10-01", "张三", "现金", "12", "500"],
        ["2024-10-02", "李四", "现金", "50", "补记"],
        ["2024-10-03", "王五", "现金", "20"],
    ]
    st, _, _ = stretch(body, header=header, delimited=True)
    [(j, column, value, reason)] = rows._extra_fields(st)
    assert (j, column, value) == (0, "金额", "12,500")
    assert reason.startswith("金额中的逗号没有加引号") and reason.code == Reason.AMOUNT_UNREADABLE
    [(row, message, rule)] = st.ctx.sheet.flags
    assert (row, rule) == (3, "csv_extra_fields") and "多 1 个有内容的字段（补记）" in message


def test_extra_fields_are_not_looked_for_in_a_workbook() -> None:
    st, _, _ = stretch([["2024-10-01", "张三", "12", "500"]], delimited=False)
    assert st.block.fields is None and rows._extra_fields(st) == []


def test_trim_wide_rows_counts_the_cells_with_content_it_cuts() -> None:
    chunk: list[list[Any]] = [["a", "b"], ["a", "b", "c", "", "d"], ["a", "b", "c", ""]]
    assert rows.trim_wide_rows(chunk, 3, 10) == {11: 1, 12: 0}
    assert chunk == [["a", "b"], ["a", "b", "c"], ["a", "b", "c"]]
