"""The report notebooks are committed as sources: no outputs, no execution counts, a tagged
parameters cell (papermill injects after it), and thin (logic lives in src/metrics)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                path.name,
                cell.source[:60],
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_first_and_documented(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert "parameters" in first.metadata.get("tags", [])
    for line in first.source.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            assert "#" in line, f"{path.name}: parameter without a comment: {line}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_thin(path: Path) -> None:
    """The leadership notebook is about 60 code lines; the analyst's at most twice that."""
    nb = nbformat.read(path, as_version=4)
    code = [
        line
        for cell in nb.cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    limit = 60 if path.stem == "quarterly_summary" else 200
    assert len(code) <= limit, f"{path.name}: {len(code)} code lines"


def _html(nb: nbformat.NotebookNode) -> str:
    return "".join(
        str(out.get("data", {}).get("text/html", ""))
        for cell in nb.cells
        for out in cell.get("outputs", [])
    )


@pytest.mark.e2e
def test_jupyterlab_with_only_the_working_folder_set_shows_that_unit(tmp_path: Path) -> None:
    """README 九: set workdir, run. The unit's name and targets, never the sample's banner."""
    import openpyxl

    from metrics.paths import NOTEBOOKS_DIR
    from metrics.reporting.render import execute_notebook
    from metrics.running.cli import main
    from metrics.running.init import init_workdir

    wd = init_workdir(tmp_path / "实事报告", "东山供电公司", [])
    wd.config.write_text(
        wd.config.read_text(encoding="utf-8").replace(
            "# [targets]\n# purchases_enterprise_yuan = 600000",
            "[targets]\ndonations_yuan = 80000",
        ),
        encoding="utf-8",
    )
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2024Q2"
    ws.append(["日期", "项目/用途", "捐赠方", "类型", "金额（元）"])
    ws.append(["2024-05-10", "困难职工帮扶", "营销部", "现金", 20000])
    wb.save(wd.raw / "捐款捐物_营销部_2024Q2.xlsx")
    assert main(["clean", "--workdir", str(wd.root)]) == 0

    for name in ("quarterly_summary", "data_quality"):
        nb = execute_notebook(
            NOTEBOOKS_DIR / f"{name}.ipynb",
            tmp_path / f"{name}.ipynb",
            {"workdir": str(wd.root), "period": "2024Q2"},
        )
        html = _html(nb)
        assert "示例数据" not in html and "青江" not in html  # nothing of the sample
        if name == "quarterly_summary":
            assert "东山供电公司" in html
            assert "8万元" in html and "25.0%" in html  # 2万 of the unit's 8万 target
        else:
            assert "捐款捐物_营销部_2024Q2.xlsx" in html
    # the sample, cleaned elsewhere and given as a processed folder only: its own banner
    from metrics.cleaning.store import run_clean
    from metrics.paths import SAMPLE_RAW

    run_clean(SAMPLE_RAW, tmp_path / "p")
    nb = execute_notebook(
        NOTEBOOKS_DIR / "quarterly_summary.ipynb",
        tmp_path / "sample.ipynb",
        {"period": "2024Q2", "processed_dir": str(tmp_path / "p")},
    )
    assert "示例数据" in _html(nb) and "青江卷烟厂" in _html(nb)
