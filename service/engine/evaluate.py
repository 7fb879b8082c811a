"""Decides whether a pattern's supporting requirements hold around one primary match.

Requirements are evaluated against per-element occurrence lists with window queries,
so the cost is logarithmic in the number of occurrences and never rescans the text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from service.definitions.model import AnyRequirement, MatchRequirement, Requirement
from service.engine.occurrences import EMPTY, Occurrence, OccurrenceList
from service.engine.report import Miss, MissKind

MAX_EVIDENCE_PER_ELEMENT = 5

OccurrenceLookup = Callable[[str], OccurrenceList]


@dataclass(frozen=True)
class Window:
    start: int
    end: int
    primary_start: int
    primary_end: int


@dataclass(frozen=True)
class Outcome:
    satisfied: bool
    evidence: tuple[tuple[str, Occurrence], ...] = ()
    reason: str = ""  # why it is not satisfied (or, for a satisfied child, nothing)
    misses: tuple[Miss, ...] = ()  # the same, as data (explanations only)


def evaluate(
    requirement: Requirement | None, window: Window, lookup: OccurrenceLookup, explain: bool = False
) -> Outcome:
    """Whether the requirement holds in the window; with ``explain``, why not when it does not.

    Reasons are only built when asked for: classification without explanations should
    not pay for string formatting on every rejected candidate.
    """
    if requirement is None:
        return Outcome(True)
    if isinstance(requirement, MatchRequirement):
        return _evaluate_match(requirement, window, lookup, explain)
    return _evaluate_any(requirement, window, lookup, explain)


_NOT_SATISFIED = Outcome(False)


def _evaluate_match(requirement: MatchRequirement, window: Window, lookup: OccurrenceLookup, explain: bool) -> Outcome:
    occurrences = lookup(requirement.element)
    found = [
        item
        for item in occurrences.within(window.start, window.end)
        # Evidence is context: nothing inside the primary match itself counts (the 'pypi'
        # at the start of 'pypi-AgE…' says nothing more about the token).
        if not (window.primary_start <= item.start and item.end <= window.primary_end)
    ]
    if found:
        # Prefer the evidence closest to the match: it is what a reviewer should see.
        found.sort(key=lambda item: max(0, window.primary_start - item.end, item.start - window.primary_end))
        chosen = sorted(found[:MAX_EVIDENCE_PER_ELEMENT])
        return Outcome(True, tuple((requirement.element, item) for item in chosen))
    if not explain:
        return _NOT_SATISFIED
    element = requirement.element
    if occurrences is EMPTY or len(occurrences) == 0:
        return Outcome(False, reason=f"no {element!r} in the text", misses=(Miss(element, MissKind.ABSENT),))
    distance = occurrences.nearest_distance(window.primary_start, window.primary_end)
    limit = window.primary_start - window.start
    return Outcome(
        False,
        reason=f"{element!r} is {distance} characters away (proximity {limit})",
        misses=(Miss(element, MissKind.TOO_FAR, distance, limit),),
    )


def _evaluate_any(requirement: AnyRequirement, window: Window, lookup: OccurrenceLookup, explain: bool) -> Outcome:
    outcomes: list[Outcome] = []
    for position, child in enumerate(requirement.of):
        outcome = evaluate(child, window, lookup, explain)
        outcomes.append(outcome)
        if explain:
            continue
        # Stop as soon as the answer is known to be no, so that expensive elements
        # listed after a cheap keyword are only looked for when the keyword is there.
        count = sum(1 for o in outcomes if o.satisfied)
        remaining = len(requirement.of) - position - 1
        if count + remaining < requirement.min or (requirement.max is not None and count > requirement.max):
            return _NOT_SATISFIED
    satisfied = [outcome for outcome in outcomes if outcome.satisfied]
    count = len(satisfied)
    too_many = requirement.max is not None and count > requirement.max
    if count < requirement.min:
        return _too_few(requirement, outcomes, count)
    if too_many:
        names = sorted({name for outcome in satisfied for name, _ in outcome.evidence})
        found = ", ".join(names)
        if requirement.max == 0:
            excluded = tuple(Miss(name, MissKind.EXCLUDED) for name in names)
            return Outcome(False, reason=f"excluded by {found} nearby", misses=excluded)
        return Outcome(
            False,
            reason=f"found {count} supporting requirements ({found}), at most {requirement.max} allowed",
            misses=tuple(Miss(name, MissKind.TOO_MANY) for name in names),
        )
    if requirement.max == 0:
        # An exclusion that holds contributes no evidence: nothing was found.
        return Outcome(True)
    return Outcome(True, tuple(pair for outcome in satisfied for pair in outcome.evidence))


def _too_few(requirement: AnyRequirement, outcomes: list[Outcome], count: int) -> Outcome:
    unsatisfied = [outcome for outcome in outcomes if not outcome.satisfied]
    missing = "; ".join(outcome.reason for outcome in unsatisfied)
    needed = "all" if requirement.min == len(requirement.of) else f"{requirement.min}"
    return Outcome(
        False,
        reason=f"needs {needed} of {len(requirement.of)} supporting requirements, found {count}: {missing}",
        misses=tuple(miss for outcome in unsatisfied for miss in outcome.misses),
    )
