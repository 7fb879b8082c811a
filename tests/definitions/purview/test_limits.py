"""Purview's published limits: findings for our definitions, errors for an imported package."""

from __future__ import annotations

import pytest

from service.definitions import load_builtin_definitions, parse_definition
from service.definitions.lint import Severity
from service.definitions.model import SitDefinition
from service.definitions.purview import PurviewError, import_package, purview_limit_findings
from service.definitions.purview.limits import MAX_DISTINCT_REGEXES, MAX_REGEX_LENGTH, MAX_TERM_LENGTH
from tests.definitions.purview.conftest import FIXTURES


def definition(elements: dict[str, object]) -> SitDefinition:
    raw = {
        "id": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "name": "Limits sample",
        "description": "A definition built to break Purview's limits.",
        "category": "custom",
        "checksum": True,
        "recommended_confidence": 75,
        "elements": elements,
        "patterns": [{"confidence": 75, "primary": next(iter(elements))}],
    }
    loaded, problems = parse_definition(raw, "limits.yaml")
    assert loaded is not None, problems
    return loaded


def test_a_definition_within_the_limits_has_no_findings() -> None:
    github = load_builtin_definitions().get("GitHub personal access token")
    assert github is not None
    assert purview_limit_findings(github) == []


def test_each_broken_limit_is_information_with_its_code_and_field_path() -> None:
    long_term = "t" * (MAX_TERM_LENGTH + 1)
    elements: dict[str, object] = {"long": {"regex": "a" * (MAX_REGEX_LENGTH + 1)}}
    elements |= {f"r{n}": {"regex": f"b{n}"} for n in range(MAX_DISTINCT_REGEXES)}
    elements |= {"words": {"keywords": {"terms": ["fine", long_term]}}}
    elements |= {"many": {"keywords": {"terms": [f"w{n}" for n in range(2049)]}}}
    findings = purview_limit_findings(definition(elements))
    assert {(f.path, f.code) for f in findings} == {
        ("elements.long.regex", "purview-regex-too-long"),
        ("elements.words.keywords.terms.1", "purview-term-too-long"),
        ("elements.many.keywords.terms", "purview-too-many-terms"),
        ("elements", "purview-too-many-regexes"),
    }
    assert all(f.severity is Severity.INFO and f.sit == "Limits sample" for f in findings)
    assert "1,025 characters; Purview allows at most 1,024" in next(str(f) for f in findings if "regex" in f.path)


def test_an_over_limit_package_is_refused_naming_each_element() -> None:
    with pytest.raises(PurviewError) as caught:
        import_package((FIXTURES / "over_limit.xml").read_bytes(), "over_limit.xml")
    assert list(caught.value.problems) == [
        "over_limit.xml: Rules/Regex[@id='Regex_too_long']: regex is 1,028 characters; Purview allows at most 1,024",
        "over_limit.xml: Rules/Keyword[@id='Keyword_too_long']/Term[2]: term is 58 characters; "
        "Purview allows at most 50",
    ]


def test_unsafe_and_malformed_packages_are_refused() -> None:
    with pytest.raises(PurviewError, match="DTDForbidden"):
        import_package((FIXTURES / "with_entity.xml").read_bytes(), "with_entity.xml")
    with pytest.raises(PurviewError, match="not well-formed XML at line 9"):
        import_package((FIXTURES / "malformed.xml").read_bytes(), "malformed.xml")
    with pytest.raises(PurviewError, match="not RulePackage"):
        import_package(b"<Other/>", "other.xml")
