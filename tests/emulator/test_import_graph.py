"""The emulator's modules import each other without a circle.

A circle (even one hidden in a function-level or TYPE_CHECKING import) means neither module can
be read, tested or changed alone; ``model/allocation.py`` and ``model/host.py`` once formed one.
Every import counts here, wherever it sits in the file.
"""

from __future__ import annotations

import ast
import pathlib

import hyperv_sriov_emulator

ROOT = pathlib.Path(hyperv_sriov_emulator.__file__).resolve().parent


def _graph() -> dict[str, set[str]]:
    """Module -> the package's own modules it imports (package __init__ files included)."""
    names = {
        ".".join(path.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__"): path
        for path in ROOT.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{parent}.{base}".rstrip(".")
                # "from pkg import mod" depends on pkg.mod when that is a module, else on pkg.
                candidates = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in names else base for alias in node.names
                ]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            edges.update(c for c in candidates if c in names and c != name)
        graph[name] = edges
    return graph


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path of module names, or None; edges leaving the graph are ignored."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = "open"
        stack.append(name)
        for dep in sorted(graph[name] & graph.keys()):
            if state.get(dep) == "open":
                return stack[stack.index(dep):] + [dep]
            if dep not in state and (found := visit(dep)):
                return found
        stack.pop()
        state[name] = "done"
        return None

    for name in sorted(graph):
        if name not in state and (found := visit(name)):
            return found
    return None


def test_the_model_reads_its_import_graph():
    graph = _graph()
    assert "hyperv_sriov_emulator.model.allocation" in graph["hyperv_sriov_emulator.model.host"]
    assert "hyperv_sriov_emulator.model.host" not in graph["hyperv_sriov_emulator.model.allocation"]


def test_no_import_circle_in_the_emulator():
    assert _circle(_graph()) is None


def test_a_circle_is_found():
    assert _circle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _circle({"a": {"b", "outside"}, "b": set()}) is None
