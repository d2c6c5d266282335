"""The Makefile's front door (issue 19, item 9): DRAFT=1 / FORCE=1 reach shishi, the result is
said in Chinese from shishi's one exit-code table, and an incomplete quarter still fails make."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]


def make(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args, "SKIP_APT=1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_draft_and_force_are_passed_and_several_periods_too() -> None:
    said = make("-n", "report", "DRAFT=1", "FORCE=0", "PERIOD=2024Q2 2024H1").stdout
    [line] = [x for x in said.splitlines() if "shishi report" in x]
    assert "--period 2024Q2 --period 2024H1 --draft" in line and "--force" not in line
    said = make("-n", "report", "FORCE=1").stdout
    [line] = [x for x in said.splitlines() if "shishi report" in x]
    assert "--force" in line and "--draft" not in line


@pytest.mark.e2e
def test_an_incomplete_folder_with_draft_says_exit_5_in_chinese(tmp_path: Path) -> None:
    from metrics.running.init import init_workdir

    wd = init_workdir(tmp_path / "实事报告", "东山供电公司", [])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2024Q2"
    ws.append(["日期", "项目/用途", "捐赠方", "类型", "金额（元）"])
    ws.append(["2024-05-10", "困难职工帮扶", "营销部", "现金", 20000])
    wb.save(wd.raw / "捐款捐物_2024Q2.xlsx")
    (wd.raw / "心愿清单_2024Q2.xlsx").write_bytes(b"not a workbook")  # cannot be read: exit 5
    installed = (ROOT / ".venv" / ".installed").stat().st_mtime

    run = make("report", f"DIR={wd.root}", "PERIOD=2024Q2", "DRAFT=1")
    out = run.stdout + run.stderr
    said = run.stdout.splitlines()
    assert "退出码 5：数据不完整" in said[-2]
    assert said[-1] == "（make 随后显示的英文 “Error 5” 说的就是这个退出码）"
    # a scheduler running make must not take an incomplete quarter for a success
    assert run.returncode == 2 and "Error 5" in run.stderr
    assert (wd.reports / "2024Q2" / "quarterly_summary.pdf").exists()  # the draft
    assert (wd.reports / "2024Q2" / "data_quality.pdf").exists()
    assert (ROOT / ".venv" / ".installed").stat().st_mtime == installed  # nothing installed
    assert "pip" not in out and "venv" not in out


def test_upgrade_refreshes_the_lock_and_lock_only_rewrites_it() -> None:
    """`make upgrade` upgrades the packages, then writes requirements.lock from them; `make lock`
    writes it from the versions installed, upgrading nothing."""
    said = make("-n", "upgrade").stdout.splitlines()
    upgrade = [i for i, x in enumerate(said) if "--upgrade" in x and '-e ".[dev]"' in x]
    freeze = [i for i, x in enumerate(said) if "pip freeze" in x]
    assert upgrade and freeze and upgrade[0] < freeze[-1]
    assert any("> requirements.lock" in x for x in said[freeze[-1] :])
    said = make("-n", "lock").stdout.splitlines()
    assert any("pip freeze" in x for x in said)
    assert not any("--upgrade" in x and '-e ".[dev]"' in x for x in said)
