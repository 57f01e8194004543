"""The UI modules import one another in one direction only: no circle, not even through an
import made inside a function (the kind that hid ``ui.auth`` <-> ``ui.context``)."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "labelnr" / "ui"


def _ui_imports(path: Path) -> set[str]:
    """The ``labelnr.ui`` modules a file imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("labelnr.ui"):
            if node.module == "labelnr.ui":  # from labelnr.ui import charts
                found.update(f"labelnr.ui.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("labelnr.ui."))
    return found


def _graph(folder: Path) -> dict[str, set[str]]:
    return {f"labelnr.ui.{p.stem}": _ui_imports(p) for p in folder.glob("*.py") if p.stem != "__init__"}


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of the graph, as the modules along it, or ``None``."""
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str] | None:
        if name in path:
            return [*path[path.index(name):], name]
        if name in done:
            return None
        for target in sorted(graph.get(name, ())):
            if (found := visit(target, [*path, name])) is not None:
                return found
        done.add(name)
        return None

    for start in sorted(graph):
        if (found := visit(start, [])) is not None:
            return found
    return None


def test_the_check_finds_a_circle() -> None:
    assert _circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _circle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_ui_module_imports_itself_back() -> None:
    graph = _graph(UI)
    assert {"labelnr.ui.auth", "labelnr.ui.session", "labelnr.ui.selection"} <= set(graph)
    assert "labelnr.ui.session" in graph["labelnr.ui.auth"]
    assert _circle(graph) is None, " -> ".join(_circle(graph) or [])
