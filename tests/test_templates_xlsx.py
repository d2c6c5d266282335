"""The blank ledgers shishi hands out must be read back by shishi's own cleaner, with who filled
them recorded, and must be impossible to send back under one shared name."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from metrics.cleaning.headers import load_table_specs
from metrics.cleaning.ledger_templates import (
    HEADER_ROW,
    TEMPLATE_STEMS,
    field_choices,
    write_templates,
    write_unit_templates,
)
from metrics.cleaning.provenance import read_provenance
from metrics.cleaning.store import run_clean
from metrics.periods import Period
from metrics.reporting.export import export_tables

Q1 = Period.parse("2025Q1")
OFFICES = ["甲车间", "乙科室"]


def sample_value(table: str, field: Any, office: str) -> Any:
    """A valid cell for one field, as an office clerk would enter it."""
    choices = field_choices(table, field, OFFICES)
    return {
        "date": dt.date(2025, 2, 10),
        "amount": 1200,
        "count": 12,
        "hours": 2.5,
        "status": "已办结",
        "kind": "现金",
        "quantity": 20,
    }.get(field.type, choices[0] if choices else f"{office}的{field.name}")


def fill(path: Path, rows: list[list[Any]], who: tuple[str, str, dt.date]) -> None:
    """Fill 填报人 / 审核人 / 填报日期 and data rows under the header, as Excel would save them."""
    wb = load_workbook(path)
    ws = wb["台账"]
    ws["F2"], ws["H2"], ws["J2"] = who
    for r, row in enumerate(rows, start=HEADER_ROW + 1):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    wb.save(path)


def test_one_file_per_office_and_table_named_with_office_and_period(tmp_path: Path) -> None:
    paths = write_templates(tmp_path, period=Q1, offices=OFFICES, unit="测试厂")
    assert sorted(p.name for p in paths) == sorted(
        f"{stem}_{office}_2025Q1.xlsx" for stem in TEMPLATE_STEMS.values() for office in OFFICES
    )
    assert len({p.name for p in paths}) == 8  # eight files, eight names: none overwrites another


@pytest.mark.parametrize("mask", [0o022, 0o002])
def test_templates_follow_the_umask(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        [path, *_] = write_templates(tmp_path, period=Q1, offices=["甲车间"])
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_template_has_filled_provenance_line_dropdowns_and_sending_guide(tmp_path: Path) -> None:
    write_templates(tmp_path, period=Q1, offices=OFFICES, unit="测试厂")
    wb = load_workbook(tmp_path / "志愿服务活动_乙科室_2025Q1.xlsx")
    assert wb.sheetnames == ["台账", "说明"]
    ws, guide = wb["台账"], wb["说明"]
    assert ws["A1"].value == "测试厂 乙科室 志愿服务台账（2025年第一季度）"
    assert [ws.cell(row=2, column=c).value for c in range(1, 11)] == [
        "填报单位", "乙科室", "填报期间", "2025Q1", "填报人", None, "审核人", None, "填报日期", None,
    ]  # fmt: skip
    headers = [c.value for c in ws[HEADER_ROW]][:7]
    assert headers == [
        "活动日期",
        "组织单位",
        "活动名称",
        "类别",
        "参与人数",
        "服务时长",
        "服务成果",
    ]

    def listed(column: str) -> list[str]:
        """The words of the drop-down on a ledger column, read from the 说明 sheet it points at."""
        [dv] = [d for d in ws.data_validations.dataValidation if str(d.sqref).startswith(column)]
        ref = dv.formula1.split("!")[1].replace("$", "")
        return [c.value for row in guide[ref] for c in row]

    assert listed("B") == OFFICES  # 组织单位 from [unit] branches
    assert "文明创建" in listed("D") and "关爱老人" in listed("D")  # 类别 from vocab.toml
    text = "\n".join(str(c.value) for c in guide["A"] if c.value)
    assert "志愿服务活动_乙科室_2025Q1.xlsx" in text
    assert "按原文件名发回" not in text

    wishes = load_workbook(tmp_path / "心愿清单_甲车间_2025Q1.xlsx")["台账"]
    rules = {str(d.sqref)[0]: d for d in wishes.data_validations.dataValidation}
    headers = [c.value for c in wishes[HEADER_ROW]]
    status = rules["ABCDEFGHIJK"[headers.index("办理进度")]]
    assert status.showErrorMessage  # status words are strict: the cleaner must read them back
    assert "ABCDEFGHIJK"[headers.index("类别")] in rules


def test_every_filled_template_is_cleaned_without_rejects_and_with_provenance(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    specs = load_table_specs()
    for path in write_templates(raw, period=Q1, offices=OFFICES, unit="测试厂"):
        table = next(t for t, stem in TEMPLATE_STEMS.items() if path.name.startswith(stem))
        office = path.name.split("_")[1]
        fields = [f for f in specs[table].fields.values() if f.in_template]
        row = [sample_value(table, f, office) for f in fields]
        fill(path, [row], (f"{office}填报员", f"{office}审核员", dt.date(2025, 4, 3)))

    outcome = run_clean(raw, tmp_path / "processed")
    assert outcome.rejects.empty
    assert {t: len(f) for t, f in outcome.tables.items()} == {
        "wishes": 2,
        "donations": 2,
        "purchases": 2,
        "volunteering": 2,
    }
    assert outcome.tables["donations"]["amount_yuan"].tolist() == [1200.0, 1200.0]
    ledgers = [(f["file"], s) for f in outcome.manifest["files"] for s in f["sheets"] if s["table"]]
    assert len(ledgers) == 8
    for file, sheet in ledgers:
        office = file.split("_")[1]
        assert sheet["header_row"] == HEADER_ROW
        assert sheet["rejected"] == 0
        assert sheet["provenance"] == {
            "unit": office,
            "period": "2025Q1",
            "filled_by": f"{office}填报员",
            "reviewed_by": f"{office}审核员",
            "filled_on": "2025-04-03",
        }


def test_provenance_reads_label_and_value_in_one_cell_or_two() -> None:
    rows = [
        ["某车间捐款登记表"],
        ["填报单位：卷包车间", None, "填报人", "", "测试员丙", "审核人:", "测试员丁"],
        ["填报日期", dt.datetime(2025, 1, 6), "填报期间", None],
        ["日期", "金额"],
        ["填报人：不在表头之上", None],
    ]
    assert read_provenance(rows, before_row=4) == {
        "unit": "卷包车间",
        "filled_by": "测试员丙",
        "reviewed_by": "测试员丁",
        "filled_on": "2025-01-06",
    }


def test_unit_templates_take_branches_and_name_from_shishi_toml(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "shishi.toml").write_text(
        '[unit]\nname = "测试厂"\nbranches = ["丙车间"]\n', encoding="utf-8"
    )
    paths = write_unit_templates(tmp_path / "out", raw, Q1)
    assert sorted(p.name for p in paths) == sorted(
        f"{stem}_丙车间_2025Q1.xlsx" for stem in TEMPLATE_STEMS.values()
    )
    assert load_workbook(paths[0])["台账"]["A1"].value.startswith("测试厂 丙车间")


def test_export_neutralizes_formulas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"title": ['=HYPERLINK("x")', "@SUM(A1)", "普通文本"], "n": [-1, 2, 3]})
    path = export_tables(tmp_path / "out.xlsx", {"rejects": frame})
    ws = load_workbook(path)["rejects"]
    assert ws["A2"].value == '\'=HYPERLINK("x")'
    assert ws["A3"].value == "'@SUM(A1)"
    assert ws["A4"].value == "普通文本"
    assert ws["B2"].value == -1  # numbers are left alone


def test_goods_are_entered_in_the_donation_template_and_read_back(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_templates(raw, period=Q1, offices=["甲车间"], unit="测试厂")
    path = raw / "捐款捐物登记_甲车间_2025Q1.xlsx"
    ws = load_workbook(path)["台账"]
    headers = [c.value for c in ws[HEADER_ROW] if c.value]
    assert headers == [
        "日期", "项目/用途", "捐赠方", "类型", "金额（元）", "物资名称", "计量单位", "数量", "备注",
    ]  # fmt: skip
    assert "折合金额" in ws["E4"].comment.text  # the 金额 column holds the value of goods
    guide = "\n".join(str(c.value) for c in load_workbook(path)["说明"]["A"] if c.value)
    assert "折合金额" in guide and "本期无" in guide and "_更正" in guide
    fill(
        path,
        [
            [dt.date(2025, 3, 5), "冬季送温暖", "甲车间", "物资", None, "大米", "箱", 20],
            [dt.date(2025, 3, 5), "冬季送温暖", "甲车间", "物资", "约1500", "食用油", "桶", 10],
            [dt.date(2025, 3, 6), "助学", "甲车间", "现金", 800],
        ],
        ("填报员", "审核员", dt.date(2025, 4, 3)),
    )
    outcome = run_clean(raw)
    assert outcome.rejects.empty
    don = outcome.tables["donations"]
    got = don[["kind", "item", "item_unit", "quantity", "amount_yuan", "amount_qualifier"]]
    assert got.astype(object).where(got.notna(), None).values.tolist() == [
        ["in_kind", "大米", "箱", 20.0, None, "exact"],
        ["in_kind", "食用油", "桶", 10.0, 1500.0, "about"],  # a 折合金额 written 约 stays 约
        ["cash", None, None, None, 800.0, "exact"],
    ]
