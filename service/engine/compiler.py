"""Compiles a definition set into an immutable ``Scanner``, once.

Everything that can be done ahead of time is: regexes compiled, validators bound to
their parameters, keyword terms of all SITs merged into one automaton, patterns grouped
by primary element and ordered by confidence. Reloading definitions compiles a new
scanner; one in use is never changed.
"""

from __future__ import annotations

import os

import regex

from service.definitions.model import (
    FunctionElement,
    KeywordElement,
    Pattern,
    RegexElement,
    SitDefinition,
    requirement_elements,
)
from service.definitions.semantics import regex_flags
from service.definitions.sets import DefinitionSet
from service.engine.compiled import BoundValidator, CompiledFunction, CompiledRegex, CompiledSit
from service.engine.deadline import DEFAULT_TIME_LIMIT_SECONDS
from service.engine.keywords import KeywordIndex
from service.engine.occurrences import ElementKey
from service.engine.prefilter import Prefilter, hyperscan_available
from service.engine.scanner import Scanner
from service.validators import VALIDATORS

ENGINES = ("auto", "hyperscan", "regex")


def compile_scanner(
    definitions: DefinitionSet, time_limit: float = DEFAULT_TIME_LIMIT_SECONDS, engine: str | None = None
) -> Scanner:
    """Build the scanner for a loaded (already checked) definition set.

    ``engine``: ``hyperscan`` (one prefilter pass, then `regex` where it may match),
    ``regex`` (every element scanned with `regex`; same results, slower) or ``auto`` (the
    default, or ``DLP_ENGINE``): Hyperscan when it is installed.
    """
    if time_limit <= 0:
        raise ValueError("time_limit must be positive")
    engine = (engine or os.environ.get("DLP_ENGINE") or "auto").lower()
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}")
    if engine == "hyperscan" and not hyperscan_available():
        raise ValueError("engine 'hyperscan' was asked for, but the hyperscan package is not installed")
    sits: list[CompiledSit] = []
    regexes: list[CompiledRegex] = []
    functions: list[CompiledFunction] = []
    keyword_elements: list[tuple[ElementKey, KeywordElement]] = []
    for index, definition in enumerate(definitions):
        used = _used_elements(definition)
        for name in used:
            element = definition.elements[name]
            key = (index, name)
            if isinstance(element, RegexElement):
                regexes.append(_compile_regex(len(regexes), key, element))
            elif isinstance(element, FunctionElement):
                functions.append(CompiledFunction(key, element, dict(element.params)))
            else:
                keyword_elements.append((key, element))
        grouped: dict[str, list[Pattern]] = {}
        for pattern in definition.patterns:
            grouped.setdefault(pattern.primary, []).append(pattern)
        sits.append(
            CompiledSit(
                index=index,
                definition=definition,
                patterns_by_primary={
                    name: tuple(sorted(patterns, key=lambda p: -p.confidence)) for name, patterns in grouped.items()
                },
                # Evidence is masked when its element can itself be a finding (a primary);
                # keywords and helpers such as expiry dates are context, shown as they are.
                sensitive_elements=frozenset(
                    name for name in grouped if not isinstance(definition.elements[name], KeywordElement)
                ),
            )
        )
    return Scanner(
        definitions=definitions,
        sits=tuple(sits),
        regexes=tuple(regexes),
        functions=tuple(functions),
        keywords=KeywordIndex(keyword_elements),
        time_limit=time_limit,
        prefilter=Prefilter(regexes) if engine != "regex" and hyperscan_available() and regexes else None,
    )


def _used_elements(definition: SitDefinition) -> list[str]:
    """Elements some pattern refers to; unused ones are not scanned for (the linter reports them)."""
    used: list[str] = []
    for pattern in definition.patterns:
        for name in [pattern.primary, *requirement_elements(pattern.supporting)]:
            if name not in used:
                used.append(name)
    return used


def _compile_regex(index: int, key: ElementKey, element: RegexElement) -> CompiledRegex:
    bound = []
    for ref in element.validators:
        validator = VALIDATORS.get(ref.name)
        assert validator is not None  # names are checked when definitions load
        bound.append(BoundValidator(ref.name, ref.group, validator.bind(ref.params)))
    return CompiledRegex(index, key, element, regex.compile(element.pattern, regex_flags(element)), tuple(bound))
