"""Shared fixtures: definition sets and scanners compiled once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.definitions import DefinitionSet, load_builtin_definitions, load_definitions
from service.engine import Scanner, compile_scanner

FIXTURES = Path(__file__).parent / "fixtures"
DEFINITION_FIXTURES = FIXTURES / "definitions"


@pytest.fixture(scope="session")
def builtin_definitions() -> DefinitionSet:
    return load_builtin_definitions()


@pytest.fixture(scope="session")
def builtin_scanner(builtin_definitions: DefinitionSet) -> Scanner:
    return compile_scanner(builtin_definitions)


@pytest.fixture(scope="session")
def engine_scanner() -> Scanner:
    return compile_scanner(load_definitions([DEFINITION_FIXTURES / "engine"]))
