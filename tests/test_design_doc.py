"""docs/design.md names only what exists.

Every `module.name` it cites (a function, class, constant or method: `files.atomic_write`,
`running/lock.output_lock`, `Job.outputs`) is looked up in src/metrics; every `path.py` must be
a file of the repository; every test it cites (`test_clean.py::test_x`, `in::test_x` for
tests/test_hostile_inputs.py, `out::test_x` for tests/test_hostile_outputs.py) must be defined.
"""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "metrics"
DESIGN = ROOT / "docs" / "design.md"
#: `in::` and `out::` as the document defines them.
TEST_FILES = {"in": "test_hostile_inputs.py", "out": "test_hostile_outputs.py"}
#: A cited name ending in one of these is a file name, not a module attribute.
FILE_SUFFIXES = ("json", "csv", "toml", "md", "html", "j2", "css", "pdf", "xlsx", "docx", "ipynb")

DOTTED = re.compile(r"^[A-Za-z_][\w/]*(?:\.[A-Za-z_]\w*)+$")
TEST_REF = re.compile(r"^([\w.]+)::(test_\w+)$")


def cited() -> list[str]:
    return sorted(set(re.findall(r"`([^`\n]+)`", DESIGN.read_text(encoding="utf-8"))))


@cache
def modules() -> dict[str, str]:
    """Every way the document may name a module -> its import name: ``store``,
    ``cleaning.store``, ``cleaning/store``, ``metrics.cleaning.store``."""
    out: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        for i in range(len(parts)):
            out.setdefault(".".join(parts[i:]), name)
            out.setdefault("/".join(parts[i:]), name)
    return out


@cache
def classes() -> dict[str, list[str]]:
    """Class name -> the modules that define it."""
    out: dict[str, list[str]] = {}
    for alias, name in modules().items():
        if alias != name:
            continue
        path = PACKAGE.parent / (name.replace(".", "/") + ".py")
        if not path.exists():
            path = PACKAGE.parent / name.replace(".", "/") / "__init__.py"
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                out.setdefault(node.name, []).append(name)
    return out


def resolves(ref: str) -> bool:
    """Whether `a.b.c` names a module, or an attribute reached from a module or a class."""
    parts = ref.split(".")
    for cut in range(len(parts), 0, -1):  # the longest module prefix
        module = modules().get(".".join(parts[:cut]))
        if module:
            return _has(importlib.import_module(module), parts[cut:])
    owners = classes().get(parts[0], [])
    return any(_has(getattr(importlib.import_module(m), parts[0]), parts[1:]) for m in owners)


def _has(obj: object, attrs: list[str]) -> bool:
    for attr in attrs:
        if not hasattr(obj, attr):
            fields = getattr(obj, "__dataclass_fields__", {}) or getattr(obj, "model_fields", {})
            return attr in fields and attr == attrs[-1]
        obj = getattr(obj, attr)
    return True


def code_refs() -> list[str]:
    return [
        r
        for r in cited()
        if DOTTED.match(r) and not r.endswith(".py") and r.rsplit(".", 1)[1] not in FILE_SUFFIXES
    ]


def test_the_document_cites_names() -> None:
    """Not blind: the document's names are found (and include the ones this test was for)."""
    refs = code_refs()
    assert len(refs) > 50 and "files.atomic_write" in refs
    assert not resolves("clean._parse_body") and not resolves("cli.check_unit")
    assert resolves("files.atomic_write") and resolves("running/lock.output_lock")


@pytest.mark.parametrize("ref", code_refs())
def test_every_cited_name_exists(ref: str) -> None:
    assert resolves(ref), f"docs/design.md cites `{ref}`, which does not exist"


@pytest.mark.parametrize("ref", [r for r in cited() if r.endswith(".py") and "::" not in r])
def test_every_cited_file_exists(ref: str) -> None:
    found = (ROOT / ref).exists() or any(ROOT.glob(f"**/{ref}"))
    assert found, f"docs/design.md cites `{ref}`, which is no file of the repository"


def test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


test_functions.__test__ = False  # type: ignore[attr-defined]


@pytest.mark.parametrize("ref", [r for r in cited() if TEST_REF.match(r)])
def test_every_cited_test_exists(ref: str) -> None:
    m = TEST_REF.match(ref)
    assert m
    file = TEST_FILES.get(m.group(1), m.group(1))
    path = ROOT / "tests" / file
    assert path.exists() and m.group(2) in test_functions(path), f"`{ref}` is no test"
