"""Patterns that add nothing: repeats of another, or ones another always beats.

For a primary candidate the patterns are tried from the highest confidence down and the
first whose requirements hold decides. A pattern whose requirements can only hold where
another pattern's hold too, at no higher confidence, never gets to decide.
"""

from __future__ import annotations

from collections.abc import Iterator

from service.definitions.lint.findings import Code, LintFinding, finding, pattern_path
from service.definitions.lint.requirements import MAX_ELEMENTS_ENUMERATED, satisfied, subsets
from service.definitions.model import AnyRequirement, Pattern, Requirement, SitDefinition, requirement_elements


def repeated_pattern_findings(definition: SitDefinition) -> Iterator[LintFinding]:
    seen: dict[tuple[str, object, int, int], int] = {}
    for index, pattern in enumerate(definition.patterns):
        key = (pattern.primary, pattern.supporting, pattern.confidence, definition.pattern_proximity(pattern))
        if key in seen:
            yield finding(definition, Code.REPEATED_PATTERN, pattern_path(index), f"repeats {pattern_path(seen[key])}")
        seen.setdefault(key, index)


def dominated_pattern_findings(definition: SitDefinition) -> Iterator[LintFinding]:
    patterns = definition.patterns
    for index, pattern in enumerate(patterns):
        for other_index, other in enumerate(patterns):
            if other_index != index and _beats(definition, other, other_index, pattern, index):
                yield finding(
                    definition,
                    Code.PATTERN_NEVER_DECIDES,
                    pattern_path(index),
                    f"pattern {pattern.name!r} ({pattern.confidence}) holds only where {pattern_path(other_index)} "
                    f"{other.name!r} ({other.confidence}) holds too, so it never decides a match; "
                    "give it a higher confidence than that pattern, or remove it",
                )
                break


def _beats(definition: SitDefinition, winner: Pattern, winner_index: int, loser: Pattern, loser_index: int) -> bool:
    if winner.primary != loser.primary or winner.confidence < loser.confidence:
        return False
    winner_window = definition.pattern_proximity(winner)
    loser_window = definition.pattern_proximity(loser)
    if (winner.supporting, winner.confidence, winner_window) == (loser.supporting, loser.confidence, loser_window):
        return False  # the same pattern twice: repeated_pattern_findings says so
    if winner.confidence == loser.confidence and loser_index < winner_index and _implies(winner, loser):
        return False  # equivalent at one confidence: only the later of the two is reported
    if winner_window != loser_window and not (winner_window > loser_window and _monotone(winner.supporting)):
        # A wider window sees more, which helps only a requirement that nothing can spoil.
        return False
    return _implies(loser, winner) is True


def _implies(pattern: Pattern, other: Pattern) -> bool | None:
    """Whether every set of elements satisfying ``pattern`` satisfies ``other`` (None: too many to try)."""
    names = list(dict.fromkeys(requirement_elements(pattern.supporting) + requirement_elements(other.supporting)))
    if len(names) > MAX_ELEMENTS_ENUMERATED:
        return None
    return all(
        satisfied(other.supporting, present) for present in subsets(names) if satisfied(pattern.supporting, present)
    )


def _monotone(requirement: Requirement | None) -> bool:
    """True when finding more elements can never make the requirement fail (no ``max``)."""
    if not isinstance(requirement, AnyRequirement):
        return True
    return requirement.max is None and all(_monotone(child) for child in requirement.of)
