"""The layers stay layers: imports flow running -> reporting -> cleaning -> root, with no
cycles, and only the CLI prints. Read from the sources with ast, lazy imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "metrics"
#: A module may import from its own layer and the layers with a lower rank.
RANK = {"": 0, "cleaning": 1, "reporting": 2, "running": 3}
#: The one module that talks to the terminal.
PRINTS = {"metrics.running.cli"}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in RANK else ""


def imports_of(path: Path) -> set[str]:
    """Every metrics module this file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("metrics")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("metrics"):
            for alias in node.names:  # `from metrics.cleaning import parsing` names a module
                sub = f"{node.module}.{alias.name}"
                known = (PACKAGE.parent / sub.replace(".", "/")).with_suffix(".py").exists()
                found.add(sub if known else node.module)
    return found


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {m: {i for i in imports_of(p) if i in MODULES and i != m} for m, p in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_never_go_up_a_layer(module: str) -> None:
    upward = [i for i in GRAPH[module] if RANK[layer(i)] > RANK[layer(module)]]
    assert not upward, f"{module} imports a higher layer: {upward}"


def test_no_import_cycles() -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for nxt in sorted(GRAPH[module]):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])


def is_main_block(node: ast.stmt) -> bool:
    """`if __name__ == "__main__":`"""
    test = getattr(node, "test", None)
    return (
        isinstance(node, ast.If)
        and isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
    )


@pytest.mark.parametrize("module", sorted(set(MODULES) - PRINTS))
def test_only_the_cli_prints(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    body = [n for n in tree.body if not is_main_block(n)]  # `python -m` entry points may print
    calls = [
        n.lineno
        for top in body
        for n in ast.walk(top)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
    ]
    assert not calls, f"{module} prints on lines {calls}: raise a ShishiError or return a value"


def test_no_module_level_mutable_state() -> None:
    """A module-level `global` statement means state carried between calls: not here."""
    offenders = [
        m
        for m, p in MODULES.items()
        if any(isinstance(n, ast.Global) for n in ast.walk(ast.parse(p.read_text("utf-8"))))
    ]
    assert not offenders, offenders


#: shishi's own file I/O, below the cleaning pipeline (metrics.files).
FILE_IO = "metrics.files"


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if layer(m) in ("reporting", "running"))
)
def test_writing_a_file_does_not_import_the_pipeline(module: str) -> None:
    """reporting and running write and load files through metrics.files; they import
    cleaning.store only to run the cleaning (run_clean and its outcome)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    file_io = set(vars(__import__(FILE_IO, fromlist=["_"])))
    borrowed = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "metrics.cleaning.store"
        for alias in node.names
        if alias.name in file_io
    ]
    assert not borrowed, f"{module} imports {borrowed} from the cleaning pipeline: use {FILE_IO}"


def test_file_io_sits_below_cleaning() -> None:
    assert layer(FILE_IO) == "" and not {i for i in GRAPH[FILE_IO] if layer(i)}


def test_every_error_type_is_used() -> None:
    """An exception type of errors.py that nothing raises or catches is dead code."""
    tree = ast.parse(MODULES["metrics.errors"].read_text(encoding="utf-8"))
    defined = {n.name for n in tree.body if isinstance(n, ast.ClassDef) and n.name != "ExitCode"}
    used: set[str] = set()
    for module, path in MODULES.items():
        if module == "metrics.errors":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name):
                used.add(node.id)
            elif isinstance(node, ast.Attribute):
                used.add(node.attr)
            elif isinstance(node, ast.alias):
                used.add(node.asname or node.name)
    inside = {  # a base class of another error is used through it
        b.id
        for n in tree.body
        if isinstance(n, ast.ClassDef)
        for b in n.bases
        if isinstance(b, ast.Name)
    }
    assert not defined - used - inside, f"never used outside errors.py: {defined - used - inside}"
