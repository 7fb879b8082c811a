"""The Hyperscan-prefiltered engine and the pure `regex` engine give identical reports."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.definitions import DefinitionSet, load_builtin_definitions, load_definitions
from service.engine import ClassifyOptions, Part, Scanner, compile_scanner
from tests.conftest import DEFINITION_FIXTURES
from tests.fixtures.corpus import make_corpus

pytest.importorskip("hyperscan")


def comparable(
    scanner: Scanner, parts: list[Part], explain: bool = False, min_confidence: int | None = 1
) -> dict[str, Any]:
    # A generous time limit: a part cut short on a loaded machine is not a disagreement.
    options = ClassifyOptions(min_confidence=min_confidence, explain=explain, time_limit=300)
    report = scanner.classify(parts, options).to_dict(reveal=True)
    report["stats"].pop("elapsed_ms")
    return report


@pytest.fixture(scope="module")
def definitions() -> DefinitionSet:
    builtin = load_builtin_definitions()
    extra = load_definitions([DEFINITION_FIXTURES / "engine"])
    return DefinitionSet(builtin.definitions + extra.definitions)


@pytest.fixture(scope="module")
def engines(definitions: DefinitionSet) -> tuple[Scanner, Scanner]:
    fast = compile_scanner(definitions, engine="hyperscan")
    plain = compile_scanner(definitions, engine="regex")
    assert (fast.engine, plain.engine) == ("hyperscan", "regex")
    return fast, plain


def test_every_definition_example_gives_the_same_report(
    engines: tuple[Scanner, Scanner], definitions: DefinitionSet
) -> None:
    fast, plain = engines
    texts = [e.text for d in definitions for e in d.examples.match]
    texts += [e.text for d in definitions for e in d.examples.no_match]
    assert texts
    for text in texts:
        parts = [Part("example", text)]
        assert comparable(fast, parts, explain=True) == comparable(plain, parts, explain=True), text


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_generated_corpus_gives_the_same_report(engines: tuple[Scanner, Scanner], seed: int) -> None:
    fast, plain = engines
    parts = [Part(f"corpus-{seed}", make_corpus(300_000, seed=seed, plant_every=15))]
    fast_report, plain_report = comparable(fast, parts), comparable(plain, parts)
    assert sum(r["count"] for r in fast_report["results"]) > 50  # the corpus does hold findings
    assert fast_report == plain_report


def test_non_ascii_text_gives_the_same_offsets(engines: tuple[Scanner, Scanner]) -> None:
    fast, plain = engines
    rng = random.Random(5)
    noise = "".join(rng.choice("äöüß€—😀𝄞 abc 0123456789-") for _ in range(20_000))
    text = noise + " Employee SSN: 536-22-8726 " + noise + " pat=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 " + noise
    parts = [Part("unicode", text)]
    fast_report = comparable(fast, parts)
    assert fast_report == comparable(plain, parts)
    assert {r["sit"]["name"] for r in fast_report["results"]} >= {"GitHub personal access token"}


CHUNKS = st.sampled_from([
    "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", "token: ", "SSN ", "536-22-8726", "4895 6866 7767 5908", "exp 08/29",
    "https://alice:S3cr3t-Pw@git.example.com/", "order ref=ORD-1234 5678", "KEYABCDEF", " ", "\n", "-", "0", "9",
    "commit ", "92c1409fba12ba68f46d2c43ff6c2477a6326af8", "é", "😀", "Visa ", "card number ",
])  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(CHUNKS, max_size=40))
def test_random_compositions_give_the_same_report(engines: tuple[Scanner, Scanner], chunks: list[str]) -> None:
    fast, plain = engines
    parts = [Part("random", "".join(chunks))]
    assert comparable(fast, parts, explain=True) == comparable(plain, parts, explain=True)


def test_one_scanner_serves_several_threads_at_once(engines: tuple[Scanner, Scanner]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    fast, _ = engines
    texts = [make_corpus(60_000, seed=seed, plant_every=10) for seed in range(8)]
    alone = [comparable(fast, [Part("doc", text)]) for text in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda text: comparable(fast, [Part("doc", text)]), texts))
    assert together == alone
    assert all(report["results"] for report in alone)


@pytest.mark.parametrize("min_confidence", [1, None])
@pytest.mark.parametrize("size", [1_500, 12_000, 40_000])
def test_small_and_middling_parts_give_the_same_report(
    engines: tuple[Scanner, Scanner], size: int, min_confidence: int | None
) -> None:
    # Parts of one prefilter block learn absent elements in their single pass and skip them
    # (keyword-bound ones too); larger ones do it for self-identifying elements only.
    fast, plain = engines
    text = make_corpus(240_000, seed=size, plant_every=12)
    parts = [Part(f"part-{i}", text[i : i + size]) for i in range(0, len(text), size)]
    fast_report = comparable(fast, parts, min_confidence=min_confidence)
    assert sum(r["count"] for r in fast_report["results"]) > 50
    assert fast_report == comparable(plain, parts, min_confidence=min_confidence)


@pytest.mark.parametrize("size", [2_000, 50_000])
def test_explaining_finds_the_same_matches(engines: tuple[Scanner, Scanner], size: int) -> None:
    # Explaining plans every element everywhere; the pruned plan must report the same.
    fast, _ = engines
    text = make_corpus(120_000, seed=11, plant_every=12)
    parts = [Part(f"part-{i}", text[i : i + size]) for i in range(0, len(text), size)]
    explained = comparable(fast, parts, explain=True, min_confidence=None)
    explained.pop("trace", None)
    plain = comparable(fast, parts, min_confidence=None)
    plain.pop("trace", None)
    assert explained["results"] == plain["results"]
    assert sum(r["count"] for r in plain["results"]) > 20
