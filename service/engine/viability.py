"""A step of a part's scan: which primary elements are worth looking for, and near what.

A pattern below the reporting threshold can only give a match that is dropped, and one
that needs a keyword absent from the part cannot hold: their primaries need not be
scanned at all. For each primary that stays, the keyword occurrences one of which must lie
near any match that could be reported ("anchors") let it be looked for around those
keywords only. Explanations prune nothing: they must say why a candidate did not match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from service.definitions.model import MatchRequirement, Requirement, SitDefinition
from service.engine.compiled import CompiledSit
from service.engine.occurrences import EMPTY, ElementKey, OccurrenceList

# A keyword's occurrences, and the proximity within which one must be to a match.
Anchor = tuple[int, OccurrenceList]


def sit_threshold(definition: SitDefinition, min_confidence: int | None) -> int:
    """The confidence a match of the SIT must reach to be reported."""
    return definition.recommended_confidence if min_confidence is None else min_confidence


@dataclass(frozen=True)
class Viability:
    """The primaries of a part worth looking for. ``pruned`` False: all of them, everywhere."""

    pruned: bool
    keys: frozenset[ElementKey] = frozenset()
    anchors: Mapping[ElementKey, tuple[Anchor, ...] | None] = field(default_factory=lambda: MappingProxyType({}))

    def allows(self, key: ElementKey) -> bool:
        return not self.pruned or key in self.keys

    def anchors_of(self, key: ElementKey) -> tuple[Anchor, ...] | None:
        """Keyword occurrences near one of which any reportable match of ``key`` lies; None: anywhere."""
        return self.anchors.get(key) if self.pruned else None


EVERY_PRIMARY = Viability(pruned=False)


def viable_primaries(
    sits: Iterable[CompiledSit],
    active: frozenset[int],
    keywords: Mapping[ElementKey, OccurrenceList],
    min_confidence: int | None,
) -> Viability:
    """The primaries of the ``active`` SITs with a pattern that could still be reported, given
    the keyword occurrences found in the part."""
    keys: set[ElementKey] = set()
    anchors: dict[ElementKey, tuple[Anchor, ...] | None] = {}
    for sit in sits:
        if sit.index not in active:
            continue
        threshold = sit_threshold(sit.definition, min_confidence)
        for primary, patterns in sit.patterns_by_primary.items():
            reportable = [
                (pattern, gate)
                for pattern, gate in zip(patterns, sit.keyword_gates[primary], strict=True)
                if pattern.confidence >= threshold and could_hold(sit, pattern.supporting, keywords)
            ]
            if not reportable:
                continue
            key = (sit.index, primary)
            keys.add(key)
            anchors[key] = (
                None
                if any(gate is None for _, gate in reportable)
                else tuple(
                    (sit.definition.pattern_proximity(pattern), keywords.get((sit.index, name), EMPTY))
                    for pattern, gate in reportable
                    for name in gate or ()
                )
            )
    return Viability(True, frozenset(keys), MappingProxyType(anchors))


def could_hold(
    sit: CompiledSit, requirement: Requirement | None, keywords: Mapping[ElementKey, OccurrenceList]
) -> bool:
    """False only when the requirement needs keywords that do not occur in the part."""
    if requirement is None:
        return True
    if isinstance(requirement, MatchRequirement):
        return requirement.element not in sit.keyword_elements or (sit.index, requirement.element) in keywords
    possible = sum(1 for child in requirement.of if could_hold(sit, child, keywords))
    return possible >= requirement.min
