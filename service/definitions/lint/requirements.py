"""Reasoning about supporting requirements without a document: which elements decide what."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from service.definitions.model import MatchRequirement, Pattern, Requirement, requirement_elements

# Above this many elements, trying every combination of present and absent costs too much.
MAX_ELEMENTS_ENUMERATED = 12


def satisfied(requirement: Requirement | None, present: Collection[str]) -> bool:
    """Whether the requirement holds when exactly the ``present`` elements occur in the window."""
    if requirement is None:
        return True
    if isinstance(requirement, MatchRequirement):
        return requirement.element in present
    count = sum(1 for child in requirement.of if satisfied(child, present))
    return count >= requirement.min and (requirement.max is None or count <= requirement.max)


def satisfiable(requirement: Requirement | None, never_present: Collection[str] = ()) -> bool | None:
    """Whether some window satisfies the requirement with ``never_present`` elements absent.

    None when there are too many elements to try every combination.
    """
    names = [name for name in requirement_elements(requirement) if name not in never_present]
    if len(names) > MAX_ELEMENTS_ENUMERATED:
        return None
    return any(satisfied(requirement, present) for present in subsets(names))


def decides_alone(pattern: Pattern, element: str) -> bool:
    """True when ``element`` on its own, and nothing else, satisfies the pattern's supporting requirement."""
    return not satisfied(pattern.supporting, ()) and satisfied(pattern.supporting, (element,))


def children_with_paths(requirement: Requirement | None, path: str) -> Iterator[tuple[str, MatchRequirement, bool]]:
    """Every ``match`` in the requirement with its field path and whether it is wanted (False: excluded)."""
    yield from _walk(requirement, path, wanted=True)


def _walk(requirement: Requirement | None, path: str, wanted: bool) -> Iterator[tuple[str, MatchRequirement, bool]]:
    if requirement is None:
        return
    if isinstance(requirement, MatchRequirement):
        yield path, requirement, wanted
        return
    excluded = requirement.max == 0
    for index, child in enumerate(requirement.of):
        yield from _walk(child, f"{path}[{index}]", wanted != excluded)


def subsets(names: list[str]) -> Iterator[set[str]]:
    for mask in range(1 << len(names)):
        yield {name for bit, name in enumerate(names) if mask >> bit & 1}
