"""The blank ledgers shishi hands out must be read back by shishi's own cleaner."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from metrics.cleaning.ledger_templates import TEMPLATE_FILES, write_templates
from metrics.cleaning.store import run_clean
from metrics.reporting.export import export_tables


def test_templates_have_headers_dropdowns_and_guide(tmp_path: Path) -> None:
    paths = write_templates(tmp_path)
    assert sorted(p.name for p in paths) == sorted(TEMPLATE_FILES.values())
    wb = load_workbook(tmp_path / TEMPLATE_FILES["wishes"])
    assert wb.sheetnames == ["台账", "说明"]
    headers = [c.value for c in wb["台账"][1]]
    assert "项目名称" in headers and "办理进度" in headers
    formulas = [dv.formula1 for dv in wb["台账"].data_validations.dataValidation]
    assert any("已办结" in f for f in formulas)
    wb = load_workbook(tmp_path / TEMPLATE_FILES["donations"])
    formulas = [dv.formula1 for dv in wb["台账"].data_validations.dataValidation]
    assert any("现金" in f and "物资" in f for f in formulas)


def test_filled_templates_are_cleaned_without_rejects(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_templates(raw)
    wb_path = raw / TEMPLATE_FILES["donations"]
    wb = load_workbook(wb_path)
    ws = wb["台账"]
    headers = [c.value for c in ws[1]]
    row = {
        "日期": dt.date(2024, 10, 8),
        "项目/用途": "职工子女白血病救助",
        "捐赠方": "卷包车间分工会",
        "类型": "现金",
        "金额（元）": 1200,
    }
    for col, header in enumerate(headers, start=1):
        ws.cell(row=2, column=col, value=row.get(header))
    wb.save(wb_path)

    outcome = run_clean(raw, tmp_path / "processed")
    donations = outcome.tables["donations"]
    assert len(donations) == 1
    assert donations.loc[0, "amount_yuan"] == 1200.0
    assert donations.loc[0, "kind"] == "cash"
    assert outcome.rejects.empty
    tables = {f["file"]: f for f in outcome.manifest["files"]}
    detected = {f: [s["table"] for s in v["sheets"] if s.get("table")] for f, v in tables.items()}
    assert detected[TEMPLATE_FILES["donations"]] == ["donations"]
    assert detected[TEMPLATE_FILES["wishes"]] == ["wishes"]


def test_export_neutralizes_formulas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"title": ['=HYPERLINK("x")', "@SUM(A1)", "普通文本"], "n": [-1, 2, 3]})
    path = export_tables(tmp_path / "out.xlsx", {"rejects": frame})
    ws = load_workbook(path)["rejects"]
    assert ws["A2"].value == '\'=HYPERLINK("x")'
    assert ws["A3"].value == "'@SUM(A1)"
    assert ws["A4"].value == "普通文本"
    assert ws["B2"].value == -1  # numbers are left alone
