"""The house has no import cycle: every module's top-level imports of concerted's own modules
form a graph without a loop (a package's ``__init__`` handing names on is not a room of it)."""

from __future__ import annotations

import ast
from pathlib import Path

import concerted

SRC = Path(concerted.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path, modules: set[str]) -> set[str]:
    """The concerted modules ``path`` imports when it is imported (not inside functions)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports nothing at run time
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in modules else base)
    found.discard(name)
    # A package's own __init__ only hands names on to the outside: not an edge of the house.
    return {m for m in found if m in modules and not name.startswith(m + ".")}


def _graph() -> dict[str, set[str]]:
    files = [p for p in SRC.rglob("*.py") if "templates" not in p.parts]
    modules = {_module_name(p) for p in files}
    return {_module_name(p): _top_level_imports(p, modules) for p in files}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (loop := visit(nxt)):
                return loop
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (loop := visit(node)):
            return loop
    return []


def test_imports_graph_is_read():
    graph = _graph()
    assert "concerted.pipeline" in graph["concerted.jobs"]
    assert "concerted.engines.base" in graph["concerted.engines.duckdb"]
    assert "concerted.engines.duckdb" not in graph["concerted.engines.base"]


def test_imports_have_no_cycle():
    assert _cycle(_graph()) == []


def test_imports_cycle_is_found():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
