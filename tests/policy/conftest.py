"""Policies written in the tests as YAML, bound to the built-in definitions, and reports
built from matches, so each condition can be tried on exactly the findings it needs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from service.definitions import DefinitionSet
from service.engine.document import PartError
from service.engine.report import Match, PartSummary, Report, SitResult
from service.policy.loader import bind, parse_policy
from service.policy.rules import Policy
from service.summary.fingerprint import Fingerprinter

SSN = "U.S. social security number (SSN)"
GITHUB = "GitHub personal access token"
FINGERPRINTER = Fingerprinter(b"policy-tests-key-0123456789")


@pytest.fixture
def make_policy(builtin_definitions: DefinitionSet) -> Callable[[str], Policy]:
    def make(text: str) -> Policy:
        policy, problems = parse_policy(yaml.safe_load(text), "test.yaml")
        assert problems == [], problems
        assert policy is not None
        return bind(policy, builtin_definitions)

    return make


@pytest.fixture
def make_report(builtin_definitions: DefinitionSet) -> Callable[..., Report]:
    """``make_report({SSN: [(value, confidence), ...]}, error=None)``: a report with those matches."""

    def make(found: dict[str, list[tuple[str, int]]], error: str | None = None) -> Report:
        results = []
        for name, values in found.items():
            definition = builtin_definitions.get(name)
            assert definition is not None, name
            matches = tuple(
                Match("text", 10 * n, 10 * n + len(v), c, "pattern", "element", v, v) for n, (v, c) in enumerate(values)
            )
            results.append(SitResult.from_matches(definition.id, definition.name, matches))
        part = PartSummary("text", "text/plain", 100, error=PartError(error, "not read") if error else None)
        return Report(results=tuple(results), parts=(part,), elapsed_ms=1.0, sits_scanned=len(builtin_definitions))

    return make
