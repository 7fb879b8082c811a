"""Findings about a set of definitions rather than one: files that did not load, and clashes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from service.definitions.errors import Problem
from service.definitions.lint.findings import SEVERITIES, Code, LintFinding, finding
from service.definitions.model import SitDefinition


def problem_findings(problems: Iterable[Problem]) -> Iterator[LintFinding]:
    """The loader's problems as findings, so that one listing reports everything."""
    for problem in problems:
        code = Code.INVALID_DEFINITION
        yield LintFinding(SEVERITIES[code], str(code), problem.source, "", problem.path, problem.message)


def duplicate_findings(definitions: Sequence[SitDefinition]) -> Iterator[LintFinding]:
    """Ids and names must be unique across every folder loaded together: policies refer to them."""
    first_by_id: dict[str, SitDefinition] = {}
    first_by_name: dict[str, SitDefinition] = {}
    for definition in definitions:
        earlier = first_by_id.setdefault(definition.id, definition)
        if earlier is not definition:
            yield finding(
                definition,
                Code.DUPLICATE_ID,
                "id",
                f"id {definition.id} is also used by {earlier.source} ({earlier.name!r}); give one of them a new id",
            )
        earlier = first_by_name.setdefault(definition.name.casefold(), definition)
        if earlier is not definition:
            yield finding(
                definition,
                Code.DUPLICATE_NAME,
                "name",
                f"name {definition.name!r} is also used by {earlier.source}; names are unique, case-insensitively",
            )
