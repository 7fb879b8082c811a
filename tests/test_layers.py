"""The engine sits below presentation and front ends: nothing in it imports them."""

from __future__ import annotations

import ast
from pathlib import Path

import service

ENGINE = Path(service.__file__).parent / "engine"
# Layers above the engine, and the web framework the engine must run without.
FORBIDDEN = ("service.summary", "service.api", "service.cli", "flask")


def imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"), str(source))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def is_forbidden(module: str) -> bool:
    return any(module == layer or module.startswith(f"{layer}.") for layer in FORBIDDEN)


def test_the_engine_imports_no_layer_above_it() -> None:
    sources = sorted(ENGINE.rglob("*.py"))
    assert len(sources) > 10
    offending = {
        f"{source.relative_to(ENGINE)}: {module}"
        for source in sources
        for module in imported_modules(source)
        if is_forbidden(module)
    }
    assert offending == set()


def test_the_check_recognises_an_upward_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import json\nfrom service import summary\nfrom flask import Flask\n")
    assert {m for m in imported_modules(sample) if is_forbidden(m)} == {"service.summary", "flask", "flask.Flask"}


def test_tests_do_not_depend_on_the_benchmarks() -> None:
    tests = Path(__file__).parent
    offending = {
        f"{source.relative_to(tests)}: {module}"
        for source in sorted(tests.rglob("*.py"))
        for module in imported_modules(source)
        if module == "bench" or module.startswith("bench.")
    }
    assert offending == set()


LEAVES = ("masking.py", "spans.py", "regex_parser.py")


def test_the_leaf_modules_import_nothing_of_the_product() -> None:
    root = Path(service.__file__).parent
    offending = {
        f"{leaf}: {module}"
        for leaf in LEAVES
        for module in imported_modules(root / leaf)
        if module == "service" or module.startswith("service.")
    }
    assert offending == set()


def test_the_private_regex_parser_is_touched_in_one_module_only() -> None:
    root = Path(service.__file__).parent
    users = {
        str(source.relative_to(root))
        for source in sorted(root.rglob("*.py"))
        if any(name in source.read_text(encoding="utf-8") for name in ("re._parser", "sre_parse"))
    }
    assert users == {"regex_parser.py"}
