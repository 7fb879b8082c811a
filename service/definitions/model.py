"""The SIT model: frozen dataclasses built once from the definition files.

The shape follows Purview's rule packages (Entity / Pattern / IdMatch / Match / Any) so
that rule-package XML maps onto it one to one. Every object is immutable: a compiled
scanner may share them between threads and requests without copying.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

DEFAULT_PROXIMITY = 300
CONFIDENCE_LOW = 65
CONFIDENCE_MEDIUM = 75
CONFIDENCE_HIGH = 85


def frozen_mapping(items: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """A read-only view of a copy, so a definition cannot be changed after loading."""
    return MappingProxyType(dict(items or {}))


class KeywordStyle(StrEnum):
    WORD = "word"  # the term must stand alone: not preceded or followed by a letter or digit
    STRING = "string"  # the term may occur inside a longer word


class Normalization(StrEnum):
    """How a value is reduced before counting unique values (and, later, fingerprinting)."""

    NONE = "none"
    DIGITS = "digits"  # '4111 1111-1111 1111' and '4111111111111111' are one card
    ALNUM = "alnum"
    LOWER = "lower"
    UPPER_ALNUM = "upper_alnum"  # IBANs: case and spaces do not make a new account


@dataclass(frozen=True)
class ValidatorRef:
    """A validator applied to a regex element, with its parameters already checked."""

    name: str
    params: Mapping[str, Any] = field(default_factory=frozen_mapping)
    group: str | None = None  # check only this named group of the match (e.g. the password of a URL)


@dataclass(frozen=True)
class AdditionalChecks:
    """Purview's "additional checks", applied to a candidate before its validators.

    ``starts_with``/``ends_with`` look at the value itself; ``*_prefixes``/``*_suffixes``
    look at the text immediately around it (white space between is ignored).
    """

    exclude_values: frozenset[str] = frozenset()  # compared case-insensitively, after normalization
    exclude_repeated_characters: bool = False
    starts_with: tuple[str, ...] = ()
    not_starts_with: tuple[str, ...] = ()
    ends_with: tuple[str, ...] = ()
    not_ends_with: tuple[str, ...] = ()
    required_prefixes: tuple[str, ...] = ()
    forbidden_prefixes: tuple[str, ...] = ()
    required_suffixes: tuple[str, ...] = ()
    forbidden_suffixes: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return self == AdditionalChecks()


@dataclass(frozen=True)
class RegexElement:
    name: str
    pattern: str
    case_sensitive: bool = True
    validators: tuple[ValidatorRef, ...] = ()
    checks: AdditionalChecks = field(default_factory=AdditionalChecks)
    value_group: str | None = None  # the named group holding the reported value; whole match if None
    normalize: Normalization = Normalization.NONE


@dataclass(frozen=True)
class KeywordElement:
    name: str
    terms: tuple[str, ...]
    style: KeywordStyle = KeywordStyle.WORD
    case_sensitive: bool = False


@dataclass(frozen=True)
class FunctionElement:
    """A built-in detector registered in code by name (Purview's ``Func_*``)."""

    name: str
    function: str
    params: Mapping[str, Any] = field(default_factory=frozen_mapping)
    normalize: Normalization = Normalization.NONE


Element = RegexElement | KeywordElement | FunctionElement


@dataclass(frozen=True)
class MatchRequirement:
    """At least one occurrence of ``element`` inside the proximity window."""

    element: str


@dataclass(frozen=True)
class AnyRequirement:
    """Between ``min`` and ``max`` of the children are satisfied (Purview's ``Any``).

    ``max=0`` means none may be satisfied: the way a pattern excludes a context.
    ``all: [...]`` in a definition loads as ``AnyRequirement(min=len(of))``.
    """

    of: tuple[Requirement, ...]
    min: int = 1
    max: int | None = None


Requirement = MatchRequirement | AnyRequirement


@dataclass(frozen=True)
class Pattern:
    confidence: int
    primary: str
    supporting: Requirement | None = None
    name: str = ""
    proximity: int | None = None  # overrides the SIT's proximity for this pattern


@dataclass(frozen=True)
class MatchExample:
    text: str
    confidence: int | None = None  # expected highest confidence; any confidence if None
    value: str | None = None  # expected matched value, when the text holds several candidates


@dataclass(frozen=True)
class NoMatchExample:
    text: str
    why: str = ""


@dataclass(frozen=True)
class Examples:
    match: tuple[MatchExample, ...] = ()
    no_match: tuple[NoMatchExample, ...] = ()


@dataclass(frozen=True)
class SitDefinition:
    id: str
    name: str
    description: str
    category: str
    checksum: bool
    recommended_confidence: int
    elements: Mapping[str, Element]
    patterns: tuple[Pattern, ...]
    bundles: tuple[str, ...] = ()
    proximity: int = DEFAULT_PROXIMITY
    examples: Examples = field(default_factory=Examples)
    references: tuple[str, ...] = ()
    source: str = ""  # the file it was loaded from, for error messages

    def pattern_proximity(self, pattern: Pattern) -> int:
        return self.proximity if pattern.proximity is None else pattern.proximity

    @property
    def max_proximity(self) -> int:
        return max([self.proximity, *(p.proximity or 0 for p in self.patterns)])


def requirement_elements(requirement: Requirement | None) -> list[str]:
    """Every element name a requirement refers to, in order of first appearance."""
    if requirement is None:
        return []
    if isinstance(requirement, MatchRequirement):
        return [requirement.element]
    names: list[str] = []
    for child in requirement.of:
        for name in requirement_elements(child):
            if name not in names:
                names.append(name)
    return names


def needs_evidence(requirement: Requirement | None) -> bool:
    """True when a requirement cannot be satisfied without finding some supporting element.

    Used by the linter: a SIT without a checksum must not fire on its primary element alone.
    """
    if requirement is None:
        return False
    if isinstance(requirement, MatchRequirement):
        return True
    satisfiable_without_evidence = sum(1 for child in requirement.of if not needs_evidence(child))
    return satisfiable_without_evidence < requirement.min
