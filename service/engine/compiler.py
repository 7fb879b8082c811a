"""Compiles a definition set into an immutable ``Scanner``, once.

Everything that can be done ahead of time is: regexes compiled, validators bound to
their parameters, keyword terms of all SITs merged into one automaton, patterns grouped
by primary element and ordered by confidence. Reloading definitions compiles a new
scanner; one in use is never changed.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

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
from service.engine.gating import required_keywords
from service.engine.hyperscan_build import hyperscan_available
from service.engine.keywords import KeywordIndex
from service.engine.occurrences import ElementKey
from service.engine.prefilter import Prefilter, max_width
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
    # Elements defined identically in several SITs (a shared date detector, the same key
    # format, renamed copies) are compiled and scanned once, and their findings shared.
    regex_keys: dict[str, list[ElementKey]] = {}
    regex_elements: dict[str, RegexElement] = {}
    function_keys: dict[str, list[ElementKey]] = {}
    function_elements: dict[str, FunctionElement] = {}
    keyword_elements: list[tuple[ElementKey, KeywordElement]] = []
    for index, definition in enumerate(definitions):
        used = _used_elements(definition)
        for name in used:
            element = definition.elements[name]
            key = (index, name)
            if isinstance(element, RegexElement):
                signature = _signature(element)
                regex_keys.setdefault(signature, []).append(key)
                regex_elements.setdefault(signature, element)
            elif isinstance(element, FunctionElement):
                signature = _signature(element)
                function_keys.setdefault(signature, []).append(key)
                function_elements.setdefault(signature, element)
            else:
                keyword_elements.append((key, element))
        grouped: dict[str, list[Pattern]] = {}
        for pattern in definition.patterns:
            grouped.setdefault(pattern.primary, []).append(pattern)
        by_primary = {name: tuple(sorted(patterns, key=lambda p: -p.confidence)) for name, patterns in grouped.items()}
        keyword_names = frozenset(
            name for name, element in definition.elements.items() if isinstance(element, KeywordElement)
        )
        supporting = frozenset(
            name for pattern in definition.patterns for name in requirement_elements(pattern.supporting)
        )
        sits.append(
            CompiledSit(
                index=index,
                definition=definition,
                patterns_by_primary=by_primary,
                keyword_elements=keyword_names,
                # Any value a regex or function element finds may be a secret (a card number
                # that is only evidence for an expiry date is still a card number); keywords
                # are context, shown as they are.
                sensitive_elements=frozenset(
                    name for name in used if not isinstance(definition.elements[name], KeywordElement)
                ),
                supporting_elements=supporting,
                keyword_gates={
                    name: tuple(
                        None if name in supporting else required_keywords(pattern.supporting, keyword_names)
                        for pattern in patterns
                    )
                    for name, patterns in by_primary.items()
                },
            )
        )
    regexes = [
        _compile_regex(position, tuple(regex_keys[signature]), element)
        for position, (signature, element) in enumerate(regex_elements.items())
    ]
    functions = [
        CompiledFunction(function_keys[signature][0], tuple(function_keys[signature]), element, dict(element.params))
        for signature, element in function_elements.items()
    ]
    return Scanner(
        definitions=definitions,
        sits=tuple(sits),
        regexes=tuple(regexes),
        functions=tuple(functions),
        keywords=KeywordIndex(keyword_elements, accelerate=engine != "regex"),
        time_limit=time_limit,
        prefilter=(
            Prefilter(regexes, _usually_gated(regexes, sits))
            if engine != "regex" and hyperscan_available() and regexes
            else None
        ),
    )


def _usually_gated(regexes: list[CompiledRegex], sits: list[CompiledSit]) -> frozenset[int]:
    """Regex elements that, at each SIT's recommended confidence, are looked for only near
    keywords (or only as supporting evidence) rather than in the whole part."""
    gated: set[int] = set()
    for compiled in regexes:
        if compiled.width is None:
            continue
        for sit_index, name in compiled.keys:
            sit = sits[sit_index]
            patterns = sit.patterns_by_primary.get(name)
            if patterns is None:
                continue  # supporting only: looked for near primaries
            threshold = sit.definition.recommended_confidence
            gates = zip(patterns, sit.keyword_gates[name], strict=True)
            if any(gate is None for pattern, gate in gates if pattern.confidence >= threshold):
                break
        else:
            gated.add(compiled.index)
    return frozenset(gated)


def _used_elements(definition: SitDefinition) -> list[str]:
    """Elements some pattern refers to; unused ones are not scanned for (the linter reports them)."""
    used: list[str] = []
    for pattern in definition.patterns:
        for name in [pattern.primary, *requirement_elements(pattern.supporting)]:
            if name not in used:
                used.append(name)
    return used


def _signature(element: RegexElement | FunctionElement) -> str:
    """What makes two elements find the same things: everything but their name."""
    return repr(
        tuple((f.name, _plain(getattr(element, f.name))) for f in dataclasses.fields(element) if f.name != "name")
    )


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple((f.name, _plain(getattr(value, f.name))) for f in dataclasses.fields(value))
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _plain(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_plain(item) for item in value)
    if isinstance(value, frozenset | set):
        return tuple(sorted(map(repr, value)))
    return value


def _compile_regex(index: int, keys: tuple[ElementKey, ...], element: RegexElement) -> CompiledRegex:
    bound = []
    for ref in element.validators:
        validator = VALIDATORS.get(ref.name)
        assert validator is not None  # names are checked when definitions load
        bound.append(BoundValidator(ref.name, ref.group, validator.bind(ref.params)))
    return CompiledRegex(
        index,
        keys[0],
        keys,
        element,
        regex.compile(element.pattern, regex_flags(element)),
        tuple(bound),
        max_width(element.pattern),
    )
