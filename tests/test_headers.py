"""Header recognition: titles, units and currencies in headers, column contents, several rows."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics.cleaning import layout
from metrics.cleaning.headers import find_header, load_table_specs, split_unit_currency

SPECS = load_table_specs()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("金额（元）", ("金额", 1.0, None)),
        ("投入资金（万元）", ("投入资金", 10000.0, None)),
        ("金额（美元）", ("金额", 1.0, "USD")),
        ("金额(港币)", ("金额", 1.0, "HKD")),
        ("捐赠单位(个人)", ("捐赠单位(个人)", 1.0, None)),  # 个人 is neither unit nor currency
    ],
)
def test_split_unit_currency(header: str, expected: tuple[str, float, str | None]) -> None:
    assert split_unit_currency(header) == expected


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (12.5, "number"),
        ("1,000.00", "number"),
        ("HK$500", "number"),
        (dt.datetime(2024, 3, 1), "date"),
        ("2024年3月1日", "date"),
        ("07:06:18", "time"),
        (dt.time(7, 6, 18), "time"),
        ("0102202002022357510086906488", "id"),
        ("5eb03d18e4b01a992c543025", "id"),
        ("某甲科技有限公司", "name"),
        ("*晓", "name"),
        ("12500包", "quantity"),
        ("", "empty"),
        (None, "empty"),
    ],
)
def test_cell_kind(value: object, kind: str) -> None:
    assert layout.cell_kind(value) == kind


def test_contents_map_a_column_only_when_unmistakable() -> None:
    names = ["某甲公司", "赵某", "第三车间", "钱某某"]
    assert layout.fits("donor", "text", layout.profile(names), strict=True)
    assert not layout.fits("donor", "text", layout.profile(names[:2]), strict=True)  # too few
    assert not layout.fits("amount_yuan", "amount", layout.profile(names), strict=True)
    assert not layout.fits("date", "date", layout.profile([1, 2, 3, 4]), strict=True)


def test_header_over_three_rows_maps_leaves_by_path() -> None:
    rows = [
        ["志愿服务统计", None, None, None, None, None, None],
        ["服务中心", "活动日期", "活动名称", "受益人数", None, None, None],
        [None, None, None, "成人", None, "儿童", None],
        [None, None, None, "男", "女", "男", "女"],
        ["东区", dt.datetime(2024, 3, 2), "义诊", 1, 2, 3, 4],
    ]
    match = find_header(rows, SPECS)
    assert match is not None
    assert (match.table, match.first_row, match.row_index) == ("volunteering", 1, 3)
    leaves = [(c.index, c.field, c.path) for c in match.columns if c.field == "beneficiaries"]
    assert leaves == [
        (3, "beneficiaries", ("成人", "男")),
        (4, "beneficiaries", ("成人", "女")),
        (5, "beneficiaries", ("儿童", "男")),
        (6, "beneficiaries", ("儿童", "女")),
    ]


def test_a_title_row_is_not_a_header_level() -> None:
    rows = [
        ["某单位捐款登记表", None, None],
        ["日期", "捐赠方", "金额"],
        [dt.datetime(2024, 1, 2), "某公司", 100],
    ]
    match = find_header(rows, SPECS)
    assert match is not None and (match.first_row, match.row_index) == (1, 1)


def test_the_first_header_wins_over_a_second_table_below() -> None:
    rows = [
        ["捐赠单位(个人)", "金额（元）"],
        ["某甲公司", "\xa0 40,000.00\xa0"],
        ["某乙公司", "HK$500"],
        ["某丙公司", 100],
        [None, None],
        ["捐赠单位及个人", "金额（美元）"],
        ["SOME CO., LTD", 3000],
    ]
    match = find_header(rows, SPECS)
    assert match is not None and match.row_index == 0
    (amount,) = [c for c in match.columns if c.field == "amount_yuan"]
    assert amount.currency is None


def test_goods_and_currencies() -> None:
    assert layout.parse_quantity_cell("1.25万包") == (12500.0, "包")
    assert layout.parse_quantity_cell("40台") == (40.0, "台")
    assert layout.parse_quantity_cell("口罩") == (None, None)
    assert layout.foreign_amount("USD 3,000") == ("USD", 3000.0, "exact")
    assert layout.foreign_amount("约500港币") == ("HKD", 500.0, "about")
    assert layout.foreign_amount("500元") is None


def test_distribution_header() -> None:
    assert layout.is_distribution_header(["接收单位", "品名", "规格", "计量单位", "数量"])
    assert not layout.is_distribution_header(["捐赠单位", "入库物资", "计量单位", "数量总计"])
