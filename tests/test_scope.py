"""Typed scope (issue 10 item 5): the whole folder or one unit, matched exactly after stripping."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_report
from metrics.cleaning.store import run_clean
from metrics.errors import ScopeError
from metrics.reporting import quality
from metrics.running.batch import plan_jobs
from metrics.scope import Scope, UnitRequest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw"


def test_parse_unit_option() -> None:
    assert UnitRequest.parse("") == UnitRequest()
    assert UnitRequest.parse(" all ") == UnitRequest(each=True)
    assert UnitRequest.parse(" 青江卷烟厂\u3000") == UnitRequest(name="青江卷烟厂")


def test_resolve() -> None:
    known = ["青江卷烟厂", "二车间"]
    assert UnitRequest.parse("").resolve(known) == [Scope.whole()]
    assert UnitRequest.parse("all").resolve(known) == [Scope("二车间"), Scope("青江卷烟厂")]
    assert UnitRequest.parse(" 青江卷烟厂").resolve(known) == [Scope("青江卷烟厂")]
    with pytest.raises(ScopeError) as err:
        UnitRequest.parse("三车间").resolve(known)
    assert "三车间" in err.value.message and "青江卷烟厂、二车间" in err.value.message.replace(
        "二车间、青江卷烟厂", "青江卷烟厂、二车间"
    )
    with pytest.raises(ScopeError):
        UnitRequest.parse("青江卷烟").resolve(known)  # exact, not a prefix


def test_stripped_name_writes_the_real_units_folder(tmp_path: Path) -> None:
    [scope] = UnitRequest.parse(" 青江卷烟厂").resolve(["青江卷烟厂"])
    [job, _] = plan_jobs(["2024Q4"], [scope], tmp_path, tmp_path, tmp_path, None, "fp")
    assert job.parameters["unit"] == "青江卷烟厂"
    assert job.out_dir == tmp_path / "2024Q4" / "青江卷烟厂"


def two_units(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    sub = raw / "二车间"
    sub.mkdir()
    (sub / "捐款.csv").write_text(
        "日期,捐赠方,金额\n2024-10-09,一支部,300\n2024-11-02,二支部,待定\n", encoding="utf-8"
    )
    (sub / "shishi.toml").write_text('[unit]\nname = "二车间"\n', encoding="utf-8")
    return raw


def test_filters_by_unit(tmp_path: Path) -> None:
    outcome = run_clean(two_units(tmp_path))
    mine = Scope("二车间")
    tables = mine.filter_tables(outcome.tables)
    assert tables["donations"]["amount_yuan"].tolist() == [300.0]
    assert tables["wishes"].empty
    manifest = mine.filter_manifest(outcome.manifest)
    assert [f["file"] for f in manifest["files"]] == ["二车间/捐款.csv"]
    assert manifest["totals"]["rows_read"] == 2 and manifest["totals"]["rejected"] == 1
    rejects = mine.filter_by_file(outcome.rejects, quality.file_units(outcome.manifest))
    assert rejects["source_file"].tolist() == ["二车间/捐款.csv"]
    other = Scope("青江卷烟厂").filter_by_file(
        outcome.rejects, quality.file_units(outcome.manifest)
    )
    assert "二车间/捐款.csv" not in set(other["source_file"])
    assert Scope.whole().filter_manifest(outcome.manifest) is outcome.manifest


def test_warnings_carry_their_unit(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "心愿.csv").write_text(
        "序号,项目名称,提出时间,办理进度,办结时间\n1,修路,2024-10-05,已办结,2024-09-01\n",
        encoding="utf-8",
    )
    outcome = run_clean(raw)
    assert "unit" in outcome.warnings.columns
    assert len(outcome.warnings) >= 1
    assert set(outcome.warnings["unit"]) == {"本单位"}
    frame = pd.DataFrame({"unit": ["甲", " 甲", "乙"], "x": [1, 2, 3]})
    assert Scope("甲").filter(frame)["x"].tolist() == [1, 2]


@pytest.mark.e2e
def test_each_units_data_quality_report_covers_that_unit_only(tmp_path: Path) -> None:
    import re
    import subprocess

    raw = two_units(tmp_path)
    code = run_report(tmp_path, raw, "--unit", "all", "--only", "data_quality")
    assert code == 0

    def text(unit: str) -> str:
        pdf = tmp_path / "r" / "2024Q4" / unit / "data_quality.pdf"
        out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
        return re.sub(r"\s+", "", out.stdout.decode("utf-8"))

    # the top-level ledgers of a folder that declares units are the group's 机关本部 (issue 19)
    small, sample = text("二车间"), text("青江卷烟厂机关本部")
    assert "二车间/捐款.csv" in small and "心愿清单台账2024.xlsx" not in small
    assert "二车间/捐款.csv" not in sample and "心愿清单台账2024.xlsx" in sample
    group = text("")  # the group's own report, at the top of the period's folder
    assert "二车间/捐款.csv" in group and "心愿清单台账2024.xlsx" in group


def test_a_scope_keeps_the_datas_spelling_for_the_notebooks() -> None:
    """NFKC turns （本部） into (本部): the notebooks filter on the data's own spelling."""
    known = ["青江卷烟厂（本部）"]
    [scope] = UnitRequest.parse("青江卷烟厂(本部) ").resolve(known)
    assert scope.unit == scope.param == "青江卷烟厂（本部）"
    [each] = UnitRequest.parse("all").resolve(known)
    assert each.param == "青江卷烟厂（本部）"
    frame = pd.DataFrame({"unit": ["青江卷烟厂（本部）", "别的"], "x": [1, 2]})
    assert scope.filter(frame)["x"].tolist() == [1]


def test_a_unit_typed_in_another_width_case_or_spacing_is_the_declared_one() -> None:
    """Unit keys fold width, case and spaces (issue 21 case 2): the scope keeps the data's
    spelling, and a name that is no unit is said as typed."""
    known = ["AB车间", "青江卷烟厂"]
    for typed in ("ab车间", "ＡＢ车间", "AB 车间"):
        assert UnitRequest.parse(typed).resolve(known) == [Scope("AB车间")]
    assert Scope("AB车间").covers("ａｂ 车间") and not Scope("AB车间").covers("AB车间二")
    with pytest.raises(ScopeError, match="没有名为「CD车间」的单位"):
        UnitRequest.parse("CD车间").resolve(known)
