"""contract.py is the one source of every Chinese label for a contract value.

A status, buyer type, row count or table written as its Chinese label anywhere else in src/ is
a copy that drifts (the Word report once said 以企业名义采购 where the Excel export said 企业).
Found with ast, so prose that merely mentions a label passes; a data/*.toml file may hold a
label only as vocabulary (a word in a list of words an office writes), never as a label.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path
from typing import Any

import pytest

from metrics import contract

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "metrics"

#: The labels a contract value is shown by.
LABEL_SOURCES: dict[str, dict[str, str]] = {
    "STATUS_LABELS": contract.STATUS_LABELS,
    "BUYER_TYPE_LABELS": contract.BUYER_TYPE_LABELS,
    "COUNT_LABELS": contract.COUNT_LABELS,
    "TABLE_LABELS": contract.TABLE_LABELS,
}
LABELS: dict[str, str] = {
    label: f"contract.{source}[{key!r}]"
    for source, labels in LABEL_SOURCES.items()
    for key, label in labels.items()
}

#: Modules another change is moving onto the contract's labels right now, with the copies they
#: still hold. Remove a module once it imports its labels; test_pending_copies_are_still_there
#: fails when an entry is no longer needed.
PENDING: dict[str, set[str]] = {
    "reporting/model.py": {"捐款捐物", "消费帮扶采购", "志愿服务"},
    "config.py": {"心愿清单", "捐款捐物", "志愿服务"},
}


def copies_in(source: str) -> list[tuple[int, str]]:
    """(line, label) of every string constant in source that is a contract label."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in LABELS
    ]


def modules() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if p != PACKAGE / "contract.py"]


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_copies_a_contract_label(path: Path) -> None:
    allowed = PENDING.get(path.relative_to(PACKAGE).as_posix(), set())
    copies = [(line, lab) for line, lab in copies_in(path.read_text("utf-8")) if lab not in allowed]
    assert not copies, "\n".join(
        f"{path.name}:{line}: 「{lab}」 is {LABELS[lab]}: import it" for line, lab in copies
    )


def test_pending_copies_are_still_there() -> None:
    """A module that now imports its labels leaves PENDING, so the check covers it again."""
    stale = {
        name: labels - {lab for _, lab in copies_in((PACKAGE / name).read_text("utf-8"))}
        for name, labels in PENDING.items()
    }
    assert not {n: s for n, s in stale.items() if s}, f"remove from PENDING: {stale}"


def scalar_labels(value: Any, where: str) -> list[str]:
    """Where a toml value holds a contract label outside a list of words (vocabulary)."""
    if isinstance(value, dict):
        return [hit for k, v in value.items() for hit in scalar_labels(v, f"{where}.{k}")]
    if isinstance(value, str) and value in LABELS:
        return [f"{where} = 「{value}」 is {LABELS[value]}"]
    return []  # a list is vocabulary: the words offices write


@pytest.mark.parametrize("path", sorted((PACKAGE / "data").glob("*.toml")), ids=lambda p: p.name)
def test_data_files_hold_labels_only_as_vocabulary(path: Path) -> None:
    hits = scalar_labels(tomllib.loads(path.read_text("utf-8")), path.stem)
    assert not hits, hits


def test_the_check_finds_a_copy() -> None:
    """The scanner is not blind: a dict of copied labels is found, prose about them is not."""
    source = 'CN = {"resolved": "已办结"}\nNOTE = "已办结的心愿"\n'
    assert copies_in(source) == [(1, "已办结")]
    assert scalar_labels({"tables": {"wishes": {"label": "心愿清单"}}}, "headers")
    assert not scalar_labels({"resolved": ["已办结", "是"]}, "statuses")


def test_table_labels_have_one_source() -> None:
    """headers.toml no longer names the tables: the cleaner's messages use the contract's."""
    from metrics.cleaning.header_fields import ledger_label, load_table_specs
    from metrics.config import table_label

    for table, label in contract.TABLE_LABELS.items():
        assert ledger_label(table) == table_label(table) == label
        assert load_table_specs()[table].label == label
