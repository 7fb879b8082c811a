"""How close the engine comes to Hyperscan alone, on a pattern set Hyperscan is built for.

    python -m bench.hyperscan_limit [--size-mb N] [--repeat K]

The set: the self-identifying credential SITs, those that report a value on its format
alone (a prefix, a checksum, a structure), the kind of rules a secret scanner runs.
Three figures on the same generated corpus, in one process:

- raw Hyperscan: their primary expressions in one block-mode database, a Python callback
  counting every match, nothing else (no validation, no keywords, no report): the limit;
- this engine with only those SITs selected (``ClassifyOptions.sits``), default options;
- the naive loop: each expression's ``regex.finditer`` over the text, no validation.

Then the same engine with every built-in SIT, for scale. Figures, not pass/fail; the
machine is shared, so compare the ratios of one run.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import regex

from bench.timing import best_of
from service.definitions import SitDefinition, load_builtin_definitions
from service.definitions.model import RegexElement
from service.definitions.semantics import regex_flags
from service.engine import ClassifyOptions, Part, compile_scanner
from tests.fixtures.corpus import make_corpus


def self_identifying(definition: SitDefinition) -> bool:
    return definition.category == "credentials" and any(pattern.supporting is None for pattern in definition.patterns)


def primary_expressions(definitions: list[SitDefinition]) -> list[RegexElement]:
    found = []
    for definition in definitions:
        for name in dict.fromkeys(p.primary for p in definition.patterns if p.supporting is None):
            element = definition.elements[name]
            if isinstance(element, RegexElement):
                found.append(element)
    return found


def raw_hyperscan(elements: list[RegexElement], data: bytes) -> Callable[[], int]:
    import hyperscan

    flags = [
        hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_UTF8 | (0 if e.case_sensitive else hyperscan.HS_FLAG_CASELESS)
        for e in elements
    ]
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(expressions=[e.pattern.encode() for e in elements], ids=list(range(len(elements))), flags=flags)

    def run() -> int:
        count = [0]

        def on_match(*_: object) -> None:
            count[0] += 1

        database.scan(data, match_event_handler=on_match)
        return count[0]

    return run


def naive_loop(elements: list[RegexElement], text: str) -> Callable[[], int]:
    compiled = [regex.compile(e.pattern, regex_flags(e)) for e in elements]
    return lambda: sum(1 for pattern in compiled for _ in pattern.finditer(text))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hyperscan_limit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=4.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    definitions = load_builtin_definitions()
    chosen = [d for d in definitions if self_identifying(d)]
    elements = primary_expressions(chosen)
    text = make_corpus(int(args.size_mb * 1_000_000))
    megabytes = len(text.encode()) / 1e6
    scanner = compile_scanner(definitions)
    selected = ClassifyOptions(sits=tuple(d.id for d in chosen))
    parts = [Part("corpus", text)]
    scanner.classify(parts, selected)  # warm
    rows = [
        ("raw Hyperscan, the set's primary expressions", best_of(args.repeat, raw_hyperscan(elements, text.encode()))),
        ("this engine, the set's SITs selected", best_of(args.repeat, lambda: scanner.classify(parts, selected))),
        ("naive finditer loop, the same expressions", best_of(1, naive_loop(elements, text))),
        ("this engine, every built-in SIT", best_of(args.repeat, lambda: scanner.classify(parts, ClassifyOptions()))),
    ]
    print(
        f"{len(chosen)} self-identifying credential SITs ({len(elements)} primary expressions) of "
        f"{len(definitions)}; corpus {megabytes:.1f} MB"
    )
    engine = rows[1][1]
    print(f"{'':<48} {'MB/s':>8} {'engine ÷ it':>12}")
    for label, seconds in rows:
        print(f"{label:<48} {megabytes / seconds:>8.2f} {seconds / engine:>12.3f}")


if __name__ == "__main__":
    main()
