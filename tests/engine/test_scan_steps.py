"""Each step of a part's scan, alone: keywords → viable primaries → windows (plan) →
candidates → evaluation. The steps take and return values, so each is checked here on
its own inputs; the whole scan is checked against them at the end."""

from __future__ import annotations

import itertools
import random

import pytest

from service.definitions import load_definitions
from service.engine import ClassifyOptions, Part, Scanner, compile_scanner
from service.engine.candidates import Refusal, find_function, find_regex
from service.engine.compiled import CompiledFunction, CompiledRegex, CompiledSit
from service.engine.deadline import Deadline
from service.engine.occurrences import EMPTY, Occurrence, OccurrenceList
from service.engine.part_scan import find_keywords, scan_part
from service.engine.planning import gate_windows, plan_elements
from service.engine.prefilter import MARGIN
from service.engine.rejections import RejectionLog, Trace
from service.engine.report import Match, RejectionStage
from service.engine.sit_evaluation import Lookup, evaluate_sit, without_overlaps
from service.engine.viability import EVERY_PRIMARY, sit_threshold, viable_primaries
from tests.conftest import DEFINITION_FIXTURES
from tests.fixtures.generate_token_examples import github_token

GATED = "Gated order token"
INVOICE = "Invoice with order token"
FILLER = "lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 40


@pytest.fixture(scope="module")
def gating() -> Scanner:
    return compile_scanner(load_definitions([DEFINITION_FIXTURES / "gating"]), engine="regex")


def sit_named(scanner: Scanner, name: str) -> CompiledSit:
    return next(sit for sit in scanner.sits if sit.definition.name == name)


def regex_of(scanner: Scanner, sit: CompiledSit, element: str) -> CompiledRegex:
    return next(c for c in scanner.regexes if (sit.index, element) in c.keys)


def every(scanner: Scanner) -> frozenset[int]:
    return frozenset(sit.index for sit in scanner.sits)


# -- keywords ---------------------------------------------------------------------------


def test_keywords_are_found_for_the_active_sits_only(gating: Scanner) -> None:
    text = f"{FILLER}your order: ORD-12345678 {FILLER}order again"
    gated = sit_named(gating, GATED)
    found = find_keywords(gating.setup, text, every(gating))
    assert [(o.start, o.text) for o in found[(gated.index, "kw_order")]] == [
        (text.index("order:"), "order"),
        (text.rindex("order"), "order"),
    ]
    others = frozenset(sit.index for sit in gating.sits if sit.index != gated.index)
    assert (gated.index, "kw_order") not in find_keywords(gating.setup, text, others)


# -- viable primaries -------------------------------------------------------------------


def test_a_primary_whose_reportable_patterns_need_an_absent_keyword_is_not_viable(gating: Scanner) -> None:
    gated = sit_named(gating, GATED)
    key = (gated.index, "order_token")
    absent = viable_primaries(gating.sits, every(gating), {}, None)
    assert absent.pruned and not absent.allows(key)
    # At 60 the keyword-free pattern is reportable: viable anywhere, no anchors.
    low = viable_primaries(gating.sits, every(gating), {}, 60)
    assert low.allows(key) and low.anchors_of(key) is None


def test_a_viable_gated_primary_is_anchored_at_its_keyword_occurrences(gating: Scanner) -> None:
    gated = sit_named(gating, GATED)
    keyword = OccurrenceList([Occurrence(100, 105, "order")])
    viability = viable_primaries(gating.sits, every(gating), {(gated.index, "kw_order"): keyword}, None)
    anchors = viability.anchors_of((gated.index, "order_token"))
    assert anchors == ((30, keyword),)
    invoice = sit_named(gating, INVOICE)
    assert viability.allows((invoice.index, "invoice"))
    assert viability.anchors_of((invoice.index, "invoice")) is None  # its pattern needs no keyword


def test_explaining_prunes_nothing() -> None:
    assert EVERY_PRIMARY.allows((0, "anything")) and not EVERY_PRIMARY.pruned
    assert EVERY_PRIMARY.anchors_of((0, "anything")) is None


def test_the_threshold_is_the_minimum_asked_for_or_the_sits_own(gating: Scanner) -> None:
    definition = sit_named(gating, GATED).definition
    assert sit_threshold(definition, None) == definition.recommended_confidence == 75
    assert sit_threshold(definition, 40) == 40


# -- windows (the plan) -----------------------------------------------------------------


def test_a_gated_primary_is_planned_around_its_keyword_only(gating: Scanner) -> None:
    gated = sit_named(gating, GATED)
    element = regex_of(gating, gated, "order_token")
    keyword = OccurrenceList([Occurrence(5000, 5005, "order")])
    viability = viable_primaries(gating.sits, every(gating), {(gated.index, "kw_order"): keyword}, None)
    reach = 30 + (element.width or 0) + MARGIN
    assert gate_windows(element, [(gated.index, "order_token")], viability, 20_000) == [(5000 - reach, 5005 + reach)]
    # Around a keyword on every line the windows would cover the part: the whole part instead.
    dense = OccurrenceList([Occurrence(i, i + 5, "order") for i in range(0, 20_000, 50)])
    crowded = viable_primaries(gating.sits, every(gating), {(gated.index, "kw_order"): dense}, None)
    assert gate_windows(element, [(gated.index, "order_token")], crowded, 20_000) is None


def test_supporting_only_uses_are_deferred_and_gated_elements_serve_only_their_primaries(gating: Scanner) -> None:
    gated, invoice = sit_named(gating, GATED), sit_named(gating, INVOICE)
    keyword = OccurrenceList([Occurrence(5000, 5005, "order")])
    viability = viable_primaries(gating.sits, every(gating), {(gated.index, "kw_order"): keyword}, None)
    elements = (*gating.regexes, *gating.functions)
    planned, deferred = plan_elements(gating.sits, elements, every(gating), viability, 20_000)
    by_primary = {entry.primaries: entry for entry in planned}
    order_entry = by_primary[((gated.index, "order_token"),)]
    assert order_entry.windows is not None and order_entry.answers == ((gated.index, "order_token"),)
    assert by_primary[((invoice.index, "invoice"),)].windows is None
    # The invoice's order token (the same regex) is evidence only: looked for when asked.
    assert (invoice.index, "order_token") in deferred


# -- candidates -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def github(builtin_scanner: Scanner) -> tuple[Scanner, CompiledSit, CompiledRegex]:
    sit = sit_named(builtin_scanner, "GitHub personal access token")
    return builtin_scanner, sit, regex_of(builtin_scanner, sit, "classic_token")


def collect(element: CompiledRegex, text: str) -> list[tuple[Occurrence, Refusal]]:
    told: list[tuple[Occurrence, Refusal]] = []
    find_regex(text, element, None, Deadline(5.0), "test", lambda o, r: told.append((o, r)))
    return told


def test_candidates_that_fail_a_validator_are_told_with_the_reason(
    github: tuple[Scanner, CompiledSit, CompiledRegex],
) -> None:
    _, _, element = github
    valid = github_token(random.Random(1), "ghp_")
    broken = valid[:-1] + ("A" if valid[-1] != "A" else "B")
    text = f"first {broken} then {valid}"
    told: list[tuple[Occurrence, Refusal]] = []

    def on_rejected(occurrence: Occurrence, refusal: Refusal) -> None:
        told.append((occurrence, refusal))

    found = find_regex(text, element, None, Deadline(5.0), "test", on_rejected)
    assert [o.text for o in found] == [valid]
    [(occurrence, refusal)] = told
    assert (occurrence.start, occurrence.text) == (6, broken)
    assert (refusal.stage, refusal.validator) == (RejectionStage.VALIDATOR, "github_token_crc32")
    # A placeholder is told apart from a value that fails its checksum.
    placeholder = "ghp_" + "x" * 36
    [(_, refusal)] = [(o, r) for o, r in collect(element, f"token {placeholder}")]
    assert (refusal.stage, refusal.validator) == (RejectionStage.PLACEHOLDER, "not_placeholder")


def test_candidates_are_looked_for_inside_the_regions_only(github: tuple[Scanner, CompiledSit, CompiledRegex]) -> None:
    _, _, element = github
    token = github_token(random.Random(2), "ghp_")
    text = f"{token} {FILLER} {token}"
    second = text.rindex(token)
    found = find_regex(text, element, [(second - MARGIN - 1, len(text))], Deadline(5.0), "test")
    assert [o.start for o in found] == [second]
    # A value cut by a region's edge is left to the region that holds it whole.
    assert find_regex(text, element, [(second - 3, len(text))], Deadline(5.0), "test") == []


def test_a_function_element_is_run_in_windows_and_offsets_are_the_parts(builtin_scanner: Scanner) -> None:
    function: CompiledFunction = next(f for f in builtin_scanner.functions if f.element.function == "date")
    text = f"{FILLER}born 1985-03-14 here{FILLER}"
    at = text.index("1985")
    whole = find_function(text, function, None, Deadline(5.0), "test")
    windowed = find_function(text, function, [(at - MARGIN - 5, at + MARGIN + 15)], Deadline(5.0), "test")
    assert [o.start for o in whole] == [o.start for o in windowed] == [at]
    assert find_function(text, function, [(0, 100)], Deadline(5.0), "test") == []


# -- evaluation -------------------------------------------------------------------------


def lookup_from(found: dict[str, list[Occurrence]]) -> Lookup:
    def lookup(name: str) -> OccurrenceList:
        return OccurrenceList(found[name]) if name in found else EMPTY

    return lookup


def test_the_best_pattern_that_holds_decides_and_the_rest_is_explained(gating: Scanner) -> None:
    gated = sit_named(gating, GATED)
    near = {"order_token": [Occurrence(12, 24, "ORD-12345678")], "kw_order": [Occurrence(5, 10, "order")]}
    result = evaluate_sit(gated, lookup_from(near), 75, EVERY_PRIMARY, "doc", Deadline(5.0))
    assert [(m.confidence, m.pattern, [e.element for e in m.evidence]) for m in result.matches] == [
        (75, "with order keyword", ["kw_order"])
    ]
    trace = Trace(None)
    alone = {"order_token": [Occurrence(200, 212, "ORD-12345678")], "kw_order": [Occurrence(5, 10, "order")]}
    log = RejectionLog(trace, 0, "doc")
    result = evaluate_sit(gated, lookup_from(alone), 75, EVERY_PRIMARY, "doc", Deadline(5.0), log)
    assert result.matches == [] and result.examined == 1
    [rejection] = trace.selected()
    assert rejection.stage == RejectionStage.CONFIDENCE
    assert "below the minimum 75" in rejection.reason and "with order keyword" in rejection.reason


def test_a_primary_that_is_not_viable_is_not_examined(gating: Scanner) -> None:
    gated = sit_named(gating, GATED)
    found = {"order_token": [Occurrence(12, 24, "ORD-12345678")]}
    pruned = viable_primaries(gating.sits, every(gating), {}, None)
    result = evaluate_sit(gated, lookup_from(found), 75, pruned, "doc", Deadline(5.0))
    assert result.examined == 0 and result.matches == []


def make(start: int, end: int, confidence: int) -> Match:
    return Match("doc", start, end, confidence, "p", "e", "x" * (end - start), "x")


def test_overlapping_matches_keep_the_most_confident_then_the_longest(gating: Scanner) -> None:
    rng = random.Random(5)
    sit = sit_named(gating, GATED)
    for _ in range(200):
        candidates = [make(s, s + rng.randint(1, 20), rng.choice((60, 75, 85))) for s in rng.sample(range(100), 12)]
        kept = without_overlaps(candidates, sit)
        assert all(a.end <= b.start for a, b in itertools.pairwise(kept))
        for dropped in set(candidates) - set(kept):
            rival = [k for k in kept if k.start < dropped.end and dropped.start < k.end]
            assert any(k.confidence >= dropped.confidence for k in rival)


# -- the steps together -----------------------------------------------------------------


def test_scanning_a_part_is_the_steps_in_order(gating: Scanner) -> None:
    text = f"{FILLER}your order: ORD-12345678 {FILLER}INV-123456 ORD-87654321 {FILLER}ORD-11112222"
    outcome = scan_part(gating.setup, Part("doc", text), every(gating), Deadline(5.0), None)
    found = {gating.sits[i].definition.name: [m.value for m in ms] for i, ms in outcome.found.items()}
    assert found == {GATED: ["ORD-12345678"], INVOICE: ["INV-123456"]}
    report = gating.classify([Part("doc", text)], ClassifyOptions())
    assert {(r.sit_name, m.value) for r in report.results for m in r.matches} == {
        (GATED, "ORD-12345678"),
        (INVOICE, "INV-123456"),
    }
