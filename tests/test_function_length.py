"""No function of the product runs over fifty lines of code: longer ones are split into named steps."""

from __future__ import annotations

import ast
from pathlib import Path

import service

LIMIT = 50


def code_lines(lines: list[str], function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of ``function`` holding code: blank lines, comments and its docstring not counted."""
    numbers = set(range(function.lineno, (function.end_lineno or function.lineno) + 1))
    first = function.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        numbers -= set(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return sum(1 for n in numbers if lines[n - 1].strip() and not lines[n - 1].strip().startswith("#"))


def lengths(root: Path) -> dict[str, int]:
    found: dict[str, int] = {}
    for source in sorted(root.rglob("*.py")):
        text = source.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text, str(source))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found[f"{source.relative_to(root)}:{node.lineno} {node.name}"] = code_lines(lines, node)
    return found


def test_no_function_is_longer_than_the_limit() -> None:
    measured = lengths(Path(service.__file__).parent)
    assert len(measured) > 100
    assert {name: n for name, n in measured.items() if n > LIMIT} == {}


def test_the_count_leaves_out_docstrings_comments_and_blank_lines(tmp_path: Path) -> None:
    (tmp_path / "sample.py").write_text('def f():\n    """Doc.\n\n    More."""\n    # why\n\n    a = 1\n    return a\n')
    assert lengths(tmp_path) == {"sample.py:1 f": 3}
