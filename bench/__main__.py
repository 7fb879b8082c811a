"""Classification throughput, per-document overhead and compile time, against a naive baseline.

The baseline runs in the same process on the same corpus: every regex element of every
SIT scanned with its own ``regex.finditer`` loop and every keyword searched for with
``str.find``, with no validation at all, i.e. a lower bound on the cost of the naive
design. Figures are printed and written to ``bench/results/latest.json``.
"""

from __future__ import annotations

import json
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import regex

from bench.corpus import make_corpus
from service.definitions import load_builtin_definitions
from service.definitions.model import KeywordElement, RegexElement
from service.definitions.semantics import regex_flags
from service.engine import ClassifyOptions, Part, compile_scanner

RESULTS = Path(__file__).parent / "results"


def best_of(repeats: int, run: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    started = time.perf_counter()
    definitions = load_builtin_definitions()
    loaded = time.perf_counter()
    scanner = compile_scanner(definitions)
    compiled = time.perf_counter()
    options = ClassifyOptions(min_confidence=1)
    corpus = make_corpus(4_000_000)
    megabytes = len(corpus.encode()) / 1e6

    report = scanner.classify([Part("corpus", corpus)], options)
    matches = sum(result.count for result in report.results)
    engine_seconds = best_of(3, lambda: scanner.classify([Part("corpus", corpus)], options))

    patterns = [
        regex.compile(element.pattern, regex_flags(element))
        for definition in definitions
        for element in definition.elements.values()
        if isinstance(element, RegexElement)
    ]
    terms = [
        term.lower()
        for definition in definitions
        for element in definition.elements.values()
        if isinstance(element, KeywordElement)
        for term in element.terms
    ]

    def naive() -> None:
        for pattern in patterns:
            for _ in pattern.finditer(corpus):
                pass
        lowered = corpus.lower()
        for term in terms:
            position = lowered.find(term)
            while position != -1:
                position = lowered.find(term, position + 1)

    naive_seconds = best_of(3, naive)

    per_size = {}
    for size in (1_000, 10_000, 100_000, 1_000_000):
        documents = [make_corpus(size, seed=seed) for seed in range(max(3, 2_000_000 // size))]
        durations = []
        for document in documents:
            begin = time.perf_counter()
            scanner.classify([Part("doc", document)], options)
            durations.append(time.perf_counter() - begin)
        per_size[size] = {
            "docs_per_s": round(len(documents) / sum(durations), 1),
            "p50_ms": round(statistics.median(durations) * 1000, 3),
            "p99_ms": round(sorted(durations)[int(len(durations) * 0.99) - 1] * 1000, 3),
        }

    figures = {
        "sits": len(definitions),
        "corpus_mb": round(megabytes, 2),
        "planted_matches_found": matches,
        "load_s": round(loaded - started, 3),
        "compile_s": round(compiled - loaded, 3),
        "classify_mb_per_s": round(megabytes / engine_seconds, 2),
        "naive_baseline_mb_per_s": round(megabytes / naive_seconds, 2),
        "ratio_to_naive": round(naive_seconds / engine_seconds, 2),
        "documents": per_size,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(f"SITs: {figures['sits']}   corpus: {figures['corpus_mb']} MB   matches: {matches}")
    print(f"load {figures['load_s']} s, compile {figures['compile_s']} s, peak RSS {figures['peak_rss_mb']} MB")
    print(
        f"classify: {figures['classify_mb_per_s']} MB/s   naive loop: {figures['naive_baseline_mb_per_s']} MB/s   "
        f"ratio {figures['ratio_to_naive']}x"
    )
    print(f"{'doc size':>10} {'docs/s':>10} {'p50 ms':>10} {'p99 ms':>10}")
    for size, row in per_size.items():
        print(f"{size:>10} {row['docs_per_s']:>10} {row['p50_ms']:>10} {row['p99_ms']:>10}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
