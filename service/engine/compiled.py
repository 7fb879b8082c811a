"""The compiled forms of definitions: regexes compiled, validators and detectors bound."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import regex

from service.definitions.model import (
    FunctionElement,
    KeywordElement,
    Normalization,
    Pattern,
    RegexElement,
    SitDefinition,
)
from service.engine.occurrences import ElementKey
from service.functions import DETECTORS
from service.spans import Span
from service.validators import BoundCheck


@dataclass(frozen=True)
class BoundValidator:
    name: str
    group: str | None
    check: BoundCheck


@dataclass(frozen=True)
class CompiledRegex:
    index: int  # position in the scanner's list of regexes (and in the prefilter)
    key: ElementKey  # the first element compiled into this one, for messages
    keys: tuple[ElementKey, ...]  # every element of every SIT with this same definition: scanned once
    element: RegexElement
    flags: int  # the `regex` flags the element's pattern is compiled with
    validators: tuple[BoundValidator, ...]
    width: int | None = None  # the longest text the pattern can match, when bounded and small
    _compiled: list[regex.Pattern[str]] = field(default_factory=list, init=False, repr=False, compare=False)

    @property
    def pattern(self) -> regex.Pattern[str]:
        """The element's pattern, compiled when first used: most of a large library's elements
        are never confirmed with `regex` in a run (the prefilter rules them out), and compiling
        them all took a fifth of a second of every command's and worker's start."""
        if not self._compiled:
            # Two threads may both compile it; either result is the same pattern.
            self._compiled.append(regex.compile(self.element.pattern, self.flags))
        return self._compiled[0]


@dataclass(frozen=True)
class CompiledFunction:
    key: ElementKey
    keys: tuple[ElementKey, ...]
    element: FunctionElement
    params: dict[str, Any]

    def find(self, text: str) -> Iterable[Span]:
        detector = DETECTORS.get(self.element.function)
        assert detector is not None  # names are checked when definitions load
        return detector.find(text, self.params)


@dataclass(frozen=True)
class CompiledSit:
    index: int
    definition: SitDefinition
    # Patterns grouped by their primary element, highest confidence first, so the first
    # pattern that holds is the one that counts.
    patterns_by_primary: dict[str, tuple[Pattern, ...]]
    sensitive_elements: frozenset[str]  # primary regex/function elements: their text may be secret
    keyword_elements: frozenset[str]
    supporting_elements: frozenset[str] = frozenset()  # elements some pattern's requirement refers to
    # For each pattern of ``patterns_by_primary`` (same order): the keyword elements one of
    # which must be near any match it gives, or None when it can hold without a keyword (or
    # the primary is also evidence elsewhere, so it must be found everywhere).
    keyword_gates: dict[str, tuple[tuple[str, ...] | None, ...]] = field(default_factory=dict)

    def normalization(self, element_name: str) -> Normalization:
        element = self.definition.elements[element_name]
        return Normalization.NONE if isinstance(element, KeywordElement) else element.normalize
