"""Elements no pattern uses, and regexes that may backtrack catastrophically."""

from __future__ import annotations

from collections.abc import Iterator

from service.definitions.lint import redos
from service.definitions.lint.findings import Code, LintFinding, element_path, finding
from service.definitions.model import RegexElement, SitDefinition, requirement_elements
from service.definitions.semantics import regex_flags


def unused_element_findings(definition: SitDefinition) -> Iterator[LintFinding]:
    used = {
        name for pattern in definition.patterns for name in [pattern.primary, *requirement_elements(pattern.supporting)]
    }
    for name in definition.elements:
        if name not in used:
            yield finding(definition, Code.UNUSED_ELEMENT, element_path(name), "no pattern uses this element")


def backtracking_findings(definition: SitDefinition) -> Iterator[LintFinding]:
    for name, element in definition.elements.items():
        if isinstance(element, RegexElement):
            yield from _regex_findings(definition, name, element)


def _regex_findings(definition: SitDefinition, name: str, element: RegexElement) -> Iterator[LintFinding]:
    verdict = redos.examine(element.pattern, regex_flags(element))
    path = f"{element_path(name)}.regex"
    shapes = ", ".join(dict.fromkeys(suspect.shape.value for suspect in verdict.suspects))
    limit = f"{verdict.timeout:g} s"
    if verdict.timed_out:
        what = shapes or "no tree could be read, but a generic input"
        yield finding(
            definition,
            Code.REGEX_CATASTROPHIC_BACKTRACKING,
            path,
            f"{what}: a crafted input of about {redos.PUMP_LENGTH} characters ran past the {limit} time limit; "
            "bound the repeats ({0,64}), make the alternatives exclusive, or use a possessive repeat or atomic group",
            timed_out=True,
        )
    elif verdict.suspects:
        yield finding(
            definition,
            Code.REGEX_BACKTRACKING_RISK,
            path,
            f"{shapes}: a crafted input finished within {limit} here, but another engine or input may not; "
            "bound the repeats or make the alternatives exclusive",
        )
    elif not verdict.analysed:
        yield finding(
            definition,
            Code.REGEX_NOT_ANALYSED,
            path,
            "the regex uses syntax the analyser cannot read; only generic inputs were tried, and they ran in time",
        )
