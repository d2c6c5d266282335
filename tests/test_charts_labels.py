"""The report's modules take contract values' Chinese labels from contract.py, never a copy
(issue 22: charts.STATUS_CN and model.BUYER_CN were second copies, and BUYER_CN said
以企业名义采购 where the Excel export said 企业); charts draw an unreported quarter as no bar."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from metrics import contract
from metrics.reporting import charts, model

REPORTING = Path(__file__).resolve().parents[1] / "src" / "metrics" / "reporting"
#: The modules the leadership report's model and charts are built in.
OWN = ("model.py", "parts.py", "sections.py", "loading.py", "charts.py", "group.py")
#: Every contract value that has a Chinese label (pending, enterprise, cash …).
LABELLED = {
    key
    for labels in (
        contract.STATUS_LABELS,
        contract.BUYER_TYPE_LABELS,
        contract.KIND_LABELS,
        contract.DONOR_TYPE_LABELS,
        contract.QUALIFIER_LABELS,
    )
    for key in labels
}


def copied_label_tables(path: Path) -> list[int]:
    """Lines of dict literals mapping contract values to Chinese words."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Dict):
            continue
        pairs = [
            (k.value, v.value)
            for k, v in zip(node.keys, node.values, strict=True)
            if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)
        ]
        if any(k in LABELLED and isinstance(v, str) and v.isascii() is False for k, v in pairs):
            found.append(node.lineno)
    return found


@pytest.mark.parametrize("name", OWN)
def test_no_copy_of_a_contract_label_table(name: str) -> None:
    assert copied_label_tables(REPORTING / name) == []


def test_buyer_types_read_as_in_the_excel_export() -> None:
    assert model.BUYER_CN == contract.BUYER_TYPE_LABELS


def test_the_dead_show_helper_is_gone() -> None:
    assert not hasattr(charts, "show")


def test_an_unreported_quarter_is_drawn_without_a_bar() -> None:
    import matplotlib.pyplot as plt

    fig = charts.panels_chart(
        [("志愿服务活动（次）", ["2024年一季度", "二季度"], [0.0, 3.0], [model.UNREPORTED, "3"])],
        "走势",
    )
    ax = fig.axes[0]
    heights = [bar.get_height() for bar in ax.patches]
    texts = [t.get_text() for t in ax.texts]
    assert heights == [0.0, 3.0] and model.UNREPORTED in texts
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["2024年\n一季度", "二季度"]
    plt.close(fig)
