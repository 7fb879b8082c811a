"""Supporting elements that can never occur inside their pattern's window.

Evidence counts when it lies within ``proximity`` characters either side of the primary
match and not wholly inside it, so nothing longer than twice the proximity plus the
longest primary match fits, and with a proximity of 0 nothing fits at all.
"""

from __future__ import annotations

from collections.abc import Iterator

from service.definitions.lint import regex_tree
from service.definitions.lint.findings import Code, LintFinding, finding, pattern_path
from service.definitions.lint.requirements import children_with_paths
from service.definitions.model import Element, KeywordElement, Pattern, RegexElement, SitDefinition
from service.definitions.semantics import regex_flags


def window_findings(definition: SitDefinition) -> Iterator[LintFinding]:
    for index, pattern in enumerate(definition.patterns):
        room = _room(definition, pattern)
        for path, requirement, wanted in children_with_paths(pattern.supporting, f"{pattern_path(index)}.supporting"):
            element = definition.elements.get(requirement.element)
            shortest = _shortest(element) if element is not None else None
            if room is None or shortest is None or shortest <= room:
                continue
            why = (
                "the proximity is 0, so evidence would have to lie inside the primary match, which never counts"
                if definition.pattern_proximity(pattern) == 0
                else f"its shortest match has {shortest} characters but the window leaves room for at most {room}"
            )
            if wanted:
                yield finding(
                    definition,
                    Code.SUPPORTING_OUTSIDE_WINDOW,
                    path,
                    f"{requirement.element!r} can never be found in the window of {pattern.name!r}: {why}; "
                    "raise the pattern's proximity or shorten the element",
                )
            else:
                yield finding(
                    definition,
                    Code.EXCLUSION_OUTSIDE_WINDOW,
                    path,
                    f"excluding {requirement.element!r} has no effect in {pattern.name!r}: {why}",
                )


def _room(definition: SitDefinition, pattern: Pattern) -> int | None:
    """The longest evidence the window can hold, or None when there is no bound."""
    proximity = definition.pattern_proximity(pattern)
    if proximity == 0:
        return 0
    primary = definition.elements.get(pattern.primary)
    longest = _longest(primary) if primary is not None else None
    return None if longest is None else 2 * proximity + longest


def _shortest(element: Element) -> int | None:
    if isinstance(element, KeywordElement):
        return min((len(term) for term in element.terms), default=None)
    if isinstance(element, RegexElement):
        root = regex_tree.parse(element.pattern, regex_flags(element))
        return None if root is None else regex_tree.min_length(root)
    return None  # a detector's matches are not known from the definition


def _longest(element: Element) -> int | None:
    if isinstance(element, KeywordElement):
        return max((len(term) for term in element.terms), default=None)
    if isinstance(element, RegexElement):
        root = regex_tree.parse(element.pattern, regex_flags(element))
        return None if root is None else regex_tree.max_length(root)
    return None
