"""Streamlit "magic" is off, and no page relies on it: a bare expression would silently vanish."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [ROOT / "app.py", *sorted((ROOT / "labelnr" / "ui" / "pages").glob("*.py"))]


def _bare_expressions(source: str) -> list[int]:
    """Lines magic would have written: expressions that are neither calls, awaits, yields nor docstrings."""
    tree = ast.parse(source)
    docstrings = {id(body[0]) for node in ast.walk(tree)
                  if isinstance(body := getattr(node, "body", None), list) and body
                  and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                  and isinstance(body[0].value.value, str)}
    lines = [node.lineno for node in ast.walk(tree)
             if isinstance(node, ast.Expr) and id(node) not in docstrings
             and not isinstance(node.value, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom))]
    return sorted(lines)


def test_magic_is_disabled() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["magicEnabled"] is False


def test_the_check_sees_a_bare_expression() -> None:
    assert _bare_expressions('"""Doc."""\nimport x\nx.y\nprint(1)\n"text"\n') == [3, 5]


def test_no_page_writes_a_bare_expression() -> None:
    found = {p.name: lines for p in SCRIPTS if (lines := _bare_expressions(p.read_text(encoding="utf-8")))}
    assert found == {}
