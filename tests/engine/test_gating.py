"""Primaries that need a keyword are looked for only near it, and nothing reportable is lost."""

from __future__ import annotations

from typing import Any

import pytest

from service.definitions import load_builtin_definitions, load_definitions
from service.definitions.model import AnyRequirement, MatchRequirement
from service.engine import ClassifyOptions, Part, Scanner, candidates, compile_scanner
from service.engine.gating import required_keywords
from service.engine.hyperscan_build import hyperscan_available
from tests.conftest import DEFINITION_FIXTURES
from tests.fixtures.corpus import make_corpus

KEYWORDS = frozenset({"kw_a", "kw_b"})
ENGINES = ["regex", *(["hyperscan"] if hyperscan_available() else [])]


def test_no_requirement_needs_no_keyword() -> None:
    assert required_keywords(None, KEYWORDS) is None


def test_a_keyword_requirement_needs_that_keyword() -> None:
    assert required_keywords(MatchRequirement("kw_a"), KEYWORDS) == ("kw_a",)


def test_a_regex_or_function_requirement_needs_no_keyword() -> None:
    assert required_keywords(MatchRequirement("expiry_date"), KEYWORDS) is None


def test_any_of_a_keyword_or_a_detector_needs_no_keyword() -> None:
    requirement = AnyRequirement((MatchRequirement("kw_a"), MatchRequirement("expiry_date")), min=1)
    assert required_keywords(requirement, KEYWORDS) is None


def test_all_of_a_keyword_and_a_detector_needs_the_keyword() -> None:
    requirement = AnyRequirement((MatchRequirement("expiry_date"), MatchRequirement("kw_b")), min=2)
    assert required_keywords(requirement, KEYWORDS) == ("kw_b",)


def test_two_of_two_keywords_and_a_detector_need_one_of_the_keywords() -> None:
    children = (MatchRequirement("kw_a"), MatchRequirement("kw_b"), MatchRequirement("expiry_date"))
    assert required_keywords(AnyRequirement(children, min=2), KEYWORDS) == ("kw_a", "kw_b")


def test_an_exclusion_needs_no_keyword() -> None:
    assert required_keywords(AnyRequirement((MatchRequirement("kw_a"),), min=0, max=0), KEYWORDS) is None


def matches_of(report: Any) -> list[tuple[str, int, int, int, str]]:
    return sorted((r.sit_name, m.start, m.end, m.confidence, m.pattern) for r in report.results for m in r.matches)


@pytest.fixture(scope="module")
def builtin_scanners() -> dict[str, Scanner]:
    definitions = load_builtin_definitions()
    return {engine: compile_scanner(definitions, engine=engine) for engine in ENGINES}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", [7, 8])
def test_looking_near_keywords_finds_every_reported_match(
    builtin_scanners: dict[str, Scanner], engine: str, seed: int
) -> None:
    # Explanations scan every element everywhere: what they report is the full answer.
    scanner = builtin_scanners[engine]
    parts = [Part("corpus", make_corpus(300_000, seed=seed, plant_every=12))]
    quick = matches_of(scanner.classify(parts, ClassifyOptions()))
    full = matches_of(scanner.classify(parts, ClassifyOptions(explain=True)))
    assert len(quick) > 50
    assert quick == full


@pytest.fixture(scope="module")
def gating_scanners() -> dict[str, Scanner]:
    definitions = load_definitions([DEFINITION_FIXTURES / "gating"])
    return {engine: compile_scanner(definitions, engine=engine) for engine in ENGINES}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_gated_primary_is_only_looked_for_near_its_keyword(
    gating_scanners: dict[str, Scanner], engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    scanned: list[tuple[int, int]] = []
    original = candidates._matches

    def recording(text: str, compiled: Any, regions: Any, deadline: Any) -> Any:
        if compiled.element.pattern.startswith("ORD"):
            scanned.extend(regions if regions is not None else [(0, len(text))])
        return original(text, compiled, regions, deadline)

    monkeypatch.setattr(candidates, "_matches", recording)
    filler = "ORD-87654321 lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 2_000
    text = filler + "your order: ORD-12345678. Lorem ipsum dolor sit amet, consectetur. " + filler
    report = gating_scanners[engine].classify([Part("doc", text)], ClassifyOptions())
    found = [(r.sit_name, m.value) for r in report.results for m in r.matches]
    assert found == [("Gated order token", "ORD-12345678")]
    assert 0 < sum(high - low for low, high in scanned) < len(text) // 100


@pytest.mark.parametrize("engine", ENGINES)
def test_an_element_shared_as_evidence_is_found_away_from_the_keyword(
    gating_scanners: dict[str, Scanner], engine: str
) -> None:
    filler = "lorem ipsum dolor sit amet. " * 500
    text = "an order here. " + filler + "INV-123456 ORD-12345678 " + filler
    report = gating_scanners[engine].classify([Part("doc", text)], ClassifyOptions())
    by_sit = {r.sit_name: r.matches for r in report.results}
    assert list(by_sit) == ["Invoice with order token"]
    (invoice,) = by_sit["Invoice with order token"]
    assert [e.element for e in invoice.evidence] == ["order_token"]
