"""Loading the linter's fixture definitions."""

from __future__ import annotations

from service.definitions import SitDefinition, parse_definition_text
from tests.conftest import FIXTURES

LINT_FIXTURES = FIXTURES / "lint"


def fixture_definition(stem: str) -> SitDefinition:
    path = LINT_FIXTURES / f"{stem}.yaml"
    definition, problems = parse_definition_text(path.read_text(encoding="utf-8"), path.name)
    assert definition is not None, problems
    return definition
