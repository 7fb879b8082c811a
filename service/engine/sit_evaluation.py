"""The last step of a part's scan: one SIT's primary candidates through its patterns.

For each primary candidate the highest-confidence pattern whose supporting requirements
hold inside its proximity window decides the match; overlapping matches of the SIT count
once; matches below the threshold are dropped. With a rejection log, every candidate that
did not become a reported match is logged with the reason.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from service.definitions.model import Pattern
from service.engine.candidates import DEADLINE_STRIDE
from service.engine.checks import normalize
from service.engine.compiled import CompiledSit
from service.engine.deadline import Deadline, EngineTimeout
from service.engine.evaluate import Window, evaluate
from service.engine.occurrences import Occurrence, OccurrenceList
from service.engine.rejections import RejectionLog
from service.engine.report import Evidence, Match, PatternMiss, RejectionStage
from service.engine.viability import Viability

# Occurrences of one of the SIT's elements in the part, by element name (found on demand).
Lookup = Callable[[str], OccurrenceList]


@dataclass(frozen=True)
class SitEvaluation:
    matches: list[Match]
    examined: int  # primary candidates examined
    stopped: EngineTimeout | None = None  # the time-out that cut the evaluation short


@dataclass
class _Candidates:
    """What examining the primaries produces, before overlaps and the threshold are applied."""

    matches: list[Match] = field(default_factory=list)
    # For explanations only: the patterns above the one that fired, which did not hold.
    missed_higher: dict[tuple[int, int], tuple[tuple[PatternMiss, ...], str]] = field(default_factory=dict)
    examined: int = 0


def evaluate_sit(
    sit: CompiledSit,
    lookup: Lookup,
    threshold: int,
    viability: Viability,
    part_name: str,
    deadline: Deadline,
    log: RejectionLog | None = None,
) -> SitEvaluation:
    """The SIT's reported matches in the part.

    Stopped by its time running out, the SIT keeps the matches it had confirmed: each
    passed its checks, validators and the first pattern that holds. (A confirmed match
    may overlap an unexamined one of higher confidence; reporting it is the safe side.)
    """
    found = _Candidates()
    stopped: EngineTimeout | None = None
    try:
        _examine(sit, lookup, viability, part_name, deadline, log, found)
    except EngineTimeout as timeout:
        stopped = timeout
    kept = without_overlaps(found.matches, sit, log)
    for match in kept:
        if match.confidence < threshold and log is not None:
            _log_below_threshold(
                log, sit, match, threshold, found.missed_higher.get((match.start, match.end), ((), ""))
            )
    return SitEvaluation([match for match in kept if match.confidence >= threshold], found.examined, stopped)


def _examine(
    sit: CompiledSit,
    lookup: Lookup,
    viability: Viability,
    part_name: str,
    deadline: Deadline,
    log: RejectionLog | None,
    found: _Candidates,
) -> None:
    """Every viable primary candidate of the SIT through its patterns, into ``found``."""
    where = f"evaluating patterns of SIT {sit.definition.name!r}"
    for primary, patterns in sit.patterns_by_primary.items():
        if not viability.allows((sit.index, primary)):
            continue
        for occurrence in lookup(primary):
            if found.examined % DEADLINE_STRIDE == 0:
                deadline.check(where)
            found.examined += 1
            _examine_one(sit, primary, patterns, occurrence, lookup, part_name, log, found)


def _examine_one(
    sit: CompiledSit,
    primary: str,
    patterns: Sequence[Pattern],
    occurrence: Occurrence,
    lookup: Lookup,
    part_name: str,
    log: RejectionLog | None,
    found: _Candidates,
) -> None:
    definition = sit.definition
    failures: list[PatternMiss] = []
    reasons: list[str] = []
    for pattern in patterns:
        proximity = definition.pattern_proximity(pattern)
        window = Window(
            max(0, occurrence.start - proximity), occurrence.end + proximity, occurrence.start, occurrence.end
        )
        outcome = evaluate(pattern.supporting, window, lookup, explain=log is not None)
        if outcome.satisfied:
            found.matches.append(
                make_match(sit, part_name, primary, occurrence, pattern.name, pattern.confidence, outcome.evidence)
            )
            if failures:
                found.missed_higher[(occurrence.start, occurrence.end)] = (tuple(failures), "; ".join(reasons))
            return
        if log is not None:
            failures.append(PatternMiss(pattern.name, pattern.confidence, outcome.misses))
            reasons.append(f"{pattern.name}: {outcome.reason}")
    if log is not None:
        log.add(sit, primary, occurrence, RejectionStage.PATTERN, "; ".join(reasons), patterns=tuple(failures))


def make_match(
    sit: CompiledSit,
    part_name: str,
    primary: str,
    occurrence: Occurrence,
    pattern_name: str,
    confidence: int,
    evidence: Iterable[tuple[str, Occurrence]],
) -> Match:
    return Match(
        part=part_name,
        start=occurrence.start,
        end=occurrence.end,
        confidence=confidence,
        pattern=pattern_name,
        element=primary,
        value=occurrence.text,
        normalized=normalize(occurrence.text, sit.normalization(primary)),
        evidence=tuple(
            Evidence(name, item.start, item.end, item.text, name in sit.sensitive_elements)
            for name, item in sorted(evidence, key=lambda pair: (pair[1].start, pair[0]))
        ),
    )


def without_overlaps(candidates: list[Match], sit: CompiledSit, log: RejectionLog | None = None) -> list[Match]:
    """Keep one match where several overlap: the most confident, then the longest, then the first."""
    kept: list[Match] = []  # sorted by start and pairwise disjoint, so only neighbours can overlap
    starts: list[int] = []
    for match in sorted(candidates, key=lambda m: (-m.confidence, -(m.end - m.start), m.start)):
        position = bisect_left(starts, match.start)
        neighbours = kept[max(0, position - 1) : position + 1]
        if any(match.start < other.end and other.start < match.end for other in neighbours):
            if log is not None:
                reason = "overlaps a match of the same SIT with higher or equal confidence"
                _log_match(log, sit, match, RejectionStage.OVERLAP, reason)
            continue
        kept.insert(position, match)
        starts.insert(position, match.start)
    return kept


def _log_match(log: RejectionLog, sit: CompiledSit, match: Match, stage: RejectionStage, reason: str) -> None:
    log.add(sit, match.element, (match.start, match.end, match.value), stage, reason)


def _log_below_threshold(
    log: RejectionLog, sit: CompiledSit, match: Match, threshold: int, missed: tuple[tuple[PatternMiss, ...], str]
) -> None:
    higher, why = missed
    reason = f"confidence {match.confidence} is below the minimum {threshold}"
    if why:
        reason = f"{reason}; higher patterns did not hold: {why}"
    log.add(
        sit,
        match.element,
        (match.start, match.end, match.value),
        RejectionStage.CONFIDENCE,
        reason,
        patterns=higher,
        confidence=match.confidence,
        threshold=threshold,
    )
