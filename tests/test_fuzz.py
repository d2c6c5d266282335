"""Fuzzing the cleaner with generated sheets: random layouts, random traps in random cells.

Whatever comes in, no exception escapes and every sheet's rows are accounted for:
rows_read == accepted + rejected + skipped + duplicates.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from conftest import assert_reconciled
from metrics.cleaning.ingest import RawSheet, read_raw
from metrics.cleaning.rows import clean_sheets
from metrics.config import RawConfig

HEADER_SETS = [
    ["日期", "项目/用途", "捐赠方", "类型", "金额（元）", "备注"],
    ["日期", "項目/用途", "捐贈方", "類型", "金額", "備註"],
    [
        "序号",
        "项目名称",
        "类别",
        "责任部门",
        "提出时间",
        "办理进度",
        "办结时间",
        "投入资金（万元）",
    ],
    ["日期", "采购主体", "供应地区", "产品", "金额"],
    ["活动日期", "组织单位", "活动名称", "类别", "参与人数", "服务时长", "服务成果"],
    ["日期", "捐赠方", "款项"],  # no amount column: not a table
]
UGLY = st.one_of(
    st.sampled_from(
        [
            "6万余元",
            "约3千元",
            "¥12,500.00",
            "１２５００",
            "—",
            "/",
            "无",
            "待定",
            "10月5日",
            "2021年10月",
            "2021.10.5",
            "2021/10/05",
            "五十余次",
            "二十余人",
            "30余顶",
            "已辦結",
            "推进中",
            "未启动",
            "现金",
            "物资",
            "管理人员自费",
            "企业",
            "合计",
            "总计",
            "注：见说明",
            "小计",
            "半天",
            "=1+1",
            "@SUM(A1)",
            "",
            " ",
            None,
        ]
    ),
    st.integers(min_value=-(10**6), max_value=10**9),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.booleans(),
)


@st.composite
def sheets(draw: st.DrawFn) -> list[list[object]]:
    """A sheet: some title/junk rows, maybe a header, then rows of ugly cells."""
    rows: list[list[object]] = []
    for _ in range(draw(st.integers(0, 3))):
        rows.append([draw(st.sampled_from(["标题", "填报单位：某部门", "", None]))])
    if draw(st.booleans()):
        rows.append(list(draw(st.sampled_from(HEADER_SETS))))
    width = draw(st.integers(1, 9))
    for _ in range(draw(st.integers(0, 25))):
        rows.append(draw(st.lists(UGLY, min_size=0, max_size=width)))
    return rows


def check_accounting(manifest_like: list) -> None:
    for res in manifest_like:
        if res.notice is None:
            assert_reconciled(res.counts, (res.file, res.sheet))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sheets(), min_size=1, max_size=4), st.sampled_from(["2024Q4", "Sheet1", "说明"]))
def test_random_sheets_never_crash_and_always_add_up(
    layouts: list[list[list[object]]], name: str
) -> None:
    raw = [
        RawSheet(f"f{i % 2}.xlsx", f"{name}-{i}", rows, "sha", 2024 if "2024" in name else None)
        for i, rows in enumerate(layouts)
    ]
    # the same sheet twice, as a second file: must come back as duplicates, still adding up
    raw.append(RawSheet("copy(1).xlsx", raw[0].sheet, raw[0].rows, "sha", raw[0].year_hint))
    tables, rejects, results = clean_sheets(raw, RawConfig())
    check_accounting(results)
    assert set(rejects.columns) >= {"source_file", "source_row", "reason"}
    for frame in tables.values():
        assert frame["source_row"].ge(1).all()


def storable(value: object) -> object:
    """What openpyxl can store: no control characters, no NaN/inf, '=' text kept as text."""
    if isinstance(value, float) and (value != value or abs(value) == float("inf")):
        return None
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        return "'" + value if value.startswith("=") else value
    return value


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(sheets(), min_size=1, max_size=3))
def test_random_workbooks_through_files(
    tmp_path_factory, layouts: list[list[list[object]]]
) -> None:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    wb = Workbook()
    wb.remove(wb.active)
    for i, rows in enumerate(layouts):
        ws = wb.create_sheet(f"2024Q{i + 1}")
        for row in rows:
            ws.append([storable(v) for v in row])
    wb.save(folder / "台账2024.xlsx")
    sheets_read, notices = read_raw(folder, RawConfig())
    _tables, _rejects, results = clean_sheets(sheets_read, RawConfig())
    check_accounting(results)
    assert not [n for n in notices if n.level == "error" and n.sheet is None]
