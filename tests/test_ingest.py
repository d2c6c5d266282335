"""The analyst's data/raw/shishi.toml: extra header synonyms and pins for odd files."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from metrics.cleaning.headers import load_table_specs, match_header_cell, split_unit
from metrics.cleaning.ingest import copy_rank, year_hint
from metrics.cleaning.store import run_clean
from metrics.config import load_config
from metrics.errors import ConfigError
from metrics.running.batch import plan_jobs


def odd_workbook(path: Path) -> None:
    """Header on row 4 under three rows that look like a table, amounts in 万元 with no unit."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["日期", "捐赠方", "金额"])  # a decoy header in a title block
    ws.append(["说明：以下为二车间数据"])
    ws.append([None])
    ws.append(["时间", "爱心人士", "善款数额"])  # row 4: unknown headers
    ws.append(["2024-10-01", "张三", 1.5])
    ws.append(["2024-10-02", "李四", "0.3"])
    wb.save(path)


def test_pin_and_extra_synonyms(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    odd_workbook(raw / "二车间捐款.xlsx")
    (raw / "shishi.toml").write_text(
        """
[unit]
name = "二车间"

[headers.donations]
date = ["时间"]
donor = ["爱心人士"]
amount_yuan = ["善款数额"]

[[pin]]
file = "二车间*.xlsx"
sheet = "Sheet1"
table = "donations"
header_row = 4
unit = "万元"
""",
        encoding="utf-8",
    )
    outcome = run_clean(raw, None)
    don = outcome.tables["donations"]
    assert don["amount_yuan"].tolist() == [15000.0, 3000.0]
    assert don["source_row"].tolist() == [5, 6]
    assert set(don["unit"]) == {"二车间"}
    sheet = outcome.manifest["files"][0]["sheets"][0]
    assert (sheet["header_row"], sheet["rows_read"], sheet["accepted"]) == (4, 2, 2)


def test_pin_can_skip_a_sheet(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    odd_workbook(raw / "x.xlsx")
    (raw / "shishi.toml").write_text('[[pin]]\nfile = "x.xlsx"\nskip = true\n', encoding="utf-8")
    outcome = run_clean(raw, None)
    assert outcome.tables["donations"].empty
    assert any("跳过" in n.message for n in outcome.notices)


def test_broken_config_says_where(tmp_path: Path) -> None:
    (tmp_path / "shishi.toml").write_text("[unit\nname=", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"shishi\.toml"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("header", "field", "multiplier"),
    [
        ("投入资金（万元）", "cost_yuan", 10000.0),
        ("投入资金(万元)", "cost_yuan", 10000.0),
        ("投入资金/万元", "cost_yuan", 10000.0),
        ("狀態", "status", 1.0),
        ("辦理進度", "status", 1.0),
        ("Status", "status", 1.0),
        ("项目名称", "title", 1.0),
    ],
)
def test_header_matching(header: str, field: str, multiplier: float) -> None:
    spec = load_table_specs()["wishes"]
    assert match_header_cell(header, spec) == (field, multiplier)


def test_split_unit_and_hints() -> None:
    assert split_unit("金額（元）") == ("金额", 1.0)
    assert split_unit("金额（千元）") == ("金额", 1000.0)
    assert year_hint("2024Q4", "捐款.xlsx") == 2024
    assert year_hint("Sheet1", "捐款2023.xlsx") == 2023
    assert year_hint("Sheet1", "2023-2024对比.xlsx") is None  # two years: ambiguous
    assert copy_rank(Path("a(1).csv")) > copy_rank(Path("a.csv"))
    assert copy_rank(Path("名单 - 副本.xlsx"))[0] == 1


def test_several_periods_and_units_make_one_job_each(tmp_path: Path) -> None:
    jobs = plan_jobs(
        ["2024Q3", "2024Q4"], ["甲厂", "乙厂"], tmp_path, tmp_path, tmp_path, None, "fp"
    )
    assert len(jobs) == 2 * 2 * 2
    assert len({j.pdf for j in jobs}) == 8
    assert len({j.fingerprint for j in jobs}) == 8


@pytest.mark.parametrize(
    "cells",
    [{"C3": "x", "D5": 5}, {"A3": "x", "B4": 1}, {"B1": "h", "C9": 2}, {"E7": "only"}, {}],
)
def test_streamed_rows_keep_excel_positions(tmp_path: Path, cells: dict) -> None:
    """Streaming must give the same grid as a full read: Excel row/column = index + 1."""
    from python_calamine import CalamineWorkbook

    from metrics.cleaning.ingest import read_workbook_sheets

    wb = Workbook()
    for ref, value in cells.items():
        wb.active[ref] = value
    wb.active.title = "S"
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    expected = (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name("S")
        .to_python(skip_empty_area=False)
    )
    [(name, stream, n_rows)] = list(read_workbook_sheets(path))
    assert name == "S"
    assert n_rows == len(expected)  # what the progress bar counts on
    assert list(stream()) == expected
    assert list(stream()) == expected  # a stream can be read twice (header search, then body)
    for ref, value in cells.items():
        row, col = int(ref[1:]) - 1, ord(ref[0]) - ord("A")
        assert expected[row][col] == value
