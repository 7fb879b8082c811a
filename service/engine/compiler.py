"""Compiles a definition set into an immutable ``Scanner``, once.

Everything that can be done ahead of time is: regexes compiled, validators bound to
their parameters, keyword terms of all SITs merged into one automaton, patterns grouped
by primary element and ordered by confidence. Reloading definitions compiles a new
scanner; one in use is never changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

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
from service.engine.pattern_width import max_width
from service.engine.prefilter import Prefilter
from service.engine.scanner import Scanner
from service.validators import VALIDATORS

ENGINES = ("auto", "hyperscan", "regex")


@dataclass
class _SharedElements:
    """Regex and function elements by signature (with every (SIT, name) defining them),
    and keyword elements, in definition order."""

    regex_keys: dict[str, list[ElementKey]] = field(default_factory=dict)
    regexes: dict[str, RegexElement] = field(default_factory=dict)
    function_keys: dict[str, list[ElementKey]] = field(default_factory=dict)
    functions: dict[str, FunctionElement] = field(default_factory=dict)
    keywords: list[tuple[ElementKey, KeywordElement]] = field(default_factory=list)


def compile_scanner(
    definitions: DefinitionSet, time_limit: float = DEFAULT_TIME_LIMIT_SECONDS, engine: str = "auto"
) -> Scanner:
    """Build the scanner for a loaded (already checked) definition set.

    ``engine``: ``hyperscan`` (one prefilter pass, then `regex` where it may match),
    ``regex`` (every element scanned with `regex`; same results, slower) or ``auto``:
    Hyperscan when it is installed. Services take it from their settings (``DLP_ENGINE``).
    """
    engine = _checked_engine(engine, time_limit)
    shared = _dedupe_elements(definitions)
    sits = [_compile_sit(index, definition) for index, definition in enumerate(definitions)]
    regexes = [
        _compile_regex(position, tuple(shared.regex_keys[signature]), element)
        for position, (signature, element) in enumerate(shared.regexes.items())
    ]
    functions = [
        CompiledFunction(keys[0], tuple(keys), element, dict(element.params))
        for keys, element in ((shared.function_keys[sig], element) for sig, element in shared.functions.items())
    ]
    return Scanner(
        definitions=definitions,
        sits=tuple(sits),
        regexes=tuple(regexes),
        functions=tuple(functions),
        keywords=KeywordIndex(shared.keywords, accelerate=engine != "regex"),
        time_limit=time_limit,
        prefilter=_prefilter(regexes, sits, engine),
    )


def _checked_engine(engine: str, time_limit: float) -> str:
    if time_limit <= 0:
        raise ValueError("time_limit must be positive")
    engine = engine.lower()
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}")
    if engine == "hyperscan" and not hyperscan_available():
        raise ValueError("engine 'hyperscan' was asked for, but the hyperscan package is not installed")
    return engine


def _dedupe_elements(definitions: DefinitionSet) -> _SharedElements:
    """Elements defined identically in several SITs (a shared date detector, the same key
    format, renamed copies) are compiled and scanned once, and their findings shared."""
    shared = _SharedElements()
    for index, definition in enumerate(definitions):
        for name in _used_elements(definition):
            element = definition.elements[name]
            key = (index, name)
            if isinstance(element, RegexElement):
                signature = _signature(element)
                shared.regex_keys.setdefault(signature, []).append(key)
                shared.regexes.setdefault(signature, element)
            elif isinstance(element, FunctionElement):
                signature = _signature(element)
                shared.function_keys.setdefault(signature, []).append(key)
                shared.functions.setdefault(signature, element)
            else:
                shared.keywords.append((key, element))
    return shared


def _compile_sit(index: int, definition: SitDefinition) -> CompiledSit:
    by_primary = _group_patterns(definition)
    keyword_names = frozenset(
        name for name, element in definition.elements.items() if isinstance(element, KeywordElement)
    )
    supporting = frozenset(name for pattern in definition.patterns for name in requirement_elements(pattern.supporting))
    return CompiledSit(
        index=index,
        definition=definition,
        patterns_by_primary=by_primary,
        keyword_elements=keyword_names,
        sensitive_elements=_masking_set(definition),
        supporting_elements=supporting,
        keyword_gates=_keyword_gates(by_primary, supporting, keyword_names),
    )


def _group_patterns(definition: SitDefinition) -> dict[str, tuple[Pattern, ...]]:
    """Patterns by primary element, the most confident first."""
    grouped: dict[str, list[Pattern]] = {}
    for pattern in definition.patterns:
        grouped.setdefault(pattern.primary, []).append(pattern)
    return {name: tuple(sorted(patterns, key=lambda p: -p.confidence)) for name, patterns in grouped.items()}


def _keyword_gates(
    by_primary: Mapping[str, tuple[Pattern, ...]], supporting: frozenset[str], keyword_names: frozenset[str]
) -> dict[str, tuple[tuple[str, ...] | None, ...]]:
    """Per primary and pattern, the keywords one of which must be near for the pattern to
    match (None: no such gate, or the primary is also evidence and must be found everywhere)."""
    return {
        name: tuple(
            None if name in supporting else required_keywords(pattern.supporting, keyword_names) for pattern in patterns
        )
        for name, patterns in by_primary.items()
    }


def _masking_set(definition: SitDefinition) -> frozenset[str]:
    """Elements whose values are masked. Any value a regex or function element finds may be
    a secret (a card number that is only evidence for an expiry date is still a card
    number); keywords are context, shown as they are."""
    return frozenset(
        name for name in _used_elements(definition) if not isinstance(definition.elements[name], KeywordElement)
    )


def _prefilter(regexes: list[CompiledRegex], sits: list[CompiledSit], engine: str) -> Prefilter | None:
    """One Hyperscan pass tells where each regex may match; none with the `regex` engine."""
    if engine == "regex" or not hyperscan_available() or not regexes:
        return None
    return Prefilter(regexes, _usually_gated(regexes, sits))


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
        regex_flags(element),
        tuple(bound),
        max_width(element.pattern),
    )
