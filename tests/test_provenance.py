"""Which department sent a sheet, for which period: its 填报 cells, else its file name, else
its sheet name (provenance.Origin), and the template names read back."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from metrics.cleaning.context import StatedPeriod
from metrics.cleaning.provenance import Origin, branch_in, read_provenance, sheet_origin
from metrics.cleaning.template_names import template_name, template_parts
from metrics.periods import Period

BRANCHES = ["办公室", "营销部", "市场营销部", "运检部"]


def test_the_cells_come_first_then_the_file_name_then_the_sheet() -> None:
    cells = {"unit": "营销部", "period": "2025Q2", "filled_on": "2025-07-08"}
    assert sheet_origin("捐款捐物登记_营销部_2025Q2.xlsx", "台账", cells, branches=BRANCHES) == (
        Origin("营销部", "cell", "2025Q2", "cell", "2025-07-08", declared=True)
    )
    assert sheet_origin("运检部捐款2025年第一季度.xlsx", "Sheet1", {}, branches=BRANCHES) == (
        Origin("运检部", "file", "2025Q1", "file", declared=True)
    )
    assert sheet_origin("捐款登记.xlsx", "办公室 2025H1", {}, branches=BRANCHES) == Origin(
        "办公室", "sheet", "2025H1", "sheet", declared=True
    )


def test_a_cell_naming_another_department_than_the_file_is_taken_and_flagged() -> None:
    origin = sheet_origin("捐款捐物登记_营销部_2025Q2.xlsx", "台账", {"unit": "运检部"},
                          branches=BRANCHES)  # fmt: skip
    assert (origin.branch, origin.branch_from) == ("运检部", "cell")
    assert origin.conflict == (
        "填报单位写的是「运检部」，文件名中是「营销部」；已按填报单位计为运检部的台账，请核对"
    )


def test_what_a_department_cell_may_say() -> None:
    def branch(cell: str, branches: list[str] = BRANCHES) -> str:
        return sheet_origin("x.xlsx", "台账", {"unit": cell}, branches=branches,
                            unit_name="东山供电公司").branch  # fmt: skip

    assert branch("东山供电公司市场营销部") == "市场营销部"  # the longest declared name it holds
    assert branch(" 营 销 部 ") == "营销部"
    assert branch("东山供电公司") == ""  # the unit itself: its own row
    assert branch("财务部") == "财务部"  # not declared: kept as written
    undeclared = sheet_origin("x.xlsx", "台账", {"unit": "财务部"}, branches=BRANCHES)
    assert (undeclared.declared, undeclared.identity) == (False, "")  # compared with the unit's
    assert branch_in("卷包车间", []) == ""


def test_a_period_from_a_pin_a_title_or_the_rows_dates() -> None:
    pinned = StatedPeriod(Period.parse("2025Q3"), "shishi.toml 的 [[pin]] period = 2025Q3")
    titled = StatedPeriod(Period.parse("2025Q1"), "标题「2025年第一季度捐款」")
    cells = {"period": "2025Q2"}
    assert sheet_origin("a.xlsx", "S", cells, stated=pinned).period == "2025Q3"
    assert sheet_origin("a.xlsx", "S", {}, stated=titled).period_from == "title"
    dates = pd.Series(pd.to_datetime(["2025-04-02", "2025-06-30"]))
    assert sheet_origin("a.xlsx", "S", {}, dates=dates) == Origin(
        period="2025Q2", period_from="rows"
    )
    spread = pd.Series(pd.to_datetime(["2025-02-02", "2025-06-30"]))
    assert sheet_origin("a.xlsx", "S", {}, dates=spread).period == "2025"
    assert sheet_origin("a.xlsx", "S", {"period": "2025年第二季度"}).period == "2025Q2"
    assert sheet_origin("a.xlsx", "S", {"filled_on": "2025年7月8日"}).filled_on == "2025-07-08"


def test_template_names_are_read_back() -> None:
    name = template_name("donations", "营销部", "2025Q2")
    assert name == "捐款捐物登记_营销部_2025Q2.xlsx"
    assert template_parts(name) == ("donations", "营销部", "2025Q2")
    assert template_parts("捐款捐物登记_营销部_2025Q2_更正.xlsx") == (
        "donations",
        "营销部",
        "2025Q2",
    )
    assert template_parts("志愿服务活动_营销部_2025Q2(1).xlsx") == (
        "volunteering",
        "营销部",
        "2025Q2",
    )
    assert template_parts("捐款捐物登记_2025Q2.xlsx") == ("donations", "", "2025Q2")
    assert template_parts("捐款捐物登记2024.xlsx") is None
    # without declared branches, a template's name still names its office
    assert sheet_origin(name, "台账", {}).branch == "营销部"


def test_a_cell_holding_two_labels_gives_both() -> None:
    rows = [["填报单位：青江卷烟厂党群工作部    填报日期：2024年12月31日"], ["序号", "项目名称"]]
    assert read_provenance(rows, before_row=2) == {
        "unit": "青江卷烟厂党群工作部",
        "filled_on": "2024年12月31日",
    }
    assert read_provenance([["填报日期", dt.datetime(2025, 7, 1)]]) == {"filled_on": "2025-07-01"}
