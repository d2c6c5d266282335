"""The notebooks' parameters are declared once: in each notebook's ``parameters`` cell.

shishi report (running/batch.plan_jobs) must pass only parameters a notebook declares
(papermill would inject an unknown one silently, and the notebook would ignore it), and a
notebook declares only parameters its cells use. Read with nbformat; the parameters passed
are the ones plan_jobs really plans, with every optional input given.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import nbformat
import pytest

from metrics.paths import NOTEBOOKS_DIR
from metrics.running.batch import REPORTS, plan_jobs
from metrics.running.gate import Blocker
from metrics.scope import Scope


def cells(name: str) -> tuple[str, list[str]]:
    """(the parameters cell, the other code cells) of a notebook."""
    nb = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    params = [c.source for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, f"{name}: one cell tagged parameters"
    return params[0], [c.source for c in code if "parameters" not in c.metadata.get("tags", [])]


def declared(name: str) -> set[str]:
    tree = ast.parse(cells(name)[0])
    return {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}  # fmt: skip


def used(name: str) -> set[str]:
    return {
        n.id
        for source in cells(name)[1]
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


def passed(tmp_path: Path) -> dict[str, set[str]]:
    """Every parameter plan_jobs passes to each notebook, over drafts, blockers, stale reports
    and receipts (each optional input given)."""
    scope = Scope(None)
    blocker = Blocker("unreadable", "读不出", "请检查", file="a.xlsx", table="donations")
    out: dict[str, set[str]] = {name: set() for name in REPORTS}
    for draft in (False, True):
        jobs = plan_jobs(
            ["2024Q4"],
            [scope],
            tmp_path / "r",
            tmp_path / "p",
            tmp_path / "raw",
            None,
            "fp",
            blockers={("2024Q4", scope): [blocker]},
            draft=draft,
            stale=[{"unit": scope.param, "pdf": "x.pdf"}],
            receipts={("2024Q4", scope): [{"unit": "", "table": "donations"}]},
        )
        jobs += plan_jobs(["2024Q4"], [scope], tmp_path / "r", tmp_path / "p", tmp_path, None, "f")
        for job in jobs:
            out[job.name] |= set(job.parameters)
    return out


@pytest.mark.parametrize("name", REPORTS)
def test_shishi_report_passes_only_declared_parameters(name: str, tmp_path: Path) -> None:
    undeclared = passed(tmp_path)[name] - declared(name)
    assert not undeclared, f"batch passes {undeclared} to {name}.ipynb, which does not declare it"


@pytest.mark.parametrize("name", REPORTS)
def test_every_declared_parameter_is_used(name: str) -> None:
    unused = declared(name) - used(name)
    assert not unused, f"{name}.ipynb declares {unused} and never uses it"


def test_the_checks_see_a_parameter(tmp_path: Path) -> None:
    """Not blind: the parameters planned and declared are read, not empty sets."""
    planned: dict[str, Any] = passed(tmp_path)
    for name in REPORTS:
        assert {"period", "unit", "processed_dir"} <= planned[name] & declared(name) & used(name)
