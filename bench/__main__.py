"""The engine benchmark: throughput, scaling with the number of SITs, per-document cost, against baselines.

Run ``python -m bench`` (``--size-mb N`` for a larger corpus, ``--peers`` to include
detect-secrets, CredSweeper and Kingfisher when installed: ``pip install -e '.[bench]'``). All figures
of one run come from the same process, machine and corpus, so ratios are comparable even
on a busy machine; absolute MB/s are not. Results are printed and written to
``bench/results/latest.json``. These are figures, not pass/fail tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import regex

from bench import peers
from bench.timing import best_of
from service.definitions import DefinitionSet, load_builtin_definitions
from service.definitions.model import KeywordElement, RegexElement
from service.definitions.semantics import regex_flags
from service.engine import ClassifyOptions, Part, Scanner, compile_scanner
from service.engine.hyperscan_build import CACHE_ENV
from tests.fixtures.corpus import make_corpus

RESULTS = Path(__file__).parent / "results"
OURS = "classify (this engine)"


def renamed_copies(definitions: DefinitionSet, copies: int) -> DefinitionSet:
    """The set repeated ``copies`` times under new ids and names: more SITs, same kind of work."""
    made = []
    for copy in range(copies):
        for definition in definitions:
            made.append(
                dataclasses.replace(
                    definition,
                    id=str(uuid.UUID(int=uuid.UUID(definition.id).int ^ copy)),
                    name=f"{definition.name} #{copy}",
                )
                if copy
                else definition
            )
    return DefinitionSet(tuple(made))


def naive_loop(definitions: DefinitionSet, text: str) -> Callable[[], None]:
    """Every regex element with its own finditer and every keyword with str.find: no validation at all."""
    patterns = [
        regex.compile(e.pattern, regex_flags(e))
        for d in definitions
        for e in d.elements.values()
        if isinstance(e, RegexElement)
    ]
    terms = [
        t.lower() for d in definitions for e in d.elements.values() if isinstance(e, KeywordElement) for t in e.terms
    ]

    def run() -> None:
        for pattern in patterns:
            for _ in pattern.finditer(text):
                pass
        lowered = text.lower()
        for term in terms:
            position = lowered.find(term)
            while position != -1:
                position = lowered.find(term, position + 1)

    return run


def raw_hyperscan(definitions: DefinitionSet, text: str) -> Callable[[], None] | None:
    """Hyperscan alone on the same expressions (prefilter mode, as the engine uses them), counting every match."""
    try:
        import hyperscan
    except ImportError:
        return None
    elements = [e for d in definitions for e in d.elements.values() if isinstance(e, RegexElement)]
    flags = [
        hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_UTF8 | (0 if e.case_sensitive else hyperscan.HS_FLAG_CASELESS)
        for e in elements
    ]
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(
        expressions=[e.pattern.encode() for e in elements],
        ids=list(range(len(elements))),
        elements=len(elements),
        flags=flags,
    )
    data = text.encode()
    count = [0]

    def on_match(*_: object) -> None:
        count[0] += 1

    return lambda: database.scan(data, match_event_handler=on_match)


def detect_secrets_run(path: Path) -> Callable[[], None] | None:
    try:
        from detect_secrets import SecretsCollection
        from detect_secrets.settings import default_settings
    except ImportError:
        return None

    def run() -> None:
        with default_settings():
            SecretsCollection().scan_file(str(path))

    return run


def cli_peer_run(name: str, folder: Path) -> Callable[[], None] | None:
    """A peer's own command line on ``folder`` (the corpus written there as a file).

    One worker: a single file gives a tool nothing to share out, and ours runs on one core here.
    """
    tool = peers.peer(name)
    executable = peers.locate(tool)
    if executable is None:
        return None

    def run() -> None:
        with tempfile.TemporaryDirectory() as scratch:
            report = Path(scratch) / "report.json"
            command = tool.command(executable, folder, report, 1)
            # Not check=True: Kingfisher exits non-zero when it reports findings; a missing report is the failure.
            subprocess.run(command, capture_output=True, cwd=scratch, env={**os.environ, **tool.env(1)})
            tool.count(report, Path(scratch) / "stdout")

    return run


def classify_run(scanner: Scanner, text: str) -> Callable[[], None]:
    # Default options, as the service runs: each SIT's recommended confidence.
    options = ClassifyOptions()
    return lambda: scanner.classify([Part("corpus", text)], options)


def main() -> None:
    parser = argparse.ArgumentParser(description="engine benchmark")
    parser.add_argument("--size-mb", type=float, default=4.0)
    parser.add_argument("--peers", action="store_true", help="also run detect-secrets, CredSweeper and Kingfisher")
    parser.add_argument("--copies", default="1,4", help="SIT set copies for scaling, e.g. 1,4,16")
    args = parser.parse_args()

    definitions = load_builtin_definitions()
    # Compile time with an empty database cache (a first start), then with it filled.
    with tempfile.TemporaryDirectory() as cache:
        os.environ[CACHE_ENV] = cache
        started = time.perf_counter()
        compile_scanner(definitions)
        compile_seconds = time.perf_counter() - started
        started = time.perf_counter()
        scanner = compile_scanner(definitions)
        cached_compile_seconds = time.perf_counter() - started
        os.environ[CACHE_ENV] = "off"  # the scaling runs below compile renamed copies: measure them cold too
    fallback = compile_scanner(definitions, engine="regex")
    text = make_corpus(int(args.size_mb * 1_000_000))
    megabytes = len(text.encode()) / 1e6
    figures: dict[str, Any] = {
        "sits": len(definitions),
        "engine": scanner.engine,
        "corpus_mb": round(megabytes, 2),
        "compile_s": round(compile_seconds, 3),
        "compile_cached_s": round(cached_compile_seconds, 3),
    }

    rates: dict[str, float | None] = {}
    ours = best_of(3, classify_run(scanner, text))
    rates[OURS] = megabytes / ours
    rates["classify, regex fallback"] = megabytes / best_of(2, classify_run(fallback, text))
    rates["naive finditer loop"] = megabytes / best_of(2, naive_loop(definitions, text))
    hyperscan_only = raw_hyperscan(definitions, text)
    rates["raw Hyperscan, same expressions"] = megabytes / best_of(3, hyperscan_only) if hyperscan_only else None
    if scanner.prefilter is not None:
        # The engine's own Hyperscan pass asked for every expression: what a part costs when
        # nothing can be skipped (each expression reported once per block, no Python per match).
        prefilter, every = scanner.prefilter, [c.index for c in scanner.regexes]
        rates["Hyperscan pass, every expression"] = megabytes / best_of(3, lambda: prefilter.regions(text, every))
    if args.peers:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "corpus.txt"
            path.write_text(text)
            detect_secrets = detect_secrets_run(path)
            rates["detect-secrets"] = megabytes / best_of(1, detect_secrets) if detect_secrets else None
            for name, label in (("credsweeper", "CredSweeper"), ("kingfisher", "Kingfisher")):
                run = cli_peer_run(name, Path(folder))
                rates[label] = megabytes / best_of(1, run) if run else None
    figures["throughput_mb_per_s"] = {k: (round(v, 2) if v else None) for k, v in rates.items()}
    figures["ours_vs"] = {k: (round(rates[OURS] / v, 2) if v else None) for k, v in rates.items()}

    scaling = {}
    sample = text[:1_000_000]
    # Subsets of the built-in set (its first N definitions), the set, and renamed copies of it.
    sets = [DefinitionSet(definitions.definitions[:size]) for size in (25, 50, 100) if size < len(definitions)]
    sets += [renamed_copies(definitions, int(copies)) for copies in args.copies.split(",")]
    for subset in sets:
        scaling[len(subset)] = best_of(2, classify_run(compile_scanner(subset), sample))
    base = scaling[len(definitions)]
    figures["scaling_seconds_per_mb"] = {str(k): round(v, 4) for k, v in scaling.items()}
    figures["scaling_ratio"] = {str(k): round(v / base, 2) for k, v in scaling.items()}

    per_size = {}
    options = ClassifyOptions()
    for size in (1_000, 10_000, 100_000, 1_000_000):
        documents = [make_corpus(size, seed=seed) for seed in range(max(3, 2_000_000 // size))]
        durations = []
        for document in documents:
            begin = time.perf_counter()
            scanner.classify([Part("doc", document)], options)
            durations.append(time.perf_counter() - begin)
        durations.sort()
        per_size[str(size)] = {
            "docs_per_s": round(len(documents) / sum(durations), 1),
            # What a document costs beyond its bytes at the bulk rate measured above.
            "overhead_ms": round((sum(durations) / len(documents) - size / 1e6 / rates[OURS]) * 1000, 3),
            "p50_ms": round(statistics.median(durations) * 1000, 3),
            "p99_ms": round(durations[max(0, int(len(durations) * 0.99) - 1)] * 1000, 3),
        }
    figures["documents"] = per_size
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    print(
        f"{figures['sits']} SITs, engine {figures['engine']}, corpus {figures['corpus_mb']} MB, "
        f"compile {figures['compile_s']} s ({figures['compile_cached_s']} s from the cache), "
        f"peak RSS {figures['peak_rss_mb']} MB"
    )
    print(f"{'':<34} {'MB/s':>8} {'ours ×':>8}")
    for name, rate in figures["throughput_mb_per_s"].items():
        ratio = figures["ours_vs"][name]
        print(f"{name:<34} {rate if rate is not None else 'n/a':>8} {ratio if ratio is not None else 'n/a':>8}")
    print(
        "scaling (seconds per MB, ratio to the built-in set): "
        + ", ".join(
            f"{k} SITs {v} s ({figures['scaling_ratio'][k]}×)" for k, v in figures["scaling_seconds_per_mb"].items()
        )
    )
    print(f"{'doc size':>10} {'docs/s':>10} {'p50 ms':>10} {'p99 ms':>10} {'overhead ms':>12}")
    for size, row in per_size.items():
        print(f"{size:>10} {row['docs_per_s']:>10} {row['p50_ms']:>10} {row['p99_ms']:>10} {row['overhead_ms']:>12}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
