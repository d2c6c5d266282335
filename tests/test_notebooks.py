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
