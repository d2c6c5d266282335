"""A unit's own working folder: made by `shishi init`, filled through its templates, refreshed
for a quarter, and never mixed with the sample in data/raw/."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from metrics.cleaning.headers import load_table_specs
from metrics.cleaning.ledger_templates import HEADER_ROW
from metrics.files import load_processed
from metrics.paths import PROJECT_ROOT
from metrics.periods import Period
from metrics.reporting import kpi
from metrics.running.cli import main
from metrics.running.init import Workdir, is_sample

D = dt.date
Q1 = Period.parse("2025Q1")
#: What each office writes into its 2025Q1 templates: {file stem: {office: [row by field]}}.
FILLED: dict[str, dict[str, list[dict[str, Any]]]] = {
    "捐款捐物登记": {
        "甲车间": [
            {"date": D(2025, 1, 15), "campaign": "大病救助", "donor": "甲车间分工会",
             "kind": "现金", "amount_yuan": 3000},
            {"date": D(2025, 2, 20), "campaign": "冬季送温暖", "donor": "甲车间",
             "kind": "物资", "amount_yuan": 800},
        ],
        "乙科室": [
            {"date": D(2025, 3, 10), "campaign": "大病救助", "donor": "乙科室全体职工",
             "kind": "现金", "amount_yuan": "6万余元"},
        ],
    },
    "消费帮扶采购": {
        "甲车间": [
            {"date": D(2025, 2, 1), "buyer": "企业", "supplier_region": "某县",
             "product": "大米", "amount_yuan": 50000},
        ],
        "乙科室": [
            {"date": D(2025, 3, 1), "buyer": "管理人员自费", "supplier_region": "某县",
             "product": "茶叶", "amount_yuan": 1500},
        ],
    },
    "心愿清单": {
        "甲车间": [
            {"item_id": "1", "title": "更衣室加装热水器", "category": "生活保障",
             "department": "甲车间", "raised_on": D(2025, 1, 5), "status": "已办结",
             "resolved_on": D(2025, 3, 1), "cost_yuan": 4200},
            {"item_id": "2", "title": "班组活动室添置书架", "category": "文体活动",
             "department": "甲车间", "raised_on": D(2025, 2, 1), "status": "推进中"},
        ],
        "乙科室": [
            {"item_id": "1", "title": "办公楼增设无障碍坡道", "category": "安全健康",
             "department": "乙科室", "raised_on": D(2025, 3, 5), "status": "未启动"},
        ],
    },
    "志愿服务活动": {
        "甲车间": [
            {"date": D(2025, 1, 20), "organizer": "甲车间", "title": "敬老院探访",
             "theme": "关爱老人", "participants": 10, "hours": 2},
            {"date": D(2025, 2, 15), "organizer": "甲车间", "title": "社区清扫",
             "theme": "环境保护", "participants": 8, "hours": 3},
        ],
        "乙科室": [
            {"date": D(2025, 3, 12), "organizer": "乙科室", "title": "义务家教",
             "theme": "关爱儿童", "participants": 5, "hours": 4},
        ],
    },
}  # fmt: skip
TABLE_OF = {"捐款捐物登记": "donations", "消费帮扶采购": "purchases", "心愿清单": "wishes",
            "志愿服务活动": "volunteering"}  # fmt: skip


def fill_templates(wd: Workdir) -> None:
    """Fill each office's templates as the office would, and 'send them back' into 原始数据/."""
    specs = load_table_specs()
    for stem, offices in FILLED.items():
        fields = [n for n, f in specs[TABLE_OF[stem]].fields.items() if f.in_template]
        for office, rows in offices.items():
            name = f"{stem}_{office}_2025Q1.xlsx"
            wb = load_workbook(wd.templates / name)
            ws = wb["台账"]
            ws["F2"], ws["H2"], ws["J2"] = f"{office}填报员", f"{office}审核员", D(2025, 4, 2)
            for r, row in enumerate(rows, start=HEADER_ROW + 1):
                for c, field in enumerate(fields, start=1):
                    ws.cell(row=r, column=c, value=row.get(field))
            wb.save(wd.raw / name)


def test_init_template_fill_refresh_gives_the_units_figures_and_no_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(PROJECT_ROOT)  # where data/raw holds the sample
    root = tmp_path / "实事报告"
    assert main(["init", str(root), "--name", "测试厂", "--branch", "甲车间、乙科室"]) == 0
    wd = Workdir(root)
    config = tomllib.loads(wd.config.read_text(encoding="utf-8"))
    assert config["unit"] == {"name": "测试厂", "branches": ["甲车间", "乙科室"]}
    assert not is_sample(wd.raw)
    assert "甲车间、乙科室" in wd.checklist.read_text(encoding="utf-8")
    assert sorted(p.name for p in wd.raw.iterdir()) == ["shishi.toml"]  # the sample stays put

    assert main(["template", "--workdir", str(root), "--period", "2025Q1"]) == 0
    assert len(list(wd.templates.glob("*_2025Q1.xlsx"))) == 8
    fill_templates(wd)
    capsys.readouterr()

    assert main(["clean", "--workdir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "示例数据" not in out
    assert "捐款捐物" in out and "donations" not in out

    tables = load_processed(wd.processed)
    files = {f for t in tables.values() for f in t["source_file"]}
    assert files == {f"{s}_{o}_2025Q1.xlsx" for s, offices in FILLED.items() for o in offices}
    assert {u for t in tables.values() for u in t["unit"]} == {"测试厂"}

    figures = kpi.headline(tables, Q1)  # the route the report takes
    donations = figures["donations_yuan"]
    assert (donations.value, donations.qualifier) == (63800.0, "at_least")
    goods = tables["donations"][tables["donations"]["kind"] == "in_kind"]
    assert kpi.headline({**tables, "donations": goods}, Q1)["donations_yuan"].value == 800.0
    assert figures["purchases_enterprise_yuan"].value == 50000.0
    assert figures["purchases_individual_yuan"].value == 1500.0
    wishes = kpi.wish_summary(tables["wishes"], Q1)
    assert (wishes["total"].current.value, wishes["resolved"].current.value) == (3.0, 1.0)
    assert figures["volunteer_activities"].value == 3.0
    assert figures["volunteer_person_times"].value == 23.0


def test_init_asks_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter(["测试厂", "甲车间，乙科室 丙班组"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert main(["init", str(tmp_path / "w")]) == 0
    config = tomllib.loads(Workdir(tmp_path / "w").config.read_text(encoding="utf-8"))
    assert config["unit"]["branches"] == ["甲车间", "乙科室", "丙班组"]


def test_init_never_overwrites_a_units_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path), "--name", "测试厂"]) == 0
    before = Workdir(tmp_path).config.read_text(encoding="utf-8")
    assert main(["init", str(tmp_path), "--name", "别的厂"]) == 2
    assert "已经初始化过" in capsys.readouterr().err
    assert Workdir(tmp_path).config.read_text(encoding="utf-8") == before


def test_the_shipped_sample_is_marked_as_a_sample() -> None:
    assert is_sample(PROJECT_ROOT / "data" / "raw")


@pytest.mark.e2e
def test_report_from_a_working_folder_names_the_unit_not_the_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "实事报告"
    assert (
        main(["init", str(root), "--name", "测试厂", "--branch", "甲车间", "--branch", "乙科室"])
        == 0
    )
    assert main(["template", "--workdir", str(root), "--period", "2025Q1"]) == 0
    fill_templates(Workdir(root))
    monkeypatch.chdir(root)  # inside the working folder: found without --workdir
    assert main(["report", "--period", "2025Q1", "--only", "quarterly_summary"]) == 0
    pdf = root / "报告" / "2025Q1" / "quarterly_summary.pdf"
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "测试厂" in text
    assert "青江" not in text
