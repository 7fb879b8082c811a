"""A step of a part's scan: which primary elements are worth looking for, and near what.

A pattern below the reporting threshold can only give a match that is dropped, and one
that needs a keyword absent from the part cannot hold: their primaries need not be
scanned at all. For each primary that stays, the keyword occurrences one of which must lie
near any match that could be reported ("anchors") let it be looked for around those
keywords only. Explanations prune nothing: they must say why a candidate did not match.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from service.definitions.model import MatchRequirement, Requirement, SitDefinition
from service.engine.compiled import CompiledSit
from service.engine.occurrences import EMPTY, ElementKey, OccurrenceList

# Cached SIT shapes kept at most (each a few tuples).
MAX_SHAPES = 100_000
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
    sits: Sequence[CompiledSit],
    active: frozenset[int],
    keywords: Mapping[ElementKey, OccurrenceList],
    min_confidence: int | None,
    index: ViabilityIndex | None = None,
) -> Viability:
    """The primaries of the ``active`` SITs with a pattern that could still be reported, given
    the keyword occurrences found in the part.

    Only the SITs with a keyword in the part are looked at one by one: for every other SIT
    the answer is that of a part without its keywords, the same in every part and kept by
    ``index``. So the cost follows the keywords found, not the number of SITs loaded.
    """
    index = index or ViabilityIndex(tuple(sits))
    without = index.without_keywords(min_confidence)
    every = len(active) == len(index.sits)
    keys = set(without.keys) if every else {key for key in without.keys if key[0] in active}
    anchors: dict[ElementKey, tuple[Anchor, ...] | None] = dict.fromkeys(keys)
    for sit_index in {key[0] for key in keywords}:
        if sit_index not in active:
            continue
        sit = index.sits[sit_index]
        for key in without.by_sit.get(sit_index, ()):
            keys.discard(key)
            anchors.pop(key, None)
        for key, found in index.viability_of(sit, sit_threshold(sit.definition, min_confidence), keywords):
            keys.add(key)
            anchors[key] = found
    return Viability(True, frozenset(keys), MappingProxyType(anchors))


@dataclass(frozen=True)
class _WithoutKeywords:
    """The primaries reportable in a part where none of their SIT's keywords occur."""

    keys: frozenset[ElementKey]
    by_sit: Mapping[int, tuple[ElementKey, ...]]


@dataclass
class ViabilityIndex:
    """What viability needs of a scanner's SITs, worked out once per reporting threshold."""

    sits: tuple[CompiledSit, ...]
    _cache: dict[int | None, _WithoutKeywords] = field(default_factory=dict, repr=False)
    # (SIT, threshold, its keyword elements present) → its shape: the same few combinations
    # recur in part after part, only the occurrences differ.
    _shapes: dict[tuple[int, int, frozenset[str]], tuple[_Shape, ...]] = field(default_factory=dict, repr=False)

    def viability_of(
        self, sit: CompiledSit, threshold: int, keywords: Mapping[ElementKey, OccurrenceList]
    ) -> Iterator[tuple[ElementKey, tuple[Anchor, ...] | None]]:
        """Each viable primary of one SIT in a part with these keywords, with its anchors."""
        present = frozenset(name for name in sit.keyword_elements if (sit.index, name) in keywords)
        cache_key = (sit.index, threshold, present)
        shapes = self._shapes.get(cache_key)
        if shapes is None:
            if len(self._shapes) >= MAX_SHAPES:
                self._shapes.clear()  # bounded: thresholds and keyword mixes of hostile input
            # A race between requests computes the same value twice; the dict stays whole.
            shapes = self._shapes[cache_key] = tuple(_sit_shape(sit, threshold, present))
        for key, gates in shapes:
            if gates is None:
                yield key, None
            else:
                yield key, tuple((proximity, keywords.get((sit.index, name), EMPTY)) for proximity, name in gates)

    def without_keywords(self, min_confidence: int | None) -> _WithoutKeywords:
        cached = self._cache.get(min_confidence)
        if cached is None:
            # A race between requests computes the same value twice; the dict stays whole.
            by_sit: dict[int, tuple[ElementKey, ...]] = {}
            for sit in self.sits:
                threshold = sit_threshold(sit.definition, min_confidence)
                found = tuple(key for key, anchors in _sit_viability(sit, threshold, {}) if anchors is None)
                if found:
                    by_sit[sit.index] = found
            cached = _WithoutKeywords(frozenset(k for ks in by_sit.values() for k in ks), MappingProxyType(by_sit))
            self._cache[min_confidence] = cached
        return cached


# A viable primary, and the keyword elements (with their proximities) one of which any
# reportable match lies near; None: it may lie anywhere.
_Shape = tuple[ElementKey, tuple[tuple[int, str], ...] | None]


def _sit_viability(
    sit: CompiledSit, threshold: int, keywords: Mapping[ElementKey, OccurrenceList]
) -> Iterator[tuple[ElementKey, tuple[Anchor, ...] | None]]:
    """Each viable primary of one SIT, with its anchors (None: anywhere)."""
    present = frozenset(name for name in sit.keyword_elements if (sit.index, name) in keywords)
    for key, gates in _sit_shape(sit, threshold, present):
        if gates is None:
            yield key, None
        else:
            yield key, tuple((proximity, keywords.get((sit.index, name), EMPTY)) for proximity, name in gates)


def _sit_shape(sit: CompiledSit, threshold: int, present: frozenset[str]) -> Iterator[_Shape]:
    """The viable primaries of one SIT in a part where the keyword elements ``present`` occur."""
    found = {(sit.index, name) for name in present}
    for primary, patterns in sit.patterns_by_primary.items():
        reportable = [
            (pattern, gate)
            for pattern, gate in zip(patterns, sit.keyword_gates[primary], strict=True)
            if pattern.confidence >= threshold and could_hold(sit, pattern.supporting, found)
        ]
        if not reportable:
            continue
        yield (
            (sit.index, primary),
            None
            if any(gate is None for _, gate in reportable)
            else tuple(
                (sit.definition.pattern_proximity(pattern), name) for pattern, gate in reportable for name in gate or ()
            ),
        )


def could_hold(sit: CompiledSit, requirement: Requirement | None, keywords: Container[ElementKey]) -> bool:
    """False only when the requirement needs keywords that do not occur in the part."""
    if requirement is None:
        return True
    if isinstance(requirement, MatchRequirement):
        return requirement.element not in sit.keyword_elements or (sit.index, requirement.element) in keywords
    possible = sum(1 for child in requirement.of if could_hold(sit, child, keywords))
    return possible >= requirement.min
