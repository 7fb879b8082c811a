"""The examples a definition carries: enough of them, and each one passing.

Running them needs the engine: it is imported here, and only here, so the rest of the
linter works on definitions alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from service.definitions.lint.findings import Code, LintFinding, finding
from service.definitions.model import SitDefinition
from service.definitions.sets import DefinitionSet
from service.engine import Scanner, compile_scanner
from service.engine.examples import ExampleOutcome, run_examples

MIN_EXAMPLES = 3


def example_count_findings(definition: SitDefinition) -> Iterator[LintFinding]:
    for kind, examples in (("match", definition.examples.match), ("no_match", definition.examples.no_match)):
        if len(examples) < MIN_EXAMPLES:
            yield finding(
                definition,
                Code.TOO_FEW_EXAMPLES,
                f"examples.{kind}",
                f"has {len(examples)} examples; give at least {MIN_EXAMPLES}",
            )


def example_outcomes(definitions: Sequence[SitDefinition], scanner: Scanner | None = None) -> list[ExampleOutcome]:
    """Run every example; ``scanner``, when given, must hold the definitions."""
    if scanner is not None:
        return run_examples(scanner, definitions)
    # Of SITs sharing an id only the first is run: the others are reported as duplicates,
    # and a scanner selects SITs by id.
    first_by_id: dict[str, SitDefinition] = {}
    for definition in definitions:
        first_by_id.setdefault(definition.id, definition)
    unique = tuple(first_by_id.values())
    return run_examples(compile_scanner(DefinitionSet(unique)), unique)


def failed_example_findings(outcomes: Iterable[ExampleOutcome]) -> Iterator[LintFinding]:
    for outcome in outcomes:
        if not outcome.passed:
            yield finding(
                outcome.sit,
                Code.EXAMPLE_FAILS,
                f"examples.{outcome.kind}[{outcome.index}]",
                outcome.detail,
            )
